"""``nncourse hub setup`` / ``start`` / ``remove``: a course's JupyterHub on this machine.

:func:`setup` is idempotent: run it again after editing the roster or the
chapters and it adds the new people, refreshes the course's sources in the
course root (never its ``grading/``) and rewrites the configuration.
:func:`start` then runs JupyterHub in the foreground (Ctrl-C stops the hub,
the proxy and every server).  :func:`remove` deletes what setup made: the
accounts it created and the prefix's folders.

Permissions, and why (students must not read each other's work, the
solutions, the gradebook or the course's case secret):

* ``courses/<course>/`` — owner the grader account, mode 0700: the
  solutions, the gradebook and ``grading/case_secret`` are the grader's
  alone; instructors reach them through the formgrader service, which runs
  as the grader;
* home folders — mode 0700: a student's fetched and submitted work, and the
  nbgrader cache holding the secret that names their feedback file;
* ``exchange/`` — 1777 (sticky): anyone may create their course folder
  there but no one may rename or delete another's; ``exchange/<course>``
  is made here, owned by the grader, so that no student can create it first
  and serve their own "assignments"; inside it nbgrader's own modes:
  ``outbound`` 0755 (everyone fetches), ``inbound`` 2733 (everyone
  submits, no one but the grader lists), ``feedback`` 0711 (a student
  opens only the file whose name their own submission's secret gives).
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import sys
from pathlib import Path

from autograder.hub import accounts
from autograder.hub.environment import ensure_environment
from autograder.hub.jupyterhub_config import CONFIG_FILE
from autograder.hub.roster import Roster
from autograder.hub.settings import HubSettings
from autograder.pipeline.course import Course, copy_course

HUB_BLOCK = '''
# --- added by `nncourse hub setup`: this copy of the course runs on a JupyterHub ------------------
from nbgrader.auth import NoAuthPlugin  # noqa: E402

c.CourseDirectory.course_id = {course!r}
# Hub groups come from the roster (or the LMS); the grader's nbgrader never edits them.
c.Authenticator.plugin_class = NoAuthPlugin
# Collect only submissions owned by the student they name, without symbolic links (autograder/hub/exchange.py).
c.ExchangeFactory.collect = "autograder.hub.exchange.CheckedCollect"
'''

GLOBAL_NBGRADER_CONFIG = '''\
# Written by `nncourse hub setup`: nbgrader's settings for every user of this hub.
from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821
c.Exchange.root = {exchange!r}
# One folder per course in the exchange, and each user sees the courses of their hub groups
# (nbgrader-<course>, formgrade-<course>): a student sees only their own course.
c.Exchange.path_includes_course = True
c.Authenticator.plugin_class = JupyterHubAuthPlugin
'''

# Which nbgrader panels each role's servers show (nbgrader's table "which extension for whom").
_SERVER_OFF = {
    "student": ["formgrader", "course_list"],
    "instructor": ["formgrader"],
    "grader": ["assignment_list", "course_list"],
}
_LAB_OFF = {
    "student": ["formgrader", "course-list", "create-assignment"],
    "instructor": ["formgrader", "create-assignment"],
    "grader": ["assignment-list", "course-list"],
}


class HubError(RuntimeError):
    """The hub cannot be set up or started; the message names what was expected and what was found."""


def setup(repo: Course, settings: HubSettings, roster: Roster | None, python: str | None = None,
          say=print) -> HubSettings:
    """Make everything :func:`start` needs; returns the settings as saved."""
    _preflight(settings)
    if settings.auth == "local" and roster is None and not settings.instructors:
        raise HubError("--roster is required with --auth local: the hub lets in only the people it lists")
    if roster is not None:
        _check_roles(settings, roster)
        settings.students, settings.instructors = roster.students, roster.instructors
    settings.hub_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.hub_dir, 0o700)
    os.chmod(settings.root, 0o755)

    say(f"accounts: the grader account {settings.grader} and {len(settings.students)} students, "
        f"{len(settings.instructors)} instructors")
    accounts.ensure_account(settings.grader, settings.course, password=False)
    created = [accounts.ensure_account(name, settings.course, password=settings.auth == "local")
               for name in settings.instructors + settings.students]
    _record_passwords(settings, [a for a in created if a.password])

    ensure_environment(settings.env, repo.root, python=python, say=say)
    _write_nbgrader_global(settings)
    _write_roles(settings)
    _make_exchange(settings)
    say(f"course: {settings.course_root} (solutions/, course/, grading/; only {settings.grader} can read it)")
    _make_course_root(repo, settings)
    settings.save()
    (settings.hub_dir / "jupyterhub_config.py").write_text(CONFIG_FILE.format(settings=str(settings.path)))
    _record_roles(settings)
    return settings


def _preflight(s: HubSettings) -> None:
    if os.geteuid() != 0:
        raise HubError("nncourse hub must run as root: JupyterHub starts each user's server as that user, "
                       "and setup creates their accounts (run it with sudo)")
    for tool in ("useradd", "userdel", "chpasswd", "runuser"):
        if shutil.which(tool) is None:
            raise HubError(f"expected the command {tool!r} (package passwd / util-linux) on PATH; it is missing")
    proxy = shutil.which(s.proxy_command)
    if proxy is None:
        raise HubError(f"expected JupyterHub's proxy {s.proxy_command!r} on PATH; it is missing. Install it "
                       "from npm: npm install -g configurable-http-proxy (Node.js: apt-get install nodejs npm)")
    s.proxy_command = proxy
    if s.auth == "lti13":
        missing = [k for k in ("issuer", "client_id", "authorize_url", "jwks_endpoint") if not s.lti.get(k)]
        if missing:
            raise HubError("--auth lti13 needs the LMS's " + ", ".join(f"--lti-{m.replace('_', '-')}"
                                                                      for m in missing))
    elif s.auth != "local":
        raise HubError(f"--auth must be 'local' or 'lti13', got {s.auth!r}")
    if s.grader in s.students + s.instructors:
        raise HubError(f"{s.grader} is the course's grader account; expected no roster row with that name")


def _check_roles(s: HubSettings, roster: Roster) -> None:
    """Refuse a roster that gives someone a different role than this hub already gave them.

    JupyterHub only ever *adds* users to groups from its configuration, so a
    student turned instructor in the roster would silently stay a student too
    (and the reverse would keep an ex-instructor's access to the gradebook).
    """
    previous = _read_roles(s)
    problems = []
    for member in roster.members:
        before = previous.get(member.username)
        if before and before != member.role:
            problems.append(f"{roster.source} line {member.line}: {member.username} is listed as {member.role}, "
                            f"but this hub already has them as {before}")
    if s.grader in {m.username for m in roster.members}:
        problems.append(f"{roster.source}: {s.grader} is the course's grader account, not a person")
    if problems:
        raise HubError("\n".join(problems) + "\nA role cannot change by editing the roster (JupyterHub only adds "
                       "to groups): remove the person from the hub first (admin page → the user → Delete "
                       f"user, and from {s.hub_dir / 'roles.json'}), then run setup again")


def _read_roles(s: HubSettings) -> dict:
    path = s.hub_dir / "roles.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _record_roles(s: HubSettings) -> None:
    roles = _read_roles(s)
    roles.update({u: "student" for u in s.students})
    roles.update({u: "instructor" for u in s.instructors})
    (s.hub_dir / "roles.json").write_text(json.dumps(roles, indent=2, sort_keys=True) + "\n")


def _record_passwords(s: HubSettings, created) -> None:
    """New accounts' passwords, for the instructor to hand out (root only)."""
    if not created:
        return
    path = s.hub_dir / "passwords.csv"
    rows = {}
    if path.exists():
        with path.open() as fh:
            rows = {r["username"]: r["password"] for r in csv.DictReader(fh)}
    rows.update({a.username: a.password for a in created})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["username", "password"])
        writer.writerows(sorted(rows.items()))


