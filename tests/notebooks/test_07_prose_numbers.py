"""Every number stated in the prose of chapter 07 is recomputed here.

The prose lives in ``solutions/07_regularization/07_regularization.ipynb``.
Each test quotes the sentence it checks (so editing the prose without the
test fails) and recomputes the numbers with nnlib.  The last test keeps an
inventory of the numerals in the markdown: a new number in the prose fails
it until someone adds a check for it.
"""
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from prose_support import unaccounted

from nnlib.data import load_digits, standardize
from nnlib.functional import dropout_forward
from nnlib.layers import Activation, Dense
from nnlib.losses import softmax_cross_entropy
from nnlib.network import Sequential
from nnlib.optimizers import SGD, Adam
from nnlib.regularization import (
    EarlyStopping,
    WeightPenalty,
    early_stopping,
    mlp_l1_grad,
    mlp_l1_penalty,
    mlp_l2_grad,
    mlp_l2_penalty,
    sgd_step_l2,
    soft_threshold,
)
from nnlib.training import fit
from nnlib.update_rules import adam_step, adamw_step, sgd_step

NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "07_regularization" / "07_regularization.ipynb"
NB = nbformat.read(NOTEBOOK, as_version=4)
SOURCES = {cell.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: cell.source
           for cell in NB.cells if "grade_id" in cell.metadata.get("nbgrader", {})}
W_EXAMPLE = np.array([[0.5, -2.0, 0.0]])  # (1, 3) the chapter's worked example
VAL_LOSSES = [0.90, 0.70, 0.60, 0.58, 0.585, 0.59, 0.575, 0.60, 0.62, 0.65]


def normalised(text: str) -> str:
    """Prose without $ signs and backticks, with ASCII minus signs and single spaces (line breaks vary)."""
    return re.sub(r"\s+", " ", text.replace("$", "").replace("`", "").replace("−", "-"))


def says(cell: str, *phrases: str) -> None:
    body = normalised(SOURCES[cell])
    for phrase in phrases:
        assert normalised(phrase) in body, f"cell {cell} no longer says {phrase!r}: update this test with the prose"


def shown(value: float, text: str) -> None:
    """Does ``value`` round to ``text`` (as many decimals as the text shows)?"""
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert f"{value:.{decimals}f}" == f"{float(text):.{decimals}f}", f"{value!r} does not round to {text}"


# ---------------------------------------------------------------- 1. the overfitting widget

