"""Hidden cases a student cannot compute in advance: the per-course secret (NNCOURSE_CASE_SECRET)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from autograder import run_check
from autograder.checking.calls import same
from autograder.checking.checks import all_specs, get_spec
from autograder.checking.secret import SECRET_VARIABLE, case_rng, course_secret

SPECS = all_specs()
# Hidden cases with nothing random in them: the same for every course, by design.
FIXED_HIDDEN = {"mlp.xor_network", "backprop.worked_example"}


def _cases(spec, secret, monkeypatch):
    if secret is None:
        monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(SECRET_VARIABLE, secret)
    return list(spec.visible_cases()), list(spec.hidden_cases())


def _same_cases(first, second) -> bool:
    return len(first) == len(second) and all(
        a.label == b.label and same(a.args, b.args) and same(a.kwargs, b.kwargs) for a, b in zip(first, second))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_do_two_secrets_give_different_hidden_cases_and_the_same_visible_ones(spec, monkeypatch):
    """The visible cases (the notebook's) never change; the random hidden ones follow the secret."""
    visible_a, hidden_a = _cases(spec, "a1b2c3", monkeypatch)
    visible_b, hidden_b = _cases(spec, "ffee0042", monkeypatch)
    visible_none, hidden_none = _cases(spec, None, monkeypatch)
    assert _same_cases(visible_a, visible_b) and _same_cases(visible_a, visible_none)
    if spec.name in FIXED_HIDDEN:
        assert _same_cases(hidden_a, hidden_b)
    else:
        assert not _same_cases(hidden_a, hidden_b)
        assert not _same_cases(hidden_a, hidden_none)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_does_one_secret_always_give_the_same_hidden_cases(spec, monkeypatch):
    """The grader's kernel, its re-check and its verdict draw the same cases from the same secret."""
    _, first = _cases(spec, "0ddba11", monkeypatch)
    _, again = _cases(spec, "0ddba11", monkeypatch)
    assert _same_cases(first, again)


def test_is_the_secret_read_when_the_cases_are_drawn_not_at_import(monkeypatch):
    """get_spec(name).hidden_cases() follows the environment of the moment."""
    spec = get_spec("mlp.sigmoid")  # imported long before the variable is set
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    before = spec.hidden_cases()[0].args[0]
    monkeypatch.setenv(SECRET_VARIABLE, "5eed")
    during = spec.hidden_cases()[0].args[0]
    monkeypatch.delenv(SECRET_VARIABLE)
    after = spec.hidden_cases()[0].args[0]
    assert not np.array_equal(before, during)
    assert np.array_equal(before, after)


def test_what_does_case_rng_draw_with_and_without_a_secret(monkeypatch):
    """default_rng(seed) without a secret; default_rng([secret, seed]) with one; an empty value is no secret."""
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    assert course_secret() is None
    assert case_rng(7).random() == np.random.default_rng(7).random()
    monkeypatch.setenv(SECRET_VARIABLE, "  ")
    assert course_secret() is None
    monkeypatch.setenv(SECRET_VARIABLE, "C0FFEE")
    assert course_secret() == 0xC0FFEE
    assert case_rng(7).random() == np.random.default_rng([0xC0FFEE, 7]).random()
    assert case_rng(7).random() != case_rng(8).random()


def test_is_a_malformed_secret_refused_loudly(monkeypatch):
    """A secret that is not hex would grade with cases nobody can reproduce: it raises, naming the variable."""
    monkeypatch.setenv(SECRET_VARIABLE, "not-hex!")
    with pytest.raises(ValueError, match="NNCOURSE_CASE_SECRET must be a hex string"):
        case_rng(1)


@pytest.mark.parametrize("secret", ["1", "deadbeef", "a" * 64])
def test_does_the_reference_pass_under_any_secret(secret, monkeypatch):
    """Every check's own reference passes its hidden check, whatever cases the secret draws."""
    monkeypatch.setenv(SECRET_VARIABLE, secret)
    for spec in SPECS:
        unblocked = dataclasses.replace(spec, blocked=())
        result = run_check(unblocked, lambda *a, _ref=spec.reference, **k: _ref(*a, **k), hidden=True)
        assert result.ok, result.report()


def test_is_the_course_secret_made_once_under_grading_private_and_out_of_git(tmp_path, monkeypatch):
    """`nncourse grade` makes grading/case_secret on first use (0600, hex), reuses it, and git ignores it."""
    import os
    import stat
    import subprocess
    from pathlib import Path

    from autograder.pipeline.course import SECRET_ENV, Course
    from autograder.pipeline.grade import _case_secret_in_environment

    course = Course(tmp_path)
    assert not (tmp_path / "grading").exists()
    first = course.case_secret()
    path = tmp_path / "grading" / "case_secret"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32 and int(first, 16) >= 0
    assert Course(tmp_path).case_secret() == first  # the same cases at every grading of the course
    assert Course(tmp_path / "other").case_secret() != first  # another course, other cases

    monkeypatch.setenv(SECRET_ENV, "old")
    with _case_secret_in_environment(course):  # what the kernels, the re-check and the judge read while grading
        assert os.environ[SECRET_ENV] == first and course_secret() == int(first, 16)
    assert os.environ[SECRET_ENV] == "old"

    repo = Path(__file__).resolve().parents[2]
    ignored = subprocess.run(["git", "check-ignore", "-q", "grading/case_secret"], check=False, cwd=repo)
    assert ignored.returncode == 0, "the course secret must never be committed"
