"""A safe wire format for the re-check's outputs: JSON, with NumPy values spelled out.

The grader must never unpickle what a student's process wrote (unpickling
runs code).  JSON only builds dicts, lists, strings and numbers; arrays travel
as ``{"__ndarray__": [dtype, shape, data]}``.  Whatever a student's function
returns must either travel or fail *that one case* with a reason, never the
whole re-check:

- numbers: bool, int, float, complex (``[re, im]`` pairs), NaN and infinities;
- arrays of those kinds, 0-d arrays and ndarray subclasses included (sent as
  plain arrays: whether the subclass itself was acceptable is the sandbox's
  verdict), extended precision (``float128``/``longdouble``, ``complex256``)
  sent as float64 values under their own dtype;
- strings: NumPy string scalars (``np.str_``, e.g. from ``rng.choice`` over a
  list of names) and string arrays (dtype ``<U``), kept as NumPy strings;
- object arrays, tuples, lists and dicts, element by element;
- at most ``MAX_ELEMENTS`` numbers per array (a check's outputs are small).

Anything else (a set, a bytes array, an instance of the student's own class)
raises :class:`Unencodable` with a reason; ``is_object`` tells the grader the
value was an object only the sandbox could look at (the ``Value`` checks
return such objects on purpose).
"""
from __future__ import annotations

import json
import math

import numpy as np

_KINDS = "biufc"  # bool, signed and unsigned ints, floats, complex
MAX_ELEMENTS = 1_000_000  # per array


class Unencodable(TypeError):
    """A value the wire format does not carry; ``is_object``: an object of a class of its own."""

    def __init__(self, reason: str, is_object: bool = False):
        super().__init__(reason)
        self.is_object = is_object


def encode(value):
    """A JSON-ready form of ``value`` (numbers, strings, None, arrays, tuples, lists, dicts)."""
    if value is None or type(value) in (bool, str, int):
        return value
    if type(value) is float:
        return _float(value)
    if type(value) is complex:
        return {"__complex__": [_float(value.real), _float(value.imag)]}
    if isinstance(value, np.ndarray):
        return _array(np.asarray(value))
    if isinstance(value, np.str_):
        return {"__npstr__": str(value)}
    if isinstance(value, np.generic):
        if value.dtype.kind not in _KINDS:
            raise Unencodable(f"a NumPy scalar of dtype {value.dtype}")
        return {"__npscalar__": [value.dtype.str, _number(value.item(), value.dtype)]}
    if type(value) is tuple:
        return {"__tuple__": [encode(v) for v in value]}
    if type(value) is list:
        return [encode(v) for v in value]
    if type(value) is dict:
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    builtin = type(value).__module__ == "builtins"
    raise Unencodable(f"a {type(value).__name__}", is_object=not builtin)


def _array(array: np.ndarray):
    if array.size > MAX_ELEMENTS:
        raise Unencodable(f"an array of {array.size:,} values (more than {MAX_ELEMENTS:,})")
    if array.dtype.kind == "O":
        return {"__objarray__": [list(array.shape), [encode(v) for v in array.ravel().tolist()]]}
    if array.dtype.kind == "U":
        return {"__strarray__": [list(array.shape), [str(v) for v in array.ravel().tolist()]]}
    if array.dtype.kind not in _KINDS or array.dtype.fields is not None:
        raise Unencodable(f"an array of dtype {array.dtype}")
    values = array.ravel()
    if array.dtype.kind in "fc" and array.dtype.itemsize > (8 if array.dtype.kind == "f" else 16):
        values = values.astype(np.complex128 if array.dtype.kind == "c" else np.float64)  # longdouble
    return {"__ndarray__": [array.dtype.newbyteorder("=").str, list(array.shape),
                            [_number(v, array.dtype) for v in values.tolist()]]}


def _number(x, dtype: np.dtype):
    """One element as JSON: ints and bools as they are, floats spelled safely, complex as a pair."""
    if dtype.kind == "c":
        x = complex(x)
        return [_float(x.real), _float(x.imag)]
    if dtype.kind == "f":
        return _float(float(x))
    return x if isinstance(x, (bool, int)) else int(x)


def _float(x: float):
    # JSON has no NaN or infinity; spell them as strings the decoder knows.
    if not math.isfinite(x):
        return {"__float__": repr(x)}
    return x


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
        shape = [int(n) for n in shape]
        if dtype.kind not in _KINDS or len(flat) > MAX_ELEMENTS or math.prod(shape) != len(flat):
            raise ValueError("malformed array in the re-check's output")
        return np.array([_unnumber(x, dtype) for x in flat], dtype=dtype).reshape(shape)
    if tag == "__objarray__":
        shape, flat = [int(n) for n in body[0]], body[1]
        if len(flat) > MAX_ELEMENTS or math.prod(shape) != len(flat):
            raise ValueError("malformed array in the re-check's output")
        out = np.empty(len(flat), dtype=object)
        out[:] = [decode(v) for v in flat] if flat else []
        return out.reshape(shape)
    if tag == "__strarray__":
        shape, flat = [int(n) for n in body[0]], body[1]
        if (len(flat) > MAX_ELEMENTS or math.prod(shape) != len(flat)
                or not all(isinstance(v, str) for v in flat)):
            raise ValueError("malformed string array in the re-check's output")
        return np.array(flat, dtype=str).reshape(shape) if flat else np.empty(shape, dtype="<U1")
    if tag == "__npstr__":
        return np.str_(body) if isinstance(body, str) else _bad()
    if tag == "__npscalar__":
        dtype = np.dtype(str(body[0]))
        if dtype.kind not in _KINDS:
            raise ValueError("malformed scalar in the re-check's output")
        return dtype.type(_unnumber(body[1], dtype))
    if tag == "__float__":
        return float(body) if body in ("nan", "inf", "-inf") else _bad()
    if tag == "__complex__":
        return complex(_unfloat(body[0]), _unfloat(body[1]))
    if tag == "__tuple__":
        return tuple(decode(v) for v in body)
    if tag == "__dict__":
        return {_key(decode(k)): decode(v) for k, v in body}
    return _bad()


def _unnumber(x, dtype: np.dtype):
    if dtype.kind == "c":
        if not (isinstance(x, list) and len(x) == 2):
            raise ValueError("malformed complex number in the re-check's output")
        return complex(_unfloat(x[0]), _unfloat(x[1]))
    return _unfloat(x)


def _unfloat(x):
    if isinstance(x, dict) and set(x) == {"__float__"}:
        return decode(x)
    if not isinstance(x, (int, float, bool)):
        raise ValueError("malformed element in the re-check's output")
    return x


def _key(key):
    if isinstance(key, list):
        raise ValueError("malformed dict key in the re-check's output")
    return key


def _bad():
    raise ValueError("malformed value in the re-check's output")


def dumps(value) -> str:
    """JSON text of an encoded value (no NaN literals: they were spelled out)."""
    return json.dumps(value, allow_nan=False, separators=(",", ":"))
