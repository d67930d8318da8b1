"""A class on a real JupyterHub, end to end: release, fetch, work, validate, submit, collect, grade, feedback.

One hub (``nncourse hub``, real local accounts, configurable-http-proxy),
two students and an instructor in Chromium.  The tests run in file order and
build on each other (the class's state lives in the module's hub); each says
which step of the README's flow it proves.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import time

import nbformat
import pytest

import hubdriver
from autograder.pipeline.course import Course
from autograder.pipeline.samples import answer_sources, fill

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.browser]

CHAPTER = "01_perceptron"
ADA, BOB, PROF = "nnhubt-ada", "nnhubt-bob", "nnhubt-prof"
TIMINGS: dict = {}


def _notebook_path(hub) -> str:
    # nbgrader's exchange with one folder per course: fetched into ~/<course>/<chapter>/
    return f"{hub.course}/{CHAPTER}/{CHAPTER}.ipynb"


def test_setup_prints_where_and_how(hub):
    """Does setup make the accounts, the grader-only course root and the exchange, with the right modes?"""
    import pwd
    import stat

    for user in (ADA, BOB, PROF, hub.grader):
        entry = pwd.getpwnam(user)
        assert stat.S_IMODE((hubdriver.Path(entry.pw_dir)).stat().st_mode) == 0o700, user
    assert set(hub.passwords()) == {ADA, BOB, PROF}
    root = hub.course_root.stat()
    assert (pwd.getpwuid(root.st_uid).pw_name, stat.S_IMODE(root.st_mode)) == (hub.grader, 0o700)
    modes = {name: stat.S_IMODE((hub.exchange / name).stat().st_mode)
             for name in ("outbound", "inbound", "feedback")}
    assert modes == {"outbound": 0o755, "inbound": 0o2733, "feedback": 0o711}
    assert stat.S_IMODE(hub.exchange.parent.stat().st_mode) == 0o1777
    login_text = hub.log.read_text()
    assert f"JupyterHub for {hub.course}: {hub.url}/" in login_text
    assert "passwords.csv" in login_text


def test_instructor_releases_the_chapter(hub):
    """`nncourse release` then `nbgrader release_assignment` from the formgrader's terminal put it in the exchange."""
    hub.as_grader(f"nncourse release {CHAPTER}")
    out = hub.as_grader(f"nbgrader release_assignment {CHAPTER} --force")
    assert "Released as" in out.stdout + out.stderr
    assert (hub.exchange / "outbound" / CHAPTER / f"{CHAPTER}.ipynb").is_file()


def test_students_fetch_work_validate_and_submit(hub, person):
    """Can both students log in, fetch, validate and submit from the Assignments panel — one right, one a stub?"""
    course = Course(hubdriver.REPO)
    full = fill(nbformat.read(course.released_notebook(CHAPTER), as_version=4), answer_sources(course, CHAPTER))
    for student, work in ((ADA, full), (BOB, None)):
        page = person()
        TIMINGS[f"login_to_ready_{student}"] = round(hubdriver.login(page, hub, student), 1)
        assert hubdriver.nbgrader_menu(page) == ["Assignment List"], "a student sees only the Assignments panel"
        hubdriver.open_assignments(page)
        hubdriver.fetch(page, CHAPTER)
        if work is not None:  # ada's work: the answers typed in, saved as JupyterLab saves
            assert hubdriver.put_notebook(page, student, _notebook_path(hub), json.loads(nbformat.writes(work))) == 200
        verdict = hubdriver.validate(page, CHAPTER)
        if work is not None:
            assert "Success! Your notebook passes all the tests." in verdict
        else:
            assert "The following cell failed" in verdict and "not implemented yet" in verdict
        TIMINGS[f"submitted_{student}"] = hubdriver.submit(page, CHAPTER)
    hubdriver.write_json(hubdriver.REPO / "test-artifacts" / "hub" / "timings.json", TIMINGS)


