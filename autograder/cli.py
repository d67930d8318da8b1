"""The ``nncourse`` command: one verb per step of running the course.

    nncourse release [CHAPTER ...] [--check]   regenerate course/ from solutions/
    nncourse check NOTEBOOK                    a student's dry run: per-exercise table
    nncourse grade SUBMISSIONS --chapter CH    autograde a class, feedback, CSV, summary
    nncourse demo                              the whole pipeline on bundled samples
    nncourse lab [JUPYTER OPTIONS]             open JupyterLab on course/
    nncourse present [CHAPTER] [--hide NAME]   code-free lecture view of a chapter (no CHAPTER: an index)
    nncourse hub start --roster ROSTER.csv     a JupyterHub for the course on this machine (autograder/hub)
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder.pipeline.course import CourseError, copy_course, find_course

# What each stage of `grade` and `demo` is doing, printed as it starts (a silent minute helps nobody).
STAGES = {
    "release": "nbgrader generate_assignment into a throwaway copy of the course",
    "samples": "writing six sample submissions: full, partial, stub, broken file, hostile (loops forever, "
               "ignores interrupts), tamperer (rebinds check)",
    "grade": "recording the chapter in the gradebook (skipped when unchanged), checking the submissions, "
             "starting one warm sandbox per job",
    "autograde": "nbgrader runs every notebook in its sandbox",
    "re-check": "each graded notebook again in a fresh sandbox, judged by the grader",
    "capstone": "each student's build_model + train in a fresh sandbox on the training digits, "
                "scored by the grader on the held-out ones",
    "feedback": "nbgrader generate_feedback: one HTML page per student",
    "reports": "grades CSV, class summary and histogram, merged with earlier gradings of the chapter",
}


def version() -> str:
    """The installed nncourse distribution's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("nncourse")
    except PackageNotFoundError:
        return "unknown (nncourse is not installed: pip install -e .)"


class StagePrinter:
    """``on_stage`` for :func:`autograder.pipeline.grade.grade`: one line per stage, with the time so far."""

    def __init__(self, started: float, detail: dict[str, str] | None = None):
        self.started = started
        self.detail = detail or {}

    def __call__(self, stage: str) -> None:
        text = self.detail.get(stage) or STAGES.get(stage, "")
        print(f"[{time.perf_counter() - self.started:3.0f} s] {stage}: {text}", flush=True)


def cmd_release(args) -> int:
    from autograder.pipeline.release import out_of_date, release

    course = find_course()
    if args.check:
        stale = out_of_date(course, args.chapters or None)
        if stale:
            print("course/ is out of date for: " + ", ".join(stale))
            print("run `nncourse release " + " ".join(stale) + "` and commit course/")
            return 1
        print("course/ is up to date with solutions/")
        return 0
    for path in release(course, args.chapters or None):
        print(f"released {path.relative_to(course.root)}")
    return 0


def cmd_check(args) -> int:
    from autograder.pipeline.student_check import check_notebook

    text, all_passed = check_notebook(Path(args.notebook), timeout=args.timeout)
    print(text)
    return 0 if all_passed else 1


def cmd_grade(args) -> int:
    from autograder.pipeline.grade import default_jobs, grade

    course = find_course()
    started = time.perf_counter()
    jobs = args.jobs or default_jobs()
    stage = StagePrinter(started, {"autograde": f"nbgrader runs every notebook ({jobs} parallel "
                                                f"job{'s' if jobs != 1 else ''}, each in its sandbox)"})
    submissions = Path(args.submissions)
    stage("grade")
    results = grade(course, submissions, args.chapter, jobs=jobs, timeout=args.timeout,
                    progress=not args.quiet, sandbox=not args.no_sandbox, limits=_limits(args),
                    on_stage=stage, accept=args.accept or ())
    stage("reports")
    _write_reports(course, args.chapter, results, started, str(submissions.resolve()))
    return 0


