"""Does the hub's configuration say what the README promises, for each kind of login?"""
from __future__ import annotations

import pytest
from traitlets.config import Config

from autograder.hub.jupyterhub_config import CONFIG_FILE, SERVER_SCOPES, configure
from autograder.hub.settings import HubSettings


def _configured(tmp_path, **kw) -> tuple[Config, HubSettings]:
    settings = HubSettings(course="c101", prefix=str(tmp_path), students=["ada", "bob"], instructors=["prof"],
                           port=18000, **kw)
    c = Config()
    configure(c, settings.save())
    return c, settings


def test_local_login_lets_in_only_the_roster(tmp_path):
    c, s = _configured(tmp_path)
    assert c.JupyterHub.authenticator_class == "pam"
    assert c.Authenticator.allowed_users == {"ada", "bob", "prof"} and c.Authenticator.admin_users == set()
    assert c.JupyterHub.load_groups == {"formgrade-c101": {"users": ["prof"]},
                                        "nbgrader-c101": {"users": ["ada", "bob", "prof"]}}


def test_the_formgrader_service_is_the_course_run_by_the_grader(tmp_path):
    """Is the service named after the course (nbgrader finds it by that name), run as the grader in the course root?"""
    c, s = _configured(tmp_path)
    service = next(x for x in c.JupyterHub.services if x["name"] == "c101")
    assert service["user"] == "grader-c101" and service["cwd"] == str(s.course_root)
    assert service["environment"]["JUPYTER_CONFIG_PATH"] == str(s.role_dir("grader"))
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert "access:services!service=c101" in roles["instructor-c101"]["scopes"]
    assert roles["instructor-c101"]["groups"] == ["formgrade-c101"]
    assert not any("access:services" in scope for scope in roles["student-c101"]["scopes"])
    assert roles["server"]["scopes"] == SERVER_SCOPES


def test_servers_start_from_the_hub_environment_in_lab(tmp_path):
    c, s = _configured(tmp_path)
    assert c.Spawner.cmd == [str(s.bin / "jupyterhub-singleuser")] and c.Spawner.default_url == "/lab"
    assert c.JupyterHub.db_url == f"sqlite:///{s.hub_dir / 'jupyterhub.sqlite'}"
    assert c.JupyterHub.hub_ip == "127.0.0.1" and c.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")


def test_lti13_takes_the_lms_as_the_source_of_people_and_groups(tmp_path):
    lti = {"issuer": "https://canvas.example", "client_id": ["10000000000001"],
           "authorize_url": "https://canvas.example/api/lti/authorize_redirect",
           "jwks_endpoint": "https://canvas.example/api/lti/security/jwks", "username_key": "email"}
    c, s = _configured(tmp_path, auth="lti13", lti=lti)
    assert c.JupyterHub.authenticator_class == "ltiauthenticator.lti13.auth.LTI13Authenticator"
    assert c.LTI13Authenticator.client_id == {"10000000000001"} and c.LTI13Authenticator.issuer == lti["issuer"]
    assert c.Authenticator.manage_groups is True and "load_groups" not in c.JupyterHub  # JupyterHub forbids both
    assert callable(c.Authenticator.post_auth_hook)


def test_the_config_file_is_two_lines_pointing_at_the_settings(tmp_path):
    text = CONFIG_FILE.format(settings="/srv/nncourse/hub/settings.json")
    compile(text, "jupyterhub_config.py", "exec")
    assert "configure(c, '/srv/nncourse/hub/settings.json')" in text


def test_grade_points_the_hubs_grader_at_the_formgrader_service(monkeypatch):
    """In the formgrader's terminal (the hub's grader), written answers are graded in the service, not a local lab."""
    from autograder.pipeline.report import FORMGRADER, formgrader_hint

    monkeypatch.delenv("NNCOURSE_HUB_ROLE", raising=False)
    assert formgrader_hint() == FORMGRADER
    monkeypatch.setenv("NNCOURSE_HUB_ROLE", "grader")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_NAME", "c101")
    assert formgrader_hint() == "nbgrader's formgrader: on the hub, Nbgrader menu → Courses → c101 → Manual Grading"


def test_setup_says_how_to_start_with_only_what_is_not_a_default():
    """`setup` ends with the start command; the options it repeats are only those that find the settings."""
    import argparse

    from autograder.hub.cli import add_parser, start_line

    parser = argparse.ArgumentParser(prog="nncourse")
    add_parser(parser.add_subparsers(dest="command"))
    assert start_line(parser.parse_args(["hub", "setup", "--roster", "r.csv", "--port", "9000"])) == "nncourse hub start"
    args = parser.parse_args(["hub", "setup", "--course", "c101", "--prefix", "/opt/hub", "--env", "/var/env"])
    assert start_line(args) == "nncourse hub start --course c101 --prefix /opt/hub --env /var/env"


def test_a_prefix_holds_one_course_and_another_course_id_is_refused(tmp_path, capsys):
    """Is `--course c202` on the prefix of c101's hub refused, instead of giving c101 c202's roster or removing it?"""
    import argparse

    from autograder.cli import main
    from autograder.hub.cli import _settings, add_parser
    from autograder.hub.setup import HubError

    HubSettings(course="c101", prefix=str(tmp_path), students=["ada"], instructors=["prof"]).save()
    parser = argparse.ArgumentParser(prog="nncourse")
    add_parser(parser.add_subparsers(dest="command"))
    for action in ("setup", "start"):  # called directly: unfixed, main() would set up c101 anew as root
        with pytest.raises(HubError, match="is the hub of the course 'c101', not 'c202'; expected --course c101"):
            _settings(parser.parse_args(["hub", action, "--course", "c202", "--prefix", str(tmp_path)]))
    assert main(["hub", "remove", "--course", "c202", "--prefix", str(tmp_path)]) == 2
    assert "one prefix holds one course's hub" in capsys.readouterr().err
    assert HubSettings.load(tmp_path / "hub" / "settings.json").students == ["ada"]  # untouched
    for given in ([], ["--course", "c101"]):  # without --course, or with its own, it is that hub
        assert _settings(parser.parse_args(["hub", "start", "--prefix", str(tmp_path), *given])).course == "c101"


def test_terminals_keep_the_hub_environment_first_on_path(tmp_path):
    """Is every role's terminal a plain bash, not a login shell (its /etc/profile drops the hub's PATH)?"""
    import json

    from autograder.hub.setup import write_roles

    write_roles(tmp_path)
    for role in ("student", "instructor", "grader"):
        server = json.loads((tmp_path / role / "jupyter_server_config.json").read_text())["ServerApp"]
        assert server["terminado_settings"]["shell_command"] == ["/bin/bash"], role


def test_idle_servers_are_culled_after_the_timeout_and_never_with_0(tmp_path):
    """Does --idle-timeout start JupyterHub's idle culler with that timeout and the scopes it needs (0: none)?"""
    c, s = _configured(tmp_path, idle_timeout=1800)
    culler = next(x for x in c.JupyterHub.services if x["name"] == "idle-culler")
    assert culler["command"] == [str(s.bin / "python"), "-m", "jupyterhub_idle_culler", "--timeout=1800"]
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert {"read:users:activity", "delete:servers"} <= set(roles["idle-culler"]["scopes"])
    c, s = _configured(tmp_path, idle_timeout=0)
    assert [x["name"] for x in c.JupyterHub.services] == ["c101"]
