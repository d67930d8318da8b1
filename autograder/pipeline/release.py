"""``nncourse release``: regenerate the student notebooks in ``course/`` from ``solutions/``.

nbgrader's ``generate_assignment`` does the work (solution regions become
``# YOUR CODE HERE``, hidden checks are removed, outputs cleared, checksums
recorded).  Before it runs, each source notebook is linted for the mistakes
nbgrader does not catch: stored outputs, a test cell whose ``points=`` in the
hidden call disagrees with its metadata or that lacks the ``raises-exception``
tag (so Run All goes past a failing check), grade ids outside the chapter.
The one test cell without hidden checks is a chapter's ``<chapter>-capstone``
cell holding exactly ``capstone_preview(build_model, train)``.
``--check`` regenerates into a temporary folder and reports any difference
with the committed ``course/`` (CI uses it).
"""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import nbformat

from autograder.pipeline.course import Course, CourseError, nbgrader

_POINTS_IN_CALL = re.compile(r"hidden\s*=\s*True\s*,\s*points\s*=\s*([0-9.]+)")
# Chapter 08's capstone test cell: no hidden checks, because its score is the held-out accuracy the grader
# measures after nbgrader (docs/capstone.md); in the notebook it is a preview and a contract check.
CAPSTONE_TEST = "capstone_preview(build_model, train)"


def lint_source(course: Course, chapter: str) -> list[str]:
    """Problems in a source notebook that would make a wrong release (empty list = fine)."""
    path = course.source_notebook(chapter)
    nb = nbformat.read(path, as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        where = f"{path.name} cell {index}"
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and cell.get("outputs"):
            problems.append(f"{where}: has stored outputs (clear them before committing)")
        grade_id = meta.get("grade_id")
        if grade_id and not grade_id.startswith(chapter + "-"):
            problems.append(f"{where}: grade_id {grade_id!r} should start with {chapter + '-'!r} (nbgrader allows only letters, digits, _ and -)")
        if meta.get("grade") and cell.cell_type == "code":
            if "raises-exception" not in cell.metadata.get("tags", []):
                # Without the tag JupyterLab's Run All stops at the first failing test cell of a
                # fresh notebook, and the student never sees the widgets below it.
                problems.append(f"{where}: test cell {grade_id!r} needs the 'raises-exception' tag")
            match = _POINTS_IN_CALL.search(cell.source)
            if cell.source.strip() == CAPSTONE_TEST and grade_id == f"{chapter}-capstone":
                continue  # scored by the grader's capstone step, not by hidden checks
            if match is None:
                problems.append(f"{where}: test cell {grade_id!r} has no `check(..., hidden=True, points=N)` call")
            elif float(match.group(1)) != float(meta.get("points", -1)):
                problems.append(f"{where}: test cell {grade_id!r} passes points={match.group(1)} "
                                f"but its metadata says {meta.get('points')}")
    return problems


def generate(course: Course, chapter: str, release_dir: Path | None = None, db_url: str | None = None) -> Path:
    """Run nbgrader generate_assignment for ``chapter``; returns the released notebook's path."""
    problems = lint_source(course, chapter)
    if problems:
        raise CourseError("cannot release " + chapter + ":\n  " + "\n  ".join(problems))
    args = ["generate_assignment", chapter, "--force"]
    if release_dir is not None:
        args.append(f"--CourseDirectory.release_directory={release_dir}")
    if db_url is not None:
        args.append(f"--CourseDirectory.db_url={db_url}")
    nbgrader(course, *args)
    target = (release_dir or course.release) / chapter / f"{chapter}.ipynb"
    _strip_outputs(target)
    return target


def _strip_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, path)


def release(course: Course, chapters: list[str] | None = None) -> list[Path]:
    """Regenerate ``course/<chapter>/`` for the given chapters (default: all)."""
    chapters = chapters or course.chapters()
    return [generate(course, chapter) for chapter in chapters]


def out_of_date(course: Course, chapters: list[str] | None = None) -> list[str]:
    """Chapters whose committed ``course/`` notebook differs from a fresh release."""
    stale = []
    with tempfile.TemporaryDirectory(prefix="nncourse-release-") as tmp:
        tmp = Path(tmp)
        for chapter in chapters or course.chapters():
            fresh = generate(course, chapter, release_dir=tmp / "course", db_url=f"sqlite:///{tmp / 'gradebook.db'}")
            committed = course.released_notebook(chapter)
            if not committed.exists() or _canonical(fresh) != _canonical(committed):
                stale.append(chapter)
    return stale


def _canonical(path: Path) -> str:
    return json.dumps(json.loads(path.read_text(encoding="utf-8")), sort_keys=True)
