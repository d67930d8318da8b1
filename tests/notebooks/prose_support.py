"""Shared by the prose-number tests: which numerals a chapter's markdown contains."""
from __future__ import annotations

import re


# dtype names (float32, int64, complex128) are names, not numbers to check
_DTYPE_NAMES = re.compile(r"\b(?:float|u?int|complex)\d+\b")


def markdown_numerals(nb) -> set[str]:
    """Every numeral (``12``, ``0.25``) written in the notebook's markdown cells, dtype names aside."""
    numerals: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            numerals.update(re.findall(r"\d+(?:\.\d+)?", _DTYPE_NAMES.sub("", cell.source)))
    return numerals


def unaccounted(nb, inventory: dict) -> str:
    """'' when the markdown's numerals are exactly the inventory's keys, else what differs."""
    numerals = markdown_numerals(nb)
    if numerals == set(inventory):
        return ""
    return f"new numerals {sorted(numerals - set(inventory))}, gone {sorted(set(inventory) - numerals)}"
