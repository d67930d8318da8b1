"""Loss functions and their gradients with respect to the prediction.

A loss turns a batch of predictions into one number to minimise.  Each loss
here comes as a pair:

* ``loss(y_pred, y_true) -> float``: the loss averaged over the batch;
* ``loss_grad(y_pred, y_true) -> ndarray``: ``dL/dy_pred``, shaped like ``y_pred``,
  the first upstream gradient of backpropagation.

``LOSSES`` maps each name to its pair.  A training loop needs both every
batch; ``softmax_cross_entropy_with_grad`` (listed in ``LOSSES_WITH_GRAD``)
returns both from one log-softmax.

Reduction (the same as PyTorch's ``reduction="mean"``):

* elementwise losses (mse, mae, huber, binary_cross_entropy,
  binary_cross_entropy_with_logits, hinge, focal_loss) average over **all** elements, so a
  (N, k) prediction is divided by N * k;
* class losses (categorical_cross_entropy, softmax_cross_entropy) **sum over
  the C classes** of each sample and average over the N samples.

The mean is why every gradient carries a factor ``1/N`` (or ``1/(N k)``):
forgetting it is one of the commonest mistakes.

The 1/2 convention
------------------
Our ``mse`` is the plain mean of squares, ``mean((y_pred - y_true)^2)``, with
gradient ``2 (y_pred - y_true) / size``.  The lecture notes' worked example
uses the per-sample cost ``J = 1/2 (y - yhat)^2`` instead, chosen so that the 2
cancels: ``dJ/dyhat = yhat - y``.  (The notes once write the derivative as
``y - yhat``: that has the wrong sign.)  For one output and one sample,
``J = mse(yhat, y) / 2`` and ``dJ/dyhat = mse_grad(yhat, y) / 2``.

Two famous shortcuts
--------------------
* sigmoid + binary cross-entropy: with ``a = sigmoid(z)``, the sigmoid's
  derivative ``a (1 - a)`` cancels the denominator of the BCE gradient, and
  ``dL/dz = (a - y) / N``.  ``binary_cross_entropy_with_logits`` computes
  exactly this pair from the logits ``z`` in one stable step.
* softmax + cross-entropy: with ``p = softmax(z)`` and one-hot ``y``,
  ``dL/dz = (p - y) / N``.  ``softmax_cross_entropy`` takes logits for this reason.

Cross-entropies on probabilities clip them to ``[eps, 1 - eps]`` with
``eps = 1e-12`` (``EPS``) so that ``log(0)`` never happens; float32 cannot
represent ``1 - 1e-12``, so for float32 inputs eps is float32's machine
epsilon (about 1.2e-7) instead.
"""
from __future__ import annotations

import numpy as np

from nnlib._validation import as_float_array
from nnlib.activations import sigmoid

__all__ = [
    "EPS",
    "mse", "mse_grad",
    "mae", "mae_grad",
    "huber", "huber_grad",
    "binary_cross_entropy", "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_grad",
    "categorical_cross_entropy", "categorical_cross_entropy_grad",
    "softmax_cross_entropy", "softmax_cross_entropy_grad", "softmax_cross_entropy_with_grad",
    "hinge", "hinge_grad",
    "focal_loss", "focal_loss_grad",
    "LOSSES", "LOSSES_WITH_GRAD",
]

EPS = 1e-12  # probability clipping for the cross-entropies on probabilities


# ----------------------------------------------------------------- validation
def _pair(y_pred, y_true, loss):
    """Both arguments as float arrays of the same, non-empty shape (y_true in y_pred's dtype)."""
    y_pred = as_float_array(y_pred, "y_pred")
    y_true = as_float_array(y_true, "y_true")
    # (N, 1) against (N,) would silently broadcast to (N, N): refuse it.
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"{loss}: y_pred and y_true must have the same shape, "
            f"got y_pred {y_pred.shape} and y_true {y_true.shape}"
        )
    if y_pred.size == 0:
        raise ValueError(f"{loss}: y_pred is empty (shape {y_pred.shape})")
    return y_pred, y_true.astype(y_pred.dtype, copy=False)


def _clip(p):
    """Probabilities clipped to [eps, 1 - eps], eps representable in p's dtype."""
    eps = max(EPS, float(np.finfo(p.dtype).eps))
    return np.clip(p, eps, 1.0 - eps)


