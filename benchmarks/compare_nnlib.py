"""Before/after: two versions of nnlib in one interleaved run (how NNLIB_CHANGES.md was measured).

    git worktree add /tmp/nnlib-before <commit>          # any earlier version of the repository
    python -m benchmarks.compare_nnlib /tmp/nnlib-before/nnlib=before [more FOLDER[=LABEL] ...]

Each given ``nnlib`` folder is copied into a temporary directory under another
package name (``nnlib_v1``, ...) so that it can be imported next to the
working tree's ``nnlib``; then every workload runs on every version, A B A B
..., 1 BLAS thread, and the medians are compared with the working tree.

Workloads: the digits network of ``bench_training`` (Adam and SGD, batch 32
and 128, 20 epochs through ``fit``), the XOR layer loop of ``bench_overhead``
and one epoch of the BLAS-bound network of ``bench_blas`` on 12000 rows
(model construction included: well under 1 % of each workload).
"""
from __future__ import annotations

import argparse
import importlib
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a file
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import numpy as np

from benchmarks import bench_blas, bench_training
from benchmarks._common import interleaved, md_table, pinned_threads


def import_copy(folder: Path, alias: str, scratch: Path):
    """Import the nnlib package in ``folder`` as ``alias`` (its own ``nnlib`` imports rewritten)."""
    target = scratch / alias
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("__pycache__", "widgets"))
    for path in target.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\bfrom nnlib(\.| import)", lambda m: f"from {alias}{m.group(1)}", text)
        text = re.sub(r"\bimport nnlib\b", f"import {alias}", text)
        path.write_text(text, encoding="utf-8")
    if str(scratch) not in sys.path:
        sys.path.insert(0, str(scratch))
    package = importlib.import_module(alias)
    for sub in ("layers", "network", "optimizers", "training", "losses"):
        importlib.import_module(f"{alias}.{sub}")
    return package


def digits_workload(lib, opt: str, batch: int, data):
    def run():
        rng = np.random.default_rng(0)
        L = lib.layers
        model = lib.network.Sequential([L.Dense(64, 128, rng=rng), L.Activation("relu"), L.Dense(128, 64, rng=rng),
                                        L.Activation("relu"), L.Dense(64, 10, rng=rng)])
        optimizer = lib.optimizers.Adam(1e-3) if opt == "adam" else lib.optimizers.SGD(0.05)
        lib.training.fit(model, "softmax_cross_entropy", optimizer, data[0], data[1], 20, batch_size=batch, rng=0,
                         progress=False)
    return run


def xor_workload(lib):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)

    def run():
        rng = np.random.default_rng(0)
        L = lib.layers
        model = lib.network.Sequential([L.Dense(2, 4, init="xavier_uniform", rng=rng), L.Activation("sigmoid"),
                                        L.Dense(4, 1, init="xavier_uniform", rng=rng), L.Activation("sigmoid")])
        optimizer, params, grads = lib.optimizers.SGD(0.5), model.parameters(), model.gradients()
        for _ in range(1000):
            model.zero_grad()
            out = model.forward(X)
            lib.losses.mse(out, Y)
            model.backward(lib.losses.mse_grad(out, Y))
            optimizer.step(params, grads)
    return run


def blas_workload(lib, X, y):
    def run():
        rng = np.random.default_rng(0)
        L = lib.layers
        model = lib.network.Sequential([L.Dense(784, 256, rng=rng), L.Activation("relu"), L.Dense(256, 10, rng=rng)])
        lib.training.fit(model, "softmax_cross_entropy", lib.optimizers.SGD(0.01), X, y, 1, batch_size=128, rng=0,
                         progress=False)
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baselines", nargs="+", help="nnlib package folders of other versions, FOLDER[=LABEL]")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cpu", action="store_true",
                        help="time with process CPU time instead of wall time (steadier on a busy machine; "
                             "the workloads run on 1 thread, so on an idle machine both agree)")
    args = parser.parse_args(argv)

    import nnlib.layers  # noqa: F401  (the working tree's version)
    import nnlib.losses  # noqa: F401
    import nnlib.network  # noqa: F401
    import nnlib.optimizers  # noqa: F401
    import nnlib.training  # noqa: F401

    scratch = Path(tempfile.mkdtemp(prefix="nnlib-versions-"))
    versions = {}
    for i, spec in enumerate(args.baselines):
        folder, _, label = spec.partition("=")
        versions[label or folder] = import_copy(Path(folder).resolve(), f"nnlib_v{i + 1}", scratch)
    versions["working tree"] = sys.modules["nnlib"]
    data = bench_training.load_data("float64")
    Xb, yb = bench_blas.make_data(12000)
    workloads = {
        "digits Adam b32 (20 epochs)": lambda lib: digits_workload(lib, "adam", 32, data),
        "digits SGD b32 (20 epochs)": lambda lib: digits_workload(lib, "sgd", 32, data),
        "digits Adam b128 (20 epochs)": lambda lib: digits_workload(lib, "adam", 128, data),
        "XOR layer loop (1000 steps)": xor_workload,
        "784-256-10 SGD b128 (12000 rows)": lambda lib: blas_workload(lib, Xb, yb),
    }
    rows = []
    with pinned_threads(1):
        for name, make in workloads.items():
            stats = interleaved({v: make(lib) for v, lib in versions.items()}, repeats=args.repeats,
                                clock=time.process_time if args.cpu else time.perf_counter)
            now = stats["working tree"].median
            rows.append([name, *[s.ms(1, 1) for s in stats.values()],
                         *[f"{now / s.median:.2f}" for v, s in stats.items() if v != "working tree"]])
            print(rows[-1], flush=True)
    print()
    print(md_table(["workload", *[f"{v} ms" for v in versions],
                    *[f"working tree ÷ {v}" for v in versions if v != "working tree"]], rows))
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
