"""A chapter's grading record: every student's latest result, kept across gradings.

An instructor grades a chapter more than once: the class on Monday, late
submissions on Wednesday, one student's re-submission on Friday, each from
its own folder.  The reports of a chapter must show the whole class, so each
grading is *merged* into ``grading/reports/<chapter>/results.json``: a
student graded again replaces their earlier entry (the newest grading wins),
everyone else is kept.  The CSV, the summary and the histogram are written
from this record, never from one grading alone.

The record is JSON (one object per student: the fields of
:class:`~autograder.pipeline.grade.StudentResult`, plus ``graded_at``, an
ISO 8601 timestamp, and ``submissions``, the folder or zip it was graded
from), so other tools can read it without parsing the CSV.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.pipeline.course import CourseError
from autograder.pipeline.grade import StudentResult

FILE_NAME = "results.json"
VERSION = 1


@dataclass
class Entry:
    """One student's latest grading: the result, when it was graded and from which submissions."""

    result: StudentResult
    graded_at: str  # ISO 8601 with the local UTC offset, e.g. 2026-11-03T14:02:11+01:00
    submissions: str = ""  # the SUBMISSIONS folder or zip, as given to `nncourse grade`


def now() -> str:
    """The current local time as an ISO 8601 timestamp (seconds, with UTC offset)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def load(folder: Path) -> dict[str, Entry]:
    """The record kept in ``folder`` (student -> entry); empty when there is none yet."""
    path = Path(folder) / FILE_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        students = data["students"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CourseError(f"{path} is not an nncourse grading record (expected JSON with 'students'; "
                          f"move it away to start a new record): {exc}") from exc
    return {name: _entry(item) for name, item in students.items()}


def merge(folder: Path, results: list[StudentResult], graded_at: str | None = None,
          submissions: str = "") -> dict[str, Entry]:
    """Add one grading's ``results`` to the record in ``folder`` and save it; returns the merged record.

    A student in ``results`` replaces their earlier entry: the grading being
    merged is the newest one.  The file is replaced atomically, so an
    interrupted write never leaves half a record.
    """
    folder = Path(folder)
    record = load(folder)
    stamp = graded_at or now()
    for r in results:
        record[r.student] = Entry(r, stamp, str(submissions))
    folder.mkdir(parents=True, exist_ok=True)
    data = {"version": VERSION,
            "students": {name: _plain(record[name]) for name in sorted(record)}}
    tmp = folder / (FILE_NAME + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, folder / FILE_NAME)
    return dict(sorted(record.items()))


def _plain(entry: Entry) -> dict:
    item = dataclasses.asdict(entry.result)
    item["feedback"] = str(entry.result.feedback) if entry.result.feedback else None
    return {**item, "graded_at": entry.graded_at, "submissions": entry.submissions}


def _entry(item: dict) -> Entry:
    """An entry back from JSON; fields StudentResult does not (or no longer) have are ignored."""
    known = {f.name for f in dataclasses.fields(StudentResult)}
    kwargs = {k: v for k, v in item.items() if k in known}
    # JSON has no tuples or paths: exercises are (score, max_score, needs manual grading) triples.
    kwargs["exercises"] = {k: tuple(v) for k, v in kwargs.get("exercises", {}).items()}
    kwargs["feedback"] = Path(kwargs["feedback"]) if kwargs.get("feedback") else None
    return Entry(StudentResult(**kwargs), item.get("graded_at", ""), item.get("submissions", ""))
