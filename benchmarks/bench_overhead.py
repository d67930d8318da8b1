"""Per-step overhead (target 3): XOR 2-4-1 sigmoid, 4 samples, 1000 full-batch epochs.

The arithmetic is negligible (a 4 x 2 by 2 x 4 product), so this measures
what a library costs per step around it: Python calls, checks, allocations.
It is what a widget pays when it re-trains on every slider move.

* ``nnlib layers`` — the five-line loop on ``Sequential`` a notebook writes:
  ``zero_grad``, ``forward``, ``mse``, ``backward(mse_grad)``, ``SGD.step``;
* ``nnlib fit``    — the same through ``nnlib.training.fit`` (it also shuffles,
  records loss and accuracy per epoch);
* ``pytorch nn``   — the same loop in ``torch.nn`` / ``torch.optim.SGD``;
* ``numpy fused``  — the whole step hand-written in NumPy, no layers.

All four start from the same weights (Xavier-uniform from a seeded rng; the
nnlib model's, copied) and use MSE and SGD with lr 0.5, float64, 1 thread.

Run alone: ``python -m benchmarks.bench_overhead [--quick]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_overhead.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import time

import numpy as np

from benchmarks._common import Section, Target, interleaved, md_table, optional, pinned_threads
from nnlib.data import logic_gate
from nnlib.layers import Activation, Dense
from nnlib.losses import mse, mse_grad
from nnlib.network import Sequential
from nnlib.optimizers import SGD
from nnlib.training import fit

EPOCHS, LR, SEED = 1000, 0.5, 0
X, _t = logic_gate("xor")
X = X.astype(np.float64)  # (4, 2)
Y = _t.astype(np.float64).reshape(-1, 1)  # (4, 1)


def nnlib_model() -> Sequential:
    rng = np.random.default_rng(SEED)
    return Sequential([Dense(2, 4, init="xavier_uniform", rng=rng), Activation("sigmoid"),
                       Dense(4, 1, init="xavier_uniform", rng=rng), Activation("sigmoid")])


def weights():
    return [(layer.params["W"].copy(), layer.params["b"].copy()) for layer in nnlib_model() if layer.params]


def run_nnlib_layers(out):
    model = nnlib_model()
    optimizer = SGD(LR)
    params, grads = model.parameters(), model.gradients()
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(EPOCHS):
        model.zero_grad()
        out_ = model.forward(X)
        loss = mse(out_, Y)
        model.backward(mse_grad(out_, Y))
        optimizer.step(params, grads)
    seconds = time.perf_counter() - start, time.process_time() - start_cpu
    out["loss"] = loss
    return seconds


def run_nnlib_fit(out):
    model = nnlib_model()
    start, start_cpu = time.perf_counter(), time.process_time()
    history = fit(model, "mse", SGD(LR), X, Y, EPOCHS, rng=SEED, progress=False)
    seconds = time.perf_counter() - start, time.process_time() - start_cpu
    out["loss"] = history.loss[-1]
    return seconds


def run_pytorch(out):
    import torch

    (W1, b1), (W2, b2) = weights()
    net = torch.nn.Sequential(torch.nn.Linear(2, 4, dtype=torch.float64), torch.nn.Sigmoid(),
                              torch.nn.Linear(4, 1, dtype=torch.float64), torch.nn.Sigmoid())
    with torch.no_grad():
        for linear, W, b in ((net[0], W1, b1), (net[2], W2, b2)):
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.MSELoss()
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(EPOCHS):
        optimizer.zero_grad()
        loss = loss_fn(net(Xt), Yt)
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start, time.process_time() - start_cpu
    out["loss"] = loss.item()
    return seconds


def run_numpy(out):
    (W1, b1), (W2, b2) = weights()
    n = len(X)
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(EPOCHS):
        H = 1 / (1 + np.exp(-(X @ W1 + b1)))  # (4, 4)
        P = 1 / (1 + np.exp(-(H @ W2 + b2)))  # (4, 1)
        dZ2 = 2 * (P - Y) / n * P * (1 - P)  # mse' times sigmoid'
        dZ1 = (dZ2 @ W2.T) * H * (1 - H)
        W2 -= LR * (H.T @ dZ2)
        b2 -= LR * dZ2.sum(axis=0)
        W1 -= LR * (X.T @ dZ1)
        b1 -= LR * dZ1.sum(axis=0)
    seconds = time.perf_counter() - start, time.process_time() - start_cpu
    out["loss"] = float(np.mean((P - Y) ** 2))
    return seconds


def run(quick: bool = False) -> Section:
    global EPOCHS
    saved, EPOCHS = EPOCHS, (100 if quick else 1000)
    repeats = 2 if quick else 9
    results = {}
    candidates = {"nnlib layers": run_nnlib_layers, "nnlib fit": run_nnlib_fit}
    if optional("torch"):
        candidates["pytorch nn"] = run_pytorch
    candidates["numpy fused"] = run_numpy
    try:
        with pinned_threads(1):
            stats = interleaved({name: (lambda fn=fn, name=name: fn(results.setdefault(name, {})))
                                 for name, fn in candidates.items()}, repeats=repeats)
        epochs = EPOCHS
    finally:
        EPOCHS = saved
    base = stats.get("pytorch nn")
    rows = [[name, st.ms(1, 1), f"{st.median / epochs * 1e6:.0f}",
             f"{st.median / base.median:.2f}" if base else "–",
             f"{st.cpu_median / base.cpu_median:.2f}" if base else "–", f"{results[name]['loss']:.6f}"]
            for name, st in stats.items()]
    section = Section("overhead", "3. Per-step overhead: XOR 2-4-1 sigmoid, 4 samples, 1000 full-batch epochs")
    section.body = "\n".join([
        f"{'QUICK SMOKE RUN (100 epochs), not a measurement. ' if quick else ''}"
        f"Wall time for {epochs} epochs, median [min–max] of {repeats} interleaved runs, 1 thread; "
        "µs per step = median / epochs. Same initial weights everywhere, so the final losses agree "
        "(nnlib fit shuffles the four rows each epoch, which changes nothing in full-batch training "
        "but the order of a sum).",
        "",
        md_table(["loop", f"ms / {epochs} epochs", "µs / step", "÷ pytorch nn", "÷ pytorch nn (CPU time)",
                  "final MSE"], rows),
    ])
    if base:
        r = stats["nnlib layers"].median / base.median
        rf = stats["nnlib fit"].median / base.median
        rc = stats["nnlib layers"].cpu_median / base.cpu_median
        section.targets = [Target("XOR 1000 epochs: nnlib layers ≤ 0.4 × PyTorch nn", "≤ 0.4",
                                  f"{r:.2f} (CPU time: {rc:.2f}; through fit: {rf:.2f})", r <= 0.4)]
    else:
        section.targets = [Target("XOR 1000 epochs: nnlib layers ≤ 0.4 × PyTorch nn", "≤ 0.4",
                                  "PyTorch not installed", None)]
    section.chart = {"us_per_step": {name: st.median / epochs * 1e6 for name, st in stats.items()}}
    return section


def main(argv=None):
    from benchmarks._common import cli

    return cli(run, "Per-step overhead on XOR: nnlib vs PyTorch vs fused NumPy", argv)


if __name__ == "__main__":
    main()
