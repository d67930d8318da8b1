"""Checks that compare a student's code with nnlib, and the nbgrader pipeline around them.

In a notebook's test cell::

    from autograder import check
    check("perceptron.predict", perceptron_predict)

See :mod:`autograder.checking.engine` for how a check runs and :mod:`autograder.checking.spec`
for how a chapter declares its checks (in ``autograder/checking/checks/``).
"""
from autograder.checking.engine import check, run_check
from autograder.checking.result import CheckFailed, CheckResult, Failure, Score

__all__ = ["check", "run_check", "CheckFailed", "CheckResult", "Failure", "Score"]
