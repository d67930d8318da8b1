"""Checks of chapter 04_losses: regression losses, cross-entropies, their gradients, the hinge.

Student signatures (the notebook states each one in its exercise), all as in
:mod:`nnlib.losses`, which is each check's reference:

- ``mse(y_pred, y_true) -> float`` and ``mse_grad(y_pred, y_true) -> ndarray``:
  the mean over **all** elements, gradient ``2 (y_pred - y_true) / size``.
- ``huber(y_pred, y_true, delta=1.0) -> float`` and ``huber_grad(...)``:
  ``r^2 / 2`` where ``|r| <= delta``, ``delta (|r| - delta / 2)`` beyond;
  gradient ``clip(r, -delta, delta) / size``.
- ``binary_cross_entropy(p, y) -> float``: ``p`` clipped to
  ``[1e-12, 1 - 1e-12]`` first (``nnlib.losses.EPS``).
- ``bce_with_logits(z, y) -> float``: ``mean(max(z, 0) - z y + log(1 + exp(-|z|)))``.
- ``softmax_cross_entropy(z, labels) -> float`` with integer labels ``(N,)``,
  through log-sum-exp; ``softmax_cross_entropy_grad(z, labels)``
  ``= (softmax(z) - onehot) / N``.
- ``hinge(scores, y) -> float`` with labels -1 and +1.

Essential cases (while one fails, the exercise earns at most half its
points): every hand-worked case (the syllabus's worked numbers), and the
case that is each exercise's point: a 2-D batch for mse and mse_grad (the
mean runs over all N * k elements), the outlier for huber and huber_grad
(the loss grows linearly and the gradient stops at delta / size), a delta
other than 1 (delta in its place), predictions of exactly 0 and 1 for
binary_cross_entropy (the clipping), logits of +-1e4 for bce_with_logits and
both softmax exercises (no overflow, no warning, the exact value), a batch of
two for the softmax gradient (the 1/N), mixed -1/+1 labels for the hinge.

Tolerances: the default 1e-7 (CS231n relative error).  dtype: the three
gradients return arrays of nnlib's dtype, float32 for float32 input
(``check_dtype``, one hidden float32 case each, on a grid of quarters and
with sizes that are powers of 2, so that float32 sums and means are exact);
the losses return one number, and their float32 cases (mse, huber, hinge,
where float32 arithmetic on quarters is exact) check that float32 input
works, not a dtype.  The cross-entropies have no float32 case: a logarithm
in float32 differs from float64 in the 8th digit, below which two correct
float32 programs disagree.

Gradients are also compared with centred differences of nnlib's loss (the
autograder's own numerical gradient; the notebook gradient-checks the
student's softmax gradient with the student's own ``numerical_gradient``).
"""
from __future__ import annotations

import numpy as np

from autograder.checking.secret import case_rng
from autograder.checking.spec import Case, Mistake, Spec, register
from nnlib import losses as L
from nnlib.activations import sigmoid, softmax
from nnlib.gradcheck import numerical_gradient, relative_error

# The syllabus's worked regression example, and its last target made an outlier.
Y_TRUE = np.array([3.0, -0.5, 2.0, 7.0])  # (4,)
Y_PRED = np.array([2.5, 0.0, 2.0, 8.0])  # (4,)
Y_OUTLIER = np.array([3.0, -0.5, 2.0, 17.0])  # (4,)
# The syllabus's binary example: targets and predicted probabilities.
BCE_Y = np.array([1.0, 0.0, 1.0, 0.0])  # (4,)
BCE_P = np.array([0.9, 0.2, 0.6, 0.4])  # (4,)
# The syllabus's softmax example: a row of logits with label 0, then a second row with label 2.
SOFTMAX_Z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]])  # (2, 3)
SOFTMAX_LABELS = np.array([0, 2])  # (2,)
HUGE_Z = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]])  # (2, 3) exp(1e4) overflows
HUGE_LABELS = np.array([2, 1])  # the first row confidently wrong, the second confidently right

_KEEP_DTYPE = "keep the input's precision, float32 in, float32 out, as nnlib does"


def _rng(seed):
    return np.random.default_rng(seed)


def _quarters(rng, shape):
    """float32 multiples of 1/4 in [-2, 2]: their squares, sums and means over 2^k entries are exact in float32."""
    return (rng.integers(-8, 9, size=shape) / 4).astype(np.float32)


def _regression_pair(rng, shape, scale=1.0):
    """(y_pred, y_true) of ``shape``: targets and predictions off by up to about 2 * scale."""
    y_true = rng.normal(size=shape)
    return y_true + scale * rng.normal(size=shape), y_true


