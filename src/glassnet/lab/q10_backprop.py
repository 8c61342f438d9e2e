"""Q10. What are forward and backward propagation?"""

from __future__ import annotations

import time

import numpy as np

from .. import Tensor, nn, optim
from ..nn import functional as F
from ..train import count_parameters
from . import framework as lab
from .common import backprop_errors
from .plots import figure


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


def _one_model(seed: int, x: np.ndarray, y: np.ndarray, repeats: int, check: bool) -> dict:
    """Gradient check (if ``check``), what backward() and an optimizer step change, and the cost, for one
    initialisation."""
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
    return {"errors": errors, "changed": changed, "drop": drop, "forward": forward, "both": both, "ratio": ratio}


def run(ctx: lab.Context) -> lab.Result:
    from ..data import load_digits

    x, y = load_digits()
    x = (x / 16.0).astype(np.float64)
    seeds = ctx.seeds(full=5, quick=3)
    repeats = ctx.pick(50, 15)
    checked = ctx.pick(2, 1)  # the gradient check is exact arithmetic: one or two initialisations are enough
    runs = [_one_model(s, x, y, repeats, check=k < checked) for k, s in enumerate(seeds)]
    n_params = count_parameters(_mlp(np.random.default_rng(0)))
    errors = {name: max(r["errors"][name] for r in runs[:checked]) for name in runs[0]["errors"]}
    ratio = lab.estimate([r["ratio"] for r in runs], seeds)
    forward = float(np.median([r["forward"] for r in runs]))
    both = float(np.median([r["both"] for r in runs]))

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
    left.set_ylabel("relative error (norm)")
    left.set_title("backprop vs finite differences")
    right.bar(["forward", "forward+\nbackward", "finite\ndifferences"], [1, ratio.mean, 2 * n_params], color="#55a868")
    right.set_yscale("log")
    right.set_ylabel("cost in forward passes")
    right.set_title(f"gradient cost, {n_params:,} parameters")

    metrics = {
        "max_rel_error": max(errors.values()),
        "params_changed_by_backward": sum(r["changed"] for r in runs),
        "loss_drop_after_optimizer_step": lab.estimate([r["drop"] for r in runs], seeds),
        "backward_cost_in_forwards": ratio,
        "finite_difference_cost_in_forwards": 2 * n_params,
    }
    notes = [
        "The gradient check is exact arithmetic in float64 and reported as the worst case over the "
        "initialisations; the cost ratio is a timing, so it gets a 95% interval over initialisations (each the "
        "median of alternating forward and forward + backward timings).",
    ]
    return lab.Result(metrics=metrics, figures={"gradient check and cost": fig}, tables=[table, cost], notes=notes)


def _backprop_minimises(m: dict) -> lab.Judgement:
    """Backprop alone minimising the error would mean backward() moves the weights; if it moves none while an
    optimizer step with its gradients lowers the loss, the minimising is the optimizer's."""
    if m["params_changed_by_backward"] > 0:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    drop = m["loss_drop_after_optimizer_step"]
    if lab.low(drop) > 0:
        return lab.Judgement(lab.Verdict.REFUTED)
    if lab.high(drop) < 0:
        return lab.Judgement(
            lab.Verdict.NOT_SUPPORTED, "backward() moves no weight, and the optimizer step did not help either"
        )
    return lab.undecided(
        m,
        "loss_drop_after_optimizer_step",
        because="backward() moves no weight; whether the optimizer step lowers the loss",
    )


_MINIMISES = ("params_changed_by_backward", "loss_drop_after_optimizer_step")

EXPERIMENT = lab.Experiment(
    id="q10",
    question="What are forward and backward propagation?",
    answer=(
        "The forward pass evaluates the network from input to output and keeps the intermediate values. "
        "The backward pass (backpropagation, reverse-mode differentiation) walks the same graph from the loss "
        "back to the inputs, applying the chain rule once per operation, and yields the gradient of the loss with "
        "respect to every weight and bias. That costs a small constant number of forward passes whatever the "
        "number of weights, which is why it replaced finite differences. Backprop only computes gradients: "
        "an optimizer such as SGD or Adam then uses them to lower the loss."
    ),
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
            lab.Custom(
                _backprop_minimises,
                "over the initialisations: supported if backward() alone changes weights; refuted if it changes "
                "none while one SGD step with its gradients lowers the loss (95% CI of the drop above 0); not "
                "supported if it changes none and the step raises the loss (CI below 0); otherwise inconclusive",
                _MINIMISES,
                {
                    lab.Verdict.SUPPORTED: dict(zip(_MINIMISES, (3, 0.1))),  # the drop does not matter then
                    lab.Verdict.REFUTED: dict(zip(_MINIMISES, (0, lab.estimate_of(0.1, 0.12, 0.09)))),
                    lab.Verdict.NOT_SUPPORTED: dict(zip(_MINIMISES, (0, lab.estimate_of(-0.1, -0.12, -0.09)))),
                    lab.Verdict.INCONCLUSIVE: dict(zip(_MINIMISES, (0, lab.estimate_of(0.1, -0.12, 0.02)))),
                },
            ),
        ),
    ),
    data=(
        "scikit-learn digits (8x8 images, pixels / 16); a 64-16-16-10 tanh MLP in float64, five initialisations "
        "(three in quick mode)"
    ),
    references=(
        "Rumelhart, Hinton & Williams (1986). Learning representations by back-propagating errors. Nature 323.",
        "Linnainmaa (1970); Werbos (1974): reverse-mode differentiation before neural networks.",
        "Griewank & Walther (2008). Evaluating Derivatives, 2nd ed., SIAM: the cost bound of the reverse mode.",
        "Goodfellow, Bengio & Courville (2016). Deep Learning, section 6.5.",
    ),
    run=run,
)
