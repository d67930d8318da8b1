"""Sample submissions for a chapter, built from its notebooks (used by ``nncourse demo`` and tests).

Built rather than stored, so they always match the current chapter:

* ``full``    — the released notebook with every answer cell taken from the solutions;
* ``stub``    — the released notebook untouched;
* ``partial`` — the first half of the exercises answered, the rest left as stubs;
* ``broken``  — a notebook file cut off in the middle (invalid JSON);
* ``hostile`` — a full answer plus a cell that loops forever and swallows
  KeyboardInterrupt (nbgrader cannot stop it: it must be graded 0 with a
  reason while the rest of the class is graded);
* ``tamperer`` — stub answers, and an answer cell that rebinds ``check`` so
  every test cell reports full points: nbgrader alone gives it full marks;
  the re-check gives 0 and flags it.

A chapter with a graded capstone (08: a ``<chapter>-capstone_model`` answer
cell) gets four more, each the full solution with another capstone answer
(:data:`CAPSTONES`): ``capstone_full`` (the reference network: 10 points),
``capstone_partial`` (a 64-32-10 network, plain SGD, two epochs: 85-92 %
held out, between 0 and 10 points), ``capstone_zero`` (never trained: 0) and
``capstone_peeker`` (its ``train`` calls ``load_digits()``: flagged, 0).
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from autograder.pipeline.course import Course

_SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)

HOSTILE_CELL = """\
import time
while True:  # a submission that refuses to be interrupted
    try:
        time.sleep(0.1)
    except KeyboardInterrupt:
        pass
"""

TAMPER_LINE = "\ncheck = lambda *args, points=0, **kwargs: points  # every test cell 'passes'\n"


_CAPSTONE_IMPORTS = """\
import numpy as np
from nnlib.layers import Activation, Dense, Standardize
from nnlib.network import Sequential
from nnlib.optimizers import SGD
from nnlib.training import fit
"""

_SMALL_NETWORK = """
def build_model(rng):
    return Sequential([Standardize(np.zeros(64), np.ones(64)),
                       Dense(64, 32, rng=rng), Activation("relu"), Dense(32, 10, rng=rng)])
"""

CAPSTONES = {
    # Two epochs of plain SGD: 85-92 % on held-out digits (30 course secrets measured), 1.5-8 points.
    "capstone_partial": _CAPSTONE_IMPORTS + _SMALL_NETWORK + """

def train(model, X, y, rng):
    model.layers[0].adapt(X)
    fit(model, "softmax_cross_entropy", SGD(lr=0.05), X, y, epochs=2, batch_size=24, rng=rng, progress=False)
    return model
""",
    # A network that is never trained: about 10 % held out, 0 points.
    "capstone_zero": _CAPSTONE_IMPORTS + _SMALL_NETWORK + """

def train(model, X, y, rng):
    return model
""",
    # Trains on every digit, held-out ones included: flagged, 0 points.
    "capstone_peeker": _CAPSTONE_IMPORTS + "from nnlib.data import load_digits\n" + _SMALL_NETWORK + """

def train(model, X, y, rng):
    X, y = load_digits()  # all 1797 digits, the grader's held-out ones among them
    model.layers[0].adapt(X)
    fit(model, "softmax_cross_entropy", SGD(lr=0.05), X, y, epochs=20, batch_size=24, rng=rng, progress=False)
    return model
""",
}


def capstone_answer(course: Course, chapter: str) -> str | None:
    """Grade id of the chapter's capstone answer cell (``<chapter>-capstone_model``), or None."""
    grade_id = f"{chapter}-capstone_model"
    return grade_id if grade_id in answer_sources(course, chapter) else None


def answer_sources(course: Course, chapter: str) -> dict[str, str]:
    """grade_id -> the solution's answer cell source without the BEGIN/END markers."""
    nb = nbformat.read(course.source_notebook(chapter), as_version=4)
    answers = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            answers[meta["grade_id"]] = _SOLUTION.sub("", cell.source)
        elif meta.get("solution") and meta.get("grade") and cell.cell_type == "markdown":
            answers[meta["grade_id"]] = _SOLUTION.sub("", cell.source)
    return answers


def fill(released: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``released`` with the answer cells named in ``answers`` filled in."""
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[grade_id]
    return nb


def write_samples(course: Course, chapter: str, destination: Path) -> dict[str, Path]:
    """Write the six sample submissions (ten with a capstone) as ``destination/<student>/<chapter>.ipynb``."""
    released = nbformat.read(course.released_notebook(chapter), as_version=4)
    answers = answer_sources(course, chapter)
    code_answers = [g for g in answers if _is_code(released, g)]
    half = dict(list((g, answers[g]) for g in code_answers)[: max(1, len(code_answers) // 2)])

    notebooks = {
        "full": fill(released, answers),
        "stub": released,
        "partial": fill(released, half),
    }
    hostile = fill(released, answers)
    hostile.cells.insert(len(hostile.cells) // 2, nbformat.v4.new_code_cell(HOSTILE_CELL))
    notebooks["hostile"] = hostile
    tamperer = nbformat.from_dict(released)
    first = next(c for c in tamperer.cells if c.metadata.get("nbgrader", {}).get("solution")
                 and c.cell_type == "code")
    first.source += TAMPER_LINE
    notebooks["tamperer"] = tamperer
    capstone = capstone_answer(course, chapter)
    if capstone is not None:
        notebooks["capstone_full"] = fill(released, answers)
        for student, source in CAPSTONES.items():
            notebooks[student] = fill(released, {**answers, capstone: source})

    paths = {}
    for student, nb in notebooks.items():
        path = destination / student / f"{chapter}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        paths[student] = path
    broken = destination / "broken" / f"{chapter}.ipynb"
    broken.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(notebooks["full"])
    broken.write_text(text[: len(text) // 2], encoding="utf-8")
    paths["broken"] = broken
    return paths


def _is_code(nb: nbformat.NotebookNode, grade_id: str) -> bool:
    return any(c.metadata.get("nbgrader", {}).get("grade_id") == grade_id and c.cell_type == "code" for c in nb.cells)
