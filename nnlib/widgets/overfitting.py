"""Overfitting, live: a network fits 40 noisy moons while train and validation losses are drawn beside it.

:class:`OverfitExplorer` trains a 2-H-H-2 ReLU network (nnlib's ``Sequential``
with ``Dropout`` after each hidden layer, softmax cross-entropy, Adam with
learning rate 0.01, full batch) on 40 points of ``make_moons`` with noise 0.3,
and measures the loss on 400 validation points from the same distribution.
Left: the predicted probability of class 1 over the plane, the 0.5 boundary,
the training points (large) and the validation points (small).  Right: the
training and validation loss (data loss, test mode) against the steps.

Without regularization a wide network drives the training loss towards 0 by
bending its boundary around single noisy points, and the validation loss
climbs: the gap between the curves is overfitting.  The controls act on the
run while it trains:

- **L2 λ**: ``WeightPenalty(Adam, l2=λ)`` adds ``2 λ W`` to the weights'
  gradients (biases are left alone); the boundary smooths out;
- **dropout**: the drop probability of both ``Dropout`` layers;
- **width** H: a new network (the run starts again; Restart does the same).

Training runs in a background thread (:class:`nnlib.widgets._live.LiveLoop`):
each frame trains ``STEPS_PER_FRAME`` steps and draws; a control's callback
only assigns the new value, which the next step uses and the next frame shows.  The run ends by
itself after ``MAX_STEPS`` steps.
"""
from __future__ import annotations

import contourpy
import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection

from nnlib.data import make_moons
from nnlib.layers import Activation, Dense, Dropout
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_with_grad
from nnlib.network import Sequential
from nnlib.optimizers import Adam
from nnlib.regularization import WeightPenalty
from nnlib.widgets._axes_background import RedrawnAxes
from nnlib.widgets._base import show
from nnlib.widgets._live import LiveWidget

__all__ = ["LAMBDAS", "WIDTHS", "MoonsRun", "OverfitExplorer", "overfitting_explorer"]

LAMBDAS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03)
WIDTHS = (4, 8, 16, 32, 64, 128)
N_TRAIN, N_VAL, NOISE = 40, 400, 0.3
STEPS_PER_FRAME = 20
MAX_STEPS = 4000
GRID = 60  # the probability map is GRID x GRID points (drawn smooth by imshow)
EXTENT = (-1.8, 2.8, -1.4, 1.9)  # x0, x1, y0, y1 of the map: the moons with their noise
LOSS_LIM = (1e-3, 4.0)
TRAIN_COLOR, VAL_COLOR = "#1f77b4", "#d62728"


class MoonsRun:
    """One network trained on the 40 training moons, ``STEPS_PER_FRAME`` full-batch Adam steps at a time.

    ``steps``, ``train_losses`` and ``val_losses`` grow by one entry per
    :meth:`advance` (the data losses in test mode, after those steps).
    """

    def __init__(self, width, lam, p_drop, seed=0):
        self.X, self.y = make_moons(N_TRAIN, noise=NOISE, rng=seed)  # (40, 2), (40,)
        self.X_val, self.y_val = make_moons(N_VAL, noise=NOISE, rng=seed + 1)  # (400, 2), (400,)
        self.width = int(width)
        rngs = np.random.default_rng(seed + 2).integers(0, 2**31, size=5)
        self.dropouts = [Dropout(p_drop, rng=int(rngs[1])), Dropout(p_drop, rng=int(rngs[3]))]
        self.model = Sequential([Dense(2, width, rng=int(rngs[0])), Activation("relu"), self.dropouts[0],
                                 Dense(width, width, rng=int(rngs[2])), Activation("relu"), self.dropouts[1],
                                 Dense(width, 2, rng=int(rngs[4]))])
        self.optimizer = WeightPenalty(Adam(lr=0.01), l2=lam)
        self.steps = [0]
        self.train_losses, self.val_losses = [], []
        self.train_accuracy, self.val_accuracy = [], []
        self._measure()

    @property
    def lam(self) -> float:
        return self.optimizer.l2

    @lam.setter
    def lam(self, value) -> None:
        self.optimizer.l2 = float(value)

    @property
    def p_drop(self) -> float:
        return self.dropouts[0].p

    @p_drop.setter
    def p_drop(self, value) -> None:
        for layer in self.dropouts:
            layer.p = float(value)

    @property
    def done(self) -> bool:
        return self.steps[-1] >= MAX_STEPS

    def _measure(self) -> None:
        """Loss and accuracy on both sets, test mode: one forward pass each."""
        for X, y, losses, accuracy in ((self.X, self.y, self.train_losses, self.train_accuracy),
                                       (self.X_val, self.y_val, self.val_losses, self.val_accuracy)):
            out = self.model.forward(X, training=False)  # (N, 2)
            losses.append(float(softmax_cross_entropy(out, y)))
            accuracy.append(float(np.mean(out.argmax(axis=1) == y)))

    def loss(self, X, y) -> float:
        return float(softmax_cross_entropy(self.model.forward(X, training=False), y))

    def accuracy(self, X, y) -> float:
        return float(np.mean(self.model.forward(X, training=False).argmax(axis=1) == y))

    def advance(self, steps=STEPS_PER_FRAME) -> None:
        """Train ``steps`` full-batch steps (dropout on), then measure both losses (dropout off)."""
        params, grads = self.model.parameters(), self.model.gradients()
        for _ in range(steps):
            self.model.zero_grad()
            _, d_out = softmax_cross_entropy_with_grad(self.model.forward(self.X), self.y)
            self.model.backward(d_out, need_dX=False)
            self.optimizer.step(params, grads)
        self.steps.append(self.steps[-1] + steps)
        self._measure()

    def probability_map(self) -> np.ndarray:
        """P(class 1) on a GRID x GRID lattice over EXTENT, rows from bottom to top: (GRID, GRID)."""
        xs = np.linspace(EXTENT[0], EXTENT[1], GRID)  # (GRID,)
        ys = np.linspace(EXTENT[2], EXTENT[3], GRID)  # (GRID,)
        points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # (GRID * GRID, 2)
        logits = self.model.forward(points, training=False)  # (GRID * GRID, 2)
        return (1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))).reshape(GRID, GRID)


