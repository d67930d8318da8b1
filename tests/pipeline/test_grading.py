"""Does `nncourse grade` give every student of a messy class the right grade and a reason?

One class is graded once (real nbgrader, two parallel batches) and every
test below reads its results: honest submissions next to every kind of
broken one named in the autograder issue.
"""
from __future__ import annotations

import csv
import hashlib

import nbformat
import pytest

from autograder.checking.engine import run_check
from autograder.pipeline.grade import grade
from autograder.pipeline.report import write_csv, write_summary
from autograder.pipeline.samples import answer_sources, fill, write_samples
from autograder.checking.checks import get_spec
from tests_support import autograded_points

pytestmark = pytest.mark.slow
CH = "01_perceptron"


def _test_cell_index(nb, exercise):
    return next(i for i, c in enumerate(nb.cells)
                if c.metadata.get("nbgrader", {}).get("grade_id") == f"{CH}-{exercise}_test")


def _answer_cell(nb, exercise):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{CH}-{exercise}")


BUGGY_STEP = '''def step(z):
    """Heaviside step (student version with a bug at z == 0)."""
    import numpy as np
    return (np.asarray(z) >= 0).astype(float)
'''

LOOPING_MP_NEURON = '''def mp_neuron(x, w, theta):
    """A student function that never returns."""
    while True:
        pass
'''


@pytest.fixture(scope="module")
def graded(course_copy, tmp_path_factory):
    course = course_copy
    subs = tmp_path_factory.mktemp("submissions")
    write_samples(course, CH, subs)  # full, stub, partial, broken, hostile
    released = nbformat.read(course.released_notebook(CH), as_version=4)
    answers = answer_sources(course, CH)
    full = fill(released, answers)

    def save(student, nb, name=f"{CH}.ipynb"):
        path = subs / student / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    save("wrong_name", full, name="my_perceptron_final.ipynb")
    (subs / "empty").mkdir()
    (subs / "empty" / f"{CH}.ipynb").write_bytes(b"")

    deleted = nbformat.from_dict(full)
    del deleted.cells[_test_cell_index(deleted, "step")]
    save("deleted_test", deleted)

    edited = nbformat.from_dict(released)  # stub answers, and a test cell that claims success
    edited.cells[_test_cell_index(edited, "step")].source = 'print("✓ perceptron.step — 8 checks passed")\n5'
    save("edited_test", edited)

    duplicated = nbformat.from_dict(full)
    i = _test_cell_index(duplicated, "step")
    copy = nbformat.from_dict(duplicated.cells[i])
    copy["id"] = "pasted-twice"
    duplicated.cells.insert(i + 1, copy)
    save("duplicated_test", duplicated)

    buggy = nbformat.from_dict(full)
    _answer_cell(buggy, "step").source = BUGGY_STEP
    save("buggy_step", buggy)

    looping = nbformat.from_dict(full)
    _answer_cell(looping, "mp_neuron").source = LOOPING_MP_NEURON
    save("looping_function", looping)

    exits = nbformat.from_dict(full)
    exits.cells.insert(_test_cell_index(exits, "step") + 1, nbformat.v4.new_code_cell("import sys\nsys.exit()"))
    save("sys_exit", exits)

    loud = nbformat.from_dict(full)
    loud.cells.insert(2, nbformat.v4.new_code_cell("print('x' * 50_000_000)"))
    save("huge_output", loud)

    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file()}
    results = grade(course, subs, CH, jobs=2, timeout=8, progress=False)
    out = course.grading / "reports" / CH
    write_csv(results, out / "grades.csv")
    write_summary(results, CH, out)
    return {
        "course": course, "subs": subs, "before": before, "out": out,
        "results": {r.student: r for r in results}, "full_points": autograded_points(course, CH),
    }


def test_every_student_is_reported(graded):
    """Does every submission, broken or not, appear in the results and the CSV?"""
    expected = {"full", "stub", "partial", "broken", "hostile", "tamperer", "wrong_name", "empty", "deleted_test",
                "edited_test", "duplicated_test", "buggy_step", "looping_function", "sys_exit", "huge_output"}
    assert set(graded["results"]) == expected
    with open(graded["out"] / "grades.csv", newline="") as f:
        assert {row["student"] for row in csv.DictReader(f)} == expected


def test_full_solution_gets_every_autograded_point(graded):
    """Does the full solution get all autograded points (the written answer waits for a human)?"""
    full = graded["results"]["full"]
    assert full.status == "graded"
    assert full.score == graded["full_points"] == 9
    assert full.pending_manual == 2


def test_stub_gets_zero(graded):
    """Does the untouched released notebook get 0?"""
    stub = graded["results"]["stub"]
    assert (stub.status, stub.score) == ("graded", 0)
    assert all("not implemented yet" in m for k, m in stub.messages.items() if k.endswith("_test"))


def test_partial_gets_exactly_the_points_of_its_answers(graded):
    """Does the half-answered notebook get exactly step (1) + mp_neuron (1)?"""
    partial = graded["results"]["partial"]
    assert partial.status == "graded"
    assert partial.score == 2
    assert partial.exercises[f"{CH}-step_test"][0] == 1
    assert partial.exercises[f"{CH}-perceptron_predict_test"][0] == 0


