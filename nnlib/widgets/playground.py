"""The playground: a whole network learning live, TensorFlow-Playground style, on nnlib.

``playground()`` in a notebook cell (or ``nncourse present playground`` for
the lecture view) shows a 2-D problem, the features fed to a network, the
network itself with a small picture of every neuron's output over the
plane, the decision surface and the loss curves, all changing while the
network trains.  Every setting is one click away; a whole scene is one short
string (:mod:`nnlib.widgets.playground_config`) that can be copied out,
pasted in, or given as ``playground("d=xor;h=4.4")``.

Who does what
-------------
- **The kernel trains** (:class:`~nnlib.widgets.playground_session.TrainingSession`,
  plain nnlib) and, about 50 times a second while playing, sends a *frame*:
  the decision surface as two uint8 arrays of 48 x 48 (class, confidence),
  every neuron's picture as int8 arrays of 20 x 20, the weights as float32,
  the loss history and the confusion counts.  That is ~15 kB of binary
  buffers, not PNG images.
- **The browser draws** (``playground.js``, an ``anywidget`` ES module):
  colour maps, points, the network's connections (colour = sign, width =
  size of the weight), hover views, the loss curves, at its own animation
  frame rate; the controls are its own HTML, sending small messages back.

Why a canvas front end and not PNGs through ipywidgets: the surface and 24
neuron pictures drawn with matplotlib and encoded as one PNG took ~280 ms
and ~200 kB a frame here (a loaded 2-core machine); a binary frame of the
same network takes ~0.8 ms and ~15 kB.  PNG frames would cap the animation
at a few frames per second and take that time from training.

Training does not block the kernel: it runs in a **background thread**,
in chunks of a few mini-batches.  A thread rather than a task on the
kernel's event loop, because the loop is the kernel's own (ipykernel 7 runs
comm messages on subshell threads; Voilà and tests drive other loops), and a
thread behaves the same under all of them.  The trainer trains for 60 % of
each frame's 20 ms, sends the frame, and sleeps the rest: sleeping releases
the GIL, so the kernel's own thread reads and answers messages meanwhile
instead of waiting up to 5 ms for each handover.  Every touch of the session —
a training chunk, a control change, drawing a frame — holds one lock, so a
control never sees half a step; a control change waiting for the lock makes
the trainer hand it over at the end of its current chunk (< 1 ms), which is
what keeps a click answered within 100 ms while training runs.

While nbgrader grades, ``playground()`` returns a one-line note (no thread).
"""
from __future__ import annotations

import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

import anywidget
import ipywidgets
import numpy as np
import traitlets

from nnlib.widgets._base import lecture_hide, show
from nnlib.widgets._lecture import lecture_view, remember
from nnlib.widgets.playground_config import (
    ACTIVATIONS,
    DROPOUTS,
    LEARNING_RATES,
    LOSSES,
    MAX_LAYERS,
    MAX_NEURONS,
    OPTIMIZERS,
    REG_RATES,
    REGULARIZERS,
    Scene,
    format_scene,
    parse_scene,
    snap,
)
from nnlib.widgets.playground_data import (
    DATASETS,
    EXTENT,
    FEATURE_LABELS,
    FEATURES,
    REGRESSION,
)
from nnlib.widgets.playground_session import TrainingSession

__all__ = ["CONTROLS", "FPS", "MAP_SIZE", "SURFACE_SIZE", "Playground", "PlaygroundView", "playground"]

SURFACE_SIZE = 48  # the decision surface's grid (the browser smooths it to 230 px)
MAP_SIZE = 20  # each neuron's picture
FPS = 50  # frames sent per second while training
TRAIN_SHARE = 0.6  # of each frame's time, the rest left to the kernel's own thread (messages, controls)
CHUNK = 8  # mini-batches between looks at whether a control waits for the session
DIVERGED = "The loss is no longer a finite number: training diverged. Try a smaller learning rate, then Reset."
HISTORY = 400  # loss-curve points kept (halved by dropping every other one when full)

