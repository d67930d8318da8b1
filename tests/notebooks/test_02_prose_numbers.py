"""Every number stated in the prose of chapter 02 is recomputed here.

The prose lives in ``solutions/02_mlp_xor/02_mlp_xor.ipynb``.  Each test
quotes the sentences it checks (so editing the prose without the test fails)
and recomputes the numbers with nnlib, the checks or the widgets.  The last
test keeps an inventory of the numerals in the markdown: a new number in the
prose fails it until someone adds a check for it.
"""
import contextlib
import io
import math
import re
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest

import nnlib.activations as act
from autograder.checking.checks import mlp as checks
from autograder.checking.checks import get_spec
from nnlib.gradcheck import numerical_gradient
from nnlib.mlp import mlp_forward, xor_params
from nnlib.network import Sequential, count_parameters
from nnlib.layers import Activation, Dense
from nnlib.widgets.activations import SATURATION, curves, describe
from nnlib.widgets.xor import XorSpaceWarp
from prose_support import unaccounted

NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "02_mlp_xor" / "02_mlp_xor.ipynb"
NB = nbformat.read(NOTEBOOK, as_version=4)
SOURCES = {cell.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: cell.source
           for cell in NB.cells if "grade_id" in cell.metadata.get("nbgrader", {})}
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # rows 00, 01, 10, 11
XOR_T = np.array([0.0, 1.0, 1.0, 0.0])
Z_GRID = np.linspace(-8.0, 8.0, 160001)  # step 1e-4


def normalised(text: str) -> str:
    """Prose without $ signs, backticks and spacing commands, with ASCII minus signs and single spaces."""
    text = re.sub(r"\s+", " ", text.replace("$", "").replace("`", "").replace("−", "-"))
    return re.sub(r"\s+", " ", text.replace(r"\,", " ").replace(r"\ ", " "))


def says(cell: str, *phrases: str) -> None:
    body = normalised(SOURCES[cell])
    for phrase in phrases:
        assert normalised(phrase) in body, f"cell {cell} no longer says {phrase!r}: update this test with the prose"


def run_cells(*names) -> dict:
    """Execute the named code cells of the notebook in one namespace (their output is discarded)."""
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for name in names:
            exec(compile(SOURCES[name], f"<cell {name}>", "exec"), namespace)
    return namespace


def rng_matrices(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in shapes]


# ---------------------------------------------------------------- 1. the collapse


def test_do_two_affine_layers_equal_the_single_layer_of_the_formula():
    """Is (X W1 + b1) W2 + b2 = X (W1 W2) + (b1 W2 + b2), and the column form its transpose?"""
    says("md_02", r"(XW_1 + \mathbf{b}_1) W_2 + \mathbf{b}_2 = X \underbrace{W_1 W_2}_{W} + "
                  r"\underbrace{\mathbf{b}_1 W_2 + \mathbf{b}_2}_{\mathbf{b}}",
         r"W_2^\top(W_1^\top\mathbf{x} + \mathbf{b}_1) + \mathbf{b}_2 = (W_1 W_2)^\top\mathbf{x} + "
         r"(W_2^\top\mathbf{b}_1 + \mathbf{b}_2)")
    X, W1, b1, W2, b2 = rng_matrices(3, (6, 3), (3, 5), 5, (5, 2), 2)
    np.testing.assert_allclose((X @ W1 + b1) @ W2 + b2, X @ (W1 @ W2) + (b1 @ W2 + b2), rtol=1e-12)
    x = X[0]
    np.testing.assert_allclose(W2.T @ (W1.T @ x + b1) + b2, (W1 @ W2).T @ x + (W2.T @ b1 + b2), rtol=1e-12)


def test_is_the_notes_expansion_of_the_2_2_1_network_right():
    """Does y = (w1 x1 + w3 x2 + b1) w5 + (w2 x1 + w4 x2 + b2) w6 + b3 multiply out as stated?"""
    says("md_02", r"= (w_1 w_5 + w_2 w_6) x_1 + (w_3 w_5 + w_4 w_6) x_2 + (w_5 b_1 + w_6 b_2 + b_3)")
    rng = np.random.default_rng(4)
    for _ in range(5):
        w1, w2, w3, w4, w5, w6, b1, b2, b3, x1, x2 = rng.normal(size=11)
        y = (w1 * x1 + w3 * x2 + b1) * w5 + (w2 * x1 + w4 * x2 + b2) * w6 + b3
        assert y == pytest.approx((w1 * w5 + w2 * w6) * x1 + (w3 * w5 + w4 * w6) * x2 + (w5 * b1 + w6 * b2 + b3))


def test_does_the_collapse_cell_differ_by_rounding_error_only():
    """The cell's two results 'differ by rounding error only': below 1e-13, and W is (3, 2)."""
    says("md_03", "The two results differ by rounding error only.")
    ns = run_cells("setup", "collapse")
    assert np.abs(ns["two_layers"] - ns["one_layer"]).max() < 1e-13
    assert ns["W"].shape == (3, 2) and ns["b"].shape == (2,)


# ---------------------------------------------------------------- 2. activations


