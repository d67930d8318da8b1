"""Does every chapter widget fit the screens students and lecturers use, at its natural size?

Measured in the page (``screens.py``), for every widget of every chapter:

- JupyterLab, the released notebooks (``course/``), on the page the
  ``opened`` fixture already ran: 1280×800 with the file browser open (a
  laptop), 1280×720 with it folded, 1920×1080 with it open;
- the lecture view (``nncourse present CHAPTER``, Voilà) at 1280×720 (a
  projector; the whole widget must fit its height too) and 1920×1080.

Each time: the figure is never shown larger than its natural size, and when
shrunk its smallest text stays >= 12 px; figure, controls and status line
lie inside the content's width; every number box and drop-down is wide
enough for its text, no label or button is cut, every slider has >= 2 px
per step; the figure's text is of the controls' scale.  One screenshot per
widget and screen goes to ``test-artifacts/browser/screens-*.png``.
"""
from __future__ import annotations

import os
import re
import sys
import time

import pytest

import labdriver
import screens
from labdriver import COURSE, require_chromium

pytestmark = pytest.mark.browser

# (width, height, file browser open) in JupyterLab; the lecture view has no sidebar.
LAB_SCREENS = [(1280, 800, True), (1280, 720, False), (1920, 1080, True)]
LECTURE_SCREENS = [(1280, 720), (1920, 1080)]
# What a notebook shows of a widget at 1280×800 beside the file browser: the notebook's own scroll
# area (menu, tabs, toolbar and status bar take the rest).
LAB_HEIGHT_SCREEN = (1280, 800, True)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def settle(page, scope, timeout_s: float = 5.0) -> None:
    """Wait until the widget images stop moving after a resize (JupyterLab lays out in steps)."""
    last, deadline = None, time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = scope.locator("img.widget-image").evaluate_all(
            "imgs => imgs.map(i => { const b = i.getBoundingClientRect(); return [b.left, b.width, b.height]; })")
        if now == last:
            return
        last = now
        time.sleep(0.25)


def shoot(page, scope, widget, path) -> None:
    """Screenshot of the viewport with the widget's top at the top of the screen."""
    output = labdriver.widget_outputs(scope).nth(widget.index)
    output.evaluate("o => o.scrollIntoView({block: 'start'})")
    time.sleep(0.2)
    page.screenshot(path=str(path))


def check_screen(page, scope, where: str, size, artifacts, content_right=None, height=None) -> list[str]:
    """Measure every widget on the page at ``size``; screenshot each; return the problems found."""
    widgets_ = screens.measure_widgets(page, scope)
    if not widgets_:
        return [f"{where}: no widget with a figure found"]
    found, width = [], size[0]
    for widget in widgets_:
        print(f"[{where}] {widget.summary()}")  # the numbers, for the log (pytest -s / on failure)
        found += [f"[{where}] {p}" for p in screens.problems(widget, width, height, content_right)]
        shoot(page, scope, widget, artifacts / f"screens-{_slug(where)}-{widget.index + 1}-{widget.facts['name']}.png")
    return found


# ---------------------------------------------------------------- JupyterLab


def test_every_widget_fits_jupyterlab_screens(opened, artifacts):
    """Released notebook in JupyterLab: natural size, legible, inside the notebook, at three screen sizes."""
    if not opened.released:
        pytest.skip("measured on the released notebooks (course/); the solutions show the same widgets")
    lab, page = opened.lab, opened.lab.page
    lab.wait_widgets_rendered()
    # The page reported its devicePixelRatio (1 here) and the kernel redrew every figure at it.
    screens.wait_for_pixel_ratio(page, lab.panel, screens.page_pixel_ratio(page))
    chapter = opened.path.split("/")[1]
    original = page.viewport_size
    was_open = labdriver.file_browser_open(page)
    problems = []
    try:
        for width, height, browser_open in LAB_SCREENS:
            page.set_viewport_size({"width": width, "height": height})
            labdriver.set_file_browser(page, browser_open)
            settle(page, lab.panel)
            # The notebook's content ends before the right sidebar; nothing may stick out of it.
            notebook = lab.panel.locator(".jp-Notebook").first.evaluate(
                "n => { const b = n.getBoundingClientRect(); return {right: b.right, height: b.height}; }")
            fits_height = notebook["height"] if (width, height, browser_open) == LAB_HEIGHT_SCREEN else None
            where = f"lab {chapter} {width}x{height}{' file-browser' if browser_open else ''}"
            problems += check_screen(page, lab.panel, where, (width, height), artifacts,
                                     content_right=notebook["right"], height=fits_height)
    finally:
        page.set_viewport_size(original)
        labdriver.set_file_browser(page, was_open)
    assert not problems, f"{opened.path}:\n" + "\n".join(problems)


def test_figures_follow_the_pages_pixel_ratio(opened, artifacts):
    """A HiDPI screen (or zoom) gets 2 PNG pixels per CSS pixel, back to 1 on an ordinary screen; same CSS size.

    Chromium's device scale factor is changed on the open page (what moving
    the window to another screen does); the page reports the new ratio and
    the kernel redraws every figure.  One chapter is enough: the mechanism is
    the same for all (tests/widgets/test_screen_ratio.py checks every widget's
    redraw in the kernel).
    """
    if opened.path != "course/01_perceptron/01_perceptron.ipynb":
        pytest.skip("one chapter shows the mechanism")
    lab, page = opened.lab, opened.lab.page
    lab.wait_widgets_rendered()
    at_one = screens.wait_for_pixel_ratio(page, lab.panel, 1.0)
    cdp = page.context.new_cdp_session(page)
    size = page.viewport_size
    try:
        # (Chromium re-evaluates the page's media queries when the viewport changes too: a new screen.)
        cdp.send("Emulation.setDeviceMetricsOverride", {"width": size["width"] - 1, "height": size["height"],
                                                       "deviceScaleFactor": 2, "mobile": False})
        at_two = screens.wait_for_pixel_ratio(page, lab.panel, 2.0)
        for one, two in zip(at_one, at_two):
            assert two.natural_px[0] in (2 * one.natural_px[0], 2 * one.natural_px[0] + 1), (one.name, two.natural_px)
            assert abs(two.image["w"] - one.image["w"]) <= 1  # the same CSS size, twice the pixels
        shoot(page, lab.panel, at_two[0], artifacts / "screens-lab-01_perceptron-pixel-ratio-2.png")
    finally:
        cdp.send("Emulation.clearDeviceMetricsOverride")
        cdp.detach()
    screens.wait_for_pixel_ratio(page, lab.panel, 1.0)


# ---------------------------------------------------------------- the lecture view


def lecture_chapters() -> list[str]:
    return sorted(p.parent.name for p in (COURSE / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


@pytest.fixture(scope="module", params=lecture_chapters())
def lecture_view(request, chromium, artifacts):
    """``nncourse present CHAPTER`` (the real command) and one page on it, widgets drawn."""
    require_chromium()
    chapter = request.param
    argv = [sys.executable, "-m", "autograder.cli", "present", chapter]
    server = labdriver.Server(argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, artifacts / f"present-{chapter}-screens.log",
                              ready_path="/voila/static/voila.js", cwd=COURSE)
    labdriver.atexit_stop(server)
    page = None
    try:
        server.wait_ready()
        page = chromium.new_page(viewport={"width": LECTURE_SCREENS[0][0], "height": LECTURE_SCREENS[0][1]})
        page.set_default_timeout(60_000)
        labdriver.open_lecture_page(page, server.url + "/", f"lecture view of {chapter}", timeout_s=120)
        yield chapter, page
    finally:
        if page is not None:
            page.close()
        server.stop()


def test_every_widget_fits_the_lecture_view(lecture_view, artifacts):
    """Lecture view: natural size, legible, whole widget inside a 1280×720 projector and a 1920×1080 screen."""
    chapter, page = lecture_view
    body = page.locator("body")
    problems = []
    for width, height in LECTURE_SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        settle(page, body)
        problems += check_screen(page, body, f"lecture {chapter} {width}x{height}", (width, height), artifacts,
                                 height=height)
    assert not problems, f"lecture view of {chapter}:\n" + "\n".join(problems)
