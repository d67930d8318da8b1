"""The course's JupyterHub under a class: one student's memory, login-to-ready, and 20 students at once.

Against the real ``nncourse hub`` on loopback, with real local accounts
(``tests/hub/hubdriver.py``: the same setup, start and removal as the hub
tests), course ``nnhubbench``:

- **one student in Chromium**: log in at the hub's login page and wait for
  JupyterLab (menu bar and file list: *login to ready*, a fresh server
  spawned each time, three students one after the other); then chapter 01
  (the released notebook with every exercise answered, as a student who has
  done the work) opened in JupyterLab, Run All, every widget drawn; the
  memory of that student's processes (their Jupyter server and its kernel:
  every process running as their account) as PSS and RSS, before the
  notebook is opened and after.
- **the class at once**: ``STUDENTS`` other students log in at the same
  moment and each runs chapter 01 top to bottom; per student the seconds to
  *ready* (login form posted → their server answers through the proxy) and
  to *Run All done* (every code cell's reply received).  The students are a
  Python client speaking what JupyterLab speaks to the server (the login
  form, the OAuth redirects, the contents API, a kernel session and its
  websocket), not 20 Chromiums: on this 2-core machine twenty browsers
  would measure the browsers, which run on the students' own computers in
  a class; the widgets' figures are drawn in the kernel (PNG) either way.
  A sampler reads every student process's PSS and the machine's load
  average each second; at the end each student's CPU seconds (server and
  kernel).  A fixed count and a time limit (``TIME_LIMIT_S``): a student
  not done by then is reported as such; only the local hub is contacted.

From these, the sizing table: students per GB (peak PSS per student) and
per core (CPU seconds per student's login and Run All, against a wanted
wait).

Opt-in: it needs root (accounts) and takes several minutes, so ``python -m
benchmarks`` leaves it out; run ``python -m benchmarks --only hub`` or
``python -m benchmarks.bench_hub [--quick]`` (``--quick``: 3 students).
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_hub.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import json
import os
import pwd
import re
import signal
import statistics
import threading
import time
import uuid

from benchmarks._common import ROOT, Section, Target, md_table

sys.path.insert(0, str(ROOT / "tests" / "hub"))
import hubdriver  # it puts tests/browser on the path too

labdriver = hubdriver.labdriver

COURSE = "nnhubbench"
CHAPTER = "01_perceptron"
STUDENTS = 20
BROWSER_STUDENTS = 3  # login-to-ready measured in Chromium, one after the other
TIME_LIMIT_S = 900.0  # the whole class must be done by then
WANTED_WAIT_S = 60.0  # sizing: a class pressing Run All together waits at most this for the server's CPU
PREFIX = "nnhubb-"


def _names(count: int, first: int) -> list[str]:
    return [f"{PREFIX}s{i:02d}" for i in range(first, first + count)]


# ----------------------------------------------------------------- processes of an account
def _pids_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except OSError:
                pass  # ended meanwhile
    return pids


def _hub_pids(hub_pid: int, uids: set[int]) -> list[int]:
    """The hub's process and its descendants running as one of ``uids`` (the hub, proxy, culler, formgrader)."""
    parent, owner = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent[int(entry.name)] = int(Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
                owner[int(entry.name)] = entry.stat().st_uid
            except (OSError, ValueError):
                pass
    tree, frontier = {hub_pid}, [hub_pid]
    while frontier:
        children = [p for p, pp in parent.items() if pp in frontier and p not in tree]
        tree.update(children)
        frontier = children
    return sorted(p for p in tree if owner.get(p) in uids)


def memory_of(uid: int, pids: list[int] | None = None) -> dict:
    """PSS and RSS (MB) and the process count of every process running as ``uid`` (or of ``pids``)."""
    pss = rss = 0
    count = 0
    for pid in _pids_of(uid) if pids is None else pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", text, re.MULTILINE))
        pss += int(fields.get("Pss", 0))
        rss += int(fields.get("Rss", 0))
        count += 1
    return {"pss_mb": pss / 1024, "rss_mb": rss / 1024, "processes": count}


def cpu_seconds_of(uid: int) -> float:
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in _pids_of(uid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


# ----------------------------------------------------------------- the notebook a student runs
def worked_notebook() -> dict:
    """Chapter 01 as released, with every exercise answered (the solution's answer cells)."""
    import nbformat

    from autograder.pipeline.course import Course
    from autograder.pipeline.samples import answer_sources, fill

    course = Course(ROOT)
    nb = fill(nbformat.read(course.released_notebook(CHAPTER), as_version=4), answer_sources(course, CHAPTER))
    return json.loads(nbformat.writes(nb))


# ----------------------------------------------------------------- one student without a browser
class Student:
    """A student's client: log in through the hub, save the notebook, run every code cell over the kernel websocket."""

    def __init__(self, hub: hubdriver.Hub, name: str, password: str):
        import requests

        self.hub, self.name, self.password = hub, name, password
        self.http = requests.Session()
        self.base = f"{hub.url}/user/{name}"
        self.times: dict = {}
        self.error = ""

    def _xsrf(self) -> str:
        """The XSRF token the user's server set (JupyterLab sends it with every API call and websocket)."""
        return next((c.value for c in self.http.cookies
                     if c.name == "_xsrf" and c.path.startswith(f"/user/{self.name}")), "")

    def login(self, deadline: float) -> None:
        """Post the login form, then ask for JupyterLab until the user's server serves it (as a browser does)."""
        page = self.http.get(f"{self.hub.url}/hub/login", timeout=60)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        form = {"username": self.name, "password": self.password, **({"_xsrf": xsrf.group(1)} if xsrf else {})}
        self.http.post(f"{self.hub.url}/hub/login?next=", data=form, timeout=120)
        while time.monotonic() < deadline:
            # While the server starts the hub answers with its spawn-pending page; once it is up the request
            # goes through the proxy to the server (OAuth redirects included) and ends at /lab.
            try:
                r = self.http.get(f"{self.base}/lab", timeout=60)
                if r.status_code == 200 and r.url.split("?")[0].endswith(f"/user/{self.name}/lab") and self._xsrf():
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError("server not ready before the time limit")

    def _api(self, method: str, path: str, body=None):
        r = self.http.request(method, f"{self.base}/api/{path}", json=body, timeout=120,
                              headers={"X-XSRFToken": self._xsrf()})
        if r.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:200]}")
        return r.json() if r.text else None

    def run_all(self, notebook: dict, deadline: float) -> int:
        """Save ``notebook``, start its kernel, execute each code cell in order; returns the cells run."""
        import websocket

        path = f"{CHAPTER}.ipynb"
        self._api("PUT", f"contents/{path}", {"type": "notebook", "format": "json", "content": notebook})
        session = self._api("POST", "sessions", {"path": path, "type": "notebook", "name": path,
                                                 "kernel": {"name": "python3"}})
        kernel, sid = session["kernel"]["id"], uuid.uuid4().hex
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        url = f"{self.base.replace('http', 'ws', 1)}/api/kernels/{kernel}/channels?session_id={sid}"
        ws = websocket.create_connection(url, header=[f"Cookie: {cookies}", f"X-XSRFToken: {self._xsrf()}"],
                                         timeout=60)
        ran = 0
        try:
            for cell in notebook["cells"]:
                if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
                    continue
                msg_id = uuid.uuid4().hex
                ws.send(json.dumps({
                    "header": {"msg_id": msg_id, "username": self.name, "session": sid,
                               "msg_type": "execute_request", "version": "5.3"},
                    "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                    "content": {"code": "".join(cell["source"]), "silent": False, "store_history": True,
                                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
                while True:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"Run All not done before the time limit ({ran} cells run)")
                    frame = ws.recv()
                    if isinstance(frame, bytes):
                        continue  # a message with binary buffers (a widget's PNG): not a reply
                    msg = json.loads(frame)
                    if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "execute_reply":
                        if msg["content"]["status"] != "ok":
                            raise RuntimeError(f"cell {ran + 1} failed: {msg['content'].get('ename')}: "
                                               f"{msg['content'].get('evalue')}")
                        break
                ran += 1
        finally:
            ws.close()
        return ran

    def go(self, notebook: dict, started: float, deadline: float) -> None:
        try:
            self.login(deadline)
            self.times["ready"] = time.monotonic() - started
            self.times["cells"] = self.run_all(notebook, deadline)
            self.times["done"] = time.monotonic() - started
        except Exception as exc:  # reported per student; the others go on
            self.error = f"{type(exc).__name__}: {exc}"[:300]


# ----------------------------------------------------------------- the measurements
def one_student_in_chromium(hub, names: list[str], notebook: dict) -> dict:
    """Login-to-ready for each of ``names`` in Chromium; the first one's memory before and after chapter 01."""
    from playwright.sync_api import sync_playwright

    out = {"login_to_ready_s": []}
    with sync_playwright() as playwright:
        browser = labdriver.launch_chromium(playwright)
        try:
            for i, name in enumerate(names):
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.set_default_timeout(180_000)
                out["login_to_ready_s"].append(hubdriver.login(page, hub, name))
                if i == 0:
                    uid = pwd.getpwnam(name).pw_uid
                    time.sleep(3)
                    out["idle"] = memory_of(uid)
                    assert hubdriver.put_notebook(page, name, f"{CHAPTER}.ipynb", notebook) in (200, 201)
                    nb = labdriver.Notebook(page, f"{hub.url}/user/{name}", f"{CHAPTER}.ipynb", timeout_ms=180_000,
                                            expected_cells=len(notebook["cells"]))
                    started = time.monotonic()
                    prompts = nb.run_all()
                    out["run_all_browser_s"] = time.monotonic() - started
                    out["widgets"] = nb.wait_widgets_rendered(120)
                    out["errors"] = nb.error_cells()
                    out["unrun"] = sum(p in ("[ ]:", "[]:") for p in prompts)
                    time.sleep(3)
                    out["chapter_open"] = memory_of(uid)
                context.close()
        finally:
            browser.close()
    return out


def the_class_at_once(hub, names: list[str], notebook: dict, time_limit: float) -> dict:
    passwords = hub.passwords()
    students = [Student(hub, name, passwords[name]) for name in names]
    uids = {s.name: pwd.getpwnam(s.name).pw_uid for s in students}
    samples, stop = [], threading.Event()

    def sample():
        while not stop.is_set():
            per = {name: memory_of(uid)["pss_mb"] for name, uid in uids.items()}
            samples.append({"t": time.monotonic() - started, "pss_mb": sum(per.values()), "per": per,
                            "load1": os.getloadavg()[0]})
            stop.wait(1.0)

    load_before = os.getloadavg()
    started = time.monotonic()
    deadline = started + time_limit
    threads = [threading.Thread(target=s.go, args=(notebook, started, deadline), daemon=True) for s in students]
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, deadline - time.monotonic() + 30))
    wall = time.monotonic() - started
    time.sleep(2)
    stop.set()
    sampler.join()
    cpu = {s.name: cpu_seconds_of(uids[s.name]) for s in students}
    final = {s.name: memory_of(uids[s.name]) for s in students}
    return {"students": [{"name": s.name, **s.times, "error": s.error, "cpu_s": cpu[s.name],
                          "pss_mb_end": final[s.name]["pss_mb"], "rss_mb_end": final[s.name]["rss_mb"],
                          "pss_mb_peak": max((x["per"][s.name] for x in samples), default=0.0)}
                         for s in students],
            "peak_pss_mb": max((x["pss_mb"] for x in samples), default=0.0),
            "peak_load1": max((x["load1"] for x in samples), default=0.0),
            "load_before": load_before, "load_after": os.getloadavg(), "wall_s": wall,
            "hub_pss_mb": memory_of(0, _hub_pids(hub.process.pid, {0, pwd.getpwnam(hub.grader).pw_uid}))["pss_mb"]}


