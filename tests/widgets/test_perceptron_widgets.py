"""Chapter 01 widgets: the decision-line explorer and the training player."""

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.path import Path

import nnlib.perceptron as reference
import nnlib.widgets._base as base
from nnlib.data import logic_gate
from nnlib.widgets import decision_line_explorer, training_player, use_student
from nnlib.widgets.perceptron import DecisionLineExplorer, TrainingPlayer, _firing_polygon
from widget_support import png, pixels, full_redraw


def stub_train(X, t, lr=0.1, max_epochs=100):
    raise NotImplementedError()


# ---------------------------------------------------------------- explorer


@pytest.mark.parametrize("control, value", [("w1", -0.8), ("w2", 1.35), ("b", 0.4), ("gate", "xor")])
def test_does_every_explorer_control_redraw_the_figure(control, value):
    """Does moving w1, w2, b or choosing another truth table change the picture?"""
    w = DecisionLineExplorer(gate="and")
    before = png(w)
    assert before[:8] == b"\x89PNG\r\n\x1a\n"
    w.controls[control].value = value
    assert png(w) != before


@pytest.mark.parametrize("b, expected_errors, expected_y", [
    (-1.5, 0, [0, 0, 0, 1]),   # the textbook AND line
    (-0.5, 2, [0, 1, 1, 1]),   # that is OR's line: (0, 1) and (1, 0) fire wrongly
    (-2.5, 1, [0, 0, 0, 0]),   # nothing fires: only (1, 1) is wrong
    (-1.0, 0, [0, 0, 0, 1]),   # (0, 1) and (1, 0) lie on the line, h = 0 does not fire
    (0.5, 3, [1, 1, 1, 1]),    # everything fires
])
def test_does_the_explorer_count_the_mistakes_of_known_weights(b, expected_errors, expected_y):
    """With w = (1, 1) on AND, how many points are misclassified for each bias?"""
    w = DecisionLineExplorer(gate="and", w1=1.0, w2=1.0, b=b)
    assert w.n_errors == expected_errors
    np.testing.assert_array_equal(w.predictions, expected_y)
    plural = "" if expected_errors == 1 else "s"
    assert w.panel.ax.get_title() == f"AND: {expected_errors} error{plural}"
    assert ("all four correct" if expected_errors == 0 else f"{expected_errors} misclassified") in w.status.value


def test_does_the_explorer_ring_exactly_the_misclassified_points():
    """Are the red rings on XOR's wrong points, and only there?"""
    w = DecisionLineExplorer(gate="xor", w1=1.0, w2=1.0, b=-0.5)  # fires on 01, 10, 11; XOR wants 01, 10
    assert w.n_errors == 1
    np.testing.assert_array_equal(w.panel.wrong.get_offsets(), [[1.0, 1.0]])
    w.controls["b"].value = -1.5  # fires on 11 only: 01, 10 and 11 are wrong
    assert w.n_errors == 3
    np.testing.assert_array_equal(w.panel.wrong.get_offsets(), [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize("seed", range(5))
def test_is_the_shaded_region_exactly_where_the_perceptron_fires(seed):
    """Does the shaded polygon contain the points with w . x + b > 0 and no others?"""
    rng = np.random.default_rng(seed)
    w, b = rng.uniform(-2, 2, size=2), rng.uniform(-2, 2)
    P = rng.uniform(-0.5, 1.5, size=(2000, 2))  # (2000, 2)
    fires = reference.predict(P, w, b) == 1
    far = np.abs(P @ w + b) / np.hypot(*w) > 1e-6  # points on the line itself are ambiguous for a polygon
    vertices = _firing_polygon(w, b)
    inside = Path(vertices).contains_points(P) if len(vertices) else np.zeros(len(P), bool)
    np.testing.assert_array_equal(inside[far], fires[far])


@pytest.mark.parametrize("b, n_vertices", [(0.3, 4), (-0.3, 0), (0.0, 0)])
def test_with_zero_weights_does_the_bias_alone_decide_the_whole_plane(b, n_vertices):
    """With w = 0 is the whole square shaded for b > 0, and nothing for b <= 0?"""
    assert len(_firing_polygon(np.zeros(2), b)) == n_vertices
    w = DecisionLineExplorer(gate="or", w1=0.0, w2=0.0, b=b)
    assert w.panel.line.get_xydata().size == 0  # no line to draw
    assert w.n_errors == (1 if b > 0 else 3)


def test_is_a_blitted_explorer_frame_identical_to_a_full_redraw():
    """Does drawing only the moving artists over the cached background give the same pixels?"""
    w = DecisionLineExplorer(gate="and")
    w.controls["w1"].value = -0.7
    w.controls["gate"].value = "nor"
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))


