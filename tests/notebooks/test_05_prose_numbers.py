"""Every number stated in the prose of chapter 05 is recomputed here.

The prose lives in ``solutions/05_optimizers/05_optimizers.ipynb``.  Each test
quotes the sentence or table row it checks (so editing the prose without the
test fails) and recomputes the numbers with nnlib.  The last test keeps an
inventory of the numerals in the markdown: a new number in the prose fails it
until someone adds a check for it.
"""
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nnlib.data import load_digits, logic_gate, standardize
from nnlib.init import he_normal
from nnlib.losses import binary_cross_entropy, binary_cross_entropy_grad, softmax_cross_entropy
from nnlib.losses import softmax_cross_entropy_with_grad
from nnlib.mlp import mlp_backward, mlp_forward
from nnlib.optimizers import SGD, Adadelta, AdaGrad, Adam, AdamW, RMSprop
from nnlib.regularization import clip_by_norm
from nnlib.schedules import cosine, exponential, linear_warmup, step_decay
from nnlib.training import minibatches, train_loop
from nnlib.update_rules import (Updater, adagrad_step, adam_step, adamw_step, ewma, momentum_step, rmsprop_step,
                                sgd_step)
from prose_support import unaccounted

NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "05_optimizers" / "05_optimizers.ipynb"
NB = nbformat.read(NOTEBOOK, as_version=4)
SOURCES = {cell.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: cell.source
           for cell in NB.cells if "grade_id" in cell.metadata.get("nbgrader", {})}


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


def descent(lr, steps, w0=1.0, grad=lambda w: 2 * w):
    w, path = np.array([w0]), []
    for _ in range(steps):
        w = sgd_step(w, grad(w), lr)
        path.append(float(w[0]))
    return path


# ---------------------------------------------------------------- 1. the learning rate

def test_learning_rate_table_on_w_squared():
    """eta = 0.1, 0.5, 0.9, 1.0, 1.1 on w^2 from 1: factors 0.8, 0, -0.8, -1, -1.2 and the listed iterates?"""
    says("md_descent", "| 0.1 | 0.8 | 0.8, 0.64, 0.512, 0.4096, 0.3277 | converges, slowly |",
         "| 0.5 | 0 | 0, 0, 0, ... | the minimum in one step |",
         "| 0.9 | -0.8 | -0.8, 0.64, -0.512, ... | oscillates, but converges |",
         "| 1.0 | -1 | -1, 1, -1, ... | bounces forever |",
         "| 1.1 | -1.2 | -1.2, 1.44, -1.728, 2.07, -2.49 | diverges |",
         "converges exactly when 0 < \\eta < 1; above 0.5", "above 1 it overshoots", "for w^2, L = 2",
         "converges when \\eta < 2/L, and without oscillating when \\eta \\le 1/L", "from w_0 = 1")
    for lr, texts in ((0.1, ["0.8", "0.64", "0.512", "0.4096", "0.3277"]), (0.9, ["-0.8", "0.64", "-0.512"]),
                      (1.1, ["-1.2", "1.44", "-1.728", "2.07", "-2.49"]), (1.0, ["-1", "1", "-1"]),
                      (0.5, ["0", "0", "0"])):
        for value, text in zip(descent(lr, len(texts)), texts):
            shown(value, text)
        assert 1 - 2 * lr == pytest.approx({0.1: 0.8, 0.5: 0.0, 0.9: -0.8, 1.0: -1.0, 1.1: -1.2}[lr])


@pytest.mark.parametrize("lr, converges", [(0.99, True), (1.0, False), (1.01, False), (0.5, True), (0.51, True)])
def test_w_squared_converges_exactly_below_one(lr, converges):
    assert (abs(descent(lr, 200)[-1]) < 0.5) == converges


def test_curvature_rule_holds_for_four_w_squared():
    """On 4w^2 (L = 8): monotone below 1/L = 0.125, oscillating below 2/L = 0.25, diverging above?"""
    says("md_lr_widget", "Switch to 4w^2 (L = 8): the same regimes now sit below 1/L = 0.125, between 0.125 and "
                         "2/L = 0.25, and above 0.25",
         "find the four regimes of the table: \\eta = 0.1, 0.5, 0.9, 1.1",
         "at \\eta = 0.9 the first step from w_0 = 1.5 already diverges")
    grad = lambda w: 8 * w  # noqa: E731
    assert all(v > 0 for v in descent(0.1, 20, grad=grad)) and abs(descent(0.1, 20, grad=grad)[-1]) < 1e-6
    path = descent(0.2, 40, grad=grad)
    assert path[0] < 0 < path[1] and abs(path[-1]) < 1e-6
    assert abs(descent(0.3, 20, grad=grad)[-1]) > 100
    quartic = descent(0.9, 1, w0=1.5, grad=lambda w: w**3)
    assert abs(quartic[0]) > 1.5  # the first step from 1.5 moves away
    assert abs(descent(0.9, 50, w0=0.5, grad=lambda w: w**3)[-1]) < 0.5  # near 0 it does not diverge


