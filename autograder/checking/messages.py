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
each end), single numbers are shown in full so that digits can be compared,
and nested values (a list of (W, b) pairs, a network's caches) one leaf per
line, named by the same index path as the mismatch line ("caches[0][1]").
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
_MAX_NESTED_LEAVES = 12  # leaves of a nested value (a network's caches) shown before "... (n more)"

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


def mutated(names: Sequence[str], restored: Sequence[str] = ()) -> Problem:
    """``names`` were changed by the call; those in ``restored`` may change while it runs but must be put back."""
    listed = ", ".join(f"`{n}`" for n in names)
    noun = "input" if len(names) == 1 else "inputs"
    first = names[0]
    if all(n in restored for n in names):
        return (f"your function left its {noun} {listed} changed: it must restore it exactly",
                [f"perturbing {first} in place is the idea, but put every entry back afterwards: "
                 f"old = {first}[i] before the change, {first}[i] = old after it"])
    return (f"your function modified its {noun} {listed} in place",
            [f"work on a copy (new_{first} = {first} + ..., not {first} += ...): "
             "the caller's arrays must not change"])


def aliased(names: Sequence[str]) -> Problem:
    listed = ", ".join(f"`{n}`" for n in names)
    noun = "input" if len(names) == 1 else "inputs"
    return (f"your function returned its {noun} {listed} itself (or a view of it), not a new array",
            ["the result must be a new array: a caller that changes it in place would change "
             f"{listed} too (z * 2 and np.maximum(z, 0) are new arrays; z, z.T, z[...] and "
             "z.reshape(...) share z's memory)"])


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
    """A value shortened for reading: arrays with 4 decimals, numbers in full, nested values item by item."""
    if isinstance(value, np.ndarray):
        return _show_array(value)
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (numbers.Integral, np.integer)):
        return str(int(value))
    if isinstance(value, (numbers.Real, np.floating)):
        return repr(float(value))
    if isinstance(value, (list, tuple)) and value and all(_is_plain_number(v) for v in value):
        return _show_number_list(list(value)) if isinstance(value, list) else "(" + ", ".join(map(show, value)) + ")"
    if _is_nested(value):
        return _show_nested(value)
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + " ..."


def _is_plain_number(v) -> bool:
    return isinstance(v, (numbers.Number, np.number)) and not isinstance(v, np.ndarray)


def _is_nested(value) -> bool:
    """A list, tuple or dict holding arrays or other containers (caches, params, grads)."""
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, (list, tuple)) and any(isinstance(v, (np.ndarray, list, tuple, dict)) for v in value)


def _show_nested(value) -> str:
    """A header, then one line per leaf named by its index path, as the mismatch lines name parts.

    ``[(W1, b1), (W2, b2)]`` reads::

        a list of 2 tuples:
        [0][0] = [[0.2, 0.3],
                  [0.4, 0.7]]
        [0][1] = [0.1, 0.2]
        ...
    """
    leaves = list(_leaves(value, ""))
    lines = [_nested_header(value) + ":"]
    for path, leaf in leaves[:_MAX_NESTED_LEAVES]:
        lines.append(f"{path} = {_indent(show(leaf), len(path) + 3)}")
    if len(leaves) > _MAX_NESTED_LEAVES:
        lines.append(f"... ({len(leaves) - _MAX_NESTED_LEAVES} more)")
    return "\n".join(lines)


def _leaves(value, path: str):
    """(index path, value) of everything inside nested lists, tuples and dicts that is not one of them."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple)) and value and not all(_is_plain_number(v) for v in value):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def _nested_header(value) -> str:
    if isinstance(value, dict):
        return f"a dict of {len(value)} entries"
    kinds = {type(v).__name__ for v in value}
    kind = {"ndarray": "array"}.get(next(iter(kinds)), next(iter(kinds))) if len(kinds) == 1 else "item"
    article = "an" if type(value).__name__[0] in "aeiou" else "a"
    return f"{article} {type(value).__name__} of {len(value)} {kind}{'s' if len(value) != 1 else ''}"


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
