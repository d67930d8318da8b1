"""Checks that compare a student's code with nnlib, and the nbgrader pipeline around them.

In a notebook's test cell::

    from autograder import check
    check("perceptron.predict", perceptron_predict)

and in chapter 08's capstone ``capstone_preview(build_model, train)``
(:mod:`autograder.checking.capstone`).

See :mod:`autograder.checking.engine` for how a check runs and :mod:`autograder.checking.spec`
for how a chapter declares its checks (in ``autograder/checking/checks/``).
"""
from autograder.checking.engine import check, run_check
from autograder.checking.result import CheckFailed, CheckResult, Failure, Score

__all__ = ["CheckFailed", "CheckResult", "Failure", "Score", "capstone_preview", "check", "run_check"]


def __getattr__(name):
    # The capstone's preview (chapter 08) loads nnlib's layers and data: only when a notebook asks for it.
    if name == "capstone_preview":
        from autograder.checking.capstone import capstone_preview

        return capstone_preview
    raise AttributeError(f"module 'autograder' has no attribute {name!r}")
