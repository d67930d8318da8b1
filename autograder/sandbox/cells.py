"""Running a notebook's code cells the way its kernel did, without a kernel.

A notebook cell is not plain Python: IPython rewrites ``%time f(x)``,
``%%capture``, ``!ls`` and ``np.mean?`` into calls on ``get_ipython()``
before running it, and puts ``display`` and ``get_ipython`` within reach of
every cell.  The re-check (:mod:`autograder.sandbox.recheck`) replays a
student's notebook in a fresh process, so it must read cells the same way,
or an honest ``%%time`` becomes a SyntaxError and a correct answer scores 0.

:func:`transform` is IPython's own transformation (``TransformerManager``,
the code the kernel runs).  The ``get_ipython()`` it calls is a
:class:`ReplayShell`, which does what is safe and faithful here and
neutralises the rest:

- run once: ``%time``/``%%time``, ``%timeit``/``%%timeit`` (no repeats: the
  re-check wants the cell's effects, not its timing), ``%%capture`` (binding
  the name, if one is given, to empty captured output), ``%prun``;
- written for real, inside the sandbox's own scratch folder:
  ``%%writefile`` (a later ``import`` of that file then works as it did);
- no-ops: shell commands (``!cmd``, ``%%bash``, ``%pip``), display-only magics
  (``%%html``, ``%matplotlib``, ``%config``), help (``np.mean?``) and any
  magic not named above.  What a neutralised command would have changed
  cannot be replayed; if a later cell depends on it, that cell's error is
  recorded and the grader sends the notebook to review, never to a
  tampering flag.
"""
from __future__ import annotations

import re
import shlex
from typing import Any, Callable

_RUN_ONCE = {"time", "timeit", "prun", "capture"}
_TIMEIT_OPTIONS = re.compile(r"^\s*(?:-[nrp]\s*\S+\s*|-[tcqo]\s*)*")  # %timeit -n 10 -r 3 -o f(x)


def transform(source: str) -> str:
    """The cell's Python source after IPython's input transformation (magics, ``!``, ``?``).

    A cell IPython cannot transform either is returned unchanged: compiling
    it then raises the same SyntaxError the kernel showed.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython's own parsing trouble: let compile() report it
        return source


class _Nothing:
    """A stand-in that absorbs anything (attribute, call, iteration) and does nothing."""

    def __getattr__(self, _name):
        return self

    def __call__(self, *_args, **_kwargs):
        return self

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False

    def __repr__(self):
        return ""


class _CapturedNothing:
    """What ``%%capture out`` binds to ``out``: the output was not kept, so it is empty."""

    stdout = stderr = ""
    outputs: list = []

    def show(self) -> None:
        """Nothing to show again."""

    __call__ = show


class ReplayShell:
    """The ``get_ipython()`` of a replayed notebook; see the module docstring.

    ``namespace`` is the notebook's global namespace; ``run_source(source)``
    runs a cell body (transformed again, so magics nest as in IPython).
    """

    def __init__(self, namespace: dict, run_source: Callable[[str], Any]):
        self.user_ns = namespace
        self._run_source = run_source

    # -- what IPython's transformation calls --------------------------------
    def run_line_magic(self, magic_name: str, line: str, _stack_depth: int = 1):
        """``%name line``: evaluate the statement of %time/%timeit/%prun once; nothing else."""
        if magic_name in _RUN_ONCE - {"capture"}:
            statement = _TIMEIT_OPTIONS.sub("", line, count=1) if magic_name == "timeit" else line
            return self._evaluate(statement)
        return None

    def run_cell_magic(self, magic_name: str, line: str, cell: str):
        """``%%name line`` over ``cell``: run the body once, or write a file, or nothing."""
        if magic_name in _RUN_ONCE:
            if magic_name == "capture" and line.split():
                self.user_ns[line.split()[-1]] = _CapturedNothing()
            return self._run_source(cell)
        if magic_name == "writefile":
            return self._write_file(line, cell)
        return None

    def system(self, _cmd: str) -> None:
        """``!cmd``: not run (nothing outside Python is replayed)."""

    def getoutput(self, _cmd: str, split: bool = True):
        """``x = !cmd``: no output."""
        return [] if split else ""

    def magic(self, arg_s: str):
        """The old spelling ``get_ipython().magic("time f(x)")``."""
        name, _, line = arg_s.lstrip("%").partition(" ")
        return self.run_line_magic(name, line)

    def ev(self, expr: str):
        """Evaluate an expression in the notebook's namespace."""
        return eval(expr, self.user_ns)  # noqa: S307 - the student's own code, inside the sandbox

    def ex(self, cmd: str) -> None:
        """Execute a statement in the notebook's namespace."""
        exec(cmd, self.user_ns)  # noqa: S102

    def push(self, variables: dict) -> None:
        """Add names to the notebook's namespace."""
        self.user_ns.update(variables)

    def __getattr__(self, _name):
        return _Nothing()  # any other part of IPython (kernel, display_formatter, ...) does nothing

    # -- helpers ------------------------------------------------------------------
    def _evaluate(self, statement: str):
        try:
            code = compile(statement, "<magic>", "eval")
        except SyntaxError:
            exec(compile(statement, "<magic>", "exec"), self.user_ns)  # noqa: S102
            return None
        return eval(code, self.user_ns)  # noqa: S307

    @staticmethod
    def _write_file(line: str, cell: str) -> None:
        words = shlex.split(line)
        append = bool({"-a", "--append"} & set(words))
        names = [w for w in words if not w.startswith("-")]
        if names:
            with open(names[0], "a" if append else "w", encoding="utf-8") as fh:
                fh.write(cell)


def display(*_objects, **_kwargs) -> None:
    """IPython's ``display`` builtin: nothing is shown in a replay."""


def prepare(namespace: dict, run_source: Callable[[str], Any]) -> ReplayShell:
    """Give ``namespace`` what every IPython cell can reach: ``get_ipython`` and ``display``."""
    shell = ReplayShell(namespace, run_source)
    namespace.setdefault("__name__", "__main__")
    namespace["get_ipython"] = lambda: shell
    namespace["display"] = display
    return shell
