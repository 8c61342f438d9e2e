"""Q06. What is leaky ReLU, and why use it?

The derivative checks are exact float64 computations; everything drawn at random (the training runs
with ReLU'(0) = 0, 0.5, 1 and the gradient probes of deep nets) is measured once per seed and judged
by its 95% interval. The ReLU'(0) comparison is judged only once the network it trains has learned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import Tensor, autograd, from_numpy, nn, no_grad
from ..diagnostics import GradientFlow
from ..nn import functional as F
from . import framework as lab
from .common import correct, digits_split, train
from .plots import figure, titled

_CONVENTIONS = (0.0, 0.5, 1.0)  # the value used for ReLU'(0)
_GAINS = (0.5, 0.7, 0.85, 1.0, 1.2, 1.4, 1.7, 2.0)  # weight scale relative to He initialisation
_DEPTH, _WIDTH = 20, 64
LEARNED = 0.9  # test accuracy the ReLU network must reach before its training runs say anything
SAME_LOSS = 1e-12  # loss curves closer than this at every step are the same run
_ACTS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "identity": nn.Identity}  # nn.LeakyReLU: slope 0.01


@dataclass(frozen=True)
class Record:
    """What a primary source says about why a method was introduced: a claim about history is checked against it,
    while what the method does is measured."""

    source: str
    problems: tuple[str, ...]  # the problems the source says the method addresses, as ZERO_GRADIENT, EXPLODING, ...
    quote: str  # the source's own words

    def gives_as_reason(self, problem: str) -> bool:
        """Whether the source introduced the method for ``problem``."""
        return problem in self.problems


ZERO_GRADIENT = "the zero gradient of inactive units (ReLU passes none for x < 0)"
EXPLODING = "exploding gradients"


MAAS_2013 = Record(
    source="Maas, Hannun & Ng (2013)",
    problems=(ZERO_GRADIENT,),
    quote="a small, non-zero gradient when the unit is saturated and not active",
)


class _ReluWithSlopeAtZero(autograd.Function):
    """y = max(x, 0); dy/dx = 1 for x > 0, 0 for x < 0, and ``at_zero`` at exactly x = 0.

    Computed on the arrays with NumPy's type promotion: in a float32 network the gradient leaves it in float64.
    """

    @staticmethod
    def forward(ctx, x, at_zero):
        ctx.save_for_backward(x)
        ctx.at_zero = at_zero
        return from_numpy(np.maximum(x.numpy(), 0))

    @staticmethod
    def backward(ctx, grad):
        x = ctx.saved_tensors[0].numpy()
        return from_numpy(grad.numpy() * ((x > 0) + ctx.at_zero * (x == 0))), None


class _CountingReLU(nn.Module):
    """ReLU with a chosen ReLU'(0) that counts, in training mode, the pre-activations it sees: zero and negative."""

    def __init__(self, at_zero: float):
        super().__init__()
        self.at_zero = at_zero
        self.zeros = self.negatives = self.seen = 0

    def forward(self, x: Tensor) -> Tensor:
        if self.training:
            self.zeros += int(np.count_nonzero(x.numpy() == 0))
            self.negatives += int(np.count_nonzero(x.numpy() < 0))
            self.seen += x.numpy().size
        return _ReluWithSlopeAtZero.apply(x, self.at_zero)

    def extra_repr(self) -> str:
        return f"at_zero={self.at_zero}"


def _relu_net(at_zero: float, seed: int, dtype) -> nn.Sequential:
    """64-128-128-10, He-normal weights and zero biases, drawn identically for every ``at_zero``."""
    rng = np.random.default_rng(seed)
    layers = []
    for k, (fan_in, fan_out) in enumerate([(64, 128), (128, 128), (128, 10)]):
        linear = nn.Linear(fan_in, fan_out, dtype=dtype, rng=rng)
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if k < 2:
            layers.append(_CountingReLU(at_zero))
    return nn.Sequential(*layers)


