"""``nncourse grade``: autograde a whole class with nbgrader, in parallel, losing nobody.

Steps (each one nbgrader's own command, run in the course root):

1. ``generate_assignment`` into ``grading/release`` records the chapter's test
   cells and points in the gradebook (``course/`` is left untouched); skipped
   when neither the source notebook nor the nbgrader configuration changed;
2. submissions are checked and copied into ``grading/submitted``
   (:mod:`autograder.pipeline.submissions`): broken files are graded 0 with a reason;
3. ``autograde`` runs in ``jobs`` parallel processes, each given a batch of
   students (``--CourseDirectory.student_id_exclude`` names everyone else):
   one process per student would pay nbgrader's ~2 s start-up every time;
4. ``generate_feedback`` writes one HTML page per student (hidden checks
   cleared);
5. scores come from the gradebook, hints from the autograded notebooks'
   test-cell outputs; :mod:`autograder.pipeline.report` writes the CSV and summary.

Isolation (:mod:`autograder.sandbox`): nbgrader runs every notebook on the
``nncourse-sandbox`` kernel (bubblewrap, resource limits, no network), and
after step 3 each graded submission is *re-checked*: replayed cell by cell in
a fresh sandboxed process, each test cell judged where it stands, the raw
outputs judged by the grader itself (:mod:`autograder.pipeline.rechecks`).
Where the notebook claimed more than the re-check gives, the submission is
``flagged: <evidence>`` or, when the re-check could not reach a verdict,
``review: <cause>`` for the instructor to decide (``accept``).  A chapter
with a capstone (08) then trains each student's network in one more sandbox
and scores it on digits it never saw (:mod:`autograder.pipeline.capstone`).  Each job has
one warm sandbox (:mod:`autograder.sandbox.pool`) that forks its kernels and
re-checks from a state where everything is already imported.

Hidden cases are drawn with the course's secret (:meth:`Course.case_secret`),
the same in nbgrader's kernels, the re-check and the grader.

A submission nbgrader gives up on (a kernel that never answers, a kernel that
dies) has no autograded notebook: it is listed as ``failed: <reason>`` with 0.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import nbformat
from tqdm.auto import tqdm

from autograder.pipeline.batches import STARTING, batches, run_in_batches
from autograder.pipeline.capstone import capstone_class
from autograder.pipeline.course import SECRET_ENV, Course, CourseError
from autograder.pipeline.rechecks import recheck_class
from autograder.pipeline.release import generate
from autograder.sandbox import isolation_available
from autograder.sandbox.kernelspec import nbgrader_args, write_kernelspec
from autograder.sandbox.limits import Limits
from autograder.sandbox.pool import SandboxPool
from autograder.sandbox.pool import available as warm_available
from autograder.pipeline.submissions import Intake, collect, from_submitted_area, place

_ERROR_FOR = re.compile(r"error processing assignment '([^']+)' for student '([^']+)'")
_UNRESPONSIVE = re.compile(r"While processing assignment (\S+), the kernel became unresponsive")
_HINT = re.compile(r"Hint: (.+)")


@dataclass
class StudentResult:
    """One student's outcome: what the CSV row and the summary are made of."""

    student: str
    status: str  # "graded", "flagged: <evidence>", "review: <cause>" or "failed: <reason>"
    score: float = 0.0
    max_score: float = 0.0
    exercises: dict = field(default_factory=dict)  # grade_id -> (score, max_score, needs manual grading)
    messages: dict = field(default_factory=dict)  # grade_id -> first line of the check's report
    hints: dict = field(default_factory=dict)  # grade_id -> hint text
    note: str = ""
    feedback: Path | None = None
    isolation: str = "none"  # "bubblewrap" or "none"
    flags: list = field(default_factory=list)  # why the submission is flagged or awaits review
    sandbox_only: list = field(default_factory=list)  # grade ids partly judged inside the sandbox
    capstone: dict = field(default_factory=dict)  # chapter 08: {"accuracy", "points", "seconds", "reasons"}

    @property
    def pending_manual(self) -> float:
        """Points of written answers still waiting for the instructor's grade."""
        return sum(mx for _s, mx, manual in self.exercises.values() if manual)


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


UNISOLATED_WARNING = ("WARNING: grading WITHOUT isolation (bubblewrap not available or --no-sandbox): "
                      "student code runs as you, can read solutions/ and the gradebook, and can "
                      "signal the grader. Install bubblewrap (apt-get install bubblewrap) to isolate it.")


