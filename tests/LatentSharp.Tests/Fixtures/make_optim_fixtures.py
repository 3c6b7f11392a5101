#!/usr/bin/python3
"""Golden values for LatentSharp's optimizers, MLP training and learning-rate schedules, from PyTorch.

Run from anywhere with the system Python and Debian's python3-torch 1.13.1:
    /usr/bin/python3 tests/LatentSharp.Tests/Fixtures/make_optim_fixtures.py
It (re)writes optim.json next to this script. The tests only read the JSON; they never need Python.
Every input (initial parameters, gradients, weights, data) is written into the JSON, so the C# side
needs no random generator compatible with torch's.
"""
import json
import os

import torch

torch.set_default_dtype(torch.float32)
STEPS = 3
EPOCHS = 10


def values(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def optimizer_case(name, kind, make, hyper):
    g = torch.Generator().manual_seed(1234)
    # Two parameters: "a" has 37 elements (SIMD body plus tail), "b" has 5 and no gradient at the first step,
    # so per-parameter step counts (Adam's bias corrections) are exercised.
    a = torch.nn.Parameter(torch.randn(37, generator=g))
    b = torch.nn.Parameter(torch.randn(5, generator=g))
    opt = make([a, b])
    # Gradients of mixed magnitude, so that eps and the bias corrections matter.
    scales = torch.logspace(-4, 1, 37)
    grads, after = [], []
    for step in range(STEPS):
        ga = torch.randn(37, generator=g) * scales
        gb = None if step == 0 else torch.randn(5, generator=g)
        a.grad = ga.clone()
        b.grad = None if gb is None else gb.clone()
        opt.step()
        grads.append([values(ga), None if gb is None else values(gb)])
        after.append([values(a), values(b)])
    g2 = torch.Generator().manual_seed(1234)
    initial = [values(torch.randn(37, generator=g2)), values(torch.randn(5, generator=g2))]
    return {"name": name, "optimizer": kind, "hyper": hyper, "initial": initial, "grads": grads, "after": after}


def optimizer_cases():
    return [
        optimizer_case("sgd", "Sgd", lambda p: torch.optim.SGD(p, lr=0.1),
                       {"lr": 0.1}),
        optimizer_case("sgd-nesterov", "Sgd", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
                       {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        optimizer_case("sgd-weight-decay", "Sgd", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.05),
                       {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.05}),
        optimizer_case("adagrad", "Adagrad", lambda p: torch.optim.Adagrad(p, lr=0.1),
                       {"lr": 0.1}),
        optimizer_case("adam", "Adam", lambda p: torch.optim.Adam(p, lr=0.01),
                       {"lr": 0.01}),
        optimizer_case("adam-l2", "Adam", lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
                       {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1}),
        optimizer_case("adamw", "AdamW", lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.01),
                       {"lr": 0.01, "weight_decay": 0.01}),
    ]


def mlp_case():
    torch.manual_seed(7)
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    x = torch.randn(8, 6)
    t = torch.randn(8, 3)
    parameters = {n: {"shape": list(p.shape), "values": values(p)} for n, p in model.named_parameters()}
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(10):
        opt.zero_grad()
        loss = ((model(x) - t) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    final = {n: values(p) for n, p in model.named_parameters()}
    return {
        "description": "Sequential(Linear(6,5), Tanh, Linear(5,3)); loss = mean((y - t)^2); Adam lr 0.01; loss before each of 10 steps",
        "lr": 0.01,
        "parameters": parameters,
        "inputs": {"shape": [8, 6], "values": values(x)},
        "targets": {"shape": [8, 3], "values": values(t)},
        "losses": losses,
        "final": final,
    }


def schedule_case(name, make, args, base_lr=0.1):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make(opt)
    lrs = []
    for _ in range(EPOCHS):
        lrs.append(opt.param_groups[0]["lr"])   # the rate used during this epoch
        opt.step()
        sched.step()
    return {"name": name, "args": args, "base_lr": base_lr, "values": lrs}


def schedule_cases():
    S = torch.optim.lr_scheduler
    return [
        schedule_case("step", lambda o: S.StepLR(o, step_size=3, gamma=0.5), {"step_size": 3, "gamma": 0.5}),
        schedule_case("exponential", lambda o: S.ExponentialLR(o, gamma=0.9), {"gamma": 0.9}),
        schedule_case("cosine", lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.0), {"t_max": 10, "eta_min": 0.0}),
        schedule_case("cosine-restart", lambda o: S.CosineAnnealingLR(o, T_max=4, eta_min=0.001), {"t_max": 4, "eta_min": 0.001}),
    ]


def main():
    fixture = {
        "generator": "tests/LatentSharp.Tests/Fixtures/make_optim_fixtures.py",
        "torch": torch.__version__,
        "optimizers": optimizer_cases(),
        "mlp": mlp_case(),
        "schedules": schedule_cases(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim.json")
    with open(path, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
