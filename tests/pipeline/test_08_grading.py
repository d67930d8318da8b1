"""Chapter 08's own traps, graded by real nbgrader, the sandbox and the re-check.

One grading run of four submissions.  Full marks for the full solution
(the capstone's 10 points included: its preview cell passes the contract
check under nbgrader) and zero for the stub, as
``test_every_chapter_grades.py`` asks of the other chapters; the partial sample (the first half of the
answers: iterations, grid and random search, log-uniform draws, successive
halving) earns exactly the points of its answers, and a submission whose
answers are right except for the chapter's classic traps earns what the
checking engine gives each function, at most half of an exercise whose
essential case fails.  The traps: floor division for the iterations of an
epoch (the notes' 800/150 slip), a grid whose first name varies fastest,
k folds of ``n // k`` that lose the remainder, a confusion matrix counted
with ``M[y_true, y_pred] += 1`` (repeated pairs counted once), precision
and recall swapped, and permutation importance that never puts a shuffled
column back.  The capstone's samples (scored by the grader's capstone step)
are graded in ``test_capstone_grading.py``.
"""
from __future__ import annotations

import nbformat
import pytest
from tests_support import autograded_points

from autograder import run_check
from autograder.pipeline.course import SECRET_ENV, copy_course
from autograder.pipeline.grade import grade
from autograder.pipeline.release import release
from autograder.pipeline.samples import answer_sources, fill, write_samples

pytestmark = pytest.mark.slow
CHAPTER = "08_tuning"

# The chapter's traps, written as a student writes them (numpy as np is the notebook's import).
TRAPS = {
    "iterations_per_epoch": ("tuning.iterations_per_epoch", 1, '''def iterations_per_epoch(n_samples, batch_size, drop_last=False):
    return n_samples // batch_size
'''),
    "grid_search": ("tuning.grid_search", 2, '''import itertools


def grid_search(space):
    names = list(space)[::-1]
    return [dict(zip(names, combo)) for combo in itertools.product(*(space[n] for n in names))]
'''),
    "k_fold": ("tuning.k_fold", 2, '''def k_fold(n, k, rng, shuffle=True):
    order = rng.permutation(n) if shuffle else np.arange(n)
    size = n // k
    folds = []
    for i in range(k):
        val_idx = order[i * size:(i + 1) * size]
        folds.append((np.setdiff1d(np.arange(n), val_idx), val_idx))
    return folds
'''),
    "confusion_matrix": ("tuning.confusion_matrix", 1, '''def confusion_matrix(y_true, y_pred, n_classes):
    M = np.zeros((n_classes, n_classes), dtype=int)
    M[y_true, y_pred] += 1
    return M
'''),
    "precision_recall_f1": ("tuning.precision_recall_f1", 2, '''def precision_recall_f1(y_true, y_pred, n_classes):
    M = np.zeros((n_classes, n_classes))
    np.add.at(M, (y_true, y_pred), 1)
    tp = np.diag(M)
    rows, cols = M.sum(axis=1), M.sum(axis=0)
    precision = np.divide(tp, rows, out=np.zeros(n_classes), where=rows > 0)
    recall = np.divide(tp, cols, out=np.zeros(n_classes), where=cols > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(n_classes), where=precision + recall > 0)
    present = (rows + cols) > 0
    return precision, recall, f1, float(f1[present].mean())
'''),
    "permutation_importance": ("tuning.permutation_importance", 2, '''def permutation_importance(predict, X, y, metric, rng, n_repeats=5):
    N, D = X.shape
    baseline = metric(predict(X), y)
    drops = np.zeros((D, n_repeats))
    X_shuffled = X.copy()
    for j in range(D):
        for r in range(n_repeats):
            X_shuffled[:, j] = X[rng.permutation(N), j]
            drops[j, r] = baseline - metric(predict(X_shuffled), y)
    return drops.mean(axis=1), drops.std(axis=1)
'''),
}
POINTS = {"iterations_per_epoch": 1, "grid_search": 2, "sample_log_uniform": 1, "random_search": 2,
          "successive_halving_schedule": 1, "k_fold": 2, "confusion_matrix": 1, "precision_recall_f1": 2,
          "permutation_importance": 2}
CAPSTONE_POINTS = 10


