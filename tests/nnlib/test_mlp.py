"""Tests for nnlib.mlp: forward values and caches, gradients vs finite differences, errors."""
import warnings

import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Activation, Dense
from nnlib.mlp import ACTIVATION_NAMES, mlp_backward, mlp_forward, xor_params
from nnlib.network import Sequential

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)

# Smooth activations only: a finite difference across ReLU's kink is not a derivative.
SMOOTH = ["identity", "sigmoid", "tanh", "gelu", "softplus", "swish", "softsign", "elu"]


def random_network(rng, hidden_acts, last="identity"):
    """Random layer sizes and weights: returns X (N, D), params, activation names."""
    sizes = [int(n) for n in rng.integers(1, 6, size=len(hidden_acts) + 2)]
    N = int(rng.integers(1, 7))
    X = rng.normal(size=(N, sizes[0]))  # (N, D)
    params = [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(sizes[:-1], sizes[1:])]
    return X, params, list(hidden_acts) + [last]


# --------------------------------------------------------------------- forward
def test_xor_network_outputs_xor_with_the_hidden_values_of_the_chapter():
    """Does the hand-set ReLU network give hidden values (0,0),(1,0),(1,0),(2,1) and outputs 0,1,1,0?"""
    A, caches = mlp_forward(XOR_X, xor_params(), ["relu", "identity"])
    assert A.shape == (4, 1)
    np.testing.assert_array_equal(A.ravel(), [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(caches[0][2], [[0, 0], [1, 0], [1, 0], [2, 1]])
    np.testing.assert_array_equal(caches[0][1], [[0, -1], [1, 0], [1, 0], [2, 1]])


def test_forward_matches_a_hand_computation_layer_by_layer():
    """Is each cache (A_prev, Z, A) exactly the input, X W + b and f(X W + b) of its layer?"""
    rng = np.random.default_rng(0)
    X, params, acts = random_network(rng, ["tanh", "relu"], last="sigmoid")
    A_out, caches = mlp_forward(X, params, acts)
    funcs = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    A = X
    assert len(caches) == 3
    for (W, b), name, (A_prev, Z, A_l) in zip(params, acts, caches):
        np.testing.assert_allclose(A_prev, A, rtol=1e-14)
        np.testing.assert_allclose(Z, A @ W + b, rtol=1e-12)
        A = funcs[name](A @ W + b)
        np.testing.assert_allclose(A_l, A, rtol=1e-12)
    np.testing.assert_allclose(A_out, A, rtol=1e-12)
    assert A_out is caches[-1][2]


@pytest.mark.parametrize("seed", range(4))
def test_forward_agrees_with_sequential_of_dense_and_activation_layers(seed):
    """Do mlp_forward and a Sequential of Dense + Activation layers compute the same output?"""
    rng = np.random.default_rng(seed)
    hidden = list(rng.choice(["relu", "tanh", "sigmoid", "leaky_relu", "elu"], size=2))
    X, params, acts = random_network(rng, hidden, last="softmax")
    layers = []
    for (W, b), name in zip(params, acts):
        dense = Dense(*W.shape, rng=0)
        dense.params["W"][...] = W
        dense.params["b"][...] = b
        layers += [dense, Activation(name)]
    model = Sequential(layers)
    A_out, _ = mlp_forward(X, params, acts)
    np.testing.assert_allclose(A_out, model.forward(X), rtol=1e-13, atol=1e-15)

    dA = rng.normal(size=A_out.shape)
    model.zero_grad()
    model.backward(dA)
    grads = mlp_backward(dA, mlp_forward(X, params, acts)[1], params, acts)
    for i, (dW, db) in enumerate(grads):
        np.testing.assert_allclose(dW, model.layers[2 * i].grads["W"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(db, model.layers[2 * i].grads["b"], rtol=1e-12, atol=1e-14)


def test_forward_does_not_modify_its_inputs():
    """Are X and the parameters left untouched by a forward and a backward pass?"""
    rng = np.random.default_rng(1)
    X, params, acts = random_network(rng, ["relu"], last="softmax")
    X0, params0 = X.copy(), [(W.copy(), b.copy()) for W, b in params]
    A, caches = mlp_forward(X, params, acts)
    mlp_backward(np.ones_like(A), caches, params, acts)
    np.testing.assert_array_equal(X, X0)
    for (W, b), (W0, b0) in zip(params, params0):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_float32_network_stays_float32():
    """Does a float32 input with float32 parameters give float32 outputs, caches and gradients?"""
    rng = np.random.default_rng(2)
    X, params, acts = random_network(rng, ["tanh"], last="identity")
    X = X.astype(np.float32)
    params = [(W.astype(np.float32), b.astype(np.float32)) for W, b in params]
    A, caches = mlp_forward(X, params, acts)
    assert A.dtype == np.float32
    assert all(arr.dtype == np.float32 for cache in caches for arr in cache)
    grads = mlp_backward(np.ones_like(A), caches, params, acts)
    assert all(g.dtype == np.float32 for pair in grads for g in pair)


def test_softmax_output_rows_sum_to_one_even_for_huge_logits():
    """Is a softmax output layer finite, warning-free and normalised when the logits reach 1e4?"""
    X = np.array([[1.0, -1.0], [0.5, 2.0]])  # (2, 2)
    params = [(np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 1.0]]), np.zeros(3))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is harmless
            A, _ = mlp_forward(X, params, ["softmax"])
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-15)
    assert np.all(np.isfinite(A))


# -------------------------------------------------------------------- backward
def _loss_and_grad(rng, params, acts, X):
    """A random linear loss L = sum(G * A_out), so dL/dA_out = G exercises every output."""
    A, _ = mlp_forward(X, params, acts)
    G = rng.normal(size=A.shape)  # (N, n_out)
    return (lambda _x: float(np.sum(G * mlp_forward(X, params, acts)[0]))), G


@pytest.mark.parametrize("seed", range(6))
def test_gradients_match_finite_differences(seed):
    """Do mlp_backward's dW and db agree with centred differences to a relative error <= 1e-7?"""
    rng = np.random.default_rng(100 + seed)
    depth = int(rng.integers(0, 3))
    hidden = list(rng.choice(SMOOTH, size=depth))
    last = str(rng.choice(["identity", "sigmoid", "softmax"]))
    X, params, acts = random_network(rng, hidden, last=last)
    loss, G = _loss_and_grad(rng, params, acts, X)
    _, caches = mlp_forward(X, params, acts)
    grads = mlp_backward(G, caches, params, acts)
    assert len(grads) == len(params)
    for (W, b), (dW, db) in zip(params, grads):
        assert dW.shape == W.shape and db.shape == b.shape
        assert relative_error(dW, numerical_gradient(loss, W)) <= 1e-7
        assert relative_error(db, numerical_gradient(loss, b)) <= 1e-7


def test_relu_gradients_match_finite_differences_away_from_the_kink():
    """With every pre-activation at least 0.1 from 0, are ReLU network gradients right too?"""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(5, 3))  # (5, 3)
    params = [(rng.normal(size=(3, 4)), rng.normal(size=4)), (rng.normal(size=(4, 2)), rng.normal(size=2))]
    acts = ["relu", "identity"]
    _, caches = mlp_forward(X, params, acts)
    assert np.min(np.abs(caches[0][1])) > 0.02  # finite differences with h = 1e-5 stay on one side
    loss, G = _loss_and_grad(rng, params, acts, X)
    grads = mlp_backward(G, caches, params, acts)
    for (W, b), (dW, db) in zip(params, grads):
        assert relative_error(dW, numerical_gradient(loss, W)) <= 1e-7
        assert relative_error(db, numerical_gradient(loss, b)) <= 1e-7


