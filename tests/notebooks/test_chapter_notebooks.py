"""Does every chapter run as a student and an instructor expect, in a real kernel?

- the solution notebook runs top to bottom with every check passing;
- the committed student notebook in course/ runs top to bottom with only its
  test cells failing, each saying "not implemented yet";
- course/ is what nbgrader generates from solutions/ (``nncourse release --check``).

Chapters are found on disk, so a new chapter is covered the day it lands.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main as nncourse
from autograder.pipeline.course import find_course
from autograder.pipeline.student_check import exercise_statuses, other_errors, run_notebook

pytestmark = pytest.mark.slow
COURSE = find_course(Path(__file__).resolve().parents[2])
CHAPTERS = COURSE.chapters()
# Chapter 08's capstone test cell, `capstone_preview(build_model, train)`, checks the contract like any check
# (a ✓ line, or CheckFailed naming build_model's NotImplementedError on the stub) and then trains the student's
# network and prints a preview of its validation accuracy (the grade is the held-out accuracy the grader
# measures afterwards).
PREVIEW = "a preview on your own validation split, not your grade"


def is_capstone(grade_id: str) -> bool:
    return grade_id.endswith("-capstone")


def names_the_stub(message: str) -> bool:
    return "not implemented yet" in message or "NotImplementedError" in message


def test_there_are_chapters():
    """Are the chapters of the syllabus that exist found (at least the first one)?"""
    assert "01_perceptron" in CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_runs_clean_and_passes_every_check(chapter):
    """Does the instructor's notebook run top to bottom with no error and every check passing?"""
    nb = run_notebook(COURSE.source_notebook(chapter))
    assert other_errors(nb) == []
    statuses = exercise_statuses(nb)
    assert statuses, "a chapter without autograded exercises"
    assert [s.grade_id for s in statuses if s.state != "passed"] == []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            if is_capstone(cell.metadata["nbgrader"]["grade_id"]):
                accuracy = re.search(r"validation accuracy: ([0-9.]+)%", printed)
                assert PREVIEW in printed and accuracy and float(accuracy.group(1)) >= 95, printed
                assert printed.startswith("✓ capstone.build_model — "), printed
                continue
            assert "✓" in printed and "checks passed" in printed


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_released_notebook_fails_only_in_test_cells_with_a_clear_message(chapter):
    """Does the student notebook run, failing only in its test cells, each with 'not implemented yet'?"""
    nb = run_notebook(COURSE.released_notebook(chapter))
    assert other_errors(nb) == []
    statuses = exercise_statuses(nb)
    assert statuses and all(s.state == "not attempted" or (is_capstone(s.grade_id) and names_the_stub(s.message))
                            for s in statuses), statuses
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type != "error":
                continue
            if is_capstone(cell.metadata["nbgrader"].get("grade_id", "")):
                assert names_the_stub(output.evalue), output.evalue
            assert output.ename == "CheckFailed"
            assert "autograder/" not in "".join(output.traceback)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_released_notebook_has_no_solutions_and_no_hidden_checks(chapter):
    """Does the student notebook leave out every solution and every hidden check?"""
    text = COURSE.released_notebook(chapter).read_text()
    assert "BEGIN SOLUTION" not in text and "hidden=True" not in text
    assert "raise NotImplementedError()" in text


def test_course_folder_is_up_to_date(capsys):
    """Is the committed course/ exactly what nbgrader generates from solutions/?"""
    assert nncourse(["release", "--check"]) == 0, capsys.readouterr().out


def test_student_check_reports_each_exercise(capsys):
    """Does `nncourse check` list every exercise as not attempted on the untouched notebook?"""
    path = COURSE.released_notebook("01_perceptron")
    assert nncourse(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "\nstep " in out and "not attempted" in out
    assert "visible score: 0 / 9 autograded points" in out
    assert "passed" not in out.split("visible score")[0].replace("checks passed", "")


def test_student_check_counts_passing_exercises(tmp_path, capsys):
    """Does `nncourse check` give the visible score of a notebook with two answers filled in?"""
    from autograder.pipeline.samples import answer_sources, fill

    answers = answer_sources(COURSE, "01_perceptron")
    released = nbformat.read(COURSE.released_notebook("01_perceptron"), as_version=4)
    two = {k: answers[k] for k in ("01_perceptron-step", "01_perceptron-mp_neuron")}
    path = tmp_path / "01_perceptron.ipynb"
    nbformat.write(fill(released, two), path)
    assert nncourse(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "visible score: 2 / 9 autograded points" in out
    assert out.count("✓ passed") == 2
