"""How good is a classifier?  Accuracy, the confusion matrix, precision, recall, F1.

Accuracy is the fraction of right answers.  It hides *which* answers are
wrong, and on unbalanced data it flatters (always answering the majority class
of a 95 / 5 split scores 95 %).  The confusion matrix shows everything:
``M[i, j]`` counts the samples of true class i predicted as j, so the
diagonal holds the right answers.  From it, per class c:

- precision = TP / (TP + FP): of the samples called c, how many are c
  (column c of M);
- recall    = TP / (TP + FN): of the samples that are c, how many were found
  (row c of M);
- F1        = 2 P R / (P + R): their harmonic mean, high only when both are.

Macro averages take the plain mean over classes, so every class counts the
same however rare it is.

Predictions may be given as labels ``(N,)``, as class scores or probabilities
``(N, C)`` (the arg-max is taken), or as probabilities of class 1 ``(N,)`` /
``(N, 1)`` (thresholded: class 1 when p > 0.5, matching ``step(z)`` on the
logit z).  True labels may be ``(N,)`` labels or ``(N, C)`` one-hot rows.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["accuracy", "confusion_matrix", "precision_recall_f1", "to_labels"]


def to_labels(y, name: str = "y") -> np.ndarray:
    """Class labels ``(N,)`` int64 from labels, scores or probabilities.

    - ``(N, C)`` with C >= 2: ``argmax`` along the classes;
    - ``(N,)`` or ``(N, 1)`` of whole numbers: the labels themselves;
    - ``(N,)`` or ``(N, 1)`` with other values: probabilities of class 1,
      label ``1`` where ``p > 0.5``.
    """
    y = np.asarray(y)
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got dtype {y.dtype}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2:
        return np.argmax(y, axis=1).astype(np.int64)  # (N,)
    if y.ndim != 1:
        raise ValueError(f"{name} must have shape (N,), (N, 1) or (N, C), got {y.shape}")
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        labels = y.astype(np.int64)  # (N,)
    elif not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or infinity")
    elif np.all(y == np.round(y)):
        labels = y.astype(np.int64)  # (N,)
    else:
        return (y > 0.5).astype(np.int64)  # (N,)
    if labels.size and labels.min() < 0:
        raise ValueError(f"{name}: class labels must be >= 0, got {labels.min()}")
    return labels


def _paired_labels(y_true, y_pred):
    t = to_labels(y_true, "y_true")
    p = to_labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_pred must describe {t.shape[0]} samples like y_true, got {p.shape[0]}")
    if t.size == 0:
        raise ValueError("y_true and y_pred are empty")
    return t, p


def accuracy(y_pred, y_true):
    """Fraction of samples whose predicted class is the true class: ``mean(pred == true)``.

    Parameters
    ----------
    y_pred : array_like, shape (N,), (N, 1) or (N, C)
        Labels, probabilities of class 1, or class scores (see module doc).
    y_true : array_like, shape (N,) or (N, C)
        Labels or one-hot rows.

    Returns
    -------
    float in [0, 1]
    """
    t, p = _paired_labels(y_true, y_pred)
    return float(np.mean(p == t))


def confusion_matrix(y_true, y_pred, n_classes=None):
    """Counts ``M[i, j]`` of samples of true class i predicted as class j.

    Parameters
    ----------
    y_true, y_pred : array_like
        Labels (N,) or anything :func:`to_labels` accepts.
    n_classes : int, optional
        C; default one more than the largest label seen in either.

    Returns
    -------
    ndarray, shape (C, C), int64
        Rows are true classes, columns predicted classes; ``M.sum() == N``
        and ``trace(M)`` counts the right answers.
    """
    t, p = _paired_labels(y_true, y_pred)
    seen = int(max(t.max(), p.max())) + 1
    if n_classes is None:
        n_classes = seen
    elif isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    elif seen > n_classes:
        raise ValueError(f"label {seen - 1} does not fit n_classes={n_classes}")
    # Encode each (true, predicted) pair as one index so bincount counts pairs.
    return np.bincount(n_classes * t + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _safe_divide(num, den):
    """num / den with 0 where den == 0 (the 0/0 convention of this module)."""
    out = np.zeros(np.shape(num), dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def precision_recall_f1(y_true, y_pred, average="macro", n_classes=None):
    """Per-class precision, recall and F1, and their macro averages.

    ``P_c = TP_c / (TP_c + FP_c)``, ``R_c = TP_c / (TP_c + FN_c)``,
    ``F1_c = 2 P_c R_c / (P_c + R_c)``; macro = mean over classes.

    A ratio 0/0 is defined as 0 (a class never predicted has precision 0, a
    class absent from ``y_true`` has recall 0), without a warning.  The macro
    averages run over the classes that occur in ``y_true`` or ``y_pred``
    (as scikit-learn's), so a label merely skipped in the numbering does not
    drag them down; the per-class arrays cover every class 0..C-1.
    Macro F1 is the mean of the per-class F1 values, not the F1 of macro P
    and macro R.

    Parameters
    ----------
    y_true, y_pred : array_like
        Labels (N,) or anything :func:`to_labels` accepts.
    average : {"macro", None}, default "macro"
        With None only the per-class entries are returned.
    n_classes : int, optional
        C, as in :func:`confusion_matrix`.

    Returns
    -------
    dict
        ``"precision"``, ``"recall"``, ``"f1"``: per-class float64 arrays (C,);
        ``"support"``: true samples per class, int64 (C,); and with
        ``average="macro"`` the floats ``"macro_precision"``,
        ``"macro_recall"``, ``"macro_f1"``.
    """
    if average not in ("macro", None):
        raise ValueError(f"average must be 'macro' or None, got {average!r}")
    M = confusion_matrix(y_true, y_pred, n_classes)  # (C, C)
    tp = np.diag(M)  # (C,)
    predicted = M.sum(axis=0)  # (C,) column sums: TP + FP
    support = M.sum(axis=1)  # (C,) row sums: TP + FN
    precision = _safe_divide(tp, predicted)  # (C,)
    recall = _safe_divide(tp, support)  # (C,)
    f1 = _safe_divide(2 * precision * recall, precision + recall)  # (C,)
    result = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    if average == "macro":
        present = (support + predicted) > 0  # (C,)
        for key, values in (("precision", precision), ("recall", recall), ("f1", f1)):
            result[f"macro_{key}"] = float(values[present].mean())
    return result
