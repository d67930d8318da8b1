"""The building blocks of a network as pure forward/backward pairs.

Each block is two functions that sit side by side:

* ``<block>_forward(inputs...) -> (output, cache)`` computes the output and
  returns, in ``cache``, exactly what the backward pass will need;
* ``<block>_backward(d_output, cache) -> gradients`` applies the chain rule:
  given the upstream gradient ``dL/d_output`` it returns ``dL/d_input`` (and
  the gradients of the block's parameters).

They keep no state and never recompute the forward pass, so each one is a
small, testable unit (these are the functions the exercises grade); the
classes in ``nnlib.layers`` wrap them.  A cache is a tuple when its contents
are obvious (``dense``) and a dict with named entries otherwise.

Shapes: ``N`` samples, ``D`` input features, ``H`` output units.  Batch first:
``X`` is (N, D) and a dense layer computes ``Z = X @ W + b`` with ``W`` (D, H).
(The lecture notes write one column per sample, ``z = W a + b``; their ``W``
is the transpose of ours.)
"""
from __future__ import annotations

import numpy as np

from nnlib._validation import as_float_array, as_generator, check_positive, check_probability
from nnlib.activations import ACTIVATIONS, softmax, softmax_backward

__all__ = [
    "dense_forward", "dense_backward",
    "activation_forward", "activation_backward",
    "dropout_forward", "dropout_backward",
    "batchnorm_forward", "batchnorm_backward",
    "layernorm_forward", "layernorm_backward",
]


# ---------------------------------------------------------------------- dense
def dense_forward(X, W, b):
    """Affine (fully connected) layer: ``Z = X @ W + b``.

    Parameters
    ----------
    X : array_like, (N, D)
    W : array_like, (D, H)
    b : array_like, (H,)

    Returns
    -------
    Z : ndarray, (N, H)
    cache : tuple ``(X, W, b)``
    """
    X = as_float_array(X, "X", ndim=2)
    W = as_float_array(W, "W", ndim=2)
    b = as_float_array(b, "b", ndim=1)
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"dense_forward: X has shape {X.shape} but W has shape {W.shape}; "
            f"X must be (N, {W.shape[0]}) to match W's first dimension"
        )
    if b.shape != (W.shape[1],):
        raise ValueError(f"dense_forward: b must have shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}")
    Z = X @ W  # (N, H), a new array of our own
    if Z.dtype == b.dtype:
        Z += b  # added in place: no second (N, H) temporary, one pass less over the batch
    else:  # e.g. float32 X and W with a float64 b: the sum is float64, as in X @ W + b
        Z = Z + b
    return Z, (X, W, b)


def dense_backward(dZ, cache, need_dX=True, out=None):
    """Backward pass of ``Z = X @ W + b``: ``dX = dZ @ W.T``, ``dW = X.T @ dZ``, ``db = sum_n dZ``.

    Each gradient has the shape of the array it belongs to; summing ``db`` over
    the batch undoes the broadcast of ``b`` over the N rows.

    Parameters
    ----------
    dZ : array_like, (N, H)
        Upstream gradient dL/dZ.
    cache : tuple from ``dense_forward``
    need_dX : bool, default True
        False skips ``dX`` (returned as None).  The first layer of a network
        gets the data as its input, and nobody needs the gradient of the data;
        for a wide input that product costs as much as the forward pass.
    out : pair of ndarrays ``(dW, db)``, optional
        Arrays of shapes (D, H) and (H,) to write ``dW`` and ``db`` into
        (NumPy's ``out=``) instead of new arrays; they are the ones returned.
        ``Dense.backward`` passes its just-zeroed gradients here.

    Returns
    -------
    dX : ndarray, (N, D), or None
    dW : ndarray, (D, H)
    db : ndarray, (H,)
    """
    X, W, b = cache
    dZ = as_float_array(dZ, "dZ", ndim=2)
    if dZ.shape != (X.shape[0], W.shape[1]):
        raise ValueError(f"dense_backward: dZ must have shape {(X.shape[0], W.shape[1])} like Z, got {dZ.shape}")
    dX = dZ @ W.T if need_dX else None  # (N, D)
    dW_out, db_out = (None, None) if out is None else out
    dW = np.matmul(X.T, dZ, out=dW_out)  # (D, H), X.T @ dZ
    db = dZ.sum(axis=0, out=db_out)  # (H,)
    return dX, dW, db


