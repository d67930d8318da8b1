"""Chapter 01 widgets: a perceptron's decision line over a truth table.

The four inputs of a logic gate sit at the corners of the unit square.  A
perceptron with weights ``w = (w1, w2)`` and bias ``b`` fires (``y = 1``)
where ``w1 x1 + w2 x2 + b > 0``: one side of the straight line
``w1 x1 + w2 x2 + b = 0``.  The weight vector ``w`` is the line's normal and
points into the side that fires (drawn as a small arrow).

- :class:`DecisionLineExplorer`: move ``w1``, ``w2``, ``b`` by hand and watch
  which points end up on the wrong side (red rings, error count in the title).
- :class:`TrainingPlayer`: let the perceptron rule move the line one sample
  at a time, with the mistakes of each epoch plotted beside it.

Speed: a slider must redraw at once, also on a lecture-hall projector.
Clearing and redrawing the figure costs about 100 ms a frame on a 2-core
machine, two thirds of it in tick labels, legend and layout, which never
change.  So both widgets build their artists once, render the static parts
once into a background, and per frame draw only the artists that move over
it (matplotlib's blitting) before encoding the PNG: about 12 ms (explorer)
and 20 ms (player) a frame.
"""
from __future__ import annotations

import warnings

import ipywidgets as widgets
import numpy as np

from nnlib.data import logic_gate
from nnlib.perceptron import Perceptron, predict
from nnlib.widgets._axes_background import RedrawnAxes
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets._layout import fit_control
from nnlib.widgets._lecture import lecture_view

__all__ = ["DecisionLineExplorer", "TrainingPlayer", "decision_line_explorer", "training_player"]

GATES = ("and", "or", "nand", "nor", "xor")
LIMITS = (-0.5, 1.5)  # both axes: the unit square plus a margin
COLORS = {"t0": "#f2a541", "t1": "#2a6fb0", "fires": "#cfe0f1", "wrong": "#d62728",
          "line": "#222222", "current": "#2ca02c", "ok": "#1a7f37"}
_BOX = np.array([[LIMITS[0], LIMITS[0]], [LIMITS[1], LIMITS[0]], [LIMITS[1], LIMITS[1]], [LIMITS[0], LIMITS[1]]])


def _gate_data(gate: str) -> tuple[np.ndarray, np.ndarray]:
    if gate not in GATES:
        raise ValueError(f"gate must be one of {GATES}, got {gate!r}")
    return logic_gate(gate)  # X (4, 2), t (4,)


def _line_ends(w, b):
    """Two far-apart points of the line ``w . x + b = 0``, or None when ``w = 0``.

    The line is ``p0 + s d``: ``p0`` is its point nearest the square's centre
    and ``d`` is perpendicular to ``w``; s = ±4 leaves the axes on both sides.
    Also returns ``p0`` and the unit normal ``n`` (for the arrow).
    """
    norm = float(np.hypot(w[0], w[1]))
    if norm == 0.0:
        return None
    centre = np.array([0.5, 0.5])
    n = np.asarray(w, dtype=float) / norm  # (2,)
    p0 = centre - (centre @ w + b) / norm * n  # (2,)
    ends = p0 + np.outer([-4.0, 4.0], [-n[1], n[0]])  # (2, 2)
    return ends, p0, n


def _firing_polygon(w, b) -> np.ndarray:
    """The part of the plotted square where ``w . x + b > 0``, as polygon vertices (K, 2).

    Walk round the square (Sutherland–Hodgman with a single half-plane): keep
    each corner that fires, and add the point where an edge crosses the line.
    With ``w = 0`` either every corner fires (b > 0) or none does.
    """
    h = _BOX @ np.asarray(w, dtype=float) + b  # (4,) the sum at each corner
    vertices = []
    for j in range(4):
        k = (j + 1) % 4
        if h[j] > 0:
            vertices.append(_BOX[j])
        if (h[j] > 0) != (h[k] > 0):
            vertices.append(_BOX[j] + h[j] / (h[j] - h[k]) * (_BOX[k] - _BOX[j]))
    return np.array(vertices).reshape(-1, 2)  # (K, 2), K = 0 when nothing fires


def _fmt(x: float) -> str:
    """A number for the status line: 2 decimals, a real minus sign, no '−0.00'."""
    x = 0.0 if abs(x) < 5e-13 else float(x)
    return f"{x:.2f}".replace("-", "−")


