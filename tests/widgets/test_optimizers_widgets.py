"""Tests for the chapter 05 widgets: learning-rate explorer, optimizer race, batch size vs noise, ewma."""
from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest

from nnlib.data import load_digits, standardize
from nnlib.layers import Activation, Dense
from nnlib.network import Sequential
from nnlib.optimizers import SGD, AdaGrad, Adam, RMSprop
from nnlib.training import fit
from nnlib.update_rules import ewma
from nnlib.widgets import batch_noise, ewma_explorer, lr_explorer, optimizer_race
from nnlib.widgets.averages import EwmaExplorer, noisy_series
from nnlib.widgets.batches import BATCH_SIZES, CHUNKS_PER_EPOCH, ROWS, BatchNoise
from nnlib.widgets.descent import FUNCTIONS, LearningRateExplorer, descent_path
from nnlib.widgets.race import BUTTONS, OPTIMIZER_NAMES, SURFACES, OptimizerRace, RaceCanvas, race_paths
from widget_support import full_redraw, pixels, png


# ------------------------------------------------------------------ learning-rate explorer

@pytest.mark.parametrize("lr, first", [
    (0.1, [1.0, 0.8, 0.64, 0.512, 0.4096, 0.32768]),
    (0.5, [1.0, 0.0, 0.0, 0.0]),
    (0.9, [1.0, -0.8, 0.64, -0.512]),
    (1.0, [1.0, -1.0, 1.0, -1.0]),
    (1.1, [1.0, -1.2, 1.44, -1.728, 2.0736, -2.48832]),
])
def test_descent_on_w_squared_follows_w_times_one_minus_two_lr(lr, first):
    """On f(w) = w^2 from w0 = 1, is every step w <- (1 - 2 lr) w (the chapter's numbers)?"""
    path = descent_path(FUNCTIONS["f(w) = w²"], lr)
    np.testing.assert_allclose(path[:len(first)], first, atol=1e-12)


@pytest.mark.parametrize("function, lr, words", [
    ("f(w) = w²", 0.1, "it converges (η < 1/L = 0.5)"),
    ("f(w) = w²", 0.5, "reached in one step"),
    ("f(w) = w²", 0.9, "it oscillates and converges"),
    ("f(w) = w²", 1.0, "bounces between +w₀ and −w₀ forever"),
    ("f(w) = w²", 1.1, "it diverges (η > 2/L = 1)"),
    ("f(w) = 4w²", 0.2, "it oscillates and converges (1/L < η < 2/L = 0.25)"),
    ("f(w) = 4w²", 0.3, "it diverges"),
    ("f(w) = w⁴/4", 0.9, "It diverges"),
    ("f(w) = w⁴/4", 0.2, "It converges"),
])
def test_explorer_says_what_the_learning_rate_does(function, lr, words):
    w = LearningRateExplorer(function=function, lr=lr, steps=20)
    assert words in w.status.value


def test_explorer_steps_and_resets_and_redraws_every_change():
    w = LearningRateExplorer(lr=0.9, steps=0)
    frames = [png(w)]
    for _ in range(3):
        w.controls["step"].click()
        frames.append(png(w))
    assert w.controls["steps"].value == 3 and len(set(frames)) == 4
    assert w.walk.get_xdata().tolist() == pytest.approx([1.0, -0.8, 0.64, -0.512])
    w.controls["reset"].click()
    assert w.controls["steps"].value == 0 and png(w) == frames[0]
    w.controls["function"].value = "f(w) = w⁴/4"
    assert png(w) != frames[0]


def test_explorer_frame_equals_a_full_redraw():
    """Does a blitted frame (kept background + moving steps) draw what a full draw draws?"""
    w = LearningRateExplorer(lr=1.1, steps=12)  # a diverging walk, clipped at the panel's edge
    w.controls["function"].value = "f(w) = 4w²"
    w.controls["function"].value = "f(w) = w²"  # back: the kept background
    assert np.array_equal(pixels(png(w))[..., :3], full_redraw(w)[..., :3])


# ------------------------------------------------------------------ ewma explorer

def test_ewma_explorer_shows_nnlibs_averages():
    w = EwmaExplorer(beta=0.9)
    np.testing.assert_allclose(w.raw, ewma(noisy_series(), 0.9, bias_correction=False))
    np.testing.assert_allclose(w.corrected, ewma(noisy_series(), 0.9))
    assert w.corrected[0] == pytest.approx(noisy_series()[0])  # corrected at t = 1: x_1 itself
    before = png(w)
    w.controls["beta"].value = 0.98
    assert png(w) != before and "1 / (1 − β) = 50" in w.ax.get_title()


