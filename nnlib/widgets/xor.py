"""Chapter 02 widget: how a ReLU hidden layer bends the XOR input space.

The 2-2-1 network ``h = relu(x W + c)``, ``y = h w + b`` (identity output),
classifies an input as 1 where ``y > 0.5``.  Three panels:

- **input space**: the square [-0.5, 1.5]² with a grid, the four XOR points,
  and the two lines where a hidden unit's ReLU bends (``x W[:, j] + c_j = 0``);
- **hidden space**: the same grid and points after the hidden layer.  ReLU
  folds everything on the negative side of a line onto an axis, so the grid
  creases; with the default weights (1, 0) and (0, 1) land on the same point
  and the output's straight line ``w·h + b = 0.5`` (fixed, dashed) separates
  the classes that no straight line separates in input space;
- **decision regions**: the output ``y > 0.5`` over input space, which is no
  longer a half-plane.

Sliders move the four hidden weights and the two hidden biases; the output
weights ``w`` and ``b`` are fixed at construction.

"Your code powers this": pass ``forward=`` the student's ``mlp_forward``; if
it agrees with :func:`nnlib.mlp.mlp_forward` on a probe network, every frame
is computed by it (one call for the grid, the points and the image), and the
status line says so; otherwise nnlib's is used, with a visible note.

Speed: one forward call per frame (about 9,600 points: grid lines, the four
inputs and a 90 x 90 decision image), artists updated in place over a cached
background; about 27 ms a frame (median, 2 cores), most of it PNG encoding.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap

from nnlib.data import logic_gate
from nnlib.mlp import mlp_forward
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets._lecture import lecture_view

__all__ = ["XorSpaceWarp", "xor_space_warp", "probe_forward"]

ACTIVATIONS = ["relu", "identity"]
LIMITS = (-0.5, 1.5)  # input square shown
THRESHOLD = 0.5  # class 1 where y > 0.5
COLORS = {"t0": "#f2a541", "t1": "#2a6fb0", "grid": "#9a9a9a", "fold": "#2ca02c", "line": "#222222"}
_GRID_LINES = np.linspace(*LIMITS, 9)  # 9 vertical + 9 horizontal grid lines
_LINE_POINTS = 81  # points per grid line: bends show where ReLU cuts a line
_IMAGE_SIZE = 90  # decision image is _IMAGE_SIZE x _IMAGE_SIZE


def _grid_segments() -> np.ndarray:
    """Grid lines as polylines: (18, _LINE_POINTS, 2), vertical lines first."""
    t = np.linspace(*LIMITS, _LINE_POINTS)  # (P,)
    vertical = np.stack([np.broadcast_to(_GRID_LINES[:, None], (9, t.size)), np.broadcast_to(t, (9, t.size))], axis=-1)
    horizontal = vertical[..., ::-1]
    return np.concatenate([vertical, horizontal])  # (18, P, 2)


_GRID = _grid_segments()
_u = np.linspace(*LIMITS, _IMAGE_SIZE)
_IMAGE_X = np.stack(np.meshgrid(_u, _u), axis=-1).reshape(-1, 2)  # (S*S, 2), rows run along x1
_POINTS, _TARGETS = logic_gate("xor")  # (4, 2), (4,)


def _network(W, c, w, b):
    """The (W, b) list of :func:`nnlib.mlp.mlp_forward` for the 2-2-1 net."""
    return [(np.asarray(W, dtype=float).reshape(2, 2), np.asarray(c, dtype=float).reshape(2)),
            (np.asarray(w, dtype=float).reshape(2, 1), np.asarray([b], dtype=float).reshape(1))]


def probe_forward(forward) -> tuple[bool, str]:
    """Does ``forward`` agree with nnlib's ``mlp_forward`` on a small random network?

    Returns ``(ok, note)``; ``note`` says why not (not implemented, raised,
    different output or caches).  Outputs and caches must agree to 1e-9.
    """
    name = getattr(forward, "__name__", "forward")
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5, 2))  # (5, 2)
    params = [(rng.normal(size=(2, 3)), rng.normal(size=3)), (rng.normal(size=(3, 1)), rng.normal(size=1))]
    expected, expected_caches = mlp_forward(X, params, ACTIVATIONS)
    try:
        A, caches = forward(X.copy(), [(W.copy(), b.copy()) for W, b in params], list(ACTIVATIONS))
        A = np.asarray(A, dtype=float)
        ok = A.shape == expected.shape and np.allclose(A, expected, rtol=1e-9, atol=1e-12)
        ok = ok and len(caches) == 2 and all(
            np.allclose(np.asarray(mine, dtype=float), ref, rtol=1e-9, atol=1e-12)
            for cache, ref_cache in zip(caches, expected_caches) for mine, ref in zip(cache, ref_cache))
    except NotImplementedError:
        return False, f"your <code>{name}</code> is not implemented yet, so nnlib's mlp_forward draws this."
    except Exception as exc:  # a bug in the student's code must not break the widget
        return False, f"your <code>{name}</code> raised {type(exc).__name__}: {exc}; nnlib's mlp_forward draws this."
    if not ok:
        return False, (f"your <code>{name}</code> does not yet agree with nnlib's on a test network "
                       "(output or caches differ), so nnlib's mlp_forward draws this.")
    return True, f"✓ using your <code>{name}</code>: every frame is computed by your code."


class XorSpaceWarp(BlittedWidget):
    """The XOR input square, its image in the hidden layer, and the decision regions.

    Parameters
    ----------
    W : 2x2 array_like
        Hidden weights, ``W[i, j]`` from input i to hidden unit j (batch first:
        ``h = relu(x @ W + c)``).  Sliders ``w11, w12, w21, w22`` span -2..2.
    c : 2 floats
        Hidden biases (sliders ``c1``, ``c2``).
    w : 2 floats
        Output weights (fixed).
    b : float
        Output bias (fixed).
    forward : callable or None
        A student's ``mlp_forward(X, params, activations) -> (A_out, caches)``;
        used when it agrees with nnlib's on a probe, else nnlib's is used.
    hide : iterable of str
        Controls to keep off the screen.

    Attributes
    ----------
    hidden : ndarray, shape (4, 2)
        Hidden values h of the four XOR inputs 00, 01, 10, 11.
    outputs : ndarray, shape (4,)
        Outputs y of the four inputs.
    predictions : ndarray, shape (4,)
        ``outputs > 0.5`` as 0/1.
    using_student : bool
        Whether ``forward`` draws the frames.
    """

    def __init__(self, W=((1.0, 1.0), (1.0, 1.0)), c=(0.0, -1.0), w=(1.0, -2.0), b=0.0, forward=None, hide=()):
        super().__init__(figsize=(8.6, 3.1), hide=hide)
        W = np.asarray(W, dtype=float)
        if W.shape != (2, 2):
            raise ValueError(f"W must have shape (2, 2), got {W.shape}")
        c = np.asarray(c, dtype=float).reshape(-1)
        w = np.asarray(w, dtype=float).reshape(-1)
        if c.shape != (2,) or w.shape != (2,):
            raise ValueError(f"c and w must hold 2 numbers each, got c {c.shape} and w {w.shape}")
        self.w, self.b = w, float(b)
        for (i, j) in np.ndindex(2, 2):
            self.controls[f"w{i + 1}{j + 1}"] = self._slider(f"w{i + 1}{j + 1}", W[i, j])
        for j in range(2):
            self.controls[f"c{j + 1}"] = self._slider(f"c{j + 1}", c[j])
        self.forward, self.using_student, self.note = mlp_forward, False, ""
        if forward is not None:
            self.using_student, self.note = probe_forward(forward)
            if self.using_student:
                self.forward = forward
        self._wire()

    @staticmethod
    def _slider(name, value):
        return widgets.FloatSlider(value=float(value), min=-2.0, max=2.0, step=0.05, description=name,
                                   continuous_update=True, readout_format=".2f")

    @property
    def weights(self):
        """Current hidden weights W (2, 2) and biases c (2,)."""
        W = np.array([[self.controls[f"w{i}{j}"].value for j in (1, 2)] for i in (1, 2)])  # (2, 2)
        c = np.array([self.controls["c1"].value, self.controls["c2"].value])  # (2,)
        return W, c

    # -- computing --------------------------------------------------------------
    def compute(self):
        """Hidden values and outputs for grid, points and image in one forward call."""
        W, c = self.weights
        X = np.concatenate([_GRID.reshape(-1, 2), _POINTS, _IMAGE_X])  # (M, 2)
        params = _network(W, c, self.w, self.b)
        try:
            A, caches = self.forward(X, params, list(ACTIVATIONS))
            H, A = np.asarray(caches[0][2], dtype=float), np.asarray(A, dtype=float).reshape(-1)
            if H.shape != (len(X), 2) or A.shape != (len(X),):
                raise ValueError(f"returned hidden values of shape {H.shape} and outputs of shape {A.shape}")
        except Exception as exc:  # the student's code failed on these weights: fall back for good
            if self.forward is mlp_forward:
                raise
            name = getattr(self.forward, "__name__", "forward")
            self.forward, self.using_student = mlp_forward, False
            self.note = (f"your <code>{name}</code> raised {type(exc).__name__}: {exc} on these weights; "
                         "nnlib's mlp_forward draws from here on.")
            return self.compute()
        n_grid = _GRID.shape[0] * _GRID.shape[1]
        return (H[:n_grid].reshape(_GRID.shape), H[n_grid:n_grid + 4], A[n_grid:n_grid + 4],
                A[n_grid + 4:].reshape(_IMAGE_SIZE, _IMAGE_SIZE))

    # -- drawing ----------------------------------------------------------------
    def build(self) -> None:
        fig = self.view.figure
        self.ax_in, self.ax_h, self.ax_out = fig.subplots(1, 3)
        colors = [COLORS["t1"] if t else COLORS["t0"] for t in _TARGETS]
        for ax, title in ((self.ax_in, "input space x"), (self.ax_h, "hidden space h = relu(x W + c)"),
                          (self.ax_out, f"decision regions: y > {THRESHOLD}")):
            ax.set_title(title, fontsize=10.5)
            ax.set_aspect("equal")
        for ax in (self.ax_in, self.ax_out):
            ax.set_xlim(*LIMITS)
            ax.set_ylim(*LIMITS)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$", rotation=0, labelpad=8)
        self.ax_h.set_xlabel("$h_1$")
        self.ax_h.set_ylabel("$h_2$", rotation=0, labelpad=8)

        # input space: static grid and points, moving fold lines
        self.ax_in.add_collection(LineCollection(_GRID, colors=COLORS["grid"], linewidths=0.8, zorder=1))
        self.folds = [self.ax_in.plot([], [], color=COLORS["fold"], lw=2, ls=ls, zorder=3, label=f"unit {j} bends")[0]
                      for j, ls in ((1, "-"), (2, "--"))]
        self.in_points = self.ax_in.scatter(_POINTS[:, 0], _POINTS[:, 1], c=colors, s=140, edgecolors="#222222",
                                            zorder=4)
        self.ax_in.legend(loc="upper center", fontsize=9, framealpha=0.85, handlelength=1.8, borderaxespad=0.2)

        # hidden space: moving grid and points, static output line
        self.h_grid = LineCollection(_GRID, colors=COLORS["grid"], linewidths=0.8, zorder=1)
        self.ax_h.add_collection(self.h_grid)
        self.h_points = self.ax_h.scatter(_POINTS[:, 0], _POINTS[:, 1], c=colors, s=140, edgecolors="#222222", zorder=4)
        self.h_labels = [self.ax_h.text(0, 0, "", fontsize=9, zorder=5, ha="left", va="bottom") for _ in range(4)]
        self.out_line = self.ax_h.plot([], [], color=COLORS["line"], lw=1.5, ls="--", zorder=2)[0]
        # two lines: at a legible 9 pt one line is wider than the panel
        self.ax_h.plot([], [], color=COLORS["line"], lw=1.5, ls="--", label=f"output boundary\nw·h + b = {THRESHOLD}")
        self.ax_h.legend(loc="upper left", fontsize=9, framealpha=0.85, handlelength=1.8)
        self._h_limits = None

        # decision regions: moving image, static points
        regions = ListedColormap(["#fbe3c2", "#cfe0f1"])  # light orange (y = 0), light blue (y = 1)
        self.image = self.ax_out.imshow(np.zeros((_IMAGE_SIZE, _IMAGE_SIZE)), extent=(*LIMITS, *LIMITS),
                                        origin="lower", cmap=regions, vmin=0, vmax=1, interpolation="nearest", zorder=0)
        self.out_points = self.ax_out.scatter(_POINTS[:, 0], _POINTS[:, 1], c=colors, s=140, edgecolors="#222222",
                                              zorder=4)
        self.wrong = self.ax_out.scatter(np.empty(0), np.empty(0), s=420, facecolors="none", edgecolors="#d62728",
                                         linewidths=2.5, zorder=5)

    def background_key(self):
        return self._h_limits  # the hidden panel's limits are the only static part that changes

    def moving(self) -> list:
        # Drawn over the static background in zorder (a stable sort), as a full draw would: spines and
        # legends that lie above a moving artist are redrawn too, so a fast frame equals a full redraw.
        changing = [*self.folds, self.in_points, self.h_grid, self.out_line, self.h_points, *self.h_labels,
                    self.image, self.out_points, self.wrong, self.ax_out.title]
        above = [spine for ax in (self.ax_in, self.ax_h, self.ax_out) for spine in ax.spines.values()]
        above += [self.ax_in.get_legend(), self.ax_h.get_legend()]
        return sorted(changing + above, key=lambda artist: artist.get_zorder())

    @staticmethod
    def _hidden_limits(hidden_points):
        """Limits of the hidden panel: at least [-0.3, 3], grown in whole units to keep the four points in view.

        The grid beyond may leave the window; stable limits mean the static
        background is rarely redrawn while a slider moves.
        """
        return (-0.3, max(3.0, float(np.ceil(np.max(hidden_points) + 0.5))))

    def _set_output_line(self, limits):
        """The output's boundary ``w·h + b = 0.5`` across the hidden panel (fixed by w, b)."""
        lo, hi = limits
        w1, w2 = self.w
        if abs(w2) > 1e-12:
            h1 = np.array([lo, hi])
            self.out_line.set_data(h1, (THRESHOLD - self.b - w1 * h1) / w2)
        elif abs(w1) > 1e-12:
            x = (THRESHOLD - self.b) / w1
            self.out_line.set_data([x, x], [lo, hi])
        else:
            self.out_line.set_data([], [])

    def draw(self) -> None:
        W, c = self.weights
        hidden_grid, self.hidden, out, image = self.compute()
        self.outputs = out
        self.predictions = (out > THRESHOLD).astype(int)

        limits = self._hidden_limits(self.hidden)
        if limits != self._h_limits:  # rescaled axes: redraw the static background
            self._h_limits = limits
            self.ax_h.set_xlim(*limits)
            self.ax_h.set_ylim(*limits)
            self._set_output_line(limits)
            self.invalidate()

        for j, line in enumerate(self.folds):  # x1 W[0, j] + x2 W[1, j] + c_j = 0
            a, bb, cj = W[0, j], W[1, j], c[j]
            if abs(bb) > 1e-12:
                x1 = np.array(LIMITS)
                line.set_data(x1, -(cj + a * x1) / bb)
            elif abs(a) > 1e-12:
                line.set_data([-cj / a] * 2, list(LIMITS))
            else:
                line.set_data([], [])
        self.h_grid.set_segments(hidden_grid)
        self.h_points.set_offsets(self.hidden)
        for k, (label, h) in enumerate(zip(self.h_labels, self.hidden)):
            same = [m for m in range(4) if np.allclose(self.hidden[m], h)]
            label.set_visible(same[0] == k)  # one label per distinct point
            label.set_position((h[0] + 0.06, h[1] + 0.06))
            label.set_text(", ".join(f"{int(_POINTS[m, 0])}{int(_POINTS[m, 1])}" for m in same))
        self.image.set_data((image > THRESHOLD).astype(float))
        wrong = self.predictions != _TARGETS
        self.wrong.set_offsets(_POINTS[wrong].reshape(-1, 2))
        n_wrong = int(wrong.sum())
        # The verdict on a line of its own: one line is wider than the panel in an 8.6-inch figure.
        self.ax_out.set_title(f"decision regions: y > {THRESHOLD}\n"
                              + ("XOR solved" if n_wrong == 0 else f"{n_wrong} wrong"), fontsize=10.5,
                              color="#1a7f37" if n_wrong == 0 else "#d62728")
        rows = " &nbsp;·&nbsp; ".join(
            f"x = ({int(x[0])}, {int(x[1])}) → h = ({h[0]:.2f}, {h[1]:.2f}) → y = {y:.2f}"
            for x, h, y in zip(_POINTS, self.hidden, out)).replace("-", "−")
        engine = self.note or "nnlib's mlp_forward draws this (pass forward=your mlp_forward to use yours)."
        # the lecture view runs the solution: which function draws is a note for students only
        self.status.value = rows if lecture_view() else f"{rows}<br>{engine}"


def xor_space_warp(W=((1.0, 1.0), (1.0, 1.0)), c=(0.0, -1.0), hide=(), forward=None, **kwargs):
    """An :class:`XorSpaceWarp` (or a one-line note while nbgrader grades)."""
    return show(XorSpaceWarp, W=W, c=c, hide=hide, forward=forward, **kwargs)
