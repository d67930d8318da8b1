"""Argument checks shared by nnlib: one clear error instead of a deep NumPy one.

Every message names the argument, what was expected and what came, e.g.
``Dense(3, 4): X must have shape (N, 3), got (5, 2)``.
"""
from __future__ import annotations

import numpy as np


def as_float_array(x, name: str, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """``x`` as a floating array (float32 stays float32, the rest becomes float64).

    Raises TypeError for non-numeric input and ValueError for a wrong number
    of dimensions (``ndim`` may be one int or a tuple of allowed ints).
    """
    if type(x) is np.ndarray and x.dtype.char in "fd" and (ndim is None or x.ndim == ndim):
        return x  # already a float array: the common case inside a training loop, checked in ~0.2 us
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and other oddities
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got {arr.ndim}-D array of shape {arr.shape}")
    return arr


def check_shape(arr: np.ndarray, expected: tuple, name: str, where: str = "") -> None:
    """Raise ValueError unless ``arr.shape`` matches ``expected`` (None = any size)."""
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape))
    if not ok:
        want = "(" + ", ".join("N" if e is None else str(e) for e in expected) + ("," if len(expected) == 1 else "") + ")"
        prefix = f"{where}: " if where else ""
        raise ValueError(f"{prefix}{name} must have shape {want}, got {arr.shape}")


def check_positive(value, name: str, allow_zero: bool = False) -> None:
    """Raise ValueError unless ``value`` > 0 (or >= 0 with ``allow_zero``)."""
    bad = value < 0 if allow_zero else value <= 0
    if bad or not np.isfinite(value):
        rel = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {rel}, got {value!r}")


def check_probability(value, name: str, allow_one: bool = False) -> None:
    """Raise ValueError unless 0 <= value < 1 (or <= 1 with ``allow_one``)."""
    ok = 0.0 <= value <= 1.0 if allow_one else 0.0 <= value < 1.0
    if not ok:
        rng = "[0, 1]" if allow_one else "[0, 1)"
        raise ValueError(f"{name} must be in {rng}, got {value!r}")


def as_generator(rng=None, seed=None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``rng`` or ``seed`` (never global state).

    ``rng`` may be a Generator (used as is), an int seed, or None; ``seed`` is
    used when ``rng`` is None.  With neither, a fresh unseeded Generator.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is not None and not isinstance(rng, (int, np.integer)):
        raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}")
    return np.random.default_rng(rng if rng is not None else seed)
