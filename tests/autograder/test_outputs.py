"""What a check demands of an output, and how it shows one: a new array, nnlib's dtype, nested values readable."""
from __future__ import annotations

import numpy as np
import pytest

from autograder import run_check
from autograder.checking import messages
from autograder.checking.calls import shares_memory
from autograder.checking.spec import Case, Spec

# ---------------------------------------------------------------- a new array (fresh_output)


def test_which_outputs_share_memory_with_an_input():
    """The input itself, a view of it, or its own list count; new arrays and fresh lists of new arrays do not."""
    z = np.arange(6.0).reshape(2, 3)
    params = [np.ones(2), np.zeros(3)]
    assert shares_memory(z, z) and shares_memory(z.T, z) and shares_memory(z[:, 1], z)
    assert shares_memory(z.reshape(-1), z)
    assert shares_memory(params, params)  # `return params`
    assert shares_memory([params[0] - 0.0, params[1]], params)  # one array handed back
    assert not shares_memory(z * 1.0, z) and not shares_memory(np.maximum(z, 0), z)
    assert not shares_memory([p - 0.1 for p in params], params)
    assert not shares_memory((z.copy(), 3.0), (z, 3.0))


def test_is_returning_the_input_itself_caught_with_a_message_and_hint():
    """relu that hands z back when nothing is negative: right values, but the caller's own array."""
    def relu(z):
        if np.all(z >= 0):
            return z  # nothing to clip
        return np.maximum(z, 0.0)

    assert run_check("mlp.relu", relu).ok  # the visible cases all have negative entries
    result = run_check("mlp.relu", relu, hidden=True)
    failure = result.failures[0]
    assert (failure.kind, failure.case) == ("alias", "edge: no negative entry (nothing to clip, still a new array)")
    text = result.report()
    assert "— your function returned its input `z` itself (or a view of it), not a new array" in text
    assert "a caller that changes it in place would change `z` too" in text
    assert "Hint: return a new array even when nothing is clipped" in text


def test_is_a_list_of_the_callers_arrays_caught_in_sgd_step():
    """sgd_step that keeps `p` when its gradient is zero returns the caller's array inside the new list."""
    def sgd_step(params, grads, lr):
        return [p - lr * g if np.any(g) else p for p, g in zip(params, grads)]

    result = run_check("backprop.sgd_step", sgd_step, hidden=True)
    assert result.failures[0].kind == "alias"
    assert "your function returned its input `params` itself (or a view of it)" in result.report()
    assert result.hint.startswith("return a new array for every parameter")


def test_is_a_view_caught_and_a_wrong_value_reported_before_aliasing():
    """A transposed view is an alias; a function both wrong and aliasing is told about the values first."""
    spec = Spec(name="toy.transpose", reference=lambda A: A.T.copy(), fresh_output=True,
                visible_cases=lambda: [Case("A (2, 3)", (np.arange(6.0).reshape(2, 3),))])
    assert run_check(spec, lambda A: A.T).failures[0].kind == "alias"
    assert run_check(spec, lambda A: np.ascontiguousarray(A.T)).ok
    assert run_check(spec, lambda A: A).failures[0].kind == "shape"


def test_is_an_alias_fine_where_the_exercise_does_not_promise_a_new_array():
    """Without fresh_output (mlp_forward's first cache holds X itself, as nnlib's does) nothing is reported."""
    spec = Spec(name="toy.identity", reference=lambda A: A,
                visible_cases=lambda: [Case("A (2,)", (np.ones(2),))])
    assert run_check(spec, lambda A: A).ok


