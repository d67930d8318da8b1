"""Reference values of batch norm, layer norm and the init scales from PyTorch, for tests/nnlib/test_normalization.py.

PyTorch is not a test dependency (CI installs only ``.[dev]``), so its
numbers are computed once, here, and committed as ``normalization.json`` next
to this file:

- batch norm in training mode (``torch.nn.functional.batch_norm`` with
  ``training=True``): the output, the running mean and variance after one
  update, and the gradients of ``sum(Y * G)`` (a fixed upstream gradient G)
  with respect to X, gamma and beta from autograd; then one evaluation-mode
  output from those running statistics;
- layer norm (``torch.nn.functional.layer_norm`` over the last axis): output
  and gradients the same way;
- the scale of each initialisation scheme as torch computes it
  (``torch.nn.init._calculate_fan_in_and_fan_out`` and the formulas of
  ``xavier_*_`` and ``kaiming_*_``), and the variance and largest magnitude of
  a large torch draw of each.

Run it again after changing a case (``.venv/bin/pip install -e ".[bench]"``
brings torch)::

    .venv/bin/python tests/nnlib/torch_reference/make_normalization.py

``torch_cases()`` is also what the live comparison in test_normalization.py
calls when torch is importable.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("normalization.json")

# (n_in, n_out) pairs for the init scales: the chapter's 784 -> 256 and two others
FANS = [(784, 256), (256, 256), (64, 500)]
MOMENTUM, EPS = 0.1, 1e-5


def inputs() -> list[dict]:
    """The fixed normalisation cases: kind, X, gamma, beta, upstream G, running mean and var (float64)."""
    rng = np.random.default_rng(606)
    cases = []
    for kind, shape in (("batchnorm", (4, 1)), ("batchnorm", (6, 3)), ("batchnorm", (2, 4)),
                        ("layernorm", (2, 4)), ("layernorm", (5, 3)), ("layernorm", (3, 7))):
        _, d = shape
        if shape == (4, 1):
            X = np.array([[1.0], [2.0], [3.0], [4.0]])  # the chapter's (1, 2, 3, 4)
            gamma, beta = np.array([2.0]), np.array([0.5])
        elif shape == (2, 4):
            X = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]])  # the chapter's LN vs BN example
            gamma, beta = np.ones(4), np.zeros(4)
        else:
            X = rng.normal(loc=3.0, scale=2.0, size=shape)
            gamma, beta = rng.uniform(0.5, 2.0, size=d), rng.normal(size=d)
        cases.append({"kind": kind, "X": X, "gamma": gamma, "beta": beta, "G": rng.normal(size=shape),
                      "running_mean": rng.normal(size=d), "running_var": rng.uniform(0.5, 2.0, size=d)})
    return cases


def _scales(n_in, n_out) -> dict:
    """torch's std (normal) or bound (uniform) for each scheme, on a weight of torch's shape (n_out, n_in)."""
    import torch

    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(n_out, n_in))
    relu, linear = torch.nn.init.calculate_gain("relu"), torch.nn.init.calculate_gain("linear")
    xavier_std = math.sqrt(2.0 / float(fan_in + fan_out))  # xavier_normal_ with gain 1
    he_std = relu / math.sqrt(fan_in)  # kaiming_normal_(mode="fan_in", nonlinearity="relu")
    lecun_std = linear / math.sqrt(fan_in)  # kaiming_normal_(nonlinearity="linear")
    return {"xavier_normal": xavier_std, "xavier_uniform": math.sqrt(3.0) * xavier_std,
            "he_normal": he_std, "he_uniform": math.sqrt(3.0) * he_std,
            "lecun_normal": lecun_std, "lecun_uniform": math.sqrt(3.0) * lecun_std}


def _draws(n_in, n_out) -> dict:
    """Variance and max |w| of one torch draw per scheme (torch.manual_seed(0))."""
    import torch

    torch.manual_seed(0)
    init = torch.nn.init
    makers = {
        "xavier_uniform": lambda w: init.xavier_uniform_(w),
        "xavier_normal": lambda w: init.xavier_normal_(w),
        "he_uniform": lambda w: init.kaiming_uniform_(w, nonlinearity="relu"),
        "he_normal": lambda w: init.kaiming_normal_(w, nonlinearity="relu"),
        "lecun_uniform": lambda w: init.kaiming_uniform_(w, nonlinearity="linear"),
        "lecun_normal": lambda w: init.kaiming_normal_(w, nonlinearity="linear"),
    }
    out = {}
    for name, make in makers.items():
        w = make(torch.empty(n_out, n_in, dtype=torch.float64))
        out[name] = {"var": float(w.var(unbiased=False)), "max_abs": float(w.abs().max())}
    return out


def torch_cases() -> dict:
    """Every case with torch's outputs and gradients."""
    import torch
    import torch.nn.functional as F

    cases = []
    for case in inputs():
        X = torch.tensor(case["X"], requires_grad=True)
        gamma = torch.tensor(case["gamma"], requires_grad=True)
        beta = torch.tensor(case["beta"], requires_grad=True)
        entry = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in case.items()}
        if case["kind"] == "batchnorm":
            running_mean = torch.tensor(case["running_mean"])
            running_var = torch.tensor(case["running_var"])
            Y = F.batch_norm(X, running_mean, running_var, gamma, beta, training=True, momentum=MOMENTUM, eps=EPS)
            entry["running_mean_after"] = running_mean.tolist()
            entry["running_var_after"] = running_var.tolist()
            with torch.no_grad():
                entry["Y_eval"] = F.batch_norm(X, running_mean, running_var, gamma, beta, training=False,
                                               eps=EPS).tolist()
        else:
            Y = F.layer_norm(X, (X.shape[1],), gamma, beta, eps=EPS)
        (Y * torch.tensor(case["G"])).sum().backward()
        entry.update(Y=Y.detach().tolist(), dX=X.grad.tolist(), dgamma=gamma.grad.tolist(), dbeta=beta.grad.tolist())
        cases.append(entry)
    inits = [{"n_in": n_in, "n_out": n_out, "scale": _scales(n_in, n_out), "draw": _draws(n_in, n_out)}
             for n_in, n_out in FANS]
    return {"torch_version": torch.__version__, "momentum": MOMENTUM, "eps": EPS, "cases": cases, "inits": inits}


if __name__ == "__main__":
    reference = torch_cases()
    reference["note"] = "written by make_normalization.py; gradients are of sum(Y * G)"
    OUT.write_text(json.dumps(reference, indent=1) + "\n")
    print(f"wrote {len(reference['cases'])} cases and {len(reference['inits'])} init fans "
          f"from torch {reference['torch_version']} to {OUT}")
