"""Every number stated in the prose of chapter 03 is recomputed here.

The prose lives in ``solutions/03_backprop/03_backprop.ipynb``.  Each test
quotes the sentence or table row it checks (so editing the prose without the
test fails) and recomputes the numbers with nnlib.  The last test keeps an
inventory of the numerals in the markdown: a new number in the prose fails it
until someone adds a check for it.
"""
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import nnlib.mlp
from nnlib.activations import sigmoid, sigmoid_grad
from nnlib.autodiff import Value
from nnlib.data import logic_gate
from nnlib.losses import binary_cross_entropy, binary_cross_entropy_grad
from prose_support import unaccounted

NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "03_backprop" / "03_backprop.ipynb"
NB = nbformat.read(NOTEBOOK, as_version=4)
SOURCES = {cell.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: cell.source
           for cell in NB.cells if "grade_id" in cell.metadata.get("nbgrader", {})}


def normalised(text: str) -> str:
    """Prose without $ signs and backticks, with ASCII minus signs and single spaces (line breaks vary)."""
    return re.sub(r"\s+", " ", text.replace("$", "").replace("`", "").replace("−", "-"))


def says(cell: str, *phrases: str) -> None:
    body = normalised(SOURCES[cell])
    for phrase in phrases:
        assert normalised(phrase) in body, f"cell {cell} no longer says {phrase!r}: update this test with the prose"


def shown(value: float, text: str) -> None:
    """Does ``value`` round to ``text`` (as many decimals as the text shows)?"""
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert f"{value:.{decimals}f}" == text, f"{value!r} does not round to {text}"


# ---------------------------------------------------------------- 2. the graph (x + y) z


def lecture_graph(x, y, z):
    leaves = [Value(x), Value(y), Value(z)]
    q = leaves[0] + leaves[1]
    f = q * leaves[2]
    f.backward()
    return q, f, leaves


def test_is_the_lecture_graph_table_right():
    """At x = -2, y = 5, z = -4: q = 3, f = -12, df/dz = 3, df/dq = -4, df/dx = df/dy = -4?"""
    says("md_graph", "x = -2, y = 5, z = -4 it gives q = 3 and f = -12",
         r"| z | f = q\,z | \partial f / \partial z = q = 3 | 1 | \partial f / \partial z = 3 |",
         r"| q | f = q\,z | \partial f / \partial q = z = -4 | 1 | \partial f / \partial q = -4 |",
         r"| x | q = x + y | \partial q / \partial x = 1 | -4 | \partial f / \partial x = -4 |",
         r"| y | q = x + y | \partial q / \partial y = 1 | -4 | \partial f / \partial y = -4 |",
         r"changes f by z\,h = -4h")
    q, f, (x, y, z) = lecture_graph(-2.0, 5.0, -4.0)
    assert (q.data, f.data, z.grad, q.grad, x.grad, y.grad) == (3.0, -12.0, 3.0, -4.0, -4.0, -4.0)
    says("md_ex_graph_gradients", "At (-2, 5, -4) you should get (-12, -4, -4, 3)")


def test_are_the_widget_suggestions_right():
    """Does the stepper give 2z for z used twice, and near-zero gradients when tanh saturates at x = 3, y = 2?"""
    from nnlib.widgets.graph import EXPRESSIONS, GraphStepper

    says("md_graph_widget", "Predict the gradients for x = 1, y = 2, z = 0",
         "its gradient is the sum of two contributions, 2z", "(say x = 3, y = 2)")
    q, f, (x, y, z) = lecture_graph(1.0, 2.0, 0.0)
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 3.0)  # the prediction the prose asks for
    w = GraphStepper(expression="f = x * y + z * z")
    for _ in range(10):
        w.forward_step()
        w.backward_step()
    assert w.grads["z"] == 2 * w.values["z"]
    z_default = EXPRESSIONS["f = tanh(x * y + z)"][1][2]
    w = GraphStepper(x=3.0, y=2.0, z=z_default, expression="f = tanh(x * y + z)")
    for _ in range(10):
        w.forward_step()
        w.backward_step()
    assert 1 - math.tanh(3.0 * 2.0 + z_default) ** 2 < 1e-4
    assert max(abs(w.grads[name]) for name in "xyz") < 1e-4


# ---------------------------------------------------------------- 3. Value


def test_does_assignment_lose_a_contribution():
    """Does a * a at a = 3 get 3 with = but 6 with +=?"""
    from autograder.checking.checks.backprop import _MulAssigns

    says("md_value", "With =, a \\cdot a at a = 3 would get the gradient 3 instead of 2a = 6")
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    b = _MulAssigns(3.0)
    (b * b).backward()
    assert b.grad == 3.0


def test_are_the_neuron_numbers_right():
    """With the demo's bias: n ~ 0.8814, tanh(n) = 1/sqrt(2), 1 - o^2 = 0.5 and gradients -1.5, 1, 0.5, 0?"""
    says("md_neuron", "x_1 = 2, x_2 = 0, w_1 = -3, w_2 = 1", r"n \approx 0.8814", r"\tanh(n) = 1/\sqrt{2}",
         "1 - o^2 is exactly 0.5", r"\partial o / \partial x_1 = w_1 \cdot 0.5 = -1.5",
         r"\partial o / \partial w_1 = x_1 \cdot 0.5 = 1", r"\partial o / \partial x_2 = 0.5",
         r"\partial o / \partial w_2 = 0")
    bias = float(re.search(r"V\(1\.0\), V\(([0-9.]+)\)", SOURCES["use_value"]).group(1))
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(bias)
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    shown(n.data, "0.8814")
    assert o.data == pytest.approx(1 / math.sqrt(2), abs=1e-15)
    assert 1 - o.data ** 2 == pytest.approx(0.5, abs=1e-15)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == pytest.approx((-1.5, 1.0, 0.5, 0.0), abs=1e-14)


