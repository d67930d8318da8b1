"""Does ``nncourse present`` build the right lecture copy, index page and Voilà command?"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import jinja2
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from autograder.cli import build_parser, main
from autograder.lecture import chapters as chapter_index
from autograder.lecture import controls, present
from autograder.lecture.notebook import RESET_CELL, exercise_marker

ROOT = Path(__file__).resolve().parents[2]
TAG = "student-only"


def nbgrader(**flags) -> dict:
    meta = dict(grade=False, solution=False, locked=False, task=False, schema_version=3)
    meta.update(flags)
    return {"nbgrader": meta}


def tagged(**flags) -> dict:
    return {**nbgrader(**flags), "tags": [TAG]}


def chapter_notebook():
    cells = [
        new_markdown_cell("# The perceptron\nProse with $w \\cdot x + b$."),
        new_markdown_cell("**How this notebook works.** Replace `# YOUR CODE HERE`.", metadata=tagged(locked=True)),
        new_code_cell("import numpy as np\nfrom nnlib.widgets import decision_line_explorer"),
        new_markdown_cell("### Exercise 1: `step`\nImplement the step function."),
        new_code_cell("def step(z):\n    ### BEGIN SOLUTION\n    return (z > 0) * 1.0\n    ### END SOLUTION",
                      metadata=nbgrader(solution=True, grade_id="ch.step")),
        new_code_cell('check("perceptron.step", step)', metadata=nbgrader(grade=True, locked=True, points=1,
                                                                         grade_id="ch.step_test")),
        new_markdown_cell("## 2. Learning\nThe rule moves the line.\n\n### Exercise 2 — `update`\nWrite it.\n"
                          "#### Hint\nUse the rule.\n## 3. XOR\nOne line is not enough."),
        new_code_cell("from nnlib.widgets import use_student\nrule = use_student(step, np.sign)\nprint('Using your step.')",
                      metadata=tagged(locked=True)),
        new_code_cell("print(rule(1.0))"),
        new_markdown_cell("### Written answer (2 points)\n**Why can XOR not be\nlearned?** Say why.",
                          metadata=nbgrader(locked=True, grade_id="ch.q")),
        new_markdown_cell("A line cannot separate ...", metadata=nbgrader(grade=True, solution=True, points=2,
                                                                       grade_id="ch.xor_answer")),
        new_markdown_cell("Describe a plot.", metadata=nbgrader(task=True, points=1, grade_id="ch.task")),
        new_raw_cell("raw text"),
        new_markdown_cell("## Decision line\nMove the sliders."),
        new_code_cell("decision_line_explorer(train=step)"),
    ]
    return new_notebook(cells=cells)


def sources(nb) -> list[str]:
    return [cell.source for cell in nb.cells]


# ---------------------------------------------------------------- what the lecture copy keeps


def test_lecture_copy_keeps_prose_and_widgets_and_drops_exercises():
    """With --exercises hide: prose and widget cells reach the projector; tests, answers, tasks, statements don't."""
    lecture = present.lecture_notebook(chapter_notebook(), exercises="hide")
    shown = sources(lecture)
    assert shown[0].startswith("# The perceptron")
    assert "decision_line_explorer(train=step)" in shown
    assert "## Decision line\nMove the sliders." in shown
    assert "## 2. Learning\nThe rule moves the line.\n\n## 3. XOR\nOne line is not enough." in shown
    dropped = ("### Exercise", "Implement the step", "Write it.", "Use the rule.", "Why can XOR", "check(",
               "A line cannot separate", "Describe a plot.", "raw text", "students implement", "Written answer")
    for text in dropped:
        assert not any(text in s for s in shown), f"{text!r} should not be in the lecture copy"
    nbformat.validate(lecture)


