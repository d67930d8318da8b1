"""Does every chapter notebook work in a real JupyterLab, as a student or a lecturer uses it?

For each chapter notebook in ``course/`` (released), and in ``solutions/``
with ``NNCOURSE_BROWSER_SOLUTIONS=1`` (see ``labdriver.chapter_notebooks``), one Chromium page opens it and runs all cells from the
Run menu (see the ``opened`` fixture in conftest.py); then these tests look at
the page as a person would.
"""
from __future__ import annotations

import re

import pytest

import labdriver

pytestmark = pytest.mark.browser

MAX_FEEDBACK_LINES = 15
CHECK_PASSED = re.compile(r"✓ \w+\.\w+ — ")  # "✓ perceptron.step — 9 checks passed"
# What a traceback into the grader's own code looks like: a file path inside autograder/.
INTERNALS = re.compile(r"autograder[/\\]\w+\.py|Traceback \(most recent call last\)")


def test_every_code_cell_runs_and_only_test_cells_fail(opened):
    """After Run All, did every code cell run, with errors only where a stub is being tested?"""
    lab = opened.lab
    assert lab.cells.count() == len(opened.cells), "the page shows a different number of cells than the file"
    not_run = [i for i, p in enumerate(opened.prompts) if p and not re.fullmatch(r"\[\d+\]:", p)]
    assert not not_run, f"{opened.path}: code cells {not_run} did not run (prompts {opened.prompts})"
    failing = lab.error_cells()
    if opened.released:
        unexpected = sorted(set(failing) - set(opened.test_cells()))
        assert not unexpected, (f"{opened.path}: cells {unexpected} that are not test cells show an error:\n"
                                + "\n---\n".join(lab.output_text(i) for i in unexpected))
    else:
        assert not failing, (f"{opened.path}: the solution notebook shows errors in cells {failing}:\n"
                             + "\n---\n".join(lab.output_text(i) for i in failing))


def test_test_cells_give_short_feedback(opened):
    """Does each test cell say "not implemented yet" on a stub (released) or pass (solution), without a traceback wall?"""
    test_cells = opened.test_cells()
    assert test_cells, f"{opened.path} has no autograded test cell"
    problems = []
    for index in test_cells:
        text = opened.lab.output_text(index).strip()
        lines = text.splitlines()
        grade_id = opened.cells[index].metadata["nbgrader"].get("grade_id", f"cell {index}")
        if opened.released:
            if "not implemented yet" not in text:
                problems.append(f"{grade_id}: no 'not implemented yet' message")
            if len(lines) > MAX_FEEDBACK_LINES:
                problems.append(f"{grade_id}: {len(lines)} lines of output (at most {MAX_FEEDBACK_LINES})")
        elif not CHECK_PASSED.search(text):
            problems.append(f"{grade_id}: no ✓ line from a passing check")
        if INTERNALS.search(text):
            problems.append(f"{grade_id}: shows a traceback into the autograder")
        if problems and problems[-1].startswith(grade_id):
            problems.append("    output was:\n    " + "\n    ".join(lines[:30]))
    assert not problems, f"{opened.path}:\n" + "\n".join(problems)


def test_every_widget_redraws_when_its_control_changes(opened, artifacts):
    """Does every widget render, and does changing its main control show a new, non-blank figure?"""
    lab = opened.lab
    count = lab.wait_widgets_rendered()
    assert count >= 1, f"{opened.path}: no widget rendered"
    problems = []
    for index in range(count):
        output = lab.widget_outputs().nth(index)
        output.scroll_into_view_if_needed()
        before = lab.images(output)
        if not before:
            continue  # a widget without a figure (e.g. a lone control panel)
        blank_before = [round(labdriver.grey_std(png), 4) for png in before if labdriver.grey_std(png) < labdriver.BLANK_STD]
        recorder = labdriver.FrameRecorder(output)
        action = labdriver.change_main_control(lab.page, output)
        after = labdriver.wait_settled(lambda: lab.images(output), before)
        frames = recorder.stop()
        where = f"widget {index + 1}/{count} ({action})"
        if blank_before:
            problems.append(f"{where}: blank figure before the change (grey std {blank_before})")
        if after == before:
            problems.append(f"{where}: the figure did not change")
        blank = [i for i, png in enumerate(frames) if not png or labdriver.grey_std(png) < labdriver.BLANK_STD]
        if blank:
            problems.append(f"{where}: {len(blank)} of {len(frames)} frames shown were blank")
    screenshot(opened, artifacts)
    assert not problems, f"{opened.path}:\n" + "\n".join(problems)


def screenshot(opened, artifacts) -> None:
    """One picture per notebook: left sidebar folded away, the first widget in view."""
    page = opened.lab.page
    current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if current.count():
        current.first.click()  # clicking the open tab folds the sidebar
    first = opened.lab.widget_outputs().first
    if first.count():
        first.scroll_into_view_if_needed()
    folder, chapter = opened.path.split("/")[:2]
    page.screenshot(path=str(artifacts / f"{chapter}-{folder}.png"))
