"""Activation functions and their derivatives.

A neuron first adds up its weighted inputs, ``z = x @ w + b``, then passes the
sum through an activation function ``a = f(z)``.  Without a non-linear ``f`` a
stack of layers collapses into a single linear map, so the choice of ``f`` is
what lets a network bend its input space (and solve XOR).

Every elementwise function ``f(z)`` below comes with ``f_grad(z)``, the
derivative ``f'(z)`` evaluated elementwise and taking the same keyword
arguments.  Backpropagation multiplies the upstream gradient by it:
``dZ = dA * f_grad(Z)``.

All functions accept any array shape, return an array of the same shape and
keep the floating dtype of the input (float32 stays float32, everything else
becomes float64).  The ones that call ``exp`` (sigmoid, softplus, swish, elu,
softmax) are written so that no intermediate overflows: they are finite and
warning-free for |z| up to 1e4 and beyond.  (Results that are smaller than the
smallest float, such as ``sigmoid(-1e4)``, correctly *underflow* to 0.)

``softmax`` is not elementwise: each output depends on the whole row, so its
derivative is a Jacobian matrix rather than a slope per element.  It therefore
has no ``softmax_grad`` and is not in the ``ACTIVATIONS`` table; backpropagate
through it with ``softmax_backward(dY, Y)`` instead.
"""
from __future__ import annotations

import math

import numpy as np

from nnlib._validation import as_float_array

__all__ = [
    "identity", "identity_grad",
    "step", "step_grad",
    "sigmoid", "sigmoid_grad",
    "tanh", "tanh_grad",
    "relu", "relu_grad",
    "leaky_relu", "leaky_relu_grad",
    "elu", "elu_grad",
    "gelu", "gelu_grad",
    "softplus", "softplus_grad",
    "swish", "swish_grad",
    "softsign", "softsign_grad",
    "softmax", "softmax_backward",
    "ACTIVATIONS",
]


# --------------------------------------------------------------------- linear
def identity(z):
    """Identity (linear) activation: ``f(z) = z``; range (-inf, inf).

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, same shape as ``z`` (a copy, so writing to it leaves ``z`` alone)
    """
    return as_float_array(z, "z").copy()


def identity_grad(z):
    """Derivative of the identity: ``f'(z) = 1``; same shape as ``z``."""
    z = as_float_array(z, "z")
    return np.ones_like(z)


# ----------------------------------------------------------------------- step
def step(z):
    """Heaviside step, the McCulloch-Pitts threshold unit: ``f(z) = 1 if z > 0 else 0``.

    The neuron fires only *strictly above* the threshold (here 0; a threshold
    theta is the same as a bias of -theta), as in the lecture notes' neuron
    ``y = 1 if h > theta``.  (One table in the notes writes ``x >= 0``; the
    two differ only at exactly 0.)  Range {0, 1}.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray of 0.0 and 1.0, same shape as ``z``
    """
    z = as_float_array(z, "z")
    return (z > 0).astype(z.dtype)


def step_grad(z):
    """Derivative of the step: ``f'(z) = 0`` everywhere.

    At ``z = 0`` the step jumps, so the derivative is undefined there; we
    return 0 as well.  A zero gradient is exactly why the step cannot be
    trained by gradient descent and the perceptron needs its own rule.
    """
    z = as_float_array(z, "z")
    return np.zeros_like(z)


# -------------------------------------------------------------------- sigmoid
def sigmoid(z):
    """Logistic sigmoid: ``f(z) = 1 / (1 + exp(-z))``; range (0, 1).

    (The lecture notes once write ``1 / (1 + e^z)``: that is ``sigmoid(-z)``.)

    Computed in the two-branch form with ``e = exp(-|z|)``, which is at most 1,
    so nothing overflows: ``1 / (1 + e)`` for z >= 0 and ``e / (1 + e)`` for
    z < 0.  The naive ``1 / (1 + exp(-z))`` overflows ``exp`` for z < -709.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, same shape as ``z``
    """
    z = as_float_array(z, "z")
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    """Derivative of the sigmoid: ``f'(z) = f(z) (1 - f(z))``; at most 0.25 (at z = 0)."""
    s = sigmoid(z)
    return s * (1.0 - s)


