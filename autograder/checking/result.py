"""What a check produces: small result objects, no printing and no raising.

:class:`CheckResult` is the pure outcome of running one check (the engine's
``run_check``); :class:`CheckFailed` is what a notebook cell raises when a
check fails; :class:`Score` is what a graded cell returns so that nbgrader
reads partial credit from it.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Optional

from autograder.checking.scoring import cap_words, exercise_score

# How many other failing cases the summary line names before "...".
_MAX_OTHER_LABELS = 3
# Failures that are the same for every case: naming the other cases adds nothing.
_SAME_EVERY_CASE = {"not-implemented", "reference", "not-callable", "skipped"}


@dataclass(frozen=True)
class Failure:
    """One failed check.

    case     the label of the case ("" for failures of the whole function,
             e.g. a gradient check or a non-callable argument).
    kind     what went wrong, one word a program can count: "not-implemented",
             "exception", "timeout", "reference", "mutation", "warning",
             "alias", "type", "shape", "dtype", "nan", "value", "judge",
             "gradient", "not-callable", "skipped".
    message  the full text a student reads for this failure.
    hint     the hint of the catalogued mistake it matched, if any (only the
             first failure of a check is matched against the catalogue).
    essential  the case is one of the exercise's essential cases.
    """

    case: str
    kind: str
    message: str
    hint: Optional[str] = None
    essential: bool = False


@dataclass
class CheckResult:
    """The outcome of one check: how many of its checks passed, and why not.

    ``passed`` of ``total`` checks passed (one per case, plus one per
    gradient item); ``failures`` holds one :class:`Failure` per failed check,
    in the order they ran; ``hidden`` says whether hidden cases were run;
    ``essential_failures`` names the failed essential cases, which cap the
    score at ``cap`` of the points (:mod:`~autograder.checking.scoring`).
    """

    name: str
    passed: int
    total: int
    failures: list = field(default_factory=list)
    hidden: bool = False
    essential_failures: list = field(default_factory=list)
    cap: float = 0.5

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return self.passed == self.total

    @property
    def essential_failed(self) -> bool:
        """True when an essential case failed: the score is capped."""
        return bool(self.essential_failures)

    def score(self, points: float) -> float:
        """Points earned out of ``points``: :func:`~autograder.checking.scoring.exercise_score`."""
        return exercise_score(points, self.passed, self.total, self.essential_failed, self.cap)

    @property
    def hint(self) -> Optional[str]:
        """The hint shown to the student (of the first failure), or None."""
        return self.failures[0].hint if self.failures else None

    def pass_line(self) -> str:
        """``✓ perceptron.predict — 7 checks passed`` (+ a note when hidden checks were not run)."""
        noun = "check" if self.total == 1 else "checks"
        line = f"✓ {self.name} — {self.total} {noun} passed"
        if not self.hidden:
            line += " (visible checks only; hidden checks run at grading)"
        return line

    def summary_line(self) -> str:
        """``2 of 7 checks passed; also failed: "random (6, 3)", ...``."""
        line = f"{self.passed} of {self.total} {'check' if self.total == 1 else 'checks'} passed"
        others = [f.case for f in self.failures[1:] if f.case and f.kind not in _SAME_EVERY_CASE]
        others = list(dict.fromkeys(others))  # one label per case, in order
        if others:
            shown = ", ".join(f'"{label}"' for label in others[:_MAX_OTHER_LABELS])
            more = ", ..." if len(others) > _MAX_OTHER_LABELS else ""
            line += f"; also failed: {shown}{more}"
        if any(f.kind == "skipped" for f in self.failures):
            line += " (the remaining cases were skipped after the time-out)"
        return line

    @property
    def capped(self) -> bool:
        """True when the cap costs points: an essential case failed and more than ``cap`` of the checks passed."""
        return self.essential_failed and self.total > 0 and self.passed / self.total > self.cap

    def cap_line(self) -> str:
        """``an essential case failed ("..."): while it fails, this exercise earns at most half its points``, or ""."""
        if not self.capped:
            return ""
        named = f' ("{self.essential_failures[0]}")' if self.essential_failures[0] else ""
        return (f"an essential case failed{named}: while it fails, this exercise earns at most "
                f"{cap_words(self.cap)} its points")

    def report(self) -> str:
        """The text a student reads: the pass line, or the first failure, the summary and the cap."""
        if self.ok:
            return self.pass_line()
        text = f"{self.failures[0].message}\n  {self.summary_line()}"
        if self.cap_line():
            text += f"\n  {self.cap_line()}"
        return text

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#cf222e"
        return (f'<pre style="color: {colour}; white-space: pre-wrap">'
                f"{html.escape(self.report())}</pre>")


class CheckFailed(AssertionError):
    """A failed check, raised by ``check(...)`` in a notebook test cell.

    It is an ``AssertionError`` (so nbgrader and pytest treat it as a failed
    test), and it tells IPython how to show itself: just
    ``CheckFailed: <message>``, without a traceback into the autograder.
    """

    def _render_traceback_(self) -> list:
        # IPython calls this hook instead of formatting the frames (the hook
        # ipyparallel uses for remote errors).  The kernel still sends an
        # `error` output, so nbgrader scores the cell 0 in all-or-nothing mode.
        red, reset = "\x1b[0;31m", "\x1b[0m"
        first, *rest = str(self).splitlines() or [""]
        return [f"{red}{type(self).__name__}{reset}: {first}", *rest]


class Score(float):
    """Points earned by a graded check; its text form is just the number.

    nbgrader gives partial credit when a test cell's result (its ``Out[]``)
    is a number between 0 and the cell's points, so a graded cell ends with
    ``check(..., hidden=True, points=2)`` and this float shows as ``1.5``.
    """

    def __new__(cls, earned: float, out_of: float):
        score = super().__new__(cls, earned)
        score.out_of = out_of
        return score

    def __repr__(self) -> str:
        return repr(float(self))

    def _repr_pretty_(self, printer, cycle) -> None:
        # IPython's pretty printer: the bare number, whatever %precision says.
        printer.text(repr(self))
