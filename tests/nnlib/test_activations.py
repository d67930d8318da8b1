"""Tests for nnlib.activations: values, derivatives vs finite differences, stability, dtypes."""
import math
import warnings

import numpy as np
import pytest

from nnlib import activations as act
from nnlib.activations import ACTIVATIONS
from nnlib.gradcheck import numerical_gradient, relative_error

ELEMENTWISE = [
    "identity", "step", "sigmoid", "tanh", "relu", "leaky_relu",
    "elu", "gelu", "softplus", "swish", "softsign",
]
# Functions with a kink or a jump at 0: finite differences are only valid away from it.
KINKED = {"step", "relu", "leaky_relu", "elu"}
# (name, keyword arguments) pairs covered by the gradient check.
VARIANTS = [(name, {}) for name in ELEMENTWISE] + [
    ("leaky_relu", {"alpha": 0.2}),
    ("elu", {"alpha": 0.5}),
    ("swish", {"beta": 2.0}),
]


def random_shape(rng):
    return tuple(int(n) for n in rng.integers(1, 6, size=rng.integers(1, 4)))


def sample_z(rng, shape, away_from_zero):
    """Points in [-3, 3]; for kinked functions at least 0.05 away from the kink at 0."""
    if away_from_zero:
        return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.05, 3.0, size=shape)
    return rng.uniform(-3.0, 3.0, size=shape)


# ------------------------------------------------------------------ the table
def test_table_lists_every_elementwise_activation_and_not_softmax():
    """Does ACTIVATIONS map exactly the elementwise names to their (f, f') pairs, leaving softmax out?"""
    assert sorted(ACTIVATIONS) == sorted(ELEMENTWISE)
    for name, (f, f_grad) in ACTIVATIONS.items():
        assert f is getattr(act, name)
        assert f_grad is getattr(act, f"{name}_grad")
    assert "softmax" not in ACTIVATIONS


def test_every_public_function_has_a_docstring_with_a_formula():
    """Does every activation and derivative explain itself (a docstring mentioning f or the formula)?"""
    for name in act.__all__:
        obj = getattr(act, name)
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name


# ---------------------------------------------------------------- known values
@pytest.mark.parametrize(
    "name, kwargs, z, expected",
    [
        ("identity", {}, [-2.0, 0.0, 3.5], [-2.0, 0.0, 3.5]),
        ("step", {}, [-1.0, 0.0, 1e-12, 2.0], [0.0, 0.0, 1.0, 1.0]),
        ("sigmoid", {}, [0.0, 2.0, -2.0], [0.5, 0.8807970779778823, 0.11920292202211755]),
        ("tanh", {}, [0.0, 1.0], [0.0, 0.7615941559557649]),
        ("relu", {}, [-2.0, 0.0, 3.0], [0.0, 0.0, 3.0]),
        ("leaky_relu", {}, [-2.0, 3.0], [-0.02, 3.0]),
        ("leaky_relu", {"alpha": 0.1}, [-2.0, 3.0], [-0.2, 3.0]),
        ("elu", {}, [-1.0, 2.0], [math.exp(-1) - 1, 2.0]),
        ("elu", {"alpha": 0.5}, [-1.0], [0.5 * (math.exp(-1) - 1)]),
        ("gelu", {}, [0.0, 1.0, -1.0], [0.0, 0.8413447460685429, -0.15865525393145707]),
        ("softplus", {}, [0.0, 1.0], [math.log(2.0), math.log(1 + math.e)]),
        ("swish", {}, [1.0, -1.0], [0.7310585786300049, -0.2689414213699951]),
        ("swish", {"beta": 2.0}, [1.0], [0.8807970779778823]),
        ("softsign", {}, [3.0, -1.0], [0.75, -0.5]),
    ],
)
def test_known_values(name, kwargs, z, expected):
    """Does each activation give the textbook value at a few hand-checked points?"""
    np.testing.assert_allclose(getattr(act, name)(np.array(z), **kwargs), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "name, kwargs, z, expected",
    [
        ("identity", {}, [-2.0, 5.0], [1.0, 1.0]),
        ("step", {}, [-1.0, 0.0, 2.0], [0.0, 0.0, 0.0]),
        ("sigmoid", {}, [0.0], [0.25]),
        ("tanh", {}, [0.0], [1.0]),
        ("relu", {}, [-1.0, 0.0, 2.0], [0.0, 0.0, 1.0]),  # 0 at the kink, like PyTorch
        ("leaky_relu", {"alpha": 0.3}, [-1.0, 0.0, 2.0], [0.3, 0.3, 1.0]),
        ("elu", {"alpha": 0.5}, [-1.0, 2.0], [0.5 * math.exp(-1), 1.0]),
        ("gelu", {}, [0.0, 1.0], [0.5, 0.8413447460685429 + math.exp(-0.5) / math.sqrt(2 * math.pi)]),
        ("softplus", {}, [0.0], [0.5]),
        ("swish", {}, [0.0], [0.5]),
        ("softsign", {}, [1.0, -3.0], [0.25, 1 / 16]),
    ],
)
def test_known_derivatives(name, kwargs, z, expected):
    """Does each derivative give the hand-computed slope (including the documented choice at kinks)?"""
    np.testing.assert_allclose(getattr(act, f"{name}_grad")(np.array(z), **kwargs), expected, rtol=1e-12)


