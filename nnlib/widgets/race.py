"""The optimizer race: six optimizers from one start on a 2-D loss surface, animated in the browser.

SGD, momentum, Nesterov, AdaGrad, RMSprop and Adam (the classes of
:mod:`nnlib.optimizers`, with one learning rate and one beta for all) walk
down an elongated quadratic (a *ravine*), past a *saddle* point, or along
the curved valley of *Rosenbrock*'s function.  Left: the contour plot and
every optimizer's path; right: its loss above the minimum, per step, on a
log scale.  Play, Pause, Step and Reset drive the animation.

Why a canvas and not a PNG per frame: a frame made in the kernel travels
to the browser as a PNG (tens of milliseconds each way, TOOLCHAIN.md), so an
animation would stutter at a few frames per second.  Here the kernel
computes the whole race once (a few milliseconds), renders the static
background once with matplotlib (contours, axes, ticks, legend) and sends
both to a small ES module (``race.js``, run by ``anywidget`` in JupyterLab
and Voilà), which draws every frame on a ``<canvas>`` in the browser, at the
screen's refresh rate, without a round trip to the kernel.  A control
(surface, learning rate, beta) recomputes the race and sends the new
numbers; the animation's own buttons never leave the browser.

The figure keeps the sizing rules of every chapter widget (``_layout.py``):
the background PNG (with its ``tEXt`` facts) is shown in an
``<img class="widget-image">`` at its natural CSS size, and the canvas lies
exactly over it, drawing the same background and the moving paths.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets

from nnlib.optimizers import SGD, AdaGrad, Adam, RMSprop
from nnlib.widgets import _layout
from nnlib.widgets._base import ChapterWidget, FigureView, lecture_hide, show

__all__ = ["SURFACES", "Surface", "OPTIMIZER_NAMES", "race_paths", "OptimizerRace", "optimizer_race", "RaceCanvas"]

BUTTONS = ("play", "step", "reset")  # drawn by race.js; hidden by name like any control
COLORS = {"SGD": "#1f77b4", "momentum": "#ff7f0e", "Nesterov": "#2ca02c", "AdaGrad": "#d62728",
          "RMSprop": "#9467bd", "Adam": "#8c564b"}
OPTIMIZER_NAMES = tuple(COLORS)
LOSS_FLOOR = 1e-12  # losses above the minimum are drawn down to this (log scale)
ESCAPE = 1e6  # a path farther than this from the origin has diverged


@dataclass(frozen=True)
class Surface:
    """A 2-D loss ``f(x, y)``, its gradient, its minimum value and where the race starts and is seen."""

    title: str
    f: Callable
    grad: Callable
    f_min: float
    start: tuple
    xlim: tuple
    ylim: tuple
    lr: float  # the starting learning rate: one at which every optimizer does something worth seeing
    note: str
    minima: tuple  # where f = f_min, marked with a star
    saddles: tuple = ()  # saddle points, marked with a cross


SURFACES = {
    "ravine": Surface(
        "ravine: f = 0.1x² + 8y²", lambda x, y: 0.1 * x**2 + 8.0 * y**2,
        lambda x, y: np.array([0.2 * x, 16.0 * y]), 0.0, (-5.0, 1.0), (-6.0, 2.0), (-1.6, 1.6), 10 ** -1.1,
        "curvature 0.2 along x, 16 along y: SGD zigzags across the ravine and crawls along it", ((0.0, 0.0),)),
    "saddle": Surface(
        "saddle: f = x²/2 + y⁴/4 − y²/2", lambda x, y: 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2,
        lambda x, y: np.array([x, y**3 - y]), -0.25, (-2.5, 1e-3), (-3.0, 1.5), (-1.6, 1.6), 0.1,
        "a saddle point at (0, 0), minima at (0, ±1); the start is 0.001 off the ridge y = 0",
        ((0.0, 1.0), (0.0, -1.0)), ((0.0, 0.0),)),
    "rosenbrock": Surface(
        "Rosenbrock: f = (1 − x)² + 10(y − x²)²", lambda x, y: (1 - x) ** 2 + 10.0 * (y - x**2) ** 2,
        lambda x, y: np.array([-2.0 * (1 - x) - 40.0 * x * (y - x**2), 20.0 * (y - x**2)]), 0.0, (-1.5, 2.0),
        (-2.0, 2.0), (-1.0, 3.0), 0.01, "a curved valley with its minimum at (1, 1)", ((1.0, 1.0),)),
}


def _optimizers(lr: float, beta: float) -> dict:
    """One of each, with the race's learning rate; beta is momentum's and Adam's beta1."""
    return {"SGD": SGD(lr), "momentum": SGD(lr, momentum=beta),
            "Nesterov": SGD(lr, momentum=beta, nesterov=beta > 0),  # beta = 0: plain SGD, like momentum
            "AdaGrad": AdaGrad(lr), "RMSprop": RMSprop(lr), "Adam": Adam(lr, betas=(beta, 0.999))}


