"""Reference values of the learning-rate schedules from PyTorch, for tests/nnlib/test_schedules.py.

PyTorch is not a test dependency (CI installs only ``.[dev]``), so its
numbers are computed once, here, and committed as ``schedules.json`` next to
this file: for each ``torch.optim.lr_scheduler`` scheduler, the learning
rate of epochs ``t = 0 .. T`` (read from the optimizer before the t-th
``scheduler.step()``), with the nnlib schedule that should give the same.
Run it again after changing a case (``.venv/bin/pip install -e ".[bench]"``
brings torch)::

    .venv/bin/python tests/nnlib/torch_reference/make_schedules.py

``torch_schedules()`` is also what the live comparison in test_schedules.py
calls when torch is importable.
"""
from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).with_name("schedules.json")

# (nnlib.schedules function, its keyword arguments, torch scheduler, its keyword arguments, epochs to read)
CASES = [
    ("step_decay", {"lr": 0.1, "step_size": 10, "gamma": 0.1}, "StepLR", {"step_size": 10, "gamma": 0.1}, 30),
    ("step_decay", {"lr": 0.05, "step_size": 3, "gamma": 0.5}, "StepLR", {"step_size": 3, "gamma": 0.5}, 12),
    ("exponential", {"lr": 0.1, "gamma": 0.9}, "ExponentialLR", {"gamma": 0.9}, 20),
    # torch's cosine goes back up after T_max (a cosine wave); nnlib stays at min_lr: compared up to T_max
    ("cosine", {"lr": 0.1, "total": 50, "min_lr": 0.0}, "CosineAnnealingLR", {"T_max": 50, "eta_min": 0.0}, 50),
    ("cosine", {"lr": 0.3, "total": 7, "min_lr": 0.01}, "CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}, 7),
    # a linear ramp from lr / 5 to lr over 5 epochs: LinearLR(start_factor=1/5, total_iters=4)
    ("linear_warmup", {"lr": 0.1, "warmup": 5}, "LinearLR", {"start_factor": 0.2, "end_factor": 1.0, "total_iters": 4},
     10),
]


def torch_schedules() -> dict:
    """Every case with torch's learning rate at t = 0 .. epochs."""
    import torch

    out = []
    for name, kwargs, torch_name, torch_kwargs, epochs in CASES:
        weight = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([weight], lr=kwargs["lr"])
        scheduler = getattr(torch.optim.lr_scheduler, torch_name)(optimizer, **torch_kwargs)
        lrs = []
        for _ in range(epochs + 1):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()  # torch wants a step before the scheduler's
            scheduler.step()
        out.append({"schedule": name, "kwargs": kwargs, "torch": torch_name, "torch_kwargs": torch_kwargs,
                    "lrs": lrs})
    return {"torch_version": torch.__version__, "cases": out}


if __name__ == "__main__":
    reference = torch_schedules()
    reference["note"] = "written by make_schedules.py; lr at epochs 0..T read before each scheduler.step()"
    OUT.write_text(json.dumps(reference, indent=1) + "\n")
    print(f"wrote {len(reference['cases'])} cases from torch {reference['torch_version']} to {OUT}")
