"""BLAS-bound training (target 2): how much of NumPy's own matmul peak does nnlib's training reach?

Task: 60000 x 784 synthetic float64 data (Gaussian inputs, labels from a
random linear teacher), a 784-256-10 ReLU network, softmax cross-entropy,
batch 128, one epoch of plain SGD (lr 0.01).  Nearly all of the work is
matrix products, so the question is how close to the BLAS peak a library
runs.

Executed GEMM FLOPs count the multiplies a training step needs, 2 flops per
multiply-add: forward ``X W1`` and ``A W2``; backward ``dW2``, ``dA = dZ2 W2^T``
and ``dW1``; **no** ``dX`` for the input layer (nobody needs the gradient of
the data; a library that computes it anyway does 50 % more work than counted).
Per sample that is ``2 (784·256·2 + 256·10·3)`` = 818 176 flops.

Peers, in one interleaved run: NumPy's own matmul peak (a 2048 x 2048 float64
product, the best a NumPy program can do on this machine), the same sequence
of products at the training's shapes with nothing else ("GEMM only"),
``nnlib.training.fit``, a PyTorch loop and scikit-learn's ``MLPClassifier``
(solver "sgd", momentum 0, alpha 0, one epoch).  Reported with 1 BLAS thread
(the target) and 2 threads (as ratios only: absolute 2-thread numbers drift
too much on shared 2-core machines).

Run alone: ``python -m benchmarks.bench_blas [--quick]``.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_blas.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import time

import numpy as np

from benchmarks._common import Section, Target, blas_info, interleaved, md_table, optional, pinned_threads
from nnlib.layers import Activation, Dense
from nnlib.network import Sequential
from nnlib.optimizers import SGD
from nnlib.training import fit

D, H, C = 784, 256, 10
BATCH, LR, SEED = 128, 0.01, 0
PEAK_SIZES = (1024, 2048)  # square float64 products timed for NumPy's peak; the best rate counts
FLOPS_PER_SAMPLE = 2 * (D * H * 2 + H * C * 3)  # forward 2 products, backward dW1, dW2, dA (no input dX)


def make_data(n: int):
    """Gaussian inputs (n, 784) and labels of a random linear teacher, float64."""
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((n, D))  # (n, D)
    teacher = rng.standard_normal((D, C))  # (D, C)
    y = np.argmax(X @ teacher, axis=1)  # (n,)
    return X, y


def nnlib_model() -> Sequential:
    rng = np.random.default_rng(SEED)
    return Sequential([Dense(D, H, rng=rng), Activation("relu"), Dense(H, C, rng=rng)])


def run_nnlib(X, y):
    model = nnlib_model()
    start, start_cpu = time.perf_counter(), time.process_time()
    fit(model, "softmax_cross_entropy", SGD(LR), X, y, epochs=1, batch_size=BATCH, rng=SEED, progress=False)
    return time.perf_counter() - start, time.process_time() - start_cpu


def run_pytorch(X, y):
    import torch

    model = nnlib_model()
    (W1, b1), (W2, b2) = [(layer.params["W"], layer.params["b"]) for layer in model if layer.params]
    net = torch.nn.Sequential(torch.nn.Linear(D, H, dtype=torch.float64), torch.nn.ReLU(),
                              torch.nn.Linear(H, C, dtype=torch.float64))
    with torch.no_grad():
        for linear, W, b in ((net[0], W1, b1), (net[2], W2, b2)):
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    order = torch.from_numpy(np.random.default_rng(SEED).permutation(len(X)))
    start, start_cpu = time.perf_counter(), time.process_time()
    for s in range(0, len(X), BATCH):
        idx = order[s:s + BATCH]
        optimizer.zero_grad()
        loss = loss_fn(net(Xt[idx]), yt[idx])
        loss.backward()
        optimizer.step()
        loss.item()  # fit reads every batch loss too
    return time.perf_counter() - start, time.process_time() - start_cpu


def run_sklearn(X, y):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(H,), activation="relu", solver="sgd", alpha=0.0, batch_size=BATCH,
                        learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False, max_iter=1, shuffle=True,
                        random_state=SEED, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start, start_cpu = time.perf_counter(), time.process_time()
        clf.fit(X, y)
        return time.perf_counter() - start, time.process_time() - start_cpu


def run_gemm_only(X, y):
    """Only the counted products, at the training's shapes (batches of 128 rows gathered as fit does)."""
    rng = np.random.default_rng(SEED)
    W1, W2 = rng.standard_normal((D, H)) * 0.05, rng.standard_normal((H, C)) * 0.05
    order = rng.permutation(len(X))
    start, start_cpu = time.perf_counter(), time.process_time()
    for s in range(0, len(X), BATCH):
        Xb = X[order[s:s + BATCH]]  # (B, D)
        A = Xb @ W1  # (B, H)
        Z = A @ W2  # (B, C)
        _ = A.T @ Z, Z @ W2.T  # dW2 (H, C), dA (B, H)
        _ = Xb.T @ A  # dW1 (D, H)
    return time.perf_counter() - start, time.process_time() - start_cpu


def run_peak(best: dict):
    """Two products of each size in PEAK_SIZES; ``best`` keeps the highest GFLOP/s seen (wall and CPU time)."""
    rng = np.random.default_rng(SEED)
    total = total_cpu = 0.0
    for n in PEAK_SIZES:
        A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        for _ in range(2):
            start, start_cpu = time.perf_counter(), time.process_time()
            A @ B
            wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            best["wall"] = max(best.get("wall", 0.0), 2 * n**3 / wall / 1e9)
            best["cpu"] = max(best.get("cpu", 0.0), 2 * n**3 / cpu / 1e9)
            total, total_cpu = total + wall, total_cpu + cpu
    return total, total_cpu


