"""Page-ready time of a Voilà page: navigation start → every widget image drawn, measured in the page.

Install :data:`READY_JS` with ``page.add_init_script`` before ``page.goto``
(or before clicking a link).  It runs first thing in the new document:

- a MutationObserver notes every ``<script type="application/vnd.voila.cell-output+json">``
  Voilà streams into the page (the cell outputs; Voilà's front end removes
  them once it has rendered them, so they are counted as they arrive) and
  how many of them are widget views;
- every 20 ms it checks whether the page has loaded and that many widget
  outputs are on the page, every ``img.widget-image`` loaded (``complete``,
  ``naturalWidth > 0``); the next animation frame after that is "ready".

``performance.now()`` counts from the navigation's start, so the number
includes the request, the server's wait for a kernel, the notebook's run if
no kernel was waiting, the JavaScript bundle, the widgets' state and the
PNGs.  Used by ``tests/browser/test_present.py`` (recorded) and
``benchmarks/bench_present.py`` (reported).
"""
from __future__ import annotations

READY_JS = r"""
(() => {
  const t = {ready: null, widgets: 0, images: 0};
  window.__nncoursePageReady = t;
  const outputs = new Set();
  new MutationObserver(changes => {
    for (const change of changes) for (const node of change.addedNodes) {
      if (node.nodeName === 'SCRIPT' && node.type === 'application/vnd.voila.cell-output+json') outputs.add(node);
    }
  }).observe(document, {childList: true, subtree: true});
  const check = () => {
    const expected = [...outputs].filter(s => s.textContent.includes('application/vnd.jupyter.widget-view+json')).length;
    const shown = document.querySelectorAll('.jp-OutputArea-output:has(> .jupyter-widgets)').length;
    const images = [...document.querySelectorAll('img.widget-image')];
    const loaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
    t.progress = {state: document.readyState, expected, shown, images: images.length, loaded};  // for a time-out's message
    if (document.readyState === 'complete' && expected > 0 && shown >= expected && images.length > 0
        && loaded === images.length) {
      t.widgets = shown;
      t.images = images.length;
      requestAnimationFrame(() => { t.ready = performance.now(); });
      return;
    }
    setTimeout(check, 20);
  };
  check();
})();
"""


def wait_page_ready(page, timeout_s: float = 120.0) -> dict:
    """Wait for the page installed with :data:`READY_JS` to be ready; ``{"ready": ms, "widgets": n, "images": n}``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("window.__nncoursePageReady && window.__nncoursePageReady.ready !== null",
                               timeout=timeout_s * 1000, polling=100)
    except PlaywrightTimeout:
        progress = page.evaluate("(window.__nncoursePageReady || {}).progress || null")
        # What the page shows instead (a Voilà error page, a traceback in a cell) is the real cause: say it.
        shown = page.evaluate("(document.title + ' | ' + (document.body ? document.body.innerText : '')).slice(0, 600)")
        raise TimeoutError(f"{page.url}: not ready after {timeout_s:.0f} s; expected widget outputs, shown, images, "
                           f"loaded: {progress}; the page shows: {shown!r}") from None
    return page.evaluate("window.__nncoursePageReady")
