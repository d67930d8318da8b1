"""Does the README's main job, `nncourse demo`, run end to end and print the grade table?"""
from __future__ import annotations

import csv
import re
from pathlib import Path

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
    _assert_the_readme_shows_this_output(out, tmp_path / "demo")


def _normalised(text: str, folder: str) -> list[str]:
    """Output lines with what changes from run to run (seconds, the throwaway folder) written the same way."""
    text = re.sub(r"/tmp/nncourse-demo-[\w]+", "<dir>", text.replace(folder, "<dir>"))
    text = re.sub(r"\[ *\d+ s\]", "[t]", text)
    text = re.sub(r"graded (\d+) submissions in \d+ s", r"graded \1 submissions in t", text)
    text = re.sub(r"\(\d+ parallel jobs?,", "(n parallel jobs,", text)  # one per core by default
    return [line.rstrip() for line in text.strip().splitlines()]


def _assert_the_readme_shows_this_output(out: str, folder) -> None:
    """Is the README's demo output what the demo prints now (stages, table, to-do), up to times and folder?"""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    shown = readme.split("`nncourse demo` builds", 1)[1].split("```\n", 2)[1]
    assert _normalised(shown, "<never>") == _normalised(out, str(folder))
