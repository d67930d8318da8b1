"""What the lecture view (``nncourse present``) asks of the chapter widgets.

- :func:`lecture_view`: ``NNCOURSE_LECTURE=1`` in the kernel's environment.
  The lecture view runs the *solution* notebook in front of a class, so
  status lines that talk to a student about their own code ("✓ your
  train_perceptron powers this", "Using your mlp_forward.") are left out.
- :func:`remember` / :func:`reset_all`: each chapter widget's control values
  as first shown, and one call that puts every widget back to them (the
  lecture view's "Reset widgets" button presses :func:`reset_button`).
"""
from __future__ import annotations

import os
import weakref
from contextlib import nullcontext

import ipywidgets as widgets

RESET_CLASS = "nncourse-reset-widget"  # the lecture template finds the hidden button by this class

# widget -> {control name: value when first shown}; weak, so a closed widget is not kept alive here
_initial: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def lecture_view() -> bool:
    """True in the lecture view's kernel (``NNCOURSE_LECTURE=1``, set by ``nncourse present``)."""
    return os.environ.get("NNCOURSE_LECTURE") == "1"


def remember(widget) -> None:
    """Note ``widget``'s control values, the first time it is shown (later calls change nothing)."""
    if widget not in _initial:
        _initial[widget] = {name: c.value for name, c in widget.controls.items() if hasattr(c, "value")}


def reset(widget) -> None:
    """Put one widget's controls back to their remembered values and redraw it once.

    A Play control is stopped first (it would move the slider on).  Values are
    set while the widget holds its drawing (``BlittedWidget.holding``), in
    control order, so the gate of a truth table is back before its step;
    then it redraws.  A widget with a ``reset()`` of its own (a stepper's
    Reset button) also gets it: its step counter is not a control.
    """
    values = _initial.get(widget, {})
    for control in widget.controls.values():
        if getattr(control, "playing", False):
            control.playing = False
    holding = getattr(widget, "holding", None)
    with holding() if callable(holding) else nullcontext():
        for name, value in values.items():
            widget.controls[name].value = value
    widget.update()  # one frame with every value back (a BlittedWidget skips it if nothing changed)
    own_reset = getattr(widget, "reset", None)
    if callable(own_reset):
        own_reset()


def reset_all() -> int:
    """Reset every chapter widget shown in this kernel; return how many."""
    shown = list(_initial.keys())
    for widget in shown:
        reset(widget)
    return len(shown)


def reset_button() -> widgets.Button:
    """A button that resets every widget; the lecture view hides it and presses it from its own bar."""
    button = widgets.Button(description="Reset widgets", tooltip="every widget back to its first values")
    button.add_class(RESET_CLASS)
    button.on_click(lambda _button: reset_all())
    return button
