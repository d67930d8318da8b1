"""Which cells of chapters 01-08 are for students only (cell tag ``student-only``)?

A cell is tagged once, in the solution notebook, when it (or its output) only
makes sense to someone working through the exercises: "How this notebook
works", "Using your mlp_forward." notes, NumPy prints that repeat a table of
the prose for someone reading the code.  Exercise statements, answer cells and
test cells are not tagged: the lecture view recognises them by their nbgrader
metadata and their "### Exercise" / "### Written answer" headings.

What the tag asks of the lecture view (``nncourse present``): leave a tagged
markdown cell out; run a tagged code cell without showing its output, as it
already does for answer cells.  A tagged code cell may define names that
later cells use (``test_which_student_only_code_cells_do_later_cells_need``
lists them), so dropping it outright would break the cells after it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
TAG = "student-only"

EXPECTED = {
    "01_perceptron": {"md_howto", "use_train"},
    "02_mlp_xor": {"md_howto", "transpose", "md_18_yours", "xor_by_hand", "trained_network_yours", "md_22_yours"},
    "03_backprop": {"md_howto", "use_value", "md_gradcheck_demo", "demo_gradcheck", "use_training"},
    "04_losses": {"md_howto", "md_numgrad", "demo_gradcheck", "use_training"},
    "05_optimizers": {"md_howto", "use_schedule", "md_bring_your_own", "use_training"},
    "06_initialization": {"md_howto", "use_stds", "md_numgrad", "demo_gradcheck"},
    "07_regularization": {"md_howto", "use_decay", "use_dropout"},
    "08_tuning": {"md_howto", "use_search"},
}
# student-only code cells that define something a later, shown cell uses
NEEDED_LATER = {
    "01_perceptron": {"use_train": {"train"}},
    "02_mlp_xor": {},
    "03_backprop": {"use_value": {"NeuronValue", "neuron_gradients"},
                    "use_training": {"T_xor", "activations", "backward", "pairs", "step", "t_xor", "X_xor",
                                     "binary_cross_entropy", "binary_cross_entropy_grad"}},
    "04_losses": {"use_training": {"X_blobs", "y_blobs", "ce", "ce_grad"}},
    "05_optimizers": {"use_schedule": {"nnlib", "cosine"},
                      "use_training": {"acts", "adam_rule", "backward_fn", "batches", "ce", "ce_grad", "forward_fn",
                                       "loop", "momentum_rule", "sgd_step", "start", "Updater", "X_digits",
                                       "y_digits"}},
    "06_initialization": {"use_stds": {"stds_fn"}},
    "07_regularization": {"use_decay": {"step_l2"}, "use_dropout": {"dropout"}},
    "08_tuning": {"use_search": {"search", "folds_of"}},
}


def notebook(kind: str, chapter: str):
    return nbformat.read(ROOT / kind / chapter / f"{chapter}.ipynb", as_version=4)


def grade_id(cell, chapter) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "").removeprefix(f"{chapter}-")


def tagged(nb, chapter) -> set[str]:
    return {grade_id(c, chapter) for c in nb.cells if TAG in c.metadata.get("tags", [])}


@pytest.mark.parametrize("chapter", sorted(EXPECTED))
def test_are_exactly_the_expected_cells_tagged(chapter):
    """Does each chapter tag the cells listed above, and nothing else?"""
    assert tagged(notebook("solutions", chapter), chapter) == EXPECTED[chapter]


@pytest.mark.parametrize("chapter", sorted(EXPECTED))
def test_is_how_this_notebook_works_a_tagged_cell_of_its_own(chapter):
    """The 'How this notebook works' paragraph is its own tagged cell; the title and learning goals are shown."""
    nb = notebook("solutions", chapter)
    howto = [c for c in nb.cells if "**How this notebook works.**" in c.source]
    assert len(howto) == 1 and howto[0].source.startswith("**How this notebook works.**")
    assert TAG in howto[0].metadata.get("tags", [])
    assert "YOUR CODE HERE" in howto[0].source
    first = nb.cells[0]
    assert first.source.startswith("# Chapter") and "**Learning goals.**" in first.source
    assert TAG not in first.metadata.get("tags", [])


@pytest.mark.parametrize("chapter", sorted(EXPECTED))
def test_are_exercise_answer_and_test_cells_left_untagged(chapter):
    """Cells nbgrader grades or that hold an answer are recognised by their metadata: none carries the tag."""
    for cell in notebook("solutions", chapter).cells:
        meta = cell.metadata["nbgrader"]
        if meta.get("grade") or meta.get("solution") or meta.get("task"):
            assert TAG not in cell.metadata.get("tags", []), grade_id(cell, chapter)
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(("### Exercise", "### Written answer")):
            assert TAG not in cell.metadata.get("tags", []), grade_id(cell, chapter)


@pytest.mark.parametrize("chapter", sorted(EXPECTED))
def test_is_every_your_code_note_in_a_tagged_cell(chapter):
    """A cell that chooses between the student's function and nnlib's prints a note for students: tagged."""
    for cell in notebook("solutions", chapter).cells:
        if cell.cell_type != "code" or cell.metadata["nbgrader"].get("solution"):
            continue
        if "use_student(" in cell.source or "Using your" in cell.source:
            assert TAG in cell.metadata.get("tags", []), grade_id(cell, chapter)


@pytest.mark.parametrize("chapter", sorted(EXPECTED))
def test_does_the_released_notebook_keep_the_tags(chapter):
    """course/ is generated by nbgrader, which keeps cell metadata: the same cells are tagged there."""
    assert tagged(notebook("course", chapter), chapter) == EXPECTED[chapter]


def _assigned(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):  # a function's parameters are its own
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _loaded(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.mark.parametrize("chapter", sorted(EXPECTED))
def test_which_student_only_code_cells_do_later_cells_need(chapter):
    """Names a shown code cell reads (without defining them itself) whose latest definition is in a tagged cell."""
    cells = [c for c in notebook("solutions", chapter).cells if c.cell_type == "code"]
    needed: dict[str, set] = {}
    for i, cell in enumerate(cells):
        if TAG in cell.metadata.get("tags", []):
            continue
        for name in _loaded(cell.source) - _assigned(cell.source):
            source = next((c for c in reversed(cells[:i]) if name in _assigned(c.source)), None)
            if source is not None and TAG in source.metadata.get("tags", []):
                needed.setdefault(grade_id(source, chapter), set()).add(name)
    assert needed == NEEDED_LATER[chapter]
