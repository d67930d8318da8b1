"""Every chapter's checks; importing this package registers them all.

Adding a chapter is one line: ``from autograder.checks import <module>``.
"""
from autograder.checks import perceptron  # noqa: F401  01_perceptron
from autograder.checks import mlp  # noqa: F401  02_mlp_xor
from autograder.checks import backprop  # noqa: F401  03_backprop
