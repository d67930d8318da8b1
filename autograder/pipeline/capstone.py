"""The capstone step of ``nncourse grade``: train the student's network in a sandbox, score it here.

Chapter 08's capstone hands in ``build_model(rng)`` and ``train(model, X, y,
rng)``; its test cell (grade id ``<chapter>-capstone``) only checks the
contract while nbgrader grades.  After nbgrader and the re-check, for each
graded student (docs/capstone.md):

1. :func:`prepare` splits the bundled digits once with the course secret
   (:func:`autograder.checking.capstone.training_split`) and writes the
   training rows as ``grading/capstone/<chapter>/train_digits.csv.gz``, the
   only digits file the sandbox will see;
2. :func:`run_student` replays the graded notebook's cells up to the
   capstone's test cell and trains the network in a fresh sandbox
   (:mod:`autograder.sandbox.capstone`, started as the re-check is:
   :func:`autograder.sandbox.verdict.run_sandboxed`), with that file bound
   over ``nnlib/data_files/digits.csv.gz``;
3. :func:`judge` rebuilds the network from its description with nnlib's
   classes and measures it **here** on the held-out rows: accuracy,
   confusion matrix, precision and recall per digit, points
   (:func:`autograder.checking.capstone.points`); or gives 0 with the reason
   (a blocked loader called, a file opened, a broken contract, an error, the
   time limit), or ``review`` when no verdict could be reached;
4. :func:`apply` writes the points as the capstone test cell's manual score
   (as :func:`autograder.pipeline.rechecks.apply` does; an instructor's own
   manual score wins) and replaces that cell's output in the graded notebook
   by the report, so the feedback page shows the held-out accuracy and the
   confusion matrix (never a held-out image).
"""
from __future__ import annotations

import ast
import gzip
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

import nnlib
from autograder.checking import capstone as contract
from autograder.sandbox import encode
from autograder.sandbox.capstone import RESULT_TAG
from autograder.sandbox.limits import Limits
from autograder.sandbox.verdict import (
    cell_name,
    divergences,
    replayed_cells,
    run_sandboxed,
    run_seconds,
)

MAX_CELL_BYTES = 20_000  # capstone answer cells longer than this go to the instructor
MAX_LITERAL_NUMBERS = 1000  # ... and so do literals holding more numbers (a copy of the data set?)
_ENVIRONMENT_ERRORS = ("NameError", "ImportError", "ModuleNotFoundError", "FileNotFoundError", "UnboundLocalError")


@dataclass
class Split:
    """The course's capstone split and the training file the sandbox sees."""

    X_train: np.ndarray  # (1348, 64)
    y_train: np.ndarray  # (1348,)
    X_held: np.ndarray  # (449, 64)
    y_held: np.ndarray  # (449,)
    train_file: Path


@dataclass
class CapstoneResult:
    """One student's capstone: what the grader measured or why it could not."""

    student: str
    points: float = 0.0
    max_points: float = contract.MAX_POINTS
    accuracy: float | None = None  # held-out accuracy, when the network could be measured
    seconds: float | None = None
    status: str = ""  # "", "flagged" or "review"
    reasons: list = field(default_factory=list)  # why 0 / flagged / review
    report: str = ""  # what the feedback page shows in the capstone test cell
    accepted: bool = False


# ------------------------------------------------------------------ 1. the split


def capstone_cell(source: nbformat.NotebookNode, chapter: str) -> tuple[str, float] | None:
    """(grade id, points) of the chapter's ``<chapter>-capstone`` test cell, or None when it has none."""
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and meta.get("grade_id") == f"{chapter}-capstone":
            return meta["grade_id"], float(meta.get("points", 0))
    return None


