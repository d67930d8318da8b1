"""Chapter 03's checks beyond the generic catalogue tests: the Value class checks, references, messages."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nnlib.functional
import nnlib.mlp
from autograder import run_check
from autograder.checking.checks import backprop as B
from nnlib.autodiff import Value as NnlibValue
from nnlib.optimizers import SGD


def notebook_value(mul_rule="+=", tanh_rule="+=", prev=tuple):
    """A class written the way the notebook's Value is, with the two closures chosen by name.

    ``prev=set`` mimics micrograd's ``set(_children)``: then the order in which
    backward visits two parents of a node changes from run to run.
    """
    class Value:
        def __init__(self, data, _children=(), _op=""):
            self.data, self.grad, self._backward, self._prev, self._op = data, 0.0, lambda: None, prev(_children), _op

        def __repr__(self):
            return f"Value(data={self.data}, grad={self.grad})"

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data, (self, other), "+")

            def _backward():
                self.grad += out.grad
                other.grad += out.grad
            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other), "*")

            def _backward():
                if mul_rule == "stub":
                    raise NotImplementedError()
                if mul_rule == "+=":
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad
                elif mul_rule == "=":
                    self.grad = other.data * out.grad
                    other.grad = self.data * out.grad
                elif mul_rule == "typo":
                    self.grad += other.dta * out.grad
            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward():
                if tanh_rule == "stub":
                    raise NotImplementedError()
                if tanh_rule == "+=":
                    self.grad += (1 - t ** 2) * out.grad
                elif tanh_rule == "1-t":
                    self.grad += (1 - t) * out.grad
            out._backward = _backward
            return out

        def backward(self):
            order, seen = [], set()

            def visit(node):
                if node not in seen:
                    seen.add(node)
                    for child in node._prev:
                        visit(child)
                    order.append(node)
            visit(self)
            self.grad = 1.0
            for node in reversed(order):
                node._backward()

    return Value


@pytest.mark.parametrize("prev", [tuple, set])
def test_does_a_correct_notebook_class_pass_both_value_checks(prev):
    """Does the notebook's class, completed correctly, pass (with tuple or set children)?"""
    cls = notebook_value(prev=prev)
    for name in ("backprop.value_mul", "backprop.value_tanh"):
        result = run_check(name, cls, hidden=True)
        assert result.ok, result.report()


def test_is_the_released_stub_reported_as_not_implemented():
    """Does the untouched class fail every case with the same short 'not implemented yet' as any other stub?"""
    cls = notebook_value(mul_rule="stub", tanh_rule="stub")
    for name, method in (("backprop.value_mul", "__mul__"), ("backprop.value_tanh", "tanh")):
        result = run_check(name, cls, hidden=True)
        assert result.passed == 0
        assert {f.kind for f in result.failures} == {"not-implemented"}
        assert result.report() == (
            f"✗ {name} — not implemented yet: complete the backward closure of {method} "
            "(replace `raise NotImplementedError()` with your code)\n"
            f"  0 of {result.total} checks passed")


def test_is_the_tanh_check_independent_of_mul():
    """With __mul__ still a stub, does a correct tanh pass its check?"""
    assert run_check("backprop.value_tanh", notebook_value(mul_rule="stub"), hidden=True).ok


@pytest.mark.parametrize("attempt", range(5))
def test_is_the_assignment_mistake_named_whatever_the_visiting_order(attempt):
    """With set children (order varies by run), is '=' instead of '+=' still matched to its hint?"""
    result = run_check("backprop.value_mul", notebook_value(mul_rule="=", prev=set), hidden=True)
    assert not result.ok and result.hint.startswith("gradients must accumulate")


def test_does_the_message_name_the_leaf_and_the_expression():
    """Does a wrong tanh report which leaf, which expression, both gradients and the hint?"""
    result = run_check("backprop.value_tanh", notebook_value(tanh_rule="1-t"))
    report = result.report()
    assert "wrong gradient of leaf a in f = tanh(a)" in report
    assert f"expected {1 - math.tanh(0.5) ** 2!r}" in report
    assert "Hint: tanh'(x) = 1 - tanh(x)**2" in report


