"""Small data sets for the course, and the chores every data set needs.

Toy problems, each chosen to show one idea:

- ``logic_gate``: the four rows of AND, OR, NAND, NOR, XOR.  The first four
  are linearly separable, XOR is not (chapter 01, 02).
- ``make_moons``, ``make_circles``, ``make_spirals``: two-dimensional classes
  that no straight line separates, so a hidden layer must bend the plane.
- ``make_blobs``: Gaussian clusters, the easy case.
- ``make_regression_1d``: a noisy curve for regression and overfitting.
- ``load_digits``: 1797 real 8x8 handwritten digits, bundled with the package.

Every generator takes ``(n, noise, rng)`` first, returns ``X`` as float64 of
shape ``(n, 2)`` (``(n, 1)`` for regression) and ``y`` as int64 labels of
shape ``(n,)`` (float64 targets for regression), with the classes as equal in
size as ``n`` allows (the first ``n % C`` classes get one more sample), in a
shuffled order.  Randomness comes only from ``rng``.

Chores: ``standardize`` (zero mean, unit variance per column, with the
statistics returned so they can be reused on validation data),
``train_val_split`` (stratified by default) and ``one_hot``.
"""
from __future__ import annotations

import functools
import gzip
import importlib.resources
import numbers

import numpy as np

from nnlib._validation import as_float_array, as_generator, check_positive, check_shape

__all__ = [
    "logic_gate",
    "make_moons",
    "make_circles",
    "make_spirals",
    "make_blobs",
    "make_regression_1d",
    "load_digits",
    "standardize",
    "train_val_split",
    "one_hot",
    "GATES",
]

# ---------------------------------------------------------------- logic gates

# Targets for the inputs in the order (0, 0), (0, 1), (1, 0), (1, 1).
GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xor": (0, 1, 1, 0),
}


