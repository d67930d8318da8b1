"""Which pixels does a digits network rely on?  Permutation importance of the 64 pixels as an 8 x 8 map.

:class:`PixelImportance` takes the 64-32-10 network of ``_digits_model.py``
(30 epochs, about 95 % right on the held-out digits) and, for each of the
64 pixels, shuffles that pixel across the held-out digits and measures how
much the accuracy drops (:func:`nnlib.tuning.permutation_importance`, the
model is not retrained).  The drops, laid out as the 8 x 8 image they come
from, show where the network looks: the border pixels, which are blank in
almost every digit, cost nothing when shuffled.

**digit** measures the recall of one class instead of the accuracy (what the
network relies on to recognise a 3; each pixel is still shuffled across all
held-out digits); the left panel shows that class's average image for
comparison.  **repeats** is the number of shuffles per
pixel: more repeats, a steadier map.  The notebook may pass the student's
own ``permutation_importance`` ("your code powers this").
"""
from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np

from nnlib import tuning
from nnlib.metrics import accuracy
from nnlib.widgets._base import show, use_student
from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets._digits_model import trained_digits

__all__ = ["EPOCHS", "REPEATS", "PixelImportance", "blank_pixels", "pixel_drops", "pixel_importance", "recall_of"]

EPOCHS = 30
REPEATS = (1, 3, 5)
# "all" rather than None: a Dropdown whose value is None shows no option selected
DIGITS = [("all", "all")] + [(str(d), d) for d in range(10)]


def recall_of(digit):
    """A score ``metric(y_pred, y_true)``: the fraction of the true ``digit``s predicted as ``digit``."""
    def recall(y_pred, y_true):
        mine = np.asarray(y_true) == digit  # (N,)
        return float(np.mean(np.argmax(y_pred[mine], axis=1) == digit))
    recall.__name__ = f"recall_of_{digit}"
    return recall


@functools.lru_cache(maxsize=64)
def pixel_drops(digit=None, n_repeats=3, permutation_importance=tuning.permutation_importance, seed=0):
    """Mean and std of the score drop per pixel, each (8, 8), on the held-out digits; their average image; count.

    Each pixel is shuffled across *all* held-out digits.  The score is the
    accuracy, or with ``digit`` the recall of that digit (how many true
    ``digit``s are still recognised): shuffling only among the 3s would
    hand every 3 pixels of other 3s, and measure nothing.  Cached (the
    arrays are read-only): every widget and test shares the results.
    """
    d = trained_digits(EPOCHS)
    metric = accuracy if digit is None else recall_of(digit)
    X, y = np.array(d.X), np.array(d.y)  # copies: the shared arrays are read-only
    mean, std = permutation_importance(d.predict, X, y, metric, np.random.default_rng(seed), n_repeats)
    rows = np.arange(len(y)) if digit is None else np.flatnonzero(y == digit)  # (M,)
    image = np.asarray(d.images[rows]).mean(axis=0)  # (64,)
    out = [np.array(mean, dtype=float).reshape(8, 8), np.array(std, dtype=float).reshape(8, 8), image.reshape(8, 8)]
    for a in out:
        a.flags.writeable = False
    return (*out, len(rows))


def blank_pixels(digit=None) -> np.ndarray:
    """(8, 8) True where a pixel is 0 in every held-out digit (of one class): nothing to shuffle there."""
    d = trained_digits(EPOCHS)
    rows = np.arange(len(d.y)) if digit is None else np.flatnonzero(np.asarray(d.y) == digit)  # (M,)
    return (np.asarray(d.images[rows]).max(axis=0) == 0).reshape(8, 8)


