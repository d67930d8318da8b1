"""Layers: the functional blocks of ``nnlib.functional`` with their parameters attached.

Every layer follows one tiny protocol:

* ``forward(X, training=True)`` computes the output and keeps the cache the
  backward pass needs (``training`` switches dropout and batch norm between
  their training and test behaviour);
* ``backward(dY)`` takes ``dL/dY`` and returns ``dL/dX``; on the way it
  **accumulates** the parameter gradients into ``grads`` with ``+=``.
  ``backward(dY, need_dX=False)`` returns None instead of ``dL/dX``: a
  network asks that of its first layer, whose input is the data (see
  ``Sequential.backward``);
* ``params`` and ``grads`` are dicts of arrays keyed by name ("W", "b",
  "gamma", "beta"), with matching shapes and dtypes; parameter-free layers
  have empty dicts.  A layer always reaches its arrays through these dicts
  (``self.params["W"]``), never through a copy of the reference kept
  elsewhere: ``Sequential`` replaces them with views of one flat buffer;
* ``zero_grad()`` sets every gradient back to zero, in place.

Accumulating rather than overwriting is the same decision PyTorch and
micrograd make: gradients from several backward passes (or from several uses
of a parameter) add up, and the training loop calls ``zero_grad()`` before
each step.  The ``grads`` arrays are allocated once and only ever changed in
place, so an optimizer may hold on to them.

``zero_grad()`` also notes that the gradients are zero, so the next
``Dense.backward`` writes ``X.T @ dY`` straight into ``grads["W"]`` (adding
to zero changes nothing) instead of making a temporary and adding it: for a
wide layer that temporary is as large as the weights.  This is what
PyTorch's ``zero_grad(set_to_none=True)`` is for.  So add terms of your own
(an L2 gradient, say) to ``grads`` *after* ``backward``, never between
``zero_grad()`` and ``backward``.

Layers never recompute the forward pass: backward uses the cache of the most
recent forward call.
"""
from __future__ import annotations

import numpy as np

from nnlib import functional as F
from nnlib._validation import as_float_array, as_generator, check_positive, check_probability, check_shape
from nnlib.data import standardize
from nnlib.init import INITIALIZERS

__all__ = ["Layer", "Dense", "Activation", "Dropout", "BatchNorm", "Standardize"]


class Layer:
    """Base class: empty ``params``/``grads``, ``zero_grad`` and the backward-before-forward guard."""

    _grads_are_zero = False  # True from zero_grad() until the next backward writes into grads

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._cache = None

    def zero_grad(self) -> None:
        """Reset every gradient to 0 in place (the arrays themselves are kept), and note that they are 0."""
        for g in self.grads.values():
            g[...] = 0
        self._grads_are_zero = True

    def _require_cache(self):
        if self._cache is None:
            raise RuntimeError(f"{self!r}: backward() was called before forward(); run forward(X) first")
        return self._cache

    def forward(self, X, training=True):  # pragma: no cover - every subclass overrides it
        """Compute the layer's output for a batch X (N, D) and keep what backward needs."""
        raise NotImplementedError

    def backward(self, dY, need_dX=True):  # pragma: no cover - every subclass overrides it
        """Accumulate parameter gradients from ``dY = dL/dY``; return ``dL/dX`` (or None)."""
        raise NotImplementedError


def _check_size(n, name, where):
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {n!r}")


