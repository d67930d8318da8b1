"""Running a student's function at arm's length.

Four context managers, each guarding against one thing a student's function
may do, and helpers that find the student's own line in a traceback:

- :func:`time_limit` interrupts a call that runs too long (an endless loop);
- :func:`blocked_references` makes the nnlib references unavailable, so a
  function that merely calls the reference it should re-implement is caught;
- :func:`captured_output` keeps prints away from the notebook's stderr
  (nbgrader scores a test cell that writes to stderr as 0);
- :func:`captured_warnings` records NumPy's RuntimeWarnings (overflow ...)
  instead of printing them;
- :func:`student_line` says "in sigmoid, line 3: return 1 / (1 + np.exp(-z))".
"""
from __future__ import annotations

import contextlib
import importlib
import io
import linecache
import os
import signal
import sysconfig
import threading
import time
import traceback
import types
import warnings
from typing import Optional, Sequence

import numpy as np

import nnlib


class TimeLimitExceeded(BaseException):
    """Raised inside a student's function that ran past its time limit.

    A BaseException, like KeyboardInterrupt, so that ``except Exception``
    in the student's code does not swallow it.
    """


class ReferenceCalled(BaseException):
    """Raised when a blocked nnlib reference is called; ``.name`` is its dotted name."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


# ------------------------------------------------------------- time limit


@contextlib.contextmanager
def time_limit(seconds: Optional[float]):
    """Raise :class:`TimeLimitExceeded` in the block once ``seconds`` have passed.

    Uses the real-time interval timer (SIGALRM), which only the main thread
    may set and only POSIX has; elsewhere (a widget callback thread, Windows)
    the block runs without a limit.  The timer fires once: a loop that
    swallows every exception with a bare ``except:`` is left to nbgrader's
    own cell timeout.
    """
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    armed = True

    def on_alarm(signum, frame):
        if armed:  # a late alarm after the block ended must not raise
            raise TimeLimitExceeded(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        # None: the old handler was not set from Python; the default is the closest.
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
        if previous_delay > 0:  # someone else's alarm (pytest-timeout): give back what is left
            left = max(previous_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


# ------------------------------------------------------------- blocked references


class _Block:
    """The state of the current block: who blocked, what was called, the working originals."""

    thread = None  # ident of the thread running the student's function
    called: list = []  # blocked names called, also when the student's code swallowed the exception
    originals: dict = {}  # name -> a copy of the function with its real code


def _reference_called(name: str, args: tuple, kwargs: dict):
    """What a blocked reference does instead of its work (see :func:`_blocker_code`).

    Another thread (a widget callback on a kernel subshell) is not the
    student's function: it gets the real reference.
    """
    if threading.get_ident() != _Block.thread:
        return _Block.originals[name](*args, **kwargs)
    _Block.called.append(name)
    raise ReferenceCalled(name)


def _blocker_code(name: str):
    """The code object of ``def blocked(*args, **kwargs): return _reference_called(name, ...)``.

    It is swapped into the reference function itself (``f.__code__``), so
    every alias of it is blocked too: ``from nnlib.activations import step``
    binds the same function object.  The code must work with the reference's
    own globals, so it imports what it needs instead of relying on ours.
    """
    source = ("def blocked(*args, **kwargs):\n"
              "    from autograder.checking.isolation import _reference_called\n"
              f"    return _reference_called({name!r}, args, kwargs)\n")
    namespace: dict = {}
    exec(compile(source, f"<blocked {name}>", "exec"), namespace)
    return namespace["blocked"].__code__


def _working_copy(f):
    """A new function object with ``f``'s real code, untouched by the swap."""
    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    copy.__kwdefaults__ = f.__kwdefaults__
    return copy


def resolve(dotted: str):
    """The function a dotted name refers to: "nnlib.activations.step", "nnlib.layers.Dense.forward"."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        obj = getattr(obj, "__func__", obj)  # a classmethod or bound method
        if not hasattr(obj, "__code__"):
            raise TypeError(f"cannot block {dotted}: it is a {type(obj).__name__}, not a Python function")
        if obj.__closure__:
            raise TypeError(f"cannot block {dotted}: it is a closure (define it at module level)")
        return obj
    raise ImportError(f"cannot block {dotted}: no module found for it")


@contextlib.contextmanager
def blocked_references(names: Sequence[str]):
    """Within the block, calling any of the named functions raises :class:`ReferenceCalled`.

    Yields the list of blocked names that were called.  The functions'
    code is restored when the block ends, whatever happens inside.
    """
    functions = {}
    for name in names:
        f = resolve(name)
        functions.setdefault(id(f), (f, name, f.__code__))
    _Block.thread = threading.get_ident()
    _Block.called = []
    _Block.originals = {name: _working_copy(f) for f, name, _ in functions.values()}
    try:
        for f, name, _ in functions.values():
            f.__code__ = _blocker_code(name)
        yield _Block.called
    finally:
        for f, _, code in functions.values():
            f.__code__ = code
        _Block.thread = None


# ------------------------------------------------------------- output and warnings


@contextlib.contextmanager
def captured_output():
    """Collect what the block prints to stdout or stderr; yields the StringIO."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        yield buffer


@contextlib.contextmanager
def captured_warnings():
    """Record every warning raised in the block (none is printed); yields the list.

    NumPy's floating-point problems (overflow, invalid value, division by
    zero) are turned into RuntimeWarnings whatever ``np.seterr`` says, so a
    naive ``np.exp(-z)`` is noticed the same way everywhere.
    """
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
        warnings.simplefilter("always")
        yield caught


# ------------------------------------------------------------- the student's line

# Library code: the autograder, nnlib, the standard library and installed packages.
_NOT_STUDENT = tuple(
    {os.path.realpath(os.path.dirname(f)) + os.sep for f in (os.path.dirname(__file__), nnlib.__file__)}
    | {os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib", "purelib", "platlib")})


def is_student_file(filename: str) -> bool:
    """True for code the student wrote: a notebook cell or their own file, not a library."""
    if filename.startswith("<") and not filename.startswith("<ipython-input"):
        return False  # <frozen ...>, <__array_function__ internals>, <blocked ...>
    real = os.path.realpath(filename) if not filename.startswith("<") else filename
    return not real.startswith(_NOT_STUDENT)


def student_line(tb) -> Optional[str]:
    """'in predict, line 3: return X @ w + b' for the deepest student frame of a traceback."""
    frames = [f for f in traceback.extract_tb(tb) if is_student_file(f.filename)]
    if not frames:
        return None
    frame = frames[-1]
    return _describe(frame.name, frame.lineno, frame.line)


def student_functions(tb) -> list:
    """Names of the student's functions in a traceback, outermost first."""
    return [f.name for f in traceback.extract_tb(tb) if is_student_file(f.filename) and f.name != "<module>"]


def warning_line(caught: warnings.WarningMessage) -> Optional[str]:
    """'line 2: return 1 / (1 + np.exp(-z))' for a warning raised in student code."""
    if not is_student_file(caught.filename):
        return None
    return _describe(None, caught.lineno, linecache.getline(caught.filename, caught.lineno).strip())


def _describe(function: Optional[str], lineno: int, source: Optional[str]) -> str:
    where = f"in {function}, line {lineno}" if function and function != "<module>" else f"line {lineno}"
    return f"{where}: {source}" if source else where
