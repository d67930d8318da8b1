"""Chapter 08's capstone: the contract a trained network must meet, its points, and the notebook's preview.

The capstone is the one exercise whose answer is not a function compared
with nnlib but a trained network (docs/capstone.md).  A student hands in
``build_model(rng)`` and ``train(model, X, y, rng)``; the grader calls them on
the course's training rows in a sandbox and measures the accuracy of the
returned network on held-out rows the student's code never receives.

This module holds what the notebook, the sandbox and the grader share:

- :func:`model_problem`: the contract (an ``nnlib.network.Sequential`` of
  nnlib's own layer classes; raw pixels (N, 64) in, 10 class scores out;
  finite; at most ``MAX_PARAMETERS`` numbers), as the sentence a student reads;
- :func:`points`: the points a held-out accuracy earns;
- :func:`describe` / :func:`rebuild`: the network as plain data (the only
  thing that leaves the sandbox) and back, rebuilt from nnlib's classes;
- :func:`train_capstone`: one ``build_model`` + ``train`` under a time limit
  with the data loaders blocked;
- :func:`capstone_preview`: the capstone's test cell.  In the student's own
  notebook it trains on part of the training rows and reports the accuracy
  on the rest, "a preview on your own validation split, not your grade";
  while nbgrader grades it only checks the contract on five rows.
"""
from __future__ import annotations

import contextlib
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checking.secret import case_rng
from nnlib.layers import Activation, BatchNorm, Dense, Dropout, Standardize
from nnlib.network import Sequential

__all__ = [
    "CapstoneRun",
    "ModelError",
    "capstone_preview",
    "describe",
    "model_problem",
    "points",
    "rebuild",
    "train_capstone",
    "training_split",
]

N_PIXELS = 64  # an 8x8 image, read row by row, pixels 0..16
N_CLASSES = 10
MAX_PARAMETERS = 5_000_000
MAX_LAYER_VALUES = 1_000_000  # numbers in one array of the description (autograder.sandbox.encode.MAX_ELEMENTS)
TIME_LIMIT = 120.0  # seconds of build_model + train, wall clock
MEMORY_MB = 2048
HELD_OUT_FRACTION = 0.25  # of the bundled digits: 1348 training rows, 449 held out
SPLIT_SEED = 8  # the held-out split's seed: default_rng([course secret, 8]), default_rng(8) without a secret
TRAIN_SEED = 0  # build_model and train get default_rng(0)
FULL_MARKS, NO_MARKS, MAX_POINTS = 0.95, 0.80, 10.0
GRADING_ROWS, GRADING_TIME_LIMIT = 5, 20.0  # the contract check during nbgrader's own run

LAYERS = (Dense, Activation, Dropout, BatchNorm, Standardize)  # nnlib's own layer classes, exactly
# What train must not call: it trains on the X, y it is given.  _read_digits is cached
# (functools.lru_cache), so its wrapped function is what gets blocked.
BLOCKED = ("nnlib.data.load_digits", "nnlib.data._read_digits.__wrapped__", "nnlib.data.train_val_split")


class ModelError(ValueError):
    """A network that breaks the capstone's contract; the message says how, for a student."""


# ------------------------------------------------------------- points


def points(accuracy: float) -> float:
    """The capstone's points for a held-out accuracy ``a`` in [0, 1].

    ``10`` at ``a >= 0.95``; ``10 (a - 0.80) / 0.15`` rounded to the nearest
    0.5 for ``0.80 <= a < 0.95``; ``0`` below 0.80 (and for NaN).
    """
    a = float(accuracy)
    if not a >= NO_MARKS:  # also NaN
        return 0.0
    if a >= FULL_MARKS:
        return MAX_POINTS
    raw = MAX_POINTS * (a - NO_MARKS) / (FULL_MARKS - NO_MARKS)
    return min(math.floor(2 * raw + 0.5) / 2, MAX_POINTS)  # halves, .25 rounds up (not to even)


