// The optimizer race in the browser (nnlib/widgets/race.py is the kernel side).
//
// The kernel sends, once per race: the background PNG (contours, axes,
// legend: `value`), where its two panels lie (`axes`, in fractions of the
// figure from the bottom left, with their data limits), and the race itself
// as float32 bytes (`paths`: optimizers x (steps + 1) x 2, `losses`:
// optimizers x (steps + 1), log10 of f - f_min; NaN after a divergence).
// This module draws a frame on a canvas laid exactly over the background
// <img>: the background, then every path up to the current step (the head
// interpolated between two steps, so the motion is smooth at any refresh
// rate), then the loss curves.  While playing, one frame per
// requestAnimationFrame, without asking the kernel anything; the kernel
// only hears of the step shown when the animation stops (`frame`).

function floats(view) {
  // ipywidgets hands binary traits over as a DataView (or an ArrayBuffer)
  if (!view || view.byteLength === 0) return new Float32Array(0);
  if (view instanceof ArrayBuffer) return new Float32Array(view);
  return new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4);
}

function pngUrl(view) {
  if (!view || view.byteLength === 0) return "";
  const bytes = view instanceof ArrayBuffer ? new Uint8Array(view)
    : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "nncourse-race";
  const bar = document.createElement("div");
  bar.className = "nncourse-race-buttons";
  const figure = document.createElement("div");
  figure.className = "nncourse-race-figure";
  const img = document.createElement("img");
  img.className = "widget-image";
  img.alt = "optimizer race";
  const canvas = document.createElement("canvas");
  canvas.className = "nncourse-race-canvas";
  figure.append(img, canvas);
  root.append(bar, figure);
  el.append(root);
  const ctx = canvas.getContext("2d");

  const button = (name, label, title) => {
    const b = document.createElement("button");
    b.className = "jupyter-button widget-button";
    b.dataset.name = name;
    b.textContent = label;
    b.title = title;
    b.style.width = "auto";
    b.style.minWidth = "5.5em";
    bar.append(b);
    return b;
  };
  const play = button("play", "Play", "run the race (pause while it runs)");
  const step = button("step", "Step", "one step further");
  const reset = button("reset", "Reset", "back to the start");

  let s = model.get("frame");  // the step shown; fractional while playing
  let last = null;  // time of the previous animation frame
  let request = null;
  let url = "";
  let data = null;

  function load() {
    const names = model.get("names");
    const steps = model.get("steps");
    data = { names, colors: model.get("colors"), steps, axes: model.get("axes"),
             paths: floats(model.get("paths")), losses: floats(model.get("losses")) };
    if (data.paths.length !== names.length * (steps + 1) * 2) data = null;  // not all there yet
  }

  function background() {
    const next = pngUrl(model.get("value"));
    if (!next) return;
    img.onload = () => { if (url) URL.revokeObjectURL(url); url = next; draw(); };
    img.src = next;
  }

  function toPixel(box, x, y) {
    // data -> canvas pixels; y of the figure counts from the bottom, of the canvas from the top
    const W = canvas.width, H = canvas.height;
    const fx = box.x0 + (x - box.xlim[0]) / (box.xlim[1] - box.xlim[0]) * box.width;
    const fy = box.y0 + (y - box.ylim[0]) / (box.ylim[1] - box.ylim[0]) * box.height;
    return [fx * W, (1 - fy) * H];
  }

  function clipTo(box) {
    const [left, bottom] = toPixel(box, box.xlim[0], box.ylim[0]);
    const [right, top] = toPixel(box, box.xlim[1], box.ylim[1]);
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
  }

  // One curve up to step `upto` (fractional): points (x(k), y(k)) for k <= upto, the last interpolated.
  function curve(box, upto, x, y) {
    ctx.beginPath();
    let head = null;
    const whole = Math.floor(upto);
    for (let k = 0; k <= whole; k++) {
      const px = x(k), py = y(k);
      if (!Number.isFinite(px) || !Number.isFinite(py)) break;
      head = toPixel(box, px, py);
      if (k === 0) ctx.moveTo(head[0], head[1]); else ctx.lineTo(head[0], head[1]);
    }
    const part = upto - whole;
    if (head && part > 0) {
      const nx = x(whole + 1), ny = y(whole + 1);
      if (Number.isFinite(nx) && Number.isFinite(ny)) {
        const px = x(whole) + part * (nx - x(whole)), py = y(whole) + part * (ny - y(whole));
        head = toPixel(box, px, py);
        ctx.lineTo(head[0], head[1]);
      }
    }
    ctx.stroke();
    return head;
  }

  function draw() {
    const W = canvas.width, H = canvas.height;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, W, H);  // once per frame (the benchmark counts frames by it)
    if (img.complete && img.naturalWidth > 0) ctx.drawImage(img, 0, 0, W, H);
    if (!data) return;
    const { names, colors, steps, axes, paths, losses } = data;
    const scale = W / model.get("css_width");  // canvas pixels per CSS pixel of the natural figure
    const upto = Math.max(0, Math.min(s, steps));
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    for (let i = 0; i < names.length; i++) {
      const base = i * (steps + 1);
      ctx.strokeStyle = colors[i];
      ctx.fillStyle = colors[i];
      ctx.save();
      clipTo(axes.path);
      ctx.lineWidth = 2 * scale;
      const head = curve(axes.path, upto, k => paths[2 * (base + k)], k => paths[2 * (base + k) + 1]);
      if (head) {
        ctx.beginPath();
        ctx.arc(head[0], head[1], 4.5 * scale, 0, 2 * Math.PI);
        ctx.fill();
        ctx.lineWidth = 1.2 * scale;
        ctx.strokeStyle = "white";
        ctx.stroke();
      }
      ctx.restore();
      ctx.save();
      clipTo(axes.loss);
      ctx.strokeStyle = colors[i];
      ctx.lineWidth = 1.8 * scale;
      curve(axes.loss, upto, k => k, k => Math.max(losses[base + k], axes.loss.ylim[0]));
      ctx.restore();
    }
    // the step counter, above the loss panel's right end (its title is on the left)
    const [right, top] = toPixel(axes.loss, axes.loss.xlim[1], axes.loss.ylim[1]);
    const size = model.get("font_px") * scale;
    ctx.font = `${size}px "DejaVu Sans", sans-serif`;
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.fillStyle = "#222222";
    ctx.fillText(`step ${Math.floor(upto)} of ${steps}`, right, top - 0.45 * size);
  }

  function tell(frame) {
    // only when the animation stops: no message per frame
    model.set("frame", frame);
    model.set("playing", false);
    model.save_changes();
  }

  function tick(now) {
    request = null;
    if (last !== null) s += (now - last) / 1000 * model.get("speed");
    last = now;
    const steps = model.get("steps");
    if (s >= steps) {
      s = steps;
      draw();
      stop(true);
      return;
    }
    draw();
    request = requestAnimationFrame(tick);
  }

  function start() {
    if (request !== null) return;
    if (s >= model.get("steps")) s = 0;
    last = null;
    play.textContent = "Pause";
    request = requestAnimationFrame(tick);
  }

  function stop(report) {
    if (request !== null) cancelAnimationFrame(request);
    request = null;
    play.textContent = "Play";
    if (report) tell(Math.floor(s));
  }

  play.onclick = () => { if (request !== null) stop(true); else start(); };
  step.onclick = () => { stop(false); s = Math.min(Math.floor(s) + 1, model.get("steps")); draw(); tell(s); };
  reset.onclick = () => { stop(false); s = 0; draw(); tell(0); };

  function resize() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(figure.clientWidth * ratio));
    const height = Math.max(1, Math.round(figure.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
      draw();
    }
  }
  const observer = new ResizeObserver(resize);
  observer.observe(figure);

  function showButtons() {
    const hidden = model.get("hidden") || [];
    for (const b of [play, step, reset]) b.style.display = hidden.includes(b.dataset.name) ? "none" : "";
    bar.style.display = hidden.length === 3 ? "none" : "";
  }

  model.on("change:value", background);
  // A new race changes several traits in one message: redraw once, at the next frame.
  let pending = null;
  const refresh = () => {
    if (pending !== null) return;
    pending = requestAnimationFrame(() => { pending = null; load(); if (request === null) draw(); });
  };
  model.on("change:paths change:losses change:axes change:steps", refresh);
  model.on("change:frame", () => { if (request === null) { s = model.get("frame"); draw(); } });
  model.on("change:playing", () => { if (model.get("playing")) start(); else if (request !== null) stop(false); });
  model.on("change:hidden", showButtons);

  load();
  showButtons();
  background();
  resize();
  if (model.get("playing")) start();
  return () => {
    stop(false);
    if (pending !== null) cancelAnimationFrame(pending);
    observer.disconnect();
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };
