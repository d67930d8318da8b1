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


def _launch(hook, name: str, sub: str | None, iss: str = "https://lms.example"):
    return hook(None, None, {"name": name, "auth_state": {"iss": iss, "sub": sub,
                                                          ROLES_CLAIM: [LIS + "membership#Learner"]}})


def test_a_launch_never_becomes_the_grader_or_an_account_the_hub_did_not_make(tmp_path):
    """Is an address that cleans to the grader's login (its server reads the solutions) or to root refused, 403?"""
    from tornado.web import HTTPError

    bindings = tmp_path / "lti_users.json"
    hook = post_auth_hook("c101", "grader-c101", bindings)
    for name, why in (("Grader@C101", "grader-c101 is the course's grader account"),
                      ("root", "an account named root exists on this machine that this hub did not make for c101")):
        with pytest.raises(HTTPError) as info:
            _launch(hook, name, sub="eve")
        assert info.value.status_code == 403 and why in info.value.log_message % info.value.args
    assert not bindings.exists()  # nothing bound to a refused launch


def test_two_lms_users_never_share_a_login(tmp_path):
    """Do ada.lovelace@ and ada-lovelace@ (one login) stay apart: the first keeps it, the second is refused?"""
    import stat

    from tornado.web import HTTPError

    bindings = tmp_path / "lti_users.json"
    hook = post_auth_hook("c101", "grader-c101", bindings)
    assert _launch(hook, "ada.lovelace@uni.example", sub="lms-user-1")["name"] == "ada-lovelace-uni-example"
    with pytest.raises(HTTPError) as info:
        _launch(hook, "ada-lovelace@uni.example", sub="lms-user-2")
    assert "the login ada-lovelace-uni-example already belongs to another user of the LMS" in (
        info.value.log_message % info.value.args)
    with pytest.raises(HTTPError):  # the same sub from another platform is someone else too
        _launch(hook, "ada.lovelace@uni.example", sub="lms-user-1", iss="https://other.example")
    assert _launch(hook, "ada.lovelace@uni.example", sub="lms-user-1")["name"] == "ada-lovelace-uni-example"
    assert stat.S_IMODE(bindings.stat().st_mode) == 0o600
