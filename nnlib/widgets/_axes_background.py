"""A new background for a blitted widget, redrawing only the static parts that changed.

A drop-down that changes one panel of a figure (the truth table changes the
bar chart's epochs, not the panel of points, its legend or its labels) makes
:class:`~nnlib.widgets._blit.BlittedWidget` render a whole new background the
first time each option is chosen: 100-250 ms on a 2-core machine, half of it
in the unchanged panel's legend and tick labels.  A slider whose value is
written in a title does the same for each new value.  :class:`RedrawnAxes`
keeps a *base*: the background without the artists that change (a whole
axes, or a title).  A new background is then the base with those artists
drawn over it, each in full (an axes with its patch, grid, ticks, labels and
title) as a full draw would draw it, so the pixels are the same.

The base is rendered the first time it is needed (the first new background
after the widget was built), so building a widget costs nothing more.
"""
from __future__ import annotations

from matplotlib.text import Text

from nnlib.widgets._blit import BlittedWidget

__all__ = ["RedrawnAxes"]


class RedrawnAxes(BlittedWidget):
    """A BlittedWidget whose :meth:`background_key` changes only the artists named by :meth:`changing_artists`.

    Those artists (axes, texts) must not overlap the rest of the background
    and must come last in a full draw where they touch it, or the composed
    background would differ from a full draw's (the widget tests compare the two).
    """

    _base = None  # (figure dpi, the background without the changing artists)

    def changing_artists(self) -> list:  # pragma: no cover - abstract
        raise NotImplementedError

    def forget_frames(self) -> None:
        self._base = None
        forget = getattr(super(), "forget_frames", None)  # BlittedWidget's, where it has one
        if forget is not None:
            forget()

    def _render(self) -> None:
        key = self.background_key() if self._background is None else None
        if not self._built or key is None or key in self._kept:
            super()._render()  # the first full draw, a kept background, or no new background
        else:
            self._render_new_background(key)

    def _render_new_background(self, key) -> None:
        figure, canvas = self.view.figure, self.view.figure.canvas
        moving, changing = self.moving(), self.changing_artists()
        for artist in moving:
            artist.set_animated(True)  # drawn per frame, never part of a background
        if self._base is None or self._base[0] != figure.dpi:
            # An axes title left out of a draw is moved out of the way (Axes._update_title_position):
            # put every text back where the full draw placed it.
            places = [(artist, artist.get_position()) for artist in changing if isinstance(artist, Text)]
            for artist in changing:
                artist.set_visible(False)
            try:
                canvas.draw()
            finally:
                for artist in changing:
                    artist.set_visible(True)
                for artist, place in places:
                    artist.set_position(place)
            self._base = (figure.dpi, canvas.copy_from_bbox(figure.bbox))
        canvas.restore_region(self._base[1])
        for artist in changing:
            figure.draw_artist(artist)  # an axes: its patch, grid, ticks, labels; its animated artists left out
        self._background = canvas.copy_from_bbox(figure.bbox)
        self._kept[key] = self._background
        while len(self._kept) > self.KEPT_BACKGROUNDS:
            self._kept.pop(next(iter(self._kept)))
        self._draw_moving(moving)
        self.view.publish()