# ----------------------------------------------------------------- activation
# Derivatives written in terms of the output A = f(Z): for these the backward
# pass needs only A, so the forward pass caches A and not Z.
_GRAD_FROM_OUTPUT = {
    "identity": lambda A: np.ones_like(A),
    "step": lambda A: np.zeros_like(A),
    "sigmoid": lambda A: A * (1.0 - A),  # sigmoid' = sigmoid (1 - sigmoid)
    "tanh": lambda A: 1.0 - A * A,  # tanh' = 1 - tanh^2
    "relu": lambda A: A > 0,  # A > 0 exactly where Z > 0; a bool mask (times dA gives dA's dtype)
}


def _check_activation_name(name):
    if name != "softmax" and name not in ACTIVATIONS:
        choices = ", ".join(sorted([*ACTIVATIONS, "softmax"]))
        raise ValueError(f"unknown activation {name!r}; choose one of: {choices}")


def activation_forward(Z, name, **kwargs):
    """Apply the activation ``A = f(Z)`` named ``name`` (a key of ``ACTIVATIONS``, or ``"softmax"``).

    For identity, step, sigmoid, tanh, relu and softmax the derivative can be
    written with the output alone (``sigmoid' = A (1 - A)``, ``tanh' = 1 - A^2``,
    ``relu' = [A > 0]``), so only ``A`` is cached; the others cache ``Z``.

    Parameters
    ----------
    Z : array_like, any shape, e.g. (N, H); softmax works along the last axis
    name : str
    **kwargs
        Extra parameters of the activation, e.g. ``alpha=0.1`` for leaky_relu.

    Returns
    -------
    A : ndarray, same shape as ``Z``
    cache : dict with ``name``, ``kwargs`` and either ``A`` or ``Z``
    """
    _check_activation_name(name)
    Z = as_float_array(Z, "Z")
    if name == "softmax":
        A = softmax(Z, **kwargs)
        return A, {"name": name, "A": A, "kwargs": kwargs}
    f, _ = ACTIVATIONS[name]
    A = f(Z, **kwargs)
    if name in _GRAD_FROM_OUTPUT:
        return A, {"name": name, "A": A, "kwargs": kwargs}
    return A, {"name": name, "Z": Z, "kwargs": kwargs}


def activation_backward(dA, cache):
    """Backward pass of ``A = f(Z)``: ``dZ = dA * f'(Z)`` (softmax: its Jacobian-vector product).

    Parameters
    ----------
    dA : array_like, same shape as ``A``
        Upstream gradient dL/dA.
    cache : dict from ``activation_forward``

    Returns
    -------
    dZ : ndarray, same shape as ``dA``
    """
    name, kwargs = cache["name"], cache["kwargs"]
    dA = as_float_array(dA, "dA")
    stored = cache["A"] if "A" in cache else cache["Z"]
    if dA.shape != stored.shape:
        raise ValueError(f"activation_backward({name}): dA must have shape {stored.shape} like A, got {dA.shape}")
    if name == "softmax":
        return softmax_backward(dA, cache["A"], **kwargs)
    if name in _GRAD_FROM_OUTPUT:
        return dA * _GRAD_FROM_OUTPUT[name](cache["A"])
    _, f_grad = ACTIVATIONS[name]
    return dA * f_grad(cache["Z"], **kwargs)


# -------------------------------------------------------------------- dropout
def dropout_forward(X, p, rng, training):
    """Inverted dropout: ``Y = X * mask / (1 - p)`` with ``mask ~ Bernoulli(1 - p)`` while training.

    ``p`` is the probability of *dropping* a unit (as in ``torch.nn.Dropout``).
    Scaling the kept units by ``1 / (1 - p)`` during training keeps the
    expected value of every unit unchanged, so at test time (``training=False``)
    the layer is simply the identity and needs no rescaling.

    Parameters
    ----------
    X : array_like, any shape, e.g. (N, H)
    p : float in [0, 1)
        Drop probability.
    rng : numpy.random.Generator or int seed
        Source of the random mask.
    training : bool
        False (or ``p == 0``) makes the layer the identity.

    Returns
    -------
    Y : ndarray, same shape as ``X``
    cache : dict with ``mask`` (already scaled by 1/(1-p); None when nothing was dropped)
    """
    X = as_float_array(X, "X")
    check_probability(p, "p")
    if not training or p == 0:
        return X.copy(), {"mask": None}
    keep = as_generator(rng).random(X.shape) >= p  # (N, H) True with probability 1 - p
    mask = keep.astype(X.dtype) / X.dtype.type(1.0 - p)  # (N, H) 0 or 1/(1-p)
    return X * mask, {"mask": mask}


