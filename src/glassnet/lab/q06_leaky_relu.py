"""Q06. What is leaky ReLU, and why use it?

The derivative checks are exact float64 computations; everything drawn at random (the training runs
with ReLU'(0) = 0, 0.5, 1 and the gradient probes of deep nets) is measured once per seed and judged
by its 95% interval. The ReLU'(0) comparison is judged only once the network it trains has learned.
"""

from __future__ import annotations

import numpy as np

from .. import Tensor, autograd, from_numpy, nn, no_grad
from ..diagnostics import GradientFlow
from ..nn import functional as F
from . import framework as lab
from .common import correct, digits_split, train
from .plots import figure

_CONVENTIONS = (0.0, 0.5, 1.0)  # the value used for ReLU'(0)
_GAINS = (0.5, 0.7, 0.85, 1.0, 1.2, 1.4, 1.7, 2.0)  # weight scale relative to He initialisation
_DEPTH, _WIDTH = 20, 64
LEARNED = 0.9  # test accuracy the ReLU network must reach before its training runs say anything
SAME_LOSS = 1e-12  # loss curves closer than this at every step are the same run


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
    """64-(64 x 20)-10 in float64, biases 0, W ~ N(0, gain^2 * c / fan_in): c = 2 for ReLU (He), 1 for identity."""
    sizes = (64,) + (_WIDTH,) * _DEPTH + (10,)
    c = 2.0 if act == "relu" else 1.0
    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out, dtype=np.float64, rng=rng)
        nn.init.normal_(linear.weight, 0.0, gain * np.sqrt(c / fan_in), rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if k < len(sizes) - 2:
            layers.append(nn.ReLU() if act == "relu" else nn.Identity())
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


def run(ctx: lab.Context) -> lab.Result:
    data = digits_split()
    x_train, y_train = data[0].astype(np.float64), data[2]

    # 1. ReLU'(0) in {0, 0.5, 1}: the same float64 training run three times, and how often x == 0 happens.
    # Three seeds even in quick mode, so that every quantity has an interval; a few epochs are enough there,
    # since the question is whether the conventions ever differ, not how far training gets.
    seeds = ctx.seeds(full=3, quick=3)
    epochs = ctx.pick(20, 5)
    runs = {s: _train_conventions(s, epochs, data) for s in seeds}
    per_seed = [r[0.0] for r in runs.values()]  # the counts are the same for every convention when the runs agree
    loss_gap = [max(float(np.max(np.abs(r[c]["losses"] - r[0.0]["losses"]))) for c in r) for r in runs.values()]
    weight_gap = max(float(np.max(np.abs(r[c]["weights"] - r[0.0]["weights"]))) for r in runs.values() for c in r)
    zeros = sum(r["zeros"] for r in per_seed)
    negatives = sum(r["negatives"] for r in per_seed)
    seen = sum(r["seen"] for r in per_seed)
    test_acc = lab.over_items([r["correct"] for r in per_seed], seeds)
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

    # 4. Exploding gradients in a deep ReLU net as the weight scale moves away from He's.
    probe_seeds = ctx.seeds(full=10, quick=3)
    growth, relu_step = {}, 0.0
    profile = {}
    for act in ("relu", "identity"):
        for g in _GAINS:
            values = []
            for s in probe_seeds:
                norms, step = _gradient_growth(g, s, act, x_train, y_train)
                values.append(np.log10(norms[0] / norms[-1]))
                relu_step = max(relu_step, step)
                if act == "relu" and s == probe_seeds[0]:
                    profile[g] = np.log10(norms / norms[-1])
            growth[act, g] = lab.estimate(values, probe_seeds)

    metrics = {
        "max_loss_gap_between_conventions": lab.estimate(loss_gap, seeds),
        "max_weight_gap_between_conventions": weight_gap,
        "exact_zero_preactivations": float(zeros),
        "exact_zero_fraction": lab.estimate([r["zeros"] / r["seen"] for r in per_seed], seeds),
        "zero_gradient_fraction": lab.estimate([r["negatives"] / r["seen"] for r in per_seed], seeds),
        "relu_net_test_accuracy": test_acc,
        "leaky_relu_derivative_jump_at_0": right - left,
        "leaky_negative_output_fraction": float(np.mean(leaky_out < 0)),
        "leaky_output_to_input_ratio": float(np.max(leaky_out / negative_x)),
        "relu_he_log10_gradient_growth": growth["relu", 1.0],
        "relu_gain2_log10_gradient_growth": growth["relu", 2.0],
        "identity_gain2_log10_gradient_growth": growth["identity", 2.0],
        # The same draws scaled for each net (same seed, same batch), so the difference is paired seed by seed.
        "relu_gain2_excess_over_linear": lab.paired_difference(growth["relu", 2.0], growth["identity", 2.0]),
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
        "(weights N(0, gain² c / fan_in): c = 2 with ReLU, 1 without activation)",
        ["gain", "ReLU: mean", "ReLU: min", "ReLU: max", "no activation: mean"],
    )
    for g in _GAINS:
        e = growth["relu", g]
        explode.add(g, e.mean, min(e.values), max(e.values), growth["identity", g].mean)

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
        "grows the same way once its weights are scaled up.",
    ]
    return lab.Result(metrics=metrics, figures=figures, tables=[kink, derivs, explode], notes=notes)


