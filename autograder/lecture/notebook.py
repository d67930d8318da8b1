"""The lecture copy of a chapter: its solution notebook as a lecturer shows it.

What reaches the projector, cell by cell:

- markdown: kept (prose and math), except cells tagged ``student-only``
  ("How this notebook works", "the next cell uses your ...") and the
  sections that address the student ("### Exercise 3 — ...", "### Written
  answer"): each becomes a one-line marker ("Exercise 3: students implement
  ``perceptron_predict`` here.") or disappears, as the lecturer chooses
  (``exercises="show"`` or ``"hide"``);
- test cells, written answers and tasks (nbgrader ``grade`` / ``task``) and
  raw cells: dropped;
- answer cells and code cells tagged ``student-only``: run, but silently
  (``%%capture``).  They define names that later cells use (the functions
  "your code powers this" widgets call; ``train`` in chapter 1, ``step`` in
  chapter 3), so dropping them would break the cells after them;
- every other code cell: runs as in the notebook, showing its widget, figure
  or printed result (Voilà shows outputs only, never code);
- one cell is added at the end: the hidden button that the lecture view's
  "Reset widgets" presses (:func:`nnlib.widgets._lecture.reset_button`).
"""
from __future__ import annotations

import html
import re

import nbformat
from nbformat.corpus.words import generate_corpus_id

STUDENT_ONLY = "student-only"  # cell tag, set once in the solution notebooks
EXERCISE_MODES = ("show", "hide")
DEFAULT_EXERCISES = "show"  # markers keep the lecture in step with the notebook the students hold
# Markdown sections that address the student: a heading starting with one of these words, down to the
# next heading of the same or a higher level.
EXERCISE_HEADINGS = ("exercise", "written answer")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
RESET_CELL = "from nnlib.widgets._lecture import reset_button\nreset_button()"


def _check_mode(exercises: str) -> str:
    if exercises not in EXERCISE_MODES:
        raise ValueError(f"exercises must be one of {', '.join(EXERCISE_MODES)}; got {exercises!r}")
    return exercises


def _inline(text: str) -> str:
    """Markdown ``code`` spans as HTML, everything else escaped (a marker is one HTML paragraph)."""
    parts = _CODE.split(text)  # even indexes: plain text, odd: inside backticks
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(parts))


def exercise_marker(heading: str, body: str = "") -> str:
    """The one-line stand-in for an exercise or written-answer section, as an HTML paragraph.

    ``"Exercise 3 — `perceptron_predict` (2 points)"`` gives "Exercise 3: students
    implement ``perceptron_predict`` here."; a written answer shows its question
    (the section's first bold sentence) when it has one.
    """
    title = re.sub(r"\s*\([^)]*\)\s*$", "", heading).strip()  # drop "(2 points, graded by hand)"
    number = re.match(r"(?i)exercise\s+(\d+)", title)
    names = _CODE.findall(title)
    if title.lower().startswith("written answer"):
        question = _BOLD.search(body)
        inner = "Written answer for students" + (f": <em>{_inline(' '.join(question.group(1).split()))}</em>"
                                                 if question else ".")
    elif number and names:
        inner = _inline(f"Exercise {number.group(1)}: students implement `{names[0]}` here.")
    else:
        inner = _inline(f"{title}: left to the students.")
    return f'<p class="nncourse-exercise">{inner}</p>'


def without_exercise_sections(markdown: str, exercises: str = "hide") -> str:
    """``markdown`` without its "### Exercise ..." / "### Written answer ..." sections.

    With ``exercises="show"`` each section is replaced, where it stood, by its
    one-line marker (:func:`exercise_marker`); with ``"hide"`` it is cut.
    """
    _check_mode(exercises)
    kept, cut = [], None  # cut: the section being cut, {"level", "title", "body"}, or None

    def close_section():
        if cut is not None and exercises == "show":
            # blank lines around the HTML block keep the markdown after it markdown
            kept.extend(["", exercise_marker(cut["title"], "\n".join(cut["body"])), ""])

    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2).strip()
            if cut is not None and level <= cut["level"]:
                close_section()
                cut = None
            if cut is None and title.lower().startswith(EXERCISE_HEADINGS):
                cut = {"level": level, "title": title, "body": []}
                continue
        (kept if cut is None else cut["body"]).append(line)
    close_section()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_answer_cell(cell) -> bool:
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and bool(meta.get("solution")) and not meta.get("grade")


def is_student_only(cell) -> bool:
    """Is the cell tagged ``student-only`` (it talks to someone working through the exercises)?"""
    return STUDENT_ONLY in cell.get("metadata", {}).get("tags", [])


def _silenced(source: str) -> str:
    return "%%capture\n" + source  # runs, defines its names, shows nothing


def lecture_notebook(nb: nbformat.NotebookNode, exercises: str = DEFAULT_EXERCISES,
                     reset_button: bool = True) -> nbformat.NotebookNode:
    """The lecture copy of a solution notebook: prose, figures and widgets; exercises as markers or gone.

    Parameters
    ----------
    nb : NotebookNode
        A chapter's solution notebook (nbgrader source, every answer filled in).
    exercises : {"show", "hide"}
        ``"show"``: each exercise or written-answer section becomes a one-line
        marker; ``"hide"``: they disappear.
    reset_button : bool
        Add the cell whose hidden button resets every widget (the lecture
        view's "Reset widgets").

    Returns
    -------
    NotebookNode
        A new notebook (the source is left alone): see the module docstring
        for what happens to each kind of cell; outputs cleared.
    """
    _check_mode(exercises)
    lecture = nbformat.v4.new_notebook(metadata=nb.metadata)
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "raw" or meta.get("grade") or meta.get("task"):
            continue  # test cells, written answers (markdown with grade), manually graded tasks
        if cell.cell_type == "markdown" and is_student_only(cell):
            continue
        cell = nbformat.from_dict(cell)  # a copy: the source notebook is left alone
        cell.setdefault("id", generate_corpus_id())
        if cell.cell_type == "markdown":
            cell.source = without_exercise_sections(cell.source, exercises)
            if not cell.source:
                continue  # the cell was an exercise statement and nothing else
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if _is_answer_cell(cell) or is_student_only(cell):
                cell.source = _silenced(cell.source)
        lecture.cells.append(cell)
    if reset_button:
        lecture.cells.append(nbformat.v4.new_code_cell(RESET_CELL, id=generate_corpus_id(),
                                                       metadata={"nncourse": "reset-button"}))
    return lecture
