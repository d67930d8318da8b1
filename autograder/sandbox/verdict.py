"""The grader's side of the re-check: plan it, run it sandboxed, judge its outputs, compare.

For one graded submission:

1. :func:`plan` reads, from the instructor's notebooks, which function each
   test cell checks and for how many points (the source notebook's hidden
   call ``check("perceptron.step", step, hidden=True, points=1)``), and takes
   the cells to run: the *released* setup cell and the *submitted* answer
   cells.  :func:`notebook_flags` compares the submitted notebook's test
   cells, setup cell, answer cells and grade metadata with the released ones.
2. :func:`run_recheck` runs :mod:`autograder.sandbox.recheck` in a fresh
   sandbox (same limits as the kernel) and reads its one result line.
3. :func:`judge` recomputes every expected output here, in the grader's
   process, with the nnlib references, and compares it with the output the
   student's function returned (``compare`` or the check's ``judge``, as the
   engine does).  A case passes when the sandbox saw no problem with the call
   *and* the output matches here.  Each exercise scores
   ``round(points * passed / total, 2)``, as the engine computes it.
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.checking.compare import compare
from autograder.sandbox.encode import decode
from autograder.sandbox.limits import Limits
from autograder.sandbox.recheck import RESULT_TAG
from autograder.checking.checks import get_spec


@dataclass(frozen=True)
class Exercise:
    grade_id: str  # the test cell's grade id, e.g. "01_perceptron-step_test"
    check: str  # "perceptron.step"
    function: str  # "step": the name the answer cells define
    points: float


@dataclass
class Recheck:
    """What the re-check concluded for one submission."""

    scores: dict = field(default_factory=dict)  # test cell grade id -> points
    sandbox_only: list = field(default_factory=list)  # grade ids partly judged inside the sandbox
    flags: list = field(default_factory=list)  # reasons to show the instructor


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


def run_order(released: nbformat.NotebookNode, submitted: nbformat.NotebookNode) -> list[str]:
    """Sources to run, in the released notebook's order.

    The instructor's locked cells (setup, and cells later answers rely on,
    such as a table of activation functions) come from the *released*
    notebook, so a student cannot change them; each answer cell comes from the
    submission.  Test cells, and any cell the student added, are not run.
    """
    answers: dict = {}
    for cell in submitted.cells:
        meta = _meta(cell)
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            answers.setdefault(meta.get("grade_id"), []).append(cell.source)
    used = set().union(*(_names(src, ast.Load) for group in answers.values() for src in group))
    sources = []
    for cell in released.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or meta.get("grade"):
            continue
        if meta.get("solution"):
            sources += answers.get(meta.get("grade_id"), [])
        elif meta.get("locked") and (str(meta.get("grade_id", "")).endswith("setup")
                                     or _names(cell.source, ast.Store) & used):
            sources.append(cell.source)  # a cell the answers rely on (widget cells are skipped: speed)
    return sources


def _names(source: str, ctx) -> set:
    """Names a cell loads (``ctx=ast.Load``) or binds (``ast.Store``: assignments, imports, defs)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}
    if ctx is ast.Store:
        for n in ast.walk(tree):
            if isinstance(n, (ast.Import, ast.ImportFrom)):
                names |= {(a.asname or a.name).split(".")[0] for a in n.names}
            elif isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                names.add(n.name)
    return names


def plan(source, released, submitted, cell_seconds: float) -> dict:
    """The re-check's input: cells to run (see :func:`run_order`) and the exercises."""
    return {"cells": run_order(released, submitted), "cell_seconds": cell_seconds,
            "exercises": [vars(e) for e in exercises(source)]}


def notebook_flags(released, submitted) -> list[str]:
    """What the student changed that they should not have: test cells, setup, answers, grade metadata."""
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
        elif meta.get("locked") and grade_id.endswith("setup"):
            if not theirs or any(t.source.strip() != cell.source.strip() for t in theirs):
                flags.append(f"{grade_id}: setup cell changed")
        elif meta.get("solution") and not theirs:
            flags.append(f"{grade_id}: answer cell missing")
    unknown = sorted(g for g, cells in mine.items() if g not in ours and any(_meta(c).get("grade") for c in cells))
    if unknown:
        flags.append("unknown grade ids in the notebook: " + ", ".join(unknown))
    return flags


