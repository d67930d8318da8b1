"""When the re-check and the notebook disagree, who gets flagged, who goes to review, who is left alone?

:func:`autograder.pipeline.rechecks.decide` on hand-made re-check results:
flagged needs evidence (or two clean re-checks that agree with each other);
a re-check that could not reproduce the notebook sends it to review with the
real cause; agreement changes nothing.
"""
from __future__ import annotations

import nbformat

from autograder.pipeline.rechecks import Replay, decide
from autograder.sandbox.verdict import ExerciseVerdict, Recheck

STEP, PREDICT = "ch-step_test", "ch-predict_test"


def _graded_notebook():
    """setup, a student's own cell, the step answer, its test cell (code cells 0-3)."""
    nb = nbformat.v4.new_notebook()
    meta = lambda **m: {"nbgrader": {"grade_id": m.pop("gid"), **m}}  # noqa: E731
    nb.cells = [nbformat.v4.new_markdown_cell("# Chapter"),
                nbformat.v4.new_code_cell("import numpy as np", metadata=meta(gid="ch-setup", locked=True)),
                nbformat.v4.new_markdown_cell("## Exercise 1 — step"),
                nbformat.v4.new_code_cell("ONE = 1.0"),
                nbformat.v4.new_code_cell("def step(z): ...", metadata=meta(gid="ch-step", solution=True)),
                nbformat.v4.new_code_cell("check(...)", metadata=meta(gid=STEP, grade=True, points=1))]
    return nb


def _replay(step: ExerciseVerdict, flags=(), divergent=(), failure="", evidence=()) -> Replay:
    step.cell = 3 if step.cell is None else step.cell
    verdict = Recheck(exercises={STEP: step, PREDICT: ExerciseVerdict(score=2.0, passed=5, total=5, cell=5)},
                      failure=failure, evidence=list(evidence))
    the_plan = {"exercises": [{"grade_id": STEP, "check": "ch.step", "function": "step", "points": 1.0},
                              {"grade_id": PREDICT, "check": "ch.predict", "function": "predict", "points": 2.0}]}
    return Replay("ann", _graded_notebook(), the_plan, list(flags), verdict, list(divergent), "digest")


CLAIMED = {STEP: 1.0, PREDICT: 2.0}


def test_agreement_changes_nothing():
    """Same scores in the notebook and the re-check: graded, no reasons, no report."""
    out = decide(_replay(ExerciseVerdict(score=1.0, passed=9, total=9)), CLAIMED)
    assert (out.status, out.reasons, out.lowered, out.reports) == ("", [], {}, {})


def test_a_lower_re_check_with_evidence_is_flagged_and_says_what_was_found():
    """A rebound `check` and a lower re-check: flagged, naming the evidence and the points, no question marks."""
    step = ExerciseVerdict(score=0.0, passed=0, total=9, failures=[("case", "value: wrong")],
                           evidence=["a cell of the notebook rebinds `check`, the function the test cells call"])
    out = decide(_replay(step), CLAIMED)
    assert out.status == "flagged"
    assert "rebinds `check`" in out.reasons[0]
    assert "claimed 1 point(s) that the re-check gives as 0 (step 1→0)" in out.reasons[-1]
    assert not any("?" in r for r in out.reasons)
    assert "re-checked by the grader: 0 of 9 checks passed" in out.reports[STEP]


def test_a_cell_that_failed_only_in_the_replay_sends_the_notebook_to_review():
    """A student's own cell raised in the re-check but not in nbgrader's run: review, naming that cell."""
    step = ExerciseVerdict(score=0.0, passed=0, total=9, failures=[("case", "raised NameError: name 'ONE' ...")])
    out = decide(_replay(step, divergent=[(1, "IndexError: list index out of range")]), CLAIMED)
    assert out.status == "review"
    assert out.reasons[0] == ("the re-check could not reach a verdict: IndexError: list index out of range in "
                              "your own cell under 'Exercise 1 — step' (it ran without error in the notebook's "
                              "own run)")
    assert "your instructor will review it" in out.reports[STEP]


def test_a_divergence_after_the_test_cell_does_not_excuse_it():
    """A cell failing only in the replay *after* the lowered test cell cannot explain it: no review for that."""
    step = ExerciseVerdict(score=0.0, passed=0, total=9, failures=[("case", "value: wrong")])
    out = decide(_replay(step, divergent=[(7, "ZeroDivisionError: ...")]), CLAIMED)
    assert out.wants_second_run and out.status == ""


def test_a_crashed_or_timed_out_re_check_goes_to_review():
    """No result at all, or an exercise the re-check could not reach: review with the real cause."""
    out = decide(_replay(ExerciseVerdict(score=0.0, total=9, reached=False, cause="x"),
                         failure="the re-check ran past 40 s"), CLAIMED)
    assert out.status == "review" and "the re-check ran past 40 s" in out.reasons[0]
    out = decide(_replay(ExerciseVerdict(score=0.0, total=9, reached=False,
                                         cause="step ran past its time limit in the re-check")), CLAIMED)
    assert out.status == "review" and "time limit" in out.reasons[0]


def test_a_name_error_only_in_the_replay_goes_to_review():
    """Every case raising NameError in the re-check means the replay missed a name: review, not a flag."""
    step = ExerciseVerdict(score=0.0, passed=0, total=9, failures=[("c", "raised NameError: name '_fire' is not "
                                                                        "defined")])
    out = decide(_replay(step), CLAIMED)
    assert out.status == "review" and "_fire" in out.reasons[0]


def test_a_clean_disagreement_is_checked_twice_before_a_flag():
    """A clean re-check that gives less: run again; the same again is flagged, a different result is review."""
    step = ExerciseVerdict(score=0.5, passed=5, total=9, failures=[("c", "value: wrong")])
    first = decide(_replay(step), CLAIMED)
    assert first.wants_second_run and first.status == ""
    same = Recheck(exercises={STEP: ExerciseVerdict(score=0.5), PREDICT: ExerciseVerdict(score=2.0)})
    assert decide(_replay(step), CLAIMED, second=same).status == "flagged"
    other = Recheck(exercises={STEP: ExerciseVerdict(score=0.75), PREDICT: ExerciseVerdict(score=2.0)})
    out = decide(_replay(step), CLAIMED, second=other)
    assert out.status == "review" and "different scores" in out.reasons[0]


def test_evidence_without_a_lower_score_is_still_flagged():
    """An edited test cell that gained nothing (nbgrader restored it) is still reported, as flagged."""
    out = decide(_replay(ExerciseVerdict(score=1.0, passed=9, total=9), flags=["ch-step_test: test cell edited"]),
                 CLAIMED)
    assert out.status == "flagged" and out.reasons == ["ch-step_test: test cell edited"]
