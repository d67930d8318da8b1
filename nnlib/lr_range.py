"""The learning-rate range test: one short run with a rising learning rate.

Start training with a tiny learning rate and multiply it by the same factor
after every batch, so that it sweeps from ``lr_min`` to ``lr_max`` evenly on
a log scale (Smith, 2017, "Cyclical learning rates").  Record the loss of
every batch:

- while the rate is far too small the loss hardly moves;
- then it falls, fastest where the rate suits the network;
- then it bottoms out, turns ragged and shoots up: the rate is too large.

The useful range lies below the bottom.  :func:`lr_range_test` marks it
as ``[lr_at_min / 10, lr_at_min]``, where ``lr_at_min`` is the rate at the
lowest *smoothed* loss (a batch loss is noisy, so the curve is smoothed by an
exponentially weighted average with bias correction, as in
``nnlib.update_rules.ewma``).  A rate a few times below the bottom trains
fast and stays stable; the bottom itself is already on the edge.

The sweep stops early once the smoothed loss exceeds ``diverge`` times its
best value, or turns NaN: there is nothing more to learn from a diverging
run.  The model's weights are put back at the end, so the test can be run
on the network you then train.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from nnlib._validation import as_generator, check_positive
from nnlib.optimizers import SGD
from nnlib.training import (
    _backward_without_dX,
    _like_output,
    _resolve_loss,
    _targets,
    minibatches,
)

__all__ = ["LRRangeResult", "lr_range_test", "lr_sweep"]


@dataclass
class LRRangeResult:
    """What a range test found.

    Attributes
    ----------
    lrs : ndarray, shape (T,)
        The learning rate of each batch actually run (T <= n_steps).
    losses : ndarray, shape (T,)
        The batch loss before that batch's update.
    smoothed : ndarray, shape (T,)
        ``losses`` averaged with an EWMA (bias-corrected).
    lr_at_min : float
        The learning rate at the lowest smoothed loss.
    low, high : float
        The suggested range, ``lr_at_min / 10`` and ``lr_at_min``.
    stopped_early : bool
        True when the loss diverged before the last step.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    lr_at_min: float
    low: float
    high: float
    stopped_early: bool


def lr_sweep(lr_min, lr_max, n_steps):
    """The learning rates of a range test: ``lr_min * (lr_max / lr_min)^(t / (n_steps - 1))``.

    A geometric sequence from ``lr_min`` to ``lr_max``, ``t = 0 .. n_steps - 1``:
    every factor of ten gets the same number of steps.

    Returns
    -------
    ndarray, shape (n_steps,)
    """
    check_positive(lr_min, "lr_min")
    check_positive(lr_max, "lr_max")
    if not lr_min < lr_max:
        raise ValueError(f"lr_sweep: need lr_min < lr_max, got lr_min={lr_min!r}, lr_max={lr_max!r}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 2:
        raise ValueError(f"lr_sweep: n_steps must be an integer >= 2, got {n_steps!r}")
    return np.geomspace(lr_min, lr_max, int(n_steps))  # (n_steps,)


def lr_range_test(model, loss, X, y, lr_min=1e-5, lr_max=10.0, n_steps=100, batch_size=32, optimizer=None,
                  rng=None, beta=0.9, diverge=4.0):
    """Train ``model`` for up to ``n_steps`` batches with the learning rate rising from lr_min to lr_max.

    Batch t uses ``lr_t = lr_min * (lr_max / lr_min)^(t / (n_steps - 1))``
    (:func:`lr_sweep`); batches come from :func:`nnlib.training.minibatches`,
    a new shuffle each time the data run out.  The smoothed loss is
    ``s_t = v_t / (1 - beta^(t+1))`` with ``v_t = beta v_{t-1} + (1 - beta) loss_t``.
    The run stops when ``s_t > diverge * min(s)`` or a loss is not finite.
    The model's parameters are restored afterwards (its gradients are left
    cleared); the optimizer is used up.

    Parameters
    ----------
    model : Sequential (forward, backward, zero_grad, parameters, gradients)
    loss : str or (callable, callable)
        As in :func:`nnlib.training.fit`, e.g. ``"softmax_cross_entropy"``.
    X : array_like, shape (N, D)
    y : array_like, shape (N,) or (N, C)
    lr_min, lr_max : float, 0 < lr_min < lr_max
    n_steps : int, >= 2
    batch_size : int, >= 1
    optimizer : nnlib.optimizers.Optimizer, optional
        Its ``lr`` is set before every step; default plain ``SGD``.
    rng : numpy.random.Generator or int, optional
        The batches' shuffling.
    beta : float in [0, 1), default 0.9
        Smoothing of the loss curve.
    diverge : float, > 1, default 4.0

    Returns
    -------
    LRRangeResult
    """
    lrs = lr_sweep(lr_min, lr_max, n_steps)  # (n_steps,)
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"lr_range_test: batch_size must be an integer >= 1, got {batch_size!r}")
    if not 0 <= beta < 1:
        raise ValueError(f"lr_range_test: beta must be in [0, 1), got {beta!r}")
    if not diverge > 1:
        raise ValueError(f"lr_range_test: diverge must be > 1, got {diverge!r}")
    _, _, loss_with_grad = _resolve_loss(loss)
    X = np.asarray(X)
    y = _targets(y, "y")
    if X.ndim != 2 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(f"lr_range_test: X must be (N, D) with N >= 1 rows like y, got X {X.shape} and y {y.shape}")
    optimizer = SGD(lr=float(lrs[0])) if optimizer is None else optimizer
    rng = as_generator(rng)
    params = model.parameters()
    saved = {name: p.copy() for name, p in params.items()}  # put back at the end
    backward = _backward_without_dX(model)

    losses, smoothed = [], []
    average, best = 0.0, math.inf
    stopped = False
    batches: list = []
    try:
        for t, lr in enumerate(lrs):
            if not batches:
                batches = list(minibatches(X.shape[0], int(batch_size), rng))[::-1]
            idx = batches.pop()  # the next batch of this pass over the data
            model.zero_grad()
            Y = model.forward(X[idx], training=True)
            batch_loss, dY = loss_with_grad(Y, _like_output(y[idx], Y))
            batch_loss = float(batch_loss)
            losses.append(batch_loss)
            average = beta * average + (1 - beta) * batch_loss
            smoothed.append(average / (1 - beta ** (t + 1)))
            best = min(best, smoothed[-1])
            if not math.isfinite(smoothed[-1]) or smoothed[-1] > diverge * best:
                stopped = True  # diverging: this batch's loss is kept, no update is made
                break
            backward(dY)
            optimizer.lr = float(lr)
            optimizer.step(model.parameters(), model.gradients())
    finally:
        for name, p in params.items():
            p[...] = saved[name]
        model.zero_grad()

    T = len(losses)
    lrs = lrs[:T].copy()  # (T,)
    smoothed_arr = np.asarray(smoothed, dtype=np.float64)  # (T,)
    finite = np.where(np.isfinite(smoothed_arr), smoothed_arr, np.inf)
    lr_at_min = float(lrs[int(np.argmin(finite))])
    return LRRangeResult(lrs=lrs, losses=np.asarray(losses, dtype=np.float64), smoothed=smoothed_arr,
                         lr_at_min=lr_at_min, low=lr_at_min / 10, high=lr_at_min, stopped_early=stopped)
