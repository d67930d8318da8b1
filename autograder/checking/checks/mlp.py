"""Checks of chapter 02_mlp_xor: activations, the dense layer, the forward pass, XOR.

Each check has a hand-worked case a student can follow on paper, seeded
random cases (random shapes where shapes vary) and edge cases; the hidden
cases add more shapes and harder edges.  Each catalogue lists mistakes
students really make, written the way a student would write them, with the
hint shown when the student's function fails the same way.

Tolerances (CS231n relative error, ``max |a - b| / max(1e-8, |a| + |b|)``):

- ``1e-7`` for every value check (the default).  Correct float64 code
  differs from nnlib by rounding only (~1e-15); the 1e-8 floor of the
  denominator keeps differences between numbers below 1e-8 (a sigmoid tail
  near 1e-14, say) absolute, so a correct but differently ordered formula
  passes there too.
- ``count_parameters``: the same 1e-7, which is exact equality for integers
  below ten million.
- ``xor_network`` is judged by behaviour: the network's four outputs must
  be within ``1e-6`` (absolute) of 0, 1, 1, 0, and its hidden units must be
  the two detectors the exercise asks for, one firing (``h > 1e-6``) for the
  input (1, 0) only and the other for (0, 1) only.  The network of the
  chapter's section 5 (printed in the notebook) computes XOR but fails.

Choices the notebook states too:

- Stability is part of the task: the edge cases with |z| up to 1e4 fail a
  function that makes NumPy warn (overflow, invalid value), even when the
  final numbers happen to be right (``1 / (1 + inf)`` is 0, with a warning).
  They are *essential* cases of sigmoid and softmax: while one fails, the
  exercise earns at most half its points.  Every exercise's hand-worked case
  is essential too, and so are the cases that are its point (softmax's rows
  of very different scales, mlp_forward's softmax output layer).
- dtype: every array output has nnlib's dtype for the same input, float32
  for float32 input (``check_dtype``; one hidden float32 case each, with
  values where float32 rounding cannot blur a correct answer), and is a new
  array, never the input itself (``fresh_output``; mlp_forward excepted: its
  first cache holds X itself, as nnlib's does).
- ``relu_grad(0)`` is 0 (the kink; PyTorch's convention) and its output is
  a float array (``check_dtype``), like every derivative in nnlib.
- ``mlp_forward`` looks activations up by name; the cases use only
  identity, sigmoid, tanh, relu, leaky_relu and softmax, the notebook's table.
"""
from __future__ import annotations

import numpy as np

from nnlib import activations as act
from nnlib import functional
from nnlib.mlp import mlp_forward, xor_params
from nnlib.network import count_parameters
from autograder.checking.secret import case_rng
from autograder.checking.spec import Case, Mistake, Spec, register

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)
XOR_T = np.array([0.0, 1.0, 1.0, 0.0])  # (4,)
HAND_Z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])  # (5,) the kink at 0 included
LARGE_Z = np.array([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])  # (7,) exp(800) overflows


def _rng(seed):
    return np.random.default_rng(seed)


def _normal(seed, shape, scale=1.0):
    """Fixed normal draws: visible cases, the same for everyone."""
    return scale * _rng(seed).normal(size=shape)


def _hidden_normal(seed, shape, scale=1.0):
    """Normal draws of a hidden case: they change with the course's secret."""
    return scale * case_rng(seed).normal(size=shape)


def _float32_uniform(seed, shape, bound):
    """A hidden float32 case: values in [-bound, bound], where float32 rounding cannot blur a correct result."""
    return case_rng(seed).uniform(-bound, bound, size=shape).astype(np.float32)


def _float32_grid(rng, shape):
    """float32 multiples of 1/4 in [-2, 2]: products and short sums of them are exact in float32."""
    return (rng.integers(-8, 9, size=shape) / 4).astype(np.float32)


# ---------------------------------------------------------------- sigmoid


def _sigmoid_cases():
    return [
        Case("hand-worked: z = [-2, -0.5, 0, 0.5, 2] (sigmoid(0) = 0.5)", (HAND_Z.copy(),), essential=True),
        Case("random z of shape (4, 3)", (_normal(10, (4, 3), 3.0),)),
        Case("edge: |z| up to 1e4, z = [-1e4, -800, -30, 0, 30, 800, 1e4] (nothing may overflow)",
             (LARGE_Z.copy(),), essential=True),
    ]


def _sigmoid_hidden_cases():
    return [
        Case("random 1-D z of shape (9,)", (_hidden_normal(11, 9, 5.0),)),
        Case("random 3-D z of shape (2, 3, 4)", (_hidden_normal(12, (2, 3, 4), 10.0),)),
        Case("edge: random z in [-1e4, 1e4], shape (5, 6)", (case_rng(13).uniform(-1e4, 1e4, size=(5, 6)),),
             essential=True),
        Case("edge: z = -745 and -709, where exp(-z) overflows or nearly does", (np.array([-745.0, -709.0, 709.0]),),
             essential=True),
        Case("edge: a single z = 0, shape (1,)", (np.zeros(1),)),
        Case("float32 z in [-4, 4], shape (3, 4): the output stays float32", (_float32_uniform(14, (3, 4), 4.0),)),
    ]


def _sigmoid_notes_slip(z):
    return 1.0 / (1.0 + np.exp(z))


def _sigmoid_where_both_branches(z):
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))


