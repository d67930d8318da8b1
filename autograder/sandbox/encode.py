"""A safe wire format for the re-check's outputs: JSON, with NumPy arrays spelled out.

The grader must never unpickle what a student's process wrote (unpickling
runs code).  JSON only builds dicts, lists, strings and numbers; arrays
travel as ``{"__ndarray__": [dtype, shape, data]}`` with a numeric or bool
dtype.  Anything else (a student's class instance, an object array, a
complex number) cannot be encoded: :func:`encode` raises
:class:`Unencodable` and the re-check then reports only the sandbox's own
verdict for that case.
"""
from __future__ import annotations

import json
import math

import numpy as np

_KINDS = "biuf"  # bool, signed and unsigned ints, floats
MAX_ELEMENTS = 1_000_000  # per array: a check's outputs are small


class Unencodable(TypeError):
    """A value the wire format does not carry."""


def encode(value):
    """A JSON-ready form of ``value`` (numbers, strings, None, arrays, tuples, lists, dicts)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _KINDS or value.dtype.byteorder not in "=|<" or value.size > MAX_ELEMENTS:
            raise Unencodable(f"array of dtype {value.dtype}")
        return {"__ndarray__": [value.dtype.str, list(value.shape), _floats(value.ravel().tolist())]}
    if isinstance(value, np.generic):
        if value.dtype.kind not in _KINDS:
            raise Unencodable(f"numpy scalar of dtype {value.dtype}")
        return {"__npscalar__": [value.dtype.str, _float(value.item())]}
    if isinstance(value, int) and type(value) is int:
        return value
    if isinstance(value, float) and type(value) is float:
        return _float(value)
    if type(value) is tuple:
        return {"__tuple__": [encode(v) for v in value]}
    if type(value) is list:
        return [encode(v) for v in value]
    if type(value) is dict and all(type(k) is str for k in value):
        return {"__dict__": [[k, encode(v)] for k, v in value.items()]}
    raise Unencodable(f"a {type(value).__name__}")


def _float(x):
    # JSON has no NaN or infinity; spell them as strings the decoder knows.
    if isinstance(x, float) and not math.isfinite(x):
        return {"__float__": repr(x)}
    return x


def _floats(items):
    return [_floats(i) if isinstance(i, list) else _float(i) for i in items]


def decode(data):
    """The value :func:`encode` was given (arrays rebuilt with their dtype and shape)."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if len(data) != 1:
        raise ValueError("malformed value in the re-check's output")
    (tag, body), = data.items()
    if tag == "__ndarray__":
        dtype, shape, flat = body
        dtype = np.dtype(str(dtype))
        if dtype.kind not in _KINDS or len(flat) > MAX_ELEMENTS or math.prod(shape) != len(flat):
            raise ValueError("malformed array in the re-check's output")
        return np.array([_unfloat(x) for x in flat], dtype=dtype).reshape([int(n) for n in shape])
    if tag == "__npscalar__":
        dtype = np.dtype(str(body[0]))
        if dtype.kind not in _KINDS:
            raise ValueError("malformed scalar in the re-check's output")
        return dtype.type(_unfloat(body[1]))
    if tag == "__float__":
        return float(body) if body in ("nan", "inf", "-inf") else _bad()
    if tag == "__tuple__":
        return tuple(decode(v) for v in body)
    if tag == "__dict__":
        return {str(k): decode(v) for k, v in body}
    return _bad()


def _unfloat(x):
    if isinstance(x, dict) and set(x) == {"__float__"}:
        return decode(x)
    if not isinstance(x, (int, float, bool)):
        raise ValueError("malformed element in the re-check's output")
    return x


def _bad():
    raise ValueError("malformed value in the re-check's output")


def dumps(value) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))
