"""``nncourse present [CHAPTER]``: a chapter's widgets on a projector, without code.

What the lecturer gets: one local web page with the chapter's prose, its
figures and its live widgets in large type, no code cells, nothing addressed
to a student.  It is served by Voilà on 127.0.0.1; open the printed URL in a
browser on the lecture machine and put that window on the projector.
Without a chapter, the page is an index of every chapter (title, one line,
link), each opening in the lecture view.  ``nncourse present playground``
serves the live-training playground as a page of its own
(:mod:`autograder.lecture.playground_page`).

What is shown: a "lecture copy" of the chapter's *solution* notebook
(:mod:`autograder.lecture.notebook`): prose, figures and widgets; exercise and
written-answer statements as one-line markers (``--exercises show``, the
default) or not at all (``--exercises hide``); cells tagged ``student-only``
left out (markdown) or run silently (code); no test cells.  The kernel gets
``NNCOURSE_LECTURE=1``, so widget status lines about "your code" stay off.

The page (template ``autograder/lecture/voila/templates/lecture``): large
type, a contents panel of the chapter's headings (``C``), next / previous
section with PageDown / PageUp or the arrow keys (a presenter's clicker sends
PageDown / PageUp), and "Reset widgets", which puts every widget's controls
back to their first values.

Controls a lecturer does not want on screen (TensorFlow Playground's
"classroom mode" idea) are hidden with ``--hide NAME``: the names go to the
kernel as ``NNCOURSE_HIDE`` and every chapter widget that has a control of
that name leaves it out (:func:`nnlib.widgets._base.lecture_hide`); the
control keeps its value.  A name that no widget of the chapter has is an
error listing the valid ones (:mod:`autograder.lecture.controls`), before
Voilà starts.  Figures are drawn at ``NNCOURSE_DPI`` (150 here) instead of
96, so they stay sharp at projector size.

Ready in a few seconds, not 10-20: Voilà's *preheated kernels*
(``--preheat_kernel=True --pool_size=1``) start a kernel per chapter when
the server starts and run the lecture copy in it before anyone asks; a page
load takes the waiting kernel and only draws.  Voilà then starts the next
one in the background (``fill_delay`` later), so a reload is quick too.
Preheating needs ``progressive_rendering`` and ``prelaunch_hook`` off (their
defaults) and costs one idle kernel per chapter (~150 MB each);
``--no-preheat`` starts each page's kernel on request instead.

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
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import nbformat

from autograder.lecture.chapters import chapter_ids, chapters, index_html
from autograder.lecture.controls import UnknownControlError, check_hide, control_names
from autograder.lecture.notebook import (
    DEFAULT_EXERCISES,
    EXERCISE_MODES,
    lecture_notebook,
    without_exercise_sections,
)
from autograder.lecture.playground_page import ENTRY as PLAYGROUND_ENTRY
from autograder.lecture.playground_page import PAGE as PLAYGROUND
from autograder.lecture.playground_page import write_playground

STATIC = Path(__file__).resolve().parent  # holds voila/templates/lecture
TEMPLATE = "lecture"  # STATIC / voila / templates / lecture
LECTURE_DPI = 150
POOL_SIZE = 1  # preheated kernels kept waiting per chapter
# Seconds between a page taking its preheated kernel and Voilà starting the next one.  Voilà's default
# is 1 s; the refill runs the whole chapter (2-4 s of CPU), which on 2 cores would slow the page still
# drawing.  After 3 s the page is drawn; a reload sooner than that waits for the refill.
FILL_DELAY_S = 3.0
INDEX_FRAGMENT = "chapters.html"  # written beside the template's tree.html for the index page


# ------------------------------------------------------------------ the lecture copies


def write_lecture(course_root: Path, chapter: str, folder: Path, exercises: str = DEFAULT_EXERCISES) -> Path:
    """Copy the chapter folder of ``solutions/`` into ``folder`` and write its lecture notebook there."""
    source_dir = Path(course_root) / "solutions" / chapter
    source = source_dir / f"{chapter}.ipynb"
    if not source.exists():
        raise FileNotFoundError(f"no chapter {chapter!r}: expected {source}; "
                                f"chapters: {', '.join(chapter_ids(course_root)) or 'none'}")
    # The notebook may read files beside it (data, images): the kernel runs in this folder.
    shutil.copytree(source_dir, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.ipynb"))
    nb = nbformat.read(source, as_version=4)
    target = folder / f"{chapter}.ipynb"
    nbformat.write(lecture_notebook(nb, exercises), target)
    return target


def write_index_template(course_root: Path, jupyter_dir: Path, after=()) -> Path:
    """Write the index page's chapter list where Voilà finds it beside the lecture template.

    ``jupyter_dir`` goes first on ``JUPYTER_PATH`` (:func:`voila_env`): Voilà
    searches ``<each entry>/voila/templates/lecture`` for the template's files,
    and the template's ``tree.html`` includes this one.  ``after``: entries
    listed after the chapters (the playground).
    """
    folder = jupyter_dir / "voila" / "templates" / TEMPLATE
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / INDEX_FRAGMENT
    path.write_text(index_html([*chapters(course_root), *after]), encoding="utf-8")
    return path


def validate_hide(notebooks: dict[str, Path], hide) -> None:
    """Raise :class:`UnknownControlError` when a ``--hide`` name is no control of the chapters' widgets."""
    if hide:
        check_hide(hide, {chapter: control_names(nbformat.read(path, as_version=4))
                          for chapter, path in notebooks.items()})


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


