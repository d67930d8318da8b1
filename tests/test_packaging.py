"""Does the packaging say what the course needs, in both of its forms?"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11; on 3.10 these checks are skipped

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject_deps() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {_name(r): r.replace(" ", "") for r in data["project"]["dependencies"]}


def _environment_deps() -> dict[str, str]:
    deps = {}
    in_deps = False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        match = re.match(r"^  - ([A-Za-z0-9_.-]+)([<>=!~].*)?$", line)
        if in_deps and match and match.group(1) not in ("python", "pip"):
            deps[match.group(1).lower()] = (match.group(1) + (match.group(2) or "")).replace(" ", "")
    return deps


def test_environment_yml_matches_pyproject():
    """Does environment.yml list exactly pyproject's runtime dependencies, with the same bounds?"""
    assert _environment_deps() == _pyproject_deps()


def test_python_floor_is_the_same():
    """Do both files require the same minimum Python?"""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["project"]["requires-python"] == ">=3.10"
    assert "  - python>=3.10" in (ROOT / "environment.yml").read_text().splitlines()


def test_console_script_points_at_the_cli():
    """Does installing the distribution give the `nncourse` command?"""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["project"]["scripts"]["nncourse"] == "autograder.cli:main"


def test_ci_runs_exactly_the_readme_test_command():
    """Does .ci/run run the very command the README's quick start gives for the tests?"""
    readme = (ROOT / "README.md").read_text()
    commands = [line.strip() for line in readme.splitlines() if line.strip().startswith("python3 -m venv .venv")]
    test_command = next(c for c in commands if c.endswith("-m pytest"))
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines
