"""Writes Tests/MyelinTensorTests/Fixtures/spatial.json: PyTorch's F.affine_grid + F.grid_sample (bilinear with zeros and
border padding, align_corners True and False; nearest with zeros) and F.pixel_shuffle / F.pixel_unshuffle on small seeded
inputs, with their outputs and the gradients of a scalar loss, so the tests can check that Myelin's spatial-transformer and
sub-pixel ops compute the same numbers.

Run once by hand from the project folder (needs torch): python3 Tools/make_spatial_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1)

N, C, H, W = 2, 3, 5, 6  # the sampled image
OH, OW = 4, 7  # the grid: another size than the image, so that H/W and OH/OW cannot be mixed up


def values(t):
    # 9 significant digits give back the float32 exactly.
    return {"shape": list(t.shape), "values": [float(f"{v:.9g}") for v in t.detach().reshape(-1).tolist()]}


def sine_weights(shape):
    # L = Σ sin(k)·output_k over the elements k in row-major order.
    n = math.prod(shape)
    return torch.sin(torch.arange(n, dtype=torch.float32)).reshape(shape)


def distance_to_kinks(grid, mode, align_corners):
    # Bilinear sampling is piecewise linear between pixel centres (its grid gradient jumps where a point crosses one),
    # nearest jumps half-way between them. A point that close to a kink could land on its other side in float32
    # rounding, so the script refuses it.
    size = torch.tensor([W, H], dtype=torch.float64)
    g = grid.detach().double()
    source = (g + 1) / 2 * (size - 1) if align_corners else ((g + 1) * size - 1) / 2
    if mode == "nearest":
        source = source + 0.5
    return (source - source.round()).abs().min().item()


image = torch.randn(N, C, H, W)
# Near the identity, scaled up a little and shifted, so that some points fall outside the image (padding matters).
theta = torch.tensor([[1.1, 0.0, 0.0], [0.0, 1.1, 0.0]]) + 0.2 * torch.randn(N, 2, 3)

cases = []
for mode, padding, align_corners in [("bilinear", "zeros", False), ("bilinear", "zeros", True),
                                     ("bilinear", "border", False), ("bilinear", "border", True),
                                     ("nearest", "zeros", False), ("nearest", "border", True)]:
    x = image.clone().requires_grad_(True)
    t = theta.clone().requires_grad_(True)
    grid = F.affine_grid(t, (N, C, OH, OW), align_corners=align_corners)
    grid.retain_grad()
    out = F.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=align_corners)
    (out * sine_weights(out.shape)).sum().backward()
    margin = distance_to_kinks(grid, mode, align_corners)
    assert margin > 1e-3, f"{mode} {padding} {align_corners}: a grid point is {margin} from a kink; change the seed"
    outside = ((grid.detach().abs() > 1).any(dim=-1)).sum().item()
    print(f"{mode} {padding} align_corners={align_corners}: {outside} of {N * OH * OW} points outside, margin {margin:.4f}")
    cases.append({"mode": mode, "padding": padding, "align_corners": align_corners,
                  "grid": values(grid), "output": values(out),
                  "grad_input": values(x.grad), "grad_grid": values(grid.grad), "grad_theta": values(t.grad)})

R = 2
shuffle_input = torch.randn(N, C * R * R, 3, 4, requires_grad=True)
shuffled = F.pixel_shuffle(shuffle_input, R)
(shuffled * sine_weights(shuffled.shape)).sum().backward()
unshuffle_input = torch.randn(N, C, 4, 6, requires_grad=True)
unshuffled = F.pixel_unshuffle(unshuffle_input, R)
(unshuffled * sine_weights(unshuffled.shape)).sum().backward()

fixture = {
    "torch": torch.__version__,
    "input": values(image), "theta": values(theta), "size": [N, C, OH, OW], "grid_sample": cases,
    "pixel_shuffle": {"factor": R, "input": values(shuffle_input), "output": values(shuffled),
                      "grad_input": values(shuffle_input.grad)},
    "pixel_unshuffle": {"factor": R, "input": values(unshuffle_input), "output": values(unshuffled),
                        "grad_input": values(unshuffle_input.grad)},
}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "MyelinTensorTests", "Fixtures", "spatial.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")
