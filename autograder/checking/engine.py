"""The engine: run a student's function on a check's cases and say what went wrong.

Read it top to bottom:

1. :func:`~autograder.checking.calls.call` runs the student's function once,
   at arm's length, on copies of a case's arguments, and records everything
   that happened (:class:`~autograder.checking.calls.Outcome`).
2. :func:`diagnose` turns an outcome into the one problem a student should
   fix first, or None when the case passed.
3. :func:`find_hint` runs the catalogued mistakes on the first failing case
   and names the one that behaves exactly like the student's function.
4. :func:`run_check` does this for every case and returns a
   :class:`~autograder.checking.result.CheckResult`: no printing, no raising, so tests
   and the grading pipeline can use it directly.
5. :func:`check` is the one call in a notebook's test cell: it prints a pass
   line, raises :class:`~autograder.checking.result.CheckFailed`, or, while nbgrader
   grades, prints a report and returns the points earned
   (:func:`~autograder.checking.scoring.exercise_score`).
"""
from __future__ import annotations

import copy
import os
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from autograder.checking import messages
from autograder.checking.calls import Outcome, argument_names, call, run_isolated
from autograder.checking.compare import compare
from autograder.checking.isolation import captured_output, captured_warnings, student_functions
from autograder.checking.result import CheckFailed, CheckResult, Failure, Score
from autograder.checking.spec import Case, NotImplementedYet, Spec

__all__ = ["check", "run_check", "call", "Outcome", "argument_names", "run_isolated"]


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
        return Diagnosis("mutation", messages.mutated(outcome.mutated, spec.restored_inputs))
    if outcome.warnings:
        return Diagnosis("warning", messages.warned(outcome.warnings), show_expected=spec.judge is None,
                         show_received=True)
    if spec.judge is not None:
        verdict = spec.judge(case, outcome.output)
        if isinstance(verdict, NotImplementedYet):  # the judge ran the student's stub
            return Diagnosis("not-implemented", messages.judged(verdict), show_input=False)
        if verdict:
            return Diagnosis("judge", messages.judged(verdict), show_received=True)
    else:
        mismatch = compare(expected, outcome.output, spec.rtol, spec.check_dtype, part_names=spec.output_names)
        if mismatch:
            return Diagnosis(mismatch.kind, messages.mismatch(mismatch), show_expected=True, show_received=True)
    # Right values, but the caller's own array: reported only once nothing more basic is wrong.
    if spec.fresh_output and outcome.aliased:
        return Diagnosis("alias", messages.aliased(outcome.aliased))
    return None


# ------------------------------------------------------------- 3. which known mistake


_HINTABLE = {"exception", "mutation", "alias", "warning", "type", "shape", "dtype", "nan", "value", "judge"}


def find_hint(spec: Spec, case: Case, names: Sequence[str], kind: str, student: Outcome) -> Optional[str]:
    """The hint of the first catalogued mistake that fails ``case`` exactly as the student did."""
    if kind not in _HINTABLE:
        return None
    for mistake in spec.mistakes:
        wrong = call(mistake.wrong, case, names, spec.time_limit)
        if _same_failure(spec, kind, student, wrong, mistake):
            return mistake.hint
    return None


def _same_failure(spec: Spec, kind: str, student: Outcome, wrong: Outcome, mistake) -> bool:
    if kind == "mutation":
        # The same inputs changed, to the same values: "forgot to restore x" and
        # "restored x by adding h back" change the same input differently.
        return (mistake.mutates and wrong.mutated == student.mutated
                and compare(wrong.after, student.after, spec.rtol) is None)
    if kind == "alias":
        return mistake.aliases and wrong.aliased == student.aliased
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
        spec = _spec(spec)
    cases = list(spec.visible_cases()) + (list(spec.hidden_cases()) if hidden else [])
    # Expected values are computed first, while the references still work.
    expected = [None if spec.judge else _reference_output(spec, case) for case in cases]
    gradient_items = [what for what, _ in _quietly(spec.gradient, spec.reference)] if spec.gradient else []
    total = len(cases) + len(gradient_items)

    def result(failures: list) -> CheckResult:
        return CheckResult(spec.name, total - len(failures), total, failures, hidden,
                           essential_failures=[f.case for f in failures if f.essential], cap=spec.essential_cap)

    def whole_function_failure(kind: str, problem) -> CheckResult:
        # The function fails every case alike; one message, every essential case failed with it.
        essential = [case.label for case in cases if case.essential]
        failed = [Failure("", kind, messages.failure_text(spec.name, problem))]
        return CheckResult(spec.name, 0, total, failed, hidden, essential_failures=essential, cap=spec.essential_cap)

    if not callable(func):
        return whole_function_failure("not-callable", messages.not_callable(func, spec.name))
    if _timed_out_before(func):
        # The visible check already waited out this function's loop: the hidden one must not wait again.
        return whole_function_failure("timeout", messages.timed_out(spec.time_limit))

    failures: list = []
    for case, want in zip(cases, expected):
        if failures and failures[-1].kind in ("timeout", "skipped"):
            failures.append(Failure(case.label, "skipped", "skipped after a time-out", essential=case.essential))
            continue
        names = argument_names(case, func, spec.reference)
        outcome = call(func, case, names, spec.time_limit, spec.blocked)
        diagnosis = diagnose(spec, case, want, outcome)
        if diagnosis is None:
            continue
        hint = None if failures else find_hint(spec, case, names, diagnosis.kind, outcome)
        text = _failure_text(spec, case, names, want, outcome, diagnosis, hint)
        failures.append(Failure(case.label, diagnosis.kind, text, hint, essential=case.essential))

    gave_up = bool(failures) and failures[-1].kind in ("timeout", "skipped")
    if gave_up:
        _remember_time_out(func)
    failures += _gradient_failures(spec, func, gradient_items, gave_up)
    return result(failures)


def _spec(name: str) -> Spec:
    """The registered check ``name``; the chapters' checks load on first use, not on ``import autograder``."""
    from autograder.checking.checks import get_spec

    return get_spec(name)


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

    - a visible check without ``points`` does nothing at all: the hidden
      call after it in the same cell runs every visible case again and
      reports them, so the feedback shows each failure once;
    - without ``points`` a hidden check raises on any failure
      (all-or-nothing credit);
    - with ``points`` the report is printed and a :class:`Score` returned,
      :func:`~autograder.checking.scoring.exercise_score`: ``round(points *
      passed / total, 2)``, at most half the points while an essential case
      fails; nbgrader reads it from the cell's ``Out[]`` as partial credit.
    """
    __tracebackhide__ = True  # pytest and IPython: don't show this frame
    if grading() and not hidden and points is None:
        return None
    spec = _spec(name)
    result = run_check(spec, func, hidden)

    if grading():
        if points is not None:
            earned = result.score(points)
            print(f"{result.report()}\n  score: {earned:g} of {points:g} points")
            return Score(earned, points)
        if not result.ok:
            raise CheckFailed(result.report()) from None
        print(result.report())
        return None

    if not result.ok:
        raise CheckFailed(result.report()) from None
    print(result.pass_line())
    return None
