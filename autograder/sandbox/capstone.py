"""The capstone run, inside the sandbox: ``python -m autograder.sandbox.capstone`` (plan on stdin).

Run by the grader (:mod:`autograder.pipeline.capstone`) in a fresh sandbox
after nbgrader has graded a chapter 08 notebook.  It trains the student's
network on the course's training rows and sends back a *description* of it;
the held-out rows never enter this process.  In this order:

1. read the plan: the graded notebook's code cells up to the capstone's test
   cell (as the re-check plans them, :func:`autograder.sandbox.verdict.replayed_cells`),
   the capstone's grade id, the cell and capstone time limits, the training
   rows ``X`` (N, 64) and ``y`` (N,) in the wire format of
   :mod:`autograder.sandbox.encode`, and the course secret;
2. take the re-check's snapshot of the checker's modules, send stdout and
   stderr nowhere, and replay the cells as the re-check does (each under the
   cell time limit; test cells are not run);
3. put back whatever the cells replaced in the checker or nnlib, then call
   ``train(build_model(rng), X, y, rng)`` through
   :func:`autograder.checking.capstone.train_capstone`: the capstone's time
   limit, the data loaders blocked, and an audit hook
   (:func:`sys.addaudithook`, which no later code can remove) recording every
   file the two calls open outside the Python installation, ``/tmp`` and the
   working folder, and every process they start;
4. write one result line (``RESULT_TAG`` + JSON) to the real stdout and leave
   with ``os._exit``: the cells' errors, the seconds, the problem (if any),
   the audit log and :func:`autograder.checking.capstone.describe` of the
   trained network, arrays through :func:`autograder.sandbox.encode.encode`.

The sandbox's ``nnlib/data_files/digits.csv.gz`` is the training rows only
(the grader binds that file over it), so even what the audit cannot see (a
child process) finds no held-out digit to read.
"""
from __future__ import annotations

import json
import os
import sys

RESULT_TAG = "NNCOURSE-CAPSTONE-RESULT "
MAX_LOGGED = 20  # distinct paths and programs kept in the audit log
# Process starts: what another program reads is not audited here.
_PROCESS_EVENTS = ("os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                   "subprocess.Popen", "os.startfile")


class Audit:
    """What the student's code opened and started while ``active`` (an audit hook's log)."""

    def __init__(self, allowed: list[str], public_code: list[str]):
        self.allowed = tuple(allowed)  # folders whose files anyone may open
        self.public_code = tuple(public_code)  # folders whose .py files may be read (tracebacks, lazy imports)
        self.active = False
        self.opened: list[str] = []
        self.started: list[str] = []

    def hook(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        if event == "open":
            self._open(args[0] if args else None)
        elif event.startswith(_PROCESS_EVENTS) and len(self.started) < MAX_LOGGED:
            self.started.append(event)

    def _open(self, path) -> None:
        if isinstance(path, int) or path is None:
            return  # an already open file descriptor
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        if real.startswith(self.public_code):
            # The course's own folders come first: a clone under /tmp or the working directory must not make
            # nnlib/data_files/digits.csv.gz an allowed file.  Only their code may be read.
            if real.endswith((".py", ".pyc")):
                return
        elif real.startswith(self.allowed) or real in ("/dev/null", "/dev/urandom"):
            return
        if real not in self.opened and len(self.opened) < MAX_LOGGED:
            self.opened.append(real)


def _folders(*paths: str) -> list[str]:
    return [os.path.join(os.path.realpath(p), "") for p in paths if p]


def main() -> None:
    """As a program: the plan on stdin, the result line on stdout."""
    run(json.loads(sys.stdin.read()))


def run(plan: dict) -> None:
    """Run the plan (steps 1-4 above); writes the result line to fd 1 and ends the process."""
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # widgets quiet, as in nbgrader's run
    if plan.get("secret"):
        os.environ["NNCOURSE_CASE_SECRET"] = str(plan["secret"])
    import numpy as np

    from autograder.checking import capstone
    from autograder.checking.isolation import TimeLimitExceeded, time_limit
    from autograder.sandbox import encode, recheck
    from autograder.sandbox.bwrap import package_dirs, python_dirs

    for name in ("data", "layers", "network", "training", "optimizers", "schedules", "regularization",
                 "losses", "metrics", "functional", "init", "tuning", "lr_range"):
        __import__(f"nnlib.{name}")  # nothing of nnlib is read from disk while train runs
    X = np.asarray(encode.decode(plan["X"]), dtype=np.float64)
    y = np.asarray(encode.decode(plan["y"]), dtype=np.int64)

    audit = Audit(_folders(*python_dirs(), "/tmp", os.getcwd()), _folders(*package_dirs()))
    sys.addaudithook(audit.hook)
    snap = recheck._snapshot()
    real_stdout = recheck._silence()

    replay = recheck._Replay(float(plan["cell_seconds"]), time_limit, TimeLimitExceeded)
    cell_errors = [None if cell.get("test") else replay.run(cell["source"]) for cell in plan["cells"]]
    tampered = recheck._restore(snap)
    result = {"cell_errors": cell_errors, "tampered": tampered[:10]}
    build_model, train = replay.namespace.get("build_model"), replay.namespace.get("train")
    missing = [name for name, f in (("build_model", build_model), ("train", train)) if f is None]
    if missing:
        result["missing"] = f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not defined"
    else:
        audit.active = True
        try:
            done = capstone.train_capstone(build_model, train, X, y, seconds=float(plan["seconds"]))
        finally:
            audit.active = False
        during = recheck._restore(snap)
        result.update({"seconds": done.seconds, "problem": done.problem, "kind": done.kind,
                       "opened": audit.opened, "started": audit.started, "tampered": (tampered + during)[:10]})
        if done.model is not None:
            result.update(_described(capstone, encode, done.model))
    _write(encode, real_stdout, result)


def _described(capstone, encode, model) -> dict:
    """``{"description": ...}`` ready for JSON, or why the network cannot leave the sandbox (never raises)."""
    try:
        data = encode.encode(capstone.describe(model))
        return {"description": data}
    except capstone.ModelError as why:
        return {"undescribed": str(why)[:300]}
    except encode.Unencodable as why:
        return {"undescribed": f"the network holds {str(why)[:200]}"}
    except BaseException as error:  # noqa: BLE001 - a student's trick inside a layer's attributes
        return {"undescribed": f"describing the network raised {type(error).__name__}: {str(error)[:200]}"}


def _write(encode, real_stdout: int, result: dict) -> None:
    try:
        text = encode.dumps(result)
    except BaseException as error:  # noqa: BLE001 - everything above was checked; the last line of defence
        text = encode.dumps({"broken": f"the capstone run's result could not be written: "
                                       f"{type(error).__name__}: {str(error)[:200]}"})
    from autograder.sandbox.recheck import write_result_and_exit

    write_result_and_exit(real_stdout, text, RESULT_TAG)


if __name__ == "__main__":
    main()
