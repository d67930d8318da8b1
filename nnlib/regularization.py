"""Regularization: keep a network from memorising its training set.

- **L2** adds ``lam * sum W^2`` to the loss; its gradient ``2 lam W`` pulls every
  weight towards 0 in proportion to its size ("weight decay").
- **L1** adds ``lam * sum |W|``; its gradient ``lam * sign(W)`` pulls with the
  same force whatever the size, so small weights reach exactly 0 (sparsity).
- **Early stopping** watches the validation loss and stops when it has not
  improved for ``patience`` epochs, then restores the best weights seen.
- **Gradient clipping** rescales all gradients together when their global
  norm is too large, keeping the direction but capping the step.

Penalties apply to weights, usually not to biases.  With a ``Sequential``
model, select the weight matrices by name::

    weights = {k: W for k, W in model.parameters().items() if k.endswith(".W")}
    loss = data_loss + l2_penalty(weights, lam)
    grads = l2_grad(weights, lam)   # add grads[k] into model.gradients()[k]

The penalty functions accept one array, a list of arrays or a dict of arrays,
and the gradient functions return the same kind of container.
(Dropout, the other regularizer of the course, is a layer: ``nnlib.layers.Dropout``.)
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from nnlib._validation import check_positive

__all__ = ["l1_penalty", "l1_grad", "l2_penalty", "l2_grad", "EarlyStopping", "clip_by_norm"]


def _arrays(weights, name: str = "weights") -> list[np.ndarray]:
    """The arrays held by one array, a list/tuple of arrays or a dict of arrays."""
    if isinstance(weights, Mapping):
        arrays = [np.asarray(w) for w in weights.values()]
    elif isinstance(weights, (list, tuple)):
        arrays = [np.asarray(w) for w in weights]
    else:
        arrays = [np.asarray(weights)]
    for a in arrays:
        if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            raise TypeError(f"{name} must be an array, a list of arrays or a dict of arrays of numbers, "
                            f"got {type(weights).__name__} holding dtype {a.dtype}")
    return arrays


def _map(f, weights):
    """Apply ``f`` to every array, returning the same kind of container."""
    if isinstance(weights, Mapping):
        return {k: f(np.asarray(w)) for k, w in weights.items()}
    if isinstance(weights, (list, tuple)):
        return type(weights)(f(np.asarray(w)) for w in weights)
    _arrays(weights)  # raises the TypeError for anything else
    return f(np.asarray(weights))


def l1_penalty(weights, lam) -> float:
    """L1 penalty: ``lam * sum_W sum_ij |W_ij|`` over every array given.

    Parameters
    ----------
    weights : ndarray, list of ndarray or dict name -> ndarray
    lam : float, >= 0

    Returns
    -------
    float
    """
    check_positive(lam, "lam", allow_zero=True)
    return float(lam * sum(np.abs(W).sum() for W in _arrays(weights)))


def l1_grad(weights, lam):
    """Gradient of the L1 penalty: ``lam * sign(W)`` for each array (0 where W = 0).

    |W| has no derivative at 0; sign(0) = 0 is the usual subgradient choice.

    Returns
    -------
    Same container as ``weights`` (array, list or dict), each array shaped like its W.
    """
    check_positive(lam, "lam", allow_zero=True)
    return _map(lambda W: lam * np.sign(W), weights)  # W.shape each


def l2_penalty(weights, lam) -> float:
    """L2 penalty: ``lam * sum_W sum_ij W_ij^2`` over every array given (no 1/2).

    Parameters
    ----------
    weights : ndarray, list of ndarray or dict name -> ndarray
    lam : float, >= 0

    Returns
    -------
    float
    """
    check_positive(lam, "lam", allow_zero=True)
    return float(lam * sum(np.square(W).sum() for W in _arrays(weights)))


def l2_grad(weights, lam):
    """Gradient of the L2 penalty: ``2 * lam * W`` for each array.

    (``SGD(weight_decay=wd)`` adds ``wd * W``, i.e. ``wd = 2 lam``.)

    Returns
    -------
    Same container as ``weights`` (array, list or dict), each array shaped like its W.
    """
    check_positive(lam, "lam", allow_zero=True)
    return _map(lambda W: 2.0 * lam * W, weights)  # W.shape each


def clip_by_norm(grads, max_norm, eps=0.0) -> float:
    """Rescale all gradients together when their global norm exceeds ``max_norm``.

    ``norm = sqrt(sum_g sum_ij g_ij^2)``; every ``g <- g * max_norm / (norm + eps)`` when that factor is below 1.

    The direction of the combined gradient is kept; only its length is capped
    (like ``torch.nn.utils.clip_grad_norm_``, whose ``eps`` is 1e-6; the
    default 0 here makes the clipped norm exactly ``max_norm``).  Gradients
    (3, 4) and (12) have the norm 13; clipped to 5 they become
    (1.154, 1.538) and (4.615).

    Parameters
    ----------
    grads : ndarray, list of ndarray or dict name -> ndarray
        Float arrays, scaled in place.
    max_norm : float, > 0
    eps : float, >= 0
        Added to the norm in the factor (pass 1e-6 for PyTorch's numbers).

    Returns
    -------
    float
        The global norm *before* clipping (useful to log).
    """
    check_positive(max_norm, "max_norm")
    check_positive(eps, "eps", allow_zero=True)
    arrays = _arrays(grads, "grads")
    for g in arrays:
        if not np.issubdtype(g.dtype, np.floating):
            raise TypeError(f"clip_by_norm: grads must be float arrays (scaled in place), got dtype {g.dtype}")
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in arrays))
    scale = max_norm / (total + eps) if total + eps > 0 else math.inf
    if scale < 1.0:
        for g in arrays:
            g *= scale
    return total


class EarlyStopping:
    """Stop training when the monitored quantity stops improving; keep the best weights.

    After each epoch ``fit`` calls ``on_epoch_end(epoch, history, model)``.
    The epoch counts as an improvement when the monitored value beats the best
    so far by more than ``min_delta`` (``value < best - min_delta`` for losses,
    ``value > best + min_delta`` for metrics).  After ``patience`` epochs in a
    row without improvement the callback returns True (stop).  With
    ``restore_best`` the parameters of the best epoch are copied back into the
    model when training ends, whether it stopped early or ran out of epochs.

    Parameters
    ----------
    patience : int, >= 0
        Epochs without improvement to tolerate.
    min_delta : float, >= 0
        Smallest change that counts as an improvement.
    restore_best : bool
    monitor : {"val_loss", "loss", "val_metric", "metric"}
        A field of ``History``; losses are minimised, metrics maximised.

    Attributes
    ----------
    best : float or None
        Best monitored value so far.
    best_epoch : int or None
    stopped_epoch : int or None
        Epoch after which training was stopped (None if it was not).
    wait : int
        Epochs since the last improvement.
    """

    _MONITORS = {"val_loss": "min", "loss": "min", "val_metric": "max", "metric": "max"}

    def __init__(self, patience, min_delta=0.0, restore_best=True, monitor="val_loss"):
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 0:
            raise ValueError(f"patience must be an integer >= 0, got {patience!r}")
        check_positive(min_delta, "min_delta", allow_zero=True)
        if monitor not in self._MONITORS:
            raise ValueError(f"monitor must be one of {sorted(self._MONITORS)}, got {monitor!r}")
        self.patience = int(patience)
        self.min_delta = min_delta
        self.restore_best = bool(restore_best)
        self.monitor = monitor
        self.mode = self._MONITORS[monitor]
        self.reset()

    def reset(self) -> None:
        """Forget everything seen (called at the start of each ``fit``)."""
        self.best = None
        self.best_epoch = None
        self.best_params = None
        self.stopped_epoch = None
        self.wait = 0

    def on_train_begin(self, history, model) -> None:
        """Start a new run: forget the best value and the patience count of any earlier fit."""
        self.reset()

    def _improved(self, value) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, history, model) -> bool:
        """Record the epoch; return True when training should stop."""
        values = getattr(history, self.monitor)
        if not values or values[-1] is None:
            hint = "pass validation=(X_val, y_val) to fit" if self.monitor.startswith("val") \
                else "give fit a metric"
            raise ValueError(f"EarlyStopping(monitor={self.monitor!r}) found no {self.monitor} "
                             f"in the history: {hint}")
        value = float(values[-1])
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                # copies: the optimizer keeps changing the model's own arrays
                self.best_params = {k: np.array(p, copy=True) for k, p in model.parameters().items()}
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.restore(model)
            return True
        return False

    def on_train_end(self, history, model) -> None:
        """Put the best parameters back (if ``restore_best``)."""
        self.restore(model)

    def restore(self, model) -> None:
        """Copy the best parameters seen into the model's arrays, in place."""
        if not self.restore_best or self.best_params is None:
            return
        params = model.parameters()
        for key, best in self.best_params.items():
            params[key][...] = best

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best={self.restore_best}, monitor={self.monitor!r})")

