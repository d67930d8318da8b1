"""Tests for the speed paths: one flat parameter buffer per Sequential, one optimizer update per step,
no input-layer dX while training, and fit's direct accuracy count.

Each path must give exactly (bit for bit) the numbers of the plain path it replaces.
"""
import copy

import numpy as np
import pytest

from nnlib import functional as F
from nnlib.layers import Activation, BatchNorm, Dense, Dropout, Layer
from nnlib.losses import mse_grad
from nnlib.metrics import accuracy
from nnlib.network import Sequential
from nnlib.optimizers import OPTIMIZERS, SGD, Adam, RMSprop
from nnlib.training import _accuracy_for, fit


def small_net(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return Sequential([Dense(5, 7, rng=rng, dtype=dtype), Activation("relu"), Dense(7, 3, rng=rng, dtype=dtype)])


def separate_arrays(model):
    """The same model with every parameter and gradient in an array of its own (no flat buffer)."""
    for layer in model:
        for d in (layer.params, layer.grads):
            for name in d:
                d[name] = d[name].copy()
    return model


def data(seed=1, n=40):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 5)), rng.integers(0, 3, size=n)


# ---------------------------------------------------------------- the buffer

def test_sequential_puts_parameters_in_one_flat_buffer_without_changing_them():
    """Are a Sequential's parameters (and gradients) views of one flat array, in parameters() order, same values?"""
    before = [(layer.params["W"].copy(), layer.params["b"].copy()) for layer in small_net() if layer.params]
    model = small_net()
    params, grads = model.parameters(), model.gradients()
    for d in (params, grads):
        base = next(iter(d.values())).base
        assert base is not None and base.ndim == 1 and base.size == sum(a.size for a in d.values())
        assert all(a.base is base for a in d.values())
        np.testing.assert_array_equal(base, np.concatenate([a.ravel() for a in d.values()]))
    assert params["0.W"].base is not grads["0.W"].base
    for (W, b), layer in zip(before, [layer for layer in model if layer.params]):
        np.testing.assert_array_equal(layer.params["W"], W)
        np.testing.assert_array_equal(layer.params["b"], b)
        assert layer.params["W"].shape == W.shape and layer.params["W"].flags.c_contiguous


def test_flat_buffer_keeps_float32():
    """Does a float32 network get a float32 buffer?"""
    model = small_net(np.float32)
    assert {p.dtype for p in model.parameters().values()} == {np.dtype(np.float32)}
    assert model.parameters()["0.W"].base.dtype == np.float32


def test_views_stay_views_after_training():
    """After fit, are the layers' arrays still the same views of the buffer, so the optimizer trained the model?"""
    model = small_net()
    views = {k: (p, model.gradients()[k]) for k, p in model.parameters().items()}
    start = {k: p.copy() for k, p in model.parameters().items()}
    X, y = data()
    fit(model, "softmax_cross_entropy", Adam(1e-2), X, y, epochs=3, batch_size=8, rng=0, progress=False)
    for k, p in model.parameters().items():
        assert p is views[k][0] and model.gradients()[k] is views[k][1]
        assert p.base is views["0.W"][0].base
        assert not np.array_equal(p, start[k]), k


def test_layers_that_cannot_share_are_left_alone():
    """Mixed dtypes, or a layer that is not an nnlib layer, leave the arrays as they were (and training works)."""
    mixed = Sequential([Dense(3, 4, rng=0), Dense(4, 2, rng=1, dtype=np.float32)])
    assert all(p.base is None for p in mixed.parameters().values())

    class Scale:  # a duck-typed layer of one's own, holding its weight outside the dicts too
        def __init__(self):
            self.w = np.ones(2)
            self.params, self.grads = {"w": self.w}, {"w": np.zeros(2)}

        def forward(self, X, training=True):
            self.X = X
            return X * self.w

        def backward(self, dY):
            self.grads["w"] += (dY * self.X).sum(axis=0)
            return dY * self.w

        def zero_grad(self):
            self.grads["w"][...] = 0

    own = Scale()
    model = Sequential([Dense(3, 2, rng=0), own])
    assert model[1].params["w"] is own.w and model[0].params["W"].base is None
    X, y = np.random.default_rng(0).normal(size=(6, 3)), np.random.default_rng(1).normal(size=(6, 2))
    fit(model, "mse", SGD(0.1), X, y, epochs=2, progress=False)
    assert not np.array_equal(own.w, np.ones(2))


def test_a_copied_model_has_separate_arrays_and_trains_the_same():
    """Does a deep copy (own arrays, per-parameter updates) train to exactly the same weights?"""
    X, y = data()
    model = small_net()
    twin = copy.deepcopy(model)
    assert twin.parameters()["0.W"].base is not model.parameters()["0.W"].base
    for m in (model, twin):
        fit(m, "softmax_cross_entropy", Adam(1e-2), X, y, epochs=2, batch_size=8, rng=0, progress=False)
    for k in model.parameters():
        np.testing.assert_array_equal(model.parameters()[k], twin.parameters()[k])


# ---------------------------------------------------------------- optimizers on the buffer

OPTIMIZER_SETTINGS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("adagrad", {"lr": 0.1}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5}),
    ("adadelta", {"lr": 1.0}),
    ("adam", {"lr": 0.01, "weight_decay": 0.01}),
    ("adamw", {"lr": 0.01}),
]


@pytest.mark.parametrize("name, kwargs", OPTIMIZER_SETTINGS)
def test_flat_and_separate_arrays_give_identical_weights_and_state(name, kwargs):
    """Is one update of the whole buffer bit for bit the per-parameter update, state included?"""
    X, y = data()
    flat, separate = small_net(), separate_arrays(small_net())
    opts = [OPTIMIZERS[name](**kwargs), OPTIMIZERS[name](**kwargs)]
    for model, opt in zip((flat, separate), opts):
        fit(model, "softmax_cross_entropy", opt, X, y, epochs=3, batch_size=8, rng=0, progress=False)
    for k in flat.parameters():
        np.testing.assert_array_equal(flat.parameters()[k], separate.parameters()[k])
    assert opts[0].state.keys() == opts[1].state.keys()
    for k, state in opts[0].state.items():
        other = opts[1].state[k]
        assert state.keys() == other.keys(), k
        for s, value in state.items():
            np.testing.assert_array_equal(value, other[s])
            if isinstance(value, np.ndarray):
                assert value.shape == flat.parameters()[k].shape
    arrays = [a for state in opts[0].state.values() for a in state.values() if isinstance(a, np.ndarray)]
    if arrays:  # the flat path keeps its state as views of flat state arrays, one per kind of state
        assert all(a.base is not None for a in arrays)
        assert len({id(a.base) for a in arrays}) == len(arrays) // len(opts[0].state)


def test_new_arrays_in_the_dicts_are_updated_not_the_old_buffer():
    """If a parameter array is replaced between steps, does the optimizer update the new one correctly?"""
    model, reference = small_net(), separate_arrays(small_net())
    opt, ref_opt = SGD(0.1, momentum=0.9), SGD(0.1, momentum=0.9)
    X, y = data()
    for m, o in ((model, opt), (reference, ref_opt)):
        fit(m, "softmax_cross_entropy", o, X, y, epochs=1, batch_size=8, rng=0, progress=False)
        m[0].params["W"] = m[0].params["W"].copy()  # e.g. a user loading weights by assignment
        m[0].grads["W"][...] = 1.0
        o.step(m.parameters(), m.gradients())
    np.testing.assert_array_equal(model[0].params["W"], reference[0].params["W"])
    np.testing.assert_array_equal(model[2].params["W"], reference[2].params["W"])


def test_stepping_part_of_a_network_and_then_all_of_it():
    """Can one layer's params be stepped alone, and the whole network afterwards, with per-key step counts kept?"""
    model = small_net()
    opt = Adam(0.01)
    for g in model.gradients().values():
        g[...] = 0.5
    opt.step(model.parameters(), model.gradients())
    opt.step(model[0].params, model[0].grads)  # keys "W", "b": a new state entry each
    opt.step(model.parameters(), model.gradients())
    assert opt.state["0.W"]["step"] == 2 and opt.state["2.W"]["step"] == 2 and opt.state["W"]["step"] == 1


def test_reset_forgets_the_flat_state_too():
    """After reset(), does the next step start again from step 1 with zero moments?"""
    model = small_net()
    for g in model.gradients().values():
        g[...] = 1.0
    opt = Adam(0.1)
    opt.step(model.parameters(), model.gradients())
    opt.step(model.parameters(), model.gradients())
    opt.reset()
    before = model.parameters()["0.b"].copy()
    opt.step(model.parameters(), model.gradients())
    assert opt.state["0.b"]["step"] == 1
    np.testing.assert_allclose(model.parameters()["0.b"], before - 0.1 / (1 + 1e-8), rtol=1e-12)  # lr g / (|g| + eps)


