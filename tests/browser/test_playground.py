"""The playground in Chromium: the lecture view (``nncourse present playground``) and a JupyterLab notebook.

What a lecturer and a student see and do: the widget renders and fits a
1280×720 projector; Play makes the loss fall and the surface change, Pause
stops training; a click on the plot adds a point of the class chosen; the
+/− buttons change the drawn network; a configuration string typed in comes
back exactly and sets the controls; every control can be hidden.  The page
is read through the widget's own ``data-*`` attributes (frames painted,
steps, epoch, losses, set at each painted frame) and its canvases' pixels.
"""
from __future__ import annotations

import os
import re
import sys
import time

import labdriver
import nbformat
import pytest
from labdriver import require_chromium

from nnlib.widgets.playground import CONTROLS
from nnlib.widgets.playground_config import parse_scene

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
STATE_JS = "root => ({...root.dataset})"
SURFACE_JS = "root => root.querySelector('canvas.nnpg-surface').toDataURL()"
NETWORK_JS = "root => root.querySelector('canvas.nnpg-net-canvas').toDataURL()"
SHUT_DOWN_JS = """async () => {
    const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
    for (const s of await (await fetch('/api/sessions')).json()) {
        await fetch('/api/sessions/' + s.id, {method: 'DELETE', headers: {'X-XSRFToken': xsrf}});
    }
}"""


def wait_for(predicate, what: str, timeout_s: float = 20.0, every: float = 0.1):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def state(root) -> dict:
    return root.evaluate(STATE_JS)


def wait_version(root, before: int) -> dict:
    """The first painted frame of a newer scene than ``before``."""
    return wait_for(lambda: (s := state(root)) and int(s.get("version", 0)) > before and s, "a new scene painted")


@pytest.fixture(scope="module")
def lecture(chromium, artifacts):
    """``nncourse present playground`` at 1280×720, the playground painted and scrolled to its top."""
    require_chromium()
    argv = [sys.executable, "-m", "autograder.cli", "present", "playground", "--no-preheat"]
    server = labdriver.Server(argv, {**os.environ, "PYTHONUNBUFFERED": "1"}, artifacts / "present-playground.log",
                              ready_path="/voila/static/voila.js", cwd=labdriver.COURSE)
    labdriver.atexit_stop(server)
    page = None
    try:
        server.wait_ready()
        page = chromium.new_page(viewport=PROJECTOR)
        page.set_default_timeout(60_000)
        page.goto(server.url + "/")
        root = page.locator(".nnpg").first
        root.wait_for()
        wait_for(lambda: int(state(root).get("paints", 0)) > 0, "the first painted frame", 60)
        root.evaluate("r => r.scrollIntoView({block: 'start'})")
        time.sleep(0.3)
        yield page, root
    finally:
        if page is not None:
            page.close()
        server.stop()


def test_lecture_view_renders_and_fits_a_projector(lecture, artifacts):
    page, root = lecture
    box = root.bounding_box()
    page.screenshot(path=str(artifacts / "present-playground.png"))
    assert box["x"] >= 0 and box["x"] + box["width"] <= PROJECTOR["width"], box
    assert box["height"] <= PROJECTOR["height"], f"the playground is {box['height']:.0f} px tall, the screen 720"
    assert box["y"] + box["height"] <= PROJECTOR["height"] + 1, f"scrolled to its top, it still ends at {box}"
    sizes = root.evaluate("r => [...r.querySelectorAll('*')].filter(e => e.offsetParent && e.childNodes.length"
                          " && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))"
                          ".map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 12, f"text of {min(sizes)} px"
    assert page.get_by_text("Error displaying widget").count() == 0


def test_play_trains_the_surface_changes_and_pause_stops(lecture):
    _page, root = lecture
    before, surface = state(root), root.evaluate(SURFACE_JS)
    assert before["steps"] == "0"
    root.locator("button[data-name=reset]").click()
    reset = wait_version(root, int(before["version"]))
    root.locator("button[data-name=play]").click()
    t0, paints0 = time.monotonic(), int(reset["paints"])
    playing = wait_for(lambda: (s := state(root)) and int(s["steps"]) >= 3000 and s, "3000 training steps")
    painted = (int(playing["paints"]) - paints0) / (time.monotonic() - t0)
    assert painted >= 10, f"{painted:.1f} frames painted per second while training"
    assert float(playing["testLoss"]) < 0.5 * float(reset["testLoss"]), (reset["testLoss"], playing["testLoss"])
    assert float(playing["trainLoss"]) < 0.5 * float(reset["trainLoss"])
    assert root.evaluate(SURFACE_JS) != surface, "the decision surface did not change while training"
    assert root.locator("button[data-name=play]").inner_text() == "Pause"
    root.locator("button[data-name=play]").click()
    wait_for(lambda: root.locator("button[data-name=play]").inner_text() == "Play", "the Play button back")
    time.sleep(0.3)
    steps = state(root)["steps"]
    time.sleep(0.7)
    assert state(root)["steps"] == steps, "training went on after Pause"


def test_click_adds_a_point_of_the_chosen_class(lecture):
    _page, root = lecture
    root.locator("select[data-name=add]").select_option(label="blue")
    surface = root.locator("canvas.nnpg-surface")
    box = surface.bounding_box()
    version = int(state(root)["version"])
    surface.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.25})  # x = 3, y = 3 in the plane
    wait_version(root, version)
    config = wait_for(lambda: "u=" in (v := root.locator("input.nnpg-config-input").input_value()) and v,
                      "the point in the scene string")
    points = parse_scene(config).points
    assert len(points) == 1
    x, y, label = points[0]
    assert label == 1 and abs(x - 3.0) <= 0.1 and abs(y - 3.0) <= 0.1, points


