"""Tests for nnlib.optimizers: update rules of torch.optim, state, validation."""
import math

import numpy as np
import pytest

from nnlib.optimizers import OPTIMIZERS, SGD, AdaGrad, Adadelta, Adam, AdamW, RMSprop

# ---------------------------------------------------------------- references
# Scalar, one-weight versions of each rule written straight from the torch.optim
# documentation, applied element by element: a second, independent implementation.


def ref_sgd(p, gs, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = None
    for g in gs:
        g = g + weight_decay * p
        if momentum:
            b = g if b is None else momentum * b + g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
    return p


def ref_adagrad(p, gs, lr, eps):
    s = 0.0
    for g in gs:
        s += g * g
        p = p - lr * g / (math.sqrt(s) + eps)
    return p


def ref_rmsprop(p, gs, lr, alpha, eps, momentum):
    v, b = 0.0, 0.0
    for g in gs:
        v = alpha * v + (1 - alpha) * g * g
        if momentum:
            b = momentum * b + g / (math.sqrt(v) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (math.sqrt(v) + eps)
    return p


def ref_adadelta(p, gs, lr, rho, eps):
    v, u = 0.0, 0.0
    for g in gs:
        v = rho * v + (1 - rho) * g * g
        d = math.sqrt(u + eps) / math.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d * d
        p = p - lr * d
    return p


def ref_adam(p, gs, lr, b1, b2, eps, weight_decay=0.0, decoupled=False):
    m, v = 0.0, 0.0
    for t, g in enumerate(gs, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (math.sqrt(v_hat) + eps)
    return p


CASES = [
    (SGD, dict(lr=0.1), lambda p, gs: ref_sgd(p, gs, 0.1)),
    (SGD, dict(lr=0.05, momentum=0.9), lambda p, gs: ref_sgd(p, gs, 0.05, 0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True), lambda p, gs: ref_sgd(p, gs, 0.05, 0.9, True)),
    (SGD, dict(lr=0.05, momentum=0.5, weight_decay=0.1), lambda p, gs: ref_sgd(p, gs, 0.05, 0.5, False, 0.1)),
    (AdaGrad, dict(lr=0.3, eps=1e-10), lambda p, gs: ref_adagrad(p, gs, 0.3, 1e-10)),
    (RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-8), lambda p, gs: ref_rmsprop(p, gs, 0.01, 0.9, 1e-8, 0.0)),
    (RMSprop, dict(lr=0.01, alpha=0.99, eps=1e-8, momentum=0.8),
     lambda p, gs: ref_rmsprop(p, gs, 0.01, 0.99, 1e-8, 0.8)),
    (Adadelta, dict(lr=1.0, rho=0.9, eps=1e-6), lambda p, gs: ref_adadelta(p, gs, 1.0, 0.9, 1e-6)),
    (Adadelta, dict(lr=0.5, rho=0.5, eps=1e-3), lambda p, gs: ref_adadelta(p, gs, 0.5, 0.5, 1e-3)),
    (Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8), lambda p, gs: ref_adam(p, gs, 0.01, 0.9, 0.999, 1e-8)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.1),
     lambda p, gs: ref_adam(p, gs, 0.01, 0.8, 0.9, 1e-3, 0.1)),
    (AdamW, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.5),
     lambda p, gs: ref_adam(p, gs, 0.01, 0.9, 0.999, 1e-8, 0.5, decoupled=True)),
]


