"""The playground's speed: frames painted in Chromium, training steps per second, a control answered while training.

The scene of the targets: a 2-8-8-1 network (x₁, x₂ in; two hidden layers
of 8 tanh units; one sigmoid output) on the 500-point circle (250 train),
batches of 10, plain SGD at 0.03 (``playground("d=circle;h=8.8")``).

1. **Training alone, three ways, as ratios**: the playground's
   ``TrainingSession.step`` (nnlib), a plain NumPy loop of the same network
   written out here, and PyTorch (``torch.nn.Sequential``, one thread),
   interleaved A B C after a warm-up, 2,000 steps a run.
2. **In Chromium** (headless, 1280×720), in the lecture view
   (``nncourse present playground``) and in JupyterLab (a scratch notebook):
   Play for a few seconds and count, inside the page, the frames actually
   painted (the surface canvas's ``clearRect``, one per painted frame,
   wrapped by the benchmark), the page's own ``requestAnimationFrame`` rate
   over the same time (the ceiling), and the training steps per second
   the painted frames report (their ``data-steps``) — the steps the kernel
   managed between frames while also drawing and sending them.
3. **A control while training**: the learning-rate drop-down changed while
   Play runs; from the ``change`` event's timestamp to the first painted
   frame of the new scene (its ``data-version``): the websocket both ways,
   the kernel taking the session from the trainer, applying, sending a frame,
   and the browser painting it.

Run alone: ``python -m benchmarks.bench_playground [--quick]``.  Needs Debian's
Chromium and ``playwright`` for parts 2-3 (like the browser tests) and
PyTorch for the third candidate of part 1.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_playground.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import os
import tempfile
import time

import numpy as np

from benchmarks._common import (
    ROOT,
    Section,
    Stats,
    Target,
    interleaved,
    md_table,
    optional,
    pinned_threads,
)

sys.path.insert(0, str(ROOT / "tests" / "browser"))  # the browser tests' driver
import labdriver

SCENE = "d=circle;h=8.8"
STEPS = 2000
VIEWPORT = {"width": 1280, "height": 720}
TARGET_FPS, TARGET_STEPS, TARGET_MS = 30.0, 1000.0, 100.0

# ------------------------------------------------------------------ 1. training alone


def _session():
    from nnlib.widgets.playground_config import parse_scene
    from nnlib.widgets.playground_session import TrainingSession

    return TrainingSession(parse_scene(SCENE))


def numpy_loop(session):
    """The same network, loss and update in plain NumPy, on the session's data and first weights."""
    X, y = session.F_train, session.T_train  # (250, 2), (250, 1)
    W = [w.copy() for w in session.weights()[0]]
    b = [v.copy() for v in session.weights()[1]]
    lr, batch, n = 0.03, 10, len(X)
    order, cursor, epoch = np.arange(n), n, 0

    def run(steps):
        nonlocal order, cursor, epoch
        for _ in range(steps):
            if cursor >= n:
                order, cursor, epoch = np.random.default_rng(epoch).permutation(n), 0, epoch + 1
            idx = order[cursor:cursor + batch]
            cursor += batch
            x, t = X[idx], y[idx]
            h1 = np.tanh(x @ W[0] + b[0])
            h2 = np.tanh(h1 @ W[1] + b[1])
            z = h2 @ W[2] + b[2]
            dz = (1 / (1 + np.exp(-z)) - t) / len(idx)  # sigmoid + BCE on logits
            dh2 = dz @ W[2].T * (1 - h2 * h2)
            dh1 = dh2 @ W[1].T * (1 - h1 * h1)
            for k, (a, d) in enumerate(((h2, dz), (h1, dh2), (x, dh1))):
                layer = 2 - k
                W[layer] -= lr * (a.T @ d)
                b[layer] -= lr * d.sum(axis=0)
    return run


def torch_loop(session, torch):
    X = torch.tensor(session.F_train)
    y = torch.tensor(session.T_train)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                torch.nn.Linear(8, 1)).double()
    with torch.no_grad():
        for linear, w, v in zip(model[::2], *session.weights()):
            linear.weight.copy_(torch.tensor(w.T))
            linear.bias.copy_(torch.tensor(v))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.03)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    n, state = len(X), {"order": None, "cursor": len(X), "epoch": 0}

    def run(steps):
        for _ in range(steps):
            if state["cursor"] >= n:
                state["order"] = torch.randperm(n)
                state["cursor"] = 0
            idx = state["order"][state["cursor"]:state["cursor"] + 10]
            state["cursor"] += 10
            optimizer.zero_grad()
            loss_fn(model(X[idx]), y[idx]).backward()
            optimizer.step()
    return run


