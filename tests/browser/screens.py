"""Measure how a chapter widget is laid out on a real page (JupyterLab or the lecture view).

One call, :func:`measure_widgets`, reads every widget output of a page in
one go: the figure's rendered and natural size, the box around figure,
controls and status line, every control's width against its content (number
boxes, labels, buttons, drop-downs), slider tracks against their number of
steps, and font sizes.  :func:`problems` turns one measurement into the list
of things a person would see as wrong; the tests assert that list is empty
and print the numbers.

What the figure's natural size and text sizes are comes from the PNG on
screen: every chapter widget writes them into ``tEXt`` chunks of its PNG
(``nnlib/widgets/_png.py``), and :func:`figure_facts` reads them back.
"""
from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field

from nnlib.widgets._png import read_text

TEXT_FLOOR_PX = 12.0  # smallest figure text allowed on screen, CSS px
MIN_PX_PER_STEP = 2.0  # slider track per step
# Figure text against control labels: "one scale" means the figure's typical
# text is neither much smaller nor much larger than the labels beside it.
TEXT_RATIO = (0.75, 1.5)
TOLERANCE_PX = 1.0  # sub-pixel rounding of layout boxes

# Runs in the page: one record per widget output, everything in CSS px.
_MEASURE_JS = """async (outputs) => {
  const rect = e => { const b = e.getBoundingClientRect(); return {x: b.left, y: b.top, w: b.width, h: b.height}; };
  const canvas = document.createElement('canvas').getContext('2d');
  const textWidth = (el, text) => { const s = getComputedStyle(el); canvas.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
                                     return canvas.measureText(text).width; };
  const pngBase64 = async (img) => {
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  const records = [];
  for (const out of outputs) {
    const root = out.querySelector(':scope > .jupyter-widgets');
    const img = root && root.querySelector('img.widget-image');
    if (!img) { records.push(null); continue; }
    const controls = [];
    for (const c of root.querySelectorAll('.widget-inline-hbox, .jupyter-button:not(.widget-play .jupyter-button)')) {
      if (c.closest('.widget-html') || c.offsetParent === null) continue;  // the status line; hidden controls
      const label = c.querySelector(':scope > .widget-label');
      const item = {kind: c.classList.contains('widget-hslider') ? 'slider' : c.classList.contains('widget-text') ? 'number'
                        : c.classList.contains('widget-dropdown') ? 'dropdown' : c.classList.contains('widget-play') ? 'play'
                        : c.classList.contains('jupyter-button') ? 'button' : 'other',
                    box: rect(c), label: label ? label.textContent : '',
                    labelCut: label ? label.scrollWidth > label.clientWidth + 1 : false,
                    labelFont: label ? parseFloat(getComputedStyle(label).fontSize) : null};
      const input = c.querySelector('input');
      if (item.kind === 'number' && input) {
        item.value = input.value; item.inputWidth = input.clientWidth;
        const s = getComputedStyle(input);
        item.needed = textWidth(input, input.value) + parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
        item.font = parseFloat(s.fontSize);
      }
      const select = c.querySelector('select');
      if (select) {
        const s = getComputedStyle(select);
        const longest = Math.max(...[...select.options].map(o => textWidth(select, o.textContent)));
        item.value = select.options[select.selectedIndex].textContent;
        item.inputWidth = select.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
        item.needed = longest; item.font = parseFloat(s.fontSize);
      }
      const track = c.querySelector('.noUi-target');
      if (track && track.noUiSlider) {
        const o = track.noUiSlider.options;
        item.track = track.getBoundingClientRect().width;
        item.steps = Math.round((o.range.max - o.range.min) / (o.step || 1));
        const readout = c.querySelector('.widget-readout');
        item.readoutCut = readout ? readout.scrollWidth > readout.clientWidth + 1 : false;
      }
      if (item.kind === 'button') {
        item.value = c.textContent.trim(); item.cut = c.scrollWidth > c.clientWidth + 1;
        item.font = parseFloat(getComputedStyle(c).fontSize);
      }
      controls.push(item);
    }
    const statusEl = [...root.querySelectorAll('.widget-html-content')].pop();
    const status = statusEl ? {box: rect(statusEl), scrollHeight: statusEl.scrollHeight, clientHeight: statusEl.clientHeight,
                                font: parseFloat(getComputedStyle(statusEl).fontSize)} : null;
    records.push({root: rect(root), image: rect(img), naturalPx: [img.naturalWidth, img.naturalHeight],
                  png: await pngBase64(img), controls, status});
  }
  return records;
}"""


