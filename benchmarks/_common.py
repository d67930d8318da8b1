"""What every benchmark shares: interleaved timing, thread pinning, machine facts, report pieces.

Timing rules: candidates run interleaved (A B C A B C ...) so that
a slow patch of the machine hits all of them alike; each gets one untimed
warm-up run, then ``repeats`` timed runs; we report the median and the
min–max, and speed as ratios between candidates of the *same* run.  Wall
time (``time.perf_counter``) is what a user waits for, so that is what is
measured.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"  # git-ignored scratch space (grading copies, notebooks)


# ----------------------------------------------------------------- statistics
@dataclass
class Stats:
    """Repeated measurements of one quantity (seconds unless said otherwise).

    ``cpu`` holds the process CPU time of the same runs, when measured: for
    single-threaded work on a shared machine it leaves out the time spent
    waiting for a core, which wall time counts.
    """

    values: list
    cpu: list | None = None

    @property
    def cpu_median(self) -> float | None:
        return float(statistics.median(self.cpu)) if self.cpu else None

    @property
    def median(self) -> float:
        return float(statistics.median(self.values))

    @property
    def min(self) -> float:
        return float(min(self.values))

    @property
    def max(self) -> float:
        return float(max(self.values))

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.values, q))

    def ms(self, scale: float = 1.0, digits: int = 2) -> str:
        """``median [min–max]`` in milliseconds, each value divided by ``scale``."""
        f = 1e3 / scale
        return f"{self.median * f:.{digits}f} [{self.min * f:.{digits}f}–{self.max * f:.{digits}f}]"


def interleaved(candidates: dict, repeats: int, warmup: int = 1, clock=time.perf_counter) -> dict:
    """Run each ``candidates[name]()`` ``warmup`` times untimed, then ``repeats`` rounds A B C ...

    A candidate returns None (its time is measured here with ``clock``, and
    its process CPU time alongside), a number (the wall seconds it measured
    itself, e.g. leaving out set-up) or a pair ``(wall, cpu)`` it measured
    itself.  Returns ``{name: Stats}``; a candidate that has results to show
    (losses, accuracy) stores them itself.
    """
    times = {name: [] for name in candidates}
    cpu = {name: [] for name in candidates}
    for _ in range(warmup):
        for fn in candidates.values():
            fn()
    for _ in range(repeats):
        for name, fn in candidates.items():
            start, start_cpu = clock(), time.process_time()
            own = fn()
            elapsed, elapsed_cpu = clock() - start, time.process_time() - start_cpu
            if isinstance(own, tuple):
                elapsed, elapsed_cpu = own
            elif isinstance(own, (int, float)) and not isinstance(own, bool):
                elapsed = float(own)
            times[name].append(float(elapsed))
            cpu[name].append(float(elapsed_cpu))
    return {name: Stats(v, cpu[name]) for name, v in times.items()}


# ----------------------------------------------------------------- threads and machine
@contextlib.contextmanager
def pinned_threads(n: int):
    """At most ``n`` threads in every BLAS/OpenMP pool (threadpoolctl) and in PyTorch."""
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch else None
    with threadpool_limits(limits=n):
        if torch:
            torch.set_num_threads(n)
        try:
            yield
        finally:
            if torch:
                torch.set_num_threads(before)


def blas_info() -> str:
    """The BLAS NumPy uses, as threadpoolctl sees it (library, version, kernel, threading)."""
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        if pool.get("user_api") == "blas" and "numpy" in pool.get("filepath", ""):
            return (f"{pool.get('internal_api')} {pool.get('version')} ({pool.get('architecture', '?')} kernels, "
                    f"{pool.get('threading_layer', '?')} threading)")
    return "unknown (threadpoolctl found no BLAS loaded by NumPy)"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions() -> dict:
    """Versions of the libraries compared (None when one is not installed)."""
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("torch", "sklearn", "matplotlib", "nbclient", "nbgrader"):
        try:
            module = __import__(name)
            out[name] = getattr(module, "__version__", "?")
        except ImportError:
            out[name] = None
    return out


def machine_info() -> dict:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info = {
        "date": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu_model(),
        "cores": f"{os.cpu_count()} logical, {usable} usable",
        "os": f"{platform.system()} {platform.release()}",
        "blas": blas_info(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?",
    }
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch_blas"] = "MKL" if torch.backends.mkl.is_available() else "other"
    return info


def optional(name: str):
    """Import ``name`` or return None (PyTorch and scikit-learn are the optional ``bench`` extra)."""
    try:
        return __import__(name)
    except ImportError:
        return None


# ----------------------------------------------------------------- report pieces
@dataclass
class Target:
    """One target: what was asked, what was measured, and whether it was met."""

    name: str
    wanted: str
    measured: str
    met: bool | None  # None: not measured

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**not met**", None: "not measured"}[self.met]


@dataclass
class Section:
    """A benchmark's part of the report: Markdown body, targets, and data for the chart."""

    name: str
    title: str
    body: str = ""
    targets: list = field(default_factory=list)
    chart: dict = field(default_factory=dict)
    seconds: float = 0.0  # how long the benchmark took to run


def md_table(headers, rows) -> str:
    """A Markdown table; cells are converted with ``str``."""
    lines = ["| " + " | ".join(map(str, headers)) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def cli(run, description: str, argv=None) -> Section:
    """The ``main()`` of a benchmark script: ``--quick`` for a smoke run, prints its Markdown."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (few repeats, small sizes)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    section = run(quick=args.quick)
    section.seconds = time.perf_counter() - started
    print(f"## {section.title}\n\n{section.body}\n")
    if section.targets:
        print(md_table(["target", "wanted", "measured", "verdict"],
                       [(t.name, t.wanted, t.measured, t.verdict) for t in section.targets]))
    print(f"\n({section.seconds:.0f} s)")
    return section