def voila_command(target: Path, port: int | None = None, open_browser: bool = False,
                  ip: str = "127.0.0.1", preheat: bool = True) -> list[str]:
    """The ``voila`` command line serving ``target`` (a lecture notebook, or the folder of all) with the template."""
    cmd = [sys.executable, "-m", "voila", str(target), f"--template={TEMPLATE}", "--theme=light",
           f"--Voila.ip={ip}", "--strip_sources=True", "--show_tracebacks=False",
           "--no-browser" if not open_browser else "--Voila.open_browser=True"]
    if Path(target).is_dir():
        cmd.append("--VoilaConfiguration.classic_tree=True")  # the template's own tree.html: the index page
    if preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={POOL_SIZE}", f"--VoilaKernelManager.fill_delay={FILL_DELAY_S}"]
    if port is not None:
        cmd.append(f"--port={port}")
    return cmd


def voila_env(hide=(), dpi: int = LECTURE_DPI, templates: Path | None = None) -> dict:
    """The environment for Voilà and its kernels: template path, lecture mode, hidden controls, figure DPI.

    ``templates``: a folder searched before the packaged template (the index page's chapter list).
    Preheated kernels get this environment too: Voilà starts them with a copy of its own.
    """
    env = dict(os.environ)
    # Voilà looks for templates under <each JUPYTER_PATH entry>/voila/templates.
    paths = [str(templates) if templates else "", str(STATIC), env.get("JUPYTER_PATH", "")]
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in paths if p)
    env["NNCOURSE_LECTURE"] = "1"  # widgets say nothing about "your code" (nnlib/widgets/_lecture.py)
    env["NNCOURSE_HIDE"] = ",".join(hide)
    env["NNCOURSE_DPI"] = str(int(dpi))
    # Projectors have a devicePixelRatio of 1: PNGs at 1 pixel per CSS pixel (nnlib/widgets/_layout.py);
    # a lecturer on a HiDPI screen may set NNCOURSE_PIXEL_RATIO=2, or "auto" to follow the page's ratio
    # as notebooks do (sharper, but 4 times the pixels per frame at the lecture view's 150 dpi).
    env.setdefault("NNCOURSE_PIXEL_RATIO", "1")
    env.pop("NBGRADER_EXECUTION", None)  # with it set, widgets draw nothing
    return env


def split_names(values) -> tuple[str, ...]:
    """``["b", "w1,w2"]`` -> ``("b", "w1", "w2")`` (``--hide`` may be repeated or comma-separated)."""
    return tuple(name.strip() for value in values or () for name in value.split(",") if name.strip())