def dropout_backward(dY, cache):
    """Backward pass of inverted dropout: ``dX = dY * mask / (1 - p)`` (dropped units get no gradient).

    Parameters
    ----------
    dY : array_like, same shape as the forward input
    cache : dict from ``dropout_forward``

    Returns
    -------
    dX : ndarray, same shape as ``dY``
    """
    dY = as_float_array(dY, "dY")
    mask = cache["mask"]
    if mask is None:
        return dY.copy()
    if dY.shape != mask.shape:
        raise ValueError(f"dropout_backward: dY must have shape {mask.shape} like X, got {dY.shape}")
    return dY * mask


# ---------------------------------------------------------------- batch norm
def batchnorm_forward(X, gamma, beta, running, training, momentum=0.1, eps=1e-5):
    """Batch normalisation: ``Y = gamma * (X - mu) / sqrt(var + eps) + beta`` per feature.

    While training, ``mu`` and ``var`` are the mean and the *biased* variance
    of the batch (divide by N), and the running statistics in ``running`` are
    updated in place with PyTorch's rule
    ``running = (1 - momentum) * running + momentum * batch_statistic``, where
    the running variance uses the *unbiased* batch variance (divide by N - 1).
    At test time (``training=False``) the running statistics are used instead,
    so a prediction does not depend on the rest of its batch.

    Parameters
    ----------
    X : array_like, (N, D)
    gamma, beta : array_like, (D,)
        Learned scale and shift.
    running : dict ``{"mean": (D,), "var": (D,)}``
        Running statistics, updated in place when ``training`` is True.
    training : bool
    momentum : float in [0, 1], default 0.1
    eps : float > 0, default 1e-5
        Added to the variance to avoid dividing by zero.

    Returns
    -------
    Y : ndarray, (N, D)
    cache : dict with ``x_hat`` (N, D), ``gamma``, ``inv_std`` (D,) and ``training``
    """
    X = as_float_array(X, "X", ndim=2)
    n, d = X.shape
    gamma = as_float_array(gamma, "gamma", ndim=1)
    beta = as_float_array(beta, "beta", ndim=1)
    for name, arr in (("gamma", gamma), ("beta", beta), ("running['mean']", running["mean"]), ("running['var']", running["var"])):
        if np.shape(arr) != (d,):
            raise ValueError(f"batchnorm_forward: {name} must have shape ({d},) to match X {X.shape}, got {np.shape(arr)}")
    if not (isinstance(running["mean"], np.ndarray) and isinstance(running["var"], np.ndarray)):
        raise TypeError("batchnorm_forward: running['mean'] and running['var'] must be NumPy arrays (they are updated in place)")
    check_probability(momentum, "momentum", allow_one=True)
    check_positive(eps, "eps")
    if training:
        if n < 2:
            raise ValueError(f"batchnorm_forward: training needs at least 2 samples per batch, got X {X.shape}")
        mu = X.mean(axis=0)  # (D,)
        var = X.var(axis=0)  # (D,) biased: normalises this batch
        running["mean"][...] = (1 - momentum) * running["mean"] + momentum * mu
        running["var"][...] = (1 - momentum) * running["var"] + momentum * var * (n / (n - 1))
    else:
        mu = np.asarray(running["mean"], dtype=X.dtype)
        var = np.asarray(running["var"], dtype=X.dtype)
    inv_std = 1.0 / np.sqrt(var + eps)  # (D,)
    x_hat = (X - mu) * inv_std  # (N, D) zero mean, unit variance per feature
    Y = gamma * x_hat + beta  # (N, D)
    return Y, {"x_hat": x_hat, "gamma": gamma, "inv_std": inv_std, "training": training}


