"""Checks of chapter 07_regularization: penalties, the SGD step with L2, dropout, early stopping, soft-thresholding.

Student signatures (the notebook states each one in its exercise); the
references are in :mod:`nnlib.regularization` unless said otherwise.  A
network's parameters are chapter 05's list of ``(W, b)`` pairs.

- ``l2_penalty(params, lam) -> float``: ``lam * sum_l sum W_l^2``, biases
  left out.  → ``mlp_l2_penalty``
- ``l2_grad(params, lam) -> list of (dW, db)``: ``(2 lam W, zeros like b)``.
  → ``mlp_l2_grad``
- ``l1_penalty(params, lam) -> float`` and ``l1_grad(params, lam)``: ``lam *
  sum |W|`` and ``(lam sign(W), zeros like b)``, with ``sign(0) = 0``.
  → ``mlp_l1_penalty``, ``mlp_l1_grad``
- ``sgd_step_l2(params, grads, lr, lam) -> list of (W, b)``: ``W - lr (dW +
  2 lam W)``, ``b - lr db``, new arrays; the numbers of
  ``SGD(weight_decay=2 * lam)`` on the weights.  → ``sgd_step_l2``
- ``dropout_forward(X, p_drop, rng, training) -> (Y, mask)``: inverted
  dropout with ``p_drop`` the probability of *dropping*; while training
  ``mask = (rng.random(X.shape) >= p_drop) / (1 - p_drop)`` (0 or
  ``1 / (1 - p_drop)``, X's dtype) and ``Y = X * mask``; at test time
  ``Y = X`` (a copy) and ``mask`` all ones.  → ``nnlib.functional.dropout_forward``
  (its cache's mask; ones when it keeps everything)
- ``dropout_backward(dY, mask) -> dX = dY * mask``: the same mask, so a
  dropped unit gets no gradient and a kept one the same 1 / (1 - p_drop).
  → ``nnlib.functional.dropout_backward``
- ``early_stopping(val_losses, patience, min_delta=0.0) -> (best_epoch,
  stop_epoch)``: 0-based epochs, an improvement is ``loss < best -
  min_delta``, stop after ``patience`` epochs in a row without one;
  ``stop_epoch`` None when training would run to the end.  → ``early_stopping``
- ``soft_threshold(w, t) -> sign(w) max(|w| - t, 0)``.  → ``soft_threshold``

``dropout_forward`` is judged by behaviour before its values are compared,
so that the message says what is wrong in the words of the exercise: a
pair of arrays shaped like X; at test time the identity and a mask of ones;
while training a mask of 0 and ``1 / (1 - p_drop)`` only (0 and 1 is the
mask before scaling, 0 and ``1 - p_drop`` the notes' classic dropout),
``Y = X * mask``, about ``p_drop`` of the units dropped (not ``1 - p_drop``,
the notes' keep-probability convention), then rng's own draw.  The cases
pass a seeded Generator shown as ``np.random.default_rng(seed)``, copied for
each call, so a correct function gives nnlib's mask exactly.

Essential cases (while one fails, the exercise earns at most half its
points): the chapter's worked example w = (0.5, -2, 0) with lam = 0.01 for
the penalties, their gradients and the SGD step; a network with biases for
each (the biases are not penalised); the zero weight of the L1 subgradient;
the worked dropout example (h = (1, 2, 3, 4), p_drop = 0.25) and its test
mode; the ten validation losses of the chapter with patience 2, 3 and 3 with
min_delta = 0.01; the soft-threshold example (0.3, -0.05, 0.002, -1.0) at t = 0.1.

dtype: array outputs keep nnlib's dtype, float32 for float32 input (one
hidden float32 case each, on quarters and with rates that are powers of 2);
the penalties return one number, whose float32 case checks that float32
input works.
"""
from __future__ import annotations

import copy
import itertools

import numpy as np

from autograder.checking.checks.optimizers import (
    SeededRng,
    _case_generator,
    _data_rng,
    _quarters,
)
from autograder.checking.spec import Case, Mistake, Spec, register
from nnlib import functional as F
from nnlib import regularization as R

_KEEP_DTYPE = "keep the input's precision, float32 in, float32 out, as nnlib does"

# The chapter's worked example: w = (0.5, -2, 0) as one layer's weights, gradients 0.1, lr 0.1, lam 0.01.
W_WORKED = np.array([[0.5, -2.0, 0.0]])  # (1, 3)
B_WORKED = np.array([0.25, -0.5, 2.0])  # (3,) biases, which no penalty touches
G_WORKED = np.full((1, 3), 0.1)  # (1, 3)
VAL_LOSSES = [0.90, 0.70, 0.60, 0.58, 0.585, 0.59, 0.575, 0.60, 0.62, 0.65]


def _worked():
    return [(W_WORKED.copy(), B_WORKED.copy())]


