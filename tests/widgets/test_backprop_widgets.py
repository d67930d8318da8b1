"""Tests for the chapter 03 widgets: graph stepper, 2-2-1 animation, gradient-check panel."""
import re

import ipywidgets as widgets
import numpy as np
import pytest

from nnlib.widgets import backprop_animation, gradcheck_panel, graph_stepper
from nnlib.widgets.backprop import STAGES, BackpropAnimation, worked_example_values
from nnlib.widgets.gradcheck import LAYERS, GradcheckPanel
from nnlib.widgets.graph import EXPRESSIONS, GraphStepper
from widget_support import png


def test_graph_stepper_walks_the_lecture_example():
    """Do Forward/Backward steps on (x + y) z at (-2, 5, -4) reach f = -12 and gradients -4, -4, 3?"""
    w = GraphStepper()
    assert w.values["f"] is None and w.controls["backward"].disabled
    frames = [png(w)]
    for _ in range(2):
        w.controls["forward"].click()
        frames.append(png(w))
    assert w.values == {"x": -2.0, "y": 5.0, "z": -4.0, "q": 3.0, "f": -12.0}
    assert w.controls["forward"].disabled and not w.controls["backward"].disabled
    for _ in range(3):
        w.controls["backward"].click()
        frames.append(png(w))
    assert w.grads == {"f": 1.0, "q": -4.0, "z": 3.0, "x": -4.0, "y": -4.0}
    assert w.controls["backward"].disabled
    assert len(set(frames)) == len(frames), "every step must change the picture"
    # the edges carry local x upstream
    assert "1 × (-4) = -4" in w.edge_labels.values()


def test_graph_stepper_accumulates_on_reuse():
    """Does z in x*y + z*z receive 2z, the sum over both uses?"""
    w = GraphStepper(expression="f = x * y + z * z")
    for _ in range(10):
        w.forward_step()
        w.backward_step()
    assert w.grads["z"] == 2 * -4.0 and w.grads["x"] == 5.0 and w.grads["y"] == -2.0


def test_graph_stepper_edit_restarts_and_redraws():
    """Does editing x (or the expression) start the walk again and redraw?"""
    w = GraphStepper()
    w.forward_step()
    before = png(w)
    w.controls["x"].value = 1.0
    assert w.step == 0 and png(w) != before
    w.controls["expression"].value = "f = tanh(x * y + z)"
    assert (w.controls["x"].value, w.controls["y"].value, w.controls["z"].value) == EXPRESSIONS["f = tanh(x * y + z)"][1]
    for _ in range(10):
        w.forward_step()
        w.backward_step()
    s = 0.5 * -1.0 + 0.8
    assert w.grads["z"] == pytest.approx(1 - np.tanh(s) ** 2, rel=1e-12)


# ------------------------------------------------------------------ 2-2-1 animation

# DESIGN.md's digits, as the widget prints them (4 significant digits, 4 decimals from 1 up).
DESIGN_STRINGS = ["0.5200", "0.9100", "0.6271", "0.7130", "1.0414", "0.7391", "0.03403", "-0.05030",
                  "-0.03155", "-0.03587", "-0.005881", "-0.006176",
                  "-0.002941", "-0.004705", "-0.003088", "-0.004941"]


def test_animation_numbers_equal_the_worked_example():
    """At the last stage, does the figure show every number of the 2-2-1 example?"""
    w = BackpropAnimation(stage=len(STAGES) - 1)
    text = "\n".join(w.shown_text())
    for s in DESIGN_STRINGS:
        assert s in text, f"{s} is not on the figure"
    # dJ/dW1 in the notes' layout (row = hidden unit) is the transpose of ours (row = input)
    notes_layout = np.array([[-0.002941, -0.004705], [-0.003088, -0.004941]])
    np.testing.assert_allclose(w.values["dW1"].T, notes_layout, atol=5e-7)


def test_animation_stages_reveal_forward_then_backward():
    """Does each stage change the picture, and are gradients hidden during the forward pass?"""
    w = BackpropAnimation()
    frames = []
    for stage in range(len(STAGES)):
        w.controls["stage"].value = stage
        frames.append(png(w))
        text = "\n".join(w.shown_text())
        assert ("-0.05030" in text) == (stage >= 6), stage  # dJ/dz3 appears at stage 6
        assert ("0.03403" in text) == (stage >= 5), stage  # J at stage 5
    assert len(set(frames)) == len(frames)


