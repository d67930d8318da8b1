"""Chapter 04 widgets: losses and their gradients, outliers against fitted lines, CE vs MSE through a sigmoid.

- :class:`LossExplorer`: one loss of :mod:`nnlib.losses` (MSE, MAE, Huber,
  BCE on a probability, BCE on a logit, softmax cross-entropy, hinge, focal)
  for a single sample, drawn against the prediction: the loss on the left,
  its gradient on the right.  Sliders move the target (the class for the
  classification losses), the prediction (a dot on both curves), delta
  (Huber) and gamma (focal).  For the classification losses the stretch where
  the prediction is *confidently wrong* (less than 0.1 probability on the
  true class, or a hinge score beyond the margin on the wrong side) is
  shaded, with a red dot where the true class gets 0.01: that is where the
  loss is largest.  For the regression losses the red dot marks a far-off
  prediction, 2.5 from the target.
- :class:`OutlierFit`: twelve points on a line and one outlier whose place the
  lecturer moves.  The lines that minimise the MSE (least squares), the MAE
  and the Huber loss follow it live (left); the slope each one fits, over
  every height of the outlier, is plotted on the right.
- :class:`SigmoidGradients`: a sigmoid output ``a = sigmoid(z)`` with target
  y, and the gradient that reaches ``z`` under the squared error
  ``(a - y)^2 / 2`` (``(a - y) a (1 - a)``) and under the cross-entropy
  (``a - y``), side by side, as ``z`` moves.

Every number comes from :mod:`nnlib.losses` and :mod:`nnlib.activations`.
Speed: the axes are rendered once per loss (or once for good) into a kept
background (:class:`~nnlib.widgets._blit.BlittedWidget`) and a frame draws
only the curves and markers: well under 50 ms a frame.  The fits of
:class:`OutlierFit` are closed forms: least squares for MSE, the best line
through two of the points for MAE (an L1 line with an intercept passes
through at least two data points), and iteratively reweighted least squares
for Huber (weights ``min(1, delta / |r|)``, at most 100 small 2 x 2 solves).
"""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from itertools import combinations
from typing import Callable

import ipywidgets as widgets
import numpy as np

from nnlib import losses as L
from nnlib.activations import sigmoid, sigmoid_grad
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets._layout import fit_control

__all__ = ["LOSS_VIEWS", "LossExplorer", "loss_explorer", "per_sample", "OutlierFit", "outlier_fit",
           "fit_line", "SigmoidGradients", "sigmoid_gradients", "sigmoid_output_gradients"]

COLORS = {"loss": "#2a6fb0", "grad": "#d1731b", "now": "#1f4e79", "wrong": "#d62728", "shade": "#f6d5d5",
          "mse": "#2a6fb0", "mae": "#d1731b", "huber": "#2ca02c", "data": "#555555", "target": "#777777"}
_POINTS = 601  # points per curve


# ====================================================================== the loss explorer


@dataclass(frozen=True)
class LossView:
    """How one loss is shown: its nnlib key, its axes and its texts.

    ``x_range`` is the prediction's range (probabilities stay inside (0, 1));
    ``targets`` the target slider's (min, max, step); ``loss_lim`` and
    ``grad_lim`` fixed y-limits that hold the curves for every target and
    parameter (clipped beyond); ``wrong`` maps a target to the prediction
    where the true class gets 0.01 (or a far-off prediction), ``zone`` to the
    confidently wrong stretch (or None).
    """

    key: str
    x_label: str
    x_range: tuple
    targets: tuple
    loss_lim: tuple
    grad_lim: tuple
    title: str
    grad_title: str
    wrong: Callable
    zone: Callable
    wrong_text: str
    x_lim: tuple = ()  # the axes' x-limits when they differ from x_range (probabilities: 0 to 1)


def _logit(p):
    return float(np.log(p / (1 - p)))


# In a softmax over three logits (z0, 0, 0) the true class 0 gets e^z0 / (e^z0 + 2):
# 0.01 at z0 = ln(0.02 / 0.99), 0.1 at z0 = ln(2 / 9).
_SOFTMAX_AT_001, _SOFTMAX_AT_01 = float(np.log(0.02 / 0.99)), float(np.log(2 / 9))

