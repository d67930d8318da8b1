"""Learning-rate schedules: the learning rate as a function of time.

A large learning rate makes fast progress early; a small one settles into a
minimum late.  A schedule is a callable ``schedule(t) -> lr`` where ``t`` is
the epoch (or the update step, if you call it once per step), counting from 0:

    sched = cosine(0.1, total=50)
    [sched(t) for t in range(3)]   # 0.1, 0.0999, 0.0996...

``fit(..., schedule=sched)`` sets ``optimizer.lr = sched(epoch)`` at the start
of each epoch.  Schedules compose: ``linear_warmup(0.1, 5, after=cosine(0.1, 45))``
ramps up for 5 epochs, then anneals over the next 45.
"""
from __future__ import annotations

import math

import numpy as np

from nnlib._validation import check_positive

__all__ = ["Schedule", "constant", "step_decay", "exponential", "cosine", "cosine_lr", "linear_warmup"]


class Schedule:
    """A callable ``t -> lr`` with a readable ``repr``.

    Parameters
    ----------
    rule : callable int -> float
        The formula; ``t`` has already been checked to be an integer >= 0.
    description : str
        What ``repr`` shows, e.g. ``"cosine(lr=0.1, total=50, min_lr=0.0)"``.
    """

    def __init__(self, rule, description: str):
        self._rule = rule
        self._description = description

    def __call__(self, t) -> float:
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
            raise ValueError(f"{self._description}: t must be an integer >= 0 (epoch or step), got {t!r}")
        return float(self._rule(int(t)))

    def __repr__(self) -> str:
        return self._description


def _check_count(value, name: str, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def constant(lr) -> Schedule:
    """Constant schedule: ``lr_t = lr``.

    Parameters
    ----------
    lr : float, > 0

    Returns
    -------
    Schedule
    """
    check_positive(lr, "lr")
    return Schedule(lambda t: lr, f"constant(lr={lr!r})")


def step_decay(lr, step_size, gamma=0.1) -> Schedule:
    """Step decay: ``lr_t = lr * gamma ** floor(t / step_size)``.

    The learning rate drops by the factor ``gamma`` every ``step_size`` epochs
    (like ``torch.optim.lr_scheduler.StepLR``).

    Parameters
    ----------
    lr : float, > 0
    step_size : int, >= 1
    gamma : float, > 0

    Returns
    -------
    Schedule
    """
    check_positive(lr, "lr")
    _check_count(step_size, "step_size")
    check_positive(gamma, "gamma")
    return Schedule(lambda t: lr * gamma ** (t // step_size),
                    f"step_decay(lr={lr!r}, step_size={step_size!r}, gamma={gamma!r})")


def exponential(lr, gamma) -> Schedule:
    """Exponential decay: ``lr_t = lr * gamma ** t``.

    Parameters
    ----------
    lr : float, > 0
    gamma : float, > 0 (below 1 to decay)

    Returns
    -------
    Schedule
    """
    check_positive(lr, "lr")
    check_positive(gamma, "gamma")
    return Schedule(lambda t: lr * gamma**t, f"exponential(lr={lr!r}, gamma={gamma!r})")


def cosine(lr, total, min_lr=0.0) -> Schedule:
    """Cosine annealing: ``lr_t = min_lr + (lr - min_lr) * (1 + cos(pi * t / total)) / 2``.

    Starts at ``lr`` (t = 0), falls slowly, then fast, then slowly again to
    ``min_lr`` at ``t = total``, and stays there afterwards.  Note that with
    ``total = epochs`` the last epoch (``t = epochs - 1``) is just above ``min_lr``.

    Parameters
    ----------
    lr : float, > 0
    total : int, >= 1
        Length of the annealing, in the unit of ``t``.
    min_lr : float, 0 <= min_lr <= lr

    Returns
    -------
    Schedule
    """
    check_positive(lr, "lr")
    _check_count(total, "total")
    check_positive(min_lr, "min_lr", allow_zero=True)
    if min_lr > lr:
        raise ValueError(f"min_lr must be <= lr = {lr!r}, got {min_lr!r}")

    def rule(t):
        progress = min(t, total) / total
        return min_lr + (lr - min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0

    return Schedule(rule, f"cosine(lr={lr!r}, total={total!r}, min_lr={min_lr!r})")


def cosine_lr(t, lr0, total, min_lr=0.0) -> float:
    """The cosine schedule at one time: ``min_lr + (lr0 - min_lr) * (1 + cos(pi * min(t, total) / total)) / 2``.

    The same number as ``cosine(lr0, total, min_lr)(t)``, as one plain function
    of ``t`` (the form chapter 5's exercise asks for).

    Parameters
    ----------
    t : int, >= 0
    lr0 : float, > 0
    total : int, >= 1
    min_lr : float, 0 <= min_lr <= lr0

    Returns
    -------
    float
    """
    return cosine(lr0, total, min_lr)(t)


def linear_warmup(lr, warmup, after=None) -> Schedule:
    """Linear warm-up: ``lr_t = lr * (t + 1) / warmup`` for ``t < warmup``, then ``after(t - warmup)`` (or ``lr``).

    The first updates of a fresh network (and of Adam, whose second-moment
    estimate is still poor) can be wild; a short ramp keeps them small.  The
    ramp reaches the full ``lr`` at ``t = warmup - 1``; then the clock of
    ``after`` starts at 0, so ``after`` should itself start near ``lr``.

    Parameters
    ----------
    lr : float, > 0
    warmup : int, >= 0
        Length of the ramp (0 = no ramp).
    after : callable int -> float, optional
        The schedule that follows the ramp; default: constant ``lr``.

    Returns
    -------
    Schedule
    """
    check_positive(lr, "lr")
    _check_count(warmup, "warmup", allow_zero=True)
    if after is not None and not callable(after):
        raise TypeError(f"after must be a schedule (callable t -> lr) or None, got {type(after).__name__}")

    def rule(t):
        if t < warmup:
            return lr * (t + 1) / warmup
        return lr if after is None else after(t - warmup)

    return Schedule(rule, f"linear_warmup(lr={lr!r}, warmup={warmup!r}, after={after!r})")
