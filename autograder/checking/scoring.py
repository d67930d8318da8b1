"""The one scoring rule of an exercise: partial credit that follows the point of the exercise.

An exercise worth ``points`` whose check ran ``total`` checks (one per case,
plus one per gradient item) of which ``passed`` passed earns::

    score = round(points * passed / total, 2)

except that while one of its *essential* cases fails (``Case.essential``:
the stability case of softmax, the bias case of perceptron_predict, ...)
the score is at most ``round(points * cap, 2)``, half the points by
default: a softmax that overflows is not 80 % right because the other cases
had moderate inputs.

The notebook's graded call (``check(..., hidden=True, points=N)``), the
:class:`~autograder.checking.result.CheckResult` report and the grader's
re-check all score with :func:`exercise_score`, so the three always agree.
"""
from __future__ import annotations

from typing import Sequence


def exercise_score(points: float, passed: int, total: int, essential_failed: bool, cap: float = 0.5) -> float:
    """Points earned: ``round(points * passed / total, 2)``, capped at ``round(points * cap, 2)``
    when ``essential_failed``; 0.0 when the check has no cases (``total == 0``).

    >>> exercise_score(2, 7, 9, essential_failed=False)
    1.56
    >>> exercise_score(2, 7, 9, essential_failed=True)
    1.0
    """
    if total <= 0:
        return 0.0
    earned = round(points * passed / total, 2)
    if essential_failed:
        earned = min(earned, round(points * cap, 2))
    return earned


def any_essential_failed(cases: Sequence, passed: Sequence[bool]) -> bool:
    """Did a case marked essential fail?  ``passed[i]`` says whether ``cases[i]`` passed.

    A case without a verdict (``passed`` shorter than ``cases``: skipped after
    a time-out, or never reported) counts as failed.
    """
    verdicts = list(passed) + [False] * (len(cases) - len(passed))
    return any(getattr(case, "essential", False) and not ok for case, ok in zip(cases, verdicts))


def cap_words(cap: float) -> str:
    """How the cap reads before "its points" in a report: "half" for 0.5, else "25% of"."""
    return "half" if cap == 0.5 else f"{cap:.0%} of"
