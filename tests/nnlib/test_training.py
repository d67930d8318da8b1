"""Tests for nnlib.training: the fit loop, its bookkeeping, and that it actually learns."""
import math

import matplotlib
import numpy as np
import pytest

from nnlib.data import load_digits, standardize, train_val_split
from nnlib.layers import Activation, Dense
from nnlib.losses import mse, mse_grad
from nnlib.network import Sequential
from nnlib.optimizers import SGD, Adam
from nnlib.regularization import EarlyStopping
from nnlib.schedules import step_decay
from nnlib.training import History, fit

matplotlib.use("Agg")

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def xor_net(seed):
    """2-4-1: tanh hidden layer, sigmoid output."""
    return Sequential([Dense(2, 4, init="xavier_uniform", rng=seed), Activation("tanh"),
                       Dense(4, 1, init="xavier_uniform", rng=seed + 1), Activation("sigmoid")])


def linear_net(D=3, seed=0):
    return Sequential([Dense(D, 1, init="xavier_normal", rng=seed)])


class CountingOptimizer:
    """Wraps an optimizer and counts its steps (and the lr it was given)."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = 0

    @property
    def lr(self):
        return self.inner.lr

    @lr.setter
    def lr(self, value):
        self.inner.lr = value

    def step(self, params, grads):
        self.calls += 1
        self.inner.step(params, grads)


def recording_mse(seen):
    """An MSE (loss, loss_grad) pair that records the targets of every batch."""
    def loss(Y, y):
        seen.append(np.ravel(y).copy())
        return mse(Y, y)
    return loss, mse_grad


# ---------------------------------------------------------------- it learns

def test_xor_is_learned_to_100_percent():
    """Does a 2-4-1 tanh/sigmoid net trained with BCE classify all four XOR points correctly?"""
    model = xor_net(seed=0)
    history = fit(model, "binary_cross_entropy", Adam(lr=0.05), XOR_X, XOR_Y, epochs=400, rng=0, progress=False)
    predicted = (model.predict(XOR_X).ravel() > 0.5).astype(int)
    np.testing.assert_array_equal(predicted, XOR_Y)
    assert history.metric[-1] == 1.0
    assert history.loss[-1] < 0.05 < history.loss[0]


def test_digits_reach_95_percent_validation_accuracy():
    """Does a 64-64-10 ReLU net reach >= 95 % validation accuracy on the digits in 20 epochs?

    (Its speed is measured in benchmarks/, never asserted here.)"""
    X, y = load_digits()
    X_train, X_val, y_train, y_val = train_val_split(X, y, 0.2, rng=0)
    X_train, mean, std = standardize(X_train)
    X_val, _, _ = standardize(X_val, mean, std)
    model = Sequential([Dense(64, 64, rng=1), Activation("relu"), Dense(64, 10, rng=2)])
    history = fit(model, "softmax_cross_entropy", Adam(lr=1e-3), X_train, y_train, epochs=20, batch_size=32,
                  validation=(X_val, y_val), rng=0, progress=False)
    assert history.metric_name == "accuracy"
    assert history.val_metric[-1] >= 0.95
    predicted = model.predict(X_val).argmax(axis=1)
    assert np.mean(predicted == y_val) == pytest.approx(history.val_metric[-1])


def test_bce_with_logits_uses_threshold_zero_for_accuracy():
    """With logits (no output sigmoid), is accuracy measured at logit 0 rather than 0.5?"""
    model = Sequential([Dense(2, 4, init="xavier_uniform", rng=3), Activation("tanh"),
                        Dense(4, 1, init="xavier_uniform", rng=4)])
    history = fit(model, "binary_cross_entropy_with_logits", Adam(lr=0.05), XOR_X, XOR_Y, epochs=400,
                  rng=0, progress=False)
    logits = model.predict(XOR_X).ravel()
    assert history.metric[-1] == np.mean((logits > 0) == (XOR_Y == 1)) == 1.0


def test_focal_loss_reports_accuracy_at_one_half():
    """Focal loss is a classification loss on probabilities: does fit report accuracy at p = 0.5 by default?"""
    model = Sequential([Dense(2, 4, init="xavier_uniform", rng=3), Activation("tanh"),
                        Dense(4, 1, init="xavier_uniform", rng=4), Activation("sigmoid")])
    history = fit(model, "focal_loss", Adam(lr=0.05), XOR_X, XOR_Y, epochs=300, rng=0, progress=False)
    probabilities = model.predict(XOR_X).ravel()
    assert history.metric_name == "accuracy"
    assert history.metric[-1] == np.mean((probabilities > 0.5) == (XOR_Y == 1))


# ---------------------------------------------------------------- bookkeeping

@pytest.mark.parametrize("N, batch_size, per_epoch, sizes", [
    (10, None, 1, [10]),
    (10, 1, 10, [1] * 10),
    (10, 3, 4, [3, 3, 3, 1]),
    (10, 5, 2, [5, 5]),
    (10, 50, 1, [10]),
    (800, 150, 6, [150] * 5 + [50]),    # the notes' "3 updates" is a slip: ceil(800 / 150) = 6
])
def test_updates_per_epoch_are_ceil_n_over_batch(N, batch_size, per_epoch, sizes):
    """Does fit make exactly ceil(N / batch_size) optimizer steps per epoch, using the last partial batch?"""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(N, 3)), rng.normal(size=N)
    seen = []
    opt = CountingOptimizer(SGD(lr=0.01))
    history = fit(linear_net(), recording_mse(seen), opt, X, y, epochs=3, batch_size=batch_size, rng=0,
                  progress=False)
    assert per_epoch == math.ceil(N / min(batch_size or N, N))
    assert opt.calls == history.n_updates == 3 * per_epoch
    assert [len(b) for b in seen[:per_epoch]] == sizes


def test_every_epoch_sees_every_sample_once_in_a_new_order():
    """Is each epoch a fresh permutation of all rows?"""
    N = 12
    X = np.arange(N, dtype=float)[:, None] * np.ones((1, 3))  # (N, 3)
    y = np.arange(N, dtype=float)
    seen = []
    fit(linear_net(), recording_mse(seen), SGD(lr=1e-3), X, y, epochs=3, batch_size=5, rng=1, progress=False)
    epochs = [np.concatenate(seen[i:i + 3]) for i in (0, 3, 6)]
    for order in epochs:
        np.testing.assert_array_equal(np.sort(order), np.arange(N))
    assert not np.array_equal(epochs[0], epochs[1])


def test_same_seed_gives_identical_histories():
    """Do equal seeds (model and shuffling) give identical histories and weights, and another seed a different one?"""
    X, y = load_digits()
    X, _, _ = standardize(X[:300])
    y = y[:300]

    def run(shuffle_seed):
        model = Sequential([Dense(64, 16, rng=5), Activation("relu"), Dense(16, 10, rng=6)])
        h = fit(model, "softmax_cross_entropy", Adam(lr=1e-2), X, y, epochs=4, batch_size=32,
                validation=(X[:50], y[:50]), rng=shuffle_seed, progress=False)
        return h, model.parameters()

    (h1, p1), (h2, p2), (h3, _) = run(7), run(7), run(8)
    assert h1.loss == h2.loss and h1.val_loss == h2.val_loss and h1.metric == h2.metric
    for k in p1:
        np.testing.assert_array_equal(p1[k], p2[k])
    assert h1.loss != h3.loss


def test_history_records_lr_and_schedule_sets_it():
    """Does a schedule set optimizer.lr at the start of every epoch, with history.lr recording it?"""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    opt = SGD(lr=0.1)
    history = fit(linear_net(), "mse", opt, X, y, epochs=5, schedule=step_decay(0.1, step_size=2, gamma=0.5),
                  rng=0, progress=False)
    np.testing.assert_allclose(history.lr, [0.1, 0.1, 0.05, 0.05, 0.025])
    assert opt.lr == pytest.approx(0.025)
    assert fit(linear_net(), "mse", SGD(lr=0.3), X, y, epochs=2, progress=False).lr == [0.3, 0.3]


def test_history_contents_without_metric_or_validation():
    """For a regression loss without validation data, are metric and validation lists empty?"""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    history = fit(linear_net(), "mse", SGD(lr=0.1), X, y, epochs=30, rng=0, progress=False)
    assert history.metric_name is None
    assert history.metric == [] and history.val_loss == [] and history.val_metric == []
    assert len(history.loss) == len(history.lr) == history.epochs == 30
    assert history.loss[-1] < 1e-2 * history.loss[0]


def test_training_loss_is_the_size_weighted_mean_of_batch_losses():
    """Is the epoch's loss the batch losses averaged with batch-size weights?"""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 3)), rng.normal(size=7)
    batch_losses = []

    def loss(Y, t):
        value = mse(Y, t)
        batch_losses.append((len(t), value))
        return value

    history = fit(linear_net(), (loss, mse_grad), SGD(lr=0.05), X, y, epochs=1, batch_size=3, rng=0,
                  progress=False)
    expected = sum(n * v for n, v in batch_losses) / 7
    assert history.loss[0] == pytest.approx(expected)


def test_callable_metric_is_used_on_training_and_validation():
    """Is a metric function called as metric(y_pred, y_true) and named after the function?"""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)

    def max_error(y_pred, y_true):
        return float(np.max(np.abs(y_pred - y_true)))

    model = linear_net()
    history = fit(model, "mse", SGD(lr=0.01), X, y, epochs=2, validation=(X, y), metric=max_error, rng=0,
                  progress=False)
    assert history.metric_name == "max_error" and len(history.metric) == 2
    assert history.val_metric[-1] == pytest.approx(max_error(model.predict(X), y[:, None]))


def test_float32_training_stays_float32():
    """Does training a float32 model on float32 data keep the parameters float32?"""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3)).astype(np.float32)
    y = rng.normal(size=16).astype(np.float32)
    model = Sequential([Dense(3, 1, rng=0, dtype=np.float32)])
    fit(model, "mse", Adam(lr=0.01), X, y, epochs=2, batch_size=4, rng=0, progress=False)
    assert all(p.dtype == np.float32 for p in model.parameters().values())


# ---------------------------------------------------------------- callbacks

class StopAt:
    def __init__(self, epoch):
        self.epoch, self.seen, self.ended = epoch, [], False

    def on_epoch_end(self, epoch, history, model):
        self.seen.append(epoch)
        return epoch == self.epoch

    def on_train_end(self, history, model):
        self.ended = True


