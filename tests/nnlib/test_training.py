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