def test_written_answer_on_five_w_squared():
    """f = 5w^2: L = 10, factors 0.5, -0.5, -1.5 for eta = 0.05, 0.15, 0.25; thresholds 0.1 and 0.2?"""
    says("md_written_intro_lr", "f(w) = 5w^2 from w_0 = 1. For \\eta = 0.05, 0.15 and 0.25")
    says("predict_lr", "f'(w) = 10w, so the curvature is L = 10", "\\eta < 2/L = 0.2", "\\eta > 1/L = 0.1",
         "\\eta = 0.05: factor 0.5", "\\eta = 0.15: factor -0.5", "\\eta = 0.25: factor -1.5")
    grad = lambda w: 10 * w  # noqa: E731
    for lr, factor in ((0.05, 0.5), (0.15, -0.5), (0.25, -1.5)):
        assert descent(lr, 1, grad=grad)[0] == pytest.approx(factor)


# ---------------------------------------------------------------- 2. batches

def test_batch_counts():
    """800 rows in 150s: 6 batches, five of 150 and one of 50; 1000 in 100s: 10; 4 rows x 5 epochs: 5 and 20?"""
    says("md_batches", "800 rows in batches of 150 makes \\lceil 800/150 \\rceil = 6 updates per epoch, five of "
                       "150 rows and one of 50, not the 3 the notes give; 1000 rows in batches of 100 make 10",
         "With 4 rows and 5 epochs, full batch makes 5 updates and batch size 1 makes 20",
         "with B from 16 to a few hundred")
    rng = np.random.default_rng(0)
    assert [len(b) for b in minibatches(800, 150, rng)] == [150] * 5 + [50]
    assert len(minibatches(1000, 100, rng)) == 10
    assert sum(len(minibatches(4, 4, rng)) for _ in range(5)) == 5
    assert sum(len(minibatches(4, 1, rng)) for _ in range(5)) == 20
    says("md_ex_minibatches", "For n = 10, batch_size = 4 you get batches of 4, 4 and 2 rows")
    assert [len(b) for b in minibatches(10, 4, rng)] == [4, 4, 2]


def test_batch_noise_widget_numbers():
    """The widget: 64-32-10, 600 digits, eta 0.05; 600, 19 and 1 updates per epoch; batch 1 gets furthest?"""
    from nnlib.widgets.batches import BatchNoise, ROWS

    says("md_batch_widget", "64-32-10 network", "the first 600 of the bundled handwritten digits with SGD at "
                            "\\eta = 0.05", "batch 1 makes 600 updates, batch 32 makes \\lceil 600/32 \\rceil = 19 "
                                            "and the full batch 1")
    w = BatchNoise()
    assert w.lr == 0.05 and ROWS == 600 and w.runs["batch 32"].model[0].params["W"].shape == (64, 32)
    w.controls["epochs"].value = 1.0
    assert [run.updates for run in w.runs.values()] == [600, 19, 1]
    losses = [run.losses[-1] for run in w.runs.values()]
    assert losses[0] < losses[1] < losses[2]  # per epoch: batch 1 furthest
    assert np.std(np.diff(w.runs["batch 1 (SGD)"].batch_losses)) > np.std(np.diff(w.runs["batch 32"].batch_losses))


# ---------------------------------------------------------------- 3. plateaus and saddles