class Dense(Layer):
    """Fully connected layer: ``Z = X @ W + b``.

    Parameters
    ----------
    n_in, n_out : int
        Number of input features D and output units H.
    init : str, default "he_normal"
        Name of the weight initialiser in ``nnlib.init.INITIALIZERS``; the bias starts at 0.
    rng : numpy.random.Generator or int seed, optional
        Randomness of the initialiser.
    dtype : numpy dtype, default float64

    Attributes
    ----------
    params : {"W": (n_in, n_out), "b": (n_out,)}
    grads : same keys and shapes
    """

    def __init__(self, n_in, n_out, init="he_normal", rng=None, dtype=np.float64):
        super().__init__()
        where = f"Dense({n_in!r}, {n_out!r})"
        _check_size(n_in, "n_in", where)
        _check_size(n_out, "n_out", where)
        if init not in INITIALIZERS:
            raise ValueError(f"{where}: unknown init {init!r}; choose one of: {', '.join(sorted(INITIALIZERS))}")
        self.n_in, self.n_out, self.init = int(n_in), int(n_out), init
        self._where = f"Dense({self.n_in}, {self.n_out})"  # for error messages
        W = INITIALIZERS[init](self.n_in, self.n_out, as_generator(rng)).astype(dtype)  # (n_in, n_out)
        self.params = {"W": W, "b": np.zeros(self.n_out, dtype=dtype)}  # b: (n_out,)
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}

    def forward(self, X, training=True):
        """``Z = X @ W + b``; X (N, n_in) -> Z (N, n_out).  ``training`` has no effect."""
        X = as_float_array(X, "X")
        check_shape(X, (None, self.n_in), "X", where=self._where)
        Z, self._cache = F.dense_forward(X, self.params["W"], self.params["b"])
        return Z

    def backward(self, dY, need_dX=True):
        """Accumulate ``dW = X.T @ dY`` and ``db = sum_n dY``; return ``dX = dY @ W.T`` (N, n_in), or None."""
        cache = self._require_cache()
        X = cache[0]
        dY = as_float_array(dY, "dY")
        if self._grads_are_zero and dY.dtype == X.dtype == self.grads["W"].dtype:
            # Right after zero_grad(), 0 + dW is dW: the products go straight into the gradient
            # arrays, which saves an (n_in, n_out) temporary and a pass over it.  (With mixed
            # dtypes the += below keeps its own rounding.)
            dX, _, _ = F.dense_backward(dY, cache, need_dX, out=(self.grads["W"], self.grads["b"]))
        else:
            dX, dW, db = F.dense_backward(dY, cache, need_dX)
            self.grads["W"] += dW
            self.grads["b"] += db
        self._grads_are_zero = False
        return dX

    def __repr__(self):
        return f"Dense({self.n_in} -> {self.n_out}, {self.init})"


class Activation(Layer):
    """Elementwise activation ``A = f(Z)`` (or softmax over the last axis); no parameters.

    Parameters
    ----------
    name : str
        A key of ``nnlib.activations.ACTIVATIONS`` or ``"softmax"``.
    **kwargs
        Parameters of the activation, e.g. ``Activation("leaky_relu", alpha=0.1)``.
    """

    def __init__(self, name, **kwargs):
        super().__init__()
        F._check_activation_name(name)
        self.name, self.kwargs = name, kwargs

    def forward(self, X, training=True):
        """``A = f(X)``, same shape as ``X``.  ``training`` has no effect."""
        A, self._cache = F.activation_forward(X, self.name, **self.kwargs)
        return A

    def backward(self, dY, need_dX=True):
        """``dX = dY * f'(X)`` (softmax: its Jacobian-vector product); None when not needed."""
        cache = self._require_cache()
        return F.activation_backward(dY, cache) if need_dX else None

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"Activation({self.name}{extra})"


class Dropout(Layer):
    """Inverted dropout: while training, zero each unit with probability ``p`` and scale the rest by ``1/(1-p)``.

    At test time (``training=False``) it is the identity.

    Parameters
    ----------
    p : float in [0, 1)
        Probability of dropping a unit (as ``torch.nn.Dropout``).
    rng : numpy.random.Generator or int seed, optional
        Source of the masks; a seed makes the sequence of masks reproducible.
    """

    def __init__(self, p, rng=None):
        super().__init__()
        check_probability(p, "p")
        self.p = p
        self.rng = as_generator(rng)

    def forward(self, X, training=True):
        """Drop units at random (training) or pass ``X`` through (test); same shape as ``X``."""
        Y, self._cache = F.dropout_forward(X, self.p, self.rng, training)
        return Y

    def backward(self, dY, need_dX=True):
        """Gradient flows only through the kept units, scaled by ``1/(1-p)``; None when not needed."""
        cache = self._require_cache()
        return F.dropout_backward(dY, cache) if need_dX else None

    def __repr__(self):
        return f"Dropout(p={self.p})"


