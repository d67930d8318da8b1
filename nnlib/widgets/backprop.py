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
either convention.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from matplotlib.patches import FancyArrowPatch

from nnlib.functional import activation_backward, activation_forward, dense_backward, dense_forward
from nnlib.widgets._base import show
from nnlib.widgets._diagram import DiagramWidget

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

# (key, title, formula) for each stage; stage 0 shows the untouched network.
STAGES = (
    ("start", "the network, before any computation", ""),
    ("z2", "forward: hidden pre-activations", "z2 = x W1 + b1"),
    ("a2", "forward: hidden activations", "a2 = sigmoid(z2)"),
    ("z3", "forward: output pre-activation", "z3 = a2 W2 + b2"),
    ("yhat", "forward: prediction", "yhat = sigmoid(z3)"),
    ("J", "forward: loss", "J = 1/2 (y - yhat)^2"),
    ("dz3", "backward: output delta", "dJ/dz3 = (yhat - y) yhat (1 - yhat)"),
    ("dW2", "backward: output weights and bias", "dJ/dW2 = a2^T dJ/dz3,  dJ/db2 = dJ/dz3"),
    ("dz2", "backward: hidden deltas", "dJ/dz2 = (dJ/dz3 W2^T) * a2 (1 - a2)"),
    ("dW1", "backward: hidden weights and biases", "dJ/dW1 = x^T dJ/dz2,  dJ/db1 = dJ/dz2"),
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


class BackpropAnimation(DiagramWidget):
    """Stage slider (with Play) through the 2-2-1 example; x1, x2 and y editable.

    ``values`` holds the numbers of the current inputs (see
    :func:`worked_example_values`); ``shown_text()`` returns every string on
    the figure, which is what the tests compare with the worked example.
    """

    FORWARD, BACKWARD, IDLE = "#1f77b4", "#d62728", "#444444"

    def __init__(self, stage: int = 0, x=WORKED_EXAMPLE["x"], y=WORKED_EXAMPLE["y"], interval_ms: int = 1500, hide=()):
        super().__init__(figsize=(9.0, 4.6), hide=hide, axes_rect=(0.0, 0.22, 1.0, 0.7))
        last = len(STAGES) - 1
        self.controls["play"] = widgets.Play(value=stage, min=0, max=last, interval=interval_ms, description="Play")
        self.controls["stage"] = widgets.IntSlider(value=stage, min=0, max=last, description="stage", continuous_update=True)
        # A kernel-side link (not jslink), so Play drives the slider without a browser too; both
        # controls then report the change, and update() skips the frame it has already drawn.
        self._link = widgets.link((self.controls["play"], "value"), (self.controls["stage"], "value"))
        text = dict(step=0.1, layout=widgets.Layout(width="150px"))
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
        pos = {"x1": (0.0, 0.9), "x2": (0.0, 0.1), "h1": (1.4, 0.9), "h2": (1.4, 0.1), "o": (2.5, 0.5), "J": (3.35, 0.5)}

        # Edges carry their weight (grey) and, once the backward pass reached it, its gradient (red).
        for i, xi in enumerate(("x1", "x2")):
            for j, hj in enumerate(("h1", "h2")):
                grad = fmt(v["dW1"][i, j]) if reached("dW1") else None
                self._edge(ax, (xi, pos[xi]), (hj, pos[hj]), v["W1"][i, j], grad, 0.5 if i == j else 0.2,
                           key in ("z2", "dW1"), key == "dW1")
        for j, hj in enumerate(("h1", "h2")):
            grad = fmt(v["dW2"][j, 0]) if reached("dW2") else None
            self._edge(ax, (hj, pos[hj]), ("o", pos["o"]), v["W2"][j, 0], grad, 0.45, key in ("z3", "dW2", "dz2"), key in ("dW2", "dz2"))
        self._edge(ax, ("o", pos["o"]), ("J", pos["J"]), None, None, 0.5, key in ("J", "dz3"), key == "dz3")

        # Nodes carry the values of the forward pass, then the deltas (db equals dz for one sample).
        for i, xi in enumerate(("x1", "x2")):
            self._node(ax, pos[xi], f"x{i + 1}={v['x'][0, i]:g}", key == "z2", False)
        for j, hj in enumerate(("h1", "h2")):
            lines = [f"b={v['b1'][j]:g}"]
            lines += [f"z={fmt(v['z2'][0, j])}"] if reached("z2") else []
            lines += [f"a={fmt(v['a2'][0, j])}"] if reached("a2") else []
            lines += [f"dz={fmt(v['dz2'][0, j])}"] if reached("dz2") else []
            self._node(ax, pos[hj], "\n".join(lines), key in ("z2", "a2", "dz2", "dW1"), key in ("dz2", "dW1"))
        lines = [f"b={v['b2'][0]:g}"]
        lines += [f"z={fmt(v['z3'][0, 0])}"] if reached("z3") else []
        lines += [f"yhat={fmt(v['yhat'][0, 0])}"] if reached("yhat") else []
        lines += [f"dz={fmt(v['dz3'][0, 0])}"] if reached("dz3") else []
        self._node(ax, pos["o"], "\n".join(lines), key in ("z3", "yhat", "dz3", "dW2"), key in ("dz3", "dW2"))
        lines = [f"y={v['y'][0, 0]:g}"] + ([f"J={fmt(v['J'])}"] if reached("J") else [])
        self._node(ax, pos["J"], "\n".join(lines), key == "J", False, square=True)

        # The rule of this stage, then its arithmetic.
        color = self.BACKWARD if key.startswith("d") else self.FORWARD
        fig.text(0.01, 0.14, formula, fontsize=10, family="monospace", va="center")
        fig.text(0.01, 0.05, self._arithmetic(key, v), fontsize=10, family="monospace", va="center", color=color)

    # half widths of the node boxes in data units, so that edges start and end at the boxes
    _HALF_WIDTH = {"x1": 0.25, "x2": 0.25, "h1": 0.4, "h2": 0.4, "o": 0.42, "J": 0.3}

    def _edge(self, ax, a, b, weight, grad, where, active, backward):
        color = (self.BACKWARD if backward else self.FORWARD) if active else "#bbbbbb"
        (pa, (xa, ya)), (pb, (xb, yb)) = a, b
        dx, dy = xb - xa, yb - ya
        t0, t1 = self._HALF_WIDTH[pa] / abs(dx), 1 - self._HALF_WIDTH[pb] / abs(dx)
        # A bare patch, not ax.annotate: no empty Text artist and no path clipping per frame.
        ax.add_artist(FancyArrowPatch((xa + t0 * dx, ya + t0 * dy), (xa + t1 * dx, ya + t1 * dy), arrowstyle="-|>",
                                     mutation_scale=14, color=color, lw=2.2 if active else 1.2, shrinkA=0, shrinkB=0))
        if weight is None:
            return
        x, y = xa + where * dx, ya + where * dy
        # Weight above the line, gradient below, each pushed sideways to the side the line
        # leaves free (right of a falling line's upper side, left of its lower side): no overlap.
        side = {-1: ("left", "right", 0.03), 0: ("center", "center", 0.0), 1: ("right", "left", -0.03)}[int(np.sign(dy))]
        ax.text(x + side[2], y + 0.04, f"{weight:g}", fontsize=9, ha=side[0], va="bottom", color=self.IDLE)
        if grad is not None:
            ax.text(x - side[2], y - 0.04, grad, fontsize=9, ha=side[1], va="top", color=self.BACKWARD)

    def _node(self, ax, p, text, active, backward, square=False):
        edge = (self.BACKWARD if backward else self.FORWARD) if active else self.IDLE
        ax.text(p[0], p[1], text, ha="center", va="center", fontsize=10,
                bbox=dict(boxstyle="square,pad=0.4" if square else "round,pad=0.5", fc="#f7f7f7", ec=edge, lw=2.5 if active else 1.2))

    @staticmethod
    def _arithmetic(key, v) -> str:
        x, a2, yhat, y = v["x"][0], v["a2"][0], v["yhat"][0, 0], v["y"][0, 0]
        if key == "start":
            return "press Play or move the stage slider; edges show weights (grey) and their gradients (red)"
        if key == "z2":
            return "z2 = (" + ", ".join(
                f"{x[0]:g}*{v['W1'][0, j]:g} + {x[1]:g}*{v['W1'][1, j]:g} + {v['b1'][j]:g}" for j in range(2)
            ) + f") = ({fmt(v['z2'][0, 0])}, {fmt(v['z2'][0, 1])})"
        if key == "a2":
            return f"a2 = (sigmoid({fmt(v['z2'][0, 0])}), sigmoid({fmt(v['z2'][0, 1])})) = ({fmt(a2[0])}, {fmt(a2[1])})"
        if key == "z3":
            return f"z3 = {fmt(a2[0])}*{v['W2'][0, 0]:g} + {fmt(a2[1])}*{v['W2'][1, 0]:g} + {v['b2'][0]:g} = {fmt(v['z3'][0, 0])}"
        if key == "yhat":
            return f"yhat = sigmoid({fmt(v['z3'][0, 0])}) = {fmt(yhat)}"
        if key == "J":
            return f"J = 1/2 ({y:g} - {fmt(yhat)})^2 = {fmt(v['J'])}"
        if key == "dz3":
            return f"dJ/dz3 = ({fmt(yhat)} - {y:g}) * {fmt(yhat)} * (1 - {fmt(yhat)}) = {fmt(v['dz3'][0, 0])}"
        if key == "dW2":
            return (f"dJ/dW2 = ({fmt(a2[0])}, {fmt(a2[1])}) * {fmt(v['dz3'][0, 0])} = "
                    f"({fmt(v['dW2'][0, 0])}, {fmt(v['dW2'][1, 0])});  dJ/db2 = {fmt(v['db2'][0])}")
        if key == "dz2":
            return (f"dJ/dz2 = {fmt(v['dz3'][0, 0])} * ({v['W2'][0, 0]:g}, {v['W2'][1, 0]:g}) * "
                    f"({fmt(a2[0] * (1 - a2[0]))}, {fmt(a2[1] * (1 - a2[1]))}) = ({fmt(v['dz2'][0, 0])}, {fmt(v['dz2'][0, 1])})")
        dW1 = v["dW1"]
        return (f"dJ/dW1 = [[{fmt(dW1[0, 0])}, {fmt(dW1[0, 1])}], [{fmt(dW1[1, 0])}, {fmt(dW1[1, 1])}]] "
                f"(row: input, column: hidden);  dJ/db1 = dJ/dz2")


def backprop_animation(**kwargs):
    """The 2-2-1 worked example, stage by stage (one line in the notebook)."""
    return show(BackpropAnimation, **kwargs)
