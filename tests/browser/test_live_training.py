"""Chapter 07's live-training widgets in Chromium: frames while training, and a slider answered while it trains.

A scratch notebook shows the overfitting explorer and the early-stopping
explorer in JupyterLab at 1280×720.  Train makes the kernel train in a
background thread; the page counts the figures it receives (a
MutationObserver on the image's ``src``) and times a slider change to the
first status line that shows the new value, both measured in the page.
"""
from __future__ import annotations

import os
import statistics
import time

import labdriver
import nbformat
import pytest

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 720}
CELLS = ["from nnlib.widgets import overfitting_explorer, early_stopping_explorer\noverfitting_explorer()",
         "early_stopping_explorer()"]
SHUT_DOWN_JS = """async () => {
    const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
    for (const s of await (await fetch('/api/sessions')).json()) {
        await fetch('/api/sessions/' + s.id, {method: 'DELETE', headers: {'X-XSRFToken': xsrf}});
    }
}"""
# Count the new figures an output receives, with their arrival times (ms, the page's clock).
COUNT_JS = """root => {
    root.__arrivals = [];
    root.__counter = new MutationObserver(() => root.__arrivals.push(performance.now()));
    root.__counter.observe(root.querySelector('img.widget-image'), {attributes: true, attributeFilter: ['src']});
}"""
ARRIVALS_JS = "root => { root.__counter.disconnect(); return root.__arrivals; }"
# Arm a timer: from the next keydown (the page's clock) until the status line contains ``text``.
ARM_JS = """(root, text) => {
    const status = root.querySelector('.widget-html-content');
    root.__answer = new Promise(resolve => {
        let start = null;
        document.addEventListener('keydown', () => { start = performance.now(); }, {capture: true, once: true});
        const observer = new MutationObserver(() => {
            if (start !== null && status.textContent.includes(text)) {
                observer.disconnect();
                resolve(performance.now() - start);
            }
        });
        observer.observe(status, {childList: true, subtree: true, characterData: true});
        setTimeout(() => { observer.disconnect(); resolve(-1); }, 5000);
    });
}"""
ANSWER_JS = "async root => await root.__answer"


def overloaded() -> str:
    """A reason when the machine runs far more than it has cores: frame rates and latencies then measure the others."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    return f"load average {load:.1f} on {cores} cores" if load > 2 * cores else ""


def at_least(value: float, floor: float, what: str) -> None:
    if value >= floor:
        return
    if overloaded():
        pytest.skip(f"{what}: {value:.1f} (wanted >= {floor}), {overloaded()}")
    raise AssertionError(f"{what}: {value:.1f}, wanted >= {floor}")


def wait_for(predicate, what: str, timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def notebook(lab_server, chromium):
    path = "live-training-test.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbformat.write(nb, lab_server.root / path)
    page = chromium.new_page(viewport=SCREEN)
    try:
        lab = labdriver.Notebook(page, lab_server.url, path, expected_cells=len(CELLS))
        lab.run_all()
        assert lab.wait_widgets_rendered() == 2
        yield page, lab
    finally:
        page.evaluate(SHUT_DOWN_JS)
        page.close()


def _train(output, on: bool) -> None:
    button = output.locator("button", has_text="Pause" if not on else "Train").first
    button.click()
    wait_for(lambda: output.locator("button", has_text="Pause" if on else "Train").count() > 0,
             "the Train button to toggle")


@pytest.mark.parametrize("index, label", [(0, "overfitting explorer"), (1, "early-stopping explorer")])
def test_training_shows_frames_live_and_pause_stops(notebook, index, label):
    """Frames counted in the page over 3 s of training (printed: the target is >= 10 a second); after Pause none arrive."""
    _page, lab = notebook
    output = lab.widget_outputs().nth(index)
    output.scroll_into_view_if_needed()
    output.evaluate(COUNT_JS)
    _train(output, True)
    time.sleep(3.5)
    arrivals = output.evaluate(ARRIVALS_JS)
    _train(output, False)
    assert len(arrivals) >= 3, f"{label}: {len(arrivals)} frames in 3.5 s: training did not show"
    span = (arrivals[-1] - arrivals[1]) / 1000  # from the second frame: the first waits for the thread to start
    fps = (len(arrivals) - 2) / span
    print(f"{label}: {fps:.1f} frames per second in the page ({overloaded() or 'machine not overloaded'})")
    # The target is 10 frames a second on a quiet machine (printed above); the test only asserts that
    # training shows live, so it does not time the machine it runs on.
    at_least(fps, 2, f"{label}: frames per second in the page while training")
    output.evaluate(COUNT_JS)
    time.sleep(0.6)
    assert len(output.evaluate(ARRIVALS_JS)) <= 1, f"{label}: frames kept coming after Pause"


def test_a_slider_is_answered_while_training(notebook):
    """While the explorer trains, an L2 step (ArrowRight) shows in the status line: median and worst of 5, in the page."""
    page, lab = notebook
    output = lab.widget_outputs().nth(0)
    output.scroll_into_view_if_needed()
    handle = output.locator(".widget-slider .noUi-handle").first
    _train(output, True)
    try:
        times = []
        for value in ("0.0001", "0.0003", "0.001", "0.003", "0.01"):
            output.evaluate(ARM_JS, f"L2 λ {value}")
            handle.focus()
            page.keyboard.press("ArrowRight")
            ms = output.evaluate(ANSWER_JS)
            assert ms >= 0, f"the status never showed L2 λ {value}"
            times.append(ms)
            time.sleep(0.3)
    finally:
        if output.locator("button", has_text="Pause").count():
            _train(output, False)
    print(f"slider -> status while training: median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms")
    # the callback applies the value and rewrites the status line at once: key -> kernel -> page, one round trip
    # The target is 100 ms (printed above); the bound only catches a kernel blocked by training.
    at_least(-statistics.median(times), -1000, "slider -> status line while training, median ms (negated)")
