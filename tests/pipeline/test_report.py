"""Do the chapter reports add up the way an instructor reads them, and survive being graded again?

Built from real :class:`StudentResult` objects (what `grade()` returns), so
these run in milliseconds; the same reports written by real nbgrader
gradings are tested in test_cli_flow.py.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder.pipeline import record
from autograder.pipeline.course import CourseError
from autograder.pipeline.grade import StudentResult
from autograder.pipeline.report import table, to_do, write_reports, write_summary

CH = "01_perceptron"
WRITTEN = {f"{CH}-why_xor"}
POINTS = {"step_test": 1, "mp_neuron_test": 1, "perceptron_predict_test": 2, "perceptron_update_test": 2,
          "train_perceptron_test": 3}


def _result(student, status="graded", auto=None, written=None):
    """A result as grade() builds it: ``auto`` maps exercise -> score; ``written``: None pending, else a score."""
    r = StudentResult(student, status, isolation="bubblewrap")
    if status.startswith("failed"):
        r.max_score = 11.0
        return r
    auto = auto or {}
    for name, mx in POINTS.items():
        r.exercises[f"{CH}-{name}"] = (float(auto.get(name, 0.0)), float(mx), False)
    r.exercises[f"{CH}-why_xor"] = (0.0 if written is None else float(written), 2.0, written is None)
    r.score = sum(s for s, _mx, _m in r.exercises.values())
    r.max_score = 11.0
    return r


FULL = {name: mx for name, mx in POINTS.items()}


@pytest.fixture
def results():
    return [
        _result("ada", auto=FULL),  # everything right, written answer awaiting the instructor
        _result("bob", auto={"step_test": 1, "mp_neuron_test": 1}, written=0),  # blank written answer
        _result("cy", "failed: empty file (0 bytes)"),
        _result("dee", "flagged: the notebook claimed 9 point(s) that the re-check gives as 0"),
        _result("eve", "review: the re-check ended without a result", auto=FULL),
    ]


def test_summary_keeps_autograded_and_written_points_apart(results, tmp_path):
    """Is the mean over the 9 autograded points, with the written answers' 2 points counted apart?"""
    md = write_summary(results, CH, tmp_path, written=WRITTEN)["markdown"].read_text()
    # ada 9, bob 2, cy 0, dee 0; eve awaits review and is not counted
    assert "Autograded: mean 2.75 / 9 points over 4 submissions" in md
    assert "/ 11" not in md
    assert "Written answers (2 points, graded by hand): 3 submissions await your grading" in md  # ada, dee, eve
    assert "1 scored, mean 0.00 / 2" in md  # bob's blank answer
    assert "| why_xor | 2 | manual |" in md


def test_submissions_awaiting_review_get_their_own_section_and_command(results, tmp_path):
    """Does a `review:` submission appear under "Awaiting your review" with its --accept command?"""
    paths = write_summary(results, CH, tmp_path, written=WRITTEN, sources={"eve": "/courses/late.zip"})
    md, page = paths["markdown"].read_text(), paths["html"].read_text()
    review = md.split("## Awaiting your review")[1].split("##")[0]
    assert "eve: review: the re-check ended without a result" in review
    assert "`nncourse grade /courses/late.zip --chapter 01_perceptron --accept eve`" in review
    assert "dee" not in review and "dee: flagged" in md.split("## Flagged for review")[1]
    assert "<h2>Awaiting your review</h2>" in page
    assert "<code>nncourse grade /courses/late.zip --chapter 01_perceptron --accept eve</code>" in page
    assert "1 awaiting your review" in md


def test_terminal_table_and_to_do(results):
    """Does the terminal show autograded and written points in their own columns, and what is left to do?"""
    lines = table(results, WRITTEN).splitlines()
    assert lines[0].split() == ["student", "autograded", "written", "status"]
    ada = next(line for line in lines if line.startswith("ada"))
    bob = next(line for line in lines if line.startswith("bob"))
    assert "9 / 9" in ada and "to grade" in ada
    assert "2 / 9" in bob and "0 / 2" in bob
    todo = "\n".join(to_do(results, CH, {"eve": "subs"}, WRITTEN))
    assert "written answers to grade by hand (3): ada, dee, eve" in todo
    assert "nncourse grade subs --chapter 01_perceptron --accept eve" in todo


