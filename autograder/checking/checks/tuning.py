"""Checks of chapter 08_tuning: searching hyperparameters, validating, evaluating, explaining.

Student signatures (the notebook states each one in its exercise); the
references are in :mod:`nnlib.tuning` and :mod:`nnlib.metrics`:

- ``grid_search(space) -> list of dicts``: every combination of the
  candidates, keys in the order of ``space``, the last key varying fastest
  (``itertools.product`` order), as a list.  → ``grid_search``
- ``random_search(space, n, rng) -> list of n dicts``: one config at a time,
  its names in order; a list candidate is ``values[rng.integers(len(values))]``
  (``rng.choice(values)`` draws the same), a callable one ``values(rng)``.
  → ``random_search``
- ``sample_log_uniform(low, high, n, rng) -> (n,)``: ``np.exp(rng.uniform(log(low),
  log(high), size=n))``, the draws ``log_uniform(low, high)`` makes one at a
  time.  → ``sample_log_uniform``
- ``k_fold(n, k, rng, shuffle=True) -> list of (train_idx, val_idx)``:
  ``order = rng.permutation(n)`` (``np.arange(n)`` without shuffling) cut
  into k consecutive folds, the first ``n % k`` one longer (``np.array_split``
  does exactly this); ``train_idx`` every other index.  The order inside an
  index array does not matter.  → ``k_fold``
- ``successive_halving_schedule(n_configs, min_budget, eta) -> list of (n_i,
  r_i)``: ``n_i = n_configs // eta**i``, ``r_i = min_budget * eta**i`` while
  ``n_i >= 1``.  → ``successive_halving_schedule``
- ``iterations_per_epoch(n_samples, batch_size, drop_last=False) -> int``:
  ``ceil(N / B)``, ``floor(N / B)`` with ``drop_last``.  → ``iterations_per_epoch``
- ``confusion_matrix(y_true, y_pred, n_classes) -> (C, C)`` counts, rows
  true, columns predicted.  → ``nnlib.metrics.confusion_matrix``
- ``precision_recall_f1(y_true, y_pred, n_classes) -> (precision, recall,
  f1, macro_f1)``: per-class arrays (C,) with 0/0 = 0, and the plain mean of
  f1 over the classes that occur in y_true or y_pred.
  → ``nnlib.metrics.precision_recall_f1``
- ``permutation_importance(predict, X, y, metric, rng, n_repeats) -> (mean,
  std)``: for each column j (outer loop), for each repeat (inner loop),
  ``X_shuffled[:, j] = X[rng.permutation(N), j]`` and the drop
  ``metric(predict(X), y) - metric(predict(X_shuffled), y)``; column j put
  back before the next; ``std`` with ``ddof=0``.  → ``permutation_importance``

Five exercises are judged by behaviour before their values are compared, so
that the message says what is wrong in the words of the exercise:
``grid_search`` (a list of dicts, one per combination, then their order),
``random_search`` (n dicts, every value a candidate, then rng's draws),
``sample_log_uniform`` (n draws inside [low, high], spread evenly over the
decades, then rng's draws), ``k_fold`` (k pairs, the fold
sizes, every index validated once, train the rest, then rng's order) and
``permutation_importance`` (a pair of arrays (D,), an unused column 0, then
rng's shuffles).  The grid and random search return lists (a generator is
refused with its own message: the grader's re-check reads outputs back as
data), and random search's candidates are numbers (``rng.choice`` of a list
of strings returns NumPy strings, which the re-check's wire format does not
carry).  Randomness comes only from the ``rng`` argument: a seeded
Generator shown as ``np.random.default_rng(seed)`` and copied for every
call, so a correct function gives the reference's numbers exactly.

Essential cases (while one fails, the exercise earns at most half its
points): the chapter's worked numbers (the 2 x 2 grid, the 3 x 2 x 4 = 24
grid; k = 3 folds of n = 10, sizes 4, 3, 3; 27 configurations at eta = 3;
800 rows in batches of 150 make 6 iterations; the ten-sample confusion
matrix [[3, 1, 0], [0, 2, 1], [1, 0, 2]] and its macro-F1 0.694), the
remainder (fold sizes, the last batch), a class never predicted (0/0 = 0),
a learning rate drawn over four decades, and the model that ignores a column.

dtype: the outputs are counts, index arrays and ratios computed from
labels, so there is no float32 input to keep; the judged exercises compare
values, not dtypes.
"""
from __future__ import annotations

import copy
import itertools
import math

import numpy as np

from autograder.checking.checks.optimizers import SeededRng, _case_generator, _data_rng
from autograder.checking.compare import compare
from autograder.checking.spec import Case, Mistake, Spec, register
from nnlib import metrics, tuning


def _fresh(rng):
    return copy.deepcopy(rng)  # the case's rng untouched: each use starts from the same state


def _reference(spec_reference, case):
    """The reference's output on fresh copies of a case's arguments (as the engine calls it)."""
    return spec_reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))


def _as_list(out, what="configurations"):
    """The output as a list when it is a list or tuple; else a message.

    A generator is refused with its own message, as in chapter 05's
    ``minibatches``: the grader's re-check reads outputs back as data, and
    a generator is code, not data.
    """
    if out is None:
        return None, f"returned None (did you forget `return`?); return a list of {what}"
    if isinstance(out, (list, tuple)):
        return list(out), None
    if type(out).__name__ == "generator":
        return None, (f"returned a generator (a function with `yield`); return a list of {what}: collect them "
                      "in a list, or return list(...) of the generator")
    return None, f"returned {_kind(out)}; return a list of {what}"


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _show_config(config) -> str:
    return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in config.items()) + "}" if isinstance(config, dict) \
        else repr(config)


# ======================================================================= grid_search

GRID_24 = {"lr": [0.1, 0.01, 0.001], "batch": [32, 128], "hidden": [8, 16, 32, 64]}  # the chapter's grid


def _grid_reference(space):
    """``list(nnlib.tuning.grid_search(space))``."""
    return list(tuning.grid_search(space))


def _grid_cases():
    return [
        Case("hand-worked: {'a': [1, 2], 'b': [3, 4]} -> a=1,b=3; a=1,b=4; a=2,b=3; a=2,b=4 (the last key fastest)",
             ({"a": [1, 2], "b": [3, 4]},), essential=True),
        Case("the chapter's grid {lr: 3 values, batch: 2, hidden: 4}: 3 x 2 x 4 = 24 configurations",
             (copy.deepcopy(GRID_24),), essential=True),
        Case("one name with three candidates: three configurations", ({"dropout": [0.0, 0.25, 0.5]},)),
    ]


