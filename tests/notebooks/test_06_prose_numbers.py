"""Every number stated in the prose of chapter 06 is recomputed here.

The prose lives in ``solutions/06_initialization/06_initialization.ipynb``.
Each test quotes the sentence or table row it checks (so editing the prose
without the test fails) and recomputes the numbers with nnlib.  The last test
keeps an inventory of the numerals in the markdown: a new number in the prose
fails it until someone adds a check for it.
"""
import itertools
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from prose_support import unaccounted

from nnlib import functional as F
from nnlib.activations import sigmoid, sigmoid_grad
from nnlib.data import standardize
from nnlib.init import init_scale
from nnlib.propagation import activation_stds, deep_signals, training_gradient_norms
from nnlib.widgets.conditioning import AGE_SALARY, TARGETS, StandardizationDescent
from nnlib.widgets.gradient_flow import LR

NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "06_initialization" / "06_initialization.ipynb"
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
    assert f"{value:.{decimals}f}" == f"{float(text):.{decimals}f}", f"{value!r} does not round to {text}"


def sci(value: float, text: str) -> None:
    """Does ``value`` written as m x 10^e round to ``text`` ("3.0e7", "4.1e-7", "1e-8")?"""
    mantissa, exponent = text.split("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    m, e = f"{value:.{decimals}e}".split("e")
    assert (m, int(e)) == (mantissa, int(exponent)), f"{value!r} is not {text}"


# ------------------------------------------------------------------ 1. symmetry

def _two_two_one(W1, b1, W2, b2):
    """Chapter 3's 2-2-1 sigmoid net on x = (0.5, 0.8), y = 1, J = (y - y_hat)^2 / 2: (dW1, dW2)."""
    X = np.array([[0.5, 0.8]])
    Z1, c1 = F.dense_forward(X, W1, b1)
    A1, a1 = F.activation_forward(Z1, "sigmoid")
    Z2, c2 = F.dense_forward(A1, W2, b2)
    A2, a2 = F.activation_forward(Z2, "sigmoid")
    dZ2 = F.activation_backward(A2 - 1.0, a2)
    dA1, dW2, _ = F.dense_backward(dZ2, c2)
    _, dW1, _ = F.dense_backward(F.activation_backward(dA1, a1), c1)
    return dW1, dW2.ravel()


def test_symmetry_numbers():
    says("md_symmetry", "x = (0.5, 0.8), y = 1", "J = \\frac12 (y - \\hat y)^2", "every weight at 0.5",
         "-0.0043 & -0.0043 \\\\ -0.0069 & -0.0069", "\\sigma(0) = 0.5", "(-0.0625, -0.0625)", "exactly 0")
    dW1, _ = _two_two_one(np.full((2, 2), 0.5), np.zeros(2), np.full((2, 1), 0.5), np.zeros(1))
    np.testing.assert_array_equal(dW1[:, 0], dW1[:, 1])  # equal columns: the two units are copies
    np.testing.assert_allclose(dW1.round(4), [[-0.0043, -0.0043], [-0.0069, -0.0069]])
    dW1, dW2 = _two_two_one(np.zeros((2, 2)), np.zeros(2), np.zeros((2, 1)), np.zeros(1))
    assert not dW1.any() and sigmoid(0.0) == 0.5
    np.testing.assert_allclose(dW2, [-0.0625, -0.0625])


# ------------------------------------------------------------------ 2. variance and the scales

def test_variance_table():
    says("md_variance", "| Xavier uniform | 2/1040 | limit a = 0.0760 |", "| Xavier normal | 2/1040 | std s = 0.0439 |",
         "| He normal | 2/784 | std s = 0.0505 |", "| He uniform | 2/784 | limit a = 0.0875 |",
         "784 inputs (a 28 × 28 image) to 256 units", "a = \\sqrt{6/(n_\\text{in} + n_\\text{out})}")
    assert 784 + 256 == 1040 and 28 * 28 == 784
    for scheme, text in (("xavier_uniform", "0.0760"), ("xavier_normal", "0.0439"), ("he_normal", "0.0505"),
                         ("he_uniform", "0.0875")):
        shown(init_scale(784, 256, scheme), text)
    assert init_scale(784, 256, "xavier_uniform") == pytest.approx(math.sqrt(6 / 1040))
    says("md_variance", "(Glorot and Bengio, 2010)", "(He, Zhang, Ren and Sun, 2015)", "Hinton's 2006 contribution")


# ------------------------------------------------------------------ 3. signals through depth

TABLE = [
    ("tanh", 0.01, "| tanh | \\mathcal N(0, 0.01^2) | 0.157 | 0.025 | 0.0001 | 1e-8 |", ["0.157", "0.025", "0.0001"], "1e-8"),
    ("tanh", 1.0, "| tanh | \\mathcal N(0, 1) | 0.975 | 0.974 | 0.974 | 0.974 |", ["0.975", "0.974", "0.974", "0.974"],
     None),
    ("tanh", "xavier_normal", "| tanh | Xavier | 0.629 | 0.485 | 0.320 | 0.235 |", ["0.629", "0.485", "0.320", "0.235"],
     None),
    ("relu", 1.0, "| ReLU | \\mathcal N(0, 1) | 9.4 | 103 | 1.6e5 | 3.0e10 |", ["9.4", "103"], None),
    ("relu", "xavier_normal", "| ReLU | Xavier | 0.588 | 0.401 | 0.152 | 0.028 |", ["0.588", "0.401", "0.152", "0.028"],
     None),
    ("relu", "he_normal", "| ReLU | He | 0.83 | 0.80 | 0.86 | 0.88 |", ["0.83", "0.80", "0.86", "0.88"], None),
]


@pytest.fixture(scope="module")
def table():
    return {(act, init): activation_stds(10, 256, init, act, rng=0, n_samples=1000) for act, init, *_ in TABLE}


@pytest.mark.parametrize("act, init, row, texts, tenth", TABLE, ids=lambda v: str(v)[:12])
def test_depth_table(table, act, init, row, texts, tenth):
    says("md_depth", "1000 samples", "10 square layers of width 256", "With the seed 0", row)
    stds = table[(act, init)]
    for layer, text in zip((1, 2, 5, 10), texts):
        shown(stds[layer - 1], text)
    if tenth:
        sci(stds[9], tenth)
    if (act, init) == ("relu", 1.0):
        sci(stds[4], "1.6e5")
        sci(stds[9], "3.0e10")


def test_depth_prose(table):
    says("md_depth", "n_\\text{in}\\mathrm{Var}(w) = 256 \\cdot 10^{-4} = 0.0256", "about 6-fold a layer",
         "\\sqrt{0.0256} = 0.16", "256/2 per layer", "so about 11 on the std", "\\sqrt{128} = 11.3",
         "11.3^{10} is of the order of 10^{10}", "near 0.85 at every depth")
    assert 256 * 1e-4 == pytest.approx(0.0256)
    shown(math.sqrt(0.0256), "0.16")
    assert round(1 / 0.16) == 6
    shown(math.sqrt(128), "11.3")
    assert 10 <= math.log10(11.3**10) < 11
    small = table[("tanh", 0.01)]
    assert all(5 < a / b < 7 for a, b in itertools.pairwise(small[:5]))  # "about 6-fold a layer" while tanh is linear
    relu = table[("relu", 1.0)]
    assert all(10 < b / a < 12.5 for a, b in itertools.pairwise(relu))  # "about 11"
    he = table[("relu", "he_normal")]
    shown(float(np.mean(he)), "0.85")
    xavier = table[("relu", "xavier_normal")]
    assert all(b < a for a, b in itertools.pairwise(xavier))  # "loses half of it per ReLU layer": it decays


def test_signals_widget_prose():
    says("md_signals_widget", "width 256 fed with 200 noise samples", "climbs by about 11 a layer")
    stds = activation_stds(5, 256, 1.0, "relu", rng=0, n_samples=200)
    assert all(10 < b / a < 12.5 for a, b in itertools.pairwise(stds))


# ------------------------------------------------------------------ 4. vanishing gradients

def test_vanishing_numbers():
    says("md_vanishing", "\\le \\frac12 \\cdot \\frac12", "0.25^{10} \\approx 9.5 \\times 10^{-7}",
         "range as 0 to 0.5; the top is 0.25", "10 sigmoid layers of width 100 with LeCun weights",
         "is 0.237 at the last layer and 4.1 \\times 10^{-7}", "0.5^{10} \\approx 0.001", "2^{10} = 1024")
    z = np.linspace(-10, 10, 20001)
    assert sigmoid_grad(z).max() == pytest.approx(0.25) and sigmoid_grad(0.0) == 0.25
    sci(0.25**10, "9.5e-7")
    shown(0.5**10, "0.001")
    assert 2**10 == 1024
    grads = deep_signals(10, 100, "lecun_normal", "sigmoid", rng=0)["dZ"]
    shown(float(np.abs(grads[-1]).mean()), "0.237")
    sci(float(np.abs(grads[0]).mean()), "4.1e-7")
    says("md_vanishing", "chapter 3", "chapter 2", "chapter 5", "sections 6 and 7", "(section 5)", "(section 2)")


# ------------------------------------------------------------------ 5. standardizing

def test_standardize_numbers():
    says("md_standardize", "| 25 | 40000 |", "| 35 | 30000 |", "| 45 | 90000 |", "| 55 | 70000 |",
         "H = 2X^\\top X/N", "is 3.0 \\times 10^7", "learning rate is 2.6 \\times 10^{-10}", "\\mu = (40, 57500)",
         "\\sigma = (11.18, 23848)", "the condition number drops to 5.7")
    np.testing.assert_array_equal(AGE_SALARY, [[25, 40000], [35, 30000], [45, 90000], [55, 70000]])
    _, mean, std = standardize(AGE_SALARY)
    np.testing.assert_allclose(mean, [40, 57500])
    shown(std[0], "11.18")
    shown(std[1], "23848")
    w = StandardizationDescent()
    sci(w.raw.condition, "3.0e7")
    sci(w.raw.lr_max, "2.6e-10")
    shown(w.std.condition, "5.7")
    # "at that rate the age weight hardly moves in millions of steps": its direction shrinks by 1 - lr * lambda_min
    lam = np.linalg.eigvalsh(w.raw.H)
    assert (1 - w.raw.lr_max * lam[0]) ** 1_000_000 > 0.9


def test_descent_widget_prose():
    says("md_descent_widget", "y = 0.5 \\cdot \\text{age} + 0.0001 \\cdot \\text{salary}",
         "above 1: both diverge")
    np.testing.assert_allclose(TARGETS, AGE_SALARY @ [0.5, 0.0001])
    w = StandardizationDescent(fraction=0.5, steps=36)
    start = float(w.std.excess(w.paths["std"][0]))
    assert float(w.std.excess(w.paths["std"][-1])) < 1e-6 * start  # "a few dozen steps reach the minimum"
    assert float(w.raw.excess(w.paths["raw"][-1])) > 10
    says("md_standardize", "a few dozen steps reach the minimum")
    w.controls["fraction"].value = 1.05
    for name, problem in (("raw", w.raw), ("std", w.std)):
        assert float(problem.excess(w.paths[name][-1])) > float(problem.excess(w.paths[name][0]))


# ------------------------------------------------------------------ 6. batch norm

def test_batchnorm_numbers():
    says("md_batchnorm", "(1 e-5 in PyTorch)".replace("1 e", "1e"), "momentum m = 0.1", "(1, 2, 3, 4): \\mu = 2.5",
         "\\sigma^2 = 1.25", "\\hat x = (-1.342, -0.447, 0.447, 1.342)", "\\gamma = 2 and \\beta = 0.5",
         "y = (-2.183, -0.394, 1.394, 3.183)", "(Ioffe and Szegedy, 2015)")
    running = {"mean": np.zeros(1), "var": np.ones(1)}
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    Y, cache = F.batchnorm_forward(X, np.array([2.0]), np.array([0.5]), running, True)
    assert X.mean() == 2.5 and X.var() == 1.25
    np.testing.assert_allclose(cache["x_hat"].ravel().round(3), [-1.342, -0.447, 0.447, 1.342])
    np.testing.assert_allclose(Y.ravel().round(3), [-2.183, -0.394, 1.394, 3.183])
    import inspect
    defaults = inspect.signature(F.batchnorm_forward).parameters
    assert defaults["momentum"].default == 0.1 and defaults["eps"].default == 1e-5
    says("md_ex_bn_forward", "momentum=0.1, eps=1e-5", "var * N / (N - 1)")


def test_flow_widget_prose():
    says("md_flow_widget", "256 handwritten digits (width 32, plain SGD with \\eta = 0.1",
         "hundreds of times smaller", "\\ln 10 \\approx 2.30", "10 classes")
    assert LR == 0.1
    shown(math.log(10), "2.30")
    plain, plain_loss = training_gradient_norms(8, "sigmoid", "xavier_normal", False, steps=60, lr=LR)
    bn, bn_loss = training_gradient_norms(8, "sigmoid", "xavier_normal", True, steps=60, lr=LR)
    assert plain[0, 0] < plain[0, -1] / 100
    assert abs(plain_loss[-1] - math.log(10)) < 0.02 and bn_loss[-1] < 1.5
    assert bn[0, 0] > 0.1 * bn[0, -1]
    _, relu_plain = training_gradient_norms(8, "relu", "he_normal", False, steps=60, lr=LR)
    _, relu_bn = training_gradient_norms(8, "relu", "he_normal", True, steps=60, lr=LR)
    assert relu_plain[-1] < 1.0 and relu_bn[-1] < 1.0  # "both train"


# ------------------------------------------------------------------ 7. layer norm

def test_layernorm_numbers():
    says("md_layernorm", "1 & 2 & 3 & 4 \\\\ 2 & 4 & 6 & 8", "(-1.342, -0.447, 0.447, 1.342) for *each row*",
         "-1 for every entry of the first row and +1", "(Ba, Kiros and Hinton, 2016)", "(Wu and He, 2018)")
    X = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]])
    Y, _ = F.layernorm_forward(X, np.ones(4), np.zeros(4))
    np.testing.assert_allclose(Y.round(3), [[-1.342, -0.447, 0.447, 1.342]] * 2)
    Y, _ = F.batchnorm_forward(X, np.ones(4), np.zeros(4), {"mean": np.zeros(4), "var": np.ones(4)}, True)
    np.testing.assert_allclose(Y, [[-1.0] * 4, [1.0] * 4], atol=1e-4)


