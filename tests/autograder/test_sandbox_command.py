"""Is the bubblewrap command built so that what must be visible stays visible?"""
from __future__ import annotations

import os
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


def test_the_course_is_never_given_to_the_sandbox_user(tmp_path):
    """Does handing a folder to the sandbox user refuse the repository, the venv and any git checkout?"""
    repo = Path(__file__).resolve().parents[2]
    for folder in (repo, repo / "autograder", Path(sys.prefix)):
        with pytest.raises(RuntimeError, match="refusing to give"):
            bwrap._give(folder, 1_000_001)
    (tmp_path / "checkout" / ".git").mkdir(parents=True)
    with pytest.raises(RuntimeError, match="refusing to give"):
        bwrap._give(tmp_path / "checkout", 1_000_001)
    student = tmp_path / "student"
    student.mkdir()
    (student / "answer.txt").write_text("x")
    if os.geteuid() == 0:  # only root hands folders over (unprivileged sandboxes map the caller's own user)
        bwrap._give(student, 1_000_001)
        assert (student / "answer.txt").stat().st_uid == 1_000_001
