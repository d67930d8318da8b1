"""Per-layer histograms of activations and gradients through a deep stack, for depth x activation x init.

:class:`SignalHistograms` pushes 200 samples of ``N(0, 1)`` noise through
``depth`` square layers of width 256 (no biases, as at initialisation) and
sends the gradient of ``L = sum of the outputs`` back
(:func:`nnlib.propagation.deep_signals`, seed 0).  Top row: the histogram of
each layer's activations; bottom row: of each layer's gradient ``dL/dZ``;
each histogram is drawn to its own width (its std, or the gradient's root
mean square, written above it) so that its shape shows whatever its scale.  The right panel puts the scales
side by side on a log axis: the picture of the chapter's table.

- N(0, 0.01^2) with tanh: the signal shrinks ~6-fold a layer and dies;
- N(0, 1) with tanh: every unit saturates at +-1 and the gradients vanish;
- N(0, 1) with ReLU: the std grows ~11-fold a layer (3e10 after ten);
- Xavier with tanh and He with ReLU: the scale stays put.

The forward pass of one activation and init is computed once for ten
layers and kept; a shallower net is its first layers (the draws come in
layer order), so changing the depth only reruns the backward pass.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection

from nnlib.activations import ACTIVATIONS
from nnlib.propagation import deep_signals
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget

__all__ = ["INITS", "SignalHistograms", "signal_histograms"]

#: label shown in the drop-down -> ``init`` of nnlib.propagation (a std or a scheme)
INITS = {"N(0, 0.01²)": 0.01, "N(0, 1)": 1.0, "Xavier": "xavier_normal", "He": "he_normal"}
ACTIVATION_NAMES = ("tanh", "relu", "sigmoid")
MAX_DEPTH, WIDTH, SAMPLES, SEED = 10, 256, 200, 0
BINS = 24
SHOWN = 40  # rows of each layer drawn in its histogram (40 x 256 values); the std uses all 200
COLORS = {"A": "#1f4e79", "dZ": "#c0392b"}
STD_LIM = (1e-12, 1e12)


def _short(value: float) -> str:
    """A std in at most five characters: 0.83, 1e-08, 3e+10 -> 0.83, 1e-8, 3e10."""
    if value == 0:
        return "0"
    if 1e-2 <= value < 100:
        return f"{value:.2g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _histogram_outline(values: np.ndarray, slot: int) -> tuple[np.ndarray, float]:
    """A step outline of ``values`` scaled into the slot [slot + 0.08, slot + 0.92] x [0, 1]; and its half-width.

    The histogram spans [-h, h], h the 99.5th percentile of |values|, with heights
    relative to the second-tallest bin (ReLU's spike of zeros is cut at 1.08).
    """
    # the 99.5th percentile of |v|, not the max: a few large values in a heavy tail would squash the rest
    half = float(np.percentile(np.abs(values), 99.5)) if values.size else 0.0
    if not np.isfinite(half) or half == 0.0:
        half = 1.0
    counts, _ = np.histogram(values, bins=BINS, range=(-half, half))
    tallest = np.sort(counts)[-2] if np.count_nonzero(counts) > 1 else counts.max()  # a ReLU spike at 0 is cut
    heights = np.minimum(counts / max(tallest, 1), 1.08)  # (BINS,)
    xs = slot + 0.08 + 0.84 * np.arange(BINS + 1) / BINS  # (BINS + 1,) bin edges in the slot
    x = np.repeat(xs, 2)[1:-1]  # (2 BINS,) a step outline
    y = np.repeat(heights, 2)  # (2 BINS,)
    outline = np.column_stack([np.r_[xs[0], x, xs[-1]], np.r_[0.0, y, 0.0]])  # (2 BINS + 2, 2)
    return outline, half


class SignalHistograms(BlittedWidget):
    """Histograms of every layer's activations and gradients, for a depth, an activation and an init.

    Parameters
    ----------
    depth : int
        Layers, 2 to 10.
    activation : {"tanh", "relu", "sigmoid"}
    init : str
        A key of :data:`INITS`: "N(0, 0.01²)", "N(0, 1)", "Xavier", "He".
    hide : iterable of str
        Controls to keep off the screen: any of "depth", "activation", "init".

    Attributes
    ----------
    act_stds : ndarray, (depth,)
        The std of each layer's activations, as shown.
    grad_rms : ndarray, (depth,)
        The root mean square of each layer's gradient dL/dZ (its size; near the
        output of a tanh net the gradient is about 1 everywhere, with std ~0).
    """

    def __init__(self, depth=10, activation="relu", init="He", hide=()):
        if activation not in ACTIVATION_NAMES:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATION_NAMES)}, got {activation!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {init!r}")
        super().__init__(figsize=(8.6, 3.9), hide=hide)
        self._forward: dict = {}  # (activation, init) -> deep_signals of MAX_DEPTH layers, forward only
        self._backward: dict = {}  # (activation, init, depth) -> list of dZ
        self._shown: dict = {}  # (activation, init, depth) -> (act_stds, grad_rms, histogram outlines)
        self.controls["depth"] = widgets.IntSlider(value=depth, min=2, max=MAX_DEPTH, step=1, description="depth",
                                                   continuous_update=True)
        self.controls["activation"] = widgets.Dropdown(options=list(ACTIVATION_NAMES), value=activation,
                                                       description="activation")
        self.controls["init"] = widgets.Dropdown(options=list(INITS), value=init, description="init")
        self._wire()

    # -- the numbers --------------------------------------------------------------------
    def signals(self, activation: str, init: str, depth: int):
        """(activations, gradients) of the first ``depth`` layers: lists of (200, 256) arrays."""
        key = (activation, init)
        if key not in self._forward:
            self._forward[key] = deep_signals(MAX_DEPTH, WIDTH, INITS[init], activation, rng=SEED,
                                              n_samples=SAMPLES, backward=False)
        forward = self._forward[key]
        if (activation, init, depth) not in self._backward:
            f_grad = ACTIVATIONS[activation][1]
            dA = np.ones_like(forward["A"][depth - 1])  # (200, 256) dL/dA for L = sum of the outputs
            grads = []
            for W, Z in zip(reversed(forward["W"][:depth]), reversed(forward["Z"][:depth])):
                dZ = dA * f_grad(Z)  # (200, 256)
                grads.append(dZ)
                dA = dZ @ W.T
            self._backward[(activation, init, depth)] = grads[::-1]
        return forward["A"][:depth], self._backward[(activation, init, depth)]

    # -- drawing --------------------------------------------------------------------------
    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)
        self.rows = {}
        self.texts = {}
        for row, (name, label, bottom) in enumerate((("A", "activations", 0.56), ("dZ", "gradients dL/dZ", 0.13))):
            ax = fig.add_axes((0.07, bottom, 0.6, 0.33))
            ax.set_xlim(0, MAX_DEPTH)
            ax.set_ylim(0, 1.45)
            ax.set_yticks([])
            ax.set_xticks(np.arange(MAX_DEPTH) + 0.5, [str(k + 1) for k in range(MAX_DEPTH)], fontsize=9.5)
            ax.tick_params(axis="x", length=0, pad=2)
            ax.set_ylabel(label, fontsize=10, color=COLORS[name])
            for k in range(1, MAX_DEPTH):
                ax.axvline(k, color="#dddddd", lw=0.8, zorder=0)
            if row == 1:
                ax.set_xlabel("layer (each histogram at its own width; its std or rms above it)", fontsize=10)
            # zorder 3, above the spines: a blitted frame draws it last, a full draw must agree
            poly = PolyCollection([], facecolors=COLORS[name], edgecolors=COLORS[name], alpha=0.55, linewidths=1.0,
                                  zorder=3)
            ax.add_collection(poly)
            self.rows[name] = (ax, poly)
            self.texts[name] = [ax.text(k + 0.5, 1.27, "", ha="center", va="center", fontsize=9, color="#333333")
                                for k in range(MAX_DEPTH)]
        self.ax_std = fig.add_axes((0.76, 0.13, 0.22, 0.76))
        self.ax_std.set_yscale("log")
        self.ax_std.set_ylim(*STD_LIM)
        self.ax_std.set_xlim(0.5, MAX_DEPTH + 0.5)
        self.ax_std.set_xticks([1, 4, 7, 10])
        self.ax_std.set_yticks([1e-12, 1e-8, 1e-4, 1, 1e4, 1e8, 1e12])
        self.ax_std.tick_params(labelsize=9.5)
        self.ax_std.axhline(1.0, color="#999999", lw=0.8, ls=":")
        self.ax_std.set_xlabel("layer", fontsize=10)
        self.ax_std.set_title("scale per layer", fontsize=10)
        self.ax_std.grid(alpha=0.3)
        (self.line_act,) = self.ax_std.plot([], [], "o-", ms=3.5, lw=1.8, color=COLORS["A"], label="activations, std")
        (self.line_grad,) = self.ax_std.plot([], [], "s-", ms=3.5, lw=1.8, color=COLORS["dZ"], label="gradients, rms")
        self.legend = self.ax_std.legend(fontsize=9, loc="lower left", framealpha=0.9)  # redrawn over the lines
        self.title = fig.text(0.07, 0.955, "", fontsize=11, ha="left", va="center")

    def moving(self) -> list:
        out = [self.line_act, self.line_grad, self.legend, self.title]
        for name in ("A", "dZ"):
            out.append(self.rows[name][1])
            out.extend(self.texts[name])
        return out

    def draw(self) -> None:
        depth = int(self.controls["depth"].value)
        activation, init = self.controls["activation"].value, self.controls["init"].value
        acts, grads = self.signals(activation, init, depth)
        key = (activation, init, depth)
        if key not in self._shown:  # the numbers and outlines of a state, computed once (a slider walks back)
            act_stds = np.array([a.std() for a in acts])  # (depth,)
            grad_rms = np.array([np.sqrt(np.mean(g * g)) for g in grads])  # (depth,) the gradients' size
            outlines = {name: [_histogram_outline(arr[:SHOWN].ravel(), k)[0] for k, arr in enumerate(arrays)]
                        for name, arrays in (("A", acts), ("dZ", grads))}
            self._shown[key] = (act_stds, grad_rms, outlines)
        self.act_stds, self.grad_rms, outlines = self._shown[key]
        for name, stds in (("A", self.act_stds), ("dZ", self.grad_rms)):
            self.rows[name][1].set_verts(outlines[name])
            for k, text in enumerate(self.texts[name]):
                text.set_text(_short(float(stds[k])) if k < depth else "")
        layers = np.arange(1, depth + 1)
        self.line_act.set_data(layers, np.clip(self.act_stds, *STD_LIM))
        self.line_grad.set_data(layers, np.clip(self.grad_rms, *STD_LIM))
        self.title.set_text(f"{depth} {activation} layers of width {WIDTH}, weights {init}")
        first, last = self.act_stds[0], self.act_stds[-1]
        g_first, g_last = self.grad_rms[0], self.grad_rms[-1]
        saturated = activation != "relu" and float(np.mean(np.abs(acts[-1]) > 0.95 if activation == "tanh"
                                                          else np.minimum(acts[-1], 1 - acts[-1]) < 0.025)) > 0.5
        self.status.value = (f"Activations: std {_short(first)} after layer 1, {_short(last)} after layer {depth}"
                             f" ({self._trend(first, last, saturated)}). Gradients, travelling backwards: rms "
                             f"{_short(g_last)} at layer {depth}, {_short(g_first)} at layer 1 "
                             f"({self._trend(g_last, g_first)}).")

    @staticmethod
    def _trend(start: float, end: float, saturated: bool = False) -> str:
        """Words for how a scale changed from ``start`` to ``end``."""
        if saturated:
            return "saturated: most units sit at the flat ends of the activation"
        if end < 1e-3 * start:
            return "vanishing"
        if end > 1e3 * start:
            return "exploding"
        return "about the same scale"


def signal_histograms(**kwargs):
    """A :class:`SignalHistograms` (or a one-line note while nbgrader grades)."""
    return show(SignalHistograms, **kwargs)
