"""Writes Tests/MyelinNNTests/Fixtures/huber.json: PyTorch's `huber_loss` on a few predictions and
targets — differences inside, outside and on the edge of ±δ, for δ of 0.5, 1 and 2 and every
reduction — with the gradients of the mean with respect to both, for the test of Myelin's `huberLoss`.

The inputs are float32 numbers, so Myelin starts from exactly the same problem.

Run once by hand from the project folder (needs torch): /work/torchenv/bin/python Tools/make_huber_fixture.py
"""
import json
import os

import torch
import torch.nn.functional as F

generator = torch.Generator().manual_seed(0)
prediction = (torch.randn(3, 4, generator=generator) * 2).tolist()
target = torch.randn(3, 4, generator=generator).tolist()
# Two differences exactly on an edge: +1 and −0.5.
target[0][0] = prediction[0][0] - 1.0
target[1][1] = prediction[1][1] + 0.5
prediction[0][0] = target[0][0] + 1.0
prediction[1][1] = target[1][1] - 0.5

cases = []
for delta in (0.5, 1.0, 2.0):
    case = {"delta": delta}
    for reduction in ("mean", "sum", "none"):
        p = torch.tensor(prediction, requires_grad=True)
        t = torch.tensor(target, requires_grad=True)
        loss = F.huber_loss(p, t, delta=delta, reduction=reduction)
        case[reduction] = loss.flatten().tolist()
        if reduction == "mean":
            loss.backward()
            case["grad_prediction"] = p.grad.flatten().tolist()
            case["grad_target"] = t.grad.flatten().tolist()
    cases.append(case)

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "MyelinNNTests", "Fixtures", "huber.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "prediction": prediction, "target": target, "cases": cases}, f, indent=1)
    f.write("\n")
print(f"wrote {path}")
