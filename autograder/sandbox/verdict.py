"""The grader's side of the re-check: plan it, run it sandboxed, judge its outputs.

For one graded submission:

1. :func:`plan` takes the cells to replay from the notebook *nbgrader graded*
   (``grading/autograded/<student>/<chapter>``): every code cell in nbgrader's
   order, the student's own cells included, with the sources nbgrader ran —
   the instructor's setup, locked and test cells as nbgrader restored them
   from the gradebook, the student's answers and extra cells as written.  It
   reads from the instructor's source notebook which function each test cell
   checks and for how many points (the hidden call
   ``check("perceptron.step", step, hidden=True, points=1)``).
   :func:`notebook_flags` compares the submitted notebook's test cells, setup
   cell, answer cells and grade metadata with the released ones: evidence of
   tampering, if any.
2. :func:`run_recheck` runs :mod:`autograder.sandbox.recheck` in a fresh
   sandbox (same limits as the kernel) and reads its one result line.
3. :func:`judge` recomputes every expected output here, in the grader's
   process, with the nnlib references, and compares it with the output the
   student's function returned (``compare`` or the check's ``judge``, as the
   engine does).  A case passes when the sandbox saw no problem with the call
   *and* the output matches here.  Each exercise scores as the engine scores
   it.  :func:`divergences` lists the cells that failed in the re-check but
   not in nbgrader's run: where they exist, the re-check did not reproduce the
   notebook, and its disagreement is a question for the instructor, not
   evidence against the student.
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from autograder.checking import scoring
from autograder.checking.checks import get_spec
from autograder.checking.compare import compare
from autograder.sandbox.encode import decode
from autograder.sandbox.limits import Limits
from autograder.sandbox.recheck import RESULT_TAG


@dataclass(frozen=True)
class Exercise:
    grade_id: str  # the test cell's grade id, e.g. "01_perceptron-step_test"
    check: str  # "perceptron.step"
    function: str  # "step": the name the answer cells define
    points: float


@dataclass
class ExerciseVerdict:
    """The re-check's verdict on one test cell."""

    score: float = 0.0
    passed: int = 0
    total: int = 0
    reached: bool = True  # False: the re-check could not judge it (it crashed, timed out, ...)
    cause: str = ""  # why not reached, or the first failure, in the student's terms
    failures: list = field(default_factory=list)  # (case label, why) of the failing cases
    sandbox_only: bool = False  # partly judged inside the sandbox (mutation, warnings, objects, gradients)
    evidence: list = field(default_factory=list)  # tampering seen while judging it
    cell: int | None = None  # index of its test cell among the replayed cells


@dataclass
class Recheck:
    """What the re-check concluded for one submission."""

    exercises: dict = field(default_factory=dict)  # test cell grade id -> ExerciseVerdict
    failure: str = ""  # why the re-check gave no result at all ("" when it did)
    evidence: list = field(default_factory=list)  # tampering seen in the notebook as a whole

    @property
    def scores(self) -> dict:
        """grade id -> points the re-check gives."""
        return {gid: v.score for gid, v in self.exercises.items()}

    @property
    def sandbox_only(self) -> list:
        """Grade ids partly judged inside the sandbox."""
        return [gid for gid, v in self.exercises.items() if v.sandbox_only]


# ------------------------------------------------------------------ 1. the plan


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def exercises(source: nbformat.NotebookNode) -> list[Exercise]:
    """Each graded code cell of the source notebook and its hidden ``check(...)`` call."""
    found = []
    for cell in source.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check" and len(node.args) >= 2
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[1], ast.Name)
                    and any(k.arg == "hidden" for k in node.keywords)):
                found.append(Exercise(meta["grade_id"], node.args[0].value, node.args[1].id,
                                      float(meta.get("points", 0))))
                break
    return found


