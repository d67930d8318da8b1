"""The 2-2-1 worked example of chapter 03, animated one stage at a time.

A sigmoid network with two inputs, two hidden units and one output, trained
on one sample with ``J = 1/2 (y - yhat)^2``.  The stage slider (or Play) walks
through the forward pass (z2, a2, z3, yhat, J) and then the backward pass
(dJ/dz3, dJ/dW2, dJ/dz2, dJ/dW1); every number appears on the network
diagram where it lives, and the line under the diagram shows the arithmetic
of the current stage.  Inputs and target are editable.

Numbers are computed batch first with ``nnlib.functional`` (W1 is (D, H) =
(2, 2), the transpose of the lecture notes' W^1); the diagram labels each
edge with the weight that connects its two units, so it reads the same in
either convention.  The formula line uses the notes' column form, as the
chapter's tables do, typeset with matplotlib's mathtext.

Drawing: the node boxes (named x1, x2, h1, h2, ŷ and J) are placed first and
measured, every arrow then runs from the edge of one box to the edge of the
next, and each edge's weight (grey, preferably above) and gradient (red,
preferably below) is slid along the edge to a spot where it touches no box,
no arrow and no other label (``_geometry.py``).
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from matplotlib.patches import FancyArrowPatch

from nnlib.functional import activation_backward, activation_forward, dense_backward, dense_forward
from nnlib.widgets._base import show
from nnlib.widgets._diagram import DiagramWidget
from nnlib.widgets._geometry import box_of, free_spot, label_spot, segment_between, to_data

__all__ = ["WORKED_EXAMPLE", "STAGES", "worked_example_values", "BackpropAnimation", "backprop_animation"]

# The 2-2-1 example of the notes, batch first: W1[i, j] connects input i to hidden unit j.
WORKED_EXAMPLE = {
    "x": (0.5, 0.8),
    "y": 1.0,
    "W1": ((0.2, 0.3), (0.4, 0.7)),  # (D, H): the notes' W^1 = [[0.2, 0.4], [0.3, 0.7]] transposed
    "b1": (0.1, 0.2),
    "W2": ((0.5,), (0.6,)),  # (H, 1)
    "b2": (0.3,),
}

# (key, title, formula) for each stage; stage 0 shows the untouched network.  The formulas are in the
# notes' column form (z^2 = W^1 x + b^1), as in the chapter's tables, written in mathtext.
STAGES = (
    ("start", "the network, before any computation", ""),
    ("z2", "forward: hidden pre-activations", r"$z^2 = W^1 x + b^1$"),
    ("a2", "forward: hidden activations", r"$a^2 = \sigma(z^2)$"),
    ("z3", "forward: output pre-activation", r"$z^3 = W^2 a^2 + b^2$"),
    ("yhat", "forward: prediction", r"$\hat{y} = \sigma(z^3)$"),
    ("J", "forward: loss", r"$J = \frac{1}{2}\,(y - \hat{y})^2$"),
    ("dz3", "backward: output delta", r"$\partial J/\partial z^3 = (\hat{y} - y)\,\hat{y}\,(1 - \hat{y})$"),
    ("dW2", "backward: output weights and bias",
     r"$\partial J/\partial W^2 = \partial J/\partial z^3\,(a^2)^{\top}, \quad \partial J/\partial b^2 = \partial J/\partial z^3$"),
    ("dz2", "backward: hidden deltas",
     r"$\partial J/\partial z^2 = (W^{2\top}\,\partial J/\partial z^3) \circ a^2 \circ (1 - a^2)$"),
    ("dW1", "backward: hidden weights and biases",
     r"$\partial J/\partial W^1 = \partial J/\partial z^2\,x^{\top}, \quad \partial J/\partial b^1 = \partial J/\partial z^2$"),
)
_STAGE_INDEX = {key: i for i, (key, _, _) in enumerate(STAGES)}


def worked_example_values(x=WORKED_EXAMPLE["x"], y=WORKED_EXAMPLE["y"], params=None):
    """Every intermediate number of the 2-2-1 example, batch first.

    Parameters
    ----------
    x : pair of floats, the input (one sample)
    y : float, the target
    params : dict with W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,); default the notes' values

    Returns
    -------
    dict of ndarrays: z2, a2 (1, 2); z3, yhat, dz3 (1, 1); J (float);
    dW2 (2, 1); db2 (1,); dz2 (1, 2); dW1 (2, 2); db1 (2,)
    """
    p = {k: np.asarray(WORKED_EXAMPLE[k] if params is None else params[k], dtype=float) for k in ("W1", "b1", "W2", "b2")}
    X = np.asarray(x, dtype=float).reshape(1, 2)  # (1, D)
    Y = np.full((1, 1), float(y))  # (1, 1)
    z2, dense1 = dense_forward(X, p["W1"], p["b1"])
    a2, act1 = activation_forward(z2, "sigmoid")
    z3, dense2 = dense_forward(a2, p["W2"], p["b2"])
    yhat, act2 = activation_forward(z3, "sigmoid")
    J = 0.5 * float(np.sum((Y - yhat) ** 2))
    dyhat = yhat - Y  # dJ/dyhat for J = 1/2 (y - yhat)^2 (the notes print y - yhat: a slip)
    dz3 = activation_backward(dyhat, act2)
    da2, dW2, db2 = dense_backward(dz3, dense2)
    dz2 = activation_backward(da2, act1)
    _, dW1, db1 = dense_backward(dz2, dense1)
    return {"x": X, "y": Y, **p, "z2": z2, "a2": a2, "z3": z3, "yhat": yhat, "J": J,
            "dz3": dz3, "dW2": dW2, "db2": db2, "dz2": dz2, "dW1": dW1, "db1": db1}


def fmt(v) -> str:
    """A computed number the way the chapter prints it: 4 significant digits (4 decimals from 1 up)."""
    v = float(v)
    return f"{v:.4f}" if abs(v) >= 1 else f"{v:#.4g}"


def _m(v) -> str:
    """fmt(v) for mathtext, in braces: its minus is then a sign, spaced as one, even after a comma."""
    return "{" + fmt(v) + "}"


class BackpropAnimation(DiagramWidget):
    """Stage slider (with Play) through the 2-2-1 example; x1, x2 and y editable.

    ``values`` holds the numbers of the current inputs (see
    :func:`worked_example_values`); ``shown_text()`` returns every string on
    the figure, which is what the tests compare with the worked example.
    After a frame, ``boxes`` maps each node's name to its display box,
    ``arrows`` holds the (start, end) display points of every arrow and
    ``edge_texts`` the weight and gradient labels.
    """

    FORWARD, BACKWARD, IDLE = "#1f77b4", "#d62728", "#444444"

    def __init__(self, stage: int = 0, x=WORKED_EXAMPLE["x"], y=WORKED_EXAMPLE["y"], interval_ms: int = 1500, hide=()):
        super().__init__(figsize=(8.6, 3.9), hide=hide, axes_rect=(0.0, 0.22, 1.0, 0.7))
        last = len(STAGES) - 1
        self.controls["play"] = widgets.Play(value=stage, min=0, max=last, interval=interval_ms, description="Play")
        self.controls["stage"] = widgets.IntSlider(value=stage, min=0, max=last, description="stage", continuous_update=True)
        # A kernel-side link (not jslink), so Play drives the slider without a browser too; both
        # controls then report the change, and update() skips the frame it has already drawn.
        self._link = widgets.link((self.controls["play"], "value"), (self.controls["stage"], "value"))
        text = dict(step=0.1)
        self.controls["x1"] = widgets.FloatText(value=float(x[0]), description="x1", **text)
        self.controls["x2"] = widgets.FloatText(value=float(x[1]), description="x2", **text)
        self.controls["y"] = widgets.FloatText(value=float(y), description="y", **text)
        self._drawn = None
        self.ax.set_xlim(-0.4, 3.6)
        self.ax.set_ylim(-0.15, 1.15)
        self._wire()

    # -- state ---------------------------------------------------------
    @property
    def stage(self) -> int:
        return int(self.controls["stage"].value)

    def _state(self):
        c = self.controls
        return (self.stage, float(c["x1"].value), float(c["x2"].value), float(c["y"].value))

    def shown_text(self) -> list[str]:
        """Every text drawn on the figure (node values, edge labels, the formula line)."""
        fig = self.view.figure
        return [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]

    # -- drawing -------------------------------------------------------
    def frame_key(self):
        return self._state()  # the stage and the inputs: the picture follows from them

    def forget_frames(self) -> None:
        super().forget_frames()
        self._drawn = None  # the same state at a new pixel ratio is a new frame

    def update(self) -> None:
        with self._lock:
            state = self._state()
            if state == self._drawn:  # Play and the slider both report one step: draw it once
                return
            self._drawn = state
            super().update()

    def draw(self) -> None:
        c = self.controls
        self.values = v = worked_example_values((c["x1"].value, c["x2"].value), c["y"].value)
        stage = self.stage
        reached = lambda key: stage >= _STAGE_INDEX[key]  # noqa: E731 - tiny predicate
        key, title, formula = STAGES[stage]

        fig, ax = self.view.figure, self.ax
        fig.text(0.01, 0.96, f"stage {stage}/{len(STAGES) - 1}: {title}", fontsize=12, va="center")
        pos = {"x1": (0.0, 0.9), "x2": (0.0, 0.1), "h1": (1.45, 0.88), "h2": (1.45, 0.12), "o": (2.5, 0.5),
               "J": (3.25, 0.5)}

        # 1. Nodes, named, with the values of the forward pass, then the deltas (db equals dz for one sample).
        nodes = {}
        for i, xi in enumerate(("x1", "x2")):
            nodes[xi] = self._node(ax, pos[xi], [rf"$x_{i + 1} = {v['x'][0, i]:g}$"], key == "z2", False)
        for j, hj in enumerate(("h1", "h2")):
            lines = [rf"$h_{j + 1}$", rf"$b = {v['b1'][j]:g}$"]
            lines += [rf"$z = {fmt(v['z2'][0, j])}$"] if reached("z2") else []
            lines += [rf"$a = {fmt(v['a2'][0, j])}$"] if reached("a2") else []
            lines += [rf"$\partial J/\partial z = {fmt(v['dz2'][0, j])}$"] if reached("dz2") else []
            nodes[hj] = self._node(ax, pos[hj], lines, key in ("z2", "a2", "dz2", "dW1"), key in ("dz2", "dW1"))
        lines = [r"$\hat{y}$", rf"$b = {v['b2'][0]:g}$"]
        lines += [rf"$z = {fmt(v['z3'][0, 0])}$"] if reached("z3") else []
        lines += [rf"$\hat{{y}} = {fmt(v['yhat'][0, 0])}$"] if reached("yhat") else []
        lines += [rf"$\partial J/\partial z = {fmt(v['dz3'][0, 0])}$"] if reached("dz3") else []
        nodes["o"] = self._node(ax, pos["o"], lines, key in ("z3", "yhat", "dz3", "dW2"), key in ("dz3", "dW2"))
        lines = [r"$J$", rf"$y = {v['y'][0, 0]:g}$"] + ([rf"$J = {fmt(v['J'])}$"] if reached("J") else [])
        nodes["J"] = self._node(ax, pos["J"], lines, key == "J", False, square=True)
        renderer = fig.canvas.get_renderer()
        self._scale = fig.dpi / 72  # pixels per point
        self.boxes = {name: box_of(text, renderer) for name, text in nodes.items()}

        # 2. Arrows from box to box; each edge carries its weight (grey) and, once the backward pass
        # reached it, its gradient (red).
        self.arrows, self.edge_texts, labels = [], [], []
        for i, xi in enumerate(("x1", "x2")):
            for j, hj in enumerate(("h1", "h2")):
                grad = fmt(v["dW1"][i, j]) if reached("dW1") else None
                labels += self._edge(ax, xi, hj, v["W1"][i, j], grad, key in ("z2", "dW1"), key == "dW1")
        for j, hj in enumerate(("h1", "h2")):
            grad = fmt(v["dW2"][j, 0]) if reached("dW2") else None
            labels += self._edge(ax, hj, "o", v["W2"][j, 0], grad, key in ("z3", "dW2", "dz2"), key in ("dW2", "dz2"))
        self._edge(ax, "o", "J", None, None, key in ("J", "dz3"), key == "dz3")

        # 3. The labels, each beside its own edge where it touches no box, arrow or other label.
        taken = list(self.boxes.values())
        segments = [(start, end) for start, end in self.arrows]
        for start, end, side, text, color in labels:
            artist = ax.text(0.0, 0.0, text, fontsize=9.5, color=color)

            def place(side_, where, artist=artist, start=start, end=end):
                (lx, ly), ha, va = label_spot(start, end, side_, gap=3.0 * self._scale, where=where)
                artist.set_position(to_data(ax, (lx, ly)))
                artist.set_horizontalalignment(ha)
                artist.set_verticalalignment(va)
                return artist.get_window_extent(renderer)

            _, box = free_spot(place, taken, segments, margin=3.0 * self._scale, sides=(side, -side),
                               tries=(0.3, 0.25, 0.35, 0.4, 0.2, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7), own=(start, end))
            taken.append(box)
            self.edge_texts.append(artist)

        # The rule of this stage, then its arithmetic.
        color = self.BACKWARD if key.startswith("d") else self.FORWARD
        # 9.5 pt (12.7 CSS px): the longest line (dJ/dW1) fits the 8.6-inch figure
        fig.text(0.01, 0.14, formula, fontsize=9.5, va="center")
        fig.text(0.01, 0.05, self._arithmetic(key, v), fontsize=9.5, va="center", color=color)

    def _edge(self, ax, a, b, weight, grad, active, backward):
        """Draw the arrow a -> b from box edge to box edge; return its labels, to be placed once all arrows are in."""
        color = (self.BACKWARD if backward else self.FORWARD) if active else "#bbbbbb"
        start, end = segment_between(self.boxes[a], self.boxes[b])
        # A bare patch, not ax.annotate: no empty Text artist and no path clipping per frame.
        ax.add_artist(FancyArrowPatch(to_data(ax, start), to_data(ax, end), arrowstyle="-|>", mutation_scale=14,
                                     color=color, lw=2.2 if active else 1.2, shrinkA=0, shrinkB=0))
        self.arrows.append((start, end))
        labels = [] if weight is None else [(start, end, 1, f"${weight:g}$", self.IDLE)]
        if grad is not None:
            labels.append((start, end, -1, f"${grad}$", self.BACKWARD))
        return labels

    def _node(self, ax, p, lines, active, backward, square=False):
        edge = (self.BACKWARD if backward else self.FORWARD) if active else self.IDLE
        return ax.text(p[0], p[1], "\n".join(lines), ha="center", va="center", fontsize=10, linespacing=1.25,
                       bbox=dict(boxstyle="square,pad=0.35" if square else "round,pad=0.35", fc="#f7f7f7", ec=edge,
                                 lw=2.5 if active else 1.2))

    @staticmethod
    def _arithmetic(key, v) -> str:
        """The arithmetic of a stage, in mathtext (numbers as the chapter prints them)."""
        x, a2, yhat, y = v["x"][0], v["a2"][0], v["yhat"][0, 0], v["y"][0, 0]
        if key == "start":
            return "press Play or move the stage slider; edges show weights (grey) and their gradients (red)"
        if key == "z2":
            return "$z^2 = (" + ",\\ ".join(
                rf"{x[0]:g} \cdot {v['W1'][0, j]:g} + {x[1]:g} \cdot {v['W1'][1, j]:g} + {v['b1'][j]:g}" for j in range(2)
            ) + f") = ({_m(v['z2'][0, 0])}, {_m(v['z2'][0, 1])})$"
        if key == "a2":
            return (rf"$a^2 = (\sigma({_m(v['z2'][0, 0])}), \sigma({_m(v['z2'][0, 1])})) = "
                    rf"({_m(a2[0])}, {_m(a2[1])})$")
        if key == "z3":
            return (rf"$z^3 = {_m(a2[0])} \cdot {v['W2'][0, 0]:g} + {_m(a2[1])} \cdot {v['W2'][1, 0]:g} + "
                    rf"{v['b2'][0]:g} = {_m(v['z3'][0, 0])}$")
        if key == "yhat":
            return rf"$\hat{{y}} = \sigma({_m(v['z3'][0, 0])}) = {_m(yhat)}$"
        if key == "J":
            return rf"$J = \frac{{1}}{{2}}\,({y:g} - {_m(yhat)})^2 = {_m(v['J'])}$"
        if key == "dz3":
            return (rf"$\partial J/\partial z^3 = ({_m(yhat)} - {y:g}) \cdot {_m(yhat)} \cdot (1 - {_m(yhat)}) = "
                    rf"{_m(v['dz3'][0, 0])}$")
        if key == "dW2":
            return (rf"$\partial J/\partial W^2 = {_m(v['dz3'][0, 0])} \cdot ({_m(a2[0])}, {_m(a2[1])}) = "
                    rf"({_m(v['dW2'][0, 0])}, {_m(v['dW2'][1, 0])}), \quad \partial J/\partial b^2 = {_m(v['db2'][0])}$")
        if key == "dz2":
            return (rf"$\partial J/\partial z^2 = {_m(v['dz3'][0, 0])} \cdot ({v['W2'][0, 0]:g}, {v['W2'][1, 0]:g}) "
                    rf"\circ ({_m(a2[0] * (1 - a2[0]))}, {_m(a2[1] * (1 - a2[1]))}) = "
                    rf"({_m(v['dz2'][0, 0])}, {_m(v['dz2'][0, 1])})$")
        dW1 = v["dW1"].T  # the notes' layout: row = hidden unit, column = input
        return (rf"$\partial J/\partial W^1 = [[{_m(dW1[0, 0])}, {_m(dW1[0, 1])}], [{_m(dW1[1, 0])}, {_m(dW1[1, 1])}]]$"
                r" (row: hidden unit, column: input),  $\partial J/\partial b^1 = \partial J/\partial z^2$")


def backprop_animation(**kwargs):
    """The 2-2-1 worked example, stage by stage (one line in the notebook)."""
    return show(BackpropAnimation, **kwargs)
