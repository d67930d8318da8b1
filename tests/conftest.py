"""Settings and fixtures shared by every suite: one BLAS thread per process; one Playwright.

Playwright's sync API runs its own event loop in the calling thread, and a
second ``sync_playwright().start()`` while the first is alive fails ("using
Playwright Sync API inside the asyncio loop").  The browser suite keeps its
Chromium for the whole run, so every suite that drives a browser starts it
from this one Playwright, started at most once per run.
"""
from __future__ import annotations

import os

import pytest

# One BLAS thread per process, in this process and every kernel and server the tests start (they inherit
# the environment): the tests run many processes side by side on two cores, and OpenBLAS's own threads
# then fight over them (small products measured 30x slower under load). Set before NumPy is imported.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


@pytest.fixture(scope="session")
def playwright_driver():
    """The run's one Playwright (sync API), stopped at the end of the run."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()
