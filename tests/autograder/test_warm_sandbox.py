"""Does the warm sandbox serve fresh kernels and re-checks, and keep one student's leftovers from the next?

A real pool (bubblewrap when installed, else unisolated), real ipykernel
kernels started by jupyter_client through the ``nncourse-sandbox``
kernelspec, and real re-checks compared with the cold, one-process-each path.
"""
from __future__ import annotations

import time

import pytest

from autograder.sandbox import isolation_available
from autograder.sandbox.kernelspec import NAME, write_kernelspec
from autograder.sandbox.limits import Limits
from autograder.sandbox.pool import SOCKET_ENV, SandboxPool, available, parse_result
from autograder.sandbox.recheck import RESULT_TAG
from autograder.sandbox.verdict import run_recheck

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not available(), reason="warm sandboxes need Linux")]
ISOLATED = isolation_available()
LIMITS = Limits(memory_mb=1024, cpu_seconds=30, output_mb=1)

STEP = "import numpy as np\ndef step(z):\n    return (np.asarray(z, dtype=float) > 0).astype(float)\n"
WRONG_STEP = "import numpy as np\ndef step(z):\n    return (np.asarray(z, dtype=float) >= 0).astype(float)\n"


def _plan(answer: str) -> dict:
    """A notebook of two cells, the answer and its test cell, as the re-check replays it."""
    return {"cells": [{"source": answer, "test": None}, {"source": "", "test": "t-step_test"}], "cell_seconds": 10,
            "exercises": [{"grade_id": "t-step_test", "check": "perceptron.step", "function": "step", "points": 1.0}]}


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pool")
    with SandboxPool(folder, 1, LIMITS, ISOLATED) as warm:
        env = write_kernelspec(folder, LIMITS)
        yield warm, {**env, **warm.environment(0)}


@pytest.fixture
def start_kernel(pool, monkeypatch, tmp_path):
    """Start a kernel through the kernelspec, as nbgrader does (in a student's folder); shut down every one at the end."""
    from jupyter_client.manager import KernelManager

    warm, env = pool
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    started = []

    def start():
        km = KernelManager(kernel_name=NAME, **warm.kernel_manager_options(0))
        km.start_kernel(cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        started.append((km, kc))
        kc.wait_for_ready(timeout=60)
        return km, kc

    yield start
    for km, kc in started:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _run(kc, code: str, timeout: float = 30) -> tuple[str, dict]:
    """Execute ``code``; returns (its stdout, the execute reply's content)."""
    out = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])

    reply = kc.execute_interactive(code, output_hook=hook, timeout=timeout)
    return "".join(out), reply["content"]


def test_recheck_gives_what_a_cold_sandbox_gives(pool):
    """Does a warm re-check return, case for case, what a fresh process returns, for a right and a wrong step?"""
    warm, _env = pool
    for answer in (STEP, WRONG_STEP):
        hot, why_hot = warm.recheck(0, _plan(answer), 60)
        cold, why_cold = run_recheck(_plan(answer), LIMITS, 60, ISOLATED)
        assert why_hot == why_cold == ""
        assert hot == cold
    kinds = [c["kind"] for c in hot["exercises"]["t-step_test"]["cases"]]
    assert any(k is not None for k in kinds), "the wrong step must fail some case"


def test_recheck_that_hangs_is_stopped_and_the_server_serves_the_next(pool):
    """Does a re-check that never ends time out, and does the same server answer the next one?"""
    warm, _env = pool
    start = time.monotonic()
    result, why = warm.recheck(0, {**_plan("import time\ntime.sleep(1000)\n" + STEP), "cell_seconds": 100}, 3)
    assert result is None and "ran past 3 s" in why
    assert time.monotonic() - start < 20
    result, why = warm.recheck(0, _plan(STEP), 60)
    assert why == "" and result["exercises"]["t-step_test"]["cases"]


def test_kernel_runs_code_and_is_a_child_of_the_server(start_kernel):
    """Does a warm kernel run code, with the notebook's imports already loaded, under the server?"""
    _km, kc = start_kernel()
    out, reply = _run(kc, "import os, sys\nprint(os.environ['NBGRADER_EXECUTION'], 'numpy' in sys.modules, "
                          "'autograder.checking.checks.perceptron' in sys.modules)")
    assert reply["status"] == "ok"
    assert out.split() == ["autograde", "True", "True"]
    if ISOLATED:
        out, _ = _run(kc, "print(os.getppid(), os.getuid() == 0)")
        assert out.split() == ["1", "False"]


