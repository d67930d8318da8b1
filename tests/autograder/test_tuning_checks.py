"""Chapter 08's checks beyond the generic catalogue tests: the worked numbers in the case labels,
the behaviour judges, honest variants that must pass, and the messages a student reads."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from autograder import run_check
from autograder.checking.checks import get_spec
from autograder.checking.checks import tuning as T
from nnlib import metrics, tuning


def _case(name, label_start, hidden=False):
    spec = get_spec(name)
    cases = list(spec.visible_cases()) + (list(spec.hidden_cases()) if hidden else [])
    return next(c for c in cases if c.label.startswith(label_start))


def _output(name, label_start, hidden=False):
    spec = get_spec(name)
    return T._reference(spec.reference, _case(name, label_start, hidden))


# ---------------------------------------------------------------- the numbers the labels promise

def test_grid_labels_count_right():
    """{a: [1, 2], b: [3, 4]} in the stated order; the chapter's grid has 24 configurations?"""
    assert _output("tuning.grid_search", "hand-worked") == [
        {"a": 1, "b": 3}, {"a": 1, "b": 4}, {"a": 2, "b": 3}, {"a": 2, "b": 4}]
    assert len(_output("tuning.grid_search", "the chapter's grid")) == 24
    assert len(_output("tuning.grid_search", "four names", hidden=True)) == 24


def test_log_uniform_labels_spread_over_the_decades():
    """1e-4 .. 1e-1: about a third per decade (within 5 std of Binomial(300, 1/3))?"""
    draws = _output("tuning.sample_log_uniform", "hand-worked")
    counts = np.bincount(np.floor(np.log10(draws)).astype(int) + 4, minlength=3)
    assert counts.sum() == 300 and np.all(np.abs(counts - 100) < 5 * math.sqrt(300 / 9 * 2))


def test_k_fold_labels_state_the_sizes():
    assert [len(v) for _, v in _output("tuning.k_fold", "hand-worked")] == [4, 3, 3]
    assert [v.tolist() for _, v in _output("tuning.k_fold", "shuffle=False")] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [len(v) for _, v in _output("tuning.k_fold", "shuffle=False, n = 17", hidden=True)] == [4, 4, 3, 3, 3]


def test_successive_halving_labels_state_the_rounds():
    rounds = _output("tuning.successive_halving_schedule", "hand-worked")
    assert rounds == [(27, 1), (9, 3), (3, 9), (1, 27)] and sum(n * r for n, r in rounds) == 108
    assert _output("tuning.successive_halving_schedule", "20 configurations") == [(20, 1), (6, 3), (2, 9)]
    assert len(_output("tuning.successive_halving_schedule", "243", hidden=True)) == 6
    assert math.log(243) / math.log(3) < 5  # the float trap the label names
    assert [r for _, r in _output("tuning.successive_halving_schedule", "81", hidden=True)] == \
        [0.5, 1.5, 4.5, 13.5, 40.5]


def test_iterations_labels_state_the_counts():
    assert _output("tuning.iterations_per_epoch", "the notes' 800") == 6
    assert _output("tuning.iterations_per_epoch", "1000 rows") == 10
    assert _output("tuning.iterations_per_epoch", "70 rows") == 2
    assert _output("tuning.iterations_per_epoch", "drop_last=True") == 5
    assert _output("tuning.iterations_per_epoch", "850 rows", hidden=True) == 9 and round(8.5) == 8


def test_metric_labels_state_the_chapter_numbers():
    np.testing.assert_array_equal(_output("tuning.confusion_matrix", "hand-worked"), [[3, 1, 0], [0, 2, 1], [1, 0, 2]])
    P, R, F, macro = _output("tuning.precision_recall_f1", "hand-worked")
    np.testing.assert_allclose(np.round(P, 3), [0.75, 0.667, 0.667])
    np.testing.assert_allclose(np.round(R, 3), [0.75, 0.667, 0.667])
    assert round(macro, 3) == 0.694
    P, R, F, _ = _output("tuning.precision_recall_f1", "a class never predicted")
    assert P[2] == 0.0 and F[2] == 0.0 and R[2] == 0.0