def engine_score(name: str, points: float, source: str, secret: str, monkeypatch) -> float:
    """What the checking engine gives ``source``, hidden cases drawn with the course's secret as the grader draws them."""
    import numpy as np

    namespace = {"np": np}
    exec(source, namespace)  # noqa: S102  a student's answer, as the notebook would run it
    func = namespace[name.split(".")[1]]
    with monkeypatch.context() as patch:
        patch.setenv(SECRET_ENV, secret)
        return run_check(name, func, hidden=True).score(points)


@pytest.fixture(scope="module")
def graded(repo_course, tmp_path_factory):
    """One grading run of four submissions: the full solution, the stub, the partial sample and the traps."""
    tmp_path = tmp_path_factory.mktemp("grading08")
    course = copy_course(repo_course, tmp_path / "course")
    release(course, [CHAPTER])
    samples = write_samples(course, CHAPTER, tmp_path / "samples")
    released = nbformat.read(course.released_notebook(CHAPTER), as_version=4)
    traps = dict(answer_sources(course, CHAPTER))
    for key, (_name, _points, source) in TRAPS.items():
        traps[f"{CHAPTER}-{key}"] = source
    notebooks = {student: nbformat.read(samples[student], as_version=4) for student in ("full", "stub", "partial")}
    notebooks["traps"] = fill(released, traps)
    subs = tmp_path / "subs"
    for student, nb in notebooks.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / f"{CHAPTER}.ipynb")
    results = {r.student: r for r in grade(course, subs, CHAPTER, jobs=2, progress=False)}
    return course, notebooks, results


def test_full_gets_full_marks_and_stub_gets_zero(graded):
    """Is the full solution worth every autograded point (the capstone's 10 included), and the stub nothing?"""
    course, _, results = graded
    assert (results["full"].status, results["stub"].status) == ("graded", "graded")
    assert results["full"].score == autograded_points(course, CHAPTER) == sum(POINTS.values()) + CAPSTONE_POINTS == 24
    assert results["full"].exercises[f"{CHAPTER}-capstone"][0] == CAPSTONE_POINTS
    # the grader's capstone step ran on the real chapter: the notebook's cells replayed, the reference network
    # trained on the course's training digits and measured on held-out ones
    assert results["full"].capstone["accuracy"] >= 0.95 and results["full"].capstone["points"] == CAPSTONE_POINTS
    assert results["stub"].score == 0


def test_partial_earns_exactly_its_answers(graded):
    """The first half of the answers (five exercises, 7 points) earns 7; the capstone, still a stub, 0."""
    _, notebooks, results = graded
    assert results["partial"].status == "graded"
    answered = [c.metadata["nbgrader"]["grade_id"].removeprefix(f"{CHAPTER}-") for c in notebooks["partial"].cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
                and "YOUR CODE HERE" not in c.source]
    assert answered == ["iterations_per_epoch", "grid_search", "sample_log_uniform", "random_search",
                        "successive_halving_schedule"]
    assert results["partial"].score == sum(POINTS[k] for k in answered) == 7
    assert results["partial"].exercises[f"{CHAPTER}-capstone"][0] == 0


def test_each_trap_earns_the_engines_capped_score(graded, monkeypatch):
    """Each trap earns what the checking engine gives it (at most half when an essential case fails), nothing more."""
    course, _, results = graded
    assert results["traps"].status == "graded"
    expected = {key: engine_score(name, pts, source, course.case_secret(), monkeypatch)
                for key, (name, pts, source) in TRAPS.items()}
    # essential cases (800/150, the 2 x 2 grid, 10 samples in folds of 4, 3, 3, the ten-sample matrix): at most half
    assert expected["iterations_per_epoch"] <= 0.5 and expected["grid_search"] <= 1.0
    assert expected["k_fold"] <= 1.0 and expected["confusion_matrix"] <= 0.5
    assert expected["precision_recall_f1"] <= 1.0
    assert all(score < pts for (_n, pts, _s), score in zip(TRAPS.values(), expected.values()))
    lost = sum(pts - expected[key] for key, (_n, pts, _s) in TRAPS.items())
    assert results["traps"].score == pytest.approx(autograded_points(course, CHAPTER) - lost)
    for key, score in expected.items():
        assert results["traps"].exercises[f"{CHAPTER}-{key}_test"][0] == pytest.approx(score), key
    assert results["traps"].exercises[f"{CHAPTER}-capstone"][0] == CAPSTONE_POINTS
