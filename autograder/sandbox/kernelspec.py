"""The ``nncourse-sandbox`` kernelspec, written at grading time for nbgrader only.

nbgrader starts kernels by name; this kernelspec's command is the sandbox
launcher, with the limits baked in.  It is written under ``grading/`` and
found through ``JUPYTER_PATH`` set for the nbgrader subprocesses alone, so the
instructor's own Jupyter never lists it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from autograder.sandbox.limits import Limits

NAME = "nncourse-sandbox"


def write_kernelspec(folder: Path, limits: Limits) -> dict:
    """Write ``folder/kernels/nncourse-sandbox/kernel.json``; returns the env for nbgrader."""
    spec_dir = Path(folder) / "kernels" / NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        # the launcher as a script, not ``-m``: no import of the autograder package on a warm start
        "argv": [sys.executable, str(Path(__file__).with_name("kernel.py")), limits.to_json(), "{connection_file}"],
        "display_name": "Python 3 (nncourse sandbox)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return {"JUPYTER_PATH": str(Path(folder).resolve())}


def nbgrader_args() -> list[str]:
    """The nbgrader options that run every notebook on the sandboxed kernel.

    The kernel is stopped at once when the notebook is done (its outputs are
    already in): a polite shutdown request costs a few tenths of a second per
    notebook, and nothing the student's code does at exit can matter.
    """
    return [f"--Execute.kernel_name={NAME}", "--Execute.shutdown_kernel=immediate"]
