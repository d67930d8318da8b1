"""Does an honest student with everyday notebook habits get every point, and no accusation?

Real nbgrader, the real sandbox and the re-check.  Each submission below is a
correct solution written the way people write notebooks: a helper in a cell
of their own, an import in a cell of their own, IPython magics (``%config``,
``%time``, ``%%time``, ``%timeit``), prints, an answer cell copied to the end
to try a variant (JupyterLab keeps the nbgrader metadata of a copied cell),
and a sigmoid computed in extended precision.  The notebook's own run and
``nncourse check`` give full marks; so must the grade, with status
``graded`` and nothing flagged or sent to review.

Two controls graded in the same run show the re-check at work: a tamperer
(stub answers, ``check`` rebound so every test cell claims its points) is
flagged, and a notebook whose answer depends on a shell command's output,
which the re-check cannot replay, goes to review with that cause, until the
instructor accepts it.
"""
from __future__ import annotations

import nbformat
import pytest

from autograder.pipeline.grade import grade
from autograder.pipeline.samples import TAMPER_LINE, answer_sources, fill
from tests_support import autograded_points

pytestmark = pytest.mark.slow


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _own_cell(nb, after_grade_id, source):
    """A cell of the student's own (no nbgrader metadata) right after the cell ``after_grade_id``."""
    nb = nbformat.from_dict(nb)
    nb.cells.insert(_index(nb, after_grade_id) + 1, nbformat.v4.new_code_cell(source))
    return nb


def _answer(nb, grade_id, source):
    nb = nbformat.from_dict(nb)
    nb.cells[_index(nb, grade_id)].source = source
    return nb


def _class_01(course):
    ch = "01_perceptron"
    released = nbformat.read(course.released_notebook(ch), as_version=4)
    answers = answer_sources(course, ch)
    full = fill(released, answers)
    step_with_helper = "def step(z):\n    return _fire(z)\n"
    update = answers[f"{ch}-perceptron_update"]
    habits = {
        # a helper in a cell of its own, used by two answers
        "own_helper_cell": _answer(_answer(_own_cell(full, f"{ch}-setup",
                                                     "def _fire(z):\n    z = np.asarray(z)\n"
                                                     "    return (z > 0).astype(np.result_type(z, 1.0))\n"),
                                           f"{ch}-step", step_with_helper),
                                   f"{ch}-perceptron_update", update.replace("step(", "_fire(")),
        # an import in a cell of its own, used in an answer
        "own_import_cell": _answer(_own_cell(full, f"{ch}-setup", "import math"),
                                   f"{ch}-perceptron_update",
                                   update.replace("return new_w, new_b", "return new_w, new_b * math.cos(0.0)")),
        # %config at the top of an answer cell, %time after the def
        "line_magics": _answer(full, f"{ch}-step", "%config InlineBackend.figure_format = 'retina'\n"
                               + answers[f"{ch}-step"] + "\n%time step(np.array([1.0, -1.0]))\n"),
        # %%time as the first line of an answer cell
        "cell_magic": _answer(full, f"{ch}-mp_neuron", "%%time\n" + answers[f"{ch}-mp_neuron"]),
        # prints inside answers, and a shell command
        "prints_and_shell": _answer(_answer(full, f"{ch}-step", answers[f"{ch}-step"].replace(
            "    z = np.asarray(z, dtype=float)", "    print('step called on', np.shape(z))\n"
                                                 "    z = np.asarray(z, dtype=float)")),
            f"{ch}-mp_neuron", "!echo trying mp_neuron\n" + answers[f"{ch}-mp_neuron"]),
    }
    # An answer cell copied (metadata and all) to the end of the notebook to try a variant that forgets the bias.
    copied = nbformat.from_dict(full)
    variant = nbformat.from_dict(copied.cells[_index(copied, f"{ch}-perceptron_predict")])
    variant["id"] = "my-variant"
    variant.source = "def perceptron_predict(X, w, b):\n    return step(X @ w)  # without the bias?\n"
    copied.cells.append(variant)
    habits["copied_answer_cell"] = copied
    return ch, habits, _controls(ch, released, full)


