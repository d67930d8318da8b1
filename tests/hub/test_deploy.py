"""deploy/ (Zero to JupyterHub on Kubernetes), checked as far as it can be without a cluster.

What is checked: the Helm values and the volumes load as YAML and use only keys of the chart's
documented values (``CHART_KEYS``, written down from the chart ``jupyterhub`` 4.3.x's values.yaml and
values.schema.yaml) and, merged over the chart's defaults as Helm does, validate against the chart's own
schema (chart 4.3.1's, kept in ``z2jh-chart-4.3.1/``; ``NNCOURSE_Z2JH_CHART`` points at another chart
folder); the hub's extraConfig runs as Python with the chart's ``get_config`` and gives the
same groups, roles and allowed users as ``nncourse hub`` on one machine; the formgrader's service, port,
token and volumes are wired to each other; the Dockerfile copies files that exist, runs modules that
exist, and keeps solutions/ out of the student image; the image's configure / prepare steps write what
one machine's setup writes.  What is not checked here (a cluster, a registry, an image build where no
container builder runs) is listed in deploy/README.md.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

from autograder.hub import image
from autograder.hub.exchange import submission_problem
from autograder.hub.jupyterhub_config import SERVER_SCOPES, configure
from autograder.hub.settings import HubSettings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
CHART = Path(__file__).with_name("z2jh-chart-4.3.1")  # the chart's values.yaml and values.schema.yaml

# The chart's values this deployment may use, as documented for the chart `jupyterhub` 4.3.x (values.yaml,
# values.schema.yaml). A dict: the key's own documented keys; None: a free-form value (any content).
CHART_KEYS = {
    "custom": None,
    "hub": {
        "config": None, "extraConfig": None, "extraFiles": None, "loadRoles": None, "services": None,
        "extraVolumes": None, "extraVolumeMounts": None, "initContainers": None, "extraContainers": None,
        "extraEnv": None, "baseUrl": None, "cookieSecret": None, "concurrentSpawnLimit": None,
        "activeServerLimit": None, "resources": None, "image": None, "db": None, "nodeSelector": None,
        "service": {"type": None, "annotations": None, "ports": None, "extraPorts": None, "loadBalancerIP": None},
        "networkPolicy": {"enabled": None, "ingress": None, "egress": None, "egressAllowRules": None,
                          "interNamespaceAccessLabels": None, "allowedIngressPorts": None},
    },
    "proxy": {
        "secretToken": None, "https": None, "service": None,
        "chp": {"networkPolicy": {"enabled": None, "ingress": None, "egress": None, "egressAllowRules": None,
                                  "interNamespaceAccessLabels": None, "allowedIngressPorts": None},
                "resources": None, "extraEnv": None},
    },
    "singleuser": {
        "image": {"name": None, "tag": None, "pullPolicy": None, "pullSecrets": None},
        "defaultUrl": None, "uid": None, "fsGid": None, "startTimeout": None, "cmd": None,
        "cpu": {"limit": None, "guarantee": None}, "memory": {"limit": None, "guarantee": None},
        "storage": {"type": None, "capacity": None, "homeMountPath": None, "extraLabels": None,
                    "extraVolumes": None, "extraVolumeMounts": None, "static": None, "dynamic": None},
        "extraEnv": None, "extraFiles": None, "networkPolicy": None, "profileList": None,
        "lifecycleHooks": None, "initContainers": None, "extraContainers": None, "nodeSelector": None,
    },
    "cull": {"enabled": None, "users": None, "adminUsers": None, "removeNamedServers": None, "timeout": None,
             "every": None, "concurrency": None, "maxAge": None},
    "scheduling": None, "prePuller": None, "ingress": None, "rbac": None, "debug": None,
}
# hub.services.<name>: the keys the chart's schema names (it passes them on to JupyterHub.services).
SERVICE_KEYS = {"name", "admin", "command", "url", "api_token", "apiToken", "display", "oauth_no_confirm",
                "oauth_client_id", "oauth_redirect_uri", "info", "environment", "user", "cwd", "oauth_roles"}
# What JupyterHub gives a service it starts itself (seen in /proc/<pid>/environ of the local hub's
# formgrader): the side-car, started by Kubernetes, must be given the same by hand.
SERVICE_ENV = {"JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVICE_NAME", "JUPYTERHUB_CLIENT_ID", "JUPYTERHUB_USER",
               "JUPYTERHUB_API_URL", "JUPYTERHUB_BASE_URL", "JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_SERVICE_URL",
               "JUPYTERHUB_OAUTH_CALLBACK_URL", "JUPYTERHUB_OAUTH_SCOPES", "JUPYTERHUB_OAUTH_ACCESS_SCOPES"}


def values() -> dict:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


def _unknown_keys(data: dict, allowed: dict, path: str = "") -> list[str]:
    unknown = []
    for key, value in data.items():
        where = f"{path}.{key}" if path else key
        if key not in allowed:
            unknown.append(where)
        elif isinstance(allowed[key], dict):
            assert isinstance(value, dict), f"{where}: expected a mapping, got {type(value).__name__}"
            unknown += _unknown_keys(value, allowed[key], where)
    return unknown


def test_the_values_use_only_the_charts_keys():
    v = values()
    assert _unknown_keys(v, CHART_KEYS) == []
    for name, service in v["hub"]["services"].items():
        assert set(service) <= SERVICE_KEYS, f"hub.services.{name}: {set(service) - SERVICE_KEYS}"
    for where in ("hub", "singleuser"):
        for name, entry in v[where].get("extraFiles", {}).items():
            kinds = {"data", "stringData", "binaryData"} & set(entry)
            assert "mountPath" in entry and len(kinds) == 1, f"{where}.extraFiles.{name}"
    assert isinstance(v["singleuser"]["cpu"]["limit"], (int, float))
    assert re.fullmatch(r"\d+(\.\d+)?[KMGT]i?", str(v["singleuser"]["memory"]["limit"]))


def test_a_key_the_chart_does_not_have_is_caught():
    """The key check can fail: a typo (singleuser.memory.limt) is reported with its path."""
    v = values()
    v["singleuser"]["memory"]["limt"] = "1G"
    v["hub"]["extraConfigs"] = {}
    assert _unknown_keys(v, CHART_KEYS) == ["hub.extraConfigs", "singleuser.memory.limt"]


def _merged(defaults, given):
    """Helm's merge of user values over the chart's: mappings merge key by key, anything else is replaced."""
    if isinstance(defaults, dict) and isinstance(given, dict):
        return {**defaults, **{k: _merged(defaults.get(k), v) for k, v in given.items()}}
    return given


def test_the_values_validate_against_the_charts_schema():
    """Do the values, merged over the chart's defaults, pass the chart's schema (what helm install checks first)?"""
    chart = os.environ.get("NNCOURSE_Z2JH_CHART") or CHART
    import jsonschema

    defaults = yaml.safe_load((Path(chart) / "values.yaml").read_text())
    schema = yaml.safe_load((Path(chart) / "values.schema.yaml").read_text())
    jsonschema.validate(_merged(defaults, values()), schema)
    broken = _merged(defaults, values())
    broken["singleuser"]["cpu"]["limit"] = "one core"  # the schema check can fail
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def _extra_config(tmp_path, v: dict) -> dict:
    """Run hub.extraConfig.nncourse as the chart's jupyterhub_config.py does: exec with c and get_config."""
    people = tmp_path / "people.json"
    people.write_text(json.dumps(v["hub"]["extraFiles"]["nncourse-people"]["data"]))
    v["custom"]["nncourse"]["peopleFile"] = str(people)

    def get_config(key, default=None):  # the chart's z2jh.get_config: a dotted path into the values
        node = v
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    namespace = {"c": Config(), "get_config": get_config}
    exec(compile(v["hub"]["extraConfig"]["nncourse"], "hub.extraConfig.nncourse", "exec"), namespace)
    return namespace


