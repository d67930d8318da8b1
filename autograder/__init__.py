"""Checks that compare a student's code with nnlib, and the nbgrader pipeline around them.

In a notebook's test cell::

    from autograder import check
    check("perceptron.predict", perceptron_predict)

See :mod:`autograder.engine` for how a check runs and :mod:`autograder.spec`
for how a chapter declares its checks (in ``autograder/checks/``).
"""
from autograder.engine import check, run_check
from autograder.result import CheckFailed, CheckResult, Failure, Score

__all__ = ["check", "run_check", "CheckFailed", "CheckResult", "Failure", "Score"]
