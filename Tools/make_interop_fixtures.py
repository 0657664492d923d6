"""Writes PyTorch models saved as safetensors, for the interoperability tests in
Tests/MyelinModelsTests/Fixtures/:

  mlp.safetensors, mlp-io.safetensors      an MLP 64-32-16-10 (Flatten, Linear, ReLU, …) for 8×8 digits
  lenet.safetensors, lenet-io.safetensors  LeNet-5 for 28×28 digits (the LeNet-5 benchmark's network)

Each model file is PyTorch's own state_dict written by the `safetensors` package, exactly as a
PyTorch user would save one; each -io file holds an input batch (`input`) and PyTorch's logits
for it (`logits`). The tests load the weights into Myelin's MultilayerPerceptron and LeNet and
match the logits to 1e-5.

Run once by hand from the project folder (needs torch and safetensors):
    python3 Tools/make_interop_fixtures.py
"""
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "MyelinModelsTests", "Fixtures")


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                        nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def write(name, model, batch):
    model.eval()
    with torch.no_grad():
        logits = model(batch)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(OUT, f"{name}.safetensors"),
              metadata={"source": "Tools/make_interop_fixtures.py", "torch": torch.__version__})
    save_file({"input": batch.contiguous(), "logits": logits.contiguous()}, os.path.join(OUT, f"{name}-io.safetensors"))
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, logits {tuple(logits.shape)}")


os.makedirs(OUT, exist_ok=True)
write("mlp", mlp(), torch.rand(5, 1, 8, 8))
write("lenet", LeNet(), torch.rand(4, 1, 28, 28))
