"""Vanishing gradients, seen: a 10-layer sigmoid MLP beside a 10-layer ReLU MLP with He init, on digits.

Both networks get the same batches of digits (pixels scaled to [0, 1]) and a cross-entropy loss;
:class:`~glassnet.diagnostics.GradientFlow` records ||dL/dW|| of every Linear layer and ||dL/dh||
of every layer's output. The sigmoid's derivative is at most 1/4, so each layer the gradient
travels through shrinks it; He-initialised ReLU layers keep it roughly level. The script prints
both gradient profiles, the ratio of the first-layer norms, and writes the comparison plots.

Run:  python examples/diagnostics_depth.py [--out DIR] [--batches N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet import nn
from glassnet.data import load_digits
from glassnet.diagnostics import ActivationStats, GradientFlow, plot_dead_units, plot_gradient_flow


def deep_mlp(activation: str, depth: int = 10, width: int = 64, rng=None) -> nn.Sequential:
    """``depth`` Linear layers 64 -> width -> ... -> 10 with ``activation`` between them.

    ReLU layers start from He (Kaiming) normal weights, sigmoid layers from Glorot (Xavier) normal
    weights, each the initialisation made for its activation; biases start at 0.
    """
    sizes = [64] + [width] * (depth - 1) + [10]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out, rng=rng)
        if activation == "relu":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=rng)
        else:
            nn.init.xavier_normal_(linear.weight, rng=rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < depth - 1:
            layers.append(nn.ReLU() if activation == "relu" else nn.Sigmoid())
    return nn.Sequential(*layers)


def measure(model: nn.Module, X: np.ndarray, y: np.ndarray, batches: int, batch_size: int = 128):
    """Gradient norms and activation statistics over ``batches`` forward/backward passes (no update)."""
    loss_fn = nn.CrossEntropyLoss()
    with GradientFlow(model, track_outputs=(nn.Linear,)) as flow, ActivationStats(model) as stats:
        for b in range(batches):
            xb, yb = X[b * batch_size : (b + 1) * batch_size], y[b * batch_size : (b + 1) * batch_size]
            model.zero_grad()
            loss_fn(model(gn.tensor(xb)), yb).backward()
    return flow, stats


def main(out_dir: str | Path | None = None, batches: int = 3, seed: int = 0) -> dict[str, float]:
    X, y = load_digits()
    X = X / 16.0
    order = np.random.default_rng(seed).permutation(len(X))
    X, y = X[order], y[order]
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="glassnet-diagnostics-"))
    out.mkdir(parents=True, exist_ok=True)

    flows, stats = {}, {}
    for activation in ("sigmoid", "relu"):
        model = deep_mlp(activation, rng=np.random.default_rng(seed))
        flows[activation], stats[activation] = measure(model, X, y, batches)
        print(f"\n{activation} MLP, 10 layers:\n{flows[activation].summary()}")

    first = {a: float(np.mean(flow.norms["0.weight"])) for a, flow in flows.items()}
    ratio = first["relu"] / first["sigmoid"]
    print(f"\nfirst-layer ||dL/dW||: sigmoid {first['sigmoid']:.3e}, relu {first['relu']:.3e}, ratio {ratio:.3g}x")
    print(f"dead ReLU units per layer: {stats['relu'].dead_fraction()}")
    print(f"saturated sigmoid outputs per layer: {stats['sigmoid'].saturation_fraction()}")

    title = "10-layer MLPs on digits: weight gradient norm per layer"
    plot_gradient_flow(flows, title=title, ylabel="||dL/dW||", path=out / "gradient_flow.png")
    plot_gradient_flow(
        {a: flow.output_norms for a, flow in flows.items()},
        title="Gradient reaching each layer's output",
        ylabel="||dL/dh||",
        path=out / "output_gradient_flow.png",
    )
    plot_dead_units(stats["relu"], title="ReLU MLP: dead units", path=out / "dead_units.png")
    print(f"plots written to {out}")
    return {"sigmoid_first_layer": first["sigmoid"], "relu_first_layer": first["relu"], "ratio": ratio}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="folder for the PNG files (default: a new temporary folder)")
    parser.add_argument("--batches", type=int, default=3, help="batches of 128 digits to average over")
    args = parser.parse_args()
    main(args.out, args.batches)
