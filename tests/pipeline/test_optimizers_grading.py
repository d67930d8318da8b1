"""Chapter 05 graded as a class by real nbgrader, the sandbox and the re-check, in one grading run.

- ``full`` (every answer from the solutions) earns every autograded point and
  ``stub`` (the released notebook untouched) none: the chapter's row of
  ``test_every_chapter_grades.py``, graded here with the others to save a run;
- ``partial`` (the sample with the first half of the answers: ``minibatches``,
  ``ewma``, ``momentum_step``, ``rmsprop_step``) earns exactly their points;
- ``traps``: every answer right except the chapter's classic mistakes (Adam
  without bias correction, RMSprop with eps inside the root as some notes
  write it, AdamW written as Adam + L2, a training loop that shuffles once
  and reuses that order every epoch) earns what the checking engine gives
  each function under the course's secret, at most half of an exercise whose
  essential case fails;
- ``no_paste``: leaving "Bring your own pieces" (ungraded: the pieces of
  chapters 02-04 for the digit experiment) as the stub costs nothing, since
  ``train_loop`` is checked with the reference pieces.
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
CHAPTER = "05_optimizers"
POINTS = {"minibatches": 1, "ewma": 1, "momentum_step": 2, "rmsprop_step": 1, "adam_step": 2, "adamw_step": 1,
          "cosine_lr": 1, "train_loop": 3}

# The chapter's traps, written as a student writes them (numpy as np is the notebook's import).
TRAPS = {
    "adam_step": ("optimizers.adam_step", '''def adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    new_m = beta1 * m + (1 - beta1) * g
    new_v = beta2 * v + (1 - beta2) * g * g
    return p - lr * new_m / (np.sqrt(new_v) + eps), new_m, new_v
'''),
    "rmsprop_step": ("optimizers.rmsprop_step", '''def rmsprop_step(p, g, v, lr, alpha=0.99, eps=1e-8):
    new_v = alpha * v + (1 - alpha) * g ** 2
    return p - lr * g / np.sqrt(new_v + eps), new_v
'''),
    "adamw_step": ("optimizers.adamw_step", '''def adamw_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    g = g + weight_decay * p
    new_m = beta1 * m + (1 - beta1) * g
    new_v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = new_m / (1 - beta1 ** t), new_v / (1 - beta2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), new_m, new_v
'''),
    "train_loop": ("optimizers.train_loop", '''def train_loop(params, X, y, epochs, batch_size, rng, *, forward, loss_grad, backward, update, batches):
    losses = []
    order = batches(len(X), batch_size, rng)
    for epoch in range(epochs):
        for idx in order:
            A_out, caches = forward(X[idx], params)
            loss, dA_out = loss_grad(A_out, y[idx])
            params = update(params, backward(dA_out, caches, params))
            losses.append(float(loss))
    return params, losses
'''),
}


def engine_score(name: str, points: float, source: str, secret: str, monkeypatch) -> float:
    """What the checking engine gives ``source``, hidden cases drawn with the course's secret as the grader draws them."""
    import numpy as np

    namespace = {"np": np}
    exec(source, namespace)  # noqa: S102 (the test's own trap sources, as a student would write them)
    func = next(v for k, v in namespace.items() if callable(v) and k != "np")
    with monkeypatch.context() as patch:
        patch.setenv(SECRET_ENV, secret)
        return run_check(name, func, hidden=True).score(points)


def test_full_stub_partial_traps_and_an_unpasted_bring_your_own(repo_course, tmp_path, monkeypatch):
    """Full earns all, stub nothing, partial its answers' points, each trap the engine's capped score."""
    course = copy_course(repo_course, tmp_path / "course")
    release(course, [CHAPTER])
    samples = write_samples(course, CHAPTER, tmp_path / "samples")
    released = nbformat.read(course.released_notebook(CHAPTER), as_version=4)
    answers = answer_sources(course, CHAPTER)

    traps = dict(answers)
    for key, (_name, source) in TRAPS.items():
        traps[f"{CHAPTER}-{key}"] = source
    no_paste = {k: v for k, v in answers.items() if k != f"{CHAPTER}-bring_your_own"}
    notebooks = {student: nbformat.read(samples[student], as_version=4) for student in ("full", "stub", "partial")}
    notebooks.update(traps=fill(released, traps), no_paste=fill(released, no_paste))
    subs = tmp_path / "subs"
    for student, nb in notebooks.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / f"{CHAPTER}.ipynb")
    results = {r.student: r for r in grade(course, subs, CHAPTER, jobs=2, progress=False)}
    assert {s: r.status for s, r in results.items()} == dict.fromkeys(notebooks, "graded")

    total = autograded_points(course, CHAPTER)
    assert total == sum(POINTS.values()) == 12
    assert results["full"].score == total
    assert results["stub"].score == 0
    assert results["no_paste"].score == total

    answered = [c.metadata["nbgrader"]["grade_id"] for c in notebooks["partial"].cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
                and "YOUR CODE HERE" not in c.source]
    assert answered == [f"{CHAPTER}-{k}" for k in ("minibatches", "ewma", "momentum_step", "rmsprop_step")]
    assert results["partial"].score == 5  # 1 + 1 + 2 + 1
    for key, points in POINTS.items():
        assert results["partial"].exercises[f"{CHAPTER}-{key}_test"][0] == (points if f"{CHAPTER}-{key}" in answered
                                                                            else 0), key

    expected = {key: engine_score(name, POINTS[key], source, course.case_secret(), monkeypatch)
                for key, (name, source) in TRAPS.items()}
    # Adam without bias correction and AdamW as Adam + L2 miss the point of their exercise: capped at half.
    assert expected["adam_step"] <= POINTS["adam_step"] / 2 and expected["adamw_step"] <= POINTS["adamw_step"] / 2
    assert all(score < POINTS[key] for key, score in expected.items()), expected
    lost = sum(POINTS[key] - score for key, score in expected.items())
    assert results["traps"].score == pytest.approx(total - lost)
    for key, score in expected.items():
        assert results["traps"].exercises[f"{CHAPTER}-{key}_test"][0] == pytest.approx(score), key
