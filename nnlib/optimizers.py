"""Optimizers: turn gradients into parameter updates.

Every optimizer has one method, ``step(params, grads)``, that updates the
parameter arrays **in place** (so the layers that own them see the change):

    opt = Adam(lr=1e-3)
    opt.step(model.parameters(), model.gradients())

``params`` and ``grads`` are either two dicts with the same keys (name ->
array, as ``Sequential.parameters()`` / ``gradients()`` give them), two lists
of equal length (the keys are then the indices), or two single arrays (key 0).
Whatever an optimizer remembers between steps lives in ``self.state[key]``, a
dict per parameter such as ``{"step": 3, "exp_avg": m, "exp_avg_sq": v}``,
kept apart from the hyperparameters (``lr``, ``betas``, ...), which are plain
attributes.  State arrays are created on the first step with the parameter's
shape and dtype: one extra array per parameter for momentum, RMSprop and
AdaGrad, two for Adam and Adadelta.

The update rules are those documented for ``torch.optim`` (same defaults,
same place for ``eps``, same bias correction, same Nesterov form), so a
result here can be checked against PyTorch.  ``t`` counts the steps taken for
a parameter, starting at 1; ``g`` is its gradient and ``lr`` the learning rate.

Each rule is written once, in :mod:`nnlib.update_rules`, as an in-place
kernel that both faces use: the pure functions there (``adam_step(p, g, m,
v, t, ...) -> (p, m, v)``, re-exported here) run it on copies, the classes
here on the model's own arrays, so the two agree bit for bit.  The kernels
use in-place NumPy operations (``out=``, ``*=``) and one scratch array per
parameter at most: the arrays are as large as the weights, and training
calls ``step`` thousands of times.

One array instead of many
-------------------------
A rule costs a dozen NumPy calls, each with a fixed overhead of about a
microsecond, per parameter; for a course-size network (a few thousand
weights per array) that overhead, not the arithmetic, is most of a step.
``Sequential`` therefore keeps all its parameters in one flat buffer and its
dicts hold reshaped views of it (see ``nnlib.network``).  When the arrays
passed to ``step`` are such views, consecutive and without gaps, the rule is
applied **once** to the whole flat span, and the per-parameter state arrays
are views of flat state arrays.  The rules are elementwise, so the numbers
are exactly those of the per-parameter loop, and ``self.state[key]`` looks
the same either way.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nnlib._validation import check_positive, check_probability
from nnlib.update_rules import (STEP_RULES, Updater, _adadelta_into, _adagrad_into, _adam_into, _momentum_into,
                                _rmsprop_into, _sgd_into, adadelta_step, adagrad_step, adam_step, adamw_step, ewma,
                                momentum_step, rmsprop_step, sgd_step)

__all__ = ["Optimizer", "SGD", "AdaGrad", "RMSprop", "Adadelta", "Adam", "AdamW", "OPTIMIZERS",
           # the same rules as pure functions (nnlib.update_rules)
           "sgd_step", "momentum_step", "adagrad_step", "rmsprop_step", "adadelta_step", "adam_step", "adamw_step",
           "ewma", "Updater", "STEP_RULES"]


def _paired(params, grads, where: str) -> list:
    """``[(key, p, g), ...]`` after checking that params and grads match.

    Everything is checked before anything is updated, so a bad call never
    leaves a model half-stepped.
    """
    if isinstance(params, np.ndarray):
        params, grads = [params], [grads]
    if isinstance(params, Mapping):
        if not isinstance(grads, Mapping):
            raise TypeError(f"{where}: params is a dict, so grads must be a dict with the same keys, "
                            f"got {type(grads).__name__}")
        if params.keys() != grads.keys():
            missing = [k for k in params if k not in grads]
            extra = [k for k in grads if k not in params]
            raise ValueError(f"{where}: grads must have the keys of params; "
                             f"missing {missing}, unexpected {extra}")
        keys = list(params)
    elif isinstance(params, Sequence) and not isinstance(params, str):
        if isinstance(grads, Mapping) or not isinstance(grads, Sequence):
            raise TypeError(f"{where}: params is a list, so grads must be a list of the same length, "
                            f"got {type(grads).__name__}")
        if len(params) != len(grads):
            raise ValueError(f"{where}: params has {len(params)} arrays but grads has {len(grads)}")
        keys = range(len(params))
    else:
        raise TypeError(f"{where}: params must be a dict of arrays, a list of arrays or an array, "
                        f"got {type(params).__name__}")

    triples = []
    for key in keys:
        p, g = params[key], np.asarray(grads[key])
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            kind = f"array of dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(f"{where}: params[{key!r}] must be a float ndarray (it is updated in place), "
                            f"got {kind}")
        if g.shape != p.shape:
            raise ValueError(f"{where}: grads[{key!r}] must have the shape of params[{key!r}], "
                             f"{p.shape}, got {g.shape}")
        triples.append((key, p, g))
    return triples


def _flat_span(arrays) -> np.ndarray | None:
    """The 1-D array that ``arrays`` tile end to end, in this order, or None.

    True for the views ``Sequential`` hands out: reshaped slices
    ``flat[start:stop]`` of one C-contiguous 1-D buffer (their ``base``).
    """
    base = arrays[0].base
    if base is None or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    origin, itemsize = base.__array_interface__["data"][0], base.itemsize
    start = (arrays[0].__array_interface__["data"][0] - origin) // itemsize
    stop = start
    for a in arrays:
        if (a.base is not base or a.dtype != base.dtype or not a.flags.c_contiguous
                or a.__array_interface__["data"][0] != origin + stop * itemsize):
            return None
        stop += a.size
    return base[start:stop]  # (P,) a view: updating it updates every array


class _FlatGroup:
    """Parameters that are consecutive views of one flat buffer, stepped as a single array.

    Built (and checked) on the first step that sees these arrays, then reused
    as long as ``step`` receives the very same array objects.
    """

    def __init__(self, keys, params, grads, states, p, g, state):
        self.keys, self.params, self.grads, self.states = keys, params, grads, states
        self.p, self.g = p, g  # (P,) spans of all parameters and of all gradients
        self.state = state  # {"step": t, name: (P,) array}: the flat version of every states[i]
        self.ids = {"params": tuple(map(id, params)), "grads": tuple(map(id, grads)), "states": tuple(map(id, states))}

    @classmethod
    def build(cls, triples, optimizer_state: dict) -> _FlatGroup | None:
        """A group for ``[(key, p, g), ...]``, or None when the arrays are separate."""
        if len(triples) < 2:
            return None
        keys, params, grads = (tuple(column) for column in zip(*triples))
        p, g = _flat_span(params), _flat_span(grads)
        if p is None or g is None or p.dtype != g.dtype:
            return None
        states = [optimizer_state.get(key) for key in keys]
        if all(s is None for s in states):  # first step: no state yet
            states = [optimizer_state.setdefault(key, {"step": 0}) for key in keys]
            return cls(keys, params, grads, states, p, g, {"step": 0})
        # Later steps with new dicts of the same arrays: the state must be flat too.
        if any(s is None or s.keys() != states[0].keys() or s["step"] != states[0]["step"] for s in states):
            return None
        state = {"step": states[0]["step"]}
        for name in states[0]:
            if name != "step":
                pieces = [s[name] for s in states]
                if any(a.shape != q.shape for a, q in zip(pieces, params)):
                    return None
                state[name] = _flat_span(pieces)
                if state[name] is None:
                    return None
        return cls(keys, params, grads, states, p, g, state)

    def serves(self, params, grads, optimizer_state: dict) -> bool:
        """Are these the arrays (and the state dicts) this group was built for?

        Compared by identity (``id``), which costs next to nothing: the group
        holds the arrays, so their ids cannot be reused by other objects.
        """
        if isinstance(params, Mapping) and isinstance(grads, Mapping):
            if tuple(params) != self.keys or len(grads) != len(params):
                return False
            ps, gs = params.values(), map(grads.get, self.keys)
        elif isinstance(params, (list, tuple)) and isinstance(grads, (list, tuple)):
            ps, gs = params, grads
        else:
            return False
        return (tuple(map(id, ps)) == self.ids["params"] and tuple(map(id, gs)) == self.ids["grads"]
                and tuple(map(id, map(optimizer_state.get, self.keys))) == self.ids["states"])

    def step(self, update) -> None:
        """One call of the rule ``update(p, g, state)`` on the whole span."""
        self.state["step"] += 1
        update(self.p, self.g, self.state)
        for s in self.states:
            s["step"] = self.state["step"]
        if len(self.state) != len(self.states[0]):  # the rule created state arrays: share them out
            self._share_state()

    def _share_state(self) -> None:
        """Give each parameter's state dict its piece (a view) of every flat state array."""
        for name, flat in self.state.items():
            if name == "step" or name in self.states[0]:
                continue
            start = 0
            for s, p in zip(self.states, self.params):
                s[name] = flat[start:start + p.size].reshape(p.shape)  # p.shape, a view
                start += p.size


