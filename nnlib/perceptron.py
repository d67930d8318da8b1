"""The perceptron: one layer of threshold neurons that learns by correcting mistakes.

A lesson in five steps.

1. **McCulloch–Pitts neuron (1943).**  Weights ``w_i`` (the synapses), an
   adder ``h = sum_i w_i x_i`` (the membrane collecting charge) and a
   threshold ``theta``: the neuron fires, ``y = 1``, when ``h > theta`` and
   stays silent, ``y = 0``, when ``h <= theta``.  It has no way to learn;
   someone must choose ``w`` and ``theta`` (see :func:`mp_neuron`).

2. **Bias as an input.**  Moving ``theta`` to the left-hand side,
   ``h - theta > 0``, shows that the threshold is just the weight of one more
   input that is always on: ``b = -theta`` is the weight of a constant input
   ``1``.  So a neuron computes ``y = step(x . w + b)`` with
   ``step(z) = 1 if z > 0 else 0``, and ``b`` is learned like any weight
   (see :func:`predict`).

3. **The perceptron rule (Rosenblatt).**  Show the neuron one sample ``x``
   with target ``t``; when it is wrong, nudge every weight by the input that
   caused the mistake::

       w <- w + lr (t - y) x          b <- b + lr (t - y)

   ``t - y`` is ``+1`` (should have fired: move towards ``x``), ``-1``
   (fired wrongly: move away) or ``0`` (right: no change).  The bias update is
   the same rule applied to the constant input ``1`` (see :func:`update`).

4. **Cost.**  ``T`` epochs over ``m`` samples with ``n`` inputs each cost one
   dot product and one update of ``n`` weights per sample: ``O(T * m * n)``
   (see :func:`train` and :class:`Perceptron`).

5. **Its limit: XOR.**  The decision boundary ``x . w + b = 0`` is a straight
   line (a hyperplane).  When the two classes can be separated by such a line
   (AND, OR, NAND, NOR) the rule is guaranteed to stop after finitely many
   mistakes (the perceptron convergence theorem).  XOR puts (0, 1) and (1, 0)
   on one side and (0, 0) and (1, 1) on the other; no line does that, so the
   rule cycles for ever and :class:`Perceptron` stops with a
   :class:`ConvergenceWarning`.  Hidden layers (chapter 02) remove the limit.

Shapes: ``X`` is ``(N, D)`` (N samples of D inputs), ``w`` is ``(D,)``, ``b``
a float, targets ``t`` are ``(N,)`` with values in {0, 1}.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from nnlib._validation import as_float_array, as_generator, check_positive, check_shape
from nnlib.activations import step

__all__ = ["ConvergenceWarning", "Perceptron", "mp_neuron", "predict", "train", "update"]


class ConvergenceWarning(UserWarning):
    """Training stopped at its epoch limit while samples were still misclassified."""


# ---------------------------------------------------------------- validation


def _check_scalar(value, name: str) -> float:
    """``value`` as a Python float; TypeError for arrays, strings and the like."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def _check_epochs(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_targets(t, N: int, where: str) -> np.ndarray:
    t = as_float_array(t, "t", ndim=1)
    check_shape(t, (N,), "t", where)
    bad = (t != 0) & (t != 1)
    if bad.any():
        raise ValueError(f"{where}: t must hold targets 0 or 1, got {t[bad][:5].tolist()} "
                         f"at indices {np.flatnonzero(bad)[:5].tolist()}")
    return t


def _check_weights(w, D: int | None, where: str) -> np.ndarray:
    w = as_float_array(w, "w", ndim=1)
    if D is not None:
        check_shape(w, (D,), "w", where)
    return w


# ---------------------------------------------------------------- the neuron


def mp_neuron(x, w, theta):
    """McCulloch–Pitts neuron: fire when the weighted sum exceeds the threshold.

    ``h = x . w``;  ``y = 1 if h > theta else 0`` (``h == theta`` does not fire).

    Parameters
    ----------
    x : array_like, shape (D,) or (N, D)
        One input vector, or a batch of N of them.
    w : array_like, shape (D,)
        Synaptic weights.
    theta : float
        Firing threshold.

    Returns
    -------
    float or ndarray of shape (N,)
        ``1.0`` or ``0.0``: a Python float for one input, an array for a batch.
    """
    x = as_float_array(x, "x", ndim=(1, 2))
    w = as_float_array(w, "w", ndim=1)
    theta = _check_scalar(theta, "theta")
    if x.shape[-1] != w.shape[0]:
        want = f"({w.shape[0]},)" if x.ndim == 1 else f"(N, {w.shape[0]})"
        raise ValueError(f"mp_neuron: x must have shape {want} to match w of shape {w.shape}, got {x.shape}")
    h = x @ w  # () or (N,)
    # Compare with theta directly rather than step(h - theta): the notes' rule is h > theta.
    y = np.where(h > theta, 1.0, 0.0).astype(np.result_type(x, w), copy=False)  # () or (N,)
    return float(y) if x.ndim == 1 else y


