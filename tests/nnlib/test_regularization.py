"""Tests for nnlib.regularization: penalties and their gradients, clipping, early stopping."""
import math
import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.regularization import EarlyStopping, clip_by_norm, l1_grad, l1_penalty, l2_grad, l2_penalty
from nnlib.training import History


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
