"""Tests for nnlib.regularization: penalties and their gradients, clipping, early stopping, and chapter 07's
functions on (W, b) pairs, pure early stopping, soft-thresholding and WeightPenalty (against PyTorch too)."""
import itertools
import math
import re

import numpy as np
import pytest

from nnlib.data import make_moons
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Activation, Dense
from nnlib.losses import softmax_cross_entropy_with_grad
from nnlib.network import Sequential
from nnlib.optimizers import SGD
from nnlib.regularization import (
    EarlyStopping,
    WeightPenalty,
    clip_by_norm,
    early_stopping,
    l1_grad,
    l1_penalty,
    l2_grad,
    l2_penalty,
    mlp_l1_grad,
    mlp_l1_penalty,
    mlp_l2_grad,
    mlp_l2_penalty,
    sgd_step_l2,
    soft_threshold,
)
from nnlib.training import History
from nnlib.update_rules import sgd_step


def _weights(seed, shapes=((3, 4), (4,), (2, 5))):
    """Random arrays kept away from 0, where |W| has its kink."""
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        W = rng.uniform(0.1, 1.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)  # shape
        out.append(W)
    return out


# ---------------------------------------------------------------- penalty values

def test_penalty_values_by_hand():
    """Are L1 = lam * sum|W| and L2 = lam * sum W^2 (no 1/2) over all arrays given?"""
    W1 = np.array([[1.0, -2.0], [0.0, 3.0]])
    W2 = np.array([-0.5])
    assert l1_penalty([W1, W2], 0.1) == pytest.approx(0.1 * 6.5)
    assert l2_penalty([W1, W2], 0.1) == pytest.approx(0.1 * 14.25)
    assert l2_penalty({"a": W1, "b": W2}, 2.0) == pytest.approx(28.5)
    assert l1_penalty(W1, 1.0) == pytest.approx(6.0)
    assert isinstance(l2_penalty(W1, 1.0), float)


def test_gradients_by_hand():
    """Are the gradients lam * sign(W) (0 at W = 0) and 2 * lam * W?"""
    W = np.array([[1.5, -2.0], [0.0, 3.0]])
    np.testing.assert_array_equal(l1_grad(W, 0.5), [[0.5, -0.5], [0.0, 0.5]])
    np.testing.assert_array_equal(l2_grad(W, 0.5), [[1.5, -2.0], [0.0, 3.0]])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("penalty, grad", [(l1_penalty, l1_grad), (l2_penalty, l2_grad)],
                         ids=["l1", "l2"])
def test_gradients_match_finite_differences(penalty, grad, seed):
    """Does each penalty's gradient match a centred finite difference, array by array (rel err <= 1e-7)?"""
    weights = _weights(seed)
    lam = 0.3
    analytic = grad(weights, lam)
    for i, W in enumerate(weights):
        numeric = numerical_gradient(lambda _: penalty(weights, lam), W)
        assert relative_error(analytic[i], numeric) <= 1e-7


def test_gradient_keeps_the_container_type():
    """Do the gradient functions return an array for an array, a list for a list and a dict with the same keys?"""
    W = _weights(0)
    assert isinstance(l1_grad(W[0], 0.1), np.ndarray)
    g_list = l2_grad(W, 0.1)
    assert isinstance(g_list, list) and [g.shape for g in g_list] == [w.shape for w in W]
    g_tuple = l1_grad(tuple(W), 0.1)
    assert isinstance(g_tuple, tuple)
    g_dict = l2_grad({"0.W": W[0], "2.W": W[2]}, 0.1)
    assert list(g_dict) == ["0.W", "2.W"] and g_dict["2.W"].shape == (2, 5)


def test_bad_lambda_and_container_are_rejected():
    """Are a negative lam and a non-array container rejected with clear messages?"""
    with pytest.raises(ValueError, match="lam must be >= 0, got -0.1"):
        l2_penalty(np.ones(2), -0.1)
    with pytest.raises(ValueError, match="lam must be >= 0, got -1"):
        l1_grad(np.ones(2), -1)
    with pytest.raises(TypeError, match="weights must be an array"):
        l1_penalty("W", 0.1)


# ---------------------------------------------------------------- clipping