# ----------------------------------------------------------------------- tanh
def tanh(z):
    """Hyperbolic tangent: ``f(z) = (e^z - e^-z) / (e^z + e^-z) = 2 sigmoid(2z) - 1``; range (-1, 1).

    Zero-centred, unlike the sigmoid.  Same shape as ``z``.
    """
    z = as_float_array(z, "z")
    return np.tanh(z)


def tanh_grad(z):
    """Derivative of tanh: ``f'(z) = 1 - tanh(z)^2``; at most 1 (at z = 0)."""
    t = tanh(z)
    return 1.0 - t * t


# ----------------------------------------------------------------------- ReLU
def relu(z):
    """Rectified linear unit: ``f(z) = max(0, z)``; range [0, inf).

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, same shape as ``z``
    """
    z = as_float_array(z, "z")
    return np.maximum(z, 0)  # z's dtype (0 is a weak scalar); NaN stays NaN, as in torch.relu


def relu_grad(z):
    """Derivative of ReLU: ``f'(z) = 1 if z > 0 else 0``.

    ReLU has a kink at 0 where the derivative is undefined; we take 0 there
    (the same choice as PyTorch), so a unit that sits exactly at 0 does not learn.
    """
    z = as_float_array(z, "z")
    return (z > 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: ``f(z) = z if z > 0 else alpha z``; range (-inf, inf) for alpha > 0.

    The small slope ``alpha`` for negative inputs keeps a gradient flowing, so
    units cannot "die" the way plain ReLU units can.  Same shape as ``z``.
    """
    z = as_float_array(z, "z")
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)


def leaky_relu_grad(z, alpha=0.01):
    """Derivative of leaky ReLU: ``f'(z) = 1 if z > 0 else alpha`` (alpha at the kink z = 0)."""
    z = as_float_array(z, "z")
    return np.where(z > 0, 1.0, alpha).astype(z.dtype, copy=False)


def elu(z, alpha=1.0):
    """Exponential linear unit: ``f(z) = z if z > 0 else alpha (exp(z) - 1)``; range (-alpha, inf).

    ``expm1`` is evaluated on ``min(z, 0)`` only, so large positive inputs
    never reach ``exp`` (which would overflow for z > 709) and ``expm1`` keeps
    full precision for small negative z.  Same shape as ``z``.
    """
    z = as_float_array(z, "z")
    negative_part = alpha * np.expm1(np.minimum(z, 0.0))  # <= 0, never overflows
    return np.where(z > 0, z, negative_part).astype(z.dtype, copy=False)


def elu_grad(z, alpha=1.0):
    """Derivative of ELU: ``f'(z) = 1 if z > 0 else alpha exp(z)`` (the left derivative at z = 0)."""
    z = as_float_array(z, "z")
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))).astype(z.dtype, copy=False)


# ----------------------------------------------------------------------- GELU
_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_erf_ufunc = np.frompyfunc(math.erf, 1, 1)  # exact erf from the standard library, elementwise


def _std_normal_cdf(z):
    """Phi(z) = (1 + erf(z / sqrt 2)) / 2, with the exact ``math.erf`` applied elementwise.

    NumPy has no ``erf``; ``math.erf`` through ``np.frompyfunc`` is exact to
    double precision and fast enough for course-sized arrays (about a
    microsecond per element).  We avoid the popular tanh approximation of GELU
    because it differs from the exact function by up to ~1e-3.
    """
    erf = np.asarray(_erf_ufunc(z / _SQRT_2), dtype=z.dtype)
    return 0.5 * (1.0 + erf)


def gelu(z):
    """Gaussian error linear unit (exact form): ``f(z) = z Phi(z) = z/2 (1 + erf(z / sqrt 2))``.

    ``Phi`` is the standard normal CDF, so GELU weights an input by how likely
    a standard normal variable is to lie below it.  Range about (-0.17, inf).
    Same shape and dtype as ``z``.
    """
    z = as_float_array(z, "z")
    return z * _std_normal_cdf(z)


def gelu_grad(z):
    """Derivative of GELU: ``f'(z) = Phi(z) + z phi(z)``, ``phi(z) = exp(-z^2 / 2) / sqrt(2 pi)``.

    (Some tables, including the lecture notes, write ``Phi(z) + z phi(z) / 2``;
    the product rule on ``z Phi(z)`` gives no factor 1/2, and the gradient
    check in the tests confirms it.)
    """
    z = as_float_array(z, "z")
    pdf = np.exp(-0.5 * z * z) / _SQRT_2PI  # underflows harmlessly to 0 for large |z|
    return _std_normal_cdf(z) + z * pdf


