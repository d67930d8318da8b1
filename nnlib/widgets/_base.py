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
import io
import os

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def grading() -> bool:
    """True while nbgrader executes the notebook (autograde or validate)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


# The lecture view (``nncourse present``) sets these in the kernel's environment.
def lecture_hide() -> set[str]:
    """Control names hidden from every widget: ``NNCOURSE_HIDE="b,gate"`` (``nncourse present --hide``)."""
    return {name.strip() for name in os.environ.get("NNCOURSE_HIDE", "").split(",") if name.strip()}


def lecture_dpi(default: int = 96) -> int:
    """Figure resolution: ``NNCOURSE_DPI`` (sharper, larger figures on a projector), else ``default``."""
    return int(os.environ.get("NNCOURSE_DPI") or default)


class FigureView:
    """A Figure and the Image widget that shows it; call :meth:`refresh` after drawing."""

    def __init__(self, figsize=(6.0, 4.0), dpi: int | None = None):
        self.figure = Figure(figsize=figsize, dpi=dpi or lecture_dpi(), layout="constrained")
        FigureCanvasAgg(self.figure)  # attaches itself to the figure
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))

    def refresh(self) -> None:
        """Render the figure to PNG bytes and hand them to the Image widget."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        self.image.value = buffer.getvalue()


class ChapterWidget:
    """Base class: a figure, some controls, and ``update()`` that redraws.

    Subclasses build ``self.controls`` (a dict name -> ipywidgets control),
    draw in :meth:`draw` using ``self.view.figure``, and call
    ``self._wire()`` at the end of ``__init__``.  ``hide`` names controls a
    lecturer wants off the projector (they keep working, just not shown);
    names in ``NNCOURSE_HIDE`` are hidden too, in every widget that has them.
    """

    def __init__(self, figsize=(6.0, 4.0), hide=()):
        self.view = FigureView(figsize)
        self.controls: dict[str, widgets.Widget] = {}
        self.hidden_controls = set(hide)
        self.status = widgets.HTML()

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

    @property
    def widget(self) -> widgets.Widget:
        """The assembled ipywidgets layout: controls above, figure, status line."""
        hidden = self.hidden_controls | lecture_hide()
        shown = [c for name, c in self.controls.items() if name not in hidden]
        return widgets.VBox([widgets.HBox(shown, layout=widgets.Layout(flex_flow="row wrap")), self.view.image, self.status])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def show(widget_class, *args, **kwargs):
    """Build and return a chapter widget, or a short note while grading."""
    if grading():
        return widgets.HTML(f"<i>{widget_class.__name__} is not drawn while the notebook is graded.</i>")
    return widget_class(*args, **kwargs)


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
        print(f"Note: {name} is not implemented yet, so this cell uses the reference {ref_name}.")
        return reference
    except Exception as exc:  # a bug in the student's code: say so, carry on with the reference
        print(f"Note: {name} raised {type(exc).__name__}: {exc}; this cell uses the reference {ref_name}.")
        return reference
    print(f"Using your {name}.")
    return func
