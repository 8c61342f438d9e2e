"""Q07. What is the dying ReLU problem?"""

from __future__ import annotations

import numpy as np

from .. import Tensor, nn, no_grad
from ..diagnostics import dead_relu_fraction
from ..nn import functional as F
from . import framework as lab
from .common import correct, digits_split, mlp, train
from .plots import figure

SIZES = (64, 128, 128, 10)
BATCH = 32
BASE_LR = 0.1  # a learning rate at which this network trains well and few units die
HIGH_LR = 1.0  # a rate too high for this network: it kills units on every seed (0.8 kills them on some)
SHOCK_LR = 0.8  # the largest rate of the sweep at which the network still learns; one epoch knocks out ~1/7 of layer 1
NEGATIVE_BIAS = -0.5
SLOPE = 0.01  # the usual leaky slope (Maas et al. 2013), nn.LeakyReLU's default
KINDS = {"relu": "ReLU", "leaky_relu": "leaky ReLU"}


def _fit(model: nn.Module, data, lr: float, epochs: int, seed: int) -> bool:
    """Plain SGD on the training set; False if the loss left the floats (counted and reported, not hidden)."""
    x_train, _, y_train, _ = data
    with np.errstate(over="ignore", invalid="ignore"):
        history = train(model, x_train, y_train, epochs=epochs, batch_size=BATCH, lr=lr, seed=seed)
    return bool(np.isfinite(history.loss).all())


def _hidden_outputs(model: nn.Module, x: np.ndarray) -> list[np.ndarray]:
    """The output of every activation layer of ``model`` on ``x``, in order (no graph)."""
    outputs, h = [], Tensor(x)
    with no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, (nn.ReLU, nn.LeakyReLU)):
                outputs.append(h.numpy())
    return outputs


def _stuck(model: nn.Module, x: np.ndarray) -> list[np.ndarray]:
    """Per hidden layer, one boolean per unit: output never positive on ``x``.

    For a ReLU that is a dead unit (output 0 on every input); for a leaky ReLU, a unit that sits on
    the negative side of its kink for every input (output slope * pre-activation, never above 0).
    """
    return [~(a > 0).any(axis=0) for a in _hidden_outputs(model, x)]


def _dead_fraction(model: nn.Module, x: np.ndarray) -> float:
    """Share of all hidden units whose output is never positive on ``x`` (glassnet.diagnostics' definition)."""
    outputs = _hidden_outputs(model, x)
    return float(np.average([dead_relu_fraction(a) for a in outputs], weights=[a.shape[1] for a in outputs]))


