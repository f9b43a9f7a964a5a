"""PyTorch (CPU) peer of swift-dni's convolutional network: training throughput only.

The paper's MNIST CNN (Jaderberg et al. 2016, arXiv:1608.05343, section 3.3) as swift-dni builds
it (ConvolutionalNetworkConfiguration): 3 hidden stages of 5x5 convolution with 64 filters,
padding 2, no bias -> BatchNorm2d -> ReLU -> 3x3 max pooling, stride 2, padding 1; then a
linear classifier on the flattened 4x4x64 map. Backprop with Adam (learning rate 1e-3) and
softmax cross-entropy, on a fixed random batch (28x28 inputs in [0, 1), random labels), so
that only the arithmetic is timed. PyTorch's default NCHW layout.

Prints, per batch size, the best samples/s of --repeat runs of --steps steps after --warmup
untimed steps, and the best samples per CPU-second of the process (time.process_time), the
steadier figure on a machine shared with other work. `dni bench conv` prints the same figure for swift-dni; run them one after the
other in one session (see docs/convolution.md).
"""
import argparse
import json
import time

import torch
from torch import nn


def build(filters=64, stages=3, classes=10):
    layers, channels, size = [], 1, 28
    for _ in range(stages):
        layers += [nn.Conv2d(channels, filters, 5, stride=1, padding=2, bias=False),
                   nn.BatchNorm2d(filters), nn.ReLU(),
                   nn.MaxPool2d(3, stride=2, padding=1)]
        channels, size = filters, (size + 2 - 3) // 2 + 1
    layers += [nn.Flatten(), nn.Linear(channels * size * size, classes)]
    return nn.Sequential(*layers)


def measure(batch, steps, warmup, repeats, seed):
    torch.manual_seed(seed)
    model = build()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    images = torch.rand(batch, 1, 28, 28)
    labels = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(warmup):
        step()
    best = best_per_cpu_second = 0.0
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        best = max(best, batch * steps / (time.perf_counter() - start))
        best_per_cpu_second = max(best_per_cpu_second, batch * steps / (time.process_time() - cpu_start))
    return best, best_per_cpu_second


def main():
    parser = argparse.ArgumentParser(description="PyTorch peer: training throughput of the paper's MNIST CNN")
    parser.add_argument("--batch-sizes", default="64,256", help="comma-separated batch sizes")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=2, help="untimed warm-up steps")
    parser.add_argument("--repeat", type=int, default=3, help="repeats; the best is reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print JSON lines only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if not args.json:
        print(f"torch {torch.__version__}, {args.threads} thread(s); best of {args.repeat} x {args.steps} steps")
        print("batch  samples/s  samples per CPU-second")
    for batch in (int(value) for value in args.batch_sizes.split(",")):
        samples, per_cpu_second = measure(batch, args.steps, args.warmup, args.repeat, args.seed)
        if args.json:
            print(json.dumps({"event": "cnn_step", "peer": "torch", "batch_size": batch, "threads": args.threads,
                              "steps": args.steps, "samples_per_second": round(samples, 1),
                              "samples_per_cpu_second": round(per_cpu_second, 1)}))
        else:
            print(f"{batch:<7d}{samples:<11.1f}{per_cpu_second:.1f}")


if __name__ == "__main__":
    main()
