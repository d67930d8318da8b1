"""JupyterHub's configuration for a course, as a function of :class:`~autograder.hub.settings.HubSettings`.

The file the hub reads (``<prefix>/hub/jupyterhub_config.py``) is two lines
that call :func:`configure`; everything is set here, where it can be read
and tested.  What it sets up, and why:

* **Proxy**: configurable-http-proxy (npm), JupyterHub's own default proxy,
  on the public port; the hub's API and the proxy's API stay on 127.0.0.1.
* **Authentication**: ``local`` uses JupyterHub's PAM authenticator (the
  machine's accounts and passwords) limited to the roster; ``lti13`` uses
  ``ltiauthenticator``'s LTI 1.3 authenticator, so students arrive from
  Canvas or Moodle, with their LMS role mapped to the course's groups by
  :mod:`autograder.hub.lti`.
* **Spawner**: JupyterHub's local process spawner, one Jupyter server per
  user *as that user*, opened in JupyterLab on the user's home; each server
  gets the Jupyter config of its role (``roles/<role>``), which decides the
  nbgrader panels it shows.
* **Groups** (nbgrader's JupyterHub auth plugin reads them):
  ``nbgrader-<course>`` holds students and instructors — they see the
  course's assignments; ``formgrade-<course>`` holds instructors — they see
  the course in the Courses panel and may open the formgrader.
* **Services**: the course's formgrader, a Jupyter server running as the
  grader account in the course root (nbgrader's "one class, several
  graders" layout: every instructor uses the same gradebook), and the idle
  culler.
"""
from __future__ import annotations

import os
from pathlib import Path

from autograder.hub.settings import HubSettings

# JupyterHub's own default for a server's token, plus what nbgrader's panels need: the user's own
# groups (the auth plugin reads /users/<me> to learn their courses) and the services list (the
# Courses panel looks up the formgrader service by the course's name).
SERVER_SCOPES = ["users:activity!user", "access:servers!server", "read:users:name!user",
                 "read:users:groups!user", "list:services", "read:services"]


def configure(c, settings_path: str | os.PathLike) -> HubSettings:
    """Fill JupyterHub's config object ``c`` for the hub described in ``settings_path``."""
    s = HubSettings.load(settings_path)
    hub = s.hub_dir
    c.JupyterHub.ip = s.ip
    c.JupyterHub.port = s.port
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = s.hub_port
    c.JupyterHub.db_url = f"sqlite:///{hub / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(hub / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(hub / "jupyterhub.pid")
    if s.ssl_cert:
        c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = s.ssl_cert, s.ssl_key
    c.ConfigurableHTTPProxy.command = [s.proxy_command]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s.proxy_api_port}"
    c.ConfigurableHTTPProxy.pid_file = str(hub / "proxy.pid")
    # Stop every server (and the proxy) with the hub: `nncourse hub start` owns them all.
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.cleanup_proxy = True

    _authentication(c, s)
    _spawner(c, s)
    _groups_and_roles(c, s)
    _services(c, s)
    return s


def _authentication(c, s: HubSettings) -> None:
    if s.auth == "lti13":
        from autograder.hub import lti

        c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
        c.LTI13Authenticator.issuer = s.lti["issuer"]
        c.LTI13Authenticator.client_id = set(s.lti["client_id"])
        c.LTI13Authenticator.authorize_url = s.lti["authorize_url"]
        c.LTI13Authenticator.jwks_endpoint = s.lti["jwks_endpoint"]
        c.LTI13Authenticator.username_key = s.lti.get("username_key", "email")
        c.LTI13Authenticator.tool_name = f"{s.course} (JupyterHub)"
        # Whoever the LMS launches into this tool is in the course; their LMS role says as what.
        c.Authenticator.allow_all = True
        c.Authenticator.manage_groups = True
        c.Authenticator.enable_auth_state = False  # the groups are all we keep from the launch
        # A launch never gets the grader's account, one the hub did not make, or another LMS user's.
        c.Authenticator.post_auth_hook = lti.post_auth_hook(s.course, s.grader, s.hub_dir / "lti_users.json")
    else:
        c.JupyterHub.authenticator_class = "pam"
        c.PAMAuthenticator.open_sessions = False  # no login session bookkeeping for a web login
        c.Authenticator.allowed_users = set(s.students) | set(s.instructors)
    c.Authenticator.admin_users = set()  # instructors get a role with what they need, not admin