@dataclass
class Widget:
    """One widget output as measured on the page (CSS px, relative to the viewport)."""

    index: int
    name: str
    image: dict  # x, y, w, h on screen
    natural_px: tuple  # the PNG's pixel size
    facts: dict  # what the PNG says about itself (figure_facts)
    controls: list = field(default_factory=list)
    status: dict | None = None
    root: dict | None = None

    @property
    def scale(self) -> float:
        """Rendered width over natural CSS width (1 = natural size)."""
        return self.image["w"] / self.facts["css_width"]

    @property
    def bounds(self) -> dict:
        """The box around figure, controls and status line."""
        boxes = [self.image, *(c["box"] for c in self.controls)]
        if self.status:
            boxes.append(self.status["box"])
        left, top = min(b["x"] for b in boxes), min(b["y"] for b in boxes)
        right, bottom = max(b["x"] + b["w"] for b in boxes), max(b["y"] + b["h"] for b in boxes)
        return {"x": left, "y": top, "w": right - left, "h": bottom - top}

    def summary(self) -> str:
        b = self.bounds
        return (f"{self.name}: figure {self.image['w']:.0f}x{self.image['h']:.0f} of natural "
                f"{self.facts['css_width']:.0f}x{self.facts['css_height']:.0f} (scale {self.scale:.2f}), "
                f"smallest text {self.facts['text_min_px'] * self.scale:.1f} px, whole widget "
                f"{b['w']:.0f}x{b['h']:.0f} at ({b['x']:.0f}, {b['y']:.0f})")


def figure_facts(png: bytes) -> dict:
    """Natural CSS size, pixel ratio and text sizes a chapter widget wrote into its PNG."""
    meta = read_text(png)
    width, height = (float(v) for v in meta["nncourse-css-size"].split("x"))
    sizes = dict(part.split("=") for part in meta["nncourse-text-px"].split())
    return {"name": meta.get("nncourse-widget", "widget"), "css_width": width, "css_height": height,
            "pixel_ratio": float(meta["nncourse-pixel-ratio"]),
            "text_min_px": float(sizes["min"]), "text_median_px": float(sizes["median"])}


def measure_widgets(page, scope) -> list[Widget]:
    """Measure every widget output with a figure inside ``scope`` (a Locator), in page order."""
    outputs = scope.locator(".jp-OutputArea-output:has(> .jupyter-widgets)")
    records = outputs.evaluate_all(_MEASURE_JS)
    found = []
    for index, record in enumerate(records):
        if record is None:
            continue
        facts = figure_facts(base64.b64decode(record["png"]))
        found.append(Widget(index, f"{facts['name']} (output {index + 1})", record["image"],
                            tuple(record["naturalPx"]), facts, record["controls"], record["status"], record["root"]))
    return found


def page_pixel_ratio(page) -> float:
    """The ratio the kernel draws at for this page's ``devicePixelRatio`` (``nnlib/widgets/_screen.py``)."""
    from nnlib.widgets._screen import usable_ratio

    return usable_ratio(float(page.evaluate("window.devicePixelRatio")))