def _write_reports(course, chapter: str, results, started: float, submissions: str) -> None:
    """Merge into the chapter's reports under grading/reports/<chapter>/, then the table and where things went."""
    from autograder.pipeline.report import (
        capstone_lines,
        table,
        to_do,
        write_reports,
        written_answers,
    )

    written = written_answers(course.source_notebook(chapter))
    out = write_reports(course.grading, chapter, results, submissions, written)
    paths = out["paths"]
    print()
    print(table(results, written))
    capstone = capstone_lines(results)
    if capstone:
        print("\n" + "\n".join(capstone))
    print(f"\ngraded {len(results)} submissions in {time.perf_counter() - started:.0f} s")
    for line in to_do(results, chapter, out["sources"], written):
        print(line)
    earlier = len(out["results"]) - len(results)
    if earlier > 0:
        print(f"reports:  {len(out['results'])} students ({earlier} from earlier gradings of {chapter}; "
              "the newest grading of each student counts)")
    print(f"grades:   {paths['csv']}")
    print(f"summary:  {paths['html']}  ({paths['markdown'].name}, {paths['histogram'].name})")
    print(f"feedback: {course.grading / 'feedback'}/<student>/{chapter}/{chapter}.html")


def cmd_demo(args) -> int:
    from autograder.pipeline.grade import default_jobs, grade, has_capstone
    from autograder.pipeline.release import release
    from autograder.pipeline.samples import write_samples

    source = find_course()
    chapter = args.chapter
    target = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="nncourse-demo-"))
    if target.exists() and args.dir:
        shutil.rmtree(target)
    started = time.perf_counter()
    jobs = args.jobs or default_jobs()
    stage = StagePrinter(started, {
        "release": f"nbgrader generate_assignment {chapter} in a throwaway copy of the course at {target}",
        "autograde": f"nbgrader runs the sample notebooks ({jobs} parallel job{'s' if jobs != 1 else ''}, "
                     "each in its sandbox)"})
    course = copy_course(source, target)
    if has_capstone(course, chapter):
        stage.detail["samples"] = (STAGES["samples"] + ", and four capstones: capstone_full (the reference), "
                                   "capstone_partial (two epochs of plain SGD), capstone_zero (never trained), "
                                   "capstone_peeker (trains on load_digits(), the held-out digits included)")
    stage("release")
    release(course, [chapter])
    stage("samples")
    write_samples(course, chapter, target / "submissions")
    stage("grade")
    results = grade(course, target / "submissions", chapter, jobs=jobs, timeout=args.timeout,
                    sandbox=not args.no_sandbox, limits=_limits(args), on_stage=stage)
    stage("reports")
    _write_reports(course, chapter, results, started, str(target / "submissions"))
    return 0


# Options that choose JupyterLab's folder: when given, `nncourse lab` does not add its own.
_ROOT_OPTIONS = ("--ServerApp.root_dir", "--notebook-dir", "--ServerApp.notebook_dir", "--NotebookApp.notebook_dir")


def lab_command(course, extra: list[str]) -> list[str]:
    """The JupyterLab command line: opened on ``course/`` unless ``extra`` names another folder."""
    cmd = [sys.executable, "-m", "jupyterlab"]
    if not any(arg.split("=", 1)[0] in _ROOT_OPTIONS for arg in extra):
        cmd.append(f"--ServerApp.root_dir={course.release}")
    return cmd + list(extra)


def cmd_lab(args) -> int:
    cmd = lab_command(find_course(), args.extra)
    sys.stdout.flush()
    # JupyterLab takes this process's place: Ctrl-C, signals and the exit code are its own.
    os.execv(cmd[0], cmd)
    return 0  # not reached


def cmd_present(args) -> int:
    from autograder.lecture.present import present

    try:
        return present(find_course(), args.chapter, port=args.port, open_browser=args.open, hide=args.hide or (),
                       dpi=args.dpi, exercises=args.exercises, preheat=not args.no_preheat, scene=args.scene)
    except ValueError as exc:  # a --hide name no widget has (with the valid names), a bad --scene: no traceback
        print(f"nncourse present: {exc}", file=sys.stderr)
        return 2


def _limits(args):
    from autograder.sandbox.limits import Limits

    return Limits(memory_mb=args.memory_mb, cpu_seconds=args.cpu_seconds, max_procs=args.max_procs,
                  file_size_mb=args.file_size_mb, output_mb=args.output_mb)