class _Spawner:
    def __init__(self, name: str):
        self.user = type("User", (), {"name": name})()
        self.environment: dict = {}
        self.uid = self.gid = None


def test_the_hub_config_agrees_with_one_machine(tmp_path):
    """Groups, allowed users and roles on Kubernetes are those `nncourse hub` gives the same people."""
    v = values()
    c = _extra_config(tmp_path, v)["c"]
    people = v["hub"]["extraFiles"]["nncourse-people"]["data"]
    course = v["custom"]["nncourse"]["course"]
    local = Config()
    configure(local, HubSettings(course=course, prefix=str(tmp_path / "local"), students=list(people["students"]),
                                 instructors=list(people["instructors"])).save())
    assert c.Authenticator.allowed_users == local.Authenticator.allowed_users
    assert c.Authenticator.admin_users == set() and v["hub"]["config"]["JupyterHub"]["admin_access"] is False
    assert ({g: set(x["users"]) for g, x in c.JupyterHub.load_groups.items()}
            == {g: set(x["users"]) for g, x in local.JupyterHub.load_groups.items()})
    k8s_roles = {name: {**role, "name": name} for name, role in v["hub"]["loadRoles"].items()}
    local_roles = {r["name"]: r for r in local.JupyterHub.load_roles if r["name"] != "idle-culler"}  # chart's cull
    assert k8s_roles == local_roles
    assert k8s_roles["server"]["scopes"] == SERVER_SCOPES