LOSS_VIEWS = {
    "MSE": LossView("mse", r"prediction $\hat y$", (-3.0, 3.0), (-2.0, 2.0, 0.1), (0.0, 10.0), (-10.5, 10.5),
                    r"$L = (\hat y - y)^2$", r"$\partial L/\partial\hat y = 2(\hat y - y)$",
                    lambda y: y + 2.5 if y <= 0.5 else y - 2.5, lambda y: None, "far off"),
    "MAE": LossView("mae", r"prediction $\hat y$", (-3.0, 3.0), (-2.0, 2.0, 0.1), (0.0, 5.0), (-1.6, 1.6),
                    r"$L = |\hat y - y|$", r"$\partial L/\partial\hat y = \mathrm{sign}(\hat y - y)$",
                    lambda y: y + 2.5 if y <= 0.5 else y - 2.5, lambda y: None, "far off"),
    "Huber": LossView("huber", r"prediction $\hat y$", (-3.0, 3.0), (-2.0, 2.0, 0.1), (0.0, 5.0), (-3.3, 3.3),
                      r"$r^2/2$ if $|r| \leq \delta$, else $\delta\,(|r| - \delta/2)$",
                      r"$\partial L/\partial\hat y = \mathrm{clip}(r, -\delta, \delta)$",
                      lambda y: y + 2.5 if y <= 0.5 else y - 2.5, lambda y: None, "far off"),
    "BCE on a probability": LossView(
        "binary_cross_entropy", "predicted probability p of class 1", (0.001, 0.999), (0.0, 1.0, 1.0),
        (0.0, 5.0), (-25.0, 25.0), r"$L = -y \ln p - (1 - y)\ln(1 - p)$",
        r"$\partial L/\partial p = (p - y)\,/\,(p(1 - p))$",
        lambda y: 0.01 if y == 1 else 0.99, lambda y: (0.0, 0.1) if y == 1 else (0.9, 1.0), "confidently wrong",
        (0.0, 1.0)),
    "BCE on a logit": LossView(
        "binary_cross_entropy_with_logits", "logit z (p = sigmoid(z))", (-8.0, 8.0), (0.0, 1.0, 1.0),
        (0.0, 8.0), (-1.15, 1.15), r"$L = \max(z, 0) - zy + \ln(1 + e^{-|z|})$",
        r"$\partial L/\partial z = \sigma(z) - y$",
        lambda y: _logit(0.01) if y == 1 else _logit(0.99),
        lambda y: (-8.0, _logit(0.1)) if y == 1 else (_logit(0.9), 8.0), "confidently wrong"),
    "softmax CE, 3 classes": LossView(
        "softmax_cross_entropy", r"logit $z_0$ of the true class (the others 0)", (-8.0, 8.0), (0.0, 0.0, 1.0),
        (0.0, 9.0), (-1.15, 1.15), r"$L = \ln(e^{z_0} + 2) - z_0$", r"$\partial L/\partial z_0 = p_0 - 1$",
        lambda y: _SOFTMAX_AT_001, lambda y: (-8.0, _SOFTMAX_AT_01), "confidently wrong"),
    "hinge": LossView(
        "hinge", "score s", (-3.0, 3.0), (-1.0, 1.0, 2.0), (0.0, 4.2), (-1.5, 1.5),
        r"$L = \max(0, 1 - ys)$", r"$\partial L/\partial s = -y$ if $ys < 1$, else $0$",
        lambda y: -2.0 * y, lambda y: (-3.0, -1.0) if y == 1 else (1.0, 3.0), "confidently wrong"),
    "focal": LossView(
        "focal_loss", "predicted probability p of class 1", (0.001, 0.999), (0.0, 1.0, 1.0), (0.0, 5.0),
        (-25.0, 25.0), r"$L = -(1 - p_t)^\gamma \ln p_t$", r"$\partial L/\partial p$",
        lambda y: 0.01 if y == 1 else 0.99, lambda y: (0.0, 0.1) if y == 1 else (0.9, 1.0), "confidently wrong",
        (0.0, 1.0)),
}
_DEFAULT_PREDICTION = {"MSE": 1.0, "MAE": 1.0, "Huber": 1.0, "BCE on a probability": 0.3,
                       "BCE on a logit": -1.0, "softmax CE, 3 classes": -1.0, "hinge": 0.5, "focal": 0.3}
_DEFAULT_TARGET = {"hinge": 1.0, "softmax CE, 3 classes": 0.0}