def logic_gate(name):
    """The truth table of a two-input logic gate.

    Parameters
    ----------
    name : {"and", "or", "nand", "nor", "xor"}
        Case-insensitive.

    Returns
    -------
    X : ndarray, shape (4, 2), float64
        Inputs 00, 01, 10, 11 (in that order).
    t : ndarray, shape (4,), float64
        Targets 0.0 / 1.0.
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in GATES:
        raise ValueError(f"logic_gate: name must be one of {sorted(GATES)}, got {name!r}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)  # (4, 2)
    t = np.array(GATES[key], dtype=np.float64)  # (4,)
    return X, t


# ---------------------------------------------------------------- generators


def _check_n(n, n_classes: int, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < n_classes:
        raise ValueError(f"{where}: n must be an integer >= {n_classes} (one sample per class), got {n!r}")
    return int(n)


def _class_sizes(n: int, n_classes: int) -> list[int]:
    """Split n as evenly as possible: the first n % C classes get one extra sample."""
    return [n // n_classes + (k < n % n_classes) for k in range(n_classes)]


def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order]


def make_moons(n, noise=0.1, rng=None):
    """Two interleaved half circles.

    Class 0: ``(cos s, sin s)``; class 1: ``(1 - cos s, 0.5 - sin s)``, with
    ``s`` evenly spaced in [0, pi]; then Gaussian noise of std ``noise``.

    Returns
    -------
    X : ndarray, shape (n, 2), float64
    y : ndarray, shape (n,), int64 in {0, 1}
    """
    n = _check_n(n, 2, "make_moons")
    check_positive(noise, "noise", allow_zero=True)
    rng = as_generator(rng)
    n0, n1 = _class_sizes(n, 2)
    s0 = np.linspace(0.0, np.pi, n0)  # (n0,)
    s1 = np.linspace(0.0, np.pi, n1)  # (n1,)
    X = np.concatenate([np.column_stack([np.cos(s0), np.sin(s0)]),
                        np.column_stack([1.0 - np.cos(s1), 0.5 - np.sin(s1)])])  # (n, 2)
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])  # (n,)
    X += noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def make_circles(n, noise=0.05, rng=None, factor=0.5):
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor``.

    Angles evenly spaced in [0, 2 pi); then Gaussian noise of std ``noise``.

    Returns
    -------
    X : ndarray, shape (n, 2), float64
    y : ndarray, shape (n,), int64 in {0, 1}
    """
    n = _check_n(n, 2, "make_circles")
    check_positive(noise, "noise", allow_zero=True)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"make_circles: factor (inner radius / outer radius) must be in (0, 1), got {factor!r}")
    rng = as_generator(rng)
    sizes = _class_sizes(n, 2)
    parts = []
    for radius, size in zip((1.0, factor), sizes):
        angle = np.linspace(0.0, 2 * np.pi, size, endpoint=False)  # (size,)
        parts.append(radius * np.column_stack([np.cos(angle), np.sin(angle)]))
    X = np.concatenate(parts)  # (n, 2)
    y = np.repeat(np.arange(2, dtype=np.int64), sizes)  # (n,)
    X += noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def make_spirals(n, noise=0.2, rng=None, n_classes=2):
    """``n_classes`` spiral arms winding out of the origin (the CS231n spirals).

    Arm k: radius ``r`` evenly spaced in [0, 1] and angle
    ``4 r + 2 pi k / C + noise * N(0, 1)``, point ``r (sin a, cos a)``.  The
    noise jitters the angle, so the arms blur more the further out they go.

    Returns
    -------
    X : ndarray, shape (n, 2), float64
    y : ndarray, shape (n,), int64 in {0, ..., n_classes - 1}
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise ValueError(f"make_spirals: n_classes must be an integer >= 2, got {n_classes!r}")
    n = _check_n(n, n_classes, "make_spirals")
    check_positive(noise, "noise", allow_zero=True)
    rng = as_generator(rng)
    sizes = _class_sizes(n, n_classes)
    parts = []
    for k, size in enumerate(sizes):
        r = np.linspace(0.0, 1.0, size)  # (size,)
        angle = 4.0 * r + 2 * np.pi * k / n_classes + noise * rng.standard_normal(size)  # (size,)
        parts.append(r[:, None] * np.column_stack([np.sin(angle), np.cos(angle)]))
    X = np.concatenate(parts)  # (n, 2)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), sizes)  # (n,)
    return _shuffled(X, y, rng)


def make_blobs(n, noise=1.0, rng=None, centers=3):
    """Gaussian clusters: class k is ``centers[k] + noise * N(0, I)``.

    Parameters
    ----------
    centers : int or array_like of shape (C, D), default 3
        An int C puts C centres evenly on a circle of radius 5 around the
        origin (well apart for the default noise 1); an array gives them
        explicitly (then X has D columns).

    Returns
    -------
    X : ndarray, shape (n, 2) or (n, D), float64
    y : ndarray, shape (n,), int64 in {0, ..., C - 1}
    """
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        if centers < 1:
            raise ValueError(f"make_blobs: centers must be >= 1, got {centers!r}")
        angle = 2 * np.pi * np.arange(centers) / centers  # (C,)
        centers = 5.0 * np.column_stack([np.cos(angle), np.sin(angle)])  # (C, 2)
    else:
        centers = as_float_array(centers, "centers", ndim=2).astype(np.float64)
    C = centers.shape[0]
    n = _check_n(n, C, "make_blobs")
    check_positive(noise, "noise", allow_zero=True)
    rng = as_generator(rng)
    sizes = _class_sizes(n, C)
    y = np.repeat(np.arange(C, dtype=np.int64), sizes)  # (n,)
    X = centers[y] + noise * rng.standard_normal((n, centers.shape[1]))  # (n, D)
    return _shuffled(X, y, rng)


def make_regression_1d(n, noise=0.1, rng=None):
    """A noisy sine for regression: ``y = sin(pi x) + noise * N(0, 1)``, x ~ U[-1, 1].

    The rows are sorted by x, so ``plt.plot(X[:, 0], y)`` draws a curve.

    Returns
    -------
    X : ndarray, shape (n, 1), float64
    y : ndarray, shape (n,), float64
    """
    n = _check_n(n, 1, "make_regression_1d")
    check_positive(noise, "noise", allow_zero=True)
    rng = as_generator(rng)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))  # (n,)
    y = np.sin(np.pi * x) + noise * rng.standard_normal(n)  # (n,)
    return x[:, None], y


# ---------------------------------------------------------------- digits


@functools.lru_cache(maxsize=1)
def _read_digits():
    # importlib.resources finds the file inside an installed package (wheel,
    # zip) as well as in a source checkout; "/" joins one part at a time,
    # which every Python >= 3.10 Traversable supports.
    resource = importlib.resources.files("nnlib") / "data_files" / "digits.csv.gz"
    with resource.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)  # (1797, 65)
    X = table[:, :64].astype(np.float64)  # (1797, 64)
    y = table[:, 64].copy()  # (1797,)
    X.flags.writeable = False  # the cache is shared; callers get copies
    y.flags.writeable = False
    return X, y


def load_digits():
    """The 8x8 handwritten digits (UCI optical recognition, test part; see data_files/README.md).

    Each row is an 8x8 image read row by row (``X[i].reshape(8, 8)``), each
    pixel a count 0..16 of ink in a 4x4 block of the original 32x32 bitmap.
    Read once from the bundled gzip CSV, then served from a cache.

    Returns
    -------
    X : ndarray, shape (1797, 64), float64
        Pixel values 0..16 (a fresh copy on each call).
    y : ndarray, shape (1797,), int64
        The digit, 0..9.
    """
    X, y = _read_digits()
    return X.copy(), y.copy()


# ---------------------------------------------------------------- chores


def standardize(X, mean=None, std=None):
    """Scale every column to zero mean and unit variance: ``(X - mean) / std``.

    Compute the statistics on the training data and pass them back in for
    validation and test data, so all three are scaled the same way::

        X_train, mean, std = standardize(X_train)
        X_val, _, _ = standardize(X_val, mean, std)

    A column that never varies (a digit pixel that is always blank) has
    std 0; dividing by it would give NaN.  Its std is set to 1 instead, so the
    column just becomes 0 after centring, carrying no signal, as it should.

    Parameters
    ----------
    X : array_like, shape (N, D)
    mean, std : array_like, shape (D,), optional
        Both or neither.  When omitted they are computed from X (population
        std, ``ddof=0``).

    Returns
    -------
    X_std : ndarray, shape (N, D)
        float64 (float32 stays float32).
    mean : ndarray, shape (D,)
    std : ndarray, shape (D,)
        With zeros replaced by 1.
    """
    X = as_float_array(X, "X", ndim=2)
    D = X.shape[1]
    if (mean is None) != (std is None):
        raise ValueError("standardize: give both mean and std (statistics of the training data) or neither")
    if mean is None:
        if X.shape[0] == 0:
            raise ValueError("standardize: X has no rows to compute a mean and std from")
        mean = X.mean(axis=0)  # (D,)
        std = X.std(axis=0)  # (D,)
        std = np.where(std == 0, 1.0, std).astype(X.dtype, copy=False)  # (D,)
    else:
        mean = as_float_array(mean, "mean", ndim=1)
        std = as_float_array(std, "std", ndim=1)
        check_shape(mean, (D,), "mean", "standardize")
        check_shape(std, (D,), "std", "standardize")
        if np.any(std <= 0):
            raise ValueError(f"standardize: std must be > 0 everywhere, got {std[std <= 0][:5].tolist()}")
    return (X - mean) / std, mean, std


def _is_label_vector(y: np.ndarray) -> bool:
    """True when y is 1-D and holds whole numbers (class labels, also as 0.0 / 1.0)."""
    if y.ndim != 1:
        return False
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        return True
    return np.issubdtype(y.dtype, np.floating) and bool(np.all(np.isfinite(y) & (y == np.round(y))))


def train_val_split(X, y, val_fraction=0.2, rng=None, stratify=True):
    """Hold out a random ``val_fraction`` of the rows for validation.

    With ``stratify=True`` and class labels in ``y`` (a 1-D vector of whole
    numbers), every class is split in the same proportion, so a rare class is
    not left out of the validation set by chance.  For other targets
    (regression values, 2-D targets) the split is a plain random one.

    The validation set has ``round(N * val_fraction)`` rows (at least 1 and at
    most N - 1); with stratification the per-class counts are rounded so that
    they add up to that total.

    Parameters
    ----------
    X : array_like, shape (N, ...)
    y : array_like, shape (N, ...)
    val_fraction : float in (0, 1), default 0.2
    rng : numpy.random.Generator or int, optional
    stratify : bool, default True

    Returns
    -------
    X_train, X_val, y_train, y_val : ndarray
        Rows of X and y (dtypes kept), each part in random order.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"train_val_split: X and y must have a first (sample) axis, got shapes {X.shape} and {y.shape}")
    N = X.shape[0]
    if y.shape[0] != N:
        raise ValueError(f"train_val_split: y must have {N} rows like X {X.shape}, got shape {y.shape}")
    if N < 2:
        raise ValueError(f"train_val_split: need at least 2 samples to split, got {N}")
    if not isinstance(val_fraction, numbers.Real) or not 0.0 < val_fraction < 1.0:
        raise ValueError(f"train_val_split: val_fraction must be in (0, 1), got {val_fraction!r}")
    rng = as_generator(rng)
    n_val = min(max(int(round(N * val_fraction)), 1), N - 1)

    if stratify and _is_label_vector(y):
        classes, codes = np.unique(y, return_inverse=True)
        counts = np.bincount(codes)  # (K,)
        # Largest remainder: floor every class's share, then hand the rows
        # still missing to the classes with the largest fractional parts.
        share = counts * n_val / N  # (K,)
        per_class = np.floor(share).astype(np.int64)  # (K,)
        missing = n_val - per_class.sum()
        per_class[np.argsort(-(share - per_class), kind="stable")[:missing]] += 1
        val_idx = np.concatenate([rng.permutation(np.flatnonzero(codes == k))[:m]
                                  for k, m in enumerate(per_class)])
    else:
        val_idx = rng.permutation(N)[:n_val]
    is_val = np.zeros(N, dtype=bool)  # (N,)
    is_val[val_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_val))
    val_idx = rng.permutation(val_idx)
    return X[train_idx], X[val_idx], y[train_idx], y[val_idx]