def _class_pair(y_pred, y_true, loss):
    """(N, C) predictions and (N, C) targets for the class losses."""
    y_pred, y_true = _pair(y_pred, y_true, loss)
    if y_pred.ndim != 2:
        raise ValueError(f"{loss}: y_pred must be 2-D (N, C), got shape {y_pred.shape}")
    return y_pred, y_true


def _check_signs(y_true, loss):
    if not np.all(np.abs(y_true) == 1):
        bad = np.unique(y_true[np.abs(y_true) != 1])[:5]
        raise ValueError(f"{loss}: y_true must hold labels -1 and +1, got values {bad.tolist()}")


# ------------------------------------------------------------ regression losses
def mse(y_pred, y_true):
    """Mean squared error: ``L = mean((y_pred - y_true)^2)`` (no 1/2, see the module docstring).

    Parameters
    ----------
    y_pred, y_true : array_like, same shape, e.g. (N,) or (N, k)

    Returns
    -------
    float
    """
    y_pred, y_true = _pair(y_pred, y_true, "mse")
    r = y_pred - y_true
    return float(np.mean(r * r))


def mse_grad(y_pred, y_true):
    """Gradient of MSE: ``dL/dy_pred = 2 (y_pred - y_true) / size``; shape of ``y_pred``."""
    y_pred, y_true = _pair(y_pred, y_true, "mse_grad")
    return 2.0 * (y_pred - y_true) / y_pred.size


def mae(y_pred, y_true):
    """Mean absolute error: ``L = mean(|y_pred - y_true|)``; robust to outliers.

    Parameters
    ----------
    y_pred, y_true : array_like, same shape

    Returns
    -------
    float
    """
    y_pred, y_true = _pair(y_pred, y_true, "mae")
    return float(np.mean(np.abs(y_pred - y_true)))


def mae_grad(y_pred, y_true):
    """Gradient of MAE: ``dL/dy_pred = sign(y_pred - y_true) / size`` (0 where they are equal)."""
    y_pred, y_true = _pair(y_pred, y_true, "mae_grad")
    return np.sign(y_pred - y_true) / y_pred.size


def huber(y_pred, y_true, delta=1.0):
    """Huber loss: ``mean(r^2 / 2 if |r| <= delta else delta (|r| - delta / 2))``, ``r = y_pred - y_true``.

    Quadratic (like MSE/2) for small residuals, linear (like MAE times delta)
    for large ones, so a single outlier cannot dominate.  Same as PyTorch's
    ``HuberLoss(delta)``.

    Parameters
    ----------
    y_pred, y_true : array_like, same shape
    delta : float > 0, default 1.0
        Where the quadratic part turns linear.

    Returns
    -------
    float
    """
    y_pred, y_true = _pair(y_pred, y_true, "huber")
    _check_delta(delta)
    a = np.abs(y_pred - y_true)
    return float(np.mean(np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))))


def huber_grad(y_pred, y_true, delta=1.0):
    """Gradient of Huber: ``dL/dy_pred = clip(r, -delta, delta) / size``, ``r = y_pred - y_true``."""
    y_pred, y_true = _pair(y_pred, y_true, "huber_grad")
    _check_delta(delta)
    return np.clip(y_pred - y_true, -delta, delta) / y_pred.size


def _check_delta(delta):
    if not delta > 0:
        raise ValueError(f"huber: delta must be > 0, got {delta!r}")


# ------------------------------------------------------ binary classification
def binary_cross_entropy(y_pred, y_true):
    """Binary cross-entropy on probabilities: ``L = -mean(y log p + (1 - y) log(1 - p))``.

    ``p = y_pred`` is clipped to ``[eps, 1 - eps]`` first (``EPS = 1e-12``) so a
    confidently wrong prediction costs a large but finite amount.

    Parameters
    ----------
    y_pred : array_like, e.g. (N,) or (N, 1)
        Predicted probabilities of class 1.
    y_true : array_like, same shape
        Targets in [0, 1] (usually 0 or 1).

    Returns
    -------
    float
    """
    p, y = _pair(y_pred, y_true, "binary_cross_entropy")
    p = _clip(p)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


