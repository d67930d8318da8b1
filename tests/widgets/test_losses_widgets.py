"""Tests for the chapter 04 widgets: the loss explorer, the outlier against fitted lines, CE vs MSE through a sigmoid."""
import math

import ipywidgets as widgets
import numpy as np
import pytest

from nnlib import losses as L
from nnlib.activations import sigmoid
from nnlib.widgets import loss_explorer, outlier_fit, sigmoid_gradients
from nnlib.widgets.losses import (LOSS_VIEWS, LossExplorer, OutlierFit, SigmoidGradients, _OUTLIER_Y, fit_line,
                                  per_sample, sigmoid_output_gradients)
from widget_support import full_redraw, pixels, png


# ------------------------------------------------------------------ the loss explorer
@pytest.mark.parametrize("name, x, target, kwargs, loss, grad", [
    ("MSE", 1.0, 0.0, {}, 1.0, 2.0),
    ("MAE", -1.5, 0.5, {}, 2.0, -1.0),
    ("Huber", 3.0, 0.0, {"delta": 0.5}, 0.5 * (3 - 0.25), 0.5),
    ("BCE on a probability", 0.01, 1.0, {}, -math.log(0.01), -100.0),
    ("BCE on a logit", 0.0, 1.0, {}, math.log(2), -0.5),
    ("softmax CE, 3 classes", 0.0, 0.0, {}, math.log(3), 1 / 3 - 1),
    ("hinge", -2.0, 1.0, {}, 3.0, -1.0),
    ("focal", 0.9, 1.0, {"gamma": 2.0}, 0.01 * -math.log(0.9), None),
])
def test_are_the_plotted_values_nnlibs_loss_of_one_sample(name, x, target, kwargs, loss, grad):
    """Does per_sample give the loss and gradient of a single sample, by hand, for every loss shown?"""
    got_loss, got_grad = per_sample(name, [x], target, **kwargs)
    assert got_loss[0] == pytest.approx(loss, rel=1e-12)
    if grad is not None:
        assert got_grad[0] == pytest.approx(grad, rel=1e-12)


@pytest.mark.parametrize("name", list(LOSS_VIEWS))
def test_is_the_gradient_curve_the_slope_of_the_loss_curve(name):
    """Away from kinks, is the plotted gradient the finite-difference slope of the plotted loss?"""
    view = LOSS_VIEWS[name]
    target = {"hinge": 1.0}.get(name, view.targets[1] if view.targets[2] >= 1 else 0.3)
    x = np.linspace(*view.x_range, 57)[1:-1]
    h = 1e-6
    plus, _ = per_sample(name, x + h, target, delta=0.7, gamma=1.5)
    minus, _ = per_sample(name, x - h, target, delta=0.7, gamma=1.5)
    _, grad = per_sample(name, x, target, delta=0.7, gamma=1.5)
    kinks = {"MAE": [target], "Huber": [target - 0.7, target + 0.7], "hinge": [1.0]}.get(name, [])
    away = np.all([np.abs(x - k) > 1e-3 for k in kinks], axis=0) if kinks else np.ones_like(x, bool)
    np.testing.assert_allclose(grad[away], ((plus - minus) / (2 * h))[away], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", [n for n, v in LOSS_VIEWS.items() if v.key not in ("mse", "mae", "huber")])
def test_is_the_loss_largest_where_the_prediction_is_confidently_wrong(name):
    """For each classification loss: does the shaded zone hold the largest losses, and does the red point sit in it?"""
    w = LossExplorer(loss=name)
    view = LOSS_VIEWS[name]
    y = float(w.controls["target"].value)
    lo, hi = view.zone(y)
    inside = (w.x >= lo) & (w.x <= hi)
    assert inside.any() and w.loss[inside].min() >= w.loss[~inside].max() - 1e-12
    assert lo <= view.wrong(y) <= hi
    assert w.zones[0].get_visible()
    assert "Confidently wrong" in w.status.value


def test_does_the_red_point_cost_what_the_prose_says():
    """p = 0.01 on the true class costs -ln 0.01 = 4.605, as BCE, on a logit and in the 3-class softmax."""
    for name in ("BCE on a probability", "BCE on a logit", "softmax CE, 3 classes"):
        view = LOSS_VIEWS[name]
        (loss,), _ = per_sample(name, [view.wrong(1.0)], 1.0)
        assert loss == pytest.approx(-math.log(0.01), rel=1e-9), name
        assert "4.605" in LossExplorer(loss=name).status.value


@pytest.mark.parametrize("control, value", [("prediction", -2.0), ("target", 1.5), ("loss", "Huber"),
                                            ("loss", "focal")])
def test_does_every_explorer_control_redraw_the_figure(control, value):
    w = LossExplorer()
    before = png(w)
    w.controls[control].value = value
    assert png(w) != before


def test_do_delta_and_gamma_reshape_their_curves():
    """Does δ move Huber's kinks, and γ flatten the focal loss of well-classified samples?"""
    w = LossExplorer(loss="Huber", target=0.0)
    w.controls["delta"].value = 0.5
    assert w.grad.max() == pytest.approx(0.5) and w.grad.min() == pytest.approx(-0.5)
    w.controls["delta"].value = 2.0
    assert w.grad.max() == pytest.approx(2.0)
    f = LossExplorer(loss="focal", target=1.0)
    at_09 = int(np.argmin(np.abs(f.x - 0.9)))
    f.controls["gamma"].value = 0.0
    plain = f.loss[at_09]
    f.controls["gamma"].value = 2.0
    assert f.loss[at_09] == pytest.approx(plain * (1 - f.x[at_09]) ** 2, rel=1e-9)


@pytest.mark.parametrize("name, shown", [
    ("MSE", {"target", "prediction"}), ("Huber", {"target", "prediction", "delta"}),
    ("focal", {"target", "prediction", "gamma"}), ("softmax CE, 3 classes", {"prediction"}),
])
def test_are_only_the_controls_of_the_loss_shown(name, shown):
    """δ only for Huber, γ only for focal, no target for the 3-class softmax (its class is fixed)."""
    w = LossExplorer()
    w.controls["loss"].value = name
    visible = {k for k, c in w.controls.items() if k != "loss" and c.layout.display != "none" and not c.disabled}
    assert visible == shown


@pytest.mark.parametrize("name", list(LOSS_VIEWS))
def test_does_choosing_a_loss_put_its_sliders_in_its_own_ranges(name):
    """After switching, is the prediction inside the loss's range and the target one of its classes?"""
    w = LossExplorer(loss="MSE", target=1.7, prediction=2.9)
    w.controls["loss"].value = name
    view = LOSS_VIEWS[name]
    assert view.x_range[0] <= w.controls["prediction"].value <= view.x_range[1]
    lo, hi, step = view.targets
    assert lo <= w.controls["target"].value <= max(hi, lo + step) and w.controls["target"].step == step
    if view.key in ("binary_cross_entropy", "binary_cross_entropy_with_logits", "focal_loss"):
        assert w.controls["target"].value in (0.0, 1.0)
    if view.key == "hinge":
        assert w.controls["target"].value in (-1.0, 1.0)


def test_is_a_blitted_explorer_frame_identical_to_a_full_redraw():
    """After moves (the shaded zone, the zero line and the target line included), is the frame a full draw's?"""
    w = LossExplorer(loss="BCE on a logit")
    w.controls["prediction"].value = -3.0
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))
    w.controls["loss"].value = "MSE"
    w.controls["target"].value = 0.7
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))


