"""Every chapter's checks; importing this package registers them all.

Adding a chapter is one line: ``from autograder.checking.checks import <module>``.
"""
from autograder.checking.checks import perceptron  # noqa: F401  01_perceptron
from autograder.checking.checks import mlp  # noqa: F401  02_mlp_xor
from autograder.checking.checks import backprop  # noqa: F401  03_backprop
from autograder.checking.checks import losses  # noqa: F401  04_losses
from autograder.checking.checks import optimizers  # noqa: F401  05_optimizers
from autograder.checking.checks import initialization  # noqa: F401  06_initialization
from autograder.checking.checks import regularization  # noqa: F401  07_regularization
from autograder.checking.checks import tuning  # noqa: F401  08_tuning
from autograder.checking.spec import Spec, registered


def get_spec(name: str) -> Spec:
    """The registered check called ``name``."""
    specs = registered()
    try:
        return specs[name]
    except KeyError:
        raise KeyError(f"no check named {name!r}; known checks: {', '.join(sorted(specs))}") from None


def all_specs() -> list[Spec]:
    """Every registered check, sorted by name."""
    specs = registered()
    return [specs[k] for k in sorted(specs)]