def test_animation_play_drives_the_slider():
    """Does Play (kernel-side link) move the stage and redraw?"""
    w = BackpropAnimation()
    before = png(w)
    w.controls["play"].value = 3
    assert w.stage == 3 and png(w) != before


def test_animation_inputs_are_editable():
    """Does editing x1 recompute the numbers (and match a fresh computation)?"""
    w = BackpropAnimation(stage=len(STAGES) - 1)
    before = png(w)
    w.controls["x1"].value = 1.0
    assert png(w) != before
    expected = worked_example_values((1.0, 0.8), 1.0)
    np.testing.assert_allclose(w.values["dW1"], expected["dW1"])
    assert f"{expected['J']:#.4g}" in "\n".join(w.shown_text())


# ------------------------------------------------------------------ gradient-check panel

@pytest.mark.parametrize("layer", [name for name in LAYERS if "relu" not in name])
def test_gradcheck_panel_smooth_layers_pass_at_default_h(layer):
    """For Dense, sigmoid and tanh, is the relative error below 1e-7 at h = 1e-5?"""
    w = GradcheckPanel(layer=layer, h=1e-5)
    assert w.error < 1e-7


def test_gradcheck_panel_relu_kink():
    """Does ReLU pass at small h but fail once h straddles an input near the kink?"""
    w = GradcheckPanel(layer="Activation relu", h=1e-6)
    assert w.error < 1e-7
    before = png(w)
    w.controls["h"].value = 1e-2
    assert w.error > 1e-3 and "kink" in w.status.value
    assert png(w) != before


def test_gradcheck_panel_curve_is_a_v_for_sigmoid():
    """Is the error large at both ends of the h range and small in the middle (truncation vs rounding)?"""
    w = GradcheckPanel(layer="Activation sigmoid")
    curve = w.curve
    assert curve[0] > 1e-7 and curve[-1] > 1e-5 and curve.min() < 1e-9


def test_gradcheck_panel_layer_change_rerenders():
    """Does choosing another layer redraw?"""
    w = GradcheckPanel()
    before = png(w)
    w.controls["layer"].value = "Activation tanh"
    assert png(w) != before


# ------------------------------------------------------------------ grading mode and speed

@pytest.mark.parametrize("factory", [graph_stepper, backprop_animation, gradcheck_panel])
def test_grading_mode_shows_a_placeholder(monkeypatch, factory):
    """While nbgrader grades, does each notebook helper return a note instead of drawing?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    shown = factory()
    assert isinstance(shown, widgets.HTML) and "not drawn" in shown.value


@pytest.mark.parametrize("factory", [graph_stepper, backprop_animation, gradcheck_panel])
def test_notebook_helpers_build_widgets(factory):
    """Outside grading, does each helper return a chapter widget with a rendered PNG?"""
    shown = factory()
    assert png(shown).startswith(b"\x89PNG")
    assert isinstance(shown.widget, widgets.VBox)


def test_status_text_has_no_unknown_placeholder():
    """Do the forward messages show real numbers (no 'None' or 'nan')?"""
    w = GraphStepper()
    for _ in range(5):
        w.forward_step()
        w.backward_step()
        assert not re.search(r"None|nan", w.message)


# ------------------------------------------------------------------ kept frames (DiagramWidget.frame_key)

def test_diagrams_show_a_kept_frame_equal_to_a_fresh_draw():
    """Coming back to a stage or a step shows the PNG kept from the first visit: is it what a fresh widget draws?"""
    animation = BackpropAnimation()
    for stage in (3, 4, 3):  # stage 3 again: its kept PNG
        animation.controls["stage"].value = stage
    assert len(animation._frames) == 3  # stages 0, 3, 4
    assert png(animation) == png(BackpropAnimation(stage=3))
    assert "0.6271" in "\n".join(animation.shown_text())  # the artists are rebuilt too: a(h1) shown from stage 2
    animation.controls["x1"].value = 1.0  # another input: another picture, not the kept one
    assert png(animation) != png(BackpropAnimation(stage=3)) and len(animation._frames) == 4

    stepper = GraphStepper()
    stepper.forward_step()
    once = png(stepper)
    stepper.reset()
    stepper.forward_step()  # step 1 again: kept
    assert png(stepper) == once and len(stepper._frames) == 2
    stepper.controls["x"].value = 1.0  # an edit restarts the walk with new numbers: a new frame
    stepper.forward_step()
    assert png(stepper) != once and len(stepper._frames) == 4