def points_rule() -> str:
    """The rule in one line, as the notebook and the feedback print it."""
    return (f"{MAX_POINTS:g} points from {FULL_MARKS:.0%} held-out accuracy, 0 below {NO_MARKS:.0%}, "
            f"linear in between (rounded to 0.5)")


# ------------------------------------------------------------- the contract


def _kind(value) -> str:
    return "None" if value is None else type(value).__name__


def _width_in(layer) -> int | None:
    """The number of features a layer takes, or None for one that takes any (Activation, Dropout)."""
    if isinstance(layer, Dense):
        return layer.params["W"].shape[0]
    if isinstance(layer, BatchNorm):
        return layer.params["gamma"].shape[0]
    if isinstance(layer, Standardize):
        return layer.mean.shape[0]
    return None


def _width_out(layer, width: int | None) -> int | None:
    return layer.params["W"].shape[1] if isinstance(layer, Dense) else width


def structure_problem(model, made_by: str = "build_model") -> str | None:
    """What is wrong with the form of ``model`` (not its numbers), or None.

    ``made_by`` names the function that returned it ("build_model" or "train").
    """
    if model is None:
        if made_by == "train":
            return "train returned None: return the trained model (end train with `return model`)"
        return "build_model returned None: return the network (end build_model with `return model`)"
    if type(model) is not Sequential:
        return f"{made_by} must return an nnlib Sequential, got {_kind(model)}"
    if not model.layers:
        return f"{made_by} returned a Sequential without layers"
    for i, layer in enumerate(model.layers):
        if type(layer) not in LAYERS:
            names = ", ".join(c.__name__ for c in LAYERS)
            return (f"layer {i} of the model is a {_kind(layer)}, not one of nnlib's layers ({names}): "
                    f"the grader rebuilds the network from nnlib's classes")
    width = None
    for i, layer in enumerate(model.layers):
        wanted = _width_in(layer)
        if wanted is not None and width is None and wanted != N_PIXELS:
            return f"the model takes {wanted} inputs (layer {i}, {layer!r}), expected {N_PIXELS} pixels"
        if wanted is not None and width is not None and wanted != width:
            return f"layer {i} ({layer!r}) takes {wanted} features but the layer before it gives {width}"
        width = _width_out(layer, width if width is not None else wanted)
    if width != N_CLASSES:
        return f"the model maps {N_PIXELS} pixels to {width} scores, expected {N_CLASSES} (one per digit)"
    n = model.count_parameters()
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Dense) and layer.params["W"].size > MAX_LAYER_VALUES:
            return (f"layer {i} ({layer!r}) has {layer.params['W'].size:,} weights, more than the "
                    f"{MAX_LAYER_VALUES:,} one layer may have")
    if n > MAX_PARAMETERS:
        return f"the model has {n:,} parameters, more than the limit of {MAX_PARAMETERS:,}"
    return None


def model_problem(model, X: np.ndarray, made_by: str = "train") -> str | None:
    """What breaks the contract, as a sentence, or None: form, finite numbers, and scores for raw pixels ``X``.

    ``X`` (N, 64) holds raw pixels 0..16, as the grader feeds them.
    """
    problem = structure_problem(model, made_by)
    if problem:
        return problem
    for key, p in model.parameters().items():
        if not np.all(np.isfinite(p)):
            return f"the model's parameter {key} holds NaN or infinite values: the training diverged"
    for i, layer in enumerate(model.layers):
        extra = _layer_arrays(layer, i)
        if extra:
            return extra
    try:
        scores = np.asarray(model.forward(np.array(X, dtype=np.float64), training=False))
    except Exception as error:  # noqa: BLE001 - any error is the student's to read
        return f"the model's forward pass on raw pixels raised {type(error).__name__}: {error}"
    if scores.shape != (len(X), N_CLASSES):
        return f"the model maps {N_PIXELS} pixels to an array of shape {scores.shape}, expected ({len(X)}, {N_CLASSES})"
    if not np.all(np.isfinite(scores)):
        return "the model's scores for raw pixels 0..16 hold NaN or infinite values"
    return None


