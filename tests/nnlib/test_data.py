"""Tests for nnlib.data: toy data sets, the bundled digits, and the data chores."""
import numpy as np
import pytest

from nnlib.data import (
    load_digits,
    logic_gate,
    make_blobs,
    make_circles,
    make_moons,
    make_regression_1d,
    make_spirals,
    one_hot,
    standardize,
    train_val_split,
)

CLASSIFICATION = [make_moons, make_circles, make_spirals, make_blobs]


# ---------------------------------------------------------------- logic gates


@pytest.mark.parametrize("name, targets", [
    ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("nand", [1, 1, 1, 0]),
    ("nor", [1, 0, 0, 0]), ("xor", [0, 1, 1, 0]),
])
def test_logic_gate_truth_tables(name, targets):
    """Does each gate give inputs 00, 01, 10, 11 in that order and its truth table as float64?"""
    X, t = logic_gate(name)
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert t.shape == (4,) and t.dtype == np.float64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(t, targets)


def test_logic_gate_unknown_name():
    """Is an unknown gate rejected with the list of valid names?"""
    with pytest.raises(ValueError, match=r"\['and', 'nand', 'nor', 'or', 'xor'\].*'xnor'"):
        logic_gate("xnor")
    X, t = logic_gate("XOR")  # case does not matter
    np.testing.assert_array_equal(t, [0, 1, 1, 0])


# ---------------------------------------------------------------- generators


@pytest.mark.parametrize("make", CLASSIFICATION)
@pytest.mark.parametrize("n", [2 * 3 * 5, 101])
def test_generators_shapes_dtypes_balance(make, n):
    """Does every generator return X (n, 2) float64 and int64 labels split as evenly as n allows?"""
    X, y = make(n, rng=0)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.sum() == n and counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(X))


def test_spirals_and_blobs_class_counts():
    """Do n_classes / centers set the number of classes (100 into 3 -> 34, 33, 33)?"""
    _, y = make_spirals(100, rng=0, n_classes=3)
    np.testing.assert_array_equal(np.bincount(y), [34, 33, 33])
    _, y = make_blobs(10, rng=0, centers=4)
    np.testing.assert_array_equal(np.bincount(y), [3, 3, 2, 2])
    X, y = make_blobs(6, noise=0.0, rng=0, centers=[[0, 0, 0], [5, 5, 5]])
    assert X.shape == (6, 3)
    np.testing.assert_array_equal(X, np.array([[0, 0, 0], [5, 5, 5]], float)[y])


@pytest.mark.parametrize("make", CLASSIFICATION + [make_regression_1d])
def test_generators_are_reproducible(make):
    """Does the same seed give the same data, and a different seed different data?"""
    X1, y1 = make(40, rng=3)
    X2, y2 = make(40, rng=np.random.default_rng(3))
    X3, _ = make(40, rng=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_noise_free_shapes_are_exact():
    """Without noise, do the circles have radii 1 and factor, and the moons lie on unit half circles?"""
    X, y = make_circles(50, noise=0.0, rng=0, factor=0.3)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)
    X, y = make_moons(50, noise=0.0, rng=0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    assert np.all(X[y == 0, 1] >= -1e-12) and np.all(X[y == 1, 1] <= 0.5 + 1e-12)


def test_regression_1d():
    """Does make_regression_1d give X (n, 1) sorted in [-1, 1] and y = sin(pi x) plus noise?"""
    X, y = make_regression_1d(200, noise=0.0, rng=1)
    assert X.shape == (200, 1) and y.shape == (200,) and y.dtype == np.float64
    assert np.all(np.diff(X[:, 0]) >= 0) and X.min() >= -1 and X.max() <= 1
    np.testing.assert_allclose(y, np.sin(np.pi * X[:, 0]))
    _, y_noisy = make_regression_1d(2000, noise=0.1, rng=1)
    X_noisy, _ = make_regression_1d(2000, noise=0.1, rng=1)
    assert np.std(y_noisy - np.sin(np.pi * X_noisy[:, 0])) == pytest.approx(0.1, rel=0.1)


def test_generators_reject_bad_arguments():
    """Are too few samples, negative noise and a bad factor rejected by name?"""
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        make_moons(1)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        make_circles(10, noise=-0.1)
    with pytest.raises(ValueError, match=r"factor .* must be in \(0, 1\)"):
        make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match="n must be an integer >= 3"):
        make_spirals(2, n_classes=3)


# ---------------------------------------------------------------- digits