def test_are_the_memoization_numbers_right():
    """F_25 by plain recursion: 242 785 calls; with a table 26 values; 10 layers of 2 units: 2^9 = 512 paths."""
    says("md_modes", r"Computing the Fibonacci number F_{25} with the recursion F_n = F_{n-1} + F_{n-2} and no table "
                     r"takes 242\,785 calls", r"each of the 26 values F_0, \dots, F_{25} is computed once",
         "a network of 10 layers of 2 units each", r"along 2^9 = 512 paths", "the work doubles with every layer")
    calls = 0

    def fib(n):
        nonlocal calls
        calls += 1
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    fib(25)
    assert calls == 242785
    table = {}
    for n in range(26):
        table[n] = n if n < 2 else table[n - 1] + table[n - 2]
    assert len(table) == 26 and table[25] == 75025

    def paths(layers, width=2):
        """Paths from a unit of layer 1 to the single output unit, layers fully connected."""
        count = np.ones(width)  # from each unit of the last layer: one path
        for _ in range(layers - 1):
            count = np.full(width, count.sum())  # every unit feeds both units of the next layer
        return int(count[0])

    assert paths(10) == 2 ** 9 == 512
    assert [paths(L + 1) / paths(L) for L in range(2, 6)] == [2, 2, 2, 2]  # doubles with every layer


def test_does_the_backward_pass_cost_about_two_forward_passes():
    """Multiply-adds of the matrix products: backward (dW and dA_prev per layer) is about twice forward."""
    says("md_intro", "at the price of one backward pass through the network, which costs at most about as much as "
                     "two forward passes")
    says("md_recap", "The backward pass costs at most about two forward passes")
    says("why_backprop", "once for dW, and once for dA_prev, which the first layer does not need",
         "it costs at most about two forward passes, and the whole gradient, forward and backward, at most about three")
    for sizes, N in (([784, 128, 10], 32), ([3, 4, 4, 1], 1), ([100, 100, 100, 100], 8)):
        layers = list(zip(sizes[:-1], sizes[1:]))
        forward = sum(N * a * b for a, b in layers)  # Z = A_prev W
        backward = sum(N * a * b + N * a * b for a, b in layers)  # dW = A_prev.T dZ, dA_prev = dZ W.T
        first_dx = N * sizes[0] * sizes[1]  # the input's own gradient is not needed
        assert backward == 2 * forward  # every layer's dW and dA_prev: exactly twice the forward products
        assert 1 < (backward - first_dx) / forward < 2  # without the first layer's dA_prev: less


def test_is_the_1986_date_the_notes_one():
    """Rumelhart, Hinton and Williams (1986): a date from the history slide of the notes, not computable."""
    says("md_intro", "David Rumelhart, Geoffrey Hinton and Ronald Williams showed in 1986")


# ---------------------------------------------------------------- 5. the 2-2-1 example


def example_221():
    """All numbers of the 2-2-1 example, batch first, from nnlib.mlp (forward and backward)."""
    X, y = np.array([[0.5, 0.8]]), 1.0
    params = [(np.array([[0.2, 0.3], [0.4, 0.7]]), np.array([0.1, 0.2])), (np.array([[0.5], [0.6]]), np.array([0.3]))]
    yhat, ((_, z2, a2), (_, z3, _)) = nnlib.mlp.mlp_forward(X, params, ["sigmoid", "sigmoid"])
    (dW1, db1), (dW2, db2) = nnlib.mlp.mlp_backward(yhat - y, [(X, z2, a2), (a2, z3, yhat)], params,
                                                    ["sigmoid", "sigmoid"])
    return dict(z2=z2[0], a2=a2[0], z3=z3[0, 0], yhat=yhat[0, 0], J=0.5 * (y - yhat[0, 0]) ** 2,
                dyhat=yhat[0, 0] - y, s3=float(sigmoid_grad(z3)[0, 0]), dz3=db2[0], dW2=dW2[:, 0], db2=db2[0],
                s2=sigmoid_grad(z2)[0], dz2=db1, dW1=dW1, db1=db1)


def test_is_the_forward_table_right():
    """Does the forward table of the 2-2-1 example round to the numbers it shows?"""
    v = example_221()
    says("md_worked_221", r"(0.2 \cdot 0.5 + 0.4 \cdot 0.8 + 0.1,\ 0.3 \cdot 0.5 + 0.7 \cdot 0.8 + 0.2) | (0.52, 0.91)",
         r"\sigma(z^2) | \approx (0.6271, 0.7130)", r"0.5 \cdot 0.6271 + 0.6 \cdot 0.7130 + 0.3 | \approx 1.0414",
         r"\sigma(z^3) | \approx 0.7391", r"\frac{1}{2}(1 - 0.7391)^2 | \approx 0.03403")
    np.testing.assert_allclose(v["z2"], [0.52, 0.91], rtol=0, atol=1e-15)
    for value, text in zip(v["a2"], ("0.6271", "0.7130")):
        shown(value, text)
    shown(v["z3"], "1.0414")
    assert abs((0.5 * 0.6271 + 0.6 * 0.7130 + 0.3) - v["z3"]) < 5e-5  # the row's rounded inputs agree to 4 decimals
    shown(v["yhat"], "0.7391")
    shown(v["J"], "0.03403")