def prepare(folder: Path) -> Split:
    """The split (course secret from the environment) and its training rows written to ``folder``."""
    X_train, X_held, y_train, y_held = contract.training_split()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "train_digits.csv.gz"
    table = np.column_stack([X_train.astype(np.int64), y_train.astype(np.int64)])  # (1348, 65) as digits.csv.gz
    with gzip.open(path, "wt", encoding="ascii") as f:
        np.savetxt(f, table, fmt="%d", delimiter=",")
    path.chmod(0o644)  # read by the sandbox's own user
    return Split(X_train, y_train, X_held, y_held, path)


def digits_file() -> Path:
    """Where nnlib reads the bundled digits (the file the training rows are bound over)."""
    return Path(nnlib.__file__).resolve().parent / "data_files" / "digits.csv.gz"


# ------------------------------------------------------------------ 2. the sandboxed run


def plan(graded: nbformat.NotebookNode, grade_id: str, split: Split, cell_seconds: float,
         secret: str | None = None) -> dict:
    """The cells up to the capstone's test cell, the limits and the training rows."""
    cells = replayed_cells(graded)
    end = next((i for i, c in enumerate(cells) if c["test"] == grade_id), len(cells))
    the_plan = {"cells": cells[:end], "cell_seconds": cell_seconds, "seconds": contract.TIME_LIMIT,
                "X": encode.encode(split.X_train), "y": encode.encode(split.y_train)}
    if secret:
        the_plan["secret"] = secret
    return the_plan


def run_student(graded, grade_id: str, split: Split, limits: Limits, cell_seconds: float, sandbox: bool,
                secret: str | None = None) -> tuple[dict, dict | None, str]:
    """(plan, the sandbox's result or None, why there is none) for one graded notebook."""
    the_plan = plan(graded, grade_id, split, cell_seconds, secret)
    wall = 2 * run_seconds(graded) + contract.TIME_LIMIT + 60
    # A network of MAX_PARAMETERS numbers is ~25 bytes a number as JSON.
    most = max(limits.output_mb * 1024 * 1024, 30 * contract.MAX_PARAMETERS)
    result, why = run_sandboxed("autograder.sandbox.capstone", RESULT_TAG, the_plan, limits, wall, sandbox,
                                ro_binds=[(split.train_file, digits_file())], most_bytes=most,
                                what="the capstone run")
    return the_plan, result, why


# ------------------------------------------------------------------ 3. judging


def size_flags(graded: nbformat.NotebookNode) -> list[str]:
    """Capstone answer cells that are suspiciously large: more than 20 kB, or a literal of > 1000 numbers."""
    flags = []
    for cell in graded.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution") or "capstone" not in str(meta.get("grade_id")):
            continue
        size = len(cell.source.encode())
        if size > MAX_CELL_BYTES:
            flags.append(f"the capstone cells hold {size / 1000:.0f} kB")
        numbers = _largest_literal(cell.source)
        if numbers > MAX_LITERAL_NUMBERS:
            flags.append(f"the capstone cells hold an array of {numbers} numbers")
    return flags


def _largest_literal(source: str) -> int:
    """Numbers in the largest list/tuple/set literal of ``source`` (0 when it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return 0
    largest = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            count = sum(1 for n in ast.walk(node) if isinstance(n, ast.Constant)
                        and isinstance(n.value, (int, float)) and not isinstance(n.value, bool))
            largest = max(largest, count)
    return largest


def judge(student: str, graded, the_plan: dict, result: dict | None, why: str, split: Split,
          max_points: float) -> CapstoneResult:
    """The capstone's verdict for one student (see the module docstring, step 3)."""
    out = CapstoneResult(student, max_points=max_points)
    reviews = size_flags(graded)
    cause = _no_verdict(graded, the_plan, result, why)
    if cause:
        out.status, out.reasons = "review", [f"the capstone could not be graded: {cause}", *reviews]
        out.report = _failure_report(out, "The grader could not reach a verdict: " + cause
                                     + ". Your instructor will review it.")
        return out
    out.seconds = float(result["seconds"]) if isinstance(result.get("seconds"), (int, float)) else None
    failure = _failure(result)
    if failure is None:
        try:
            model = contract.rebuild(encode.decode(result["description"]))
            measured = contract.evaluate(model, split.X_held, split.y_held)
        except (contract.ModelError, ValueError, TypeError, KeyError, RecursionError) as error:
            failure = ("", f"the trained network could not be rebuilt: {str(error)[:300]}")
    if failure is not None:
        status, reason = failure
        out.status = status or ("review" if reviews else "")
        out.reasons = [reason, *reviews]
        out.report = _failure_report(out, reason)
        return out
    out.accuracy = measured["accuracy"]
    out.points = contract.points(out.accuracy) * max_points / contract.MAX_POINTS
    if reviews:
        out.status, out.reasons = "review", reviews
    out.report = _report(out, measured, len(split.y_train))
    return out