@pytest.mark.parametrize("cls, kwargs, ref", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_three_steps_match_the_torch_rule_elementwise(cls, kwargs, ref):
    """Do three steps on random arrays equal the scalar torch.optim rule applied weight by weight?"""
    rng = np.random.default_rng(0)
    p0 = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    g_seq = [{k: rng.normal(size=v.shape) for k, v in p0.items()} for _ in range(3)]
    params = {k: v.copy() for k, v in p0.items()}
    opt = cls(**kwargs)
    for grads in g_seq:
        opt.step(params, grads)
    for key in p0:
        expected = np.array([ref(p, [g[key].flat[i] for g in g_seq]) for i, p in enumerate(p0[key].flat)])
        np.testing.assert_allclose(params[key].ravel(), expected, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- worked first and second steps

def test_sgd_plain_first_step_by_hand():
    """Is plain SGD p - lr * g (0.5 - 0.1 * 2 = 0.3)?"""
    p = np.array([0.5, -1.0])
    SGD(lr=0.1).step([p], [np.array([2.0, -4.0])])
    np.testing.assert_allclose(p, [0.3, -0.6])


def test_sgd_momentum_two_steps_by_hand():
    """Does momentum start its buffer at g and then add momentum * buffer (PyTorch, dampening 0)?"""
    p = np.array([1.0])
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step([p], [np.array([1.0])])        # b = 1, p = 1 - 0.1 = 0.9
    np.testing.assert_allclose(p, [0.9])
    np.testing.assert_allclose(opt.state[0]["momentum_buffer"], [1.0])
    opt.step([p], [np.array([1.0])])        # b = 0.9 + 1 = 1.9, p = 0.9 - 0.19 = 0.71
    np.testing.assert_allclose(opt.state[0]["momentum_buffer"], [1.9])
    np.testing.assert_allclose(p, [0.71])


def test_sgd_nesterov_two_steps_by_hand():
    """Does Nesterov step along g + momentum * b?"""
    p = np.array([1.0])
    opt = SGD(lr=0.1, momentum=0.9, nesterov=True)
    opt.step([p], [np.array([1.0])])        # b = 1, step 1 + 0.9 = 1.9 -> p = 0.81
    np.testing.assert_allclose(p, [0.81])
    opt.step([p], [np.array([1.0])])        # b = 1.9, step 1 + 1.71 = 2.71 -> p = 0.539
    np.testing.assert_allclose(p, [0.539])


def test_sgd_weight_decay_adds_wd_times_p_to_the_gradient():
    """Does L2 weight decay use g + wd * p?"""
    p = np.array([2.0])
    SGD(lr=0.1, weight_decay=0.5).step([p], [np.array([1.0])])   # g = 1 + 1 = 2 -> 2 - 0.2
    np.testing.assert_allclose(p, [1.8])


def test_adam_first_step_bias_correction():
    """Does Adam's bias correction make the first step lr * g / (|g| + eps), about lr * sign(g)?"""
    lr, eps = 0.01, 1e-8
    g = np.array([3.0, -0.002, 0.0])
    p = np.array([1.0, 1.0, 1.0])
    opt = Adam(lr=lr, eps=eps)
    opt.step([p], [g])
    # m = 0.1 g, v = 0.001 g^2; m_hat = g, v_hat = g^2
    np.testing.assert_allclose(p, 1.0 - lr * g / (np.abs(g) + eps), rtol=1e-14)
    np.testing.assert_allclose(opt.state[0]["exp_avg"], 0.1 * g, rtol=1e-14)
    np.testing.assert_allclose(opt.state[0]["exp_avg_sq"], 0.001 * g**2, rtol=1e-12)
    assert p[0] == pytest.approx(0.99, abs=1e-9)       # about lr * sign(g)
    assert p[1] == pytest.approx(1.01, abs=1e-7)


def test_adam_second_step_by_hand():
    """Does the second Adam step divide m by 1 - b1^2 and v by 1 - b2^2 and put eps after the root?"""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p = np.array([0.0])
    opt = Adam(lr=lr, betas=(b1, b2), eps=eps)
    opt.step([p], [np.array([1.0])])
    opt.step([p], [np.array([3.0])])
    m = b1 * 0.1 + 0.1 * 3.0                  # 0.39
    v = b2 * 0.001 + 0.001 * 9.0              # 0.009999
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    first = -lr * 1.0 / (1.0 + eps)           # m_hat = 1, v_hat = 1
    expected = first - lr * m_hat / (math.sqrt(v_hat) + eps)
    assert opt.state[0]["step"] == 2
    np.testing.assert_allclose(opt.state[0]["exp_avg"], [0.39], rtol=1e-14)
    np.testing.assert_allclose(opt.state[0]["exp_avg_sq"], [0.009999], rtol=1e-12)
    np.testing.assert_allclose(p, [expected], rtol=1e-13)


def test_adam_l2_and_adamw_decoupled_decay_differ_as_documented():
    """Does AdamW shrink p by (1 - lr*wd) outside the adaptive step, while Adam's L2 goes through it?"""
    lr, wd = 0.1, 0.5
    g = np.array([0.0, 2.0])
    p_adamw = np.array([4.0, 4.0])
    AdamW(lr=lr, weight_decay=wd).step([p_adamw], [g])
    # AdamW: p * (1 - 0.05) = 3.8, then the Adam step on g alone: 0 for g = 0, lr * sign for g = 2
    np.testing.assert_allclose(p_adamw, [3.8, 3.8 - lr * 2.0 / (2.0 + 1e-8)], rtol=1e-14)

    p_adam = np.array([4.0, 4.0])
    Adam(lr=lr, weight_decay=wd).step([p_adam], [g])
    # Adam + L2: g' = g + wd p = (2, 4), and the first step normalises it to about lr * sign(g')
    np.testing.assert_allclose(p_adam, [4.0 - lr * 2.0 / (2.0 + 1e-8), 4.0 - lr * 4.0 / (4.0 + 1e-8)], rtol=1e-14)


def test_adagrad_two_steps_by_hand():
    """Does AdaGrad divide by sqrt of the running sum of squares (plus eps after the root)?"""
    p = np.array([1.0])
    opt = AdaGrad(lr=0.5, eps=0.0)
    opt.step([p], [np.array([3.0])])   # s = 9, step 0.5 * 3 / 3 = 0.5
    np.testing.assert_allclose(p, [0.5])
    opt.step([p], [np.array([4.0])])   # s = 25, step 0.5 * 4 / 5 = 0.4
    np.testing.assert_allclose(p, [0.1])
    np.testing.assert_allclose(opt.state[0]["sum"], [25.0])


def test_rmsprop_first_step_by_hand():
    """Is RMSprop's first step lr * g / (sqrt((1 - alpha) g^2) + eps), without bias correction?"""
    p = np.array([0.0])
    opt = RMSprop(lr=0.01, alpha=0.99, eps=1e-8)
    opt.step([p], [np.array([2.0])])   # v = 0.04, sqrt = 0.2, step 0.01 * 2 / 0.2 = 0.1
    np.testing.assert_allclose(opt.state[0]["square_avg"], [0.04], rtol=1e-14)
    np.testing.assert_allclose(p, [-0.01 * 2.0 / (0.2 + 1e-8)], rtol=1e-14)


def test_adadelta_first_step_by_hand():
    """Does Adadelta's first step use sqrt(u + eps) / sqrt(v + eps) * g with u = 0, scaled by lr?"""
    lr, rho, eps = 1.0, 0.9, 1e-6
    p = np.array([0.0])
    opt = Adadelta(lr=lr, rho=rho, eps=eps)
    opt.step([p], [np.array([1.0])])   # v = 0.1, d = sqrt(1e-6) / sqrt(0.100001)
    d = math.sqrt(eps) / math.sqrt(0.1 + eps)
    np.testing.assert_allclose(p, [-lr * d], rtol=1e-13)
    np.testing.assert_allclose(opt.state[0]["acc_delta"], [0.1 * d * d], rtol=1e-13)


# ---------------------------------------------------------------- state

def test_state_is_per_key_lazy_and_shaped_like_the_parameter():
    """Is state created on the first step, one dict per parameter key, with the parameter's shape and dtype?"""
    opt = Adam()
    params = {"W": np.ones((2, 3), dtype=np.float32), "b": np.zeros(3)}
    grads = {"W": np.ones((2, 3), dtype=np.float32), "b": np.ones(3)}
    assert opt.state == {}
    opt.step(params, grads)
    assert set(opt.state) == {"W", "b"}
    assert set(opt.state["W"]) == {"step", "exp_avg", "exp_avg_sq"}
    assert opt.state["W"]["exp_avg"].shape == (2, 3)
    assert opt.state["W"]["exp_avg"].dtype == np.float32
    assert params["W"].dtype == np.float32
    assert opt.state["b"]["exp_avg_sq"].dtype == np.float64
    opt.step(params, grads)
    assert opt.state["W"]["step"] == 2
    opt.reset()
    assert opt.state == {}


@pytest.mark.parametrize("cls, keys", [
    (SGD, {"step"}),
    (AdaGrad, {"step", "sum"}),
    (RMSprop, {"step", "square_avg"}),
    (Adadelta, {"step", "square_avg", "acc_delta"}),
    (Adam, {"step", "exp_avg", "exp_avg_sq"}),
    (AdamW, {"step", "exp_avg", "exp_avg_sq"}),
])
def test_state_keys_name_what_each_optimizer_remembers(cls, keys):
    """Does each optimizer keep exactly the state its algorithm needs (one or two arrays per parameter)?"""
    opt = cls(lr=0.1)
    opt.step([np.ones(3)], [np.ones(3)])
    assert set(opt.state[0]) == keys


def test_momentum_adds_a_momentum_buffer():
    """Do SGD and RMSprop with momentum keep a 'momentum_buffer'?"""
    for opt in (SGD(lr=0.1, momentum=0.9), RMSprop(momentum=0.9)):
        opt.step([np.ones(2)], [np.ones(2)])
        assert "momentum_buffer" in opt.state[0]


def test_step_updates_in_place_and_leaves_grads_alone():
    """Are the caller's parameter arrays updated in place, and the gradients untouched (even with decay)?"""
    for opt in (SGD(0.1, momentum=0.9, weight_decay=0.1), AdaGrad(), RMSprop(momentum=0.5), Adadelta(),
                Adam(weight_decay=0.1), AdamW()):
        W = np.ones((2, 2))
        dW = np.full((2, 2), 0.5)
        params, grads = {"W": W}, {"W": dW}
        opt.step(params, grads)
        opt.step(params, grads)
        assert params["W"] is W and np.all(W < 1.0), type(opt).__name__
        np.testing.assert_array_equal(dW, 0.5)


def test_single_arrays_are_accepted():
    """Can step take one array and its gradient (handy for 2-D optimizer races)?"""
    p = np.array([1.0, 2.0])
    SGD(lr=0.5).step(p, np.array([1.0, 1.0]))
    np.testing.assert_allclose(p, [0.5, 1.5])


def test_schedule_can_change_lr_between_steps():
    """Does a new lr set on the optimizer take effect on the next step?"""
    p = np.array([1.0])
    opt = SGD(lr=0.1)
    opt.lr = 0.5
    opt.step([p], [np.array([1.0])])
    np.testing.assert_allclose(p, [0.5])
    with pytest.raises(ValueError, match="-1"):
        opt.lr = -1


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("make, text", [
    (lambda: SGD(lr=0), "lr must be > 0, got 0"),
    (lambda: SGD(lr=-0.1), "lr must be > 0, got -0.1"),
    (lambda: SGD(lr=0.1, momentum=-0.5), "momentum must be >= 0, got -0.5"),
    (lambda: SGD(lr=0.1, nesterov=True), "nesterov=True requires momentum > 0"),
    (lambda: SGD(lr=0.1, weight_decay=-1.0), "weight_decay must be >= 0, got -1.0"),
    (lambda: AdaGrad(lr=0.1, eps=-1e-3), "eps must be >= 0, got -0.001"),
    (lambda: RMSprop(alpha=1.0), r"alpha must be in \[0, 1\), got 1.0"),
    (lambda: RMSprop(momentum=-1), "momentum must be >= 0, got -1"),
    (lambda: Adadelta(rho=1.5), r"rho must be in \[0, 1\), got 1.5"),
    (lambda: Adam(lr=float("nan")), "lr must be > 0, got nan"),
    (lambda: Adam(betas=(1.0, 0.999)), r"betas\[0\] must be in \[0, 1\), got 1.0"),
    (lambda: Adam(betas=(0.9, -0.1)), r"betas\[1\] must be in \[0, 1\), got -0.1"),
    (lambda: Adam(betas=(0.9,)), "betas must be a pair"),
    (lambda: Adam(eps=-1e-8), "eps must be >= 0, got -1e-08"),
    (lambda: AdamW(weight_decay=-0.01), "weight_decay must be >= 0, got -0.01"),
])
def test_invalid_hyperparameters_are_rejected_with_the_value(make, text):
    """Does each constructor reject a bad value with a ValueError that names it?"""
    with pytest.raises(ValueError, match=text):
        make()


def test_mismatched_keys_are_reported():
    """Does step name the missing and unexpected keys when grads do not match params?"""
    opt = SGD(lr=0.1)
    with pytest.raises(ValueError, match=r"missing \['b'\], unexpected \['c'\]"):
        opt.step({"W": np.ones(2), "b": np.ones(2)}, {"W": np.ones(2), "c": np.ones(2)})


def test_mismatched_shapes_are_reported_and_nothing_is_updated():
    """Does a shape mismatch name the key and both shapes, before any parameter has moved?"""
    W, b = np.ones((2, 3)), np.ones(3)
    with pytest.raises(ValueError, match=r"grads\['b'\] must have the shape of params\['b'\], \(3,\), got \(4,\)"):
        SGD(lr=0.1).step({"W": W, "b": b}, {"W": np.ones((2, 3)), "b": np.ones(4)})
    np.testing.assert_array_equal(W, 1.0)


def test_mismatched_containers_are_reported():
    """Are a list/dict mix, unequal lengths and non-float parameters rejected clearly?"""
    opt = SGD(lr=0.1)
    with pytest.raises(TypeError, match="grads must be a dict"):
        opt.step({"W": np.ones(2)}, [np.ones(2)])
    with pytest.raises(ValueError, match="params has 2 arrays but grads has 1"):
        opt.step([np.ones(2), np.ones(2)], [np.ones(2)])
    with pytest.raises(TypeError, match="float ndarray"):
        opt.step([np.ones(2, dtype=int)], [np.ones(2)])


def test_state_of_another_shape_is_reported():
    """Does reusing an optimizer on a parameter of a new shape under the same key fail clearly?"""
    opt = Adam()
    opt.step({"W": np.ones(2)}, {"W": np.ones(2)})
    with pytest.raises(ValueError, match="reset"):
        opt.step({"W": np.ones(3)}, {"W": np.ones(3)})


def test_defaults_match_torch():
    """Are the defaults those of torch.optim (and the name table complete)?"""
    assert (AdaGrad().lr, AdaGrad().eps) == (0.01, 1e-10)
    assert (RMSprop().lr, RMSprop().alpha, RMSprop().eps, RMSprop().momentum) == (0.01, 0.99, 1e-8, 0.0)
    assert (Adadelta().lr, Adadelta().rho, Adadelta().eps) == (1.0, 0.9, 1e-6)
    assert (Adam().lr, Adam().betas, Adam().eps, Adam().weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)
    assert AdamW().weight_decay == 0.01
    assert set(OPTIMIZERS) == {"sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw"}
    assert repr(SGD(0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, nesterov=False, weight_decay=0.0)"


def test_optimizers_minimise_a_quadratic():
    """Does every optimizer drive f(p) = ||p - 3||^2 towards its minimum?"""
    for name, cls in OPTIMIZERS.items():
        lr = {"adadelta": 5.0, "adagrad": 0.5, "sgd": 0.1}.get(name, 0.05)
        opt = cls(lr=lr)
        p = np.zeros(4)
        for _ in range(500):
            opt.step([p], [2 * (p - 3.0)])
        tol = 0.1 if name == "adamw" else 1e-2   # AdamW's decay pulls slightly towards 0
        np.testing.assert_allclose(p, 3.0, atol=tol, err_msg=name)


# ---------------------------------------------------------------- the pure rules (nnlib.update_rules)

from nnlib.update_rules import (STEP_RULES, Updater, adadelta_step, adagrad_step, adam_step,  # noqa: E402
                                adamw_step, ewma, momentum_step, rmsprop_step, sgd_step)

# (optimizer class and its arguments, pure rule and its arguments, state names of the class in the rule's order)
PAIRS = [
    (SGD, dict(lr=0.1), sgd_step, dict(lr=0.1)),
    (SGD, dict(lr=0.1, weight_decay=0.3), sgd_step, dict(lr=0.1, weight_decay=0.3)),
    (SGD, dict(lr=0.05, momentum=0.9), momentum_step, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True), momentum_step, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (SGD, dict(lr=0.05, momentum=0.5, weight_decay=0.1), momentum_step, dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    (AdaGrad, dict(lr=0.3, eps=1e-10), adagrad_step, dict(lr=0.3, eps=1e-10)),
    (RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-8), rmsprop_step, dict(lr=0.01, alpha=0.9, eps=1e-8)),
    (Adadelta, dict(lr=1.0, rho=0.9, eps=1e-6), adadelta_step, dict(lr=1.0, rho=0.9, eps=1e-6)),
    (Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8), adam_step, dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.1), adam_step,
     dict(lr=0.01, beta1=0.8, beta2=0.9, eps=1e-3, weight_decay=0.1)),
    (AdamW, dict(lr=0.01, weight_decay=0.5), adamw_step, dict(lr=0.01, weight_decay=0.5)),
]


def _pair_id(pair):
    cls, kwargs, rule, _ = pair
    return f"{cls.__name__}({', '.join(f'{k}={v}' for k, v in kwargs.items())})-{rule.__name__}"


@pytest.mark.parametrize("flat", [False, True], ids=["separate arrays", "one flat buffer"])
@pytest.mark.parametrize("pair", PAIRS, ids=_pair_id)
def test_every_optimizer_class_equals_its_pure_rule_bit_for_bit(pair, flat):
    """Do six steps of the class (per array, or on Sequential's flat buffer) give exactly the pure rule's weights?"""
    cls, cls_kwargs, rule, rule_kwargs = pair
    rng = np.random.default_rng(11)
    start = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    grads = [[rng.normal(size=p.shape) for p in start] for _ in range(6)]
    if flat:  # views of one buffer, as Sequential hands them to the optimizer
        buffer = np.concatenate([p.ravel() for p in start])
        params = [buffer[:12].reshape(3, 4), buffer[12:]]
        gbuffer = np.empty(16)
        gparams = [gbuffer[:12].reshape(3, 4), gbuffer[12:]]
    else:
        params, gparams = [p.copy() for p in start], [np.empty_like(p) for p in start]
    opt, update, pure = cls(**cls_kwargs), Updater(rule, **rule_kwargs), list(start)
    for g in grads:
        for target, value in zip(gparams, g):
            target[...] = value
        opt.step(params, gparams)
        pure = update(pure, g)
    for p, q in zip(params, pure):
        np.testing.assert_array_equal(p, q)


def test_pure_rules_change_nothing_they_are_given():
    """Do the pure steps leave p, g and the state arrays passed in untouched, and return new arrays?"""
    rng = np.random.default_rng(12)
    p, g, m, v = (rng.normal(size=5) for _ in range(4))
    before = [a.copy() for a in (p, g, m, v)]
    calls = [lambda: sgd_step(p, g, 0.1), lambda: momentum_step(p, g, m, 0.1, 0.9),
             lambda: adagrad_step(p, g, np.abs(m), 0.1), lambda: rmsprop_step(p, g, np.abs(v), 0.1),
             lambda: adadelta_step(p, g, np.abs(m), np.abs(v)), lambda: adam_step(p, g, m, np.abs(v), 3),
             lambda: adamw_step(p, g, m, np.abs(v), 3)]
    for call in calls:
        out = call()
        for array in (out if isinstance(out, tuple) else (out,)):
            assert not any(np.shares_memory(array, a) for a in (p, g, m, v))
    for a, b in zip((p, g, m, v), before):
        np.testing.assert_array_equal(a, b)


def test_momentum_buffer_starts_as_a_copy_of_the_gradient():
    """On the first step (buf None) is the new buffer g itself, in a new array, and the step lr * g?"""
    p, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    new_p, buf = momentum_step(p, g, None, lr=0.1, momentum=0.9)
    np.testing.assert_array_equal(buf, g)
    assert not np.shares_memory(buf, g)
    np.testing.assert_allclose(new_p, [0.95, 2.1])
    new_p, buf = momentum_step(new_p, g, buf, lr=0.1, momentum=0.9)  # b = 0.9 g + g = 1.9 g
    np.testing.assert_allclose(buf, 1.9 * g)
    np.testing.assert_allclose(new_p, [0.95 - 0.095, 2.1 + 0.19])


def test_notes_momentum_form_walks_the_same_path():
    """Is the notes' v <- mu v - lr g, p <- p + v the same walk as PyTorch's b <- mu b + g, p <- p - lr b?"""
    rng = np.random.default_rng(13)
    p_torch = p_notes = rng.normal(size=3)
    v, buf = np.zeros(3), None
    for _ in range(10):
        g = rng.normal(size=3)
        p_torch, buf = momentum_step(p_torch, g, buf, lr=0.05, momentum=0.8)
        v = 0.8 * v - 0.05 * g
        p_notes = p_notes + v
        np.testing.assert_allclose(v, -0.05 * buf, rtol=1e-12)
    np.testing.assert_allclose(p_notes, p_torch, rtol=1e-12)


def test_adam_constant_gradient_steps_lr_times_sign_and_bias_correction_matters():
    """For g = (0.1, -2), lr = 0.01: is every step (-0.01, +0.01), and would the uncorrected first step be 3.16x?"""
    p, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    g = np.array([0.1, -2.0])
    for t in range(1, 6):
        new_p, m, v = adam_step(p, g, m, v, t, lr=0.01)
        np.testing.assert_allclose(new_p - p, [-0.01, 0.01], rtol=1e-6)
        np.testing.assert_allclose(m / (1 - 0.9**t), g, rtol=1e-12)  # m_hat = g
        np.testing.assert_allclose(v / (1 - 0.999**t), g**2, rtol=1e-12)  # v_hat = g^2
        p = new_p
    m1, v1 = 0.1 * g, 0.001 * g**2  # after one step, uncorrected
    uncorrected = 0.01 * np.abs(m1) / (np.sqrt(v1) + 1e-8)
    np.testing.assert_allclose(uncorrected, 0.01 * 0.1 / math.sqrt(0.001), rtol=1e-5)  # eps: 3e-6 of it
    assert round(0.1 / math.sqrt(0.001), 2) == 3.16


def test_adagrad_constant_gradient_steps_shrink_like_one_over_sqrt_t():
    """With a constant gradient and lr = 0.1: steps 0.1, 0.0707, ..., 0.01 at step 100?"""
    p, s, steps = np.zeros(1), np.zeros(1), []
    for _ in range(100):
        new_p, s = adagrad_step(p, np.array([3.0]), s, lr=0.1)
        steps.append(float(p[0] - new_p[0]))
        p = new_p
    np.testing.assert_allclose(steps[:2], [0.1, 0.1 / math.sqrt(2)], rtol=1e-9)
    assert steps[99] == pytest.approx(0.01, rel=1e-9)


def test_adamw_decouples_the_decay_adam_l2_does_not():
    """From p = (1, 1), g = (0, 1), lr = wd = 0.1: Adam + L2 gives (0.9, 0.9), AdamW (0.99, 0.89)?"""
    p, g, zeros = np.ones(2), np.array([0.0, 1.0]), np.zeros(2)
    l2, _, _ = adam_step(p, g, zeros, zeros, 1, lr=0.1, weight_decay=0.1)
    decoupled, _, _ = adamw_step(p, g, zeros, zeros, 1, lr=0.1, weight_decay=0.1)
    np.testing.assert_allclose(l2, [0.9, 0.9], rtol=1e-7)
    np.testing.assert_allclose(decoupled, [0.99, 0.89], rtol=1e-7)


def test_pure_rules_keep_float32():
    """Does a float32 parameter give float32 results and state from every rule?"""
    p, g = np.ones(3, dtype=np.float32), np.full(3, 0.5, dtype=np.float32)
    z = np.zeros(3, dtype=np.float32)
    outs = [sgd_step(p, g, 0.1), *momentum_step(p, g, None, 0.1, 0.9), *adagrad_step(p, g, z, 0.1),
            *rmsprop_step(p, g, z, 0.1), *adadelta_step(p, g, z, z), *adam_step(p, g, z, z, 1),
            *adamw_step(p, g, z, z, 1)]
    assert all(a.dtype == np.float32 for a in outs)


@pytest.mark.parametrize("call, error, text", [
    (lambda: adam_step(np.ones(2), np.ones(3), np.zeros(2), np.zeros(2), 1), ValueError,
     r"adam_step: g must have the shape of p, \(2,\), got \(3,\)"),
    (lambda: adam_step(np.ones(2), np.ones(2), np.zeros(2), np.zeros(2), 0), ValueError,
     "t is the number of this step, counting from 1, got 0"),
    (lambda: adamw_step(np.ones(2), np.ones(2), np.zeros(3), np.zeros(2), 1), ValueError,
     r"adamw_step: m must have the shape of p, \(2,\), got \(3,\)"),
    (lambda: rmsprop_step(np.ones(2), np.ones(2), np.zeros(2), alpha=1.0), ValueError,
     r"alpha must be in \[0, 1\), got 1.0"),
    (lambda: momentum_step(np.ones(2), np.ones(2), None, lr=-1, momentum=0.9), ValueError, "lr must be > 0, got -1"),
    (lambda: sgd_step(np.ones(2), np.ones(2), 0), ValueError, "lr must be > 0, got 0"),
    (lambda: Updater(ewma), TypeError, r"must take \(p, g, <state...>, lr, ...\)"),
    (lambda: Updater(sgd_step, lr=0.1)(np.ones(2), [np.ones(2)]), TypeError, "params must be a list"),
])
def test_pure_rules_reject_bad_arguments_clearly(call, error, text):
    """Does a bad argument give an error naming what was expected and what came?"""
    with pytest.raises(error, match=text):
        call()


def test_updater_keeps_state_per_array_and_the_structure_of_params():
    """Does Updater find each rule's state, count t from 1, keep (W, b) pairs and change nothing passed in?"""
    assert Updater(adam_step).state_names == ("m", "v", "t")
    assert Updater(momentum_step, lr=0.1, momentum=0.9).state_names == ("buf",)
    assert Updater(sgd_step, lr=0.1).state_names == ()
    rng = np.random.default_rng(14)
    params = [(rng.normal(size=(2, 3)), rng.normal(size=3)), (rng.normal(size=(3, 1)), rng.normal(size=1))]
    grads = [(rng.normal(size=(2, 3)), rng.normal(size=3)), (rng.normal(size=(3, 1)), rng.normal(size=1))]
    copies = [[a.copy() for a in pair] for pair in params]
    update = Updater(adam_step, lr=0.01)
    new = update(params, grads)
    new = update(new, grads)
    assert isinstance(new, list) and all(isinstance(pair, tuple) and len(pair) == 2 for pair in new)
    assert update.steps == 2 and [s["t"] for s in update.state] == [2, 2, 2, 2]
    expected, m, v = params[0][0], np.zeros((2, 3)), np.zeros((2, 3))
    for t in (1, 2):
        expected, m, v = adam_step(expected, grads[0][0], m, v, t, lr=0.01)
    np.testing.assert_array_equal(new[0][0], expected)
    for pair, copy in zip(params, copies):
        for a, b in zip(pair, copy):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="kept state for 4 arrays, now given 2"):
        update([np.ones(2), np.ones(2)], [np.ones(2), np.ones(2)])


