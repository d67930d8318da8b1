"""Every number stated in the prose of chapter 08 is recomputed here.

The prose lives in ``solutions/08_tuning/08_tuning.ipynb``.  Each test quotes
the sentences it checks (so editing the prose without the test fails) and
recomputes the numbers with nnlib: the worked examples, what the four
widgets show in their first setting, the random search of section 5 (run by
the notebook's own cell) and the capstone's points.  The last test keeps an
inventory of the numerals in the markdown: a new number in the prose fails
it until someone adds a check for it.
"""
import math
from pathlib import Path

import nbformat
import numpy as np
import pytest
from prose_support import cell_sources, phrase_checker, shown, unaccounted

from autograder.checking import capstone
from nnlib import metrics, tuning
from nnlib.data import load_digits
from nnlib.layers import Activation, Dense
from nnlib.network import Sequential

NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "08_tuning" / "08_tuning.ipynb"
NB = nbformat.read(NOTEBOOK, as_version=4)
SOURCES = cell_sources(NB)
says = phrase_checker(SOURCES)
Y_TRUE = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])  # the chapter's ten samples
Y_PRED = np.array([0, 0, 1, 0, 1, 1, 2, 2, 2, 0])


# ---------------------------------------------------------------- 1. parameters and hyperparameters

def test_parameters_of_the_64_128_10_network():
    """64 * 128 + 128 = 8320 in the first layer, 128 * 10 + 10 = 1290 in the second, 9610 in all."""
    says("md_hyperparameters", "64 \\cdot 128 + 128 = 8320", "128 \\cdot 10 + 10 = 1290", "9610 in all",
         "(32, 64, 128, 256)", "chapters 5 to 7", "chapter 7")
    net = Sequential([Dense(64, 128, rng=0), Activation("relu"), Dense(128, 10, rng=0)])
    assert net.count_parameters() == 9610
    assert [Dense(64, 128, rng=0).params["W"].size + 128, 128 * 10 + 10] == [8320, 1290]
    assert all(math.log2(b).is_integer() for b in (32, 64, 128, 256))


# ---------------------------------------------------------------- 2. iterations

def test_iterations_per_epoch():
    """1000/100: 10; 800/150: 6 (five of 150, one of 50), 5 with drop_last; 50/10 for 5 epochs: 25;
    4 samples for 5 epochs: 5 full-batch updates, 20 with batches of one."""
    says("md_iterations", "With 1000 samples and batches of 100 an epoch has 10 iterations",
         "With 800 samples and batches of 150 it has **6**: five batches of 150 and one of 50",
         "One of the lecture notes counts 3 here", "then the same epoch has 5 iterations",
         "Training 50 samples in batches of 10 for 5 epochs makes 25 updates; 4 samples for 5 epochs make 5 "
         "updates with the full batch and 20 with batches of one")
    ipe = tuning.iterations_per_epoch
    assert ipe(1000, 100) == 10 and ipe(800, 150) == 6 and ipe(800, 150, drop_last=True) == 5
    assert 5 * 150 + 50 == 800 and 800 // 150 == 5
    assert 5 * ipe(50, 10) == 25 and 5 * ipe(4, 4) == 5 and 5 * ipe(4, 1) == 20
    says("md_ex_iterations_per_epoch", "For 800 samples in batches of 150 it is 6 (5 with drop_last)")


# ---------------------------------------------------------------- 3. search

def test_grid_sizes():
    """{lr: 3, batch: 2, hidden: 4} is 24 trainings; five hyperparameters of four candidates: 4^5 = 1024."""
    says("md_search", '{"lr": [0.1, 0.01, 0.001], "batch": [32, 128], "hidden": [8, 16, 32, 64]}',
         "3 \\cdot 2 \\cdot 4 = 24 trainings", "4^5 = 1024")
    space = {"lr": [0.1, 0.01, 0.001], "batch": [32, 128], "hidden": [8, 16, 32, 64]}
    assert len(list(tuning.grid_search(space))) == 24
    assert len(list(tuning.grid_search({k: [1, 2, 3, 4] for k in "abcde"}))) == 1024
    says("md_ex_grid_search", '{"a": [1, 2], "b": [3, 4]} gives [{"a": 1, "b": 3}, {"a": 1, "b": 4}, {"a": 2, '
                              '"b": 3}, {"a": 2, "b": 4}]')
    assert list(tuning.grid_search({"a": [1, 2], "b": [3, 4]})) == [{"a": 1, "b": 3}, {"a": 1, "b": 4},
                                                                    {"a": 2, "b": 3}, {"a": 2, "b": 4}]


