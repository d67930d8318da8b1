"""The update rules as pure functions: ``(p, g, state...) -> (new_p, new_state...)``.

An optimizer is a rule that turns a parameter ``p`` and its gradient ``g``
into a new parameter, remembering a little *state* between steps (a
momentum buffer, running averages, a step count).  Written as a pure
function the state is passed in and handed back, nothing is changed in
place, and every step can be read and checked on its own::

    m, v = np.zeros_like(p), np.zeros_like(p)
    for t in range(1, 101):                    # t counts the steps, from 1
        p, m, v = adam_step(p, grad(p), m, v, t, lr=0.01)

Most of that state is an **exponentially weighted moving average**
(:func:`ewma`): momentum averages the gradients, RMSprop the squared
gradients, Adam both, and Adam corrects the averages' pull towards their
zero start (bias correction).

The classes of :mod:`nnlib.optimizers` (``SGD``, ``Adam``, ...) apply the
very same rules: each rule is written once, below, as an in-place *kernel*
(``_adam_into(p, g, m, v, t, ...)``, which overwrites ``p``, ``m`` and
``v``); a pure function runs it on copies, and an optimizer class runs it on
the model's own arrays (in place, so the layers see the change, and on one
flat buffer for a whole network).  So a pure step and an optimizer class
give the same numbers bit for bit.  The rules are those documented for
``torch.optim``: same defaults, ``eps`` added after the square root, the
momentum buffer starting at ``g``, Adam's bias correction.

:class:`Updater` turns a pure rule into ``update(params, grads) -> new
params`` for a whole list of weight arrays, keeping each array's state: the
form a hand-written training loop (``nnlib.training.train_loop``) uses.
"""
from __future__ import annotations

import inspect

import numpy as np

from nnlib._validation import as_float_array, check_positive, check_probability

__all__ = ["ewma", "sgd_step", "momentum_step", "adagrad_step", "rmsprop_step", "adadelta_step", "adam_step",
           "adamw_step", "Updater", "STEP_RULES"]


# ----------------------------------------------------------------- the average behind the rules

def ewma(x, beta, bias_correction=True):
    """Exponentially weighted moving average along axis 0: ``v_t = beta v_{t-1} + (1 - beta) x_t``, ``v_0 = 0``.

    With ``bias_correction`` each ``v_t`` is divided by ``1 - beta^t`` (t = 1,
    2, ...): ``v_t`` is a weighted sum of the ``x`` seen so far whose weights
    add up to ``1 - beta^t``, not to 1, because the average started at 0;
    dividing by that sum makes it an average again (a constant series then
    averages to itself from the first step).  The average remembers about
    the last ``1 / (1 - beta)`` values.

    Parameters
    ----------
    x : array_like, shape (T,) or (T, ...)
        A series; axis 0 is time (rows may be vectors, e.g. gradients).
    beta : float in [0, 1)
        Decay; 0 keeps only the newest value.
    bias_correction : bool, default True

    Returns
    -------
    ndarray, same shape and dtype as ``x`` (float32 stays float32)
        ``out[t - 1] = v_t``, corrected or not.
    """
    x = as_float_array(x, "x")
    if x.ndim == 0:
        raise ValueError(f"ewma: x must be a series, an array with time along axis 0, got a scalar {x!r}")
    check_probability(beta, "beta")
    out = np.empty_like(x)  # (T, ...)
    v = np.zeros_like(x[0]) if x.shape[0] else None  # (...) the average so far, v_0 = 0
    for t in range(1, x.shape[0] + 1):
        v = beta * v + (1.0 - beta) * x[t - 1]
        out[t - 1] = v / (1.0 - beta**t) if bias_correction else v
    return out


# ----------------------------------------------------------------- checking a pure step's arguments

def _pair(p, g, where: str):
    """``p`` and ``g`` as float arrays of one shape (float32 kept); ``p`` copied, it becomes the result."""
    p = as_float_array(p, "p")
    g = as_float_array(g, "g")
    if g.shape != p.shape:
        raise ValueError(f"{where}: g must have the shape of p, {p.shape}, got {g.shape}")
    return p.copy(), g


def _state(array, p, name: str, where: str):
    """A copy of a state array, which must have ``p``'s shape (it is overwritten by the kernel)."""
    array = as_float_array(array, name)
    if array.shape != p.shape:
        raise ValueError(f"{where}: {name} must have the shape of p, {p.shape}, got {array.shape}")
    return array.astype(p.dtype, copy=True)


def _check_step_count(t, where: str) -> int:
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1:
        raise ValueError(f"{where}: t is the number of this step, counting from 1, got {t!r}")
    return int(t)


# ----------------------------------------------------------------- the kernels (in place) and pure steps
# Each kernel overwrites p and its state arrays and never writes to g.  The
# in-place NumPy operations (out=, *=) keep one scratch array per call: the
# optimizer classes call them on a whole network's weights, thousands of times.

def _sgd_into(p, g, lr, weight_decay=0.0):
    if weight_decay:
        g = g + weight_decay * p  # p.shape; a new array: the caller's g stays untouched
    p -= lr * g


def sgd_step(p, g, lr, weight_decay=0.0):
    """Plain gradient descent: ``p <- p - lr * (g + weight_decay * p)``.

    Parameters
    ----------
    p, g : array_like, same shape
        Parameter and its gradient.
    lr : float, > 0
    weight_decay : float, >= 0
        L2 penalty ``weight_decay / 2 * ||p||^2`` folded into the gradient.

    Returns
    -------
    new_p : ndarray, shape and dtype of ``p``
    """
    p, g = _pair(p, g, "sgd_step")
    check_positive(lr, "lr")
    check_positive(weight_decay, "weight_decay", allow_zero=True)
    _sgd_into(p, g, lr, weight_decay)
    return p


def _momentum_into(p, g, buf, lr, momentum, nesterov=False, weight_decay=0.0):
    """Returns the buffer: ``buf`` updated in place, or a new one (a copy of g) on the first step."""
    if weight_decay:
        g = g + weight_decay * p  # p.shape
    if buf is None:
        buf = np.array(g, dtype=p.dtype)  # p.shape; b_1 = g_1, a copy: the caller may reuse g's array
    else:
        buf *= momentum
        buf += g                                   # b = momentum b + g
    p -= lr * (g + momentum * buf if nesterov else buf)
    return buf


def momentum_step(p, g, buf, lr, momentum, nesterov=False, weight_decay=0.0):
    """SGD with momentum (PyTorch's form): ``b <- momentum * b + g`` (``b = g`` on the first step); ``p <- p - lr * b``.

    With ``nesterov`` the step looks ahead: ``p <- p - lr * (g + momentum * b)``.
    The lecture notes' form ``v <- momentum * v - lr * g``, ``p <- p + v`` is
    the same walk for a constant ``lr``, with ``v = -lr * b``.

    Parameters
    ----------
    p, g : array_like, same shape
    buf : array_like of p's shape, or None
        The momentum buffer ``b`` of the previous step; None before the first step.
    lr : float, > 0
    momentum : float, >= 0
    nesterov : bool
    weight_decay : float, >= 0
        L2 penalty folded into the gradient (``g + weight_decay * p``).

    Returns
    -------
    new_p, new_buf : ndarray, shape and dtype of ``p``
    """
    p, g = _pair(p, g, "momentum_step")
    check_positive(lr, "lr")
    check_positive(momentum, "momentum", allow_zero=True)
    check_positive(weight_decay, "weight_decay", allow_zero=True)
    if buf is not None:
        buf = _state(buf, p, "buf", "momentum_step")
    buf = _momentum_into(p, g, buf, lr, momentum, nesterov, weight_decay)
    return p, buf


def _adagrad_into(p, g, s, lr, eps):
    tmp = np.multiply(g, g)  # p.shape, scratch
    s += tmp                                   # s = s + g^2
    np.sqrt(s, out=tmp)
    tmp += eps                                 # sqrt(s) + eps
    np.divide(g, tmp, out=tmp)
    tmp *= lr
    p -= tmp                                   # p - lr * g / (sqrt(s) + eps)


def adagrad_step(p, g, s, lr=0.01, eps=1e-10):
    """AdaGrad: ``s <- s + g^2``;  ``p <- p - lr * g / (sqrt(s) + eps)``.

    ``s`` only grows, so every weight's step keeps shrinking (for a constant
    gradient the step after t steps is ``lr / sqrt(t)``).

    Parameters
    ----------
    p, g, s : array_like, same shape
        ``s`` is the sum of squared gradients so far (zeros before the first step).
    lr : float, > 0
    eps : float, >= 0, added after the square root

    Returns
    -------
    new_p, new_s : ndarray, shape and dtype of ``p``
    """
    p, g = _pair(p, g, "adagrad_step")
    s = _state(s, p, "s", "adagrad_step")
    check_positive(lr, "lr")
    check_positive(eps, "eps", allow_zero=True)
    _adagrad_into(p, g, s, lr, eps)
    return p, s


def _rmsprop_into(p, g, v, lr, alpha, eps, buf=None, momentum=0.0):
    tmp = np.multiply(g, g)  # p.shape, scratch
    tmp *= 1.0 - alpha
    v *= alpha
    v += tmp                                   # v = alpha v + (1 - alpha) g^2
    np.sqrt(v, out=tmp)
    tmp += eps
    np.divide(g, tmp, out=tmp)                 # g / (sqrt(v) + eps)
    if buf is not None:
        buf *= momentum
        buf += tmp                             # b = momentum b + g / (sqrt(v) + eps)
        np.copyto(tmp, buf)
    tmp *= lr
    p -= tmp


def rmsprop_step(p, g, v, lr=0.01, alpha=0.99, eps=1e-8):
    """RMSprop: ``v <- alpha * v + (1 - alpha) * g^2``;  ``p <- p - lr * g / (sqrt(v) + eps)``.

    ``v`` is an exponentially weighted average of the squared gradient, with
    no bias correction (as in PyTorch): it starts at 0, so the first steps
    are larger than later ones.  ``eps`` is added *after* the square root
    (some texts put it inside, ``sqrt(v + eps)``; PyTorch and Keras do not).

    Parameters
    ----------
    p, g, v : array_like, same shape
        ``v`` is the running average of g^2 (zeros before the first step).
    lr : float, > 0
    alpha : float in [0, 1)
    eps : float, >= 0

    Returns
    -------
    new_p, new_v : ndarray, shape and dtype of ``p``
    """
    p, g = _pair(p, g, "rmsprop_step")
    v = _state(v, p, "v", "rmsprop_step")
    check_positive(lr, "lr")
    check_probability(alpha, "alpha")
    check_positive(eps, "eps", allow_zero=True)
    _rmsprop_into(p, g, v, lr, alpha, eps)
    return p, v


def _adadelta_into(p, g, v, u, lr, rho, eps):
    d = np.multiply(g, g)  # p.shape, scratch
    tmp = np.multiply(d, 1.0 - rho)  # p.shape, scratch
    v *= rho
    v += tmp                                   # v = rho v + (1 - rho) g^2
    np.add(u, eps, out=d)
    np.add(v, eps, out=tmp)
    d /= tmp
    np.sqrt(d, out=d)
    d *= g                                     # d = sqrt(u + eps) / sqrt(v + eps) * g
    np.multiply(d, d, out=tmp)
    tmp *= 1.0 - rho
    u *= rho
    u += tmp                                   # u = rho u + (1 - rho) d^2
    d *= lr
    p -= d


def adadelta_step(p, g, v, u, lr=1.0, rho=0.9, eps=1e-6):
    """Adadelta: ``v <- rho v + (1 - rho) g^2``; ``d = sqrt(u + eps) / sqrt(v + eps) * g``; ``u <- rho u + (1 - rho) d^2``; ``p <- p - lr d``.

    The ratio of the two running root-mean-squares gives ``d`` the units of
    ``p``, so the original method needs no learning rate; PyTorch still
    scales by ``lr`` (default 1).  ``eps`` sits inside both square roots.

    Parameters
    ----------
    p, g, v, u : array_like, same shape
        ``v`` averages g^2 and ``u`` the squared steps (zeros before the first step).
    lr : float, > 0
    rho : float in [0, 1)
    eps : float, >= 0

    Returns
    -------
    new_p, new_v, new_u : ndarray, shape and dtype of ``p``
    """
    p, g = _pair(p, g, "adadelta_step")
    v, u = _state(v, p, "v", "adadelta_step"), _state(u, p, "u", "adadelta_step")
    check_positive(lr, "lr")
    check_probability(rho, "rho")
    check_positive(eps, "eps", allow_zero=True)
    _adadelta_into(p, g, v, u, lr, rho, eps)
    return p, v, u


