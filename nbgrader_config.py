"""nbgrader configuration for this repository (read from the repo root).

Layout: instructor sources in ``solutions/``, student notebooks released to
``course/``; everything grading produces (submitted, autograded and feedback
folders, the gradebook database, ``nbgrader export``'s grades.csv) lives
under the git-ignored ``grading/``.
``nncourse`` runs nbgrader with this file; plain ``nbgrader`` commands run
from the repo root use it too.
"""
import os

from autograder.pipeline.preprocessors import autograde_preprocessors, feedback_preprocessors, sanitize_preprocessors

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

here = os.path.dirname(os.path.abspath(__file__))
work = "grading"
os.makedirs(os.path.join(here, work), exist_ok=True)  # the gradebook's folder must exist before nbgrader opens it

c.CourseDirectory.course_id = "nncourse"
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.submitted_directory = os.path.join(work, "submitted")
c.CourseDirectory.autograded_directory = os.path.join(work, "autograded")
c.CourseDirectory.feedback_directory = os.path.join(work, "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, work, "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# A student who deleted a test cell gets it back (and is graded on it).
c.OverwriteCells.add_missing_cells = True
# Test cells get their hidden tests back without a "checksum has changed" warning each time (only an
# edited test cell is still reported): see RestoreHiddenTests.
c.Autograde.sanitize_preprocessors = sanitize_preprocessors()
# Per-cell time limit while grading; a check has its own shorter per-call limit.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# Output limits: lines (nbgrader's own) and bytes (ours; one giant line defeats a line limit).
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40
c.Autograde.autograde_preprocessors = autograde_preprocessors()
# Feedback never shows the hidden checks' calls.
c.GenerateFeedback.preprocessors = feedback_preprocessors()
# `nbgrader export` (run from the repo root) writes nbgrader's own grades.csv (every chapter, from the
# gradebook) under grading/, not into the repository. `--to PATH` still overrides it.
c.ExportPlugin.to = os.path.join(here, work, "grades.csv")
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