def race_paths(surface: Surface, lr: float, beta: float, steps: int):
    """Every optimizer's path and loss: ``{name: (path (steps + 1, 2), loss (steps + 1,), diverged_at or None)}``.

    The loss is ``f - f_min`` (the distance above the minimum).  A path that
    leaves every sensible region (``|p| > 1e6`` or not finite) stops there:
    its remaining entries are NaN, and ``diverged_at`` is that step.
    """
    out = {}
    for name, optimizer in _optimizers(lr, beta).items():
        path = np.full((steps + 1, 2), np.nan)  # (steps + 1, 2)
        p = np.array(surface.start, dtype=float)  # (2,)
        path[0] = p
        diverged = None
        with np.errstate(over="ignore", invalid="ignore"):
            for k in range(1, steps + 1):
                optimizer.step(p, surface.grad(*p))
                if not np.all(np.isfinite(p)) or np.abs(p).max() > ESCAPE:
                    diverged = k
                    break
                path[k] = p
            loss = surface.f(path[:, 0], path[:, 1]) - surface.f_min  # (steps + 1,)
        out[name] = (path, loss, diverged)
    return out


# ------------------------------------------------------------------ the browser side


class RaceCanvas(anywidget.AnyWidget):
    """The front end: background PNG in an ``<img>``, paths drawn on a canvas over it (``race.js``).

    ``value`` holds the background PNG (as ``ipywidgets.Image.value`` does for
    the other chapter widgets); ``axes`` where the two panels lie in it (in
    fractions of the figure, with their data limits); ``paths`` and
    ``losses`` the race as float32 bytes; ``frame`` the step shown.
    """

    _esm = Path(__file__).with_name("race.js")
    _css = """
    .nncourse-race { display: flex; flex-direction: column; gap: 4px; width: 100%; }
    .nncourse-race-buttons { display: flex; flex-flow: row wrap; gap: 4px; align-items: center; }
    .nncourse-race-figure { position: relative; width: 100%; line-height: 0; }
    .nncourse-race-figure img.widget-image { width: 100%; height: auto; display: block; }
    .nncourse-race-figure canvas { position: absolute; left: 0; top: 0; width: 100%; height: 100%; }
    """
    value = traitlets.Bytes(b"").tag(sync=True)
    axes = traitlets.Dict({}).tag(sync=True)
    names = traitlets.List([]).tag(sync=True)
    colors = traitlets.List([]).tag(sync=True)
    paths = traitlets.Bytes(b"").tag(sync=True)  # float32 (optimizers, steps + 1, 2), NaN after divergence
    losses = traitlets.Bytes(b"").tag(sync=True)  # float32 (optimizers, steps + 1), log10 of f - f_min
    steps = traitlets.Int(0).tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    speed = traitlets.Float(40.0).tag(sync=True)  # steps per second while playing
    hidden = traitlets.List([]).tag(sync=True)  # names of the buttons not to show
    font_px = traitlets.Float(13.0).tag(sync=True)  # the figure's typical text in CSS px, for the step counter
    css_width = traitlets.Float(1.0).tag(sync=True)  # the figure's natural width in CSS px


class CanvasView(FigureView):
    """A FigureView whose 'image' is the :class:`RaceCanvas`: the figure is its static background.

    ``frame_traits``: the canvas's traits whose change makes a new picture
    (a new background, or a new race to draw).
    """

    frame_traits = ("value", "paths")

    def __init__(self, figsize):
        super().__init__(figsize)
        self.image = RaceCanvas(layout=widgets.Layout(), css_width=self.css_size[0])
        _layout.image_layout(self.image.layout, self.css_size[0], self.text_px[0])


# ------------------------------------------------------------------ the widget


