"""Chapter 05's checks beyond the generic catalogue tests: the worked numbers in the case labels,
the behaviour judges (minibatches, train_loop), honest variants that must pass, and the messages."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest

from autograder import run_check
from autograder.checking.checks import get_spec
from autograder.checking.checks import optimizers as O
from nnlib.mlp import mlp_backward, mlp_forward
from nnlib.training import minibatches


def _visible(name):
    return {case.label: case for case in get_spec(name).visible_cases()}


def _output(name, label_start):
    spec = get_spec(name)
    case = next(c for c in spec.visible_cases() if c.label.startswith(label_start))
    return O._reference(spec.reference, case)


# ---------------------------------------------------------------- the numbers the labels promise

def test_minibatch_labels_count_right():
    """10 rows in 4s: 4, 4, 2; 800 in 150s: 6 batches, the last of 50; drop_last 10 in 4s: 4, 4?"""
    assert [len(b) for b in _output("optimizers.minibatches", "hand-worked")] == [4, 4, 2]
    assert [len(b) for b in _output("optimizers.minibatches", "the notes' 800")] == [150] * 5 + [50]
    assert [len(b) for b in _output("optimizers.minibatches", "n = 12")] == [4, 4, 4]
    assert [len(b) for b in _output("optimizers.minibatches", "drop_last=True")] == [4, 4]


def test_ewma_labels_state_the_reference_numbers():
    corrected = _output("optimizers.ewma", "hand-worked: beta = 0.9 on")
    raw = _output("optimizers.ewma", "hand-worked: the same series")
    np.testing.assert_allclose(np.round(corrected, 2), [10.0, 11.05, 12.14, 12.39, 13.03])
    np.testing.assert_allclose(raw, [1.0, 2.1, 3.29, 4.261, 5.3349], rtol=1e-12)
    np.testing.assert_allclose(_output("optimizers.ewma", "a constant series"), np.ones(8), rtol=1e-12)


def test_momentum_labels_state_the_reference_numbers():
    p, buf = _output("optimizers.momentum_step", "hand-worked: the first step")
    np.testing.assert_allclose(p, [0.95, 2.1])
    np.testing.assert_allclose(buf, [0.5, -1.0])
    p, buf = _output("optimizers.momentum_step", "hand-worked: the second step")
    np.testing.assert_allclose(buf, [0.95, -1.9])
    np.testing.assert_allclose(p, [0.855, 2.29])


def test_rmsprop_first_step_is_ten_times_lr():
    p, v = _output("optimizers.rmsprop_step", "hand-worked")
    np.testing.assert_allclose(v, [0.04])
    np.testing.assert_allclose(p, [-0.1], rtol=1e-7)


def test_adam_and_adamw_labels_state_the_reference_numbers():
    for label in ("hand-worked: the first step", "hand-worked: the second step"):
        p, _, _ = _output("optimizers.adam_step", label)
        start = next(c for c in get_spec("optimizers.adam_step").visible_cases() if c.label.startswith(label)).args[0]
        np.testing.assert_allclose(p - start, [-0.01, 0.01], rtol=1e-5)
    p, _, _ = _output("optimizers.adamw_step", "hand-worked")
    np.testing.assert_allclose(p, [0.99, 0.89], rtol=1e-7)
    p, _, _ = _output("optimizers.adamw_step", "a weight with g = 0")
    np.testing.assert_allclose(p, [2.0 * (1 - 0.005), -4.0 * (1 - 0.005)], rtol=1e-14)


def test_cosine_labels_state_the_reference_numbers():
    values = {label: round(O._reference(O.schedules.cosine_lr, case), 4)
              for label, case in _visible("optimizers.cosine_lr").items()}
    assert sorted(values.values()) == sorted([0.1, 0.0999, 0.05, 0.0, 0.155, 0.001])


def test_train_loop_labels_count_the_updates():
    spec = get_spec("optimizers.train_loop")
    for case in list(spec.visible_cases()) + list(spec.hidden_cases()):
        _, X, _, epochs, batch_size, _ = case.args
        _, losses = O._reference(spec.reference, case)
        assert len(losses) == epochs * math.ceil(len(X) / batch_size), case.label
    _, losses = _output("optimizers.train_loop", "20 rows")
    assert np.mean(losses[-4:]) < 0.8 * np.mean(losses[:4])  # "the loss falls"


# ---------------------------------------------------------------- honest variants pass

def test_honest_minibatch_variants_pass():
    """rng.shuffle of an arange, a while loop, a tuple of batches: all rng's order, all accepted."""
    def by_shuffle(n, batch_size, rng, drop_last=False):
        order = np.arange(n)
        rng.shuffle(order)
        batches, start = [], 0
        while start + (batch_size if drop_last else 1) <= n:
            batches.append(order[start:start + batch_size])
            start += batch_size
        return tuple(batches)

    assert run_check("optimizers.minibatches", by_shuffle, hidden=True).ok


def test_honest_ewma_in_closed_form_passes():
    """A vectorised closed form (weights (1 - beta) beta^(t - k)) is as good as the loop."""
    def closed_form(x, beta, bias_correction=True):
        T = x.shape[0]
        t = np.arange(1, T + 1)
        weights = np.tril((1 - beta) * beta ** (t[:, None] - t[None, :]).clip(0)).astype(x.dtype)  # (T, T)
        v = np.tensordot(weights, x, axes=1) if T else x.copy()
        return v / (1 - beta ** t).astype(x.dtype).reshape(-1, *[1] * (x.ndim - 1)) if bias_correction else v

    assert run_check("optimizers.ewma", closed_form, hidden=True).ok


