"""Reference values of the losses from PyTorch, for tests/nnlib/test_losses.py.

PyTorch is not a test dependency (CI installs only ``.[dev]``), so its
numbers are computed once, here, and committed as ``losses.json`` next to this
file: fixed float64 inputs, the loss from ``torch.nn`` (or, where torch.nn has
no such loss, the formula written with torch operations), and its gradient
with respect to the prediction from autograd.  Run it again after changing an
input or adding a case (``.venv/bin/pip install -e ".[bench]"`` brings torch):

    .venv/bin/python tests/nnlib/torch_reference/make_losses.py

``torch_cases()`` is also what the live comparison in test_losses.py calls
when torch is importable.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("losses.json")


def inputs() -> list[dict]:
    """The fixed cases: nnlib loss name, keyword arguments, y_pred, y_true (float64; labels as ints)."""
    rng = np.random.default_rng(2024)
    onehot_labels = np.array([2, 0, 1, 1])
    smoothed = 0.9 * np.eye(3)[onehot_labels] + 0.1 / 3  # label smoothing: rows sum to 1
    y_reg = rng.normal(size=(4, 3))
    cases = [
        ("mse", {}, rng.normal(size=6), rng.normal(size=6)),
        ("mse", {}, y_reg + rng.normal(size=(4, 3)), y_reg),
        ("mae", {}, np.array([2.5, 0.0, 2.1, 8.0]), np.array([3.0, -0.5, 2.0, 7.0])),
        ("mae", {}, y_reg + rng.choice([-1, 1], size=(4, 3)) * rng.uniform(0.1, 2, size=(4, 3)), y_reg),
        # residuals on both sides of delta, none on it
        ("huber", {"delta": 1.0}, np.array([2.5, 0.0, 2.0, 8.0, 20.0]), np.array([3.0, -0.5, 2.0, 7.0, 17.0])),
        ("huber", {"delta": 0.5}, y_reg + rng.choice([-1, 1], size=(4, 3)) * rng.uniform(0.05, 2, size=(4, 3)), y_reg),
        ("huber", {"delta": 2.0}, y_reg + rng.choice([-1, 1], size=(4, 3)) * rng.uniform(0.05, 5, size=(4, 3)), y_reg),
        ("binary_cross_entropy", {}, np.array([0.9, 0.2, 0.6, 0.4]), np.array([1.0, 0.0, 1.0, 0.0])),
        ("binary_cross_entropy", {}, rng.uniform(0.02, 0.98, size=(5, 2)), rng.uniform(0.0, 1.0, size=(5, 2))),
        ("binary_cross_entropy_with_logits", {}, rng.normal(scale=3, size=(6, 1)),
         rng.integers(0, 2, size=(6, 1)).astype(float)),
        ("binary_cross_entropy_with_logits", {}, np.array([1e4, -1e4, 1e4, -1e4, 35.0, -35.0, 0.0]),
         np.array([0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0])),
        ("softmax_cross_entropy", {}, np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]]), np.array([0, 2])),
        ("softmax_cross_entropy", {}, rng.normal(scale=2, size=(4, 3)), onehot_labels),
        ("softmax_cross_entropy", {}, rng.normal(scale=2, size=(4, 3)), np.eye(3)[onehot_labels]),
        ("softmax_cross_entropy", {}, rng.normal(scale=2, size=(4, 3)), smoothed),
        ("softmax_cross_entropy", {}, np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0], [3.0, 3.0, 3.0]]),
         np.array([2, 1, 0])),
        ("categorical_cross_entropy", {}, np.array([[0.659, 0.242, 0.099], [0.1, 0.3, 0.6]]),
         np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])),
        ("hinge", {}, np.array([2.0, 0.5, -1.0, -0.3, 1.7]), np.array([1.0, 1.0, 1.0, -1.0, -1.0])),
        ("focal_loss", {"gamma": 2.0}, np.array([0.9, 0.1, 0.3, 0.8]), np.array([1.0, 1.0, 0.0, 0.0])),
        ("focal_loss", {"gamma": 0.5, "alpha": 0.25}, rng.uniform(0.05, 0.95, size=(3, 2)),
         rng.integers(0, 2, size=(3, 2)).astype(float)),
        ("focal_loss", {"gamma": 0.0, "alpha": 0.75}, rng.uniform(0.05, 0.95, size=5),
         rng.integers(0, 2, size=5).astype(float)),
    ]
    return [{"loss": name, "kwargs": kw, "y_pred": p, "y_true": t} for name, kw, p, t in cases]


def _torch_loss(name, kwargs, z, t):
    """The loss in torch: torch.nn where it has it, else the formula in torch operations."""
    import torch
    import torch.nn.functional as F

    if name == "mse":
        return torch.nn.MSELoss()(z, t)
    if name == "mae":
        return torch.nn.L1Loss()(z, t)
    if name == "huber":
        return torch.nn.HuberLoss(delta=kwargs["delta"])(z, t)
    if name == "binary_cross_entropy":
        return torch.nn.BCELoss()(z, t)
    if name == "binary_cross_entropy_with_logits":
        return torch.nn.BCEWithLogitsLoss()(z, t)
    if name == "softmax_cross_entropy":  # integer labels, or probability rows (torch >= 1.10)
        return torch.nn.CrossEntropyLoss()(z, t)
    if name == "categorical_cross_entropy":  # CE on probabilities: NLL of log p, summed over classes
        return -(t * torch.log(z)).sum() / z.shape[0]
    if name == "hinge":  # torch.nn has no binary hinge with -1/+1 labels on scores
        return torch.clamp(1.0 - t * z, min=0.0).mean()
    if name == "focal_loss":  # not in torch.nn; torchvision's sigmoid_focal_loss takes logits
        gamma, alpha = kwargs["gamma"], kwargs.get("alpha")
        w1, w0 = (1.0, 1.0) if alpha is None else (alpha, 1.0 - alpha)
        return -(t * w1 * (1 - z) ** gamma * torch.log(z) + (1 - t) * w0 * z ** gamma * torch.log1p(-z)).mean()
    raise KeyError(name)


def torch_cases() -> dict:
    """Every case of :func:`inputs` with torch's loss value and autograd gradient."""
    import torch

    out = []
    for case in inputs():
        z = torch.tensor(case["y_pred"], dtype=torch.float64, requires_grad=True)
        y = np.asarray(case["y_true"])
        t = torch.tensor(y, dtype=torch.int64 if y.dtype.kind == "i" else torch.float64)
        loss = _torch_loss(case["loss"], case["kwargs"], z, t)
        loss.backward()
        out.append({**case, "value": loss.item(), "grad": z.grad.numpy().copy()})
    return {"torch_version": torch.__version__, "cases": out}


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


if __name__ == "__main__":
    reference = torch_cases()
    reference["note"] = "written by make_losses.py; float64 inputs, torch values and autograd gradients"
    OUT.write_text(json.dumps(_jsonable(reference), indent=1) + "\n")
    print(f"wrote {len(reference['cases'])} cases from torch {reference['torch_version']} to {OUT}")
