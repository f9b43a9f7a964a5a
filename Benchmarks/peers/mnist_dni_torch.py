#!/usr/bin/env python3
"""PyTorch-CPU peer of swift-dni: the DNI paper's MNIST FCN trained with backprop, DNI or cDNI.

Network: 784 -> N x [Linear(no bias) -> BatchNorm1d -> ReLU] (256 units) -> Linear(256 -> 10),
softmax cross-entropy (batch mean), Adam. Same methods and conventions as mnist_dni_numpy.py
(see README.md).
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Reporter, load_mnist, parse_args  # noqa: E402


def make_stage(fan_in, width):
    dense = nn.Linear(fan_in, width, bias=False)
    nn.init.xavier_uniform_(dense.weight)
    return nn.Sequential(dense, nn.BatchNorm1d(width), nn.ReLU())


def make_synthesizer(in_size, out_size, hidden_layers, hidden):
    layers, width = [], in_size
    for _ in range(hidden_layers):
        d = nn.Linear(width, hidden, bias=False)
        nn.init.kaiming_normal_(d.weight, nonlinearity="relu")   # N(0, 2/fan_in)
        layers += [d, nn.BatchNorm1d(hidden), nn.ReLU()]
        width = hidden
    last = nn.Linear(width, out_size, bias=True)
    nn.init.zeros_(last.weight)                                  # the paper's zero-initialised output
    nn.init.zeros_(last.bias)
    layers.append(last)
    return nn.Sequential(*layers)


class Model:
    def __init__(self, args, in_size=784, classes=10):
        self.method, self.classes = args.method, classes
        w = args.hidden
        self.stages = [make_stage(in_size if i == 0 else w, w) for i in range(args.layers)]
        self.classifier = nn.Linear(w, classes)
        nn.init.xavier_uniform_(self.classifier.weight)
        nn.init.zeros_(self.classifier.bias)
        self.stage_opts = [torch.optim.Adam(s.parameters(), lr=args.lr) for s in self.stages]
        self.classifier_opt = torch.optim.Adam(self.classifier.parameters(), lr=args.lr)
        self.synths, self.synth_opts = [], []
        if self.method != "backprop":
            cond = classes if self.method == "cdni" else 0
            for _ in range(args.layers):
                s = make_synthesizer(w + cond, w, args.synth_hidden_layers, args.synth_hidden)
                self.synths.append(s)
                self.synth_opts.append(torch.optim.Adam(s.parameters(), lr=args.synth_lr))

    def modules(self):
        return self.stages + [self.classifier] + self.synths

    def train(self, mode=True):
        for m in self.modules():
            m.train(mode)

    def train_step(self, x, y, onehot):
        if self.method == "backprop":
            return self._backprop_step(x, y)
        return self._dni_step(x, y, onehot)

    def _backprop_step(self, x, y):
        h = x
        for s in self.stages:
            h = s(h)
        loss = F.cross_entropy(self.classifier(h), y)
        for o in self.stage_opts + [self.classifier_opt]:
            o.zero_grad(set_to_none=True)
        loss.backward()
        for o in self.stage_opts + [self.classifier_opt]:
            o.step()
        return loss.item()

    def _train_synth(self, i, ghat, target):
        """One L2 step of synthesizer i: mean over the batch of 1/2 ||ghat - target||^2."""
        loss = 0.5 * (ghat - target).pow(2).sum(dim=1).mean()
        opt = self.synth_opts[i]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def _dni_step(self, x, y, onehot):
        n = x.shape[0]
        h, prev_ghat = x, None
        for i, stage in enumerate(self.stages):
            hin = h.detach().requires_grad_(i > 0)
            out = stage(hin)
            sin = out.detach() if self.method == "dni" else torch.cat([out.detach(), onehot], dim=1)
            ghat = self.synths[i](sin)                       # B * dL/dh (per-example gradient)
            self.stage_opts[i].zero_grad(set_to_none=True)
            out.backward(ghat.detach() / n)                  # the stage updates at once
            self.stage_opts[i].step()
            if i > 0:                                        # bootstrapped target for synth i-1
                self._train_synth(i - 1, prev_ghat, hin.grad * n)
            h, prev_ghat = out.detach(), ghat
        hin = h.requires_grad_(True)
        loss = F.cross_entropy(self.classifier(hin), y)
        self.classifier_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.classifier_opt.step()
        self._train_synth(len(self.stages) - 1, prev_ghat, hin.grad * n)  # true gradient target
        return loss.item()

    @torch.no_grad()
    def evaluate(self, x, y, chunk=2000):
        self.train(False)
        total_loss, correct = 0.0, 0
        for s in range(0, x.shape[0], chunk):
            h = x[s:s + chunk]
            for st in self.stages:
                h = st(h)
            logits = self.classifier(h)
            total_loss += F.cross_entropy(logits, y[s:s + chunk], reduction="sum").item()
            correct += int((logits.argmax(dim=1) == y[s:s + chunk]).sum())
        self.train(True)
        return total_loss / x.shape[0], correct / x.shape[0]


def main():
    args = parse_args("torch")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rep = Reporter(args, "torch")
    rng = np.random.default_rng(args.seed)
    xtr, ytr, xte, yte = (torch.from_numpy(a) for a in load_mnist(args.data))
    onehot_tr = F.one_hot(ytr, 10).float()
    model = Model(args)
    model.train(True)
    B = args.batch_size
    steps_per_epoch = xtr.shape[0] // B   # the last partial batch of each shuffled epoch is dropped

    def batches():
        while True:
            perm = torch.from_numpy(rng.permutation(xtr.shape[0]))
            for s in range(steps_per_epoch):
                idx = perm[s * B:(s + 1) * B]
                yield xtr[idx], ytr[idx], onehot_tr[idx]

    if args.steps is not None:
        it = batches()
        for _ in range(args.warmup):
            model.train_step(*next(it))
        t0 = time.perf_counter()
        for _ in range(args.steps):
            model.train_step(*next(it))
        secs = time.perf_counter() - t0
        _, acc = model.evaluate(xte, yte)
        rep.summary(args.steps * B / secs, acc, args.steps, secs, torch.get_num_threads())
        return

    total_time, acc = 0.0, float("nan")
    it = batches()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        losses = [model.train_step(*next(it)) for _ in range(steps_per_epoch)]
        secs = time.perf_counter() - t0
        total_time += secs
        test_loss, acc = model.evaluate(xte, yte)
        rep.epoch(epoch, float(np.mean(losses)), test_loss, acc, secs)
    rep.summary(args.epochs * steps_per_epoch * B / total_time, acc,
                args.epochs * steps_per_epoch, total_time, torch.get_num_threads())


if __name__ == "__main__":
    main()
