"""Every registered check, of every chapter: does it accept the truth and catch each catalogued mistake?

Parametrized over ``all_specs()``, so a chapter's checks are covered as soon
as its module is imported by ``autograder/checking/checks/__init__.py``.
"""
from __future__ import annotations

import dataclasses
import types

import pytest

from autograder import run_check
from autograder.checking.calls import same
from autograder.checking.isolation import resolve
from autograder.checking.checks import all_specs

SPECS = all_specs()
MISTAKES = [(spec, i) for spec in SPECS for i in range(len(spec.mistakes))]


def faithful_copy(f):
    """A function with the reference's own code but a distinct identity, so blocking does not catch it."""
    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    copy.__kwdefaults__ = f.__kwdefaults__
    return copy


def stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_does_a_faithful_reimplementation_pass_visible_and_hidden(spec):
    """The reference's own code, run as a student's function, passes every check.

    Blocking is switched off here: a reference may be a small adapter around
    the nnlib function it blocks (the next test covers blocking).
    """
    unblocked = dataclasses.replace(spec, blocked=())
    for hidden in (False, True):
        result = run_check(unblocked, faithful_copy(spec.reference), hidden=hidden)
        assert result.ok, result.report()


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
def test_does_each_catalogued_mistake_fail_with_its_own_hint(spec, index):
    """Each wrong implementation fails some case, and the message names that mistake, not another."""
    mistake = spec.mistakes[index]
    hidden = run_check(spec, mistake.wrong, hidden=True)
    assert not hidden.ok, f"{spec.name}: the mistake '{mistake.hint}' passes every case"
    assert hidden.hint == mistake.hint, hidden.report()
    assert f"Hint: {mistake.hint}" in hidden.report()
    visible = run_check(spec, mistake.wrong, hidden=False)
    if not visible.ok:  # caught already in the released notebook: the same hint
        assert visible.hint == mistake.hint, visible.report()
    # `mutates` says how the mistake shows: as a modified input, or as a wrong output.
    assert (hidden.failures[0].kind == "mutation") == mistake.mutates


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