# Every control of the front end, by the name hide= and NNCOURSE_HIDE use.
CONTROLS = ("reset", "play", "step", "data", "classes", "noise", "train", "regenerate", "add", "features", "layers",
            "neurons", "activation", "loss", "optimizer", "lr", "batch", "reg", "reg_rate", "dropout", "config")
# The drop-downs: scene field -> its choices (the browser shows them, sends back an index).
CHOICES = {"data": list(DATASETS), "classes": [2, 3, 4, 5], "activation": list(ACTIVATIONS), "loss": list(LOSSES),
           "optimizer": list(OPTIMIZERS), "lr": list(LEARNING_RATES), "batch": list(range(1, 31)),
           "reg": list(REGULARIZERS), "reg_rate": list(REG_RATES), "dropout": list(DROPOUTS),
           "noise": list(range(0, 55, 5)), "train": list(range(10, 100, 10))}


class PlaygroundView(anywidget.AnyWidget):
    """The browser side (``playground.js``): what it is sent, as traits; what it asks, as messages.

    Binary traits (one message per frame, under ``hold_sync``):
    ``surface`` uint8 (2, S, S) class and confidence; ``maps`` int8 (maps, M, M);
    ``weights`` float32 (every W row-major, then every b); ``history`` float32
    (n, 2) train and test loss; ``confusion`` int32 (K, K); ``points`` float32
    (n, 3) x, y, label (training points first, ``info["n_train"]`` of them).
    """

    _esm = Path(__file__).with_name("playground.js")
    # Sizes in em of the widget's own font (13 px in a notebook, 16 px in the lecture view): one layout, two scales.
    _css = """
    .nnpg { font-family: var(--jp-ui-font-family, sans-serif); color: #222; width: 62.6em; line-height: 1.25;
            display: flex; flex-direction: column; gap: 0.35em; }
    .nnpg-bar { display: flex; gap: 0.4em; align-items: center; }
    .nnpg-button { font-size: 1em; height: 2em; width: auto; min-width: 5em; padding: 0 0.7em; }
    .nnpg-wide { width: 100%; margin: 0.2em 0; }
    .nnpg-small { font-size: 1em; height: 1.6em; width: 1.8em; min-width: 0; padding: 0; line-height: 1; }
    .nnpg-counter { margin-left: 0.8em; font-variant-numeric: tabular-nums; }
    .nnpg-main { display: flex; gap: 0.6em; align-items: flex-start; }
    .nnpg-left { width: 12.8em; flex: none; display: flex; flex-direction: column; gap: 0.15em; }
    .nnpg-middle, .nnpg-right { flex: none; }
    .nnpg-right { width: 17.85em; display: flex; flex-direction: column; gap: 0.2em; }
    .nnpg-heading { font-weight: bold; text-transform: uppercase; font-size: 0.95em; color: #555; margin-top: 0.2em; }
    .nnpg-row { display: flex; align-items: center; justify-content: space-between; gap: 0.3em; }
    .nnpg-label { white-space: nowrap; }
    .nnpg-select { font-size: 1em; width: 6.6em; height: 1.75em; }
    .nnpg-net { position: relative; flex: none; }
    .nnpg-net canvas { position: absolute; left: 0; top: 0; }
    .nnpg-layerbar { position: absolute; left: 7.5em; top: 0; display: flex; gap: 0.3em; align-items: center; }
    .nnpg-neuronbar { position: absolute; top: 1.9em; width: 3.7em; display: flex; flex-wrap: wrap;
                      justify-content: center; gap: 0.1em; }
    .nnpg-neuroncount { width: 100%; text-align: center; font-size: 0.95em; }
    .nnpg-hint { position: absolute; left: 0; bottom: 0; color: #666; white-space: nowrap; }
    .nnpg-hover { position: absolute; display: none; background: white; border: 1px solid #888; padding: 0.3em;
                  box-shadow: 0 2px 6px rgba(0,0,0,0.25); pointer-events: none; z-index: 2; }
    .nnpg-hover canvas { position: static; display: block; }
    .nnpg-hover-text { white-space: nowrap; margin-top: 0.2em; }
    .nnpg-losstext { white-space: pre; font-variant-numeric: tabular-nums; }
    .nnpg-surface { cursor: crosshair; border: 1px solid #ccc; }
    .nnpg-confusion { border-collapse: collapse; font-size: 0.95em; font-variant-numeric: tabular-nums; }
    .nnpg-confusion caption { text-align: left; color: #555; }
    .nnpg-confusion th, .nnpg-confusion td { padding: 0 0.35em; text-align: right; font-weight: normal; }
    .nnpg-confusion td { border: 1px solid #ddd; min-width: 2.2em; }
    .nnpg-confusion td.nnpg-diagonal { background: #eef5ee; }
    .nnpg-config { display: flex; gap: 0.4em; align-items: center; }
    .nnpg-config-input { flex: 1; font-family: var(--jp-code-font-family, monospace); font-size: 1em; height: 1.8em; }
    .nnpg-status { min-height: 1.25em; }
    .nnpg-status.nnpg-error { color: #b00020; }
    """
    scene = traitlets.Dict({}).tag(sync=True)
    config = traitlets.Unicode("").tag(sync=True)
    choices = traitlets.Dict({}).tag(sync=True)
    labels = traitlets.Dict({}).tag(sync=True)
    hidden = traitlets.List([]).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    font_px = traitlets.Float(13.0).tag(sync=True)
    info = traitlets.Dict({}).tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    points = traitlets.Bytes(b"").tag(sync=True)
    surface = traitlets.Bytes(b"").tag(sync=True)
    maps = traitlets.Bytes(b"").tag(sync=True)
    weights = traitlets.Bytes(b"").tag(sync=True)
    history = traitlets.Bytes(b"").tag(sync=True)
    confusion = traitlets.Bytes(b"").tag(sync=True)