def per_sample(name: str, x, target: float, delta: float = 1.0, gamma: float = 2.0):
    """Loss and gradient of the loss ``name`` (a key of LOSS_VIEWS) for single samples at predictions ``x``.

    Each entry is the nnlib loss of a batch of one, ``loss([x_i], [target])``;
    the gradient is nnlib's, times the batch size (a mean over M samples
    divides each sample's gradient by M).  Softmax CE: the logits of a
    sample are ``(x_i, 0, 0)`` with class 0 true, and the gradient is the one
    of ``z_0``.

    Returns
    -------
    loss, grad : ndarray, shape of ``x``
    """
    key = LOSS_VIEWS[name].key
    x = np.asarray(x, dtype=np.float64)  # (M,)
    kwargs = {"delta": delta} if key == "huber" else {"gamma": gamma} if key == "focal_loss" else {}
    if key == "softmax_cross_entropy":
        rows = np.column_stack([x, np.zeros_like(x), np.zeros_like(x)])  # (M, 3)
        labels = np.zeros(len(x), dtype=int)
        loss = np.array([L.softmax_cross_entropy(row[None, :], labels[:1]) for row in rows])
        return loss, L.softmax_cross_entropy_grad(rows, labels)[:, 0] * len(x)
    loss_fn, grad_fn = L.LOSSES[key]
    t = np.full_like(x, target)
    loss = np.array([loss_fn(x[i:i + 1], t[i:i + 1], **kwargs) for i in range(len(x))])
    return loss, grad_fn(x, t, **kwargs) * len(x)


def _num(v: float, digits: int = 4) -> str:
    """A number for the status line, with a real minus sign and never '−0'."""
    text = f"{v:.{digits}g}" if abs(v) >= 1e4 or (0 < abs(v) < 1e-3) else f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", "−")


def _set_range(slider, lo: float, hi: float, step: float, value: float) -> None:
    """Give a slider a new range, step and value without clamping the value on the way."""
    slider.max = max(slider.max, hi, value)
    slider.min = min(slider.min, lo, value)
    slider.step = step
    slider.value = value
    slider.min, slider.max = lo, hi