def test_student_loop_with_its_own_batches_passes():
    """A loop that ignores `batches` but draws rng.permutation itself gives the same order: accepted."""
    def train_loop(params, X, y, epochs, batch_size, rng, *, forward, loss_grad, backward, update, batches):
        losses = []
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                idx = order[start:start + batch_size]
                A, caches = forward(X[idx], params)
                loss, dA = loss_grad(A, y[idx])
                params = update(params, backward(dA, caches, params))
                losses.append(loss)
        return params, losses

    assert run_check("optimizers.train_loop", train_loop, hidden=True).ok


# ---------------------------------------------------------------- what a student reads

def test_a_shuffle_from_np_random_is_named():
    def global_rng(n, batch_size, rng, drop_last=False):
        order = np.random.permutation(n)
        return [order[i:i + batch_size] for i in range(0, n, batch_size)]

    def python_random(n, batch_size, rng, drop_last=False):
        order = list(range(n))
        random.shuffle(order)
        order = np.array(order)
        return [order[i:i + batch_size] for i in range(0, n, batch_size)]

    for wrong in (global_rng, python_random):
        report = run_check("optimizers.minibatches", wrong).report()
        assert "a valid shuffle, but not the one rng gives" in report and "rng.permutation(n)" in report


def test_minibatch_judge_says_what_is_wrong():
    case = O.Case("x", (10, 4, O.SeededRng(0)))
    good = minibatches(10, 4, np.random.default_rng(0))
    assert O.judge_minibatches(case, good) is None
    assert "returned 2 batches" in O.judge_minibatches(case, good[:2])
    assert "ceil(10 / 4) = 3 batches" in O.judge_minibatches(case, good[:2])
    assert "batch 0 has 3 rows, expected 4" in O.judge_minibatches(case, [good[0][:3], good[1], good[2]])
    repeated = [good[0], good[0], good[2]]
    assert "appear more than once" in O.judge_minibatches(case, repeated)
    assert "generator" in O.judge_minibatches(case, (b for b in good))
    assert "integer array" in O.judge_minibatches(case, [b.astype(float) for b in good])
    assert "original order" in O.judge_minibatches(case, [np.arange(10)[i:i + 4] for i in range(0, 10, 4)])


def test_train_loop_judge_counts_updates_and_names_the_first_wrong_loss():
    case = get_spec("optimizers.train_loop").visible_cases()[0]
    params, losses = O._reference(O.training.train_loop, case)
    assert O.judge_train_loop(case, (params, losses)) is None
    assert O.judge_train_loop(case, params).startswith("returned a list; return the pair (params, losses)")
    message = O.judge_train_loop(case, (params, losses[:6]))
    assert "3 epochs of 10 rows in batches of 4 make 3 x ceil(10 / 4) = 3 x 3 = 9 updates" in message
    off = list(losses)
    off[4] += 0.1
    assert "the loss of update 4 (epoch 1, batch 1)" in O.judge_train_loop(case, (params, off))
    wrong_params = [(W + 1e-3, b) for W, b in params]
    assert "params[0][0]" in O.judge_train_loop(case, (wrong_params, losses))


def test_an_essential_case_caps_the_score():
    """A train_loop that drops the remainder passes the full-batch case but earns at most half."""
    result = run_check("optimizers.train_loop", get_spec("optimizers.train_loop").mistakes[0].wrong)
    assert result.essential_failed and result.score(3) <= 1.5


def test_failure_messages_show_the_pieces_and_the_seed_by_name():
    report = run_check("optimizers.train_loop", get_spec("optimizers.train_loop").mistakes[1].wrong).report()
    assert "rng = np.random.default_rng(7)" in report
    assert "forward = lambda X, params: mlp_forward(X, params, ['relu', 'identity'])" in report
    assert "update = Updater(sgd_step, lr=0.5)" in report
    assert "0x" not in report  # no memory addresses


def test_hidden_rngs_follow_the_course_secret(monkeypatch):
    """Are the hidden cases' generators (and data) drawn from the course secret, and named without it?"""
    monkeypatch.setenv("NNCOURSE_CASE_SECRET", "5eed")
    first = get_spec("optimizers.minibatches").hidden_cases()[0]
    monkeypatch.setenv("NNCOURSE_CASE_SECRET", "c0ffee")
    second = get_spec("optimizers.minibatches").hidden_cases()[0]
    assert "course secret" in repr(first.args[2]) and "5eed" not in repr(first.args[2])
    assert not np.array_equal(first.args[2].permutation(50), second.args[2].permutation(50))


def test_pieces_are_the_mlp_functions():
    rng = np.random.default_rng(0)
    params, X, _ = O._problem(rng, 5, 3, 4, 3)
    A, caches = O.PIECES["forward"](X, params)
    np.testing.assert_array_equal(A, mlp_forward(X, params, ["relu", "identity"])[0])
    grads = O.PIECES["backward"](np.ones_like(A), caches, params)
    np.testing.assert_array_equal(grads[0][0], mlp_backward(np.ones_like(A), caches, params, ["relu", "identity"])[0][0])


@pytest.mark.parametrize("name", ["optimizers.momentum_step", "optimizers.rmsprop_step", "optimizers.adam_step",
                                  "optimizers.adamw_step"])
def test_using_an_nnlib_optimizer_class_is_delegation(name):
    """A step that runs nnlib's optimizer class on copies calls the reference's kernel through Optimizer.step."""
    from nnlib.optimizers import SGD

    def via_class(p, g, *state, **kwargs):
        p = p.copy()
        SGD(lr=0.1).step([p], [g])
        return (p, *[np.zeros_like(p) for _ in range(2)])

    report = run_check(name, via_class).report()
    assert "nnlib.optimizers.Optimizer.step" in report
