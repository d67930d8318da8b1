"""L1 against L2: the weights of one model trained under each penalty, as histograms, while λ grows.

:class:`PenaltyHistograms` trains softmax regression (a single 64 -> 10
layer, 640 weights) on 500 standardized digits from the same initial
weights, full batch, 200 steps of gradient descent with learning rate 0.5,
under three penalties:

- **L2** ``λ ΣW²``: the step ``W - lr (dW + 2 λ W)`` shrinks every weight in
  proportion to its size, so weights get small but almost none reaches 0;
- **L1, soft-threshold** (the proximal step): ``soft_threshold(W - lr dW,
  lr λ)`` moves every weight ``lr λ`` towards 0 and stops it there, so many
  weights become exactly 0 (sparsity);
- **L1, subgradient**: ``W - lr (dW + λ sign(W))`` pushes with the same force
  ``λ``, but a weight near 0 overshoots and flips sign every step: tiny, not
  zero.

All penalties and all λ are trained at once, as a stack of weight matrices
(one NumPy product per step for all of them), when the widget is built;
moving the slider only redraws.  The notebook may pass the student's own
``soft_threshold`` ("your code powers this").
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from nnlib.data import load_digits, standardize
from nnlib.regularization import soft_threshold as nnlib_soft_threshold
from nnlib.widgets._base import show, use_student
from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets._lecture import lecture_view

__all__ = ["LAMBDAS", "PenaltyHistograms", "penalty_histograms", "train_penalised"]

LAMBDAS = (0.0, 1e-3, 3e-3, 0.01, 0.03, 0.1)
ROWS, STEPS, LR = 500, 200, 0.5
BINS = np.linspace(-1.225, 1.225, 50)  # (50,) edges: 49 bins of 0.05, the middle one [-0.025, 0.025] around 0
ZERO_TOL = 1e-3  # "near 0" in the status line
PANELS = ("L2", "L1, soft-threshold")
COLORS = {"L2": "#1f77b4", "L1, soft-threshold": "#d62728"}


def train_penalised(lams, soft_threshold=nnlib_soft_threshold, rows=ROWS, steps=STEPS, lr=LR, seed=0):
    """Softmax regression on the digits under L2, L1 (soft-threshold) and L1 (subgradient) for every λ.

    Parameters
    ----------
    lams : sequence of float, length K
    soft_threshold : callable (w, t) -> ndarray
        The proximal step of L1 (nnlib's, or a student's).
    rows, steps, lr, seed : training set size, full-batch steps, learning rate, initial weights

    Returns
    -------
    dict kind -> ndarray (K, 64, 10)
        The final weights for "L2", "L1, soft-threshold" and "L1, subgradient".
    accuracy : dict kind -> ndarray (K,)
        On the 500 training rows and on the next 500 rows (validation), as ``(K, 2)``.
    """
    X_all, y_all = load_digits()
    X, mean, std = standardize(X_all[:rows])  # (rows, 64)
    y = y_all[:rows]
    X_val, _, _ = standardize(X_all[rows:2 * rows], mean, std)  # (rows, 64)
    y_val = y_all[rows:2 * rows]
    lams = np.asarray(lams, dtype=float)  # (K,)
    K = len(lams)
    W0 = np.random.default_rng(seed).normal(0.0, 0.1, size=(64, 10))  # (64, 10)
    onehot = np.eye(10)[y]  # (rows, 10)
    kinds = ("L2", "L1, soft-threshold", "L1, subgradient")
    W = {k: np.repeat(W0[None], K, axis=0) for k in kinds}  # (K, 64, 10) each
    b = {k: np.zeros((K, 1, 10)) for k in kinds}  # (K, 1, 10) each
    lam = lams[:, None, None]  # (K, 1, 1)
    for _ in range(steps):
        for k in kinds:
            Z = X @ W[k] + b[k]  # (K, rows, 10)
            Z -= Z.max(axis=2, keepdims=True)
            P = np.exp(Z)
            P /= P.sum(axis=2, keepdims=True)
            dZ = (P - onehot) / len(X)  # (K, rows, 10) softmax cross-entropy's gradient
            dW = X.T @ dZ  # (K, 64, 10)
            b[k] = b[k] - lr * dZ.sum(axis=1, keepdims=True)
            if k == "L2":
                W[k] = W[k] - lr * (dW + 2 * lam * W[k])
            elif k == "L1, subgradient":
                W[k] = W[k] - lr * (dW + lam * np.sign(W[k]))
            else:
                W[k] = np.stack([np.asarray(soft_threshold(W[k][i] - lr * dW[i], lr * lams[i]), dtype=float)
                                 for i in range(K)])
    accuracy = {}
    for k in kinds:
        accuracy[k] = np.array([[np.mean((X @ W[k][i] + b[k][i]).argmax(1) == y),
                                 np.mean((X_val @ W[k][i] + b[k][i]).argmax(1) == y_val)] for i in range(K)])
    return W, accuracy


class PenaltyHistograms(BlittedWidget):
    """Histograms of 640 weights under L2 and under L1 as λ grows (see the module docstring).

    Parameters
    ----------
    lam : float, one of LAMBDAS
    l1_step : {"soft-threshold", "subgradient"}
        How the right-hand panel's L1 is applied.
    soft_threshold : callable, optional
        The student's ``soft_threshold(w, t)``; nnlib's when None (or while it is a stub).
    hide : iterable of str
        Controls to keep off the screen: "λ", "L1 step".
    """

    def __init__(self, lam=0.01, l1_step="soft-threshold", soft_threshold=None, hide=()):
        if lam not in LAMBDAS:
            raise ValueError(f"lam must be one of {LAMBDAS}, got {lam!r}")
        if l1_step not in ("soft-threshold", "subgradient"):
            raise ValueError(f"l1_step must be 'soft-threshold' or 'subgradient', got {l1_step!r}")
        super().__init__(figsize=(8.2, 3.0), hide=hide)
        self.yours = ""
        if soft_threshold is not None:
            chosen = use_student(soft_threshold, nnlib_soft_threshold, (np.array([0.5, -0.05]), 0.1))
            if chosen is soft_threshold and not lecture_view():
                self.yours = " ✓ your soft_threshold powers the L1 panel."
            soft_threshold = chosen
        self.weights, self.accuracy = train_penalised(LAMBDAS, soft_threshold or nnlib_soft_threshold)
        self.controls["λ"] = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in LAMBDAS], value=lam,
                                                     description="λ", continuous_update=True)
        self.controls["L1 step"] = widgets.ToggleButtons(options=["soft-threshold", "subgradient"], value=l1_step,
                                                         description="L1 step")
        self._wire()

    def background_key(self):
        return None

    def build(self) -> None:
        fig = self.view.figure
        self.axes = [fig.add_subplot(1, 2, i + 1) for i in range(2)]
        centers = (BINS[:-1] + BINS[1:]) / 2
        self.stairs, self.notes = [], []
        for ax, panel in zip(self.axes, PANELS):
            stairs = ax.stairs(np.ones(len(centers)), BINS, fill=True, color=COLORS[panel], alpha=0.75)
            self.stairs.append(stairs)
            ax.set_yscale("log")
            ax.set_ylim(0.8, 800)
            ax.set_xlim(BINS[0], BINS[-1])
            ax.set_xlabel("weight value", fontsize=10)
            ax.tick_params(labelsize=9)
            ax.grid(alpha=0.3)
            self.notes.append(ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top", fontsize=10,
                                      bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85}))
        self.axes[0].set_ylabel("how many of 640 (log)", fontsize=10)
        self.titles = [ax.set_title(" ", fontsize=10) for ax in self.axes]

    def moving(self) -> list:
        return [*self.stairs, *self.notes, *self.titles]

    def draw(self) -> None:
        lam = self.controls["λ"].value
        i = LAMBDAS.index(lam)
        l1 = "L1, soft-threshold" if self.controls["L1 step"].value == "soft-threshold" else "L1, subgradient"
        rows = []
        for stairs, note, title, kind in zip(self.stairs, self.notes, self.titles, ("L2", l1)):
            W = self.weights[kind][i].ravel()  # (640,)
            counts, _ = np.histogram(np.clip(W, BINS[0], BINS[-1]), BINS)
            stairs.set_data(np.maximum(counts, 1e-3))
            zeros, near = int(np.sum(W == 0)), int(np.sum(np.abs(W) < ZERO_TOL))
            note.set_text(f"exactly 0: {zeros}\n|w| < 0.001: {near}")
            title.set_text(f"{kind}, λ = {lam:g}")
            train_acc, val_acc = self.accuracy[kind][i]
            rows.append(f"{kind}: accuracy {train_acc:.0%} train, {val_acc:.0%} validation")
        self.status.value = (f"Softmax regression on {ROWS} digits, {STEPS} steps of full-batch gradient descent "
                             f"(lr {LR:g}), the same start for every panel. {'; '.join(rows)}.{self.yours}")


def penalty_histograms(**kwargs):
    """A :class:`PenaltyHistograms` (or a one-line note while nbgrader grades)."""
    return show(PenaltyHistograms, **kwargs)
