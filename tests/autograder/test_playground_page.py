"""``nncourse present playground``: the lecture page's notebook, and --hide checked against the playground's controls."""
from __future__ import annotations

from pathlib import Path

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


def test_present_playground_starts_from_a_scene(tmp_path):
    served, _ = _prepare(tmp_path, "playground", tmp_path / "work", "show", (), "d=xor;h=4")
    assert "playground('d=xor;h=4')" in nbformat.read(served, as_version=4).cells[1].source
    with pytest.raises(ConfigError, match="classes must be an integer from 2 to 5, got 9"):
        _prepare(tmp_path, "playground", tmp_path / "w2", "show", (), "k=9")
    with pytest.raises(ValueError, match="a scene is for 'nncourse present playground' only, not for 01_perceptron"):
        _prepare(tmp_path, "01_perceptron", tmp_path / "w3", "show", (), "d=xor")


def test_cli_reports_a_bad_scene_without_a_traceback(capsys, monkeypatch):
    from autograder import cli

    monkeypatch.setattr(cli, "find_course", lambda: Path.cwd())
    assert cli.main(["present", "playground", "--scene", "d=nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nncourse present: data must be one of") and "Traceback" not in err
