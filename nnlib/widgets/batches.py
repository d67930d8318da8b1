"""Batch size against noise: three copies of one network trained side by side on the digits.

:class:`BatchNoise` trains a 64-32-10 ReLU network (nnlib's ``Sequential``
and ``SGD``, softmax cross-entropy) on the first 600 of the bundled digits
(standardized), from the same initial weights, with batches of 1 row
(stochastic gradient descent), 32 rows (mini-batch) and all 600 rows (full
batch), the rows reshuffled every epoch
(:func:`nnlib.training.minibatches`).  Thin lines: the loss of every batch,
as each update sees it (every k-th when there are more than 1200);
thick lines: the loss on the whole data set,
measured every eighth of an epoch.  Against **epochs** (rows seen), batch 1
makes the most progress and is the noisiest; against **updates**, the full
batch makes the best of each one.

Nothing is trained when the widget is built.  Play (or Step, or the
``epochs`` slider) trains an eighth of an epoch at a time, only as far as
shown, and keeps what it has trained: going back and forth again costs
nothing.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from nnlib.data import load_digits, standardize
from nnlib.layers import Activation, Dense
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_with_grad
from nnlib.network import Sequential
from nnlib.optimizers import SGD
from nnlib.training import minibatches
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget

__all__ = ["BATCH_SIZES", "Run", "BatchNoise", "batch_noise"]

BATCH_SIZES = {"batch 1 (SGD)": 1, "batch 32": 32, "full batch": None}
ROWS = 600  # the first 600 digits: batch 1 makes 75 updates per eighth of an epoch, a few ms
LOSS_LIM = (1e-4, 10.0)
THIN_POINTS = 1200  # at most this many batch losses drawn per run (every k-th): a 6000-point line costs ~40 ms
COLORS = {"batch 1 (SGD)": "#d62728", "batch 32": "#1f77b4", "full batch": "#2ca02c"}
CHUNKS_PER_EPOCH = 8
MAX_EPOCHS = 10


class Run:
    """One network trained with one batch size, an eighth of an epoch at a time.

    ``batch_losses`` holds the loss of every update (as the update saw it)
    with the epoch (fraction of rows seen) at which it happened; ``losses``
    the loss on the whole data set after every chunk.
    """

    def __init__(self, X, y, batch_size, lr, seed):
        self.X, self.y = X, y
        self.N = len(X)
        self.batch_size = self.N if batch_size is None else batch_size
        self.model = Sequential([Dense(X.shape[1], 32, rng=seed), Activation("relu"), Dense(32, 10, rng=seed + 1)])
        self.optimizer = SGD(lr)
        self.rng = np.random.default_rng(seed + 2)
        self.pending: list = []  # the batches left in the current epoch
        self.seen = 0  # rows seen so far
        self.batch_epochs: list = []  # (updates,) rows seen / N after each update
        self.batch_losses: list = []  # (updates,)
        self.losses = [self.full_loss()]  # (chunks + 1,) loss on every row, at 0, 1/8, 2/8, ... epochs

    def full_loss(self) -> float:
        return float(softmax_cross_entropy(self.model.forward(self.X, training=False), self.y))

    @property
    def updates(self) -> int:
        return len(self.batch_losses)

    def train_chunk(self) -> None:
        """Train until another eighth of an epoch's rows has been seen (whole batches: a full batch waits)."""
        target = (len(self.losses)) * self.N / CHUNKS_PER_EPOCH
        params, grads = self.model.parameters(), self.model.gradients()
        while self.seen + (len(self.pending[0]) if self.pending else self.batch_size) <= target + 1e-9:
            if not self.pending:
                self.pending = minibatches(self.N, self.batch_size, self.rng)
            idx = self.pending.pop(0)
            self.model.zero_grad()
            out = self.model.forward(self.X[idx])  # (B, 10)
            loss, d_out = softmax_cross_entropy_with_grad(out, self.y[idx])
            self.model.backward(d_out, need_dX=False)
            self.optimizer.step(params, grads)
            self.seen += len(idx)
            self.batch_epochs.append(self.seen / self.N)
            self.batch_losses.append(float(loss))
        self.losses.append(self.full_loss())


