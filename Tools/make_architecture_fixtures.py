#!/usr/bin/env python3
"""Fixtures for Myelin's famous architectures: torchvision's VGG16, GoogLeNet and ResNet-18, and
Network-in-Network (Lin et al. 2013, written here in PyTorch: torchvision has none).

torchvision builds each model (weights=None: nothing is downloaded); every tensor of its state
dict is then overwritten with values a counter-based formula gives from the tensor's name, which
Tests/MyelinModelsTests/ArchitectureFixtureTests.swift computes bit for bit in Swift, so the
fixture need not carry 138 million weights. It carries the state dict's names and shapes, a fixed
input and the eval-mode outputs (for GoogLeNet also its two auxiliary classifiers, in eval mode,
on the activations they read). Run once from the project folder, with torch and torchvision:

    python Tools/make_architecture_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torchvision

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "MyelinModelsTests", "Fixtures",
                   "architectures.json")


def fnv1a(text):
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def uniform(name, count):
    """count numbers in [0, 1): (i * 2654435761 + fnv1a(name)) mod 2^32, over 2^32."""
    seed = fnv1a(name)
    i = torch.arange(count, dtype=torch.int64)
    return ((i * 2654435761 + seed) % 4294967296).to(torch.float64) / 4294967296.0


def fixture_value(name, shape):
    count = math.prod(shape)
    u = uniform(name, count)
    if len(shape) >= 2:
        fan_in = count // shape[0]
        values = (u - 0.5) * (2.0 * math.sqrt(6.0 / fan_in))  # He-uniform: the variance survives ReLUs
    elif name.endswith("running_var"):
        values = 0.8 + 0.4 * u
    elif name.endswith("weight"):
        values = 1.0 + 0.2 * (u - 0.5)
    else:
        values = 0.2 * (u - 0.5)
    return values.to(torch.float32).reshape(shape)


def fill(model):
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.dtype == torch.float32:
                tensor.copy_(fixture_value(name, list(tensor.shape)))


def nin_block(inputs, outputs, kernel, stride, padding):
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, kernel, stride, padding), nn.ReLU(),
        nn.Conv2d(outputs, outputs, 1), nn.ReLU(), nn.Conv2d(outputs, outputs, 1), nn.ReLU())


class NetworkInNetwork(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        self.features = nn.Sequential(
            nin_block(3, 96, 11, 4, 0), nn.MaxPool2d(3, 2), nin_block(96, 256, 5, 1, 2), nn.MaxPool2d(3, 2),
            nin_block(256, 384, 3, 1, 1), nn.MaxPool2d(3, 2), nn.Dropout(0.5), nin_block(384, classes, 3, 1, 1),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        return self.features(x)


def rounded(t):
    return [float(f"{v:.7g}") for v in t.flatten().tolist()]


def main():
    models = {
        "vgg16": (torchvision.models.vgg16(weights=None), 64),
        "googlenet": (torchvision.models.googlenet(weights=None, aux_logits=True, init_weights=True), 64),
        "resnet18": (torchvision.models.resnet18(weights=None), 64),
        "nin": (NetworkInNetwork(), 96),
    }
    fixtures = {}
    for key, (model, size) in models.items():
        fill(model)
        model.eval()
        shape = [2, 3, size, size]
        x = (uniform("input", math.prod(shape)) - 0.5).to(torch.float32).reshape(shape)
        entry = {"input_shape": shape,
                 "state_dict": [[name, list(t.shape)] for name, t in model.state_dict().items()]}
        with torch.no_grad():
            entry["output"] = rounded(model(x))
            if key == "googlenet":
                seen = {}
                model.inception4a.register_forward_hook(lambda m, i, o: seen.__setitem__("4a", o))
                model.inception4d.register_forward_hook(lambda m, i, o: seen.__setitem__("4d", o))
                model(x)
                entry["aux1"] = rounded(model.aux1(seen["4a"]))
                entry["aux2"] = rounded(model.aux2(seen["4d"]))
        fixtures[key] = entry
        print(key, sum(t.numel() for t in model.state_dict().values()), "numbers;", "output", entry["output"][:3])
    fixtures["made_by"] = f"Tools/make_architecture_fixtures.py with torch {torch.__version__}, torchvision {torchvision.__version__}"
    with open(OUT, "w") as f:
        json.dump(fixtures, f, separators=(",", ":"))
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
