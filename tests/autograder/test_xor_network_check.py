"""The xor_network check asks for XOR from two detectors, so section 5's printed network is no answer.

Chapter 02 prints a hand-set XOR network (W = [[1, 1], [1, 1]], c = (0, -1),
w = (1, -2), b = 0) before Exercise 11.  The exercise asks for a different
construction: one hidden unit that fires for (1, 0) only, one for (0, 1)
only, and an output that adds them up.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder import run_check
from autograder.checking.checks import get_spec
from autograder.checking.checks.mlp import judge_xor
from nnlib.mlp import xor_params

SPEC = get_spec("mlp.xor_network")
CASE = SPEC.visible_cases()[0]


def copied_from_section_5():
    """What a student gets by copying the weights printed in the notebook."""
    return (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0]), np.array([[1.0], [-2.0]]),
            np.array([0.0]))


def detectors():
    return (np.array([[1.0, -1.0], [-1.0, 1.0]]), np.zeros(2), np.array([[1.0], [1.0]]), np.zeros(1))


def detectors_scaled_and_swapped():
    """Another right answer: units in the other order, scaled, with biases and W2 of shape (2,)."""
    W1 = np.array([[-2.0, 3.0], [2.0, -3.0]])  # unit 1: 2 (x2 - x1), unit 2: 3 (x1 - x2)
    b1 = np.array([-0.5, -1.0])  # still positive for one input each: 1.5 at (0, 1), 2 at (1, 0)
    return W1, b1, np.array([1 / 1.5, 1 / 2.0]), np.array(0.0)


def test_does_the_copied_section_5_network_fail_with_a_helpful_message():
    """It computes XOR, but its units fire for three inputs and one: it fails, and says what is asked instead."""
    (W, c), (w, b) = xor_params()
    for got, printed in zip(copied_from_section_5(), (W, c, w, b)):
        np.testing.assert_array_equal(got, printed)  # exactly the notebook's weights
    verdict = judge_xor(CASE, copied_from_section_5())
    assert verdict is not None
    assert "unit 1 fires (h > 1e-06) for (0, 1), (1, 0), (1, 1); unit 2 fires (h > 1e-06) for (1, 1)" in verdict
    assert "One unit must fire for (1, 0) and for no other input" in verdict
    assert "weights of section 5" in verdict and "does not compute XOR" not in verdict
    result = run_check(SPEC, copied_from_section_5, hidden=True)
    assert result.passed == 0
    report = result.report()
    assert "Hint: these are the weights of section 5, printed above the exercise" in report


@pytest.mark.parametrize("answer", [detectors, detectors_scaled_and_swapped])
def test_does_a_detector_network_pass(answer):
    """The notebook's solution and a rescaled, reordered variant both pass visible and hidden checks."""
    assert judge_xor(CASE, answer()) is None
    for hidden in (False, True):
        result = run_check(SPEC, answer, hidden=hidden)
        assert result.ok, result.report()


def test_are_wrong_outputs_and_wrong_detectors_both_reported():
    """Detectors right but output weights (1, -1): the message says the detectors are right and the output is not."""
    W1, b1, _, b2 = detectors()
    verdict = judge_xor(CASE, (W1, b1, np.array([[1.0], [-1.0]]), b2))
    assert "does not compute XOR" in verdict and "The detectors are right" in verdict
    assert "not the two detectors" not in verdict


def test_does_a_unit_firing_weakly_elsewhere_count_as_firing():
    """A hidden value above 1e-6 on a third input is firing; at most 1e-6 is not."""
    W1, b1, W2, b2 = detectors()
    assert judge_xor(CASE, (W1, b1 + 5e-7, W2, b2 - 1e-6)) is None  # (0, 0) gives h = 5e-7 each: silent
    verdict = judge_xor(CASE, (W1, b1 + 1e-3, W2, b2 - 2e-3))
    assert verdict is not None and "fires (h > 1e-06) for (0, 0)" in verdict