def _no_verdict(graded, the_plan: dict, result: dict | None, why: str) -> str:
    """Why the run says nothing about the student's network ("" when it does)."""
    if result is None:
        return why or "the capstone run gave no result"
    if not isinstance(result, dict) or result.get("broken"):
        return str(result.get("broken") if isinstance(result, dict) else "a malformed result")[:300]
    if isinstance(result.get("missing"), str):
        # Defined in the notebook's own run, not in the replay: the replay missed something.
        divergent = _divergent(graded, result)
        if divergent:
            return f"{result['missing']} in the replay; {divergent}"
        return ""
    if not isinstance(result.get("description"), (dict, list)) and not result.get("problem") \
            and not result.get("undescribed") and not result.get("opened") and not result.get("started"):
        return "the capstone run's result holds no network and no reason"
    return ""


def _divergent(graded, result: dict) -> str:
    """The first replayed cell that failed only in the replay (the re-check's rule), in words, or ""."""
    for index, error in divergences(graded, result)[:1]:
        return f"{error[:200]} in {cell_name(graded, index)} (it ran without error in the notebook's own run)"
    return ""


def _failure(result: dict) -> tuple[str, str] | None:
    """(status, reason) of a run that earns 0, or None when the network can be measured."""
    if isinstance(result.get("missing"), str):
        return "", f"{result['missing']} when the capstone's test cell runs"
    opened = [str(p) for p in result.get("opened") or []]
    if result.get("kind") == "flagged":
        return "flagged", str(result.get("problem"))[:300]
    if opened:
        more = f" (and {len(opened) - 1} more)" if len(opened) > 1 else ""
        return "flagged", f"build_model/train opened {opened[0]}{more}; the capstone trains only on the X, y it is given"
    started = [str(p) for p in result.get("started") or []]
    if started:
        return "review", (f"build_model/train started another process ({started[0]}): what it read is not "
                          "audited; the network was not measured")
    if result.get("problem"):
        problem = str(result["problem"])[:300]
        if problem.split(" raised ", 1)[-1].startswith(_ENVIRONMENT_ERRORS) and _divergent_any(result):
            return "review", f"{problem} (a cell before it failed only in the grader's replay)"
        return "", problem
    if result.get("undescribed"):
        return "", f"the model is not a Sequential of nnlib layers ({str(result['undescribed'])[:200]})"
    return None


def _divergent_any(result: dict) -> bool:
    return any(isinstance(e, str) for e in result.get("cell_errors") or [])


# ------------------------------------------------------------------ the report on the feedback page


def _heading(out: CapstoneResult) -> str:
    mark = "✓" if out.points >= out.max_points else "✗"
    return (f"{mark} capstone — graded on {contract.HELD_OUT_FRACTION:.0%} of the digits held out by the grader: "
            f"{out.points:g} of {out.max_points:g} points")


def _failure_report(out: CapstoneResult, reason: str) -> str:
    return "\n".join([_heading(out), f"  {reason}", f"  Points: {contract.points_rule()}."])


