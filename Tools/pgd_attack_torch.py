#!/usr/bin/env python3
"""PyTorch's side of MyelinBench's `attack` workload: PGD-20 against LeNet.

The LeNet-5 benchmark's network (../shared/bench/torch/w3_lenet.py) trained for one epoch as that
benchmark trains it, then attacked on the first 1,000 test digits in batches of 100: L-inf PGD,
eps 0.1, 20 steps of 0.01 from a uniform random start, pixels kept in [0, 1], the clean and attacked
predictions counted inside the timing. Prints one JSON line.

    python Tools/pgd_attack_torch.py      # with torch and numpy installed; run from the project folder
"""
import os
import sys

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench", "torch")
sys.path.insert(0, BENCH)
from common import setup_torch, load_mnist, emit, env_info, now  # noqa: E402

torch = setup_torch(0, 2)
import torch.nn.functional as F  # noqa: E402
from w3_lenet import make_model, BATCH, LR, MOM  # noqa: E402

IMAGES, ATTACK_BATCH, EPS, STEP, STEPS = 1000, 100, 0.1, 0.01, 20


def pgd(model, x, y, generator):
    low, high = (x - EPS).clamp(0, 1), (x + EPS).clamp(0, 1)
    adv = torch.max(torch.min(x + (torch.rand(x.shape, generator=generator) * 2 - 1) * EPS, high), low)
    for _ in range(STEPS):
        adv.requires_grad_(True)
        loss = F.cross_entropy(model(adv), y, reduction="sum")
        (grad,) = torch.autograd.grad(loss, adv)
        adv = torch.max(torch.min(adv.detach() + STEP * grad.sign(), high), low)
    return adv


def outcome(model, x, y, generator):
    clean = attacked = 0
    for i in range(0, x.shape[0], ATTACK_BATCH):
        xb, yb = x[i:i + ATTACK_BATCH], y[i:i + ATTACK_BATCH]
        with torch.no_grad():
            clean += (model(xb).argmax(1) == yb).sum().item()
        adv = pgd(model, xb, yb, generator)
        with torch.no_grad():
            attacked += (model(adv).argmax(1) == yb).sum().item()
    return clean / x.shape[0], attacked / x.shape[0]


def main():
    xtr, ytr, xte, yte = load_mnist()
    xtr = torch.from_numpy(xtr.reshape(-1, 1, 28, 28).astype("float32") / 255.0)
    xte = torch.from_numpy(xte.reshape(-1, 1, 28, 28).astype("float32") / 255.0)
    ytr, yte = torch.from_numpy(ytr), torch.from_numpy(yte)
    torch.manual_seed(0)
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOM)
    perm = torch.randperm(60000, generator=torch.Generator().manual_seed(0))
    for i in range(0, 60000, BATCH):
        idx = perm[i:i + BATCH]
        loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    generator = torch.Generator().manual_seed(0)
    outcome(model, xte[IMAGES:IMAGES + ATTACK_BATCH], yte[IMAGES:IMAGES + ATTACK_BATCH], generator)  # warm-up
    t0 = now()
    clean, attacked = outcome(model, xte[:IMAGES], yte[:IMAGES], generator)
    dt = now() - t0
    emit({
        "workload": "attack",
        "pgd20_images_per_sec": round(IMAGES / dt, 1),
        "clean_accuracy": clean,
        "accuracy_under_pgd": attacked,
        "attack_time_s": round(dt, 2),
        "settings": {"model": "LeNet-5 after one epoch of w3_lenet.py's training",
                     "attack": "PGD, L-inf, eps 0.1, 20 steps of 0.01, random start, pixels in [0,1]",
                     "images": IMAGES, "batch": ATTACK_BATCH, "counted": "clean and attacked predictions included",
                     **env_info()},
    })


if __name__ == "__main__":
    main()
