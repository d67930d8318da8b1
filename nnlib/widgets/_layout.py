"""How a chapter widget is sized on the page: the figure, its controls, its status line.

The figure.  A figure of ``figsize`` inches has a *natural CSS size* of
``figsize x css_dpi`` CSS pixels, ``css_dpi`` being 96 in a notebook (a
10-pt label is then 13.3 px, the size of JupyterLab's widget labels) and 150
in the lecture view (20.8 px beside its 20-px controls).  It is shown at that
size, never larger: ipywidgets' boxes stretch an image to the box's width
(TOOLCHAIN.md "Screens"), so the image gets a fixed CSS width and
``align-self: flex-start``.  A narrower page shrinks it as a whole
(``max-width: 100%``, ``height: auto``), text included, but never below the
width at which its smallest text would be ``TEXT_FLOOR_PX`` (``min-width``).

The pixels.  The PNG has ``pixel_ratio`` device pixels per CSS pixel: the
page's own ``devicePixelRatio``, which the browser reports to the kernel
(``_screen.py``), so a HiDPI laptop gets 2 (sharp text) and an ordinary
monitor or a projector gets 1 (a quarter of the pixels to draw, encode, send
and decode per frame).  Until the page has reported, figures are drawn at 2,
sharp everywhere.  ``NNCOURSE_PIXEL_RATIO`` fixes the ratio; the lecture view
sets 1, since its figures are already 1.56 times larger and a projector has a
ratio of 1 (2x there would cost 4 times the pixels per frame: 115 ms for the
smallest widget, measured, too slow to follow a slider).

The controls.  Widths are given in ``em`` of the widget font (13 px in a
notebook, 20 px in the lecture view), so one setting fits both; a slider's
track is at least ``PX_PER_STEP`` pixels per step so that every step can be
hit with the mouse; labels get the width of their text, so the lecture
view's wide labels no longer squeeze number boxes to slivers.
"""
from __future__ import annotations

import functools
import math
import os

import ipywidgets as widgets
import numpy as np

__all__ = ["TEXT_FLOOR_PX", "PX_PER_STEP", "css_dpi", "fixed_pixel_ratio", "text_sizes_px", "floor_width",
           "image_layout", "fit_control", "arrange"]

TEXT_FLOOR_PX = 12.0  # no figure text is ever shown smaller than this many CSS pixels
PX_PER_STEP = 2.5  # slider track length per step
TRACK_EM = 12  # shortest slider track, in em of the widget font
TEXT_MARGIN = 1.15  # text measured with DejaVu Sans's metrics, times this (Chromium: up to 9 % wider, measured)
NUMBER_EM = 6.0  # a number box shows "-12.345" (4.8 em with the margin) and its padding


def css_dpi(default: int = 96) -> int:
    """CSS pixels per figure inch: ``NNCOURSE_DPI`` (the lecture view sets 150), else ``default``."""
    return int(os.environ.get("NNCOURSE_DPI") or default)


def fixed_pixel_ratio() -> float | None:
    """The ratio ``NNCOURSE_PIXEL_RATIO`` fixes (the lecture view sets 1), or None: follow the page."""
    value = os.environ.get("NNCOURSE_PIXEL_RATIO", "").strip()
    if not value or value == "auto":
        return None
    try:
        ratio = float(value)
    except ValueError:
        raise ValueError(f"NNCOURSE_PIXEL_RATIO must be a number such as 1 or 2, or 'auto'; got {value!r}") from None
    if not (0 < ratio <= 4):
        raise ValueError(f"NNCOURSE_PIXEL_RATIO must be in (0, 4]; got {value!r}")
    return ratio


# ------------------------------------------------------------------ the figure


def text_sizes_px(points, dpi: float) -> tuple[float, float]:
    """(smallest, median) of font sizes given in points, in CSS px at ``dpi`` CSS px per inch."""
    if not len(points):
        return (math.inf, math.inf)
    px = np.asarray(points, dtype=float) * dpi / 72.0
    return float(px.min()), float(np.median(px))


def floor_width(css_width: float, smallest_text_px: float) -> float:
    """Narrowest CSS width the figure may be shrunk to: its smallest text stays >= TEXT_FLOOR_PX."""
    scale = min(1.0, TEXT_FLOOR_PX / smallest_text_px) if smallest_text_px > 0 else 1.0
    return min(css_width, math.ceil(css_width * scale))


def image_layout(layout: widgets.Layout, css_width: float, smallest_text_px: float) -> None:
    """Show the image at its natural CSS width, shrinking (as a whole) only down to the text floor."""
    layout.width = f"{css_width:g}px"  # half pixels too: at a pixel ratio of 2 they are whole device pixels
    layout.height = "auto"  # keeps the aspect ratio whatever the width
    layout.max_width = "100%"
    layout.min_width = f"{floor_width(css_width, smallest_text_px):g}px"
    layout.align_self = "flex-start"  # a box's default "stretch" would scale it up to the box's width
    layout.flex = "0 1 auto"


