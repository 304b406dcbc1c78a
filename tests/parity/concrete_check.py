#!/usr/bin/env python3
"""Concrete Dropout parity: the engine's relaxed mask, regulariser and gradients (concrete_steps)
against a PyTorch implementation written from Gal, Hron and Kendall (2017) and their reference
code: drop = sigmoid((log p - log(1-p) + log u - log(1-u)) / t), x (1 - drop) / (1 - p), and the
regulariser l^2/N sum(W^2) / (1-p) + (2/N) K (p log p + (1-p) log(1-p)).

    concrete_check.py --tool build/tests/concrete_steps --work DIR

Exit code 77 (skipped) when this Python has no torch; the reason is printed.
"""
import argparse
import json
import os
import subprocess
import sys

try:
    import torch
except ImportError as error:  # a test dependency only (python3-torch)
    print(f"skipped: no torch in {sys.executable} ({error}); scripts/setup.sh --tests installs python3-torch")
    sys.exit(77)


def reference(case, temperature, length_scale, features, n):
    eps = 1e-7
    x = torch.tensor(case["x"], dtype=torch.float64).view(8, features).requires_grad_(True)
    u = torch.tensor(case["u"], dtype=torch.float64).view(8, features)
    w = torch.tensor(case["w"], dtype=torch.float64).view(10, features).requires_grad_(True)
    b = torch.tensor(case["b"], dtype=torch.float64).requires_grad_(True)
    rate = case["rate"]
    p_logit = torch.tensor([rate / (1 - rate)], dtype=torch.float64).log().requires_grad_(True)
    p = torch.sigmoid(p_logit)
    drop_prob = torch.sigmoid((torch.log(p + eps) - torch.log(1 - p + eps) + torch.log(u + eps) - torch.log(1 - u + eps)) / temperature)
    dropped = x * (1 - drop_prob) / (1 - p)
    weight_regulariser = length_scale ** 2 / n
    dropout_regulariser = 2.0 / n
    sum_of_squares = torch.sum(w ** 2) + torch.sum(b ** 2)
    reg = weight_regulariser * sum_of_squares / (1 - p)
    reg = reg + dropout_regulariser * features * (p * torch.log(p) + (1 - p) * torch.log(1 - p))
    reg = reg.sum()
    objective = torch.nn.functional.linear(dropped, w, b).pow(2).mean() + reg
    objective.backward()
    return dropped.detach(), reg.item(), p_logit.grad.item(), x.grad, w.grad


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    out = os.path.join(args.work, "concrete.json")
    subprocess.run([args.tool, out], check=True)
    with open(out) as f:
        engine = json.load(f)
    worst = 0.0
    for case in engine["cases"]:
        dropped, reg, grad_logit, grad_x, grad_w = reference(case, engine["temperature"], engine["length_scale"],
                                                             engine["features"], engine["training_size"])
        diffs = {
            "dropped": (dropped.flatten() - torch.tensor(case["dropped"], dtype=torch.float64)).abs().max().item(),
            "regulariser": abs(reg - case["regulariser"]),
            "grad_logit": abs(grad_logit - case["grad_logit"]) / max(1.0, abs(grad_logit)),
            "grad_x": (grad_x.flatten() - torch.tensor(case["grad_x"], dtype=torch.float64)).abs().max().item(),
            "grad_w": (grad_w.flatten() - torch.tensor(case["grad_w"], dtype=torch.float64)).abs().max().item(),
        }
        print(f"rate {case['rate']}: " + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))
        worst = max(worst, *diffs.values())
    if worst > 1e-9:
        print(f"FAIL: the engine and the reference differ by up to {worst:.3e} (allowed 1e-9, double precision)")
        return 1
    print(f"ok: at most {worst:.2e} apart")
    return 0


if __name__ == "__main__":
    sys.exit(main())
