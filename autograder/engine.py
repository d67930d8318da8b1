"""The engine: run a student's function on a check's cases and say what went wrong.

Read it top to bottom:

1. :func:`call` runs the student's function once, at arm's length, on copies
   of a case's arguments, and records everything that happened (:class:`Outcome`).
2. :func:`diagnose` turns an outcome into the one problem a student should
   fix first, or None when the case passed.
3. :func:`find_hint` runs the catalogued mistakes on the first failing case
   and names the one that behaves exactly like the student's function.
4. :func:`run_check` does this for every case and returns a
   :class:`~autograder.result.CheckResult`: no printing, no raising, so tests
   and the grading pipeline can use it directly.
5. :func:`check` is the one call in a notebook's test cell: it prints a pass
   line, raises :class:`~autograder.result.CheckFailed`, or, while nbgrader
   grades, prints a report and returns the points earned.
"""
from __future__ import annotations

import copy
import inspect
import os
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

from autograder import messages
from autograder.compare import compare
from autograder.isolation import (ReferenceCalled, TimeLimitExceeded, blocked_references,
                                  captured_output, captured_warnings, student_functions, student_line,
                                  time_limit, warning_line)
from autograder.result import CheckFailed, CheckResult, Failure, Score
from autograder.spec import Case, Spec, get_spec

__all__ = ["check", "run_check", "call", "Outcome"]


# ------------------------------------------------------------- 1. one call


@dataclass
class Outcome:
    """Everything one call of a function did.

    output     what it returned (None when it raised).
    error      the exception it raised, if any; ``line`` is the student's
               line where it happened ("in predict, line 2: return w @ X").
    timed_out  it ran past the time limit and was interrupted.
    reference  the dotted name of a blocked nnlib reference it called.
    mutated    names of the arguments it changed in place.
    warnings   (text, student line) of each RuntimeWarning it caused.
    printed    what it printed (stdout and stderr together).
    """

    output: Any = None
    error: Optional[BaseException] = None
    line: Optional[str] = None
    timed_out: bool = False
    reference: Optional[str] = None
    mutated: tuple = ()
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
    """``func(*case.args, **case.kwargs)`` on deep copies; afterwards, which inputs changed?"""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    outcome = run_isolated(lambda: func(*args, **kwargs), seconds, blocked)
    given = list(case.args) + list(case.kwargs.values())
    after = list(args) + list(kwargs.values())
    outcome.mutated = tuple(name for name, before, now in zip(names, given, after) if not same(before, now))
    return outcome


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


# ------------------------------------------------------------- 2. what went wrong


@dataclass(frozen=True)
class Diagnosis:
    """The problem of one failed case: its kind, headline and details, and what to show."""

    kind: str
    problem: tuple
    show_input: bool = True
    show_expected: bool = False
    show_received: bool = False


def diagnose(spec: Spec, case: Case, expected: Any, outcome: Outcome) -> Optional[Diagnosis]:
    """The first problem of an outcome, most fundamental first; None when the case passed."""
    if outcome.reference:
        return Diagnosis("reference", messages.called_reference(outcome.reference), show_input=False)
    if outcome.timed_out:
        return Diagnosis("timeout", messages.timed_out(spec.time_limit))
    if isinstance(outcome.error, NotImplementedError):
        chain = student_functions(outcome.error.__traceback__)
        inner = chain[-1] if len(chain) > 1 and chain[-1] != chain[0] else None
        return Diagnosis("not-implemented", messages.not_implemented(inner), show_input=False)
    if outcome.error is not None:
        return Diagnosis("exception", messages.raised(outcome.error, outcome.line))
    if outcome.mutated:
        return Diagnosis("mutation", messages.mutated(outcome.mutated))
    if outcome.warnings:
        return Diagnosis("warning", messages.warned(outcome.warnings), show_expected=spec.judge is None,
                         show_received=True)
    if spec.judge is not None:
        verdict = spec.judge(case, outcome.output)
        return Diagnosis("judge", messages.judged(verdict), show_received=True) if verdict else None
    mismatch = compare(expected, outcome.output, spec.rtol, spec.check_dtype, part_names=spec.output_names)
    if mismatch:
        return Diagnosis(mismatch.kind, messages.mismatch(mismatch), show_expected=True, show_received=True)
    return None


# ------------------------------------------------------------- 3. which known mistake


_HINTABLE = {"exception", "mutation", "warning", "type", "shape", "dtype", "nan", "value", "judge"}


def find_hint(spec: Spec, case: Case, names: Sequence[str], kind: str, student: Outcome) -> Optional[str]:
    """The hint of the first catalogued mistake that fails ``case`` exactly as the student did."""
    if kind not in _HINTABLE:
        return None
    for mistake in spec.mistakes:
        wrong = call(mistake.wrong, case, names, spec.time_limit)
        if _same_failure(spec, kind, student, wrong, mistake.mutates):
            return mistake.hint
    return None


def _same_failure(spec: Spec, kind: str, student: Outcome, wrong: Outcome, mutates: bool) -> bool:
    if kind == "mutation":
        return mutates and wrong.mutated == student.mutated
    if kind == "exception":
        return (wrong.error is not None and type(wrong.error) is type(student.error)
                and str(wrong.error) == str(student.error))
    if wrong.error is not None or wrong.timed_out or wrong.mutated:
        return False
    if kind == "warning" and {t for t, _ in wrong.warnings} != {t for t, _ in student.warnings}:
        return False
    # A value problem (or a warning, which two mistakes may share): the same output.
    return compare(wrong.output, student.output, spec.rtol, spec.check_dtype) is None


# ------------------------------------------------------------- 4. all cases


def run_check(spec, func: Callable, hidden: bool = False) -> CheckResult:
    """Run one check (a :class:`Spec` or its name) on ``func``; no printing, no raising.

    Runs the visible cases, and the hidden ones too when ``hidden``; each
    case is one check, each item of ``spec.gradient`` one more.  After a
    time-out the remaining cases are skipped (they count as failed) so an
    endless loop costs one time limit, not one per case.
    """
    if isinstance(spec, str):
        spec = get_spec(spec)
    cases = list(spec.visible_cases()) + (list(spec.hidden_cases()) if hidden else [])
    # Expected values are computed first, while the references still work.
    expected = [None if spec.judge else _reference_output(spec, case) for case in cases]
    gradient_items = [what for what, _ in _quietly(spec.gradient, spec.reference)] if spec.gradient else []
    total = len(cases) + len(gradient_items)

    if not callable(func):
        text = messages.failure_text(spec.name, messages.not_callable(func, spec.name))
        return CheckResult(spec.name, 0, total, [Failure("", "not-callable", text)], hidden)
    if _timed_out_before(func):
        # The visible check already waited out this function's loop: the hidden one must not wait again.
        text = messages.failure_text(spec.name, messages.timed_out(spec.time_limit))
        return CheckResult(spec.name, 0, total, [Failure("", "timeout", text)], hidden)

    failures: list = []
    for case, want in zip(cases, expected):
        if failures and failures[-1].kind in ("timeout", "skipped"):
            failures.append(Failure(case.label, "skipped", "skipped after a time-out"))
            continue
        names = argument_names(case, func, spec.reference)
        outcome = call(func, case, names, spec.time_limit, spec.blocked)
        diagnosis = diagnose(spec, case, want, outcome)
        if diagnosis is None:
            continue
        hint = None if failures else find_hint(spec, case, names, diagnosis.kind, outcome)
        text = _failure_text(spec, case, names, want, outcome, diagnosis, hint)
        failures.append(Failure(case.label, diagnosis.kind, text, hint))

    gave_up = bool(failures) and failures[-1].kind in ("timeout", "skipped")
    if gave_up:
        _remember_time_out(func)
    failures += _gradient_failures(spec, func, gradient_items, gave_up)
    return CheckResult(spec.name, total - len(failures), total, failures, hidden)


