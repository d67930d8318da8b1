"""Course-size training (target 1): nnlib against PyTorch, scikit-learn and a hand-written NumPy loop.

The task: the bundled digits (1797 8x8 images; 75 % train, 25 % test,
stratified, standardised with the training statistics), a 64-128-64-10 ReLU
network with softmax cross-entropy, 20 epochs.  Four ways to train it:

* ``nnlib``   — ``nnlib.training.fit`` on a ``Sequential`` of ``Dense`` and
  ``Activation`` layers (He-normal initial weights from a seeded rng);
* ``pytorch`` — the same network in ``torch.nn`` with the *same initial
  weights* (copied from the nnlib model), the *same order of samples*
  (``fit`` draws ``rng.permutation(N)`` each epoch from ``default_rng(seed)``;
  the PyTorch loop draws the same permutations) and the same optimizer
  settings, so its epoch losses must equal nnlib's to rounding;
* ``sklearn`` — ``MLPClassifier`` with the same sizes, solver, batch size,
  learning rate and number of epochs; ``alpha=0`` (it adds an L2 penalty
  by default), ``tol=0`` and ``n_iter_no_change`` > epochs (so it never stops
  early), momentum 0 for SGD.  It draws its own initial weights and order;
* ``numpy``   — a minimal hand-written loop: the same arithmetic with no
  layers, no checks and one flat parameter buffer.  The floor for any
  NumPy library.

Every loop reports the same things per epoch as ``fit`` (mean training loss
and accuracy); seconds per epoch are the training call's wall time / 20.

Run alone: ``python -m benchmarks.bench_training [--quick] [--full-grid]``.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a file: python benchmarks/bench_training.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import time

import numpy as np

from benchmarks._common import Section, Target, interleaved, md_table, optional, pinned_threads
from nnlib.data import load_digits, standardize, train_val_split
from nnlib.layers import Activation, Dense
from nnlib.network import Sequential
from nnlib.optimizers import SGD, Adam
from nnlib.training import fit

SIZES = (64, 128, 64, 10)
EPOCHS = 20
SEED = 0
LR = {"adam": 1e-3, "sgd": 0.05}
BETAS, EPS = (0.9, 0.999), 1e-8
TARGET = ("adam", 32, "float64", 1)  # the configuration the targets are stated for
# One factor at a time away from the target.
COMPACT_GRID = [TARGET, ("sgd", 32, "float64", 1), ("adam", 128, "float64", 1), ("adam", 32, "float32", 1),
                ("adam", 32, "float64", 2)]
FULL_GRID = [(o, b, d, t) for o in ("adam", "sgd") for b in (32, 128) for d in ("float64", "float32") for t in (1, 2)]
IMPLEMENTATIONS = ("nnlib", "pytorch", "sklearn", "numpy", "numpy_flat")
SHOWN = {"nnlib": "nnlib fit", "pytorch": "PyTorch", "sklearn": "scikit-learn", "numpy": "NumPy loop",
         "numpy_flat": "NumPy flat loop"}


def load_data(dtype):
    """Digits split 75/25 (stratified, seed 0) and standardised; X in ``dtype``, y int64 labels."""
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_val_split(X, y, val_fraction=0.25, rng=SEED)
    X_train, mean, std = standardize(X_train)
    X_test, _, _ = standardize(X_test, mean, std)
    return X_train.astype(dtype), y_train, X_test.astype(dtype), y_test


def nnlib_model(dtype) -> Sequential:
    rng = np.random.default_rng(SEED)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(Dense(n_in, n_out, rng=rng, dtype=dtype))
        if i < len(SIZES) - 2:
            layers.append(Activation("relu"))
    return Sequential(layers)


def initial_weights(dtype) -> list:
    """``[(W, b), ...]`` copies of the nnlib model's initial weights (W is (n_in, n_out))."""
    model = nnlib_model(dtype)
    return [(layer.params["W"].copy(), layer.params["b"].copy()) for layer in model if layer.params]


# ----------------------------------------------------------------- the four loops
def train_nnlib(cfg, data, out):
    opt_name, batch, dtype, _ = cfg
    X, y, X_test, y_test = data
    model = nnlib_model(dtype)
    optimizer = Adam(LR["adam"], betas=BETAS, eps=EPS) if opt_name == "adam" else SGD(LR["sgd"])
    start, start_cpu = time.perf_counter(), time.process_time()
    history = fit(model, "softmax_cross_entropy", optimizer, X, y, EPOCHS, batch_size=batch, rng=SEED, progress=False)
    seconds = time.perf_counter() - start, time.process_time() - start_cpu
    out["loss"] = history.loss
    out["accuracy"] = float(np.mean(model.predict(X_test).argmax(axis=1) == y_test))
    return seconds


