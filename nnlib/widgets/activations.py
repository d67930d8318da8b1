"""Chapter 02 widget: an activation function and its derivative, side by side.

Choose an activation from :mod:`nnlib.activations`; the left axes show
``f(z)`` over ``z`` in [-6, 6] with its range marked (dashed lines at finite
bounds), the right axes its derivative ``f'(z)``.  Where ``|f'(z)| < 0.05``
all the way out to an end of the plotted range, the function is *saturated*
— it has flattened out for good, so almost no gradient flows back through
it — and both axes shade that stretch of ``z``.  A slope that only passes
through 0 (at the minimum of GELU or swish) is not saturation: the curve
turns there, and that stretch is not shaded.  Sliders for the parameters
appear only where the function has one, each with a range that makes sense
for it: ``alpha`` for leaky ReLU (0 to 1) and ELU (0.1 to 2), ``beta`` for
swish (0.1 to 5).

The y-axes stay fixed while a slider moves (they cover the curve for every
value of the parameter), so that moving ``alpha`` visibly changes the curve
instead of rescaling the axes around it; the *fit axes* box zooms the axes
in on the current curve instead.

Softmax is not elementwise (each output depends on the whole row); the
widget shows the first entry of ``softmax((z, 0))``, which is exactly
``sigmoid(z)`` — the two-class softmax *is* the sigmoid.

Speed: artists are built once and only their data change, drawn over a
cached background (``nnlib.widgets._blit.BlittedWidget``).  Measured
on 2 cores: a slider frame about 15 ms (median); choosing another function
about 60 ms, because its axes limits and titles change and the background is
drawn again.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from nnlib import activations as act
from nnlib.mlp import ACTIVATION_NAMES
from nnlib.widgets._base import show
from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets._layout import fit_control

__all__ = ["ActivationExplorer", "activation_explorer", "SATURATION", "describe"]

Z_RANGE = (-6.0, 6.0)
SATURATION = 0.05  # |f'| below this counts as saturated
_SHADE = (0.84, 0.15, 0.16, 0.16)  # light red
_MAX_RUNS = 4  # saturated stretches drawn per axes (the most any activation here has is 2)
_Z = np.linspace(*Z_RANGE, 1201)  # (1201,) sample points, step 0.01

# Which slider each parametrised activation uses, and its default value.
PARAMETERS = {"leaky_relu": ("alpha", 0.01), "elu": ("alpha", 1.0), "swish": ("beta", 1.0)}
# The slider's range for each: leaky ReLU's alpha above 1 would make the negative side the steeper one,
# and ELU with alpha near 0 is ReLU.
RANGES = {"leaky_relu": (0.0, 1.0), "elu": (0.1, 2.0), "swish": (0.1, 5.0)}

# Minima of z*Phi(z) (GELU) and u*sigmoid(u) (swish with beta = 1, scaled by 1/beta otherwise).
_u = np.linspace(-3.0, 0.0, 30001)  # (30001,)
GELU_MIN = float(np.min(act.gelu(_u)))  # about -0.170
SWISH_MIN = float(np.min(act.swish(_u)))  # about -0.278

# name -> (formula, derivative, range as text); alpha and beta are filled in by describe().
FORMULAS = {
    "identity": ("f(z) = z", "f′(z) = 1", "(−∞, ∞)"),
    "step": ("f(z) = 1 if z > 0 else 0", "f′(z) = 0 (undefined at z = 0)", "{{0, 1}}"),
    "sigmoid": ("f(z) = 1 / (1 + e^(−z))", "f′(z) = f(z)(1 − f(z)) ≤ 0.25", "(0, 1)"),
    "tanh": ("f(z) = (e^z − e^(−z)) / (e^z + e^(−z))", "f′(z) = 1 − f(z)² ≤ 1", "(−1, 1)"),
    "relu": ("f(z) = max(0, z)", "f′(z) = 1 if z > 0 else 0", "[0, ∞)"),
    "leaky_relu": ("f(z) = z if z > 0 else αz", "f′(z) = 1 if z > 0 else α", "(−∞, ∞)"),
    "elu": ("f(z) = z if z > 0 else α(e^z − 1)", "f′(z) = 1 if z > 0 else αe^z", "(−α, ∞) = ({lo}, ∞)"),
    "gelu": ("f(z) = z·Φ(z)", "f′(z) = Φ(z) + z·φ(z)", "[{lo}, ∞)"),
    "softplus": ("f(z) = ln(1 + e^z)", "f′(z) = sigmoid(z)", "(0, ∞)"),
    "swish": ("f(z) = z·sigmoid(βz)", "f′(z) = s + βz·s(1 − s), s = sigmoid(βz)", "[{lo}, ∞)"),
    "softsign": ("f(z) = z / (1 + |z|)", "f′(z) = 1 / (1 + |z|)²", "(−1, 1)"),
    "softmax": ("p₁ = e^(z₁) / Σⱼ e^(zⱼ), shown for the row (z, 0)", "∂p₁/∂z₁ = p₁(1 − p₁)",
                "(0, 1), each row sums to 1"),
}


# name -> (title of f, title of f') for the figure, in matplotlib mathtext.
TITLES = {
    "identity": (r"$f(z) = z$", r"$f\,'(z) = 1$"),
    "step": (r"$f(z) = 1$ if $z > 0$, else $0$", r"$f\,'(z) = 0$ (undefined at $z = 0$)"),
    "sigmoid": (r"$f(z) = 1\,/\,(1 + e^{-z})$", r"$f\,'(z) = f(z)\,(1 - f(z)) \leq 0.25$"),
    "tanh": (r"$f(z) = (e^{z} - e^{-z})\,/\,(e^{z} + e^{-z})$", r"$f\,'(z) = 1 - f(z)^2 \leq 1$"),
    "relu": (r"$f(z) = \max(0, z)$", r"$f\,'(z) = 1$ if $z > 0$, else $0$"),
    "leaky_relu": (r"$f(z) = z$ if $z > 0$, else $\alpha z$", r"$f\,'(z) = 1$ if $z > 0$, else $\alpha$"),
    "elu": (r"$f(z) = z$ if $z > 0$, else $\alpha\,(e^{z} - 1)$", r"$f\,'(z) = 1$ if $z > 0$, else $\alpha e^{z}$"),
    "gelu": (r"$f(z) = z\,\Phi(z)$", r"$f\,'(z) = \Phi(z) + z\,\varphi(z)$"),
    "softplus": (r"$f(z) = \ln(1 + e^{z})$", r"$f\,'(z) = \sigma(z)$"),
    "swish": (r"$f(z) = z\,\sigma(\beta z)$", r"$f\,'(z) = s + \beta z\,s\,(1 - s)$,  $s = \sigma(\beta z)$"),
    "softsign": (r"$f(z) = z\,/\,(1 + |z|)$", r"$f\,'(z) = 1\,/\,(1 + |z|)^2$"),
    # \Sigma rather than \sum: an inline \sum with a subscript is taller than the other titles, and the
    # figure's layout is computed once, for the first function shown
    "softmax": (r"$p_1 = e^{z_1} / \Sigma_j\, e^{z_j}$ for the row $(z, 0)$", r"$\partial p_1 / \partial z_1 = p_1 (1 - p_1)$"),
}


def _number(v: float) -> str:
    """A range bound as text: at most 2 decimals, no trailing zeros, a real minus sign, never "-0"."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "0", "") else text.replace("-", "−")