def _grid_hidden_cases():
    rng = _data_rng(88)
    shuffled = {name: [int(v) for v in rng.choice(100, size=int(rng.integers(1, 4)), replace=False)]
                for name in [str(n) for n in rng.permutation(["depth", "width", "batch", "epochs"])[:3]]}
    return [
        Case("random: three names in a random order, 1 to 3 candidates each", (shuffled,)),
        Case("names not in alphabetical order: {'width': ..., 'act': ..., 'depth': ...}",
             ({"width": [16, 64], "act": ["relu", "tanh", "gelu"], "depth": [1, 2]},)),
        Case("a name with one candidate only: it is in every configuration",
             ({"opt": ["adam"], "lr": [1e-3, 1e-2], "wd": [0.0, 1e-4, 1e-3]},)),
        Case("four names: 2 x 3 x 2 x 2 = 24 configurations",
             ({"a": [0, 1], "b": ["x", "y", "z"], "c": [True, False], "d": [0.5, 2.5]},)),
        Case("edge: one name, one candidate: one configuration", ({"lr": [0.1]},)),
        Case("candidates in a tuple", ({"lr": (0.3, 0.1), "batch": (8, 16)},)),
    ]


def judge_grid(case, out):
    (space,) = case.args
    want = _grid_reference(copy.deepcopy(space))
    got, problem = _as_list(out)
    if problem:
        return problem
    for k, config in enumerate(got):
        if not isinstance(config, dict):
            return (f"configuration {k} is {_kind(config)} ({config!r}); each configuration must be a dict "
                    f"{{name: value}}, e.g. dict(zip(space, combo))")
    sizes = " x ".join(str(len(v)) for v in space.values())
    if len(got) != len(want):
        return f"returned {len(got)} configurations; {sizes} = {len(want)}: one for every combination"
    names = list(space)
    for k, config in enumerate(got):
        if set(config) != set(names):
            return f"configuration {k} has the names {sorted(config)}; every configuration needs {names}"
    if len(got) > 1 and len({id(c) for c in got}) == 1:
        return ("every configuration is the same dict object, so all show the last combination: build a new "
                "dict for each combination (dict(zip(names, combo))), do not update one dict")
    key = [tuple(repr(c[n]) for n in names) for c in got]
    key_want = [tuple(repr(c[n]) for n in names) for c in want]
    if len(set(key)) < len(key):
        repeated = next(c for c in key if key.count(c) > 1)
        return f"the configuration {dict(zip(names, repeated))} comes more than once; each combination once"
    if sorted(key) != sorted(key_want):
        return "not every combination is there: " + next(
            f"{_show_config(w)} is missing" for w, kw in zip(want, key_want) if kw not in key)
    for k, (g, w) in enumerate(zip(got, want)):
        if g != w:
            g = {n: g[n] for n in names}  # shown in the order of space, as the expected one
            return (f"configuration {k} is {_show_config(g)}, expected {_show_config(w)}: the right "
                    f"combinations in another order; the last name ({names[-1]!r}) varies fastest, the first "
                    f"({names[0]!r}) slowest, like itertools.product(*space.values())")
    return None


def _grid_first_fastest(space):
    names = list(space)[::-1]
    return [dict(zip(names, combo)) for combo in itertools.product(*(space[n] for n in names))]


def _grid_shared_dict(space):
    config, out = {}, []
    for combo in itertools.product(*space.values()):
        config.update(zip(space, combo))
        out.append(config)
    return out


def _grid_zip(space):
    return [dict(zip(space, combo)) for combo in zip(*space.values())]


def _grid_tuples(space):
    return list(itertools.product(*space.values()))


def _grid_sorted_names(space):
    names = sorted(space)
    return [dict(zip(names, combo)) for combo in itertools.product(*(space[n] for n in names))]


def _grid_two_loops(space):
    """Nested loops written for two names only: a third one is left out."""
    names = list(space)
    first = names[0]
    second = names[1] if len(names) > 1 else None
    out = []
    for a in space[first]:
        for b in (space[second] if second else [None]):
            out.append({first: a} if second is None else {first: a, second: b})
    return out


register(Spec(
    name="tuning.grid_search",
    reference=_grid_reference,
    visible_cases=_grid_cases,
    hidden_cases=_grid_hidden_cases,
    judge=judge_grid,
    mistakes=[
        Mistake("the last name varies fastest (an odometer): itertools.product(*space.values()) in the order of "
                "space, not reversed", _grid_first_fastest),
        Mistake("append a new dict for every combination: updating one dict and appending it again and again "
                "leaves a list of the same object, showing the last combination n times", _grid_shared_dict),
        Mistake("zip pairs the first candidates, then the second ones: that is not every combination; "
                "itertools.product(*space.values()) is", _grid_zip),
        Mistake("turn each combination into a dict {name: value}: dict(zip(space, combo))", _grid_tuples),
        Mistake("keep the names in the order of space: sorted(space) (as scikit-learn's ParameterGrid does) "
                "changes which name varies fastest", _grid_sorted_names),
        Mistake("every name needs its own loop: nested for-loops written for two names miss the third; "
                "itertools.product(*space.values()) handles any number", _grid_two_loops),
    ],
    blocked=("nnlib.tuning.grid_search",),
))


# ======================================================================= random_search


class LogUniform:
    """``log_uniform(low, high)`` as a case argument: the same draws, and a readable name in messages."""

    def __init__(self, low, high):
        self.low, self.high = low, high
        self._sample = tuning.log_uniform(low, high)

    def __call__(self, rng):
        return self._sample(rng)

    def __repr__(self) -> str:
        return f"log_uniform({self.low!r}, {self.high!r})"

    def __deepcopy__(self, memo):
        return LogUniform(self.low, self.high)

    def __eq__(self, other):  # two copies of a case's sampler are the same sampler
        return isinstance(other, LogUniform) and (self.low, self.high) == (other.low, other.high)

    def __hash__(self):
        return hash((self.low, self.high))


def _random_reference(space, n, rng):
    """``list(nnlib.tuning.random_search(space, n, rng))``."""
    return list(tuning.random_search(space, n, rng))


