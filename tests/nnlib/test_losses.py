"""Tests for nnlib.losses: values, reductions, gradients vs finite differences, shortcuts, stability, errors,
and agreement with PyTorch (committed reference values, and live when torch is installed)."""
import importlib.util
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from nnlib import losses as L
from nnlib.activations import sigmoid, sigmoid_grad, softmax, softmax_backward
from nnlib.gradcheck import numerical_gradient, relative_error

ELEMENTWISE_LOSSES = ["mse", "mae", "huber", "binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge",
                      "focal_loss"]
CLASS_LOSSES = ["categorical_cross_entropy", "softmax_cross_entropy"]


def assert_gradient(name, y_pred, y_true, **kwargs):
    """loss_grad of LOSSES[name] agrees with centred differences of the loss (rel. error <= 1e-7)."""
    loss, loss_grad = L.LOSSES[name]
    numeric = numerical_gradient(lambda p: loss(p, y_true, **kwargs), y_pred)
    analytic = loss_grad(y_pred, y_true, **kwargs)
    assert analytic.shape == y_pred.shape
    err = relative_error(analytic, numeric)
    assert err <= 1e-7, f"{name}: relative error {err:.2e}"


def random_batch_shape(rng):
    """(N,) or (N, k) with small random sizes."""
    n = int(rng.integers(1, 7))
    return (n,) if rng.random() < 0.5 else (n, int(rng.integers(1, 4)))


def away_from_zero(rng, shape, low=0.1, high=2.0):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


# -------------------------------------------------------------------- table
def test_losses_table_pairs_each_loss_with_its_gradient():
    """Does LOSSES map every loss name to (loss, loss_grad) from this module?"""
    assert sorted(L.LOSSES) == sorted(ELEMENTWISE_LOSSES + CLASS_LOSSES)
    for name, (loss, grad) in L.LOSSES.items():
        assert loss is getattr(L, name) and grad is getattr(L, f"{name}_grad")
        assert loss.__doc__ and grad.__doc__


# -------------------------------------------------------------- known values
def test_regression_losses_known_values():
    """Do mse, mae and huber give the hand-computed numbers for residuals (1, -2) and (0.5, 3)?"""
    assert L.mse([1.0, 2.0], [0.0, 4.0]) == pytest.approx((1 + 4) / 2)
    assert L.mae([1.0, 2.0], [0.0, 4.0]) == pytest.approx((1 + 2) / 2)
    # |r| = 0.5 is quadratic (0.125), |r| = 3 is linear: 1 * (3 - 0.5) = 2.5
    assert L.huber([0.5, 3.0], [0.0, 0.0]) == pytest.approx((0.125 + 2.5) / 2)
    assert L.huber([0.5, 3.0], [0.0, 0.0], delta=2.0) == pytest.approx((0.125 + 2 * (3 - 1)) / 2)


def valid_inputs(name, dtype=np.float64):
    """A small valid (y_pred, y_true) pair for the loss ``name``."""
    p = np.array([[0.2, 0.8], [0.6, 0.4]], dtype=dtype)
    if name == "hinge":
        return p, np.array([[1.0, -1.0], [-1.0, 1.0]], dtype=dtype)
    # focal_loss takes hard or soft targets like binary_cross_entropy
    return p, np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)


@pytest.mark.parametrize("name", ELEMENTWISE_LOSSES + CLASS_LOSSES)
def test_losses_return_python_floats(name):
    """Does every loss return a plain float (not a 0-d array)?"""
    assert type(L.LOSSES[name][0](*valid_inputs(name))) is float


def test_binary_cross_entropy_known_values():
    """Is BCE(p=(0.9, 0.2), y=(1, 0)) = -(log 0.9 + log 0.8) / 2, and does a confident mistake cost most?"""
    assert L.binary_cross_entropy([0.9, 0.2], [1.0, 0.0]) == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2, rel=1e-12)
    assert L.binary_cross_entropy([0.01], [1.0]) > L.binary_cross_entropy([0.4], [1.0]) > L.binary_cross_entropy([0.99], [1.0])