def grade(course: Course, submissions: Path, chapter: str, jobs: int | None = None,
          timeout: int | None = None, progress: bool = True, sandbox: bool = True,
          limits: Limits | None = None, on_stage: Callable[[str], None] | None = None,
          accept: Sequence[str] = ()) -> list[StudentResult]:
    """Grade every submission in ``submissions`` for ``chapter``; returns one result per student.

    ``sandbox``: run student code under bubblewrap when it is available (a
    loud warning otherwise); ``limits``: per-sandbox resource limits;
    ``on_stage``: called with ``"autograde"``, ``"re-check"`` and ``"feedback"``
    just before each of those stages starts (the CLI prints them);
    ``accept``: students whose notebooks' own scores the instructor accepts
    after a review (or a flag): the re-check's lower scores are not applied.
    """
    course.source_notebook(chapter)  # clear error for an unknown chapter
    jobs = jobs or default_jobs()
    limits = limits or Limits()
    isolated = sandbox and isolation_available()
    if not isolated:
        print(UNISOLATED_WARNING, file=sys.stderr)
    work = course.grading
    (work / "logs").mkdir(parents=True, exist_ok=True)
    _release_for_grading(course, chapter)

    with tempfile.TemporaryDirectory(prefix="nncourse-intake-") as scratch:
        source = from_submitted_area(Path(submissions), work / "submitted", chapter, Path(scratch))
        intakes = collect(source, chapter, Path(scratch))
        if not intakes:
            raise CourseError(f"no submissions found in {submissions}")
        place(intakes, chapter, work / "submitted")
    gradable = [i.student for i in intakes if i.ok]

    with contextlib.ExitStack() as stack:
        stack.enter_context(_case_secret_in_environment(course))
        pool = None
        if gradable and warm_available():
            size = len(batches(gradable, jobs))
            pool = stack.enter_context(SandboxPool(work / "sandboxes", size, limits, isolated))
        batch_env, batch_args = _kernel_options(work, limits, isolated, pool)
        _stage(on_stage, "autograde")
        logs = _autograde_in_batches(course, chapter, gradable, jobs, timeout, progress, batch_env, batch_args)
        reasons = _failure_reasons(logs)
        graded = [s for s in gradable if (work / "autograded" / s / chapter / f"{chapter}.ipynb").exists()]
        _stage(on_stage, "re-check")
        rechecks = recheck_class(course, chapter, graded, jobs, timeout, limits, isolated, pool,
                                 secret=os.environ.get(SECRET_ENV), accept=accept)
        capstones = {}
        if graded and has_capstone(course, chapter):
            _stage(on_stage, "capstone")
            capstones = capstone_class(course, chapter, graded, jobs, timeout, limits, isolated,
                                       secret=os.environ.get(SECRET_ENV), accept=accept)
    if graded:
        _stage(on_stage, "feedback")
        run_in_batches(course, ["generate_feedback", chapter, "--force"], graded, jobs)
    results = [_result(course, chapter, intake, reasons) for intake in intakes]
    for r in results:
        r.isolation = "bubblewrap" if isolated else "none"
        outcome = rechecks.get(r.student)
        if outcome is None or r.status != "graded":
            continue
        r.sandbox_only = list(outcome.sandbox_only)
        if outcome.accepted:
            r.note = "; ".join(filter(None, [r.note, "accepted by the instructor after review: "
                                             + "; ".join(outcome.reasons)]))
        elif outcome.status:
            r.flags = list(outcome.reasons)
            r.status = f"{outcome.status}: " + "; ".join(outcome.reasons)
        if r.student in capstones:
            _add_capstone(r, capstones[r.student])
    return results


def has_capstone(course: Course, chapter: str) -> bool:
    """Does the chapter end with a graded capstone (a ``<chapter>-capstone`` test cell)?"""
    from autograder.pipeline.capstone import capstone_cell

    return capstone_cell(nbformat.read(course.source_notebook(chapter), as_version=4), chapter) is not None


