"""The training loop: forward, loss, backward, update, over and over.

One **epoch** is one pass over the training set.  Each epoch the rows are
shuffled, then cut into batches of ``batch_size`` rows; the last batch keeps
whatever is left, so an epoch makes ``ceil(N / batch_size)`` updates
(800 rows in batches of 150 give 6 updates, the last one on 50 rows):

- ``batch_size=None``: full-batch gradient descent, 1 update per epoch;
- ``batch_size=1``: stochastic gradient descent, N updates per epoch;
- ``batch_size=k``: mini-batch gradient descent.

:func:`minibatches` draws one epoch's batches: a new permutation of the
rows (sampling without replacement), cut into pieces.

For every batch::

    model.zero_grad()                        # gradients accumulate, so clear them
    Y = model.forward(Xb, training=True)     # (B, C)
    L = loss(Y, yb)                          # a float
    model.backward(loss_grad(Y, yb))         # fills model.gradients()
    optimizer.step(model.parameters(), model.gradients())

(:func:`fit` calls ``backward(..., need_dX=False)`` on models that take it,
such as ``Sequential``: training never uses the gradient of the data.  It
also copies each batch into one array reused for every batch, and gets the
loss and its gradient in one call, ``nnlib.losses.LOSSES_WITH_GRAD``, when
the two share their work, as softmax cross-entropy's do.)

:func:`fit` runs this loop, records a :class:`History` and shows one progress
bar over the epochs (``tqdm.auto``: a widget in Jupyter, a text bar in a
terminal).  Callbacks such as :class:`nnlib.regularization.EarlyStopping` are
asked after every epoch whether to stop.

:func:`train_loop` is the same loop written with plain functions (a forward
pass, a loss with its gradient, a backward pass, an update rule) over a
list of ``(W, b)`` pairs, the form a student writes by hand; given the same
initial weights, seed and update rule it reaches exactly the weights
:func:`fit` reaches (tested).
"""
from __future__ import annotations

import functools
import inspect
import math
import os
import warnings
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from nnlib._validation import as_float_array, as_generator
from nnlib.losses import LOSSES, LOSSES_WITH_GRAD
from nnlib.metrics import accuracy as _label_accuracy

__all__ = ["History", "fit", "minibatches", "train_loop", "CLASSIFICATION_LOSSES"]

#: losses whose targets are classes: fit reports accuracy for them by default
CLASSIFICATION_LOSSES = frozenset({
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "categorical_cross_entropy",
    "softmax_cross_entropy",
    "hinge",
    "focal_loss",
})

# With one output column, a sample is class 1 when the output passes this
# threshold: 0.5 on a probability, 0 on a logit or an SVM score.
_BINARY_THRESHOLD = {"binary_cross_entropy_with_logits": 0.0, "hinge": 0.0}


