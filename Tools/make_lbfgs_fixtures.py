"""Writes Tests/MyelinOptimTests/Fixtures/lbfgs.json: torch.optim.LBFGS run a few steps on the
Rosenbrock function and on a small least-squares problem, with and without the strong-Wolfe line
search, so the tests can check that Myelin's LBFGS takes the same iterates.

PyTorch runs in float64 here, so the fixture is the algorithm itself rather than float32 rounding;
the starting points and data are float32 numbers, so Myelin starts from exactly the same problem.
The script also runs each case in float32 and records, after each step, how far PyTorch's own
float32 parameters and loss land from its float64 ones (`float32_drift`, `float32_loss_drift`):
the scale of agreement a float32 implementation can hope for where the problem is ill-conditioned.

Run once by hand from the project folder (needs torch): /work/torchenv/bin/python Tools/make_lbfgs_fixtures.py
"""
import json
import os

import torch


def float32_exact(values):
    return [float(torch.tensor(v, dtype=torch.float32)) for v in values]


def rosenbrock(params):
    (p,) = params
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


# Least squares with two parameter tensors (so the flattening of several tensors is exercised):
# mean((X·W + b − Y)²) with X [5, 3], W [3, 2], b [2], Y [5, 2].
generator = torch.Generator().manual_seed(0)
X = float32_exact(torch.randn(15, generator=generator).tolist())
Y = float32_exact(torch.randn(10, generator=generator).tolist())


def least_squares(params):
    w, b = params
    x = torch.tensor(X, dtype=w.dtype).reshape(5, 3)
    y = torch.tensor(Y, dtype=w.dtype).reshape(5, 2)
    return ((x @ w + b - y) ** 2).mean()


PROBLEMS = {
    "rosenbrock": (rosenbrock, [([2], [-1.5, 2.0])]),
    "least_squares": (least_squares, [([3, 2], [0.0] * 6), ([2], [0.0, 0.0])]),
}

# (name, problem, settings, step() calls). history_size 3 on least squares makes the history wrap.
CASES = [
    ("rosenbrock_strong_wolfe", "rosenbrock", dict(lr=1, max_iter=5, line_search_fn="strong_wolfe"), 4),
    ("rosenbrock_fixed_step", "rosenbrock", dict(lr=0.05, max_iter=4), 4),
    ("least_squares_strong_wolfe", "least_squares", dict(lr=1, max_iter=4, history_size=3, line_search_fn="strong_wolfe"), 3),
    ("least_squares_fixed_step", "least_squares", dict(lr=0.5, max_iter=3, history_size=3), 4),
    ("least_squares_max_eval", "least_squares", dict(lr=1, max_iter=10, max_eval=6, line_search_fn="strong_wolfe"), 2),
]


def run(problem, settings, calls, dtype):
    function, shapes = PROBLEMS[problem]
    params = [torch.tensor(float32_exact(values), dtype=dtype).reshape(shape).requires_grad_() for shape, values in shapes]
    optimizer = torch.optim.LBFGS(params, **settings)
    evaluations = 0

    def closure():
        nonlocal evaluations
        evaluations += 1
        optimizer.zero_grad()
        loss = function(params)
        loss.backward()
        return loss

    steps = []
    for _ in range(calls):
        returned = float(optimizer.step(closure).detach())
        state = optimizer.state[params[0]]
        steps.append(
            {
                "returned_loss": returned,
                "loss_after": float(function(params).detach()),
                "parameters": [v for p in params for v in p.detach().reshape(-1).tolist()],
                "evaluations": evaluations,
                "iterations": state["n_iter"],
            }
        )
    return steps


def main():
    cases = []
    for name, problem, settings, calls in CASES:
        reference = run(problem, settings, calls, torch.float64)
        single = run(problem, settings, calls, torch.float32)
        for r, s in zip(reference, single):
            r["float32_drift"] = max(abs(a - b) for a, b in zip(r["parameters"], s["parameters"]))
            r["float32_loss_drift"] = abs(r["loss_after"] - s["loss_after"])
        drift = max(r["float32_drift"] for r in reference)
        print(f"{name}: PyTorch float32 vs float64, largest parameter difference {drift:.2e}")
        cases.append({"name": name, "problem": problem, "settings": settings, "steps": reference})
    fixture = {
        "note": "torch.optim.LBFGS in float64 (torch " + torch.__version__ + "), made by Tools/make_lbfgs_fixtures.py",
        "least_squares_x": X,
        "least_squares_y": Y,
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "MyelinOptimTests", "Fixtures", "lbfgs.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
