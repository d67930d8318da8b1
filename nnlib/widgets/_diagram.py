"""A ChapterWidget for text-heavy diagrams: fixed axes, new artists every frame.

The chapter 03 diagrams (a computational graph, a small network) are mostly
text: node values, edge labels, a line of arithmetic.  Nearly all of it
changes from one frame to the next, so caching a background (``_blit.py``)
saves little.  What does save time:

- the axes are created once (creating axes with their ticks costs ~10 ms);
  a frame removes the previous frame's texts and patches and draws new ones;
- glyphs are rendered unhinted (``text.hinting = none``): about a third
  faster, and at 2 PNG pixels per CSS pixel hinting is not visible;
- the PNG is encoded straight from the canvas (``savefig`` would run a
  second renderer) by ``_png.py``.

A frame of the 2-2-1 animation then costs 25-45 ms of CPU on a 2-core machine,
and 100-200 ms the first time its formulas are shown (mathtext parses each
new string once, ~30 ms for a long line of arithmetic).

A diagram takes few states (stages, steps) and a lecturer walks back and
forth through them, so the PNG of each state is kept (:meth:`frame_key`):
coming back to a state still builds its artists (``draw()``: the texts the
tests read, the buttons' states, the status line) but skips rendering and
encoding, the two thirds of a frame's cost.  The kept PNG was encoded from
exactly the artists ``draw()`` rebuilds, so the picture is the same.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import matplotlib

from nnlib.widgets import _layout, _mathtext  # noqa: F401  (a roomier mathtext cache, set on import)
from nnlib.widgets._base import ChapterWidget

__all__ = ["DiagramWidget"]


class DiagramWidget(ChapterWidget):
    """Subclasses draw on ``self.ax`` (axis off, fixed position) and on ``self.view.figure`` in ``draw()``.

    ``update()`` holds a lock: widget messages may arrive on a kernel subshell
    while a cell changes a control, and two frames must not interleave on the
    shared canvas.

    A subclass whose picture depends only on a few values returns them from
    :meth:`frame_key`; the PNG of each of the last ``KEPT_FRAMES`` keys is
    kept and shown again when the key comes back (the canvas itself then
    keeps the last picture it rendered: only the Image widget is updated).
    """

    KEPT_FRAMES = 64  # PNGs of 50-150 kB each

    def __init__(self, figsize, hide=(), axes_rect=(0.0, 0.0, 1.0, 1.0)):
        super().__init__(figsize=figsize, hide=hide)
        self.view.figure.set_layout_engine(None)  # fixed axes: no layout pass per frame
        self.ax = self.view.figure.add_axes(axes_rect)
        self.ax.axis("off")
        self._lock = threading.RLock()
        self._frames: OrderedDict = OrderedDict()  # key -> (PNG bytes, text sizes), oldest first

    def frame_key(self):
        """Everything the picture depends on (hashable), or None (this default): keep no frames."""

    def forget_frames(self) -> None:
        """Drop the kept PNGs (e.g. the figure is now drawn with another number of pixels)."""
        self._frames.clear()

    def update(self) -> None:
        """Replace the previous frame's texts and patches, draw, and show the PNG (a kept one if there is)."""
        with self._lock:
            for artist in [*self.view.figure.texts, *self.ax.texts, *self.ax.patches, *self.ax.artists]:
                artist.remove()
            self.draw()
            key = self.frame_key()
            if key is not None:
                # the same state drawn with another resolution or size is another picture
                key = (key, self.view.figure.dpi, tuple(self.view.figure.get_size_inches()))
            kept = self._frames.get(key) if key is not None else None
            if kept is not None:
                self._frames.move_to_end(key)
                png, self.view.text_px = kept
                _layout.image_layout(self.view.image.layout, self.view.css_size[0], self.view.text_px[0])
                self.view.image.value = png
                return
            with matplotlib.rc_context({"text.hinting": "none"}), self.view.recording_text():
                self.view.figure.canvas.draw()
            self.view.publish()
            if key is not None:
                self._frames[key] = (self.view.image.value, self.view.text_px)
                while len(self._frames) > self.KEPT_FRAMES:
                    self._frames.popitem(last=False)
