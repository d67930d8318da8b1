"""``python -m benchmarks``: run every benchmark and write ``benchmarks/REPORT.md`` with ``report.png``.

    python -m benchmarks                 # everything (a few minutes on 2 cores)
    python -m benchmarks --quick         # smoke run: tiny sizes, not a measurement
    python -m benchmarks --only training overhead
    python -m benchmarks --skip grading   # grading a class of 60 three ways is most of the run time
    python -m benchmarks --only widgets browser   # widget response, kernel side and in Chromium
    python -m benchmarks --only present   # lecture view: page ready, preheated vs cold
    python -m benchmarks --only race      # the optimizer race's frames per second in the lecture view
    python -m benchmarks --only live      # every live-training widget (05-07): frames painted per second, both front ends
    python -m benchmarks --only playground   # the playground: frames painted, training steps, control latency
    python -m benchmarks --only hub       # the course's JupyterHub, 20 students at once (root, ~5 min; opt-in)
    python -m benchmarks --full-grid     # training: all 16 configurations instead of the compact grid

Each benchmark is also a script of its own (``python -m benchmarks.bench_training --quick``).
Every measured section is stored in ``benchmarks/results/<name>.json``
(:mod:`benchmarks.results`) and REPORT.md is written from the latest stored
result of each section, so ``--only`` refreshes some sections and keeps the
others, each stamped with when it was measured and under what load.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/__main__.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

from benchmarks import (
    bench_blas,
    bench_browser,
    bench_grading,
    bench_hub,
    bench_live,
    bench_overhead,
    bench_playground,
    bench_present,
    bench_race,
    bench_training,
    bench_widgets,
    results,
)
from benchmarks._common import HERE, Section, machine_info, md_table, optional, versions

BENCHMARKS = {
    "training": bench_training,
    "blas": bench_blas,
    "overhead": bench_overhead,
    "widgets": bench_widgets,
    "browser": bench_browser,
    "present": bench_present,
    "race": bench_race,
    "live": bench_live,
    "playground": bench_playground,
    "grading": bench_grading,
    "hub": bench_hub,
}
# Run only when named with --only: it needs root (it makes accounts) and takes ~5 minutes (311 s in the stored run).
OPT_IN = {"hub"}
REPORT, CHART = HERE / "REPORT.md", HERE / "report.png"
CHANGES = HERE / "NNLIB_CHANGES.md"  # hand-written: what was changed in nnlib for speed, with before/after


def run_all(names, quick: bool, full_grid: bool, store: bool = False) -> list:
    """Run the named benchmarks in order; with ``store``, keep each result (:mod:`benchmarks.results`)."""
    sections = []
    for name in names:
        module = BENCHMARKS[name]
        print(f"[benchmarks] {name} ...", flush=True)
        ran_at, load_before = time.strftime("%Y-%m-%d %H:%M"), _load_now().split()[0]
        started = time.perf_counter()
        try:
            if name == "training":
                section = module.run(quick=quick, full_grid=full_grid)
            else:
                section = module.run(quick=quick)
        except Exception:  # one broken benchmark must not lose the others' results
            section = Section(name, f"{name} (failed)", body="```\n" + traceback.format_exc()[-3000:] + "\n```")
        section.seconds = time.perf_counter() - started
        if store:
            results.save(section, ran_at, load_before, _load_now().split()[0])
        print(f"[benchmarks] {name}: {section.seconds:.0f} s", flush=True)
        sections.append(section)
    return sections


# ----------------------------------------------------------------- chart
def draw_chart(sections, path: Path) -> None:
    """One small PNG, one panel per benchmark (matplotlib Figure + Agg, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    charts = {s.name: s.chart for s in sections if s.chart}
    panels = [n for n in ("training", "blas", "overhead", "widgets", "browser", "present", "grading") if n in charts]
    if not panels:
        return
    cols = min(3, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows), dpi=80, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    for ax, name in zip(axes, panels):
        DRAW[name](ax, charts[name])
    fig.savefig(path, format="png")


def _bars(ax, labels, values, colors=None):
    ax.barh(range(len(values)), values, color=colors or "#4c78a8")
    ax.set_yticks(range(len(values)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=7)


def _draw_training(ax, chart):
    configs = chart["configs"]
    impls = [n for n, v in chart["ms_per_epoch"].items() if any(x is not None for x in v)]
    width = 0.8 / len(impls)
    for k, name in enumerate(impls):
        values = [v if v is not None else 0 for v in chart["ms_per_epoch"][name]]
        shown = chart.get("labels", {}).get(name, name)
        ax.bar([i + k * width for i in range(len(configs))], values, width, label=shown)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(configs))],
                  [c.replace(", ", "\n", 2).replace(" threads", "t").replace(" thread", "t") for c in configs],
                  fontsize=6)
    ax.set_ylabel("ms / epoch", fontsize=8)
    ax.set_title("1. digits training (lower is better)", fontsize=9)
    ax.legend(fontsize=6)
    ax.tick_params(axis="y", labelsize=7)


