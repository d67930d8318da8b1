"""A multilayer perceptron as two plain functions over a list of layers.

Chapter 02 builds the forward pass by hand and chapter 03 its backward pass,
so here a network is nothing but data: a list of ``(W, b)`` pairs and a list
of activation names, one per layer.  Layer ``l`` computes (batch first, one
row per sample)::

    Z = A_prev @ W + b        W (n_in, n_out), b (n_out,), Z (N, n_out)
    A = f(Z)                  f = nnlib.activations.ACTIVATIONS[name][0]

with ``A_prev = X`` for the first layer.  The lecture notes write one sample
as a column, ``z = W a + b`` with ``W`` of shape (n_out, n_in); our ``W`` is
the transpose of theirs and our rows are their columns, so ``Z = X W + b`` is
the same computation for a whole batch at once.

:func:`mlp_forward` keeps ``(A_prev, Z, A)`` of every layer, which is all
that :func:`mlp_backward` needs; nothing is computed twice.  The arithmetic of
a layer lives in :mod:`nnlib.functional` (dense and activation pairs) and the
activation formulas in :mod:`nnlib.activations`; this module only chains them.

:func:`xor_params` returns the hand-set 2-2-1 ReLU network that computes XOR,
the chapter's running example.
"""
from __future__ import annotations

import numpy as np

from nnlib import functional
from nnlib._validation import as_float_array
from nnlib.activations import ACTIVATIONS, softmax_backward

__all__ = ["mlp_forward", "mlp_backward", "xor_params", "ACTIVATION_NAMES"]

#: Names accepted in ``activations``: every elementwise activation plus softmax.
ACTIVATION_NAMES = tuple(ACTIVATIONS) + ("softmax",)