def training_alone(repeats: int, steps: int) -> dict:
    session = _session()
    candidates = {"playground (nnlib)": lambda: session.step(steps), "plain NumPy loop": numpy_loop(_session())}
    torch = optional("torch")
    if torch is not None:
        candidates["PyTorch (1 thread)"] = torch_loop(_session(), torch)
    runs = {name: (fn if name == "playground (nnlib)" else (lambda fn=fn: fn(steps))) for name, fn in candidates.items()}
    with pinned_threads(1):
        return interleaved(runs, repeats)


# ------------------------------------------------------------------ 2-3. in the browser

_ARM_JS = """(root) => {
  const canvas = root.querySelector('canvas.nnpg-surface');
  const ctx = canvas.getContext('2d'), clear = ctx.clearRect;
  const t = root.__bench = {draws: [], rafs: [], steps: [], versions: [], events: [], counting: true};
  ctx.clearRect = function (...args) {
    const now = performance.now();
    t.draws.push(now);
    // the frame painted now is the one whose data-* the previous paint left; read them after this paint
    queueMicrotask(() => { t.steps.push([now, Number(root.dataset.steps)]); t.versions.push([now, Number(root.dataset.version)]); });
    return clear.apply(this, args);
  };
  const loop = (now) => { if (t.counting) { t.rafs.push(now); requestAnimationFrame(loop); } };
  requestAnimationFrame(loop);
  root.querySelector('select[data-name=lr]').addEventListener('change', e => t.events.push([e.timeStamp, Number(root.dataset.version)]), true);
}"""
_RESET_JS = "(root) => { const t = root.__bench; t.draws = []; t.rafs = []; t.steps = []; t.versions = []; t.events = []; }"
_READ_JS = "(root) => root.__bench"


def _wait(predicate, what, timeout_s=60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(what)


def _measure_page(root, seconds: float, changes: int) -> dict:
    """Play ``seconds``; then, still playing, ``changes`` learning-rate changes; pause."""
    root.evaluate("r => r.scrollIntoView({block: 'start'})")
    root.evaluate(_ARM_JS)
    root.locator("button[data-name=reset]").click()
    time.sleep(0.5)
    root.evaluate(_RESET_JS)
    root.locator("button[data-name=play]").click()
    time.sleep(seconds)
    t = root.evaluate(_READ_JS)
    draws, rafs, steps = t["draws"], t["rafs"], t["steps"]
    span = [r for r in rafs if draws[0] <= r <= draws[-1]]
    intervals = np.diff(draws)
    result = {"frames": len(draws), "seconds": (draws[-1] - draws[0]) / 1e3,
              "fps": (len(draws) - 1) / ((draws[-1] - draws[0]) / 1e3),
              "raf_fps": (len(span) - 1) / ((span[-1] - span[0]) / 1e3) if len(span) > 1 else 0.0,
              "median_ms": float(np.median(intervals)), "p95_ms": float(np.percentile(intervals, 95)),
              "steps_per_s": (steps[-1][1] - steps[0][1]) / ((steps[-1][0] - steps[0][0]) / 1e3)}
    select = root.locator("select[data-name=lr]")
    latencies = []
    options = ["0.01", "0.03"]
    for i in range(changes):
        root.evaluate(_RESET_JS)
        select.select_option(label=options[i % 2])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            t = root.evaluate(_READ_JS)
            if t["events"]:
                at, version = t["events"][0]
                newer = [d for d, v in t["versions"] if v > version and d >= at]
                if newer:
                    latencies.append(newer[0] - at)
                    break
            time.sleep(0.01)
        time.sleep(0.2)
    root.locator("button[data-name=play]").click()
    result["latency_ms"] = latencies
    return result


def _lecture(browser, work: Path, seconds: float, changes: int) -> dict:
    argv = [sys.executable, "-m", "autograder.cli", "present", "playground", "--no-preheat"]
    server = labdriver.Server(argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, work / "present.log",
                              ready_path="/voila/static/voila.js", cwd=ROOT)
    labdriver.atexit_stop(server)
    try:
        server.wait_ready()
        page = browser.new_page(viewport=VIEWPORT)
        try:
            page.set_default_timeout(60_000)
            page.goto(server.url + "/")
            root = page.locator(".nnpg").first
            root.wait_for()
            _wait(lambda: int(root.evaluate("r => r.dataset.paints || 0")) > 0, "the playground painted")
            version = int(root.evaluate("r => r.dataset.version"))
            field = root.locator("input.nnpg-config-input")
            field.fill(SCENE)
            field.press("Enter")
            _wait(lambda: int(root.evaluate("r => r.dataset.version")) > version, "the scene loaded")
            return _measure_page(root, seconds, changes)
        finally:
            page.close()
    finally:
        server.stop()


def _jupyterlab(browser, work: Path, seconds: float, changes: int) -> dict:
    import nbformat

    root_dir = work / "lab"
    root_dir.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(f"from nnlib.widgets import playground\nplayground({SCENE!r})")]
    nbformat.write(nb, root_dir / "bench.ipynb")
    server = labdriver.jupyter_lab(root_dir, work / "home", work / "lab.log")
    labdriver.atexit_stop(server)
    try:
        server.wait_ready()
        page = browser.new_page(viewport=VIEWPORT)
        try:
            lab = labdriver.Notebook(page, server.url, "bench.ipynb", expected_cells=1)
            lab.run_all()
            labdriver.set_file_browser(page, False)
            root = page.locator(".nnpg").first
            _wait(lambda: int(root.evaluate("r => r.dataset.paints || 0")) > 0, "the playground painted")
            return _measure_page(root, seconds, changes)
        finally:
            page.close()
    finally:
        server.stop()


