"""Does `nncourse release` refuse a source notebook nbgrader would release wrongly?"""
from __future__ import annotations

import nbformat
import pytest

from autograder.pipeline.course import copy_course
from autograder.pipeline.release import lint_source

CH = "01_perceptron"


@pytest.fixture
def course(repo_course, tmp_path):
    return copy_course(repo_course, tmp_path / "course")


def _edit(course, change):
    path = course.source_notebook(CH)
    nb = nbformat.read(path, as_version=4)
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")
    change(nb, test_cell)
    nbformat.write(nb, path)


def test_the_committed_chapters_are_clean(repo_course):
    """Do the committed source notebooks pass the lint?"""
    assert {ch: lint_source(repo_course, ch) for ch in repo_course.chapters()} == \
        {ch: [] for ch in repo_course.chapters()}


@pytest.mark.parametrize("change, problem", [
    (lambda nb, c: c.metadata.nbgrader.update(points=5), "passes points=1 but its metadata says 5"),
    (lambda nb, c: c.metadata.__setitem__("tags", []), "needs the 'raises-exception' tag"),
    (lambda nb, c: c.metadata.nbgrader.update(grade_id="other-step_test"), "should start with '01_perceptron-'"),
    (lambda nb, c: c.__setitem__("outputs", [nbformat.v4.new_output("stream", text="x")]), "has stored outputs"),
    (lambda nb, c: c.__setitem__("source", 'check("perceptron.step", step)'), "has no `check(..., hidden=True"),
])
def test_each_mistake_is_named(course, change, problem):
    """Is each authoring mistake reported with the cell and the fix?"""
    _edit(course, change)
    assert any(problem in p for p in lint_source(course, CH)), lint_source(course, CH)


def test_only_the_capstone_cell_may_go_without_hidden_checks(course):
    """Is `capstone_preview(build_model, train)` accepted as the `<chapter>-capstone` test cell, and only there?"""
    def capstone(grade_id):
        def change(nb, cell):
            cell.source = "capstone_preview(build_model, train)"
            cell.metadata.nbgrader.update(grade_id=grade_id, points=10)
        return change

    _edit(course, capstone(f"{CH}-capstone"))
    assert lint_source(course, CH) == []
    _edit(course, capstone(f"{CH}-step_test"))
    assert any("has no `check(..., hidden=True" in p for p in lint_source(course, CH))
