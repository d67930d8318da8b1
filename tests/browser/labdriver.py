"""Drive a real JupyterLab (or Voilà) server from a real Chromium, for the browser tests.

Three pieces, each usable on its own:

- :class:`Server`: a Jupyter process on a free loopback port, in its own
  process group, with every per-user Jupyter folder (settings, workspaces,
  runtime, config, data) in a throwaway directory.  It is stopped by its own
  PID, and then its process group is killed, so kernels never outlive a test
  run, also when a test fails half-way.
- :func:`launch_chromium`: Debian's Chromium through Playwright's Python API
  (Playwright's own browser downloads are never used).
- :class:`Notebook`: one JupyterLab page showing one notebook, with the
  actions a person takes (Run All from the menu, move a slider with the
  keyboard, pick a dropdown option, click a button) and what a person sees
  (cell outputs as text, widget images as PNG bytes).

Why the PNG bytes?  Every chapter widget draws a matplotlib Figure into an
``ipywidgets.Image``, whose ``src`` is a ``blob:`` URL of the PNG.  Fetching
it inside the page gives exactly the bytes on screen, so "the figure changed"
is a byte comparison and "the figure is not blank" is a pixel statistic.  A widget that draws on a ``<canvas>`` (the optimizer
race, ``nnlib/widgets/race.js``) is read as the canvas's pixels
(``toDataURL``), after its images.
"""
from __future__ import annotations

import atexit
import base64
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
# Where the chapter notebooks are found: the repository, or (to try the suite
# on a scratch course) any folder with course/ and solutions/ in it.
COURSE = Path(os.environ.get("NNCOURSE_BROWSER_COURSE", REPO)).resolve()
CHROMIUM = Path("/usr/bin/chromium")
# Flags measured in TOOLCHAIN.md: headless in a container running as root, no GPU,
# /dev/shm may be tiny, and nothing that phones home.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
]
# A blank frame (the pyplot/subshell race draws all-white PNGs) has no
# variance at all; a real chart has lines, text and fills (std of grey levels
# well above 0.05 on a 0..1 scale).  0.02 keeps a margin both ways.
BLANK_STD = 0.02


# ---------------------------------------------------------------- what to test


def chapter_notebooks() -> list[str]:
    """Every released chapter notebook, as ``course/NN_topic/NN_topic.ipynb`` paths; with
    ``NNCOURSE_BROWSER_SOLUTIONS=1`` the ``solutions/...`` notebooks too.

    The solutions are executed cell by cell by ``tests/notebooks`` (nbclient) and shown with
    every widget, powered by the solution code, in the lecture view (``test_present``,
    ``test_screens``); opening them in JupyterLab as well doubled the suite's slowest part,
    so CI leaves them out and an instructor changing a chapter can ask for them.
    """
    found = []
    folders = ("course", "solutions") if os.environ.get("NNCOURSE_BROWSER_SOLUTIONS") == "1" else ("course",)
    for folder in folders:
        for path in sorted((COURSE / folder).glob("*/*.ipynb")):
            if path.stem == path.parent.name:  # the chapter notebook, not a scratch file beside it
                found.append(path.relative_to(COURSE).as_posix())
    return found