def test_log_uniform_shares():
    """Uniform on [1e-4, 1e-1]: about 90 % above 1e-2, under 1 % below 1e-3; log-uniform: a third per decade."""
    says("md_log_uniform", "about 90 % of the draws would land above 10^{-2}", "would get under 1 % of them",
         "a third each here")
    low, high = 1e-4, 1e-1
    assert round((high - 1e-2) / (high - low), 2) == 0.90
    assert (1e-3 - low) / (high - low) < 0.01
    draws = tuning.sample_log_uniform(low, high, 30000, 0)
    for lo, hi in ((1e-4, 1e-3), (1e-3, 1e-2), (1e-2, 1e-1)):
        assert abs(np.mean((draws >= lo) & (draws < hi)) - 1 / 3) < 0.01


def test_hit_chances():
    """1 - 0.95^n: 5 -> 0.226, 14 -> 0.512, 30 -> 0.785, 60 -> 0.954, 100 -> 0.994; 59 trials for 95 %."""
    says("md_why_random", "Five trials give 0.226, 14 give 0.512, 30 give 0.785, 60 give 0.954 and 100 give 0.994",
         "about 59 trials suffice for a 95 % chance", "probability 0.05", "1 - 0.95^n", "Bergstra and Bengio (2012)")
    for n, text in ((5, "0.226"), (14, "0.512"), (30, "0.785"), (60, "0.954"), (100, "0.994")):
        shown(tuning.hit_chance(n), text)
        shown(1 - 0.95 ** n, text)
    assert tuning.trials_for_hit_chance(0.95) == 59
    says("md_written_intro_hit_chance", "60 trials has a 0.954 chance", "3 \\times 4 \\times 5 = 60")
    says("hit_chance", "0.95^{60} \\approx 0.046", "1 - 0.95^{60} \\approx 0.954", "only 3, 4 or 5 distinct values",
         "just 5 different learning rates, each 12 times", "if one of those 5 values", "tries 60 different")
    shown(0.95 ** 60, "0.046")
    assert 3 * 4 * 5 == 60 and 60 // 5 == 12


def test_search_widget_numbers():
    """9 trials: the grid tries 3 learning rates, best 0.644; random 9, best 0.927 in the best 5 %;
    25 trials: the grid's 5 rates give 0.646, random 0.965.  Learning rates from 1e-4 to 1."""
    from nnlib.widgets.search import (
        LOG_LR,
        TRIALS,
        SearchComparison,
        _landscape,
        score,
        search_points,
    )

    says("md_search_widget", "from 10^{-4} to 1, log scale", "With 9 trials the grid tries 3 learning rates",
         "its best score is 0.644", "Random search tries 9 and its best, 0.927, is in the best 5 %",
         "Raise the trials to 25: the grid's 5 learning rates still miss the peak (best 0.646), random search "
         "finds 0.965")
    assert LOG_LR == (-4.0, 0.0) and 9 in TRIALS and 25 in TRIALS
    threshold = _landscape()[3]
    expected = {9: ("0.644", "0.927", 3), 25: ("0.646", "0.965", 5)}
    for n, (grid_best, random_best, rates) in expected.items():
        grid, rand = search_points(n, 0)
        g, r = score(grid[:, 0], grid[:, 1]).max(), score(rand[:, 0], rand[:, 1]).max()
        shown(g, grid_best)
        shown(r, random_best)
        assert g < threshold <= r
        assert len(np.unique(grid[:, 0])) == rates and len(np.unique(rand[:, 0])) == n
    assert SearchComparison().controls["trials"].value == 9


# ---------------------------------------------------------------- 4. successive halving

