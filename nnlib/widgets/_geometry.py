"""Where arrows and labels go in the box-and-arrow diagrams of chapter 03.

Node boxes are texts with a bbox; their size depends on the text, the font
and the figure's resolution, so it is measured (in display pixels) once the
texts are placed, and every arrow is then drawn from the edge of one box to
the edge of the next: it starts where the line joining the two boxes leaves
the first box and ends, tip on the frame, where it enters the second.  An
arrow's label sits beside the arrow, on a chosen side, with the text aligned
so that the whole label stays on that side (above a rising arrow the label
is anchored at its lower right corner, and so on): labels never sit on their
arrow.

All points here are display coordinates (pixels of the rendered figure);
:func:`to_data` converts them for the axes.
"""
from __future__ import annotations

import numpy as np
from matplotlib.transforms import Bbox

__all__ = ["box_of", "segment_between", "label_spot", "to_data", "hits_segment", "free_spot"]


def box_of(text, renderer) -> Bbox:
    """The display-space box of a text artist: its bbox patch (frame and pad included) when it has one."""
    patch = text.get_bbox_patch()
    if patch is None:
        return text.get_window_extent(renderer)
    text.update_bbox_position_size(renderer)  # the patch is sized and placed at draw time otherwise
    return patch.get_window_extent(renderer)


def _inside(p, d, box: Bbox):
    """Parameters (t_in, t_out) where the line p + t d is inside ``box``, or None if it misses it."""
    lo, hi = -np.inf, np.inf
    for k, (mn, mx) in enumerate(((box.x0, box.x1), (box.y0, box.y1))):
        if abs(d[k]) < 1e-12:
            if not mn <= p[k] <= mx:
                return None
            continue
        t1, t2 = (mn - p[k]) / d[k], (mx - p[k]) / d[k]
        lo, hi = max(lo, min(t1, t2)), min(hi, max(t1, t2))
    return (lo, hi) if lo <= hi else None


def segment_between(a: Bbox, b: Bbox, offset: float = 0.0, gap: float = 0.0):
    """The part of the line between the centres of ``a`` and ``b`` that lies outside both boxes.

    ``offset`` shifts the line sideways by that many pixels (positive: to the
    left of the direction a -> b), for two arrows between the same boxes;
    ``gap`` leaves that many pixels between each end and its box.
    Returns (start, end) as two arrays of display coordinates.
    """
    ca = np.array([(a.x0 + a.x1) / 2, (a.y0 + a.y1) / 2])
    cb = np.array([(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2])
    d = (cb - ca) / np.linalg.norm(cb - ca)
    n = np.array([-d[1], d[0]])  # the left normal
    p = ca + offset * n
    span_a, span_b = _inside(p, d, a), _inside(p, d, b)
    if span_a is None or span_b is None:  # the shifted line misses a box: fall back to the centre line
        p, span_a, span_b = ca, _inside(ca, d, a), _inside(ca, d, b)
    return p + (span_a[1] + gap) * d, p + (span_b[0] - gap) * d


def label_spot(start, end, side: int, gap: float, where: float = 0.5):
    """Anchor (x, y) and alignment (ha, va) of a label beside the segment start -> end.

    ``side`` +1 puts the label above the segment (for a vertical segment: to
    its left), -1 below; ``where`` is the fraction of the way from start to
    end.  The alignment keeps the whole text on that side: a label above a
    rising segment is anchored at its lower right corner, above a falling one
    at its lower left corner, above a level one at the middle of its lower edge.
    """
    start, end = np.asarray(start, float), np.asarray(end, float)
    d = (end - start) / np.linalg.norm(end - start)
    up = np.array([-d[1], d[0]]) if d[0] >= 0 else np.array([d[1], -d[0]])  # the normal with y >= 0
    if abs(d[0]) < 1e-9:
        up = np.array([-1.0, 0.0])
    x, y = start + where * (end - start) + side * gap * up
    slope = d[1] / d[0] if abs(d[0]) > 1e-9 else np.inf
    if abs(slope) < 0.05:  # level
        ha, va = "center", ("bottom" if side > 0 else "top")
    elif np.isinf(slope):  # vertical: left or right of it
        ha, va = ("right" if side > 0 else "left"), "center"
    else:
        rising = slope > 0
        ha = ("right" if rising else "left") if side > 0 else ("left" if rising else "right")
        va = "bottom" if side > 0 else "top"
    return (x, y), ha, va


def to_data(ax, point):
    """Display coordinates -> the axes' data coordinates."""
    return tuple(ax.transData.inverted().transform(np.asarray(point, float)))


def hits_segment(box: Bbox, start, end, margin: float = 0.0) -> bool:
    """Does the segment start -> end pass through ``box`` (grown by ``margin`` pixels on every side)?"""
    start, end = np.asarray(start, float), np.asarray(end, float)
    span = _inside(start, end - start, box.padded(margin) if margin else box)
    return span is not None and span[0] <= 1 and span[1] >= 0


def free_spot(place, boxes, segments, margin: float, sides=(1, -1),
              tries=(0.5, 0.6, 0.4, 0.7, 0.3, 0.75, 0.25, 0.8), own=None):
    """The first (side, where) at which the label ``place(side, where)`` touches no box and crosses no segment.

    ``place(side, where)`` puts the label on that side of its arrow, that
    fraction of the way along, and returns its display box; ``boxes`` are
    display boxes to keep ``margin`` pixels away from (node boxes, labels
    already placed), ``segments`` (start, end) pairs of arrows; ``own``, the
    label's own arrow, is only required not to pass through the label itself
    (the label sits closer to it than ``margin``).  The sides
    are tried in order, each at every fraction.  When every spot collides,
    the one with the least overlap is kept (and placed again).
    """
    best, best_cost = None, np.inf
    for side in sides:
        for where in tries:
            box = place(side, where)
            grown = box.padded(margin)
            cost = sum(_overlap_area(grown, other) for other in boxes)
            cost += sum(grown.width * grown.height for a, b in segments
                        if not (own is not None and a is own[0] and b is own[1]) and hits_segment(grown, a, b))
            if own is not None and hits_segment(box, *own):
                cost += box.width * box.height
            if cost == 0:
                return (side, where), box
            if cost < best_cost:
                best, best_cost = (side, where), cost
    return best, place(*best)


def _overlap_area(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0