# ------------------------------------------------------------------ the controls


@functools.lru_cache(maxsize=1)
def _ui_font():
    """DejaVu Sans, matplotlib's own font file: JupyterLab's UI font on Debian, and wider than most others."""
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    font = FT2Font(findfont(FontProperties(family="DejaVu Sans")))
    font.set_size(100, 72)  # 100 px per em
    return font


@functools.lru_cache(maxsize=512)
def text_em(text: str) -> float:
    """Width of ``text`` in em of the UI font, with TEXT_MARGIN to spare (browsers lay text out a little wider)."""
    if not text:
        return 0.0
    font = _ui_font()
    font.set_text(text)
    return round(font.get_width_height()[0] / 64 / 100 * TEXT_MARGIN + 0.3, 2)


def _label_em(text: str) -> float:
    return text_em(text)


def slider_steps(control) -> int:
    """How many steps a slider's track has."""
    step = control.step or 1
    return max(1, int(round((control.max - control.min) / step)))


def fit_control(control, label_em: float | None = None) -> None:
    """Size one control for the widget font of the page (em) and its own content.

    ``label_em`` forces the description width (a column of controls lines
    its tracks up); by default it is the width of the description's text.
    """
    description = getattr(control, "description", "") or ""
    if isinstance(control, widgets.Play):
        return  # three icon buttons, fine at ipywidgets' own size
    if isinstance(control, widgets.Button):
        control.layout.width = "max-content"  # the whole label ("Reset", not "Re…")
        control.layout.flex = "0 0 auto"
        return
    label = _label_em(description) if label_em is None else label_em
    control.style.description_width = f"{label}em" if description else "0"
    # The label's own right margin (2 x --jp-widgets-inline-margin).
    label_css = f"{label}em + 8px" if description else "0px"
    if isinstance(control, (widgets.FloatSlider, widgets.IntSlider, widgets.FloatLogSlider)):
        track = f"max({TRACK_EM}em, {math.ceil(slider_steps(control) * PX_PER_STEP)}px)"
        # label, track with room for the handle at both ends, readout (its minimum width plus margin)
        width = (f"calc({label_css} + {track} + var(--jp-widgets-slider-handle-size)"
                 " + var(--jp-widgets-inline-width-tiny) + 8px)")
    elif isinstance(control, (widgets.FloatText, widgets.IntText, widgets.BoundedFloatText,
                              widgets.BoundedIntText, widgets.Text)):
        width = f"calc({label_css} + {NUMBER_EM}em)"
    elif isinstance(control, widgets.Dropdown):
        longest = max((text_em(str(label_)) for label_ in control._options_labels), default=2.0)
        width = f"calc({label_css} + {longest}em + 28px)"  # + the arrow's padding (20 px) and the box's
    else:
        return
    control.layout.width = width
    control.layout.flex = "0 0 auto"  # never squeezed by its neighbours; the row wraps instead


def arrange(controls: list, image, status, beside: bool = False, hidden=()) -> widgets.VBox:
    """The widget on the page: controls, figure, status line (children in that order), then ``hidden``.

    ``hidden``: widgets with no visible view of their own, e.g. the screen
    report of ``_screen.py``; they come last.

    ``beside=False``: the controls in a wrapping row above the figure (wide
    figures).  ``beside=True``: the controls in a column left of the figure,
    which moves below them when the page is too narrow (tall figures: the
    sliders and the whole figure then fit a 720-pixel-high screen together).
    """
    if beside:
        # One label width for the column's sliders, so that their tracks line up.
        sliders = [c for c in controls if isinstance(c, (widgets.FloatSlider, widgets.IntSlider, widgets.FloatLogSlider))]
        label = max((_label_em(c.description or "") for c in sliders), default=0.0)
        for control in controls:
            fit_control(control, label_em=label if control in sliders else None)
        box = widgets.VBox(controls, layout=widgets.Layout(flex="0 0 auto", margin="0 12px 0 0"))
    else:
        for control in controls:
            fit_control(control)
        box = widgets.HBox(controls, layout=widgets.Layout(flex_flow="row wrap", width="100%"))
    status.layout.width = "100%"  # its own line, as wide as the output
    # A VBox either way (what callers expect); beside, its inline flex-flow makes it a wrapping row.
    flow = "row wrap" if beside else "column"
    return widgets.VBox([box, image, status, *hidden], layout=widgets.Layout(flex_flow=flow, align_items="flex-start",
                                                                    width="100%"))
