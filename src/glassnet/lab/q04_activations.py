"""Q04. What are activation functions?

Output ranges and the collapse of linear layers are exact computations. The trained networks are
measured once per seed; their claims are judged only once the tanh and ReLU networks have fitted the
data (the positive control), so that a failed fit can never count against the claim.
"""

from __future__ import annotations

import numpy as np

from .. import Tensor, nn, no_grad
from ..nn import functional as F
from . import framework as lab
from .common import accuracy, mlp, predict, train
from .plots import figure, titled

# The activations a textbook lists, evaluated through the library's own ops.
_FUNCTIONS = {
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "relu": F.relu,
    "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
    "elu": F.elu,
    "softplus": F.softplus,
}
_NETS = ("identity", "tanh", "relu")  # the hidden activation of the small classifiers
_COLORS = {"identity": "#8c8c8c", "tanh": "#4c72b0", "relu": "#dd8452"}
FITTED = 0.9  # training accuracy the tanh and ReLU networks must reach on both data sets (positive control)


def _output_ranges(x: np.ndarray) -> dict[str, tuple[float, float]]:
    ranges = {}
    with no_grad():
        for name, fn in _FUNCTIONS.items():
            y = fn(Tensor(x)).numpy()
            ranges[name] = (float(y.min()), float(y.max()))
    return ranges


def _linear_stack(rng: np.random.Generator, sizes=(2, 16, 16, 2)) -> list[nn.Linear]:
    return [nn.Linear(a, b, dtype=np.float64, rng=rng) for a, b in zip(sizes[:-1], sizes[1:])]


def _collapse_error(layers: list[nn.Linear], x: np.ndarray) -> float:
    """max |stack(x) - (x A^T + c)| where A = W3 W2 W1 and c = W3 (W2 b1 + b2) + b3: composed affine maps."""
    a, c = np.eye(x.shape[1]), np.zeros(x.shape[1])
    for layer in layers:
        w, b = layer.weight.numpy(), layer.bias.numpy()
        a, c = w @ a, w @ c + b
    with no_grad():
        out = Tensor(x)
        for layer in layers:
            out = layer(out)
    return float(np.abs(out.numpy() - (x @ a.T + c)).max())


def _affine_misfit(inputs: np.ndarray, outputs: np.ndarray) -> float:
    """||y - best affine fit|| / ||y - mean y||: 0 for an affine map, 1 when no affine map explains y at all."""
    design = np.hstack([inputs, np.ones((len(inputs), 1))]).astype(np.float64)
    y = outputs.astype(np.float64)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(np.linalg.norm(y - design @ coef) / np.linalg.norm(y - y.mean(axis=0)))


def _fit(act: str, x: np.ndarray, y: np.ndarray, seed: int, epochs: int) -> nn.Module:
    model = mlp((2, 16, 16, 2), act, init="he" if act == "relu" else "glorot", rng=np.random.default_rng(seed))
    train(model, x, y, epochs=epochs, batch_size=None, lr=0.03, optimizer="adam", seed=seed)
    return model