def batchnorm_backward(dY, cache):
    """Backward pass of batch normalisation (compact closed form).

    ``dbeta = sum_n dY``, ``dgamma = sum_n dY * x_hat`` and, with
    ``g = dY * gamma``, while training

    ``dX = inv_std / N * (N g - sum_n g - x_hat * sum_n (g * x_hat))``,

    the two subtracted sums being the paths through the batch mean and the
    batch variance.  In evaluation mode the statistics are constants and
    ``dX = g * inv_std``.

    Parameters
    ----------
    dY : array_like, (N, D)
    cache : dict from ``batchnorm_forward``

    Returns
    -------
    dX : ndarray, (N, D)
    dgamma : ndarray, (D,)
    dbeta : ndarray, (D,)
    """
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dY = as_float_array(dY, "dY", ndim=2)
    if dY.shape != x_hat.shape:
        raise ValueError(f"batchnorm_backward: dY must have shape {x_hat.shape} like X, got {dY.shape}")
    n = dY.shape[0]
    dbeta = dY.sum(axis=0)  # (D,)
    dgamma = (dY * x_hat).sum(axis=0)  # (D,)
    g = dY * gamma  # (N, D) gradient w.r.t. x_hat
    if not cache["training"]:
        return g * inv_std, dgamma, dbeta
    dX = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))  # (N, D)
    return dX, dgamma, dbeta


# ---------------------------------------------------------------- layer norm
def layernorm_forward(X, gamma, beta, eps=1e-5):
    """Layer normalisation: ``Y = gamma * (X - mu) / sqrt(var + eps) + beta`` per *sample*.

    The same formula as batch normalisation, with the statistics taken along
    the other axis: ``mu`` and ``var`` are the mean and the biased variance of
    each row (over its D features), so a sample is normalised on its own,
    whatever else is in the batch.  Training and test behave the same and
    there are no running statistics (as ``torch.nn.LayerNorm``).  ``gamma``
    and ``beta`` are per feature, as in batch normalisation.

    Parameters
    ----------
    X : array_like, (N, D)
    gamma, beta : array_like, (D,)
    eps : float > 0, default 1e-5

    Returns
    -------
    Y : ndarray, (N, D)
    cache : dict with ``x_hat`` (N, D), ``gamma`` (D,) and ``inv_std`` (N, 1)
    """
    X = as_float_array(X, "X", ndim=2)
    d = X.shape[1]
    gamma = as_float_array(gamma, "gamma", ndim=1)
    beta = as_float_array(beta, "beta", ndim=1)
    for name, arr in (("gamma", gamma), ("beta", beta)):
        if arr.shape != (d,):
            raise ValueError(f"layernorm_forward: {name} must have shape ({d},) to match X {X.shape}, got {arr.shape}")
    check_positive(eps, "eps")
    mu = X.mean(axis=1, keepdims=True)  # (N, 1)
    var = X.var(axis=1, keepdims=True)  # (N, 1) biased, like batch norm's training statistics
    inv_std = 1.0 / np.sqrt(var + eps)  # (N, 1)
    x_hat = (X - mu) * inv_std  # (N, D) zero mean, unit variance per row
    return gamma * x_hat + beta, {"x_hat": x_hat, "gamma": gamma, "inv_std": inv_std}


def layernorm_backward(dY, cache):
    """Backward pass of layer normalisation: batch norm's formula along the feature axis.

    With ``g = dY * gamma`` and ``D`` features,
    ``dX = inv_std / D * (D g - sum_d g - x_hat * sum_d (g * x_hat))`` (sums
    over each row); ``dgamma`` and ``dbeta`` still sum over the batch.

    Parameters
    ----------
    dY : array_like, (N, D)
    cache : dict from ``layernorm_forward``

    Returns
    -------
    dX : ndarray, (N, D)
    dgamma : ndarray, (D,)
    dbeta : ndarray, (D,)
    """
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dY = as_float_array(dY, "dY", ndim=2)
    if dY.shape != x_hat.shape:
        raise ValueError(f"layernorm_backward: dY must have shape {x_hat.shape} like X, got {dY.shape}")
    d = dY.shape[1]
    dbeta = dY.sum(axis=0)  # (D,)
    dgamma = (dY * x_hat).sum(axis=0)  # (D,)
    g = dY * gamma  # (N, D) gradient w.r.t. x_hat
    dX = inv_std / d * (d * g - g.sum(axis=1, keepdims=True)
                        - x_hat * (g * x_hat).sum(axis=1, keepdims=True))  # (N, D)
    return dX, dgamma, dbeta
