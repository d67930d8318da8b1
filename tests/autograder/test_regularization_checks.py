"""Chapter 07's checks beyond the generic catalogue tests: the worked numbers in the case labels, the dropout
judge's messages, honest variants that must pass, and what a student reads."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from autograder import run_check
from autograder.checking.checks import get_spec
from autograder.checking.checks import regularization as R
from nnlib.optimizers import SGD


def _case(name, label_start, hidden=False):
    spec = get_spec(name)
    cases = list(spec.visible_cases()) + (list(spec.hidden_cases()) if hidden else [])
    return next(c for c in cases if c.label.startswith(label_start))


def _output(name, label_start):
    spec = get_spec(name)
    case = _case(name, label_start)
    return spec.reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))


# ---------------------------------------------------------------- the numbers the labels promise

def test_penalty_labels_state_the_reference_numbers():
    """0.0425 and 0.025 for w = (0.5, -2, 0) with lam = 0.01; gradients (0.01, -0.04, 0) and (0.01, -0.01, 0)."""
    assert _output("regularization.l2_penalty", "hand-worked") == pytest.approx(0.0425)
    assert _output("regularization.l1_penalty", "hand-worked") == pytest.approx(0.025)
    (dW, db), = _output("regularization.l2_grad", "hand-worked")
    np.testing.assert_allclose(dW, [[0.01, -0.04, 0.0]])
    np.testing.assert_array_equal(db, 0.0)
    (dW, db), = _output("regularization.l1_grad", "hand-worked")
    np.testing.assert_allclose(dW, [[0.01, -0.01, 0.0]])


def test_sgd_label_states_the_step_and_the_class_agrees():
    """W -> (0.489, -2.006, -0.01); and every visible case equals SGD(weight_decay=2 lam) on W, plain SGD on b."""
    (W, _), = _output("regularization.sgd_step_l2", "hand-worked")
    np.testing.assert_allclose(W, [[0.489, -2.006, -0.010]])
    spec = get_spec("regularization.sgd_step_l2")
    for case in list(spec.visible_cases()) + list(spec.hidden_cases()):
        params, grads, lr, lam = case.args
        new = spec.reference(params, grads, lr, lam)
        Ws, bs = [W.copy() for W, _ in params], [b.copy() for _, b in params]
        SGD(lr=lr, weight_decay=2 * lam).step(Ws, [dW for dW, _ in grads])
        SGD(lr=lr).step(bs, [db for _, db in grads])
        for (W, b), W_class, b_class in zip(new, Ws, bs):
            np.testing.assert_array_equal(W, W_class, err_msg=case.label)
            np.testing.assert_array_equal(b, b_class, err_msg=case.label)


def test_dropout_labels_state_the_worked_mask_and_the_expectation():
    """h = (1, 2, 3, 4), p = 0.25, the seed that drops unit 1: Y = (1.333, 0, 4, 5.333); ones at p = 0.2 keep mean ~1."""
    Y, mask = _output("regularization.dropout_forward", "hand-worked")
    np.testing.assert_allclose(Y, [[4 / 3, 0.0, 4.0, 16 / 3]])
    np.testing.assert_allclose(mask, [[4 / 3, 0.0, 4 / 3, 4 / 3]])
    Y, mask = _output("regularization.dropout_forward", "test time")
    np.testing.assert_array_equal(Y, [[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(mask, 1.0)
    Y, _ = _output("regularization.dropout_forward", "E[Y] = X")
    assert abs(Y.mean() - 1.0) < 0.02 and abs(np.mean(Y == 0) - 0.2) < 0.02
    dX = _output("regularization.dropout_backward", "hand-worked")
    np.testing.assert_allclose(dX, [[4 / 3, 0.0, 4 / 3, 4 / 3]])


@pytest.mark.parametrize("label, want", [("hand-worked: the chapter's ten losses, patience = 2", (3, 5)),
                                         ("hand-worked: patience = 3: ", (6, 9)),
                                         ("hand-worked: patience = 3, min_delta", (3, 6)),
                                         ("a curve that keeps falling", (4, None)),
                                         ("a dip after a rise", (1, 3))])
def test_early_stopping_labels_state_the_reference_numbers(label, want):
    assert _output("regularization.early_stopping", label) == want


def test_early_stopping_hidden_labels_state_the_reference_numbers():
    spec = get_spec("regularization.early_stopping")
    for start, want in (("a tie", (0, 2)), ("the first epoch", (0, 2)), ("edge: one epoch", (0, None)),
                        ("edge: no epochs", (None, None))):
        case = _case("regularization.early_stopping", start, hidden=True)
        assert spec.reference(*case.args, **case.kwargs) == want, start
    assert spec.reference(*_case("regularization.early_stopping", "patience = 0", hidden=True).args) == (1, 2)


def test_soft_threshold_label_states_the_reference_numbers():
    np.testing.assert_allclose(_output("regularization.soft_threshold", "hand-worked"), [0.2, 0.0, 0.0, -0.9])


# ---------------------------------------------------------------- honest variants pass

def test_honest_variants_pass():
    """Loops, generator expressions, np.where for the sign, a boolean mask scaled later, a while loop."""
    def l2_penalty(params, lam):
        total = 0.0
        for W, _b in params:
            total += np.sum(W * W)
        return lam * total

    def l1_grad(params, lam):
        return [(lam * np.where(W > 0, 1, np.where(W < 0, -1, 0)).astype(W.dtype), 0 * b) for W, b in params]

    def sgd_step_l2(params, grads, lr, lam):
        return [((1 - 2 * lr * lam) * W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]

    def dropout_forward(X, p_drop, rng, training):
        if not training:
            return X.copy(), np.ones_like(X)
        keep = rng.random(X.shape) >= p_drop
        mask = np.where(keep, 1 / (1 - p_drop), 0).astype(X.dtype)
        return X * mask, mask

    def early_stopping(val_losses, patience, min_delta=0.0):
        best, best_epoch, bad = None, None, 0
        epoch = 0
        while epoch < len(val_losses):
            if best is None or best - val_losses[epoch] > min_delta:
                best, best_epoch, bad = val_losses[epoch], epoch, 0
            else:
                bad += 1
                if bad == patience or patience == 0:
                    return best_epoch, epoch
            epoch += 1
        return best_epoch, None

    def soft_threshold(w, t):
        return np.where(w > t, w - t, np.where(w < -t, w + t, 0)).astype(w.dtype)

    for name, func in (("l2_penalty", l2_penalty), ("l1_grad", l1_grad), ("sgd_step_l2", sgd_step_l2),
                       ("dropout_forward", dropout_forward), ("early_stopping", early_stopping),
                       ("soft_threshold", soft_threshold)):
        result = run_check(f"regularization.{name}", func, hidden=True)
        assert result.ok, result.report()


# ---------------------------------------------------------------- what a student reads

def _dropout_case(label_start):
    return _case("regularization.dropout_forward", label_start)


def test_dropout_judge_names_each_problem():
    case = _dropout_case("E[Y] = X")
    good = R.dropout_reference(*[a if i != 2 else np.random.default_rng(2) for i, a in enumerate(case.args)])
    assert R.judge_dropout(case, good) is None
    Y, mask = good
    assert "return the pair (Y, mask)" in R.judge_dropout(case, Y)
    assert "holds 0 and 1" in R.judge_dropout(case, (Y * 0.8, (mask > 0).astype(float)))
    assert "classic dropout" in R.judge_dropout(case, (Y * 0.8 * 0.8, (mask > 0) * 0.8))
    assert "Y must be X * mask" in R.judge_dropout(case, (case.args[0].copy(), mask))
    flipped = (mask == 0) / (1 - 0.2)
    assert "not of keeping it" in R.judge_dropout(case, (case.args[0] * flipped, flipped))
    other = (np.random.default_rng(99).random(case.args[0].shape) >= 0.2) / 0.8
    assert "not the one rng gives" in R.judge_dropout(case, (case.args[0] * other, other))
    assert "must have X's shape" in R.judge_dropout(case, (Y[:5], mask[:5]))
    test_case = _dropout_case("test time")
    X = test_case.args[0]
    assert "the identity: Y = X" in R.judge_dropout(test_case, (X * 0.75, np.full(X.shape, 0.75)))
    assert "mask of ones" in R.judge_dropout(test_case, (X.copy(), np.zeros(X.shape)))


def test_dropout_from_np_random_is_named():
    def global_rng(X, p_drop, rng, training):
        if not training:
            return X.copy(), np.ones_like(X)
        mask = (np.random.random(X.shape) >= p_drop) / (1 - p_drop)
        return X * mask, mask

    report = run_check("regularization.dropout_forward", global_rng).report()
    assert "not the one rng gives" in report and "rng.random(X.shape) >= p_drop" in report
    assert "np.random.default_rng(" in report  # the seed, by name


def test_keep_probability_convention_is_explained():
    """The notes' p = keep probability: the student reads which convention the exercise uses."""
    wrong = get_spec("regularization.dropout_forward").mistakes[1].wrong
    report = run_check("regularization.dropout_forward", wrong).report()
    assert "p_drop is the probability of dropping" in report


