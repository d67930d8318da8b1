"""Gradient descent on the notes' age/salary data, before and after standardizing the inputs.

A linear model ``y_hat = X w`` (no bias) fitted by the mean squared error
``L(w) = mean((X w - y)^2)`` has the constant Hessian ``H = 2 X^T X / N``.
Gradient descent is stable for ``lr < 2 / lambda_max(H)`` and makes progress
along each eigenvector at the rate ``1 - lr * lambda``, so the condition number
``lambda_max / lambda_min`` says how many steps the slowest direction needs.

With age in years and salary in euros the two columns differ in scale by a
factor of 1000: the condition number is 3.0e7, the largest stable learning
rate 2.6e-10, and at that rate the age weight barely moves.  Standardized
(``(x - mean) / std`` per column, the training statistics), the condition
number is 5.7 and a few dozen steps reach the minimum.

:class:`StandardizationDescent` draws both loss surfaces (contours) and the
descent path from ``w = 0`` with the same *fraction* of each one's largest
stable learning rate.  The targets ``y = 0.5 age + 0.0001 salary`` are made
up for the picture (the notes give only the inputs); the standardized model
needs no bias for the path, because centred columns make the bias's gradient
independent of ``w`` (its loss is shown relative to its minimum).
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from nnlib.data import standardize
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget

__all__ = [
    "AGE_SALARY",
    "TARGETS",
    "StandardizationDescent",
    "descent_path",
    "hessian",
    "standardization_descent",
]

AGE_SALARY = np.array([[25.0, 40000.0], [35.0, 30000.0], [45.0, 90000.0], [55.0, 70000.0]])  # (4, 2) the notes'
TARGETS = AGE_SALARY @ np.array([0.5, 1e-4])  # (4,) made up: 16.5, 20.5, 31.5, 34.5
MAX_STEPS = 100
COLORS = {"path": "#d62728", "start": "#333333", "minimum": "#1f4e79"}


def hessian(X) -> np.ndarray:
    """Hessian of ``L(w) = mean((X w - y)^2)``: ``H = 2 X^T X / N``, shape (D, D) (the same for every y)."""
    X = np.asarray(X, dtype=float)
    return 2.0 * X.T @ X / len(X)  # (D, D)


def descent_path(X, y, lr, steps, w0=None) -> np.ndarray:
    """Gradient descent on ``mean((X w - y)^2)``: ``w <- w - lr * 2 X^T (X w - y) / N``.

    Returns
    -------
    ndarray, (steps + 1, D)
        ``w_0 = w0`` (zeros by default) and every iterate after it.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1]) if w0 is None else np.asarray(w0, dtype=float).copy()
    path = [w.copy()]
    for _ in range(int(steps)):
        w = w - lr * 2.0 * X.T @ (X @ w - y) / len(X)
        path.append(w.copy())
    return np.array(path)  # (steps + 1, D)


def _sci(value: float) -> str:
    """3.0e7 rather than 3e+07; plain below 1000."""
    if value < 1000:
        return f"{value:.2g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


class _Problem:
    """One panel: the data, its Hessian, the minimum, the largest stable learning rate, the contours' grid."""

    def __init__(self, X, y, title, span):
        self.X, self.y, self.title = X, y, title
        self.H = hessian(X)  # (2, 2)
        eig = np.linalg.eigvalsh(self.H)  # ascending
        self.condition = float(eig[-1] / eig[0])
        self.lr_max = float(2.0 / eig[-1])
        self.w_star = np.linalg.lstsq(X, y, rcond=None)[0]  # (2,)
        self.loss_min = float(np.mean((X @ self.w_star - y) ** 2))
        self.span = span  # ((w1 low, w1 high), (w2 low, w2 high)) shown

    def excess(self, W) -> np.ndarray:
        """``L(w) - L(w*)`` for rows of W (..., 2): a quadratic form of the Hessian."""
        D = W - self.w_star
        return 0.5 * np.einsum("...i,ij,...j->...", D, self.H, D)


def _problems() -> tuple[_Problem, _Problem]:
    Xs, _, _ = standardize(AGE_SALARY)
    raw = _Problem(AGE_SALARY, TARGETS, "raw: age in years, salary in euros", ((-0.2, 1.2), (-0.5e-4, 5.0e-4)))
    std = _Problem(Xs, TARGETS, "standardized columns", ((-2.0, 9.0), (-2.0, 9.0)))
    return raw, std