def test_chapter_3_plateau_numbers():
    """XOR seed 0 (2-4-1 tanh/sigmoid, BCE, eta = 1): loss 0.3487 after 1000 epochs, falling towards ln 2 / 2?"""
    says("md_landscape", "after 1000 epochs its loss was 0.3487", "towards \\ln 2 / 2 \\approx 0.34657",
         "f(x, y) = x^2/2 + y^4/4 - y^2/2", "a factor of 1 + \\eta per step near y = 0")
    X, t = logic_gate("xor")
    T = t.reshape(-1, 1)
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(2, 4)), np.zeros(4), rng.normal(size=(4, 1)), np.zeros(1)]
    acts = ["tanh", "sigmoid"]
    for _ in range(1001):
        pairs = [(params[0], params[1]), (params[2], params[3])]
        A, caches = mlp_forward(X, pairs, acts)
        loss = binary_cross_entropy(A, T)
        grads = mlp_backward(binary_cross_entropy_grad(A, T), caches, pairs, acts)
        params = [p - 1.0 * g for p, g in zip(params, [g for pair in grads for g in pair])]
    shown(loss, "0.3487")
    shown(math.log(2) / 2, "0.34657")
    from nnlib.widgets.race import SURFACES

    saddle = SURFACES["saddle"]
    y = 1e-3
    assert saddle.grad(0.0, y)[1] == pytest.approx(-y, rel=1e-5)  # near y = 0: y <- y + eta y


# ---------------------------------------------------------------- 4. ewma

def test_ewma_numbers():
    says("md_ewma", "roughly the last 1/(1 - \\beta) values (10 for \\beta = 0.9, 50 for \\beta = 0.98)",
         "the raw average is 0.1, 0.19, 0.271, 0.3439, 0.40951, ..., while \\hat v_t = 1",
         "On the series (10, 12, 14, 13, 15) the raw average is 1.0, 2.1, 3.29, 4.261, 5.3349",
         "the corrected one 10.0, 11.05, 12.14, 12.39, 13.03", "add up to 1 - \\beta^t")
    assert 1 / (1 - 0.9) == pytest.approx(10) and 1 / (1 - 0.98) == pytest.approx(50)
    for value, text in zip(ewma(np.ones(5), 0.9, bias_correction=False), ["0.1", "0.19", "0.271", "0.3439", "0.40951"]):
        shown(value, text)
    np.testing.assert_allclose(ewma(np.ones(5), 0.9), 1.0)
    series = np.array([10.0, 12.0, 14.0, 13.0, 15.0])
    for value, text in zip(ewma(series, 0.9, bias_correction=False), ["1.0", "2.1", "3.29", "4.261", "5.3349"]):
        shown(value, text)
    for value, text in zip(ewma(series, 0.9), ["10.0", "11.05", "12.14", "12.39", "13.03"]):
        shown(value, text)
    weights = 0.1 * 0.9 ** np.arange(7)
    assert weights.sum() == pytest.approx(1 - 0.9**7)


def test_ewma_widget_numbers():
    """A hundred values around 10; at beta = 0.9 the raw average reaches about two thirds after 10 values."""
    from nnlib.widgets.averages import noisy_series

    says("md_ewma_widget", "A hundred noisy values around a level of 10", "at 0.9 the raw average needs about 10 "
                           "values to reach two thirds of the level; at 0.98 it lags far behind")
    x = noisy_series()
    assert len(x) == 100 and abs(x[:10].mean() - 10) < 1.5
    assert 1 - 0.9**10 == pytest.approx(2 / 3, abs=0.02)
    raw, corrected = ewma(x, 0.98, bias_correction=False), ewma(x, 0.98)
    assert raw[9] < 0.25 * x[:10].mean() and corrected[0] == pytest.approx(x[0])


# ---------------------------------------------------------------- 5. momentum

def test_momentum_numbers():
    says("md_momentum", "10 times for \\mu = 0.9", "the first steps are 0.8, 0.46, 0.062, -0.309, -0.580, -0.709",
         "plain SGD goes 0.8, 0.64, 0.512, 0.41, 0.33, 0.26", "its steps are 1 - \\mu times PyTorch's")
    w, buf, path = np.array([1.0]), None, []
    for _ in range(6):
        w, buf = momentum_step(w, 2 * w, buf, lr=0.1, momentum=0.9)
        path.append(float(w[0]))
    for value, text in zip(path, ["0.8", "0.46", "0.062", "-0.309", "-0.580", "-0.709"]):
        shown(value, text)
    for value, text in zip(descent(0.1, 6), ["0.8", "0.64", "0.512", "0.41", "0.33", "0.26"]):
        shown(value, text)
    buf = None
    for _ in range(300):  # a constant gradient: b -> g / (1 - mu)
        _, buf = momentum_step(np.zeros(1), np.ones(1), buf, lr=0.1, momentum=0.9)
    assert buf[0] == pytest.approx(10.0)
    says("md_ex_momentum_step", "From p = [1, 2] with g = [0.5, -1], lr = 0.1, momentum = 0.9 and no buffer you get "
                                "new_p = [0.95, 2.1] and new_buf = [0.5, -1]")
    p, b = momentum_step(np.array([1.0, 2.0]), np.array([0.5, -1.0]), None, 0.1, 0.9)
    np.testing.assert_allclose(p, [0.95, 2.1])
    np.testing.assert_allclose(b, [0.5, -1.0])


