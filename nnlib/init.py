"""Weight initialisation: where training starts decides whether it gets anywhere.

All zeros makes every hidden unit compute the same thing forever (symmetry);
too small a scale makes signals and gradients shrink layer after layer, too
large a scale makes them blow up.  Xavier/Glorot and He choose the scale so
that the variance of activations stays about the same from layer to layer:

- Xavier/Glorot (tanh, sigmoid): Var(W) = 2 / (n_in + n_out)
- He/Kaiming (ReLU family):      Var(W) = 2 / n_in  (ReLU zeroes half the signal)
- LeCun (SELU, linear layers):   Var(W) = 1 / n_in

(Glorot & Bengio 2010; He, Zhang, Ren & Sun 2015; LeCun et al. 1998.)

A uniform U[-a, a] has variance a^2 / 3, which gives the uniform limits below.

Weights have shape ``(n_in, n_out)`` because a Dense layer computes
``Z = X @ W + b`` with ``X`` of shape ``(N, n_in)``.  Every random draw takes
``rng`` (a ``numpy.random.Generator`` or an int seed); nothing touches global
random state.

``INITIALIZERS`` maps a name to a function ``(n_in, n_out, rng) -> W`` so that
``Dense(n_in, n_out, init="he_normal")`` can look its initialiser up.
"""
from __future__ import annotations

import math

import numpy as np

from nnlib._validation import as_generator, check_positive

__all__ = [
    "zeros",
    "normal",
    "uniform",
    "xavier_uniform",
    "xavier_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "init_scale",
    "INITIALIZERS",
    "SCHEMES",
]


def _check_fans(n_in, n_out=None) -> None:
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if n is None:
            continue
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{name} must be a positive integer, got {n!r}")


def zeros(shape) -> np.ndarray:
    """All-zero array: ``W = 0``.

    Fine for biases; for weights it leaves every unit of a layer identical
    (each gets the same gradient), so the symmetry is never broken.

    Parameters
    ----------
    shape : int or tuple of int

    Returns
    -------
    ndarray of ``shape``, float64
    """
    return np.zeros(shape, dtype=np.float64)  # shape


def normal(shape, std, rng=None) -> np.ndarray:
    """Gaussian draws: ``W ~ N(0, std^2)``.

    Parameters
    ----------
    shape : int or tuple of int
    std : float, >= 0
        Standard deviation.
    rng : numpy.random.Generator or int seed, optional

    Returns
    -------
    ndarray of ``shape``, float64
    """
    check_positive(std, "std", allow_zero=True)
    return as_generator(rng).normal(0.0, std, size=shape)  # shape


def uniform(shape, limit, rng=None) -> np.ndarray:
    """Uniform draws: ``W ~ U[-limit, +limit]`` (variance ``limit^2 / 3``).

    Parameters
    ----------
    shape : int or tuple of int
    limit : float, >= 0
    rng : numpy.random.Generator or int seed, optional

    Returns
    -------
    ndarray of ``shape``, float64
    """
    check_positive(limit, "limit", allow_zero=True)
    return as_generator(rng).uniform(-limit, limit, size=shape)  # shape


def xavier_uniform(n_in, n_out, rng=None) -> np.ndarray:
    """Glorot uniform: ``W ~ U[-a, a]`` with ``a = sqrt(6 / (n_in + n_out))``.

    Variance ``2 / (n_in + n_out)``: a compromise between keeping the forward
    signal (``1 / n_in``) and the backward gradient (``1 / n_out``) steady.
    Suits tanh and sigmoid layers.

    Returns
    -------
    W : ndarray, shape (n_in, n_out), float64
    """
    _check_fans(n_in, n_out)
    return uniform((n_in, n_out), math.sqrt(6.0 / (n_in + n_out)), rng)  # (n_in, n_out)


def xavier_normal(n_in, n_out, rng=None) -> np.ndarray:
    """Glorot normal: ``W ~ N(0, 2 / (n_in + n_out))``, std ``sqrt(2 / (n_in + n_out))``.

    Returns
    -------
    W : ndarray, shape (n_in, n_out), float64
    """
    _check_fans(n_in, n_out)
    return normal((n_in, n_out), math.sqrt(2.0 / (n_in + n_out)), rng)  # (n_in, n_out)


def he_normal(n_in, n_out, rng=None) -> np.ndarray:
    """He/Kaiming normal: ``W ~ N(0, 2 / n_in)``, std ``sqrt(2 / n_in)``.

    ReLU zeroes about half of its inputs, halving the variance each layer;
    the factor 2 puts it back.  The default for ReLU layers.

    Returns
    -------
    W : ndarray, shape (n_in, n_out), float64
    """
    _check_fans(n_in, n_out)
    return normal((n_in, n_out), math.sqrt(2.0 / n_in), rng)  # (n_in, n_out)