def _layer_arrays(layer, i: int) -> str | None:
    """Non-parameter arrays a layer uses at test time (running statistics, standardization) must be finite."""
    arrays = {}
    if isinstance(layer, BatchNorm):
        arrays = {"running mean": layer.running["mean"], "running var": layer.running["var"]}
    elif isinstance(layer, Standardize):
        arrays = {"mean": layer.mean, "std": layer.std}
    for name, a in arrays.items():
        if not np.all(np.isfinite(a)):
            return f"layer {i} ({layer!r}) has a {name} holding NaN or infinite values"
    return None


# ------------------------------------------------------------- what leaves the sandbox


def describe(model) -> list[dict]:
    """The network as plain data: one dict per layer, arrays copied.

    ``{"layer": "Dense", "W": (D, H), "b": (H,)}``, ``{"layer": "Activation",
    "name": "relu", "kwargs": {}}``, ``{"layer": "Dropout", "p": 0.2}``,
    ``{"layer": "BatchNorm", "gamma", "beta", "mean", "var": (D,), "eps",
    "momentum"}``, ``{"layer": "Standardize", "mean", "std": (D,)}``.

    Raises :class:`ModelError` for anything that is not a ``Sequential`` of
    exactly those classes (a class of the student's own cannot be described).
    """
    if type(model) is not Sequential:
        raise ModelError(f"the model is not a Sequential of nnlib layers ({_kind(model)})")
    layers = []
    for i, layer in enumerate(model.layers):
        kind = type(layer)
        if kind is Dense:
            layers.append({"layer": "Dense", "W": np.array(layer.params["W"]), "b": np.array(layer.params["b"])})
        elif kind is Activation:
            layers.append({"layer": "Activation", "name": str(layer.name), "kwargs": _plain_kwargs(layer, i)})
        elif kind is Dropout:
            layers.append({"layer": "Dropout", "p": float(layer.p)})
        elif kind is BatchNorm:
            layers.append({"layer": "BatchNorm", "gamma": np.array(layer.params["gamma"]),
                           "beta": np.array(layer.params["beta"]), "mean": np.array(layer.running["mean"]),
                           "var": np.array(layer.running["var"]), "eps": float(layer.eps),
                           "momentum": float(layer.momentum)})
        elif kind is Standardize:
            layers.append({"layer": "Standardize", "mean": np.array(layer.mean), "std": np.array(layer.std)})
        else:
            raise ModelError(f"the model is not a Sequential of nnlib layers (layer {i} is a {_kind(layer)})")
    return layers


def _plain_kwargs(layer, i: int) -> dict:
    kwargs = {}
    for key, value in dict(layer.kwargs).items():
        if not isinstance(key, str) or isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ModelError(f"layer {i} ({layer!r}) has an argument {key!r} that is not a number")
        kwargs[key] = float(value)
    return kwargs


def rebuild(description) -> Sequential:
    """A network of nnlib's own classes from :func:`describe`'s data, checked before it is trusted.

    The data came out of a student's process: every field is checked (known
    layer names, float arrays of the right shapes, finite numbers, widths
    that chain from 64 pixels to 10 scores, at most ``MAX_PARAMETERS``
    numbers).  Raises :class:`ModelError` naming the first problem.
    """
    if not isinstance(description, list) or not description:
        raise ModelError(f"the model description is not a non-empty list of layers ({_kind(description)})")
    n_params = sum(np.size(v) for d in description if isinstance(d, dict)
                   for k, v in d.items() if k in ("W", "b", "gamma", "beta"))
    if n_params > MAX_PARAMETERS:
        raise ModelError(f"the model has {n_params:,} parameters, more than the limit of {MAX_PARAMETERS:,}")
    layers = [_rebuild_layer(d, i) for i, d in enumerate(description)]
    model = Sequential(layers)
    problem = structure_problem(model, "train")
    if problem:
        raise ModelError(problem)
    return model