def test_is_the_backward_table_right():
    """Does every row of the backward table round to the numbers it shows, the full dJ/dW1 included?"""
    v = example_221()
    says("md_worked_221", r"\hat{y} - y | \approx -0.2609", r"\hat{y}\,(1 - \hat{y}) | \approx 0.1928",
         r"(\hat{y} - y)\,\sigma'(z^3) | \approx -0.05030", r"\approx (-0.03155, -0.03587)",
         r"\partial J / \partial z^3 | \approx -0.05030", r"a^2 \circ (1 - a^2) | \approx (0.2338, 0.2046)",
         r"\approx (-0.005881, -0.006176)",
         r"\approx \begin{pmatrix} -0.002941 & -0.004705 \\ -0.003088 & -0.004941 \end{pmatrix}")
    shown(v["dyhat"], "-0.2609")
    shown(v["s3"], "0.1928")
    shown(v["dz3"], "-0.05030")
    shown(v["db2"], "-0.05030")
    for value, text in zip(v["dW2"], ("-0.03155", "-0.03587")):
        shown(value, text)
    for value, text in zip(v["s2"], ("0.2338", "0.2046")):
        shown(value, text)
    for value, text in zip(v["dz2"], ("-0.005881", "-0.006176")):
        shown(value, text)
    notes_layout = v["dW1"].T  # row = hidden unit, as the notes write W^1
    for value, text in zip(notes_layout.ravel(), ("-0.002941", "-0.004705", "-0.003088", "-0.004941")):
        shown(value, text)


def test_are_the_remarks_on_the_221_example_right():
    """Batch-first dW1 is the transpose; the notes' J = 0.03406 comes from yhat = 0.739; all gradients < 0?"""
    v = example_221()
    says("md_worked_221", "dW1 = x.T @ dz2 is the transpose, [[-0.002941, -0.003088], [-0.004705, -0.004941]]",
         r"they get J = 0.03406 from the rounded \hat{y} = 0.739", "Every gradient is negative",
         "W1 is (W^1)^\\top = [[0.2, 0.3], [0.4, 0.7]], shape (2, 2)", "W2 = [[0.5], [0.6]], shape (2, 1)")
    for value, text in zip(v["dW1"].ravel(), ("-0.002941", "-0.003088", "-0.004705", "-0.004941")):
        shown(value, text)
    shown(0.5 * (1 - 0.739) ** 2, "0.03406")
    assert all(np.all(np.asarray(v[k]) < 0) for k in ("dz3", "dW2", "db2", "dz2", "dW1", "db1"))


def test_does_the_right_y_make_the_gradients_vanish():
    """In the animation, does y = 0.7391 make every gradient close to 0?"""
    from nnlib.widgets.backprop import worked_example_values

    says("md_backprop_widget", "with y = 0.7391 the prediction is already right, and every gradient is close to 0",
         "the five forward stages and the four backward stages")
    v = worked_example_values(y=0.7391)
    assert max(float(np.max(np.abs(v[k]))) for k in ("dz3", "dW2", "db2", "dz2", "dW1", "db1")) < 1e-5
    from nnlib.widgets.backprop import STAGES
    assert [key for key, _, _ in STAGES[1:6]] == ["z2", "a2", "z3", "yhat", "J"]
    assert [key for key, _, _ in STAGES[6:]] == ["dz3", "dW2", "dz2", "dW1"]


def test_does_the_worked_example_reference_agree_with_nnlib_and_the_widget():
    """Do the check's reference, mlp_backward and the animation's numbers agree?"""
    from autograder.checking.checks.backprop import worked_example_reference
    from nnlib.widgets.backprop import worked_example_values

    ref, widget, v = worked_example_reference(), worked_example_values(), example_221()
    for key in ("z2", "a2", "z3", "yhat", "dz3", "dW2", "db2", "dz2", "dW1", "db1"):
        np.testing.assert_allclose(ref[key], widget[key], rtol=1e-14, atol=0)
    np.testing.assert_allclose(ref["dW1"], v["dW1"], rtol=1e-14)
    assert ref["J"] == pytest.approx(widget["J"], rel=1e-14)


# ---------------------------------------------------------------- 6. the 3-2-1 example


def example_321():
    x, t, eta = np.array([1.0, 0.0, 1.0]), 1.0, 0.9
    w4, b4 = np.array([0.2, 0.4, -0.5]), -0.4
    w5, b5 = np.array([-0.3, 0.1, 0.2]), 0.2
    w46, w56, b6 = -0.3, -0.2, 0.1
    i4, i5 = x @ w4 + b4, x @ w5 + b5
    o4, o5 = float(sigmoid(i4)), float(sigmoid(i5))
    i6 = o4 * w46 + o5 * w56 + b6
    o6 = float(sigmoid(i6))
    err6 = o6 * (1 - o6) * (t - o6)  # = -dE/di6 for E = 1/2 (t - o6)^2
    err5 = o5 * (1 - o5) * err6 * w56
    err4 = o4 * (1 - o4) * err6 * w46
    new = {"w46": w46 + eta * err6 * o4, "w56": w56 + eta * err6 * o5, "b6": b6 + eta * err6,
           "w15": w5[0] + eta * err5 * x[0], "w25": w5[1] + eta * err5 * x[1], "w35": w5[2] + eta * err5 * x[2],
           "b5": b5 + eta * err5, "w14": w4[0] + eta * err4 * x[0], "w24": w4[1] + eta * err4 * x[1],
           "w34": w4[2] + eta * err4 * x[2], "b4": b4 + eta * err4}
    return dict(i4=i4, i5=i5, o4=o4, o5=o5, i6=i6, o6=o6, err6=err6, err5=err5, err4=err4, new=new)