class PixelImportance(BlittedWidget):
    """Permutation importance of the 64 pixels of the digits, as an 8 x 8 heat map.

    The colour scale is fixed per digit (the largest drop over every number
    of repeats), so changing the repeats redraws only the map.

    Parameters
    ----------
    digit : int 0..9 or None (all digits)
    n_repeats : int, one of REPEATS
    permutation_importance : callable, optional
        The student's function, with nnlib.tuning's signature (default nnlib's).
    hide : iterable of str
        Controls to keep off the screen: "digit", "repeats".
    """

    # A background per digit setting, all of them: a lecturer going round the 11 settings with the
    # default 8 would find none kept (the oldest is dropped just before it is needed again).
    KEPT_BACKGROUNDS = len(DIGITS)

    def __init__(self, digit=None, n_repeats=3, permutation_importance=None, hide=()):
        if digit not in [None] + list(range(10)):
            raise ValueError(f"digit must be None (all digits) or an integer 0..9, got {digit!r}")
        if n_repeats not in REPEATS:
            raise ValueError(f"n_repeats must be one of {REPEATS}, got {n_repeats!r}")
        super().__init__(figsize=(7.4, 3.5), hide=hide)
        self.permutation_importance = permutation_importance or tuning.permutation_importance
        self.controls["digit"] = widgets.Dropdown(options=DIGITS, value="all" if digit is None else digit,
                                                  description="digit")
        self.controls["repeats"] = widgets.Dropdown(options=list(REPEATS), value=n_repeats, description="repeats")
        self._digit_drawn = "none yet"
        self._wire()

    def drops(self, digit=None, n_repeats=None):
        """``pixel_drops`` for a setting (default the current controls), computed once per setting."""
        if digit is None and n_repeats is None:
            digit, n_repeats = self.digit, self.controls["repeats"].value
        return pixel_drops(digit, int(n_repeats), self.permutation_importance)

    @property
    def digit(self):
        """The chosen digit, or None for all digits."""
        value = self.controls["digit"].value
        return None if value == "all" else value

    def background_key(self):
        return self.controls["digit"].value  # "all" or 0..9

    def build(self) -> None:
        fig = self.view.figure
        # fixed places, room kept for the widest colour-bar labels of any digit (the scale changes with it)
        fig.set_layout_engine(None)
        self.left = fig.add_axes((0.07, 0.16, 0.35, 0.72))
        self.right = fig.add_axes((0.49, 0.16, 0.35, 0.72))
        bar_ax = fig.add_axes((0.855, 0.16, 0.022, 0.72))
        self.average = self.left.imshow(np.zeros((8, 8)), cmap="gray_r", vmin=0, vmax=16)
        # white at 0, red where shuffling hurts, blue where it happened to help (chance, on a few digits)
        self.heat = self.right.imshow(np.zeros((8, 8)), cmap="RdBu_r", vmin=-0.01, vmax=0.01)
        self.bar = fig.colorbar(self.heat, cax=bar_ax, format="{x:.3g}")
        self.bar.ax.tick_params(labelsize=10)
        for ax in (self.left, self.right):
            ax.set_xticks(range(0, 8, 2))
            ax.set_yticks(range(0, 8, 2))
            ax.tick_params(labelsize=10)
            ax.set_xlabel("column", fontsize=10)
        self.left.set_ylabel("row", fontsize=10)
        self.left.set_title(" ", fontsize=10.5)
        self.heat_title = self.right.set_title(" ", fontsize=10.5)

    def moving(self) -> list:
        return [self.heat, self.heat_title]

    def _set_digit(self, digit) -> None:
        """The static parts of one digit setting: its average image, the colour scale, the left title."""
        _, _, image, count = self.drops(digit, REPEATS[0])
        vmax = max(max(float(np.abs(self.drops(digit, r)[0]).max()) for r in REPEATS), 0.01)
        self.average.set_data(image)
        self.heat.set_clim(-vmax, vmax)
        self.bar.update_normal(self.heat)
        self.left.set_title(f"average of the {count} {'held-out digits' if digit is None else f'held-out {digit}s'}",
                            fontsize=10.5)
        self.invalidate()

    def draw(self) -> None:
        digit, repeats = self.digit, int(self.controls["repeats"].value)
        if digit != self._digit_drawn:
            self._digit_drawn = digit
            self._set_digit(digit)
        mean, std, _, _ = self.drops()
        self.heat.set_data(mean)
        score = "accuracy" if digit is None else f"recall of {digit}"
        self.heat_title.set_text(f"drop in {score} when a pixel is shuffled ({repeats} ×)")
        top = np.argsort(mean.ravel())[::-1][:3]
        where = ", ".join(f"row {i // 8} column {i % 8} ({mean.ravel()[i]:.3f})" for i in top)
        unused = int(np.sum(mean == 0))
        blank = int(np.sum(blank_pixels()))
        self.status.value = (f"Most important pixels: {where}. {unused} of 64 pixels cost nothing when shuffled; "
                             f"{blank} are blank in every held-out digit, so shuffling cannot change them. "
                             f"The largest spread over the repeats is {float(std.max()):.3f}.")


def pixel_importance(permutation_importance=None, **kwargs):
    """A :class:`PixelImportance`, with the student's ``permutation_importance`` when it works (else nnlib's)."""
    if permutation_importance is not None:
        probe = (lambda X: (X[:, 0] > 0).astype(int), np.array([[1.0], [-1.0]]), np.array([1, 0]), accuracy,
                 np.random.default_rng(0), 2)
        permutation_importance = use_student(permutation_importance, tuning.permutation_importance, probe)
    return show(PixelImportance, permutation_importance=permutation_importance, **kwargs)