def _draw_blas(ax, chart):
    data = chart["fraction_of_peak"]
    labels, values = [], []
    for threads, fractions in data.items():
        for name, f in fractions.items():
            if name != "numpy matmul peak":
                labels.append(f"{name} ({threads}t)")
                values.append(100 * f)
    _bars(ax, labels, values)
    ax.axvline(75, color="#d62728", lw=1, ls="--")
    ax.set_xlabel("% of numpy matmul peak", fontsize=8)
    ax.set_title("2. BLAS-bound: GEMM GFLOP/s (target 75 %)", fontsize=9)


def _draw_overhead(ax, chart):
    data = chart["us_per_step"]
    _bars(ax, list(data), list(data.values()))
    ax.set_xlabel("µs per step", fontsize=8)
    ax.set_title("3. XOR per-step overhead", fontsize=9)


def _draw_widgets(ax, chart):
    data = chart["median_p95_ms"]
    labels = [k.split(".")[-1] for k in data]
    y = range(len(data))
    ax.barh([i - 0.2 for i in y], [m for m, _ in data.values()], 0.4, label="median")
    ax.barh([i + 0.2 for i in y], [p for _, p in data.values()], 0.4, label="p95")
    ax.set_yticks(list(y), labels, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(50, color="#d62728", lw=1, ls="--")
    ax.axvline(100, color="#d62728", lw=1, ls=":")
    ax.set_xlabel("ms per control change", fontsize=8)
    ax.set_title("4. widget response (targets 50 / 100 ms)", fontsize=9)
    ax.legend(fontsize=6)
    ax.tick_params(axis="x", labelsize=7)


def _draw_browser(ax, chart):
    data = chart["median_p95_ms"]
    y = range(len(data))
    ax.barh([i - 0.2 for i in y], [m for m, _ in data.values()], 0.4, label="median")
    ax.barh([i + 0.2 for i in y], [p for _, p in data.values()], 0.4, label="p95")
    ax.set_yticks(list(y), list(data), fontsize=5)
    ax.invert_yaxis()
    ax.axvline(100, color="#d62728", lw=1, ls="--")
    ax.set_xlabel("ms from input event to new pixels", fontsize=8)
    ax.set_title("4b. widget response in Chromium (target 100 ms)", fontsize=9)
    ax.legend(fontsize=6)
    ax.tick_params(axis="x", labelsize=7)


def _draw_present(ax, chart):
    data = chart["median_max_s"]
    y = range(len(data))
    ax.barh([i - 0.2 for i in y], [m for m, _ in data.values()], 0.4, label="median")
    ax.barh([i + 0.2 for i in y], [x for _, x in data.values()], 0.4, label="max")
    ax.set_yticks(list(y), list(data), fontsize=5)
    ax.invert_yaxis()
    ax.axvline(5, color="#d62728", lw=1, ls="--")
    ax.set_xlabel("s from navigation start to every widget drawn", fontsize=8)
    ax.set_title("4c. lecture view page ready (target 5 s)", fontsize=9)
    ax.legend(fontsize=6)
    ax.tick_params(axis="x", labelsize=7)


def _draw_grading(ax, chart):
    labels, values = [], []
    for name, s in chart.get("notebook_s", {}).items():
        labels.append(f"run {name}")
        values.append(s)
    for name, s in chart.get("grading_s", {}).items():
        labels.append(name.replace(" (1 process)", ""))
        values.append(s)
    _bars(ax, labels, values)
    ax.set_xlabel("seconds", fontsize=8)
    ax.set_title("5. notebooks and grading 60 submissions", fontsize=9)


DRAW = {"training": _draw_training, "blas": _draw_blas, "overhead": _draw_overhead, "widgets": _draw_widgets,
        "browser": _draw_browser, "present": _draw_present, "grading": _draw_grading}


# ----------------------------------------------------------------- report
def write_report(sections, info, vers, seconds: float, quick: bool, argv) -> str:
    lines = ["# nncourse benchmarks", ""]
    if quick:
        lines += ["> **QUICK SMOKE RUN** (`--quick`): tiny sizes and 1–2 repeats. These numbers are not "
                  "measurements; run `python -m benchmarks` for the report.", ""]
    stamps = info.get("stamps", {})
    section_times = ", ".join(f"{name} {secs:.0f} s" for name, secs in info.get("ran", {}).items())
    ran = f"in {seconds / 60:.1f} min ({section_times})" if section_times else f"in {seconds / 60:.1f} min"
    kept = [s.name for s in sections if s.name in stamps and s.name not in info.get("ran", {})]
    lines += [f"Written by `python -m benchmarks{(' ' + ' '.join(argv)) if argv else ''}` on {info['date']}, "
              f"which ran {ran}. "
              + (f"Sections kept from earlier runs ({', '.join(kept)}) say when they were measured. " if kept else "")
              + "Each section's latest result is stored in `benchmarks/results/`. "
              "Every section can be run alone: `python -m benchmarks.bench_<name> "
              "[--quick]`. Method: candidates run interleaved (A B C A B C …) after one untimed warm-up, "
              "≥ 5 timed repeats, median and [min–max] of wall time; speed is compared as ratios between "
              "candidates of the same run; BLAS and PyTorch threads pinned with threadpoolctl / "
              "`torch.set_num_threads`.", ""]
    lines += ["## Machine", "", md_table(["", ""], [
        ["CPU", info["cpu"]], ["cores", info["cores"]], ["OS", info["os"]],
        ["NumPy BLAS", info["blas"]], ["PyTorch BLAS", info.get("torch_blas", "–")],
        ["load average (1, 5, 15 min) at start → end of this run", f"{info['load']} → {info.get('load_end', '?')}"],
        ["versions", ", ".join(f"{k} {v}" for k, v in vers.items() if v)],
        ["not installed", ", ".join(k for k, v in vers.items() if not v) or "–"],
    ]), ""]
    if info.get("load_end") and max(float(x) for x in info["load"].split()[:1] + info["load_end"].split()[:1]) > 1.0:
        lines += ["The machine was shared while this ran (load average above 1 on 2 cores): absolute times are "
                  "inflated and noisier than on an idle machine; the interleaved ratios are the numbers to read.", ""]
    targets = [(s, t) for s in sections for t in s.targets]
    lines += ["## Targets", "", md_table(["section", "target", "wanted", "measured", "verdict"],
                                                   [(s.title.split(":")[0].split(".")[0] + ".", t.name, t.wanted,
                                                     t.measured, t.verdict) for s, t in targets]), ""]
    if CHART.exists():
        lines += [f"![benchmark chart]({CHART.name})", ""]
    for s in sections:
        stamp = results.stamp_line(s, stamps[s.name]) if s.name in stamps else f"*(section ran in {s.seconds:.0f} s)*"
        lines += [f"## {s.title}", "", stamp, "", s.body, ""]
    if CHANGES.exists():
        lines += [CHANGES.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny sizes, 1-2 repeats (not a measurement)")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these benchmarks")
    parser.add_argument("--skip", nargs="+", choices=list(BENCHMARKS), default=[], help="leave these out")
    parser.add_argument("--full-grid", action="store_true", help="training: all 16 configurations")
    parser.add_argument("--output", type=Path, default=REPORT, help=f"report path (default {REPORT})")
    args = parser.parse_args(argv)
    raw_argv = sys.argv[1:] if argv is None else list(argv)

    optional("torch"), optional("sklearn")  # import before reading versions and BLAS info
    info, vers = machine_info(), versions()
    started = time.perf_counter()
    names = [name for name in (args.only or [n for n in BENCHMARKS if n not in OPT_IN]) if name not in args.skip]
    sections = run_all(names, args.quick, args.full_grid, store=not args.quick)
    seconds = time.perf_counter() - started
    info["load_end"] = _load_now()
    info["ran"] = {section.name: section.seconds for section in sections}
    if not args.quick:  # the report: the latest stored result of every section, this run's included
        stored = [results.load(name) for name in BENCHMARKS]
        sections = [section for section, _ in filter(None, stored)]
        info["stamps"] = {section.name: stamp for section, stamp in filter(None, stored)}
    chart_path = args.output.parent / CHART.name
    draw_chart(sections, chart_path)
    text = write_report(sections, info, vers, seconds, args.quick, raw_argv)
    args.output.write_text(text, encoding="utf-8")
    print(f"[benchmarks] wrote {args.output} and {chart_path} in {seconds / 60:.1f} min")
    return 0


def _load_now() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


if __name__ == "__main__":
    sys.exit(main())
