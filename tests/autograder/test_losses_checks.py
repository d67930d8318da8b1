"""Chapter 04's checks beyond the generic catalogue tests (tests/autograder/test_catalogues.py).

The catalogue tests already show every catalogued mistake failing with its
own hint, the reference passing under several course secrets, the stub
failing with "not implemented yet" and the float32 cases keeping float32.
Here: the hand-worked cases carry the syllabus's numbers, correct code
written the way the notebook's solution writes it passes every case, the
essential cases cap the score of the mistakes that are each exercise's
point, and the gradient items catch a gradient that is off.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from autograder import run_check
from autograder.checking.checks import get_spec
from autograder.checking.checks import losses as C
from autograder.checking.engine import _reference_output

NAMES = ["losses.mse", "losses.mse_grad", "losses.huber", "losses.huber_grad", "losses.bce",
         "losses.bce_with_logits", "losses.softmax_cross_entropy", "losses.softmax_cross_entropy_grad",
         "losses.hinge"]


# ------------------------------------------------------------------ the notebook's solutions, as a student writes them
def mse(y_pred, y_true):
    return float(np.mean((y_pred - y_true) ** 2))


def mse_grad(y_pred, y_true):
    return 2 * (y_pred - y_true) / y_pred.size


def huber(y_pred, y_true, delta=1.0):
    a = np.abs(y_pred - y_true)
    return float(np.mean(np.where(a <= delta, 0.5 * a ** 2, delta * (a - 0.5 * delta))))


def huber_grad(y_pred, y_true, delta=1.0):
    return np.clip(y_pred - y_true, -delta, delta) / y_pred.size


def binary_cross_entropy(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_with_logits(z, y):
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def softmax_cross_entropy(z, labels):
    m = np.max(z, axis=1, keepdims=True)
    log_p = z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


def softmax_cross_entropy_grad(z, labels):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    return p / len(labels)


def hinge(scores, y):
    return float(np.mean(np.maximum(0, 1 - y * scores)))


SOLUTIONS = dict(zip(NAMES, [mse, mse_grad, huber, huber_grad, binary_cross_entropy, bce_with_logits,
                             softmax_cross_entropy, softmax_cross_entropy_grad, hinge]))


@pytest.mark.parametrize("name", NAMES)
def test_does_the_notebooks_solution_pass_every_case(name):
    """Does correct code, written as the solution notebook writes it, pass the visible and hidden cases in full?"""
    result = run_check(name, SOLUTIONS[name], hidden=True)
    assert result.ok, result.report()
    assert result.score(2) == 2.0


def test_are_the_checks_the_ones_the_chapter_registers():
    """Are exactly the nine exercises of the chapter registered under losses.*?"""
    from autograder.checking.checks import all_specs

    assert sorted(s.name for s in all_specs() if s.name.startswith("losses.")) == sorted(NAMES)


# ------------------------------------------------------------------ the worked numbers
def first_value(name, label_start):
    spec = get_spec(name)
    case = next(c for c in spec.visible_cases() if c.label.startswith(label_start))
    return _reference_output(spec, case), case


@pytest.mark.parametrize("name, label, value", [
    ("losses.mse", "hand-worked", 0.375),
    ("losses.huber", "hand-worked", 0.1875),
    ("losses.huber", "the outlier", 2.1875),
    ("losses.bce", "hand-worked", 0.3375),
    ("losses.bce_with_logits", "edge: |z| = 1e4", 5000.0),
    ("losses.softmax_cross_entropy", "hand-worked: z = [[2, 1, 0.1]]", 0.4170),
    ("losses.softmax_cross_entropy", "hand-worked: a batch of two", 1.5569),
    ("losses.softmax_cross_entropy", "edge: logits of +-1e4", 1e4),
    ("losses.softmax_cross_entropy", "edge: confidently wrong", 800 + math.log(2)),
    ("losses.hinge", "hand-worked", 0.8333),
])
def test_do_the_hand_worked_cases_carry_the_syllabus_numbers(name, label, value):
    """Does each hand-worked case's expected value round to the number its label (and the notebook) states?"""
    got, case = first_value(name, label)
    decimals = len(str(value).split(".")[1]) if "." in str(value) else 0
    assert round(got, max(decimals, 4)) == pytest.approx(value, abs=10 ** -max(decimals, 4)), case.label


@pytest.mark.parametrize("name, label, value", [
    ("losses.mse_grad", "hand-worked", [-0.25, 0.25, 0.0, 0.5]),
    ("losses.huber_grad", "hand-worked", [-0.125, 0.125, 0.0, 0.25]),
    ("losses.huber_grad", "the outlier", [-0.125, 0.125, 0.0, -0.25]),
    ("losses.softmax_cross_entropy_grad", "hand-worked: z = [[2, 1, 0.1]]", [[-0.341, 0.242, 0.099]]),
])
def test_do_the_hand_worked_gradients_carry_the_syllabus_numbers(name, label, value):
    got, case = first_value(name, label)
    np.testing.assert_allclose(got, value, atol=5e-4, err_msg=case.label)


