"""Step 4 of ``nncourse grade``: re-check every graded notebook where the student cannot reach.

nbgrader's scores come from test cells that ran in the student's own
process.  :func:`recheck_class` runs each submission's functions again in a
fresh sandboxed process (:mod:`autograder.sandbox.verdict` plans it and
judges the raw outputs in the grader), then :func:`apply_rechecks` writes the
re-check's score over any test cell the notebook scored higher, as the cell's
manual score in the gradebook, and returns the flags for the report.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import nbformat

from autograder.pipeline.batches import batches  # the same dealing of students as the nbgrader batches

def recheck_class(course, chapter, students, jobs, timeout, limits, isolated, pool=None) -> dict:
    """student -> (flags, sandbox-only grade ids); overrides inflated test-cell scores in the gradebook.

    With a warm ``pool`` each server re-checks one batch of students in turn
    (a server serves one request at a time); without, each re-check is a new
    sandboxed process.
    """
    from autograder.sandbox.verdict import judge, notebook_flags, plan, run_recheck

    if not students:
        return {}
    source = nbformat.read(course.source_notebook(chapter), as_version=4)
    released = nbformat.read(course.grading / "release" / chapter / f"{chapter}.ipynb", as_version=4)
    seconds = float(timeout or 60)

    def one(student, server=None):
        path = course.grading / "submitted" / student / chapter / f"{chapter}.ipynb"
        submitted = nbformat.read(path, as_version=4)
        the_plan = plan(source, released, submitted, seconds)
        wall = 2 * seconds + 6 * len(the_plan["exercises"]) + 10
        if server is None:
            result, why = run_recheck(the_plan, limits, wall, isolated)
        else:
            result, why = pool.recheck(server, the_plan, wall)
        return student, notebook_flags(released, submitted), judge(the_plan, result, why)

    if pool is None:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
            outcomes = list(threads.map(one, students))
    else:
        dealt = batches(students, pool.size)
        with ThreadPoolExecutor(max_workers=len(dealt)) as threads:
            done = threads.map(lambda ib: [one(s, ib[0]) for s in ib[1]], enumerate(dealt))
            by_student = {o[0]: o for batch in done for o in batch}
        outcomes = [by_student[s] for s in students]
    return apply_rechecks(course, chapter, outcomes)


def apply_rechecks(course, chapter, outcomes) -> dict:
    """Write re-check scores over inflated notebook scores (``manual_score``); returns the flags.

    nbgrader keeps a manual score across re-grading, so the overrides are
    recorded in ``grading/rechecks/<chapter>.json`` and undone first on the
    next run (an instructor's own manual scores are never touched).
    """
    from nbgrader.api import Gradebook, MissingEntry

    record = course.grading / "rechecks" / f"{chapter}.json"
    previous = json.loads(record.read_text()) if record.exists() else {}
    flagged = {}
    with Gradebook(course.gradebook_url) as gb:
        for student, flags, verdict in outcomes:
            flags = list(flags) + list(verdict.flags)
            overridden = {}
            for grade_id, score in verdict.scores.items():
                try:
                    g = gb.find_grade(grade_id, chapter, chapter, student)
                except MissingEntry:
                    continue
                if grade_id in previous.get(student, {}):  # ours, from an earlier run
                    g.manual_score, g.needs_manual_grade = None, g.auto_score is None
                reported = float(g.auto_score or 0.0)
                if reported > score + 0.01:
                    g.manual_score, g.needs_manual_grade = score, False
                    overridden[grade_id] = (reported, score)
            gb.db.commit()
            if overridden:
                flags.append(_override_flag(overridden))
            overridden = {k: new for k, (_old, new) in overridden.items()}
            previous[student] = overridden
            flagged[student] = (flags, list(verdict.sandbox_only))
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(previous, indent=1, sort_keys=True), encoding="utf-8")
    return flagged


def _override_flag(overridden: dict) -> str:
    """One readable flag for all test cells whose notebook score the re-check lowered."""
    claimed = sum(old for old, _new in overridden.values())
    rechecked = sum(new for _old, new in overridden.values())
    cells = ", ".join(f"{gid.split('-', 1)[-1].removesuffix('_test')} {old:g}→{new:g}"
                      for gid, (old, new) in overridden.items())
    return (f"the notebook claimed {claimed:g} point(s) that the re-check gives as {rechecked:g} "
            f"({cells}): test cells or the checker tampered with?")
