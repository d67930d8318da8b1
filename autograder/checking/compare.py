"""Is the student's output the expected one?  Type, shape, dtype, finiteness, values.

Values are compared with the relative error of CS231n,
``max |a - b| / max(1e-8, |a| + |b|)`` taken elementwise, so a tolerance of
``1e-7`` means "seven matching digits" for large and small numbers alike
(float32 outputs: at least :data:`FLOAT32_RTOL`, as float32 keeps ~7 digits).

:func:`compare` walks the expected output (a number, an array, a tuple of
them, a list, a dict) and returns the first :class:`Mismatch` it finds, or
None.  The checks run from coarse to fine, so the student reads the most
basic problem first: a list where an array was expected is reported as a
wrong type, not as a thousand wrong values.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

# Denominator floor of the relative error: differences between numbers
# smaller than this count as absolute errors (CS231n's choice).
_FLOOR = 1e-8
# float32 keeps about 7 significant digits: two correct float32 computations
# that round in a different order differ by a few units in the 7th digit.  A
# float32 output is compared to this tolerance when the check's own is
# tighter (the float64 cases check the digits; the float32 ones the dtype).
FLOAT32_RTOL = 1e-5


@dataclass(frozen=True)
class Mismatch:
    """The first difference between an expected and a received output.

    kind      "type", "shape", "dtype", "nan" or "value".
    part      which part of the output ("" for the whole output, "w", "errors",
              "output[1]" ...).
    detail    one sentence for the student.
    title     a headline other than the kind's usual one ("wrong length").
    where     the position of the worst element ("index (2, 1)"), or "".
    error     the worst relative error (value mismatches), else None.
    """

    kind: str
    part: str
    detail: str
    title: str = ""
    where: str = ""
    error: Optional[float] = None


def relative_error(expected, received) -> tuple[float, tuple]:
    """Largest elementwise ``|a - b| / max(1e-8, |a| + |b|)`` and the index where it occurs.

    Both arguments are broadcast-free arrays (or numbers) of the same shape;
    positions where both are equal (including equal infinities and NaN in
    both) count as error 0.  Returns ``(error, index)``, index ``()`` for a
    number.
    """
    a = np.asarray(expected, dtype=np.float64)
    b = np.asarray(received, dtype=np.float64)
    if a.size == 0:
        return 0.0, ()
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(a - b) / np.maximum(_FLOOR, np.abs(a) + np.abs(b))  # a.shape
    err = np.where(same, 0.0, np.nan_to_num(err, nan=np.inf))
    flat = int(np.argmax(err))
    return float(err.flat[flat]), np.unravel_index(flat, a.shape)


def compare(expected, received, rtol: float, check_dtype: bool = False,
            part: str = "", part_names: Sequence[str] = ()) -> Optional[Mismatch]:
    """The first way ``received`` differs from ``expected``, or None when it matches.

    ``part_names`` names the items of a tuple output, e.g. ("w", "b", "errors").
    With ``check_dtype`` an array must have exactly the expected dtype, and a
    number must not be a bool where a number is expected (or the reverse);
    Python and NumPy scalars, ints and floats, are interchangeable.
    """
    if isinstance(expected, tuple):
        return _compare_tuple(expected, received, rtol, check_dtype, part, part_names)
    if isinstance(expected, list) and not all(_is_number(e) for e in expected):
        return _compare_tuple(tuple(expected), received, rtol, check_dtype, part, ())
    if isinstance(expected, dict):
        return _compare_dict(expected, received, rtol, check_dtype, part)
    if isinstance(expected, list):
        return _compare_number_list(expected, received, rtol, part)
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        return _compare_array(expected, received, rtol, check_dtype, part)
    if _is_number(expected):
        return _compare_number(expected, received, rtol, check_dtype, part)
    if expected != received:
        return Mismatch("value", part, f"returned {received!r}, expected {expected!r}")
    return None


# ------------------------------------------------------------- containers


def _compare_tuple(expected, received, rtol, check_dtype, part, names):
    n = len(expected)
    what = f" ({', '.join(names)})" if len(names) == n else ""
    if not isinstance(received, (tuple, list)):
        return Mismatch("type", part, f"returned {describe(received)}, expected a tuple of {n} values{what}")
    if len(received) != n:
        return Mismatch("type", part, f"returned {len(received)} values, expected {n}{what}")
    for i, (e, r) in enumerate(zip(expected, received)):
        name = names[i] if len(names) == n else f"{part or 'output'}[{i}]"
        mismatch = compare(e, r, rtol, check_dtype, part=name)
        if mismatch:
            return mismatch
    return None


def _compare_dict(expected, received, rtol, check_dtype, part):
    if not isinstance(received, dict):
        return Mismatch("type", part, f"returned {describe(received)}, expected a dict with keys {sorted(expected)}")
    if set(received) != set(expected):
        return Mismatch("type", part, f"returned a dict with keys {sorted(received)}, expected keys {sorted(expected)}")
    for key in expected:
        mismatch = compare(expected[key], received[key], rtol, check_dtype, part=f"{part}[{key!r}]")
        if mismatch:
            return mismatch
    return None


def _compare_number_list(expected, received, rtol, part):
    # A list of numbers (errors per epoch, a loss history): any sequence of
    # numbers will do, compared entry by entry.
    want = f"expected a list of {len(expected)} numbers"
    if not isinstance(received, (list, tuple, np.ndarray)):
        return Mismatch("type", part, f"returned {describe(received)}, {want}")
    try:
        got = np.asarray(received, dtype=np.float64)  # (n,)
    except (TypeError, ValueError):
        return Mismatch("type", part, f"holds something that is not a number; {want}")
    if got.ndim != 1:
        return Mismatch("type", part, f"returned {describe(got)}, {want}")
    if len(got) != len(expected):
        return Mismatch("shape", part, f"has length {len(got)}, expected {len(expected)}", title="wrong length")
    return _compare_values(np.asarray(expected, dtype=np.float64), got, rtol, part, entry=True)


# ------------------------------------------------------------- arrays and numbers


def _compare_array(expected, received, rtol, check_dtype, part):
    if not isinstance(received, np.ndarray):
        fix = ": wrap it with np.array(...)" if isinstance(received, (list, tuple)) else ""
        return Mismatch("type", part, f"returned {describe(received)}, expected a NumPy array "
                                      f"of shape {expected.shape}{fix}")
    if received.shape != expected.shape:
        return Mismatch("shape", part, f"returned shape {received.shape}, expected {expected.shape}")
    if not _is_numeric_dtype(received.dtype):
        return Mismatch("dtype", part, f"returned an array of dtype {received.dtype}, expected {expected.dtype}")
    if check_dtype and received.dtype != expected.dtype and not _extended(expected.dtype, received.dtype):
        return Mismatch("dtype", part, f"returned dtype {received.dtype}, expected {expected.dtype}")
    if np.float32 in (expected.dtype, received.dtype):
        rtol = max(rtol, FLOAT32_RTOL)
    return _compare_values(expected, received, rtol, part)


def _compare_number(expected, received, rtol, check_dtype, part):
    if isinstance(received, np.ndarray) and received.ndim == 0:
        received = received[()]
    if not _is_number(received):
        return Mismatch("type", part, f"returned {describe(received)}, expected a single number like {_show(expected)}")
    if check_dtype and _is_bool(received) != _is_bool(expected):
        want = "True or False" if _is_bool(expected) else "a number (1.0 / 0.0), not True / False"
        return Mismatch("dtype", part, f"returned {_show(received)}, expected {want}")
    return _compare_values(np.asarray(expected, dtype=np.float64), np.asarray(received, dtype=np.float64),
                           rtol, part)


def _compare_values(expected, received, rtol, part, entry=False):
    bad = ~np.isfinite(received) & np.isfinite(expected)
    if bad.any():
        idx = np.unravel_index(int(np.argmax(bad)), bad.shape)
        value = received[idx] if received.ndim else received
        return Mismatch("nan", part, f"contains {value} where the expected value is finite "
                                     f"({_show(expected[idx] if expected.ndim else expected)})",
                        where=_where(idx, entry))
    error, idx = relative_error(expected, received)
    if error > rtol:
        e = expected[idx] if expected.ndim else expected
        r = received[idx] if received.ndim else received
        return Mismatch("value", part,
                        f"worst relative error {error:.3g}{' at ' + _where(idx, entry) if idx else ''}: "
                        f"expected {_show(e)}, received {_show(r)} (allowed {rtol:.0e})",
                        where=_where(idx, entry), error=error)
    return None


# ------------------------------------------------------------- small helpers


def describe(value: Any) -> str:
    """A few words naming a value's type: "None", "a list", "an array of shape (3,)"."""
    if value is None:
        return "None (did you forget `return`?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if _is_bool(value):
        return f"a bool ({value})"
    if _is_number(value):
        return f"a number ({_show(value)})"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    if isinstance(value, (list, tuple)):
        return f"{article} {name} of length {len(value)}"
    return f"{article} {name}"


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_number(value) -> bool:
    return isinstance(value, (numbers.Number, np.number, np.bool_)) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and _is_numeric_dtype(value.dtype))


def _extended(expected: np.dtype, received: np.dtype) -> bool:
    """Extended precision (``longdouble``) where float64 is expected: more digits, nothing lost.

    float32 is the caller's choice to save memory and time, so a float32
    input must give float32; float64 is only the default, and a student who
    computes in ``np.longdouble`` has made the answer more exact, not wrong.
    """
    return expected == np.float64 and received.kind == "f" and received.itemsize > expected.itemsize


def _is_numeric_dtype(dtype) -> bool:
    return np.issubdtype(dtype, np.number) or dtype == np.bool_


def _show(x) -> str:
    # Full precision for single numbers: the student compares digits.
    if _is_bool(x):
        return repr(bool(x))
    if isinstance(x, (numbers.Integral, np.integer)):
        return str(int(x))
    return repr(float(x))


def _where(idx: tuple, entry: bool = False) -> str:
    if not idx:
        return ""
    if len(idx) == 1:
        return f"{'entry' if entry else 'index'} {int(idx[0])}"
    return f"index {tuple(int(i) for i in idx)}"
