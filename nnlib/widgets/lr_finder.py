"""The learning-rate range test on the digits: the loss while the learning rate rises, and the range it suggests.

:class:`LRRangePlot` runs :func:`nnlib.lr_range.lr_range_test` on a
64-32-10 ReLU network and all 1797 standardized digits: 120 batches, the
learning rate multiplied by the same factor after each, from 1e-5 to 10.
Thin grey: the loss of every batch; thick: its smoothed curve; the shaded
band: the suggested range ``[lr_at_min / 10, lr_at_min]`` below the bottom
of the smoothed curve.  The run stops once the smoothed loss passes four
times its best.

The optimizer and the batch size move the range (momentum lengthens each
step, so its range lies lower than plain SGD's; a larger batch gives a
smoother curve), which is why the test is run again whenever either
changes.  Each setting is run once (about a tenth of a second) and kept.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from nnlib.data import load_digits, standardize
from nnlib.layers import Activation, Dense
from nnlib.lr_range import lr_range_test
from nnlib.network import Sequential
from nnlib.optimizers import SGD, Adam
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget

__all__ = ["BATCH_SIZES", "OPTIMIZERS", "LRRangePlot", "lr_range_plot", "run_range_test"]

OPTIMIZERS = {
    "SGD": lambda: SGD(lr=1e-5),
    "SGD, momentum 0.9": lambda: SGD(lr=1e-5, momentum=0.9),
    "Adam": lambda: Adam(lr=1e-5),
}
BATCH_SIZES = (16, 32, 128)
LR_MIN, LR_MAX, STEPS = 1e-5, 10.0, 120
LOSS_TOP = 5.0  # the y axis stops here: a diverging loss leaves the plot instead of flattening the rest


def run_range_test(optimizer="SGD", batch_size=32, seed=0):
    """The range test of the widget for one setting: an :class:`nnlib.lr_range.LRRangeResult`."""
    X, y = load_digits()
    X, _, _ = standardize(X)  # (1797, 64)
    model = Sequential([Dense(64, 32, rng=seed), Activation("relu"), Dense(32, 10, rng=seed + 1)])
    return lr_range_test(model, "softmax_cross_entropy", X, y, lr_min=LR_MIN, lr_max=LR_MAX, n_steps=STEPS,
                         batch_size=batch_size, optimizer=OPTIMIZERS[optimizer](), rng=seed + 2)


class LRRangePlot(BlittedWidget):
    """The loss against a rising learning rate, with the suggested range shaded.

    Parameters
    ----------
    optimizer : str, a key of OPTIMIZERS
    batch_size : int, one of BATCH_SIZES
    hide : iterable of str
        Controls to keep off the screen: "optimizer", "batch size".

    Attributes
    ----------
    result : nnlib.lr_range.LRRangeResult of the setting shown
    """

    def __init__(self, optimizer="SGD", batch_size=32, hide=()):
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}")
        if batch_size not in BATCH_SIZES:
            raise ValueError(f"batch_size must be one of {BATCH_SIZES}, got {batch_size!r}")
        super().__init__(figsize=(7.6, 3.4), hide=hide)
        self._runs: dict = {}
        self.controls["optimizer"] = widgets.Dropdown(options=list(OPTIMIZERS), value=optimizer,
                                                      description="optimizer")
        self.controls["batch size"] = widgets.Dropdown(options=list(BATCH_SIZES), value=batch_size,
                                                       description="batch size")
        self._wire()

    @property
    def result(self):
        key = (self.controls["optimizer"].value, int(self.controls["batch size"].value))
        if key not in self._runs:
            self._runs[key] = run_range_test(*key)
        return self._runs[key]

    def build(self) -> None:
        ax = self.ax = self.view.figure.add_subplot()
        ax.set_xscale("log")
        ax.set_xlim(LR_MIN, LR_MAX)
        ax.set_ylim(0.0, LOSS_TOP)
        ax.set_xlabel("learning rate of the batch (rising from batch to batch)")
        ax.set_ylabel("loss (cross-entropy)")
        ax.grid(alpha=0.3, which="major")
        self.band = ax.axvspan(1e-3, 1e-2, color="#2ca02c", alpha=0.18, lw=0, label="suggested range")
        (self.raw,) = ax.plot([], [], color="0.6", lw=0.8, label="loss of each batch")
        (self.smooth,) = ax.plot([], [], color="#1f77b4", lw=2.5, label="smoothed")
        self.bottom = ax.axvline(1e-2, color="#d62728", ls="--", lw=1.2, label="lowest smoothed loss")
        ax.legend(loc="lower left", fontsize=10, framealpha=0.9)
        self.note = ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top", fontsize=10,
                            bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})

    def moving(self) -> list:
        return [self.band, self.raw, self.smooth, self.bottom, self.note]

    def draw(self) -> None:
        r = self.result
        self.raw.set_data(r.lrs, np.minimum(r.losses, LOSS_TOP * 2))
        self.smooth.set_data(r.lrs, np.minimum(r.smoothed, LOSS_TOP * 2))
        self.band.set_x(r.low)
        self.band.set_width(r.high - r.low)
        self.bottom.set_xdata([r.lr_at_min, r.lr_at_min])
        end = "stopped: the loss passed 4 × its best" if r.stopped_early else "ran all the way"
        self.note.set_text(f"range {r.low:.2g} – {r.high:.2g}\n{len(r.lrs)} batches, {end}")
        self.status.value = (f"{self.controls['optimizer'].value}, batches of {self.controls['batch size'].value}: "
                             f"the smoothed loss is lowest at a learning rate of {r.lr_at_min:.3g}; the shaded range "
                             f"{r.low:.3g} – {r.high:.3g} lies a factor of ten below it. Too small a rate barely "
                             "moves the loss; past the bottom it turns ragged and shoots up.")


def lr_range_plot(**kwargs):
    """An :class:`LRRangePlot` (or a one-line note while nbgrader grades)."""
    return show(LRRangePlot, **kwargs)