def _prepare(root: Path, chapter: str | None, work: Path, exercises: str, hide,
             scene: str = "") -> tuple[Path, Path | None]:
    """Write the lecture copies (and the index's chapter list) under ``work``; check ``hide``.

    Returns what Voilà serves (one notebook, or the folder of all chapters)
    and the extra template folder (index only).
    """
    if scene and chapter != PLAYGROUND:
        raise ValueError(f"a scene is for 'nncourse present {PLAYGROUND}' only, not for {chapter or 'the index'}")
    if chapter == PLAYGROUND:  # not a chapter: the playground as a page of its own
        notebook = write_playground(work / "lecture", scene)
        validate_hide({chapter: notebook}, hide)
        return notebook, None
    if chapter is not None:
        notebook = write_lecture(root, chapter, work / "lecture", exercises)
        validate_hide({chapter: notebook}, hide)
        return notebook, None
    ids = chapter_ids(root)
    if not ids:
        raise FileNotFoundError(f"no chapter to present: expected solutions/NN_topic/NN_topic.ipynb under {root}")
    served = work / "chapters"
    notebooks = {cid: write_lecture(root, cid, served / cid, exercises) for cid in ids}
    notebooks[PLAYGROUND] = write_playground(served / PLAYGROUND)  # listed after the chapters
    validate_hide(notebooks, hide)
    templates = work / "jupyter"
    write_index_template(root, templates, after=[PLAYGROUND_ENTRY])
    return served, templates


def present(course_root, chapter: str | None = None, port: int | None = None, open_browser: bool = False,
            hide=(), dpi: int = LECTURE_DPI, ip: str = "127.0.0.1", exercises: str = DEFAULT_EXERCISES,
            preheat: bool = True, scene: str = "") -> int:
    """Serve the lecture view of ``chapter`` (or the index of all chapters) until Ctrl-C; return an exit code.

    Parameters
    ----------
    course_root : path or Course
        The folder with ``solutions/`` (the repository).
    chapter : str, optional
        Chapter id, e.g. ``"01_perceptron"``; None serves an index page of
        every chapter, each opening in the lecture view.
    port : int, optional
        Port on ``ip`` (default: Voilà's 8866, or the next free one).
    open_browser : bool
        Open the page in the default browser.
    hide : iterable of str
        Control names to keep off the screen in every widget, e.g. ``("b",)``.
        A name no widget of the chapter(s) has raises :class:`UnknownControlError`.
    dpi : int
        Resolution of the widget figures (96 in a notebook).
    ip : str
        Address to listen on; loopback by default (the lecture machine only).
    exercises : {"show", "hide"}
        Exercise and written-answer statements as one-line markers, or left out.
    preheat : bool
        Keep a kernel per chapter running the chapter before the page is asked for.
    scene : str
        With ``chapter="playground"``: the scene string it starts from (``"d=xor;h=4"``).

    Returns
    -------
    int
        Voilà's exit code, or 0 after Ctrl-C / SIGTERM.
    """
    # a Course (from the CLI) carries its folder in .root; a Path has a .root too ("/"), so test for paths first
    root = Path(course_root if isinstance(course_root, (str, os.PathLike)) else course_root.root)
    hide = split_names(hide) if not isinstance(hide, str) else split_names([hide])
    if exercises not in EXERCISE_MODES:
        raise ValueError(f"exercises must be one of {', '.join(EXERCISE_MODES)}; got {exercises!r}")
    work = Path(tempfile.mkdtemp(prefix=f"nncourse-present-{chapter or 'index'}-"))
    try:
        served, templates = _prepare(root, chapter, work, exercises, hide, scene)
        what = f"Lecture view of {chapter}" if chapter else "Index of the chapters (each opens in the lecture view)"
        settings = [f"exercises {'as one-line markers' if exercises == 'show' else 'left out'}"]
        settings += [f"hiding {', '.join(hide)}"] if hide else []
        print(f"{what}, {'; '.join(settings)}. Voilà prints the address below; Ctrl-C stops it.\n"
              "In the page: PageDown / → next section, PageUp / ← previous, C contents, "
              "'Reset widgets' bottom right.", flush=True)
        process = subprocess.Popen(voila_command(served, port, open_browser, ip, preheat),
                                   env=voila_env(hide, dpi, templates), cwd=served if served.is_dir() else served.parent)
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
        shutil.rmtree(work, ignore_errors=True)


__all__ = [
    "STATIC",
    "TEMPLATE",
    "UnknownControlError",
    "lecture_notebook",
    "present",
    "split_names",
    "voila_command",
    "voila_env",
    "without_exercise_sections",
    "write_lecture",
]
