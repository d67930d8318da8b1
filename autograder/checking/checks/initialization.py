"""Checks of chapter 06_initialization: init scales and draws, signals through depth, standardization, normalization.

Student signatures (the notebook states each one in its exercise):

- ``init_scale(n_in, n_out, scheme) -> float``: the std of a ``*_normal``
  scheme, the limit ``a`` of a ``*_uniform`` one, for Xavier (``Var =
  2 / (n_in + n_out)``), He (``2 / n_in``) and LeCun (``1 / n_in``).
  → ``nnlib.init.init_scale``
- ``xavier_uniform(n_in, n_out, rng) -> W``: ``rng.uniform(-a, a, size=(n_in, n_out))``.
- ``he_normal(n_in, n_out, rng) -> W``: ``rng.normal(0.0, s, size=(n_in, n_out))``.
  → ``nnlib.init``; the rng call is prescribed, so a right draw equals the
  reference's number for number.
- ``activation_stds(n_layers, width, init, activation, rng, n_samples=1000) -> list``:
  ``X = rng.standard_normal((n_samples, width))``, then per layer a weight
  drawn from ``init`` (a std, or a scheme name) and ``A = f(A @ W)``; the
  std of every layer's activations.  → ``nnlib.propagation.activation_stds``.
  The cases pass ``init`` as a number (He's std, Xavier's, ...): a scheme name
  would make the student's function call their ``init_scale``, and a slip
  there would cost points twice.
- ``standardize(X, mean=None, std=None) -> (X_std, mean, std)``: statistics of
  X when none are given (population std, 0 replaced by 1), else the given
  ones.  → ``nnlib.data.standardize``
- ``batchnorm_forward(X, gamma, beta, running_mean, running_var, momentum=0.1,
  eps=1e-5) -> (Y, cache, new_running_mean, new_running_var)``, training
  mode, ``cache = (x_hat, gamma, inv_std)``.
- ``batchnorm_backward(dY, cache) -> (dX, dgamma, dbeta)`` with that cache.
- ``layernorm_forward(X, gamma, beta, eps=1e-5) -> Y``.
  → ``nnlib.functional``'s batch and layer norm, through the small adapters
  below (nnlib's batch norm updates a running dict in place and keeps a
  dict cache; the exercise is a pure function with a tuple cache).

Essential cases (while one fails, the exercise earns at most half its
points): the chapter's 784 -> 256 scales; a small draw of each initialiser;
the table's ReLU rows (N(0, 1) explodes, He stays near 0.85); the age/salary
statistics, a validation set scaled with the training statistics, a
constant column; batch norm's (1, 2, 3, 4) and a feature of tiny variance
(where eps inside the root matters), a hand-set gradient through it, the
(1, 2, 3, 4) backward with one upstream 1; layer norm's two rows.

dtype: array outputs keep the input's dtype (one hidden float32 case each
for standardize and the normalizations; the draws and the stds are float64
by construction).
"""
from __future__ import annotations

import math

import numpy as np

from autograder.checking.checks.optimizers import (
    SeededRng,
    _case_generator,
    _data_rng,
    _quarters,
)
from autograder.checking.spec import Case, Mistake, Spec, register
from nnlib import data, init, propagation
from nnlib import functional as F
from nnlib.activations import ACTIVATIONS
from nnlib.gradcheck import numerical_gradient, relative_error

AGE_SALARY = np.array([[25.0, 40000.0], [35.0, 30000.0], [45.0, 90000.0], [55.0, 70000.0]])  # (4, 2)
_KEEP_DTYPE = "keep the input's precision, float32 in, float32 out, as nnlib does"


# ======================================================================= init_scale


def _scale_cases():
    return [
        Case("hand-worked: 784 -> 256, xavier_uniform: a = sqrt(6 / 1040) = 0.0760", (784, 256, "xavier_uniform"),
             essential=True),
        Case("hand-worked: 784 -> 256, he_normal: s = sqrt(2 / 784) = 0.0505", (784, 256, "he_normal"),
             essential=True),
        Case("784 -> 256, xavier_normal: s = sqrt(2 / 1040) = 0.0439", (784, 256, "xavier_normal")),
        Case("784 -> 256, he_uniform: a = sqrt(6 / 784) = 0.0875", (784, 256, "he_uniform")),
        Case("784 -> 256, lecun_normal: s = sqrt(1 / 784)", (784, 256, "lecun_normal")),
    ]