class OverfitExplorer(RedrawnAxes, LiveWidget):
    """A decision boundary and its loss curves while training, with L2, dropout and width (module docstring).

    Parameters
    ----------
    lam : float, one of LAMBDAS
    p_drop : float in [0, 0.7]
    width : int, one of WIDTHS
    seed : int
        Data and initial weights.
    fps : float
        Frames per second while training (at most).
    hide : iterable of str
        Controls to keep off the screen: any of "L2", "dropout", "width", "train", "restart".

    Attributes
    ----------
    run : MoonsRun
        The run shown; a width change or Restart replaces it.
    loop : LiveLoop
        The background training; ``loop.running`` while it trains.
    """

    def __init__(self, lam=0.0, p_drop=0.0, width=64, seed=0, fps=15.0, hide=()):
        if lam not in LAMBDAS:
            raise ValueError(f"lam must be one of {LAMBDAS}, got {lam!r}")
        if width not in WIDTHS:
            raise ValueError(f"width must be one of {WIDTHS}, got {width!r}")
        if not 0.0 <= p_drop <= 0.7:
            raise ValueError(f"p_drop must be in [0, 0.7], got {p_drop!r}")
        super().__init__(figsize=(8.4, 3.3), hide=hide, fps=fps)
        self.seed = int(seed)
        self.run = MoonsRun(width, lam, p_drop, self.seed)
        self.controls["L2"] = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in LAMBDAS], value=lam,
                                                      description="L2 λ", continuous_update=True)
        self.controls["dropout"] = widgets.FloatSlider(value=p_drop, min=0.0, max=0.7, step=0.1,
                                                       description="dropout", readout_format=".1f")
        self.controls["width"] = widgets.SelectionSlider(options=list(WIDTHS), value=width, description="width")
        self._add_live_controls()
        self._wire_settings({"L2": "lam", "dropout": "p_drop", "width": "width"})

    def new_run(self) -> MoonsRun:
        return MoonsRun(self.run.width, self.run.lam, self.run.p_drop, self.seed)

    def apply(self, settings: dict) -> None:
        if "width" in settings and settings["width"] != self.run.width:
            self.run = MoonsRun(settings["width"], self.run.lam, self.run.p_drop, self.seed)
        if "lam" in settings:
            self.run.lam = settings["lam"]
        if "p_drop" in settings:
            self.run.p_drop = settings["p_drop"]

    def advance(self) -> bool:
        if self.run.done:  # Train after the end: start again
            self.run = self.new_run()
        self.run.advance()
        return not self.run.done

    # -- drawing -----------------------------------------------------------------------
    def background_key(self):
        """The settings title is part of the background: keep one per setting seen."""
        return (self.run.width, self.run.lam, self.run.p_drop)

    def changing_artists(self) -> list:
        return [self.settings_title]  # a new setting: only the title is drawn over the kept base

    def state(self):
        return (id(self.run), self.run.steps[-1], self.run.lam, self.run.p_drop)

    def build(self) -> None:
        fig = self.view.figure
        self.ax_map = fig.add_subplot(1, 2, 1)
        self.ax_loss = fig.add_subplot(1, 2, 2)
        ax = self.ax_map
        # "nearest": a bilinear map costs 3x the resampling and compresses 2x worse (measured: 36 vs 12 ms)
        self.image = ax.imshow(np.full((GRID, GRID), 0.5), origin="lower", extent=EXTENT, cmap="RdBu_r",
                               vmin=-0.15, vmax=1.15, interpolation="nearest", aspect="auto", zorder=1,
                               alpha=0.55)  # pale, so that the points in full colour stand out on it
        run = self.run
        colors = np.array(["#08519c", "#a50f15"])
        # the points are drawn every frame, after the map (a moving artist): in the kept background the
        # map, redrawn on top of it each frame, would hide them
        self.points = [
            ax.scatter(run.X_val[:, 0], run.X_val[:, 1], s=4, c=colors[run.y_val], alpha=0.35, zorder=3, lw=0),
            ax.scatter(run.X[:, 0], run.X[:, 1], s=30, c=colors[run.y], edgecolors="white", linewidths=0.9, zorder=4)]
        ax.set_xlim(EXTENT[:2])
        ax.set_ylim(EXTENT[2:])
        ax.set_xticks([])
        ax.set_yticks([])
        # the 0.5 contour from contourpy straight into a LineCollection: ax.contour builds a whole
        # ContourSet per frame (25 ms); this is under 1 ms
        self.boundary = LineCollection([], colors="k", linewidths=1.6, zorder=2)
        ax.add_collection(self.boundary)
        self._xs = np.linspace(EXTENT[0], EXTENT[1], GRID)  # (GRID,)
        self._ys = np.linspace(EXTENT[2], EXTENT[3], GRID)  # (GRID,)
        # the settings in the figure too: a control change shows at once, even before any training
        self.settings_title = ax.set_title(" ", fontsize=10)
        ax = self.ax_loss
        (self.train_line,) = ax.plot([], [], color=TRAIN_COLOR, lw=2, label="train (40 points)")
        (self.val_line,) = ax.plot([], [], color=VAL_COLOR, lw=2, label="validation (400)")
        self.best_marker = ax.axvline(0, color=VAL_COLOR, lw=1, ls=":", alpha=0.8)
        ax.set_yscale("log")
        ax.set_ylim(*LOSS_LIM)
        ax.set_xlim(0, MAX_STEPS)
        ax.set_xlabel("steps (full batch, Adam 0.01)", fontsize=10)
        ax.set_ylabel("loss (cross-entropy)", fontsize=10)
        ax.tick_params(labelsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="lower left")
        ax.set_title("loss while training (log scale)", fontsize=10)

    def moving(self) -> list:
        return [self.image, self.boundary, *self.points, self.train_line, self.val_line, self.best_marker]

    def draw(self) -> None:
        run = self.run
        P = run.probability_map()  # (GRID, GRID)
        self.image.set_data(P)
        title = f"width {run.width}, L2 λ {run.lam:g}, dropout {run.p_drop:.1f}"
        if self.settings_title.get_text() != title:
            self.settings_title.set_text(title)
            self.invalidate()  # static text: redrawn with the background, not at every frame (glyphs cost)
        lines = contourpy.contour_generator(self._xs, self._ys, P, line_type="Separate").lines(0.5)
        self.boundary.set_segments(lines)
        steps = np.asarray(run.steps)
        self.train_line.set_data(steps, np.clip(run.train_losses, *LOSS_LIM))
        self.val_line.set_data(steps, np.clip(run.val_losses, *LOSS_LIM))
        best = int(np.argmin(run.val_losses))
        self.best_marker.set_xdata([steps[best], steps[best]])
        self.frames += 1
        self.status.value = self.status_text()

    def status_text(self) -> str:
        """The numbers, in the status line: HTML costs nothing to draw (figure text ~14 ms a frame)."""
        run = self.run
        steps, train, val = run.steps[-1], run.train_losses[-1], run.val_losses[-1]
        best = int(np.argmin(run.val_losses))
        train_acc, val_acc = run.train_accuracy[-1], run.val_accuracy[-1]
        return (f"<b>step {steps}</b> (width {run.width}, L2 λ {run.lam:g}, dropout {run.p_drop:.1f}): "
                f"loss train {train:.3f}, validation {val:.3f}, gap {val - train:+.3f}; "
                f"accuracy {train_acc:.0%} / {val_acc:.0%}. Dotted: the lowest validation loss so far "
                f"(step {run.steps[best]}), the weights early stopping would keep. Width restarts the run; "
                "L2 and dropout change it while it trains.")


def overfitting_explorer(**kwargs):
    """An :class:`OverfitExplorer` (or a one-line note while nbgrader grades)."""
    return show(OverfitExplorer, **kwargs)
