#!/usr/bin/env python3
"""NumPy reference timings for the Airbnb price-class MLP (Parts B(a) and C(b)).

Our own code, written to mirror the study's NumPy reference: it runs the same work as the
Rust workspace and prints JSON timings (median of --repeats runs) for f64 and/or f32.

  (a) part_b_a: 200 full-batch gradient-descent iterations of a ReLU 10 -> 32 -> 16 -> 4 MLP
      (He-normal hidden weights, sd sqrt(1/fan_in) output weights, zero biases, lr 0.1,
      mean softmax cross-entropy), with a validation forward pass (accuracy) every iteration.
  (b) part_c_b: 20 epochs of minibatch SGD, batch 256, lr 0.1, a fresh shuffle per epoch,
      batches gathered by index, PyTorch-style init U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
      weights and biases; a validation forward pass (accuracy) after every epoch.

Data: random standardised features with the real shapes (33,078 train / 8,270 validation
rows, 10 features, 4 classes; fixed seed), or --data DIR to read DIR/train.csv and apply
the study's preprocessing (fitted on the training split only).

Usage: python3 bench/reference.py [--data DIR] [--repeats N] [--dtype f64|f32|both]
                                  [--threads N] [--warmup N] [--seed S]
--threads defaults to 1 (the Rust matmuls run on one thread; on a shared 2-core machine a
multi-threaded OpenBLAS can also be far slower under contention).
Python 3.11, NumPy only. The JSON goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import statistics
import sys
import time

FEATURES_CATEGORICAL = ["neighbourhood_group", "room_type"]
FEATURES_NUMERIC = ["minimum_nights", "amenity_score", "number_of_reviews", "availability_365"]
LABEL = "price_class"
N_CLASSES = 4
HIDDEN = (32, 16)
VALIDATION_FRACTION = 0.2
SYNTH_TRAIN, SYNTH_VAL, SYNTH_FEATURES = 33_078, 8_270, 10


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", metavar="DIR", help="directory holding train.csv (default: synthetic data)")
    p.add_argument("--repeats", type=int, default=5, help="timed runs per benchmark (median reported; default 5)")
    p.add_argument("--dtype", choices=["f64", "f32", "both"], default="both")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS threads, set through OPENBLAS/OMP/MKL_NUM_THREADS before NumPy loads "
                        "(default 1, like the single-threaded Rust matmuls; 0 = leave the BLAS default)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs before timing (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed for data, split, init and shuffles (default 0)")
    args = p.parse_args()
    if args.repeats < 1:
        p.error("--repeats must be at least 1")
    return args


ARGS = parse_args()
if ARGS.threads > 0:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables are set)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------

def synthetic(seed: int):
    """Standard-normal features; labels from a fixed random linear 'teacher' plus noise, so
    that training has something to learn (the timing does not depend on the labels)."""
    rng = np.random.default_rng(seed)
    n = SYNTH_TRAIN + SYNTH_VAL
    x = rng.standard_normal((n, SYNTH_FEATURES))
    teacher = rng.standard_normal((SYNTH_FEATURES, N_CLASSES))
    y = np.argmax(x @ teacher + rng.standard_normal((n, N_CLASSES)), axis=1)
    names = [f"x{j}" for j in range(SYNTH_FEATURES)]
    return x[:SYNTH_TRAIN], y[:SYNTH_TRAIN], x[SYNTH_TRAIN:], y[SYNTH_TRAIN:], names


def stratified_split(y: np.ndarray, fraction: float, seed: int):
    """80/20 stratified split: ceil(fraction*n) validation rows, allocated to classes by
    floor(fraction*count) plus largest remainders (as scikit-learn does, close enough for
    timing); rows drawn per class from one seeded shuffle."""
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    n_val = math.ceil(fraction * len(y))
    exact = fraction * counts
    take = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - take), kind="stable")[: n_val - take.sum()]:
        take[i] += 1
    train, val = [], []
    for c, k in zip(classes, take):
        rows = rng.permutation(np.flatnonzero(y == c))
        val.append(rows[:k])
        train.append(rows[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def load_csv(directory: str, seed: int):
    """train.csv -> split -> preprocessing fitted on the training rows:
    numeric: median impute, z-score (population sd; sd 0 -> scale 1);
    categorical: mode impute (ties -> smallest level), one-hot with the first sorted level
    dropped (a level unseen in training encodes as all zeros)."""
    path = os.path.join(directory, "train.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    y = np.array([int(float(r[LABEL])) for r in rows])
    train_idx, val_idx = stratified_split(y, VALIDATION_FRACTION, seed)

    blocks_train, blocks_val, names = [], [], []
    for col in FEATURES_CATEGORICAL:
        raw = np.array([r[col].strip() for r in rows], dtype=object)
        observed = [v for v in raw[train_idx] if v != ""]
        levels = sorted(set(observed))
        freq = {lv: 0 for lv in levels}
        for v in observed:
            freq[v] += 1
        mode = min(levels, key=lambda lv: (-freq[lv], lv))
        filled = np.where(raw == "", mode, raw)
        for lv in levels[1:]:
            names.append(f"{col}_{lv}")
            ind = (filled == lv).astype(np.float64)
            blocks_train.append(ind[train_idx])
            blocks_val.append(ind[val_idx])
    for col in FEATURES_NUMERIC:
        raw = np.array([float(r[col]) if r[col].strip() != "" else np.nan for r in rows])
        tr = raw[train_idx]
        median = float(np.median(tr[~np.isnan(tr)]))
        filled = np.where(np.isnan(raw), median, raw)
        mean = float(filled[train_idx].mean())
        sd = float(filled[train_idx].std())
        scale = sd if sd > 0 else 1.0
        z = (filled - mean) / scale
        names.append(col)
        blocks_train.append(z[train_idx])
        blocks_val.append(z[val_idx])
    x_train = np.column_stack(blocks_train)
    x_val = np.column_stack(blocks_val)
    return x_train, y[train_idx], x_val, y[val_idx], names


# --------------------------------------------------------------------------------------------
# Model: z = a W + b, W of shape fan_in x fan_out
# --------------------------------------------------------------------------------------------

def widths(n_inputs: int):
    return [n_inputs, *HIDDEN, N_CLASSES]


def init_study(n_inputs: int, rng, dtype, hidden_gain: float = 2.0):
    """He normal N(0, 2/fan_in) into ReLU hidden layers (`hidden_gain` 1 for sigmoid ones),
    N(0, 1/fan_in) into the output layer, zero biases (the Rust `Init::Study`)."""
    w = widths(n_inputs)
    params = []
    for l in range(len(w) - 1):
        gain = 1.0 if l == len(w) - 2 else hidden_gain
        W = rng.normal(0.0, math.sqrt(gain / w[l]), size=(w[l], w[l + 1])).astype(dtype)
        params.append([W, np.zeros(w[l + 1], dtype=dtype)])
    return params


def init_pytorch(n_inputs: int, rng, dtype):
    """nn.Linear's default: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    w = widths(n_inputs)
    params = []
    for l in range(len(w) - 1):
        bound = 1.0 / math.sqrt(w[l])
        W = rng.uniform(-bound, bound, size=(w[l], w[l + 1])).astype(dtype)
        b = rng.uniform(-bound, bound, size=w[l + 1]).astype(dtype)
        params.append([W, b])
    return params


