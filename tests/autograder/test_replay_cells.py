"""Does the re-check read a notebook cell the way IPython does (magics, ``!``, ``display``)?

Each test runs cell sources through :mod:`autograder.sandbox.cells` exactly as
the re-check does (transform, then ``exec`` in one namespace) and asserts what
the notebook's namespace holds afterwards.
"""
from __future__ import annotations

import pytest

from autograder.sandbox import cells


def _replay(*sources: str) -> dict:
    namespace: dict = {}

    def run(source: str) -> None:
        exec(compile(cells.transform(source), "<cell>", "exec"), namespace)

    cells.prepare(namespace, run)
    for source in sources:
        run(source)
    return namespace


def test_line_magics_time_and_timeit_run_the_statement_once():
    """Do `%time` and `%timeit -n 10 -r 3` run their statement exactly once, and does `x = %time f()` bind?"""
    ns = _replay("calls = []\ndef f(v):\n    calls.append(v)\n    return v * 2",
                 "%time f(1)", "%timeit -n 10 -r 3 f(2)", "y = %time f(3)")
    assert ns["calls"] == [1, 2, 3]
    assert ns["y"] == 6


def test_cell_magics_time_timeit_and_capture_run_their_body():
    """Does a `%%time`, `%%timeit` or `%%capture out` cell run its body once, and bind `out`?"""
    ns = _replay("%%time\ndef step(z):\n    return z > 0\nfirst = step(1)",
                 "%%timeit\nhits = globals().get('hits', 0) + 1",
                 "%%capture out\nprint('hidden')\ncaptured = True")
    assert ns["first"] is True and ns["hits"] == 1 and ns["captured"] is True
    assert ns["out"].stdout == ""


def test_config_matplotlib_and_help_are_no_ops_and_the_rest_of_the_cell_runs():
    """Does a cell starting with `%config` / `%matplotlib inline` and ending with `f?` still define f?"""
    ns = _replay("%config InlineBackend.figure_format = 'retina'\n%matplotlib inline\n"
                 "def relu(z):\n    return max(z, 0)\nrelu?")
    assert ns["relu"](-2) == 0


def test_shell_commands_are_neutralised():
    """Are `!cmd`, `files = !ls` and a `%%bash` cell not run (and not errors)?"""
    ns = _replay("!touch should-not-exist\nfiles = !ls\ndone = 1", "%%bash\nexit 1\n")
    assert ns["files"] == [] and ns["done"] == 1


def test_writefile_writes_inside_the_working_folder(tmp_path, monkeypatch):
    """Does `%%writefile helper.py` write the file, so a later `import helper` works as in the kernel?"""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    ns = _replay("%%writefile helper_for_replay.py\ndef double(x):\n    return 2 * x\n",
                 "import helper_for_replay\nfour = helper_for_replay.double(2)")
    assert ns["four"] == 4


def test_display_and_get_ipython_are_within_reach():
    """Can a cell call `display(...)` and `get_ipython().user_ns` without importing anything?"""
    ns = _replay("display('a widget')\nshell_ns = get_ipython().user_ns\nget_ipython().kernel.do_shutdown(False)")
    assert ns["shell_ns"] is ns


def test_a_real_syntax_error_stays_a_syntax_error():
    """Is a cell that is not Python (nor IPython) still reported as a SyntaxError?"""
    with pytest.raises(SyntaxError):
        _replay("def f(:\n    pass")


def test_the_old_magic_spelling_runs_too():
    """Does `get_ipython().magic('time f()')` run f once?"""
    ns = _replay("n = []\ndef f():\n    n.append(1)", "get_ipython().magic('time f()')")
    assert ns["n"] == [1]
