"""Gradient checking, live: numerical against analytic gradients as the step h moves.

Pick a layer and a step ``h``.  Left: every entry of the layer's gradients
(w.r.t. its input X and its parameters) as a point (analytic, numerical);
on the diagonal when they agree.  Right: the relative error
``max |a - n| / max(1e-8, |a| + |n|)`` against ``h`` on log-log axes, with
the current ``h`` marked and the usual thresholds drawn:

- below 1e-7: the backward pass is right (float64);
- 1e-7 to 1e-5: suspicious for a smooth function, normal near a kink;
- above 1e-5: look for a bug (above 1e-3 there almost surely is one).

The entry with the largest relative error is ringed in red.  Each
threshold's label sits on the side of its line that it speaks of, at the
first place from the left where the layer's curve does not cross it.

The curve is a V.  For large h the centred difference's own error (of order
h^2 times the third derivative) dominates; for tiny h, rounding does: f is
known to about 1e-16 of its size, and dividing by 2h magnifies that.  The
best h for float64 is around 1e-5 to 1e-6.

ReLU has a kink at 0.  The input of the ReLU panel holds values at 3e-4 and
-2e-3 from the kink: once h exceeds that distance the two evaluations
straddle the kink, the numerical slope lands between 0 and 1, and the
relative error jumps although the backward pass is right.

The loss is ``L = sum(Y * R)`` with a fixed random R, as in
:func:`nnlib.gradcheck.check_layer`, so that dL/dY = R reaches every output.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Activation, Dense
from nnlib.widgets._base import show
from nnlib.widgets._geometry import hits_segment
from nnlib.widgets._blit import BlittedWidget

__all__ = ["LAYERS", "H_GRID", "GradcheckPanel", "gradcheck_panel", "layer_gradients"]

# dropdown label -> factory of a fresh layer (seeded: the same numbers every time)
LAYERS = {
    "Dense (3 -> 2)": lambda: Dense(3, 2, init="xavier_uniform", rng=0),
    "Activation sigmoid": lambda: Activation("sigmoid"),
    "Activation tanh": lambda: Activation("tanh"),
    "Activation relu": lambda: Activation("relu"),
}
H_GRID = np.logspace(-10, -1, 37)  # the curve on the right: 4 points per decade
# (level, label, side of the dashed line the label sits on: the side it speaks of)
THRESHOLDS = ((1e-7, "below 1e-7:\ncorrect", -1), (1e-5, "above 1e-5:\nlook for a bug", 1))


def _inputs(name: str) -> np.ndarray:
    """The layer input X (4, 3); for ReLU two entries sit close to the kink at 0."""
    X = np.random.default_rng(1).normal(size=(4, 3))  # (N, D) = (4, 3)
    if "relu" in name:
        X[0, 0], X[2, 1] = 3e-4, -2e-3
    return X


def layer_gradients(name: str, h: float):
    """Analytic and numerical gradients of ``L = sum(layer(X) * R)`` for the layer ``name``.

    Returns
    -------
    analytic, numerical : dict name -> ndarray
        Keys "X" and the layer's parameter names ("W", "b" for Dense).
    """
    X = _inputs(name)
    layer = LAYERS[name]()
    Y = layer.forward(X)
    R = np.random.default_rng(2).normal(size=Y.shape)  # dL/dY, same shape as Y
    analytic = {"X": layer.backward(R), **{k: g.copy() for k, g in layer.grads.items()}}

    probe = LAYERS[name]()  # same seed, same parameters; perturbed in place below
    loss = lambda x: float(np.sum(probe.forward(x) * R))  # noqa: E731 - one-line closure
    numerical = {"X": numerical_gradient(loss, X.copy(), h)}
    for key, p in probe.params.items():
        numerical[key] = numerical_gradient(lambda _p: loss(X), p, h)
    return analytic, numerical


def _error_curve(name: str) -> np.ndarray:
    """Relative error (over all gradients of the layer) for every h of ``H_GRID``."""
    errors = []
    for h in H_GRID:
        analytic, numerical = layer_gradients(name, h)
        errors.append(max(relative_error(analytic[k], numerical[k]) for k in analytic))
    return np.array(errors)  # (len(H_GRID),)


def _tick(value, _pos) -> str:
    return f"1e{int(round(np.log10(value)))}"  # plain text: mathtext ticks cost ~1 ms each


class GradcheckPanel(BlittedWidget):
    """Layer dropdown + log slider for h; scatter of gradient entries and the error-vs-h curve.

    Axes, ticks, thresholds and the error curve form the cached background of
    a layer (:class:`~nnlib.widgets._blit.BlittedWidget`); moving h redraws
    only the points, the marker and the title.  ``error`` is the relative
    error at the current h; ``curve`` the errors on ``H_GRID``.
    """

    def __init__(self, layer="Dense (3 -> 2)", h=1e-5, hide=()):
        super().__init__(figsize=(8.6, 3.5), hide=hide)
        if layer not in LAYERS:
            raise ValueError(f"layer must be one of {list(LAYERS)}, got {layer!r}")
        self.controls["layer"] = widgets.Dropdown(options=list(LAYERS), value=layer, description="layer")
        self.controls["h"] = widgets.FloatLogSlider(value=h, base=10, min=-10, max=-1, step=0.25, description="h",
                                                    readout_format=".0e", continuous_update=True)
        self._curves: dict[str, np.ndarray] = {}
        self._layer_drawn = None
        self._wire()

    def build(self) -> None:
        """The axes and every artist, once; frames only change their data."""
        fig = self.view.figure
        fig.set_layout_engine(None)  # fixed axes positions
        self._ax_scatter = ax = fig.add_axes((0.08, 0.14, 0.36, 0.72))
        (self._diagonal,) = ax.plot([], [], color="#999999", lw=1, zorder=1)
        self._points = ax.scatter([], [], s=28, color="#1f77b4", zorder=2)
        self._worst = ax.scatter([], [], s=120, facecolors="none", edgecolors="#d62728", linewidths=2, zorder=3)
        ax.set_xlabel("analytic (backward)")
        ax.set_ylabel("numerical (centred difference)")
        self._ax_curve = ax = fig.add_axes((0.56, 0.14, 0.42, 0.72))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(H_GRID[0] / 2, H_GRID[-1] * 2)
        ax.set_ylim(1e-13, 2.0)
        for axis, ticks in ((ax.xaxis, 10.0 ** np.arange(-10, 0, 2)), (ax.yaxis, 10.0 ** np.arange(-12, 1, 3))):
            axis.set_major_locator(FixedLocator(ticks))
            axis.set_major_formatter(FuncFormatter(_tick))
            axis.set_minor_locator(NullLocator())
        self._threshold_labels = []
        for level, label, side in THRESHOLDS:
            ax.axhline(level, color="#d62728" if level > 1e-6 else "#2ca02c", lw=1, ls="--")
            # placed where the curve leaves it alone once the layer is known (_place_threshold_labels)
            self._threshold_labels.append((ax.text(H_GRID[0], level, label, fontsize=9, color="#555555",
                                                   va="bottom" if side > 0 else "top"), level, side))
        (self._curve,) = ax.plot([], [], marker="o", ms=3, color="#444444")
        self._current = ax.axvline(1e-5, color="#1f77b4", lw=1.5)
        (self._current_point,) = ax.plot([], [], "o", ms=9, color="#1f77b4")
        ax.set_xlabel("step h")
        ax.set_ylabel("relative error")
        self._title = fig.text(0.01, 0.95, "", fontsize=11, va="center")

    def moving(self) -> list:
        return [self._points, self._worst, self._current, self._current_point, self._title]

    def background_key(self):
        return self.controls["layer"].value  # curve, limits and threshold labels are the layer's own

    def _place_threshold_labels(self, curve) -> None:
        """Put each threshold label just beside its line, at the leftmost h where the curve does not cross it."""
        ax = self._ax_curve
        renderer = self.view.figure.canvas.get_renderer()
        points = ax.transData.transform(np.column_stack([H_GRID, np.maximum(curve, 1e-13)]))  # the curve, in pixels
        inside = ax.get_window_extent(renderer)
        pad = 2.0 * self.view.figure.dpi / 72  # 2 points around the text
        gap = 10 ** (pad / max(inside.height, 1.0) * 13 / 2)  # about 1 point, as a factor on the log axis
        placed = []
        for text, level, side in self._threshold_labels:
            y = level * gap if side > 0 else level / gap
            best = None
            for x in H_GRID[:-4] * 1.5:  # left to right; the last decades hold the steepest part of the curves
                text.set_position((x, y))
                box = text.get_window_extent(renderer)
                clear = (not _crosses(box.padded(pad), points) and inside.x0 <= box.x0 and box.x1 <= inside.x1
                         and not any(box.padded(pad).overlaps(other) for other in placed))
                if clear:
                    best = (x, box)
                    break
                best = best or (x, box)
            text.set_position((best[0], y))
            placed.append(text.get_window_extent(renderer))
        self.threshold_boxes = placed  # display boxes of the two labels (the tests check the curve against them)

    def draw(self) -> None:
        name, h = self.controls["layer"].value, float(self.controls["h"].value)
        if name not in self._curves:  # ~40 ms once per layer, then cached
            self._curves[name] = _error_curve(name)
        if name != self._layer_drawn:  # new curve and scatter limits: the background changes
            self.invalidate()
            self._layer_drawn = name
            self._place_threshold_labels(self._curves[name])
        self.curve = self._curves[name]
        analytic, numerical = layer_gradients(name, h)
        a = np.concatenate([analytic[k].ravel() for k in analytic])  # every gradient entry
        n = np.concatenate([numerical[k].ravel() for k in analytic])
        self.error = max(relative_error(analytic[k], numerical[k]) for k in analytic)

        # Limits follow the analytic gradients (fixed per layer, so the background stays valid);
        # a numerical value far off is clipped to the edge rather than rescaling the axes.
        entry_errors = np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))  # what relative_error maximises
        worst = int(np.argmax(entry_errors))
        lim = 1.2 * max(np.abs(a).max(), 1e-12)
        n = np.clip(n, -lim, lim)
        self._ax_scatter.set_xlim(-lim, lim)
        self._ax_scatter.set_ylim(-lim, lim)
        self._diagonal.set_data([-lim, lim], [-lim, lim])
        self._points.set_offsets(np.column_stack([a, n]))
        self._worst.set_offsets([[a[worst], n[worst]]])  # ringed in red
        self._curve.set_data(H_GRID, np.maximum(self.curve, 1e-13))  # an exact 0 would vanish on a log axis
        self._current.set_xdata([h, h])
        self._current_point.set_data([h], [max(self.error, 1e-13)])
        verdict = "correct" if self.error < 1e-7 else "suspicious" if self.error < 1e-5 else "look for a bug (or a kink)"
        self._title.set_text(f"{name}: {a.size} gradient entries, h = {h:.0e}, relative error {self.error:.1e} ({verdict})")
        note = ""
        if "relu" in name:
            note = ("ReLU: two inputs sit 3e-4 and 2e-3 from the kink at 0. Once h is larger than that, "
                    "x - h and x + h fall on different sides, the centred difference averages the slopes 0 and 1, "
                    "and the error jumps, although backward is right.")
        elif name.startswith("Dense"):
            note = ("Dense is linear in X, W and b, so the centred difference is exact for every h: "
                    "only rounding remains, and it shrinks as h grows.")
        elif self.error > 1e-5 and h > 1e-3:
            note = "Large h: the centred difference's truncation error (of order h^2) dominates."
        elif self.error > 1e-7 and h < 1e-8:
            note = "Tiny h: rounding dominates: f is known to about 1e-16 of its size, and dividing by 2h magnifies that."
        self.status.value = f"<small>{note}</small>"


def _crosses(box, points) -> bool:
    """Does the polyline through ``points`` (display coordinates) pass through ``box``?"""
    return any(hits_segment(box, a, b) for a, b in zip(points[:-1], points[1:]))


def gradcheck_panel(**kwargs):
    """The chapter's gradient-check panel (one line in the notebook)."""
    return show(GradcheckPanel, **kwargs)