def test_load_digits_contents():
    """Are there 1797 samples of 64 pixel values in 0..16, labels 0..9, every class present?"""
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    np.testing.assert_array_equal(X, np.round(X))
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    np.testing.assert_array_equal(np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    # The first image is a zero: a ring of ink with an empty centre.
    assert y[0] == 0
    img = X[0].reshape(8, 8)
    assert img[3:5, 3:5].sum() == 0 and img[0].sum() > 0


def test_load_digits_returns_copies():
    """Does changing a returned array leave the next call's data intact?"""
    X, y = load_digits()
    X[:] = -1
    y[:] = -1
    X2, y2 = load_digits()
    assert X2.min() == 0 and y2.min() == 0
    assert X2.flags.writeable and y2.flags.writeable


# ---------------------------------------------------------------- chores


def test_standardize_gives_zero_mean_unit_std():
    """Does each column end with mean 0 and std 1, and do the returned statistics reproduce it?"""
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, [0.5, 2.0, 10.0], size=(500, 3))
    X_std, mean, std = standardize(X)
    np.testing.assert_allclose(X_std.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_std.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(mean, X.mean(axis=0))
    np.testing.assert_allclose(std, X.std(axis=0))
    X_val = rng.normal(size=(7, 3))
    X_val_std, m2, s2 = standardize(X_val, mean, std)
    np.testing.assert_allclose(X_val_std, (X_val - mean) / std)
    assert m2 is not None and s2 is not None


def test_standardize_constant_column_stays_finite():
    """Does a column that never varies become zeros (std taken as 1) instead of NaN?"""
    X = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    with np.errstate(all="raise"):
        X_std, mean, std = standardize(X)
    np.testing.assert_array_equal(std, [np.std([1.0, 3.0, 5.0]), 1.0])
    np.testing.assert_array_equal(X_std[:, 1], 0.0)
    X32 = X.astype(np.float32)
    assert standardize(X32)[0].dtype == np.float32


def test_standardize_rejects_half_statistics():
    """Is giving mean without std (or a wrong-length std) rejected?"""
    with pytest.raises(ValueError, match="both mean and std"):
        standardize(np.ones((3, 2)), mean=np.zeros(2))
    with pytest.raises(ValueError, match=r"std must have shape \(2,\)"):
        standardize(np.ones((3, 2)), mean=np.zeros(2), std=np.ones(3))


def test_train_val_split_stratified():
    """Does the split keep every row once, hold out 20 %, and keep class proportions?"""
    X, y = load_digits()
    X_tr, X_val, y_tr, y_val = train_val_split(X, y, val_fraction=0.2, rng=0)
    assert len(X_val) == round(0.2 * 1797) and len(X_tr) + len(X_val) == 1797
    # Every row ends up in exactly one part, with its own label.
    both = np.concatenate([np.column_stack([X_tr, y_tr]), np.column_stack([X_val, y_val])])
    full = np.column_stack([X, y])
    np.testing.assert_array_equal(np.unique(both, axis=0), np.unique(full, axis=0))
    share = np.bincount(y_val, minlength=10) / np.bincount(y, minlength=10)
    assert np.all(np.abs(share - 0.2) < 0.01)


def test_train_val_split_rare_class_and_regression():
    """Does stratification keep a 10 % class in both parts, and do float targets split plainly?"""
    y = np.array([0] * 90 + [1] * 10)
    X = np.arange(100.0)[:, None]
    for seed in range(5):
        _, _, y_tr, y_val = train_val_split(X, y, val_fraction=0.2, rng=seed)
        assert (y_val == 1).sum() == 2 and (y_tr == 1).sum() == 8
    Xr, yr = make_regression_1d(50, rng=0)
    X_tr, X_val, y_tr, y_val = train_val_split(Xr, yr, val_fraction=0.3, rng=0)
    assert X_val.shape == (15, 1) and y_tr.shape == (35,)
    a = train_val_split(X, y, rng=1)
    b = train_val_split(X, y, rng=1)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_train_val_split_rejects_bad_arguments():
    """Are mismatched rows and a fraction outside (0, 1) rejected by name?"""
    with pytest.raises(ValueError, match="y must have 4 rows"):
        train_val_split(np.ones((4, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"val_fraction must be in \(0, 1\)"):
        train_val_split(np.ones((4, 2)), np.ones(4), val_fraction=1.0)


def test_one_hot_round_trip():
    """Does one_hot put a single 1 in column y[i] of row i, so argmax gives y back?"""
    y = np.array([2, 0, 1, 2, 4])
    Y = one_hot(y)
    assert Y.shape == (5, 5) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)
    assert one_hot(y, n_classes=7).shape == (5, 7)
    np.testing.assert_array_equal(one_hot(np.array([1.0, 0.0])), [[0, 1], [1, 0]])


def test_one_hot_rejects_bad_labels():
    """Are labels outside 0..C-1 and non-integer labels rejected?"""
    with pytest.raises(ValueError, match="label 3 does not fit n_classes=3"):
        one_hot([0, 3], n_classes=3)
    with pytest.raises(ValueError, match=">= 0"):
        one_hot([0, -1])
    with pytest.raises(ValueError, match="whole-number labels"):
        one_hot([0.5, 1.0])