def run(ctx: lab.Context) -> lab.Result:
    from ..data import two_moons, xor

    # 1. Output ranges on a wide interval.
    wide = np.linspace(-100.0, 100.0, 20_001)
    ranges = _output_ranges(wide)
    bounded = {name: low >= -1.0 and high <= 1.0 for name, (low, high) in ranges.items()}

    # 2. Linear layers compose to one affine map (the trained non-linear nets below are checked against one too).
    rng = ctx.rng(1)
    layers = _linear_stack(rng)
    probe = rng.normal(0.0, 2.0, (2_000, 2))
    collapse = _collapse_error(layers, probe)

    # 3. Train linear / tanh / ReLU networks on XOR and two moons, several seeds, full-batch Adam.
    seeds = ctx.seeds(full=8, quick=3)
    epochs = ctx.pick(300, 150)
    datasets = {
        "XOR": xor(200, noise=0.15, seed=ctx.seed),
        "two moons": two_moons(500, noise=0.2, seed=ctx.seed),
    }
    first: dict[tuple[str, str], nn.Module] = {}  # the first seed's networks, for the figure

    def measure(seed: int) -> dict:
        """Training accuracy of every network, the worse non-linear network's gain over the linear one on each data
        set, and how far the moons networks' logits are from an affine map of the inputs."""
        out, misfit = {}, {}
        for data_name, (x, y) in datasets.items():
            for act in _NETS:
                model = _fit(act, x, y, seed, epochs)
                out[data_name, act] = accuracy(model, x, y)
                first.setdefault((data_name, act), model)
                if data_name == "two moons":
                    misfit[act] = _affine_misfit(x, predict(model, x))
        nonlinear = {d: min(out[d, "tanh"], out[d, "relu"]) for d in datasets}
        return {
            **{f"{d}|{act}": acc for (d, act), acc in out.items()},
            **{f"misfit|{act}": m for act, m in misfit.items()},
            "nonlinear_affine_misfit": min(misfit["tanh"], misfit["relu"]),
            "nonlinear_min_accuracy": min(nonlinear.values()),
            "xor_gain_over_linear": nonlinear["XOR"] - out["XOR", "identity"],
            "moons_gain_over_linear": nonlinear["two moons"] - out["two moons", "identity"],
        }

    measured = lab.over_seeds(seeds, measure)
    acc = {(d, act): measured[f"{d}|{act}"] for d in datasets for act in _NETS}
    misfit = {act: measured[f"misfit|{act}"].mean for act in _NETS}

    metrics = {
        "bounded_fraction": float(np.mean(list(bounded.values()))),
        "largest_output": max(high for _, high in ranges.values()),
        "linear_collapse_error": collapse,
        **{k: v for k, v in measured.items() if "|" not in k},  # the per-network accuracies go to the table
        "linear_xor_accuracy": acc["XOR", "identity"],
        "linear_moons_accuracy": acc["two moons", "identity"],
    }

    ranges_table = lab.Table(
        "Output range of each activation on x in [-100, 100] (20,001 points)",
        ["activation", "min output", "max output", "inside [-1, 1]?"],
    )
    for name, (low, high) in ranges.items():
        ranges_table.add(name, low, high, "yes" if bounded[name] else "no")
    acc_table = lab.Table(
        f"Training accuracy, 2-16-16-2 MLP, full-batch Adam, {epochs} epochs ({len(seeds)} seeds)",
        ["data", "hidden activation", "mean accuracy", "min", "max", "affine misfit of logits (mean)"],
    )
    for (data_name, act), e in acc.items():
        shown = misfit[act] if data_name == "two moons" else "-"
        acc_table.add(data_name, act, e.mean, min(e.values), max(e.values), shown)

    figures = {
        "output ranges": _range_figure(ranges),
        "decision regions and accuracy": _region_figure(datasets["two moons"], first, acc),
    }
    notes = [
        f"Three stacked float64 linear layers equal one affine map to {collapse:.1e} (max abs difference "
        "on 2,000 random inputs).",
        "The linear network's XOR accuracy sits near 50%, not at the 75% a well-placed line can reach: "
        "on balanced XOR, cross-entropy is minimised by predicting about 1/2 everywhere, so it does not look for "
        "that line.",
    ]
    return lab.Result(metrics=metrics, figures=figures, tables=[ranges_table, acc_table], notes=notes)