def _controls(ch, released, full):
    """A tamperer (flagged) and a notebook the re-check cannot replay (review)."""
    tamperer = nbformat.from_dict(released)
    tamperer.cells[_index(tamperer, f"{ch}-setup") + 1:
                   _index(tamperer, f"{ch}-setup") + 1] = [nbformat.v4.new_code_cell(TAMPER_LINE)]
    # The first answer's function multiplies by ONE, a number read from a shell command's output.
    shell = _own_cell(full, f"{ch}-setup", "out = !echo 1\nONE = float(out[0])")
    first = next(c for c in shell.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    first.source = first.source.replace("    return ", "    return ONE * ", 1)
    return {"tamperer": tamperer, "needs_the_shell": shell}


LONGDOUBLE_SIGMOID = ("def sigmoid(z):\n    z = np.asarray(z, dtype=np.longdouble)\n    e = np.exp(-np.abs(z))\n"
                      "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))\n")


def _class_02(course):
    ch = "02_mlp_xor"
    released = nbformat.read(course.released_notebook(ch), as_version=4)
    answers = answer_sources(course, ch)
    full = fill(released, answers)
    return ch, {
        # %timeit right after the def
        "timeit_after_def": _answer(full, f"{ch}-relu", answers[f"{ch}-relu"]
                                    + "\n%timeit relu(np.linspace(-1.0, 1.0, 5))\n"),
        # sigmoid in extended precision: returns float128
        "longdouble_sigmoid": _answer(full, f"{ch}-sigmoid", LONGDOUBLE_SIGMOID),
    }, _controls(ch, released, full)


@pytest.fixture(scope="module", params=["01", "02"])
def graded(request, course_copy, tmp_path_factory):
    course = course_copy
    chapter, habits, controls = (_class_01 if request.param == "01" else _class_02)(course)
    subs = tmp_path_factory.mktemp(f"honest_{request.param}")
    for student, nb in {**habits, **controls}.items():
        (subs / student).mkdir()
        nbformat.write(nb, subs / student / f"{chapter}.ipynb")
    results = grade(course, subs, chapter, jobs=2, timeout=30, progress=False)
    return {"course": course, "chapter": chapter, "subs": subs, "habits": set(habits),
            "results": {r.student: r for r in results}, "full": autograded_points(course, chapter)}


def _autograded(result) -> float:
    return sum(score for score, _mx, manual in result.exercises.values() if not manual)


def test_every_habit_gets_every_autograded_point_and_no_flag(graded):
    """Does each honest habit keep full marks, status graded, no flag, no review?

    One exception, by the dtype policy (docs/checks.md): the sigmoid computed
    in np.longdouble returns float128 for a float32 input too, so sigmoid and
    sigmoid_grad (which uses it) each lose their one float32 case, exactly
    as the notebook's own check says; every float64 case passes.
    """
    for student in graded["habits"]:
        result = graded["results"][student]
        assert result.status == "graded", f"{student}: {result.status}"
        assert result.flags == [], f"{student}: {result.flags}"
        lost = graded["full"] - _autograded(result)
        if student == "longdouble_sigmoid":
            lost -= _float32_losses(graded)
        assert lost == pytest.approx(0), f"{student}: {result.exercises}"


def _float32_losses(graded) -> float:
    """What the longdouble sigmoid loses by the checks themselves: only float32 cases, under the course's secret."""
    import os

    from autograder import run_check
    from autograder.pipeline.course import SECRET_ENV

    namespace = {"np": __import__("numpy")}
    exec(LONGDOUBLE_SIGMOID + _answer_source(graded, "sigmoid_grad"), namespace)
    os.environ[SECRET_ENV] = graded["course"].case_secret()
    try:
        lost = 0.0
        for name, points in (("sigmoid", 1.0), ("sigmoid_grad", 1.0)):
            result = run_check(f"mlp.{name}", namespace[name], hidden=True)
            assert all(f.case.startswith("float32") for f in result.failures), result.failures
            lost += points - result.score(points)
    finally:
        os.environ.pop(SECRET_ENV)
    assert 0 < lost < 0.5
    return lost


def _answer_source(graded, exercise):
    return answer_sources(graded["course"], graded["chapter"])[f"{graded['chapter']}-{exercise}"]


def test_the_tamperer_in_the_same_run_is_flagged(graded):
    """Is the re-check really judging in this run: the notebook that rebinds `check` flagged, with 0?"""
    result = graded["results"]["tamperer"]
    assert result.status.startswith("flagged: ")
    assert "rebinds `check`" in result.status
    assert _autograded(result) == 0


def test_a_notebook_the_re_check_cannot_replay_goes_to_review_with_its_cause(graded):
    """Does an answer needing a shell command's output go to review (not flagged), naming the failing cell?"""
    result = graded["results"]["needs_the_shell"]
    assert result.status.startswith("review: the re-check could not reach a verdict"), result.status
    assert "IndexError" in result.status and "your own cell" in result.status
    assert "tamper" not in result.status
    assert _autograded(result) < graded["full"]  # the claimed points wait for the instructor


def test_the_feedback_shows_the_re_check_where_it_decided(graded):
    """Does the feedback page show the re-check's report for the lowered cell, never the notebook's ✓ for it?"""
    result = graded["results"]["needs_the_shell"]
    page = result.feedback.read_text(encoding="utf-8")
    first_check = next(e["check"] for e in _exercises(graded))
    assert f"{first_check} — re-checked by the grader: 0 of" in page
    assert f"✓ {first_check}" not in page
    assert "your instructor will review it" in page


def _exercises(graded):
    from autograder.sandbox.verdict import exercises

    return [vars(e) for e in exercises(nbformat.read(graded["course"].source_notebook(graded["chapter"]),
                                                     as_version=4))]


def test_the_instructor_can_accept_a_review(graded):
    """After `--accept`, does the reviewed notebook get the points its own run gave, with a note?"""
    if graded["chapter"] != "01_perceptron":
        pytest.skip("one chapter is enough for the accept flow")
    results = {r.student: r for r in grade(graded["course"], graded["subs"], graded["chapter"], jobs=2,
                                              timeout=30, progress=False, accept=["needs_the_shell"])}
    accepted = results["needs_the_shell"]
    assert accepted.status == "graded" and "accepted by the instructor" in accepted.note
    assert _autograded(accepted) == pytest.approx(graded["full"])
    assert results["tamperer"].status.startswith("flagged: ")  # accepting one student accepts no one else
