"""Reading what a widget shows: its PNG bytes and pixels."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image


def png(w) -> bytes:
    """The PNG the widget's image currently shows."""
    return bytes(w.view.image.value)  # ipywidgets may hand back a memoryview


def pixels(data: bytes) -> np.ndarray:
    """RGBA pixels of a PNG, shape (height, width, 4)."""
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def full_redraw(w) -> np.ndarray:
    """Pixels of an ordinary full draw (no cached background) of a blitted widget's current state."""
    for artist in w.moving():
        artist.set_animated(False)
    canvas = w.view.figure.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()