def train_pytorch(cfg, data, out):
    import torch

    opt_name, batch, dtype, _ = cfg
    X, y, X_test, y_test = data
    tdtype = getattr(torch, dtype)
    layers = []
    for i, (W, b) in enumerate(initial_weights(dtype)):
        linear = torch.nn.Linear(*W.shape, dtype=tdtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))  # torch keeps W as (n_out, n_in)
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    if opt_name == "adam":
        optimizer = torch.optim.Adam(net.parameters(), lr=LR["adam"], betas=BETAS, eps=EPS)
    else:
        optimizer = torch.optim.SGD(net.parameters(), lr=LR["sgd"])
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    rng = np.random.default_rng(SEED)  # the permutations nnlib's fit draws
    N = len(X)
    losses, accs = [], []
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(EPOCHS):
        order = torch.from_numpy(rng.permutation(N))
        loss_sum = correct = 0.0
        for s in range(0, N, batch):
            idx = order[s:s + batch]
            xb, yb = Xt[idx], yt[idx]
            optimizer.zero_grad()
            logits = net(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(dim=1) == yb).sum().item()
        losses.append(loss_sum / N)
        accs.append(correct / N)
    seconds = time.perf_counter() - start, time.process_time() - start_cpu
    with torch.no_grad():
        out["accuracy"] = float((net(torch.from_numpy(X_test)).argmax(dim=1).numpy() == y_test).mean())
    out["loss"] = losses
    return seconds


def train_sklearn(cfg, data, out):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    opt_name, batch, dtype, _ = cfg
    X, y, X_test, y_test = data
    clf = MLPClassifier(hidden_layer_sizes=SIZES[1:-1], activation="relu", solver=opt_name, alpha=0.0,
                        batch_size=batch, learning_rate_init=LR[opt_name], max_iter=EPOCHS, shuffle=True,
                        random_state=SEED, tol=0.0, n_iter_no_change=EPOCHS + 1, early_stopping=False,
                        momentum=0.0, nesterovs_momentum=False, beta_1=BETAS[0], beta_2=BETAS[1], epsilon=EPS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: that is the point
        start, start_cpu = time.perf_counter(), time.process_time()
        clf.fit(X, y)
        seconds = time.perf_counter() - start, time.process_time() - start_cpu
    out["loss"] = list(clf.loss_curve_)
    out["accuracy"] = float(clf.score(X_test, y_test))
    out["dtype"] = str(clf.coefs_[0].dtype)
    return seconds


def train_numpy(cfg, data, out):
    """The minimal hand-written loop, CS231n style: plain expressions, one update per parameter array."""
    opt_name, batch, dtype, _ = cfg
    X, y, X_test, y_test = data
    params = [a for pair in initial_weights(dtype) for a in pair]  # W1, b1, W2, b2, W3, b3
    W1, b1, W2, b2, W3, b3 = params
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr = LR[opt_name]
    (beta1, beta2), t = BETAS, 0
    rng = np.random.default_rng(SEED)
    N = len(X)
    losses = []
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(EPOCHS):
        order = rng.permutation(N)
        loss_sum = correct = 0.0
        for s in range(0, N, batch):
            idx = order[s:s + batch]
            xb, yb = X[idx], y[idx]
            n = len(idx)
            rows = np.arange(n)
            Z1 = xb @ W1 + b1
            A1 = np.maximum(Z1, 0)
            Z2 = A1 @ W2 + b2
            A2 = np.maximum(Z2, 0)
            Z3 = A2 @ W3 + b3
            shifted = Z3 - Z3.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss_sum += -log_p[rows, yb].sum()
            correct += np.sum(Z3.argmax(axis=1) == yb)
            dZ3 = np.exp(log_p)
            dZ3[rows, yb] -= 1
            dZ3 /= n
            dZ2 = (dZ3 @ W3.T) * (Z2 > 0)
            dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
            grads = [xb.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0), A2.T @ dZ3, dZ3.sum(axis=0)]
            t += 1
            for i, (p, g) in enumerate(zip(params, grads)):
                if opt_name == "sgd":
                    p -= lr * g
                else:
                    m[i] = beta1 * m[i] + (1 - beta1) * g
                    v[i] = beta2 * v[i] + (1 - beta2) * g * g
                    m_hat = m[i] / (1 - beta1**t)
                    v_hat = v[i] / (1 - beta2**t)
                    p -= lr * m_hat / (np.sqrt(v_hat) + EPS)
        losses.append(float(loss_sum) / N)
    seconds = time.perf_counter() - start, time.process_time() - start_cpu
    H = np.maximum(np.maximum(X_test @ W1 + b1, 0) @ W2 + b2, 0) @ W3 + b3
    out["loss"] = losses
    out["accuracy"] = float(np.mean(H.argmax(axis=1) == y_test))
    return seconds


