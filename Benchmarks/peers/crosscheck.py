#!/usr/bin/env python3
"""Cross-check of the two peers: the numpy model's initial weights are copied into the torch
model, both take the same training steps on the same MNIST batches, and the losses and every
parameter (and BN running statistic) are compared. Exits 1 if they disagree.

Both run in float64 here: in float32, Adam's normalised first steps turn rounding differences
in tiny gradients (e.g. while the synthetic gradients are still near zero) into differences of a
noticeable fraction of a step, which would hide real discrepancies behind noise.

    python3 crosscheck.py [--steps 5] [--batch-size 64] [--synth-hidden 64] [--data DIR]
"""
import argparse
import os
import sys
import types

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.argv, _argv = sys.argv[:1], sys.argv  # keep the peers' argv parsing out of the way
import mnist_dni_numpy as pn  # noqa: E402
import mnist_dni_torch as pt  # noqa: E402
sys.argv = _argv

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from common import load_mnist  # noqa: E402


def copy_sequential(np_layers, torch_seq):
    tl = [m for m in torch_seq if not isinstance(m, nn.ReLU)]
    nl = [l for l in np_layers if not isinstance(l, pn.ReLU)]
    assert len(tl) == len(nl)
    pairs = []
    for a, b in zip(nl, tl):
        if isinstance(a, pn.Dense):
            b.weight.data = torch.from_numpy(a.W.T.copy())
            pairs.append((a.W, lambda b=b: b.weight.detach().numpy().T))
            if a.b is not None:
                b.bias.data = torch.from_numpy(a.b.copy())
                pairs.append((a.b, lambda b=b: b.bias.detach().numpy()))
        else:
            b.weight.data = torch.from_numpy(a.gamma.copy())
            b.bias.data = torch.from_numpy(a.beta.copy())
            pairs += [(a.gamma, lambda b=b: b.weight.detach().numpy()),
                      (a.beta, lambda b=b: b.bias.detach().numpy()),
                      (a.running_mean, lambda b=b: b.running_mean.numpy()),
                      (a.running_var, lambda b=b: b.running_var.numpy())]
    return pairs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--synth-hidden", type=int, default=64)
    p.add_argument("--data", default="/work/shared/data/mnist")
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    pn.DTYPE = np.float64
    xtr, ytr, _, _ = load_mnist(a.data)
    xtr = xtr.astype(np.float64)
    ok = True
    for method in ("backprop", "dni", "cdni"):
        args = types.SimpleNamespace(method=method, layers=3, hidden=256, lr=1e-3, synth_lr=1e-4,
                                     synth_hidden_layers=2 if method == "dni" else 0,
                                     synth_hidden=a.synth_hidden)
        nm = pn.Model(args, np.random.default_rng(0))
        tm = pt.Model(args)
        tm.train(True)
        pairs = []
        for s_np, s_t in zip(nm.stages, tm.stages):
            pairs += copy_sequential(s_np.layers, s_t)
        pairs += copy_sequential([nm.classifier], [tm.classifier])
        for s_np, s_t in zip(nm.synths, tm.synths):
            # Zero-initialised output layers would make the first steps trivial: give them weights.
            last = s_np.layers[-1]
            last.W[...] = np.random.default_rng(1).normal(0, 0.01, last.W.shape)
            pairs += copy_sequential(s_np.layers, s_t)
        rng = np.random.default_rng(2)
        worst_loss = 0.0
        for _ in range(a.steps):
            idx = rng.choice(xtr.shape[0], a.batch_size, replace=False)
            x, y = xtr[idx], ytr[idx]
            oh = np.eye(10)[y]
            ln = nm.train_step(x, y, oh)
            lt = tm.train_step(torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(oh))
            worst_loss = max(worst_loss, abs(ln - lt) / max(1e-12, abs(lt)))
        worst, where = 0.0, ""
        for k, (arr, get) in enumerate(pairs):
            other = get()
            d = float(np.max(np.abs(arr - other)) / max(1e-6, float(np.max(np.abs(other)))))
            if d > worst:
                worst, where = d, f"tensor {k} {arr.shape} max|diff| {np.max(np.abs(arr - other)):.1e}"
        print("   largest difference:", where)
        good = worst < 1e-8 and worst_loss < 1e-10
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} {method:8s} after {a.steps} steps: loss rel diff "
              f"{worst_loss:.1e}, parameters max rel diff {worst:.1e} ({len(pairs)} tensors)")
    print(f"crosscheck {'passed' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