def test_is_an_error_in_the_students_closure_shown_with_its_line():
    """Does a typo inside _backward report the exception and the student's line?"""
    report = run_check("backprop.value_mul", notebook_value(mul_rule="typo")).report()
    assert "your Value raised AttributeError" in report and "other.dta" in report


# ---------------------------------------------------------------- references


@pytest.mark.parametrize("x, y, z", [(-2.0, 5.0, -4.0), (0.3, -1.7, 2.5), (1.0, -1.0, 3.0)])
def test_does_the_graph_reference_agree_with_autodiff(x, y, z):
    """Is graph_gradients_reference exactly what nnlib.autodiff.Value computes?"""
    leaves = [NnlibValue(v) for v in (x, y, z)]
    f = (leaves[0] + leaves[1]) * leaves[2]
    f.backward()
    assert B.graph_gradients_reference(x, y, z) == (f.data, *(v.grad for v in leaves))


def test_does_the_sgd_reference_agree_with_nnlib_sgd_and_leave_its_inputs():
    """Is sgd_step_reference nnlib's SGD step, without touching the arrays passed in?"""
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    before = [p.copy() for p in params]
    new = B.sgd_step_reference(params, grads, 0.3)
    expected = [p.copy() for p in params]
    SGD(0.3).step(expected, grads)
    for a, b, p, p0 in zip(new, expected, params, before):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(p, p0)


def test_does_the_sigmoid_reference_agree_with_activation_backward():
    """Is sigmoid_backward_reference nnlib's activation_backward for the sigmoid?"""
    rng = np.random.default_rng(1)
    Z, dA = rng.normal(scale=4, size=(5, 3)), rng.normal(size=(5, 3))
    _, cache = nnlib.functional.activation_forward(Z, "sigmoid")
    np.testing.assert_allclose(B.sigmoid_backward_reference(dA, Z), nnlib.functional.activation_backward(dA, cache),
                               rtol=1e-12, atol=1e-15)


def test_does_the_worked_example_reference_match_mlp_backward():
    """Are the reference's dW1, db1, dW2, db2 those of nnlib.mlp.mlp_backward?"""
    ref = B.worked_example_reference()
    X = np.array([[0.5, 0.8]])
    yhat, caches = nnlib.mlp.mlp_forward(X, B.WORKED_PARAMS, ["sigmoid", "sigmoid"])
    (dW1, db1), (dW2, db2) = nnlib.mlp.mlp_backward(yhat - 1.0, caches, B.WORKED_PARAMS, ["sigmoid", "sigmoid"])
    for key, value in (("dW1", dW1), ("db1", db1), ("dW2", dW2), ("db2", db2)):
        np.testing.assert_allclose(ref[key], value, rtol=1e-14)
    assert {k: np.shape(v) for k, v in ref.items()} == B.WORKED_EXAMPLE_SHAPES


# ---------------------------------------------------------------- judges and gradient checks


def test_are_the_tables_digits_not_enough_for_the_worked_example():
    """Does returning the rounded table values (instead of computing them) fail the check?"""
    def hard_coded():
        return {k: np.asarray(v, dtype=float) if k != "J" else v for k, v in B.WORKED_EXAMPLE_DIGITS.items()}
    result = run_check("backprop.worked_example", hard_coded)
    assert not result.ok and "is off" in result.report()


def test_does_the_worked_example_name_a_wrong_shape():
    """Does a 1-D z2 get a message naming the key and the batch-first shape?"""
    def flat_z2():
        out = B.worked_example_reference()
        out["z2"] = out["z2"].ravel()
        return out
    assert "'z2' must have shape (1, 2) (batch first), got (2,)" in run_check("backprop.worked_example", flat_z2).report()


def test_does_the_dense_gradient_check_catch_an_uncatalogued_bug():
    """A sign error in dW is not in the catalogue: do the value cases and the finite differences both catch it?"""
    def wrong(dZ, cache):
        X, W, b = cache
        return dZ @ W.T, -(X.T @ dZ), dZ.sum(axis=0)
    result = run_check("backprop.dense_backward", wrong)
    kinds = [f.kind for f in result.failures]
    assert "value" in kinds and "gradient" in kinds
    assert any("gradient check of dW" in f.case for f in result.failures)