def _net(rng, sizes, dtype=None, zeros=0):
    """Random (W, b) pairs of an MLP with layer sizes ``sizes``; ``zeros`` weights per layer set to exactly 0."""
    params = []
    for n_in, n_out in itertools.pairwise(sizes):
        if dtype == np.float32:
            W, b = _quarters(rng, (n_in, n_out)), _quarters(rng, n_out)
        else:
            W, b = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)  # (n_in, n_out), (n_out,)
        for _ in range(zeros):
            W[rng.integers(n_in), rng.integers(n_out)] = 0.0
        params.append((W, b))
    return params


# ======================================================================= l2_penalty


def _penalty_cases():
    rng = np.random.default_rng(70)
    return [
        Case("hand-worked: W = [[0.5, -2, 0]], lam = 0.01: 0.01 * (0.25 + 4 + 0) = 0.0425 (b is not penalised)",
             (_worked(), 0.01), essential=True),
        Case("a 3-4-2 network with biases, lam = 0.1: only the two W count", (_net(rng, (3, 4, 2)), 0.1),
             essential=True),
        Case("random 2-5-5-1 network, lam = 0.003", (_net(rng, (2, 5, 5, 1)), 0.003)),
    ]


def _penalty_hidden_cases():
    rng = _data_rng(71)
    return [
        Case("random 4-8-3 network, lam = 0.5", (_net(rng, (4, 8, 3)), 0.5)),
        Case("random 64-32-10 network (the digits MLP), lam = 1e-4", (_net(rng, (64, 32, 10)), 1e-4)),
        Case("one layer 6-1, lam = 2", (_net(rng, (6, 1)), 2.0)),
        Case("lam = 0: no penalty at all", (_net(rng, (3, 3)), 0.0)),
        Case("edge: a network of weights exactly 0 with large biases: penalty 0",
             ([(np.zeros((2, 3)), np.full(3, 5.0))], 0.7)),
        Case("float32 network of quarters, lam = 0.25", (_net(rng, (4, 4, 2), np.float32), 0.25)),
    ]


def _l2_with_biases(params, lam):
    return float(lam * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params))


def _l2_half(params, lam):
    return float(0.5 * lam * sum(np.sum(W ** 2) for W, _ in params))


def _l2_first_layer(params, lam):
    return float(lam * np.sum(params[0][0] ** 2))


def _l2_norms(params, lam):
    return float(lam * sum(np.linalg.norm(W) for W, _ in params))


def _l2_means(params, lam):
    return float(lam * sum(np.mean(W ** 2) for W, _ in params))


def _l2_abs(params, lam):
    return float(lam * sum(np.sum(np.abs(W)) for W, _ in params))


def _l2_no_lam(params, lam):
    return float(sum(np.sum(W ** 2) for W, _ in params))


register(Spec(
    name="regularization.l2_penalty",
    reference=R.mlp_l2_penalty,
    visible_cases=_penalty_cases,
    hidden_cases=_penalty_hidden_cases,
    mistakes=[
        Mistake("the biases are not penalised: add up W**2 of every (W, b) pair, leave b out (a bias only "
                "shifts a unit; shrinking it does not make the function smoother)", _l2_with_biases),
        Mistake("no 1/2 here: the penalty is lam * sum(W**2), whose gradient is 2 lam W (some books write "
                "lam/2 * sum(W**2), with gradient lam W; this course does not)", _l2_half),
        Mistake("add up the squares of every layer's W, not only the first: for W, b in params: ...",
                _l2_first_layer),
        Mistake("square the norm: sum(W**2) is ||W||^2; np.linalg.norm(W) is its square root", _l2_norms),
        Mistake("sum the squares, do not average them: lam * np.sum(W**2) per layer", _l2_means),
        Mistake("that is the L1 penalty (|W|); L2 squares the weights: lam * np.sum(W**2)", _l2_abs),
        Mistake("multiply by lam: the penalty is lam * sum(W**2)", _l2_no_lam),
    ],
    blocked=("nnlib.regularization.mlp_l2_penalty", "nnlib.regularization.l2_penalty"),
))


# ======================================================================= l2_grad


def _l2_grad_wrong(*, biases=False, factor=2.0, zero_b=True, weights_only=False, in_place=False):
    def wrong(params, lam):
        out = []
        for W, b in params:
            if in_place:
                W *= factor * lam
                dW = W
            else:
                dW = factor * lam * W
            db = factor * lam * b if biases else (np.zeros_like(b) if zero_b else 0.0)
            out.append(dW if weights_only else (dW, db))
        return out
    return wrong