@dataclass(repr=False)
class History:
    """What happened during :func:`fit`, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Training loss: the mean of the batch losses of the epoch, weighted by
        batch size (each computed with the weights of that moment, as Keras
        reports it).
    metric : list of float
        Training metric, averaged the same way (empty when there is no metric).
    val_loss, val_metric : list of float
        On the validation data with the weights at the end of the epoch, in
        test mode (``training=False``); empty without validation data.
    lr : list of float
        Learning rate used in the epoch.
    n_updates : int
        Total number of optimizer steps.
    metric_name : str or None
        ``"accuracy"``, the metric function's name, or None.
    stopped_epoch : int or None
        Epoch after which a callback stopped training (None if it ran to the end).
    diverged : bool
        True when training stopped because the loss became NaN or infinite.
    """

    loss: list = field(default_factory=list)
    metric: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_metric: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    n_updates: int = 0
    metric_name: str | None = None
    stopped_epoch: int | None = None
    diverged: bool = False

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.loss)

    def __repr__(self) -> str:
        def trend(name, values):
            if not values:
                return None
            if len(values) == 1:
                return f"{name} {values[0]:.4g}"
            return f"{name} {values[0]:.4g} -> {values[-1]:.4g}"

        metric = self.metric_name or "metric"
        parts = [f"epochs={self.epochs}", f"n_updates={self.n_updates}",
                 trend("loss", self.loss), trend(metric, self.metric),
                 trend("val_loss", self.val_loss), trend(f"val_{metric}", self.val_metric),
                 trend("lr", self.lr)]
        if self.stopped_epoch is not None:
            parts.append(f"stopped after epoch {self.stopped_epoch}")
        if self.diverged:
            parts.append("diverged")
        return "History(" + ", ".join(p for p in parts if p) + ")"

    def plot(self, ax=None, which="loss"):
        """Draw training and validation curves against the epoch (1, 2, ...).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure is made when omitted.
        which : {"loss", "metric"}

        Returns
        -------
        matplotlib.axes.Axes
        """
        if which not in ("loss", "metric"):
            raise ValueError(f"which must be 'loss' or 'metric', got {which!r}")
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots()
        train, val = (self.loss, self.val_loss) if which == "loss" else (self.metric, self.val_metric)
        label = "loss" if which == "loss" else (self.metric_name or "metric")
        if not train:
            raise ValueError(f"History.plot: no {label} was recorded")
        epochs = np.arange(1, len(train) + 1)  # (E,)
        ax.plot(epochs, train, label=f"training {label}")
        if val:
            ax.plot(epochs, val, label=f"validation {label}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.legend()
        return ax


# ----------------------------------------------------------------- choosing loss and metric

def _resolve_loss(loss):
    """``(name, loss_fn, loss_with_grad_fn)`` from a LOSSES name or a (loss, loss_grad) pair.

    ``loss_with_grad_fn(Y, y)`` returns ``(loss, dL/dY)``, what every batch
    needs: ``LOSSES_WITH_GRAD`` has it in one step for the losses that
    share work between the two (softmax cross-entropy); otherwise it calls
    the pair one after the other.
    """
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; choose one of: {', '.join(sorted(LOSSES))}, "
                             "or pass a (loss, loss_grad) pair")
        loss_fn, grad_fn = LOSSES[loss]
        return loss, loss_fn, LOSSES_WITH_GRAD.get(loss) or _one_after_the_other(loss_fn, grad_fn)
    if isinstance(loss, (tuple, list)) and len(loss) == 2 and all(callable(f) for f in loss):
        return getattr(loss[0], "__name__", None), loss[0], _one_after_the_other(*loss)
    raise TypeError(f"fit: loss must be a name from nnlib.losses.LOSSES or a (loss, loss_grad) pair, got {loss!r}")


def _one_after_the_other(loss_fn, grad_fn):
    """``(Y, y) -> (loss_fn(Y, y), grad_fn(Y, y))``."""
    def loss_with_grad(Y, y):
        return loss_fn(Y, y), grad_fn(Y, y)

    return loss_with_grad


def _accuracy_for(loss_name):
    """Accuracy suited to the loss: argmax for several columns, a threshold for one."""
    threshold = _BINARY_THRESHOLD.get(loss_name)

    def accuracy(y_pred, y_true):
        if y_pred.ndim == 2 and y_pred.shape[1] > 1 and y_true.ndim == 1 and y_true.dtype.kind in "iu":
            # class scores against integer labels, once per batch: count the hits directly
            return np.count_nonzero(y_pred.argmax(axis=1) == y_true) / y_true.shape[0]
        if threshold is None or (y_pred.ndim == 2 and y_pred.shape[1] > 1):
            return _label_accuracy(y_pred, y_true)
        # labels 0/1 (BCE) and -1/+1 (hinge) both sit on either side of 0
        return float(np.mean((y_pred.ravel() > threshold) == (np.ravel(y_true) > threshold)))

    return accuracy


def _resolve_metric(metric, loss_name):
    """``(name, function)``, or ``(None, None)`` for no metric."""
    if metric is None:
        if loss_name in CLASSIFICATION_LOSSES:
            return "accuracy", _accuracy_for(loss_name)
        return None, None
    if metric == "accuracy":
        return "accuracy", _accuracy_for(loss_name)
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    raise ValueError(f"fit: metric must be None, 'accuracy' or a function (y_pred, y_true) -> float, got {metric!r}")


# ----------------------------------------------------------------- checking the data