def _add_capstone(r: StudentResult, capstone) -> None:
    """The capstone's measurement in the result, and its flag or review in the status.

    A flag outranks a review: ``flagged: <re-check's reasons>; <capstone's>``.
    """
    r.capstone = {"accuracy": capstone.accuracy, "points": capstone.points, "seconds": capstone.seconds,
                  "reasons": list(capstone.reasons)}
    if capstone.accepted:
        r.note = "; ".join(filter(None, [r.note, "capstone accepted by the instructor after review: "
                                         + "; ".join(capstone.reasons)]))
        return
    if not capstone.status:
        if capstone.reasons:  # 0 points with a reason: the note says why
            r.note = "; ".join(filter(None, [r.note, "capstone: " + "; ".join(capstone.reasons)]))
        return
    before = r.status.split(":", 1)[0]
    status = "flagged" if "flagged" in (before, capstone.status) else "review"
    r.flags = list(r.flags) + ["capstone: " + "; ".join(capstone.reasons)]
    r.status = f"{status}: " + "; ".join(r.flags)


@contextlib.contextmanager
def _case_secret_in_environment(course: Course):
    """The course's hidden-case secret in this process's environment while it grades.

    nbgrader's processes, their kernels (the sandbox passes it on), the
    re-check and the grader's own judging then all draw the same hidden cases.
    """
    before = os.environ.get(SECRET_ENV)
    os.environ[SECRET_ENV] = course.case_secret()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SECRET_ENV, None)
        else:
            os.environ[SECRET_ENV] = before


def _stage(on_stage: Callable[[str], None] | None, name: str) -> None:
    if on_stage is not None:
        on_stage(name)


def _kernel_options(work: Path, limits: Limits, isolated: bool, pool: SandboxPool | None):
    """Functions of a batch's index: its extra environment and its extra nbgrader options.

    Every batch keeps at most ``limits.output_mb`` of output per notebook (in
    nbgrader's process, :class:`autograder.pipeline.preprocessors.CappedExecute`); with
    a sandbox or a warm pool, notebooks run on the ``nncourse-sandbox``
    kernel, batch ``i`` on warm server ``i``.
    """
    env, args = {}, [f"--CappedExecute.max_bytes={limits.output_mb * 1024 * 1024}"]
    if isolated or pool is not None:
        env = write_kernelspec(work, limits)
        args += nbgrader_args()
        if not isolated:
            env["NNCOURSE_NO_SANDBOX"] = "1"  # a cold start (server unreachable) runs unisolated too
    if pool is None:
        return (lambda _i: env), (lambda _i: args)
    return (lambda i: {**env, **pool.environment(i)}), (lambda i: args + pool.nbgrader_args(i))


def _release_for_grading(course: Course, chapter: str) -> None:
    """``generate_assignment`` into ``grading/release``, unless nothing it depends on changed.

    It takes seconds (an nbgrader start-up and a notebook conversion) and its
    result depends only on the source notebook and the nbgrader configuration:
    a digest of both is kept next to the released notebook, and the step is
    skipped when it matches and the gradebook still knows the chapter.
    """
    import hashlib

    released = course.grading / "release" / chapter / f"{chapter}.ipynb"
    stamp = released.with_name(".nncourse-source.sha256")
    digest = hashlib.sha256(course.source_notebook(chapter).read_bytes()
                            + (course.root / "nbgrader_config.py").read_bytes()).hexdigest()
    if released.exists() and stamp.exists() and stamp.read_text() == digest and _in_gradebook(course, chapter):
        return
    generate(course, chapter, release_dir=course.grading / "release")
    stamp.write_text(digest)


def _in_gradebook(course: Course, chapter: str) -> bool:
    """Does the gradebook hold the chapter's notebook with its graded cells?"""
    from nbgrader.api import Gradebook, MissingEntry

    if not (course.grading / "gradebook.db").exists():
        return False
    try:
        with Gradebook(course.gradebook_url) as gb:
            return bool(gb.find_notebook(chapter, chapter).grade_cells)
    except MissingEntry:
        return False


def _autograde_in_batches(course, chapter, students, jobs, timeout, progress, env=None,
                          batch_args=None) -> list[str]:
    """``nbgrader autograde`` in batches; ``batch_args(i)``: batch ``i``'s kernel options."""
    args = ["autograde", chapter, "--force", "--create"]
    if timeout is not None:
        args.append(f"--Execute.timeout={int(timeout)}")
    bar = tqdm(total=len(students), desc=f"grading {chapter}", unit="student", disable=not progress)
    lock = threading.Lock()

    def tick(_student: str) -> None:
        with lock:
            bar.update(1)

    try:
        logs = run_in_batches(course, args, students, jobs, on_done=tick, env=env, batch_args=batch_args)
    finally:
        bar.close()
    log_file = course.grading / "logs" / f"autograde-{chapter}.log"
    log_file.write_text("\n\n".join(logs), encoding="utf-8")
    return logs