def test_forged_submissions_are_not_collected(hub):
    """Does collect refuse bob's submission in ada's name and his symlink to the solution, keeping the real ones?"""
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    inbound = hub.exchange / "inbound"
    solution = hub.course_root / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"
    forged = inbound / f"{ADA}+{CHAPTER}+{later}+forged"
    linked = inbound / f"{BOB}+{CHAPTER}+{later}+linked"
    released = hub.exchange / "outbound" / CHAPTER / f"{CHAPTER}.ipynb"  # bob can read it: everyone fetches it
    hub.run_as(BOB, f"mkdir '{forged}' '{linked}' && cp '{released}' '{forged}/' && echo '{later}' > '{forged}/timestamp.txt'"
                    f" && ln -s '{solution}' '{linked}/{CHAPTER}.ipynb' && echo '{later}' > '{linked}/timestamp.txt'")
    out = hub.as_grader(f"nbgrader collect {CHAPTER}")
    log = out.stdout + out.stderr
    assert f"Not collecting {forged.name} for {ADA}" in log and "belongs to nnhubt-bob" in log
    assert f"Not collecting {linked.name} for {BOB}" in log and "is a symbolic link" in log
    submitted = hub.course_root / "grading" / "submitted"
    ada_nb = nbformat.read(submitted / ADA / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    bob_nb = nbformat.read(submitted / BOB / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    assert "NotImplementedError" not in "".join(c.source for c in ada_nb.cells if c.cell_type == "code")
    assert "### BEGIN SOLUTION" not in "".join(c.source for c in bob_nb.cells)
    assert (submitted / ADA / CHAPTER / "timestamp.txt").read_text().strip() != later


def test_instructor_grades_the_collected_submissions(hub):
    """Does `nncourse grade grading/submitted` grade the exchange's collected layout, sandboxed, as the grader?"""
    started = time.perf_counter()
    hub.as_grader(f"nncourse grade grading/submitted --chapter {CHAPTER} --jobs 2 --quiet")
    TIMINGS["grade_seconds"] = round(time.perf_counter() - started, 1)
    with (hub.course_root / "grading" / "reports" / CHAPTER / "grades.csv").open() as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {ADA, BOB}
    assert (rows[ADA]["status"], rows[ADA]["autograded"], rows[ADA]["autograded_max"]) == ("graded", "9", "9")
    assert (rows[BOB]["status"], rows[BOB]["autograded"]) == ("graded", "0")
    assert {r["isolation"] for r in rows.values()} == {"bubblewrap"}
    for student in (ADA, BOB):  # the exchange's files travelled with the notebook, so feedback can be released
        assert (hub.course_root / "grading" / "feedback" / student / CHAPTER / "submission_secret.txt").is_file()
    out = hub.as_grader(f"nbgrader release_feedback {CHAPTER}")
    assert (out.stdout + out.stderr).count("Feedback released to") == 2


def test_each_student_sees_their_own_feedback(hub, person):
    """Does each student fetch feedback from the panel and see their own score (ada 9 of 9 autograded, bob 0)?"""
    scores = {}
    for student in (ADA, BOB):
        page = person()
        hubdriver.login(page, hub, student)
        hubdriver.open_assignments(page)
        text = hubdriver.fetch_feedback(page, CHAPTER)
        match = re.search(r"Score: ([\d.]+) / ([\d.]+)", text)
        assert match, text[:500]
        scores[student] = (float(match.group(1)), float(match.group(2)))
    # 11 points: 9 autograded + 2 for the written answer, which waits for the instructor
    assert scores == {ADA: (9.0, 11.0), BOB: (0.0, 11.0)}


def test_a_late_submission_is_graded_into_the_same_gradebook(hub, person):
    """After the due date bob submits his finished work: is it collected, graded late, and the report updated?"""
    due = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    hub.as_grader(f"nbgrader db assignment add {CHAPTER} --duedate='{due}'")
    course = Course(hubdriver.REPO)
    full = fill(nbformat.read(course.released_notebook(CHAPTER), as_version=4), answer_sources(course, CHAPTER))
    page = person()
    hubdriver.login(page, hub, BOB)
    hubdriver.open_assignments(page)
    assert hubdriver.put_notebook(page, BOB, _notebook_path(hub), json.loads(nbformat.writes(full))) == 200
    hubdriver.submit(page, CHAPTER)
    out = hub.as_grader(f"nbgrader collect --update {CHAPTER}")
    assert f"Updating submission: {BOB} {CHAPTER}" in out.stdout + out.stderr
    hub.as_grader(f"nncourse grade grading/submitted --chapter {CHAPTER} --jobs 2 --quiet")
    with (hub.course_root / "grading" / "reports" / CHAPTER / "grades.csv").open() as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert (rows[BOB]["autograded"], rows[ADA]["autograded"]) == ("9", "9")
    late = hub.as_grader("python -c \"from nbgrader.api import Gradebook; "
                         "gb = Gradebook('sqlite:///grading/gradebook.db', 'nnhubtest'); "
                         f"print(gb.find_submission('{CHAPTER}', '{BOB}').total_seconds_late, "
                         f"gb.find_submission('{CHAPTER}', '{ADA}').total_seconds_late)\"")
    bob_late, ada_late = map(float, late.stdout.split())
    assert bob_late > 0 and ada_late == 0


def test_students_cannot_read_what_is_not_theirs(hub, person):
    """Can bob read ada's work or feedback, the solutions, the gradebook or the case secret? (He must not.)"""
    ada_home = hubdriver.Path(f"/home/{ADA}")
    targets = {
        "ada's notebook": ada_home / _notebook_path(hub),
        "ada's nbgrader cache": ada_home / ".local/share/jupyter/nbgrader_cache",
        "the solutions": hub.course_root / "solutions" / CHAPTER / f"{CHAPTER}.ipynb",
        "the gradebook": hub.course_root / "grading" / "gradebook.db",
        "the case secret": hub.course_root / "grading" / "case_secret",
        "the submissions inbox": hub.exchange / "inbound",
        "the released feedback": hub.exchange / "feedback",
    }
    for what, path in targets.items():
        # Positive control: the owner (ada, or the grader) reaches it, so a "denied" below means denied.
        owner = ADA if str(path).startswith(str(ada_home)) else hub.grader
        assert hub.run_as(owner, f"ls -d '{path}' && (test -d '{path}' && ls '{path}' >/dev/null || head -c1 '{path}' >/dev/null)",
                          check=False).returncode == 0, f"{owner} should reach {what}"
        denied = hub.run_as(BOB, f"test -d '{path}' && ls '{path}' || head -c1 '{path}'", check=False)
        assert denied.returncode != 0 and "Permission denied" in denied.stderr, f"bob reached {what}"
    # And through the hub: bob's browser gets neither ada's server nor the formgrader.
    page = person()
    hubdriver.login(page, hub, BOB)
    assert hubdriver.http_status(page, f"{hub.url}/user/{ADA}/api/contents/{hub.course}") in (403, 404)
    assert hubdriver.http_status(page, f"{hub.url}/services/{hub.course}/api/contents") in (302, 403)
    assert hubdriver.http_status(page, f"{hub.url}/hub/api/users/{ADA}") in (403, 404)


def test_instructor_opens_the_formgrader(hub, person):
    """Does the instructor get the Courses panel and the formgrader service, showing the released chapter?"""
    page = person()
    TIMINGS["login_to_ready_instructor"] = round(hubdriver.login(page, hub, PROF), 1)
    menu = hubdriver.nbgrader_menu(page)
    assert "Course List" in menu and "Assignment List" in menu and "Formgrader" not in menu
    page.goto(f"{hub.url}/services/{hub.course}/formgrader")
    page.locator("text=" + CHAPTER).first.wait_for()
    assert page.url.startswith(f"{hub.url}/services/{hub.course}/formgrader")
    # The README's commands run in the formgrader's terminal: as the grader, in the course root, with the
    # hub's nncourse and nbgrader, which sees the released chapter in the course's exchange.
    out = hubdriver.terminal_run(page, f"/services/{hub.course}/",
                                 "id -un; pwd; command -v nncourse; nbgrader list 2>&1 | tail -n 2")
    assert hub.grader in out and str(hub.course_root) in out, out[-2000:]
    assert str(hub.env_dir / "bin" / "nncourse") in out and f"{hub.course} {CHAPTER}" in out, out[-2000:]
    # The formgrader's Collect button (its API) is the same checked collect: bob's forged submissions stay out.
    answer = hubdriver.post_json(page, f"/services/{hub.course}/formgrader/api/assignment/{CHAPTER}/collect")
    assert answer["status"] == 200, answer
    log = json.loads(answer["body"])["log"]
    assert f"Not collecting {ADA}+{CHAPTER}+" in log and "belongs to nnhubt-bob" in log, log[-2000:]
    assert "is a symbolic link" in log, log[-2000:]
    hubdriver.write_json(hubdriver.REPO / "test-artifacts" / "hub" / "timings.json", TIMINGS)
