"""Does ``nncourse present`` build the right lecture copy and the right Voilà command?"""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from autograder.lecture import present
from autograder.cli import build_parser


def nbgrader(**flags) -> dict:
    meta = dict(grade=False, solution=False, locked=False, task=False, schema_version=3)
    meta.update(flags)
    return {"nbgrader": meta}


def chapter_notebook():
    cells = [
        new_markdown_cell("# The perceptron\nProse with $w \\cdot x + b$."),
        new_code_cell("import numpy as np\nfrom nnlib.widgets import decision_line_explorer"),
        new_markdown_cell("### Exercise 1: `step`\nImplement the step function."),
        new_code_cell("def step(z):\n    ### BEGIN SOLUTION\n    return (z > 0) * 1.0\n    ### END SOLUTION",
                      metadata=nbgrader(solution=True, grade_id="ch.step")),
        new_code_cell('check("perceptron.step", step)', metadata=nbgrader(grade=True, locked=True, points=1,
                                                                         grade_id="ch.step_test")),
        new_markdown_cell("## 2. Learning\nThe rule moves the line.\n\n### Exercise 2 — `update`\nWrite it.\n"
                          "#### Hint\nUse the rule.\n## 3. XOR\nOne line is not enough."),
        new_markdown_cell("### Written answer (2 points)\nWhy can XOR not be learned?",
                          metadata=nbgrader(locked=True, grade_id="ch.q")),
        new_markdown_cell("A line cannot separate ...", metadata=nbgrader(grade=True, solution=True, points=2,
                                                                       grade_id="ch.xor_answer")),
        new_markdown_cell("Describe a plot.", metadata=nbgrader(task=True, points=1, grade_id="ch.task")),
        new_raw_cell("raw text"),
        new_markdown_cell("## Decision line\nMove the sliders."),
        new_code_cell("decision_line_explorer(train=step)"),
    ]
    return new_notebook(cells=cells)


def test_lecture_copy_keeps_prose_and_widgets_and_drops_exercises():
    """Which cells reach the projector: prose and widget cells yes; tests, answers, tasks, statements no?"""
    lecture = present.lecture_notebook(chapter_notebook())
    sources = [cell.source for cell in lecture.cells]
    assert sources[0].startswith("# The perceptron")
    assert sources[1].startswith("import numpy")
    assert "decision_line_explorer(train=step)" in sources
    assert "## Decision line\nMove the sliders." in sources
    assert "## 2. Learning\nThe rule moves the line.\n\n## 3. XOR\nOne line is not enough." in sources
    dropped = ("### Exercise", "Implement the step", "Write it.", "Use the rule.", "Why can XOR", "check(",
               "A line cannot separate", "Describe a plot.", "raw text")
    for text in dropped:
        assert not any(text in s for s in sources), f"{text!r} should not be in the lecture copy"
    nbformat.validate(lecture)


def test_exercise_sections_are_cut_down_to_the_next_heading_of_their_level():
    """Does "### Exercise" cut its subsections too, and stop at the next ## or ### heading?"""
    text = "Intro\n### Exercise 1\nDo it.\n#### Hint\nLike so.\n### Try it\nMove w1.\n# Next\nMore."
    assert present.without_exercise_sections(text) == "Intro\n### Try it\nMove w1.\n# Next\nMore."
    assert present.without_exercise_sections("### Exercise 4 — `f` (2 points)\nWrite f.") == ""
    assert present.without_exercise_sections("## Exercises in the notes\nsee p. 3") == ""
    assert present.without_exercise_sections("Do the exercise below.") == "Do the exercise below."


def test_answer_cells_still_run_but_show_nothing():
    """Is an answer cell kept (later widgets may use its function) but wrapped in %%capture?"""
    lecture = present.lecture_notebook(chapter_notebook())
    answer = [cell for cell in lecture.cells if "def step" in cell.source]
    assert len(answer) == 1
    assert answer[0].source.startswith("%%capture\ndef step(z):")


def test_lecture_copy_leaves_the_source_alone_and_clears_outputs():
    """Is the source notebook unchanged, and does the copy start without outputs?"""
    nb = chapter_notebook()
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", text="old output\n")]
    nb.cells[-1].execution_count = 3
    before = nbformat.writes(nb)
    lecture = present.lecture_notebook(nb)
    assert nbformat.writes(nb) == before
    code = [cell for cell in lecture.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_write_lecture_copies_the_chapter_folder(tmp_path):
    """Does the lecture folder hold the lecture notebook and the chapter's other files (not its notebooks)?"""
    chapter = tmp_path / "solutions" / "01_demo"
    chapter.mkdir(parents=True)
    nbformat.write(chapter_notebook(), chapter / "01_demo.ipynb")
    (chapter / "data.csv").write_text("x,y\n1,2\n")
    (chapter / "scratch.ipynb").write_text("{}")
    out = tmp_path / "lecture"
    path = present.write_lecture(tmp_path, "01_demo", out)
    assert path == out / "01_demo.ipynb"
    assert (out / "data.csv").read_text() == "x,y\n1,2\n"
    assert not (out / "scratch.ipynb").exists()
    assert len(nbformat.read(path, as_version=4).cells) == 6  # as in the test above


def test_unknown_chapter_names_the_known_ones(tmp_path):
    """Does asking for a missing chapter say which chapters exist?"""
    (tmp_path / "solutions" / "01_demo").mkdir(parents=True)
    nbformat.write(chapter_notebook(), tmp_path / "solutions" / "01_demo" / "01_demo.ipynb")
    try:
        present.write_lecture(tmp_path, "09_nope", tmp_path / "out")
    except FileNotFoundError as error:
        assert "09_nope" in str(error) and "01_demo" in str(error)
    else:
        raise AssertionError("no error for a missing chapter")


def test_voila_command_and_environment():
    """Does Voilà get loopback, the lecture template, stripped sources, and the hide/DPI settings for the kernel?"""
    cmd = present.voila_command(present.STATIC / "x.ipynb", port=9999)
    assert "--Voila.ip=127.0.0.1" in cmd and "--template=lecture" in cmd
    assert "--strip_sources=True" in cmd and "--port=9999" in cmd and "--no-browser" in cmd
    env = present.voila_env(hide=("b", "gate"), dpi=150)
    assert env["NNCOURSE_HIDE"] == "b,gate" and env["NNCOURSE_DPI"] == "150"
    assert env["JUPYTER_PATH"].split(":")[0] == str(present.STATIC)
    template = present.STATIC / "voila" / "templates" / present.TEMPLATE
    assert (template / "conf.json").exists() and (template / "index.html.j2").exists()
    assert "font-size" in (template / "lecture.css").read_text()


def test_hide_names_may_be_repeated_or_comma_separated():
    """Do ``--hide b --hide w1,w2`` and a plain string both give the list of names?"""
    assert present.split_names(["b", "w1, w2", ""]) == ("b", "w1", "w2")
    assert present.split_names(None) == ()


def test_cli_present_arguments():
    """Does ``nncourse present`` parse the chapter, port, hide names and DPI?"""
    args = build_parser().parse_args(["present", "01_perceptron", "--port", "8899", "--hide", "b", "--hide", "gate"])
    assert (args.chapter, args.port, args.hide, args.dpi, args.open) == ("01_perceptron", 8899, ["b", "gate"], 150, False)
    assert args.func.__name__ == "cmd_present"