def test_step_rules_table_is_complete():
    """Does STEP_RULES name every pure rule, and nnlib.optimizers re-export them?"""
    import nnlib.optimizers as optimizers

    assert set(STEP_RULES) == {"sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam", "adamw"}
    for rule in STEP_RULES.values():
        assert getattr(optimizers, rule.__name__) is rule


# ---------------------------------------------------------------- ewma

def test_ewma_of_a_constant_with_and_without_bias_correction():
    """beta = 0.9 on 1, 1, 1, ...: raw 0.1, 0.19, 0.271, 0.3439, 0.40951; corrected 1 every time?"""
    x = np.ones(5)
    np.testing.assert_allclose(ewma(x, 0.9, bias_correction=False), [0.1, 0.19, 0.271, 0.3439, 0.40951], rtol=1e-12)
    np.testing.assert_allclose(ewma(x, 0.9), np.ones(5), rtol=1e-12)


def test_ewma_of_a_short_series():
    """On (10, 12, 14, 13, 15): raw 1.0, 2.1, 3.29, 4.261, 5.3349; corrected 10, 11.05, 12.14, 12.39, 13.03?"""
    x = np.array([10.0, 12.0, 14.0, 13.0, 15.0])
    raw = ewma(x, 0.9, bias_correction=False)
    np.testing.assert_allclose(raw, [1.0, 2.1, 3.29, 4.261, 5.3349], rtol=1e-12)
    np.testing.assert_allclose(ewma(x, 0.9), raw / (1 - 0.9 ** np.arange(1, 6)), rtol=1e-14)
    np.testing.assert_allclose(ewma(x, 0.9), [10.0, 11.05, 12.14, 12.39, 13.03], atol=5e-3)


