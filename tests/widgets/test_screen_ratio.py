"""Are figures drawn at the page's devicePixelRatio, as the browser reports it (``nnlib/widgets/_screen.py``)?

The browser side (a real page reporting its ratio, and a change of ratio)
is tested in tests/browser/test_screens.py; here the kernel side: what a
reported ratio does to every chapter widget's PNG, before and after.
"""
from __future__ import annotations

import io
import weakref

import numpy as np
import pytest
from PIL import Image
from test_sizing import WIDGETS

from nnlib.widgets import _layout, _screen
from nnlib.widgets._png import read_text


@pytest.fixture(autouse=True)
def fresh_report(monkeypatch):
    """A kernel whose page has not reported yet, with a notebook's settings (no fixed ratio)."""
    for name in ("NNCOURSE_DPI", "NNCOURSE_PIXEL_RATIO", "NNCOURSE_HIDE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_screen, "_report", None)
    monkeypatch.setattr(_screen, "_followers", weakref.WeakSet())  # not the other tests' widgets


def pixels(widget) -> np.ndarray:
    """The widget's PNG as grey levels 0-255, shape (height, width)."""
    return np.asarray(Image.open(io.BytesIO(bytes(widget.view.image.value))).convert("L"), dtype=float)


def halved(grey: np.ndarray) -> np.ndarray:
    """A 2x picture shown on a ratio-1 screen: the mean of each 2x2 block."""
    h, w = grey.shape[0] // 2, grey.shape[1] // 2
    return grey[:2 * h, :2 * w].reshape(h, 2, w, 2).mean(axis=(1, 3))


@pytest.mark.parametrize(("reported", "drawn"), [(1.0, 1.0), (1.100000023841858, 1.25), (1.5, 1.5), (2.0, 2.0),
                                                  (3.0, 2.0), (0.5, 1.0), (0.0, 2.0), (float("nan"), 2.0)])
def test_reported_ratio_becomes_a_drawing_ratio(reported, drawn):
    """Browser zoom's odd ratios round up to quarters; at least 1, at most 2; no report means 2."""
    assert _screen.usable_ratio(reported) == drawn


def test_a_fixed_ratio_must_be_a_number():
    """NNCOURSE_PIXEL_RATIO=abc says what it expected instead of drawing at some ratio."""
    import os

    os.environ["NNCOURSE_PIXEL_RATIO"] = "abc"
    try:
        with pytest.raises(ValueError, match=r"NNCOURSE_PIXEL_RATIO must be a number such as 1 or 2.*'abc'"):
            _layout.fixed_pixel_ratio()
        os.environ["NNCOURSE_PIXEL_RATIO"] = "auto"
        assert _layout.fixed_pixel_ratio() is None
        os.environ["NNCOURSE_PIXEL_RATIO"] = "1"
        assert _layout.fixed_pixel_ratio() == 1.0
    finally:
        del os.environ["NNCOURSE_PIXEL_RATIO"]


@pytest.mark.parametrize("cls", WIDGETS, ids=lambda cls: cls.__name__)
def test_a_reported_ratio_redraws_the_whole_figure_at_it(cls):
    """Ratio 2 before any report; a reported 1 gives a PNG of the CSS size showing the same picture.

    "The same picture": the 1x PNG is within a few grey levels (mean) of the
    2x PNG halved, which a stale or half-drawn frame is not (it would keep
    the old size, or differ by tens of levels where it is blank or shifted).
    """
    widget = cls()
    css = widget.view.css_size
    assert read_text(bytes(widget.view.image.value))["nncourse-pixel-ratio"] == "2"
    before = pixels(widget)
    assert before.shape == (round(css[1] * 2), round(css[0] * 2))

    _screen.report_widget().pixel_ratio = 1.0  # what the page's view writes on a ratio-1 screen

    after = pixels(widget)
    assert read_text(bytes(widget.view.image.value))["nncourse-pixel-ratio"] == "1"
    assert after.shape == (int(css[1]), int(css[0]))  # the 2x size's half pixel is dropped
    assert widget.view.image.layout.width == f"{widget.view.css_size[0]:g}px"
    difference = np.abs(halved(before)[:after.shape[0], :after.shape[1]] - after).mean()
    assert difference < 12, f"{cls.__name__}: the 1x frame differs from the 2x one by {difference:.1f} grey levels"


def test_the_next_frame_after_a_new_ratio_is_drawn_at_it():
    """A control moved after the report draws at the new ratio over a background of the new size."""
    from nnlib.widgets.perceptron import DecisionLineExplorer

    widget = DecisionLineExplorer()
    _screen.report_widget().pixel_ratio = 1.0
    first = pixels(widget)
    widget.controls["w1"].value = widget.controls["w1"].value + 0.5
    moved = pixels(widget)
    assert moved.shape == first.shape
    assert np.abs(moved - first).mean() > 0.05  # the decision line moved

    _screen.report_widget().pixel_ratio = 2.0  # the window went to a HiDPI screen
    again = pixels(widget)
    assert read_text(bytes(widget.view.image.value))["nncourse-pixel-ratio"] == "2"
    assert abs(again.shape[0] - 2 * first.shape[0]) <= 1 and abs(again.shape[1] - 2 * first.shape[1]) <= 1


def test_widgets_built_after_a_report_start_at_its_ratio_and_show_the_reporter():
    """The reported ratio is the starting ratio of later widgets; each widget carries the invisible reporter."""
    from nnlib.widgets.activations import ActivationExplorer

    _screen.report_widget().pixel_ratio = 1.25
    widget = ActivationExplorer()
    assert widget.view.pixel_ratio == 1.25
    assert read_text(bytes(widget.view.image.value))["nncourse-pixel-ratio"] == "1.25"
    box = widget.widget
    assert box.children[-1] is _screen.report_widget() and box.children[-1].layout.display == "none"


def test_a_fixed_ratio_ignores_the_report(monkeypatch):
    """The lecture view's NNCOURSE_PIXEL_RATIO=1: no reporter shown, a report changes nothing."""
    from nnlib.widgets.activations import ActivationExplorer

    monkeypatch.setenv("NNCOURSE_PIXEL_RATIO", "1")
    widget = ActivationExplorer()
    png = bytes(widget.view.image.value)
    assert _screen.report_widget() not in widget.widget.children
    _screen.report_widget().pixel_ratio = 2.0
    assert bytes(widget.view.image.value) == png


def test_a_widget_that_cannot_redraw_does_not_stop_the_others(caplog):
    """A report reaches every widget even when one of them fails to redraw (the failure is logged)."""
    from nnlib.widgets.activations import ActivationExplorer

    class Broken(ActivationExplorer):
        def set_pixel_ratio(self, ratio):
            raise RuntimeError("closed")

    broken, working = Broken(), ActivationExplorer()
    _screen.report_widget().pixel_ratio = 1.0
    assert working.view.pixel_ratio == 1.0
    assert "Broken could not redraw at pixel ratio 1" in caplog.text and broken.view.pixel_ratio == 2.0