def test_successive_halving():
    """27 configurations, 1 epoch, eta 3: 27 x 1, 9 x 3, 3 x 9, 1 x 27: 108 epochs against 729; log(243)/log(3) != 5."""
    says("md_smarter", "| 0 | 27 | 1 | 27 |", "| 1 | 9 | 3 | 27 |", "| 2 | 3 | 9 | 27 |", "| 3 | 1 | 27 | 27 |",
         "108 epochs in all, against 27 \\cdot 27 = 729", "so it should not get 27", "\\eta = 3")
    rounds = tuning.successive_halving_schedule(27, 1, 3)
    assert rounds == [(27, 1), (9, 3), (3, 9), (1, 27)]
    assert all(n * r == 27 for n, r in rounds) and sum(n * r for n, r in rounds) == 108 and 27 * 27 == 729
    says("md_ex_successive_halving_schedule", "[(27, 1), (9, 3), (3, 9), (1, 27)]",
         "np.log(243) / np.log(3) is not exactly 5")
    assert np.log(243) / np.log(3) != 5 and 3 ** 5 == 243


# ---------------------------------------------------------------- 5. validation and the search demo

def test_k_fold_sizes():
    """10 samples in 3 folds: 4, 3 and 3."""
    says("md_validation", "10 samples in 3 folds make folds of 4, 3 and 3", "k = 5 or 10 is common")
    assert [len(v) for _, v in tuning.k_fold(10, 3, 0)] == [4, 3, 3]


@pytest.fixture(scope="module")
def demo():
    """The notebook's search cell, run with nnlib's random_search and k_fold (what the solution uses)."""
    namespace = {"np": np, "search": tuning.random_search, "folds_of": tuning.k_fold}
    code = SOURCES["demo_search"]
    exec(code.split("for config, mean, spread")[0], namespace)  # noqa: S102  the notebook's own code
    best = max(namespace["results"], key=lambda r: r[1])[0]
    final = namespace["trained"](best, namespace["X_dev"], namespace["y_dev"])
    test_acc = metrics.accuracy(final.forward(namespace["X_test"], training=False), namespace["y_test"])
    return namespace, best, test_acc


def test_search_demo_setup(demo):
    """1797 digits, 449 held out as the test set, 1348 left; 6 configurations, 3 folds, 10 epochs."""
    says("md_search_demo", "(1797 images of 8×8 pixels, values 0 to 16)", "A quarter of them, 449 digits",
         "draws 6 configurations of a 64-*h*-10 network", "10^{-4} and 10^{-1}", "from 16, 32, 64 and 128",
         "dropout 0, 0.2 or 0.5", "trained 3 times for 10 epochs with Adam", "the other 1348 digits", "chapter 6",
         "sections 3 to 5")
    namespace, _, _ = demo
    assert len(load_digits()[0]) == 1797 and len(namespace["X_test"]) == 449 and len(namespace["X_dev"]) == 1348
    assert len(namespace["configs"]) == 6 and len(namespace["folds"]) == 3
    code = SOURCES["demo_search"]
    for fragment in ("log_uniform(1e-4, 1e-1)", '"hidden": [16, 32, 64, 128]', '"p_drop": [0.0, 0.2, 0.5]',
                     "epochs=10", "search(space, 6,", "folds_of(len(X_dev), 3,", "val_fraction=0.25"):
        assert fragment in code, fragment


