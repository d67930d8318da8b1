"""The ``nncourse`` command: one verb per step of running the course.

    nncourse release [CHAPTER ...] [--check]   regenerate course/ from solutions/
    nncourse check NOTEBOOK                    a student's dry run: per-exercise table
    nncourse grade SUBMISSIONS --chapter CH    autograde a class, feedback, CSV, summary
    nncourse demo                              the whole pipeline on bundled samples
    nncourse lab                               open JupyterLab on course/
    nncourse present CHAPTER [--hide NAME]     code-free lecture view of a chapter's widgets
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.pipeline.course import CourseError, copy_course, find_course


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

    text, all_passed = check_notebook(Path(args.notebook))
    print(text)
    return 0 if all_passed else 1


def cmd_grade(args) -> int:
    from autograder.pipeline.grade import grade

    course = find_course()
    started = time.perf_counter()
    results = grade(course, Path(args.submissions), args.chapter, jobs=args.jobs, timeout=args.timeout,
                    progress=not args.quiet, sandbox=not args.no_sandbox, limits=_limits(args))
    _write_reports(course, args.chapter, results, started)
    return 0


def _write_reports(course, chapter: str, results, started: float) -> None:
    """Grades CSV and class summary under grading/reports/<chapter>/, then the table and where things went."""
    from autograder.pipeline.report import table, write_csv, write_summary

    out = course.grading / "reports" / chapter
    csv_path = write_csv(results, out / "grades.csv")
    summary = write_summary(results, chapter, out)
    print()
    print(table(results))
    print(f"\ngraded {len(results)} submissions in {time.perf_counter() - started:.0f} s")
    print(f"grades:   {csv_path}")
    print(f"summary:  {summary['html']}  ({summary['markdown'].name}, {summary['histogram'].name})")
    print(f"feedback: {course.grading / 'feedback'}/<student>/{chapter}/{chapter}.html")


def cmd_demo(args) -> int:
    from autograder.pipeline.grade import grade
    from autograder.pipeline.release import release
    from autograder.pipeline.samples import write_samples

    source = find_course()
    chapter = args.chapter
    target = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="nncourse-demo-"))
    if target.exists() and args.dir:
        shutil.rmtree(target)
    started = time.perf_counter()
    course = copy_course(source, target)
    print(f"1/3 release: regenerating course/ in a throwaway copy at {target}")
    release(course, [chapter])
    print("2/3 samples: full, partial, stub, broken file, hostile (loops forever, ignores interrupts), "
          "tamperer (rebinds check)")
    samples = write_samples(course, chapter, target / "submissions")
    print(f"3/3 grade: {len(samples)} submissions with {args.jobs or 'all'} parallel jobs")
    results = grade(course, target / "submissions", chapter, jobs=args.jobs, timeout=args.timeout,
                    sandbox=not args.no_sandbox, limits=_limits(args))
    _write_reports(course, chapter, results, started)
    return 0


def cmd_lab(args) -> int:
    course = find_course()
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={course.release}", *args.extra]
    return subprocess.call(cmd)


def cmd_present(args) -> int:
    from autograder.lecture.present import present

    return present(find_course(), args.chapter, port=args.port, open_browser=args.open, hide=args.hide or (),
                   dpi=args.dpi)


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
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate course/ from solutions/ with nbgrader")
    p.add_argument("chapters", nargs="*", metavar="CHAPTER", help="e.g. 01_perceptron (default: all)")
    p.add_argument("--check", action="store_true", help="exit 1 when course/ is out of date (changes nothing)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("check", help="run your notebook and see which exercises pass")
    p.add_argument("notebook", help="path to your notebook, e.g. course/01_perceptron/01_perceptron.ipynb")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("grade", help="autograde a folder of submissions")
    p.add_argument("submissions", help="folder of <student>/<notebook>.ipynb, <student>.ipynb or .zip exports")
    p.add_argument("--chapter", required=True, help="chapter id, e.g. 01_perceptron")
    p.add_argument("--jobs", type=int, default=None, help="parallel nbgrader processes (default: CPU cores)")
    p.add_argument("--timeout", type=int, default=None, help="seconds a cell may run (default: nbgrader_config.py)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_sandbox_options(p)
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("demo", help="release, grade the bundled samples, show the results")
    p.add_argument("--chapter", default="01_perceptron")
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--timeout", type=int, default=10, help="seconds a cell may run (default 10 for the demo)")
    p.add_argument("--dir", default=None, help="where to build the throwaway course (default: a temp folder)")
    _add_sandbox_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("lab", help="open JupyterLab on course/")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="extra arguments for jupyter lab")
    p.set_defaults(func=cmd_lab)

    p = sub.add_parser("present", help="serve a chapter's widgets without code, in large type, for a projector")
    p.add_argument("chapter", metavar="CHAPTER", help="e.g. 01_perceptron")
    p.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: 8866 or the next free one)")
    p.add_argument("--open", action="store_true", help="also open the page in the default browser")
    p.add_argument("--hide", action="append", metavar="NAME",
                   help="a control to keep off the screen in every widget, e.g. --hide b (repeat, or b,gate)")
    p.add_argument("--dpi", type=int, default=150, help="resolution of the widget figures (default 150)")
    p.set_defaults(func=cmd_present)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CourseError, FileNotFoundError, KeyError) as exc:
        print(f"nncourse {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
