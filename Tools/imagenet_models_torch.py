#!/usr/bin/env python3
"""PyTorch's side of MyelinBench's `vgg16` and `resnet18`: torchvision's models (weights=None,
nothing downloaded) at batch 8 of 3x224x224 with 2 threads: a forward pass in eval mode under
no_grad, and a training step (cross-entropy, SGD 0.01 momentum 0.9), each one warm-up call and
the median of 3 timed calls. Prints one JSON line per model.

    python Tools/imagenet_models_torch.py [vgg16] [resnet18]     # with torch and torchvision
"""
import json
import sys
import time

import torch
import torch.nn.functional as F
import torchvision


def median(body):
    body()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return sorted(times)[1]


def measure(name):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    images = torch.randn(8, 3, 224, 224)
    labels = torch.arange(8) * 100
    model.eval()

    def forward():
        with torch.no_grad():
            model(images)

    forward_s = median(forward)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    last = {}

    def step():
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        last["loss"] = loss.item()

    step_s = median(step)
    return {"workload": name, "side": "torch", "forward_images_per_sec": round(8 / forward_s, 2),
            "train_images_per_sec": round(8 / step_s, 2), "forward_s": round(forward_s, 3), "train_step_s": round(step_s, 3),
            "last_loss": round(last["loss"], 4), "torch": torch.__version__, "torchvision": torchvision.__version__,
            "threads": torch.get_num_threads()}


if __name__ == "__main__":
    torch.set_num_threads(2)
    for name in sys.argv[1:] or ["vgg16", "resnet18"]:
        print(json.dumps(measure(name)), flush=True)