def _failure_reasons(logs: list[str]) -> dict[str, str]:
    """student -> why nbgrader could not grade them, read from nbgrader's log.

    A batch's log covers several students one after the other; each student's
    part runs from the line where nbgrader starts them to where it starts the
    next one, and only that part is read for their reason.
    """
    reasons: dict[str, str] = {}
    for log in logs:
        failed = {m.group(2) for m in _ERROR_FOR.finditer(log)}
        for student, part in _per_student(log).items():
            if _UNRESPONSIVE.search(part):
                reasons[student] = ("the kernel stopped answering and could not be interrupted "
                                    "(an infinite loop that ignores interrupts?)")
            elif student in failed or "There was an error processing assignment" in part:
                reasons[student] = _explain(part)
    return reasons


def _per_student(log: str) -> dict[str, str]:
    """Split a batch log into each student's part (keyed by student id)."""
    starts = [(m.start(), m.group(1)) for m in STARTING.finditer(log)]
    parts: dict[str, str] = {}
    for (begin, student), (end, _next) in zip(starts, starts[1:] + [(len(log), None)]):
        parts[student] = parts.get(student, "") + log[begin:end]
    return parts


_FAILURE_PATTERNS = (
    ("DeadKernelError", "the kernel died while running the notebook (os._exit, a crash, or memory)"),
    ("Kernel died", "the kernel died while running the notebook (os._exit, a crash, or memory)"),
    ("CellTimeoutError", "a cell ran past the time limit and could not be stopped"),
    ("TimeoutError", "a cell ran past the time limit and could not be stopped"),
    ("failed to validate", "the notebook's nbgrader metadata was changed (grade ids, points or cell types)"),
    ("ValidationError", "the notebook's nbgrader metadata was changed (grade ids, points or cell types)"),
)


def _explain(part: str) -> str:
    for pattern, text in _FAILURE_PATTERNS:
        if pattern in part:
            return text
    return "nbgrader could not grade this notebook (see grading/logs)"


# -- reading the results back ----------------------------------------------

def _result(course: Course, chapter: str, intake: Intake, reasons: dict[str, str]) -> StudentResult:
    from nbgrader.api import Gradebook, MissingEntry

    if not intake.ok:
        return StudentResult(intake.student, f"failed: {intake.reason}", max_score=_max_score(course, chapter))
    autograded = course.grading / "autograded" / intake.student / chapter / f"{chapter}.ipynb"
    if not autograded.exists():
        reason = reasons.get(intake.student, "nbgrader produced no graded notebook (see grading/logs)")
        return StudentResult(intake.student, f"failed: {reason}", max_score=_max_score(course, chapter),
                             note=intake.note)
    result = StudentResult(intake.student, "graded", note=intake.note)
    with Gradebook(course.gradebook_url) as gb:
        try:
            notebook = gb.find_submission_notebook(chapter, chapter, intake.student)
        except MissingEntry:
            return StudentResult(intake.student, "failed: no grades recorded", max_score=_max_score(course, chapter))
        for g in notebook.grades:
            score = g.score if g.score is not None else 0.0
            result.exercises[g.name] = (float(score), float(g.max_score), bool(g.needs_manual_grade))
        result.score = float(notebook.score)
        result.max_score = float(notebook.max_score)
    result.messages, result.hints = _test_cell_reports(autograded)
    feedback = course.grading / "feedback" / intake.student / chapter / f"{chapter}.html"
    result.feedback = feedback if feedback.exists() else None
    return result


def _max_score(course: Course, chapter: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url) as gb:
        return float(gb.find_assignment(chapter).max_score)


def _test_cell_reports(path: Path) -> tuple[dict, dict]:
    """grade_id -> first report line, and grade_id -> hint, from an autograded notebook."""
    nb = nbformat.read(path, as_version=4)
    messages, hints = {}, {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        text = "\n".join(_output_text(o) for o in cell.get("outputs", []))
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        messages[meta["grade_id"]] = first[:300]
        hint = _HINT.search(text)
        if hint:
            hints[meta["grade_id"]] = hint.group(1).strip()
    return messages, hints


def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return f"{output.get('ename', '')}: {output.get('evalue', '')}"
    return output.get("data", {}).get("text/plain", "") if "data" in output else ""