@pytest.mark.parametrize("name, index", [("regularization.l2_penalty", 0), ("regularization.l1_grad", 0),
                                         ("regularization.early_stopping", 0)])
def test_an_essential_case_caps_the_score(name, index):
    """Penalising the biases, sign(0) = 1 and ignoring min_delta fail an essential case: at most half the points."""
    result = run_check(name, get_spec(name).mistakes[index].wrong)
    assert result.essential_failed and result.score(2) <= 1.0


def test_l2_gradient_of_the_biases_is_named():
    def with_biases(params, lam):
        return [(2 * lam * W, 2 * lam * b) for W, b in params]

    report = run_check("regularization.l2_grad", with_biases).report()
    assert "db = np.zeros_like(b)" in report and "not 2 lam b" in report


def test_sgd_step_that_decays_the_biases_is_named():
    def decays_everything(params, grads, lr, lam):
        return [(W - lr * (dW + 2 * lam * W), b - lr * (db + 2 * lam * b)) for (W, b), (dW, db) in zip(params, grads)]

    report = run_check("regularization.sgd_step_l2", decays_everything).report()
    assert "the biases are not penalised" in report


def test_handing_in_nnlib_is_caught():
    """Calling nnlib's functions (or the SGD class) instead of writing the step fails with the name of what was used."""
    from nnlib import regularization as nnreg
    from nnlib.functional import dropout_forward

    report = run_check("regularization.sgd_step_l2", lambda *a: nnreg.sgd_step_l2(*a)).report()
    assert "nnlib.regularization.sgd_step_l2" in report

    def via_functional(X, p_drop, rng, training):
        Y, cache = dropout_forward(X, p_drop, rng, training)
        return Y, cache["mask"] if cache["mask"] is not None else np.ones_like(X)

    assert "nnlib.functional.dropout_forward" in run_check("regularization.dropout_forward", via_functional).report()
