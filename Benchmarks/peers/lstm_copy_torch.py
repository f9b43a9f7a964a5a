#!/usr/bin/env python3
"""PyTorch-CPU peer of swift-dni's recurrent DNI: an LSTM on Copy, truncated BPTT or DNI.

The same experiment as `dni train --task copy` (Sources/DNI/Recurrent): B continuous streams of
Copy episodes (N one-hot symbols over 8, a delimiter, N blank steps whose targets are the
symbols; each stream's first episode after a random 0..2N+1 blank steps, so the streams
are out of phase), the 0.15-bit curriculum over the last 100 episodes of the current length, one
nn.LSTM layer (forget-gate bias 1) with a linear readout, softmax cross-entropy averaged over
the window's T*B rows (unscored rows count as zero), Adam. The state (h, c) is carried across
windows and detached at each window's start.

DNI (Jaderberg et al. 2016, section 3.1): a linear synthesizer on [h_T, c_T], zero-initialised,
predicts the gradient from the future; scale * prediction is injected at the window's last
state; the synthesizer learns by L2 toward the gradient that reached the window's initial state
(which includes the injected one), with its own Adam.

Throughput mode: --warmup W untimed windows, then --steps N timed ones; prints windows/s.
"""
import argparse
import json
import os
import random
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--method", choices=["bptt", "dni"], default="bptt")
    p.add_argument("--truncation", type=int, default=3)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=1000, help="timed windows")
    p.add_argument("--warmup", type=int, default=20, help="untimed windows before the timed ones")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--synth-lr", type=float, default=1e-4)
    p.add_argument("--scale", type=float, default=0.1, help="synthetic-gradient scale at injection")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    return p.parse_args()


class CopyStreams:
    """B streams of Copy episodes with the 0.15-bit curriculum (see module docstring)."""

    def __init__(self, batch, symbols=8, seed=1, recent=100, threshold=0.15):
        self.batch, self.symbols = batch, symbols
        self.rng = random.Random(seed)
        self.length, self.solved = 1, 0
        self.recent, self.threshold, self.errors = recent, threshold, []
        self.episodes = [[] for _ in range(batch)]       # remaining (input, target, last, length)
        self.started = [False] * batch                   # first episodes start out of phase
        self.bits = [0.0] * batch
        self.scored = [0] * batch

    def episode(self):
        n = self.length
        seq = [self.rng.randrange(self.symbols) for _ in range(n)]
        steps = [(s, -1) for s in seq] + [(self.symbols, -1)] + [(-1, s) for s in seq]
        return [(i, t, k == len(steps) - 1, n) for k, (i, t) in enumerate(steps)]

    def window(self, steps):
        inputs, targets, ends = [], [], []
        for _ in range(steps):
            for b in range(self.batch):
                if not self.episodes[b]:
                    steps = self.episode()
                    if not self.started[b]:
                        blank = self.rng.randrange(2 * self.length + 2)
                        steps = [(-1, -1, False, self.length)] * blank + steps
                        self.started[b] = True
                    self.episodes[b] = steps[::-1]
                i, t, last, n = self.episodes[b].pop()
                inputs.append(i)
                targets.append(t)
                ends.append(n if last else 0)
        return inputs, targets, ends

    def record(self, row_bits, targets, ends):
        for row, (bits, t, end) in enumerate(zip(row_bits, targets, ends)):
            b = row % self.batch
            if t >= 0:
                self.bits[b] += bits
                self.scored[b] += 1
            if end:
                if end == self.length:
                    self.errors.append(self.bits[b] / max(1, self.scored[b]))
                    self.errors = self.errors[-self.recent:]
                    if len(self.errors) == self.recent and sum(self.errors) / self.recent < self.threshold:
                        self.solved, self.length, self.errors = self.length, self.length + 1, []
                self.bits[b], self.scored[b] = 0.0, 0


def main():
    args = parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    symbols, T, B, H = 8, args.truncation, args.batch_size, args.hidden
    in_size, classes = symbols + 1, symbols
    lstm = nn.LSTM(in_size, H)
    with torch.no_grad():                      # one bias of the two PyTorch keeps: forget block at 1
        lstm.bias_ih_l0.zero_(); lstm.bias_hh_l0.zero_()
        lstm.bias_ih_l0[H:2 * H] = 1.0
    readout = nn.Linear(H, classes)
    params = list(lstm.parameters()) + list(readout.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    synth = synth_opt = None
    if args.method == "dni":
        synth = nn.Linear(2 * H, 2 * H)
        nn.init.zeros_(synth.weight); nn.init.zeros_(synth.bias)
        synth_opt = torch.optim.Adam(synth.parameters(), lr=args.synth_lr)
    task = CopyStreams(B, symbols, seed=args.seed)
    h = torch.zeros(1, B, H); c = torch.zeros(1, B, H)
    eye = torch.eye(in_size)
    log2e = 1.4426950408889634

    def window():
        nonlocal h, c
        codes, targets, ends = task.window(T)
        codes_t = torch.tensor(codes)
        x = torch.where((codes_t >= 0).unsqueeze(1), eye[codes_t.clamp(min=0)], torch.zeros(1, in_size)).view(T, B, in_size)
        y = torch.tensor(targets)
        h0 = h.detach().requires_grad_(synth is not None)
        c0 = c.detach().requires_grad_(synth is not None)
        out, (hT, cT) = lstm(x, (h0, c0))
        logits = readout(out.view(T * B, H))
        rows = F.cross_entropy(logits, y, ignore_index=-1, reduction="none")
        loss = rows.sum() / (T * B)
        opt.zero_grad(set_to_none=True)
        if synth is None:
            loss.backward()
        else:
            with torch.no_grad():
                g = synth(torch.cat([hT[0], cT[0]], dim=1)) * args.scale
            torch.autograd.backward([loss, hT, cT], [None, g[:, :H].unsqueeze(0), g[:, H:].unsqueeze(0)])
            target = torch.cat([h0.grad[0], c0.grad[0]], dim=1)
            prediction = synth(torch.cat([h0[0].detach(), c0[0].detach()], dim=1))
            synth_loss = 0.5 * ((prediction - target) ** 2).sum() / B
            synth_opt.zero_grad(set_to_none=True)
            synth_loss.backward()
            synth_opt.step()
        opt.step()
        task.record((rows.detach() * log2e).tolist(), targets, ends)
        h, c = hT.detach(), cT.detach()
        return loss.item()

    for _ in range(args.warmup):
        window()
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = window()
    seconds = time.perf_counter() - start
    summary = {"event": "summary", "peer": "torch", "task": "copy", "method": args.method, "truncation": T,
               "hidden": H, "batch_size": B, "threads": args.threads, "steps": args.steps, "seconds": seconds,
               "windows_per_second": args.steps / seconds, "max_length_solved": task.solved,
               "curriculum_length": task.length, "train_loss": loss}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"torch {args.method}: {args.steps / seconds:.1f} windows/s, length {task.length}, solved {task.solved}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