def test_ewma_averages_vectors_along_time_and_keeps_float32():
    """Are rows (axis 0) averaged elementwise, with beta = 0 the identity, and float32 kept?"""
    rng = np.random.default_rng(15)
    x = rng.normal(size=(6, 3))
    out = ewma(x, 0.5)
    for j in range(3):
        np.testing.assert_allclose(out[:, j], ewma(x[:, j], 0.5), rtol=1e-14)
    np.testing.assert_array_equal(ewma(x, 0.0), x)
    assert ewma(x.astype(np.float32), 0.9).dtype == np.float32
    assert ewma(np.zeros(0), 0.9).shape == (0,)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1.0"):
        ewma(x, 1.0)
    with pytest.raises(ValueError, match="x must be a series"):
        ewma(3.0, 0.5)


def test_ewma_is_adams_first_moment():
    """Is Adam's bias-corrected m after t steps the bias-corrected ewma of the gradients at t?"""
    rng = np.random.default_rng(16)
    gs = rng.normal(size=(7, 4))
    p, m, v = np.zeros(4), np.zeros(4), np.zeros(4)
    for t, g in enumerate(gs, start=1):
        p, m, v = adam_step(p, g, m, v, t)
    np.testing.assert_allclose(m, ewma(gs, 0.9, bias_correction=False)[-1], rtol=1e-12)
    np.testing.assert_allclose(v, ewma(gs**2, 0.999, bias_correction=False)[-1], rtol=1e-12)