def _targets(y, name: str) -> np.ndarray:
    """Targets as an array; integer labels stay integers (softmax_cross_entropy takes them)."""
    y = np.asarray(y)
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise TypeError(f"fit: {name} must hold numbers, got dtype {y.dtype}")
    if y.ndim == 0:
        raise ValueError(f"fit: {name} must have one row per sample, got a scalar")
    return y


def _same_length(X, y, xname: str, yname: str) -> None:
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"fit: {xname} and {yname} must have the same number of samples (rows), "
                         f"got {xname} {X.shape} and {yname} {y.shape}")


def _like_output(y, Y):
    """Targets (B,) against a one-column output (B, 1) become a column (B, 1).

    The losses refuse (B, 1) against (B,), which would broadcast to (B, B).
    """
    if y.ndim == 1 and Y.ndim == 2 and Y.shape[1] == 1:
        return y[:, None]  # (B, 1)
    return y


# ----------------------------------------------------------------- batches


def _check_count(value, name: str, where: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{where}: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def minibatches(n, batch_size, rng, drop_last=False) -> list:
    """One epoch's mini-batches: the row indices ``0 .. n-1`` in a new random order, cut into batches.

    ``order = rng.permutation(n)``, then ``order[0:B], order[B:2B], ...``:
    every row exactly once per epoch (sampling without replacement), in
    ``ceil(n / B)`` batches of ``B = batch_size`` rows, the last one holding
    the remainder ``n - B * floor(n / B)`` when ``B`` does not divide ``n``
    (800 rows in batches of 150: 6 batches, the last of 50 rows).  With
    ``drop_last`` the remainder is left out: ``floor(n / B)`` full batches.

    Parameters
    ----------
    n : int, >= 0
        Number of rows.
    batch_size : int, >= 1
        Larger than ``n`` gives one batch of all rows.
    rng : numpy.random.Generator or int seed
        The shuffle.  Pass the same Generator every epoch to get a new order
        each time (an int seed gives the same order every call).
    drop_last : bool, default False

    Returns
    -------
    list of ndarray of int
        Index arrays, shape (B,) (the last one shorter unless ``drop_last``).
    """
    n = _check_count(n, "n", "minibatches", low=0)
    batch_size = _check_count(batch_size, "batch_size", "minibatches")
    order = as_generator(rng).permutation(n)  # (n,)
    stop = n - n % batch_size if drop_last else n
    return [order[start:start + batch_size] for start in range(0, stop, batch_size)]


# ----------------------------------------------------------------- the loop

def fit(model, loss, optimizer, X, y, epochs, batch_size=None, validation=None, callbacks=(),
        rng=None, progress=True, metric=None, schedule=None) -> History:
    """Train ``model`` with mini-batch gradient descent: ``ceil(N / batch_size)`` updates per epoch.

    Parameters
    ----------
    model : Sequential (or anything with forward, backward, zero_grad, parameters, gradients)
    loss : str or (callable, callable)
        A name from ``nnlib.losses.LOSSES`` or a pair ``(loss(Y, y), loss_grad(Y, y))``.
    optimizer : nnlib.optimizers.Optimizer
        Its ``step(params, grads)`` is called once per batch.
    X : array_like, shape (N, D)
    y : array_like, shape (N,) or (N, C)
        Targets; integer labels (N,) for ``softmax_cross_entropy``.  A (N,)
        vector against a one-output network is used as a column (N, 1).
    epochs : int, >= 0
    batch_size : int >= 1 or None
        None = the whole set in one batch; larger than N is the same as N.
    validation : (X_val, y_val), optional
        Evaluated after every epoch with ``training=False``.
    callbacks : iterable of objects
        Each may define ``on_train_begin(history, model)``,
        ``on_epoch_end(epoch, history, model) -> bool`` (True = stop) and
        ``on_train_end(history, model)``.
    rng : numpy.random.Generator or int seed, optional
        Shuffling order (a fresh permutation each epoch).
    progress : bool
        Show a progress bar over the epochs; False prints nothing.
    metric : None, "accuracy" or callable (y_pred, y_true) -> float
        Default: accuracy for the classification losses (argmax over several
        outputs; one output is class 1 above 0.5, or above 0 for logits and
        hinge scores), none otherwise.
    schedule : callable epoch -> lr, optional
        Sets ``optimizer.lr`` at the start of every epoch (see ``nnlib.schedules``).

    Returns
    -------
    History
        Per-epoch loss, metric, val_loss, val_metric, lr, and n_updates.

    Notes
    -----
    If the training loss becomes NaN or infinite, training stops after that
    epoch with a RuntimeWarning and ``history.diverged = True`` (a learning
    rate that is too large is the usual cause).
    """
    loss_name, loss_fn, loss_with_grad_fn = _resolve_loss(loss)
    metric_name, metric_fn = _resolve_metric(metric, loss_name)
    X = as_float_array(X, "X")
    y = _targets(y, "y")
    _same_length(X, y, "X", "y")
    N = X.shape[0]
    if N == 0:
        raise ValueError("fit: X has no samples")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be an integer >= 0, got {epochs!r}")
    if batch_size is None:
        batch_size = N
    elif isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"fit: batch_size must be None or an integer >= 1, got {batch_size!r}")
    batch_size = min(int(batch_size), N)
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError(f"fit: validation must be a pair (X_val, y_val) or None, got {type(validation).__name__}")
        X_val = as_float_array(validation[0], "X_val")
        y_val = _targets(validation[1], "y_val")
        _same_length(X_val, y_val, "X_val", "y_val")
    if schedule is not None and not callable(schedule):
        raise TypeError(f"fit: schedule must be a callable epoch -> lr, got {type(schedule).__name__}")
    if hasattr(callbacks, "on_epoch_end"):  # a single callback passed on its own
        callbacks = [callbacks]
    callbacks = list(callbacks)
    rng = as_generator(rng)

    history = History(metric_name=metric_name)
    params, grads = model.parameters(), model.gradients()  # the models' own arrays, fetched once
    batch = np.empty((batch_size, *X.shape[1:]), dtype=X.dtype)  # (B, D), refilled for every batch
    backward = _backward_without_dX(model)
    _call(callbacks, "on_train_begin", history, model)

    # No bar while nbgrader grades: a widget bar in a graded notebook can stall grading (nbgrader #1359).
    show_bar = progress and not os.environ.get("NBGRADER_EXECUTION")
    bar = tqdm(range(epochs), desc="fit", unit="epoch", disable=not show_bar, leave=True)
    for epoch in bar:
        if schedule is not None:
            optimizer.lr = schedule(epoch)
        history.lr.append(float(optimizer.lr))

        loss_sum = metric_sum = 0.0
        for idx in minibatches(N, batch_size, rng):  # idx: (B,), a new order every epoch
            Xb = _gather_rows(X, idx, batch)  # (B, D)
            model.zero_grad()
            Y = model.forward(Xb, training=True)  # (B, C)
            yb = _like_output(y[idx], Y)
            loss_value, dY = loss_with_grad_fn(Y, yb)  # dY: (B, C)
            batch_loss = float(loss_value)
            backward(dY)
            optimizer.step(params, grads)
            history.n_updates += 1
            loss_sum += batch_loss * len(idx)
            if metric_fn is not None:
                metric_sum += float(metric_fn(Y, yb)) * len(idx)
        history.loss.append(loss_sum / N)
        if metric_fn is not None:
            history.metric.append(metric_sum / N)

        if validation is not None:
            Y_val = model.forward(X_val, training=False)  # (N_val, C)
            yv = _like_output(y_val, Y_val)
            history.val_loss.append(float(loss_fn(Y_val, yv)))
            if metric_fn is not None:
                history.val_metric.append(float(metric_fn(Y_val, yv)))

        bar.set_postfix(_postfix(history), refresh=False)

        if not math.isfinite(history.loss[-1]):
            history.diverged = True
            warnings.warn(f"fit: the training loss became {history.loss[-1]} in epoch {epoch}; training stopped. "
                          f"A smaller learning rate (now {optimizer.lr}) usually helps.", RuntimeWarning,
                          stacklevel=2)
            break
        # every callback sees every epoch, even when an earlier one asks to stop
        stops = [bool(cb.on_epoch_end(epoch, history, model)) for cb in callbacks if hasattr(cb, "on_epoch_end")]
        if any(stops):
            history.stopped_epoch = epoch
            break
    bar.close()
    _call(callbacks, "on_train_end", history, model)
    return history


