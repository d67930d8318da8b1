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

A frame of the 2-2-1 animation then costs 25-45 ms of CPU on a 2-core machine.
"""
from __future__ import annotations

import threading

import matplotlib

from nnlib.widgets import _mathtext  # noqa: F401  (a roomier mathtext cache, set on import)
from nnlib.widgets._base import ChapterWidget

__all__ = ["DiagramWidget"]


class DiagramWidget(ChapterWidget):
    """Subclasses draw on ``self.ax`` (axis off, fixed position) and on ``self.view.figure`` in ``draw()``.

    ``update()`` holds a lock: widget messages may arrive on a kernel subshell
    while a cell changes a control, and two frames must not interleave on the
    shared canvas.
    """

    def __init__(self, figsize, hide=(), axes_rect=(0.0, 0.0, 1.0, 1.0)):
        super().__init__(figsize=figsize, hide=hide)
        self.view.figure.set_layout_engine(None)  # fixed axes: no layout pass per frame
        self.ax = self.view.figure.add_axes(axes_rect)
        self.ax.axis("off")
        self._lock = threading.RLock()

    def update(self) -> None:
        """Replace the previous frame's texts and patches, draw, and show the PNG."""
        with self._lock:
            for artist in [*self.view.figure.texts, *self.ax.texts, *self.ax.patches, *self.ax.artists]:
                artist.remove()
            self.draw()
            with matplotlib.rc_context({"text.hinting": "none"}), self.view.recording_text():
                self.view.figure.canvas.draw()
            self.view.publish()