def one_hot(y, n_classes=None):
    """Integer labels as one-hot rows: ``Y[i, y[i]] = 1``, every other entry 0.

    Parameters
    ----------
    y : array_like, shape (N,)
        Labels 0..C-1 (whole numbers; float 0.0 / 1.0 accepted).
    n_classes : int, optional
        C; default ``max(y) + 1``.

    Returns
    -------
    ndarray, shape (N, C), float64
        ``Y.argmax(axis=1)`` gives y back.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"one_hot: y must be a 1-D vector of labels, got shape {y.shape}")
    if y.size and not _is_label_vector(y):
        raise ValueError(f"one_hot: y must hold whole-number labels, got dtype {y.dtype} with values like {y[:5].tolist()}")
    labels = y.astype(np.int64)  # (N,)
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot: labels must be >= 0, got {labels.min()}")
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    elif isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 1:
        raise ValueError(f"one_hot: n_classes must be a positive integer, got {n_classes!r}")
    if labels.size and labels.max() >= n_classes:
        raise ValueError(f"one_hot: label {labels.max()} does not fit n_classes={n_classes} (labels must be < n_classes)")
    Y = np.zeros((labels.size, n_classes), dtype=np.float64)  # (N, C)
    Y[np.arange(labels.size), labels] = 1.0
    return Y
