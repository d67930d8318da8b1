"""Gradient descent on a 1-D function, step by step: what the learning rate does.

:class:`LearningRateExplorer` runs ``w <- w - lr * f'(w)`` (nnlib's
``sgd_step``) from a fixed start and shows the first steps on the curve
(left) and the distance to the minimum per step on a log scale (right).  On
a quadratic ``f(w) = L/2 w^2`` each step multiplies ``w`` by ``1 - lr L``:
below ``lr = 1/L`` it shrinks steadily, between ``1/L`` and ``2/L`` it
changes sign every step (oscillates) but shrinks, at ``2/L`` it bounces
forever and above ``2/L`` it grows (diverges).  The quartic ``w^4/4`` has no
single curvature: the same learning rate may diverge far out and converge
near the minimum.

Speed: the curve and the axes are rendered once per function into a kept
background (:class:`~nnlib.widgets._blit.BlittedWidget`); a frame draws the
steps only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import ipywidgets as widgets
import numpy as np

from nnlib.update_rules import sgd_step
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget

__all__ = ["FUNCTIONS", "Function1D", "descent_path", "LearningRateExplorer", "lr_explorer"]

COLORS = {"curve": "#2a6fb0", "path": "#d1731b", "now": "#1f4e79", "start": "#444444"}
MAX_STEPS = 20
W_LIMIT = 2.2  # the left panel shows w in [-2.2, 2.2]
DIST_LIM = (1e-6, 1e3)  # the right panel's |w - w*| range


@dataclass(frozen=True)
class Function1D:
    """A 1-D loss, its derivative, its curvature L (None when it varies), and the start."""

    label: str
    f: Callable
    grad: Callable
    curvature: float | None
    start: float


FUNCTIONS = {
    "f(w) = w²": Function1D("w²", lambda w: w**2, lambda w: 2 * w, 2.0, 1.0),
    "f(w) = 4w²": Function1D("4w²", lambda w: 4 * w**2, lambda w: 8 * w, 8.0, 1.0),
    "f(w) = w⁴/4": Function1D("w⁴/4", lambda w: w**4 / 4, lambda w: w**3, None, 1.5),
}


def descent_path(function: Function1D, lr: float, steps: int = MAX_STEPS) -> np.ndarray:
    """``w_0, w_1, ..., w_steps`` of gradient descent (nnlib's ``sgd_step``); inf once it has blown up."""
    w = np.array([function.start])  # (1,)
    path = [w[0]]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            w = sgd_step(w, function.grad(w), lr) if np.isfinite(w[0]) and abs(w[0]) < 1e150 else np.array([np.inf])
            path.append(w[0])
    return np.array(path)  # (steps + 1,)


def _verdict(function: Function1D, lr: float, path: np.ndarray) -> str:
    """One sentence: what the learning rate does here, and why."""
    if function.curvature is None:
        far = function.start**2 * lr
        out = "diverges" if not np.isfinite(path[-1]) or abs(path[-1]) > abs(path[0]) else "converges"
        return (f"Here f″(w) = 3w² changes with w: a step multiplies w by 1 − η w², which is "
                f"{1 - far:.3g} at the start. It {out}: a learning rate can be too large far out and fine near 0.")
    L = function.curvature
    r = 1 - lr * L
    head = f"Each step multiplies w by 1 − η·L = 1 − {lr:g}·{L:g} = {r:.3g}"
    if abs(r) < 1e-12:
        tail = "so the minimum is reached in one step (η = 1/L)."
    elif 0 < r < 1:
        tail = f"between 0 and 1, so w shrinks steadily: it converges (η < 1/L = {1 / L:g})."
    elif -1 < r < 0:
        tail = f"between −1 and 0, so w changes sign every step while shrinking: it oscillates and converges (1/L < η < 2/L = {2 / L:g})."
    elif abs(r + 1) < 1e-12:
        tail = "so w bounces between +w₀ and −w₀ forever (η = 2/L)."
    else:
        tail = f"below −1, so |w| grows every step: it diverges (η > 2/L = {2 / L:g})."
    return f"{head}: {tail}"


class LearningRateExplorer(BlittedWidget):
    """Gradient descent on a 1-D function with a learning-rate slider, step by step.

    Parameters
    ----------
    function : str
        A key of :data:`FUNCTIONS`.
    lr : float
        The learning rate (slider 0.01 to 1.2).
    steps : int
        How many steps are shown at first (slider 0 to 20; Step adds one, Reset goes back to 0).
    hide : iterable of str
        Controls to keep off the screen: any of "function", "lr", "steps", "step", "reset".

    Attributes
    ----------
    path : ndarray, shape (21,)
        w_0 .. w_20 for the current function and learning rate.
    """

    def __init__(self, function="f(w) = w²", lr=0.1, steps=5, hide=()):
        if function not in FUNCTIONS:
            raise ValueError(f"function must be one of {list(FUNCTIONS)}, got {function!r}")
        super().__init__(figsize=(8.6, 3.3), hide=hide)
        self.controls["function"] = widgets.Dropdown(options=list(FUNCTIONS), value=function, description="function")
        self.controls["lr"] = widgets.FloatSlider(value=lr, min=0.01, max=1.2, step=0.01, description="learning rate η",
                                                  readout_format=".2f", continuous_update=True)
        self.controls["steps"] = widgets.IntSlider(value=steps, min=0, max=MAX_STEPS, description="steps shown",
                                                   continuous_update=True)
        self.controls["step"] = widgets.Button(description="Step", icon="step-forward")
        self.controls["reset"] = widgets.Button(description="Reset", icon="undo")
        self.controls["step"].on_click(lambda _b: self.step())
        self.controls["reset"].on_click(lambda _b: self.rewind())
        self._wire()

    def step(self) -> None:
        """Show one more step (the Step button)."""
        slider = self.controls["steps"]
        slider.value = min(slider.value + 1, slider.max)

    def rewind(self) -> None:
        """Back to the start (the Reset button; not named reset: the lecture view's reset restores first values)."""
        self.controls["steps"].value = 0

    @property
    def function(self) -> Function1D:
        return FUNCTIONS[self.controls["function"].value]

    def background_key(self):
        return self.controls["function"].value

    # -- drawing ------------------------------------------------------------------------
    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)  # fixed axes: the same layout for every function
        self.ax = fig.add_axes((0.075, 0.16, 0.4, 0.7))
        self.ax_dist = fig.add_axes((0.6, 0.16, 0.375, 0.7))
        (self.curve,) = self.ax.plot([], [], color=COLORS["curve"], lw=2, zorder=2)
        (self.walk,) = self.ax.plot([], [], "-o", color=COLORS["path"], lw=1.3, ms=5, zorder=3)
        (self.now,) = self.ax.plot([], [], "o", ms=10, color=COLORS["now"], mec="white", zorder=4)
        (self.dist,) = self.ax_dist.plot([], [], "-o", color=COLORS["path"], lw=1.3, ms=4, zorder=3)
        (self.dist_now,) = self.ax_dist.plot([], [], "o", ms=9, color=COLORS["now"], mec="white", zorder=4)
        self.ax.set_xlim(-W_LIMIT, W_LIMIT)
        self.ax.set_xlabel("w")
        self.ax.grid(alpha=0.3)
        self.ax_dist.set_yscale("log")
        self.ax_dist.set_xlim(-0.5, MAX_STEPS + 0.5)
        self.ax_dist.set_ylim(*DIST_LIM)
        self.ax_dist.set_xticks(range(0, MAX_STEPS + 1, 5))
        self.ax_dist.set_xlabel("step k")
        self.ax_dist.set_ylabel(r"$|w_k - w^*|$")
        self.ax_dist.set_title("distance to the minimum w* = 0", fontsize=11)
        self.ax_dist.grid(alpha=0.3)
        self._drawn = None

    def moving(self) -> list:
        return [self.walk, self.now, self.dist, self.dist_now, self.ax.title]

    def draw(self) -> None:
        function, name = self.function, self.controls["function"].value
        if name != self._drawn:  # another function: its curve and limits (a kept background if seen before)
            self._drawn = name
            w = np.linspace(-W_LIMIT, W_LIMIT, 401)  # (401,)
            self.curve.set_data(w, function.f(w))
            self.ax.set_ylim(-0.05 * function.f(W_LIMIT), 1.05 * function.f(W_LIMIT))
            self.ax.set_ylabel(f"f(w) = {function.label}")
            self.invalidate()
        lr, k = float(self.controls["lr"].value), int(self.controls["steps"].value)
        self.path = descent_path(function, lr)
        shown = self.path[:k + 1]  # (k + 1,)
        inside = np.clip(shown, -1.5 * W_LIMIT, 1.5 * W_LIMIT)  # a diverging walk leaves the panel, clipped
        self.walk.set_data(inside, function.f(inside))
        self.now.set_data([inside[-1]], [function.f(inside[-1])])
        distance = np.clip(np.abs(shown), DIST_LIM[0], 10 * DIST_LIM[1])
        self.dist.set_data(np.arange(k + 1), distance)
        self.dist_now.set_data([k], [distance[-1]])
        self.ax.set_title(f"gradient descent, η = {lr:.2f}: step {k}", fontsize=11)
        self.status.value = self._status(function, lr, k)

    def _status(self, function, lr, k) -> str:
        shown = ", ".join(_short(w) for w in self.path[:min(k, 6) + 1])
        more = ", …" if k > 6 else ""
        return f"w<sub>0</sub> … w<sub>{k}</sub> = {shown}{more}. {_verdict(function, lr, self.path)}"


def _short(w: float) -> str:
    if not np.isfinite(w) or abs(w) >= 1e6:
        return "±∞" if not np.isfinite(w) else f"{w:.1e}"
    return f"{w:.4g}"


def lr_explorer(**kwargs):
    """A :class:`LearningRateExplorer` (or a one-line note while nbgrader grades)."""
    return show(LearningRateExplorer, **kwargs)