def test_a_model_stepped_through_lists_uses_the_buffer_too():
    """Do lists of the views (keys 0, 1, ...) get the same update as the dicts?"""
    a, b = small_net(), small_net()
    for m in (a, b):
        for g in m.gradients().values():
            g[...] = np.linspace(-1, 1, g.size).reshape(g.shape)
    oa, ob = RMSprop(0.01), RMSprop(0.01)
    for _ in range(3):
        oa.step(a.parameters(), a.gradients())
        ob.step(list(b.parameters().values()), list(b.gradients().values()))
    for pa, pb in zip(a.parameters().values(), b.parameters().values()):
        np.testing.assert_array_equal(pa, pb)
    assert set(ob.state) == set(range(4))


# ---------------------------------------------------------------- no gradient for the data

def test_dense_backward_can_skip_dX():
    """With need_dX=False, is dX None and are dW, db exactly those of the full backward?"""
    rng = np.random.default_rng(0)
    X, W, b, dZ = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))
    _, cache = F.dense_forward(X, W, b)
    dX, dW, db = F.dense_backward(dZ, cache)
    none, dW2, db2 = F.dense_backward(dZ, cache, need_dX=False)
    assert none is None
    np.testing.assert_array_equal(dW, dW2)
    np.testing.assert_array_equal(db, db2)


@pytest.mark.parametrize("first", [Dense(4, 6, rng=0), Activation("tanh"), Dropout(0.3, rng=0), BatchNorm(4)])
def test_sequential_backward_without_dX_gives_the_same_parameter_gradients(first):
    """Does backward(dY, need_dX=False) return None and leave every parameter gradient as with dX?"""
    def build():
        layer = copy.deepcopy(first)
        width = 6 if isinstance(layer, Dense) else 4
        return Sequential([layer, Dense(width, 2, rng=1)])

    X, Y = np.random.default_rng(2).normal(size=(5, 4)), np.random.default_rng(3).normal(size=(5, 2))
    grads = []
    for need in (True, False):
        model = build()
        model.zero_grad()
        out = model.backward(mse_grad(model.forward(X), Y), need_dX=need)
        assert (out is None) == (not need) and (out is None or out.shape == X.shape)
        grads.append(model.gradients())
    for k in grads[0]:
        np.testing.assert_array_equal(grads[0][k], grads[1][k])


def test_fit_asks_for_no_input_gradient_when_the_model_can_skip_it():
    """Does fit call backward with need_dX=False on a Sequential, and plain backward(dY) on other models?"""
    calls = []

    class Spy(Layer):
        def __init__(self):
            super().__init__()
            self.inner = Dense(2, 1, rng=0)
            self.params, self.grads = self.inner.params, self.inner.grads

        def forward(self, X, training=True):
            return self.inner.forward(X, training)

        def backward(self, dY, need_dX=True):
            calls.append(need_dX)
            return self.inner.backward(dY, need_dX)

    X, y = np.ones((4, 2)), np.zeros((4, 1))
    fit(Sequential([Spy()]), "mse", SGD(0.1), X, y, epochs=2, progress=False)
    assert calls == [False, False]

    class Bare:  # a model with the minimal protocol: backward(dY) only
        def __init__(self):
            self.net = Sequential([Dense(2, 1, rng=0)])

        def forward(self, X, training=True):
            return self.net.forward(X, training)

        def backward(self, dY):
            calls.append("bare")
            return self.net.backward(dY)

        def zero_grad(self):
            self.net.zero_grad()

        def parameters(self):
            return self.net.parameters()

        def gradients(self):
            return self.net.gradients()

    fit(Bare(), "mse", SGD(0.1), X, y, epochs=1, progress=False)
    assert calls[-1] == "bare"


# ---------------------------------------------------------------- accuracy inside fit

@pytest.mark.parametrize("labels", [
    np.array([0, 2, 1, 1, 0]),
    np.array([0, 2, 1, 1, 0], dtype=np.uint8),
    np.array([0.0, 2.0, 1.0, 1.0, 0.0]),  # float labels take metrics.accuracy's path
])
def test_fits_accuracy_counts_hits_like_metrics_accuracy(labels):
    """Is fit's per-batch accuracy on (N, C) scores the same number as nnlib.metrics.accuracy?"""
    scores = np.array([[3.0, 1, 0], [0, 1, 2], [0, 5, 1], [4, 0, 1], [1, 0, 0]])
    got = _accuracy_for("softmax_cross_entropy")(scores, labels)
    assert got == accuracy(scores, labels) == 0.8  # argmax rows: 0, 2, 1, 0, 0