def _away_from(rng, shape, low, high):
    """Random numbers with |x| in [low, high], either sign."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def _labels(rng, n, c):
    return rng.integers(0, c, size=n)


# ====================================================================== mse


def _mse_cases():
    return [
        Case("hand-worked: y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0, 2, 8] (MSE 0.375)",
             (Y_PRED.copy(), Y_TRUE.copy()), essential=True),
        Case("a 2-D batch (4, 3): the mean runs over all 12 elements",
             _regression_pair(_rng(400), (4, 3)), essential=True),
        Case("random 1-D (7,)", _regression_pair(_rng(401), 7)),
    ]


def _mse_hidden_cases():
    rng = case_rng(402)
    return [
        Case("the worked example with the outlier 17 as the last target (MSE 20.375)",
             (Y_PRED.copy(), Y_OUTLIER.copy()), essential=True),
        Case("random (8, 2)", _regression_pair(case_rng(403), (8, 2), 3.0)),
        Case("random (1, 5)", _regression_pair(case_rng(404), (1, 5))),
        Case("edge: a single element", (np.array([1.5]), np.array([-0.5]))),
        Case("edge: a perfect prediction (MSE 0)", (np.arange(6.0).reshape(2, 3),
                                                    np.arange(6.0).reshape(2, 3))),
        Case("float32 y_pred and y_true (2, 4) on a grid of quarters",
             (_quarters(rng, (2, 4)), _quarters(rng, (2, 4)))),
    ]


def _mse_sum(y_pred, y_true):
    return float(np.sum((y_pred - y_true) ** 2))


def _mse_rows(y_pred, y_true):
    return float(np.sum((y_pred - y_true) ** 2) / len(y_pred))


def _mse_half(y_pred, y_true):
    return float(0.5 * np.mean((y_pred - y_true) ** 2))


def _mse_abs(y_pred, y_true):
    return float(np.mean(np.abs(y_pred - y_true)))


def _mse_rmse(y_pred, y_true):
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))


def _mse_not_squared(y_pred, y_true):
    return float(np.mean(y_pred - y_true))


def _mse_axis0(y_pred, y_true):
    return np.mean((y_pred - y_true) ** 2, axis=0)


def _mse_square_of_mean(y_pred, y_true):
    return float(np.mean(y_pred - y_true) ** 2)


register(Spec(
    name="losses.mse",
    reference=L.mse,
    visible_cases=_mse_cases,
    hidden_cases=_mse_hidden_cases,
    mistakes=[
        Mistake("that is the sum of the squared errors; the loss is their mean: divide by the number of "
                "elements (np.mean does it)", _mse_sum),
        Mistake("divide by the number of elements, y_pred.size (N * k for an (N, k) batch), not by len(y_pred), "
                "the number of rows: np.mean((y_pred - y_true)**2) does it", _mse_rows),
        Mistake("nnlib's MSE has no 1/2: it is mean((y_pred - y_true)**2); the 1/2 belongs to the notes' "
                "J = 1/2 (y - yhat)^2 of chapter 3", _mse_half),
        Mistake("square the residuals: mean of |r| is the MAE, MSE is the mean of r**2", _mse_abs),
        Mistake("no square root: that is the RMSE; MSE is the mean of the squared residuals", _mse_rmse),
        Mistake("square each residual before averaging: positive and negative errors must not cancel",
                _mse_not_squared),
        Mistake("square each residual, then average: the mean of the squares, not the square of the mean",
                _mse_square_of_mean),
        Mistake("the loss is one number: np.mean((y_pred - y_true)**2) without axis= averages over every "
                "element; axis=0 leaves one mean per column", _mse_axis0),
    ],
    blocked=("nnlib.losses.mse",),
))


# ====================================================================== mse_grad


def _mse_grad_cases():
    return [
        Case("hand-worked: y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0, 2, 8] (gradient [-0.25, 0.25, 0, 0.5])",
             (Y_PRED.copy(), Y_TRUE.copy()), essential=True),
        Case("a 2-D batch (4, 3): every entry is divided by the 12 elements",
             _regression_pair(_rng(410), (4, 3)), essential=True),
        Case("random 1-D (5,)", _regression_pair(_rng(411), 5)),
    ]


def _mse_grad_hidden_cases():
    rng = case_rng(412)
    return [
        Case("the worked example with the outlier 17 (its gradient entry is -4.5)", (Y_PRED.copy(), Y_OUTLIER.copy())),
        Case("random (6, 2)", _regression_pair(case_rng(413), (6, 2), 2.0)),
        Case("random (2, 3, 2)", _regression_pair(case_rng(414), (2, 3, 2))),
        Case("edge: a single element", (np.array([0.25]), np.array([1.0]))),
        Case("float32 y_pred and y_true (2, 4) on a grid of quarters: the gradient stays float32",
             (_quarters(rng, (2, 4)), _quarters(rng, (2, 4)))),
    ]


def _mse_grad_gradient(func):
    """Compare the student's gradient with centred differences of nnlib's mse."""
    y_pred, y_true = _regression_pair(_rng(415), (3, 2))
    numeric = numerical_gradient(lambda p: L.mse(p, y_true), y_pred.copy())
    return [("dL/dy_pred of MSE, shape (3, 2), h = 1e-5", _error(func(y_pred.copy(), y_true.copy()), numeric))]


def _error(student, numeric) -> float:
    """Relative error of a student's gradient against a numerical one (inf when it cannot be compared)."""
    try:
        student = np.asarray(student, dtype=np.float64)
        return relative_error(student, numeric) if student.shape == numeric.shape else float("inf")
    except (TypeError, ValueError):
        return float("inf")


def _mse_grad_no_n(y_pred, y_true):
    return 2.0 * (y_pred - y_true)


def _mse_grad_no_2(y_pred, y_true):
    return (y_pred - y_true) / y_pred.size


def _mse_grad_sign(y_pred, y_true):
    return 2.0 * (y_true - y_pred) / y_pred.size


def _mse_grad_rows(y_pred, y_true):
    return 2.0 * (y_pred - y_true) / len(y_pred)


def _mse_grad_scalar(y_pred, y_true):
    return np.mean(2.0 * (y_pred - y_true))


def _mse_grad_float64(y_pred, y_true):
    return 2.0 * (y_pred.astype(float) - y_true) / y_pred.size