def test_partial_credit_inside_one_cell_equals_the_fraction_of_checks_passed(graded):
    """Is a buggy `step` (>= instead of >) given the engine's partial credit (essential cases capping it)?"""
    namespace = {}
    exec(BUGGY_STEP, namespace)
    result = run_check(get_spec("perceptron.step"), namespace["step"], hidden=True)
    assert 0 < result.passed < result.total
    expected_step = result.score(1)  # points x passed / total, capped while an essential case fails
    buggy = graded["results"]["buggy_step"]
    assert buggy.exercises[f"{CH}-step_test"][0] == pytest.approx(expected_step)
    # later exercises call the student's own step, so they may lose points too; the total is their sum
    assert buggy.score == pytest.approx(sum(score for score, _mx, _manual in buggy.exercises.values()))
    assert ">" in buggy.hints[f"{CH}-step_test"]


@pytest.mark.parametrize("student, reason", [
    ("broken", "broken JSON"),
    ("empty", "empty file"),
    ("hostile", "time limit"),
])
def test_ungradable_submissions_get_zero_and_a_reason(graded, student, reason):
    """Is each broken or hostile submission graded 0 with a reason, in the CSV and the summary?"""
    result = graded["results"][student]
    assert result.status.startswith("failed: ") and reason in result.status
    assert result.score == 0
    assert reason in (graded["out"] / "summary.md").read_text()


def test_tamperer_is_flagged_and_gets_zero(graded):
    """Does the sample that rebinds `check` get 0 from the re-check and a flag, in the CSV too?"""
    result = graded["results"]["tamperer"]
    assert result.status.startswith("flagged: ") and "that the re-check gives as 0" in result.status
    assert result.score == 0
    with open(graded["out"] / "grades.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["student"] == "tamperer")
    assert row["status"].startswith("flagged") and row["isolation"] in ("bubblewrap", "none")


def test_wrongly_named_notebook_is_graded_with_a_note(graded):
    """Is a notebook with the wrong file name graded normally, with a note saying so?"""
    result = graded["results"]["wrong_name"]
    assert (result.status, result.score) == ("graded", graded["full_points"])
    assert "my_perceptron_final.ipynb" in result.note


def test_deleted_test_cell_is_put_back_and_run(graded):
    """Does a student who deleted a test cell still get graded on it (and keep their points)?"""
    result = graded["results"]["deleted_test"]
    assert result.exercises[f"{CH}-step_test"][0] == 1
    assert result.score == graded["full_points"]


def test_edited_test_cell_earns_nothing(graded):
    """Does replacing a test cell with a fake success earn no points?"""
    result = graded["results"]["edited_test"]
    assert result.exercises[f"{CH}-step_test"][0] == 0
    assert result.score == 0


def test_duplicated_test_cell_counts_once(graded):
    """Does duplicating a test cell neither crash grading nor count the points twice?"""
    result = graded["results"]["duplicated_test"]
    assert result.status == "graded"
    assert result.score == graded["full_points"]


def test_loop_inside_a_student_function_costs_only_that_exercise(graded):
    """Is a function that never returns stopped by the check's time limit, the rest graded?"""
    result = graded["results"]["looping_function"]
    assert result.status == "graded"
    assert result.exercises[f"{CH}-mp_neuron_test"][0] == 0
    assert "took longer than" in result.messages[f"{CH}-mp_neuron_test"]
    assert result.score == graded["full_points"] - 1


def test_sys_exit_does_not_stop_grading(graded):
    """Does `sys.exit()` in a cell leave the rest of the notebook graded?"""
    result = graded["results"]["sys_exit"]
    assert (result.status, result.score) == ("graded", graded["full_points"])


def test_huge_output_is_truncated_not_stored(graded):
    """Is 50 MB of printed output cut down in the graded notebook, and the student graded?"""
    result = graded["results"]["huge_output"]
    assert (result.status, result.score) == ("graded", graded["full_points"])
    autograded = graded["course"].grading / "autograded" / "huge_output" / CH / f"{CH}.ipynb"
    assert autograded.stat().st_size < 2_000_000


def test_submissions_are_never_modified(graded):
    """Are the instructor's submission files byte-for-byte unchanged after grading?"""
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in graded["subs"].rglob("*") if p.is_file()}
    assert after == graded["before"]


def test_feedback_has_no_hidden_checks(graded):
    """Does each student's feedback page exist and leave out the hidden checks' calls?"""
    page = graded["results"]["full"].feedback
    assert page is not None and page.exists()
    text = page.read_text()
    assert "hidden=True" not in text
    assert "checks passed" in text


def test_summary_has_pass_rates_and_a_histogram(graded):
    """Does the class summary show a pass rate per exercise and the most common hint?"""
    md = (graded["out"] / "summary.md").read_text()
    assert "| step | 1 |" in md
    assert (graded["out"] / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_regrading_is_idempotent(graded, tmp_path):
    """Does grading the same students again (same course, same gradebook) give the same scores?"""
    import shutil

    course = graded["course"]
    subset = tmp_path / "again"
    for student in ("full", "stub", "partial", "broken", "buggy_step"):
        shutil.copytree(graded["subs"] / student, subset / student)
    again = grade(course, subset, CH, jobs=2, timeout=8, progress=False)
    first = {s: (r.status, r.score) for s, r in graded["results"].items() if s in {r.student for r in again}}
    assert {r.student: (r.status, r.score) for r in again} == first
