"""Everything one hub is made of, in one JSON file: the course, its people, its paths and ports.

``nncourse hub setup`` writes ``<prefix>/hub/settings.json``; the generated
``jupyterhub_config.py`` reads it (:mod:`autograder.hub.jupyterhub_config`),
so the hub's configuration is ordinary, testable Python and the file on disk
says plainly what the hub is.

Layout under the prefix (default ``/srv/nncourse``)::

    env/                      Python environment of every process (root-owned, world-readable)
    env/etc/jupyter/          nbgrader's global config: exchange, per-course paths, hub groups
    hub/                      hub database, cookie secret, settings (root only, 0700)
    exchange/                 nbgrader's exchange (1777): <course>/outbound, inbound, feedback
    courses/<course>/         the course root of the grader account (0700): solutions/, course/, grading/
    roles/<role>/             Jupyter config per role (which nbgrader panels a server shows)
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROLE_NAMES = ("student", "instructor", "grader")


@dataclass
class HubSettings:
    course: str
    prefix: str
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    service_port: int = 8091
    auth: str = "local"  # "local" (PAM: the machine's accounts and passwords) or "lti13"
    lti: dict = field(default_factory=dict)  # issuer, client_id, authorize_url, jwks_endpoint, username_key
    students: list = field(default_factory=list)
    instructors: list = field(default_factory=list)
    idle_timeout: int = 3600  # seconds without activity before a server is stopped (0: never)
    proxy_command: str = "configurable-http-proxy"
    ssl_cert: str = ""
    ssl_key: str = ""
    env_dir: str = ""  # the Python environment, when not <prefix>/env (e.g. one kept between test runs)

    # -- paths ---------------------------------------------------------------
    @property
    def root(self) -> Path:
        return Path(self.prefix)

    @property
    def env(self) -> Path:
        return Path(self.env_dir) if self.env_dir else self.root / "env"

    @property
    def bin(self) -> Path:
        return self.env / "bin"

    @property
    def hub_dir(self) -> Path:
        return self.root / "hub"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def course_root(self) -> Path:
        return self.root / "courses" / self.course

    def role_dir(self, role: str) -> Path:
        return self.root / "roles" / role

    @property
    def grader(self) -> str:
        """The course's grader account: owns the course root, runs the formgrader service."""
        return f"grader-{self.course}"[:32]

    @property
    def instructor_group(self) -> str:
        """nbgrader's name for the course's graders (its JupyterHub auth plugin reads it)."""
        return f"formgrade-{self.course}"

    @property
    def student_group(self) -> str:
        """nbgrader's name for the course's members: whoever is in it sees the course's assignments."""
        return f"nbgrader-{self.course}"

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_cert else "http"
        host = self.ip if self.ip not in ("", "0.0.0.0") else _hostname()
        return f"{scheme}://{host}:{self.port}/"

    # -- file ----------------------------------------------------------------
    @property
    def path(self) -> Path:
        return self.hub_dir / "settings.json"

    def save(self) -> Path:
        self.hub_dir.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        return self.path

    @classmethod
    def load(cls, path: Path | str) -> "HubSettings":
        return cls(**json.loads(Path(path).read_text()))


def _hostname() -> str:
    import socket

    return socket.getfqdn() or "localhost"
