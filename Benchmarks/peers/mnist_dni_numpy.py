#!/usr/bin/env python3
"""Plain-numpy peer of swift-dni: the DNI paper's MNIST FCN trained with backprop, DNI or cDNI.

Network: 784 -> N x [Dense(no bias) -> BatchNorm1d -> ReLU] (256 units) -> Linear(256 -> 10),
softmax cross-entropy (batch mean), Adam. Forward and backward passes are written by hand,
in float32. See README.md for the method conventions (they are identical to mnist_dni_torch.py).
"""
import os
import sys


def _threads_from_argv(argv):
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return str(os.cpu_count() or 1)


# BLAS thread count must be fixed before numpy is imported.
_T = _threads_from_argv(sys.argv[1:])
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = _T

import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Reporter, load_mnist, parse_args  # noqa: E402

DTYPE = np.float32  # switched to float64 by --self-test only


# ----------------------------------------------------------------------------- layers

class Dense:
    """y = x W (+ b); W has shape [fan_in, fan_out]."""

    def __init__(self, fan_in, fan_out, bias, init, rng):
        if init == "glorot":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, size=(fan_in, fan_out))
        elif init == "he":
            w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        elif init == "zeros":
            w = np.zeros((fan_in, fan_out))
        elif init == "uniform":  # used by the self-test only
            w = rng.uniform(-0.5, 0.5, size=(fan_in, fan_out))
        else:
            raise ValueError(init)
        self.W = w.astype(DTYPE)
        self.gW = np.zeros_like(self.W)
        self.params, self.grads = [self.W], [self.gW]
        self.b = None
        if bias:
            self.b = (np.zeros(fan_out) if init != "uniform" else rng.uniform(-0.5, 0.5, fan_out)).astype(DTYPE)
            self.gb = np.zeros_like(self.b)
            self.params.append(self.b)
            self.grads.append(self.gb)

    def forward(self, x, train):
        self.x = x
        y = x @ self.W
        if self.b is not None:
            y += self.b
        return y

    def backward(self, dy, need_dx=True):
        np.matmul(self.x.T, dy, out=self.gW)
        if self.b is not None:
            np.sum(dy, axis=0, out=self.gb)
        self.x = None
        return dy @ self.W.T if need_dx else None


class BatchNorm:
    """BatchNorm1d: batch statistics (biased variance) in training, running averages
    (momentum 0.1, unbiased variance, as PyTorch) in inference; eps 1e-5."""

    def __init__(self, size, momentum=0.1, eps=1e-5):
        self.gamma = np.ones(size, DTYPE)
        self.beta = np.zeros(size, DTYPE)
        self.ggamma = np.zeros_like(self.gamma)
        self.gbeta = np.zeros_like(self.beta)
        self.params, self.grads = [self.gamma, self.beta], [self.ggamma, self.gbeta]
        self.running_mean = np.zeros(size, DTYPE)
        self.running_var = np.ones(size, DTYPE)
        self.momentum, self.eps = DTYPE(momentum), DTYPE(eps)

    def forward(self, x, train):
        if not train:
            return (x - self.running_mean) / np.sqrt(self.running_var + self.eps) * self.gamma + self.beta
        n = x.shape[0]
        mean = x.mean(axis=0)
        xc = x - mean
        var = np.mean(xc * xc, axis=0)
        inv_std = 1 / np.sqrt(var + self.eps)
        xhat = xc
        xhat *= inv_std
        self.xhat, self.inv_std = xhat, inv_std
        m = self.momentum
        self.running_mean += m * (mean - self.running_mean)
        unbiased = var * DTYPE(n / max(1, n - 1))
        self.running_var += m * (unbiased - self.running_var)
        return xhat * self.gamma + self.beta

    def backward(self, dy, need_dx=True):
        xhat, n = self.xhat, dy.shape[0]
        np.sum(dy, axis=0, out=self.gbeta)
        np.sum(dy * xhat, axis=0, out=self.ggamma)
        self.xhat = None
        if not need_dx:
            return None
        # dx = gamma * inv_std / n * (n dy - sum(dy) - xhat * sum(dy xhat))
        dx = dy * DTYPE(n)
        dx -= self.gbeta
        dx -= xhat * self.ggamma
        dx *= self.gamma * self.inv_std / DTYPE(n)
        return dx