class BatchNorm(Layer):
    """Batch normalisation over the batch axis: ``Y = gamma * (X - mu) / sqrt(var + eps) + beta``.

    Parameters
    ----------
    n : int
        Number of features D.
    momentum : float in [0, 1], default 0.1
        Weight of the newest batch in the running statistics (PyTorch's convention).
    eps : float > 0, default 1e-5
    dtype : numpy dtype, default float64

    Attributes
    ----------
    params : {"gamma": (n,) ones, "beta": (n,) zeros}
    grads : same keys and shapes
    running : {"mean": (n,) zeros, "var": (n,) ones}
        Running statistics used at test time, updated in place while training.
    """

    def __init__(self, n, momentum=0.1, eps=1e-5, dtype=np.float64):
        super().__init__()
        _check_size(n, "n", f"BatchNorm({n!r})")
        check_probability(momentum, "momentum", allow_one=True)
        check_positive(eps, "eps")
        self.n, self.momentum, self.eps = int(n), momentum, eps
        self.params = {"gamma": np.ones(self.n, dtype=dtype), "beta": np.zeros(self.n, dtype=dtype)}  # (n,) each
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        self.running = {"mean": np.zeros(self.n, dtype=dtype), "var": np.ones(self.n, dtype=dtype)}  # (n,) each

    def forward(self, X, training=True):
        """Normalise with batch statistics (training, updating ``running``) or running ones (test)."""
        X = as_float_array(X, "X")
        check_shape(X, (None, self.n), "X", where=f"BatchNorm({self.n})")
        Y, self._cache = F.batchnorm_forward(
            X, self.params["gamma"], self.params["beta"], self.running, training, self.momentum, self.eps
        )
        return Y

    def backward(self, dY, need_dX=True):
        """Accumulate ``dgamma`` and ``dbeta``; return ``dX`` (N, n), or None when not needed."""
        dX, dgamma, dbeta = F.batchnorm_backward(dY, self._require_cache())
        self.grads["gamma"] += dgamma
        self.grads["beta"] += dbeta
        return dX if need_dX else None

    def __repr__(self):
        return f"BatchNorm({self.n}, momentum={self.momentum}, eps={self.eps})"


class Standardize(Layer):
    """A fixed affine map ``Y = (X - mean) / std``: input standardization as the first layer of a network.

    Nothing in it is trained (``params`` is empty): ``mean`` and ``std``
    are computed once from the training data (:meth:`from_data`, as
    ``nnlib.data.standardize`` computes them) and then applied unchanged to
    every batch, validation and test data included.  Putting it inside the
    network means the network takes raw inputs (chapter 08's capstone is
    graded on raw pixels) and no one has to remember the statistics.

    Parameters
    ----------
    mean, std : array_like, shape (D,)
        ``std > 0`` everywhere.

    Attributes
    ----------
    mean, std : ndarray, shape (D,), float64
    """

    def __init__(self, mean, std):
        super().__init__()
        mean = as_float_array(mean, "mean", ndim=1).astype(np.float64)
        std = as_float_array(std, "std", ndim=1).astype(np.float64)
        check_shape(std, mean.shape, "std", "Standardize")
        if not np.all(std > 0):
            raise ValueError(f"Standardize: std must be > 0 everywhere, got {std[~(std > 0)][:5].tolist()}")
        self.mean, self.std = mean, std  # (D,) each

    @classmethod
    def from_data(cls, X):
        """The layer that standardizes ``X`` (N, D): column means and population stds (0 replaced by 1)."""
        _, mean, std = standardize(X)
        return cls(mean, std)

    def adapt(self, X):
        """Take ``mean`` and ``std`` from ``X`` (N, D), as :meth:`from_data` does; returns the layer.

        For a network built before its data is known: ``Standardize(np.zeros(D),
        np.ones(D))`` in ``build_model``, ``adapt(X_train)`` at the start of training.
        """
        _, mean, std = standardize(X)
        check_shape(mean, self.mean.shape, "X's columns", "Standardize.adapt")
        self.mean, self.std = mean.astype(np.float64), std.astype(np.float64)
        return self

    def forward(self, X, training=True):
        """``Y = (X - mean) / std`` (N, D), in X's float dtype.  ``training`` has no effect."""
        X = as_float_array(X, "X", ndim=2)
        check_shape(X, (None, self.mean.shape[0]), "X", "Standardize.forward")
        self._cache = X.dtype
        return (X - self.mean.astype(X.dtype)) / self.std.astype(X.dtype)

    def backward(self, dY, need_dX=True):
        """``dX = dY / std``: each column scaled back; None when not needed."""
        dtype = self._require_cache()
        return dY / self.std.astype(dtype) if need_dX else None

    def __repr__(self):
        return f"Standardize({self.mean.shape[0]} features)"