@pytest.fixture(scope="module")
def moons_runs():
    from nnlib.widgets.overfitting import STEPS_PER_FRAME, MoonsRun

    free, l2 = MoonsRun(64, 0.0, 0.0), MoonsRun(64, 0.01, 0.0)
    for _ in range(1200 // STEPS_PER_FRAME):
        free.advance()
        l2.advance()
    return free, l2


def test_overfitting_widget_numbers(moons_runs):
    """2-64-64-2 on 40 moons with noise 0.3, 400 validation points; after 1200 steps train < 0.02, validation
    > 0.8 having been < 0.45; with lambda 0.01 from the start the gap is < 0.1; width 4 and dropout 0.3 exist."""
    from nnlib.widgets.overfitting import (
        LAMBDAS,
        N_TRAIN,
        N_VAL,
        NOISE,
        WIDTHS,
        OverfitExplorer,
    )

    says("md_overfit_widget", "A 2-64-64-2 ReLU network", "from only 40 training points with noise 0.3",
         "400 more points from the same distribution", "where it is 0.5",
         "after 1200 steps the training loss is below 0.02 and the validation loss above 0.8, although it was "
         "below 0.45 early on", "Raise **L2 λ** to 0.01", "Trained with \\lambda = 0.01 from the start, the gap "
         "after 1200 steps is below 0.1", "Try **dropout** 0.3, or a **width** of 4")
    assert (N_TRAIN, N_VAL, NOISE) == (40, 400, 0.3) and 0.01 in LAMBDAS and 4 in WIDTHS
    free, l2 = moons_runs
    assert free.model.layers[0].params["W"].shape == (2, 64) and free.model.layers[-1].params["W"].shape == (64, 2)
    assert free.steps[-1] == 1200
    assert free.train_losses[-1] < 0.02 and free.val_losses[-1] > 0.8 and min(free.val_losses) < 0.45
    assert abs(l2.val_losses[-1] - l2.train_losses[-1]) < 0.1
    w = OverfitExplorer()
    w.controls["dropout"].value = 0.3
    assert w.run.p_drop == 0.3


# ---------------------------------------------------------------- 3. L2

def test_l2_worked_example():
    """w = (0.5, -2, 0), gradient 0.1, eta 0.1, lambda 0.01: penalty 0.01 (0.25 + 4 + 0) = 0.0425, gradient
    (0.01, -0.04, 0), step (0.489, -2.006, -0.010), factor 1 - 2 * 0.1 * 0.01 = 0.998."""
    says("md_l2", "w = (0.5, -2, 0), a data gradient of 0.1 on each, \\eta = 0.1 and \\lambda = 0.01",
         "0.01\\,(0.25 + 4 + 0) = 0.0425", "2\\lambda w = (0.01, -0.04, 0)", "w = (0.489, -2.006, -0.010)",
         "1 - 2 \\cdot 0.1 \\cdot 0.01 = 0.998")
    params = [(W_EXAMPLE, np.zeros(3))]
    shown(mlp_l2_penalty(params, 0.01), "0.0425")
    assert 0.01 * (0.25 + 4 + 0) == pytest.approx(0.0425)
    for value, text in zip(mlp_l2_grad(params, 0.01)[0][0][0], ("0.01", "-0.04", "0")):
        shown(value, text)
    (W, _), = sgd_step_l2(params, [(np.full((1, 3), 0.1), np.zeros(3))], 0.1, 0.01)
    for value, text in zip(W[0], ("0.489", "-2.006", "-0.010")):
        shown(value, text)
    shown(1 - 2 * 0.1 * 0.01, "0.998")
    says("md_ex_l2_penalty", "W = [[0.5, -2, 0]] and lam = 0.01 it is 0.0425")
    says("md_ex_sgd_step_l2", "On the worked example the weights become [[0.489, -2.006, -0.010]]")


def test_l1_worked_example_and_soft_threshold():
    """L1: 0.01 (0.5 + 2 + 0) = 0.025, subgradient (0.01, -0.01, 0), step (0.489, -2.009, -0.010);
    soft(., 0.1) of (0.3, -0.05, 0.002, -1.0) = (0.2, 0, 0, -0.9)."""
    says("md_l1", "the L1 penalty is 0.01\\,(0.5 + 2 + 0) = 0.025, its subgradient (0.01, -0.01, 0) and one step "
                  "gives w = (0.489, -2.009, -0.010)", "At t = 0.1 the weights (0.3, -0.05, 0.002, -1.0) become "
                                                        "(0.2, 0, 0, -0.9)",
         "gradient 0.1, \\eta = 0.1, \\lambda = 0.01", "np.sign(0) = 0")
    params = [(W_EXAMPLE, np.zeros(3))]
    shown(mlp_l1_penalty(params, 0.01), "0.025")
    sub = mlp_l1_grad(params, 0.01)[0][0][0]
    for value, text in zip(sub, ("0.01", "-0.01", "0")):
        shown(value, text)
    for value, text in zip(sgd_step(W_EXAMPLE[0], 0.1 + sub, 0.1), ("0.489", "-2.009", "-0.010")):
        shown(value, text)
    np.testing.assert_allclose(soft_threshold([0.3, -0.05, 0.002, -1.0], 0.1), [0.2, 0, 0, -0.9])
    assert np.sign(0.0) == 0
    says("md_ex_l1_penalty", "W = [[0.5, -2, 0]] and lam = 0.01 it is 0.025")


@pytest.fixture(scope="module")
def penalised():
    from nnlib.widgets.sparsity import LAMBDAS, train_penalised

    return LAMBDAS, *train_penalised(LAMBDAS)


def test_sparsity_widget_numbers(penalised):
    """64 -> 10 softmax regression (640 weights) on 500 digits; no exact zero under L2 or the L1 subgradient;
    over half of the 640 exactly 0 at lambda = 0.1 under soft-thresholding."""
    from nnlib.widgets.sparsity import ROWS

    says("md_sparsity_widget", "one 64 → 10 layer, 640 weights", "learns 500 of the bundled digits",
         "over half of the 640 at \\lambda = 0.1")
    lams, W, _ = penalised
    assert ROWS == 500 and W["L2"].shape[1:] == (64, 10) and 64 * 10 == 640
    i = lams.index(0.1)
    assert np.sum(W["L1, soft-threshold"][i] == 0) > 640 / 2
    assert np.sum(W["L2"] == 0) == 0 and np.sum(W["L1, subgradient"] == 0) == 0


# ---------------------------------------------------------------- 5. weight decay

def test_weight_decay_and_adamw():
    """SGD(weight_decay = 2 lam) on W is the L2 step; Adam + decay 0.1 from (1, 1), g = (0, 1), eta 0.1 gives
    (0.9, 0.9); AdamW (0.99, 0.89): a decay of 1 %."""
    says("md_weight_decay", "the two agree when wd = 2 * lam", "From p = (1, 1) with gradient g = (0, 1), \\eta = "
         "0.1 and decay 0.1, the first step of Adam with the decay folded into the gradient gives (0.9, 0.9)",
         "AdamW gives (0.99, 0.89): each weight loses its decay of 1 %", "W - lr * (dW + 2 * lam * W)",
         "chapter 5")
    rng = np.random.default_rng(0)
    W, dW = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    by_class = W.copy()
    SGD(lr=0.1, weight_decay=2 * 0.05).step([by_class], [dW])
    np.testing.assert_allclose(by_class, W - 0.1 * (dW + 2 * 0.05 * W), rtol=1e-14)
    p, g, zeros = np.array([1.0, 1.0]), np.array([0.0, 1.0]), np.zeros(2)
    np.testing.assert_allclose(adam_step(p, g, zeros, zeros, 1, lr=0.1, weight_decay=0.1)[0], [0.9, 0.9], rtol=1e-6)
    np.testing.assert_allclose(adamw_step(p, g, zeros, zeros, 1, lr=0.1, weight_decay=0.1)[0], [0.99, 0.89],
                               rtol=1e-7)
    assert 0.1 * 0.1 == pytest.approx(0.01)  # lr * decay: 1 %


# ---------------------------------------------------------------- 6. dropout

def test_dropout_worked_example():
    """h = (1, 2, 3, 4), mask (1, 0, 1, 1), p_drop = 0.25: (1.333, 0, 4, 5.333), identity at test; classic with keep
    0.75: (1, 0, 3, 4) and (0.75, 1.5, 2.25, 3.0); common rates 0.2 to 0.5; 2^H masks."""
    says("md_dropout", "h = (1, 2, 3, 4), the mask (1, 0, 1, 1) and p_drop = 0.25",
         "h \\cdot \\text{mask} / 0.75 = (1.333, 0, 4, 5.333) in training and (1, 2, 3, 4) at test time",
         "Classic dropout with keep probability 0.75 gives (1, 0, 3, 4) in training and 0.75\\,h = (0.75, 1.5, "
         "2.25, 3.0) at test time", "values of 0.2 to 0.5 are common", "has 2^H masks", "divided by 1 - p")
    h, mask = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, 1.0, 1.0])
    for value, text in zip(h * mask / 0.75, ("1.333", "0", "4", "5.333")):
        shown(value, text)
    np.testing.assert_array_equal(h * mask, [1, 0, 3, 4])
    np.testing.assert_allclose(0.75 * h, [0.75, 1.5, 2.25, 3.0])
    Y, cache = dropout_forward(h, 0.25, 0, training=False)
    np.testing.assert_array_equal(Y, h)
    assert cache["mask"] is None
    # both conventions: the expected training value equals the test-time value
    assert 0.75 * (h / 0.75) == pytest.approx(h) and np.allclose(0.75 * h, 0.75 * h)