class ReLU:
    params, grads = [], []

    def forward(self, x, train):
        self.mask = x > 0
        return np.maximum(x, 0, out=x)  # x is a fresh temporary produced by the layer below

    def backward(self, dy, need_dx=True):
        dy = dy * self.mask
        self.mask = None
        return dy


class Sequential:
    def __init__(self, layers):
        self.layers = layers
        self.params = [p for l in layers for p in l.params]
        self.grads = [g for l in layers for g in l.grads]

    def forward(self, x, train):
        for l in self.layers:
            x = l.forward(x, train)
        return x

    def backward(self, dy, need_dx=True):
        for i in range(len(self.layers) - 1, -1, -1):
            dy = self.layers[i].backward(dy, need_dx=need_dx or i > 0)
        return dy


class Adam:
    """Exactly torch.optim.Adam's update (betas 0.9/0.999, eps 1e-8, no weight decay)."""

    def __init__(self, params, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.params, self.grads = params, grads
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0

    def step(self):
        self.t += 1
        b1, b2 = self.b1, self.b2
        step_size = DTYPE(self.lr / (1 - b1 ** self.t))
        sqrt_bc2 = DTYPE(np.sqrt(1 - b2 ** self.t))
        for p, g, m, v in zip(self.params, self.grads, self.m, self.v):
            m *= DTYPE(b1)
            m += DTYPE(1 - b1) * g
            v *= DTYPE(b2)
            v += DTYPE(1 - b2) * (g * g)
            denom = np.sqrt(v)
            denom /= sqrt_bc2
            denom += DTYPE(self.eps)
            p -= step_size * m / denom


def softmax_cross_entropy(logits, labels):
    """Returns (mean loss, dL/dlogits) for integer labels."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    n = logits.shape[0]
    idx = np.arange(n)
    loss = float(np.mean(np.log(s[:, 0]) - z[idx, labels]))
    p = e / s
    p[idx, labels] -= 1
    p /= DTYPE(n)
    return loss, p


# ----------------------------------------------------------------------------- model

def make_stage(fan_in, width, rng):
    return Sequential([Dense(fan_in, width, bias=False, init="glorot", rng=rng), BatchNorm(width), ReLU()])


def make_synthesizer(in_size, out_size, hidden_layers, hidden, rng, last_init="zeros"):
    layers, width = [], in_size
    for _ in range(hidden_layers):
        layers += [Dense(width, hidden, bias=False, init="he", rng=rng), BatchNorm(hidden), ReLU()]
        width = hidden
    layers.append(Dense(width, out_size, bias=True, init=last_init, rng=rng))
    return Sequential(layers)


class Model:
    def __init__(self, args, rng, in_size=784, classes=10):
        self.method, self.classes = args.method, classes
        w = args.hidden
        self.stages = [make_stage(in_size if i == 0 else w, w, rng) for i in range(args.layers)]
        self.classifier = Dense(w, classes, bias=True, init="glorot", rng=rng)
        self.stage_opts = [Adam(s.params, s.grads, args.lr) for s in self.stages]
        self.classifier_opt = Adam(self.classifier.params, self.classifier.grads, args.lr)
        self.synths, self.synth_opts = [], []
        if self.method != "backprop":
            cond = classes if self.method == "cdni" else 0
            for _ in range(args.layers):
                s = make_synthesizer(w + cond, w, args.synth_hidden_layers, args.synth_hidden, rng)
                self.synths.append(s)
                self.synth_opts.append(Adam(s.params, s.grads, args.synth_lr))

    def train_step(self, x, y, onehot):
        if self.method == "backprop":
            return self._backprop_step(x, y)
        return self._dni_step(x, y, onehot)

    def _backprop_step(self, x, y):
        h = x
        for s in self.stages:
            h = s.forward(h, True)
        loss, d = softmax_cross_entropy(self.classifier.forward(h, True), y)
        d = self.classifier.backward(d)
        for i in range(len(self.stages) - 1, -1, -1):
            d = self.stages[i].backward(d, need_dx=i > 0)
        self.classifier_opt.step()
        for o in self.stage_opts:
            o.step()
        return loss

    def _train_synth(self, i, ghat, target):
        """One L2 step of synthesizer i toward target (both per-example gradients, [B, width])."""
        err = ghat - target
        n = err.shape[0]
        loss = 0.5 * float(np.sum(err * err)) / n
        self.synths[i].backward(err / DTYPE(n), need_dx=False)
        self.synth_opts[i].step()
        return loss

    def _dni_step(self, x, y, onehot):
        n = x.shape[0]
        h, prev_ghat = x, None
        for i, stage in enumerate(self.stages):
            out = stage.forward(h, True)
            sin = out if self.method == "dni" else np.concatenate([out, onehot], axis=1)
            ghat = self.synths[i].forward(sin, True)          # B * dL/dh (per-example gradient)
            dx = stage.backward(ghat / DTYPE(n), need_dx=i > 0)
            self.stage_opts[i].step()                        # the stage updates at once
            if i > 0:                                        # bootstrapped target for synth i-1
                self._train_synth(i - 1, prev_ghat, dx * DTYPE(n))
            h, prev_ghat = out, ghat
        loss, d = softmax_cross_entropy(self.classifier.forward(h, True), y)
        dh = self.classifier.backward(d)
        self.classifier_opt.step()
        self._train_synth(len(self.stages) - 1, prev_ghat, dh * DTYPE(n))   # true gradient target
        return loss

    def evaluate(self, x, y, chunk=2000):
        total_loss, correct = 0.0, 0
        for s in range(0, x.shape[0], chunk):
            h = x[s:s + chunk]
            for st in self.stages:
                h = st.forward(h, False)
            logits = self.classifier.forward(h, False)
            loss, _ = softmax_cross_entropy(logits, y[s:s + chunk])
            total_loss += loss * h.shape[0]
            correct += int(np.sum(np.argmax(logits, axis=1) == y[s:s + chunk]))
        return total_loss / x.shape[0], correct / x.shape[0]


# ----------------------------------------------------------------------------- self-test

def self_test():
    """Central finite differences (float64) of the hand-written backward passes."""
    global DTYPE
    DTYPE = np.float64
    rng = np.random.default_rng(1)
    worst, ok = 0.0, True

    def check(name, analytic, f, arr):
        nonlocal worst, ok
        num = np.zeros_like(arr)
        h = 1e-6
        it = np.nditer(arr, flags=["multi_index"])
        for _ in it:
            j = it.multi_index
            old = arr[j]
            arr[j] = old + h
            fp = f()
            arr[j] = old - h
            fm = f()
            arr[j] = old
            num[j] = (fp - fm) / (2 * h)
        err = np.max(np.abs(analytic - num) / np.maximum(1e-8, np.abs(analytic) + np.abs(num)))
        worst = max(worst, err)
        good = err < 1e-5
        ok &= good
        print(f"  {'ok  ' if good else 'FAIL'} {name:32s} max rel err {err:.2e}")

    # 1. Two stages Dense->BN->ReLU, classifier, softmax cross-entropy.
    B, n_in, w, c = 7, 5, 6, 3
    x = rng.normal(size=(B, n_in))
    y = rng.integers(0, c, size=B)
    stages = [make_stage(n_in, w, rng), make_stage(w, w, rng)]
    for s in stages:  # non-trivial gamma/beta so their gradients are exercised
        bn = s.layers[1]
        bn.gamma[:] = rng.uniform(0.5, 1.5, w)
        bn.beta[:] = rng.uniform(-0.3, 0.3, w)
    cls = Dense(w, c, bias=True, init="uniform", rng=rng)

    def loss_fn():
        h = x
        for s in stages:
            h = s.forward(h, True)
        return softmax_cross_entropy(cls.forward(h, True), y)[0]

    h = x
    for s in stages:
        h = s.forward(h, True)
    _, d = softmax_cross_entropy(cls.forward(h, True), y)
    d = cls.backward(d)
    for s in reversed(stages):
        d = s.backward(d)
    dx = d
    grads = [g.copy() for g in cls.grads] + [g.copy() for s in stages for g in s.grads]
    params = cls.params + [p for s in stages for p in s.params]
    names = ["classifier.W", "classifier.b"] + [f"stage{i}.{n}" for i in range(2)
                                                for n in ("dense.W", "bn.gamma", "bn.beta")]
    print("network (Dense->BN->ReLU x2 -> Linear -> softmax CE):")
    for name, g, p in zip(names, grads, params):
        check(name, g, loss_fn, p)
    check("input x", dx, loss_fn, x)

    # 2. Synthesizer MLP (Dense->BN->ReLU -> Linear) on [h, onehot] with L2 loss, as trained in DNI.
    cond = np.eye(c)[y]
    hin = rng.normal(size=(B, w))
    target = rng.normal(size=(B, w))
    syn = make_synthesizer(w + c, w, 1, 8, rng, last_init="uniform")

    def synth_loss():
        g = syn.forward(np.concatenate([hin, cond], 1), True)
        return 0.5 * np.sum((g - target) ** 2) / B

    g = syn.forward(np.concatenate([hin, cond], 1), True)
    syn.backward((g - target) / B, need_dx=False)
    sg = [a.copy() for a in syn.grads]
    print("synthesizer (Dense->BN->ReLU -> Linear, L2 loss):")
    for name, a, p in zip(["dense.W", "bn.gamma", "bn.beta", "out.W", "out.b"], sg, syn.params):
        check(name, a, synth_loss, p)

    # 3. The DNI target: stage.backward(g) must be d<stage(x), g>/dx (bootstrapped target).
    st = make_stage(n_in, w, rng)
    gv = rng.normal(size=(B, w))
    st.forward(x, True)
    a = st.backward(gv)
    print("stage input gradient for a given upstream gradient (DNI target):")
    check("d<h, g>/dx", a, lambda: float(np.sum(st.forward(x, True) * gv)), x)

    # 4. Adam against the closed form of the first step: p -= lr * sign(g) (approximately).
    p = np.array([1.0, -2.0, 3.0])
    gg = np.array([0.5, -0.1, 0.0])
    opt = Adam([p], [gg], lr=0.1)
    opt.step()
    exp = np.array([1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 + 0.1 * 0.1 / (0.1 + 1e-8), 3.0])
    good = np.allclose(p, exp, atol=1e-9)
    ok &= good
    print(f"  {'ok  ' if good else 'FAIL'} Adam first step")

    print(f"self-test {'passed' if ok else 'FAILED'} (worst relative error {worst:.2e})")
    return 0 if ok else 1


# ----------------------------------------------------------------------------- main

def main():
    args = parse_args("numpy")
    if args.self_test:
        sys.exit(self_test())
    rep = Reporter(args, "numpy")
    rng = np.random.default_rng(args.seed)
    xtr, ytr, xte, yte = load_mnist(args.data)
    onehot_tr = np.eye(10, dtype=np.float32)[ytr]
    model = Model(args, rng)
    B = args.batch_size
    steps_per_epoch = xtr.shape[0] // B   # the last partial batch of each shuffled epoch is dropped

    def batches():
        while True:
            perm = rng.permutation(xtr.shape[0])
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
        rep.summary(args.steps * B / secs, acc, args.steps, secs, args.threads)
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
                args.epochs * steps_per_epoch, total_time, args.threads)


if __name__ == "__main__":
    main()
