// The playground in the browser (nnlib/widgets/playground.py is the kernel side).
//
// The kernel trains and sends, about 50 times a second while playing, one
// message of binary traits: `surface` (uint8: S*S predicted classes, then S*S
// confidences), `maps` (int8: every neuron's M*M picture, -127..127),
// `weights` (float32: every W row-major, then every b), `history` (float32:
// train and test loss per recorded frame), `confusion` (int32 K*K) and `info`
// (steps, epoch, losses, the network's shape).  This module keeps the last
// frame and paints it at the next animation frame: colour maps, points, the
// network with its connections, the loss curves and the confusion counts.
// Its controls are plain HTML; each change is one small message to the
// kernel ({kind: "set", name, index}, {kind: "action", name}, ...), which
// answers with a new `scene` and a new frame.

const ORANGE = [245, 147, 34], BLUE = [8, 119, 189], WHITE = [255, 255, 255];
const CLASS_RGB = [ORANGE, BLUE, [44, 160, 44], [148, 103, 189], [214, 39, 40]];
const CLASS_NAMES = ["orange", "blue", "green", "purple", "red"];
const BASE_FONT = 13;  // CSS px of the layout below; font_px scales it all (the lecture view: larger)

function bytes(view, Type) {
  // ipywidgets hands binary traits over as a DataView (or an ArrayBuffer)
  if (!view || view.byteLength === 0) return new Type(0);
  if (view instanceof ArrayBuffer) return new Type(view);
  return new Type(view.buffer, view.byteOffset, view.byteLength / Type.BYTES_PER_ELEMENT);
}

function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function valueColor(v) {
  // -1 orange, 0 white, +1 blue (TensorFlow Playground's colours)
  return v >= 0 ? mix(WHITE, BLUE, Math.min(v, 1)) : mix(WHITE, ORANGE, Math.min(-v, 1));
}