def _scale_hidden_cases():
    rng = _data_rng(600)
    cases = []
    for scheme in init.SCHEMES:
        n_in, n_out = (int(v) for v in rng.integers(2, 900, size=2))
        cases.append(Case(f"random fans {n_in} -> {n_out}, {scheme}", (n_in, n_out, scheme)))
    cases += [
        Case("a wide output, 10 -> 1000, he_normal: He looks at n_in only", (10, 1000, "he_normal")),
        Case("a wide output, 10 -> 1000, xavier_uniform: Xavier averages both fans", (10, 1000, "xavier_uniform")),
        Case("edge: 1 -> 1, lecun_uniform: a = sqrt(3)", (1, 1, "lecun_uniform")),
    ]
    return cases


def _scale_like_a_student(**switches):
    def scale(n_in, n_out, scheme):
        family, kind = scheme.split("_")
        var = {"xavier": 2.0 / (n_in + n_out), "he": 2.0 / n_in, "lecun": 1.0 / n_in}[family]
        if switches.get("xavier_one") and family == "xavier":
            var = 1.0 / (n_in + n_out)
        if switches.get("he_both") and family == "he":
            var = 2.0 / (n_in + n_out)
        if switches.get("fan_out") and family in ("he", "lecun"):
            var = var * n_in / n_out
        if switches.get("variance"):
            return var * 3.0 if kind == "uniform" else var
        if switches.get("uniform_std") and kind == "uniform":
            return float(np.sqrt(var))
        if switches.get("uniform_six") and kind == "uniform":
            return float(np.sqrt(6.0 * var))
        return float(np.sqrt(3.0 * var)) if kind == "uniform" else float(np.sqrt(var))
    return scale


register(Spec(
    name="initialization.init_scale",
    reference=init.init_scale,
    visible_cases=_scale_cases,
    hidden_cases=_scale_hidden_cases,
    mistakes=[
        Mistake("the scale is a standard deviation (or a limit), not the variance: take the square root, "
                "s = sqrt(Var), a = sqrt(3 Var)", _scale_like_a_student(variance=True)),
        Mistake("a uniform U[-a, a] has variance a**2 / 3, so its limit is a = sqrt(3 Var), not sqrt(Var) "
                "(that is the std of the normal scheme)", _scale_like_a_student(uniform_std=True)),
        Mistake("the limit is sqrt(3 Var): for Xavier that is sqrt(6 / (n_in + n_out)) because Var already holds "
                "the 2; sqrt(6 Var) counts it twice", _scale_like_a_student(uniform_six=True)),
        Mistake("Xavier's variance is 2 / (n_in + n_out), the average of 1 / n_in (forward) and 1 / n_out "
                "(backward); 1 / (n_in + n_out) is half of it", _scale_like_a_student(xavier_one=True)),
        Mistake("He's variance is 2 / n_in (fan-in only: the factor 2 puts back the half ReLU zeroes); "
                "2 / (n_in + n_out) is Xavier's", _scale_like_a_student(he_both=True)),
        Mistake("He and LeCun use the fan-in n_in, the number of inputs each unit sums, not n_out",
                _scale_like_a_student(fan_out=True)),
    ],
    blocked=("nnlib.init.init_scale",),
))


# ======================================================================= xavier_uniform, he_normal


def _draw_cases():
    return [
        Case("hand-worked: a (3, 2) draw with rng = np.random.default_rng(0)", (3, 2, SeededRng(0)), essential=True),
        Case("64 -> 32 with rng = np.random.default_rng(1): shape (64, 32)", (64, 32, SeededRng(1))),
        Case("n_in != n_out: 5 -> 3 with rng = np.random.default_rng(2), shape (5, 3)", (5, 3, SeededRng(2))),
    ]


def _draw_hidden_cases():
    sizes = _data_rng(610)
    cases = []
    for seed in (611, 612):
        n_in, n_out = (int(v) for v in sizes.integers(1, 80, size=2))  # small: the re-check sends outputs back
        cases.append(Case(f"random fans {n_in} -> {n_out}", (n_in, n_out, _case_generator(seed))))
    cases += [
        Case("a wide output, 10 -> 200", (10, 200, _case_generator(613))),
        Case("edge: 1 -> 1, a single weight", (1, 1, _case_generator(614))),
    ]
    return cases


def _uniform_like_a_student(**switches):
    def draw(n_in, n_out, rng):
        a = np.sqrt(6.0 / (n_in + n_out))
        if switches.get("std"):
            a = np.sqrt(2.0 / (n_in + n_out))
        if switches.get("fan_in"):
            a = np.sqrt(6.0 / n_in)
        shape = (n_out, n_in) if switches.get("transposed") else (n_in, n_out)
        if switches.get("positive"):
            return rng.uniform(0.0, a, size=shape)
        if switches.get("global"):
            return np.random.default_rng(12345).uniform(-a, a, size=shape)
        return rng.uniform(-a, a, size=shape)
    return draw


