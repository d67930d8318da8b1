"""Tests for nnlib.init: scales, shapes, reproducibility, the name table."""
import math

import numpy as np
import pytest

from nnlib import init
from nnlib.init import (
    INITIALIZERS,
    he_normal,
    he_uniform,
    normal,
    uniform,
    xavier_normal,
    xavier_uniform,
    zeros,
)

N_IN, N_OUT = 400, 600   # 240,000 draws: sample std within about 0.3 % of the target


def test_zeros_is_all_zero_float64():
    """Does zeros give a float64 array of the requested shape filled with 0?"""
    W = zeros((3, 2))
    assert W.shape == (3, 2) and W.dtype == np.float64
    assert not W.any()


def test_normal_and_uniform_scales():
    """Do normal(std) and uniform(limit) have std `std` and range [-limit, limit] (variance limit^2/3)?"""
    W = normal((500, 500), 0.5, rng=0)
    assert W.std() == pytest.approx(0.5, rel=0.01)
    assert abs(W.mean()) < 0.005
    U = uniform((500, 500), 2.0, rng=1)
    assert U.min() >= -2.0 and U.max() <= 2.0
    assert U.min() < -1.99 and U.max() > 1.99
    assert U.var() == pytest.approx(4.0 / 3.0, rel=0.01)


def test_xavier_uniform_limit_and_variance():
    """Does xavier_uniform stay inside ±sqrt(6/(n_in+n_out)) and fill that interval (variance 2/(n_in+n_out))?"""
    W = xavier_uniform(N_IN, N_OUT, rng=0)
    limit = math.sqrt(6.0 / (N_IN + N_OUT))
    assert W.shape == (N_IN, N_OUT)
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.999 * limit
    assert W.var() == pytest.approx(2.0 / (N_IN + N_OUT), rel=0.01)


def test_xavier_normal_std():
    """Does xavier_normal have std sqrt(2/(n_in+n_out))?"""
    W = xavier_normal(N_IN, N_OUT, rng=0)
    assert W.std() == pytest.approx(math.sqrt(2.0 / (N_IN + N_OUT)), rel=0.01)
    assert abs(W.mean()) < 0.01 * W.std()


def test_he_normal_std():
    """Does he_normal have std sqrt(2/n_in), independent of n_out?"""
    W = he_normal(N_IN, N_OUT, rng=0)
    assert W.std() == pytest.approx(math.sqrt(2.0 / N_IN), rel=0.01)
    assert W.std() != pytest.approx(math.sqrt(2.0 / (N_IN + N_OUT)), rel=0.1)


def test_he_uniform_limit_and_variance():
    """Does he_uniform stay inside ±sqrt(6/n_in) with variance 2/n_in?"""
    W = he_uniform(N_IN, N_OUT, rng=0)
    limit = math.sqrt(6.0 / N_IN)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.999 * limit
    assert W.var() == pytest.approx(2.0 / N_IN, rel=0.01)


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_table_entries_share_one_signature(name):
    """Does every INITIALIZERS entry map (n_in, n_out, rng) to a float64 (n_in, n_out) array?"""
    W = INITIALIZERS[name](5, 3, np.random.default_rng(0))
    assert W.shape == (5, 3) and W.dtype == np.float64


def test_table_names():
    """Does the table hold the names Dense(init=...) accepts, with 'normal' meaning std 0.01?"""
    assert set(INITIALIZERS) == {"zeros", "normal", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform",
                                 "lecun_normal", "lecun_uniform"}
    assert INITIALIZERS["he_normal"] is he_normal
    assert INITIALIZERS["normal"](N_IN, N_OUT, 0).std() == pytest.approx(0.01, rel=0.01)
    assert not INITIALIZERS["zeros"](2, 2, 0).any()


@pytest.mark.parametrize("name", ["normal", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform",
                                  "lecun_normal", "lecun_uniform"])
def test_seeds_make_draws_reproducible(name):
    """Do equal seeds give equal weights and different seeds different weights?"""
    f = INITIALIZERS[name]
    np.testing.assert_array_equal(f(4, 3, 7), f(4, 3, np.random.default_rng(7)))
    assert not np.array_equal(f(4, 3, 7), f(4, 3, 8))


