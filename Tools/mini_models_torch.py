#!/usr/bin/env python3
"""PyTorch's side of MyelinBench's `resnet-mini`, `inception-mini` and `nin`: the MNIST-sized
families of MyelinModels (Sources/MyelinModels/Architectures/MiniArchitectures.swift) written layer
for layer in PyTorch, each checked to have Myelin's parameter count, and trained as
`myelin train resnet-mini|inception-mini|nin` trains them and as MyelinBench times them: Adam 1e-3,
batch 64, cross-entropy on the logits, pixels in [0, 1], no augmentation, seed 0, the first epoch's
shuffled order; 10 warm-up steps (real training steps) and 200 timed ones (600 for nin, which sits
near chance for its first 200 or so), then the test accuracy on the 10,000 test digits. 2 threads.
Prints one JSON line per model.

    python Tools/mini_models_torch.py [resnet-mini] [inception-mini] [nin]   # with torch and numpy; run from the project folder

MNIST is read from the project's Data/mnist, or from $MNIST_DIR.
"""
import gzip
import json
import os
import platform
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, LR, WARMUP, SEED = 64, 1e-3, 10, 0
MEASURE = {"resnet-mini": 200, "inception-mini": 200, "nin": 600}  # timed steps, as MyelinBench's
MNIST_DIR = os.environ.get("MNIST_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Data", "mnist"))
# Myelin's counts (`parameters` of MyelinBench's JSON lines): each PyTorch model must match.
MYELIN_PARAMETERS = {"resnet-mini": 77_754, "inception-mini": 26_994, "nin": 35_750}


# ResNet for digits (ResNetMini): torchvision's BasicBlock, three stages of 16, 32 and 64 channels.
class ResidualBlock(nn.Module):
    def __init__(self, inputs, outputs, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.downsample = None
        if stride != 1 or inputs != outputs:
            self.downsample = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x):
        residual = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(residual + (x if self.downsample is None else self.downsample(x)))


def resnet_mini(classes=10):
    return nn.Sequential(
        nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()),
        nn.Sequential(ResidualBlock(16, 16), ResidualBlock(16, 32, 2), ResidualBlock(32, 64, 2)),
        nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes)))


# GoogLeNet for digits (InceptionMini): torchvision's BasicConv2d (batch norm eps 0.001) and Inception.
def basic_convolution(inputs, outputs, kernel, padding=0):
    return nn.Sequential(nn.Conv2d(inputs, outputs, kernel, 1, padding, bias=False), nn.BatchNorm2d(outputs, eps=0.001), nn.ReLU())


class Inception(nn.Module):
    def __init__(self, inputs, ones, threes_reduction, threes, fives_reduction, fives, pool_projection):
        super().__init__()
        self.branch1 = basic_convolution(inputs, ones, 1)
        self.branch2 = nn.Sequential(basic_convolution(inputs, threes_reduction, 1), basic_convolution(threes_reduction, threes, 3, 1))
        self.branch3 = nn.Sequential(basic_convolution(inputs, fives_reduction, 1), basic_convolution(fives_reduction, fives, 3, 1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), basic_convolution(inputs, pool_projection, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


def inception_mini(classes=10):
    return nn.Sequential(
        basic_convolution(1, 32, 3, 1),
        Inception(32, 16, 16, 24, 4, 8, 8), nn.MaxPool2d(2),  # -> 56 channels, 14x14
        Inception(56, 32, 32, 48, 8, 16, 16), nn.MaxPool2d(2),  # -> 112 channels, 7x7
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(112, classes))


# Network in Network for digits (NetworkInNetwork.mnist): three mlpconv blocks, dropout before the last.
def mlpconv(inputs, outputs, kernel, padding):
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, kernel, 1, padding), nn.ReLU(),
        nn.Conv2d(outputs, outputs, 1), nn.ReLU(),
        nn.Conv2d(outputs, outputs, 1), nn.ReLU())


def nin(classes=10):
    return nn.Sequential(
        mlpconv(1, 32, 5, 2), nn.MaxPool2d(2),
        mlpconv(32, 64, 3, 1), nn.MaxPool2d(2),
        nn.Dropout(0.5),
        mlpconv(64, classes, 3, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())


MODELS = {"resnet-mini": resnet_mini, "inception-mini": inception_mini, "nin": nin}


def read_idx(name):
    with gzip.open(os.path.join(MNIST_DIR, name), "rb") as f:
        data = f.read()
    rank = struct.unpack(">I", data[:4])[0] & 0xFF
    shape = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def load_mnist():
    """Images [N, 1, 28, 28] in [0, 1] and int64 labels, of the training and the test split."""
    def split(prefix):
        images = torch.from_numpy(read_idx(f"{prefix}-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)
        return images, torch.from_numpy(read_idx(f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64))
    return split("train") + split("t10k")


def evaluate(model, images, labels):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, images.shape[0], 1000):
            correct += (model(images[i:i + 1000]).argmax(1) == labels[i:i + 1000]).sum().item()
    model.train()
    return correct / images.shape[0]


def measure(name, data):
    xtr, ytr, xte, yte = data
    torch.manual_seed(SEED)
    model = MODELS[name]()
    parameters = sum(p.numel() for p in model.parameters())
    print(f"{name}: {parameters} parameters (Myelin's: {MYELIN_PARAMETERS[name]})", file=sys.stderr)
    assert parameters == MYELIN_PARAMETERS[name], f"{name} has {parameters} parameters, Myelin's {MYELIN_PARAMETERS[name]}"
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    order = torch.randperm(xtr.shape[0], generator=torch.Generator().manual_seed(SEED))
    measured = MEASURE[name]
    for step in range(WARMUP + measured):
        if step == WARMUP:
            start = time.perf_counter()
        indices = order[step * BATCH:(step + 1) * BATCH]
        loss = F.cross_entropy(model(xtr[indices]), ytr[indices])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    last_loss = loss.item()
    seconds = time.perf_counter() - start
    return {"workload": name, "side": "torch", "train_samples_per_sec": round(measured * BATCH / seconds, 1),
            "test_acc": evaluate(model, xte, yte), "parameters": parameters, "last_batch_loss": round(last_loss, 4),
            "settings": {"batch": BATCH, "optimizer": "Adam", "lr": LR, "loss": "cross_entropy", "input_scale": "[0,1]",
                         "augmentation": "none", "seed": SEED, "warmup_steps": WARMUP, "measured_steps": measured},
            "torch": torch.__version__, "threads": torch.get_num_threads(), "python": platform.python_version()}


if __name__ == "__main__":
    torch.set_num_threads(2)
    names = sys.argv[1:] or list(MODELS)
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        sys.exit(f"unknown model {', '.join(unknown)}; known: {', '.join(MODELS)}")
    data = load_mnist()
    for name in names:
        print(json.dumps(measure(name, data)), flush=True)
