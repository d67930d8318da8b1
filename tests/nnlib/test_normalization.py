"""Tests for batch and layer normalisation against PyTorch, layer norm's own behaviour, and the init scales
against torch.nn.init (committed reference values, and live when torch is installed)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from nnlib import functional as F
from nnlib import init
from nnlib.gradcheck import numerical_gradient, relative_error

TORCH_REFERENCE = Path(__file__).with_name("torch_reference")
REFERENCE = json.loads((TORCH_REFERENCE / "normalization.json").read_text())


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_normalization", TORCH_REFERENCE / "make_normalization.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_nnlib_matches(case, momentum, eps):
    """nnlib's output and gradients equal a torch case's to 1e-10 (float64)."""
    X, gamma, beta, G = (np.array(case[k]) for k in ("X", "gamma", "beta", "G"))
    what = f"{case['kind']} on X of shape {X.shape}"
    if case["kind"] == "batchnorm":
        running = {"mean": np.array(case["running_mean"]), "var": np.array(case["running_var"])}
        Y, cache = F.batchnorm_forward(X, gamma, beta, running, True, momentum=momentum, eps=eps)
        dX, dgamma, dbeta = F.batchnorm_backward(G, cache)
        np.testing.assert_allclose(running["mean"], case["running_mean_after"], rtol=1e-12, err_msg=what)
        np.testing.assert_allclose(running["var"], case["running_var_after"], rtol=1e-12, err_msg=what)
        Y_eval, _ = F.batchnorm_forward(X, gamma, beta, running, False, eps=eps)
        np.testing.assert_allclose(Y_eval, case["Y_eval"], rtol=1e-10, atol=1e-12, err_msg=what)
    else:
        Y, cache = F.layernorm_forward(X, gamma, beta, eps=eps)
        dX, dgamma, dbeta = F.layernorm_backward(G, cache)
    for got, key in ((Y, "Y"), (dX, "dX"), (dgamma, "dgamma"), (dbeta, "dbeta")):
        np.testing.assert_allclose(got, case[key], rtol=1e-9, atol=1e-12, err_msg=f"{what}: {key}")


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: f"{c['kind']}-{np.shape(c['X'])}")
def test_matches_pytorch_reference_values(case):
    """Do batch norm (training: output, running statistics, gradients; then evaluation) and layer norm equal
    torch.nn.functional's batch_norm and layer_norm with autograd's gradients?"""
    _assert_nnlib_matches(case, REFERENCE["momentum"], REFERENCE["eps"])


def test_reference_values_came_from_pytorch_and_the_generator():
    """Does the committed reference hold the generator's inputs, both kinds, written by torch 2?"""
    assert REFERENCE["torch_version"].split(".")[0] == "2"
    fixed = _load_generator().inputs()
    assert len(fixed) == len(REFERENCE["cases"])
    assert {c["kind"] for c in REFERENCE["cases"]} == {"batchnorm", "layernorm"}
    for case, given in zip(REFERENCE["cases"], fixed):
        np.testing.assert_array_equal(case["X"], given["X"])


@pytest.mark.parametrize("entry", REFERENCE["inits"], ids=lambda e: f"{e['n_in']}-{e['n_out']}")
def test_init_scales_match_torch_nn_init(entry):
    """Is init_scale torch.nn.init's std or bound for every scheme (Xavier gain 1, Kaiming gain sqrt(2) for
    He and 1 for LeCun), and do nnlib's draws have torch's variance and stay inside its bound?"""
    n_in, n_out = entry["n_in"], entry["n_out"]
    assert set(entry["scale"]) == set(init.SCHEMES)
    for scheme, scale in entry["scale"].items():
        assert init.init_scale(n_in, n_out, scheme) == pytest.approx(scale, rel=1e-12), scheme
        W = init.INITIALIZERS[scheme](n_in, n_out, rng=0)
        torch_draw = entry["draw"][scheme]
        target = scale**2 / 3 if scheme.endswith("uniform") else scale**2
        assert torch_draw["var"] == pytest.approx(target, rel=0.05)  # torch's own draw has that variance
        assert W.var() == pytest.approx(torch_draw["var"], rel=0.06), scheme
        if scheme.endswith("uniform"):
            assert np.abs(W).max() <= scale and torch_draw["max_abs"] <= scale


