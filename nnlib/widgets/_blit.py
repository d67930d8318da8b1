"""A ChapterWidget that redraws only what moves (matplotlib "blitting").

Clearing and redrawing a whole figure costs about 100 ms a frame on a 2-core
machine, most of it in tick labels, legends and layout that never change
while a slider moves.  :class:`BlittedWidget` renders those static parts once
into a background and, per frame, draws only the moving artists on top of it
before encoding the PNG (``_png.py``).
"""
from __future__ import annotations

import asyncio
import logging
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

    A background seen for the first time still costs a full draw, and a
    drop-down's first visit to each option waits for it.  A subclass that
    lists its other backgrounds in :meth:`backgrounds_ahead` (and can show
    each, :meth:`show_background`) gets them drawn *ahead*: while the kernel
    is idle after a frame, one every ``AHEAD_DELAY_S``, without publishing
    anything, so the first visit restores a kept background too.

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
    # Idle time before drawing a background ahead, and between two.  One holds the lock for a full draw
    # (50-100 ms), so a control moved meanwhile waits that long at most.
    AHEAD_DELAY_S = 0.1
    _ahead_pending = False

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

    def backgrounds_ahead(self) -> list:
        """Background keys worth drawing before a control asks for them (a drop-down's options); [] for none.

        A subclass that lists keys implements :meth:`show_background`.  At most
        ``KEPT_BACKGROUNDS`` are kept, the current one included.
        """
        return []

    def show_background(self, key) -> None:
        """Set the static parts (limits, labels, titles) to those of background ``key``; draw nothing."""
        raise NotImplementedError

    def draw_ahead(self) -> bool:
        """Draw and keep one background of :meth:`backgrounds_ahead` not kept yet; True if more are left.

        Nothing is published: the canvas holds that background until the next
        frame restores the current one (``_render``).  The static parts are put
        back to the current background's before the lock is released.
        """
        with self._lock:
            if not self._built:
                return False
            current = self.background_key()
            room = self.KEPT_BACKGROUNDS - len(self._kept)  # never push out a kept one (the current's)
            missing = [key for key in self.backgrounds_ahead() if key != current and key not in self._kept]
            if room <= 0 or not missing:
                return False
            figure, canvas = self.view.figure, self.view.figure.canvas
            for artist in self.moving():
                artist.set_animated(True)  # out of the background, as in _render
            self.show_background(missing[0])
            try:
                canvas.draw()
                self._kept[missing[0]] = canvas.copy_from_bbox(figure.bbox)
            finally:
                self.show_background(current)
            return room > 1 and len(missing) > 1

    def _schedule_draw_ahead(self) -> None:
        """Draw the next background ahead once the kernel's event loop is idle (none without a loop)."""
        if self._ahead_pending or not self.backgrounds_ahead():
            return
        try:
            loop = asyncio.get_running_loop()  # the kernel's loop while it handles a message or runs a cell
        except RuntimeError:
            return  # a script or a test: nothing is idle to fill
        self._ahead_pending = True
        loop.call_later(self.AHEAD_DELAY_S, self._draw_ahead_step)

    def _draw_ahead_step(self) -> None:
        self._ahead_pending = False
        try:
            more = self.draw_ahead()
        except Exception:  # a background drawn late is only slower; never break the widget over it
            logging.getLogger(__name__).exception("%s could not draw a background ahead", type(self).__name__)
            return
        if more:
            self._schedule_draw_ahead()

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
        self._schedule_draw_ahead()

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
