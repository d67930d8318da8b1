"""The grading kernel's launcher: ``python -m autograder.sandbox.kernel LIMITS CONNECTION_FILE``.

The ``nncourse-sandbox`` kernelspec (:mod:`autograder.sandbox.kernelspec`)
runs this instead of ``ipykernel_launcher``.  It runs in the working folder
nbgrader chose (the student's autograded copy), outside the sandbox, as the
grader: it reads the connection file (ports and key, mode 0600 in the
grader's runtime folder, which the sandbox does not see), copies it into the
sandbox's private ``/tmp``, and becomes bubblewrap running
:mod:`autograder.sandbox.kernel_inner` there.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder.sandbox.bwrap import environment, launch
from autograder.sandbox.limits import Limits

CONNECTION = "/tmp/.kernel/connection.json"
_PASSED = ("NBGRADER_EXECUTION", "NNCOURSE_OUTPUT_LIMIT")


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit("usage: python -m autograder.sandbox.kernel LIMITS_JSON CONNECTION_FILE")
    limits = Limits.from_json(argv[0])
    fd = os.open(argv[1], os.O_RDONLY)
    env = environment({k: os.environ[k] for k in _PASSED if k in os.environ})
    env["NNCOURSE_OUTPUT_LIMIT"] = str(limits.output_mb * 1024 * 1024)
    inner = [sys.executable, "-m", "autograder.sandbox.kernel_inner", "-f", CONNECTION]
    launch(inner, Path.cwd(), limits, env, files=[(fd, CONNECTION)])


if __name__ == "__main__":
    main(sys.argv[1:])
