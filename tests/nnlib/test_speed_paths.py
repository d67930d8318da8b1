"""Tests for the memory-saving paths of a training step: the bias added in place, gradients written
straight into just-zeroed buffers, the loss and its gradient from one log-softmax, and fit's reused
batch array.

Each path must give exactly (bit for bit) the numbers of the plain expression it replaces, and
gradients must still accumulate whenever zero_grad() was not called just before.
"""
import numpy as np
import pytest

from nnlib import functional as F
from nnlib.layers import Activation, Dense
from nnlib.losses import (LOSSES_WITH_GRAD, softmax_cross_entropy, softmax_cross_entropy_grad,
                          softmax_cross_entropy_with_grad)
from nnlib.network import Sequential
from nnlib.optimizers import SGD
from nnlib.training import _gather_rows, fit

DTYPES = [np.float64, np.float32]


def batch(n=6, d=5, h=4, dtype=np.float64, seed=0):
    """X (n, d), W (d, h), b (h,), dZ (n, h) of one dtype."""
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=shape).astype(dtype) for shape in [(n, d), (d, h), (h,), (n, h)])


def assert_same_bits(actual, expected):
    """Same dtype, same shape, same numbers (NaN where NaN)."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected, strict=True)


# ------------------------------------------------------------ dense_forward: bias added in place

@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_forward_is_exactly_X_at_W_plus_b(dtype):
    """Does adding b in place into X @ W give the numbers and dtype of X @ W + b, leaving the inputs alone?"""
    X, W, b, _ = batch(dtype=dtype)
    copies = [a.copy() for a in (X, W, b)]
    Z, _ = F.dense_forward(X, W, b)
    assert_same_bits(Z, X @ W + b)
    for a, before in zip((X, W, b), copies):
        assert_same_bits(a, before)


def test_dense_forward_with_a_float64_bias_on_float32_data_is_float64_as_before():
    """With float32 X and W but a float64 b, is Z float64 and equal to X @ W + b (no silent downcast)?"""
    X, W, _, _ = batch(dtype=np.float32)
    b = np.random.default_rng(3).normal(size=W.shape[1])  # float64
    Z, _ = F.dense_forward(X, W, b)
    assert_same_bits(Z, X @ W + b)


# ------------------------------------------------------------ dense_backward(out=...)

@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_backward_out_writes_the_same_gradients_into_the_given_arrays(dtype):
    """With out=(dW, db), are the very arrays given filled with X.T @ dZ and dZ.sum(0), bit for bit?"""
    X, W, b, dZ = batch(dtype=dtype)
    _, cache = F.dense_forward(X, W, b)
    dX_plain, dW_plain, db_plain = F.dense_backward(dZ, cache)
    out = (np.full_like(W, np.nan), np.full_like(b, np.nan))  # whatever was there is overwritten
    dX, dW, db = F.dense_backward(dZ, cache, out=out)
    assert dW is out[0] and db is out[1]
    assert_same_bits(dW, X.T @ dZ)
    assert_same_bits(dW, dW_plain)
    assert_same_bits(db, db_plain)
    assert_same_bits(dX, dX_plain)


# ------------------------------------------------------------ Dense.backward: overwrite vs accumulate

def accumulated(layer, passes):
    """What ``+=`` into zeros gives for the ``(X, dY)`` pairs in ``passes``: the plain path's numbers."""
    dW, db = np.zeros_like(layer.params["W"]), np.zeros_like(layer.params["b"])
    for X, dY in passes:
        dW += X.T @ dY
        db += dY.sum(axis=0)
    return dW, db


@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_after_zero_grad_writes_and_the_next_backward_adds(dtype):
    """After zero_grad, is the first backward X.T @ dY exactly, and does a second one (no zero_grad) add to it?"""
    layer = Dense(5, 4, rng=0, dtype=dtype)
    X1, _, _, dY1 = batch(dtype=dtype, seed=1)
    X2, _, _, dY2 = batch(dtype=dtype, seed=2)
    arrays = dict(layer.grads)
    layer.grads["W"][...] = 7.0  # stale numbers from an earlier step
    layer.grads["b"][...] = 7.0
    layer.zero_grad()
    layer.forward(X1)
    layer.backward(dY1)
    dW, db = accumulated(layer, [(X1, dY1)])
    assert_same_bits(layer.grads["W"], dW)
    assert_same_bits(layer.grads["b"], db)
    layer.forward(X2)
    layer.backward(dY2)
    dW, db = accumulated(layer, [(X1, dY1), (X2, dY2)])
    assert_same_bits(layer.grads["W"], dW)
    assert_same_bits(layer.grads["b"], db)
    assert all(layer.grads[k] is arrays[k] for k in arrays)  # still the same arrays, changed in place


def test_backward_without_zero_grad_adds_to_what_is_there():
    """Without zero_grad, does backward add to the gradients it finds (even ones set by hand)?"""
    layer = Dense(5, 4, rng=0)
    X, _, _, dY = batch()
    layer.forward(X)
    layer.grads["W"][...] = 1.0
    layer.grads["b"][...] = 1.0
    layer.backward(dY)
    assert_same_bits(layer.grads["W"], 1.0 + X.T @ dY)
    assert_same_bits(layer.grads["b"], 1.0 + dY.sum(axis=0))


def test_zero_grad_twice_backward_twice_doubles_exactly():
    """zero_grad, then the same backward twice: exactly twice the single gradient?"""
    layer = Dense(5, 4, rng=0)
    X, _, _, dY = batch()
    layer.forward(X)
    layer.zero_grad()
    layer.backward(dY)
    once = {k: g.copy() for k, g in layer.grads.items()}
    layer.backward(dY)
    for k, g in layer.grads.items():
        assert_same_bits(g, 2 * once[k])


def test_a_failed_backward_after_zero_grad_leaves_the_gradients_zero_and_writable():
    """A backward that raises (wrong dY shape) changes nothing; the next good one still gives X.T @ dY."""
    layer = Dense(5, 4, rng=0)
    X, _, _, dY = batch()
    layer.forward(X)
    layer.zero_grad()
    with pytest.raises(ValueError, match="dZ must have shape"):
        layer.backward(dY[:, :3])
    assert not any(np.any(g) for g in layer.grads.values())
    layer.backward(dY)
    assert_same_bits(layer.grads["W"], X.T @ dY)


def test_float64_gradient_into_a_float32_layer_keeps_the_rounding_of_plus_equals():
    """float64 data through a float32 layer: is grads["W"] still float32 zeros += the float64 product?"""
    layer = Dense(5, 4, rng=0, dtype=np.float32)
    X, _, _, dY = batch(dtype=np.float64)
    layer.forward(X)
    layer.zero_grad()
    layer.backward(dY)
    dW = np.zeros((5, 4), np.float32)
    dW += X.T @ dY
    assert_same_bits(layer.grads["W"], dW)


def test_a_layer_used_twice_gets_the_sum_of_both_uses():
    """One Dense used at two places of a network: after zero_grad, is its gradient the sum over both uses?"""
    rng = np.random.default_rng(0)
    X, dY = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))

    def network():
        shared = Dense(4, 4, rng=0)
        return shared, Sequential([shared, Activation("tanh"), shared])

    shared, model = network()
    model.forward(X)
    model.zero_grad()
    model.backward(dY)
    # the same pass on a fresh copy that never saw zero_grad, so every backward takes the += path
    plain_shared, plain = network()
    plain.forward(X)
    plain.backward(dY)
    for k, g in shared.grads.items():
        assert_same_bits(g, plain_shared.grads[k])
        assert np.any(g)