# ------------------------------------------------------------------- softplus
def softplus(z):
    """Softplus, a smooth ReLU: ``f(z) = log(1 + exp(z))``; range (0, inf).

    Rewritten as ``max(z, 0) + log1p(exp(-|z|))``, which is the same number but
    never exponentiates a positive value: the naive form overflows for
    z > 709 and loses all precision for z < -37.  Same shape as ``z``.
    """
    z = as_float_array(z, "z")
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def softplus_grad(z):
    """Derivative of softplus: ``f'(z) = sigmoid(z)``."""
    return sigmoid(z)


# ---------------------------------------------------------------------- swish
def swish(z, beta=1.0):
    """Swish (SiLU when beta = 1): ``f(z) = z sigmoid(beta z)``.

    Smooth and non-monotonic (it dips slightly below 0 for negative z).
    Uses the stable ``sigmoid``, so it is finite for any z.  Same shape as ``z``.
    """
    z = as_float_array(z, "z")
    return z * sigmoid(beta * z)


def swish_grad(z, beta=1.0):
    """Derivative of swish: ``f'(z) = s + beta z s (1 - s)`` with ``s = sigmoid(beta z)``.

    Equivalently ``beta f(z) + s (1 - beta f(z))``, the form in the notes.
    """
    z = as_float_array(z, "z")
    s = sigmoid(beta * z)
    return s + beta * z * s * (1.0 - s)


# ------------------------------------------------------------------- softsign
def softsign(z):
    """Softsign: ``f(z) = z / (1 + |z|)``; range (-1, 1), approached polynomially, not exponentially."""
    z = as_float_array(z, "z")
    return z / (1.0 + np.abs(z))


def softsign_grad(z):
    """Derivative of softsign: ``f'(z) = 1 / (1 + |z|)^2``."""
    z = as_float_array(z, "z")
    d = 1.0 + np.abs(z)
    return 1.0 / (d * d)


# -------------------------------------------------------------------- softmax
def softmax(z, axis=-1):
    """Softmax along ``axis``: ``p_i = exp(z_i) / sum_j exp(z_j)``; each slice sums to 1.

    Subtracting the maximum of each slice first leaves the result unchanged
    (the factor ``exp(-max)`` cancels) but makes every exponent <= 0, so
    ``exp`` cannot overflow even for logits of 1e4.

    Parameters
    ----------
    z : array_like, e.g. (N, C) logits
    axis : int, default -1
        The axis holding the classes.

    Returns
    -------
    ndarray, same shape as ``z``: probabilities along ``axis``
    """
    z = as_float_array(z, "z")
    shifted = z - np.max(z, axis=axis, keepdims=True)  # (N, C), max of each row is 0
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(dY, Y, axis=-1):
    """Backpropagate through softmax: ``dZ = Y * (dY - sum(dY * Y, axis))``.

    This is the Jacobian-vector product with the softmax Jacobian
    ``dY_i/dZ_j = Y_i (delta_ij - Y_j)`` of each row, computed without
    building the (C, C) matrix.  Only the softmax *output* is needed.

    Parameters
    ----------
    dY : array_like, e.g. (N, C)
        Upstream gradient dL/dY.
    Y : array_like, same shape as ``dY``
        The softmax output of the forward pass.
    axis : int, default -1
        The axis the softmax was taken over.

    Returns
    -------
    dZ : ndarray, same shape as ``Y``
        dL/dZ for the logits Z.
    """
    dY = as_float_array(dY, "dY")
    Y = as_float_array(Y, "Y")
    if dY.shape != Y.shape:
        raise ValueError(f"softmax_backward: dY and Y must have the same shape, got dY {dY.shape} and Y {Y.shape}")
    return Y * (dY - np.sum(dY * Y, axis=axis, keepdims=True))


# ---------------------------------------------------------------------- table
# name -> (f, f') for every elementwise activation (softmax is not elementwise).
ACTIVATIONS = {
    "identity": (identity, identity_grad),
    "step": (step, step_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "gelu": (gelu, gelu_grad),
    "softplus": (softplus, softplus_grad),
    "swish": (swish, swish_grad),
    "softsign": (softsign, softsign_grad),
}