def test_ewma_explorer_uses_the_students_function_or_says_why_not():
    calls = []

    def my_ewma(x, beta, bias_correction=True):
        calls.append(bias_correction)
        return ewma(x, beta, bias_correction)

    def stub(x, beta, bias_correction=True):
        raise NotImplementedError()

    def broken(x, beta, bias_correction=True):
        return x[-1]

    assert "your <code>my_ewma</code> powers this" in EwmaExplorer(ewma=my_ewma).status.value and calls
    assert "not implemented yet; showing nnlib's" in EwmaExplorer(ewma=stub).status.value
    w = EwmaExplorer(ewma=broken)
    assert "returned shape ()" in w.status.value
    np.testing.assert_allclose(w.corrected, ewma(noisy_series(), 0.9))


# ------------------------------------------------------------------ batch size vs noise

def test_batch_noise_trains_nothing_until_asked():
    w = BatchNoise()
    assert all(run.updates == 0 for run in w.runs.values())
    w.controls["step"].click()  # an eighth of an epoch: 75 rows
    counts = {name: run.updates for name, run in w.runs.items()}
    assert counts == {"batch 1 (SGD)": 75, "batch 32": 2, "full batch": 0}  # whole batches only


def test_batch_noise_makes_ceil_n_over_b_updates_per_epoch_and_keeps_them():
    w = BatchNoise()
    w.controls["epochs"].value = 2.0
    assert {name: run.updates for name, run in w.runs.items()} == {
        name: 2 * math.ceil(ROWS / (size or ROWS)) for name, size in BATCH_SIZES.items()}
    assert w.controls["play"].value == 2 * CHUNKS_PER_EPOCH
    w.controls["epochs"].value = 1.0  # going back trains nothing more
    assert w.runs["batch 1 (SGD)"].updates == 2 * ROWS
    assert w.table.get_text().splitlines()[1].split()[:2] == ["1", "600"]


def test_batch_noise_run_is_fit_on_the_same_seed():
    """After one epoch, do the batch-32 weights equal fit's with the same initial weights and shuffling?"""
    w = BatchNoise(seed=3)
    w.controls["epochs"].value = 1.0
    X, y = load_digits()
    X, _, _ = standardize(X[:ROWS])
    model = Sequential([Dense(64, 32, rng=3), Activation("relu"), Dense(32, 10, rng=4)])
    fit(model, "softmax_cross_entropy", SGD(0.05), X, y[:ROWS], epochs=1, batch_size=32,
        rng=np.random.default_rng(5), progress=False)
    np.testing.assert_array_equal(model[0].params["W"], w.runs["batch 32"].model[0].params["W"])


def test_batch_noise_play_and_axis_change_redraw():
    w = BatchNoise()
    frames = [png(w)]
    w.controls["play"].value = 3  # what a Play tick does
    assert w.controls["epochs"].value == 3 / CHUNKS_PER_EPOCH
    frames.append(png(w))
    w.controls["x axis"].value = "updates"
    frames.append(png(w))
    assert len(set(frames)) == 3
    assert w.thick["full batch"].get_xdata()[0] >= 0.8  # log axis: no update 0
    w.controls["reset"].click()
    assert w.chunk == 0


# ------------------------------------------------------------------ the race

def test_race_paths_are_nnlibs_optimizers():
    """Is each path what the nnlib optimizer walks, step by step, from the surface's start?"""
    surface = SURFACES["ravine"]
    race = race_paths(surface, 0.05, 0.8, 30)
    for name, optimizer in (("SGD", SGD(0.05)), ("AdaGrad", AdaGrad(0.05)), ("RMSprop", RMSprop(0.05)),
                            ("Adam", Adam(0.05, betas=(0.8, 0.999)))):
        p = np.array(surface.start)
        for k in range(1, 31):
            optimizer.step(p, surface.grad(*p))
            np.testing.assert_array_equal(race[name][0][k], p, err_msg=f"{name} step {k}")
        assert race[name][2] is None
    path, loss, _ = race["momentum"]
    np.testing.assert_allclose(loss, surface.f(path[:, 0], path[:, 1]) - surface.f_min)