def read_passwords(s: HubSettings) -> dict[str, str]:
    path = s.hub_dir / "passwords.csv"
    if not path.exists():
        return {}
    with path.open() as fh:
        return {r["username"]: r["password"] for r in csv.DictReader(fh)}


def _write_nbgrader_global(s: HubSettings) -> None:
    write_nbgrader_global(s.env / "etc" / "jupyter", s.exchange)


def write_nbgrader_global(folder: Path, exchange: Path | str) -> Path:
    """nbgrader's config for every user: the exchange at ``exchange``, one folder per course, hub groups."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "nbgrader_config.py"
    path.write_text(GLOBAL_NBGRADER_CONFIG.format(exchange=str(exchange)))
    return path


def _write_roles(s: HubSettings) -> None:
    write_roles(s.root / "roles")


def write_roles(roles: Path) -> None:
    """``roles/<role>/``: the Jupyter config (server extensions, lab page config) of each role's servers."""
    for role in ("student", "instructor", "grader"):
        folder = roles / role
        (folder / "labconfig").mkdir(parents=True, exist_ok=True)
        server: dict = {"ServerApp": {"jpserver_extensions": {
            f"nbgrader.server_extensions.{name}": False for name in _SERVER_OFF[role]},
            # A terminal's shell as it is, not a login shell (Jupyter's default under a hub): a login shell
            # reads /etc/profile, which puts PATH back to the system's, so the hub environment's nncourse,
            # nbgrader and python would be missing in the formgrader's terminal, where the README's flow runs.
            "terminado_settings": {"shell_command": ["/bin/bash"]}}}
        if role == "grader":
            # nbgrader's formgrader is an iframe inside JupyterLab; JupyterHub >= 4.1 forbids framing
            # single-user servers. Only the grader service, which only instructors can open, allows it
            # for its own pages (nbgrader's documented workaround).
            server["ServerApp"]["tornado_settings"] = {
                "headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
        (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=2) + "\n")
        page = {"disabledExtensions": {f"@jupyter/nbgrader:{name}": True for name in _LAB_OFF[role]}}
        (folder / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2) + "\n")
    for path in [roles, *roles.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _make_exchange(s: HubSettings) -> None:
    make_exchange(s.exchange, s.course, *accounts.uid_gid(s.grader))


def make_exchange(exchange: Path, course: str, uid: int, gid: int) -> None:
    """The exchange root (1777) and the course's folders, owned by the grader ``uid``, in nbgrader's modes."""
    exchange.mkdir(parents=True, exist_ok=True)
    os.chmod(exchange, 0o1777)
    course = exchange / course
    for folder, mode in ((course, 0o755), (course / "outbound", 0o755), (course / "inbound", 0o2733),
                         (course / "feedback", 0o711)):
        folder.mkdir(exist_ok=True)
        os.chown(folder, uid, gid)
        os.chmod(folder, mode)


def _make_course_root(repo: Course, s: HubSettings) -> None:
    target = s.course_root
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(target.parent, 0o755)
    refresh_course_root(repo, target, s.course)
    uid, gid = accounts.uid_gid(s.grader)
    for path in [target, *target.rglob("*")]:
        os.lchown(path, uid, gid)
    os.chmod(target, 0o700)


def refresh_course_root(repo: Course, target: Path, course: str) -> None:
    """The grader's copy of the course: sources refreshed from the repository, grading/ kept."""
    copy_course(repo, target)
    config = target / "nbgrader_config.py"
    config.write_text(config.read_text() + HUB_BLOCK.format(course=course))
    (target / "grading").mkdir(exist_ok=True)


# -- running -----------------------------------------------------------------

def start_command(s: HubSettings) -> list[str]:
    return [str(s.bin / "jupyterhub"), "-f", str(s.hub_dir / "jupyterhub_config.py")]


def start_environment(s: HubSettings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = os.pathsep.join([str(s.bin), str(Path(s.proxy_command).parent), env.get("PATH", "")])
    return env


def check_ports(s: HubSettings) -> None:
    for name, host, port in (("public", s.ip or "0.0.0.0", s.port), ("hub API", "127.0.0.1", s.hub_port),
                             ("proxy API", "127.0.0.1", s.proxy_api_port),
                             ("formgrader service", "127.0.0.1", s.service_port)):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                raise HubError(f"the {name} port {port} on {host} is taken (another hub still running?); "
                               "expected a free port: stop the other program or choose --port") from None


def login_help(s: HubSettings) -> str:
    lines = [f"JupyterHub for {s.course}: {s.url}"]
    if s.auth == "local":
        passwords = s.hub_dir / "passwords.csv"
        lines.append(f"  log in with an account on this machine; passwords of accounts setup created: {passwords} "
                     "(root only; hand each person theirs)")
    else:
        lines.append(f"  students arrive from the LMS (LTI 1.3). Register the tool with the LMS using "
                     f"{s.url}hub/lti13/config (login URL {s.url}hub/lti13/oauth_login, "
                     f"redirect URL {s.url}hub/lti13/oauth_callback)")
    lines += [
        "  students: Assignments tab (Nbgrader menu → Assignments): fetch, work, validate, submit, fetch feedback",
        f"  instructors: Courses tab → {s.course} opens the formgrader ({s.url}services/{s.course}/lab); in its "
        "terminal (it runs as the grader account, in the course root):",
        "      nncourse release 01_perceptron && nbgrader release_assignment 01_perceptron",
        "      nbgrader collect 01_perceptron && nncourse grade grading/submitted --chapter 01_perceptron",
        "      nbgrader release_feedback 01_perceptron",
        "  stop with Ctrl-C (stops every server too)",
    ]
    return "\n".join(lines)


def start(s: HubSettings, say=print) -> int:
    """Run the hub in the foreground (this process becomes JupyterHub)."""
    check_ports(s)
    say(login_help(s))
    sys.stdout.flush()
    os.chdir(s.hub_dir)
    cmd = start_command(s)
    os.execve(cmd[0], cmd, start_environment(s))
    return 0  # not reached


# -- removing ------------------------------------------------------------------

def remove(s: HubSettings, keep_env: bool = False, say=print) -> None:
    """Delete the accounts setup created for the course, and the prefix's folders."""
    removed = [name for name in accounts.course_accounts(s.course) if accounts.remove_account(name, s.course)]
    say(f"removed {len(removed)} accounts: {', '.join(removed) or 'none'}")
    for folder in (s.hub_dir, s.exchange / s.course, s.course_root, s.root / "roles"):
        shutil.rmtree(folder, ignore_errors=True)
    if not keep_env and not s.env_dir:
        shutil.rmtree(s.env, ignore_errors=True)
    for folder in (s.root / "courses", s.exchange, s.root):
        try:
            folder.rmdir()  # only when empty: another course may still use it
        except OSError:
            pass
