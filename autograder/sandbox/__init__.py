"""Grading that student code cannot break into: sandboxed kernels, limits, re-checked verdicts.

- :mod:`~autograder.sandbox.limits`: the resource limits (``Limits``);
- :mod:`~autograder.sandbox.bwrap`: what a sandbox sees and who it runs as;
- :mod:`~autograder.sandbox.kernel` / ``kernel_inner`` / ``kernelspec``: the
  ``nncourse-sandbox`` Jupyter kernel nbgrader runs notebooks on;
- :mod:`~autograder.sandbox.server` (inside) and
  :mod:`~autograder.sandbox.pool` (the grader): one warm sandbox per grading
  job that forks each kernel and re-check from an already-imported state;
- :mod:`~autograder.sandbox.recheck` (inside) and
  :mod:`~autograder.sandbox.verdict` (the grader): the re-check whose verdict
  the student's code cannot forge; :mod:`~autograder.sandbox.encode` is their
  pickle-free wire format.
"""
from __future__ import annotations

import functools
import subprocess


@functools.lru_cache(maxsize=1)
def isolation_available() -> bool:
    """True when bubblewrap is installed and can start a sandbox on this machine."""
    from pathlib import Path
    import tempfile

    from autograder.sandbox.bwrap import bwrap_path, command
    from autograder.sandbox.limits import Limits

    if bwrap_path() is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        try:
            cmd = command(["/bin/true"], Path(folder), 1_000_000, Limits())
            return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.SubprocessError, RuntimeError):
            return False
