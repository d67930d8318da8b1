"""The grading kernel's launcher: ``python -m autograder.sandbox.kernel LIMITS CONNECTION_FILE``.

The ``nncourse-sandbox`` kernelspec (:mod:`autograder.sandbox.kernelspec`)
runs this instead of ``ipykernel_launcher``.  It runs in the working folder
nbgrader chose (the student's autograded copy), outside the sandbox, as the
grader, and reads the connection file (ports and key, mode 0600 in the
grader's runtime folder, which the sandbox does not see).  Then:

- **warm** (``nncourse grade`` started a :class:`~autograder.sandbox.pool.SandboxPool`
  and named this job's server in ``NNCOURSE_SANDBOX_SOCKET``): it asks that
  server for a kernel with this connection and stays as the kernel's stand-in
  for Jupyter — an interrupt (SIGINT) is passed on, and it exits with the
  kernel's exit code, or, when Jupyter kills it, the server ends the kernel;
- **cold** (no server, or the server cannot be reached): it copies the
  connection file into a new sandbox's private ``/tmp`` and becomes
  bubblewrap running :mod:`autograder.sandbox.kernel_inner` there.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import sys
from pathlib import Path

# Only the standard library up here: the kernelspec runs this file as a script, so that a warm
# start costs a bare Python start-up and not the import of nnlib and the checker.
CONNECTION = "/tmp/.kernel/connection.json"
SOCKET_ENV = "NNCOURSE_SANDBOX_SOCKET"
_PASSED = ("NBGRADER_EXECUTION", "NNCOURSE_OUTPUT_LIMIT")


def warm(conn: socket.socket, connection_file: str) -> int:
    """Have the warm server at the other end of ``conn`` run the kernel; returns its exit code."""
    connection = json.loads(Path(connection_file).read_text(encoding="utf-8"))
    try:
        conn.sendall(json.dumps({"kind": "kernel", "connection": connection}).encode() + b"\n")
    except OSError:
        return 1

    def interrupt(_signum, _frame):
        try:
            conn.sendall(b'{"kind": "interrupt"}\n')
        except OSError:
            pass

    signal.signal(signal.SIGINT, interrupt)
    # SIGTERM (Jupyter's shutdown) keeps its default: this process ends, the socket closes,
    # and the server kills the kernel.
    data = b""
    while True:
        try:
            chunk = conn.recv(4096)
        except OSError:
            return 1
        if not chunk:
            return 1  # the server went away: to Jupyter, the kernel died
        data += chunk
        if data.endswith(b"\n"):
            try:
                return int(json.loads(data)["exit"])
            except (ValueError, KeyError, TypeError):
                return 1


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit("usage: python -m autograder.sandbox.kernel LIMITS_JSON CONNECTION_FILE")
    server = os.environ.get(SOCKET_ENV)
    if server:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(server)
        except OSError as error:  # nothing started yet: a cold sandbox can take over
            print(f"nncourse: warm sandbox unreachable ({error}); starting a cold one", file=sys.stderr)
        else:
            sys.exit(warm(conn, argv[1]))
    cold(argv[0], argv[1])


def cold(limits_json: str, connection_file: str) -> None:
    """Become bubblewrap running a fresh kernel, the connection file copied into its /tmp."""
    from autograder.sandbox.bwrap import environment, launch
    from autograder.sandbox.limits import Limits

    if os.environ.get("NNCOURSE_NO_SANDBOX"):  # nncourse grade --no-sandbox: a plain kernel
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])
    limits = Limits.from_json(limits_json)
    fd = os.open(connection_file, os.O_RDONLY)
    env = environment({k: os.environ[k] for k in _PASSED if k in os.environ})
    env["NNCOURSE_OUTPUT_LIMIT"] = str(limits.output_mb * 1024 * 1024)
    inner = [sys.executable, "-m", "autograder.sandbox.kernel_inner", "-f", CONNECTION,
             "--HistoryManager.enabled=False"]  # as kernel_inner.OPTIONS
    connection = json.loads(Path(connection_file).read_text(encoding="utf-8"))
    sockets = os.path.dirname(connection["ip"]) if connection.get("transport") == "ipc" else None
    launch(inner, Path.cwd(), limits, env, files=[(fd, CONNECTION)], sockets=sockets)


if __name__ == "__main__":
    main(sys.argv[1:])
