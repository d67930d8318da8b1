"""The re-check step of ``nncourse grade``: a second opinion the student's code cannot forge.

nbgrader's scores come from test cells that ran in the student's own process,
where a cell could rebind ``check`` or patch the checker.  So every graded
notebook is replayed in a fresh sandboxed process
(:mod:`autograder.sandbox.verdict` plans it and judges the raw outputs in
the grader), and each test cell's score is compared with the one the
notebook claimed.  When they agree, nothing happens.  When the notebook
claimed more, :func:`decide` says what it means, judging the honest student
first:

- ``flagged`` — there is evidence: an edited or deleted test cell, a changed
  setup cell or grade metadata, a rebound ``check`` or a patched checker, or
  a re-check that ran cleanly (every cell as in the notebook's own run, every
  case judged) twice with the same result;
- ``review`` — the re-check could not reach a verdict: it crashed, ran out of
  time or memory, a cell failed in the replay that had run in the notebook,
  a function raised a NameError or ImportError only in the replay, or two
  clean re-checks disagreed with each other (random numbers without a seed?).
  That is not tampering: the instructor decides (``nncourse grade ...
  --accept STUDENT``, or a manual score in formgrader).  Until then the
  re-check's score counts, so crashing the re-check on purpose gains nothing.

Where the re-check lowers a cell's score, its score goes into the gradebook
as the cell's manual score, and its report replaces the cell's output in the
graded notebook, so the feedback page shows one story.
"""
from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.pipeline.batches import batches  # the same dealing of students as the nbgrader batches
from autograder.sandbox.verdict import (Recheck, cell_name, divergences, judge, notebook_flags, plan,
                                        run_recheck, run_seconds)

# Exceptions that say the replay missed something the notebook had (a name, a module, a file),
# not that the student's function computes the wrong thing.
_ENVIRONMENT_ERRORS = ("NameError", "ImportError", "ModuleNotFoundError", "FileNotFoundError", "UnboundLocalError")


@dataclass
class Replay:
    """One student's re-check: what ran and what it concluded."""

    student: str
    graded: nbformat.NotebookNode  # the notebook nbgrader graded (its outputs are nbgrader's run)
    plan: dict
    flags: list  # evidence in the submitted notebook itself (notebook_flags)
    verdict: Recheck
    divergent: list  # (cell index, error) failing only in the replay
    digest: str  # of the submitted notebook: an instructor's acceptance applies to this file only


@dataclass
class Outcome:
    """What the re-check means for one student's grade."""

    status: str = ""  # "" (graded), "flagged" or "review"
    reasons: list = field(default_factory=list)  # for the CSV note and the status line
    lowered: dict = field(default_factory=dict)  # grade id -> (claimed, re-checked)
    reports: dict = field(default_factory=dict)  # grade id -> the re-check's report for the feedback
    sandbox_only: list = field(default_factory=list)
    accepted: bool = False  # the instructor accepted the notebook's own scores
    wants_second_run: bool = False  # a clean disagreement: run the re-check once more before flagging


# ------------------------------------------------------------------ running the re-checks


def replay_class(course, chapter, students, jobs, timeout, limits, isolated, pool=None,
                 secret: str | None = None) -> dict[str, Replay]:
    """student -> :class:`Replay`, run in parallel (one batch of students per warm server)."""
    if not students:
        return {}
    source = nbformat.read(course.source_notebook(chapter), as_version=4)
    released = nbformat.read(course.grading / "release" / chapter / f"{chapter}.ipynb", as_version=4)
    seconds = float(timeout or 60)

    def one(student, server=None) -> Replay:
        submitted_path = course.grading / "submitted" / student / chapter / f"{chapter}.ipynb"
        submitted = nbformat.read(submitted_path, as_version=4)
        graded = nbformat.read(_graded_path(course, chapter, student), as_version=4)
        the_plan = plan(source, graded, seconds, secret)
        # As long as the notebook's own run took, twice over, plus the cases and a margin.
        wall = 2 * run_seconds(graded) + seconds + 6 * len(the_plan["exercises"]) + 20
        result, why = (run_recheck(the_plan, limits, wall, isolated) if server is None
                       else pool.recheck(server, the_plan, wall))
        return Replay(student, graded, the_plan, notebook_flags(released, submitted), judge(the_plan, result, why),
                      divergences(graded, result), hashlib.sha256(submitted_path.read_bytes()).hexdigest())

    if pool is None:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
            done = list(threads.map(one, students))
    else:
        dealt = batches(students, pool.size)
        with ThreadPoolExecutor(max_workers=len(dealt)) as threads:
            done = [r for batch in threads.map(lambda ib: [one(s, ib[0]) for s in ib[1]], enumerate(dealt))
                    for r in batch]
    return {r.student: r for r in done}


