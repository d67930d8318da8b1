"""Checks of chapter 05_optimizers: mini-batches, averages, update rules, a schedule, the training loop.

Student signatures (the notebook states each one in its exercise); each
check's reference is the nnlib function of the same name:

- ``minibatches(n, batch_size, rng, drop_last=False) -> list of index arrays``:
  ``order = rng.permutation(n)`` cut into ``ceil(n / batch_size)`` batches,
  the last one holding the remainder (left out with ``drop_last``).
  → ``nnlib.training.minibatches``
- ``ewma(x, beta, bias_correction=True) -> ndarray``: ``v_t = beta v_{t-1} +
  (1 - beta) x_t`` from ``v_0 = 0`` along axis 0, divided by ``1 - beta^t``
  when corrected.  → ``nnlib.update_rules.ewma``
- ``momentum_step(p, g, buf, lr, momentum, nesterov=False) -> (new_p, new_buf)``:
  PyTorch's form, ``buf`` None before the first step.
- ``rmsprop_step(p, g, v, lr, alpha=0.99, eps=1e-8) -> (new_p, new_v)``.
- ``adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8) -> (new_p, new_m, new_v)``.
- ``adamw_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01)``.
  → ``nnlib.update_rules``, the rules the optimizer classes run.
- ``cosine_lr(t, lr0, total, min_lr=0.0) -> float``: ``min_lr + (lr0 - min_lr)
  (1 + cos(pi t / total)) / 2`` up to ``t = total``, ``min_lr`` after.
  → ``nnlib.schedules.cosine_lr`` (= ``cosine(lr0, total, min_lr)(t)``)
- ``train_loop(params, X, y, epochs, batch_size, rng, *, forward, loss_grad,
  backward, update, batches) -> (params, losses)``: the pieces are passed in
  (nnlib's in every case, so a slip in another exercise never costs points
  here).  → ``nnlib.training.train_loop``

Two exercises are judged by behaviour before their values are compared,
so that the message says what is wrong in the words of the exercise:
``minibatches`` (a list of integer arrays, ``ceil(n / B)`` of them, their
sizes, every row once, then rng's order) and ``train_loop`` (a pair, one
loss per update, ``epochs * ceil(N / B)`` of them, then the losses and
weights of nnlib's loop on the same seed).  Randomness comes only from the
``rng`` argument; the cases pass a seeded Generator (shown as
``np.random.default_rng(seed)``), copied for every call, so a correct
function gives the reference's numbers exactly and the same seed always
gives the same result.  A shuffle from ``np.random`` or ``random`` is a
valid shuffle but not rng's, and the message says so.

Essential cases (while one fails, the exercise earns at most half its
points): the remainder batch (10 rows in batches of 4, and the notes' 800
rows in batches of 150, which make 6 updates, not 3); bias correction at
t = 1 (ewma of a constant, the hand-worked series; Adam's first step); the
momentum buffer starting at g (PyTorch) and its second step; RMSprop's
first step from v = 0 and a case where eps outside the root matters;
AdamW's decoupled decay on a weight whose gradient is 0; the cosine's
start, middle and end; train_loop's remainder batch and a run of several
epochs.

dtype: array outputs keep nnlib's dtype, float32 for float32 input (one
hidden float32 case each, on quarters and with learning rates and decays
that are powers of 2 where products must be exact).  ``momentum_step`` may
return ``g`` itself as the first buffer (``buf = g`` when ``buf`` is None):
no caller in this course writes into a gradient, so that alias is not an
error here (PyTorch clones it); the other rules' outputs must be new arrays.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from autograder.checking.compare import FLOAT32_RTOL, compare
from autograder.checking.secret import course_secret
from autograder.checking.spec import Case, Mistake, Spec, register
from nnlib import schedules, training, update_rules
from nnlib.losses import softmax_cross_entropy_with_grad
from nnlib.mlp import mlp_backward, mlp_forward
from nnlib.update_rules import Updater, adam_step, momentum_step, sgd_step

_KEEP_DTYPE = "keep the input's precision, float32 in, float32 out, as nnlib does"


class SeededRng(np.random.Generator):
    """``np.random.default_rng(seed)`` that says so in a failure message (and survives the engine's deep copies)."""

    def __init__(self, seed, shown=None):
        super().__init__(np.random.PCG64(seed))
        self._seed, self._shown = seed, shown or f"np.random.default_rng({seed})"

    def __repr__(self) -> str:
        return self._shown

    def __reduce__(self):
        return _seeded_again, (self._seed, self._shown, self.bit_generator.state)


def _seeded_again(seed, shown, state):
    rng = SeededRng(seed, shown)
    rng.bit_generator.state = state
    return rng


def _case_generator(seed: int) -> SeededRng:
    """The rng of a hidden case: drawn from the course secret (secret.case_rng's seeding), named without it."""
    secret = course_secret()
    if secret is None:
        return SeededRng(seed)
    return SeededRng([secret, seed], shown=f"a Generator seeded from the course secret (case {seed})")


def _data_rng(seed: int) -> np.random.Generator:
    secret = course_secret()
    return np.random.default_rng(seed if secret is None else [secret, seed])


def _quarters(rng, shape, low=-8, high=9):
    """float32 multiples of 1/4: sums and products by powers of 2 stay exact in float32."""
    return (rng.integers(low, high, size=shape) / 4).astype(np.float32)


def _reference(spec_reference, case):
    """The reference's output on fresh copies of a case's arguments (as the engine calls it)."""
    return spec_reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))


# ======================================================================= minibatches


def _mb_cases():
    return [
        Case("hand-worked: n = 10 rows, batch_size = 4 -> 3 batches of 4, 4 and 2 (the remainder last)",
             (10, 4, SeededRng(0)), essential=True),
        Case("the notes' 800 rows in batches of 150: ceil(800 / 150) = 6 batches, the last of 50 (not 3)",
             (800, 150, SeededRng(1)), essential=True),
        Case("n = 12, batch_size = 4: 4 divides 12, so 3 full batches and no empty one", (12, 4, SeededRng(2))),
        Case("drop_last=True: n = 10, batch_size = 4 -> the 2 remaining rows are left out",
             (10, 4, SeededRng(3)), {"drop_last": True}),
    ]


def _mb_hidden_cases():
    sizes = _data_rng(20)
    cases = []
    for seed in (21, 22, 23):
        n = int(sizes.integers(20, 200))
        b = int(sizes.integers(3, 40))
        cases.append(Case(f"random: n = {n}, batch_size = {b}", (n, b, _case_generator(seed))))
    cases += [
        Case("1000 rows in batches of 100: 10 batches", (1000, 100, _case_generator(24))),
        Case("batch_size = 1: stochastic gradient descent, one row per batch", (7, 1, _case_generator(25))),
        Case("batch_size larger than n: one batch of every row", (5, 9, _case_generator(26))),
        Case("batch_size = n: full batch", (6, 6, _case_generator(27))),
        Case("drop_last with n = 800, batch_size = 150: 5 batches", (800, 150, _case_generator(28)),
             {"drop_last": True}),
        Case("drop_last with batch_size larger than n: no batch at all", (5, 9, _case_generator(29)),
             {"drop_last": True}),
        Case("edge: n = 0, no rows: no batch", (0, 4, _case_generator(30))),
    ]
    return cases


