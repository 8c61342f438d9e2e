"""Q10. What are forward and backward propagation?"""

from __future__ import annotations

import time

import numpy as np

from .. import Tensor, nn, optim
from ..nn import functional as F
from ..train import count_parameters
from . import framework as lab
from .common import backprop_errors
from .plots import figure, titled


def _mlp(rng: np.random.Generator, sizes=(64, 16, 16, 10)) -> nn.Module:
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out, dtype=np.float64, rng=rng), nn.Tanh()]
    return nn.Sequential(*layers[:-1])


def _cost_ratio(model: nn.Module, x: np.ndarray, y: np.ndarray, repeats: int) -> tuple[float, float, float]:
    """Median seconds of a forward pass and of forward + backward, timed in alternation, and their ratio.

    Alternating the two within one loop lets both see the same machine load, so the ratio is fairer than
    the raw times on a busy machine.
    """
    batch = Tensor(x)
    forward_only = lambda: F.cross_entropy(model(batch), y)  # noqa: E731
    both = lambda: F.cross_entropy(model(batch), y).backward()  # noqa: E731
    forward_only(), both()  # warm up
    times = {"forward": [], "both": []}
    for _ in range(repeats):
        for name, fn in (("forward", forward_only), ("both", both)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    forward, total = float(np.median(times["forward"])), float(np.median(times["both"]))
    return forward, total, total / forward


def _one_model(seed: int, x: np.ndarray, y: np.ndarray, repeats: int, check: bool) -> tuple[dict, dict]:
    """For one initialisation: the gradient check's errors per parameter (if ``check``), and as metrics what
    backward() and an optimizer step change and what the gradient costs."""
    rng = np.random.default_rng([seed, 10])
    model = _mlp(rng)
    pick = rng.choice(len(x), 20, replace=False)
    x_check, y_check = x[pick], y[pick]
    errors = backprop_errors(model, lambda: F.cross_entropy(model(Tensor(x_check)), y_check)) if check else {}

    # Backprop computes gradients; it does not move the weights. The optimizer does.
    batch = rng.choice(len(x), 256, replace=False)
    before = [p.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    loss = F.cross_entropy(model(Tensor(x[batch])), y[batch])
    loss.backward()
    changed = sum(int(np.any(p.numpy() != b)) for p, b in zip(model.parameters(), before))
    optim.SGD(model.parameters(), lr=0.5).step()
    drop = loss.item() - F.cross_entropy(model(Tensor(x[batch])), y[batch]).item()
    forward, both, ratio = _cost_ratio(model, x[batch], y[batch], repeats)
    measured = {
        "params_changed_by_backward": changed,
        "loss_drop_after_optimizer_step": drop,
        "backward_cost_in_forwards": ratio,
        "forward_seconds": forward,
        "forward_backward_seconds": both,
    }
    return errors, measured


def run(ctx: lab.Context) -> lab.Result:
    from ..data import load_digits

    x, y = load_digits()
    x = (x / 16.0).astype(np.float64)
    seeds = ctx.seeds(full=5, quick=3)
    repeats = ctx.pick(50, 15)
    checked = ctx.pick(2, 1)  # the gradient check is exact arithmetic: one or two initialisations are enough
    runs = [_one_model(s, x, y, repeats, check=k < checked) for k, s in enumerate(seeds)]
    per_seed = lab.summarise([measured for _, measured in runs], seeds)
    n_params = count_parameters(_mlp(np.random.default_rng(0)))
    errors = {name: max(e[name] for e, _ in runs[:checked]) for name in runs[0][0]}
    ratio = per_seed["backward_cost_in_forwards"]
    forward = float(np.median(per_seed["forward_seconds"].values))
    both = float(np.median(per_seed["forward_backward_seconds"].values))

    table = lab.Table(
        f"Backprop vs central finite differences (float64, 20 digits): largest relative error over {checked} "
        "initialisation(s)",
        ["parameter", "relative error"],
    )
    for name, err in errors.items():
        table.add(name, err)
    cost = lab.Table(
        f"Cost of the gradient of all parameters, batch of 256 (median of {repeats} alternating timings per "
        f"initialisation, median over {len(seeds)})",
        ["method", "time (ms)", "in forward passes"],
    )
    cost.add("forward only", forward * 1e3, 1.0)
    cost.add("forward + backward", both * 1e3, str(ratio))
    cost.add(f"finite differences ({n_params:,} weights)", 2 * n_params * forward * 1e3, 2 * n_params)

    fig, (left, right) = figure(1, 2, width=10)
    left.bar(range(len(errors)), list(errors.values()), color="#4c72b0")
    left.set_xticks(range(len(errors)), list(errors), rotation=45, ha="right")
    left.set_yscale("log")
    titled(left, "backprop vs finite differences", y="relative error (norm)")
    right.bar(["forward", "forward+\nbackward", "finite\ndifferences"], [1, ratio.mean, 2 * n_params], color="#55a868")
    right.set_yscale("log")
    titled(right, f"gradient cost, {n_params:,} parameters", y="cost in forward passes")

    metrics = {
        "max_rel_error": max(errors.values()),
        "params_changed_by_backward": float(sum(per_seed["params_changed_by_backward"].values)),
        "loss_drop_after_optimizer_step": per_seed["loss_drop_after_optimizer_step"],
        "backward_cost_in_forwards": ratio,
        "finite_difference_cost_in_forwards": 2 * n_params,
    }
    notes = [
        "The gradient check is exact arithmetic in float64 and reported as the worst case over the "
        "initialisations; the cost ratio is a timing, so it gets a 95% interval over initialisations (each the "
        "median of alternating forward and forward + backward timings).",
    ]
    return lab.Result(metrics=metrics, figures={"gradient check and cost": fig}, tables=[table, cost], notes=notes)


# Backprop alone minimising the error would mean backward() moves the weights; if it moves none while an optimizer
# step with its gradients lowers the loss, the minimising is the optimizer's.
_BACKPROP_MINIMISES = lab.Decide(
    (lab.Verdict.SUPPORTED, lab.Above("params_changed_by_backward", 0.0, strict=True)),
    (lab.Verdict.REFUTED, lab.Above("loss_drop_after_optimizer_step", 0.0, strict=True)),
    (lab.Verdict.NOT_SUPPORTED, lab.Below("loss_drop_after_optimizer_step", 0.0, strict=True)),
    note="Over the initialisations: how many parameter tensors backward() alone changed (summed), and the loss "
    "drop after one SGD step (lr 0.5) with the gradients it computed",
)

EXPERIMENT = lab.described(
    "q10",
    claims=(
        lab.Claim(
            "exact_gradients",
            "Backpropagation gives the gradient of the loss with respect to every weight and bias.",
            lab.AtMost("max_rel_error", 1e-6, 1e-4, 1e-2),
        ),
        lab.Claim(
            "cheap_gradient",
            "A backward pass costs a few forward passes, not one per weight.",
            lab.AtMost("backward_cost_in_forwards", 4.0, 10.0, 100.0),
        ),
        lab.Claim(
            "backprop_minimises",
            "Backpropagation itself minimises the error.",
            _BACKPROP_MINIMISES,
        ),
    ),
    run=run,
)
