"""Reference values of chapter 07's regularizers from PyTorch, for tests/nnlib/test_regularization.py.

PyTorch is not a test dependency (CI installs only ``.[dev]``), so its
numbers are computed once, here, and committed as ``regularization.json``
next to this file:

- ``penalties``: fixed float64 (W, b) pairs with some weights exactly 0, and
  the gradients torch's autograd gives for ``lam * sum W^2`` and
  ``lam * sum |W|`` (biases left out of both: their gradient is 0);
- ``sgd_l2``: five ``torch.optim.SGD`` steps with two parameter groups, the
  weights with ``weight_decay = 2 lam`` and the biases without, from fixed
  weights and gradients (what ``sgd_step_l2`` must reproduce);
- ``softshrink``: ``torch.nn.functional.softshrink(w, t)`` (soft-thresholding);
- ``dropout``: ``torch.nn.functional.dropout`` on a (400, 50) array of ones
  with p = 0.3 in training: the distinct values it writes (0 and 1/(1 - p))
  and the fraction of zeros; and the identity at test time.

Run it again after changing a case (torch is in ``.[bench]``)::

    .venv/bin/python tests/nnlib/torch_reference/make_regularization.py
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("regularization.json")
STEPS = 5


def penalty_inputs() -> list[dict]:
    """(W, b) pairs of a 3-4-2 network with a few weights set to exactly 0 (where |W| has its kink)."""
    rng = np.random.default_rng(707)
    cases = []
    for lam in (0.01, 0.3):
        params = [(rng.normal(size=(3, 4)), rng.normal(size=4)), (rng.normal(size=(4, 2)), rng.normal(size=2))]
        params[0][0][0, 1] = 0.0
        params[1][0][2, 0] = 0.0
        cases.append({"lam": lam, "params": params})
    return cases


def torch_penalties() -> list[dict]:
    import torch

    out = []
    for case in penalty_inputs():
        grads = {}
        for kind in ("l2", "l1"):
            tensors = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
                       for W, b in case["params"]]
            weights = [W for W, _ in tensors]
            term = sum((W ** 2).sum() for W in weights) if kind == "l2" else sum(W.abs().sum() for W in weights)
            penalty = case["lam"] * term + 0.0 * sum(b.sum() for _, b in tensors)  # b in the graph, gradient 0
            penalty.backward()
            grads[kind] = {"penalty": float(penalty.detach()),
                           "grads": [(W.grad.numpy().copy(), b.grad.numpy().copy()) for W, b in tensors]}
        out.append({**case, **grads})
    return out


def sgd_inputs() -> list[dict]:
    rng = np.random.default_rng(708)
    cases = []
    for lr, lam in ((0.1, 0.01), (0.5, 0.2)):
        params = [(rng.normal(size=(3, 4)), rng.normal(size=4)), (rng.normal(size=(4, 1)), rng.normal(size=1))]
        grads = [[(rng.normal(size=W.shape), rng.normal(size=b.shape)) for W, b in params] for _ in range(STEPS)]
        cases.append({"lr": lr, "lam": lam, "params": params, "grads": grads})
    return cases


def torch_sgd_l2() -> list[dict]:
    import torch

    out = []
    for case in sgd_inputs():
        tensors = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
                   for W, b in case["params"]]
        optimizer = torch.optim.SGD([{"params": [W for W, _ in tensors], "weight_decay": 2 * case["lam"]},
                                     {"params": [b for _, b in tensors], "weight_decay": 0.0}], lr=case["lr"])
        after = []
        for grads in case["grads"]:
            for (W, b), (dW, db) in zip(tensors, grads):
                W.grad, b.grad = torch.tensor(dW), torch.tensor(db)
            optimizer.step()
            after.append([(W.detach().numpy().copy(), b.detach().numpy().copy()) for W, b in tensors])
        out.append({**case, "after": after})
    return out


def softshrink_inputs() -> list[dict]:
    rng = np.random.default_rng(709)
    return [{"w": np.array([0.3, -0.05, 0.002, -1.0]), "t": 0.1},
            {"w": rng.normal(size=(5, 6)), "t": 0.5},
            {"w": np.array([-0.5, 0.5, 0.49, -0.51, 0.0]), "t": 0.5}]


def torch_softshrink() -> list[dict]:
    import torch

    return [{**case, "out": torch.nn.functional.softshrink(torch.tensor(case["w"]), case["t"]).numpy().copy()}
            for case in softshrink_inputs()]


def torch_dropout() -> dict:
    import torch

    torch.manual_seed(710)
    p = 0.3
    ones = torch.ones(400, 50, dtype=torch.float64)
    train = torch.nn.functional.dropout(ones, p=p, training=True).numpy()
    test = torch.nn.functional.dropout(ones, p=p, training=False).numpy()
    return {"p": p, "values": sorted(set(np.round(train, 12).ravel().tolist())),
            "zero_fraction": float(np.mean(train == 0)), "mean": float(train.mean()),
            "test_is_identity": bool(np.array_equal(test, ones.numpy()))}


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def reference() -> dict:
    import torch

    return {"torch_version": torch.__version__,
            "note": "written by make_regularization.py; float64 inputs and torch's autograd, SGD, softshrink "
                    "and dropout results",
            "penalties": torch_penalties(), "sgd_l2": torch_sgd_l2(), "softshrink": torch_softshrink(),
            "dropout": torch_dropout()}


if __name__ == "__main__":
    ref = reference()
    OUT.write_text(json.dumps(_jsonable(ref)) + "\n")
    print(f"wrote {len(ref['penalties'])} penalty, {len(ref['sgd_l2'])} SGD, {len(ref['softshrink'])} softshrink "
          f"cases and one dropout summary from torch {ref['torch_version']} to {OUT}")