# ---------------------------------------------------------------- 6. adaptive

def test_adagrad_and_rmsprop_numbers():
    says("md_adaptive", "with \\eta = 0.1 the steps are 0.1, 0.0707, ... and 0.01 at step 100",
         "PyTorch's default is \\alpha = 0.99", "= 10\\,\\eta for \\alpha = 0.99", "a learning rate, 1 by default")
    p, s, steps = np.zeros(1), np.zeros(1), []
    for _ in range(100):
        new_p, s = adagrad_step(p, np.array([0.7]), s, lr=0.1, eps=0.0)
        steps.append(float(p[0] - new_p[0]))
        p = new_p
    shown(steps[0], "0.1")
    shown(steps[1], "0.0707")
    shown(steps[99], "0.01")
    assert RMSprop().alpha == 0.99 and Adadelta().lr == 1.0
    new_p, _ = rmsprop_step(np.zeros(1), np.array([3.0]), np.zeros(1), lr=0.01, eps=0.0)
    assert -new_p[0] == pytest.approx(10 * 0.01)
    says("md_ex_rmsprop_step", "From v = 0 with g = [2], lr = 0.01 the new v is 0.04 and the step is 0.01 \\cdot 2 / "
                               "0.2 = 0.1")
    new_p, v = rmsprop_step(np.zeros(1), np.array([2.0]), np.zeros(1), lr=0.01)
    assert v[0] == pytest.approx(0.04) and -new_p[0] == pytest.approx(0.1, rel=1e-6)


def test_adam_numbers():
    says("md_adam", "\\eta = 0.001, \\beta_1 = 0.9, \\beta_2 = 0.999, \\epsilon = 10^{-8}",
         "With g = (0.1, -2) and \\eta = 0.01 both weights move by 0.01",
         "\\eta \\cdot 0.1 / \\sqrt{0.001} \\approx 3.16 times larger, about 0.0316")
    adam = Adam()
    assert (adam.lr, adam.betas, adam.eps) == (0.001, (0.9, 0.999), 1e-8)
    g = np.array([0.1, -2.0])
    new_p, _, _ = adam_step(np.zeros(2), g, np.zeros(2), np.zeros(2), 1, lr=0.01)
    np.testing.assert_allclose(new_p, [-0.01, 0.01], rtol=1e-6)
    shown(0.1 / math.sqrt(0.001), "3.16")
    shown(0.01 * 0.1 / math.sqrt(0.001), "0.0316")


def test_adamw_numbers():
    says("md_adamw", "The first step from \\theta = (1, 1) with g = (0, 1), \\eta = 0.1, \\lambda = 0.1: Adam + L2 "
                     "sees the gradients (0.1, 1.1), normalises both to a step of 0.1 and gives (0.9, 0.9); AdamW "
                     "shrinks both weights to 0.99 and steps only the second, giving (0.99, 0.89)")
    zeros = np.zeros(2)
    l2, _, _ = adam_step(np.ones(2), np.array([0.0, 1.0]), zeros, zeros, 1, lr=0.1, weight_decay=0.1)
    decoupled, _, _ = adamw_step(np.ones(2), np.array([0.0, 1.0]), zeros, zeros, 1, lr=0.1, weight_decay=0.1)
    np.testing.assert_allclose(l2, [0.9, 0.9], rtol=1e-7)
    np.testing.assert_allclose(decoupled, [0.99, 0.89], rtol=1e-7)
    np.testing.assert_allclose(np.array([0.0, 1.0]) + 0.1 * np.ones(2), [0.1, 1.1])


