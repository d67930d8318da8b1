"""Checks of chapter 03_backprop: the chain rule, a scalar Value, dense backprop, gradient checking.

Student signatures (the notebook states each one in its exercise):

- ``graph_gradients(x, y, z) -> (f, dfdx, dfdy, dfdz)`` for ``f = (x + y) * z``.
- ``Value``: the notebook's small class; the student completes the backward
  closures of ``__mul__`` and ``tanh`` and passes the *class*:
  ``check("backprop.value_mul", Value)``.
- ``sigmoid_backward(dA, Z) -> dZ = dA * s * (1 - s)`` with ``s = sigmoid(Z)``.
- ``dense_backward(dZ, cache) -> (dX, dW, db)`` with ``cache = (X, W, b)``
  exactly as ``nnlib.functional.dense_forward`` returns it.
- ``mlp_backward(dA_out, caches, params, activations) -> [(dW, db), ...]``
  as ``nnlib.mlp.mlp_backward`` (activations: identity, sigmoid, tanh, relu).
- ``numerical_gradient(f, x, h=1e-5)``: centred differences, ``x`` perturbed
  in place and restored exactly (some cases' ``f`` ignores its argument and
  reads the very array ``x``, as a loss reads a layer's weights).
- ``relative_error(a, b)``: ``max |a - b| / max(1e-8, |a| + |b|)``, a float.
- ``sgd_step(params, grads, lr) -> new list`` of ``p - lr * g``; the arrays
  passed in are not modified.
- ``worked_example_gradients() -> dict`` of the 2-2-1 example (keys and
  batch-first shapes in :data:`WORKED_EXAMPLE_SHAPES`).

How the two Value checks work.  The engine calls the student's class with
the case's argument, ``Value(2.0)``: that is leaf ``a`` of the case's
expression.  The judge builds the rest of the expression around it with the
same class, runs ``backward()`` at arm's length (time limit, exceptions with
the student's line, "not implemented yet" for the stub) and compares the
gradient of every leaf with :class:`nnlib.autodiff.Value` on the same
expression; the message names the leaf and the expression.  The catalogued
mistakes are whole classes; two of them "are equal" (the engine's test for
"the student made this mistake") when they give the same leaf gradients on
every expression of the check (for the "= instead of +=" mistakes, whose
numbers depend on the order backward visits the nodes: when they fail on the
same expressions).

Essential cases (while one fails, the exercise earns at most half its
points): every hand-worked case, the Value checks' visible expressions (a
node used twice, a chain), the random 3-4-2 network of mlp_backward (whose
sigmoid output layer needs its derivative), numerical_gradient's case whose
``f`` reads ``x`` itself.  dtype: array outputs keep nnlib's dtype, float32
for float32 input (one hidden float32 case each, with inputs on a grid of
quarters so that float32 sums are exact); numerical_gradient has none
(float32 cannot resolve a step of 1e-5), relative_error returns a float.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder.checking.calls import run_isolated
from autograder.checking.secret import case_rng
from autograder.checking.spec import Case, Mistake, NotImplementedYet, Spec, register
from nnlib import mlp
from nnlib.activations import sigmoid, sigmoid_grad
from nnlib.autodiff import Value as NnlibValue
from nnlib.functional import dense_backward
from nnlib.gradcheck import numerical_gradient, relative_error

def _quarters(rng, shape):
    """float32 multiples of 1/4 in [-2, 2]: products and short sums of them are exact in float32."""
    return (rng.integers(-8, 9, size=shape) / 4).astype(np.float32)


# ======================================================================= graph_gradients


def graph_gradients_reference(x, y, z):
    """``f = (x + y) z`` and its gradients by the chain rule: with ``q = x + y``,
    ``df/dx = df/dq * dq/dx = z * 1``, the same for y, and ``df/dz = q``."""
    q = x + y
    return (q * z, z * 1.0, z * 1.0, q)


def _graph_cases():
    rng = np.random.default_rng(30)
    return [
        Case("hand-worked: x = -2, y = 5, z = -4 (the lecture's example)", (-2.0, 5.0, -4.0), essential=True),
        Case("random x, y, z", tuple(float(v) for v in np.round(rng.normal(size=3), 3))),
    ]


def _graph_hidden_cases():
    rng = case_rng(31)
    cases = [Case(f"random x, y, z #{i}", tuple(float(v) for v in rng.normal(scale=3, size=3))) for i in range(3)]
    cases += [
        Case("edge: x + y = 0, so df/dz = 0", (1.5, -1.5, 2.0)),
        Case("edge: z = 0, so df/dx = df/dy = 0", (3.0, 4.0, 0.0)),
        Case("edge: large values", (1e6, -3e5, 2e3)),
        Case("integers in, floats out", (1, 2, 3)),
    ]
    return cases


def _graph_forgot_upstream(x, y, z):
    return ((x + y) * z, 1.0, 1.0, x + y)


def _graph_swapped(x, y, z):
    return ((x + y) * z, x + y, x + y, z)


def _graph_dfdz_is_z(x, y, z):
    return ((x + y) * z, z, z, z)


register(Spec(
    name="backprop.graph_gradients",
    reference=graph_gradients_reference,
    visible_cases=_graph_cases,
    hidden_cases=_graph_hidden_cases,
    mistakes=[
        Mistake("dq/dx = 1 is only the local gradient of the addition: multiply by the upstream gradient "
                "df/dq = z, so df/dx = z * 1", _graph_forgot_upstream),
        Mistake("the two local gradients of the product q * z are swapped: df/dq is the *other* factor, z, "
                "and df/dz is q = x + y", _graph_swapped),
        Mistake("df/dz is the other factor of the product, q = x + y, not z itself", _graph_dfdz_is_z),
    ],
    blocked=("nnlib.autodiff.Value.backward",),
    output_names=("f", "dfdx", "dfdy", "dfdz"),
))


# ======================================================================= Value: mul and tanh


@dataclass(frozen=True)
class _Graph:
    """An expression over named leaves; ``build(V)`` combines the dict of leaf Values into the root."""

    expression: str
    leaves: dict
    build: Callable

    @property
    def label(self) -> str:
        values = ", ".join(f"{k} = {v:g}" for k, v in self.leaves.items())
        return f"f = {self.expression} at {values}"

    def run(self, cls, first_leaf=None):
        """Build the graph with ``cls`` (leaf ``a`` may be given), run backward; return (f, {leaf: grad})."""
        V = {name: cls(value) for name, value in self.leaves.items()}
        if first_leaf is not None:
            V["a"] = first_leaf
        root = self.build(V)
        root.backward()
        return float(root.data), {name: float(V[name].grad) for name in self.leaves}


def _rand(seed, n):
    """Leaf values of a hidden expression, in [-2, 2]: they change with the course's secret."""
    return [float(v) for v in np.round(case_rng(seed).uniform(-2, 2, size=n), 3)]


