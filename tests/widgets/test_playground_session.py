"""The playground's training session against nnlib and plain NumPy: losses, classes, dropout, penalties, features.

One step of plain SGD moves every parameter by ``-lr * dL/dparam``.  Each
test takes the mini-batch the session is about to use, computes that
gradient by central finite differences of a loss written out here in NumPy
(not nnlib's), takes the session's step and compares.  So the network, the
loss and its gradient, the penalty and the update are all checked at once,
for every loss and output the playground offers.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnlib.layers import Dropout
from nnlib.widgets.playground_config import Scene
from nnlib.widgets.playground_data import EXTENT, FEATURES, features, make_points, split
from nnlib.widgets.playground_session import MOMENTUM, TrainingSession, grid_points

ACT = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
       "linear": lambda z: z}


def forward(params, X, activation):
    """The session's network in plain NumPy: dense, activation, ..., dense; params [(W, b), ...]."""
    for i, (W, b) in enumerate(params):
        X = X @ W + b
        if i < len(params) - 1:
            X = ACT[activation](X)
    return X


def numpy_loss(z, y, scene: Scene) -> float:
    """The mini-batch loss as the module docstring's table says, written out."""
    if scene.regression or scene.loss == "mse":
        target = y[:, None] if scene.regression else np.eye(scene.classes)[y]
        return float(np.mean((z - target) ** 2))
    if scene.loss == "softmax":
        log_p = z - z.max(axis=1, keepdims=True)
        log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
        return float(-np.mean(log_p[np.arange(len(y)), y]))
    target = y[:, None].astype(float) if scene.classes == 2 else np.eye(scene.classes)[y]
    p = 1 / (1 + np.exp(-z))
    return float(-np.mean(target * np.log(p) + (1 - target) * np.log(1 - p)))


def fd_gradients(session: TrainingSession, idx, eps=1e-6):
    """Central differences of numpy_loss over every W and b, on the training points ``idx``."""
    W, b = session.weights()
    params = [(w.copy(), v.copy()) for w, v in zip(W, b)]
    X = features(session.X_train[idx], session.scene.features)
    y = session.y_train[idx]

    def loss():
        return numpy_loss(forward(params, X, session.scene.activation), y, session.scene)

    grads = []
    for pair in params:
        g_pair = []
        for array in pair:
            g = np.zeros_like(array)
            for index in np.ndindex(array.shape):
                old = array[index]
                array[index] = old + eps
                up = loss()
                array[index] = old - eps
                down = loss()
                array[index] = old
                g[index] = (up - down) / (2 * eps)
            g_pair.append(g)
        grads.append(g_pair)
    return params, grads


SCENES = {
    "softmax, 3 classes, relu": Scene(data="spiral", classes=3, loss="softmax", activation="relu", layers=(5, 4),
                                      lr=0.1),
    "sigmoid, 2 classes, tanh": Scene(data="xor", loss="sigmoid", activation="tanh", layers=(3,),
                                      features=("x1", "x2", "x1x2"), lr=0.3),
    "sigmoid one-vs-rest, 4 classes": Scene(data="gauss", classes=4, loss="sigmoid", activation="sigmoid",
                                            layers=(4, 3), lr=1.0),
    "mse on one-hot, 2 classes, linear": Scene(data="circle", loss="mse", activation="linear", layers=(2,), lr=0.01,
                                               features=("x1sq", "x2sq")),
    "mse regression, sin features": Scene(data="bumps", loss="mse", activation="tanh", layers=(4,), lr=0.03,
                                          features=("x1", "x2", "sin1", "sin2")),
    "no hidden layer, 5 classes": Scene(data="moons", classes=5, loss="softmax", layers=(), lr=0.03),
}


