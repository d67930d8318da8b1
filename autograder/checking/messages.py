"""The text a student reads when a check fails.

Every failure message has the same shape, so a student learns to read it once::

    ✗ perceptron.predict — wrong values
      case:     "hand-worked: AND gate, w = [1, 1], b = -1.5"
      worst relative error 1 at index 1: expected 0.0, received 1.0 (allowed 1e-07)
      input:    X = [[0., 0.],
                     [0., 1.],
                     [1., 0.],
                     [1., 1.]]
                w = [1., 1.]
                b = -1.5
      expected: [0., 0., 0., 1.]
      received: [0., 1., 1., 1.]
      Hint: the bias is missing: compute X @ w + b, then the step

The functions named after a problem (:func:`raised`, :func:`timed_out`, ...)
return its headline and detail lines; :func:`failure_text` lays them out.
Arrays are shortened with ``np.array2string`` (4 decimals, a few items from
each end), single numbers are shown in full so that digits can be compared.
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Sequence

import numpy as np

from autograder.checking.compare import Mismatch

_LABEL_WIDTH = 10  # "expected: " — values line up after it
_ARRAY_OPTIONS = dict(precision=4, threshold=24, edgeitems=3, separator=", ", max_line_width=72)
_MAX_PRINTED_LINES = 5
_MAX_REPR = 200

Problem = tuple  # (headline, [detail lines])
NOT_SHOWN = object()  # the expected / received line is left out


# ------------------------------------------------------------- one per problem


def not_implemented(inner: Optional[str] = None) -> Problem:
    if inner:  # the checked function is written, but calls an exercise that is still a stub
        return (f"not implemented yet: your function calls {inner}, which still raises "
                f"NotImplementedError; finish {inner} first", [])
    return "not implemented yet: replace `raise NotImplementedError()` with your code", []


def raised(error: BaseException, line: Optional[str]) -> Problem:
    details = [f"{type(error).__name__}: {error}".rstrip(": ")]
    if line:
        details.append(line)
    return f"your function raised {type(error).__name__}", details


def timed_out(seconds: float) -> Problem:
    return f"took longer than {seconds:g} s: an infinite loop?", []


def called_reference(dotted: str) -> Problem:
    return (f"your function calls {dotted}, the reference you are asked to re-implement; "
            "write it with NumPy"), []


def mutated(names: Sequence[str]) -> Problem:
    listed = ", ".join(f"`{n}`" for n in names)
    noun = "input" if len(names) == 1 else "inputs"
    first = names[0]
    return (f"your function modified its {noun} {listed} in place",
            [f"work on a copy (new_{first} = {first} + ..., not {first} += ...): "
             "the caller's arrays must not change"])


def warned(warnings: Sequence[tuple]) -> Problem:
    """``warnings`` is a list of (text, student line or None)."""
    text, line = warnings[0]
    details = [f"at {line}"] if line else []
    return f"NumPy warned: {text}", details


def mismatch(m: Mismatch) -> Problem:
    headline = m.title or {"type": "wrong type", "shape": "wrong shape", "dtype": "wrong dtype",
                           "nan": "NaN or inf in the output", "value": "wrong values"}[m.kind]
    if m.part:
        headline += f" in {m.part}"
    return headline, [m.detail]


def judged(text: str) -> Problem:
    return text, []


def gradient_failed(what: str, error: float, tol: float) -> Problem:
    return (f"numerical gradient check failed for {what}",
            [f"relative error {error:.3g} between your gradient and the numerical one (allowed {tol:.0e})"])


def not_callable(value: Any, name: str) -> Problem:
    return (f"expected a function, got {type(value).__name__}",
            [f'pass the function itself, without calling it: check("{name}", my_function)'])


# ------------------------------------------------------------- the layout


def failure_text(name: str, problem: Problem, case: str = "", inputs: Sequence[tuple] = (),
                 expected: Any = NOT_SHOWN, received: Any = NOT_SHOWN,
                 output_names: Sequence[str] = (), printed: str = "",
                 hint: Optional[str] = None) -> str:
    """The whole message for one failed check.

    ``inputs`` is a list of (argument name, value); ``expected`` and
    ``received`` are shown unless left at NOT_SHOWN; ``printed`` is what the
    student's function printed during the call.
    """
    headline, details = problem
    lines = [f"✗ {name} — {headline}"]
    if case:
        lines.append(_field("case:", f'"{case}"'))
    lines += [f"  {d}" for d in details]
    if inputs:
        shown = [f"{arg} = {_indent(show(value), len(arg) + 3)}" for arg, value in inputs]
        lines.append(_field("input:", "\n".join(shown)))
    if expected is not NOT_SHOWN:
        lines.append(_field("expected:", show_output_value(expected, output_names)))
    if received is not NOT_SHOWN:
        lines.append(_field("received:", show_output_value(received, output_names)))
    if printed.strip():
        lines.append(_field("printed:", _first_lines(printed)))
    if hint:
        lines.append(f"  Hint: {hint}")
    return "\n".join(lines)


def show_output_value(value: Any, names: Sequence[str] = ()) -> str:
    """A returned value; a tuple is shown one named item per line."""
    if isinstance(value, tuple) and value:
        labels = names if len(names) == len(value) else [f"[{i}]" for i in range(len(value))]
        return "\n".join(f"{n} = {_indent(show(v), len(n) + 3)}" for n, v in zip(labels, value))
    return show(value)


def show(value: Any) -> str:
    """A value shortened for reading: arrays with 4 decimals, numbers in full."""
    if isinstance(value, np.ndarray):
        return _show_array(value)
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (numbers.Integral, np.integer)):
        return str(int(value))
    if isinstance(value, (numbers.Real, np.floating)):
        return repr(float(value))
    if isinstance(value, list) and all(isinstance(v, (numbers.Number, np.number)) for v in value):
        return _show_number_list(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(_indent(show(v), 1) for v in value) + ("," if len(value) == 1 else "") + ")"
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + " ..."


def _show_array(a: np.ndarray) -> str:
    text = np.array2string(a, **_ARRAY_OPTIONS) if a.size else "[]"
    notes = []
    if a.ndim >= 2 or a.size > _ARRAY_OPTIONS["threshold"] or a.size == 0:
        notes.append(f"shape {a.shape}")
    if a.dtype != np.float64:
        notes.append(f"dtype {a.dtype}")
    return text + (f"  ({', '.join(notes)})" if notes else "")


def _show_number_list(values: list) -> str:
    if len(values) <= 12:
        return "[" + ", ".join(show(v) for v in values) + "]"
    head = ", ".join(show(v) for v in values[:5])
    tail = ", ".join(show(v) for v in values[-3:])
    return f"[{head}, ..., {tail}]  (length {len(values)})"


def _field(label: str, text: str) -> str:
    return f"  {label:<{_LABEL_WIDTH}}{_indent(text, _LABEL_WIDTH + 2)}"


def _indent(text: str, width: int) -> str:
    """Indent every line but the first by ``width`` spaces (continuation lines)."""
    return text.replace("\n", "\n" + " " * width)


def _first_lines(text: str) -> str:
    lines = text.rstrip().splitlines()
    shown = [line[:_MAX_REPR] for line in lines[:_MAX_PRINTED_LINES]]
    if len(lines) > _MAX_PRINTED_LINES:
        shown.append(f"... ({len(lines) - _MAX_PRINTED_LINES} more lines)")
    return "\n".join(shown)