_MUL_VISIBLE = [
    _Graph("a * b", {"a": 2.0, "b": -3.0}, lambda V: V["a"] * V["b"]),
    _Graph("a * a (one node used twice)", {"a": 3.0}, lambda V: V["a"] * V["a"]),
    _Graph("(a * b) * c (a chain)", {"a": 1.5, "b": -2.0, "c": 0.5}, lambda V: (V["a"] * V["b"]) * V["c"]),
]


def _mul_hidden():
    return [
        _Graph("a * b + a * c (a used by two products)", {"a": -1.0, "b": 4.0, "c": 2.5},
               lambda V: V["a"] * V["b"] + V["a"] * V["c"]),
        _Graph("(a * b + c) * (a * c)", dict(zip("abc", _rand(40, 3))),
               lambda V: (V["a"] * V["b"] + V["c"]) * (V["a"] * V["c"])),
        _Graph("((a * b) * (b * c)) * a", dict(zip("abc", _rand(41, 3))),
               lambda V: ((V["a"] * V["b"]) * (V["b"] * V["c"])) * V["a"]),
        _Graph("a * b with a zero factor", {"a": 0.7, "b": 0.0}, lambda V: V["a"] * V["b"]),
        _Graph("(a * a) * a", {"a": -1.3}, lambda V: (V["a"] * V["a"]) * V["a"]),
    ]


_TANH_VISIBLE = [
    _Graph("tanh(a)", {"a": 0.5}, lambda V: V["a"].tanh()),
    _Graph("tanh(tanh(a)) (a chain)", {"a": 0.7}, lambda V: V["a"].tanh().tanh()),
    _Graph("tanh(a) + a (a used twice)", {"a": -0.4}, lambda V: V["a"].tanh() + V["a"]),
]


def _tanh_hidden():
    return [
        _Graph("tanh(a + b)", {"a": 0.3, "b": -0.8}, lambda V: (V["a"] + V["b"]).tanh()),
        _Graph("tanh(a) + tanh(a + b)", {"a": -1.1, "b": 0.6}, lambda V: V["a"].tanh() + (V["a"] + V["b"]).tanh()),
        _Graph("tanh(tanh(a) + tanh(b))", dict(zip("ab", _rand(42, 2))),
               lambda V: (V["a"].tanh() + V["b"].tanh()).tanh()),
        _Graph("tanh(a), saturated", {"a": 5.0}, lambda V: V["a"].tanh()),
        _Graph("tanh(a) at its centre", {"a": 0.0}, lambda V: V["a"].tanh()),
    ]


def mul_graphs() -> dict:
    """The expressions of the __mul__ check, drawn when called (the hidden ones follow the secret)."""
    return {"visible": _MUL_VISIBLE, "hidden": _mul_hidden()}


def tanh_graphs() -> dict:
    """The expressions of the tanh check, drawn when called."""
    return {"visible": _TANH_VISIBLE, "hidden": _tanh_hidden()}


def value_reference(data):
    """The leaf ``Value(data)`` of nnlib, whose graphs the judge uses as the reference."""
    return NnlibValue(data)


def _value_cases(graphs, part):
    """The check's cases: one per expression, leaf ``a`` as the argument; the visible ones are essential."""
    return lambda: [Case(g.label, (g.leaves["a"],), essential=part == "visible") for g in graphs()[part]]


def _close(a, b, rtol=1e-7):
    return abs(a - b) <= rtol * max(1e-8, abs(a) + abs(b))


def _value_judge(graphs, method):
    def judge(case, leaf):
        drawn = graphs()
        graph = {g.label: g for g in drawn["visible"] + drawn["hidden"]}[case.label]
        want_f, want = graph.run(NnlibValue)
        outcome = run_isolated(lambda: graph.run(type(leaf), first_leaf=leaf), seconds=5.0)
        where = f"f = {graph.expression}"
        if isinstance(outcome.error, NotImplementedError):
            return NotImplementedYet(f"not implemented yet: complete the backward closure of {method} "
                                     "(replace `raise NotImplementedError()` with your code)")
        if outcome.error is not None:
            line = f"\n  at {outcome.line}" if outcome.line else ""
            return f"your Value raised {type(outcome.error).__name__}: {outcome.error} during {where}{line}"
        if outcome.timed_out:
            return f"backward() on {where} took longer than 5 s: an endless loop?"
        got_f, got = outcome.output
        if not _close(got_f, want_f):
            return f"the forward value is wrong: {where} should be {want_f!r}, your f.data is {got_f!r}"
        wrong = [name for name in want if not _close(got[name], want[name])]
        if not wrong:
            return None
        table = ", ".join(f"{n}.grad {got[n]!r} (expected {want[n]!r})" for n in want)
        return (f"wrong gradient of leaf {wrong[0]} in {where}: your {wrong[0]}.grad is {got[wrong[0]]!r}, "
                f"expected {want[wrong[0]]!r}\n  all leaves: {table}")

    return judge


def _fingerprint(cls, graphs: dict):
    """What ``cls`` computes on every expression of a check: (f, leaf gradients) or the error's type."""
    prints = []
    for graph in graphs["visible"] + graphs["hidden"]:
        outcome = run_isolated(lambda: graph.run(cls), seconds=5.0)
        prints.append(type(outcome.error).__name__ if outcome.error or outcome.timed_out else outcome.output)
    return prints


def _same_output(x, y) -> bool:
    """Two fingerprint entries agree: the same error type, or the same f and leaf gradients."""
    if isinstance(x, str) or isinstance(y, str):
        return x == y
    return _close(x[0], y[0]) and x[1].keys() == y[1].keys() and all(_close(x[1][k], y[1][k]) for k in x[1])