@pytest.mark.parametrize("name", list(SCENES))
def test_one_step_is_minus_lr_times_the_finite_difference_gradient(name):
    scene = SCENES[name].with_(batch=7)
    session = TrainingSession(scene)
    idx = session.next_batch().copy()
    assert len(idx) == 7
    params, grads = fd_gradients(session, idx)
    session.step()
    W, b = session.weights()
    for (w0, b0), (gw, gb), w1, b1 in zip(params, grads, W, b):
        np.testing.assert_allclose(w1, w0 - scene.lr * gw, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(b1, b0 - scene.lr * gb, rtol=1e-5, atol=1e-8)
    assert session.steps == 1


@pytest.mark.parametrize("reg", ["l1", "l2"])
def test_penalty_gradient_is_added_to_the_weights_not_the_biases(reg):
    rate = 0.03
    scene = Scene(data="xor", layers=(3, 2), reg=reg, reg_rate=rate, lr=0.1, batch=5)
    session = TrainingSession(scene)
    idx = session.next_batch().copy()
    params, grads = fd_gradients(session, idx)
    session.step()
    W, b = session.weights()
    for (w0, b0), (gw, gb), w1, b1 in zip(params, grads, W, b):
        penalty = rate * np.sign(w0) if reg == "l1" else 2 * rate * w0  # d/dW of rate*|W| or rate*W^2
        np.testing.assert_allclose(w1, w0 - scene.lr * (gw + penalty), rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(b1, b0 - scene.lr * gb, rtol=1e-5, atol=1e-8)


def test_dropout_step_uses_the_inverted_dropout_mask_and_predicts_without_it():
    p = 0.4
    scene = Scene(data="circle", layers=(6,), dropout=p, lr=0.1, batch=8)
    session = TrainingSession(scene)
    assert [type(layer).__name__ for layer in session.model.layers] == ["Dense", "Activation", "Dropout", "Dense"]
    idx = session.next_batch().copy()
    mask_rng = np.random.default_rng()
    mask_rng.bit_generator.state = session._dropout_rng.bit_generator.state  # the mask the step will draw
    keep = mask_rng.random((8, 6)) >= p
    (W0, b0), (W1, b1) = [(w.copy(), v.copy()) for w, v in zip(*session.weights())]
    X = features(session.X_train[idx], scene.features)
    y = session.y_train[idx].astype(float)[:, None]
    h = np.tanh(X @ W0 + b0) * keep / (1 - p)  # (8, 6)
    z = h @ W1 + b1
    dz = (1 / (1 + np.exp(-z)) - y) / 8  # sigmoid + BCE on logits
    session.step()
    np.testing.assert_allclose(session.weights()[0][1], W1 - 0.1 * h.T @ dz, rtol=1e-10)
    dh = dz @ W1.T * keep / (1 - p) * (1 - np.tanh(X @ W0 + b0) ** 2)
    np.testing.assert_allclose(session.weights()[0][0], W0 - 0.1 * X.T @ dh, rtol=1e-10)
    # test mode: no unit dropped, no scaling
    W, b = session.weights()
    np.testing.assert_allclose(session.outputs(session.X_test[:5]),
                               forward(list(zip(W, b)), features(session.X_test[:5], scene.features), "tanh"))


def test_dropout_change_keeps_the_weights_and_architecture_change_draws_new_ones():
    session = TrainingSession(Scene(layers=(4, 4)))
    session.step(30)
    before = [w.copy() for w in session.weights()[0]]
    session.apply(session.scene.with_(dropout=0.2))
    assert sum(isinstance(layer, Dropout) for layer in session.model.layers) == 2
    for w0, w1 in zip(before, session.weights()[0]):
        np.testing.assert_array_equal(w0, w1)
    assert session.steps == 30
    session.apply(session.scene.with_(layers=(4, 5)))
    assert session.steps == 0 and session.epoch == 0
    assert [w.shape for w in session.weights()[0]] == [(2, 4), (4, 5), (5, 1)]


def test_learning_rate_change_keeps_weights_and_momentum():
    session = TrainingSession(Scene(optimizer="momentum", lr=0.01, batch=4))
    session.step(3)
    optimizer = session.optimizer
    session.apply(session.scene.with_(lr=0.1))
    assert session.optimizer is optimizer and optimizer.lr == 0.1 and session.steps == 3


def test_momentum_is_pytorch_form_velocity():
    """v = mu v + g, w -= lr v: the second step moves by lr (mu g1 + g2)."""
    scene = Scene(data="xor", optimizer="momentum", layers=(3,), lr=0.1, batch=6)
    session = TrainingSession(scene)
    idx1 = session.next_batch().copy()
    params1, grads1 = fd_gradients(session, idx1)
    session.step()
    idx2 = session.next_batch().copy()
    _, grads2 = fd_gradients(session, idx2)
    session.step()
    w1 = session.weights()[0][0]
    expected = params1[0][0] - 0.1 * grads1[0][0] - 0.1 * (MOMENTUM * grads1[0][0] + grads2[0][0])
    np.testing.assert_allclose(w1, expected, rtol=1e-5, atol=1e-8)


def test_adam_first_step_moves_each_parameter_by_about_lr():
    session = TrainingSession(Scene(data="xor", optimizer="adam", layers=(4,), lr=0.01, batch=10))
    before = session.weights()[0][0].copy()
    session.step()
    moved = np.abs(session.weights()[0][0] - before)
    np.testing.assert_allclose(moved[moved > 0], 0.01, rtol=1e-3)  # bias-corrected m/sqrt(v) = sign(g)


def test_epochs_count_passes_over_the_training_set():
    session = TrainingSession(Scene(train=50, batch=10))  # 250 training points: 25 batches an epoch
    assert len(session.y_train) == 250
    session.step(24)
    assert session.epoch == 0
    session.step(1)
    assert session.epoch == 1 and session.steps == 25
    session.step(50)
    assert session.epoch == 3


def test_features_are_the_columns_in_playground_order():
    P = np.array([[1.0, 2.0], [-0.5, 3.0]])
    F = features(P, ["sin2", "x1", "x1x2", "x2sq"])  # asked out of order: FEATURES order
    np.testing.assert_allclose(F, [[1.0, 4.0, 2.0, np.sin(2.0)], [-0.5, 9.0, -1.5, np.sin(3.0)]])
    assert list(FEATURES) == ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2"]
    with pytest.raises(ValueError, match="unknown features"):
        features(P, ["x3"])
    with pytest.raises(ValueError, match="at least one feature"):
        features(P, [])


def test_a_product_feature_makes_xor_linear():
    """With x1x2 a network without hidden layers separates XOR; with x1, x2 only it cannot."""
    with_product = TrainingSession(Scene(data="xor", layers=(), features=("x1", "x2", "x1x2"), lr=0.03))
    without = TrainingSession(Scene(data="xor", layers=(), lr=0.03))
    for session in (with_product, without):
        session.step(500)
    accuracy = [np.trace(s.confusion("test")) / len(s.y_test) for s in (with_product, without)]
    assert accuracy[0] >= 0.95
    assert accuracy[1] <= 0.75


def test_multiclass_softmax_learns_three_blobs_and_counts_add_up():
    session = TrainingSession(Scene(data="gauss", classes=3, loss="softmax", layers=(4,), lr=0.03))
    first = session.loss("test")
    session.step(300)
    assert session.loss("test") < first / 3
    counts = session.confusion("test")
    assert counts.shape == (3, 3) and counts.sum() == len(session.y_test)
    np.testing.assert_array_equal(counts.sum(axis=1), np.bincount(session.y_test, minlength=3))
    assert np.trace(counts) / counts.sum() >= 0.95


def test_regression_learns_the_plane():
    session = TrainingSession(Scene(data="plane", loss="mse", layers=(), activation="linear", lr=0.001))
    first = session.loss("train")
    session.step(400)
    assert session.loss("train") < first / 20
    with pytest.raises(ValueError, match="regression problem has no confusion"):
        session.confusion()


def test_data_sets_labels_and_ranges():
    X, y = make_points("xor", 400, classes=2, noise=0, rng=0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) ^ (X[:, 1] > 0))  # XOR of the signs
    X, y = make_points("circle", 300, classes=3, noise=0, rng=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    for k in range(3):  # ring k: radius in its band of [0, 5]
        assert np.all((radius[y == k] >= 5 / 3 * k) & (radius[y == k] <= 5 / 3 * (k + 1)))
    for name in ("circle", "xor", "gauss", "spiral", "moons"):
        for classes in (2, 5):
            X, y = make_points(name, 500, classes=classes, noise=50, rng=1)
            assert X.shape == (500, 2) and np.abs(X).max() <= EXTENT
            assert set(np.unique(y)) == set(range(classes)), (name, classes)
    X, y = make_points("bumps", 200, noise=0, rng=0)
    assert -1.0 <= y.min() < 0 < y.max() <= 1.0
    assert make_points("own", 500)[0].shape == (0, 2)
    with pytest.raises(ValueError, match="classes must be an integer from 2 to 5, got 6"):
        make_points("xor", 10, classes=6)
    _, ya, _, yb = split(X, y, 30, rng=0)
    assert len(ya) == 60 and len(yb) == 140


def test_clicked_points_are_training_points_and_keep_the_weights():
    session = TrainingSession(Scene(data="own", classes=3))
    assert len(session.y_train) == 0 and np.isnan(session.loss("train"))
    session.step(5)  # nothing to learn from: nothing happens
    assert session.steps == 0
    weights = session.weights()[0][0].copy()
    session.apply(session.scene.with_(points=((1.0, 2.0, 2), (-3.5, 0.25, 0))))
    np.testing.assert_array_equal(session.weights()[0][0], weights)
    np.testing.assert_array_equal(session.X_train, [[1.0, 2.0], [-3.5, 0.25]])
    np.testing.assert_array_equal(session.y_train, [2, 0])
    session.step(3)
    assert session.steps == 3


def test_pictures_surface_and_neuron_maps():
    session = TrainingSession(Scene(data="gauss", classes=3, loss="softmax", layers=(5, 2), activation="tanh"))
    session.step(200)
    cls, shade = session.surface(16)
    np.testing.assert_array_equal(cls, session.predict_class(grid_points(16)))
    assert cls.dtype == shade.dtype == np.uint8 and shade.max() > 200  # far from the boundary: confident
    maps = session.neuron_maps(10)
    assert maps.shape == (7 + 5 + 2 + 3, 10, 10) and maps.dtype == np.int8
    # the first feature map is x1 over the grid, scaled by its largest value: left -127ish, right +127ish
    np.testing.assert_allclose(maps[0].ravel() / 127, grid_points(10)[:, 0] / np.abs(grid_points(10)[:, 0]).max(),
                               atol=0.01)
    # the outputs are class probabilities (range fixed at [0, 1]): every column of a pixel sums to 1
    np.testing.assert_allclose(maps[-3:].astype(float).sum(axis=0) / 127, 1.0, atol=0.03)
    assert grid_points(2).tolist() == [[-3.0, 3.0], [3.0, 3.0], [-3.0, -3.0], [3.0, -3.0]]  # top row first


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_three_steps_match_pytorch(optimizer):
    """The session's network, loss and optimizer against torch.nn / torch.optim on the same batches (live)."""
    torch = pytest.importorskip("torch")
    scene = Scene(data="spiral", classes=3, loss="softmax", activation="tanh", layers=(5,), lr=0.1, batch=6,
                  optimizer=optimizer, features=("x1", "x2", "sin1"))
    session = TrainingSession(scene)
    W, b = session.weights()
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3)).double()
    with torch.no_grad():
        for linear, w, v in zip(model[::2], W, b):
            linear.weight.copy_(torch.tensor(w.T))
            linear.bias.copy_(torch.tensor(v))
    opt = (torch.optim.SGD(model.parameters(), lr=0.1, momentum=MOMENTUM) if optimizer == "momentum"
           else torch.optim.Adam(model.parameters(), lr=0.1))
    for _ in range(3):
        idx = session.next_batch().copy()
        session.step()
        opt.zero_grad()
        x = torch.tensor(features(session.X_train[idx], scene.features))
        torch.nn.functional.cross_entropy(model(x), torch.tensor(session.y_train[idx])).backward()
        opt.step()
    for linear, w, v in zip(model[::2], *session.weights()):
        np.testing.assert_allclose(w, linear.weight.detach().numpy().T, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(v, linear.bias.detach().numpy(), rtol=1e-9, atol=1e-12)
