#!/usr/bin/env python3
"""Builds the MNIST subset shipped with swift-dni from the full MNIST set.

Takes the first 5000 training and the first 1000 test examples, in file order, and writes
them as gzip-compressed IDX files with the standard names. The output is deterministic: no
time stamp or file name is stored in the gzip header (the compressed bytes can still differ
between zlib versions; the decompressed contents cannot).

    Scripts/make-mnist-subset.py FULL_MNIST_DIR [OUTPUT_DIR]

FULL_MNIST_DIR holds the four standard files, raw or .gz. OUTPUT_DIR defaults to
Sources/DNI/Resources/mnist-subset (relative to the package root).
"""
import gzip
import os
import struct
import sys

TRAINING_COUNT = 5000
TEST_COUNT = 1000
FILES = [
    ("train-images-idx3-ubyte", TRAINING_COUNT),
    ("train-labels-idx1-ubyte", TRAINING_COUNT),
    ("t10k-images-idx3-ubyte", TEST_COUNT),
    ("t10k-labels-idx1-ubyte", TEST_COUNT),
]


def read_idx(directory, base_name):
    """Returns (dimensions, element bytes) of an unsigned-byte IDX file, raw preferred over .gz."""
    raw_path = os.path.join(directory, base_name)
    if os.path.exists(raw_path):
        with open(raw_path, "rb") as file:
            data = file.read()
    else:
        with gzip.open(raw_path + ".gz", "rb") as file:
            data = file.read()
    zero, element_type, dimension_count = struct.unpack(">HBB", data[:4])
    if zero != 0 or element_type != 0x08:
        sys.exit(f"{base_name}: not an unsigned-byte IDX file")
    dimensions = list(struct.unpack(f">{dimension_count}I", data[4:4 + 4 * dimension_count]))
    elements = data[4 + 4 * dimension_count:]
    expected = 1
    for size in dimensions:
        expected *= size
    if len(elements) != expected:
        sys.exit(f"{base_name}: {len(elements)} data bytes, dimensions {dimensions} need {expected}")
    return dimensions, elements


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    source = sys.argv[1]
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    output = sys.argv[2] if len(sys.argv) == 3 else os.path.join(package_root, "Sources/DNI/Resources/mnist-subset")
    os.makedirs(output, exist_ok=True)
    for base_name, count in FILES:
        dimensions, elements = read_idx(source, base_name)
        if dimensions[0] < count:
            sys.exit(f"{base_name}: only {dimensions[0]} examples, need {count}")
        per_example = len(elements) // dimensions[0]
        subset_dimensions = [count] + dimensions[1:]
        header = struct.pack(f">HBB{len(subset_dimensions)}I", 0, 0x08, len(subset_dimensions), *subset_dimensions)
        data = header + elements[:count * per_example]
        path = os.path.join(output, base_name + ".gz")
        with open(path, "wb") as file:
            file.write(gzip.compress(data, compresslevel=9, mtime=0))
        print(f"{path}: {subset_dimensions}")


if __name__ == "__main__":
    main()
