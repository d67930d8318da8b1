"""Every number stated in the prose of chapter 04 is recomputed here with nnlib.

The prose lives in ``solutions/04_losses/04_losses.ipynb``.  Each test quotes
the sentence it checks (so editing the prose without the test fails) and
recomputes the numbers with nnlib (nnlib.losses, the chapter's widgets, the
notebook's own demo code).  The last test keeps an inventory of the numerals
in the markdown: a new number in the prose fails it until someone adds a check
for it.
"""
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nnlib import losses as L
from nnlib.activations import sigmoid, sigmoid_grad, softmax
from nnlib.data import make_blobs
from prose_support import unaccounted

NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "04_losses" / "04_losses.ipynb"
NB = nbformat.read(NOTEBOOK, as_version=4)
SOURCES = {cell.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: cell.source
           for cell in NB.cells if "grade_id" in cell.metadata.get("nbgrader", {})}

Y = np.array([3.0, -0.5, 2.0, 7.0])  # the worked regression example
YHAT = np.array([2.5, 0.0, 2.0, 8.0])
Y_OUTLIER = np.array([3.0, -0.5, 2.0, 17.0])
BCE_Y = np.array([1.0, 0.0, 1.0, 0.0])
BCE_P = np.array([0.9, 0.2, 0.6, 0.4])


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
    assert f"{value:.{decimals}f}" == text, f"{value!r} does not round to {text}"


def shown_all(values, texts) -> None:
    for value, text in zip(np.ravel(values), texts):
        shown(float(value), text)


# ---------------------------------------------------------------- intro and section 1


def test_is_the_introduction_right():
    """Logits of 10^4 stay finite in nnlib's cross-entropies; the reduction divides an (N, k) output by N k."""
    says("md_intro", "finite even for logits of 10^4", "divided by N k", "chapter 3")
    z = np.array([[1e4, -1e4, 0.0]])
    assert np.isfinite(L.softmax_cross_entropy(z, np.array([1])))
    assert L.binary_cross_entropy_with_logits(np.array([1e4]), np.array([0.0])) == 1e4
    assert L.mse(np.ones((3, 2)), np.zeros((3, 2))) == pytest.approx(6 / (3 * 2))


def test_are_the_losses_zero_when_right_and_unbounded():
    """Range [0, inf): 0 for a perfect prediction, as large as you like for a bad one."""
    says("md_objective", "are 0 for a perfect prediction and have no upper bound: their range is [0, \\infty)",
         "## 1. One number to minimise", "\\sum_{n=1}^{N}")
    assert L.mse(YHAT, YHAT) == 0.0 and L.mse(np.array([1e6]), np.array([0.0])) == 1e12
    assert L.binary_cross_entropy_with_logits(np.array([1e6]), np.array([0.0])) == 1e6


# ---------------------------------------------------------------- 2. regression


def test_is_the_mse_worked_example_right():
    """Residuals (-0.5, 0.5, 0, 1), squares (0.25, 0.25, 0, 1), MSE 1.5 / 4 = 0.375, gradient (-0.25, 0.25, 0, 0.5)."""
    says("md_regression", "y = (3, -0.5, 2, 7)", "\\hat y = (2.5, 0, 2, 8)", "(-0.5, 0.5, 0, 1)",
         "(0.25, 0.25, 0, 1)", "1.5 / 4 = 0.375", "\\frac{2}{4}(-0.5, 0.5, 0, 1) = (-0.25, 0.25, 0, 0.5)",
         "a residual twice as large costs four times as much", "## 2. Regression")
    np.testing.assert_array_equal(YHAT - Y, [-0.5, 0.5, 0.0, 1.0])
    np.testing.assert_array_equal((YHAT - Y) ** 2, [0.25, 0.25, 0.0, 1.0])
    assert L.mse(YHAT, Y) == 1.5 / 4 == 0.375
    np.testing.assert_array_equal(L.mse_grad(YHAT, Y), [-0.25, 0.25, 0.0, 0.5])
    assert L.mse(np.array([2.0]), np.zeros(1)) == 4 * L.mse(np.array([1.0]), np.zeros(1))
    says("md_ex_mse", "The worked example gives 0.375")
    says("md_ex_mse_grad", "The worked example gives (-0.25, 0.25, 0, 0.5)")


def test_is_the_half_convention_tied_to_nnlibs_mse():
    """For one sample J = 1/2 (y - yhat)^2 = mse / 2 and dJ/dyhat = yhat - y = mse_grad / 2 (not y - yhat)."""
    says("md_regression", "J = \\frac{1}{2}(y - \\hat y)^2", "For one sample J is mse / 2 and its gradient mse_grad / 2",
         "the sign is wrong, it is a - y", "For an (N, k) batch, n = N k")
    yhat, y = np.array([0.7391]), np.array([1.0])
    assert L.mse(yhat, y) / 2 == pytest.approx(0.5 * (y[0] - yhat[0]) ** 2)
    np.testing.assert_allclose(L.mse_grad(yhat, y) / 2, yhat - y)
    h = 1e-6
    J = lambda a: 0.5 * (1.0 - a) ** 2  # noqa: E731
    assert (J(0.7391 + h) - J(0.7391 - h)) / (2 * h) == pytest.approx(0.7391 - 1.0)  # a - y, not y - a