def test_clip_by_norm_scales_to_max_norm_in_place():
    """Does clip_by_norm return the global norm and scale every array by max_norm / norm, in place?"""
    a, b = np.array([3.0, 0.0]), np.array([[0.0], [4.0]])   # global norm 5
    grads = {"a": a, "b": b}
    norm = clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert grads["a"] is a
    np.testing.assert_allclose(a, [0.6, 0.0])
    np.testing.assert_allclose(b, [[0.0], [0.8]])
    assert np.sqrt((a**2).sum() + (b**2).sum()) == pytest.approx(1.0)


def test_clip_by_norm_leaves_small_gradients_alone():
    """Are gradients whose norm is at most max_norm left exactly as they were?"""
    g = [np.array([0.3, 0.4])]
    assert clip_by_norm(g, 0.5) == pytest.approx(0.5)
    np.testing.assert_array_equal(g[0], [0.3, 0.4])


def test_clip_by_norm_validates():
    """Are a non-positive max_norm and integer gradients rejected?"""
    with pytest.raises(ValueError, match="max_norm must be > 0, got 0"):
        clip_by_norm([np.ones(2)], 0)
    with pytest.raises(TypeError, match="float arrays"):
        clip_by_norm([np.ones(2, dtype=int)], 1.0)


# ---------------------------------------------------------------- early stopping

class _Model:
    """Just enough of Sequential for EarlyStopping: parameters() returns live arrays."""

    def __init__(self):
        self.W = np.zeros(2)

    def parameters(self):
        return {"0.W": self.W}


def _run(callback, val_losses):
    """Feed val_losses to the callback epoch by epoch; the weights record the epoch number."""
    model, history = _Model(), History()
    callback.on_train_begin(history, model)
    for epoch, v in enumerate(val_losses):
        model.W[...] = epoch
        history.val_loss.append(v)
        if callback.on_epoch_end(epoch, history, model):
            break
    callback.on_train_end(history, model)
    return model, epoch


def test_early_stopping_waits_patience_epochs_then_restores_the_best():
    """Does training stop after `patience` epochs without improvement, with the best epoch's weights back?"""
    es = EarlyStopping(patience=2)
    model, last = _run(es, [1.0, 0.8, 0.9, 0.85, 0.7, 0.6])
    assert last == 3 and es.stopped_epoch == 3
    assert es.best == 0.8 and es.best_epoch == 1
    np.testing.assert_array_equal(model.W, 1.0)


def test_min_delta_ignores_tiny_improvements():
    """Does an improvement smaller than min_delta count as none?"""
    es = EarlyStopping(patience=2, min_delta=0.05)
    model, last = _run(es, [1.0, 0.8, 0.85, 0.79, 0.5])
    assert last == 3 and es.best_epoch == 1
    es = EarlyStopping(patience=2, min_delta=0.0)
    model, last = _run(es, [1.0, 0.8, 0.85, 0.79, 0.5, 0.6, 0.7])
    assert last == 6 and es.best_epoch == 4
    np.testing.assert_array_equal(model.W, 4.0)


def test_restore_happens_also_when_epochs_run_out():
    """Are the best weights restored at the end of training even without an early stop?"""
    es = EarlyStopping(patience=10)
    model, last = _run(es, [1.0, 0.5, 0.7])
    assert es.stopped_epoch is None and last == 2
    np.testing.assert_array_equal(model.W, 1.0)


def test_restore_best_false_keeps_the_last_weights():
    """With restore_best=False, are the final weights kept?"""
    es = EarlyStopping(patience=1, restore_best=False)
    model, last = _run(es, [1.0, 2.0, 3.0])
    assert last == 1
    np.testing.assert_array_equal(model.W, 1.0)


def test_metric_monitors_are_maximised():
    """Does monitoring a metric treat larger values as better?"""
    es = EarlyStopping(patience=1, monitor="val_metric")
    model, history = _Model(), History()
    for epoch, acc in enumerate([0.5, 0.9, 0.8]):
        model.W[...] = epoch
        history.val_metric.append(acc)
        stop = es.on_epoch_end(epoch, history, model)
    assert stop and es.best == 0.9
    np.testing.assert_array_equal(model.W, 1.0)