def _count(n, b, drop_last):
    return n // b if drop_last else math.ceil(n / b)


def judge_minibatches(case, out):
    n, b, _rng = case.args
    drop_last = case.kwargs.get("drop_last", False)
    want = _reference(training.minibatches, case)
    if isinstance(out, np.ndarray):
        return (f"returned one array of shape {out.shape}; return a list of index arrays, one per batch: "
                f"[order[i:i + batch_size] for i in range(0, n, batch_size)]")
    if out is None:
        return "returned None (did you forget `return`?); return a list of index arrays, one per batch"
    if type(out).__name__ == "generator":
        return "returned a generator (a function with `yield`); return a list: the batches in a list"
    if not isinstance(out, (list, tuple)):
        return f"returned a {type(out).__name__}; return a list of index arrays, one per batch"
    for k, batch in enumerate(out):
        if not isinstance(batch, np.ndarray) or batch.ndim != 1 or not np.issubdtype(batch.dtype, np.integer):
            what = f"an array of dtype {batch.dtype} and shape {batch.shape}" if isinstance(batch, np.ndarray) \
                else f"a {type(batch).__name__}"
            return (f"batch {k} is {what}; each batch must be a 1-D integer array of row indices "
                    "(a slice of rng.permutation(n))")
    rule = (f"floor({n} / {b}) = {n // b} full batches (drop_last)" if drop_last
            else f"ceil({n} / {b}) = {math.ceil(n / b)} batches")
    if len(out) != len(want):
        sizes = [len(batch) for batch in out]
        shown = sizes if len(sizes) <= 12 else sizes[:6] + ["..."] + sizes[-3:]
        return f"returned {len(out)} batches (sizes {shown}); {n} rows in batches of {b} make {rule}"
    for k, (got, expected) in enumerate(zip(out, want)):
        if len(got) != len(expected):
            last = " (only the last batch is smaller: it holds the remainder)" if k < len(want) - 1 else ""
            return f"batch {k} has {len(got)} rows, expected {len(expected)}{last}"
    seen = np.concatenate(out) if out else np.zeros(0, dtype=int)
    if seen.size and (seen.min() < 0 or seen.max() >= n):
        return f"an index outside 0 .. {n - 1}: {int(seen.min() if seen.min() < 0 else seen.max())}"
    counts = np.bincount(seen, minlength=n)
    if np.any(counts > 1):
        twice = np.flatnonzero(counts > 1)
        return (f"{len(twice)} rows appear more than once (row {int(twice[0])} {int(counts[twice[0]])} times) "
                f"and {int(np.sum(counts == 0))} never: an epoch visits every row exactly once "
                "(sampling without replacement)")
    if not drop_last and np.any(counts == 0):
        return f"rows {np.flatnonzero(counts == 0)[:8].tolist()} are in no batch: every row must be in one"
    if not all(np.array_equal(got, expected) for got, expected in zip(out, want)):
        if np.array_equal(seen, np.arange(seen.size)):
            return "the rows come in their original order 0, 1, 2, ...: shuffle them, order = rng.permutation(n)"
        return ("a valid shuffle, but not the one rng gives: take the order from the rng passed in, "
                "order = rng.permutation(n), not from np.random, random.shuffle or rng.choice, "
                "so that the same seed always gives the same batches")
    return None


def _mb_drop_remainder(n, batch_size, rng, drop_last=False):
    order = rng.permutation(n)
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(n // batch_size)]


def _mb_ignore_drop_last(n, batch_size, rng, drop_last=False):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _mb_in_order(n, batch_size, rng, drop_last=False):
    order = np.arange(n)
    stop = n - n % batch_size if drop_last else n
    return [order[i:i + batch_size] for i in range(0, stop, batch_size)]


def _mb_array_split(n, batch_size, rng, drop_last=False):
    order = rng.permutation(n)
    count = n // batch_size if drop_last else math.ceil(n / batch_size)
    return [part for part in np.array_split(order, count)] if count else []


def _mb_one_too_many(n, batch_size, rng, drop_last=False):
    order = rng.permutation(n)
    count = n // batch_size if drop_last else n // batch_size + 1
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(count)]


def _mb_with_replacement(n, batch_size, rng, drop_last=False):
    order = rng.choice(n, size=n)
    stop = n - n % batch_size if drop_last else n
    return [order[i:i + batch_size] for i in range(0, stop, batch_size)]


def _mb_choice(n, batch_size, rng, drop_last=False):
    order = rng.choice(n, size=n, replace=False)
    stop = n - n % batch_size if drop_last else n
    return [order[i:i + batch_size] for i in range(0, stop, batch_size)]


def _mb_not_cut(n, batch_size, rng, drop_last=False):
    return rng.permutation(n)


register(Spec(
    name="optimizers.minibatches",
    reference=training.minibatches,
    visible_cases=_mb_cases,
    hidden_cases=_mb_hidden_cases,
    judge=judge_minibatches,
    mistakes=[
        Mistake("keep the remainder: the last batch holds the n % batch_size rows left over (range(0, n, "
                "batch_size) reaches them); only drop_last=True leaves them out", _mb_drop_remainder),
        Mistake("with drop_last=True leave the remainder out: stop at n - n % batch_size", _mb_ignore_drop_last),
        Mistake("shuffle first: order = rng.permutation(n), then cut order into batches (in the original order "
                "every epoch sees the same batches)", _mb_in_order),
        Mistake("np.array_split spreads the rows evenly over the batches; here every batch has batch_size rows "
                "and only the last one is smaller: order[i:i + batch_size]", _mb_array_split),
        Mistake("n // batch_size + 1 batches is one too many when batch_size divides n (the last one is empty): "
                "use math.ceil(n / batch_size), or slice with range(0, n, batch_size)", _mb_one_too_many),
        Mistake("rng.choice(n, n) draws with replacement: some rows twice, others never; an epoch visits every "
                "row once: order = rng.permutation(n)", _mb_with_replacement),
        Mistake("rng.choice(n, n, replace=False) is a valid shuffle, but a different one from "
                "rng.permutation(n), which the exercise (and nnlib's fit) uses: the same seed must give the "
                "same batches", _mb_choice),
        Mistake("cut the shuffled order into batches and return the list of them: "
                "[order[i:i + batch_size] for i in range(0, n, batch_size)]", _mb_not_cut),
    ],
    blocked=("nnlib.training.minibatches",),
))


# ======================================================================= ewma

