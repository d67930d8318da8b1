"""Chapter 04's own traps, graded by real nbgrader, the sandbox and the re-check.

Beside full marks for the full solution and zero for the stub
(``test_every_chapter_grades.py``): the partial sample (the first half of the
answers) earns exactly the points of its answers; a submission whose answers
are right except for the chapter's classic traps (a BCE from logits through
``log(sigmoid(z))``, a softmax cross-entropy without the max-subtraction, a
hinge that converts ±1 labels as if they were 0/1, a softmax gradient without
the 1/N) earns what the checking engine gives each function, at most half of
an exercise whose essential case fails; and leaving the pasted
``numerical_gradient`` (not graded) as a stub costs nothing.
"""
from __future__ import annotations

import nbformat
import pytest

from autograder import run_check
from autograder.pipeline.course import SECRET_ENV, copy_course
from autograder.pipeline.grade import grade
from autograder.pipeline.release import release
from autograder.pipeline.samples import answer_sources, fill, write_samples
from tests_support import autograded_points

pytestmark = pytest.mark.slow
CHAPTER = "04_losses"

# The chapter's traps, written as a student writes them (numpy as np is the notebook's import).
TRAPS = {
    "bce_with_logits": ("losses.bce_with_logits", 2, '''def bce_with_logits(z, y):
    p = sigmoid(z)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
'''),
    "softmax_cross_entropy": ("losses.softmax_cross_entropy", 2, '''def softmax_cross_entropy(z, labels):
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))
'''),
    "softmax_cross_entropy_grad": ("losses.softmax_cross_entropy_grad", 2, '''def softmax_cross_entropy_grad(z, labels):
    p = softmax(z)
    p[np.arange(len(labels)), labels] -= 1
    return p
'''),
    "hinge": ("losses.hinge", 1, '''def hinge(scores, y):
    y = 2 * y - 1
    return float(np.mean(np.maximum(0, 1 - y * scores)))
'''),
}


def engine_score(name: str, points: float, source: str, secret: str, monkeypatch) -> float:
    """What the checking engine gives ``source``, hidden cases drawn with the course's secret as the grader draws them."""
    import numpy as np

    from nnlib.activations import sigmoid, softmax

    namespace = {"np": np, "sigmoid": sigmoid, "softmax": softmax}
    exec(source, namespace)
    func = next(v for k, v in namespace.items() if callable(v) and k not in ("sigmoid", "softmax"))
    with monkeypatch.context() as patch:
        patch.setenv(SECRET_ENV, secret)
        return run_check(name, func, hidden=True).score(points)


def test_partial_traps_and_an_unpasted_numerical_gradient(repo_course, tmp_path, monkeypatch):
    """Partial earns its answers' points; each trap earns the engine's capped score; the paste cell is not graded."""
    course = copy_course(repo_course, tmp_path / "course")
    release(course, [CHAPTER])
    samples = write_samples(course, CHAPTER, tmp_path / "samples")
    released = nbformat.read(course.released_notebook(CHAPTER), as_version=4)
    answers = answer_sources(course, CHAPTER)

    traps = dict(answers)
    for key, (_name, _points, source) in TRAPS.items():
        traps[f"{CHAPTER}-{key}"] = source
    no_paste = {k: v for k, v in answers.items() if k != f"{CHAPTER}-numerical_gradient"}
    notebooks = {"partial": nbformat.read(samples["partial"], as_version=4),
                 "traps": fill(released, traps), "no_paste": fill(released, no_paste)}
    subs = tmp_path / "subs"
    for student, nb in notebooks.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / f"{CHAPTER}.ipynb")
    results = {r.student: r for r in grade(course, subs, CHAPTER, jobs=2, progress=False)}
    assert {r.status for r in results.values()} == {"graded"}, {s: r.status for s, r in results.items()}

    total = autograded_points(course, CHAPTER)
    assert results["no_paste"].score == total == 12

    answered = [c.metadata["nbgrader"]["grade_id"] for c in notebooks["partial"].cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
                and "YOUR CODE HERE" not in c.source]
    assert answered == [f"{CHAPTER}-{k}" for k in ("mse", "mse_grad", "huber", "huber_grad", "bce")]
    assert results["partial"].score == 5  # one point each

    expected = {key: engine_score(name, points, source, course.case_secret(), monkeypatch)
                for key, (name, points, source) in TRAPS.items()}
    assert expected["bce_with_logits"] == 1.0 and expected["softmax_cross_entropy"] == 1.0  # capped at half
    assert all(score < points for (_n, points, _s), score in zip(TRAPS.values(), expected.values()))
    lost = sum(points - expected[key] for key, (_n, points, _s) in TRAPS.items())
    assert results["traps"].score == pytest.approx(total - lost)
    for key, score in expected.items():
        assert results["traps"].exercises[f"{CHAPTER}-{key}_test"][0] == pytest.approx(score), key
