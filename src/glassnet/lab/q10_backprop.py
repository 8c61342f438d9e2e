"""Q10. What are forward and backward propagation?"""

from __future__ import annotations

import time

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..gradcheck import numerical_grad
from ..tensor import Tensor
from .framework import AtMost, Claim, Context, Custom, Experiment, Result, Table, Verdict
from .plots import figure


def _mlp(rng: np.random.Generator, sizes=(64, 16, 16, 10)) -> nn.Module:
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out, dtype=np.float64, rng=rng), nn.Tanh()]
    return nn.Sequential(*layers[:-1])


def _gradient_errors(model: nn.Module, x: np.ndarray, y: np.ndarray) -> dict:
    """Relative error ||backprop - finite differences|| / ||finite differences||, per parameter."""
    params = list(model.named_parameters())
    model.zero_grad()
    F.cross_entropy(model(Tensor(x)), y).backward()
    loss_of = lambda *_: F.cross_entropy(model(Tensor(x)), y)  # reads the perturbed parameter in place
    errors = {}
    for name, p in params:
        numeric = numerical_grad(loss_of, [p], 0)
        errors[name] = float(np.linalg.norm(p.grad - numeric) / np.linalg.norm(numeric))
    return errors


def _median_seconds(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def run(ctx: Context) -> Result:
    from ..data import load_digits

    x, y = load_digits()
    x = (x / 16.0).astype(np.float64)
    rng = ctx.rng()
    model = _mlp(rng)
    n_params = sum(p.numel() for p in model.parameters())
    pick = rng.choice(len(x), 20, replace=False)
    errors = _gradient_errors(model, x[pick], y[pick])

    # Backprop computes gradients; it does not move the weights. The optimizer does.
    before = [p.data.copy() for p in model.parameters()]
    model.zero_grad()
    loss = F.cross_entropy(model(Tensor(x[:256])), y[:256])
    loss.backward()
    changed_by_backward = sum(int(np.any(p.data != b)) for p, b in zip(model.parameters(), before))
    optim.SGD(model.parameters(), lr=0.5).step()
    with_no_step = loss.item()
    after_step = F.cross_entropy(model(Tensor(x[:256])), y[:256]).item()

    # Cost: one forward vs forward + backward, on a batch of 256, versus finite differences (2 forwards per weight).
    batch = Tensor(x[:256])
    repeats = ctx.pick(50, 10)
    forward = _median_seconds(lambda: F.cross_entropy(model(batch), y[:256]), repeats)
    both = _median_seconds(lambda: F.cross_entropy(model(batch), y[:256]).backward(), repeats)
    ratio = both / forward

    table = Table("Backprop vs central finite differences (float64, 20 digits)", ["parameter", "relative error"])
    for name, err in errors.items():
        table.add(name, err)
    cost = Table("Cost of the gradient of all parameters", ["method", "time (ms)", "in forward passes"])
    cost.add("forward only", forward * 1e3, 1.0)
    cost.add("forward + backward", both * 1e3, ratio)
    cost.add(f"finite differences ({n_params:,} weights)", 2 * n_params * forward * 1e3, 2 * n_params)

    fig, (left, right) = figure(1, 2, width=10)
    left.bar(range(len(errors)), list(errors.values()), color="#4c72b0")
    left.set_xticks(range(len(errors)), list(errors), rotation=45, ha="right")
    left.set_yscale("log")
    left.set_ylabel("relative error (norm)")
    left.set_title("backprop vs finite differences")
    right.bar(["forward", "forward+\nbackward", "finite\ndifferences"], [1, ratio, 2 * n_params], color="#55a868")
    right.set_yscale("log")
    right.set_ylabel("cost in forward passes")
    right.set_title(f"gradient cost, {n_params:,} parameters")

    metrics = {
        "max_rel_error": max(errors.values()),
        "params_changed_by_backward": changed_by_backward,
        "loss_drop_after_optimizer_step": with_no_step - after_step,
        "backward_cost_in_forwards": ratio,
        "finite_difference_cost_in_forwards": 2 * n_params,
    }
    return Result(metrics=metrics, figures={"gradient check and cost": fig}, tables=[table, cost])


def _backprop_minimises(m: dict) -> Verdict:
    """Backprop alone minimising the error would mean backward() moves the weights and lowers the loss."""
    if m["params_changed_by_backward"] > 0:
        return Verdict.SUPPORTED
    return Verdict.REFUTED if m["loss_drop_after_optimizer_step"] > 0 else Verdict.NOT_SUPPORTED


EXPERIMENT = Experiment(
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
        Claim(
            "exact_gradients",
            "Backpropagation gives the gradient of the loss with respect to every weight and bias.",
            AtMost("max_rel_error", 1e-6, 1e-4, 1e-2),
        ),
        Claim(
            "cheap_gradient",
            "A backward pass costs a few forward passes, not one per weight.",
            AtMost("backward_cost_in_forwards", 4.0, 10.0, 100.0),
        ),
        Claim(
            "backprop_minimises",
            "Backpropagation itself minimises the error.",
            Custom(
                _backprop_minimises,
                "supported if backward() alone changes weights; refuted if it changes none while one optimizer "
                "step with its gradients lowers the loss; otherwise not supported",
                ("params_changed_by_backward", "loss_drop_after_optimizer_step"),
                {
                    Verdict.SUPPORTED: {"params_changed_by_backward": 3, "loss_drop_after_optimizer_step": 0.1},
                    Verdict.REFUTED: {"params_changed_by_backward": 0, "loss_drop_after_optimizer_step": 0.1},
                    Verdict.NOT_SUPPORTED: {"params_changed_by_backward": 0, "loss_drop_after_optimizer_step": -0.1},
                },
            ),
        ),
    ),
    data="scikit-learn digits (8x8 images, pixels / 16); a 64-16-16-10 tanh MLP in float64",
    references=(
        "Rumelhart, Hinton & Williams (1986). Learning representations by back-propagating errors. Nature 323.",
        "Linnainmaa (1970); Werbos (1974): reverse-mode differentiation before neural networks.",
        "Griewank & Walther (2008). Evaluating Derivatives, 2nd ed., SIAM: the cost bound of the reverse mode.",
        "Goodfellow, Bengio & Courville (2016). Deep Learning, section 6.5.",
    ),
    run=run,
)