def test_is_the_321_forward_pass_right():
    """i4 = -0.7, o4 ~ 0.332, i5 = 0.1, o5 ~ 0.525, i6 ~ -0.105, o6 ~ 0.474?"""
    v = example_321()
    says("md_worked_321", r"1 \cdot 0.2 + 0 \cdot 0.4 + 1 \cdot (-0.5) - 0.4 = -0.7", r"\sigma(-0.7) \approx 0.332",
         r"1 \cdot (-0.3) + 0 \cdot 0.1 + 1 \cdot 0.2 + 0.2 = 0.1", r"\sigma(0.1) \approx 0.525",
         r"0.332 \cdot (-0.3) + 0.525 \cdot (-0.2) + 0.1 \approx -0.105", r"o_6 \approx 0.474")
    assert v["i4"] == pytest.approx(-0.7, abs=1e-15) and v["i5"] == pytest.approx(0.1, abs=1e-15)
    shown(v["o4"], "0.332")
    shown(v["o5"], "0.525")
    shown(v["i6"], "-0.105")
    shown(0.332 * -0.3 + 0.525 * -0.2 + 0.1, "-0.105")
    shown(v["o6"], "0.474")


def test_is_the_notes_slip_in_i6_described_right():
    """Taken literally, 0.332 * -0.3 + 0.1 * -0.2 + 0.1 ~ -0.020; and 0.525 * -0.2 = -0.105?"""
    says("md_worked_321", r"0.1 \times -0.2", r"i_6 \approx -0.020", r"0.525 \times -0.2 gives")
    shown(0.332 * -0.3 + 0.1 * -0.2 + 0.1, "-0.020")
    shown(0.525 * -0.2, "-0.105")


def test_are_the_321_errors_right():
    """Err6 ~ 0.1311, Err5 ~ -0.0065, Err4 ~ -0.0087, with the factors as written?"""
    v = example_321()
    says("md_worked_321", r"\approx 0.474 \cdot 0.526 \cdot 0.526 \approx 0.1311",
         r"\approx 0.525 \cdot 0.475 \cdot 0.1311 \cdot (-0.2) \approx -0.0065",
         r"\approx 0.332 \cdot 0.668 \cdot 0.1311 \cdot (-0.3) \approx -0.0087")
    shown(1 - v["o6"], "0.526")
    shown(1 - v["o5"], "0.475")
    shown(1 - v["o4"], "0.668")
    says("md_worked_321", "from the rounded o_6; in full precision it is 0.1312")
    shown(0.474 * 0.526 * 0.526, "0.1311")  # the notes' value, from the rounded factors
    shown(v["err6"], "0.1312")
    shown(v["err5"], "-0.0065")
    shown(v["err4"], "-0.0087")
    shown(0.525 * 0.475 * 0.1311 * -0.2, "-0.0065")  # the rounded factors as written
    shown(0.332 * 0.668 * 0.1311 * -0.3, "-0.0087")


def test_is_the_notes_dropped_factor_2_described_right():
    """E = (t - o)^2 has dE/do = -2 (t - o); the notes' 0.1311 fits E = 1/2 (t - o)^2; with the 2, Err6 ~ 0.262."""
    says("md_worked_321", "The notes define the error as E = (t - o_6)^2",
         r"\partial E / \partial o_6 = -2(t - o_6), but drop the factor 2",
         r"they fit E = \frac{1}{2}(t - o_6)^2, whose derivative is -(t - o_6)",
         r"would be twice as large: \mathrm{Err}_6 \approx 0.262")
    v = example_321()
    o6, h = v["o6"], 1e-6
    full = lambda o: (1.0 - o) ** 2  # noqa: E731
    assert (full(o6 + h) - full(o6 - h)) / (2 * h) == pytest.approx(-2 * (1.0 - o6), rel=1e-8)
    shown(v["err6"], "0.1312")  # -dE/di6 for E = 1/2 (t - o)^2: the notes' number
    shown(2 * v["err6"], "0.262")
    E = lambda i6: (1.0 - float(sigmoid(i6))) ** 2  # noqa: E731
    assert -(E(v["i6"] + h) - E(v["i6"] - h)) / (2 * h) == pytest.approx(2 * v["err6"], rel=1e-7)


def test_is_err_the_negative_gradient():
    """Is Err6 = -dE/di6 for E = 1/2 (t - o6)^2, so that w + eta Err o is gradient descent?"""
    says("md_worked_321", r"\mathrm{Err}_j = -\partial E / \partial i_j")
    v = example_321()
    E = lambda i6: 0.5 * (1.0 - float(sigmoid(i6))) ** 2  # noqa: E731
    h = 1e-6
    assert v["err6"] == pytest.approx(-(E(v["i6"] + h) - E(v["i6"] - h)) / (2 * h), rel=1e-8)


@pytest.mark.parametrize("name, old, factors, text", [
    ("w46", -0.3, (0.9, 0.1311, 0.332), "-0.261"), ("w56", -0.2, (0.9, 0.1311, 0.525), "-0.138"),
    ("b6", 0.1, (0.9, 0.1311), "0.218"), ("w15", -0.3, (0.9, -0.0065, 1), "-0.306"),
    ("w25", 0.1, (0.9, -0.0065, 0), "0.1"), ("w35", 0.2, (0.9, -0.0065, 1), "0.194"),
    ("b5", 0.2, (0.9, -0.0065), "0.194"), ("w14", 0.2, (0.9, -0.0087, 1), "0.192"),
    ("w24", 0.4, (0.9, -0.0087, 0), "0.4"), ("w34", -0.5, (0.9, -0.0087, 1), "-0.508"),
    ("b4", -0.4, (0.9, -0.0087), "-0.408"),
])
def test_is_each_updated_parameter_right(name, old, factors, text):
    """Does each row of the update table give the new value it shows, exactly and from its rounded factors?"""
    label = f"w_{{{name[1:]}}}" if name[0] == "w" else f"b_{name[1:]}"
    step = r" \cdot ".join(f"({f:g})" if f < 0 else f"{f:g}" for f in factors)
    row = rf"| {label} | {old:g} | {step} | " + ("" if text in ("0.1", "0.4") else r"\approx ") + f"{text} |"
    says("md_worked_321", row)
    shown(example_321()["new"][name], text)
    shown(old + math.prod(factors), text)


