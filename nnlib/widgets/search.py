"""Grid against random search when one hyperparameter matters and the other does not (Bergstra & Bengio).

:class:`SearchComparison` spends the same number of trials twice on a made-up
validation score over two hyperparameters: the learning rate (log scale,
1e-4 to 1) decides almost everything, through a narrow peak; the other one
(here called dropout) barely moves the score.  The background of both
panels is that score; the dashed outline marks its best 5 %.

- **Grid**, ``k x k = n`` trials (:func:`nnlib.tuning.grid_search` over k
  values of each): only k distinct learning rates are ever tried, and the
  other k - 1 trials at each of them are spent on the parameter that does
  not matter.
- **Random**, n trials (:func:`nnlib.tuning.random_search`, each drawn
  uniformly on the plotted axes, so the learning rate log-uniformly): n
  distinct learning rates.

The strip above each panel is the score as a function of the learning rate
alone, with a tick for every learning rate tried: the grid's k ticks against
random's n.  The chance that at least one of n random trials lands in the
best 5 % is ``1 - 0.95^n`` (:func:`nnlib.tuning.hit_chance`); a grid gives no
such promise.  The notebook may pass the student's own ``grid_search`` and
``random_search`` ("your code powers this").
"""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from nnlib import tuning
from nnlib.widgets._base import show, use_student
from nnlib.widgets._blit import BlittedWidget

__all__ = ["TRIALS", "SearchComparison", "score", "search_comparison", "search_points"]

TRIALS = (4, 9, 16, 25, 36, 49, 64)  # square numbers: a k x k grid spends exactly n trials
LOG_LR = (-4.0, 0.0)  # the learning-rate axis, log10 from 1e-4 to 1
PEAK, WIDTH = -1.6, 0.22  # the best log10 learning rate (about 0.025) and the peak's width in decades
RESOLUTION = 161  # landscape samples per axis
TOP = 0.05  # "the best 5 %"


def score(log_lr, dropout):
    """The made-up validation score: ``0.55 + 0.4 exp(-(log_lr - PEAK)^2 / (2 WIDTH^2)) + 0.02 sin(2 pi dropout)``.

    ``log_lr`` is log10 of the learning rate, ``dropout`` in [0, 1]; arrays broadcast.
    """
    log_lr, dropout = np.asarray(log_lr, dtype=float), np.asarray(dropout, dtype=float)
    return 0.55 + 0.4 * np.exp(-0.5 * ((log_lr - PEAK) / WIDTH) ** 2) + 0.02 * np.sin(2 * np.pi * dropout)


def _landscape():
    x = np.linspace(*LOG_LR, RESOLUTION)  # (R,)
    y = np.linspace(0.0, 1.0, RESOLUTION)  # (R,)
    S = score(x[None, :], y[:, None])  # (R, R), rows = dropout, columns = log lr
    return x, y, S, float(np.quantile(S, 1 - TOP))


def search_points(n, seed=0, grid_search=tuning.grid_search, random_search=tuning.random_search):
    """The trials of both searches with budget ``n`` (a square): two arrays (n, 2) of (log10 lr, dropout).

    The grid takes ``k = sqrt(n)`` values of each hyperparameter, the
    centres of k equal cells of the plotted range; random search draws each
    uniformly on the plotted axes (so the learning rate log-uniformly).
    """
    k = math.isqrt(n) if isinstance(n, (int, np.integer)) and n > 0 else 0
    if k * k != n:
        raise ValueError(f"search_points: n must be a square number (a k x k grid), got {n!r}")
    centres = (np.arange(k) + 0.5) / k  # (k,) in (0, 1)
    space = {"log_lr": list(LOG_LR[0] + (LOG_LR[1] - LOG_LR[0]) * centres), "dropout": list(centres)}
    grid = np.array([[c["log_lr"], c["dropout"]] for c in grid_search(space)], dtype=float)  # (n, 2)
    draws = {"log_lr": lambda rng: float(rng.uniform(*LOG_LR)), "dropout": lambda rng: float(rng.uniform(0, 1))}
    rand = np.array([[c["log_lr"], c["dropout"]] for c in random_search(draws, n, np.random.default_rng(seed))],
                    dtype=float)  # (n, 2)
    return grid, rand


