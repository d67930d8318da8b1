"""Tests for nnlib.propagation: the chapter 06 table of activation stds, the backward product, the draws,
and gradient norms in training with and without batch norm."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from nnlib import init
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.propagation import (
    activation_stds,
    deep_signals,
    draw_weights,
    training_gradient_norms,
)

# the syllabus table: 10 layers of width 256, 1000 N(0, 1) samples, seed 0; std after layers 1 / 2 / 5 / 10
TABLE = [
    ("tanh", 0.01, ["0.157", "0.025", "1e-4", None]),
    ("tanh", 1.0, ["0.975", "0.974", "0.974", "0.974"]),
    ("tanh", "xavier_normal", ["0.629", "0.485", "0.320", "0.235"]),
    ("relu", 1.0, ["9.4", "103", "1.6e5", "3.0e10"]),
    ("relu", "xavier_normal", ["0.588", "0.401", "0.152", "0.028"]),
    ("relu", "he_normal", ["0.83", "0.80", "0.86", "0.88"]),
]


def _rounds_to(value, text):
    """``value`` written with the digits of ``text`` (fixed or e-notation) is ``text``."""
    if "e" in text:
        mantissa = text.split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return f"{value:.{decimals}e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e") == text
    decimals = len(text.split(".")[1]) if "." in text else 0
    return f"{value:.{decimals}f}" == text


@pytest.fixture(scope="module")
def table_stds():
    return {(act, init_): activation_stds(10, 256, init_, act, rng=0) for act, init_, _ in TABLE}


@pytest.mark.parametrize("activation, init_, shown", TABLE, ids=lambda x: str(x))
def test_activation_stds_reproduce_the_table(table_stds, activation, init_, shown):
    """Are the stds after layers 1, 2, 5 and 10 those of the chapter's table (seed 0)?"""
    stds = table_stds[(activation, init_)]
    assert len(stds) == 10 and all(isinstance(s, float) for s in stds)
    for layer, text in zip((1, 2, 5, 10), shown):
        if text is not None:
            assert _rounds_to(stds[layer - 1], text), f"layer {layer}: {stds[layer - 1]} is not {text}"
    if init_ == 0.01:
        assert stds[9] < 1e-7  # the signal is gone


def test_relu_with_standard_normal_grows_by_sqrt_of_half_the_width_per_layer(table_stds):
    """Does each N(0, 1) ReLU layer multiply the std by about sqrt(256 / 2) = 11.3 (the variance argument)?"""
    stds = np.array(table_stds[("relu", 1.0)])
    np.testing.assert_allclose(stds[1:] / stds[:-1], np.sqrt(128), rtol=0.1)


def test_draw_weights_uses_the_scheme_or_the_std():
    """Is draw_weights N(0, init^2) for a number and the scheme's own draw for a name?"""
    np.testing.assert_array_equal(draw_weights(5, 3, 0.5, 1), np.random.default_rng(1).normal(0.0, 0.5, (5, 3)))
    np.testing.assert_array_equal(draw_weights(5, 3, "xavier_uniform", 2), init.xavier_uniform(5, 3, 2))
    np.testing.assert_array_equal(draw_weights(5, 3, "he_normal", 2), init.he_normal(5, 3, 2))
    with pytest.raises(ValueError, match=r"init must be a standard deviation \(a number\) or one of xavier_uniform"):
        draw_weights(5, 3, "glorot", 0)


def test_deep_signals_gradients_are_the_gradients_of_the_sum_of_outputs():
    """Is dZ_k the gradient of L = sum(A_n) with respect to Z_k (centred differences on a small net)?"""
    s = deep_signals(3, 4, "xavier_normal", "tanh", rng=5, n_samples=2)
    W = s["W"]
    X = np.random.default_rng(5).standard_normal((2, 4))  # the same first draw as deep_signals'
    for k in range(3):
        A = X
        for W_j in W[:k]:
            A = np.tanh(A @ W_j)
        Z_k = A @ W[k]

        def loss(Z, after=W[k + 1:]):
            out = np.tanh(Z)
            for W_j in after:
                out = np.tanh(out @ W_j)
            return out.sum()

        assert relative_error(s["dZ"][k], numerical_gradient(loss, Z_k.copy())) < 1e-7


def test_sigmoid_gradients_vanish_layer_by_layer():
    """In 10 sigmoid layers (width 100, LeCun std 1/sqrt(n)) does mean |dZ| fall from ~0.24 at the top to <1e-6?"""
    s = deep_signals(10, 100, "lecun_normal", "sigmoid", rng=0)
    means = [float(np.abs(d).mean()) for d in s["dZ"]]
    assert 0.2 < means[-1] <= 0.25  # sigmoid' <= 0.25
    assert means[0] < 1e-6
    assert all(a < b for a, b in itertools.pairwise(means))


def test_backward_false_and_errors():
    """Does backward=False skip the gradients, and are bad arguments named?"""
    assert deep_signals(2, 3, 1.0, "relu", rng=0, n_samples=4, backward=False)["dZ"] == []
    with pytest.raises(ValueError, match=r"unknown activation 'rleu'"):
        activation_stds(2, 3, 1.0, "rleu")
    with pytest.raises(ValueError, match=r"n_layers must be a positive integer, got 0"):
        activation_stds(0, 3, 1.0, "relu")


@pytest.fixture(scope="module")
def bn_runs():
    return {bn: training_gradient_norms(8, "sigmoid", "xavier_normal", bn, steps=6, lr=0.1) for bn in (False, True)}


def test_training_gradient_norms_shapes_and_losses(bn_runs):
    """One norm per hidden layer per step and one loss per step, the loss starting near ln 10?"""
    norms, losses = bn_runs[False]
    assert norms.shape == (6, 8) and losses.shape == (6,)
    assert abs(losses[0] - np.log(10)) < 0.5


def test_batchnorm_keeps_the_first_layers_learning(bn_runs):
    """Without BN the first sigmoid layer's gradient is ~1e-4 of the last's; with BN within a factor of 10?"""
    plain, bn = bn_runs[False][0], bn_runs[True][0]
    assert plain[0, 0] < 1e-3 * plain[0, -1]
    assert bn[0, 0] > 0.1 * bn[0, -1]
    assert bn[0, 0] > 100 * plain[0, 0]