def test_does_the_321_step_match_mlp_backward():
    """Is the notes' update the same as p - 0.9 * dp with nnlib's batch-first backward pass?"""
    v = example_321()
    X, t = np.array([[1.0, 0.0, 1.0]]), np.array([[1.0]])
    params = [(np.array([[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]]), np.array([-0.4, 0.2])),
              (np.array([[-0.3], [-0.2]]), np.array([0.1]))]
    o6, caches = nnlib.mlp.mlp_forward(X, params, ["sigmoid", "sigmoid"])
    (dW1, db1), (dW2, db2) = nnlib.mlp.mlp_backward(o6 - t, caches, params, ["sigmoid", "sigmoid"])
    new = v["new"]
    np.testing.assert_allclose(params[1][0][:, 0] - 0.9 * dW2[:, 0], [new["w46"], new["w56"]], rtol=1e-14)
    np.testing.assert_allclose(params[0][0][:, 0] - 0.9 * dW1[:, 0], [new["w14"], new["w24"], new["w34"]], rtol=1e-14)
    np.testing.assert_allclose(params[0][0][:, 1] - 0.9 * dW1[:, 1], [new["w15"], new["w25"], new["w35"]], rtol=1e-14)
    np.testing.assert_allclose(params[0][1] - 0.9 * db1, [new["b4"], new["b5"]], rtol=1e-14)
    assert params[1][1][0] - 0.9 * db2[0] == pytest.approx(new["b6"], rel=1e-14)


# ---------------------------------------------------------------- 7. gradient checking


def test_are_the_float64_facts_right():
    """Is float64 precise to about 1e-16, and is h = 1e-5 inside the good range for a smooth layer?"""
    from nnlib.widgets.gradcheck import H_GRID, GradcheckPanel

    says("md_gradcheck", "about 10^{-16} of its size in float64", "h = 10^{-5} is a good compromise")
    assert 1e-17 < np.finfo(np.float64).eps < 1e-15
    for layer in ("Activation sigmoid", "Activation tanh"):
        curve = GradcheckPanel(layer=layer).curve
        at = int(np.argmin(np.abs(H_GRID - 1e-5)))
        assert curve[at] < 1e-7 and curve[0] > 10 * curve[at] and curve[-1] > 10 * curve[at]


def test_is_the_comparison_with_cs231n_right():
    """CS231n's thresholds are looser (quoted); a correct sigmoid layer lands at about 1e-10 in the widget."""
    from nnlib.widgets.gradcheck import GradcheckPanel

    says("md_gradcheck", "These thresholds are stricter than the ones in Stanford's CS231n notes",
         r"above 10^{-2} the gradient is probably wrong", r"10^{-4} to 10^{-2} should make you uncomfortable",
         r"below 10^{-4} is usually fine where the function has kinks", r"10^{-7} or less is good",
         r"it accepts 10^{-2} for the inputs of a 10-layer network", r"it calls 10^{-4} too high for a smooth function",
         r"(about 10^{-10} for the sigmoid layer in the widget below)")
    error = GradcheckPanel(layer="Activation sigmoid", h=1e-5).error
    assert round(math.log10(error)) == -10
    assert 1e-5 < 1e-4 < 1e-2  # ours: a bug above 1e-5, where CS231n would still be content below 1e-4


def test_is_the_relative_error_example_right():
    """A difference of 1e-6 is tiny at size 100 and huge at size 1e-6: relative errors 5e-9 and 1/3?"""
    from nnlib.gradcheck import relative_error

    says("md_gradcheck", "A difference of 10^{-6} is tiny for a gradient of size 100 and huge for one of size 10^{-6}",
         "below 10^{-7}: the backward pass is right", "above 10^{-5}: look for a bug (above 10^{-3}")
    assert relative_error([100.0], [100.0 + 1e-6]) < 1e-8
    assert relative_error([1e-6], [2e-6]) > 0.3


def test_are_the_gradcheck_widget_claims_right():
    """ReLU inputs 3e-4 and 2e-3 from the kink; Dense error shrinks as h grows; the V for sigmoid?"""
    from nnlib.widgets.gradcheck import GradcheckPanel, _inputs

    says("md_gradcheck_widget", r"3 \cdot 10^{-4} and 2 \cdot 10^{-3} from the kink at 0",
         "the thresholds 10^{-7} and 10^{-5}")
    distances = sorted(np.abs(_inputs("Activation relu")).ravel())[:2]
    assert distances == pytest.approx([3e-4, 2e-3])
    dense = GradcheckPanel(layer="Dense (3 -> 2)").curve
    assert dense[-1] < dense[0] / 1000 and dense.max() < 1e-4
    relu = GradcheckPanel(layer="Activation relu")
    assert relu.curve[:20].max() < 1e-5 and relu.curve[-8:].min() > 1e-3


# ---------------------------------------------------------------- 8. training


def train_xor(seed, epochs=1001, lr=1.0):
    X, t = logic_gate("xor")
    T = t.reshape(-1, 1)
    rng = np.random.default_rng(seed)
    flat = [rng.normal(size=(2, 4)), np.zeros(4), rng.normal(size=(4, 1)), np.zeros(1)]
    losses = []
    for _ in range(epochs):
        params = [(flat[0], flat[1]), (flat[2], flat[3])]
        A, caches = nnlib.mlp.mlp_forward(X, params, ["tanh", "sigmoid"])
        losses.append(binary_cross_entropy(A, T))
        grads = nnlib.mlp.mlp_backward(binary_cross_entropy_grad(A, T), caches, params, ["tanh", "sigmoid"])
        flat = [p - lr * g for p, g in zip(flat, [g for pair in grads for g in pair])]
    return losses, A.ravel()