register(Spec(
    name="losses.mse_grad",
    reference=L.mse_grad,
    visible_cases=_mse_grad_cases,
    hidden_cases=_mse_grad_hidden_cases,
    mistakes=[
        Mistake("the 1/N is missing: the loss is a mean, so every entry of its gradient is divided by the "
                "number of elements: 2 (y_pred - y_true) / y_pred.size", _mse_grad_no_n),
        Mistake("the derivative of r**2 is 2 r: the gradient is 2 (y_pred - y_true) / size (without the 2 it "
                "is the gradient of the notes' 1/2-MSE, not of nnlib's)", _mse_grad_no_2),
        Mistake("the sign: d/dy_pred of (y_pred - y_true)**2 is +2 (y_pred - y_true); with y_true - y_pred "
                "gradient descent would climb the loss (a slip the lecture notes make too)", _mse_grad_sign),
        Mistake("divide by the number of elements, y_pred.size, not by len(y_pred), the number of rows",
                _mse_grad_rows),
        Mistake("the gradient has one entry per prediction, the shape of y_pred: do not average it into "
                "one number", _mse_grad_scalar),
        Mistake(f"{_KEEP_DTYPE}: .astype(float) makes float32 float64; NumPy keeps float32 by itself",
                _mse_grad_float64),
    ],
    blocked=("nnlib.losses.mse_grad",),
    gradient=_mse_grad_gradient,
    check_dtype=True,
    fresh_output=True,
))


# ====================================================================== huber


def _huber_cases():
    rng = _rng(420)
    y_true = rng.normal(size=6)
    residual = np.array([0.1, -0.3, 0.45, -0.6, 1.2, -2.5])  # both sides of delta = 0.5
    return [
        Case("hand-worked: the worked example, delta = 1 (Huber 0.1875)", (Y_PRED.copy(), Y_TRUE.copy()),
             essential=True),
        Case("the outlier: last target 17, delta = 1 (Huber 2.1875: it grows like |r|, not r**2)",
             (Y_PRED.copy(), Y_OUTLIER.copy()), essential=True),
        Case("delta = 0.5, residuals on both sides of it", (y_true + residual, y_true), {"delta": 0.5},
             essential=True),
    ]


def _huber_hidden_cases():
    rng = case_rng(421)
    y_true = rng.normal(size=(3, 4))
    f32 = case_rng(422)
    return [
        Case("random (3, 4), delta = 2", (y_true + _away_from(rng, (3, 4), 0.1, 5.0), y_true), {"delta": 2.0}),
        Case("random (8,), delta = 0.1", _regression_pair(case_rng(423), 8), {"delta": 0.1}),
        Case("random (5, 2), default delta", _regression_pair(case_rng(424), (5, 2), 2.0)),
        Case("edge: residuals exactly +-delta (both formulas agree there)",
             (np.array([1.0, -1.0, 0.0]), np.zeros(3)), {"delta": 1.0}),
        Case("edge: every residual large, delta = 0.25", (np.array([3.0, -4.0, 10.0]), np.zeros(3)),
             {"delta": 0.25}),
        Case("float32 (2, 4) on a grid of quarters, delta = 1", (_quarters(f32, (2, 4)), _quarters(f32, (2, 4)))),
    ]


def _huber_swapped(y_pred, y_true, delta=1.0):
    a = np.abs(y_pred - y_true)
    return float(np.mean(np.where(a > delta, 0.5 * a * a, delta * (a - 0.5 * delta))))


def _huber_no_half_delta(y_pred, y_true, delta=1.0):
    a = np.abs(y_pred - y_true)
    return float(np.mean(np.where(a <= delta, 0.5 * a * a, delta * (a - delta))))


def _huber_no_delta_factor(y_pred, y_true, delta=1.0):
    a = np.abs(y_pred - y_true)
    return float(np.mean(np.where(a <= delta, 0.5 * a * a, a - 0.5 * delta)))


def _huber_fixed_delta(y_pred, y_true, delta=1.0):
    a = np.abs(y_pred - y_true)
    return float(np.mean(np.where(a <= 1.0, 0.5 * a * a, a - 0.5)))


def _huber_no_half_square(y_pred, y_true, delta=1.0):
    a = np.abs(y_pred - y_true)
    return float(np.mean(np.where(a <= delta, a * a, delta * (a - 0.5 * delta))))


def _huber_signed(y_pred, y_true, delta=1.0):
    r = y_pred - y_true
    return float(np.mean(np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))))


def _huber_sum(y_pred, y_true, delta=1.0):
    a = np.abs(y_pred - y_true)
    return float(np.sum(np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))))


register(Spec(
    name="losses.huber",
    reference=L.huber,
    visible_cases=_huber_cases,
    hidden_cases=_huber_hidden_cases,
    mistakes=[
        Mistake("the two branches are swapped: r**2 / 2 where |r| <= delta (small residuals), "
                "delta (|r| - delta / 2) beyond (large ones)", _huber_swapped),
        Mistake("the linear part is delta (|r| - delta / 2): without the / 2 the two pieces do not meet at "
                "|r| = delta", _huber_no_half_delta),
        Mistake("the linear part is delta * (|r| - delta / 2): the factor delta in front is missing (it only "
                "makes no difference for delta = 1)", _huber_no_delta_factor),
        Mistake("use the argument delta, not the number 1: the linear part starts at |r| = delta and is "
                "delta (|r| - delta / 2)", _huber_fixed_delta),
        Mistake("the quadratic part is r**2 / 2 (half of it), so that it meets the linear part smoothly at "
                "|r| = delta", _huber_no_half_square),
        Mistake("compare |r| with delta, not r: a large negative residual is an outlier too "
                "(np.abs(y_pred - y_true))", _huber_signed),
        Mistake("the loss is the mean over the elements, not the sum", _huber_sum),
    ],
    blocked=("nnlib.losses.huber",),
))


# ====================================================================== huber_grad


def _huber_grad_cases():
    rng = _rng(430)
    y_true = rng.normal(size=6)
    residual = np.array([0.1, -0.3, 0.45, -0.6, 1.2, -2.5])
    return [
        Case("hand-worked: the worked example, delta = 1 (gradient [-0.125, 0.125, 0, 0.25])",
             (Y_PRED.copy(), Y_TRUE.copy()), essential=True),
        Case("the outlier: last target 17, delta = 1 (its entry stops at -delta / 4 = -0.25)",
             (Y_PRED.copy(), Y_OUTLIER.copy()), essential=True),
        Case("delta = 0.5, residuals on both sides of it", (y_true + residual, y_true), {"delta": 0.5},
             essential=True),
    ]


def _huber_grad_hidden_cases():
    rng = case_rng(431)
    y_true = rng.normal(size=(3, 4))
    f32 = case_rng(432)
    return [
        Case("random (3, 4), delta = 2", (y_true + _away_from(rng, (3, 4), 0.1, 5.0), y_true), {"delta": 2.0}),
        Case("random (8,), delta = 0.1", _regression_pair(case_rng(433), 8), {"delta": 0.1}),
        Case("random (2, 2, 3), default delta", _regression_pair(case_rng(434), (2, 2, 3), 2.0)),
        Case("edge: every residual large, delta = 0.25", (np.array([3.0, -4.0, 10.0]), np.zeros(3)),
             {"delta": 0.25}),
        Case("float32 (2, 4) on a grid of quarters, delta = 1: the gradient stays float32",
             (_quarters(f32, (2, 4)), _quarters(f32, (2, 4)))),
    ]


def _huber_grad_gradient(func):
    """Compare the student's gradient with centred differences of nnlib's huber (residuals away from +-delta)."""
    rng = _rng(435)
    y_true = rng.normal(size=(3, 3))
    y_pred = y_true + np.array([[0.2, -0.4, 0.9], [-1.6, 2.5, -0.05], [1.3, -3.0, 0.6]])
    numeric = numerical_gradient(lambda p: L.huber(p, y_true, delta=1.0), y_pred.copy())
    return [("dL/dy_pred of Huber (delta = 1), shape (3, 3), h = 1e-5",
             _error(func(y_pred.copy(), y_true.copy(), delta=1.0), numeric))]


def _huber_grad_no_n(y_pred, y_true, delta=1.0):
    return np.clip(y_pred - y_true, -delta, delta)


def _huber_grad_sign(y_pred, y_true, delta=1.0):
    return np.clip(y_true - y_pred, -delta, delta) / y_pred.size


def _huber_grad_clip_one(y_pred, y_true, delta=1.0):
    return np.clip(y_pred - y_true, -1.0, 1.0) / y_pred.size


def _huber_grad_no_clip(y_pred, y_true, delta=1.0):
    return (y_pred - y_true) / y_pred.size


def _huber_grad_sign_only(y_pred, y_true, delta=1.0):
    return delta * np.sign(y_pred - y_true) / y_pred.size


def _huber_grad_float64(y_pred, y_true, delta=1.0):
    return np.clip(y_pred.astype(float) - y_true, -delta, delta) / y_pred.size


register(Spec(
    name="losses.huber_grad",
    reference=L.huber_grad,
    visible_cases=_huber_grad_cases,
    hidden_cases=_huber_grad_hidden_cases,
    mistakes=[
        Mistake("the 1/N is missing: the loss is a mean over the elements, so divide by y_pred.size",
                _huber_grad_no_n),
        Mistake("the sign: d/dy_pred of r**2 / 2 is +r with r = y_pred - y_true", _huber_grad_sign),
        Mistake("clip at -delta and +delta (the argument), not at -1 and 1", _huber_grad_clip_one),
        Mistake("beyond |r| = delta the slope of delta (|r| - delta / 2) is delta * sign(r): clip r to "
                "[-delta, delta]; unclipped, an outlier pulls as hard as under MSE", _huber_grad_no_clip),
        Mistake("inside |r| <= delta the slope is r itself (from r**2 / 2); delta * sign(r) is only the slope "
                "beyond (are the two branches swapped?): np.clip(r, -delta, delta) covers both",
                _huber_grad_sign_only),
        Mistake(f"{_KEEP_DTYPE}: .astype(float) makes float32 float64", _huber_grad_float64),
    ],
    blocked=("nnlib.losses.huber_grad",),
    gradient=_huber_grad_gradient,
    check_dtype=True,
    fresh_output=True,
))


# ====================================================================== binary_cross_entropy


def _bce_cases():
    return [
        Case("hand-worked: y = [1, 0, 1, 0], p = [0.9, 0.2, 0.6, 0.4] (BCE 0.3375)", (BCE_P.copy(), BCE_Y.copy()),
             essential=True),
        Case("edge: p = 0 for a sample of class 1 (clip p to [1e-12, 1 - 1e-12]: its term is "
             "-log(1e-12) = 27.6, not inf)",
             (np.array([0.0, 0.3]), np.array([1.0, 0.0])), essential=True),
        Case("edge: p = 1 for a sample of class 0, and p exactly 1 and 0 where they are right",
             (np.array([1.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0])), essential=True),
        Case("random (5, 2)", (_rng(440).uniform(0.01, 0.99, size=(5, 2)),
                               _rng(441).integers(0, 2, size=(5, 2)).astype(float))),
    ]