def _normal_like_a_student(**switches):
    def draw(n_in, n_out, rng):
        s = np.sqrt(2.0 / n_in)
        if switches.get("variance"):
            s = 2.0 / n_in
        if switches.get("xavier"):
            s = np.sqrt(2.0 / (n_in + n_out))
        if switches.get("no_two"):
            s = np.sqrt(1.0 / n_in)
        shape = (n_out, n_in) if switches.get("transposed") else (n_in, n_out)
        if switches.get("global"):
            return np.random.default_rng(12345).normal(0.0, s, size=shape)
        return rng.normal(0.0, s, size=shape)
    return draw


_PRESCRIBED_UNIFORM = "rng.uniform(-a, a, size=(n_in, n_out))"
_PRESCRIBED_NORMAL = "rng.normal(0.0, s, size=(n_in, n_out))"

register(Spec(
    name="initialization.xavier_uniform",
    reference=init.xavier_uniform,
    visible_cases=_draw_cases,
    hidden_cases=_draw_hidden_cases,
    mistakes=[
        Mistake("W has shape (n_in, n_out): one row per input, one column per unit (Z = X @ W)",
                _uniform_like_a_student(transposed=True)),
        Mistake("the limit is a = sqrt(6 / (n_in + n_out)); sqrt(2 / (n_in + n_out)) is the std of the normal "
                "scheme (a uniform U[-a, a] has std a / sqrt(3))", _uniform_like_a_student(std=True)),
        Mistake("Xavier uses both fans: a = sqrt(6 / (n_in + n_out)); sqrt(6 / n_in) is He's limit",
                _uniform_like_a_student(fan_in=True)),
        Mistake("draw from the symmetric interval [-a, a]: rng.uniform(-a, a, ...), not from [0, a] (all weights "
                "positive)", _uniform_like_a_student(positive=True)),
        Mistake(f"draw from the rng passed in ({_PRESCRIBED_UNIFORM}), not from np.random or a Generator of your "
                "own: the same seed must give the same weights", _uniform_like_a_student(**{"global": True})),
    ],
    blocked=("nnlib.init.xavier_uniform", "nnlib.init.uniform"),
))

register(Spec(
    name="initialization.he_normal",
    reference=init.he_normal,
    visible_cases=_draw_cases,
    hidden_cases=_draw_hidden_cases,
    mistakes=[
        Mistake("W has shape (n_in, n_out): one row per input, one column per unit (Z = X @ W)",
                _normal_like_a_student(transposed=True)),
        Mistake("rng.normal takes the standard deviation, not the variance: s = sqrt(2 / n_in)",
                _normal_like_a_student(variance=True)),
        Mistake("He's std is sqrt(2 / n_in) (fan-in only); sqrt(2 / (n_in + n_out)) is Xavier's",
                _normal_like_a_student(xavier=True)),
        Mistake("the factor 2 is He's point: ReLU zeroes half the signal, so Var(W) = 2 / n_in, std "
                "sqrt(2 / n_in); sqrt(1 / n_in) is LeCun's", _normal_like_a_student(no_two=True)),
        Mistake(f"draw from the rng passed in ({_PRESCRIBED_NORMAL}), not from np.random or a Generator of your "
                "own: the same seed must give the same weights", _normal_like_a_student(**{"global": True})),
    ],
    blocked=("nnlib.init.he_normal", "nnlib.init.normal"),
))


# ======================================================================= activation_stds


def _stds_cases():
    return [
        Case("the table's explosion, smaller: 10 ReLU layers of width 100, N(0, 1) weights (init = 1.0), 50 samples, "
             "rng = np.random.default_rng(0): the std grows about sqrt(100 / 2) = 7-fold a layer, to 3.1e8",
             (10, 100, 1.0, "relu", SeededRng(0)), {"n_samples": 50}, essential=True),
        Case("the table's fix, smaller: 10 ReLU layers of width 100, He's std sqrt(2 / 100) (init = 0.1414...), "
             "50 samples, rng = np.random.default_rng(0): the std stays between 0.8 and 1.2",
             (10, 100, math.sqrt(2 / 100), "relu", SeededRng(0)), {"n_samples": 50}, essential=True),
        Case("5 tanh layers of width 64, N(0, 0.01^2) weights (init = 0.01), 50 samples: the signal dies",
             (5, 64, 0.01, "tanh", SeededRng(3)), {"n_samples": 50}),
    ]


