"""The playground's data: six two-dimensional problems and the features a network is fed.

Every problem lives in the square ``[-6, 6]²`` (``EXTENT``), the plane the
playground draws.  Classification problems have 2 to 5 classes (``y`` is an
int label); the two regression problems have a real target in ``[-1, 1]``.

- ``circle``: class k is the k-th ring around the origin (2 classes: a disc
  inside a ring);
- ``xor``: a K x K chequerboard over ``[-5, 5]²``, class ``(i + j) mod K``
  (2 classes: the four quadrants of XOR);
- ``gauss``: one Gaussian cloud per class, centres evenly on a circle
  (:func:`nnlib.data.make_blobs`);
- ``spiral``: one arm per class (:func:`nnlib.data.make_spirals`, scaled);
- ``moons``: K half circles side by side, opening up and down in turn
  (2 classes: the classic two moons);
- ``own``: no generated points at all, only the ones clicked onto the plot;
- ``plane`` (regression): ``y = (x₁ - x₂) / 10``;
- ``bumps`` (regression): two positive and two negative Gaussian bumps.

``noise`` is a percentage (0-50) so that a scene round-trips exactly through
its configuration string: it sets the standard deviation of the Gaussian
jitter added to the points (to the targets, for regression).

Features: the network never sees the plane itself but these columns, each
switched on or off (TensorFlow Playground's set): ``x₁, x₂, x₁², x₂², x₁x₂,
sin x₁, sin x₂``.  With ``x₁²`` and ``x₂²`` a circle is a linear problem; with
``x₁x₂`` XOR is.
"""
from __future__ import annotations

import numpy as np

from nnlib.data import make_blobs, make_spirals

__all__ = [
    "CLASSIFICATION",
    "DATASETS",
    "EXTENT",
    "FEATURES",
    "FEATURE_LABELS",
    "REGRESSION",
    "features",
    "make_points",
    "split",
]

EXTENT = 6.0  # the plane drawn is [-EXTENT, EXTENT]²
CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "moons", "own")
REGRESSION = ("plane", "bumps")
DATASETS = CLASSIFICATION + REGRESSION

# name -> the column it makes from points (N, 2); N values each
FEATURES = {
    "x1": lambda P: P[:, 0],
    "x2": lambda P: P[:, 1],
    "x1sq": lambda P: P[:, 0] ** 2,
    "x2sq": lambda P: P[:, 1] ** 2,
    "x1x2": lambda P: P[:, 0] * P[:, 1],
    "sin1": lambda P: np.sin(P[:, 0]),
    "sin2": lambda P: np.sin(P[:, 1]),
}
FEATURE_LABELS = {"x1": "x₁", "x2": "x₂", "x1sq": "x₁²", "x2sq": "x₂²", "x1x2": "x₁x₂", "sin1": "sin x₁",
                  "sin2": "sin x₂"}


