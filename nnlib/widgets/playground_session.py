"""The playground's training session: an nnlib network learning a 2-D problem, one mini-batch at a time.

Everything here is plain nnlib, the code students are graded against:
``Dense``, ``Activation`` and ``Dropout`` layers in a ``Sequential``; the
losses of :mod:`nnlib.losses`; ``SGD`` (plain or with momentum 0.9) or
``Adam`` from :mod:`nnlib.optimizers`; the L1/L2 gradients of
:mod:`nnlib.regularization`.  The widget (:mod:`nnlib.widgets.playground`)
only calls :meth:`TrainingSession.step` and reads the pictures.

The network's output and loss, for K classes:

==========  ========================  ===============================================
loss        outputs                   one mini-batch's loss (mean over the batch)
==========  ========================  ===============================================
softmax     K logits                  softmax cross-entropy against the labels
sigmoid     1 logit (K = 2), else K   binary cross-entropy on logits (K > 2: one
                                      sigmoid per class against its one-hot column)
mse         K (regression: 1)         mean squared error against one-hot rows (the
                                      target value, for regression)
==========  ========================  ===============================================

L1 adds ``rate * sign(W)`` and L2 ``2 rate W`` to every weight matrix's
gradient after the backward pass (biases are not penalised); the loss
curves show the data loss alone, as TensorFlow Playground does.

One *step* is one mini-batch: forward, backward, update.  An *epoch* is one
pass over the shuffled training set (the last batch may be short).
"""
from __future__ import annotations

import itertools
from dataclasses import fields

import numpy as np

from nnlib.activations import sigmoid
from nnlib.data import one_hot
from nnlib.layers import Activation, Dense, Dropout
from nnlib.losses import (
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad,
    mse,
    mse_grad,
    softmax_cross_entropy_with_grad,
)
from nnlib.network import Sequential
from nnlib.optimizers import SGD, Adam
from nnlib.regularization import l1_grad, l2_grad
from nnlib.widgets.playground_config import Scene
from nnlib.widgets.playground_data import EXTENT, FEATURES, features, make_points, split

__all__ = ["MOMENTUM", "N_POINTS", "RESTART", "TrainingSession", "grid_points"]

N_POINTS = 500  # generated points per data set (TensorFlow Playground's number)
MOMENTUM = 0.9  # the "momentum" optimizer: SGD with PyTorch's momentum form
# Settings whose change starts training again from fresh weights (epoch 0).
RESTART = ("data", "classes", "noise", "train", "seed", "features", "layers", "activation", "loss", "init_seed")
INIT = {"relu": "he_normal", "tanh": "xavier_normal", "sigmoid": "xavier_normal", "linear": "xavier_normal"}
ACTIVATION = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "identity"}


def grid_points(size: int) -> np.ndarray:
    """Centres of a ``size x size`` grid of pixels over the plane, row by row from the top; (size², 2)."""
    centres = (np.arange(size) + 0.5) / size * 2 * EXTENT - EXTENT  # (size,) from -6 to 6
    X, Y = np.meshgrid(centres, centres[::-1])  # row 0 is the top (y = +6), as a canvas draws
    return np.column_stack([X.ravel(), Y.ravel()])