class LossExplorer(BlittedWidget):
    """A loss and its gradient for one sample, against the prediction.

    Parameters
    ----------
    loss : str
        A key of :data:`LOSS_VIEWS`: "MSE", "MAE", "Huber", "BCE on a probability", "BCE on a logit",
        "softmax CE, 3 classes", "hinge", "focal".
    target, prediction : float or None
        Starting target and prediction (None: the loss's defaults).
    delta : float
        Huber's delta (slider 0.1 to 3).
    gamma : float
        The focal loss's gamma (slider 0 to 5).
    hide : iterable of str
        Controls to keep off the screen: any of "loss", "target", "prediction", "delta", "gamma".

    Attributes
    ----------
    x, loss, grad : ndarray, shape (601,)
        The plotted predictions, losses and gradients.
    value : tuple of float
        (loss, gradient) at the current prediction.
    """

    def __init__(self, loss="MSE", target=None, prediction=None, delta=1.0, gamma=2.0, hide=()):
        if loss not in LOSS_VIEWS:
            raise ValueError(f"loss must be one of {list(LOSS_VIEWS)}, got {loss!r}")
        super().__init__(figsize=(8.6, 3.3), hide=hide)
        view = LOSS_VIEWS[loss]
        self.controls["loss"] = widgets.Dropdown(options=list(LOSS_VIEWS), value=loss, description="loss")
        lo, hi, step = view.targets
        start_target = self._default_target(loss) if target is None else float(target)
        self.controls["target"] = widgets.FloatSlider(value=start_target, min=lo, max=max(hi, lo + step), step=step,
                                                      description="target y", continuous_update=True,
                                                      readout_format=".1f")
        start = _DEFAULT_PREDICTION[loss] if prediction is None else float(prediction)
        p_lo, p_hi, p_step = self._slider(view)
        self.controls["prediction"] = widgets.FloatSlider(value=start, min=p_lo, max=p_hi, step=p_step,
                                                          description="prediction", continuous_update=True,
                                                          readout_format=".2f")
        self.controls["delta"] = widgets.FloatSlider(value=delta, min=0.1, max=3.0, step=0.05, description="δ",
                                                     continuous_update=True, readout_format=".2f")
        self.controls["gamma"] = widgets.FloatSlider(value=gamma, min=0.0, max=5.0, step=0.1, description="γ",
                                                     continuous_update=True, readout_format=".1f")
        # Registered before _wire()'s observer: load the new loss's ranges first.
        self.controls["loss"].observe(lambda change: self._load(change["new"]), names="value")
        self._show_parameters(loss)
        self._curves = {}  # (loss, target, delta, gamma) -> (loss, grad) on the loss's x
        self._wire()

    # -- controls ---------------------------------------------------------------
    @staticmethod
    def _default_target(name: str) -> float:
        """Class 1 (+1 for the hinge) for the classification losses, 0 for the regression ones."""
        lo, hi, step = LOSS_VIEWS[name].targets
        return _DEFAULT_TARGET.get(name, hi if step >= 1 else 0.0)

    @staticmethod
    def _slider(view) -> tuple:
        """(min, max, step) of the prediction slider: at most 160 steps, so its track fits a projector
        (2.5 px per step, ``_layout.PX_PER_STEP``); probabilities from 0.01 to 0.99, the curves wider."""
        if view.x_range[1] < 1:
            return 0.01, 0.99, 0.01
        return (*view.x_range, 0.1 if view.x_range[1] - view.x_range[0] > 8 else 0.05)

    def _show_parameters(self, name: str) -> None:
        """Show delta for Huber, gamma for focal, and the target except for softmax CE (its class is fixed)."""
        shown = {"delta": name == "Huber", "gamma": name == "focal", "target": name != "softmax CE, 3 classes"}
        for key, visible in shown.items():
            self.controls[key].disabled = not visible
            self.controls[key].layout.display = None if visible else "none"
        self.controls["target"].readout_format = ".1f" if LOSS_VIEWS[name].targets[2] < 1 else ".0f"

    def _load(self, name: str) -> None:
        view = LOSS_VIEWS[name]
        with self.holding(), ExitStack() as one_message_each:
            # A new loss changes the sliders' range, step, value, width and visibility: one message per
            # control (and its layout and style) instead of one per trait, so the page re-renders each
            # slider once before the new figure arrives.
            for key in ("target", "prediction", "delta", "gamma"):
                control = self.controls[key]
                for model in (control, control.layout, control.style):
                    one_message_each.enter_context(model.hold_sync())
            lo, hi, step = view.targets
            _set_range(self.controls["target"], lo, max(hi, lo + step), step, self._default_target(name))
            _set_range(self.controls["prediction"], *self._slider(view), _DEFAULT_PREDICTION[name])
            for key in ("target", "prediction"):
                fit_control(self.controls[key])  # another range: another track length
            self._show_parameters(name)

    @property
    def name(self) -> str:
        return self.controls["loss"].value

    # -- drawing ----------------------------------------------------------------
    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)  # fixed axes: the layout does not depend on the loss shown
        self.ax_loss = fig.add_axes((0.075, 0.16, 0.395, 0.68))
        self.ax_grad = fig.add_axes((0.585, 0.16, 0.395, 0.68))
        # Every moving artist lies above the static grid (zorder 1.5), so a frame drawn over the kept
        # background equals a full draw; the zero line is redrawn over the shading.
        self.zones, self.curves, self.now, self.far, self.far_labels, self.zero_lines = [], [], [], [], [], []
        for ax, color in ((self.ax_loss, COLORS["loss"]), (self.ax_grad, COLORS["grad"])):
            ax.grid(alpha=0.3)
            self.zones.append(ax.axvspan(0, 1, color=COLORS["shade"], lw=0, zorder=1.6))
            self.zero_lines.append(ax.axhline(0.0, color="#999999", lw=0.8, zorder=1.7))
            self.curves.append(ax.plot([], [], color=color, lw=2.5, zorder=2)[0])
            self.far.append(ax.plot([], [], "o", ms=8, color=COLORS["wrong"], zorder=4)[0])
            self.now.append(ax.plot([], [], "o", ms=9, color=COLORS["now"], mec="white", zorder=5)[0])
            self.far_labels.append(ax.text(0, 0, "", fontsize=9.5, color=COLORS["wrong"], zorder=6,
                                           bbox=dict(boxstyle="round,pad=0.2", facecolor="white", alpha=0.8,
                                                     edgecolor="none")))
        self.target_line = self.ax_loss.axvline(0.0, color=COLORS["target"], lw=1.2, ls="--", zorder=1.7)
        self.ax_loss.set_ylabel("loss L")
        self.ax_grad.set_ylabel("gradient")
        self._drawn = None

    def background_key(self):
        return self.name  # axes, limits and titles are the loss's own

    def backgrounds_ahead(self) -> list:
        return list(LOSS_VIEWS)  # so the drop-down's first visit to a loss does not wait for a full draw

    def show_background(self, key) -> None:
        self._setup_axes(LOSS_VIEWS[key])

    def moving(self) -> list:
        changing = [*self.zones, *self.zero_lines, *self.curves, *self.far, *self.now, *self.far_labels,
                    self.target_line]
        above = [spine for ax in (self.ax_loss, self.ax_grad) for spine in ax.spines.values()]
        return sorted(changing + above, key=lambda artist: artist.get_zorder())

    def _setup_axes(self, view) -> None:
        for ax, lim, title in ((self.ax_loss, view.loss_lim, view.title),
                               (self.ax_grad, view.grad_lim, view.grad_title)):
            ax.set_xlim(*(view.x_lim or view.x_range))
            ax.set_ylim(*lim)
            ax.set_xlabel(view.x_label)
            ax.set_title(title, fontsize=11)

    def draw(self) -> None:
        name = self.name
        view = LOSS_VIEWS[name]
        if name != self._drawn:  # another loss: its axes (a kept background when seen before)
            self._drawn = name
            self._setup_axes(view)
            self.invalidate()
        y = float(self.controls["target"].value)
        delta, gamma = float(self.controls["delta"].value), float(self.controls["gamma"].value)
        x_now = float(np.clip(self.controls["prediction"].value, *view.x_range))
        self.x = np.linspace(*view.x_range, _POINTS)  # (601,)
        key = (name, y, delta if name == "Huber" else None, gamma if name == "focal" else None)
        if key not in self._curves:
            self._curves[key] = per_sample(name, self.x, y, delta, gamma)
        self.loss, self.grad = self._curves[key]
        (l_now,), (g_now,) = per_sample(name, [x_now], y, delta, gamma)
        self.value = (float(l_now), float(g_now))
        x_far = float(np.clip(view.wrong(y), *view.x_range))
        (l_far,), (g_far,) = per_sample(name, [x_far], y, delta, gamma)
        zone = view.zone(y)
        for ax, curve, now, far, shade, values, v_now, v_far, label in zip(
                (self.ax_loss, self.ax_grad), self.curves, self.now, self.far, self.zones,
                (self.loss, self.grad), (l_now, g_now), (l_far, g_far), self.far_labels):
            lim = ax.get_ylim()
            curve.set_data(self.x, np.clip(values, lim[0] - 1, lim[1] + 1))
            now.set_data([x_now], [np.clip(v_now, *lim)])
            far.set_data([x_far], [np.clip(v_far, *lim)])
            shade.set_visible(zone is not None)
            if zone is not None:
                shade.set_x(zone[0])
                shade.set_width(zone[1] - zone[0])
            # the red label sits beside its dot, towards the middle of the axes
            left = x_far < 0.5 * (view.x_range[0] + view.x_range[1])
            y_text = float(np.clip(v_far, *lim))
            y_text = y_text - 0.12 * (lim[1] - lim[0]) if y_text > lim[0] + 0.7 * (lim[1] - lim[0]) else (
                y_text + 0.08 * (lim[1] - lim[0]))
            label.set_position((x_far + (0.04 if left else -0.04) * (view.x_range[1] - view.x_range[0]), y_text))
            label.set_ha("left" if left else "right")
            label.set_text(f"{view.wrong_text}: {_num(v_far, 3)}")
        self.target_line.set_visible(view.key in ("mse", "mae", "huber"))
        self.target_line.set_xdata([y, y])
        self.status.value = self._status(name, view, y, x_now, x_far, l_far)

    def _status(self, name, view, y, x_now, x_far, l_far) -> str:
        loss_now, grad_now = self.value
        what = "z₀" if view.key == "softmax_cross_entropy" else "s" if view.key == "hinge" else (
            "z" if view.key == "binary_cross_entropy_with_logits" else "p" if view.x_range[1] < 1 else "ŷ")
        target = "" if view.key == "softmax_cross_entropy" else f" (target y = {_num(y, 2)})"
        head = (f"<b>{name}</b>: at {what} = {_num(x_now, 3)}{target}, L = {_num(loss_now)} and "
                f"∂L/∂{what} = {_num(grad_now)}.")
        if view.key in ("mse", "mae", "huber"):
            tail = (f" A prediction 2.5 off costs {_num(l_far)}: the squared error grows with the residual "
                    "squared, MAE and Huber's linear part only in proportion.")
        elif view.key == "hinge":
            tail = (f" Confidently wrong (s = {_num(x_far, 3)}, beyond the margin on the wrong side) costs "
                    f"{_num(l_far)}; a right score with margin, y s ≥ 1, costs nothing.")
        else:
            tail = (f" Confidently wrong ({what} = {_num(x_far, 3)}, where the true class gets 0.01) costs "
                    f"{_num(l_far)}: the loss is largest where the model is surest of the wrong class.")
        return head + tail