EWMA_SERIES = np.array([10.0, 12.0, 14.0, 13.0, 15.0])  # (5,) the syllabus's short series


def _ewma_cases():
    rng = np.random.default_rng(40)
    return [
        Case("hand-worked: beta = 0.9 on (10, 12, 14, 13, 15), corrected: 10, 11.05, 12.14, 12.39, 13.03",
             (EWMA_SERIES, 0.9), essential=True),
        Case("hand-worked: the same series without correction: 1.0, 2.1, 3.29, 4.261, 5.3349",
             (EWMA_SERIES, 0.9), {"bias_correction": False}, essential=True),
        Case("a constant series of 1s, beta = 0.9, corrected: 1 at every t (the point of the correction)",
             (np.ones(8), 0.9), essential=True),
        Case("random series of 20 values, beta = 0.8", (3.0 + rng.normal(size=20), 0.8)),
    ]


def _ewma_hidden_cases():
    rng = _data_rng(41)
    return [
        Case("random series of 200 values, beta = 0.99", (5.0 + rng.normal(size=200), 0.99)),
        Case("vectors over time: x of shape (12, 3), beta = 0.95, averaged along axis 0",
             (rng.normal(size=(12, 3)), 0.95)),
        Case("vectors over time, uncorrected: x of shape (6, 2, 2), beta = 0.5",
             (rng.normal(size=(6, 2, 2)), 0.5), {"bias_correction": False}),
        Case("beta = 0: only the newest value counts", (rng.normal(size=9), 0.0)),
        Case("edge: a single value, corrected: the value itself", (np.array([4.25]), 0.9)),
        Case("edge: negative values, uncorrected", (-2.0 + rng.normal(size=15), 0.7), {"bias_correction": False}),
        Case("float32 series of quarters, beta = 0.5: the output stays float32", (_quarters(rng, 10), 0.5)),
    ]


def _ewma_loop(x, beta, bias_correction=True, *, correct=None, t_shift=0, feed_back=False, swap=False,
               start_at_x=False, dtype=None, last_only=False, in_place=False):
    """An EWMA written the way students write it, with switches for their mistakes."""
    correct = bias_correction if correct is None else correct
    out = x if in_place else np.zeros(x.shape, dtype=dtype or x.dtype)
    v = np.zeros_like(x[0]) if x.shape[0] else 0.0
    for i in range(x.shape[0]):
        a, b = (1 - beta, beta) if swap else (beta, 1 - beta)
        v = x[i] if (start_at_x and i == 0) else a * v + b * x[i]
        t = i + 1 + t_shift
        value = v / (1 - beta ** t) if correct else v
        if feed_back:
            v = value
        out[i] = value
    return out[-1] if last_only else out


def _ewma_mistake(**switches):
    def wrong(x, beta, bias_correction=True):
        return _ewma_loop(x, beta, bias_correction, **switches)
    return wrong


register(Spec(
    name="optimizers.ewma",
    reference=update_rules.ewma,
    visible_cases=_ewma_cases,
    hidden_cases=_ewma_hidden_cases,
    mistakes=[
        Mistake(f"{_KEEP_DTYPE}: np.zeros(len(x)) is always float64, np.zeros_like(x) keeps x's dtype",
                _ewma_mistake(dtype=np.float64)),
        Mistake("with bias_correction=True divide each v_t by 1 - beta**t (t = 1, 2, ...): the average starts "
                "at 0, so without it the first values are far too small", _ewma_mistake(correct=False)),
        Mistake("bias_correction=False asks for the raw average v_t, without dividing by 1 - beta**t",
                _ewma_mistake(correct=True)),
        Mistake("t counts from 1: the first value is divided by 1 - beta**1 = 1 - beta; with a 0-based loop "
                "index i, use 1 - beta**(i + 1)", _ewma_mistake(t_shift=-1)),
        Mistake("the correction is off by one step: divide v_t by 1 - beta**t with t = 1 for the first value, "
                "not 1 - beta**(t + 1)", _ewma_mistake(t_shift=1)),
        Mistake("keep the raw v_t in the recursion and correct only what you return: v_t = beta v_{t-1} + "
                "(1 - beta) x_t uses the uncorrected v_{t-1}", _ewma_mistake(feed_back=True)),
        Mistake("the old average is weighted by beta and the new value by 1 - beta: v_t = beta v_{t-1} + "
                "(1 - beta) x_t", _ewma_mistake(swap=True)),
        Mistake("start from v_0 = 0, so that v_1 = (1 - beta) x_1; starting at v_1 = x_1 is another average "
                "(pandas' adjust=False), and the bias correction assumes the zero start",
                _ewma_mistake(start_at_x=True)),
        Mistake("return the whole series of averages, one per value of x (same shape as x), not only the last",
                _ewma_mistake(last_only=True)),
        Mistake("write the averages into a new array (np.zeros_like(x)), not into x: the caller's series must "
                "not change", _ewma_mistake(in_place=True), mutates=True),
    ],
    blocked=("nnlib.update_rules.ewma",),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= momentum_step


def _momentum_cases():
    rng = np.random.default_rng(50)
    p, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    return [
        Case("hand-worked: the first step (buf None), p = [1, 2], g = [0.5, -1], lr = 0.1, momentum = 0.9: "
             "the buffer starts at g, p -> [0.95, 2.1]", (p, g, None, 0.1, 0.9), essential=True),
        Case("hand-worked: the second step, buf = [0.5, -1], same g: buf -> 1.9 g = [0.95, -1.9], "
             "p -> [0.855, 2.29]", (np.array([0.95, 2.1]), g, np.array([0.5, -1.0]), 0.1, 0.9), essential=True),
        Case("Nesterov: buf = [0.5, -1], g = [0.5, -1], lr = 0.1, momentum = 0.9: step along g + 0.9 * new buf",
             (np.array([0.95, 2.1]), g, np.array([0.5, -1.0]), 0.1, 0.9), {"nesterov": True}),
        Case("random W (3, 4) with a buffer, lr = 0.05, momentum = 0.8",
             (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 0.05, 0.8)),
    ]


def _momentum_hidden_cases():
    rng = _data_rng(51)
    return [
        Case("random b (5,) with a buffer, lr = 0.5, momentum = 0.99",
             (rng.normal(size=5), rng.normal(size=5), rng.normal(size=5), 0.5, 0.99)),
        Case("first step of a random W (4, 2), lr = 0.01, momentum = 0.9",
             (rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), None, 0.01, 0.9)),
        Case("momentum = 0: plain gradient descent, the buffer is g",
             (rng.normal(size=6), rng.normal(size=6), rng.normal(size=6), 0.1, 0.0)),
        Case("Nesterov, first step (buf None): step along g + momentum * g",
             (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), None, 0.1, 0.9), {"nesterov": True}),
        Case("Nesterov, random (3, 3) with a buffer, lr = 0.02, momentum = 0.5",
             (rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), 0.02, 0.5),
             {"nesterov": True}),
        Case("float32 p, g and buf (quarters), lr = 0.5, momentum = 0.5: the results stay float32",
             (_quarters(rng, (3, 2)), _quarters(rng, (3, 2)), _quarters(rng, (3, 2)), 0.5, 0.5)),
    ]