def _unit_gradients(model: nn.Module, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Per hidden layer, max |dL/dw| over each unit's incoming weights and bias, on the whole of ``x``."""
    model.zero_grad()
    F.cross_entropy(model(Tensor(x)), y).backward()
    linears = [m for m in model if isinstance(m, nn.Linear)][:-1]
    return [np.maximum(np.abs(m.weight.grad.numpy()).max(axis=1), np.abs(m.bias.grad.numpy())) for m in linears]


def _shock_then_recover(kind: str, seed: int, data, recovery_epochs: int) -> dict:
    """One epoch at SHOCK_LR, then ``recovery_epochs`` at BASE_LR; follow the units that the shock left stuck."""
    x_train, x_test, y_train, y_test = data
    model = mlp(SIZES, kind, "he", rng=np.random.default_rng([seed, 7]))
    finite = _fit(model, data, SHOCK_LR, 1, seed)
    after_shock = _stuck(model, x_train)
    gradients = _unit_gradients(model, x_train, y_train)
    first = [m for m in model if isinstance(m, nn.Linear)][0]
    weights_after_shock = first.weight.numpy().copy()
    bias = first.bias.numpy()
    curve = [[m.mean() for m in after_shock]]
    for epoch in range(recovery_epochs):
        finite &= _fit(model, data, BASE_LR, 1, 1000 * seed + epoch + 1)
        curve.append([m.mean() for m in _stuck(model, x_train)])
    at_end = _stuck(model, x_train)
    frozen_rows = after_shock[0] & at_end[0]
    changed = int(np.count_nonzero(first.weight.numpy()[frozen_rows] != weights_after_shock[frozen_rows]))
    test_active = [(a > 0).any(axis=0) for a in _hidden_outputs(model, x_test)]
    return {
        "curve": np.array(curve),  # (epochs + 1, layers): share of stuck units
        "stuck": [int(m.sum()) for m in after_shock],
        "revived": [int((s & ~e).sum()) for s, e in zip(after_shock, at_end)],
        "stuck_end": [int(m.sum()) for m in at_end],
        "fires_on_test": sum(int((e & t).sum()) for e, t in zip(at_end, test_active)),
        "stuck_gradient": [float(g[m].max()) if m.any() else 0.0 for g, m in zip(gradients, after_shock)],
        "zero_gradient_units": sum(int((g == 0).sum()) for g in gradients),
        "units": sum(len(g) for g in gradients),
        "first_layer_weights_changed": changed,
        "bias_stuck": bias[after_shock[0]].copy(),
        "bias_alive": bias[~after_shock[0]].copy(),
        "correct": correct(model, x_test, y_test),
        "diverged": not finite,
    }


def _train_and_count(
    kind: str, seed: int, data, lr: float, bias: float = 0.0, depth: int = 2, width: int = 128, epochs: int = 5
):
    """Dead (ReLU) or stuck (leaky) share of hidden units at initialisation and after training, and test accuracy."""
    x_train, x_test, y_train, y_test = data
    model = mlp((64,) + (width,) * depth + (10,), kind, "he", rng=np.random.default_rng([seed, 11]), bias_init=bias)
    at_init = _dead_fraction(model, x_train)
    finite = _fit(model, data, lr, epochs, seed)
    return at_init, _dead_fraction(model, x_train), float(correct(model, x_test, y_test).mean()), not finite


def _leaky_shape() -> dict:
    """Slope and value of leaky ReLU on the negative side, by autograd in float64."""
    x = Tensor(np.array([-3.0, -1.0, -0.5, 0.5, 1.0]), requires_grad=True)
    y = F.leaky_relu(x, SLOPE)
    y.sum().backward()
    return {"x": x.numpy(), "y": y.numpy(), "dydx": x.grad.numpy()}


def run(ctx: lab.Context) -> lab.Result:
    data = digits_split()
    x_train, _, y_train, _ = data
    seeds = ctx.seeds(full=8, quick=4)
    recovery_epochs = ctx.pick(10, 3)
    lrs = ctx.pick([0.03, 0.1, 0.2, 0.4, 0.6, 0.8, HIGH_LR], [BASE_LR, HIGH_LR])
    biases = ctx.pick([0.0, -0.25, -0.5, -1.0], [0.0, -0.5])
    depths = ctx.pick([1, 2, 4, 8], [1, 4])

    # 1. A shock at a high learning rate, then ordinary training: who comes back?
    shock = {kind: [_shock_then_recover(kind, s, data, recovery_epochs) for s in seeds] for kind in KINDS}

    def revived_per_seed(kind, layers):
        """The share of stuck units that came back, per seed (seeds where the shock left none stuck drop out)."""
        pairs = [
            (s, sum(r["revived"][k] for k in layers) / sum(r["stuck"][k] for k in layers))
            for s, r in zip(seeds, shock[kind])
            if sum(r["stuck"][k] for k in layers)
        ]
        return lab.estimate([v for _, v in pairs], [s for s, _ in pairs]) if pairs else lab.estimate([0.0], seeds[:1])

    def stuck_share(kind):
        """Share of all hidden units stuck right after the shock, per seed."""
        return lab.estimate([sum(r["stuck"]) / (2 * SIZES[1]) for r in shock[kind]], seeds)

    def shock_accuracy(kind):
        return lab.estimate([r["correct"].mean() for r in shock[kind]], seeds)

    # 2. What kills units: the learning rate, the bias, the depth.
    lr_runs = {(k, lr): [_train_and_count(k, s, data, lr) for s in seeds] for k in KINDS for lr in lrs}
    bias_runs = {
        (k, b): (lr_runs[(k, BASE_LR)] if b == 0 else [_train_and_count(k, s, data, BASE_LR, bias=b) for s in seeds])
        for k in KINDS
        for b in biases
    }
    depth_runs = {d: [_train_and_count("relu", s, data, BASE_LR, depth=d, width=32) for s in seeds] for d in depths}

    def dead(runs, which=1):
        return lab.estimate([r[which] for r in runs], seeds)

    def acc(runs):
        return lab.estimate([r[2] for r in runs], seeds)

    relu_shock, leaky_shock = shock["relu"], shock["leaky_relu"]
    shape = _leaky_shape()
    metrics = {
        "dead_unit_max_gradient": max(max(r["stuck_gradient"]) for r in relu_shock),
        "revived_first_layer": revived_per_seed("relu", [0]),
        "revived_second_layer": revived_per_seed("relu", [1]),
        "dead_units_second_layer": float(sum(r["stuck"][1] for r in relu_shock)),
        "revived_units_second_layer": float(sum(r["revived"][1] for r in relu_shock)),
        "dead_after_shock": stuck_share("relu"),
        "relu_accuracy_after_recovery": shock_accuracy("relu"),
        "dead_increase_high_lr": lab.paired_difference(
            dead(lr_runs[("relu", HIGH_LR)]), dead(lr_runs[("relu", BASE_LR)])
        ),
        "dead_increase_negative_bias": lab.paired_difference(
            dead(bias_runs[("relu", NEGATIVE_BIAS)]), dead(bias_runs[("relu", 0.0)])
        ),
        "relu_accuracy_base_lr": acc(lr_runs[("relu", BASE_LR)]),
        "diverged_runs_high_lr": float(sum(r[3] for r in lr_runs[("relu", HIGH_LR)])),
        "leaky_zero_gradient_units": sum(r["zero_gradient_units"] for r in leaky_shock)
        / sum(r["units"] for r in leaky_shock),
        "leaky_revived": revived_per_seed("leaky_relu", [0, 1]),
        "stuck_after_shock_leaky": stuck_share("leaky_relu"),
        "leaky_accuracy_after_recovery": shock_accuracy("leaky_relu"),
        "accuracy_gain_leaky": lab.over_items(
            [k["correct"] - r["correct"] for k, r in zip(leaky_shock, relu_shock)], seeds
        ),
        "leaky_slope_left": float(shape["dydx"][1]),
        "leaky_output_at_minus_1": float(shape["y"][1]),
    }

    # ------------------------------------------------------------------ tables
    recovery = lab.Table(
        f"A shock (1 epoch at learning rate {SHOCK_LR}) then {recovery_epochs} epochs at {BASE_LR}; "
        f"units never positive on the 1,200 training images, summed over {len(seeds)} seeds",
        ["activation", "layer", "stuck after shock", "of which revived", "stuck at end", "max |grad| of stuck units"],
    )
    for kind, runs in shock.items():
        for layer in range(2):
            recovery.add(
                KINDS[kind],
                layer + 1,
                sum(r["stuck"][layer] for r in runs),
                sum(r["revived"][layer] for r in runs),
                sum(r["stuck_end"][layer] for r in runs),
                max(r["stuck_gradient"][layer] for r in runs),
            )
    details = lab.Table(
        "Shock and recovery: test accuracy (mean over seeds), first-layer biases right after the shock (mean over "
        "units), counts summed over seeds",
        [
            "activation",
            "test accuracy",
            "layer-1 bias of stuck units",
            "of live units",
            "weights of layer-1 units stuck throughout that moved",
            "units dead on train that fire on a test image",
        ],
    )
    for kind, runs in shock.items():
        stuck_bias = np.concatenate([r["bias_stuck"] for r in runs])
        details.add(
            KINDS[kind],
            shock_accuracy(kind).mean,
            float(stuck_bias.mean()) if len(stuck_bias) else "none stuck",
            float(np.concatenate([r["bias_alive"] for r in runs]).mean()),
            sum(r["first_layer_weights_changed"] for r in runs),
            sum(r["fires_on_test"] for r in runs),
        )
    sweep = lab.Table(
        f"Share of hidden units never positive on the training set after 5 epochs (SGD, batch {BATCH}), "
        f"and test accuracy; mean over {len(seeds)} seeds",
        ["setting", "ReLU dead at init", "ReLU dead", "leaky stuck", "ReLU accuracy", "leaky accuracy"],
    )
    for lr in lrs:
        r, k = lr_runs[("relu", lr)], lr_runs[("leaky_relu", lr)]
        sweep.add(f"lr {lr}, bias 0", dead(r, 0).mean, dead(r).mean, dead(k).mean, acc(r).mean, acc(k).mean)
    for b in biases:
        if b == 0:
            continue
        r, k = bias_runs[("relu", b)], bias_runs[("leaky_relu", b)]
        sweep.add(f"lr {BASE_LR}, bias {b}", dead(r, 0).mean, dead(r).mean, dead(k).mean, acc(r).mean, acc(k).mean)
    for d in depths:
        r = depth_runs[d]
        sweep.add(f"lr {BASE_LR}, {d} hidden layer(s) of 32", dead(r, 0).mean, dead(r).mean, "", acc(r).mean, "")
    leaky = lab.Table(
        f"Leaky ReLU with slope {SLOPE} (autograd, float64)", ["x", "ReLU(x)", "leaky(x)", "d leaky / dx"]
    )
    for x, y, g in zip(shape["x"], shape["y"], shape["dydx"]):
        leaky.add(float(x), max(float(x), 0.0), float(y), float(g))

    # ------------------------------------------------------------------ figures
    fig1, (left, right) = figure(1, 2, width=11, height=4)
    epochs = np.arange(recovery_epochs + 1)
    for kind, color in (("relu", "#c44e52"), ("leaky_relu", "#4c72b0")):
        curves = np.mean([r["curve"] for r in shock[kind]], axis=0)
        for layer, style in ((0, "-"), (1, "--")):
            left.plot(
                epochs,
                100 * curves[:, layer],
                style,
                color=color,
                marker="o",
                ms=3,
                label=f"{KINDS[kind]}, layer {layer + 1}",
            )
    left.set_xlabel(f"epochs at learning rate {BASE_LR} after the shock")
    left.set_ylabel("units never positive on training set (%)")
    left.set_title(f"one epoch at learning rate {SHOCK_LR}, then {BASE_LR}")
    left.legend(fontsize=8)
    xs = np.linspace(-3, 2, 201)
    right.plot(xs, np.maximum(xs, 0), color="#c44e52", label="ReLU")
    right.plot(xs, np.where(xs > 0, xs, SLOPE * xs), color="#4c72b0", label=f"leaky, slope {SLOPE}")
    right.plot(xs, np.where(xs > 0, xs, 0.2 * xs), ":", color="#4c72b0", label="leaky, slope 0.2 (to see it)")
    right.axhline(0, color="grey", lw=0.5)
    right.axvline(0, color="grey", lw=0.5)
    right.annotate("slope > 0, outputs < 0", xy=(-2.0, -0.4), xytext=(-2.9, 1.0), arrowprops={"arrowstyle": "->"})
    right.set_xlabel("pre-activation x")
    right.set_ylabel("output")
    right.set_title("the negative side of leaky ReLU")
    right.legend(fontsize=8, loc="upper left")

    fig2, (a, b, c) = figure(1, 3, width=13, height=4)
    for kind, color, style in (("relu", "#c44e52", "-"), ("leaky_relu", "#4c72b0", "--")):
        means = [100 * dead(lr_runs[(kind, lr)]).mean for lr in lrs]
        sds = [100 * dead(lr_runs[(kind, lr)]).sd for lr in lrs]
        a.errorbar(lrs, means, yerr=sds, fmt="o" + style, capsize=3, color=color, label=f"{KINDS[kind]} (mean, sd)")
        means = [100 * dead(bias_runs[(kind, bb)]).mean for bb in biases]
        b.plot(biases, means, "o" + style, color=color, label=f"{KINDS[kind]}, after training")
    b.plot(
        biases,
        [100 * dead(bias_runs[("relu", bb)], 0).mean for bb in biases],
        "o:",
        color="grey",
        label="at initialisation",
    )
    a.set_xscale("log")
    a.minorticks_off()
    a.set_xticks(lrs, [f"{lr:g}" for lr in lrs])
    a.set_xlabel("learning rate (SGD, 5 epochs)")
    a.set_ylabel("hidden units never positive (%)")
    a.set_title("vs learning rate (bias 0)")
    a.legend(fontsize=8)
    b.set_xlabel("initial bias of every hidden unit")
    b.set_ylabel("hidden units never positive (%)")
    b.set_title(f"vs bias (learning rate {BASE_LR})")
    b.legend(fontsize=8)
    c.plot(depths, [100 * dead(depth_runs[d], 0).mean for d in depths], "o:", color="grey", label="at initialisation")
    c.plot(depths, [100 * dead(depth_runs[d]).mean for d in depths], "o-", color="#c44e52", label="after training")
    c.set_xscale("log", base=2)
    c.minorticks_off()
    c.set_xticks(depths, [str(d) for d in depths])
    c.set_xlabel("hidden layers (width 32, ReLU)")
    c.set_ylabel("dead hidden units (%)")
    c.set_title(f"vs depth (learning rate {BASE_LR})")
    c.legend(fontsize=8)

    notes = [
        "Dead means: output 0 for all 1,200 training images (glassnet.diagnostics.dead_relu_fraction). For leaky "
        "ReLU the same test counts units whose pre-activation is never positive; they still pass slope x gradient.",
        "A first-layer unit sees fixed inputs, so once dead its weights get exactly zero gradient and never move "
        "again. A unit in a deeper layer gets zero gradient too, but its inputs are the outputs of the layer below, "
        "which keeps learning; they can move it back over its kink. That is why deeper dead units can revive.",
    ]
    notes.append(
        f"The high-learning-rate claim compares 5 epochs at {HIGH_LR} with 5 at {BASE_LR}, paired by seed: at "
        f"{SHOCK_LR} units die on some seeds and hardly on others; at {HIGH_LR} they die on every seed, and the "
        f"network no longer learns (ReLU test accuracy {acc(lr_runs[('relu', HIGH_LR)]).mean:.2f}). The shock "
        f"uses {SHOCK_LR}, the largest rate at which the network still learns, so that there is something to "
        "recover."
    )
    notes.append(
        "Claims are judged only if their controls worked: the shock killed units, training after it reached 85% "
        "test accuracy, the ReLU network reached 90% at the base rate, and no high-rate run diverged (a network "
        "of NaNs would count as all dead)."
    )
    all_runs = [r["diverged"] for runs in shock.values() for r in runs] + [
        r[3] for group in (lr_runs, bias_runs, depth_runs) for runs in group.values() for r in runs
    ]
    diverged = sum(all_runs)
    notes.append(
        f"{diverged} of {len(all_runs)} training runs diverged (non-finite loss); "
        + ("none had to be left out." if not diverged else "their networks count as all dead and lower the accuracies.")
    )
    return lab.Result(
        metrics=metrics,
        figures={"shock and recovery": fig1, "what kills ReLU units": fig2},
        tables=[recovery, details, sweep, leaky],
        notes=notes,
    )


# ------------------------------------------------------------------ rules
REVIVAL_BAR = 0.01  # "never recovers": at most 1% of the dead units come back


def _never_recovers(m: dict) -> lab.Judgement:
    """First-layer dead units cannot come back (fixed inputs, zero gradient); deeper ones can, through the
    layers below them. "Never" is universal: observed revivals (more than 1% of the dead units, counted over all
    seeds) show that deeper units can come back; their absence needs an interval to support it."""
    first, second = m["revived_first_layer"], m["revived_second_layer"]
    if m["dead_unit_max_gradient"] != 0 or lab.low(first) > REVIVAL_BAR:
        return lab.Judgement(lab.Verdict.REFUTED)
    if lab.high(first) > REVIVAL_BAR:
        return lab.undecided(m, "revived_first_layer")
    revived, dead = m["revived_units_second_layer"], m["dead_units_second_layer"]
    if revived > REVIVAL_BAR * dead:
        return lab.Judgement(
            lab.Verdict.PARTLY,
            f"first-layer dead units stay dead; {revived:.0f} of {dead:.0f} dead second-layer units came back",
        )
    if lab.high(second) <= REVIVAL_BAR:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    return lab.undecided(
        m, "revived_second_layer", because="no dead second-layer unit came back, but too few were seen"
    )


def _leaky_fixes(m: dict) -> lab.Judgement:
    """Leaky ReLU removes the zero gradient by construction; whether it also brings the units back and costs no
    accuracy is measured after the same shock."""
    if m["leaky_zero_gradient_units"] > 0:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED)
    revived, gain = m["leaky_revived"], m["accuracy_gain_leaky"]
    back = True if lab.low(revived) >= 0.5 else False if lab.high(revived) < 0.5 else None
    no_worse = True if lab.low(gain) > -0.01 else False if lab.high(gain) < -0.01 else None
    if back is False or no_worse is False:
        failed = "the units the shock pushed below zero mostly stay there" if back is False else "accuracy is lower"
        return lab.Judgement(lab.Verdict.PARTLY, f"no gradient is exactly zero, but {failed}")
    if back and no_worse:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    return lab.undecided(m, "leaky_revived", "accuracy_gain_leaky")


