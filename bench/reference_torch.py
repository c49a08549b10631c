#!/usr/bin/env python3
"""PyTorch reference timings for the Airbnb price-class MLP (optional; needs `torch`).

Our own code, beside bench/reference.py (the NumPy reference) and sharing its data, split,
preprocessing and initialisation (it imports that file, which also reads the flags below).
It times what PyTorch users would write: f32 tensors, autograd for the gradients, a plain
`p -= lr * p.grad` update, batches gathered by index slicing (`x[idx]`).

  part_b_a          200 full-batch iterations, ReLU 10 -> 32 -> 16 -> 4, lr 0.1, with a
                    validation forward pass (accuracy) every iteration.
  part_b_a_sigmoid  the same with sigmoid hidden units.
  part_c_b          20 epochs of minibatch SGD, batch 256, lr 0.1, a fresh permutation per
                    epoch; a validation forward pass (accuracy) after every epoch.

Usage: python3 bench/reference_torch.py [--data DIR] [--repeats N] [--threads N]
                                        [--warmup N] [--seed S] [--dtype f32|f64|both]
--threads sets torch.set_num_threads (default 1; `cargo xtask bench --compare` passes the
Rust thread count). The JSON goes to stdout, progress to stderr.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402  (parses the shared flags, sets the BLAS threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

ARGS = ref.ARGS


def tensors(params, dtype):
    return [[torch.tensor(W, dtype=dtype, requires_grad=True), torch.tensor(b, dtype=dtype, requires_grad=True)]
            for W, b in params]


def forward(params, x, act):
    a = x
    for W, b in params[:-1]:
        a = act(a @ W + b)
    W, b = params[-1]
    return a @ W + b


def accuracy(params, x, y, act) -> float:
    with torch.no_grad():
        return float((forward(params, x, act).argmax(dim=1) == y).float().mean())


def sgd(params, lr):
    with torch.no_grad():
        for pair in params:
            for p in pair:
                p -= lr * p.grad
                p.grad = None


def full_batch(data, dtype, seed, act, hidden_gain, iterations=200, lr=0.1):
    x, y, xv, yv = data
    params = tensors(
        ref.init_study(x.shape[1], np.random.default_rng(seed), np.float64, hidden_gain), dtype
    )
    history = []
    for _ in range(iterations):
        z = forward(params, x, act)
        loss = torch.nn.functional.cross_entropy(z, y)
        correct = int((z.detach().argmax(dim=1) == y).sum())
        loss.backward()
        sgd(params, lr)
        history.append((loss.item(), correct / len(y), accuracy(params, xv, yv, act)))
    return params, history


def minibatch(data, dtype, seed, act, epochs=20, batch=256, lr=0.1, stats=False):
    """With `stats`, each epoch's record also has the mean |dL/dW| of each layer averaged
    over the epoch's batches (what the Rust training records keep)."""
    x, y, xv, yv = data
    rng = np.random.default_rng(seed)
    params = tensors(ref.init_pytorch(x.shape[1], rng, np.float64), dtype)
    n = len(y)
    history = []
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(n))
        loss_sum = 0.0
        grad_sums = torch.zeros(len(params), dtype=torch.float64)
        batches = 0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss = torch.nn.functional.cross_entropy(forward(params, x[idx], act), y[idx])
            loss.backward()
            if stats:
                with torch.no_grad():
                    grad_sums += torch.stack([W.grad.abs().mean() for W, _ in params]).double()
                batches += 1
            sgd(params, lr)
            loss_sum += loss.item() * len(idx)
        record = (loss_sum / n, accuracy(params, x, y, act), accuracy(params, xv, yv, act))
        if stats:
            record += ((grad_sums / batches).tolist(),)
        history.append(record)
    return params, history


WORKLOADS = {
    "part_b_a": lambda d, t, s: full_batch(d, t, s, torch.relu, 2.0),
    # Sigmoid hidden layers start from N(0, 1/fan_in), as the Rust `Init::Study` does.
    "part_b_a_sigmoid": lambda d, t, s: full_batch(d, t, s, torch.sigmoid, 1.0),
    "part_c_b": lambda d, t, s: minibatch(d, t, s, torch.relu),
}


def bench(fn, data, dtype, seed):
    for _ in range(ARGS.warmup):
        fn(data, dtype, seed)
    runs = []
    for _ in range(ARGS.repeats):
        t0 = time.perf_counter()
        _, history = fn(data, dtype, seed)
        runs.append(time.perf_counter() - t0)
    loss, train_acc, val_acc = history[-1]
    return {
        "median_s": statistics.median(runs),
        "min_s": min(runs),
        "max_s": max(runs),
        "runs_s": runs,
        "last_record": {"loss": loss, "train_acc": train_acc, "val_acc": val_acc},
    }


def main() -> None:
    torch.set_num_threads(max(ARGS.threads, 1))
    if ARGS.data:
        x_tr, y_tr, x_va, y_va, _ = ref.load_csv(ARGS.data, ARGS.seed)
        source = f"csv:{os.path.abspath(ARGS.data)}"
    else:
        x_tr, y_tr, x_va, y_va, _ = ref.synthetic(ARGS.seed)
        source = "synthetic"
    chosen = ["f32", "f64"] if ARGS.dtype == "both" else [ARGS.dtype]
    results = {}
    for name in chosen:
        dt = {"f32": torch.float32, "f64": torch.float64}[name]
        data = (torch.tensor(x_tr, dtype=dt), torch.from_numpy(y_tr).long(),
                torch.tensor(x_va, dtype=dt), torch.from_numpy(y_va).long())
        results[name] = {}
        for label, fn in WORKLOADS.items():
            ref.log(f"torch {name} {label}: {ARGS.warmup} warm-up + {ARGS.repeats} timed runs")
            r = bench(fn, data, dt, ARGS.seed)
            ref.log(f"torch {name} {label}: median {r['median_s']:.3f} s, val acc {r['last_record']['val_acc']:.4f}")
            results[name][label] = r
    print(json.dumps({
        "tool": "bench/reference_torch.py",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "data": source,
        "seed": ARGS.seed,
        "repeats": ARGS.repeats,
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