def relu(z):
    return np.maximum(z, 0)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# Hidden activations: the function and its derivative g'(z), given z and a = g(z).
ACTIVATIONS = {
    "relu": (relu, lambda z, a: z > 0),
    "sigmoid": (sigmoid, lambda z, a: a * (1.0 - a)),
}


def logits(params, x, act="relu"):
    g = ACTIVATIONS[act][0]
    a = x
    for W, b in params[:-1]:
        a = g(a @ W + b)
    W, b = params[-1]
    return a @ W + b


def accuracy(params, x, y, act="relu") -> float:
    return float(np.mean(np.argmax(logits(params, x, act), axis=1) == y))


def step(params, x, y, onehot, lr, act="relu", stats=False):
    """One gradient step on (x, y): forward, mean cross-entropy, backward, update.
    Returns (loss, correct predictions before the update); with `stats`, also the mean
    |dL/dW| of each layer and, per hidden layer, the share of units with g'(z) < 0.01 (what
    the Rust training records keep for Part B's vanishing-gradient question)."""
    g, dg = ACTIVATIONS[act]
    (W1, b1), (W2, b2), (W3, b3) = params
    n = x.shape[0]
    z1 = x @ W1 + b1
    a1 = g(z1)
    z2 = a1 @ W2 + b2
    a2 = g(z2)
    z3 = a2 @ W3 + b3
    shifted = z3 - z3.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    p = e / s
    loss = float(np.mean(np.log(s[:, 0]) - shifted[np.arange(n), y]))
    correct = int(np.count_nonzero(np.argmax(z3, axis=1) == y))
    # backward: delta3 = (p - y)/n, delta_l = (delta_{l+1} W_{l+1}^T) * g'(z_l)
    d3 = (p - onehot) * (1.0 / n)
    gW3 = a2.T @ d3
    gb3 = d3.sum(axis=0)
    g2 = dg(z2, a2)
    d2 = (d3 @ W3.T) * g2
    gW2 = a1.T @ d2
    gb2 = d2.sum(axis=0)
    g1 = dg(z1, a1)
    d1 = (d2 @ W2.T) * g1
    gW1 = x.T @ d1
    gb1 = d1.sum(axis=0)
    for (W, b), gW, gb in zip(params, (gW1, gW2, gW3), (gb1, gb2, gb3)):
        W -= lr * gW
        b -= lr * gb
    if stats:
        grad_mean_abs = [float(np.abs(gW).mean()) for gW in (gW1, gW2, gW3)]
        saturation = [float(np.mean(gp < 0.01)) for gp in (g1, g2)]
        return loss, correct, grad_mean_abs, saturation
    return loss, correct


