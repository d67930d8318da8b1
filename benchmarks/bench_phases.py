"""Where a widget's control-to-pixels time goes: one change split into phases, JupyterLab vs the lecture view.

``bench_browser`` measures the whole path from an input event to the frame
that paints the new PNG.  This tool splits that path, for the same widgets on
both front ends *in the same run* (on a loaded machine only ratios and splits
compare, absolute times do not):

====================  ===========================================================================
phase                 from → to
====================  ===========================================================================
front end out         input event → the page's websocket ``send`` (the widget view, the model,
                      ipywidgets' message throttle)
to kernel             ``send`` → the kernel's comm handler starts (Jupyter server relay, ZMQ,
                      the kernel's shell / subshell threads)
kernel                comm handler → PNG encoded (the widget's compute, Agg draw, PNG encode:
                      what ``bench_widgets`` times)
back to page          PNG encoded → the websocket delivers the largest message after the event
                      (the image update: ipywidgets serialization, iopub, server, websocket)
front end in          that message → the ``<img>``'s ``src`` set (deserialize, widget manager,
                      model, view, blob URL)
decode                ``src`` → the image's ``load`` event
paint                 ``load`` → the next animation frame
====================  ===========================================================================

Browser times are ``performance.timeOrigin + performance.now()`` and kernel
times ``time.time()``, both the machine's wall clock.  The kernel times come
from a measurement hook that is *not* in the product: an IPython startup file
(in the throwaway ``IPYTHONDIR`` of each server) wraps the comm handler and
the PNG encoder of ``nnlib.widgets._base`` and writes the two times into the
PNG's ``tEXt`` chunks, which the page reads back after the frame.

Run (a few minutes; every variant is one JupyterLab server, then the lecture view)::

    python -m benchmarks.bench_phases --chapter 01_perceptron --changes 20 \\
        --lab default='{}' nosubshell='{"@jupyterlab/apputils-extension:kernels-settings": {"commsOverSubshells": "disabled"}}'
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import argparse
import json
import os
import statistics
import tempfile
import time

from benchmarks._common import ROOT
from benchmarks.bench_browser import (
    _ARM_JS,
    _READ_JS,
    _RESET_JS,
    _WAIT_JS,
    PAUSE_S,
    SCROLL_SETTLE_S,
    Driver,
    widgets_on_page,
)

sys.path.insert(0, str(ROOT / "tests" / "browser"))
import labdriver

_SERVER_LOG: dict = {}
PHASES = ["front end out", "to kernel", "kernel", "back to page", "front end in", "decode", "paint"]

# Kernel side (an IPython startup file): the comm handler's start and the PNG's encode end, into the PNG.
_KERNEL_HOOK = '''
import time as _t
import comm.base_comm as _bc
from nnlib.widgets import _base as _b
_seen = {"recv": 0.0}
_handle = _bc.BaseComm.handle_msg
def _timed_handle(self, msg):
    _seen["recv"] = _t.time() * 1000
    return _handle(self, msg)
_bc.BaseComm.handle_msg = _timed_handle
_encode = _b.encode_rgba
def _timed_encode(rgba, text=None, level=1):
    png = _encode(rgba, text=text, level=level)
    return _with_stamp(png, {"recv": _seen["recv"], "encoded": _t.time() * 1000})
def _with_stamp(png, stamp):
    import struct, zlib, json
    data = b"nncourse-timing\\0" + json.dumps(stamp).encode()
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data + struct.pack(">I", zlib.crc32(b"tEXt" + data) & 0xFFFFFFFF)
    return png[:33] + chunk + png[33:]  # after the signature and IHDR
_b.encode_rgba = _timed_encode
'''

# Server side (--server-timing; a sitecustomize on the server's PYTHONPATH): when each message from the
# kernel enters the websocket relay and when it has been written to the websocket.
_SERVER_HOOK = '''
import json, os, sys, time
_path = os.environ.get("NNCOURSE_SERVER_TIMING")
if _path and "ipykernel" not in " ".join(sys.argv):
    from jupyter_server.services.kernels.connection import channels as _ch
    _orig = _ch.ZMQChannelsWebsocketConnection.handle_outgoing_message
    def _timed(self, stream, outgoing_msg):
        t0 = time.time() * 1000
        result = _orig(self, stream, outgoing_msg)
        with open(_path, "a") as f:
            f.write(json.dumps({"t0": t0, "t1": time.time() * 1000, "n": sum(len(p) for p in outgoing_msg),
                                "sub": self.subprotocol}) + "\\n")
        return result
    _ch.ZMQChannelsWebsocketConnection.handle_outgoing_message = _timed
'''

# In the page, before any script: note every websocket frame sent and received (time, size).
_WS_HOOK = """(() => {
  const log = window.__ws = [];
  const now = () => performance.timeOrigin + performance.now();
  const size = d => typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0);
  const Base = window.WebSocket;
  window.WebSocket = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => log.push({dir: 'in', t: now(), n: size(e.data)}));
    }
    send(data) { log.push({dir: 'out', t: now(), n: size(data)}); return super.send(data); }
  };
})()"""
_WS_CLEAR_JS = "() => { window.__ws.length = 0; }"
_WS_READ_JS = "() => window.__ws.slice()"
_ORIGIN_JS = "() => performance.timeOrigin"
_STAMP_JS = """async (root) => {
  const bytes = new Uint8Array(await (await fetch(root.querySelector('img.widget-image').src)).arrayBuffer());
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 400));
  const at = text.indexOf('nncourse-timing\\0');
  if (at < 0) return null;
  return JSON.parse(text.slice(at + 16, text.indexOf('}', at) + 1));
}"""


def _one(page, driver: Driver) -> dict | None:
    output = driver.output
    driver.prepare()
    output.evaluate(_RESET_JS)
    page.evaluate(_WS_CLEAR_JS)
    driver.change()
    if not output.evaluate(_WAIT_JS, 5000):
        return None
    time.sleep(PAUSE_S)
    timing, frames = output.evaluate(_READ_JS), None
    ws, origin, stamp = page.evaluate(_WS_READ_JS), page.evaluate(_ORIGIN_JS), output.evaluate(_STAMP_JS)
    if not timing["events"] or not stamp:
        return None
    frames = timing["frames"]
    event = origin + timing["events"][0]
    frame = frames[-1]
    src, load, paint = (origin + frame[k] for k in ("src", "load", "paint"))
    sent = [m for m in ws if m["dir"] == "out" and m["t"] >= event]
    got = [m for m in ws if m["dir"] == "in" and stamp["encoded"] - 5 <= m["t"] <= src]
    if not sent or not got:
        return None
    image_msg = max(got, key=lambda m: m["n"])
    marks = [event, sent[0]["t"], stamp["recv"], stamp["encoded"], image_msg["t"], src, load, paint]
    split = {name: b - a for name, a, b in zip(PHASES, marks, marks[1:])}
    split["total"] = paint - event
    if _SERVER_LOG.get("path") and Path(_SERVER_LOG["path"]).exists():  # the probe's server timing
        lines = [json.loads(x) for x in Path(_SERVER_LOG["path"]).read_text().splitlines() if x.strip()]
        near = [x for x in lines if stamp["encoded"] - 5 <= x["t0"] <= image_msg["t"]]
        if near:
            big = max(near, key=lambda x: x["n"])
            split["kernel→server"] = big["t0"] - stamp["encoded"]
            split["server"] = big["t1"] - big["t0"]
            split["server→page"] = image_msg["t"] - big["t1"]
            split["sub"] = big["sub"]
    split["ws in"] = sum(1 for m in ws if m["dir"] == "in" and m["t"] <= paint)
    split["ws out"] = len(sent)
    split["frames"] = len(frames)
    return split


def measure(page, scope, where: str, changes: int, widgets: set[str] | None) -> list[dict]:
    rows = []
    for name, output in widgets_on_page(page, scope, widgets):
        driver = Driver.main(page, output)
        if driver is None or output.query_selector("canvas"):
            continue
        rows.append({"where": where, "widget": name, "output": output, "driver": driver, "splits": []})
    for row in rows:
        row["output"].scroll_into_view_if_needed()
        row["output"].evaluate(_ARM_JS)
    for _ in range(changes):
        for row in rows:
            row["output"].scroll_into_view_if_needed()
            time.sleep(SCROLL_SETTLE_S)
            split = _one(page, row["driver"])
            if split:
                row["splits"].append(split)
    for row in rows:
        del row["output"], row["driver"]
    return rows


def _hook_home(home: Path) -> dict:
    env = labdriver.throwaway_jupyter_env(home)
    if _SERVER_LOG.get("on"):  # --server-timing: a sitecustomize that times the Jupyter server's relay
        site = home / "site"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(_SERVER_HOOK)
        env["PYTHONPATH"] = str(site)
        env["NNCOURSE_SERVER_TIMING"] = _SERVER_LOG["path"] = str(home / "server-timing.jsonl")
    startup = Path(env["IPYTHONDIR"]) / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-nncourse-timing.py").write_text(_KERNEL_HOOK)
    return env


def lab_rows(browser, chapter: str, settings: dict, label: str, work: Path, changes, widgets, windowing: str):
    home = work / f"home-{label}"
    home.mkdir()
    root = labdriver.copy_chapters(ROOT, work / f"root-{label}", folders=("solutions",))
    env = _hook_home(home)
    settings = dict(settings)
    env.update(settings.pop("_env", {}))  # {"_env": {"NNCOURSE_PIXEL_RATIO": "1"}}: the kernel's environment
    css = settings.pop("_css", "")  # {"_css": "img.widget-image {...}"}: a style sheet added to the page
    lab_settings = dict(labdriver.LAB_SETTINGS)
    if windowing:
        lab_settings["@jupyterlab/notebook-extension:tracker"] = {"windowingMode": windowing}
    else:  # JupyterLab's own default, what a student gets
        lab_settings.pop("@jupyterlab/notebook-extension:tracker")
    lab_settings.update(settings)
    labdriver.write_lab_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]), lab_settings)
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.token=",
            "--ServerApp.password=", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}"]
    server = labdriver.Server(argv, env, work / f"lab-{label}.log")
    labdriver.atexit_stop(server)
    try:
        server.wait_ready()
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.add_init_script(_WS_HOOK)
        if css:
            page.add_init_script("document.addEventListener('DOMContentLoaded', () => { const s = "
                                 f"document.createElement('style'); s.textContent = {json.dumps(css)}; "
                                 "document.head.appendChild(s); })")
        try:
            lab = labdriver.Notebook(page, server.url, f"solutions/{chapter}/{chapter}.ipynb")
            lab.run_all()
            lab.wait_widgets_rendered()
            return measure(page, lab.panel, f"JupyterLab {label}", changes, widgets)
        finally:
            page.close()
    finally:
        server.stop()


def lecture_rows(browser, chapter: str, work: Path, changes, widgets, env_extra: dict | None = None):
    env = _hook_home(work / "home-lecture")
    env.update(env_extra or {})
    argv = [sys.executable, "-m", "autograder.cli", "present", chapter]
    server = labdriver.Server(argv, env, work / "present.log", ready_path="/voila/static/voila.js", cwd=ROOT)
    labdriver.atexit_stop(server)
    try:
        server.wait_ready()
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.add_init_script(_WS_HOOK)
        try:
            page.set_default_timeout(60_000)
            page.goto(server.url + "/")
            body = page.locator("body")
            labdriver.wait_widgets_rendered(body, f"lecture view of {chapter}", timeout_s=120)
            label = "lecture view" + (" " + ",".join(f"{k}={v}" for k, v in env_extra.items()) if env_extra else "")
            return measure(page, body, label, changes, widgets)
        finally:
            page.close()
    finally:
        server.stop()


def table(rows: list[dict]) -> str:
    cols = [*PHASES, "total"]
    if any("server" in x for row in rows for x in row["splits"]):
        cols += ["kernel→server", "server", "server→page"]
    lines = ["| page | widget | n | " + " | ".join(cols) + " | ws in/out |",
             "| --- | --- | --- | " + " | ".join("---" for _ in cols) + " | --- |"]
    for row in rows:
        s = row["splits"]
        if not s:
            lines.append(f"| {row['where']} | `{row['widget']}` | 0 | " + " | ".join("" for _ in cols) + " | |")
            continue
        med = [statistics.median(x.get(c, float("nan")) for x in s) for c in cols]
        ws = f"{statistics.median(x['ws in'] for x in s):.0f}/{statistics.median(x['ws out'] for x in s):.0f}"
        lines.append(f"| {row['where']} | `{row['widget']}` | {len(s)} | " + " | ".join(f"{m:.0f}" for m in med)
                     + f" | {ws} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapter", default="01_perceptron")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--widgets", nargs="*", help="class names (default: every widget with an image)")
    parser.add_argument("--lab", nargs="*", default=["default={}"],
                        help="label=JSON of JupyterLab user settings, one server each")
    parser.add_argument("--windowing", default="none", help="windowingMode of the notebook ('' = JupyterLab's default)")
    parser.add_argument("--lecture-env", nargs="*", default=[None], help="KEY=VALUE for extra lecture-view runs; "
                        "'-' for the plain lecture view")
    parser.add_argument("--json", type=Path, help="also write the raw splits here")
    parser.add_argument("--server-timing", action="store_true",
                        help="split 'back to page' at the Jupyter server (a sitecustomize on its PYTHONPATH)")
    args = parser.parse_args(argv)
    _SERVER_LOG["on"] = args.server_timing
    from playwright.sync_api import sync_playwright

    widgets = set(args.widgets) if args.widgets else None
    rows = []
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="nncourse-phases-") as tmp, sync_playwright() as playwright:
        browser = labdriver.launch_chromium(playwright)
        try:
            for i, spec in enumerate(args.lab):
                label, _, settings = spec.partition("=")
                work = Path(tmp) / f"lab{i}"
                work.mkdir()
                rows += lab_rows(browser, args.chapter, json.loads(settings or "{}"), label, work, args.changes,
                                 widgets, args.windowing)
            for i, extra in enumerate(args.lecture_env):
                work = Path(tmp) / f"lecture{i}"
                work.mkdir()
                env_extra = dict([extra.split("=", 1)]) if extra and extra != "-" else None
                rows += lecture_rows(browser, args.chapter, work, args.changes, widgets, env_extra)
        finally:
            browser.close()
    load.append(os.getloadavg()[0])
    print(f"load average {load[0]:.2f} -> {load[1]:.2f}; medians in ms")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