def _stds_hidden_cases():
    sizes = _data_rng(625)
    n_layers, width = int(sizes.integers(2, 8)), int(sizes.integers(10, 60))
    return [
        Case(f"random: {n_layers} tanh layers of width {width}, init = 0.2, 40 samples",
             (n_layers, width, 0.2, "tanh", _case_generator(626)), {"n_samples": 40}),
        Case("6 tanh layers of width 50, Xavier's std sqrt(1 / 50), 60 samples",
             (6, 50, math.sqrt(1 / 50), "tanh", _case_generator(620)), {"n_samples": 60}),
        Case("4 sigmoid layers of width 30, LeCun's std sqrt(1 / 30), 100 samples",
             (4, 30, math.sqrt(1 / 30), "sigmoid", _case_generator(621)), {"n_samples": 100}),
        Case("3 ReLU layers of width 40, init = 0.3, 100 samples",
             (3, 40, 0.3, "relu", _case_generator(622)), {"n_samples": 100}),
        Case("edge: one layer, width 8, init = 0.5, 20 samples", (1, 8, 0.5, "tanh", _case_generator(623)),
             {"n_samples": 20}),
        Case("tanh with N(0, 1) weights (init = 1.0), 5 layers of width 64: saturated near 0.97",
             (5, 64, 1.0, "tanh", _case_generator(624)), {"n_samples": 50}),
    ]


def _stds_like_a_student(**switches):
    def stds(n_layers, width, init_, activation, rng, n_samples=1000):
        f = ACTIVATIONS[activation][0]
        if switches.get("weights_first"):
            Ws = [propagation.draw_weights(width, width, init_, rng) for _ in range(n_layers)]
            A = rng.standard_normal((n_samples, width))
        else:
            A = rng.standard_normal((width, n_samples) if switches.get("transposed") else (n_samples, width))
            if switches.get("transposed"):
                A = A.T
            Ws = None
        out = [float(A.std())] if switches.get("with_input") else []
        W = None
        for k in range(n_layers):
            if Ws is not None:
                W = Ws[k]
            elif W is None or not switches.get("one_matrix"):
                if switches.get("variance") and not isinstance(init_, str):
                    W = rng.normal(0.0, init_**2, size=(width, width))
                else:
                    W = propagation.draw_weights(width, width, init_, rng)
            Z = A @ W
            A = f(Z)
            out.append(float(Z.std() if switches.get("pre") else A.std()))
        return out[-1:] if switches.get("last") else out
    return stds


register(Spec(
    name="initialization.activation_stds",
    reference=propagation.activation_stds,
    visible_cases=_stds_cases,
    hidden_cases=_stds_hidden_cases,
    mistakes=[
        Mistake("return one std per layer (a list of n_layers numbers), not only the last one",
                _stds_like_a_student(last=True)),
        Mistake("the list starts with layer 1's activations: leave out the std of the input X",
                _stds_like_a_student(with_input=True)),
        Mistake("measure the activations A = f(Z), after the non-linearity, not Z = A @ W",
                _stds_like_a_student(pre=True)),
        Mistake("draw a new weight matrix for every layer; reusing one W for all layers is another network",
                _stds_like_a_student(one_matrix=True)),
        Mistake("draw in the prescribed order: first X = rng.standard_normal((n_samples, width)), then the weights "
                "layer by layer, so the same seed gives the same numbers", _stds_like_a_student(weights_first=True)),
        Mistake("X has one row per sample: rng.standard_normal((n_samples, width)), not (width, n_samples)",
                _stds_like_a_student(transposed=True)),
        Mistake("a number init is the standard deviation: rng.normal(0.0, init, size=(width, width)), not init**2",
                _stds_like_a_student(variance=True)),
    ],
    blocked=("nnlib.propagation.activation_stds", "nnlib.propagation.deep_signals"),
    rtol=1e-6,
    time_limit=10.0,
))


# ======================================================================= standardize


def _std_cases():
    val = np.array([[30.0, 50000.0], [60.0, 20000.0]])
    mean, std = AGE_SALARY.mean(axis=0), AGE_SALARY.std(axis=0)
    constant = np.array([[1.0, 5.0, 0.0], [2.0, 5.0, 3.0], [4.0, 5.0, 6.0]])
    return [
        Case("hand-worked: the notes' age and salary rows: mean (40, 57500), std (11.18, 23848)", (AGE_SALARY,),
             essential=True),
        Case("a validation set scaled with the training statistics (mean and std given)", (val, mean, std),
             essential=True),
        Case("a constant column (always 5): its std 0 becomes 1, the column becomes 0", (constant,),
             essential=True),
        Case("random (6, 3) with different scales", (np.random.default_rng(630).normal(size=(6, 3)) * [1, 10, 100],)),
    ]


