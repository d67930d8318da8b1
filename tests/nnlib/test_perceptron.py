"""Tests for nnlib.perceptron: the McCulloch–Pitts neuron and the perceptron rule."""
import warnings

import numpy as np
import pytest

from nnlib.data import logic_gate
from nnlib.perceptron import ConvergenceWarning, Perceptron, mp_neuron, predict, train, update


# ---------------------------------------------------------------- mp_neuron


def test_mp_neuron_fires_only_strictly_above_threshold():
    """Does the neuron stay silent at h == theta and fire just above it (y = 1 iff h > theta)?"""
    w = np.array([1.0, 1.0])
    assert mp_neuron([1.0, 1.0], w, 2.0) == 0.0  # h = 2 = theta
    assert mp_neuron([1.0, 1.0 + 1e-12], w, 2.0) == 1.0
    assert mp_neuron([1.0, 1.0], w, 2.0 + 1e-12) == 0.0
    assert mp_neuron([1.0, 1.0], w, 1.5) == 1.0


def test_mp_neuron_single_input_returns_python_float():
    """Does one input vector give a plain Python float, as the notes' y = g(h)?"""
    y = mp_neuron(np.array([0.5, -1.0, 2.0]), np.array([2.0, 1.0, 0.25]), 0.0)
    assert type(y) is float and y == 1.0  # h = 1 - 1 + 0.5 = 0.5 > 0


def test_mp_neuron_batch_computes_and_gate():
    """Does a batch (N, D) give (N,) float64 outputs, e.g. AND with w = (1, 1), theta = 1.5?"""
    X, t = logic_gate("and")
    y = mp_neuron(X, np.array([1.0, 1.0]), 1.5)
    assert y.shape == (4,) and y.dtype == np.float64
    np.testing.assert_array_equal(y, t)
    # theta = 1 puts 01 and 10 exactly on the threshold (silent), theta = 2 puts 11 there.
    np.testing.assert_array_equal(mp_neuron(X, [1.0, 1.0], 1.0), [0, 0, 0, 1])
    np.testing.assert_array_equal(mp_neuron(X, [1.0, 1.0], 2.0), [0, 0, 0, 0])
    np.testing.assert_array_equal(mp_neuron(X, [1.0, 1.0], 0.5), [0, 1, 1, 1])  # OR


def test_mp_neuron_rejects_mismatched_shapes():
    """Is a wrong x or w shape reported with both shapes named?"""
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\).*\(4, 3\)"):
        mp_neuron(np.ones((4, 3)), np.ones(2), 0.0)
    with pytest.raises(ValueError, match=r"x must have shape \(2,\)"):
        mp_neuron(np.ones(3), np.ones(2), 0.0)
    with pytest.raises(ValueError, match="w must be 1-D"):
        mp_neuron(np.ones(2), np.ones((2, 1)), 0.0)
    with pytest.raises(TypeError, match="theta"):
        mp_neuron(np.ones(2), np.ones(2), np.ones(2))


# ---------------------------------------------------------------- predict / update


