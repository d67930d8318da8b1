"""Does an output the re-check cannot send back fail only its own cases, never the notebook?

One real re-check (the sandbox when bubblewrap is there) of chapter 01 with
correct answers, except a ``step`` that returns a Python set for a
one-value input and float128 arrays otherwise.  A set cannot travel (JSON
carries no sets): the cases where it is returned (step's one-value case, and
predict's 1 x 1 input, which calls step) fail with the reason in words; the
float128 outputs travel and pass where float64 is expected; every other
case is judged as usual and the re-check reaches its verdict.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.pipeline.course import find_course
from autograder.pipeline.samples import answer_sources, fill
from autograder.sandbox import isolation_available
from autograder.sandbox.limits import Limits
from autograder.sandbox.verdict import judge, plan, run_recheck

CH = "01_perceptron"
STEP = '''def step(z):
    z = np.asarray(z)
    out = (z > 0).astype(np.longdouble if z.dtype == np.float64 else z.dtype)
    return set(out.tolist()) if out.shape == (1,) else out
'''


@pytest.fixture(scope="module")
def verdict():
    course = find_course(Path(__file__).resolve().parents[2])
    answers = answer_sources(course, CH)
    answers[f"{CH}-step"] = STEP
    graded = fill(nbformat.read(course.released_notebook(CH), as_version=4), answers)
    source = nbformat.read(course.source_notebook(CH), as_version=4)
    the_plan = plan(source, graded, cell_seconds=30)
    result, failure = run_recheck(the_plan, Limits(), wall_seconds=120, sandbox=isolation_available())
    assert result is not None, failure
    return judge(the_plan, result, failure)


def test_the_unsendable_output_fails_its_own_case_with_the_reason(verdict):
    step = verdict.exercises[f"{CH}-step_test"]
    assert verdict.failure == "" and step.reached
    assert step.passed == step.total - 1
    assert step.failures == [("edge: a single value, shape (1,)", "returned the wrong type (a set)")]


def test_the_rest_of_the_notebook_is_judged_as_usual(verdict):
    """Only predict's 1 x 1 case (step's set again) fails; the float128 outputs pass; nothing is evidence."""
    predict = verdict.exercises[f"{CH}-perceptron_predict_test"]
    assert predict.failures == [("random X of shape (1, 1)", "returned the wrong type (a set)")]
    others = {gid: v for gid, v in verdict.exercises.items() if gid.split("-")[1] not in ("step_test",
                                                                                        "perceptron_predict_test")}
    assert len(others) == 3
    assert all(v.reached and v.passed == v.total for v in others.values()), others
    assert verdict.evidence == []