def _negative_slope(m: dict) -> lab.Judgement:
    """'Negative slope' as PyTorch names it (``negative_slope``): the slope on the negative side, x < 0."""
    slope, out = m["leaky_slope_left"], m["leaky_output_at_minus_1"]
    if 0 < lab.low(slope) and lab.high(slope) <= 0.1 and lab.high(out) < 0:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if lab.low(slope) > 0.1:
        return lab.Judgement(lab.Verdict.PARTLY, "the negative side has a slope, but not a small one")
    if lab.high(slope) <= 0:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED, "the negative side is flat (or falls): no slope is added")
    return lab.undecided(m, "leaky_slope_left", "leaky_output_at_minus_1")


_RECOVERS = (
    "dead_unit_max_gradient",
    "revived_first_layer",
    "revived_second_layer",
    "dead_units_second_layer",
    "revived_units_second_layer",
)
_LEAKY = ("leaky_zero_gradient_units", "leaky_revived", "accuracy_gain_leaky")
_SLOPE = ("leaky_slope_left", "leaky_output_at_minus_1")
_e = lab.estimate_of
_RECOVERY_GATE = lab.Gate(
    "relu_accuracy_after_recovery",
    "training after the shock worked (ReLU test accuracy >= 0.85)",
    at_least=0.85,
)
_SHOCK_GATES = (
    lab.Gate(
        "dead_after_shock",
        "the shock killed ReLU units (>= 2% of hidden units dead right after it)",
        at_least=0.02,
        kind="manipulation check",
    ),
    _RECOVERY_GATE,
)
_SWEEP_GATES = (
    lab.Gate(
        "relu_accuracy_base_lr",
        f"the ReLU network learned at learning rate {BASE_LR} (test accuracy >= 0.9)",
        at_least=0.9,
    ),
)
_LEAKY_GATES = (
    lab.Gate(
        "stuck_after_shock_leaky",
        "the shock pushed leaky units below zero on every input (>= 2% of hidden units)",
        at_least=0.02,
        kind="manipulation check",
    ),
    _RECOVERY_GATE,
)

