"""``nncourse present CHAPTER``: a chapter's widgets on a projector, without code.

What the lecturer gets: one local web page with the chapter's prose, its
figures and its live widgets in large type, no code cells, no exercises.  It
is served by Voilà on 127.0.0.1; open the printed URL in a browser on the
lecture machine and put that window on the projector.  Every page load runs
the chapter in a fresh kernel (reload to start over).

What is shown.  A "lecture copy" of the chapter's *solution* notebook is
written to a temporary folder (beside a copy of the chapter's other files):

- markdown cells are kept (the prose and the math), without the sections
  that address the student ("### Exercise 3 — ...", "### Written answer");
  written-answer and task cells are dropped;
- test cells are dropped (a lecturer does not show ``✓ 9 checks passed``);
- answer cells still run, since later widgets may use the functions they
  define ("your code powers this"), but silently (``%%capture``);
- every other code cell runs as in the notebook, showing its widget, figure
  or printed result; Voilà shows outputs only, never the code.

Controls a lecturer does not want on screen (TensorFlow Playground's
"classroom mode" idea) are hidden with ``--hide NAME``: the names go to the
kernel as ``NNCOURSE_HIDE`` and every chapter widget that has a control of
that name leaves it out (:func:`nnlib.widgets._base.lecture_hide`); the
control keeps its value.  Figures are drawn at ``NNCOURSE_DPI`` (150 here)
instead of 96, so they stay sharp at projector size.

Why Voilà rather than JupyterLab's own presentation facilities?
JupyterLab's *Presentation Mode* (View menu) only enlarges the interface:
code cells, prompts and toolbars stay on screen, and the lecturer must run
all cells first.  Hiding code there means editing cell metadata
(``source_hidden``) and still leaves the cells editable; a slide extension
(RISE) needs per-cell slide metadata and an extra extension.  Voilà renders a
notebook's outputs only (``strip_sources``), runs it on page load, keeps the
kernel alive so ipywidgets respond exactly as in JupyterLab, takes a template
for the large-type CSS (``autograder/lecture/voila/templates/lecture``), installs
beside this JupyterLab/nbgrader set without changing it (TOOLCHAIN.md), and
serves on loopback.  The chapter widgets already draw into
``matplotlib.figure.Figure`` objects, so they behave the same in both.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import nbformat
from nbformat.corpus.words import generate_corpus_id

STATIC = Path(__file__).resolve().parent  # holds voila/templates/lecture
TEMPLATE = "lecture"  # STATIC / voila / templates / lecture
LECTURE_DPI = 150


# ------------------------------------------------------------------ the lecture copy


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_answer_cell(cell) -> bool:
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and bool(meta.get("solution")) and not meta.get("grade")


# Markdown sections that address the student, cut from the lecture copy: a heading
# starting with one of these words, down to the next heading of the same or a higher level.
EXERCISE_HEADINGS = ("exercise", "written answer")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def without_exercise_sections(markdown: str) -> str:
    """``markdown`` without its "### Exercise ..." / "### Written answer ..." sections."""
    kept, cutting_below = [], None  # cutting_below: level of the heading being cut, or None
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2).strip().lower()
            if cutting_below is not None and level <= cutting_below:
                cutting_below = None
            if cutting_below is None and title.startswith(EXERCISE_HEADINGS):
                cutting_below = level
        if cutting_below is None:
            kept.append(line)
    return "\n".join(kept).strip()


def lecture_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The lecture copy of a solution notebook: prose, figures and widgets; no exercises.

    Parameters
    ----------
    nb : NotebookNode
        A chapter's solution notebook (nbgrader source, every answer filled in).

    Returns
    -------
    NotebookNode
        A new notebook: test cells, written-answer and task cells, raw cells
        and "Exercise" / "Written answer" sections of markdown dropped;
        answer cells silenced with ``%%capture``; outputs cleared; everything
        else unchanged.
    """
    lecture = nbformat.v4.new_notebook(metadata=nb.metadata)
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "raw" or meta.get("grade") or meta.get("task"):
            continue  # test cells, written answers (markdown with grade), manually graded tasks
        cell = nbformat.from_dict(cell)  # a copy: the source notebook is left alone
        cell.setdefault("id", generate_corpus_id())
        if cell.cell_type == "markdown":
            cell.source = without_exercise_sections(cell.source)
            if not cell.source:
                continue  # the cell was an exercise statement and nothing else
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if _is_answer_cell(cell):
                cell.source = "%%capture\n" + cell.source
        lecture.cells.append(cell)
    return lecture


