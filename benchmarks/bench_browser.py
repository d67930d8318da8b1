"""Widget response in the browser: from a control change to new pixels on the page, for every widget.

``bench_widgets`` times the kernel's side (compute, draw, PNG).  What a
student or lecturer waits for is longer: the change travels from the page to
the kernel over the websocket, the PNG travels back, the browser decodes it
and paints.  This benchmark measures that whole path in a real Chromium,
in a real JupyterLab (the solution notebooks) and in the lecture view
(``nncourse present``, Voilà), inside the page:

- the input event's own timestamp (``keydown`` on a slider handle,
  ``change`` on a drop-down, ``click`` on a button; ``event.timeStamp``);
- a ``MutationObserver`` on the widget image's ``src`` (the new PNG has
  arrived and been handed to the ``<img>``);
- the image's ``load`` event (fetched and decoded);
- the first animation frame after ``load`` (the frame that paints it),
  which is "new pixels".  A widget that draws on a ``<canvas>`` (the optimizer race) counts
  its redraw (the canvas's ``clearRect``, once per frame) as new pixels.

Each widget's main control is driven the way ``bench_widgets`` drives it
(the first visible slider, one arrow key per change, walking up and down;
else its buttons, the first enabled one; else a drop-down, cycling), one
change at a time, waiting for the frame and a short pause before the next;
the widgets of a page take turns.  Every widget with a drop-down that is not
its main control also gets a drop-down row.

A change after which no new image came is sorted out, not guessed at:

- *control hidden*: the widget's own drop-down hid the slider (the loss
  explorer has no target for softmax cross-entropy), so there was nothing to
  press; the change is skipped, and counts neither way.  A drop-down row
  puts its menu back on the first option after its last change (untimed),
  so it cannot park the widget where its main control is hidden;
- *same picture*: the kernel answered (the widget's status line changed)
  but the new PNG equals the one shown, so ipywidgets sent no image: e.g.
  patience 29 and 30 stop a 60-epoch curve at the same epoch, and the first
  training step draws no line yet (a line needs two points).  Counted apart,
  not as a frame and not as a miss;
- *missed*: anything else (the value changed and nothing answered), which
  keeps the row "not met".

Run alone: ``python -m benchmarks.bench_browser [--quick]``.  Needs Debian's
Chromium (``/usr/bin/chromium``) and the ``playwright`` package, like the
browser tests; without them the section says so and measures nothing.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_browser.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import os
import statistics
import tempfile
import time

from benchmarks._common import ROOT, Section, Stats, Target, md_table

sys.path.insert(0, str(ROOT / "tests" / "browser"))  # the browser tests' driver: one way to run a page
import labdriver

CHANGES = 30  # per widget and control
MENU_CHANGES = 10  # drop-downs that are not the main control (each may rebuild a figure)
PAUSE_S = 0.15  # after a frame, before the next change: one change at a time
SCROLL_SETTLE_S = 0.3  # after scrolling a widget into view, before changing it
FRAME_TIMEOUT_S = 5.0
TARGET_MS = 100.0

# In the page: note input events and image frames of one widget output.
_ARM_JS = """(root) => {
  const t = root.__timing = {events: [], frames: []};
  for (const type of ['keydown', 'change', 'click']) {
    root.addEventListener(type, e => t.events.push(e.timeStamp), true);
  }
  const img = root.querySelector('img.widget-image');
  new MutationObserver(() => {
    const src = performance.now();
    img.addEventListener('load', () => {
      const load = performance.now();
      requestAnimationFrame(() => { t.frames.push({src, load, paint: performance.now()}); if (t.done) t.done(); });
    }, {once: true});
  }).observe(img, {attributes: true, attributeFilter: ['src']});
  const canvas = root.querySelector('canvas');
  if (canvas) {  // a canvas widget (the optimizer race) paints itself: a frame is one redraw of its canvas
    const ctx = canvas.getContext('2d'), clear = ctx.clearRect;
    ctx.clearRect = function (...args) {
      const now = performance.now();
      t.frames.push({src: now, load: now, paint: now});
      return clear.apply(this, args);
    };
  }
}"""
# Before a change: forget earlier timings and make a promise that the next painted frame keeps.
_RESET_JS = """(root) => {
  const t = root.__timing;
  t.events = []; t.frames = [];
  t.frame = new Promise(resolve => { t.done = resolve; });
}"""
# After it: one call that waits in the page (no polling from Python, which would compete with the
# page's main thread and be timed too), then the timings.
_WAIT_JS = """async (root, ms) => {
  const t = root.__timing;
  await Promise.race([t.frame, new Promise(resolve => setTimeout(resolve, ms))]);
  return t.frames.length;
}"""
_READ_JS = "(root) => ({events: root.__timing.events, frames: root.__timing.frames})"
_PNG_BYTES_JS = "async (root) => (await (await fetch(root.querySelector('img.widget-image').src)).blob()).size"
# The widget's status line: the element after the figure (``_layout.arrange``: controls, image, status).
_STATUS_JS = """(root) => {
  let el = root.querySelector('img.widget-image');
  while (el && el !== root && !el.nextElementSibling) el = el.parentElement;
  return el && el !== root ? el.nextElementSibling : null;
}"""


# ----------------------------------------------------------------- driving one control
# Everything the benchmark touches in the page is an ElementHandle found once, before the timed changes:
# a Locator is re-resolved (a query over the whole page) at every use, and a use right after the input
# event runs on the page's main thread while the change is in flight.  In JupyterLab, whose DOM is many
# times the lecture view's, those queries (`:has(...)` over every output area) cost 20-60 ms of main
# thread per change (CDP profile, 2026-12-03) and were timed as part of the widget's response.
_SLIDER = ".widget-slider .noUi-handle:visible"
_BUTTONS = "button.widget-button:visible:not(.widget-play button)"
_SELECT = ".widget-dropdown select:visible"


class Driver:
    """Applies one change of a control inside a widget output (an ElementHandle)."""

    def __init__(self, page, output, kind: str):
        self.page, self.output, self.kind = page, output, kind
        self.direction = "ArrowRight"
        self.option = None
        selector = {"slider": _SLIDER, "buttons": _BUTTONS, "drop-down": _SELECT}[kind]
        self.controls = output.query_selector_all(selector)  # found once (see above)
        self.status = output.evaluate_handle(_STATUS_JS).as_element()  # None: the widget has no status line
        self.first = self.controls[0].evaluate("s => s.selectedIndex") if kind == "drop-down" else None

    @staticmethod
    def main(page, output) -> Driver | None:
        """The control bench_widgets drives: a visible slider, else buttons, else a drop-down."""
        for kind, selector in (("slider", _SLIDER), ("buttons", _BUTTONS), ("drop-down", _SELECT)):
            if output.query_selector(selector):
                return Driver(page, output, kind)
        return None

    def label(self) -> str:
        if self.kind == "slider":
            return f"slider `{self._slider_label()}`, 1 arrow key"
        if self.kind == "buttons":
            return "buttons " + "/".join(f"`{b.inner_text().strip()}`" for b in self.controls) + " (first enabled)"
        return f"drop-down ({len(self.controls[0].query_selector_all('option'))} options)"

    def _slider_label(self) -> str:
        return self.output.query_selector(".widget-slider .widget-label").inner_text()

    def prepare(self) -> bool:
        """Before the timed part: read the control's state and give it the focus (no page queries after).

        False: the control is hidden now (the widget's own drop-down hid it), there is nothing to change.
        """
        control = self.controls[0]
        if not control.is_visible():
            return False
        if self.kind == "slider":
            now, low, top = control.evaluate(
                "h => ['aria-valuenow', 'aria-valuemin', 'aria-valuemax'].map(a => +h.getAttribute(a))")
            if now >= top:
                self.direction = "ArrowLeft"
            elif now <= low:
                self.direction = "ArrowRight"
            control.focus()
        elif self.kind == "buttons":
            enabled = [i for i, b in enumerate(self.controls) if b.is_enabled()]
            self._click = self.controls[enabled[0] if enabled else len(self.controls) - 1]
        else:
            count, index = control.evaluate("s => [s.options.length, s.selectedIndex]")
            self.option = (index + 1) % count
        return True

    def back_to_first(self) -> None:
        """Choose the drop-down's first option again and wait for its frame (untimed)."""
        if self.controls[0].evaluate("s => s.selectedIndex") != self.first:
            self.output.evaluate(_RESET_JS)
            self.controls[0].select_option(index=self.first)
            self.output.evaluate(_WAIT_JS, FRAME_TIMEOUT_S * 1000)
            time.sleep(PAUSE_S)

    def value(self) -> str:
        """What the control shows (a slider's value; '' for buttons and drop-downs, which always change)."""
        return self.controls[0].get_attribute("aria-valuenow") or "" if self.kind == "slider" else ""

    def status_text(self) -> str:
        return self.status.inner_text() if self.status else ""

    def change(self) -> None:
        if self.kind == "slider":
            self.page.keyboard.press(self.direction)
        elif self.kind == "buttons":
            self._click.click()
        else:
            self.controls[0].select_option(index=self.option)


def _one_change(driver: Driver) -> dict | str:
    """Apply one change; return the page's timings (ms since the input event), or why no frame came:
    "control hidden", "same picture" or "missed" (module docstring)."""
    output = driver.output
    if not driver.prepare():
        return "control hidden"
    value, status = driver.value(), driver.status_text()  # before the timed part
    output.evaluate(_RESET_JS)
    driver.change()
    if not output.evaluate(_WAIT_JS, FRAME_TIMEOUT_S * 1000):
        time.sleep(PAUSE_S)  # a late status line
        if driver.value() == value and driver.kind == "slider":
            return "missed"  # the key changed nothing: a miss of the driver, kept visible as a miss
        return "same picture" if driver.status_text() != status else "missed"
    time.sleep(PAUSE_S)  # let a second frame (if any) arrive, then take the last one
    timing = output.evaluate(_READ_JS)
    if not timing["events"]:
        return "missed"
    start, frame = timing["events"][0], timing["frames"][-1]
    return {"src": frame["src"] - start, "load": frame["load"] - start, "paint": frame["paint"] - start,
            "frames": len(timing["frames"])}


def widgets_on_page(page, scope, widgets=None) -> list:
    """``[(class name, output ElementHandle)]`` of the widget outputs with a figure in ``scope``.

    ``widgets``: keep only these class names (all when empty).
    """
    found = []
    for output in labdriver.widget_outputs(scope).element_handles():
        if not output.query_selector("img.widget-image"):
            continue
        name = labdriver.widget_name(output)
        if not widgets or name in widgets:
            found.append((name, output))
    return found


def measure_page(page, scope, where: str, changes: int, menu_changes: int, widgets=None) -> list[dict]:
    """Time every widget output with a figure in ``scope`` (or only the ``widgets`` named); they take turns."""
    rows = []
    for name, output in widgets_on_page(page, scope, widgets):
        output.scroll_into_view_if_needed()  # laid out and visible, so ":visible" finds its controls
        main = Driver.main(page, output)
        if main is None:
            continue
        outcomes = {"missed": 0, "same picture": 0, "control hidden": 0}
        rows.append({"where": where, "widget": name, "output": output, "driver": main, "control": main.label(),
                     "times": [], **outcomes, "n": changes})
        if main.kind != "drop-down" and output.query_selector(_SELECT):
            menu = Driver(page, output, "drop-down")
            rows.append({"where": where, "widget": name, "output": output, "driver": menu, "control": menu.label(),
                         "times": [], **outcomes, "n": menu_changes})
    for row in rows:
        row["output"].scroll_into_view_if_needed()
        row["output"].evaluate(_ARM_JS)
    for round_ in range(max((r["n"] for r in rows), default=0)):
        for row in rows:
            if round_ >= row["n"]:
                continue
            # Widgets take turns, so the page scrolls between changes: let the scroll's own painting
            # finish first, or the next input event waits for it and the scroll is timed too.
            row["output"].scroll_into_view_if_needed()
            time.sleep(SCROLL_SETTLE_S)
            timing = _one_change(row["driver"])
            if isinstance(timing, str):
                row[timing] += 1
            else:
                row["times"].append(timing)
            if round_ == row["n"] - 1 and row["driver"].first is not None and row["n"] < max(r["n"] for r in rows):
                row["driver"].back_to_first()  # other rows go on: leave the widget as it was shown
    for row in rows:
        row["png_kb"] = row["output"].evaluate(_PNG_BYTES_JS) / 1024
        row["png_px"] = row["output"].query_selector("img.widget-image").evaluate(
            "i => [i.naturalWidth, i.naturalHeight]")
        del row["output"], row["driver"]
    return rows


# ----------------------------------------------------------------- the two places
def _chapters(chapters=None) -> list[str]:
    """The chapter ids with a solution notebook, or only those named in ``chapters``."""
    found = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)
    unknown = set(chapters or ()) - set(found)
    if unknown:
        raise ValueError(f"unknown chapters {sorted(unknown)}; known: {found}")
    return [c for c in found if not chapters or c in chapters]


