"""Tests for nnlib.functional: each forward/backward pair vs finite differences, the 2-2-1 worked example,
dropout and batch-norm behaviour, and the error messages."""
import numpy as np
import pytest

from nnlib import functional as F
from nnlib import losses
from nnlib.activations import ACTIVATIONS
from nnlib.gradcheck import numerical_gradient, relative_error

TOL = 1e-7


def assert_digits(value, expected: str):
    """``value`` rounds to ``expected`` at the number of decimals written (half a unit in the last place)."""
    decimals = len(expected.split(".")[1])
    assert abs(float(value) - float(expected)) <= 0.5 * 10.0**-decimals, f"{value} does not round to {expected}"


# ---------------------------------------------------------------------- dense
def test_dense_forward_known_values():
    """Is Z = X @ W + b with W of shape (n_in, n_out)?"""
    X = np.array([[1.0, 2.0], [0.0, -1.0]])
    W = np.array([[1.0, 0.0, 2.0], [3.0, 1.0, -1.0]])
    b = np.array([0.5, -0.5, 0.0])
    Z, _ = F.dense_forward(X, W, b)
    np.testing.assert_allclose(Z, [[7.5, 1.5, 0.0], [-2.5, -1.5, 1.0]])


@pytest.mark.parametrize("seed", range(6))
def test_dense_backward_matches_finite_differences(seed):
    """Are dX, dW and db from dense_backward the gradients of sum(Z * R) (random shapes)?"""
    rng = np.random.default_rng(seed)
    n, d, h = rng.integers(1, 6, size=3)
    X, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=h)
    R = rng.normal(size=(n, h))
    Z, cache = F.dense_forward(X, W, b)
    dX, dW, db = F.dense_backward(R, cache)
    assert dX.shape == X.shape and dW.shape == W.shape and db.shape == b.shape

    def loss(_):
        return np.sum(F.dense_forward(X, W, b)[0] * R)

    for analytic, arr in ((dX, X), (dW, W), (db, b)):
        assert relative_error(analytic, numerical_gradient(loss, arr)) <= TOL


def test_dense_keeps_float32():
    """Do float32 inputs and weights give float32 outputs and gradients?"""
    X, W, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32), np.zeros(4, np.float32)
    Z, cache = F.dense_forward(X, W, b)
    assert Z.dtype == np.float32
    assert all(g.dtype == np.float32 for g in F.dense_backward(np.ones((2, 4), np.float32), cache))


def test_dense_errors_name_both_shapes():
    """Does a mismatch between X and W (or b) raise an error naming the shapes involved?"""
    with pytest.raises(ValueError, match=r"X has shape \(5, 2\) but W has shape \(3, 4\); X must be \(N, 3\)"):
        F.dense_forward(np.zeros((5, 2)), np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"b must have shape \(4,\) to match W \(3, 4\), got \(3,\)"):
        F.dense_forward(np.zeros((5, 3)), np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"X must be 2-D, got 1-D array of shape \(3,\)"):
        F.dense_forward(np.zeros(3), np.zeros((3, 4)), np.zeros(4))
    _, cache = F.dense_forward(np.zeros((5, 3)), np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"dZ must have shape \(5, 4\) like Z, got \(4, 5\)"):
        F.dense_backward(np.zeros((4, 5)), cache)


# ----------------------------------------------------------------- activation
KINKED = {"step", "relu", "leaky_relu", "elu"}
NAMES = sorted(ACTIVATIONS) + ["softmax"]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", NAMES)
def test_activation_backward_matches_finite_differences(name, seed):
    """Is activation_backward(dA, cache) the gradient of sum(f(Z) * dA) for every activation?"""
    rng = np.random.default_rng(seed)
    n, h = rng.integers(1, 6, size=2)
    Z = rng.uniform(-3, 3, size=(n, h))
    if name in KINKED:
        Z = np.sign(Z) * np.maximum(np.abs(Z), 0.05)  # finite differences need distance from the kink
    dA = rng.normal(size=(n, h))
    A, cache = F.activation_forward(Z, name)
    dZ = F.activation_backward(dA, cache)
    A0 = A.copy()
    # subtracting the starting value keeps rounding in the untouched terms out of the difference
    numeric = numerical_gradient(lambda z: np.sum((F.activation_forward(z, name)[0] - A0) * dA), Z)
    assert relative_error(dZ, numeric) <= TOL