def replayed_cells(graded: nbformat.NotebookNode) -> list[dict]:
    """The code cells nbgrader ran, in its order: ``{"source", "test"}`` (test: the grade id or None).

    nbgrader keeps one cell per grade id (the last copy; earlier copies lose
    their metadata and run as ordinary cells) and restores the instructor's
    locked and test cells from the gradebook, so the graded notebook already
    holds exactly what ran.
    """
    return [{"source": cell.source, "test": _meta(cell).get("grade_id") if _meta(cell).get("grade") else None}
            for cell in graded.cells if cell.cell_type == "code"]


def plan(source, graded, cell_seconds: float, secret: str | None = None) -> dict:
    """The re-check's input: cells to replay (see :func:`replayed_cells`) and the exercises."""
    the_plan = {"cells": replayed_cells(graded), "cell_seconds": cell_seconds,
                "exercises": [vars(e) for e in exercises(source)]}
    if secret:
        the_plan["secret"] = secret
    return the_plan


def run_seconds(graded) -> float:
    """How long nbgrader's kernel spent running the notebook's cells (from nbclient's timing metadata)."""
    total = 0.0
    for cell in graded.cells:
        timing = cell.metadata.get("execution", {})
        try:
            start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
        except (KeyError, TypeError, ValueError):
            continue
        total += max(0.0, (end - start).total_seconds())
    return total


def notebook_flags(released, submitted) -> list[str]:
    """What the student changed that they should not have: test cells, the setup cell, grade metadata.

    A missing answer cell is not on the list: writing the function in a cell
    of one's own is an honest habit, and the replay runs that cell too.
    """
    flags = []
    mine = {}
    for cell in submitted.cells:
        meta = _meta(cell)
        if meta.get("grade_id"):
            mine.setdefault(meta["grade_id"], []).append(cell)
    ours = {_meta(c)["grade_id"]: c for c in released.cells if _meta(c).get("grade_id")}
    for grade_id, cell in ours.items():
        meta = _meta(cell)
        theirs = mine.get(grade_id, [])
        if meta.get("grade") and cell.cell_type == "code":
            if not theirs:
                flags.append(f"{grade_id}: test cell deleted")
            elif any(t.source.strip() != cell.source.strip() for t in theirs):
                flags.append(f"{grade_id}: test cell edited")
            if any(float(_meta(t).get("points", 0)) != float(meta.get("points", 0)) or not _meta(t).get("grade")
                   for t in theirs):
                flags.append(f"{grade_id}: grade metadata (points) changed")
        elif meta.get("locked") and grade_id.endswith("setup") and (
                not theirs or any(t.source.strip() != cell.source.strip() for t in theirs)):
            flags.append(f"{grade_id}: setup cell changed")
    unknown = sorted(g for g, cells in mine.items() if g not in ours and any(_meta(c).get("grade") for c in cells))
    if unknown:
        flags.append("unknown grade ids in the notebook: " + ", ".join(unknown))
    return flags


# ------------------------------------------------------------------ 2. running it


def run_recheck(the_plan: dict, limits: Limits, wall_seconds: float, sandbox: bool) -> tuple[dict | None, str]:
    """Run the re-check sandboxed; returns (its result or None, why there is none)."""
    return run_sandboxed("autograder.sandbox.recheck", RESULT_TAG, the_plan, limits, wall_seconds, sandbox)


