"""Does ``nncourse present`` give a lecturer a lecture: no code, nothing for students, sections, reset, index?

The real command runs (``python -m autograder.cli present CHAPTER --port P
--hide b``, and ``present`` alone for the index) in its own process group
and is stopped by its PID; Chromium opens the pages it serves, as a lecturer
would, at a projector's 1280×720.  Page-ready times (navigation start →
every widget image drawn, ``pageready.py``) are recorded in
``test-artifacts/browser/page-ready.txt``, not asserted: the benchmark
(``benchmarks/bench_present.py``) reports them.
"""
from __future__ import annotations

import os
import re
import sys
import time
import urllib.error
import urllib.request

import labdriver
import nbformat
import pytest
from labdriver import COURSE, require_chromium
from pageready import READY_JS, wait_page_ready

pytestmark = pytest.mark.browser

PREFERRED = "01_perceptron"  # its decision-line explorer has a slider "b" to hide
HIDE = "b"
PROJECTOR = {"width": 1280, "height": 720}
CHECK_LINE = re.compile(r"[✓✗] \w+\.\w+ — ")  # "✓ perceptron.step — 9 checks passed"
# What only a student working through the notebook should read (case as written in the notebooks and widgets).
STUDENT_ONLY = ("YOUR CODE HERE", "How this notebook works", "Using your", "your code", "✓", "✗",
                "is not implemented yet", "NotImplementedError")
HEADINGS_JS = """() => [...document.querySelectorAll('#rendered_cells .jp-RenderedHTMLCommon :is(h1, h2, h3)')]
    .filter(h => h.getClientRects().length)
    .map(h => ({text: h.textContent.replace('¶', '').trim(), top: h.getBoundingClientRect().top}))"""