def measure(X, y, threads: int, repeats: int, available, warmup: int = 1):
    best = {}
    candidates = {"numpy matmul peak": lambda: run_peak(best), "GEMM only": lambda: run_gemm_only(X, y),
                  "nnlib": lambda: run_nnlib(X, y)}
    if "torch" in available:
        candidates["pytorch"] = lambda: run_pytorch(X, y)
    if "sklearn" in available:
        candidates["sklearn"] = lambda: run_sklearn(X, y)
    with pinned_threads(threads):
        stats = interleaved(candidates, repeats=repeats, warmup=warmup)
    return stats, best


def run(quick: bool = False) -> Section:
    n = 6000 if quick else 60000
    repeats = 2 if quick else 5
    available = [name for name in ("torch", "sklearn") if optional(name)]
    X, y = make_data(n)
    flops = FLOPS_PER_SAMPLE * n
    # The 1-thread round warms everything up (imports, BLAS buffers, page faults); 2 threads need no warm-up of its own.
    results = {threads: measure(X, y, threads, repeats, available, warmup=1 if threads == 1 else 0)
               for threads in (1, 2)}

    def gflops(name, stats, best, cpu=False):
        # The peak is the best rate any single NumPy product reached; every training run is judged on its median.
        if name == "numpy matmul peak":
            return best["cpu" if cpu else "wall"]
        return flops / float(np.median(stats.cpu if cpu else stats.values)) / 1e9

    rows = []
    chart, cpu_fraction = {}, {}
    for threads, (stats, best) in results.items():
        peak = gflops("numpy matmul peak", None, best)
        peak_cpu = gflops("numpy matmul peak", None, best, cpu=True)
        for name, st in stats.items():
            g = gflops(name, st, best)
            if name == "numpy matmul peak":
                seconds = "best single product"
            else:
                seconds = f"{st.median:.2f} [{st.min:.2f}–{st.max:.2f}] s"
            if threads == 1:
                g_cpu = gflops(name, st, best, cpu=True)
                cpu_fraction[name] = g_cpu / peak_cpu
                extra = [f"{g:.1f}", f"{g_cpu:.1f}", f"{g / peak:.0%}", f"{g_cpu / peak_cpu:.0%}"]
            else:
                extra = ["–", "–", f"{g / peak:.0%}", "–"]
            rows.append([f"{threads}", name, seconds, *extra])
            chart.setdefault(threads, {})[name] = g / peak
    section = Section("blas", "2. BLAS-bound training: 60000×784 synthetic, 784-256-10, batch 128, 1 epoch SGD")
    section.body = "\n".join([
        f"{'QUICK SMOKE RUN (6000 rows), not a measurement. ' if quick else ''}"
        f"Wall time median [min–max] of {repeats} interleaved runs; GFLOP/s of executed GEMM work "
        f"({FLOPS_PER_SAMPLE:,} flops per sample, {flops / 1e9:.1f} GFLOP per epoch; input-layer dX not counted); "
        f"NumPy's peak is the best rate of any single float64 `A @ B` of size "
        f"{' and '.join(f'{n}×{n}' for n in PEAK_SIZES)} (two of each per round, {repeats} rounds). "
        f"NumPy's BLAS: {blas_info()}. PyTorch uses its own bundled MKL.",
        "",
        md_table(["threads", "run", "wall time", "GFLOP/s", "GFLOP/s (CPU time)", "fraction of peak",
                  "fraction of peak (CPU time)"], rows),
        "",
        "The CPU-time columns divide the same work by the process's CPU time instead of wall time: on a shared "
        "machine they leave out the waits for a core (1 thread only; with 2 threads CPU time adds up both).",
        "",
        f"\"GEMM only\" — the counted products on freshly gathered batches and nothing else — is the ceiling "
        f"for any library training this network with shuffled mini-batches: "
        f"{chart[1]['GEMM only']:.0%} of the peak with 1 thread; nnlib reaches "
        f"{chart[1]['nnlib'] / chart[1]['GEMM only']:.0%} of that ceiling"
        + (f", PyTorch {chart[1]['pytorch'] / chart[1]['GEMM only']:.0%}" if "pytorch" in chart[1] else "")
        + (f", scikit-learn {chart[1]['sklearn'] / chart[1]['GEMM only']:.0%}" if "sklearn" in chart[1] else "")
        + ". The rest of a step (gathering the batch, bias, ReLU, softmax, zeroing and accumulating "
        "gradients, the SGD update over 200k weights) is memory-bound work around the products.",
        "",
        "2-thread absolute GFLOP/s are left out on purpose (they drift too much on shared 2-core machines); "
        "the fractions compare each run with the peak measured in the same interleaved rounds.",
    ])
    frac = chart[1]["nnlib"]
    section.targets = [Target("BLAS-bound: nnlib executed GEMM GFLOP/s ÷ numpy matmul peak (float64, 1 thread)",
                              "≥ 75 %", f"{frac:.0%} (CPU time: {cpu_fraction['nnlib']:.0%}; GEMM-only ceiling "
                              f"{chart[1]['GEMM only']:.0%}, CPU time {cpu_fraction['GEMM only']:.0%})",
                              frac >= 0.75)]
    section.chart = {"fraction_of_peak": chart}
    return section


def main(argv=None):
    from benchmarks._common import cli

    return cli(run, "BLAS-bound training: nnlib's GEMM GFLOP/s against NumPy's matmul peak", argv)


if __name__ == "__main__":
    main()