def run_sandboxed(module: str, tag: str, the_plan: dict, limits: Limits, wall_seconds: float, sandbox: bool,
                  ro_binds=(), most_bytes: int | None = None, what: str = "the re-check") -> tuple[dict | None, str]:
    """``python -m module`` in a fresh sandbox, the plan on stdin; (its ``tag`` line's JSON or None, why not).

    ``ro_binds``: (source, destination) files bound over the sandbox's own
    (:func:`autograder.sandbox.bwrap.command`); ``most_bytes``: how much of
    its output is read (default ``limits.output_mb``).
    """
    workdir = Path(tempfile.mkdtemp(prefix="nncourse-recheck-"))
    binds = [arg for source, destination in ro_binds for arg in ("--ro-bind", str(source), str(destination))]
    cmd = [sys.executable, "-m", "autograder.sandbox.run", limits.to_json(), str(workdir),
           *([] if sandbox else ["--no-sandbox"]), *binds, "--", sys.executable, "-m", module]
    try:
        with tempfile.TemporaryFile() as out:
            try:
                proc = subprocess.run(cmd, check=False, input=json.dumps(the_plan).encode(), stdout=out,
                                      stderr=subprocess.DEVNULL, timeout=wall_seconds)
            except subprocess.TimeoutExpired:
                return None, f"{what} ran past {wall_seconds:g} s"
            out.seek(0)
            text = out.read(most_bytes or limits.output_mb * 1024 * 1024).decode("utf-8", "replace")
        lines = [line for line in text.splitlines() if line.startswith(tag)]
        if not lines:
            return None, f"{what} ended without a result" + _exit_reason(proc.returncode)
        try:
            return json.loads(lines[-1][len(tag):]), ""
        except (ValueError, RecursionError):
            return None, f"{what}'s result was malformed"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _exit_reason(code) -> str:
    """Why a process ended, in words: `` (it ran out of CPU time)`` and the like."""
    if not isinstance(code, int) or code == 0:
        return ""
    named = {-9: "it was killed, most likely for using more memory than the limit",
             -24: "it used up its CPU time", -11: "it crashed (segmentation fault)", -6: "it aborted"}
    return f" ({named.get(code, f'exit code {code}')})"


# ------------------------------------------------------------------ 3. judging


def judge(the_plan: dict, result: dict | None, failure: str) -> Recheck:
    """Per test cell, the score computed here from the raw outputs, and what could not be judged."""
    from autograder.checking import engine

    verdict = Recheck(failure=failure if result is None else str(result.get("broken", "")))
    if result is not None and result.get("tampered"):
        verdict.evidence.append("the checker's own code was replaced while the notebook ran: "
                                + ", ".join(map(str, result["tampered"][:5])))
    for ex in (Exercise(**e) for e in the_plan["exercises"]):
        spec = get_spec(ex.check)
        cases = list(spec.visible_cases()) + list(spec.hidden_cases())
        gradient_total = len(engine._quietly(spec.gradient, spec.reference)) if spec.gradient else 0
        verdict.exercises[ex.grade_id] = _judge_exercise(
            ex, spec, cases, gradient_total, (result or {}).get("exercises", {}).get(ex.grade_id), verdict.failure)
    return verdict


def _judge_exercise(ex: Exercise, spec, cases, gradient_total: int, report, failure: str) -> ExerciseVerdict:
    total = len(cases) + gradient_total
    out = ExerciseVerdict(total=total)
    if not isinstance(report, dict):
        out.reached, out.cause = False, failure or "the re-check did not reach this test cell"
        return out
    out.cell = report.get("cell") if isinstance(report.get("cell"), int) else None
    if report.get("check_rebound"):
        out.evidence.append("a cell of the notebook rebinds `check`, the function the test cells call")
    if report.get("tampered"):
        out.evidence.append(f"{ex.function} replaced parts of the checker while it was checked: "
                            + ", ".join(map(str, report["tampered"][:3])))
        out.failures.append(("", "it changed the checker while it ran"))
        return out  # nothing judged inside can be trusted
    if isinstance(report.get("error"), str):
        out.reached = False
        out.cause = report["error"][:300]
        return out
    entries = report.get("cases") if isinstance(report.get("cases"), list) else []
    verdicts = []
    for case, entry in zip(cases, entries):
        ok, inside, why = _case_passes(spec, case, entry)
        verdicts.append(ok)
        out.sandbox_only |= inside
        if not ok:
            out.failures.append((case.label, why))
    out.passed = sum(verdicts)
    if len(entries) < len(cases):
        out.failures.append(("", "the re-check did not run every case"))
    if entries and gradient_total:
        grad = report.get("gradient") or {}
        failed = grad.get("failed") if isinstance(grad.get("failed"), int) else gradient_total
        out.passed += max(0, gradient_total - max(0, failed))
        out.sandbox_only = True
        if failed:
            out.failures.append(("gradient check", f"{failed} of {gradient_total} gradient checks failed"))
    kinds = [e.get("kind") for e in entries if isinstance(e, dict)]
    if "timeout" in kinds:
        out.reached, out.cause = False, f"{ex.function} ran past its time limit in the re-check"
    # The engine's own rule, essential cases included (a case never reported counts as failed).
    out.score = scoring.exercise_score(ex.points, out.passed, total, scoring.any_essential_failed(cases, verdicts),
                                       spec.essential_cap)
    return out


