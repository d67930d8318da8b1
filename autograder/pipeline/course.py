"""Where the course lives and how nbgrader is run on it.

A *course root* is a folder with ``nbgrader_config.py``, ``solutions/`` and
``course/``: the repository itself, or a throwaway copy (``nncourse demo``,
tests).  nbgrader only reads ``./nbgrader_config.py``, so every nbgrader call
runs with the course root as its working directory.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


# The environment variable that carries the course's hidden-case secret (autograder.checking reads it).
SECRET_ENV = "NNCOURSE_CASE_SECRET"


class CourseError(RuntimeError):
    """A problem with the course layout, explained for the instructor."""


@dataclass(frozen=True)
class Course:
    root: Path

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def release(self) -> Path:
        return self.root / "course"

    @property
    def grading(self) -> Path:
        return self.root / "grading"

    @property
    def gradebook_url(self) -> str:
        """nbgrader's gradebook database (as ``nbgrader_config.py`` names it)."""
        return "sqlite:///" + str(self.grading / "gradebook.db")

    def case_secret(self) -> str:
        """The course's secret for drawing hidden cases, made on first use (``grading/case_secret``).

        Hidden random cases are drawn from it at grading time, so reading the
        checks' code shows how cases are made, not which ones will be asked.
        It lives with the gradebook, never in git; delete it to draw new cases.
        """
        import secrets

        path = self.grading / "case_secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(16) + "\n")
        return path.read_text().strip()

    def chapters(self) -> list[str]:
        """Chapter ids (``01_perceptron``, ...) that have a source notebook."""
        return sorted(p.parent.name for p in self.solutions.glob("*/*.ipynb") if p.stem == p.parent.name)

    def source_notebook(self, chapter: str) -> Path:
        path = self.solutions / chapter / f"{chapter}.ipynb"
        if not path.exists():
            known = ", ".join(self.chapters()) or "none"
            raise CourseError(f"no chapter {chapter!r}: expected {path.relative_to(self.root)}; chapters: {known}")
        return path

    def released_notebook(self, chapter: str) -> Path:
        return self.release / chapter / f"{chapter}.ipynb"


def find_course(start: Path | None = None) -> Course:
    """The course root containing ``start`` (default: the working directory), else the installed repo."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").exists() and (folder / "solutions").is_dir():
            return Course(folder)
    repo = Path(__file__).resolve().parents[2]  # editable install: the repository itself
    if (repo / "nbgrader_config.py").exists():
        return Course(repo)
    raise CourseError(
        f"no course found from {here}: run nncourse inside the nncourse repository "
        "(the folder with nbgrader_config.py, solutions/ and course/)"
    )


def copy_course(course: Course, destination: Path) -> Course:
    """A throwaway copy of the course sources (no grading data) at ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course.root / "nbgrader_config.py", destination / "nbgrader_config.py")
    for folder in ("solutions", "course"):
        if (course.root / folder).exists():
            shutil.copytree(course.root / folder, destination / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return Course(destination)


def nbgrader_env(extra: dict | None = None) -> dict:
    """The environment for an nbgrader subprocess.

    nbgrader runs the ``alembic`` executable and starts kernels by name, so the
    folder of this interpreter (the virtual environment's ``bin``) must come
    first on PATH even when the venv was never activated.
    """
    env = {**os.environ, **(extra or {})}
    env.pop("NBGRADER_EXECUTION", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def nbgrader(course: Course, *args: str, check: bool = True, capture: bool = True,
             extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course root with this interpreter's nbgrader."""
    env = nbgrader_env(extra_env)
    cmd = [sys.executable, "-m", "nbgrader", *args]
    result = subprocess.run(cmd, cwd=course.root, env=env, text=True,
                            stdout=subprocess.PIPE if capture else None,
                            stderr=subprocess.STDOUT if capture else None)
    if check and result.returncode != 0:
        tail = "\n".join((result.stdout or "").splitlines()[-25:])
        raise CourseError(f"`nbgrader {' '.join(args)}` failed (exit {result.returncode}):\n{tail}")
    return result