def test_record_round_trip_and_newest_grading_wins(results, tmp_path):
    """Does merging a second grading replace only its students, keep the rest, and read back intact?"""
    results[0].feedback = tmp_path / "ada.html"
    record.merge(tmp_path, results, "2026-11-01T09:00:00+01:00", "/subs/A")
    again = _result("bob", auto=FULL, written=2)
    merged = record.merge(tmp_path, [again, _result("fay")], "2026-11-03T10:00:00+01:00", "/subs/B")
    assert list(merged) == ["ada", "bob", "cy", "dee", "eve", "fay"]
    assert merged["bob"].result == again and merged["bob"].graded_at == "2026-11-03T10:00:00+01:00"
    assert merged["ada"].graded_at == "2026-11-01T09:00:00+01:00" and merged["ada"].submissions == "/subs/A"
    loaded = record.load(tmp_path)
    assert loaded["ada"].result == results[0]  # tuples, paths and all
    assert loaded["bob"].submissions == "/subs/B"


def test_write_reports_merges_into_csv(results, tmp_path):
    """Does write_reports give a CSV of everyone graded so far, each row with its graded_at?"""
    write_reports(tmp_path, CH, results[:2], "/subs/A", WRITTEN, graded_at="2026-11-01T09:00:00+01:00")
    out = write_reports(tmp_path, CH, [_result("bob", auto=FULL)], "/subs/B", WRITTEN,
                        graded_at="2026-11-02T09:00:00+01:00")
    with open(out["paths"]["csv"], newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"ada", "bob"}
    assert (rows["bob"]["autograded"], rows["bob"]["graded_at"]) == ("9", "2026-11-02T09:00:00+01:00")
    assert (rows["ada"]["autograded"], rows["ada"]["graded_at"]) == ("9", "2026-11-01T09:00:00+01:00")
    assert rows["ada"]["autograded_max"] == "9" and rows["ada"]["pending_manual"] == "2"
    assert Path(out["paths"]["record"]).name == "results.json"


def test_a_damaged_record_is_a_clear_error(tmp_path):
    """Does a record that is not ours stop with a message naming the file and what was expected?"""
    (tmp_path / record.FILE_NAME).write_text("[1, 2]")
    with pytest.raises(CourseError, match=r"results\.json is not an nncourse grading record \(expected JSON"):
        record.load(tmp_path)


def test_terminal_lines_stay_readable_for_a_big_class():
    """Are long statuses cut in the terminal (not the CSV) and long name lists ended with an ellipsis?"""
    class_ = [_result(f"s{i:02d}", auto=FULL) for i in range(12)]
    class_.append(_result("tam", "flagged: " + "a cell of the notebook rebinds `check`; " * 10))
    todo = to_do(class_, CH, {}, WRITTEN)[0]
    assert "(13): s00, s01, s02, s03, s04, s05, s06, s07, …" in todo
    tam = next(line for line in table(class_, WRITTEN).splitlines() if line.startswith("tam"))
    assert tam.endswith("…") and len(tam) < 160


def test_do_the_reports_state_what_was_found_without_calling_anyone_a_tamperer(results, tmp_path):
    """Does the flagged section say what the re-check found, in neutral words, and never "tampered"?"""
    out = write_reports(tmp_path, CH, results, "/subs/A", WRITTEN, graded_at="2026-11-01T09:00:00+01:00")
    texts = [Path(p).read_text(encoding="utf-8") for key, p in out["paths"].items() if key != "histogram"]
    texts.append(table(results, WRITTEN) + "\n".join(to_do(results, CH, {}, WRITTEN)))
    assert not any("tamper" in text.lower() for text in texts)
    md = next(t for t in texts if t.startswith(f"# {CH}: class summary"))
    flagged = md.split("## Flagged for review")[1]
    assert "evidence" in flagged and "edited or deleted test cell" in flagged
    assert "dee: flagged: the notebook claimed 9 point(s) that the re-check gives as 0" in flagged