def _momentum_like_a_student(p, g, buf, lr, momentum, nesterov=False, *, dampening=False, notes_velocity=False,
                             ascend=False, old_buffer=False, ignore_nesterov=False, in_place=False):
    if notes_velocity:  # the notes' v <- mu v - lr g, p <- p + v, with v stored as the buffer
        v = -lr * g if buf is None else momentum * buf - lr * g
        return p + v, v
    if buf is None:
        new_buf = (1 - momentum) * g if dampening else g.copy()
    elif in_place:
        buf *= momentum
        buf += g
        new_buf = buf
    else:
        new_buf = momentum * buf + ((1 - momentum) * g if dampening else g)
    step = buf if (old_buffer and buf is not None) else new_buf
    if nesterov and not ignore_nesterov:
        step = g + momentum * new_buf
    return (p + lr * step if ascend else p - lr * step), new_buf


def _momentum_mistake(**switches):
    def wrong(p, g, buf, lr, momentum, nesterov=False):
        return _momentum_like_a_student(p, g, buf, lr, momentum, nesterov, **switches)
    return wrong


register(Spec(
    name="optimizers.momentum_step",
    reference=update_rules.momentum_step,
    visible_cases=_momentum_cases,
    hidden_cases=_momentum_hidden_cases,
    mistakes=[
        Mistake("PyTorch's buffer adds g itself: b = momentum * b + g, starting at b = g; "
                "b = momentum * b + (1 - momentum) * g is the averaging form (dampening), whose steps are "
                "1 / (1 - momentum) times smaller", _momentum_mistake(dampening=True)),
        Mistake("you return the notes' velocity v = momentum * v - lr * g as the buffer; this exercise keeps "
                "PyTorch's buffer b = momentum * b + g (v = -lr * b) and steps p - lr * b",
                _momentum_mistake(notes_velocity=True)),
        Mistake("descent subtracts the step: new_p = p - lr * new_buf", _momentum_mistake(ascend=True)),
        Mistake("update the buffer first, then step with the new one: new_buf = momentum * buf + g, "
                "new_p = p - lr * new_buf", _momentum_mistake(old_buffer=True)),
        Mistake("with nesterov=True step along g + momentum * new_buf, the look ahead with the *new* buffer, not "
                "along new_buf itself (which is g + momentum * the old buf)", _momentum_mistake(ignore_nesterov=True)),
        Mistake("buf *= momentum changes the caller's buffer; compute a new one: new_buf = momentum * buf + g",
                _momentum_mistake(in_place=True), mutates=True),
    ],
    blocked=("nnlib.update_rules.momentum_step", "nnlib.optimizers.Optimizer.step"),
    output_names=("new_p", "new_buf"),
    check_dtype=True,
))


# ======================================================================= rmsprop_step


def _rmsprop_cases():
    rng = np.random.default_rng(60)
    return [
        Case("hand-worked: first step from v = 0, p = [0], g = [2], lr = 0.01: v = 0.04 and the step is "
             "0.01 * 2 / 0.2 = 0.1, ten times lr (no bias correction)",
             (np.array([0.0]), np.array([2.0]), np.zeros(1), 0.01, 0.99, 1e-8), essential=True),
        Case("tiny gradients, where eps matters: g = [1e-6, -2e-6], v = 0, eps = 1e-8 added after the root",
             (np.array([1.0, -1.0]), np.array([1e-6, -2e-6]), np.zeros(2), 0.01, 0.99, 1e-8), essential=True),
        Case("random W (3, 4) with a running average v, lr = 0.01, alpha = 0.9",
             (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.uniform(0.1, 2.0, size=(3, 4)), 0.01, 0.9,
              1e-8)),
    ]


def _rmsprop_hidden_cases():
    rng = _data_rng(61)
    return [
        Case("random b (6,), alpha = 0.99 (the default)",
             (rng.normal(size=6), rng.normal(size=6), rng.uniform(0.01, 1.0, size=6), 0.001, 0.99, 1e-8)),
        Case("a gradient of 0 in one entry: that weight does not move",
             (rng.normal(size=4), np.array([0.0, 1.0, -3.0, 0.5]), rng.uniform(0.1, 1.0, size=4), 0.1, 0.9, 1e-8)),
        Case("large gradients (scale 100), alpha = 0.5",
             (rng.normal(size=(2, 3)), 100 * rng.normal(size=(2, 3)), rng.uniform(0, 1e4, size=(2, 3)), 0.01, 0.5,
              1e-8)),
        Case("a large eps = 0.1 (it still goes after the root)",
             (rng.normal(size=5), rng.normal(size=5), rng.uniform(0.01, 0.5, size=5), 0.1, 0.9, 0.1)),
        Case("float32 p, g (quarters) and v (quarters of positive numbers), lr = 0.5, alpha = 0.5: float32 out",
             (_quarters(rng, (2, 4)), _quarters(rng, (2, 4)), _quarters(rng, (2, 4), 1, 9), 0.5, 0.5, 1e-8)),
    ]


def _rmsprop_like_a_student(p, g, v, lr, alpha=0.99, eps=1e-8, *, eps_inside=False, no_root=False, swap=False,
                            old_v=False, no_decay_weight=False, plain_g=False, in_place=False):
    a, b = (1 - alpha, alpha) if swap else (alpha, 1 - alpha)
    grad_term = g if plain_g else g * g
    if in_place:
        v *= a
        v += b * grad_term
        new_v = v
    else:
        new_v = a * v + (grad_term if no_decay_weight else b * grad_term)
    used = v if old_v else new_v
    denom = np.sqrt(used + eps) if eps_inside else (used + eps if no_root else np.sqrt(used) + eps)
    return p - lr * g / denom, new_v


def _rmsprop_mistake(**switches):
    def wrong(p, g, v, lr, alpha=0.99, eps=1e-8):
        return _rmsprop_like_a_student(p, g, v, lr, alpha, eps, **switches)
    return wrong