def run(quick: bool = False) -> Section:
    section = Section("hub", "6. The course's JupyterHub: a student's memory, login to ready, a class at once")
    reason = hubdriver.skip_reason()
    if reason:
        section.body = f"Not measured: {reason}."
        section.targets = [Target("20 students log in and Run All chapter 01", "all done", "not measured", None)]
        return section
    count = 3 if quick else STUDENTS
    browser_names, class_names = _names(BROWSER_STUDENTS, 1), _names(count, BROWSER_STUDENTS + 1)
    members = [(f"{PREFIX}prof", "instructor")] + [(n, "student") for n in browser_names + class_names]
    hub = hubdriver.Hub(COURSE, members)
    # A SIGTERM must still stop the hub and remove the accounts (the finally below), as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    hub.remove()
    hub.work.mkdir(parents=True, exist_ok=True)
    notebook = worked_notebook()
    try:
        print("[hub] setting up and starting the hub ...", flush=True)
        hub.setup()
        hub.start()
        print("[hub] one student in Chromium ...", flush=True)
        single = one_student_in_chromium(hub, browser_names, notebook)
        print(f"[hub] {count} students at once ...", flush=True)
        crowd = the_class_at_once(hub, class_names, notebook, TIME_LIMIT_S)
    finally:
        hub.stop()
        hub.remove()
    data = {"single": single, "class": crowd, "quick": quick, "cores": os.cpu_count(),
            "mem_total_mb": _mem_total_mb()}
    out = ROOT / "benchmarks" / "_work" / "hub.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    return report(section, data)