def _train_conventions(seed: int, epochs: int, data, dtype=np.float64, conventions=_CONVENTIONS) -> dict:
    """Train the same network from the same start with each ReLU'(0); losses per step and counts."""
    x_train, x_test, y_train, y_test = data
    x = x_train.astype(dtype)
    out = {}
    for c in conventions:
        model = _relu_net(c, seed, dtype)
        history = train(model, x, y_train, epochs=epochs, batch_size=64, lr=1e-3, optimizer="adam", seed=seed)
        relus = [m for m in model if isinstance(m, _CountingReLU)]
        out[c] = {
            "losses": np.asarray(history.iteration_loss),
            "weights": np.concatenate([p.numpy().ravel() for p in model.parameters()]),
            "zeros": sum(r.zeros for r in relus),
            "negatives": sum(r.negatives for r in relus),
            "seen": sum(r.seen for r in relus),
            "correct": correct(model, x_test.astype(dtype), y_test),
        }
    return out


def _one_sided(fn, x0: float = 0.0, h: float = 1e-6) -> tuple[float, float]:
    """Left and right difference quotients of ``fn`` at ``x0`` (float64)."""
    with no_grad():
        f = lambda v: float(fn(Tensor(np.array([v], np.float64))).numpy()[0])  # noqa: E731
        return (f(x0) - f(x0 - h)) / h, (f(x0 + h) - f(x0)) / h


def _autograd_at(fn, x0: float = 0.0) -> float:
    x = Tensor(np.array([x0], np.float64), requires_grad=True)
    fn(x).sum().backward()
    return float(x.grad.numpy()[0])


