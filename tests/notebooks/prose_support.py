"""Shared by the prose-number tests: which numerals a chapter's markdown contains, and the phrase checks.

Chapters 01-07 keep their own copies of ``says``/``shown``; chapter 08 on uses these.
"""
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


def cell_sources(nb) -> dict[str, str]:
    """Each cell's source by its grade id without the chapter prefix (``md_intro``, ``widget_search``)."""
    return {cell.metadata["nbgrader"]["grade_id"].split("-", 1)[1]: cell.source
            for cell in nb.cells if "grade_id" in cell.metadata.get("nbgrader", {})}


def normalised(text: str) -> str:
    """Prose without $ signs and backticks, with ASCII minus signs and single spaces (line breaks vary)."""
    return re.sub(r"\s+", " ", text.replace("$", "").replace("`", "").replace("−", "-"))


def phrase_checker(sources: dict[str, str]):
    """``says(cell, *phrases)``: fails, naming the phrase, when a cell of ``sources`` no longer contains it."""
    def says(cell: str, *phrases: str) -> None:
        body = normalised(sources[cell])
        for phrase in phrases:
            assert normalised(phrase) in body, f"cell {cell} no longer says {phrase!r}: update the test with the prose"
    return says


def shown(value: float, text: str) -> None:
    """Does ``value`` round to ``text`` (as many decimals as the text shows)?"""
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert f"{value:.{decimals}f}" == f"{float(text):.{decimals}f}", f"{value!r} does not round to {text}"