def _graded_path(course, chapter: str, student: str) -> Path:
    return course.grading / "autograded" / student / chapter / f"{chapter}.ipynb"


# ------------------------------------------------------------------ what it means


def decide(replay: Replay, claimed: dict, second: Recheck | None = None) -> Outcome:
    """The meaning of one re-check, given the points each test cell claimed (see the module docstring)."""
    verdict = replay.verdict
    out = Outcome(sandbox_only=verdict.sandbox_only)
    out.lowered = {gid: (claimed[gid], v.score) for gid, v in verdict.exercises.items()
                   if gid in claimed and claimed[gid] > v.score + 0.01}
    evidence = list(replay.flags) + list(verdict.evidence)
    evidence += [e for gid in out.lowered for e in verdict.exercises[gid].evidence]
    evidence = list(dict.fromkeys(evidence))  # a rebound `check` is seen at every test cell: say it once
    if not out.lowered:
        if evidence:
            out.status, out.reasons = "flagged", evidence
        return out
    first_lowered_cell = min((verdict.exercises[g].cell for g in out.lowered
                              if verdict.exercises[g].cell is not None), default=10**9)
    # Root causes first: the re-check's own failure, then cells that failed only in the replay.
    causes = [verdict.failure] if verdict.failure else []
    causes += [f"{error} in {cell_name(replay.graded, index)} (it ran without error in the notebook's own run)"
               for index, error in replay.divergent if index < first_lowered_cell][:2]
    for gid in out.lowered:
        v = verdict.exercises[gid]
        if not v.reached:
            causes.append(f"{_short(gid)}: {v.cause}")
        causes += [f"{_short(gid)}: {why}" for _label, why in v.failures[:1] if why.startswith(
            tuple(f"raised {e}" for e in _ENVIRONMENT_ERRORS))]
    claim = _claim_text(out.lowered)
    if evidence:
        out.status, out.reasons = "flagged", evidence + [claim]
    elif causes:
        out.status = "review"
        out.reasons = [f"the re-check could not reach a verdict: {causes[0]}", claim]
    elif second is None:
        out.wants_second_run = True
    elif any(abs(second.scores.get(g, -1) - verdict.scores[g]) > 0.01 for g in out.lowered):
        out.status = "review"
        out.reasons = ["two re-checks of the same notebook gave different scores (random numbers without a "
                       "fixed seed?)", claim]
    else:
        out.status = "flagged"
        out.reasons = [claim + "; the re-check replayed every cell as the notebook's own run did, twice, "
                       "with the same result"]
    out.reports = {gid: _report(replay, gid, claimed_points, out.status) for gid, (claimed_points, _) in
                   out.lowered.items()}
    return out


def _short(grade_id: str) -> str:
    return grade_id.split("-", 1)[-1].removesuffix("_test")


def _claim_text(lowered: dict) -> str:
    claimed = sum(old for old, _new in lowered.values())
    rechecked = sum(new for _old, new in lowered.values())
    cells = ", ".join(f"{_short(gid)} {old:g}→{new:g}" for gid, (old, new) in lowered.items())
    return f"the notebook's test cells claimed {claimed:g} point(s) that the re-check gives as {rechecked:g} ({cells})"


def _report(replay: Replay, grade_id: str, claimed: float, status: str) -> str:
    """The re-check's report for one test cell, as the feedback page shows it."""
    v = replay.verdict.exercises[grade_id]
    ex = next(e for e in replay.plan["exercises"] if e["grade_id"] == grade_id)
    lines = [f"✗ {ex['check']} — re-checked by the grader: {v.passed} of {v.total} checks passed, "
             f"{v.score:g} of {ex['points']:g} points",
             f"  This cell's own run reported {claimed:g} point(s). The grader ran the notebook's cells again, "
             f"in the same order, and called {ex['function']} on every case itself."]
    if status == "review":
        lines.append(f"  The re-check could not reach a verdict ({v.cause or 'see the note'}); your instructor "
                     f"will review it. Until then this cell counts {v.score:g} point(s).")
    for label, why in v.failures[:3]:
        lines.append(f"  - {label + ': ' if label else ''}{why}")
    return "\n".join(lines)