def test_race_numbers():
    """The race's surfaces, starting learning rates and the behaviours the prose promises."""
    from nnlib.widgets.race import SURFACES, race_paths

    says("md_race", "f = 0.1x^2 + 8y^2, at its starting learning rate 0.079", "the curvatures are 0.2 along the "
         "valley and 16 across it", "1 - 16\\eta \\approx -0.27", "1 - 0.2\\eta \\approx 0.984",
         "Raise the learning rate to 0.1: Nesterov now diverges, plain momentum does not",
         "starting 0.001 off the ridge at \\eta = 0.1: SGD's y grows by 1.1 per step and needs 67 steps to get past "
         "y = 0.5; Adam, whose steps do not shrink with the gradient, needs 6, RMSprop 1",
         "at \\eta = 0.01: momentum and Nesterov reach the minimum, Adam's steps of about 0.01 cover too little "
         "ground in 200 steps", "At \\eta = 0.1 Adam gets there and SGD, momentum and Nesterov diverge within 4 steps")
    ravine, saddle, rosenbrock = SURFACES["ravine"], SURFACES["saddle"], SURFACES["rosenbrock"]
    shown(ravine.lr, "0.079")
    np.testing.assert_allclose(np.diag([ravine.grad(1.0, 0.0)[0], ravine.grad(0.0, 1.0)[1]]), np.diag([0.2, 16]))
    shown(1 - 16 * ravine.lr, "-0.27")
    shown(1 - 0.2 * ravine.lr, "0.984")
    fast = race_paths(ravine, 0.1, 0.9, 200)
    assert fast["Nesterov"][2] is not None and fast["momentum"][2] is None
    assert saddle.start == (-2.5, 1e-3) and saddle.lr == 0.1
    race = race_paths(saddle, 0.1, 0.9, 200)
    first = {name: int(np.argmax(np.abs(path[:, 1]) > 0.5)) for name, (path, _, _) in race.items()}
    assert (first["SGD"], first["Adam"], first["RMSprop"]) == (67, 6, 1)
    race = race_paths(rosenbrock, 0.01, 0.9, 200)
    assert race["momentum"][1][-1] < 1e-6 and race["Nesterov"][1][-1] < 1e-6 and race["Adam"][1][-1] > 1
    race = race_paths(rosenbrock, 0.1, 0.9, 200)
    assert race["Adam"][1][-1] < 1e-4
    assert all(race[name][2] is not None and race[name][2] <= 4 for name in ("SGD", "momentum", "Nesterov"))


def test_optimizer_table_memory():
    """One extra value per parameter for momentum, AdaGrad, RMSprop; two for Adadelta, Adam, AdamW; none for SGD."""
    says("md_table", "| SGD | 0 (0 B) |", "| momentum, Nesterov | 1 (4 B) |", "| AdaGrad | 1 (4 B) |",
         "| RMSprop | 1 (4 B) |", "| Adadelta | 2 (8 B) |", "| Adam | 2 (8 B) |", "| AdamW | 2 (8 B) |",
         "| LARS | 1 (4 B) |", "(4 and 8 bytes per parameter in float32)")
    expected = {SGD(0.1): 0, SGD(0.1, momentum=0.9): 1, AdaGrad(): 1, RMSprop(): 1, Adadelta(): 2, Adam(): 2,
                AdamW(): 2}
    for optimizer, count in expected.items():
        optimizer.step([np.ones(3, dtype=np.float32)], [np.ones(3, dtype=np.float32)])
        arrays = [a for a in optimizer.state[0].values() if isinstance(a, np.ndarray)]
        assert len(arrays) == count and sum(a.nbytes for a in arrays) == 4 * 3 * count, optimizer


# ---------------------------------------------------------------- 8. schedules, 9. clipping

def test_schedule_numbers():
    says("md_schedules", "with \\gamma = 0.1 and s = 10 it is 0.1 until t = 9 and 0.01 from t = 10",
         "with T = 50 it is 0.1 at t = 0, 0.0999 at t = 1, 0.05 at t = 25 and 0 at t = 50",
         "\\eta_t = \\eta_0 (t + 1)/5 for 5 epochs gives 0.02, 0.04, 0.06, 0.08, 0.1", "With \\eta_0 = 0.1")
    step = step_decay(0.1, 10, 0.1)
    assert step(9) == 0.1 and step(10) == pytest.approx(0.01)
    cos = cosine(0.1, 50)
    shown(cos(0), "0.1")
    shown(cos(1), "0.0999")
    shown(cos(25), "0.05")
    assert cos(50) == pytest.approx(0.0, abs=1e-15)
    warm = linear_warmup(0.1, 5)
    np.testing.assert_allclose([warm(t) for t in range(5)], [0.02, 0.04, 0.06, 0.08, 0.1])
    assert exponential(0.1, 0.9)(1) < 0.1


