"""Checking a student's function against the nnlib reference.

- :mod:`~autograder.checking.spec`: what a check declares (cases, mistakes, limits);
- :mod:`~autograder.checking.engine`: runs a check and finds the problem to report;
- :mod:`~autograder.checking.compare`: compares an output with the reference's;
- :mod:`~autograder.checking.messages`: the text a student reads;
- :mod:`~autograder.checking.result`: ``CheckResult``, ``Failure``, ``Score``;
- :mod:`~autograder.checking.scoring`: the one scoring rule (essential cases cap the points);
- :mod:`~autograder.checking.secret`: hidden random cases drawn with the course's secret;
- :mod:`~autograder.checking.isolation`: time limits, captured output, blocked references;
- :mod:`autograder.checking.checks`: one module of checks per chapter.
"""
