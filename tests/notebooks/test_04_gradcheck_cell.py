"""Does chapter 04's gradient-check cell check the student's softmax gradient with the student's own tool?

The issue asks that ``softmax_cross_entropy_grad`` be checked with the
student's ``numerical_gradient`` from chapter 3.  The graded check compares
with the autograder's own centred differences; this ungraded, student-only
cell (``demo_gradcheck``) does it with the student's pasted function.  Here
the cell's own source runs with the solution's functions and with wrong
ones: it must pass the right gradient, catch a gradient without the 1/N,
use the student's numerical_gradient (a broken one makes it complain) and
fall back to nnlib's, with a note, while the paste cell is still the stub.
"""
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nnlib.activations import softmax

ROOT = Path(__file__).resolve().parents[2]


def sources(folder: str) -> dict:
    path = ROOT / folder / "04_losses" / "04_losses.ipynb"
    return {cell.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: cell.source
            for cell in nbformat.read(path, as_version=4).cells if "grade_id" in cell.metadata.get("nbgrader", {})}


SOURCES, RELEASED = sources("solutions"), sources("course")
RIGHT = "below 1e-7, the gradient is right"
WRONG = "look for a bug"


def run_gradcheck(capsys, monkeypatch, **replace) -> str:
    """Run the solution's answer cells, then ``demo_gradcheck`` with some functions replaced; its printed text."""
    monkeypatch.delenv("NNCOURSE_LECTURE", raising=False)
    namespace = {"np": np, "softmax": softmax}
    for cell in ("softmax_cross_entropy", "softmax_cross_entropy_grad", "numerical_gradient"):
        exec(SOURCES[cell], namespace)  # noqa: S102 (the chapter's own solution cells)
    namespace.update(replace)
    capsys.readouterr()
    exec(SOURCES["demo_gradcheck"], namespace)  # noqa: S102 (the chapter's own cell)
    return capsys.readouterr().out


def no_one_over_n(z, labels):
    p = softmax(z)
    p[np.arange(len(labels)), labels] -= 1
    return p  # the classic slip: the mean's 1/N is missing


def doubled_numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old
        grad[i] = (f_plus - f(x)) / h * 2  # a broken tool: twice the slope
    return grad


def released_stub(name):
    """The function as the released notebook's answer cell defines it (# YOUR CODE HERE)."""
    namespace = {"np": np}
    exec(RELEASED[name], namespace)  # noqa: S102 (the chapter's own released cell)
    return namespace[name]


def test_the_solutions_gradient_passes_with_the_students_own_numerical_gradient(capsys, monkeypatch):
    out = run_gradcheck(capsys, monkeypatch)
    assert "Using your numerical_gradient." in out and "Using your softmax_cross_entropy_grad." in out
    error = float(out.split("relative error ")[1].split(":")[0])
    assert error < 1e-7 and RIGHT in out, out


@pytest.mark.parametrize("replace", [{"softmax_cross_entropy_grad": no_one_over_n},
                                     {"numerical_gradient": doubled_numerical_gradient}],
                         ids=["gradient without 1/N", "broken numerical_gradient"])
def test_a_wrong_gradient_or_a_broken_tool_is_reported(replace, capsys, monkeypatch):
    out = run_gradcheck(capsys, monkeypatch, **replace)
    error = float(out.split("relative error ")[1].split(":")[0])
    assert error > 0.1 and WRONG in out, out


def test_an_unpasted_numerical_gradient_falls_back_to_nnlibs_with_a_note(capsys, monkeypatch):
    out = run_gradcheck(capsys, monkeypatch, numerical_gradient=released_stub("numerical_gradient"))
    assert "numerical_gradient is not implemented yet, so this cell uses the reference " \
           "nnlib.gradcheck.numerical_gradient" in out
    assert RIGHT in out, out
