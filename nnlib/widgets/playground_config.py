"""A playground scene as one short string, and back.

A lecturer prepares scenes in advance and students reproduce them: every
setting of the playground (data, features, network, training, the clicked
points and both random seeds) is a :class:`Scene`, and a scene is one line
such as ``d=spiral;k=3;f=x1.x2.sin1.sin2;h=8.8.4;o=adam;r=0.01``.

The rules, chosen so that the string is short and round-trips exactly:

- ``key=value`` pairs joined by ``;``, in the fixed order of ``KEYS``;
  a setting equal to its default is left out, except the data set (the
  default scene is ``d=circle``);
- every number is an integer or one of a fixed list (learning rates and
  regularization rates as TensorFlow Playground offers them; noise and the
  train ratio as whole percentages), so no float is ever rounded;
- lists are joined by ``.`` (``h=8.8.4``: three hidden layers; ``h=0``: none);
- clicked points (``u=``) are packed 3 bytes each (x and y as steps of 0.05
  from -6: 0..240, and the class) and written in URL-safe base64.

``format_scene(parse_scene(text)) == text`` for every string this module
writes, and ``parse_scene(format_scene(scene)) == scene`` for every scene.
Bad input is refused with the key, what was expected and what came.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, fields, replace

from nnlib.widgets.playground_data import DATASETS, EXTENT, FEATURES, REGRESSION

__all__ = [
    "ACTIVATIONS",
    "DROPOUTS",
    "LEARNING_RATES",
    "LOSSES",
    "MAX_LAYERS",
    "MAX_NEURONS",
    "OPTIMIZERS",
    "REGULARIZERS",
    "REG_RATES",
    "ConfigError",
    "Scene",
    "format_scene",
    "parse_scene",
    "snap",
]

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
DROPOUTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
LOSSES = ("softmax", "sigmoid", "mse")  # cross-entropy on softmax / sigmoid outputs, or mean squared error
OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZERS = ("none", "l1", "l2")
MAX_LAYERS, MAX_NEURONS = 6, 8
GRID = 0.05  # clicked points are kept on this grid (3 bytes each in the string)


class ConfigError(ValueError):
    """A configuration string or value the playground cannot take."""


@dataclass(frozen=True)
class Scene:
    """Every setting of the playground.  Percentages are ints; rates are members of the lists above."""

    data: str = "circle"
    classes: int = 2
    noise: int = 0  # percent, 0..50 by 5
    train: int = 50  # percent of the points that train, 10..90 by 10
    seed: int = 1  # the data's random seed (Regenerate adds one)
    features: tuple = ("x1", "x2")
    layers: tuple = (4, 2)  # neurons per hidden layer
    activation: str = "tanh"
    loss: str = "sigmoid"
    optimizer: str = "sgd"
    lr: float = 0.03
    batch: int = 10
    reg: str = "none"
    reg_rate: float = 0.0
    dropout: float = 0.0
    init_seed: int = 1  # the weights' random seed (Reset adds one)
    points: tuple = ()  # clicked points ((x, y, class), ...), on the 0.05 grid

    def __post_init__(self):
        check(self)

    @property
    def regression(self) -> bool:
        return self.data in REGRESSION

    def with_(self, **changes) -> Scene:
        """A copy with some settings changed (checked like any scene)."""
        return replace(self, **changes)


# key in the string -> field; the order here is the order in the string
KEYS = {"d": "data", "k": "classes", "n": "noise", "t": "train", "s": "seed", "f": "features", "h": "layers",
        "a": "activation", "l": "loss", "o": "optimizer", "r": "lr", "b": "batch", "g": "reg", "q": "reg_rate",
        "p": "dropout", "w": "init_seed", "u": "points"}
FIELDS = {f.name: f for f in fields(Scene)}
DEFAULT = object.__new__(Scene)  # filled below without running the checks twice
for _f in fields(Scene):
    object.__setattr__(DEFAULT, _f.name, _f.default)


def _one_of(name, value, choices):
    if value not in choices:
        raise ConfigError(f"{name} must be one of {list(choices)}, got {value!r}")


def _int_in(name, value, low, high, step=1):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high or (value - low) % step:
        raise ConfigError(f"{name} must be an integer from {low} to {high}"
                          f"{f' in steps of {step}' if step > 1 else ''}, got {value!r}")


def check(scene: Scene) -> None:
    """Raise :class:`ConfigError` naming the first setting out of range (expected vs got)."""
    _one_of("data", scene.data, DATASETS)
    _int_in("classes", scene.classes, 2, 5)
    _int_in("noise", scene.noise, 0, 50, 5)
    _int_in("train", scene.train, 10, 90, 10)
    _int_in("seed", scene.seed, 0, 10**9)
    _int_in("init_seed", scene.init_seed, 0, 10**9)
    if not isinstance(scene.features, tuple) or not scene.features:
        raise ConfigError(f"features must be a non-empty tuple of {list(FEATURES)}, got {scene.features!r}")
    for name in scene.features:
        _one_of("feature", name, tuple(FEATURES))
    if len(set(scene.features)) != len(scene.features):
        raise ConfigError(f"features must not repeat, got {scene.features!r}")
    if not isinstance(scene.layers, tuple) or len(scene.layers) > MAX_LAYERS:
        raise ConfigError(f"layers must be a tuple of at most {MAX_LAYERS} layer sizes, got {scene.layers!r}")
    for size in scene.layers:
        _int_in("neurons in a layer", size, 1, MAX_NEURONS)
    _one_of("activation", scene.activation, ACTIVATIONS)
    _one_of("loss", scene.loss, LOSSES)
    if scene.data in REGRESSION and scene.loss != "mse":
        raise ConfigError(f"a regression problem ({scene.data}) trains with loss 'mse', got {scene.loss!r}")
    _one_of("optimizer", scene.optimizer, OPTIMIZERS)
    _one_of("learning rate", scene.lr, LEARNING_RATES)
    _int_in("batch", scene.batch, 1, 30)
    _one_of("regularization", scene.reg, REGULARIZERS)
    _one_of("regularization rate", scene.reg_rate, REG_RATES)
    _one_of("dropout", scene.dropout, DROPOUTS)
    for point in scene.points:
        if (not isinstance(point, tuple) or len(point) != 3 or not all(abs(v) <= EXTENT for v in point[:2])
                or any(snap(v) != v for v in point[:2])):
            raise ConfigError(f"a point must be (x, y, class) with x, y in [-6, 6] on the {GRID} grid, got {point!r}")
        _int_in("a point's class", point[2], 0, scene.classes - 1)


# ------------------------------------------------------------------ values <-> text


def _number(value) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def _pack_points(points) -> str:
    raw = bytearray()
    for x, y, label in points:
        raw += bytes([round((x + EXTENT) / GRID), round((y + EXTENT) / GRID), label])  # 0..240 each
    return base64.urlsafe_b64encode(bytes(raw)).decode("ascii").rstrip("=")


def _grid(k: int) -> float:
    return round(k * GRID - EXTENT, 2) + 0.0  # two decimals exactly (and no -0.0)


def snap(v: float) -> float:
    """The grid value nearest to ``v``: where a clicked point is kept."""
    return _grid(round((float(v) + EXTENT) / GRID))


def _unpack_points(text: str) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise ConfigError(f"u (points) must be URL-safe base64, got {text!r}") from exc
    if len(raw) % 3:
        raise ConfigError(f"u (points) must hold 3 bytes a point, got {len(raw)} bytes")
    points = []
    for i in range(0, len(raw), 3):
        points.append((_grid(raw[i]), _grid(raw[i + 1]), raw[i + 2]))
    return tuple(points)


def _text(name: str, value) -> str:
    if name == "features":
        return ".".join(value)
    if name == "layers":
        return ".".join(str(v) for v in value) if value else "0"
    if name == "points":
        return _pack_points(value)
    return _number(value) if isinstance(value, (int, float)) else str(value)


def _value(name: str, key: str, text: str):
    default = FIELDS[name].default
    try:
        if name == "features":
            return tuple(text.split("."))
        if name == "layers":
            return () if text == "0" else tuple(int(v) for v in text.split("."))
        if name == "points":
            return _unpack_points(text)
        if isinstance(default, bool):
            raise ConfigError(f"{key}: no boolean settings")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{key} ({name}) must be {'numbers joined by .' if name == 'layers' else 'a number'}, "
                          f"got {text!r}") from exc
    return text


def format_scene(scene: Scene) -> str:
    """The shortest string of ``scene``: the settings that differ from the default, in ``KEYS`` order."""
    parts = [f"{key}={_text(name, getattr(scene, name))}" for key, name in KEYS.items()
             if key == "d" or getattr(scene, name) != getattr(DEFAULT, name)]  # d always: never an empty string
    return ";".join(parts)


def parse_scene(text: str) -> Scene:
    """The scene a string describes (missing keys keep their defaults); :class:`ConfigError` if it is not one."""
    if not isinstance(text, str):
        raise ConfigError(f"a playground configuration is a string like 'd=xor;h=4', got {type(text).__name__}")
    values, seen = {}, set()
    for part in text.strip().split(";"):
        if not part.strip():
            continue
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise ConfigError(f"each setting is key=value, got {part!r}")
        if key not in KEYS:
            raise ConfigError(f"unknown key {key!r} in {part!r}; known keys: "
                              + ", ".join(f"{k} ({n})" for k, n in KEYS.items()))
        if key in seen:
            raise ConfigError(f"key {key!r} given twice")
        seen.add(key)
        name = KEYS[key]
        values[name] = _value(name, key, value)
    if "loss" not in values and values.get("data") in REGRESSION:
        values["loss"] = "mse"  # the only loss a regression problem takes (written out by format_scene)
    return Scene(**values)
