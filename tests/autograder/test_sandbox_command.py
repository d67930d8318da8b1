"""Is the bubblewrap command built so that what must be visible stays visible?"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from autograder.sandbox import bwrap
from autograder.sandbox.limits import Limits

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")


def test_private_tmp_is_mounted_before_every_bind(tmp_path):
    """Is /tmp's tmpfs set up first, so a venv or course under /tmp (a CI checkout) is not hidden by it?"""
    args = bwrap.command([sys.executable, "-c", "pass"], tmp_path, 1_000_001, Limits())
    tmpfs_at = args.index("--tmpfs")
    assert args[tmpfs_at + 1] == "/tmp"
    binds = [i for i, a in enumerate(args) if a in ("--ro-bind", "--bind")]
    assert binds and min(binds) > tmpfs_at


def test_python_and_the_packages_are_bound_read_only(tmp_path):
    """Are the interpreter's folders and the repo's nnlib/ and autograder/ mounted read-only, and nothing else of the repo?"""
    args = bwrap.command([sys.executable, "-c", "pass"], tmp_path, 1_000_001, Limits())
    read_only = {args[i + 1] for i, a in enumerate(args) if a == "--ro-bind"}
    repo = Path(__file__).resolve().parents[2]
    assert {str(repo / "nnlib"), str(repo / "autograder")} <= read_only
    assert str(repo) not in read_only and str(repo / "solutions") not in read_only
    writable = {args[i + 1] for i, a in enumerate(args) if a == "--bind"}
    assert writable == {str(tmp_path.resolve())}
