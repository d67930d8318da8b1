"""Chapter 08's capstone contract, points, description and preview (autograder/checking/capstone.py).

Every contract violation is shown failing with the sentence a student
reads; describe -> rebuild is shown to give the same forward pass; the
preview of the reference solution is shown to reach 95 % on its own
validation split, and a broken model or a peeking ``train`` to fail it.
"""
import itertools
import re

import numpy as np
import pytest

from autograder import capstone_preview
from autograder.checking import capstone
from autograder.checking.capstone import (
    ModelError,
    describe,
    points,
    rebuild,
    train_capstone,
)
from nnlib.data import load_digits
from nnlib.layers import Activation, BatchNorm, Dense, Dropout, Standardize
from nnlib.network import Sequential
from nnlib.optimizers import Adam
from nnlib.training import fit


def build_model(rng):
    return Sequential([Standardize(np.zeros(64), np.ones(64)),
                       Dense(64, 128, rng=rng), Activation("relu"), Dropout(0.2, rng=rng),
                       Dense(128, 10, rng=rng)])


def train(model, X, y, rng):
    model.layers[0].adapt(X)
    fit(model, "softmax_cross_entropy", Adam(lr=1e-3), X, y, epochs=60, batch_size=32, rng=rng, progress=False)
    return model


def untrained(model, X, y, rng):
    return model


X5 = load_digits()[0][:5]


# ------------------------------------------------------------- points


@pytest.mark.parametrize("accuracy, expected", [
    (0.79, 0.0), (0.80, 0.0), (0.85, 3.5), (0.90, 6.5), (0.95, 10.0), (1.0, 10.0),
    (0.0, 0.0), (float("nan"), 0.0), (0.94, 9.5), (0.9466, 10.0), (0.8075, 0.5)])
def test_points_follow_the_rule(accuracy, expected):
    # 10 (a - 0.80) / 0.15: 0.85 -> 3.33 -> 3.5, 0.90 -> 6.67 -> 6.5, 0.94 -> 9.33 -> 9.5, 0.9466 -> 9.77 -> 10, 0.8075 -> 0.5
    assert points(accuracy) == expected


def test_points_rise_with_accuracy_in_halves():
    grid = np.linspace(0.7, 1.0, 301)
    earned = [points(a) for a in grid]
    assert all(b >= a for a, b in itertools.pairwise(earned))
    assert all(2 * p == int(2 * p) for p in earned)


# ------------------------------------------------------------- describe / rebuild


def every_layer_model():
    rng = np.random.default_rng(3)
    model = Sequential([Standardize(rng.uniform(0, 8, 64), rng.uniform(0.5, 4, 64)),
                        Dense(64, 20, rng=rng), BatchNorm(20), Activation("leaky_relu", alpha=0.05),
                        Dropout(0.3, rng=rng), Dense(20, 10, rng=rng), Activation("softmax")])
    X = rng.uniform(0, 16, (40, 64))
    for _ in range(3):  # training-mode passes move the running statistics away from 0 and 1
        model.forward(X, training=True)
    model.layers[2].params["gamma"][...] = rng.uniform(0.5, 2, 20)
    return model


def test_describe_then_rebuild_gives_the_same_forward():
    model = every_layer_model()
    X = np.random.default_rng(4).uniform(0, 16, (30, 64))
    copy = rebuild(describe(model))
    assert [type(layer) for layer in copy.layers] == [type(layer) for layer in model.layers]
    assert np.abs(copy.forward(X, training=False) - model.forward(X, training=False)).max() <= 1e-12
    assert copy.layers[3].kwargs == {"alpha": 0.05}
    assert copy.count_parameters() == model.count_parameters() == 64 * 20 + 20 + 2 * 20 + 20 * 10 + 10


def test_one_layer_may_hold_what_the_wire_format_carries():
    from autograder.sandbox.encode import MAX_ELEMENTS

    assert capstone.MAX_LAYER_VALUES == MAX_ELEMENTS


def test_describe_survives_the_wire_format():
    import json

    from autograder.sandbox.encode import decode, dumps, encode

    model = every_layer_model()
    X = np.random.default_rng(5).uniform(0, 16, (8, 64))
    copy = rebuild(decode(json.loads(dumps(encode(describe(model))))))
    assert np.abs(copy.forward(X, training=False) - model.forward(X, training=False)).max() <= 1e-12