def test_sigmoid_matches_the_naive_formula_where_that_is_safe():
    """Is the two-branch sigmoid the same function as 1 / (1 + exp(-z)) (not the notes' slip 1 / (1 + exp(z)))?"""
    z = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(act.sigmoid(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-14)


def test_softplus_tanh_elu_match_their_naive_formulas_where_that_is_safe():
    """Are the rewritten stable forms equal to log1p(e^z), (e^z - e^-z)/(e^z + e^-z) and alpha (e^z - 1)?"""
    z = np.linspace(-20, 20, 401)
    np.testing.assert_allclose(act.softplus(z), np.log1p(np.exp(z)), rtol=1e-12)
    np.testing.assert_allclose(act.tanh(z), (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(act.elu(z, alpha=0.7), np.where(z > 0, z, 0.7 * (np.exp(z) - 1)), rtol=1e-12, atol=1e-15)


def test_gelu_uses_the_exact_erf_form():
    """Is gelu the exact z * Phi(z) (not the tanh approximation, which is off by up to ~1e-3)?"""
    z = np.linspace(-5, 5, 101)
    exact = np.array([x * 0.5 * (1 + math.erf(x / math.sqrt(2))) for x in z])
    np.testing.assert_allclose(act.gelu(z), exact, rtol=1e-14, atol=1e-16)
    tanh_form = 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))
    assert np.max(np.abs(act.gelu(z) - tanh_form)) > 1e-5


def test_gelu_grad_has_no_factor_one_half():
    """Is gelu' = Phi + z phi, not the notes' Phi + z phi / 2?"""
    z = np.array([1.5])
    phi = math.exp(-0.5 * 1.5**2) / math.sqrt(2 * math.pi)
    Phi = 0.5 * (1 + math.erf(1.5 / math.sqrt(2)))
    assert act.gelu_grad(z)[0] == pytest.approx(Phi + 1.5 * phi, rel=1e-12)
    assert act.gelu_grad(z)[0] != pytest.approx(Phi + 0.75 * phi, rel=1e-3)


def test_step_fires_strictly_above_the_threshold():
    """Does the step output 0 at exactly 0 and 1 just above it?"""
    np.testing.assert_array_equal(act.step(np.array([-1e-300, 0.0, 1e-300])), [0.0, 0.0, 1.0])


# ------------------------------------------------------------------- softmax
def test_softmax_known_values_and_rows_sum_to_one():
    """Does softmax([1, 2, 3]) give the known probabilities, and does every row sum to 1?"""
    np.testing.assert_allclose(act.softmax(np.array([1.0, 2.0, 3.0])), [0.09003057317038046, 0.24472847105479767, 0.6652409557748219], rtol=1e-12)
    Z = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_allclose(act.softmax(Z).sum(axis=1), np.ones(5), rtol=1e-12)


def test_softmax_ignores_a_constant_added_to_a_row_and_respects_axis():
    """Is softmax(z + c) = softmax(z), and does axis=0 normalise columns?"""
    Z = np.random.default_rng(1).normal(size=(3, 4))
    np.testing.assert_allclose(act.softmax(Z + np.array([[100.0], [-50.0], [3.0]])), act.softmax(Z), rtol=1e-12)
    np.testing.assert_allclose(act.softmax(Z, axis=0), act.softmax(Z.T).T, rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_backward_matches_finite_differences(seed, axis):
    """Is softmax_backward(dY, Y) the gradient of sum(softmax(Z) * dY) with respect to Z?"""
    rng = np.random.default_rng(seed)
    n, c = rng.integers(1, 6, size=2)
    Z = rng.normal(size=(n, c)) * 2
    dY = rng.normal(size=(n, c))
    numeric = numerical_gradient(lambda z: np.sum(act.softmax(z, axis=axis) * dY), Z)
    analytic = act.softmax_backward(dY, act.softmax(Z, axis=axis), axis=axis)
    assert relative_error(analytic, numeric) <= 1e-7


def test_softmax_backward_rejects_mismatched_shapes():
    """Does softmax_backward name both shapes when dY and Y differ?"""
    with pytest.raises(ValueError, match=r"dY \(2, 3\) and Y \(3, 2\)"):
        act.softmax_backward(np.zeros((2, 3)), np.zeros((3, 2)))


# ----------------------------------------------------------- gradient checks
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name, kwargs", VARIANTS, ids=[f"{n}{k or ''}" for n, k in VARIANTS])
def test_derivative_matches_finite_differences(name, kwargs, seed):
    """Is <name>_grad(z) the derivative of <name> (relative error <= 1e-7 on random shapes)?"""
    rng = np.random.default_rng(seed)
    z = sample_z(rng, random_shape(rng), away_from_zero=name in KINKED)
    f, f_grad = ACTIVATIONS[name]
    f0 = f(z, **kwargs)
    # d/dz_i of sum_j (f(z_j) - f(z_j at the start)) is f'(z_i): one finite-difference
    # pass gives every slope.  Subtracting f0 makes the untouched terms exactly 0, so
    # rounding in the sum of the other elements cannot blur a small slope.
    numeric = numerical_gradient(lambda x: np.sum(f(x, **kwargs) - f0), z)
    assert relative_error(f_grad(z, **kwargs), numeric) <= 1e-7


# ------------------------------------------------------------------ stability
EXTREME = np.array([-1e4, -1e3, -750.0, -40.0, 0.0, 40.0, 750.0, 1e3, 1e4])


def strict():
    """Overflow, invalid operations and division by zero raise; underflow to 0 is the correct result."""
    return np.errstate(over="raise", invalid="raise", divide="raise")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_no_warning_and_no_nan_for_huge_inputs(name, dtype):
    """Do f and f' stay finite and warning-free for |z| up to 1e4?"""
    f, f_grad = ACTIVATIONS[name]
    z = EXTREME.astype(dtype)
    with warnings.catch_warnings(), strict():
        warnings.simplefilter("error")
        a, d = f(z), f_grad(z)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))