def test_exercises_show_leaves_a_one_line_marker_where_each_statement_was():
    """With --exercises show (the default): "Exercise 2: students implement `update` here." in place of the section."""
    lecture = present.lecture_notebook(chapter_notebook())
    shown = sources(lecture)
    assert '<p class="nncourse-exercise">Exercise 1: students implement <code>step</code> here.</p>' in shown
    learning = next(s for s in shown if s.startswith("## 2. Learning"))
    assert learning == ("## 2. Learning\nThe rule moves the line.\n\n"
                        '<p class="nncourse-exercise">Exercise 2: students implement <code>update</code> here.</p>'
                        "\n\n## 3. XOR\nOne line is not enough.")
    # a written answer shows its question, on one line, and no answer
    assert ('<p class="nncourse-exercise">Written answer for students: <em>Why can XOR not be learned?</em></p>'
            in shown)
    for text in ("Implement the step", "Write it.", "Use the rule.", "Say why.", "A line cannot separate", "check("):
        assert not any(text in s for s in shown), f"{text!r} should not be in the lecture copy"
    nbformat.validate(lecture)


def test_exercise_markers_from_headings():
    """Which line stands in for which heading (points dropped, markup escaped)?"""
    assert exercise_marker("Exercise 6 — `worked_example_gradients` (2 points)") == (
        '<p class="nncourse-exercise">Exercise 6: students implement <code>worked_example_gradients</code> here.</p>')
    assert exercise_marker("Written answer (2 points, graded by hand)", "No question in bold.") == (
        '<p class="nncourse-exercise">Written answer for students.</p>')
    assert exercise_marker("Exercises in the notes <b>") == (
        '<p class="nncourse-exercise">Exercises in the notes &lt;b&gt;: left to the students.</p>')


def test_an_unknown_exercises_mode_names_the_valid_ones():
    """Does exercises="markers" fail with the expected values and the value received?"""
    with pytest.raises(ValueError, match=r"show, hide; got 'markers'"):
        present.lecture_notebook(chapter_notebook(), exercises="markers")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["present", "01_perceptron", "--exercises", "markers"])


def test_exercise_sections_are_cut_down_to_the_next_heading_of_their_level():
    """Does "### Exercise" cut its subsections too, and stop at the next ## or ### heading?"""
    text = "Intro\n### Exercise 1\nDo it.\n#### Hint\nLike so.\n### Try it\nMove w1.\n# Next\nMore."
    assert present.without_exercise_sections(text) == "Intro\n### Try it\nMove w1.\n# Next\nMore."
    assert present.without_exercise_sections("### Exercise 4 — `f` (2 points)\nWrite f.") == ""
    assert present.without_exercise_sections("## Exercises in the notes\nsee p. 3") == ""
    assert present.without_exercise_sections("Do the exercise below.") == "Do the exercise below."
    assert present.without_exercise_sections(text, "show") == (
        'Intro\n\n<p class="nncourse-exercise">Exercise 1: left to the students.</p>\n\n'
        "### Try it\nMove w1.\n# Next\nMore.")


def test_student_only_markdown_is_dropped_and_code_runs_silently():
    """A tagged markdown cell is gone; a tagged code cell still runs (later cells use its names) but shows nothing."""
    lecture = present.lecture_notebook(chapter_notebook())
    shown = sources(lecture)
    assert not any("How this notebook works" in s or "YOUR CODE HERE" in s for s in shown)
    silenced = [s for s in shown if "use_student" in s]
    assert silenced == ["%%capture\nfrom nnlib.widgets import use_student\nrule = use_student(step, np.sign)\n"
                        "print('Using your step.')"]
    assert shown.index(silenced[0]) < shown.index("print(rule(1.0))")  # defined before it is used


def test_answer_cells_still_run_but_show_nothing():
    """Is an answer cell kept (later widgets may use its function) but wrapped in %%capture?"""
    lecture = present.lecture_notebook(chapter_notebook())
    answer = [cell for cell in lecture.cells if "def step" in cell.source]
    assert len(answer) == 1
    assert answer[0].source.startswith("%%capture\ndef step(z):")


def test_the_reset_button_cell_comes_last():
    """Is the hidden "Reset widgets" button the last cell, after every widget, and only when asked for?"""
    lecture = present.lecture_notebook(chapter_notebook())
    assert lecture.cells[-1].source == RESET_CELL and lecture.cells[-1].metadata["nncourse"] == "reset-button"
    assert RESET_CELL not in sources(present.lecture_notebook(chapter_notebook(), reset_button=False))


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


