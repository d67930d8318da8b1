"""What every chapter widget shares: a matplotlib Figure shown as a PNG image.

Why not pyplot or ``%matplotlib widget``?  Widget callbacks run on a kernel
subshell in JupyterLab 4.6 + ipykernel 7, and pyplot's global state then races
and draws blank frames (TOOLCHAIN.md).  Each widget therefore owns a
``matplotlib.figure.Figure`` rendered by the Agg canvas into an
``ipywidgets.Image``: no global state, identical output in JupyterLab, Voilà,
nbclient and tests (which can compare the PNG bytes before and after a change).

While nbgrader grades a notebook (``NBGRADER_EXECUTION`` is set) a widget
draws nothing and shows a one-line note instead: widgets must never slow or
hang grading (nbgrader issue #1359).
"""
from __future__ import annotations

import copy
import os
from contextlib import contextmanager, nullcontext

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnlib.widgets import _layout, _screen
from nnlib.widgets._lecture import lecture_view, remember
from nnlib.widgets._png import encode_rgba


def grading() -> bool:
    """True while nbgrader executes the notebook (autograde or validate)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


# The lecture view (``nncourse present``) sets these in the kernel's environment.
def lecture_hide() -> set[str]:
    """Control names hidden from every widget: ``NNCOURSE_HIDE="b,gate"`` (``nncourse present --hide``)."""
    return {name.strip() for name in os.environ.get("NNCOURSE_HIDE", "").split(",") if name.strip()}


def lecture_dpi(default: int = 96) -> int:
    """CSS pixels per figure inch: ``NNCOURSE_DPI`` (larger figures on a projector), else ``default``."""
    return _layout.css_dpi(default)


class FigureView:
    """A Figure and the Image widget that shows it at its natural CSS size (see ``_layout.py``).

    The figure is drawn at ``css_dpi x pixel_ratio`` dots per inch and the
    image is given the CSS width ``figsize x css_dpi``, so the PNG has
    ``pixel_ratio`` device pixels per CSS pixel: the ratio ``NNCOURSE_PIXEL_RATIO``
    fixes, else the page's reported one (``_screen.py``), else 2 until the page
    reports (:meth:`set_pixel_ratio` changes it).  Each full draw records the
    size of every text it draws (:meth:`recording_text`): the smallest sets
    how far a narrow page may shrink the image, and both travel with the PNG
    as ``tEXt`` chunks for the browser tests.
    """

    def __init__(self, figsize=(6.0, 4.0)):
        self.css_dpi = lecture_dpi()
        self.fixed_ratio = _layout.fixed_pixel_ratio()
        self.pixel_ratio = self.fixed_ratio or _screen.page_ratio() or _screen.DEFAULT_RATIO
        self.figure = Figure(figsize=figsize, dpi=self.css_dpi * self.pixel_ratio, layout="constrained")
        FigureCanvasAgg(self.figure)  # attaches itself to the figure
        self._measure()
        self.text_px = (float("inf"), float("inf"))  # smallest, median text in CSS px (after a full draw)
        self.name = "figure"  # the widget's class name, written into the PNG
        self.image = widgets.Image(format="png", layout=widgets.Layout())
        _layout.image_layout(self.image.layout, self.css_size[0], self.text_px[0])

    def _measure(self) -> None:
        # natural CSS width, height: the PNG's pixels over the pixel ratio (so the two always agree)
        self.css_size = tuple(px / self.pixel_ratio for px in self.figure.canvas.get_width_height())

    def set_pixel_ratio(self, ratio: float) -> bool:
        """Draw from now on at ``ratio`` PNG pixels per CSS pixel; True if that changed anything.

        The figure keeps its size in inches and its layout (axes positions are
        fractions of the figure), so the picture only gains or loses pixels;
        whoever cached rendered pixels (a blitted background) must drop them.
        A ratio fixed by ``NNCOURSE_PIXEL_RATIO`` is kept.
        """
        if self.fixed_ratio is not None or ratio == self.pixel_ratio:
            return False
        self.pixel_ratio = float(ratio)
        self.figure.set_dpi(self.css_dpi * self.pixel_ratio)
        self._measure()
        _layout.image_layout(self.image.layout, self.css_size[0], self.text_px[0])
        return True

    @contextmanager
    def recording_text(self):
        """Record the size of every text drawn inside the block (a full draw of the figure)."""
        renderer = self.figure.canvas.get_renderer()
        draw_text, sizes = renderer.draw_text, []

        def recording(gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if s.strip():
                sizes.append(prop.get_size_in_points())
            return draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

        renderer.draw_text = recording  # an instance attribute shadows the method for this draw only
        try:
            yield
        finally:
            del renderer.draw_text
        if sizes:
            self.text_px = _layout.text_sizes_px(sizes, self.css_dpi)
            _layout.image_layout(self.image.layout, self.css_size[0], self.text_px[0])

    def publish(self) -> None:
        """Encode what the canvas holds as PNG and hand it to the Image widget."""
        smallest, median = self.text_px
        meta = {"nncourse-widget": self.name, "nncourse-css-size": f"{self.css_size[0]:g}x{self.css_size[1]:g}",
                "nncourse-pixel-ratio": f"{self.pixel_ratio:g}",
                "nncourse-text-px": f"min={smallest:.2f} median={median:.2f}"}
        self.image.value = encode_rgba(self.figure.canvas.buffer_rgba(), text=meta)

    def refresh(self) -> None:
        """Draw the whole figure and show it."""
        with self.recording_text():
            self.figure.canvas.draw()
        self.publish()


class ChapterWidget:
    """Base class: a figure, some controls, and ``update()`` that redraws.

    Subclasses build ``self.controls`` (a dict name -> ipywidgets control),
    draw in :meth:`draw` using ``self.view.figure``, and call
    ``self._wire()`` at the end of ``__init__``.  ``hide`` names controls a
    lecturer wants off the projector (they keep working, just not shown);
    names in ``NNCOURSE_HIDE`` are hidden too, in every widget that has them.
    """

    controls_beside = False  # True: controls in a column left of the figure (see _layout.arrange)

    def __init__(self, figsize=(6.0, 4.0), hide=()):
        self.view = FigureView(figsize)
        self.view.name = type(self).__name__
        self.controls: dict[str, widgets.Widget] = {}
        self.hidden_controls = set(hide)
        self.status = widgets.HTML()
        if self.view.fixed_ratio is None:
            _screen.follow(self)  # redraw at the page's devicePixelRatio once the browser reports it

    # -- to implement -------------------------------------------------
    def draw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared machinery ---------------------------------------------
    def _wire(self) -> None:
        unknown = self.hidden_controls - set(self.controls)
        if unknown:
            raise ValueError(f"hide names unknown controls {sorted(unknown)}; known: {sorted(self.controls)}")
        for control in self.controls.values():
            if hasattr(control, "value"):
                control.observe(lambda _change: self.update(), names="value")
        self.update()

    def update(self) -> None:
        """Redraw the figure from the current control values."""
        self.view.figure.clear()
        self.draw()
        self.view.refresh()

    def forget_frames(self) -> None:
        """Drop whatever this widget keeps of frames already drawn (none here; see BlittedWidget)."""

    def set_pixel_ratio(self, ratio: float) -> None:
        """Redraw the whole figure at ``ratio`` PNG pixels per CSS pixel (the page reported a new ratio)."""
        with getattr(self, "_lock", None) or nullcontext():  # not between two halves of a frame
            if self.view.set_pixel_ratio(ratio):
                self.forget_frames()
                self.update()

    @property
    def widget(self) -> widgets.Widget:
        """The assembled ipywidgets layout: controls (above, or beside with ``controls_beside``), figure, status.

        Its children are ``[controls box, image, status]``; see :func:`nnlib.widgets._layout.arrange`.
        """
        remember(self)  # the values first shown: what the lecture view's "Reset widgets" returns to
        hidden = self.hidden_controls | lecture_hide()
        shown = [c for name, c in self.controls.items() if name not in hidden]
        # The page reports its devicePixelRatio through an invisible view shown with the figure.
        report = [] if self.view.fixed_ratio is not None else [_screen.report_widget()]
        return _layout.arrange(shown, self.view.image, self.status, beside=self.controls_beside, hidden=report)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def show(widget_class, *args, **kwargs):
    """Build and return a chapter widget, or a short note while grading."""
    if grading():
        return widgets.HTML(f"<i>{widget_class.__name__} is not drawn while the notebook is graded.</i>")
    return widget_class(*args, **kwargs)


def _note(text: str) -> None:
    """Print a note for the student; the lecture view (the solution, in front of a class) prints none."""
    if not lecture_view():
        print(text)


def use_student(func, reference, probe_args=(), probe_kwargs=None):
    """The student's ``func`` if it runs on a probe input, else ``reference``, with a printed note.

    Lets a notebook cell use a function the student wrote earlier ("your code
    powers this") without failing in the released notebook, where that
    function is still a stub raising NotImplementedError.  Any exception on
    the probe counts as "not ready"; the probe arguments are deep-copied, so
    a function that mutates its input cannot change the caller's data.
    Whether the result is *right* is the test cells' job, not this one's.
    """
    name = getattr(func, "__name__", "your function")
    ref_name = f"{reference.__module__}.{reference.__qualname__}"
    try:
        func(*copy.deepcopy(tuple(probe_args)), **copy.deepcopy(dict(probe_kwargs or {})))
    except NotImplementedError:
        _note(f"Note: {name} is not implemented yet, so this cell uses the reference {ref_name}.")
        return reference
    except Exception as exc:  # a bug in the student's code: say so, carry on with the reference
        _note(f"Note: {name} raised {type(exc).__name__}: {exc}; this cell uses the reference {ref_name}.")
        return reference
    _note(f"Using your {name}.")
    return func
