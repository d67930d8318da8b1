"""Start a command inside a bubblewrap sandbox: what it sees, who it runs as, its limits.

The sandbox is a new, empty root filesystem in which only these are mounted:

- read-only: ``/usr`` (with the merged-usr links ``/bin``, ``/lib`` ...),
  a few files of ``/etc`` (the loader cache, time zone), the Python
  installation (``sys.base_prefix``) and the virtual environment
  (``sys.prefix``), and **only** the ``nnlib/`` and ``autograder/`` folders
  of the repository, at their real paths (the editable install still imports
  them).  ``solutions/``, ``grading/`` (the gradebook, other students), the
  rest of the repository and the instructor's home are simply not there;
- read-write: the working folder (the student's own autograded copy of the
  chapter), a private ``/tmp`` (tmpfs, size-capped) that is also ``HOME``;
- a fresh ``/proc`` of a new PID namespace (it sees and can signal only its own
  processes), a minimal ``/dev``, new IPC and UTS namespaces.

Network: when the kernel's sockets are Unix socket files (Jupyter's ``ipc``
transport, as ``nncourse grade`` asks for), their folder is bound in and the
sandbox gets a network namespace of its own with nothing in it; otherwise
(a kernel on TCP) the network namespace is shared, as the kernel must talk to
nbgrader over loopback.  Inside, the command runs as an unprivileged user id of its own
(``1_000_000 + the launcher's pid``), with no capabilities and
``no_new_privs``, so ``RLIMIT_NPROC`` applies and counts only this sandbox.

:func:`launch` replaces the current process with bubblewrap (the grading
kernel's launcher uses it, see :mod:`autograder.sandbox.kernel`);
:func:`command` only builds the argument list.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path
from typing import NoReturn, Sequence

import nnlib
import autograder
from autograder.sandbox.limits import Limits

HOME = "/tmp/home"
_ETC = ("ld.so.cache", "ld.so.conf", "localtime", "nsswitch.conf", "hosts")
_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


def bwrap_path() -> str | None:
    """The ``bwrap`` executable, or None when bubblewrap is not installed (macOS, Windows ...)."""
    return shutil.which("bwrap") if sys.platform.startswith("linux") else None


def package_dirs() -> list[str]:
    """The two folders of the repository a notebook may import: nnlib/ and autograder/."""
    return [str(Path(m.__file__).resolve().parent) for m in (nnlib, autograder)]


def python_dirs() -> list[str]:
    """The Python installation and the virtual environment (may coincide)."""
    return list(dict.fromkeys(str(Path(p).resolve()) for p in (sys.base_prefix, sys.prefix)))


def sandbox_uid() -> int:
    """A user id no one else uses while this process lives: its own rlimit budget."""
    return 1_000_000 + os.getpid()


def environment(passed: dict | None = None) -> dict:
    """The sandbox's whole environment: nothing of the grader's is inherited but ``passed``.

    One BLAS/OpenMP thread: threads count against the process limit, and a
    student's timings should not depend on the grading machine's cores.
    """
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": HOME, "USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp", "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{HOME}/.matplotlib",
        "IPYTHONDIR": f"{HOME}/.ipython", "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }
    env.update(passed or {})
    return env


def command(argv: Sequence[str], workdir: Path, uid: int, limits: Limits,
            files: Sequence[tuple[int, str]] = (), pid1: bool = False,
            sockets: str | None = None, workdir_writable: bool = True,
            ro_binds: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The ``bwrap ... -- argv`` list; ``files`` are (fd, path) copied into the sandbox.

    ``ro_binds``: (source, destination) files bound read-only over files the
    sandbox would otherwise see, after the folders are mounted (the
    capstone's training digits over ``nnlib/data_files/digits.csv.gz``).
    ``pid1``: ``argv`` itself becomes PID 1 of the sandbox (the warm server,
    :mod:`autograder.sandbox.server`), instead of bubblewrap's own small init.
    ``sockets``: a folder where the kernel's ZeroMQ sockets are Unix socket
    files (Jupyter's ``ipc`` transport); it is bound read-write and the
    sandbox gets a network namespace of its own, with no way out.
    ``workdir_writable=False``: the working folder is only the starting
    folder (the warm server works in its size-capped ``/tmp``).
    """
    bwrap = bwrap_path()
    if bwrap is None:
        raise RuntimeError("bubblewrap (bwrap) is not installed")
    args = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev"]
    if pid1:
        args.append("--as-pid-1")
    if sockets is not None:
        args.append("--unshare-net")
    made: set = {"/", "/proc", "/dev"}

    def bind(how: str, path: str) -> None:
        # bwrap would create missing parents with mode 0700, unreadable for the sandbox user
        for parent in reversed(Path(path).parents):
            if str(parent) not in made:
                args.extend(["--perms", "0755", "--dir", str(parent)])
                made.add(str(parent))
        args.extend([how, path, path])
        made.add(path)

    # The private /tmp comes first: binds made later are mounted on top of it, so a course or a
    # virtual environment that itself lives under /tmp (a CI checkout, pytest's tmp_path) stays visible.
    tmp_bytes = str(limits.file_size_mb * 4 * 1024 * 1024)  # a few files' worth of scratch space
    args += ["--size", tmp_bytes, "--perms", "1777", "--tmpfs", "/tmp",
             "--size", tmp_bytes, "--perms", "1777", "--tmpfs", "/dev/shm",
             "--perms", "0777", "--dir", HOME]
    made |= {"/tmp", "/dev/shm", HOME}
    bind("--ro-bind", "/usr")
    for name in _LINKS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            bind("--ro-bind", str(path))
    for name in _ETC:
        if (Path("/etc") / name).exists():
            bind("--ro-bind", f"/etc/{name}")
    for folder in python_dirs() + package_dirs():
        bind("--ro-bind", folder)
    for source, destination in ro_binds:
        args += ["--ro-bind", str(Path(source).resolve()), str(destination)]
    for fd, path in files:
        for parent in reversed(Path(path).parents):
            if str(parent) not in made:
                args.extend(["--perms", "0755", "--dir", str(parent)])
                made.add(str(parent))
        args += ["--perms", "0644", "--file", str(fd), path]
    workdir = str(Path(workdir).resolve())
    bind("--bind" if workdir_writable else "--ro-bind", workdir)
    if sockets is not None:
        bind("--bind", str(Path(sockets).resolve()))
    args += ["--chdir", workdir]
    if os.geteuid() == 0 and shutil.which("setpriv"):
        # bwrap as root keeps its capabilities for the command: setpriv drops them all and
        # becomes the sandbox's own user, so the process limit counts this sandbox alone.
        args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
    else:
        # Unprivileged: a user namespace; processes still count against the caller's user.
        args += ["--unshare-user", "--disable-userns", "--uid", str(uid), "--gid", str(uid), "--"]
    return args + list(argv)


