"""Tests for nnlib.layers.Standardize: the fixed input scaling a network can carry (chapter 08's capstone)."""
import numpy as np
import pytest

from nnlib.data import load_digits, standardize
from nnlib.gradcheck import check_layer
from nnlib.layers import Activation, Dense, Standardize
from nnlib.network import Sequential
from nnlib.optimizers import Adam
from nnlib.training import fit


def test_forward_is_nnlibs_standardize_with_the_training_statistics():
    """from_data(X_train) maps X_train like standardize(X_train), and new rows with the same statistics?"""
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(20, 4))
    X[:, 2] = 5.0  # a constant column: std 0 is replaced by 1, so it becomes 0
    layer = Standardize.from_data(X)
    expected, mean, std = standardize(X)
    np.testing.assert_array_equal(layer.forward(X), expected)
    new = rng.normal(size=(3, 4))
    np.testing.assert_allclose(layer.forward(new, training=False), (new - mean) / std, rtol=1e-15)
    assert layer.params == {} and layer.grads == {}
    np.testing.assert_array_equal(layer.forward(X)[:, 2], 0.0)


def test_hand_worked_column():
    """mean (1, 10), std (2, 5): the row (3, 0) becomes (1, -2); dY (4, 5) goes back as (2, 1)."""
    layer = Standardize([1.0, 10.0], [2.0, 5.0])
    np.testing.assert_array_equal(layer.forward(np.array([[3.0, 0.0]])), [[1.0, -2.0]])
    np.testing.assert_array_equal(layer.backward(np.array([[4.0, 5.0]])), [[2.0, 1.0]])
    assert layer.backward(np.array([[4.0, 5.0]]), need_dX=False) is None


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    layer = Standardize(rng.normal(size=5), rng.uniform(0.5, 2.0, size=5))
    errors = check_layer(layer, rng.normal(size=(6, 5)))
    assert errors and all(e < 1e-8 for e in errors.values()), errors


def test_float32_stays_float32():
    layer = Standardize([0.5, 1.0], [2.0, 4.0])
    Y = layer.forward(np.ones((2, 2), dtype=np.float32))
    assert Y.dtype == np.float32
    assert layer.backward(np.ones((2, 2), dtype=np.float32)).dtype == np.float32


def test_bad_statistics_and_inputs_are_named():
    with pytest.raises(ValueError, match="std must be > 0 everywhere, got \\[0.0\\]"):
        Standardize([0.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"std must have shape \(2,\), got \(3,\)"):
        Standardize([0.0, 1.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\), got \(4, 3\)"):
        Standardize([0.0, 1.0], [1.0, 1.0]).forward(np.zeros((4, 3)))


def test_a_network_with_it_takes_raw_pixels_and_trains_like_one_fed_standardized_data():
    """Standardize + Dense trained on raw digits gives the weights Dense alone gets on standardized digits."""
    X, y = load_digits()
    X, y = X[:300], y[:300]
    first = Standardize.from_data(X)
    with_layer = Sequential([first, Dense(64, 10, rng=0)])
    alone = Sequential([Dense(64, 10, rng=0)])
    fit(with_layer, "softmax_cross_entropy", Adam(lr=1e-2), X, y, epochs=3, batch_size=50, rng=1, progress=False)
    fit(alone, "softmax_cross_entropy", Adam(lr=1e-2), standardize(X)[0], y, epochs=3, batch_size=50, rng=1,
        progress=False)
    np.testing.assert_allclose(with_layer.layers[1].params["W"], alone.layers[0].params["W"], rtol=1e-12)
    assert Sequential([first, Dense(64, 5, rng=0), Activation("relu")]).forward(X[:2]).shape == (2, 5)


def test_adapt_takes_the_statistics_of_new_data():
    X = np.array([[1.0, 2.0], [3.0, 6.0]])
    layer = Standardize(np.zeros(2), np.ones(2))
    assert layer.adapt(X) is layer
    np.testing.assert_array_equal(layer.mean, [2.0, 4.0])
    np.testing.assert_array_equal(layer.std, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"Standardize.adapt: X's columns must have shape \(2,\), got \(3,\)"):
        layer.adapt(np.zeros((4, 3)))