def _bounds(name: str, alpha: float, beta: float) -> tuple[float, float]:
    """The range of ``f`` as (low, high); ±inf where unbounded (closed or open is in FORMULAS)."""
    inf = np.inf
    table = {
        "identity": (-inf, inf), "step": (0.0, 1.0), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0),
        "relu": (0.0, inf), "leaky_relu": (-inf if alpha > 0 else 0.0, inf), "elu": (-alpha, inf),
        "gelu": (GELU_MIN, inf), "softplus": (0.0, inf), "swish": (SWISH_MIN / beta, inf),
        "softsign": (-1.0, 1.0), "softmax": (0.0, 1.0),
    }
    return table[name]


def curves(name: str, alpha: float = 0.01, beta: float = 1.0, z=_Z):
    """``f(z)`` and ``f'(z)`` for the named activation (softmax: first entry of softmax((z, 0)))."""
    if name == "softmax":
        rows = np.stack([z, np.zeros_like(z)], axis=1)  # (M, 2)
        p = act.softmax(rows)
        dY = np.zeros_like(rows)
        dY[:, 0] = 1.0  # differentiate the first entry
        return p[:, 0], act.softmax_backward(dY, p)[:, 0]
    f, f_grad = act.ACTIVATIONS[name]
    kwargs = {PARAMETERS[name][0]: alpha if PARAMETERS[name][0] == "alpha" else beta} if name in PARAMETERS else {}
    return f(z, **kwargs), f_grad(z, **kwargs)