@pytest.mark.parametrize("name, kwargs", [
    ("sigmoid", {}), ("tanh", {}), ("leaky_relu", {"alpha": 0.01}), ("elu", {"alpha": 0.7}), ("gelu", {}),
    ("softplus", {}), ("swish", {"beta": 1.5}), ("softsign", {}),
])
def test_are_the_tables_derivatives_right(name, kwargs):
    """Does each formula in the f' column (as implemented in nnlib) match finite differences of f?"""
    z = np.array([-3.0, -1.2, -0.3, 0.4, 1.1, 2.5])
    f, f_grad = act.ACTIVATIONS[name]
    numeric = np.array([numerical_gradient(lambda v: float(f(v, **kwargs)[0]), z[i:i + 1].copy())[0]
                        for i in range(z.size)])
    np.testing.assert_allclose(f_grad(z, **kwargs), numeric, rtol=1e-7)


def test_are_the_table_formulas_those_of_nnlib():
    """Spot checks of the f(z) column against closed forms."""
    z = np.linspace(-4, 4, 17)
    np.testing.assert_allclose(act.sigmoid(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(act.tanh(z), (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)))
    np.testing.assert_allclose(act.elu(z, alpha=0.7), np.where(z > 0, z, 0.7 * (np.exp(z) - 1)))
    np.testing.assert_allclose(act.softplus(z), np.log1p(np.exp(z)))
    np.testing.assert_allclose(act.swish(z, beta=2.0), z / (1 + np.exp(-2.0 * z)))
    np.testing.assert_allclose(act.softsign(z), z / (1 + np.abs(z)))
    np.testing.assert_allclose(act.gelu(z), z * 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in z])))


def test_are_the_stated_ranges_right():
    """GELU's minimum is about -0.17, swish's about -0.28 / beta, ELU's bound is -alpha, the sigmoid's slope <= 0.25."""
    says("md_04", r"about [-0.17, \infty)", r"about [-0.28/\beta, \infty)", r"(-\alpha, \infty)",
         "its slope is at most 0.25", r"the small slope \alpha (often 0.01)")
    assert round(float(act.gelu(Z_GRID).min()), 2) == -0.17
    for beta in (0.5, 1.0, 2.0):
        assert round(float(act.swish(Z_GRID, beta=beta).min()) * beta, 2) == -0.28
    assert act.elu(np.array([-1e3]), alpha=0.7)[0] == pytest.approx(-0.7)
    assert act.elu(Z_GRID, alpha=0.7).min() > -0.7
    assert float(act.sigmoid_grad(Z_GRID).max()) == act.sigmoid_grad(np.zeros(1))[0] == 0.25
    assert act.leaky_relu.__defaults__ == (0.01,)


def test_is_softmax_jacobian_and_two_class_case_as_stated():
    """dp_i/dz_j = p_i (delta_ij - p_j); softmax((z, 0))[0] = e^z / (e^z + 1) = sigmoid(z)."""
    says("md_04", r"p_i (\delta_{ij} - p_j)", r"p_1 = e^{z} / (e^{z} + 1) = \sigma(z)")
    z = np.array([0.3, -1.2, 2.0])
    p = act.softmax(z)
    jacobian = np.diag(p) - np.outer(p, p)
    for j in range(3):
        e = np.zeros(3)
        e[j] = 1e-6
        column = (act.softmax(z + e) - act.softmax(z - e)) / 2e-6  # centred difference along z_j
        np.testing.assert_allclose(column, jacobian[:, j], rtol=1e-6, atol=1e-10)
    zs = np.linspace(-5, 5, 11)
    two = act.softmax(np.stack([zs, np.zeros_like(zs)], axis=1))[:, 0]
    np.testing.assert_allclose(two, np.exp(zs) / (np.exp(zs) + 1), rtol=1e-12)
    np.testing.assert_allclose(two, act.sigmoid(zs), rtol=1e-12)


def test_is_elu_smooth_only_for_alpha_one():
    """ELU's slope jumps from alpha to 1 at 0, unless alpha = 1."""
    says("md_04", r"smooth only for \alpha = 1: for any other \alpha its slope jumps from \alpha to 1 at z = 0")
    h = 1e-7
    for alpha in (0.5, 1.0, 2.0):
        left = (act.elu(np.array([0.0]), alpha=alpha)[0] - act.elu(np.array([-h]), alpha=alpha)[0]) / h
        right = (act.elu(np.array([h]), alpha=alpha)[0] - act.elu(np.array([0.0]), alpha=alpha)[0]) / h
        assert left == pytest.approx(alpha, rel=1e-6) and right == pytest.approx(1.0, rel=1e-6)
        assert (abs(left - right) < 1e-6) == (alpha == 1.0)


def test_are_prelu_maxout_and_argmax_as_the_table_says():
    """PReLU's d f / d alpha = z for z <= 0; maxout contains ReLU and leaky ReLU; argmax has gradient 0."""
    says("md_04", r"\partial f / \partial \alpha = z for z \le 0, 0 for z > 0", r"(-\infty, \infty) for \alpha > 0",
         r"ReLU is \max(0, z), and leaky ReLU is \max(\alpha z, z) for \alpha < 1",
         "it costs K times the weights (twice as many for K = 2)",
         r"\partial f / \partial z_k = 1 for the largest z_k, 0 for the others",
         "0 wherever it is defined: the output jumps, it never slopes")
    z = np.linspace(-3, 3, 13)
    for alpha in (0.01, 0.2, 0.7):
        prelu = lambda a: act.leaky_relu(z, alpha=a)  # noqa: E731 - PReLU is leaky ReLU with a trained alpha
        d_alpha = (prelu(alpha + 1e-6) - prelu(alpha - 1e-6)) / 2e-6
        np.testing.assert_allclose(d_alpha, np.where(z <= 0, z, 0.0), atol=1e-9)
        np.testing.assert_allclose(np.maximum(alpha * z, z), act.leaky_relu(z, alpha=alpha), rtol=1e-15)
    np.testing.assert_array_equal(np.maximum(0.0, z), act.relu(z))
    # maxout of K pieces: K weight vectors and K biases per unit
    D, K = 5, 2
    assert K * (D + 1) == 2 * (D + 1)
    # argmax: a small change of the scores never changes the index (away from ties), so its gradient is 0
    scores = np.array([0.3, 1.2, -0.5])
    assert all(np.argmax(scores + e) == 1 for e in np.eye(3) * 1e-3)


