#!/usr/bin/env python3
"""The study's protocol in Python: the work of `cargo xtask all --protocol-only`, written the
way the assignment's reference does it, for timing the whole process against the Rust one.

Our own code (not the study's file). Steps, in order:
  1. pandas reads DIR/train.csv and DIR/test.csv;
  2. the 80/20 split of the training file, stratified by class (reference.py's);
  3. preprocessing fitted on the training split only (docs/preprocessing.md): numeric
     columns median-imputed then z-scored (population sd, sd 0 -> scale 1); categorical
     columns mode-imputed (ties -> smallest level) then one-hot over the training file's
     levels with the first dropped; categoricals first, then numerics; applied unchanged to
     the validation and test rows;
  4. Part B(a): 200 full-batch iterations of a 10 -> 32 -> 16 -> 4 MLP, ReLU then sigmoid,
     lr 0.1, hand-written NumPy forward and backward in float64 (reference.py's `step`),
     recording each iteration's loss, accuracies, mean |dL/dW| per layer and saturation;
  5. Part C(b): the same network with ReLU in PyTorch float32, autograd, 20 epochs of
     minibatch SGD, batch 256, lr 0.1, batches by index slicing (reference_torch.py's
     `minibatch`);
  6. Part C's gradient attribution: mean over the validation rows of |dl/dx| per encoded
     feature (l the per-row loss), and Part C's model's test accuracy.

Usage: python3 bench/protocol.py --data DIR [--seed S] [--threads N]
It shares reference.py's flags (that file parses them; --repeats, --warmup and --dtype do not
apply here). --threads sets the BLAS threads and torch.set_num_threads (default 1; 0 leaves
both libraries' defaults). The JSON goes to stdout, progress to stderr. The wall time a user
waits for (interpreter start, imports included) is the caller's to measure, e.g.
`/usr/bin/time -v python3 bench/protocol.py --data DIR`; the JSON has the time from the
script's first line and the process's peak resident memory.
"""

import importlib.util
import sys
import time

T0 = time.perf_counter()
MISSING = [m for m in ("numpy", "pandas", "torch") if importlib.util.find_spec(m) is None]
if MISSING:
    sys.exit(f"bench/protocol.py: python3 lacks {', '.join(MISSING)} (pip install {' '.join(MISSING)})")

import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402  (parses the shared flags, sets the BLAS threads)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

import reference_torch as rt  # noqa: E402

ARGS = ref.ARGS
LEARNING_RATE = 0.1
ITERATIONS = 200


def read_tables(directory: str):
    """The two CSV files (pandas' missing-value tokens include every one the Rust loader
    accepts: "", NA, N/A, NaN, nan, null, None)."""
    tables = []
    for name in ("train.csv", "test.csv"):
        path = os.path.join(directory, name)
        try:
            tables.append(pd.read_csv(path))
        except (OSError, ValueError) as e:
            sys.exit(f"bench/protocol.py: {path}: {e}")
    return tables


def preprocess(train: pd.DataFrame, test: pd.DataFrame, fit_rows: np.ndarray):
    """Encodes both tables with statistics of the training file's rows `fit_rows` only:
    returns the encoded training file, the encoded test file and the feature names."""
    columns = [c for c in train.columns if c != ref.LABEL]
    numeric = [c for c in columns if pd.api.types.is_numeric_dtype(train[c])]
    categorical = [c for c in columns if c not in numeric]
    fit = train.iloc[fit_rows]
    encoded = {"train": [], "test": []}
    names = []
    for c in categorical:
        levels = sorted(train[c].dropna().unique())  # the file's levels (docs/preprocessing.md)
        mode = fit[c].mode().iloc[0]  # pandas sorts tied modes: the smallest level wins
        for key, df in (("train", train), ("test", test)):
            cat = pd.Categorical(df[c].fillna(mode), categories=levels)
            if cat.isna().any():
                sys.exit(f"bench/protocol.py: {key}.csv: column {c!r}: a level not seen in train.csv")
            encoded[key].append(pd.get_dummies(cat, prefix=c, drop_first=True, dtype=float))
        names += [f"{c}_{lv}" for lv in levels[1:]]
    for c in numeric:
        median = fit[c].median()
        filled = fit[c].fillna(median)
        mean, sd = filled.mean(), filled.std(ddof=0)
        scale = sd if sd > 0 else 1.0
        for key, df in (("train", train), ("test", test)):
            encoded[key].append(((df[c].fillna(median) - mean) / scale).rename(c).to_frame())
        names.append(c)
    x = {key: pd.concat([b.reset_index(drop=True) for b in blocks], axis=1).to_numpy(np.float64)
         for key, blocks in encoded.items()}
    return x["train"], x["test"], names


