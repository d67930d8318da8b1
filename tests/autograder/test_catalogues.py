"""Every registered check, of every chapter: does it accept the truth and catch each catalogued mistake?

Parametrized over ``all_specs()``, so a chapter's checks are covered as soon
as its module is imported by ``autograder/checking/checks/__init__.py``, and
over a few course secrets (``NNCOURSE_CASE_SECRET``): the random hidden cases
change with the secret, and the reference must pass and every mistake be
caught with its own hint whatever it is.
"""
from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

from autograder import run_check
from autograder.checking.calls import same
from autograder.checking.compare import FLOAT32_RTOL, relative_error
from autograder.checking.engine import _reference_output
from autograder.checking.isolation import resolve
from autograder.checking.secret import SECRET_VARIABLE
from autograder.checking.checks import all_specs

SPECS = all_specs()
MISTAKES = [(spec, i) for spec in SPECS for i in range(len(spec.mistakes))]
# No secret (a student's kernel), and three course secrets as the grader would set them.
SECRETS = [None, "5eed", "c0ffee00d15ea5e", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
# Array outputs whose dtype is not checked, and why (docs/checks.md says the same).
DTYPE_EXCEPTIONS = {
    "perceptron.train": "creates its weights itself (np.zeros(D)): no input dtype to keep",
    "backprop.numerical_gradient": "float32 cannot resolve a step of 1e-5: gradient checks run in float64",
    "initialization.xavier_uniform": "draws its weights itself (rng.uniform gives float64): no input dtype to keep",
    "initialization.he_normal": "draws its weights itself (rng.normal gives float64): no input dtype to keep",
}


@pytest.fixture(params=SECRETS, ids=lambda s: f"secret={s}")
def secret(request, monkeypatch):
    """Run the test under one course secret (or none)."""
    if request.param is None:
        monkeypatch.delenv(SECRET_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(SECRET_VARIABLE, request.param)
    return request.param


def faithful_copy(f):
    """A function with the reference's own code but a distinct identity, so blocking does not catch it."""
    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    copy.__kwdefaults__ = f.__kwdefaults__
    return copy


def stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_does_a_faithful_reimplementation_pass_visible_and_hidden(spec, secret):
    """The reference's own code, run as a student's function, passes every check.

    Blocking is switched off here: a reference may be a small adapter around
    the nnlib function it blocks (the next test covers blocking).
    """
    unblocked = dataclasses.replace(spec, blocked=())
    for hidden in (False, True):
        result = run_check(unblocked, faithful_copy(spec.reference), hidden=hidden)
        assert result.ok, result.report()
        assert result.score(2) == 2.0 and not result.essential_failed


def blocks_its_reference(spec) -> bool:
    return any(resolve(name) is spec.reference for name in spec.blocked)


@pytest.mark.parametrize("spec", [s for s in SPECS if blocks_its_reference(s)], ids=lambda s: s.name)
def test_is_handing_in_the_reference_itself_caught(spec):
    """When the reference is an nnlib function it blocks, a wrapper calling it fails every case."""
    result = run_check(spec, lambda *args, **kwargs: spec.reference(*args, **kwargs), hidden=True)
    assert result.passed == 0
    assert {f.kind for f in result.failures} == {"reference"}, result.report()
    assert "the reference you are asked to re-implement" in result.report()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_does_a_stub_fail_with_not_implemented_yet(spec):
    """An untouched answer cell fails every check and says so in plain words."""
    result = run_check(spec, stub, hidden=True)
    assert result.passed == 0
    assert "not implemented yet" in result.report()


@pytest.mark.parametrize("spec, index", MISTAKES,
                         ids=lambda v: v.name if hasattr(v, "name") else f"mistake{v}")
def test_does_each_catalogued_mistake_fail_with_its_own_hint(spec, index, secret):
    """Each wrong implementation fails some case, and the message names that mistake, not another."""
    mistake = spec.mistakes[index]
    hidden = run_check(spec, mistake.wrong, hidden=True)
    assert not hidden.ok, f"{spec.name}: the mistake '{mistake.hint}' passes every case"
    assert hidden.hint == mistake.hint, hidden.report()
    assert f"Hint: {mistake.hint}" in hidden.report()
    visible = run_check(spec, mistake.wrong, hidden=False)
    if not visible.ok:  # caught already in the released notebook: the same hint
        assert visible.hint == mistake.hint, visible.report()
    # `mutates` and `aliases` say how the mistake shows: as a modified input, as a returned
    # input, or as a wrong output.
    assert (hidden.failures[0].kind == "mutation") == mistake.mutates
    assert (hidden.failures[0].kind == "alias") == mistake.aliases


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_are_the_cases_well_formed(spec):
    """Visible cases exist, labels are unique, seeded factories repeat exactly, blocked names resolve."""
    visible, hidden = list(spec.visible_cases()), list(spec.hidden_cases())
    assert visible
    labels = [case.label for case in visible + hidden]
    assert len(labels) == len(set(labels)), labels
    again = list(spec.visible_cases()) + list(spec.hidden_cases())
    for first, second in zip(visible + hidden, again):
        assert same(first.args, second.args) and same(first.kwargs, second.kwargs), \
            f"{spec.name}: case {first.label!r} is not reproducible"
    for name in spec.blocked:
        assert callable(resolve(name))
    assert spec.name.count(".") == 1


@pytest.mark.parametrize("spec", [s for s in SPECS if s.name != "mlp.xor_network"], ids=lambda s: s.name)
def test_does_every_exercise_mark_its_point_as_essential(spec):
    """At least one visible case is essential, so a student sees in the notebook what the exercise is about."""
    assert any(case.essential for case in spec.visible_cases()), spec.name


def _arrays(value):
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    return []


def _has_float32_input(case):
    return any(a.dtype == np.float32 for a in _arrays(list(case.args) + list(case.kwargs.values())))


@pytest.mark.parametrize("spec", [s for s in SPECS if s.judge is None], ids=lambda s: s.name)
def test_does_every_array_output_keep_the_one_dtype_policy(spec):
    """An exercise that returns float arrays checks their dtype and has a hidden float32 case (or says why not)."""
    output = _reference_output(spec, spec.visible_cases()[0])
    if not any(a.dtype.kind == "f" for a in _arrays(output)) or spec.name in DTYPE_EXCEPTIONS:
        return
    assert spec.check_dtype, f"{spec.name}: float arrays are returned but their dtype is not checked"
    float32_cases = [c for c in spec.hidden_cases() if _has_float32_input(c)]
    assert float32_cases, f"{spec.name}: no hidden float32 case"
    for case in float32_cases:
        assert all(a.dtype == np.float32 for a in _arrays(_reference_output(spec, case)) if a.dtype.kind == "f")


def _as_float64(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float32:
        return value.astype(np.float64)
    if isinstance(value, (list, tuple)):
        return type(value)(_as_float64(v) for v in value)
    return value


@pytest.mark.parametrize("spec", [s for s in SPECS if s.check_dtype and s.judge is None], ids=lambda s: s.name)
def test_are_the_float32_cases_ones_where_rounding_cannot_blur_a_correct_answer(spec, secret):
    """nnlib's float32 result is within 1e-6 of the exact one (float64 from the same inputs), well inside
    the float32 tolerance: any correct float32 implementation, whatever its order of operations, passes."""
    for case in [c for c in spec.hidden_cases() if _has_float32_input(c)]:
        in_float32 = _arrays(_reference_output(spec, case))
        exact = _arrays(spec.reference(*_as_float64(case.args), **case.kwargs))
        for got, want in zip(in_float32, exact):
            assert relative_error(want, got)[0] <= FLOAT32_RTOL / 10, case.label