def _vec(v) -> str:
    return "(" + ", ".join(_fmt(x) for x in v) + ")"


def _bits(v) -> str:
    return "(" + ", ".join(str(int(x)) for x in v) + ")"


class _GatePanel:
    """One axes: a truth table, a perceptron's line, the side that fires, its mistakes.

    Built once; :meth:`set_targets` and :meth:`set_weights` only change the
    data of existing artists, which keeps a redraw cheap.
    """

    def __init__(self, ax, extra_legend=()):
        self.ax = ax
        self.region = ax.fill([], [], color=COLORS["fires"], lw=0, zorder=0)[0]
        (self.line,) = ax.plot([], [], color=COLORS["line"], lw=2.5, zorder=2)
        self.normal = ax.annotate("", xy=(0, 0), xytext=(0, 0), zorder=3,
                                  arrowprops=dict(arrowstyle="-|>", color=COLORS["line"], lw=1.5))
        self.points = ax.scatter(np.zeros(4), np.zeros(4), s=260, edgecolors="#222222", linewidths=1.2, zorder=4)
        self.wrong = ax.scatter(np.empty(0), np.empty(0), s=700, facecolors="none", edgecolors=COLORS["wrong"],
                                linewidths=3, zorder=5)
        ax.set_xlim(*LIMITS)
        ax.set_ylim(*LIMITS)
        ax.set_aspect("equal")
        ax.set_xticks([0, 1])
        ax.set_yticks([0, 1])
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$", rotation=0, labelpad=10)
        # Legend from fixed-colour proxies, so it never needs rebuilding.
        ax.scatter([], [], s=120, color=COLORS["t1"], edgecolors="#222222", label="target t = 1")
        ax.scatter([], [], s=120, color=COLORS["t0"], edgecolors="#222222", label="target t = 0")
        ax.scatter([], [], s=120, facecolors="none", edgecolors=COLORS["wrong"], linewidths=2, label="misclassified")
        ax.fill_between([], [], color=COLORS["fires"], label="fires: y = 1")
        ax.plot([], [], color=COLORS["line"], lw=2.5, label="w·x + b = 0")
        for make_proxy in extra_legend:
            make_proxy(ax)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=9, labelspacing=1.1)
        self.X, self.t = np.zeros((4, 2)), np.zeros(4)

    def moving(self) -> list:
        """The artists that change between frames (with the spines, which border the shaded side)."""
        return [self.region, self.line, self.normal, self.points, self.wrong, self.ax.title,
                *self.ax.spines.values()]

    def set_targets(self, X: np.ndarray, t: np.ndarray) -> None:
        self.X, self.t = X, t
        self.points.set_offsets(X)
        self.points.set_facecolors([COLORS["t1"] if ti == 1 else COLORS["t0"] for ti in t])

    def set_weights(self, w, b: float) -> np.ndarray:
        """Move the line to ``w``, ``b``; return the outputs y (4,) for the points."""
        self.region.set_xy(_firing_polygon(w, b))
        geometry = _line_ends(w, b)
        if geometry is None:  # w = 0: no line, the bias alone decides everywhere
            self.line.set_data([], [])
            self.normal.set_visible(False)
        else:
            ends, p0, n = geometry
            self.line.set_data(ends[:, 0], ends[:, 1])
            self.normal.xy = tuple(p0 + 0.3 * n)
            self.normal.set_position(tuple(p0))
            self.normal.set_visible(bool(np.all((p0 > LIMITS[0]) & (p0 < LIMITS[1]))))
        y = predict(self.X, w, b)  # (4,)
        self.wrong.set_offsets(self.X[y != self.t].reshape(-1, 2))
        return y


def _gate_dropdown(gate: str) -> widgets.Dropdown:
    _gate_data(gate)  # a clear error for an unknown gate
    return widgets.Dropdown(options=[(g.upper(), g) for g in GATES], value=gate, description="truth table")