# ---------------------------------------------------------------- the server


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def throwaway_jupyter_env(home: Path) -> dict:
    """Environment with every per-user Jupyter folder inside ``home`` (created here).

    The developer's own JupyterLab settings, workspaces, kernelspecs and
    running-server files are neither read nor touched.  The kernel is the
    environment's own ``python3`` (sys.prefix is still searched), and
    ``NBGRADER_EXECUTION`` is dropped: with it set the widgets draw nothing.
    """
    folders = {
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "IPYTHONDIR": home / "ipython",
        "MPLCONFIGDIR": home / "matplotlib",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **{key: str(value) for key, value in folders.items()}}
    env.pop("NBGRADER_EXECUTION", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def write_lab_settings(settings_dir: Path, settings: dict) -> None:
    """Write user settings (plugin id -> {key: value}) as JupyterLab stores them."""
    for plugin, values in settings.items():
        package, name = plugin.rsplit(":", 1)
        path = settings_dir / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


class Server:
    """A Jupyter server process (``jupyter lab`` or ``voila``) on a loopback port.

    Parameters
    ----------
    argv : list of str
        The command, without port: the port is appended as ``--port=PORT``.
    env : dict
        Its environment (see :func:`throwaway_jupyter_env`).
    log : Path
        Where its stdout and stderr go (read back when it fails to start).
    ready_path : str
        A URL path that answers 200 once the server is up.
    """

    def __init__(self, argv, env, log: Path, ready_path="/api/status", cwd=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = open(log, "w")
        # Own session = own process group: the group id is the server's PID,
        # so killing the group also ends the kernels it started.
        self.process = subprocess.Popen([*argv, f"--port={self.port}"], env=env, cwd=cwd,
                                        stdout=self._log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.pid = self.process.pid
        self.ready_path = ready_path
        self._stopped = False

    def wait_ready(self, timeout: float = 90.0) -> "Server":
        """Poll ``ready_path`` until it answers 200; fail with the log tail if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM the server by its PID (it shuts its kernels down), then SIGKILL its group; once."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)  # kernels or a server that ignored SIGTERM
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._log_file.close()


def atexit_stop(server: Server) -> None:
    """Stop ``server`` when Python exits, whatever happens to the test run (stop() is idempotent)."""
    atexit.register(server.stop)


def jupyter_lab(root: Path, home: Path, log: Path, settings: dict | None = None) -> Server:
    """Start ``jupyter lab`` serving ``root``, all per-user state under ``home``; ``settings``: instead of LAB_SETTINGS."""
    env = throwaway_jupyter_env(home)
    write_lab_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]), LAB_SETTINGS if settings is None else settings)
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}"]
    return Server(argv, env, log)


# Throwaway user settings.  None of them changes how widgets run; they keep a
# test run from writing into the notebooks or waiting on the network.
LAB_SETTINGS = {
    # Executing marks a notebook dirty; never write the outputs back to disk.
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    # No "news" / "update available" toasts over the notebook (and no network).
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # The tests address cells by their position on the page.  JupyterLab's
    # default windowing attaches off-screen cells to the page when it gets
    # round to it; a CI run once counted 55 of 56 cells after Run All.  "none"
    # attaches every cell when the notebook opens (it changes when cells are
    # drawn, not how they run).
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


# ---------------------------------------------------------------- the browser


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install playwright)"
    return None


# Tests talk to loopback servers only: every other host name fails to resolve at
# once (Voilà's page links a CDN stylesheet; it must neither load nor hang).
LOOPBACK_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


def require_chromium() -> None:
    """Skip (fail under CI) when the browser tests cannot run here."""
    import pytest

    reason = chromium_missing_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=[*CHROMIUM_ARGS, LOOPBACK_ONLY])


# ---------------------------------------------------------------- PNG checks


def png_pixels(data: bytes) -> np.ndarray:
    """Decode PNG bytes to an (H, W, channels) float array in 0..1 (matplotlib's reader)."""
    from matplotlib.image import imread

    return imread(io.BytesIO(data), format="png")


def grey_std(data: bytes) -> float:
    """Standard deviation of the grey levels of a PNG (0 for a blank frame)."""
    pixels = png_pixels(data)
    rgb = pixels[..., :3] if pixels.ndim == 3 else pixels[..., None]
    return float(rgb.mean(axis=-1).std())


# ---------------------------------------------------------------- one notebook page

# JavaScript run in the page: the PNG bytes of every widget image inside a root element.
_IMAGES_JS = """async (root) => {
    const out = [];
    for (const img of root.querySelectorAll('img.widget-image')) {
        if (!img.src) { out.push(''); continue; }
        const buffer = await (await fetch(img.src)).arrayBuffer();
        let text = '';
        const bytes = new Uint8Array(buffer);
        for (let i = 0; i < bytes.length; i += 0x8000) {
            text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        }
        out.push(btoa(text));
    }
    // A widget drawn on a canvas (chapter 05's optimizer race) is seen through the canvas's pixels.
    for (const canvas of root.querySelectorAll('canvas')) {
        out.push(canvas.toDataURL('image/png').split(',')[1]);
    }
    return out;
}"""


class Notebook:
    """One JupyterLab page with one notebook open.

    Cells are addressed by their index in the notebook file (JupyterLab
    renders one ``.jp-Cell`` per cell, in order).
    """

    def __init__(self, page, server_url: str, path: str, timeout_ms: int = 60_000,
                 expected_cells: int | None = None):
        self.page = page
        self.path = path
        self.timeout_ms = timeout_ms
        page.set_default_timeout(timeout_ms)
        page.goto(f"{server_url}/lab/tree/{path}?reset")
        self.panel = page.locator(".jp-NotebookPanel").first
        self.cells = self.panel.locator(".jp-Notebook .jp-Cell")
        self.cells.first.wait_for()
        if expected_cells is not None:
            self._wait_cell_count(expected_cells)
        self._wait_kernel_ready()

    def _wait_cell_count(self, expected: int) -> None:
        """Wait until the page shows ``expected`` cells (the file's count), so indexes line up."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        while (shown := self.cells.count()) != expected:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path}: the page shows {shown} cells, the file has {expected}")
            time.sleep(0.1)

    # -- kernel -----------------------------------------------------------------
    def _wait_kernel_ready(self) -> None:
        """Wait for a connected, idle kernel; accept the "Select Kernel" dialog if JupyterLab asks.

        JupyterLab asks when the kernel's websocket was lost while connecting
        (seen here under load: jupyter_server issue #1265); accepting starts
        the notebook's own kernel (python3), as a person would.
        """
        idle = self.panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
        kernel = self.panel.locator(".jp-Toolbar-kernelName")
        deadline = time.monotonic() + self.timeout_ms / 1000
        while time.monotonic() < deadline:
            if not self._accept_kernel_dialog() and idle.count() and "python" in kernel.inner_text().lower():
                return
            time.sleep(0.1)
        raise TimeoutError(f"{self.path}: the kernel did not become idle")

    def _accept_kernel_dialog(self) -> bool:
        accept = self.page.locator(".jp-Dialog .jp-mod-accept")
        if not accept.count():
            return False
        accept.first.click()
        return True

    def wait_idle(self, timeout_ms: int | None = None) -> None:
        """Wait until the kernel is idle (the toolbar's execution indicator)."""
        self.panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
            timeout=timeout_ms or self.timeout_ms)

    # -- running ------------------------------------------------------------------
    def menu(self, top: str, item: str) -> None:
        """Click a main-menu entry, e.g. ``menu("Run", "Run All Cells")``."""
        self.page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=top).first.click()
        self.page.locator(".lm-Menu-content .lm-Menu-item:visible",
                          has=self.page.locator(".lm-Menu-itemLabel", has_text=item)).first.click()

    def prompts(self) -> list[str]:
        """Each cell's input prompt text ('' for markdown): '[3]:', '[*]:' or '[ ]:'."""
        return self.cells.evaluate_all(
            "cells => cells.map(c => { const p = c.querySelector('.jp-InputPrompt');"
            " return c.classList.contains('jp-CodeCell') && p ? p.textContent.trim() : ''; })")

    def wait_cells_done(self, timeout_s: float = 120.0) -> list[str]:
        """Wait until no code cell is queued or running and the kernel is idle."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            prompts = self.prompts()
            if not any("*" in p for p in prompts):
                self.wait_idle()
                if not any("*" in p for p in self.prompts()):
                    return self.prompts()
            time.sleep(0.2)
        raise TimeoutError(f"{self.path}: cells still running after {timeout_s:.0f} s: {self.prompts()}")

    def run_all(self, continue_after_errors: bool = False) -> list[str]:
        """Run → Run All Cells; optionally go on past failing cells the way a student does.

        JupyterLab stops a Run All at the first cell that raises (the kernel
        aborts the queued cells).  With ``continue_after_errors`` the next
        unexecuted code cell is selected and "Run Selected Cell and All
        Below" is used, until every code cell has run.
        """
        prompts = self._run("Run All Cells")
        for _attempt in range(len(prompts)):
            pending = [i for i, p in enumerate(prompts) if p in ("[ ]:", "[]:")]
            if not pending or not continue_after_errors:
                break
            self._wait_kernel_ready()  # no dialog in the way of the click
            self.cells.nth(pending[0]).locator(".jp-InputPrompt").click()
            prompts = self._run("Run Selected Cell and All Below")
        return prompts

    def _run(self, item: str) -> list[str]:
        """Click Run → ``item``; wait until the prompts show it started, then until it is done.

        If a kernel dialog came up instead, accept it, wait for the kernel and
        click again (once).
        """
        for _attempt in range(2):
            self._wait_kernel_ready()
            before = self.prompts()
            self.menu("Run", item)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:  # JupyterLab marks the queued cells [*] right away
                now = self.prompts()
                if now != before or any("*" in p for p in now):
                    return self.wait_cells_done()
                if self.page.locator(".jp-Dialog").count():
                    break  # no kernel: JupyterLab asks for one
                time.sleep(0.05)
        raise TimeoutError(f"{self.path}: Run → {item} started nothing (prompts {before})")

    # -- reading outputs -----------------------------------------------------------
    def output_text(self, index: int) -> str:
        """The text of a cell's outputs (textContent: an off-screen cell is not laid out, so innerText is empty)."""
        return self.cells.nth(index).locator(".jp-OutputArea").evaluate(
            "area => [...area.querySelectorAll('.jp-OutputArea-output')].map(o => o.textContent).join('\\n')")

    def error_cells(self) -> list[int]:
        """Indexes of cells that show an error (an ``error`` output, stderr-styled)."""
        return self.cells.evaluate_all(
            "cells => cells.flatMap((c, i) => c.querySelector("
            "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]') ? [i] : [])")

    # -- widgets ------------------------------------------------------------------
    def widget_outputs(self):
        return widget_outputs(self.panel)

    def wait_widgets_rendered(self, timeout_s: float = 60.0) -> int:
        return wait_widgets_rendered(self.panel, self.path, timeout_s)

    def images(self, output) -> list[bytes]:
        return images(output)


# ---------------------------------------------------------------- the file browser (JupyterLab's left sidebar)

_LEFT_CURRENT_TAB = ".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current"


def file_browser_open(page) -> bool:
    """Is JupyterLab's file browser shown in the left sidebar?"""
    return page.locator(f"{_LEFT_CURRENT_TAB}[data-id='filebrowser']").count() > 0


def set_file_browser(page, shown: bool) -> None:
    """Show or fold the file browser by clicking its sidebar tab, as a person does."""
    if file_browser_open(page) == shown:
        return
    if shown:
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='filebrowser']").click()
    else:
        page.locator(_LEFT_CURRENT_TAB).first.click()  # clicking the open tab folds the sidebar
    deadline = time.monotonic() + 5
    while file_browser_open(page) != shown and time.monotonic() < deadline:
        time.sleep(0.05)


# ---------------------------------------------------------------- widgets (JupyterLab or Voilà page)


def widget_outputs(scope):
    """Locator of every cell output that is a widget view, inside ``scope``."""
    # JupyterLab gives text outputs a data-mime-type attribute but not widget views.
    return scope.locator(".jp-OutputArea-output:has(> .jupyter-widgets)")


class WidgetDisplayError(AssertionError):
    """A widget output shows ipywidgets' "Error displaying widget" instead of the widget."""


def wait_widgets_rendered(scope, what: str = "page", timeout_s: float = 60.0, minimum: int = 1) -> int:
    """Wait until at least ``minimum`` widget outputs are there, no new one appears and every image has loaded.

    Returns the number of widget outputs.
    """
    deadline = time.monotonic() + timeout_s
    counts, loaded = [], []
    while time.monotonic() < deadline:
        if scope.get_by_text("Error displaying widget").count():
            raise WidgetDisplayError(f"{what}: a widget shows 'Error displaying widget'")
        loaded = widget_outputs(scope).evaluate_all("""outs => outs.map(o =>
            [...o.querySelectorAll('img.widget-image')].every(img => img.complete && img.naturalWidth > 0))""")
        counts = [*counts[-2:], len(loaded)]
        if len(loaded) >= minimum and all(loaded) and len(set(counts)) == 1 and len(counts) == 3:
            return len(loaded)
        time.sleep(0.25)
    raise TimeoutError(f"{what}: widgets not rendered after {timeout_s:.0f} s (images loaded per output: {loaded})")


def open_lecture_page(page, url: str, what: str, timeout_s: float = 120.0) -> int:
    """Open a lecture-view page and wait for its widgets; return how many widget outputs it shows.

    No reload: a widget that shows "Error displaying widget" fails at once,
    with the browser console's last errors and warnings in the message.  (The
    "model not found" a loaded machine used to produce came from ipywidgets
    8.1.9's front end; ``test_widget_restore.py`` shows it and pyproject.toml
    pins the version before it.)
    """
    console: list[str] = []

    def on_console(message):
        if message.type in ("error", "warning"):
            console.append(f"{message.type}: {message.text}")

    def on_error(error):
        console.append(f"pageerror: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_error)
    try:
        page.goto(url)
        try:
            return wait_widgets_rendered(page.locator("body"), what, timeout_s)
        except WidgetDisplayError as exc:
            raise WidgetDisplayError(f"{exc}; browser console: {console[-8:]}") from None
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)


def images(output) -> list[bytes]:
    """The PNG bytes of each widget image inside one widget output."""
    return [base64.b64decode(b64) for b64 in output.evaluate(_IMAGES_JS)]


def widget_name(output) -> str:
    """The chapter widget's class name, as its PNG says (``nnlib/widgets/_png.py`` writes it)."""
    from nnlib.widgets._png import read_text

    pngs = images(output)
    return read_text(pngs[0]).get("nncourse-widget", "widget") if pngs and pngs[0] else "widget"


def change_main_control(page, root) -> str:
    """Move the first slider / pick another dropdown option / click the first button inside ``root``."""
    handle = root.locator(".widget-slider .noUi-handle:visible").first
    if handle.count():
        now, top = (handle.get_attribute(name) for name in ("aria-valuenow", "aria-valuemax"))
        key = "ArrowLeft" if now is not None and top is not None and float(now) >= float(top) else "ArrowRight"
        handle.scroll_into_view_if_needed()
        handle.focus()
        for _ in range(3):
            page.keyboard.press(key)
        label = root.locator(".widget-slider").first.locator(".widget-label").first.inner_text()
        return f"slider {label!r}: 3 x {key}"
    select = root.locator(".widget-dropdown select:visible").first
    if select.count():
        options = select.locator("option").all_inner_texts()
        current = select.evaluate("s => s.selectedIndex")
        choice = options[(current + 1) % len(options)]
        select.select_option(label=choice)
        return f"dropdown: {options[current]!r} -> {choice!r}"
    button = root.locator("button.widget-button:visible:not(.widget-play button)").first
    if button.count():
        name = button.inner_text()
        button.click()
        return f"button {name!r}"
    raise AssertionError("widget has no slider, dropdown or button to change")


# Every frame shown, not just the last one: a MutationObserver on each widget
# image's ``src`` fetches the new blob at once (before ipywidgets revokes it on
# the next frame), so a blank frame in the middle of a slider drag is caught.
_RECORD_JS = """(root) => {
    root.__frames = [];
    const grab = (img) => root.__frames.push(fetch(img.src).then(r => r.arrayBuffer()).then(buffer => {
        const bytes = new Uint8Array(buffer);
        let text = '';
        for (let i = 0; i < bytes.length; i += 0x8000) {
            text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        }
        return btoa(text);
    }).catch(() => ''));
    root.__observer = new MutationObserver(changes => changes.forEach(c => grab(c.target)));
    for (const img of root.querySelectorAll('img.widget-image')) {
        root.__observer.observe(img, {attributes: true, attributeFilter: ['src']});
    }
}"""
_FRAMES_JS = "async (root) => { const f = await Promise.all(root.__frames); root.__observer.disconnect(); return f; }"


class FrameRecorder:
    """Records every PNG a widget output shows while a control is changed.

    >>> recorder = FrameRecorder(output)      # before the change
    >>> ...change a control...
    >>> frames = recorder.stop()              # after the figure settled
    """

    def __init__(self, root):
        self.root = root
        root.evaluate(_RECORD_JS)

    def stop(self) -> list[bytes]:
        return [base64.b64decode(b64) for b64 in self.root.evaluate(_FRAMES_JS)]


def wait_settled(read_images, before: list[bytes], timeout_s: float = 15.0, quiet_s: float = 0.6) -> list[bytes]:
    """Poll ``read_images()`` until it differs from ``before`` and then stays the same for ``quiet_s``."""
    deadline = time.monotonic() + timeout_s
    last, last_change = before, None
    while time.monotonic() < deadline:
        now = read_images()
        if now != last:
            last, last_change = now, time.monotonic()
        elif last_change is not None and time.monotonic() - last_change >= quiet_s:
            break
        time.sleep(0.1)
    return last


def copy_chapters(repo: Path, dest: Path, folders=("course", "solutions")) -> Path:
    """Copy the chapter folders into ``dest`` so a test run can never write into the repo."""
    for folder in folders:
        if (repo / folder).is_dir():
            shutil.copytree(repo / folder, dest / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest
