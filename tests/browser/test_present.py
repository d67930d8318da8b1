"""Does ``nncourse present CHAPTER`` show a chapter's live widgets, without code, for a projector?

The real command runs (``python -m autograder.cli present CHAPTER --port P
--hide b``) in its own process group and is stopped by its PID; Chromium
opens the page it serves, as a lecturer would.
"""
from __future__ import annotations

import os
import re
import sys

import nbformat
import pytest

import labdriver
from labdriver import COURSE, require_chromium

pytestmark = pytest.mark.browser

PREFERRED = "01_perceptron"  # its decision-line explorer has a slider "b" to hide
HIDE = "b"
CHECK_LINE = re.compile(r"[✓✗] \w+\.\w+ — ")  # "✓ perceptron.step — 9 checks passed"


def lecture_chapter() -> str | None:
    chapters = sorted(p.parent.name for p in (COURSE / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)
    if PREFERRED in chapters:
        return PREFERRED
    return chapters[0] if chapters else None


@pytest.fixture(scope="module")
def lecture(chromium, artifacts):
    """The lecture view of one chapter, open in a 1000-px wide page (the README screenshot's size)."""
    require_chromium()
    chapter = lecture_chapter()
    if chapter is None:
        pytest.skip(f"no chapter notebook in {COURSE / 'solutions'}")
    argv = [sys.executable, "-m", "autograder.cli", "present", chapter, "--hide", HIDE]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = labdriver.Server(argv, env, artifacts / "present.log", ready_path="/voila/static/voila.js", cwd=COURSE)
    labdriver.atexit_stop(server)
    page = None
    try:
        server.wait_ready()
        page = chromium.new_page(viewport={"width": 1000, "height": 900})
        page.set_default_timeout(60_000)
        page.goto(server.url + "/")
        count = labdriver.wait_widgets_rendered(page.locator("body"), f"lecture view of {chapter}", timeout_s=90)
        yield chapter, page, count
    finally:
        if page is not None:
            page.close()
        server.stop()


def test_lecture_view_shows_no_code_and_no_exercise(lecture):
    """Is the lecture view free of code cells, test output and exercise stubs?"""
    chapter, page, _count = lecture
    code_cells = page.locator("#rendered_cells .jp-CodeCell")
    assert code_cells.count() >= 1, "no cell rendered"
    with_input = code_cells.evaluate_all("cells => cells.filter(c => !c.classList.contains('jp-mod-noInput')).length")
    assert with_input == 0, f"{with_input} code cells of the lecture view of {chapter} have an input area"
    editors = page.locator(".jp-CodeCell .jp-InputArea:visible, .jp-InputArea-editor:visible, .cm-editor:visible")
    assert editors.count() == 0, f"the lecture view of {chapter} shows code editors"
    outputs = "\n".join(page.locator(".jp-OutputArea-output").evaluate_all("os => os.map(o => o.textContent)"))
    assert not CHECK_LINE.search(outputs), f"the lecture view of {chapter} shows a test cell's result"
    for marker in ("NotImplementedError", "Traceback", "There was an error when executing"):
        assert marker not in outputs, f"the lecture view of {chapter} shows {marker!r}"
    text = page.locator("body").inner_text()
    source = nbformat.read(COURSE / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    code_lines = {line.strip() for cell in source.cells if cell.cell_type == "code"
                  for line in cell.source.splitlines() if len(line.strip()) >= 20 and "(" in line}
    shown = sorted(line for line in code_lines if line in text)
    assert not shown, f"the lecture view of {chapter} shows lines of code: {shown[:5]}"


def test_lecture_view_widget_redraws(lecture, artifacts):
    """Does moving a control in the lecture view show a new, non-blank figure?"""
    chapter, page, count = lecture
    assert count >= 1, f"the lecture view of {chapter} shows no widget"
    output = labdriver.widget_outputs(page.locator("body")).first
    output.scroll_into_view_if_needed()
    before = labdriver.images(output)
    recorder = labdriver.FrameRecorder(output)
    action = labdriver.change_main_control(page, output)
    after = labdriver.wait_settled(lambda: labdriver.images(output), before)
    frames = recorder.stop()
    assert after != before, f"{chapter} lecture view: the figure did not change after {action}"
    stds = [labdriver.grey_std(png) for png in frames if png]
    assert stds and min(stds) > labdriver.BLANK_STD, f"{chapter} lecture view: blank frame after {action} ({stds})"
    # The README picture (docs/present.png is a copy): the whole widget, nothing cut.
    output.evaluate("o => o.scrollIntoView({block: 'center'})")
    box = output.bounding_box()
    clip = {"x": 0, "y": max(0.0, box["y"] - 16), "width": 1000, "height": min(box["height"] + 32, 900.0)}
    page.screenshot(path=str(artifacts / f"present-{chapter}.png"), clip=clip)


def test_hidden_control_is_not_shown(lecture):
    """Does ``--hide b`` take the slider b off the screen and leave the others?"""
    chapter, page, _count = lecture
    if chapter != PREFERRED:
        pytest.skip(f"the hide check uses {PREFERRED}'s slider {HIDE!r}; this course lacks {PREFERRED}")
    labels = page.locator(".widget-slider .widget-label:visible").all_inner_texts()
    assert labels, "no slider in the lecture view"
    assert HIDE not in labels, f"slider {HIDE!r} is shown although hidden: {labels}"
    assert {"w1", "w2"} <= set(labels), f"sliders w1 and w2 should stay: {labels}"