def test_missing_validation_is_explained():
    """Without validation data, does monitoring val_loss fail with a hint to pass validation=?"""
    es = EarlyStopping(patience=1)
    history = History()
    history.loss.append(1.0)
    with pytest.raises(ValueError, match=r"validation=\(X_val, y_val\)"):
        es.on_epoch_end(0, history, _Model())


@pytest.mark.parametrize("kwargs, text", [
    (dict(patience=-1), "patience must be an integer >= 0, got -1"),
    (dict(patience=1.5), "patience must be an integer >= 0, got 1.5"),
    (dict(patience=1, min_delta=-0.1), "min_delta must be >= 0, got -0.1"),
    (dict(patience=1, monitor="val_acc"), "monitor must be one of .* got 'val_acc'"),
])
def test_early_stopping_validates(kwargs, text):
    """Are bad EarlyStopping arguments rejected with their values?"""
    with pytest.raises(ValueError, match=text):
        EarlyStopping(**kwargs)


# ---------------------------------------------------------------- clipping against PyTorch

import importlib.util  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

TORCH_REFERENCE = Path(__file__).with_name("torch_reference")
CLIP_CASES = json.loads((TORCH_REFERENCE / "optimizers.json").read_text())["clip_grad_norm"]


def _assert_clips_like_torch(case):
    grads = [np.array(g, dtype=np.float64) for g in case["grads"]]
    norm = clip_by_norm(grads, case["max_norm"], eps=1e-6)  # torch's eps
    assert norm == pytest.approx(case["norm"], rel=1e-12)
    for mine, want in zip(grads, case["clipped"]):
        np.testing.assert_allclose(mine, np.array(want), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("case", CLIP_CASES, ids=lambda c: f"max_norm={c['max_norm']}")
def test_clip_by_norm_matches_torch_clip_grad_norm(case):
    """With eps = 1e-6, do clip_by_norm's norm and clipped gradients equal torch's clip_grad_norm_, to 1e-10?"""
    _assert_clips_like_torch(case)


def test_clip_by_norm_worked_example():
    """Grads (3, 4) and (12): norm 13, clipped to 5 -> (1.154, 1.538) and (4.615), exactly 5 long?"""
    grads = [np.array([3.0, 4.0]), np.array([12.0])]
    assert clip_by_norm(grads, 5.0) == 13.0
    np.testing.assert_allclose(np.round(np.concatenate(grads), 3), [1.154, 1.538, 4.615])
    assert math.isclose(math.sqrt(sum(float(g @ g) for g in grads)), 5.0, rel_tol=1e-15)


def test_clip_by_norm_matches_torch_live():
    """With torch installed, does clip_by_norm equal what clip_grad_norm_ computes now?"""
    pytest.importorskip("torch", reason="torch is not installed (CI installs only .[dev]); "
                                        "the committed reference values are tested instead")
    spec = importlib.util.spec_from_file_location("make_optimizers", TORCH_REFERENCE / "make_optimizers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for case in module.torch_clipping()["cases"]:
        _assert_clips_like_torch(case)


# ================================================================ chapter 07: (W, b) pairs, pure early stopping,
# soft-thresholding, WeightPenalty

SYLLABUS_W = np.array([0.5, -2.0, 0.0])  # (3,) the chapter's worked example: g = 0.1 each, lr = 0.1, lam = 0.01
VAL_LOSSES = [0.90, 0.70, 0.60, 0.58, 0.585, 0.59, 0.575, 0.60, 0.62, 0.65]


def _pairs(seed, sizes=(3, 4, 2)):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in itertools.pairwise(sizes)]


def test_worked_example_of_the_chapter():
    """w = (0.5, -2, 0), g = 0.1, lr = 0.1, lam = 0.01: L2 0.0425, grad (0.01, -0.04, 0), step (0.489, -2.006, -0.010);
    L1 0.025, subgradient (0.01, -0.01, 0), step (0.489, -2.009, -0.010); decay factor 0.998?"""
    params, g = [(SYLLABUS_W, np.zeros(3))], np.full(3, 0.1)
    assert mlp_l2_penalty(params, 0.01) == pytest.approx(0.0425)
    assert mlp_l1_penalty(params, 0.01) == pytest.approx(0.025)
    np.testing.assert_allclose(mlp_l2_grad(params, 0.01)[0][0], [0.01, -0.04, 0.0])
    np.testing.assert_allclose(mlp_l1_grad(params, 0.01)[0][0], [0.01, -0.01, 0.0])
    (W, _), = sgd_step_l2(params, [(g, np.zeros(3))], 0.1, 0.01)
    np.testing.assert_allclose(W, [0.489, -2.006, -0.010])
    np.testing.assert_allclose(W + 0.1 * g, (1 - 2 * 0.1 * 0.01) * SYLLABUS_W)  # the factor 0.998
    assert 1 - 2 * 0.1 * 0.01 == pytest.approx(0.998)
    W1 = SYLLABUS_W - 0.1 * (g + mlp_l1_grad(params, 0.01)[0][0])
    np.testing.assert_allclose(W1, [0.489, -2.009, -0.010])


def test_biases_are_not_penalised():
    """Do the mlp_* penalties ignore b, and do their gradients give b zeros of b's shape and dtype?"""
    params = _pairs(0)
    bigger_b = [(W, b * 100) for W, b in params]
    for penalty in (mlp_l2_penalty, mlp_l1_penalty):
        assert penalty(params, 0.2) == penalty(bigger_b, 0.2) > 0
    for grad in (mlp_l2_grad, mlp_l1_grad):
        for (dW, db), (W, b) in zip(grad(params, 0.2), params):
            assert dW.shape == W.shape and db.shape == b.shape
            np.testing.assert_array_equal(db, 0.0)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("penalty, grad", [(mlp_l2_penalty, mlp_l2_grad), (mlp_l1_penalty, mlp_l1_grad)],
                         ids=["l2", "l1"])
def test_mlp_gradients_match_finite_differences(penalty, grad, seed):
    """Do the (W, b) gradients match centred differences of the penalty, W and b alike (rel err <= 1e-7)?"""
    params = [(np.where(np.abs(W) < 0.05, 0.3, W), b) for W, b in _pairs(seed)]  # away from |W|'s kink
    analytic = grad(params, 0.7)
    for i, (W, b) in enumerate(params):
        for j, array in enumerate((W, b)):
            numeric = numerical_gradient(lambda _: penalty(params, 0.7), array)
            assert relative_error(analytic[i][j], numeric) <= 1e-7 or np.all(numeric == analytic[i][j])


def test_l1_subgradient_is_zero_at_zero():
    """Is sign(0) = 0: a weight already at 0 gets no push either way?"""
    (dW, _), = mlp_l1_grad([(np.array([[0.0, -3.0], [2.0, 0.0]]), np.zeros(2))], 0.5)
    np.testing.assert_array_equal(dW, [[0.0, -0.5], [0.5, 0.0]])


def test_sgd_step_l2_equals_sgd_with_weight_decay_on_the_weights():
    """Is sgd_step_l2 the SGD class with weight_decay = 2 lam on W and none on b, bit for bit?"""
    params, grads = _pairs(3), _pairs(4)
    new = sgd_step_l2(params, grads, 0.05, 0.3)
    weights = [W.copy() for W, _ in params]
    biases = [b.copy() for _, b in params]
    SGD(lr=0.05, weight_decay=0.6).step(weights, [dW for dW, _ in grads])
    SGD(lr=0.05).step(biases, [db for _, db in grads])
    for (W, b), W_class, b_class in zip(new, weights, biases):
        np.testing.assert_array_equal(W, W_class)
        np.testing.assert_array_equal(b, b_class)
    # and params itself is untouched
    np.testing.assert_array_equal(params[0][0], _pairs(3)[0][0])


def test_sgd_step_l2_keeps_float32():
    params = [(np.full((2, 2), 0.5, np.float32), np.ones(2, np.float32))]
    (W, b), = sgd_step_l2(params, params, 0.5, 0.25)
    assert W.dtype == b.dtype == np.float32


@pytest.mark.parametrize("patience, min_delta, best, stop", [(2, 0.0, 3, 5), (3, 0.0, 6, 9), (3, 0.01, 3, 6)])
def test_early_stopping_worked_example(patience, min_delta, best, stop):
    """The chapter's ten validation losses: patience 2 -> (3, 5); 3 -> (6, 9); 3 with min_delta 0.01 -> (3, 6)?"""
    assert early_stopping(VAL_LOSSES, patience, min_delta) == (best, stop)


def test_early_stopping_edges():
    """Empty list, no stop, patience 0, ties (not an improvement), a first epoch that is best."""
    assert early_stopping([], 3) == (None, None)
    assert early_stopping([3.0, 2.0, 1.0], 1) == (2, None)
    assert early_stopping([1.0, 1.0, 0.5], 0) == (0, 1)
    assert early_stopping([1.0, 1.0, 1.0, 0.5], 2) == (0, 2)
    assert early_stopping(np.array([0.5, 0.6, 0.7]), 5) == (0, None)


@pytest.mark.parametrize("seed", range(6))
def test_pure_early_stopping_agrees_with_the_callback(seed):
    """On random loss curves, does early_stopping name the epochs the EarlyStopping callback stops at?"""
    rng = np.random.default_rng(seed)
    losses = list(np.exp(-np.linspace(0, 2, 40)) + np.linspace(0, 0.4, 40) ** 2 + 0.02 * rng.normal(size=40))
    patience, min_delta = int(rng.integers(0, 6)), float(rng.choice([0.0, 0.005, 0.02]))
    es = EarlyStopping(patience, min_delta=min_delta)
    _, last = _run(es, losses)
    assert early_stopping(losses, patience, min_delta) == (es.best_epoch, es.stopped_epoch)
    assert es.stopped_epoch is None or es.stopped_epoch == last


@pytest.mark.parametrize("args, error, text", [
    (([[1.0, 2.0]], 2), ValueError, "1-D sequence of numbers, got shape (1, 2)"),
    (([1.0], -1), ValueError, "patience must be an integer >= 0, got -1"),
    (([1.0], 1, -0.5), ValueError, "min_delta must be >= 0, got -0.5"),
])
def test_early_stopping_function_validates(args, error, text):
    with pytest.raises(error, match=re.escape(text)):
        early_stopping(*args)


def test_soft_threshold_worked_example_and_zeros():
    """(0.3, -0.05, 0.002, -1.0) at t = 0.1 -> (0.2, 0, 0, -0.9), with no negative zeros; float32 kept?"""
    out = soft_threshold([0.3, -0.05, 0.002, -1.0], 0.1)
    np.testing.assert_allclose(out, [0.2, 0.0, 0.0, -0.9])
    assert not np.any(np.signbit(out[1:3]))
    assert soft_threshold(np.ones(3, np.float32), 0.25).dtype == np.float32
    np.testing.assert_array_equal(soft_threshold(np.array([1.0, -2.0]), 0.0), [1.0, -2.0])
    with pytest.raises(ValueError, match="t must be >= 0, got -1"):
        soft_threshold([1.0], -1)


def test_mlp_functions_explain_a_wrong_container():
    with pytest.raises(TypeError, match="params must be a list of \\(W, b\\) pairs.*got ndarray"):
        mlp_l2_penalty(np.ones((2, 2)), 0.1)
    with pytest.raises(TypeError, match=r"params\[1\] must be a pair \(W, b\), got ndarray"):
        mlp_l1_grad([(np.ones((2, 2)), np.ones(2)), np.ones(2)], 0.1)
    with pytest.raises(ValueError, match="one \\(dW, db\\) per layer, 2, got 1"):
        sgd_step_l2(_pairs(0), _pairs(0)[:1], 0.1, 0.1)


def test_weight_penalty_adds_the_weights_gradient_only():
    """Does WeightPenalty(SGD) step W with dW + 2 l2 W + l1 sign(W) and b with db alone?"""
    model = Sequential([Dense(2, 3, rng=0), Activation("tanh"), Dense(3, 2, rng=1)])
    X, y = make_moons(20, noise=0.1, rng=2)
    before = {k: p.copy() for k, p in model.parameters().items()}
    model.zero_grad()
    _, dY = softmax_cross_entropy_with_grad(model.forward(X), y)
    model.backward(dY, need_dX=False)
    data_grads = {k: g.copy() for k, g in model.gradients().items()}
    WeightPenalty(SGD(lr=0.1), l2=0.05, l1=0.02).step(model.parameters(), model.gradients())
    for key, p in model.parameters().items():
        extra = 2 * 0.05 * before[key] + 0.02 * np.sign(before[key]) if key.endswith(".W") else 0.0
        np.testing.assert_allclose(p, sgd_step(before[key], data_grads[key] + extra, 0.1), rtol=1e-13, err_msg=key)
    opt = WeightPenalty(SGD(lr=0.1), l2=0.1)
    opt.lr = 0.01
    assert opt.optimizer.lr == 0.01 and "l2=0.1" in repr(opt)
    with pytest.raises(TypeError, match="params and grads must be dicts"):
        opt.step([np.ones(2)], [np.ones(2)])


# ---------------------------------------------------------------- chapter 07 against PyTorch

REG_REFERENCE = json.loads((Path(__file__).with_name("torch_reference") / "regularization.json").read_text())


def _as_pairs(pairs):
    return [(np.array(W), np.array(b)) for W, b in pairs]


def _assert_penalties(case):
    params = _as_pairs(case["params"])
    for kind, penalty, grad in (("l2", mlp_l2_penalty, mlp_l2_grad), ("l1", mlp_l1_penalty, mlp_l1_grad)):
        assert penalty(params, case["lam"]) == pytest.approx(case[kind]["penalty"], rel=1e-12)
        for (dW, db), (tW, tb) in zip(grad(params, case["lam"]), _as_pairs(case[kind]["grads"])):
            np.testing.assert_allclose(dW, tW, rtol=1e-12, atol=0)
            np.testing.assert_array_equal(db, tb)


def _assert_sgd(case):
    params = _as_pairs(case["params"])
    for grads, after in zip(case["grads"], case["after"]):
        params = sgd_step_l2(params, _as_pairs(grads), case["lr"], case["lam"])
        for (W, b), (tW, tb) in zip(params, _as_pairs(after)):
            np.testing.assert_allclose(W, tW, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(b, tb, rtol=1e-12, atol=1e-15)


def test_penalties_sgd_and_softshrink_match_committed_pytorch_values():
    """Do the L2/L1 gradients (autograd, biases 0, |W|' = 0 at 0), sgd_step_l2 (SGD with parameter groups) and
    soft_threshold (softshrink) equal PyTorch's numbers, and does inverted dropout scale like F.dropout?"""
    assert REG_REFERENCE["torch_version"].split(".")[0] == "2"
    for case in REG_REFERENCE["penalties"]:
        _assert_penalties(case)
    for case in REG_REFERENCE["sgd_l2"]:
        _assert_sgd(case)
    for case in REG_REFERENCE["softshrink"]:
        np.testing.assert_allclose(soft_threshold(np.array(case["w"]), case["t"]), case["out"], rtol=1e-14, atol=0)
    torch_dropout = REG_REFERENCE["dropout"]
    from nnlib.functional import dropout_forward
    Y, _ = dropout_forward(np.ones((400, 50)), torch_dropout["p"], 710, training=True)
    assert sorted(set(np.round(Y, 12).ravel().tolist())) == torch_dropout["values"]
    assert abs(np.mean(Y == 0) - torch_dropout["zero_fraction"]) < 0.02  # both within ~3 sd (0.0065) of 0.3
    assert torch_dropout["test_is_identity"]


def test_chapter07_matches_pytorch_live():
    """With torch installed, does nnlib equal what torch computes now (and the committed values)?"""
    pytest.importorskip("torch", reason="torch is not installed (CI installs only .[dev]); "
                                        "the committed reference values are tested instead")
    spec = importlib.util.spec_from_file_location(
        "make_regularization", Path(__file__).with_name("torch_reference") / "make_regularization.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for case in module.torch_penalties():
        _assert_penalties(case)
    for case in module.torch_sgd_l2():
        _assert_sgd(case)
    for case in module.torch_softshrink():
        np.testing.assert_allclose(soft_threshold(case["w"], case["t"]), case["out"], rtol=1e-14, atol=0)
    assert module.torch_dropout() == REG_REFERENCE["dropout"]
