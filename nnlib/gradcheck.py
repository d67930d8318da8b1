"""Gradient checking: compare a backward pass with finite differences.

A backward pass is easy to get subtly wrong (a missing transpose, a missing
1/N, a sign).  The derivative is the limit of a difference quotient, so we
can estimate it without any calculus, one coordinate at a time, with the
centred difference

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h),

whose error shrinks like h^2 (the one-sided quotient's only like h).  It costs
two evaluations of ``f`` per coordinate, far too slow for training but fine
for checking.  The two gradients are compared with the relative error, which
does not depend on the scale of the gradient: in float64 with ``h = 1e-5``,
below 1e-7 means correct, above 1e-3 almost certainly means a bug.  Two
honest exceptions: a kink such as ReLU's at 0 inside ``[x - h, x + h]``, and
an entry that is tiny next to the others (a saturated sigmoid or softmax, a
unit at a flat spot), whose absolute error is still ~1e-11 but whose relative
error can reach 1e-6.  Look at *which* entry is off before hunting for a bug.
"""
from __future__ import annotations

import copy

import numpy as np

from nnlib._validation import as_float_array, as_generator

__all__ = ["numerical_gradient", "relative_error", "check_layer"]


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function: ``g_i = (f(x + h e_i) - f(x - h e_i)) / (2h)``.

    ``x`` is perturbed **in place**, one element at a time, and restored
    exactly afterwards, so ``f`` may read ``x`` from wherever it lives (for
    example a layer's weight matrix) instead of from its argument.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x : ndarray of floats, any shape
        The point; it must be a NumPy floating array so it can be changed in place.
    h : float > 0, default 1e-5
        Step size.

    Returns
    -------
    ndarray, same shape and dtype as ``x``
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a floating-point NumPy array (it is perturbed in place), got {type(x).__name__}"
                        + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    if not h > 0:
        raise ValueError(f"h must be > 0, got {h!r}")
    grad = np.zeros_like(x)  # shape of x
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old  # restore exactly
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a, b) -> float:
    """Largest elementwise relative error: ``max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|)``.

    The ``1e-8`` floor keeps two (nearly) zero entries from dividing by zero.

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float (0.0 for empty arrays)
    """
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"relative_error: a and b must have the same shape, got a {a.shape} and b {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _generators(model):
    """The random generators a layer (or the layers of a network) draws from, e.g. Dropout's."""
    found = [model.rng] if isinstance(getattr(model, "rng", None), np.random.Generator) else []
    for layer in getattr(model, "layers", []):
        found += _generators(layer)
    return found


def check_layer(layer, X, seed=0, training=True, h=1e-5):
    """Relative errors between a layer's backward pass and numerical gradients.

    Uses the scalar loss ``L = sum(Y * R)`` with ``Y = layer.forward(X)`` and a
    fixed random ``R`` (N(0, 1), same shape as ``Y``), so ``dL/dY = R`` and
    every output element takes part.  The layer is copied first: its
    parameters, gradients and running statistics are left untouched.  Layers
    that draw random numbers (Dropout) are reset to the same random state
    before every forward pass, so every evaluation sees the same mask.

    Parameters
    ----------
    layer : a layer, or a ``Sequential`` network
        Anything with ``forward(X, training)``, ``backward(dY)``, ``params``,
        ``grads`` and ``zero_grad()``.
    X : array_like, e.g. (N, D)
        The input; use float64 for meaningful results.
    seed : int, default 0
        Seed of the projection ``R``.
    training : bool, default True
        Passed to ``forward``.
    h : float, default 1e-5
        Finite-difference step.

    Returns
    -------
    dict
        ``{"X": err, "<param name>": err, ...}``, each a float from
        ``relative_error``; below about 1e-7 means the backward pass is right.
    """
    X = np.array(as_float_array(X, "X"))  # (N, D) private copy, perturbed in place below

    def random_states(model):
        return [g.bit_generator.state for g in _generators(model)]

    def restore(model, states):
        for g, state in zip(_generators(model), states):
            g.bit_generator.state = state

    # Analytic gradients on one copy of the layer.
    analytic = copy.deepcopy(layer)
    states = random_states(analytic)
    analytic.zero_grad()
    Y = analytic.forward(X.copy(), training=training)
    R = as_generator(seed).standard_normal(Y.shape)  # shape of Y
    grads = {"X": analytic.backward(R)}
    grads.update(analytic.grads)

    # Numerical gradients on another copy, whose parameters we perturb in place.
    probe = copy.deepcopy(layer)
    # Subtracting the unperturbed output changes L by a constant only, but makes
    # every output the perturbation does not touch contribute exactly 0, so
    # rounding in the big sum cannot swamp a small derivative.
    Y0 = Y.copy()  # shape of Y

    def loss(x_in):
        restore(probe, states)
        return float(np.sum((probe.forward(x_in, training=training) - Y0) * R))

    errors = {"X": relative_error(grads["X"], numerical_gradient(loss, X, h))}
    for name, p in probe.params.items():
        errors[name] = relative_error(grads[name], numerical_gradient(lambda _: loss(X), p, h))
    return errors
