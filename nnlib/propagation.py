"""How signals and gradients travel through a deep stack of layers.

A layer computes ``z = a W`` and ``a' = f(z)``.  With independent, zero-mean
weights and inputs, one unit of ``z`` sums ``n_in`` products, so

    Var(z) = n_in * Var(W) * Var(a)          (the variance argument)

and the scale of the signal is multiplied by about ``sqrt(n_in Var(W))`` per
layer (ReLU then halves the variance, tanh squashes it).  Backwards, the
gradient is multiplied by ``diag(f'(z)) W^T`` per layer, so its scale changes
the same way, times the size of ``f'`` (``sigmoid' <= 0.25``).  Over ten
layers a factor a little below or above 1 becomes tiny or huge: vanishing
and exploding signals and gradients.

This module runs those experiments with plain arrays (no biases: they are 0
at initialisation and change nothing here):

- :func:`draw_weights`: one weight matrix from a scheme or a plain std;
- :func:`activation_stds`: the std of every layer's activations (one number
  per layer, the table of chapter 06);
- :func:`deep_signals`: every layer's activations and gradients, for
  histograms;
- :class:`TrainingRun` and :func:`training_gradient_norms`: per-layer
  gradient norms over the first steps of training a deep MLP on the
  digits, with or without batch norm.

Every random draw takes ``rng`` (a Generator or an int seed) and draws in a
fixed order: first the input ``X = rng.standard_normal((n_samples, width))``,
then the weights layer by layer, each with the scheme's own call
(``rng.normal(0, s, (n_in, n_out))`` or ``rng.uniform(-a, a, (n_in, n_out))``).
"""
from __future__ import annotations

import numbers

import numpy as np

from nnlib._validation import as_generator
from nnlib.activations import ACTIVATIONS
from nnlib.init import SCHEMES, init_scale, normal, uniform

__all__ = ["TrainingRun", "activation_stds", "deep_signals", "draw_weights", "training_gradient_norms"]