def binary_cross_entropy_grad(y_pred, y_true):
    """Gradient of BCE: ``dL/dp = (p - y) / (p (1 - p)) / size`` with ``p`` clipped.

    The formula is evaluated at the clipped ``p`` (rather than returning the
    clip's zero slope), so a saturated prediction is still pushed the right way.
    Times the sigmoid's ``p (1 - p)`` this becomes the shortcut ``(p - y) / size``.
    """
    p, y = _pair(y_pred, y_true, "binary_cross_entropy_grad")
    p = _clip(p)
    return (p - y) / (p * (1.0 - p)) / p.size


def binary_cross_entropy_with_logits(y_pred, y_true):
    """BCE on logits ``z``: ``L = mean(max(z, 0) - z y + log(1 + exp(-|z|)))``.

    Equal to ``binary_cross_entropy(sigmoid(z), y)`` but computed without ever
    forming ``sigmoid(z)``, so it is exact and finite for any logit (no
    clipping needed).

    Parameters
    ----------
    y_pred : array_like, e.g. (N,) or (N, 1)
        Logits z (any real numbers).
    y_true : array_like, same shape
        Targets in [0, 1].

    Returns
    -------
    float
    """
    z, y = _pair(y_pred, y_true, "binary_cross_entropy_with_logits")
    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def binary_cross_entropy_with_logits_grad(y_pred, y_true):
    """Gradient of BCE on logits: ``dL/dz = (sigmoid(z) - y) / size`` (the sigmoid + BCE shortcut)."""
    z, y = _pair(y_pred, y_true, "binary_cross_entropy_with_logits_grad")
    return (sigmoid(z) - y) / z.size


def hinge(y_pred, y_true):
    """Hinge loss (SVM): ``L = mean(max(0, 1 - y s))`` with labels ``y`` in {-1, +1}.

    Zero once a sample is on the right side with margin ``y s >= 1``.

    Parameters
    ----------
    y_pred : array_like, e.g. (N,) or (N, 1)
        Raw scores s.
    y_true : array_like, same shape
        Labels, each -1 or +1.

    Returns
    -------
    float
    """
    s, y = _pair(y_pred, y_true, "hinge")
    _check_signs(y, "hinge")
    return float(np.mean(np.maximum(0.0, 1.0 - y * s)))


def hinge_grad(y_pred, y_true):
    """Gradient of hinge: ``dL/ds = -y / size`` where ``y s < 1``, else 0 (0 at the kink ``y s = 1``)."""
    s, y = _pair(y_pred, y_true, "hinge_grad")
    _check_signs(y, "hinge_grad")
    return np.where(y * s < 1.0, -y, 0.0).astype(s.dtype, copy=False) / s.size


# ------------------------------------------------------- multi-class losses
def categorical_cross_entropy(y_pred, y_true):
    """Categorical cross-entropy on probabilities: ``L = -1/N sum_n sum_c y_nc log p_nc``.

    ``p = y_pred`` is clipped to ``[eps, 1 - eps]`` first.

    Parameters
    ----------
    y_pred : array_like, (N, C)
        Predicted class probabilities (rows sum to 1, e.g. a softmax output).
    y_true : array_like, (N, C)
        One-hot (or any probability) targets.

    Returns
    -------
    float
    """
    p, y = _class_pair(y_pred, y_true, "categorical_cross_entropy")
    return float(-np.sum(y * np.log(_clip(p))) / p.shape[0])


def categorical_cross_entropy_grad(y_pred, y_true):
    """Gradient of categorical CE: ``dL/dp = -y / p / N`` with ``p`` clipped; shape (N, C)."""
    p, y = _class_pair(y_pred, y_true, "categorical_cross_entropy_grad")
    return -y / _clip(p) / p.shape[0]


def _targets_for_logits(z, y_true, loss):
    """(N, C) logits and targets: (N,) intp labels, or (N, C) rows in z's dtype."""
    z = as_float_array(z, "y_pred")
    if z.ndim != 2 or z.shape[0] == 0:
        raise ValueError(f"{loss}: y_pred must be 2-D logits (N, C), got shape {z.shape}")
    n, c = z.shape
    y = np.asarray(y_true)
    if y.ndim == 1:
        # Integer class labels, one per sample.
        if y.shape[0] != n:
            raise ValueError(f"{loss}: integer labels y_true must have shape ({n},) to match y_pred {z.shape}, got {y.shape}")
        whole = y.dtype.kind in "iu" or (y.dtype.kind == "f" and np.all(y == np.round(y)))
        if not whole or y.min() < 0 or y.max() >= c:
            raise ValueError(f"{loss}: integer labels y_true must be whole numbers in [0, {c - 1}], got {np.unique(y)[:10].tolist()}")
        return z, y.astype(np.intp, copy=False)
    y = as_float_array(y, "y_true")
    if y.shape != z.shape:
        raise ValueError(
            f"{loss}: y_true must be integer labels ({n},) or one-hot {z.shape} like y_pred, got y_true {y.shape}"
        )
    return z, y.astype(z.dtype, copy=False)