class DecisionLineExplorer(BlittedWidget):
    """Sliders ``w1``, ``w2``, ``b`` over a truth table; misclassified points ringed in red.

    The perceptron outputs ``y = step(w1 x1 + w2 x2 + b)``, firing when the
    sum is > 0 (:func:`nnlib.perceptron.predict`); the title and the status
    line count the points where ``y != t``.

    Parameters
    ----------
    gate : {"and", "or", "nand", "nor", "xor"}
        Truth table shown first (:func:`nnlib.data.logic_gate`).
    w1, w2, b : float
        Starting weights and bias; the sliders span -2..2 in steps of 0.05.
    hide : iterable of str
        Controls to keep off the screen: any of "gate", "w1", "w2", "b".

    Attributes
    ----------
    predictions : ndarray, shape (4,)
        Current outputs y for the inputs 00, 01, 10, 11.
    n_errors : int
        How many of them differ from the targets.
    """

    controls_beside = True  # sliders left of the square: all of it fits a 1280 x 720 projector

    def __init__(self, gate="and", w1=0.5, w2=0.5, b=-0.25, hide=()):
        super().__init__(figsize=(5.2, 3.6), hide=hide)
        self.controls["gate"] = _gate_dropdown(gate)
        for name, value in (("w1", w1), ("w2", w2), ("b", b)):
            self.controls[name] = widgets.FloatSlider(value=value, min=-2.0, max=2.0, step=0.05, description=name,
                                                      continuous_update=True, readout_format=".2f")
        self._wire()

    def build(self) -> None:
        self.panel = _GatePanel(self.view.figure.add_subplot())

    def moving(self) -> list:
        return self.panel.moving()

    def draw(self) -> None:
        gate = self.controls["gate"].value
        X, t = _gate_data(gate)
        w = np.array([self.controls["w1"].value, self.controls["w2"].value])  # (2,)
        b = float(self.controls["b"].value)
        self.panel.set_targets(X, t)
        self.predictions = self.panel.set_weights(w, b)
        self.n_errors = int(np.sum(self.predictions != t))
        plural = "" if self.n_errors == 1 else "s"
        self.panel.ax.set_title(f"{gate.upper()}: {self.n_errors} error{plural}", fontsize=13,
                                color=COLORS["wrong"] if self.n_errors else COLORS["ok"])
        verdict = "all four correct" if self.n_errors == 0 else f"{self.n_errors} misclassified"
        self.status.value = (f"w = {_vec(w)}, b = {_fmt(b)} &nbsp;·&nbsp; outputs y = {_bits(self.predictions)}"
                             f" &nbsp;·&nbsp; targets t = {_bits(t)} &nbsp;·&nbsp; <b>{verdict}</b>")


