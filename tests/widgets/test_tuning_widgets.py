"""Tests for the chapter 08 widgets: grid vs random search, the learning-rate range test, the confusion
matrix with its digits, and the permutation importance of the 64 pixels."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest
from widget_support import full_redraw, pixels, png

from nnlib import metrics, tuning
from nnlib.lr_range import lr_range_test
from nnlib.widgets import (
    confusion_explorer,
    lr_range_plot,
    pixel_importance,
    search_comparison,
)
from nnlib.widgets._digits_model import trained_digits
from nnlib.widgets.confusion import SHOWN, ConfusionExplorer, worst_cell
from nnlib.widgets.importance import (
    PixelImportance,
    blank_pixels,
    pixel_drops,
    recall_of,
)
from nnlib.widgets.lr_finder import LRRangePlot, run_range_test
from nnlib.widgets.search import (
    PEAK,
    TRIALS,
    SearchComparison,
    _landscape,
    score,
    search_points,
)

# ------------------------------------------------------------------ grid against random search

def test_only_the_learning_rate_matters_on_the_landscape():
    """The score peaks at 0.97 at the best learning rate; dropout moves it by at most 0.04 anywhere."""
    assert score(PEAK, 0.25) == pytest.approx(0.97)
    _, _, S, threshold = _landscape()
    assert np.ptp(S, axis=0).max() <= 0.04 + 1e-12  # along dropout, at any learning rate
    assert np.ptp(S, axis=1).min() >= 0.35  # along the learning rate, at any dropout
    assert np.mean(S >= threshold) == pytest.approx(0.05, abs=0.005)


@pytest.mark.parametrize("n", TRIALS)
def test_grid_tries_sqrt_n_learning_rates_random_n(n):
    """A k x k grid spends n trials on k learning rates (dropout varying fastest); random search on n."""
    grid, rand = search_points(n, seed=3)
    k = int(np.sqrt(n))
    assert grid.shape == rand.shape == (n, 2)
    assert len(np.unique(grid[:, 0])) == k and len(np.unique(rand[:, 0])) == n
    np.testing.assert_array_equal(grid[:k, 0], grid[0, 0])  # the last key (dropout) varies fastest
    assert np.all((rand[:, 0] >= -4) & (rand[:, 0] <= 0) & (rand[:, 1] >= 0) & (rand[:, 1] <= 1))
    np.testing.assert_array_equal(search_points(n, seed=3)[1], rand)
    with pytest.raises(ValueError, match="square number"):
        search_points(10)


def test_random_search_hits_the_peak_more_often_than_the_grid():
    """Over 200 seeds at 9 trials: random's best lands in the best 5 % about 1 - 0.95^9 = 37 % of the time;
    the 3 x 3 grid's never does (its three learning rates all miss the peak)."""
    _, _, _, threshold = _landscape()
    grid, _ = search_points(9)
    assert score(grid[:, 0], grid[:, 1]).max() < threshold
    hits = [score(*search_points(9, seed=s)[1].T).max() >= threshold for s in range(200)]
    assert abs(np.mean(hits) - tuning.hit_chance(9)) < 0.12


def test_search_widget_says_what_it_draws():
    w = SearchComparison(trials=16, seed=4)
    grid, rand = search_points(16, 4)
    best_grid, best_rand = score(*grid.T).max(), score(*rand.T).max()
    assert f"Best of the grid {best_grid:.3f}" in w.status.value
    assert f"best of random search {best_rand:.3f}" in w.status.value
    assert f"1 − 0.95^16 = {tuning.hit_chance(16):.3f}" in w.status.value
    assert w.panels["grid"]["title"].get_text().startswith("grid: 16 trials, 4 learning rates")
    np.testing.assert_array_equal(w.panels["random"]["points"].get_xdata(), rand[:, 0])
    assert len(w.panels["grid"]["ticks"].get_segments()) == 16


@pytest.mark.parametrize("control, value", [("trials", 36), ("seed", 7)])
def test_search_controls_redraw(control, value):
    w = SearchComparison()
    before = png(w)
    w.controls[control].value = value
    assert png(w) != before


def test_a_blitted_search_frame_equals_a_full_redraw():
    w = SearchComparison(trials=25, seed=2)
    w.controls["trials"].value = 49
    shown = np.asarray(w.view.figure.canvas.buffer_rgba()).copy()
    assert np.abs(shown.astype(int) - full_redraw(w).astype(int)).max() <= 2


