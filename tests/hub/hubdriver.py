"""Drive a real course hub: ``nncourse hub`` on loopback ports, real local accounts, Chromium through it.

Used by the hub tests (``tests/hub``) and the hub benchmarks
(``benchmarks/bench_hub.py``).  Pieces:

- :class:`Hub`: ``nncourse hub setup`` / ``start`` / ``remove`` run as the
  README says, with the ports, prefix and course of a test; the hub runs in
  its own session and is stopped by its own PID (JupyterHub then stops every
  server and the proxy); ``remove`` deletes the accounts it made.
- :func:`login`, :func:`open_assignments`, :func:`fetch`, :func:`validate`,
  :func:`submit`, :func:`fetch_feedback`: what a student does in the
  browser, through nbgrader's Assignments panel.
- :meth:`Hub.run_as`: a command as a given account (``runuser``), with the
  hub's environment first on PATH, as that person's terminal would run it.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "browser"))
import labdriver  # noqa: E402  (Chromium launch flags, free ports)

NNCOURSE = str(Path(sys.executable).parent / "nncourse")
# Kept between runs: building it costs a minute or two, updating the course package a few seconds.
ENV_DIR = os.environ.get("NNCOURSE_HUB_TEST_ENV", "/var/tmp/nncourse-hub-env")


def skip_reason() -> str | None:
    """Why a real hub cannot run here, or None."""
    if os.geteuid() != 0:
        return "the hub tests run as root (JupyterHub spawns servers as other users; setup creates accounts)"
    if shutil.which("configurable-http-proxy") is None:
        return "configurable-http-proxy is not installed (npm install -g configurable-http-proxy)"
    if shutil.which("runuser") is None or shutil.which("useradd") is None:
        return "runuser/useradd missing"
    return labdriver.chromium_missing_reason()


class Hub:
    """One course hub for a test run (see the module docstring)."""

    def __init__(self, course: str, members: list[tuple[str, str]], work: Path | None = None):
        self.course = course
        self.members = members  # (username, role)
        self.work = Path(work or tempfile.mkdtemp(prefix=f"{course}-"))
        self.prefix = self.work / "prefix"
        self.ports = {name: labdriver.free_port() for name in ("port", "hub-port", "proxy-api-port", "service-port")}
        self.url = f"http://127.0.0.1:{self.ports['port']}"
        self.log = self.work / "hub.log"
        self.process: subprocess.Popen | None = None
        self.env_dir = Path(ENV_DIR)

    # -- nncourse hub ------------------------------------------------------------
    def _common(self) -> list[str]:
        return ["--course", self.course, "--prefix", str(self.prefix), "--env", str(self.env_dir)]

    def roster(self) -> Path:
        path = self.work / "roster.csv"
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["username", "role"])
            writer.writerows(self.members)
        return path

    def setup(self, extra: list[str] = ()) -> str:
        os.chmod(self.work, 0o755)  # the prefix inside must be reachable by every account
        ports = [a for name, port in self.ports.items() for a in (f"--{name}", str(port))]
        roster = ["--roster", str(self.roster())] if self.members else []
        cmd = [NNCOURSE, "hub", "setup", *roster, *self._common(), *ports, *extra]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise RuntimeError(f"nncourse hub setup failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, timeout: float = 120) -> "Hub":
        ports = [a for name, port in self.ports.items() for a in (f"--{name}", str(port))]
        cmd = [NNCOURSE, "hub", "start", *self._common(), *ports]
        self.process = subprocess.Popen(cmd, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=2) as response:
                    if response.status == 200 and self.service_ready():
                        return self
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the hub did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def service_ready(self) -> bool:
        return "Adding service" in self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the hub by its PID (it stops the servers and the proxy), then its process group."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def remove(self) -> str:
        result = subprocess.run([NNCOURSE, "hub", "remove", *self._common()], capture_output=True, text=True,
                                timeout=120)
        shutil.rmtree(self.work, ignore_errors=True)
        return result.stdout + result.stderr

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # -- the machine ----------------------------------------------------------------
    @property
    def hub_dir(self) -> Path:
        return self.prefix / "hub"

    @property
    def course_root(self) -> Path:
        return self.prefix / "courses" / self.course

    @property
    def exchange(self) -> Path:
        return self.prefix / "exchange" / self.course

    @property
    def grader(self) -> str:
        return f"grader-{self.course}"

    def passwords(self) -> dict[str, str]:
        with (self.hub_dir / "passwords.csv").open() as fh:
            return {row["username"]: row["password"] for row in csv.DictReader(fh)}

    def run_as(self, user: str, command: str, cwd: Path | str | None = None, timeout: float = 600,
               check: bool = True) -> subprocess.CompletedProcess:
        """``command`` (a shell line) as ``user``, in ``cwd`` (default: their home)."""
        import pwd

        home = pwd.getpwnam(user).pw_dir
        env = {"HOME": home, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
               "PATH": f"{self.env_dir / 'bin'}:/usr/local/bin:/usr/bin:/bin"}
        line = f"cd {_quote(str(cwd or home))} && {command}"
        result = subprocess.run(["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()],
                                 "bash", "-c", line], capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"as {user}: `{command}` failed ({result.returncode}):\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def as_grader(self, command: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
        """A command in the formgrader's terminal: the grader account, in the course root."""
        return self.run_as(self.grader, command, cwd=self.course_root, timeout=timeout, check=check)


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


