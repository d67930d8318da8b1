"""Choosing hyperparameters: grid search, random search, k-fold validation, and
which inputs a trained model actually uses.

A *search space* is a dict from hyperparameter name to its candidates::

    space = {"lr": [0.1, 0.01, 0.001], "hidden": [16, 64]}

- :func:`grid_search` tries every combination (3 x 2 = 6 configs).  The cost
  multiplies with every new hyperparameter, and most of the budget goes on
  values of the hyperparameters that barely matter.
- :func:`random_search` draws ``n`` configs.  A value may also be a callable
  ``f(rng)`` that draws one value, e.g. :func:`log_uniform` for a learning
  rate (:func:`sample_log_uniform` draws n such values at once).  With the
  same budget, random search tries ``n`` distinct values of
  *each* hyperparameter instead of a few, which is why it often wins when only
  one or two of them matter (Bergstra & Bengio, 2012).
- :func:`hit_chance` is the arithmetic behind random search: if a fraction
  ``top`` of the space is "good", n independent draws all miss it with
  probability ``(1 - top)^n``; 60 draws find the top 5 % with probability
  0.954, and :func:`trials_for_hit_chance` says 59 suffice for 95 %.
- :func:`successive_halving_schedule` is the budget plan of successive
  halving (the inner loop of Hyperband): train many configurations a
  little, keep the best ``1/eta`` of them, train those ``eta`` times longer,
  and so on.  27 configurations at ``eta = 3`` cost 108 epochs instead of
  the 729 of training all 27 for 27 epochs.
- :func:`iterations_per_epoch` is the epoch / batch / iteration arithmetic:
  ``ceil(N / B)`` updates per epoch (800 rows in batches of 150 make 6,
  not 3).
- :func:`k_fold` splits ``n`` samples into k folds; each fold is the
  validation set once, so every sample is validated on exactly once and the k
  scores give a mean and a spread instead of a single lucky split.
- :func:`permutation_importance` shuffles one input column at a time and
  measures how much the score drops: a column the model ignores costs nothing
  when shuffled.

The learning-rate range test lives in :mod:`nnlib.lr_range`.
"""
from __future__ import annotations

import itertools
import math
import numbers

import numpy as np

from nnlib._validation import as_generator, check_positive

__all__ = [
    "grid_search",
    "hit_chance",
    "iterations_per_epoch",
    "k_fold",
    "log_uniform",
    "permutation_importance",
    "random_search",
    "sample_log_uniform",
    "successive_halving_schedule",
    "trials_for_hit_chance",
]


def _check_space(space, allow_callables: bool, where: str) -> None:
    if not isinstance(space, dict) or not space:
        raise ValueError(f"{where}: space must be a non-empty dict of name -> candidates, got {space!r}")
    for name, values in space.items():
        if allow_callables and callable(values):
            continue
        if not isinstance(values, (list, tuple, np.ndarray)) or len(values) == 0:
            kinds = "a non-empty list of candidates" + (" or a callable f(rng)" if allow_callables else "")
            raise ValueError(f"{where}: space[{name!r}] must be {kinds}, got {values!r}")


def grid_search(space):
    """Every combination of the candidates, as config dicts.

    The Cartesian product in key order, the last key varying fastest:
    ``{"a": [1, 2], "b": [3, 4]}`` gives a=1,b=3; a=1,b=4; a=2,b=3; a=2,b=4.
    ``prod(len(v) for v in space.values())`` configs in all.

    Parameters
    ----------
    space : dict of str -> list

    Returns
    -------
    generator of dict
    """
    _check_space(space, allow_callables=False, where="grid_search")
    names = list(space)
    # Validation above runs at the call; only the iteration below is lazy.
    return (dict(zip(names, combo)) for combo in itertools.product(*(space[k] for k in names)))


def log_uniform(low, high):
    """A sampler ``f(rng)`` drawing ``exp(U[log low, log high])``.

    Each factor of ten between low and high is equally likely, the right prior
    for scale parameters such as a learning rate or a weight decay.
    """
    check_positive(low, "low")
    check_positive(high, "high")
    if not low < high:
        raise ValueError(f"log_uniform: need low < high, got low={low!r}, high={high!r}")
    log_low, log_high = math.log(low), math.log(high)

    def sample(rng):
        return float(math.exp(as_generator(rng).uniform(log_low, log_high)))

    sample.__doc__ = f"Draw one value log-uniformly from [{low}, {high}]."
    return sample


def sample_log_uniform(low, high, n, rng=None):
    """``n`` draws of ``exp(U[log low, log high])``: ``np.exp(rng.uniform(log(low), log(high), size=n))``.

    The same numbers as calling ``log_uniform(low, high)`` n times with the
    same rng (tested), as an array.  Between 1e-4 and 1e-1 each decade gets a
    third of the draws; a plain ``rng.uniform(1e-4, 1e-1)`` would put 90 % of
    them above 1e-2.

    Parameters
    ----------
    low, high : float, 0 < low < high
    n : int, >= 0
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    ndarray, shape (n,), float64
    """
    check_positive(low, "low")
    check_positive(high, "high")
    if not low < high:
        raise ValueError(f"sample_log_uniform: need low < high, got low={low!r}, high={high!r}")
    n = _check_int(n, "n", "sample_log_uniform", low=0)
    return np.exp(as_generator(rng).uniform(math.log(low), math.log(high), size=n))  # (n,)


