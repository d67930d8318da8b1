"""Does the `nncourse` command line behave as the README tells students and instructors?

Parsing, help and version are checked in-process; `nncourse check` and
`nncourse lab` are run as the real commands (a kernel, a JupyterLab server).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest

from autograder.cli import build_parser, lab_command, parse
from autograder.cli import main as nncourse
from autograder.pipeline.course import find_course

ROOT = Path(__file__).resolve().parents[1]
COURSE = find_course(ROOT)
NNCOURSE = [sys.executable, "-m", "autograder.cli"]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_version_prints_the_installed_version(capsys):
    """Does `nncourse --version` print the installed distribution's version?"""
    with pytest.raises(SystemExit) as exit_:
        nncourse(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"nncourse {version('nncourse')}"


def test_every_option_of_every_command_has_help():
    """Does every option and argument of every subcommand (and of nncourse itself) say what it does?"""
    parser = build_parser()
    commands = _subcommands(parser)
    assert {"release", "check", "grade", "demo", "lab", "present"} <= set(commands)
    missing = []
    for name, sub in [("nncourse", parser), *commands.items()]:
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_demo_options_are_explained_in_its_help(capsys):
    """Does `nncourse demo --help` explain --chapter and --jobs (not just name them)?"""
    with pytest.raises(SystemExit):
        nncourse(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--chapter CHAPTER chapter whose sample submissions are graded" in text
    assert "--jobs JOBS parallel nbgrader processes" in text


def test_lab_passes_jupyter_options_through_and_opens_course():
    """Are `nncourse lab --no-browser --port 8951` accepted and handed to JupyterLab, on course/?"""
    args = parse(["lab", "--no-browser", "--port", "8951"])
    assert args.extra == ["--no-browser", "--port", "8951"]
    cmd = lab_command(COURSE, args.extra)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={COURSE.release}" in cmd
    assert cmd[-3:] == ["--no-browser", "--port", "8951"]


def test_lab_leaves_the_folder_to_the_user_when_one_is_given():
    """Does an explicit --ServerApp.root_dir replace course/ instead of being added to it?"""
    cmd = lab_command(COURSE, ["--ServerApp.root_dir=/tmp"])
    assert [a for a in cmd if "root_dir" in a] == ["--ServerApp.root_dir=/tmp"]


def test_other_commands_still_refuse_unknown_options(capsys):
    """Does a typo in a grade option stop with an error naming it, rather than being ignored?"""
    with pytest.raises(SystemExit) as exit_:
        parse(["grade", "subs", "--chapter", "01_perceptron", "--job", "2x"])
    assert exit_.value.code == 2
    assert "--job" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_lab_really_starts_jupyterlab_on_course(tmp_path):
    """Does `nncourse lab --no-browser --port N` start a JupyterLab that serves course/?"""
    port = _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    cmd = [*NNCOURSE, "lab", "--no-browser", "--port", str(port), "--ServerApp.ip=127.0.0.1",
           "--IdentityProvider.token=", "--ServerApp.password="]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        listing = None
        for _ in range(120):
            if server.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=2) as response:
                    listing = json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, (tmp_path / "lab.log").read_text()
        assert {item["name"] for item in listing["content"]} >= set(COURSE.chapters())
    finally:
        server.terminate()  # the server we started, by its own process (nncourse lab became JupyterLab)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


PARTLY_WRONG_STEP = '''def step(z):
    """Heaviside step with a bug: it fires at z == 0."""
    import numpy as np
    return (np.asarray(z) >= 0).astype(float)
'''

BROKEN_MP_NEURON = '''def mp_neuron(x, w, theta):
    raise ValueError("my neuron is broken")
'''


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """`nncourse check` run for real on a notebook with a partly wrong step, a raising mp_neuron,
    a later cell that calls mp_neuron, and a cell with a typo."""
    from autograder.pipeline.samples import answer_sources, fill

    answers = answer_sources(COURSE, "01_perceptron")
    answers["01_perceptron-step"] = PARTLY_WRONG_STEP
    answers["01_perceptron-mp_neuron"] = BROKEN_MP_NEURON
    nb = fill(nbformat.read(COURSE.released_notebook("01_perceptron"), as_version=4), answers)
    nb.cells.append(nbformat.v4.new_markdown_cell("## My experiments\n\nTrying things out."))
    nb.cells.append(nbformat.v4.new_code_cell("import numpy as np\nmp_neuron(np.ones(2), np.ones(2), 1.0)"))
    nb.cells.append(nbformat.v4.new_code_cell("print(undefined_name)"))
    path = tmp_path_factory.mktemp("student") / "01_perceptron.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    run = subprocess.run([*NNCOURSE, "check", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    return {"run": run, "path": path, "before": before}


def _row(out: str, exercise: str) -> str:
    return next(line for line in out.splitlines() if line.split() and line.split()[0] == exercise)


@pytest.mark.slow
def test_check_gives_the_partial_credit_grading_gives(checked):
    """Is a partly wrong step shown with the engine's partial score, not as 0 or full points?"""
    from autograder.checking.checks import get_spec
    from autograder.checking.engine import run_check

    namespace = {}
    exec(PARTLY_WRONG_STEP, namespace)
    expected = run_check(get_spec("perceptron.step"), namespace["step"], hidden=False).score(1.0)
    assert 0 < expected < 1, "the sample must be partly right for this test to mean anything"
    out = checked["run"].stdout
    row = _row(out, "step")
    assert f"{expected:g} / 1" in row and "partly passed" in row
    assert "0 / 1" in _row(out, "mp_neuron")
    # later exercises call the student's own step, so they may lose points too; the total is their sum
    rows = [_row(out, e) for e in ("step", "mp_neuron", "perceptron_predict", "perceptron_update",
                                   "train_perceptron")]
    total = sum(float(row.split()[1]) for row in rows)
    assert f"visible score: {total:g} / 9 autograded points" in out
    assert checked["run"].returncode == 1
    assert checked["path"].read_bytes() == checked["before"]  # the student's file is not touched


@pytest.mark.slow
def test_check_prints_no_kernel_transport_warning(checked):
    """Is `nncourse check` free of Jupyter's "running over TCP without encryption" warning?"""
    both = checked["run"].stdout + checked["run"].stderr
    assert "TCP" not in both and "WARNING" not in both, both


@pytest.mark.slow
def test_check_names_the_cells_that_raised(checked):
    """Are other cells' errors named by their heading, and traced to the student's own function?"""
    out = checked["run"].stdout
    errors = out.split("Other cells raised errors")[1].strip().splitlines()[1:]
    assert errors[0].strip().startswith('code cell 1 under "My experiments": ValueError: my neuron is broken')
    assert "raised inside your mp_neuron (your answer cell for mp_neuron)" in errors[0]
    assert errors[1].strip().startswith('code cell 2 under "My experiments": NameError')
    assert "raised inside" not in errors[1]
