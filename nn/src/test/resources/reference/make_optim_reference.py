#!/usr/bin/env python3
"""Writes optim_reference.json: what torch.optim.AdamW, torch.optim.SGD and
torch.nn.utils.clip_grad_norm_ compute on small fixed float32 tensors.

The Java tests (dev.jgrad.nn.optim.OptimReferenceTest) replay the same inputs and
compare; they read only the JSON, so the Java build never needs Python.

    /usr/bin/python3 make_optim_reference.py      # Debian's python3-torch

Every float in the file is a float32 value written as the shortest decimal that
round-trips the double it widens to, so Java reads it back bit for bit.
"""
import json
import os

import torch

torch.manual_seed(20240613)
SHAPES = {"w": [2, 3], "b": [4]}  # two parameters of different shapes
STEPS = 5


def tensors():
    """Initial values and one gradient per step for each parameter, float32."""
    init = {n: torch.randn(s, dtype=torch.float32) for n, s in SHAPES.items()}
    grads = [{n: torch.randn(s, dtype=torch.float32) * 0.5 for n, s in SHAPES.items()} for _ in range(STEPS)]
    return init, grads


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def run(make_opt, init, grads, lrs=None, skip=None):
    """Steps an optimizer over the gradients; skip[(step, name)] leaves that gradient as None."""
    params = {n: init[n].clone().requires_grad_(True) for n in SHAPES}
    opt = make_opt(list(params.values()))
    after = []
    for k, g in enumerate(grads):
        if lrs is not None:
            for group in opt.param_groups:
                group["lr"] = lrs[k]
        for n, p in params.items():
            p.grad = None if skip and (k, n) in skip else g[n].clone()
        opt.step()
        after.append({n: flat(p) for n, p in params.items()})
    state = {}
    for n, p in params.items():
        for key, value in opt.state[p].items():
            if value is None:  # SGD without momentum keeps momentum_buffer = None
                continue
            state[key + "." + n] = float(value.item()) if key == "step" else flat(value)
    return after, state


def case(kind, hyper, init, grads, lrs=None, skip=None):
    if kind == "adamw":
        make = lambda ps: torch.optim.AdamW(
            ps, lr=hyper["lr"], betas=(hyper["beta1"], hyper["beta2"]), eps=hyper["eps"],
            weight_decay=hyper["weight_decay"])
    else:
        make = lambda ps: torch.optim.SGD(
            ps, lr=hyper["lr"], momentum=hyper["momentum"], weight_decay=hyper["weight_decay"])
    after, state = run(make, init, grads, lrs, skip)
    return {
        "optimizer": kind,
        "hyper": hyper,
        "lrs": lrs,
        "skip": [[k, n] for (k, n) in sorted(skip)] if skip else [],
        "init": {n: flat(t) for n, t in init.items()},
        "grads": [{n: flat(t) for n, t in g.items()} for g in grads],
        "after": after,
        "state": state,
    }


def clip_case(max_norm, scale):
    grads = {n: torch.randn(s, dtype=torch.float32) * scale for n, s in SHAPES.items()}
    params = {n: torch.zeros(s, requires_grad=True) for n, s in SHAPES.items()}
    for n, p in params.items():
        p.grad = grads[n].clone()
    norm = torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm)
    return {
        "max_norm": max_norm,
        "grads": {n: flat(g) for n, g in grads.items()},
        "norm": float(norm.item()),
        "clipped": {n: flat(p.grad) for n, p in params.items()},
    }


def main():
    init, grads = tensors()
    cases = [
        case("adamw", dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01), init, grads),
        case("adamw", dict(lr=0.1, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay=0.1), init, grads),
        case("adamw", dict(lr=0.05, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.0), init, grads,
             lrs=[0.01, 0.05, 0.03, 0.002, 0.0], skip={(1, "b"), (2, "w")}),
        case("sgd", dict(lr=0.1, momentum=0.9, weight_decay=0.01), init, grads),
        case("sgd", dict(lr=0.05, momentum=0.0, weight_decay=0.0), init, grads),
        case("sgd", dict(lr=0.2, momentum=0.5, weight_decay=0.0), init, grads,
             lrs=[0.2, 0.1, 0.1, 0.05, 0.01], skip={(0, "b"), (3, "w")}),
    ]
    clips = [clip_case(1.0, 1.0), clip_case(100.0, 1.0), clip_case(0.5, 3.0)]
    out = {"torch": torch.__version__, "shapes": SHAPES, "cases": cases, "clip": clips}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
