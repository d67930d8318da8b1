"""An exponentially weighted moving average over a noisy series, with and without bias correction.

:class:`EwmaExplorer` draws a noisy series (a level of 10 that drifts,
plus noise), its average ``v_t = beta v_{t-1} + (1 - beta) x_t`` from
``v_0 = 0`` (dashed) and the bias-corrected ``v_t / (1 - beta^t)`` (solid),
with a slider for ``beta``.  The raw average starts at 0 and needs about
``1 / (1 - beta)`` values to catch up with the series; the corrected one is
right from the first value.  Larger ``beta`` is smoother and lags more.

The averages come from an ``ewma(x, beta, bias_correction)`` function:
nnlib's by default, or the student's own (``ewma=``, "your code powers this").
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from nnlib.update_rules import ewma as nnlib_ewma
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets._lecture import lecture_view

__all__ = ["noisy_series", "EwmaExplorer", "ewma_explorer"]

COLORS = {"data": "#9aa5b1", "raw": "#d1731b", "corrected": "#1f4e79"}
T = 100


def noisy_series(T: int = T, seed: int = 5) -> np.ndarray:
    """``T`` values: 10, drifting up by 3 along a slow sine, plus noise of standard deviation 1 (seeded)."""
    t = np.arange(T)  # (T,)
    return 10.0 + 3.0 * np.sin(2 * np.pi * t / T) + np.random.default_rng(seed).normal(size=T)


class EwmaExplorer(BlittedWidget):
    """A noisy series and its exponentially weighted average, raw and bias-corrected, against beta.

    Parameters
    ----------
    beta : float
        Decay of the average (slider 0.5 to 0.99).
    ewma : callable, optional
        ``ewma(x, beta, bias_correction=True) -> ndarray``; default nnlib's.
        When it raises (a stub raises NotImplementedError), nnlib's is used
        and the status line says so.
    hide : iterable of str
        Controls to keep off the screen: "beta".

    Attributes
    ----------
    raw, corrected : ndarray, shape (100,)
        The two averages shown.
    """

    def __init__(self, beta=0.9, ewma=None, hide=()):
        super().__init__(figsize=(8.6, 3.1), hide=hide)
        self.x = noisy_series()  # (T,)
        self.ewma = nnlib_ewma if ewma is None else ewma
        self.note = ""
        self.controls["beta"] = widgets.FloatSlider(value=beta, min=0.5, max=0.99, step=0.01, description="β",
                                                    readout_format=".2f", continuous_update=True)
        self._wire()

    def _averages(self, beta: float):
        """(raw, corrected) from the given ewma, or nnlib's with a note when it fails."""
        if self.ewma is not nnlib_ewma:
            name = getattr(self.ewma, "__name__", "ewma")
            try:
                raw = np.asarray(self.ewma(self.x.copy(), beta, bias_correction=False), dtype=float)
                corrected = np.asarray(self.ewma(self.x.copy(), beta, bias_correction=True), dtype=float)
                if raw.shape == corrected.shape == self.x.shape:
                    self.note = f"✓ your <code>{name}</code> powers this."
                    return raw, corrected
                self.note = f"Note: your <code>{name}</code> returned shape {raw.shape}; showing nnlib's ewma."
            except NotImplementedError:
                self.note = f"Note: your <code>{name}</code> is not implemented yet; showing nnlib's ewma."
            except Exception as exc:  # a bug in the student's code must not break the widget
                self.note = f"Note: your <code>{name}</code> raised {type(exc).__name__}: {exc}; showing nnlib's ewma."
        return nnlib_ewma(self.x, beta, bias_correction=False), nnlib_ewma(self.x, beta)

    def build(self) -> None:
        fig = self.view.figure
        fig.set_layout_engine(None)
        self.ax = fig.add_axes((0.07, 0.16, 0.9, 0.7))
        t = np.arange(1, T + 1)  # (T,)
        (self.points,) = self.ax.plot(t, self.x, "o", ms=3.5, color=COLORS["data"], label=r"series $x_t$", zorder=2)
        (self.raw_line,) = self.ax.plot([], [], "--", lw=2, color=COLORS["raw"], label=r"$v_t$ (from $v_0 = 0$)", zorder=3)
        (self.corrected_line,) = self.ax.plot([], [], lw=2.5, color=COLORS["corrected"],
                                              label=r"$v_t\,/\,(1 - \beta^t)$, bias-corrected", zorder=4)
        self.window = self.ax.axvspan(0.5, 10.5, color="#f3e3c8", alpha=0.7, lw=0, zorder=1)
        self.ax.set_xlim(0, T + 1)
        self.ax.set_ylim(0, 16)
        self.ax.set_xlabel("t")
        self.ax.grid(alpha=0.3)
        self.ax.legend(fontsize=9.5, loc="lower right", framealpha=0.9)

    def moving(self) -> list:
        # the points too: drawn after the shaded window, which moves, they stay on top of it
        return [self.window, self.points, self.raw_line, self.corrected_line, self.ax.title]

    def draw(self) -> None:
        beta = float(self.controls["beta"].value)
        self.raw, self.corrected = self._averages(beta)
        t = np.arange(1, T + 1)
        self.raw_line.set_data(t, self.raw)
        self.corrected_line.set_data(t, self.corrected)
        window = 1.0 / (1.0 - beta)
        self.window.set_x(0.5)
        self.window.set_width(min(window, T))
        self.ax.set_title(f"β = {beta:.2f}: the average remembers about 1 / (1 − β) = {window:.3g} values (shaded)",
                          fontsize=11)
        self.status.value = (f"At t = 1 the raw average is (1 − β) x₁ = {self.raw[0]:.3g}, the corrected one "
                             f"{self.corrected[0]:.4g} = x₁; after t = {window:.3g} values the raw one has "
                             f"reached 1 − β^t ≈ {1 - beta ** max(1, round(window)):.2f} of the level. "
                             + ("" if lecture_view() else self.note))  # the lecture view: no "your code" line


def ewma_explorer(**kwargs):
    """An :class:`EwmaExplorer` (or a one-line note while nbgrader grades)."""
    return show(EwmaExplorer, **kwargs)
