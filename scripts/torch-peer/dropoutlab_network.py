"""A DropoutLab network file (docs/network-files.md) as a PyTorch module.

The PyTorch peer of the benchmarks and the parity test: it builds the network the engine builds
from the same file, with the same state_dict names (conv1.weight, bn1.running_mean, ...), so that
a model.pt of the engine loads into it and the two can be timed and compared side by side.
DropoutLab itself never needs Python.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F


class NetworkFileModule(nn.Module):
    """The layers of a network file, in order; `rates` gives the dropout sites' rates."""

    def __init__(self, definition, rates=None, kinds=None, input_shape=(1, 28, 28), classes=10):
        super().__init__()
        self.steps = []
        rates = rates or {}
        kinds = kinds or {}
        counts = {}
        layers = definition["layers"]
        last_linear = max((i for i, l in enumerate(layers) if l["type"] == "linear"), default=-1)
        x = torch.zeros((2,) + tuple(input_shape))
        for index, layer in enumerate(layers):
            kind = layer["type"]
            counts[kind] = counts.get(kind, 0) + 1
            default_names = {"conv": "conv", "linear": "fc", "batch_norm": "bn", "layer_norm": "ln", "dropout": "drop"}
            name = layer.get("name", default_names.get(kind, kind) + str(counts[kind]))
            step = self._step(kind, layer, name, x, index == last_linear, classes, rates, kinds)
            self.steps.append(step)
            with torch.no_grad():
                was = self.training
                self.eval()
                x = step(x)
                self.train(was)

    def _step(self, kind, layer, name, x, last, classes, rates, kinds):
        def module(m):
            self.add_module(name, m)
            return m

        if kind == "conv":
            return module(nn.Conv2d(x.shape[1], layer["out"], layer["kernel"], layer.get("stride", 1),
                                    layer.get("padding", 0)))
        if kind in ("max_pool", "avg_pool"):
            k = layer.get("kernel", 2)
            cls = nn.MaxPool2d if kind == "max_pool" else nn.AvgPool2d
            return cls(k, layer.get("stride", k), layer.get("padding", 0))
        if kind == "global_avg_pool":
            return lambda t: t.mean((2, 3))
        if kind == "batch_norm":
            return module(nn.BatchNorm2d(x.shape[1]) if x.dim() == 4 else nn.BatchNorm1d(x.shape[1]))
        if kind == "layer_norm":
            return module(nn.LayerNorm(tuple(x.shape[1:])))
        if kind == "flatten":
            return lambda t: t.flatten(1)
        if kind == "linear":
            return module(nn.Linear(x.shape[1], layer.get("out", classes if last else 0)))
        if kind == "dropout":
            rate = rates.get(name, 0.0)
            channel = kinds.get(name, layer.get("kind", "element")) == "channel"
            if rate == 0.0:
                return lambda t: t
            if channel:
                return lambda t: F.dropout2d(t, rate, self.training)
            return lambda t: F.dropout(t, rate, self.training)
        activations = {"relu": F.relu, "gelu": F.gelu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
                       "selu": F.selu}
        if kind == "leaky_relu":
            slope = layer.get("slope", 0.01)
            return lambda t: F.leaky_relu(t, slope)
        if kind in activations:
            return activations[kind]
        raise ValueError(f"unknown layer type {kind!r}")

    def forward(self, x):
        for step in self.steps:
            x = step(x)
        return x


def load_network(path, rates=None, kinds=None):
    with open(path) as f:
        return NetworkFileModule(json.load(f), rates, kinds)