def test_is_the_mse_the_gaussian_negative_log_likelihood():
    """-log prod p(y|x) = sum (y - f)^2 / (2 sigma^2) + n log(sigma sqrt(2 pi)) = n / (2 sigma^2) MSE + const."""
    says("md_mle", "\\varepsilon \\sim \\mathcal{N}(0, \\sigma^2)",
         "\\frac{1}{2\\sigma^2} \\sum_{i=1}^{n} \\big(y_i - f(x_i)\\big)^2 + n \\log\\big(\\sigma\\sqrt{2\\pi}\\big)",
         "n / (2\\sigma^2) times the MSE")
    rng = np.random.default_rng(0)
    f, y, sigma = rng.normal(size=6), rng.normal(size=6), 0.7
    density = np.exp(-(y - f) ** 2 / (2 * sigma ** 2)) / (sigma * math.sqrt(2 * math.pi))
    nll = -np.sum(np.log(density))
    n = len(y)
    assert nll == pytest.approx(n / (2 * sigma ** 2) * L.mse(f, y) + n * math.log(sigma * math.sqrt(2 * math.pi)))


def test_are_the_mae_numbers_right():
    """MAE (0.5 + 0.5 + 0 + 1) / 4 = 0.5, gradient (-0.25, 0.25, 0, 0.25), 0 at the kink."""
    says("md_mae_huber", "(0.5 + 0.5 + 0 + 1) / 4 = 0.5", "(-0.25, 0.25, 0, 0.25)", "takes 0 there")
    assert L.mae(YHAT, Y) == 0.5
    np.testing.assert_array_equal(L.mae_grad(YHAT, Y), [-0.25, 0.25, 0.0, 0.25])


def test_is_the_median_the_best_constant_under_the_mae():
    """For (1, 2, 3, 4, 100): the mean 22 minimises the MSE, the median 3 the MAE."""
    says("md_mae_huber", "(1, 2, 3, 4, 100) the mean is 22, far from all five, and the median is 3")
    y = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    assert np.mean(y) == 22 and np.median(y) == 3
    grid = np.linspace(0, 110, 110001)
    best_mse = grid[np.argmin([L.mse(np.full(5, c), y) for c in grid[::100]]) * 100]
    best_mae = grid[np.argmin([L.mae(np.full(5, c), y) for c in grid])]
    assert best_mse == pytest.approx(22, abs=0.1) and best_mae == pytest.approx(3, abs=1e-3)


def test_are_the_huber_numbers_right():
    """Huber(delta = 1) = 0.1875 = MSE / 2, gradient (-0.125, 0.125, 0, 0.25); with 17: 20.375 (x54), 2.5, 2.1875 (x12)."""
    says("md_mae_huber", "the Huber loss is half the MSE, 0.1875", "(-0.125, 0.125, 0, 0.25)",
         "17 instead of 7 (residual -9)", "the MSE jumps to 20.375, about 54 times its old value",
         "MAE to 2.5 and the Huber loss to 2.1875, about 12 times", "-4.5 under the MSE and only -0.25 under Huber")
    assert L.huber(YHAT, Y, delta=1.0) == 0.1875 == L.mse(YHAT, Y) / 2
    np.testing.assert_array_equal(L.huber_grad(YHAT, Y), [-0.125, 0.125, 0.0, 0.25])
    assert YHAT[3] - Y_OUTLIER[3] == -9
    assert (L.mse(YHAT, Y_OUTLIER), L.mae(YHAT, Y_OUTLIER), L.huber(YHAT, Y_OUTLIER)) == (20.375, 2.5, 2.1875)
    assert round(L.mse(YHAT, Y_OUTLIER) / L.mse(YHAT, Y)) == 54
    assert round(L.huber(YHAT, Y_OUTLIER) / L.huber(YHAT, Y)) == 12
    assert L.mse_grad(YHAT, Y_OUTLIER)[3] == -4.5 and L.huber_grad(YHAT, Y_OUTLIER)[3] == -0.25
    says("md_ex_huber", "The worked example gives 0.1875, and 2.1875 with the outlier", "delta=1.0")
    says("md_ex_huber_grad", "(-0.125, 0.125, 0, 0.25)", "the last entry stops at -\\delta / 4 = -0.25")


def test_is_smooth_l1_huber_over_beta():
    """PyTorch's SmoothL1Loss(beta) is 0.5 r^2 / beta for |r| < beta, else |r| - 0.5 beta: Huber(delta=beta) / beta."""
    says("md_mae_huber", "SmoothL1Loss(beta) is the Huber loss divided by beta")
    r = np.linspace(-3, 3, 61)
    for beta in (0.5, 1.0, 2.0):
        smooth_l1 = np.where(np.abs(r) < beta, 0.5 * r ** 2 / beta, np.abs(r) - 0.5 * beta)
        huber = np.array([L.huber(np.array([v]), np.zeros(1), delta=beta) for v in r])
        np.testing.assert_allclose(smooth_l1, huber / beta, atol=1e-12)


def barron(x, alpha, c=1.0):
    """Barron's general loss rho(x, alpha, c) (CVPR 2019), for alpha not 0 or 2."""
    u = (x / c) ** 2
    return abs(alpha - 2) / alpha * ((u / abs(alpha - 2) + 1) ** (alpha / 2) - 1)


