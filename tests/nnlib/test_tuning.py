"""Tests for nnlib.tuning: search spaces, the random-search odds, successive halving, epoch arithmetic,
k-fold splits, permutation importance."""
import math
import types

import numpy as np
import pytest

from nnlib.metrics import accuracy
from nnlib.training import minibatches
from nnlib.tuning import (
    grid_search,
    hit_chance,
    iterations_per_epoch,
    k_fold,
    log_uniform,
    permutation_importance,
    random_search,
    sample_log_uniform,
    successive_halving_schedule,
    trials_for_hit_chance,
)


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


# ---------------------------------------------------------------- chapter 08's arithmetic


def test_grid_of_three_two_and_four_values_has_24_configurations():
    """{lr: 3 values, batch: 2, hidden: 4} -> 3 x 2 x 4 = 24 configurations, last key fastest?"""
    configs = list(grid_search({"lr": [0.1, 0.01, 0.001], "batch": [32, 128], "hidden": [8, 16, 32, 64]}))
    assert len(configs) == 24
    assert [c["hidden"] for c in configs[:5]] == [8, 16, 32, 64, 8]
    assert [c["batch"] for c in configs[:5]] == [32, 32, 32, 32, 128]
    assert configs[-1] == {"lr": 0.001, "batch": 128, "hidden": 64}


@pytest.mark.parametrize("n, chance", [(5, 0.226), (14, 0.512), (30, 0.785), (60, 0.954), (100, 0.994)])
def test_hit_chance_matches_the_chapter(n, chance):
    """1 - 0.95^n to three places: 5 -> 0.226, 14 -> 0.512, 30 -> 0.785, 60 -> 0.954, 100 -> 0.994?"""
    assert round(hit_chance(n), 3) == chance
    assert hit_chance(n) == pytest.approx(1 - 0.95 ** n, rel=1e-14)


def test_trials_for_hit_chance_is_the_smallest_enough():
    """59 trials reach 95 % for the top 5 % and 58 do not; the edges behave?"""
    assert trials_for_hit_chance(0.95) == 59
    assert hit_chance(59) >= 0.95 > hit_chance(58)
    for chance, top in [(0.5, 0.05), (0.99, 0.01), (0.9, 0.5), (0.5, 0.5), (0.75, 0.5)]:
        n = trials_for_hit_chance(chance, top)
        assert hit_chance(n, top) >= chance and (n == 1 or hit_chance(n - 1, top) < chance), (chance, top)
    assert trials_for_hit_chance(0.75, 0.5) == 2  # 1 - 0.5^2 = 0.75 exactly: 2 suffice
    assert hit_chance(0) == 0.0
    with pytest.raises(ValueError, match="top must be a fraction strictly between 0 and 1, got 5"):
        hit_chance(10, top=5)
    with pytest.raises(ValueError, match="n_trials must be an integer >= 0, got -1"):
        hit_chance(-1)
    with pytest.raises(ValueError, match="chance must be strictly between 0 and 1"):
        trials_for_hit_chance(1.0)


def test_successive_halving_27_configs_cost_108_epochs_not_729():
    """(27 x 1), (9 x 3), (3 x 9), (1 x 27): 108 epochs against 27 x 27 = 729?"""
    rounds = successive_halving_schedule(27, 1, eta=3)
    assert rounds == [(27, 1), (9, 3), (3, 9), (1, 27)]
    assert all(type(n) is int and type(r) is int for n, r in rounds)
    assert sum(n * r for n, r in rounds) == 108
    assert rounds[0][0] * rounds[-1][1] == 729


@pytest.mark.parametrize("n, budget, eta, expected", [
    (20, 1, 3, [(20, 1), (6, 3), (2, 9)]),          # the last round has eta - 1 left: pick the better of 2
    (81, 0.5, 3, [(81, 0.5), (27, 1.5), (9, 4.5), (3, 13.5), (1, 40.5)]),
    (16, 2, 2, [(16, 2), (8, 4), (4, 8), (2, 16), (1, 32)]),
    (1, 5, 3, [(1, 5)]),                              # nothing to halve
    (2, 1, 3, [(2, 1)]),
    (3 ** 10, 1, 3, [(3 ** (10 - i), 3 ** i) for i in range(11)]),  # no float log rounding at exact powers
])
def test_successive_halving_rounds(n, budget, eta, expected):
    """n_i = floor(n / eta^i), r_i = budget * eta^i, until one round before n_i reaches 0?"""
    assert successive_halving_schedule(n, budget, eta) == expected