def test_the_students_search_functions_draw_the_points(capsys):
    calls = []

    def my_grid(space):
        calls.append(list(space))
        return tuning.grid_search(space)

    w = search_comparison(grid_search=my_grid)
    assert "Using your my_grid" in capsys.readouterr().out
    assert calls and calls[-1] == ["log_lr", "dropout"] and w.grid_search is my_grid

    def stub(space, n, rng):
        raise NotImplementedError()

    w = search_comparison(random_search=stub)
    assert "not implemented yet" in capsys.readouterr().out and w.random_search is tuning.random_search


# ------------------------------------------------------------------ the learning-rate range test

def test_range_plot_shows_the_range_test_of_its_setting():
    """The curves, the band and the dashed line are nnlib's lr_range_test of the chosen optimizer and batch."""
    w = LRRangePlot(optimizer="SGD, momentum 0.9", batch_size=32)
    r = w.result
    again = run_range_test("SGD, momentum 0.9", 32)
    np.testing.assert_array_equal(r.losses, again.losses)  # the same seeded run
    np.testing.assert_array_equal(w.smooth.get_xdata(), r.lrs)
    x0, x1 = w.band.get_x(), w.band.get_x() + w.band.get_width()
    assert x0 == pytest.approx(r.low) and x1 == pytest.approx(r.high) and r.high == pytest.approx(10 * r.low)
    assert w.bottom.get_xdata()[0] == r.lr_at_min == r.lrs[np.argmin(r.smoothed)]
    assert r.stopped_early and f"{r.lr_at_min:.3g}" in w.status.value


def test_range_depends_on_the_optimizer_and_runs_once_per_setting():
    """Momentum takes longer steps, so its range lies below plain SGD's; a revisited setting is not rerun."""
    w = LRRangePlot(optimizer="SGD")
    sgd = w.result
    w.controls["optimizer"].value = "SGD, momentum 0.9"
    assert w.result.lr_at_min < sgd.lr_at_min
    before = png(w)
    w.controls["optimizer"].value = "SGD"
    assert w.result is sgd and png(w) != before


def test_range_test_is_what_lr_range_test_returns():
    """run_range_test is lr_range_test on the standardized digits with the widget's settings."""
    from nnlib.data import load_digits, standardize
    from nnlib.layers import Activation, Dense
    from nnlib.network import Sequential
    from nnlib.optimizers import Adam

    X, y = load_digits()
    X, _, _ = standardize(X)
    model = Sequential([Dense(64, 32, rng=0), Activation("relu"), Dense(32, 10, rng=1)])
    direct = lr_range_test(model, "softmax_cross_entropy", X, y, 1e-5, 10.0, 120, 128, Adam(lr=1e-5), rng=2)
    np.testing.assert_array_equal(run_range_test("Adam", 128).smoothed, direct.smoothed)


# ------------------------------------------------------------------ the confusion matrix

def test_worst_cell_is_the_largest_off_diagonal_count():
    M = np.array([[9, 1, 0], [4, 7, 4], [0, 2, 8]])
    assert worst_cell(M) == (1, 0)  # the first of the two 4s
    assert worst_cell(np.eye(3, dtype=int) * 5) == (0, 1)  # no mistakes: the first off-diagonal cell


def test_confusion_widget_counts_and_shows_the_digits_of_the_cell():
    w = ConfusionExplorer(epochs=3)
    d = trained_digits(3)
    M = metrics.confusion_matrix(d.y, d.pred, n_classes=10)
    t, p = worst_cell(M)
    assert (w.controls["true"].value, w.controls["predicted"].value) == (t, p)
    np.testing.assert_array_equal(w.matrix_for(3), M)
    shown = [image for _, image, _ in w.thumbs if image.get_visible()]
    assert len(shown) == min(M[t, p], SHOWN)
    first = np.flatnonzero((d.y == t) & (d.pred == p))[0]
    np.testing.assert_array_equal(shown[0].get_array(), d.images[first].reshape(8, 8))
    assert w.caption.get_text().startswith(f"true {t}, predicted {p}: {M[t, p]} wrong")
    assert f"recall of {t} = {M[t, t]}/{M[t].sum()}" in w.status.value
    assert f"precision of {p} = {M[p, p]}/{M[:, p].sum()}" in w.status.value


def test_an_empty_cell_says_so():
    w = ConfusionExplorer(epochs=30)
    M = w.matrix_for(30)
    t, p = map(int, np.argwhere(M == 0)[0])
    w.controls["true"].value, w.controls["predicted"].value = t, p
    assert w.empty.get_text() == "no digit in this cell"
    assert not any(image.get_visible() for _, image, _ in w.thumbs)


def test_more_epochs_fewer_mistakes():
    """The network after 30 epochs is right on at least 94 % of the held-out digits, after 1 on far fewer."""
    assert np.mean(trained_digits(30).pred == trained_digits(30).y) >= 0.94
    assert np.mean(trained_digits(1).pred == trained_digits(1).y) < 0.6


