"""Does real nbgrader give every chapter's full solution full marks and its stub zero?"""
from __future__ import annotations

import pytest
from tests_support import autograded_points

from autograder.pipeline.course import copy_course
from autograder.pipeline.grade import grade
from autograder.pipeline.release import release
from autograder.pipeline.samples import write_samples

pytestmark = pytest.mark.slow


# 01 is graded in test_grading.py; 05 and 08 in test_optimizers_grading.py and test_08_grading.py (full and stub
# in one run with their partial and traps)
@pytest.mark.parametrize("chapter", ["02_mlp_xor", "03_backprop", "04_losses", "06_initialization",
                                     "07_regularization"])
def test_full_gets_full_marks_and_stub_gets_zero(chapter, repo_course, tmp_path):
    """Is a chapter's full solution worth every autograded point, and its stub nothing?"""
    course = copy_course(repo_course, tmp_path / "course")
    release(course, [chapter])
    samples = write_samples(course, chapter, tmp_path / "all")
    subs = tmp_path / "subs"
    for student in ("full", "stub"):
        (subs / student).mkdir(parents=True)
        (subs / student / f"{chapter}.ipynb").write_bytes(samples[student].read_bytes())
    results = {r.student: r for r in grade(course, subs, chapter, jobs=2, progress=False)}
    assert results["full"].status == "graded"
    assert results["full"].score == autograded_points(course, chapter) > 0
    assert (results["stub"].status, results["stub"].score) == ("graded", 0)