def train_numpy_flat(cfg, data, out):
    """The tuned hand-written loop: one flat parameter buffer, in-place updates, preallocated scratch."""
    opt_name, batch, dtype, _ = cfg
    X, y, X_test, y_test = data
    weights = initial_weights(dtype)
    flat = np.concatenate([a.ravel() for pair in weights for a in pair])  # (P,) all parameters
    grad = np.zeros_like(flat)  # (P,)
    m, v, tmp = np.zeros_like(flat), np.zeros_like(flat), np.empty_like(flat)  # (P,) each

    def views(buffer):
        out_, start = [], 0
        for pair in weights:
            for a in pair:
                out_.append(buffer[start:start + a.size].reshape(a.shape))
                start += a.size
        return out_

    W1, b1, W2, b2, W3, b3 = views(flat)
    dW1, db1, dW2, db2, dW3, db3 = views(grad)
    lr = LR[opt_name]
    (beta1, beta2), t = BETAS, 0
    rng = np.random.default_rng(SEED)
    N = len(X)
    losses = []
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(EPOCHS):
        order = rng.permutation(N)
        loss_sum = correct = 0.0
        for s in range(0, N, batch):
            idx = order[s:s + batch]
            xb, yb = X[idx], y[idx]
            n = len(idx)
            rows = np.arange(n)
            Z1 = xb @ W1
            Z1 += b1
            A1 = np.maximum(Z1, 0)
            Z2 = A1 @ W2
            Z2 += b2
            A2 = np.maximum(Z2, 0)
            Z3 = A2 @ W3
            Z3 += b3
            Z3 -= Z3.max(axis=1, keepdims=True)
            E = np.exp(Z3)
            S = E.sum(axis=1, keepdims=True)
            loss_sum += float(np.sum(np.log(S[:, 0]) - Z3[rows, yb]))
            correct += np.count_nonzero(Z3.argmax(axis=1) == yb)
            dZ = E
            dZ /= S
            dZ[rows, yb] -= 1
            dZ /= n
            np.matmul(A2.T, dZ, out=dW3)
            dZ.sum(axis=0, out=db3)
            dA = dZ @ W3.T
            dA *= Z2 > 0
            np.matmul(A1.T, dA, out=dW2)
            dA.sum(axis=0, out=db2)
            dA = dA @ W2.T
            dA *= Z1 > 0
            np.matmul(xb.T, dA, out=dW1)
            dA.sum(axis=0, out=db1)
            if opt_name == "sgd":
                np.multiply(grad, lr, out=tmp)
                flat -= tmp
            else:
                t += 1
                m *= beta1
                np.multiply(grad, 1 - beta1, out=tmp)
                m += tmp
                v *= beta2
                np.multiply(grad, grad, out=tmp)
                tmp *= 1 - beta2
                v += tmp
                np.divide(v, 1 - beta2**t, out=tmp)
                np.sqrt(tmp, out=tmp)
                tmp += EPS
                np.divide(m, tmp, out=tmp)
                tmp *= lr / (1 - beta1**t)
                flat -= tmp
        losses.append(loss_sum / N)
    seconds = time.perf_counter() - start, time.process_time() - start_cpu
    H = np.maximum(np.maximum(X_test @ W1 + b1, 0) @ W2 + b2, 0) @ W3 + b3
    out["loss"] = losses
    out["accuracy"] = float(np.mean(H.argmax(axis=1) == y_test))
    return seconds


TRAINERS = {"nnlib": train_nnlib, "pytorch": train_pytorch, "sklearn": train_sklearn, "numpy": train_numpy,
            "numpy_flat": train_numpy_flat}


# ----------------------------------------------------------------- the benchmark
def label(cfg) -> str:
    opt_name, batch, dtype, threads = cfg
    return f"{'Adam' if opt_name == 'adam' else 'SGD'}, batch {batch}, {dtype}, {threads} thread{'s' * (threads > 1)}"