register(Spec(
    name="optimizers.rmsprop_step",
    reference=update_rules.rmsprop_step,
    visible_cases=_rmsprop_cases,
    hidden_cases=_rmsprop_hidden_cases,
    mistakes=[
        Mistake("eps goes after the square root, sqrt(new_v) + eps, as in PyTorch (sqrt(v + eps), as some notes "
                "write it, differs where v is tiny)", _rmsprop_mistake(eps_inside=True)),
        Mistake("divide by the root mean square, np.sqrt(new_v) + eps, not by new_v itself",
                _rmsprop_mistake(no_root=True)),
        Mistake("the old average keeps the weight alpha and the new g**2 gets 1 - alpha: "
                "new_v = alpha * v + (1 - alpha) * g**2", _rmsprop_mistake(swap=True)),
        Mistake("update v first, then divide by the new one: new_v = alpha * v + (1 - alpha) * g**2, "
                "step lr * g / (sqrt(new_v) + eps)", _rmsprop_mistake(old_v=True)),
        Mistake("the new squared gradient is weighted by 1 - alpha: new_v = alpha * v + (1 - alpha) * g**2 "
                "(without it v is a leaky sum, not an average)", _rmsprop_mistake(no_decay_weight=True)),
        Mistake("v averages the *squared* gradient, g**2 (g * g), not g", _rmsprop_mistake(plain_g=True)),
        Mistake("v *= alpha changes the caller's array; compute a new one: new_v = alpha * v + (1 - alpha) * g**2",
                _rmsprop_mistake(in_place=True), mutates=True),
    ],
    blocked=("nnlib.update_rules.rmsprop_step", "nnlib.optimizers.Optimizer.step"),
    output_names=("new_p", "new_v"),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= adam_step and adamw_step


def _adam_cases():
    rng = np.random.default_rng(70)
    g = np.array([0.1, -2.0])
    m1, v1 = 0.1 * g, 0.001 * g**2  # the state after the first step
    return [
        Case("hand-worked: the first step (t = 1) from m = v = 0, g = [0.1, -2], lr = 0.01: m_hat = g, "
             "v_hat = g**2, so p moves by lr * sign(g) = [-0.01, 0.01]",
             (np.zeros(2), g, np.zeros(2), np.zeros(2), 1), {"lr": 0.01}, essential=True),
        Case("hand-worked: the second step (t = 2) with the same g: still [-0.01, 0.01]",
             (np.array([-0.01, 0.01]), g, m1, v1, 2), {"lr": 0.01}, essential=True),
        Case("tiny gradients, where eps matters: g = [1e-7, -3e-8], t = 1 (eps after the root of v_hat)",
             (np.ones(2), np.array([1e-7, -3e-8]), np.zeros(2), np.zeros(2), 1), {"lr": 0.001}),
        Case("random W (3, 4) at step t = 5, lr = 0.01",
             (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 0.1 * rng.normal(size=(3, 4)),
              rng.uniform(0.01, 0.5, size=(3, 4)), 5), {"lr": 0.01}),
    ]


def _adam_hidden_cases():
    rng = _data_rng(71)
    return [
        Case("first step of a random W (4, 3) with the default hyperparameters",
             (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), np.zeros((4, 3)), np.zeros((4, 3)), 1)),
        Case("late step t = 1000: the correction has faded",
             (rng.normal(size=5), rng.normal(size=5), 0.1 * rng.normal(size=5), rng.uniform(0.1, 1, size=5), 1000),
             {"lr": 0.001}),
        Case("other betas (0.8, 0.9) at t = 3, lr = 0.05",
             (rng.normal(size=(2, 2)), rng.normal(size=(2, 2)), 0.1 * rng.normal(size=(2, 2)),
              rng.uniform(0.1, 1, size=(2, 2)), 3), {"lr": 0.05, "beta1": 0.8, "beta2": 0.9}),
        Case("a gradient of 0 in one entry at t = 1: that weight does not move",
             (np.ones(3), np.array([0.0, 0.5, -1.0]), np.zeros(3), np.zeros(3), 1), {"lr": 0.1}),
        Case("a large eps = 0.1 at t = 2",
             (rng.normal(size=4), rng.normal(size=4), 0.1 * rng.normal(size=4), rng.uniform(0.01, 0.1, size=4), 2),
             {"lr": 0.01, "eps": 0.1}),
        Case("float32 p, g, m, v (quarters) at t = 2, lr = 0.5: the results stay float32",
             (_quarters(rng, (3, 2)), _quarters(rng, (3, 2)), _quarters(rng, (3, 2)), _quarters(rng, (3, 2), 1, 9),
              2), {"lr": 0.5}),
    ]


def _adam_like_a_student(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=None, *,
                         correct=True, t_shift=0, eps_inside=False, no_eps=False, return_hats=False, swap_betas=False,
                         paper_form=False, no_m_weight=False, in_place=False, decay="decoupled"):
    if weight_decay is not None and decay == "coupled":
        g = g + weight_decay * p
    if weight_decay is not None and decay in ("decoupled", "without_lr", "grows"):
        shrink = {"decoupled": 1 - lr * weight_decay, "without_lr": 1 - weight_decay,
                  "grows": 1 + lr * weight_decay}[decay]
        p = p * shrink
    b1, b2 = (beta2, beta1) if swap_betas else (beta1, beta2)
    if in_place:
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        new_m, new_v = m, v
    else:
        new_m = b1 * m + (g if no_m_weight else (1 - b1) * g)
        new_v = b2 * v + (1 - b2) * g * g
    tt = t + t_shift
    m_hat = new_m / (1 - b1**tt) if correct else new_m
    v_hat = new_v / (1 - b2**tt) if correct else new_v
    if paper_form:  # Kingma & Ba's "efficient" version: eps at another scale
        step = lr * math.sqrt(1 - b2**t) / (1 - b1**t) * new_m / (np.sqrt(new_v) + eps)
    elif eps_inside:
        step = lr * m_hat / np.sqrt(v_hat + eps)
    elif no_eps:
        step = lr * m_hat / np.sqrt(v_hat)
    else:
        step = lr * m_hat / (np.sqrt(v_hat) + eps)
    new_p = p - step
    if weight_decay is not None and decay == "after":
        new_p = new_p * (1 - lr * weight_decay)
    if weight_decay is not None and decay == "inside":
        new_p = new_p - lr * weight_decay * p / (np.sqrt(v_hat) + eps)
    if return_hats:
        return new_p, m_hat, v_hat
    return new_p, new_m, new_v


def _adam_mistake(**switches):
    def wrong(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        return _adam_like_a_student(p, g, m, v, t, lr, beta1, beta2, eps, **switches)
    return wrong


_ADAM_MISTAKES = [
    ("no bias correction: divide by m_hat = new_m / (1 - beta1**t) and v_hat = new_v / (1 - beta2**t); at t = 1 "
     "the uncorrected step is 0.1 / sqrt(0.001) = 3.16 times too large", dict(correct=False)),
    ("t is the number of this step, 1 for the first: correct with 1 - beta**t, not 1 - beta**(t - 1) "
     "(which is 0 at t = 1)", dict(t_shift=-1)),
    ("the correction is off by one step: use 1 - beta1**t and 1 - beta2**t with the t you are given, not t + 1",
     dict(t_shift=1)),
    ("eps goes after the square root: lr * m_hat / (np.sqrt(v_hat) + eps), as in PyTorch (inside the root it "
     "changes the step where v_hat is tiny)", dict(eps_inside=True)),
    ("add eps to the root, np.sqrt(v_hat) + eps: without it tiny (or zero) gradients give huge steps "
     "(or 0 / 0)", dict(no_eps=True)),
    ("that is the paper's 'efficient' form, lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + eps), "
     "where eps sits at another scale; compute m_hat and v_hat, then lr * m_hat / (np.sqrt(v_hat) + eps) "
     "as PyTorch does", dict(paper_form=True)),
    ("return the new averages new_m and new_v as the state, not the corrected m_hat and v_hat (the correction "
     "is redone at every step from the raw averages)", dict(return_hats=True)),
    ("beta1 belongs to m (the average of g) and beta2 to v (the average of g**2)", dict(swap_betas=True)),
    ("the new gradient is weighted by 1 - beta1: new_m = beta1 * m + (1 - beta1) * g", dict(no_m_weight=True)),
    ("m *= beta1 changes the caller's array; compute new ones: new_m = beta1 * m + (1 - beta1) * g",
     dict(in_place=True)),
]

register(Spec(
    name="optimizers.adam_step",
    reference=update_rules.adam_step,
    visible_cases=_adam_cases,
    hidden_cases=_adam_hidden_cases,
    mistakes=[Mistake(hint, _adam_mistake(**switches), mutates=switches.get("in_place", False))
              for hint, switches in _ADAM_MISTAKES],
    blocked=("nnlib.update_rules.adam_step", "nnlib.optimizers.Optimizer.step"),
    output_names=("new_p", "new_m", "new_v"),
    check_dtype=True,
    fresh_output=True,
))


def _adamw_cases():
    rng = np.random.default_rng(80)
    return [
        Case("hand-worked: p = [1, 1], g = [0, 1], lr = 0.1, weight_decay = 0.1, t = 1: AdamW gives "
             "[0.99, 0.89] (Adam + L2 would give [0.9, 0.9])",
             (np.ones(2), np.array([0.0, 1.0]), np.zeros(2), np.zeros(2), 1), {"lr": 0.1, "weight_decay": 0.1},
             essential=True),
        Case("a weight with g = 0 and no history shrinks by exactly lr * weight_decay: p = [2, -4], t = 3, "
             "lr = 0.01, weight_decay = 0.5",
             (np.array([2.0, -4.0]), np.zeros(2), np.zeros(2), np.zeros(2), 3), {"lr": 0.01, "weight_decay": 0.5},
             essential=True),
        Case("random W (3, 4) at t = 4, lr = 0.01, weight_decay = 0.01 (the default)",
             (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 0.1 * rng.normal(size=(3, 4)),
              rng.uniform(0.01, 0.5, size=(3, 4)), 4), {"lr": 0.01}),
    ]


def _adamw_hidden_cases():
    rng = _data_rng(81)
    return [
        Case("first step of a random W (4, 3), lr = 0.05, weight_decay = 0.2",
             (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), np.zeros((4, 3)), np.zeros((4, 3)), 1),
             {"lr": 0.05, "weight_decay": 0.2}),
        Case("tiny gradients at t = 1, where eps matters: g = [1e-7, -3e-8], weight_decay = 0.1",
             (np.ones(2), np.array([1e-7, -3e-8]), np.zeros(2), np.zeros(2), 1), {"lr": 0.01, "weight_decay": 0.1}),
        Case("weight_decay = 0: exactly Adam",
             (rng.normal(size=5), rng.normal(size=5), 0.1 * rng.normal(size=5), rng.uniform(0.1, 1, size=5), 7),
             {"lr": 0.01, "weight_decay": 0.0}),
        Case("large weights (scale 10) at t = 20, lr = 0.1, weight_decay = 0.1",
             (10 * rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), 0.1 * rng.normal(size=(2, 3)),
              rng.uniform(0.1, 1, size=(2, 3)), 20), {"lr": 0.1, "weight_decay": 0.1}),
        Case("other betas (0.8, 0.9) at t = 2",
             (rng.normal(size=4), rng.normal(size=4), 0.1 * rng.normal(size=4), rng.uniform(0.1, 1, size=4), 2),
             {"lr": 0.01, "beta1": 0.8, "beta2": 0.9, "weight_decay": 0.05}),
        Case("float32 p, g, m, v (quarters) at t = 2, lr = 0.5, weight_decay = 0.5: the results stay float32",
             (_quarters(rng, (3, 2)), _quarters(rng, (3, 2)), _quarters(rng, (3, 2)), _quarters(rng, (3, 2), 1, 9),
              2), {"lr": 0.5, "weight_decay": 0.5}),
    ]