def _random_cases():
    return [
        Case("hand-worked: {'hidden': [16, 32, 64], 'dropout': [0.0, 0.5]}, n = 4: four configs of rng's draws",
             ({"hidden": [16, 32, 64], "dropout": [0.0, 0.5]}, 4, SeededRng(0)), essential=True),
        Case("a learning rate drawn by a sampler: {'lr': log_uniform(1e-4, 1e-1), 'hidden': [32, 64]}, n = 6",
             ({"lr": LogUniform(1e-4, 1e-1), "hidden": [32, 64]}, 6, SeededRng(1)), essential=True),
        Case("n = 0: no configuration", ({"lr": [0.1, 0.01]}, 0, SeededRng(2))),
    ]


def _random_hidden_cases():
    data = _data_rng(89)
    n = int(data.integers(10, 40))
    widths = sorted(int(w) for w in data.choice(np.arange(8, 257), size=4, replace=False))
    return [
        Case(f"random: n = {n} configs of a sampler and two lists",
             ({"lr": LogUniform(1e-4, 1e-1), "width": widths, "dropout": [0.0, 0.2, 0.5]}, n,
              _case_generator(89))),
        Case("three names, two of them samplers, n = 20",
             ({"lr": LogUniform(1e-5, 1.0), "wd": LogUniform(1e-6, 1e-2), "depth": [1, 2, 3]}, 20,
              _case_generator(90))),
        Case("n = 50 configs of four list names",
             ({"a": [1, 2, 3], "b": [16, 32], "c": [0.1, 0.2, 0.3, 0.4], "d": [True, False]}, 50,
              _case_generator(91))),
        Case("a sampler name last: {'hidden': [...], 'lr': log_uniform(...)}",
             ({"hidden": [8, 16, 32, 64, 128], "lr": LogUniform(1e-3, 1.0)}, 12, _case_generator(92))),
        Case("edge: one name with one candidate, n = 3", ({"batch": [64]}, 3, _case_generator(93))),
    ]


def judge_random(case, out):
    space, n, rng = case.args
    want = _random_reference(copy.deepcopy(space), n, _fresh(rng))
    got, problem = _as_list(out)
    if problem:
        return problem
    if len(got) != n:
        return f"returned {len(got)} configurations; n = {n} asks for {n}"
    names = list(space)
    for k, config in enumerate(got):
        if not isinstance(config, dict):
            return f"configuration {k} is {_kind(config)}; each configuration must be a dict {{name: value}}"
        if set(config) != set(names):
            return f"configuration {k} has the names {sorted(config)}; every configuration needs {names}"
        for name, values in space.items():
            value = config[name]
            if callable(values):
                if callable(value):
                    return (f"configuration {k} holds the sampler itself under {name!r}; call it with the rng: "
                            f"values(rng) draws one value")
                if not isinstance(value, (int, float, np.number)) or not values.low <= value <= values.high:
                    return (f"configuration {k} has {name!r} = {value!r}, outside [{values.low}, {values.high}] "
                            f"of {values!r}")
            elif not _is_candidate(value, values):
                return f"configuration {k} has {name!r} = {value!r}, which is not one of its candidates {values}"
    if n > 1 and len({id(c) for c in got}) == 1:
        return "every configuration is the same dict object: build a new dict for each of the n configurations"
    if compare(want, got, 1e-12) is not None:
        if n > 1 and all(c == got[0] for c in got) and not all(c == want[0] for c in want):
            return ("all n configurations are the same: draw a new configuration for each of the n, inside the "
                    "loop")
        return ("valid configurations, but not the ones rng gives: draw one configuration at a time and its "
                "names in the order of space, each from the rng passed in: values(rng) for a sampler, "
                "values[rng.integers(len(values))] (or rng.choice(values)) for a list; not np.random or random")
    return None


def _is_candidate(value, values) -> bool:
    try:
        return any(bool(value == v) for v in values)
    except (TypeError, ValueError):  # an array or another value that does not compare to a candidate
        return False


def _random_like_a_student(*, by_name=False, once=False, shared=False, no_call=False):
    def wrong(space, n, rng):
        if by_name:  # all n values of one name first: the same draws, another order of the rng's numbers
            columns = {name: [values(rng) if callable(values) else values[int(rng.integers(len(values)))]
                              for _ in range(n)] for name, values in space.items()}
            return [{name: columns[name][i] for name in space} for i in range(n)]
        out, config = [], {}

        def draw():
            return {name: (values if no_call else values(rng)) if callable(values)
                    else values[int(rng.integers(len(values)))] for name, values in space.items()}

        first = draw() if once and n else None
        for _ in range(n):
            if shared:
                config.update(draw())
                out.append(config)
            else:
                out.append(dict(first) if once else draw())
        return out
    return wrong


def _random_index_into_sampler(space, n, rng):
    return [{name: values[int(rng.integers(len(values)))] for name, values in space.items()} for _ in range(n)]


register(Spec(
    name="tuning.random_search",
    reference=_random_reference,
    visible_cases=_random_cases,
    hidden_cases=_random_hidden_cases,
    judge=judge_random,
    mistakes=[
        Mistake("a candidate may be a sampler, a function of rng: check callable(values) and draw with "
                "values(rng) instead of picking from a list", _random_index_into_sampler),
        Mistake("call the sampler with the rng: values(rng) draws one value; the configuration holds the value, "
                "not the function", _random_like_a_student(no_call=True)),
        Mistake("draw a new configuration inside the loop: drawn once, all n configurations are the same",
                _random_like_a_student(once=True)),
        Mistake("append a new dict for every configuration: updating one dict leaves n references to the same "
                "object, all showing the last draw", _random_like_a_student(shared=True)),
        Mistake("draw one configuration at a time (all its names, in order), then the next: drawing all n "
                "values of one name first uses the rng's numbers in another order",
                _random_like_a_student(by_name=True)),
    ],
    blocked=("nnlib.tuning.random_search",),
))


# ======================================================================= sample_log_uniform


def _log_cases():
    return [
        Case("hand-worked: low = 1e-4, high = 1e-1 (a learning rate over three decades), n = 300: each decade gets "
             "about a third of the draws", (1e-4, 1e-1, 300, SeededRng(0)), essential=True),
        Case("low = 1e-5, high = 10, n = 600: six decades, each equally likely", (1e-5, 10.0, 600, SeededRng(1)),
             essential=True),
        Case("low = 2, high = 8, n = 5: log-uniform also between two plain numbers", (2.0, 8.0, 5, SeededRng(2))),
    ]


