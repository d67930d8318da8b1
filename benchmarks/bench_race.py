"""The optimizer race's animation in the browser: frames per second in the lecture view at 1280×720.

Chapter 05's race (``nnlib/widgets/race.py`` and ``race.js``) animates on a
``<canvas>`` without asking the kernel anything per frame; its target is at
least 20 frames per second on a projector.  This benchmark starts the real
lecture view (``nncourse present 05_optimizers``, Voilà) in headless
Chromium at 1280×720, scrolls to the race and, inside the page:

- counts the race's frames: every redraw of its canvas starts with one
  ``clearRect`` on its 2-D context, which the benchmark wraps (the widget's
  own code is not changed or asked), with a ``performance.now()`` timestamp;
- runs a ``requestAnimationFrame`` loop of its own, to know the rate at which
  the page can paint at all (the ceiling);
- clicks the race's **Play** button and records until the race has run to
  its end (200 steps at 40 steps per second: about 5 s), several times.

Frames per second = frames / (last − first timestamp).  It also times the
learning-rate slider while the race is paused (one arrow key each, from the
key's event timestamp to the canvas's next redraw, which follows the
kernel's new race): the response a lecturer sees.

Run alone: ``python -m benchmarks.bench_race [--quick]``.  Needs Debian's
Chromium and the ``playwright`` package, like the browser tests.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_race.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import os
import statistics
import tempfile
import time

from benchmarks._common import ROOT, Section, Stats, Target, md_table

sys.path.insert(0, str(ROOT / "tests" / "browser"))  # the browser tests' driver: one way to run a page
import labdriver  # noqa: E402

CHAPTER = "05_optimizers"
VIEWPORT = {"width": 1280, "height": 720}
RUNS = 5
SLIDER_CHANGES = 20
TARGET_FPS = 20.0
TARGET_MS = 100.0

# In the page: wrap the race canvas's clearRect (one per frame) and run a rAF loop of our own.
_ARM_JS = """(root) => {
  const canvas = root.querySelector('canvas.nncourse-race-canvas');
  const ctx = canvas.getContext('2d'), clear = ctx.clearRect;
  const t = root.__race = {draws: [], rafs: [], events: [], counting: true};
  ctx.clearRect = function (...args) { t.draws.push(performance.now()); return clear.apply(this, args); };
  const loop = (now) => { if (t.counting) { t.rafs.push(now); requestAnimationFrame(loop); } };
  requestAnimationFrame(loop);
  for (const type of ['keydown']) root.addEventListener(type, e => t.events.push(e.timeStamp), true);
}"""
_RESET_JS = "(root) => { const t = root.__race; t.draws = []; t.rafs = []; t.events = []; }"
_READ_JS = "(root) => root.__race"
_PLAYING_JS = "(root) => root.querySelector('button[data-name=play]').textContent === 'Pause'"


def _race_output(page):
    outputs = labdriver.widget_outputs(page.locator("body"))
    for index in range(outputs.count()):
        output = outputs.nth(index)
        if output.locator("canvas.nncourse-race-canvas").count():
            return output
    raise AssertionError("no optimizer race (canvas.nncourse-race-canvas) on the page")


def _play_once(output, timeout_s: float = 30.0) -> dict:
    """Reset, Play, wait for the end; the frames drawn meanwhile and the page's own rAF rate."""
    output.locator("button[data-name=reset]").click()
    time.sleep(0.3)
    output.evaluate(_RESET_JS)
    output.locator("button[data-name=play]").click()
    deadline = time.monotonic() + timeout_s
    time.sleep(0.5)
    while output.evaluate(_PLAYING_JS) and time.monotonic() < deadline:
        time.sleep(0.2)
    t = output.evaluate(_READ_JS)
    draws, rafs = t["draws"], t["rafs"]
    start, end = draws[0], draws[-1]
    span_rafs = [r for r in rafs if start <= r <= end]
    intervals = [b - a for a, b in zip(draws, draws[1:])]
    return {"frames": len(draws), "seconds": (end - start) / 1e3,
            "fps": (len(draws) - 1) / ((end - start) / 1e3),
            "raf_fps": (len(span_rafs) - 1) / ((span_rafs[-1] - span_rafs[0]) / 1e3) if len(span_rafs) > 1 else 0.0,
            "median_ms": statistics.median(intervals), "p95_ms": Stats([i / 1e3 for i in intervals]).percentile(95) * 1e3,
            "max_ms": max(intervals)}


def _slider_response(page, output, changes: int) -> list[float]:
    """Milliseconds from an arrow key on the learning-rate slider to the canvas's next redraw (paused)."""
    handle = output.locator(".widget-slider .noUi-handle:visible").first
    times, direction = [], "ArrowLeft"
    for _ in range(changes):
        output.evaluate(_RESET_JS)
        now, low, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemin", "aria-valuemax"))
        direction = "ArrowLeft" if now >= top else "ArrowRight" if now <= low else direction
        handle.focus()
        page.keyboard.press(direction)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            t = output.evaluate(_READ_JS)
            if t["events"] and [d for d in t["draws"] if d > t["events"][0]]:
                times.append(min(d for d in t["draws"] if d > t["events"][0]) - t["events"][0])
                break
            time.sleep(0.01)
        time.sleep(0.15)
    return times