def _adam_into(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay=0.0, decoupled=False):
    if weight_decay:
        if decoupled:
            p *= 1.0 - lr * weight_decay           # AdamW: shrink p itself, before the step
        else:
            g = g + weight_decay * p  # p.shape; Adam's L2: folded into the gradient
    tmp = np.multiply(g, 1.0 - beta1)  # p.shape, scratch
    m *= beta1
    m += tmp                                   # m = b1 m + (1 - b1) g
    np.multiply(g, g, out=tmp)
    tmp *= 1.0 - beta2
    v *= beta2
    v += tmp                                   # v = b2 v + (1 - b2) g^2
    bias1, bias2 = 1.0 - beta1**t, 1.0 - beta2**t
    np.divide(v, bias2, out=tmp)               # v_hat = v / (1 - b2^t)
    np.sqrt(tmp, out=tmp)
    tmp += eps                                 # sqrt(v_hat) + eps
    np.divide(m, tmp, out=tmp)
    tmp *= lr / bias1                          # lr * m_hat / (sqrt(v_hat) + eps), m_hat = m / (1 - b1^t)
    p -= tmp


def _adam_arguments(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, where):
    p, g = _pair(p, g, where)
    m, v = _state(m, p, "m", where), _state(v, p, "v", where)
    t = _check_step_count(t, where)
    check_positive(lr, "lr")
    check_probability(beta1, "beta1")
    check_probability(beta2, "beta2")
    check_positive(eps, "eps", allow_zero=True)
    check_positive(weight_decay, "weight_decay", allow_zero=True)
    return p, g, m, v, t


def adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """Adam: ``m <- b1 m + (1 - b1) g``; ``v <- b2 v + (1 - b2) g^2``; ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)``.

    ``m_hat = m / (1 - b1^t)`` and ``v_hat = v / (1 - b2^t)`` undo the pull of
    the zero start (at t = 1, ``m_hat = g`` and ``v_hat = g^2``, so the first
    step is ``lr * g / (|g| + eps)``, about ``lr * sign(g)``).  ``eps`` is added
    after the square root.  ``weight_decay`` is L2 folded into the gradient
    before the averages (``g + weight_decay * p``), so it is rescaled like
    the gradient; :func:`adamw_step` decouples it.

    Parameters
    ----------
    p, g, m, v : array_like, same shape
        ``m`` and ``v`` are the averages of g and g^2 (zeros before the first step).
    t : int, >= 1
        The number of this step (1 for the first).
    lr : float, > 0
    beta1, beta2 : float in [0, 1)
    eps : float, >= 0
    weight_decay : float, >= 0

    Returns
    -------
    new_p, new_m, new_v : ndarray, shape and dtype of ``p``
    """
    p, g, m, v, t = _adam_arguments(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, "adam_step")
    _adam_into(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay)
    return p, m, v


def adamw_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    """AdamW: ``p <- p * (1 - lr * weight_decay)``, then the :func:`adam_step` update with the plain gradient.

    The decay is *decoupled* from the adaptive step: every weight shrinks by
    the same factor, whatever its gradient history, instead of being divided
    by ``sqrt(v_hat)`` like a gradient (Loshchilov & Hutter; ``torch.optim.AdamW``).

    Parameters
    ----------
    p, g, m, v, t, lr, beta1, beta2, eps : as in :func:`adam_step`
    weight_decay : float, >= 0 (default 0.01, as in PyTorch)

    Returns
    -------
    new_p, new_m, new_v : ndarray, shape and dtype of ``p``
    """
    p, g, m, v, t = _adam_arguments(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, "adamw_step")
    _adam_into(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, decoupled=True)
    return p, m, v


#: name -> pure step rule
STEP_RULES = {
    "sgd": sgd_step,
    "momentum": momentum_step,
    "adagrad": adagrad_step,
    "rmsprop": rmsprop_step,
    "adadelta": adadelta_step,
    "adam": adam_step,
    "adamw": adamw_step,
}


# ----------------------------------------------------------------- a rule over many arrays

