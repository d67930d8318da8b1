"""One small digits network, trained once per setting and shared by chapter 08's evaluation widgets.

The bundled digits are split once (``train_val_split``, 25 % held out,
stratified, seed 0), standardized with the training rows' statistics, and a
64-32-10 ReLU network is trained with Adam on the training rows.  The
confusion matrix and the permutation importance are measured on the held-out
rows, which the network never saw.  Trained networks are cached by their
number of epochs: the widgets of a notebook (and their tests) share them.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from nnlib.data import load_digits, standardize, train_val_split
from nnlib.layers import Activation, Dense
from nnlib.network import Sequential
from nnlib.optimizers import Adam
from nnlib.training import fit

__all__ = ["TrainedDigits", "trained_digits"]


@dataclass(frozen=True)
class TrainedDigits:
    """A trained network and the held-out digits it is judged on.

    images : (M, 64) pixel values 0..16 of the held-out digits (for drawing)
    X : (M, 64) the same rows standardized with the training statistics
    y : (M,) their labels
    probs : (M, 10) the network's softmax outputs
    pred : (M,) its predicted classes
    model : the trained Sequential
    """

    images: np.ndarray
    X: np.ndarray
    y: np.ndarray
    probs: np.ndarray
    pred: np.ndarray
    model: Sequential

    def predict(self, X) -> np.ndarray:
        """Class scores (N, 10) for standardized rows X (N, 64)."""
        return self.model.forward(np.asarray(X, dtype=np.float64), training=False)


@functools.lru_cache(maxsize=8)
def trained_digits(epochs: int = 20, seed: int = 0) -> TrainedDigits:
    """The 64-32-10 network after ``epochs`` epochs of Adam (lr 1e-3, batches of 32), cached."""
    X_all, y_all = load_digits()
    X_tr, X_te, y_tr, y_te = train_val_split(X_all, y_all, val_fraction=0.25, rng=0)
    X_tr_std, mean, std = standardize(X_tr)  # (N, 64)
    X_te_std, _, _ = standardize(X_te, mean, std)  # (M, 64)
    model = Sequential([Dense(64, 32, rng=seed), Activation("relu"), Dense(32, 10, rng=seed + 1)])
    fit(model, "softmax_cross_entropy", Adam(lr=1e-3), X_tr_std, y_tr, epochs=int(epochs), batch_size=32,
        rng=seed + 2, progress=False)
    scores = model.forward(X_te_std, training=False)  # (M, 10)
    z = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # (M, 10)
    for a in (X_te, X_te_std, y_te, probs):
        a.flags.writeable = False  # shared by every widget: nobody may change them
    return TrainedDigits(X_te, X_te_std, y_te, probs, probs.argmax(axis=1), model)