# ---------------------------------------------------------------- PyTorch (committed reference values)

import importlib.util  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

TORCH_REFERENCE = Path(__file__).with_name("torch_reference")
REFERENCE = json.loads((TORCH_REFERENCE / "optimizers.json").read_text())


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_optimizers", TORCH_REFERENCE / "make_optimizers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pure_rule(name, kwargs):
    """The pure rule and its arguments for an optimizer setting (RMSprop with momentum has none)."""
    kwargs = dict(kwargs)
    if name == "sgd":
        return (momentum_step, kwargs) if kwargs.get("momentum") else (sgd_step, kwargs)
    if name in ("adam", "adamw"):
        beta1, beta2 = kwargs.pop("betas", (0.9, 0.999))
        return STEP_RULES[name], {**kwargs, "beta1": beta1, "beta2": beta2}
    if name == "rmsprop" and kwargs.get("momentum"):
        return None, None
    return STEP_RULES[name], kwargs


def _assert_matches_torch(case):
    """The class and the pure rule give torch's weights after every step, to 1e-10 (float64)."""
    kwargs = {k: tuple(v) if k == "betas" else v for k, v in case["kwargs"].items()}
    opt = OPTIMIZERS[case["optimizer"]](**kwargs)
    rule, rule_kwargs = _pure_rule(case["optimizer"], case["kwargs"])
    update = Updater(rule, **rule_kwargs) if rule else None
    params = [np.array(p, dtype=np.float64) for p in case["params"]]
    pure = [p.copy() for p in params]
    for k, (grads, after) in enumerate(zip(case["grads"], case["after"])):
        grads = [np.array(g) for g in grads]
        opt.step(params, grads)
        if update:
            pure = update(pure, grads)
        for i, want in enumerate(after):
            what = f"{case['torch']}({case['kwargs']}) step {k + 1}, array {i}"
            np.testing.assert_allclose(params[i], np.array(want), rtol=1e-10, atol=1e-14, err_msg=what)
            if update:
                np.testing.assert_allclose(pure[i], np.array(want), rtol=1e-10, atol=1e-14,
                                           err_msg=f"{rule.__name__}: {what}")