def _log_softmax(z):
    """log softmax of each row via log-sum-exp: ``z - max - log(sum(exp(z - max)))``."""
    shifted = z - np.max(z, axis=1, keepdims=True)  # (N, C), every exponent <= 0
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def softmax_cross_entropy(y_pred, y_true):
    """Cross-entropy of softmax(logits): ``L = 1/N sum_n (logsumexp(z_n) - sum_c y_nc z_nc)``.

    Works on the logits directly with the log-sum-exp trick, so it is finite
    even for logits of 1e4 (``softmax`` followed by ``log`` would give log 0).

    Parameters
    ----------
    y_pred : array_like, (N, C)
        Logits z.
    y_true : array_like, (N,) integer labels in [0, C) or (N, C) one-hot rows

    Returns
    -------
    float
    """
    z, y = _targets_for_logits(y_pred, y_true, "softmax_cross_entropy")
    return _cross_entropy_from_log_softmax(_log_softmax(z), y)


def softmax_cross_entropy_grad(y_pred, y_true):
    """Gradient of softmax CE on logits: ``dL/dz = (softmax(z) - y) / N`` (the softmax + CE shortcut); (N, C).

    That is the form for targets whose rows sum to 1 (one-hot or integer
    labels); for general soft targets the exact gradient
    ``(softmax(z) * sum_c y_nc - y) / N`` is returned, which reduces to it.
    """
    z, y = _targets_for_logits(y_pred, y_true, "softmax_cross_entropy_grad")
    return _cross_entropy_grad_from_log_softmax(_log_softmax(z), y)


def softmax_cross_entropy_with_grad(y_pred, y_true):
    """``softmax_cross_entropy`` and ``softmax_cross_entropy_grad`` in one call: ``(L, dL/dz)``.

    Both start from the same ``log softmax(z)``; a training loop that needs
    both (``nnlib.training.fit`` does, every batch) computes it, and checks
    the targets, once instead of twice.  The numbers are exactly those of
    the two functions.

    Parameters
    ----------
    y_pred : array_like, (N, C)
        Logits z.
    y_true : array_like, (N,) integer labels in [0, C) or (N, C) one-hot rows

    Returns
    -------
    loss : float
    grad : ndarray, (N, C)
    """
    z, y = _targets_for_logits(y_pred, y_true, "softmax_cross_entropy")
    log_p = _log_softmax(z)  # (N, C)
    return _cross_entropy_from_log_softmax(log_p, y), _cross_entropy_grad_from_log_softmax(log_p, y)


def _cross_entropy_from_log_softmax(log_p, y):
    """``-1/N sum_n sum_c y_nc log p_nc`` from (N, C) log-probabilities; y as ``_targets_for_logits`` gives it."""
    if y.ndim == 1:  # labels: pick each row's log-probability of its class
        return float(-np.sum(log_p[np.arange(len(y)), y]) / log_p.shape[0])
    return float(-np.sum(y * log_p) / log_p.shape[0])


def _cross_entropy_grad_from_log_softmax(log_p, y):
    """``(softmax(z) * sum_c y_nc - y) / N`` from (N, C) log-probabilities; (N, C)."""
    p = np.exp(log_p)  # (N, C) softmax probabilities
    if y.ndim == 1:  # labels: subtract the one-hot row without building it
        p[np.arange(len(y)), y] -= 1
        p /= log_p.shape[0]
        return p
    return (p * np.sum(y, axis=1, keepdims=True) - y) / log_p.shape[0]


