"""``nncourse present playground``: the playground as a lecture page of its own.

Not a chapter: no solution notebook stands behind it.  The lecture copy is
written here, a title, one sentence and one code cell,
``playground("<scene>")`` (:func:`nnlib.widgets.playground`), then the lecture
view serves it like any chapter: Voilà, large type, ``--hide`` names checked
against the playground's controls and passed to the kernel as
``NNCOURSE_HIDE``, "Reset widgets" back to the first scene.  ``--scene``
starts from a prepared configuration string instead of the default.  The
index page (``nncourse present`` alone) lists it after the chapters.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.lecture.chapters import Chapter
from autograder.lecture.notebook import lecture_notebook

PAGE = "playground"  # the name given instead of a chapter id
# its entry on the index page (``nncourse present`` alone), after the chapters
ENTRY = Chapter(PAGE, "Playground", "A network learning live: data, features, layers and training one click away.")
TEXT = "# Playground\n\nA network learning live. Hover a neuron or a connection to see it large."


def playground_notebook(scene: str = "") -> nbformat.NotebookNode:
    """The page's notebook: the title and one playground cell (``scene`` a configuration string)."""
    from nnlib.widgets.playground_config import parse_scene

    parse_scene(scene)  # a bad string is refused here, with its reason, before Voilà starts
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(TEXT),
                nbformat.v4.new_code_cell(f"from nnlib.widgets import playground\nplayground({scene!r})")]
    return lecture_notebook(nb)


def write_playground(folder: Path, scene: str = "") -> Path:
    """Write the page's notebook into ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{PAGE}.ipynb"
    nbformat.write(playground_notebook(scene), target)
    return target