def _log_hidden_cases():
    rng = _data_rng(95)
    low = float(10 ** rng.uniform(-6, -3))
    return [
        Case(f"random: low = {low:.3g}, high = 1, n = 200", (low, 1.0, 200, _case_generator(96))),
        Case("low = 1e-8, high = 1e-2, n = 400: a weight decay", (1e-8, 1e-2, 400, _case_generator(97))),
        Case("a narrow range: low = 0.5, high = 0.6, n = 50", (0.5, 0.6, 50, _case_generator(98))),
        Case("integer bounds low = 1, high = 1000, n = 100", (1, 1000, 100, _case_generator(99))),
        Case("edge: n = 0, no draw: an empty array", (1e-3, 1.0, 0, _case_generator(100))),
    ]


def judge_log_uniform(case, out):
    low, high, n, rng = case.args
    want = tuning.sample_log_uniform(low, high, n, _fresh(rng))
    if out is None:
        return "returned None (did you forget `return`?); return an array of the n draws"
    if not isinstance(out, np.ndarray):
        return f"returned {_kind(out)}; return a NumPy array of the n = {n} draws, shape ({n},)"
    if out.shape != (n,):
        return f"returned shape {out.shape}; n = {n} draws make an array of shape ({n},)"
    if not np.issubdtype(out.dtype, np.floating):
        return f"returned an array of dtype {out.dtype}; the draws are floats"
    if n == 0:
        return None
    if not np.all(np.isfinite(out)) or out.min() < low * (1 - 1e-12) or out.max() > high * (1 + 1e-12):
        bad = out[~np.isfinite(out) | (out < low * (1 - 1e-12)) | (out > high * (1 + 1e-12))][0]
        return f"drew {float(bad)!r}, outside [low, high] = [{low}, {high}]"
    below_middle = float(np.mean(np.log(out) < (math.log(low) + math.log(high)) / 2))
    if high / low >= 100 and n >= 100 and below_middle < 0.3:
        return (f"only {below_middle:.0%} of the draws fall in the lower half of the decades between {low} and "
                f"{high}; log-uniform puts half of them there")
    mismatch = compare(want, out, 1e-9)
    if mismatch:
        return (f"{mismatch.detail}: draw the exponents in one call from the rng passed in, "
                "rng.uniform(np.log(low), np.log(high), size=n), and return their np.exp")
    return None


def _log_wrong(kind):
    def sample_log_uniform(low, high, n, rng):
        if kind == "uniform":
            return rng.uniform(low, high, size=n)
        if kind == "exponents":
            return 10 ** rng.uniform(low, high, size=n)
        if kind == "exp":
            return np.exp(rng.uniform(low, high, size=n))
        if kind == "log10_mixed":  # the exponent in base 10, raised in base e
            return np.exp(rng.uniform(np.log10(low), np.log10(high), size=n))
        if kind == "one_draw":  # one number repeated
            return np.full(n, np.exp(rng.uniform(np.log(low), np.log(high))))
        raise AssertionError(kind)
    return sample_log_uniform


register(Spec(
    name="tuning.sample_log_uniform",
    reference=tuning.sample_log_uniform,
    visible_cases=_log_cases,
    hidden_cases=_log_hidden_cases,
    judge=judge_log_uniform,
    mistakes=[
        Mistake("rng.uniform(low, high) puts almost every draw in the top decade (90 % of [1e-4, 1e-1] lies above "
                "1e-2); draw the exponent uniformly instead: np.exp(rng.uniform(np.log(low), np.log(high), size=n))",
                _log_wrong("uniform")),
        Mistake("low and high are the values themselves, not exponents: take their logs first, "
                "np.exp(rng.uniform(np.log(low), np.log(high), size=n))", _log_wrong("exponents")),
        Mistake("take the logs of low and high before drawing: np.exp(rng.uniform(np.log(low), np.log(high), "
                "size=n))", _log_wrong("exp")),
        Mistake("one base throughout: np.log with np.exp, or np.log10 with 10 ** ...; mixing them draws from "
                "another range", _log_wrong("log10_mixed")),
        Mistake("draw n numbers, size=n: one draw repeated n times is not a sample", _log_wrong("one_draw")),
    ],
    blocked=("nnlib.tuning.sample_log_uniform", "nnlib.tuning.log_uniform"),
))


# ======================================================================= k_fold


def _kfold_cases():
    return [
        Case("hand-worked: n = 10, k = 3 -> folds of 4, 3 and 3 (the first n % k = 1 fold one longer)",
             (10, 3, SeededRng(0)), essential=True),
        Case("shuffle=False: n = 7, k = 3 -> [0, 1, 2], [3, 4], [5, 6]", (7, 3, SeededRng(1)), {"shuffle": False},
             essential=True),
        Case("n = 12, k = 4: 4 divides 12, folds of 3", (12, 4, SeededRng(2))),
    ]


def _kfold_hidden_cases():
    sizes = _data_rng(96)
    cases = []
    for seed in (97, 98):
        n = int(sizes.integers(20, 120))
        k = int(sizes.integers(2, 11))
        cases.append(Case(f"random: n = {n}, k = {k}", (n, k, _case_generator(seed))))
    cases += [
        Case("k = n: leave-one-out, every fold one sample", (6, 6, _case_generator(99))),
        Case("k = 2: two halves, n odd", (9, 2, _case_generator(100))),
        Case("shuffle=False, n = 17, k = 5: folds of 4, 4, 3, 3, 3 in order", (17, 5, _case_generator(101)),
             {"shuffle": False}),
    ]
    return cases


