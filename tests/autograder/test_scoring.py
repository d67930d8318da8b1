"""Partial credit that follows the point of the exercise: the scoring rule and its calibration.

The mistakes below used to earn most of their points because only one or two
cases tell them apart (a softmax without the max shift failed only the huge
logits: 78 %); those cases are now essential, so each mistake earns at most
half, while correct code still earns everything.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder import Score, check, run_check
from autograder.checking import spec as spec_module
from autograder.checking.checks import get_spec
from autograder.checking.checks import backprop as B
from autograder.checking.checks import mlp as M
from autograder.checking.checks import perceptron as P
from autograder.checking.scoring import any_essential_failed, exercise_score
from autograder.checking.spec import Case, Spec

# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize("points, passed, total, essential_failed, cap, expected", [
    (2, 7, 9, False, 0.5, 1.56),   # round(2 * 7 / 9, 2)
    (2, 7, 9, True, 0.5, 1.0),     # capped at half
    (3, 1, 9, True, 0.5, 0.33),    # below the cap: the cap never raises a score
    (1, 9, 9, False, 0.5, 1.0),
    (3, 8, 9, True, 0.25, 0.75),   # another cap
    (2, 0, 0, False, 0.5, 0.0),    # no cases at all
])
def test_is_the_score_points_times_fraction_capped_while_an_essential_case_fails(
        points, passed, total, essential_failed, cap, expected):
    """round(points * passed / total, 2), at most round(points * cap, 2) when an essential case failed."""
    assert exercise_score(points, passed, total, essential_failed, cap) == expected


def test_does_a_missing_verdict_count_as_a_failed_essential_case():
    """Cases skipped after a time-out (no verdict) count as failed, essential or not."""
    cases = [Case("a", essential=True), Case("b"), Case("c", essential=True)]
    assert not any_essential_failed(cases, [True, False, True])
    assert any_essential_failed(cases, [True, True, False])
    assert any_essential_failed(cases, [True, True])  # "c" never ran


# ---------------------------------------------------------------- calibration

def _softmax_no_shift(z, axis=-1):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


# (check, mistake as a student writes it, the fraction of checks it passed before the cases were
# marked essential): each is now capped at half.
CAPPED = [
    ("mlp.softmax", _softmax_no_shift, 0.78),
    ("mlp.softmax", M._softmax_global_max, 0.73),
    ("perceptron.predict", P._predict_fires_at_zero, 0.70),
    ("perceptron.mp_neuron", P._mp_fires_at_theta, 0.62),
    ("perceptron.mp_neuron", P._mp_one_input_only, 0.71),
    ("mlp.sigmoid", M._sigmoid_naive, 0.67),
    ("backprop.numerical_gradient", B._ng_on_copies, 0.82),
    ("perceptron.update", P._update_no_bias_in_output, 0.82),
    ("perceptron.train", P._mistake(extra_epoch=True), 0.83),
    ("backprop.relative_error", B._re_no_floor, 0.78),
]


@pytest.mark.parametrize("name, wrong, _before", CAPPED, ids=[f"{n}-{w.__name__}" for n, w, _ in CAPPED])
def test_does_a_mistake_that_misses_the_point_earn_at_most_half(name, wrong, _before):
    """The mistake passes more than half of its checks, fails an essential case, and earns half the points."""
    result = run_check(name, wrong, hidden=True)
    assert result.passed / result.total > 0.5  # without the cap it would earn more than half
    assert result.essential_failed and result.capped
    assert result.score(2) == 1.0 and result.score(3) == 1.5
    assert "an essential case failed" in result.report()
    assert "while it fails, this exercise earns at most half its points" in result.report()


def test_does_forgetting_the_bias_in_predict_earn_at_most_half():
    """X @ w > 0 fails the bias cases (the gates, essential) and many random ones: capped, and below half anyway."""
    result = run_check("perceptron.predict", P._predict_no_bias, hidden=True)
    assert result.essential_failures[:2] == ["hand-worked: AND gate, w = [1, 1], b = -1.5", "NAND gate, w = [-1, -1], b = 1.5"]
    assert result.score(2) <= 1.0


def test_which_failed_cases_were_essential_is_exposed():
    """CheckResult names the failed essential cases; the report quotes the first."""
    result = run_check("mlp.softmax", _softmax_no_shift, hidden=True)
    assert result.essential_failures[0].startswith("edge: huge logits")
    assert [f.essential for f in result.failures] == [f.case in result.essential_failures for f in result.failures]
    assert f'an essential case failed ("{result.essential_failures[0]}")' in result.report()


def _step(z):
    return (z > 0).astype(z.dtype)


def _mp_neuron(x, w, theta):
    h = x @ w
    return float(h > theta) if h.ndim == 0 else (h > theta).astype(h.dtype)


def _predict(X, w, b):
    return _step(X @ w + b)


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


CORRECT = [("perceptron.step", _step), ("perceptron.mp_neuron", _mp_neuron), ("perceptron.predict", _predict),
           ("mlp.softmax", _softmax), ("mlp.sigmoid", _sigmoid), ("backprop.numerical_gradient", _numerical_gradient)]


@pytest.mark.parametrize("name, student", CORRECT, ids=[n for n, _ in CORRECT])
def test_does_correct_code_written_as_a_student_would_earn_full_points(name, student):
    """Correct code in the students' own words, not nnlib's, earns every point of the hidden check."""
    result = run_check(name, student, hidden=True)
    assert result.ok, result.report()
    assert result.score(2) == 2.0


# ---------------------------------------------------------------- in the notebook, while grading


def test_does_the_graded_cell_return_the_capped_score_and_say_why(monkeypatch, capsys):
    """While nbgrader grades, the hidden call prints the cap and returns the capped points."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    score = check("mlp.softmax", _softmax_no_shift, hidden=True, points=2)
    out = capsys.readouterr().out
    assert isinstance(score, Score) and score == 1.0
    assert "an essential case failed" in out and "score: 1 of 2 points" in out


