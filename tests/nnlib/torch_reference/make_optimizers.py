"""Reference values of the optimizers and of gradient clipping from PyTorch, for tests/nnlib.

PyTorch is not a test dependency (CI installs only ``.[dev]``), so its
numbers are computed once, here, and committed as ``optimizers.json`` next
to this file:

- ``optimizers``: for each ``torch.optim`` optimizer and setting, fixed
  float64 starting weights (a (3, 4) matrix and a (4,) vector), five fixed
  gradients per weight, and the weights after each of the five ``step()``
  calls (``p.grad`` set to the given gradient before each step);
- ``clip_grad_norm``: fixed float64 gradients, ``max_norm``, the norm
  ``torch.nn.utils.clip_grad_norm_`` returns and the gradients it leaves.

Run it again after changing a case (``.venv/bin/pip install -e ".[bench]"``
brings torch)::

    .venv/bin/python tests/nnlib/torch_reference/make_optimizers.py

``torch_optimizers()`` and ``torch_clipping()`` are also what the live
comparisons in test_optimizers.py and test_regularization.py call when torch
is importable.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("optimizers.json")
STEPS = 5

# nnlib.optimizers.OPTIMIZERS name, its keyword arguments (the same names in torch.optim), torch class name
SETTINGS = [
    ("sgd", {"lr": 0.1}, "SGD"),
    ("sgd", {"lr": 0.05, "momentum": 0.9}, "SGD"),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, "SGD"),
    ("sgd", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}, "SGD"),
    ("adagrad", {"lr": 0.3, "eps": 1e-10}, "Adagrad"),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-8}, "RMSprop"),
    ("rmsprop", {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "momentum": 0.8}, "RMSprop"),
    ("adadelta", {"lr": 1.0, "rho": 0.9, "eps": 1e-6}, "Adadelta"),
    ("adam", {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8}, "Adam"),
    ("adam", {"lr": 0.01, "betas": [0.8, 0.9], "eps": 1e-3, "weight_decay": 0.1}, "Adam"),
    ("adamw", {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.5}, "AdamW"),
    ("adamw", {"lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01}, "AdamW"),
]


def optimizer_inputs() -> list[dict]:
    """The fixed cases: setting, starting weights and the gradients of every step (float64).

    Gradients of very different scales per case (1e-4 to 10) so that ``eps``
    and the normalisation of the adaptive rules both show in the numbers.
    """
    rng = np.random.default_rng(505)
    cases = []
    for name, kwargs, torch_name in SETTINGS:
        scale = float(rng.choice([1e-4, 0.1, 1.0, 10.0]))
        params = [rng.normal(size=(3, 4)), rng.normal(size=4)]
        grads = [[scale * rng.normal(size=p.shape) for p in params] for _ in range(STEPS)]
        cases.append({"optimizer": name, "kwargs": kwargs, "torch": torch_name, "grad_scale": scale,
                      "params": params, "grads": grads})
    return cases


def torch_optimizers() -> dict:
    """Every case of :func:`optimizer_inputs` with the weights after each torch step."""
    import torch

    out = []
    for case in optimizer_inputs():
        tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in case["params"]]
        kwargs = {k: tuple(v) if k == "betas" else v for k, v in case["kwargs"].items()}
        optimizer = getattr(torch.optim, case["torch"])(tensors, **kwargs)
        after = []
        for grads in case["grads"]:
            for t, g in zip(tensors, grads):
                t.grad = torch.tensor(g, dtype=torch.float64)
            optimizer.step()
            after.append([t.detach().numpy().copy() for t in tensors])
        out.append({**case, "after": after})
    return {"torch_version": torch.__version__, "cases": out}


def clipping_inputs() -> list[dict]:
    """Gradients and max_norm: the syllabus case (3, 4), (12) -> norm 13, one unclipped, random ones."""
    rng = np.random.default_rng(506)
    return [
        {"grads": [np.array([3.0, 4.0]), np.array([12.0])], "max_norm": 5.0},
        {"grads": [np.array([0.3, 0.4]), np.array([1.2])], "max_norm": 5.0},  # norm 1.3: left alone
        {"grads": [rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(3, 2))], "max_norm": 1.0},
        {"grads": [100 * rng.normal(size=(5, 5))], "max_norm": 0.5},
    ]


def torch_clipping() -> dict:
    """Every case of :func:`clipping_inputs` with the norm torch returns and the gradients it leaves."""
    import torch

    out = []
    for case in clipping_inputs():
        tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in case["grads"]]
        for t, g in zip(tensors, case["grads"]):
            t.grad = torch.tensor(g, dtype=torch.float64)
        norm = torch.nn.utils.clip_grad_norm_(tensors, case["max_norm"])
        out.append({**case, "norm": float(norm), "clipped": [t.grad.numpy().copy() for t in tensors]})
    return {"torch_version": torch.__version__, "cases": out}


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


if __name__ == "__main__":
    optimizers, clipping = torch_optimizers(), torch_clipping()
    reference = {"torch_version": optimizers["torch_version"],
                 "note": "written by make_optimizers.py; float64 inputs, weights after each torch.optim step, "
                         "and torch.nn.utils.clip_grad_norm_ results",
                 "optimizers": optimizers["cases"], "clip_grad_norm": clipping["cases"]}
    OUT.write_text(json.dumps(_jsonable(reference)) + "\n")
    print(f"wrote {len(reference['optimizers'])} optimizer and {len(reference['clip_grad_norm'])} clipping cases "
          f"from torch {reference['torch_version']} to {OUT}")
