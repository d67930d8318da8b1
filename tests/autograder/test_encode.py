"""Can every value a student's function returns travel from the re-check to the grader, or fail alone?

The wire format (:mod:`autograder.sandbox.encode`) is JSON; what does not fit
must raise :class:`Unencodable` with a reason (failing that one case), never
break the whole re-check.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from autograder.sandbox.encode import MAX_ELEMENTS, Unencodable, decode, dumps, encode


def _round_trip(value):
    return decode(json.loads(dumps(encode(value))))


@pytest.mark.parametrize("value", [
    np.array([0.5, 1.0], dtype=np.longdouble),  # sigmoid computed in float128
    np.longdouble(0.25),
    np.array([1 + 2j, np.nan, -np.inf]),
    np.complex128(3 - 1j),
    2 + 3j,
    np.array(3.0),  # 0-d
    np.zeros((0, 3)),
    np.array([[1, 2], [3, 4]], dtype=np.int32),
    np.array([True, False]),
    [[1.0, [2.5, float("nan")]], (3, np.float32(4.5))],
    {"W": np.eye(2), 3: None},
    np.str_("relu"),  # rng.choice(["relu", "tanh"]) returns a NumPy string
    np.array([["relu", "tanh"], ["sgd", "adam"]]),
    [np.str_("adam"), np.float64(0.01)],
], ids=lambda v: type(v).__name__)
def test_values_round_trip_with_their_dtype_and_shape(value):
    """Does the grader get back the same numbers, dtype and shape the student's function returned?"""
    back = _round_trip(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back.astype(np.complex128) if value.dtype.kind == "c" else back, value)
    elif isinstance(value, np.generic):
        assert back.dtype == value.dtype and back == value
    elif isinstance(value, dict):
        assert back.keys() == value.keys()
    else:
        assert repr(back) == repr(value)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_array_subclasses_travel_as_plain_arrays():
    """Do np.matrix and masked arrays arrive as their plain values (the subclass itself is the sandbox's call)?"""
    back = _round_trip(np.matrix([[1.0, 2.0]]))
    assert type(back) is np.ndarray and back.shape == (1, 2)
    assert _round_trip(np.ma.array([1, 2], mask=[0, 1])).tolist() == [1, 2]


def test_object_arrays_travel_element_by_element():
    """Does an object array of arrays and numbers arrive with its elements decoded?"""
    value = np.empty(2, dtype=object)
    value[0], value[1] = np.array([1.0, 2.0]), 3
    back = _round_trip(value)
    assert back.dtype == object and back[1] == 3
    np.testing.assert_array_equal(back[0], [1.0, 2.0])


def test_what_cannot_travel_says_why():
    """Do a huge array, a bytes array, a set and a student's own object raise Unencodable with a reason?"""
    with pytest.raises(Unencodable, match="more than"):
        encode(np.zeros(MAX_ELEMENTS + 1))
    with pytest.raises(Unencodable, match=r"dtype \|S1"):
        encode(np.array([b"a"]))
    with pytest.raises(Unencodable, match="set") as info:
        encode({1, 2})
    assert not info.value.is_object

    class Mine:
        pass

    with pytest.raises(Unencodable) as info:
        encode(Mine())
    assert info.value.is_object  # judged inside the sandbox where a check expects objects (Value)


def test_malformed_data_is_rejected_not_trusted():
    """Does the decoder refuse a shape that does not fit its data, and unknown tags?"""
    with pytest.raises(ValueError):
        decode({"__strarray__": [[2], ["a", 3]]})
    with pytest.raises(ValueError):
        decode({"__ndarray__": ["<f8", [3], [1.0]]})
    with pytest.raises(ValueError):
        decode({"__pickle__": "..."})
