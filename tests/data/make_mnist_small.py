#!/usr/bin/env python3
"""Regenerates tests/data/mnist-small from the full MNIST files.

Takes the first 2,000 training and the first 500 test images with their labels
and writes them as gzip-compressed IDX files.

    python3 tests/data/make_mnist_small.py ~/.local/share/dropoutlab/datasets/mnist
"""
import gzip
import pathlib
import struct
import sys

COUNTS = {"train": 2000, "t10k": 500}


def copy(src: pathlib.Path, dst: pathlib.Path, count: int) -> None:
    data = src.read_bytes()
    magic, total = struct.unpack(">II", data[:8])
    rank = magic & 0xFF
    dims = list(struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank]))
    assert count <= total, f"{src} holds only {total} items"
    item = 1
    for d in dims[1:]:
        item *= d
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * rank, count, *dims[1:])
    body = data[4 + 4 * rank: 4 + 4 * rank + count * item]
    # mtime=0 keeps the output byte-identical between runs.
    with open(dst, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as out:
        out.write(header + body)


def main() -> None:
    source = pathlib.Path(sys.argv[1])
    target = pathlib.Path(__file__).resolve().parent / "mnist-small"
    target.mkdir(exist_ok=True)
    for prefix, count in COUNTS.items():
        for kind in ("images-idx3", "labels-idx1"):
            name = f"{prefix}-{kind}-ubyte"
            copy(source / name, target / (name + ".gz"), count)


if __name__ == "__main__":
    main()
