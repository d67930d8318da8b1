"""Tests for nnlib.layers: the layer protocol, gradients vs finite differences, accumulation, errors, reprs."""
import numpy as np
import pytest

from nnlib import functional as F
from nnlib.gradcheck import check_layer
from nnlib.init import INITIALIZERS
from nnlib.layers import Activation, BatchNorm, Dense, Dropout

TOL = 1e-7


def make_layers(rng, d):
    """One of each layer kind for input width d."""
    return [
        Dense(d, int(rng.integers(1, 6)), rng=rng),
        Activation("tanh"),
        Activation("softmax"),
        Activation("leaky_relu", alpha=0.2),
        Dropout(0.4, rng=int(rng.integers(1000))),
        BatchNorm(d),
    ]


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("seed", range(5))
def test_every_layer_passes_the_gradient_check(seed):
    """Do the backward passes of Dense, Activation, Dropout and BatchNorm match finite differences?"""
    rng = np.random.default_rng(seed)
    n, d = rng.integers(3, 6), rng.integers(1, 6)  # N >= 3: BatchNorm's dX is degenerate for N = 2
    X = rng.normal(size=(n, d))
    X = np.sign(X) * np.maximum(np.abs(X), 0.05)  # leaky_relu: stay off the kink
    for layer in make_layers(rng, d):
        errors = check_layer(layer, X, seed=seed)
        assert set(errors) == {"X", *layer.params}
        assert max(errors.values()) <= TOL, (layer, errors)


def test_batchnorm_in_test_mode_passes_the_gradient_check():
    """Is BatchNorm's backward right in test mode too (running statistics as constants)?"""
    rng = np.random.default_rng(0)
    bn = BatchNorm(3)
    bn.running["mean"][:] = rng.normal(size=3)
    bn.running["var"][:] = rng.uniform(0.5, 2, size=3)
    bn.params["gamma"][:] = rng.normal(size=3)
    errors = check_layer(bn, rng.normal(size=(4, 3)), training=False)
    assert max(errors.values()) <= TOL


# ------------------------------------------------------------------- Dense
def test_dense_initialises_from_nnlib_init_with_zero_bias():
    """Does Dense draw W from INITIALIZERS[init] with the given rng, with b = 0, and shapes (n_in, n_out), (n_out,)?"""
    layer = Dense(3, 4, init="xavier_uniform", rng=np.random.default_rng(5))
    np.testing.assert_array_equal(layer.params["W"], INITIALIZERS["xavier_uniform"](3, 4, np.random.default_rng(5)))
    np.testing.assert_array_equal(layer.params["b"], np.zeros(4))
    assert layer.params["W"].shape == (3, 4) and layer.params["b"].shape == (4,)
    assert layer.params["W"].dtype == np.float64


def test_dense_is_reproducible_with_a_seed():
    """Do two layers built with the same seed start with the same weights, and different seeds differ?"""
    assert np.array_equal(Dense(5, 3, rng=1).params["W"], Dense(5, 3, rng=1).params["W"])
    assert not np.array_equal(Dense(5, 3, rng=1).params["W"], Dense(5, 3, rng=2).params["W"])


def test_dense_forward_is_x_at_w_plus_b():
    """Is Dense.forward exactly X @ W + b?"""
    layer = Dense(3, 2, rng=0)
    layer.params["b"][:] = [0.5, -1.0]
    X = np.random.default_rng(1).normal(size=(4, 3))
    np.testing.assert_allclose(layer.forward(X), X @ layer.params["W"] + layer.params["b"])


def test_dense_float32():
    """Does Dense(dtype=float32) keep parameters, gradients and outputs in float32?"""
    layer = Dense(3, 2, rng=0, dtype=np.float32)
    Y = layer.forward(np.ones((4, 3), np.float32))
    dX = layer.backward(np.ones((4, 2), np.float32))
    assert Y.dtype == dX.dtype == np.float32
    assert all(a.dtype == np.float32 for a in [*layer.params.values(), *layer.grads.values()])


def test_dense_shape_error_message():
    """Does Dense(3, 4) given X of shape (5, 2) say exactly what it needed and what it got?"""
    with pytest.raises(ValueError) as info:
        Dense(3, 4, rng=0).forward(np.zeros((5, 2)))
    assert str(info.value) == "Dense(3, 4): X must have shape (N, 3), got (5, 2)"
    with pytest.raises(ValueError, match=r"Dense\(3, 4\): X must have shape \(N, 3\), got \(3,\)"):
        Dense(3, 4, rng=0).forward(np.zeros(3))


def test_dense_constructor_errors():
    """Are an unknown init name and non-positive sizes rejected, naming the value (and the choices)?"""
    with pytest.raises(ValueError, match=r"unknown init 'he'; choose one of: .*he_normal"):
        Dense(3, 4, init="he")
    with pytest.raises(ValueError, match=r"n_out must be a positive integer, got 0"):
        Dense(3, 0)
    with pytest.raises(ValueError, match=r"n_in must be a positive integer, got 2.5"):
        Dense(2.5, 3)


def test_dense_does_not_recompute_the_forward_pass(monkeypatch):
    """Does backward reuse the cache instead of calling dense_forward again?"""
    calls = []
    original = F.dense_forward
    monkeypatch.setattr(F, "dense_forward", lambda *a: calls.append(1) or original(*a))
    layer = Dense(3, 2, rng=0)
    layer.forward(np.ones((4, 3)))
    layer.backward(np.ones((4, 2)))
    assert len(calls) == 1


