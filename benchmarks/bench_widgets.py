"""Widget response (target 4): from a control change to a finished redraw, for every chapter widget.

Widgets are found, not listed: every public ``ChapterWidget`` subclass
defined in a module of ``nnlib.widgets`` is built with its defaults.  Its
*main control* is the one a lecturer drives: the first enabled, visible
slider; else its step buttons (the first enabled one is clicked, so a
stepper walks forward, then back, then resets); else a number box; else a
drop-down (cycling through its options).  Sliders walk up and down their
range so every change is a new value.

A change is timed from setting the control (or clicking) until the
observer chain returns: the widget has recomputed, drawn its matplotlib
Figure on the Agg canvas and encoded the PNG handed to its Image widget,
which is everything the kernel does before the frame leaves for the browser.
The widgets take turns (round-robin, 50 rounds), the interleaving rule of
the other benchmarks.  The time to build each widget (first full draw) is
shown too.

Run alone: ``python -m benchmarks.bench_widgets [--quick]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_widgets.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import importlib
import inspect
import itertools
import os
import pkgutil
import time

import numpy as np

from benchmarks._common import Section, Stats, Target, md_table, pinned_threads

CHANGES = 50
SLIDER_POSITIONS = 25  # at most this many distinct values on a slider's walk


def discover():
    """``[(module name, class)]`` of every public ChapterWidget subclass in nnlib.widgets, plus import errors."""
    import nnlib.widgets as package
    from nnlib.widgets._base import ChapterWidget

    found, errors = [], []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{package.__name__}.{info.name}")
        except Exception as exc:  # a widget module being written right now must not stop the others
            errors.append((info.name, f"import failed: {type(exc).__name__}: {exc}"))
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, ChapterWidget) and cls.__module__ == module.__name__ and not name.startswith("_")
                    and not inspect.isabstract(cls)):
                found.append((info.name, cls))
    return found, errors


def _usable(widget, name, control) -> bool:
    return (name not in widget.hidden_controls and not getattr(control, "disabled", False)
            and getattr(control.layout, "display", None) != "none")


def _slider_values(control):
    """A walk up and down the slider: distinct neighbours, at most SLIDER_POSITIONS values."""
    import ipywidgets as widgets

    log = isinstance(control, widgets.FloatLogSlider)
    lo, hi, step = control.min, control.max, control.step or 1
    n = int(round((hi - lo) / step)) + 1
    positions = np.unique(np.round(np.linspace(0, n - 1, min(n, SLIDER_POSITIONS))).astype(int))
    values = [lo + k * step for k in positions]
    if isinstance(control, widgets.IntSlider):
        values = [int(v) for v in values]
    if log:
        values = [control.base ** v for v in values]
    walk = values + values[-2:0:-1]  # up, then down without repeating the ends
    current = control.value
    start = int(np.argmin([abs(v - current) for v in values]))
    walk = walk[start + 1:] + walk[:start + 1]  # begin next to the current value
    return itertools.cycle(walk)


def main_control(widget):
    """``(description, change)``: the control a lecturer drives and a function applying the next change."""
    import ipywidgets as widgets

    controls = [(n, c) for n, c in widget.controls.items() if _usable(widget, n, c)]
    sliders = [(n, c) for n, c in controls if isinstance(c, (widgets.FloatSlider, widgets.IntSlider,
                                                              widgets.FloatLogSlider))]
    if sliders:
        name, control = sliders[0]
        values = _slider_values(control)
        return f"slider `{name}`", lambda: setattr(control, "value", next(values))
    buttons = [(n, c) for n, c in widget.controls.items() if isinstance(c, widgets.Button)
               and n not in widget.hidden_controls]
    if buttons:
        def click():
            enabled = [c for _, c in buttons if not c.disabled]
            (enabled or [buttons[-1][1]])[0].click()
        return "buttons " + "/".join(f"`{n}`" for n, _ in buttons) + " (first enabled)", click
    texts = [(n, c) for n, c in controls if isinstance(c, (widgets.FloatText, widgets.BoundedFloatText))]
    if texts:
        name, control = texts[0]
        values = itertools.cycle(control.value + d for d in (0.5, 1.0, 0.5, 0.0, -0.5, -1.0, -0.5, 0.0))
        return f"number `{name}`", lambda: setattr(control, "value", next(values))
    menus = [(n, c) for n, c in controls if isinstance(c, widgets.Dropdown)]
    if menus:
        name, control = menus[0]
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        start = options.index(control.value)
        values = itertools.cycle(options[start + 1:] + options[:start + 1])
        return f"drop-down `{name}` ({len(options)} options)", lambda: setattr(control, "value", next(values))
    return None, None


def run(quick: bool = False) -> Section:
    os.environ.pop("NBGRADER_EXECUTION", None)  # widgets draw nothing while graded
    import matplotlib

    matplotlib.use("Agg")
    changes = 5 if quick else CHANGES
    found, errors = discover()
    widgets_, build_ms, drivers, frames = {}, {}, {}, {}
    with pinned_threads(1):
        for module, cls in found:
            key = f"{module}.{cls.__name__}"
            try:
                start = time.perf_counter()
                widget = cls()
                build_ms[key] = (time.perf_counter() - start) * 1e3
            except Exception as exc:
                errors.append((key, f"could not be built with its defaults: {type(exc).__name__}: {exc}"))
                continue
            what, change = main_control(widget)
            if change is None:
                errors.append((key, "has no control to drive"))
                continue
            widgets_[key], drivers[key], frames[key] = widget, (what, change), 0
            # a frame is a new PNG (value), or new numbers for a canvas widget to draw (its view's frame_traits)
            traits = list(getattr(widget.view, "frame_traits", ("value",)))
            widget.view.image.observe(lambda _c, key=key: frames.__setitem__(key, frames[key] + 1), names=traits)
        times = {key: [] for key in widgets_}
        cpu = {key: [] for key in widgets_}
        for _ in range(changes):  # round-robin: every widget takes one change per round
            for key, (_, change) in drivers.items():
                start, start_cpu = time.perf_counter(), time.thread_time()
                change()
                times[key].append(time.perf_counter() - start)
                cpu[key].append(time.thread_time() - start_cpu)

    rows, targets, chart = [], [], {}
    for key, t in times.items():
        st = Stats(t)
        med, p95 = st.median * 1e3, st.percentile(95) * 1e3
        cst = Stats(cpu[key])
        rows.append([f"`{key}`", drivers[key][0], f"{med:.1f}", f"{p95:.1f}", f"{st.max * 1e3:.1f}",
                     f"{cst.median * 1e3:.1f} / {cst.percentile(95) * 1e3:.1f}", f"{frames[key]}/{changes}",
                     f"{build_ms[key]:.0f}"])
        targets.append(Target(f"widget `{key}`: median ≤ 50 ms, p95 ≤ 100 ms", "≤ 50 / ≤ 100 ms",
                              f"{med:.1f} / {p95:.1f} ms", med <= 50 and p95 <= 100))
        chart[key] = (med, p95)
    section = Section("widgets", "4. Widget response: control change → redrawn PNG")
    body = [
        f"{'QUICK SMOKE RUN (5 changes each), not a measurement. ' if quick else ''}"
        f"{changes} changes of each widget's main control, widgets taking turns; milliseconds from the change to "
        "the PNG handed to the Image widget (compute + Agg draw + PNG encode), 1 BLAS thread. "
        "\"Redraws\" counts the changes that produced a new image (a widget may skip a frame "
        "whose state did not change). The CPU column is the kernel thread's own CPU time for the same changes "
        "(median / p95): on a busy machine wall time also counts waiting for a core, CPU time does not. "
        "The targets are judged on wall time.",
        "",
        md_table(["widget", "main control", "median ms", "p95 ms", "max ms", "CPU ms", "redraws", "build ms"], rows),
    ]
    if errors:
        body += ["", "Not measured:", ""] + [f"- `{k}`: {msg}" for k, msg in errors]
    section.body = "\n".join(body)
    section.targets = targets
    section.chart = {"median_p95_ms": chart}
    return section


def main(argv=None):
    from benchmarks._common import cli

    return cli(run, "Widget response time: control change to redrawn PNG, for every widget in nnlib.widgets", argv)


if __name__ == "__main__":
    main()