def judge_k_fold(case, out):
    n, k, rng = case.args
    shuffle = case.kwargs.get("shuffle", True)
    want = tuning.k_fold(n, k, _fresh(rng), shuffle)
    if out is None:
        return "returned None (did you forget `return`?); return a list of k pairs (train_idx, val_idx)"
    if not isinstance(out, (list, tuple)):
        return f"returned {_kind(out)}; return a list of k pairs (train_idx, val_idx)"
    if len(out) != k:
        return f"returned {len(out)} folds; k = {k} asks for {k}, each the validation set once"
    for f, pair in enumerate(out):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            return f"fold {f} is {_kind(pair)}; each fold is a pair (train_idx, val_idx)"
        for name, idx in zip(("train_idx", "val_idx"), pair):
            arr = np.asarray(idx)
            if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
                return f"fold {f}'s {name} is {_kind(idx)} of dtype {arr.dtype}; it must be a 1-D integer array"
    val_sizes = [len(v) for _, v in out]
    want_sizes = [len(v) for _, v in want]
    train_sizes = [len(t) for t, _ in out]
    swapped_sizes = [n - s for s in want_sizes]
    if val_sizes == swapped_sizes and train_sizes == want_sizes and swapped_sizes != want_sizes:
        return "each pair is (train_idx, val_idx), the large part first; yours has them the other way round"
    if val_sizes != want_sizes:
        return (f"validation folds of sizes {val_sizes}; n = {n} in k = {k} folds are {want_sizes}: the first "
                f"n % k = {n % k} one longer, every sample in exactly one fold (np.array_split(order, k) does this)")
    everything = np.arange(n)
    seen = np.concatenate([np.asarray(v, dtype=np.int64) for _, v in out])
    if not np.array_equal(np.sort(seen), everything):
        return "the validation folds together must hold every index 0 .. n - 1 exactly once"
    for f, (train, val) in enumerate(out):
        if not np.array_equal(np.sort(np.asarray(train)), np.setdiff1d(everything, val)):
            return (f"fold {f}'s train_idx must be every index not in its val_idx "
                    f"(got {len(train)} indices, expected {n - len(val)})")
    same = all(np.array_equal(np.sort(np.asarray(v)), wv) for (_, v), (_, wv) in zip(out, want))
    if not same:
        if shuffle:
            if all(np.array_equal(np.sort(np.asarray(v)), wv) for (_, v), (_, wv) in
                   zip(out, tuning.k_fold(n, k, shuffle=False))):
                return "the folds are consecutive blocks; with shuffle=True permute first: order = rng.permutation(n)"
            return ("valid folds, but not the ones rng gives: take order = rng.permutation(n) from the rng passed in "
                    "and cut it into consecutive folds")
        return "with shuffle=False the folds are consecutive blocks of 0, 1, 2, ...: order = np.arange(n)"
    return None