def _kink_figure(first: dict, sides: dict):
    fig, (a, b, c) = figure(1, 3, width=15, height=4)
    x = np.linspace(-1.0, 1.0, 401)
    with no_grad():
        a.plot(x, F.leaky_relu(Tensor(x), 0.1).numpy(), color="#4c72b0", label="leaky ReLU, slope 0.1")
        a.plot(x, F.relu(Tensor(x)).numpy(), "--", color="#8c8c8c", label="ReLU")
    a.axhline(0, color="k", lw=0.5)
    a.set_xlabel("x")
    a.set_ylabel("f(x)")
    a.set_title("leaky ReLU (slope 0.1 for visibility)")
    a.legend(fontsize=8)
    names = list(sides)
    pos = np.arange(len(names))
    b.bar(pos - 0.2, [sides[n][0] for n in names], 0.4, label="left derivative at 0", color="#dd8452")
    b.bar(pos + 0.2, [sides[n][1] for n in names], 0.4, label="right derivative at 0", color="#4c72b0")
    b.set_xticks(pos, names, rotation=15)
    b.set_ylabel("difference quotient, h = 1e-6")
    b.set_title("one-sided derivatives at 0 (unequal: a kink)")
    b.set_ylim(0, 1.25)
    b.legend(fontsize=8, loc="upper center", ncol=2)
    for conv, style in zip(_CONVENTIONS, ["-", "--", ":"]):
        c.plot(first[conv]["losses"], style, lw=1.2, label=f"ReLU'(0) = {conv:g}")
    c.set_yscale("log")
    c.set_xlabel("optimizer step")
    c.set_ylabel("training loss (float64)")
    c.set_title("three conventions, one curve (identical bits)")
    c.legend(fontsize=8)
    return fig


def _explode_figure(growth: dict, profile: dict):
    fig, (left, right) = figure(1, 2, width=12, height=4.2)
    for act, color, label in (("relu", "#4c72b0", "ReLU (He scale x gain)"), ("identity", "#8c8c8c", "no activation")):
        means = [growth[act, g].mean for g in _GAINS]
        sds = [growth[act, g].sd for g in _GAINS]
        left.errorbar(_GAINS, means, yerr=sds, fmt="o-", color=color, capsize=3, label=label)
    left.axvline(1.0, color="k", ls="--", lw=1)
    left.axhline(0.0, color="k", lw=0.5)
    left.set_xlabel("weight gain (1 = He for ReLU, 1/fan_in variance without activation)")
    left.set_ylabel("log10 ‖dL/dz_1‖ / ‖dL/dz_21‖")
    left.set_title("gradient at the first layer relative to the logits")
    left.legend(fontsize=8)
    layers = np.arange(1, _DEPTH + 2)
    for g in (0.7, 1.0, 1.4, 2.0):
        right.plot(layers, profile[g], "o-", ms=3, label=f"gain {g:g}")
    right.set_xlabel("linear layer l (1 = input side, 21 = logits)")
    right.set_ylabel("log10 ‖dL/dz_l‖ / ‖dL/dz_21‖")
    right.set_title("ReLU net, one seed: signal per layer")
    right.legend(fontsize=8)
    return fig


