"""Where does the re-check's decision land in nbgrader's gradebook, and does it leave the instructor's alone?

:func:`autograder.pipeline.rechecks.apply` on a real nbgrader gradebook
(sqlite, no kernels): a lowered cell gets the re-check's score as its manual
score (``needs_manual_grade`` on for a review, so formgrader lists it); a
manual score the instructor set in formgrader is never overwritten, and the
feedback then shows the notebook's own output for that cell; ``--accept``
gives the notebook's own score back.
"""
from __future__ import annotations

import shutil

import nbformat
import pytest

from autograder.pipeline.course import Course, nbgrader_env
from autograder.pipeline.rechecks import Outcome, Replay, apply
from autograder.sandbox.verdict import Recheck

CH, STUDENT = "01_perceptron", "ann"
STEP, PREDICT = f"{CH}-step_test", f"{CH}-perceptron_predict_test"
# nbgrader's own add_submission trips this SQLAlchemy warning; it is not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    """A gradebook holding ann's graded submission (made once: a new gradebook costs an alembic run)."""
    from nbgrader.api import Gradebook

    folder = tmp_path_factory.mktemp("gradebook")
    url = "sqlite:///" + str(folder / "gradebook.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", nbgrader_env()["PATH"])  # a new gradebook runs the venv's `alembic`
        with Gradebook(url) as gb:
            gb.add_assignment(CH)
            gb.add_notebook(CH, CH)
            for grade_id, points in ((STEP, 1.0), (PREDICT, 2.0)):
                gb.add_grade_cell(grade_id, CH, CH, max_score=points, cell_type="code")
            gb.add_student(STUDENT)
            gb.add_submission(CH, STUDENT)
            for grade_id, points in ((STEP, 1.0), (PREDICT, 2.0)):  # what the notebook's own run claimed
                gb.find_grade(grade_id, CH, CH, STUDENT).auto_score = points
            gb.db.commit()
    return folder / "gradebook.db"


@pytest.fixture
def course(tmp_path, gradebook):
    course = Course(tmp_path)
    course.grading.mkdir()
    shutil.copy(gradebook, course.grading / "gradebook.db")
    _write_graded(course)
    return course


def _write_graded(course):
    """The autograded notebook as nbgrader writes it: each test cell with the notebook's own report."""
    graded = course.grading / "autograded" / STUDENT / CH / f"{CH}.ipynb"
    graded.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    for grade_id in (STEP, PREDICT):
        cell = nbformat.v4.new_code_cell("check(...)", metadata={"nbgrader": {"grade_id": grade_id, "grade": True}})
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ the notebook's own report\n")]
        nb.cells.append(cell)
    nbformat.write(nb, graded)


def _outcome(status: str) -> dict:
    replay = Replay(STUDENT, nbformat.v4.new_notebook(), {"exercises": []}, [], Recheck(), [], "digest-1")
    outcome = Outcome(status=status, reasons=["the re-check could not reach a verdict: ..."],
                      lowered={STEP: (1.0, 0.0), PREDICT: (2.0, 0.5)},
                      reports={STEP: "re-checked by the grader: step 0 of 9", PREDICT: "re-checked: predict 3 of 12"})
    return {STUDENT: (replay, outcome)}


def _scores(course):
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url) as gb:
        grades = {g: gb.find_grade(g, CH, CH, STUDENT) for g in (STEP, PREDICT)}
        return {g: (x.score, x.manual_score, x.needs_manual_grade) for g, x in grades.items()}


def _feedback_outputs(course):
    nb = nbformat.read(course.grading / "autograded" / STUDENT / CH / f"{CH}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.outputs[0]["text"].strip() for c in nb.cells}


def test_a_review_scores_the_re_check_and_waits_in_formgrader(course):
    """Review: each lowered cell gets the re-check's score, marked as needing a manual grade; feedback follows."""
    apply(course, CH, _outcome("review"))
    assert _scores(course) == {STEP: (0.0, 0.0, True), PREDICT: (0.5, 0.5, True)}
    assert _feedback_outputs(course) == {STEP: "re-checked by the grader: step 0 of 9",
                                         PREDICT: "re-checked: predict 3 of 12"}


def test_the_instructors_manual_score_is_never_overwritten(course):
    """After the instructor grades one cell by hand, a re-grade leaves it and its feedback alone."""
    from nbgrader.api import Gradebook

    apply(course, CH, _outcome("flagged"))
    assert _scores(course)[STEP] == (0.0, 0.0, False)
    with Gradebook(course.gradebook_url) as gb:  # formgrader: the instructor gives 0.75 for step
        grade = gb.find_grade(STEP, CH, CH, STUDENT)
        grade.manual_score, grade.needs_manual_grade = 0.75, False
        gb.db.commit()
    _write_graded(course)  # graded again: nbgrader writes the notebook anew

    apply(course, CH, _outcome("flagged"))  # the same submission graded again
    assert _scores(course) == {STEP: (0.75, 0.75, False), PREDICT: (0.5, 0.5, False)}
    assert _feedback_outputs(course)[STEP] == "✓ the notebook's own report"  # the instructor's decision stands
    assert _feedback_outputs(course)[PREDICT] == "re-checked: predict 3 of 12"


def test_accepting_gives_the_notebooks_own_scores_back(course):
    """--accept: the re-check's overrides are undone and the notebook's own scores count."""
    apply(course, CH, _outcome("review"))
    assert _scores(course)[PREDICT] == (0.5, 0.5, True)
    outcomes = _outcome("review")
    apply(course, CH, outcomes, accept=[STUDENT])
    assert outcomes[STUDENT][1].accepted
    assert _scores(course) == {STEP: (1.0, None, False), PREDICT: (2.0, None, False)}