def test_does_xor_training_behave_as_described():
    """seed 1: loss from about 0.67 to below 0.003, outputs round to 0, 1, 1, 0; seed 0: stuck near 0.35?"""
    says("md_xor", "a 2-4-1 network (tanh, then sigmoid)", "a mean over the 4 samples", "Full batch, \\eta = 1, 1000 epochs",
         "With seed = 1 the loss falls from about 0.67 to below 0.003 and the outputs round to 0, 1, 1, 0",
         "training stalls with a loss near 0.35 and two outputs near 0.5")
    source = SOURCES["demo_xor"]
    assert "seed = 1" in source and "range(1001)" in source and "1.0)  # 4. update" in source
    assert '["tanh", "sigmoid"]' in SOURCES["use_training"] and "size=(2, 4)" in source
    losses, outputs = train_xor(1)
    shown(losses[0], "0.67")
    assert losses[-1] < 0.003
    np.testing.assert_array_equal(np.round(outputs), [0, 1, 1, 0])
    losses, outputs = train_xor(0)
    assert abs(losses[-1] - 0.35) < 0.005
    assert np.sum(np.abs(outputs - 0.5) < 0.01) == 2


def test_do_the_notes_signs_climb_the_loss_as_stated():
    """The notes' delta = (t - y) y (1 - y) with w <- w - eta delta a raises E: 0.1384 -> 0.1609; added, 0.1175."""
    says("md_training", r"\delta_k = (t_k - y_k)\,y_k (1 - y_k)", r"w_{jk} \leftarrow w_{jk} - \eta\,\delta_k a_j",
         r"v_{ij} \leftarrow v_{ij} - \eta\,\delta_{hj} x_i", r"x \leftarrow x + \alpha \nabla f",
         r"with \eta = 0.9: the step as the notes write it raises E from 0.1384 to 0.1609; added, it lowers E to 0.1175")
    x, t, eta = np.array([1.0, 0.0, 1.0]), 1.0, 0.9
    W1, b1 = np.array([[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]]), np.array([-0.4, 0.2])
    w2, b2 = np.array([-0.3, -0.2]), 0.1

    def forward(W1, b1, w2, b2):
        a = sigmoid(x @ W1 + b1)  # (2,) hidden outputs
        return a, float(sigmoid(a @ w2 + b2))

    E = lambda *p: 0.5 * (t - forward(*p)[1]) ** 2  # noqa: E731
    a, y = forward(W1, b1, w2, b2)
    delta = (t - y) * y * (1 - y)  # the notes' output delta: minus the gradient w.r.t. the output's input
    delta_h = a * (1 - a) * delta * w2  # the notes' hidden deltas, same sign convention
    h = 1e-6
    assert delta == pytest.approx(-(E(W1, b1, w2, b2 + h) - E(W1, b1, w2, b2 - h)) / (2 * h), rel=1e-7)
    after = {}
    for sign in (-1, +1):  # -1: as the notes write it; +1: the step added
        after[sign] = E(W1 + sign * eta * np.outer(x, delta_h), b1 + sign * eta * delta_h,
                        w2 + sign * eta * delta * a, b2 + sign * eta * delta)
    shown(E(W1, b1, w2, b2), "0.1384")
    shown(after[-1], "0.1609")
    shown(after[+1], "0.1175")
    # the momentum rule's first step (no previous change yet) is this same climbing step
    assert after[-1] > E(W1, b1, w2, b2) > after[+1]


def test_is_the_binary_cross_entropy_gradient_a_mean():
    """Does the BCE gradient carry the 1/N, as the XOR section says?"""
    A, T = np.array([[0.3], [0.8], [0.6], [0.1]]), np.array([[0.0], [1.0], [1.0], [0.0]])
    per_sample = (A - T) / (A * (1 - A))  # d(-t log a - (1 - t) log(1 - a))/da
    np.testing.assert_allclose(binary_cross_entropy_grad(A, T), per_sample / 4, rtol=1e-12)


def fast_xor_run(seed, checkpoints):
    """The notebook's XOR training (tanh, sigmoid, BCE, eta = 1), written out in NumPy to run 100 000 epochs quickly.

    Returns {epoch: (loss, length of the weight vector, gradient length, outputs, hidden outputs)}, each
    taken before that epoch's update, as the notebook prints its loss.
    """
    X, t = logic_gate("xor")
    T = t.reshape(-1, 1)
    rng = np.random.default_rng(seed)
    W1, b1, W2, b2 = rng.normal(size=(2, 4)), np.zeros(4), rng.normal(size=(4, 1)), np.zeros(1)
    found = {}
    for epoch in range(max(checkpoints) + 1):
        H = np.tanh(X @ W1 + b1)  # (4, 4)
        A = 1 / (1 + np.exp(-(H @ W2 + b2)))  # (4, 1)
        dZ = (A - T) / 4  # BCE through the sigmoid, mean over the 4 samples
        dW2, db2 = H.T @ dZ, dZ.sum(axis=0)
        dZ1 = (dZ @ W2.T) * (1 - H ** 2)
        dW1, db1 = X.T @ dZ1, dZ1.sum(axis=0)
        if epoch in checkpoints:
            params, grads = (W1, b1, W2, b2), (dW1, db1, dW2, db2)
            found[epoch] = (binary_cross_entropy(A, T), math.sqrt(sum(float((q ** 2).sum()) for q in params)),
                            math.sqrt(sum(float((g ** 2).sum()) for g in grads)), A.ravel().copy(), H.copy())
        W1, b1, W2, b2 = W1 - dW1, b1 - db1, W2 - dW2, b2 - db2
    return found


