"""Session fixtures for the browser tests: one JupyterLab server and one Chromium per run.

The server serves a throwaway copy of ``course/`` and ``solutions/`` (a test
run executes notebooks and must never write outputs into the repository),
with every per-user Jupyter folder in a temporary directory.  It is stopped by
its own PID in the fixture's finalizer, so also when a test fails; an
``atexit`` hook covers an interrupted run.

The tests skip, with the reason, only when ``/usr/bin/chromium`` or the
``playwright`` package is missing; under CI (``CI`` set) that is a failure
instead, so CI can never pass without having driven a browser.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import labdriver
from labdriver import ARTIFACTS, COURSE, atexit_stop, chapter_notebooks, require_chromium


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium(request):
    """Debian's Chromium, driven by the run's one Playwright (one browser for the whole run)."""
    require_chromium()
    browser = labdriver.launch_chromium(request.getfixturevalue("playwright_driver"))
    yield browser
    browser.close()


def _start(server: labdriver.Server) -> labdriver.Server:
    atexit_stop(server)  # an interrupted run still ends the process group
    try:
        return server.wait_ready()
    except Exception:
        server.stop()
        raise


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, artifacts):
    """``jupyter lab`` on a free loopback port, serving a copy of course/ and solutions/."""
    require_chromium()  # no point starting a server that no browser will visit
    home = tmp_path_factory.mktemp("jupyter-home")
    root = labdriver.copy_chapters(COURSE, tmp_path_factory.mktemp("lab-root"))
    server = _start(labdriver.jupyter_lab(root, home, artifacts / "jupyterlab.log"))
    server.root = root
    yield server
    server.stop()


# Run inside a page of the server, so the request carries JupyterLab's XSRF cookie.
_SHUT_DOWN_JS = """async () => {
    const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
    const sessions = await (await fetch('/api/sessions')).json();
    for (const s of sessions) {
        await fetch('/api/sessions/' + s.id, {method: 'DELETE', headers: {'X-XSRFToken': xsrf}});
    }
    return sessions.length;
}"""


def shut_down_kernels(page) -> None:
    """Delete every session (and its kernel) on the server, so notebooks do not pile up kernels."""
    page.evaluate(_SHUT_DOWN_JS)


class OpenedNotebook:
    """A chapter notebook open in JupyterLab after a person's "Run All"."""

    def __init__(self, path: str, lab: labdriver.Notebook, cells, prompts):
        self.path = path
        self.released = path.startswith("course/")
        self.lab = lab
        self.cells = cells  # the notebook file's cells, same order as on the page
        self.prompts = prompts

    def test_cells(self) -> list[int]:
        """Indexes of autograded test cells (nbgrader ``grade: true`` code cells)."""
        return [i for i, cell in enumerate(self.cells)
                if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")]


@pytest.fixture(scope="session", params=chapter_notebooks())
def opened(request, lab_server, chromium, artifacts):
    """One page per chapter notebook: opened, Run All, and (released notebooks) on past failing test cells.

    Session-scoped and parametrized, so every test of one notebook shares the
    same page and kernel; pytest closes it before opening the next notebook.
    """
    path = request.param
    cells = nbformat.read(lab_server.root / path, as_version=4).cells
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    try:
        try:
            lab = labdriver.Notebook(page, lab_server.url, path, expected_cells=len(cells))
            # A student runs the cells after a failing test cell too; the solution must run in one go.
            prompts = lab.run_all(continue_after_errors=path.startswith("course/"))
        except Exception:
            folder, chapter = path.split("/")[:2]
            page.screenshot(path=str(artifacts / f"FAILED-{chapter}-{folder}.png"))
            raise
        yield OpenedNotebook(path, lab, cells, prompts)
    finally:
        try:
            shut_down_kernels(page)
        finally:
            page.close()