def test_backward_of_the_xor_net_by_hand():
    """For L = sum of the outputs, is dW2 the column sums of the hidden values and db2 the batch size?"""
    params = xor_params()
    A, caches = mlp_forward(XOR_X, params, ["relu", "identity"])
    (dW1, db1), (dW2, db2) = mlp_backward(np.ones_like(A), caches, params, ["relu", "identity"])
    np.testing.assert_array_equal(dW2.ravel(), [4.0, 1.0])  # hidden columns (0,1,1,2) and (0,0,0,1)
    np.testing.assert_array_equal(db2, [4.0])
    # Hidden unit 2 is active only for (1, 1) (z = 1); unit 1 for the last three inputs.
    np.testing.assert_array_equal(db1, [3.0, -2.0])
    np.testing.assert_array_equal(dW1, [[2.0, -2.0], [2.0, -2.0]])


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "params, acts, X, message",
    [
        (xor_params(), ["relu"], XOR_X, "params has 2 layers but activations has 1 name;"),
        (xor_params(), ["relu", "bogus"], XOR_X, "layer 2 activation 'bogus' is unknown"),
        (xor_params(), "relu", XOR_X, "activations must be a list of names"),
        (xor_params(), ["relu", "identity"], XOR_X[:, :1], "X must have shape (N, 2)"),
        ([xor_params()[0], (np.ones((3, 1)), np.zeros(1))], ["relu", "identity"], XOR_X,
         "layer 2 W must have shape (2, n_out) because layer 1 has 2 outputs, got (3, 1)"),
        ([(np.ones((2, 2)), np.zeros(3))], ["relu"], XOR_X, "layer 1 b must have shape (2,)"),
        ([], [], XOR_X, "params is empty"),
        ([np.ones((3, 2))], ["relu"], XOR_X, "layer 1 of params must be a pair (W, b)"),
    ],
)
def test_bad_networks_get_a_clear_error(params, acts, X, message):
    """Does a mismatched network fail with a message naming the layer and the shapes?"""
    with pytest.raises((ValueError, TypeError)) as info:
        mlp_forward(X, params, acts)
    assert message in str(info.value)


def test_backward_rejects_wrong_caches_and_wrong_upstream_shape():
    """Does mlp_backward say so when caches or dA_out do not fit the network?"""
    params, acts = xor_params(), ["relu", "identity"]
    A, caches = mlp_forward(XOR_X, params, acts)
    with pytest.raises(ValueError, match="caches has 1 layer but params has 2 layers"):
        mlp_backward(np.ones_like(A), caches[:1], params, acts)
    with pytest.raises(ValueError, match=r"dA_out must have the shape of the network output \(4, 1\), got \(4, 2\)"):
        mlp_backward(np.ones((4, 2)), caches, params, acts)


def test_every_activation_name_is_accepted():
    """Can every name in ACTIVATION_NAMES be used as a layer's activation?"""
    X = np.linspace(-2, 2, 6).reshape(3, 2)  # (3, 2)
    for name in ACTIVATION_NAMES:
        A, caches = mlp_forward(X, [(np.eye(2), np.zeros(2))], [name])
        assert A.shape == (3, 2), name
        grads = mlp_backward(np.ones_like(A), caches, [(np.eye(2), np.zeros(2))], [name])
        assert grads[0][0].shape == (2, 2), name


def test_are_tuples_and_generators_accepted_for_the_layers():
    """Can params and activations be tuples or one-shot generators instead of lists?"""
    params = tuple(xor_params())
    A, caches = mlp_forward(XOR_X, (p for p in params), (name for name in ("relu", "identity")))
    np.testing.assert_array_equal(A.ravel(), [0, 1, 1, 0])
    grads = mlp_backward(np.ones_like(A), tuple(caches), params, iter(["relu", "identity"]))
    assert len(grads) == 2
