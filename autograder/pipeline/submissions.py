"""Taking in a class's submissions: folders or LMS zip exports -> nbgrader's submitted area.

Accepted layouts of the SUBMISSIONS folder (mixable):

* ``<student>/<anything>.ipynb`` — one folder per student;
* ``<student>.ipynb`` — one loose notebook per student;
* ``<student>.zip`` — one archive per student holding the notebook anywhere inside;
* ``<class>.zip`` — one archive holding ``<student>/<notebook>.ipynb`` folders.

Every submission is checked *before* nbgrader sees it, so one broken file
costs only its owner: an empty or non-JSON file, a file that is not a
notebook, a missing or ambiguous notebook is recorded with its reason and
graded 0; the rest of the class goes on.  Submissions are copied, never
modified in place.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9_.@-]+")


@dataclass
class Intake:
    """What happened to one student's submission on the way in."""

    student: str
    source: Path | None
    ok: bool
    reason: str = ""  # why it cannot be graded (ok is False)
    note: str = ""  # something the instructor should know (ok is True)


def student_id(raw: str) -> str:
    """A student id safe for folder names and nbgrader (letters, digits, ``_.@-``)."""
    cleaned = _UNSAFE.sub("_", raw.strip()).strip("_.")
    return cleaned or "unnamed"


def collect(submissions: Path, chapter: str, scratch: Path) -> list[Intake]:
    """One :class:`Intake` per student found in ``submissions`` (zips unpacked into ``scratch``)."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise FileNotFoundError(f"SUBMISSIONS must be a folder of student submissions, got {submissions}")
    candidates: dict[str, list[Path]] = {}
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            candidates.setdefault(student_id(entry.name), []).extend(_notebooks_in(entry))
        elif entry.suffix == ".ipynb":
            candidates.setdefault(student_id(entry.stem), []).append(entry)
        elif entry.suffix == ".zip":
            for student, files in _unzip(entry, scratch).items():
                candidates.setdefault(student, []).extend(files)
    return [_choose(student, files, chapter) for student, files in sorted(candidates.items())]


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _unzip(archive: Path, scratch: Path) -> dict[str, list[Path]]:
    target = Path(tempfile.mkdtemp(prefix=archive.stem + "-", dir=scratch))
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                name = Path(member.filename)
                # Never write outside the scratch folder ("zip slip"), never unpack huge members.
                if member.is_dir() or name.is_absolute() or ".." in name.parts or name.suffix != ".ipynb":
                    continue
                if member.file_size > MAX_NOTEBOOK_BYTES:
                    continue
                out = target / name
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(zf.read(member))
    except zipfile.BadZipFile:
        return {student_id(archive.stem): [archive]}  # reported as "not a notebook" below
    tops = {p.relative_to(target).parts[0] for p in target.rglob("*.ipynb")}
    nested = [t for t in tops if (target / t).is_dir()]
    if len(nested) > 1 or (nested and not (set(tops) - set(nested)) and len(tops) > 1):
        return {student_id(t): _notebooks_in(target / t) for t in sorted(nested)}
    return {student_id(archive.stem): _notebooks_in(target)}


def _choose(student: str, files: list[Path], chapter: str) -> Intake:
    expected = f"{chapter}.ipynb"
    if not files:
        return Intake(student, None, False, f"no notebook found (expected {expected})")
    exact = [f for f in files if f.name == expected]
    if len(exact) == 1:
        chosen, note = exact[0], ""
    elif len(files) == 1:
        chosen, note = files[0], f"notebook was named {files[0].name!r}; graded as {expected}"
    else:
        names = ", ".join(sorted(f.name for f in files))
        return Intake(student, None, False, f"several notebooks ({names}) and none named {expected}")
    problem = validate_notebook(chosen)
    if problem:
        return Intake(student, chosen, False, problem)
    return Intake(student, chosen, True, note=note)


def validate_notebook(path: Path) -> str:
    """Why ``path`` is not a gradable notebook, or ``""`` when it is."""
    size = path.stat().st_size
    if size == 0:
        return "empty file (0 bytes)"
    if size > MAX_NOTEBOOK_BYTES:
        return f"file too large ({size / 1e6:.0f} MB; the limit is {MAX_NOTEBOOK_BYTES / 1e6:.0f} MB)"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return "not a notebook: the file is not UTF-8 text"
    except json.JSONDecodeError as exc:
        return f"not a valid notebook: broken JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})"
    if not isinstance(raw, dict) or "cells" not in raw:
        return "not a notebook: the JSON has no 'cells'"
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types for malformed structure
        return f"not a valid notebook: {str(exc).splitlines()[0][:200]}"
    return ""


def place(intakes: list[Intake], chapter: str, submitted_root: Path) -> None:
    """Copy each gradable submission to ``submitted/<student>/<chapter>/<chapter>.ipynb``.

    The copy (never the original) has duplicated grade cells neutralised: a
    cell pasted twice keeps its nbgrader metadata only on its last copy, the
    one nbgrader's own ``DeduplicateIds`` would keep.  (nbgrader 0.9.6 empties
    the metadata of the others and then fails on them in ``OverwriteCells``.)
    """
    for intake in intakes:
        folder = submitted_root / intake.student / chapter
        if folder.exists():
            shutil.rmtree(folder)  # re-running replaces the previous copy: idempotent
        if not intake.ok:
            continue
        folder.mkdir(parents=True)
        nb = nbformat.read(intake.source, as_version=4)
        if drop_duplicate_grade_ids(nb):
            intake.note = "; ".join(filter(None, [intake.note, "duplicated graded cells were counted once"]))
        nbformat.write(nb, folder / f"{chapter}.ipynb")


def drop_duplicate_grade_ids(nb: nbformat.NotebookNode) -> int:
    """Strip nbgrader metadata from all but the last cell of each grade id; returns how many."""
    seen: set[str] = set()
    dropped = 0
    for cell in reversed(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None:
            continue
        if grade_id in seen:
            del cell.metadata["nbgrader"]
            dropped += 1
        seen.add(grade_id)
    return dropped
