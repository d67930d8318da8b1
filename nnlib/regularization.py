"""Regularization: keep a network from memorising its training set.

- **L2** adds ``lam * sum W^2`` to the loss; its gradient ``2 lam W`` pulls every
  weight towards 0 in proportion to its size ("weight decay").
- **L1** adds ``lam * sum |W|``; its gradient ``lam * sign(W)`` pulls with the
  same force whatever the size, so small weights reach exactly 0 (sparsity).
- **Early stopping** watches the validation loss and stops when it has not
  improved for ``patience`` epochs, then restores the best weights seen.
- **Gradient clipping** rescales all gradients together when their global
  norm is too large, keeping the direction but capping the step.
- **Soft-thresholding** is L1's proximal step: shrink every weight towards 0
  by ``t`` and set the ones within ``t`` of 0 to exactly 0.

Penalties apply to weights, usually not to biases.  With a ``Sequential``
model, select the weight matrices by name::

    weights = {k: W for k, W in model.parameters().items() if k.endswith(".W")}
    loss = data_loss + l2_penalty(weights, lam)
    grads = l2_grad(weights, lam)   # add grads[k] into model.gradients()[k]

The penalty functions accept one array, a list of arrays or a dict of arrays,
and the gradient functions return the same kind of container.
(Dropout, the other regularizer of the course, is a layer: ``nnlib.layers.Dropout``.)

Chapter 07's exercises work on the ``(W, b)`` pairs of :mod:`nnlib.mlp`; their
references are the ``mlp_*`` functions and :func:`sgd_step_l2`, which
penalise the weights and leave the biases alone, and the pure functions
:func:`early_stopping` (the decisions of :class:`EarlyStopping` on a list of
validation losses) and :func:`soft_threshold`.  :class:`WeightPenalty` adds
an L2 or L1 term to the weights' gradients of a ``Sequential`` inside ``fit``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from nnlib._validation import as_float_array, check_positive
from nnlib.update_rules import sgd_step

__all__ = ["l1_penalty", "l1_grad", "l2_penalty", "l2_grad", "EarlyStopping", "clip_by_norm",
           "mlp_l2_penalty", "mlp_l2_grad", "mlp_l1_penalty", "mlp_l1_grad", "sgd_step_l2",
           "early_stopping", "soft_threshold", "WeightPenalty"]


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



# ---------------------------------------------------------------- on (W, b) pairs (chapter 07's exercises)

def _mlp_pairs(params, where: str) -> list:
    """``params`` as a list of ``(W, b)`` float arrays, or a clear error."""
    if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
        raise TypeError(f"{where}: params must be a list of (W, b) pairs, as nnlib.mlp uses, "
                        f"got {type(params).__name__}")
    pairs = []
    for i, pair in enumerate(params):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise TypeError(f"{where}: params[{i}] must be a pair (W, b), got {type(pair).__name__}"
                            + (f" of length {len(pair)}" if isinstance(pair, (list, tuple)) else ""))
        pairs.append((np.asarray(pair[0]), np.asarray(pair[1])))
    return pairs


def mlp_l2_penalty(params, lam) -> float:
    """L2 penalty on the weights of an MLP: ``lam * sum_l sum_ij W_l[i, j]^2``; biases are not penalised.

    Parameters
    ----------
    params : list of (W, b)
        ``W`` (n_in, n_out), ``b`` (n_out,) per layer, as :mod:`nnlib.mlp` uses.
    lam : float, >= 0

    Returns
    -------
    float
    """
    pairs = _mlp_pairs(params, "mlp_l2_penalty")
    return l2_penalty([W for W, _ in pairs], lam)


def mlp_l2_grad(params, lam) -> list:
    """Gradient of :func:`mlp_l2_penalty`: ``(2 lam W, 0)`` for every layer.

    A bias only shifts a unit; shrinking it does not make the function any
    smoother, so its gradient here is an array of zeros (``b``'s shape and dtype).

    Returns
    -------
    list of (dW, db)
        ``dW`` shaped like ``W``, ``db`` zeros shaped like ``b``.
    """
    pairs = _mlp_pairs(params, "mlp_l2_grad")
    check_positive(lam, "lam", allow_zero=True)
    return [(2.0 * lam * W, np.zeros_like(b)) for W, b in pairs]  # (n_in, n_out), (n_out,) each


def mlp_l1_penalty(params, lam) -> float:
    """L1 penalty on the weights of an MLP: ``lam * sum_l sum_ij |W_l[i, j]|``; biases are not penalised.

    Returns
    -------
    float
    """
    pairs = _mlp_pairs(params, "mlp_l1_penalty")
    return l1_penalty([W for W, _ in pairs], lam)


def mlp_l1_grad(params, lam) -> list:
    """Subgradient of :func:`mlp_l1_penalty`: ``(lam sign(W), 0)`` per layer, with ``sign(0) = 0``.

    Returns
    -------
    list of (dW, db)
    """
    pairs = _mlp_pairs(params, "mlp_l1_grad")
    check_positive(lam, "lam", allow_zero=True)
    return [(lam * np.sign(W), np.zeros_like(b)) for W, b in pairs]  # (n_in, n_out), (n_out,) each


def sgd_step_l2(params, grads, lr, lam) -> list:
    """One SGD step on the loss plus ``lam * sum W^2``: ``W <- W - lr (dW + 2 lam W)``, ``b <- b - lr db``.

    Equivalently ``W <- (1 - 2 lr lam) W - lr dW``: every step first shrinks
    the weights by the factor ``1 - 2 lr lam`` ("weight decay"), which is why
    ``SGD(weight_decay=2 * lam)`` applied to the weights gives the same numbers.

    Parameters
    ----------
    params, grads : list of (W, b)
        Parameters and the gradients of the data loss, pair by pair.
    lr : float, > 0
    lam : float, >= 0

    Returns
    -------
    list of (W, b)
        New arrays; ``params`` is not changed.
    """
    pairs = _mlp_pairs(params, "sgd_step_l2")
    dpairs = _mlp_pairs(grads, "sgd_step_l2 (grads)")
    if len(pairs) != len(dpairs):
        raise ValueError(f"sgd_step_l2: grads must have one (dW, db) per layer, {len(pairs)}, got {len(dpairs)}")
    check_positive(lr, "lr")
    check_positive(lam, "lam", allow_zero=True)
    # sgd_step is the rule the SGD class runs: the numbers are SGD(weight_decay=2 lam)'s by construction
    return [(sgd_step(W, dW, lr, weight_decay=2.0 * lam), sgd_step(b, db, lr))
            for (W, b), (dW, db) in zip(pairs, dpairs)]


def early_stopping(val_losses, patience, min_delta=0.0) -> tuple:
    """When :class:`EarlyStopping` would stop, from the validation losses alone.

    Epochs count from 0.  Epoch ``e`` improves when ``loss[e] < best - min_delta``
    (the first epoch always does); after ``patience`` epochs in a row without
    improvement training stops at that epoch.  On the losses (0.90, 0.70,
    0.60, 0.58, 0.585, 0.59, 0.575, 0.60, 0.62, 0.65): patience 2 gives best
    3, stop 5; patience 3 gives best 6, stop 9; patience 3 with min_delta
    0.01 gives best 3, stop 6 (0.575 is not 0.01 below 0.58).

    Parameters
    ----------
    val_losses : sequence of float, length E
    patience : int, >= 0
    min_delta : float, >= 0

    Returns
    -------
    (best_epoch, stop_epoch) : (int or None, int or None)
        ``best_epoch`` None only for an empty sequence; ``stop_epoch`` None
        when training would run through all E epochs.
    """
    losses = np.asarray(val_losses, dtype=float)
    if losses.ndim != 1:
        raise ValueError(f"early_stopping: val_losses must be a 1-D sequence of numbers, got shape {losses.shape}")
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 0:
        raise ValueError(f"patience must be an integer >= 0, got {patience!r}")
    check_positive(min_delta, "min_delta", allow_zero=True)
    best, best_epoch, wait = math.inf, None, 0
    for epoch, loss in enumerate(losses):
        if best_epoch is None or loss < best - min_delta:
            best, best_epoch, wait = float(loss), epoch, 0
            continue
        wait += 1
        if wait >= patience:
            return best_epoch, epoch
    return best_epoch, None


def soft_threshold(w, t):
    """Soft-thresholding, the proximal step of ``t * |w|``: ``sign(w) * max(|w| - t, 0)``.

    Every entry moves ``t`` towards 0 and stops there: entries with
    ``|w| <= t`` become exactly 0 (which a plain L1 gradient step, which
    overshoots 0, never achieves).  (0.3, -0.05, 0.002, -1.0) at ``t = 0.1``
    gives (0.2, 0, 0, -0.9).  The same as ``torch.nn.functional.softshrink``.

    Parameters
    ----------
    w : array_like, any shape
    t : float, >= 0

    Returns
    -------
    ndarray, shape and float dtype of ``w``
    """
    w = as_float_array(w, "w")
    check_positive(t, "t", allow_zero=True)
    # + 0.0 turns the -0.0 of a small negative entry into 0.0
    return np.sign(w) * np.maximum(np.abs(w) - w.dtype.type(t), 0) + w.dtype.type(0.0)  # w.shape


class WeightPenalty:
    """An optimizer wrapper that adds an L2 and/or L1 term to the weights' gradients before stepping.

    ``step(params, grads)`` adds ``2 l2 W + l1 sign(W)`` to the gradient of
    every parameter whose name ends in ``suffix`` (``".W"``: a ``Sequential``'s
    weight matrices, not its biases), then calls the wrapped optimizer.  The
    loss ``fit`` reports stays the data loss; add :func:`l2_penalty` yourself
    to see the full objective.

    Parameters
    ----------
    optimizer : nnlib.optimizers.Optimizer
    l2, l1 : float, >= 0
    suffix : str
        Which parameters count as weights.

    ``lr`` reads and sets the wrapped optimizer's, so schedules still work.
    """

    def __init__(self, optimizer, l2=0.0, l1=0.0, suffix=".W"):
        check_positive(l2, "l2", allow_zero=True)
        check_positive(l1, "l1", allow_zero=True)
        self.optimizer, self.l2, self.l1, self.suffix = optimizer, float(l2), float(l1), suffix

    @property
    def lr(self):
        return self.optimizer.lr

    @lr.setter
    def lr(self, value):
        self.optimizer.lr = value

    def step(self, params, grads) -> None:
        """Add the penalty's gradient into the weights' gradients (in place), then step.

        In place because ``fit`` clears and recomputes the gradients before
        every step anyway, and a ``Sequential``'s gradients are views of one
        flat buffer that the optimizer steps in one go (``nnlib.optimizers``).
        """
        if not isinstance(params, Mapping) or not isinstance(grads, Mapping):
            raise TypeError(f"WeightPenalty.step: params and grads must be dicts name -> array "
                            f"(Sequential.parameters(), .gradients()), got {type(params).__name__}")
        for key, W in params.items():
            if key.endswith(self.suffix):
                if self.l2:
                    grads[key] += (2.0 * self.l2) * W  # W.shape
                if self.l1:
                    grads[key] += self.l1 * np.sign(W)  # W.shape
        self.optimizer.step(params, grads)

    def __repr__(self) -> str:
        return f"WeightPenalty({self.optimizer!r}, l2={self.l2:g}, l1={self.l1:g})"
