"""Does `nncourse grade --no-sandbox` (no bubblewrap: macOS, or by choice) grade a class in parallel, losing nobody?

Unisolated, the warm servers of two grading jobs share the machine's /tmp
and network; a path both used once gave one job's kernel the other's
connection file (a kernel that never answered, an honest student failed).
"""
from __future__ import annotations

import nbformat
import pytest

from autograder.pipeline.course import copy_course
from autograder.pipeline.grade import grade
from autograder.pipeline.samples import answer_sources, fill

pytestmark = pytest.mark.slow
CH = "01_perceptron"
FULL = 9


@pytest.fixture(scope="module")
def graded(course_copy, tmp_path_factory):
    course = copy_course(course_copy, tmp_path_factory.mktemp("unisolated"))
    released = nbformat.read(course.released_notebook(CH), as_version=4)
    answers = answer_sources(course, CH)
    subs = tmp_path_factory.mktemp("unisolated_class")
    kinds = {"full": fill(released, answers), "stub": released}
    for i in range(10):
        kind = "full" if i % 5 else "stub"
        (subs / f"{kind}{i}").mkdir()
        nbformat.write(kinds[kind], subs / f"{kind}{i}" / f"{CH}.ipynb")
    return {r.student: r for r in grade(course, subs, CH, jobs=2, timeout=20, progress=False, sandbox=False)}


def test_every_student_is_graded_with_the_score_they_earned(graded):
    """Do all 10 students, in 2 parallel jobs without a sandbox, get 9 (full) or 0 (stub), status graded?"""
    assert len(graded) == 10
    for student, result in graded.items():
        assert result.status == "graded", (student, result.status)
        assert result.score == pytest.approx(FULL if student.startswith("full") else 0), student
        assert result.isolation == "none"