def test_does_softmax_keep_the_order_of_the_scores():
    """The largest p_i belongs to the largest z_i: argmax softmax(z) = argmax z, row by row."""
    says("md_04", "the largest p_i belongs to the largest z_i")
    Z = np.random.default_rng(8).normal(size=(200, 5))
    np.testing.assert_array_equal(np.argmax(act.softmax(Z), axis=1), np.argmax(Z, axis=1))
    P = act.softmax(Z)
    assert np.all(np.argsort(P, axis=1) == np.argsort(Z, axis=1))


def test_are_the_three_corrections_right():
    """1/(1+e^z) is sigmoid(-z); GELU' has no factor 1/2; relu_grad(0) is 0 in nnlib."""
    says("md_04", r"1 / (1 + e^{z}) it is \sigma(-z)", r"\Phi(z) + z \varphi(z), by the product rule",
         r"a factor \tfrac12", "nnlib, like PyTorch, takes 0")
    z = np.linspace(-5, 5, 21)
    np.testing.assert_allclose(1 / (1 + np.exp(z)), act.sigmoid(-z), rtol=1e-12)
    pdf = np.exp(-z ** 2 / 2) / math.sqrt(2 * math.pi)
    cdf = 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in z]))
    np.testing.assert_allclose(act.gelu_grad(z), cdf + z * pdf, rtol=1e-12)
    assert not np.allclose(act.gelu_grad(z), cdf + 0.5 * z * pdf)
    assert act.relu_grad(np.zeros(1))[0] == 0.0
    # "its negative outputs are only alpha times as large as its positive ones"
    assert act.leaky_relu(np.array([-2.0]))[0] == pytest.approx(0.01 * -act.leaky_relu(np.array([2.0]))[0])


def test_are_the_saturation_thresholds_right():
    """sigmoid' < 0.05 once |z| > 2.89, tanh' < 0.05 once |z| > 2.18; tanh'(0) = 1."""
    says("md_04", r"falls below 0.05 once \lvert z\rvert > 2.89", r"The slope of tanh is 1 at z = 0",
         r"falls below 0.05 once \lvert z\rvert > 2.18")
    # s (1 - s) = 0.05 at s = (1 - sqrt(0.8)) / 2; 1 - t^2 = 0.05 at t = sqrt(0.95)
    s = (1 - math.sqrt(0.8)) / 2
    assert round(math.log((1 - s) / s), 2) == 2.89
    assert round(math.atanh(math.sqrt(0.95)), 2) == 2.18
    assert act.sigmoid_grad(np.array([2.885]))[0] > 0.05 > act.sigmoid_grad(np.array([2.89]))[0]
    assert act.tanh_grad(np.array([2.175]))[0] > 0.05 > act.tanh_grad(np.array([2.18]))[0]
    assert act.tanh_grad(np.zeros(1))[0] == 1.0


def test_are_the_explorer_suggestions_right():
    """Saturation is |f'| < 0.05; softmax shows the sigmoid; swish approaches ReLU as beta grows."""
    says("md_05", r"there the slope stays below 0.05, \lvert f'(z)\rvert < 0.05, all the way out to the edge of the plot",
         "Choose softmax: the curve is the sigmoid", r"Choose swish and raise \beta: the curve approaches ReLU",
         r"at \alpha = 1 leaky ReLU is the identity", "tick **fit axes**")
    assert SATURATION == 0.05
    np.testing.assert_array_equal(act.leaky_relu(Z_GRID, alpha=1.0), Z_GRID)
    # GELU's and swish's slopes pass through 0 at their minimum: not shaded, the curve turns there
    says("md_05", "The slopes of GELU and swish also pass through 0, at their minimum")
    for name in ("gelu", "swish"):
        f, df = curves(name)
        low = int(np.argmin(f))
        z_low = float(np.linspace(-6, 6, 1201)[low])
        assert abs(df[low]) < 0.01  # the slope passes through 0 at the minimum ...
        assert not any(a <= z_low <= b for a, b in describe(name)["saturated"])  # ... which is not shaded
        assert all(a <= -6.0 or b >= 6.0 for a, b in describe(name)["saturated"])  # only flat tails are
    np.testing.assert_allclose(curves("softmax")[0], curves("sigmoid")[0], rtol=1e-12)
    gaps = [np.abs(act.swish(Z_GRID, beta=beta) - act.relu(Z_GRID)).max() for beta in (1.0, 2.0, 5.0)]
    assert gaps[0] > gaps[1] > gaps[2]
    # the question's answer: tanh passes more gradient at 0 (1 against 0.25) and saturates sooner (2.18 < 2.89)
    assert act.tanh_grad(np.zeros(1))[0] > act.sigmoid_grad(np.zeros(1))[0]
    assert describe("tanh")["saturated"][1][0] < describe("sigmoid")["saturated"][1][0]


