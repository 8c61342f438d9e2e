"""Q07. What is the dying ReLU problem?"""

from __future__ import annotations

import numpy as np

from .. import Tensor, nn
from ..diagnostics import dead_relu_fraction
from ..nn import functional as F
from . import framework as lab
from .common import correct, digits_split, hidden_activations, mlp, train
from .plots import figure, titled

SIZES = (64, 128, 128, 10)
BATCH = 32
BASE_LR = 0.1  # a learning rate at which this network trains well and few units die
HIGH_LR = 1.0  # a rate too high for this network: it kills units on every seed (0.8 kills them on some)
SHOCK_LR = 0.8  # the largest rate of the sweep at which the network still learns; one epoch knocks out ~1/7 of layer 1
NEGATIVE_BIAS = -0.5
SLOPE = 0.01  # the usual leaky slope (Maas et al. 2013), nn.LeakyReLU's default
KINDS = {"relu": "ReLU", "leaky_relu": "leaky ReLU"}
BORN_DEPTHS = (2, 5, 10, 20)  # hidden layers of width 32, counted at initialisation only (no training)
INITS = {"he": "He (normal, zero bias)", "default": "PyTorch default (uniform weights and bias)"}


def _fit(model: nn.Module, data, lr: float, epochs: int, seed: int) -> bool:
    """Plain SGD on the training set; False if the loss left the floats (counted and reported, not hidden)."""
    x_train, _, y_train, _ = data
    with np.errstate(over="ignore", invalid="ignore"):
        history = train(model, x_train, y_train, epochs=epochs, batch_size=BATCH, lr=lr, seed=seed)
    return bool(np.isfinite(history.loss).all())


def _stuck(model: nn.Module, x: np.ndarray) -> list[np.ndarray]:
    """Per hidden layer, one boolean per unit: output never positive on ``x``.

    For a ReLU that is a dead unit (output 0 on every input); for a leaky ReLU, a unit that sits on
    the negative side of its kink for every input (output slope * pre-activation, never above 0).
    """
    return [~(a > 0).any(axis=0) for a in hidden_activations(model, x)]


def _dead_fraction(model: nn.Module, x: np.ndarray) -> float:
    """Share of all hidden units whose output is never positive on ``x`` (glassnet.diagnostics' definition)."""
    outputs = hidden_activations(model, x)
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
    test_active = [(a > 0).any(axis=0) for a in hidden_activations(model, x_test)]
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
    kind: str, seeds, data, lr: float, bias: float = 0.0, depth: int = 2, width: int = 128, epochs: int = 5
) -> dict:
    """Over ``seeds``: dead (ReLU) or stuck (leaky) share of hidden units at initialisation and after training, test
    accuracy, and whether the run diverged."""
    x_train, x_test, y_train, y_test = data

    def measure(seed):
        model = mlp((64,) + (width,) * depth + (10,), kind, "he", rng=np.random.default_rng([seed, 11]), bias_init=bias)
        at_init = _dead_fraction(model, x_train)
        finite = _fit(model, data, lr, epochs, seed)
        return {
            "dead_at_init": at_init,
            "dead": _dead_fraction(model, x_train),
            "accuracy": float(correct(model, x_test, y_test).mean()),
            "diverged": not finite,
        }

    return lab.over_seeds(seeds, measure)


