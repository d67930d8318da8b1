"""Training that runs while the lecturer moves the sliders: a background thread of frames.

A widget that trains live cannot train inside a control's callback (the
kernel would not see the next control change until training finished), nor
inside the notebook cell (the cell would never end).  :class:`LiveLoop` runs
``tick()`` in a daemon thread instead, once per frame, at most ``fps`` times
a second: a tick trains a little and draws one frame.  The kernel's own
thread stays free to receive widget messages; a callback only assigns the
new setting, which the training thread uses from its next step on and the
next frame shows (one tick, tens of milliseconds later), however long
training goes on.

Ticks run one after another and never overlap; ``tick()`` returns False
when there is nothing more to do (the run is over) and the loop then ends by
itself, so a forgotten widget does not keep a shared machine busy.
``pause()`` returns after the current tick has finished, so the caller may
change the model safely afterwards.

:class:`LiveWidget` is the chapter widget built on it: a Train/Pause toggle,
a Restart button, settings recorded by callbacks and applied between frames.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import ipywidgets as widgets

from nnlib.widgets._blit import BlittedWidget

__all__ = ["LiveLoop", "LiveWidget"]

REST_FRACTION = 0.25  # the loop rests at least this fraction of each tick's duration


class LiveLoop:
    """Call ``tick()`` repeatedly in a background thread, at most ``fps`` times a second.

    Parameters
    ----------
    tick : callable () -> bool
        One frame's work; return False to end the loop.
    fps : float
        Frames per second at most (a tick that takes longer just runs late).
    on_end : callable () -> None, optional
        Called in the thread when ``tick`` returned False or raised (not after ``pause``).

    Attributes
    ----------
    error : BaseException or None
        What the last tick raised, if anything (the loop then ends).
    """

    def __init__(self, tick: Callable[[], bool], fps: float = 15.0, on_end: Callable[[], None] | None = None):
        if fps <= 0:
            raise ValueError(f"fps must be > 0, got {fps!r}")
        self.tick, self.period, self.on_end = tick, 1.0 / fps, on_end
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start ticking (nothing happens if already running)."""
        if self.running:
            return
        self._stop.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, name="nncourse-live", daemon=True)
        self._thread.start()

    def pause(self, timeout: float = 5.0) -> None:
        """Stop after the current tick; wait for it (from another thread than the loop's own)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                more = self.tick()
            except BaseException as exc:  # noqa: BLE001  the thread must end cleanly; the widget shows it
                self.error = exc
                more = False
            if not more:
                if self.on_end is not None:
                    self.on_end()
                return
            # Rest until the next frame is due, and at least a quarter of the tick's own time: a tick holds
            # the GIL for most of its run (drawing), and the kernel's thread needs it to take a control's
            # message; on a busy machine, where ticks take longer than the frame period, this keeps the
            # controls answered at the cost of frames.  Event.wait, not sleep: pause() wakes it at once.
            took = time.perf_counter() - started
            self._stop.wait(max(self.period - took, REST_FRACTION * took))


class LiveWidget(BlittedWidget):
    """A BlittedWidget that trains in a :class:`LiveLoop` with a Train/Pause toggle and a Restart button.

    Subclasses implement :meth:`new_run` (a fresh run from the current
    settings), :meth:`advance` (train one frame's worth; return False when
    the run is over), :meth:`apply` (take a new setting) and the drawing
    methods of BlittedWidget with :meth:`status_text` (the status line,
    cheap to recompute), and call :meth:`_add_live_controls` and
    :meth:`_wire_settings` in ``__init__``.

    A control's callback applies its setting at once, in the kernel's own
    thread, while the loop may be in the middle of a frame: ``apply`` only
    assigns attributes (a rate, a penalty) or swaps in a new run object,
    each a single assignment that the training thread sees at its next step;
    nothing is waited for, so the change is honoured within the callback and
    shown by the next frame.  While paused the callback also redraws.
    """

    def __init__(self, figsize, hide=(), fps=15.0):
        super().__init__(figsize=figsize, hide=hide)
        self.frames = 0  # frames drawn (tests and benchmarks count them)
        self.loop = LiveLoop(self._tick, fps=fps, on_end=self._ended)

    # -- to implement -------------------------------------------------------------------
    def new_run(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def advance(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, settings: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- controls ------------------------------------------------------------------------
    def _add_live_controls(self) -> None:
        self.controls["train"] = widgets.ToggleButton(value=False, description="Train", icon="play",
                                                      tooltip="train in the background / pause")
        self.controls["restart"] = widgets.Button(description="Restart", icon="undo")

    def _wire_settings(self, names: dict) -> None:
        """Observe each control of ``names`` (control name -> setting name); then the live buttons; draw."""
        unknown = self.hidden_controls - set(self.controls)
        if unknown:
            raise ValueError(f"hide names unknown controls {sorted(unknown)}; known: {sorted(self.controls)}")
        for control, setting in names.items():
            self.controls[control].observe(lambda c, s=setting: self.set_setting(s, c["new"]), names="value")
        self.controls["train"].observe(lambda c: self._toggle(c["new"]), names="value")
        self.controls["restart"].on_click(lambda _b: self.restart())
        self.update()

    def status_text(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def set_setting(self, name: str, value) -> None:
        """Apply a new setting now: while training, the status line says so at once and the next frame
        draws it (a frame may be a few tens of ms away); when paused, redraw at once."""
        self.apply({name: value})
        if self.loop.running:
            self.status.value = self.status_text()
        else:
            self.update()

    # -- training ----------------------------------------------------------------------
    def _tick(self) -> bool:
        more = self.advance()
        self.update()
        return more

    def _ended(self) -> None:
        self.controls["train"].value = False  # the button shows the run has stopped

    def _toggle(self, on: bool) -> None:
        self.controls["train"].description = "Pause" if on else "Train"
        self.controls["train"].icon = "pause" if on else "play"
        if on:
            self.loop.start()
        else:
            self.loop.pause()

    def restart(self) -> None:
        """A fresh run with the current settings, from step 0 (training goes on if it was on)."""
        running = self.loop.running
        self.loop.pause()
        self.run = self.new_run()
        self.update()
        if running:
            self.loop.start()

    def reset(self) -> None:
        """The lecture view's Reset: stop training and start again from step 0."""
        self.controls["train"].value = False
        self.loop.pause()
        self.restart()

    def step(self, frames: int = 1) -> None:
        """Train and draw ``frames`` frames in the caller's thread (tests, benchmarks)."""
        for _ in range(frames):
            if not self._tick():
                break

    def close(self) -> None:
        """Stop training (the thread ends after its current frame)."""
        self.loop.pause()