def test_permutation_case_model_ignores_columns_0_and_2():
    mean, _ = _output("tuning.permutation_importance", "hand-made")
    assert mean[0] == 0.0 and mean[2] == 0.0 and mean[1] > 0.2
    _, std1 = _output("tuning.permutation_importance", "n_repeats = 1")
    np.testing.assert_array_equal(std1, 0.0)


# ---------------------------------------------------------------- honest variants pass

def test_honest_grid_variant_passes_and_a_generator_is_named():
    """Recursion over the names is accepted; a generator gets its own message (the re-check reads data)."""
    def recursive(space):
        names = list(space)
        if not names:
            return [{}]
        rest = recursive({k: space[k] for k in names[1:]})
        return [{names[0]: v, **r} for v in space[names[0]] for r in rest]

    def by_yield(space):
        names = list(space)
        for combo in itertools.product(*space.values()):
            yield dict(zip(names, combo))

    assert run_check("tuning.grid_search", recursive, hidden=True).ok
    report = run_check("tuning.grid_search", by_yield).report()
    assert "returned a generator (a function with `yield`); return a list of configurations" in report


def test_random_search_with_rng_choice_passes():
    """rng.choice(values) draws the same index as rng.integers(len(values)): the same configurations."""
    def with_choice(space, n, rng):
        return [{name: values(rng) if callable(values) else rng.choice(values) for name, values in space.items()}
                for _ in range(n)]

    assert run_check("tuning.random_search", with_choice, hidden=True).ok


def test_log_uniform_in_base_ten_passes():
    def base_ten(low, high, n, rng):
        return 10 ** rng.uniform(np.log10(low), np.log10(high), size=n)

    assert run_check("tuning.sample_log_uniform", base_ten, hidden=True).ok


def test_k_fold_with_unsorted_folds_and_a_loop_passes():
    """Folds sliced from the permutation (not sorted) and train from a boolean mask: accepted."""
    def k_fold(n, k, rng, shuffle=True):
        order = rng.permutation(n) if shuffle else np.arange(n)
        out, start = [], 0
        for i in range(k):
            size = n // k + (1 if i < n % k else 0)
            val = order[start:start + size]
            mask = np.ones(n, dtype=bool)
            mask[val] = False
            out.append((np.arange(n)[mask], val))
            start += size
        return out

    assert run_check("tuning.k_fold", k_fold, hidden=True).ok


def test_confusion_matrix_loop_with_float_counts_passes():
    def loop(y_true, y_pred, n_classes):
        M = np.zeros((n_classes, n_classes))
        for t, p in zip(y_true, y_pred):
            M[t, p] += 1
        return M

    assert run_check("tuning.confusion_matrix", loop, hidden=True).ok


def test_permutation_importance_shuffling_the_column_itself_passes():
    """rng.permutation(X[:, j]) shuffles with the same swaps as X[rng.permutation(N), j]."""
    def pi(predict, X, y, metric, rng, n_repeats=5):
        base = metric(predict(X), y)
        drops = []
        for j in range(X.shape[1]):
            row = []
            for _ in range(n_repeats):
                Xs = X.copy()
                Xs[:, j] = rng.permutation(X[:, j])
                row.append(base - metric(predict(Xs), y))
            drops.append(row)
        return np.mean(drops, axis=1), np.std(drops, axis=1)

    assert run_check("tuning.permutation_importance", pi, hidden=True).ok