def measure(cfg, repeats: int, available, warmup: int = 1) -> dict:
    """Interleaved runs of every available implementation on one configuration."""
    data = load_data(cfg[2])
    results = {name: {} for name in available}
    with pinned_threads(cfg[3]):
        stats = interleaved({name: (lambda name=name: TRAINERS[name](cfg, data, results[name])) for name in available},
                            repeats=repeats, warmup=warmup)
    return {"stats": stats, "results": results}


def run(quick: bool = False, full_grid: bool = False) -> Section:
    global EPOCHS
    modules = {"pytorch": "torch", "sklearn": "sklearn"}
    available = [n for n in IMPLEMENTATIONS if n not in modules or optional(modules[n])]
    missing = sorted(set(IMPLEMENTATIONS) - set(available))
    grid = FULL_GRID if full_grid else COMPACT_GRID
    repeats = {cfg: 7 if cfg == TARGET else 5 for cfg in grid}
    saved_epochs = EPOCHS
    if quick:
        grid, repeats, EPOCHS = [TARGET], {TARGET: 2}, 3
    try:
        # One warm-up round (imports, first calls into BLAS and PyTorch) before the first configuration is enough.
        measured = {cfg: measure(cfg, repeats[cfg], available, warmup=1 if i == 0 else 0) for i, cfg in enumerate(grid)}
    finally:
        epochs, EPOCHS = EPOCHS, saved_epochs
    return report(measured, available, missing, epochs, quick, full_grid)