def _runs(mask: np.ndarray, z: np.ndarray) -> list[tuple[float, float]]:
    """The stretches ``[z_start, z_end]`` where ``mask`` is True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(float(z[a]), float(z[b - 1])) for a, b in zip(edges[::2], edges[1::2])]


def saturated_runs(df: np.ndarray, z=_Z) -> list[tuple[float, float]]:
    """Where |f'| < SATURATION all the way to an end of ``z``: the function has flattened out for good.

    A stretch in the middle (the slope passing through 0 at a minimum, as for
    GELU and swish) is where the curve turns round, not saturation.
    """
    return [(a, b) for a, b in _runs(np.abs(df) < SATURATION, z) if a <= z[0] or b >= z[-1]]


def describe(name: str, alpha: float = 0.01, beta: float = 1.0) -> dict:
    """Formula, derivative, range text and saturated stretches of one activation (what the widget shows)."""
    formula, derivative, range_text = FORMULAS[name]
    lo, _hi = _bounds(name, alpha, beta)
    range_text = range_text.format(lo=_number(lo))
    _, d = curves(name, alpha, beta)
    return {"formula": formula, "derivative": derivative, "range": range_text, "saturated": saturated_runs(d)}


def _nice_limits(values: np.ndarray, bounds=(-np.inf, np.inf)) -> tuple[float, float]:
    """y-limits covering the curve and its finite range bounds, rounded out to halves.

    Rounding keeps the limits unchanged while a slider moves a little, so the
    static background need not be redrawn on every frame.
    """
    finite = [v for v in bounds if np.isfinite(v)]
    lo = min(float(np.min(values)), *finite) if finite else float(np.min(values))
    hi = max(float(np.max(values)), *finite) if finite else float(np.max(values))
    pad = max(0.1 * (hi - lo), 0.15)
    return float(np.floor((lo - pad) * 2) / 2), float(np.ceil((hi + pad) * 2) / 2)


def fixed_limits(name: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """y-limits of f and f' that hold the curve for every value of the function's parameter (its slider's range)."""
    if name not in PARAMETERS:
        f, df = curves(name)
        return _nice_limits(f, _bounds(name, 0.01, 1.0)), _nice_limits(df)
    param = PARAMETERS[name][0]
    fs, dfs, bounds = [], [], []
    for value in np.linspace(*RANGES[name], 21):
        alpha, beta = (value, 1.0) if param == "alpha" else (0.01, value)
        f, df = curves(name, alpha, beta)
        fs.append(f)
        dfs.append(df)
        bounds.extend(b for b in _bounds(name, alpha, beta) if np.isfinite(b))
    f_all, df_all = np.concatenate(fs), np.concatenate(dfs)
    return _nice_limits(np.concatenate([f_all, bounds]) if bounds else f_all), _nice_limits(df_all)


def _interval_text(runs) -> str:
    if not runs:
        return "nowhere on [−6, 6]"
    parts = []
    for a, b in runs:
        if a <= Z_RANGE[0] and b >= Z_RANGE[1]:
            parts.append("everywhere")
        elif a <= Z_RANGE[0]:
            parts.append(f"z ≤ {b:.2f}")
        elif b >= Z_RANGE[1]:
            parts.append(f"z ≥ {a:.2f}")
        else:
            parts.append(f"{a:.2f} ≤ z ≤ {b:.2f}")
    return " and ".join(parts).replace("-", "−")


def _set_range(slider, lo: float, hi: float, value: float) -> None:
    """Give a slider a new range and value, in an order that never clamps the new value on the way."""
    slider.max = max(slider.max, hi, value)  # widen first ...
    slider.min = min(slider.min, lo, value)
    slider.value = value
    slider.min = lo  # ... then narrow to the new range, which holds the value
    slider.max = hi


class ActivationExplorer(BlittedWidget):
    """Pick an activation; see ``f`` and ``f'`` with the range and the saturated stretches.

    Parameters
    ----------
    name : str
        First activation shown: a key of ``nnlib.activations.ACTIVATIONS`` or "softmax".
    alpha : float or None
        Starting ``alpha`` (leaky ReLU, ELU); None uses the function's default.
    beta : float
        Starting ``beta`` (swish).
    fit : bool
        Start with the axes fitted to the current curve (the *fit axes* box) instead of fixed.
    hide : iterable of str
        Controls to keep off the screen: any of "name", "alpha", "beta", "fit".

    Attributes
    ----------
    f, df : ndarray, shape (1201,)
        The plotted values of f and f' over z in [-6, 6].
    info : dict
        What :func:`describe` says about the current function.
    """

    def __init__(self, name="sigmoid", alpha=None, beta=1.0, fit=False, hide=()):
        if name not in ACTIVATION_NAMES:
            raise ValueError(f"name must be one of {list(ACTIVATION_NAMES)}, got {name!r}")
        super().__init__(figsize=(8.6, 3.3), hide=hide)
        self.controls["name"] = widgets.Dropdown(options=list(ACTIVATION_NAMES), value=name, description="activation")
        start_alpha = alpha if alpha is not None else (PARAMETERS[name][1] if name in PARAMETERS else 0.01)
        alpha_range = RANGES[name] if name in ("leaky_relu", "elu") else RANGES["leaky_relu"]
        self.controls["alpha"] = widgets.FloatSlider(value=start_alpha, min=alpha_range[0], max=alpha_range[1],
                                                     step=0.01, description="α", continuous_update=True,
                                                     readout_format=".2f")
        self.controls["beta"] = widgets.FloatSlider(value=beta, min=RANGES["swish"][0], max=RANGES["swish"][1],
                                                    step=0.1, description="β", continuous_update=True,
                                                    readout_format=".1f")
        self.controls["fit"] = widgets.Checkbox(value=bool(fit), description="fit axes", indent=False)
        # Registered before _wire()'s observer: load the new function's default parameter first.
        self.controls["name"].observe(lambda change: self._load(change["new"]), names="value")
        self._show_parameters(name)
        self._wire()

    # -- controls ---------------------------------------------------------------
    def _show_parameters(self, name: str) -> None:
        """Show and enable only the slider the function uses."""
        used = PARAMETERS[name][0] if name in PARAMETERS else None
        for param in ("alpha", "beta"):
            slider = self.controls[param]
            slider.disabled = param != used
            slider.layout.display = None if param == used else "none"

    def _load(self, name: str) -> None:
        with self.holding():
            if name in PARAMETERS:
                param, default = PARAMETERS[name]
                _set_range(self.controls[param], *RANGES[name], default)
                fit_control(self.controls[param])  # another range, another number of steps: another track length
            self._show_parameters(name)

    @property
    def name(self) -> str:
        return self.controls["name"].value

    # -- drawing ----------------------------------------------------------------
    def build(self) -> None:
        fig = self.view.figure
        self.ax_f, self.ax_d = fig.subplots(1, 2)
        self.shades = []  # per axes a few rectangles, spanning the full height whatever the y-limits
        for ax, label in ((self.ax_f, "f(z)"), (self.ax_d, "f′(z)")):
            ax.set_xlim(*Z_RANGE)
            ax.axhline(0.0, color="#999999", lw=0.8, zorder=0)
            ax.axvline(0.0, color="#999999", lw=0.8, zorder=0)
            ax.set_xlabel("z")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
            for _ in range(_MAX_RUNS):
                # zorder 1.6: above the grid (1.5), below the curves (2)
                rect = Rectangle((0, 0), 0, 1, transform=ax.get_xaxis_transform(), color=_SHADE, lw=0, zorder=1.6)
                ax.add_patch(rect)
                self.shades.append(rect)
        (self.line_f,) = self.ax_f.plot(_Z, _Z, color="#2a6fb0", lw=2.5)
        (self.line_d,) = self.ax_d.plot(_Z, _Z, color="#d1731b", lw=2.5)
        self.bound_lines = [self.ax_f.axhline(0.0, color="#2a6fb0", lw=1.2, ls="--") for _ in range(2)]
        self.range_label = self.ax_f.text(0.03, 0.95, "", transform=self.ax_f.transAxes, va="top", fontsize=10,
                                          bbox=dict(boxstyle="round", facecolor="white", alpha=0.85, edgecolor="#cccccc"))
        self.ax_d.fill_between([], [], color=_SHADE, label=f"saturated: |f′| < {SATURATION}")
        self.ax_d.legend(loc="upper right", fontsize=9, frameon=False)
        self._static = None  # (name, y-limits) the background was drawn for
        self._fixed = {}  # name -> y-limits that hold the curve for every value of its parameter
        self._backgrounds = {}  # static -> rendered background, one per function/limits seen

    def moving(self) -> list:
        # Spines and the legend sit above the shading, so they are redrawn after it; sorting by
        # zorder (stable) keeps the order of a full draw, so a fast frame equals a full redraw.
        changing = [*self.shades, self.line_f, self.line_d, *self.bound_lines, self.range_label]
        above = [*self.ax_f.spines.values(), *self.ax_d.spines.values(), self.ax_d.get_legend()]
        return sorted(changing + above, key=lambda artist: artist.get_zorder())

    def _render(self) -> None:
        super()._render()
        self._backgrounds.setdefault(self._static, self._background)

    def draw(self) -> None:
        name = self.name
        alpha, beta = float(self.controls["alpha"].value), float(self.controls["beta"].value)
        self.f, self.df = curves(name, alpha, beta)
        self.info = describe(name, alpha, beta)
        lo, hi = _bounds(name, alpha, beta)
        if self.controls["fit"].value:  # zoomed in on the current curve
            static = (name, _nice_limits(self.f, (lo, hi)), _nice_limits(self.df))
        else:  # fixed for the function: moving a slider changes the curve, not the axes
            if name not in self._fixed:
                self._fixed[name] = fixed_limits(name)
            static = (name, *self._fixed[name])
        if static != self._static:  # new function or rescaled axes: redraw the static background
            self._static = static
            self.ax_f.set_ylim(*static[1])
            self.ax_d.set_ylim(*static[2])
            title_f, title_d = TITLES[name]
            self.ax_f.set_title(f"{name}:  {title_f}", fontsize=11)
            self.ax_d.set_title(title_d, fontsize=11)
            # A lecturer flips between a few functions: reuse the background drawn on an earlier
            # visit (None renders it afresh) instead of paying ~60 ms for axes and titles each time.
            self._background = self._backgrounds.get(static)
        runs = self.info["saturated"]
        for k in range(_MAX_RUNS):
            for rects in (self.shades[:_MAX_RUNS], self.shades[_MAX_RUNS:]):
                if k < len(runs):
                    rects[k].set_x(runs[k][0])
                    rects[k].set_width(runs[k][1] - runs[k][0])
                rects[k].set_visible(k < len(runs))
        self.line_f.set_ydata(self.f)
        self.line_d.set_ydata(self.df)
        for line, bound in zip(self.bound_lines, (lo, hi)):
            line.set_visible(bool(np.isfinite(bound)))
            if np.isfinite(bound):
                line.set_ydata([bound, bound])
        self.range_label.set_text(f"range {self.info['range']}")
        self.status.value = (f"<b>{name}</b>: {self.info['formula']}; {self.info['derivative']}; "
                             f"range {self.info['range']}. Saturated (|f′| &lt; {SATURATION}): "
                             f"{_interval_text(self.info['saturated'])}.")


def activation_explorer(name="sigmoid", hide=(), **kwargs):
    """An :class:`ActivationExplorer` (or a one-line note while nbgrader grades)."""
    return show(ActivationExplorer, name=name, hide=hide, **kwargs)
