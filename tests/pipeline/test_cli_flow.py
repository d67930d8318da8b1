"""Does the instructor's command-line flow work as the README tells it, with real nbgrader?

One throwaway course is graded three times through `nncourse grade`, as an
instructor would: the class's folder (A), then late and re-submitted work
(B, a folder), then an LMS export zip (C).  The chapter's reports must end up
holding everybody, each student's newest grading winning, and plain
`nbgrader export` run in the course root must write under grading/.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import os
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest

from autograder.cli import main as nncourse
from autograder.pipeline.course import copy_course, nbgrader_env
from autograder.pipeline.release import release

pytestmark = pytest.mark.slow
CH = "01_perceptron"


def _rows(reports):
    with open(reports / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def flow(repo_course, tmp_path_factory):
    root = tmp_path_factory.mktemp("flow")
    course = copy_course(repo_course, root / "course")
    release(course, [CH])
    released = nbformat.read(course.released_notebook(CH), as_version=4)

    def save(folder, student, nb, name=f"{CH}.ipynb"):
        path = folder / student / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    edited = nbformat.from_dict(released)  # a test cell the student changed: still worth a warning
    test_cell = next(c for c in edited.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{CH}-step_test")
    test_cell.source += "\nprint('I changed this test cell')"

    first, late = root / "A", root / "B"
    save(first, "ada", released)
    save(first, "bob", released)
    save(first, "eve", edited)
    save(late, "bob", released, name="bob_resubmitted.ipynb")  # bob again, under another file name
    (late / "cy").mkdir(parents=True)
    (late / "cy" / f"{CH}.ipynb").write_text('{"cells": [', encoding="utf-8")  # a new student, broken file

    export = root / "export.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.writestr(f"Assignment 1 - Perceptron/dee/{CH}.ipynb", nbformat.writes(released))
        zf.writestr(f"Assignment 1 - Perceptron/fay/{CH}.ipynb", b"")

    cwd = os.getcwd()
    os.chdir(course.root)  # nncourse finds the course from the working directory, as an instructor runs it
    try:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert nncourse(["grade", str(first), "--chapter", CH, "--jobs", "2", "--timeout", "10", "--quiet"]) == 0
        log_a = (course.grading / "logs" / f"autograde-{CH}.log").read_text()
        reports = course.grading / "reports" / CH
        rows_a = _rows(reports)
        time.sleep(1.1)  # timestamps have one-second resolution
        assert nncourse(["grade", str(late), "--chapter", CH, "--jobs", "2", "--timeout", "10", "--quiet"]) == 0
        rows_b = _rows(reports)
        summary_b = (reports / "summary.md").read_text()
        assert nncourse(["grade", str(export), "--chapter", CH, "--jobs", "2", "--timeout", "10", "--quiet"]) == 0
        rows_c = _rows(reports)
    finally:
        os.chdir(cwd)
    return {"course": course, "reports": reports, "log_a": log_a, "printed_a": printed.getvalue(),
            "a": rows_a, "b": rows_b, "c": rows_c, "summary_b": summary_b}


def test_a_second_grading_merges_into_the_chapter_reports(flow):
    """After grading folder B, does the CSV hold A's students too, with B's re-submission replacing A's?"""
    a, b = flow["a"], flow["b"]
    assert set(a) == {"ada", "bob", "eve"}
    assert set(b) == {"ada", "bob", "eve", "cy"}
    assert b["ada"] == a["ada"] and b["eve"] == a["eve"]  # untouched by the second grading
    assert "bob_resubmitted.ipynb" in b["bob"]["note"] and "bob_resubmitted" not in a["bob"]["note"]
    assert b["cy"]["status"].startswith("failed: ") and "broken JSON" in b["cy"]["status"]
    assert "4 submissions" in flow["summary_b"]


def test_each_row_says_when_it_was_graded(flow):
    """Does graded_at tell the two gradings apart (ISO timestamps, the newer for re-graded bob)?"""
    from datetime import datetime

    b = flow["b"]
    when = {s: datetime.fromisoformat(row["graded_at"]) for s, row in b.items()}
    assert when["ada"] == when["eve"] < when["bob"] == when["cy"]
    assert all(w.tzinfo is not None for w in when.values())


def test_the_merged_record_is_machine_readable(flow):
    """Is the merged record a JSON file under grading/ holding every student with the CSV's status?"""
    data = json.loads((flow["reports"] / "results.json").read_text())
    students = data["students"]
    assert set(students) == set(flow["c"])
    assert all(students[s]["status"] == flow["c"][s]["status"] for s in students)
    assert str(flow["reports"]).startswith(str(flow["course"].grading))


def test_an_lms_export_zip_is_graded_directly(flow):
    """Does `nncourse grade export.zip` grade the students inside it (wrapper folder and all)?"""
    c = flow["c"]
    assert c["dee"]["status"] != "" and not c["dee"]["status"].startswith("failed")
    assert c["fay"]["status"].startswith("failed: ") and "empty file" in c["fay"]["status"]
    assert {"ada", "bob", "eve", "cy"} <= set(c)  # still merged with the earlier gradings


def test_hidden_tests_are_restored_without_a_false_warning(flow):
    """Is the "checksum has changed" warning gone for untouched test cells, and kept for an edited one?"""
    warnings = [line for line in flow["log_a"].splitlines() if "checksum" in line and "has changed" in line]
    assert warnings, "the edited test cell must still be reported"
    assert all(f"{CH}-step_test" in line for line in warnings)
    # one warning, for eve's edited cell; none for the released cells of ada, bob and eve
    assert len(warnings) == 1


def test_plain_nbgrader_export_writes_under_grading(flow):
    """Does `nbgrader export` run in the course root write grades.csv under grading/, not beside the sources?"""
    course = flow["course"]
    result = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=course.root, env=nbgrader_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (course.root / "grades.csv").exists()
    with open(course.grading / "grades.csv", newline="") as f:
        exported = {row["student_id"] for row in csv.DictReader(f)}
    assert {"ada", "bob", "eve"} <= exported


def test_grade_says_which_stage_it_is_in(flow):
    """Does `nncourse grade` print each stage as it starts, with the time so far, then the table?"""
    out = flow["printed_a"]
    stages = [line.split("] ", 1)[1].split(":")[0] for line in out.splitlines() if re.match(r"\[ *\d+ s\] ", line)]
    assert stages == ["grade", "autograde", "re-check", "feedback", "reports"]
    assert out.index("] reports:") < out.index("\nstudent ") < out.index("\ngrades:")