def test_is_the_notes_adaptive_loss_undefined_at_zero_and_barrons_right():
    """The notes' p(0) = 0 gives 0^0 / 0; Barron's loss tends to x^2 / 2 at alpha -> 2 and is pseudo-Huber at alpha = 1."""
    says("md_mae_huber", "p = 2 - 2/(1 + (x/c)^2)", "Barron (2019)", "at x = 0 it gives p = 0 and 0^0 / 0",
         "\\alpha \\to 2 gives \\frac{1}{2}(x/c)^2", "\\alpha = 1 gives \\sqrt{(x/c)^2 + 1} - 1")
    assert 2 - 2 / (1 + 0.0 ** 2) == 0
    x = np.linspace(-4, 4, 17)
    np.testing.assert_allclose(barron(x, 2 - 1e-7), 0.5 * x ** 2, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(barron(x, 1.0), np.sqrt(x ** 2 + 1) - 1)
    # pseudo-Huber is smooth Huber: quadratic near 0, slope 1 far out, like huber(delta = 1)
    assert barron(1e-3, 1.0) == pytest.approx(L.huber(np.array([1e-3]), np.zeros(1)), rel=1e-5)
    assert (barron(1001.0, 1.0) - barron(1000.0, 1.0)) == pytest.approx(1.0, rel=1e-5)
    # smaller alpha: less weight to a large residual
    assert barron(10.0, 0.5) < barron(10.0, 1.0) < barron(10.0, 1.9)


def test_are_the_regression_widget_suggestions_right():
    """MSE's red dot 2.5 off costs 6.25 with slope 5; MAE's pull is 1 in size; Huber's slope stops at delta."""
    from nnlib.widgets.losses import LossExplorer, per_sample

    says("md_regression_widget", "The red dot, 2.5 from the target, costs 6.25 and pulls with slope 5",
         "the pull is 1 in size wherever the prediction is")
    w = LossExplorer(loss="MSE")
    assert w.controls["target"].value == 0.0 and "6.25" in w.status.value
    (loss,), (grad,) = per_sample("MSE", [2.5], 0.0)
    assert (loss, grad) == (6.25, 5.0)
    _, grads = per_sample("MAE", np.array([-2.0, -0.5, 0.5, 2.0]), 0.0)
    np.testing.assert_array_equal(grads, [-1.0, -1.0, 1.0, 1.0])
    _, grads = per_sample("Huber", np.linspace(-3, 3, 13), 0.0, delta=0.75)
    assert np.abs(grads).max() == 0.75


def test_are_the_outlier_widget_suggestions_right():
    """12 points near slope 0.5, 13 in all; the outlier from 14 to 4.5 to 16 swings least squares only; x = 5 cannot
    tilt it; delta = 3 moves Huber towards least squares, delta = 0.2 near the MAE line."""
    from nnlib.widgets.losses import OutlierFit, _inliers, fit_line

    says("md_outlier_widget", "Twelve points lie near a line of slope 0.5", "over all 13 points",
         "from 14 down to 4.5", "up to 16", "Move the outlier to x = 5", "Raise \\delta to 3",
         "At \\delta = 0.2 it is close to the MAE line")
    x_in, y_in = _inliers()
    assert len(x_in) == 12 and fit_line(x_in, y_in, "mse")[0] == pytest.approx(0.5, abs=0.05)
    w = OutlierFit()
    assert (w.controls["outlier_x"].value, w.controls["outlier_y"].value) == (9.0, 14.0)
    assert len(w._points(9.0, 14.0)[0]) == 13
    slopes = {oy: {n: fit_line(*w._points(9.0, oy), n, 1.0)[0] for n in ("mse", "mae", "huber")} for oy in (14, 4.5, 16)}
    swing = {n: max(s[n] for s in slopes.values()) - min(s[n] for s in slopes.values()) for n in ("mse", "mae", "huber")}
    assert swing["mse"] > 0.3 and swing["mae"] < 0.05 and swing["huber"] < 0.1
    assert np.ptp(OutlierFit(outlier_x=5.0).slopes["mse"]) < 1e-12  # the middle of the points: no tilt at all
    x, y = w._points(9.0, 14.0)
    mse, mae = fit_line(x, y, "mse")[0], fit_line(x, y, "mae")[0]
    hubers = [fit_line(x, y, "huber", d)[0] for d in (0.2, 1.0, 3.0)]
    assert abs(hubers[2] - mse) < abs(hubers[1] - mse) < abs(hubers[0] - mse)
    assert abs(hubers[0] - mae) < 0.1 * abs(mse - mae)


# ---------------------------------------------------------------- 3. binary cross-entropy


def test_is_the_bce_worked_example_right():
    """Per sample 0.1054, 0.2231, 0.5108, 0.5108, mean 0.3375; dL/dp = (-0.2778, 0.3125, -0.4167, 0.4167)."""
    says("md_bce", "y = (1, 0, 1, 0) and p = (0.9, 0.2, 0.6, 0.4)", "-\\ln 0.9 = 0.1054", "-\\ln 0.8 = 0.2231",
         "-\\ln 0.6 = 0.5108 and again 0.5108; the mean is 0.3375", "(-0.2778, 0.3125, -0.4167, 0.4167)",
         "## 3. Two classes")
    per_sample = [L.binary_cross_entropy(BCE_P[i:i + 1], BCE_Y[i:i + 1]) for i in range(4)]
    shown_all(per_sample, ["0.1054", "0.2231", "0.5108", "0.5108"])
    shown(-math.log(0.8), "0.2231")
    shown(L.binary_cross_entropy(BCE_P, BCE_Y), "0.3375")
    shown_all(L.binary_cross_entropy_grad(BCE_P, BCE_Y), ["-0.2778", "0.3125", "-0.4167", "0.4167"])
    says("md_ex_bce", "The worked example gives 0.3375")


def test_is_the_notes_form_the_same_loss():
    """(y - 1) log(1 - a) - y log a equals -(y log a + (1 - y) log(1 - a)) for every a and y."""
    says("md_bce", "(y - 1)\\log(1 - a) - y \\log a")
    a, y = np.linspace(0.01, 0.99, 9), np.linspace(0, 1, 9)
    notes = (y - 1) * np.log(1 - a) - y * np.log(a)
    np.testing.assert_allclose(notes, [L.binary_cross_entropy(a[i:i + 1], y[i:i + 1]) for i in range(9)])


def test_does_a_confident_mistake_cost_most():
    """-ln 0.99 = 0.0101, -ln 0.5 = 0.693, -ln 0.01 = 4.605; squared error at most 1 for a sample of class 1."""
    says("md_bce", "p = 0.99 costs -\\ln 0.99 = 0.0101", "p = 0.5 costs 0.693", "p = 0.01 costs 4.605",
         "could never charge more than 1")
    for p, text in ((0.99, "0.0101"), (0.5, "0.693"), (0.01, "4.605")):
        shown(L.binary_cross_entropy(np.array([p]), np.array([1.0])), text)
    assert L.mse(np.array([0.0]), np.array([1.0])) == 1.0


def test_are_the_clipping_facts_right():
    """float64 sigmoid exactly 0 below about -745 and exactly 1 from 37; -ln 1e-12 = 27.63 is the worst cost."""
    says("md_bce", "exactly 0 for z below about -745", "exactly 1 already from z = 37",
         "\\varepsilon = 10^{-12} (nnlib.losses.EPS)", "-\\ln 10^{-12} = 27.63")
    assert sigmoid(np.array([-746.0]))[0] == 0.0 < sigmoid(np.array([-745.0]))[0]
    assert sigmoid(np.array([37.0]))[0] == 1.0 > sigmoid(np.array([36.0]))[0]
    assert L.EPS == 1e-12
    shown(-math.log(1e-12), "27.63")
    shown(L.binary_cross_entropy(np.array([0.0]), np.array([1.0])), "27.63")
    says("md_ex_bce", "[10^{-12}, 1 - 10^{-12}]", "costs -\\ln 10^{-12} = 27.63")
    assert np.float32(1 - 1e-12) == np.float32(1.0)  # float32 cannot represent 1 - 1e-12


def test_are_the_classification_widget_suggestions_right():
    """Less than 0.1 on the true class is shaded; p = 0.01 costs 4.605 with gradient -100; the logit loss's slope is
    -1 for a confident mistake and |sigma(z) - y| <= 1; the 3-class softmax starts at ln 3 = 1.0986 for z0 = 0."""
    from nnlib.widgets.losses import LOSS_VIEWS, LossExplorer, per_sample

    says("md_classification_widget", "the true class getting less than 0.1", "the red dot at p = 0.01 costs 4.605",
         "the gradient there is -100", "almost a straight line of slope -1", "never exceeds 1 in size",
         "It starts at \\ln 3 = 1.0986 for z_0 = 0")
    w = LossExplorer(loss="BCE on a probability")
    assert w.controls["target"].value == 1.0 and LOSS_VIEWS["BCE on a probability"].zone(1.0) == (0.0, 0.1)
    (loss,), (grad,) = per_sample("BCE on a probability", [0.01], 1.0)
    shown(loss, "4.605")
    assert grad == pytest.approx(-100)
    losses, grads = per_sample("BCE on a logit", np.array([-8.0, -7.0]), 1.0)
    assert losses[0] - losses[1] == pytest.approx(1.0, abs=1e-3)
    _, grads = per_sample("BCE on a logit", np.linspace(-8, 8, 33), 1.0)
    assert np.abs(grads).max() <= 1
    (loss,), _ = per_sample("softmax CE, 3 classes", [0.0], 0.0)
    shown(loss, "1.0986")
    assert loss == pytest.approx(math.log(3))


def test_is_the_shortcut_a_minus_y():
    """dL/dz = (p - y) / 4 = (-0.025, 0.05, -0.1, 0.1) for the worked example, by nnlib's logit gradient."""
    says("md_shortcut", "(a - y) / N; in the worked example, (-0.025, 0.05, -0.1, 0.1)")
    z = np.log(BCE_P / (1 - BCE_P))
    np.testing.assert_allclose(L.binary_cross_entropy_with_logits_grad(z, BCE_Y), [-0.025, 0.05, -0.1, 0.1])
    chained = L.binary_cross_entropy_grad(BCE_P, BCE_Y) * sigmoid_grad(z)
    np.testing.assert_allclose(chained, (BCE_P - BCE_Y) / 4)


def test_are_the_squared_error_numbers_at_z_minus_5_right():
    """a = 0.00669, (a - y) a (1 - a) = -0.00660, a - y = -0.9933, ratio about 150; a(1 - a) <= 0.25; max 4/27 at a = 1/3."""
    says("md_shortcut", "a(1 - a) \\le 0.25", "z = -5 with y = 1, a = 0.00669", "(a - y)\\,a(1 - a) = -0.00660",
         "a - y = -0.9933", "about 150 times more", "never larger than 4/27 = 0.148 (at a = 1/3)",
         "chapter 6", "1/(1 + e^{z})", "1/(1 + e^{-z})")
    from nnlib.widgets.losses import sigmoid_output_gradients

    (a,), (d_sq,), (d_ce,) = sigmoid_output_gradients([-5.0], 1)
    shown(a, "0.00669")
    shown(d_sq, "-0.00660")
    shown(d_ce, "-0.9933")
    assert round(d_ce / d_sq, -1) == 150
    z = np.linspace(-10, 10, 200001)
    _, d_sq, _ = sigmoid_output_gradients(z, 1)
    assert sigmoid_grad(z).max() == pytest.approx(0.25)
    shown(np.abs(d_sq).max(), "0.148")
    assert np.abs(d_sq).max() == pytest.approx(4 / 27, rel=1e-8)
    assert sigmoid(z[np.argmax(np.abs(d_sq))]) == pytest.approx(1 / 3, abs=1e-4)


def test_are_the_sigmoid_widget_suggestions_right():
    """z from 8 to -8 with y = 1: CE's gradient grows towards -1, squared error's peaks at -0.148; y = 0, z = 5 mirrors."""
    from nnlib.widgets.losses import SigmoidGradients, sigmoid_output_gradients

    says("md_sigmoid_widget", "slide z from 8 down to -8", "grows towards -1", "peaks at -0.148",
         "Set y = 0 and z = 5")
    w = SigmoidGradients()
    assert (w.controls["z"].min, w.controls["z"].max) == (-8.0, 8.0)
    z = np.linspace(8, -8, 161)
    _, d_sq, d_ce = sigmoid_output_gradients(z, 1)
    assert np.all(np.diff(d_ce) < 0) and d_ce[-1] == pytest.approx(-1, abs=1e-3)
    shown(d_sq.min(), "-0.148")
    _, d_sq0, d_ce0 = sigmoid_output_gradients(-z, 0)
    np.testing.assert_allclose(d_ce0, -d_ce, atol=1e-15)
    np.testing.assert_allclose(d_sq0, -d_sq, atol=1e-15)


def race():
    """The notebook's demo: first step with more than half right, and the share right after 100 steps, per loss."""
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(2.0, 1.0, 50), rng.normal(-2.0, 1.0, 50)])  # (100,)
    y = np.concatenate([np.ones(50), np.zeros(50)])
    gradients = {"squared error": lambda z: L.mse_grad(sigmoid(z), y) / 2 * sigmoid_grad(z),
                 "cross-entropy": lambda z: L.binary_cross_entropy_with_logits_grad(z, y)}
    out = {"start": np.mean((-3.0 * x > 0) == (y == 1))}
    for name, gradient in gradients.items():
        w, b, first = -3.0, 0.0, None
        for step in range(1, 101):
            dz = gradient(w * x + b)
            w, b = w - np.sum(dz * x), b - np.sum(dz)
            right = np.mean((w * x + b > 0) == (y == 1))
            first = first or (step if right > 0.5 else None)
        out[name] = (first, right)
    return out