def _own_processes() -> int:
    uid = os.getuid()
    return sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == uid)


def _owner(path: Path) -> int:
    try:
        return path.stat().st_uid
    except OSError:
        return -1


def _give(workdir: Path, uid: int) -> None:
    """Make the working folder (and what it holds) the sandbox user's: it may write there only.

    Refuses a folder that holds the repository, the Python installation or a
    git checkout: a kernel started from the wrong folder must fail, not hand
    the instructor's files to the sandbox user.
    """
    workdir = Path(workdir).resolve()
    precious = [Path(d) for d in package_dirs() + python_dirs()]
    if (workdir / ".git").exists() or any(d == workdir or workdir in d.parents for d in precious):
        raise RuntimeError(f"refusing to give {workdir} to the sandbox user: it holds the course or Python itself; "
                           "a sandboxed kernel must start in a student's own folder")
    for root, dirs, files in os.walk(workdir):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(root, name), uid, uid)
    os.chown(workdir, uid, uid)


def launch(argv: Sequence[str], workdir: Path, limits: Limits, env: dict,
           files: Sequence[tuple[int, str]] = (), sockets: str | None = None,
           ro_binds: Sequence[tuple[str, str]] = ()) -> NoReturn:
    """Replace this process with ``argv`` running in the sandbox, limits applied.

    SIGINT is ignored from here on: Jupyter interrupts a kernel by signalling
    its whole process group, and bubblewrap would die of it.  The Python
    inside installs its own handler (ipykernel does for every cell), so an
    interrupt still reaches the student's code.
    """
    uid = sandbox_uid()
    privileged = os.geteuid() == 0 and shutil.which("setpriv") is not None
    if privileged:
        _give(Path(workdir), uid)
    cmd = command(argv, Path(workdir), uid, limits, files, sockets=sockets, ro_binds=ro_binds)
    for fd, _ in files:
        os.set_inheritable(fd, True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limits.apply(extra_procs=0 if privileged else _own_processes())
    os.execve(cmd[0], cmd, env)