# ------------------------------------------------------------------------------ verdict rules
def _kink_is_main_problem(m: dict):
    """The conventions for ReLU'(0) must change training for the kink to matter; if they never do while many
    pre-activations are negative (no gradient at all), the kink is not the main problem."""
    gap, dead = "max_loss_gap_between_conventions", "zero_gradient_fraction"
    if lab.low(m[gap]) >= 1e-3:
        return lab.Verdict.SUPPORTED
    if lab.low(m[gap]) > SAME_LOSS:
        return lab.Verdict.PARTLY
    if lab.high(m[gap]) > SAME_LOSS:
        return lab.undecided(m, gap, because=f"the loss gap may or may not exceed {SAME_LOSS:g}")
    if lab.low(m[dead]) >= 0.1:
        return lab.Verdict.REFUTED
    if lab.high(m[dead]) < 0.1:
        return lab.Verdict.NOT_SUPPORTED
    return lab.undecided(m, dead, because="the conventions agree; the share of zero-gradient units straddles 10%")


# What ReLU adds to the gradient's growth beyond the linear control at the same relative weight scale: an
# explosion (>= 3 decades) of its own supports the claim; an excess of 1 to 3 decades is partly; within 1
# decade either way, whatever explodes does so through the weights (not supported); 1 decade less, refuted.
_RELU_EXCESS = lab.AtLeast("relu_gain2_excess_over_linear", supported=3.0, partly=1.0, refuted_below=-1.0)


def _relu_explodes(m: dict):
    """ReLU is credited only with the growth it adds beyond the network without activation, whose weights are the
    same draws at twice its own critical scale; how much either net grows is context for the reason."""
    judged = _RELU_EXCESS.judge(m)
    if judged.verdict in (lab.Verdict.NOT_SUPPORTED, lab.Verdict.REFUTED):
        return lab.Judgement(
            judged.verdict,
            "at twice the critical weight scale, log10 gradient growth: ReLU net "
            f"{m['relu_gain2_log10_gradient_growth']}, control without activation "
            f"{m['identity_gain2_log10_gradient_growth']}; ReLU's excess {m['relu_gain2_excess_over_linear']}: the "
            "growth comes from the weights, not from ReLU",
        )
    return judged


def _kink(gap, dead) -> dict:
    return {"max_loss_gap_between_conventions": lab.estimate_of(*gap), "zero_gradient_fraction": lab.estimate_of(*dead)}


_RELU_GROWTH = (
    "relu_gain2_excess_over_linear",
    "relu_gain2_log10_gradient_growth",
    "identity_gain2_log10_gradient_growth",
    "relu_he_log10_gradient_growth",
)
_growths = lab.synthetic(*_RELU_GROWTH)
_HE = [0.1, -0.2, 0.0]  # no growth with He weights (context only)