def part_b_a(data, dtype, seed, iterations=200, lr=0.1):
    """Full-batch gradient descent; validation accuracy after every iteration."""
    x_tr, y_tr, oh_tr, x_va, y_va = data
    params = init_study(x_tr.shape[1], np.random.default_rng(seed), dtype)
    history = []
    for _ in range(iterations):
        loss, correct = step(params, x_tr, y_tr, oh_tr, lr)
        val_acc = accuracy(params, x_va, y_va)
        history.append((loss, correct / len(y_tr), val_acc))
    return params, history


def part_c_b(data, dtype, seed, epochs=20, batch=256, lr=0.1):
    """Minibatch SGD: a fresh permutation per epoch, batches gathered by index (the last one
    short); validation accuracy after every epoch."""
    x_tr, y_tr, oh_tr, x_va, y_va = data
    rng = np.random.default_rng(seed)
    params = init_pytorch(x_tr.shape[1], rng, dtype)
    n = len(y_tr)
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        loss_sum, correct = 0.0, 0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss, c = step(params, x_tr[idx], y_tr[idx], oh_tr[idx], lr)
            loss_sum += loss * len(idx)
            correct += c
        history.append((loss_sum / n, correct / n, accuracy(params, x_va, y_va)))
    return params, history


def mean_loss(params, x, y) -> float:
    z = logits(params, x)
    shifted = z - z.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(y)), y]))


def bench(fn, data, dtype, seed, repeats, warmup):
    for _ in range(warmup):
        fn(data, dtype, seed)
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        params, history = fn(data, dtype, seed)
        runs.append(time.perf_counter() - t0)
    x_tr, y_tr, _, x_va, y_va = data
    last_loss, last_train_acc, last_val_acc = history[-1]
    return {
        "median_s": statistics.median(runs),
        "min_s": min(runs),
        "max_s": max(runs),
        "runs_s": runs,
        "steps_recorded": len(history),
        # after training, on the final parameters (outside the timed region)
        "final_train_loss": mean_loss(params, x_tr, y_tr),
        "final_train_acc": accuracy(params, x_tr, y_tr),
        "final_val_acc": accuracy(params, x_va, y_va),
        # as recorded inside the loop at the last step (loss / train acc before the update,
        # or averaged over the epoch's minibatches for part_c_b)
        "last_record": {"loss": last_loss, "train_acc": last_train_acc, "val_acc": last_val_acc},
    }


def blas_name() -> str:
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


def main() -> None:
    if ARGS.data:
        x_tr, y_tr, x_va, y_va, names = load_csv(ARGS.data, ARGS.seed)
        source = f"csv:{os.path.abspath(ARGS.data)}"
    else:
        x_tr, y_tr, x_va, y_va, names = synthetic(ARGS.seed)
        source = "synthetic"
    log(f"data: {source}: train {x_tr.shape}, validation {x_va.shape}")
    dtypes = {"f64": np.float64, "f32": np.float32}
    chosen = ["f64", "f32"] if ARGS.dtype == "both" else [ARGS.dtype]
    results = {}
    for name in chosen:
        dt = dtypes[name]
        data = (
            np.ascontiguousarray(x_tr, dtype=dt),
            y_tr,
            np.eye(N_CLASSES, dtype=dt)[y_tr],
            np.ascontiguousarray(x_va, dtype=dt),
            y_va,
        )
        results[name] = {}
        for label, fn in (("part_b_a", part_b_a), ("part_c_b", part_c_b)):
            log(f"{name} {label}: {ARGS.warmup} warm-up + {ARGS.repeats} timed runs")
            r = bench(fn, data, dt, ARGS.seed, ARGS.repeats, ARGS.warmup)
            log(f"{name} {label}: median {r['median_s']:.3f} s, val acc {r['final_val_acc']:.4f}")
            results[name][label] = r
    out = {
        "tool": "bench/reference.py",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_name(),
        "blas_threads": ARGS.threads if ARGS.threads > 0 else "blas default",
        "cpu_count": os.cpu_count(),
        "data": source,
        "n_train": int(x_tr.shape[0]),
        "n_validation": int(x_va.shape[0]),
        "features": names,
        "seed": ARGS.seed,
        "repeats": ARGS.repeats,
        "warmup": ARGS.warmup,
        "config": {
            "widths": widths(x_tr.shape[1]),
            "activation": "relu",
            "part_b_a": {"iterations": 200, "learning_rate": 0.1, "init": "he-normal hidden, N(0,1/fan_in) output, zero biases"},
            "part_c_b": {"epochs": 20, "batch_size": 256, "learning_rate": 0.1, "init": "pytorch uniform"},
        },
        "results": results,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