def _std_hidden_cases():
    rng = _data_rng(631)
    X = rng.normal(loc=5.0, scale=3.0, size=(20, 4))
    mean, std = X.mean(axis=0), X.std(axis=0)
    return [
        Case("random (20, 4)", (X,)),
        Case("a test set of (5, 4) with the statistics of the training set", (rng.normal(size=(5, 4)), mean, std)),
        Case("one row: every std is 0, every column becomes 0", (rng.normal(size=(1, 3)),)),
        Case("digit-like pixels: two columns always 0", (np.c_[np.zeros(8), rng.integers(0, 17, size=(8, 3)),
                                                               np.zeros(8)].astype(float),)),
        Case("float32 (6, 2) of quarters: the outputs stay float32", (_quarters(rng, (6, 2)),)),
    ]


def _standardize_like_a_student(**switches):
    def standardize(X, mean=None, std=None):
        X_in = X
        if mean is None or switches.get("recompute"):
            mean = X.mean(axis=1 if switches.get("rows") else 0)
            std = X.std(axis=1 if switches.get("rows") else 0, ddof=1 if switches.get("ddof") and len(X) > 1 else 0)
            if switches.get("rows"):
                mean, std = mean[:, None], std[:, None]
            if switches.get("eps"):
                std = std + 1e-8
            elif not switches.get("no_zero"):
                std = np.where(std == 0, 1.0, std).astype(X.dtype)
        if switches.get("in_place"):
            X_in -= mean
            X_in /= std
            return X_in, mean, std
        out = (X - mean) / std  # a zero std warns here, as it does in the student's code
        if switches.get("rows"):
            return out, mean.ravel(), std.ravel()
        return out, mean, std
    return standardize


register(Spec(
    name="initialization.standardize",
    reference=data.standardize,
    visible_cases=_std_cases,
    hidden_cases=_std_hidden_cases,
    mistakes=[
        Mistake("a column that never varies has std 0: replace that 0 by 1 (np.where(std == 0, 1.0, std)) so the "
                "column becomes 0 instead of NaN", _standardize_like_a_student(no_zero=True)),
        Mistake("replace a zero std by 1 exactly; adding a small eps to every std changes every column a little "
                "and blows a constant column up to 0 / eps", _standardize_like_a_student(eps=True)),
        Mistake("when mean and std are given (the training set's), use them: a validation or test set is scaled "
                "with the training statistics, never its own", _standardize_like_a_student(recompute=True)),
        Mistake("the statistics are per column (feature), over the rows: X.mean(axis=0), X.std(axis=0)",
                _standardize_like_a_student(rows=True)),
        Mistake("use the population std, X.std(axis=0) (ddof=0), as nnlib and batch norm do, not ddof=1",
                _standardize_like_a_student(ddof=True)),
        Mistake("compute (X - mean) / std into a new array; X -= mean changes the caller's data",
                _standardize_like_a_student(in_place=True), mutates=True),
    ],
    blocked=("nnlib.data.standardize",),
    check_dtype=True,
    output_names=("X_std", "mean", "std"),
))


# ======================================================================= batchnorm_forward


def bn_forward_reference(X, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    """nnlib's training-mode batch norm as a pure function: ``(Y, (x_hat, gamma, inv_std), new_mean, new_var)``."""
    running = {"mean": np.array(running_mean, copy=True), "var": np.array(running_var, copy=True)}
    Y, cache = F.batchnorm_forward(X, gamma, beta, running, True, momentum=momentum, eps=eps)
    return Y, (cache["x_hat"], cache["gamma"], cache["inv_std"]), running["mean"], running["var"]


def _bn_args(rng, n, d, dtype=np.float64, loc=0.0, scale=1.0):
    X = (rng.normal(loc, scale, size=(n, d))).astype(dtype)
    gamma, beta = rng.uniform(0.5, 2.0, size=d).astype(dtype), rng.normal(size=d).astype(dtype)
    return X, gamma, beta, rng.normal(size=d).astype(dtype), rng.uniform(0.5, 2.0, size=d).astype(dtype)


def _bn_fwd_cases():
    rng = np.random.default_rng(640)
    tiny = np.array([[1.0, 0.001], [2.0, 0.003], [3.0, 0.002], [4.0, 0.0]])  # second feature: variance ~1e-6
    return [
        Case("hand-worked: one feature (1, 2, 3, 4), gamma = 2, beta = 0.5, running stats 0 and 1: mean 2.5, "
             "variance 1.25, Y = (-2.183, -0.394, 1.394, 3.183)",
             (np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([2.0]), np.array([0.5]), np.zeros(1), np.ones(1)),
             essential=True),
        Case("a feature of tiny variance (about 1e-6), where eps inside the root matters",
             (tiny, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2)), essential=True),
        Case("random (6, 3) with gamma, beta and running statistics", _bn_args(rng, 6, 3, loc=3.0, scale=2.0)),
        Case("momentum = 0.5, eps = 1e-3", _bn_args(rng, 5, 2), {"momentum": 0.5, "eps": 1e-3}),
    ]


def _bn_fwd_hidden_cases():
    rng = _data_rng(641)
    return [
        Case("random (16, 5)", _bn_args(rng, 16, 5, loc=-2.0, scale=4.0)),
        Case("edge: a batch of 2 (the smallest batch norm can train on)", _bn_args(rng, 2, 3)),
        Case("large values around 1000", _bn_args(rng, 8, 2, loc=1000.0, scale=10.0)),
        Case("momentum = 1: the running statistics become the batch's", _bn_args(rng, 4, 2), {"momentum": 1.0}),
        Case("float32 (4, 3) of quarters: the outputs stay float32",
             (_quarters(rng, (4, 3)), np.array([1.0, 2.0, 0.5], np.float32), _quarters(rng, 3),
              _quarters(rng, 3), np.array([1.0, 0.5, 2.0], np.float32))),
    ]


def _bn_like_a_student(**switches):
    def forward(X, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
        n = X.shape[0]
        mu, var = X.mean(axis=0), X.var(axis=0)  # (D,) the batch's statistics, per feature
        if switches.get("rows"):  # per sample instead: layer norm's statistics
            mu_n, var_n = X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)
        elif switches.get("unbiased"):
            mu_n, var_n = mu, X.var(axis=0, ddof=1)
        else:
            mu_n, var_n = mu, var
        inv_std = 1.0 / (np.sqrt(var_n) + eps) if switches.get("eps_outside") else 1.0 / np.sqrt(var_n + eps)
        x_hat = (X - mu_n) * inv_std
        Y = x_hat if switches.get("no_affine") else gamma * x_hat + beta
        batch_var = var if switches.get("biased_running") else var * n / (n - 1)
        if switches.get("swapped"):
            new_mean = momentum * running_mean + (1 - momentum) * mu
            new_var = momentum * running_var + (1 - momentum) * batch_var
        elif switches.get("not_updated"):
            new_mean, new_var = running_mean.copy(), running_var.copy()
        else:
            new_mean = (1 - momentum) * running_mean + momentum * mu
            new_var = (1 - momentum) * running_var + momentum * batch_var
        cache = (x_hat, gamma, 1.0 / inv_std if switches.get("cache_std") else inv_std)
        return Y, cache, new_mean.astype(X.dtype), new_var.astype(X.dtype)
    return forward


register(Spec(
    name="initialization.batchnorm_forward",
    reference=bn_forward_reference,
    visible_cases=_bn_fwd_cases,
    hidden_cases=_bn_fwd_hidden_cases,
    mistakes=[
        Mistake("training normalises with the biased batch variance, X.var(axis=0) (divide by N); the unbiased one "
                "(N - 1) goes only into the running variance", _bn_like_a_student(unbiased=True)),
        Mistake("eps goes inside the root: 1 / sqrt(var + eps); 1 / (sqrt(var) + eps) differs where the variance "
                "is small", _bn_like_a_student(eps_outside=True)),
        Mistake("batch norm takes statistics over the batch, per feature: axis=0 (per sample, axis=1, is layer "
                "norm)", _bn_like_a_student(rows=True)),
        Mistake("scale and shift the normalised values: Y = gamma * x_hat + beta", _bn_like_a_student(no_affine=True)),
        Mistake("the running variance is updated with the unbiased batch variance, var * N / (N - 1), as in PyTorch",
                _bn_like_a_student(biased_running=True)),
        Mistake("momentum weights the new batch: running = (1 - momentum) * running + momentum * batch_statistic",
                _bn_like_a_student(swapped=True)),
        Mistake("training updates the running statistics: return (1 - momentum) * running + momentum * batch "
                "statistic, not the old values", _bn_like_a_student(not_updated=True)),
        Mistake("the cache holds inv_std = 1 / sqrt(var + eps), not the std itself",
                _bn_like_a_student(cache_std=True)),
    ],
    blocked=("nnlib.functional.batchnorm_forward", "nnlib.layers.BatchNorm.forward"),
    check_dtype=True,
    output_names=("Y", "cache", "running_mean", "running_var"),
))


# ======================================================================= batchnorm_backward


def bn_backward_reference(dY, cache):
    """nnlib's training-mode batch-norm backward from the tuple cache ``(x_hat, gamma, inv_std)``."""
    x_hat, gamma, inv_std = cache
    return F.batchnorm_backward(dY, {"x_hat": x_hat, "gamma": gamma, "inv_std": inv_std, "training": True})


def _bn_cache(X, gamma, eps=1e-5):
    _, cache, _, _ = bn_forward_reference(X, gamma, np.zeros_like(gamma), np.zeros_like(gamma), np.ones_like(gamma),
                                          eps=eps)
    return cache


