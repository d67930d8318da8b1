"""Fixtures of the hub tests: one real course hub and one Chromium for the module.

The hub is made by the real command (``nncourse hub setup`` then ``start``)
with a test course id (``nnhubtest``) and accounts prefixed ``nnhubt-``, on
free loopback ports, in a temporary prefix; its Python environment is kept
between runs (``NNCOURSE_HUB_TEST_ENV``, default ``/var/tmp/nncourse-hub-env``).
Whatever happens, the finalizer stops the hub by its PID and runs ``nncourse
hub remove``, which deletes exactly the accounts setup made.

Without root, configurable-http-proxy or Chromium the tests skip with the
reason; under CI (``CI`` set) that is a failure instead.
"""
from __future__ import annotations

import os

import pytest

import hubdriver

COURSE = "nnhubtest"
MEMBERS = [("nnhubt-prof", "instructor"), ("nnhubt-ada", "student"), ("nnhubt-bob", "student")]


def require_hub() -> None:
    reason = hubdriver.skip_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the hub tests: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def hub():
    require_hub()
    hub = hubdriver.Hub(COURSE, MEMBERS)
    hub.remove()  # accounts a crashed earlier run left behind (remove finds them by their mark)
    hub.work.mkdir(parents=True, exist_ok=True)
    try:
        hub.setup_output = hub.setup()
        hub.start()
        yield hub
    finally:
        hub.stop()
        log = hub.log_tail(200)
        hub.remove()
        hubdriver.write_json(hubdriver.REPO / "test-artifacts" / "hub" / "hub-log-tail.json", log.splitlines())


@pytest.fixture(scope="module")
def chromium(request):
    """A Chromium of this module's own, from the run's one Playwright (tests/conftest.py)."""
    require_hub()
    browser = hubdriver.labdriver.launch_chromium(request.getfixturevalue("playwright_driver"))
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def person(chromium):
    """A fresh browser context per person (their own cookies), closed after the test."""
    contexts = []

    def open_page():
        context = chromium.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(120_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
