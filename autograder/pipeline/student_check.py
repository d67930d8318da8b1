"""``nncourse check NOTEBOOK``: a student's dry run of the grader.

Runs a copy of the notebook top to bottom in a fresh kernel (the file itself
is not touched) and prints one row per exercise: its visible score, passed,
partly passed or failed with the check's first message, or not attempted
(still ``raise NotImplementedError()``), then the visible score in total.

The score is the one grading gives for the visible cases: each test cell's
``check("name", func)`` is run as ``run_check`` and scored with
``CheckResult.score(points)``, the rule the graded call and the re-check use
(partial credit, capped while an essential case fails), never a copy of
it.  Hidden checks run only at grading, so a visible pass is a good sign,
not a guarantee; the report says so.

Errors in other cells are named by where a student sees them (the exercise
of an answer cell, or the heading above the cell), and an error raised
inside one of the student's own functions, called from a later cell (a
widget using their ``mlp_forward``), says so.
"""
from __future__ import annotations

import ast
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

NOT_IMPLEMENTED = "not implemented yet"
_MARK = "nncourse-check-result: "  # the probe's machine-readable line, among the check's printed report
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FRAME = re.compile(r"Cell In\[(\d+)\], line \d+, in (\w+)")  # IPython's traceback line for a notebook frame


@dataclass
class ExerciseStatus:
    grade_id: str
    points: float
    state: str  # "passed" | "partly passed" | "failed" | "not attempted"
    message: str = ""
    earned: float | None = None  # visible points earned; None when the cell was not scored

    @property
    def exercise(self) -> str:
        """The exercise's short name: ``01_perceptron-step_test`` -> ``step``."""
        return self.grade_id.split("-", 1)[-1].removesuffix("_test")


# -- running the notebook ------------------------------------------------------------

def run_notebook(path: Path, timeout: int = 120, score: bool = False) -> nbformat.NotebookNode:
    """Execute a copy of the notebook (errors recorded as outputs, execution continues).

    ``score``: run each test cell's visible check the way grading scores it
    (see the module docstring) instead of as written, so that partial credit
    can be read back by :func:`exercise_statuses`.
    """
    from nbclient import NotebookClient
    from traitlets.config import Config

    nb = nbformat.read(path, as_version=4)
    if score:
        for cell in nb.cells:
            probe = _probe_source(cell)
            if probe is not None:
                cell.source = probe
    with tempfile.TemporaryDirectory(prefix="nncourse-check-") as sockets:
        # Jupyter's ipc transport (Unix sockets in a private folder): nothing listens on a TCP port,
        # and the kernel has no "running over TCP without encryption" warning to print.
        # Set through config, so that the client still owns (and shuts down) the kernel it starts.
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(sockets) / "kernel")
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True, config=config,
                                resources={"metadata": {"path": str(Path(path).parent.resolve())}})
        client.execute()
    return nb


def _probe_source(cell) -> str | None:
    """The scoring call that replaces a test cell made of one visible ``check(NAME, FUNC)`` call, or None.

    Any other test cell (several calls, extra code, a hidden call) runs as
    written and is scored all or nothing by its errors.
    """
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type != "code" or not meta.get("grade"):
        return None
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "check"
            and len(call.args) == 2 and not call.keywords
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
        return None
    func = ast.get_source_segment(cell.source, call.args[1])
    points = float(meta.get("points", 0))
    return (f"__import__('autograder.pipeline.student_check', fromlist=['visible_score'])"
            f".visible_score({call.args[0].value!r}, {func}, {points!r})")


def visible_score(name: str, func, points: float) -> None:
    """In the student's kernel: run ``func``'s visible check and score it as grading scores a check.

    Prints the check's own report (what the test cell would show) and one
    line, read back by :func:`exercise_statuses`, with the points earned:
    :meth:`CheckResult.score <autograder.checking.result.CheckResult.score>`,
    the rule grading uses.
    """
    from autograder.checking.engine import run_check

    result = run_check(name, func, hidden=False)
    earned = float(result.score(points))
    print(result.pass_line() if result.ok else result.report())
    print(_MARK + json.dumps({"earned": earned, "points": points, "passed": result.passed, "total": result.total,
                              "report": result.report(), "cap": result.cap_line()}))


# -- reading the executed notebook -----------------------------------------------------

def exercise_statuses(nb: nbformat.NotebookNode) -> list[ExerciseStatus]:
    """Classify every autograded test cell of an executed notebook."""
    statuses = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        grade_id, points = meta.get("grade_id", "?"), float(meta.get("points", 0))
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        scored = _probe_result(cell)
        if errors:
            message = f"{errors[0].get('ename', 'Error')}: {errors[0].get('evalue', '')}"
            state = "not attempted" if NOT_IMPLEMENTED in message else "failed"
            statuses.append(ExerciseStatus(grade_id, points, state, message, 0.0))
        elif scored is not None:
            statuses.append(_scored_status(grade_id, points, scored))
        else:
            statuses.append(ExerciseStatus(grade_id, points, "passed", "", points))
    return statuses


