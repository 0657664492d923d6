"""Writes Tests/MyelinNNTests/Fixtures/recurrent.json: small PyTorch RNN, LSTM and GRU layers (their
state dicts, an input, an initial state) with PyTorch's outputs, final states and gradients, so the
tests can check that Myelin's layers load PyTorch weights and compute the same thing.

Run once by hand from the project folder (needs torch): python3 Tools/make_recurrent_fixtures.py
"""
import json
import math
import os

import torch

torch.manual_seed(0)


def values(t):
    return {"shape": list(t.shape), "values": [float(v) for v in t.detach().reshape(-1).tolist()]}


def case(name, layer, x, state):
    # Gradients of L = Σ w ⊙ output with fixed weights w = sin(k), k the element index.
    x = x.clone().requires_grad_(True)
    output, final = layer(x, state)
    weights = torch.sin(torch.arange(output.numel(), dtype=torch.float32)).reshape(output.shape)
    (output * weights).sum().backward()
    h_n, c_n = final if isinstance(final, tuple) else (final, None)
    entry = {
        "name": name,
        "kind": type(layer).__name__,
        "input_size": layer.input_size, "hidden_size": layer.hidden_size, "num_layers": layer.num_layers,
        "bidirectional": layer.bidirectional, "batch_first": layer.batch_first,
        "nonlinearity": getattr(layer, "nonlinearity", None),
        "state_dict": {k: values(v) for k, v in layer.state_dict().items()},
        "input": values(x),
        "output": values(output), "h_n": values(h_n),
        "grad_input": values(x.grad),
        "grads": {k: values(p.grad) for k, p in layer.named_parameters()},
    }
    if state is not None:
        h0, c0 = state if isinstance(state, tuple) else (state, None)
        entry["h0"] = values(h0)
        if c0 is not None:
            entry["c0"] = values(c0)
    if c_n is not None:
        entry["c_n"] = values(c_n)
    return entry


cases = []
lstm = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
cases.append(case("lstm_2layer_bidirectional_batch_first", lstm, torch.randn(2, 5, 3),
                  (torch.randn(4, 2, 4), torch.randn(4, 2, 4))))
gru = torch.nn.GRU(3, 5)
cases.append(case("gru_with_initial_state", gru, torch.randn(6, 2, 3), torch.randn(1, 2, 5)))
rnn = torch.nn.RNN(2, 3, num_layers=2, nonlinearity="relu")
cases.append(case("rnn_relu_2layer", rnn, torch.randn(4, 3, 2), None))
rnn_tanh = torch.nn.RNN(3, 4, bidirectional=True)
cases.append(case("rnn_tanh_bidirectional", rnn_tanh, torch.randn(5, 2, 3), torch.randn(2, 2, 4)))

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "MyelinNNTests", "Fixtures", "recurrent.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
print("wrote", os.path.normpath(path), "with", len(cases), "cases")
