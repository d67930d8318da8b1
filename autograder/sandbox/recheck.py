"""The re-check, inside the sandbox: ``python -m autograder.sandbox.recheck`` (plan on stdin).

Run by the grader in a fresh sandbox after nbgrader has graded a notebook.
In this order:

1. read the plan (cells to run, exercises to check) from stdin;
2. load the checker and build every case and expected value **before** any
   student code runs, and take a snapshot of the checker's modules (and
   NumPy's and the builtins' namespaces);
3. run the cells (the released setup cell, the student's answer cells), each
   under a time limit, with stdout/stderr sent nowhere;
4. put back anything the student's code replaced in the snapshot, and note it;
5. call each exercise's function on every visible and hidden case through the
   engine (time limit, copies of the inputs, references blocked) and record,
   per case, the raw output (:mod:`autograder.sandbox.encode`, never pickle)
   and the engine's own problem with it, if any;
6. write one result line (``RESULT_TAG`` + JSON) to the real stdout, saved
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


def _silence() -> int:
    """Send fd 1 and 2 to /dev/null; returns a private copy of the real stdout."""
    sys.stdout.flush()
    real = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    sys.stdout = sys.stderr = io.StringIO()
    return real


def _run_cells(cells: list, seconds: float, time_limit, TimeLimitExceeded) -> tuple[dict, list]:
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    errors = []
    for index, source in enumerate(cells):
        try:
            code = compile(source, f"<cell {index}>", "exec")
            with time_limit(seconds):
                exec(code, namespace)
        except TimeLimitExceeded:
            errors.append(f"cell {index}: ran past {seconds:g} s")
        except BaseException as error:  # SystemExit, KeyboardInterrupt: the student's, not ours
            errors.append(f"cell {index}: {type(error).__name__}: {str(error)[:200]}")
        sys.stdout = sys.stderr = io.StringIO()  # whatever the cell did to them
    return namespace, errors


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
        if outcome.error is None and not outcome.timed_out:
            try:
                entry["output"] = encode.encode(outcome.output)
            except (encode.Unencodable, RecursionError, ValueError):
                entry["output"] = None
                entry["unencodable"] = True
        results.append(entry)
    gave_up = bool(results) and results[-1]["kind"] in ("timeout", "skipped")
    gradient = []
    if spec.gradient:
        items = [what for what, _ in engine._quietly(spec.gradient, spec.reference)]
        gradient = [f.kind for f in engine._gradient_failures(spec, func, items, gave_up)]
        gradient = {"total": len(items), "failed": len(gradient)}
    return {"cases": results, "gradient": gradient or None}


def main() -> None:
    """As a program: the plan on stdin, the result line on stdout."""
    run(json.loads(sys.stdin.read()))


def run(plan: dict) -> None:
    """Run the plan (steps 2-6 above); writes the result line to fd 1 and ends the process."""
    from autograder.checking import engine
    from autograder.checking.isolation import TimeLimitExceeded, time_limit
    from autograder.sandbox import encode
    from autograder.checking.checks import get_spec

    work = {}
    for ex in plan["exercises"]:
        spec = get_spec(ex["check"])
        cases = list(spec.visible_cases()) + list(spec.hidden_cases())
        expected = [None if spec.judge else engine._reference_output(spec, c) for c in cases]
        work[ex["grade_id"]] = (ex, spec, cases, expected)
    snap = _snapshot()
    real_stdout = _silence()

    namespace, cell_errors = _run_cells(plan["cells"], float(plan["cell_seconds"]), time_limit, TimeLimitExceeded)
    tampered = _restore(snap)
    exercises = {}
    for grade_id, (ex, spec, cases, expected) in work.items():
        func = namespace.get(ex["function"])
        if func is None:
            exercises[grade_id] = {"error": f"{ex['function']} is not defined by the answer cells"}
            continue
        try:
            exercises[grade_id] = _check(engine, encode, spec, cases, expected, func)
        except BaseException as error:  # the engine never raises; a student's trick might
            exercises[grade_id] = {"error": f"{type(error).__name__}: {str(error)[:200]}"}
        during = _restore(snap)
        if during:
            exercises[grade_id]["tampered"] = during[:10]
            tampered += during
    result = {"cell_errors": cell_errors, "tampered": list(dict.fromkeys(tampered))[:20], "exercises": exercises}
    data = (RESULT_TAG + encode.dumps(result) + "\n").encode()
    while data:
        data = data[os.write(real_stdout, data):]
    os._exit(0)


if __name__ == "__main__":
    main()