def loss_explorer(loss="MSE", hide=(), **kwargs):
    """A :class:`LossExplorer` (or a one-line note while nbgrader grades)."""
    return show(LossExplorer, loss=loss, hide=hide, **kwargs)


# ====================================================================== the outlier and the fitted lines


def _design(x):
    return np.column_stack([x, np.ones_like(x)])  # (N, 2): slope and intercept


def fit_line(x, y, loss: str, delta: float = 1.0) -> np.ndarray:
    """The line ``y = w x + b`` minimising the mean ``loss`` ("mse", "mae" or "huber") of its residuals.

    MSE: least squares.  MAE: the best of the lines through two of the points
    (an L1 regression line with an intercept passes through at least two of
    them).  Huber: iteratively reweighted least squares from the least-squares
    line, weights ``min(1, delta / |r|)``, until the line moves less than
    1e-12 (at most 100 steps).

    Returns
    -------
    ndarray (w, b)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    A = _design(x)  # (N, 2)
    wb = np.linalg.lstsq(A, y, rcond=None)[0]  # (2,)
    if loss == "mse":
        return wb
    if loss == "mae":
        pairs = np.array([(i, j) for i, j in combinations(range(len(x)), 2) if x[i] != x[j]])  # (K, 2)
        w = (y[pairs[:, 1]] - y[pairs[:, 0]]) / (x[pairs[:, 1]] - x[pairs[:, 0]])  # (K,)
        b = y[pairs[:, 0]] - w * x[pairs[:, 0]]
        cost = np.abs(np.outer(w, x) + b[:, None] - y).sum(axis=1)  # (K,)
        best = int(np.argmin(cost))
        return np.array([w[best], b[best]])
    if loss == "huber":
        for _ in range(100):
            r = A @ wb - y
            weight = np.minimum(1.0, delta / np.maximum(np.abs(r), 1e-300))  # (N,)
            new = np.linalg.solve(A.T @ (weight[:, None] * A), A.T @ (weight * y))
            if np.max(np.abs(new - wb)) < 1e-12:
                return new
            wb = new
        return wb
    raise ValueError(f"loss must be 'mse', 'mae' or 'huber', got {loss!r}")


_FITS = ("mse", "mae", "huber")
_FIT_LABELS = {"mse": "MSE (least squares)", "mae": "MAE", "huber": "Huber"}
_OUTLIER_Y = np.linspace(-6.0, 16.0, 45)  # heights of the outlier for the slope curves (step 0.5)


def _inliers():
    """Twelve points near the line y = 0.5 x + 1 (seeded, the same every time)."""
    rng = np.random.default_rng(4)
    x = np.linspace(0.5, 9.5, 12)  # (12,)
    return x, 0.5 * x + 1.0 + rng.normal(scale=0.3, size=12)


class OutlierFit(BlittedWidget):
    """Twelve points, one outlier the lecturer moves, and the lines MSE, MAE and Huber fit.

    Parameters
    ----------
    outlier_x, outlier_y : float
        Where the outlier starts (sliders 0 to 10 and -6 to 16).
    delta : float
        Huber's delta (slider 0.2 to 3).
    hide : iterable of str
        Controls to keep off the screen: any of "outlier_x", "outlier_y", "delta".

    Attributes
    ----------
    lines : dict
        Loss name ("mse", "mae", "huber") -> fitted (w, b).
    slopes : dict
        Loss name -> fitted slope for every height in ``_OUTLIER_Y`` (the right panel).
    """

    def __init__(self, outlier_x=9.0, outlier_y=14.0, delta=1.0, hide=()):
        super().__init__(figsize=(8.6, 3.3), hide=hide)
        self.x_in, self.y_in = _inliers()
        self.controls["outlier_x"] = widgets.FloatSlider(value=outlier_x, min=0.0, max=10.0, step=0.25,
                                                         description="outlier x", continuous_update=True,
                                                         readout_format=".2f")
        self.controls["outlier_y"] = widgets.FloatSlider(value=outlier_y, min=float(_OUTLIER_Y[0]),
                                                         max=float(_OUTLIER_Y[-1]), step=0.25,
                                                         description="outlier y", continuous_update=True,
                                                         readout_format=".2f")
        self.controls["delta"] = widgets.FloatSlider(value=delta, min=0.2, max=3.0, step=0.1, description="δ",
                                                     continuous_update=True, readout_format=".1f")
        self._slope_cache = {}
        self._wire()

    def _points(self, ox, oy):
        return np.append(self.x_in, ox), np.append(self.y_in, oy)  # (13,), (13,)

    def slope_curves(self, ox: float, delta: float) -> dict:
        """Fitted slope of each loss for the outlier at x = ``ox`` and every height of ``_OUTLIER_Y``."""
        key = (ox, delta)
        if key not in self._slope_cache:
            curves = {name: np.empty(len(_OUTLIER_Y)) for name in _FITS}
            for k, oy in enumerate(_OUTLIER_Y):
                x, y = self._points(ox, oy)
                for name in _FITS:
                    curves[name][k] = fit_line(x, y, name, delta)[0]
            if len(self._slope_cache) > 64:
                self._slope_cache.clear()
            self._slope_cache[key] = curves
        return self._slope_cache[key]

    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)
        self.ax = fig.add_axes((0.065, 0.15, 0.50, 0.72))
        self.ax_s = fig.add_axes((0.665, 0.15, 0.32, 0.72))
        ax = self.ax
        ax.set_xlim(-0.5, 10.5)
        ax.set_ylim(-7.0, 17.0)
        ax.grid(alpha=0.3)
        ax.set_xlabel("x")
        ax.set_ylabel("y", rotation=0, labelpad=8)
        ax.set_title("the lines that minimise each loss", fontsize=11)
        ax.scatter(self.x_in, self.y_in, s=30, color=COLORS["data"], zorder=3)
        self.outlier = ax.scatter([0.0], [0.0], s=90, color=COLORS["wrong"], edgecolors="#222222", zorder=5)
        xs = np.array([-0.5, 10.5])
        self.fit_lines = {name: ax.plot(xs, xs, color=COLORS[name], lw=2.2, label=_FIT_LABELS[name],
                                        ls="--" if name == "mae" else "-", zorder=4)[0] for name in _FITS}
        ax.legend(loc="upper left", fontsize=9, framealpha=0.85)
        s = self.ax_s
        s.set_xlim(_OUTLIER_Y[0], _OUTLIER_Y[-1])
        s.set_ylim(-0.6, 1.6)
        s.grid(alpha=0.3)
        s.axhline(0.5, color=COLORS["target"], lw=1, ls=":", zorder=1)
        s.set_xlabel("height of the outlier")
        s.set_ylabel("fitted slope")
        s.set_title("slope fitted, outlier anywhere", fontsize=11)
        self.slope_lines = {name: s.plot(_OUTLIER_Y, _OUTLIER_Y, color=COLORS[name], lw=2,
                                         ls="--" if name == "mae" else "-", zorder=3)[0] for name in _FITS}
        self.slope_now = s.axvline(0.0, color=COLORS["wrong"], lw=1.2, zorder=1.7)
        self.slope_dots = {name: s.plot([], [], "o", ms=6, color=COLORS[name], zorder=4)[0] for name in _FITS}

    def moving(self) -> list:
        changing = [self.outlier, *self.fit_lines.values(), *self.slope_lines.values(), self.slope_now,
                    *self.slope_dots.values()]
        above = [spine for a in (self.ax, self.ax_s) for spine in a.spines.values()] + [self.ax.get_legend()]
        return sorted(changing + above, key=lambda artist: artist.get_zorder())

    def draw(self) -> None:
        ox, oy = float(self.controls["outlier_x"].value), float(self.controls["outlier_y"].value)
        delta = float(self.controls["delta"].value)
        x, y = self._points(ox, oy)
        self.lines = {name: fit_line(x, y, name, delta) for name in _FITS}
        xs = np.array([-0.5, 10.5])
        for name, (w, b) in self.lines.items():
            self.fit_lines[name].set_data(xs, w * xs + b)
        self.outlier.set_offsets([[ox, oy]])
        self.slopes = self.slope_curves(ox, delta)
        for name in _FITS:
            self.slope_lines[name].set_ydata(np.clip(self.slopes[name], -5, 5))
            self.slope_dots[name].set_data([oy], [self.lines[name][0]])
        self.slope_now.set_xdata([oy, oy])
        slopes = ", ".join(f"{_FIT_LABELS[n].split(' ')[0]} {_num(self.lines[n][0], 3)}" for n in _FITS)
        self.status.value = (f"Fitted slopes: {slopes} (the twelve other points lie near slope 0.5). Least "
                             "squares follows the outlier wherever it goes; the MAE line ignores how far it is; "
                             f"Huber (δ = {_num(delta, 2)}) lets it pull with at most δ.")


def outlier_fit(hide=(), **kwargs):
    """An :class:`OutlierFit` (or a one-line note while nbgrader grades)."""
    return show(OutlierFit, hide=hide, **kwargs)


# ====================================================================== CE vs MSE through a sigmoid


def sigmoid_output_gradients(z, y):
    """``dL/dz`` for a sigmoid output ``a = sigmoid(z)`` with target y, under the two losses.

    Squared error ``(a - y)^2 / 2`` (the notes' J, half of nnlib's MSE): ``(a - y) a (1 - a)``.
    Cross-entropy: ``a - y`` (nnlib's binary_cross_entropy_with_logits_grad).

    Returns
    -------
    a, d_squared, d_cross_entropy : ndarray, shape of ``z``
    """
    z = np.asarray(z, dtype=np.float64)
    t = np.full_like(z, y)
    a = sigmoid(z)
    d_squared = L.mse_grad(a, t) * z.size / 2 * sigmoid_grad(z)  # per sample: the mean's 1/M undone
    d_ce = L.binary_cross_entropy_with_logits_grad(z, t) * z.size
    return a, d_squared, d_ce


class SigmoidGradients(BlittedWidget):
    """The gradient that reaches z through a sigmoid output, under squared error and under cross-entropy.

    Parameters
    ----------
    z : float
        Starting logit (slider -8 to 8).
    target : int
        The class, 1 or 0.
    hide : iterable of str
        Controls to keep off the screen: any of "z", "target".

    Attributes
    ----------
    a, d_squared, d_ce : float
        The output and the two gradients at the current z.
    """

    def __init__(self, z=-5.0, target=1, hide=()):
        super().__init__(figsize=(8.6, 3.2), hide=hide)
        self.controls["z"] = widgets.FloatSlider(value=z, min=-8.0, max=8.0, step=0.1, description="z",
                                                 continuous_update=True, readout_format=".1f")
        self.controls["target"] = widgets.Dropdown(options=[("y = 1", 1), ("y = 0", 0)], value=int(target),
                                                   description="target")
        self.zs = np.linspace(-8.0, 8.0, _POINTS)  # (601,)
        self._wire()

    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)
        left, width, gap = 0.06, 0.27, 0.06
        self.axes = [fig.add_axes((left + k * (width + gap), 0.16, width, 0.66)) for k in range(3)]
        titles = (r"output $a = \sigma(z)$", r"squared error: $(a - y)\,a(1 - a)$", r"cross-entropy: $a - y$")
        for ax, title in zip(self.axes, titles):
            ax.set_xlim(-8, 8)
            ax.grid(alpha=0.3)
            ax.axhline(0.0, color="#999999", lw=0.8, zorder=0)
            ax.set_xlabel("z")
            ax.set_title(title, fontsize=11)
        self.axes[0].set_ylim(-0.05, 1.05)
        for ax in self.axes[1:]:
            ax.set_ylim(-1.05, 1.05)
        colors = (COLORS["loss"], COLORS["mae"], COLORS["huber"])
        self.curves = [ax.plot([], [], color=c, lw=2.5, zorder=2)[0] for ax, c in zip(self.axes, colors)]
        self.target_line = self.axes[0].axhline(1.0, color=COLORS["target"], lw=1.2, ls="--", zorder=1.7)
        self.dots = [ax.plot([], [], "o", ms=9, color=COLORS["now"], mec="white", zorder=5)[0] for ax in self.axes]
        box = dict(boxstyle="round,pad=0.25", facecolor="white", alpha=0.9, edgecolor="#cccccc")
        self.values = [ax.text(0.05 if k == 0 else 0.5, 0.84, "", transform=ax.transAxes, fontsize=10, zorder=6,
                               ha="left" if k == 0 else "center", bbox=box) for k, ax in enumerate(self.axes)]

    def moving(self) -> list:
        changing = [*self.curves, self.target_line, *self.dots, *self.values]
        above = [spine for ax in self.axes for spine in ax.spines.values()]
        return sorted(changing + above, key=lambda artist: artist.get_zorder())

    def draw(self) -> None:
        z, y = float(self.controls["z"].value), int(self.controls["target"].value)
        a_curve, sq_curve, ce_curve = sigmoid_output_gradients(self.zs, y)
        (a,), (d_sq,), (d_ce,) = sigmoid_output_gradients([z], y)
        self.a, self.d_squared, self.d_ce = float(a), float(d_sq), float(d_ce)
        for curve, values in zip(self.curves, (a_curve, sq_curve, ce_curve)):
            curve.set_data(self.zs, values)
        self.target_line.set_ydata([y, y])
        for dot, v in zip(self.dots, (a, d_sq, d_ce)):
            dot.set_data([z], [v])
        # The value boxes sit where the curves are not: the gradients are <= 0 for y = 1 (boxes at the top)
        # and >= 0 for y = 0 (at the bottom); the sigmoid is low on the left, so its box sits top left.
        self.values[0].set_text(f"a = {_num(a)}")
        for box, v in zip(self.values[1:], (d_sq, d_ce)):
            box.set_text(f"∂L/∂z = {_num(v)}")
            box.set_y(0.84 if y == 1 else 0.06)
        ratio = abs(d_ce / d_sq) if d_sq != 0 else np.inf
        times = f"{ratio:.0f} times" if ratio >= 10 else f"{ratio:.1f} times"
        self.status.value = (f"At z = {_num(z, 2)} with target {y}: a = {_num(a)}. Through the squared error the "
                             f"output passes ∂L/∂z = {_num(d_sq)} back to z, through the cross-entropy "
                             f"{_num(d_ce)}: {times} as much. The factor a(1 − a) ≤ 0.25 of the squared error "
                             "vanishes where the sigmoid saturates, also when it is confidently wrong.")


def sigmoid_gradients(hide=(), **kwargs):
    """A :class:`SigmoidGradients` (or a one-line note while nbgrader grades)."""
    return show(SigmoidGradients, hide=hide, **kwargs)
