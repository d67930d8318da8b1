"""Does a kept background (BlittedWidget.background_key) give exactly the frame a fresh draw gives?

Coming back to a truth table, a layer or a hidden-panel scale restores the
background rendered on the first visit instead of drawing it again; the
picture must not depend on where the widget came from.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnlib.widgets._blit import BlittedWidget
from nnlib.widgets.gradcheck import GradcheckPanel
from nnlib.widgets.importance import DIGITS, PixelImportance
from nnlib.widgets.overfitting import OverfitExplorer
from nnlib.widgets.perceptron import TrainingPlayer
from nnlib.widgets.xor import XorSpaceWarp

from widget_support import full_redraw, pixels, png

CASES = [
    (TrainingPlayer, "gate", ["xor", "or", "and"], {"t": 5}),
    (GradcheckPanel, "layer", ["Activation relu", "Dense (3 -> 2)", "Activation sigmoid"], {}),
    (XorSpaceWarp, "w11", [2.0, 1.0, -0.5], {}),  # 2.0 grows the hidden panel's limits, 1.0 brings them back
]


@pytest.mark.parametrize("cls, name, visits, then", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_coming_back_draws_what_a_fresh_widget_draws(cls, name, visits, then):
    travelled = cls()
    for value in visits:
        travelled.controls[name].value = value
    travelled.controls[name].value = visits[0]  # back to the first visit: its kept background
    for other, value in then.items():
        travelled.controls[other].value = value
    assert len(travelled._kept) >= 2, "no background was kept: the key never changed"

    fresh = cls()
    fresh.controls[name].value = visits[0]
    for other, value in then.items():
        fresh.controls[other].value = value
    assert np.array_equal(pixels(png(travelled)), pixels(png(fresh)))


def test_only_the_last_few_backgrounds_are_kept():
    """Each kept background is a canvas copy (MB): at most KEPT_BACKGROUNDS of them."""
    widget = XorSpaceWarp()
    for c1 in np.linspace(-2.0, 2.0, 81):  # c1 moves hidden points far out: many hidden-panel scales
        for w in (-2.0, 2.0):
            widget.controls["w11"].value = w
            widget.controls["c1"].value = float(c1)
    assert len(widget._kept) <= widget.KEPT_BACKGROUNDS


def test_a_background_composed_over_the_base_equals_a_full_draw():
    """A new truth table redraws only the bar chart over the kept base (RedrawnAxes): same pixels as a full draw?"""
    widget = TrainingPlayer()
    for gate, t in (("or", 3), ("xor", 9)):  # xor: 20 epochs, other ticks and limits than and/or
        widget.controls["gate"].value = gate
        widget.controls["t"].value = t
        assert widget._base is not None, "the new background was not composed over the base"
        assert np.array_equal(pixels(png(widget)), full_redraw(widget)), gate


def test_a_new_setting_draws_only_the_title_over_the_base():
    """A new L2 λ rewrites the overfitting explorer's title over the kept base: the frame a whole new background gives?"""
    composed, rendered = OverfitExplorer(), OverfitExplorer()
    rendered._render = lambda: BlittedWidget._render(rendered)  # every new background rendered in full, as before
    for widget in (composed, rendered):
        widget.step(3)
    for lam in (0.01, 0.03):
        for widget in (composed, rendered):
            widget.controls["L2"].value = lam
        assert composed._base is not None and len(composed._kept) == 2 + (lam == 0.03)  # the first setting, these
        assert np.array_equal(pixels(png(composed)), pixels(png(rendered))), lam


def test_every_digit_setting_keeps_its_background():
    """Going round the 11 digit settings twice: the second round renders no background."""
    widget = PixelImportance()
    options = [value for _, value in DIGITS]
    for value in options[1:] + options[:1]:
        widget.controls["digit"].value = value
    kept = dict(widget._kept)
    for value in options[1:] + options[:1]:
        widget.controls["digit"].value = value
        assert widget._background is kept[value], value  # the very background of the first round


# ---------------------------------------------------------------- backgrounds drawn ahead (idle kernel)


def _draw_everything_ahead(widget) -> int:
    steps = 0
    while widget.draw_ahead():
        steps += 1
        assert steps < 20, "draw_ahead never said it was done"
    return steps + 1


def test_a_background_drawn_ahead_gives_the_frame_a_fresh_widget_draws():
    """The loss explorer draws every other loss's background while idle: the first visit is a kept one, same pixels."""
    from nnlib.widgets.losses import LOSS_VIEWS, LossExplorer

    widget = LossExplorer()
    shown = widget.view.image.value
    _draw_everything_ahead(widget)
    assert set(widget._kept) == set(LOSS_VIEWS)
    assert widget.view.image.value == shown, "drawing ahead published a frame"
    for name in LOSS_VIEWS:
        kept = widget._kept[name]
        widget.controls["loss"].value = name
        assert widget._background is kept, f"{name}: drawn again instead of restoring the background drawn ahead"
        fresh = LossExplorer(loss=name)
        assert np.array_equal(pixels(png(widget)), pixels(png(fresh))), name
    # and the current loss's own frames still come out right after all that drawing
    widget.controls["prediction"].value = 0.3
    fresh = LossExplorer(loss=widget.name, prediction=0.3)
    assert np.array_equal(pixels(png(widget)), pixels(png(fresh)))


def test_drawing_ahead_never_pushes_out_a_kept_background():
    """With more backgrounds ahead than room to keep them, it stops when the room is full."""
    from nnlib.widgets.losses import LossExplorer

    widget = LossExplorer()
    widget.KEPT_BACKGROUNDS = 3
    _draw_everything_ahead(widget)
    assert len(widget._kept) == 3 and widget.name in widget._kept


def _in_a_new_thread(function):
    """Run ``function`` in a thread of its own: no event loop of an earlier test's is running there."""
    import threading

    result = {}

    def target():
        try:
            result["value"] = function()
        except BaseException as exc:  # noqa: BLE001  re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_the_kernels_idle_loop_draws_ahead_and_a_script_does_not():
    """In a running asyncio loop (the kernel's), backgrounds are drawn after a frame; without one, nothing is."""
    import asyncio

    from nnlib.widgets.losses import LOSS_VIEWS, LossExplorer

    in_a_script = _in_a_new_thread(LossExplorer)
    assert len(in_a_script._kept) == 1 and not in_a_script._ahead_pending

    async def in_a_kernel():
        widget = LossExplorer()
        assert widget._ahead_pending  # scheduled after the first frame, not drawn yet
        for _ in range(300):
            if not widget._ahead_pending:
                break
            await asyncio.sleep(0.02)
        return widget

    widget = _in_a_new_thread(lambda: asyncio.run(in_a_kernel()))
    assert set(widget._kept) == set(LOSS_VIEWS)


def test_a_widget_without_backgrounds_ahead_schedules_nothing():
    widget = TrainingPlayer()
    assert widget.backgrounds_ahead() == [] and widget.draw_ahead() is False