function rgb(c, alpha = 1) {
  return `rgba(${c[0] | 0},${c[1] | 0},${c[2] | 0},${alpha})`;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function sizedCanvas(w, h, cls) {
  const c = el("canvas", cls);
  const ratio = window.devicePixelRatio || 1;
  c.width = Math.round(w * ratio);
  c.height = Math.round(h * ratio);
  c.style.width = `${w}px`;
  c.style.height = `${h}px`;
  const ctx = c.getContext("2d");
  ctx.scale(ratio, ratio);
  return [c, ctx];
}

function render({ model, el: host }) {
  const k = model.get("font_px") / BASE_FONT;
  const px = v => Math.round(v * k);
  const choices = model.get("choices");
  const featureList = model.get("labels").features;  // [[name, label], ...] in FEATURES order
  const regressionData = model.get("labels").regression;

  const root = el("div", "nnpg");
  root.style.fontSize = `${model.get("font_px")}px`;
  root.dataset.paints = "0";
  host.append(root);
  const controls = {};  // control name -> elements to hide with it

  const own = (name, e) => { (controls[name] = controls[name] || []).push(e); e.dataset.ctl = name; return e; };
  const send = content => model.send(content);

  // ---------------------------------------------------------------- the bar
  const bar = el("div", "nnpg-bar");
  const button = (name, label, title) => {
    const b = own(name, el("button", "jupyter-button widget-button nnpg-button", label));
    b.dataset.name = name;
    b.title = title;
    bar.append(b);
    return b;
  };
  const resetButton = button("reset", "Reset", "new random weights, epoch 0");
  const playButton = button("play", "Play", "train (click again to pause)");
  const stepButton = button("step", "Step", "one mini-batch");
  const counter = el("span", "nnpg-counter");
  bar.append(counter);
  resetButton.onclick = () => send({ kind: "action", name: "reset" });
  playButton.onclick = () => send({ kind: "action", name: model.get("playing") ? "pause" : "play" });
  stepButton.onclick = () => send({ kind: "action", name: "step" });

  // ---------------------------------------------------------------- the columns
  const main = el("div", "nnpg-main");
  const left = el("div", "nnpg-left");
  const middle = el("div", "nnpg-middle");
  const right = el("div", "nnpg-right");
  main.append(left, middle, right);
  root.append(bar, main);

  const selects = {};
  const show = {  // how a setting's value reads in its drop-down
    noise: v => `${v} %`, train: v => `${v} %`, classes: v => `${v}`, reg_rate: v => `${v}`, lr: v => `${v}`,
    dropout: v => `${v}`, batch: v => `${v}`,
  };
  const row = (parent, name, label) => {
    const line = own(name, el("label", "nnpg-row"));
    line.append(el("span", "nnpg-label", label));
    const select = el("select", "nnpg-select");
    select.dataset.name = name;
    choices[name].forEach((v, i) => {
      const option = el("option", "", show[name] ? show[name](v) : String(v));
      option.value = String(i);
      select.append(option);
    });
    select.onchange = () => send({ kind: "set", name, index: Number(select.value) });
    line.append(select);
    parent.append(line);
    selects[name] = select;
    return select;
  };
  left.append(el("div", "nnpg-heading", "Data"));
  row(left, "data", "data");
  row(left, "classes", "classes");
  row(left, "noise", "noise");
  row(left, "train", "train");
  const regenerate = own("regenerate", el("button", "jupyter-button widget-button nnpg-button nnpg-wide", "Regenerate"));
  regenerate.dataset.name = "regenerate";
  regenerate.onclick = () => send({ kind: "action", name: "regenerate" });
  left.append(regenerate);
  const addLine = own("add", el("label", "nnpg-row"));
  addLine.append(el("span", "nnpg-label", "click adds"));
  const addSelect = el("select", "nnpg-select");
  addSelect.dataset.name = "add";
  addLine.append(addSelect);
  left.append(addLine);
  left.append(el("div", "nnpg-heading", "Training"));
  row(left, "loss", "loss");
  row(left, "optimizer", "optimizer");
  row(left, "lr", "learning rate");
  row(left, "batch", "batch size");
  row(left, "reg", "regularization");
  row(left, "reg_rate", "reg. rate");
  row(left, "dropout", "dropout");
  row(left, "activation", "activation");

  // the network: a canvas with the +/- buttons laid over it
  const NET_W = px(400), NET_H = px(406), TOP = px(72), ROW = px(39), THUMB = px(30);
  const netBox = el("div", "nnpg-net");
  netBox.style.width = `${NET_W}px`;
  netBox.style.height = `${NET_H}px`;
  const [netCanvas, net] = sizedCanvas(NET_W, NET_H, "nnpg-net-canvas");
  netBox.append(netCanvas);
  middle.append(netBox);
  const layerBar = own("layers", el("div", "nnpg-layerbar"));
  const plus = el("button", "jupyter-button widget-button nnpg-small", "+");
  const minus = el("button", "jupyter-button widget-button nnpg-small", "−");
  plus.dataset.name = "layers+";
  minus.dataset.name = "layers-";
  plus.title = "add a hidden layer";
  minus.title = "remove the last hidden layer";
  plus.onclick = () => send({ kind: "layers", delta: 1 });
  minus.onclick = () => send({ kind: "layers", delta: -1 });
  const layerCount = el("span", "nnpg-layercount");
  layerBar.append(plus, minus, layerCount);
  netBox.append(layerBar);
  const featureHint = own("features", el("div", "nnpg-hint", "click a feature to switch it on or off"));
  netBox.append(featureHint);
  const neuronBars = [];  // per hidden layer: its +/- and count, placed over its column
  const hover = el("div", "nnpg-hover");
  const [hoverCanvas, hoverCtx] = sizedCanvas(px(110), px(110), "nnpg-hover-canvas");
  const hoverText = el("div", "nnpg-hover-text");
  hover.append(hoverCanvas, hoverText);
  netBox.append(hover);

  // output: losses, the surface, the confusion counts
  const SURF = px(232);
  right.append(el("div", "nnpg-heading", "Output"));
  const lossText = el("div", "nnpg-losstext");
  right.append(lossText);
  const [lossCanvas, lossCtx] = sizedCanvas(SURF, px(52), "nnpg-loss-canvas");
  right.append(lossCanvas);
  const [surfCanvas, surf] = sizedCanvas(SURF, SURF, "nnpg-surface");
  right.append(surfCanvas);
  const confusion = el("table", "nnpg-confusion");
  right.append(confusion);

  // the scene string
  const configRow = own("config", el("div", "nnpg-config"));
  const configInput = el("input", "nnpg-config-input");
  configInput.type = "text";
  configInput.spellcheck = false;
  configInput.title = "this scene as one string: copy it, or paste one and press Enter";
  const copy = el("button", "jupyter-button widget-button nnpg-button", "Copy");
  const load = el("button", "jupyter-button widget-button nnpg-button", "Load");
  copy.dataset.name = "copy";
  load.dataset.name = "load";
  configRow.append(el("span", "nnpg-label", "scene"), configInput, copy, load);
  root.append(configRow);
  const status = el("div", "nnpg-status");
  root.append(status);
  const loadConfig = () => send({ kind: "config", text: configInput.value });
  load.onclick = loadConfig;
  configInput.onkeydown = e => { if (e.key === "Enter") loadConfig(); };
  // Leaving the field shows the kernel's string again (canonical, or unchanged after a bad one); a moment
  // later, so that a click on Load, which takes the focus away first, still sends what was typed.
  configInput.addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== configInput) configInput.value = model.get("config");
  }, 300));
  copy.onclick = () => {
    configInput.select();
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(configInput.value);
    else document.execCommand("copy");
  };

  // ---------------------------------------------------------------- the state shown
  let frame = null;  // the last frame's arrays
  let scene = model.get("scene");
  let points = null;
  let pending = null;
  let hovered = null;  // {kind: "node", map, label} or {kind: "edge", ...}
  let layout = null;  // node positions of the frame painted
  const pointsLayer = { canvas: document.createElement("canvas"), key: null, points: null };
  const offscreen = document.createElement("canvas");
  const offCtx = offscreen.getContext("2d");

  function load_frame() {
    const info = model.get("info");
    if (!info || !info.arch) return;
    frame = { info, surface: bytes(model.get("surface"), Uint8Array), maps: bytes(model.get("maps"), Int8Array),
              weights: bytes(model.get("weights"), Float32Array), history: bytes(model.get("history"), Float32Array),
              confusion: bytes(model.get("confusion"), Int32Array) };
  }

  function load_points() {
    points = bytes(model.get("points"), Float32Array);
  }

  function schedule() {
    if (pending !== null) return;
    pending = requestAnimationFrame(() => { pending = null; paint(); });
  }

  // ---------------------------------------------------------------- painting
  function networkLayout(info) {
    const hiddenFeatures = isHidden("features");
    const arch = info.arch;  // [7 features, hidden..., outputs]
    const L = arch.length - 2;
    const shown = featureList.map(([name], i) => ({ name, i, on: info.inputs.includes(name) }))
      .filter(f => f.on || !hiddenFeatures);
    const x0 = px(62), xOut = NET_W - px(26);
    const xs = [x0];
    for (let l = 0; l < L; l++) xs.push(x0 + (l + 1) * (xOut - x0) / (L + 1));
    xs.push(xOut);
    const columns = [shown.map((f, j) => ({ x: x0, y: TOP + j * ROW + THUMB / 2, map: f.i, on: f.on, name: f.name,
                                            l: 0, j }))];
    let mapIndex = featureList.length;
    for (let l = 1; l <= L + 1; l++) {
      const col = [];
      for (let j = 0; j < arch[l]; j++) col.push({ x: xs[l], y: TOP + j * ROW + THUMB / 2, map: mapIndex++, on: true, l, j });
      columns.push(col);
    }
    return { columns, L };
  }

  function drawMaps(ctx, info, maps, nodes, size) {
    // one ImageData strip of every map needed, then each scaled into its place
    const M = info.map_size;
    offscreen.width = M;
    offscreen.height = M * nodes.length;
    const image = offCtx.createImageData(M, M * nodes.length);
    nodes.forEach((node, n) => {
      const base = node.map * M * M;
      for (let p = 0; p < M * M; p++) {
        const c = valueColor(maps[base + p] / 127);
        const o = 4 * (n * M * M + p);
        image.data[o] = c[0]; image.data[o + 1] = c[1]; image.data[o + 2] = c[2]; image.data[o + 3] = 255;
      }
    });
    offCtx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    nodes.forEach((node, n) => {
      ctx.globalAlpha = node.on ? 1 : 0.3;
      ctx.drawImage(offscreen, 0, n * M, M, M, node.x - size / 2, node.y - size / 2, size, size);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = node === (hovered && hovered.node) ? "#222" : "#999";
      ctx.lineWidth = 1;
      ctx.strokeRect(node.x - size / 2 + 0.5, node.y - size / 2 + 0.5, size - 1, size - 1);
    });
  }

  function edges(info, weights, columns) {
    // every connection: from a node of column l to one of l + 1, with its weight
    const out = [];
    const inputs = columns[0].filter(n => n.on);
    let offset = 0;
    for (let l = 0; l < columns.length - 1; l++) {
      const from = l === 0 ? inputs : columns[l], to = columns[l + 1];
      for (let i = 0; i < from.length; i++) {
        for (let j = 0; j < to.length; j++) {
          out.push({ a: from[i], b: to[j], w: weights[offset + i * to.length + j], layer: l, i, j });
        }
      }
      offset += from.length * to.length;
    }
    return { list: out, biasOffset: offset };
  }

  function paintNetwork() {
    const { info, maps, weights } = frame;
    layout = networkLayout(info);
    const { columns } = layout;
    net.clearRect(0, 0, NET_W, NET_H);
    const e = edges(info, weights, columns);
    layout.edges = e.list;
    layout.biasOffset = e.biasOffset;
    // the hovered node or edge, found again in the new layout (by position in the network, not by object)
    if (hovered && hovered.node) {
      const { l, j } = hovered.node;
      hovered = columns[l] && columns[l][j] ? { node: columns[l][j] } : null;
    } else if (hovered && hovered.edge) {
      const { layer, i, j } = hovered.edge;
      const edge = e.list.find(x => x.layer === layer && x.i === i && x.j === j);
      hovered = edge ? { edge } : null;
    }
    for (const edge of e.list) {
      const w = edge.w;
      net.strokeStyle = rgb(w >= 0 ? BLUE : ORANGE, hovered && hovered.edge === edge ? 1 : 0.7);
      net.lineWidth = Math.max(0.4, Math.min(Math.abs(w) * 1.5, 6)) * k;
      net.beginPath();
      net.moveTo(edge.a.x + THUMB / 2, edge.a.y);
      net.bezierCurveTo((edge.a.x + edge.b.x) / 2, edge.a.y, (edge.a.x + edge.b.x) / 2, edge.b.y, edge.b.x - THUMB / 2, edge.b.y);
      net.stroke();
    }
    drawMaps(net, info, maps, columns.flat(), THUMB);
    net.fillStyle = "#333";
    net.font = `${px(12)}px sans-serif`;
    net.textAlign = "right";
    net.textBaseline = "middle";
    for (const node of columns[0]) {
      const label = featureList.find(f => f[0] === node.name)[1];
      net.fillStyle = node.on ? "#222" : "#999";
      net.fillText(label, node.x - THUMB / 2 - px(4), node.y);
    }
    net.textAlign = "center";
    net.textBaseline = "alphabetic";
    net.fillStyle = "#555";
    net.fillText("features", columns[0][0] ? columns[0][0].x : px(62), px(44));
    const outX = columns[columns.length - 1][0].x;
    net.fillText("output", outX - px(4), px(44));
    placeNeuronBars(columns);
  }

  function placeNeuronBars(columns) {
    const L = columns.length - 2;
    while (neuronBars.length < L) {
      const l = neuronBars.length;
      const box = own("neurons", el("div", "nnpg-neuronbar"));
      const p = el("button", "jupyter-button widget-button nnpg-small", "+");
      const m = el("button", "jupyter-button widget-button nnpg-small", "−");
      p.dataset.name = `neurons+${l}`;
      m.dataset.name = `neurons-${l}`;
      p.onclick = () => send({ kind: "neurons", layer: l, delta: 1 });
      m.onclick = () => send({ kind: "neurons", layer: l, delta: -1 });
      const count = el("div", "nnpg-neuroncount");
      box.append(p, m, count);
      netBox.append(box);
      neuronBars.push({ box, count });
    }
    neuronBars.forEach((bar, l) => {
      if (l >= L) { bar.box.style.visibility = "hidden"; return; }
      bar.box.style.visibility = "";
      bar.box.style.left = `${columns[l + 1][0].x - px(24)}px`;
      bar.count.textContent = `${columns[l + 1].length}`;
    });
    applyHidden();
    layerCount.textContent = `${L} hidden layer${L === 1 ? "" : "s"}`;
  }

  function paintSurface() {
    const { info, surface } = frame;
    const S = info.surface_size;
    offscreen.width = S;
    offscreen.height = S;
    const image = offCtx.createImageData(S, S);
    for (let p = 0; p < S * S; p++) {
      const c = info.regression ? valueColor(surface[S * S + p] / 127.5 - 1)
        : mix(WHITE, CLASS_RGB[surface[p]], 0.1 + 0.65 * surface[S * S + p] / 255);
      image.data[4 * p] = c[0]; image.data[4 * p + 1] = c[1]; image.data[4 * p + 2] = c[2]; image.data[4 * p + 3] = 255;
    }
    offCtx.putImageData(image, 0, 0);
    surf.clearRect(0, 0, SURF, SURF);  // once per painted frame (benchmarks count frames by it)
    surf.imageSmoothingEnabled = true;
    surf.drawImage(offscreen, 0, 0, S, S, 0, 0, SURF, SURF);
    if (!points) return;
    // The points change only with the data: drawn once onto a layer of their own, copied at every frame.
    const key = `${points.length}:${points[0]}:${points[points.length - 1]}:${info.n_train}:${info.regression}`;
    if (pointsLayer.key !== key || pointsLayer.points !== points) {
      drawPoints(info);
      pointsLayer.key = key;
      pointsLayer.points = points;
    }
    surf.drawImage(pointsLayer.canvas, 0, 0, SURF, SURF);
  }

  function drawPoints(info) {
    const ratio = window.devicePixelRatio || 1;
    const canvas = pointsLayer.canvas;
    canvas.width = Math.round(SURF * ratio);
    canvas.height = Math.round(SURF * ratio);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const extent = info.extent;
    const n = points.length / 3;
    ctx.lineWidth = 1;
    for (let i = 0; i < n; i++) {
      const x = (points[3 * i] + extent) / (2 * extent) * SURF, y = (extent - points[3 * i + 1]) / (2 * extent) * SURF;
      const label = points[3 * i + 2];
      ctx.fillStyle = rgb(info.regression ? valueColor(label) : CLASS_RGB[label | 0]);
      ctx.strokeStyle = i < info.n_train ? "white" : "black";  // test points: a black ring
      ctx.beginPath();
      ctx.arc(x, y, 3 * k, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }

  function paintLoss() {
    const { info, history } = frame;
    const W = SURF, H = px(52);
    lossCtx.clearRect(0, 0, W, H);
    const fmt = v => (v === null || v === undefined ? "–" : v.toFixed(3));
    lossText.textContent = `test loss ${fmt(info.test_loss)}   training loss ${fmt(info.train_loss)}`;
    lossCtx.strokeStyle = "#ddd";
    lossCtx.strokeRect(0.5, 0.5, W - 1, H - 1);
    const n = history.length / 2;
    if (n < 2) return;
    let top = 0;
    for (let i = 0; i < history.length; i++) if (Number.isFinite(history[i])) top = Math.max(top, history[i]);
    if (top <= 0) return;
    for (const [col, colour] of [[0, "#999"], [1, "#111"]]) {  // training grey, test black
      lossCtx.strokeStyle = colour;
      lossCtx.lineWidth = 1.5;
      lossCtx.beginPath();
      for (let i = 0; i < n; i++) {
        const v = history[2 * i + col];
        if (!Number.isFinite(v)) continue;
        const x = i / (n - 1) * (W - 2) + 1, y = H - 2 - v / top * (H - 4);
        if (i === 0) lossCtx.moveTo(x, y); else lossCtx.lineTo(x, y);
      }
      lossCtx.stroke();
    }
  }

  function paintConfusion() {
    const { info } = frame;
    const counts = frame.confusion;
    const K = info.regression ? 0 : Math.round(Math.sqrt(counts.length));
    confusion.replaceChildren();
    if (!K) return;
    const caption = el("caption", "", "test points: true class (rows), predicted (columns)");
    confusion.append(caption);
    const head = el("tr");
    head.append(el("th", "", ""));
    for (let j = 0; j < K; j++) {
      const th = el("th", "", "■");
      th.style.color = rgb(CLASS_RGB[j]);
      head.append(th);
    }
    confusion.append(head);
    for (let i = 0; i < K; i++) {
      const tr = el("tr");
      const th = el("th", "", `■ ${CLASS_NAMES[i]}`);
      th.style.color = rgb(CLASS_RGB[i]);
      tr.append(th);
      for (let j = 0; j < K; j++) {
        const td = el("td", i === j ? "nnpg-diagonal" : "", String(counts[i * K + j]));
        tr.append(td);
      }
      confusion.append(tr);
    }
  }

  function paintHover() {
    const size = px(110);
    if (!hovered || !frame) {
      hover.style.display = "none";
      // kept drawn while hidden (the first feature): no canvas of the widget is ever blank
      if (frame) drawMaps(hoverCtx, frame.info, frame.maps, [{ map: 0, x: size / 2, y: size / 2, on: true }], size);
      return;
    }
    hover.style.display = "block";
    hoverCtx.clearRect(0, 0, size, size);
    if (hovered.node) {
      hoverCanvas.style.display = "";
      drawMaps(hoverCtx, frame.info, frame.maps, [{ ...hovered.node, x: size / 2, y: size / 2, on: true }], size);
    } else {
      hoverCanvas.style.display = "none";
    }
    hoverText.textContent = hoverLabel(hovered);
    const anchor = hovered.node || { x: (hovered.edge.a.x + hovered.edge.b.x) / 2, y: (hovered.edge.a.y + hovered.edge.b.y) / 2 };
    hover.style.left = `${Math.min(anchor.x + THUMB, NET_W - size - px(8))}px`;
    hover.style.top = `${Math.min(anchor.y, NET_H - size - px(40))}px`;
  }

  function hoverLabel(h) {
    const { columns, biasOffset } = layout;
    if (h.edge) {
      const e = h.edge;
      return `weight ${e.w.toFixed(3)}`;
    }
    const node = h.node;
    const l = columns.findIndex(col => col.includes(node));
    if (l === 0) return featureList.find(f => f[0] === node.name)[1] + (node.on ? "" : " (off: click to use)");
    let offset = biasOffset;
    for (let m = 1; m < l; m++) offset += columns[m].length;
    const j = columns[l].indexOf(node);
    const bias = frame.weights[offset + j];
    const what = l === columns.length - 1 ? `output ${j + 1}` : `layer ${l}, neuron ${j + 1}`;
    return `${what}: bias ${bias.toFixed(3)}`;
  }

  function paint() {
    if (!frame) return;
    paintSurface();
    paintNetwork();
    paintLoss();
    paintConfusion();
    paintHover();
    const info = frame.info;
    counter.textContent = `epoch ${info.epoch.toLocaleString("en")} · step ${info.steps.toLocaleString("en")}`;
    root.dataset.paints = String(Number(root.dataset.paints) + 1);
    root.dataset.frame = String(info.frame);
    root.dataset.version = String(info.version);
    root.dataset.epoch = String(info.epoch);
    root.dataset.steps = String(info.steps);
    root.dataset.trainLoss = String(info.train_loss);
    root.dataset.testLoss = String(info.test_loss);
  }

  // where the nodes are drawn (CSS px in the network canvas): for tests and benchmarks
  root.nnpgLayout = () => (layout ? { thumb: THUMB, columns: layout.columns.map(col => col.map(n => [n.x, n.y])) } : null);

  // ---------------------------------------------------------------- pointing
  function nodeAt(x, y) {
    if (!layout) return null;
    for (const node of layout.columns.flat()) {
      if (Math.abs(x - node.x) <= THUMB / 2 && Math.abs(y - node.y) <= THUMB / 2) return node;
    }
    return null;
  }

  function edgeAt(x, y) {
    if (!layout || !layout.edges) return null;
    let best = null, bestD = 4 * k;
    for (const e of layout.edges) {
      // distance to the straight chord (the curve's ends are flat: close enough to pick)
      const ax = e.a.x + THUMB / 2, ay = e.a.y, bx = e.b.x - THUMB / 2, by = e.b.y;
      const dx = bx - ax, dy = by - ay;
      const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
      const mx = (ax + bx) / 2, my = (ay + by) / 2;
      // the Bezier's point at t, for a horizontal-tangent curve
      const cx = (1 - t) ** 3 * ax + 3 * (1 - t) ** 2 * t * mx + 3 * (1 - t) * t * t * mx + t ** 3 * bx;
      const cy = (1 - t) ** 3 * ay + 3 * (1 - t) ** 2 * t * ay + 3 * (1 - t) * t * t * by + t ** 3 * by;
      const d = Math.hypot(x - cx, y - cy);
      if (d < bestD) { bestD = d; best = e; }
    }
    return best;
  }

  netCanvas.addEventListener("mousemove", ev => {
    const r = netCanvas.getBoundingClientRect();
    const x = (ev.clientX - r.left) * NET_W / r.width, y = (ev.clientY - r.top) * NET_H / r.height;
    const node = nodeAt(x, y);
    const next = node ? { node } : (edgeAt(x, y) ? { edge: edgeAt(x, y) } : null);
    const same = (next && hovered && next.node === hovered.node && next.edge === hovered.edge) || (!next && !hovered);
    hovered = next;
    netCanvas.style.cursor = node && layout.columns[0].includes(node) && !isHidden("features") ? "pointer" : "default";
    if (!same) schedule();
  });
  netCanvas.addEventListener("mouseleave", () => { hovered = null; schedule(); });
  netCanvas.addEventListener("click", ev => {
    const r = netCanvas.getBoundingClientRect();
    const node = nodeAt((ev.clientX - r.left) * NET_W / r.width, (ev.clientY - r.top) * NET_H / r.height);
    if (node && layout.columns[0].includes(node) && !isHidden("features")) send({ kind: "feature", name: node.name });
  });
  surfCanvas.addEventListener("click", ev => {
    if (isHidden("add") || !frame || frame.info.regression) return;
    const r = surfCanvas.getBoundingClientRect();
    const e = frame.info.extent;
    const x = (ev.clientX - r.left) / r.width * 2 * e - e, y = e - (ev.clientY - r.top) / r.height * 2 * e;
    send({ kind: "add", x, y, label: Number(addSelect.value) });
  });

  // ---------------------------------------------------------------- controls <- scene
  function isHidden(name) {
    return (model.get("hidden") || []).includes(name);
  }

  function applyHidden() {
    for (const [name, elements] of Object.entries(controls)) {
      for (const e of elements) e.style.display = isHidden(name) ? "none" : "";
    }
  }

  function showScene() {
    scene = model.get("scene");
    for (const [name, select] of Object.entries(selects)) {
      const index = choices[name].findIndex(v => v === scene[name]);
      if (index >= 0) select.value = String(index);
    }
    for (const option of selects.loss.options) {
      const isMse = choices.loss[Number(option.value)] === "mse";
      option.disabled = scene.regression && !isMse;
    }
    const K = scene.classes;
    const chosen = addSelect.value;
    addSelect.replaceChildren();
    for (let c = 0; c < K; c++) {
      const option = el("option", "", CLASS_NAMES[c]);
      option.value = String(c);
      option.style.color = rgb(CLASS_RGB[c]);
      addSelect.append(option);
    }
    addSelect.value = chosen && Number(chosen) < K ? chosen : "0";
    addLine.style.opacity = scene.regression ? "0.5" : "";
    selects.classes.closest(".nnpg-row").style.opacity = scene.regression ? "0.5" : "";  // no classes to count
    if (document.activeElement !== configInput) configInput.value = model.get("config");
    surfCanvas.style.cursor = scene.regression || isHidden("add") ? "default" : "crosshair";
  }

  function showStatus() {
    const text = model.get("status");
    status.textContent = text;
    status.classList.toggle("nnpg-error", Boolean(text));
  }

  model.on("change:info", () => { load_frame(); schedule(); });
  model.on("change:points", () => { load_points(); schedule(); });
  model.on("change:scene", showScene);
  model.on("change:config", () => { if (document.activeElement !== configInput) configInput.value = model.get("config"); });
  model.on("change:playing", () => { playButton.textContent = model.get("playing") ? "Pause" : "Play"; });
  model.on("change:hidden", () => { applyHidden(); schedule(); });
  model.on("change:status", showStatus);

  playButton.textContent = model.get("playing") ? "Pause" : "Play";
  showScene();
  showStatus();
  applyHidden();
  load_points();
  load_frame();
  paint();
  return () => { if (pending !== null) cancelAnimationFrame(pending); };
}

export default { render };