def lecture_chapters() -> list[str]:
    return sorted(p.parent.name for p in (COURSE / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def lecture_chapter() -> str | None:
    chapters = lecture_chapters()
    return PREFERRED if PREFERRED in chapters else (chapters[0] if chapters else None)


def record_ready(artifacts, where: str, ready: dict) -> None:
    line = (f"{time.strftime('%Y-%m-%d %H:%M:%S')}  {where}: page ready in {ready['ready'] / 1000:.2f} s "
            f"({ready['widgets']} widget outputs, {ready['images']} images; load average {os.getloadavg()[0]:.2f})")
    print(line)
    with open(artifacts / "page-ready.txt", "a") as log:
        log.write(line + "\n")


def start_present(args, artifacts, log_name) -> labdriver.Server:
    argv = [sys.executable, "-m", "autograder.cli", "present", *args]
    server = labdriver.Server(argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, artifacts / log_name,
                              ready_path="/voila/static/voila.js", cwd=COURSE)
    labdriver.atexit_stop(server)
    try:
        return server.wait_ready()
    except Exception:
        server.stop()
        raise


@pytest.fixture(scope="module")
def lecture(chromium, artifacts):
    """The lecture view of one chapter (``--hide b``), open at 1280×720, every widget drawn."""
    require_chromium()
    chapter = lecture_chapter()
    if chapter is None:
        pytest.skip(f"no chapter notebook in {COURSE / 'solutions'}")
    server = start_present([chapter, "--hide", HIDE], artifacts, "present.log")
    page = None
    try:
        page = chromium.new_page(viewport=PROJECTOR)
        page.set_default_timeout(60_000)
        page.add_init_script(READY_JS)
        page.goto(server.url + "/")
        record_ready(artifacts, f"lecture view of {chapter}", wait_page_ready(page))
        count = labdriver.wait_widgets_rendered(page.locator("body"), f"lecture view of {chapter}", timeout_s=90)
        yield chapter, page, count
    finally:
        if page is not None:
            page.close()
        server.stop()


def headings(page) -> list[dict]:
    return page.evaluate(HEADINGS_JS)


def at_top(page) -> str:
    """The heading at the top of the screen (scrolled there: its top 12 px below the screen's top, ±3)."""
    tops = [h for h in headings(page) if abs(h["top"] - 12) <= 3]
    return tops[0]["text"] if tops else f"no heading at the top: {[round(h['top']) for h in headings(page)][:6]}"


def scroll_to_start(page) -> None:
    page.locator("#rendered_cells h1").first.evaluate("h => h.scrollIntoView({block: 'start'})")
    page.mouse.click(640, 5)  # focus on the page, not on a widget control
    time.sleep(0.2)


# ---------------------------------------------------------------- what is on the page


def test_lecture_view_shows_no_code_and_no_exercise(lecture):
    """Is the lecture view free of code cells, test output and exercise statements?"""
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
    # exercise statements are one-line markers (--exercises show, the default)
    markers = page.locator("p.nncourse-exercise").all_inner_texts()
    assert markers and all(len(m.splitlines()) == 1 for m in markers), markers
    assert "### Exercise" not in text and not re.search(r"^Exercise \d+ — ", text, re.MULTILINE)


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
    page.locator("#nncourse-reset").click()  # leave the page as it was for the next test
    labdriver.wait_settled(lambda: labdriver.images(output), after)


def test_hidden_control_is_not_shown(lecture):
    """Does ``--hide b`` take the slider b off the screen and leave the others?"""
    chapter, page, _count = lecture
    if chapter != PREFERRED:
        pytest.skip(f"the hide check uses {PREFERRED}'s slider {HIDE!r}; this course lacks {PREFERRED}")
    labels = page.locator(".widget-slider .widget-label:visible").all_inner_texts()
    assert labels, "no slider in the lecture view"
    assert HIDE not in labels, f"slider {HIDE!r} is shown although hidden: {labels}"
    assert {"w1", "w2"} <= set(labels), f"sliders w1 and w2 should stay: {labels}"


# ---------------------------------------------------------------- moving through the chapter


def test_keys_move_to_the_next_and_previous_section(lecture):
    """PageDown / → bring the next heading to the top, PageUp / ← the previous one; the keys are shown."""
    chapter, page, _count = lecture
    hint = page.locator("#nncourse-bar .nncourse-keys")
    assert hint.is_visible() and "PgDn" in hint.inner_text() and "PgUp" in hint.inner_text()
    names = [h["text"] for h in headings(page)]
    assert len(names) >= 4, f"{chapter}: too few headings to move through: {names}"
    scroll_to_start(page)
    page.keyboard.press("PageDown")
    assert at_top(page) == names[1], "PageDown from the title should show section 1"
    page.keyboard.press("ArrowRight")
    assert at_top(page) == names[2]
    page.keyboard.press("PageDown")
    assert at_top(page) == names[3]
    page.keyboard.press("PageUp")
    assert at_top(page) == names[2]
    page.keyboard.press("ArrowLeft")
    assert at_top(page) == names[1]


def test_a_focused_slider_keeps_its_arrows_but_not_page_down(lecture):
    """With a slider focused, → moves the slider (not the page); PageDown (a clicker) still moves to the next section."""
    _chapter, page, _count = lecture
    handle = page.locator(".widget-slider .noUi-handle:visible").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    value = handle.get_attribute("aria-valuenow")
    names = [h["text"] for h in headings(page)]
    above = [h["text"] for h in headings(page) if h["top"] <= 15]
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    deadline = time.monotonic() + 5
    while handle.get_attribute("aria-valuenow") == value and time.monotonic() < deadline:
        time.sleep(0.1)
    assert handle.get_attribute("aria-valuenow") != value, "→ on a focused slider should move the slider"
    assert [h["text"] for h in headings(page) if h["top"] <= 15] == above, "→ on a slider should not change section"
    page.keyboard.press("PageDown")
    assert at_top(page) == names[len(above)], "PageDown should move to the next section even from a slider"
    page.locator("#nncourse-reset").click()


def test_contents_panel_jumps_to_a_section(lecture, artifacts):
    """C opens the contents (every heading, in order); a click jumps there and closes it."""
    chapter, page, _count = lecture
    names = [h["text"] for h in headings(page)]
    scroll_to_start(page)
    page.keyboard.press("c")
    panel = page.locator("#nncourse-contents")
    assert panel.is_visible()
    entries = panel.locator("li a").evaluate_all("links => links.map(a => a.textContent.trim())")
    assert entries == names
    page.screenshot(path=str(artifacts / f"present-{chapter}-contents-1280x720.png"))
    target = len(names) - 2  # far down the page
    panel.locator("li a").nth(target).click()
    assert not panel.is_visible(), "the panel should close after a jump"
    assert at_top(page) == names[target]
    page.locator("#nncourse-contents-button").click()
    assert panel.is_visible()
    page.keyboard.press("Escape")
    assert not panel.is_visible()


# ---------------------------------------------------------------- reset


def test_reset_puts_a_moved_slider_back_and_redraws(lecture, artifacts):
    """Move w1 three steps, click "Reset widgets": the slider is back at its value and the figure as it was."""
    chapter, page, _count = lecture
    output = labdriver.widget_outputs(page.locator("body")).first
    output.evaluate("o => o.scrollIntoView({block: 'center'})")
    handle = output.locator(".widget-slider .noUi-handle:visible").first
    first_value, first_image = handle.get_attribute("aria-valuenow"), labdriver.images(output)
    action = labdriver.change_main_control(page, output)
    moved = labdriver.wait_settled(lambda: labdriver.images(output), first_image)
    assert moved != first_image and handle.get_attribute("aria-valuenow") != first_value, action
    page.locator("#nncourse-reset").click()
    back = labdriver.wait_settled(lambda: labdriver.images(output), moved)
    assert handle.get_attribute("aria-valuenow") == first_value, f"{action}, then reset: slider not back"
    assert back == first_image, f"{chapter}: after {action} and Reset widgets the figure differs from the first one"
    assert "reset" in page.locator("#nncourse-toast").inner_text().lower()


def test_screenshots_at_projector_and_full_hd(lecture, artifacts):
    """Screenshots for a person to look at (1280×720 and 1920×1080); the 1280×720 one is docs/present.png's source."""
    chapter, page, _count = lecture
    output = labdriver.widget_outputs(page.locator("body")).first
    try:
        for size in (PROJECTOR, {"width": 1920, "height": 1080}):
            page.set_viewport_size(size)
            time.sleep(0.5)
            name = f"{size['width']}x{size['height']}"
            scroll_to_start(page)
            page.screenshot(path=str(artifacts / f"present-{chapter}-top-{name}.png"))
            # the section of the first widget, as "next" shows it
            heading = output.evaluate("""o => { const hs = [...document.querySelectorAll(
                '#rendered_cells .jp-RenderedHTMLCommon :is(h2, h3)')].filter(h =>
                h.compareDocumentPosition(o) & Node.DOCUMENT_POSITION_FOLLOWING); const h = hs[hs.length - 1];
                h.scrollIntoView({block: 'start'}); return h.textContent; }""")
            page.mouse.move(600, 300)  # the bar fully visible, as when the lecturer just moved the mouse
            time.sleep(0.3)
            page.screenshot(path=str(artifacts / f"present-{chapter}-{name}.png"))
            assert heading
            # the first widget whole, with the bar: docs/present.png is a copy of the 1280x720 one
            output.evaluate("o => o.scrollIntoView({block: 'center'})")
            page.mouse.move(600, 310)
            time.sleep(0.3)
            page.screenshot(path=str(artifacts / f"present-{chapter}-widget-{name}.png"))
    finally:
        page.set_viewport_size(PROJECTOR)


# ---------------------------------------------------------------- the index of all chapters


@pytest.fixture(scope="module")
def index(chromium, artifacts):
    """``nncourse present`` without a chapter: the index page, every chapter preheated."""
    require_chromium()
    if not lecture_chapters():
        pytest.skip(f"no chapter notebook in {COURSE / 'solutions'}")
    server = start_present([], artifacts, "present-index.log")
    page = chromium.new_page(viewport=PROJECTOR)
    page.set_default_timeout(90_000)
    page.add_init_script(READY_JS)  # every page this tab opens measures its ready time
    try:
        yield server, page
    finally:
        page.close()
        server.stop()


def test_index_lists_every_chapter_and_opens_it_in_the_lecture_view(index, artifacts):
    """Title, one line and a link per chapter; a click opens the lecture view; "All chapters" comes back."""
    server, page = index
    page.goto(server.url + "/")
    items = page.locator("li.nncourse-chapter")
    expected = lecture_chapters()
    assert items.count() == len(expected) + 1  # the chapters, then the playground
    assert items.nth(len(expected)).locator("a").get_attribute("href") == "/voila/render/playground/playground.ipynb"
    for i, chapter in enumerate(expected):
        title = nbformat.read(COURSE / "solutions" / chapter / f"{chapter}.ipynb", as_version=4).cells[0].source
        link = items.nth(i).locator("a")
        assert link.get_attribute("href") == f"/voila/render/{chapter}/{chapter}.ipynb"
        assert link.inner_text() in title and len(items.nth(i).locator("p").inner_text()) > 20
    page.screenshot(path=str(artifacts / "present-index-1280x720.png"))
    items.nth(0).locator("a").click()
    try:
        ready = wait_page_ready(page)
    except TimeoutError as error:
        errors = [line for line in server.log.read_text(errors="replace").splitlines()
                  if "ERROR" in line or "Traceback" in line or "Error:" in line]
        raise TimeoutError(f"{error}\nthe server's errors ({server.log.name}): {errors[-10:]}") from None
    record_ready(artifacts, f"lecture view of {expected[0]} opened from the index", ready)
    assert page.url.endswith(f"/voila/render/{expected[0]}/{expected[0]}.ipynb")
    assert labdriver.wait_widgets_rendered(page.locator("body"), f"{expected[0]} from the index") >= 1
    page.locator("#nncourse-home").click()
    page.wait_for_selector("li.nncourse-chapter")
    assert page.url.rstrip("/") == server.url


@pytest.mark.parametrize("chapter", lecture_chapters())
def test_no_student_only_text_in_any_chapter(index, artifacts, chapter):
    """Every chapter's lecture view: none of "YOUR CODE HERE", "Using your", "your code", "✓", ...; status lines
    under the figures never say "your"."""
    server, page = index
    labdriver.open_lecture_page(page, f"{server.url}/voila/render/{chapter}/{chapter}.ipynb",
                                f"lecture view of {chapter}", timeout_s=90)
    record_ready(artifacts, f"lecture view of {chapter} (index server)", wait_page_ready(page))
    text = page.locator("#rendered_cells").inner_text()
    found = [phrase for phrase in STUDENT_ONLY if phrase in text]
    assert not found, f"the lecture view of {chapter} shows student-only text: " + "; ".join(
        f"{p!r} in …{text[max(0, text.index(p) - 60):text.index(p) + 60]!r}…" for p in found)
    status = page.locator(".widget-html-content").all_inner_texts()
    talking = [s for s in status if re.search(r"\byour\b", s, re.IGNORECASE)]
    assert not talking, f"{chapter}: widget status lines talk to a student: {talking}"


# ---------------------------------------------------------------- kernels


def kernel_running(base_url: str, kernel_id: str) -> bool:
    """Does Voilà still have this kernel?  (Its REST API: 200 with the kernel's model, 404 once shut down.)"""
    try:
        with urllib.request.urlopen(f"{base_url}/api/kernels/{kernel_id}", timeout=10) as reply:
            return reply.status == 200
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise


def test_closing_a_page_shuts_its_kernel_down(lecture, chromium):
    """A closed tab or a reload must not leave its kernel behind (~150 MB each, until the server stops).

    Voilà's page sends a "shut my kernel down" request when it unloads.  The
    server refuses it without the page's XSRF cookie, which a preheated page
    never got from the server; the lecture template gives the page one.
    """
    chapter, page, _ = lecture
    base_url = page.url.split("#")[0].rstrip("/")
    # A context of its own that outlives the page: closing a page made by browser.new_page() closes its
    # context too, and with it the request the page sends while unloading.
    context = chromium.new_context(viewport=PROJECTOR)
    try:
        other = context.new_page()
        other.goto(base_url + "/")
        labdriver.wait_widgets_rendered(other.locator("body"), f"second page of {chapter}", timeout_s=90)
        kernel_id = other.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        assert kernel_running(base_url, kernel_id), f"the open page's kernel {kernel_id} is not running"
        other.close(run_before_unload=True)
        deadline = time.monotonic() + 15
        while kernel_running(base_url, kernel_id):
            assert time.monotonic() < deadline, (
                f"kernel {kernel_id} still running 15 s after its page closed: Voilà refused or never got the "
                f"page's shut-down request (see the server's log, present.log)")
            time.sleep(0.25)
    finally:
        context.close()