def test_dropout_expectation_demo():
    """10000 draws of h with p_drop = 0.25 (the notebook's seed 0): the mean is close to h, about a quarter dropped."""
    says("md_expectation", "applied 10000 times to h = (1, 2, 3, 4) with p_drop = 0.25",
         "about a quarter of the units were dropped")
    Y, cache = dropout_forward(np.tile([1.0, 2.0, 3.0, 4.0], (10000, 1)), 0.25, np.random.default_rng(0), True)
    np.testing.assert_allclose(Y.mean(axis=0), [1, 2, 3, 4], rtol=0.02)
    assert abs(np.mean(cache["mask"] == 0) - 0.25) < 0.01


def test_dropout_written_answer():
    """The notes' p = 0.8 (keep) is p_drop = 0.2; classic gives 0.8 h in training and at test time."""
    says("md_written_intro_dropout", "with p = 0.8", "multiplies the layer's outputs by 0.8 at test time")
    says("translate_dropout", "p_drop = 1 - 0.8 = 0.2", "its expected value is 0.8\\,h",
         "a kept unit is divided by 1 - p_drop = 0.8", "0.8 \\cdot h / 0.8 = h", "1 point for p_drop = 0.2")
    assert 1 - 0.8 == pytest.approx(0.2)


# ---------------------------------------------------------------- 7. early stopping

