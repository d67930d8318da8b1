"""A roomier mathtext cache for matplotlib, shared by every chapter widget.

Imported for its effect by ``_blit.py`` and ``_diagram.py`` (every chapter
widget is one or the other).
"""
from __future__ import annotations

import functools

__all__ = ["roomier_mathtext_cache"]


def roomier_mathtext_cache(size: int = 2048) -> None:
    """Let matplotlib keep the layout of up to ``size`` mathtext strings instead of 50.

    Parsing a mathtext label costs 1-2 ms; matplotlib keeps the last 50
    parsed strings.  One chapter 03 frame draws 20-30 of them (every node
    value is a formula), and the chapter's three widgets share one kernel,
    so stepping through one while another was moved parsed most strings
    again: 58 ms a backprop frame instead of 30 (CPU, measured).  The cache
    holds small layout objects; a few thousand cost a few MB.  Left alone
    if matplotlib's internals look different (a missing cache only costs
    speed).
    """
    from matplotlib.mathtext import MathTextParser

    parse = getattr(MathTextParser, "_parse_cached", None)
    info = getattr(parse, "cache_info", None)
    if getattr(parse, "__wrapped__", None) is None or info is None or info().maxsize is None or info().maxsize >= size:
        return
    MathTextParser._parse_cached = functools.lru_cache(size)(parse.__wrapped__)


roomier_mathtext_cache()
