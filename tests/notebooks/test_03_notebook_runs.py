"""Chapter 03 end to end in a real kernel: the solution passes, the release fails only in its test cells.

- The solution notebook runs top to bottom without an error, every test cell
  prints its pass line, and under grading every graded cell earns its points.
- The released notebook (nbgrader generate_assignment into a temporary
  folder) runs top to bottom; only the test cells fail, each with the
  "not implemented yet" message, and the cells that use a student function
  fall back to nnlib with a printed note.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.pipeline.course import find_course
from autograder.pipeline.release import generate

pytestmark = pytest.mark.slow

CHAPTER = "03_backprop"
SOURCE = Path(__file__).resolve().parents[2] / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"


def run(nb, grading=False):
    """Execute a copy of ``nb`` (errors recorded, execution continues); grading sets NBGRADER_EXECUTION first."""
    nb = copy.deepcopy(nb)
    if grading:
        nb.cells.insert(0, nbformat.v4.new_code_cell("import os\nos.environ['NBGRADER_EXECUTION'] = 'autograde'"))
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(SOURCE.parent)}}).execute()
    return nb.cells[1:] if grading else nb.cells


def grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def text(cell) -> str:
    return "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", []))


def is_test(cell) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("grade")) and cell.cell_type == "code"


@pytest.fixture(scope="module")
def solution():
    return nbformat.read(SOURCE, as_version=4)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("release03")
    path = generate(find_course(), CHAPTER, release_dir=tmp / "course", db_url=f"sqlite:///{tmp / 'gradebook.db'}")
    return nbformat.read(path, as_version=4)


def test_does_the_solution_run_clean_with_every_check_passing(solution):
    """Does every cell of the solution run without error, and does every test cell print its pass lines?"""
    cells = run(solution)
    assert not [grade_id(c) for c in cells if errors(c)]
    tests = [c for c in cells if is_test(c)]
    assert len(tests) == 10
    for cell in tests:
        assert text(cell).count("✓ backprop.") == 2, (grade_id(cell), text(cell))


def test_does_grading_the_solution_give_full_points(solution):
    """Under grading, does each graded cell return its full points (and do widgets stay undrawn)?"""
    cells = run(solution, grading=True)
    for cell in cells:
        if is_test(cell):
            points = cell.metadata["nbgrader"]["points"]
            results = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert results and float(results[-1]["data"]["text/plain"]) == points, (grade_id(cell), text(cell))
        if grade_id(cell).startswith(f"{CHAPTER}-widget_"):
            assert "is not drawn while the notebook is graded" in text(cell)


def test_does_the_release_fail_only_in_test_cells(released):
    """Is every error of the released notebook in a test cell, and does each say 'not implemented yet'?"""
    cells = run(released)
    failing = [c for c in cells if errors(c)]
    assert failing and all(is_test(c) for c in failing), [grade_id(c) for c in failing if not is_test(c)]
    assert len(failing) == 10
    for cell in failing:
        (error,) = errors(cell)
        assert error.ename == "CheckFailed" and "not implemented yet" in error.evalue, (grade_id(cell), error.evalue)
    notes = "\n".join(text(c) for c in cells if not is_test(c))
    for name in ("numerical_gradient", "relative_error", "dense_backward", "mlp_backward"):
        assert f"{name} is not implemented yet, so this cell uses the reference nnlib." in notes
    assert "your Value is not finished yet, so the next cell uses nnlib's Value (nnlib.autodiff.Value)" in notes
    assert "your sgd_step is not finished yet, so the next cell uses nnlib's SGD optimizer" in notes
    assert "__main__" not in notes  # every fallback is named so that a student can tell what it is


def test_does_the_release_hide_solutions_and_hidden_checks(released):
    """Are the solutions replaced by stubs, the hidden checks gone and the written answer blank?"""
    for cell in released.cells:
        assert "BEGIN SOLUTION" not in cell.source and "hidden=True" not in cell.source
        if grade_id(cell) == f"{CHAPTER}-why_backprop":
            assert cell.source.strip() == "YOUR ANSWER HERE"
    value = next(c for c in released.cells if grade_id(c) == f"{CHAPTER}-value")
    assert value.source.count("raise NotImplementedError()") == 2