# ---------------------------------------------------------------- exercises 1-7


def test_does_the_naive_sigmoid_overflow_where_stated():
    """np.exp(800) overflows; the largest float64 is about 1.8e308, reached near z = 709.78; checks go to 1e4."""
    says("md_06", r"np.exp(800) is larger than the largest float64 number (about 1.8 \cdot 10^{308}, reached near "
                  "z = 709.78)", r"The checks use \lvert z\rvert up to 10^4.")
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn"):
        warnings.simplefilter("always")
        assert np.exp(np.float64(800.0)) == np.inf
    assert any("overflow" in str(w.message) for w in caught)
    assert round(np.finfo(np.float64).max / 1e308, 1) == 1.8
    assert round(math.log(np.finfo(np.float64).max), 2) == 709.78
    spec = get_spec("mlp.sigmoid")
    largest = max(float(np.abs(case.args[0]).max()) for case in list(spec.visible_cases()) + list(spec.hidden_cases()))
    assert largest == 1e4


def test_is_the_stable_sigmoid_the_sigmoid():
    """The two-branch form with e = exp(-|z|) equals 1 / (1 + exp(-z)) where the latter is finite."""
    z = np.linspace(-30, 30, 61)
    e = np.exp(-np.abs(z))
    np.testing.assert_allclose(np.where(z >= 0, 1 / (1 + e), e / (1 + e)), 1 / (1 + np.exp(-z)), rtol=1e-14)


def test_is_the_sigmoid_slope_at_zero_a_quarter():
    says("md_07", r"0.5 \cdot 0.5 = 0.25, the largest slope")
    assert act.sigmoid(np.zeros(1))[0] == 0.5 and act.sigmoid_grad(np.zeros(1))[0] == 0.25


def test_is_relu_grad_one_and_zero_as_stated():
    says("md_09", "1.0 where z > 0 and 0.0 elsewhere, including at the kink z = 0")
    np.testing.assert_array_equal(act.relu_grad(np.array([-1.0, 0.0, 1.0])), [0.0, 0.0, 1.0])


def test_do_the_unstable_tanh_forms_fail_where_stated():
    """tanh via exp gives inf / inf; 1 / np.cosh(z)**2 overflows beyond about 355.6 (cosh^2), cosh itself near 710.5."""
    says("md_10", r"\infty / \infty for large \lvert z\rvert",
         r"1 / np.cosh(z)**2 overflows once \lvert z\rvert exceeds about 355.6: there \cosh^2(z) passes the largest "
         r"float64, long before \cosh(z) itself does (near 710.5)")
    with np.errstate(all="ignore"):
        z = np.array([1000.0])
        assert np.isnan((np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)))[0]
    big = np.finfo(np.float64).max
    # cosh(z) ~ e^|z| / 2: cosh^2 passes the largest float64 at ln 2 + ln(max) / 2, cosh at ln 2 + ln(max)
    assert round(math.log(2) + math.log(big) / 2, 1) == 355.6
    assert round(math.log(2) + math.log(big), 1) == 710.5
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn"):
        warnings.simplefilter("always")
        assert np.isfinite(np.cosh(355.5) ** 2) and 1 / np.cosh(355.5) ** 2 > 0
        assert not caught
        assert np.cosh(355.7) ** 2 == np.inf  # the formula of the prose overflows here ...
        assert any("overflow" in str(w.message) for w in caught)
    with np.errstate(over="ignore"):
        assert np.isfinite(np.cosh(710.4)) and np.isinf(np.cosh(710.6))  # ... cosh itself only here
    assert act.tanh_grad(np.array([355.7, 1e4]))[0] == 0.0  # the stable form: no overflow, the right 0


def test_is_leaky_relus_default_alpha_as_stated():
    says("md_11", "leaky_relu(z, alpha=0.01)")
    assert act.leaky_relu.__defaults__ == (0.01,)


def test_are_the_softmax_examples_right():
    """(1, 2, 3) -> (0.090, 0.245, 0.665), as does (1000, 1001, 1002); (1, 1, 1) -> 1/3 each."""
    says("md_12", r"\mathbf{z} = (1, 2, 3) gives (0.090, 0.245, 0.665), and so does (1000, 1001, 1002); "
                  r"\mathbf{z} = (1, 1, 1) gives 1/3 each")
    np.testing.assert_array_equal(np.round(act.softmax(np.array([1.0, 2.0, 3.0])), 3), [0.090, 0.245, 0.665])
    np.testing.assert_allclose(act.softmax(np.array([1000.0, 1001.0, 1002.0])),
                               act.softmax(np.array([1.0, 2.0, 3.0])), rtol=1e-12)
    np.testing.assert_allclose(act.softmax(np.ones(3)), 1 / 3, rtol=1e-15)


# ---------------------------------------------------------------- 3. forward pass


def test_is_a_dense_layer_batch_first_and_the_notes_form_its_transpose():
    """Z = X W + b with X (N, D), W (D, H); the notes' z = W a + b with the transposed W gives the same numbers."""
    says("md_13", r"X: (N, D), W: (D, H), \mathbf{b}: (H,), Z, A: (N, H)",
         r"Our W is the transpose of the notes' W")
    layer = Dense(3, 4, rng=0)
    X = np.random.default_rng(5).normal(size=(7, 3))
    assert layer.forward(X).shape == (7, 4) and layer.params["W"].shape == (3, 4)
    ns = run_cells("setup", "transpose")
    np.testing.assert_allclose(ns["Z"][0], ns["z_notes"], rtol=1e-14)


