"""``nncourse hub``: the command line of the course's JupyterHub (wired into :mod:`autograder.cli`).

    nncourse hub start --roster roster.csv      set up (idempotent), then run the hub in the foreground
    nncourse hub setup --roster roster.csv      set up only (accounts, environment, exchange, course, config)
    nncourse hub start                          start again as set up (options given change that)
    nncourse hub remove                         delete the accounts setup made and the prefix's folders
"""
from __future__ import annotations

import argparse
import sys

DEFAULT_PREFIX = "/srv/nncourse"
DEFAULT_COURSE = "nncourse"


def add_parser(sub) -> None:
    p = sub.add_parser("hub", help="a JupyterHub for the course on this machine (roster, exchange, formgrader)",
                       description="Set up and run a JupyterHub for the course on this Linux machine: accounts "
                                   "from a roster, one Jupyter server per user, nbgrader's exchange and panels, "
                                   "the formgrader for instructors. Run as root.")
    actions = p.add_subparsers(dest="hub_action", required=True, metavar="ACTION")
    for name, text in (("start", "set up, then run the hub in the foreground (Ctrl-C stops it)"),
                       ("setup", "set up only: accounts, environment, exchange, course root, configuration")):
        a = actions.add_parser(name, help=text, description=text)
        _common(a)
        a.add_argument("--roster", help="CSV with columns username,role (student/instructor); optional name,email")
        a.add_argument("--ip", help="address to listen on (default 127.0.0.1; 0.0.0.0 for a class, behind TLS)")
        a.add_argument("--port", type=int, help="public port (default 8000)")
        a.add_argument("--hub-port", type=int, help="hub API port on 127.0.0.1 (default 8081)")
        a.add_argument("--proxy-api-port", type=int, help="proxy API port on 127.0.0.1 (default 8001)")
        a.add_argument("--service-port", type=int, help="formgrader service port on 127.0.0.1 (default 8091)")
        a.add_argument("--auth", choices=("local", "lti13"),
                       help="local (default): the machine's accounts and passwords (PAM); lti13: launches from an LMS")
        a.add_argument("--lti-issuer", help="LTI 1.3: the platform's issuer, e.g. https://canvas.instructure.com")
        a.add_argument("--lti-client-id", action="append", help="LTI 1.3: the tool's client id (repeatable)")
        a.add_argument("--lti-authorize-url", help="LTI 1.3: the platform's OIDC authorization URL")
        a.add_argument("--lti-jwks-url", help="LTI 1.3: the platform's JWKS URL (its public keys)")
        a.add_argument("--lti-username-key", help="LTI 1.3: the ID-token claim naming the user (default email)")
        a.add_argument("--idle-timeout", type=int, help="stop servers idle this many seconds (default 3600; 0: never)")
        a.add_argument("--ssl-cert", help="TLS certificate for the public port")
        a.add_argument("--ssl-key", help="TLS key for the public port")
        a.add_argument("--python", default=None, help="interpreter for the hub's environment (default: this "
                                                      "one's base, or /usr/bin/python3 if others cannot run it)")
        a.set_defaults(func=cmd_hub)
    a = actions.add_parser("remove", help="delete the accounts setup made for the course and the prefix's folders")
    _common(a)
    a.add_argument("--keep-env", action="store_true", help="keep the Python environment (slow to rebuild)")
    a.set_defaults(func=cmd_hub)


def _common(a) -> None:
    a.add_argument("--course", default=None, help=f"course id (default: the course the prefix's hub was set up "
                                                  f"for, else {DEFAULT_COURSE}): groups, service, exchange")
    a.add_argument("--prefix", default=DEFAULT_PREFIX, help=f"where the hub lives (default {DEFAULT_PREFIX})")
    a.add_argument("--env", default="", help="the hub's Python environment (default PREFIX/env)")


# Options that map one to one onto a HubSettings field (None: keep what the hub was set up with).
_FIELDS = {"ip": "ip", "port": "port", "hub_port": "hub_port", "proxy_api_port": "proxy_api_port",
           "service_port": "service_port", "auth": "auth", "idle_timeout": "idle_timeout",
           "ssl_cert": "ssl_cert", "ssl_key": "ssl_key"}
_LTI = {"lti_issuer": "issuer", "lti_client_id": "client_id", "lti_authorize_url": "authorize_url",
        "lti_jwks_url": "jwks_endpoint", "lti_username_key": "username_key"}


def _settings(args):
    """The hub's settings: what it was set up with before (if anything), changed by the options given.

    One prefix holds one hub of one course: a ``--course`` other than the
    one the prefix's hub was set up for is refused, never applied to that
    hub (its roster replaced, or its accounts removed, under another name).
    """
    from autograder.hub.settings import HubSettings
    from autograder.hub.setup import HubError

    fresh = HubSettings(course=args.course or DEFAULT_COURSE, prefix=args.prefix, env_dir=args.env)
    settings = HubSettings.load(fresh.path) if fresh.path.exists() else fresh
    if args.course and args.course != settings.course:
        raise HubError(f"{settings.path} is the hub of the course {settings.course!r}, not {args.course!r}; "
                       f"expected --course {settings.course} (or none) for it, or another --prefix for "
                       f"{args.course!r}: one prefix holds one course's hub")
    settings.env_dir = args.env or settings.env_dir
    if args.hub_action == "remove":
        return settings
    for option, name in _FIELDS.items():
        if getattr(args, option) is not None:
            setattr(settings, name, getattr(args, option))
    lti = {"username_key": "email", **settings.lti}
    lti.update({key: getattr(args, option) for option, key in _LTI.items() if getattr(args, option) is not None})
    settings.lti = lti if settings.auth == "lti13" else {}
    return settings


def cmd_hub(args) -> int:
    from autograder.hub.accounts import AccountError
    from autograder.hub.environment import EnvironmentError_
    from autograder.hub.roster import RosterError, read_roster
    from autograder.hub.setup import HubError, remove, setup, start
    from autograder.pipeline.course import find_course

    try:
        settings = _settings(args)
        if args.hub_action == "remove":
            remove(settings, keep_env=args.keep_env)
            return 0
        roster = read_roster(args.roster) if args.roster else None  # None: the people it was set up with
        setup(find_course(), settings, roster, python=args.python, say=_say)
        if args.hub_action == "setup":
            _say(f"set up; start it with: {start_line(args)}")
            return 0
        return start(settings, say=print)
    except (RosterError, HubError, AccountError, EnvironmentError_) as exc:
        print(f"nncourse hub: {exc}", file=sys.stderr)
        return 2


def start_line(args) -> str:
    """The command that starts this hub: ``nncourse hub start`` plus the options that are not the defaults.

    Ports, login and the rest are kept in the hub's settings, so only what
    finds those settings (course, prefix, environment) has to be repeated.
    """
    parts = ["nncourse hub start"]
    if args.course and args.course != DEFAULT_COURSE:
        parts.append(f"--course {args.course}")
    if args.prefix != DEFAULT_PREFIX:
        parts.append(f"--prefix {args.prefix}")
    if args.env:
        parts.append(f"--env {args.env}")
    return " ".join(parts)


def _say(text: str) -> None:
    print(f"[hub] {text}", flush=True)


if __name__ == "__main__":  # python -m autograder.hub.cli ... (same as nncourse hub ...)
    parser = argparse.ArgumentParser(prog="nncourse")
    add_parser(parser.add_subparsers(dest="command", required=True))
    ns = parser.parse_args()
    sys.exit(ns.func(ns))