# ------------------------------------------------------- protocol, all layers
def all_layers():
    return [Dense(3, 3, rng=0), Activation("relu"), Dropout(0.5, rng=0), BatchNorm(3)]


@pytest.mark.parametrize("layer", all_layers(), ids=repr)
def test_backward_before_forward_raises(layer):
    """Does calling backward first raise a RuntimeError that says to run forward?"""
    with pytest.raises(RuntimeError, match=r"backward\(\) was called before forward\(\)"):
        layer.backward(np.ones((2, 3)))


@pytest.mark.parametrize("layer", all_layers(), ids=repr)
def test_grads_match_params_in_name_shape_and_dtype(layer):
    """Are grads preallocated with the same keys, shapes and dtypes as params (empty for parameter-free layers)?"""
    assert set(layer.grads) == set(layer.params)
    for name, p in layer.params.items():
        assert layer.grads[name].shape == p.shape and layer.grads[name].dtype == p.dtype
        assert not np.any(layer.grads[name])


@pytest.mark.parametrize("make", [lambda: Dense(3, 2, rng=0), lambda: BatchNorm(3)], ids=["Dense", "BatchNorm"])
def test_backward_accumulates_and_zero_grad_clears_in_place(make):
    """Do two backward passes add up (+=), and does zero_grad reset the same arrays to 0?"""
    layer = make()
    X = np.random.default_rng(0).normal(size=(4, 3))
    dY = np.random.default_rng(1).normal(size=layer.forward(X).shape)
    layer.backward(dY)
    once = {k: g.copy() for k, g in layer.grads.items()}
    arrays = {k: g for k, g in layer.grads.items()}
    layer.backward(dY)
    for k in once:
        assert np.any(once[k])
        np.testing.assert_allclose(layer.grads[k], 2 * once[k])
    layer.zero_grad()
    for k, g in layer.grads.items():
        assert g is arrays[k] and not np.any(g)


def test_dense_gradients_are_the_sums_over_the_batch():
    """After one backward, is grads["W"] = X.T @ dY and grads["b"] = sum of dY over the batch?"""
    layer = Dense(3, 2, rng=0)
    X, dY = np.arange(12.0).reshape(4, 3), np.ones((4, 2))
    layer.forward(X)
    dX = layer.backward(dY)
    np.testing.assert_allclose(layer.grads["W"], X.T @ dY)
    np.testing.assert_allclose(layer.grads["b"], [4.0, 4.0])
    np.testing.assert_allclose(dX, dY @ layer.params["W"].T)


# ------------------------------------------------------------ other layers
def test_activation_layer():
    """Does Activation apply its function, have no parameters, and reject unknown names?"""
    layer = Activation("relu")
    np.testing.assert_array_equal(layer.forward(np.array([[-1.0, 2.0]])), [[0.0, 2.0]])
    np.testing.assert_array_equal(layer.backward(np.array([[5.0, 5.0]])), [[0.0, 5.0]])
    assert layer.params == {} and layer.grads == {}
    with pytest.raises(ValueError, match=r"unknown activation 'rel'"):
        Activation("rel")


def test_dropout_layer_train_and_test_behaviour():
    """Does Dropout drop and rescale while training, do nothing at test time, and repeat with a seed?"""
    X = np.ones((50, 40))
    Y = Dropout(0.25, rng=3).forward(X, training=True)
    assert set(np.unique(Y)) == {0.0, 1 / 0.75}
    np.testing.assert_array_equal(Dropout(0.25, rng=3).forward(X, training=False), X)
    np.testing.assert_array_equal(Dropout(0.25, rng=3).forward(X), Y)
    layer = Dropout(0.25, rng=3)
    assert not np.array_equal(layer.forward(X), layer.forward(X))  # a new mask every call
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got 1.5"):
        Dropout(1.5)


def test_batchnorm_layer_running_statistics():
    """Does BatchNorm update its running stats while training, keep them at test time, and start at (0, 1)?"""
    bn = BatchNorm(2, momentum=0.5)
    np.testing.assert_array_equal(bn.running["mean"], [0, 0])
    np.testing.assert_array_equal(bn.running["var"], [1, 1])
    X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    bn.forward(X, training=True)
    np.testing.assert_allclose(bn.running["mean"], [1.5, 3.0])
    np.testing.assert_allclose(bn.running["var"], [0.5 + 2.0, 0.5 + 8.0])
    bn.forward(X, training=False)
    np.testing.assert_allclose(bn.running["mean"], [1.5, 3.0])
    with pytest.raises(ValueError, match=r"BatchNorm\(2\): X must have shape \(N, 2\), got \(3, 3\)"):
        bn.forward(np.zeros((3, 3)))


def test_reprs():
    """Do the layers describe themselves helpfully?"""
    assert repr(Dense(3, 4, rng=0)) == "Dense(3 -> 4, he_normal)"
    assert repr(Dense(3, 4, init="xavier_normal", rng=0)) == "Dense(3 -> 4, xavier_normal)"
    assert repr(Activation("relu")) == "Activation(relu)"
    assert repr(Activation("leaky_relu", alpha=0.1)) == "Activation(leaky_relu, alpha=0.1)"
    assert repr(Dropout(0.5)) == "Dropout(p=0.5)"
    assert repr(BatchNorm(4)) == "BatchNorm(4, momentum=0.1, eps=1e-05)"