def part_b(x, y, xv, yv, act: str, seed: int):
    """Full-batch gradient descent in NumPy; each iteration records, with the weights of its
    forward, the loss, both accuracies, mean |dL/dW| per layer and the saturation."""
    gain = 2.0 if act == "relu" else 1.0
    params = ref.init_study(x.shape[1], np.random.default_rng(seed), np.float64, gain)
    onehot = np.eye(ref.N_CLASSES)[y]
    history = []
    for it in range(ITERATIONS):
        val_acc = ref.accuracy(params, xv, yv, act)
        loss, correct, grads, saturation = ref.step(params, x, y, onehot, LEARNING_RATE, act, stats=True)
        if not np.isfinite(loss):
            sys.exit(f"bench/protocol.py: Part B {act} diverged at iteration {it + 1}")
        history.append({"loss": loss, "train": correct / len(y), "validation": val_acc,
                        "grad_mean_abs": grads, "saturation": saturation})
    return history


def attribution(params, x, y):
    """Mean over rows of |dl/dx_j| per encoded feature, l the per-row cross-entropy."""
    x = x.clone().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(rt.forward(params, x, torch.relu), y, reduction="sum")
    loss.backward()
    return x.grad.abs().mean(dim=0).tolist()


def main() -> None:
    if not ARGS.data:
        sys.exit("bench/protocol.py: --data DIR is required (DIR/train.csv and DIR/test.csv)")
    if ARGS.threads > 0:
        torch.set_num_threads(ARGS.threads)
    stages = {"imports": time.perf_counter() - T0}
    t = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        stages[name] = now - t
        t = now
        ref.log(f"[{now - T0:6.2f} s] {name} done")

    train, test = read_tables(ARGS.data)
    y_file = train[ref.LABEL].to_numpy(np.int64)
    tr, va = ref.stratified_split(y_file, ref.VALIDATION_FRACTION, ARGS.seed)
    x_file, x_test, names = preprocess(train, test, tr)
    x, y, xv, yv = x_file[tr], y_file[tr], x_file[va], y_file[va]
    y_test = test[ref.LABEL].to_numpy(np.int64, copy=True)
    stage("load_and_preprocess")

    answers = {}
    for act in ("relu", "sigmoid"):
        last = part_b(x, y, xv, yv, act, ARGS.seed)[-1]
        answers[act] = {"train": last["train"], "validation": last["validation"]}
        stage(f"part_b_{act}")

    as_tensors = (torch.tensor(x, dtype=torch.float32), torch.from_numpy(y),
                  torch.tensor(xv, dtype=torch.float32), torch.from_numpy(yv))
    params, history = rt.minibatch(as_tensors, torch.float32, ARGS.seed, torch.relu,
                                   lr=LEARNING_RATE, stats=True)
    _, train_acc, val_acc, _ = history[-1]
    answers["tape"] = {"train": train_acc, "validation": val_acc}
    stage("part_c")

    scores = attribution(params, as_tensors[2], as_tensors[3])
    answers["tape_test"] = rt.accuracy(params, torch.tensor(x_test, dtype=torch.float32),
                                       torch.from_numpy(y_test), torch.relu)
    answers["attribution"] = [{"feature": f, "score": s} for f, s in zip(names, scores)]
    stage("attribution_and_test")

    print(json.dumps({
        "tool": "bench/protocol.py",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "torch": torch.__version__,
        "threads": ARGS.threads if ARGS.threads > 0 else "library defaults",
        "data": os.path.abspath(ARGS.data),
        "seed": ARGS.seed,
        "rows": {"train": len(y), "validation": len(yv), "test": len(y_test)},
        "answers": answers,
        "stages_s": stages,
        "script_s": time.perf_counter() - T0,
        # ru_maxrss is in KiB on Linux: the largest resident size of this process so far.
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }, indent=2))


if __name__ == "__main__":
    main()
