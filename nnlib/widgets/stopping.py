"""Early stopping on a validation curve that grows while the network trains.

:class:`EarlyStoppingExplorer` trains a 2-64-64-2 ReLU network (Adam,
learning rate 0.002, batches of 8, softmax cross-entropy) on the 40 noisy
moons of the overfitting explorer, one epoch (5 steps) per frame, and
measures the loss on the 400 validation points after every epoch.  The
validation loss drops within a few epochs, wobbles along the bottom (the
mini-batches make it noisy: this is what patience is for) and then climbs
while the training loss keeps falling.  ``early_stopping(val_losses, patience, min_delta)`` (nnlib's, or the
student's) is applied to the curve so far: the star marks the best epoch, the
dashed line the epoch at which training would stop; the curve after it (what
training on would have cost) is drawn faded.  Patience and min_delta act at
once, while the network trains.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from nnlib.data import make_moons
from nnlib.layers import Activation, Dense
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_with_grad
from nnlib.network import Sequential
from nnlib.optimizers import Adam
from nnlib.regularization import early_stopping as nnlib_early_stopping
from nnlib.training import minibatches
from nnlib.widgets._base import show, use_student
from nnlib.widgets._lecture import lecture_view
from nnlib.widgets._live import LiveWidget

__all__ = ["MIN_DELTAS", "EarlyStoppingExplorer", "MoonsEpochs", "early_stopping_explorer"]

MIN_DELTAS = (0.0, 0.001, 0.003, 0.01, 0.03)
N_TRAIN, N_VAL, NOISE = 40, 400, 0.3
WIDTH, BATCH, LR = 64, 8, 0.002
MAX_EPOCHS = 150
LOSS_LIM = (0.0, 0.7)


class MoonsEpochs:
    """A 2-64-64-2 network trained on the 40 moons one epoch at a time; losses and accuracies after every epoch."""

    def __init__(self, seed=0):
        self.X, self.y = make_moons(N_TRAIN, noise=NOISE, rng=seed)  # (40, 2), (40,): as the overfitting explorer
        self.X_val, self.y_val = make_moons(N_VAL, noise=NOISE, rng=seed + 1)  # (400, 2), (400,)
        self.model = Sequential([Dense(2, WIDTH, rng=seed), Activation("relu"), Dense(WIDTH, WIDTH, rng=seed + 1),
                                 Activation("relu"), Dense(WIDTH, 2, rng=seed + 2)])
        self.optimizer = Adam(lr=LR)
        self.rng = np.random.default_rng(seed + 3)
        self.train_losses: list = []
        self.val_losses: list = []
        self.val_accuracy: list = []

    @property
    def epochs(self) -> int:
        return len(self.val_losses)

    @property
    def done(self) -> bool:
        return self.epochs >= MAX_EPOCHS

    def advance(self) -> None:
        """One epoch of mini-batch Adam, then the losses (and validation accuracy) in test mode."""
        params, grads = self.model.parameters(), self.model.gradients()
        for idx in minibatches(len(self.X), BATCH, self.rng):
            self.model.zero_grad()
            _, d_out = softmax_cross_entropy_with_grad(self.model.forward(self.X[idx]), self.y[idx])
            self.model.backward(d_out, need_dX=False)
            self.optimizer.step(params, grads)
        self.train_losses.append(float(softmax_cross_entropy(self.model.forward(self.X, training=False), self.y)))
        out = self.model.forward(self.X_val, training=False)  # (400, 2)
        self.val_losses.append(float(softmax_cross_entropy(out, self.y_val)))
        self.val_accuracy.append(float(np.mean(out.argmax(axis=1) == self.y_val)))


class EarlyStoppingExplorer(LiveWidget):
    """Best and stopping epoch on a live validation curve, with patience and min_delta (module docstring).

    Parameters
    ----------
    patience : int in [0, 30]
    min_delta : float, one of MIN_DELTAS
    early_stopping : callable, optional
        The student's ``early_stopping(val_losses, patience, min_delta)``; nnlib's when None (or a stub).
    epochs : int
        Epochs trained before the widget is first shown (0: press Train).
    seed : int
    fps : float
    hide : iterable of str
        Controls to keep off the screen: "patience", "min_delta", "train", "restart".
    """

    def __init__(self, patience=5, min_delta=0.0, early_stopping=None, epochs=0, seed=1, fps=15.0, hide=()):
        if not (isinstance(patience, (int, np.integer)) and 0 <= patience <= 30):
            raise ValueError(f"patience must be an integer in [0, 30], got {patience!r}")
        if min_delta not in MIN_DELTAS:
            raise ValueError(f"min_delta must be one of {MIN_DELTAS}, got {min_delta!r}")
        super().__init__(figsize=(8.2, 3.0), hide=hide, fps=fps)
        self.seed = int(seed)
        self.yours = ""
        self.decide = nnlib_early_stopping
        if early_stopping is not None:
            self.decide = use_student(early_stopping, nnlib_early_stopping, ([0.9, 0.7, 0.8, 0.9], 2))
            if self.decide is early_stopping and not lecture_view():
                self.yours = " ✓ your early_stopping powers the markers."
        self.patience, self.min_delta = int(patience), float(min_delta)
        self.run = MoonsEpochs(self.seed)
        for _ in range(min(int(epochs), MAX_EPOCHS)):
            self.run.advance()
        self.controls["patience"] = widgets.IntSlider(value=patience, min=0, max=30, description="patience")
        self.controls["min_delta"] = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in MIN_DELTAS],
                                                             value=min_delta, description="min_delta")
        self._add_live_controls()
        self._wire_settings({"patience": "patience", "min_delta": "min_delta"})

    def new_run(self) -> MoonsEpochs:
        return MoonsEpochs(self.seed)

    def apply(self, settings: dict) -> None:
        self.patience = int(settings.get("patience", self.patience))
        self.min_delta = float(settings.get("min_delta", self.min_delta))

    def advance(self) -> bool:
        if self.run.done:  # Train after the end: start again
            self.run = self.new_run()
        self.run.advance()
        return not self.run.done

    def decision(self) -> tuple:
        """(best_epoch, stop_epoch) of the curve so far, from the early_stopping function in use."""
        return self.decide(list(self.run.val_losses), self.patience, self.min_delta)

    # -- drawing -----------------------------------------------------------------------
    def state(self):
        return (id(self.run), self.run.epochs, self.patience, self.min_delta)

    def build(self) -> None:
        ax = self.ax = self.view.figure.add_subplot(1, 1, 1)
        (self.train_line,) = ax.plot([], [], color="#1f77b4", lw=1.8, label=f"train ({N_TRAIN} points)")
        (self.val_line,) = ax.plot([], [], color="#d62728", lw=2.2, label=f"validation ({len(self.run.X_val)})")
        (self.after_line,) = ax.plot([], [], color="#d62728", lw=2.2, alpha=0.3, label="after the stop")
        (self.best_point,) = ax.plot([], [], marker="*", ms=15, color="#2ca02c", ls="none", label="best epoch",
                                     zorder=4)
        self.stop_line = ax.axvline(-10, color="k", ls="--", lw=1.3, label="stop")
        ax.set_xlim(-1, MAX_EPOCHS)
        ax.set_ylim(*LOSS_LIM)
        ax.set_xlabel("epoch", fontsize=10)
        ax.set_ylabel("loss (cross-entropy)", fontsize=10)
        ax.tick_params(labelsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # beside: the curves
        # reach every corner of the axes in 150 epochs
        ax.set_title(f"the noisy moons, {N_TRAIN} training points: Adam (lr {LR:g}), batches of {BATCH}",
                     fontsize=10)

    def moving(self) -> list:
        return [self.train_line, self.val_line, self.after_line, self.best_point, self.stop_line]

    def draw(self) -> None:
        run = self.run
        epochs = np.arange(run.epochs)
        val = np.asarray(run.val_losses)  # (epochs,)
        self.train_line.set_data(epochs, run.train_losses)
        best, stop = self.decision() if run.epochs else (None, None)
        end = run.epochs if stop is None else stop + 1
        self.val_line.set_data(epochs[:end], val[:end])
        self.after_line.set_data(epochs[max(end - 1, 0):], val[max(end - 1, 0):])
        if best is None:
            self.best_point.set_data([], [])
        else:
            self.best_point.set_data([best], [val[best]])
        self.stop_line.set_xdata([stop if stop is not None else -10] * 2)
        self.frames += 1
        self.status.value = self.status_text()

    def status_text(self) -> str:
        """The decision in words: best epoch, stop, what restoring the best weights gives."""
        run = self.run
        if not run.epochs:
            return "Press Train: one epoch per frame." + self.yours
        best, stop = self.decision()
        acc, val = run.val_accuracy, run.val_losses
        stop_text = (f"training stops at epoch {stop}; restoring epoch {best}'s weights gives "
                     f"{acc[best]:.1%} validation accuracy ({acc[stop]:.1%} at the stop, "
                     f"{acc[-1]:.1%} at epoch {run.epochs - 1})" if stop is not None
                     else f"no stop yet; best so far: {val[best]:.3f} at epoch {best}")
        return (f"<b>epoch {run.epochs - 1}</b>, patience {self.patience}, min_delta {self.min_delta:g}: "
                f"best epoch {best}, {stop_text}.{self.yours}")


def early_stopping_explorer(**kwargs):
    """An :class:`EarlyStoppingExplorer` (or a one-line note while nbgrader grades)."""
    return show(EarlyStoppingExplorer, **kwargs)
