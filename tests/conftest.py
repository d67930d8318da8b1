"""Fixtures shared by the browser and hub suites.

Playwright's sync API runs its own event loop in the calling thread, and a
second ``sync_playwright().start()`` while the first is alive fails ("using
Playwright Sync API inside the asyncio loop").  The browser suite keeps its
Chromium for the whole run, so every suite that drives a browser starts it
from this one Playwright, started at most once per run.
"""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def playwright_driver():
    """The run's one Playwright (sync API), stopped at the end of the run."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()
