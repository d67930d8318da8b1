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


# ---------------------------------------------------------------- lecture mode: nothing about "your code"


def test_lecture_mode_leaves_out_the_your_code_lines(monkeypatch, capsys):
    """With NNCOURSE_LECTURE=1, no "✓ your train_perceptron", no "your mlp_forward" note, no "Using your"."""
    from nnlib.data import logic_gate
    from nnlib.mlp import mlp_forward
    from nnlib.perceptron import train
    from nnlib.widgets._base import use_student
    from nnlib.widgets.xor import XorSpaceWarp

    def train_perceptron(X, t, lr=0.1, max_epochs=100):
        return train(X, t, lr=lr, max_epochs=max_epochs)

    def widgets_say():
        player = TrainingPlayer(train=train_perceptron)
        player.controls["t"].value = player.controls["t"].max  # the last frame shows every line
        return player.status.value + XorSpaceWarp(forward=mlp_forward).status.value

    monkeypatch.delenv("NNCOURSE_LECTURE", raising=False)
    student = widgets_say()
    use_student(train_perceptron, train, probe_args=logic_gate("and"))
    assert "✓ your <code>train_perceptron</code> powers this" in student and "mlp_forward" in student
    assert "Using your train_perceptron." in capsys.readouterr().out  # the same calls say it to a student

    monkeypatch.setenv("NNCOURSE_LECTURE", "1")
    lecture = widgets_say()
    assert use_student(train_perceptron, train, probe_args=logic_gate("and")) is train_perceptron  # still the function asked for
    assert capsys.readouterr().out == ""
    for phrase in ("your", "✓", "mlp_forward"):
        assert phrase not in lecture, f"{phrase!r} in the lecture view's status lines: {lecture}"
    assert "Converged" in lecture and "x = (0, 0)" in lecture  # the lines about the figure stay


# ---------------------------------------------------------------- "Reset widgets"


def test_reset_all_puts_every_shown_widget_back(monkeypatch):
    """After moving sliders, a gate, a Play and a stepper: reset_all() restores each value and the first image."""
    from nnlib.widgets import _lecture
    from nnlib.widgets.graph import GraphStepper
    from widget_support import png

    monkeypatch.setattr(_lecture, "_initial", _lecture.weakref.WeakKeyDictionary())  # this test's widgets only
    explorer, player, stepper = DecisionLineExplorer(), TrainingPlayer(), GraphStepper()
    for w in (explorer, player, stepper):
        _ = w.widget  # shown: its values are remembered
    first = [png(w) for w in (explorer, player, stepper)]
    explorer.controls["w1"].value = -1.5
    explorer.controls["gate"].value = "or"
    player.controls["gate"].value = "or"
    player.step()
    player.step()
    player.controls["play"].playing = True
    stepper.forward_step()
    stepper.controls["x"].value = 3.0
    stepper.forward_step()
    moved = [png(w) for w in (explorer, player, stepper)]
    assert all(a != b for a, b in zip(first, moved)), "every widget should show something new before the reset"

    assert _lecture.reset_all() == 3
    assert {k: explorer.controls[k].value for k in ("gate", "w1", "w2", "b")} == {
        "gate": "and", "w1": 0.5, "w2": 0.5, "b": -0.25}
    assert (player.controls["gate"].value, player.frame, player.controls["play"].playing) == ("and", 0, False)
    assert (stepper.step, stepper.controls["x"].value) == (0, -2.0)
    assert [png(w) for w in (explorer, player, stepper)] == first


def test_reset_button_is_a_hidden_button_that_resets(monkeypatch):
    """The lecture copy's last cell: a button with the class the page looks for; a click resets."""
    from nnlib.widgets import _lecture

    monkeypatch.setattr(_lecture, "_initial", _lecture.weakref.WeakKeyDictionary())
    explorer = DecisionLineExplorer()
    _ = explorer.widget  # shown: its values are remembered
    explorer.controls["b"].value = 1.0
    button = _lecture.reset_button()
    assert _lecture.RESET_CLASS in button._dom_classes
    button.click()
    assert explorer.controls["b"].value == -0.25
