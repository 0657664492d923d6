"""Writes Tests/MyelinNNTests/Fixtures/transformer.json: a tiny GPT like the char-transformer benchmark's (the same modules and
names as ../shared/bench/torch/w6_gpt.py, smaller sizes), one of its pre-LN blocks on its own, and a
PyTorch nn.MultiheadAttention with a key padding mask — each with its state dict, an input, PyTorch's
outputs and the gradients of a scalar loss — so the tests can check that Myelin's layers load
PyTorch weights by name and compute the same thing.

Run once by hand from the project folder (needs torch): python3 Tools/make_transformer_fixtures.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

V, CTX, D, H, L, FF = 11, 8, 12, 3, 2, 24


class Block(nn.Module):  # the char-transformer benchmark's Block, sizes as parameters
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D)
        self.fc1 = nn.Linear(D, FF)
        self.fc2 = nn.Linear(FF, D)

    def attn(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)
        q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class GPT(nn.Module):  # the char-transformer benchmark's GPT
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, D)
        self.pos = nn.Embedding(CTX, D)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.lnf = nn.LayerNorm(D)
        self.head = nn.Linear(D, V)

    def forward(self, idx):
        B, T = idx.shape
        x = self.tok(idx) + self.pos(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        return self.head(self.lnf(x))


def values(t):
    # 9 significant digits give back the float32 exactly.
    return {"shape": list(t.shape), "values": [float(f"{v:.9g}") for v in t.detach().reshape(-1).tolist()]}


def perturb_layer_norms(module):
    # Ones and zeros would hide a mix-up of weight and bias; give them values of their own.
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(1 + 0.2 * torch.randn_like(m.weight))
                m.bias.copy_(0.2 * torch.randn_like(m.bias))


def sine_weights(shape):
    # L = Σ sin(k)·output_k over the elements k in row-major order.
    n = math.prod(shape)
    return torch.sin(torch.arange(n, dtype=torch.float32)).reshape(shape)


def grads(module):
    return {k: values(p.grad) for k, p in module.named_parameters()}


gpt = GPT()
perturb_layer_norms(gpt)
ids = torch.randint(0, V, (2, CTX - 1))  # shorter than the context: positions 0..T−1 only
targets = torch.randint(0, V, (2, CTX - 1))
logits = gpt(ids)
loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
loss.backward()
gpt_case = {
    "vocabulary": V, "context": CTX, "embed_dim": D, "heads": H, "layers": L, "feed_forward": FF,
    "state_dict": {k: values(v) for k, v in gpt.state_dict().items()},
    "ids": ids.reshape(-1).tolist(), "targets": targets.reshape(-1).tolist(), "batch": 2, "steps": CTX - 1,
    "logits": values(logits), "loss": loss.item(), "grads": grads(gpt),
}

block = Block()
perturb_layer_norms(block)
x = torch.randn(2, 5, D, requires_grad=True)
out = block(x)
(out * sine_weights(out.shape)).sum().backward()
block_case = {"state_dict": {k: values(v) for k, v in block.state_dict().items()}, "input": values(x),
              "output": values(out), "grad_input": values(x.grad), "grads": grads(block)}

mha = nn.MultiheadAttention(D, H, batch_first=True)
with torch.no_grad():  # PyTorch starts the biases at zero; give them values
    mha.in_proj_bias.copy_(0.1 * torch.randn_like(mha.in_proj_bias))
    mha.out_proj.bias.copy_(0.1 * torch.randn_like(mha.out_proj.bias))
x = torch.randn(2, 6, D, requires_grad=True)
padding = torch.tensor([[False, False, True, False, False, True], [False, False, False, False, False, True]])
out, _ = mha(x, x, x, key_padding_mask=padding, need_weights=False)
(out * sine_weights(out.shape)).sum().backward()
mha_case = {"state_dict": {k: values(v) for k, v in mha.state_dict().items()}, "input": values(x),
            "key_padding_mask": padding.reshape(-1).tolist(), "output": values(out),
            "grad_input": values(x.grad), "grads": grads(mha)}

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "MyelinNNTests", "Fixtures", "transformer.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "gpt": gpt_case, "block": block_case, "multihead_attention": mha_case}, f)
print("wrote", os.path.normpath(path))