class TrainingPlayer(RedrawnAxes):
    """Step or play through the perceptron rule on a truth table, one sample at a time.

    Frame ``k`` (the slider "t") shows the weights after the first ``k``
    samples were shown; frame 0 has zero weights.  Samples come in table
    order and training stops after the first epoch without a mistake, as in
    :func:`nnlib.perceptron.train`; the frames come from the weight history of
    :class:`nnlib.perceptron.Perceptron` (``init="zeros"``, no shuffling).

    Left: the points, the line after the update (solid) and before it
    (dashed, only when the sample was misclassified), the sample just shown
    in a green ring.  Right: mistakes per epoch so far (the current epoch's
    bar is pale until the epoch ends).

    Parameters
    ----------
    gate : {"and", "or", "nand", "nor", "xor"}
    lr : float
        Learning rate of ``w <- w + lr (t - y) x``, ``b <- b + lr (t - y)``.
    max_epochs : int
        Epoch limit (XOR never converges and stops here).
    train : callable, optional
        A student's ``train_perceptron(X, t, lr=..., max_epochs=...) -> (w, b,
        errors)``.  For each gate its result is compared with this run and the
        status line says whether they agree; when it raises (a stub raises
        NotImplementedError) the status line says the reference is shown.
    hide : iterable of str
        Controls to keep off the screen: any of "gate", "step", "play", "t", "reset".

    Attributes
    ----------
    frame : int
        Current frame.
    run : Perceptron
        The fitted reference run being shown.
    train_note : str
        Outcome of the comparison with ``train`` ('' without ``train``).
    """

    def __init__(self, gate="and", lr=0.1, max_epochs=20, train=None, hide=()):
        super().__init__(figsize=(8.6, 3.5), hide=hide)
        self.lr, self.max_epochs, self.train = float(lr), int(max_epochs), train
        self.controls["gate"] = _gate_dropdown(gate)
        self.controls["step"] = widgets.Button(description="Step", icon="step-forward")
        self.controls["play"] = widgets.Play(value=0, min=0, max=1, step=1, interval=700, description="play")
        self.controls["t"] = widgets.IntSlider(value=0, min=0, max=1, description="t", continuous_update=True)
        self.controls["reset"] = widgets.Button(description="Reset", icon="undo")
        # A kernel-side link rather than jslink: frames are drawn in the kernel
        # anyway, and this way Play also drives the slider without a browser.
        self._link = widgets.link((self.controls["play"], "value"), (self.controls["t"], "value"))
        self.controls["step"].on_click(lambda _button: self.step())
        self.controls["reset"].on_click(lambda _button: self.reset())
        # Registered before _wire()'s observer, so the new run is ready when it redraws.
        self.controls["gate"].observe(lambda change: self._load(change["new"]), names="value")
        self._load(gate)
        self._wire()

    # -- the run ------------------------------------------------------------------
    def _load(self, gate: str) -> None:
        """Fit the reference run for ``gate``, compare ``train`` with it, rewind to frame 0."""
        self.X, self.t = _gate_data(gate)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # XOR's ConvergenceWarning: the status line reports it
            self.run = Perceptron(lr=self.lr, epochs=self.max_epochs, init="zeros", shuffle=False).fit(self.X, self.t)
        self.train_note = self._compare_train(gate)
        slider, play = self.controls["t"], self.controls["play"]
        with self.holding():
            play.playing = False
            slider.value = 0  # also sets play.value through the link
            slider.max = play.max = len(self.run.history_)
            fit_control(slider)  # a longer run needs a longer track (PX_PER_STEP)
            if self._built:
                self._build_bars()

    def _compare_train(self, gate: str) -> str:
        if self.train is None or lecture_view():  # the lecture view runs the solution: no "your code" line
            return ""
        name = getattr(self.train, "__name__", "train")
        try:
            w, b, errors = self.train(self.X.copy(), self.t.copy(), lr=self.lr, max_epochs=self.max_epochs)
            w, b, errors = np.asarray(w, dtype=float).reshape(-1), float(b), [int(e) for e in errors]
        except NotImplementedError:
            return f"Note: <code>{name}</code> is not implemented yet: showing nnlib's reference run."
        except Exception as exc:  # a bug in the student's code must not break the widget
            return f"Note: <code>{name}</code> raised {type(exc).__name__}: {exc} — showing nnlib's reference run."
        run = self.run
        same = (w.shape == run.w_.shape and np.allclose(w, run.w_, rtol=0, atol=1e-9)
                and abs(b - run.b_) <= 1e-9 and errors == run.errors_)
        if same:
            return (f"✓ your <code>{name}</code> powers this: on {gate.upper()} it learns w = {_vec(w)}, "
                    f"b = {_fmt(b)} with errors per epoch {errors}, exactly this run.")
        return (f"✗ your <code>{name}</code> gives w = {_vec(w)}, b = {_fmt(b)}, errors {errors} on {gate.upper()}; "
                f"the reference gives w = {_vec(run.w_)}, b = {_fmt(run.b_)}, errors {run.errors_}. "
                "Step through the run to see where they part.")

    def weights_at(self, k: int):
        """``(w, b)`` after the first ``k`` samples (k = 0: the zero start)."""
        if k == 0:
            return self.run.initial_
        w, b, _index, _mistakes = self.run.history_[k - 1]
        return w, b

    # -- controls -------------------------------------------------------------------
    @property
    def frame(self) -> int:
        return int(self.controls["t"].value)

    def step(self) -> None:
        """Show the next sample (the Step button)."""
        slider = self.controls["t"]
        slider.value = min(slider.value + 1, slider.max)

    def reset(self) -> None:
        """Back to the zero weights (the Reset button)."""
        self.controls["play"].playing = False
        self.controls["t"].value = 0

    def state(self):
        return (self.controls["gate"].value, self.frame)

    def background_key(self):
        return self.controls["gate"].value  # the bar chart's limits and ticks follow the truth table's run

    def changing_artists(self) -> list:
        return [self.ax_err]  # a new truth table changes the bar chart, not the panel of points and its legend

    # -- drawing ------------------------------------------------------------------------
    def build(self) -> None:
        ax_line, self.ax_err = self.view.figure.subplots(1, 2, width_ratios=[1.45, 1.0])
        self.panel = _GatePanel(ax_line, extra_legend=(
            lambda ax: ax.plot([], [], color=COLORS["line"], lw=1.5, ls="--", alpha=0.6, label="line before the update"),
            lambda ax: ax.scatter([], [], s=160, facecolors="none", edgecolors=COLORS["current"], linewidths=2,
                                  label="sample just shown"),
        ))
        (self.before,) = ax_line.plot([], [], color=COLORS["line"], lw=1.5, ls="--", alpha=0.6, zorder=2)
        self.current = ax_line.scatter(np.empty(0), np.empty(0), s=1100, facecolors="none",
                                       edgecolors=COLORS["current"], linewidths=2.5, zorder=5)
        self.ax_err.set_xlabel("epoch")
        self.ax_err.set_ylabel("mistakes in the epoch")
        self.ax_err.set_title("errors per epoch so far", fontsize=11)
        self._build_bars()

    def moving(self) -> list:
        return [*self.panel.moving(), self.before, self.current, *self.bars.patches, *self.ax_err.spines.values()]

    def _build_bars(self) -> None:
        """One bar per epoch of the run (rebuilt when the gate changes)."""
        ax, n_epochs, N = self.ax_err, len(self.run.errors_), len(self.t)
        for container in list(ax.containers):
            container.remove()
        self.bars = ax.bar(np.arange(1, n_epochs + 1), np.zeros(n_epochs), width=0.7, color=COLORS["t1"])
        ax.set_xlim(0.4, max(n_epochs, 4) + 0.6)
        ax.set_ylim(0, N + 0.3)
        ax.set_xticks(np.arange(1, n_epochs + 1, max(1, n_epochs // 8)))
        ax.set_yticks(np.arange(N + 1))
        self.invalidate()  # new limits and ticks: the cached background is stale

    def draw(self) -> None:
        gate, k, N = self.controls["gate"].value, self.frame, len(self.t)
        errors, last = self.run.errors_, len(self.run.history_)
        w, b = self.weights_at(k)
        self.panel.set_targets(self.X, self.t)
        n_wrong_now = int(np.sum(self.panel.set_weights(w, b) != self.t))

        if k == 0:
            epoch, so_far = 0, 0
            self.before.set_data([], [])
            self.current.set_offsets(np.empty((0, 2)))
            lines = [f"t = 0: zero weights w = {_vec(w)}, b = {_fmt(b)}; every sum h is 0, and h = 0 does not fire."]
            title = f"{gate.upper()}: start"
        else:
            epoch, position = (k - 1) // N + 1, (k - 1) % N
            _w, _b, i, so_far = self.run.history_[k - 1]
            w_before, b_before = self.weights_at(k - 1)
            x, target = self.X[i], self.t[i]
            y = float(predict(x[None, :], w_before, b_before)[0])
            self.current.set_offsets(x[None, :])
            geometry = _line_ends(w_before, b_before) if y != target else None
            self.before.set_data(*(geometry[0].T if geometry else ([], [])))
            if y == target:
                change = "correct, no change"
            else:
                sign = "+" if target > y else "−"
                change = f"wrong, so w ← w {sign} {self.lr:g}·x and b ← b {sign} {self.lr:g}"
            lines = [f"t = {k}: epoch {epoch}, sample {position + 1} of {N}: x = {_bits(x)}, target {int(target)}, "
                     f"output {int(y)}: {change}. Now w = {_vec(w)}, b = {_fmt(b)}."]
            title = f"{gate.upper()}: epoch {epoch}, sample {position + 1}"

        for e, bar in enumerate(self.bars):
            finished = e < epoch - 1 or (e == epoch - 1 and (k - 1) % N == N - 1)
            bar.set_height(errors[e] if e < epoch - 1 else so_far if e == epoch - 1 else 0)
            bar.set_alpha(1.0 if finished else 0.4)
        self.panel.ax.set_title(f"{title} · {n_wrong_now} misclassified now", fontsize=11)

        if k == last:
            lines.append(f"Converged: epoch {len(errors)} had no mistake (errors per epoch {errors})."
                         if self.run.converged_ else
                         f"Stopped after {len(errors)} epochs without converging: no line separates "
                         f"{gate.upper()} (errors per epoch {errors}).")
        if self.train_note:
            lines.append(self.train_note)
        self.status.value = "<br>".join(lines)


def decision_line_explorer(**kwargs):
    """A :class:`DecisionLineExplorer` (or a one-line note while nbgrader grades)."""
    return show(DecisionLineExplorer, **kwargs)


def training_player(**kwargs):
    """A :class:`TrainingPlayer` (or a one-line note while nbgrader grades)."""
    return show(TrainingPlayer, **kwargs)
