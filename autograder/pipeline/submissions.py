"""Taking in a class's submissions: folders or LMS zip exports -> nbgrader's submitted area.

Accepted layouts of the SUBMISSIONS folder (mixable):

* ``<student>/<anything>.ipynb`` — one folder per student;
* ``<student>.ipynb`` — one loose notebook per student;
* ``<student>.zip`` — one archive per student holding the notebook anywhere inside;
* ``<class>.zip`` — one archive holding ``<student>/<notebook>.ipynb`` folders.

SUBMISSIONS may also be nbgrader's own submitted area after ``nbgrader collect``
(``grading/submitted``, on a JupyterHub: ``<student>/<chapter>/<chapter>.ipynb``
beside the exchange's ``timestamp.txt``): only each student's folder of the
chapter being graded is read (:func:`from_submitted_area`), and the exchange's
files travel with the notebook (:data:`EXCHANGE_FILES`), so nbgrader knows
when it was submitted (late or not) and ``nbgrader release_feedback`` finds
the feedback's owner.

SUBMISSIONS may also be the LMS's export zip itself (``nncourse grade
class.zip``): its contents are then read as the SUBMISSIONS folder, with any
of the layouts above (folders, loose notebooks, per-student zips), after
stepping into a single wrapping folder (``class/<student>/...``) if the
export has one.

Archives are unpacked into a scratch folder, never beside the originals:
members with absolute paths or ``..`` are skipped ("zip slip"), and so are
members larger than their limit (a notebook: ``MAX_NOTEBOOK_BYTES``; a
per-student zip inside the export: ``MAX_ARCHIVE_BYTES``).

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
import zlib
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024  # one student's zip inside a class export
_UNSAFE = re.compile(r"[^A-Za-z0-9_.@-]+")
_SKIPPED = "nncourse: not unpacked"
# Written by `nbgrader submit` beside the notebook and kept by `nbgrader collect`: when it was submitted,
# and the secret that names its feedback file in the exchange.
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")  # key of the stand-in file for an archive member over its size limit


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
    """One :class:`Intake` per student found in ``submissions`` (zips unpacked into ``scratch``).

    ``submissions`` is a folder, or an LMS export zip read as one.
    """
    submissions = Path(submissions)
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        submissions = _unpack_export(submissions, scratch)
    elif not submissions.is_dir():
        what = "a file that is not a zip archive" if submissions.exists() else "nothing (no such file or folder)"
        raise FileNotFoundError(f"SUBMISSIONS must be a folder of student submissions or an LMS export .zip; "
                                f"{submissions} is {what}")
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


def from_submitted_area(submissions: Path, submitted_root: Path, chapter: str, scratch: Path) -> Path:
    """``submissions`` itself, or, when it is nbgrader's submitted area, a copy of its ``<student>/<chapter>``.

    Grading rewrites ``submitted/<student>/<chapter>``, so reading from it in
    place would delete what is being read; and a student's folders of other
    chapters must not be taken for this one's.
    """
    try:
        Path(submissions).resolve().relative_to(Path(submitted_root).resolve())
    except ValueError:
        return Path(submissions)
    copy = Path(tempfile.mkdtemp(prefix="collected-", dir=scratch))
    for folder in sorted(Path(submitted_root).glob(f"*/{chapter}")):
        if folder.is_dir() and not folder.is_symlink():
            shutil.copytree(folder, copy / folder.parent.name / chapter, symlinks=True)
    return copy


def _unpack_export(archive: Path, scratch: Path) -> Path:
    """Unpack an LMS export zip (its notebooks and per-student zips) and return the folder to read.

    A single folder wrapping the whole export (``Assignment 1/<student>/...``)
    is stepped into; a folder that holds a notebook itself is a student's, and
    is never stepped into.
    """
    target = Path(tempfile.mkdtemp(prefix="export-", dir=scratch))
    with zipfile.ZipFile(archive) as zf:
        for member in zf.infolist():
            limit = {".ipynb": MAX_NOTEBOOK_BYTES, ".zip": MAX_ARCHIVE_BYTES}.get(Path(member.filename).suffix)
            if limit is not None:
                _extract(zf, member, target, limit)
    root = target
    while True:
        entries = [e for e in root.iterdir() if not e.name.startswith(".")]
        if len(entries) != 1 or not entries[0].is_dir() or any(entries[0].glob("*.ipynb")):
            return root
        root = entries[0]


def _extract(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, limit: int) -> Path | None:
    """Write one member under ``target``; None when it is unsafe (zip slip) or larger than ``limit``.

    A member over its limit is not unpacked; a small stand-in notebook file
    takes its place so that its student is listed with the reason.
    """
    name = Path(member.filename)
    # Never write outside the scratch folder ("zip slip"), never unpack huge members.
    if member.is_dir() or name.is_absolute() or ".." in name.parts:
        return None
    if member.file_size > limit:
        stand_in = (target / name).with_suffix(".ipynb")
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        reason = f"file too large ({name.name}: {member.file_size / 1e6:.0f} MB; the limit is {limit / 1e6:.0f} MB)"
        stand_in.write_text(json.dumps({_SKIPPED: reason}), encoding="utf-8")
        return None
    try:
        data = zf.read(member)  # zipfile never inflates past the declared size, and checks the CRC
    except (zipfile.BadZipFile, zlib.error):
        return None  # one damaged member: its student is reported as having no notebook
    out = target / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _unzip(archive: Path, scratch: Path) -> dict[str, list[Path]]:
    target = Path(tempfile.mkdtemp(prefix=archive.stem + "-", dir=scratch))
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                if Path(member.filename).suffix == ".ipynb":
                    _extract(zf, member, target, MAX_NOTEBOOK_BYTES)
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
    if isinstance(raw, dict) and isinstance(raw.get(_SKIPPED), str):
        return raw[_SKIPPED]  # a stand-in for an archive member too large to unpack
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
        for name in EXCHANGE_FILES:  # a submission that came through nbgrader's exchange
            extra = intake.source.parent / name
            if extra.is_file() and not extra.is_symlink() and extra.stat().st_size < 4096:
                shutil.copyfile(extra, folder / name)


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