def write_lecture(course_root: Path, chapter: str, folder: Path) -> Path:
    """Copy the chapter folder of ``solutions/`` into ``folder`` and write its lecture notebook there."""
    source_dir = Path(course_root) / "solutions" / chapter
    source = source_dir / f"{chapter}.ipynb"
    if not source.exists():
        chapters = sorted(p.parent.name for p in (Path(course_root) / "solutions").glob("*/*.ipynb")
                          if p.stem == p.parent.name)
        raise FileNotFoundError(f"no chapter {chapter!r}: expected {source}; chapters: {', '.join(chapters) or 'none'}")
    # The notebook may read files beside it (data, images): the kernel runs in this folder.
    shutil.copytree(source_dir, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.ipynb"))
    nb = nbformat.read(source, as_version=4)
    target = folder / f"{chapter}.ipynb"
    nbformat.write(lecture_notebook(nb), target)
    return target


# ------------------------------------------------------------------ the server


def _stop(process: subprocess.Popen) -> int:
    """Stop Voilà: SIGTERM (it then shuts its kernels down), SIGKILL if it does not exit in 10 s."""
    process.terminate()
    try:
        return process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def voila_command(notebook: Path, port: int | None = None, open_browser: bool = False,
                  ip: str = "127.0.0.1") -> list[str]:
    """The ``voila`` command line serving ``notebook`` with the lecture template."""
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--template={TEMPLATE}", "--theme=light",
           f"--Voila.ip={ip}", "--strip_sources=True", "--show_tracebacks=False",
           "--no-browser" if not open_browser else "--Voila.open_browser=True"]
    if port is not None:
        cmd.append(f"--port={port}")
    return cmd


def voila_env(hide=(), dpi: int = LECTURE_DPI) -> dict:
    """The environment for Voilà and its kernels: template path, hidden controls, figure DPI."""
    env = dict(os.environ)
    # Voilà looks for templates under <each JUPYTER_PATH entry>/voila/templates.
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(STATIC), env.get("JUPYTER_PATH", "")) if p)
    env["NNCOURSE_HIDE"] = ",".join(hide)
    env["NNCOURSE_DPI"] = str(int(dpi))
    # Projectors have a devicePixelRatio of 1: PNGs at 1 pixel per CSS pixel (nnlib/widgets/_layout.py);
    # a lecturer on a HiDPI screen may set NNCOURSE_PIXEL_RATIO=2 (sharper, slower frames).
    env.setdefault("NNCOURSE_PIXEL_RATIO", "1")
    env.pop("NBGRADER_EXECUTION", None)  # with it set, widgets draw nothing
    return env


def split_names(values) -> tuple[str, ...]:
    """``["b", "w1,w2"]`` -> ``("b", "w1", "w2")`` (``--hide`` may be repeated or comma-separated)."""
    return tuple(name.strip() for value in values or () for name in value.split(",") if name.strip())


def present(course_root, chapter: str, port: int | None = None, open_browser: bool = False,
            hide=(), dpi: int = LECTURE_DPI, ip: str = "127.0.0.1") -> int:
    """Serve the lecture view of ``chapter`` until Ctrl-C; return an exit code (0 after Ctrl-C).

    Parameters
    ----------
    course_root : path or Course
        The folder with ``solutions/`` (the repository).
    chapter : str
        Chapter id, e.g. ``"01_perceptron"``.
    port : int, optional
        Port on ``ip`` (default: Voilà's 8866, or the next free one).
    open_browser : bool
        Open the page in the default browser.
    hide : iterable of str
        Control names to keep off the screen in every widget, e.g. ``("b",)``.
    dpi : int
        Resolution of the widget figures (96 in a notebook).
    ip : str
        Address to listen on; loopback by default (the lecture machine only).
    """
    root = Path(getattr(course_root, "root", course_root))
    hide = split_names(hide) if not isinstance(hide, str) else split_names([hide])
    folder = Path(tempfile.mkdtemp(prefix=f"nncourse-present-{chapter}-"))
    try:
        notebook = write_lecture(root, chapter, folder)
        shown = f", hiding {', '.join(hide)}" if hide else ""
        print(f"Lecture view of {chapter}{shown}: Voilà prints the address below; Ctrl-C stops it.", flush=True)
        process = subprocess.Popen(voila_command(notebook, port, open_browser, ip), env=voila_env(hide, dpi),
                                   cwd=folder)
        # Ctrl-C, or SIGTERM from a process manager: stop Voilà and its kernels, not just this process.
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
        try:
            return process.wait()
        except KeyboardInterrupt:
            _stop(process)
            return 0  # the lecturer stopped it: that is success
        finally:
            if in_main:
                signal.signal(signal.SIGTERM, previous)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
