"""``python -m autograder.sandbox.run LIMITS WORKDIR [--no-sandbox] [--ro-bind SRC DEST]... -- COMMAND ...``

The grader's way to start a one-off sandboxed process (the re-check, the
capstone run): limits applied, the working folder given to the sandbox user,
then bubblewrap (or, with ``--no-sandbox``, the command itself, limits only).
``--ro-bind SRC DEST`` puts the file SRC read-only over DEST inside the
sandbox (ignored without a sandbox).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder.sandbox.bwrap import _own_processes, environment, launch
from autograder.sandbox.limits import Limits

def grading_env() -> dict:
    """What a grading sandbox inherits from the grader's environment.

    nbgrader's flag (widget code in the instructor's cells then does nothing
    costly) and the course's hidden-case secret, so the kernel's checks draw
    the cases the grader will judge.
    """
    env = {"NBGRADER_EXECUTION": "autograde"}
    if os.environ.get("NNCOURSE_CASE_SECRET"):
        env["NNCOURSE_CASE_SECRET"] = os.environ["NNCOURSE_CASE_SECRET"]
    return env


def main(argv: list[str]) -> None:
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1:]
    limits, workdir = Limits.from_json(options[0]), Path(options[1])
    ro_binds = [(options[i + 1], options[i + 2]) for i, o in enumerate(options) if o == "--ro-bind"]
    if "--no-sandbox" in options:
        os.chdir(workdir)
        limits.apply(extra_procs=_own_processes())
        os.execve(command[0], command, environment({"HOME": str(workdir), **grading_env()}))
    launch(command, workdir, limits, environment(grading_env()), ro_binds=ro_binds)


if __name__ == "__main__":
    main(sys.argv[1:])