def test_a_callback_can_stop_training():
    """Does a callback returning True end training after that epoch, and does on_train_end run?"""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    cb = StopAt(2)
    history = fit(linear_net(), "mse", SGD(lr=0.01), X, y, epochs=10, callbacks=[cb], progress=False)
    assert cb.seen == [0, 1, 2] and cb.ended
    assert history.epochs == 3 and history.stopped_epoch == 2 and history.n_updates == 3


class Snapshots:
    def __init__(self):
        self.params = []

    def on_epoch_end(self, epoch, history, model):
        self.params.append({k: v.copy() for k, v in model.parameters().items()})
        return False


def test_early_stopping_in_fit_restores_the_best_epoch():
    """With EarlyStopping in fit, are the model's weights those of the epoch with the lowest val_loss?"""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, 2.0, -1.0])
    snaps = Snapshots()
    es = EarlyStopping(patience=3)
    model = linear_net()
    # The validation targets have the opposite sign: validation gets worse as training succeeds.
    history = fit(model, "mse", SGD(lr=0.05), X, y, epochs=50, validation=(X[:10], -y[:10] + 3.0),
                  callbacks=[snaps, es], rng=0, progress=False)
    best = int(np.argmin(history.val_loss))
    assert history.stopped_epoch == best + 3 and history.epochs == best + 4
    for k, v in model.parameters().items():
        np.testing.assert_array_equal(v, snaps.params[best][k])
        assert not np.array_equal(v, snaps.params[-1][k])