class Updater:
    """``update(params, grads) -> new params``: a pure step rule applied to every array, its state kept here.

    ``params`` is a list of arrays, or of tuples of arrays such as the
    ``(W, b)`` pairs of :mod:`nnlib.mlp`; ``grads`` has the same structure.
    The result has that structure too, with new arrays (the ones passed in
    are never changed)::

        update = Updater(adam_step, lr=0.01)
        params = update(params, grads)         # one step for every W and b

    The rule's **state** is found in its signature: the arguments between
    ``g`` and ``lr``.  An argument named ``t`` is the step count (1, 2, ...);
    ``buf`` starts as None (the momentum buffer of PyTorch, created on the
    first step); every other one starts as zeros shaped like its parameter.
    The rule returns the new parameter followed by the new state arrays, in
    signature order (``t`` is not returned).  So ``adam_step(p, g, m, v, t,
    lr, ...) -> (p, m, v)`` keeps m, v and t, ``momentum_step(p, g, buf, lr,
    ...)`` keeps the buffer, and ``sgd_step(p, g, lr)`` keeps nothing.  A
    student's version of a rule with the same signature works the same way.

    Parameters
    ----------
    rule : callable
        A pure step function such as :func:`adam_step`.
    **hyperparameters
        Passed to every call of ``rule`` (``lr``, ``beta1``, ...).

    Attributes
    ----------
    state : list of dict
        One dict per array (in the flattened order of ``params``): state name -> value.
    steps : int
        How many times the updater has been called.
    """

    def __init__(self, rule, **hyperparameters):
        if not callable(rule):
            raise TypeError(f"Updater: rule must be a step function such as adam_step, got {type(rule).__name__}")
        self.rule = rule
        self.hyperparameters = hyperparameters
        self.state_names = self._state_names(rule)
        self.state: list[dict] = []
        self.steps = 0

    @staticmethod
    def _state_names(rule) -> tuple:
        names = list(inspect.signature(rule).parameters)
        if len(names) < 3 or "lr" not in names:
            raise TypeError(f"Updater: {getattr(rule, '__name__', 'rule')} must take (p, g, <state...>, lr, ...), "
                            f"got ({', '.join(names)})")
        return tuple(names[2:names.index("lr")])

    def __call__(self, params, grads):
        flat_p, rebuild = _flatten(params, "params")
        flat_g, _ = _flatten(grads, "grads")
        if len(flat_g) != len(flat_p):
            raise ValueError(f"Updater: grads has {len(flat_g)} arrays but params has {len(flat_p)}")
        if not self.state:
            self.state = [self._initial_state(p) for p in flat_p]
        elif len(self.state) != len(flat_p):
            raise ValueError(f"Updater: this updater kept state for {len(self.state)} arrays, now given "
                             f"{len(flat_p)}; use a new Updater for a new model")
        self.steps += 1
        new = []
        for p, g, state in zip(flat_p, flat_g, self.state):
            if "t" in state:
                state["t"] += 1
            args = [state[name] for name in self.state_names]
            out = self.rule(p, g, *args, **self.hyperparameters)
            kept = [name for name in self.state_names if name != "t"]
            if kept:
                new_p, *new_state = out
                state.update(zip(kept, new_state))
            else:
                new_p = out
            new.append(new_p)
        return rebuild(new)

    def _initial_state(self, p) -> dict:
        start = {"t": 0, "buf": None}  # the step count, PyTorch's buffer made on the first step
        p = as_float_array(p, "params")
        return {name: start[name] if name in start else np.zeros_like(p) for name in self.state_names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"Updater({getattr(self.rule, '__name__', 'rule')}{', ' + args if args else ''})"


def _flatten(params, name: str):
    """The arrays of a list of arrays or of tuples of arrays, and a function rebuilding that structure."""
    if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
        raise TypeError(f"Updater: {name} must be a list of arrays or of (W, b) pairs, got {type(params).__name__}")
    sizes = [len(item) if isinstance(item, (list, tuple)) else None for item in params]
    flat = [a for item, size in zip(params, sizes) for a in (item if size is not None else [item])]

    def rebuild(arrays):
        out, k = [], 0
        for size in sizes:
            if size is None:
                out.append(arrays[k])
                k += 1
            else:
                out.append(tuple(arrays[k:k + size]))
                k += size
        return out

    return flat, rebuild
