"""Does every public name of nnlib say what it computes (a docstring with its formula and shapes)?"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import nnlib

MODULES = sorted(m.name for m in pkgutil.iter_modules(nnlib.__path__) if not m.name.startswith("_")
                 and m.name != "widgets")


def _public(module):
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__:
            yield name, obj


def test_the_issue_modules_are_all_there():
    """Are all the modules the course relies on present?"""
    assert {"activations", "losses", "functional", "layers", "network", "optimizers", "init",
            "regularization", "schedules", "training", "gradcheck", "autodiff", "perceptron", "data",
            "metrics", "tuning"} <= set(MODULES)


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_function_and_class_has_a_docstring(module_name):
    """Does each public function/class (and each public method of a class) carry a docstring?"""
    module = importlib.import_module(f"nnlib.{module_name}")
    assert (module.__doc__ or "").strip(), f"nnlib.{module_name} has no module docstring"
    missing = []
    for name, obj in _public(module):
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(obj):
            for method_name, method in vars(obj).items():
                if inspect.isfunction(method) and not method_name.startswith("_") \
                        and not (inspect.getdoc(method) or "").strip():
                    missing.append(f"{name}.{method_name}")
    assert missing == []