def test_is_the_race_described_right():
    """100 points, 2 % right at w = -3; CE more than half right after 2 steps, squared error after 72; 99 % after 100."""
    says("md_race", "100 points", "around x = 2", "around x = -2", "w = -3, b = 0", "only 2 % of the points",
         "\\eta = 1", "more than half of the points are right after 2 steps", "only after 72 steps",
         "Both reach 99 % after 100 steps")
    result = race()
    assert result["start"] == 0.02
    assert result["cross-entropy"] == (2, 0.99) and result["squared error"] == (72, 0.99)


def test_is_the_logit_form_right():
    """(1 - y) z + log(1 + e^-z) = max(z, 0) - z y + log(1 + e^-|z|) = BCE(sigmoid(z)); 10^4 costs 10^4, clipped 27.63."""
    says("md_logits", "(1 - y)\\,z + \\log(1 + e^{-z})", "\\log(1 + e^{-z}) = \\max(-z, 0) + \\log(1 + e^{-|z|})",
         "z = 10^4 for a sample of class 0 costs 10^4", "would say 27.63", "(\\sigma(z) - y) / N", "z = -10^4")
    z, y = np.linspace(-20, 20, 41), np.tile([0.0, 1.0, 0.3], 14)[:41]
    first = (1 - y) * z + np.log1p(np.exp(-z))
    stable = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    np.testing.assert_allclose(first, stable, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stable, [L.binary_cross_entropy(sigmoid(z[i:i + 1]), y[i:i + 1]) for i in range(41)],
                               rtol=1e-9, atol=1e-15)
    assert L.binary_cross_entropy_with_logits(np.array([1e4]), np.array([0.0])) == 1e4
    shown(L.binary_cross_entropy(sigmoid(np.array([1e4])), np.array([0.0])), "27.63")
    says("md_ex_bce_with_logits", "Logits of \\pm 10^4 must give the exact loss")