def features(points, names) -> np.ndarray:
    """The network's input: one column per feature name, in ``FEATURES`` order; (N, 2) -> (N, len(names))."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"unknown features {unknown}; expected some of {list(FEATURES)}")
    ordered = [n for n in FEATURES if n in names]
    if not ordered:
        raise ValueError("at least one feature must be on, got none")
    return np.column_stack([FEATURES[n](points) for n in ordered])


def _uniform(n, rng, half=5.0):
    return rng.uniform(-half, half, size=(n, 2))


def _circle(n, classes, rng):
    """Class k: radius in the k-th of ``classes`` bands of [0, 5] (a margin of 10 % of a band each side)."""
    y = rng.integers(0, classes, size=n)  # (n,)
    band = 5.0 / classes
    radius = band * (y + 0.1 + 0.8 * rng.uniform(size=n))  # (n,)
    angle = rng.uniform(0.0, 2 * np.pi, size=n)  # (n,)
    return radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]), y


def _xor(n, classes, rng):
    """A ``classes x classes`` chequerboard on [-5, 5]²; cell (i, j) has class (i + j) mod K."""
    P = _uniform(n, rng)  # (n, 2)
    cell = np.minimum(((P + 5.0) / (10.0 / classes)).astype(int), classes - 1)  # (n, 2) in 0..K-1
    return P, (cell[:, 0] + cell[:, 1]) % classes


def _gauss(n, classes, noise, rng):
    angle = np.pi / 4 + 2 * np.pi * np.arange(classes) / classes  # (K,): 2 classes at (±2.5, ±2.5)
    centres = 3.5 * np.column_stack([np.cos(angle), np.sin(angle)])  # (K, 2)
    return make_blobs(n, noise=0.6 + 0.04 * noise, rng=rng, centers=centres)


def _spiral(n, classes, noise, rng):
    P, y = make_spirals(n, noise=0.01 * noise, rng=rng, n_classes=classes)  # radius <= 1
    return 5.0 * P, y


def _moons(n, classes, rng):
    """Half circles of radius 1; moon k centred at (k, 0.5 (k mod 2)), opening down when k is odd."""
    y = rng.integers(0, classes, size=n)  # (n,)
    s = rng.uniform(0.0, np.pi, size=n)  # (n,)
    flip = np.where(y % 2 == 0, 1.0, -1.0)  # (n,)
    P = np.column_stack([y + flip * np.cos(s), 0.5 * (y % 2) + flip * np.sin(s)])  # (n, 2)
    P -= np.array([(classes - 1) / 2.0, 0.25])  # centred on the origin
    return P * (8.0 / (classes + 1)), y  # spans about [-4, 4] in x whatever K


def _plane(n, rng):
    P = _uniform(n, rng)
    return P, (P[:, 0] - P[:, 1]) / 10.0  # in [-1, 1]


BUMPS = ((-2.5, 2.5, 1.0), (2.5, -2.5, 1.0), (2.5, 2.5, -1.0), (-2.5, -2.5, -1.0))  # x, y, height


def _bumps(n, rng):
    P = _uniform(n, rng)
    y = sum(h * np.exp(-((P[:, 0] - a) ** 2 + (P[:, 1] - b) ** 2) / 4.0) for a, b, h in BUMPS)  # (n,)
    return P, y


def make_points(name: str, n: int, classes: int = 2, noise: int = 0, rng=None):
    """``n`` points of problem ``name``: ``X`` (n, 2) float64 and ``y`` (n,) (int64 labels or float64 targets).

    ``noise`` in percent (0-50): the jitter's standard deviation is
    ``noise / 100 * 2`` plane units on the points (classification; gauss and
    spiral widen their own spread), or ``noise / 100`` on the targets
    (regression).  ``own`` gives no points.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; expected one of {list(DATASETS)}")
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or not 2 <= classes <= 5:
        raise ValueError(f"classes must be an integer from 2 to 5, got {classes!r}")
    if not 0 <= noise <= 50:
        raise ValueError(f"noise must be a percentage from 0 to 50, got {noise!r}")
    rng = np.random.default_rng(rng)
    if name == "own":
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    if name in REGRESSION:
        X, y = (_plane if name == "plane" else _bumps)(n, rng)
        return X, y + noise / 100.0 * rng.standard_normal(n)
    if name == "gauss":
        X, y = _gauss(n, classes, noise, rng)
    elif name == "spiral":
        X, y = _spiral(n, classes, noise, rng)
        X = X + noise / 100.0 * rng.standard_normal(X.shape)
    else:
        X, y = {"circle": _circle, "xor": _xor, "moons": _moons}[name](n, classes, rng)
        X = X + noise / 100.0 * 2.0 * rng.standard_normal(X.shape)
    return np.clip(X, -EXTENT, EXTENT), np.asarray(y, dtype=np.int64)


def split(X, y, train_percent: int, rng=None):
    """Shuffle and cut: the first ``train_percent`` % of the points train, the rest test."""
    if not 10 <= train_percent <= 90:
        raise ValueError(f"train ratio must be a percentage from 10 to 90, got {train_percent!r}")
    order = np.random.default_rng(rng).permutation(len(y))
    cut = round(len(y) * train_percent / 100.0)
    return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]
