"""Tests for nnlib.gradcheck: the finite-difference gradient, the relative error, and check_layer
(including that it catches a broken backward pass)."""
import numpy as np
import pytest

from nnlib.gradcheck import check_layer, numerical_gradient, relative_error
from nnlib.layers import BatchNorm, Dense, Dropout


# --------------------------------------------------------- numerical_gradient
@pytest.mark.parametrize("seed", range(3))
def test_numerical_gradient_of_known_functions(seed):
    """Does it return 2x for sum(x^2) and cos(x) for sum(sin(x)), shaped like x?"""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 4))
    g = numerical_gradient(lambda v: np.sum(v**2), x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g, 2 * x, rtol=1e-8)
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(np.sin(v)), x), np.cos(x), rtol=1e-8, atol=1e-10)


def test_numerical_gradient_is_centred():
    """Is the estimate (f(x+h) - f(x-h)) / 2h, exact for a quadratic even with a large h (a one-sided one is not)?"""
    x = np.array([1.0])
    assert numerical_gradient(lambda v: v[0] ** 2, x, h=0.5)[0] == pytest.approx(2.0, abs=1e-12)
    assert numerical_gradient(lambda v: v[0] ** 3, x, h=0.1)[0] == pytest.approx(3.0 + 0.01, abs=1e-12)


def test_numerical_gradient_perturbs_in_place_and_restores_exactly():
    """Does f see the perturbation through the original array, and is x bit-for-bit unchanged afterwards?"""
    x = np.random.default_rng(0).normal(size=5)
    before = x.copy()
    seen = []

    def f(_):
        seen.append(x.copy())  # read the array itself, not the argument
        return np.sum(x * [1.0, 2.0, 3.0, 4.0, 5.0])

    np.testing.assert_allclose(numerical_gradient(f, x), [1, 2, 3, 4, 5], rtol=1e-9)
    np.testing.assert_array_equal(x, before)
    assert len(seen) == 10 and not np.array_equal(seen[0], before)


def test_numerical_gradient_rejects_what_it_cannot_perturb():
    """Are a list, an integer array and a non-positive h rejected with a message saying why?"""
    with pytest.raises(TypeError, match=r"floating-point NumPy array .* got list"):
        numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(TypeError, match=r"got ndarray of dtype int64"):
        numerical_gradient(np.sum, np.array([1, 2], dtype=np.int64))
    with pytest.raises(ValueError, match=r"h must be > 0, got 0"):
        numerical_gradient(np.sum, np.ones(2), h=0)


# ------------------------------------------------------------- relative_error
def test_relative_error_values():
    """Is it max |a - b| / max(1e-8, |a| + |b|): 0 when equal, 0.1/2.1 for 1 vs 1.1, the worst element wins?"""
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1)
    assert relative_error([1.0, 100.0], [1.1, 100.0]) == pytest.approx(0.1 / 2.1)
    assert relative_error([0.0], [1e-10]) == pytest.approx(1e-10 / 1e-8)  # the floor avoids 0 / 0
    assert type(relative_error(np.ones(3), np.ones(3))) is float


def test_relative_error_rejects_different_shapes():
    """Are arrays of different shapes refused instead of broadcast, naming both shapes?"""
    with pytest.raises(ValueError, match=r"a \(3,\) and b \(3, 1\)"):
        relative_error(np.ones(3), np.ones((3, 1)))


# ---------------------------------------------------------------- check_layer
def test_check_layer_reports_small_errors_for_a_correct_layer():
    """Does check_layer give an error per input and parameter, all below 1e-7, for Dense?"""
    errors = check_layer(Dense(4, 3, rng=0), np.random.default_rng(1).normal(size=(5, 4)))
    assert set(errors) == {"X", "W", "b"}
    assert all(isinstance(e, float) and e <= 1e-7 for e in errors.values())


class MissingTranspose(Dense):
    """A classic mistake: dX = dY @ W instead of dY @ W.T (shapes agree for a square W)."""

    def backward(self, dY):
        super().backward(dY)
        return dY @ self.params["W"]


class MeanBias(Dense):
    """Another classic: db averaged over the batch instead of summed."""

    def backward(self, dY):
        dX = super().backward(dY)
        self.grads["b"] -= dY.sum(axis=0) - dY.mean(axis=0)
        return dX


def test_check_layer_catches_broken_backward_passes():
    """Does check_layer flag a missing transpose in dX and a mean instead of a sum in db?"""
    X = np.random.default_rng(2).normal(size=(5, 3))
    errors = check_layer(MissingTranspose(3, 3, rng=0), X)
    assert errors["X"] > 1e-2 and errors["W"] <= 1e-7
    errors = check_layer(MeanBias(3, 3, rng=0), X)
    assert errors["b"] > 1e-2 and errors["X"] <= 1e-7


def test_check_layer_leaves_the_layer_untouched():
    """Are the layer's parameters, gradients and running statistics unchanged by check_layer?"""
    bn = BatchNorm(3)
    bn.grads["gamma"][:] = 7.0
    state = {k: v.copy() for k, v in (*bn.params.items(), *bn.running.items())}
    check_layer(bn, np.random.default_rng(3).normal(size=(4, 3)))
    for k, v in (*bn.params.items(), *bn.running.items()):
        np.testing.assert_array_equal(v, state[k])
    np.testing.assert_array_equal(bn.grads["gamma"], 7.0)


def test_check_layer_holds_the_dropout_mask_fixed():
    """With p = 0.5, does check_layer still agree (the mask is the same in every evaluation)?"""
    layer = Dropout(0.5, rng=4)
    errors = check_layer(layer, np.random.default_rng(5).normal(size=(6, 4)))
    assert errors["X"] <= 1e-7
    # the layer's own generator has not advanced: its next mask is the one it would have drawn anyway
    fresh = Dropout(0.5, rng=4)
    X = np.ones((6, 4))
    np.testing.assert_array_equal(layer.forward(X), fresh.forward(X))