def _bn_bwd_cases():
    rng = np.random.default_rng(650)
    X = rng.normal(2.0, 3.0, size=(5, 3))
    return [
        Case("hand-worked: X = (1, 2, 3, 4), gamma = 2, dY = (1, 0, 0, 0): the other samples get gradient too, "
             "through the batch's mean and variance",
             (np.array([[1.0], [0.0], [0.0], [0.0]]), _bn_cache(np.array([[1.0], [2.0], [3.0], [4.0]]),
                                                               np.array([2.0]))), essential=True),
        Case("dY = 1 everywhere: dX = 0 (adding a constant to every sample changes nothing after normalising)",
             (np.ones((5, 3)), _bn_cache(X, rng.uniform(0.5, 2, size=3)))),
        Case("random (5, 3)", (rng.normal(size=(5, 3)), _bn_cache(X, rng.uniform(0.5, 2, size=3))), essential=True),
    ]


def _bn_bwd_hidden_cases():
    rng = _data_rng(651)
    f32 = _data_rng(652)
    X32 = _quarters(f32, (6, 2))
    return [
        Case("random (12, 4)", (rng.normal(size=(12, 4)), _bn_cache(rng.normal(1, 2, size=(12, 4)),
                                                                       rng.uniform(0.5, 2, size=4)))),
        Case("edge: a batch of 2", (rng.normal(size=(2, 3)), _bn_cache(rng.normal(size=(2, 3)), np.ones(3)))),
        Case("large values around 1000, (7, 2)", (rng.normal(size=(7, 2)),
                                                  _bn_cache(rng.normal(1000.0, 10.0, size=(7, 2)),
                                                            np.array([1.5, 0.5])))),
        Case("float32 (6, 2): the gradients stay float32",
             (_quarters(f32, (6, 2)), _bn_cache(X32, np.array([1.0, 2.0], dtype=np.float32)))),
    ]


def _bn_gradient(func):
    """Compare the student's dX, dgamma, dbeta with centred differences of nnlib's batch norm of sum(Y * G)."""
    rng = np.random.default_rng(653)
    X, gamma, beta = rng.normal(1.0, 2.0, size=(5, 3)), rng.uniform(0.5, 2, size=3), rng.normal(size=3)
    G = rng.normal(size=(5, 3))

    def loss(_):
        Y, _c, _m, _v = bn_forward_reference(X, gamma, beta, np.zeros(3), np.ones(3))
        return float(np.sum(Y * G))

    _, cache, _, _ = bn_forward_reference(X, gamma, beta, np.zeros(3), np.ones(3))
    out = func(G.copy(), tuple(np.array(c, copy=True) for c in cache))  # an exception is the engine's to report
    try:
        dX, dgamma, dbeta = (np.asarray(v, dtype=np.float64) for v in out)
    except (TypeError, ValueError):  # not three arrays: the comparison has said what; no gradient to check here
        dX = dgamma = dbeta = np.full(1, np.nan)
    items = []
    for name, got, arr in (("dX", dX, X), ("dgamma", dgamma, gamma), ("dbeta", dbeta, beta)):
        numeric = numerical_gradient(loss, arr)
        error = relative_error(got, numeric) if got.shape == numeric.shape else float("inf")  # NaN fails too
        items.append((f"{name} of sum(Y * G) against centred differences, N = 5, D = 3, h = 1e-5", error))
    return items


def _bn_bwd_like_a_student(**switches):
    def backward(dY, cache):
        x_hat, gamma, inv_std = cache
        n = dY.shape[0]
        dbeta = dY.mean(axis=0) if switches.get("mean") else dY.sum(axis=0)
        dgamma = (dY * x_hat).mean(axis=0) if switches.get("mean") else (dY * x_hat).sum(axis=0)
        if switches.get("swapped"):
            dgamma, dbeta = dbeta, dgamma
        g = dY if switches.get("no_gamma") else dY * gamma
        if switches.get("constant_stats"):
            dX = g * inv_std
        elif switches.get("no_var"):
            dX = inv_std / n * (n * g - g.sum(axis=0))
        elif switches.get("no_mean"):
            dX = inv_std / n * (n * g - x_hat * (g * x_hat).sum(axis=0))
        elif switches.get("no_n"):
            dX = inv_std * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
        else:
            dX = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
        return dX, dgamma, dbeta
    return backward


