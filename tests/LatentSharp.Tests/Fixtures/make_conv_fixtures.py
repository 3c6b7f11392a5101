#!/usr/bin/python3
"""Writes conv.json: PyTorch golden values for LatentSharp's Conv2d and ConvTranspose2d.

Run from anywhere with Debian's python3-torch (1.13):  /usr/bin/python3 make_conv_fixtures.py
For each case: input, weight, bias (or null), the forward output, the fixed random weights r of the
objective sum(output * r), and its gradients with respect to input, weight and bias (float32 throughout;
numbers are the shortest decimals that round-trip to the float32 value).
Tensors are {"shape": [...], "data": [row-major values]}.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

CASES = [
    # name, op, N, C_in, H, W, C_out, (kh, kw), stride, padding, output_padding, bias
    ("conv_3to4_k3_s2_p1", "conv2d", 2, 3, 7, 7, 4, (3, 3), 2, 1, 0, True),
    ("conv_2to3_k3x2_s1_p0_nobias", "conv2d", 1, 2, 6, 5, 3, (3, 2), 1, 0, 0, False),
    ("conv_2to2_k4_s3_p2", "conv2d", 2, 2, 8, 9, 2, (4, 4), 3, 2, 0, True),
    ("convT_2to3_k4_s2_p1_decoder", "conv_transpose2d", 2, 2, 4, 4, 3, (4, 4), 2, 1, 0, True),
    ("convT_3to2_k3_s2_p1_op1", "conv_transpose2d", 2, 3, 5, 4, 2, (3, 3), 2, 1, 1, True),
    ("convT_2to2_k3x2_s1_p0_nobias", "conv_transpose2d", 1, 2, 3, 4, 2, (3, 2), 1, 0, 0, False),
    ("conv_3to5_k1_s1_p0_pointwise", "conv2d", 3, 3, 5, 6, 5, (1, 1), 1, 0, 0, True),
]


def tensor_json(t):
    t = t.detach().to(torch.float32).contiguous()
    # repr of a numpy float32 is the shortest decimal that round-trips to that float32.
    return {"shape": list(t.shape), "data": [float(repr(v)) for v in t.numpy().reshape(-1).astype(np.float32)]}


def make_case(gen, name, op, n, c_in, h, w, c_out, kernel, stride, padding, output_padding, with_bias):
    def uniform(*shape):
        return (torch.rand(*shape, generator=gen, dtype=torch.float32) * 2 - 1)

    x = uniform(n, c_in, h, w).requires_grad_()
    if op == "conv2d":
        weight = uniform(c_out, c_in, *kernel).requires_grad_()
    else:
        weight = uniform(c_in, c_out, *kernel).requires_grad_()   # PyTorch's [in, out, kh, kw]
    bias = uniform(c_out).requires_grad_() if with_bias else None

    if op == "conv2d":
        y = F.conv2d(x, weight, bias, stride=stride, padding=padding)
    else:
        y = F.conv_transpose2d(x, weight, bias, stride=stride, padding=padding, output_padding=output_padding)
    r = uniform(*y.shape)
    (y * r).sum().backward()

    return {
        "name": name,
        "op": op,
        "stride": stride,
        "padding": padding,
        "outputPadding": output_padding,
        "input": tensor_json(x),
        "weight": tensor_json(weight),
        "bias": tensor_json(bias) if bias is not None else None,
        "output": tensor_json(y),
        "outputWeights": tensor_json(r),
        "gradInput": tensor_json(x.grad),
        "gradWeight": tensor_json(weight.grad),
        "gradBias": tensor_json(bias.grad) if bias is not None else None,
    }


def main():
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(20240611)
    cases = [make_case(gen, *case) for case in CASES]
    doc = {"generator": "make_conv_fixtures.py", "torch": torch.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