def test_clipping_numbers():
    says("md_clipping", "Gradients (3, 4) and (12) have the global norm \\sqrt{9 + 16 + 144} = 13; clipped to c = 5 "
                        "each is multiplied by 5/13, giving (1.154, 1.538) and (4.615)", "adds 10^{-6} to the norm")
    grads = [np.array([3.0, 4.0]), np.array([12.0])]
    assert clip_by_norm(grads, 5.0) == 13.0 and 9 + 16 + 144 == 13**2
    for value, text in zip(np.concatenate(grads), ["1.154", "1.538", "4.615"]):
        shown(value, text)


# ---------------------------------------------------------------- 10. the loop and the experiment

ACTS = ["relu", "identity"]


def _experiment():
    """The notebook's table: 9 runs of 5 epochs, batches of 32, from the same weights and seed."""
    X, y = load_digits()
    X, _, _ = standardize(X)
    rng = np.random.default_rng(0)
    start = [(he_normal(64, 32, rng), np.zeros(32)), (he_normal(32, 10, rng), np.zeros(10))]
    pieces = dict(forward=lambda Xb, p: mlp_forward(Xb, p, ACTS), loss_grad=softmax_cross_entropy_with_grad,
                  backward=lambda d, c, p: mlp_backward(d, c, p, ACTS))
    rows = {}
    for name, rule, extra in (("SGD", sgd_step, {}), ("momentum", momentum_step, {"momentum": 0.9}),
                              ("Adam", adam_step, {})):
        for lr in (0.001, 0.01, 0.1):
            params, losses = train_loop(start, X, y, 5, 32, np.random.default_rng(1),
                                        update=Updater(rule, lr=lr, **extra), **pieces)
            A, _ = mlp_forward(X, params, ACTS)
            rows[name, lr] = (np.array(losses).reshape(5, -1).mean(axis=1), np.mean(A.argmax(axis=1) == y))
    A0, _ = mlp_forward(X, start, ACTS)
    return softmax_cross_entropy(A0, y), rows


@pytest.fixture(scope="module")
def experiment():
    return _experiment()


def test_experiment_setup(experiment):
    start_loss, rows = experiment
    says("md_experiment", "64-32-10 ReLU network on all 1797 bundled digits", "batches of 32, so "
         "\\lceil 1797/32 \\rceil = 57 updates per epoch, for 5 epochs", "momentum (\\mu = 0.9)",
         "three learning rates, 0.001, 0.01 and 0.1", "At the start the loss is 2.82 (random weights give about "
         "\\ln 10 \\approx 2.30 or a little more)")
    assert math.ceil(1797 / 32) == 57 and load_digits()[0].shape == (1797, 64)
    shown(start_loss, "2.82")
    shown(math.log(10), "2.30")


def test_written_answer_numbers(experiment):
    _, rows = experiment
    says("read_the_curves", "from 2.75 in the first epoch to 2.31 in the fifth", "at 0.01 it falls steadily but is "
         "still at 0.86", "at 0.1 it reaches 0.11 with about 98 % of the digits right",
         "g/(1 - \\mu) = 10\\,g", "momentum at 0.001 (0.87 in epoch 5) matches SGD at 0.01 (0.86), and momentum at "
         "0.01 (0.12) matches SGD at 0.1 (0.11). At 0.1 momentum is the best of the three rows (0.08)",
         "(0.31 then 0.22 then 0.13)", "best at \\eta = 0.01 (0.024 in epoch 5, nearly every digit right), "
         "already good at 0.001 (0.38)", "1.38 in the first epoch, up again to 1.53 in the third, 0.67 at the end",
         "jumps by about 0.1", "(10^{-3} to 10^{-2})")
    sgd = {lr: rows["SGD", lr] for lr in (0.001, 0.01, 0.1)}
    shown(sgd[0.001][0][0], "2.75")
    shown(sgd[0.001][0][4], "2.31")
    shown(sgd[0.01][0][4], "0.86")
    shown(sgd[0.1][0][4], "0.11")
    assert round(sgd[0.1][1], 2) == 0.98
    mom = {lr: rows["momentum", lr] for lr in (0.001, 0.01, 0.1)}
    shown(mom[0.001][0][4], "0.87")
    shown(mom[0.01][0][4], "0.12")
    shown(mom[0.1][0][4], "0.08")
    for value, text in zip(mom[0.1][0][1:4], ["0.31", "0.22", "0.13"]):
        shown(value, text)
    first_epochs = {key: losses[0] for key, (losses, _) in rows.items()}
    assert min(first_epochs, key=first_epochs.get) == ("momentum", 0.1)  # "its first epoch is the fastest"
    adam = {lr: rows["Adam", lr] for lr in (0.001, 0.01, 0.1)}
    shown(adam[0.01][0][4], "0.024")
    assert adam[0.01][1] > 0.99
    shown(adam[0.001][0][4], "0.38")
    for index, text in ((0, "1.38"), (2, "1.53"), (4, "0.67")):
        shown(adam[0.1][0][index], text)
    assert adam[0.1][0][2] > adam[0.1][0][1]  # "up again"
    best = {name: min((0.001, 0.01, 0.1), key=lambda lr: rows[name, lr][0][4]) for name in ("SGD", "momentum", "Adam")}
    assert best == {"SGD": 0.1, "momentum": 0.1, "Adam": 0.01}