def test_successive_halving_rejects_bad_input():
    with pytest.raises(ValueError, match="eta must be an integer >= 2, got 1"):
        successive_halving_schedule(27, 1, eta=1)
    with pytest.raises(ValueError, match="n_configs must be an integer >= 1, got 0"):
        successive_halving_schedule(0, 1)
    with pytest.raises(ValueError, match="min_budget must be a number > 0, got 0"):
        successive_halving_schedule(27, 0)


@pytest.mark.parametrize("n, b, drop_last, expected", [
    (1000, 100, False, 10), (800, 150, False, 6), (800, 150, True, 5), (50, 10, False, 5),
    (0, 4, False, 0), (5, 9, False, 1), (5, 9, True, 0), (10 ** 18 + 1, 10 ** 9, False, 10 ** 9 + 1),
])
def test_iterations_per_epoch(n, b, drop_last, expected):
    """ceil(N / B) (floor with drop_last): 1000/100 -> 10, 800/150 -> 6 (not 3), huge N exact?"""
    assert iterations_per_epoch(n, b, drop_last) == expected
    if n < 10 ** 6:
        assert len(minibatches(n, b, 0, drop_last=drop_last)) == expected
    assert 5 * iterations_per_epoch(50, 10) == 25  # 50 rows, batches of 10, 5 epochs


def test_iterations_per_epoch_rejects_bad_input():
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        iterations_per_epoch(10, 0)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 0, got 2.5"):
        iterations_per_epoch(2.5, 1)


def test_k_fold_ten_samples_three_folds():
    """n = 10, k = 3: fold sizes 4, 3, 3?"""
    assert [len(val) for _, val in k_fold(10, 3, rng=0)] == [4, 3, 3]


sklearn_model_selection = pytest.importorskip("sklearn.model_selection",
                                              reason="scikit-learn is only a test-time reference")


@pytest.mark.parametrize("n, k", [(10, 3), (17, 5), (6, 6), (100, 7)])
def test_k_fold_without_shuffle_equals_scikit_learn(n, k):
    """k_fold(shuffle=False) gives exactly KFold(n_splits=k)'s consecutive folds, extra samples first?"""
    ours = k_fold(n, k, shuffle=False)
    theirs = list(sklearn_model_selection.KFold(n_splits=k).split(np.zeros((n, 1))))
    for (tr, va), (tr2, va2) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(va, va2)
        np.testing.assert_array_equal(tr, tr2)


def test_grid_search_equals_scikit_learn_parameter_grid():
    """With keys in sorted order (ParameterGrid sorts them), the same configurations in the same order?"""
    space = {"alpha": [1e-4, 1e-3], "batch": [16, 32, 64], "lr": [0.1, 0.01]}
    assert list(grid_search(space)) == list(sklearn_model_selection.ParameterGrid(space))


def test_sample_log_uniform_is_log_uniform_called_n_times():
    """The same draws as log_uniform(low, high)(rng) n times, a third of them in each of three decades?"""
    draws = sample_log_uniform(1e-4, 1e-1, 3000, rng=7)
    rng = np.random.default_rng(7)
    one_by_one = [log_uniform(1e-4, 1e-1)(rng) for _ in range(3000)]
    np.testing.assert_allclose(draws, one_by_one, rtol=1e-15)
    assert draws.shape == (3000,) and draws.dtype == np.float64
    counts = np.bincount(np.floor(np.log10(draws)).astype(int) + 4, minlength=3)
    assert np.all(np.abs(counts - 1000) < 120)  # Binomial(3000, 1/3): std ~ 26
    assert sample_log_uniform(1.0, 2.0, 0, rng=0).shape == (0,)
    with pytest.raises(ValueError, match="need low < high"):
        sample_log_uniform(2.0, 1.0, 5)