# ---------------------------------------------------------------- a person in the browser

def login(page, hub: Hub, user: str, password: str | None = None) -> float:
    """Log in at the hub's login page; returns the seconds until JupyterLab is ready (menu bar and file list)."""
    started = time.perf_counter()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password or hub.passwords()[user])
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf".*/user/{re.escape(user)}/lab.*"))
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()
    page.locator(".jp-DirListing-content").wait_for()
    return time.perf_counter() - started


def nbgrader_menu(page) -> list[str]:
    """The entries of JupyterLab's Nbgrader menu (which panels this user's server offers)."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    items = page.locator(".lm-Menu-content .lm-Menu-item:visible .lm-Menu-itemLabel").all_inner_texts()
    page.keyboard.press("Escape")
    return [i.strip() for i in items]


def open_assignments(page) -> None:
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    page.locator(".lm-Menu-content .lm-Menu-item:visible", has_text="Assignment List").first.click()
    page.locator("#assignments_list_info").wait_for()


def fetch(page, chapter: str) -> None:
    """Click Fetch on the released chapter; wait until it is listed as downloaded."""
    row = page.locator("#released_assignments_list .list_item", has_text=chapter)
    row.locator("button", has_text="Fetch").click()
    page.locator("#fetched_assignments_list .list_item", has_text=chapter).first.wait_for()


def put_notebook(page, user: str, path: str, notebook: dict) -> int:
    """Save a notebook into the user's server through the Jupyter contents API, as JupyterLab's Save does."""
    return page.evaluate("""async ([url, nb]) => {
        const xsrf = document.cookie.split('; ').find(c => c.startsWith('_xsrf='));
        const r = await fetch(url, {method: 'PUT', headers: {'Content-Type': 'application/json',
            'X-XSRFToken': xsrf ? decodeURIComponent(xsrf.split('=')[1]) : ''},
            body: JSON.stringify({type: 'notebook', format: 'json', content: nb})});
        return r.status; }""", [f"/user/{user}/api/contents/{path}", notebook])


def validate(page, chapter: str) -> str:
    """Click Validate on the downloaded chapter's notebook; returns the result dialog's text."""
    page.locator("#fetched_assignments_list a.assignment-notebooks-link", has_text=chapter).first.click()
    page.locator("#fetched_assignments_list button", has_text="Validate").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for()
    text = dialog.inner_text()
    dialog.locator("button").last.click()
    dialog.wait_for(state="detached")
    return text


def submit(page, chapter: str) -> str:
    """Click Submit; returns the submission's timestamp as the Submitted list shows it."""
    before = page.locator("#submitted_assignments_list .nested_list_item").count()
    page.locator("#fetched_assignments_list .list_item", has_text=chapter).locator(
        "button", has_text="Submit").first.click()
    deadline = time.monotonic() + 60
    while page.locator("#submitted_assignments_list .nested_list_item").count() <= before:
        if time.monotonic() > deadline:
            raise TimeoutError("the submission did not appear under 'Submitted assignments'")
        time.sleep(0.2)
    return page.locator("#submitted_assignments_list .nested_list_item").last.inner_text().strip()


