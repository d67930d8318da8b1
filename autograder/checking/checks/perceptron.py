"""Checks of chapter 01_perceptron: step, mp_neuron, predict, update, train.

Each check has a hand-worked case a student can follow on paper, seeded
random cases and edge cases (a sum exactly at the threshold, a sample that
is already right, XOR that never converges).  Its catalogue lists the
mistakes students really make, each written the way a student would write
it, with the hint the student reads when their output matches it.

Three choices the notebook states too:

- **Outputs are floats of the input's precision.**  ``step``, ``mp_neuron``
  and ``predict`` return ``1.0`` / ``0.0`` like every activation in nnlib,
  float32 for float32 input (the dtype policy of docs/checks.md,
  ``check_dtype``): a boolean or integer array, or float64 from float32
  input, is reported as a wrong dtype, with a hint.  For a single number
  (``mp_neuron`` of one input) an int ``1`` is accepted, ``True`` is not.
  ``mp_neuron`` takes one input ``x`` (D,) or a batch (N, D), as the
  notebook's docstring says.  ``train`` creates its own weights, so its
  dtype is not checked and it has no float32 case.
- **Inputs are exact.**  Random data are small integers and learning rates
  are powers of two, so every sum is exact in float64 (and in float32): a
  correct implementation gets bit-identical results whatever order it adds
  in, and a sum that lands exactly on the threshold is a real edge case,
  not noise.
- **Essential cases** are the point of each exercise: the threshold at
  exactly 0 (step), the threshold theta and a batch (mp_neuron), the bias
  (predict, update), stopping at the first error-free epoch and at
  max_epochs (train).  While one fails, the exercise earns at most half its
  points.
"""
from __future__ import annotations

import numpy as np

from nnlib.activations import step
from nnlib.perceptron import mp_neuron, predict, train, update
from autograder.checking.secret import case_rng
from autograder.checking.spec import Case, Mistake, Spec, register

AND = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2) the truth-table inputs
GATES = {  # targets for the inputs AND, in its row order
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "NAND": np.array([1.0, 1.0, 1.0, 0.0]),
    "NOR": np.array([1.0, 0.0, 0.0, 0.0]),
    "XOR": np.array([0.0, 1.0, 1.0, 0.0]),
}


def _small_integers(rng, shape):
    """Random inputs in {-3, ..., 3} as floats: every sum of them is exact."""
    return rng.integers(-3, 4, size=shape).astype(float)


def _separable(rng, N, D):
    """N random integer samples labelled by a random line through them: learnable."""
    X = _small_integers(rng, (N, D))  # (N, D)
    w_true = rng.integers(-2, 3, size=D).astype(float)  # (D,)
    t = (X @ w_true + rng.integers(-1, 2) > 0).astype(float)  # (N,)
    return X, t


# ---------------------------------------------------------------- step


def _step_cases():
    rng = np.random.default_rng(0)
    return [
        Case("hand-worked: z = [-2, -0.5, 0, 0.5, 2] (z = 0 does not fire)",
             (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),), essential=True),
        Case("random 2-D z of shape (3, 4)", (rng.normal(size=(3, 4)),)),
    ]


def _step_hidden_cases():
    rng = case_rng(1)
    return [
        Case("random 1-D z of shape (7,)", (rng.normal(size=7),)),
        Case("random 3-D z of shape (2, 3, 4)", (rng.normal(size=(2, 3, 4)),)),
        Case("float32 z of shape (3, 4) with zeros: the output stays float32",
             (_small_integers(rng, (3, 4)).astype(np.float32),)),
        Case("edge: all zeros, shape (2, 3)", (np.zeros((2, 3)),)),
        Case("edge: tiny and huge values, -0.0", (np.array([-0.0, 1e-300, -1e-300, 1e300, -1e300]),)),
        Case("edge: a single value, shape (1,)", (np.array([3.5]),)),
        Case("edge: empty array, shape (0,)", (np.zeros(0),)),
    ]


