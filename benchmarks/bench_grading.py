"""Notebooks and grading (target 5): solution notebooks' run time, and grading a class of 60.

1. Every ``solutions/NN_topic/NN_topic.ipynb`` is executed top to bottom
   with nbclient on a fresh kernel (as "Restart kernel and run all" does),
   from a copy under ``benchmarks/_work``; wall time includes the kernel's
   start and shutdown.  Notebooks take turns (interleaved rounds).
2. 60 submissions of chapter 01 are generated from its notebooks with
   ``autograder.pipeline.samples`` (20 full answers, 20 partial — the first half of
   the exercises answered — and 20 untouched stubs) and graded three ways,
   each in its own throwaway copy of the course under ``benchmarks/_work``:
   ``nncourse grade --jobs 1``, ``nncourse grade --jobs 2`` (both sandboxed, as by default) and
   ``nncourse grade --jobs 2 --no-sandbox`` (the cost of isolation) (all: generate
   the assignment, import, autograde, feedback HTML, CSV and summary) and
   plain ``nbgrader autograde`` in one process (the assignment generated and
   the submissions placed beforehand, untimed), followed by plain
   ``nbgrader generate_feedback`` so that the plain flow's total produces
   what ``nncourse grade`` produces.  Each class is graded once (a run takes
   about a minute); the scores of the three runs are compared.

Run alone: ``python -m benchmarks.bench_grading [--quick]`` (quick: 6 submissions, notebooks once).
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_grading.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import csv
import shutil
import subprocess
import time

from benchmarks._common import ROOT, WORK, Section, Target, interleaved, md_table

CHAPTER = "01_perceptron"
CLASS_SIZE = 60


# ----------------------------------------------------------------- notebooks
def solution_notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def execute_notebook(path: Path, workdir: Path, out: dict) -> None:
    """Run ``path`` (copied into ``workdir``) on a fresh kernel; records errors in ``out``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from autograder.pipeline.course import nbgrader_env

    folder = workdir / path.parent.name
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    nb = nbformat.read(folder / path.name, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    try:
        # this venv's python first on PATH, NBGRADER_EXECUTION unset; the kernel's start-up chatter silenced
        client.execute(env=nbgrader_env(), stderr=subprocess.DEVNULL)
        out["error"] = ""
    except CellExecutionError as exc:
        out["error"] = str(exc).strip().splitlines()[-1][:160]
    except Exception as exc:  # a kernel that will not start, a timeout
        out["error"] = f"{type(exc).__name__}: {str(exc)[:160]}"


def measure_notebooks(repeats: int):
    workdir = WORK / "notebooks"
    workdir.mkdir(parents=True, exist_ok=True)
    notebooks = solution_notebooks()
    outcome = {p.parent.name: {} for p in notebooks}
    stats = interleaved({p.parent.name: (lambda p=p: execute_notebook(p, workdir, outcome[p.parent.name]))
                         for p in notebooks}, repeats=repeats, warmup=0)
    return stats, outcome


# ----------------------------------------------------------------- a class of submissions
def make_class(course, folder: Path, size: int) -> dict:
    """``size`` submissions ``studentNN/01_perceptron.ipynb``: a third full, a third partial, a third stubs."""
    import nbformat

    from autograder.pipeline.samples import answer_sources, fill

    released = nbformat.read(course.released_notebook(CHAPTER), as_version=4)
    answers = answer_sources(course, CHAPTER)
    code = [g for g in answers if any(c.metadata.get("nbgrader", {}).get("grade_id") == g and c.cell_type == "code"
                                      for c in released.cells)]
    half = {g: answers[g] for g in code[: max(1, len(code) // 2)]}
    kinds = {"full": fill(released, answers), "partial": fill(released, half), "stub": released}
    expected = {}
    for i in range(size):
        kind = ("full", "partial", "stub")[i % 3]
        student = f"student{i + 1:02d}"
        path = folder / student / f"{CHAPTER}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(kinds[kind], path)
        expected[student] = kind
    return expected


def fresh_course(name: str):
    from autograder.pipeline.course import copy_course, find_course

    target = WORK / "grading" / name
    if target.exists():
        shutil.rmtree(target)
    return copy_course(find_course(ROOT), target)


def nncourse_command() -> list[str]:
    script = Path(sys.executable).parent / "nncourse"
    return [str(script)] if script.exists() else [sys.executable, "-m", "autograder.cli"]


def grade_with_nncourse(submissions: Path, jobs: int, sandbox: bool = True) -> dict:
    from autograder.pipeline.course import nbgrader_env

    course = fresh_course(f"nncourse-jobs{jobs}" + ("" if sandbox else "-unisolated"))
    cmd = [*nncourse_command(), "grade", str(submissions), "--chapter", CHAPTER, "--jobs", str(jobs), "--quiet",
           *([] if sandbox else ["--no-sandbox"])]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=course.root, env=nbgrader_env(), text=True, capture_output=True)
    seconds = time.perf_counter() - start
    scores = {}
    csv_path = course.grading / "reports" / CHAPTER / "grades.csv"
    if csv_path.exists():
        with open(csv_path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                student = row.get("student") or row.get("student_id") or next(iter(row.values()))
                score = row.get("score") or row.get("total") or row.get("autograded")
                try:
                    scores[student] = float(score)
                except (TypeError, ValueError):
                    pass
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
    return {"seconds": seconds, "ok": proc.returncode == 0, "scores": scores, "tail": tail}


def grade_with_plain_nbgrader(submissions: Path) -> dict:
    from autograder.pipeline.course import nbgrader, nbgrader_env

    course = fresh_course("plain-nbgrader")
    nbgrader(course, "generate_assignment", CHAPTER, "--force")  # untimed: done once at release time
    for notebook in sorted(submissions.glob(f"*/{CHAPTER}.ipynb")):
        target = course.grading / "submitted" / notebook.parent.name / CHAPTER / notebook.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, target)
    env = nbgrader_env()
    timings = {}
    for step, args in (("autograde", ["autograde", CHAPTER, "--force", "--create"]),
                       ("generate_feedback", ["generate_feedback", CHAPTER, "--force"])):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course.root, env=env, text=True,
                              capture_output=True)
        timings[step] = (time.perf_counter() - start, proc.returncode == 0)
    scores = {}
    try:
        from nbgrader.api import Gradebook

        with Gradebook("sqlite:///" + str(course.grading / "gradebook.db")) as gb:
            for sub in gb.assignment_submissions(CHAPTER):
                scores[sub.student_id] = float(sub.score)
    except Exception:  # scores are a cross-check only
        pass
    return {"seconds": timings["autograde"][0], "ok": timings["autograde"][1],
            "feedback_seconds": timings["generate_feedback"][0], "scores": scores}


def measure_grading(size: int) -> dict:
    from autograder.pipeline.course import find_course

    course = find_course(ROOT)
    if not course.released_notebook(CHAPTER).exists():
        return {"error": f"{course.released_notebook(CHAPTER).relative_to(ROOT)} does not exist"}
    submissions = WORK / "grading" / "class"
    if submissions.exists():
        shutil.rmtree(submissions)
    expected = make_class(course, submissions, size)
    runs = {"plain nbgrader autograde (1 process)": grade_with_plain_nbgrader(submissions),
            "nncourse grade --jobs 2": grade_with_nncourse(submissions, 2),
            "nncourse grade --jobs 2 --no-sandbox": grade_with_nncourse(submissions, 2, sandbox=False),
            "nncourse grade --jobs 1": grade_with_nncourse(submissions, 1)}
    return {"expected": expected, "runs": runs}


# ----------------------------------------------------------------- report
def run(quick: bool = False) -> Section:
    section = Section("grading", "5. Notebooks and grading")
    body, targets, chart = [], [], {}

    stats, outcome = measure_notebooks(repeats=1 if quick else 5)
    rows = []
    for name, st in stats.items():
        error = outcome[name].get("error")
        rows.append([f"`solutions/{name}`", f"{st.median:.1f} [{st.min:.1f}–{st.max:.1f}]",
                     "ok" if not error else f"error: {error}"])
        targets.append(Target(f"solution notebook `{name}` runs in ≤ 15 s without error", "≤ 15 s",
                              f"{st.median:.1f} s" + ("" if not error else " (error)"), st.median <= 15 and not error))
    chart["notebook_s"] = {name: st.median for name, st in stats.items()}
    body += [f"Solution notebooks, executed with nbclient on a fresh kernel (start and shutdown included); seconds, "
             f"median [min–max] of {1 if quick else 5} interleaved runs. Chapters without a solution notebook "
             f"yet are not listed.", "", md_table(["notebook", "seconds", "result"], rows), ""]

    size = 6 if quick else CLASS_SIZE
    try:
        grading = measure_grading(size)
    except Exception as exc:  # the grading pipeline is still being finished: say so, keep the report
        grading = {"error": f"{type(exc).__name__}: {exc}"}
    if "error" in grading:
        body.append(f"Grading: not measured — {grading['error']}")
        targets.append(Target("grading 60 submissions: nncourse --jobs 2 ≥ 2× faster than plain serial nbgrader",
                              "≥ 2×", f"not measured: {grading['error']}", None))
    else:
        runs, expected = grading["runs"], grading["expected"]
        plain = runs["plain nbgrader autograde (1 process)"]
        rows = []
        for name, r in runs.items():
            extra = f" + {r['feedback_seconds']:.1f} s generate_feedback" if "feedback_seconds" in r else ""
            status = "ok" if r["ok"] else "FAILED: " + " / ".join(r.get("tail", []))[:200]
            rows.append([name, f"{r['seconds']:.1f}{extra}", f"{plain['seconds'] / r['seconds']:.2f}×", status])
        agree = _scores_agree(runs, expected)
        body += [f"Grading a class of {size} generated submissions of `{CHAPTER}` "
                 f"({'QUICK SMOKE RUN, ' if quick else ''}a third each full / partial / stub), each way once in a "
                 "fresh copy of the course; seconds of wall time. `nncourse grade` times include generating the "
                 "assignment, importing, feedback HTML and the reports; the plain row is `nbgrader autograde` alone "
                 "(its `generate_feedback` shown after the +).", "",
                 md_table(["grader", "seconds", "speed-up vs plain autograde", "status"], rows), "", agree]
        j2 = runs["nncourse grade --jobs 2"]
        if j2["ok"] and plain["ok"]:
            speed = plain["seconds"] / j2["seconds"]
            full_plain = plain["seconds"] + plain["feedback_seconds"]
            targets.append(Target(f"grading {size} submissions: `nncourse grade --jobs 2` ≥ 2× faster than plain "
                                  "serial `nbgrader autograde`", "≥ 2×",
                                  f"{speed:.2f}× (against plain autograde + generate_feedback: "
                                  f"{full_plain / j2['seconds']:.2f}×)", speed >= 2.0))
        else:
            targets.append(Target("grading: nncourse --jobs 2 ≥ 2× faster than plain serial nbgrader", "≥ 2×",
                                  "a run failed (see table)", None))
        bare = runs["nncourse grade --jobs 2 --no-sandbox"]
        if j2["ok"] and bare["ok"]:
            cost = j2["seconds"] / bare["seconds"]
            targets.append(Target(f"isolation : grading {size} submissions in the sandbox, re-check "
                                  "included, ≤ 1.3 × the time without it", "≤ 1.3×",
                                  f"{cost:.2f}× ({j2['seconds']:.1f} s vs {bare['seconds']:.1f} s)", cost <= 1.3))
        chart["grading_s"] = {name: r["seconds"] for name, r in runs.items()}
    section.body = "\n".join(body)
    section.targets = targets
    section.chart = chart
    return section


def _scores_agree(runs: dict, expected: dict) -> str:
    by_kind = {}
    for name, r in runs.items():
        for student, score in r["scores"].items():
            by_kind.setdefault(expected.get(student, "?"), {}).setdefault(name, set()).add(round(score, 3))
    if not by_kind:
        return "(Scores could not be read back for a cross-check.)"
    parts = []
    for kind in ("full", "partial", "stub"):
        seen = by_kind.get(kind, {})
        values = {name: sorted(v) for name, v in seen.items()}
        same = len({tuple(v) for v in values.values()}) == 1
        parts.append(f"{kind}: " + ("; ".join(f"{n} {v}" for n, v in values.items()) if not same
                                    else f"{next(iter(values.values()))} in every run"))
    return "Autograded scores by kind of submission — " + " · ".join(parts) + "."


def main(argv=None):
    from benchmarks._common import cli

    return cli(run, "Solution notebook run times and grading a class of 60 (nncourse vs plain nbgrader)", argv)


if __name__ == "__main__":
    main()