# The engine's name of a failure seen inside the sandbox, in the words the feedback page shows.
_SANDBOX_KINDS = {"timeout": "ran past its time limit", "mutation": "changed its input in place",
                  "warning": "caused a RuntimeWarning", "reference": "called the nnlib function it should re-implement",
                  "skipped": "skipped after a time-out", "not-implemented": "not implemented yet",
                  "type": "returned the wrong type", "shape": "returned the wrong shape",
                  "dtype": "returned the wrong dtype", "nan": "returned NaN", "value": "returned wrong values",
                  "alias": "returned an input array (or a view of it), not a new array",
                  "judge": "did not do what the exercise asks"}


def _case_passes(spec, case, entry) -> tuple[bool, bool, str]:
    """(passed, judged inside the sandbox only, why not) for one case's entry."""
    if not isinstance(entry, dict) or entry.get("label") != case.label:
        return False, False, "the re-check's record of this case is missing"
    if entry.get("kind") is not None:  # the sandbox saw it fail: a student can only lose points this way
        why = _SANDBOX_KINDS.get(entry["kind"], entry["kind"])
        if entry["kind"] == "exception":
            why = f"raised {entry.get('error', 'an exception')}"
        elif entry.get("unencodable"):  # what it returned, since it could not be sent back to show
            why += f" ({entry['unencodable']})"
        return False, False, why
    if entry.get("unencodable"):
        if entry.get("object") and spec.judge is not None:
            return True, True, ""  # an object the check judges itself (Value): only the sandbox could look
        return False, False, f"its output could not be read back: {entry['unencodable']}"
    try:
        output = decode(entry.get("output"))
    except (ValueError, TypeError, KeyError, RecursionError):
        return False, False, "its output could not be read back"
    if spec.judge is not None:
        why = spec.judge(case, output)
        return why is None, False, (why or "")[:200]
    from autograder.checking.engine import _reference_output

    mismatch = compare(_reference_output(spec, case), output, spec.rtol, spec.check_dtype,
                       part_names=spec.output_names)
    return mismatch is None, False, "" if mismatch is None else f"{mismatch.kind}: {mismatch.detail}"[:200]


# ------------------------------------------------------------------ 4. did the re-check reproduce the notebook?


def divergences(graded: nbformat.NotebookNode, result: dict | None) -> list[tuple[int, str]]:
    """(replayed cell index, its error) for cells that failed in the re-check but not in nbgrader's run."""
    errors = (result or {}).get("cell_errors")
    if not isinstance(errors, list):
        return []
    cells = [c for c in graded.cells if c.cell_type == "code"]
    found = []
    for index, (cell, error) in enumerate(zip(cells, errors)):
        if isinstance(error, str) and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            found.append((index, error))
    return found


def cell_name(graded: nbformat.NotebookNode, code_index: int) -> str:
    """A code cell as a student would name it: "your answer to step", "your own cell under 'Exercise 2 …'"."""
    heading, seen = "", -1
    for cell in graded.cells:
        if cell.cell_type == "markdown":
            lines = [ln.lstrip("#").strip() for ln in cell.source.splitlines() if ln.startswith("#")]
            heading = lines[0] if lines else heading
            continue
        if cell.cell_type != "code":
            continue
        seen += 1
        if seen != code_index:
            continue
        meta = _meta(cell)
        exercise = str(meta.get("grade_id", "")).split("-", 1)[-1]
        if meta.get("solution"):
            return f"your answer to {exercise}"
        if meta.get("locked") or meta.get("grade"):
            return f"the course's cell {exercise!r}" if exercise else "a cell of the course"
        return f"your own cell under '{heading}'" if heading else "your own cell at the top"
    return f"cell {code_index}"
