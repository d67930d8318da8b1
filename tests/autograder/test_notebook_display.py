"""How checks look in a real Jupyter kernel: the outputs nbgrader and a student actually get."""
from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade

from autograder import run_check

pytestmark = pytest.mark.slow

CELLS = {
    "setup": "import numpy as np\nfrom autograder import check",
    "wrong": "def step(z):\n    return (z >= 0).astype(float)\ncheck('perceptron.step', step)",
    "stub": "def predict(X, w, b):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
            "check('perceptron.predict', predict)",
    "raises": "def predict(X, w, b):\n    return w @ X + b\ncheck('perceptron.predict', predict)",
    "right": "def step(z):\n    return (z > 0).astype(float)\ncheck('perceptron.step', step)",
    "loop": "from autograder.checking.spec import Case, Spec, register\n"
            "register(Spec('toy.loop', reference=lambda n: n, time_limit=0.3,\n"
            "              visible_cases=lambda: [Case('n = 1', (1,)), Case('n = 2', (2,))]))\n"
            "def f(n):\n    while True:\n        pass\ncheck('toy.loop', f)",
    "graded": "import os\nos.environ['NBGRADER_EXECUTION'] = 'autograde'\n"
              "def step(z):\n    return (z >= 0).astype(float)\n"
              "check('perceptron.step', step)\n"
              "### BEGIN HIDDEN TESTS\n"
              "check('perceptron.step', step, hidden=True, points=2)\n"
              "### END HIDDEN TESTS",
}


@pytest.fixture(scope="module")
def outputs():
    """Run all cells once in a fresh kernel; name -> list of outputs."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS.values()])
    NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3").execute()
    return {name: cell for name, cell in zip(CELLS, nb.cells)}


def text_of(cell) -> str:
    parts = []
    for out in cell.outputs:
        parts += [out.get("text", ""), out.get("evalue", ""), "\n".join(out.get("traceback", [])),
                  out.get("data", {}).get("text/plain", "")]
    return "\n".join(parts)


@pytest.mark.parametrize("name, words", [
    ("wrong", "Hint: the step fires only strictly above 0"),
    ("stub", "not implemented yet"),
    ("raises", "in predict, line 2: return w @ X + b"),
    ("loop", "took longer than 0.3 s: an infinite loop?"),
])
def test_is_a_failed_check_one_error_output_with_the_message_and_no_internals(outputs, name, words):
    """An `error` output (nbgrader: 0 points) named CheckFailed, showing the message and no frames."""
    cell = outputs[name]
    assert [o.output_type for o in cell.outputs] == ["error"]
    error = cell.outputs[0]
    assert error.ename == "CheckFailed"
    assert words in error.evalue
    shown = "\n".join(error.traceback)
    assert shown.startswith("\x1b[0;31mCheckFailed\x1b[0m: ✗ ")
    assert words in shown
    for internal in ("Traceback", "autograder/checking/engine.py", "autograder/", "File \""):
        assert internal not in shown


def test_does_a_passing_check_print_one_line_on_stdout(outputs):
    """The pass line is the cell's only output, on stdout."""
    cell = outputs["right"]
    assert [(o.output_type, o.get("name")) for o in cell.outputs] == [("stream", "stdout")]
    assert cell.outputs[0].text.startswith("✓ perceptron.step — ")


def test_does_nbgrader_read_the_partial_score_of_a_graded_cell(outputs):
    """In grading mode the cell prints reports, writes nothing to stderr, and its Out[] is the score."""
    cell = outputs["graded"]
    kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
    assert ("stream", "stderr") not in kinds and ("error", None) not in kinds
    result = run_check("perceptron.step", lambda z: (z >= 0).astype(float), hidden=True)
    # the z = 0 edge is an essential case: while it fails the exercise earns at most half (1.0 of 2)
    assert result.essential_failed and result.passed / result.total > 0.5
    earned = result.score(2)
    assert earned == 1.0
    assert cell.outputs[-1].data["text/plain"] == repr(earned)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 2,
                                 "grade_id": "test_step", "schema_version": 3, "task": False}
    assert determine_grade(cell) == (earned, 2.0)
    assert f"score: {earned:g} of 2 points" in text_of(cell)