def test_does_an_uncapped_failure_not_mention_the_cap(monkeypatch):
    """A mistake that fails only non-essential cases keeps its plain fraction, and the report says nothing of a cap."""
    def leaky_with_maximum(z, alpha=0.01):  # wrong only for alpha > 1, a hidden non-essential case
        return np.maximum(z, alpha * z)

    result = run_check("mlp.leaky_relu", leaky_with_maximum, hidden=True)
    assert not result.ok and not result.essential_failed
    assert result.score(1) == round(result.passed / result.total, 2)
    assert "essential" not in result.report()


def test_is_a_stub_not_told_about_the_cap():
    """When the score is 0 anyway (a stub), the cap line would add nothing: it is left out."""
    def softmax(z, axis=-1):
        raise NotImplementedError()

    result = run_check("mlp.softmax", softmax, hidden=True)
    assert result.essential_failed and not result.capped
    assert "essential" not in result.report()


@pytest.fixture
def registered_spec(monkeypatch):
    """Register throw-away specs for one test only."""
    def add(spec):
        monkeypatch.setitem(spec_module._REGISTRY, spec.name, spec)
        return spec
    return add


def test_does_a_spec_choose_its_own_cap(registered_spec):
    """essential_cap = 0.25: the same failure earns at most a quarter, and the report says 25%."""
    spec = registered_spec(Spec(name="toy.double", reference=lambda x: 2 * x, essential_cap=0.25,
                                visible_cases=lambda: [Case(f"x = {v}", (np.array([v]),), essential=v == 0.0)
                                                       for v in (0.0, 1.0, 2.0, 3.0)]))
    result = run_check(spec, lambda x: 2 * x + (x == 0))  # wrong at x = 0 only
    assert (result.passed, result.total) == (3, 4)
    assert result.score(4) == 1.0
    assert result.report().endswith("while it fails, this exercise earns at most 25% of its points")


def test_does_every_registered_check_use_the_default_cap():
    """One rule for the course: half the points (a chapter may not quietly choose another)."""
    from autograder.checking.checks import all_specs

    assert {spec.essential_cap for spec in all_specs()} == {0.5}
    assert get_spec("mlp.softmax").essential_cap == 0.5