def _probe_result(cell) -> dict | None:
    for output in cell.get("outputs", []):
        for line in output.get("text", "").splitlines() if output.get("output_type") == "stream" else []:
            if line.startswith(_MARK):
                return json.loads(line[len(_MARK):])
    return None


def _scored_status(grade_id: str, points: float, scored: dict) -> ExerciseStatus:
    earned, report = float(scored["earned"]), scored["report"]
    first = next((line.strip() for line in report.splitlines() if line.strip()), "")
    first += f" ({scored['passed']} of {scored['total']} checks passed)" if scored["passed"] else ""
    first += f"; {scored['cap']}" if scored.get("cap") else ""
    if NOT_IMPLEMENTED in report:
        return ExerciseStatus(grade_id, points, "not attempted", first, earned)
    if earned >= points:
        return ExerciseStatus(grade_id, points, "passed", "", earned)
    state = "partly passed" if earned > 0 else "failed"
    return ExerciseStatus(grade_id, points, state, first, earned)


def cell_names(nb: nbformat.NotebookNode) -> list[str]:
    """For each cell, how a student finds it: its exercise, else the nearest heading above it."""
    names, heading, nth = [], "", 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown":
            titles = [line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")]
            if titles:
                heading, nth = titles[-1], 0
            names.append(f'the text under "{heading}"' if heading else "the text at the top")
            continue
        nth += 1
        if meta.get("solution") and not meta.get("grade"):
            names.append(f"your answer cell for {_exercise(meta.get('grade_id', '?'))}")
        elif heading:
            names.append(f'code cell {nth} under "{heading}"')
        else:
            names.append(f"code cell {nth} at the top of the notebook")
    return names


def _exercise(grade_id: str) -> str:
    return grade_id.split("-", 1)[-1].removesuffix("_test")


def other_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Errors raised by cells that are not test cells (e.g. a typo in a student's cell), each named."""
    names = cell_names(nb)
    by_count = {c.get("execution_count"): i for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and c.get("execution_count") is not None}
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            first = str(output.get("evalue", "")).strip().splitlines()
            text = f"{names[index]}: {output.get('ename')}: {first[0] if first else ''}".strip()
            origin = _student_function(nb, by_count, index, output.get("traceback", []))
            if origin:
                function, answer = origin
                text += (f" — raised inside your {function} (your answer cell for {answer}): fix that "
                         "exercise first")
            found.append(text)
    return found


def _student_function(nb, by_count: dict, index: int, traceback: list) -> tuple[str, str] | None:
    """The student's own function (and its exercise) the error was raised in, when it came from a later cell."""
    frames = _FRAME.findall(_ANSI.sub("", "\n".join(traceback)))
    for count, function in reversed(frames):  # innermost first
        where = by_count.get(int(count))
        if where is None or where == index:
            continue
        meta = nb.cells[where].metadata.get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            return function, _exercise(meta.get("grade_id", "?"))
    return None


# -- the report -----------------------------------------------------------------------

_MARKS = {"passed": "✓ passed", "partly passed": "◐ partly passed", "failed": "✗ failed",
          "not attempted": "· not attempted"}


def report(statuses: list[ExerciseStatus], errors: list[str]) -> str:
    """The table a student reads: one row per exercise, the visible score, then other cells' errors."""
    width = max([len(s.exercise) for s in statuses] + [8])
    lines = [f"{'exercise':<{width}}  {'score':>11}  result"]
    for s in statuses:
        earned = s.earned if s.earned is not None else (s.points if s.state == "passed" else 0.0)
        first = s.message.splitlines()[0][:110] if s.message else ""
        lines.append(f"{s.exercise:<{width}}  {f'{earned:g} / {s.points:g}':>11}  {_MARKS[s.state]}"
                     + (f" — {first}" if first else ""))
    earned = sum(s.earned if s.earned is not None else (s.points if s.state == "passed" else 0.0)
                 for s in statuses)
    total = sum(s.points for s in statuses)
    lines.append("")
    lines.append(f"visible score: {round(earned, 2):g} / {total:g} autograded points, with the partial credit grading "
                 "gives (hidden checks and written answers are graded later)")
    if errors:
        lines.append("")
        lines.append("Other cells raised errors (fix these first; did you run the cells in order?):")
        lines.extend(f"  {e.splitlines()[0][:220]}" for e in errors)
    return "\n".join(lines)


def check_notebook(path: Path, timeout: int = 120) -> tuple[str, bool]:
    """The printed report and whether every exercise passed."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no notebook at {path}")
    nb = run_notebook(path, timeout, score=True)
    statuses = exercise_statuses(nb)
    return report(statuses, other_errors(nb)), all(s.state == "passed" for s in statuses)