def _kfold_like_a_student(*, sizes="split", shuffle_always=False, never_shuffle=False, train_all=False,
                          swap=False):
    def k_fold(n, k, rng, shuffle=True):
        do_shuffle = (shuffle or shuffle_always) and not never_shuffle
        order = rng.permutation(n) if do_shuffle else np.arange(n)
        if sizes == "split":
            folds = np.array_split(order, k)
        elif sizes == "floor":  # n // k each: the remainder is never validated
            folds = [order[i * (n // k):(i + 1) * (n // k)] for i in range(k)]
        else:  # "last": the remainder goes to the last fold
            step = n // k
            folds = [order[i * step:(i + 1) * step] for i in range(k - 1)] + [order[(k - 1) * step:]]
        out = []
        for val in folds:
            train = order if train_all else np.setdiff1d(order, val)
            out.append((val, train) if swap else (train, val))
        return out
    return k_fold


register(Spec(
    name="tuning.k_fold",
    reference=tuning.k_fold,
    visible_cases=_kfold_cases,
    hidden_cases=_kfold_hidden_cases,
    judge=judge_k_fold,
    mistakes=[
        Mistake("the n % k samples left over are validated too: the first n % k folds get one more "
                "(np.array_split(order, k)), not n // k samples each", _kfold_like_a_student(sizes="floor")),
        Mistake("the extra samples go to the first n % k folds, one each (sizes 4, 3, 3 for n = 10, k = 3, as "
                "np.array_split and scikit-learn's KFold make them), not all into the last fold",
                _kfold_like_a_student(sizes="last")),
        Mistake("with shuffle=True, permute first: order = rng.permutation(n), then cut order into folds",
                _kfold_like_a_student(never_shuffle=True)),
        Mistake("with shuffle=False the folds are consecutive blocks: order = np.arange(n), no permutation",
                _kfold_like_a_student(shuffle_always=True)),
        Mistake("train_idx leaves the validation fold out: it is every index not in val_idx "
                "(np.setdiff1d(order, val_idx))", _kfold_like_a_student(train_all=True)),
        Mistake("each pair is (train_idx, val_idx), the training part first", _kfold_like_a_student(swap=True)),
    ],
    blocked=("nnlib.tuning.k_fold",),
))


# ======================================================================= successive_halving_schedule


def _sh_cases():
    return [
        Case("hand-worked: 27 configurations, 1 epoch, eta = 3 -> (27, 1), (9, 3), (3, 9), (1, 27): 108 epochs",
             (27, 1, 3), essential=True),
        Case("20 configurations, eta = 3 -> (20, 1), (6, 3), (2, 9): floor, and the last round has 2 left",
             (20, 1, 3), essential=True),
        Case("16 configurations, 2 epochs, eta = 2: five rounds", (16, 2, 2)),
    ]


def _sh_hidden_cases():
    rng = _data_rng(102)
    n = int(rng.integers(30, 500))
    return [
        Case(f"random: {n} configurations, 1 epoch, eta = 3", (n, 1, 3)),
        Case("243 = 3^5 configurations, eta = 3: six rounds (log(243) / log(3) = 4.999999999999999 in floats)",
             (243, 1, 3)),
        Case("81 configurations, half an epoch, eta = 3: budgets 0.5, 1.5, 4.5, 13.5, 40.5", (81, 0.5, 3)),
        Case("100 configurations, eta = 4", (100, 1, 4)),
        Case("edge: 1 configuration: one round", (1, 5, 3)),
        Case("edge: 2 configurations, eta = 3: one round (2 // 3 = 0 left for a second)", (2, 1, 3)),
    ]


def _sh_like_a_student(*, float_log=False, stop_before_one=False, fixed_budget=False, halve=False, ceil=False,
                       zero_round=False):
    def schedule(n_configs, min_budget, eta):
        if float_log:  # the number of rounds from a float logarithm
            s = int(math.log(n_configs) / math.log(eta))
            return [(n_configs // eta ** i, min_budget * eta ** i) for i in range(s + 1)]
        rounds, n, r = [], n_configs, min_budget
        while n >= (eta if stop_before_one else 1):
            rounds.append((n, r))
            if ceil and n == 1:
                break
            n = -(-n // eta) if ceil else (n // 2 if halve else n // eta)
            r = r if fixed_budget else r * eta
        if zero_round:
            rounds.append((n, r))  # n is 0 here: a round that trains nothing
        return rounds
    return schedule


register(Spec(
    name="tuning.successive_halving_schedule",
    reference=tuning.successive_halving_schedule,
    visible_cases=_sh_cases,
    hidden_cases=_sh_hidden_cases,
    mistakes=[
        Mistake("int(math.log(n) / math.log(eta)) can fall just short of a whole number (log(243) / log(3) = "
                "4.999999999999999) and lose the last round: count the rounds in integers, while n // eta**i >= 1",
                _sh_like_a_student(float_log=True)),
        Mistake("keep going while at least one configuration is left: the last round trains the 1 to eta - 1 "
                "survivors for the longest budget", _sh_like_a_student(stop_before_one=True)),
        Mistake("the budget grows by eta every round (r_i = min_budget * eta**i): the survivors train longer",
                _sh_like_a_student(fixed_budget=True)),
        Mistake("each round keeps 1 / eta of the configurations, n // eta, not half of them (unless eta = 2)",
                _sh_like_a_student(halve=True)),
        Mistake("keep floor(n / eta) configurations, n // eta: rounding up keeps more than the best 1 / eta",
                _sh_like_a_student(ceil=True)),
        Mistake("stop before a round with 0 configurations: the schedule ends with the last round that trains "
                "at least one", _sh_like_a_student(zero_round=True)),
    ],
    blocked=("nnlib.tuning.successive_halving_schedule",),
))


# ======================================================================= iterations_per_epoch


def _ipe_cases():
    return [
        Case("1000 rows in batches of 100: 10", (1000, 100), essential=True),
        Case("70 rows in batches of 40: one of 40 and one of 30 make 2", (70, 40)),
        Case("the notes' 800 rows in batches of 150: five of 150 and one of 50 make 6 (not 3)", (800, 150),
             essential=True),
        Case("drop_last=True: 800 rows in batches of 150 -> 5 (the 50 left over are skipped)", (800, 150),
             {"drop_last": True}, essential=True),
    ]


def _ipe_hidden_cases():
    rng = _data_rng(103)
    cases = []
    for _ in range(2):
        n, b = int(rng.integers(100, 5000)), int(rng.integers(7, 300))
        cases.append(Case(f"random: {n} rows in batches of {b}", (n, b)))
    return cases + [
        Case("850 rows in batches of 100: 9 (8.5 rounds up, whatever round() would say)", (850, 100)),
        Case("50 rows in batches of 10: 5", (50, 10)),
        Case("batch_size = 1: one update per row", (37, 1)),
        Case("batch_size larger than the data: one batch", (5, 9)),
        Case("drop_last with batch_size larger than the data: no batch", (5, 9), {"drop_last": True}),
        Case("edge: no rows", (0, 32)),
    ]


def _ipe_wrong(kind):
    def iterations_per_epoch(n_samples, batch_size, drop_last=False):
        if kind == "floor":
            return n_samples // batch_size
        if kind == "ceil_always":
            return math.ceil(n_samples / batch_size)
        if kind == "plus_one":
            return n_samples // batch_size + (0 if drop_last else 1)
        if kind == "round":
            return n_samples // batch_size if drop_last else round(n_samples / batch_size)
        if kind == "ratio":
            return n_samples / batch_size
        raise AssertionError(kind)
    return iterations_per_epoch


register(Spec(
    name="tuning.iterations_per_epoch",
    reference=tuning.iterations_per_epoch,
    visible_cases=_ipe_cases,
    hidden_cases=_ipe_hidden_cases,
    mistakes=[
        Mistake("round() goes to the nearest whole number (and 8.5 to 8): the remainder always needs a batch, "
                "round up with math.ceil", _ipe_wrong("round")),
        Mistake("the rows left over make one more, smaller batch: ceil(N / B), math.ceil(n_samples / batch_size); "
                "N // B counts only the full batches, which is what drop_last=True asks for", _ipe_wrong("floor")),
        Mistake("with drop_last=True the last, incomplete batch is skipped: N // B", _ipe_wrong("ceil_always")),
        Mistake("N // B + 1 is one too many when B divides N (1000 rows in 100s are 10 batches, not 11): use "
                "math.ceil(n_samples / batch_size)", _ipe_wrong("plus_one")),
        Mistake("an iteration count is a whole number: N / B is a fraction, round it up, math.ceil(N / B)",
                _ipe_wrong("ratio")),
    ],
    blocked=("nnlib.tuning.iterations_per_epoch",),
))


# ======================================================================= confusion_matrix

CH08_TRUE = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])  # the chapter's ten samples
CH08_PRED = np.array([0, 0, 1, 0, 1, 1, 2, 2, 2, 0])


def _noisy_labels(rng, n, C, right=0.7):
    t = rng.integers(0, C, size=n)  # (n,)
    p = np.where(rng.random(n) < right, t, rng.integers(0, C, size=n))  # (n,) mostly right, like a classifier
    return t, p


def _cm_cases():
    rng = np.random.default_rng(104)
    return [
        Case("hand-worked: the chapter's ten samples -> [[3, 1, 0], [0, 2, 1], [1, 0, 2]]",
             (CH08_TRUE.copy(), CH08_PRED.copy(), 3), essential=True),
        Case("n_classes = 4 with class 3 in neither: a row and a column of zeros",
             (np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]), 4), essential=True),
        Case("random: 60 samples of 5 classes", (*_noisy_labels(rng, 60, 5), 5)),
    ]


def _cm_hidden_cases():
    rng = _data_rng(105)
    return [
        Case("random: 500 digits, 10 classes", (*_noisy_labels(rng, 500, 10), 10)),
        Case("random: 40 samples of 2 classes", (*_noisy_labels(rng, 40, 2), 2)),
        Case("every prediction right: a diagonal matrix", (np.arange(6) % 3, np.arange(6) % 3, 3)),
        Case("edge: one sample", (np.array([1]), np.array([0]), 2)),
    ]


def _cm_wrong(kind):
    def confusion_matrix(y_true, y_pred, n_classes):
        if kind == "fancy":  # repeated (t, p) pairs are counted once
            M = np.zeros((n_classes, n_classes), dtype=np.int64)
            M[y_true, y_pred] += 1
            return M
        if kind == "transposed":
            M = np.zeros((n_classes, n_classes), dtype=np.int64)
            np.add.at(M, (y_pred, y_true), 1)
            return M
        if kind == "seen":  # the size from the labels seen, not n_classes
            C = int(max(y_true.max(), y_pred.max())) + 1
            M = np.zeros((C, C), dtype=np.int64)
            np.add.at(M, (y_true, y_pred), 1)
            return M
        if kind == "normalised":
            M = np.zeros((n_classes, n_classes))
            np.add.at(M, (y_true, y_pred), 1)
            return M / len(y_true)
        raise AssertionError(kind)
    return confusion_matrix


register(Spec(
    name="tuning.confusion_matrix",
    reference=metrics.confusion_matrix,
    visible_cases=_cm_cases,
    hidden_cases=_cm_hidden_cases,
    mistakes=[
        Mistake("M[y_true, y_pred] += 1 with index arrays adds 1 only once per distinct pair (NumPy does not "
                "accumulate repeated indices): np.add.at(M, (y_true, y_pred), 1), or a loop over the samples",
                _cm_wrong("fancy")),
        Mistake("rows are the true class and columns the predicted one: M[t, p] += 1, not M[p, t]",
                _cm_wrong("transposed")),
        Mistake("the matrix is n_classes x n_classes even when a class never occurs: "
                "np.zeros((n_classes, n_classes))", _cm_wrong("seen")),
        Mistake("count the samples: M holds whole numbers that add up to N, not fractions", _cm_wrong("normalised")),
    ],
    blocked=("nnlib.metrics.confusion_matrix",),
))


# ======================================================================= precision_recall_f1


def _prf_reference(y_true, y_pred, n_classes):
    """``(precision, recall, f1, macro_f1)`` from ``nnlib.metrics.precision_recall_f1``."""
    r = metrics.precision_recall_f1(y_true, y_pred, n_classes=n_classes)
    return r["precision"], r["recall"], r["f1"], r["macro_f1"]


_PRF_NAMES = ("precision", "recall", "f1", "macro_f1")


def _prf_cases():
    rng = np.random.default_rng(106)
    return [
        Case("hand-worked: the chapter's ten samples -> precision = recall = (0.75, 0.667, 0.667), macro-F1 0.694",
             (CH08_TRUE.copy(), CH08_PRED.copy(), 3), essential=True),
        Case("a class never predicted: class 2 has TP + FP = 0, its precision 0/0 counts as 0",
             (np.array([0, 1, 2, 2, 0]), np.array([0, 1, 1, 0, 0]), 3), essential=True),
        Case("precision and recall differ: true (0, 0, 0, 1, 1, 2, 2, 2), predicted (0, 1, 0, 1, 2, 2, 2, 2)",
             (np.array([0, 0, 0, 1, 1, 2, 2, 2]), np.array([0, 1, 0, 1, 2, 2, 2, 2]), 3), essential=True),
        Case("random: 80 samples of 4 classes", (*_noisy_labels(rng, 80, 4), 4)),
    ]


def _prf_hidden_cases():
    rng = _data_rng(107)
    return [
        Case("random: 400 digits, 10 classes", (*_noisy_labels(rng, 400, 10, right=0.8), 10)),
        Case("n_classes = 4, class 3 in neither y_true nor y_pred: left out of the macro mean",
             (np.array([0, 1, 2, 2, 1]), np.array([0, 1, 2, 1, 1]), 4)),
        Case("a class absent from y_true but predicted: recall 0/0 = 0, precision 0",
             (np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1]), 3)),
        Case("every prediction right: all ones", (np.arange(9) % 3, np.arange(9) % 3, 3)),
        Case("unbalanced: 18 of class 0, 2 of class 1, always predicting 0",
             (np.array([0] * 18 + [1] * 2), np.zeros(20, dtype=np.int64), 2)),
    ]


