"""Does an LTI 1.3 launch become the right Unix login and the right course groups?"""
from __future__ import annotations

import pytest

from autograder.hub.lti import ROLES_CLAIM, groups_for, is_instructor, post_auth_hook, unix_name
from autograder.hub.roster import USERNAME

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize("name, expected", [
    ("ada.lovelace@uni.example", "ada-lovelace-uni-example"),
    ("Ada Lovelace", "ada-lovelace"),
    ("12345", "u-12345"),
    ("__x__", "__x__"),
])
def test_unix_name(name, expected):
    assert unix_name(name) == expected and USERNAME.match(expected)


def test_long_names_stay_distinct_and_short():
    """Do two long addresses differing only at the end give two different logins of at most 32 characters?"""
    a = unix_name("a.very.long.first.name.and.surname@faculty.university.example")
    b = unix_name("a.very.long.first.name.and.surname@faculty2.university.example")
    assert a != b and len(a) <= 32 and len(b) <= 32 and USERNAME.match(a)


@pytest.mark.parametrize("roles, instructor", [
    ([LIS + "membership#Instructor"], True),
    ([LIS + "membership#Learner", LIS + "membership/Instructor#TeachingAssistant"], True),
    ([LIS + "membership#ContentDeveloper"], True),
    ([LIS + "membership#Learner"], False),
    ([LIS + "institution/person#Instructor"], False),  # an instructor somewhere in the institution, not here
    ([LIS + "system/person#Administrator"], False),
    ([], False),
    (None, False),
])
def test_context_roles_decide(roles, instructor):
    assert is_instructor(roles) is instructor


def test_groups_and_hook():
    """Does the hook rename the user and give nbgrader's groups for the course?"""
    assert groups_for("c101", [LIS + "membership#Instructor"]) == ["formgrade-c101", "nbgrader-c101"]
    hook = post_auth_hook("c101")
    model = hook(None, None, {"name": "Bob@Uni.Example", "auth_state": {ROLES_CLAIM: [LIS + "membership#Learner"]}})
    assert model["name"] == "bob-uni-example" and model["groups"] == ["nbgrader-c101"]