def test_are_the_activation_function_names_those_of_the_table():
    """The keys listed in Exercise 9 are exactly those of ACTIVATION_FUNCTIONS."""
    ns = run_cells("setup", "activation_functions")
    listed = re.findall(r'`"(\w+)"`', SOURCES["md_15"].split("Its keys are", 1)[1])
    assert sorted(listed) == sorted(ns["ACTIVATION_FUNCTIONS"]) and len(listed) == 12


def test_is_the_forward_recipe_the_reference_mlp_forward():
    """The recipe of Exercise 9 (dense, activation, cache (A_prev, Z, A)) is exactly nnlib.mlp.mlp_forward."""
    says("md_15", "append the tuple (A_prev, Z, A) to a list caches", "return (A_out, caches)")
    ns = run_cells("setup", "activation_functions")
    rng = np.random.default_rng(6)
    X = rng.normal(size=(5, 3))
    params = [(rng.normal(size=(3, 4)), rng.normal(size=4)), (rng.normal(size=(4, 2)), rng.normal(size=2))]
    A_out, caches = mlp_forward(X, params, ["tanh", "softmax"])
    A = X
    for (W, b), name, cache in zip(params, ["tanh", "softmax"], caches):
        Z = A @ W + b
        A_prev, A = A, ns["ACTIVATION_FUNCTIONS"][name](Z)
        for mine, ref in zip((A_prev, Z, A), cache):
            np.testing.assert_allclose(mine, ref, rtol=1e-14)
    np.testing.assert_allclose(A, A_out, rtol=1e-14)


# ---------------------------------------------------------------- 4. counting


def test_are_the_parameter_counts_right():
    """3-4-2: 20 weights + 6 biases = 26 in 6 neurons; 3-4-4-1: 12 + 16 + 4 = 32 weights + 9 biases = 41 in 9."""
    says("md_16", r"3 \cdot 4 + 4 \cdot 2 = 20 weights and 4 + 2 = 6 biases, 26 parameters in total, in 6 neurons",
         r"3 \cdot 4 + 4 \cdot 4 + 4 \cdot 1 = 12 + 16 + 4 = 32 weights and 4 + 4 + 1 = 9 biases, "
         r"41 parameters in total, in 9 neurons",
         r"28 \times 28 pixels with one hidden layer of 128 units and 10 classes",
         r"784 \cdot 128 + 128 + 128 \cdot 10 + 10 = 101 770")
    assert 3 * 4 + 4 * 2 == 20 and 4 + 2 == 6 and 20 + 6 == count_parameters([3, 4, 2]) == 26
    assert 3 * 4 + 4 * 4 + 4 * 1 == 12 + 16 + 4 == 32 and 4 + 4 + 1 == 9 and 32 + 9 == count_parameters([3, 4, 4, 1]) == 41
    assert 28 * 28 == 784
    assert 784 * 128 + 128 + 128 * 10 + 10 == count_parameters([784, 128, 10]) == 101770
    says("md_17", "count_parameters([3, 4, 2]) is 26")


def test_does_sequential_print_26():
    """The Sequential cell shows a 3-4-2 network with 26 parameters."""
    ns = run_cells("setup", "sequential_count")
    model = Sequential([Dense(3, 4, rng=0), Activation("relu"), Dense(4, 2, rng=0)])
    assert model.count_parameters() == 26 and repr(model).endswith("total 26 parameters")
    assert "Sequential([Dense(3, 4, rng=0), Activation(\"relu\"), Dense(4, 2, rng=0)])" in SOURCES["sequential_count"]
    assert "Sequential" in ns


# ---------------------------------------------------------------- 5. XOR by hand


def test_is_the_xor_table_what_the_network_computes():
    """Every row of the table: s, z = x W + c, h = relu(z), y = h1 - 2 h2."""
    says("md_18", r"W = \begin{pmatrix} 1 & 1 \\ 1 & 1 \end{pmatrix}, \mathbf{c} = (0, -1), \mathbf{w} = (1, -2), b = 0",
         "| (0, 0) | 0 | (0, -1) | (0, 0) | 0 |", "| (0, 1) | 1 | (1, 0) | (1, 0) | 1 |",
         "| (1, 0) | 1 | (1, 0) | (1, 0) | 1 |", "| (1, 1) | 2 | (2, 1) | (2, 1) | 0 |")
    (W, c), (w, b) = xor_params()
    np.testing.assert_array_equal(W, [[1, 1], [1, 1]])
    np.testing.assert_array_equal(c, [0, -1])
    np.testing.assert_array_equal(w.ravel(), [1, -2])
    np.testing.assert_array_equal(b, [0])
    y, caches = mlp_forward(XOR_X, xor_params(), ["relu", "identity"])
    _, Z, H = caches[0]
    np.testing.assert_array_equal(XOR_X.sum(axis=1), [0, 1, 1, 2])
    np.testing.assert_array_equal(Z, [[0, -1], [1, 0], [1, 0], [2, 1]])
    np.testing.assert_array_equal(H, [[0, 0], [1, 0], [1, 0], [2, 1]])
    np.testing.assert_array_equal(y[:, 0], [0, 1, 1, 0])
    np.testing.assert_array_equal(H[:, 0] - 2 * H[:, 1], y[:, 0])


