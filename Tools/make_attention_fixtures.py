"""Writes Tests/MyelinNNTests/Fixtures/attention.json: additive (Bahdanau) and multiplicative (Luong: dot and
general) attention written out in PyTorch, on one query per example and on several, with padded keys — their
weights, inputs, outputs (context and attention weights) and the gradients of a scalar loss with respect to
the query, keys, values and weights — so the tests can check Myelin's AdditiveAttention and
DotProductAttention against them.

Run once by hand from the project folder (needs torch): python3 Tools/make_attention_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn as nn

torch.manual_seed(0)

B, S, HQ, HK, HV, A, T = 2, 5, 3, 4, 4, 6, 3
# Example 0 has 3 real keys, example 1 all 5.
MASK = torch.tensor([[1.0, 1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0]])


def values(t):
    # 9 significant digits give back the float32 exactly.
    return {"shape": list(t.shape), "values": [float(f"{v:.9g}") for v in t.detach().reshape(-1).tolist()]}


def loss_weights(shape, f):
    # L = Σ f(k)·y_k over the elements k in row-major order.
    n = math.prod(shape)
    return f(torch.arange(n, dtype=torch.float32)).reshape(shape)


def readout(scores, v, mask):
    # Softmax over the keys with padding excluded, then the weighted sum of the values.
    m = mask if scores.dim() == 2 else mask.unsqueeze(1)
    weights = torch.softmax(scores.masked_fill(m == 0, float("-inf")), dim=-1)
    context = (weights.unsqueeze(1) @ v).squeeze(1) if scores.dim() == 2 else weights @ v
    return context, weights


class Additive(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(HQ, A, bias=False)
        self.key = nn.Linear(HK, A)
        self.score = nn.Linear(A, 1, bias=False)

    def forward(self, q, k, v, mask):
        keys = self.key(k)
        hidden = torch.tanh(self.query(q).unsqueeze(1) + keys if q.dim() == 2
                            else self.query(q).unsqueeze(2) + keys.unsqueeze(1))
        return readout(self.score(hidden).squeeze(-1), v, mask)


class Multiplicative(nn.Module):
    def __init__(self, general, scale):
        super().__init__()
        self.query = nn.Linear(HQ, HK, bias=False) if general else None
        self.scale = scale

    def forward(self, q, k, v, mask):
        p = self.query(q) if self.query is not None else q
        scores = (p.unsqueeze(1) @ k.transpose(1, 2)).squeeze(1) if q.dim() == 2 else p @ k.transpose(1, 2)
        return readout(self.scale * scores, v, mask)


def case(module, queries, query_size, key_size):
    q = torch.randn(*([B] if queries == 1 else [B, queries]), query_size, requires_grad=True)
    k = torch.randn(B, S, key_size, requires_grad=True)
    v = torch.randn(B, S, HV, requires_grad=True)
    context, weights = module(q, k, v, MASK)
    loss = (context * loss_weights(context.shape, torch.sin)).sum() + (weights * loss_weights(weights.shape, torch.cos)).sum()
    loss.backward()
    return {
        "state_dict": {name: values(t) for name, t in module.state_dict().items()},
        "query": values(q), "keys": values(k), "values": values(v), "mask": values(MASK),
        "context": values(context), "weights": values(weights),
        "grad_query": values(q.grad), "grad_keys": values(k.grad), "grad_values": values(v.grad),
        "grads": {name: values(p.grad) for name, p in module.named_parameters()},
    }


cases = {
    "additive_one_query": case(Additive(), 1, HQ, HK),
    "additive_queries": case(Additive(), T, HQ, HK),
    "dot_one_query": case(Multiplicative(False, 1.0), 1, HK, HK),
    "general_queries": case(Multiplicative(True, 0.5), T, HQ, HK),
}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "MyelinNNTests", "Fixtures", "attention.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "sizes": {"batch": B, "keys": S, "attention": A}, **cases}, f)
print("wrote", os.path.normpath(path))