# ------------------------------------------------------------------ the report


def run(quick: bool = False) -> Section:
    section = Section("playground", "4d. The playground: frames painted, training steps, a control while training")
    repeats, steps = (2, 300) if quick else (7, STEPS)
    alone = training_alone(repeats, steps)
    base = alone["playground (nnlib)"].median
    rows = [[name, f"{steps / s.median:,.0f}", f"{s.median / steps * 1e6:.1f}", f"{s.median / base:.2f}×"]
            for name, s in alone.items()]
    body = [(f"{'QUICK SMOKE RUN, not a measurement. ' if quick else ''}"
            f"Scene `{SCENE}`: 2-8-8-1 tanh network, sigmoid output, 500 points (250 train), batch 10, SGD 0.03. "
            f"**Training alone** ({steps:,} steps a run, {repeats} interleaved runs, one thread, median; "
            "time relative to the playground's, lower is faster):"), "",
            md_table(["candidate", "steps / s", "µs / step", "time vs playground"], rows), ""]
    section.chart = {"steps_per_s": {name: steps / s.median for name, s in alone.items()}}
    section.targets = []
    reason = labdriver.chromium_missing_reason()
    if reason:
        section.body = "\n".join([*body, f"In the browser: not measured: {reason}."])
        section.targets.append(Target("playground: ≥ 30 frames painted per second in Chromium", "≥ 30 fps",
                                      "not measured", None))
        return section
    from playwright.sync_api import sync_playwright

    seconds, changes = (2.0, 3) if quick else (6.0, 15)
    load = [os.getloadavg()[0]]
    places = {}
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-playground-") as tmp, sync_playwright() as playwright:
        browser = labdriver.launch_chromium(playwright)
        try:
            places["lecture view"] = _lecture(browser, Path(tmp), seconds, changes)
            places["JupyterLab"] = _jupyterlab(browser, Path(tmp), seconds, changes)
        finally:
            browser.close()
    load.append(os.getloadavg()[0])
    rows = []
    for where, r in places.items():
        lat = Stats([v / 1e3 for v in r["latency_ms"]]) if r["latency_ms"] else None
        rows.append([where, str(r["frames"]), f"{r['seconds']:.1f}", f"{r['fps']:.1f}", f"{r['raf_fps']:.1f}",
                     f"{r['median_ms']:.1f} / {r['p95_ms']:.1f}", f"{r['steps_per_s']:,.0f}",
                     f"{lat.median * 1e3:.0f} / {lat.percentile(95) * 1e3:.0f}" if lat else "–"])
        section.targets.append(Target(f"playground, {where}: ≥ 30 frames painted per second while training",
                                      f"≥ {TARGET_FPS:.0f} fps", f"{r['fps']:.1f} fps", r["fps"] >= TARGET_FPS))
        section.targets.append(Target(f"playground, {where}: ≥ 1,000 training steps per second between frames",
                                      f"≥ {TARGET_STEPS:,.0f}", f"{r['steps_per_s']:,.0f}",
                                      r["steps_per_s"] >= TARGET_STEPS))
        if lat:
            section.targets.append(Target(f"playground, {where}: control change → its frame painted, median",
                                          f"≤ {TARGET_MS:.0f} ms", f"{lat.median * 1e3:.0f} ms",
                                          lat.median * 1e3 <= TARGET_MS))
    body += [(f"**In Chromium** (headless, 1280×720; Play for {seconds:.0f} s, then {changes} learning-rate changes "
             "while it plays). Frames: paints of the surface canvas counted in the page; page rAF: the page's own "
             "animation-frame rate over the same time (the most it can paint); steps/s: training steps the painted "
             "frames report, per second; control: the drop-down's `change` event → first painted frame of the new "
             f"scene. Load average (1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end (2 cores)."), "",
             md_table(["where", "frames", "seconds", "fps painted", "page rAF fps", "frame interval ms median / p95",
                       "training steps / s", "control → frame ms median / p95"], rows)]
    section.body = "\n".join(body)
    section.chart["fps"] = {where: r["fps"] for where, r in places.items()}
    return section


def main(argv=None):
    from benchmarks._common import cli

    return cli(run, "The playground's speed in Chromium and against plain NumPy and PyTorch", argv)


if __name__ == "__main__":
    main()
