"""Automatic differentiation on scalars: the chain rule, one node at a time.

Every arithmetic operation on a :class:`Value` builds a node of a graph that
remembers its inputs (``_prev``) and a small closure ``_backward`` that knows
the *local* derivative of that one operation.  ``root.backward()`` visits the
nodes from the root back to the leaves (reverse topological order) and each
node passes ``upstream gradient x local gradient`` to its inputs:

    dL/dinput += dL/doutput * doutput/dinput

For ``f = (x + y) * z`` with ``q = x + y``: ``df/dq = z``, ``df/dz = q``, and
the addition hands ``df/dq`` unchanged to both x and y.  At x = -2, y = 5,
z = -4 this gives f = -12, df/dx = df/dy = -4, df/dz = 3.

Gradients **accumulate** (``+=``): a node used twice, as in ``a * a``, receives
one contribution per use, 2a in total, which is exactly the multivariable
chain rule.  The same convention holds for nnlib's layers.  Consequences:

- ``backward()`` recomputes the gradients of the intermediate nodes of the
  graph it runs on (they are set to 0 first) and *adds* into the leaves;
- a leaf reused across several ``backward()`` calls (a parameter in a
  training loop) keeps summing, so call ``zero_grad()`` (on the root, or on
  the parameters) before each new backward pass, as with PyTorch.

Each operation's forward and backward sit side by side, as in Karpathy's
micrograd, which this module follows.
"""
from __future__ import annotations

import math
import numbers

__all__ = ["Value", "trace"]


class Value:
    """A scalar in a computation graph, with the gradient of the root w.r.t. it.

    Parameters
    ----------
    data : float
    _children : tuple of Value
        The operands that produced this value (empty for a leaf).
    _op : str
        The operation's symbol, for drawing ("+", "*", "tanh", ...).
    label : str
        A name for drawing ("x", "W1[0,1]", ...).

    Attributes
    ----------
    data : float
    grad : float
        d(root)/d(self) after ``root.backward()``; 0.0 before.
    """

    def __init__(self, data, _children=(), _op="", label=""):
        if isinstance(data, Value) or not isinstance(data, numbers.Real):
            raise TypeError(f"Value(data): data must be a real number, got {type(data).__name__} {data!r}")
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf passes nothing on
        self._prev = tuple(dict.fromkeys(_children))  # distinct operands, in order
        self._op = _op
        self.label = label

    def __repr__(self):
        extra = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{extra})"

    # -------------------------------------------------------- binary operations

    def __add__(self, other):
        other = _as_value(other)
        if other is None:
            return NotImplemented
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a+b)/da = d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __sub__(self, other):
        other = _as_value(other)
        if other is None:
            return NotImplemented
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():  # d(a-b)/da = 1, d(a-b)/db = -1
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = _as_value(other)
        if other is None:
            return NotImplemented
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __truediv__(self, other):
        other = _as_value(other)
        if other is None:
            return NotImplemented
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value division: the denominator is 0 (numerator {self.data})")
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        if isinstance(k, (Value, bool)) or not isinstance(k, numbers.Real):
            raise TypeError(f"Value ** k: the exponent must be an int or float (a constant), got {type(k).__name__}")
        k = float(k)
        if self.data == 0.0 and k < 0:
            raise ZeroDivisionError(f"Value ** {k}: 0 cannot be raised to a negative power")
        if self.data < 0.0 and not k.is_integer():
            raise ValueError(f"Value ** {k}: a negative base ({self.data}) needs a whole-number exponent")
        out = Value(self.data ** k, (self,), f"**{k:g}")

        def _backward():  # d(a^k)/da = k a^(k-1)
            if k != 0:  # a^0 = 1 is flat (and 0.0 ** -1 would raise)
                self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    # Reversed operators: 2 * v, 1 - v, 1 / v turn the number into a leaf Value.
    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        other = _as_value(other)
        return NotImplemented if other is None else other - self

    def __rtruediv__(self, other):
        other = _as_value(other)
        return NotImplemented if other is None else other / self

    # -------------------------------------------------------- unary operations

    def __neg__(self):
        out = Value(-self.data, (self,), "neg")

        def _backward():  # d(-a)/da = -1
            self.grad -= out.grad
        out._backward = _backward
        return out

    def relu(self):
        """``max(0, a)``; local gradient 1 for a > 0, else 0."""
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():  # 1 for a > 0, else 0 (0 at the kink, by convention)
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        """``tanh(a)``; local gradient ``1 - tanh(a)**2``."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():  # tanh' = 1 - tanh^2: the output is all it needs
            self.grad += (1.0 - t * t) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        """``1 / (1 + e^-a)`` (stable for any a); local gradient ``s (1 - s)``."""
        # exp of a non-positive number only, so no overflow for any input.
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1.0 + e)
        out = Value(s, (self,), "sigmoid")

        def _backward():  # sigma' = sigma (1 - sigma)
            self.grad += s * (1.0 - s) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        """``e^a``; local gradient ``e^a`` (OverflowError past float64's range)."""
        if self.data > 709.78:  # log of the largest float64
            raise OverflowError(f"Value.exp: exp({self.data}) is too large for float64")
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward():  # exp' = exp
            self.grad += e * out.grad
        out._backward = _backward
        return out

    def log(self):
        """Natural log, for a > 0; local gradient ``1 / a``."""
        if not self.data > 0:
            raise ValueError(f"Value.log: log needs data > 0, got {self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():  # log' = 1/a
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    # -------------------------------------------------------- the backward pass

    def backward(self):
        """Fill ``.grad`` of every node with d(self)/d(node), by the chain rule.

        Seeds ``d(self)/d(self) = 1`` and runs each node's ``_backward`` in
        reverse topological order, so a node passes its gradient on only once
        it has received every contribution.  Intermediate nodes start from 0;
        leaves accumulate (see :meth:`zero_grad`).
        """
        nodes = _topological_order(self)
        for node in nodes:
            if node._prev:  # an intermediate result: its gradient belongs to this pass
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(nodes):
            node._backward()

    def zero_grad(self):
        """Set ``.grad = 0`` on this node and every node it was computed from."""
        for node in _topological_order(self):
            node.grad = 0.0


def _as_value(x):
    """x as a Value (numbers become leaves); None for anything else."""
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return Value(x)
    return None


def _topological_order(root):
    """Nodes of root's graph, every node after all its operands (root last).

    Iterative depth-first search, so long chains do not hit Python's recursion limit.
    """
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, operands_done = stack.pop()
        if operands_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node._prev) if id(child) not in visited)
    return order


def trace(root):
    """The graph below ``root``, for drawing.

    Returns
    -------
    nodes : list of Value
        Every node once, in topological order (operands before results, root last).
    edges : list of (Value, Value)
        One ``(child, parent)`` pair per distinct operand of each node: the
        child is an input of the parent.
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace(root): root must be a Value, got {type(root).__name__}")
    nodes = _topological_order(root)
    edges = [(child, node) for node in nodes for child in node._prev]
    return nodes, edges