def test_is_a_loss_revisited_drawn_from_its_kept_background_exactly():
    w = LossExplorer(loss="hinge")
    first = pixels(png(w))
    w.controls["loss"].value = "MAE"
    w.controls["loss"].value = "hinge"
    assert len(w._kept) >= 2
    np.testing.assert_array_equal(pixels(png(w)), first)


def test_is_an_unknown_loss_or_control_rejected():
    with pytest.raises(ValueError, match="loss must be one of"):
        LossExplorer(loss="cross entropy")
    with pytest.raises(ValueError, match="unknown controls"):
        LossExplorer(hide=("alpha",))
    assert LossExplorer(hide=("loss",)).controls["loss"] not in LossExplorer(hide=("loss",)).widget.children[0].children


# ------------------------------------------------------------------ the outlier
def test_are_the_fitted_lines_the_minimisers_of_their_losses():
    """Is nnlib's gradient of MSE and Huber zero at their lines, and does no nearby line have a smaller MAE?"""
    w = OutlierFit(outlier_x=8.0, outlier_y=15.0, delta=0.8)
    x, y = w._points(8.0, 15.0)
    A = np.column_stack([x, np.ones_like(x)])
    for name, grad_fn, kwargs in (("mse", L.mse_grad, {}), ("huber", L.huber_grad, {"delta": 0.8})):
        wb = w.lines[name]
        np.testing.assert_allclose(A.T @ grad_fn(A @ wb, y, **kwargs), 0.0, atol=1e-10)
    wb = w.lines["mae"]
    best = L.mae(A @ wb, y)
    rng = np.random.default_rng(0)
    for step in rng.normal(scale=[0.05, 0.3], size=(300, 2)):
        assert L.mae(A @ (wb + step), y) >= best - 1e-12


def test_does_least_squares_follow_the_outlier_while_mae_and_huber_hold():
    """Raising the outlier from 4.5 (on the line) to 16: MSE's slope moves most, MAE's least, Huber's in between."""
    w = OutlierFit(outlier_x=9.0, outlier_y=4.5)
    start = {name: wb[0] for name, wb in w.lines.items()}
    before = png(w)
    w.controls["outlier_y"].value = 16.0
    assert png(w) != before
    moved = {name: abs(wb[0] - start[name]) for name, wb in w.lines.items()}
    assert moved["mse"] > 4 * moved["huber"] and moved["huber"] >= moved["mae"]
    assert moved["mse"] > 0.3