def test_limits_at_plus_minus_1e4():
    """Do the exp-based functions reach the right limits at z = -1e4 and z = +1e4?"""
    z = np.array([-1e4, 1e4])
    with warnings.catch_warnings(), strict():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(act.sigmoid(z), [0.0, 1.0])
        np.testing.assert_array_equal(act.sigmoid_grad(z), [0.0, 0.0])
        np.testing.assert_array_equal(act.softplus(z), [0.0, 1e4])
        np.testing.assert_array_equal(act.softplus_grad(z), [0.0, 1.0])
        np.testing.assert_array_equal(act.swish(z), [0.0, 1e4])
        np.testing.assert_array_equal(act.swish_grad(z), [0.0, 1.0])
        np.testing.assert_array_equal(act.elu(z, alpha=2.0), [-2.0, 1e4])
        np.testing.assert_array_equal(act.elu_grad(z), [0.0, 1.0])
        np.testing.assert_array_equal(act.gelu(z), [0.0, 1e4])
        np.testing.assert_array_equal(act.gelu_grad(z), [0.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_is_stable_for_huge_logits(dtype):
    """Is softmax finite and exact for logits of +-1e4 (where exp would overflow)?"""
    Z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings(), strict():
        warnings.simplefilter("error")
        P = act.softmax(Z)
        dZ = act.softmax_backward(np.ones_like(Z), P)
    np.testing.assert_allclose(P, [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    assert np.all(np.isfinite(dZ))


# --------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_float32_stays_float32(name):
    """Does a float32 input give float32 values and derivatives (no silent upcast)?"""
    f, f_grad = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    assert f(z).dtype == np.float32
    assert f_grad(z).dtype == np.float32
    assert f(z).shape == (3, 4) and f_grad(z).shape == (3, 4)


def test_softmax_float32_and_integer_inputs():
    """Does softmax keep float32, and turn integer logits into float64 probabilities?"""
    assert act.softmax(np.zeros((2, 3), dtype=np.float32)).dtype == np.float32
    assert act.softmax_backward(np.zeros((2, 3), np.float32), np.full((2, 3), 1 / 3, np.float32)).dtype == np.float32
    assert act.softmax(np.array([[1, 2, 3]])).dtype == np.float64


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_integer_and_list_inputs_become_float64_and_input_is_not_modified(name):
    """Do lists and integer arrays work (as float64), and is the caller's array left untouched?"""
    f, f_grad = ACTIVATIONS[name]
    z = np.array([-2, -1, 0, 1, 2])
    before = z.copy()
    out = f(z)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(f([-2, -1, 0, 1, 2]), out)
    assert f_grad(z).dtype == np.float64
    np.testing.assert_array_equal(z, before)


def test_identity_returns_a_copy():
    """Does writing into identity(z) leave z unchanged?"""
    z = np.array([1.0, 2.0])
    out = act.identity(z)
    out[0] = 99.0
    assert z[0] == 1.0


def test_non_numeric_input_is_rejected_with_the_argument_name():
    """Does a string array raise a TypeError that names z?"""
    with pytest.raises(TypeError, match="z must hold numbers"):
        act.sigmoid(np.array(["a", "b"]))