def test_is_the_written_answer_right():
    """The model answer's numbers: a = 0.0067, -0.0066 vs -0.99, about 150 times; a(1 - a) at most 0.25."""
    says("why_cross_entropy", "a = 0.0067", "\\approx -0.0066", "a - y \\approx -0.99", "about 150 times more",
         "at most 0.25", "1 point for both derivatives")
    says("md_written_intro", "(2 points, graded by hand)", "z = -5 with y = 1")
    a = float(sigmoid(np.array([-5.0]))[0])
    shown(a, "0.0067")
    shown((a - 1) * a * (1 - a), "-0.0066")
    shown(a - 1, "-0.99")


# ---------------------------------------------------------------- 4. softmax cross-entropy


def test_is_the_softmax_worked_example_right():
    """p = (0.659, 0.242, 0.099), logsumexp 2.4170, L = 0.4170; second row 2.6967; mean 1.5569."""
    says("md_softmax", "z = (2, 1, 0.1) with label 0 gives p = (0.659, 0.242, 0.099)",
         "\\operatorname{logsumexp}(z) = 2.4170 and L = 2.4170 - 2 = 0.4170", "z = (0.5, 2.5, 0) with label 2",
         "2.6967 - 0 = 2.6967 and the mean of the two is 1.5569", "## 4. Many classes")
    z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]])
    shown_all(softmax(z[:1]), ["0.659", "0.242", "0.099"])
    lse = np.log(np.sum(np.exp(z), axis=1))
    shown_all(lse, ["2.4170", "2.6967"])
    shown(L.softmax_cross_entropy(z[:1], np.array([0])), "0.4170")
    shown(L.softmax_cross_entropy(z[1:], np.array([2])), "2.6967")
    shown(L.softmax_cross_entropy(z, np.array([0, 2])), "1.5569")
    says("md_ex_softmax_cross_entropy", "The worked examples give 0.4170 and 1.5569", "(-800, 0, 0)")