def test_describe_refuses_a_foreign_layer():
    class MyDense(Dense):
        pass

    model = Sequential([MyDense(64, 10, rng=0)])
    with pytest.raises(ModelError, match=r"not a Sequential of nnlib layers \(layer 0 is a MyDense\)"):
        describe(model)
    with pytest.raises(ModelError, match=r"not a Sequential of nnlib layers \(dict\)"):
        describe({"W": np.zeros((64, 10))})


def dense(W, b=None):
    return {"layer": "Dense", "W": W, "b": np.zeros(W.shape[1]) if b is None else b}


@pytest.mark.parametrize("description, message", [
    ([dense(np.zeros((64, 7)))], "maps 64 pixels to 7 scores, expected 10"),
    ([dense(np.zeros((32, 10)))], "takes 32 inputs"),
    ([dense(np.zeros((64, 20))), dense(np.zeros((30, 10)))], "takes 30 features but the layer before it gives 20"),
    ([dense(np.full((64, 10), np.nan))], "W holds NaN"),
    ([dense(np.zeros((64, 10)), np.zeros(3))], "b has shape"),
    ([dense(np.zeros((64, 10), dtype=np.int64))], "W is not a 2-d float array"),
    ([{"layer": "Lambda", "code": "..."}], "not one of nnlib's layers"),
    ([dense(np.zeros((64, 10))), {"layer": "Activation", "name": "os.system"}], "unknown activation"),
    ([dense(np.zeros((64, 10))), {"layer": "Dropout", "p": 1.5}], "p must be a number in"),
    ([{"layer": "Standardize", "mean": np.zeros(64), "std": np.zeros(64)}, dense(np.zeros((64, 10)))],
     "std must be > 0"),
    ([dense(np.zeros((64, 2300))), dense(np.zeros((2300, 2300))), dense(np.zeros((2300, 10)))],
     "parameters, more than the limit of 5,000,000"),
    ("not a list", "not a non-empty list"),
])
def test_rebuild_refuses_a_description_that_breaks_the_contract(description, message):
    with pytest.raises(ModelError, match=re.escape(message)):
        rebuild(description)


# ------------------------------------------------------------- the contract, as a student reads it


class NotALayer:
    params, grads = {}, {}

    def forward(self, X, training=True):
        return X[:, :10]

    def backward(self, dY):
        return dY

    def zero_grad(self):
        pass


@pytest.mark.parametrize("make, message", [
    (lambda rng: {"W": 0}, "build_model must return an nnlib Sequential, got dict"),
    (lambda rng: None, "build_model returned None: return the network"),
    (lambda rng: Sequential([Dense(64, 7, rng=rng)]), "the model maps 64 pixels to 7 scores, expected 10"),
    (lambda rng: Sequential([Dense(32, 10, rng=rng)]), "the model takes 32 inputs (layer 0, Dense(32 -> 10, he_normal)), expected 64 pixels"),
    (lambda rng: Sequential([NotALayer()]), "layer 0 of the model is a NotALayer, not one of nnlib's layers"),
    (lambda rng: Sequential([Dense(64, 1000, rng=0)] + [Dense(1000, 1000, rng=0) for _ in range(5)]
                            + [Dense(1000, 10, rng=0)]),
     "the model has 5,080,010 parameters, more than the limit of 5,000,000"),
    (lambda rng: Sequential([Dense(64, 20000, rng=0), Dense(20000, 10, rng=0)]),
     "layer 0 (Dense(64 -> 20000, he_normal)) has 1,280,000 weights, more than the 1,000,000 one layer may have"),
])
def test_build_model_breaking_the_contract_is_named(make, message):
    run = train_capstone(make, untrained, X5, np.arange(5), seconds=10)
    assert run.kind == "contract" and run.model is None
    assert run.problem.startswith(message)
    with pytest.raises(AssertionError, match=re.escape(f"capstone: {message}")):
        capstone_preview(make, untrained)


def test_train_returning_none_is_named():
    def forgets(model, X, y, rng):
        train(model, X, y, rng)

    with pytest.raises(AssertionError, match=re.escape("train returned None: return the trained model")):
        capstone_preview(build_model, forgets)


def test_a_stub_is_named_as_not_implemented():
    def stub(rng):
        raise NotImplementedError

    run = train_capstone(stub, untrained, X5, np.arange(5), seconds=10)
    assert run.kind == "error"
    assert re.fullmatch(r"build_model is not implemented yet \(it raises NotImplementedError "
                        r"\(in stub, line \d+: raise NotImplementedError\)\)", run.problem)