# ---------------------------------------------------------------- the perceptron


def predict(X, w, b):
    """Perceptron output for a batch: ``y = step(X @ w + b)``, 1 where the sum is > 0.

    Parameters
    ----------
    X : array_like, shape (N, D)
    w : array_like, shape (D,)
    b : float
        Bias, the weight of a constant input 1 (``b = -theta``).

    Returns
    -------
    ndarray of shape (N,)
        0.0 / 1.0 (float64; float32 when X and w are float32).
    """
    X = as_float_array(X, "X", ndim=2)
    w = _check_weights(w, None, "predict")
    if X.shape[1] != w.shape[0]:
        raise ValueError(f"predict: X must have shape (N, {w.shape[0]}) to match w of shape {w.shape}, got {X.shape}")
    b = _check_scalar(b, "b")
    return step(X @ w + b)  # (N,)


def update(w, b, x, t, lr=0.1):
    """One application of the perceptron rule to one sample.

    ``y = step(x . w + b)``;  ``w' = w + lr (t - y) x``;  ``b' = b + lr (t - y)``.

    The bias is the weight of a constant input 1, so its update is the weight
    update with ``x_i = 1``.  When the sample is classified correctly
    ``t - y = 0`` and nothing changes; otherwise the bias moves by exactly
    ``±lr``.

    Parameters
    ----------
    w : array_like, shape (D,)
        Current weights (not modified).
    b : float
        Current bias.
    x : array_like, shape (D,)
        One sample.
    t : {0, 1}
        Its target.
    lr : float, default 0.1
        Learning rate ``eta`` > 0.

    Returns
    -------
    new_w : ndarray, shape (D,)
        A new array, also when unchanged.
    new_b : float
    """
    w = _check_weights(w, None, "update")
    x = as_float_array(x, "x", ndim=1)
    check_shape(x, w.shape, "x", "update")
    b = _check_scalar(b, "b")
    t = _check_scalar(t, "t")
    if t not in (0.0, 1.0):
        raise ValueError(f"update: t must be 0 or 1, got {t!r}")
    lr = _check_scalar(lr, "lr")
    check_positive(lr, "lr")
    y = float(step(x @ w + b))
    new_w = w + lr * (t - y) * x  # (D,) a new array: w is never mutated
    new_b = b + lr * (t - y)
    return new_w, new_b


def train(X, t, lr=0.1, max_epochs=100, w0=None, b0=0.0):
    """Train a perceptron with the rule of :func:`update`, sample by sample.

    Each epoch visits the samples in the order given (no shuffling, so a run
    can be followed by hand) and applies ``w <- w + lr (t_i - y_i) x_i``,
    ``b <- b + lr (t_i - y_i)``.  Training stops after the first epoch with no
    mistake, or after ``max_epochs``: check ``errors[-1] == 0`` to know which
    (only :class:`Perceptron` warns).  Cost ``O(max_epochs * N * D)``.

    Parameters
    ----------
    X : array_like, shape (N, D)
    t : array_like, shape (N,)
        Targets 0 or 1.
    lr : float, default 0.1
    max_epochs : int, default 100
    w0 : array_like, shape (D,), optional
        Starting weights (default zeros; not modified).
    b0 : float, default 0.0

    Returns
    -------
    w : ndarray, shape (D,)
    b : float
    errors : list of int
        Per epoch, the samples misclassified when visited (before their
        update); the last entry is 0 exactly when training converged.
    """
    X = as_float_array(X, "X", ndim=2)
    N, D = X.shape
    t = _check_targets(t, N, "train")
    check_positive(_check_scalar(lr, "lr"), "lr")
    max_epochs = _check_epochs(max_epochs, "max_epochs")
    w = np.zeros(D, dtype=X.dtype) if w0 is None else _check_weights(w0, D, "train").copy()  # (D,)
    b = _check_scalar(b0, "b0")

    errors = []
    for _ in range(max_epochs):
        n_wrong = 0
        for i in range(N):
            new_w, new_b = update(w, b, X[i], t[i], lr)
            # The bias moves by ±lr exactly when sample i was misclassified,
            # so the mistake is counted without computing y a second time.
            n_wrong += new_b != b
            w, b = new_w, new_b
        errors.append(int(n_wrong))
        if n_wrong == 0:
            break
    return w, b, errors