# ------------------------------------------------------------------ inventory

INVENTORY = {
    "0": "zeros, mean 0, the seed 0, from w = 0, sigma(0), sigma = 0",
    "0.0": "rng.normal(0.0, ...) in the exercises",
    "0.0001": "tanh N(0, 0.01^2) after layer 5 (test_depth_table); the made-up target's salary weight",
    "0.001": "0.5^10 (test_vanishing_numbers)",
    "0.0043": "dW1 with every weight 0.5 (test_symmetry_numbers)",
    "0.0069": "dW1 with every weight 0.5 (test_symmetry_numbers)",
    "0.01": "N(0, 0.01^2) (test_depth_table)",
    "0.025": "tanh N(0, 0.01^2) after layer 2 (test_depth_table)",
    "0.0256": "256 * 1e-4 (test_depth_prose)",
    "0.028": "ReLU Xavier after layer 10 (test_depth_table)",
    "0.0439": "Xavier normal std (test_variance_table)",
    "0.0505": "He normal std (test_variance_table)",
    "0.0625": "dW2 with all zeros (test_symmetry_numbers)",
    "0.0760": "Xavier uniform limit (test_variance_table)",
    "0.0875": "He uniform limit (test_variance_table)",
    "0.1": "batch norm's momentum; the widget's learning rate (test_batchnorm_numbers, test_flow_widget_prose)",
    "0.152": "ReLU Xavier after layer 5 (test_depth_table)",
    "0.157": "tanh N(0, 0.01^2) after layer 1 (test_depth_table)",
    "0.16": "sqrt(0.0256) (test_depth_prose)",
    "0.235": "tanh Xavier after layer 10 (test_depth_table)",
    "0.237": "mean |dZ| at the last sigmoid layer (test_vanishing_numbers)",
    "0.25": "sigmoid' <= 0.25 (test_vanishing_numbers)",
    "0.320": "tanh Xavier after layer 5 (test_depth_table)",
    "0.394": "BN worked example (test_batchnorm_numbers)",
    "0.401": "ReLU Xavier after layer 2 (test_depth_table)",
    "0.447": "x_hat of (1, 2, 3, 4) (test_batchnorm_numbers, test_layernorm_numbers)",
    "0.485": "tanh Xavier after layer 2 (test_depth_table)",
    "0.5": "every weight 0.5, x = (0.5, 0.8), 0.5^10, beta = 0.5, sigma(0), the age weight of the targets",
    "0.588": "ReLU Xavier after layer 1 (test_depth_table)",
    "0.629": "tanh Xavier after layer 1 (test_depth_table)",
    "0.8": "x = (0.5, 0.8) (test_symmetry_numbers)",
    "0.80": "ReLU He after layer 2 (test_depth_table)",
    "0.83": "ReLU He after layer 1 (test_depth_table)",
    "0.85": "He's std near 0.85 (test_depth_prose)",
    "0.86": "ReLU He after layer 5 (test_depth_table)",
    "0.88": "ReLU He after layer 10 (test_depth_table)",
    "0.974": "tanh N(0, 1) (test_depth_table)",
    "0.975": "tanh N(0, 1) after layer 1 (test_depth_table)",
    "1": "chapter 1, N(0, 1), y = 1, std 1, sigma' factors, 1 point, N - 1, above 1, +1",
    "1.25": "BN variance of (1, 2, 3, 4) (test_batchnorm_numbers)",
    "1.342": "x_hat of (1, 2, 3, 4) (test_batchnorm_numbers, test_layernorm_numbers)",
    "1.394": "BN worked example (test_batchnorm_numbers)",
    "1.6": "ReLU N(0, 1) after layer 5, 1.6e5 (test_depth_table)",
    "2": "2-2-1, 2 points, the factor 2, 2/n_in, gamma = 2, 2^10, exercise 2, section 2",
    "2.183": "BN worked example (test_batchnorm_numbers)",
    "2.30": "ln 10 (test_flow_widget_prose)",
    "2.5": "BN mean of (1, 2, 3, 4) (test_batchnorm_numbers)",
    "2.6": "largest stable learning rate 2.6e-10 (test_standardize_numbers)",
    "3": "chapter 3, 3 Var, (1, 2, 3, 4), exercise 3, sqrt(3 Var)",
    "3.0": "3.0e10 (test_depth_table), 3.0e7 (test_standardize_numbers)",
    "03": "the folder 03_backprop",
    "3.183": "BN worked example (test_batchnorm_numbers)",
    "4": "exercise 4, (1, 2, 3, 4), 4.1e-7, the LN example's row",
    "4.1": "mean |dZ| at the first sigmoid layer, 4.1e-7 (test_vanishing_numbers)",
    "5": "chapter 5, layer 5, section 5, exercise 5, eps 1e-5",
    "5.7": "condition number after standardizing (test_standardize_numbers)",
    "6": "6/(n_in + n_out), about 6-fold, chapter 6, exercise 6, section 6, the LN example's row",
    "7": "exercise 7, section 7, 4.1e-7, 10^7, chapter 3's exercise 7",
    "8": "exercise 8, the LN example's row",
    "9.4": "ReLU N(0, 1) after layer 1 (test_depth_table)",
    "9.5": "0.25^10 = 9.5e-7 (test_vanishing_numbers)",
    "10": "10 layers, 10^10, 10^7, 10 classes, ln 10, 2^10, 0.25^10, 1e-10",
    "11": "about 11 a layer (test_depth_prose, test_signals_widget_prose)",
    "11.18": "std of age (test_standardize_numbers)",
    "11.3": "sqrt(128) (test_depth_prose)",
    "12": "\\frac12 (one half) in LaTeX",
    "25": "age 25",
    "28": "28 x 28 image (test_variance_table)",
    "32": "the flow widget's width (test_flow_widget_prose)",
    "35": "age 35",
    "40": "age 40 (mean), age 40's row",
    "45": "age 45",
    "55": "age 55",
    "100": "width 100 (test_vanishing_numbers)",
    "103": "ReLU N(0, 1) after layer 2 (test_depth_table)",
    "128": "256 / 2 (test_depth_prose)",
    "200": "200 noise samples (test_signals_widget_prose)",
    "256": "width 256, 784 -> 256, 256 digits",
    "784": "784 inputs (test_variance_table)",
    "1000": "1000 samples (test_depth_table)",
    "1024": "2^10 (test_vanishing_numbers)",
    "1040": "784 + 256 (test_variance_table)",
    "2006": "Hinton's pre-training",
    "2010": "Glorot and Bengio",
    "2015": "He et al.; Ioffe and Szegedy",
    "2016": "Ba, Kiros and Hinton",
    "2018": "Wu and He",
    "23848": "std of salary (test_standardize_numbers)",
    "30000": "salary row",
    "40000": "salary row",
    "57500": "mean salary (test_standardize_numbers)",
    "70000": "salary row",
    "90000": "salary row",
}


def test_is_every_number_in_the_prose_accounted_for():
    """Is every numeral of the markdown in the inventory above (and nothing else)?"""
    assert unaccounted(NB, INVENTORY) == ""