@pytest.mark.parametrize("case", REFERENCE["optimizers"],
                         ids=lambda c: f"{c['torch']}-{'-'.join(f'{k}={v}' for k, v in c['kwargs'].items())}")
def test_matches_pytorch_reference_values(case):
    """Do nnlib's optimizer classes and pure rules give torch.optim's weights after each of five steps, to 1e-10?"""
    _assert_matches_torch(case)


def test_reference_values_cover_every_optimizer_and_came_from_pytorch():
    """Does the committed reference hold every optimizer of OPTIMIZERS (and momentum, Nesterov), written by torch?"""
    cases = REFERENCE["optimizers"]
    assert {c["optimizer"] for c in cases} == set(OPTIMIZERS)
    assert any(c["kwargs"].get("nesterov") for c in cases) and any(c["kwargs"].get("momentum") for c in cases)
    assert REFERENCE["torch_version"].split(".")[0] == "2"
    fixed = _load_generator().optimizer_inputs()
    assert len(fixed) == len(cases)
    for case, inputs in zip(cases, fixed):
        np.testing.assert_array_equal(case["params"][0], inputs["params"][0])  # the JSON holds the generator's inputs
        np.testing.assert_array_equal(case["grads"][-1][1], inputs["grads"][-1][1])


def test_matches_pytorch_live():
    """With torch installed, do nnlib's optimizers equal what torch.optim computes now (and the committed values)?"""
    pytest.importorskip("torch", reason="torch is not installed (CI installs only .[dev]); "
                                        "the committed reference values are tested instead")
    live = _load_generator().torch_optimizers()
    for case, committed in zip(live["cases"], REFERENCE["optimizers"]):
        _assert_matches_torch(case)
        np.testing.assert_allclose(case["after"][-1][0], committed["after"][-1][0], rtol=1e-12)