def test_does_the_mlp_gradient_check_pass_the_reference_and_fail_a_bug():
    """Are the finite-difference items tiny for nnlib's mlp_backward and large for a missing derivative?"""
    spec_items = B._mlp_gradient(nnlib.mlp.mlp_backward)
    assert len(spec_items) == 4 and max(err for _, err in spec_items) < 1e-7
    no_derivative = B._mlp_gradient(lambda *a: B._mlp_variant(*a, derivative_of="none"))
    assert min(err for _, err in no_derivative) > 1e-3


def test_does_a_malformed_return_count_as_a_failed_gradient_not_a_crash():
    """If the student's dense_backward returns None, do the gradient items fail with infinite error?"""
    items = B._dense_gradient(lambda dZ, cache: None)
    assert [err for _, err in items] == [float("inf")] * 3


# ---------------------------------------------------------------- numerical_gradient


def _in_place(f, x, h=1e-5):
    """The exercise as asked: perturb x in place, one entry at a time, and restore it exactly."""
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


def test_does_perturbing_copies_fail_where_f_reads_x_itself():
    """f = lambda _: np.sum(W**2) never sees a copy change: the copying version returns zeros and is told why."""
    def on_copies(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x_plus, x_minus = x.copy(), x.copy()
            x_plus[i] += h
            x_minus[i] -= h
            grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
        return grad

    assert run_check("backprop.numerical_gradient", _in_place, hidden=True).ok
    result = run_check("backprop.numerical_gradient", on_copies)
    report = result.report()
    assert result.failures[0].case.startswith("f reads the array itself")
    assert "input:    f = lambda _: np.sum(W**2), reading W itself (x is W)" in report
    assert "expected: [[ 2., -4.]," in report and "received: [[0., 0.]," in report
    assert "Hint: perturb x itself, in place" in report
    assert result.score(2) <= 1.0  # an essential case


def test_does_ignoring_h_fail_where_the_step_shows():
    """A fixed step of 1e-5 passes the quadratics but not x**3 / 3 with h = 1e-2, whose result is x**2 + h**2 / 3."""
    def fixed_step(f, x, h=1e-5):
        return _in_place(f, x, 1e-5)

    result = run_check("backprop.numerical_gradient", fixed_step, hidden=True)
    assert [f.case for f in result.failures] == [
        "f(x) = sum(x**3) / 3 with h = 1e-2 given (the result is x**2 + h**2 / 3: use the h passed in)",
        "f(x) = sum(exp(x) * C) with h = 0.1 (a large step shows in the result)"]
    assert "Hint: use the step h that is passed in" in result.report()


def test_is_a_forgotten_restore_reported_without_telling_the_student_to_copy():
    """numerical_gradient perturbs x in place on purpose: the message asks for the restore, not for a copy."""
    def not_restored(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += h
            f_plus = f(x)
            x[i] -= 2 * h
            grad[i] = (f_plus - f(x)) / (2 * h)
        return grad

    report = run_check("backprop.numerical_gradient", not_restored).report()
    assert report.splitlines()[0] == ("✗ backprop.numerical_gradient — your function left its input `x` changed: "
                                      "it must restore it exactly")
    assert "perturbing x in place is the idea, but put every entry back afterwards" in report
    assert "Hint: put x[i] back after evaluating f" in report
    assert "copy" not in report


def test_is_restoring_by_arithmetic_told_apart_from_not_restoring():
    """x[i] += h after x[i] -= 2h leaves rounding errors: the same input changed, by far less, its own hint."""
    def restored_by_arithmetic(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += h
            f_plus = f(x)
            x[i] -= 2 * h
            f_minus = f(x)
            x[i] += h
            grad[i] = (f_plus - f_minus) / (2 * h)
        return grad

    result = run_check("backprop.numerical_gradient", restored_by_arithmetic, hidden=True)
    assert result.failures[0].kind == "mutation"
    assert result.hint.startswith("adding h back (x[i] += h after x[i] -= 2 * h) does not always give the old value")
