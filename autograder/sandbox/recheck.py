"""The re-check, inside the sandbox: ``python -m autograder.sandbox.recheck`` (plan on stdin).

Run by the grader in a fresh sandbox after nbgrader has graded a notebook.  It
replays the notebook as nbgrader ran it and judges each test cell where it
stands.  In this order:

1. read the plan: the graded notebook's code cells in nbgrader's order (the
   student's own cells and answers as written; the instructor's setup, locked
   and test cells as nbgrader restored them from the gradebook), which of
   them are test cells and which exercise each one checks;
2. load the checker and build every case and expected value **before** any
   student code runs, and take a snapshot of the checker's modules (and
   NumPy's and the builtins' namespaces);
3. run the cells one after the other, each read the way IPython reads it
   (:mod:`autograder.sandbox.cells`: ``%time``, ``%%capture``, ``!ls``, ...),
   under a time limit, with stdout/stderr sent nowhere; record each cell's
   error, if any;
4. at each test cell, instead of running it: put back anything the student's
   code replaced in the snapshot (and note it), call the exercise's function
   as it is *at that point of the notebook* on every visible and hidden case
   through the engine (time limit, copies of the inputs, references
   blocked), record per case the raw output (:mod:`autograder.sandbox.encode`,
   never pickle) and the engine's own problem with it, if any; put back the
   snapshot again.  A later cell cannot change an earlier verdict, exactly as
   in nbgrader's run;
5. write one result line (``RESULT_TAG`` + JSON) to the real stdout, saved
   aside in step 3, and leave with ``os._exit`` (no student ``atexit``).

The grader decides: it recomputes the expected outputs itself and compares
(:mod:`autograder.sandbox.verdict`).  What only this process can judge
(mutated inputs, warnings, a blocked reference called, gradient checks,
outputs that are objects) is reported as this process's verdict.
"""
from __future__ import annotations

import io
import json
import os
import sys
import types

RESULT_TAG = "NNCOURSE-RECHECK-RESULT "
_WATCHED = ("autograder", "nnlib", "numpy", "builtins", "copy", "math")


def _snapshot() -> dict:
    """name -> (module, copy of its namespace, {class name: copy of its namespace})."""
    snap = {}
    for name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType) or name.split(".")[0] not in _WATCHED:
            continue
        names = dict(vars(module))
        # methods of the checker's own classes (not their state, which checks update)
        classes = {k: {a: f for a, f in vars(v).items() if isinstance(f, (types.FunctionType, classmethod,
                                                                          staticmethod, property))}
                   for k, v in names.items()
                   if isinstance(v, type) and getattr(v, "__module__", "") == name
                   and name.split(".")[0] in ("autograder", "nnlib")}
        codes = {k: v.__code__ for k, v in names.items() if isinstance(v, types.FunctionType)}
        snap[name] = (module, names, classes, codes)
    return snap


def _restore(snap: dict) -> list[str]:
    """Put back whatever was replaced since the snapshot; returns what was (dotted names)."""
    changed = []
    for name, (module, names, classes, codes) in snap.items():
        if sys.modules.get(name) is not module:
            changed.append(f"sys.modules[{name!r}]")
            sys.modules[name] = module
        space = vars(module)
        for key, value in names.items():
            if space.get(key, _MISSING) is not value:
                changed.append(f"{name}.{key}")
                space[key] = value
        for key, code in codes.items():
            if names[key].__code__ is not code:
                changed.append(f"{name}.{key}.__code__")
                names[key].__code__ = code
        for cls_name, attrs in classes.items():
            cls = names[cls_name]
            for key, value in attrs.items():
                if vars(cls).get(key, _MISSING) is not value and key not in ("__dict__", "__weakref__"):
                    changed.append(f"{name}.{cls_name}.{key}")
                    try:
                        setattr(cls, key, value)
                    except (AttributeError, TypeError):
                        pass
    return changed


_MISSING = object()



class _Discard(io.TextIOBase):
    """A text stream that keeps nothing: a cell printing 200 MB costs no memory here."""

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        return len(text)


def _silence() -> int:
    """Send fd 1 and 2 to /dev/null; returns a private copy of the real stdout."""
    sys.stdout.flush()
    real = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    sys.stdout = sys.stderr = _Discard()
    return real


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:300]}"


class _Replay:
    """The notebook's namespace and a way to run one cell in it, as its kernel did."""

    def __init__(self, seconds: float, time_limit, TimeLimitExceeded):
        from autograder.sandbox import cells

        self.namespace: dict = {"__name__": "__main__", "__builtins__": __builtins__}
        self.seconds, self._time_limit, self._timeout = seconds, time_limit, TimeLimitExceeded
        self._transform = cells.transform
        cells.prepare(self.namespace, self._exec)

    def _exec(self, source: str) -> None:
        """Run a (cell or cell-magic body) source in the namespace; exceptions propagate."""
        exec(compile(self._transform(source), "<cell>", "exec"), self.namespace)  # noqa: S102

    def run(self, source: str) -> str | None:
        """Run one cell under the time limit; its error as text, or None."""
        try:
            with self._time_limit(self.seconds):
                self._exec(source)
        except self._timeout:
            return f"ran past {self.seconds:g} s"
        except BaseException as error:  # SystemExit, KeyboardInterrupt: the student's, not ours
            return _error_text(error)
        finally:
            sys.stdout = sys.stderr = _Discard()  # whatever the cell did to them
        return None


