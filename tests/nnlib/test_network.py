"""Tests for nnlib.network: Sequential (forward, backward, parameters, repr), count_parameters,
the 3-2-1 worked example and the hand-set XOR network."""
import numpy as np
import pytest

from nnlib import losses
from nnlib.gradcheck import check_layer, numerical_gradient, relative_error
from nnlib.layers import Activation, BatchNorm, Dense, Dropout
from nnlib.network import Sequential, count_parameters

TOL = 1e-7


def assert_digits(value, expected: str):
    """``value`` rounds to ``expected`` at the number of decimals written (half a unit in the last place)."""
    decimals = len(expected.split(".")[1])
    assert abs(float(value) - float(expected)) <= 0.5 * 10.0**-decimals, f"{value} does not round to {expected}"


def small_net(rng=0):
    return Sequential([Dense(3, 4, rng=rng), Activation("relu"), Dense(4, 2, rng=rng)])


# ----------------------------------------------------------- count_parameters
@pytest.mark.parametrize("sizes, expected", [([3, 4, 2], 26), ([3, 4, 4, 1], 41), ([2, 1], 3), ((64, 64, 10), 4810)])
def test_count_parameters_examples(sizes, expected):
    """Is the count sum(n_in * n_out + n_out) over consecutive layers (3-4-2 -> 26, 3-4-4-1 -> 41)?"""
    assert count_parameters(sizes) == expected


@pytest.mark.parametrize(
    "sizes, message",
    [
        ([3], r"at least 2 sizes \(input and output\), got \[3\]"),
        ([], r"at least 2 sizes"),
        ([3, 0, 2], r"positive integers, got 0 at position 1 of \[3, 0, 2\]"),
        ([3, -4], r"positive integers, got -4 at position 1"),
        ([3, 2.5], r"positive integers, got 2.5 at position 1"),
    ],
)
def test_count_parameters_rejects_bad_sizes(sizes, message):
    """Are too-short lists and non-positive or fractional sizes rejected with the offending value?"""
    with pytest.raises(ValueError, match=message):
        count_parameters(sizes)


def test_sequential_count_matches_count_parameters():
    """Does a 3-4-4-1 Sequential hold exactly count_parameters([3, 4, 4, 1]) numbers?"""
    model = Sequential([Dense(3, 4, rng=0), Activation("tanh"), Dense(4, 4, rng=0), Activation("tanh"), Dense(4, 1, rng=0)])
    assert model.count_parameters() == count_parameters([3, 4, 4, 1]) == 41


# ----------------------------------------------------------------------- repr
def test_repr_shows_each_layer_its_parameters_and_the_total():
    """Does the repr list every layer with its parameter count and end with the total 26?"""
    text = repr(small_net())
    assert text == (
        "Sequential(\n"
        "  (0): Dense(3 -> 4, he_normal)   16 params\n"
        "  (1): Activation(relu)\n"
        "  (2): Dense(4 -> 2, he_normal)   10 params\n"
        ")  total 26 parameters"
    )


# ----------------------------------------------------------------- container
def test_len_getitem_iter():
    """Can a Sequential be measured, indexed and iterated like a list of its layers?"""
    model = small_net()
    assert len(model) == 3
    assert isinstance(model[1], Activation)
    assert list(model) == model.layers


def test_sequential_rejects_things_that_are_not_layers():
    """Does Sequential say which entry is not a layer and what it lacks?"""
    with pytest.raises(TypeError, match=r"layer 1 \(function\) is not a layer: it has no forward"):
        Sequential([Dense(2, 2, rng=0), lambda X: X])


def test_parameters_are_the_layers_own_arrays():
    """Are parameters() and gradients() keyed "<index>.<name>" and the very arrays the layers hold?"""
    model = small_net()
    params, grads = model.parameters(), model.gradients()
    assert list(params) == ["0.W", "0.b", "2.W", "2.b"]
    assert list(grads) == list(params)
    assert params["0.W"] is model[0].params["W"] and params["2.b"] is model[2].params["b"]
    assert grads["0.W"] is model[0].grads["W"] and grads["2.b"] is model[2].grads["b"]


def test_updating_parameters_in_place_changes_the_model():
    """Does an in-place update of parameters()["2.b"] change what the network predicts?"""
    model = small_net()
    X = np.ones((2, 3))
    before = model.predict(X)
    model.parameters()["2.b"] += 1.0
    np.testing.assert_allclose(model.predict(X), before + 1.0)


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("seed", range(4))
def test_network_gradients_match_finite_differences(seed):
    """Do the network's gradients (all layers) match finite differences of an MSE loss?"""
    rng = np.random.default_rng(seed)
    n, d, h, c = rng.integers(3, 6, size=4)  # N >= 3: BatchNorm's dX is degenerate for N = 2
    model = Sequential([Dense(d, h, rng=rng), Activation("tanh"), BatchNorm(h), Dense(h, c, rng=rng), Activation("sigmoid")])
    X, Y = rng.normal(size=(n, d)), rng.uniform(size=(n, c))
    model.zero_grad()
    dX = model.backward(losses.mse_grad(model.forward(X), Y))

    def loss(_):
        return losses.mse(model.forward(X), Y)

    assert relative_error(dX, numerical_gradient(loss, X)) <= TOL
    for key, p in model.parameters().items():
        assert relative_error(model.gradients()[key], numerical_gradient(loss, p)) <= TOL, key