register(Spec(
    name="regularization.l2_grad",
    reference=R.mlp_l2_grad,
    visible_cases=lambda: [
        Case("hand-worked: W = [[0.5, -2, 0]], lam = 0.01: dW = [[0.01, -0.04, 0]], db = [0, 0, 0]",
             (_worked(), 0.01), essential=True),
        *_penalty_cases()[1:],
    ],
    hidden_cases=_penalty_hidden_cases,
    mistakes=[
        Mistake(f"{_KEEP_DTYPE}: 2 * lam * W keeps W's dtype; np.zeros(b.shape) is always float64, "
                "np.zeros_like(b) keeps b's", lambda params, lam: [(2 * lam * W, np.zeros(b.shape))
                                                                     for W, b in params]),
        Mistake("the biases are not penalised, so their gradient is 0: db = np.zeros_like(b), not 2 lam b",
                _l2_grad_wrong(biases=True)),
        Mistake("the derivative of lam * W**2 is 2 lam W: the 2 is missing", _l2_grad_wrong(factor=1.0)),
        Mistake("the derivative of lam * W**2 is +2 lam W: it points away from 0, and gradient descent, "
                "which subtracts it, pulls W towards 0", _l2_grad_wrong(factor=-2.0)),
        Mistake("return one (dW, db) pair per layer, with db an array of zeros shaped like b "
                "(np.zeros_like(b)), not the number 0", _l2_grad_wrong(zero_b=False)),
        Mistake("return a list of pairs (dW, db), one per layer, like params: [(2 * lam * W, np.zeros_like(b)) "
                "for W, b in params]", _l2_grad_wrong(weights_only=True)),
        Mistake("W *= 2 * lam changes the network's own weights: compute 2 * lam * W, a new array",
                _l2_grad_wrong(in_place=True), mutates=True),
    ],
    blocked=("nnlib.regularization.mlp_l2_grad", "nnlib.regularization.l2_grad"),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= l1_penalty


def _l1_cases():
    rng = np.random.default_rng(72)
    return [
        Case("hand-worked: W = [[0.5, -2, 0]], lam = 0.01: 0.01 * (0.5 + 2 + 0) = 0.025 (b is not penalised)",
             (_worked(), 0.01), essential=True),
        Case("a 3-4-2 network with biases and a few weights exactly 0, lam = 0.1",
             (_net(rng, (3, 4, 2), zeros=2), 0.1), essential=True),
        Case("random 2-5-5-1 network, lam = 0.003", (_net(rng, (2, 5, 5, 1)), 0.003)),
    ]


def _l1_hidden_cases():
    rng = _data_rng(73)
    return [
        Case("random 4-8-3 network with zeros, lam = 0.5", (_net(rng, (4, 8, 3), zeros=3), 0.5)),
        Case("random 64-32-10 network (the digits MLP), lam = 1e-4", (_net(rng, (64, 32, 10)), 1e-4)),
        Case("one layer 6-1, lam = 2", (_net(rng, (6, 1)), 2.0)),
        Case("lam = 0: no penalty at all", (_net(rng, (3, 3)), 0.0)),
        Case("edge: every weight exactly 0, large biases", ([(np.zeros((2, 3)), np.full(3, -5.0))], 0.7)),
        Case("float32 network of quarters with zeros, lam = 0.25", (_net(rng, (4, 4, 2), np.float32, zeros=2), 0.25)),
    ]


def _l1_with_biases(params, lam):
    return float(lam * sum(np.sum(np.abs(W)) + np.sum(np.abs(b)) for W, b in params))


def _l1_no_abs(params, lam):
    return float(lam * sum(np.sum(W) for W, _ in params))


def _l1_means(params, lam):
    return float(lam * sum(np.mean(np.abs(W)) for W, _ in params))


register(Spec(
    name="regularization.l1_penalty",
    reference=R.mlp_l1_penalty,
    visible_cases=_l1_cases,
    hidden_cases=_l1_hidden_cases,
    mistakes=[
        Mistake("the biases are not penalised: add up |W| of every (W, b) pair, leave b out", _l1_with_biases),
        Mistake("take the absolute values: lam * sum(|W|); without np.abs negative weights cancel positive ones",
                _l1_no_abs),
        Mistake("that is the L2 penalty (W**2); L1 adds up absolute values: lam * np.sum(np.abs(W))",
                lambda params, lam: float(lam * sum(np.sum(W ** 2) for W, _ in params))),
        Mistake("sum the absolute values, do not average them: lam * np.sum(np.abs(W)) per layer", _l1_means),
        Mistake("add up every layer's W, not only the first: for W, b in params: ...",
                lambda params, lam: float(lam * np.sum(np.abs(params[0][0])))),
    ],
    blocked=("nnlib.regularization.mlp_l1_penalty", "nnlib.regularization.l1_penalty"),
))


# ======================================================================= l1_grad


def _l1_grad_wrong(*, sign=np.sign, biases=False):
    def wrong(params, lam):
        out = []
        for W, b in params:
            dW = lam * sign(W)
            out.append((dW, lam * sign(b) if biases else np.zeros_like(b)))
        return out
    return wrong


def _sign_at_zero_plus(W):
    return np.where(W >= 0, 1.0, -1.0).astype(W.dtype)


def _sign_by_division(W):
    return W / np.abs(W)


register(Spec(
    name="regularization.l1_grad",
    reference=R.mlp_l1_grad,
    visible_cases=lambda: [
        Case("hand-worked: W = [[0.5, -2, 0]], lam = 0.01: dW = [[0.01, -0.01, 0]] (sign(0) = 0), db = 0",
             (_worked(), 0.01), essential=True),
        *_l1_cases()[1:],
    ],
    hidden_cases=_l1_hidden_cases,
    mistakes=[
        Mistake("sign(0) = 0: a weight that is exactly 0 gets no push either way; np.where(W >= 0, 1, -1) "
                "pushes it to -lam * lr, and it then keeps jumping around 0", _l1_grad_wrong(sign=_sign_at_zero_plus)),
        Mistake("W / |W| is 0 / 0 = nan where W = 0: use np.sign(W), which is 0 there",
                _l1_grad_wrong(sign=_sign_by_division)),
        Mistake("the biases are not penalised, so their gradient is 0: db = np.zeros_like(b)",
                _l1_grad_wrong(biases=True)),
        Mistake("the derivative of lam * |W| is lam * sign(W): every weight is pulled with the same force lam, "
                "whatever its size (2 lam W is L2's)",
                lambda params, lam: [(2 * lam * W, np.zeros_like(b)) for W, b in params]),
        Mistake("multiply by lam: the subgradient is lam * sign(W)",
                lambda params, lam: [(np.sign(W), np.zeros_like(b)) for W, b in params]),
    ],
    blocked=("nnlib.regularization.mlp_l1_grad", "nnlib.regularization.l1_grad"),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= sgd_step_l2


def _step_cases():
    rng = np.random.default_rng(74)
    params = _net(rng, (3, 4, 2))
    grads = _net(rng, (3, 4, 2))
    return [
        Case("hand-worked: W = [[0.5, -2, 0]], dW = 0.1 each, lr = 0.1, lam = 0.01: W -> [[0.489, -2.006, -0.01]] "
             "(the decay factor 1 - 2 * 0.1 * 0.01 = 0.998), b -> b - 0.1 db",
             (_worked(), [(G_WORKED.copy(), np.full(3, 0.5))], 0.1, 0.01), essential=True),
        Case("a 3-4-2 network, lr = 0.05, lam = 0.1: the biases take a plain step", (params, grads, 0.05, 0.1),
             essential=True),
        Case("lam = 0: a plain SGD step", (_net(rng, (2, 3)), _net(rng, (2, 3)), 0.1, 0.0)),
    ]


def _step_hidden_cases():
    rng = _data_rng(75)
    cases = []
    for sizes, lr, lam in (((4, 8, 3), 0.01, 0.5), ((64, 32, 10), 0.1, 1e-3), ((5, 1), 1.0, 0.25)):
        cases.append(Case(f"random {'-'.join(map(str, sizes))} network, lr = {lr}, lam = {lam}",
                          (_net(rng, sizes), _net(rng, sizes), lr, lam)))
    cases += [
        Case("zero gradients: only the decay moves W (by the factor 1 - 2 lr lam), b stays",
             (_net(rng, (3, 3)), [(np.zeros((3, 3)), np.zeros(3))], 0.1, 0.5)),
        Case("float32 network of quarters, lr = 0.5, lam = 0.25: the result stays float32",
             (_net(rng, (4, 2), np.float32), _net(rng, (4, 2), np.float32), 0.5, 0.25)),
    ]
    return cases


def _step_wrong(*, decay_b=False, wd_factor=2.0, sign=1.0, lr_on_decay=True, decay_after=False, in_place=False,
                weights_only=False):
    def wrong(params, grads, lr, lam):
        out = []
        for (W, b), (dW, db) in zip(params, grads):
            decay = sign * wd_factor * lam * W
            if decay_after:
                newW = (1 - wd_factor * lr * lam) * (W - lr * dW)
            elif lr_on_decay:
                newW = W - lr * (dW + decay)
            else:
                newW = W - lr * dW - decay
            newb = b - lr * (db + wd_factor * lam * b) if decay_b else b - lr * db
            if in_place:
                W[...] = newW
                b[...] = newb
                newW, newb = W, b
            out.append(newW if weights_only else (newW, newb))
        return out
    return wrong


register(Spec(
    name="regularization.sgd_step_l2",
    reference=R.sgd_step_l2,
    visible_cases=_step_cases,
    hidden_cases=_step_hidden_cases,
    mistakes=[
        Mistake("the biases are not penalised: b - lr * db, without the decay (SGD(weight_decay=...) in nnlib "
                "and PyTorch would decay them too unless they are given their own group)", _step_wrong(decay_b=True)),
        Mistake("the penalty lam * W**2 adds 2 lam W to the gradient (weight_decay = 2 lam), not lam W",
                _step_wrong(wd_factor=1.0)),
        Mistake("the penalty's gradient +2 lam W is added to dW, and the step subtracts the sum: "
                "W - lr * (dW + 2 lam W); with the other sign the weights grow", _step_wrong(sign=-1.0)),
        Mistake("the learning rate multiplies the penalty's gradient too: W - lr * (dW + 2 lam W), "
                "i.e. the decay factor is 1 - 2 lr lam", _step_wrong(lr_on_decay=False)),
        Mistake("decay the old weights, not the stepped ones: W - lr * (dW + 2 lam W) = (1 - 2 lr lam) W - lr dW",
                _step_wrong(decay_after=True)),
        Mistake("return the new (W, b) of every layer, as a list of pairs like params",
                _step_wrong(weights_only=True)),
        Mistake("compute new arrays (W - lr * (...)); W -= ... changes the caller's params, which the "
                "exercise returns new", _step_wrong(in_place=True), mutates=True),
    ],
    blocked=("nnlib.regularization.sgd_step_l2", "nnlib.update_rules.sgd_step", "nnlib.optimizers.Optimizer.step"),
    output_names=(),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= dropout_forward


H_WORKED = np.array([[1.0, 2.0, 3.0, 4.0]])  # (1, 4) the chapter's activations


def _seed_dropping(pattern, p, tries=10000):
    """The first seed whose ``rng.random(shape) >= p`` keeps exactly ``pattern`` (the worked example's mask)."""
    pattern = np.asarray(pattern, dtype=bool)
    for seed in range(tries):
        if np.array_equal(np.random.default_rng(seed).random(pattern.shape) >= p, pattern):
            return seed
    raise RuntimeError("no seed found")  # pragma: no cover


WORKED_SEED = _seed_dropping([[True, False, True, True]], 0.25)


def dropout_reference(X, p_drop, rng, training):
    """nnlib's inverted dropout as the exercise returns it: ``(Y, mask)``, the mask all ones when nothing is dropped."""
    Y, cache = F.dropout_forward(X, p_drop, rng, training)
    mask = cache["mask"]
    return Y, (np.ones_like(Y) if mask is None else mask)


def _dropout_cases():
    rng = np.random.default_rng(76)
    return [
        Case("hand-worked: h = [[1, 2, 3, 4]], p_drop = 0.25, a draw that drops unit 1: "
             "mask = [[1.333, 0, 1.333, 1.333]], Y = [[1.333, 0, 4, 5.333]]",
             (H_WORKED, 0.25, SeededRng(WORKED_SEED), True), essential=True),
        Case("test time: the same h, training=False: Y = h, mask all ones",
             (H_WORKED, 0.25, SeededRng(1), False), essential=True),
        Case("E[Y] = X: 200 x 100 ones, p_drop = 0.2: about 20 % dropped, the mean of Y about 1",
             (np.ones((200, 100)), 0.2, SeededRng(2), True)),
        Case("random (5, 8) activations, p_drop = 0.5", (rng.normal(size=(5, 8)), 0.5, SeededRng(3), True)),
    ]


def _dropout_hidden_cases():
    rng = _data_rng(77)
    return [
        Case("random (32, 64), p_drop = 0.1", (rng.normal(size=(32, 64)), 0.1, _case_generator(78), True)),
        Case("random (300, 50), p_drop = 0.7: most units dropped", (rng.normal(size=(300, 50)), 0.7,
                                                                     _case_generator(79), True)),
        Case("p_drop = 0: nothing dropped, Y = X", (rng.normal(size=(4, 6)), 0.0, _case_generator(80), True)),
        Case("test time, random (6, 3), p_drop = 0.5: the identity", (rng.normal(size=(6, 3)), 0.5,
                                                                      _case_generator(81), False)),
        Case("a 3-D batch (4, 5, 6), p_drop = 0.3", (rng.normal(size=(4, 5, 6)), 0.3, _case_generator(82), True)),
        Case("float32 (40, 40) of quarters, p_drop = 0.5: Y and mask stay float32",
             (_quarters(rng, (40, 40)), 0.5, _case_generator(83), True)),
    ]


def _as_pair(out):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return None
    Y, mask = out
    if not isinstance(Y, np.ndarray) or not isinstance(mask, np.ndarray):
        return None
    return Y, mask


def judge_dropout(case, out):
    X, p, _rng, training = case.args
    pair = _as_pair(out)
    if pair is None:
        what = f"a {type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
        return f"returned {what}; return the pair (Y, mask), two arrays shaped like X"
    Y, mask = pair
    if Y.shape != X.shape or mask.shape != X.shape:
        return f"Y has shape {Y.shape} and mask {mask.shape}; both must have X's shape {X.shape}"
    if Y.dtype != X.dtype or mask.dtype != X.dtype:
        return (f"Y is {Y.dtype} and mask {mask.dtype} for an X of {X.dtype}: {_KEEP_DTYPE} "
                "(keep.astype(X.dtype) / X.dtype.type(1 - p_drop) does it)")
    if not training:
        if not np.array_equal(Y, X):
            return ("at test time (training=False) dropout is the identity: Y = X; inverted dropout already "
                    "scaled the kept units during training, so nothing is dropped or rescaled now")
        if not np.all(mask == 1):
            return "at test time nothing is dropped: return a mask of ones (np.ones_like(X))"
        return None
    scale = 1.0 / (1.0 - p)
    values = set(np.unique(mask).tolist())
    if not values <= {0.0, float(X.dtype.type(scale))} and not np.allclose(sorted(values - {0.0}), scale):
        if values <= {0.0, 1.0} and p > 0:
            return (f"the mask holds 0 and 1; inverted dropout scales the kept units by 1 / (1 - p_drop) = "
                    f"{scale:.4g}: mask = keep / (1 - p_drop), and the same scaled mask serves backward")
        if np.allclose(sorted(values - {0.0}), 1 - p):
            return (f"the kept units are multiplied by 1 - p_drop = {1 - p:g}: that is the notes' classic dropout "
                    f"at test time; inverted dropout divides by it while training: mask = keep / (1 - p_drop)")
        return f"the mask holds {sorted(values)[:6]}; it must hold only 0 (dropped) and 1 / (1 - p_drop) = {scale:.4g}"
    if not np.allclose(Y, X * mask, rtol=1e-6, atol=0):
        return "Y must be X * mask: the kept units scaled by 1 / (1 - p_drop), the dropped ones 0"
    dropped = float(np.mean(mask == 0))
    n = mask.size
    sd = np.sqrt(p * (1 - p) / n)
    if n >= 1000 and abs(dropped - p) > 6 * sd + 1e-12:
        if abs(dropped - (1 - p)) <= 6 * sd:
            return (f"{dropped:.1%} of the units were dropped with p_drop = {p:g}: p_drop is the probability of "
                    "dropping a unit (PyTorch's convention), not of keeping it (the notes' p): "
                    "keep = rng.random(X.shape) >= p_drop")
        return f"{dropped:.1%} of the units were dropped; with p_drop = {p:g} about {p:.0%} should be"
    _, want_mask = dropout_reference(*case.args[:1], p, _fresh(case.args[2]), training)
    if not np.array_equal(mask == 0, want_mask == 0):
        return ("a valid mask, but not the one rng gives: draw it from the rng passed in, in one call, "
                "keep = rng.random(X.shape) >= p_drop (not np.random, not rng.random(X.shape) < 1 - p_drop, "
                "not rng.binomial), so that the same seed always drops the same units")
    return None


def _fresh(rng):
    return copy.deepcopy(rng)  # the case's rng untouched: each call starts from the same state


def _dropout_wrong(*, keep_prob=False, scale=True, test="identity", draw=">="):
    """Dropout as students write it, with switches for their mistakes (the draw is rng.random(X.shape))."""
    def wrong(X, p_drop, rng, training):
        if not training and test == "identity":
            return X.copy(), np.ones_like(X)
        if not training and test == "classic":  # the notes' test time: every unit, times the keep probability
            mask = np.full(X.shape, 1 - p_drop, dtype=X.dtype)
            return X * mask, mask
        u = rng.random(X.shape)  # (same shape as X) in [0, 1)
        if keep_prob:  # the notes' p: the probability of keeping
            keep, factor = u < p_drop, 1 / p_drop
        else:
            keep, factor = (u >= p_drop) if draw == ">=" else (u < 1 - p_drop), 1 / (1 - p_drop)
        mask = keep.astype(X.dtype) * X.dtype.type(factor if scale else 1.0)
        return X * mask, mask
    return wrong


register(Spec(
    name="regularization.dropout_forward",
    reference=dropout_reference,
    visible_cases=_dropout_cases,
    hidden_cases=_dropout_hidden_cases,
    judge=judge_dropout,
    mistakes=[
        Mistake("scale the kept units by 1 / (1 - p_drop) while training; then the expected value of every "
                "unit is what it was, and the test-time network needs no change", _dropout_wrong(scale=False)),
        Mistake("p_drop is the probability of dropping (PyTorch, nnlib); the notes' p is the probability of "
                "keeping: keep = rng.random(X.shape) >= p_drop", _dropout_wrong(keep_prob=True)),
        Mistake("at test time inverted dropout is the identity: multiplying by 1 - p_drop is classic dropout, "
                "which did not scale during training", _dropout_wrong(test="classic")),
        Mistake("at test time (training=False) nothing is dropped: return X and a mask of ones",
                _dropout_wrong(test="drops")),
        Mistake("keep = rng.random(X.shape) < 1 - p_drop keeps units with the right probability but drops "
                "different ones from nnlib's rng.random(X.shape) >= p_drop: use that draw",
                _dropout_wrong(draw="<")),
    ],
    blocked=("nnlib.functional.dropout_forward", "nnlib.layers.Dropout.forward"),
    output_names=("Y", "mask"),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= dropout_backward


def _backward_cases():
    rng = np.random.default_rng(84)
    _, mask = dropout_reference(H_WORKED, 0.25, np.random.default_rng(WORKED_SEED), True)
    X = rng.normal(size=(6, 5))
    _, mask2 = dropout_reference(X, 0.5, np.random.default_rng(5), True)
    return [
        Case("hand-worked: dY = [[1, 1, 1, 1]], mask = [[1.333, 0, 1.333, 1.333]] (p_drop = 0.25): "
             "dX = [[1.333, 0, 1.333, 1.333]]", (np.ones((1, 4)), mask), essential=True),
        Case("test-time mask of ones: dX = dY", (rng.normal(size=(3, 4)), np.ones((3, 4))), essential=True),
        Case("random (6, 5) upstream gradient, a mask of p_drop = 0.5", (rng.normal(size=(6, 5)), mask2)),
    ]


def _backward_hidden_cases():
    rng = _data_rng(85)
    cases = []
    for shape, p, seed in (((32, 64), 0.1, 86), ((10, 3), 0.8, 87), ((2, 3, 4), 0.3, 88)):
        _, mask = dropout_reference(np.ones(shape), p, _case_generator(seed), True)
        cases.append(Case(f"random {shape}, a mask of p_drop = {p}", (rng.normal(size=shape), mask)))
    _, mask = dropout_reference(np.ones((8, 8), np.float32), 0.5, _case_generator(89), True)
    cases.append(Case("float32 (8, 8) of quarters, p_drop = 0.5: dX stays float32", (_quarters(rng, (8, 8)), mask)))
    return cases


register(Spec(
    name="regularization.dropout_backward",
    reference=lambda dY, mask: F.dropout_backward(dY, {"mask": mask}),
    visible_cases=_backward_cases,
    hidden_cases=_backward_hidden_cases,
    mistakes=[
        Mistake("the gradient goes through the same mask as the forward pass: dX = dY * mask; a dropped unit "
                "did not touch the output, so it gets no gradient", lambda dY, mask: dY.copy()),
        Mistake("the kept units were scaled by 1 / (1 - p_drop) forward, so their gradient is scaled the same "
                "way: multiply by the mask itself, not by (mask > 0)",
                lambda dY, mask: dY * (mask > 0).astype(dY.dtype)),
        Mistake("multiply by the mask, do not divide: Y = X * mask, so dY/dX = mask",
                lambda dY, mask: np.where(mask > 0, dY / np.where(mask > 0, mask, 1), 0).astype(dY.dtype)),
        Mistake(f"{_KEEP_DTYPE}", lambda dY, mask: (dY * mask).astype(np.float64)),
    ],
    blocked=("nnlib.functional.dropout_backward", "nnlib.layers.Dropout.backward"),
    check_dtype=True,
    fresh_output=True,
))


# ======================================================================= early_stopping


def _curve(rng, n):
    """A validation curve that falls, then rises (overfitting), with noise: the shape early stopping is for."""
    t = np.linspace(0, 1, n)
    return [round(float(v), 4) for v in 1.2 * np.exp(-4 * t) + 0.5 * t ** 2 + 0.3 + 0.03 * rng.normal(size=n)]


def _es_cases():
    return [
        Case("hand-worked: the chapter's ten losses, patience = 2: best epoch 3, stop at 5",
             (VAL_LOSSES, 2), essential=True),
        Case("hand-worked: patience = 3: 0.575 at epoch 6 is a new best, stop at 9", (VAL_LOSSES, 3),
             essential=True),
        Case("a dip after a rise is not a new best: [1.0, 0.5, 0.8, 0.7, 0.6, 0.9], patience = 2: best 1, stop at 3",
             ([1.0, 0.5, 0.8, 0.7, 0.6, 0.9], 2)),
        Case("hand-worked: patience = 3, min_delta = 0.01: 0.575 is not 0.01 below 0.58, best 3, stop at 6",
             (VAL_LOSSES, 3), {"min_delta": 0.01}, essential=True),
        Case("a curve that keeps falling, patience = 2: no stop (None)", ([1.0, 0.8, 0.7, 0.65, 0.6], 2)),
    ]


def _es_hidden_cases():
    rng = _data_rng(90)
    cases = [Case(f"a noisy U-shaped curve of {n} epochs, patience = {pat}, min_delta = {md}",
                  (_curve(rng, n), pat), {"min_delta": md})
             for n, pat, md in ((30, 3, 0.0), (50, 5, 0.01), (40, 1, 0.0), (60, 10, 0.005))]
    cases += [
        Case("a tie is not an improvement: [1.0, 1.0, 1.0, 0.5], patience = 2: best 0, stop at 2",
             ([1.0, 1.0, 1.0, 0.5], 2)),
        Case("patience = 0: stop at the first epoch without improvement", ([0.9, 0.8, 0.85, 0.7], 0)),
        Case("the first epoch is the best: [0.5, 0.6, 0.7, 0.8], patience = 2: best 0, stop at 2",
             ([0.5, 0.6, 0.7, 0.8], 2)),
        Case("a numpy array of losses, patience = 4", (np.array(_curve(rng, 25)), 4)),
        Case("edge: one epoch: best 0, no stop", ([0.7], 3)),
        Case("edge: no epochs at all: (None, None)", ([], 3)),
    ]
    return cases


def _es_wrong(*, ties=False, vs_previous=False, one_based=False, wait_gt=False, last_instead_of_none=False,
              ignore_delta=False):
    """Early stopping as students write it, with switches for their mistakes."""
    def wrong(val_losses, patience, min_delta=0.0):
        d = 0.0 if ignore_delta else min_delta
        shift = 1 if one_based else 0
        best, best_epoch, wait, previous = float("inf"), None, 0, float("inf")
        for epoch, loss in enumerate(val_losses):
            against = previous if vs_previous else best
            better = (loss <= against - d) if ties else (loss < against - d)
            previous = loss
            if best_epoch is None or better:
                best, best_epoch, wait = loss, epoch + shift, 0
                continue
            wait += 1
            if (wait > patience) if wait_gt else (wait >= patience):
                return best_epoch, epoch + shift
        if last_instead_of_none and len(val_losses):
            return best_epoch, len(val_losses) - 1 + shift
        return best_epoch, None
    return wrong


register(Spec(
    name="regularization.early_stopping",
    reference=R.early_stopping,
    visible_cases=_es_cases,
    hidden_cases=_es_hidden_cases,
    mistakes=[
        Mistake("use min_delta: an improvement must beat the best loss by more than min_delta, loss < best - "
                "min_delta, so tiny gains do not reset the patience (loss < best + min_delta would even let "
                "a worse loss count)", _es_wrong(ignore_delta=True)),
        Mistake("a tie is not an improvement: loss < best - min_delta, not <=, or a flat curve would never "
                "stop", _es_wrong(ties=True)),
        Mistake("compare with the best loss so far, not with the previous epoch's: a small dip after a rise "
                "is not a new best", _es_wrong(vs_previous=True)),
        Mistake("stop when the epochs without improvement reach patience (wait >= patience): with patience 2 "
                "the second bad epoch in a row stops training", _es_wrong(wait_gt=True)),
        Mistake("epochs count from 0 here (the first loss is epoch 0), as enumerate gives them",
                _es_wrong(one_based=True)),
        Mistake("when training runs through every epoch without stopping, return None as stop_epoch",
                _es_wrong(last_instead_of_none=True)),
    ],
    blocked=("nnlib.regularization.early_stopping", "nnlib.regularization.EarlyStopping.on_epoch_end"),
    output_names=("best_epoch", "stop_epoch"),
))


# ======================================================================= soft_threshold


def _st_cases():
    rng = np.random.default_rng(91)
    return [
        Case("hand-worked: w = (0.3, -0.05, 0.002, -1.0), t = 0.1 -> (0.2, 0, 0, -0.9)",
             (np.array([0.3, -0.05, 0.002, -1.0]), 0.1), essential=True),
        Case("random (4, 5) weights, t = 0.5", (rng.normal(size=(4, 5)), 0.5)),
        Case("t = 0: nothing changes", (rng.normal(size=6), 0.0)),
    ]


def _st_hidden_cases():
    rng = _data_rng(92)
    return [
        Case("random (30, 10) weights, t = 0.2", (rng.normal(size=(30, 10)), 0.2)),
        Case("entries exactly at +-t become 0", (np.array([0.5, -0.5, 0.25, -1.5]), 0.5)),
        Case("a large t: everything becomes 0", (rng.normal(size=8), 100.0)),
        Case("float32 quarters, t = 0.25: the result stays float32", (_quarters(rng, (6, 6)), 0.25)),
    ]


register(Spec(
    name="regularization.soft_threshold",
    reference=R.soft_threshold,
    visible_cases=_st_cases,
    hidden_cases=_st_hidden_cases,
    mistakes=[
        Mistake("that is hard thresholding (zero the small entries, keep the rest): soft-thresholding also "
                "moves every surviving entry t towards 0: sign(w) * max(|w| - t, 0)",
                lambda w, t: w * (np.abs(w) > t)),
        Mistake("stop at 0: an entry with |w| < t becomes 0, it does not cross to the other side: "
                "np.maximum(|w| - t, 0) before the sign", lambda w, t: np.sign(w) * (np.abs(w) - t)),
        Mistake("shrink both signs towards 0: max(w - t, 0) zeroes every negative entry; "
                "sign(w) * max(|w| - t, 0)", lambda w, t: np.maximum(w - w.dtype.type(t), 0)),
        Mistake("keep the sign: max(|w| - t, 0) alone makes every entry non-negative",
                lambda w, t: np.maximum(np.abs(w) - t, 0)),
        Mistake(f"{_KEEP_DTYPE}: np.maximum(np.abs(w) - t, 0.0) stays float32; np.float64(t) or a float64 "
                "array does not", lambda w, t: (np.sign(w) * np.maximum(np.abs(w) - t, 0)).astype(np.float64)),
    ],
    blocked=("nnlib.regularization.soft_threshold",),
    check_dtype=True,
    fresh_output=True,
))
