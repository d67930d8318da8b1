"""Does the README's main job, `nncourse demo`, run end to end and print the grade table?"""
from __future__ import annotations

import csv
import re

import pytest

from autograder.cli import main as nncourse

pytestmark = pytest.mark.slow


def test_demo_grades_the_bundled_samples(tmp_path, capsys):
    """Does the demo grade all six samples with the expected outcome each, and write its reports?"""
    assert nncourse(["demo", "--dir", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    stages = [line.split("] ", 1)[1].split(":")[0] for line in out.splitlines() if re.match(r"\[ *\d+ s\] ", line)]
    assert stages == ["release", "samples", "grade", "autograde", "re-check", "feedback", "reports"]
    reports = tmp_path / "demo" / "grading" / "reports" / "01_perceptron"
    with open(reports / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert {s: (rows[s]["status"].split(":")[0], float(rows[s]["score"])) for s in rows} == {
        "full": ("graded", 9.0), "partial": ("graded", 2.0), "stub": ("graded", 0.0),
        "broken": ("failed", 0.0), "hostile": ("failed", 0.0), "tamperer": ("flagged", 0.0)}
    assert (reports / "summary.html").exists() and (reports / "histogram.png").exists()
    assert re.search(r"^full +9 / 9 +to grade +graded$", out, re.MULTILINE)  # written answer awaits a human