def wait_for_pixel_ratio(page, scope, ratio: float, timeout_s: float = 30.0) -> list[Widget]:
    """Wait until every widget figure in ``scope`` is drawn at ``ratio`` PNG pixels per CSS pixel.

    The page reports its ``devicePixelRatio`` to the kernel when the widgets
    are shown (and again when it changes); the kernel then redraws each
    figure.  Fails naming the widgets still at another ratio.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        found = measure_widgets(page, scope)
        other = [f"{w.name} at {w.facts['pixel_ratio']:g}" for w in found if w.facts["pixel_ratio"] != ratio]
        if found and not other:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout_s:.0f} s the page (drawing ratio {ratio:g}) still shows "
                                 f"{', '.join(other) or 'no widget figure'}")
        time.sleep(0.5)


def problems(widget: Widget, width: float, height: float | None = None, right_edge: float | None = None) -> list[str]:
    """What is wrong with one widget on a page ``width`` (and ``height``) CSS px large.

    ``right_edge``: where the content ends (e.g. the notebook panel's right
    edge in JupyterLab); defaults to ``width``.  ``height``: also require the
    whole widget to fit that height (the lecture view on a 720-px screen).
    """
    found, facts, name = [], widget.facts, widget.name
    ratio = facts["pixel_ratio"]
    expected_px = (round(facts["css_width"] * ratio), round(facts["css_height"] * ratio))
    if tuple(widget.natural_px) != expected_px:
        found.append(f"{name}: the PNG is {widget.natural_px}, not {expected_px} (natural size x pixel ratio)")
    if widget.scale > 1 + TOLERANCE_PX / facts["css_width"]:
        found.append(f"{name}: figure scaled UP to {widget.image['w']:.0f} px from its natural {facts['css_width']:.0f} px")
    smallest = facts["text_min_px"] * widget.scale
    if smallest < TEXT_FLOOR_PX - 0.05:
        found.append(f"{name}: smallest figure text {smallest:.1f} px on screen (< {TEXT_FLOOR_PX:.0f} px), "
                     f"figure at {widget.scale:.2f} of its natural size")
    aspect_natural = facts["css_height"] / facts["css_width"]
    aspect_shown = widget.image["h"] / widget.image["w"]
    if abs(aspect_shown - aspect_natural) > 0.01:
        found.append(f"{name}: figure distorted (height/width {aspect_shown:.3f}, natural {aspect_natural:.3f})")
    b, edge = widget.bounds, right_edge if right_edge is not None else width
    if b["x"] < -TOLERANCE_PX or b["x"] + b["w"] > edge + TOLERANCE_PX:
        found.append(f"{name}: spans x {b['x']:.0f}..{b['x'] + b['w']:.0f}, beyond the content's 0..{edge:.0f}")
    if height is not None and b["h"] > height + TOLERANCE_PX:
        found.append(f"{name}: figure + controls + status are {b['h']:.0f} px tall, the screen {height:.0f} px")
    label_fonts = [c["labelFont"] for c in widget.controls if c.get("labelFont")]
    if label_fonts:
        shown_text = facts["text_median_px"] * widget.scale
        low, high = TEXT_RATIO
        if not low * max(label_fonts) <= shown_text <= high * max(label_fonts):
            found.append(f"{name}: figure text {shown_text:.1f} px beside control labels of {max(label_fonts):.0f} px "
                         f"(wanted {low}-{high} times the labels)")
    for c in widget.controls:
        what = f"{name}: {c['kind']} {c.get('label') or c.get('value')!r}"
        if c.get("labelCut"):
            found.append(f"{what}: label cut off")
        if c["kind"] in ("number", "dropdown") and c.get("inputWidth", 0) + TOLERANCE_PX < c.get("needed", 0):
            found.append(f"{what}: box {c['inputWidth']:.0f} px wide shows {c['needed']:.0f} px of text "
                         f"({c.get('value')!r})")
        if c["kind"] == "button" and c.get("cut"):
            found.append(f"{what}: button label cut off")
        if c["kind"] == "slider" and c.get("steps") and c["track"] / c["steps"] < MIN_PX_PER_STEP:
            found.append(f"{what}: track {c['track']:.0f} px for {c['steps']} steps "
                         f"({c['track'] / c['steps']:.1f} px per step, wanted >= {MIN_PX_PER_STEP:g})")
        if c.get("readoutCut"):
            found.append(f"{what}: readout cut off")
    status = widget.status
    if status and status["scrollHeight"] > status["clientHeight"] + TOLERANCE_PX:
        found.append(f"{name}: status line text {status['scrollHeight']:.0f} px tall in a {status['clientHeight']:.0f}-px box")
    return found