def test_does_a_slider_move_skip_the_full_draw(monkeypatch):
    """After the first frame, does a slider move redraw without re-rendering axes, ticks and legend?"""
    w = DecisionLineExplorer(gate="and")
    canvas = w.view.figure.canvas
    calls = []
    monkeypatch.setattr(canvas, "draw", lambda *a, **k: calls.append(1))
    before = png(w)
    w.controls["b"].value = 0.35
    assert calls == [] and png(w) != before


def test_does_hide_remove_a_control_from_the_screen_only():
    """Does hide=("b",) take the b slider off the screen while b still works?"""
    w = DecisionLineExplorer(gate="and", w1=1.0, w2=1.0, b=-1.5, hide=("b",))
    shown = w.widget.children[0].children
    assert w.controls["b"] not in shown
    assert all(w.controls[name] in shown for name in ("gate", "w1", "w2"))
    w.controls["b"].value = 0.5
    assert w.n_errors == 3


@pytest.mark.parametrize("cls, kwargs", [(DecisionLineExplorer, {}), (TrainingPlayer, {})])
def test_is_an_unknown_hide_name_rejected(cls, kwargs):
    """Does a typo in hide=... raise a ValueError that names it?"""
    with pytest.raises(ValueError, match="bias"):
        cls(hide=("bias",), **kwargs)


def test_is_an_unknown_gate_rejected():
    """Does gate="xnor" raise a ValueError listing the gates?"""
    with pytest.raises(ValueError, match="xnor"):
        DecisionLineExplorer(gate="xnor")


# ---------------------------------------------------------------- grading mode


@pytest.mark.parametrize("helper", [decision_line_explorer, training_player])
def test_while_grading_is_a_light_note_returned_without_drawing(helper, monkeypatch):
    """With NBGRADER_EXECUTION set, do the one-liners return a note and never build a figure?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")

    def no_figures(*args, **kwargs):
        raise AssertionError("a figure was built while grading")

    monkeypatch.setattr(base, "FigureView", no_figures)
    note = helper(gate="and")
    assert isinstance(note, widgets.HTML) and "not drawn" in note.value


@pytest.mark.parametrize("helper, cls", [(decision_line_explorer, DecisionLineExplorer), (training_player, TrainingPlayer)])
def test_outside_grading_do_the_one_liners_build_the_widget(helper, cls):
    """Without NBGRADER_EXECUTION, do the notebook one-liners return the real widget?"""
    assert isinstance(helper(gate="or"), cls)


# ---------------------------------------------------------------- training player


def test_does_stepping_redraw_and_follow_the_reference_run():
    """Does each Step change the picture and show the weights of nnlib's run after that many samples?"""
    X, t = logic_gate("and")
    run = reference.Perceptron(lr=0.1, epochs=20).fit(X, t)
    w = TrainingPlayer(gate="and", lr=0.1)
    assert w.controls["t"].max == len(run.history_) == 24
    frames = [png(w)]
    for k in range(1, len(run.history_) + 1):
        w.step()
        assert w.frame == k
        frames.append(png(w))
        np.testing.assert_array_equal(w.weights_at(k)[0], run.history_[k - 1][0])
    # A frame differs from the one before (the ring moves to the next sample at least).
    assert all(a != b for a, b in zip(frames, frames[1:]))
    w.step()  # past the end: stays on the last frame
    assert w.frame == len(run.history_)
    assert "Converged" in w.status.value and "[1, 3, 3, 2, 1, 0]" in w.status.value


def test_does_the_status_line_explain_one_update():
    """After 5 samples of AND (epoch 2, sample (0, 0)), does the status show the mistake and the new weights?"""
    w = TrainingPlayer(gate="and", lr=0.1)
    w.controls["t"].value = 5
    text = w.status.value
    assert "epoch 2, sample 1 of 4" in text and "x = (0, 0), target 0, output 1" in text
    assert "w ← w − 0.1·x" in text and "w = (0.10, 0.10), b = 0.00" in text
    heights = [bar.get_height() for bar in w.bars]
    assert heights == [1, 1, 0, 0, 0, 0]  # epoch 1 had 1 mistake; epoch 2 has 1 so far


