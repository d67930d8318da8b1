"""Running nbgrader on a class in a few parallel batches of students.

nbgrader pays about two seconds of start-up per process, so one process per
student is slow, and one process for the class uses one core.  The class is
dealt into ``jobs`` batches (student ``i`` to batch ``i % jobs``); each
batch is one nbgrader process told to leave everyone else out
(``--CourseDirectory.student_id_exclude``).
"""
from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from autograder.pipeline.course import Course, nbgrader_env

STARTING = re.compile(r"Converting notebook \S+/submitted/([^/]+)/")  # nbgrader starts a student


def batches(students: list[str], jobs: int) -> list[list[str]]:
    """The class dealt into at most ``jobs`` non-empty batches, like cards."""
    jobs = max(1, min(jobs, len(students)))
    return [students[i::jobs] for i in range(jobs) if students[i::jobs]]


def _exclude_all_but(course: Course, batch: list[str]) -> str:
    everyone = {p.name for p in (course.grading / "submitted").iterdir() if p.is_dir()}
    return ",".join(sorted(everyone - set(batch)))


def run_in_batches(course: Course, args: list[str], students: list[str], jobs: int,
                   on_done=None, env=None, batch_args=None) -> list[str]:
    """Run ``nbgrader ARGS`` once per batch of students, concurrently; returns each batch's log.

    ``on_done(student)`` is called as each student's notebook is finished: nbgrader
    logs when it *starts* a student, so a student is done when the next one starts
    (or when the process ends).  ``env``: extra environment, a dict or a function
    of the batch's index (each batch has its own warm sandbox); ``batch_args``:
    a function of the batch's index giving more nbgrader options.
    """
    env_of = env if callable(env) else (lambda _index: env)

    def run(index_batch) -> str:
        index, batch = index_batch
        cmd = [sys.executable, "-m", "nbgrader", *args, *(batch_args(index) if batch_args else []),
               f"--CourseDirectory.student_id_exclude={_exclude_all_but(course, batch)}"]
        proc = subprocess.Popen(cmd, cwd=course.root, env=nbgrader_env(env_of(index)), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines, current = [], None
        for line in proc.stdout:
            lines.append(line)
            started = STARTING.search(line)
            if started and started.group(1) != current:
                if current is not None and on_done:
                    on_done(current)
                current = started.group(1)
        proc.wait()
        if current is not None and on_done:
            on_done(current)
        return "".join(lines)

    dealt = batches(students, jobs)
    if not dealt:
        return []
    with ThreadPoolExecutor(max_workers=len(dealt)) as threads:
        return list(threads.map(run, enumerate(dealt)))
