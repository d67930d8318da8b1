"""The nbgrader pipeline: from ``solutions/`` to a graded class.

- :mod:`~autograder.pipeline.course`: where the course lives, running nbgrader in it;
- :mod:`~autograder.pipeline.release`: ``solutions/`` -> ``course/`` (``nncourse release``);
- :mod:`~autograder.pipeline.submissions`: a class's files -> nbgrader's submitted area;
- :mod:`~autograder.pipeline.grade`: autograde in parallel batches (``nncourse grade``);
- :mod:`~autograder.pipeline.rechecks`: the re-check of every graded notebook;
- :mod:`~autograder.pipeline.report`: grades CSV, class summary, terminal table;
- :mod:`~autograder.pipeline.preprocessors`: what nncourse adds to nbgrader's steps;
- :mod:`~autograder.pipeline.samples`: the bundled sample submissions (``nncourse demo``);
- :mod:`~autograder.pipeline.student_check`: a student's dry run (``nncourse check``).
"""