def test_each_person_gets_their_own_uid_and_role(tmp_path):
    v = values()
    hook = _extra_config(tmp_path, v)["c"].KubeSpawner.pre_spawn_hook
    people = v["hub"]["extraFiles"]["nncourse-people"]["data"]
    uids = {**people["students"], **people["instructors"]}
    assert len(set(uids.values())) == len(uids) and 1000 not in uids.values() and 9000 not in uids.values()
    roles = {}
    for name, uid in uids.items():
        spawner = _Spawner(name)
        hook(spawner)
        assert spawner.uid == uid and spawner.gid == 100
        roles[name] = spawner.environment["NNCOURSE_HUB_ROLE"]
        assert spawner.environment["JUPYTER_CONFIG_PATH"] == f"/etc/nncourse/roles/{roles[name]}"
    assert {n for n, r in roles.items() if r == "instructor"} == set(people["instructors"])
    with pytest.raises(ValueError, match="mallory@uni.example is not on the roster of nncourse"):
        hook(_Spawner("mallory@uni.example"))


def test_the_formgrader_service_is_wired_end_to_end():
    """Service name = course; its URL's port = the hub Service's extra port = the side-car's = the netpols'."""
    v = values()
    hub = v["hub"]
    course = v["custom"]["nncourse"]["course"]
    (name, service), = hub["services"].items()
    assert name == course
    port = int(service["url"].rsplit(":", 1)[1])
    assert service["url"].startswith("http://hub:")
    assert [p["port"] for p in hub["service"]["extraPorts"]] == [port]
    assert [p["targetPort"] for p in hub["service"]["extraPorts"]] == [port]
    sidecar, = hub["extraContainers"]
    env = {e["name"]: e for e in sidecar["env"]}
    assert [p["containerPort"] for p in sidecar["ports"]] == [port]
    assert int(env["NNCOURSE_SERVICE_PORT"]["value"]) == port and env["NNCOURSE_COURSE"]["value"] == course
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "hub",
                                                                       "key": f"hub.services.{name}.apiToken"}
    assert set(env) >= SERVICE_ENV
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == f"/services/{name}/"
    assert env["JUPYTERHUB_CLIENT_ID"]["value"] == f"service-{name}"
    assert [p["port"] for rule in hub["networkPolicy"]["ingress"] for p in rule["ports"]] == [port]
    assert [p["port"] for rule in v["proxy"]["chp"]["networkPolicy"]["egress"] for p in rule["ports"]] == [port]
    assert sidecar["securityContext"]["runAsUser"] == 9000 and sidecar["command"][-1] == "grader"
    assert hub["initContainers"][0]["command"][-1] == "prepare"
    assert hub["initContainers"][0]["securityContext"]["runAsUser"] == 0
    # the people file reaches the side-car through the chart's volume of hub.extraFiles
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    assert mounts[env["NNCOURSE_PEOPLE"]["value"]] == {"name": "files", "mountPath": env["NNCOURSE_PEOPLE"]["value"],
                                                       "subPath": "nncourse-people"}