class SearchComparison(BlittedWidget):
    """Grid and random search with the same budget on a landscape where only the learning rate matters.

    Parameters
    ----------
    trials : int, one of TRIALS
    seed : int
        The random search's draws.
    grid_search, random_search : callables, optional
        The student's functions (default nnlib's), with nnlib.tuning's signatures.
    hide : iterable of str
        Controls to keep off the screen: "trials", "seed".
    """

    def __init__(self, trials=9, seed=0, grid_search=None, random_search=None, hide=()):
        if trials not in TRIALS:
            raise ValueError(f"trials must be one of {TRIALS}, got {trials!r}")
        super().__init__(figsize=(8.4, 3.8), hide=hide)
        self.grid_search = grid_search or tuning.grid_search
        self.random_search = random_search or tuning.random_search
        self.x, self.y, self.S, self.threshold = _landscape()
        self.controls["trials"] = widgets.SelectionSlider(options=list(TRIALS), value=trials, description="trials")
        self.controls["seed"] = widgets.IntSlider(value=seed, min=0, max=30, description="seed")
        self._wire()

    # -- drawing ------------------------------------------------------------------------
    def build(self) -> None:
        fig = self.view.figure
        grid = fig.add_gridspec(2, 2, height_ratios=(1, 3.2), hspace=0.06, wspace=0.08)
        profile = score(self.x, 0.25)  # (R,) the score along the learning rate (dropout at its best)
        self.panels = {}
        for col, name in enumerate(("grid", "random")):
            ax = fig.add_subplot(grid[1, col])
            # flat colour bands (not a smooth image): the frame's PNG compresses several times faster
            ax.contourf(self.x, self.y, self.S, levels=np.linspace(0.5, 0.97, 11), cmap="viridis", extend="both")
            ax.contour(self.x, self.y, self.S, levels=[self.threshold], colors="white", linestyles="--",
                       linewidths=1.2)
            ax.set_xlabel("learning rate")
            ax.set_xticks([-4, -3, -2, -1, 0], ["1e-4", "1e-3", "0.01", "0.1", "1"])
            if col == 0:
                ax.set_ylabel("dropout (barely matters)")
            else:
                ax.set_yticklabels([])
            strip = fig.add_subplot(grid[0, col], sharex=ax)
            strip.plot(self.x, profile, color="0.3", lw=1.5)
            strip.set_ylim(0.5, 1.0)
            strip.set_yticks([])
            if col == 0:
                strip.set_ylabel("score")
            strip.tick_params(labelbottom=False)
            strip.set_xlim(*LOG_LR)
            (points,) = ax.plot([], [], "o", ms=6, mfc="white", mec="black", mew=0.8, zorder=3, clip_on=False)
            (best,) = ax.plot([], [], "*", ms=15, mfc="#ff7f0e", mec="black", mew=0.8, zorder=4, clip_on=False)
            ticks = strip.vlines([], 0.5, 1.0, colors="#d62728", lw=1.2, zorder=3)
            title = strip.set_title("", fontsize=11)
            self.panels[name] = {"ax": ax, "points": points, "best": best, "ticks": ticks, "title": title}

    def moving(self) -> list:
        return [a for p in self.panels.values() for a in (p["points"], p["best"], p["ticks"], p["title"])]

    def draw(self) -> None:
        n = int(self.controls["trials"].value)
        grid, rand = search_points(n, int(self.controls["seed"].value), self.grid_search, self.random_search)
        summary = {}
        for name, pts in (("grid", grid), ("random", rand)):
            p = self.panels[name]
            values = score(pts[:, 0], pts[:, 1])  # (n,)
            i = int(np.argmax(values))
            distinct = len(np.unique(np.round(pts[:, 0], 9)))
            p["points"].set_data(pts[:, 0], pts[:, 1])
            p["best"].set_data([pts[i, 0]], [pts[i, 1]])
            p["ticks"].set_segments([[(x, 0.5), (x, 1.0)] for x in pts[:, 0]])
            p["title"].set_text(f"{name}: {n} trials, {distinct} learning rates, best {values[i]:.3f}")
            summary[name] = (values[i], values[i] >= self.threshold)
        hit = tuning.hit_chance(n, TOP)
        said = {True: "in the best 5 %", False: "outside the best 5 %"}
        self.status.value = (f"Best of the grid {summary['grid'][0]:.3f} ({said[summary['grid'][1]]}), best of random "
                             f"search {summary['random'][0]:.3f} ({said[summary['random'][1]]}). "
                             f"Chance that {n} random trials hit the best 5 %: 1 − 0.95^{n} = {hit:.3f}.")


def search_comparison(grid_search=None, random_search=None, **kwargs):
    """A :class:`SearchComparison`, with the student's search functions when they work (else nnlib's)."""
    if grid_search is not None:
        grid_search = use_student(grid_search, tuning.grid_search, ({"a": [1, 2]},))
    if random_search is not None:
        random_search = use_student(random_search, tuning.random_search, ({"a": [1, 2]}, 2, np.random.default_rng(0)))
    return show(SearchComparison, grid_search=grid_search, random_search=random_search, **kwargs)