def train_loop(params, X, y, epochs, batch_size, rng, *, forward, loss_grad, backward, update,
               batches=minibatches):
    """Mini-batch gradient descent as plain functions: forward → loss → backward → update for every batch.

    For every epoch, for every ``idx`` in ``batches(N, batch_size, rng)``::

        A_out, caches = forward(X[idx], params)         # (B, C)
        loss, dA_out = loss_grad(A_out, y[idx])         # a float, (B, C)
        grads = backward(dA_out, caches, params)        # shaped like params
        params = update(params, grads)                  # new params

    ``epochs * ceil(N / batch_size)`` updates in all.  Nothing is changed in
    place: ``update`` returns new arrays, and the ``params`` passed in are
    left as they were.

    Parameters
    ----------
    params : list of (W, b)
        The initial weights, as :mod:`nnlib.mlp` takes them.
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,) or (N, C)
        Targets, indexed by row like ``X``.
    epochs : int, >= 0
    batch_size : int, >= 1
    rng : numpy.random.Generator or int seed
        Passed to ``batches``: the shuffling of every epoch.
    forward : callable (X, params) -> (A_out, caches)
        e.g. ``lambda X, params: mlp_forward(X, params, activations)``.
    loss_grad : callable (A_out, y) -> (loss, dA_out)
        The loss (a mean over the batch) and its gradient with respect to ``A_out``.
    backward : callable (dA_out, caches, params) -> grads
        e.g. ``lambda dA, caches, params: mlp_backward(dA, caches, params, activations)``.
    update : callable (params, grads) -> new params
        An update rule with its state, e.g. ``nnlib.update_rules.Updater(adam_step, lr=1e-3)``.
    batches : callable (n, batch_size, rng) -> list of index arrays
        Default :func:`minibatches`.

    Returns
    -------
    params : list of (W, b)
        The weights after the last update.
    losses : list of float
        The loss of every batch, computed before its update, in order.
    """
    epochs = _check_count(epochs, "epochs", "train_loop", low=0)
    batch_size = _check_count(batch_size, "batch_size", "train_loop")
    if np.shape(X)[0] != np.shape(y)[0]:
        raise ValueError(f"train_loop: X and y must have the same number of rows, got X {np.shape(X)} "
                         f"and y {np.shape(y)}")
    rng = as_generator(rng)  # one generator for all epochs: a new order every epoch
    losses = []
    for _ in range(epochs):
        for idx in batches(len(X), batch_size, rng):
            A_out, caches = forward(X[idx], params)  # (B, C)
            loss, dA_out = loss_grad(A_out, y[idx])  # dA_out: (B, C)
            grads = backward(dA_out, caches, params)
            params = update(params, grads)
            losses.append(float(loss))
    return params, losses