def judge_prf(case, out):
    want = _reference(_prf_reference, case)
    mismatch = compare(want, out, 1e-9, part_names=_PRF_NAMES)
    if mismatch is None:
        return None
    where = f" ({mismatch.part})" if mismatch.part else ""
    return f"{mismatch.detail}{where}"


def _prf_like_a_student(*, swap=False, nan=False, macro_of_means=False, macro_all=False, weighted=False):
    def precision_recall_f1(y_true, y_pred, n_classes):
        M = np.zeros((n_classes, n_classes))
        np.add.at(M, (y_true, y_pred), 1)
        tp = np.diag(M)
        predicted, actual = M.sum(axis=0), M.sum(axis=1)
        if swap:
            predicted, actual = actual, predicted
        if nan:
            precision, recall = tp / predicted, tp / actual
            f1 = 2 * precision * recall / (precision + recall)
        else:
            precision = np.divide(tp, predicted, out=np.zeros(n_classes), where=predicted > 0)
            recall = np.divide(tp, actual, out=np.zeros(n_classes), where=actual > 0)
            f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(n_classes),
                           where=precision + recall > 0)
        present = (M.sum(axis=0) + M.sum(axis=1)) > 0
        if macro_of_means:
            P, R = precision[present].mean(), recall[present].mean()
            macro = 2 * P * R / (P + R) if P + R > 0 else 0.0
        elif macro_all:
            macro = f1.mean()
        elif weighted:
            macro = float(np.sum(f1 * M.sum(axis=1)) / M.sum())
        else:
            macro = f1[present].mean()
        return precision, recall, f1, float(macro)
    return precision_recall_f1


register(Spec(
    name="tuning.precision_recall_f1",
    reference=_prf_reference,
    visible_cases=_prf_cases,
    hidden_cases=_prf_hidden_cases,
    judge=judge_prf,
    output_names=_PRF_NAMES,
    mistakes=[
        Mistake("precision divides by the column sum (everything predicted as c, TP + FP), recall by the row sum "
                "(every true c, TP + FN): you have them the other way round", _prf_like_a_student(swap=True)),
        Mistake("a class never predicted has TP + FP = 0: define 0/0 as 0, e.g. np.divide(tp, den, "
                "out=np.zeros(n_classes), where=den > 0), and the same for recall and F1",
                _prf_like_a_student(nan=True)),
        Mistake("macro-F1 is the mean of the per-class F1 values, not the F1 of the mean precision and mean recall",
                _prf_like_a_student(macro_of_means=True)),
        Mistake("average over the classes that occur in y_true or y_pred: a class in neither (only counted in "
                "n_classes) has nothing to score and stays out of the mean, as in scikit-learn",
                _prf_like_a_student(macro_all=True)),
        Mistake("macro means every class counts the same: a plain mean of F1, not weighted by the class sizes",
                _prf_like_a_student(weighted=True)),
    ],
    blocked=("nnlib.metrics.precision_recall_f1",),
))


# ======================================================================= permutation_importance


class ColumnModel:
    """A fixed "trained model" for the cases: class 1 where ``X[:, uses] @ weights > 0``."""

    def __init__(self, uses, weights):
        self.uses, self.weights = list(uses), np.asarray(weights, dtype=np.float64)

    def __call__(self, X):
        return (np.asarray(X)[:, self.uses] @ self.weights > 0).astype(np.int64)  # (N,)

    def __repr__(self) -> str:
        terms = " + ".join(f"{w:g} * X[:, {j}]" for j, w in zip(self.uses, self.weights))
        return f"a model predicting 1 where {terms} > 0"