def test_bce_with_logits_equals_bce_of_sigmoid():
    """Is BCE on logits the same number as BCE on sigmoid(logits)?"""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 2)) * 3
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    assert L.binary_cross_entropy_with_logits(z, y) == pytest.approx(L.binary_cross_entropy(sigmoid(z), y), rel=1e-12)


def test_class_losses_known_values():
    """Is CE of uniform logits log C, and do integer labels, one-hot rows and CE(softmax) agree?"""
    assert L.softmax_cross_entropy(np.zeros((1, 4)), np.array([2])) == pytest.approx(math.log(4))
    rng = np.random.default_rng(1)
    z = rng.normal(size=(5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    onehot = np.eye(3)[labels]
    by_labels = L.softmax_cross_entropy(z, labels)
    assert by_labels == pytest.approx(L.softmax_cross_entropy(z, onehot), rel=1e-12)
    assert by_labels == pytest.approx(L.categorical_cross_entropy(softmax(z), onehot), rel=1e-12)
    expected = -np.mean(np.log(softmax(z)[np.arange(5), labels]))
    assert by_labels == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, labels), L.softmax_cross_entropy_grad(z, onehot))


def test_hinge_known_values():
    """Is hinge(s=(2, 0.5, -1), y=(1, 1, 1)) = mean(0, 0.5, 2), and is a right answer with margin free?"""
    assert L.hinge([2.0, 0.5, -1.0], [1.0, 1.0, 1.0]) == pytest.approx(2.5 / 3)
    assert L.hinge([-3.0], [-1.0]) == 0.0


# ---------------------------------------------------------------- reductions
def test_elementwise_losses_average_over_all_elements():
    """Is an (N, k) elementwise loss divided by N * k, like torch's reduction='mean'?"""
    y_pred = np.arange(6.0).reshape(2, 3)
    y_true = np.zeros((2, 3))
    assert L.mse(y_pred, y_true) == pytest.approx(np.sum(y_pred**2) / 6)
    assert L.mae(y_pred, y_true) == pytest.approx(np.sum(y_pred) / 6)
    np.testing.assert_allclose(L.mse_grad(y_pred, y_true), 2 * y_pred / 6)


def test_class_losses_sum_over_classes_and_average_over_samples():
    """Is a class loss summed over the C classes and divided by N only?"""
    p = np.array([[0.5, 0.5, 0.0], [0.25, 0.25, 0.5]])
    y = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])  # first row a soft target
    expected = -(0.5 * math.log(0.5) * 2 + math.log(0.5)) / 2
    assert L.categorical_cross_entropy(p, y) == pytest.approx(expected)


def test_mse_without_the_half_and_the_notes_convention():
    """Is the notes' J = 1/2 (y - yhat)^2 equal to mse / 2, with dJ/dyhat = yhat - y (not y - yhat)?"""
    yhat, y = np.array([[0.7391]]), np.array([[1.0]])
    assert L.mse(yhat, y) / 2 == pytest.approx(0.5 * (1.0 - 0.7391) ** 2)
    np.testing.assert_allclose(L.mse_grad(yhat, y) / 2, yhat - y)


# ------------------------------------------------------------ gradient checks
SEEDS = range(6)


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_gradient(seed):
    """Is mse_grad the gradient of mse on random shapes?"""
    rng = np.random.default_rng(seed)
    shape = random_batch_shape(rng)
    y_true = rng.normal(size=shape)
    assert_gradient("mse", y_true + away_from_zero(rng, shape), y_true)


@pytest.mark.parametrize("seed", SEEDS)
def test_mae_gradient(seed):
    """Is mae_grad the gradient of mae away from its kink at y_pred = y_true?"""
    rng = np.random.default_rng(seed)
    shape = random_batch_shape(rng)
    y_true = rng.normal(size=shape)
    assert_gradient("mae", y_true + away_from_zero(rng, shape), y_true)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("delta", [1.0, 0.5, 2.0])
