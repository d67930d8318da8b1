"""An LTI 1.3 launch into the hub from a (stand-in) LMS: signed ID token in, the right account and panels out.

The hub is set up with ``--auth lti13`` pointing at ``fake_lms.py`` on
loopback, which plays the platform's part of the launch (JWKS, the OIDC
authorization step, an RS256-signed ID token).  Everything on the hub's side
is the real ``ltiauthenticator``: the login initiation, the state and nonce
cookies, the signature check against the platform's keys, the claims.
"""
from __future__ import annotations

import pwd
import signal
import subprocess
import time
import urllib.request
from urllib.parse import urlencode

import pytest

import hubdriver
from conftest import require_hub

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.browser]

CLIENT_ID = "nncourse-test-client"
PEOPLE = {"ada": ("lti-ada@school.example", "Learner"), "prof": ("lti-prof@school.example", "Instructor"),
          "mallory": ("lti-mallory@school.example", "Instructor"),  # her tokens are signed with an unpublished key
          # Addresses that clean to a login that is not theirs: the grader's, and ada's (another LMS user).
          "eve": ("grader@nnhublti", "Learner"), "ada2": ("lti.ada@school.example", "Learner")}


@pytest.fixture(scope="module")
def lti_hub():
    require_hub()
    hub = hubdriver.Hub("nnhublti", [])
    hub.remove()
    hub.work.mkdir(parents=True, exist_ok=True)
    lms_port = hubdriver.labdriver.free_port()
    lms = subprocess.Popen([str(hub.env_dir / "bin" / "python"), str(hubdriver.Path(__file__).with_name("fake_lms.py")),
                            "--port", str(lms_port), "--client-id", CLIENT_ID,
                            *[f"--user={hint}={email}:{role}" for hint, (email, role) in PEOPLE.items()],
                            "--forge", "mallory"],
                           stdout=subprocess.DEVNULL, stderr=(hub.work / "lms.log").open("w"),
                           start_new_session=True)
    hub.lms = f"http://127.0.0.1:{lms_port}"
    try:
        hub.setup(["--auth", "lti13", "--lti-issuer", hub.lms, "--lti-client-id", CLIENT_ID,
                   "--lti-authorize-url", f"{hub.lms}/authorize", "--lti-jwks-url", f"{hub.lms}/jwks"])
        _wait(f"{hub.lms}/jwks")
        hub.start()
        yield hub
    finally:
        hub.stop()
        lms.send_signal(signal.SIGTERM)
        lms.wait(timeout=10)
        hub.remove()


def _wait(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _launch(page, hub, hint: str) -> None:
    """What the LMS does when a person clicks the course's link: start the hub's LTI login."""
    params = {"iss": hub.lms, "login_hint": hint, "target_link_uri": f"{hub.url}/hub",
              "client_id": CLIENT_ID, "lti_deployment_id": "1"}
    page.goto(f"{hub.url}/hub/lti13/oauth_login?{urlencode(params)}")
    page.wait_for_url(f"{hub.url}/user/**/lab**", timeout=120_000)
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()


def test_the_config_url_for_the_lms(lti_hub):
    """Does the hub serve the tool configuration an LMS imports (JSON with the login URL)?"""
    with urllib.request.urlopen(f"{lti_hub.url}/hub/lti13/config") as response:
        import json

        config = json.load(response)
    assert config["oidc_initiation_url"].endswith("/hub/lti13/oauth_login")


@pytest.mark.parametrize("hint, login, menu", [
    ("ada", "lti-ada-school-example", ["Assignment List"]),
    ("prof", "lti-prof-school-example", ["Assignment List", "Course List"]),
])
def test_a_launch_logs_in_with_the_lms_role(lti_hub, person, hint, login, menu):
    """Does a launch create the account, start the server as it, and show the panels of the LMS role?"""
    page = person()
    _launch(page, lti_hub, hint)
    assert f"/user/{login}/lab" in page.url
    assert pwd.getpwnam(login).pw_gecos.startswith("nncourse hub nnhublti")
    assert hubdriver.nbgrader_menu(page) == menu


def test_a_token_with_a_forged_signature_is_refused(lti_hub, person):
    """Is a launch whose ID token is not signed by the platform's published key refused (no account, no server)?"""
    page = person()
    responses = []
    page.on("response", lambda r: responses.append((r.url, r.status)))
    params = {"iss": lti_hub.lms, "login_hint": "mallory", "target_link_uri": f"{lti_hub.url}/hub",
              "client_id": CLIENT_ID}
    page.goto(f"{lti_hub.url}/hub/lti13/oauth_login?{urlencode(params)}")
    page.wait_for_load_state("networkidle")
    callback = [status for url, status in responses if "/hub/lti13/oauth_callback" in url]
    assert callback == [400], responses
    assert "/user/" not in page.url
    with pytest.raises(KeyError):
        pwd.getpwnam("lti-mallory-school-example")


@pytest.mark.parametrize("hint, login, reason", [
    ("eve", "grader-nnhublti", "grader-nnhublti is the course's grader account"),
    ("ada2", "lti-ada-school-example", "the login lti-ada-school-example already belongs to another user of the LMS"),
])
def test_a_launch_never_takes_an_account_that_is_not_theirs(lti_hub, person, hint, login, reason):
    """Is a validly signed launch whose address cleans to the grader's login, or to ada's, refused (403, why)?"""
    if hint == "ada2" and not _exists(login):
        _launch(person(), lti_hub, "ada")  # ada launches first (as in file order): the login is hers
    page = person()
    responses = []
    page.on("response", lambda r: responses.append((r.url, r.status)))
    params = {"iss": lti_hub.lms, "login_hint": hint, "target_link_uri": f"{lti_hub.url}/hub",
              "client_id": CLIENT_ID}
    page.goto(f"{lti_hub.url}/hub/lti13/oauth_login?{urlencode(params)}")
    page.wait_for_load_state("networkidle")
    assert [status for url, status in responses if "/hub/lti13/oauth_callback" in url] == [403], responses
    assert reason in page.locator("body").inner_text()
    assert "/user/" not in page.url and not any(f"/user/{login}/" in url for url, _ in responses)


def _exists(login: str) -> bool:
    try:
        pwd.getpwnam(login)
        return True
    except KeyError:
        return False
