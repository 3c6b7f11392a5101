#!/usr/bin/python3
"""Writes lstm.json: PyTorch golden values for LatentSharp's Lstm (torch.nn.LSTM).

Run from anywhere with Debian's python3-torch (1.13):  /usr/bin/python3 make_lstm_fixtures.py
For each case: the layout (layers, batch_first), the input, the initial state h0, c0 [layers, B, H] (or null:
zeros), every parameter by its torch name, the forward outputs (output, h_n, c_n), the fixed random weights of the
objective sum(output * r_output) + sum(h_n * r_hidden) + sum(c_n * r_cell), and its gradients with respect to the
input, the initial state and every parameter (float32 throughout; numbers are the shortest decimals that round-trip
to the float32 value). Tensors are {"shape": [...], "data": [row-major values]}.
"""
import json
import os

import numpy as np
import torch

CASES = [
    # name, T, B, I, H, layers, batch_first, initial state
    ("t4_b3_i3_h5_l2_initial", 4, 3, 3, 5, 2, False, True),
    ("t1_b1_i2_h3_l2_zero", 1, 1, 2, 3, 2, False, False),
    ("t5_b2_i4_h3_l2_batchfirst", 5, 2, 4, 3, 2, True, True),
    ("t3_b1_i3_h4_l1_zero", 3, 1, 3, 4, 1, False, False),
    ("t1_b2_i1_h2_l3_batchfirst_zero", 1, 2, 1, 2, 3, True, False),
]


def tensor_json(t):
    t = t.detach().to(torch.float32).contiguous()
    # repr of a numpy float32 is the shortest decimal that round-trips to that float32.
    return {"shape": list(t.shape), "data": [float(repr(v)) for v in t.numpy().reshape(-1).astype(np.float32)]}


def make_case(gen, name, steps, batch, input_size, hidden, layers, batch_first, with_initial):
    def uniform(*shape):
        return torch.rand(*shape, generator=gen, dtype=torch.float32) * 2 - 1

    lstm = torch.nn.LSTM(input_size, hidden, num_layers=layers, batch_first=batch_first)
    with torch.no_grad():
        for p in lstm.parameters():
            p.copy_(uniform(*p.shape))   # a wider range than the default init, so every gate works off its linear part

    x = uniform(*((batch, steps, input_size) if batch_first else (steps, batch, input_size))).requires_grad_()
    if with_initial:
        h0 = uniform(layers, batch, hidden).requires_grad_()
        c0 = uniform(layers, batch, hidden).requires_grad_()
        output, (h_n, c_n) = lstm(x, (h0, c0))
    else:
        h0 = c0 = None
        output, (h_n, c_n) = lstm(x)
    r_output, r_hidden, r_cell = uniform(*output.shape), uniform(*h_n.shape), uniform(*c_n.shape)
    ((output * r_output).sum() + (h_n * r_hidden).sum() + (c_n * r_cell).sum()).backward()

    return {
        "name": name,
        "layers": layers,
        "hiddenSize": hidden,
        "batchFirst": batch_first,
        "input": tensor_json(x),
        "initialHidden": tensor_json(h0) if h0 is not None else None,
        "initialCell": tensor_json(c0) if c0 is not None else None,
        "parameters": {n: tensor_json(p) for n, p in lstm.named_parameters()},
        "output": tensor_json(output),
        "hidden": tensor_json(h_n),
        "cell": tensor_json(c_n),
        "outputWeights": tensor_json(r_output),
        "hiddenWeights": tensor_json(r_hidden),
        "cellWeights": tensor_json(r_cell),
        "gradInput": tensor_json(x.grad),
        "gradInitialHidden": tensor_json(h0.grad) if h0 is not None else None,
        "gradInitialCell": tensor_json(c0.grad) if c0 is not None else None,
        "gradParameters": {n: tensor_json(p.grad) for n, p in lstm.named_parameters()},
    }


def main():
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(20240925)
    cases = [make_case(gen, *case) for case in CASES]
    doc = {"generator": "make_lstm_fixtures.py", "torch": torch.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lstm.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
