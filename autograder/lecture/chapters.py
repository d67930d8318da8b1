"""The chapters a lecture can show, and the index page that lists them (``nncourse present`` alone).

Each chapter is ``solutions/NN_topic/NN_topic.ipynb``.  The index shows its
title (the notebook's first ``#`` heading) and one line (the first sentence
of the paragraph after it), and links to the chapter's lecture view.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

_TITLE = re.compile(r"^#\s+(.+)$", re.MULTILINE)
_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.DOTALL)
_MARKUP = re.compile(r"\*\*|\*|`")


@dataclass(frozen=True)
class Chapter:
    """One entry of the index: ``id`` is the folder name, e.g. ``"01_perceptron"``."""

    id: str
    title: str
    line: str

    @property
    def url(self) -> str:
        """The chapter's lecture view when Voilà serves the folder of all chapters."""
        return f"/voila/render/{self.id}/{self.id}.ipynb"


def chapter_ids(course_root) -> list[str]:
    """Every ``solutions/<id>/<id>.ipynb``, sorted (scratch notebooks beside a chapter are not chapters)."""
    solutions = Path(course_root) / "solutions"
    return sorted(p.parent.name for p in solutions.glob("*/*.ipynb") if p.stem == p.parent.name)


def summary(nb: nbformat.NotebookNode, chapter_id: str) -> Chapter:
    """Title and first sentence of a chapter notebook (the chapter id and "" when it has neither)."""
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    title = _TITLE.search(text)
    after = text[title.end():] if title else text
    paragraph = next((p for p in re.split(r"\n\s*\n", after)
                      if p.strip() and not p.lstrip().startswith(("#", "-", "*", "|", "$$", "<"))), "")
    sentence = _SENTENCE.match(" ".join(paragraph.split()))
    line = sentence.group(1) if sentence else " ".join(paragraph.split())
    return Chapter(chapter_id, _MARKUP.sub("", title.group(1)).strip() if title else chapter_id,
                   _MARKUP.sub("", line).strip())


def chapters(course_root) -> list[Chapter]:
    """Every chapter of the course, with its title and one line."""
    root = Path(course_root) / "solutions"
    return [summary(nbformat.read(root / cid / f"{cid}.ipynb", as_version=4), cid) for cid in chapter_ids(course_root)]


def index_html(entries: list[Chapter]) -> str:
    """The index page's list: one item per chapter (title as the link, its line below), escaped.

    Wrapped in ``{% raw %}``: Voilà includes it into a Jinja template, and a
    title may hold braces (LaTeX) that Jinja must not read.
    """
    items = "\n".join(
        f'  <li class="nncourse-chapter"><a href="{html.escape(c.url)}">{html.escape(c.title)}</a>'
        f'<p>{html.escape(c.line)}</p></li>' for c in entries)
    return "{% raw %}\n<ol class=\"nncourse-chapters\">\n" + items + "\n</ol>\n{% endraw %}\n"