def _gather_rows(X, idx, batch):
    """``X[idx]``, copied into the first ``len(idx)`` rows of ``batch`` and returned (a view of it).

    Reusing one array spares a new (B, D) array every batch.  ``mode="clip"``
    is there because the default mode first copies into a temporary of its
    own; the indices come from a permutation of the rows, so none is clipped.
    """
    return np.take(X, idx, axis=0, out=batch[:len(idx)], mode="clip")


def _backward_without_dX(model):
    """``model.backward``, told to skip the gradient of the input data when it accepts ``need_dX``."""
    try:
        takes_flag = "need_dX" in inspect.signature(model.backward).parameters
    except (TypeError, ValueError):  # a builtin or otherwise opaque backward
        takes_flag = False
    return functools.partial(model.backward, need_dX=False) if takes_flag else model.backward


def _call(callbacks, hook: str, history, model) -> None:
    for cb in callbacks:
        method = getattr(cb, hook, None)
        if method is not None:
            method(history, model)


def _postfix(history: History) -> dict:
    """The latest numbers for the progress bar."""
    out = {"loss": f"{history.loss[-1]:.4g}"}
    name = history.metric_name or "metric"
    if history.metric:
        out[name] = f"{history.metric[-1]:.4g}"
    if history.val_loss:
        out["val_loss"] = f"{history.val_loss[-1]:.4g}"
    if history.val_metric:
        out[f"val_{name}"] = f"{history.val_metric[-1]:.4g}"
    return out