@pytest.mark.parametrize("seed", range(3))
def test_check_layer_accepts_a_whole_network_with_dropout(seed):
    """Can check_layer verify a whole Sequential, dropout included, to 1e-7?"""
    rng = np.random.default_rng(seed)
    model = Sequential([Dense(4, 5, rng=rng), Activation("gelu"), Dropout(0.3, rng=seed), Dense(5, 3, rng=rng), Activation("softmax")])
    errors = check_layer(model, rng.normal(size=(6, 4)), seed=seed)
    assert set(errors) == {"X", "0.W", "0.b", "3.W", "3.b"}
    assert max(errors.values()) <= TOL


def test_backward_accumulates_and_zero_grad_clears_every_layer():
    """Do two backward passes double every gradient, and does zero_grad clear them all?"""
    model = small_net()
    X, dY = np.random.default_rng(1).normal(size=(5, 3)), np.ones((5, 2))
    model.forward(X)
    model.backward(dY)
    once = {k: g.copy() for k, g in model.gradients().items()}
    model.backward(dY)
    for k, g in model.gradients().items():
        np.testing.assert_allclose(g, 2 * once[k])
    model.zero_grad()
    assert all(not np.any(g) for g in model.gradients().values())


def test_predict_is_the_forward_pass_in_test_mode():
    """Does predict switch dropout off (deterministic) and use batch-norm's running statistics?"""
    model = Sequential([Dense(3, 8, rng=0), BatchNorm(8), Dropout(0.5, rng=0), Dense(8, 1, rng=0)])
    X = np.random.default_rng(2).normal(size=(4, 3))
    running = {k: v.copy() for k, v in model[1].running.items()}
    first = model.predict(X)
    np.testing.assert_array_equal(model.predict(X), first)
    np.testing.assert_allclose(first, model.forward(X, training=False))
    np.testing.assert_array_equal(model[1].running["mean"], running["mean"])  # no update at test time
    assert not np.allclose(model.forward(X, training=True), first)


# ------------------------------------------------------------ worked examples
def test_xor_with_a_hand_set_relu_network():
    """Does the ReLU network W = [[1, 1], [1, 1]], c = (0, -1), w = (1, -2), b = 0 compute XOR?"""
    model = Sequential([Dense(2, 2, rng=0), Activation("relu"), Dense(2, 1, rng=0)])
    params = model.parameters()
    params["0.W"][:] = [[1, 1], [1, 1]]
    params["0.b"][:] = [0, -1]
    params["2.W"][:] = [[1], [-2]]
    params["2.b"][:] = [0]
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    np.testing.assert_array_equal(model.predict(X), [[0], [1], [1], [0]])


def test_worked_example_3_2_1():
    """Does the notes' 3-2-1 sigmoid network reproduce o4, o5, o6, the errors and the updated weights (eta = 0.9)?

    Err_j in the notes is -dE/dz_j for E = 1/2 (t - o6)^2 = mse / 2; with one sample it equals -grads["b"].
    """
    model = Sequential([Dense(3, 2, rng=0), Activation("sigmoid"), Dense(2, 1, rng=0), Activation("sigmoid")])
    p = model.parameters()
    p["0.W"][:] = [[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]]  # column 0: unit 4, column 1: unit 5
    p["0.b"][:] = [-0.4, 0.2]
    p["2.W"][:] = [[-0.3], [-0.2]]  # w46, w56
    p["2.b"][:] = [0.1]
    x, t, eta = np.array([[1.0, 0.0, 1.0]]), np.array([[1.0]]), 0.9

    hidden = model[1].forward(model[0].forward(x))  # the forward pass one layer at a time
    o6 = model[3].forward(model[2].forward(hidden))
    np.testing.assert_array_equal(o6, model.forward(x))
    o4, o5 = hidden[0]
    assert_digits(o4, "0.332")
    assert_digits(o5, "0.525")
    assert_digits(o6[0, 0], "0.474")

    model.zero_grad()
    model.backward(losses.mse_grad(o6, t) / 2)
    g = model.gradients()
    err6, (err4, err5) = -g["2.b"][0], -g["0.b"]
    # The notes print Err6 = 0.1311 because they evaluate o6 (1 - o6)(t - o6) with o6
    # already rounded to 0.474; unrounded it is 0.13117, within one unit of the 4th decimal.
    assert_digits(0.474 * (1 - 0.474) * (1 - 0.474), "0.1311")
    assert abs(err6 - 0.1311) <= 1e-4
    assert_digits(err6, "0.1312")
    assert_digits(err5, "-0.0065")
    assert_digits(err4, "-0.0087")

    for key in p:
        p[key] -= eta * g[key]  # gradient descent: subtract
    assert_digits(p["2.W"][0, 0], "-0.261")  # w46
    assert_digits(p["2.W"][1, 0], "-0.138")  # w56
    assert_digits(p["2.b"][0], "0.218")  # b6
    assert_digits(p["0.W"][0, 1], "-0.306")  # w15
    assert_digits(p["0.W"][2, 1], "0.194")  # w35
    assert_digits(p["0.b"][1], "0.194")  # b5
    assert_digits(p["0.b"][0], "-0.408")  # b4
