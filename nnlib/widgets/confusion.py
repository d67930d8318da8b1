"""The confusion matrix of a digits network, and the digits behind a chosen cell.

:class:`ConfusionExplorer` shows the confusion matrix of a 64-32-10 network
(``_digits_model.py``) on the 449 held-out digits: row = the true digit,
column = the prediction, so the diagonal holds the right answers and every
other count is one kind of mistake.  Choose a cell with **true** and
**predicted**: the digits in it are drawn on the right, each with the
probability the network gave its (wrong) answer.  **epochs** picks a less or
more trained network: after 1 epoch the mistakes are everywhere, after 30
only a few pairs of similar digits are confused.

The status line gives precision and recall of the chosen classes
(:func:`nnlib.metrics.precision_recall_f1`).  The notebook may pass the
student's own ``confusion_matrix`` ("your code powers this").
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from nnlib import metrics
from nnlib.widgets._base import show, use_student
from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets._digits_model import trained_digits

__all__ = ["EPOCHS", "ConfusionExplorer", "confusion_explorer", "worst_cell"]

EPOCHS = (1, 3, 10, 30)
SHOWN = 12  # digits drawn for the chosen cell (3 rows of 4)


def worst_cell(M) -> tuple[int, int]:
    """The off-diagonal cell (true, predicted) with the largest count (the first one on ties)."""
    off = np.array(M, dtype=float)  # (C, C)
    np.fill_diagonal(off, -1)
    t, p = np.unravel_index(int(np.argmax(off)), off.shape)
    return int(t), int(p)


class ConfusionExplorer(BlittedWidget):
    """Confusion matrix of a digits network on held-out digits; the chosen cell's digits beside it.

    Parameters
    ----------
    epochs : int, one of EPOCHS
    true, predicted : int or None
        The chosen cell; default the most frequent mistake.
    confusion_matrix : callable (y_true, y_pred, n_classes) -> (C, C), optional
        The student's function (default nnlib's).
    hide : iterable of str
        Controls to keep off the screen: "epochs", "true", "predicted".
    """

    def __init__(self, epochs=10, true=None, predicted=None, confusion_matrix=None, hide=()):
        if epochs not in EPOCHS:
            raise ValueError(f"epochs must be one of {EPOCHS}, got {epochs!r}")
        super().__init__(figsize=(8.2, 3.9), hide=hide)
        self.confusion_matrix = confusion_matrix or metrics.confusion_matrix
        M = self.matrix_for(epochs)
        t, p = worst_cell(M)
        self.controls["epochs"] = widgets.SelectionSlider(options=list(EPOCHS), value=epochs, description="epochs")
        self.controls["true"] = widgets.Dropdown(options=list(range(10)), value=t if true is None else int(true),
                                                 description="true")
        self.controls["predicted"] = widgets.Dropdown(options=list(range(10)),
                                                      value=p if predicted is None else int(predicted),
                                                      description="predicted")
        self._wire()

    def matrix_for(self, epochs) -> np.ndarray:
        """The confusion matrix (10, 10) of the network after ``epochs`` epochs, on the held-out digits."""
        d = trained_digits(int(epochs))
        return np.asarray(self.confusion_matrix(np.asarray(d.y), np.asarray(d.pred), 10))

    def background_key(self):
        return int(self.controls["epochs"].value)

    # -- drawing ------------------------------------------------------------------------
    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)
        self.ax = fig.add_axes((0.07, 0.12, 0.40, 0.78))
        self.ax.set_xticks(range(10))
        self.ax.set_yticks(range(10))
        self.ax.set_xlabel("predicted digit")
        self.ax.set_ylabel("true digit")
        self.ax.tick_params(labelsize=10, length=0)
        self.heat = None
        self.counts = []
        self.box = Rectangle((-0.5, -0.5), 1, 1, fill=False, ec="#ff7f0e", lw=3, zorder=5)
        self.ax.add_patch(self.box)
        self.thumbs = []
        for k in range(SHOWN):
            row, col = divmod(k, 4)
            ax = fig.add_axes((0.545 + 0.113 * col, 0.62 - 0.255 * row, 0.09, 0.19))
            ax.axis("off")  # an unused place stays blank: the frame comes with the image
            image = ax.imshow(np.zeros((8, 8)), cmap="gray_r", vmin=0, vmax=16)
            frame = Rectangle((-0.5, -0.5), 8, 8, fill=False, ec="0.4", lw=0.8)
            ax.add_patch(frame)
            label = ax.set_title("", fontsize=9.5, pad=2)
            self.thumbs.append((frame, image, label))
        self.caption = fig.text(0.76, 0.93, "", ha="center", va="bottom", fontsize=11)
        self.empty = fig.text(0.76, 0.5, "", ha="center", va="center", fontsize=11)
        self._epochs_drawn = None

    def _draw_matrix(self, M) -> None:
        """The heat map and its counts: static for one network (redrawn only when epochs change)."""
        if self.heat is not None:
            self.heat.remove()
        for text in self.counts:
            text.remove()
        self.heat = self.ax.imshow(np.log1p(M), cmap="Blues", vmin=0, vmax=np.log1p(60))
        self.counts = [self.ax.text(j, i, str(M[i, j]), ha="center", va="center", fontsize=9.5,
                                    color="white" if M[i, j] > 20 else "black")
                       for i in range(10) for j in range(10) if M[i, j]]
        acc = np.trace(M) / M.sum()
        self.ax.set_title(f"after {self.controls['epochs'].value} epochs: accuracy {acc:.1%}", fontsize=11)
        self.invalidate()

    def moving(self) -> list:
        return [self.box, self.caption, self.empty, *[a for thumb in self.thumbs for a in thumb]]

    def draw(self) -> None:
        epochs = int(self.controls["epochs"].value)
        d = trained_digits(epochs)
        M = self.matrix_for(epochs)
        if epochs != self._epochs_drawn:
            self._epochs_drawn = epochs
            self._draw_matrix(M)
        t, p = int(self.controls["true"].value), int(self.controls["predicted"].value)
        self.box.set_xy((p - 0.5, t - 0.5))
        rows = np.flatnonzero((np.asarray(d.y) == t) & (np.asarray(d.pred) == p))  # (count,)
        for k, (frame, image, label) in enumerate(self.thumbs):
            used = k < len(rows)
            if used:
                image.set_data(np.asarray(d.images[rows[k]]).reshape(8, 8))
            image.set_visible(used)
            frame.set_visible(used)
            label.set_text(f"p = {d.probs[rows[k], p]:.2f}" if used else "")
        what = "right" if t == p else "wrong"
        more = f" ({SHOWN} shown)" if len(rows) > SHOWN else ""
        self.caption.set_text(f"true {t}, predicted {p}: {len(rows)} {what}{more}")
        self.empty.set_text("" if len(rows) else "no digit in this cell")
        r = metrics.precision_recall_f1(np.asarray(d.y), np.asarray(d.pred), n_classes=10)
        self.status.value = (f"Row {t} holds the {M[t].sum()} true {t}s: recall of {t} = {M[t, t]}/{M[t].sum()} = "
                             f"{r['recall'][t]:.2f}. Column {p} holds the {M[:, p].sum()} digits called {p}: "
                             f"precision of {p} = {M[p, p]}/{M[:, p].sum()} = {r['precision'][p]:.2f}. "
                             f"Macro-F1 {r['macro_f1']:.3f}.")


def confusion_explorer(confusion_matrix=None, **kwargs):
    """A :class:`ConfusionExplorer`, with the student's ``confusion_matrix`` when it works (else nnlib's)."""
    if confusion_matrix is not None:
        confusion_matrix = use_student(confusion_matrix, metrics.confusion_matrix,
                                       (np.array([0, 1, 1]), np.array([0, 1, 0]), 2))
    return show(ConfusionExplorer, confusion_matrix=confusion_matrix, **kwargs)
