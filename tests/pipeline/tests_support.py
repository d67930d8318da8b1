"""Small helpers shared by the pipeline tests."""
from __future__ import annotations

import nbformat


def autograded_points(course, chapter: str) -> float:
    """Sum of the points of a chapter's autograded test cells, read from its source notebook."""
    nb = nbformat.read(course.source_notebook(chapter), as_version=4)
    return sum(float(c.metadata["nbgrader"]["points"]) for c in nb.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"))