class Named:
    """A metric with a readable name in messages (no memory address)."""

    def __init__(self, func, name):
        self.func, self.name = func, name

    def __call__(self, y_pred, y_true):
        return self.func(y_pred, y_true)

    def __repr__(self) -> str:
        return self.name


ACCURACY = Named(metrics.accuracy, "accuracy")


def _pi_data(rng, N, D, uses, weights):
    X = rng.normal(size=(N, D))  # (N, D)
    model = ColumnModel(uses, weights)
    y = model(X)  # (N,) the model is right on every sample before shuffling
    flip = rng.random(N) < 0.1
    y = np.where(flip, 1 - y, y)  # ... and 90 % right with a little label noise
    return model, X, y


def _pi_cases():
    model, X, y = _pi_data(np.random.default_rng(108), 40, 3, [1], [1.0])
    model2, X2, y2 = _pi_data(np.random.default_rng(109), 30, 4, [0, 2], [2.0, -1.0])
    return [
        Case("hand-made: a model that reads only column 1 of 3; columns 0 and 2 cost nothing when shuffled",
             (model, X, y, ACCURACY, SeededRng(0)), {"n_repeats": 3}, essential=True),
        Case("a model reading columns 0 and 2 of 4, n_repeats = 5", (model2, X2, y2, ACCURACY, SeededRng(1)),
             {"n_repeats": 5}),
        Case("n_repeats = 1: the std is 0", (model, X, y, ACCURACY, SeededRng(2)), {"n_repeats": 1}),
    ]


def _pi_hidden_cases():
    rng = _data_rng(110)
    model, X, y = _pi_data(rng, 80, 6, [0, 3, 4], [1.0, 0.5, -2.0])
    return [
        Case("random: 80 samples, 6 columns, a model reading 0, 3 and 4", (model, X, y, ACCURACY,
                                                                         _case_generator(111)), {"n_repeats": 4}),
        Case("a score that is minus the squared error (higher is better)",
             (model, X, y.astype(np.float64), Named(lambda p, t: -float(np.mean((p - t) ** 2)), "minus the MSE"),
              _case_generator(112)), {"n_repeats": 3}),
        Case("edge: one column", (ColumnModel([0], [1.0]), X[:, :1].copy(), (X[:, 0] > 0).astype(np.int64),
                                  ACCURACY, _case_generator(113)), {"n_repeats": 2}),
    ]


def judge_permutation(case, out):
    predict, X, y, metric, rng = case.args
    n_repeats = case.kwargs.get("n_repeats", 5)
    D = X.shape[1]
    if out is None:
        return "returned None (did you forget `return`?); return the pair (mean, std), two arrays of shape (D,)"
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        extra = f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""
        return f"returned {_kind(out)}{extra}; return the pair (mean, std), two arrays of shape (D,) = ({D},)"
    for name, arr in zip(("mean", "std"), out):
        if not isinstance(arr, np.ndarray) or arr.shape != (D,):
            shape = f"shape {arr.shape}" if isinstance(arr, np.ndarray) else _kind(arr)
            return f"{name} is {shape}; it must be an array of shape (D,) = ({D},), one number per column"
    mean, std = out
    want_mean, want_std = tuning.permutation_importance(predict, X, y, metric, _fresh(rng), n_repeats)
    unused = [j for j in range(D) if j not in predict.uses]
    if unused and np.any(mean[unused] != 0):
        j = unused[int(np.argmax(mean[unused] != 0))]
        return (f"column {j} is never read by the model, yet its importance is {mean[j]!r}: shuffling a column the "
                "model ignores cannot change its score; shuffle only column j (X_shuffled[:, j]) and put it back "
                "before the next")
    m = compare((want_mean, want_std), (mean, std), 1e-9, part_names=("mean", "std"))
    if m is not None:
        return (f"{m.detail} ({m.part}); for each column j, n_repeats times: X_shuffled[:, j] = "
                "X[rng.permutation(N), j], drop = score(X) - score(X_shuffled); mean and std (ddof=0) of the drops")
    return None


def _pi_like_a_student(*, no_restore=False, flipped=False, ddof=0, repeats_outer=False,
                       rows=False, mean_only=False):
    def permutation_importance(predict, X, y, metric, rng, n_repeats=5):
        N, D = X.shape
        base = metric(predict(X), y)
        drops = np.zeros((D, n_repeats))
        Xs = X.copy()
        order = [(r, j) for r in range(n_repeats) for j in range(D)] if repeats_outer else \
            [(r, j) for j in range(D) for r in range(n_repeats)]
        for r, j in order:
            if rows:
                Xs = X[rng.permutation(N)]
            else:
                Xs[:, j] = X[rng.permutation(N), j]
            score = metric(predict(Xs), y)
            drops[j, r] = score - base if flipped else base - score
            if not (no_restore or rows) and (repeats_outer or r == n_repeats - 1):
                Xs[:, j] = X[:, j]
        if mean_only:
            return drops.mean(axis=1)
        return drops.mean(axis=1), drops.std(axis=1, ddof=ddof)
    return permutation_importance


register(Spec(
    name="tuning.permutation_importance",
    reference=tuning.permutation_importance,
    visible_cases=_pi_cases,
    hidden_cases=_pi_hidden_cases,
    judge=judge_permutation,
    mistakes=[
        Mistake("put column j back (X_shuffled[:, j] = X[:, j]) before shuffling the next one: otherwise every "
                "later column is scored with the earlier ones still shuffled", _pi_like_a_student(no_restore=True)),
        Mistake("importance is the drop, baseline score minus shuffled score: a column the model needs gives a "
                "positive number", _pi_like_a_student(flipped=True)),
        Mistake("np.std's default ddof=0 is asked for here (the spread of these n_repeats drops), not ddof=1",
                _pi_like_a_student(ddof=1)),
        Mistake("loop over the columns outside and the repeats inside: the rng's permutations then go to "
                "column 0's repeats first, as in nnlib", _pi_like_a_student(repeats_outer=True)),
        Mistake("shuffle one column at a time (X_shuffled[:, j]), not whole rows: shuffling rows of X moves "
                "every column together and keeps the link to nothing", _pi_like_a_student(rows=True)),
        Mistake("return both the mean and the std of the drops, as the pair (mean, std)",
                _pi_like_a_student(mean_only=True)),
    ],
    blocked=("nnlib.tuning.permutation_importance",),
))