def test_huber_gradient(seed, delta):
    """Is huber_grad the gradient of huber in both the quadratic and the linear part?"""
    rng = np.random.default_rng(seed)
    shape = random_batch_shape(rng)
    y_true = rng.normal(size=shape)
    residual = away_from_zero(rng, shape, 0.05, 3 * delta)
    assert_gradient("huber", y_true + residual, y_true, delta=delta)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("soft", [False, True])
def test_binary_cross_entropy_gradient(seed, soft):
    """Is binary_cross_entropy_grad the gradient of BCE for hard and soft targets?"""
    rng = np.random.default_rng(seed)
    shape = random_batch_shape(rng)
    if soft:
        y_true = rng.uniform(0.1, 0.9, size=shape)
        # at least 0.1 from the target, towards 0.5, so p stays inside (0.1, 0.9)
        p = y_true + np.where(y_true < 0.5, 1.0, -1.0) * rng.uniform(0.1, 0.4, size=shape)
    else:
        y_true = rng.integers(0, 2, size=shape).astype(float)
        p = rng.uniform(0.02, 0.98, size=shape)
    assert_gradient("binary_cross_entropy", p, y_true)


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_cross_entropy_with_logits_gradient(seed):
    """Is the logits version's gradient (sigmoid(z) - y) / size the true gradient?"""
    rng = np.random.default_rng(seed)
    shape = random_batch_shape(rng)
    y_true = rng.integers(0, 2, size=shape).astype(float)
    # |z| <= 3 keeps sigmoid(z) - y away from 0, where a relative error means little
    assert_gradient("binary_cross_entropy_with_logits", away_from_zero(rng, shape, 0.0, 3.0), y_true)


@pytest.mark.parametrize("seed", SEEDS)
def test_hinge_gradient(seed):
    """Is hinge_grad the gradient of hinge away from the kink at y s = 1?"""
    rng = np.random.default_rng(seed)
    shape = random_batch_shape(rng)
    y_true = rng.choice([-1.0, 1.0], size=shape)
    margin = 1.0 + away_from_zero(rng, shape, 0.1, 1.5)  # y s, on either side of 1
    assert_gradient("hinge", margin * y_true, y_true)


@pytest.mark.parametrize("seed", SEEDS)
def test_categorical_cross_entropy_gradient(seed):
    """Is categorical_cross_entropy_grad the gradient of CE with respect to each probability?"""
    rng = np.random.default_rng(seed)
    n, c = rng.integers(1, 6), rng.integers(2, 5)
    # moderate logits keep every p above ~0.05: the centred difference's error grows like (h / p)^2
    p = softmax(0.5 * rng.normal(size=(n, c)))
    y_true = np.eye(c)[rng.integers(0, c, size=n)]
    assert_gradient("categorical_cross_entropy", p, y_true)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("targets", ["labels", "onehot", "soft"])
def test_softmax_cross_entropy_gradient(seed, targets):
    """Is softmax_cross_entropy_grad the gradient for integer labels, one-hot rows and smoothed (soft) targets?"""
    rng = np.random.default_rng(seed)
    n, c = rng.integers(1, 6), rng.integers(2, 5)
    z = rng.normal(size=(n, c))
    labels = rng.integers(0, c, size=n)
    smoothed = 0.9 * np.eye(c)[labels] + 0.1 / c  # label smoothing: soft rows that sum to 1
    y_true = {"labels": labels, "onehot": np.eye(c)[labels], "soft": smoothed}[targets]
    assert_gradient("softmax_cross_entropy", z, y_true)


# ------------------------------------------------------------------ shortcuts
def test_sigmoid_then_bce_shortcut_is_a_minus_y_over_n():
    """Does chaining BCE's gradient through the sigmoid give (a - y) / N, the logits version's gradient?"""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(8, 1))
    y = rng.integers(0, 2, size=(8, 1)).astype(float)
    a = sigmoid(z)
    chained = L.binary_cross_entropy_grad(a, y) * sigmoid_grad(z)
    np.testing.assert_allclose(chained, (a - y) / 8, rtol=1e-10)
    np.testing.assert_allclose(L.binary_cross_entropy_with_logits_grad(z, y), (a - y) / 8, rtol=1e-12)