_TIMED_OUT: "weakref.WeakSet" = weakref.WeakSet()  # functions that already ran past a time limit


def _remember_time_out(func: Callable) -> None:
    try:
        _TIMED_OUT.add(func)
    except TypeError:  # not weak-referenceable (a builtin): nothing to remember
        pass


def _timed_out_before(func: Callable) -> bool:
    try:
        return func in _TIMED_OUT
    except TypeError:
        return False


def _reference_output(spec: Spec, case: Case) -> Any:
    return _quietly(spec.reference, *copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))


def _quietly(f: Callable, *args, **kwargs) -> Any:
    """``f(*args, **kwargs)`` with nothing printed and no warning shown (grading reads stderr)."""
    with captured_output(), captured_warnings():
        return f(*args, **kwargs)


def _failure_text(spec, case, names, expected, outcome, diagnosis, hint) -> str:
    values = list(case.args) + list(case.kwargs.values())
    return messages.failure_text(
        spec.name, diagnosis.problem,
        case=case.label if diagnosis.show_input else "",
        inputs=list(zip(names, values)) if diagnosis.show_input else (),
        expected=expected if diagnosis.show_expected else messages.NOT_SHOWN,
        received=outcome.output if diagnosis.show_received else messages.NOT_SHOWN,
        output_names=spec.output_names, printed=outcome.printed, hint=hint)


def _gradient_failures(spec: Spec, func: Callable, items: list, gave_up: bool) -> list:
    """One failure per gradient item that is off (or all of them when the function fails)."""
    if not items:
        return []
    labels = [f"gradient check of {what}" for what in items]
    if gave_up:
        return [Failure(label, "skipped", "skipped after a time-out") for label in labels]
    outcome = run_isolated(lambda: spec.gradient(func), spec.time_limit, spec.blocked)
    diagnosis = diagnose(spec, Case("gradient check"), None, outcome) if (
        outcome.error or outcome.timed_out or outcome.reference) else None
    if diagnosis is not None:
        text = messages.failure_text(spec.name, diagnosis.problem, case="gradient check",
                                     printed=outcome.printed)
        return [Failure(label, diagnosis.kind, text) for label in labels]
    failures = []
    for label, (what, error) in zip(labels, outcome.output):
        if not error <= spec.grad_rtol:  # also catches NaN
            text = messages.failure_text(spec.name, messages.gradient_failed(what, error, spec.grad_rtol))
            failures.append(Failure(label, "gradient", text))
    return failures


# ------------------------------------------------------------- 5. the notebook call


def grading() -> bool:
    """True while nbgrader autogrades (it sets NBGRADER_EXECUTION in the kernel)."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def check(name: str, func: Callable, hidden: bool = False, points: Optional[float] = None):
    """Check a student's function against the nnlib reference; the one call of a test cell.

    ``check("perceptron.predict", perceptron_predict)`` prints
    ``✓ perceptron.predict — 4 checks passed (visible checks only; ...)`` or
    raises :class:`CheckFailed` with the input, expected and received
    values and, when the output matches a known mistake, a hint.

    While nbgrader autogrades, nothing is ever written to stderr and:

    - without ``points`` a visible check (``hidden=False``) prints its report
      and never raises, so the hidden check after it still runs; a hidden
      check raises on any failure (all-or-nothing credit);
    - with ``points`` the report is printed and a :class:`Score` returned:
      ``round(points * passed / total, 2)``, which nbgrader reads from the
      cell's ``Out[]`` as partial credit.
    """
    __tracebackhide__ = True  # pytest and IPython: don't show this frame
    result = run_check(get_spec(name), func, hidden)

    if grading():
        if points is not None:
            earned = round(points * result.passed / result.total, 2)
            print(f"{result.report()}\n  score: {earned:g} of {points:g} points")
            return Score(earned, points)
        if hidden and not result.ok:
            raise CheckFailed(result.report()) from None
        print(result.report())
        return None

    if not result.ok:
        raise CheckFailed(result.report()) from None
    print(result.pass_line())
    return None
