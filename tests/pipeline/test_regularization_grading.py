"""Chapter 07's own traps, graded by real nbgrader, the sandbox and the re-check.

Beside full marks for the full solution and zero for the stub
(``test_every_chapter_grades.py``): the partial sample (the first half of the
answers) earns exactly the points of its answers, and a submission whose
answers are right except for the chapter's classic traps (biases penalised in
the L2 gradient and in the SGD step, ``np.where(W >= 0, 1, -1)`` as the sign,
the notes' keep probability as ``p_drop``, stopping one epoch late with
``wait > patience``) earns what the checking engine gives each function, at
most half of an exercise whose essential case fails.
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
CHAPTER = "07_regularization"

# The chapter's traps, written as a student writes them (numpy as np is the notebook's import).
TRAPS = {
    "l2_grad": ("regularization.l2_grad", 1, '''def l2_grad(params, lam):
    return [(2 * lam * W, 2 * lam * b) for W, b in params]
'''),
    "l1_grad": ("regularization.l1_grad", 1, '''def l1_grad(params, lam):
    return [(lam * np.where(W >= 0, 1.0, -1.0), np.zeros_like(b)) for W, b in params]
'''),
    "sgd_step_l2": ("regularization.sgd_step_l2", 2, '''def sgd_step_l2(params, grads, lr, lam):
    return [(W - lr * (dW + 2 * lam * W), b - lr * (db + 2 * lam * b)) for (W, b), (dW, db) in zip(params, grads)]
'''),
    "dropout_forward": ("regularization.dropout_forward", 2, '''def dropout_forward(X, p_drop, rng, training):
    if not training:
        return X.copy(), np.ones_like(X)
    keep = rng.random(X.shape) < p_drop
    mask = keep.astype(X.dtype) / X.dtype.type(p_drop)
    return X * mask, mask
'''),
    "early_stopping": ("regularization.early_stopping", 2, '''def early_stopping(val_losses, patience, min_delta=0.0):
    best, best_epoch, wait = None, None, 0
    for epoch, loss in enumerate(val_losses):
        if best is None or loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait > patience:
                return best_epoch, epoch
    return best_epoch, None
'''),
}


def engine_score(name: str, points: float, source: str, secret: str, monkeypatch) -> float:
    """What the checking engine gives ``source``, hidden cases drawn with the course's secret as the grader draws them."""
    import numpy as np

    namespace = {"np": np}
    exec(source, namespace)  # noqa: S102  a student's answer, as the notebook would run it
    func = next(v for k, v in namespace.items() if callable(v) and k != "np")
    with monkeypatch.context() as patch:
        patch.setenv(SECRET_ENV, secret)
        return run_check(name, func, hidden=True).score(points)


def test_partial_and_the_chapters_traps(repo_course, tmp_path, monkeypatch):
    """Partial earns its answers' points; each trap earns the engine's (capped) score, nothing more."""
    course = copy_course(repo_course, tmp_path / "course")
    release(course, [CHAPTER])
    samples = write_samples(course, CHAPTER, tmp_path / "samples")
    released = nbformat.read(course.released_notebook(CHAPTER), as_version=4)
    answers = answer_sources(course, CHAPTER)
    traps = dict(answers)
    for key, (_name, _points, source) in TRAPS.items():
        traps[f"{CHAPTER}-{key}"] = source
    notebooks = {"partial": nbformat.read(samples["partial"], as_version=4), "traps": fill(released, traps)}
    subs = tmp_path / "subs"
    for student, nb in notebooks.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / f"{CHAPTER}.ipynb")
    results = {r.student: r for r in grade(course, subs, CHAPTER, jobs=2, progress=False)}
    assert {r.status for r in results.values()} == {"graded"}, {s: r.status for s, r in results.items()}

    total = autograded_points(course, CHAPTER)
    assert total == 12
    answered = [c.metadata["nbgrader"]["grade_id"].removeprefix(f"{CHAPTER}-") for c in notebooks["partial"].cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
                and "YOUR CODE HERE" not in c.source]
    points = {"l2_penalty": 1, "l2_grad": 1, "l1_penalty": 1, "l1_grad": 1, "soft_threshold": 1, "sgd_step_l2": 2,
              "dropout_forward": 2, "dropout_backward": 1, "early_stopping": 2}
    assert answered and set(answered) < set(points)
    assert results["partial"].score == sum(points[k] for k in answered)

    expected = {key: engine_score(name, pts, source, course.case_secret(), monkeypatch)
                for key, (name, pts, source) in TRAPS.items()}
    assert expected["l2_grad"] <= 0.5 and expected["dropout_forward"] <= 1.0  # essential cases: at most half
    assert all(score < pts for (_n, pts, _s), score in zip(TRAPS.values(), expected.values()))
    lost = sum(pts - expected[key] for key, (_n, pts, _s) in TRAPS.items())
    assert results["traps"].score == pytest.approx(total - lost)
    for key, score in expected.items():
        assert results["traps"].exercises[f"{CHAPTER}-{key}_test"][0] == pytest.approx(score), key