def test_is_the_network_without_relu_wrong_as_stated():
    """Without the ReLU, (0, 0) gives h2 = -1 and y = 0 - 2 * (-1) = 2."""
    says("md_18", r"h_2 would be -1 there and y = 0 - 2 \cdot (-1) = 2")
    y, caches = mlp_forward(XOR_X, xor_params(), ["identity", "identity"])
    assert caches[0][2][0, 1] == -1 and y[0, 0] == 2


def test_does_the_line_separate_the_hidden_points():
    """(0, 1) and (1, 0) meet at (1, 0); h1 - 2 h2 = 0.5 separates (1, 0) from (0, 0) and (2, 1)."""
    says("md_18", "The inputs (0, 1) and (1, 0) land on the same point (1, 0)",
         "(0, 0), (1, 0) and (2, 1), *can* be separated by a straight line, for instance h_1 - 2h_2 = 0.5")
    H = mlp_forward(XOR_X, xor_params(), ["relu", "identity"])[1][0][2]
    np.testing.assert_array_equal(H[1], H[2])
    side = H[:, 0] - 2 * H[:, 1] - 0.5
    np.testing.assert_array_equal(side > 0, XOR_T == 1)


def test_is_the_xor_exercise_judged_as_described():
    """Detectors for (1, 0) and (0, 1) with XOR outputs within 1e-6 pass; section 5's printed network does not."""
    says("md_19", r"within 10^{-6} of 0, 1, 1, 0", "W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,)",
         'one hidden unit fires (h > 0) for the input (1, 0) and for no other: "x_1 but not x_2"',
         'the other hidden unit fires for (0, 1) and for no other', r"a hidden value of at most 10^{-6} counts as not firing",
         "The weights of section 5 do not: their first unit fires for three inputs")
    case = get_spec("mlp.xor_network").visible_cases()[0]
    W1, b1, W2, b2 = checks.xor_reference()
    assert checks.judge_xor(case, (W1, b1, W2, b2)) is None
    assert checks.judge_xor(case, (W1, b1, W2, b2 + 5e-7)) is None
    assert checks.judge_xor(case, (W1, b1, W2, b2 + 2e-6)) is not None
    assert checks.judge_xor(case, (W1[:, ::-1], b1[::-1], W2[::-1], b2)) is None  # the units in either order
    ns = run_cells("setup", "xor_network")
    assert checks.judge_xor(case, ns["xor_network"]()) is None
    W1, b1, _, _ = ns["xor_network"]()
    H = np.maximum(XOR_X @ W1 + b1, 0)
    np.testing.assert_array_equal(H > 0, [[0, 0], [0, 1], [1, 0], [0, 0]])  # unit 1 for (1, 0), unit 2 for (0, 1)
    # section 5's network computes XOR but is not the construction asked for
    (W, c), (w, b) = xor_params()
    H5 = np.maximum(XOR_X @ W + c, 0)
    assert (H5[:, 0] > 0).sum() == 3
    verdict = checks.judge_xor(case, (W, c, w, b))
    assert verdict is not None and "section 5" in verdict


def test_is_the_feature_detector_and_approximation_prose_right():
    """The universal approximation paragraph, and the sin demo: 0.07038, 0.00479, 0.00030 for 4, 16, 64 units."""
    says("md_detectors", "a network with one hidden layer and a linear output can approximate any continuous function",
         "its activation is not a polynomial; sigmoid, tanh and ReLU all qualify",
         r"for \sin x on [0, \pi]", r"unit k computes \operatorname{relu}(x - x_k)",
         "straight pieces between K + 1 points of the curve")
    says("md_universal", "With 4 hidden units the largest error is 0.07038, with 16 it is 0.00479, with 64 only 0.00030",
         "Each time the units are multiplied by four, the error drops by a factor of about 15 to 16")
    ns = run_cells("setup", "universal")
    errors = {}
    for K in (4, 16, 64):
        params = ns["relu_interpolation"](np.sin, 0, np.pi, K)
        assert params[0][0].shape == (1, K)  # K hidden units
        y, _ = mlp_forward(ns["x"], params, ["relu", "identity"])
        knots = np.linspace(0, np.pi, K + 1)
        np.testing.assert_allclose(mlp_forward(knots[:, None], params, ["relu", "identity"])[0][:, 0], np.sin(knots),
                                   atol=1e-12)  # the pieces join K + 1 points of the curve
        errors[K] = float(np.abs(y - np.sin(ns["x"])).max())
    assert [f"{errors[K]:.5f}" for K in (4, 16, 64)] == ["0.07038", "0.00479", "0.00030"]
    assert [round(errors[4] / errors[16]), round(errors[16] / errors[64])] == [15, 16]
    # the error of linear interpolation is at most h^2 / 8 max|f''|: it grows with the square of the piece's length
    for K in (4, 16, 64):
        assert errors[K] <= (np.pi / K) ** 2 / 8 + 1e-12


# ---------------------------------------------------------------- 6. training