def test_the_students_confusion_matrix_is_drawn():
    """A transposed matrix from the student's function is what the widget shows (and counts)."""
    def transposed(y_true, y_pred, n_classes):
        return metrics.confusion_matrix(y_pred, y_true, n_classes)

    w = confusion_explorer(confusion_matrix=transposed, epochs=3)
    np.testing.assert_array_equal(w.matrix_for(3), metrics.confusion_matrix(trained_digits(3).y,
                                                                            trained_digits(3).pred, 10).T)


@pytest.mark.parametrize("control, value", [("true", 0), ("predicted", 0), ("epochs", 30)])
def test_confusion_controls_redraw(control, value):
    w = ConfusionExplorer(true=5, predicted=3)
    before = png(w)
    w.controls[control].value = value
    assert png(w) != before


# ------------------------------------------------------------------ permutation importance

def test_recall_of_counts_one_class():
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])  # predicts 0, 1, 0, 1
    y = np.array([0, 1, 1, 1])
    assert recall_of(1)(scores, y) == pytest.approx(2 / 3)
    assert recall_of(0)(scores, y) == 1.0


def test_pixel_drops_are_nnlibs_permutation_importance_laid_out_8_by_8():
    d = trained_digits(30)
    mean, std, image, count = pixel_drops(None, 1)
    direct, _ = tuning.permutation_importance(d.predict, np.array(d.X), np.array(d.y), metrics.accuracy,
                                                       np.random.default_rng(0), 1)
    np.testing.assert_array_equal(mean, direct.reshape(8, 8))
    np.testing.assert_array_equal(std, 0.0)  # one repeat: no spread
    assert count == len(d.y)
    np.testing.assert_allclose(image, np.mean(d.images, axis=0).reshape(8, 8))
    # A pixel blank in every digit cannot matter: shuffling zeros changes nothing.
    blank = blank_pixels()
    assert blank.any() and np.all(mean[blank] == 0.0)


def test_importance_widget_keeps_its_scale_when_only_the_repeats_change():
    w = PixelImportance(digit=3, n_repeats=1)
    clim = w.heat.get_clim()
    assert clim[0] == -clim[1] > -1
    np.testing.assert_array_equal(w.heat.get_array(), pixel_drops(3, 1)[0])
    w.controls["repeats"].value = 5
    assert w.heat.get_clim() == clim
    np.testing.assert_array_equal(w.heat.get_array(), pixel_drops(3, 5)[0])
    assert "recall of 3" in w.heat_title.get_text()
    w.controls["digit"].value = "all"
    assert w.digit is None
    assert "accuracy" in w.heat_title.get_text() and w.heat.get_clim() != clim


def test_the_students_permutation_importance_is_used(capsys):
    calls = []

    def mine(predict, X, y, metric, rng, n_repeats=5):
        calls.append(X.shape)
        return tuning.permutation_importance(predict, X, y, metric, rng, n_repeats)

    w = pixel_importance(permutation_importance=mine, n_repeats=1)
    assert "Using your mine" in capsys.readouterr().out
    assert (449, 64) in calls and w.permutation_importance is mine


# ------------------------------------------------------------------ while nbgrader grades

@pytest.mark.parametrize("helper", [search_comparison, lr_range_plot, confusion_explorer, pixel_importance])
def test_helpers_draw_nothing_while_grading(helper, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    shown = helper()
    assert isinstance(shown, widgets.HTML) and "not drawn while the notebook is graded" in shown.value


# ------------------------------------------------------------------ kept backgrounds, lecture view

@pytest.mark.parametrize("cls, name, visits", [(ConfusionExplorer, "epochs", [3, 30, 3]),
                                               (PixelImportance, "digit", ["all", 3, "all"])],
                         ids=["ConfusionExplorer", "PixelImportance"])
def test_coming_back_draws_what_a_fresh_widget_draws(cls, name, visits):
    travelled = cls()
    for value in visits:
        travelled.controls[name].value = value
    assert len(travelled._kept) >= 2
    fresh = cls()
    fresh.controls[name].value = visits[-1]
    assert np.array_equal(pixels(png(travelled)), pixels(png(fresh)))


def test_lecture_view_prints_no_your_code_line(monkeypatch, capsys):
    monkeypatch.setenv("NNCOURSE_LECTURE", "1")

    def confusion_matrix(y_true, y_pred, n_classes):
        return metrics.confusion_matrix(y_true, y_pred, n_classes)

    w = confusion_explorer(confusion_matrix=confusion_matrix, epochs=3)
    assert w.confusion_matrix is confusion_matrix and capsys.readouterr().out == ""
    assert "your" not in w.status.value
