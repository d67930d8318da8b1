"""Hidden cases a student cannot compute in advance: random cases drawn with a per-course secret.

The checks are open source (``autograder`` is installed with the course), so
anyone can read which seed a hidden case uses and compute it.  At grading
time the grader sets ``NNCOURSE_CASE_SECRET`` (a hex string kept with the
course's grading files) in the kernels and the re-check; every random hidden
case then draws from ``np.random.default_rng([secret, seed])`` instead of
``np.random.default_rng(seed)``.  Hand-worked and edge cases, and every
visible case, are the same for everyone.

The variable is read each time a case is drawn (``case_rng``), never at
import, so ``get_spec(name).hidden_cases()`` always follows the environment
of the moment.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np

SECRET_VARIABLE = "NNCOURSE_CASE_SECRET"


def course_secret() -> Optional[int]:
    """The secret as an integer, or None when ``NNCOURSE_CASE_SECRET`` is unset or empty.

    Raises ValueError when it is set but not a hex string: grading with a
    secret nobody can reproduce would be worse than failing loudly.
    """
    text = os.environ.get(SECRET_VARIABLE, "").strip()
    if not text:
        return None
    try:
        return int(text, 16)
    except ValueError:
        raise ValueError(f"{SECRET_VARIABLE} must be a hex string, got {text[:12]!r}...") from None


def case_rng(seed: int) -> np.random.Generator:
    """The generator of a random hidden case: ``default_rng([secret, seed])``, or ``default_rng(seed)`` without a secret.

    Each case keeps its own ``seed``, so two cases never share a stream and
    adding a case does not change the others.
    """
    secret = course_secret()
    return np.random.default_rng(seed if secret is None else [secret, seed])