_TRAINING: weakref.WeakSet = weakref.WeakSet()  # the playground whose thread trains (at most one)


class _Control:
    """A front-end control's name (``Playground.controls``): it has no ``.value`` in the kernel."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<playground control {self.name}>"


class Playground:
    """A live-training playground (see the module docstring).

    Parameters
    ----------
    config : str
        A scene string (``"d=xor;h=4.4"``); settings not in it keep their defaults.
    hide : iterable of str
        Controls to keep off the screen (any of ``CONTROLS``); ``NNCOURSE_HIDE``
        adds to them.
    **settings
        Scene fields set on top of ``config``, e.g. ``layers=(8, 8)``.

    Attributes
    ----------
    session : TrainingSession
    view : PlaygroundView
    """

    def __init__(self, config: str = "", hide=(), **settings):
        scene = parse_scene(config)
        unknown = set(settings) - {f.name for f in fields(Scene)}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; expected some of {[f.name for f in fields(Scene)]}")
        if settings:
            scene = scene.with_(**{k: tuple(v) if isinstance(v, list) else v for k, v in settings.items()})
        self.hidden_controls = {hide} if isinstance(hide, str) else set(hide)
        bad = self.hidden_controls - set(CONTROLS)
        if bad:
            raise ValueError(f"hide names unknown controls {sorted(bad)}; known: {sorted(CONTROLS)}")
        self.controls = {name: _Control(name) for name in CONTROLS}
        self.session = TrainingSession(scene)
        self.first_scene = scene
        self._lock = threading.Lock()
        self._waiting = 0  # control changes waiting for the lock (the trainer then hands it over)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._frames = 0
        self._version = 0  # counts scene changes: a frame says which scene it shows
        self.view = PlaygroundView(choices=CHOICES, labels={"features": [[k, FEATURE_LABELS[k]] for k in FEATURES],
                                                            "regression": list(REGRESSION)})
        self.view.on_msg(self._on_msg)
        self._box = None
        self.session.record()
        self._send_scene()
        self._send_points()
        self._send_frame()

    # ------------------------------------------------------------------ the lock
    @contextmanager
    def _holding(self):
        """The session to oneself: the trainer stops at its next chunk's end and waits."""
        self._waiting += 1
        try:
            self._lock.acquire()
        finally:
            self._waiting -= 1
        try:
            yield self.session
        finally:
            self._lock.release()

    # ------------------------------------------------------------------ sending
    def _send_scene(self) -> None:
        self._version += 1
        s = self.session.scene
        self.view.scene = {"data": s.data, "classes": s.classes, "noise": s.noise, "train": s.train,
                           "features": list(s.features), "layers": list(s.layers), "activation": s.activation,
                           "loss": s.loss, "optimizer": s.optimizer, "lr": s.lr, "batch": s.batch, "reg": s.reg,
                           "reg_rate": s.reg_rate, "dropout": s.dropout, "regression": s.regression,
                           "version": self._version}
        self.view.config = format_scene(s)

    def _send_points(self) -> None:
        s = self.session
        X = np.concatenate([s.X_train, s.X_test])  # (n, 2)
        y = np.concatenate([s.y_train, s.y_test]).astype(np.float64)  # (n,)
        self.view.points = np.column_stack([X, y]).astype(np.float32).tobytes() if len(y) else b""
        self._n_train = len(s.y_train)

    def _send_frame(self) -> None:
        """Compute the pictures and send them in one message (the caller holds the session)."""
        with np.errstate(all="ignore"):  # a diverged network (lr 10) is drawn, not warned about at 50 Hz
            self._frame()

    def _frame(self) -> None:
        s = self.session
        cls, shade = s.surface(SURFACE_SIZE)
        maps = s.neuron_maps(MAP_SIZE)
        W, b = s.weights()
        weights = np.concatenate([w.ravel() for w in W] + [v.ravel() for v in b]).astype(np.float32)
        history = np.array([h[2:] for h in s.history], dtype=np.float32).reshape(-1, 2)
        train_loss, test_loss = s.history[-1][2:] if s.history else (np.nan, np.nan)
        confusion = (np.zeros((0, 0)) if s.scene.regression else s.confusion("test")).astype(np.int32)
        self._frames += 1
        scene = s.scene
        info = {"frame": self._frames, "version": self._version, "steps": s.steps, "epoch": s.epoch,
                "train_loss": _finite(train_loss), "test_loss": _finite(test_loss), "n_train": self._n_train,
                "arch": [len(FEATURES), *scene.layers, s.n_outputs], "inputs": list(scene.features),
                "surface_size": SURFACE_SIZE, "map_size": MAP_SIZE, "classes": s.n_classes,
                "regression": scene.regression, "extent": EXTENT}
        diverged = s.steps > 0 and len(s.y_train) > 0 and not np.isfinite(train_loss)
        if diverged or self.view.status == DIVERGED:
            self.view.status = DIVERGED if diverged else ""
        with self.view.hold_sync():
            self.view.surface = np.concatenate([cls, shade]).tobytes()
            self.view.maps = maps.tobytes()
            self.view.weights = weights.tobytes()
            self.view.history = history.tobytes()
            self.view.confusion = confusion.tobytes()
            self.view.info = info

    # ------------------------------------------------------------------ the trainer
    def _train(self) -> None:
        """The background thread: train until a frame is due, send it, again; until paused."""
        period = 1.0 / FPS
        while not self._stop.is_set():
            start = time.perf_counter()
            due, train_until = start + period, start + TRAIN_SHARE * period
            with self._lock:
                if self._stop.is_set():
                    break
                with np.errstate(all="ignore"):  # divergence shows in the loss and the status line
                    while time.perf_counter() < train_until and not self._waiting:
                        self.session.step(CHUNK)
                self._record()
                self._send_frame()
            # Sleeping releases the GIL: the kernel's own thread reads and answers messages meanwhile
            # (a Python thread that never sleeps gets the GIL back only every 5 ms, per handover).
            time.sleep(0.001 if self._waiting else max(0.0, due - time.perf_counter()))

    def _record(self) -> None:
        s = self.session
        with np.errstate(all="ignore"):  # a diverged network's loss is inf or NaN: shown as such
            s.record()
        if len(s.history) > HISTORY:  # keep the first point, halve the rest
            s.history[1:] = s.history[2::2]

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def play(self) -> None:
        """Train in the background (the kernel stays free) until :meth:`pause`.

        One playground trains at a time in a kernel: Play pauses any other
        (a cell run twice leaves its first playground behind, still shown;
        two trainers would halve each other's frames on a 2-core laptop).
        """
        if self.playing:
            return
        for other in list(_TRAINING):
            if other is not self:
                other.pause()
        _TRAINING.add(self)
        self._stop.clear()
        self._thread = threading.Thread(target=self._train, name="nnlib-playground", daemon=True)
        self._thread.start()
        self.view.playing = True

    def pause(self) -> None:
        """Stop training after the current chunk; the last frame stays on screen."""
        thread = self._thread
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None
        _TRAINING.discard(self)
        self.view.playing = False

    def step(self, batches: int = 1) -> None:
        """Train ``batches`` mini-batches now (paused), and show them."""
        self.pause()
        with self._holding() as s, np.errstate(all="ignore"):
            s.step(batches)
            self._record()
            self._send_frame()

    def close(self) -> None:
        self.pause()
        if self._box is not None:
            self._box.close()
        self.view.close()

    # ------------------------------------------------------------------ changes
    def set(self, **changes) -> None:
        """Change scene settings (``lr=0.1``, ``layers=(8, 8)``, ...); training goes on if it was running."""
        with self._holding() as s:
            scene = s.scene.with_(**changes)
            self._apply(scene)

    def _apply(self, scene: Scene) -> None:
        """(holding the session) switch scene, send what changed, and a frame."""
        s = self.session
        old = s.scene
        s.apply(scene)
        if not s.history:  # a restart cleared it: the curve starts at the fresh weights' loss
            s.record()
        data_changed = any(getattr(old, k) != getattr(scene, k)
                           for k in ("data", "classes", "noise", "train", "seed", "points"))
        self._send_scene()
        if data_changed:
            self._send_points()
        self.view.status = ""
        self._send_frame()

    def load(self, config: str) -> None:
        """Switch to the scene a configuration string describes (training restarts)."""
        scene = parse_scene(config)
        with self._holding():
            self._apply(scene)

    @property
    def scene(self) -> Scene:
        return self.session.scene

    @property
    def config(self) -> str:
        """The scene as one short string (paste it into ``playground("…")`` to get it back)."""
        return format_scene(self.session.scene)

    def restart(self) -> None:
        """New random weights (the init seed + 1), epoch 0: the Reset button."""
        self.set(init_seed=self.scene.init_seed + 1)

    def regenerate(self) -> None:
        """New points of the same problem (the data seed + 1)."""
        self.set(seed=self.scene.seed + 1)

    def add_point(self, x: float, y: float, label: int) -> None:
        """A training point of class ``label`` at (x, y) (snapped to the 0.05 grid)."""
        if self.scene.regression:
            raise ValueError("points are added to classification problems only; this one is a regression")
        point = (snap(x), snap(y), int(label))
        self.set(points=(*self.scene.points, point))

    def update(self) -> None:
        """Send the current frame again (what every chapter widget's ``update`` does: redraw)."""
        with self._holding():
            self._send_frame()

    def reset(self) -> None:
        """Back to the scene first shown, paused (the lecture view's "Reset widgets")."""
        self.pause()
        with self._holding() as s:
            s.scene = self.first_scene
            s._make_data()
            s._make_model()  # fresh weights even when the scene did not change
            s.record()
            self._send_scene()
            self._send_points()
            self.view.status = ""
            self._send_frame()

    # ------------------------------------------------------------------ the browser's messages
    def _on_msg(self, _view, content, _buffers) -> None:
        try:
            self._handle(content)
        except (ValueError, KeyError, IndexError, TypeError) as exc:  # ConfigError is a ValueError
            self.view.status = str(exc) if isinstance(exc, ValueError) else f"bad message {content!r}: {exc!r}"

    def _handle(self, content: dict) -> None:
        kind = content.get("kind")
        if kind == "action":
            action = content.get("name")
            actions = {"play": self.play, "pause": self.pause, "step": self.step, "reset": self.restart,
                       "regenerate": self.regenerate}
            if action not in actions:
                raise ValueError(f"unknown action {action!r}; expected one of {sorted(actions)}")
            actions[action]()
        elif kind == "set":
            name, index = content.get("name"), content.get("index")
            if name not in CHOICES:
                raise ValueError(f"unknown setting {name!r}; expected one of {sorted(CHOICES)}")
            value = CHOICES[name][int(index)]
            changes = {name: value}
            if name == "data":  # regression trains with MSE; back to classification: cross-entropy
                if value in REGRESSION:
                    changes["loss"] = "mse"
                elif self.scene.regression:
                    changes["loss"] = "sigmoid"
                changes["points"] = ()
            if name == "classes":
                changes["points"] = tuple(p for p in self.scene.points if p[2] < value)
            self.set(**changes)
        elif kind == "feature":
            name = content.get("name")
            on = list(self.scene.features)
            on = [f for f in on if f != name] if name in on else on + [name]
            if not on:
                raise ValueError("at least one feature must stay on")
            self.set(features=tuple(f for f in FEATURES if f in on))
        elif kind == "layers":
            layers = list(self.scene.layers)
            if content.get("delta", 0) > 0 and len(layers) < MAX_LAYERS:
                layers.append(layers[-1] if layers else 2)
            elif content.get("delta", 0) < 0 and layers:
                layers.pop()
            self.set(layers=tuple(layers))
        elif kind == "neurons":
            layers = list(self.scene.layers)
            i = int(content.get("layer"))
            if not 0 <= i < len(layers):
                raise ValueError(f"no hidden layer {i}: the network has {len(layers)}")
            layers[i] = int(np.clip(layers[i] + int(content.get("delta")), 1, MAX_NEURONS))
            self.set(layers=tuple(layers))
        elif kind == "add":
            self.add_point(float(content["x"]), float(content["y"]), int(content["label"]))
        elif kind == "config":
            self.load(str(content.get("text", "")))
        else:
            raise ValueError(f"unknown message {content!r}")

    # ------------------------------------------------------------------ showing
    @property
    def widget(self) -> ipywidgets.VBox:
        """The view in a VBox, like every chapter widget (so the browser tests and tools find it the same way)."""
        remember(self)  # no kernel-side values: the lecture view's reset calls reset()
        self.view.hidden = sorted((self.hidden_controls | lecture_hide()) & set(CONTROLS))
        self.view.font_px = 16.0 if lecture_view() else 13.0
        if self._box is None:
            self._box = ipywidgets.VBox([self.view])
        return self._box

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _finite(v) -> float | None:
    return float(v) if v is not None and np.isfinite(v) else None


def playground(config: str = "", hide=(), **settings):
    """A :class:`Playground` (or a one-line note while nbgrader grades): ``playground("d=xor;h=4.4")``."""
    return show(Playground, config, hide=hide, **settings)
