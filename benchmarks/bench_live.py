"""Live-training widgets in the browser: frames painted per second, lecture view and JupyterLab.

Chapters 05–07 have widgets that animate while the kernel trains: chapter
05's optimizer race (a ``<canvas>`` drawn by ``race.js``, Play button) and
batch-noise curves (a PNG per frame, ipywidgets' Play, an eighth of an
epoch per tick), and chapter 07's overfitting and early-stopping explorers
(a PNG per frame, Train toggle; ``nnlib/widgets/_live.py``).  A student or lecturer needs at
least 10 new frames a second for the training to look live, and the race
is meant for a projector at 20 (``bench_race`` measures it in more detail).

For every such widget on the solution notebook's page, in the lecture view
(``nncourse present``, 1280×720) and in JupyterLab (1280×800, its default
settings), inside the page:

- a PNG widget's frame is *painted* when its new ``src`` has loaded and the
  next animation frame has run (a ``src`` replaced before it loaded is not
  counted); the race's frame is one redraw of its canvas (its ``clearRect``);
- the widget is started (Train / Play), left running for ``SECONDS``, and
  stopped (Pause; the race runs to its end; Play's stop button);
- frames per second = (painted frames − 1) / (last − first paint time),
  from the second frame on (the first waits for the training thread).

Run alone: ``python -m benchmarks.bench_live [--quick]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_live.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import os
import tempfile
import time

from benchmarks._common import ROOT, Section, Target, md_table

sys.path.insert(0, str(ROOT / "tests" / "browser"))  # the browser tests' driver: one way to run a page
import labdriver

CHAPTERS = ("05_optimizers", "07_regularization")
SECONDS = 4.0
RUNS = 3
TARGET_FPS = 10.0
RACE_LECTURE_FPS = 20.0

# Count painted frames of one widget output: PNG loads followed by an animation frame, or canvas redraws.
_ARM_JS = """(root) => {
  const t = root.__live = {paints: []};
  const img = root.querySelector('img.widget-image');
  if (img) {
    new MutationObserver(() => {
      const src = img.src;
      img.addEventListener('load', () => {
        if (img.src === src) requestAnimationFrame(() => t.paints.push(performance.now()));
      }, {once: true});
    }).observe(img, {attributes: true, attributeFilter: ['src']});
  }
  const canvas = root.querySelector('canvas.nncourse-race-canvas');
  if (canvas) {
    const ctx = canvas.getContext('2d'), clear = ctx.clearRect;
    ctx.clearRect = function (...args) { t.paints.push(performance.now()); return clear.apply(this, args); };
  }
}"""
_RESET_JS = "(root) => { root.__live.paints = []; }"
_READ_JS = "(root) => root.__live.paints"


def _fps(paints: list[float]) -> float:
    paints = paints[1:]  # the first frame waits for the training thread / the first step
    if len(paints) < 2:
        return 0.0
    return (len(paints) - 1) / ((paints[-1] - paints[0]) / 1e3)


def _live_outputs(scope) -> list[tuple[str, str, object]]:
    """``[(name, kind, output handle)]``: kind "race" (canvas, Play), "train" (Train toggle) or "play" (Play)."""
    found = []
    for output in labdriver.widget_outputs(scope).element_handles():
        if output.query_selector("canvas.nncourse-race-canvas"):
            found.append(("OptimizerRace", "race", output))
        elif output.query_selector("button.widget-toggle-button") and output.query_selector("img.widget-image"):
            buttons = [_text(b) for b in output.query_selector_all("button.widget-toggle-button")]
            if "Train" in buttons:
                found.append((labdriver.widget_name(output), "train", output))
        elif output.query_selector(".widget-play") and output.query_selector("img.widget-image"):
            found.append((labdriver.widget_name(output), "play", output))
    return found


def _text(element) -> str:
    # textContent, not innerText: JupyterLab's default windowing skips rendering off-screen cells,
    # whose innerText is then empty
    return element.evaluate("e => e.textContent.trim()")


def _toggle(output, text: str, missing_ok: bool = False) -> None:
    for button in output.query_selector_all("button.widget-toggle-button"):
        if _text(button) == text:
            button.click()
            return
    if not missing_ok:
        raise AssertionError(f"no {text!r} button")


def _run_once(output, kind: str, seconds: float) -> float:
    if kind == "race":
        output.query_selector("button[data-name=reset]").click()
        time.sleep(0.3)
        output.evaluate(_RESET_JS)
        output.query_selector("button[data-name=play]").click()
        deadline = time.monotonic() + 30
        time.sleep(0.5)
        while (_text(output.query_selector("button[data-name=play]")) == "Pause"
               and time.monotonic() < deadline):
            time.sleep(0.2)
    elif kind == "play":
        # ipywidgets' Play: its buttons are play, pause, stop (back to the start), repeat
        play, _pause, stop = output.query_selector_all(".widget-play button")[:3]
        stop.click()
        time.sleep(0.5)
        output.evaluate(_RESET_JS)
        play.click()
        time.sleep(seconds)
        paints = output.evaluate(_READ_JS)
        stop.click()
        time.sleep(0.5)
        return _fps(paints)
    else:
        output.evaluate(_RESET_JS)
        _toggle(output, "Train")
        time.sleep(seconds)
        paints = output.evaluate(_READ_JS)
        # A widget that reached its last epoch (or stopped early) within the window shows "Train" again;
        # its frames are counted between the first and the last paint, so the idle end does not count.
        _toggle(output, "Pause", missing_ok=True)
        time.sleep(0.5)
        return _fps(paints)
    return _fps(output.evaluate(_READ_JS))


def measure_page(page, scope, where: str, runs: int, seconds: float) -> list[dict]:
    rows = []
    for name, kind, output in _live_outputs(scope):
        output.scroll_into_view_if_needed()
        time.sleep(0.3)
        output.evaluate(_ARM_JS)
        fps = [_run_once(output, kind, seconds) for _ in range(runs)]
        rows.append({"where": where, "widget": name, "kind": kind, "fps": fps})
    return rows


def _lecture(browser, chapter: str, work: Path, runs, seconds) -> list[dict]:
    argv = [sys.executable, "-m", "autograder.cli", "present", chapter]
    server = labdriver.Server(argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, work / f"present-{chapter}.log",
                              ready_path="/voila/static/voila.js", cwd=ROOT)
    labdriver.atexit_stop(server)
    try:
        server.wait_ready()
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        try:
            page.set_default_timeout(60_000)
            labdriver.open_lecture_page(page, server.url + "/", f"lecture view of {chapter}", timeout_s=120)
            body = page.locator("body")
            return measure_page(page, body, "lecture view", runs, seconds)
        finally:
            page.close()
    finally:
        server.stop()


def _lab(browser, work: Path, runs, seconds) -> list[dict]:
    home = work / "home"
    home.mkdir()
    root = labdriver.copy_chapters(ROOT, work / "root", folders=("solutions",))
    # JupyterLab as students get it (default windowing), like bench_browser
    settings = {k: v for k, v in labdriver.LAB_SETTINGS.items() if k != "@jupyterlab/notebook-extension:tracker"}
    server = labdriver.jupyter_lab(root, home, work / "jupyterlab.log", settings=settings)
    labdriver.atexit_stop(server)
    rows = []
    try:
        server.wait_ready()
        for chapter in CHAPTERS:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            try:
                lab = labdriver.Notebook(page, server.url, f"solutions/{chapter}/{chapter}.ipynb")
                lab.run_all()
                lab.wait_widgets_rendered()
                rows += measure_page(page, lab.panel, "JupyterLab", runs, seconds)
            finally:
                page.close()
    finally:
        server.stop()
    return rows


def run(quick: bool = False) -> Section:
    section = Section("live", "4d. Live-training widgets: frames painted per second while training")
    reason = labdriver.chromium_missing_reason()
    if reason:
        section.body = f"Not measured: {reason}."
        section.targets = [Target("live widgets: ≥ 10 frames per second", "≥ 10 fps", "not measured", None)]
        return section
    from playwright.sync_api import sync_playwright

    runs, seconds = (1, 2.0) if quick else (RUNS, SECONDS)
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-live-") as tmp, sync_playwright() as playwright:
        browser = labdriver.launch_chromium(playwright)
        try:
            for chapter in CHAPTERS:
                rows += [dict(r, chapter=chapter) for r in _lecture(browser, chapter, Path(tmp), runs, seconds)]
            (Path(tmp) / "lab").mkdir()
            rows += _lab(browser, Path(tmp) / "lab", runs, seconds)
        finally:
            browser.close()
    return report(section, rows, quick, (load_before, os.getloadavg()[0]))


def report(section: Section, rows: list[dict], quick: bool, load) -> Section:
    import statistics

    table, targets, chart = [], [], {}
    for row in rows:
        fps = statistics.median(row["fps"]) if row["fps"] else 0.0
        wanted = RACE_LECTURE_FPS if row["kind"] == "race" and row["where"] == "lecture view" else TARGET_FPS
        action = {"race": "Play to the end", "play": "Play"}.get(row["kind"], "Train")
        table.append([row["where"], f"`{row['widget']}`", action if row["kind"] == "race"
                      else f"{action} {SECONDS if not quick else 2:g} s", " / ".join(f"{f:.1f}" for f in row["fps"]),
                      f"{fps:.1f}", f"≥ {wanted:g}"])
        targets.append(Target(f"live, {row['where']}: `{row['widget']}` ≥ {wanted:g} frames painted per second",
                              f"≥ {wanted:g} fps", f"{fps:.1f} fps", fps >= wanted))
        chart[f"{row['widget']} ({'lab' if row['where'] == 'JupyterLab' else 'lecture'})"] = fps
    missing = {"OptimizerRace", "BatchNoise", "OverfitExplorer", "EarlyStoppingExplorer"} - {r["widget"] for r in rows}
    for name in sorted(missing):
        targets.append(Target(f"live: `{name}` found on the page", "found", "not found", False))
    section.body = "\n".join([
        (f"{'QUICK SMOKE RUN, not a measurement. ' if quick else ''}"
         "Frames painted per second while a live widget trains, counted in the page (a PNG widget: new `src` "
         "loaded, then the next animation frame; the race: one canvas redraw), from the second frame on, one "
         "row per widget and front end (solution notebooks; lecture view 1280×720, JupyterLab 1280×800 with "
         "its default settings). Each run starts the widget (Train / Play), keeps it running and stops it. "
         f"Load average (1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end (2 cores)."),
        "",
        md_table(["page", "widget", "run", "fps per run", "median fps", "target"], table),
    ])
    section.targets = targets
    section.chart = {"fps": chart}
    return section


def main(argv=None):
    from benchmarks._common import cli

    return cli(run, "Live-training widgets: frames painted per second (lecture view and JupyterLab)", argv)


if __name__ == "__main__":
    main()