def test_predict_is_step_of_affine_map():
    """Does predict compute step(X @ w + b) with 0 at exactly z = 0?"""
    X = np.array([[1.0, 2.0], [0.0, 0.0], [-1.0, 0.5], [2.0, -1.0]])
    w, b = np.array([0.5, -0.25]), 0.0
    # z = 0, 0, -0.625, 1.25
    y = predict(X, w, b)
    assert y.dtype == np.float64 and y.shape == (4,)
    np.testing.assert_array_equal(y, [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(predict(X, w, 0.7), [1.0, 1.0, 1.0, 1.0])  # z = 0.7, 0.7, 0.075, 1.95


def test_predict_rejects_mismatched_shapes():
    """Is X of the wrong width rejected with a message naming both shapes?"""
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\).*\(5, 2\)"):
        predict(np.ones((5, 2)), np.ones(3), 0.0)


def test_update_applies_rule_once_and_does_not_mutate():
    """Does update move w by lr (t - y) x and b by lr (t - y), returning new arrays?"""
    w = np.array([0.2, -0.4, 0.1])
    x = np.array([1.0, 2.0, -1.0])
    w_before = w.copy()
    # z = 0.2 - 0.8 - 0.1 + 0.3 = -0.4 -> y = 0; t = 1 -> t - y = +1
    new_w, new_b = update(w, 0.3, x, 1, lr=0.5)
    np.testing.assert_allclose(new_w, [0.7, 0.6, -0.4], rtol=0, atol=1e-15)
    assert new_b == pytest.approx(0.8, abs=1e-15)
    np.testing.assert_array_equal(w, w_before)
    assert new_w is not w
    # Correctly classified (y = 0 = t): nothing moves, but a new array is still returned.
    same_w, same_b = update(w, 0.3, x, 0, lr=0.5)
    np.testing.assert_array_equal(same_w, w)
    assert same_b == 0.3 and same_w is not w
    # Fired wrongly: z = 0.2 + 0.3 > 0 with t = 0 moves away from x.
    w2, b2 = update(w, 0.3, np.array([1.0, 0.0, 0.0]), 0, lr=0.1)
    np.testing.assert_allclose(w2, [0.1, -0.4, 0.1], atol=1e-15)
    assert b2 == pytest.approx(0.2, abs=1e-15)


def test_update_rejects_bad_arguments():
    """Are a non-binary target, a bad lr and a wrong x shape rejected by name?"""
    with pytest.raises(ValueError, match="t must be 0 or 1"):
        update(np.zeros(2), 0.0, np.ones(2), 2)
    with pytest.raises(ValueError, match="lr must be > 0"):
        update(np.zeros(2), 0.0, np.ones(2), 1, lr=0.0)
    with pytest.raises(ValueError, match=r"x must have shape \(2,\)"):
        update(np.zeros(2), 0.0, np.ones(3), 1)


# ---------------------------------------------------------------- train


def test_train_and_matches_hand_computation():
    """Does train on AND from zeros, lr 0.1, order 00, 01, 10, 11, give the hand-computed run?

    step(z) = 1 only for z > 0.  Worked by hand (w = (w1, w2), b):

    - epoch 1, start (0, 0), 0: 00 z=0 ok; 01 z=0 ok; 10 z=0 ok; 11 z=0 -> y=0,
      t=1, error -> (0.1, 0.1), 0.1.  1 error.
    - epoch 2: 00 z=0.1 y=1 error -> (0.1, 0.1), 0; 01 z=0.1 error -> (0.1, 0), -0.1;
      10 z=0 ok; 11 z=0 error -> (0.2, 0.1), 0.  3 errors.
    - epoch 3: 00 z=0 ok; 01 z=0.1 error -> (0.2, 0), -0.1; 10 z=0.1 error ->
      (0.1, 0), -0.2; 11 z=-0.1 error -> (0.2, 0.1), -0.1.  3 errors.
    - epoch 4: 00 z=-0.1 ok; 01 z=0 ok; 10 z=0.1 error -> (0.1, 0.1), -0.2;
      11 z=0 error -> (0.2, 0.2), -0.1.  2 errors.
    - epoch 5: 00 ok; 01 z=0.1 error -> (0.2, 0.1), -0.2; 10 z=0 ok; 11 z=0.1 ok.  1 error.
    - epoch 6: z = -0.2, -0.1, 0, 0.1: all right.  0 errors, stop.

    So errors = [1, 3, 3, 2, 1, 0], w = (0.2, 0.1), b = -0.2.
    """
    X, t = logic_gate("and")
    w, b, errors = train(X, t, lr=0.1)
    assert errors == [1, 3, 3, 2, 1, 0]
    np.testing.assert_allclose(w, [0.2, 0.1], atol=1e-12)
    assert b == pytest.approx(-0.2, abs=1e-12)
    assert all(type(e) is int for e in errors)


def test_train_or_matches_hand_computation():
    """Does train on OR from zeros, lr 0.1, give errors [1, 2, 1, 0] and w = (0.1, 0.1), b = 0?

    Epoch 1: 01 is missed (z = 0) -> (0, 0.1), 0.1.  Epoch 2: 00 fires (z = 0.1)
    -> b = 0; 10 silent (z = 0) -> (0.1, 0.1), 0.1.  Epoch 3: 00 fires -> b = 0.
    Epoch 4: z = 0, 0.1, 0.1, 0.2: all right.
    """
    X, t = logic_gate("or")
    w, b, errors = train(X, t, lr=0.1)
    assert errors == [1, 2, 1, 0]
    np.testing.assert_allclose(w, [0.1, 0.1], atol=1e-12)
    assert b == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_array_equal(predict(X, w, b), t)


@pytest.mark.parametrize("gate", ["and", "or", "nand", "nor"])
def test_train_learns_linearly_separable_gates(gate):
    """Does train reach zero errors and a perfect truth table on every separable gate?"""
    X, t = logic_gate(gate)
    w, b, errors = train(X, t, lr=0.1, max_epochs=100)
    assert errors[-1] == 0 and all(e > 0 for e in errors[:-1])
    np.testing.assert_array_equal(predict(X, w, b), t)


def test_train_stops_at_max_epochs_on_xor():
    """On XOR, does train run exactly max_epochs epochs and end with mistakes?"""
    X, t = logic_gate("xor")
    w, b, errors = train(X, t, lr=0.1, max_epochs=25)
    assert len(errors) == 25 and errors[-1] > 0
    assert not np.array_equal(predict(X, w, b), t)


def test_train_uses_w0_without_mutating_it():
    """Does train start from w0, b0 (leaving w0 untouched) and stop at once if they already fit?"""
    X, t = logic_gate("and")
    w0 = np.array([1.0, 1.0])
    w, b, errors = train(X, t, w0=w0, b0=-1.5)
    assert errors == [0]
    np.testing.assert_array_equal(w, [1.0, 1.0])
    assert b == -1.5
    w[0] = 99.0
    np.testing.assert_array_equal(w0, [1.0, 1.0])


def test_train_rejects_bad_arguments():
    """Are non-binary targets, mismatched t and a bad max_epochs rejected by name?"""
    X, _ = logic_gate("and")
    with pytest.raises(ValueError, match="t must hold targets 0 or 1"):
        train(X, [0, 0, 0, 2])
    with pytest.raises(ValueError, match=r"t must have shape \(4,\)"):
        train(X, [0, 1, 1])
    with pytest.raises(ValueError, match="max_epochs must be a positive integer"):
        train(X, [0, 0, 0, 1], max_epochs=0)
    with pytest.raises(ValueError, match=r"w must have shape \(2,\)"):
        train(X, [0, 0, 0, 1], w0=np.zeros(3))


# ---------------------------------------------------------------- Perceptron


def test_perceptron_class_matches_train_function():
    """With zero init and no shuffling, does Perceptron.fit follow exactly the run of train()?"""
    X, t = logic_gate("and")
    w, b, errors = train(X, t, lr=0.1, max_epochs=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = Perceptron(lr=0.1, epochs=100).fit(X, t)
    np.testing.assert_array_equal(model.w_, w)
    assert model.b_ == b and model.errors_ == errors and model.converged_ is True
    np.testing.assert_array_equal(model.predict(X), t)


def test_perceptron_history_records_every_sample():
    """Is there one history entry per sample shown, with the index and the running error count?"""
    X, t = logic_gate("and")
    model = Perceptron(lr=0.1).fit(X, t)
    assert len(model.history_) == 4 * len(model.errors_)
    assert [h[2] for h in model.history_[:8]] == [0, 1, 2, 3, 0, 1, 2, 3]
    # Epoch 2 of the hand run: errors at samples 0, 1 and 3.
    assert [h[3] for h in model.history_[4:8]] == [1, 2, 2, 3]
    last_w, last_b, _, _ = model.history_[-1]
    np.testing.assert_array_equal(last_w, model.w_)
    assert last_b == model.b_
    # Entries are snapshots, not views of one array that keeps changing.
    np.testing.assert_allclose(model.history_[3][0], [0.1, 0.1])
    np.testing.assert_array_equal(model.initial_[0], [0.0, 0.0])


def test_perceptron_warns_and_reports_on_xor():
    """On XOR, does fit stop at the epoch limit with converged_ False and a ConvergenceWarning naming XOR?"""
    X, t = logic_gate("xor")
    with pytest.warns(ConvergenceWarning, match=r"did not converge in 30 epochs.*linearly separable.*XOR"):
        model = Perceptron(lr=0.1, epochs=30).fit(X, t)
    assert model.converged_ is False
    assert len(model.errors_) == 30 and model.errors_[-1] > 0
    assert issubclass(ConvergenceWarning, UserWarning)


def test_perceptron_random_init_and_shuffle_are_reproducible():
    """Do the same seed give the same run, and does shuffling visit every sample once per epoch?"""
    X, t = logic_gate("or")
    a = Perceptron(rng=7, init="random", shuffle=True).fit(X, t)
    b = Perceptron(rng=np.random.default_rng(7), init="random", shuffle=True).fit(X, t)
    np.testing.assert_array_equal(a.w_, b.w_)
    assert a.b_ == b.b_ and a.errors_ == b.errors_
    assert a.converged_
    np.testing.assert_array_equal(a.predict(X), t)
    assert 0 < np.abs(a.initial_[0]).max() < 0.1  # small, not zero
    for e in range(len(a.errors_)):
        assert sorted(h[2] for h in a.history_[4 * e:4 * e + 4]) == [0, 1, 2, 3]


def test_perceptron_rejects_bad_arguments_and_unfitted_use():
    """Are a bad init, lr or epochs rejected, and predict before fit explained?"""
    with pytest.raises(ValueError, match="init must be one of"):
        Perceptron(init="ones")
    with pytest.raises(ValueError, match="lr must be > 0"):
        Perceptron(lr=-1)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        Perceptron(epochs=2.5)
    with pytest.raises(RuntimeError, match="call fit"):
        Perceptron().predict(np.zeros((1, 2)))
    model = Perceptron().fit(*logic_gate("and"))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        model.predict(np.zeros((3, 5)))