def test_plus_and_minus_change_the_drawn_network(lecture):
    _page, root = lecture
    drawn = root.evaluate(NETWORK_JS)
    layers = root.locator(".nnpg-layercount")
    assert layers.inner_text() == "2 hidden layers"
    version = int(state(root)["version"])
    root.locator("button[data-name='layers+']").click()
    version = int(wait_version(root, version)["version"])
    assert layers.inner_text() == "3 hidden layers"
    counts = root.locator(".nnpg-neuronbar:visible .nnpg-neuroncount").all_inner_texts()
    assert counts == ["4", "2", "2"], counts
    assert root.evaluate(NETWORK_JS) != drawn
    root.locator("button[data-name='neurons+0']").click()
    version = int(wait_version(root, version)["version"])
    assert root.locator(".nnpg-neuronbar:visible .nnpg-neuroncount").all_inner_texts() == ["5", "2", "2"]
    root.locator("button[data-name='layers-']").click()
    wait_version(root, version)
    assert layers.inner_text() == "2 hidden layers"
    assert "h=5.2" in root.locator("input.nnpg-config-input").input_value()


def test_hovering_a_neuron_or_a_connection_shows_it_with_its_value(lecture):
    page, root = lecture
    layout = root.evaluate("r => r.nnpgLayout()")
    canvas = root.locator("canvas.nnpg-net-canvas").bounding_box()
    x, y = layout["columns"][1][0]  # the first neuron of the first hidden layer
    page.mouse.move(canvas["x"] + x, canvas["y"] + y)
    hover = root.locator(".nnpg-hover")
    wait_for(lambda: hover.is_visible(), "the hover view")
    assert re.fullmatch(r"layer 1, neuron 1: bias -?\d+\.\d{3}", hover.inner_text().strip()), hover.inner_text()
    big = root.locator(".nnpg-hover-canvas").bounding_box()
    assert big["width"] >= 3 * layout["thumb"] and big["height"] >= 3 * layout["thumb"]  # shown large
    (ax, ay), (bx, by) = layout["columns"][0][0], layout["columns"][1][0]  # x1 -> that neuron
    half = layout["thumb"] / 2
    page.mouse.move(canvas["x"] + (ax + half + bx - half) / 2, canvas["y"] + (ay + by) / 2)  # the curve's middle
    wait_for(lambda: hover.inner_text().strip().startswith("weight"), "the connection's hover")
    assert re.fullmatch(r"weight -?\d+\.\d{3}", hover.inner_text().strip())
    page.mouse.move(5, 5)
    wait_for(lambda: not hover.is_visible(), "the hover view gone")