def test_a_single_callback_may_be_passed_without_a_list():
    """Is callbacks=EarlyStopping(...) accepted as one callback?"""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    history = fit(linear_net(), "mse", SGD(lr=0.01), X, y, epochs=3, validation=(X, y),
                  callbacks=EarlyStopping(patience=5), progress=False)
    assert history.epochs == 3


# ---------------------------------------------------------------- progress and messages

def test_progress_false_prints_nothing(capsys):
    """Does progress=False keep stdout and stderr silent?"""
    fit(xor_net(0), "binary_cross_entropy", Adam(lr=0.05), XOR_X, XOR_Y, epochs=5, rng=0, progress=False)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_true_shows_a_bar_with_the_loss(capsys):
    """Does progress=True draw a bar over the epochs with the loss in it?"""
    fit(xor_net(0), "binary_cross_entropy", Adam(lr=0.05), XOR_X, XOR_Y, epochs=5, rng=0, progress=True)
    out, err = capsys.readouterr()
    assert "5/5" in err and "loss=" in err


def test_divergence_stops_training_with_a_warning():
    """Does a loss that becomes non-finite stop training with a warning naming the learning rate?"""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3)) * 100
    y = rng.normal(size=20)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="smaller learning rate"):
        history = fit(linear_net(), "mse", SGD(lr=10.0), X, y, epochs=1000, progress=False)
    assert history.diverged and history.epochs < 1000
    assert not math.isfinite(history.loss[-1])


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(y=np.zeros(5)), ValueError, r"X and y must have the same number of samples \(rows\), got X \(4, 2\) and y \(5,\)"),
    (dict(validation=(np.zeros((3, 2)), np.zeros(2))), ValueError, r"X_val and y_val .* got X_val \(3, 2\) and y_val \(2,\)"),
    (dict(validation=np.zeros((3, 2))), TypeError, "validation must be a pair"),
    (dict(batch_size=0), ValueError, "batch_size must be None or an integer >= 1, got 0"),
    (dict(epochs=-1), ValueError, "epochs must be an integer >= 0, got -1"),
    (dict(loss="cross_entropy"), ValueError, "unknown loss 'cross_entropy'; choose one of"),
    (dict(loss=42), TypeError, "loss must be a name"),
    (dict(metric="f1"), ValueError, "metric must be None, 'accuracy' or a function"),
    (dict(y=np.array(["a", "b", "c", "d"])), TypeError, "y must hold numbers"),
])
def test_bad_arguments_get_clear_errors(kwargs, error, text):
    """Are mismatched lengths and bad settings reported with the argument and the values received?"""
    args = dict(model=xor_net(0), loss="binary_cross_entropy", optimizer=SGD(lr=0.1), X=XOR_X, y=XOR_Y,
                epochs=1, progress=False)
    args.update(kwargs)
    with pytest.raises(error, match=text):
        fit(**args)


# ---------------------------------------------------------------- History

def test_history_repr_and_plot():
    """Does History print a one-line summary and draw training and validation curves on a given Axes?"""
    import matplotlib.pyplot as plt

    history = fit(xor_net(0), "binary_cross_entropy", Adam(lr=0.05), XOR_X, XOR_Y, epochs=3,
                  validation=(XOR_X, XOR_Y), rng=0, progress=False)
    text = repr(history)
    assert text.startswith("History(epochs=3, n_updates=3, loss ")
    assert "val_accuracy" in text
    fig, ax = plt.subplots()
    assert history.plot(ax) is ax
    assert [line.get_label() for line in ax.get_lines()] == ["training loss", "validation loss"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), history.loss)
    history.plot(ax, which="metric")
    plt.close(fig)
    assert isinstance(History(), History) and History().epochs == 0


# ---------------------------------------------------------------- minibatches

from nnlib.losses import softmax_cross_entropy_with_grad  # noqa: E402
from nnlib.mlp import mlp_backward, mlp_forward  # noqa: E402
from nnlib.training import minibatches, train_loop  # noqa: E402
from nnlib.update_rules import Updater, adam_step, momentum_step, sgd_step  # noqa: E402


