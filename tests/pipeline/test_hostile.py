"""Can a hostile class break `nncourse grade`?  One batch: honest and hostile submissions together.

Each hostile kind attacks one outcome of the isolation issue (see the README,
"Isolation"): reading what is not theirs, writing outside their folder,
killing or stalling the grader, exhausting resources, forging the verdict.
The honest submissions must get exactly the scores they get alone.
"""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess

import nbformat
import pytest

from autograder.pipeline.grade import grade
from autograder.pipeline.samples import TAMPER_LINE, answer_sources, fill
from autograder.sandbox import isolation_available
from autograder.sandbox.limits import Limits

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not isolation_available(), reason="bubblewrap is not installed")]
CH = "01_perceptron"
FULL = 9
MARK = "987654321"  # argv of a background process that must not survive grading


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{CH}-{grade_id}")


def _insert(nb, source):
    """The notebook with an extra code cell right after the setup cell."""
    nb = nbformat.from_dict(nb)
    nb.cells.insert(2, nbformat.v4.new_code_cell(source))
    return nb


def _corpus(course, port=1):
    released = nbformat.read(course.released_notebook(CH), as_version=4)
    answers = answer_sources(course, CH)
    full = fill(released, answers)
    half = fill(released, dict(list((g, a) for g, a in answers.items() if g.endswith(("-step", "-mp_neuron")))))
    root, grading = course.root, course.grading
    kinds = {
        "honest_full": full,
        "honest_partial": half,
        "reads_solutions": _insert(full, f"import os\nprint('SEES-SOLUTIONS' if os.path.exists({str(root / 'solutions')!r}) "
                                         f"else 'NO-SOLUTIONS', 'SEES-HOME' if [n for n in os.listdir('/root') if n != '.pyenv'] "
                                         f"else 'NO-HOME')"),
        "rewrites_gradebook": _insert(full, f"import sqlite3\ndb = sqlite3.connect({str(grading / 'gradebook.db')!r})\n"
                                            "db.execute('update grade set auto_score = 100')\ndb.commit()"),
        "writes_elsewhere": _insert(full, "import pathlib\nfor p in [" + ", ".join(repr(str(p)) for p in (
            grading / "submitted" / "honest_full" / CH / f"{CH}.ipynb", root / "nbgrader_config.py",
            root / "autograder" / "__init__.py")) + "]:\n    try:\n        pathlib.Path(p).write_text('owned')\n"
            "        print('WROTE', p)\n    except OSError as e:\n        print('DENIED', type(e).__name__)"),
        "kills_everyone": _insert(full, "import os, signal\nfor pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
                                        "    if pid != os.getpid():\n        try:\n            os.kill(pid, signal.SIGKILL)\n"
                                        "        except OSError:\n            pass\nos.kill(os.getppid(), signal.SIGKILL)"),
        "exits_hard": _insert(full, "import os\nos._exit(1)"),
        "segfaults": _insert(full, "import ctypes\nctypes.string_at(0)"),
        "fork_bomb": _insert(full, "import os, time\nn = 0\nfor _ in range(10_000):\n    try:\n        pid = os.fork()\n"
                                   "    except OSError:\n        print('PROCESS-LIMIT-HIT after', n)\n        break\n"
                                   "    if pid == 0:\n        time.sleep(20)\n        os._exit(0)\n    n += 1"),
        "background": _insert(full, f"import subprocess\nsubprocess.Popen(['sleep', '{MARK}'], start_new_session=True)"),
        "sleeps_forever": _insert(full, "import time\ntime.sleep(10**6)"),
        "swallows_interrupt": _insert(full, "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                                            "    except KeyboardInterrupt:\n        pass"),
        "allocates_20gb": _insert(full, "try:\n    x = bytearray(20 * 2**30)\nexcept MemoryError:\n    print('MEMORY-LIMIT-HIT')"),
        "huge_file": _insert(full, "try:\n    with open('big.bin', 'wb') as f:\n        for _ in range(2048):\n"
                                   "            f.write(b'x' * 2**20)\nexcept OSError as e:\n    print('FILE-LIMIT-HIT', e.errno)"),
        "prints_200mb": _insert(full, "import sys\nfor _ in range(200):\n    sys.stdout.write('y' * 2**20)"),
        # Take the kernel's own output cap off (it lives in the student's process), then print 12 MB.
        "removes_output_cap": _insert(full, "import sys, ipykernel.iostream as io\n"
                                            "io.OutStream.write = next(c.cell_contents for c in io.OutStream.write.__closure__ "
                                            "if getattr(c.cell_contents, '__name__', '') == 'write')\n"
                                            "for _ in range(12):\n    sys.stdout.write('r' * 2**20)\n"
                                            "sys.stdout.flush()\nprint('UNCAPPED')"),
        # Fill every folder it can write to with 1 MB files, the kernel's socket folder included.
        "fills_the_disk": _insert(full, "import json, os\nsockets = os.path.dirname(json.load(open(os.path.expanduser('~/.kernel/connection.json')))['ip'])\n"
                                        "for folder in [os.getcwd(), '/tmp', sockets]:\n    n = 0\n"
                                        "    try:\n        for n in range(1, 1000):\n"
                                        "            with open(os.path.join(folder, f'fill{n}'), 'wb') as f:\n"
                                        "                f.write(b'x' * 2**20)\n    except OSError:\n        n -= 1\n"
                                        "    print('FILLED', 'sockets' if folder == sockets else folder, n)"),
        # Reach the grader's machine over the network (a port that listens on its loopback).
        "uses_the_network": _insert(full, f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), "
                                          "timeout=3)\n    print('NET-OPEN')\nexcept OSError:\n    print('NET-BLOCKED')"),
        # Kernels of one grading job are forked by one warm server: leave something for the next student.
        "plants_for_the_next": _insert(full, "import os, pathlib\nplant = \"print('PLANTED-RAN')\\n"
                                             "import autograder; autograder.check = lambda *a, points=0, **k: points\\n\"\n"
                                             "for folder in [os.path.expanduser('~/.ipython/profile_default/startup'), "
                                             "'/tmp', os.getcwd()]:\n    try:\n        os.makedirs(folder, exist_ok=True)\n"
                                             "        for name in ['00-plant.py', 'sitecustomize.py', 'usercustomize.py']:\n"
                                             "            pathlib.Path(folder, name).write_text(plant)\n"
                                             "    except OSError:\n        pass"),
        # ... or go for the server itself: stop it, read its memory, trace it.
        "attacks_the_server": _insert(full, "import ctypes, os, signal\nos.kill(1, signal.SIGSTOP)\nos.kill(1, signal.SIGTERM)\n"
                                            "for f in ['/proc/1/environ', '/proc/1/maps']:\n    try:\n"
                                            "        open(f, 'rb').read(1)\n        print('SERVER-READ', f)\n"
                                            "    except OSError:\n        print('SERVER-SEALED', f)\n"
                                            "print('PTRACE', ctypes.CDLL(None).ptrace(16, 1, 0, 0))"),
    }
    tamper = nbformat.from_dict(released)
    _cell(tamper, "step").source += TAMPER_LINE
    kinds["rebinds_check"] = tamper
    patched = nbformat.from_dict(released)
    _cell(patched, "step").source += ("\nimport autograder.checking.engine\nfrom autograder.checking.result import CheckResult\n"
                                      "autograder.checking.engine.run_check = lambda spec, f, hidden=False: "
                                      "CheckResult(getattr(spec, 'name', spec), 9, 9, [], hidden)\n")
    kinds["patches_run_check"] = patched
    modules = nbformat.from_dict(released)
    _cell(modules, "step").source += ("\nimport sys, types\nfake = types.ModuleType('autograder')\n"
                                      "fake.check = lambda *a, points=0, **k: points\nsys.modules['autograder'] = fake\n"
                                      "from autograder import check\n")
    kinds["replaces_sys_modules"] = modules
    numpy_patch = fill(released, {f"{CH}-step": "import numpy as np\nimport autograder.checking.compare, autograder.checking.engine\n"
                                               "autograder.checking.engine.compare = lambda *a, **k: None\n"
                                               "np.allclose = lambda *a, **k: True\n"
                                               "def step(z):\n    return np.zeros_like(z)\n"})
    kinds["patches_compare_numpy"] = numpy_patch
    edited = nbformat.from_dict(released)
    _cell(edited, "step_test").source = "print('✓ perceptron.step — 8 checks passed')\n1"
    kinds["edits_test_cell"] = edited
    points = nbformat.from_dict(full)
    _cell(points, "step_test").metadata["nbgrader"]["points"] = 100
    _cell(points, "mp_neuron_test").metadata["nbgrader"]["grade_id"] = f"{CH}-bonus_test"
    kinds["changes_points"] = points
    return kinds


# student -> (score, status prefix, a word the status must contain)
EXPECTED = {
    "honest_full": (FULL, "graded", ""),
    "honest_partial": (2, "graded", ""),
    "reads_solutions": (FULL, "graded", ""),
    "rewrites_gradebook": (FULL, "graded", ""),
    "writes_elsewhere": (FULL, "graded", ""),
    "kills_everyone": (FULL, "graded", ""),
    "fork_bomb": (None, "graded", ""),  # its sleeping children starve its own kernel: any score
    "background": (FULL, "graded", ""),
    "sleeps_forever": (FULL, "graded", ""),
    "allocates_20gb": (FULL, "graded", ""),
    "huge_file": (FULL, "graded", ""),
    "prints_200mb": (None, "", ""),  # see test_printing_200mb_costs_at_most_its_own_grade
    "plants_for_the_next": (FULL, "graded", ""),
    "uses_the_network": (FULL, "graded", ""),
    "removes_output_cap": (FULL, "graded", ""),
    "fills_the_disk": (FULL, "graded", ""),
    "attacks_the_server": (FULL, "graded", ""),
    "exits_hard": (0, "failed", "died"),
    "segfaults": (0, "failed", "died"),
    "swallows_interrupt": (0, "failed", "time limit"),
    "rebinds_check": (0, "flagged", "the re-check gives as 0"),
    "patches_run_check": (0, "flagged", "the re-check gives as 0"),
    "replaces_sys_modules": (0, "flagged", "the re-check gives as 0"),
    "patches_compare_numpy": (None, "flagged", "the re-check gives as"),  # score: see the test below
    "edits_test_cell": (0, "flagged", "test cell edited"),
    "changes_points": (0, "failed", ""),  # nbgrader rejects an unknown grade id: nothing to gain
}