def test_does_softmax_then_log_fail_where_log_sum_exp_does_not():
    """For z = (-800, 0, 0), label 0: softmax's p0 underflows to 0; log-sum-exp gives 800 + ln 2 = 800.69."""
    says("md_softmax", "z = (-800, 0, 0) with label 0", "underflows to 0", "800 + \\ln 2 = 800.69")
    z = np.array([[-800.0, 0.0, 0.0]])
    assert softmax(z)[0, 0] == 0.0
    shown(L.softmax_cross_entropy(z, np.array([0])), "800.69")
    assert L.softmax_cross_entropy(z, np.array([0])) == pytest.approx(800 + math.log(2), rel=1e-15)


def test_is_the_softmax_gradient_right():
    """(0.659 - 1, 0.242, 0.099) = (-0.341, 0.242, 0.099); batch of two, row 2 = (0.0556, 0.4107, -0.4663); rows sum to 0."""
    says("md_softmax_grad", "(0.659 - 1, 0.242, 0.099) = (-0.341, 0.242, 0.099)",
         "every row is divided by 2, and the second row becomes (0.0556, 0.4107, -0.4663)", "a target row sums to 1")
    z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]])
    shown_all(L.softmax_cross_entropy_grad(z[:1], np.array([0])), ["-0.341", "0.242", "0.099"])
    grad = L.softmax_cross_entropy_grad(z, np.array([0, 2]))
    shown_all(grad[1], ["0.0556", "0.4107", "-0.4663"])
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-15)
    np.testing.assert_allclose(L.softmax_cross_entropy(z + 3.0, np.array([0, 2])),
                               L.softmax_cross_entropy(z, np.array([0, 2])), rtol=1e-14)


def test_does_the_numerical_gradient_cell_point_to_chapter_3():
    """The paste cell names chapter 3's exercise 7 (numerical_gradient)."""
    says("md_numgrad", "03_backprop, Exercise 7", "chapter 3")
    chapter3 = nbformat.read(NOTEBOOK.parents[1] / "03_backprop" / "03_backprop.ipynb", as_version=4)
    headings = [c.source.splitlines()[0] for c in chapter3.cells if c.cell_type == "markdown"]
    assert "### Exercise 7 — `numerical_gradient` (2 points)" in headings


def test_is_the_training_demo_described_right():
    """300 points, noise 2.5, eta 0.1, 100 steps; loss from ln 3 = 1.0986 to 0.1757, 93 % right."""
    says("md_training", "three classes of 300 points", "noise 2.5", "\\eta = 0.1 for 100 steps",
         "probability 1/3 and the loss is \\ln 3 = 1.0986", "after 100 steps it is 0.1757, with 93 % of the points")
    X, y = make_blobs(300, noise=2.5, rng=0)
    W, b = np.zeros((2, 3)), np.zeros(3)
    for step in range(101):
        Z = X @ W + b
        if step in (0, 100):
            loss, right = L.softmax_cross_entropy(Z, y), np.mean(np.argmax(Z, axis=1) == y)
        dZ = L.softmax_cross_entropy_grad(Z, y)
        W, b = W - 0.1 * X.T @ dZ, b - 0.1 * dZ.sum(axis=0)
        if step == 0:
            shown(loss, "1.0986")
    shown(loss, "0.1757")
    assert round(right * 100) == 93


def test_are_the_multilabel_numbers_right():
    """Softmax of (2, -1, 0.5) = (0.786, 0.039, 0.175); sigmoids (0.881, 0.269, 0.622), summing to 1.772."""
    says("md_multilabel", "z = (2, -1, 0.5)", "(0.786, 0.039, 0.175)", "(0.881, 0.269, 0.622)", "(together 1.772)",
         "a 3 or a 7")
    z = np.array([[2.0, -1.0, 0.5]])
    shown_all(softmax(z), ["0.786", "0.039", "0.175"])
    shown_all(sigmoid(z), ["0.881", "0.269", "0.622"])
    shown(sigmoid(z).sum(), "1.772")
    assert softmax(z).sum() == pytest.approx(1)


# ---------------------------------------------------------------- 5. hinge


def test_is_the_hinge_worked_example_right():
    """s = (2, 0.5, -1), y = +1: margins (2, 0.5, -1), losses (0, 0.5, 2), mean 0.8333; y' = 2y - 1."""
    says("md_hinge", "s = (2, 0.5, -1)", "margins (2, 0.5, -1) and losses (0, 0.5, 2), mean 0.8333", "y' = 2y - 1",
         "## 5. The hinge loss", "0 < y s < 1")
    s, y = np.array([2.0, 0.5, -1.0]), np.ones(3)
    assert [L.hinge(s[i:i + 1], y[i:i + 1]) for i in range(3)] == [0.0, 0.5, 2.0]
    shown(L.hinge(s, y), "0.8333")
    np.testing.assert_array_equal(2 * np.array([0.0, 1.0]) - 1, [-1.0, 1.0])
    np.testing.assert_array_equal(L.hinge_grad(np.array([1.0, 0.5]), np.ones(2)), [0.0, -0.5])  # 0 at the kink
    says("md_ex_hinge", "The worked example gives 0.8333")