def test_generator_is_advanced_not_reset():
    """Does one Generator passed twice give two different matrices (state carried, not reseeded)?"""
    rng = np.random.default_rng(0)
    assert not np.array_equal(he_normal(3, 3, rng), he_normal(3, 3, rng))


def test_global_random_state_is_untouched():
    """Does initialisation leave NumPy's global random state alone?"""
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    xavier_uniform(10, 10, rng=1)
    he_normal(10, 10)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_fan_is_rejected(bad):
    """Is a fan that is not a positive integer rejected with its value in the message?"""
    with pytest.raises(ValueError, match=f"n_in must be a positive integer, got {bad!r}"):
        he_normal(bad, 3, 0)


def test_bad_scale_is_rejected():
    """Are a negative std or limit rejected with their value?"""
    with pytest.raises(ValueError, match="std must be >= 0, got -1.0"):
        normal((2, 2), -1.0, 0)
    with pytest.raises(ValueError, match="limit must be >= 0, got -0.5"):
        uniform((2, 2), -0.5, 0)


def test_module_lists_its_public_names():
    """Does __all__ name exactly the public functions and the table?"""
    assert set(init.__all__) == {"zeros", "normal", "uniform", "xavier_uniform", "xavier_normal",
                                 "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "init_scale",
                                 "INITIALIZERS", "SCHEMES"}


# ------------------------------------------------------------------ init_scale and LeCun
@pytest.mark.parametrize("scheme, expected", [
    ("xavier_uniform", math.sqrt(6 / 1040)), ("xavier_normal", math.sqrt(2 / 1040)),
    ("he_uniform", math.sqrt(6 / 784)), ("he_normal", math.sqrt(2 / 784)),
    ("lecun_uniform", math.sqrt(3 / 784)), ("lecun_normal", math.sqrt(1 / 784)),
])
def test_init_scale_of_784_to_256(scheme, expected):
    """Is init_scale the std (normal) or the limit sqrt(3 Var) (uniform) of each scheme's variance?"""
    assert init.init_scale(784, 256, scheme) == pytest.approx(expected, rel=1e-15)


def test_init_scale_worked_numbers():
    """784 -> 256: Xavier-uniform 0.0760 (std 0.0439), He-normal 0.0505, He-uniform 0.0875 (the chapter's numbers)?"""
    assert round(init.init_scale(784, 256, "xavier_uniform"), 4) == 0.0760
    assert round(init.init_scale(784, 256, "xavier_normal"), 4) == 0.0439
    assert round(init.init_scale(784, 256, "he_normal"), 4) == 0.0505
    assert round(init.init_scale(784, 256, "he_uniform"), 4) == 0.0875


@pytest.mark.parametrize("scheme", init.SCHEMES)
def test_every_initializer_draws_at_its_scale(scheme):
    """Does each scheme's initializer draw with init_scale as its std, or inside +-init_scale?"""
    W = INITIALIZERS[scheme](N_IN, N_OUT, rng=3)
    scale = init.init_scale(N_IN, N_OUT, scheme)
    if scheme.endswith("uniform"):
        assert np.abs(W).max() <= scale and np.abs(W).max() > 0.999 * scale
        np.testing.assert_array_equal(W, np.random.default_rng(3).uniform(-scale, scale, (N_IN, N_OUT)))
    else:
        assert W.std() == pytest.approx(scale, rel=0.01)
        np.testing.assert_array_equal(W, np.random.default_rng(3).normal(0.0, scale, (N_IN, N_OUT)))


def test_init_scale_errors():
    """Are an unknown scheme and a bad fan reported with what was expected?"""
    with pytest.raises(ValueError, match=r"unknown scheme 'glorot'; choose one of: xavier_uniform, xavier_normal"):
        init.init_scale(3, 4, "glorot")
    with pytest.raises(ValueError, match=r"n_in must be a positive integer, got 0"):
        init.init_scale(0, 4, "he_normal")
    with pytest.raises(ValueError, match=r"n_out must be a positive integer, got 2.5"):
        init.init_scale(3, 2.5, "he_normal")