def _step_fires_at_zero(z):
    return (z >= 0).astype(float)


def _step_returns_bool(z):
    return z > 0


def _step_returns_int(z):
    return np.where(z > 0, 1, 0)


def _step_python_if(z):
    return 1.0 if z > 0 else 0.0


def _step_loop_1d(z):
    return np.array([1.0 if v > 0 else 0.0 for v in z])


def _step_always_float64(z):
    return (z > 0).astype(float)


_KEEP_DTYPE = "float32 in, float32 out, as nnlib does"


register(Spec(
    name="perceptron.step",
    reference=step,
    visible_cases=_step_cases,
    hidden_cases=_step_hidden_cases,
    mistakes=[
        Mistake("the step fires only strictly above 0: use z > 0, not z >= 0 (step(0) is 0)",
                _step_fires_at_zero),
        Mistake("return numbers 1.0 / 0.0, not True / False: (z > 0).astype(z.dtype)", _step_returns_bool),
        Mistake("return floats 1.0 / 0.0, not the integers 1 / 0: (z > 0).astype(z.dtype)", _step_returns_int),
        Mistake(f"keep the input's precision ({_KEEP_DTYPE}): (z > 0).astype(z.dtype); "
                ".astype(float) always gives float64", _step_always_float64),
        Mistake("your loop handles 1-D arrays only; the vectorised (z > 0).astype(float) "
                "works for any shape", _step_loop_1d),
        Mistake("`if z > 0` asks one question about the whole array; compare elementwise "
                "instead: (z > 0).astype(float)", _step_python_if),
    ],
    blocked=("nnlib.activations.step",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- mp_neuron


def _mp_cases():
    w_and = np.array([1.0, 1.0])
    return [
        Case("hand-worked: AND neuron, x = [1, 1], w = [1, 1], theta = 1.5 (fires)",
             (np.array([1.0, 1.0]), w_and, 1.5), essential=True),
        Case("hand-worked: AND neuron, x = [1, 0], w = [1, 1], theta = 1.5 (silent)",
             (np.array([1.0, 0.0]), w_and, 1.5), essential=True),
        Case("edge: h = x . w exactly equal to theta does not fire",
             (np.array([1.0, 1.0]), w_and, 2.0), essential=True),
        Case("negative threshold: x = [0, 0] fires when theta < 0",
             (np.array([0.0, 0.0]), w_and, -0.5)),
        Case("a batch: the AND truth table, x of shape (4, 2), theta = 1.5", (AND, w_and, 1.5), essential=True),
    ]


def _mp_hidden_cases():
    rng = case_rng(2)
    cases = []
    for i, D in enumerate((3, 5, 8)):
        x = rng.integers(0, 2, size=D).astype(float)  # (D,) binary inputs, as in 1943
        w = _small_integers(rng, D)  # (D,)
        cases.append(Case(f"random neuron with D = {D} inputs", (x, w, float(rng.integers(-2, 3)) + 0.5)))
    cases += [
        Case("edge: inhibitory weight, h = -1 below theta = 0", (np.array([1.0, 1.0]), np.array([1.0, -2.0]), 0.0)),
        Case("edge: h exactly theta = 0 with a negative weight", (np.array([1.0, 1.0]), np.array([1.0, -1.0]), 0.0)),
        Case("edge: one input", (np.array([1.0]), np.array([0.5]), 0.25)),
        Case("random batch, x of shape (6, 3)",
             (rng.integers(0, 2, size=(6, 3)).astype(float), _small_integers(rng, 3), 0.5), essential=True),
        Case("float32 batch, x of shape (5, 3): the output stays float32",
             (rng.integers(0, 2, size=(5, 3)).astype(np.float32), _small_integers(rng, 3).astype(np.float32), 0.5)),
        Case("edge: a batch of one, x of shape (1, 2), h = theta",
             (np.array([[1.0, 1.0]]), np.array([1.0, 1.0]), 2.0)),
    ]
    return cases


def _mp_one_input_only(x, w, theta):
    return 1.0 if np.dot(x, w) > theta else 0.0


def _mp_fires_at_theta(x, w, theta):
    return 1.0 if np.dot(x, w) >= theta else 0.0


def _mp_returns_bool(x, w, theta):
    return np.dot(x, w) > theta


def _mp_ignores_theta(x, w, theta):
    return 1.0 if np.dot(x, w) > 0 else 0.0


def _mp_returns_sum(x, w, theta):
    return np.dot(x, w)


def _mp_always_float64(x, w, theta):
    h = x @ w
    return float(h > theta) if np.ndim(x) == 1 else np.where(h > theta, 1.0, 0.0)


register(Spec(
    name="perceptron.mp_neuron",
    reference=mp_neuron,
    visible_cases=_mp_cases,
    hidden_cases=_mp_hidden_cases,
    mistakes=[
        Mistake("x may be a batch of inputs, shape (N, D): then h = x @ w is an array, so compare "
                "elementwise, np.where(h > theta, 1.0, 0.0) (and return a float for one input)",
                _mp_one_input_only),
        Mistake("a sum equal to the threshold does not fire: use h > theta, not h >= theta",
                _mp_fires_at_theta),
        Mistake("return 1.0 or 0.0, not True / False: e.g. float(h > theta)", _mp_returns_bool),
        Mistake("compare the sum h = x . w with the threshold theta, not with 0", _mp_ignores_theta),
        Mistake("you return the weighted sum h = x . w; the neuron outputs 1.0 when h > theta, else 0.0",
                _mp_returns_sum),
        Mistake(f"keep the input's precision for a batch ({_KEEP_DTYPE}): (h > theta).astype(h.dtype); "
                "np.where(h > theta, 1.0, 0.0) always gives float64", _mp_always_float64),
    ],
    blocked=("nnlib.perceptron.mp_neuron",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- predict


def _predict_cases():
    rng = np.random.default_rng(3)
    return [
        Case("hand-worked: AND gate, w = [1, 1], b = -1.5", (AND, np.array([1.0, 1.0]), -1.5), essential=True),
        Case("edge: samples exactly on the line (z = 0) do not fire",
             (np.array([[1.0, 1.0], [0.0, 0.0], [2.0, 0.0], [0.0, 2.0]]), np.array([1.0, -1.0]), 0.0)),
        Case("random X of shape (6, 3)", (_small_integers(rng, (6, 3)), _small_integers(rng, 3), 0.5)),
    ]


def _predict_hidden_cases():
    rng = case_rng(4)
    cases = [
        Case("OR gate, w = [1, 1], b = -0.5", (AND, np.array([1.0, 1.0]), -0.5), essential=True),
        Case("NAND gate, w = [-1, -1], b = 1.5", (AND, np.array([-1.0, -1.0]), 1.5), essential=True),
        Case("edge: z = 0 reached through the bias, b = -1", (AND, np.array([1.0, 0.5]), -1.0), essential=True),
    ]
    for N, D in ((10, 5), (7, 2), (1, 1), (25, 4)):
        X, w = _small_integers(rng, (N, D)), _small_integers(rng, D)
        cases.append(Case(f"random X of shape ({N}, {D})", (X, w, float(rng.integers(-3, 4)))))
    cases.append(Case("float32 AND gate, w = [1, 1], b = -1.5: the output stays float32",
                      (AND.astype(np.float32), np.ones(2, dtype=np.float32), -1.5)))
    return cases


def _predict_fires_at_zero(X, w, b):
    return (X @ w + b >= 0).astype(float)


def _predict_no_bias(X, w, b):
    return (X @ w > 0).astype(float)


def _predict_bias_as_threshold(X, w, b):
    return (X @ w > b).astype(float)


def _predict_returns_bool(X, w, b):
    return X @ w + b > 0


def _predict_returns_int(X, w, b):
    return np.where(X @ w + b > 0, 1, 0)


def _predict_returns_sum(X, w, b):
    return X @ w + b


def _predict_always_float64(X, w, b):
    return (X @ w + b > 0).astype(float)


register(Spec(
    name="perceptron.predict",
    reference=predict,
    visible_cases=_predict_cases,
    hidden_cases=_predict_hidden_cases,
    mistakes=[
        # First: it returns the right values, so it can only match a student whose values are right.
        Mistake(f"keep the input's precision ({_KEEP_DTYPE}): apply a step that keeps z's dtype, "
                "(z > 0).astype(z.dtype); .astype(float) always gives float64", _predict_always_float64),
        Mistake("you forgot the bias: compute z = X @ w + b, then the step", _predict_no_bias),
        Mistake("b is the bias, added to the sum (b = -theta): fire when X @ w + b > 0, "
                "not when X @ w > b", _predict_bias_as_threshold),
        Mistake("a sample exactly on the line (z = 0) does not fire: use z > 0, not z >= 0",
                _predict_fires_at_zero),
        Mistake("return 1.0 / 0.0, not True / False: apply your step (or .astype(float))",
                _predict_returns_bool),
        Mistake("return floats 1.0 / 0.0, not the integers 1 / 0: apply your step",
                _predict_returns_int),
        Mistake("you return z = X @ w + b; the perceptron outputs step(z), 1.0 where z > 0",
                _predict_returns_sum),
    ],
    blocked=("nnlib.perceptron.predict",),
    check_dtype=True,
    fresh_output=True,
))


# ---------------------------------------------------------------- update


def _update_cases():
    return [
        Case("hand-worked: first sample (1, 1) of AND from zero weights (z = 0, so y = 0, t = 1)",
             (np.array([0.0, 0.0]), 0.0, np.array([1.0, 1.0]), 1.0, 0.1), essential=True),
        Case("hand-worked: fired wrongly on (1, 0), t = 0",
             (np.array([0.5, 0.5]), 0.25, np.array([1.0, 0.0]), 0.0, 0.5), essential=True),
        Case("edge: already right (z = -0.25 < 0, t = 0): nothing changes",
             (np.array([0.5, 0.5]), -0.75, np.array([1.0, 0.0]), 0.0, 0.5), essential=True),
        Case("edge: already right (z = 0.25 > 0, t = 1): nothing changes",
             (np.array([0.5, 0.5]), -0.75, np.array([1.0, 1.0]), 1.0, 0.5)),
    ]


def _update_hidden_cases():
    rng = case_rng(5)
    cases = []
    for D, lr in ((3, 0.25), (5, 1.0), (2, 0.125), (8, 0.5)):
        w, x = _small_integers(rng, D) / 4, _small_integers(rng, D)
        b = float(rng.integers(-4, 5)) / 4
        t = 1.0 - float(x @ w + b > 0)  # a misclassified sample, so the rule acts
        cases.append(Case(f"random misclassified sample, D = {D}, lr = {lr}", (w, b, x, t, lr)))
    cases += [
        Case("edge: z exactly 0 with t = 0 (y = 0: nothing changes)",
             (np.array([1.0, -1.0]), 0.0, np.array([2.0, 2.0]), 0.0, 0.5)),
        Case("edge: z exactly 0 with t = 1 (y = 0: a mistake)",
             (np.array([1.0, -1.0]), 0.0, np.array([2.0, 2.0]), 1.0, 0.5)),
        Case("edge: negative inputs, t = 0", (np.array([0.5, 0.25]), 0.5, np.array([-1.0, 3.0]), 0.0, 0.25)),
        Case("the bias decides: x . w = 0.5 but b = -1, so y = 0 and t = 1 (a mistake)",
             (np.array([0.5, 0.0]), -1.0, np.array([1.0, 1.0]), 1.0, 0.5), essential=True),
        Case("float32 w and x (t = 1, y = 0): new_w stays float32",
             (np.array([0.5, -0.25, 0.0], dtype=np.float32), -0.5, np.array([1.0, 2.0, -1.0], dtype=np.float32),
              1.0, 0.25)),
    ]
    return cases


def _update_in_place(w, b, x, t, lr=0.1):
    y = 1.0 if x @ w + b > 0 else 0.0
    w += lr * (t - y) * x
    return w, b + lr * (t - y)


def _update_wrong_sign(w, b, x, t, lr=0.1):
    y = 1.0 if x @ w + b > 0 else 0.0
    return w + lr * (y - t) * x, b + lr * (y - t)


def _update_no_lr(w, b, x, t, lr=0.1):
    y = 1.0 if x @ w + b > 0 else 0.0
    return w + (t - y) * x, b + (t - y)


def _update_keeps_bias(w, b, x, t, lr=0.1):
    y = 1.0 if x @ w + b > 0 else 0.0
    return w + lr * (t - y) * x, b


def _update_bias_times_x(w, b, x, t, lr=0.1):
    y = 1.0 if x @ w + b > 0 else 0.0
    return w + lr * (t - y) * x, b + lr * (t - y) * x


def _update_fires_at_zero(w, b, x, t, lr=0.1):
    y = 1.0 if x @ w + b >= 0 else 0.0
    return w + lr * (t - y) * x, b + lr * (t - y)


def _update_no_bias_in_output(w, b, x, t, lr=0.1):
    y = 1.0 if x @ w > 0 else 0.0
    return w + lr * (t - y) * x, b + lr * (t - y)


register(Spec(
    name="perceptron.update",
    reference=update,
    visible_cases=_update_cases,
    hidden_cases=_update_hidden_cases,
    mistakes=[
        Mistake("`w += ...` changes the caller's array; return a new one: new_w = w + lr * (t - y) * x",
                _update_in_place, mutates=True),
        Mistake("the sign is reversed: the rule is w + lr * (t - y) * x (target minus output)",
                _update_wrong_sign),
        Mistake("multiply the correction by the learning rate: w + lr * (t - y) * x", _update_no_lr),
        Mistake("update the bias too: new_b = b + lr * (t - y) (the weight of a constant input 1)",
                _update_keeps_bias),
        Mistake("the bias is the weight of a constant input 1: new_b = b + lr * (t - y), without x",
                _update_bias_times_x),
        Mistake("compute y with the step of the perceptron: y = 1 only when x . w + b > 0 "
                "(z = 0 gives y = 0)", _update_fires_at_zero),
        Mistake("include the bias when computing the output: y = step(x . w + b)",
                _update_no_bias_in_output),
    ],
    blocked=("nnlib.perceptron.update",),
    output_names=("new_w", "new_b"),
    check_dtype=True,
))


# ---------------------------------------------------------------- train


def _train_cases():
    X, t = _separable(np.random.default_rng(6), 8, 2)
    return [
        Case("hand-worked: AND gate, lr = 0.1", (AND, GATES["AND"], 0.1, 100), essential=True),
        Case("XOR with max_epochs = 6: never converges, stops at max_epochs", (AND, GATES["XOR"], 0.1, 6),
             essential=True),
        Case("random separable data, X of shape (8, 2), lr = 0.5", (X, t, 0.5, 100)),
    ]


def _train_hidden_cases():
    cases = [
        Case("OR gate, lr = 1.0", (AND, GATES["OR"], 1.0, 100)),
        Case("NAND gate, lr = 0.25", (AND, GATES["NAND"], 0.25, 100)),
        Case("NOR gate, lr = 0.5", (AND, GATES["NOR"], 0.5, 100)),
        Case("XOR with max_epochs = 25, lr = 0.5", (AND, GATES["XOR"], 0.5, 25)),
        Case("edge: every target 0 from zero weights: one error-free epoch",
             (AND, GATES["AND"] * 0, 0.1, 100)),
        Case("edge: a single sample", (np.array([[2.0, -1.0]]), np.array([1.0]), 0.5, 100)),
    ]
    for seed, (N, D), lr in ((7, (12, 3), 0.25), (8, (20, 4), 1.0), (9, (30, 2), 0.5)):
        X, t = _separable(case_rng(seed), N, D)
        cases.append(Case(f"random separable data, X of shape ({N}, {D}), lr = {lr}", (X, t, lr, 100)))
    return cases


def _train_like_a_student(X, t, lr=0.1, max_epochs=100, *, fires_at_zero=False, use_bias=True,
                          fixed_lr=None, fixed_epochs=None, stop_early=True, keep_last_zero=True,
                          count_after_epoch=False, count_after_update=False, extra_epoch=False):
    """The perceptron rule, with switches for the mistakes students make."""
    lr = lr if fixed_lr is None else fixed_lr
    max_epochs = max_epochs if fixed_epochs is None else fixed_epochs
    w, b, errors = np.zeros(X.shape[1]), 0.0, []  # (D,)

    def output(x):
        z = x @ w + b
        return 1.0 if (z >= 0 if fires_at_zero else z > 0) else 0.0

    for _ in range(max_epochs + 1 if extra_epoch else max_epochs):
        n_wrong = 0
        for x, target in zip(X, t):
            y = output(x)
            w = w + lr * (target - y) * x
            b = b + lr * (target - y) if use_bias else b
            n_wrong += (output(x) if count_after_update else y) != target
        if count_after_epoch:
            z = X @ w + b  # (N,)
            n_wrong = int(np.sum(((z >= 0) if fires_at_zero else (z > 0)) != t))
        if n_wrong == 0 and not keep_last_zero and stop_early:
            break
        errors.append(int(n_wrong))
        if n_wrong == 0 and stop_early:
            break
    return w, b, errors


def _mistake(**switches):
    def wrong(X, t, lr=0.1, max_epochs=100):
        return _train_like_a_student(X, t, lr, max_epochs, **switches)
    return wrong


register(Spec(
    name="perceptron.train",
    reference=train,
    visible_cases=_train_cases,
    hidden_cases=_train_hidden_cases,
    mistakes=[
        Mistake("stop after the first epoch without a mistake: training has converged then",
                _mistake(stop_early=False)),
        Mistake("append the error count of every epoch, also the final 0 of the epoch that "
                "converged, then stop", _mistake(keep_last_zero=False)),
        Mistake("count a mistake while visiting each sample, before its update, not by "
                "predicting the whole set after the epoch", _mistake(count_after_epoch=True)),
        Mistake("use the learning rate passed as `lr`, not a fixed 0.1", _mistake(fixed_lr=0.1)),
        Mistake("stop after `max_epochs` epochs when the data never become error-free "
                "(XOR never does)", _mistake(fixed_epochs=100)),
        Mistake("learn the bias too: b = b + lr * (t - y) after every sample, starting from 0",
                _mistake(use_bias=False)),
        Mistake("run at most max_epochs epochs: `for epoch in range(max_epochs)` runs exactly that many "
                "(XOR with max_epochs = 6 has 6 error counts); your loop runs one more",
                _mistake(extra_epoch=True)),
        Mistake("count a sample as a mistake when the output *before* its update is wrong: compare "
                "step(x . w + b) with t first, then update (after the update it is often right already)",
                _mistake(count_after_update=True)),
        Mistake("the output is 1 only when x . w + b > 0: from zero weights z = 0, so y = 0",
                _mistake(fires_at_zero=True)),
    ],
    blocked=("nnlib.perceptron.train", "nnlib.perceptron.Perceptron.fit"),
    output_names=("w", "b", "errors"),
))
