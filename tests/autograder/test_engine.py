"""The check engine: what a student reads for each kind of mistake, and grading mode."""
from __future__ import annotations

import signal
import sys
import time
import warnings

import numpy as np
import pytest

import nnlib.activations
from autograder import CheckFailed, CheckResult, Score, check, run_check
from autograder.checking import spec as spec_module
from autograder.checking.compare import compare, relative_error
from autograder.checking.engine import grading
from autograder.checking.spec import Case, Mistake, Spec
from autograder.checking.checks import get_spec


# ---------------------------------------------------------------- helpers


@pytest.fixture
def registered(monkeypatch):
    """Register throw-away specs for one test only (the real registry stays as it was)."""
    def add(spec):
        monkeypatch.setitem(spec_module._REGISTRY, spec.name, spec)
        return spec
    return add


@pytest.fixture
def student_mode(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


@pytest.fixture
def grading_mode(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


def good_step(z):
    return (z > 0).astype(z.dtype)


def looping(n):
    while True:
        pass


def square(x):
    return x * x


def square_cases():
    return [Case(f"x = {v}", (np.array([v, -v]),)) for v in (1.0, 2.0, 3.0, 4.0)]


SQUARE = Spec(name="toy.square", reference=square,
              visible_cases=lambda: square_cases()[:2], hidden_cases=lambda: square_cases()[2:])


# ---------------------------------------------------------------- passing


def test_what_does_a_passing_visible_check_print(student_mode, capsys):
    """One line: the check's name, how many checks passed, and that hidden checks are still to come."""
    n = len(get_spec("perceptron.predict").visible_cases())
    assert check("perceptron.predict", lambda X, w, b: (X @ w + b > 0).astype(float)) is None
    out, err = capsys.readouterr()
    assert out == (f"✓ perceptron.predict — {n} checks passed "
                   "(visible checks only; hidden checks run at grading)\n")
    assert err == ""


def test_does_a_hidden_check_leave_out_the_visible_only_note(student_mode, capsys):
    """With hidden=True the pass line counts every case and has no note."""
    spec = get_spec("perceptron.step")
    n = len(spec.visible_cases()) + len(spec.hidden_cases())
    check("perceptron.step", good_step, hidden=True, points=2)
    assert capsys.readouterr().out == f"✓ perceptron.step — {n} checks passed\n"


def test_is_a_check_result_a_plain_value_with_an_html_view():
    """run_check neither prints nor raises; its result counts checks and renders as HTML."""
    result = run_check(SQUARE, lambda x: x * x, hidden=True)
    assert isinstance(result, CheckResult)
    assert (result.passed, result.total, result.ok, result.failures) == (4, 4, True, [])
    assert "✓ toy.square — 4 checks passed" in result._repr_html_()


# ---------------------------------------------------------------- failures a student sees


def test_what_does_a_stub_report(student_mode):
    """A function that still raises NotImplementedError is 'not implemented yet', 0 of n."""
    def predict(X, w, b):
        # YOUR CODE HERE
        raise NotImplementedError()

    with pytest.raises(CheckFailed) as info:
        check("perceptron.predict", predict)
    message = str(info.value)
    n = len(get_spec("perceptron.predict").visible_cases())
    assert message.splitlines()[0] == ("✗ perceptron.predict — not implemented yet: "
                                       "replace `raise NotImplementedError()` with your code")
    assert f"0 of {n} checks passed" in message
    assert isinstance(info.value, AssertionError)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_does_a_wrong_value_show_case_input_expected_received_error_and_hint():
    """The first failing case is shown in full, with the worst element and the catalogue's hint."""
    result = run_check("perceptron.predict", lambda X, w, b: (X @ w > 0).astype(float))
    text = result.report()
    assert text.startswith("✗ perceptron.predict — wrong values\n")
    assert 'case:     "hand-worked: AND gate, w = [1, 1], b = -1.5"' in text
    assert "input:    X = [[0., 0.]," in text and "b = -1.5" in text
    assert "expected: [0., 0., 0., 1.]" in text
    assert "received: [0., 1., 1., 1.]" in text
    assert "worst relative error 1 at index 1: expected 0.0, received 1.0 (allowed 1e-07)" in text
    assert "Hint: you forgot the bias" in text
    assert text.splitlines()[-2].strip().startswith(f"{result.passed} of {result.total} checks passed")
    assert text.splitlines()[-1].strip() == (
        'an essential case failed ("hand-worked: AND gate, w = [1, 1], b = -1.5"): '
        "while it fails, this exercise earns at most half its points")


def bad_predict(X, w, b):
    z = w @ X + b  # the column convention of the notes, on batch-first X
    return (z > 0).astype(float)


def test_does_an_exception_show_its_type_message_and_the_students_line():
    """The student's own line is quoted; no frame of the autograder is."""
    text = run_check("perceptron.predict", bad_predict).report()
    assert "— your function raised ValueError" in text
    assert "ValueError: matmul" in text
    assert "in bad_predict, line" in text and "z = w @ X + b" in text
    assert "autograder" not in text.replace("perceptron.predict", "")


def test_is_an_input_modified_in_place_reported():
    """`w += ...` changes the caller's array: the check says which input, before comparing values."""
    def update(w, b, x, t, lr=0.1):
        y = float(x @ w + b > 0)
        w += lr * (t - y) * x
        return w, b + lr * (t - y)

    result = run_check("perceptron.update", update)
    assert result.failures[0].kind == "mutation"
    assert "your function modified its input `w` in place" in result.report()
    assert "Hint: `w += ...` changes the caller's array" in result.report()


def test_is_drawing_from_a_passed_rng_not_a_mutation():
    """Consuming random numbers from an rng argument is its purpose, not an in-place change."""
    spec = Spec(name="toy.noise", reference=lambda X, rng: X * 2,
                visible_cases=lambda: [Case("X = [1, 2]", (np.array([1.0, 2.0]), np.random.default_rng(0)))])
    assert run_check(spec, lambda X, rng: X * 2 + 0 * rng.normal(size=X.shape)).ok


def test_is_an_endless_loop_stopped_at_the_time_limit(registered):
    """A loop is interrupted after time_limit; the other cases are skipped, not re-run."""
    spec = registered(Spec(name="toy.loop", reference=lambda n: n, time_limit=0.2,
                           visible_cases=lambda: [Case(f"n = {n}", (n,)) for n in range(5)]))
    handler_before = signal.getsignal(signal.SIGALRM)
    delay_before, _ = signal.getitimer(signal.ITIMER_REAL)  # pytest-timeout may have set one
    result = run_check(spec, looping)  # returns at all: the loop was interrupted (pytest-timeout guards a hang)
    assert [f.kind for f in result.failures] == ["timeout"] + ["skipped"] * 4
    assert "— took longer than 0.2 s: an infinite loop?" in result.report()
    assert "the remaining cases were skipped" in result.report()
    # The alarm is fully cleaned up: no timer of ours left, the old handler back.
    delay_after, _ = signal.getitimer(signal.ITIMER_REAL)
    assert delay_after == 0.0 if delay_before == 0.0 else 0.0 < delay_after < delay_before
    assert signal.getsignal(signal.SIGALRM) is handler_before


def test_is_an_outer_alarm_given_back_what_is_left_of_it(registered):
    """Another user of SIGALRM (pytest-timeout) keeps its alarm, minus the time the check took."""
    spec = registered(Spec(name="toy.loop3", reference=lambda n: n, time_limit=0.2,
                           visible_cases=lambda: [Case("n = 1", (1,))]))
    outer = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: outer.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)

        def loops_here(n):  # a fresh function: one that timed out before is not run again
            while True:
                pass

        run_check(spec, loops_here)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 28.0 < left < 29.9
        assert outer == []  # the check's own alarm never reached the outer handler
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_does_except_exception_in_student_code_not_swallow_the_time_limit(registered):
    """The time-out is a BaseException, so a student's `except Exception` cannot hide it."""
    spec = registered(Spec(name="toy.loop2", reference=lambda n: n, time_limit=0.2,
                           visible_cases=lambda: [Case("n = 1", (1,))]))

    def stubborn(n):
        while True:
            try:
                time.sleep(0.01)
            except Exception:
                pass

    assert run_check(spec, stubborn).failures[0].kind == "timeout"


@pytest.mark.parametrize("student, kind, words", [
    (lambda z: list((z > 0).astype(float)), "type", "returned a list of length 5, expected a NumPy array of shape (5,): wrap it with np.array(...)"),
    (lambda z: (z > 0).astype(float).reshape(-1, 1), "shape", "returned shape (5, 1), expected (5,)"),
    (lambda z: np.full(z.shape, np.nan), "nan", "contains nan where the expected value is finite"),
    (lambda z: None, "type", "returned None (did you forget `return`?)"),
    (lambda z: (z > 0).astype(np.float32), "dtype", "returned dtype float32, expected float64"),
])
def test_are_wrong_type_shape_nan_and_dtype_named(student, kind, words):
    """Each malformed output gets its own sentence, not a generic 'wrong values'."""
    result = run_check("perceptron.step", student)
    assert result.failures[0].kind == kind
    assert words in result.report()


def test_are_python_and_numpy_numbers_interchangeable_and_tuples_like_lists():
    """An int, a NumPy float or a 0-d array for a number, and a list for a tuple, all pass."""
    def neuron_returning(as_number):
        def mp_neuron(x, w, theta):
            if x.ndim == 2:  # a batch: an array of x's dtype, as the reference returns
                return (x @ w > theta).astype(x.dtype)
            return as_number(x @ w > theta)
        return mp_neuron

    for as_number in (int, np.float64, lambda fires: np.array(float(fires))):
        assert run_check("perceptron.mp_neuron", neuron_returning(as_number), hidden=True).ok

    def update_as_list(w, b, x, t, lr=0.1):
        y = float(x @ w + b > 0)
        return [w + lr * (t - y) * x, np.float64(b + lr * (t - y))]

    assert run_check("perceptron.update", update_as_list, hidden=True).ok


def test_is_calling_the_reference_detected_even_through_an_alias():
    """`from nnlib.activations import step as s` is caught too, and step works again afterwards."""
    from nnlib.activations import step as s

    result = run_check("perceptron.step", lambda z: s(z))
    assert result.passed == 0
    assert result.report().splitlines()[0] == (
        "✗ perceptron.step — your function calls nnlib.activations.step, the reference you "
        "are asked to re-implement; write it with NumPy")
    assert np.array_equal(nnlib.activations.step(np.array([-1.0, 0.0, 1.0])), [0.0, 0.0, 1.0])


def test_is_a_swallowed_reference_call_still_detected():
    """Catching the blocked call and falling back to own code does not hide the delegation."""
    def sly(z):
        try:
            return nnlib.activations.step(z)
        except BaseException:
            return (z > 0).astype(float)

    assert run_check("perceptron.step", sly).failures[0].kind == "reference"


def test_does_another_thread_still_get_the_real_reference():
    """A widget callback on another thread is not the student's code: it is neither blocked nor blamed."""
    import threading

    seen = []

    def student(z):
        worker = threading.Thread(target=lambda: seen.append(nnlib.activations.step(np.array([-1.0, 2.0]))))
        worker.start()
        worker.join()
        return (z > 0).astype(float)

    assert run_check("perceptron.step", student).ok
    assert np.array_equal(seen[0], [0.0, 1.0])


def test_are_prints_kept_out_of_stdout_and_stderr_and_shown_on_failure(capsys):
    """nbgrader scores a cell that writes to stderr 0: nothing escapes; a failure quotes the prints."""
    def noisy(z):
        print("debug: z =", z.shape)
        print("oops", file=sys.stderr)
        return (z >= 0).astype(float)

    result = run_check("perceptron.step", noisy)
    assert capsys.readouterr() == ("", "")
    assert "printed:  debug: z = (5,)" in result.report()


def test_is_an_overflow_warning_reported_with_the_line_and_the_hint(registered):
    """A RuntimeWarning fails the case (stable code must not warn) and is matched like any mistake."""
    def naive(z):
        return 1 / (1 + np.exp(-z))

    spec = Spec(name="toy.sigmoid", reference=nnlib.activations.sigmoid,
                visible_cases=lambda: [Case("z = [-1000, 0, 1000]", (np.array([-1000.0, 0.0, 1000.0]),))],
                mistakes=[Mistake("use the stable form: exp(-|z|) never overflows", naive)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping the check would raise here
        result = run_check(spec, naive)
    text = result.report()
    assert result.failures[0].kind == "warning"
    assert "— NumPy warned: overflow encountered in exp (RuntimeWarning)" in text
    line = naive.__code__.co_firstlineno + 1
    assert f"at line {line}: return 1 / (1 + np.exp(-z))" in text
    assert "Hint: use the stable form" in text


def test_does_a_gradient_check_count_one_check_per_item():
    """Each item of spec.gradient is one more check, with its own message when it is off."""
    def gradient(sigmoid_grad):
        z = np.array([-2.0, 0.5, 3.0])
        h = 1e-5
        numeric = (nnlib.activations.sigmoid(z + h) - nnlib.activations.sigmoid(z - h)) / (2 * h)
        return [("dsigma/dz", relative_error(numeric, sigmoid_grad(z))[0])]

    spec = Spec(name="toy.sigmoid_grad", reference=nnlib.activations.sigmoid_grad,
                visible_cases=lambda: [Case("z = 1", (np.array([1.0]),))], gradient=gradient, grad_rtol=1e-7)
    good = run_check(spec, lambda z: nnlib.activations.sigmoid(z) * (1 - nnlib.activations.sigmoid(z)))
    assert (good.passed, good.total) == (2, 2)
    wrong = run_check(spec, lambda z: nnlib.activations.sigmoid(z))
    assert (wrong.passed, wrong.total) == (0, 2)
    assert any("numerical gradient check failed for dsigma/dz" in f.message for f in wrong.failures)


def test_does_a_judge_replace_the_comparison():
    """With a judge, any output it accepts passes and its verdict is the message."""
    spec = Spec(name="toy.positive", reference=lambda n: n,
                visible_cases=lambda: [Case("n = 3", (3,))],
                judge=lambda case, out: None if out > 0 else f"must be positive, got {out}")
    assert run_check(spec, lambda n: 42).ok
    assert "— must be positive, got -1" in run_check(spec, lambda n: -1).report()


def test_is_passing_a_result_instead_of_a_function_explained(student_mode):
    """check("...", f(x)) by mistake: say to pass the function itself."""
    with pytest.raises(CheckFailed, match="expected a function, got ndarray"):
        check("perceptron.step", good_step(np.zeros(3)))


def test_does_checkfailed_render_in_ipython_as_one_line_without_frames():
    """IPython's _render_traceback_ hook: 'CheckFailed: <message>', no traceback lines."""
    lines = CheckFailed("✗ x — wrong values\n  case: ...")._render_traceback_()
    assert lines == ["\x1b[0;31mCheckFailed\x1b[0m: ✗ x — wrong values", "  case: ..."]


# ---------------------------------------------------------------- grading mode


def three_of_four(x):
    out = x * x
    if abs(x[0]) == 4.0:
        out = out + 1.0  # wrong on the last hidden case only
    return out


def test_does_a_graded_check_return_partial_points_and_write_nothing_to_stderr(grading_mode, registered, capsys):
    """points * passed / total, rounded to 2 decimals, as a number nbgrader can read."""
    registered(SQUARE)
    assert grading()
    visible = check("toy.square", three_of_four)
    score = check("toy.square", three_of_four, hidden=True, points=2)
    out, err = capsys.readouterr()
    assert visible is None
    assert isinstance(score, Score) and isinstance(score, float)
    assert score == 1.5 and repr(score) == "1.5" and score.out_of == 2
    assert err == ""
    assert "3 of 4 checks passed" in out and "score: 1.5 of 2 points" in out


def test_does_ipython_show_a_score_as_the_bare_number():
    """nbgrader parses the cell's text/plain output: it must be just the number."""
    from IPython.core.formatters import PlainTextFormatter

    assert PlainTextFormatter()(Score(1.33, 2)) == "1.33"
    assert PlainTextFormatter()(Score(0.0, 2)) == "0.0"


def test_is_the_visible_check_silent_while_grading_so_each_failure_shows_once(grading_mode, capsys):
    """The hidden call after it reruns the visible cases and reports them: the visible call neither
    raises (the hidden call must still run) nor prints (the feedback would show each failure twice)."""
    calls = []

    def stub(z):
        calls.append(z)
        raise NotImplementedError()

    assert check("perceptron.step", stub) is None
    assert calls == [] and capsys.readouterr() == ("", "")
    score = check("perceptron.step", stub, hidden=True, points=3)
    assert score == 0.0
    out, err = capsys.readouterr()
    assert out.count("not implemented yet") == 1 and err == ""


def test_does_the_visible_check_still_report_outside_grading(student_mode, capsys):
    """Without NBGRADER_EXECUTION the visible call raises with the full report, as before."""
    def stub(z):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not implemented yet"):
        check("perceptron.step", stub)


def test_is_a_hidden_check_without_points_all_or_nothing_while_grading(grading_mode, registered, capsys):
    """No points given: any failure raises, so nbgrader gives the cell 0."""
    registered(SQUARE)
    with pytest.raises(CheckFailed, match="3 of 4 checks passed"):
        check("toy.square", three_of_four, hidden=True)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------- relative error


def test_is_the_relative_error_the_cs231n_one():
    """max |a - b| / max(1e-8, |a| + |b|), with the index of the worst element."""
    error, index = relative_error(np.array([1.0, 2.0, 0.0]), np.array([1.0, 2.2, 1e-9]))
    assert index == (2,)
    assert error == pytest.approx(1e-9 / 1e-8)
    assert relative_error(np.array([np.inf, 1.0]), np.array([np.inf, 1.0])) == (0.0, (0,))
    assert compare(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), rtol=1e-7) is None


def test_is_a_function_that_timed_out_not_waited_for_twice(registered):
    """After a time-out, does the next check of the same function (the hidden one) fail without running it?"""
    spec = registered(Spec(name="toy.loop4", reference=lambda n: n, time_limit=0.3,
                           visible_cases=lambda: [Case("n = 1", (1,))]))
    calls = []

    def loops(n):
        calls.append(n)
        while True:
            pass

    first = run_check(spec, loops)
    second = run_check(spec, loops, hidden=True)
    assert first.failures[0].kind == second.failures[0].kind == "timeout"
    assert second.passed == 0
    assert calls == [1]  # called once, by the first check only


def test_does_a_stub_called_by_a_finished_function_get_named(tmp_path):
    """When a finished function calls a helper that is still a stub, does the message name the helper?"""
    import importlib.util

    source = tmp_path / "student_cells.py"  # outside autograder/ and nnlib/: counted as the student's code
    source.write_text(
        "def dense_forward(X, W, b):\n"
        "    raise NotImplementedError()\n\n"
        "def layer(X, W, b):\n"
        "    return dense_forward(X, W, b)\n")
    spec_module = importlib.util.spec_from_file_location("student_cells", source)
    module = importlib.util.module_from_spec(spec_module)
    spec_module.loader.exec_module(module)
    spec = Spec(name="toy.layer", reference=lambda X, W, b: X @ W + b,
                visible_cases=lambda: [Case("ones", (np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)))])
    report = run_check(spec, module.layer).report()
    assert "not implemented yet: your function calls dense_forward" in report
    assert "finish dense_forward first" in report