def _digest(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(course_copy, tmp_path_factory):
    course = course_copy
    subs = tmp_path_factory.mktemp("hostile_class")
    listening = socket.socket()  # something on the grader's loopback for "uses_the_network" to find
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    for student, nb in _corpus(course, port=listening.getsockname()[1]).items():
        (subs / student).mkdir()
        nbformat.write(nb, subs / student / f"{CH}.ipynb")
    repo_before = _digest(course.root / "solutions") | _digest(course.root / "course")
    subs_before = _digest(subs)
    with listening:
        results = grade(course, subs, CH, jobs=2, timeout=5, progress=False,
                        limits=Limits(memory_mb=1024, cpu_seconds=60, max_procs=48, file_size_mb=16, output_mb=4))
    return {"course": course, "subs": subs, "results": {r.student: r for r in results},
            "repo_before": repo_before, "subs_before": subs_before}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_expected_outcome(graded, student):
    """Does each honest or hostile submission get its expected score, status and reason?"""
    score, status, reason = EXPECTED[student]
    result = graded["results"][student]
    assert result.status.startswith(status), result.status
    assert reason in result.status
    if score is not None:
        assert result.score == pytest.approx(score)
    assert result.isolation == "bubblewrap"


def test_patched_comparison_gets_only_what_its_stub_earns(graded):
    """Does patching the comparison and numpy give exactly the re-check's score of its zeros step?"""
    import numpy as np

    from autograder.checking.engine import run_check
    from autograder.checking.checks import get_spec

    check = run_check(get_spec("perceptron.step"), lambda z: np.zeros_like(np.asarray(z, dtype=float)), hidden=True)
    assert graded["results"]["patches_compare_numpy"].score == pytest.approx(round(check.passed / check.total, 2))


def test_printing_200mb_costs_at_most_its_own_grade(graded):
    """Is 200 MB of printing contained to that one student (graded or failed, never full of junk)?"""
    result = graded["results"]["prints_200mb"]
    assert result.status.startswith(("graded", "failed"))
    path = graded["course"].grading / "autograded" / "prints_200mb" / CH / f"{CH}.ipynb"
    assert not path.exists() or path.stat().st_size < 2_000_000


def test_disk_use_is_capped(graded):
    """Do 1 MB files stop at the private /tmp's size (4 x file_size_mb = 64 MB), with none in the socket folder?"""
    filled = {line.split()[1]: int(line.split()[2]) for line in _output(graded, "fills_the_disk").splitlines()
              if line.startswith("FILLED")}
    assert filled.keys() == {"/tmp/work", "/tmp", "sockets"}
    assert filled["/tmp/work"] + filled["/tmp"] <= 64
    if os.geteuid() == 0:  # only a root grader can lock the socket folder (see autograder/sandbox/kernel.py)
        assert filled["sockets"] == 0


def test_output_cap_holds_when_the_kernel_s_own_is_removed(graded):
    """With the in-kernel cap taken off, does the grader itself keep at most output_mb (4 MB) of 12 MB?"""
    text = _output(graded, "removes_output_cap")
    assert "characters]" not in text  # the kernel's own cap was really gone
    assert f"[output cut by the grader after {4 * 2**20} bytes]" in text
    assert "UNCAPPED" not in text


def _output(graded, student):
    path = graded["course"].grading / "autograded" / student / CH / f"{CH}.ipynb"
    nb = nbformat.read(path, as_version=4)
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_nothing_of_the_instructor_is_visible(graded):
    """Does student code see neither solutions/ nor the instructor's home?"""
    assert "NO-SOLUTIONS NO-HOME" in _output(graded, "reads_solutions")


def test_nothing_outside_its_folder_is_writable(graded):
    """Are writes to another student's submission, the course and the autograder denied?"""
    text = _output(graded, "writes_elsewhere")
    assert "WROTE" not in text and text.count("DENIED") == 3
    after = _digest(graded["course"].root / "solutions") | _digest(graded["course"].root / "course")
    assert after == graded["repo_before"]
    assert _digest(graded["subs"]) == graded["subs_before"]


def test_nothing_left_behind_reaches_the_next_student(graded):
    """Do files planted for the next kernel of the same warm server (IPython startup, sitecustomize) never run?"""
    others = [s for s in EXPECTED if s != "plants_for_the_next"
              and (graded["course"].grading / "autograded" / s / CH / f"{CH}.ipynb").exists()]
    assert len(others) > 10
    ran = [s for s in others if "PLANTED-RAN" in _output(graded, s)]
    assert ran == []


def test_no_network(graded):
    """Can student code not reach the grader's machine over the network (a listening loopback port)?"""
    assert "NET-BLOCKED" in _output(graded, "uses_the_network")


def test_the_warm_server_cannot_be_stopped_read_or_traced(graded):
    """Is the server that forks the kernels out of a student's reach (no memory read, no ptrace)?"""
    text = _output(graded, "attacks_the_server")
    assert text.count("SERVER-SEALED") == 2 and "SERVER-READ" not in text
    assert "PTRACE -1" in text


def test_limits_bite(graded):
    """Do the process, memory and file-size limits stop a fork bomb, 20 GB and a 2 GB file?"""
    assert "PROCESS-LIMIT-HIT" in _output(graded, "fork_bomb")
    assert "MEMORY-LIMIT-HIT" in _output(graded, "allocates_20gb")
    assert "FILE-LIMIT-HIT" in _output(graded, "huge_file")
    big = graded["course"].grading / "autograded" / "huge_file" / CH / "big.bin"
    assert not big.exists() or big.stat().st_size <= 16 * 2**20


def test_no_background_process_survives(graded):
    """Is a process started in the background gone once grading is over?"""
    found = subprocess.run(["pgrep", "-f", f"sleep {MARK}"], capture_output=True, text=True).stdout
    assert found.strip() == ""


def test_the_gradebook_holds_the_grader_s_scores(graded):
    """Does the gradebook give each honest student exactly the reported score (no rewrite stuck)?"""
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(graded["course"].grading / "gradebook.db")) as gb:
        for student in ("honest_full", "honest_partial", "rewrites_gradebook", "rebinds_check"):
            nb = gb.find_submission_notebook(CH, CH, student)
            assert nb.score == pytest.approx(graded["results"][student].score)