def _bce_hidden_cases():
    rng = case_rng(442)
    return [
        Case("random (8,)", (rng.uniform(0.01, 0.99, size=8), rng.integers(0, 2, size=8).astype(float))),
        Case("soft targets in [0, 1], (4, 3)", (rng.uniform(0.05, 0.95, size=(4, 3)), rng.uniform(0, 1, size=(4, 3)))),
        Case("edge: confidently wrong, p = 1e-15 for y = 1 (clipped to 1e-12)",
             (np.array([1e-15, 0.5]), np.array([1.0, 0.0])), essential=True),
        Case("edge: p exactly 0 and 1 where they are right (the loss is about 1e-12)",
             (np.array([1.0, 0.0, 1.0, 0.0]), np.array([1.0, 0.0, 1.0, 0.0]))),
        Case("edge: a single sample, shape (1, 1)", (np.array([[0.3]]), np.array([[1.0]]))),
    ]


def _bce_unclipped(p, y):
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _bce_clip_low_only(p, y):
    p = np.maximum(p, 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _bce_keras_eps(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _bce_no_minus(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _bce_only_positive(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p)))


def _bce_sum(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _bce_log10(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p)))


def _bce_swapped(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean((1 - y) * np.log(p) + y * np.log(1 - p)))


register(Spec(
    name="losses.bce",
    reference=L.binary_cross_entropy,
    visible_cases=_bce_cases,
    hidden_cases=_bce_hidden_cases,
    mistakes=[
        # Clipping only from below fails where the unclipped loss fails too, with the same inf: its hint first.
        Mistake("clip both ends: 1 - p is 0 when p = 1, and log(1 - p) is -inf there too: "
                "np.clip(p, 1e-12, 1 - 1e-12)", _bce_clip_low_only),
        Mistake("log(0) = -inf: clip p first, p = np.clip(p, 1e-12, 1 - 1e-12), so a confidently wrong "
                "prediction costs a large but finite amount", _bce_unclipped),
        Mistake("clip with eps = 1e-12 as the exercise says (nnlib.losses.EPS); 1e-7 (Keras's default) caps "
                "a confident mistake at -log(1e-7) = 16.1 instead of 27.6", _bce_keras_eps),
        Mistake("the minus sign is missing: log p <= 0, so -(y log p + (1 - y) log(1 - p)) makes the loss "
                "positive", _bce_no_minus),
        Mistake("the term of the class-0 samples is missing: (1 - y) log(1 - p) is what punishes a high p "
                "where y = 0", _bce_only_positive),
        Mistake("the loss is the mean over the samples, not the sum", _bce_sum),
        Mistake("use the natural logarithm, np.log, not np.log10", _bce_log10),
        Mistake("y multiplies log p and (1 - y) multiplies log(1 - p): the two terms are swapped",
                _bce_swapped),
    ],
    blocked=("nnlib.losses.binary_cross_entropy", "nnlib.losses.focal_loss"),
))


# ====================================================================== bce_with_logits


def _bcel_cases():
    return [
        Case("hand-worked: z = [2, -1, 0, 3], y = [1, 0, 1, 0]",
             (np.array([2.0, -1.0, 0.0, 3.0]), np.array([1.0, 0.0, 1.0, 0.0])), essential=True),
        Case("edge: |z| = 1e4, z = [1e4, -1e4, 1e4, -1e4], y = [0, 1, 1, 0] (loss 5000, no overflow, no warning)",
             (np.array([1e4, -1e4, 1e4, -1e4]), np.array([0.0, 1.0, 1.0, 0.0])), essential=True),
        Case("random (6, 1)", (3.0 * _rng(450).normal(size=(6, 1)),
                               _rng(451).integers(0, 2, size=(6, 1)).astype(float))),
    ]


def _bcel_hidden_cases():
    rng = case_rng(452)
    return [
        Case("random (9,)", (4.0 * rng.normal(size=9), rng.integers(0, 2, size=9).astype(float))),
        Case("soft targets, (3, 4)", (2.0 * rng.normal(size=(3, 4)), rng.uniform(0, 1, size=(3, 4)))),
        Case("edge: z = -800 and 800, where exp(800) overflows", (np.array([-800.0, 800.0, -800.0]),
                                                                  np.array([1.0, 1.0, 0.0])), essential=True),
        Case("edge: random z in [-1e4, 1e4], (4, 3)", (case_rng(453).uniform(-1e4, 1e4, size=(4, 3)),
                                                      case_rng(454).integers(0, 2, size=(4, 3)).astype(float)),
             essential=True),
        Case("edge: z = 40, beyond where sigmoid(z) rounds to 1 in float64", (np.array([40.0, -40.0]),
                                                                              np.array([0.0, 1.0]))),
    ]