EXPERIMENT = lab.Experiment(
    id="q06",
    question="What is leaky ReLU, and why is it used?",
    answer=(
        "Leaky ReLU keeps positive inputs and multiplies negative ones by a small slope (0.01 is usual) instead of "
        "setting them to 0. Its purpose is to keep a gradient flowing through units whose input is negative: plain "
        "ReLU passes no gradient there, and a unit that is negative for every input stops learning. It is not about "
        "differentiability: leaky ReLU has a kink at 0 just like ReLU (slopes 0.01 and 1 on either side), and in "
        "practice a pre-activation is almost never exactly 0, so the value chosen for the derivative there does not "
        "change training. ReLU does not make gradients explode by itself either, since its slope is 0 or 1: "
        "explosion comes from weights that amplify the signal at each layer."
    ),
    claims=(
        lab.Claim(
            "kink_is_main_problem",
            "ReLU's main problem is that it is not differentiable at 0.",
            lab.Custom(
                _kink_is_main_problem,
                "train the same float64 network with ReLU'(0) = 0, 0.5 and 1; per seed, the largest loss difference "
                "between conventions at any step, judged by its 95% interval: supported if it lies >= 1e-3; partly if "
                "it lies above 1e-12; refuted if it lies <= 1e-12 while the share of negative pre-activations (where "
                "ReLU's gradient is 0) lies >= 10%; not supported if that share lies below 10%; otherwise inconclusive",
                ("max_loss_gap_between_conventions", "zero_gradient_fraction"),
                {
                    lab.Verdict.SUPPORTED: _kink(gap=(0.05, 0.04, 0.06), dead=(0.5, 0.4, 0.45)),
                    lab.Verdict.PARTLY: _kink(gap=(1e-9, 2e-9, 1.5e-9), dead=(0.5, 0.4, 0.45)),
                    lab.Verdict.NOT_SUPPORTED: _kink(gap=(0.0, 0.0, 0.0), dead=(0.01, 0.02, 0.01)),
                    lab.Verdict.REFUTED: _kink(gap=(0.0, 0.0, 0.0), dead=(0.3, 0.31, 0.32)),
                    lab.Verdict.INCONCLUSIVE: _kink(gap=(0.0, 1e-6, 0.0), dead=(0.3, 0.31, 0.32)),
                },
            ),
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
        lab.Claim(
            "relu_explodes",
            "ReLU can cause exploding gradients.",
            lab.Custom(
                _relu_explodes,
                "growth = log10 of ‖dL/dz‖ at the first layer over the logits at initialisation, 20 hidden layers; "
                "ReLU is credited only with the growth it adds beyond a control without activation (the same weight "
                "draws, each net at twice its own critical scale: He's for ReLU, 1/fan_in without activation): "
                "excess = ReLU growth minus control growth, paired by seed, judged by its 95% interval: supported "
                "if it lies >= 3 decades (ReLU itself explodes the gradient); partly if it lies in [1, 3); not "
                "supported if in [-1, 1) (the control grows the same way: the weights, not ReLU, make it explode); "
                "refuted if below -1 (ReLU grows less than the control); inconclusive if it crosses one of these "
                "bars. Each net's own growth, and the ReLU net's with He weights, are context",
                _RELU_GROWTH,
                {
                    lab.Verdict.SUPPORTED: _growths([4.0, 4.5, 3.8], [10.0, 10.5, 9.8], [6.0, 6.0, 6.0], _HE),
                    lab.Verdict.PARTLY: _growths([1.5, 1.6, 1.4], [7.5, 7.6, 7.4], [6.0, 6.0, 6.0], _HE),
                    lab.Verdict.NOT_SUPPORTED: _growths([0.05, -0.1, 0.0], [6.05, 5.9, 6.0], [6.0, 6.0, 6.0], _HE),
                    lab.Verdict.REFUTED: _growths([-3.0, -3.2, -2.9], [3.0, 2.8, 3.1], [6.0, 6.0, 6.0], _HE),
                    lab.Verdict.INCONCLUSIVE: _growths([0.5, 3.0, 1.5], [6.5, 9.0, 7.5], [6.0, 6.0, 6.0], _HE),
                },
            ),
        ),
    ),
    data=(
        "scikit-learn digits, the lab's split (1,200 train / 597 test, pixels / 16): float64 64-128-128-10 ReLU "
        "networks trained three times with different ReLU'(0); 64-(64 x 20)-10 networks at initialisation (one batch "
        "of 256 per seed) for gradient growth; activation values on fixed grids for the derivative checks"
    ),
    references=(
        "Glorot, Bordes & Bengio (2011). Deep sparse rectifier neural networks. AISTATS.",
        "Maas, Hannun & Ng (2013). Rectifier nonlinearities improve neural network acoustic models. ICML Workshop "
        "on Deep Learning for Audio, Speech and Language Processing.",
        "Pascanu, Mikolov & Bengio (2013). On the difficulty of training recurrent neural networks. ICML.",
        "He, Zhang, Ren & Sun (2015). Delving deep into rectifiers: surpassing human-level performance on ImageNet "
        "classification. ICCV.",
        "Bertoin, Bolte, Gerchinovitz & Pauwels (2021). Numerical influence of ReLU'(0) on backpropagation. NeurIPS.",
    ),
    run=run,
)
