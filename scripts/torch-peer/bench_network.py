#!/usr/bin/env python3
"""The PyTorch peer of `dropoutlab-cli bench --network FILE`: times the training step of the same
network in PyTorch, on the same random MNIST-shaped batches, the same way the engine's bench does
(forward, cross-entropy, backward, SGD with momentum 0.9; no dropout; 5 warm-up steps).

Both memory layouts a PyTorch user may choose are timed (the default NCHW and channels-last) and
the faster one is reported (the best of three alternating rounds), so the engine is compared with
PyTorch at its best. Prints one JSON
line: {"ms_per_step": ..., "layout": ..., "ms_by_layout": {...}, "torch": ..., "threads": ...}.

    bench_network.py --network FILE [--batch 100] [--steps 100] [--threads 2]
"""
import argparse
import json
import os
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as error:
    print(json.dumps({"error": f"this Python ({sys.executable}) has no torch ({error}); install python3-torch"}))
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dropoutlab_network import load_network  # noqa: E402


def make_step(model, images, labels, batch, channels_last):
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()

    def step():
        index = torch.randint(0, images.shape[0], (batch,))
        x = images.index_select(0, index).float().mul_(1.0 / 127.5).sub_(1.0)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        loss = F.cross_entropy(model(x), labels.index_select(0, index))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    for _ in range(5):
        step()
    return step


def time_steps(step, steps):
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return 1000.0 * (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", required=True)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images = torch.randint(0, 256, (4096, 1, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (4096,))
    layouts = {"contiguous": False, "channels_last": True}
    steps = {}
    for name, channels_last in layouts.items():
        torch.manual_seed(1)
        steps[name] = make_step(load_network(args.network), images, labels, args.batch, channels_last)
    # Three alternating rounds, the best of each layout: start-up effects and a busy moment of the
    # machine do not count against either.
    by_layout = {name: float("inf") for name in layouts}
    for _ in range(3):
        for name in layouts:
            by_layout[name] = min(by_layout[name], time_steps(steps[name], args.steps))
    best = min(by_layout, key=by_layout.get)
    print(json.dumps({"ms_per_step": by_layout[best], "layout": best, "ms_by_layout": by_layout,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
