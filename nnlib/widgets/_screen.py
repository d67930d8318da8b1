"""The page's ``devicePixelRatio``, reported by the browser, so that figures are drawn for the screen in use.

A chapter widget's PNG should carry as many pixels as the screen shows: two
per CSS pixel on a HiDPI laptop (sharp text), one on a projector or an
ordinary monitor (half the width and height to draw, encode, send and decode:
the difference between a slider that follows the mouse and one that lags).
Only the browser knows the ratio, so a tiny front end reports it: an
``anywidget`` (the package the optimizer race and the playground already use;
no JupyterLab extension of our own) whose view writes ``window.devicePixelRatio``
into a synced trait, again whenever it changes (browser zoom, the window moved
to another screen).

One :class:`ScreenReport` serves the whole kernel.  Every chapter widget
shows it, invisibly, beside its figure (``_layout.arrange``), and registers
with :func:`follow`; when the trait changes, each registered widget redraws at
the new ratio.  A widget built after the first report starts at the reported
ratio and never draws twice.

Before any report (a notebook run by nbclient, a test, the first widget of a
kernel) figures are drawn at ``DEFAULT_RATIO``.  ``NNCOURSE_PIXEL_RATIO`` set
to a number fixes the ratio and turns the report off; the lecture view sets 1
(its figures are already drawn at 150 CSS pixels per inch, and a projector
shows one pixel per CSS pixel).
"""
from __future__ import annotations

import logging
import math
import weakref

import anywidget
import ipywidgets as widgets
import traitlets

__all__ = ["DEFAULT_RATIO", "MAX_RATIO", "ScreenReport", "follow", "page_ratio", "report_widget", "usable_ratio"]

DEFAULT_RATIO = 2.0  # before the page reported: sharp on any screen (a ratio-1 screen downsamples it)
MAX_RATIO = 2.0  # a phone's 3x would cost 2.25 times the pixels of 2x for no visible gain on a figure
RATIO_STEP = 0.25  # browser zoom gives ratios like 1.100000023841858: round up to quarter steps


class ScreenReport(anywidget.AnyWidget):
    """Writes the page's ``window.devicePixelRatio`` into ``pixel_ratio`` (0 until a view is shown)."""

    _esm = """
    export default {
      render({ model, el }) {
        el.style.display = "none";
        let query = null;
        const report = () => {
          const ratio = window.devicePixelRatio || 1;
          if (model.get("pixel_ratio") !== ratio) {
            model.set("pixel_ratio", ratio);
            model.save_changes();
          }
          // A media query that stops matching when the ratio changes (zoom, another screen).
          if (query) query.removeEventListener("change", report);
          query = window.matchMedia(`(resolution: ${ratio}dppx)`);
          query.addEventListener("change", report);
        };
        report();
        // Zoom also resizes the window; some browsers signal a new ratio only that way.
        window.addEventListener("resize", report);
        return () => {
          if (query) query.removeEventListener("change", report);
          window.removeEventListener("resize", report);
        };
      },
    };
    """
    pixel_ratio = traitlets.Float(0.0).tag(sync=True)


_report: ScreenReport | None = None
_followers: weakref.WeakSet = weakref.WeakSet()  # widgets that redraw on a new ratio (weak: closed ones go)


def usable_ratio(reported: float) -> float:
    """The ratio figures are drawn at for a reported ``devicePixelRatio``.

    Rounded up to a quarter (a 110 % zoom draws at 1.25), at least 1 (a
    zoomed-out page is not worth blurrier figures), at most ``MAX_RATIO``.
    """
    if not math.isfinite(reported) or reported <= 0:
        return DEFAULT_RATIO
    quarters = math.ceil(reported / RATIO_STEP - 1e-6) * RATIO_STEP
    return min(MAX_RATIO, max(1.0, quarters))


def report_widget() -> ScreenReport:
    """The kernel's one reporter (created on first use)."""
    global _report
    if _report is None:
        _report = ScreenReport(layout=widgets.Layout(display="none"))
        _report.observe(_ratio_changed, names="pixel_ratio")
    return _report


def page_ratio() -> float | None:
    """The drawing ratio for the page's last reported ``devicePixelRatio``, or None before any report."""
    if _report is None or _report.pixel_ratio <= 0:
        return None
    return usable_ratio(_report.pixel_ratio)


def follow(widget) -> None:
    """Call ``widget.set_pixel_ratio(ratio)`` whenever the page reports a new ratio."""
    _followers.add(widget)


def _ratio_changed(change) -> None:
    ratio = usable_ratio(change["new"])
    for widget in list(_followers):
        try:
            widget.set_pixel_ratio(ratio)
        except Exception:  # one broken widget (closed, a student's subclass) must not stop the others
            logging.getLogger(__name__).exception("%s could not redraw at pixel ratio %g", type(widget).__name__,
                                                  ratio)