def _encoded(encode, output) -> dict:
    """``{"output": ...}`` ready for JSON, or why the output cannot travel (never raises)."""
    try:
        data = encode.encode(output)
        encode.dumps(data)  # what cannot be written must fail here, for this case only
        return {"output": data}
    except encode.Unencodable as why:
        return {"output": None, "unencodable": str(why)[:200], "object": bool(why.is_object)}
    except BaseException as error:  # a student's __array__, __float__ ... raising, or recursion
        return {"output": None, "unencodable": f"reading the output raised {_error_text(error)}", "object": False}


def _check(engine, encode, spec, cases, expected, func) -> dict:
    """Mirror of ``engine.run_check``: per case the engine's problem (or None) and the output."""
    results = []
    for case, want in zip(cases, expected):
        if results and results[-1]["kind"] in ("timeout", "skipped"):
            results.append({"label": case.label, "kind": "skipped", "output": None})
            continue
        names = engine.argument_names(case, func, spec.reference)
        outcome = engine.call(func, case, names, spec.time_limit, spec.blocked)
        diagnosis = engine.diagnose(spec, case, want, outcome)
        entry = {"label": case.label, "kind": diagnosis.kind if diagnosis else None, "output": None}
        if outcome.error is not None:
            entry["error"] = _error_text(outcome.error)
        elif not outcome.timed_out:
            entry.update(_encoded(encode, outcome.output))
        results.append(entry)
    gave_up = bool(results) and results[-1]["kind"] in ("timeout", "skipped")
    gradient = None
    if spec.gradient:
        items = [what for what, _ in engine._quietly(spec.gradient, spec.reference)]
        failed = engine._gradient_failures(spec, func, items, gave_up)
        gradient = {"total": len(items), "failed": len(failed)}
    return {"cases": results, "gradient": gradient}


def main() -> None:
    """As a program: the plan on stdin, the result line on stdout."""
    run(json.loads(sys.stdin.read()))


def run(plan: dict) -> None:
    """Run the plan (steps 2-6 above); writes the result line to fd 1 and ends the process.

    ``plan``: ``cells`` (each ``{"source": str, "test": grade id or None}``),
    ``cell_seconds``, ``exercises`` (each ``{grade_id, check, function,
    points}``) and, at grading time, ``secret`` (the course's hidden-case
    secret, so the cases are the ones the notebook's own run drew).
    """
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # widgets and checks behave as in nbgrader's run
    if plan.get("secret"):
        os.environ["NNCOURSE_CASE_SECRET"] = str(plan["secret"])
    import autograder
    from autograder.checking import engine
    from autograder.checking.checks import get_spec
    from autograder.checking.isolation import TimeLimitExceeded, time_limit
    from autograder.sandbox import encode

    work = {}
    for ex in plan["exercises"]:
        spec = get_spec(ex["check"])
        cases = list(spec.visible_cases()) + list(spec.hidden_cases())
        expected = [None if spec.judge else engine._reference_output(spec, c) for c in cases]
        work[ex["grade_id"]] = (ex, spec, cases, expected)
    snap = _snapshot()
    real_stdout = _silence()

    replay = _Replay(float(plan["cell_seconds"]), time_limit, TimeLimitExceeded)
    cell_errors, tampered, exercises = [], [], {}
    for index, cell in enumerate(plan["cells"]):
        grade_id = cell.get("test")
        if grade_id is None:
            cell_errors.append(replay.run(cell["source"]))
            continue
        cell_errors.append(None)
        if grade_id not in work or grade_id in exercises:
            continue
        tampered += _restore(snap)
        ex, spec, cases, expected = work[grade_id]
        entry: dict = {"cell": index}
        if replay.namespace.get("check") is not autograder.check:
            entry["check_rebound"] = True  # the test cells' `check` is not the checker's
        func = replay.namespace.get(ex["function"])
        if func is None:
            entry["error"] = f"NameError: name {ex['function']!r} is not defined when its test cell runs"
        else:
            try:
                entry.update(_check(engine, encode, spec, cases, expected, func))
            except BaseException as error:  # the engine never raises; a student's trick might
                entry["error"] = _error_text(error)
        during = _restore(snap)
        if during:
            entry["tampered"] = during[:10]
            tampered += during
        exercises[grade_id] = entry
    for grade_id in work:
        exercises.setdefault(grade_id, {"error": "its test cell is not in the graded notebook"})
    result = {"cell_errors": cell_errors, "tampered": list(dict.fromkeys(tampered))[:20], "exercises": exercises}
    try:
        text = encode.dumps(result)
    except BaseException as error:  # every output was checked above; this is the last line of defence
        text = encode.dumps({"cell_errors": [None] * len(cell_errors), "tampered": [], "exercises": {},
                             "broken": f"the re-check's result could not be written: {_error_text(error)}"})
    write_result_and_exit(real_stdout, text)


def write_result_and_exit(real_stdout: int, text: str, tag: str = RESULT_TAG) -> None:
    """Write the one result line (``tag`` + JSON) to the real stdout, whole, and end the process at once."""
    data = (tag + text + "\n").encode()
    while data:
        data = data[os.write(real_stdout, data):]
    os._exit(0)


if __name__ == "__main__":
    main()