def measure(browser, runs: int, changes: int, work: Path) -> dict:
    argv = [sys.executable, "-m", "autograder.cli", "present", CHAPTER]
    server = labdriver.Server(argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, work / "present.log",
                              ready_path="/voila/static/voila.js", cwd=ROOT)
    labdriver.atexit_stop(server)
    try:
        server.wait_ready()
        page = browser.new_page(viewport=VIEWPORT)
        try:
            page.set_default_timeout(60_000)
            page.goto(server.url + "/")
            labdriver.wait_widgets_rendered(page.locator("body"), f"lecture view of {CHAPTER}", timeout_s=120)
            output = _race_output(page)
            output.evaluate("o => o.scrollIntoView({block: 'start'})")
            time.sleep(0.5)
            output.evaluate(_ARM_JS)
            canvas_px = output.locator("canvas.nncourse-race-canvas").evaluate("c => [c.width, c.height]")
            plays = [_play_once(output) for _ in range(runs)]
            response = _slider_response(page, output, changes)
        finally:
            page.close()
    finally:
        server.stop()
    return {"plays": plays, "response_ms": response, "canvas_px": canvas_px}


def run(quick: bool = False) -> Section:
    section = Section("race", "4c. The optimizer race's animation in the lecture view (frames per second)")
    reason = labdriver.chromium_missing_reason()
    if reason:
        section.body = f"Not measured: {reason}."
        section.targets = [Target("race: ≥ 20 frames per second in the lecture view at 1280×720", "≥ 20 fps",
                                  "not measured", None)]
        return section
    from playwright.sync_api import sync_playwright

    runs, changes = (1, 3) if quick else (RUNS, SLIDER_CHANGES)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-race-") as tmp, sync_playwright() as playwright:
        browser = labdriver.launch_chromium(playwright)
        try:
            result = measure(browser, runs, changes, Path(tmp))
        finally:
            browser.close()
    return report(section, result, quick, (load_before, os.getloadavg()[0]))


def report(section: Section, result: dict, quick: bool, load) -> Section:
    plays = result["plays"]
    rows = [[str(i + 1), str(p["frames"]), f"{p['seconds']:.2f}", f"{p['fps']:.1f}", f"{p['raf_fps']:.1f}",
             f"{p['median_ms']:.1f}", f"{p['p95_ms']:.1f}", f"{p['max_ms']:.1f}"] for i, p in enumerate(plays)]
    fps = statistics.median(p["fps"] for p in plays)
    response = result["response_ms"]
    resp = Stats([r / 1e3 for r in response]) if response else None
    section.body = "\n".join([
        f"{'QUICK SMOKE RUN, not a measurement. ' if quick else ''}"
        f"`nncourse present {CHAPTER}` (Voilà) in headless Chromium at 1280×720, the race scrolled into view, "
        f"its canvas {result['canvas_px'][0]}×{result['canvas_px'][1]} px; Play from the start to the end "
        "(200 steps at 40 steps per second), frames counted in the page by wrapping the canvas's `clearRect` "
        "(one per frame). \"page rAF\" is the rate of a `requestAnimationFrame` loop of the benchmark's own over "
        "the same time: the most the page can paint. Load average (1 min) "
        f"{load[0]:.2f} at the start, {load[1]:.2f} at the end (2 cores).",
        "",
        md_table(["run", "frames", "seconds", "fps", "page rAF fps", "median frame ms", "p95 frame ms",
                  "max frame ms"], rows),
        "",
        (f"Learning-rate slider while paused (one arrow key, {len(response)} changes): key event → the canvas's "
         f"redraw with the new race, median {resp.median * 1e3:.0f} ms, p95 {resp.percentile(95) * 1e3:.0f} ms "
         "(websocket both ways, the kernel recomputing six races and sending them, the next animation frame)."
         if resp else "Learning-rate slider: no redraw was seen."),
    ])
    section.targets = [Target("race: ≥ 20 frames per second in the lecture view at 1280×720 (median of the runs)",
                              f"≥ {TARGET_FPS:.0f} fps", f"{fps:.1f} fps", fps >= TARGET_FPS)]
    if resp:
        section.targets.append(Target("race: learning-rate slider → redrawn race, median ≤ 100 ms",
                                      f"≤ {TARGET_MS:.0f} ms", f"{resp.median * 1e3:.0f} ms",
                                      resp.median * 1e3 <= TARGET_MS))
    section.chart = {"fps": [p["fps"] for p in plays], "raf_fps": [p["raf_fps"] for p in plays]}
    return section


def main(argv=None):
    from benchmarks._common import cli

    return cli(run, "The optimizer race's frames per second in the lecture view (Chromium, 1280x720)", argv)


if __name__ == "__main__":
    main()