class OptimizerRace(ChapterWidget):
    """Six optimizers race from one start on a 2-D surface (see the module docstring).

    Parameters
    ----------
    surface : {"ravine", "saddle", "rosenbrock"}
    lr : float, optional
        One learning rate for every optimizer (default: the surface's own).
    beta : float
        Momentum and Nesterov's momentum, and Adam's beta1 (RMSprop's alpha
        and Adam's beta2 keep PyTorch's 0.99 and 0.999).
    steps : int
        Length of the race.
    hide : iterable of str
        Controls to keep off the screen: any of "surface", "lr", "beta", and
        the animation's buttons "play", "step", "reset".

    Attributes
    ----------
    race : dict
        :func:`race_paths` of the race shown.
    canvas : RaceCanvas
        The browser side (``frame``, ``playing``: the animation's state).
    """

    def __init__(self, surface="ravine", lr=None, beta=0.9, steps=200, hide=()):
        if surface not in SURFACES:
            raise ValueError(f"surface must be one of {list(SURFACES)}, got {surface!r}")
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
            raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
        super().__init__(figsize=(8.6, 3.3), hide=())
        self.view = CanvasView((8.6, 3.3))  # 3.3 in: figure, controls, buttons and status fit a 720-px projector
        self.view.name = type(self).__name__
        self.canvas = self.view.image
        self.steps = int(steps)
        self.controls["surface"] = widgets.Dropdown(options=list(SURFACES), value=surface, description="surface")
        self.controls["lr"] = widgets.FloatLogSlider(value=SURFACES[surface].lr if lr is None else lr, base=10,
                                                     min=-4, max=0, step=0.05, description="learning rate",
                                                     readout_format=".4f", continuous_update=True)
        self.controls["beta"] = widgets.FloatSlider(value=beta, min=0.0, max=0.99, step=0.01, description="β",
                                                    readout_format=".2f", continuous_update=True)
        # Registered before _wire()'s observer: a new surface starts at its own learning rate.
        self.controls["surface"].observe(lambda change: self._new_surface(change["new"]), names="value")
        self.hidden_controls = set(hide)
        unknown = self.hidden_controls - set(self.controls) - set(BUTTONS)
        if unknown:
            raise ValueError(f"hide names unknown controls {sorted(unknown)}; "
                             f"known: {sorted([*self.controls, *BUTTONS])}")
        self._drawn_surface = None
        self._kept = {}  # surface title -> (background PNG, axes, text sizes): rendering one takes ~0.2 s
        self.canvas.steps = self.steps
        self.canvas.names = list(OPTIMIZER_NAMES)
        self.canvas.colors = [COLORS[n] for n in OPTIMIZER_NAMES]
        self.canvas.frame = self.steps  # the whole race at first; Play runs it from the start
        self._wire()

    def _wire(self) -> None:
        buttons = self.hidden_controls & set(BUTTONS)
        self.hidden_controls -= buttons  # _wire checks the ipywidgets controls only
        super()._wire()
        self.hidden_controls |= buttons

    def _new_surface(self, name: str) -> None:
        self.controls["lr"].value = SURFACES[name].lr  # (its observer redraws once the surface is set)

    @property
    def surface(self) -> Surface:
        return SURFACES[self.controls["surface"].value]

    @property
    def widget(self):
        self.canvas.hidden = sorted((self.hidden_controls | lecture_hide()) & set(BUTTONS))
        return super().widget

    # -- drawing ------------------------------------------------------------------------
    def forget_frames(self) -> None:
        """Kept backgrounds have the old pixel ratio: draw the surface again."""
        self._kept.clear()
        self._drawn_surface = None

    def update(self) -> None:
        """Recompute the race for the current controls and send it; the background only when the surface changed."""
        surface = self.surface
        if surface is not self._drawn_surface:
            if surface.title in self._kept:  # seen before: its background comes back in no time
                self.canvas.value, self.canvas.axes, self.view.text_px = self._kept[surface.title]
            else:
                self._draw_background(surface)
            self._drawn_surface = surface
        lr, beta = float(self.controls["lr"].value), float(self.controls["beta"].value)
        self.race = race_paths(surface, lr, beta, self.steps)
        paths = np.stack([self.race[n][0] for n in OPTIMIZER_NAMES]).astype(np.float32)  # (6, steps + 1, 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            losses = np.stack([np.log10(np.maximum(self.race[n][1], LOSS_FLOOR)) for n in OPTIMIZER_NAMES])
        with self.canvas.hold_sync():  # one message: the canvas never draws half a race
            self.canvas.paths = paths.tobytes()
            self.canvas.losses = losses.astype(np.float32).tobytes()  # (6, steps + 1), NaN after divergence
        self.status.value = self._status(lr, beta)  # the surface's note is in the notebook's prose

    def _draw_background(self, surface: Surface) -> None:
        figure = self.view.figure
        figure.clear()
        figure.set_layout_engine(None)
        ax = figure.add_axes((0.085, 0.15, 0.41, 0.74))
        ax_loss = figure.add_axes((0.6, 0.15, 0.37, 0.74))
        x = np.linspace(*surface.xlim, 161)  # (161,)
        y = np.linspace(*surface.ylim, 161)  # (161,)
        X, Y = np.meshgrid(x, y)  # (161, 161)
        height = surface.f(X, Y) - surface.f_min  # (161, 161) >= 0
        levels = np.geomspace(max(height.min(), 1e-3), height.max(), 14)
        ax.contourf(X, Y, height, levels=np.concatenate([[0.0], levels]), cmap="Blues_r", alpha=0.35)
        ax.contour(X, Y, height, levels=levels, colors="#7b8ea3", linewidths=0.6)
        ax.plot(*surface.start, "o", ms=7, color="black", mec="white", zorder=3)
        for minimum in surface.minima:
            ax.plot(*minimum, "*", ms=12, color="#f2c200", mec="#5a4a00", zorder=3)
        for saddle in surface.saddles:
            ax.plot(*saddle, "X", ms=9, color="#444444", mec="white", zorder=3)
            ax.annotate("saddle", saddle, xytext=(7, -14), textcoords="offset points", fontsize=9.5)
        ax.annotate("start", surface.start, xytext=(6, 6), textcoords="offset points", fontsize=9.5)
        ax.set_xlim(*surface.xlim)
        ax.set_ylim(*surface.ylim)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(surface.title, fontsize=11)
        top = np.log10(max(surface.f(*surface.start) - surface.f_min, 1.0)) + 2
        ax_loss.set_xlim(0, self.steps)
        ax_loss.set_ylim(10.0 ** np.log10(LOSS_FLOOR), 10.0 ** np.ceil(top))
        ax_loss.set_yscale("log")
        ax_loss.set_yticks(10.0 ** np.arange(np.log10(LOSS_FLOOR), np.ceil(top) + 1, 3))  # every 10^3: legible
        ax_loss.minorticks_off()
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel(r"$f - f_{\min}$")
        ax_loss.set_title("loss above the minimum", fontsize=11, loc="left")  # the step counter goes right
        ax_loss.grid(alpha=0.3)
        for name in OPTIMIZER_NAMES:
            ax_loss.plot([], [], color=COLORS[name], lw=2, label=name)
        ax_loss.legend(fontsize=9, loc="upper right", ncol=2, framealpha=0.85)
        self.view.refresh()  # draws, records the text sizes, publishes the PNG into canvas.value
        self.canvas.font_px = float(self.view.text_px[1])
        self.canvas.axes = {"path": self._box(ax, log=False), "loss": self._box(ax_loss, log=True)}
        self._kept[surface.title] = (self.canvas.value, self.canvas.axes, self.view.text_px)

    def _box(self, ax, log: bool) -> dict:
        """Where an axes lies in the figure (fractions, from the bottom left) and its data limits."""
        box = ax.get_position()
        xlim, ylim = ax.get_xlim(), ax.get_ylim()
        if log:
            ylim = tuple(float(np.log10(v)) for v in ylim)
        return {"x0": float(box.x0), "y0": float(box.y0), "width": float(box.width), "height": float(box.height),
                "xlim": [float(v) for v in xlim], "ylim": [float(v) for v in ylim], "log": log}

    def _status(self, lr: float, beta: float) -> str:
        parts = []
        for name in OPTIMIZER_NAMES:
            _path, loss, diverged = self.race[name]
            text = f"diverged at step {diverged}" if diverged else f"{loss[-1]:.2g}"
            parts.append(f"<span style='color:{COLORS[name]}'>■</span> {name} {text}")
        return f"f − f<sub>min</sub> after {self.steps} steps: " + " &nbsp;".join(parts)

    # -- the animation, from Python (the buttons do the same in the browser) --------------
    def play(self) -> None:
        """Run the race from the start (or go on from a paused step)."""
        if self.canvas.frame >= self.steps:
            self.canvas.frame = 0
        self.canvas.playing = True

    def pause(self) -> None:
        self.canvas.playing = False

    def step(self) -> None:
        """One step further (and pause)."""
        self.canvas.playing = False
        self.canvas.frame = min(self.canvas.frame + 1, self.steps)

    def rewind(self) -> None:
        """Back to the start (the Reset button does the same in the browser)."""
        self.canvas.playing = False
        self.canvas.frame = 0


def optimizer_race(**kwargs):
    """An :class:`OptimizerRace` (or a one-line note while nbgrader grades)."""
    return show(OptimizerRace, **kwargs)