def test_search_demo_results(demo):
    """Near 1e-4: 25.7 %; the five rates in 0.004-0.03: 94.7 % to 96.7 %; spreads 0.3 to 1.4 points; the choice
    (0.0066, 128, 0.5) has 96.7 % validation and 97.1 % test accuracy."""
    says("md_search_demo_read", "a rate near 10^{-4} reaches only 25.7 % after 10 epochs",
         "the five with rates between 0.004 and 0.03 all land between 94.7 % and 96.7 %",
         "The spread over the folds, 0.3 to 1.4 points", "(a rate of 0.0066, width 128, dropout 0.5) has a validation "
         "accuracy of 96.7 % and, measured once at the end, a test accuracy of 97.1 %")
    namespace, best, test_acc = demo
    results = namespace["results"]
    slow = [r for r in results if r[0]["lr"] < 1e-3]
    assert len(slow) == 1 and 1e-4 < slow[0][0]["lr"] < 2e-4
    shown(100 * slow[0][1], "25.7")
    rest = [r for r in results if r is not slow[0]]
    assert len(rest) == 5 and all(0.004 <= r[0]["lr"] <= 0.03 for r in rest)
    shown(100 * min(r[1] for r in rest), "94.7")
    shown(100 * max(r[1] for r in rest), "96.7")
    shown(100 * min(r[2] for r in results), "0.3")
    shown(100 * max(r[2] for r in results), "1.4")
    shown(best["lr"], "0.0066")
    assert (best["hidden"], best["p_drop"]) == (128, 0.5)
    shown(100 * test_acc, "97.1")


def test_capstone_report_numbers(demo):
    """The model answer: 18 trainings of 10 epochs; the recipe (Adam 1e-3, 60 epochs, dropout 0.2, width 128) reaches
    97.5 % +- 0.2 % on the same three folds."""
    says("capstone_report", "(16, 32, 64, 128)", "dropout (0, 0.2, 0.5), 6 configurations",
         "3-fold cross-validation on the 1348 training rows (18 trainings of 10 epochs)",
         "25.7 % at a rate near 10^{-4}, 94.7 % to 96.7 % for rates between 0.004 and 0.03; the best was width "
         "128 (96.7 %)", "Adam at 10^{-3}", "with 60 epochs instead of 10", "dropout 0.2",
         "this recipe reached 97.5 % ± 0.2 % validation accuracy")
    namespace, _, _ = demo
    recipe = {"lr": 1e-3, "hidden": 128, "p_drop": 0.2}
    X, y = namespace["X_dev"], namespace["y_dev"]
    scores = [metrics.accuracy(namespace["trained"](recipe, X[tr], y[tr], epochs=60).forward(X[va], training=False),
                               y[va]) for tr, va in namespace["folds"]]
    shown(100 * np.mean(scores), "97.5")
    shown(100 * np.std(scores), "0.2")
    assert 6 * 3 == 18
    code = SOURCES["capstone_model"]
    for fragment in ("Dense(64, 128", "Dropout(0.2", "Adam(lr=1e-3)", "epochs=60"):
        assert fragment in code, fragment


# ---------------------------------------------------------------- 6. the range test

@pytest.fixture(scope="module")
def range_tests():
    from nnlib.widgets.lr_finder import run_range_test

    return {key: run_range_test(*key) for key in (("SGD", 32), ("SGD, momentum 0.9", 32), ("Adam", 32),
                                                  ("SGD", 16), ("SGD", 128))}


def test_lr_range_widget_numbers(range_tests):
    """SGD, batches of 32: lowest near 2, range 0.2-2; momentum 0.9: 0.05-0.5; Adam: 0.03-0.3; 120 batches from
    1e-5 to 10, stopped at four times the best; larger batches give a smoother curve."""
    from nnlib.widgets.lr_finder import LR_MAX, LR_MIN, STEPS, LRRangePlot

    says("md_lr_widget", "120 batches with the learning rate rising from 10^{-5} to 10", "passes four times its best",
         "With plain SGD and batches of 32 the smoothed loss is lowest at a learning rate of about 2, so the "
         "suggested range is 0.2 to 2", "With momentum 0.9", "to 0.05–0.5; with Adam to 0.03–0.3",
         "larger batches give a smoother curve", "(chapter 5)", "A 64-32-10 ReLU network")
    says("md_lr_range", "(Smith, 2017)")
    assert (STEPS, LR_MIN, LR_MAX) == (120, 1e-5, 10.0)
    w = LRRangePlot()
    assert (w.controls["optimizer"].value, w.controls["batch size"].value) == ("SGD", 32)
    for key, (low, high) in {("SGD", 32): ("0.2", "2"), ("SGD, momentum 0.9", 32): ("0.05", "0.5"),
                             ("Adam", 32): ("0.03", "0.3")}.items():
        r = range_tests[key]
        shown(r.low, low)
        shown(r.high, high)
        assert r.high == 10 * r.low
    assert range_tests["SGD", 32].smoothed.max() > 4 * range_tests["SGD", 32].smoothed.min()

    def roughness(r):  # the batch-to-batch jumps of the loss while it is still falling
        falling = r.losses[: int(np.argmin(r.smoothed))]
        return np.mean(np.abs(np.diff(falling)))

    assert roughness(range_tests["SGD", 128]) < roughness(range_tests["SGD", 32]) < roughness(range_tests["SGD", 16])


