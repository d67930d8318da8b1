"""Tests for nnlib.tuning: search spaces, k-fold splits, permutation importance."""
import math
import types

import numpy as np
import pytest

from nnlib.metrics import accuracy
from nnlib.tuning import grid_search, k_fold, log_uniform, permutation_importance, random_search


def test_grid_search_product_in_key_order():
    """Does grid_search yield every combination, the last key varying fastest?"""
    space = {"lr": [0.1, 0.01], "hidden": [8, 16, 32], "act": ["relu"]}
    gen = grid_search(space)
    assert isinstance(gen, types.GeneratorType)
    configs = list(gen)
    assert len(configs) == 2 * 3 * 1
    assert configs[0] == {"lr": 0.1, "hidden": 8, "act": "relu"}
    assert configs[1] == {"lr": 0.1, "hidden": 16, "act": "relu"}
    assert configs[3] == {"lr": 0.01, "hidden": 8, "act": "relu"}
    assert len({tuple(c.values()) for c in configs}) == 6
    assert all(list(c) == ["lr", "hidden", "act"] for c in configs)


def test_grid_search_validates_at_call():
    """Is an empty candidate list reported when grid_search is called, not when iterated?"""
    with pytest.raises(ValueError, match=r"space\['lr'\] must be a non-empty list"):
        grid_search({"lr": [], "hidden": [8]})
    with pytest.raises(ValueError, match="non-empty dict"):
        grid_search({})


def test_random_search_count_range_and_reproducibility():
    """Does random_search give n configs from the space, identical for the same seed?"""
    space = {"lr": log_uniform(1e-4, 1e-1), "hidden": [16, 32, 64], "dropout": [0.0, 0.5]}
    a = list(random_search(space, 50, rng=0))
    b = list(random_search(space, 50, rng=np.random.default_rng(0)))
    c = list(random_search(space, 50, rng=1))
    assert len(a) == 50 and a == b and a != c
    assert all(1e-4 <= cfg["lr"] <= 1e-1 for cfg in a)
    assert {cfg["hidden"] for cfg in a} == {16, 32, 64}
    assert {cfg["dropout"] for cfg in a} == {0.0, 0.5}
    assert all(list(cfg) == ["lr", "hidden", "dropout"] for cfg in a)
    assert list(random_search(space, 0, rng=0)) == []


def test_random_search_list_choice_is_uniform():
    """Are list candidates drawn with equal probability (each ~1/4 of 4000 draws)?"""
    counts = {v: 0 for v in "abcd"}
    for cfg in random_search({"k": list("abcd")}, 4000, rng=5):
        counts[cfg["k"]] += 1
    # Binomial(4000, 1/4): std ~ 27, allow 5 std.
    assert all(abs(c - 1000) < 140 for c in counts.values())


def test_log_uniform_spreads_over_decades():
    """Does log_uniform(1e-4, 1) put about a quarter of its draws in each factor of ten?"""
    sample = log_uniform(1e-4, 1.0)
    rng = np.random.default_rng(0)
    draws = np.array([sample(rng) for _ in range(4000)])
    decades = np.floor(np.log10(draws)).astype(int)
    counts = np.bincount(decades + 4, minlength=4)
    assert counts.size == 4 and np.all(np.abs(counts - 1000) < 140)
    with pytest.raises(ValueError, match="low < high"):
        log_uniform(1.0, 0.1)
    with pytest.raises(ValueError, match="low must be > 0"):
        log_uniform(0.0, 1.0)


@pytest.mark.parametrize("n, k", [(10, 2), (10, 3), (17, 5), (5, 5)])
def test_k_fold_partitions_every_index_once(n, k):
    """Is every index validated exactly once, with fold sizes within one and train = the rest?"""
    folds = k_fold(n, k, rng=0)
    assert len(folds) == k
    all_val = np.concatenate([val for _, val in folds])
    np.testing.assert_array_equal(np.sort(all_val), np.arange(n))
    sizes = [len(val) for _, val in folds]
    assert max(sizes) - min(sizes) <= 1 and sorted(sizes, reverse=True) == sizes
    for train, val in folds:
        assert np.intersect1d(train, val).size == 0
        np.testing.assert_array_equal(np.union1d(train, val), np.arange(n))


def test_k_fold_shuffle_and_order():
    """Does shuffle=False give consecutive blocks, and the same seed the same shuffled folds?"""
    folds = k_fold(7, 3, shuffle=False)
    assert [val.tolist() for _, val in folds] == [[0, 1, 2], [3, 4], [5, 6]]
    a, b = k_fold(20, 4, rng=2), k_fold(20, 4, rng=2)
    for (ta, va), (tb, vb) in zip(a, b):
        np.testing.assert_array_equal(va, vb)
    assert any(not np.array_equal(v, np.arange(5 * i, 5 * i + 5)) for i, (_, v) in enumerate(a))


def test_k_fold_rejects_bad_k():
    """Is k outside 2..n rejected with n named?"""
    with pytest.raises(ValueError, match="2 <= k <= n=4"):
        k_fold(4, 5)
    with pytest.raises(ValueError, match="2 <= k <= n=4"):
        k_fold(4, 1)


def test_permutation_importance_finds_the_used_column():
    """Does shuffling the only column the model uses cost accuracy, and an ignored column nothing?"""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 1] > 0).astype(int)
    X_before = X.copy()

    def predict(X):  # a "model" that looks only at column 1
        return (X[:, 1] > 0).astype(int)

    mean, std = permutation_importance(predict, X, y, accuracy, rng=0, n_repeats=5)
    assert mean.shape == (3,) and std.shape == (3,)
    np.testing.assert_array_equal(mean[[0, 2]], 0.0)
    np.testing.assert_array_equal(std[[0, 2]], 0.0)
    # Shuffling a perfect column leaves about half of the answers right.
    assert 0.4 < mean[1] < 0.6 and std[1] > 0
    np.testing.assert_array_equal(X, X_before)
    again = permutation_importance(predict, X, y, accuracy, rng=0, n_repeats=5)
    np.testing.assert_array_equal(again[0], mean)


def test_permutation_importance_matches_manual_shuffles():
    """Is each entry the baseline score minus the score after that column's shuffles, averaged?"""
    X = np.arange(12.0).reshape(6, 2)
    y = np.arange(6.0)

    def predict(X):
        return X[:, 0] / 2

    def score(pred, target):
        return -float(np.mean((pred - target) ** 2))

    mean, std = permutation_importance(predict, X, y, score, rng=3, n_repeats=4)
    rng = np.random.default_rng(3)
    drops = []
    for j in range(2):
        row = []
        for _ in range(4):
            Xs = X.copy()
            Xs[:, j] = X[rng.permutation(6), j]
            row.append(score(predict(X), y) - score(predict(Xs), y))
        drops.append(row)
    np.testing.assert_allclose(mean, np.mean(drops, axis=1), rtol=1e-15)
    np.testing.assert_allclose(std, np.std(drops, axis=1), rtol=1e-15)
    assert mean[1] == 0.0 and mean[0] > 0 and math.isfinite(std[0])