def test_is_the_multiclass_hinge_example_right():
    """Weston-Watkins on scores (3.2, 5.1, -1.7), true class 0: max(0, 2.9) + max(0, -3.9) = 2.9."""
    says("md_hinge", "scores (3.2, 5.1, -1.7) with true class 0 it is 2.9 + 0 = 2.9", "CS231n")
    s, k = np.array([3.2, 5.1, -1.7]), 0
    terms = np.maximum(0, np.delete(s, k) - s[k] + 1)
    shown_all(terms, ["2.9", "0.0"])
    shown(terms.sum(), "2.9")


# ---------------------------------------------------------------- 6. class imbalance


def test_are_the_focal_numbers_right():
    """gamma = 2: p_t = 0.9: CE 0.1054 -> FL 0.00105 (a hundredth); p_t = 0.1: 2.303 -> 1.865 (0.81 of it)."""
    says("md_imbalance", "\\gamma = 2, p_t = 0.9 costs 0.00105 instead of the cross-entropy's 0.1054, a hundredth",
         "p_t = 0.1 costs 1.865 instead of 2.303, 0.81 of it", "\\gamma = 0 gives the cross-entropy back",
         "(Lin et al., 2017)", "## 6. Rare classes", "99 % of the samples are of class 0", "is 99 % right")
    one = np.array([1.0])
    shown(L.focal_loss(np.array([0.9]), one), "0.00105")
    shown(L.binary_cross_entropy(np.array([0.9]), one), "0.1054")
    shown(L.focal_loss(np.array([0.1]), one), "1.865")
    shown(L.binary_cross_entropy(np.array([0.1]), one), "2.303")
    assert L.focal_loss(np.array([0.9]), one) / L.binary_cross_entropy(np.array([0.9]), one) == pytest.approx(0.01)
    assert L.focal_loss(np.array([0.1]), one) / L.binary_cross_entropy(np.array([0.1]), one) == pytest.approx(0.81)
    assert L.focal_loss(np.array([0.3]), one, gamma=0) == L.binary_cross_entropy(np.array([0.3]), one)
    y, p = np.zeros(100), np.full(100, 0.2)
    y[:1] = 1
    assert np.mean((p > 0.5) == (y == 1)) == 0.99  # predicting 0 everywhere: 99 % right


def test_is_the_class_weighted_bce_focal_with_gamma_zero():
    """focal_loss(p, y, gamma=0, alpha=a) weighs class 1 by a and class 0 by 1 - a."""
    says("md_imbalance", "focal_loss(p, y, gamma=0, alpha=a) is the binary cross-entropy with weight a for class 1 "
                         "and 1 - a for class 0")
    p, y = np.array([0.3, 0.8, 0.6]), np.array([1.0, 0.0, 1.0])
    per = [L.binary_cross_entropy(p[i:i + 1], y[i:i + 1]) for i in range(3)]
    assert L.focal_loss(p, y, gamma=0, alpha=0.9) == pytest.approx(np.mean(np.array([0.9, 0.1, 0.9]) * per))


def test_is_the_imbalance_demo_described_right():
    """990 easy samples (p = 0.05), 10 hard ones (p = 0.3): the rare class's share 19 % under CE, 98 % under focal."""
    says("md_imbalance", "990 easy samples of class 0 (p = 0.05) and 10 hard ones of class 1 (p = 0.3)",
         "the 10 rare samples make up 19 % of the total loss", "under the focal loss with \\gamma = 2, 98 %")
    shares = []
    for loss in (L.binary_cross_entropy, lambda p, t: L.focal_loss(p, t, gamma=2.0)):
        common = 990 * loss(np.full(990, 0.05), np.zeros(990))
        rare = 10 * loss(np.full(10, 0.3), np.ones(10))
        shares.append(round(100 * rare / (common + rare)))
    assert shares == [19, 98]


# ---------------------------------------------------------------- 7. the table, recap


def test_does_the_table_name_nnlib_functions_that_exist():
    """Every function the table and the exercises name is in nnlib.losses; the table has the task rows of the notes."""
    says("md_choosing", "## 7. Which loss for which task", "| multi-class | softmax over C units |", "(chapter 5)")
    names = set(re.findall(r"`(\w+)`", SOURCES["md_choosing"]))
    assert names == {"mse", "huber", "mae", "binary_cross_entropy_with_logits", "softmax_cross_entropy", "hinge"}
    for name in names:
        assert callable(getattr(L, name))


def test_does_the_recap_repeat_the_chapters_formulas():
    says("md_recap", "1/(N k)", "2(\\hat y - y)/n", "[10^{-12}, 1 - 10^{-12}]", "(a - y)\\,a(1 - a)",
         "\\max(0, 1 - y s) with labels \\pm 1")


# ---------------------------------------------------------------- the inventory