def _init_zeros(D, rng, dtype):
    return np.zeros(D, dtype=dtype), 0.0  # (D,)


def _init_random(D, rng, dtype):
    # Small weights (std 0.01) break no symmetry here (a perceptron has one
    # neuron) but let the first epoch start from a slightly tilted line.
    w = rng.normal(0.0, 0.01, size=D).astype(dtype, copy=False)  # (D,)
    return w, float(rng.normal(0.0, 0.01))


INITS = {"zeros": _init_zeros, "random": _init_random}


class Perceptron:
    """A single threshold neuron trained with the perceptron rule.

    ``y = step(X @ w_ + b_)``; per sample ``w <- w + lr (t - y) x``,
    ``b <- b + lr (t - y)`` (see :func:`update`, used for every step).

    Parameters
    ----------
    lr : float, default 0.1
        Learning rate (> 0).
    epochs : int, default 100
        Maximum number of passes over the data.
    rng : numpy.random.Generator or int, optional
        Source of randomness for ``init="random"`` and ``shuffle=True``.
    init : {"zeros", "random"}, default "zeros"
        Zero weights and bias, or both drawn from ``normal(0, 0.01)``.
    shuffle : bool, default False
        Visit the samples in a fresh random order each epoch.

    Attributes
    ----------
    w_ : ndarray, shape (D,)
    b_ : float
    errors_ : list of int
        Misclassified samples seen in each epoch (counted before each update).
    history_ : list of tuple (w, b, sample_index, error_count_so_far)
        The state after every single sample: a copy of the weights, the bias,
        the index (into X) of the sample just shown and the number of mistakes
        so far in the current epoch.  Drives the training-player animation.
    initial_ : tuple (w, b)
        The weights before the first sample.
    converged_ : bool
        True when the last epoch had no mistake.  When False, ``fit`` has
        issued a :class:`ConvergenceWarning`.
    """

    def __init__(self, lr=0.1, epochs=100, rng=None, init="zeros", shuffle=False):
        check_positive(_check_scalar(lr, "lr"), "lr")
        if init not in INITS:
            raise ValueError(f"init must be one of {sorted(INITS)}, got {init!r}")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
        self.lr = float(lr)
        self.epochs = _check_epochs(epochs, "epochs")
        self.rng = as_generator(rng)
        self.init = init
        self.shuffle = bool(shuffle)

    def __repr__(self):
        return (f"Perceptron(lr={self.lr}, epochs={self.epochs}, init={self.init!r}, "
                f"shuffle={self.shuffle})")

    def fit(self, X, t):
        """Learn ``w_`` and ``b_`` from ``X`` (N, D) and targets ``t`` (N,) in {0, 1}; returns self."""
        X = as_float_array(X, "X", ndim=2)
        N, D = X.shape
        t = _check_targets(t, N, "Perceptron.fit")
        w, b = INITS[self.init](D, self.rng, X.dtype)
        self.initial_ = (w.copy(), b)
        self.errors_, self.history_ = [], []
        for _ in range(self.epochs):
            order = self.rng.permutation(N) if self.shuffle else range(N)
            n_wrong = 0
            for i in order:
                new_w, new_b = update(w, b, X[i], t[i], self.lr)
                n_wrong += new_b != b  # the bias moves exactly on a mistake
                w, b = new_w, new_b
                self.history_.append((w.copy(), b, int(i), int(n_wrong)))
            self.errors_.append(int(n_wrong))
            if n_wrong == 0:
                break
        self.w_, self.b_ = w, b
        self.converged_ = self.errors_[-1] == 0
        if not self.converged_:
            warnings.warn(
                f"perceptron did not converge in {self.epochs} epochs "
                f"({self.errors_[-1]} of {N} samples still misclassified in the last one): "
                "the data may not be linearly separable (XOR is not)",
                ConvergenceWarning, stacklevel=2)
        return self

    def predict(self, X):
        """``step(X @ w_ + b_)`` for X of shape (N, D); returns (N,) of 0.0 / 1.0."""
        if not hasattr(self, "w_"):
            raise RuntimeError("this Perceptron is not fitted yet: call fit(X, t) first")
        X = as_float_array(X, "X", ndim=2)
        check_shape(X, (None, self.w_.shape[0]), "X", "Perceptron.predict")
        return predict(X, self.w_, self.b_)