@pytest.fixture(scope="module")
def training_runs():
    """The notebook's own train_xor, run for 2, 4 and 8 hidden units and seeds 0-9."""
    ns = run_cells("setup", "sequential_count", "train_xor")
    runs = {}
    for hidden in (2, 4, 8):
        for seed in range(10):
            model, loss = ns["train_xor"](hidden, seed)
            W, b = model[0].params["W"], model[0].params["b"]
            runs[hidden, seed] = dict(y=model.predict(ns["X_xor"])[:, 0], loss=loss,
                                      dead=int(np.sum(np.all(ns["X_xor"] @ W + b <= 0, axis=0))))
    return ns, runs


def test_is_the_training_set_up_as_described():
    """300 full-batch steps of MSE and Adam; ten seeds for each of three widths."""
    says("md_20", "for 300 steps", "We try ten seeds for each of three widths")
    source = SOURCES["train_xor"]
    assert 'fit(model, "mse", Adam(lr=0.05), X_xor, t_xor, epochs=300' in source
    assert "for hidden in (2, 4, 8):" in source and "for seed in range(10):" in source


def test_are_the_success_counts_as_stated(training_runs):
    """XOR solved from 1 of 10 starts with 2 hidden units, 6 with 4, all 10 with 8."""
    says("md_21", "training found such weights from only 1 of the 10 starts", "With 4 hidden units it succeeded 6 times,"
         " with 8 every time")
    _, runs = training_runs
    solved = {h: sum(np.array_equal(runs[h, s]["y"] > 0.5, XOR_T == 1) for s in range(10)) for h in (2, 4, 8)}
    assert solved == {2: 1, 4: 6, 8: 10}


def test_do_the_failures_end_where_stated(training_runs):
    """Each failure outputs 0.5 everywhere (MSE 0.25) or one exact output and 1/3 elsewhere (MSE 1/6)."""
    says("md_21", "the network outputs 0.5 for every input (the best constant, with a mean squared error of 0.25)",
         "it gets one input exactly right and outputs 1/3 for the other three (error 1/6)")
    _, runs = training_runs
    failures = [r for r in runs.values() if not np.array_equal(r["y"] > 0.5, XOR_T == 1)]
    assert failures
    for r in failures:
        if np.allclose(r["y"], 0.5, atol=1e-3):
            assert r["loss"] == pytest.approx(0.25, abs=1e-5)
        else:
            exact = np.isclose(r["y"], XOR_T, atol=1e-3)
            assert exact.sum() == 1
            np.testing.assert_allclose(r["y"][~exact], 1 / 3, atol=1e-3)
            assert r["loss"] == pytest.approx(1 / 6, abs=1e-5)
    assert 0.25 == np.mean((0.5 - XOR_T) ** 2)


def test_are_most_two_unit_failures_dead_units(training_runs):
    """In 8 of the 9 failures with two hidden units, at least one unit is dead (z <= 0 for all four inputs)."""
    says("md_21", "In 8 of the 9 failures with two hidden units, at least one unit is dead")
    _, runs = training_runs
    failures = [runs[2, s] for s in range(10) if not np.array_equal(runs[2, s]["y"] > 0.5, XOR_T == 1)]
    assert len(failures) == 9
    assert sum(r["dead"] > 0 for r in failures) == 8


def test_does_the_8_unit_network_of_the_notebook_solve_xor(training_runs):
    """The network shown (8 hidden units, seed 0) outputs 0, 1, 1, 0 to three decimals."""
    says("md_21", "Here is one of the networks with 8 hidden units")
    assert "train_xor(hidden=8, seed=0)" in SOURCES["trained_network"]
    _, runs = training_runs
    np.testing.assert_array_equal(np.round(runs[8, 0]["y"], 3), [0, 1, 1, 0])


# ---------------------------------------------------------------- 7. the widget


def test_are_the_widget_suggestions_right():
    """Defaults: (0, 1), (1, 0) meet at (1, 0), XOR solved; c2 = 0: 2 points wrong; w = (1, -2), b = 0 fixed."""
    says("md_22", r"output weights \mathbf{w} = (1, -2), b = 0 stay fixed", "(0, 1) and (1, 0) meet at (1, 0)",
         "Set c2 to 0", "and 2 points are wrong", "the dashed line is where the output is 0.5",
         "(y > 0.5, blue)")
    w = XorSpaceWarp()
    np.testing.assert_array_equal(w.w, [1, -2])
    assert w.b == 0
    np.testing.assert_array_equal(w.hidden[1], [1, 0])
    np.testing.assert_array_equal(w.hidden[2], [1, 0])
    assert w.ax_out.get_title().endswith("XOR solved")
    w.controls["c2"].value = 0.0
    assert int(np.sum(w.predictions != XOR_T)) == 2
    # "unit 2 no longer bends between the points": its z = x1 + x2 >= 0 on all four inputs
    assert np.all(XOR_X.sum(axis=1) >= 0)


def test_is_the_written_answers_rank_remark_right():
    """'If a hidden layer has fewer units than the input and output, W1 W2 has at most that rank.'"""
    says("why_depth", r"L layers collapse into a single layer with W = W_1W_2\cdots W_L",
         "W_1 W_2 has at most that rank")
    W1, W2 = rng_matrices(7, (4, 1), (1, 4))
    assert np.linalg.matrix_rank(W1 @ W2) == 1


def test_does_the_recap_repeat_the_counts():
    says("md_24", "3-4-2 has 26, 3-4-4-1 has 41")
    assert count_parameters([3, 4, 2]) == 26 and count_parameters([3, 4, 4, 1]) == 41


# ---------------------------------------------------------------- structure