def test_does_play_drive_the_slider_and_reset_rewind():
    """Does the Play widget's value move the frame, and Reset bring back frame 0?"""
    w = TrainingPlayer(gate="or")
    first = png(w)
    w.controls["play"].value = 3
    assert w.frame == 3 and png(w) != first
    w.controls["play"].playing = True
    w.reset()
    assert w.frame == 0 and w.controls["play"].value == 0 and not w.controls["play"].playing
    assert png(w) == first


def test_does_changing_the_gate_load_a_new_run():
    """Does choosing XOR rewind, resize the slider to the new run and report non-convergence at its end?"""
    w = TrainingPlayer(gate="and", max_epochs=20)
    w.controls["t"].value = 10
    before = png(w)
    w.controls["gate"].value = "xor"
    assert w.frame == 0 and png(w) != before
    assert w.controls["t"].max == w.controls["play"].max == 20 * 4
    assert len(w.bars) == 20
    w.controls["t"].value = w.controls["t"].max
    assert "without converging" in w.status.value


def test_is_a_blitted_player_frame_identical_to_a_full_redraw():
    """Does the player's cached-background frame equal a full redraw, also after a gate change?"""
    w = TrainingPlayer(gate="and")
    w.controls["gate"].value = "nand"
    for _ in range(7):
        w.step()
    np.testing.assert_array_equal(pixels(png(w)), full_redraw(w))


def test_does_a_stub_train_fall_back_with_a_note():
    """With a train_perceptron that still raises NotImplementedError, is the reference run shown with a note?"""
    w = TrainingPlayer(gate="and", train=stub_train)
    assert "not implemented yet" in w.status.value and "reference run" in w.status.value
    w.step()
    assert w.frame == 1


def test_does_a_crashing_train_fall_back_with_its_error():
    """When train raises some other error, does the note quote it?"""
    def broken(X, t, lr=0.1, max_epochs=100):
        return X @ np.ones(3)  # a shape bug

    w = TrainingPlayer(gate="or", train=broken)
    assert "raised ValueError" in w.status.value


def test_does_a_correct_train_power_the_player_on_every_gate():
    """Does a correct train_perceptron get the "your code powers this" line, gate after gate?"""
    def train_perceptron(X, t, lr=0.1, max_epochs=100):
        return reference.train(X, t, lr=lr, max_epochs=max_epochs)

    w = TrainingPlayer(gate="and", train=train_perceptron)
    assert "✓ your <code>train_perceptron</code> powers this" in w.status.value
    w.controls["gate"].value = "xor"  # agreement also on a run that never converges
    assert "powers this" in w.status.value and "XOR" in w.status.value


def test_does_a_wrong_train_get_told_apart():
    """Does a train that returns other weights get a ✗ line with both results?"""
    def off_by_one_epoch(X, t, lr=0.1, max_epochs=100):
        return reference.train(X, t, lr=lr, max_epochs=2)

    w = TrainingPlayer(gate="and", train=off_by_one_epoch)
    assert "✗" in w.status.value and "[1, 3]" in w.status.value and "[1, 3, 3, 2, 1, 0]" in w.status.value


# ---------------------------------------------------------------- use_student


def test_does_use_student_keep_a_working_function(capsys):
    """Does use_student return the student's function when it runs, and say so?"""
    def train_perceptron(X, t, lr=0.1, max_epochs=100):
        return reference.train(X, t, lr=lr, max_epochs=max_epochs)

    assert use_student(train_perceptron, reference.train, logic_gate("and")) is train_perceptron
    assert "Using your train_perceptron" in capsys.readouterr().out


def test_does_use_student_fall_back_from_a_stub_with_a_note(capsys):
    """Does use_student return the reference, with a printed note, for a stub?"""
    assert use_student(stub_train, reference.train, logic_gate("and")) is reference.train
    assert "not implemented yet" in capsys.readouterr().out


def test_does_use_student_protect_the_probe_from_mutation(capsys):
    """Does a student function that mutates its input leave the caller's probe arrays intact?"""
    X, t = logic_gate("and")

    def mutating(X, t, lr=0.1, max_epochs=100):
        X[:] = 7.0
        raise ValueError("oops")

    assert use_student(mutating, reference.train, (X, t)) is reference.train
    assert "raised ValueError: oops" in capsys.readouterr().out
    np.testing.assert_array_equal(X, logic_gate("and")[0])
