/* nncourse lecture view: the lecturer's tools, added to the page Voilà serves.

   - Contents: the chapter's headings (h1-h3) in a panel on the left; a click
     jumps there.  "C" opens and closes it, Escape closes it.
   - Next / previous section: PageDown / PageUp (what a presenter's clicker
     sends) or the right / left arrow keys.  The arrows are left to a widget
     control that has the focus (they move a slider); PageDown / PageUp always
     move between sections, so a clicker keeps working after a slider was dragged.
   - "Reset widgets" presses the hidden ipywidgets button of the lecture copy's
     last cell: the kernel puts every widget's controls back to their first
     values and redraws (nnlib/widgets/_lecture.py).
   - "All chapters" goes back to the index when Voilà serves every chapter.

   The bar sits at the bottom right and fades while the mouse rests, so it
   covers as little of a figure as possible; it never changes the page's layout.

   And one repair: the page's XSRF cookie (see giveThePageAnXsrfCookie). */
(function () {
  'use strict';

  /* When the tab closes or reloads, Voilà's page asks the server to shut its kernel down: a POST whose
     form carries the value of the page's "_xsrf" cookie.  Voilà renders a preheated page before anyone
     asks for it, and no handler on the way sets that cookie, so the server refused every such request
     (403) and each closed tab or reload left a kernel running (~150 MB) until the server stopped.
     Tornado's check is a double-submit one: the form's token must equal the cookie's, which only a page
     of this origin can read or write.  So the page makes its own random token when it has none. */
  (function giveThePageAnXsrfCookie() {
    if (/(^|;\s*)_xsrf=/.test(document.cookie)) return;
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const token = Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
    document.cookie = `_xsrf=${token}; path=/; SameSite=Strict`;
  })();
  const GAP = 12;  // px between the top of the screen and a heading jumped to (CSS scroll-margin-top)
  const HEADINGS = ['h1', 'h2', 'h3'].map(h => `#rendered_cells .jp-RenderedHTMLCommon ${h}`).join(', ');

  const headings = () => Array.from(document.querySelectorAll(HEADINGS)).filter(h => h.getClientRects().length);

  /* Index of the section on screen: the last heading at or above the top of the screen.  At the top of
     the page the title, a little below the top, counts as on screen (so "next" goes to section 1). */
  function current(list) {
    let k = -1;
    list.forEach((h, i) => { if (h.getBoundingClientRect().top <= GAP + 2) k = i; });
    if (k < 0 && list.length && list[0].getBoundingClientRect().top < window.innerHeight / 3) k = 0;
    return k;
  }

  /* What scrolls the chapter: in Voilà's lab template the body does, not the window. */
  function scroller(node) {
    for (let e = node && node.parentElement; e; e = e.parentElement) {
      const overflow = getComputedStyle(e).overflowY;
      if ((overflow === 'auto' || overflow === 'scroll') && e.scrollHeight > e.clientHeight) return e;
    }
    return document.scrollingElement || document.documentElement;
  }

  function jump(h) {
    if (h) h.scrollIntoView({block: 'start', behavior: 'instant'});
    else scroller(headings()[0]).scrollTo({top: 0, behavior: 'instant'});  // before the first heading: the top
  }

  function next() {
    const list = headings();
    const k = current(list);
    if (k + 1 < list.length) jump(list[k + 1]);
  }

  /* Back to the start of the section on screen, or to the previous one when already at its start. */
  function previous() {
    const list = headings();
    const k = current(list);
    if (k >= 0 && list[k].getBoundingClientRect().top < GAP - 2) jump(list[k]);
    else jump(list[k - 1]);  // undefined before the first: the top of the page
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text) e.textContent = text;
    return e;
  }

  // ---------------------------------------------------------------- the contents panel
  const panel = el('aside', {id: 'nncourse-contents', 'aria-label': 'Contents', hidden: ''});
  const panelHead = el('div', {class: 'nncourse-contents-head'});
  const close = el('button', {type: 'button', class: 'nncourse-close', title: 'Close (Escape)'}, '×');
  panelHead.append(el('span', {}, 'Contents'), close);
  const entries = el('ol', {class: 'nncourse-contents-list'});
  panel.append(panelHead, entries);

  function fillContents() {
    const list = headings();
    const k = current(list);
    entries.replaceChildren(...list.map((h, i) => {
      const item = el('li', {class: `nncourse-level-${h.tagName.toLowerCase()}`});
      const link = el('a', {href: '#' + (h.id || '')});
      // the heading as rendered (typeset math included), without its "¶" anchor
      h.childNodes.forEach(node => {
        if (!(node.classList && node.classList.contains('anchor-link'))) link.append(node.cloneNode(true));
      });
      if (i === k) link.setAttribute('aria-current', 'true');
      link.addEventListener('click', e => { e.preventDefault(); toggleContents(false); jump(h); });
      item.append(link);
      return item;
    }));
  }

  function toggleContents(open) {
    const show = open === undefined ? panel.hidden : open;
    if (show) fillContents();
    panel.hidden = !show;
  }
  close.addEventListener('click', () => toggleContents(false));

  // ---------------------------------------------------------------- the bar
  const bar = el('nav', {id: 'nncourse-bar', 'aria-label': 'Lecture'});
  const button = (id, label, title, action) => {
    const b = el('button', {type: 'button', id, title}, label);
    b.addEventListener('click', () => { action(); b.blur(); });
    return b;
  };
  const toast = el('span', {id: 'nncourse-toast', role: 'status'});
  let toastTimer = null;
  function say(text) {
    toast.textContent = text;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.textContent = ''; }, 2000);
  }

  function resetWidgets() {
    const hidden = document.querySelector('button.nncourse-reset-widget');
    if (!hidden) { say('The widgets are still loading.'); return; }
    hidden.click();  // ipywidgets sends the click to the kernel, which resets and redraws every widget
    say('Widgets reset.');
  }

  const base = (document.body.dataset.baseUrl || '/voila/').replace(/voila\/$/, '');
  if (window.location.pathname.indexOf('/voila/render/') >= 0) {
    bar.append(el('a', {id: 'nncourse-home', href: base, title: 'The index of all chapters'}, 'All chapters'));
  }
  bar.append(
    button('nncourse-contents-button', '☰ Contents', 'Contents (C)', () => toggleContents()),
    button('nncourse-previous', '◀', 'Previous section (PageUp or ←)', previous),
    button('nncourse-next', '▶', 'Next section (PageDown or →)', next),
    button('nncourse-reset', '↺ Reset widgets', 'Every widget back to its first values', resetWidgets),
    el('span', {class: 'nncourse-keys'}, 'PgDn/→ next · PgUp/← back · C contents'),
    toast);
  document.body.append(panel, bar);

  // Fade the bar while the mouse rests; any movement, key or hover brings it back.
  let idleTimer = null;
  function wake() {
    bar.classList.remove('nncourse-idle');
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => bar.classList.add('nncourse-idle'), 3000);
  }
  ['mousemove', 'keydown', 'touchstart'].forEach(type => window.addEventListener(type, wake, {passive: true}));
  wake();

  // ---------------------------------------------------------------- keys
  const typing = t => t && t.closest && t.closest('input, select, textarea, [contenteditable="true"]');
  const inWidget = t => t && t.closest && t.closest('.jupyter-widgets');

  window.addEventListener('keydown', e => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    let action = null;
    if (e.key === 'PageDown') action = next;
    else if (e.key === 'PageUp') action = previous;
    else if (e.key === 'Escape' && !panel.hidden) action = () => toggleContents(false);
    else if (!typing(t) && !inWidget(t)) {
      if (e.key === 'ArrowRight') action = next;
      else if (e.key === 'ArrowLeft') action = previous;
      else if (e.key === 'c' || e.key === 'C') action = () => toggleContents();
    }
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();  // a focused slider must not take PageDown / PageUp as well
    if (inWidget(t) && t.blur) t.blur();
    action();
  }, true);
})();