class Optimizer:
    """Base class: learning rate, per-parameter state and the ``step`` loop.

    Subclasses define ``_update(p, g, state)``, the rule for one parameter,
    and list their hyperparameters in ``_hyperparameters`` (for ``repr``).
    """

    _hyperparameters: tuple[str, ...] = ("lr",)
    _flat: _FlatGroup | None = None  # the arrays of the last step, when they share one flat buffer

    def __init__(self, lr):
        check_positive(lr, "lr")
        self.lr = lr
        self.state: dict = {}

    @property
    def lr(self) -> float:
        """The learning rate; a schedule may change it between steps."""
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        # 0 is allowed here (not in the constructor): a schedule may anneal to exactly 0.
        check_positive(value, "lr", allow_zero=True)
        self._lr = float(value)

    def step(self, params, grads) -> None:
        """Update every array of ``params`` in place from the matching array of ``grads``.

        Parameters
        ----------
        params : dict name -> ndarray, list of ndarray, or one ndarray
            Float arrays, changed in place.
        grads : same container as ``params``
            ``grads[key]`` has the shape of ``params[key]``; never modified.

        When the arrays are consecutive views of one flat buffer (as
        ``Sequential`` makes them), the rule runs once on the whole buffer.
        """
        if self._flat is None or not self._flat.serves(params, grads, self.state):
            where = f"{type(self).__name__}.step"
            triples = _paired(params, grads, where)
            self._flat = _FlatGroup.build(triples, self.state)
            if self._flat is None:  # separate arrays: one update per parameter
                self._step_each(triples, where)
                return
        self._flat.step(self._update)

    def _step_each(self, triples, where: str) -> None:
        for key, p, g in triples:
            state = self.state.get(key)
            if state is None:
                state = self.state[key] = {"step": 0}
            elif any(isinstance(a, np.ndarray) and a.shape != p.shape for a in state.values()):
                raise ValueError(f"{where}: params[{key!r}] has shape {p.shape} but the state kept for "
                                 f"{key!r} belongs to another shape; call reset() for a new model")
            state["step"] += 1
            self._update(p, g, state)

    def reset(self) -> None:
        """Forget all per-parameter state (momentum, averages, step counts)."""
        self.state.clear()
        self._flat = None

    zero_state = reset

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    @staticmethod
    def _buffer(state: dict, name: str, p: np.ndarray) -> np.ndarray:
        """``state[name]``, created as zeros shaped and typed like ``p`` on first use."""
        if name not in state:
            state[name] = np.zeros_like(p)  # p.shape
        return state[name]

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._hyperparameters)
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and L2 decay (``torch.optim.SGD``).

    ``g <- g + weight_decay * p``;  ``b <- momentum * b + g`` (``b = g`` at t = 1);
    ``p <- p - lr * b``, or with Nesterov ``p <- p - lr * (g + momentum * b)``.

    With ``momentum=0`` this is plain ``p <- p - lr * g``.  Dampening is 0, as
    in PyTorch's default.  State: ``"momentum_buffer"`` (when momentum > 0).

    Parameters
    ----------
    lr : float, > 0
    momentum : float, >= 0
    nesterov : bool
        Look-ahead form; needs ``momentum > 0``.
    weight_decay : float, >= 0
        L2 penalty ``weight_decay / 2 * ||p||^2`` folded into the gradient.
    """

    _hyperparameters = ("lr", "momentum", "nesterov", "weight_decay")

    def __init__(self, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(lr)
        check_positive(momentum, "momentum", allow_zero=True)
        check_positive(weight_decay, "weight_decay", allow_zero=True)
        if nesterov and momentum <= 0:
            raise ValueError(f"nesterov=True requires momentum > 0, got momentum={momentum!r}")
        self.momentum = momentum
        self.nesterov = bool(nesterov)
        self.weight_decay = weight_decay

    def _update(self, p, g, state):
        if self.momentum:
            state["momentum_buffer"] = _momentum_into(p, g, state.get("momentum_buffer"), self.lr, self.momentum,
                                                      self.nesterov, self.weight_decay)
        else:
            _sgd_into(p, g, self.lr, self.weight_decay)


class AdaGrad(Optimizer):
    """Adaptive gradient: each weight's step shrinks with its squared-gradient history (``torch.optim.Adagrad``).

    ``s <- s + g^2``;  ``p <- p - lr * g / (sqrt(s) + eps)``.

    Weights with large past gradients get small steps; ``s`` only grows, so
    the effective learning rate keeps falling.  State: ``"sum"``.

    Parameters
    ----------
    lr : float, > 0
    eps : float, >= 0
        Added to ``sqrt(s)``, after the square root.
    """

    _hyperparameters = ("lr", "eps")

    def __init__(self, lr=0.01, eps=1e-10):
        super().__init__(lr)
        check_positive(eps, "eps", allow_zero=True)
        self.eps = eps

    def _update(self, p, g, state):
        _adagrad_into(p, g, self._buffer(state, "sum", p), self.lr, self.eps)


class RMSprop(Optimizer):
    """Root-mean-square propagation: AdaGrad with a forgetting average (``torch.optim.RMSprop``).

    ``v <- alpha * v + (1 - alpha) * g^2``;  ``p <- p - lr * g / (sqrt(v) + eps)``;
    with momentum ``b <- momentum * b + g / (sqrt(v) + eps)`` and ``p <- p - lr * b``.

    No bias correction (as in PyTorch): ``v`` starts at 0, so early steps are
    larger than later ones.  State: ``"square_avg"`` and, with momentum,
    ``"momentum_buffer"`` (starting at 0).

    Parameters
    ----------
    lr : float, > 0
    alpha : float in [0, 1)
        Decay of the squared-gradient average.
    eps : float, >= 0
        Added to ``sqrt(v)``, after the square root.
    momentum : float, >= 0
    """

    _hyperparameters = ("lr", "alpha", "eps", "momentum")

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0):
        super().__init__(lr)
        check_probability(alpha, "alpha")
        check_positive(eps, "eps", allow_zero=True)
        check_positive(momentum, "momentum", allow_zero=True)
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum

    def _update(self, p, g, state):
        v = self._buffer(state, "square_avg", p)
        buf = self._buffer(state, "momentum_buffer", p) if self.momentum else None  # starts at 0, as in PyTorch
        _rmsprop_into(p, g, v, self.lr, self.alpha, self.eps, buf, self.momentum)


class Adadelta(Optimizer):
    """Adadelta: step sizes from the ratio of two running RMS values (``torch.optim.Adadelta``).

    ``v <- rho * v + (1 - rho) * g^2``;  ``d = sqrt(u + eps) / sqrt(v + eps) * g``;
    ``u <- rho * u + (1 - rho) * d^2``;  ``p <- p - lr * d``.

    The units of ``d`` match those of ``p``, which is why the original method
    needs no learning rate; PyTorch still scales by ``lr`` (default 1.0).
    ``eps`` sits inside both square roots.  State: ``"square_avg"`` (v) and
    ``"acc_delta"`` (u).

    Parameters
    ----------
    lr : float, > 0
    rho : float in [0, 1)
        Decay of both running averages.
    eps : float, >= 0
    """

    _hyperparameters = ("lr", "rho", "eps")

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6):
        super().__init__(lr)
        check_probability(rho, "rho")
        check_positive(eps, "eps", allow_zero=True)
        self.rho = rho
        self.eps = eps

    def _update(self, p, g, state):
        _adadelta_into(p, g, self._buffer(state, "square_avg", p), self._buffer(state, "acc_delta", p),
                       self.lr, self.rho, self.eps)


class Adam(Optimizer):
    """Adaptive moment estimation (``torch.optim.Adam``), with optional L2 decay.

    ``m <- b1 m + (1 - b1) g``;  ``v <- b2 v + (1 - b2) g^2``;
    ``p <- p - lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``, ``v_hat = v / (1 - b2^t)``.

    The bias correction undoes the pull towards the zero start of ``m`` and
    ``v`` (at t = 1, ``m_hat = g`` and ``v_hat = g^2``, so the first step is
    about ``lr * sign(g)``).  ``eps`` is added after the square root.
    ``weight_decay`` is the L2 form: ``g <- g + weight_decay * p`` before the
    moments, so the decay is rescaled by ``sqrt(v_hat)`` like the gradient
    (see :class:`AdamW` for the decoupled form).  State: ``"step"``,
    ``"exp_avg"`` (m) and ``"exp_avg_sq"`` (v).

    Parameters
    ----------
    lr : float, > 0
    betas : (float, float), each in [0, 1)
        Decays ``(b1, b2)`` of the first and second moment.
    eps : float, >= 0
    weight_decay : float, >= 0
    """

    _hyperparameters = ("lr", "betas", "eps", "weight_decay")
    _decoupled = False

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (b1, b2), got {betas!r}")
        check_probability(betas[0], "betas[0]")
        check_probability(betas[1], "betas[1]")
        check_positive(eps, "eps", allow_zero=True)
        check_positive(weight_decay, "weight_decay", allow_zero=True)
        self.betas = tuple(betas)
        self.eps = eps
        self.weight_decay = weight_decay

    def _update(self, p, g, state):
        b1, b2 = self.betas
        _adam_into(p, g, self._buffer(state, "exp_avg", p), self._buffer(state, "exp_avg_sq", p), state["step"],
                   self.lr, b1, b2, self.eps, self.weight_decay, self._decoupled)


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``; Loshchilov & Hutter).

    ``p <- p * (1 - lr * weight_decay)``, then the :class:`Adam` update with the plain gradient.

    Unlike L2 in Adam, the decay is not divided by ``sqrt(v_hat)``: every
    weight shrinks by the same factor, whatever its gradient history.
    State as in :class:`Adam`.

    Parameters
    ----------
    lr : float, > 0
    betas : (float, float), each in [0, 1)
    eps : float, >= 0
    weight_decay : float, >= 0 (default 0.01, as in PyTorch)
    """

    _decoupled = True

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


#: name -> optimizer class, for configs such as ``{"optimizer": "adam", "lr": 1e-3}``
OPTIMIZERS = {
    "sgd": SGD,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adadelta": Adadelta,
    "adam": Adam,
    "adamw": AdamW,
}