def report(measured, available, missing, epochs, quick, full_grid) -> Section:
    section = Section("training", "1. Course-size training: digits, 64-128-64-10 ReLU, softmax cross-entropy")
    rows = []
    for cfg, m in measured.items():
        stats, results = m["stats"], m["results"]
        nn = stats["nnlib"].median
        row = [label(cfg)]
        for name in IMPLEMENTATIONS:
            if name in stats:
                row.append(f"{stats[name].ms(epochs, 1)}<br>acc {results[name]['accuracy']:.3f}")
            else:
                row.append("–")
        row.append(" / ".join(f"{nn / stats[n].median:.2f}" if n in stats else "–" for n in IMPLEMENTATIONS[1:]))
        nn_cpu = stats["nnlib"].cpu_median
        row.append(" / ".join(f"{nn_cpu / stats[n].cpu_median:.2f}" if n in stats else "–"
                              for n in IMPLEMENTATIONS[1:]))
        torch_loss = results.get("pytorch", {}).get("loss")
        loss_gap = max(abs(a - b) for a, b in zip(results["nnlib"]["loss"], torch_loss)) if torch_loss else None
        row.append("–" if loss_gap is None else f"{loss_gap:.1e}")
        rows.append(row)

    grid_note = ("the full grid (2 optimizers × 2 batch sizes × 2 dtypes × 1 and 2 threads)" if full_grid else
                 "the target configuration plus a compact grid that changes one factor at a time "
                 "(`--full-grid` runs all 16 combinations of optimizer × batch × dtype × threads)")
    body = [
        f"Milliseconds per epoch, median [min–max] of {'2' if quick else '≥ 5'} interleaved runs "
        f"({epochs} epochs each{' — QUICK SMOKE RUN, not a measurement' if quick else ''}), and test accuracy after "
        f"{epochs} epochs. Ratios are nnlib's median time divided by the peer's (below 1 = nnlib is faster); "
        "the same ratios of process CPU time are shown too (steadier when the machine is shared; for these "
        "1-thread runs they equal the wall-time ratios on an idle machine; the 2-thread row's CPU time adds up "
        "both threads). "
        f"Rows: {grid_note}. Learning rates: Adam {LR['adam']}, SGD {LR['sgd']} (no momentum).",
        "",
        md_table(["configuration", *[f"{SHOWN[n]} ms/epoch" for n in IMPLEMENTATIONS],
                  "nnlib ÷ " + " / ".join(SHOWN[n] for n in IMPLEMENTATIONS[1:]), "same ratios in CPU time",
                  "max \\|loss − PyTorch\\|"], rows),
        "",
        "*NumPy loop*: the minimal hand-written loop (CS231n style: plain expressions, one update per parameter "
        "array) — the target's \"minimal hand-written NumPy loop\". *NumPy flat loop*: the same arithmetic tuned "
        "by hand (one flat parameter buffer, in-place updates, preallocated scratch), shown as the real floor; "
        "it is not a target.",
    ]
    if missing:
        body.append(f"\nNot measured (not installed; `pip install -e .[bench]`): {', '.join(missing)}.")

    target_cfg = TARGET if TARGET in measured else next(iter(measured))
    res = measured[target_cfg]["results"]
    if "pytorch" in res:
        body += ["", f"Same seeds, same losses — mean training loss per epoch, {label(target_cfg)}:", ""]
        loss_rows = []
        for e in range(min(5, epochs)):
            cells = [e + 1, f"{res['nnlib']['loss'][e]:.12f}", f"{res['pytorch']['loss'][e]:.12f}",
                     f"{res['numpy']['loss'][e]:.12f}"]
            if "sklearn" in res:
                cells.append(f"{res['sklearn']['loss'][e]:.6f}")
            loss_rows.append(cells)
        diff_t = max(abs(a - b) for a, b in zip(res["nnlib"]["loss"], res["pytorch"]["loss"]))
        diff_n = max(abs(a - b) for a, b in zip(res["nnlib"]["loss"], res["numpy"]["loss"]))
        headers = ["epoch", "nnlib", "PyTorch", "NumPy loop"]
        if "sklearn" in res:
            headers.append("scikit-learn (own init and order)")
        body.append(md_table(headers, loss_rows))
        body.append(f"\nMax |nnlib − PyTorch| over all {epochs} epochs: {diff_t:.1e}; "
                    f"max |nnlib − NumPy loop|: {diff_n:.1e}.")
    body.append("\nscikit-learn draws its own initial weights (Glorot uniform) and sample order, so only its accuracy "
                "is comparable; its Adam folds the bias correction into the step size, "
                "`lr·sqrt(1−β2^t)/(1−β1^t)`, which moves eps slightly. "
                f"It trained in {res.get('sklearn', {}).get('dtype', '?')} here.")
    section.body = "\n".join(body)

    # targets, on the target configuration
    st = measured[target_cfg]["stats"]
    nn = st["nnlib"].median
    tgt_label = label(target_cfg)

    def time_target(peer, limit):
        if peer not in st:
            return Target(f"nnlib ≤ {limit} × {SHOWN[peer]}", f"≤ {limit}", "not installed", None)
        r = nn / st[peer].median
        r_cpu = st["nnlib"].cpu_median / st[peer].cpu_median
        return Target(f"epoch time nnlib ≤ {limit} × {SHOWN[peer]} ({tgt_label})", f"≤ {limit}",
                      f"{r:.2f} (CPU time: {r_cpu:.2f})", r <= limit)

    section.targets = [time_target("pytorch", 0.55), time_target("sklearn", 0.7), time_target("numpy", 1.25)]
    if "numpy_flat" in st:
        body_floor = nn / st["numpy_flat"].median
        section.body += (f"\n\nnnlib ÷ NumPy flat loop (the tuned floor, not a target) in the target configuration: "
                         f"{body_floor:.2f}.")
    accs = {n: res[n]["accuracy"] for n in res}
    same = [n for n in ("pytorch", "numpy") if n in accs]
    worst = max(abs(accs["nnlib"] - accs[n]) for n in same)
    section.targets.append(Target(
        "same test accuracy (±1 %) as PyTorch and the NumPy loop (same initial weights and order)", "≤ 0.010",
        f"{worst:.3f} (nnlib {accs['nnlib']:.3f}, " + ", ".join(f"{SHOWN[n]} {accs[n]:.3f}" for n in same)
        + (f"; scikit-learn {accs['sklearn']:.3f}" if "sklearn" in accs else "") + ")", worst <= 0.01))
    if "pytorch" in res:
        section.targets.append(Target("same seeds give the same epoch losses as PyTorch", "≤ 1e-6 (float64)",
                                      f"{diff_t:.1e}", diff_t <= 1e-6))
    section.chart = {
        "labels": SHOWN,
        "configs": [label(c) for c in measured],
        "ms_per_epoch": {n: [measured[c]["stats"][n].median * 1e3 / epochs if n in measured[c]["stats"] else None
                             for c in measured] for n in IMPLEMENTATIONS},
    }
    return section


def main(argv=None):
    import argparse

    from benchmarks._common import cli

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--full-grid", action="store_true")
    known, rest = parser.parse_known_args(argv)
    return cli(lambda quick: run(quick=quick, full_grid=known.full_grid),
               "Course-size training: nnlib vs PyTorch vs scikit-learn vs NumPy (--full-grid: all 16 configurations)",
               rest)


if __name__ == "__main__":
    main()