def test_early_stopping_worked_example():
    """Patience 2: best 3, stop 5; patience 3: best 6, stop 9; patience 3, min_delta 0.01: best 3, stop 6."""
    says("md_early_stopping", "(0.90, 0.70, 0.60, 0.58, 0.585, 0.59, 0.575, 0.60, 0.62, 0.65)",
         "Patience 2: epoch 3 (0.58) is the best; epochs 4 and 5 do not improve, so training stops at epoch 5 and "
         "restores epoch 3", "Patience 3: epoch 6 (0.575) is a new best before the patience runs out; epochs 7, 8 "
         "and 9 do not improve: stop at 9, restore 6", "Patience 3 and min_delta = 0.01: 0.575 is not 0.01 below "
         "0.58, so epoch 3 stays the best and training stops at epoch 6", "counted from 0")
    assert early_stopping(VAL_LOSSES, 2) == (3, 5)
    assert early_stopping(VAL_LOSSES, 3) == (6, 9)
    assert early_stopping(VAL_LOSSES, 3, 0.01) == (3, 6)
    assert VAL_LOSSES[3] == 0.58 and VAL_LOSSES[6] == 0.575 and not 0.575 < 0.58 - 0.01
    says("md_ex_early_stopping", "min_delta=0.0", "epochs counted from 0")


def test_stopping_widget_numbers():
    """The moons again, mini-batches of 8, one epoch per frame: patience 0 stops at once; 2 and 5 stop on a bump
    before the bottom (epoch 31), 10 after it; min_delta 0.01 with patience 10 moves the best epoch to 17."""
    from nnlib.widgets.stopping import BATCH, MAX_EPOCHS, N_TRAIN, EarlyStoppingExplorer

    says("md_stopping_widget", "on the 40 moons, now with mini-batches of 8", "With patience 0 training stops at the "
         "first wobble", "at 2 and 5 it still stops on a small bump of the curve; at 10 the stop comes after the true "
         "bottom (epoch 31) and restores it", "raise min_delta to 0.01", "the best epoch moves back to 17",
         "The first 60 epochs are trained already")
    assert "early_stopping_explorer(early_stopping=early_stopping, epochs=60)" in SOURCES["widget_stopping"]
    assert (N_TRAIN, BATCH) == (40, 8)
    w = EarlyStoppingExplorer(epochs=MAX_EPOCHS)
    val = w.run.val_losses
    bottom = int(np.argmin(val))
    assert bottom == 31
    assert early_stopping(val, 0)[1] < 10
    for patience in (2, 5):
        best, stop = early_stopping(val, patience)
        assert stop < bottom and best < bottom
    assert early_stopping(val, 10) == (31, 41)
    assert early_stopping(val, 10, 0.01)[0] == 17


# ---------------------------------------------------------------- 9. the experiment

@pytest.fixture(scope="module")
def experiment():
    """The notebook's experiment, run by its own code cell (so the table is the one students see)."""
    namespace = {"np": np}
    exec(SOURCES["demo_experiment"].split("settings = {")[0], namespace)  # noqa: S102  the notebook's own code
    return namespace["experiment"]


@pytest.fixture(scope="module")
def table(experiment):
    return {"none": experiment(), "l2": experiment(l2=0.003), "dropout": experiment(p_drop=0.3),
            "early": experiment(patience=10), "all": experiment(l2=0.003, p_drop=0.3, patience=10),
            "full": experiment(rows=1200, epochs=30)}