INVENTORY = {
    "0": "zeros in examples, targets, gradients, kinks (regression, hinge, softmax, widget tests)",
    "0.00105": "focal loss at p_t = 0.9 (focal test)", "0.00660": "squared error's gradient at z = -5 (shortcut test)",
    "0.0066": "the same, in the written answer (written answer test)",
    "0.00669": "sigmoid(-5) (shortcut test)", "0.0067": "sigmoid(-5), written answer (written answer test)",
    "0.01": "p = 0.01 (confident mistake, widget tests)", "0.0101": "-ln 0.99 (confident mistake test)",
    "0.025": "shortcut gradient (shortcut test)", "0.039": "softmax of (2, -1, 0.5) (multi-label test)",
    "0.05": "shortcut gradient, easy p (shortcut, imbalance tests)", "0.0556": "softmax gradient row 2",
    "0.099": "softmax p and gradient (softmax tests)", "0.1": "z = (2, 1, 0.1), shortcut, p_t, zone (various tests)",
    "0.1054": "-ln 0.9 (BCE, focal tests)", "0.125": "Huber gradient (Huber test)",
    "0.148": "4/27, the peak of squared error's gradient (shortcut, widget tests)",
    "0.175": "softmax of (2, -1, 0.5) (multi-label test)", "0.1757": "loss after 100 steps (training test)",
    "0.1875": "Huber of the worked example (Huber test)", "0.2": "p = 0.2, delta = 0.2 (BCE, outlier tests)",
    "0.2231": "-ln 0.8 (BCE test)", "0.242": "softmax p and gradient (softmax tests)",
    "0.25": "gradients, sigmoid slope bound (regression, shortcut, written tests)",
    "0.269": "sigmoid(-1) (multi-label test)", "0.2778": "BCE gradient (BCE test)",
    "0.3": "hard p = 0.3 (imbalance test)", "0.3125": "BCE gradient (BCE test)", "0.3375": "BCE mean (BCE test)",
    "0.341": "softmax gradient (softmax gradient test)", "0.375": "MSE of the worked example (MSE test)",
    "0.4": "p = 0.4 (BCE test)", "0.4107": "softmax gradient row 2", "0.4167": "BCE gradient (BCE test)",
    "0.4170": "softmax CE (softmax test)", "0.4663": "softmax gradient row 2",
    "0.5": "residuals, MAE, hinge, slope 0.5, logits (regression, outlier, hinge, multi-label tests)",
    "0.5108": "-ln 0.6 (BCE test)", "0.6": "p = 0.6 (BCE test)", "0.622": "sigmoid(0.5) (multi-label test)",
    "0.659": "softmax p (softmax tests)", "0.693": "-ln 0.5 (confident mistake test)",
    "0.786": "softmax of (2, -1, 0.5) (multi-label test)", "0.8": "-ln 0.8 (BCE test)",
    "0.81": "(1 - 0.1)^2 (focal test)", "0.8333": "hinge mean (hinge test)", "0.881": "sigmoid(2) (multi-label test)",
    "0.9": "p = 0.9, p_t = 0.9 (BCE, focal tests)", "0.99": "p = 0.99, a - y (confident mistake, written tests)",
    "0.9933": "CE's gradient at z = -5 (shortcut test)", "1.0": "delta=1.0, the default (Huber test)",
    "1": "targets, classes, slopes, powers, 1/N (various tests)", "1.0986": "ln 3 (widget, training tests)",
    "1.5": "1.5 / 4 (MSE test)", "1.5569": "softmax CE of the batch (softmax test)",
    "1.7": "multiclass hinge scores (multiclass hinge test)", "1.772": "sum of the sigmoids (multi-label test)",
    "1.865": "focal loss at p_t = 0.1 (focal test)",
    "2": "targets, factors 2, classes, points, sections, steps (various tests)",
    "2.1875": "Huber with the outlier (Huber test)", "2.303": "-ln 0.1 (focal test)",
    "2.4170": "logsumexp (softmax test)", "2.5": "predictions, MAE, red dot, noise (regression, widget, training tests)",
    "2.6967": "second row's loss (softmax test)", "2.9": "multiclass hinge (multiclass hinge test)",
    "3": "targets, chapter 3, ln 3, classes, 3 or 7, delta = 3 (various tests)",
    "03": "the chapter name 03_backprop (numerical gradient test)", "3.2": "multiclass hinge scores",
    "4": "10^4, 1.5 / 4, 4/27, delta / 4, section 4 (various tests)", "4.5": "outlier height, MSE gradient -4.5",
    "4.605": "-ln 0.01 (confident mistake, widget tests)", "5": "z = -5, x = 5, slope 5, section 5, chapter 5",
    "5.1": "multiclass hinge scores", "6": "chapter 6, section 6 (shortcut, imbalance tests)",
    "6.25": "the MSE red dot (widget test)", "7": "target 7, exercise 7, a 3 or a 7, section 7",
    "8": "z from 8, prediction 8 (regression, widget tests), exercise 8",
    "9": "residual -9 (Huber test), exercise 9", "10": "10 rare samples, 10^4 (imbalance, logit tests)",
    "12": "10^{-12}, about 12 times, twelve (clipping, Huber tests)", "13": "13 points (outlier test)",
    "14": "outlier height (outlier test)", "16": "outlier height (outlier test)",
    "17": "the outlier target (Huber test)", "19": "the rare class's share under CE (imbalance test)",
    "20.375": "MSE with the outlier (Huber test)", "22": "the mean of (1, 2, 3, 4, 100) (median test)",
    "27": "4/27 (shortcut test)", "27.63": "-ln 1e-12 (clipping, logit tests)", "37": "sigmoid = 1 from z = 37",
    "54": "MSE ratio (Huber test)", "72": "squared error's steps (race test)", "93": "training accuracy",
    "98": "the rare class's share under focal (imbalance test)", "99": "99 % (race, imbalance tests)",
    "100": "100 points, 100 steps, -100, 100 in the targets (race, widget, training, median tests)",
    "150": "CE / squared error at z = -5 (shortcut, written tests)", "231": "the course name CS231n",
    "300": "training points (training test)", "745": "sigmoid = 0 below about -745 (clipping test)",
    "800": "z = (-800, 0, 0) (softmax test)", "800.69": "800 + ln 2 (softmax test)",
    "990": "the common samples (imbalance test)", "2017": "Lin et al. 2017 (focal test)",
    "2019": "Barron 2019 (Barron test)",
}


def test_is_every_number_in_the_prose_accounted_for():
    """Does the markdown contain exactly the numerals of the inventory above?"""
    assert unaccounted(NB, INVENTORY) == ""