@pytest.mark.parametrize("chapter", ["01_perceptron", "02_mlp_xor", "03_backprop"])
def test_real_chapters_tagged_cells(chapter):
    """In the real chapters: no tagged markdown shown; every tagged code cell kept, silenced, where it was."""
    nb = nbformat.read(ROOT / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    lecture = present.lecture_notebook(nb)
    kept = {cell.get("id"): cell for cell in lecture.cells}
    for cell in nb.cells:
        if TAG not in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            assert cell.get("id") not in kept and not any(cell.source in s for s in sources(lecture))
        else:
            assert kept[cell.get("id")].source == "%%capture\n" + cell.source
    text = "\n".join(sources(lecture))
    for phrase in ("YOUR CODE HERE", "How this notebook works", "### Exercise", "### Written answer"):
        assert phrase not in text, f"{chapter}: {phrase!r} in the lecture copy"
    # chapter 3 needs use_value (NeuronValue) and use_training (step, backward) before the cells using them
    order = [cell.get("id") for cell in lecture.cells]
    ids = {c.metadata.get("nbgrader", {}).get("grade_id", "").removeprefix(f"{chapter}-"): c.get("id")
           for c in nb.cells}
    for before, after in {"03_backprop": [("use_value", "demo_neuron"), ("use_training", "demo_xor")],
                          "01_perceptron": [("use_train", "and_or")]}.get(chapter, []):
        assert order.index(ids[before]) < order.index(ids[after])


def test_real_chapter_01_markers():
    """Chapter 1 with --exercises show: one marker per exercise, in order, and one for the written answer."""
    nb = nbformat.read(ROOT / "solutions" / "01_perceptron" / "01_perceptron.ipynb", as_version=4)
    text = "\n".join(sources(present.lecture_notebook(nb, exercises="show")))
    names = ["step", "mp_neuron", "perceptron_predict", "perceptron_update", "train_perceptron"]
    positions = [text.index(f"Exercise {i}: students implement <code>{name}</code> here.")
                 for i, name in enumerate(names, start=1)]
    assert positions == sorted(positions)
    assert "Written answer for students: <em>Why can a single perceptron not learn XOR?</em>" in text
    hidden = "\n".join(sources(present.lecture_notebook(nb, exercises="hide")))
    assert "nncourse-exercise" not in hidden and "students implement" not in hidden


# ---------------------------------------------------------------- files and the command line


def test_write_lecture_copies_the_chapter_folder(tmp_path):
    """Does the lecture folder hold the lecture notebook and the chapter's other files (not its notebooks)?"""
    chapter = tmp_path / "solutions" / "01_demo"
    chapter.mkdir(parents=True)
    nbformat.write(chapter_notebook(), chapter / "01_demo.ipynb")
    (chapter / "data.csv").write_text("x,y\n1,2\n")
    (chapter / "scratch.ipynb").write_text("{}")
    out = tmp_path / "lecture"
    path = present.write_lecture(tmp_path, "01_demo", out, exercises="hide")
    assert path == out / "01_demo.ipynb"
    assert (out / "data.csv").read_text() == "x,y\n1,2\n"
    assert not (out / "scratch.ipynb").exists()
    assert sources(nbformat.read(path, as_version=4)) == sources(
        present.lecture_notebook(chapter_notebook(), exercises="hide"))


def test_unknown_chapter_names_the_known_ones(tmp_path):
    """Does asking for a missing chapter say which chapters exist?"""
    (tmp_path / "solutions" / "01_demo").mkdir(parents=True)
    nbformat.write(chapter_notebook(), tmp_path / "solutions" / "01_demo" / "01_demo.ipynb")
    with pytest.raises(FileNotFoundError, match=r"'09_nope'.*chapters: 01_demo"):
        present.write_lecture(tmp_path, "09_nope", tmp_path / "out")


def test_voila_command_and_environment(tmp_path):
    """Loopback, the lecture template, stripped sources, preheated kernels; lecture mode, hide and DPI for the kernel."""
    cmd = present.voila_command(present.STATIC / "x.ipynb", port=9999)
    assert "--Voila.ip=127.0.0.1" in cmd and "--template=lecture" in cmd
    assert "--strip_sources=True" in cmd and "--port=9999" in cmd and "--no-browser" in cmd
    assert "--preheat_kernel=True" in cmd and "--pool_size=1" in cmd
    assert any(a.startswith("--VoilaKernelManager.fill_delay=") for a in cmd)
    assert not any("classic_tree" in a for a in cmd)  # one notebook: no index page
    cold = present.voila_command(present.STATIC / "x.ipynb", preheat=False)
    assert not any("preheat" in a or "pool_size" in a for a in cold)
    assert "--VoilaConfiguration.classic_tree=True" in present.voila_command(tmp_path)  # a folder: the index
    env = present.voila_env(hide=("b", "gate"), dpi=150)
    assert env["NNCOURSE_HIDE"] == "b,gate" and env["NNCOURSE_DPI"] == "150" and env["NNCOURSE_LECTURE"] == "1"
    assert env["JUPYTER_PATH"].split(":")[0] == str(present.STATIC)
    assert present.voila_env(templates=tmp_path)["JUPYTER_PATH"].split(":")[:2] == [str(tmp_path), str(present.STATIC)]
    template = present.STATIC / "voila" / "templates" / present.TEMPLATE
    for name in ("conf.json", "index.html.j2", "lecture.css", "lecture-nav.css", "lecture-nav.js", "tree.html"):
        assert (template / name).exists(), name
    page = (template / "index.html.j2").read_text()
    assert "{% include 'lecture-nav.js' %}" in page and "{% include 'lecture-nav.css' %}" in page


def test_hide_names_may_be_repeated_or_comma_separated():
    """Do ``--hide b --hide w1,w2`` and a plain string both give the list of names?"""
    assert present.split_names(["b", "w1, w2", ""]) == ("b", "w1", "w2")
    assert present.split_names(None) == ()


def test_cli_present_arguments():
    """Does ``nncourse present`` parse the chapter (optional), port, hide names, DPI, exercises and preheat?"""
    args = build_parser().parse_args(["present", "01_perceptron", "--port", "8899", "--hide", "b", "--hide", "gate"])
    assert (args.chapter, args.port, args.hide, args.dpi, args.open) == ("01_perceptron", 8899, ["b", "gate"], 150, False)
    assert (args.exercises, args.no_preheat) == ("show", False)
    assert args.func.__name__ == "cmd_present"
    index = build_parser().parse_args(["present", "--exercises", "hide", "--no-preheat"])
    assert (index.chapter, index.exercises, index.no_preheat) == (None, "hide", True)


# ---------------------------------------------------------------- --hide is checked against the widgets


def test_widget_calls_are_read_from_the_cells():
    """Which widget helpers does a notebook call, with which literal arguments (the rest left out)?"""
    nb = new_notebook(cells=[
        new_code_cell("%matplotlib inline\nfrom nnlib.widgets import training_player as tp, use_student"),
        new_code_cell("tp(gate='or', train=train_perceptron, hide=('t',))\nuse_student(f, g)"),
        new_code_cell("from nnlib.widgets._lecture import reset_button\nreset_button()"),
        new_code_cell("this is not python"),
    ])
    assert controls.widget_calls(nb) == [("nnlib.widgets", "training_player", (), {"gate": "or"}),
                                         ("nnlib.widgets", "use_student", (), {})]


def test_hide_with_an_unknown_name_lists_the_valid_ones_before_voila_starts(monkeypatch, tmp_path):
    """``--hide bias`` on chapter 1: an error naming b, w1, w2, gate... (per widget), fast, and no Voilà process."""
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a) or pytest.fail("Voilà started"))
    t0 = time.perf_counter()
    with pytest.raises(controls.UnknownControlError) as error:
        present.present(ROOT, "01_perceptron", hide=["bias"])
    seconds = time.perf_counter() - t0
    message = str(error.value)
    assert message.startswith("--hide bias: no widget of 01_perceptron has a control of that name.")
    assert "Valid names: b, gate, play, reset, step, t, w1, w2" in message
    assert "DecisionLineExplorer: gate, w1, w2, b" in message and "TrainingPlayer: gate, step, play, t, reset" in message
    assert not started
    assert seconds < 20, f"checking --hide took {seconds:.1f} s"  # builds 2 widgets; no kernel, no server