def test_is_seed_0_on_a_plateau_not_in_a_minimum():
    """100 000 epochs: loss 0.3487 -> 0.34659 towards ln 2 / 2 ~ 0.34657, weights 10.6 -> 16.7, gradient never 0."""
    says("md_plateau", "Train 100 times longer, 100 000 epochs",
         r"from 0.3487 after 1000 epochs to 0.34659, edging towards \ln 2 / 2 \approx 0.34657 without reaching it",
         "their length goes from 10.6 to 16.7", "The gradient shrinks, but it is never zero",
         "for both inputs every hidden output is within 0.003 of -1, 1, 1, 1",
         "the best it can do is 0.5 for both, while their targets are 1 and 0",
         r"the two outputs at 0.5 cost \ln 2 each, which makes the mean \ln 2 / 2")
    assert 100 * 1000 == 100000
    run = fast_xor_run(0, {1000, 10000, 100000})
    losses, _ = train_xor(0)  # the notebook's own loop, for the first 1000 epochs
    assert run[1000][0] == pytest.approx(losses[1000], rel=1e-9)
    shown(run[1000][0], "0.3487")
    shown(run[100000][0], "0.34659")
    shown(math.log(2) / 2, "0.34657")
    assert run[1000][0] > run[10000][0] > run[100000][0] > math.log(2) / 2
    shown(run[1000][1], "10.6")
    shown(run[100000][1], "16.7")
    assert run[1000][2] > run[10000][2] > run[100000][2] > 0
    # the shared hidden code of (0, 1) and (1, 1) at epoch 1000; outputs 0.5 for both, the other two right
    _, _, _, outputs, H = run[1000]
    assert np.abs(H[[1, 3]] - np.array([-1, 1, 1, 1])).max() < 0.003
    np.testing.assert_allclose(outputs[[1, 3]], 0.5, atol=0.005)
    np.testing.assert_allclose(outputs[[0, 2]], [0, 1], atol=0.005)
    # two samples at 0.5 cost ln 2 each and two exact ones nothing: the mean is ln 2 / 2
    assert 2 * math.log(2) / 4 == math.log(2) / 2
    assert binary_cross_entropy(np.array([[1e-15], [0.5], [1 - 1e-15], [0.5]]),
                                np.array([[0.0], [1.0], [1.0], [0.0]])) == pytest.approx(math.log(2) / 2, rel=1e-9)


# ---------------------------------------------------------------- written answer


def test_are_the_costs_in_the_model_answer_right():
    """With P = 10^6: 2P = 2 * 10^6 forward passes, 2P^2 = 2 * 10^12 operations, against 3P: 2P / 3 ~ 670 000 times less?"""
    says("why_backprop", "P = 10^6", r"2P = 2 \cdot 10^6", r"2P^2 = 2 \cdot 10^{12}", "2 points for", "1 point",
         r"some 3P operations instead of 2P^2, about 2P / 3 \approx 670\,000 times less")
    P = 10 ** 6
    assert 2 * P == 2 * 10 ** 6 and 2 * P ** 2 == 2 * 10 ** 12
    assert 2 * P ** 2 / (3 * P) == pytest.approx(2 * P / 3) and round(2 * P / 3, -4) == 670000


# ---------------------------------------------------------------- headings and points


def test_do_the_points_in_the_headings_match_the_grading_metadata():
    """Does "Exercise k — `name` (P points)" agree with the test cells' points, and the written answer's too?"""
    meta = {c.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: c.metadata["nbgrader"]
            for c in NB.cells if "grade_id" in c.metadata.get("nbgrader", {})}
    headings = re.findall(r"### Exercise (\d+) — `(\w+)` \((\d+) points?\)", "\n".join(SOURCES.values()))
    assert [int(k) for k, _, _ in headings] == list(range(1, 10))
    expected = {"graph_gradients": 1, "Value": 2, "sigmoid_backward": 1, "dense_backward": 2, "mlp_backward": 3,
                "worked_example_gradients": 2, "numerical_gradient": 2, "relative_error": 1, "sgd_step": 1}
    assert {name: int(p) for _, name, p in headings} == expected
    tests = {"Value": ["value_mul", "value_tanh"], "worked_example_gradients": ["worked_example"]}
    for _, name, points in headings:
        cells = tests.get(name, [name])
        assert sum(meta[f"{c}_test"]["points"] for c in cells) == int(points)
        for c in cells:
            assert f"hidden=True, points={meta[f'{c}_test']['points']})" in SOURCES[f"{c}_test"]
    says("md_written_intro", "Written answer (2 points, graded by hand)")
    assert meta["why_backprop"]["points"] == 2 and meta["why_backprop"]["grade"] and meta["why_backprop"]["solution"]
    says("md_ex_value", "(1 point each)")


def test_are_the_sections_numbered_in_order():
    """Are the chapter's sections numbered 1 to 8 in order?"""
    sections = re.findall(r"^## (\d+)\. ", "\n".join(SOURCES.values()), flags=re.MULTILINE)
    assert sections == [str(k) for k in range(1, 9)]


# ---------------------------------------------------------------- the inventory