def _spawner(c, s: HubSettings) -> None:
    c.JupyterHub.spawner_class = "localprocess"
    c.Spawner.cmd = [str(s.bin / "jupyterhub-singleuser")]
    c.Spawner.default_url = "/lab"
    c.Spawner.notebook_dir = "~"
    # A 2-core machine starting twenty servers at once needs more than the 10 s default.
    c.Spawner.start_timeout = 180
    c.Spawner.http_timeout = 180
    c.Spawner.pre_spawn_hook = pre_spawn_hook(s)
    # Stopping: a Jupyter server without a terminal waits out SIGINT; don't make the hub's shutdown (and the
    # formgrader service's, which uses the same spawner) take a minute.
    c.LocalProcessSpawner.interrupt_timeout = 2
    c.LocalProcessSpawner.term_timeout = 5


def pre_spawn_hook(s: HubSettings):
    """Before a server starts: its account exists (LTI users arrive without one), and its role's config."""
    from autograder.hub import accounts

    def hook(spawner) -> None:
        name = spawner.user.name
        if s.auth == "lti13" and not accounts.exists(name):
            accounts.ensure_account(name, s.course, password=False)
        groups = {g.name for g in spawner.user.groups}
        role = "instructor" if s.instructor_group in groups else "student"
        spawner.environment.update(role_environment(s, role))

    return hook


def role_environment(s: HubSettings, role: str) -> dict:
    """The environment of a server of ``role``: the hub's environment first, the role's Jupyter config."""
    return {
        "PATH": f"{s.bin}:/usr/local/bin:/usr/bin:/bin",
        "JUPYTER_CONFIG_PATH": str(s.role_dir(role)),
        "NNCOURSE_HUB_ROLE": role,
    }


def _groups_and_roles(c, s: HubSettings) -> None:
    if s.auth != "lti13":  # with LTI the LMS says who is in which group, at every launch
        c.JupyterHub.load_groups = {
            s.instructor_group: {"users": list(s.instructors)},
            s.student_group: {"users": list(s.students) + list(s.instructors)},
        }
    c.JupyterHub.load_roles = [
        {"name": "server", "scopes": SERVER_SCOPES},
        {"name": f"instructor-{s.course}", "groups": [s.instructor_group],
         "description": "open the course's formgrader; see, start and stop students' servers",
         "scopes": [f"access:services!service={s.course}", "admin-ui", "list:users", "read:users",
                    "admin:servers"]},
        {"name": f"student-{s.course}", "groups": [s.student_group],
         "description": "see the course's formgrader service exists (nbgrader's panels look it up)",
         "scopes": ["list:services", f"read:services!service={s.course}"]},
        {"name": "idle-culler", "services": ["idle-culler"],
         "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    ]


def _services(c, s: HubSettings) -> None:
    grader_env = {
        **role_environment(s, "grader"),
        "HOME": str(_home(s.grader)),
        "USER": s.grader,
        "JUPYTERHUB_DEFAULT_URL": "/lab",
    }
    services = [{
        # The service's name must be the course id: nbgrader's Courses panel finds it by that name.
        "name": s.course,
        "url": f"http://127.0.0.1:{s.service_port}",
        "command": [str(s.bin / "jupyterhub-singleuser"), f"--ServerApp.root_dir={s.course_root}"],
        "user": s.grader,
        "cwd": str(s.course_root),
        "environment": grader_env,
        "oauth_no_confirm": True,
    }]
    if s.idle_timeout > 0:
        services.append({
            "name": "idle-culler",
            "command": [str(s.bin / "python"), "-m", "jupyterhub_idle_culler", f"--timeout={s.idle_timeout}"],
        })
    c.JupyterHub.services = services


def _home(user: str) -> Path:
    import pwd

    try:
        return Path(pwd.getpwnam(user).pw_dir)
    except KeyError:
        return Path("/nonexistent")


CONFIG_FILE = '''\
# Written by `nncourse hub setup`; the settings are in settings.json beside this file.
from autograder.hub.jupyterhub_config import configure

configure(c, {settings!r})  # noqa: F821  (c is JupyterHub's config object)
'''