def test_matches_pytorch_live():
    """With torch installed, do nnlib's normalisations equal what torch computes now (and the committed values)?"""
    pytest.importorskip("torch", reason="torch is not installed (CI installs only .[dev]); "
                                        "the committed reference values are tested instead")
    live = _load_generator().torch_cases()
    for case, committed in zip(live["cases"], REFERENCE["cases"]):
        _assert_nnlib_matches(case, live["momentum"], live["eps"])
        np.testing.assert_allclose(case["Y"], committed["Y"], rtol=1e-12, atol=1e-15)
    for entry, committed in zip(live["inits"], REFERENCE["inits"]):
        assert entry["scale"] == pytest.approx(committed["scale"], rel=1e-15)


# ------------------------------------------------------------------ the chapter's worked numbers
def test_batchnorm_of_one_to_four():
    """BN on (1, 2, 3, 4): mean 2.5, variance 1.25, x_hat (-1.342, -0.447, 0.447, 1.342); gamma 2, beta 0.5 gives
    (-2.183, -0.394, 1.394, 3.183)?"""
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    running = {"mean": np.zeros(1), "var": np.ones(1)}
    Y, cache = F.batchnorm_forward(X, np.array([2.0]), np.array([0.5]), running, True)
    np.testing.assert_allclose(cache["inv_std"], 1 / np.sqrt(1.25 + 1e-5))
    np.testing.assert_allclose(cache["x_hat"].ravel().round(3), [-1.342, -0.447, 0.447, 1.342])
    np.testing.assert_allclose(Y.ravel().round(3), [-2.183, -0.394, 1.394, 3.183])


def test_layernorm_against_batchnorm_on_two_rows():
    """On [[1, 2, 3, 4], [2, 4, 6, 8]], does LN give (-1.342, -0.447, 0.447, 1.342) in each row and BN -1 and +1
    in each column?"""
    X = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]])
    Y_ln, _ = F.layernorm_forward(X, np.ones(4), np.zeros(4))
    np.testing.assert_allclose(Y_ln.round(3), [[-1.342, -0.447, 0.447, 1.342]] * 2)
    Y_bn, _ = F.batchnorm_forward(X, np.ones(4), np.zeros(4), {"mean": np.zeros(4), "var": np.ones(4)}, True)
    np.testing.assert_allclose(Y_bn, [[-1.0] * 4, [1.0] * 4], atol=1e-4)  # eps keeps them just inside ±1


def test_layernorm_normalises_each_row_whatever_the_batch():
    """Is each LN row mean 0 and variance ~1, and is a row's output the same alone or in a batch?"""
    X = np.random.default_rng(1).normal(4.0, 3.0, size=(6, 5))
    g, b = np.ones(5), np.zeros(5)
    Y, _ = F.layernorm_forward(X, g, b)
    np.testing.assert_allclose(Y.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(Y.var(axis=1), 1, rtol=1e-4)
    np.testing.assert_allclose(F.layernorm_forward(X[2:3], g, b)[0], Y[2:3], rtol=1e-14)


@pytest.mark.parametrize("seed", range(3))
def test_layernorm_backward_matches_finite_differences(seed):
    """Are dX, dgamma and dbeta of layer norm the gradients of sum(Y * R)?"""
    rng = np.random.default_rng(seed)
    n, d = rng.integers(1, 6), rng.integers(3, 7)
    X = rng.normal(size=(n, d)) * 2 + 1
    gamma, beta, R = rng.normal(size=d), rng.normal(size=d), rng.normal(size=(n, d))
    _, cache = F.layernorm_forward(X, gamma, beta)
    dX, dgamma, dbeta = F.layernorm_backward(R, cache)

    def loss(_):
        return np.sum(F.layernorm_forward(X, gamma, beta)[0] * R)

    for analytic, arr in ((dX, X), (dgamma, gamma), (dbeta, beta)):
        assert relative_error(analytic, numerical_gradient(loss, arr)) <= 1e-7


def test_layernorm_errors_and_float32():
    """Are a mismatched gamma and a wrong dY shape reported clearly, and does float32 stay float32?"""
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\) to match X \(4, 3\), got \(2,\)"):
        F.layernorm_forward(np.zeros((4, 3)), np.ones(2), np.zeros(3))
    _, cache = F.layernorm_forward(np.arange(6.0).reshape(3, 2), np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"dY must have shape \(3, 2\) like X, got \(2, 3\)"):
        F.layernorm_backward(np.zeros((2, 3)), cache)
    X = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    Y, cache = F.layernorm_forward(X, np.ones(3, np.float32), np.zeros(3, np.float32))
    assert Y.dtype == np.float32
    assert all(a.dtype == np.float32 for a in F.layernorm_backward(np.ones_like(X), cache))