def test_race_marks_divergence_and_stops_the_path():
    race = race_paths(SURFACES["ravine"], 0.5, 0.9, 100)  # SGD: factor 1 - 0.5 * 16 = -7 across the ravine
    path, loss, diverged = race["SGD"]
    assert diverged is not None and np.all(np.isnan(path[diverged:])) and np.all(np.isfinite(path[:diverged]))
    assert "diverged at step" in OptimizerRace(lr=0.5).status.value


def test_race_sends_the_race_as_float32_bytes_and_the_background_once_per_surface():
    w = OptimizerRace(steps=50)
    canvas = w.canvas
    assert isinstance(canvas, RaceCanvas) and canvas.names == list(OPTIMIZER_NAMES) and canvas.steps == 50
    paths = np.frombuffer(canvas.paths, dtype=np.float32).reshape(6, 51, 2)
    np.testing.assert_allclose(paths[0], w.race["SGD"][0], rtol=1e-6)
    losses = np.frombuffer(canvas.losses, dtype=np.float32).reshape(6, 51)
    assert np.all(losses[:, 0] == losses[0, 0])  # one start for all
    assert set(canvas.axes) == {"path", "loss"} and canvas.axes["loss"]["log"]
    background = canvas.value
    w.controls["lr"].value = 0.02
    assert canvas.value == background and canvas.paths != paths.tobytes()  # new race, same background
    w.controls["surface"].value = "saddle"
    assert canvas.value != background and w.controls["lr"].value == pytest.approx(SURFACES["saddle"].lr)
    w.controls["surface"].value = "ravine"
    assert canvas.value == background  # the kept one


def test_race_animation_state_from_python():
    w = OptimizerRace(steps=20)
    assert w.canvas.frame == 20 and not w.canvas.playing  # the whole race, at first
    w.play()
    assert w.canvas.playing and w.canvas.frame == 0
    w.step()
    assert (w.canvas.frame, w.canvas.playing) == (1, False)
    w.rewind()
    assert w.canvas.frame == 0


def test_race_hides_controls_and_buttons_by_name(monkeypatch):
    monkeypatch.setenv("NNCOURSE_HIDE", "reset")
    w = OptimizerRace(hide=("beta", "step"))
    shown = w.widget.children[0].children
    assert w.controls["beta"] not in shown and w.controls["lr"] in shown
    assert w.canvas.hidden == ["reset", "step"]
    with pytest.raises(ValueError, match="hide names unknown controls \\['speed'\\]"):
        OptimizerRace(hide=("speed",))
    assert set(BUTTONS) == {"play", "step", "reset"}


def test_race_image_is_the_canvas_at_natural_size():
    w = OptimizerRace()
    assert w.widget.children[1] is w.canvas
    assert w.canvas.layout.width == f"{w.view.css_size[0]:g}px" and w.canvas.layout.align_self == "flex-start"
    assert w.canvas.css_width == w.view.css_size[0]


def test_race_front_end_is_valid_javascript_drawing_once_per_frame(tmp_path):
    source = (Path(__file__).resolve().parents[2] / "nnlib" / "widgets" / "race.js").read_text()
    assert RaceCanvas._esm is not None and "export default" in source
    draw = source[source.index("function draw()"):source.index("function tell(")]
    assert draw.count("clearRect") == 1  # the browser benchmark counts frames by it
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the module's syntax is checked in the browser tests only")
    module = tmp_path / "race.mjs"
    module.write_text(source)
    result = subprocess.run([node, "--check", str(module)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------ grading

@pytest.mark.parametrize("helper", [lr_explorer, optimizer_race, batch_noise, ewma_explorer])
def test_widgets_draw_nothing_while_graded(helper, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    note = helper()
    assert isinstance(note, widgets.HTML) and "not drawn while the notebook is graded" in note.value


def test_lecture_view_leaves_out_the_your_code_line_and_its_reset_restores_first_values(monkeypatch):
    """NNCOURSE_LECTURE=1: no 'your ewma powers this'; the lecture's reset brings the step count back to 5, not 0."""
    from nnlib.widgets._lecture import remember, reset

    monkeypatch.setenv("NNCOURSE_LECTURE", "1")
    assert "powers this" not in EwmaExplorer(ewma=lambda x, beta, bias_correction=True: ewma(x, beta, bias_correction)).status.value
    w = LearningRateExplorer(steps=5)
    remember(w)
    w.controls["lr"].value = 1.1
    w.controls["reset"].click()
    reset(w)
    assert (w.controls["steps"].value, w.controls["lr"].value) == (5, 0.1)