def test_a_diverged_model_is_named():
    def diverges(model, X, y, rng):
        model.layers[1].params["W"][0, 0] = np.nan
        return model

    run = train_capstone(build_model, diverges, X5, np.arange(5), seconds=10)
    assert run.kind == "contract" and run.problem == (
        "the model's parameter 1.W holds NaN or infinite values: the training diverged")


def test_train_that_scales_inside_and_returns_another_network_is_judged_on_raw_pixels():
    # A model whose forward fails on 64 raw pixels: the 'model' train returns expects 63 features.
    def swaps(model, X, y, rng):
        return Sequential([Dense(63, 10, rng=0)])

    run = train_capstone(build_model, swaps, X5, np.arange(5), seconds=10)
    assert run.problem.startswith("the model takes 63 inputs")


def test_calling_the_data_loader_in_train_is_flagged_even_after_an_earlier_load():
    load_digits()  # the cache is warm, as it is in a notebook that used the digits before

    def peeks(model, X, y, rng):
        from nnlib.data import load_digits as again
        X_all, y_all = again()
        return train(model, X_all, y_all, rng)

    def reads(model, X, y, rng):
        from nnlib import data
        data._read_digits()
        return model

    run = train_capstone(build_model, peeks, X5, np.arange(5), seconds=10)
    assert (run.kind, run.problem) == ("flagged", ("train called nnlib.data.load_digits; "
                                                  "the capstone trains only on the X, y it is given"))
    run = train_capstone(build_model, reads, X5, np.arange(5), seconds=10)
    assert run.kind == "flagged" and run.problem.startswith("train called nnlib.data._read_digits;")
    assert load_digits()[0].shape == (1797, 64)  # unblocked again afterwards


def test_a_loop_forever_and_an_exception_are_reported_with_the_line():
    def loops(model, X, y, rng):
        while True:
            pass

    def raises(model, X, y, rng):
        return model.fit(X, y)

    run = train_capstone(build_model, loops, X5, np.arange(5), seconds=0.3)
    assert run.kind == "timeout" and run.problem == "build_model and train took longer than the 0.3 s limit"
    assert 0.3 <= run.seconds < 2
    run = train_capstone(build_model, raises, X5, np.arange(5), seconds=10)
    assert run.kind == "error"
    assert re.fullmatch(r"train raised AttributeError: 'Sequential' object has no attribute 'fit' "
                        r"\(in raises, line \d+: return model.fit\(X, y\)\)", run.problem)


# ------------------------------------------------------------- the preview


def test_preview_of_the_reference_reaches_95_percent_on_its_validation_split(capsys):
    capstone_preview(build_model, train)
    out = capsys.readouterr().out
    assert "a preview on your own validation split, not your grade" in out
    accuracy = float(re.search(r"validation accuracy: ([\d.]+)% \((\d+) of 337\)", out).group(1))
    assert accuracy >= 95.0
    seconds = float(re.search(r"took ([\d.]+) s of the 120 s limit", out).group(1))
    assert seconds < 60
    assert "would earn 10 of 10 points" in out
    rows = [line.split()[1:11] for line in out.splitlines() if re.match(r"\s+\d \s", line)]
    M = np.array(rows, dtype=int)
    assert M.shape == (10, 10) and M.sum() == 337 and np.trace(M) == round(accuracy / 100 * 337)


def test_preview_of_an_untrained_model_earns_nothing(capsys):
    capstone_preview(build_model, untrained)
    out = capsys.readouterr().out
    accuracy = float(re.search(r"validation accuracy: ([\d.]+)%", out).group(1))
    assert accuracy < 30 and "would earn 0 of 10 points" in out


def test_preview_while_nbgrader_grades_checks_only_the_contract(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    seen = []

    def records(model, X, y, rng):
        seen.append(X.shape)
        return train(model, X, y, rng)

    capstone_preview(build_model, records)
    assert seen == [(5, 64)]
    assert "the held-out accuracy is measured by the grader after grading" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="train returned None"):
        capstone_preview(build_model, lambda model, X, y, rng: None)


def test_the_training_split_is_stratified_and_follows_the_course_secret(monkeypatch):
    monkeypatch.delenv("NNCOURSE_CASE_SECRET", raising=False)
    X_train, X_held, _y_train, y_held = capstone.training_split()
    assert X_train.shape == (1348, 64) and X_held.shape == (449, 64)
    assert np.bincount(y_held, minlength=10).min() >= 17  # every digit held out, ~45 each
    monkeypatch.setenv("NNCOURSE_CASE_SECRET", "c0ffee")
    other = capstone.training_split()[1]
    assert not np.array_equal(np.sort(other, axis=0), np.sort(X_held, axis=0))