def fetch_feedback(page, chapter: str) -> str:
    """Click Fetch Feedback, then '(view feedback)' (it opens the folder in the file browser), then the page.

    Returns the text of the feedback page as JupyterLab's HTML viewer shows it.
    """
    row = page.locator("#submitted_assignments_list .list_item", has_text=chapter).first
    row.locator("button", has_text="Fetch Feedback").click()
    link = page.locator("#submitted_assignments_list a", has_text="view feedback").first
    link.wait_for()
    link.click()
    item = page.locator(".jp-DirListing-item", has_text=f"{chapter}.html").first
    item.wait_for()
    item.dblclick()
    body = page.frame_locator(".jp-HTMLViewer iframe").first.locator("body")
    body.locator("text=Score").first.wait_for()
    return body.inner_text()


def terminal_run(page, base: str, command: str, timeout_ms: int = 60_000) -> str:
    """Run a shell line in a new terminal of the Jupyter server at ``base`` (as File → New → Terminal does).

    The page must be on that server (its ``_xsrf`` cookie); returns what the
    terminal printed up to the end of ``command``, then closes the terminal.
    """
    return page.evaluate("""async ([base, command, timeoutMs]) => {
        const xsrf = document.cookie.split('; ').find(c => c.startsWith('_xsrf='));
        const headers = {'X-XSRFToken': xsrf ? decodeURIComponent(xsrf.split('=')[1]) : ''};
        const created = await fetch(base + 'api/terminals', {method: 'POST', headers});
        if (!created.ok) return `no terminal: HTTP ${created.status}`;
        const name = (await created.json()).name;
        const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
        const text = await new Promise(resolve => {
            const ws = new WebSocket(scheme + location.host + base + 'terminals/websocket/' + name);
            let out = '';
            const timer = setTimeout(() => { ws.close(); resolve(out); }, timeoutMs);
            // The marker is computed by the shell, so the echoed command line never matches it.
            ws.onopen = () => ws.send(JSON.stringify(['stdin', command + '; echo NNCOURSE-END-$((6*7))\\r']));
            ws.onmessage = event => {
                const [kind, data] = JSON.parse(event.data);
                if (kind === 'stdout') out += data;
                if (out.includes('NNCOURSE-END-42')) { clearTimeout(timer); ws.close(); resolve(out); }
            };
        });
        await fetch(base + 'api/terminals/' + name, {method: 'DELETE', headers});
        return text; }""", [base, command, timeout_ms])


def post_json(page, path: str):
    """POST ``path`` with this page's cookies and ``_xsrf`` (as a button of the page does); the JSON answer."""
    return page.evaluate("""async path => {
        const xsrf = document.cookie.split('; ').find(c => c.startsWith('_xsrf='));
        const r = await fetch(path, {method: 'POST',
            headers: {'X-XSRFToken': xsrf ? decodeURIComponent(xsrf.split('=')[1]) : ''}});
        return {status: r.status, body: await r.text()}; }""", path)


def http_status(page, url: str) -> int:
    """The status a GET of ``url`` gets with this page's cookies, redirects not followed."""
    response = page.request.get(url, max_redirects=0)
    return response.status


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