# ------------------------------------------------------------ class imbalance
def focal_loss(y_pred, y_true, gamma=2.0, alpha=None):
    """Focal loss on probabilities: ``L = -mean(y a (1 - p)^g log p + (1 - y) (1 - a) p^g log(1 - p))``.

    For a hard label the sum is ``-a_t (1 - p_t)^g log p_t`` with ``p_t`` the
    probability given to the true class (``p`` for y = 1, ``1 - p`` for
    y = 0) and ``a_t`` its weight (``a`` for y = 1, ``1 - a`` for y = 0).  The
    factor ``(1 - p_t)^g`` shrinks the loss of samples that are already
    classified well, so the rare, hard ones dominate the gradient (Lin et al.
    2017, "Focal Loss for Dense Object Detection").  ``gamma = 0`` with
    ``alpha = None`` is ``binary_cross_entropy``; ``gamma = 0`` with an
    ``alpha`` is cross-entropy with class weights (``a`` for class 1,
    ``1 - a`` for class 0).  ``p`` is clipped to ``[eps, 1 - eps]`` as in BCE.

    Parameters
    ----------
    y_pred : array_like, e.g. (N,) or (N, 1)
        Predicted probabilities of class 1.
    y_true : array_like, same shape
        Targets in [0, 1] (usually 0 or 1).
    gamma : float >= 0, default 2.0
        Focusing parameter.
    alpha : float in [0, 1] or None, default None
        Weight of class 1 (class 0 gets ``1 - alpha``); None weighs both 1.

    Returns
    -------
    float
    """
    p, y = _pair(y_pred, y_true, "focal_loss")
    w1, w0 = _focal_weights(gamma, alpha)
    p = _clip(p)
    q = 1.0 - p
    per_sample = y * w1 * q ** gamma * np.log(p) + (1.0 - y) * w0 * p ** gamma * np.log1p(-p)
    return float(-np.mean(per_sample))


def focal_loss_grad(y_pred, y_true, gamma=2.0, alpha=None):
    """Gradient of the focal loss: ``dL/dp = -(y a d1 + (1 - y) (1 - a) d0) / size``, p clipped, where
    ``d1 = (1 - p)^g / p - g (1 - p)^(g - 1) log p`` and ``d0 = g p^(g - 1) log(1 - p) - p^g / (1 - p)``.

    ``d1`` and ``d0`` are the derivatives of ``(1 - p)^g log p`` and
    ``p^g log(1 - p)``.  As in ``binary_cross_entropy_grad`` the formula is
    evaluated at the clipped ``p``.  Shape of ``y_pred``.
    """
    p, y = _pair(y_pred, y_true, "focal_loss_grad")
    w1, w0 = _focal_weights(gamma, alpha)
    p = _clip(p)
    q = 1.0 - p
    # g * x^(g - 1) is written g * x^g / x: for g = 0 it is 0 without a 0 * inf
    d1 = q ** gamma / p - gamma * q ** gamma / q * np.log(p)
    d0 = gamma * p ** gamma / p * np.log1p(-p) - p ** gamma / q
    return -(y * w1 * d1 + (1.0 - y) * w0 * d0) / p.size


def _focal_weights(gamma, alpha):
    """(weight of class 1, weight of class 0) after checking gamma and alpha."""
    if not gamma >= 0:
        raise ValueError(f"focal_loss: gamma must be >= 0, got {gamma!r}")
    if alpha is None:
        return 1.0, 1.0
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"focal_loss: alpha must be in [0, 1] or None, got {alpha!r}")
    return float(alpha), 1.0 - float(alpha)


# ---------------------------------------------------------------------- table
# name -> (loss, loss_grad), called as loss(y_pred, y_true).
LOSSES = {
    "mse": (mse, mse_grad),
    "mae": (mae, mae_grad),
    "huber": (huber, huber_grad),
    "binary_cross_entropy": (binary_cross_entropy, binary_cross_entropy_grad),
    "binary_cross_entropy_with_logits": (binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad),
    "categorical_cross_entropy": (categorical_cross_entropy, categorical_cross_entropy_grad),
    "softmax_cross_entropy": (softmax_cross_entropy, softmax_cross_entropy_grad),
    "hinge": (hinge, hinge_grad),
    "focal_loss": (focal_loss, focal_loss_grad),
}

# name -> loss_with_grad(y_pred, y_true) -> (loss, loss_grad), for the losses whose value and
# gradient share most of their work (see softmax_cross_entropy_with_grad).
LOSSES_WITH_GRAD = {
    "softmax_cross_entropy": softmax_cross_entropy_with_grad,
}
