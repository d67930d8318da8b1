"""Local Unix accounts for the hub: one per person on the roster, and one for the course's grader.

JupyterHub's local process spawner starts each user's Jupyter server *as
that user*, so every person needs an account on the machine; the account's
home (mode 0700) is where their fetched chapters, their work and their
nbgrader cache (the secret that names their feedback) live, out of every
other student's reach.

Accounts this module creates are marked in their GECOS field
(``nncourse hub <course>``), so that ``nncourse hub remove`` deletes exactly
those and never an account someone else made.  An account that already
exists is used as it is (its password too) unless it is a system account
(uid below 1000) — handing ``daemon`` a Jupyter server is never what the
roster meant.
"""
from __future__ import annotations

import grp
import os
import pwd
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

MARK = "nncourse hub "
FIRST_REGULAR_UID = 1000
NOBODY_UID = 65534


class AccountError(RuntimeError):
    """A user account that cannot be made or used, and why."""


@dataclass
class Account:
    username: str
    home: Path
    created: bool  # made by this run
    password: str | None = None  # set when created (local login), else None


def mark(course: str) -> str:
    return f"{MARK}{course}"


def exists(username: str) -> bool:
    try:
        pwd.getpwnam(username)
        return True
    except KeyError:
        return False


def owned_by_course(username: str, course: str) -> bool:
    """Was this account made by ``nncourse hub`` for ``course``?"""
    try:
        return pwd.getpwnam(username).pw_gecos.split(",")[0] == mark(course)
    except KeyError:
        return False


def ensure_account(username: str, course: str, password: bool = True) -> Account:
    """The account ``username``, created (home 0700, a random password when ``password``) if missing."""
    try:
        entry = pwd.getpwnam(username)
    except KeyError:
        entry = None
    if entry is not None:
        if entry.pw_uid < FIRST_REGULAR_UID or entry.pw_uid == NOBODY_UID:
            raise AccountError(f"{username}: expected a person's account (uid >= {FIRST_REGULAR_UID}), but "
                               f"{username} already exists as a system account (uid {entry.pw_uid}); "
                               "rename them in the roster")
        home = Path(entry.pw_dir)
        if not home.is_dir():
            raise AccountError(f"{username}: the account exists but its home {home} does not; "
                               "create it (mkhomedir_helper) or remove the account")
        return Account(username, home, created=False)
    _run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", mark(course), username])
    entry = pwd.getpwnam(username)
    home = Path(entry.pw_dir)
    os.chmod(home, 0o700)  # Debian's default home mode is 0755: other students could read the work
    secret = None
    if password:
        secret = secrets.token_urlsafe(9)
        _run(["chpasswd"], stdin=f"{username}:{secret}\n")
    else:
        _run(["passwd", "--lock", username])  # no password login at all (LTI users, the grader)
    return Account(username, home, created=True, password=secret)


def remove_account(username: str, course: str) -> bool:
    """Delete an account and its home, only if ``nncourse hub`` made it for ``course``."""
    if not owned_by_course(username, course):
        return False
    _kill_processes(username)
    _run(["userdel", "--remove", username], allow_codes=(0, 12))  # 12: home not removed (already gone)
    return True


def course_accounts(course: str) -> list[str]:
    """Every account made by ``nncourse hub`` for ``course``."""
    return sorted(e.pw_name for e in pwd.getpwall() if e.pw_gecos.split(",")[0] == mark(course))


def uid_gid(username: str) -> tuple[int, int]:
    entry = pwd.getpwnam(username)
    return entry.pw_uid, entry.pw_gid


def group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def _kill_processes(username: str) -> None:
    """End what still runs as the user (a server the hub left behind), by pid, so userdel can remove them."""
    uid = pwd.getpwnam(username).pw_uid
    for pid in _pids_of(uid):
        try:
            os.kill(pid, 9)
        except (OSError, ProcessLookupError):
            pass  # it ended meanwhile
    # userdel refuses while any process of the user is left, a killed one its parent has not reaped yet
    # included (a server of a hub that is stopping): give the parents a few seconds to reap them.
    deadline = time.monotonic() + 10
    while _pids_of(uid) and time.monotonic() < deadline:
        time.sleep(0.2)


def _pids_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except OSError:
                pass  # it ended meanwhile
    return pids


def _run(cmd: list[str], stdin: str | None = None, allow_codes=(0,)) -> None:
    result = subprocess.run(cmd, input=stdin, text=True, capture_output=True)
    if result.returncode not in allow_codes:
        raise AccountError(f"`{' '.join(cmd[:1] + cmd[-1:])}` failed (exit {result.returncode}): "
                           f"{(result.stderr or result.stdout).strip()}")


def home_of(username: str) -> Path:
    return Path(pwd.getpwnam(username).pw_dir)