def test_hide_with_valid_names_passes_and_a_mix_names_the_unknown_one():
    """``b`` and ``gate`` exist in chapter 1; ``b,w9`` names only w9 as unknown."""
    nb = present.lecture_notebook(nbformat.read(ROOT / "solutions" / "01_perceptron" / "01_perceptron.ipynb",
                                                as_version=4))
    found = {"01_perceptron": controls.control_names(nb)}
    controls.check_hide(("b", "gate"), found)
    with pytest.raises(controls.UnknownControlError, match=r"^--hide w9: no widget of 01_perceptron"):
        controls.check_hide(("b", "w9"), found)
    with pytest.raises(controls.UnknownControlError, match="shows no widget"):
        controls.check_hide(("b",), {"00_prose": {}})


def test_cli_hide_error_exits_2_with_the_valid_names(capsys):
    """``nncourse present 01_perceptron --hide bias`` prints the valid names and exits 2 (no traceback)."""
    assert main(["present", "01_perceptron", "--hide", "bias"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nncourse present: --hide bias: no widget of 01_perceptron") and "Valid names: b," in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- the index page


def _course(tmp_path) -> Path:
    for cid, first in [("01_demo", "# Chapter 1 — Demo {x}\n\nA *first* sentence with `code`. A second one.\n\n"
                                    "**Learning goals.** ..."),
                       ("02_more", "# Chapter 2 — More & less\n\n- a list first\n\nThe real line! Then more."),
                       ("03_bare", "Just prose, no title.")]:
        folder = tmp_path / "solutions" / cid
        folder.mkdir(parents=True)
        nbformat.write(new_notebook(cells=[new_markdown_cell(first)]), folder / f"{cid}.ipynb")
    (tmp_path / "solutions" / "01_demo" / "scratch.ipynb").write_text("{}")
    return tmp_path


def test_index_lists_every_chapter_with_title_line_and_link(tmp_path):
    """Title = first # heading, line = first sentence of the first paragraph; links open the lecture view."""
    entries = chapter_index.chapters(_course(tmp_path))
    assert [(c.id, c.title, c.line) for c in entries] == [
        ("01_demo", "Chapter 1 — Demo {x}", "A first sentence with code."),
        ("02_more", "Chapter 2 — More & less", "The real line!"),
        ("03_bare", "03_bare", "Just prose, no title."),
    ]
    html = chapter_index.index_html(entries)
    assert '<a href="/voila/render/01_demo/01_demo.ipynb">Chapter 1 — Demo {x}</a>' in html
    assert "Chapter 2 — More &amp; less" in html and html.count("<li ") == 3


def test_index_page_renders_through_the_template(tmp_path):
    """The template's tree.html with the written chapter list: Jinja renders it (braces in titles included)."""
    course = _course(tmp_path / "course")
    extra = tmp_path / "jupyter"
    fragment = present.write_index_template(course, extra)
    assert fragment.parent == extra / "voila" / "templates" / present.TEMPLATE
    loader = jinja2.FileSystemLoader([str(fragment.parent), str(present.STATIC / "voila" / "templates" / "lecture")])
    page = jinja2.Environment(loader=loader, autoescape=True).get_template("tree.html").render()
    assert "Neural networks from scratch" in page and "PageDown" in page
    for cid in ("01_demo", "02_more", "03_bare"):
        assert f'href="/voila/render/{cid}/{cid}.ipynb"' in page
    assert "Chapter 1 — Demo {x}" in page and "{% raw %}" not in page


def test_index_prepares_every_chapter_and_checks_hide_across_them(tmp_path, monkeypatch):
    """Without a chapter: one lecture copy per chapter in its own folder, and --hide checked against all of them."""
    course = _course(tmp_path / "course")
    served, templates = present._prepare(course, None, tmp_path / "work", "show", ())
    assert sorted(p.relative_to(served).as_posix() for p in served.glob("*/*.ipynb")) == [
        "01_demo/01_demo.ipynb", "02_more/02_more.ipynb", "03_bare/03_bare.ipynb", "playground/playground.ipynb"]
    index = (templates / "voila" / "templates" / "lecture" / "chapters.html").read_text()
    assert index.count("<li ") == 4 and '<a href="/voila/render/playground/playground.ipynb">Playground</a>' in index
    with pytest.raises(controls.UnknownControlError,
                       match="--hide b: no widget of 01_demo, 02_more, 03_bare, playground has a control of that name"):
        present._prepare(course, None, tmp_path / "work2", "show", ("b",))
    present._prepare(course, None, tmp_path / "work3", "show", ("lr",))  # the playground's: valid on the index