@pytest.mark.parametrize("n, batch_size, sizes", [
    (800, 150, [150] * 5 + [50]),  # the notes' "3 updates" is 6
    (1000, 100, [100] * 10),
    (4, 1, [1, 1, 1, 1]),
    (4, 4, [4]),
    (5, 9, [5]),
    (0, 3, []),
])
def test_minibatches_are_ceil_n_over_b_with_the_remainder_last(n, batch_size, sizes):
    """ceil(n / B) batches, every row exactly once, the remainder in the last batch?"""
    batches = minibatches(n, batch_size, np.random.default_rng(0))
    assert [len(b) for b in batches] == sizes
    assert len(batches) == math.ceil(n / batch_size)
    np.testing.assert_array_equal(np.sort(np.concatenate(batches or [np.zeros(0, int)])), np.arange(n))


def test_minibatches_drop_last_leaves_out_the_remainder():
    """With drop_last: floor(n / B) full batches (800, 150 -> 5), the same first rows as without?"""
    full = minibatches(800, 150, np.random.default_rng(1))
    dropped = minibatches(800, 150, np.random.default_rng(1), drop_last=True)
    assert [len(b) for b in dropped] == [150] * 5
    for a, b in zip(dropped, full):
        np.testing.assert_array_equal(a, b)
    assert minibatches(3, 5, 0, drop_last=True) == []


def test_minibatches_order_is_rng_permutation_and_new_each_epoch():
    """Is the order rng.permutation(n), reproducible from a seed and different at the next call of one Generator?"""
    rng = np.random.default_rng(7)
    first, second = minibatches(10, 4, rng), minibatches(10, 4, rng)
    np.testing.assert_array_equal(np.concatenate(first), np.random.default_rng(7).permutation(10))
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
    np.testing.assert_array_equal(np.concatenate(minibatches(10, 4, 3)), np.concatenate(minibatches(10, 4, 3)))


@pytest.mark.parametrize("kwargs, text", [
    (dict(n=10, batch_size=0, rng=0), "batch_size must be an integer >= 1, got 0"),
    (dict(n=-1, batch_size=2, rng=0), "n must be an integer >= 0, got -1"),
    (dict(n=10, batch_size=2.5, rng=0), "batch_size must be an integer >= 1, got 2.5"),
])
def test_minibatches_rejects_bad_sizes(kwargs, text):
    with pytest.raises(ValueError, match=text):
        minibatches(**kwargs)


# ---------------------------------------------------------------- train_loop

ACTS = ["relu", "identity"]


def _digits_net(seed=0, hidden=16):
    X, y = load_digits()
    X = X[:300] / 16.0  # (300, 64)
    model = Sequential([Dense(64, hidden, rng=seed), Activation("relu"), Dense(hidden, 10, rng=seed + 1)])
    params = [(model[0].params["W"].copy(), model[0].params["b"].copy()),
              (model[2].params["W"].copy(), model[2].params["b"].copy())]
    return model, params, X, y[:300]


def _loop(params, X, y, epochs, batch_size, seed, update):
    return train_loop(params, X, y, epochs, batch_size, np.random.default_rng(seed),
                      forward=lambda Xb, ps: mlp_forward(Xb, ps, ACTS),
                      loss_grad=softmax_cross_entropy_with_grad,
                      backward=lambda dA, caches, ps: mlp_backward(dA, caches, ps, ACTS), update=update)