def he_uniform(n_in, n_out, rng=None) -> np.ndarray:
    """He/Kaiming uniform: ``W ~ U[-a, a]`` with ``a = sqrt(6 / n_in)`` (variance ``2 / n_in``).

    Returns
    -------
    W : ndarray, shape (n_in, n_out), float64
    """
    _check_fans(n_in, n_out)
    return uniform((n_in, n_out), math.sqrt(6.0 / n_in), rng)  # (n_in, n_out)


def lecun_normal(n_in, n_out, rng=None) -> np.ndarray:
    """LeCun normal: ``W ~ N(0, 1 / n_in)``, std ``sqrt(1 / n_in)``.

    Keeps ``Var(z) = Var(a)`` when the activation passes its input's variance
    through unchanged (a linear layer; SELU is built around it).

    Returns
    -------
    W : ndarray, shape (n_in, n_out), float64
    """
    _check_fans(n_in, n_out)
    return normal((n_in, n_out), math.sqrt(1.0 / n_in), rng)  # (n_in, n_out)


def lecun_uniform(n_in, n_out, rng=None) -> np.ndarray:
    """LeCun uniform: ``W ~ U[-a, a]`` with ``a = sqrt(3 / n_in)`` (variance ``1 / n_in``).

    Returns
    -------
    W : ndarray, shape (n_in, n_out), float64
    """
    _check_fans(n_in, n_out)
    return uniform((n_in, n_out), math.sqrt(3.0 / n_in), rng)  # (n_in, n_out)


#: scheme -> (variance of W as a function of the fans, distribution)
_VARIANCES = {
    "xavier_uniform": (lambda n_in, n_out: 2.0 / (n_in + n_out), "uniform"),
    "xavier_normal": (lambda n_in, n_out: 2.0 / (n_in + n_out), "normal"),
    "he_uniform": (lambda n_in, n_out: 2.0 / n_in, "uniform"),
    "he_normal": (lambda n_in, n_out: 2.0 / n_in, "normal"),
    "lecun_uniform": (lambda n_in, n_out: 1.0 / n_in, "uniform"),
    "lecun_normal": (lambda n_in, n_out: 1.0 / n_in, "normal"),
}

#: the schemes :func:`init_scale` knows, in the order a table shows them
SCHEMES = tuple(_VARIANCES)


def init_scale(n_in, n_out, scheme) -> float:
    """The scale of a scheme: the std of a normal scheme, the limit ``a`` of a uniform one.

    Every scheme fixes the variance of the weights, ``Var(W) = 2 / (n_in + n_out)``
    (Xavier), ``2 / n_in`` (He) or ``1 / n_in`` (LeCun).  A normal draw
    ``N(0, s^2)`` has variance ``s^2``, so ``s = sqrt(Var)``; a uniform draw
    ``U[-a, a]`` has variance ``a^2 / 3``, so ``a = sqrt(3 Var)``.  Example:
    784 -> 256 gives Xavier-uniform ``a = sqrt(6 / 1040) = 0.0760`` and
    He-normal ``s = sqrt(2 / 784) = 0.0505``.

    Parameters
    ----------
    n_in, n_out : int >= 1
        Fan-in (inputs per unit) and fan-out (units of the layer).
    scheme : str
        One of :data:`SCHEMES`: "xavier_uniform", "xavier_normal",
        "he_uniform", "he_normal", "lecun_uniform", "lecun_normal".

    Returns
    -------
    float
        ``s`` for a ``*_normal`` scheme, ``a`` for a ``*_uniform`` one.
    """
    _check_fans(n_in, n_out)
    if scheme not in _VARIANCES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of: {', '.join(SCHEMES)}")
    variance, distribution = _VARIANCES[scheme]
    var = variance(n_in, n_out)
    return math.sqrt(3.0 * var) if distribution == "uniform" else math.sqrt(var)


def _zeros_init(n_in, n_out, rng=None) -> np.ndarray:
    """``W = 0`` with the initialiser signature (``rng`` is ignored)."""
    _check_fans(n_in, n_out)
    return zeros((n_in, n_out))  # (n_in, n_out)


def _small_normal_init(n_in, n_out, rng=None) -> np.ndarray:
    """``W ~ N(0, 0.01^2)``: the classic "small random numbers" (fails for deep nets)."""
    _check_fans(n_in, n_out)
    return normal((n_in, n_out), 0.01, rng)  # (n_in, n_out)


#: name -> function ``(n_in, n_out, rng) -> W`` of shape ``(n_in, n_out)``, float64
INITIALIZERS = {
    "zeros": _zeros_init,
    "normal": _small_normal_init,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "lecun_normal": lecun_normal,
    "lecun_uniform": lecun_uniform,
}
