"""Tests for nnlib.schedules: values at given times, composition, validation."""
import math

import numpy as np
import pytest

from nnlib.schedules import constant, cosine, exponential, linear_warmup, step_decay


def test_constant():
    """Does constant return lr at every t?"""
    s = constant(0.05)
    assert [s(t) for t in (0, 1, 100)] == [0.05, 0.05, 0.05]


def test_step_decay_values():
    """Does step_decay drop by gamma every step_size epochs (lr * gamma^floor(t/step_size))?"""
    s = step_decay(1.0, step_size=3, gamma=0.5)
    assert [s(t) for t in range(8)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert step_decay(0.1, 10)(25) == pytest.approx(0.1 * 0.1**2)


def test_exponential_values():
    """Is exponential lr * gamma^t?"""
    s = exponential(0.2, 0.9)
    np.testing.assert_allclose([s(t) for t in range(4)], [0.2, 0.18, 0.162, 0.1458])


def test_cosine_values():
    """Does cosine go lr -> midpoint -> min_lr at t = 0, total/2, total, and stay at min_lr after?"""
    s = cosine(0.1, total=10, min_lr=0.01)
    assert s(0) == pytest.approx(0.1)
    assert s(5) == pytest.approx(0.055)
    assert s(10) == pytest.approx(0.01)
    assert s(25) == pytest.approx(0.01)
    assert s(2) == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi * 0.2)) / 2)
    values = [s(t) for t in range(11)]
    assert all(a > b for a, b in zip(values, values[1:]))


def test_linear_warmup_then_constant():
    """Does linear_warmup ramp lr*(t+1)/warmup, reaching lr at t = warmup - 1, then hold lr?"""
    s = linear_warmup(0.4, warmup=4)
    np.testing.assert_allclose([s(t) for t in range(6)], [0.1, 0.2, 0.3, 0.4, 0.4, 0.4])


def test_linear_warmup_hands_over_to_after_with_its_own_clock():
    """Does the following schedule start its own t at 0 when the warm-up ends?"""
    after = step_decay(0.4, step_size=2, gamma=0.5)
    s = linear_warmup(0.4, warmup=2, after=after)
    np.testing.assert_allclose([s(t) for t in range(6)], [0.2, 0.4, 0.4, 0.4, 0.2, 0.2])
    assert linear_warmup(0.3, warmup=0, after=cosine(0.3, 10))(0) == pytest.approx(0.3)


def test_schedules_accept_numpy_integers_and_return_floats():
    """Do schedules take numpy integers for t and return plain floats?"""
    v = cosine(0.1, 10)(np.int64(3))
    assert type(v) is float


@pytest.mark.parametrize("make, text", [
    (lambda: constant(0), "lr must be > 0, got 0"),
    (lambda: step_decay(0.1, 0), "step_size must be an integer >= 1, got 0"),
    (lambda: step_decay(0.1, 2.5), "step_size must be an integer >= 1, got 2.5"),
    (lambda: step_decay(0.1, 2, gamma=-0.5), "gamma must be > 0, got -0.5"),
    (lambda: exponential(-1.0, 0.9), "lr must be > 0, got -1.0"),
    (lambda: cosine(0.1, 0), "total must be an integer >= 1, got 0"),
    (lambda: cosine(0.1, 10, min_lr=0.2), "min_lr must be <= lr = 0.1, got 0.2"),
    (lambda: cosine(0.1, 10, min_lr=-0.01), "min_lr must be >= 0, got -0.01"),
    (lambda: linear_warmup(0.1, -1), "warmup must be an integer >= 0, got -1"),
])
def test_bad_arguments_are_rejected_with_the_value(make, text):
    """Is every bad argument rejected with a ValueError naming it and its value?"""
    with pytest.raises(ValueError, match=text):
        make()


def test_bad_time_and_after_are_rejected():
    """Are a negative or fractional t, and a non-callable `after`, rejected clearly?"""
    s = exponential(0.1, 0.5)
    with pytest.raises(ValueError, match="t must be an integer >= 0.*got -1"):
        s(-1)
    with pytest.raises(ValueError, match="got 1.5"):
        s(1.5)
    with pytest.raises(TypeError, match="after must be a schedule"):
        linear_warmup(0.1, 3, after=0.1)


def test_repr_names_the_schedule():
    """Does repr show the schedule and its arguments?"""
    assert repr(cosine(0.1, 50)) == "cosine(lr=0.1, total=50, min_lr=0.0)"
    assert repr(linear_warmup(0.1, 5, after=constant(0.1))) == \
        "linear_warmup(lr=0.1, warmup=5, after=constant(lr=0.1))"


# ---------------------------------------------------------------- PyTorch (committed reference values)

import importlib.util  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import nnlib.schedules as schedules  # noqa: E402

TORCH_REFERENCE = Path(__file__).with_name("torch_reference")
REFERENCE = json.loads((TORCH_REFERENCE / "schedules.json").read_text())


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_schedules", TORCH_REFERENCE / "make_schedules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_matches_torch(case):
    schedule = getattr(schedules, case["schedule"])(**case["kwargs"])
    mine = [schedule(t) for t in range(len(case["lrs"]))]
    np.testing.assert_allclose(mine, case["lrs"], rtol=1e-10, atol=1e-15,
                               err_msg=f"{case['schedule']}{case['kwargs']} vs {case['torch']}{case['torch_kwargs']}")


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: f"{c['schedule']}-{c['torch']}")
def test_matches_pytorch_reference_values(case):
    """Do step_decay, exponential, cosine and linear_warmup give torch.optim.lr_scheduler's rates, to 1e-10?"""
    _assert_matches_torch(case)


def test_reference_values_came_from_pytorch_and_cover_the_schedules():
    """Does the committed reference hold StepLR, ExponentialLR, CosineAnnealingLR and LinearLR, written by torch?"""
    assert {c["torch"] for c in REFERENCE["cases"]} == {"StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"}
    assert REFERENCE["torch_version"].split(".")[0] == "2"
    assert [c["schedule"] for c in REFERENCE["cases"]] == [c[0] for c in _load_generator().CASES]


def test_cosine_holds_min_lr_after_total_where_torch_turns_back_up():
    """Past T_max torch's CosineAnnealingLR rises again (a cosine wave); does nnlib's cosine stay at min_lr?"""
    sched = cosine(0.1, total=50, min_lr=0.001)
    assert [sched(t) for t in (50, 51, 75, 100)] == [pytest.approx(0.001)] * 4


def test_matches_pytorch_live():
    """With torch installed, do the schedules equal what torch computes now (and the committed values)?"""
    pytest.importorskip("torch", reason="torch is not installed (CI installs only .[dev]); "
                                        "the committed reference values are tested instead")
    live = _load_generator().torch_schedules()
    for case, committed in zip(live["cases"], REFERENCE["cases"]):
        _assert_matches_torch(case)
        np.testing.assert_allclose(case["lrs"], committed["lrs"], rtol=1e-12)


def test_cosine_lr_is_the_cosine_schedule_at_one_time():
    """Is cosine_lr(t, lr0, total, min_lr) exactly cosine(lr0, total, min_lr)(t), also past the end?"""
    from nnlib.schedules import cosine_lr

    for t in (0, 1, 25, 49, 50, 80):
        assert cosine_lr(t, 0.1, 50, 0.001) == cosine(0.1, 50, 0.001)(t)
    assert cosine_lr(25, 0.1, 50) == pytest.approx(0.05)