@pytest.mark.parametrize("name", ["identity", "step", "sigmoid", "tanh", "relu", "softmax"])
def test_shortcut_activations_cache_only_their_output(name):
    """Do sigmoid, tanh, relu (and friends) cache A only, since f' can be written with A (sigmoid' = A(1 - A))?"""
    A, cache = F.activation_forward(np.array([[0.3, -1.2]]), name)
    assert "Z" not in cache and cache["A"] is A


def test_other_activations_cache_their_input_and_pass_keyword_arguments():
    """Does leaky_relu(alpha=0.2) cache Z and use alpha in both directions?"""
    Z = np.array([[-1.0, 2.0]])
    A, cache = F.activation_forward(Z, "leaky_relu", alpha=0.2)
    np.testing.assert_allclose(A, [[-0.2, 2.0]])
    np.testing.assert_allclose(F.activation_backward(np.ones((1, 2)), cache), [[0.2, 1.0]])
    assert "Z" in cache


def test_activation_errors():
    """Does an unknown name list the choices, and a wrong dA shape name both shapes?"""
    with pytest.raises(ValueError, match=r"unknown activation 'sigmod'; choose one of: .*sigmoid.*softmax"):
        F.activation_forward(np.zeros((2, 2)), "sigmod")
    _, cache = F.activation_forward(np.zeros((2, 3)), "tanh")
    with pytest.raises(ValueError, match=r"dA must have shape \(2, 3\) like A, got \(3, 2\)"):
        F.activation_backward(np.zeros((3, 2)), cache)


# ------------------------------------------------- the 2-2-1 worked example
def test_worked_example_2_2_1():
    """Does the notes' 2-2-1 sigmoid network give z2, a2, z3, yhat, J and every gradient to the printed digits?

    The notes use columns (z = W a + b); batch first we use W.T.  J = 1/2 (y - yhat)^2 = mse / 2.
    """
    X = np.array([[0.5, 0.8]])  # (1, 2)
    y = np.array([[1.0]])  # (1, 1)
    W1_notes = np.array([[0.2, 0.4], [0.3, 0.7]])  # row j = hidden unit j
    W2_notes = np.array([[0.5, 0.6]])
    b1, b2 = np.array([0.1, 0.2]), np.array([0.3])

    Z2, dense1 = F.dense_forward(X, W1_notes.T, b1)
    A2, act1 = F.activation_forward(Z2, "sigmoid")
    Z3, dense2 = F.dense_forward(A2, W2_notes.T, b2)
    Yhat, act2 = F.activation_forward(Z3, "sigmoid")
    J = losses.mse(Yhat, y) / 2

    assert_digits(Z2[0, 0], "0.52")
    assert_digits(Z2[0, 1], "0.91")
    assert_digits(A2[0, 0], "0.6271")
    assert_digits(A2[0, 1], "0.7130")
    assert_digits(Z3[0, 0], "1.0414")
    assert_digits(Yhat[0, 0], "0.7391")
    assert_digits(J, "0.03403")

    dYhat = losses.mse_grad(Yhat, y) / 2  # = yhat - y
    np.testing.assert_allclose(dYhat, Yhat - y)
    dZ3 = F.activation_backward(dYhat, act2)
    dA2, dW2, db2 = F.dense_backward(dZ3, dense2)
    dZ2 = F.activation_backward(dA2, act1)
    dX, dW1, db1 = F.dense_backward(dZ2, dense1)

    assert_digits(dZ3[0, 0], "-0.05030")
    assert_digits(dW2[0, 0], "-0.03155")
    assert_digits(dW2[1, 0], "-0.03587")
    assert_digits(dZ2[0, 0], "-0.005881")
    assert_digits(dZ2[0, 1], "-0.006176")
    expected_dW1_notes = [["-0.002941", "-0.004705"], ["-0.003088", "-0.004941"]]
    for j in range(2):
        for i in range(2):
            assert_digits(dW1.T[j, i], expected_dW1_notes[j][i])  # ours is the transpose of the notes'
    np.testing.assert_allclose(db2, dZ3[0])
    np.testing.assert_allclose(db1, dZ2[0])


