"""The grader's side of the warm sandboxes: start one per grading job, talk to it, stop it.

``with SandboxPool(folder, jobs, limits, isolated) as pool:`` starts ``jobs``
servers (:mod:`autograder.sandbox.server`), each in its own bubblewrap
sandbox (or, unisolated, as a plain process with the limits), and waits until
each has done its imports; their logs go to ``folder``.  For each server the
grader itself binds a Unix socket, outside every sandbox (in a private folder
of ``/tmp``: a socket's path must be short), and hands the server only the
listening file descriptor.  Then:

- ``pool.environment(i)`` is the environment for the nbgrader process of
  batch ``i``: its kernel launcher (:mod:`autograder.sandbox.kernel`) finds
  server ``i`` through ``NNCOURSE_SANDBOX_SOCKET``, and its kernels' sockets
  are files in a folder bound into that sandbox (the sandbox has no network);
- ``pool.recheck(i, plan, seconds)`` runs one re-check on server ``i``.

Leaving the ``with`` block closes each server's stdin (it exits) and removes
the sockets and working folders.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.sandbox.bwrap import _give, _own_processes, command, environment
from autograder.sandbox.limits import Limits
from autograder.sandbox.recheck import RESULT_TAG
from autograder.sandbox.run import grading_env

SOCKET_ENV = "NNCOURSE_SANDBOX_SOCKET"
READY_SECONDS = 120  # imports on a loaded 2-core machine take a few seconds; this is the give-up point


def available() -> bool:
    """Warm sandboxes need fork and pidfd-era Linux; elsewhere each kernel starts cold."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class SandboxPool:
    """``size`` warm servers; see the module docstring."""

    def __init__(self, folder: Path, size: int, limits: Limits, isolated: bool):
        self.folder = Path(folder)
        self.size = max(1, size)
        self.limits = limits
        self.isolated = isolated
        self._servers: list[tuple[subprocess.Popen, socket.socket, Path, Path, Path]] = []
        self._sockets: Path | None = None

    # -- life cycle ---------------------------------------------------------
    def __enter__(self) -> "SandboxPool":
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            for index in range(self.size):
                self._servers.append(self._start(index))
            for proc, *_ in self._servers:
                self._wait_ready(proc)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self, index: int):
        # Unix socket paths must be short (108 bytes): a private folder in /tmp, not the course's.
        self._sockets = self._sockets or Path(tempfile.mkdtemp(prefix="nncourse-sockets-"))
        path = self._sockets / f"sandbox-{index}.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
        os.chmod(path, 0o600)  # only the grader's user may ask for a kernel
        listener.listen(8)
        workdir = Path(tempfile.mkdtemp(prefix=f"nncourse-sandbox-{index}-"))
        kernels = self._sockets / f"kernels-{index}"  # this job's Jupyter runtime folder: ipc sockets
        kernels.mkdir(mode=0o700)
        fd = listener.fileno()
        # Isolated, the kernels work in the sandbox's own /tmp, a tmpfs whose size caps their disk use.
        cwd = "/tmp/work" if self.isolated else str(workdir)
        server = [sys.executable, "-I", "-m", "autograder.sandbox.server", str(fd), self.limits.to_json(),
                  cwd, str(kernels)]
        env = environment(grading_env())
        if self.isolated:
            uid = 1_500_000_000 + (os.getpid() % 1_000_000) * 16 + index  # one user id per server: its own process budget
            privileged = os.geteuid() == 0 and shutil.which("setpriv") is not None
            if privileged:
                _give(workdir, uid)
                # root's and read-only for the sandbox: the kernel launcher opens it for each kernel
                # just long enough to make its socket files (autograder.sandbox.kernel).
                os.chmod(kernels, 0o755)
            env["NNCOURSE_EXTRA_PROCS"] = "1" if privileged else str(_own_processes() + 1)
            argv = command(server, workdir, uid, self.limits, pid1=True, sockets=str(kernels), workdir_writable=False)
        else:
            # Unisolated, /tmp is the machine's: each server's home, IPython and matplotlib folders
            # go in its own working folder (two jobs sharing one IPython profile trip over each other).
            env.update({"HOME": str(workdir), "IPYTHONDIR": f"{workdir}/.ipython", "MPLCONFIGDIR": f"{workdir}/.matplotlib",
                        "NNCOURSE_EXTRA_PROCS": str(_own_processes() + 1)})
            argv = server
        log = open(self.folder / f"sandbox-{index}.log", "wb")
        try:
            proc = subprocess.Popen(argv, env=env, pass_fds=[fd], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=log, cwd=workdir)
        finally:
            log.close()
        return proc, listener, path, workdir, kernels

    def _wait_ready(self, proc: subprocess.Popen) -> None:
        import selectors

        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            if not sel.select(READY_SECONDS) or proc.stdout.readline().strip() != b"ready":
                raise RuntimeError(f"a grading sandbox did not start (see {self.folder}/sandbox-*.log)")
        proc.stdout.close()

    def close(self) -> None:
        for proc, listener, path, workdir, _kernels in self._servers:
            try:
                proc.stdin.close()  # the server leaves when its stdin closes
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            listener.close()
            path.unlink(missing_ok=True)
            shutil.rmtree(workdir, ignore_errors=True)
        self._servers = []
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)
            self._sockets = None

    # -- using it -------------------------------------------------------------
    def environment(self, index: int) -> dict:
        """Extra environment for the nbgrader process that grades batch ``index``.

        Its Jupyter runtime folder is the one bound into server ``index``'s
        sandbox: with the ``ipc`` transport (:meth:`nbgrader_args`) the
        kernel's sockets are files there, and the sandbox needs no network.
        Only one kernel of the job exists at a time, so no other student's
        connection file is ever in it.
        """
        _proc, _listener, path, _workdir, kernels = self._servers[index % self.size]
        return {SOCKET_ENV: str(path), "JUPYTER_RUNTIME_DIR": str(kernels)}

    def kernel_manager_options(self, index: int) -> dict:
        """Jupyter ``KernelManager`` settings for batch ``index``: when isolated, the kernel's
        sockets are Unix socket files ``kernel-1`` ... ``kernel-5`` in server ``index``'s folder
        (one kernel at a time); unisolated, the default (TCP on loopback)."""
        if not self.isolated:
            return {}
        return {"transport": "ipc", "ip": f"{self._servers[index % self.size][4]}/kernel"}

    def nbgrader_args(self, index: int) -> list[str]:
        """The same settings as nbgrader command-line options."""
        return [f"--KernelManager.{key}={value}" for key, value in self.kernel_manager_options(index).items()]

    def recheck(self, index: int, plan: dict, seconds: float) -> tuple[dict | None, str]:
        """Run one re-check on server ``index``; returns (its result or None, why there is none)."""
        path = self._servers[index % self.size][2]
        most = self.limits.output_mb * 1024 * 1024
        deadline = time.monotonic() + seconds
        data = b""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(seconds)
            try:
                conn.connect(str(path))
                conn.sendall(json.dumps({"kind": "recheck", "plan": plan}).encode() + b"\n")
                while len(data) <= most:
                    conn.settimeout(max(0.01, deadline - time.monotonic()))
                    chunk = conn.recv(1 << 16)
                    if not chunk:
                        break
                    data += chunk
            except socket.timeout:
                return None, f"the re-check ran past {seconds:g} s"
            except OSError as error:
                return None, f"the re-check could not run ({error.strerror or error})"
        return parse_result(data[:most].decode("utf-8", "replace"))


def parse_result(text: str) -> tuple[dict | None, str]:
    """The re-check's result from what its process wrote; (None, why) when there is none."""
    lines = text.splitlines()
    results = [line for line in lines if line.startswith(RESULT_TAG)]
    if not results:
        code = _exit_code(lines[-1]) if lines else None
        return None, "the re-check ended without a result" + ("" if code is None else f" (exit code {code})")
    try:
        return json.loads(results[-1][len(RESULT_TAG):]), ""
    except (ValueError, RecursionError):
        return None, "the re-check's result was malformed"


def _exit_code(line: str):
    """The server's closing ``{"exit": code}`` line, or None."""
    try:
        return int(json.loads(line)["exit"])
    except (ValueError, TypeError, KeyError, RecursionError):
        return None