# ------------------------------------------------------------------ 2. running it


def run_recheck(the_plan: dict, limits: Limits, wall_seconds: float, sandbox: bool) -> tuple[dict | None, str]:
    """Run the re-check sandboxed; returns (its result or None, why there is none)."""
    workdir = Path(tempfile.mkdtemp(prefix="nncourse-recheck-"))
    cmd = [sys.executable, "-m", "autograder.sandbox.run", limits.to_json(), str(workdir),
           *([] if sandbox else ["--no-sandbox"]), "--", sys.executable, "-m", "autograder.sandbox.recheck"]
    try:
        with tempfile.TemporaryFile() as out:
            try:
                proc = subprocess.run(cmd, input=json.dumps(the_plan).encode(), stdout=out,
                                      stderr=subprocess.DEVNULL, timeout=wall_seconds)
            except subprocess.TimeoutExpired:
                return None, f"the re-check ran past {wall_seconds:g} s"
            out.seek(0)
            text = out.read(limits.output_mb * 1024 * 1024).decode("utf-8", "replace")
        lines = [line for line in text.splitlines() if line.startswith(RESULT_TAG)]
        if not lines:
            return None, f"the re-check ended without a result (exit code {proc.returncode})"
        try:
            return json.loads(lines[-1][len(RESULT_TAG):]), ""
        except (ValueError, RecursionError):
            return None, "the re-check's result was malformed"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ------------------------------------------------------------------ 3. judging


def judge(the_plan: dict, result: dict | None, failure: str) -> Recheck:
    """Scores per test cell, computed here from the raw outputs; flags for tampering seen inside."""
    from autograder.checking import engine

    verdict = Recheck()
    if result is None:
        verdict.flags.append(failure)
    elif result.get("tampered"):
        verdict.flags.append("replaced parts of the checker: " + ", ".join(map(str, result["tampered"][:5])))
    for ex in map(lambda e: Exercise(**e), the_plan["exercises"]):
        spec = get_spec(ex.check)
        cases = list(spec.visible_cases()) + list(spec.hidden_cases())
        gradient_total = len(engine._quietly(spec.gradient, spec.reference)) if spec.gradient else 0
        total = len(cases) + gradient_total
        report = (result or {}).get("exercises", {}).get(ex.grade_id) or {}
        passed, only_inside = 0, False
        entries = report.get("cases") if isinstance(report.get("cases"), list) else []
        for case, entry in zip(cases, entries):
            ok, inside = _case_passes(spec, case, entry)
            passed += ok
            only_inside |= inside
        if entries and gradient_total:
            grad = report.get("gradient") or {}
            failed = grad.get("failed") if isinstance(grad.get("failed"), int) else gradient_total
            passed += max(0, gradient_total - max(0, failed))
            only_inside = True
        if report.get("tampered"):
            passed = 0  # the function changed the checker while it ran: nothing inside can be trusted
        verdict.scores[ex.grade_id] = round(ex.points * passed / total, 2) if total else 0.0
        if only_inside:
            verdict.sandbox_only.append(ex.grade_id)
    return verdict


def _case_passes(spec, case, entry) -> tuple[bool, bool]:
    """(passed, judged inside the sandbox only) for one case's entry."""
    if not isinstance(entry, dict) or entry.get("label") != case.label or entry.get("kind") is not None:
        return False, False
    if entry.get("unencodable"):
        return True, True  # an object output: only the sandbox could look at it
    try:
        output = decode(entry.get("output"))
    except (ValueError, TypeError, KeyError, RecursionError):
        return False, False
    if spec.judge is not None:
        return spec.judge(case, output) is None, False
    from autograder.checking.engine import _reference_output

    return compare(_reference_output(spec, case), output, spec.rtol, spec.check_dtype) is None, False
