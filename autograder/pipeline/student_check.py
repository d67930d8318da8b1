"""``nncourse check NOTEBOOK``: a student's dry run of the grader.

Runs a copy of the notebook top to bottom in a fresh kernel (the file itself
is not touched) and prints one row per exercise: passed, failed with the
check's first message, or not attempted (still ``raise NotImplementedError()``),
then the visible score.  Hidden checks run only at grading, so a visible pass
is a good sign, not a guarantee; the table says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOT_IMPLEMENTED = "not implemented yet"


@dataclass
class ExerciseStatus:
    grade_id: str
    points: float
    state: str  # "passed" | "failed" | "not attempted"
    message: str = ""


def run_notebook(path: Path, timeout: int = 120) -> nbformat.NotebookNode:
    """Execute a copy of the notebook (errors recorded as outputs, execution continues)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(Path(path).parent.resolve())}})
    client.execute()
    return nb


def exercise_statuses(nb: nbformat.NotebookNode) -> list[ExerciseStatus]:
    """Classify every autograded test cell of an executed notebook."""
    statuses = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        grade_id, points = meta.get("grade_id", "?"), float(meta.get("points", 0))
        if not errors:
            statuses.append(ExerciseStatus(grade_id, points, "passed"))
            continue
        message = f"{errors[0].get('ename', 'Error')}: {errors[0].get('evalue', '')}"
        state = "not attempted" if NOT_IMPLEMENTED in message else "failed"
        statuses.append(ExerciseStatus(grade_id, points, state, message))
    return statuses


def other_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Errors raised by cells that are not test cells (e.g. a typo in a student's cell)."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue', '')}".strip())
    return found


def report(statuses: list[ExerciseStatus], errors: list[str]) -> str:
    width = max([len(s.grade_id) for s in statuses] + [8])
    mark = {"passed": "✓ passed", "failed": "✗ failed", "not attempted": "· not attempted"}
    lines = [f"{'exercise':<{width}}  {'points':>6}  result"]
    for s in statuses:
        first = s.message.splitlines()[0][:110] if s.message else ""
        lines.append(f"{s.grade_id:<{width}}  {s.points:>6g}  {mark[s.state]}" + (f" — {first}" if first else ""))
    earned = sum(s.points for s in statuses if s.state == "passed")
    total = sum(s.points for s in statuses)
    lines.append("")
    lines.append(f"visible score: {earned:g} / {total:g} autograded points "
                 "(hidden checks and written answers are graded later)")
    if errors:
        lines.append("")
        lines.append("Other cells raised errors (fix these first; did you run the cells in order?):")
        lines.extend(f"  {e.splitlines()[0][:140]}" for e in errors)
    return "\n".join(lines)


def check_notebook(path: Path) -> tuple[str, bool]:
    """The printed report and whether every exercise passed."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no notebook at {path}")
    nb = run_notebook(path)
    statuses = exercise_statuses(nb)
    return report(statuses, other_errors(nb)), all(s.state == "passed" for s in statuses)