def test_schedule_with_float_division_counts_passes():
    """n / eta**i floored by int(): the same whole numbers, accepted as numbers."""
    def schedule(n_configs, min_budget, eta):
        out, i = [], 0
        while n_configs // eta ** i >= 1:
            out.append([n_configs // eta ** i, min_budget * eta ** i])
            i += 1
        return out

    assert run_check("tuning.successive_halving_schedule", schedule, hidden=True).ok


# ---------------------------------------------------------------- what a student reads

def test_grid_first_key_fastest_message():
    report = run_check("tuning.grid_search", get_spec("tuning.grid_search").mistakes[0].wrong).report()
    assert "configuration 1 is {'a': 2, 'b': 3}, expected {'a': 1, 'b': 4}" in report
    assert "the last name ('b') varies fastest" in report
    assert "Hint: the last name varies fastest (an odometer)" in report


def test_grid_shared_dict_message():
    report = run_check("tuning.grid_search", get_spec("tuning.grid_search").mistakes[1].wrong).report()
    assert "every configuration is the same dict object" in report


def test_grid_judge_says_what_is_wrong():
    case = _case("tuning.grid_search", "hand-worked")
    good = _output("tuning.grid_search", "hand-worked")
    assert T.judge_grid(case, good) is None
    assert T.judge_grid(case, tuple(good)) is None
    assert "returned 3 configurations; 2 x 2 = 4" in T.judge_grid(case, good[:3])
    assert "comes more than once" in T.judge_grid(case, good[:3] + good[:1])
    assert "{'a': 2, 'b': 4} is missing" in T.judge_grid(case, good[:3] + [{"a": 1, "b": 9}])
    assert "return a list of configurations" in T.judge_grid(case, {"a": 1})
    assert "did you forget `return`" in T.judge_grid(case, None)


def test_random_search_messages():
    case = _case("tuning.random_search", "hand-worked")
    good = _output("tuning.random_search", "hand-worked")
    assert T.judge_random(case, good) is None
    assert "returned 3 configurations; n = 4" in T.judge_random(case, good[:3])
    bad = [dict(c) for c in good]
    bad[0]["hidden"] = 48
    assert "'hidden' = 48, which is not one of its candidates [16, 32, 64]" in T.judge_random(case, bad)

    def global_random(space, n, rng):
        g = np.random.default_rng(12345)
        return [{k: v[int(g.integers(len(v)))] for k, v in space.items()} for _ in range(n)]

    report = run_check("tuning.random_search", global_random).report()
    assert "valid configurations, but not the ones rng gives" in report
    report = run_check("tuning.random_search", get_spec("tuning.random_search").mistakes[1].wrong).report()
    assert "holds the sampler itself under 'lr'" in report and "log_uniform(0.0001, 0.1)" in report
    assert "0x" not in report  # no memory addresses


def test_log_uniform_plain_uniform_message():
    report = run_check("tuning.sample_log_uniform", get_spec("tuning.sample_log_uniform").mistakes[0].wrong).report()
    assert "of the draws fall in the lower half of the decades between 0.0001 and 0.1" in report
    assert "Hint: rng.uniform(low, high) puts almost every draw in the top decade" in report


def test_k_fold_messages():
    case = _case("tuning.k_fold", "hand-worked")
    good = _output("tuning.k_fold", "hand-worked")
    assert T.judge_k_fold(case, good) is None
    assert "returned 2 folds; k = 3" in T.judge_k_fold(case, good[:2])
    message = T.judge_k_fold(case, [(v, t) for t, v in good])
    assert "(train_idx, val_idx), the large part first" in message
    report = run_check("tuning.k_fold", get_spec("tuning.k_fold").mistakes[1].wrong).report()
    assert "validation folds of sizes [3, 3, 4]; n = 10 in k = 3 folds are [4, 3, 3]" in report


def test_iterations_floor_message_names_the_notes_slip():
    report = run_check("tuning.iterations_per_epoch", lambda n_samples, batch_size, drop_last=False:
                       n_samples // batch_size).report()
    assert "expected: 2" in report and "received: 1" in report
    assert "Hint: the rows left over make one more, smaller batch" in report


def test_confusion_matrix_fancy_index_message():
    def fancy(y_true, y_pred, n_classes):
        M = np.zeros((n_classes, n_classes), dtype=int)
        M[y_true, y_pred] += 1
        return M

    result = run_check("tuning.confusion_matrix", fancy)
    assert "np.add.at(M, (y_true, y_pred), 1)" in result.report()
    assert "expected: array([[3, 1, 0]" in result.report() or "[[3, 1, 0]" in result.report()
    assert result.essential_failed


def test_precision_nan_message():
    def plain(y_true, y_pred, n_classes):
        M = metrics.confusion_matrix(y_true, y_pred, n_classes).astype(float)
        P, R = np.diag(M) / M.sum(axis=0), np.diag(M) / M.sum(axis=1)
        F = 2 * P * R / (P + R)
        return P, R, F, float(np.nanmean(F))

    report = run_check("tuning.precision_recall_f1", plain).report()
    assert "NumPy warned: invalid value encountered in divide" in report
    assert "class 2 has TP + FP = 0, its precision 0/0 counts as 0" in report
    # written exactly as the catalogue's version (macro over the classes present), the hint names the fix
    report = run_check("tuning.precision_recall_f1",
                       get_spec("tuning.precision_recall_f1").mistakes[1].wrong).report()
    assert "Hint: a class never predicted has TP + FP = 0: define 0/0 as 0" in report


def test_permutation_messages():
    report = run_check("tuning.permutation_importance",
                       get_spec("tuning.permutation_importance").mistakes[0].wrong).report()
    assert "column 2 is never read by the model" in report
    assert "a model predicting 1 where 1 * X[:, 1] > 0" in report and "0x" not in report
    case = _case("tuning.permutation_importance", "hand-made")
    mean, std = _output("tuning.permutation_importance", "hand-made")
    assert T.judge_permutation(case, (mean, std)) is None
    assert "return the pair (mean, std)" in T.judge_permutation(case, mean)
    assert "std is shape (2,)" in T.judge_permutation(case, (mean, std[:2]))


@pytest.mark.parametrize("name", ["tuning.grid_search", "tuning.k_fold", "tuning.permutation_importance",
                                  "tuning.sample_log_uniform"])
def test_calling_nnlib_is_caught(name):
    spec = get_spec(name)
    reference = {"tuning.grid_search": tuning.grid_search, "tuning.k_fold": tuning.k_fold,
                 "tuning.permutation_importance": tuning.permutation_importance,
                 "tuning.sample_log_uniform": tuning.sample_log_uniform}[name]
    report = run_check(spec, lambda *a, **k: reference(*a, **k)).report()
    assert "the reference you are asked to re-implement" in report


def test_an_essential_case_caps_the_score():
    """Dropping the k-fold remainder passes 12 in 4s but earns at most half."""
    result = run_check("tuning.k_fold", get_spec("tuning.k_fold").mistakes[0].wrong, hidden=True)
    assert result.essential_failed and result.score(2) <= 1.0


# ---------------------------------------------------------------- the grader's re-check reads these outputs back

@pytest.mark.parametrize("name", [n for n in ("grid_search", "random_search", "sample_log_uniform", "k_fold",
                                              "successive_halving_schedule", "iterations_per_epoch",
                                              "confusion_matrix", "precision_recall_f1", "permutation_importance")])
def test_right_outputs_survive_the_recheck_wire_format(name):
    """Every case's right answer (and rng.choice's NumPy scalars) encodes, decodes and passes the grader's judgement."""
    from autograder.sandbox.encode import decode, dumps, encode
    from autograder.sandbox.verdict import _case_passes

    spec = get_spec(f"tuning.{name}")
    for case in list(spec.visible_cases()) + list(spec.hidden_cases()):
        output = T._reference(spec.reference, case)
        if name == "random_search":  # what rng.choice(values) returns: NumPy scalars
            space = case.args[0]
            output = [{k: (np.asarray(v)[()] if not callable(space[k]) else v) for k, v in c.items()} for c in output]
        data = encode(output)
        dumps(data)
        entry = {"label": case.label, "kind": None, "output": data}
        passed, _, why = _case_passes(spec, case, entry)
        assert passed, (case.label, why)
        assert decode(data) is not None