def test_softmax_then_ce_shortcut_is_p_minus_y_over_n():
    """Does chaining CE's gradient through softmax give (p - y) / N, the logits version's gradient?"""
    rng = np.random.default_rng(4)
    z = rng.normal(size=(5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    p = softmax(z)
    chained = softmax_backward(L.categorical_cross_entropy_grad(p, y), p)
    np.testing.assert_allclose(chained, (p - y) / 5, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(z, y), (p - y) / 5, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ stability
def strict():
    return np.errstate(over="raise", invalid="raise", divide="raise")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logit_losses_are_exact_and_warning_free_at_1e4(dtype):
    """Are BCE-with-logits and softmax CE finite and exact for logits of +-1e4?"""
    z = np.array([[1e4], [-1e4], [1e4], [-1e4]], dtype=dtype)
    y = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=dtype)
    logits = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], dtype=dtype)
    with warnings.catch_warnings(), strict():
        warnings.simplefilter("error")
        assert L.binary_cross_entropy_with_logits(z, y) == pytest.approx((1e4 + 1e4 + 0 + 0) / 4)
        np.testing.assert_allclose(L.binary_cross_entropy_with_logits_grad(z, y), [[0.25], [-0.25], [0], [0]])
        assert L.softmax_cross_entropy(logits, np.array([2, 1])) == pytest.approx((2e4 + 0) / 2)
        assert np.all(np.isfinite(L.softmax_cross_entropy_grad(logits, np.array([2, 1]))))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_probability_losses_clip_instead_of_taking_log_zero(dtype):
    """Do BCE and categorical CE stay finite (about -log eps) for predictions of exactly 0 and 1?"""
    eps = max(L.EPS, float(np.finfo(dtype).eps))
    p = np.array([0.0, 1.0], dtype=dtype)
    y = np.array([1.0, 0.0], dtype=dtype)
    with warnings.catch_warnings(), strict():
        warnings.simplefilter("error")
        value = L.binary_cross_entropy(p, y)
        grad = L.binary_cross_entropy_grad(p, y)
        cce = L.categorical_cross_entropy(np.array([[0.0, 1.0]], dtype=dtype), np.array([[1.0, 0.0]], dtype=dtype))
    assert value == pytest.approx(-math.log(eps), rel=1e-3)
    assert cce == pytest.approx(-math.log(eps), rel=1e-3)
    assert np.all(np.isfinite(grad)) and grad[0] < 0 < grad[1]


@pytest.mark.parametrize("name", ELEMENTWISE_LOSSES + CLASS_LOSSES)
def test_gradients_keep_float32(name):
    """Does a float32 prediction get a float32 gradient?"""
    assert L.LOSSES[name][1](*valid_inputs(name, np.float32)).dtype == np.float32


# --------------------------------------------------------------------- errors
@pytest.mark.parametrize("name", ELEMENTWISE_LOSSES + ["categorical_cross_entropy"])
def test_mismatched_shapes_name_both_shapes(name):
    """Does (N, 1) against (N,) raise instead of silently broadcasting to (N, N), naming both shapes?"""
    loss, loss_grad = L.LOSSES[name]
    y_pred, y_true = np.full((4, 1), 0.5), np.ones(4)
    for fn in (loss, loss_grad):
        with pytest.raises(ValueError, match=r"y_pred \(4, 1\) and y_true \(4,\)"):
            fn(y_pred, y_true)


def test_hinge_rejects_zero_one_labels():
    """Does hinge say labels must be -1/+1 when given 0/1 labels?"""
    with pytest.raises(ValueError, match=r"-1 and \+1, got values \[0.0\]"):
        L.hinge([0.5, -0.5], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"-1 and \+1"):
        L.hinge_grad([0.5, -0.5], [0.0, 1.0])