def test_experiment_setup():
    """1200 training rows and 597 validation rows; 120 kept; 64-64-10, Adam 0.003, batches of 32, 100 epochs; 30 epochs
    on 1200 rows make about as many updates as 300 on 120."""
    says("md_experiment", "the first 1200 rows", "the other 597", "120 rows", "64-64-10 ReLU network with Adam "
         "(learning rate 0.003, batches of 32) for 100 epochs", "\\lambda = 0.003", "dropout 0.3",
         "patience 10", "(30 epochs, as many updates as about 300 epochs on 120 rows)", "2\\lambda W",
         "a tenth of the training set")
    X, _ = load_digits()
    assert len(X) - 1200 == 597 and 1200 // 10 == 120
    full, small = math.ceil(1200 / 32) * 30, math.ceil(120 / 32) * 300
    assert abs(full - small) / small < 0.1
    code = SOURCES["demo_experiment"]
    for fragment in ("Dense(64, 64", "Dense(64, 10", "Adam(lr=0.003)", "batch_size=32", "epochs=100",
                     '"l2": 0.003', '"p_drop": 0.3', '"patience": 10', '"rows": 1200, "epochs": 30'):
        assert fragment in code, fragment


def test_experiment_written_answer(table):
    """The numbers of the solution's answer, recomputed by the notebook's own experiment function."""
    says("read_the_experiment", "100 % of its training rows right, yet at most 78.6 %",
         "Without regularization the validation accuracy is 73.7 % and the validation loss 1.082",
         "78.6 % and a validation loss of 0.666", "(74.9 %, loss 1.031)", "stopped after 55 epochs instead of 100",
         "(73.5 %, loss 1.067)", "its best epoch was 44", "(76.7 %, loss 0.789, 55 epochs)",
         "gives 92.0 % and a validation loss of 0.367", "validation near 74-79 %", "(55 of 100 epochs)",
         "comparison with 1200 rows", "\\lambda = 0.003", "Dropout 0.3", "with 120 rows")
    expected = {"none": (100, "73.7", "1.082"), "l2": (100, "78.6", "0.666"), "dropout": (100, "74.9", "1.031"),
                "early": (55, "73.5", "1.067"), "all": (55, "76.7", "0.789"), "full": (30, "92.0", "0.367")}
    for key, (epochs, acc, loss) in expected.items():
        got_epochs, train_acc, val_acc, val_loss = table[key]
        assert got_epochs == epochs, key
        shown(100 * val_acc, acc)
        shown(val_loss, loss)
        assert train_acc == 1.0, key
    small = [table[k][2] for k in ("none", "l2", "dropout", "early", "all")]
    assert max(small) == table["l2"][2] and 0.735 <= min(small) and max(small) <= 0.79  # "near 74-79 %"


def test_early_stopping_in_the_experiment_restored_epoch_44():
    """The unregularized run's best validation epoch is 44, where early stopping (patience 10) stops 10 later."""
    X_all, y_all = load_digits()
    X_train, mean, std = standardize(X_all[:1200])
    X_val, _, _ = standardize(X_all[1200:], mean, std)
    model = Sequential([Dense(64, 64, rng=0), Activation("relu"), Dense(64, 10, rng=2)])
    es = EarlyStopping(10)
    history = fit(model, "softmax_cross_entropy", WeightPenalty(Adam(lr=0.003)), X_train[:120], y_all[:120],
                  epochs=100, batch_size=32, validation=(X_val, y_all[1200:]), callbacks=[es], rng=3, progress=False)
    assert es.best_epoch == 44 and len(history.loss) == 55
    shown(float(softmax_cross_entropy(model.forward(X_val, training=False), y_all[1200:])), "1.067")


# ---------------------------------------------------------------- inventory

