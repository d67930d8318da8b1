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
_PASSED = ("NBGRADER_EXECUTION", "NNCOURSE_OUTPUT_LIMIT", "NNCOURSE_CASE_SECRET")


def warm(conn: socket.socket, connection_file: str) -> int:
    """Have the warm server at the other end of ``conn`` run the kernel; returns its exit code."""
    connection = json.loads(Path(connection_file).read_text(encoding="utf-8"))
    sockets = _socket_folder(connection)
    if sockets:
        os.chmod(sockets, 0o777)  # open for the kernel to make its socket files ...
    try:
        conn.sendall(json.dumps({"kind": "kernel", "connection": connection}).encode() + b"\n")
    except OSError:
        return 1
    if sockets:
        _close_when_bound(sockets, connection)  # ... and closed again before any student code runs

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


def _socket_folder(connection: dict) -> str | None:
    """The ipc sockets' folder, when this launcher (root, outside) can lock it against the kernel.

    The folder is on the grader's disk and the kernel must create its five
    socket files in it; once they exist nothing else of the kernel's belongs
    there, so the folder is made read-only for the sandbox user, who could
    otherwise fill the disk with files.  Only possible when the grader is
    root (the sandbox user is then another user); otherwise, the per-file size
    limit is what bounds it.
    """
    if connection.get("transport") != "ipc" or os.geteuid() != 0:
        return None
    folder = os.path.dirname(connection["ip"])
    return folder if os.stat(folder).st_uid == 0 else None


def _close_when_bound(folder: str, connection: dict, seconds: float = 60.0) -> None:
    """Wait until the kernel's socket files exist, then make ``folder`` read-only (0755, root's).

    Jupyter sends the first request only after the kernel answered on these
    sockets, and a notebook's code only after that, so the folder is closed
    before any student line runs.
    """
    import time

    ports = [connection[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
    paths = [f"{connection['ip']}-{port}" for port in ports]
    deadline = time.monotonic() + seconds
    while not all(os.path.exists(p) for p in paths) and time.monotonic() < deadline:
        time.sleep(0.002)
    os.chmod(folder, 0o755)


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
    from autograder.sandbox import kernel_inner
    from autograder.sandbox.bwrap import environment, launch
    from autograder.sandbox.limits import Limits

    if os.environ.get("NNCOURSE_NO_SANDBOX"):  # nncourse grade --no-sandbox: a plain kernel
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])
    limits = Limits.from_json(limits_json)
    fd = os.open(connection_file, os.O_RDONLY)
    env = environment({k: os.environ[k] for k in _PASSED if k in os.environ})
    env["NNCOURSE_OUTPUT_LIMIT"] = str(limits.output_mb * 1024 * 1024)
    inner = [sys.executable, "-m", "autograder.sandbox.kernel_inner", "-f", CONNECTION, *kernel_inner.OPTIONS]
    connection = json.loads(Path(connection_file).read_text(encoding="utf-8"))
    sockets = os.path.dirname(connection["ip"]) if connection.get("transport") == "ipc" else None
    if _socket_folder(connection):
        os.chmod(sockets, 0o777)  # a cold sandbox cannot be locked out again: its per-file limit bounds it
    launch(inner, Path.cwd(), limits, env, files=[(fd, CONNECTION)], sockets=sockets)


if __name__ == "__main__":
    main(sys.argv[1:])