# ---------------------------------------------------------------- 7. evaluation

def test_evaluation_worked_example():
    """M = [[3, 1, 0], [0, 2, 1], [1, 0, 2]]; accuracy 0.7; precision = recall = (0.75, 0.667, 0.667); macro-F1 0.694;
    never flagging a 95 / 5 data set is 95 % accurate."""
    says("md_evaluation", "(0, 0, 0, 0, 1, 1, 1, 2, 2, 2)", "(0, 0, 1, 0, 1, 1, 2, 2, 2, 0)",
         "\\begin{pmatrix} 3 & 1 & 0 \\\\ 0 & 2 & 1 \\\\ 1 & 0 & 2 \\end{pmatrix}", "Accuracy 7/10 = 0.7",
         "precision 3/4 = 0.75 (column 0 holds 3 + 0 + 1), recall 3/4 = 0.75 (row 0 holds 3 + 1 + 0)",
         "precision and recall 2/3 \\approx 0.667", "(0.75 + 0.667 + 0.667)/3 = 0.694",
         "if 95 % of the emails are not spam, a filter that never flags anything is 95 % accurate")
    M = metrics.confusion_matrix(Y_TRUE, Y_PRED, n_classes=3)
    np.testing.assert_array_equal(M, [[3, 1, 0], [0, 2, 1], [1, 0, 2]])
    assert metrics.accuracy(Y_PRED, Y_TRUE) == 0.7
    r = metrics.precision_recall_f1(Y_TRUE, Y_PRED, n_classes=3)
    for arr in (r["precision"], r["recall"], r["f1"]):
        for value, text in zip(arr, ("0.75", "0.667", "0.667")):
            shown(value, text)
    shown(r["macro_f1"], "0.694")
    unbalanced = np.array([0] * 95 + [1] * 5)
    assert metrics.accuracy(np.zeros(100, dtype=int), unbalanced) == 0.95
    says("md_ex_precision_recall_f1", "precision (0.75, 0.667, 0.667) and a macro-F1 of 0.694")


def test_confusion_widget_numbers():
    """A 64-32-10 network on 449 held-out digits: 92.4 % after 10 epochs, most often a 3 taken for a 9 (4 digits);
    28.1 % after 1 epoch, 95.5 % after 30."""
    from nnlib.widgets._digits_model import trained_digits
    from nnlib.widgets.confusion import EPOCHS, ConfusionExplorer, worst_cell

    says("md_confusion_widget", "A 64-32-10 network trained with Adam on three quarters of the digits, judged on the "
         "other 449", "After 10 epochs the network gets 92.4 % of the held-out digits right; its most frequent mistake "
         "is a 3 taken for a 9 (4 digits)", "After 1 epoch (28.1 %)", "after 30 epochs (95.5 %)")
    assert ConfusionExplorer().controls["epochs"].value == 10 and {1, 10, 30} <= set(EPOCHS)
    d = trained_digits(10)
    assert len(d.y) == 449 and d.model.layers[0].params["W"].shape == (64, 32)
    M = metrics.confusion_matrix(d.y, d.pred, n_classes=10)
    shown(100 * np.trace(M) / 449, "92.4")
    assert worst_cell(M) == (3, 9) and M[3, 9] == 4
    for epochs, text in ((1, "28.1"), (30, "95.5")):
        shown(100 * metrics.accuracy(trained_digits(epochs).pred, trained_digits(epochs).y), text)


# ---------------------------------------------------------------- 8. interpretation

