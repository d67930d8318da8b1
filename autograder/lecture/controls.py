"""Which controls do a chapter's widgets have?  ``nncourse present --hide NAME`` is checked against them.

A name that no widget of the chapter has would be hidden nowhere, silently
(``--hide bias`` when the slider is ``b``).  So before Voilà starts, every
widget helper the chapter's code cells call (``decision_line_explorer(gate="and")``,
found by reading the cells, not by running them) is built once, here, with
the call's literal arguments and grading off, and its ``controls`` are read.
That takes about a second (matplotlib's import and ~0.1 s a widget) and
names exactly what the notebook shows; a list kept by hand would drift.
"""
from __future__ import annotations

import ast
import importlib
import os
from contextlib import contextmanager

WIDGETS_PACKAGE = "nnlib.widgets"


class UnknownControlError(ValueError):
    """``--hide`` named a control that no widget of the chapter(s) has."""


def _python(source: str) -> ast.Module | None:
    """The cell's code without IPython magics and shell lines, parsed; None if it still is not Python."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


_NOT_LITERAL = object()


def widget_calls(nb) -> list[tuple[str, str, tuple, dict]]:
    """Every call of an ``nnlib.widgets`` helper in the code cells, in order.

    Returns ``(module, name, args, kwargs)`` per call; only literal arguments
    are kept (``train=train_perceptron`` is left out: the helper's default
    stands in for it) and ``hide`` is dropped (it does not change which
    controls exist).
    """
    imported: dict[str, tuple[str, str]] = {}  # local name -> (module, attribute)
    calls = []
    for cell in nb.cells:
        if cell.cell_type != "code" or (tree := _python(cell.source)) is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(WIDGETS_PACKAGE):
                for alias in node.names:  # public helpers only (not the lecture view's own _lecture.reset_button)
                    if not alias.name.startswith("_") and "._" not in node.module:
                        imported[alias.asname or alias.name] = (node.module, alias.name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported:
                args = tuple(_literal(a) for a in node.args)
                if any(a is _NOT_LITERAL for a in args):
                    args = ()
                kwargs = {k.arg: value for k in node.keywords
                          if k.arg not in (None, "hide") and (value := _literal(k.value)) is not _NOT_LITERAL}
                calls.append((*imported[node.func.id], args, kwargs))
    return calls


@contextmanager
def _plain_environment():
    """Build widgets as a notebook would, whatever this process's environment says.

    ``NBGRADER_EXECUTION`` makes a helper return a note instead of a widget;
    ``NNCOURSE_*`` settings change what is shown or drawn, not which controls exist.
    """
    names = ("NBGRADER_EXECUTION", "NNCOURSE_HIDE", "NNCOURSE_LECTURE", "NNCOURSE_DPI", "NNCOURSE_PIXEL_RATIO")
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    os.environ["NNCOURSE_PIXEL_RATIO"] = "1"  # the smallest PNG: only the controls are wanted
    try:
        yield
    finally:
        os.environ.pop("NNCOURSE_PIXEL_RATIO", None)
        os.environ.update(saved)


def control_names(nb) -> dict[str, list[str]]:
    """``{widget class name: [control names]}`` for every widget the notebook's code cells build.

    A helper whose call cannot be repeated with its literal arguments is built
    with its defaults; one that returns no chapter widget (``use_student``)
    is not a widget and is skipped.
    """
    found: dict[str, list[str]] = {}
    with _plain_environment():
        for module, name, args, kwargs in widget_calls(nb):
            helper = getattr(importlib.import_module(module), name, None)
            if helper is None:
                continue
            widget = None
            for attempt in ((args, kwargs), ((), {})):
                try:
                    widget = helper(*attempt[0], **attempt[1])
                    break
                except Exception:  # wrong guess at the arguments: try the defaults, then give up
                    continue
            controls = getattr(widget, "controls", None)
            if isinstance(controls, dict):
                names = found.setdefault(type(widget).__name__, [])
                names += [c for c in controls if c not in names]
    return found


def check_hide(hide, controls_by_chapter: dict[str, dict[str, list[str]]]) -> None:
    """Raise :class:`UnknownControlError` unless every name in ``hide`` is a control of some widget shown.

    ``controls_by_chapter`` maps a chapter to :func:`control_names` of its
    lecture copy.  The message lists the valid names, per chapter and widget.
    """
    valid = {c for widgets in controls_by_chapter.values() for names in widgets.values() for c in names}
    unknown = [name for name in hide if name not in valid]
    if not unknown:
        return
    chapters = ", ".join(controls_by_chapter) or "no chapter"
    if not valid:
        raise UnknownControlError(f"--hide {', '.join(unknown)}: {chapters} shows no widget, so there is no "
                                  "control to hide")
    listing = "\n".join(f"  {chapter}: " + ("; ".join(f"{widget}: {', '.join(names)}" for widget, names in
                                                       widgets.items()) or "no widget")
                        for chapter, widgets in controls_by_chapter.items())
    plural = "s" if len(unknown) > 1 else ""
    raise UnknownControlError(
        f"--hide {', '.join(unknown)}: no widget of {chapters} has a control of that name{plural}. "
        f"Valid names: {', '.join(sorted(valid))}\n{listing}")