def _bcel_naive(z, y):
    p = 1 / (1 + np.exp(-z))
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _bcel_clipped_sigmoid(z, y):
    p = np.clip(sigmoid(z), 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _bcel_log_sigmoid(z, y):
    p = sigmoid(z)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _bcel_no_abs(z, y):
    return float(np.mean(np.maximum(z, 0) - z * y + np.log(1 + np.exp(-z))))


def _bcel_softplus(z, y):
    return float(np.mean(np.log(1 + np.exp(z)) - z * y))


def _bcel_sign(z, y):
    return float(np.mean(np.maximum(z, 0) + z * y + np.log(1 + np.exp(-np.abs(z)))))


def _bcel_no_max(z, y):
    return float(np.mean(-z * y + np.log(1 + np.exp(-np.abs(z)))))


_LOG_OF_SIGMOID = ("never take the log of sigmoid(z): for |z| = 1e4 the sigmoid is exactly 0.0 or 1.0 in float64 "
                   "(and a naive np.exp(-z) overflows), so log(p) or log(1 - p) is -inf. Compute from z "
                   "directly: max(z, 0) - z y + log(1 + exp(-|z|)), whose exp never exceeds 1")
_EXP_OVERFLOWS = ("np.exp(1e4) overflows: write log(1 + exp(z)) as max(z, 0) + log(1 + exp(-|z|)), "
                  "whose exp(-|z|) is at most 1, so the loss is max(z, 0) - z y + log(1 + exp(-|z|))")

register(Spec(
    name="losses.bce_with_logits",
    reference=L.binary_cross_entropy_with_logits,
    visible_cases=_bcel_cases,
    hidden_cases=_bcel_hidden_cases,
    # Mistakes that fail the |z| = 1e4 case with the same output and warning share a hint.
    mistakes=[
        Mistake(_LOG_OF_SIGMOID, _bcel_naive),
        Mistake(_LOG_OF_SIGMOID, _bcel_log_sigmoid),
        Mistake("clipping sigmoid(z) hides the overflow but caps the loss at -log(1e-12) = 27.6: a logit of 1e4 "
                "on the wrong side costs 1e4. Compute from z: max(z, 0) - z y + log(1 + exp(-|z|))",
                _bcel_clipped_sigmoid),
        Mistake(_EXP_OVERFLOWS, _bcel_no_abs),
        Mistake(_EXP_OVERFLOWS, _bcel_softplus),
        Mistake("the sign of z y: the loss is max(z, 0) - z y + log(1 + exp(-|z|))", _bcel_sign),
        Mistake("max(z, 0) is missing: log(1 + exp(z)) = max(z, 0) + log(1 + exp(-|z|)) for every z",
                _bcel_no_max),
    ],
    blocked=("nnlib.losses.binary_cross_entropy_with_logits",),
))


# ====================================================================== softmax_cross_entropy


def _sce_cases():
    return [
        # The batch first: a single row hides mistakes of the axis and of the label indexing.
        Case("hand-worked: a batch of two, z = [[2, 1, 0.1], [0.5, 2.5, 0]], labels [0, 2] (mean 1.5569)",
             (SOFTMAX_Z.copy(), SOFTMAX_LABELS.copy()), essential=True),
        Case("hand-worked: z = [[2, 1, 0.1]], label 0 (L = logsumexp(z) - z[0] = 0.4170)",
             (SOFTMAX_Z[:1].copy(), SOFTMAX_LABELS[:1].copy()), essential=True),
        Case("edge: confidently wrong, z = [[-800, 0, 0]], label 0 "
             "(L = 800 + log 2; softmax(z)[0] underflows to 0)",
             (np.array([[-800.0, 0.0, 0.0]]), np.array([0])), essential=True),
        Case("edge: logits of +-1e4, z = [[1e4, 0, -1e4], [-1e4, 1e4, 0]], labels [2, 1] (L = 1e4, no overflow)",
             (HUGE_Z.copy(), HUGE_LABELS.copy()), essential=True),
        Case("random (5, 4)", (2.0 * _rng(460).normal(size=(5, 4)), _labels(_rng(461), 5, 4))),
    ]


def _sce_hidden_cases():
    rng = case_rng(462)
    return [
        Case("random (8, 3)", (3.0 * rng.normal(size=(8, 3)), _labels(rng, 8, 3))),
        Case("random (3, 10)", (rng.normal(size=(3, 10)), _labels(rng, 3, 10))),
        Case("two classes, (6, 2)", (2.0 * rng.normal(size=(6, 2)), _labels(rng, 6, 2))),
        Case("edge: a single sample", (rng.normal(size=(1, 4)), np.array([3]))),
        Case("edge: as many samples as classes, (3, 3) (labels are not one-hot rows)",
             (rng.normal(size=(3, 3)), np.array([2, 0, 1])), essential=True),
        Case("edge: rows of very different scales, [1, 2, 3] and [800, 900, 1000] (subtract each row's own max)",
             (np.array([[1.0, 2.0, 3.0], [800.0, 900.0, 1000.0]]), np.array([0, 1])), essential=True),
        Case("edge: a row of equal huge logits [1e4, 1e4, 1e4] (L = log 3)",
             (np.array([[1e4, 1e4, 1e4]]), np.array([1]))),
    ]


def _log_softmax_rows(z):
    shifted = z - np.max(z, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def _sce_no_max(z, labels):
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


def _sce_softmax_then_log(z, labels):
    p = softmax(z)
    return float(-np.mean(np.log(p[np.arange(len(labels)), labels])))


def _sce_global_max(z, labels):
    shifted = z - np.max(z)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


def _sce_onehot(z, labels):
    return float(-np.sum(labels * _log_softmax_rows(z)) / z.shape[0])


def _sce_columns(z, labels):
    return float(-np.mean(_log_softmax_rows(z)[:, labels]))


def _sce_sum(z, labels):
    return float(-np.sum(_log_softmax_rows(z)[np.arange(len(labels)), labels]))


def _sce_no_minus(z, labels):
    return float(np.mean(_log_softmax_rows(z)[np.arange(len(labels)), labels]))


def _sce_axis0(z, labels):
    shifted = z - np.max(z, axis=0, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


def _sce_mean_over_classes(z, labels):
    onehot = np.eye(z.shape[1])[labels]
    return float(-np.mean(onehot * _log_softmax_rows(z)))


register(Spec(
    name="losses.softmax_cross_entropy",
    reference=L.softmax_cross_entropy,
    visible_cases=_sce_cases,
    hidden_cases=_sce_hidden_cases,
    # The global max first: where it fails (rows of different scales) the unshifted exp fails with the same
    # inf; the unshifted exp fails first on the 1e4 case, where the global max is still right.
    mistakes=[
        Mistake("subtract each row's own maximum (axis=1, keepdims=True), not the maximum of the whole batch: "
                "a row far below it underflows to exp(...) = 0 and its log is -inf", _sce_global_max),
        Mistake("np.exp(1e4) overflows: subtract each row's maximum before np.exp, log-sum-exp style: "
                "logsumexp(z) = m + log(sum(exp(z - m))) with m = z.max(axis=1, keepdims=True)", _sce_no_max),
        Mistake("softmax first, then log: the probability of a confidently wrong class underflows to 0 and "
                "log(0) is -inf. Take the log-probabilities directly: log p = (z - m) - log(sum(exp(z - m)))",
                _sce_softmax_then_log),
        Mistake("labels holds one integer class per sample, shape (N,), not one-hot rows: pick each row's "
                "log-probability with log_p[np.arange(N), labels]", _sce_onehot),
        Mistake("log_p[:, labels] takes whole columns, an (N, N) array: use log_p[np.arange(N), labels], "
                "one entry per row", _sce_columns),
        Mistake("the loss is the mean over the N samples, not the sum", _sce_sum),
        Mistake("the minus sign: L = -log p_label, which is >= 0", _sce_no_minus),
        Mistake("the softmax normalises each row (each sample's classes): take the max and the sum along "
                "axis=1, not axis=0", _sce_axis0),
        Mistake("sum over the classes and average over the samples only: dividing by N * C as well makes the "
                "loss C times too small", _sce_mean_over_classes),
    ],
    blocked=("nnlib.losses.softmax_cross_entropy", "nnlib.losses.softmax_cross_entropy_with_grad"),
))


# ====================================================================== softmax_cross_entropy_grad


def _sceg_cases():
    return [
        Case("hand-worked: z = [[2, 1, 0.1]], label 0 (gradient [-0.341, 0.242, 0.099])",
             (SOFTMAX_Z[:1].copy(), SOFTMAX_LABELS[:1].copy()), essential=True),
        Case("hand-worked: the batch of two, labels [0, 2]: (softmax(z) - onehot) / 2",
             (SOFTMAX_Z.copy(), SOFTMAX_LABELS.copy()), essential=True),
        Case("edge: logits of +-1e4, labels [2, 1] (no overflow)", (HUGE_Z.copy(), HUGE_LABELS.copy()),
             essential=True),
        Case("random (5, 4)", (2.0 * _rng(470).normal(size=(5, 4)), _labels(_rng(471), 5, 4))),
    ]


def _sceg_hidden_cases():
    rng = case_rng(472)
    f32 = case_rng(473)
    return [
        Case("random (8, 3)", (3.0 * rng.normal(size=(8, 3)), _labels(rng, 8, 3))),
        Case("random (2, 7)", (rng.normal(size=(2, 7)), _labels(rng, 2, 7))),
        Case("edge: as many samples as classes, (4, 4)", (rng.normal(size=(4, 4)), np.array([3, 3, 0, 1]))),
        Case("edge: rows of very different scales, [1, 2, 3] and [800, 900, 1000]",
             (np.array([[1.0, 2.0, 3.0], [800.0, 900.0, 1000.0]]), np.array([0, 1]))),
        Case("float32 logits (4, 3) on a grid of quarters: the gradient stays float32",
             (_quarters(f32, (4, 3)), _labels(f32, 4, 3))),
    ]


def _sceg_gradient(func):
    """Compare the student's gradient with centred differences of nnlib's softmax cross-entropy."""
    rng = _rng(474)
    z, labels = rng.normal(size=(3, 4)), np.array([1, 3, 0])
    numeric = numerical_gradient(lambda z_: L.softmax_cross_entropy(z_, labels), z.copy())
    return [("dL/dz of softmax cross-entropy, N = 3, C = 4, h = 1e-5", _error(func(z.copy(), labels.copy()), numeric))]


def _onehot(labels, c, dtype):
    return np.eye(c, dtype=dtype)[labels]


def _sceg_no_n(z, labels):
    return softmax(z) - _onehot(labels, z.shape[1], z.dtype)


def _sceg_sign(z, labels):
    return (_onehot(labels, z.shape[1], z.dtype) - softmax(z)) / z.shape[0]


def _sceg_softmax_only(z, labels):
    return softmax(z) / z.shape[0]


def _sceg_columns(z, labels):
    p = softmax(z)
    p[:, labels] -= 1
    return p / z.shape[0]


def _sceg_mean(z, labels):
    return (softmax(z) - _onehot(labels, z.shape[1], z.dtype)) / z.size


def _sceg_naive(z, labels):
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True) - _onehot(labels, z.shape[1], z.dtype)) / z.shape[0]


def _sceg_global_max(z, labels):
    e = np.exp(z - np.max(z))
    return (e / e.sum(axis=1, keepdims=True) - _onehot(labels, z.shape[1], z.dtype)) / z.shape[0]


def _sceg_float64(z, labels):
    return (softmax(z) - np.eye(z.shape[1])[labels]) / z.shape[0]


register(Spec(
    name="losses.softmax_cross_entropy_grad",
    reference=L.softmax_cross_entropy_grad,
    visible_cases=_sceg_cases,
    hidden_cases=_sceg_hidden_cases,
    mistakes=[
        Mistake("the 1/N is missing: the loss is the mean over the N samples, so dL/dz = (softmax(z) - onehot) / N",
                _sceg_no_n),
        Mistake("the sign: dL/dz = softmax(z) - onehot (the probabilities minus the targets), divided by N",
                _sceg_sign),
        Mistake("subtract 1 at each row's label: dL/dz = (softmax(z) - onehot) / N, and onehot has a 1 at "
                "(n, labels[n])", _sceg_softmax_only),
        Mistake("p[:, labels] -= 1 subtracts 1 in whole columns; subtract it at one entry per row: "
                "p[np.arange(N), labels] -= 1", _sceg_columns),
        Mistake("divide by N, the number of samples, not by N * C: the loss sums over the classes and "
                "averages over the samples only", _sceg_mean),
        Mistake("np.exp(1e4) overflows: subtract each row's maximum before np.exp (or call the stable "
                "softmax imported in the setup cell)", _sceg_naive),
        Mistake("subtract each row's own maximum (axis=1, keepdims=True), not the maximum of the whole batch",
                _sceg_global_max),
        Mistake(f"{_KEEP_DTYPE}: np.eye(C) is float64; build the one-hot rows in z's dtype, "
                "np.eye(C, dtype=z.dtype)[labels]", _sceg_float64),
    ],
    blocked=("nnlib.losses.softmax_cross_entropy_grad", "nnlib.losses.softmax_cross_entropy_with_grad"),
    gradient=_sceg_gradient,
    check_dtype=True,
    fresh_output=True,
))


# ====================================================================== hinge


def _hinge_cases():
    return [
        Case("hand-worked: s = [2, 0.5, -1], y = [1, 1, 1] (per sample 0, 0.5, 2; mean 0.8333)",
             (np.array([2.0, 0.5, -1.0]), np.array([1.0, 1.0, 1.0])), essential=True),
        Case("labels -1 and +1: s = [-2, 0.5, 1, -0.3], y = [-1, -1, 1, 1]",
             (np.array([-2.0, 0.5, 1.0, -0.3]), np.array([-1.0, -1.0, 1.0, 1.0])), essential=True),
        Case("random (6,)", (2.0 * _rng(480).normal(size=6), _rng(481).choice([-1.0, 1.0], size=6))),
    ]


def _hinge_hidden_cases():
    rng = case_rng(482)
    f32 = case_rng(483)
    return [
        Case("random (4, 2)", (2.0 * rng.normal(size=(4, 2)), rng.choice([-1.0, 1.0], size=(4, 2)))),
        Case("random (10,)", (rng.normal(size=10), rng.choice([-1.0, 1.0], size=10))),
        Case("edge: every margin at least 1 (loss 0)", (np.array([1.0, -2.0, 3.0]), np.array([1.0, -1.0, 1.0]))),
        Case("edge: on the margin, y s = 1 exactly (loss 0 there)", (np.array([1.0, -1.0]), np.array([1.0, -1.0]))),
        Case("float32 scores (2, 4) on a grid of quarters", (_quarters(f32, (2, 4)),
                                                            f32.choice([-1.0, 1.0], size=(2, 4)).astype(np.float32))),
    ]


def _hinge_ignores_y(s, y):
    return float(np.mean(np.maximum(0, 1 - s)))


def _hinge_zero_one(s, y):
    y = 2 * y - 1  # as if the labels were 0 and 1
    return float(np.mean(np.maximum(0, 1 - y * s)))


def _hinge_no_margin(s, y):
    return float(np.mean(np.maximum(0, -y * s)))


def _hinge_min(s, y):
    return float(np.mean(np.minimum(0, 1 - y * s)))


def _hinge_sum(s, y):
    return float(np.sum(np.maximum(0, 1 - y * s)))


def _hinge_np_max(s, y):
    return float(np.mean(np.max(0, 1 - y * s)))


def _hinge_no_clip(s, y):
    return float(np.mean(1 - y * s))


register(Spec(
    name="losses.hinge",
    reference=L.hinge,
    visible_cases=_hinge_cases,
    hidden_cases=_hinge_hidden_cases,
    mistakes=[
        Mistake("multiply each score by its label: the margin is y * s, so a score of -2 is right (loss 0) "
                "for y = -1 and badly wrong for y = +1", _hinge_ignores_y),
        Mistake("the labels are already -1 and +1: converting them with 2 y - 1 (meant for 0/1 labels) turns "
                "-1 into -3", _hinge_zero_one),
        Mistake("the margin is 1: max(0, 1 - y s); max(0, -y s) is the perceptron's loss, content with any "
                "right answer however close to the boundary", _hinge_no_margin),
        Mistake("max, not min: the loss is max(0, 1 - y s), zero once y s >= 1", _hinge_min),
        Mistake("the loss is the mean over the samples, not the sum", _hinge_sum),
        Mistake("np.max(0, x) is a reduction over an axis; the elementwise maximum with 0 is np.maximum(0, x)",
                _hinge_np_max),
        Mistake("clip at 0 with np.maximum(0, 1 - y s): a sample beyond the margin costs nothing, it must "
                "not earn a negative loss", _hinge_no_clip),
    ],
    blocked=("nnlib.losses.hinge",),
))