def _array(d: dict, key: str, i: int, ndim: int) -> np.ndarray:
    a = d.get(key)
    if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64) or a.ndim != ndim or 0 in a.shape:
        raise ModelError(f"layer {i}: {key} is not a {ndim}-d float array ({_kind(a)})")
    if not np.all(np.isfinite(a)):
        raise ModelError(f"layer {i} ({d.get('layer')}): {key} holds NaN or infinite values")
    return a


def _number(d: dict, key: str, i: int, low: float, high: float) -> float:
    x = d.get(key)
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not low <= float(x) <= high:
        raise ModelError(f"layer {i} ({d.get('layer')}): {key} must be a number in [{low:g}, {high:g}], got {x!r}")
    return float(x)


def _rebuild_layer(d, i: int):
    kind = d.get("layer") if isinstance(d, dict) else None
    if kind == "Dense":
        W, b = _array(d, "W", i, 2), _array(d, "b", i, 1)
        if b.shape != (W.shape[1],) or b.dtype != W.dtype:
            raise ModelError(f"layer {i} (Dense): b has shape {b.shape}, expected ({W.shape[1]},) like W's columns")
        layer = Dense(W.shape[0], W.shape[1], rng=0, dtype=W.dtype)
        layer.params["W"][...], layer.params["b"][...] = W, b
        return layer
    if kind == "Activation":
        kwargs = d.get("kwargs", {})
        if not isinstance(kwargs, dict) or not all(isinstance(k, str) and isinstance(v, float)
                                                   for k, v in kwargs.items()):
            raise ModelError(f"layer {i} (Activation): its arguments are not numbers")
        try:
            return Activation(str(d.get("name")), **kwargs)
        except (TypeError, ValueError) as error:
            raise ModelError(f"layer {i} (Activation): {error}") from None
    if kind == "Dropout":
        try:
            return Dropout(_number(d, "p", i, 0.0, 1.0), rng=0)
        except ValueError as error:
            raise ModelError(f"layer {i} (Dropout): {error}") from None
    if kind == "BatchNorm":
        arrays = {k: _array(d, k, i, 1) for k in ("gamma", "beta", "mean", "var")}
        if len({a.shape for a in arrays.values()}) != 1 or len({a.dtype for a in arrays.values()}) != 1:
            raise ModelError(f"layer {i} (BatchNorm): gamma, beta, mean and var differ in shape or dtype")
        if np.any(arrays["var"] < 0):
            raise ModelError(f"layer {i} (BatchNorm): var holds negative values")
        layer = BatchNorm(arrays["gamma"].shape[0], momentum=_number(d, "momentum", i, 0.0, 1.0),
                          eps=_number(d, "eps", i, 1e-300, 1.0), dtype=arrays["gamma"].dtype)
        layer.params["gamma"][...], layer.params["beta"][...] = arrays["gamma"], arrays["beta"]
        layer.running["mean"][...], layer.running["var"][...] = arrays["mean"], arrays["var"]
        return layer
    if kind == "Standardize":
        mean, std = _array(d, "mean", i, 1), _array(d, "std", i, 1)
        try:
            return Standardize(mean, std)
        except ValueError as error:
            raise ModelError(f"layer {i} (Standardize): {error}") from None
    raise ModelError(f"layer {i} is not one of nnlib's layers ({kind!r})")


# ------------------------------------------------------------- one training run


@dataclass
class CapstoneRun:
    """What one ``build_model`` + ``train`` did.

    model      the trained network (None when something failed);
    seconds    wall-clock seconds of build_model + train;
    problem    the sentence a student reads when something failed, else None;
    kind       "flagged" (called a blocked data loader), "timeout", "error"
               (raised), "contract" (returned something that breaks the
               contract), or None;
    printed    what the two functions printed.
    """

    model: Any = None
    seconds: float = 0.0
    problem: str | None = None
    kind: str | None = None
    printed: str = ""


@contextlib.contextmanager
def _fresh_digits_cache():
    """Empty the digits cache, so that a blocked ``_read_digits`` is noticed even after an earlier load."""
    from nnlib import data

    data._read_digits.cache_clear()
    try:
        yield
    finally:
        data._read_digits.cache_clear()


def _blocked_name(name: str) -> str:
    return name.replace("._read_digits.__wrapped__", "._read_digits")


def train_capstone(build_model: Callable, train: Callable, X: np.ndarray, y: np.ndarray,
                   seconds: float | None = TIME_LIMIT, check_rows: np.ndarray | None = None) -> CapstoneRun:
    """``train(build_model(rng), X, y, rng)`` with ``rng = default_rng(0)``, timed, loaders blocked, checked.

    ``seconds`` limits the two calls together (SIGALRM: main thread only);
    ``check_rows`` (raw pixels) feed :func:`model_problem` afterwards
    (default: the first five rows of ``X``).  Never raises for the student's
    code: failures come back as ``problem`` and ``kind``.
    """
    from autograder.checking.calls import run_isolated

    for f, name in ((build_model, "build_model"), (train, "train")):
        if not callable(f):
            return CapstoneRun(problem=f"{name} must be a function, got {_kind(f)}", kind="contract")
    rng = np.random.default_rng(TRAIN_SEED)
    stage = {"now": "build_model", "built": None}

    def both():
        model = build_model(rng)
        problem = structure_problem(model, "build_model")
        if problem:
            return ("build_model", problem)
        stage["now"], stage["built"] = "train", model
        return ("train", train(model, X.copy(), y.copy(), rng))

    started = time.perf_counter()
    with _fresh_digits_cache():
        outcome = run_isolated(both, seconds, BLOCKED)
    took = time.perf_counter() - started
    run = CapstoneRun(seconds=took, printed=outcome.printed)
    where = stage["now"]
    if outcome.reference:
        run.problem = (f"{where} called {_blocked_name(outcome.reference)}; "
                       f"the capstone trains only on the X, y it is given")
        run.kind = "flagged"
    elif outcome.timed_out:
        run.problem = f"build_model and train took longer than the {seconds:g} s limit"
        run.kind = "timeout"
    elif outcome.error is not None:
        error = outcome.error
        at = f" ({outcome.line})" if outcome.line else ""
        if isinstance(error, MemoryError):
            run.problem = f"{where} ran out of memory (the limit is {MEMORY_MB} MB){at}"
        elif isinstance(error, NotImplementedError):
            run.problem = f"{where} is not implemented yet (it raises NotImplementedError{at})"
        else:
            run.problem = f"{where} raised {type(error).__name__}: {error}{at}"
        run.kind = "error"
    elif outcome.output[0] == "build_model":
        run.problem, run.kind = outcome.output[1], "contract"
    else:
        model = outcome.output[1]
        rows = X[:GRADING_ROWS] if check_rows is None else check_rows
        run.problem = model_problem(model, rows, made_by="train")
        if run.problem:
            run.kind = "contract"
        else:
            run.model = model
    return run


# ------------------------------------------------------------- data


def training_split():
    """The capstone's training rows ``X (1348, 64), y (1348,)`` and held-out rows ``X (449, 64), y (449,)``.

    ``train_val_split(X, y, 0.25, rng=default_rng([secret, 8]), stratify=True)``
    over the bundled digits: the course secret (``NNCOURSE_CASE_SECRET``)
    chooses the split at grading; without it (a student's notebook) the
    seed is the published constant 8.  Returns ``X_train, X_held, y_train, y_held``.
    """
    from nnlib.data import load_digits, train_val_split

    X, y = load_digits()
    return train_val_split(X, y, val_fraction=HELD_OUT_FRACTION, rng=case_rng(SPLIT_SEED), stratify=True)


def evaluate(model, X: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy, confusion matrix (10, 10) and per-digit precision/recall of ``model`` on raw pixels ``X``."""
    from nnlib.metrics import confusion_matrix, precision_recall_f1

    scores = model.forward(np.asarray(X, dtype=np.float64), training=False)  # (N, 10)
    predicted = np.argmax(scores, axis=1)  # (N,)
    M = confusion_matrix(y, predicted, n_classes=N_CLASSES)
    prf = precision_recall_f1(y, predicted, n_classes=N_CLASSES)
    return {"accuracy": float(np.trace(M) / M.sum()), "correct": int(np.trace(M)), "n": int(M.sum()),
            "confusion": M, "precision": prf["precision"], "recall": prf["recall"]}


def confusion_table(M: np.ndarray, precision=None, recall=None) -> str:
    """The confusion matrix as text: rows the true digit, columns the predicted one, recall/precision at the edges."""
    width = max(4, len(str(int(M.max()))) + 1)
    head = "true \\ predicted " + "".join(f"{j:>{width}}" for j in range(M.shape[1]))
    lines = [head + ("   recall" if recall is not None else "")]
    for i, row in enumerate(M):
        line = f"{i:>16} " + "".join(f"{int(v):>{width}}" for v in row)
        if recall is not None:
            line += f"   {recall[i]:6.1%}"
        lines.append(line)
    if precision is not None:
        lines.append(f"{'precision (%)':>16} " + "".join(f"{100 * p:>{width}.0f}" for p in precision))
    return "\n".join(lines)


# ------------------------------------------------------------- the test cell


def capstone_preview(build_model: Callable, train: Callable) -> None:
    """The capstone's test cell: check the contract and preview the accuracy on a validation split.

    In the student's notebook: split the capstone's *training* rows once more
    (75 % to train on, 25 % to validate), train, and print the validation
    accuracy, the seconds against the 120 s limit, the points that accuracy
    would earn and the confusion matrix.  Raises ``CheckFailed`` (an
    AssertionError shown as one line, no traceback into the autograder) with
    the reason when the contract is broken or the code fails; prints a ✓
    line like every check when it is met.

    While nbgrader grades: only build the model, train it on five training
    rows (short time limit) and check the contract; the held-out accuracy is
    measured by the grader afterwards, outside the student's kernel.
    """
    __tracebackhide__ = True
    from autograder.checking.engine import grading
    from autograder.checking.result import CheckFailed
    from nnlib.data import train_val_split

    X_train, _, y_train, _ = training_split()
    if grading():
        run = train_capstone(build_model, train, X_train[:GRADING_ROWS], y_train[:GRADING_ROWS],
                             seconds=GRADING_TIME_LIMIT)
        if run.problem:
            raise CheckFailed(f"capstone: {run.problem}")
        print("✓ capstone.build_model — build_model and train meet the contract (checked on five training rows);\n"
              "the held-out accuracy is measured by the grader after grading")
        return

    X_fit, X_val, y_fit, y_val = train_val_split(X_train, y_train, val_fraction=0.25, rng=1, stratify=True)
    run = train_capstone(build_model, train, X_fit, y_fit, seconds=TIME_LIMIT, check_rows=X_val)
    if run.problem:
        raise CheckFailed(f"capstone: {run.problem}")
    result = evaluate(run.model, X_val, y_val)
    a = result["accuracy"]
    print("✓ capstone.build_model — build_model and train meet the contract\n"
          "Capstone: a preview on your own validation split, not your grade\n"
          f"  trained on {len(X_fit)} of the {len(X_train)} training digits, validated on the other {len(X_val)}"
          " (raw pixels, as the grader feeds them)\n"
          f"  validation accuracy: {a:.1%} ({result['correct']} of {result['n']})\n"
          f"  build_model + train took {run.seconds:.1f} s of the {TIME_LIMIT:g} s limit\n"
          f"  this accuracy would earn {points(a):g} of {MAX_POINTS:g} points ({points_rule()})\n"
          "  confusion matrix of the validation digits:\n"
          + _indent(confusion_table(result["confusion"], result["precision"], result["recall"]), "    "))
    return


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())