# -------------------------------------------------------------------- dropout
def test_dropout_is_the_identity_at_test_time_and_for_p_zero():
    """Does dropout pass X through unchanged when training is False or p is 0 (and pass dY back)?"""
    X = np.random.default_rng(0).normal(size=(4, 5))
    for p, training in ((0.5, False), (0.0, True)):
        Y, cache = F.dropout_forward(X, p, np.random.default_rng(1), training)
        np.testing.assert_array_equal(Y, X)
        np.testing.assert_array_equal(F.dropout_backward(X, cache), X)


def test_dropout_zeroes_a_fraction_p_and_scales_the_rest():
    """While training, is each unit either 0 or X / (1 - p), with about a fraction p dropped?"""
    X = np.ones((200, 100))
    Y, _ = F.dropout_forward(X, 0.3, np.random.default_rng(2), True)
    assert set(np.unique(Y)) == {0.0, 1 / 0.7}
    assert np.mean(Y == 0) == pytest.approx(0.3, abs=0.01)


def test_dropout_preserves_the_expected_value():
    """Is the mean of the dropped-out activations equal to the mean of the input (inverted dropout)?"""
    X = np.random.default_rng(3).uniform(1, 2, size=(400, 250))
    Y, _ = F.dropout_forward(X, 0.5, np.random.default_rng(4), True)
    assert Y.mean() == pytest.approx(X.mean(), rel=0.01)


def test_dropout_mask_is_reproducible_with_a_seed():
    """Do equal seeds give equal masks, and different seeds different masks?"""
    X = np.ones((10, 10))
    a, _ = F.dropout_forward(X, 0.5, np.random.default_rng(7), True)
    b, _ = F.dropout_forward(X, 0.5, np.random.default_rng(7), True)
    c, _ = F.dropout_forward(X, 0.5, np.random.default_rng(8), True)
    d, _ = F.dropout_forward(X, 0.5, 7, True)  # an int seed works too
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, d)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("seed", range(3))
def test_dropout_backward_matches_finite_differences(seed):
    """With the mask held fixed (same seed each call), is dropout_backward the gradient of sum(Y * R)?"""
    rng = np.random.default_rng(seed)
    X, R = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    Y, cache = F.dropout_forward(X, 0.4, np.random.default_rng(seed + 100), True)
    numeric = numerical_gradient(lambda x: np.sum(F.dropout_forward(x, 0.4, np.random.default_rng(seed + 100), True)[0] * R), X)
    assert relative_error(F.dropout_backward(R, cache), numeric) <= TOL


def test_dropout_keeps_float32_and_rejects_bad_p():
    """Does float32 stay float32, and are p = 1 and p < 0 rejected with the value named?"""
    Y, cache = F.dropout_forward(np.ones((3, 3), np.float32), 0.5, 0, True)
    assert Y.dtype == np.float32 and F.dropout_backward(np.ones((3, 3), np.float32), cache).dtype == np.float32
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got 1"):
        F.dropout_forward(np.ones(3), 1, 0, True)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got -0.1"):
        F.dropout_forward(np.ones(3), -0.1, 0, True)


# ----------------------------------------------------------------- batchnorm
def fresh_running(d):
    return {"mean": np.zeros(d), "var": np.ones(d)}


def test_batchnorm_normalises_each_feature_in_training():
    """With gamma = 1, beta = 0, does each output column have mean 0 and (biased) variance ~1?"""
    X = np.random.default_rng(0).normal(5, 3, size=(50, 4))
    Y, _ = F.batchnorm_forward(X, np.ones(4), np.zeros(4), fresh_running(4), True)
    np.testing.assert_allclose(Y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Y.var(axis=0), 1, rtol=1e-4)  # eps makes it slightly below 1


def test_batchnorm_running_statistics_by_hand():
    """Are the running mean and variance updated in place as 0.9 * old + 0.1 * batch (unbiased var)?"""
    X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])  # mean (3, 6), unbiased var (4, 16)
    running = fresh_running(2)
    mean_array, var_array = running["mean"], running["var"]
    F.batchnorm_forward(X, np.ones(2), np.zeros(2), running, True, momentum=0.1)
    np.testing.assert_allclose(running["mean"], [0.3, 0.6])
    np.testing.assert_allclose(running["var"], [0.9 * 1 + 0.1 * 4, 0.9 * 1 + 0.1 * 16])
    assert running["mean"] is mean_array and running["var"] is var_array  # updated in place
    F.batchnorm_forward(X, np.ones(2), np.zeros(2), running, True, momentum=0.1)
    np.testing.assert_allclose(running["mean"], [0.9 * 0.3 + 0.3, 0.9 * 0.6 + 0.6])
    np.testing.assert_allclose(running["var"], [0.9 * 1.3 + 0.4, 0.9 * 2.5 + 1.6])