def test_importance_widget_numbers():
    """After 30 epochs: the top pixel (row 5, column 3) costs 2.7 points; 10 of 64 cost nothing, 6 of them blank."""
    from nnlib.widgets.importance import (
        EPOCHS,
        PixelImportance,
        blank_pixels,
        pixel_drops,
    )

    says("md_importance_widget", "The 64-32-10 network of the confusion matrix after 30 epochs", "449 held-out digits",
         "the 8×8 image", "The most important pixel (row 5, column 3) costs 2.7 points of accuracy",
         "10 of the 64 pixels cost nothing at all, 6 of them because they are blank in every held-out digit")
    w = PixelImportance()
    assert EPOCHS == 30 and w.digit is None and w.controls["repeats"].value == 3
    mean, _, _, count = pixel_drops(None, 3)
    assert count == 449
    row, col = np.unravel_index(int(np.argmax(mean)), mean.shape)
    assert (row, col) == (5, 3)
    shown(100 * mean.max(), "2.7")
    assert np.sum(mean == 0) == 10 and blank_pixels().sum() == 6 and np.all(mean[blank_pixels()] == 0)


# ---------------------------------------------------------------- 9. the capstone

def test_capstone_rules():
    """75 % / 25 %: 1348 and 449 digits; 120 s, 2048 MB, one core; 10 points at >= 95 %, 10 (a - 0.80) / 0.15 rounded
    to 0.5 from 80 %: 90 % earns 6.5, 85 % earns 3.5, 0 below 80 %."""
    says("md_capstone", "75 % training rows (1348 digits)", "25 % held out (449 digits)", "**120 seconds**",
         "**2048 MB**", "**Points** (10)", "| a \\ge 95\\,\\% | 10 |",
         "| 80\\,\\% \\le a < 95\\,\\% | 10 \\cdot (a - 0.80) / 0.15, rounded to the nearest 0.5 |", "| a < 80\\,\\% | 0 |",
         "so 90 % earns 6.5 points and 85 % earns 3.5", "Standardize(np.zeros(64), np.ones(64))",
         "**raw pixels**, 0 to 16", "10 scores per digit", "since chapter 1", "on five rows", "section 5", "section 6")
    X_train, X_held, _, _ = capstone.training_split()
    assert (len(X_train), len(X_held)) == (1348, 449) and capstone.HELD_OUT_FRACTION == 0.25
    assert (capstone.TIME_LIMIT, capstone.MEMORY_MB, capstone.GRADING_ROWS) == (120.0, 2048, 5)
    assert capstone.points(0.95) == capstone.points(1.0) == 10
    assert capstone.points(0.90) == 6.5 and capstone.points(0.85) == 3.5
    assert capstone.points(0.7999) == 0 and capstone.points(0.80) == 0
    assert round(2 * 10 * (0.90 - 0.80) / 0.15) / 2 == 6.5 and round(2 * 10 * (0.85 - 0.80) / 0.15) / 2 == 3.5
    says("md_ex_capstone", "Exercise 10", "(10 points, measured by the grader)")
    says("md_written_intro_capstone_report", "### Written answer (3 points", "1 point: the search")


def test_section_5_networks_fit_the_time_limit_many_times(demo):
    """'the networks of section 5 train in a small fraction of it': one 10-epoch training takes under a tenth of 120 s."""
    import time

    says("md_capstone", "the networks of section 5 train in a small fraction of it")
    namespace, best, _ = demo
    started = time.process_time()
    namespace["trained"](best, namespace["X_dev"], namespace["y_dev"])
    assert time.process_time() - started < 12.0


# ---------------------------------------------------------------- inventory

INVENTORY = {
    "0": "round 0, dropout 0, labels, pixels 0..16, 0 points (halving, demo, evaluation, capstone tests)",
    "0.001": "grid candidate (grid test)", "0.004": "lowest good rate (demo results)",
    "0.0066": "chosen rate (demo results)", "0.01": "grid candidate (grid test)",
    "0.03": "highest good rate, Adam range (demo, range tests)", "0.046": "0.95^60 (hit chance test)",
    "0.05": "5 %, momentum range (hit chance, range tests)", "0.1": "grid candidate (grid test)",
    "0.15": "points rule (capstone rules)", "0.2": "dropout, SGD range (demo, range, report tests)",
    "0.226": "hit chance of 5 (hit chance test)", "0.3": "spread, Adam range (demo, range tests)",
    "0.5": "dropout, momentum range, rounding (demo, range, capstone tests)", "0.512": "hit chance of 14",
    "0.644": "grid best at 9 (search widget)", "0.646": "grid best at 25 (search widget)",
    "0.667": "precision/recall (evaluation)", "0.694": "macro-F1 (evaluation)", "0.7": "accuracy (evaluation)",
    "0.75": "precision/recall of class 0 (evaluation)", "0.785": "hit chance of 30", "0.80": "points rule",
    "0.9": "momentum (range test)", "0.927": "random best at 9 (search widget)",
    "0.95": "miss probability (hit chance test)", "0.954": "hit chance of 60", "0.965": "random best at 25",
    "0.994": "hit chance of 100",
    "1": "chapter 1, round 1, epoch 1, exponents, 1 point, 1 % (many tests)", "1.4": "largest spread (demo results)",
    "2": "range, points, exponents, section/exercise 2 (many tests)", "2.7": "top pixel drop (importance widget)",
    "3": "candidates, folds, rounds, trials, points (many tests)", "3.5": "points at 85 % (capstone rules)",
    "4": "grid candidates, folds, 4^5, four times (many tests)",
    "5": "epochs, folds, trials, drop_last, rows, sections (many tests)",
    "6": "iterations, configurations, blank pixels, chapter 6 (many tests)", "6.5": "points at 90 %",
    "7": "chapter 7, accuracy 7/10, section 7", "8": "8x8 images, grid candidate, section 8",
    "9": "rounds, trials (halving, search widget)", "10": "epochs, classes, samples, points (many tests)",
    "12": "repeats of each grid rate (hit chance answer)", "14": "trials (hit chance)",
    "16": "pixel max, width candidate (demo)", "18": "trainings of the search (report)",
    "20": "updates with batches of one (iterations)", "24": "grid size (grid test)",
    "25": "updates, trials, 25 % held out (iterations, search widget, capstone)", "25.7": "slow config (demo)",
    "27": "configurations and budgets (halving)", "28.1": "accuracy after 1 epoch (confusion widget)",
    "30": "trials, epochs (hit chance, confusion and importance widgets)",
    "32": "batches, widths (range, demo, confusion)", "50": "remainder batch, samples (iterations)",
    "59": "trials for 95 % (hit chance)", "60": "trials, epochs (hit chance, report)",
    "64": "inputs, width, pixels (many tests)", "75": "training share (capstone rules)",
    "80": "points threshold (capstone rules)", "85": "example accuracy (capstone rules)",
    "90": "uniform share, example accuracy (log-uniform, capstone rules)", "92.4": "accuracy after 10 epochs",
    "94.7": "worst good config (demo)", "95": "full marks, hit chance, spam (many tests)",
    "95.5": "accuracy after 30 epochs", "96.7": "best config (demo)", "97.1": "test accuracy of the choice (demo)",
    "97.5": "recipe's cross-validated accuracy (report)", "100": "samples per batch, trials (iterations, hit chance)",
    "108": "epochs of successive halving", "120": "batches, seconds (range widget, capstone)",
    "128": "widths, batch (parameters, demo, report)", "150": "batch size (iterations)", "243": "3^5 (halving)",
    "256": "batch size (power of two)", "449": "held-out digits (demo, widgets, capstone)",
    "729": "27 x 27 epochs (halving)", "800": "samples (iterations)", "1000": "samples (iterations)",
    "1024": "4^5 (grid test)", "1290": "second layer's parameters", "1348": "training digits (demo, capstone)",
    "1797": "all digits (demo)", "2012": "Bergstra and Bengio", "2017": "Smith's range test",
    "2048": "memory limit (capstone)", "8320": "first layer's parameters", "9610": "parameters in all",
}


def test_is_every_number_in_the_prose_accounted_for():
    """Does the markdown contain exactly the numerals of the inventory above?"""
    assert unaccounted(NB, INVENTORY) == ""