def _check_count(value, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of: {', '.join(sorted(ACTIVATIONS))}")


def draw_weights(n_in, n_out, init, rng=None) -> np.ndarray:
    """One weight matrix: ``N(0, init^2)`` for a number, else the scheme ``init`` of ``nnlib.init``.

    Parameters
    ----------
    n_in, n_out : int >= 1
    init : float >= 0 or str
        A standard deviation (``0.01`` is the classic "small random numbers",
        ``1.0`` the standard normal) or one of ``nnlib.init.SCHEMES``
        ("xavier_normal", "he_normal", ...), whose scale is
        ``init_scale(n_in, n_out, init)``.
    rng : numpy.random.Generator or int seed

    Returns
    -------
    W : ndarray, (n_in, n_out), float64
    """
    if isinstance(init, numbers.Real) and not isinstance(init, bool):
        _check_count(n_in, "n_in")
        _check_count(n_out, "n_out")
        return normal((n_in, n_out), float(init), rng)  # (n_in, n_out)
    if init not in SCHEMES:
        raise ValueError(f"init must be a standard deviation (a number) or one of {', '.join(SCHEMES)}; got {init!r}")
    scale = init_scale(n_in, n_out, init)
    if init.endswith("uniform"):
        return uniform((n_in, n_out), scale, rng)  # (n_in, n_out)
    return normal((n_in, n_out), scale, rng)  # (n_in, n_out)


def activation_stds(n_layers, width, init, activation, rng=None, n_samples=1000) -> list:
    """Standard deviation of the activations after each of ``n_layers`` square layers.

    ``A_0 = X ~ N(0, 1)`` of shape ``(n_samples, width)``; for each layer
    ``A_k = f(A_{k-1} @ W_k)`` with ``W_k = draw_weights(width, width, init, rng)``.
    With 10 layers of width 256 and seed 0, ReLU with ``N(0, 1)`` weights
    grows to about 3e10, ReLU with He stays near 0.85, tanh with
    ``N(0, 0.01^2)`` dies out.

    Parameters
    ----------
    n_layers, width : int >= 1
    init : float or str
        As in :func:`draw_weights`.
    activation : str
        A name of ``nnlib.activations.ACTIVATIONS`` ("tanh", "relu", "sigmoid", ...).
    rng : numpy.random.Generator or int seed
    n_samples : int >= 1, default 1000

    Returns
    -------
    list of float, length n_layers
        ``A_k.std()`` over all samples and units, for k = 1 .. n_layers.
    """
    signals = deep_signals(n_layers, width, init, activation, rng, n_samples, backward=False)
    return [float(A.std()) for A in signals["A"]]


def deep_signals(n_layers, width, init, activation, rng=None, n_samples=1000, backward=True) -> dict:
    """Every layer's activations and, backwards, the gradient reaching every layer.

    Forward as in :func:`activation_stds`.  Backward from the loss
    ``L = sum of the last activations`` (so ``dL/dA_n = 1``, a gradient of
    the same size for every unit): ``dZ_k = dA_k * f'(Z_k)``, then
    ``dA_{k-1} = dZ_k @ W_k^T``, the product ``diag(f') W^T`` per layer.

    Parameters
    ----------
    n_layers, width, init, activation, rng, n_samples
        As in :func:`activation_stds`.
    backward : bool, default True
        False skips the gradients (``"dZ"`` is then empty).

    Returns
    -------
    dict with
        ``"A"``: list of n_layers arrays (n_samples, width), the activations ``A_1 .. A_n``;
        ``"dZ"``: list of n_layers arrays (n_samples, width), ``dL/dZ_1 .. dL/dZ_n``;
        ``"Z"``: list of n_layers arrays (n_samples, width), the pre-activations;
        ``"W"``: list of n_layers arrays (width, width).
    """
    n_layers = _check_count(n_layers, "n_layers")
    width = _check_count(width, "width")
    n_samples = _check_count(n_samples, "n_samples")
    _check_activation(activation)
    rng = as_generator(rng)
    f, f_grad = ACTIVATIONS[activation]
    A = rng.standard_normal((n_samples, width))  # (N, width) the input
    activations, pre, weights = [], [], []
    for _ in range(n_layers):
        W = draw_weights(width, width, init, rng)  # (width, width)
        Z = A @ W  # (N, width)
        A = f(Z)  # (N, width)
        weights.append(W)
        pre.append(Z)
        activations.append(A)
    grads = []
    if backward:
        dA = np.ones_like(A)  # (N, width) dL/dA_n for L = sum of the outputs
        for W, Z in zip(reversed(weights), reversed(pre)):
            dZ = dA * f_grad(Z)  # (N, width)
            grads.append(dZ)
            dA = dZ @ W.T  # (N, width)
        grads.reverse()
    return {"A": activations, "dZ": grads, "Z": pre, "W": weights}


class TrainingRun:
    """A deep MLP on the digits, trained one full-batch SGD step at a time, recording gradient norms.

    ``64 -> width -> ... -> width -> 10`` with ``n_layers`` hidden layers,
    each ``Dense -> [BatchNorm ->] activation``, softmax cross-entropy on the
    first ``n_samples`` digits (standardised), plain SGD.  Every
    :meth:`step` records the Frobenius norm ``||dL/dW||`` of each hidden
    Dense layer and the loss, then updates.  The hidden weights are drawn
    with :func:`draw_weights` from ``rng`` in layer order, then the output
    layer's (Xavier normal), so the same seed gives the same starting
    weights with and without batch norm.

    Parameters
    ----------
    n_layers : int >= 1
        Hidden layers.
    activation : str
        A name of ``ACTIVATIONS``.
    init : float or str
        As in :func:`draw_weights`.
    batchnorm : bool
        Insert ``BatchNorm(width)`` after each hidden Dense layer.
    lr : float > 0, default 0.05
    width, n_samples : int >= 1
    rng : numpy.random.Generator or int seed

    Attributes
    ----------
    norms : list of ndarray (n_layers,)
        ``norms[t][k]`` = ``||dL/dW||`` of hidden layer k + 1 before update t + 1.
    losses : list of float
        The loss before each update.
    """

    def __init__(self, n_layers, activation, init, batchnorm, lr=0.05, width=32, n_samples=256, rng=0):
        # imported here: only this class trains a network
        from nnlib.data import load_digits, standardize
        from nnlib.layers import Activation, BatchNorm, Dense
        from nnlib.network import Sequential
        from nnlib.optimizers import SGD

        n_layers = _check_count(n_layers, "n_layers")
        width = _check_count(width, "width")
        n_samples = _check_count(n_samples, "n_samples")
        _check_activation(activation)
        rng = as_generator(rng)
        X, y = load_digits()
        self.X, _, _ = standardize(X[:n_samples])  # (n_samples, 64)
        self.y = y[:n_samples]  # (n_samples,)
        layers, self.dense = [], []
        n_in = self.X.shape[1]
        for _ in range(n_layers):
            layer = Dense(n_in, width, init="zeros")
            layer.params["W"][...] = draw_weights(n_in, width, init, rng)  # (n_in, width)
            self.dense.append(layer)
            layers.append(layer)
            if batchnorm:
                layers.append(BatchNorm(width))
            layers.append(Activation(activation))
            n_in = width
        out = Dense(width, 10, init="zeros")
        out.params["W"][...] = draw_weights(width, 10, "xavier_normal", rng)  # (width, 10)
        self.model = Sequential([*layers, out])
        self.optimizer = SGD(lr)
        self.norms: list = []
        self.losses: list = []

    def step(self) -> None:
        """Record every hidden layer's ``||dL/dW||`` and the loss, then take one SGD step."""
        from nnlib.losses import softmax_cross_entropy_with_grad

        self.model.zero_grad()
        loss, dZ = softmax_cross_entropy_with_grad(self.model.forward(self.X), self.y)
        self.model.backward(dZ, need_dX=False)
        self.norms.append(np.array([np.linalg.norm(layer.grads["W"]) for layer in self.dense]))  # (n_layers,)
        self.losses.append(float(loss))
        self.optimizer.step(self.model.parameters(), self.model.gradients())


def training_gradient_norms(n_layers, activation, init, batchnorm, steps=30, lr=0.05, width=32,
                            n_samples=256, rng=0):
    """Gradient norm of every hidden layer's weights over the first ``steps`` of training (see :class:`TrainingRun`).

    Parameters
    ----------
    n_layers, activation, init, batchnorm, lr, width, n_samples, rng
        As in :class:`TrainingRun`.
    steps : int >= 1

    Returns
    -------
    norms : ndarray, (steps, n_layers)
        ``norms[t, k]`` = ``||dL/dW||`` of hidden layer k + 1 before update t + 1.
    losses : ndarray, (steps,)
        The loss at each step, before its update.
    """
    steps = _check_count(steps, "steps")
    run = TrainingRun(n_layers, activation, init, batchnorm, lr=lr, width=width, n_samples=n_samples, rng=rng)
    for _ in range(steps):
        run.step()
    return np.array(run.norms), np.array(run.losses)  # (steps, n_layers), (steps,)