def _lab_rows(browser, changes, menu_changes, work: Path, chapters=None, widgets=None) -> list[dict]:
    home = work / "home"
    home.mkdir()
    root = labdriver.copy_chapters(ROOT, work / "root", folders=("solutions",))
    # The students' JupyterLab: its default windowing ("contentVisibility"), not the browser tests' "none"
    # (which attaches and paints every cell: 1.3-1.9x the decode and paint time per change, BROWSER_PHASES.md).
    settings = {k: v for k, v in labdriver.LAB_SETTINGS.items() if k != "@jupyterlab/notebook-extension:tracker"}
    server = labdriver.jupyter_lab(root, home, work / "jupyterlab.log", settings=settings)
    labdriver.atexit_stop(server)
    rows = []
    try:
        server.wait_ready()
        for path in (f"solutions/{chapter}/{chapter}.ipynb" for chapter in _chapters(chapters)):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            try:
                lab = labdriver.Notebook(page, server.url, path)
                lab.run_all()
                lab.wait_widgets_rendered()
                rows += measure_page(page, lab.panel, f"JupyterLab `{Path(path).stem}`", changes, menu_changes,
                                     widgets)
            finally:
                page.close()
    finally:
        server.stop()
    return rows


def _lecture_rows(browser, changes, menu_changes, work: Path, chapters=None, widgets=None) -> list[dict]:
    rows = []
    for chapter in _chapters(chapters):
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
                rows += measure_page(page, body, f"lecture view `{chapter}`", changes, menu_changes, widgets)
            finally:
                page.close()
        finally:
            server.stop()
    return rows


