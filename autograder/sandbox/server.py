"""The warm sandbox: one process per grading job that starts kernels and re-checks by ``fork``.

A cold grading kernel spends most of its life starting: Python, ipykernel,
then the notebook's own imports (NumPy, matplotlib for the widgets, the
checker) — about a second and a half per notebook before the first student
line runs, the same work 60 times over.  This server does that work once per
grading job, inside one sandbox (see :mod:`autograder.sandbox.pool`, which
starts it under bubblewrap), and then serves one request at a time on a Unix
socket the grader listens on:

- ``{"kind": "kernel", "connection": {...}}`` from the kernel launcher
  (:mod:`autograder.sandbox.kernel`): fork a child that becomes an ipykernel
  with that connection; relay ``{"kind": "interrupt"}``; answer
  ``{"exit": code}`` when the kernel has ended;
- ``{"kind": "recheck", "plan": {...}}`` from the grader: fork a child that
  runs :func:`autograder.sandbox.recheck.run` with the socket as its stdout.

Why a forked child is as fresh as a new process, for what matters here:

- it starts from the server's memory, which no student code has touched: the
  checker, NumPy and the rest were imported before any request was served,
  and the server never runs or reads anything a child could have written
  (its imports come from read-only mounts; its ``sys.path`` has no writable
  folder);
- between two requests the server kills every other process of the sandbox
  (as PID 1 of the sandbox's PID namespace, ``kill(-1, SIGKILL)`` reaches all
  of them) and empties the writable folders (``/tmp``, the working folder), so
  nothing one student leaves behind is there for the next;
- a child cannot reach the server: the kernel ignores signals sent to a PID
  namespace's init that it has no handler for (SIGKILL and SIGSTOP included),
  and the server is not dumpable, so a process of the same user cannot
  ptrace it or read its memory; the listening socket has no path inside the
  sandbox, and a connection is served only when it comes from outside the
  sandbox (its peer's pid, as this namespace sees it, is 0).

Each child applies the per-submission :class:`~autograder.sandbox.limits.Limits`
to itself right after the fork (CPU time counts from zero in a new process).
Run as ``python -I -m autograder.sandbox.server LISTEN_FD LIMITS_JSON WORKDIR [KERNELS_DIR]``
(``KERNELS_DIR``: the folder of the kernels' Unix sockets, emptied like the others);
it prints ``ready`` once the imports are done and leaves when its stdin closes.
"""
from __future__ import annotations

import ctypes
import importlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import sys
import time

from autograder.sandbox.limits import Limits

PR_SET_DUMPABLE = 4

# What a chapter notebook, its kernel and the re-check import: loaded once, here.
PRELOAD = ("numpy", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline", "ipywidgets",
           "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "ipykernel.debugger", "nnlib", "nnlib.widgets",
           "autograder", "autograder.checking.checks", "autograder.sandbox.recheck", "autograder.sandbox.encode",
           "autograder.sandbox.kernel_inner")


# ------------------------------------------------------------------ the server


def preload() -> None:
    """Import what every request needs, and every nnlib module and chapter check."""
    import pkgutil

    for name in PRELOAD:
        importlib.import_module(name)
    for package in ("nnlib", "autograder.checking.checks"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            importlib.import_module(info.name)


def not_dumpable() -> None:
    """No ptrace, no /proc/<pid>/mem for processes of the same user (the children)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the sandbox is not in use there anyway
        pass


def peer_pid(conn: socket.socket) -> int:
    """The connecting process's pid as this PID namespace sees it (0: from outside the sandbox)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[0]


def serve(listener: socket.socket, limits: Limits, workdir: str, kernels: str | None = None) -> None:
    """Answer requests one at a time until stdin closes (the grader is done or gone)."""
    in_sandbox = os.getpid() == 1
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready:
            return
        conn, _ = listener.accept()
        with conn:
            if in_sandbox and peer_pid(conn) != 0:
                continue  # a process inside the sandbox: never served
            try:
                request = json.loads(_read_line(conn))
            except (ValueError, OSError):
                continue
            if request.get("kind") in ("kernel", "recheck"):
                _serve_one(conn, listener, request, limits, workdir, in_sandbox, kernels)


def _read_line(conn: socket.socket, most: int = 64 * 1024 * 1024) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 16)
        if not chunk or len(data) > most:
            raise OSError("request cut short")
        data += chunk
    return data


def _serve_one(conn, listener, request, limits, workdir, in_sandbox, kernels=None) -> None:
    """Fork the child for one request, watch it, then clear the sandbox for the next one."""
    pid = os.fork()
    if pid == 0:
        _child(conn, listener, request, limits, workdir)  # never returns
    status = _watch(conn, pid)
    _clear(pid, workdir, in_sandbox, kernels)
    try:
        conn.sendall(json.dumps({"exit": status}).encode() + b"\n")
    except OSError:
        pass  # the launcher is gone (Jupyter killed it): nobody to tell