# Every numeral in the markdown, and what checks it.  A new number in the prose
# fails test_is_every_number_in_the_prose_accounted_for until it is added here
# with a test.
INVENTORY = {
    "0": "zeros in inputs, gradients, kinks, outputs (graph, neuron, 3-2-1, XOR tests)",
    "000": "100 000 epochs, 670 000 times (plateau, written answer tests)",
    "0.1175": "E after the added step (sign-slip test)", "0.1384": "E before the step (sign-slip test)",
    "0.1609": "E after the notes' step (sign-slip test)", "0.262": "Err6 with E = (t - o)^2 (factor-2 test)",
    "0.3487": "XOR seed-0 loss at epoch 1000 (plateau test)", "0.34657": "ln 2 / 2 (plateau test)",
    "0.34659": "XOR seed-0 loss at epoch 100 000 (plateau test)",
    "10.6": "weight length at epoch 1000 (plateau test)", "16.7": "weight length at epoch 100 000 (plateau test)",
    "26": "26 table values (memoization test)", "231": "the course name CS231n (CS231n test)",
    "242": "242 785 calls (memoization test)", "785": "242 785 calls (memoization test)",
    "512": "2^9 paths (memoization test)", "670": "670 000 times less (written answer test)",
    "1986": "Rumelhart, Hinton and Williams: a date from the notes' history slide",
    "0.002941": "dJ/dW1 (backward table, remarks)", "0.003088": "dJ/dW1 (backward table, remarks)",
    "0.004705": "dJ/dW1 (backward table, remarks)", "0.004941": "dJ/dW1 (backward table, remarks)",
    "0.005881": "dJ/dz2, dJ/db1 (backward table)", "0.006176": "dJ/dz2, dJ/db1 (backward table)",
    "0.003": "XOR final loss bound, hidden code within 0.003 (XOR, plateau tests)",
    "0.0065": "Err5 (3-2-1 errors, update table)", "0.0087": "Err4 (3-2-1 errors, update table)",
    "0.020": "the notes' literal i6 (slip test)",
    "0.03155": "dJ/dW2 (backward table)", "0.03587": "dJ/dW2 (backward table)",
    "0.03403": "J (forward table)", "0.03406": "the notes' J from yhat = 0.739 (remarks test)",
    "0.05030": "dJ/dz3, dJ/db2 (backward table)",
    "0.1": "weights of the examples (given data), i5 = 0.1 (3-2-1 forward test)",
    "0.105": "i6 and 0.525 * -0.2 (3-2-1 forward, slip tests)",
    "0.1311": "Err6 from the rounded o6 (3-2-1 errors)", "0.1312": "Err6 in full precision (3-2-1 errors)", "0.138": "new w56 (update table)", "0.192": "new w14 (update table)",
    "0.1928": "sigmoid'(z3) (backward table)", "0.194": "new w35, b5 (update table)",
    "0.2": "weights of the examples (given data)", "0.2046": "sigmoid'(z2) (backward table)",
    "0.218": "new b6 (update table)", "0.2338": "sigmoid'(z2) (backward table)",
    "0.2609": "dJ/dyhat (backward table)", "0.261": "new w46 (update table)",
    "0.3": "weights of the examples (given data)", "0.306": "new w15 (update table)",
    "0.332": "o4 (3-2-1 forward)", "0.35": "stuck XOR loss (XOR test)",
    "0.4": "weights of the examples (given data)", "0.408": "new b4 (update table)",
    "0.474": "o6 (3-2-1 forward)", "0.475": "1 - o5 (3-2-1 errors)",
    "0.5": "x1 (2-2-1 data), W2 (given), local gradient 0.5 (neuron test), outputs near 0.5 (XOR test)",
    "0.508": "new w34 (update table)", "0.52": "z2 (forward table)", "0.525": "o5 (3-2-1 forward)",
    "0.526": "1 - o6 (3-2-1 errors)", "0.6": "W2 (given data)", "0.6271": "a2 (forward table)",
    "0.668": "1 - o4 (3-2-1 errors)", "0.67": "initial XOR loss (XOR test)",
    "0.7": "W1 (given data), i4 = -0.7 (3-2-1 forward test)", "0.7130": "a2 (forward table)",
    "0.739": "the notes' rounded yhat (remarks test)", "0.7391": "yhat (forward table, widget test)",
    "0.8": "x2 (given data)", "0.8814": "the neuron's sum (neuron test)", "0.9": "eta (given data, sign-slip test)",
    "0.91": "z2 (forward table)", "1": "targets, seeds, gradients 1, points, layer numbers (various tests)",
    "1.0414": "z3 (forward table)", "1.5": "do/dx1 (neuron test)",
    "2": "inputs, 2a, 2h, 2P, layer sizes, points, powers, factor 2, ln 2, 2 units (various tests)",
    "3": "graph values, a = 3, inputs 3, 3P, 2P / 3 (graph, Value, widget, written answer tests)",
    "4": "df/dq = -4, 2-4-1, 4 samples, exercise and section 4, 10^{-4} (graph, XOR, CS231n tests)",
    "5": "y = 5, 10^{-5}, exercise/section 5 (graph, gradient checking tests)",
    "6": "2a = 6, 10^6 (Value, written answer tests), section 6, exercise 6",
    "7": "10^{-7} threshold, exercise/section 7 (gradient checking tests)",
    "8": "10^{-8} floor, float64, exercise/section 8 (gradient checking tests)",
    "9": "exercise 9, 2^9 (headings, memoization tests)",
    "10": "powers of ten, 10 layers, 10-layer network (gradient checking, written answer, memoization tests)",
    "12": "f = -12 (graph test), 10^{12} (written answer test)",
    "14": "w_{14} (update table)", "15": "w_{15} (update table)", "16": "10^{-16} (float64 test)",
    "24": "w_{24} (update table)", "25": "w_{25} (update table), F_25 (memoization test)", "34": "w_{34} (update table)",
    "35": "w_{35} (update table)", "46": "w_{46} (update table)", "56": "w_{56} (update table)",
    "100": "gradient of size 100, 100 times longer, 100 000 (relative error, plateau tests)",
    "1000": "XOR epochs (XOR test)",
}


def test_is_every_number_in_the_prose_accounted_for():
    """Does the markdown contain exactly the numerals of the inventory above?"""
    assert unaccounted(NB, INVENTORY) == ""