def _scaled_deep_net(gain: float, rng: np.random.Generator, act: str) -> nn.Sequential:
    """64-(64 x 20)-10 in float64, biases 0, W ~ N(0, gain^2 * c / fan_in): c = 2 for the rectifiers (He), 1 for
    identity. ReLU and leaky ReLU draw the same weights from the same ``rng``, so they differ only in the activation."""
    sizes = (64,) + (_WIDTH,) * _DEPTH + (10,)
    c = 1.0 if act == "identity" else 2.0
    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out, dtype=np.float64, rng=rng)
        nn.init.normal_(linear.weight, 0.0, gain * np.sqrt(c / fan_in), rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if k < len(sizes) - 2:
            layers.append(_ACTS[act]())
    return nn.Sequential(*layers)


def _gradient_growth(gain: float, seed: int, act: str, x, y) -> tuple[np.ndarray, float]:
    """||dL/dz_l|| per linear layer (bottom to top) and the largest ||dL/dz_l|| / ||dL/dh_l|| over the ReLUs."""
    rng = np.random.default_rng(seed)
    model = _scaled_deep_net(gain, rng, act)
    pick = rng.choice(len(x), 256, replace=False)
    with GradientFlow(model, param_names=(), track_outputs=(nn.Linear, nn.ReLU)) as flow:
        nn.CrossEntropyLoss()(model(Tensor(x[pick])), y[pick]).backward()
    norms = flow.output_norms
    linear = np.array([norms[name][0] for name, m in model.named_modules() if isinstance(m, nn.Linear)])
    relu = np.array([norms[name][0] for name, m in model.named_modules() if isinstance(m, nn.ReLU)])
    # ReLU k sits between linear k (below, its input z_k) and linear k + 1 (above): dL/dz_k = relu'(z_k) * dL/dh_k
    relu_step = float(np.max(linear[: len(relu)] / relu)) if len(relu) else 0.0
    return linear, relu_step


def _convention_metrics(run: dict) -> dict:
    """One seed's three ReLU'(0) runs as metrics: how far apart they went, and how often x == 0 and x < 0 were seen."""
    base = run[0.0]  # the counts are the same for every convention when the runs agree
    return {
        "max_loss_gap_between_conventions": max(
            float(np.max(np.abs(r["losses"] - base["losses"]))) for r in run.values()
        ),
        "exact_zero_fraction": base["zeros"] / base["seen"],
        "zero_gradient_fraction": base["negatives"] / base["seen"],
        "relu_net_test_accuracy": base["correct"],
    }


def run(ctx: lab.Context) -> lab.Result:
    data = digits_split()
    x_train, y_train = data[0].astype(np.float64), data[2]

    # 1. ReLU'(0) in {0, 0.5, 1}: the same float64 training run three times, and how often x == 0 happens.
    # Three seeds even in quick mode, so that every quantity has an interval; a few epochs are enough there,
    # since the question is whether the conventions ever differ, not how far training gets.
    seeds = ctx.seeds(full=3, quick=3)
    epochs = ctx.pick(20, 5)
    runs = {s: _train_conventions(s, epochs, data) for s in seeds}
    conventions = lab.summarise([_convention_metrics(r) for r in runs.values()], seeds)
    loss_gap = conventions["max_loss_gap_between_conventions"].values
    weight_gap = max(float(np.max(np.abs(r[c]["weights"] - r[0.0]["weights"]))) for r in runs.values() for c in r)
    zeros, negatives, seen = (sum(r[0.0][k] for r in runs.values()) for k in ("zeros", "negatives", "seen"))
    test_acc = conventions["relu_net_test_accuracy"]
    float32 = _train_conventions(seeds[0], epochs, data, np.float32, conventions=(0.0,))[0.0]

    # 2. and 3. One-sided derivatives at 0 and leaky ReLU's outputs for negative inputs.
    smooth_and_kinked = {
        "leaky_relu (0.01)": lambda t: F.leaky_relu(t, 0.01),
        "relu": F.relu,
        "elu (alpha 1)": F.elu,
        "softplus": F.softplus,
    }
    sides = {name: _one_sided(fn) for name, fn in smooth_and_kinked.items()}
    at_zero = {name: _autograd_at(fn) for name, fn in smooth_and_kinked.items()}
    negative_x = -np.logspace(-6, 3, 1_000)
    with no_grad():
        leaky_out = F.leaky_relu(Tensor(negative_x), 0.01).numpy()
    left, right = sides["leaky_relu (0.01)"]

    # 4. Exploding gradients in deep nets as the weight scale moves away from He's: ReLU, leaky ReLU on the same
    # weight draws, and a net without activation as the control.
    probe_seeds = ctx.seeds(full=10, quick=3)

    def growth_at(act, gain):
        def measure(seed):
            norms, step = _gradient_growth(gain, seed, act, x_train, y_train)
            return {"growth": np.log10(norms[0] / norms[-1]), "relu_step": step}

        return lab.over_seeds(probe_seeds, measure)

    sweep = {(act, g): growth_at(act, g) for act in _ACTS for g in _GAINS}
    growth = {key: m["growth"] for key, m in sweep.items()}
    relu_step = max(max(m["relu_step"].values) for m in sweep.values())
    profile = {g: _gradient_growth(g, probe_seeds[0], "relu", x_train, y_train)[0] for g in _GAINS}
    profile = {g: np.log10(norms / norms[-1]) for g, norms in profile.items()}
    record_names_exploding = MAAS_2013.gives_as_reason(EXPLODING)

    metrics = {
        **{k: conventions[k] for k in ("max_loss_gap_between_conventions", "exact_zero_fraction")},
        "max_weight_gap_between_conventions": weight_gap,
        "exact_zero_preactivations": float(zeros),
        "zero_gradient_fraction": conventions["zero_gradient_fraction"],
        "relu_net_test_accuracy": test_acc,
        "leaky_relu_derivative_jump_at_0": right - left,
        "leaky_negative_output_fraction": float(np.mean(leaky_out < 0)),
        "leaky_output_to_input_ratio": float(np.max(leaky_out / negative_x)),
        "relu_he_log10_gradient_growth": growth["relu", 1.0],
        "relu_gain2_log10_gradient_growth": growth["relu", 2.0],
        "identity_gain2_log10_gradient_growth": growth["identity", 2.0],
        "leaky_gain2_log10_gradient_growth": growth["leaky_relu", 2.0],
        # The same draws scaled for each net (same seed, same batch), so the differences are paired seed by seed.
        "relu_gain2_excess_over_linear": lab.paired_difference(growth["relu", 2.0], growth["identity", 2.0]),
        "leaky_gain2_growth_reduction": lab.paired_difference(growth["relu", 2.0], growth["leaky_relu", 2.0]),
        "max_relu_step_gain": relu_step,
    }

    kink = lab.Table(
        f"ReLU'(0) set to 0, 0.5 or 1: the same run three times (float64, 64-128-128-10, Adam 1e-3, batch 64, "
        f"{epochs} epochs, {len(seeds)} seeds)",
        ["quantity", "value"],
    )
    kink.add("pre-activations seen in training (per convention)", seen)
    kink.add("... exactly 0", zeros)
    kink.add("... negative (ReLU passes no gradient)", negatives)
    kink.add("largest absolute loss difference between conventions, any step", max(loss_gap))
    kink.add("largest absolute weight difference after training", weight_gap)
    kink.add("test accuracy (mean over seeds, ReLU'(0) = 0)", test_acc.mean)
    kink.add(f"float32 run: pre-activations exactly 0 out of {float32['seen']:,}", float32["zeros"])
    derivs = lab.Table(
        "Difference quotients at 0 (h = 1e-6, float64) and the value autograd returns at exactly 0",
        ["function", "left derivative", "right derivative", "jump", "autograd at 0"],
    )
    for name, (lo, hi) in sides.items():
        derivs.add(name, lo, hi, hi - lo, at_zero[name])
    explode = lab.Table(
        f"log10 ‖dL/dz_1‖ / ‖dL/dz_21‖ at initialisation, 20 hidden layers of 64, batch 256, {len(probe_seeds)} seeds "
        "(weights N(0, gain² c / fan_in): c = 2 with ReLU and leaky ReLU, the same draws; 1 without activation)",
        ["gain", "ReLU: mean", "ReLU: min", "ReLU: max", "leaky ReLU (0.01): mean", "no activation: mean"],
    )
    for g in _GAINS:
        e = growth["relu", g]
        explode.add(g, e.mean, min(e.values), max(e.values), growth["leaky_relu", g].mean, growth["identity", g].mean)
    record = lab.Table(
        "The record: why leaky ReLU was introduced, against the claim's reason",
        ["source", "problem it was introduced for", "in their words", f"introduced for {EXPLODING}"],
    )
    record.add(MAAS_2013.source, "; ".join(MAAS_2013.problems), MAAS_2013.quote, record_names_exploding)

    figures = {
        "the kink at 0": _kink_figure(runs[seeds[0]], sides),
        "gradient growth vs weight scale": _explode_figure(growth, profile),
    }
    same = "bit-identical" if max(loss_gap) == 0 and weight_gap == 0 else "nearly identical"
    notes = [
        f"Over {seen:,} pre-activations per convention, {zeros} were exactly 0, so ReLU'(0) was "
        f"{'never' if zeros == 0 else 'hardly ever'} used and the three conventions gave {same} losses and weights. "
        "In float32 exact zeros are still rare but not impossible; they grow common in low precision or with inputs "
        "that are exactly 0 and zero biases.",
        f"{negatives / seen:.0%} of the pre-activations were negative: there ReLU passes no gradient at all, which "
        "is the problem leaky ReLU was proposed for (Maas et al., 2013), not the kink.",
        "The ReLU step never increased a gradient's norm (largest ‖dL/dz‖ / ‖dL/dh‖ across a ReLU: "
        f"{relu_step:.3g}); the growth comes from the weight matrices, and a network with no activation at all "
        "grows the same way once its weights are scaled up. At twice the critical scale, log10 growth: ReLU "
        f"{growth['relu', 2.0]}, no activation {growth['identity', 2.0]}; with He's weights ReLU "
        f"{growth['relu', 1.0]}.",
        f"Leaky ReLU on the same weights grows by {growth['leaky_relu', 2.0]} decades at twice He's scale, ReLU by "
        f"{growth['relu', 2.0]}: its small negative slope passes 1% of the gradient where ReLU passes none, which "
        "cannot stop weights that amplify the signal at every layer. On the record "
        f"({MAAS_2013.source}), it was introduced for {'; '.join(MAAS_2013.problems)}; "
        f"{'so was' if record_names_exploding else 'not'} for {EXPLODING}.",
    ]
    return lab.Result(metrics=metrics, figures=figures, tables=[kink, derivs, explode, record], notes=notes)


def _kink_figure(first: dict, sides: dict):
    fig, (a, b, c) = figure(1, 3, width=15, height=4)
    x = np.linspace(-1.0, 1.0, 401)
    with no_grad():
        a.plot(x, F.leaky_relu(Tensor(x), 0.1).numpy(), color="#4c72b0", label="leaky ReLU, slope 0.1")
        a.plot(x, F.relu(Tensor(x)).numpy(), "--", color="#8c8c8c", label="ReLU")
    a.axhline(0, color="k", lw=0.5)
    titled(a, "leaky ReLU (slope 0.1 for visibility)", x="x", y="f(x)", legend=True)
    names = list(sides)
    pos = np.arange(len(names))
    b.bar(pos - 0.2, [sides[n][0] for n in names], 0.4, label="left derivative at 0", color="#dd8452")
    b.bar(pos + 0.2, [sides[n][1] for n in names], 0.4, label="right derivative at 0", color="#4c72b0")
    b.set_xticks(pos, names, rotation=15)
    titled(b, "one-sided derivatives at 0 (unequal: a kink)", y="difference quotient, h = 1e-6")
    b.set_ylim(0, 1.25)
    b.legend(fontsize=8, loc="upper center", ncol=2)
    for conv, style in zip(_CONVENTIONS, ["-", "--", ":"]):
        c.plot(first[conv]["losses"], style, lw=1.2, label=f"ReLU'(0) = {conv:g}")
    c.set_yscale("log")
    titled(
        c, "three conventions, one curve (identical bits)", x="optimizer step", y="training loss (float64)", legend=True
    )
    return fig


def _explode_figure(growth: dict, profile: dict):
    fig, (left, right) = figure(1, 2, width=12, height=4.2)
    for act, color, style, label in (
        ("relu", "#4c72b0", "o-", "ReLU (He scale x gain)"),
        ("leaky_relu", "#dd8452", "x--", "leaky ReLU (0.01), same weights"),
        ("identity", "#8c8c8c", "s:", "no activation"),
    ):
        means = [growth[act, g].mean for g in _GAINS]
        sds = [growth[act, g].sd for g in _GAINS]
        left.errorbar(_GAINS, means, yerr=sds, fmt=style, color=color, capsize=3, label=label)
    left.axvline(1.0, color="k", ls="--", lw=1)
    left.axhline(0.0, color="k", lw=0.5)
    titled(
        left,
        "gradient at the first layer relative to the logits",
        x="weight gain (1 = He for ReLU, 1/fan_in variance without activation)",
        y="log10 ‖dL/dz_1‖ / ‖dL/dz_21‖",
        legend=True,
    )
    layers = np.arange(1, _DEPTH + 2)
    for g in (0.7, 1.0, 1.4, 2.0):
        right.plot(layers, profile[g], "o-", ms=3, label=f"gain {g:g}")
    titled(
        right,
        "ReLU net, one seed: signal per layer",
        x="linear layer l (1 = input side, 21 = logits)",
        y="log10 ‖dL/dz_l‖ / ‖dL/dz_21‖",
        legend=True,
    )
    return fig


# ------------------------------------------------------------------------------ verdict rules
# ReLU'(0) matters only if the conventions change training; if they never do while many pre-activations are
# negative (no gradient at all), the kink is not the main problem.
_KINK = lab.Decide(
    (lab.Verdict.SUPPORTED, lab.Above("max_loss_gap_between_conventions", 1e-3)),
    (lab.Verdict.PARTLY, lab.Above("max_loss_gap_between_conventions", SAME_LOSS, strict=True)),
    (lab.Verdict.REFUTED, lab.Above("zero_gradient_fraction", 0.1)),
    otherwise=lab.Verdict.NOT_SUPPORTED,
    note="Train the same float64 network with ReLU'(0) = 0, 0.5 and 1; the metric is, per seed, the largest loss "
    "difference between conventions at any step; zero_gradient_fraction is the share of negative pre-activations, "
    "where ReLU's gradient is 0",
)


def _growth_bands(metric: str, note: str) -> lab.Decide:
    """log10 growth judged in decades: >= 3 an explosion of its own, 1 to 3 partly, within ±1 none, below -1 the
    other way."""
    return lab.Decide(
        (lab.Verdict.SUPPORTED, lab.Above(metric, 3.0)),
        (lab.Verdict.PARTLY, lab.Above(metric, 1.0)),
        (lab.Verdict.NOT_SUPPORTED, lab.Above(metric, -1.0) & lab.Below(metric, 1.0, strict=True)),
        otherwise=lab.Verdict.REFUTED,
        note=note,
    )


_RELU_EXPLODES = _growth_bands(
    "relu_gain2_excess_over_linear",
    "growth = log10 of ‖dL/dz‖ at the first layer over the logits at initialisation, 20 hidden layers; ReLU is "
    "credited only with the decades it adds beyond a control without activation (the same weight draws, each net "
    "at twice its own critical scale), paired by seed",
)
_LEAKY_FIXES_EXPLODING = _growth_bands(
    "leaky_gain2_growth_reduction",
    f"Record: {MAAS_2013.source} introduced leaky ReLU for {'; '.join(MAAS_2013.problems)}, "
    f"{'and' if MAAS_2013.gives_as_reason(EXPLODING) else 'not'} for {EXPLODING}; the "
    "data ask whether it fixes them: decades of gradient growth that leaky ReLU removes from ReLU's on the same "
    "weights at twice He's scale (20 hidden layers), paired by seed",
)
_RELU_EXPLODES_HERE = lab.Gate(
    "relu_gain2_log10_gradient_growth",
    "the ReLU net's gradient explodes at twice He's scale (>= 3 decades of growth), so there is something to fix",
    at_least=3.0,
    kind="manipulation check",
)


EXPERIMENT = lab.described(
    "q06",
    claims=(
        lab.Claim(
            "kink_is_main_problem",
            "ReLU's main problem is that it is not differentiable at 0.",
            _KINK,
            gates=(
                lab.Gate(
                    "relu_net_test_accuracy",
                    f"the ReLU network learned the digits (test accuracy >= {LEARNED})",
                    at_least=LEARNED,
                ),
            ),
        ),
        lab.Claim(
            "leaky_differentiable",
            "Leaky ReLU is differentiable at 0.",
            lab.AtMost("leaky_relu_derivative_jump_at_0", supported=1e-4, partly=1e-2, refuted_above=0.1),
        ),
        lab.Claim(
            "leaky_negative_outputs",
            "Leaky ReLU outputs small negative values for negative inputs.",
            # On 1,000 inputs from -1e3 to -1e-6 (exact values): every output negative, and small (f(x) / x).
            lab.AllOf(
                (
                    lab.AtLeast("leaky_negative_output_fraction", supported=1.0, partly=1.0, refuted_below=0.5),
                    lab.AtMost("leaky_output_to_input_ratio", supported=0.1, partly=1.0, refuted_above=10.0),
                )
            ),
        ),
        lab.Claim("relu_explodes", "ReLU can cause exploding gradients.", _RELU_EXPLODES),
        lab.Claim(
            "leaky_fixes_exploding",
            "Leaky ReLU was introduced to fix exploding gradients.",
            _LEAKY_FIXES_EXPLODING,
            gates=(_RELU_EXPLODES_HERE,),
        ),
    ),
    run=run,
)