def test_configuration_string_round_trips_through_the_page(lecture):
    page, root = lecture
    text = "d=spiral;k=3;n=10;f=x1.x2.sin1.sin2;h=8.6;a=relu;l=softmax;o=adam;r=0.01;b=20;g=l2;q=0.001;w=4"
    field = root.locator("input.nnpg-config-input")
    version = int(state(root)["version"])
    field.fill(text)
    field.press("Enter")
    wait_version(root, version)
    page.mouse.click(5, 5)  # leave the field: it shows the kernel's string again
    wait_for(lambda: field.input_value() == text, f"the field to show {text!r}")
    shown = {name: root.locator(f"select[data-name={name}] option:checked").inner_text()
             for name in ("data", "classes", "activation", "loss", "optimizer", "lr", "batch", "reg", "reg_rate")}
    assert shown == {"data": "spiral", "classes": "3", "activation": "relu", "loss": "softmax", "optimizer": "adam",
                     "lr": "0.01", "batch": "20", "reg": "l2", "reg_rate": "0.001"}
    assert root.locator(".nnpg-layercount").inner_text() == "2 hidden layers"
    version = int(state(root)["version"])
    field.fill("d=spiral;k=9")
    field.press("Enter")
    wait_for(lambda: "classes must be an integer from 2 to 5, got 9" in root.locator(".nnpg-status").inner_text(),
             "the error in the status line")
    assert int(state(root)["version"]) == version  # the scene stayed
    page.mouse.click(5, 5)
    wait_for(lambda: field.input_value() == text, "the field back to the scene shown")
    version = int(state(root)["version"])
    field.fill("h=3;d=xor")  # not in canonical order: loaded with the Load button, shown canonical
    root.locator("button[data-name=load]").click()
    wait_version(root, version)
    wait_for(lambda: field.input_value() == "d=xor;h=3", "the canonical string")


# ---------------------------------------------------------------- JupyterLab

CELLS = ["from nnlib.widgets import playground\nplayground('d=xor;h=4.4')",
         f"playground(hide={list(CONTROLS)!r})"]


@pytest.fixture(scope="module")
def notebook(lab_server, chromium):
    """A scratch notebook with two playgrounds (one with every control hidden), run in JupyterLab at 1280×720."""
    path = "playground-test.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbformat.write(nb, lab_server.root / path)
    page = chromium.new_page(viewport=PROJECTOR)
    try:
        lab = labdriver.Notebook(page, lab_server.url, path, expected_cells=len(CELLS))
        lab.run_all()
        roots = page.locator(".nnpg")
        wait_for(lambda: roots.count() == 2 and all(int(state(roots.nth(i)).get("paints", 0)) > 0 for i in range(2)),
                 "both playgrounds painted", 60)
        yield page, lab, roots
    finally:
        page.evaluate(SHUT_DOWN_JS)  # the scratch notebook's kernel goes with its page
        page.close()


def test_renders_in_jupyterlab_within_the_notebook(notebook, artifacts):
    page, lab, roots = notebook
    root = roots.nth(0)
    root.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "lab-playground.png"))
    box = root.bounding_box()
    panel = lab.panel.locator(".jp-WindowedPanel-outer, .jp-Notebook").first.bounding_box()
    assert box["x"] + box["width"] <= panel["x"] + panel["width"], (box, panel)
    assert box["height"] <= panel["height"], f"the playground ({box['height']:.0f} px) is taller than the notebook's view"
    assert lab.error_cells() == []
    assert state(root)["steps"] == "0"
    root.locator("button[data-name=step]").click()
    wait_for(lambda: state(root)["steps"] == "1", "one step shown")


def test_the_chapters_generic_widget_check_passes_on_a_playground(notebook):
    """A chapter that shows a playground must pass test_chapters.py's check: its main control redraws, nothing blank."""
    page, lab, _roots = notebook
    output = lab.widget_outputs().nth(0)
    before = lab.images(output)
    assert len(before) == 4  # the network, loss, surface and hover canvases
    assert all(labdriver.grey_std(png) >= labdriver.BLANK_STD for png in before)
    done = labdriver.change_main_control(page, output)
    assert done == "button 'Reset'", done
    after = labdriver.wait_settled(lambda: lab.images(output), before)
    assert after != before and all(labdriver.grey_std(png) >= labdriver.BLANK_STD for png in after)


def test_every_control_can_be_hidden(notebook):
    _page, _lab, roots = notebook
    shown = roots.nth(0).evaluate("r => [...new Set([...r.querySelectorAll('[data-ctl]')]"
                                  ".filter(e => e.offsetParent !== null).map(e => e.dataset.ctl))]")
    assert sorted(shown) == sorted(CONTROLS), f"shown by default: {sorted(shown)}"
    hidden_root = roots.nth(1)
    visible = hidden_root.evaluate("r => [...r.querySelectorAll('[data-ctl]')].filter(e => e.offsetParent !== null)"
                                   ".map(e => e.dataset.ctl)")
    assert visible == [], f"still shown with every control hidden: {visible}"
    assert hidden_root.locator("select:visible, button:visible, input:visible").count() == 0
    assert int(state(hidden_root)["paints"]) > 0  # the pictures stay