def _born_dead(init: str, seed: int, x: np.ndarray) -> dict:
    """Share of hidden units dead on ``x`` in freshly drawn width-32 ReLU nets of each depth in BORN_DEPTHS."""
    return {
        depth: _dead_fraction(
            mlp((64,) + (32,) * depth + (10,), "relu", init, rng=np.random.default_rng([seed, 13])), x
        )
        for depth in BORN_DEPTHS
    }


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

    # per seed: the share of all hidden units stuck right after the shock, and test accuracy after recovery
    after_shock = {
        kind: lab.summarise(
            [{"stuck": sum(r["stuck"]) / (2 * SIZES[1]), "accuracy": float(r["correct"].mean())} for r in runs], seeds
        )
        for kind, runs in shock.items()
    }

    # 2. What kills units: the learning rate, the bias, the depth.
    lr_runs = {(k, lr): _train_and_count(k, seeds, data, lr) for k in KINDS for lr in lrs}
    bias_runs = {
        (k, b): (lr_runs[(k, BASE_LR)] if b == 0 else _train_and_count(k, seeds, data, BASE_LR, bias=b))
        for k in KINDS
        for b in biases
    }
    depth_runs = {d: _train_and_count("relu", seeds, data, BASE_LR, depth=d, width=32) for d in depths}
    # 3. Born dead: no training at all, so many cheap seeds; deepest minus shallowest, paired by seed.
    born_seeds = ctx.seeds(full=20, quick=6)
    born = {init: lab.over_seeds(born_seeds, lambda s, init=init: _born_dead(init, s, x_train)) for init in INITS}
    deepest, shallowest = BORN_DEPTHS[-1], BORN_DEPTHS[0]
    born_increase = {init: lab.paired_difference(b[deepest], b[shallowest]) for init, b in born.items()}

    relu_shock, leaky_shock = shock["relu"], shock["leaky_relu"]
    shape = _leaky_shape()
    metrics = {
        "dead_unit_max_gradient": max(max(r["stuck_gradient"]) for r in relu_shock),
        "revived_first_layer": revived_per_seed("relu", [0]),
        "revived_second_layer": revived_per_seed("relu", [1]),
        "revived_second_layer_all_seeds": sum(r["revived"][1] for r in relu_shock)
        / max(1, sum(r["stuck"][1] for r in relu_shock)),
        "dead_after_shock": after_shock["relu"]["stuck"],
        "relu_accuracy_after_recovery": after_shock["relu"]["accuracy"],
        "dead_increase_high_lr": lab.paired_difference(
            lr_runs[("relu", HIGH_LR)]["dead"], lr_runs[("relu", BASE_LR)]["dead"]
        ),
        "dead_increase_negative_bias": lab.paired_difference(
            bias_runs[("relu", NEGATIVE_BIAS)]["dead"], bias_runs[("relu", 0.0)]["dead"]
        ),
        "relu_accuracy_base_lr": lr_runs[("relu", BASE_LR)]["accuracy"],
        "diverged_runs_high_lr": float(sum(lr_runs[("relu", HIGH_LR)]["diverged"].values)),
        "leaky_zero_gradient_units": sum(r["zero_gradient_units"] for r in leaky_shock)
        / sum(r["units"] for r in leaky_shock),
        "leaky_revived": revived_per_seed("leaky_relu", [0, 1]),
        "stuck_after_shock_leaky": after_shock["leaky_relu"]["stuck"],
        "leaky_accuracy_after_recovery": after_shock["leaky_relu"]["accuracy"],
        "accuracy_gain_leaky": lab.over_items(
            [k["correct"] - r["correct"] for k, r in zip(leaky_shock, relu_shock)], seeds
        ),
        "leaky_slope_left": float(shape["dydx"][1]),
        "leaky_output_at_minus_1": float(shape["y"][1]),
        "dead_at_init_increase_he": born_increase["he"],
        "dead_at_init_increase_default": born_increase["default"],
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
            after_shock[kind]["accuracy"].mean,
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
        sweep.add(
            f"lr {lr}, bias 0",
            r["dead_at_init"].mean,
            r["dead"].mean,
            k["dead"].mean,
            r["accuracy"].mean,
            k["accuracy"].mean,
        )
    for b in biases:
        if b == 0:
            continue
        r, k = bias_runs[("relu", b)], bias_runs[("leaky_relu", b)]
        sweep.add(
            f"lr {BASE_LR}, bias {b}",
            r["dead_at_init"].mean,
            r["dead"].mean,
            k["dead"].mean,
            r["accuracy"].mean,
            k["accuracy"].mean,
        )
    for d in depths:
        r = depth_runs[d]
        sweep.add(
            f"lr {BASE_LR}, {d} hidden layer(s) of 32",
            r["dead_at_init"].mean,
            r["dead"].mean,
            "",
            r["accuracy"].mean,
            "",
        )
    leaky = lab.Table(
        f"Leaky ReLU with slope {SLOPE} (autograd, float64)", ["x", "ReLU(x)", "leaky(x)", "d leaky / dx"]
    )
    for x, y, g in zip(shape["x"], shape["y"], shape["dydx"]):
        leaky.add(float(x), max(float(x), 0.0), float(y), float(g))
    born_table = lab.Table(
        f"Born dead: share of hidden units (width 32, ReLU) that output 0 on all 1,200 training images right after "
        f"initialisation, mean (95% CI) over {len(born_seeds)} seeds",
        ["initialisation", *(f"{d} hidden layers" for d in BORN_DEPTHS), f"{deepest} minus {shallowest}, paired"],
    )
    for init, label in INITS.items():
        born_table.add(label, *(str(born[init][d]) for d in BORN_DEPTHS), str(born_increase[init]))

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
    titled(
        left,
        f"one epoch at learning rate {SHOCK_LR}, then {BASE_LR}",
        x=f"epochs at learning rate {BASE_LR} after the shock",
        y="units never positive on training set (%)",
        legend=True,
    )
    xs = np.linspace(-3, 2, 201)
    right.plot(xs, np.maximum(xs, 0), color="#c44e52", label="ReLU")
    right.plot(xs, np.where(xs > 0, xs, SLOPE * xs), color="#4c72b0", label=f"leaky, slope {SLOPE}")
    right.plot(xs, np.where(xs > 0, xs, 0.2 * xs), ":", color="#4c72b0", label="leaky, slope 0.2 (to see it)")
    right.axhline(0, color="grey", lw=0.5)
    right.axvline(0, color="grey", lw=0.5)
    right.annotate("slope > 0, outputs < 0", xy=(-2.0, -0.4), xytext=(-2.9, 1.0), arrowprops={"arrowstyle": "->"})
    titled(right, "the negative side of leaky ReLU", x="pre-activation x", y="output")
    right.legend(fontsize=8, loc="upper left")

    fig2, (a, b, c) = figure(1, 3, width=13, height=4)
    for kind, color, style in (("relu", "#c44e52", "-"), ("leaky_relu", "#4c72b0", "--")):
        means = [100 * lr_runs[(kind, lr)]["dead"].mean for lr in lrs]
        sds = [100 * lr_runs[(kind, lr)]["dead"].sd for lr in lrs]
        a.errorbar(lrs, means, yerr=sds, fmt="o" + style, capsize=3, color=color, label=f"{KINDS[kind]} (mean, sd)")
        means = [100 * bias_runs[(kind, bb)]["dead"].mean for bb in biases]
        b.plot(biases, means, "o" + style, color=color, label=f"{KINDS[kind]}, after training")
    b.plot(
        biases,
        [100 * bias_runs[("relu", bb)]["dead_at_init"].mean for bb in biases],
        "o:",
        color="grey",
        label="at initialisation",
    )
    a.set_xscale("log")
    a.minorticks_off()
    a.set_xticks(lrs, [f"{lr:g}" for lr in lrs])
    titled(
        a,
        "vs learning rate (bias 0)",
        x="learning rate (SGD, 5 epochs)",
        y="hidden units never positive (%)",
        legend=True,
    )
    titled(
        b,
        f"vs bias (learning rate {BASE_LR})",
        x="initial bias of every hidden unit",
        y="hidden units never positive (%)",
        legend=True,
    )
    c.plot(
        depths,
        [100 * depth_runs[d]["dead_at_init"].mean for d in depths],
        "o:",
        color="grey",
        label="at initialisation",
    )
    c.plot(depths, [100 * depth_runs[d]["dead"].mean for d in depths], "o-", color="#c44e52", label="after training")
    c.set_xscale("log", base=2)
    c.minorticks_off()
    c.set_xticks(depths, [str(d) for d in depths])
    titled(
        c,
        f"vs depth (learning rate {BASE_LR})",
        x="hidden layers (width 32, ReLU)",
        y="dead hidden units (%)",
        legend=True,
    )

    fig3, ax = figure(1, 1, width=6, height=4)
    for (init, label), color in zip(INITS.items(), ("#c44e52", "#8172b3")):
        means = np.array([100 * born[init][d].mean for d in BORN_DEPTHS])
        lows = np.array([100 * lab.low(born[init][d]) for d in BORN_DEPTHS])
        ax.errorbar(BORN_DEPTHS, means, yerr=means - lows, fmt="o-", capsize=3, color=color, label=label)
    titled(
        ax,
        "born dead: before any training (mean, 95% CI)",
        x="hidden layers (width 32, ReLU)",
        y="units dead at initialisation (%)",
        legend=True,
    )

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
        f"network no longer learns (ReLU test accuracy {lr_runs[('relu', HIGH_LR)]['accuracy'].mean:.2f}). The shock "
        f"uses {SHOCK_LR}, the largest rate at which the network still learns, so that there is something to "
        "recover."
    )
    notes.append(
        "Claims are judged only if their controls worked: the shock killed units, training after it reached 85% "
        "test accuracy, the ReLU network reached 90% at the base rate, and no high-rate run diverged (a network "
        "of NaNs would count as all dead)."
    )
    all_runs = [r["diverged"] for runs in shock.values() for r in runs] + [
        d for group in (lr_runs, bias_runs, depth_runs) for runs in group.values() for d in runs["diverged"].values
    ]
    diverged = sum(all_runs)
    notes.append(
        f"{diverged} of {len(all_runs)} training runs diverged (non-finite loss); "
        + ("none had to be left out." if not diverged else "their networks count as all dead and lower the accuracies.")
    )
    return lab.Result(
        metrics=metrics,
        figures={"shock and recovery": fig1, "what kills ReLU units": fig2, "born dead: depth at initialisation": fig3},
        tables=[recovery, details, sweep, born_table, leaky],
        notes=notes,
    )


