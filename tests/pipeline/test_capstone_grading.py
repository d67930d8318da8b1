"""Is chapter 08's capstone graded by the real pipeline as docs/capstone.md says?

ONE grading run of the real chapter 08_tuning (real nbgrader, bubblewrap sandbox) of the capstone samples
(autograder/pipeline/samples.py) plus a submission whose ``train`` opens the
bundled digits file itself:

- ``capstone_full`` (the reference) earns 10 points, ``capstone_partial``
  (two epochs of plain SGD) strictly between 0 and 10, ``capstone_zero``
  (never trained) 0, ``capstone_peeker`` (calls ``load_digits()``) and
  ``capstone_opener`` (opens ``nnlib/data_files/digits.csv.gz``) 0 and
  flagged with a reason that names what they did;
- each score is the held-out accuracy's, recomputed here from the same split;
- the CSV has a "capstone accuracy" column; the feedback page shows the
  held-out accuracy and the confusion matrix, and no image.
"""
from __future__ import annotations

import csv
import re

import nbformat
import numpy as np
import pytest

from autograder.checking import capstone as contract
from autograder.pipeline.course import SECRET_ENV, copy_course
from autograder.pipeline.grade import grade
from autograder.pipeline.report import write_reports, written_answers
from autograder.pipeline.samples import CAPSTONES, answer_sources, fill, write_samples
from autograder.sandbox import isolation_available

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not isolation_available(), reason="bubblewrap is not installed")]

CH = "08_tuning"
SECRET = "5eed08c0ffee"  # a fixed course secret: the same split on every run of the test
GRADE_ID = f"{CH}-capstone"

OPENER = CAPSTONES["capstone_zero"].replace("    return model", """\
    import gzip, os, nnlib
    path = os.path.join(os.path.dirname(nnlib.__file__), "data_files", "digits.csv.gz")
    with gzip.open(path, "rt") as f:  # every digit, the grader's held-out ones among them
        f.read()
    return model""")


@pytest.fixture(scope="module")
def graded(tmp_path_factory, repo_course):
    tmp = tmp_path_factory.mktemp("capstone")
    course = copy_course(repo_course, tmp / "course")  # course/08_tuning is released and in sync (CI checks)
    (course.grading).mkdir(parents=True, exist_ok=True)
    (course.grading / "case_secret").write_text(SECRET + "\n")
    samples = write_samples(course, CH, tmp / "samples")
    subs = tmp / "subs"
    for student in CAPSTONES.keys() | {"capstone_full"}:
        (subs / student).mkdir(parents=True)
        (subs / student / f"{CH}.ipynb").write_bytes(samples[student].read_bytes())
    released = nbformat.read(course.released_notebook(CH), as_version=4)
    opener = fill(released, {**answer_sources(course, CH), f"{CH}-capstone_model": OPENER})
    (subs / "capstone_opener").mkdir()
    nbformat.write(opener, subs / "capstone_opener" / f"{CH}.ipynb")
    results = {r.student: r for r in grade(course, subs, CH, jobs=2, progress=False)}
    reports = write_reports(course.grading, CH, list(results.values()), str(subs),
                            written_answers(course.source_notebook(CH)))
    return course, results, reports


def _capstone_score(result):
    return result.exercises[GRADE_ID][0]


def _held_out(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return contract.training_split()


def test_the_reference_earns_full_marks_measured_on_the_held_out_split(graded, monkeypatch):
    _course, results, _ = graded
    full = results["capstone_full"]
    assert full.status == "graded"
    assert _capstone_score(full) == 10.0
    assert full.capstone["accuracy"] >= 0.95 and full.capstone["seconds"] < 60
    # The same network trained here scores the same on the same held-out rows.
    X_train, X_held, y_train, y_held = _held_out(monkeypatch)
    ns = {}
    exec(CAPSTONES["capstone_partial"].split("def train")[0], ns)  # noqa: S102 - the imports
    source = nbformat.read(graded[0].source_notebook(CH), as_version=4)
    answer = next(c.source for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                  == f"{CH}-capstone_model")
    exec(answer, ns)  # noqa: S102 - the solution's capstone answer
    run = contract.train_capstone(ns["build_model"], ns["train"], X_train, y_train)
    assert contract.evaluate(run.model, X_held, y_held)["accuracy"] == pytest.approx(full.capstone["accuracy"],
                                                                                      abs=1e-12)


def test_partial_and_zero_earn_what_their_accuracy_earns(graded):
    _course, results, _ = graded
    partial, zero = results["capstone_partial"], results["capstone_zero"]
    assert (partial.status, zero.status) == ("graded", "graded")
    assert 0.80 < partial.capstone["accuracy"] < 0.95
    assert 0 < _capstone_score(partial) < 10
    assert _capstone_score(partial) == contract.points(partial.capstone["accuracy"])
    assert zero.capstone["accuracy"] < 0.3 and _capstone_score(zero) == 0


def test_reading_the_digits_is_flagged_with_zero_points_and_the_reason(graded):
    _course, results, _ = graded
    peeker, opener = results["capstone_peeker"], results["capstone_opener"]
    assert peeker.status.startswith("flagged: capstone: train called nnlib.data.load_digits; "
                                    "the capstone trains only on the X, y it is given")
    assert opener.status.startswith("flagged: capstone: build_model/train opened ")
    assert opener.status.endswith("nnlib/data_files/digits.csv.gz; the capstone trains only on the X, y it is given")
    assert _capstone_score(peeker) == _capstone_score(opener) == 0
    assert peeker.capstone["accuracy"] is None


def test_the_csv_has_the_capstone_accuracy(graded):
    _course, results, reports = graded
    with open(reports["paths"]["csv"], newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert float(rows["capstone_full"]["capstone accuracy"]) == pytest.approx(
        results["capstone_full"].capstone["accuracy"], abs=1e-4)
    assert rows["capstone_peeker"]["capstone accuracy"] == ""
    assert rows["capstone_full"]["capstone"] == "10" and rows["capstone_zero"]["capstone"] == "0"


def test_the_feedback_shows_accuracy_and_confusion_matrix_but_no_image(graded):
    course, results, _ = graded
    page = (course.grading / "feedback" / "capstone_full" / CH / f"{CH}.html").read_text(encoding="utf-8")
    accuracy = results["capstone_full"].capstone["accuracy"]
    assert f"held-out accuracy: {accuracy:.1%}" in page
    assert "confusion matrix of the held-out digits" in page and "precision (%)" in page
    assert "10 of 10 points" in page
    assert "<img" not in page and "image/png" not in page
    rows = re.findall(r"^\s+(\d) ((?:\s+\d+){10})\s+[\d.]+%$", page, re.MULTILINE)
    M = np.array([r[1].split() for r in rows], dtype=int)
    assert M.shape == (10, 10) and M.sum() == 449 and np.trace(M) == round(accuracy * 449)
    peeker = (course.grading / "feedback" / "capstone_peeker" / CH / f"{CH}.html").read_text(encoding="utf-8")
    assert "train called nnlib.data.load_digits" in peeker and "0 of 10 points" in peeker