def test_nothing_of_one_kernel_is_left_for_the_next(start_kernel):
    """After a kernel that writes files and starts a background process, does the next one see none of it?"""
    km, kc = start_kernel()
    _run(kc, "import os, pathlib, subprocess\n"
             "for folder in [os.path.expanduser('~'), '/tmp', os.getcwd()]:\n"
             "    pathlib.Path(folder, 'LEFTOVER').write_text('x')\n"
             "p = subprocess.Popen(['sleep', '313'], start_new_session=True)\nLEFT = p.pid")
    km.shutdown_kernel(now=True)
    kc.stop_channels()
    _km2, kc2 = start_kernel()
    out, _ = _run(kc2, "import os, subprocess\n"
                       "print(sum(os.path.exists(os.path.join(f, 'LEFTOVER')) for f in [os.path.expanduser('~'), '/tmp', os.getcwd()]),"
                       " 'LEFT' in globals(), subprocess.run(['pgrep', '-f', 'sleep 313'], capture_output=True).stdout.strip() == b'')")
    assert out.split() == ["0", "False", "True"]


@pytest.mark.skipif(not ISOLATED, reason="only the bubblewrap sandbox has a network namespace of its own")
def test_kernel_has_no_network(start_kernel):
    """Can a sandboxed kernel reach nothing over the network, not even the grader's loopback?"""
    import socket

    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        _km, kc = start_kernel()
        out, _ = _run(kc, f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
                          "    print('NET-OPEN')\nexcept OSError:\n    print('NET-BLOCKED')\n"
                          "print(sorted(name for _i, name in socket.if_nameindex()))")
    assert out.split("\n")[:2] == ["NET-BLOCKED", "['lo']"]


@pytest.mark.skipif(not ISOLATED, reason="the server is PID 1 only inside bubblewrap")
def test_server_survives_its_kernel_killing_and_stopping_it(start_kernel):
    """Do SIGKILL and SIGSTOP sent to the server (PID 1) from a kernel do nothing, so the next kernel starts?"""
    km, kc = start_kernel()
    out, _ = _run(kc, "import os, signal\nfor s in (signal.SIGSTOP, signal.SIGKILL, signal.SIGTERM, signal.SIGINT):\n"
                      "    os.kill(1, s)\nprint('sent')")
    assert out.strip() == "sent"
    km.shutdown_kernel(now=True)  # a server runs one kernel at a time: the next waits for this one's end
    _km2, kc2 = start_kernel()
    assert _run(kc2, "print(6 * 7)")[0].strip() == "42"


def test_interrupt_reaches_the_student_code(start_kernel):
    """Does Jupyter's interrupt (SIGINT to the launcher) stop a running cell with KeyboardInterrupt?"""
    import threading

    km, kc = start_kernel()
    threading.Timer(1.5, km.interrupt_kernel).start()
    start = time.monotonic()
    _out, reply = _run(kc, "import time\ntime.sleep(60)", timeout=30)
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt"
    assert time.monotonic() - start < 20


def test_an_unreachable_server_falls_back_to_a_cold_kernel(start_kernel, monkeypatch, tmp_path):
    """With the server's socket gone, does the launcher start a cold sandboxed kernel instead of failing?"""
    monkeypatch.setenv(SOCKET_ENV, str(tmp_path / "no-such.sock"))
    if not ISOLATED:
        monkeypatch.setenv("NNCOURSE_NO_SANDBOX", "1")
    _km, kc = start_kernel()
    out, _ = _run(kc, "import sys\nprint('autograder.checking.checks.perceptron' in sys.modules, 6 * 7)")
    assert out.split() == ["False", "42"]  # a fresh interpreter: nothing preloaded


def test_parse_result_explains_a_missing_result():
    """Does the grader say why there is no result (exit code), and take the last result line?"""
    assert parse_result('noise\n{"exit": -9}\n') == (None, "the re-check ended without a result (exit code -9)")
    assert parse_result('{"exit": "x"\n') == (None, "the re-check ended without a result")
    text = f'{RESULT_TAG}{{"a": 1}}\n{RESULT_TAG}{{"a": 2}}\n{{"exit": 0}}\n'
    assert parse_result(text) == ({"a": 2}, "")


def test_unisolated_servers_share_no_kernel_files(tmp_path, monkeypatch):
    """Without a sandbox two jobs share the machine's /tmp: do their kernels get connection files of their own?"""
    from jupyter_client.manager import KernelManager

    with SandboxPool(tmp_path / "pool", 2, LIMITS, isolated=False) as warm:
        for key, value in write_kernelspec(tmp_path, LIMITS).items():
            monkeypatch.setenv(key, value)
        files = []
        for index in (0, 1):
            for key, value in warm.environment(index).items():
                monkeypatch.setenv(key, value)
            km = KernelManager(kernel_name=NAME, **warm.kernel_manager_options(index))
            km.start_kernel(cwd=str(tmp_path))
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
                out, _ = _run(kc, "from ipykernel import get_connection_file\nprint(get_connection_file())")
                files.append(out.strip())
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
    assert len(set(files)) == 2, files
    assert not any(f.startswith("/tmp/.kernel") for f in files)