# ------------------------------------------------------------------ rules
REVIVAL_BAR = 0.01  # "never recovers": at most 1% of the dead units come back

# First-layer dead units cannot come back (fixed inputs, zero gradient); deeper ones can, through the layers below.
_NEVER_RECOVERS = lab.Decide(
    (
        lab.Verdict.REFUTED,
        lab.Above("dead_unit_max_gradient", 0.0, strict=True)
        | lab.Above("revived_first_layer", REVIVAL_BAR, strict=True),
    ),
    (lab.Verdict.PARTLY, lab.Above("revived_second_layer_all_seeds", REVIVAL_BAR, strict=True)),
    (lab.Verdict.SUPPORTED, lab.Below("revived_second_layer", REVIVAL_BAR)),
    note="After a shock at a high learning rate: the largest gradient any dead unit gets, and the share of the dead "
    "units of each layer that revive in later training, per seed; 'never' is universal, so revivals observed in the "
    "second layer (revived_second_layer_all_seeds, counted over all seeds: a fact, not an estimate) make it partly, "
    "while their absence needs an interval",
)
_LEAKY_FIXES = lab.Decide(
    (lab.Verdict.NOT_SUPPORTED, lab.Above("leaky_zero_gradient_units", 0.0, strict=True)),
    (
        lab.Verdict.SUPPORTED,
        lab.Above("leaky_revived", 0.5) & lab.Above("accuracy_gain_leaky", -0.01, strict=True),
    ),
    (lab.Verdict.PARTLY, lab.Below("leaky_revived", 0.5, strict=True) | lab.Below("accuracy_gain_leaky", -0.01)),
    note="Leaky ReLU removes the exactly-zero gradient by construction; after the same shock, leaky_revived is the "
    "share of units pushed below zero on every input that come back, and accuracy_gain_leaky is leaky minus ReLU "
    "test accuracy, paired over seeds and test images",
)
_NEGATIVE_SLOPE = lab.Decide(
    (
        lab.Verdict.SUPPORTED,
        lab.Above("leaky_slope_left", 0.0, strict=True)
        & lab.Below("leaky_slope_left", 0.1)
        & lab.Below("leaky_output_at_minus_1", 0.0, strict=True),
    ),
    (lab.Verdict.PARTLY, lab.Above("leaky_slope_left", 0.1, strict=True)),
    (lab.Verdict.NOT_SUPPORTED, lab.Below("leaky_slope_left", 0.0)),
    note="'Negative slope' read as PyTorch's negative_slope, the slope for x < 0; slope and output at x = -1 by "
    "float64 autograd (exact values)",
)
_BORN_DEAD = lab.Decide(
    (
        lab.Verdict.SUPPORTED,
        lab.Above("dead_at_init_increase_he", 0.05) & lab.Above("dead_at_init_increase_default", 0.05),
    ),
    (
        lab.Verdict.PARTLY,
        lab.Above("dead_at_init_increase_he", 0.05) | lab.Above("dead_at_init_increase_default", 0.05),
    ),
    (
        lab.Verdict.REFUTED,
        lab.Below("dead_at_init_increase_he", 0.0, strict=True)
        & lab.Below("dead_at_init_increase_default", 0.0, strict=True),
    ),
    otherwise=lab.Verdict.NOT_SUPPORTED,
    note=f"Share of hidden units dead on all training images right after initialisation (width 32, no training), "
    f"{BORN_DEPTHS[-1]} hidden layers minus {BORN_DEPTHS[0]}, paired by seed, with He's and with PyTorch's default "
    "initialisation; a rise of 5 points or more counts",
)
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

EXPERIMENT = lab.described(
    "q07",
    claims=(
        lab.Claim(
            "dead_unit_never_recovers",
            "A dead ReLU unit outputs 0 for every input, gets no gradient, and never recovers.",
            _NEVER_RECOVERS,
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
            _LEAKY_FIXES,
            gates=_LEAKY_GATES,
        ),
        lab.Claim(
            "small_negative_slope",
            "Leaky ReLU adds a small negative slope, that is a small slope for negative inputs (what PyTorch calls "
            "negative_slope), where ReLU is flat.",
            _NEGATIVE_SLOPE,
        ),
        lab.Claim(
            "dead_at_init_grows_with_depth",
            "Deeper ReLU networks start with more dead units: the share dead at initialisation grows with depth.",
            _BORN_DEAD,
        ),
    ),
    run=run,
)
