"""Does a roster say clearly what is wrong with it — the line, what was expected and what came?"""
from __future__ import annotations

import json

import pytest

from autograder.cli import main
from autograder.hub.accounts import AccountError, ensure_account
from autograder.hub.roster import RosterError, parse_roster, read_roster
from autograder.hub.settings import HubSettings
from autograder.hub.setup import HubError, _check_roles


def test_a_good_roster_gives_students_and_instructors():
    """Are roles read, case and spaces forgiven, and blank lines skipped?"""
    roster = parse_roster("username,role,name\nprof,Instructor,P. Rof\n\n ada , student ,Ada\nbob,student,\n")
    assert roster.instructors == ["prof"] and roster.students == ["ada", "bob"]
    assert roster.role_of("ada") == "student"


def test_a_spreadsheet_export_with_bom_and_semicolons_is_read(tmp_path):
    """Does a 'CSV UTF-8' file with a BOM and ';' separators (a German Excel) read the same?"""
    path = tmp_path / "class.csv"
    path.write_bytes("\ufeffusername;role;email\nprof;instructor;p@x.org\nada;student;a@x.org\n".encode())
    assert read_roster(path).students == ["ada"]


@pytest.mark.parametrize("text, expected", [
    ("user,role\nada,student\n", "line 1: missing column 'username' and unknown column 'user'; expected columns "
                                  "username, role (optional: name, email), got 'user', 'role'"),
    ("username\nada\n", "missing column 'role'"),
    ("username,role\nprof,instructor\nada,teacher\n", "line 3: role must be 'student' or 'instructor', got 'teacher'"),
    ("username,role\nprof,instructor\nAda Lovelace,student\n", "line 3: username must be a Unix login"),
    ("username,role\nprof,instructor\nada,student\nada,instructor\n",
     "line 4: ada is listed as instructor, but line 3 lists them as student; one person has one role"),
    ("username,role\nprof,instructor\nada,student\nada,student\n", "line 4: ada is listed twice (also on line 3)"),
    ("username,role\nada,student\n", "no instructor"),
    ("username,role\n", "no one is listed"),
    ("", "the file is empty"),
    ("username,role\nprof,instructor,extra\n", "line 2: 3 fields, the header has 2"),
])
def test_a_bad_roster_names_the_line_and_the_problem(text, expected):
    with pytest.raises(RosterError) as info:
        parse_roster(text, source="roster.csv")
    assert expected in str(info.value)


def test_every_problem_is_reported_at_once():
    """Are three bad lines three messages in one error (one round trip for the instructor)?"""
    with pytest.raises(RosterError) as info:
        parse_roster("username,role\nprof,instructor\nA,student\nb,boss\nc,\n")
    assert len(str(info.value).splitlines()) == 3


def test_the_command_prints_the_roster_error_and_exits_2(tmp_path, capsys):
    """Does `nncourse hub setup --roster bad.csv` say what is wrong, without a traceback, before touching anything?"""
    bad = tmp_path / "roster.csv"
    bad.write_text("username,rol\nada,student\n")
    assert main(["hub", "setup", "--roster", str(bad), "--prefix", str(tmp_path / "hub")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nncourse hub: roster.csv line 1: missing column 'role'") and "Traceback" not in err
    assert not (tmp_path / "hub").exists()
    assert main(["hub", "setup", "--roster", str(tmp_path / "nope.csv"), "--prefix", str(tmp_path / "hub")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_role_cannot_change_silently(tmp_path):
    """Is a roster that turns this hub's student into an instructor refused, naming both roles and the fix?"""
    settings = HubSettings(course="c101", prefix=str(tmp_path))
    settings.hub_dir.mkdir(parents=True)
    (settings.hub_dir / "roles.json").write_text(json.dumps({"ada": "student", "prof": "instructor"}))
    _check_roles(settings, parse_roster("username,role\nprof,instructor\nada,student\n"))  # unchanged: fine
    with pytest.raises(HubError) as info:
        _check_roles(settings, parse_roster("username,role\nprof,instructor\nada,instructor\n", "r.csv"))
    assert "r.csv line 3: ada is listed as instructor, but this hub already has them as student" in str(info.value)
    assert "remove the person from the hub first" in str(info.value)


def test_the_grader_account_is_not_a_person(tmp_path):
    settings = HubSettings(course="c101", prefix=str(tmp_path))
    with pytest.raises(HubError, match="grader-c101 is the course's grader account"):
        _check_roles(settings, parse_roster("username,role\ngrader-c101,instructor\n"))


def test_a_system_account_is_refused():
    """Is a roster name that is a system account (daemon, uid 1) refused instead of given a Jupyter server?"""
    with pytest.raises(AccountError, match=r"daemon already exists as a system account \(uid 1\)"):
        ensure_account("daemon", "c101")