class StandardizationDescent(BlittedWidget):
    """Contours of the MSE of a linear model on the age/salary data, raw and standardized, with descent paths.

    Parameters
    ----------
    fraction : float
        The learning rate as a fraction of each panel's largest stable one,
        ``lr = fraction * 2 / lambda_max`` (slider 0.1 to 1.05: above 1 descent diverges).
    steps : int
        Steps taken (0 to 100).
    hide : iterable of str
        Controls to keep off the screen: "fraction", "steps".

    Attributes
    ----------
    raw, std : objects with ``condition``, ``lr_max``, ``w_star``
    paths : dict "raw" / "std" -> ndarray (steps + 1, 2)
    """

    def __init__(self, fraction=0.5, steps=30, hide=()):
        super().__init__(figsize=(8.6, 3.6), hide=hide)
        self.raw, self.std = _problems()
        self.controls["fraction"] = widgets.FloatSlider(value=fraction, min=0.1, max=1.05, step=0.05,
                                                        description="η / η_max", readout_format=".2f",
                                                        continuous_update=True)
        self.controls["steps"] = widgets.IntSlider(value=steps, min=0, max=MAX_STEPS, step=1, description="steps",
                                                   continuous_update=True)
        self._wire()

    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)
        self.axes, self.lines, self.ends, self.labels = {}, {}, {}, {}
        for name, problem, left in (("raw", self.raw, 0.08), ("std", self.std, 0.575)):
            ax = fig.add_axes((left, 0.14, 0.39, 0.66))
            (lo1, hi1), (lo2, hi2) = problem.span
            w1, w2 = np.meshgrid(np.linspace(lo1, hi1, 160), np.linspace(lo2, hi2, 160))  # (160, 160) each
            excess = problem.excess(np.stack([w1, w2], axis=-1))  # (160, 160)
            levels = problem.loss_min * 0 + np.geomspace(max(excess.min(), 1e-3), excess.max(), 12)
            ax.contour(w1, w2, excess, levels=levels, colors="#9aa5b1", linewidths=0.8)
            ax.plot(*problem.w_star, "*", ms=11, color=COLORS["minimum"], zorder=4)
            ax.plot(0.0, 0.0, "o", ms=5, color=COLORS["start"], zorder=4)
            ax.set_xlim(lo1, hi1)
            ax.set_ylim(lo2, hi2)
            ax.set_xlabel("w₁ (age weight)", fontsize=10)
            ax.set_ylabel("w₂ (salary weight)", fontsize=10)
            ax.tick_params(labelsize=9)
            ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
            ax.set_title(f"{problem.title}\ncondition number {_sci(problem.condition)}", fontsize=10)
            (self.lines[name],) = ax.plot([], [], "-o", ms=2.5, lw=1.4, color=COLORS["path"], zorder=5)
            self.labels[name] = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=9.5, ha="left",
                                        va="bottom", bbox={"facecolor": "white", "alpha": 0.85, "lw": 0}, zorder=6)
            self.axes[name] = ax

    def moving(self) -> list:
        return [*self.lines.values(), *self.labels.values()]

    def draw(self) -> None:
        fraction, steps = float(self.controls["fraction"].value), int(self.controls["steps"].value)
        self.paths = {}
        words = []
        for name, problem in (("raw", self.raw), ("std", self.std)):
            lr = fraction * problem.lr_max
            path = descent_path(problem.X, problem.y, lr, steps)  # (steps + 1, 2)
            self.paths[name] = path
            (lo1, hi1), (lo2, hi2) = problem.span
            shown = np.clip(path, [lo1 - 1, lo2 - 1], [hi1 + 1, hi2 + 1])  # a diverging path leaves the panel
            self.lines[name].set_data(shown[:, 0], shown[:, 1])
            excess = float(problem.excess(path[-1]))
            self.labels[name].set_text(f"η = {_sci(lr) if lr >= 1e-3 else f'{lr:.2g}'}\n"
                                       f"after {steps} steps: L − L* = {excess:.3g}")
            words.append(excess)
        self.status.value = (f"The same fraction {fraction:.2f} of the largest stable learning rate on both: "
                             f"η_max = {self.raw.lr_max:.2g} raw, {self.std.lr_max:.2g} standardized. After {steps} "
                             f"steps the loss is {words[0]:.3g} above its minimum raw and {words[1]:.3g} "
                             "standardized" + (" (above 1 the step overshoots more every time: divergence)."
                                               if fraction > 1 else "."))


def standardization_descent(**kwargs):
    """A :class:`StandardizationDescent` (or a one-line note while nbgrader grades)."""
    return show(StandardizationDescent, **kwargs)