class TrainingSession:
    """A network, its data and its optimizer, for one :class:`Scene`; trained with :meth:`step`.

    Attributes
    ----------
    scene : Scene
    X_train, y_train, X_test, y_test : the points (N, 2) and labels (N,) (targets, for regression)
    model : nnlib.network.Sequential
    optimizer : nnlib.optimizers.SGD or Adam
    steps, epoch : int
        Mini-batches done and passes over the training set completed since the weights were drawn.
    """

    def __init__(self, scene: Scene | None = None):
        self.scene = scene if scene is not None else Scene()
        self._make_data()
        self._make_model()

    # ------------------------------------------------------------------ building
    @property
    def n_classes(self) -> int:
        return 1 if self.scene.regression else self.scene.classes

    @property
    def n_outputs(self) -> int:
        s = self.scene
        if s.regression or (s.loss == "sigmoid" and s.classes == 2):
            return 1
        return s.classes

    def _make_data(self) -> None:
        s = self.scene
        X, y = make_points(s.data, N_POINTS, s.classes, s.noise, rng=s.seed)
        self.X_train, self.y_train, self.X_test, self.y_test = split(X, y, s.train, rng=s.seed + 10**6)
        if s.points:  # a clicked point is a training point (classification only: the class is its label)
            clicked = np.array(s.points, dtype=np.float64)  # (P, 3)
            self.X_train = np.concatenate([self.X_train, clicked[:, :2]])
            self.y_train = np.concatenate([self.y_train, clicked[:, 2].astype(self.y_train.dtype)])
        self.F_train = features(self.X_train, s.features)  # (N_train, F)
        self.F_test = features(self.X_test, s.features)  # (N_test, F)
        self.T_train, self.T_test = self._targets(self.y_train), self._targets(self.y_test)
        self._order = np.zeros(0, dtype=np.intp)  # the epoch's shuffled order, drawn when it starts
        self._cursor = 0

    def _targets(self, y):
        """What the loss compares the output with (see the module docstring's table)."""
        s = self.scene
        if s.regression:
            return y.astype(np.float64)[:, None]  # (N, 1)
        if s.loss == "softmax":
            return y  # (N,) integer labels
        if s.loss == "sigmoid" and s.classes == 2:
            return y.astype(np.float64)[:, None]  # (N, 1) in {0, 1}
        return one_hot(y, s.classes).astype(np.float64) if len(y) else np.zeros((0, s.classes))  # (N, K)

    def _make_model(self) -> None:
        """Fresh weights from the scene's init seed; epoch 0; a new optimizer and loss history."""
        s = self.scene
        rng = np.random.default_rng(s.init_seed)
        sizes = [len(s.features), *s.layers, self.n_outputs]
        self.dense = [Dense(a, b, init=INIT[s.activation] if i < len(s.layers) else "xavier_normal", rng=rng)
                      for i, (a, b) in enumerate(itertools.pairwise(sizes))]
        self._dropout_rng = np.random.default_rng(s.init_seed + 10**6)
        self._assemble()
        self.steps = self.epoch = 0
        self._order = np.zeros(0, dtype=np.intp)
        self._cursor = 0
        self.history = []  # (steps, epoch, train loss, test loss) as recorded

    def _assemble(self) -> None:
        """The Sequential of ``self.dense`` with the scene's activation and dropout, and a fresh optimizer.

        Rebuilding keeps the Dense layers' values (``Sequential`` copies them
        into its flat buffer), so dropout can change without new weights.
        """
        s = self.scene
        layers = []
        for i, dense in enumerate(self.dense):
            layers.append(dense)
            if i < len(self.dense) - 1:
                layers.append(Activation(ACTIVATION[s.activation]))
                if s.dropout > 0:
                    layers.append(Dropout(s.dropout, rng=self._dropout_rng))
        self.model = Sequential(layers)
        self.params, self.grads = self.model.parameters(), self.model.gradients()
        self.weight_keys = [k for k in self.params if k.endswith(".W")]
        self._make_optimizer()

    def _make_optimizer(self) -> None:
        s = self.scene
        if s.optimizer == "adam":
            self.optimizer = Adam(s.lr)
        else:
            self.optimizer = SGD(s.lr, momentum=MOMENTUM if s.optimizer == "momentum" else 0.0)

    def apply(self, scene: Scene) -> None:
        """Switch to ``scene``, redoing only what the changed settings need (see ``RESTART``)."""
        old, self.scene = self.scene, scene
        changed = {f.name for f in fields(Scene) if getattr(old, f.name) != getattr(scene, f.name)}
        if changed & {"data", "classes", "noise", "train", "seed", "features", "loss", "points"}:
            self._make_data()
        if changed & set(RESTART):
            self._make_model()
        elif "dropout" in changed:
            self._assemble()
        elif "optimizer" in changed:
            self._make_optimizer()
        elif "lr" in changed:
            self.optimizer.lr = scene.lr  # the optimizer keeps its momentum / moments

    # ------------------------------------------------------------------ training
    def _loss_and_grad(self, z, t, need_loss: bool):
        """The mini-batch's data loss (if asked) and ``dL/dz``, z the output layer's (N, outputs)."""
        s = self.scene
        if not s.regression and s.loss == "softmax":
            return softmax_cross_entropy_with_grad(z, t)
        if not s.regression and s.loss == "sigmoid":
            return (binary_cross_entropy_with_logits(z, t) if need_loss else None,
                    binary_cross_entropy_with_logits_grad(z, t))
        return (mse(z, t) if need_loss else None), mse_grad(z, t)

    def next_batch(self) -> np.ndarray:
        """Indices into the training set of the mini-batch the next step uses (B,) (a new shuffle per epoch)."""
        if self._cursor >= len(self._order):
            # the epoch's order depends on the init seed and the epoch only: a scene replays exactly
            self._order = np.random.default_rng((self.scene.init_seed, self.epoch)).permutation(len(self.y_train))
            self._cursor = 0
        return self._order[self._cursor:self._cursor + self.scene.batch]

    def step(self, steps: int = 1) -> None:
        """``steps`` mini-batches of gradient descent (nothing while the training set is empty)."""
        if len(self.y_train) == 0:
            return
        s = self.scene
        for _ in range(steps):
            idx = self.next_batch()  # (B,)
            self._cursor += len(idx)
            self.model.zero_grad()
            z = self.model.forward(self.F_train[idx], training=True)  # (B, outputs)
            _, grad = self._loss_and_grad(z, self.T_train[idx], need_loss=False)
            self.model.backward(grad, need_dX=False)
            if s.reg != "none" and s.reg_rate > 0:  # the penalty's gradient on the weights, not the biases
                weights = {k: self.params[k] for k in self.weight_keys}
                penalty = (l1_grad if s.reg == "l1" else l2_grad)(weights, s.reg_rate)
                for k, g in penalty.items():
                    self.grads[k] += g
            self.optimizer.step(self.params, self.grads)
            self.steps += 1
            if self._cursor >= len(self._order):
                self.epoch += 1

    # ------------------------------------------------------------------ reading
    def outputs(self, points) -> np.ndarray:
        """The network's output for points (N, 2), in test mode (no dropout); (N, outputs)."""
        return self.model.predict(features(points, self.scene.features))

    def probabilities(self, z) -> np.ndarray:
        """Class probabilities (N, K) from outputs z; regression: the value (N, 1).

        softmax: ``softmax(z)``; sigmoid with 2 classes: ``[1 - σ(z), σ(z)]``;
        sigmoid with more: ``σ(z)`` per class (one-vs-rest, rows need not sum
        to 1); mse: the outputs clipped to [0, 1].
        """
        s = self.scene
        if s.regression:
            return z
        if s.loss == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        if s.loss == "sigmoid":
            p = sigmoid(z)
            return np.column_stack([1 - p[:, 0], p[:, 0]]) if s.classes == 2 else p
        return np.clip(z, 0.0, 1.0)

    def loss(self, split_name: str = "train") -> float:
        """The data loss on the whole training (or test) set, in test mode; NaN for an empty set."""
        F, T = (self.F_train, self.T_train) if split_name == "train" else (self.F_test, self.T_test)
        if len(T) == 0:
            return float("nan")
        return float(self._loss_and_grad(self.model.predict(F), T, need_loss=True)[0])

    def record(self) -> tuple:
        """Append (steps, epoch, train loss, test loss) to ``history`` and return it."""
        entry = (self.steps, self.epoch, self.loss("train"), self.loss("test"))
        self.history.append(entry)
        return entry

    def predict_class(self, points) -> np.ndarray:
        """The class the network gives each point (N,): the most probable one."""
        return np.argmax(self.probabilities(self.outputs(points)), axis=1)

    def confusion(self, split_name: str = "test") -> np.ndarray:
        """Counts (K, K): row = true class, column = predicted class (classification only)."""
        if self.scene.regression:
            raise ValueError("a regression problem has no confusion counts")
        X, y = (self.X_train, self.y_train) if split_name == "train" else (self.X_test, self.y_test)
        K = self.scene.classes
        counts = np.zeros((K, K), dtype=np.int64)
        if len(y):
            np.add.at(counts, (y, self.predict_class(X)), 1)
        return counts

    def surface(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """The decision surface on a ``size x size`` grid (rows from the top).

        Returns ``(cls, shade)``, both uint8 (size²,): the predicted class and
        its confidence, rescaled so that 0 is a toss-up (probability 1/K) and
        255 certainty.  Regression: ``cls`` is 0 and ``shade`` maps the value
        -1..1 to 0..255.
        """
        P = self.probabilities(self.outputs(grid_points(size)))  # (size², K) or (size², 1)
        if self.scene.regression:
            return np.zeros(len(P), np.uint8), np.round((np.clip(P[:, 0], -1, 1) + 1) * 127.5).astype(np.uint8)
        K = self.scene.classes
        cls = np.argmax(P, axis=1)
        top = P[np.arange(len(P)), cls]
        confidence = np.clip((top - 1.0 / K) / (1.0 - 1.0 / K), 0.0, 1.0)
        return cls.astype(np.uint8), np.round(confidence * 255).astype(np.uint8)

    def neuron_maps(self, size: int) -> np.ndarray:
        """Every picture of the network: int8 (maps, size, size), values -127..127.

        Order: the 7 features of ``FEATURES`` (on or off), each hidden
        layer's neurons after their activation, then the outputs (class
        probabilities, or the value for regression).  A map is divided by
        its largest absolute value (tanh, sigmoid and probabilities by 1:
        their range is fixed, so saturation shows).
        """
        points = grid_points(size)
        maps = [FEATURES[name](points) for name in FEATURES]  # (size²,) each
        X = features(points, self.scene.features)
        bounded = self.scene.activation in ("tanh", "sigmoid")
        scales = [False] * len(maps)
        for layer in self.model.layers[:-1]:
            X = layer.forward(X, training=False)
            if isinstance(layer, Activation):
                maps += list(X.T)
                scales += [bounded] * X.shape[1]
        out = self.probabilities(self.model.layers[-1].forward(X, training=False))
        if not self.scene.regression and self.scene.loss == "sigmoid" and self.scene.classes == 2:
            out = out[:, 1:]  # one output neuron: the probability of class 1
        maps += list(out.T)
        scales += [not self.scene.regression] * out.shape[1]
        stack = np.array(maps)  # (maps, size²)
        peak = np.where(scales, 1.0, np.maximum(np.abs(stack).max(axis=1), 1e-12))  # (maps,)
        return np.round(np.clip(stack / peak[:, None], -1, 1) * 127).astype(np.int8).reshape(-1, size, size)

    def weights(self) -> tuple[list, list]:
        """Every Dense layer's W (in, out) and b (out,), first layer first (the arrays themselves)."""
        return [d.params["W"] for d in self.dense], [d.params["b"] for d in self.dense]