# ---------------------------------------------------------------- one dtype policy


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@pytest.mark.parametrize("name, correct", [
    ("perceptron.step", lambda z: (z > 0).astype(z.dtype)),
    ("mlp.sigmoid", _sigmoid),
])
def test_do_step_and_sigmoid_follow_the_same_dtype_rule(name, correct):
    """float32 in, float32 out; float64 in, float64 out: both checks pass the same kind of code and fail the same
    two deviations (casting everything to float32, or everything to float64)."""
    assert run_check(name, correct, hidden=True).ok

    always_float32 = run_check(name, lambda z: correct(z).astype(np.float32), hidden=True)
    assert always_float32.failures[0].kind == "dtype"
    assert "returned dtype float32, expected float64" in always_float32.report()

    always_float64 = run_check(name, lambda z: correct(z).astype(np.float64), hidden=True)
    assert [f.kind for f in always_float64.failures] == ["dtype"]
    assert always_float64.failures[0].case.startswith("float32")
    assert "returned dtype float64, expected float32" in always_float64.report()
    assert "keep the input's precision" in always_float64.hint


def test_is_a_float32_output_compared_to_float32_precision():
    """A float32 result a few units off in the 7th digit passes; one off in the 4th does not."""
    from autograder.checking.compare import compare

    expected = np.array([0.1234567, 1.0], dtype=np.float32)
    assert compare(expected, expected * np.float32(1 + 4e-7), rtol=1e-7, check_dtype=True) is None
    assert compare(expected, expected * np.float32(1 + 1e-3), rtol=1e-7, check_dtype=True).kind == "value"


# ---------------------------------------------------------------- nested values in messages


def test_is_a_list_of_weight_pairs_shown_leaf_by_leaf():
    """[(W1, b1), (W2, b2)] reads as one line per array, named by the index path the mismatch line uses."""
    params = [(np.array([[0.2, 0.3], [0.4, 0.7]]), np.array([0.1, 0.2])), (np.array([[0.5], [0.6]]), np.array([0.3]))]
    assert messages.show(params) == (
        "a list of 2 tuples:\n"
        "[0][0] = [[0.2, 0.3],\n"
        "          [0.4, 0.7]]  (shape (2, 2))\n"
        "[0][1] = [0.1, 0.2]\n"
        "[1][0] = [[0.5],\n"
        "          [0.6]]  (shape (2, 1))\n"
        "[1][1] = [0.3]")


def test_are_dicts_and_long_lists_shown_readably():
    """A dict names its keys; a long list stops after 12 leaves; numbers in a tuple stay on one line."""
    assert messages.show({"dW": np.ones(2), "J": 0.5}) == "a dict of 2 entries:\n['dW'] = [1., 1.]\n['J'] = 0.5"
    text = messages.show([np.zeros(1)] * 20)
    assert text.splitlines()[0] == "a list of 20 arrays:" and text.splitlines()[-1] == "... (8 more)"
    assert messages.show((1.5, 2)) == "(1.5, 2)"


def test_does_a_failure_on_a_network_show_its_caches_readably():
    """The mlp_backward message lists each input array on its own line, not a 200-character repr."""
    from autograder.checking.checks import backprop as B

    report = run_check("backprop.mlp_backward", lambda *a: B._mlp_variant(*a, transpose_dW=True)).report()
    assert "caches = a list of 2 tuples:" in report
    assert "[0][0] = [[0.5, 0.8]]  (shape (1, 2))" in report
    assert "array(" not in report


def test_extended_precision_is_accepted_where_float64_is_expected_but_not_float64_for_float32():
    """Does np.longdouble pass every float64 case, while float32 in must still give float32 out?"""
    def sigmoid_longdouble(z):
        z = np.asarray(z, dtype=np.longdouble)
        return 1 / (1 + np.exp(-z))

    def sigmoid_upcast(z):
        z = np.asarray(z, dtype=np.float64)
        return 1 / (1 + np.exp(-np.clip(z, -500, 500)))

    longdouble = run_check("mlp.sigmoid", sigmoid_longdouble, hidden=True)
    assert [f.case.startswith("float32") for f in longdouble.failures] == [True]  # float32 in, float128 out
    upcast = run_check("mlp.sigmoid", sigmoid_upcast, hidden=True)
    assert [f.kind for f in upcast.failures] == ["dtype"]
    assert "returned dtype float64, expected float32" in upcast.failures[0].message
    assert upcast.passed == longdouble.passed == upcast.total - 1
