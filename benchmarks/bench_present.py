"""Lecture view page-ready time: from opening the page to every widget drawn, in a real Chromium.

What a lecturer waits for after opening (or reloading) ``nncourse present
CHAPTER``: navigation start → every widget image on the page loaded and
painted, measured inside the page (``tests/browser/pageready.py``: a
MutationObserver counts the widget outputs Voilà streams in, then the first
animation frame after every ``img.widget-image`` has loaded;
``performance.now()`` counts from the navigation's start).  It includes the
request, the wait for a kernel, running the notebook when no kernel was
waiting, Voilà's JavaScript, the widgets' state and their PNGs.

Per chapter, on the real command in a headless Chromium at 1280×720:

- **preheated** (the default, Voilà's ``--preheat_kernel``): the server is
  started and left until its kernel has run the chapter (a lecturer starts
  it before class: Voilà's pool is filled and the server's processes are
  quiet); then ``LOADS`` page loads, each in a new tab of the same browser
  (its cache, as a lecturer's browser keeps one; the first load fills it),
  each after the pool has been refilled and has run the chapter again (a
  later reload);
- **reload at once**: one more load right after a page was ready, while
  Voilà is still refilling the pool (the worst case of the preheated mode);
- **cold** (``--no-preheat``, what every load was before): ``COLD_LOADS``
  loads, each starting its kernel and running the chapter on request;
- **from the index**: ``nncourse present`` alone, every pool filled, the
  chapter opened by clicking its link on the index page.

Run alone: ``python -m benchmarks.bench_present [--quick]``.  Needs Debian's
Chromium and the ``playwright`` package, like the browser tests.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_present.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import os
import tempfile
import time

from benchmarks._common import ROOT, Section, Stats, Target, md_table

sys.path.insert(0, str(ROOT / "tests" / "browser"))  # the browser tests' driver and page-ready probe
import labdriver
from pageready import READY_JS, wait_page_ready

LOADS = 5  # preheated loads per chapter
COLD_LOADS = 3
TARGET_S = 5.0
VIEWPORT = {"width": 1280, "height": 720}
FILLED = "is filled with"  # Voilà's log line once a chapter's pool holds its preheated kernel(s)
POOL_TIMEOUT_S = 180.0
READY_TIMEOUT_S = 60.0  # a page not ready by then counts as a failed load


def chapters() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def _start(args, log: Path) -> labdriver.Server:
    argv = [sys.executable, "-m", "autograder.cli", "present", *args]
    server = labdriver.Server(argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, log,
                              ready_path="/voila/static/voila.js", cwd=ROOT)
    labdriver.atexit_stop(server)
    return server.wait_ready()


def _pools_filled(server: labdriver.Server) -> int:
    server.log_tail(1)  # flushes the log file
    return server.log.read_text(errors="replace").count(FILLED)


def _wait_filled(server: labdriver.Server, count: int) -> None:
    """Wait until Voilà has logged ``count`` filled pools (each refill logs one more)."""
    deadline = time.monotonic() + POOL_TIMEOUT_S
    while _pools_filled(server) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"kernel pool not filled after {POOL_TIMEOUT_S:.0f} s:\n{server.log_tail()}")
        time.sleep(0.25)


def _cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in the process group (Voilà and its kernels)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime(11) stime(12)
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _wait_quiet(server: labdriver.Server, window_s: float = 1.0, busy: float = 0.05) -> None:
    """Wait until Voilà and its kernels use under 5 % of a core for two windows in a row.

    Voilà logs "kernel pool filled" once a preheated kernel has *started*; it
    then runs the chapter in it, which takes seconds.  A lecturer opens the
    page minutes later, so the benchmark waits for that run to end: the
    server's process group going quiet says so without reading Voilà's internals.
    """
    deadline, quiet = time.monotonic() + POOL_TIMEOUT_S, 0
    before = _cpu_seconds(server.pid)
    while quiet < 2:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the lecture server still busy after {POOL_TIMEOUT_S:.0f} s:\n{server.log_tail()}")
        time.sleep(window_s)
        now = _cpu_seconds(server.pid)
        quiet = quiet + 1 if now - before < busy * window_s else 0
        before = now


def _load(context, url: str, click: str | None = None) -> dict:
    """One page load in a new tab: ``url`` (or ``url`` then a click on the link ``click``); ready time in s."""
    page = context.new_page()
    try:
        page.set_default_timeout(POOL_TIMEOUT_S * 1000)
        page.add_init_script(READY_JS)
        page.goto(url)
        if click:
            page.locator(f'a[href="{click}"]').click()
        try:
            ready = wait_page_ready(page, READY_TIMEOUT_S)
        except TimeoutError as error:  # counted and shown in the report, not hidden
            print(f"[present] {error}", flush=True)
            return {"s": None, "error": str(error), "widgets": None, "load": os.getloadavg()[0]}
        return {"s": ready["ready"] / 1000, "widgets": ready["widgets"], "load": os.getloadavg()[0]}
    finally:
        # As a reload or a closed tab does: the page's "beforeunload" asks Voilà to shut its kernel down.
        page.close(run_before_unload=True)


def _chapter_rows(browser, chapter: str, loads: int, cold_loads: int, work: Path) -> list[dict]:
    """Preheated loads, one reload at once, cold loads; each server gets one browser context (its cache)."""
    rows = []
    server, context = _start([chapter], work / f"present-{chapter}.log"), browser.new_context(viewport=VIEWPORT)
    try:
        steady = []
        for _ in range(loads):
            _wait_filled(server, len(steady) + 1)  # a kernel waits for the page...
            _wait_quiet(server)  # ...and has run the chapter
            steady.append(_load(context, server.url + "/"))
        rows.append({"chapter": chapter, "mode": "preheated", "loads": steady})
        rows.append({"chapter": chapter, "mode": "reload at once", "loads": [_load(context, server.url + "/")]})
    finally:
        context.close()
        server.stop()
    server, context = _start([chapter, "--no-preheat"], work / f"present-{chapter}-cold.log"), browser.new_context(
        viewport=VIEWPORT)
    try:
        cold = []
        for _ in range(cold_loads):
            _wait_quiet(server)  # the last page's kernel shut down
            cold.append(_load(context, server.url + "/"))
        rows.append({"chapter": chapter, "mode": "cold (--no-preheat)", "loads": cold})
    finally:
        context.close()
        server.stop()
    return rows


def _index_rows(browser, names: list[str], work: Path) -> list[dict]:
    server, context = _start([], work / "present-index.log"), browser.new_context(viewport=VIEWPORT)
    rows = []
    try:
        _wait_filled(server, len(names))
        for chapter in names:
            _wait_quiet(server)
            href = f"/voila/render/{chapter}/{chapter}.ipynb"
            rows.append({"chapter": chapter, "mode": "from the index", "loads": [_load(context, server.url + "/", href)]})
    finally:
        context.close()
        server.stop()
    return rows


def run(quick: bool = False) -> Section:
    section = Section("present", "4c. Lecture view: page ready (navigation start → every widget drawn)")
    reason = labdriver.chromium_missing_reason()
    if reason:
        section.body = f"Not measured: {reason}."
        section.targets = [Target("lecture view page ready ≤ 5 s", "≤ 5 s", "not measured", None)]
        return section
    from playwright.sync_api import sync_playwright

    loads, cold_loads = (2, 1) if quick else (LOADS, COLD_LOADS)
    names = chapters()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-present-") as tmp, sync_playwright() as playwright:
        browser = labdriver.launch_chromium(playwright)
        try:
            for chapter in names:
                print(f"[present] {chapter} ...", flush=True)
                rows += _chapter_rows(browser, chapter, loads, cold_loads, Path(tmp))
            rows += _index_rows(browser, names, Path(tmp))
        finally:
            browser.close()
    return report(section, rows, quick, (load_before, os.getloadavg()))


def report(section: Section, rows: list[dict], quick: bool, load) -> Section:
    table, targets, chart = [], [], {}
    failures = []
    for row in rows:
        done = [x for x in row["loads"] if x["s"] is not None]
        failed = len(row["loads"]) - len(done)
        failures += [f"`{row['chapter']}` {row['mode']}: {x['error']}" for x in row["loads"] if x["s"] is None]
        loads = [x["load"] for x in row["loads"]]
        count = f"{len(done)}" + (f" (+{failed} not ready in {READY_TIMEOUT_S:.0f} s)" if failed else "")
        if not done:
            table.append([f"`{row['chapter']}`", row["mode"], count, "–", "–", "–", "–", f"{min(loads):.1f}–{max(loads):.1f}"])
            continue
        st = Stats([x["s"] for x in done])
        table.append([f"`{row['chapter']}`", row["mode"], count, f"{st.median:.2f}", f"{st.max:.2f}",
                      f"{st.min:.2f}", done[0]["widgets"], f"{min(loads):.1f}–{max(loads):.1f}"])
        if row["mode"] == "preheated":
            targets.append(Target(f"lecture view `{row['chapter']}`: page ready (preheated), median and max",
                                  f"≤ {TARGET_S:.0f} s", f"median {st.median:.2f} s, max {st.max:.2f} s"
                                  + (f", {failed} load(s) not ready" if failed else ""),
                                  st.max <= TARGET_S and not failed))
        chart[f"{row['chapter']} {row['mode'].split()[0]}"] = (st.median, st.max)
    section.body = "\n".join([
        f"{'QUICK SMOKE RUN, not a measurement. ' if quick else ''}"
        "Seconds from navigation start to the first animation frame after every widget image on the page has "
        "loaded, measured in the page (`tests/browser/pageready.py`) in headless Chromium at 1280×720 against the "
        "real `nncourse present`. *Preheated* (the default): Voilà's `--preheat_kernel=True --pool_size=1` has "
        "run the chapter in a waiting kernel before the page is asked for; each load in a new tab after the pool "
        "was refilled. *Reload at once*: a load right after the previous page was ready, while Voilà refills "
        "the pool (`fill_delay` 3 s, then the chapter runs again). *Cold* (`--no-preheat`, how every load "
        "worked before): the kernel starts and runs the chapter on request. *From the index*: `nncourse "
        "present` without a chapter, every pool filled, the chapter's link clicked on the index page (the time "
        "counts from the click's navigation). The widget column counts the widget outputs on the page (the "
        "hidden reset button is one). "
        f"Load average (1 min) {load[0][0]:.2f} at the start, {load[1][0]:.2f} at the end; the last column is "
        "the 1-minute load average at each load (2 cores: above ~1, other work competed for them).",
        "",
        md_table(["chapter", "mode", "loads", "median s", "max s", "min s", "widgets", "load avg"], table),
        *(["", "Loads that never became ready (every widget drawn), with what the page showed:", ""]
          + [f"- {f}" for f in failures] if failures else []),
    ])
    section.targets = targets
    section.chart = {"median_max_s": chart}
    return section


def main(argv=None):
    from benchmarks._common import cli

    return cli(run, "Lecture view page-ready time in Chromium", argv)


if __name__ == "__main__":
    main()