def test_the_volumes_exist_and_the_exchange_is_shared():
    v = values()
    claims = {d["metadata"]["name"]: d for d in yaml.safe_load_all((DEPLOY / "volumes.yaml").read_text())}
    assert {d["kind"] for d in claims.values()} == {"PersistentVolumeClaim"}
    assert claims["nncourse-exchange"]["spec"]["accessModes"] == ["ReadWriteMany"]
    used = {vol["persistentVolumeClaim"]["claimName"] for vol in
            v["hub"]["extraVolumes"] + v["singleuser"]["storage"]["extraVolumes"]}
    assert used == set(claims)
    exchange = image.DEFAULTS["NNCOURSE_EXCHANGE"]
    single = {m["name"]: m["mountPath"] for m in v["singleuser"]["storage"]["extraVolumeMounts"]}
    assert single == {"exchange": exchange}
    for container in v["hub"]["extraContainers"] + v["hub"]["initContainers"]:
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        assert mounts["exchange"] == exchange
        assert image.DEFAULTS["NNCOURSE_COURSE_ROOT"].startswith(mounts["course"] + "/")


def _dockerfile() -> list[tuple[str, str, str]]:
    """(stage, instruction, arguments) of deploy/Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())
    rows, stage = [], ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        if instruction == "FROM":
            stage = args.split(" AS ")[-1].strip()
        rows.append((stage, instruction, args))
    return rows


def test_the_dockerfile_copies_what_exists_and_runs_what_exists():
    rows = _dockerfile()
    assert [s for _, i, s in rows if i == "FROM"] == ["python:3.12-slim-bookworm AS student", "student AS grader"]
    for stage, instruction, args in rows:
        if instruction == "COPY":
            *sources, _dest = args.split()
            for source in sources:
                assert (REPO / source).exists(), f"COPY {source}: not in the repository"
            if stage == "student":
                assert not any(s.startswith(("solutions", "course", "nbgrader_config")) for s in sources), (
                    "the student image must not hold the course's sources")
    runs = " ".join(args for _, i, args in rows if i in ("RUN", "CMD", "ENTRYPOINT"))
    for module, step in re.findall(r"python -m (autograder\.hub\.image)\W+(\w+)", runs.replace('", "', " ")):
        assert step in ("configure", "prepare", "grader")
    assert "python -m autograder.hub.image configure" in runs
    assert '"/tmp/nncourse[hub]"' in runs
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r"^hub = \[", pyproject, re.MULTILINE)
    env = " ".join(args for _, i, args in rows if i == "ENV")
    for name in ("NNCOURSE_EXCHANGE", "NNCOURSE_ROLES", "NNCOURSE_COURSE_ROOT", "NNCOURSE_SOURCES"):
        assert f"{name}={image.DEFAULTS[name]}" in env
    assert subprocess.run(["sh", "-n", str(DEPLOY / "entrypoint.sh")], check=False).returncode == 0


def test_the_image_configure_step_writes_one_machines_config(tmp_path, monkeypatch):
    monkeypatch.setenv("NNCOURSE_ROLES", str(tmp_path / "roles"))
    monkeypatch.setenv("NNCOURSE_EXCHANGE", "/srv/nbgrader/exchange")
    written = image.configure(tmp_path / "etc")
    nbconfig = (tmp_path / "etc" / "nbgrader_config.py").read_text()
    assert "c.Exchange.root = '/srv/nbgrader/exchange'" in nbconfig and "JupyterHubAuthPlugin" in nbconfig
    local = tmp_path / "local"
    from autograder.hub.setup import write_roles

    write_roles(local)
    for role in ("student", "instructor", "grader"):
        for name in ("jupyter_server_config.json", "labconfig/page_config.json"):
            assert (tmp_path / "roles" / role / name).read_text() == (local / role / name).read_text()
    assert len(written) == 1 + 6
    student = json.loads((tmp_path / "roles/student/labconfig/page_config.json").read_text())
    assert student["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True


@pytest.mark.skipif(os.geteuid() != 0, reason="prepare chowns to the grader's uid (root, as in the init container)")
def test_the_image_prepare_step_makes_the_exchange_modes(tmp_path, monkeypatch):
    monkeypatch.setenv("NNCOURSE_EXCHANGE", str(tmp_path / "exchange"))
    monkeypatch.setenv("NNCOURSE_COURSE_ROOT", str(tmp_path / "srv" / "course"))
    image.prepare()
    mode = {p: stat.S_IMODE((tmp_path / "exchange" / p).stat().st_mode) for p in
            ("", "nncourse", "nncourse/outbound", "nncourse/inbound", "nncourse/feedback")}
    assert mode == {"": 0o1777, "nncourse": 0o755, "nncourse/outbound": 0o755, "nncourse/inbound": 0o2733,
                    "nncourse/feedback": 0o711}
    root = (tmp_path / "srv" / "course").stat()
    assert (root.st_uid, stat.S_IMODE(root.st_mode)) == (9000, 0o700)
    assert (tmp_path / "exchange" / "nncourse" / "inbound").stat().st_uid == 9000


def test_the_grader_step_refuses_the_student_image(tmp_path, monkeypatch):
    monkeypatch.setenv("NNCOURSE_SOURCES", str(tmp_path / "none"))
    with pytest.raises(SystemExit, match="expected the course's sources"):
        image.grader()
    assert image.grader_command(8091, Path("/srv/nncourse/course")) == [
        "jupyterhub-singleuser", "--ServerApp.root_dir=/srv/nncourse/course", "--ServerApp.ip=0.0.0.0",
        "--ServerApp.port=8091"]


def test_collect_checks_owners_by_the_people_file(tmp_path, monkeypatch):
    """On Kubernetes no student has an account in the grader's container: the people file gives their uid."""
    submission = tmp_path / "inbound" / "ada@uni.example+01_perceptron+t"
    submission.mkdir(parents=True)
    (submission / "01_perceptron.ipynb").write_text("{}")
    people = tmp_path / "people.json"
    monkeypatch.delenv("NNCOURSE_PEOPLE", raising=False)
    assert "who has no account" in submission_problem(str(submission), "ada@uni.example")
    people.write_text(json.dumps({"students": {"ada@uni.example": os.getuid(), "bob@uni.example": os.getuid() + 1},
                                  "instructors": {}}))
    monkeypatch.setenv("NNCOURSE_PEOPLE", str(people))
    assert submission_problem(str(submission), "ada@uni.example") == ""
    assert "not to bob@uni.example" in submission_problem(str(submission), "bob@uni.example")
    assert "who has no account" in submission_problem(str(submission), "eve@uni.example")


def _container_builder() -> str | None:
    for tool in ("docker", "podman", "buildah"):
        if shutil.which(tool) and subprocess.run([tool, "info"], check=False, capture_output=True,
                                                  timeout=30).returncode == 0:
            return tool
    return None


@pytest.mark.slow
def test_the_image_builds_where_a_container_builder_runs():
    tool = _container_builder()
    if tool is None:
        pytest.skip("no container builder runs here (docker without a daemon, no podman, no buildah)")
    build = [tool, "build", "-f", str(DEPLOY / "Dockerfile"), "--target", "student", "-t", "nncourse-student:test",
             str(REPO)]
    assert subprocess.run(build, check=False, timeout=1800).returncode == 0