INVENTORY = {
    "0": "sign(0), zero weight, epochs from 0, soft-threshold zeros (l2, l1, early stopping tests)",
    "0.0": "min_delta default (early stopping exercise)", "0.002": "soft-threshold input (l1 test)",
    "0.003": "lambda of the experiment (experiment tests)", "0.01": "lambda, min_delta, gradient (many tests)",
    "0.010": "stepped zero weight (l2, l1 tests)", "0.02": "train loss bound (overfitting widget test)",
    "0.025": "L1 penalty (l1 test)", "0.04": "L2 gradient (l2 test)", "0.0425": "L2 penalty (l2 test)",
    "0.05": "soft-threshold input (l1 test)", "0.1": "eta, gradient, t, lambda, decay, gap (many tests)",
    "0.2": "soft-threshold output, p_drop = 0.2, common rates (l1, dropout tests)",
    "0.25": "0.5^2, p_drop (l2, dropout tests)", "0.3": "noise, dropout rate, soft input (widget, experiment tests)",
    "0.367": "1200-row val loss (experiment answer)", "0.45": "early val loss bound (overfitting widget test)",
    "0.489": "stepped weight (l2, l1 tests)", "0.5": "w, boundary, common rate (l2, widget, dropout tests)",
    "0.575": "val loss (early stopping test)", "0.58": "val loss (early stopping test)",
    "0.585": "val loss (early stopping test)", "0.59": "val loss (early stopping test)",
    "0.60": "val loss (early stopping test)", "0.62": "val loss (early stopping test)",
    "0.65": "val loss (early stopping test)", "0.666": "L2 val loss (experiment answer)",
    "0.70": "val loss (early stopping test)", "0.75": "1 - p_drop, keep probability (dropout test)",
    "0.789": "all-three val loss (experiment answer)", "0.8": "val loss bound, keep probability (widget, written)",
    "0.89": "AdamW (weight decay test)", "0.9": "Adam + L2, soft output (weight decay, l1 tests)",
    "0.90": "val loss (early stopping test)", "0.99": "AdamW (weight decay test)", "0.998": "decay factor (l2 test)",
    "1": "chapter numbers, mask, p, points, 1 - ..., 1 % (many tests)", "1.0": "soft-threshold input (l1 test)",
    "1.031": "dropout val loss (experiment answer)", "1.067": "early-stopping val loss (experiment answer)",
    "1.082": "unregularized val loss (experiment answer)", "1.333": "inverted dropout (dropout test)",
    "1.5": "classic test value (dropout test)", "2": "chapters, 2 lambda, 2^H, exercise numbers, 2-64-64-2 (many)",
    "2.006": "L2 step (l2 test)", "2.009": "L1 step (l1 test)", "2.25": "classic test value (dropout test)",
    "3": "h, exercises, sections, epoch 3, patience 3 (dropout, early stopping tests)",
    "3.0": "classic test value (dropout test)", "4": "h, width 4, exercises, 0.25 + 4 (widget, dropout, l2 tests)",
    "5": "chapter 5, epoch 5, exercise 5 (weight decay, early stopping tests)",
    "5.333": "inverted dropout (dropout test)", "6": "epoch 6, exercise/section 6 (early stopping test)",
    "7": "chapter 7, epoch 7, exercise 7", "8": "epoch 8, batches of 8, exercise/section 8 (stopping tests)",
    "9": "epoch 9, exercise/section 9 (early stopping, experiment tests)",
    "10": "patience 10, 64 -> 10, 10000 (experiment, sparsity tests)", "17": "best epoch with min_delta 0.01 (stopping widget test)", "30": "epochs of the 1200-row run", "60": "epochs trained before the stopping widget is shown",
    "31": "bottom of the widget's validation curve (stopping widget test)",
    "32": "batches of 32 (experiment setup)", "40": "training moons (widget tests)",
    "44": "best epoch of the unregularized run (early stopping in the experiment)",
    "55": "epochs with early stopping (experiment answer)", "64": "64-64-2, 64 -> 10, 64-64-10 (widget, experiment)",
    "73.5": "early-stopping val accuracy", "73.7": "unregularized val accuracy", "74": "74-79 % (rubric)",
    "74.9": "dropout val accuracy", "76.7": "all-three val accuracy", "78.6": "L2 val accuracy",
    "79": "74-79 % (rubric)", "92.0": "1200-row val accuracy", "100": "epochs, 100 % (experiment tests)",
    "120": "a tenth of 1200 (experiment tests)", "300": "epochs on 120 rows (experiment setup)",
    "400": "validation moons (widget test)", "500": "digits of the sparsity widget", "597": "validation digits",
    "640": "weights of softmax regression (sparsity test)", "1200": "steps, training rows (widget, experiment)",
    "10000": "dropout draws (expectation test)",
}


def test_is_every_number_in_the_prose_accounted_for():
    """Does the markdown contain exactly the numerals of the inventory above?"""
    assert unaccounted(NB, INVENTORY) == ""