def test_does_the_bce_clipping_case_cost_log_of_eps():
    """Is a confidently wrong p = 0 worth -log(1e-12) = 27.63 in the clipping case (not inf, not 16.1)?"""
    got, _ = first_value("losses.bce", "edge: p = 0")
    assert got == pytest.approx((-math.log(1e-12) - math.log(0.7)) / 2, rel=1e-9)


# ------------------------------------------------------------------ the essential cases cap the score
@pytest.mark.parametrize("name, wrong", [
    ("losses.mse", C._mse_rows),  # right on 1-D, wrong on the 2-D batch
    ("losses.mse_grad", C._mse_grad_rows),
    ("losses.huber", C._huber_no_delta_factor),  # right for delta = 1
    ("losses.huber_grad", C._huber_grad_no_clip),  # right until the outlier
    ("losses.bce", C._bce_unclipped),  # right away from 0 and 1
    ("losses.bce_with_logits", C._bcel_clipped_sigmoid),  # right for moderate logits
    ("losses.softmax_cross_entropy", C._sce_no_max),
    ("losses.softmax_cross_entropy", C._sce_softmax_then_log),
    ("losses.softmax_cross_entropy_grad", C._sceg_naive),
    ("losses.hinge", C._hinge_ignores_y),  # right when every label is +1
])
def test_does_a_mistake_that_misses_the_point_earn_at_most_half(name, wrong):
    """A function wrong on the exercise's point fails an essential case and earns at most half, even where it
    passes most cases (mse, huber, bce, both softmax exercises: the cap takes points away there)."""
    result = run_check(name, wrong, hidden=True)
    assert result.essential_failed, result.report()
    assert result.score(2) == min(1.0, round(2 * result.passed / result.total, 2))
    if name in ("losses.mse", "losses.huber", "losses.bce", "losses.softmax_cross_entropy",
                "losses.softmax_cross_entropy_grad"):
        assert result.passed / result.total > 0.5 and result.score(2) == 1.0


def test_is_a_stability_failure_reported_as_a_warning_with_the_case():
    """Does an overflowing softmax cross-entropy name the warning, the 1e4 case and the log-sum-exp fix?"""
    report = run_check("losses.softmax_cross_entropy", C._sce_no_max).report()
    assert "NumPy warned: overflow encountered in exp" in report
    assert "edge: logits of +-1e4" in report
    assert "log-sum-exp" in report and "at most half its points" in report


def test_is_a_right_value_that_warns_at_1e4_a_failure():
    """"Stable at |z| = 1e4 with no warning": does a BCE from logits that computes both branches of np.where,
    right to the last digit but overflowing in the branch it discards, fail the essential case on the warning?"""
    def both_branches(z, y):
        return float(np.mean(np.where(z >= 0, z - z * y + np.log1p(np.exp(-z)), -z * y + np.log1p(np.exp(z)))))

    z, y = np.array([1e4, -1e4, 1e4, -1e4]), np.array([0.0, 1.0, 1.0, 0.0])
    with np.errstate(over="ignore"):
        assert both_branches(z, y) == 5000.0  # the value is right
    result = run_check("losses.bce_with_logits", both_branches, hidden=True)
    report = result.report()
    assert "NumPy warned: overflow encountered in exp" in report and "edge: |z| = 1e4" in report
    assert "expected: 5000.0" in report and "received: 5000.0" in report
    assert result.essential_failed and result.score(2) <= 1.0


# ------------------------------------------------------------------ the gradient items
@pytest.mark.parametrize("name", ["losses.mse_grad", "losses.huber_grad", "losses.softmax_cross_entropy_grad"])
def test_does_the_gradient_item_pass_the_reference_and_catch_a_scaled_gradient(name):
    """Is nnlib's gradient within 1e-6 of centred differences, and is a gradient 10 % off caught?"""
    spec = get_spec(name)
    items = spec.gradient(spec.reference)
    assert items and all(error < 1e-8 for _, error in items)
    off = lambda *args, **kwargs: 1.1 * spec.reference(*args, **kwargs)
    assert all(error > spec.grad_rtol for _, error in spec.gradient(off))
    result = run_check(dataclasses.replace(spec, blocked=()), off)  # the reference itself may run here
    assert any(f.kind == "gradient" and f.case.startswith("gradient check of") for f in result.failures)


def test_does_a_gradient_of_the_wrong_shape_fail_its_item_not_the_checker():
    """A gradient of the wrong shape gives an infinite error on the item instead of an exception."""
    spec = get_spec("losses.softmax_cross_entropy_grad")
    assert spec.gradient(lambda z, labels: np.zeros(3)) == [(spec.gradient(spec.reference)[0][0], float("inf"))]


# ------------------------------------------------------------------ what the student is told about labels
def test_does_a_one_hot_reading_of_the_labels_get_the_labels_hint_when_n_equals_c():
    """With N = C, the one-hot reading does not raise; it still fails, with the labels hint, on the hidden case."""
    result = run_check("losses.softmax_cross_entropy", C._sce_onehot, hidden=True)
    assert "one integer class per sample" in result.report()
    square = next(c for c in get_spec("losses.softmax_cross_entropy").hidden_cases() if "as many samples" in c.label)
    assert square.essential
    assert "as many samples as classes" in "".join(f.case for f in result.failures)