def test_do_the_points_in_the_headings_match_the_grading_metadata():
    """'### Exercise N — `name` (P points)' agrees with the test cell's points and with points= in its hidden call."""
    text = "\n".join(SOURCES.values())
    headings = re.findall(r"### Exercise (\d+) — `(\w+)` \((\d+) points?\)", text)
    assert [int(n) for n, _, _ in headings] == list(range(1, 12))
    assert [name for _, name, _ in headings] == ["sigmoid", "sigmoid_grad", "relu", "relu_grad", "tanh_grad",
                                                 "leaky_relu", "softmax", "dense_forward", "mlp_forward",
                                                 "count_parameters", "xor_network"]
    tests = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in NB.cells
             if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"}
    for _, name, points in headings:
        cell = tests[f"02_mlp_xor-{name}_test"]
        assert cell.metadata["nbgrader"]["points"] == int(points)
        assert f"hidden=True, points={points})" in cell.source
    written = [c for c in NB.cells if c.cell_type == "markdown" and c.metadata["nbgrader"]["grade"]]
    assert len(written) == 1 and written[0].metadata["nbgrader"]["points"] == 2
    says("md_23", "### Written answer (2 points, graded by hand)")


def test_are_the_sections_numbered_in_order():
    sections = re.findall(r"^## (\d+)\. ", "\n".join(SOURCES.values()), flags=re.MULTILINE)
    assert [int(s) for s in sections] == list(range(1, 8))
    says("md_21", "as section 5 showed")
    says("md_22", "hand-set network of section 5")


# ---------------------------------------------------------------- the inventory


# Every numeral in the markdown, and what checks it.  A new number in the prose
# fails test_is_every_number_in_the_prose_accounted_for until it is added here
# with a test.
INVENTORY = {
    "0": "biases, outputs, targets, kinks at z = 0, c = (0, -1) (table, XOR, activation tests)",
    "0.0": "relu_grad's 0.0 (relu_grad test)",
    "0.00030": "largest error with 64 units (approximation test)",
    "0.00479": "largest error with 16 units (approximation test)",
    "0.07038": "largest error with 4 units (approximation test)",
    "0.01": "leaky ReLU's alpha (default-alpha tests)",
    "0.05": "saturation threshold (saturation and explorer tests)",
    "0.090": "softmax example (softmax test)",
    "0.17": "GELU's minimum (range test)",
    "0.245": "softmax example (softmax test)",
    "0.25": "sigmoid's largest slope, the constant predictor's MSE (range, slope, failure tests)",
    "0.28": "swish's minimum times beta (range test)",
    "0.5": "sigmoid(0) factors, the separating line, the output threshold, constant output (XOR, failure, widget tests)",
    "0.665": "softmax example (softmax test)",
    "1": "inputs, weights, slopes, 1/3, counts, section/exercise numbers (various)",
    "1.0": "relu_grad's 1.0 (relu_grad test)",
    "1.8": "largest float64, 1.8e308 (overflow test)",
    "15": "error ratio 4 -> 16 units (approximation test)",
    "2": "weights (1, -2), y = 2, hidden value, 2 wrong points, points, shapes (various)",
    "2.18": "tanh saturation (saturation test)",
    "2.89": "sigmoid saturation (saturation test)",
    "3": "layer sizes, 1/3, 3 points, section/exercise 3 (counting, failure tests)",
    "4": "layer sizes, 10^4, 4 hidden units, section/exercise 4 (counting, overflow, training, approximation tests)",
    "5": "section/exercise 5 (structure tests)",
    "6": "biases, neurons, successes, 1/6, 10^{-6}, exercise 6 (counting, training, judge tests)",
    "7": "section/exercise 7 (structure tests)",
    "8": "8 hidden units, 8 of 9 failures, exercise 8 (training tests)",
    "9": "biases, neurons, 9 failures, exercise 9 (counting, dead-unit tests)",
    "10": "10 starts, 10 classes, 10^{308}, 10^4, 10^{-6}, exercise 10 (training, counting, overflow, judge tests)",
    "11": "exercise 11 (structure test)",
    "12": "3 * 4 = 12, and \\tfrac12 (counting, corrections tests)",
    "16": "4 * 4 = 16 (counting test), 16 units and the error ratio (approximation test)",
    "20": "weights of 3-4-2 (counting test)",
    "26": "parameters of 3-4-2 (counting tests)",
    "28": "28 x 28 images (counting test)",
    "32": "weights of 3-4-4-1 (counting test)",
    "41": "parameters of 3-4-4-1 (counting tests)",
    "64": "64 hidden units (approximation test)",
    "101": "101 770 parameters (counting test)",
    "128": "hidden units of the image network (counting test)",
    "300": "training steps (training set-up test)",
    "308": "1.8e308 (overflow test)",
    "709.78": "where exp overflows (overflow test)",
    "355.6": "where cosh^2 overflows (tanh test)",
    "710.5": "where cosh overflows (tanh test)",
    "770": "101 770 parameters (counting test)",
    "784": "28 * 28 inputs (counting test)",
    "800": "np.exp(800) overflows (overflow test)",
    "1000": "softmax example (softmax test)",
    "1001": "softmax example (softmax test)",
    "1002": "softmax example (softmax test)",
}


def test_is_every_number_in_the_prose_accounted_for():
    """Does the markdown contain exactly the numerals of the inventory above?"""
    assert unaccounted(NB, INVENTORY) == ""
