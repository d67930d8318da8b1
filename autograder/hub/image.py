"""The course's hub on Kubernetes (``deploy/``): what the container images run, from the same pieces as ``nncourse hub``.

On one machine ``nncourse hub setup`` writes nbgrader's global config, the
per-role Jupyter config, the exchange and the grader's course root.  On
Kubernetes (Zero to JupyterHub) the same things are made by the image and
by the hub pod, with this module's three steps::

    python -m autograder.hub.image configure   # at image build: nbgrader's global config, roles/<role>/
    python -m autograder.hub.image prepare     # hub pod's init container (root): exchange and course root modes
    python -m autograder.hub.image grader      # formgrader side-car: course root refreshed, then the server

Every path and the course id come from the environment (defaults in
:data:`DEFAULTS`), so that the Dockerfile and the Helm values
(``deploy/values.yaml``) set them in one place each.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULTS = {
    "NNCOURSE_COURSE": "nncourse",
    "NNCOURSE_EXCHANGE": "/srv/nbgrader/exchange",  # the shared ReadWriteMany volume
    "NNCOURSE_COURSE_ROOT": "/srv/nncourse/course",  # the grader's volume: solutions/, course/, grading/
    "NNCOURSE_ROLES": "/etc/nncourse/roles",  # per-role Jupyter config, baked into the image
    "NNCOURSE_SOURCES": "/opt/nncourse",  # the repository's course sources (grader image only)
    "NNCOURSE_GRADER_UID": "9000",
    "NNCOURSE_GRADER_GID": "100",
    "NNCOURSE_SERVICE_PORT": "8091",
}


def setting(name: str) -> str:
    return os.environ.get(name) or DEFAULTS[name]


def configure(etc_jupyter: Path | None = None) -> list[Path]:
    """At image build: nbgrader's global config (exchange, one folder per course, hub groups) and the roles."""
    from autograder.hub.setup import write_nbgrader_global, write_roles

    etc = etc_jupyter or Path(sys.prefix) / "etc" / "jupyter"
    roles = Path(setting("NNCOURSE_ROLES"))
    written = [write_nbgrader_global(etc, setting("NNCOURSE_EXCHANGE"))]
    write_roles(roles)
    return written + sorted(p for p in roles.rglob("*") if p.is_file())


def prepare() -> None:
    """In the hub pod's init container, as root: the exchange's folders and modes, the course root's owner.

    The same modes as on one machine (:mod:`autograder.hub.setup`): the
    exchange root 1777, the course's ``outbound`` 0755, ``inbound`` 2733,
    ``feedback`` 0711, all owned by the grader; the course root 0700 and the
    grader's.  Students' pods run each with a uid of their own
    (``deploy/values.yaml``), so these modes keep them apart as on one machine.
    """
    from autograder.hub.setup import make_exchange

    uid, gid = int(setting("NNCOURSE_GRADER_UID")), int(setting("NNCOURSE_GRADER_GID"))
    make_exchange(Path(setting("NNCOURSE_EXCHANGE")), setting("NNCOURSE_COURSE"), uid, gid)
    root = Path(setting("NNCOURSE_COURSE_ROOT"))
    root.mkdir(parents=True, exist_ok=True)
    os.chown(root, uid, gid)
    os.chmod(root, 0o700)


def grader_command(port: int | str, root: Path) -> list[str]:
    """The formgrader's Jupyter server: the hub's service on ``port``, in the course root, reachable by the proxy."""
    return ["jupyterhub-singleuser", f"--ServerApp.root_dir={root}", "--ServerApp.ip=0.0.0.0",
            f"--ServerApp.port={port}"]


def grader() -> None:
    """In the formgrader side-car, as the grader: refresh the course's sources (``grading/`` kept), then serve."""
    from autograder.hub.setup import refresh_course_root
    from autograder.pipeline.course import Course

    root = Path(setting("NNCOURSE_COURSE_ROOT"))
    sources = Path(setting("NNCOURSE_SOURCES"))
    if not (sources / "solutions").is_dir():
        raise SystemExit(f"expected the course's sources (solutions/) at {sources}: run the grader image "
                         "(Dockerfile target 'grader'), not the student image")
    refresh_course_root(Course(sources), root, setting("NNCOURSE_COURSE"))
    os.chdir(root)
    os.environ["JUPYTER_CONFIG_PATH"] = str(Path(setting("NNCOURSE_ROLES")) / "grader")
    os.environ["NNCOURSE_HUB_ROLE"] = "grader"
    command = grader_command(setting("NNCOURSE_SERVICE_PORT"), root)
    os.execvp(command[0], command)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.hub.image", description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("configure", "prepare", "grader"))
    args = parser.parse_args(argv)
    if args.step == "configure":
        for path in configure():
            print(path)
    elif args.step == "prepare":
        prepare()
    else:
        grader()
    return 0


if __name__ == "__main__":
    sys.exit(main())