# ------------------------------------------------------------------ writing it down


def apply(course, chapter: str, outcomes: dict[str, tuple[Replay, Outcome]], accept=()) -> None:
    """Write the re-check into the gradebook and the graded notebooks; remember what was ours.

    - A lowered test cell gets the re-check's score as its manual score
      (``needs_manual_grade`` stays on for ``review``, so formgrader lists it).
    - nbgrader keeps manual scores across re-grading, so ours are recorded in
      ``grading/rechecks/<chapter>.json`` and undone first on the next run;
      a manual score that is not ours (the instructor's, from formgrader) is
      never touched, and the re-check leaves that cell alone.
    - ``accept``: students whose notebooks' own scores the instructor accepts
      (recorded with the submission's digest: a new submission is checked anew).
    """
    from nbgrader.api import Gradebook, MissingEntry

    record_path = course.grading / "rechecks" / f"{chapter}.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    ours, accepted = record.get("scores", {}), record.get("accepted", {})
    for student in accept:
        if student in outcomes:
            accepted[student] = outcomes[student][0].digest
    with Gradebook(course.gradebook_url) as gb:
        for student, (replay, outcome) in outcomes.items():
            mine = ours.get(student, {})
            for grade_id, score in mine.items():  # undo last run's overrides, where they are still ours
                try:
                    g = gb.find_grade(grade_id, chapter, chapter, student)
                except MissingEntry:
                    continue
                if g.manual_score is not None and abs(float(g.manual_score) - float(score)) < 1e-9:
                    g.manual_score, g.needs_manual_grade = None, g.auto_score is None
            outcome.accepted = accepted.get(student) == replay.digest and bool(outcome.status)
            written = {}
            if not outcome.accepted:
                for grade_id, (_claimed, score) in outcome.lowered.items():
                    try:
                        g = gb.find_grade(grade_id, chapter, chapter, student)
                    except MissingEntry:
                        continue
                    if g.manual_score is not None:  # the instructor's own decision (formgrader)
                        outcome.reports.pop(grade_id, None)
                        continue
                    g.manual_score, g.needs_manual_grade = score, outcome.status == "review"
                    written[grade_id] = score
            ours[student] = written
            gb.db.commit()
            _rewrite_test_cells(_graded_path(course, chapter, student),
                                {} if outcome.accepted else outcome.reports)
    record_path.parent.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps({"scores": ours, "accepted": accepted}, indent=1, sort_keys=True),
                           encoding="utf-8")


def _rewrite_test_cells(path: Path, reports: dict) -> None:
    """Replace the outputs of the re-checked test cells with the re-check's report (for the feedback)."""
    if not reports:
        return
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in reports:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=reports[grade_id] + "\n")]
    nbformat.write(nb, path)


# ------------------------------------------------------------------ the whole step


def recheck_class(course, chapter, students, jobs, timeout, limits, isolated, pool=None,
                  secret: str | None = None, accept=()) -> dict[str, Outcome]:
    """Re-check every graded student, decide, write it down; returns student -> :class:`Outcome`."""
    from nbgrader.api import Gradebook, MissingEntry

    replays = replay_class(course, chapter, students, jobs, timeout, limits, isolated, pool, secret)
    claimed: dict = {}
    with Gradebook(course.gradebook_url) as gb:  # one query per student: find_grade per cell costs ~40 ms each
        for student, replay in replays.items():
            try:
                grades = gb.find_submission_notebook(chapter, chapter, student).grades
            except MissingEntry:
                grades = []
            claimed[student] = {g.name: float(g.auto_score or 0.0) for g in grades
                                if g.name in replay.verdict.exercises}
    outcomes = {s: (r, decide(r, claimed[s])) for s, r in replays.items()}
    again = [s for s, (_r, o) in outcomes.items() if o.wants_second_run]
    if again:  # rare: a clean disagreement is checked once more before anyone is flagged
        seconds = replay_class(course, chapter, again, jobs, timeout, limits, isolated, pool, secret)
        for s in again:
            outcomes[s] = (replays[s], decide(replays[s], claimed[s], second=seconds[s].verdict))
    apply(course, chapter, outcomes, accept)
    return {s: o for s, (_r, o) in outcomes.items()}