# ---------------------------------------------------------------- the inventory

INVENTORY = {
    "0": "eta, factors, iterates, v_0 = 0, t = 0, g = 0 entries (learning-rate, ewma, adamw, schedule tests)",
    "0.0": "the first value of the listed eta (learning-rate table)",
    "0.001": "Adam's default lr, the saddle's start, learning rates of the experiment (adam, race, experiment tests)",
    "0.01": "lrs, AdaGrad at step 100, step decay, Adam's steps (adaptive, adam, schedule, experiment tests)",
    "0.02": "warm-up (schedule test)", "0.024": "Adam 0.01 epoch 5 (written answer test)",
    "0.0316": "uncorrected first step (adam test)", "0.04": "RMSprop's v, warm-up (rmsprop, schedule tests)",
    "0.05": "momentum example, cosine at 25, widget lr, factors (widget, momentum, schedule, written tests)",
    "0.06": "warm-up (schedule test)", "0.062": "momentum iterate (momentum test)",
    "0.0707": "AdaGrad's second step (adaptive test)", "0.079": "the ravine's starting lr (race test)",
    "0.08": "warm-up, momentum 0.1 epoch 5 (schedule, written answer tests)",
    "0.0999": "cosine at t = 1 (schedule test)",
    "0.1": "learning rates, momentum, weight decay, steps, clip example (many tests)",
    "0.11": "SGD 0.1 epoch 5 (written answer test)", "0.12": "momentum 0.01 epoch 5 (written answer test)",
    "0.125": "1/L on 4w^2 (curvature test)", "0.13": "momentum 0.1 epoch 4 (written answer test)",
    "0.15": "written question and answer (written answer test)", "0.19": "ewma of ones (ewma test)",
    "0.2": "2/L on 5w^2, RMSprop's root, curvature of the ravine (written, rmsprop, race tests)",
    "0.22": "momentum 0.1 epoch 3 (written answer test)",
    "0.25": "2/L on 4w^2, written question (curvature, written answer tests)",
    "0.26": "SGD iterate (momentum test)", "0.27": "ravine factor across (race test)",
    "0.271": "ewma of ones (ewma test)", "0.309": "momentum iterate (momentum test)",
    "0.31": "momentum 0.1 epoch 2 (written answer test)", "0.3277": "SGD iterate (learning-rate table)",
    "0.33": "SGD iterate (momentum test)", "0.3439": "ewma of ones (ewma test)",
    "0.34657": "ln 2 / 2 (plateau test)", "0.3487": "XOR seed-0 loss at epoch 1000 (plateau test)",
    "0.38": "Adam 0.001 epoch 5 (written answer test)", "0.40951": "ewma of ones (ewma test)",
    "0.4096": "SGD iterate (learning-rate table)", "0.41": "SGD iterate (momentum test)",
    "0.46": "momentum iterate (momentum test)",
    "0.5": "thresholds, factors, example g, y = 0.5 (learning-rate, written, momentum, race tests)",
    "0.512": "SGD iterate (learning-rate table, momentum test)", "0.580": "momentum iterate (momentum test)",
    "0.64": "SGD iterate (learning-rate table, momentum test)", "0.67": "Adam 0.1 epoch 5 (written answer test)",
    "0.709": "momentum iterate (momentum test)", "0.8": "factor and iterates (learning-rate table, momentum test)",
    "0.86": "SGD 0.01 epoch 5 (written answer test)", "0.87": "momentum 0.001 epoch 5 (written answer test)",
    "0.89": "AdamW result (adamw test)",
    "0.9": "eta, beta, mu, Adam's beta1, Adam + L2 result (learning-rate, ewma, momentum, adam, adamw tests)",
    "0.95": "momentum example result (momentum test)", "0.98": "ewma beta (ewma tests)",
    "0.984": "ravine factor along (race test)", "0.99": "RMSprop's alpha, AdamW result (adaptive, adamw tests)",
    "0.999": "Adam's beta2 (adam test)",
    "1": "w_0, factors, steps, t = 1, Adadelta's lr, batch size 1, RMSprop's 1 step (many tests)",
    "1.0": "the listed eta; ewma value (learning-rate table, ewma test)", "1.1": "eta, factor, gradient (tables, race)",
    "1.154": "clipped (clipping test)", "1.2": "factor (learning-rate table)", "1.38": "Adam 0.1 epoch 1 (written)",
    "1.44": "iterate (learning-rate table)", "1.5": "factor, quartic start (written, curvature tests)",
    "1.53": "Adam 0.1 epoch 3 (written answer test)", "1.538": "clipped (clipping test)",
    "1.728": "iterate (learning-rate table)",
    "2": "chapter 2, L = 2, 2/L, batch of 2, g = 2, (0.1, -2) (learning-rate, batch, adam, rmsprop tests)",
    "2.07": "iterate (learning-rate table)", "2.1": "ewma value, momentum example (ewma, momentum tests)",
    "2.30": "ln 10 (experiment test)", "2.31": "SGD 0.001 epoch 5 (written answer test)",
    "2.49": "iterate (learning-rate table)", "2.75": "SGD 0.001 epoch 1 (written answer test)",
    "2.82": "loss at the start (experiment test)",
    "3": "chapter 3, 3 batches of the notes, 3w^2, exercise 3 (plateau, batch, curvature tests)",
    "3.16": "uncorrected factor (adam test)", "3.29": "ewma value (ewma test)",
    "4": "chapter 4, 4w^2, 4 rows, 4 bytes, 4 steps, batches of 4, y^4 (curvature, batch, table, race tests)",
    "4.261": "ewma value (ewma test)", "4.615": "clipped (clipping test)",
    "5": "epochs, 5w^2, warm-up, c = 5, exercise/section 5, 5/13 (written, batch, schedule, clipping tests)",
    "5.3349": "ewma value (ewma test)", "6": "800/150 = 6, Adam's 6 steps, sections (batch, race tests)",
    "7": "chapter 7, section/exercise 7",
    "8": "L = 8, 8y^2, 8 bytes, exercise/section 8 (curvature, race, table tests)",
    "9": "t = 9, 9 + 16 + 144, section 9 (schedule, clipping tests)",
    "10": "10 values, L = 10, 10 eta, 10 times, series, s = 10, 10^{-8} (ewma, written, momentum, schedule tests)",
    "10.0": "corrected ewma (ewma test)", "11.05": "corrected ewma (ewma test)",
    "12": "series, (12) gradient (ewma, clipping tests)", "12.14": "corrected ewma (ewma test)",
    "12.39": "corrected ewma (ewma test)", "13": "series, norm 13 (ewma, clipping tests)",
    "13.03": "corrected ewma (ewma test)", "14": "series (ewma test)",
    "15": "series (ewma test)", "16": "curvature across the ravine, B from 16, 9 + 16 (race, batch, clipping)",
    "19": "ceil(600 / 32) (batch widget test)", "20": "batch size 1 x 5 epochs (batch test)",
    "25": "cosine at t = 25 (schedule test)", "32": "batch 32 (batch widget, experiment tests)",
    "50": "batch of 50, beta = 0.98 window, T = 50 (batch, ewma, schedule tests)",
    "57": "ceil(1797 / 32) (experiment test)", "64": "64-32-10 (batch widget, experiment tests)",
    "67": "SGD's steps past y = 0.5 (race test)", "98": "SGD 0.1 accuracy (written answer test)",
    "100": "batches of 100, AdaGrad step 100, a hundred values (batch, adaptive, ewma tests)",
    "144": "9 + 16 + 144 (clipping test)", "150": "batches of 150 (batch test)",
    "200": "steps of the race (race test)", "600": "digits of the widget (batch widget test)",
    "800": "the notes' rows (batch test)", "1000": "rows; XOR epochs (batch, plateau tests)",
    "1797": "the digits (experiment test)",
}


def test_is_every_number_in_the_prose_accounted_for():
    """Does the markdown contain exactly the numerals of the inventory above?"""
    assert unaccounted(NB, INVENTORY) == ""