# ------------------------------------------------------------ loss and gradient from one log-softmax

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("targets", ["labels", "one_hot", "soft"])
def test_softmax_cross_entropy_with_grad_is_exactly_the_pair(dtype, targets):
    """Does the one-call version return the float and the (N, C) array of the two functions, bit for bit?"""
    rng = np.random.default_rng(0)
    z = (rng.normal(size=(7, 4)) * 5).astype(dtype)
    labels = rng.integers(0, 4, size=7)
    y = {"labels": labels, "one_hot": np.eye(4)[labels],
         "soft": rng.dirichlet(np.ones(4), size=7)}[targets]
    loss, grad = softmax_cross_entropy_with_grad(z, y)
    assert type(loss) is float and loss == softmax_cross_entropy(z, y)
    assert_same_bits(grad, softmax_cross_entropy_grad(z, y))
    assert LOSSES_WITH_GRAD["softmax_cross_entropy"] is softmax_cross_entropy_with_grad


def test_softmax_cross_entropy_with_grad_checks_labels_like_the_loss():
    """Are out-of-range labels refused with the loss's message?"""
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: integer labels"):
        softmax_cross_entropy_with_grad(np.zeros((2, 3)), np.array([0, 3]))


# ------------------------------------------------------------ fit: reused batch array, loss with grad

def test_gather_rows_copies_the_rows_into_the_reused_array():
    """Is _gather_rows X[idx] (dtype kept), written into the first rows of the given array, X untouched?"""
    X = np.arange(30, dtype=np.float32).reshape(10, 3)
    before = X.copy()
    buffer = np.full((4, 3), -1, np.float32)
    idx = np.array([7, 2, 9])
    rows = _gather_rows(X, idx, buffer)
    assert_same_bits(rows, X[idx])
    assert np.shares_memory(rows, buffer)
    assert_same_bits(buffer[3], np.full(3, -1, np.float32))
    assert_same_bits(X, before)


def reference_training(model, X, y, epochs, batch_size, seed, lr):
    """fit's loop written with the plain expressions: ``X[idx]``, loss and gradient called apart, and
    gradients cleared by hand (so every backward adds with +=).  Returns the epoch losses."""
    rng, params, grads = np.random.default_rng(seed), model.parameters(), model.gradients()
    optimizer, losses = SGD(lr), []
    for _ in range(epochs):
        order, total = rng.permutation(len(X)), 0.0
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            Y = model.forward(X[idx])
            total += float(softmax_cross_entropy(Y, y[idx])) * len(idx)
            for g in grads.values():
                g[...] = 0
            model.backward(softmax_cross_entropy_grad(Y, y[idx]))
            optimizer.step(params, grads)
        losses.append(total / len(X))
    return losses


def net(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return Sequential([Dense(5, 8, rng=rng, dtype=dtype), Activation("relu"), Dense(8, 3, rng=rng, dtype=dtype)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_size", [16, 40, 7])
def test_fit_gives_exactly_the_numbers_of_the_plain_loop(dtype, batch_size):
    """Same weights and losses, bit for bit, as the loop with X[idx], separate loss/gradient and += gradients?"""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 5)).astype(dtype), rng.integers(0, 3, size=40)
    X_before = X.copy()
    fast, plain = net(dtype), net(dtype)
    history = fit(fast, "softmax_cross_entropy", SGD(0.1), X, y, epochs=3, batch_size=batch_size, rng=5,
                  progress=False)
    losses = reference_training(plain, X, y, epochs=3, batch_size=batch_size, seed=5, lr=0.1)
    assert history.loss == losses
    for k, p in fast.parameters().items():
        assert_same_bits(p, plain.parameters()[k])
    assert_same_bits(X, X_before)


def test_fit_calls_a_loss_pair_of_your_own_even_with_our_name():
    """A (loss, loss_grad) pair named like ours: does fit call those two functions, once per batch each?"""
    calls = []

    def softmax_cross_entropy(Y, y):  # noqa: F811 - a student's function with the library's name
        calls.append("loss")
        return 0.0

    def softmax_cross_entropy_grad(Y, y):  # noqa: F811
        calls.append("grad")
        return np.zeros_like(Y)

    X, y = np.random.default_rng(0).normal(size=(20, 5)), np.zeros(20, dtype=int)
    fit(net(np.float64), (softmax_cross_entropy, softmax_cross_entropy_grad), SGD(0.1), X, y, epochs=1,
        batch_size=10, rng=0, progress=False)
    assert calls == ["loss", "grad"] * 2
