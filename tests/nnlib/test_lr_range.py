"""Tests for nnlib.lr_range: the rising learning rate, the smoothing, the stop, the restored model."""
import numpy as np
import pytest

from nnlib.data import load_digits, standardize
from nnlib.layers import Activation, Dense
from nnlib.lr_range import lr_range_test, lr_sweep
from nnlib.network import Sequential
from nnlib.optimizers import SGD
from nnlib.update_rules import ewma


def test_lr_sweep_is_geometric():
    """1e-4 .. 1 in 5 steps: 1e-4, 1e-3, 1e-2, 1e-1, 1 (each step the same factor)?"""
    np.testing.assert_allclose(lr_sweep(1e-4, 1.0, 5), [1e-4, 1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)
    lrs = lr_sweep(1e-5, 10.0, 100)
    ratios = lrs[1:] / lrs[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-12)
    assert lrs[0] == pytest.approx(1e-5) and lrs[-1] == pytest.approx(10.0)
    with pytest.raises(ValueError, match="need lr_min < lr_max"):
        lr_sweep(1.0, 0.1, 10)
    with pytest.raises(ValueError, match="n_steps must be an integer >= 2, got 1"):
        lr_sweep(1e-3, 1.0, 1)


def _quadratic_model():
    """One Dense unit without activation: a linear regression, whose loss is a quadratic in the weights."""
    return Sequential([Dense(1, 1, rng=0)])


def test_each_step_is_plain_sgd_at_that_steps_rate():
    """On a 1-D linear regression (full batch), is the run the hand loop w <- w - lr_t dL/dw with MSE?"""
    X = np.linspace(-1, 1, 8)[:, None]  # (8, 1)
    y = 3 * X + 0.5  # (8, 1)
    model = _quadratic_model()
    W0, b0 = model.parameters()["0.W"].copy(), model.parameters()["0.b"].copy()
    result = lr_range_test(model, "mse", X, y, lr_min=1e-3, lr_max=2.0, n_steps=30, batch_size=8, rng=0,
                           diverge=1e9)
    w, b = W0[0, 0], b0[0]
    lrs = lr_sweep(1e-3, 2.0, 30)
    hand = []
    for lr in lrs[:len(result.losses)]:
        pred = X[:, 0] * w + b
        r = pred - y[:, 0]
        hand.append(np.mean(r ** 2))
        w, b = w - lr * np.mean(2 * r * X[:, 0]), b - lr * np.mean(2 * r)
    np.testing.assert_allclose(result.losses, hand, rtol=1e-12)
    np.testing.assert_allclose(result.lrs, lrs[:len(result.losses)])
    # the smoothed curve is the bias-corrected EWMA of the losses
    np.testing.assert_allclose(result.smoothed, ewma(np.array(hand), 0.9), rtol=1e-12)
    assert result.lr_at_min == result.lrs[np.argmin(result.smoothed)]
    assert result.low == pytest.approx(result.high / 10) and result.high == result.lr_at_min
    # the weights are put back
    np.testing.assert_array_equal(model.parameters()["0.W"], W0)
    np.testing.assert_array_equal(model.parameters()["0.b"], b0)


def test_stops_when_the_loss_diverges():
    """Past lr = 1 (the quadratic's limit for MSE on x in [-1, 1]) the loss explodes: stopped early, kept finite?"""
    X = np.linspace(-1, 1, 8)[:, None]
    y = 3 * X + 0.5
    result = lr_range_test(_quadratic_model(), "mse", X, y, lr_min=1e-3, lr_max=100.0, n_steps=60, batch_size=8,
                           rng=0)
    assert result.stopped_early and len(result.losses) < 60
    assert result.smoothed[-1] > 4 * result.smoothed.min()
    # Gradient descent on this quadratic is stable for lr < 1: no loss grows before that; the stop comes after.
    below = result.lrs < 1.0
    assert np.all(np.diff(result.losses[below]) <= 0)
    assert result.lrs[-1] > 1.0 and result.lr_at_min < result.lrs[-1]
    assert len(result.lrs) == len(result.losses) == len(result.smoothed)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    X, _, _ = standardize(X)
    return X, y


def test_on_the_digits_the_range_is_where_the_loss_falls(digits):
    """A 64-32-10 ReLU net: loss flat at 1e-5, falling by 0.1, the bottom between 0.1 and 5, then diverging?"""
    X, y = digits
    model = Sequential([Dense(64, 32, rng=1), Activation("relu"), Dense(32, 10, rng=2)])
    before = {k: v.copy() for k, v in model.parameters().items()}
    r = lr_range_test(model, "softmax_cross_entropy", X, y, lr_min=1e-5, lr_max=10.0, n_steps=120,
                      batch_size=32, rng=0)
    assert r.stopped_early
    assert abs(r.smoothed[10] - r.smoothed[0]) < 0.1 * r.smoothed[0]  # too small a rate: nothing happens
    assert r.smoothed.min() < 0.5 * r.smoothed[0]
    assert 0.1 <= r.lr_at_min <= 5.0
    for k, v in model.parameters().items():
        np.testing.assert_array_equal(v, before[k])


def test_the_optimizer_passed_is_used():
    """With momentum the path differs from plain SGD's from the second step on?"""
    X = np.linspace(-1, 1, 8)[:, None]
    y = 3 * X + 0.5
    plain = lr_range_test(_quadratic_model(), "mse", X, y, 1e-3, 1e-1, n_steps=10, batch_size=8, rng=0)
    heavy = lr_range_test(_quadratic_model(), "mse", X, y, 1e-3, 1e-1, n_steps=10, batch_size=8, rng=0,
                          optimizer=SGD(lr=1e-3, momentum=0.9))
    # The first momentum step equals SGD's (PyTorch's buffer starts at g); the later ones go further.
    np.testing.assert_allclose(heavy.losses[:2], plain.losses[:2], rtol=1e-14)
    assert heavy.losses[3] < plain.losses[3] * (1 - 1e-3)


def test_bad_input_is_named():
    X = np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"X must be \(N, D\) with N >= 1 rows like y"):
        lr_range_test(_quadratic_model(), "mse", X, np.zeros((5, 1)))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        lr_range_test(_quadratic_model(), "mse", X, np.zeros((4, 1)), batch_size=0)
    with pytest.raises(ValueError, match="diverge must be > 1"):
        lr_range_test(_quadratic_model(), "mse", X, np.zeros((4, 1)), diverge=1.0)