def _adamw_mistake(**switches):
    def wrong(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        return _adam_like_a_student(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, **switches)
    return wrong


register(Spec(
    name="optimizers.adamw_step",
    reference=update_rules.adamw_step,
    visible_cases=_adamw_cases,
    hidden_cases=_adamw_hidden_cases,
    mistakes=[
        Mistake("that is Adam + L2: the decay added to g is then divided by sqrt(v_hat) like a gradient; AdamW "
                "shrinks the weight itself, p * (1 - lr * weight_decay), and steps with the plain g",
                _adamw_mistake(decay="coupled")),
        Mistake("shrink the weight before the Adam step, from the old p: new_p = p * (1 - lr * weight_decay) - "
                "lr * m_hat / (np.sqrt(v_hat) + eps), not (p - step) * (1 - lr * weight_decay)",
                _adamw_mistake(decay="after")),
        Mistake("the decay is scaled by the learning rate: p * (1 - lr * weight_decay)",
                _adamw_mistake(decay="without_lr")),
        Mistake("decay shrinks the weight: p * (1 - lr * weight_decay), with a minus",
                _adamw_mistake(decay="grows")),
        Mistake("keep the decay out of the adaptive step: it is not divided by np.sqrt(v_hat) + eps (that would "
                "be L2 again); shrink p by the factor 1 - lr * weight_decay", _adamw_mistake(decay="inside")),
        Mistake("AdamW is Adam with its bias correction: m_hat = new_m / (1 - beta1**t), v_hat = new_v / "
                "(1 - beta2**t)", _adamw_mistake(correct=False)),
        Mistake("eps goes after the square root: lr * m_hat / (np.sqrt(v_hat) + eps)",
                _adamw_mistake(eps_inside=True)),
        Mistake("return the new averages new_m and new_v as the state, not the corrected m_hat and v_hat",
                _adamw_mistake(return_hats=True)),
    ],
    blocked=("nnlib.update_rules.adamw_step", "nnlib.update_rules.adam_step", "nnlib.optimizers.Optimizer.step"),
    output_names=("new_p", "new_m", "new_v"),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= cosine_lr


def _cosine_cases():
    return [
        Case("hand-worked: lr0 = 0.1, total = 50, t = 0: the start, 0.1", (0, 0.1, 50), essential=True),
        Case("hand-worked: t = 1: 0.0999 (the cosine starts flat)", (1, 0.1, 50)),
        Case("hand-worked: t = 25, half way: 0.05", (25, 0.1, 50), essential=True),
        Case("hand-worked: t = 50 = total: the end, 0", (50, 0.1, 50), essential=True),
        Case("min_lr = 0.01: t = 10 of total = 20 with lr0 = 0.3 gives 0.155", (10, 0.3, 20, 0.01)),
        Case("after the end, t = 60 > total = 50: it stays at min_lr = 0.001", (60, 0.1, 50, 0.001)),
    ]


def _cosine_hidden_cases():
    rng = _data_rng(90)
    cases = []
    for k in range(4):
        total = int(rng.integers(5, 200))
        t = int(rng.integers(0, total + 1))
        cases.append(Case(f"random: t = {t}, total = {total}", (t, float(rng.uniform(0.01, 1.0)), total,
                                                               float(rng.uniform(0.0, 0.005)))))
    cases += [
        Case("t = total - 1: just above min_lr", (99, 0.5, 100, 0.05)),
        Case("min_lr > 0 at t = total: exactly min_lr", (30, 0.2, 30, 0.02)),
        Case("total = 1: t = 0 gives lr0, t = 1 min_lr", (1, 0.4, 1, 0.1)),
        Case("long after the end: t = 10 * total", (500, 0.1, 50, 0.0)),
        Case("t as a NumPy integer", (np.int64(12), 0.1, 48, 0.0)),
    ]
    return cases


def _cosine_like_a_student(t, lr0, total, min_lr=0.0, *, shift=0, denominator_shift=0, no_half=False,
                           no_one=False, no_clamp=False, ignore_min=False, linear=False, no_pi=False):
    tt = t + shift
    span = total + denominator_shift
    if not no_clamp:
        tt = min(tt, span)
    progress = tt / span
    if linear:
        return min_lr + (lr0 - min_lr) * (1 - progress)
    angle = progress if no_pi else math.pi * progress
    wave = math.cos(angle) if no_one else 1 + math.cos(angle)
    shape = wave if no_half else wave / 2
    return lr0 * shape if ignore_min else min_lr + (lr0 - min_lr) * shape


def _cosine_mistake(**switches):
    def wrong(t, lr0, total, min_lr=0.0):
        return _cosine_like_a_student(t, lr0, total, min_lr, **switches)
    return wrong


register(Spec(
    name="optimizers.cosine_lr",
    reference=schedules.cosine_lr,
    visible_cases=_cosine_cases,
    hidden_cases=_cosine_hidden_cases,
    mistakes=[
        Mistake("the schedule is off by one step: t = 0 gives lr0 (cos 0 = 1), so use pi * t / total, "
                "not pi * (t + 1) / total", _cosine_mistake(shift=1)),
        Mistake("divide by total, not total - 1: the cosine reaches min_lr at t = total",
                _cosine_mistake(denominator_shift=-1)),
        Mistake("(1 + cos) runs from 2 to 0: halve it, (lr0 - min_lr) * (1 + cos(pi * t / total)) / 2",
                _cosine_mistake(no_half=True)),
        Mistake("use 1 + cos(...): cos alone runs from 1 to -1 and would go below min_lr",
                _cosine_mistake(no_one=True)),
        Mistake("after t = total stay at min_lr (clip t to total): the cosine would climb back up",
                _cosine_mistake(no_clamp=True)),
        Mistake("the schedule falls to min_lr, not to 0: min_lr + (lr0 - min_lr) * (1 + cos(pi * t / total)) / 2",
                _cosine_mistake(ignore_min=True)),
        Mistake("that is a straight line; the cosine schedule is min_lr + (lr0 - min_lr) * "
                "(1 + cos(pi * t / total)) / 2", _cosine_mistake(linear=True)),
        Mistake("the angle runs from 0 to pi: cos(pi * t / total), not cos(t / total)", _cosine_mistake(no_pi=True)),
    ],
    blocked=("nnlib.schedules.cosine_lr", "nnlib.schedules.cosine"),
))


# ======================================================================= train_loop

ACTIVATIONS = ["relu", "identity"]


class Piece:
    """A function handed to train_loop, shown in a failure message as the line that defines it."""

    def __init__(self, func, shown: str):
        self.func, self.shown = func, shown

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return self.shown


def _forward(Xb, params):
    return mlp_forward(Xb, params, ACTIVATIONS)


def _backward(dA_out, caches, params):
    return mlp_backward(dA_out, caches, params, ACTIVATIONS)


PIECES = {
    "forward": Piece(_forward, "lambda X, params: mlp_forward(X, params, ['relu', 'identity'])"),
    "loss_grad": Piece(softmax_cross_entropy_with_grad,
                       "softmax_cross_entropy_with_grad  # (A_out, y) -> (loss, dA_out)"),
    "backward": Piece(_backward, "lambda dA, caches, params: mlp_backward(dA, caches, params, ['relu', 'identity'])"),
    "batches": Piece(training.minibatches, "nnlib's minibatches  # (n, batch_size, rng) -> list of index arrays"),
}


def _problem(rng, N, D, H, C, dtype=np.float64):
    """Data (N, D) with labels in 0..C-1, and a D-H-C network's (W, b) pairs."""
    X = rng.normal(size=(N, D))  # (N, D)
    y = rng.integers(0, C, size=N)  # (N,)
    params = [(rng.normal(scale=0.5, size=(D, H)), np.zeros(H)), (rng.normal(scale=0.5, size=(H, C)), np.zeros(C))]
    if dtype == np.float32:  # quarters: every product in the first forward pass is exact
        X = (np.round(4 * X) / 4).astype(np.float32)
        params = [(np.round(4 * W).astype(np.float32) / 4, b.astype(np.float32)) for W, b in params]
    return params, X, y


def _loop_case(label, rng, N, B, epochs, update, seed, generator=SeededRng, dtype=np.float64, essential=False):
    params, X, y = _problem(rng, N, 3, 4, 3, dtype)
    return Case(label, (params, X, y, epochs, B, generator(seed)), {**PIECES, "update": update}, essential=essential)


def _loop_cases():
    rng = np.random.default_rng(100)
    return [
        _loop_case("10 rows in batches of 4 for 3 epochs, SGD lr = 0.5: 3 x ceil(10 / 4) = 9 updates, "
                   "the last batch of each epoch holds the remaining 2 rows", rng, 10, 4, 3,
                   Updater(sgd_step, lr=0.5), 7, essential=True),
        _loop_case("20 rows in batches of 5 for 8 epochs, Adam lr = 0.05: 32 updates, the loss falls", rng, 20, 5, 8,
                   Updater(adam_step, lr=0.05), 8, essential=True),
        _loop_case("full batch: 6 rows in one batch of 6, 4 epochs, momentum 0.9: 4 updates", rng, 6, 6, 4,
                   Updater(momentum_step, lr=0.1, momentum=0.9), 9),
    ]


def _loop_hidden_cases():
    rng = _data_rng(101)
    return [
        _loop_case("stochastic: 7 rows in batches of 1 for 2 epochs: 14 updates", rng, 7, 1, 2,
                   Updater(sgd_step, lr=0.1), 102, _case_generator),
        _loop_case("23 rows in batches of 8 for 5 epochs, Adam: 15 updates", rng, 23, 8, 5,
                   Updater(adam_step, lr=0.01), 103, _case_generator),
        _loop_case("batch larger than the data: 5 rows, batch_size 16, 3 epochs: 3 updates", rng, 5, 16, 3,
                   Updater(sgd_step, lr=0.5), 104, _case_generator),
        _loop_case("one epoch of 12 rows in batches of 5 (5, 5, 2)", rng, 12, 5, 1,
                   Updater(momentum_step, lr=0.05, momentum=0.5, nesterov=True), 105, _case_generator),
        _loop_case("edge: 0 epochs: no update, the weights as given", rng, 8, 3, 0,
                   Updater(sgd_step, lr=0.5), 106, _case_generator),
        _loop_case("float32 data and weights (quarters), SGD lr = 0.25: the weights stay float32", rng, 8, 4, 2,
                   Updater(sgd_step, lr=0.25), 107, _case_generator, dtype=np.float32),
    ]


def judge_train_loop(case, out):
    params0, X, y, epochs, batch_size, _rng = case.args
    want_params, want_losses = _reference(training.train_loop, case)
    N = len(X)
    if not isinstance(out, tuple) or len(out) != 2:
        got = "None (did you forget `return`?)" if out is None else f"a {type(out).__name__}"
        return f"returned {got}; return the pair (params, losses)"
    params, losses = out
    if isinstance(losses, np.ndarray):
        losses = losses.tolist()
    if not isinstance(losses, (list, tuple)):
        return f"losses is a {type(losses).__name__}; return a list with the loss of every update"
    per_epoch = math.ceil(N / batch_size)
    if len(losses) != len(want_losses):
        return (f"losses has {len(losses)} entries; {epochs} epochs of {N} rows in batches of {batch_size} make "
                f"{epochs} x ceil({N} / {batch_size}) = {epochs} x {per_epoch} = {len(want_losses)} updates, "
                "one loss each")
    try:
        got_losses = np.array(losses, dtype=float)  # (updates,)
    except (TypeError, ValueError):
        return "losses must hold numbers: append float(loss) for every batch"
    rtol = FLOAT32_RTOL if X.dtype == np.float32 else 1e-7
    for k, (got, want) in enumerate(zip(got_losses, want_losses)):
        if not abs(got - want) <= rtol * max(1e-8, abs(got) + abs(want)):
            epoch, batch = divmod(k, per_epoch)
            return (f"the loss of update {k} (epoch {epoch}, batch {batch}) is {float(got)!r}, expected {want!r}; "
                    f"all expected losses: {np.round(want_losses, 4).tolist()}")
    mismatch = compare([tuple(pair) for pair in want_params], params, 1e-7, check_dtype=True, part="params")
    if mismatch:
        return f"{mismatch.part or 'params'}: {mismatch.detail}"
    return None


def _loop_like_a_student(params, X, y, epochs, batch_size, rng, forward, loss_grad, backward, update, batches, *,
                         drop_remainder=False, in_order=False, shuffle_once=False, whole_batch=False,
                         keep_params=False, loss_after=False, per_epoch=False, extra_epoch=False,
                         all_targets=False, no_rng=False):
    N = len(X)
    losses = []
    fixed = batches(N, batch_size, rng) if shuffle_once else None
    for _ in range(epochs + 1 if extra_epoch else epochs):
        if in_order:
            epoch_batches = [np.arange(N)[i:i + batch_size] for i in range(0, N, batch_size)]
        elif fixed is not None:
            epoch_batches = fixed
        else:
            epoch_batches = batches(N, batch_size) if no_rng else batches(N, batch_size, rng)
        if drop_remainder:
            epoch_batches = epoch_batches[:N // batch_size]
        epoch_losses = []
        for idx in epoch_batches:
            Xb = X if whole_batch else X[idx]
            yb = y if (whole_batch or all_targets) else y[idx]
            A_out, caches = forward(Xb, params)
            loss, dA_out = loss_grad(A_out, yb)
            grads = backward(dA_out, caches, params)
            new_params = update(params, grads)
            if loss_after:
                loss, _ = loss_grad(forward(Xb, new_params)[0], yb)
            if not keep_params:
                params = new_params
            epoch_losses.append(float(loss))
        if per_epoch:
            losses.append(float(np.mean(epoch_losses)) if epoch_losses else 0.0)
        else:
            losses += epoch_losses
    return params, losses


def _loop_mistake(**switches):
    def wrong(params, X, y, epochs, batch_size, rng, *, forward, loss_grad, backward, update, batches):
        return _loop_like_a_student(params, X, y, epochs, batch_size, rng, forward, loss_grad, backward, update,
                                    batches, **switches)
    return wrong


register(Spec(
    name="optimizers.train_loop",
    reference=training.train_loop,
    visible_cases=_loop_cases,
    hidden_cases=_loop_hidden_cases,
    judge=judge_train_loop,
    mistakes=[
        Mistake("train on every batch, also the last, smaller one: the N % batch_size remaining rows are a batch "
                "too (an epoch is ceil(N / batch_size) updates)", _loop_mistake(drop_remainder=True)),
        Mistake("take the batches from batches(len(X), batch_size, rng): a new shuffled order every epoch, not "
                "the rows in their original order", _loop_mistake(in_order=True)),
        Mistake("call batches(...) inside the epoch loop: every epoch needs a new order (called once, every "
                "epoch repeats the first epoch's batches)", _loop_mistake(shuffle_once=True)),
        Mistake("run each step on the batch's rows only, X[idx] and y[idx], not on the whole data set",
                _loop_mistake(whole_batch=True)),
        Mistake("keep the new weights: params = update(params, grads) (update returns new arrays and leaves "
                "the ones it is given unchanged)", _loop_mistake(keep_params=True)),
        Mistake("record the loss computed in the forward pass, before the update, not a second one after it",
                _loop_mistake(loss_after=True)),
        Mistake("append the loss of every batch (one entry per update), not one per epoch",
                _loop_mistake(per_epoch=True)),
        Mistake("run exactly `epochs` epochs: for epoch in range(epochs)", _loop_mistake(extra_epoch=True)),
        Mistake("take the batch's own targets, y[idx], with its rows X[idx]", _loop_mistake(all_targets=True)),
        Mistake("pass the rng to batches: batches(len(X), batch_size, rng), so that the seed decides the order",
                _loop_mistake(no_rng=True)),
    ],
    blocked=("nnlib.training.train_loop", "nnlib.training.fit"),
    output_names=("params", "losses"),
))