def random_search(space, n, rng=None):
    """``n`` random configs: each list candidate drawn uniformly, each callable called with rng.

    Parameters
    ----------
    space : dict of str -> list or callable
        A list: one of its elements, each equally likely.  A callable
        ``f(rng)``: its return value (see :func:`log_uniform`).
    n : int
        Number of configs.
    rng : numpy.random.Generator or int, optional
        The same seed gives the same configs.

    Returns
    -------
    generator of dict
        Keys in the order of ``space``.
    """
    _check_space(space, allow_callables=True, where="random_search")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"random_search: n must be a non-negative integer, got {n!r}")
    rng = as_generator(rng)

    def draw():
        for _ in range(n):
            yield {name: values(rng) if callable(values) else values[int(rng.integers(len(values)))]
                   for name, values in space.items()}

    return draw()


def _check_int(value, name: str, where: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{where}: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _check_fraction(top, where: str) -> float:
    if isinstance(top, bool) or not isinstance(top, numbers.Real) or not 0 < top < 1:
        raise ValueError(f"{where}: top must be a fraction strictly between 0 and 1, got {top!r}")
    return float(top)


def hit_chance(n_trials, top=0.05):
    """Chance that at least one of ``n_trials`` random draws lands in the best ``top`` of the space.

    ``P = 1 - (1 - top)^n``: each draw misses the good region with
    probability ``1 - top``, independently.  For ``top = 0.05``: 5 trials
    give 0.226, 14 give 0.512, 30 give 0.785, 60 give 0.954, 100 give 0.994.
    It does not depend on how many hyperparameters there are; a grid of the
    same size gives no such promise, because its points repeat the same few
    values of every hyperparameter.

    Parameters
    ----------
    n_trials : int, >= 0
    top : float in (0, 1), default 0.05

    Returns
    -------
    float in [0, 1)
    """
    n_trials = _check_int(n_trials, "n_trials", "hit_chance", low=0)
    top = _check_fraction(top, "hit_chance")
    # -expm1(n log1p(-top)) is 1 - (1 - top)^n without losing digits for a tiny top.
    return float(-math.expm1(n_trials * math.log1p(-top)))


def trials_for_hit_chance(chance, top=0.05):
    """Fewest random trials ``n`` with ``hit_chance(n, top) >= chance``.

    ``n = ceil(log(1 - chance) / log(1 - top))``; 59 trials give a 95 %
    chance of a configuration in the top 5 % (``1 - 0.95^59 = 0.9515``).

    Parameters
    ----------
    chance : float in (0, 1)
    top : float in (0, 1), default 0.05

    Returns
    -------
    int
    """
    if isinstance(chance, bool) or not isinstance(chance, numbers.Real) or not 0 < chance < 1:
        raise ValueError(f"trials_for_hit_chance: chance must be strictly between 0 and 1, got {chance!r}")
    top = _check_fraction(top, "trials_for_hit_chance")
    n = math.ceil(math.log1p(-chance) / math.log1p(-top))
    # Guard the ceiling against a quotient that rounding put just above a whole number.
    while n > 1 and hit_chance(n - 1, top) >= chance:
        n -= 1
    return n


def successive_halving_schedule(n_configs, min_budget, eta=3):
    """The rounds of successive halving: how many configurations, each trained for how long.

    Round ``i`` (``i = 0, 1, ..., s``) trains ``n_i = floor(n_configs / eta^i)``
    configurations for ``r_i = min_budget * eta^i`` (epochs, say) each; the
    best ``1 / eta`` of them go on to the next round.  ``s`` is the largest
    whole number with ``eta^s <= n_configs``, so the last round has
    between 1 and ``eta - 1`` configurations left.  Each round costs about
    ``n_configs * min_budget`` and the whole search ``sum(n_i * r_i)``.

    27 configurations, 1 epoch, ``eta = 3``: ``[(27, 1), (9, 3), (3, 9), (1, 27)]``,
    108 epochs in all, against ``27 * 27 = 729`` for training every
    configuration as long as the winner.

    Parameters
    ----------
    n_configs : int, >= 1
        Configurations in the first round.
    min_budget : int or float, > 0
        Budget of each configuration in the first round.
    eta : int, >= 2, default 3
        The factor by which the field shrinks and the budget grows.

    Returns
    -------
    list of (n_i, r_i)
        ``n_i`` an int; ``r_i`` an int when ``min_budget`` is one, else a float.
    """
    n_configs = _check_int(n_configs, "n_configs", "successive_halving_schedule", low=1)
    eta = _check_int(eta, "eta", "successive_halving_schedule", low=2)
    if isinstance(min_budget, bool) or not isinstance(min_budget, numbers.Real) or not min_budget > 0:
        raise ValueError(f"successive_halving_schedule: min_budget must be a number > 0, got {min_budget!r}")
    rounds = []
    i = 0
    # Integer arithmetic, not log(n) / log(eta): log(27) / log(3) is 3.0000000000000004.
    while n_configs // eta ** i >= 1:
        rounds.append((n_configs // eta ** i, min_budget * eta ** i))
        i += 1
    return rounds


def iterations_per_epoch(n_samples, batch_size, drop_last=False):
    """Updates in one epoch: ``ceil(N / B)``, or ``floor(N / B)`` with ``drop_last``.

    One epoch passes over all N samples in batches of B; one iteration is
    one batch, one update.  The last batch holds the ``N mod B`` rows left
    over (unless ``drop_last`` leaves them out).  1000 rows in batches of
    100: 10; 800 rows in batches of 150: 6 (five of 150 and one of 50, not
    3); 50 rows in batches of 10 for 5 epochs: ``5 * 5 = 25`` updates.
    Equals ``len(nnlib.training.minibatches(N, B, rng, drop_last))``.

    Parameters
    ----------
    n_samples : int, >= 0
    batch_size : int, >= 1
    drop_last : bool, default False

    Returns
    -------
    int
    """
    n_samples = _check_int(n_samples, "n_samples", "iterations_per_epoch", low=0)
    batch_size = _check_int(batch_size, "batch_size", "iterations_per_epoch", low=1)
    if drop_last:
        return n_samples // batch_size
    return -(-n_samples // batch_size)  # ceil in integers: exact for any size


def k_fold(n, k, rng=None, shuffle=True):
    """Split ``range(n)`` into k folds; each fold is the validation set once.

    Fold sizes differ by at most one (the first ``n % k`` folds get the extra
    sample).  With ``shuffle=False`` the folds are consecutive blocks.

    Parameters
    ----------
    n : int
        Number of samples.
    k : int, 2 <= k <= n
    rng : numpy.random.Generator or int, optional
        Used only when shuffling.
    shuffle : bool, default True

    Returns
    -------
    list of (train_idx, val_idx)
        k pairs of sorted int64 index arrays; ``val_idx`` of all folds
        together cover every index exactly once, and ``train_idx`` is the
        rest of ``range(n)``.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise ValueError(f"k_fold: n must be an integer >= 2, got {n!r}")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 2 <= k <= n:
        raise ValueError(f"k_fold: k must be an integer with 2 <= k <= n={n}, got {k!r}")
    order = as_generator(rng).permutation(n) if shuffle else np.arange(n)  # (n,)
    sizes = [n // k + (i < n % k) for i in range(k)]
    stops = np.cumsum(sizes)
    folds = []
    for start, stop in zip(stops - sizes, stops):
        in_val = np.zeros(n, dtype=bool)  # (n,)
        in_val[order[start:stop]] = True
        folds.append((np.flatnonzero(~in_val), np.flatnonzero(in_val)))
    return folds


def permutation_importance(predict, X, y, metric, rng=None, n_repeats=5):
    """Drop in score when one input column is shuffled: ``metric(base) - metric(column j shuffled)``.

    Shuffling column j keeps its values but breaks their link to the target.
    The model is not retrained, so this measures what *this* model relies on.
    Use a score where higher is better (accuracy); for a loss pass
    ``lambda p, t: -loss(p, t)``.

    Parameters
    ----------
    predict : callable
        ``predict(X)`` -> predictions that ``metric`` understands.
    X : array_like, shape (N, D)
        Not modified.
    y : array_like, shape (N, ...)
    metric : callable
        ``metric(y_pred, y_true)`` -> float, e.g. :func:`nnlib.metrics.accuracy`.
    rng : numpy.random.Generator or int, optional
    n_repeats : int, default 5
        Shuffles per column.

    Returns
    -------
    mean : ndarray, shape (D,)
        Average drop per column.
    std : ndarray, shape (D,)
        Its standard deviation over the repeats (``ddof=0``).
    """
    if not callable(predict) or not callable(metric):
        raise TypeError("permutation_importance: predict and metric must be callables")
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"permutation_importance: X must have shape (N, D), got {X.shape}")
    N, D = X.shape
    if np.shape(y)[:1] != (N,):
        raise ValueError(f"permutation_importance: y must have {N} rows like X, got shape {np.shape(y)}")
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, numbers.Integral) or n_repeats < 1:
        raise ValueError(f"permutation_importance: n_repeats must be a positive integer, got {n_repeats!r}")
    rng = as_generator(rng)
    baseline = float(metric(predict(X), y))
    drops = np.empty((D, n_repeats), dtype=np.float64)  # (D, n_repeats)
    X_shuffled = X.copy()  # (N, D) one scratch copy; X itself is never touched
    for j in range(D):
        for r in range(n_repeats):
            X_shuffled[:, j] = X[rng.permutation(N), j]
            drops[j, r] = baseline - float(metric(predict(X_shuffled), y))
        X_shuffled[:, j] = X[:, j]  # restore before moving to the next column
    return drops.mean(axis=1), drops.std(axis=1)
