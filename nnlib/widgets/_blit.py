"""A ChapterWidget that redraws only what moves (matplotlib "blitting").

Clearing and redrawing a whole figure costs about 100 ms a frame on a 2-core
machine, most of it in tick labels, legends and layout that never change
while a slider moves.  :class:`BlittedWidget` renders those static parts once
into a background and, per frame, draws only the moving artists on top of it
before encoding the PNG (``_png.py``).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

from nnlib.widgets import _mathtext  # noqa: F401  (a roomier mathtext cache, set on import)
from nnlib.widgets._base import ChapterWidget

__all__ = ["BlittedWidget"]


class BlittedWidget(ChapterWidget):
    """A ChapterWidget that builds its artists once and redraws only what moves.

    Subclasses implement ``build()`` (axes and artists, before the first
    frame), ``draw()`` (set the artists' data) and ``moving()`` (the artists
    ``draw`` changes).  Everything else (axes, ticks, legend) is rendered
    once into a cached background; a frame restores it and draws the moving
    artists on top (matplotlib's "blitting").  Call :meth:`invalidate` after
    changing anything static, e.g. axis limits.

    A background costs 50-100 ms to render (ticks, labels, legends; at 2 PNG
    pixels per CSS pixel).  A subclass whose static parts take a few states
    (a truth table, a layer) returns that state from :meth:`background_key`;
    the background of each is then kept (the last ``KEPT_BACKGROUNDS``), and
    coming back to a state restores it in ~1 ms instead of drawing it again.

    ``update()`` also skips a frame when :meth:`state` did not change, e.g.
    when a Play widget and the slider linked to it report the same step.
    It holds a lock: widget messages may be handled on a kernel subshell
    while a notebook cell changes a control, and two half-drawn frames must
    not interleave on the shared canvas.
    """

    _built = False
    _last_state = None
    _holding = False
    _background = None
    KEPT_BACKGROUNDS = 8  # each is a full RGBA copy of the canvas (2-5 MB)

    def __init__(self, figsize, hide=()):
        super().__init__(figsize=figsize, hide=hide)
        self._lock = threading.RLock()
        self._kept: dict = {}  # background_key() -> rendered background, oldest first

    def build(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def moving(self) -> list:  # pragma: no cover - abstract
        raise NotImplementedError

    def state(self):
        return tuple(c.value for c in self.controls.values() if hasattr(c, "value"))

    @contextmanager
    def holding(self):
        """Change several controls without drawing in between."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

    def background_key(self):
        """What the static parts depend on (hashable), or None: not worth keeping backgrounds."""
        return None

    def invalidate(self) -> None:
        """Static parts changed: render the background again on the next frame (or reuse a kept one)."""
        self._background = None

    def forget_frames(self) -> None:
        """Drop every rendered background and draw the next frame in full (the canvas changed size)."""
        self._background = None
        self._kept.clear()
        self._last_state = None

    def update(self) -> None:
        """Redraw from the current control values (nothing to do if they did not change)."""
        with self._lock:
            state = self.state()
            if self._holding or (self._built and state == self._last_state):
                return
            if not self._built:
                self.build()
            self.draw()
            self._render()
            if not self._built:
                # The first render ran the constrained layout; keep its result
                # (titles change text, not size) and skip it from now on.
                self.view.figure.set_layout_engine(None)
                self._built = True
            self._last_state = state

    def _render(self) -> None:
        figure, canvas = self.view.figure, self.view.figure.canvas
        moving = self.moving()
        key = self.background_key() if self._background is None else None
        if key is not None and key in self._kept:
            self._background = self._kept[key]
        if self._background is None:
            with self.view.recording_text():  # a full draw: every text of the figure is drawn once
                for artist in moving:
                    artist.set_animated(True)  # left out of canvas.draw(): drawn per frame below
                canvas.draw()
                self._background = canvas.copy_from_bbox(figure.bbox)
                self._draw_moving(moving)
            if key is not None:
                self._kept[key] = self._background
                while len(self._kept) > self.KEPT_BACKGROUNDS:
                    self._kept.pop(next(iter(self._kept)))
        else:
            canvas.restore_region(self._background)
            self._draw_moving(moving)
        self.view.publish()

    def _draw_moving(self, moving) -> None:
        for artist in sorted(moving, key=lambda a: a.get_zorder()):  # the order a full draw uses
            self.view.figure.draw_artist(artist)
