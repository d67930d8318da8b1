"""``nncourse present playground``: the lecture page's notebook, and --hide checked against the playground's controls."""
from __future__ import annotations

import nbformat
import pytest

from autograder.lecture.controls import UnknownControlError, control_names
from autograder.lecture.playground_page import playground_notebook
from autograder.lecture.present import _prepare
from nnlib.widgets.playground import CONTROLS
from nnlib.widgets.playground_config import ConfigError


def test_page_notebook_is_a_title_and_one_playground_cell():
    nb = playground_notebook("d=xor;h=4")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code[0] == "from nnlib.widgets import playground\nplayground('d=xor;h=4')"
    assert nb.cells[0].source.startswith("# Playground")
    assert control_names(nb) == {"Playground": list(CONTROLS)}
    with pytest.raises(ConfigError, match="data must be one of"):
        playground_notebook("d=nope")


def test_present_playground_checks_hide_names(tmp_path):
    served, templates = _prepare(tmp_path, "playground", tmp_path / "work", "show", ("lr", "dropout"))
    assert served.name == "playground.ipynb" and templates is None
    assert "playground(" in nbformat.read(served, as_version=4).cells[1].source
    with pytest.raises(UnknownControlError, match="--hide bias: no widget of playground has a control of that name"):
        _prepare(tmp_path, "playground", tmp_path / "work2", "show", ("bias",))
