#!/usr/bin/env python3
"""The reference experiment written directly in PyTorch, as a yardstick for DropoutLab's engine.

The network, data preparation and optimiser follow the reference experiment's definition:
conv 1->32 3x3 pad 1, ReLU, maxpool 2; conv 32->64 3x3 pad 1, ReLU, maxpool 2; fc 3136->128,
ReLU, dropout p; fc 128->10; pixels x/255 normalised with mean 0.5 and std 0.5; cross-entropy,
SGD lr 0.01 momentum 0.9, batch 100, 80/20 train/validation split, 10 epochs.

The data stay on the device and batches are gathered there (the idiomatic fast way to train a
model this small), so the time measured is PyTorch's own, not a data loader's.

    reference_cnn.py --data DIR [--device cuda] [--epochs 10] [--dropout 0.5] [--seed 1]
"""
import argparse
import gzip
import json
import os
import sys
import time

import torch
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def find(data_dir, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.exists(path):
            return path
    sys.exit(f"reference_cnn.py: {name} not found in {data_dir}")


class ReferenceCnn(torch.nn.Module):
    def __init__(self, p):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = torch.nn.Linear(64 * 7 * 7, 128)
        self.fc2 = torch.nn.Linear(128, 10)
        self.p = p

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.dropout(x, self.p, self.training)
        return self.fc2(x)


def evaluate(model, images, labels, batch=1000):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(labels), batch):
            logits = model(images[start:start + batch])
            loss += F.cross_entropy(logits, labels[start:start + batch], reduction="sum").item()
            correct += (logits.argmax(1) == labels[start:start + batch]).sum().item()
    model.train()
    return loss / len(labels), correct / len(labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    start = time.perf_counter()
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    to_input = lambda u8: (u8.float().div(255.0).sub(0.5).div(0.5)).unsqueeze(1).to(device)
    train_x = to_input(read_idx(find(args.data, "train-images-idx3-ubyte")))
    train_y = read_idx(find(args.data, "train-labels-idx1-ubyte")).long().to(device)
    test_x = to_input(read_idx(find(args.data, "t10k-images-idx3-ubyte")))
    test_y = read_idx(find(args.data, "t10k-labels-idx1-ubyte")).long().to(device)
    order = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(args.seed)).to(device)
    cut = len(order) * 8 // 10
    tr, va = order[:cut], order[cut:]
    val_x, val_y = train_x[va], train_y[va]

    model = ReferenceCnn(args.dropout).to(device)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    epochs = []
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        perm = tr[torch.randperm(len(tr), device=device)]
        loss_sum = torch.zeros((), device=device)
        for b in range(0, len(perm), 100):
            idx = perm[b:b + 100]
            loss = F.cross_entropy(model(train_x[idx]), train_y[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            loss_sum += loss.detach()
        train_loss = loss_sum.item() / ((len(perm) + 99) // 100)
        val_loss, val_acc = evaluate(model, val_x, val_y)
        epochs.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "val_accuracy": val_acc,
                       "seconds": time.perf_counter() - t0})
        print(f"epoch {epoch}: train loss {train_loss:.4f} | val acc {100 * val_acc:.2f}% | "
              f"{epochs[-1]['seconds']:.2f} s", file=sys.stderr)
    test_loss, test_acc = evaluate(model, test_x, test_y)
    print(json.dumps({"device": str(device), "torch": torch.__version__, "dropout": args.dropout,
                      "test_accuracy": test_acc, "test_loss": test_loss, "epochs": epochs,
                      "wall_seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