register(Spec(
    name="initialization.batchnorm_backward",
    reference=bn_backward_reference,
    visible_cases=_bn_bwd_cases,
    hidden_cases=_bn_bwd_hidden_cases,
    mistakes=[
        Mistake("in training the mean and the variance depend on every sample, so dX has two more terms: "
                "dX = inv_std / N * (N g - sum(g) - x_hat * sum(g * x_hat)), g = dY * gamma; g * inv_std alone "
                "is the test-time gradient", _bn_bwd_like_a_student(constant_stats=True)),
        Mistake("the path through the variance is missing: subtract x_hat * sum(g * x_hat) too",
                _bn_bwd_like_a_student(no_var=True)),
        Mistake("the path through the mean is missing: subtract sum(g) over the batch too",
                _bn_bwd_like_a_student(no_mean=True)),
        Mistake("dX = inv_std / N * (N g - ...): the 1 / N of the batch statistics is missing",
                _bn_bwd_like_a_student(no_n=True)),
        Mistake("gamma scales x_hat, so the gradient reaching x_hat is g = dY * gamma",
                _bn_bwd_like_a_student(no_gamma=True)),
        Mistake("dgamma = sum(dY * x_hat) and dbeta = sum(dY) (over the batch): the two are swapped",
                _bn_bwd_like_a_student(swapped=True)),
        Mistake("gamma and beta are used by every sample, so their gradients add up over the batch: sum, not mean",
                _bn_bwd_like_a_student(mean=True)),
    ],
    blocked=("nnlib.functional.batchnorm_backward", "nnlib.layers.BatchNorm.backward"),
    gradient=_bn_gradient,
    check_dtype=True,
    output_names=("dX", "dgamma", "dbeta"),
))


# ======================================================================= layernorm_forward


def ln_forward_reference(X, gamma, beta, eps=1e-5):
    """nnlib's layer norm, output only."""
    return F.layernorm_forward(X, gamma, beta, eps=eps)[0]


def _ln_cases():
    rng = np.random.default_rng(660)
    return [
        Case("hand-worked: [[1, 2, 3, 4], [2, 4, 6, 8]], gamma = 1, beta = 0: each row becomes "
             "(-1.342, -0.447, 0.447, 1.342)",
             (np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]]), np.ones(4), np.zeros(4)), essential=True),
        Case("random (3, 5) with gamma and beta", (rng.normal(2, 3, size=(3, 5)), rng.uniform(0.5, 2, size=5),
                                                   rng.normal(size=5))),
        Case("a row of tiny variance (about 1e-6), eps = 1e-5",
             (np.array([[0.001, 0.003, 0.002, 0.0], [1.0, 2.0, 3.0, 5.0]]), np.ones(4), np.zeros(4))),
    ]


def _ln_hidden_cases():
    rng = _data_rng(661)
    f32 = _data_rng(662)
    return [
        Case("random (8, 6)", (rng.normal(-1, 4, size=(8, 6)), rng.uniform(0.5, 2, size=6), rng.normal(size=6))),
        Case("edge: one sample (layer norm needs no batch)", (rng.normal(size=(1, 5)), np.ones(5), np.zeros(5))),
        Case("eps = 0.1", (rng.normal(size=(3, 4)), np.ones(4), np.zeros(4)), {"eps": 0.1}),
        Case("float32 (4, 3): the output stays float32", (_quarters(f32, (4, 3)), np.ones(3, np.float32),
                                                           np.zeros(3, np.float32))),
    ]


def _ln_like_a_student(**switches):
    def forward(X, gamma, beta, eps=1e-5):
        axis = 0 if switches.get("columns") else 1
        mu = X.mean(axis=axis, keepdims=True)
        var = X.var(axis=axis, keepdims=True, ddof=1 if switches.get("unbiased") else 0)
        inv = 1.0 / (np.sqrt(var) + eps) if switches.get("eps_outside") else 1.0 / np.sqrt(var + eps)
        x_hat = (X - mu) * inv
        return x_hat if switches.get("no_affine") else gamma * x_hat + beta
    return forward


register(Spec(
    name="initialization.layernorm_forward",
    reference=ln_forward_reference,
    visible_cases=_ln_cases,
    hidden_cases=_ln_hidden_cases,
    mistakes=[
        Mistake("layer norm takes statistics per sample, over its features: axis=1 with keepdims=True (axis=0 "
                "is batch norm)", _ln_like_a_student(columns=True)),
        Mistake("use the biased variance, X.var(axis=1) (divide by D), as batch norm and PyTorch do",
                _ln_like_a_student(unbiased=True)),
        Mistake("eps goes inside the root: 1 / sqrt(var + eps)", _ln_like_a_student(eps_outside=True)),
        Mistake("scale and shift the normalised values: Y = gamma * x_hat + beta", _ln_like_a_student(no_affine=True)),
    ],
    blocked=("nnlib.functional.layernorm_forward",),
    check_dtype=True,
))