def _report(out: CapstoneResult, measured: dict, n_train: int) -> str:
    M = measured["confusion"]
    lines = [_heading(out),
             (f"  held-out accuracy: {measured['accuracy']:.1%} ({measured['correct']} of {measured['n']} digits "
              "your code never saw)"),
             f"  points: {contract.points_rule()}",
             (f"  build_model + train took {_seconds(out.seconds)} s of the {contract.TIME_LIMIT:g} s limit "
              f"(trained on the {n_train} training digits, one core, {contract.MEMORY_MB} MB)"),
             "  confusion matrix of the held-out digits (rows: true digit, columns: predicted):",
             *("    " + line for line in contract.confusion_table(M, measured["precision"],
                                                                  measured["recall"]).splitlines()),
             "  The accuracy your notebook printed was measured on your own validation split; this one counts."]
    return "\n".join(lines)


def _seconds(seconds: float | None) -> str:
    """Seconds as the report prints them: 0.04, 1.2, 87.0."""
    seconds = seconds or 0.0
    return f"{seconds:.2f}" if seconds < 1 else f"{seconds:.1f}"


# ------------------------------------------------------------------ 4. writing it down


def apply(course, chapter: str, grade_id: str, results: dict[str, CapstoneResult], accept=()) -> None:
    """The points as the capstone cell's manual score, the report as its output (see the module docstring).

    Our scores are recorded in ``grading/capstone/<chapter>.json`` and undone
    first on the next run, so a manual score that is not ours (the
    instructor's, from formgrader) is recognised and never touched.
    ``accept``: students whose review the instructor closes (the measured
    score stands; a different score is set in formgrader).
    """
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.pipeline.rechecks import _graded_path, _rewrite_test_cells

    record_path = course.grading / "capstone" / f"{chapter}.json"
    ours = json.loads(record_path.read_text()) if record_path.exists() else {}
    with Gradebook(course.gradebook_url) as gb:
        for student, result in results.items():
            result.accepted = student in accept and bool(result.status)
            try:
                g = gb.find_grade(grade_id, chapter, chapter, student)
            except MissingEntry:
                continue
            mine = ours.pop(student, None)
            if mine is not None and g.manual_score is not None and abs(float(g.manual_score) - mine) < 1e-9:
                g.manual_score, g.needs_manual_grade = None, g.auto_score is None
            if g.manual_score is None:  # else: the instructor's own decision (formgrader)
                g.manual_score = result.points
                g.needs_manual_grade = result.status == "review" and not result.accepted
                ours[student] = result.points
            gb.db.commit()
            _rewrite_test_cells(_graded_path(course, chapter, student), {grade_id: result.report})
    record_path.parent.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps(ours, indent=1, sort_keys=True), encoding="utf-8")


# ------------------------------------------------------------------ the whole step


def capstone_class(course, chapter: str, students, jobs: int, timeout, limits: Limits, sandbox: bool,
                   secret: str | None = None, accept=()) -> dict[str, CapstoneResult]:
    """Grade every graded student's capstone (nothing when the chapter has no capstone cell)."""
    from autograder.pipeline.rechecks import _graded_path

    source = nbformat.read(course.source_notebook(chapter), as_version=4)
    cell = capstone_cell(source, chapter)
    if cell is None or not students:
        return {}
    grade_id, max_points = cell
    split = prepare(course.grading / "capstone" / chapter)
    cell_seconds = float(timeout or 60)

    def one(student: str) -> CapstoneResult:
        try:
            graded = nbformat.read(_graded_path(course, chapter, student), as_version=4)
            the_plan, result, why = run_student(graded, grade_id, split, limits, cell_seconds, sandbox, secret)
            return judge(student, graded, the_plan, result, why, split, max_points)
        except Exception as error:  # noqa: BLE001 - one student's trouble never stops the class
            out = CapstoneResult(student, max_points=max_points, status="review",
                                 reasons=[f"the capstone could not be graded: {type(error).__name__}: {error}"])
            out.report = _failure_report(out, out.reasons[0])
            return out

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
        results = {r.student: r for r in threads.map(one, students)}
    apply(course, chapter, grade_id, results, accept)
    return results
