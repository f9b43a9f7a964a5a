"""Shared helpers for the Python peers: argument parsing and MNIST IDX loading.

Deliberately free of numpy/torch imports at module level so that the numpy peer can
set the BLAS thread environment variables *before* numpy is imported.
"""
import argparse
import gzip
import json
import os
import struct
import sys

METHODS = ("backprop", "dni", "cdni")


def parse_args(peer):
    p = argparse.ArgumentParser(
        description=f"MNIST FCN with backprop / DNI / cDNI ({peer} peer of swift-dni)")
    p.add_argument("--method", choices=METHODS, default="backprop")
    p.add_argument("--layers", type=int, default=3, help="hidden layers (stages), each 256 units")
    p.add_argument("--hidden", type=int, default=256, help="units per hidden layer")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="torch.set_num_threads / OMP+OPENBLAS+MKL threads (default: all cores)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate of the network")
    p.add_argument("--synth-lr", type=float, default=1e-4, help="Adam learning rate of the synthesizers")
    p.add_argument("--synth-hidden-layers", type=int, default=None,
                   help="synthesizer hidden layers (default 2 for dni, 0 for cdni)")
    p.add_argument("--synth-hidden", type=int, default=1024, help="synthesizer hidden width")
    p.add_argument("--steps", type=int, default=None,
                   help="throughput mode: time only N training steps (after --warmup steps), no epochs")
    p.add_argument("--warmup", type=int, default=10, help="untimed warm-up steps in --steps mode")
    p.add_argument("--data", default="/work/shared/data/mnist", help="directory with the IDX .gz files")
    p.add_argument("--json", action="store_true", help="print JSON lines only")
    if peer == "numpy":
        p.add_argument("--self-test", action="store_true",
                       help="finite-difference check of the hand-written backward passes, then exit")
    a = p.parse_args()
    if a.synth_hidden_layers is None:
        a.synth_hidden_layers = 2 if a.method == "dni" else 0
    return a


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return data[4 + 4 * ndim:], dims


def load_mnist(directory):
    """Returns (x_train, y_train, x_test, y_test) as numpy arrays: float32 pixels/255, int64 labels."""
    import numpy as np
    out = []
    for split in ("train", "t10k"):
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
            path = os.path.join(directory, f"{split}-{kind}.gz")
            raw, dims = _read_idx(path)
            arr = np.frombuffer(raw, dtype=np.uint8)
            if kind.startswith("images"):
                arr = arr.reshape(dims[0], dims[1] * dims[2]).astype(np.float32) / np.float32(255)
            else:
                arr = arr.astype(np.int64)
            out.append(arr)
    return tuple(out)


class Reporter:
    def __init__(self, args, peer):
        self.args, self.peer = args, peer

    def emit(self, obj, text):
        if self.args.json:
            print(json.dumps(obj), flush=True)
        else:
            print(text, flush=True)

    def epoch(self, epoch, train_loss, test_loss, test_accuracy, seconds):
        self.emit({"event": "epoch", "peer": self.peer, "method": self.args.method, "epoch": epoch,
                   "train_loss": train_loss, "test_loss": test_loss,
                   "test_accuracy": test_accuracy, "seconds": seconds},
                  f"epoch {epoch}: train_loss {train_loss:.4f}  test_loss {test_loss:.4f}  "
                  f"test_accuracy {100 * test_accuracy:.2f}%  ({seconds:.2f} s training)")

    def summary(self, samples_per_second, test_accuracy, steps, seconds, threads):
        a = self.args
        self.emit({"event": "summary", "peer": self.peer, "method": a.method, "layers": a.layers,
                   "batch_size": a.batch_size, "threads": threads, "steps": steps,
                   "seconds": seconds, "samples_per_second": samples_per_second,
                   "test_accuracy": test_accuracy},
                  f"summary [{self.peer}] method={a.method} layers={a.layers} batch={a.batch_size} "
                  f"threads={threads}: {samples_per_second:.0f} samples/s over {steps} steps "
                  f"({seconds:.2f} s), test_accuracy {100 * test_accuracy:.2f}%")


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(2)