def _behaves_like(mistake, other) -> bool:
    """Does class ``other`` fail exactly where the mistake class fails (and, if the mistake is exact, with its numbers)?

    A class that assigns gradients with = gives numbers that depend on the order in
    which its backward() visits two parents of a node (a set's order, in many
    students' code), so such mistakes (``_exact = False``) are matched by where they fail only.
    """
    graphs = mistake._graphs()
    truth, wrong, got = (_fingerprint(c, graphs) for c in (NnlibValue, mistake, other))
    for t, w, g in zip(truth, wrong, got):
        if _same_output(t, w) != _same_output(t, g):
            return False
        if mistake._exact and not _same_output(w, g):
            return False
    return True


class _NotebookValue:
    """The notebook's Value, complete and correct; the catalogued mistakes override one method.

    Equality compares behaviour (see the module docstring); ``_graphs()`` says on which expressions.
    """

    _graphs = staticmethod(lambda: {"visible": [], "hidden": []})
    _exact = True

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    __hash__ = object.__hash__  # nodes live in sets during backward()

    def __eq__(self, other):
        if not isinstance(other, _NotebookValue) and not callable(getattr(type(other), "backward", None)):
            return NotImplemented
        return _behaves_like(type(self), type(other))

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def _value(self, other):
        return other if isinstance(other, _NotebookValue) else type(self)(other)

    def __add__(self, other):
        other = self._value(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._value(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)
        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()


class _MulValue(_NotebookValue):
    _graphs = staticmethod(mul_graphs)


class _MulAssigns(_MulValue):
    _exact = False

    def __mul__(self, other):
        other = self._value(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad
        out._backward = _backward
        return out


class _MulNoUpstream(_MulValue):
    def __mul__(self, other):
        other = self._value(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data
            other.grad += self.data
        out._backward = _backward
        return out


class _MulOwnData(_MulValue):
    def __mul__(self, other):
        other = self._value(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += self.data * out.grad
            other.grad += other.data * out.grad
        out._backward = _backward
        return out


class _TanhValue(_NotebookValue):
    _graphs = staticmethod(tanh_graphs)


class _TanhNoSquare(_TanhValue):
    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t) * out.grad
        out._backward = _backward
        return out


class _TanhNoUpstream(_TanhValue):
    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad += 1 - t ** 2
        out._backward = _backward
        return out


class _TanhAssigns(_TanhValue):
    _exact = False

    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad = (1 - t ** 2) * out.grad
        out._backward = _backward
        return out


class _TanhOfInput(_TanhValue):
    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - self.data ** 2) * out.grad
        out._backward = _backward
        return out


_ASSIGN_HINT = ("gradients must accumulate: write self.grad += ..., not self.grad = ...; a node used twice "
                "(a * a, or a feeding two nodes) receives one contribution per use, and = keeps only the last")
register(Spec(
    name="backprop.value_mul",
    reference=value_reference,
    visible_cases=_value_cases(mul_graphs, "visible"),
    hidden_cases=_value_cases(mul_graphs, "hidden"),
    mistakes=[
        Mistake(_ASSIGN_HINT, _MulAssigns),
        Mistake("multiply the local gradient by the upstream gradient out.grad: "
                "self.grad += other.data * out.grad (it is 1 only at the root)", _MulNoUpstream),
        Mistake("the local gradient of a * b with respect to a is the *other* operand b: "
                "self.grad += other.data * out.grad, and other.grad += self.data * out.grad", _MulOwnData),
    ],
    judge=_value_judge(mul_graphs, "__mul__"),
))
register(Spec(
    name="backprop.value_tanh",
    reference=value_reference,
    visible_cases=_value_cases(tanh_graphs, "visible"),
    hidden_cases=_value_cases(tanh_graphs, "hidden"),
    mistakes=[
        Mistake("tanh'(x) = 1 - tanh(x)**2: the output t is squared, 1 - t is not the derivative", _TanhNoSquare),
        Mistake("multiply the local gradient by the upstream gradient: self.grad += (1 - t**2) * out.grad",
                _TanhNoUpstream),
        Mistake(_ASSIGN_HINT, _TanhAssigns),
        Mistake("use the output t = tanh(x) in the derivative, 1 - t**2, not the input x: 1 - x**2 is wrong",
                _TanhOfInput),
    ],
    judge=_value_judge(tanh_graphs, "tanh"),
))


# ======================================================================= sigmoid_backward


def sigmoid_backward_reference(dA, Z):
    """``dZ = dA * s * (1 - s)`` with ``s = sigmoid(Z)`` (the chain rule through the sigmoid)."""
    s = sigmoid(Z)
    return dA * s * (1.0 - s)


def _sig_cases():
    rng = np.random.default_rng(50)
    return [
        Case("hand-worked: Z = [[0, 2, -1]], dA = [[1, 1, 1]] (dZ = sigmoid'(Z))",
             (np.ones((1, 3)), np.array([[0.0, 2.0, -1.0]])), essential=True),
        Case("hand-worked: the 2-2-1 output, Z = [[1.0414]], dA = [[yhat - y]] = [[-0.2609]]",
             (np.array([[-0.26088497]]), np.array([[1.04137398]])), essential=True),
        Case("random (4, 3)", (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))),
    ]


def _sig_hidden_cases():
    rng = case_rng(51)
    cases = [Case(f"random {shape}", (rng.normal(size=shape), rng.normal(scale=3, size=shape)))
             for shape in ((1, 1), (7, 5), (32, 2), (3,))]
    cases += [
        Case("edge: Z = ±800 (sigmoid saturates; no overflow)",
             (np.ones((2, 2)), np.array([[800.0, -800.0], [-30.0, 30.0]]))),
        Case("edge: dA = 0 gives dZ = 0", (np.zeros((2, 3)), rng.normal(size=(2, 3)))),
        Case("float32 dA and Z of shape (3, 2): dZ stays float32",
             (_quarters(rng, (3, 2)), rng.uniform(-3, 3, size=(3, 2)).astype(np.float32))),
    ]
    return cases


def _sig_forgot_dA(dA, Z):
    s = sigmoid(Z)
    return s * (1.0 - s)


def _sig_used_Z(dA, Z):
    return dA * Z * (1.0 - Z)


def _sig_forgot_one_minus(dA, Z):
    return dA * sigmoid(Z)


def _sig_naive(dA, Z):
    s = 1.0 / (1.0 + np.exp(-Z))
    return dA * s * (1.0 - s)


register(Spec(
    name="backprop.sigmoid_backward",
    reference=sigmoid_backward_reference,
    visible_cases=_sig_cases,
    hidden_cases=_sig_hidden_cases,
    mistakes=[
        Mistake("that is sigmoid'(Z) alone: multiply by the upstream gradient, dZ = dA * s * (1 - s)",
                _sig_forgot_dA),
        Mistake("sigmoid'(Z) = s (1 - s) with s = sigmoid(Z), not Z (1 - Z): compute s = sigmoid(Z) first",
                _sig_used_Z),
        Mistake("sigmoid'(Z) = s * (1 - s): the factor (1 - s) is missing", _sig_forgot_one_minus),
        Mistake("np.exp(-Z) overflows for large negative Z: use the stable sigmoid from the setup cell",
                _sig_naive),
    ],
    blocked=("nnlib.activations.sigmoid_grad", "nnlib.functional.activation_backward"),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= dense_backward


def _dense_case(rng, N, D, H):
    X = rng.normal(size=(N, D))  # (N, D)
    W = rng.normal(size=(D, H))  # (D, H)
    b = rng.normal(size=H)  # (H,)
    dZ = rng.normal(size=(N, H))  # (N, H)
    return dZ, (X, W, b)


def _dense_cases():
    X = np.array([[1.0, 2.0, -1.0], [0.0, 1.0, 3.0]])  # (2, 3)
    W = np.array([[0.5, -1.0], [2.0, 0.0], [1.0, 1.0]])  # (3, 2)
    b = np.array([0.1, -0.2])  # (2,)
    dZ = np.array([[1.0, 0.0], [-1.0, 2.0]])  # (2, 2)
    return [
        Case("hand-worked: N = 2, D = 3, H = 2", (dZ, (X, W, b)), essential=True),
        Case("random N = 5, D = 4, H = 3", _dense_case(np.random.default_rng(60), 5, 4, 3)),
    ]


def _dense_hidden_cases():
    cases = [Case(f"random N = {N}, D = {D}, H = {H}" + (" (square W)" if D == H else ""),
                  _dense_case(case_rng(61 + i), N, D, H))
             for i, (N, D, H) in enumerate(((1, 3, 2), (8, 4, 4), (64, 10, 3), (3, 1, 6)))]
    rng = case_rng(65)
    dZ, X, W, b = _quarters(rng, (4, 2)), _quarters(rng, (4, 3)), _quarters(rng, (3, 2)), _quarters(rng, 2)
    cases.append(Case("float32 N = 4, D = 3, H = 2: dX, dW, db stay float32", (dZ, (X, W, b))))
    return cases


def _dense_gradient(func):
    """Compare the student's (dX, dW, db) with centred differences of L = sum(Z * R), so dL/dZ = R."""
    dZ, (X, W, b) = _dense_case(np.random.default_rng(80), 4, 3, 2)

    def loss(_):
        return float(np.sum((X @ W + b) * dZ))
    out = func(dZ.copy(), (X.copy(), W.copy(), b.copy()))
    items = []
    for name, p, i in (("dX", X, 0), ("dW", W, 1), ("db", b, 2)):
        try:
            err = relative_error(np.asarray(out[i], dtype=float), numerical_gradient(loss, p))
        except (TypeError, ValueError, IndexError):  # wrong structure or shape: the cases report it
            err = float("inf")
        items.append((f"{name} (L = sum(Z * R) with random R, h = 1e-5)", err))
    return items


def _dense_transposed_dW(dZ, cache):
    X, W, b = cache
    return dZ @ W.T, dZ.T @ X, dZ.sum(axis=0)


def _dense_db_not_summed(dZ, cache):
    X, W, b = cache
    return dZ @ W.T, X.T @ dZ, dZ


def _dense_divided_by_N(dZ, cache):
    X, W, b = cache
    N = X.shape[0]
    return dZ @ W.T, X.T @ dZ / N, dZ.sum(axis=0) / N


def _dense_all_divided_by_N(dZ, cache):
    X, W, b = cache
    N = X.shape[0]
    return dZ @ W.T / N, X.T @ dZ / N, dZ.sum(axis=0) / N


def _dense_dX_without_transpose(dZ, cache):
    X, W, b = cache
    return dZ @ W, X.T @ dZ, dZ.sum(axis=0)


def _dense_db_wrong_axis(dZ, cache):
    X, W, b = cache
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=1)


def _dense_db_mean(dZ, cache):
    X, W, b = cache
    return dZ @ W.T, X.T @ dZ, dZ.mean(axis=0)


_N_HINT = ("do not divide by N here: dense_backward only applies the chain rule. When the loss is a mean over "
           "the batch, its gradient dZ (e.g. MSE's 2 (yhat - y) / N) already carries the 1/N; dividing again "
           "makes the gradient N times too small")
register(Spec(
    name="backprop.dense_backward",
    reference=dense_backward,
    visible_cases=_dense_cases,
    hidden_cases=_dense_hidden_cases,
    mistakes=[
        Mistake("dW must have W's shape (D, H): dW = X.T @ dZ; dZ.T @ X is its transpose (H, D)",
                _dense_transposed_dW),
        Mistake("b was added to every row of Z, so its gradient sums over the batch: db = dZ.sum(axis=0), "
                "shape (H,)", _dense_db_not_summed),
        Mistake(_N_HINT, _dense_divided_by_N),
        Mistake(_N_HINT, _dense_all_divided_by_N),
        Mistake("dX = dZ @ W.T: the transpose of W takes the (N, H) gradient back to the (N, D) input",
                _dense_dX_without_transpose),
        Mistake("sum db over the batch rows, axis=0 (one value per output unit), not over axis=1",
                _dense_db_wrong_axis),
        Mistake("db is a sum over the batch, dZ.sum(axis=0), not a mean: b was added to every one of the N "
                "rows, so each row's gradient counts (like dW = X.T @ dZ, which sums over the rows too)",
                _dense_db_mean),
    ],
    blocked=("nnlib.functional.dense_backward", "nnlib.layers.Dense.backward"),
    gradient=_dense_gradient,
    output_names=("dX", "dW", "db"),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= mlp_backward

# The activations mlp_backward must handle in this chapter (softmax comes in chapter 04).
MLP_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")
WORKED_PARAMS = [
    (np.array([[0.2, 0.3], [0.4, 0.7]]), np.array([0.1, 0.2])),  # W1 (2, 2): the notes' W^1 transposed
    (np.array([[0.5], [0.6]]), np.array([0.3])),  # W2 (2, 1)
]


def _mlp_case(rng, N, sizes, activations, float32=False):
    """(dA_out, caches, params, activations) of a random network; ``float32``: every number a float32 quarter."""
    if float32:
        params = [(_quarters(rng, (n_in, n_out)), _quarters(rng, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        X = _quarters(rng, (N, sizes[0]))  # (N, D)
    else:
        params = [(rng.normal(size=(n_in, n_out)) / np.sqrt(n_in), rng.normal(scale=0.5, size=n_out))
                  for n_in, n_out in zip(sizes[:-1], sizes[1:])]  # W (n_in, n_out), b (n_out,)
        X = rng.normal(size=(N, sizes[0]))  # (N, D)
    A_out, caches = mlp.mlp_forward(X, params, activations)
    dA_out = _quarters(rng, A_out.shape) if float32 else rng.normal(size=A_out.shape)  # (N, n_out)
    return dA_out, caches, params, list(activations)


def _mlp_cases():
    X = np.array([[0.5, 0.8]])  # (1, 2)
    yhat, caches = mlp.mlp_forward(X, WORKED_PARAMS, ["sigmoid", "sigmoid"])
    return [
        Case("hand-worked: the 2-2-1 example, dA_out = yhat - y", (yhat - 1.0, caches, WORKED_PARAMS,
                                                                   ["sigmoid", "sigmoid"]), essential=True),
        Case("random 3-4-2 (relu, sigmoid), N = 5",
             _mlp_case(np.random.default_rng(90), 5, (3, 4, 2), ("relu", "sigmoid")), essential=True),
    ]


def _mlp_hidden_cases():
    return [
        Case("random 4-5-3-2-1 (tanh, relu, sigmoid, identity), N = 6",
             _mlp_case(case_rng(91), 6, (4, 5, 3, 2, 1), ("tanh", "relu", "sigmoid", "identity"))),
        Case("one layer 3-2 (sigmoid), N = 4", _mlp_case(case_rng(92), 4, (3, 2), ("sigmoid",))),
        Case("random 2-3-3 (tanh, tanh), N = 1", _mlp_case(case_rng(93), 1, (2, 3, 3), ("tanh", "tanh"))),
        Case("random 6-8-4 (relu, identity), N = 32", _mlp_case(case_rng(94), 32, (6, 8, 4), ("relu", "identity"))),
        # relu and identity of quarters keep every product and sum exact in float32.
        Case("float32 3-4-2 (relu, identity), N = 3: every gradient stays float32",
             _mlp_case(case_rng(96), 3, (3, 4, 2), ("relu", "identity"), float32=True)),
    ]


_DERIVATIVE = {  # f'(Z) of the chapter's activations
    "identity": np.ones_like,
    "sigmoid": sigmoid_grad,
    "tanh": lambda Z: 1.0 - np.tanh(Z) ** 2,
    "relu": lambda Z: (Z > 0).astype(float),
}


def _mlp_variant(dA_out, caches, params, activations, *, derivative_of="Z", transpose_dW=False,
                 reverse=True, sum_db=True, W_transposed_down=True, divide_N=False, skip_output_derivative=False):
    """mlp_backward with one thing changed (each catalogued mistake sets one keyword)."""
    dA, grads = dA_out, []
    N = dA_out.shape[0]
    for (W, b), name, (A_prev, Z, A) in zip(reversed(params), reversed(activations), reversed(caches)):
        if derivative_of == "none" or (skip_output_derivative and not grads):
            dZ = dA
        else:
            dZ = dA * _DERIVATIVE[name](Z if derivative_of == "Z" else A)
        dW = dZ.T @ A_prev if transpose_dW else A_prev.T @ dZ
        db = dZ.sum(axis=0) if sum_db else dZ
        if divide_N:
            dW, db = dW / N, db / N
        grads.append((dW, db))
        dA = dZ @ W.T if W_transposed_down else dZ @ W
    return grads[::-1] if reverse else grads


def _mlp_gradient(func):
    """Centred differences of L = sum(A_out * R) for every W and b of a 3-4-2 (tanh, sigmoid) network."""
    R, caches, params, activations = _mlp_case(np.random.default_rng(95), 4, (3, 4, 2), ("tanh", "sigmoid"))
    X = caches[0][0]
    probe = [(W.copy(), b.copy()) for W, b in params]

    def loss(_):
        return float(np.sum(mlp.mlp_forward(X, probe, activations)[0] * R))
    out = func(R.copy(), [tuple(a.copy() for a in c) for c in caches],
               [(W.copy(), b.copy()) for W, b in params], list(activations))
    items = []
    for l, (W, b) in enumerate(probe):
        for name, p, i in (("dW", W, 0), ("db", b, 1)):
            try:
                err = relative_error(np.asarray(out[l][i], dtype=float), numerical_gradient(loss, p))
            except (TypeError, ValueError, IndexError, KeyError):  # wrong structure: the cases report it
                err = float("inf")
            items.append((f"layer {l + 1} {name} (L = sum(A_out * R), h = 1e-5)", err))
    return items


register(Spec(
    name="backprop.mlp_backward",
    reference=mlp.mlp_backward,
    visible_cases=_mlp_cases,
    hidden_cases=_mlp_hidden_cases,
    mistakes=[
        Mistake("multiply by the activation's derivative first: dZ = dA * f'(Z); without it the "
                "non-linearity is skipped on the way back",
                lambda *a: _mlp_variant(*a, derivative_of="none")),
        Mistake("the output layer has an activation too: start with dZ = dA_out * f'(Z) of the last layer "
                "(its sigmoid, say); only an identity output has f'(Z) = 1",
                lambda *a: _mlp_variant(*a, skip_output_derivative=True)),
        Mistake("evaluate the derivative at the pre-activation Z (the cache's middle entry), f'(Z), "
                "not at the output A", lambda *a: _mlp_variant(*a, derivative_of="A")),
        Mistake("the list must start with layer 1: you walk the layers backwards, so reverse the "
                "gradients at the end (grads[::-1])", lambda *a: _mlp_variant(*a, reverse=False)),
        Mistake("dW must have W's shape (n_in, n_out): dW = A_prev.T @ dZ", lambda *a: _mlp_variant(*a, transpose_dW=True)),
        Mistake("the gradient passed to the layer below is dA_prev = dZ @ W.T (W transposed)",
                lambda *a: _mlp_variant(*a, W_transposed_down=False)),
        Mistake("db sums dZ over the batch rows: db = dZ.sum(axis=0)", lambda *a: _mlp_variant(*a, sum_db=False)),
        Mistake(_N_HINT, lambda *a: _mlp_variant(*a, divide_N=True)),
    ],
    blocked=("nnlib.mlp.mlp_backward",),
    gradient=_mlp_gradient,
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= numerical_gradient

_C34 = np.random.default_rng(100).normal(size=(3, 4))
_C232 = np.random.default_rng(101).normal(size=(2, 3, 2))
_X52 = np.random.default_rng(102).normal(size=(5, 3))
_Y52 = np.random.default_rng(103).normal(size=(5, 2))


def _f_squares(x):
    """f(x) = sum(x**2), so df/dx = 2x."""
    return float(np.sum(x ** 2))


def _f_tanh_cubic(x):
    """f(x) = sum(tanh(x) * C) + sum(x**3) / 3 with a fixed C (3, 4)."""
    return float(np.sum(np.tanh(x) * _C34) + np.sum(x ** 3) / 3)


def _f_cubic(x):
    """f(x) = sum(x**3) / 3: centred differences give x**2 + h**2 / 3, so the step h shows."""
    return float(np.sum(x ** 3) / 3)


def _f_exp(x):
    """f(x) = sum(exp(x) * C) with a fixed C (2, 3, 2)."""
    return float(np.sum(np.exp(x) * _C232))


def _f_regression(W):
    """f(W) = sum((X W - Y)**2) for fixed X (5, 3), Y (5, 2): a least-squares loss."""
    return float(np.sum((_X52 @ W - _Y52) ** 2))


def _f_logsumexp(x):
    """f(x) = log(sum(exp(x)))."""
    return float(np.log(np.sum(np.exp(x))))


def _f_tanh_cubic_1(x):
    """f(x) = tanh(x) + x**3, summed."""
    return float(np.sum(np.tanh(x) + x ** 3))


class ReadsW:
    """``f(_) = loss(W)``: a loss that ignores its argument and reads the array W itself.

    That is how gradient checking is used on a network: ``f`` computes the
    loss from the layer's own weight matrix, and ``numerical_gradient(f, W)``
    must nudge *that* array.  A case passes ``(ReadsW(loss, W), W)``; deep
    copying the case copies ``W`` once, so the copy the student receives is
    the very array the copied ``f`` reads.  A function that perturbs a copy
    of ``x`` leaves ``f`` unchanged and returns zeros.
    """

    def __init__(self, loss: Callable, W: np.ndarray, text: str):
        self.loss, self.W, self.text = loss, W, text

    def __call__(self, _ignored) -> float:
        return float(self.loss(self.W))

    def __repr__(self) -> str:
        return self.text


def _reads_w(loss, W, text):
    """The arguments (f, W) of a case whose f reads W itself."""
    return ReadsW(loss, W, f"{text}, reading W itself (x is W)"), W


def _ng_cases():
    rng = np.random.default_rng(104)
    return [
        Case("hand-worked: f(x) = sum(x**2) at x = [1, -2, 3] (gradient [2, -4, 6])",
             (_f_squares, np.array([1.0, -2.0, 3.0])), essential=True),
        Case("f(x) = sum(tanh(x) * C) + sum(x**3) / 3, random x (3, 4)", (_f_tanh_cubic, rng.normal(size=(3, 4)))),
        Case("f reads the array itself: f = lambda _: np.sum(W**2) at W = [[1, -2], [0.5, 3]] (gradient 2W); "
             "perturb x in place",
             _reads_w(lambda W: np.sum(W ** 2), np.array([[1.0, -2.0], [0.5, 3.0]]), "lambda _: np.sum(W**2)"),
             essential=True),
        Case("f(x) = sum(x**3) / 3 with h = 1e-2 given (the result is x**2 + h**2 / 3: use the h passed in)",
             (_f_cubic, rng.normal(size=4)), {"h": 1e-2}),
    ]


def _ng_hidden_cases():
    rng = case_rng(105)
    W = rng.normal(size=(3, 2))  # (3, 2)
    return [
        Case("f(x) = sum(exp(x) * C), random x of shape (2, 3, 2)", (_f_exp, rng.normal(size=(2, 3, 2)))),
        Case("least squares f(W) = sum((X W - Y)**2), W (3, 2)", (_f_regression, rng.normal(size=(3, 2)))),
        Case("f reads the weights itself: least squares sum((X W - Y)**2) of a random W (3, 2)",
             _reads_w(_f_regression, W, "lambda _: np.sum((X @ W - Y)**2)"), essential=True),
        Case("log-sum-exp, x (6,), h = 1e-6", (_f_logsumexp, rng.normal(size=6)), {"h": 1e-6}),
        Case("one entry, x of shape (1,)", (_f_tanh_cubic_1, np.array([0.3]))),
        Case("f(x) = sum(exp(x) * C) with h = 0.1 (a large step shows in the result)",
             (_f_exp, rng.normal(size=(2, 3, 2))), {"h": 0.1}),
        Case("f(x) = sum(x**2) with h = 1e-3 (exact for a quadratic)", (_f_squares, rng.normal(size=(2, 2))),
             {"h": 1e-3}),
    ]


def _ng_forward_difference(f, x, h=1e-5):
    grad = np.zeros_like(x)
    fx = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - fx) / h
        x[i] = old
    return grad


def _ng_not_restored(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _ng_restored_by_arithmetic(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _ng_divided_by_h(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / h
    return grad


def _ng_all_at_once(f, x, h=1e-5):
    return np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))


def _ng_on_copies(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += h
        x_minus[i] -= h
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * h)
    return grad


def _ng_fixed_step(f, x, h=1e-5):
    step = 1e-5
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + step
        f_plus = f(x)
        x[i] = old - step
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * step)
    return grad


register(Spec(
    name="backprop.numerical_gradient",
    reference=numerical_gradient,
    visible_cases=_ng_cases,
    hidden_cases=_ng_hidden_cases,
    mistakes=[
        Mistake("use the centred difference (f(x + h) - f(x - h)) / (2h): the one-sided "
                "(f(x + h) - f(x)) / h has an error of order h, the centred one of order h**2",
                _ng_forward_difference),
        Mistake("put x[i] back after evaluating f at x[i] + h and x[i] - h: save old = x[i] first and end "
                "with x[i] = old; without it every later entry is computed at a shifted x, and the caller's x "
                "stays changed", _ng_not_restored, mutates=True),
        Mistake("adding h back (x[i] += h after x[i] -= 2 * h) does not always give the old value exactly "
                "(floating-point rounding): save old = x[i] first and restore with x[i] = old",
                _ng_restored_by_arithmetic, mutates=True),
        Mistake("the two points x + h and x - h are 2h apart: divide by 2 * h, not h", _ng_divided_by_h),
        Mistake("perturb x itself, in place (x[i] = old + h, then f(x), then restore x[i] = old): f may read "
                "the array from where it lives, as a loss reads a layer's W, and then it never sees a copy "
                "change (your differences are all 0)", _ng_on_copies),
        Mistake("perturb one entry at a time (loop with np.ndindex(x.shape)); adding h to every entry at once "
                "measures the sum of all partial derivatives", _ng_all_at_once),
        Mistake("use the step h that is passed in; 1e-5 is only its default (with h = 1e-2 the centred "
                "difference of x**3 / 3 is x**2 + h**2 / 3)", _ng_fixed_step),
    ],
    blocked=("nnlib.gradcheck.numerical_gradient",),
    restored_inputs=("x",),
    fresh_output=True,
))


# ======================================================================= relative_error


def _re_cases():
    rng = np.random.default_rng(110)
    a = rng.normal(size=(3, 4))
    return [
        Case("hand-worked: a = [1, 2, 3], b = [1, 2.0002, 3] (0.0002 / 4.0002)",
             (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0002, 3.0])), essential=True),
        Case("random (3, 4), b = a + small noise", (a, a + 1e-6 * rng.normal(size=(3, 4)))),
        Case("edge: both zero (the 1e-8 floor avoids 0 / 0)", (np.zeros(3), np.zeros(3)), essential=True),
    ]


def _re_hidden_cases():
    rng = case_rng(111)
    a = rng.normal(size=(5, 2))
    return [
        Case("edge: a = 0, b = 1e-10 (tiny absolute error, floor 1e-8)", (np.zeros(4), np.full(4, 1e-10))),
        Case("negative entries, one sign flipped", (np.array([-1.0, 2.0, -3.0]), np.array([-1.0, -2.0, -3.0]))),
        Case("identical arrays", (a, a.copy())),
        Case("one entry", (np.array([2.5]), np.array([2.4]))),
        Case("large magnitudes 1e10", (np.array([1e10, -3e10]), np.array([1.0001e10, -3e10]))),
        Case("random (5, 2) against a noisy copy", (a, a + 1e-3 * rng.normal(size=(5, 2)))),
    ]


def _re_no_floor(a, b):
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))


def _re_absolute(a, b):
    return float(np.max(np.abs(a - b)))


def _re_mean(a, b):
    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _re_ratio_of_maxima(a, b):
    return float(np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a) + np.abs(b))))


register(Spec(
    name="backprop.relative_error",
    reference=relative_error,
    visible_cases=_re_cases,
    hidden_cases=_re_hidden_cases,
    mistakes=[
        Mistake("two zero entries give 0 / 0: divide by np.maximum(1e-8, |a| + |b|)", _re_no_floor),
        Mistake("that is the absolute error: divide each |a - b| by max(1e-8, |a| + |b|) so the measure "
                "does not depend on the gradients' scale", _re_absolute),
        Mistake("take the largest relative error (np.max), not the mean: one wrong entry must show", _re_mean),
        Mistake("divide entry by entry, then take the maximum: max(|a - b| / max(1e-8, |a| + |b|)), "
                "not max|a - b| / max(|a| + |b|)", _re_ratio_of_maxima),
    ],
    blocked=("nnlib.gradcheck.relative_error",),
))


# ======================================================================= sgd_step


def sgd_step_reference(params, grads, lr):
    """One step of gradient descent: a new list ``[p - lr * g, ...]``; the arrays passed in are not changed."""
    return [p - lr * g for p, g in zip(params, grads)]


def _sgd_case(rng, shapes, lr):
    params = [rng.normal(size=s) for s in shapes]
    grads = [rng.normal(size=s) for s in shapes]
    return (params, grads, lr)


def _sgd_cases():
    return [
        Case("hand-worked: p = [[1, 2]], g = [[0.5, -1]], lr = 0.1 -> [[0.95, 2.1]]",
             ([np.array([[1.0, 2.0]])], [np.array([[0.5, -1.0]])], 0.1), essential=True),
        Case("random W (3, 2), b (2,), lr = 0.5", _sgd_case(np.random.default_rng(120), [(3, 2), (2,)], 0.5)),
    ]


def _sgd_hidden_cases():
    rng = case_rng(124)
    return [
        Case("random 2-layer network (4 arrays), lr = 0.01",
             _sgd_case(case_rng(121), [(5, 4), (4,), (4, 1), (1,)], 0.01)),
        Case("one array, lr = 2.0", _sgd_case(case_rng(122), [(6,)], 2.0)),
        Case("zero gradients leave the values as they are (in new arrays)",
             ([np.ones((2, 2)), np.arange(3.0)], [np.zeros((2, 2)), np.zeros(3)], 0.3)),
        Case("lr = 1e-3 on a (10, 10) matrix", _sgd_case(case_rng(123), [(10, 10)], 1e-3)),
        Case("float32 W (3, 2) and b (2,), lr = 0.5: the new arrays stay float32",
             ([_quarters(rng, (3, 2)), _quarters(rng, 2)], [_quarters(rng, (3, 2)), _quarters(rng, 2)], 0.5)),
    ]


def _sgd_ascent(params, grads, lr):
    return [p + lr * g for p, g in zip(params, grads)]


def _sgd_no_lr(params, grads, lr):
    return [p - g for p, g in zip(params, grads)]


def _sgd_in_place(params, grads, lr):
    for p, g in zip(params, grads):
        p -= lr * g
    return params


def _sgd_returns_step(params, grads, lr):
    return [-lr * g for g in grads]


def _sgd_skips_zero_gradients(params, grads, lr):
    return [p - lr * g if np.any(g) else p for p, g in zip(params, grads)]


register(Spec(
    name="backprop.sgd_step",
    reference=sgd_step_reference,
    visible_cases=_sgd_cases,
    hidden_cases=_sgd_hidden_cases,
    mistakes=[
        Mistake("descent *subtracts*: p - lr * g moves against the gradient (p + lr * g climbs the loss; "
                "the notes once write + here)", _sgd_ascent),
        Mistake("scale the gradient by the learning rate: p - lr * g", _sgd_no_lr),
        Mistake("return new arrays (p - lr * g) instead of changing the caller's arrays with -=",
                _sgd_in_place, mutates=True),
        Mistake("return the new parameters p - lr * g, not only the step -lr * g", _sgd_returns_step),
        Mistake("return a new array for every parameter, also when its gradient is zero: `p` itself is the "
                "caller's array, p - lr * g is a new one", _sgd_skips_zero_gradients, aliases=True),
    ],
    blocked=("nnlib.optimizers.Optimizer.step",),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= worked_example_gradients

WORKED_EXAMPLE_SHAPES = {"z2": (1, 2), "a2": (1, 2), "z3": (1, 1), "yhat": (1, 1), "J": (), "dz3": (1, 1),
                         "dW2": (2, 1), "db2": (1,), "dz2": (1, 2), "dW1": (2, 2), "db1": (2,)}
# The digits DESIGN.md gives (dW1 in the notes' layout, row = hidden unit, is transposed here).
WORKED_EXAMPLE_DIGITS = {
    "z2": [[0.52, 0.91]], "a2": [[0.6271, 0.7130]], "z3": [[1.0414]], "yhat": [[0.7391]], "J": 0.03403,
    "dz3": [[-0.05030]], "dW2": [[-0.03155], [-0.03587]], "db2": [-0.05030], "dz2": [[-0.005881, -0.006176]],
    "dW1": np.array([[-0.002941, -0.004705], [-0.003088, -0.004941]]).T.tolist(), "db1": [-0.005881, -0.006176],
}


def worked_example_reference():
    """The 2-2-1 example (x = (0.5, 0.8), y = 1, J = 1/2 (y - yhat)^2), forward by nnlib.mlp, backward by hand.

    The backward pass is written out with NumPy (not ``mlp_backward``) so that
    it can block nnlib's backward functions while the student's code runs;
    the tests check it against ``nnlib.mlp.mlp_backward``.
    """
    X = np.array([[0.5, 0.8]])  # (1, 2)
    y = 1.0
    (W1, b1), (W2, b2) = WORKED_PARAMS
    yhat, ((_, z2, a2), (_, z3, _)) = mlp.mlp_forward(X, WORKED_PARAMS, ["sigmoid", "sigmoid"])
    J = 0.5 * float(np.sum((y - yhat) ** 2))
    dz3 = (yhat - y) * sigmoid_grad(z3)  # (1, 1); dJ/dyhat = yhat - y
    dz2 = (dz3 @ W2.T) * sigmoid_grad(z2)  # (1, 2)
    return {"z2": z2, "a2": a2, "z3": z3, "yhat": yhat, "J": J, "dz3": dz3,
            "dW2": a2.T @ dz3, "db2": dz3.sum(axis=0), "dz2": dz2, "dW1": X.T @ dz2, "db1": dz2.sum(axis=0)}


def _worked_judge(case, out):
    if not isinstance(out, dict):
        return f"return a dict with the keys {list(WORKED_EXAMPLE_SHAPES)}, not {type(out).__name__}"
    missing = [k for k in WORKED_EXAMPLE_SHAPES if k not in out]
    extra = [k for k in out if k not in WORKED_EXAMPLE_SHAPES]
    if missing or extra:
        return f"the dict's keys: missing {missing}, unexpected {extra}"
    want = worked_example_reference()
    for key, shape in WORKED_EXAMPLE_SHAPES.items():
        try:
            got = np.asarray(out[key], dtype=float)
        except (TypeError, ValueError):
            return f"{key!r} must hold numbers, got {type(out[key]).__name__}"
        if got.shape != shape:
            return f"{key!r} must have shape {shape} (batch first), got {got.shape}"
        error = relative_error(want[key], got)
        if not error <= 1e-7:
            return (f"{key!r} is off: expected {np.round(want[key], 6).tolist()}, "
                    f"received {np.round(got, 6).tolist()} (relative error {error:.2g})")
        digits = np.asarray(WORKED_EXAMPLE_DIGITS[key])
        if not np.all(np.abs(got - digits) <= 5e-4 * np.maximum(np.abs(digits), 1e-3)):
            return f"{key!r} = {got.tolist()} does not round to the notes' {digits.tolist()}"
    return None


def _worked_variant(transpose_dW1=False, no_half=False, sign=1.0, skip_output_derivative=False):
    out = worked_example_reference()
    scale = (2.0 if no_half else 1.0) * sign
    if no_half:
        out["J"] = 2 * out["J"]
    if skip_output_derivative:  # dz3 = yhat - y: the sigmoid' of the output was left out
        scale *= 1.0 / float(sigmoid_grad(out["z3"])[0, 0])
    for key in ("dz3", "dW2", "db2", "dz2", "dW1", "db1"):
        out[key] = out[key] * scale
    if transpose_dW1:
        out["dW1"] = out["dW1"].T
    return out


register(Spec(
    name="backprop.worked_example",
    reference=worked_example_reference,
    visible_cases=lambda: [Case("the 2-2-1 example: x = (0.5, 0.8), y = 1, J = 1/2 (y - yhat)**2", essential=True)],
    hidden_cases=lambda: [Case("a second call returns the same numbers (nothing kept between calls)")],
    mistakes=[
        Mistake("dW1 is in the notes' layout (row = hidden unit); batch first, dW1 = x.T @ dz2 has "
                "row = input, column = hidden unit: the transpose", lambda: _worked_variant(transpose_dW1=True)),
        Mistake("J = 1/2 (y - yhat)**2 has the 1/2: J = 0.03403 and dJ/dyhat = yhat - y "
                "(without it everything doubles)", lambda: _worked_variant(no_half=True)),
        Mistake("dJ/dyhat = yhat - y, not y - yhat (the notes' slip): every gradient has the wrong sign",
                lambda: _worked_variant(sign=-1.0)),
        Mistake("dJ/dz3 = (yhat - y) * sigmoid'(z3): the output's sigmoid derivative is missing",
                lambda: _worked_variant(skip_output_derivative=True)),
    ],
    blocked=("nnlib.mlp.mlp_backward", "nnlib.functional.dense_backward", "nnlib.functional.activation_backward",
             "nnlib.widgets.backprop.worked_example_values"),
    judge=_worked_judge,
))
