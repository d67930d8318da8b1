"""What a check is made of: the declarative part every chapter fills in.

A *check* compares a student's function with the nnlib reference.  Each
chapter module in ``autograder/checking/checks/`` declares its checks with the three
small dataclasses below and registers them with :func:`register`; the engine
(``autograder.checking.engine``) runs them and writes the messages a student reads.

Example (a whole check)::

    register(Spec(
        name="perceptron.step",
        reference=nnlib.activations.step,
        visible_cases=lambda: [Case("hand-worked", (np.array([-1.0, 0.0, 2.0]),), essential=True)],
        hidden_cases=lambda: [Case("random (5, 3)", (case_rng(1).normal(size=(5, 3)),))],
        mistakes=[Mistake("fires at z = 0: use z > 0, not z >= 0",
                          lambda z: (z >= 0).astype(float))],
        blocked=("nnlib.activations.step",),
    ))

A chapter module in ``autograder/checking/checks/`` declares its checks with
:func:`register`; :func:`autograder.checking.checks.get_spec` finds one by name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence


@dataclass(frozen=True)
class Case:
    """One call of the student's function: ``func(*args, **kwargs)``.

    ``label`` is what the student reads ("hand-worked AND table", "random
    shape (7, 3)", "edge: z = ±1e4").  Arguments are copied before each call,
    so a case can be reused safely.  ``essential`` marks a case that is the
    point of the exercise (the stability case of softmax, the bias case of
    predict): failing it caps the exercise's score (``Spec.essential_cap``).
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    essential: bool = False


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong implementation and the hint that names it.

    ``wrong`` has the student's signature.  When the student's function
    fails a case the same way ``wrong`` does on that case, the failure
    message shows ``hint``: the same output (same tolerance as the check),
    or the same exception type and message, or the same RuntimeWarning.
    Only the first failing case is matched, against the mistakes in order,
    and the first match wins.  If ``wrong`` mutates its inputs instead of
    returning a wrong value, set ``mutates=True``: the check then expects an
    "inputs were modified" failure with this hint (matched on the inputs'
    values afterwards).  If it returns its input itself (or a view of it)
    where the spec asks for a new array, set ``aliases=True``.
    """

    hint: str
    wrong: Callable[..., Any]
    mutates: bool = False
    aliases: bool = False


@dataclass(frozen=True)
class Spec:
    """Everything the engine needs to check one exercise.

    name           "chapter_topic.exercise", e.g. "perceptron.predict"; the
                   first argument of ``check(...)`` in a notebook.
    reference      the nnlib function whose behaviour the student reproduces,
                   called with the same arguments as the student's function.
    visible_cases  () -> list[Case]: hand-worked + a few seeded random cases;
                   shown in the released notebook's test cell.
    hidden_cases   () -> list[Case]: more and harder cases (random shapes,
                   edge cases) run only with ``hidden=True`` (grading); the
                   random ones draw from ``secret.case_rng(seed)``, so they
                   change with the course's secret (called at check time).
    mistakes       catalogue of known wrong implementations with hints.
    rtol           largest CS231n relative error accepted,
                   max|a-b| / max(1e-8, |a|+|b|) taken elementwise.
    blocked        dotted names of nnlib callables made unavailable while the
                   student's function runs (it must not delegate to them).
    time_limit     seconds one call of the student's function may take.
    judge          optional ``judge(case, student_output) -> str | None``
                   replacing the comparison with the reference: return a
                   failure message, or None when the output is acceptable
                   (e.g. XOR weights are judged by behaviour, not equality);
                   a :class:`NotImplementedYet` message for a stub.
    gradient       optional ``gradient(func) -> list[tuple[str, float]]``: a
                   numerical gradient check of a backward function; returns
                   (what was checked, relative error) pairs compared with
                   ``grad_rtol``, each one check.  It is also called once
                   with the reference, to count its items.
    check_dtype    when True an array output must have exactly the reference's
                   dtype (float64 in, float64 out; float32 in, float32 out:
                   the dtype policy of docs/checks.md), and a single number
                   must not be a bool (or the reverse); Python and NumPy ints
                   and floats interchange.
    output_names   names of the items of a tuple output, e.g. ("w", "b",
                   "errors"), used in messages ("wrong values in b").
    essential_cap  the largest fraction of the points an exercise earns while
                   one of its essential cases fails (``Case.essential``).
    fresh_output   the exercise promises a new array: returning an input (or
                   an array sharing its memory) fails the case.
    restored_inputs  names of arguments the function changes while it runs
                   and must put back exactly (numerical_gradient's ``x``); a
                   change left in them is reported as "not restored", not as
                   "modified in place, work on a copy".
    """

    name: str
    reference: Callable[..., Any]
    visible_cases: Callable[[], Sequence[Case]]
    hidden_cases: Callable[[], Sequence[Case]] = lambda: []
    mistakes: Sequence[Mistake] = ()
    rtol: float = 1e-7
    blocked: Sequence[str] = ()
    time_limit: float = 5.0
    judge: Optional[Callable[[Case, Any], Optional[str]]] = None
    gradient: Optional[Callable[[Callable[..., Any]], list]] = None
    grad_rtol: float = 1e-6
    check_dtype: bool = False
    output_names: Sequence[str] = ()
    essential_cap: float = 0.5
    fresh_output: bool = False
    restored_inputs: Sequence[str] = ()


class NotImplementedYet(str):
    """A judge's verdict on code that is still the released stub.

    A judge returns ``NotImplementedYet("not implemented yet: ...")`` instead
    of a plain message so the failure reads like every other stub's: the one
    sentence, no inputs, no received value.
    """


_REGISTRY: dict[str, Spec] = {}


def register(spec: Spec) -> Spec:
    """Add ``spec`` to the registry; names are unique."""
    if spec.name in _REGISTRY:
        raise ValueError(f"check {spec.name!r} is registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def registered() -> dict[str, Spec]:
    """The checks registered so far, by name (a copy)."""
    return dict(_REGISTRY)
