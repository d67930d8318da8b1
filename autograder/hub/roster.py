"""The class list: a roster CSV of who may log in to the hub, and as what.

A roster is a CSV file with a header row.  Required columns:

* ``username`` — the person's login on this machine (a Unix user name:
  lower-case letters, digits, ``_`` and ``-``, starting with a letter or
  ``_``, at most 32 characters);
* ``role`` — ``student`` or ``instructor``.

Optional columns: ``name`` and ``email`` (kept for the instructor's eyes;
the hub does not need them).  Other columns are refused, so that a typo in
a header (``usrname``) is an error and not a silently ignored column.

Every problem is reported with its line number, what was expected and what
came, all at once (a class list with three typos needs one round trip, not
three)::

    roster.csv line 4: role must be 'student' or 'instructor', got 'teacher'
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

ROLES = ("student", "instructor")
REQUIRED = ("username", "role")
OPTIONAL = ("name", "email")
# What useradd accepts on Debian by default (NAME_REGEX), and the 32-character limit of utmp.
USERNAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


class RosterError(ValueError):
    """A roster that cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Member:
    """One person on the roster."""

    username: str
    role: str  # "student" or "instructor"
    name: str = ""
    email: str = ""
    line: int = 0  # line of the CSV file (1 = the header), for messages


@dataclass(frozen=True)
class Roster:
    members: tuple[Member, ...]
    source: str = "roster"

    @property
    def students(self) -> list[str]:
        return [m.username for m in self.members if m.role == "student"]

    @property
    def instructors(self) -> list[str]:
        return [m.username for m in self.members if m.role == "instructor"]

    def role_of(self, username: str) -> str | None:
        return next((m.role for m in self.members if m.username == username), None)


def read_roster(path: Path | str) -> Roster:
    """Read and check a roster CSV file (see the module docstring for its columns)."""
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"roster: expected a CSV file with columns {', '.join(REQUIRED)}; "
                          f"{path} {'is a folder' if path.is_dir() else 'does not exist'}")
    try:
        text = path.read_text(encoding="utf-8-sig")  # utf-8-sig: spreadsheets often write a BOM
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path.name}: expected UTF-8 text, got a byte 0x{text_byte(exc)} at offset {exc.start} "
                          "(save the spreadsheet as 'CSV UTF-8')") from None
    return parse_roster(text, source=path.name)


def text_byte(exc: UnicodeDecodeError) -> str:
    return f"{exc.object[exc.start]:02x}"


def parse_roster(text: str, source: str = "roster") -> Roster:
    """Parse roster CSV text; raises :class:`RosterError` naming every bad line."""
    if not text.strip():
        raise RosterError(f"{source}: the file is empty; expected a header row 'username,role' and one row per person")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column only: the header check below says what is missing
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}")
        if unknown:
            parts.append(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(u) for u in unknown)}")
        raise RosterError(f"{source} line 1: {' and '.join(parts)}; expected columns {', '.join(REQUIRED)} "
                          f"(optional: {', '.join(OPTIONAL)}), got {', '.join(repr(h) for h in header) or 'none'}")
    reader.fieldnames = header
    problems: list[str] = []
    members: list[Member] = []
    seen: dict[str, Member] = {}
    for row in reader:
        line = reader.line_num
        if None in row:  # more fields than the header has
            problems.append(f"{source} line {line}: {len(header) + len(row[None])} fields, the header has {len(header)}")
            continue
        values = {k: (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue  # a blank line
        username, role = values["username"], values["role"].lower()
        ok = True
        if not USERNAME.match(username):
            problems.append(f"{source} line {line}: username must be a Unix login (lower-case letters, digits, "
                            f"'_' or '-', starting with a letter, at most 32 characters), got {username!r}")
            ok = False
        if role not in ROLES:
            problems.append(f"{source} line {line}: role must be 'student' or 'instructor', got {values['role']!r}")
            ok = False
        if ok and username in seen:
            first = seen[username]
            if first.role != role:
                problems.append(f"{source} line {line}: {username} is listed as {role}, but line {first.line} "
                                f"lists them as {first.role}; one person has one role")
            else:
                problems.append(f"{source} line {line}: {username} is listed twice (also on line {first.line})")
            ok = False
        if ok:
            member = Member(username, role, values.get("name", ""), values.get("email", ""), line)
            seen[username] = member
            members.append(member)
    if problems:
        raise RosterError("\n".join(problems))
    if not members:
        raise RosterError(f"{source}: no one is listed; expected one row per person under the header")
    if not any(m.role == "instructor" for m in members):
        raise RosterError(f"{source}: no instructor; expected at least one row with role 'instructor' "
                          "(someone has to collect and grade)")
    return Roster(tuple(members), source)