# ----------------------------------------------------------------- validation
def _count(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _check_network(params, activations, where):
    """Turn ``params`` into float arrays and check that the layers fit together.

    Returns the lists of ``(W, b)`` arrays and of names.  Raises ValueError/TypeError with
    the layer number, so a student sees *which* layer is wrong.
    """
    if isinstance(activations, str):
        raise TypeError(f"{where}: activations must be a list of names, one per layer, got the string {activations!r}")
    params = list(params)
    activations = list(activations)
    if len(params) != len(activations):
        raise ValueError(
            f"{where}: params has {_count(len(params), 'layer')} but activations has "
            f"{_count(len(activations), 'name')}; give one activation name per (W, b) pair"
        )
    if not params:
        raise ValueError(f"{where}: params is empty; a network needs at least one (W, b) layer")
    checked = []
    for l, (layer, name) in enumerate(zip(params, activations), start=1):
        try:
            W, b = layer
        except (TypeError, ValueError):
            raise TypeError(f"{where}: layer {l} of params must be a pair (W, b), got {type(layer).__name__}") from None
        W = as_float_array(W, f"layer {l} W", ndim=2)
        b = as_float_array(b, f"layer {l} b", ndim=1)
        if b.shape != (W.shape[1],):
            raise ValueError(f"{where}: layer {l} b must have shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}")
        if checked and W.shape[0] != checked[-1][0].shape[1]:
            prev = checked[-1][0].shape[1]
            raise ValueError(
                f"{where}: layer {l} W must have shape ({prev}, n_out) because layer {l - 1} has {prev} outputs, got {W.shape}"
            )
        if name not in ACTIVATION_NAMES:
            raise ValueError(f"{where}: layer {l} activation {name!r} is unknown; choose one of {list(ACTIVATION_NAMES)}")
        checked.append((W, b))
    return checked, activations


# -------------------------------------------------------------------- forward
def mlp_forward(X, params, activations):
    """Forward pass of a multilayer perceptron: ``A_l = f_l(A_{l-1} W_l + b_l)``, ``A_0 = X``.

    Parameters
    ----------
    X : array_like, shape (N, D)
        A batch of N inputs with D features each.
    params : list of (W, b)
        Layer l has W of shape (n_in, n_out) and b of shape (n_out,), with
        n_in = D for the first layer and the previous layer's n_out after it.
    activations : list of str
        One name per layer from ``nnlib.activations.ACTIVATIONS`` ("identity",
        "sigmoid", "relu", ...) or "softmax" (usually the last layer).

    Returns
    -------
    A_out : ndarray, shape (N, n_out of the last layer)
        The network's output.
    caches : list of (A_prev, Z, A), one per layer
        ``A_prev`` (N, n_in) the layer's input, ``Z`` (N, n_out) its
        pre-activation, ``A`` (N, n_out) its output; what the backward pass needs.
    """
    params, activations = _check_network(params, activations, "mlp_forward")
    A = as_float_array(X, "X", ndim=2)
    if A.shape[1] != params[0][0].shape[0]:
        raise ValueError(f"mlp_forward: X must have shape (N, {params[0][0].shape[0]}) to match layer 1 W, got {A.shape}")
    caches = []
    for (W, b), name in zip(params, activations):
        A_prev = A
        Z, _ = functional.dense_forward(A_prev, W, b)  # (N, n_out)
        A, _ = functional.activation_forward(Z, name)  # (N, n_out)
        caches.append((A_prev, Z, A))
    return A, caches


# ------------------------------------------------------------------- backward
def _activation_backward(dA, Z, A, name):
    """dL/dZ of one layer: ``dA * f'(Z)``, or the softmax Jacobian-vector product."""
    if name == "softmax":
        return softmax_backward(dA, A)  # needs only the output A
    grad = ACTIVATIONS[name][1]
    return dA * grad(Z)


def mlp_backward(dA_out, caches, params, activations):
    """Backward pass of :func:`mlp_forward`: the gradient of the loss for every (W, b).

    For each layer, from the last to the first (batch first)::

        dZ      = dA * f'(Z)          (softmax: the Jacobian-vector product)
        dW      = A_prev.T @ dZ       (n_in, n_out)
        db      = dZ.sum(axis=0)      (n_out,)
        dA_prev = dZ @ W.T            (N, n_in), the upstream gradient of the layer below

    The lecture notes' column form ``dC/dW = delta a^T`` is the transpose of
    ``dW`` for a single sample; summing over the batch rows gives ``A_prev.T @ dZ``.
    Nothing is averaged here: if the loss is a mean over the batch, its
    gradient ``dA_out`` already carries the 1/N.

    Parameters
    ----------
    dA_out : array_like, shape (N, n_out of the last layer)
        dL/dA of the network's output.
    caches : list of (A_prev, Z, A)
        As returned by :func:`mlp_forward` with the same ``params``.
    params : list of (W, b)
    activations : list of str

    Returns
    -------
    grads : list of (dW, db), one per layer, shaped like ``params``
        New arrays: like the pairs in :mod:`nnlib.functional` this is a pure
        function (the layers of :mod:`nnlib.layers` are what accumulate).
    """
    params, activations = _check_network(params, activations, "mlp_backward")
    caches = list(caches)
    if len(caches) != len(params):
        raise ValueError(
            f"mlp_backward: caches has {_count(len(caches), 'layer')} but params has {_count(len(params), 'layer')}; "
            "pass the caches that mlp_forward returned"
        )
    dA = as_float_array(dA_out, "dA_out", ndim=2)
    A_last = caches[-1][2]
    if dA.shape != np.shape(A_last):
        raise ValueError(f"mlp_backward: dA_out must have the shape of the network output {np.shape(A_last)}, got {dA.shape}")
    grads = []
    for (W, b), name, (A_prev, Z, A) in zip(reversed(params), reversed(activations), reversed(caches)):
        dZ = _activation_backward(dA, Z, A, name)  # (N, n_out)
        # (A_prev, W, b) is exactly the cache dense_forward returned for this layer
        dA, dW, db = functional.dense_backward(dZ, (A_prev, W, b))
        grads.append((dW, db))
    grads.reverse()
    return grads


# ------------------------------------------------------------------------ XOR
def xor_params():
    """The hand-set 2-2-1 network that computes XOR with a ReLU hidden layer.

    ``h = relu(x W + c)`` with ``W = [[1, 1], [1, 1]]``, ``c = (0, -1)``, then
    ``y = h w + b`` (identity output) with ``w = (1, -2)``, ``b = 0``.
    For the inputs (0,0), (0,1), (1,0), (1,1) the hidden values are (0,0),
    (1,0), (1,0), (2,1) and the outputs 0, 1, 1, 0.

    Returns
    -------
    params : list of two (W, b) pairs: W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,)
        Use with ``activations=["relu", "identity"]``.
    """
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])  # (2, 2)
    b1 = np.array([0.0, -1.0])  # (2,)
    W2 = np.array([[1.0], [-2.0]])  # (2, 1)
    b2 = np.array([0.0])  # (1,)
    return [(W1, b1), (W2, b2)]
