"""LTI 1.3 launches: who the LMS says the user is, as a Unix login and a course role.

``ltiauthenticator`` verifies the LMS's signed launch (the ID token) and
names the user by one of its claims (``username_key``, by default the
e-mail address).  Two things are left to the course:

* **a login name the machine accepts**: the spawner starts each server as
  a local account, so ``ada.lovelace@uni.example`` becomes
  ``ada-lovelace-uni-example`` (:func:`unix_name`; a name longer than 32
  characters keeps 23 and a digest of the whole, so two long addresses never
  collide);
* **the role**: the launch's roles claim decides the groups
  (:func:`groups_for`): an LMS Instructor, TeachingAssistant, ContentDeveloper
  or Administrator of the context is an instructor of the course
  (``formgrade-<course>`` and ``nbgrader-<course>``); everyone else —
  Learner, Member, Mentor, no role — is a student (``nbgrader-<course>``).

Every LMS user the platform launches gets in (the LMS is the roster), so the
name a launch becomes must never open an account that is not theirs
(:func:`login_problem`): not the course's grader account (``grader@nncourse``
becomes ``grader-nncourse``, whose server reads the solutions and the
gradebook), not an account this hub did not make for the course, and not the
account of another LMS user whose address cleans to the same name
(``ada.lovelace@uni.example`` and ``ada-lovelace@uni.example``).  The first
launch binds a login name to the platform's user (issuer and ``sub``, the
LMS's stable id) in a root-only file; a launch of anyone else under that
name is refused.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
# Context roles (LIS vocabulary, LTI 1.3 section A.2.2) that make someone an instructor of the course.
INSTRUCTOR_ROLES = ("Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator")
_CONTEXT_ROLE = re.compile(r"^http://purl\.imsglobal\.org/vocab/lis/v2/membership(?:/\w+)?#(\w+)$")


def unix_name(name: str) -> str:
    """A Unix login for an LMS user name: lower case, ``[a-z0-9_-]``, at most 32 characters."""
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", name.strip().lower()).strip("-")
    if not cleaned or not re.match(r"[a-z_]", cleaned):
        cleaned = "u-" + cleaned
    if len(cleaned) > 32:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        cleaned = cleaned[:23].rstrip("-") + "-" + digest
    return cleaned


def is_instructor(roles) -> bool:
    """Does an LTI roles claim make its holder an instructor of the context (the course)?"""
    for role in roles or ():
        match = _CONTEXT_ROLE.match(str(role))
        if match and match.group(1) in INSTRUCTOR_ROLES:
            return True
    return False


def groups_for(course: str, roles) -> list[str]:
    """The hub groups of a launch with this roles claim."""
    if is_instructor(roles):
        return [f"formgrade-{course}", f"nbgrader-{course}"]
    return [f"nbgrader-{course}"]


def login_problem(name: str, course: str, grader: str, identity: str, bindings: Path | None) -> str:
    """Why the launch of LMS user ``identity`` may not log in as the Unix account ``name`` ('' when it may).

    ``bindings`` (JSON ``{login: identity}``) records which LMS user each
    login was first given to; a login free so far is bound to ``identity``.
    """
    from autograder.hub import accounts

    if name == grader:
        return f"{name} is the course's grader account, not a person's"
    if accounts.exists(name) and not accounts.owned_by_course(name, course):
        return f"an account named {name} exists on this machine that this hub did not make for {course}"
    if bindings is None:
        return ""
    bound = json.loads(bindings.read_text()) if bindings.exists() else {}
    if bound.get(name, identity) != identity:
        return f"the login {name} already belongs to another user of the LMS"
    if name not in bound:
        bound[name] = identity
        fd = os.open(bindings, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(bound, fh, indent=2, sort_keys=True)
    return ""


def post_auth_hook(course: str, grader: str | None = None, bindings: Path | str | None = None):
    """JupyterHub's ``Authenticator.post_auth_hook``: a Unix login and the course's groups for a launch.

    A launch whose login is not theirs to have (:func:`login_problem`) is
    refused with 403 and the reason, before any account or server exists.
    """
    grader = grader or f"grader-{course}"[:32]
    bindings = Path(bindings) if bindings else None

    def hook(authenticator, handler, authentication: dict) -> dict:
        claims = authentication.get("auth_state") or {}
        name = unix_name(authentication["name"])
        identity = f"{claims.get('iss', '')} {claims.get('sub') or authentication['name']}"
        problem = login_problem(name, course, grader, identity, bindings)
        if problem:
            from tornado.web import HTTPError

            if authenticator is not None:
                authenticator.log.warning("LTI launch of %r refused: %s", identity, problem)
            raise HTTPError(403, "This launch cannot log in: %s. Ask the course's instructor.", problem)
        authentication["name"] = name
        authentication["groups"] = groups_for(course, claims.get(ROLES_CLAIM, []))
        return authentication

    return hook