def run(quick: bool = False, chapters=None, widgets=None, n_changes: int | None = None,
        places=("lab", "lecture")) -> Section:
    """Measure every widget of every chapter on both front ends, or a subset.

    ``chapters``: chapter ids; ``widgets``: class names; ``changes``: per widget and control
    (``n_changes``; drop-downs that are not the main control get a third of it); ``places``: "lab", "lecture".
    A subset is for trying a change on a loaded machine, both front ends in the same run.
    """
    section = Section("browser", "4b. Widget response in the browser: control change → new pixels")
    reason = labdriver.chromium_missing_reason()
    if reason:
        section.body = f"Not measured: {reason}."
        section.targets = [Target("browser: every widget's median control → pixels ≤ 100 ms", "≤ 100 ms",
                                  "not measured", None)]
        return section
    from playwright.sync_api import sync_playwright

    changes, menu_changes = (5, 3) if quick else (CHANGES, MENU_CHANGES)
    if n_changes:
        changes, menu_changes = n_changes, max(1, n_changes // 3)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-browser-") as tmp, sync_playwright() as playwright:
        browser = labdriver.launch_chromium(playwright)
        try:
            (Path(tmp) / "lab").mkdir()
            (Path(tmp) / "lecture").mkdir()
            rows = []
            if "lab" in places:
                rows += _lab_rows(browser, changes, menu_changes, Path(tmp) / "lab", chapters, widgets)
            if "lecture" in places:
                rows += _lecture_rows(browser, changes, menu_changes, Path(tmp) / "lecture", chapters, widgets)
        finally:
            browser.close()
    load_after = os.getloadavg()[0]
    subset = bool(chapters or widgets or n_changes or set(places) != {"lab", "lecture"})
    return report(section, rows, quick, (load_before, load_after), subset)


def report(section: Section, rows: list[dict], quick: bool, load, subset: bool = False) -> Section:
    table, targets, chart = [], [], {}
    for row in rows:
        paint = [t["paint"] for t in row["times"]]
        # the changes that brought no new image, by cause (module docstring); only "missed" fails a row
        no_image = ", ".join(f"{row[k]} {k}" for k in ("missed", "same picture", "control hidden") if row.get(k))
        if not paint:
            table.append([row["where"], f"`{row['widget']}`", row["control"], "no frame", "", "", "", "",
                          no_image, "", ""])
            continue
        st = Stats([p / 1e3 for p in paint])
        med, p95 = st.median * 1e3, st.percentile(95) * 1e3
        src = statistics.median(t["src"] for t in row["times"])
        decode = statistics.median(t["load"] - t["src"] for t in row["times"])
        table.append([row["where"], f"`{row['widget']}`", row["control"], f"{med:.0f}", f"{p95:.0f}",
                      f"{src:.0f}", f"{decode:.0f}", f"{len(paint)}/{row['n']}", no_image,
                      f"{row['png_kb']:.0f}", "×".join(map(str, row["png_px"]))])
        missed = f", {row['missed']} missed" if row.get("missed") else ""
        targets.append(Target(f"browser, {row['where']}: `{row['widget']}` {row['control']}: median ≤ 100 ms",
                              f"≤ {TARGET_MS:.0f} ms", f"{med:.0f} ms (p95 {p95:.0f} ms){missed}",
                              med <= TARGET_MS and not row.get("missed")))
        chart[f"{row['widget']} ({'lab' if row['where'].startswith('JupyterLab') else 'lecture'}, "
              f"{row['control'].split()[0]})"] = (med, p95)
    section.body = "\n".join([
        (f"{'QUICK SMOKE RUN, not a measurement. ' if quick else ''}"
        f"{'A SUBSET of the widgets (chosen with options), not the full measurement. ' if subset else ''}"
        "Milliseconds from the input event (a key press on a slider handle, a drop-down choice, a button click) "
        "to the first animation frame after the new PNG has loaded, measured inside the page (event timestamp, "
        "a MutationObserver on the image's `src`, its `load` event, `requestAnimationFrame`) in headless "
        "Chromium at 1280×800 (JupyterLab, solution notebooks) and 1280×720 (lecture view, `nncourse present`). "
        "One change at a time; the widgets of a page take turns; controls are found before the timed part "
        "(no page queries while a change is in flight) and JupyterLab runs with its default windowing, as "
        "students get it (benchmarks/BROWSER_PHASES.md: where JupyterLab's extra time went). \"→ src\" is the part until the new PNG reached "
        "the `<img>` (websocket both ways, kernel compute, draw and PNG encode), \"decode\" from there to its "
        f"`load` event. Load average (1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end "
        "(2 cores: above ~1 other work was competing for them). \"No new image\" sorts out the changes that "
        "brought no frame: *same picture* (the kernel answered, its status line changed, but the new PNG "
        "equals the one shown, so no image was sent: patience 29 and 30 stop the curve at the same epoch, the "
        "first training step draws no line yet), *control hidden* (the widget's own drop-down hid the slider, "
        "nothing to press; skipped) and *missed* (nothing answered a change that was made). Only a miss "
        "fails a row."),
        "",
        md_table(["page", "widget", "control", "median ms", "p95 ms", "→ src ms", "decode ms", "frames",
                  "no new image", "PNG kB", "PNG px"], table),
    ])
    section.targets = targets
    section.chart = {"median_p95_ms": chart}
    return section


def main(argv=None):
    """``python -m benchmarks.bench_browser [--quick] [--chapters 01_perceptron] [--widgets A B] [--changes N]``."""
    import argparse

    from benchmarks._common import cli

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--chapters", nargs="+", help="only these chapter ids")
    parser.add_argument("--widgets", nargs="+", help="only these widget classes")
    parser.add_argument("--changes", type=int, help="changes per widget and control")
    parser.add_argument("--places", nargs="+", default=["lab", "lecture"], choices=["lab", "lecture"])
    subset, rest = parser.parse_known_args(argv)

    def run_subset(quick=False):
        return run(quick, subset.chapters, subset.widgets, subset.changes, tuple(subset.places))

    return cli(run_subset, "Browser widget response: control change to new pixels in Chromium "
               "(options --chapters, --widgets, --changes, --places pick a subset)", rest)


if __name__ == "__main__":
    main()