def _sigmoid_naive(z):
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_exp_ratio(z):
    return np.exp(z) / (1.0 + np.exp(z))


def _sigmoid_in_place(z):
    e = np.exp(-np.abs(z))
    z[...] = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return z


def _sigmoid_float64(z):
    e = np.exp(-np.abs(z.astype(float)))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_KEEP_DTYPE = "keep the input's precision, float32 in, float32 out, as nnlib does"


_STABLE_SIGMOID = ("compute e = np.exp(-np.abs(z)), which is at most 1, and use 1 / (1 + e) where z >= 0 "
                   "and e / (1 + e) where z < 0")

register(Spec(
    name="mlp.sigmoid",
    reference=act.sigmoid,
    visible_cases=_sigmoid_cases,
    hidden_cases=_sigmoid_hidden_cases,
    mistakes=[
        # The naive form first: the slip 1 / (1 + exp(z)) overflows with the very same warning on the edge
        # case, but it fails the hand-worked case before, where the naive form is right.
        Mistake(f"1 / (1 + np.exp(-z)) overflows for z < -709 (np.exp(800) is inf): {_STABLE_SIGMOID}",
                _sigmoid_naive),
        Mistake("the exponent needs a minus sign: sigmoid(z) = 1 / (1 + exp(-z)); 1 / (1 + exp(z)) is "
                "sigmoid(-z), which falls where it should rise (a slip the lecture notes make too)",
                _sigmoid_notes_slip),
        Mistake("np.where(cond, a, b) computes both a and b for every element, so exp still overflows on the "
                f"branch you throw away; {_STABLE_SIGMOID}", _sigmoid_where_both_branches),
        Mistake(f"np.exp(z) / (1 + np.exp(z)) becomes inf / inf = nan for large z: {_STABLE_SIGMOID}",
                _sigmoid_exp_ratio),
        Mistake("you wrote the result into z itself (z[...] = ... or z[:] = ...); return a new array",
                _sigmoid_in_place, mutates=True),
        Mistake(f"{_KEEP_DTYPE}: z.astype(float) or np.float64(...) turns float32 into float64; "
                "NumPy keeps float32 by itself (np.exp of float32 is float32)", _sigmoid_float64),
    ],
    blocked=("nnlib.activations.sigmoid",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- sigmoid_grad


def _sigmoid_grad_cases():
    return [
        Case("hand-worked: z = [-2, -0.5, 0, 0.5, 2] (the slope at 0 is 0.25, the largest)", (HAND_Z.copy(),),
             essential=True),
        Case("random z of shape (3, 4)", (_normal(20, (3, 4), 3.0),)),
        Case("edge: |z| up to 1e4 (the slope underflows to 0; nothing may overflow)", (LARGE_Z.copy(),)),
    ]


def _sigmoid_grad_hidden_cases():
    return [
        Case("random 1-D z of shape (8,)", (_hidden_normal(21, 8, 4.0),)),
        Case("random 3-D z of shape (2, 2, 5)", (_hidden_normal(22, (2, 2, 5), 10.0),)),
        Case("edge: random z in [-1e4, 1e4], shape (4, 4)", (case_rng(23).uniform(-1e4, 1e4, size=(4, 4)),)),
        Case("float32 z in [-2, 2], shape (2, 5): the output stays float32", (_float32_uniform(24, (2, 5), 2.0),)),
    ]


def _sigmoid_grad_of_z(z):
    return z * (1.0 - z)


def _sigmoid_grad_tanh_form(z):
    s = act.sigmoid(z)
    return 1.0 - s ** 2


def _sigmoid_grad_sign(z):
    s = act.sigmoid(z)
    return s * (s - 1.0)


def _sigmoid_grad_forgot_factor(z):
    return act.sigmoid(z)


def _sigmoid_grad_naive_sigmoid(z):
    s = 1.0 / (1.0 + np.exp(-z))
    return s * (1.0 - s)


def _sigmoid_grad_exp_form(z):
    return np.exp(-z) / (1.0 + np.exp(-z)) ** 2


def _sigmoid_grad_half_z(z):
    return act.sigmoid(z) * (1.0 - z)


register(Spec(
    name="mlp.sigmoid_grad",
    reference=act.sigmoid_grad,
    visible_cases=_sigmoid_grad_cases,
    hidden_cases=_sigmoid_grad_hidden_cases,
    mistakes=[
        Mistake("f(z)(1 - f(z)) needs the sigmoid's output, not z: s = sigmoid(z); return s * (1 - s)",
                _sigmoid_grad_of_z),
        Mistake("both factors use the sigmoid's output: s * (1 - s) with s = sigmoid(z); "
                "sigmoid(z) * (1 - z) mixes in z itself", _sigmoid_grad_half_z),
        Mistake("1 - s**2 is the derivative of tanh; the sigmoid's is s * (1 - s)", _sigmoid_grad_tanh_form),
        Mistake("the sign: s * (1 - s) is never negative, s * (s - 1) always is", _sigmoid_grad_sign),
        Mistake("that is the sigmoid itself; its derivative is s * (1 - s) with s = sigmoid(z)",
                _sigmoid_grad_forgot_factor),
        Mistake("the sigmoid inside overflows (1 / (1 + np.exp(-z)) for z < -709): call your stable sigmoid "
                "from the exercise before, s = sigmoid(z)", _sigmoid_grad_naive_sigmoid),
        Mistake("np.exp(-z) / (1 + np.exp(-z))**2 is inf / inf = nan for large negative z: write it as "
                "s * (1 - s) with your stable sigmoid", _sigmoid_grad_exp_form),
    ],
    blocked=("nnlib.activations.sigmoid_grad",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- relu


def _relu_cases():
    return [
        Case("hand-worked: z = [-2, -0.5, 0, 0.5, 2]", (HAND_Z.copy(),), essential=True),
        Case("random z of shape (3, 4)", (_normal(30, (3, 4)),)),
    ]


def _relu_hidden_cases():
    return [
        Case("random 1-D z of shape (10,)", (_hidden_normal(31, 10),)),
        Case("random 3-D z of shape (2, 3, 2)", (_hidden_normal(32, (2, 3, 2), 5.0),)),
        Case("edge: all negative, shape (2, 3)", (-np.abs(_hidden_normal(33, (2, 3))) - 0.1,)),
        Case("edge: no negative entry (nothing to clip, still a new array)", (np.abs(_hidden_normal(34, (3, 2))),)),
        Case("edge: tiny and huge values", (np.array([-1e-300, 1e-300, -1e300, 1e300, 0.0]),)),
        Case("float32 z of shape (2, 4): the output stays float32", (_float32_uniform(35, (2, 4), 3.0),)),
    ]


def _relu_np_max(z):
    return np.max(z, 0)


def _relu_python_max(z):
    return max(0, z)


def _relu_slope(z):
    return (z > 0).astype(float)


def _relu_in_place(z):
    z[z < 0] = 0.0
    return z


def _relu_shortcut(z):
    if np.all(z >= 0):
        return z  # nothing to clip
    return np.maximum(z, 0.0)


register(Spec(
    name="mlp.relu",
    reference=act.relu,
    visible_cases=_relu_cases,
    hidden_cases=_relu_hidden_cases,
    mistakes=[
        Mistake("np.max(z, 0) is the largest entry along axis 0 (a reduction); the elementwise maximum "
                "with 0 is np.maximum(z, 0)", _relu_np_max),
        Mistake("Python's max(0, z) compares the whole array at once; use NumPy's elementwise "
                "np.maximum(z, 0)", _relu_python_max),
        Mistake("that is ReLU's slope (its derivative); ReLU itself returns z where z > 0 and 0 elsewhere",
                _relu_slope),
        Mistake("z[z < 0] = 0 changes the caller's array; np.maximum(z, 0) returns a new one",
                _relu_in_place, mutates=True),
        Mistake("return a new array even when nothing is clipped: np.maximum(z, 0) always makes one, "
                "while `return z` hands the caller's own array back", _relu_shortcut, aliases=True),
    ],
    blocked=("nnlib.activations.relu",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- relu_grad


def _relu_grad_cases():
    return [
        Case("hand-worked: z = [-2, -0.5, 0, 0.5, 2] (the slope at the kink z = 0 is taken as 0)",
             (HAND_Z.copy(),), essential=True),
        Case("random z of shape (3, 4): slope 1 where z > 0, 0 where z < 0", (_normal(40, (3, 4)),), essential=True),
    ]


def _relu_grad_hidden_cases():
    return [
        Case("random 1-D z of shape (7,)", (_hidden_normal(41, 7),)),
        Case("random 3-D z of shape (2, 2, 3)", (_hidden_normal(42, (2, 2, 3)),)),
        Case("edge: all zeros, shape (2, 3)", (np.zeros((2, 3)),)),
        Case("edge: tiny values around the kink", (np.array([-1e-300, 1e-300, -0.0, 0.0]),)),
        Case("float32 z of shape (3, 3): the output stays float32", (_float32_uniform(43, (3, 3), 2.0),)),
    ]


def _relu_grad_at_zero(z):
    return (z >= 0).astype(float)


def _relu_grad_bool(z):
    return z > 0


def _relu_grad_is_relu(z):
    return np.maximum(z, 0.0)


def _relu_grad_in_place(z):
    z[...] = z > 0
    return z


def _relu_grad_float64(z):
    return (z > 0).astype(float)


register(Spec(
    name="mlp.relu_grad",
    reference=act.relu_grad,
    visible_cases=_relu_grad_cases,
    hidden_cases=_relu_grad_hidden_cases,
    mistakes=[
        # First: it returns the right values, so it can only match a student whose values are right.
        Mistake(f"{_KEEP_DTYPE}: (z > 0).astype(z.dtype); .astype(float) always gives float64",
                _relu_grad_float64),
        Mistake("at the kink z = 0 we take the slope as 0 (as PyTorch does): use z > 0, not z >= 0",
                _relu_grad_at_zero),
        Mistake("return numbers 1.0 / 0.0, not True / False: (z > 0).astype(z.dtype)", _relu_grad_bool),
        Mistake("that is ReLU itself; its derivative is 1.0 where z > 0 and 0.0 elsewhere", _relu_grad_is_relu),
        Mistake("you wrote the slopes into z itself; return a new array, e.g. (z > 0).astype(z.dtype)",
                _relu_grad_in_place, mutates=True),
    ],
    blocked=("nnlib.activations.relu_grad",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- tanh_grad


def _tanh_grad_cases():
    return [
        Case("hand-worked: z = [-2, -0.5, 0, 0.5, 2] (the slope at 0 is 1)", (HAND_Z.copy(),), essential=True),
        Case("random z of shape (3, 4)", (_normal(50, (3, 4), 2.0),)),
        Case("edge: |z| up to 1e4 (the slope is 0 there; nothing may overflow)", (LARGE_Z.copy(),)),
    ]


def _tanh_grad_hidden_cases():
    return [
        Case("random 1-D z of shape (6,)", (_hidden_normal(51, 6, 2.0),)),
        Case("random 3-D z of shape (3, 2, 2)", (_hidden_normal(52, (3, 2, 2), 5.0),)),
        Case("edge: random z in [-1e4, 1e4], shape (3, 5)", (case_rng(53).uniform(-1e4, 1e4, size=(3, 5)),)),
        Case("float32 z in [-1.5, 1.5], shape (2, 3): the output stays float32", (_float32_uniform(54, (2, 3), 1.5),)),
    ]


def _tanh_grad_of_z(z):
    return 1.0 - z ** 2


def _tanh_grad_no_square(z):
    return 1.0 - np.tanh(z)


def _tanh_grad_square_outside(z):
    return (1.0 - np.tanh(z)) ** 2


def _tanh_grad_sigmoid_form(z):
    s = np.tanh(z)
    return s * (1.0 - s)


def _tanh_grad_cosh(z):
    return 1.0 / np.cosh(z) ** 2


def _tanh_grad_exp_tanh(z):
    t = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    return 1.0 - t ** 2


register(Spec(
    name="mlp.tanh_grad",
    reference=act.tanh_grad,
    visible_cases=_tanh_grad_cases,
    hidden_cases=_tanh_grad_hidden_cases,
    mistakes=[
        Mistake("1 - tanh(z)**2, not 1 - z**2: the formula uses tanh's output, t = np.tanh(z)", _tanh_grad_of_z),
        Mistake("square the tanh: 1 - np.tanh(z)**2", _tanh_grad_no_square),
        Mistake("square only the tanh: 1 - np.tanh(z)**2, not (1 - np.tanh(z))**2", _tanh_grad_square_outside),
        Mistake("t * (1 - t) is the sigmoid's form; tanh's derivative is 1 - t**2", _tanh_grad_sigmoid_form),
        Mistake("np.cosh overflows for |z| > 710; 1 / cosh(z)**2 equals 1 - np.tanh(z)**2, which stays finite",
                _tanh_grad_cosh),
        Mistake("tanh written with exp overflows (inf / inf = nan) for large |z|; use np.tanh, which is stable",
                _tanh_grad_exp_tanh),
    ],
    blocked=("nnlib.activations.tanh_grad",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- leaky_relu


def _leaky_relu_cases():
    return [
        Case("hand-worked: z = [-2, -0.5, 0, 0.5, 2], default alpha = 0.01", (HAND_Z.copy(),), essential=True),
        Case("hand-worked: the same z with alpha = 0.2", (HAND_Z.copy(),), {"alpha": 0.2}, essential=True),
        Case("random z of shape (3, 4), alpha = 0.1", (_normal(60, (3, 4)),), {"alpha": 0.1}),
    ]


def _leaky_relu_hidden_cases():
    return [
        Case("random 1-D z of shape (8,), default alpha", (_hidden_normal(61, 8, 3.0),)),
        Case("random 3-D z of shape (2, 3, 2), alpha = 0.3", (_hidden_normal(62, (2, 3, 2), 3.0),), {"alpha": 0.3}),
        Case("edge: alpha = 0 is plain ReLU", (_hidden_normal(63, (4, 3)),), {"alpha": 0.0}),
        Case("edge: all zeros, shape (2, 2)", (np.zeros((2, 2)),), {"alpha": 0.05}),
        Case("edge: alpha = 2 > 1 (a steeper negative side), z = [-2, -0.5, 0, 0.5, 2]", (HAND_Z.copy(),),
             {"alpha": 2.0}),
        Case("float32 z of shape (3, 2), alpha = 0.1: the output stays float32", (_float32_uniform(64, (3, 2), 3.0),),
             {"alpha": 0.1}),
    ]


def _leaky_relu_fixed_alpha(z, alpha=0.01):
    return np.where(z > 0, z, 0.01 * z)


def _leaky_relu_no_leak(z, alpha=0.01):
    return np.maximum(z, 0.0)


def _leaky_relu_wrong_side(z, alpha=0.01):
    return np.where(z > 0, alpha * z, z)


def _leaky_relu_in_place(z, alpha=0.01):
    z[z < 0] *= alpha
    return z


def _leaky_relu_maximum(z, alpha=0.01):
    return np.maximum(z, alpha * z)


register(Spec(
    name="mlp.leaky_relu",
    reference=act.leaky_relu,
    visible_cases=_leaky_relu_cases,
    hidden_cases=_leaky_relu_hidden_cases,
    mistakes=[
        Mistake("negative inputs are scaled by alpha, not set to 0 (that is plain ReLU)", _leaky_relu_no_leak),
        # Before the next one: for alpha > 1 both give the same numbers, and only this one passes alpha < 1.
        Mistake("np.maximum(z, alpha * z) is leaky ReLU only for alpha <= 1: with alpha > 1 it picks alpha * z "
                "for positive z; np.where(z > 0, z, alpha * z) is right for every alpha", _leaky_relu_maximum),
        Mistake("alpha scales the negative side: z where z > 0, alpha * z elsewhere", _leaky_relu_wrong_side),
        Mistake("use the alpha argument; 0.01 is only its default value", _leaky_relu_fixed_alpha),
        Mistake("z[z < 0] *= alpha changes the caller's array; np.where(z > 0, z, alpha * z) returns a new one",
                _leaky_relu_in_place, mutates=True),
    ],
    blocked=("nnlib.activations.leaky_relu",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- softmax


def _softmax_cases():
    return [
        Case("hand-worked: rows z = [1, 2, 3] and [1, 1, 1] (the second row gives 1/3 each)",
             (np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),), essential=True),
        Case("random logits of shape (4, 5)", (_normal(70, (4, 5), 2.0),)),
        Case("edge: huge logits, rows [1000, 1001, 1002] and [-1e4, 0, 1e4] (nothing may overflow)",
             (np.array([[1000.0, 1001.0, 1002.0], [-1e4, 0.0, 1e4]]),), essential=True),
    ]


def _softmax_hidden_cases():
    return [
        Case("a single vector of shape (5,) (axis=-1 is its only axis)", (_hidden_normal(71, 5),)),
        Case("random logits of shape (6, 3), scale 10", (_hidden_normal(72, (6, 3), 10.0),)),
        Case("random logits of shape (1, 7)", (_hidden_normal(73, (1, 7)),)),
        Case("random 3-D logits of shape (2, 3, 4): softmax over the last axis", (_hidden_normal(74, (2, 3, 4)),)),
        Case("square logits (3, 3) with axis=0 given", (_hidden_normal(75, (3, 3)),), {"axis": 0}),
        Case("edge: a row of equal huge values [1e4, 1e4]", (np.array([[1e4, 1e4], [-1e4, -1e4]]),), essential=True),
        # Subtracting the max of the whole batch is exact for moderate logits; here the first row
        # lies 1000 below the batch's max, so its exponentials all underflow to 0 (0 / 0).
        Case("edge: rows of very different scales, [1, 2, 3] and [800, 900, 1000] (subtract each row's own max)",
             (np.array([[1.0, 2.0, 3.0], [800.0, 900.0, 1000.0]]),), essential=True),
        Case("float32 logits of shape (3, 4): the output stays float32", (_float32_uniform(76, (3, 4), 4.0),)),
    ]


def _softmax_columns(z, axis=-1):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_no_shift(z, axis=-1):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_not_normalised(z, axis=-1):
    return np.exp(z - z.max(axis=axis, keepdims=True))


def _softmax_whole_array(z, axis=-1):
    e = np.exp(z - z.max())
    return e / e.sum()


def _softmax_no_keepdims(z, axis=-1):
    e = np.exp(z - z.max(axis=axis))
    return e / e.sum(axis=axis)


def _softmax_axis_one(z, axis=-1):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_ignores_axis(z, axis=-1):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_global_max(z, axis=-1):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=axis, keepdims=True)


register(Spec(
    name="mlp.softmax",
    reference=act.softmax,
    visible_cases=_softmax_cases,
    hidden_cases=_softmax_hidden_cases,
    mistakes=[
        Mistake("each row (one sample) must sum to 1: take the max and the sum over the last axis, "
                "axis=-1 with keepdims=True, not over axis 0 (the batch)", _softmax_columns),
        Mistake("divide by the row sum, e / e.sum(axis=-1, keepdims=True), so each row adds up to 1",
                _softmax_not_normalised),
        Mistake("the sum runs over each row (axis=-1, keepdims=True), not over the whole batch",
                _softmax_whole_array),
        Mistake("keep the reduced axis: z.max(axis=-1, keepdims=True) and e.sum(axis=-1, keepdims=True) have "
                "shape (N, 1), which broadcasts over each row", _softmax_no_keepdims),
        Mistake("subtract each row's maximum before np.exp: np.exp(1000) overflows to inf, and the shift "
                "cancels in the ratio, so the result is unchanged", _softmax_no_shift),
        Mistake("subtract each row's own maximum, z.max(axis=axis, keepdims=True), not the largest value of the "
                "whole batch: a row far below it underflows to all zeros, and 0 / 0 is nan", _softmax_global_max),
        Mistake("use the axis argument (its default is -1) instead of a fixed axis", _softmax_ignores_axis),
        Mistake("use axis=-1 (the last axis), not axis=1, so that a single vector of shape (C,) works too",
                _softmax_axis_one),
    ],
    blocked=("nnlib.activations.softmax",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- dense_forward


def dense_forward_output(X, W, b):
    """The reference of the exercise: nnlib's ``Z = X @ W + b`` without the cache (not the student's concern here)."""
    return functional.dense_forward(X, W, b)[0]


def _dense_case(rng, N, D, H, label, essential=False):
    return Case(f"{label}: X ({N}, {D}), W ({D}, {H}), b ({H},)",
                (rng.normal(size=(N, D)), rng.normal(size=(D, H)), rng.normal(size=H)), essential=essential)


def _dense_cases():
    return [
        Case("hand-worked: X (2, 3), W (3, 4), b (4,)",
             (np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]]),
              np.array([[1.0, 0.0, -1.0, 0.5], [0.0, 1.0, 2.0, 0.0], [1.0, -1.0, 0.0, 2.0]]),
              np.array([0.5, -0.5, 1.0, 0.0])), essential=True),
        _dense_case(_rng(80), 5, 4, 3, "random"),
        _dense_case(_rng(81), 3, 3, 3, "square shapes, where a misplaced transpose or bias changes values, not shapes",
                    essential=True),
    ]


def _dense_hidden_cases():
    rng = case_rng(87)
    X, W, b = _float32_grid(rng, (3, 4)), _float32_grid(rng, (4, 2)), _float32_grid(rng, 2)
    return [
        _dense_case(case_rng(82), 1, 4, 2, "edge: a single sample"),
        _dense_case(case_rng(83), 6, 1, 5, "edge: one input feature"),
        _dense_case(case_rng(84), 7, 3, 1, "edge: one output unit"),
        _dense_case(case_rng(85), 10, 8, 6, "random"),
        _dense_case(case_rng(86), 4, 4, 4, "square shapes"),
        Case("float32 X (3, 4), W (4, 2), b (2,): Z stays float32", (X, W, b)),
    ]


def _dense_no_bias(X, W, b):
    return X @ W


def _dense_W_transposed(X, W, b):
    return X @ W.T + b


def _dense_column_form(X, W, b):
    return W.T @ X.T + b[:, None]


def _dense_bias_column(X, W, b):
    return X @ W + b.reshape(-1, 1)


register(Spec(
    name="mlp.dense_forward",
    reference=dense_forward_output,
    visible_cases=_dense_cases,
    hidden_cases=_dense_hidden_cases,
    mistakes=[
        Mistake("the bias is missing: Z = X @ W + b", _dense_no_bias),
        Mistake("W has shape (n_in, n_out) = (D, H), so Z = X @ W + b; X @ W.T belongs to the lecture notes' "
                "convention, where W is (n_out, n_in)", _dense_W_transposed),
        Mistake("you computed the notes' column form W^T x for every sample at once: that is Z.T, of shape "
                "(H, N); batch first (one sample per row) it is Z = X @ W + b, of shape (N, H)",
                _dense_column_form),
        Mistake("b holds one bias per output unit (shape (H,)) and X @ W + b adds b[j] to column j; "
                "b.reshape(-1, 1) is a column and adds to rows (samples) instead", _dense_bias_column),
    ],
    blocked=("nnlib.functional.dense_forward",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- mlp_forward

_CASE_ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]


def _network_case(rng, sizes, activations, N, label, essential=False, draw=None):
    """A case of a random network; ``draw(rng, shape)`` makes its numbers (normal by default)."""
    draw = draw or (lambda rng, shape: rng.normal(size=shape))
    X = draw(rng, (N, sizes[0]))  # (N, D)
    params = [(draw(rng, (a, b)), draw(rng, (b,))) for a, b in zip(sizes[:-1], sizes[1:])]
    shape = "-".join(str(s) for s in sizes)
    return Case(f"{label}: {shape} network, activations {activations}, N = {N}", (X, params, list(activations)),
                essential=essential)


def _mlp_cases():
    W1, b1 = xor_params()[0]
    W2, b2 = xor_params()[1]
    return [
        Case("hand-worked: the chapter's XOR network on the four XOR inputs",
             (XOR_X.copy(), [(W1, b1), (W2, b2)], ["relu", "identity"]), essential=True),
        _network_case(_rng(90), [3, 4, 2], ["sigmoid", "identity"], 5, "random"),
        _network_case(_rng(91), [4, 5, 3, 2], ["relu", "tanh", "softmax"], 6, "random", essential=True),
    ]


def _mlp_hidden_cases():
    cases = [
        _network_case(case_rng(92), [3, 1], ["sigmoid"], 4, "one layer (logistic regression)"),
        _network_case(case_rng(93), [2, 3, 1], ["leaky_relu", "sigmoid"], 1, "edge: a single sample"),
    ]
    for k in range(3):
        rng = case_rng(94 + k)
        depth = int(rng.integers(2, 5))
        sizes = [int(n) for n in rng.integers(1, 7, size=depth + 1)]
        hidden = [str(a) for a in rng.choice(_CASE_ACTIVATIONS, size=depth - 1)]
        last = str(rng.choice(["identity", "sigmoid", "softmax"]))
        cases.append(_network_case(case_rng(97 + k), sizes, hidden + [last], int(rng.integers(2, 9)), "random depth"))
    # relu and identity of multiples of 1/4 stay exact in float32; the sigmoid is elementwise.
    cases.append(_network_case(case_rng(100), [2, 3, 2, 1], ["relu", "identity", "sigmoid"], 4,
                               "float32 (every array stays float32)", draw=_float32_grid))
    return cases


def _layers(X, params, activations):
    """Yield (A_prev, Z, A) layer by layer with nnlib's activations (for the wrong variants)."""
    A = X
    for (W, b), name in zip(params, activations):
        Z = A @ W + b
        f = act.softmax if name == "softmax" else act.ACTIVATIONS[name][0]
        A_prev, A = A, f(Z)
        yield A_prev, Z, A


def _mlp_no_last_activation(X, params, activations):
    caches = list(_layers(X, params, list(activations[:-1]) + ["identity"]))
    return caches[-1][2], caches


def _mlp_cache_keeps_output(X, params, activations):
    caches = [(A, Z, A) for _A_prev, Z, A in _layers(X, params, activations)]
    return caches[-1][2], caches


def _mlp_cache_order(X, params, activations):
    caches = [(Z, A_prev, A) for A_prev, Z, A in _layers(X, params, activations)]
    return caches[-1][2], caches


def _mlp_no_bias(X, params, activations):
    caches = list(_layers(X, [(W, np.zeros_like(b)) for W, b in params], activations))
    return caches[-1][2], caches


def _mlp_W_transposed(X, params, activations):
    caches = list(_layers(X, [(W.T, b) for W, b in params], activations))
    return caches[-1][2], caches


def _mlp_output_only(X, params, activations):
    return list(_layers(X, params, activations))[-1][2]


register(Spec(
    name="mlp.mlp_forward",
    reference=mlp_forward,
    visible_cases=_mlp_cases,
    hidden_cases=_mlp_hidden_cases,
    mistakes=[
        Mistake("return two things: the output A_out and the list of caches, one (A_prev, Z, A) per layer",
                _mlp_output_only),
        Mistake("the bias is missing: Z = A_prev @ W + b in every layer", _mlp_no_bias),
        Mistake("W has shape (n_in, n_out), so Z = A_prev @ W + b; W.T is the lecture notes' convention",
                _mlp_W_transposed),
        Mistake("the last layer has an activation too (its name is the last entry of activations, "
                "e.g. 'softmax'); apply it", _mlp_no_last_activation),
        Mistake("A_prev in each cache is the layer's input (X for the first layer): keep it before you "
                "overwrite A with the layer's output", _mlp_cache_keeps_output),
        Mistake("each cache is the tuple (A_prev, Z, A), in this order", _mlp_cache_order),
    ],
    blocked=("nnlib.mlp.mlp_forward",),
    output_names=("A_out", "caches"),
    check_dtype=True,
))


# ---------------------------------------------------------------- count_parameters


def _count_cases():
    return [
        Case("hand-worked: layer sizes [3, 4, 2] (26 parameters)", ([3, 4, 2],), essential=True),
        Case("hand-worked: layer sizes [3, 4, 4, 1] (41 parameters)", ([3, 4, 4, 1],), essential=True),
        Case("the XOR network [2, 2, 1]", ([2, 2, 1],)),
    ]


def _count_hidden_cases():
    cases = [
        Case("one layer [5, 1] (logistic regression)", ([5, 1],)),
        Case("sizes as a tuple (784, 128, 10)", ((784, 128, 10),)),
        Case("sizes as a NumPy array [8, 16, 16, 3]", (np.array([8, 16, 16, 3]),)),
    ]
    rng = case_rng(110)
    for _ in range(3):
        sizes = [int(n) for n in rng.integers(1, 50, size=int(rng.integers(2, 7)))]
        cases.append(Case(f"random layer sizes {sizes}", (sizes,)))
    return cases


def _count_no_biases(layer_sizes):
    sizes = list(layer_sizes)
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def _count_input_biases(layer_sizes):
    sizes = list(layer_sizes)
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) + sum(sizes)


def _count_ends_only(layer_sizes):
    sizes = list(layer_sizes)
    return sizes[0] * sizes[-1]


def _count_off_by_one(layer_sizes):
    total = 0
    for i in range(len(layer_sizes)):
        total += layer_sizes[i] * layer_sizes[i + 1] + layer_sizes[i + 1]
    return total


register(Spec(
    name="mlp.count_parameters",
    reference=count_parameters,
    visible_cases=_count_cases,
    hidden_cases=_count_hidden_cases,
    mistakes=[
        Mistake("the biases are missing: each non-input unit has one, so add n_out per layer "
                "(3-4-2: 20 weights + 6 biases = 26)", _count_no_biases),
        Mistake("the input units have no bias (they only pass x on): count biases for the hidden and output "
                "units only (3-4-2: 4 + 2 = 6 biases)", _count_input_biases),
        Mistake("every pair of consecutive layers has its own weight matrix: sum n_in * n_out + n_out over "
                "the layers, hidden layers included", _count_ends_only),
        Mistake("a network with L + 1 sizes has L layers of weights: loop over consecutive pairs, "
                "e.g. zip(sizes[:-1], sizes[1:])", _count_off_by_one),
    ],
    blocked=("nnlib.network.count_parameters",),
))


# ---------------------------------------------------------------- xor_network


# The exercise asks for XOR built from two detectors, h1 = "x1 but not x2" and h2 = "x2 but not x1",
# so that the network of section 5, printed in the notebook (it counts the ones), is not an answer.
FIRES = 1e-6  # a hidden value above this counts as firing
DETECTORS = ({(1, 0)}, {(0, 1)})  # the inputs each hidden unit must fire for, in either order


def xor_reference():
    """A detector network as the exercise returns it: (W1, b1, W2, b2) with y = relu(x1 - x2) + relu(x2 - x1)."""
    W1 = np.array([[1.0, -1.0], [-1.0, 1.0]])  # (2, 2): unit 1 sees x1 - x2, unit 2 sees x2 - x1
    return W1, np.zeros(2), np.array([[1.0], [1.0]]), np.zeros(1)


def _as_float(value, name, shapes):
    """``value`` as a float array of one of the allowed shapes, or a message saying what is wrong."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{name} must be an array of numbers, got {type(value).__name__}"
    if arr.shape not in shapes:
        allowed = " or ".join(str(s) if s else "a single number" for s in shapes)
        return None, f"{name} must have shape {allowed}, got {arr.shape}"
    if not np.all(np.isfinite(arr)):
        return None, f"{name} contains inf or nan"
    return arr, None


def xor_outputs(W1, b1, W2, b2):
    """Hidden pre-activations (4, 2) and outputs (4,) of ``relu(X W1 + b1) W2 + b2`` on the XOR inputs."""
    Z1 = XOR_X @ W1 + b1  # (4, 2)
    y = np.maximum(Z1, 0.0) @ W2.reshape(2, 1) + b2.reshape(1)  # (4, 1)
    return Z1, y[:, 0]


def _inputs_text(inputs) -> str:
    return ", ".join(f"({a}, {b})" for a, b in sorted(inputs)) or "no input"


def _firing(Z1) -> list:
    """For each hidden unit, the set of XOR inputs (as integer pairs) for which relu(z) > FIRES."""
    fires = np.maximum(Z1, 0.0) > FIRES  # (4, 2)
    return [{(int(x[0]), int(x[1])) for x, f in zip(XOR_X, fires[:, j]) if f} for j in range(2)]


def _is_section_5(W1, b1, W2, b2) -> bool:
    (W, c), (w, b) = xor_params()
    return all(a.size == r.size and np.allclose(a.ravel(), r.ravel()) for a, r in ((W1, W), (b1, c), (W2, w), (b2, b)))


def judge_xor(case, output):
    """None when one hidden unit fires for (1, 0) only, the other for (0, 1) only, and y = 0, 1, 1, 0 (1e-6); else why not."""
    if not isinstance(output, (tuple, list)) or len(output) != 4:
        return "return four things, (W1, b1, W2, b2), e.g. `return W1, b1, W2, b2`"
    shapes = {"W1": [(2, 2)], "b1": [(2,)], "W2": [(2, 1), (2,)], "b2": [(1,), ()]}
    arrays = []
    for (name, allowed), value in zip(shapes.items(), output):
        arr, problem = _as_float(value, name, allowed)
        if problem:
            return problem
        arrays.append(arr)
    Z1, y = xor_outputs(*arrays)
    firing = _firing(Z1)
    detectors = sorted(map(sorted, firing)) == sorted(map(sorted, DETECTORS))
    computes_xor = bool(np.all(np.abs(y - XOR_T) <= 1e-6))
    if detectors and computes_xor:
        return None
    problems = []
    if not detectors:
        units = "; ".join(f"unit {j + 1} fires (h > {FIRES:g}) for {_inputs_text(f)}" for j, f in enumerate(firing))
        problems.append(f"the hidden units are not the two detectors the exercise asks for: {units}. One unit must "
                        "fire for (1, 0) and for no other input (x1 but not x2), the other for (0, 1) only "
                        "(x2 but not x1)")
        if _is_section_5(*arrays):
            problems[-1] += (". These are the weights of section 5, which compute XOR by counting the ones in the "
                             "input; this exercise asks for a different network")
    if not computes_xor:
        rows = "; ".join(f"x = ({int(x[0])}, {int(x[1])}): y = {v:.4g} (want {int(t)})"
                         for x, v, t in zip(XOR_X, y, XOR_T))
        problems.append(f"the network does not compute XOR within 1e-6: {rows}")
        on, off = np.all(Z1 >= 0, axis=0), np.all(Z1 <= 0, axis=0)  # (2,) per hidden unit
        if np.all(on | off):
            problems[-1] += (". On these four inputs each hidden unit is either always on (z >= 0) or always off, "
                             "so relu acts as a fixed linear map and the whole network is linear there; no linear "
                             "function gives 0, 1, 1, 0")
        elif detectors:
            problems[-1] += ". The detectors are right: the output only has to add up their answers"
    return "; and ".join(problems)


# The mistakes write their weights out: xor_params is blocked while a "student" runs.
def _xor_section_5():
    return np.ones((2, 2)), np.array([0.0, -1.0]), np.array([[1.0], [-2.0]]), np.zeros(1)


def _xor_no_subtraction():
    return np.eye(2), np.zeros(2), np.array([[1.0], [1.0]]), np.zeros(1)


def _xor_output_difference():
    return np.array([[1.0, -1.0], [-1.0, 1.0]]), np.zeros(2), np.array([[1.0], [-1.0]]), np.zeros(1)


def _xor_W2_row():
    return np.array([[1.0, -1.0], [-1.0, 1.0]]), np.zeros(2), np.array([[1.0, 1.0]]), np.zeros(1)


register(Spec(
    name="mlp.xor_network",
    reference=xor_reference,
    visible_cases=lambda: [Case("the four XOR inputs (0, 0), (0, 1), (1, 0), (1, 1) through relu(x W1 + b1) W2 + b2")],
    # Nothing harder to ask of four numbers: the hidden check repeats the judgement at grading time.
    hidden_cases=lambda: [Case("graded again: the four XOR inputs through your network")],
    judge=judge_xor,
    mistakes=[
        Mistake("these are the weights of section 5, printed above the exercise: they count the ones in the input. "
                "Build XOR from two detectors instead: a unit whose z is positive for (1, 0) only, one for (0, 1) "
                "only, and an output that adds them up", _xor_section_5),
        Mistake("relu(x1) fires for (1, 1) too: subtract the other input, so that the unit's z is positive for (1, 0) "
                "only, e.g. z1 = x1 - x2", _xor_no_subtraction),
        Mistake("each detector fires for an input whose target is 1, so both must raise the output: "
                "y = h1 + h2, output weights (1, 1)", _xor_output_difference),
        Mistake("W2 maps 2 hidden units to 1 output: give it shape (2, 1) (or (2,)), not (1, 2)", _xor_W2_row),
    ],
    blocked=("nnlib.mlp.xor_params",),
))
