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
"""
from __future__ import annotations

import hashlib
import re

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


def post_auth_hook(course: str):
    """JupyterHub's ``Authenticator.post_auth_hook``: a Unix login and the course's groups for a launch."""

    def hook(authenticator, handler, authentication: dict) -> dict:
        claims = authentication.get("auth_state") or {}
        authentication["name"] = unix_name(authentication["name"])
        authentication["groups"] = groups_for(course, claims.get(ROLES_CLAIM, []))
        return authentication

    return hook