def _watch(conn: socket.socket, pid: int) -> int:
    """Wait for the child to end, relaying interrupts; kill it if the client hangs up."""
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    buffer, status = b"", None
    while status is None:
        waiting = [conn] + ([pidfd] if pidfd is not None else [])
        ready, _, _ = select.select(waiting, [], [], 0.5 if pidfd is not None else 0.05)
        status = _reap(pid)
        if status is None and conn in ready:
            chunk = conn.recv(4096)
            if not chunk:  # the launcher or the grader hung up: end the child
                _kill_group(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            if any(b'"interrupt"' in line for line in lines):
                _kill_group(pid, signal.SIGINT)
    if pidfd is not None:
        os.close(pidfd)
    return os.waitstatus_to_exitcode(status)


def _reap(pid: int):
    """Collect every exited child (as PID 1, also those a child left behind, so none stays a
    zombie); returns the wait status of ``pid`` if it is among them, else None."""
    found = None
    try:
        while True:
            done, status = os.waitpid(-1, os.WNOHANG)
            if not done:
                break
            if done == pid:
                found = status
    except ChildProcessError:
        pass
    return found


def _kill_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)  # the child leads its own session and process group
    except ProcessLookupError:
        pass


def _clear(pid: int, workdir: str, in_sandbox: bool, kernels: str | None = None) -> None:
    """Kill whatever the child started, and empty the writable folders.

    In ``kernels`` (Jupyter's runtime folder, shared with the grader) only what
    is older than this moment goes: the grader may already be writing the next
    kernel's connection file there.
    """
    _kill_group(pid, signal.SIGKILL)
    if in_sandbox:
        try:
            os.kill(-1, signal.SIGKILL)  # from PID 1: every process of the sandbox but this one
        except ProcessLookupError:
            pass
        try:
            while True:
                os.waitpid(-1, 0)
        except ChildProcessError:
            pass
        _empty("/tmp")
    _empty(workdir)
    if kernels:
        _empty(kernels, older_than=time.time())


def _empty(folder: str, older_than: float | None = None) -> None:
    """Remove everything inside ``folder`` (changed before ``older_than``), even what a child made unreadable."""
    def force(func, path, _exc):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            func(path)
        except OSError:
            pass

    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for name in entries:
        path = os.path.join(folder, name)
        if older_than is not None and _changed(path) >= older_than:
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, onerror=force)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def _changed(path: str) -> float:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return 0.0


# ------------------------------------------------------------------ a child


def _child(conn, listener, request, limits: Limits, workdir: str) -> None:
    """In the forked child: become the kernel or the re-check; never return."""
    code = 1
    try:
        listener.close()
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _quiet_fds(keep_stdout=conn if request["kind"] == "recheck" else None)
        if request["kind"] == "kernel":
            conn.close()
        os.makedirs(os.environ.get("HOME", "/tmp/home"), exist_ok=True)
        os.makedirs(workdir, exist_ok=True)
        os.chdir(workdir)
        limits.apply(extra_procs=int(os.environ.get("NNCOURSE_EXTRA_PROCS", "0")))
        if request["kind"] == "kernel":
            code = _kernel(request["connection"], limits)
        else:
            from autograder.sandbox import recheck

            recheck.run(request["plan"])
            code = 0
    except BaseException:  # noqa: BLE001 - whatever happens, this process must not return into the server
        code = 1
    os._exit(code)


def _quiet_fds(keep_stdout) -> None:
    """stdin, stdout, stderr to /dev/null (stdout to the socket for a re-check)."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(keep_stdout.fileno() if keep_stdout is not None else null, 1)
    os.dup2(null, 2)
    os.close(null)


def _kernel(connection: dict, limits: Limits) -> int:
    """Write the connection file into this server's own home and run ipykernel on it.

    (Inside the sandbox that is the private ``/tmp/home``; unisolated, the
    server's working folder — never a path another grading job shares.)
    """
    from autograder.sandbox import kernel_inner

    path = os.path.join(os.path.expanduser("~"), ".kernel", "connection.json")
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
        json.dump(connection, fh)
    kernel_inner.main(["-f", path, *kernel_inner.OPTIONS], output_limit=limits.output_mb * 1024 * 1024)
    return 0


# ------------------------------------------------------------------ entry point


def main(argv: list[str]) -> None:
    if len(argv) not in (3, 4):
        sys.exit("usage: python -I -m autograder.sandbox.server LISTEN_FD LIMITS_JSON WORKDIR [KERNELS_DIR]")
    listener = socket.socket(fileno=int(argv[0]))
    limits, workdir = Limits.from_json(argv[1]), argv[2]
    kernels = argv[3] if len(argv) == 4 else None
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader's Ctrl-C ends it through stdin, not mid-request
    not_dumpable()
    os.chdir("/")
    preload()
    print("ready", flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the pipe to the grader is not a child's to inherit
    serve(listener, limits, workdir, kernels)


if __name__ == "__main__":
    main(sys.argv[1:])