def test_are_the_slope_curves_the_fits_at_every_height():
    """Is the right panel the slope fitted with the outlier at each height, linear for MSE, bounded for Huber?"""
    w = OutlierFit(outlier_x=9.0, delta=1.0)
    for k in (0, 20, 44):
        x, y = w._points(9.0, _OUTLIER_Y[k])
        for name in ("mse", "mae", "huber"):
            assert w.slopes[name][k] == pytest.approx(fit_line(x, y, name, 1.0)[0], abs=1e-12)
    second = np.diff(w.slopes["mse"], 2)
    np.testing.assert_allclose(second, 0.0, atol=1e-12)  # least squares is linear in one target
    spread = {name: np.ptp(w.slopes[name]) for name in ("mse", "mae", "huber")}
    assert spread["huber"] < 0.3 * spread["mse"] and spread["mae"] < 0.3 * spread["mse"]


def test_does_moving_the_outlier_sideways_redraw():
    w = OutlierFit()
    before = png(w)
    w.controls["outlier_x"].value = 2.0
    assert png(w) != before and w.outlier.get_offsets()[0][0] == 2.0


def test_is_a_blitted_outlier_frame_identical_to_a_full_redraw():
    w = OutlierFit()
    w.controls["outlier_y"].value = -4.0
    w.controls["delta"].value = 2.0
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))


def test_does_fit_line_reject_an_unknown_loss():
    with pytest.raises(ValueError, match="'mse', 'mae' or 'huber'"):
        fit_line([0.0, 1.0], [0.0, 1.0], "hinge")


# ------------------------------------------------------------------ the sigmoid output
def test_are_the_syllabus_numbers_at_z_minus_5():
    """At z = -5, y = 1: a = 0.00669, squared error passes -0.00660, cross-entropy -0.9933 (150 times as much)."""
    w = SigmoidGradients(z=-5.0, target=1)
    assert round(w.a, 5) == 0.00669
    assert round(w.d_squared, 5) == -0.00660
    assert round(w.d_ce, 4) == -0.9933
    assert round(w.d_ce / w.d_squared) == 150
    assert "150 times" in w.status.value


def test_are_the_two_gradients_the_derivatives_of_the_two_losses():
    """Are the curves the finite-difference derivatives of (sigmoid(z) - y)^2 / 2 and of BCE on the logit?"""
    z = np.linspace(-7.5, 7.5, 31)
    h = 1e-6
    for y in (0, 1):
        _, d_sq, d_ce = sigmoid_output_gradients(z, y)
        half_sq = lambda v: 0.5 * (sigmoid(v) - y) ** 2  # noqa: E731
        ce = lambda v: np.array([L.binary_cross_entropy_with_logits([t], [float(y)]) for t in v])  # noqa: E731
        np.testing.assert_allclose(d_sq, (half_sq(z + h) - half_sq(z - h)) / (2 * h), atol=1e-9)
        np.testing.assert_allclose(d_ce, (ce(z + h) - ce(z - h)) / (2 * h), atol=1e-8)


def test_does_the_squared_error_gradient_vanish_at_both_saturated_ends():
    """|dL/dz| under squared error is at most 0.15 everywhere and tiny when confidently wrong; CE's is near 1 there."""
    z = np.linspace(-8, 8, 1601)
    _, d_sq, d_ce = sigmoid_output_gradients(z, 1)
    assert np.abs(d_sq).max() < 0.15
    assert abs(d_sq[0]) < 1e-3 and abs(d_ce[0]) > 0.999


def test_does_every_sigmoid_control_redraw_and_match_a_full_redraw():
    w = SigmoidGradients()
    before = png(w)
    w.controls["z"].value = 2.0
    middle = png(w)
    w.controls["target"].value = 0
    assert len({before, middle, png(w)}) == 3
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))


# ------------------------------------------------------------------ grading mode, helpers
@pytest.mark.parametrize("helper", [loss_explorer, outlier_fit, sigmoid_gradients])
def test_do_the_widgets_draw_nothing_while_nbgrader_grades(helper, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    shown = helper()
    assert isinstance(shown, widgets.HTML) and "not drawn" in shown.value


@pytest.mark.parametrize("helper, cls", [(loss_explorer, LossExplorer), (outlier_fit, OutlierFit),
                                         (sigmoid_gradients, SigmoidGradients)])
def test_do_the_notebook_helpers_build_the_widgets(helper, cls):
    shown = helper()
    assert isinstance(shown, cls) and png(shown).startswith(b"\x89PNG")
    assert isinstance(shown.widget, widgets.VBox)


@pytest.mark.parametrize("name", list(LOSS_VIEWS))
def test_does_every_slider_fit_a_projector(name):
    """At 2.5 px per step a slider of more than 160 steps is wider than a lecture screen (probabilities once had 998)."""
    from nnlib.widgets._layout import slider_steps

    w = LossExplorer()
    w.controls["loss"].value = name
    for key in ("target", "prediction", "delta", "gamma"):
        assert slider_steps(w.controls[key]) <= 160, key
    lo, hi = LOSS_VIEWS[name].x_range
    assert lo <= w.controls["prediction"].min and w.controls["prediction"].max <= hi
