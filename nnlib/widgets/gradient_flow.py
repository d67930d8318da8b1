"""Gradient norm per layer over the first training steps, with and without batch normalization, trained live.

:class:`GradientFlow` trains two copies of a deep MLP on 256 digits
(:class:`nnlib.propagation.TrainingRun`: full-batch SGD, softmax
cross-entropy), from the same initial weights: one plain, one with a
``BatchNorm`` after every hidden Dense layer.  Each panel draws
``||dL/dW||`` of every hidden layer against the training step on a log
axis, layer 1 dark and the last layer light.  With sigmoid and Xavier the
plain net's first layers get gradients thousands of times smaller than its
last (they barely learn); batch norm puts every layer's pre-activations back
to zero mean and unit variance, where the sigmoid's slope is largest, and the
layers' gradients come together.

Play (or the ``step`` slider) trains one step per frame, only as far as
shown, and keeps what it has trained.  Changing the depth, activation or
init starts both runs again from step 0 (new weights; training again to the
old step would hold the kernel for a second): the Play control goes on from
there if it is running.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection

from nnlib.propagation import TrainingRun
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets.signals import INITS

__all__ = ["LR", "STEPS", "GradientFlow", "gradient_flow"]

STEPS = 60  # steps shown at most
LR = 0.1
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu")
NORM_LIM = (1e-9, 1e3)
SEED = 0


class GradientFlow(BlittedWidget):
    """Per-layer gradient norms of a deep MLP over its first training steps, without and with batch norm.

    Parameters
    ----------
    depth : int
        Hidden layers, 2 to 10.
    activation : {"sigmoid", "tanh", "relu"}
    init : str
        A key of :data:`nnlib.widgets.signals.INITS`.
    step : int
        Training steps shown (0 to 60).
    hide : iterable of str
        Controls to keep off the screen: any of "play", "step", "depth", "activation", "init".

    Attributes
    ----------
    runs : dict "plain" / "batchnorm" -> TrainingRun
    """

    def __init__(self, depth=8, activation="sigmoid", init="Xavier", step=0, hide=()):
        if activation not in ACTIVATION_NAMES:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATION_NAMES)}, got {activation!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {init!r}")
        super().__init__(figsize=(8.6, 3.4), hide=hide)
        self.controls["play"] = widgets.Play(value=step, min=0, max=STEPS, step=1, interval=90, description="play")
        self.controls["step"] = widgets.IntSlider(value=step, min=0, max=STEPS, step=1, description="step",
                                                  continuous_update=True)
        self.controls["depth"] = widgets.IntSlider(value=depth, min=2, max=10, step=1, description="depth",
                                                   continuous_update=False)
        self.controls["activation"] = widgets.Dropdown(options=list(ACTIVATION_NAMES), value=activation,
                                                       description="activation")
        self.controls["init"] = widgets.Dropdown(options=list(INITS), value=init, description="init")
        # Play moves the slider in the browser; the slider's value is what trains and draws
        self.play_link = widgets.jslink((self.controls["play"], "value"), (self.controls["step"], "value"))
        self.runs = {}
        self._setting = None
        for name in ("depth", "activation", "init"):
            self.controls[name].observe(lambda _c: self._restart(), names="value")
        self._wire()

    def _new_runs(self) -> None:
        depth = int(self.controls["depth"].value)
        activation, init = self.controls["activation"].value, INITS[self.controls["init"].value]
        self.runs = {"plain": TrainingRun(depth, activation, init, False, lr=LR, rng=SEED),
                     "batchnorm": TrainingRun(depth, activation, init, True, lr=LR, rng=SEED)}
        self._setting = self._current_setting()

    def _current_setting(self):
        return tuple(self.controls[name].value for name in ("depth", "activation", "init"))

    def _restart(self) -> None:
        """A new network: back to step 0 (the observer of `step` then redraws, or the next update does)."""
        if self._setting == self._current_setting():
            return
        with self.holding():
            self.controls["step"].value = 0
            self.controls["play"].value = 0
        self.update()

    def state(self):
        return (self._current_setting(), int(self.controls["step"].value))

    def background_key(self):
        return int(self.controls["depth"].value)

    # -- drawing --------------------------------------------------------------------------
    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)
        self.axes, self.lines = {}, {}
        for name, title, left in (("plain", "without batch norm", 0.085), ("batchnorm", "with batch norm", 0.5)):
            ax = fig.add_axes((left, 0.15, 0.36, 0.7))
            ax.set_yscale("log")
            ax.set_ylim(*NORM_LIM)
            ax.set_xlim(0, STEPS)
            ax.set_xlabel("training step", fontsize=10)
            ax.tick_params(labelsize=9.5)
            ax.grid(alpha=0.3)
            ax.set_title(title, fontsize=10.5)
            self.axes[name] = ax
            # one collection of up to 10 lines: one artist to draw per frame, not ten
            self.lines[name] = ax.add_collection(LineCollection([], linewidths=1.8))
        self.axes["plain"].set_ylabel("‖dL/dW‖ per layer", fontsize=10)
        self.ax_key = fig.add_axes((0.885, 0.15, 0.11, 0.7))
        self.ax_key.axis("off")
        self.title = fig.text(0.085, 0.955, "", fontsize=10.5, ha="left", va="center")
        self._depth_drawn = None

    def _colors(self, depth: int) -> list:
        cmap = colormaps["viridis"]
        return [cmap(0.9 * k / max(depth - 1, 1)) for k in range(depth)]

    def _draw_key(self, depth: int) -> None:
        """The layers' colours beside the axes (static: part of the background of this depth)."""
        self.ax_key.clear()
        self.ax_key.axis("off")
        self.ax_key.set_xlim(0, 1)
        self.ax_key.set_ylim(0, 1)
        for k, color in enumerate(self._colors(depth)):
            y = 0.95 - k * 0.085
            self.ax_key.plot([0.0, 0.28], [y, y], lw=2.5, color=color)
            self.ax_key.text(0.36, y, f"layer {k + 1}", va="center", fontsize=9.5)
        self.invalidate()

    def moving(self) -> list:
        return [*self.lines.values(), self.title]

    def draw(self) -> None:
        if self._setting != self._current_setting():
            self._new_runs()
        depth = int(self.controls["depth"].value)
        if depth != self._depth_drawn:
            self._draw_key(depth)
            self._depth_drawn = depth
        step = int(self.controls["step"].value)
        colors = self._colors(depth)
        for name, run in self.runs.items():
            while len(run.norms) < step:  # train only as far as shown
                run.step()
            norms = np.clip(np.array(run.norms[:step]).reshape(step, depth), *NORM_LIM)  # (step, depth)
            steps = np.arange(1, step + 1)  # (step,)
            self.lines[name].set_segments([np.column_stack([steps, norms[:, k]]) for k in range(depth)] if step
                                          else [])
            self.lines[name].set_colors(colors)
        activation, init = self.controls["activation"].value, self.controls["init"].value
        self.title.set_text(f"{depth} hidden {activation} layers of width 32, weights {init}, "
                            f"SGD η = {LR}, 256 digits")
        self.status.value = self._summary(step, depth)

    def _summary(self, step: int, depth: int) -> str:
        if step == 0:
            return "Press play (or move the step slider) to train both networks from the same weights."
        parts = []
        for name, label in (("plain", "without batch norm"), ("batchnorm", "with it")):
            norms = self.runs[name].norms[step - 1]
            ratio = norms[0] / norms[-1] if norms[-1] > 0 else float("inf")
            parts.append(f"{label} layer 1 gets {ratio:.2g} × the gradient of layer {depth}")
            loss = self.runs[name].losses[step - 1]
            parts[-1] += f" (loss {loss:.3f})"
        return f"At step {step}: " + "; ".join(parts) + "."


def gradient_flow(**kwargs):
    """A :class:`GradientFlow` (or a one-line note while nbgrader grades)."""
    return show(GradientFlow, **kwargs)