def test_batchnorm_training_normalises_with_the_biased_batch_variance():
    """Is the training output (X - mean) / sqrt(biased var + eps) * gamma + beta?"""
    X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])
    Y, _ = F.batchnorm_forward(X, gamma, beta, fresh_running(2), True, eps=1e-5)
    expected = (X - [3.0, 6.0]) / np.sqrt(np.array([8 / 3, 32 / 3]) + 1e-5) * gamma + beta
    np.testing.assert_allclose(Y, expected, rtol=1e-12)


def test_batchnorm_eval_uses_running_statistics_and_leaves_them_alone():
    """At test time, is Y = (X - running mean) / sqrt(running var + eps) * gamma + beta, with no update?"""
    running = {"mean": np.array([1.0, -2.0]), "var": np.array([4.0, 0.25])}
    X = np.array([[3.0, -1.0]])  # a batch of one is fine at test time
    Y, _ = F.batchnorm_forward(X, np.array([1.0, 2.0]), np.array([0.0, 1.0]), running, False, eps=1e-5)
    np.testing.assert_allclose(Y, [[2.0 / np.sqrt(4 + 1e-5), 2.0 * 1.0 / np.sqrt(0.25 + 1e-5) + 1.0]])
    np.testing.assert_array_equal(running["mean"], [1.0, -2.0])
    np.testing.assert_array_equal(running["var"], [4.0, 0.25])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward_matches_finite_differences(seed, training):
    """Are dX, dgamma and dbeta the gradients of sum(Y * R), in training and in test mode?"""
    rng = np.random.default_rng(seed)
    # N >= 3: with N = 2 each normalised column is +-1 whatever X is, so dX is only eps-sized
    n, d = rng.integers(3, 7), rng.integers(1, 5)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d)
    gamma, beta, R = rng.normal(size=d), rng.normal(size=d), rng.normal(size=(n, d))
    stats = {"mean": rng.normal(size=d), "var": rng.uniform(0.5, 2, size=d)}

    def loss(_):
        running = {k: v.copy() for k, v in stats.items()}
        return np.sum(F.batchnorm_forward(X, gamma, beta, running, training)[0] * R)

    _, cache = F.batchnorm_forward(X, gamma, beta, {k: v.copy() for k, v in stats.items()}, training)
    dX, dgamma, dbeta = F.batchnorm_backward(R, cache)
    for analytic, arr in ((dX, X), (dgamma, gamma), (dbeta, beta)):
        assert relative_error(analytic, numerical_gradient(loss, arr)) <= TOL


def test_batchnorm_errors():
    """Are a batch of one (training), mismatched gamma and a wrong dY shape reported clearly?"""
    with pytest.raises(ValueError, match=r"at least 2 samples per batch, got X \(1, 3\)"):
        F.batchnorm_forward(np.zeros((1, 3)), np.ones(3), np.zeros(3), fresh_running(3), True)
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\) to match X \(4, 3\), got \(2,\)"):
        F.batchnorm_forward(np.zeros((4, 3)), np.ones(2), np.zeros(3), fresh_running(3), True)
    _, cache = F.batchnorm_forward(np.arange(6.0).reshape(3, 2), np.ones(2), np.zeros(2), fresh_running(2), True)
    with pytest.raises(ValueError, match=r"dY must have shape \(3, 2\) like X, got \(2, 3\)"):
        F.batchnorm_backward(np.zeros((2, 3)), cache)


def test_batchnorm_keeps_float32():
    """Do float32 inputs and parameters give float32 outputs and gradients?"""
    X = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    g, b = np.ones(3, np.float32), np.zeros(3, np.float32)
    Y, cache = F.batchnorm_forward(X, g, b, {"mean": np.zeros(3, np.float32), "var": np.ones(3, np.float32)}, True)
    assert Y.dtype == np.float32
    assert all(a.dtype == np.float32 for a in F.batchnorm_backward(np.ones_like(X), cache))