def _add_sandbox_options(p) -> None:
    from autograder.sandbox.limits import Limits

    d = Limits()
    g = p.add_argument_group("isolation (each notebook runs in a bubblewrap sandbox with these limits)")
    g.add_argument("--no-sandbox", action="store_true", help="run student code unisolated (not recommended)")
    g.add_argument("--memory-mb", type=int, default=d.memory_mb, help=f"address space (default {d.memory_mb})")
    g.add_argument("--cpu-seconds", type=int, default=d.cpu_seconds,
                   help=f"CPU time per notebook (default {d.cpu_seconds})")
    g.add_argument("--max-procs", type=int, default=d.max_procs,
                   help=f"processes and threads (default {d.max_procs})")
    g.add_argument("--file-size-mb", type=int, default=d.file_size_mb,
                   help=f"largest file written (default {d.file_size_mb})")
    g.add_argument("--output-mb", type=int, default=d.output_mb, help=f"printed text kept (default {d.output_mb})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nncourse", description="Neural networks from scratch: course tools.")
    parser.add_argument("--version", action="version", version=f"nncourse {version()}",
                        help="print the installed nncourse version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("release", help="regenerate course/ from solutions/ with nbgrader")
    p.add_argument("chapters", nargs="*", metavar="CHAPTER", help="e.g. 01_perceptron (default: all)")
    p.add_argument("--check", action="store_true", help="exit 1 when course/ is out of date (changes nothing)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("check", help="run your notebook and see which exercises pass")
    p.add_argument("notebook", help="path to your notebook, e.g. course/01_perceptron/01_perceptron.ipynb")
    p.add_argument("--timeout", type=int, default=120, help="seconds a cell may run (default 120)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("grade", help="autograde a folder or zip of submissions")
    p.add_argument("submissions", metavar="SUBMISSIONS",
                   help="a folder of <student>/<notebook>.ipynb, <student>.ipynb or <student>.zip, "
                        "or the .zip an LMS exports")
    p.add_argument("--chapter", required=True, help="chapter id, e.g. 01_perceptron")
    p.add_argument("--jobs", type=int, default=None, help="parallel nbgrader processes (default: CPU cores)")
    p.add_argument("--timeout", type=int, default=None, help="seconds a cell may run (default: nbgrader_config.py)")
    p.add_argument("--accept", action="append", metavar="STUDENT",
                   help="accept this student's own notebook score after you reviewed it (repeat for more)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_sandbox_options(p)
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("demo", help="release, grade the bundled samples, show the results")
    p.add_argument("--chapter", default="01_perceptron",
                   help="chapter whose sample submissions are graded (default 01_perceptron)")
    p.add_argument("--jobs", type=int, default=None, help="parallel nbgrader processes (default: CPU cores)")
    p.add_argument("--timeout", type=int, default=10, help="seconds a cell may run (default 10 for the demo)")
    p.add_argument("--dir", default=None, help="where to build the throwaway course (default: a temp folder)")
    _add_sandbox_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("lab", help="open JupyterLab on course/ (other options go to jupyter lab)",
                       description="Open JupyterLab on course/. Every other option is passed to jupyter lab, "
                                   "e.g. nncourse lab --no-browser --port 8951; "
                                   "--ServerApp.root_dir=FOLDER opens another folder.")
    p.set_defaults(func=cmd_lab, takes_extra=True)

    p = sub.add_parser("present", help="serve a chapter's widgets without code, in large type, for a projector",
                       description="Serve the lecture view of a chapter (or, without CHAPTER, an index of every "
                                   "chapter). In the page: PageDown / right arrow next section, PageUp / left "
                                   "arrow previous, C contents, 'Reset widgets' bottom right.")
    p.add_argument("chapter", metavar="CHAPTER", nargs="?", default=None,
                   help="e.g. 01_perceptron, or playground (default: an index page of all chapters)")
    p.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: 8866 or the next free one)")
    p.add_argument("--open", action="store_true", help="also open the page in the default browser")
    p.add_argument("--hide", action="append", metavar="NAME",
                   help="a control to keep off the screen in every widget, e.g. --hide b (repeat, or b,gate)")
    p.add_argument("--dpi", type=int, default=150, help="resolution of the widget figures (default 150)")
    p.add_argument("--exercises", choices=("show", "hide"), default="show",
                   help="exercise and written-answer statements as one-line markers ('show', the default) "
                        "or left out ('hide')")
    p.add_argument("--scene", default="", metavar="STRING",
                   help="playground only: the scene to start from, e.g. 'd=spiral;k=3;h=8.8' (the string under "
                        "the widget)")
    p.add_argument("--no-preheat", action="store_true",
                   help="start each page's kernel when the page is asked for (slower pages, one kernel less "
                        "per chapter)")
    p.set_defaults(func=cmd_present)

    from autograder.hub.cli import add_parser as add_hub_parser

    add_hub_parser(sub)
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse ``argv``; options ``lab`` does not know are kept for JupyterLab (``args.extra``)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "takes_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        return args.func(args)
    except (CourseError, FileNotFoundError, KeyError) as exc:
        print(f"nncourse {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
