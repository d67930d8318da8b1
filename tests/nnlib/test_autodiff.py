"""Tests for nnlib.autodiff: the scalar Value graph and its backward pass."""
import math
import warnings

import numpy as np
import pytest

from nnlib.autodiff import Value, trace
from nnlib.gradcheck import numerical_gradient, relative_error


def value_grads(f, point):
    """Run f on Value leaves at ``point``; return (f's data, the leaves' gradients)."""
    leaves = [Value(float(p)) for p in point]
    out = f(*leaves)
    out.backward()
    return out.data, np.array([leaf.grad for leaf in leaves])


def numeric_grads(f, point):
    """Centred differences of the same f, evaluated through Value's forward pass."""
    x = np.array(point, dtype=np.float64)
    return numerical_gradient(lambda x: f(*(Value(float(v)) for v in x)).data, x)


# Each case: a function of Value leaves and a point away from kinks and domain edges.
OPS = {
    "add": (lambda a, b: a + b, (1.3, -0.7)),
    "sub": (lambda a, b: a - b, (1.3, -0.7)),
    "mul": (lambda a, b: a * b, (1.3, -0.7)),
    "div": (lambda a, b: a / b, (1.3, -0.7)),
    "pow_int": (lambda a: a ** 3, (-1.2,)),
    "pow_negative": (lambda a: a ** -2, (0.8,)),
    "pow_fraction": (lambda a: a ** 0.5, (2.5,)),
    "neg": (lambda a: -a, (0.4,)),
    "radd": (lambda a: 3 + a, (0.4,)),
    "rsub": (lambda a: 1 - a, (0.4,)),
    "rmul": (lambda a: 2 * a, (0.4,)),
    "rdiv": (lambda a: 1 / a, (0.4,)),
    "relu_positive": (lambda a: a.relu(), (0.9,)),
    "relu_negative": (lambda a: a.relu(), (-0.9,)),
    "tanh": (lambda a: a.tanh(), (0.6,)),
    "sigmoid_positive": (lambda a: a.sigmoid(), (1.7,)),
    "sigmoid_negative": (lambda a: a.sigmoid(), (-2.3,)),
    "exp": (lambda a: a.exp(), (0.7,)),
    "log": (lambda a: a.log(), (1.9,)),
    "compound": (lambda a, b, c: ((a * b).tanh() + (c / a).exp() - b ** 2).sigmoid() * (c.relu() + 1).log(),
                 (0.8, -0.6, 1.1)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradient_matches_finite_differences(name):
    """Does each operation's backward agree with centred finite differences (rel. error <= 1e-7)?"""
    f, point = OPS[name]
    _, analytic = value_grads(f, point)
    numeric = numeric_grads(f, point)
    assert relative_error(analytic, numeric) <= 1e-7, (analytic, numeric)


@pytest.mark.parametrize("seed", range(5))
def test_random_expression_gradients(seed):
    """On random points, does a polynomial-and-nonlinearity expression pass the gradient check?"""
    rng = np.random.default_rng(seed)
    point = rng.uniform(0.5, 2.0, size=3) * rng.choice([-1, 1], size=3)

    def f(a, b, c):
        return (a * b + c).tanh() * (a ** 2 + 1).log() - (b / (c * c + 1)).sigmoid() + (a - c).relu() * 0.5

    _, analytic = value_grads(f, point)
    assert relative_error(analytic, numeric_grads(f, point)) <= 1e-7


def test_forward_values():
    """Do the forward values equal the plain math functions?"""
    a = Value(0.3)
    assert (a ** 2).data == pytest.approx(0.09, rel=1e-15)
    assert a.tanh().data == math.tanh(0.3)
    assert a.sigmoid().data == pytest.approx(1 / (1 + math.exp(-0.3)), rel=1e-15)
    assert a.exp().data == math.exp(0.3) and a.log().data == math.log(0.3)
    assert Value(-2.0).relu().data == 0.0 and (1 / Value(4.0)).data == 0.25
    assert (Value(7.0) - 2).data == 5.0 and (10 - Value(7.0)).data == 3.0


def test_chain_rule_graph_from_the_notes():
    """For f = (x + y) z at x = -2, y = 5, z = -4: is f = -12, df/dx = df/dy = -4, df/dz = 3?"""
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    f = q * z
    f.backward()
    assert f.data == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
    assert q.grad == -4.0 and f.grad == 1.0


def test_reused_node_accumulates():
    """Does a node used twice receive both contributions (d(a*a)/da = 2a, d(a*a + a)/da = 2a + 1)?"""
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    b = Value(-1.5)
    (b * b + b).backward()
    assert b.grad == -2.0
    c = Value(2.0)
    (c + c + c).backward()
    assert c.grad == 3.0


def test_backward_accumulates_into_leaves_and_zero_grad_resets():
    """Does a second backward add to the leaves (intermediates recomputed), and zero_grad clear all?"""
    x, y = Value(2.0), Value(-3.0)
    h = x * y
    f = h.tanh() + h
    f.backward()
    first = (x.grad, y.grad, h.grad)
    f.backward()
    assert x.grad == 2 * first[0] and y.grad == 2 * first[1]
    assert h.grad == first[2]  # an intermediate holds this pass's gradient only
    f.zero_grad()
    assert (x.grad, y.grad, h.grad, f.grad) == (0.0, 0.0, 0.0, 0.0)
    f.backward()
    assert (x.grad, y.grad) == first[:2]


def test_two_losses_sharing_a_node_sum_correctly():
    """Do two backward passes through a shared intermediate give the leaf the sum of both gradients?"""
    w = Value(0.5)
    h = w * 3.0
    loss1, loss2 = h ** 2, h.exp()
    loss1.backward()
    loss2.backward()
    assert w.grad == pytest.approx(2 * 1.5 * 3.0 + math.exp(1.5) * 3.0, rel=1e-15)


def test_worked_example_2_2_1():
    """Does the 2-2-1 sigmoid net of DESIGN.md, built from Values, give its numbers?

    x = (0.5, 0.8), y = 1, W1 = [[0.2, 0.4], [0.3, 0.7]] (row j = hidden unit j),
    b1 = (0.1, 0.2), W2 = (0.5, 0.6), b2 = 0.3, J = 1/2 (y - yhat)^2 ->
    yhat ~ 0.7391, J ~ 0.03403, dJ/dW2 ~ (-0.03155, -0.03587),
    dJ/dW1 ~ [[-0.002941, -0.004705], [-0.003088, -0.004941]].
    """
    x = [Value(0.5), Value(0.8)]
    W1 = [[Value(0.2), Value(0.4)], [Value(0.3), Value(0.7)]]
    b1 = [Value(0.1), Value(0.2)]
    W2 = [Value(0.5), Value(0.6)]
    b2 = Value(0.3)
    z2 = [W1[j][0] * x[0] + W1[j][1] * x[1] + b1[j] for j in range(2)]
    a2 = [z.sigmoid() for z in z2]
    z3 = W2[0] * a2[0] + W2[1] * a2[1] + b2
    y_hat = z3.sigmoid()
    J = 0.5 * (1.0 - y_hat) ** 2
    J.backward()

    np.testing.assert_allclose([z.data for z in z2], [0.52, 0.91], rtol=1e-12)
    np.testing.assert_allclose([a.data for a in a2], [0.6271, 0.7130], atol=5e-5)
    assert z3.data == pytest.approx(1.0414, abs=5e-5)
    assert y_hat.data == pytest.approx(0.7391, abs=5e-5)
    assert J.data == pytest.approx(0.03403, abs=5e-6)
    assert z3.grad == pytest.approx(-0.05030, abs=5e-6)
    np.testing.assert_allclose([w.grad for w in W2], [-0.03155, -0.03587], atol=5e-6)
    np.testing.assert_allclose([z.grad for z in z2], [-0.005881, -0.006176], atol=5e-7)
    np.testing.assert_allclose([[w.grad for w in row] for row in W1],
                               [[-0.002941, -0.004705], [-0.003088, -0.004941]], atol=5e-7)
    # Chain rule by hand: dJ/dW1[j][i] = dJ/dz2[j] * x[i], dJ/db1[j] = dJ/dz2[j].
    for j in range(2):
        assert b1[j].grad == z2[j].grad
        for i in range(2):
            assert W1[j][i].grad == pytest.approx(z2[j].grad * x[i].data, rel=1e-14)


def test_trace_nodes_and_edges():
    """Does trace list every node once in topological order with one edge per distinct operand?"""
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    nodes, edges = trace(f)
    assert len(nodes) == 5 and len(edges) == 4
    assert nodes[-1] is f and {id(n) for n in nodes} == {id(n) for n in (x, y, z, q, f)}
    position = {id(n): i for i, n in enumerate(nodes)}
    assert all(position[id(child)] < position[id(parent)] for child, parent in edges)
    assert {(id(c), id(p)) for c, p in edges} == {(id(x), id(q)), (id(y), id(q)), (id(q), id(f)), (id(z), id(f))}
    a = Value(3.0)
    assert [len(part) for part in trace(a * a)] == [2, 1]  # a used twice: one edge
    assert [len(part) for part in trace(2 * a)] == [3, 2]  # the constant 2 is a leaf node
    assert [len(part) for part in trace(a)] == [1, 0]
    assert f._op == "*" and q._op == "+"


def test_long_chain_does_not_hit_recursion_limit():
    """Can a chain of 5000 additions be differentiated (iterative topological sort)?"""
    x = Value(1.0)
    total = Value(0.0)
    for _ in range(5000):
        total = total + x
    total.backward()
    assert total.data == 5000.0 and x.grad == 5000.0


def test_stable_sigmoid_and_no_warnings():
    """Do sigmoid and tanh handle |z| = 1e4 without overflow, warnings or NaN gradients?"""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for z in (-1e4, 1e4):
            v = Value(z)
            s = v.sigmoid()
            t = v.tanh()
            (s + t).backward()
            assert s.data in (0.0, 1.0) and math.isfinite(v.grad) and v.grad == 0.0


def test_repr_and_label():
    """Does repr show data and grad like Value(data=2.0, grad=0.0)?"""
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2, label="x")) == "Value(data=2.0, grad=0.0, label='x')"


def test_bad_input_errors():
    """Are a Value exponent, log of a non-positive number, bad data and overflowing exp rejected clearly?"""
    a = Value(2.0)
    with pytest.raises(TypeError, match="exponent must be an int or float"):
        a ** Value(2.0)
    with pytest.raises(TypeError):
        2 ** a
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="log needs data > 0"):
            Value(bad).log()
    with pytest.raises(TypeError, match="data must be a real number"):
        Value("3")
    with pytest.raises(TypeError):
        a + "1"
    with pytest.raises(OverflowError, match="too large"):
        Value(1000.0).exp()
    with pytest.raises(ZeroDivisionError, match="denominator is 0"):
        a / 0
    with pytest.raises(ValueError, match="negative base"):
        Value(-8.0) ** (1 / 3)
