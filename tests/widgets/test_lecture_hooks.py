"""Do the lecture-view settings (NNCOURSE_HIDE, NNCOURSE_DPI) reach every chapter widget?"""
from __future__ import annotations

import io

from PIL import Image

from nnlib.widgets._base import lecture_dpi, lecture_hide
from nnlib.widgets.perceptron import DecisionLineExplorer, TrainingPlayer


def shown_controls(widget) -> list[str]:
    row = widget.widget.children[0]  # the HBox of controls above the figure
    return [name for name, control in widget.controls.items() if control in row.children]


def test_without_the_variables_nothing_changes(monkeypatch):
    """With no NNCOURSE_* set, are all controls shown and figures 96 CSS px per inch, drawn at 2 pixels per CSS px?"""
    monkeypatch.delenv("NNCOURSE_HIDE", raising=False)
    monkeypatch.delenv("NNCOURSE_DPI", raising=False)
    monkeypatch.delenv("NNCOURSE_PIXEL_RATIO", raising=False)
    assert lecture_hide() == set() and lecture_dpi() == 96
    explorer = DecisionLineExplorer()
    assert shown_controls(explorer) == ["gate", "w1", "w2", "b"]
    assert explorer.view.figure.dpi == 2 * 96
    width, _height = Image.open(io.BytesIO(explorer.view.image.value)).size
    assert explorer.view.image.layout.width == f"{width / 2:g}px"  # two PNG pixels per CSS pixel


def test_hide_variable_hides_the_named_controls_in_every_widget(monkeypatch):
    """Does NNCOURSE_HIDE="b, gate" hide b and gate wherever they exist, and ignore names a widget lacks?"""
    monkeypatch.setenv("NNCOURSE_HIDE", "b, gate")
    assert lecture_hide() == {"b", "gate"}
    assert shown_controls(DecisionLineExplorer()) == ["w1", "w2"]
    assert shown_controls(TrainingPlayer()) == ["step", "play", "t", "reset"]  # no "b" there: no error


def test_hide_variable_adds_to_the_hide_argument(monkeypatch):
    """Are the notebook's own ``hide=`` names and the lecturer's NNCOURSE_HIDE names both hidden?"""
    monkeypatch.setenv("NNCOURSE_HIDE", "b")
    explorer = DecisionLineExplorer(hide=("gate",))
    assert shown_controls(explorer) == ["w1", "w2"]
    explorer.controls["b"].value = 1.0  # a hidden control still drives the figure
    assert explorer.n_errors == 3  # AND with w = (0.5, 0.5), b = 1: every input fires, three are wrong


def test_dpi_variable_enlarges_the_figure(monkeypatch):
    """Does NNCOURSE_DPI=150 (the lecture view) show the figure 150/96 times larger, with a PNG to match?"""
    monkeypatch.setenv("NNCOURSE_DPI", "150")
    monkeypatch.setenv("NNCOURSE_PIXEL_RATIO", "1")  # what nncourse present sets
    explorer = DecisionLineExplorer()
    width_in, _ = explorer.view.figure.get_size_inches()
    assert explorer.view.figure.dpi == 150
    width, _height = Image.open(io.BytesIO(explorer.view.image.value)).size
    assert width == round(width_in * 150)
    assert explorer.view.image.layout.width == f"{width}px"  # one PNG pixel per CSS pixel
