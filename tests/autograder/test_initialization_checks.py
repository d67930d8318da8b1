"""Chapter 06's checks beyond the generic catalogue tests: the numbers the labels promise, honest variants
that must pass, the gradient check of batchnorm_backward, and the messages a student reads."""
from __future__ import annotations

import itertools

import numpy as np

from autograder import run_check
from autograder.checking.checks import get_spec
from autograder.checking.checks import initialization as C


def _output(name, label_start):
    spec = get_spec(name)
    case = next(c for c in spec.visible_cases() if c.label.startswith(label_start))
    return spec.reference(*case.args, **case.kwargs)


# ---------------------------------------------------------------- the numbers the labels promise

def test_scale_labels_state_the_reference_numbers():
    assert round(_output("initialization.init_scale", "hand-worked: 784 -> 256, xavier_uniform"), 4) == 0.0760
    assert round(_output("initialization.init_scale", "hand-worked: 784 -> 256, he_normal"), 4) == 0.0505
    assert round(_output("initialization.init_scale", "784 -> 256, xavier_normal"), 4) == 0.0439
    assert round(_output("initialization.init_scale", "784 -> 256, he_uniform"), 4) == 0.0875


def test_stds_labels_state_the_reference_numbers():
    exploding = _output("initialization.activation_stds", "the table's explosion")
    assert f"{exploding[-1]:.1e}" == "3.1e+08"
    assert all(6 < b / a < 9 for a, b in itertools.pairwise(exploding))  # about sqrt(50) = 7.1 a layer
    stable = _output("initialization.activation_stds", "the table's fix")
    assert all(0.8 <= s <= 1.2 for s in stable)
    assert _output("initialization.activation_stds", "5 tanh layers")[-1] < 1e-5


def test_standardize_and_normalization_labels_state_the_reference_numbers():
    Xs, mean, std = _output("initialization.standardize", "hand-worked")
    np.testing.assert_allclose(mean, [40, 57500])
    assert (round(std[0], 2), round(std[1])) == (11.18, 23848)
    Xs, _, std = _output("initialization.standardize", "a constant column")
    assert std[1] == 1.0 and not Xs[:, 1].any()
    Y, _cache, mean, var = _output("initialization.batchnorm_forward", "hand-worked")
    np.testing.assert_allclose(Y.ravel().round(3), [-2.183, -0.394, 1.394, 3.183])
    np.testing.assert_allclose(mean, [0.25])  # 0.9 * 0 + 0.1 * 2.5
    np.testing.assert_allclose(var, [0.9 + 0.1 * 5 / 3])  # unbiased batch variance 5/3
    Y = _output("initialization.layernorm_forward", "hand-worked")
    np.testing.assert_allclose(Y.round(3), [[-1.342, -0.447, 0.447, 1.342]] * 2)
    dX, _, _ = _output("initialization.batchnorm_backward", "hand-worked")
    assert np.all(dX[1:] != 0) and abs(dX.sum()) < 1e-12  # every sample gets gradient; they sum to 0
    dX, _, _ = _output("initialization.batchnorm_backward", "dY = 1 everywhere")
    np.testing.assert_allclose(dX, 0, atol=1e-12)


# ---------------------------------------------------------------- honest variants pass

def test_honest_variants_pass():
    """Other correct ways of writing the exercises earn full marks."""
    def init_scale(n_in, n_out, scheme):
        fan = {"xavier": (n_in + n_out) / 2, "he": n_in / 2, "lecun": n_in}[scheme.split("_")[0]]
        return (3 / fan) ** 0.5 if scheme.endswith("uniform") else (1 / fan) ** 0.5

    def he_normal(n_in, n_out, rng):
        return rng.normal(size=(n_in, n_out)) * np.sqrt(2 / n_in)  # N(0, 1) scaled: the same stream

    def standardize(X, mean=None, std=None):
        if mean is None:
            mean = np.mean(X, axis=0)
            std = np.sqrt(np.mean((X - mean) ** 2, axis=0))
            std[std == 0] = 1
        return (X - mean) / std, mean, std

    def batchnorm_backward(dY, cache):  # the long staged form of CS231n
        x_hat, gamma, inv_std = cache
        n = dY.shape[0]
        dx_hat = dY * gamma
        dvar = np.sum(dx_hat * x_hat, axis=0) * -0.5 * inv_std**2
        dmu = -np.sum(dx_hat * inv_std, axis=0)
        x_mu = x_hat / inv_std
        dX = dx_hat * inv_std + dvar * 2 * x_mu / n + dmu / n
        return dX, np.sum(dY * x_hat, axis=0), np.sum(dY, axis=0)

    for name, func in (("init_scale", init_scale), ("he_normal", he_normal), ("standardize", standardize),
                       ("batchnorm_backward", batchnorm_backward)):
        result = run_check(f"initialization.{name}", func, hidden=True)
        assert result.ok, result.report()


def test_activation_stds_from_the_students_own_pieces_passes():
    def activation_stds(n_layers, width, init, activation, rng, n_samples=1000):
        f = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[activation]
        A = rng.standard_normal((n_samples, width))
        out = []
        for _ in range(n_layers):
            if isinstance(init, str):
                scale = C.init.init_scale(width, width, init)
                W = rng.uniform(-scale, scale, (width, width)) if init.endswith("uniform") else \
                    rng.normal(0, scale, (width, width))
            else:
                W = rng.normal(0, init, (width, width))
            A = f(A @ W)
            out.append(A.std())
        return out

    result = run_check("initialization.activation_stds", activation_stds, hidden=True)
    assert result.ok, result.report()


# ---------------------------------------------------------------- gradient check and messages

def test_a_backward_that_matches_no_catalogued_mistake_fails_the_gradient_check():
    def backward(dY, cache):
        x_hat, gamma, inv_std = cache
        return dY * gamma * inv_std * 0.5, np.sum(dY * x_hat, axis=0), np.sum(dY, axis=0)

    result = run_check("initialization.batchnorm_backward", backward)
    report = result.report()
    assert not result.ok and any(f.kind == "gradient" for f in result.failures)
    assert "dX of sum(Y * G) against centred differences" in report


def test_failure_messages_show_the_case_and_hint():
    spec = get_spec("initialization.batchnorm_forward")
    report = run_check(spec, spec.mistakes[0].wrong).report()
    assert "hand-worked: one feature (1, 2, 3, 4)" in report
    assert "biased batch variance" in report
    spec = get_spec("initialization.xavier_uniform")
    report = run_check(spec, spec.mistakes[0].wrong).report()
    assert "returned shape (2, 3), expected (3, 2)" in report and "rng = np.random.default_rng(0)" in report