@pytest.mark.parametrize("make_optimizer, rule, kwargs", [
    (lambda: SGD(lr=0.1), sgd_step, dict(lr=0.1)),
    (lambda: SGD(lr=0.05, momentum=0.9, nesterov=True), momentum_step, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (lambda: Adam(lr=0.01), adam_step, dict(lr=0.01)),
], ids=["sgd", "nesterov", "adam"])
def test_train_loop_reaches_exactly_the_weights_of_fit(make_optimizer, rule, kwargs):
    """Same initial weights, seed and rule: does the functional loop end on fit's weights bit for bit?"""
    model, params, X, y = _digits_net()
    history = fit(model, "softmax_cross_entropy", make_optimizer(), X, y, epochs=3, batch_size=32,
                  rng=np.random.default_rng(5), progress=False)
    trained, losses = _loop(params, X, y, 3, 32, 5, Updater(rule, **kwargs))
    for (W, b), layer in zip(trained, (model[0], model[2])):
        np.testing.assert_array_equal(W, layer.params["W"])
        np.testing.assert_array_equal(b, layer.params["b"])
    assert len(losses) == history.n_updates == 3 * math.ceil(300 / 32)
    sizes = np.array([32] * 9 + [12])  # 300 = 9 * 32 + 12: the remainder batch last
    per_epoch = [float(np.sum(np.array(losses[k * 10:(k + 1) * 10]) * sizes) / 300) for k in range(3)]
    np.testing.assert_allclose(per_epoch, history.loss, rtol=1e-12)


def test_train_loop_learns_is_reproducible_and_changes_nothing_given():
    """Does the loss fall, does the same seed give the same run, and are the given weights left alone?"""
    _, params, X, y = _digits_net(seed=3)
    before = [[a.copy() for a in pair] for pair in params]
    first, losses = _loop(params, X, y, 5, 25, 9, Updater(adam_step, lr=0.01))
    again, losses_again = _loop(params, X, y, 5, 25, 9, Updater(adam_step, lr=0.01))
    other, _ = _loop(params, X, y, 5, 25, 10, Updater(adam_step, lr=0.01))
    assert np.mean(losses[-12:]) < 0.5 * np.mean(losses[:12])
    assert losses == losses_again and all(np.array_equal(a, b) for pa, pb in zip(first, again) for a, b in zip(pa, pb))
    assert not np.array_equal(first[0][0], other[0][0])  # another seed, another order
    for pair, copy in zip(params, before):
        for a, b in zip(pair, copy):
            np.testing.assert_array_equal(a, b)


def test_train_loop_uses_the_given_batches_and_update():
    """Does the loop call batches once per epoch and update once per batch, on the rows of each batch?"""
    X, y = np.arange(14.0).reshape(7, 2), np.arange(7)
    seen, epochs_seen = [], []

    def batches(n, batch_size, rng):
        epochs_seen.append((n, batch_size))
        return minibatches(n, batch_size, rng)

    def forward(Xb, params):
        seen.append(Xb[:, 0] / 2)
        return Xb, None

    _, losses = train_loop([], X, y, 2, 3, 0, forward=forward, loss_grad=lambda A, yb: (float(yb.sum()), A),
                           backward=lambda dA, caches, params: [], update=lambda params, grads: params,
                           batches=batches)
    assert epochs_seen == [(7, 3), (7, 3)] and len(losses) == 6 and [len(s) for s in seen] == [3, 3, 1] * 2
    assert losses == [float(s.sum()) for s in seen]  # the loss of each batch's own rows


def test_train_loop_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"X and y must have the same number of rows, got X \(4, 2\) and y \(3,\)"):
        train_loop([], np.ones((4, 2)), np.ones(3), 1, 2, 0, forward=None, loss_grad=None, backward=None, update=None)
    with pytest.raises(ValueError, match="epochs must be an integer >= 0, got -1"):
        train_loop([], np.ones((4, 2)), np.ones(4), -1, 2, 0, forward=None, loss_grad=None, backward=None, update=None)


def test_fit_uses_minibatches_order():
    """Does fit visit the rows in minibatches' order (the same rng draws)?"""
    X, y = np.arange(10.0).reshape(10, 1), np.arange(10.0)
    seen = []
    fit(linear_net(1), recording_mse(seen), SGD(lr=0.01), X, y, epochs=2, batch_size=4,
        rng=np.random.default_rng(2), progress=False)
    rng = np.random.default_rng(2)
    expected = minibatches(10, 4, rng) + minibatches(10, 4, rng)
    assert [list(s) for s in seen] == [list(idx.astype(float)) for idx in expected]