EXPERIMENT = lab.Experiment(
    id="q07",
    question="What is the dying ReLU problem?",
    answer=(
        "A ReLU unit is dead when its pre-activation is negative for every input it sees: it then outputs 0 "
        "everywhere, and since ReLU's slope is 0 there, no gradient reaches its incoming weights and bias. A unit "
        "of the first layer, whose inputs never change, stays dead for good; a unit in a deeper layer can be "
        "brought back when the layers below it change what it receives. Units die when a large update (a high "
        "learning rate) or a strongly negative bias pushes the pre-activation below zero for all inputs; depth adds "
        "to it, since each layer shrinks and shifts what the next one sees, so deep networks start with more dead "
        "units. Leaky ReLU replaces the flat negative side by a line of small slope, 0.01: this is the 'small "
        "negative slope' of the usual answer, the slope for negative inputs, which PyTorch calls negative_slope "
        "(the slope itself is positive; the outputs there are small and negative), and the gradient is never "
        "exactly zero. That removes the zero gradient, "
        "but a unit pushed deep into the negative side learns 100 times more slowly there and may stay there; "
        "lowering the learning rate and sensible initialisation matter at least as much."
    ),
    claims=(
        lab.Claim(
            "dead_unit_never_recovers",
            "A dead ReLU unit outputs 0 for every input, gets no gradient, and never recovers.",
            lab.Custom(
                _never_recovers,
                "share of the units the shock left dead that revive: supported if dead units get exactly zero "
                "gradient and at most 1% of them revive in either layer (95% CIs over seeds <= 0.01); partly if the "
                "gradient is zero and first-layer units stay dead (CI <= 0.01) but more than 1% of the dead "
                "second-layer units, counted over all seeds, came back (observed revivals are facts, not "
                "estimates); refuted if dead units get gradient or more than 1% of first-layer ones revive (CI "
                "above 0.01); otherwise inconclusive",
                _RECOVERS,
                {
                    lab.Verdict.SUPPORTED: dict(zip(_RECOVERS, (0.0, _e(0.0, 0.0, 0.0), _e(0.0, 0.0, 0.0), 30.0, 0.0))),
                    lab.Verdict.PARTLY: dict(zip(_RECOVERS, (0.0, _e(0.0, 0.0, 0.0), _e(0.2, 0.3, 0.25), 30.0, 8.0))),
                    lab.Verdict.REFUTED: dict(zip(_RECOVERS, (1e-3, 0.0, 0.0, 30.0, 0.0))),
                    lab.Verdict.INCONCLUSIVE: dict(zip(_RECOVERS, (0.0, _e(0.0, 0.0, 0.0), _e(0.0), 3.0, 0.0))),
                },
            ),
            gates=_SHOCK_GATES,
        ),
        lab.Claim(
            "high_learning_rate",
            "A high learning rate kills ReLU units.",
            lab.Effect("dead_increase_high_lr", sign=+1, min_effect=0.05),
            gates=(
                *_SWEEP_GATES,
                lab.Gate(
                    "diverged_runs_high_lr",
                    f"every ReLU run at learning rate {HIGH_LR} stayed finite (a diverged net is not a dead one)",
                    at_most=0,
                    kind="manipulation check",
                ),
            ),
        ),
        lab.Claim(
            "negative_bias",
            "A large negative bias kills ReLU units.",
            lab.Effect("dead_increase_negative_bias", sign=+1, min_effect=0.05),
            gates=_SWEEP_GATES,
        ),
        lab.Claim(
            "leaky_relu_fixes",
            "Leaky ReLU fixes the dying ReLU problem.",
            lab.Custom(
                _leaky_fixes,
                "supported if no leaky unit has an exactly zero gradient, at least half of the units the shock "
                "pushed below zero on every input come back (95% CI over seeds >= 0.5), and accuracy is not worse "
                "than ReLU's (CI of leaky - ReLU, paired over seeds and test images, above -0.01); partly if no "
                "gradient is zero but one of the rest clearly fails (CI below its bar); not supported if some leaky "
                "units still have zero gradient; otherwise inconclusive",
                _LEAKY,
                {
                    lab.Verdict.SUPPORTED: dict(zip(_LEAKY, (0.0, _e(0.8, 0.7, 0.9), _e(0.01, 0.02, 0.015)))),
                    lab.Verdict.PARTLY: dict(zip(_LEAKY, (0.0, _e(0.1, 0.05, 0.0), _e(0.0, 0.01, -0.01)))),
                    lab.Verdict.NOT_SUPPORTED: dict(zip(_LEAKY, (0.2, 0.1, 0.0))),
                    lab.Verdict.INCONCLUSIVE: dict(zip(_LEAKY, (0.0, _e(0.1, 0.9, 0.5), _e(0.0, 0.01, -0.01)))),
                },
            ),
            gates=_LEAKY_GATES,
        ),
        lab.Claim(
            "small_negative_slope",
            "Leaky ReLU adds a small negative slope, that is a small slope for negative inputs (what PyTorch calls "
            "negative_slope), where ReLU is flat.",
            lab.Custom(
                _negative_slope,
                "slope for x < 0 and output at x = -1, by float64 autograd (exact). 'Negative slope' is read as "
                "PyTorch's negative_slope, the slope on the negative side: supported if that slope is small and not "
                "zero (0 < slope <= 0.1) and the output at -1 is negative; partly if there is a slope but not a "
                "small one (> 0.1); not supported if the negative side is flat or falls (slope <= 0); an interval "
                "across a bar (never here: the values are exact) is inconclusive",
                _SLOPE,
                {
                    lab.Verdict.SUPPORTED: {"leaky_slope_left": 0.01, "leaky_output_at_minus_1": -0.01},
                    lab.Verdict.PARTLY: {"leaky_slope_left": 0.5, "leaky_output_at_minus_1": -0.5},
                    lab.Verdict.NOT_SUPPORTED: {"leaky_slope_left": 0.0, "leaky_output_at_minus_1": 0.0},
                    lab.Verdict.INCONCLUSIVE: {"leaky_slope_left": _e(0.01), "leaky_output_at_minus_1": -0.01},
                },
            ),
        ),
    ),
    data=(
        "scikit-learn digits (8x8 images, pixels / 16), stratified 1,200 train / 597 test; 64-128-128-10 MLPs "
        "with He initialisation trained by plain SGD (batch 32), ReLU vs leaky ReLU (slope 0.01) from identical "
        "weights; width-32 MLPs with 1 to 8 hidden layers for depth"
    ),
    references=(
        "Lu, Shin, Su & Karniadakis (2020). Dying ReLU and initialization: theory and numerical examples. "
        "Communications in Computational Physics 28(5) (arXiv 1903.06733).",
        "Maas, Hannun & Ng (2013). Rectifier nonlinearities improve neural network acoustic models. "
        "ICML Workshop on Deep Learning for Audio, Speech and Language Processing.",
        "Glorot, Bordes & Bengio (2011). Deep sparse rectifier neural networks. AISTATS.",
        "He, Zhang, Ren & Sun (2015). Delving deep into rectifiers: surpassing human-level performance on "
        "ImageNet classification. ICCV.",
    ),
    run=run,
)