def _range_figure(ranges: dict):
    fig, (left, right) = figure(1, 2, width=11, height=4)
    x = np.linspace(-4.0, 4.0, 401)
    left.axhspan(-1.0, 1.0, color="#eeeeee", label="[-1, 1]")
    with no_grad():
        for (name, fn), style in zip(_FUNCTIONS.items(), ["-", "-", "-", ":", "--", "-."]):
            left.plot(x, fn(Tensor(x)).numpy(), style, lw=2 if name == "relu" else 1.5, label=name)
    left.set_ylim(-2.0, 4.0)
    titled(left, "activations near 0", x="input x", y="activation(x)")
    left.legend(fontsize=8, loc="upper left")
    names = list(ranges)
    for i, name in enumerate(names):
        low, high = ranges[name]
        right.plot([low, high], [i, i], lw=6, solid_capstyle="butt", color="#4c72b0")
    right.axvline(-1.0, color="k", ls="--", lw=1)
    right.axvline(1.0, color="k", ls="--", lw=1)
    right.set_xscale("symlog", linthresh=1.0)
    right.set_xticks([-1, 0, 1, 10, 100], ["-1", "0", "1", "10", "100"])
    right.set_yticks(range(len(names)), names)
    titled(right, "output range for x in [-100, 100]", x="output (symmetric log scale); dashed: -1 and 1")
    return fig


def _region_figure(moons, models: dict, acc: dict):
    x, y = moons
    fig, axes = figure(1, 4, width=15, height=3.8)
    lo, hi = x.min(axis=0) - 0.3, x.max(axis=0) + 0.3
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    for ax, act in zip(axes[:3], _NETS):
        label = predict(models["two moons", act], grid).argmax(axis=1).reshape(gx.shape)
        ax.contourf(gx, gy, label, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"])
        ax.scatter(x[:, 0], x[:, 1], c=np.where(y == 1, "#d95f02", "#1b5e9e"), s=6)
        ax.set_title(f"{act} hidden layers: {acc['two moons', act].values[0]:.1%} (first seed)", fontsize=10)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    bars = axes[3]
    width = 0.25
    for k, act in enumerate(_NETS):
        means = [acc[d, act].mean for d in ("XOR", "two moons")]
        errs = [acc[d, act].sd for d in ("XOR", "two moons")]
        bars.bar(np.arange(2) + (k - 1) * width, means, width, yerr=errs, color=_COLORS[act], label=act)
    bars.set_xticks([0, 1], ["XOR", "two moons"])
    bars.set_ylim(0.4, 1.02)
    titled(bars, "linear vs non-linear hidden layers", y="training accuracy (mean, sd)")
    bars.legend(fontsize=8, loc="lower right")
    return fig


_FITTED_GATE = lab.Gate("nonlinear_min_accuracy", "the tanh and ReLU nets fitted XOR and two moons", at_least=FITTED)

EXPERIMENT = lab.described(
    "q04",
    claims=(
        lab.Claim(
            "squash_outputs",
            "Activation functions squash a neuron's output into [0, 1] or [-1, 1].",
            lab.AtLeast("bounded_fraction", supported=1.0, partly=0.75, refuted_below=0.5),
        ),
        lab.Claim(
            "add_nonlinearity",
            "Activation functions are what make a network non-linear: without them the layers collapse "
            "into a single linear map.",
            # The linear stack equals its collapsed affine map (an exact float64 check), and the trained tanh/ReLU
            # networks' logits leave part of their variation unexplained by the best affine fit (the worse of
            # the two, per seed, as a share of the logits' spread).
            lab.AllOf(
                (
                    lab.AtMost("linear_collapse_error", supported=1e-10, partly=1e-10, refuted_above=1e-6),
                    lab.AtLeast("nonlinear_affine_misfit", supported=0.05, partly=1e-3, refuted_below=0.0),
                )
            ),
            gates=(_FITTED_GATE,),
        ),
        lab.Claim(
            "model_nonlinear_relations",
            "This non-linearity is what lets a network fit non-linear relationships such as XOR or two moons.",
            # Per seed, training accuracy of the worse of the tanh and ReLU networks minus the linear network's;
            # the claim must hold on both data sets.
            lab.AllOf((lab.Effect("xor_gain_over_linear", +1, 0.2), lab.Effect("moons_gain_over_linear", +1, 0.05))),
            gates=(_FITTED_GATE,),
        ),
    ),
    run=run,
)
