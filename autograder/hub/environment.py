"""The Python environment every process of the hub runs in.

One virtual environment (``<prefix>/env``) holds JupyterHub, its LTI
authenticator and idle culler, JupyterLab, nbgrader and the course's own
``nnlib`` and ``autograder``, installed from the repository as a regular
(non-editable) package.  The hub, the proxy's manager, every student's and
instructor's Jupyter server, the grader's formgrader and ``nncourse grade``
all use it.

Why a separate environment rather than the repository's ``.venv``: a
developer's environment is usually an *editable* install, i.e. a pointer
into the repository, so a student's kernel could then read the repository
itself (``solutions/`` included) — and the repository often sits in a home
folder other users cannot even enter.  Installing a copy of the packages
into a root-owned, world-readable folder gives students exactly the code
they need and nothing else.

The interpreter must be readable by every user (a pyenv Python under
``/root`` is not), so :func:`pick_python` tries the running interpreter's
base first and then the system's ``/usr/bin/python3``, checking each as an
unprivileged user.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# What the course package needs at run time on the hub (pyproject.toml's `hub` extra).
HUB_EXTRA = "hub"
DIGEST_FILE = ".nncourse-source.sha256"
_SOURCES = ("pyproject.toml", "README.md", "nnlib", "autograder")


class EnvironmentError_(RuntimeError):
    """The hub's environment cannot be built; the message says why and what to do."""


def pick_python(preferred: str | None = None) -> str:
    """An interpreter (>= 3.10, with venv) that an unprivileged user can run."""
    candidates = [preferred] if preferred else [sys._base_executable, sys.executable, "/usr/bin/python3"]
    tried = []
    for candidate in dict.fromkeys(c for c in candidates if c):
        ok, why = _usable_by_everyone(candidate)
        if ok:
            return candidate
        tried.append(f"{candidate}: {why}")
    raise EnvironmentError_("no Python interpreter every user can run (students' servers run as the students); "
                            "tried " + "; ".join(tried) + ". Install Debian's python3 and python3-venv, "
                            "or pass --python PATH")


def _usable_by_everyone(python: str) -> tuple[bool, str]:
    probe = "import sys, venv, ensurepip; assert sys.version_info >= (3, 10), sys.version"
    try:
        result = subprocess.run(["runuser", "-u", "nobody", "--", python, "-c", probe],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or [f"exit {result.returncode}"]
        return False, lines[-1][:200]
    return True, ""


def source_digest(repo: Path) -> str:
    """A digest of what gets installed from the repository (packages and packaging)."""
    h = hashlib.sha256()
    for name in _SOURCES:
        path = repo / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()
                                                      and "__pycache__" not in p.parts)
        for f in files:
            h.update(str(f.relative_to(repo)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def ensure_environment(env: Path, repo: Path, python: str | None = None, say=print) -> Path:
    """``env`` with the course installed from ``repo``; rebuilt only as far as something changed.

    The first build installs everything (a minute or two, most of it pip
    downloading); later runs reinstall only the course package, and only when
    its sources changed.  Returns the environment's ``bin`` folder.
    """
    env = Path(env)
    old_umask = os.umask(0o022)  # everything here must be readable by every user
    try:
        if not (env / "bin" / "python").exists():
            interpreter = pick_python(python)
            say(f"creating the hub's Python environment at {env} (with {interpreter})")
            env.parent.mkdir(parents=True, exist_ok=True)
            _run([interpreter, "-m", "venv", str(env)])
        digest = source_digest(repo)
        stamp = env / DIGEST_FILE
        complete = (env / "bin" / "jupyterhub").exists() and (env / "bin" / "jupyterhub-singleuser").exists()
        if complete and stamp.exists() and stamp.read_text() == digest:
            return env / "bin"
        with tempfile.TemporaryDirectory(prefix="nncourse-hub-build-") as tmp:
            build = _copy_sources(repo, Path(tmp) / "nncourse")
            pip = [str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            if complete:
                say("updating the course package in the hub's environment")
                _run(pip + ["--no-deps", "--force-reinstall", str(build)])
            else:
                say("installing JupyterHub, JupyterLab, nbgrader and the course into the hub's environment "
                    "(the first time takes a minute or two)")
                _run(pip + [f"{build}[{HUB_EXTRA}]"])
        stamp.write_text(digest)
        return env / "bin"
    finally:
        os.umask(old_umask)


def _copy_sources(repo: Path, target: Path) -> Path:
    """The installable part of the repository, copied (pip then never writes build files into it)."""
    target.mkdir(parents=True)
    for name in _SOURCES:
        src = repo / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.exists():
            shutil.copy2(src, target / name)
        else:
            raise EnvironmentError_(f"expected {src} (the course package's sources) in the repository {repo}")
    return target


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise EnvironmentError_(f"`{' '.join(cmd[:4])} ...` failed (exit {result.returncode}):\n{tail}")
