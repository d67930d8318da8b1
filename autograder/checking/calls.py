"""One call of a student's function, at arm's length, and everything it did.

:func:`call` runs the function on deep copies of a case's arguments with a
time limit, output and warnings captured and the nnlib references it must
not delegate to blocked, then compares the copies with the originals to see
which inputs it changed, and the output with the copies to see whether it
handed an input back (the same object, or an array sharing its memory).  The result is an :class:`Outcome`; the engine
(:mod:`autograder.checking.engine`) turns it into the problem a student reads.
"""
from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

from autograder.checking.isolation import (ReferenceCalled, TimeLimitExceeded, blocked_references,
                                           captured_output, captured_warnings, student_line, time_limit,
                                           warning_line)
from autograder.checking.spec import Case


@dataclass
class Outcome:
    """Everything one call of a function did.

    output     what it returned (None when it raised).
    error      the exception it raised, if any; ``line`` is the student's
               line where it happened ("in predict, line 2: return w @ X").
    timed_out  it ran past the time limit and was interrupted.
    reference  the dotted name of a blocked nnlib reference it called.
    mutated    names of the arguments it changed in place.
    aliased    names of the arguments its output shares memory with (an
               input returned itself, or a view of it).
    after      the arguments as they were after the call, in order.
    warnings   (text, student line) of each RuntimeWarning it caused.
    printed    what it printed (stdout and stderr together).
    """

    output: Any = None
    error: Optional[BaseException] = None
    line: Optional[str] = None
    timed_out: bool = False
    reference: Optional[str] = None
    mutated: tuple = ()
    aliased: tuple = ()
    after: tuple = ()
    warnings: tuple = ()
    printed: str = ""


def run_isolated(thunk: Callable[[], Any], seconds: Optional[float] = None,
                 blocked: Sequence[str] = ()) -> Outcome:
    """Call ``thunk()`` with output and warnings captured, a time limit and the references blocked."""
    outcome = Outcome()
    with captured_output() as printed, captured_warnings() as caught, \
            blocked_references(blocked) as called:
        try:
            with time_limit(seconds):
                outcome.output = thunk()
        except TimeLimitExceeded:
            outcome.timed_out = True
        except ReferenceCalled:
            pass  # recorded in `called`, also when the student's code swallowed it
        except (Exception, SystemExit) as error:  # sys.exit() inside a function is a bug too
            outcome.error = error
            outcome.line = student_line(error.__traceback__)
        outcome.reference = called[0] if called else None
    outcome.printed = printed.getvalue()
    outcome.warnings = tuple((f"{w.message} ({w.category.__name__})", warning_line(w))
                             for w in caught if issubclass(w.category, RuntimeWarning))
    return outcome


def call(func: Callable, case: Case, names: Sequence[str], seconds: Optional[float] = None,
         blocked: Sequence[str] = ()) -> Outcome:
    """``func(*case.args, **case.kwargs)`` on deep copies; afterwards, which inputs changed or came back?"""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    outcome = run_isolated(lambda: func(*args, **kwargs), seconds, blocked)
    given = list(case.args) + list(case.kwargs.values())
    after = list(args) + list(kwargs.values())
    outcome.after = tuple(after)
    outcome.mutated = tuple(name for name, before, now in zip(names, given, after) if not same(before, now))
    if outcome.error is None and not outcome.timed_out:
        outcome.aliased = tuple(name for name, arg in zip(names, after) if shares_memory(outcome.output, arg))
    return outcome


def shares_memory(output, argument) -> bool:
    """Is ``output`` (or something inside it) ``argument``'s own list, dict or array memory?

    Walks lists, tuples and dicts on both sides.  An array counts when it
    shares memory with an array of the argument (``z`` itself, ``z.T``,
    ``z[...]``, ``z.reshape(...)``); a list or dict when it is the
    argument's very object (``return params``).  Tuples are immutable, so
    only what they hold counts.
    """
    arrays, containers = _parts(argument)
    if not arrays and not containers:
        return False
    out_arrays, out_containers = _parts(output)
    if any(any(c is mine for mine in containers) for c in out_containers):
        return True
    return any(_overlap(a, b) for a in out_arrays for b in arrays)


def _parts(value, depth: int = 0) -> tuple[list, list]:
    """The arrays and the mutable containers (lists, dicts) inside ``value``, a few levels deep."""
    if isinstance(value, np.ndarray):
        return [value], []
    if depth > 4 or not isinstance(value, (list, tuple, dict)):
        return [], []
    items = value.values() if isinstance(value, dict) else value
    arrays, containers = [], [] if isinstance(value, tuple) else [value]
    for item in items:
        a, c = _parts(item, depth + 1)
        arrays += a
        containers += c
    return arrays, containers


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    if a.size == 0 or b.size == 0 or not np.may_share_memory(a, b):
        return False
    try:
        return bool(np.shares_memory(a, b, max_work=10_000))
    except np.exceptions.TooHardError:
        return True  # the bounds overlap and the exact answer is too costly: assume shared


def same(a, b) -> bool:
    """Exact equality of two inputs (arrays, containers, plain objects), NaN equal to NaN."""
    if isinstance(a, np.random.Generator):
        return True  # drawing numbers from a passed-in rng is what it is for
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (list, tuple)) and type(a) is type(b):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if hasattr(a, "__dict__") and type(a) is type(b) and not callable(a):
        return same(vars(a), vars(b))  # e.g. a layer object: compare its attributes
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN
    if type(a).__eq__ is object.__eq__:
        return True  # compared by identity only: nothing we can tell
    try:
        return bool(a == b)
    except Exception:
        return True  # incomparable objects: nothing we can report


def argument_names(case: Case, *functions: Callable) -> list:
    """Names of a case's arguments, from the first function whose signature takes them.

    The student's own function comes first, so messages use the names the
    student wrote; ``arg1, arg2, ...`` when no signature fits.
    """
    for f in functions:
        try:
            params = list(inspect.signature(f).parameters.values())
        except (TypeError, ValueError):
            continue
        positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(positional) >= len(case.args):
            return positional[:len(case.args)] + list(case.kwargs)
    return [f"arg{i + 1}" for i in range(len(case.args))] + list(case.kwargs)