def test_softmax_cross_entropy_rejects_bad_labels():
    """Are out-of-range labels, fractional labels and wrong shapes reported with the expected shape or range?"""
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"whole numbers in \[0, 3\], got \[0, 4\]"):
        L.softmax_cross_entropy(z, np.array([0, 4, 0]))
    with pytest.raises(ValueError, match=r"whole numbers"):
        L.softmax_cross_entropy(z, np.array([0.5, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"must have shape \(3,\) to match y_pred \(3, 4\), got \(2,\)"):
        L.softmax_cross_entropy(z, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"integer labels \(3,\) or one-hot \(3, 4\) like y_pred, got y_true \(3, 3\)"):
        L.softmax_cross_entropy(z, np.eye(3))
    with pytest.raises(ValueError, match=r"2-D logits \(N, C\), got shape \(4,\)"):
        L.softmax_cross_entropy(np.zeros(4), np.array([1]))


def test_huber_rejects_non_positive_delta_and_losses_reject_empty_batches():
    """Do huber(delta=0) and an empty batch raise clear errors?"""
    with pytest.raises(ValueError, match=r"delta must be > 0, got 0"):
        L.huber([1.0], [0.0], delta=0)
    with pytest.raises(ValueError, match=r"empty"):
        L.mse(np.zeros(0), np.zeros(0))


def test_losses_do_not_modify_their_inputs():
    """Are y_pred and y_true untouched after computing losses and gradients (clipping works on a copy)?"""
    p = np.array([[0.0, 1.0], [0.3, 0.7]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    p0, y0 = p.copy(), y.copy()
    for name in ["binary_cross_entropy", "categorical_cross_entropy", "mse", "softmax_cross_entropy"]:
        loss, grad = L.LOSSES[name]
        loss(p, y)
        grad(p, y)
    np.testing.assert_array_equal(p, p0)
    np.testing.assert_array_equal(y, y0)


# ------------------------------------------------------------------ focal loss
def test_focal_loss_known_values():
    """With gamma = 2, does p_t = 0.9 cost (0.1)^2 of its CE and p_t = 0.1 cost (0.9)^2 of its CE?"""
    assert L.focal_loss([0.9], [1.0]) == pytest.approx(0.01 * -math.log(0.9), rel=1e-12)
    assert L.focal_loss([0.1], [0.0]) == pytest.approx(0.01 * -math.log(0.9), rel=1e-12)  # p_t = 1 - p
    assert L.focal_loss([0.1], [1.0]) == pytest.approx(0.81 * -math.log(0.1), rel=1e-12)
    # alpha weighs class 1 by alpha, class 0 by 1 - alpha
    p, y = np.array([0.3, 0.8]), np.array([1.0, 0.0])
    both = L.focal_loss(p, y, gamma=1.0, alpha=0.25)
    assert both == pytest.approx((0.25 * 0.7 * -math.log(0.3) + 0.75 * 0.8 * -math.log(0.2)) / 2, rel=1e-12)


def test_focal_loss_with_gamma_zero_is_bce_and_with_alpha_class_weighted_bce():
    """Is gamma = 0 plain BCE, and gamma = 0 with alpha BCE whose samples are weighted alpha / (1 - alpha)?"""
    rng = np.random.default_rng(7)
    p = rng.uniform(0.05, 0.95, size=(6, 2))
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    assert L.focal_loss(p, y, gamma=0.0) == pytest.approx(L.binary_cross_entropy(p, y), rel=1e-12)
    np.testing.assert_allclose(L.focal_loss_grad(p, y, gamma=0.0), L.binary_cross_entropy_grad(p, y), rtol=1e-12)
    weights = np.where(y == 1, 0.8, 0.2)
    per_sample = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert L.focal_loss(p, y, gamma=0.0, alpha=0.8) == pytest.approx(np.mean(weights * per_sample), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("gamma, alpha", [(2.0, None), (0.5, 0.25), (0.0, 0.75), (1.0, None), (3.0, 0.5)])
def test_focal_loss_gradient(seed, gamma, alpha):
    """Is focal_loss_grad the gradient of focal_loss for several gammas and alphas?"""
    rng = np.random.default_rng(seed)
    shape = random_batch_shape(rng)
    y_true = rng.integers(0, 2, size=shape).astype(float)
    p = rng.uniform(0.05, 0.95, size=shape)
    assert_gradient("focal_loss", p, y_true, gamma=gamma, alpha=alpha)


def test_focal_loss_down_weights_easy_samples_most():
    """Does the focal factor cut an easy sample's loss far more than a hard one's (the point of the loss)?"""
    easy, hard = 0.95, 0.2  # p_t
    cut_easy = L.binary_cross_entropy([easy], [1.0]) / L.focal_loss([easy], [1.0])
    cut_hard = L.binary_cross_entropy([hard], [1.0]) / L.focal_loss([hard], [1.0])
    assert cut_easy == pytest.approx(1 / 0.05 ** 2) and cut_hard == pytest.approx(1 / 0.8 ** 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_focal_loss_clips_instead_of_taking_log_zero(dtype):
    """Are focal_loss and its gradient finite, without warnings, at p = 0 and 1, also for gamma < 1?"""
    p = np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    with warnings.catch_warnings(), strict():
        warnings.simplefilter("error")
        for gamma in (0.0, 0.5, 2.0):
            assert np.isfinite(L.focal_loss(p, y, gamma=gamma))
            grad = L.focal_loss_grad(p, y, gamma=gamma)
            assert np.all(np.isfinite(grad)) and grad.dtype == dtype
            assert grad[0] < 0 < grad[1]  # the confidently wrong samples are pushed the right way


def test_focal_loss_rejects_bad_gamma_and_alpha():
    """Do a negative gamma and an alpha outside [0, 1] raise, naming the value?"""
    with pytest.raises(ValueError, match=r"gamma must be >= 0, got -1"):
        L.focal_loss([0.5], [1.0], gamma=-1)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\] or None, got 1.5"):
        L.focal_loss_grad([0.5], [1.0], alpha=1.5)


# ------------------------------------------------------------------ PyTorch
TORCH_REFERENCE = Path(__file__).with_name("torch_reference")


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_losses", TORCH_REFERENCE / "make_losses.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_nnlib_matches(case):
    """nnlib's loss and gradient equal a torch case's value and gradient to 1e-10 (float64)."""
    loss, loss_grad = L.LOSSES[case["loss"]]
    y_pred, y_true = np.array(case["y_pred"], dtype=np.float64), np.array(case["y_true"])
    what = f"{case['loss']}{case['kwargs'] or ''} on y_pred of shape {y_pred.shape}"
    assert loss(y_pred, y_true, **case["kwargs"]) == pytest.approx(case["value"], rel=1e-10, abs=1e-12), what
    np.testing.assert_allclose(loss_grad(y_pred, y_true, **case["kwargs"]), np.array(case["grad"]),
                               rtol=1e-10, atol=1e-14, err_msg=what)


REFERENCE = json.loads((TORCH_REFERENCE / "losses.json").read_text())


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: f"{c['loss']}-{np.shape(c['y_pred'])}")
def test_matches_pytorch_reference_values(case):
    """Do nnlib's losses and gradients equal PyTorch's (torch.nn losses, autograd gradients) to 1e-10?"""
    _assert_nnlib_matches(case)


def test_reference_values_cover_every_loss_and_came_from_pytorch():
    """Does the committed reference hold a case for every loss in LOSSES, written by torch?"""
    assert {c["loss"] for c in REFERENCE["cases"]} == set(L.LOSSES)
    assert REFERENCE["torch_version"].split(".")[0] == "2"
    generator = _load_generator()
    assert len(generator.inputs()) == len(REFERENCE["cases"])
    for case, fixed in zip(REFERENCE["cases"], generator.inputs()):
        np.testing.assert_array_equal(case["y_pred"], fixed["y_pred"])  # the JSON holds the generator's inputs


def test_matches_pytorch_live():
    """With torch installed, do nnlib's losses equal what torch computes now (and the committed values)?"""
    pytest.importorskip("torch", reason="torch is not installed (CI installs only .[dev]); "
                                        "the committed reference values are tested instead")
    live = _load_generator().torch_cases()
    for case, committed in zip(live["cases"], REFERENCE["cases"]):
        _assert_nnlib_matches(case)
        assert case["value"] == pytest.approx(committed["value"], rel=1e-12, abs=1e-15)