class BatchNoise(BlittedWidget):
    """Loss curves of batch 1, 32 and the full batch on the digits, trained live (see the module docstring).

    Parameters
    ----------
    lr : float
        SGD's learning rate, the same for the three runs.
    seed : int
        Initial weights (the same for the three runs) and shuffling.
    x_axis : {"epochs", "updates"}
    hide : iterable of str
        Controls to keep off the screen: any of "play", "epochs", "step", "reset", "x axis".

    Attributes
    ----------
    runs : dict name -> Run
    """

    def __init__(self, lr=0.05, seed=0, x_axis="epochs", hide=()):
        if x_axis not in ("epochs", "updates"):
            raise ValueError(f"x_axis must be 'epochs' or 'updates', got {x_axis!r}")
        super().__init__(figsize=(8.6, 3.4), hide=hide)
        X, y = load_digits()
        X, _, _ = standardize(X[:ROWS])  # (600, 64)
        y = y[:ROWS]
        self.lr, self.seed = float(lr), int(seed)
        self.X, self.y = X, y
        self.runs = self._new_runs()
        last = MAX_EPOCHS * CHUNKS_PER_EPOCH
        # a tick every 80 ms: 12.5 frames a second at most, so >= 10 painted (the 10 epochs play in 6.4 s)
        self.controls["play"] = widgets.Play(value=0, min=0, max=last, step=1, interval=80, description="play")
        self.controls["epochs"] = widgets.FloatSlider(value=0.0, min=0.0, max=float(MAX_EPOCHS),
                                                      step=1 / CHUNKS_PER_EPOCH, description="epochs",
                                                      readout_format=".3f", continuous_update=True)
        self.controls["step"] = widgets.Button(description="Step", icon="step-forward")
        self.controls["reset"] = widgets.Button(description="Reset", icon="undo")
        self.controls["x axis"] = widgets.Dropdown(options=["epochs", "updates"], value=x_axis, description="x axis")
        # Play counts eighths of an epoch; the slider shows epochs.  Each follows the other.
        self.controls["play"].observe(lambda c: self._set_chunk(c["new"]), names="value")
        self.controls["epochs"].observe(
            lambda c: setattr(self.controls["play"], "value", int(round(c["new"] * CHUNKS_PER_EPOCH))), names="value")
        self.controls["step"].on_click(lambda _b: self._set_chunk(self.chunk + 1))
        self.controls["reset"].on_click(lambda _b: self._set_chunk(0))
        self._wire()

    def _new_runs(self) -> dict:
        return {name: Run(self.X, self.y, size, self.lr, self.seed) for name, size in BATCH_SIZES.items()}

    @property
    def chunk(self) -> int:
        """Eighths of an epoch shown."""
        return int(round(self.controls["epochs"].value * CHUNKS_PER_EPOCH))

    def _set_chunk(self, k: int) -> None:
        k = int(min(max(k, 0), MAX_EPOCHS * CHUNKS_PER_EPOCH))
        with self.holding():
            self.controls["play"].value = k
            self.controls["epochs"].value = k / CHUNKS_PER_EPOCH
        self.update()

    def state(self):
        return (self.chunk, self.controls["x axis"].value)

    def background_key(self):
        return self.controls["x axis"].value

    # -- drawing ------------------------------------------------------------------------
    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)
        self.ax = fig.add_axes((0.075, 0.16, 0.56, 0.72))
        self.thin, self.thick = {}, {}
        for name in BATCH_SIZES:
            (self.thin[name],) = self.ax.plot([], [], lw=0.6, alpha=0.35, color=COLORS[name], zorder=2,
                                              antialiased=False)  # thousands of segments: ~3x faster unsmoothed
            (self.thick[name],) = self.ax.plot([], [], lw=2.5, color=COLORS[name], label=name, zorder=3)
        self.ax.set_yscale("log")
        self.ax.set_ylim(*LOSS_LIM)
        self.ax.set_ylabel("loss (cross-entropy)")
        self.ax.grid(alpha=0.3)
        # legend and numbers beside the axes: the curves are drawn over whatever lies inside them
        self.ax_text = fig.add_axes((0.67, 0.16, 0.32, 0.72))
        self.ax_text.axis("off")
        self.ax_text.legend(handles=list(self.thick.values()), fontsize=10, loc="upper left", frameon=False)
        self.table = self.ax_text.text(0.03, 0.5, "", va="top", ha="left", fontsize=10, family="DejaVu Sans Mono")
        self._axis = None

    def moving(self) -> list:
        return [*self.thin.values(), *self.thick.values(), self.table, self.ax.title]

    def _setup_axis(self, axis: str) -> None:
        if axis == "epochs":
            self.ax.set_xscale("linear")
            self.ax.set_xlim(0, MAX_EPOCHS)
            self.ax.set_xlabel(f"epochs (rows seen / {len(self.X)})")
        else:
            self.ax.set_xscale("log")
            self.ax.set_xlim(0.8, MAX_EPOCHS * len(self.X) * 1.2)
            self.ax.set_xlabel("updates")
        self.invalidate()

    def draw(self) -> None:
        axis, k = self.controls["x axis"].value, self.chunk
        if axis != self._axis:
            self._axis = axis
            self._setup_axis(axis)
        for name, run in self.runs.items():
            while len(run.losses) <= k:  # train only as far as shown
                run.train_chunk()
            upto = int(np.searchsorted(run.batch_epochs, k / CHUNKS_PER_EPOCH + 1e-9))  # updates made by chunk k
            losses = np.array(run.losses[:k + 1])  # (k + 1,)
            every = max(1, -(-upto // THIN_POINTS))
            shown = np.maximum(run.batch_losses[:upto:every], LOSS_LIM[0])  # (<= THIN_POINTS,)
            if axis == "epochs":
                self.thin[name].set_data(run.batch_epochs[:upto:every], shown)
                self.thick[name].set_data(np.arange(k + 1) / CHUNKS_PER_EPOCH, losses)
            else:  # the loss on every row, at the update count of each chunk
                self.thin[name].set_data(np.arange(1, upto + 1)[::every], shown)
                at = np.searchsorted(run.batch_epochs, np.arange(k + 1) / CHUNKS_PER_EPOCH + 1e-9)
                self.thick[name].set_data(np.maximum(at, 0.8), losses)
        self.ax.set_title(f"SGD, learning rate {self.lr:g}: {k / CHUNKS_PER_EPOCH:g} epochs", fontsize=11)
        rows = [f"{'batch':>5}{'updates':>9}{'loss':>8}"]
        for name, run in self.runs.items():
            upto = int(np.searchsorted(run.batch_epochs, k / CHUNKS_PER_EPOCH + 1e-9))
            rows.append(f"{run.batch_size:>5}{upto:>9}{run.losses[k]:>8.3f}")
        self.table.set_text("\n".join(rows))
        per_epoch = ", ".join(f"{name} {-(-len(self.X) // (size or len(self.X)))}" for name, size in BATCH_SIZES.items())
        N = len(self.X)
        self.status.value = (f"Updates per epoch, ceil({N} / B): {per_epoch}. Thin lines: the loss of each batch; "
                             f"thick: the loss on all {N} rows, every eighth of an epoch.")


def batch_noise(**kwargs):
    """A :class:`BatchNoise` (or a one-line note while nbgrader grades)."""
    return show(BatchNoise, **kwargs)
