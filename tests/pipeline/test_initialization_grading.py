"""Chapter 06's own traps, graded by real nbgrader, the sandbox and the re-check.

Beside full marks for the full solution and zero for the stub
(``test_every_chapter_grades.py``): the partial sample (the first half of the
answers) earns exactly the points of its answers, and a submission whose
answers are right except for the chapter's classic traps (the std as a
uniform limit, the variance passed to ``rng.normal``, no guard for a zero
std, batch norm normalising with the unbiased variance, the test-time
gradient ``g * inv_std`` as batch norm's backward pass, layer norm over the
batch axis) earns what the checking engine gives each function, at most half
of an exercise whose essential case fails.
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
CHAPTER = "06_initialization"

# The chapter's traps, written as a student writes them (numpy as np is the notebook's import).
TRAPS = {
    "init_scale": ("initialization.init_scale", 1, '''def init_scale(n_in, n_out, scheme):
    var = {"xavier": 2 / (n_in + n_out), "he": 2 / n_in, "lecun": 1 / n_in}[scheme.split("_")[0]]
    return float(np.sqrt(var))
'''),
    "he_normal": ("initialization.he_normal", 1, '''def he_normal(n_in, n_out, rng):
    return rng.normal(0.0, 2 / n_in, size=(n_in, n_out))
'''),
    "standardize": ("initialization.standardize", 1, '''def standardize(X, mean=None, std=None):
    if mean is None:
        mean, std = X.mean(axis=0), X.std(axis=0)
    return (X - mean) / std, mean, std
'''),
    "batchnorm_forward": ("initialization.batchnorm_forward", 2, '''def batchnorm_forward(X, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    n = X.shape[0]
    mu, var = X.mean(axis=0), X.var(axis=0, ddof=1)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (X - mu) * inv_std
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * var
    return gamma * x_hat + beta, (x_hat, gamma, inv_std), new_mean, new_var
'''),
    "batchnorm_backward": ("initialization.batchnorm_backward", 2, '''def batchnorm_backward(dY, cache):
    x_hat, gamma, inv_std = cache
    return dY * gamma * inv_std, (dY * x_hat).sum(axis=0), dY.sum(axis=0)
'''),
    "layernorm_forward": ("initialization.layernorm_forward", 1, '''def layernorm_forward(X, gamma, beta, eps=1e-5):
    mu, var = X.mean(axis=0), X.var(axis=0)
    return gamma * (X - mu) / np.sqrt(var + eps) + beta
'''),
}
POINTS = {"init_scale": 1, "xavier_uniform": 1, "he_normal": 1, "activation_stds": 2, "standardize": 1,
          "batchnorm_forward": 2, "batchnorm_backward": 2, "layernorm_forward": 1}


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
    traps = dict(answer_sources(course, CHAPTER))
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
    assert total == sum(POINTS.values()) == 11
    answered = [c.metadata["nbgrader"]["grade_id"].removeprefix(f"{CHAPTER}-") for c in notebooks["partial"].cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
                and "YOUR CODE HERE" not in c.source]
    graded = [key for key in answered if key in POINTS]  # the pasted numerical_gradient earns nothing
    assert graded and set(graded) < set(POINTS)
    assert results["partial"].score == sum(POINTS[k] for k in graded)

    expected = {key: engine_score(name, pts, source, course.case_secret(), monkeypatch)
                for key, (name, pts, source) in TRAPS.items()}
    # essential cases fail for each trap: at most half of each exercise
    assert all(expected[key] <= pts / 2 for key, (_n, pts, _s) in TRAPS.items()), expected
    lost = sum(pts - expected[key] for key, (_n, pts, _s) in TRAPS.items())
    assert results["traps"].score == pytest.approx(total - lost)
    for key, score in expected.items():
        assert results["traps"].exercises[f"{CHAPTER}-{key}_test"][0] == pytest.approx(score), key