def _mem_total_mb() -> float:
    text = Path("/proc/meminfo").read_text()
    return int(re.search(r"MemTotal:\s+(\d+)", text).group(1)) / 1024


def sizing(per_student_pss_mb: float, cpu_s: float, cores: int, wanted_wait_s: float = WANTED_WAIT_S) -> dict:
    """Students per GB and per core from one student's peak PSS and CPU seconds (login + Run All).

    Memory: a GB holds ``1024 / PSS`` servers with the chapter open.  CPU: a
    class pressing Run All together is done within ``wanted_wait_s`` when the
    cores can supply ``students x cpu_s`` CPU seconds in that time, i.e. at
    most ``wanted_wait_s / cpu_s`` students per core.
    """
    return {"per_gb": 1024 / per_student_pss_mb, "per_core_burst": wanted_wait_s / cpu_s,
            "gb_for_class": per_student_pss_mb / 1024, "cores": cores}


def report(section: Section, data: dict) -> Section:
    single, crowd = data["single"], data["class"]
    rows = crowd["students"]
    done = [r for r in rows if "done" in r]
    ready = sorted(r["ready"] for r in rows if "ready" in r)
    finish = sorted(r["done"] for r in done)
    cpu = [r["cpu_s"] for r in done] or [0.0]
    peak_pss = [r["pss_mb_peak"] for r in done] or [0.0]
    n = len(rows)

    def spread(values):
        return f"{statistics.median(values):.1f} [{min(values):.1f}–{max(values):.1f}]" if values else "–"

    size = sizing(statistics.median(peak_pss), statistics.median(cpu), data["cores"]) if done else None
    lines = [
        "QUICK SMOKE RUN (3 students), not a measurement. " if data["quick"] else "",
        f"Real `nncourse hub` on loopback, real accounts; see the module docstring for the method. Machine: "
        f"{data['cores']} cores, {data['mem_total_mb'] / 1024:.0f} GB; shared with other work while this ran "
        f"(load average, 1 min: {crowd['load_before'][0]:.2f} before the class, peak {crowd['peak_load1']:.2f} "
        f"during, {crowd['load_after'][0]:.2f} after).",
        "",
        "**One student** (Chromium, JupyterLab at 1280×800):",
        "",
        md_table(["quantity", "value"], [
            ["login → JupyterLab ready (s), fresh server, each of 3 students",
             ", ".join(f"{x:.1f}" for x in single["login_to_ready_s"])],
            ["server alone, after login: PSS / RSS (MB), processes",
             f"{single['idle']['pss_mb']:.0f} / {single['idle']['rss_mb']:.0f}, {single['idle']['processes']}"],
            ["chapter 01 open, Run All done, every widget drawn: PSS / RSS (MB), processes",
             f"{single['chapter_open']['pss_mb']:.0f} / {single['chapter_open']['rss_mb']:.0f}, "
             f"{single['chapter_open']['processes']}"],
            ["Run All in JupyterLab (s); widget outputs; cells with errors; cells not run",
             f"{single['run_all_browser_s']:.1f}; {single['widgets']}; {len(single['errors'])}; {single['unrun']}"],
        ]),
        "",
        f"**{n} students at once** (each: log in, then Run All of chapter 01; time limit "
        f"{TIME_LIMIT_S:.0f} s; seconds from the common start, median [min–max]):",
        "",
        md_table(["quantity", "value"], [
            ["done within the time limit", f"{len(done)} of {n}"],
            ["ready (login posted → server answers)", spread(ready)],
            ["Run All done", spread(finish)],
            ["Run All alone (done − ready)", spread([r["done"] - r["ready"] for r in done])],
            ["CPU seconds per student (server + kernel)", spread(cpu)],
            ["PSS per student at its peak (MB)", spread(peak_pss)],
            ["PSS of all students' processes, peak (MB)", f"{crowd['peak_pss_mb']:.0f}"],
            ["PSS of the hub's own processes: hub, proxy, idle culler, formgrader service (MB)",
             f"{crowd['hub_pss_mb']:.0f}"],
        ]),
    ]
    failed = [r for r in rows if r["error"]]
    if failed:
        lines += ["", "Not done: " + "; ".join(f"{r['name']}: {r['error']}" for r in failed)]
    if size:
        lines += ["", "**Sizing** (from the medians above; the hub's own processes are extra, "
                  f"~{crowd['hub_pss_mb']:.0f} MB):", "",
                  md_table(["students", "memory (GB, PSS)", f"cores for Run All together within {WANTED_WAIT_S:.0f} s"],
                           [[k, f"{k * size['gb_for_class']:.1f}", f"{k / size['per_core_burst']:.1f}"]
                            for k in (20, 50, 100, 200)]),
                  "",
                  f"= {size['per_gb']:.1f} students per GB; {size['per_core_burst']:.1f} students per core when "
                  f"the whole class runs the chapter within the same {WANTED_WAIT_S:.0f} s (students reading "
                  "and typing between runs use a fraction of that)."]
    section.body = "\n".join(lines).strip()
    section.targets = [Target(f"{n} students log in and Run All chapter 01 within {TIME_LIMIT_S:.0f} s",
                              f"{n} of {n}", f"{len(done)} of {n}", len(done) == n)]
    section.chart = {}
    return section


def main(argv=None):
    from benchmarks._common import cli

    return cli(run, "The course's JupyterHub: memory, login to ready, a class at once", argv)


if __name__ == "__main__":
    main()
