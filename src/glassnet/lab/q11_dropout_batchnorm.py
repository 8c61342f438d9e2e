"""Q11. What are dropout and batch normalisation?"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from .. import functional as F
from .. import nn, optim
from ..autograd import no_grad
from ..tensor import Tensor
from ..train import NanGuard, fit
from .common import accuracy, digits_split, predict, train
from .framework import (
    Claim,
    Context,
    Custom,
    Effect,
    Estimate,
    Experiment,
    Result,
    Table,
    Verdict,
    estimate,
    estimate_of,
    paired_difference,
)
from .plots import figure

WIDTH = 256  # wide enough, for 150 images, that dropout has something to regularise
N_TRAIN = 150
BATCH = 50
KEEP = 0.5  # hidden units kept by dropout (Srivastava et al.'s default); inputs keep 0.8 in the dropout-only net
LR_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
CHANCE_LOSS = math.log(10)
TRAINED_LOSS = CHANCE_LOSS / 2  # a run "trains" if its last-epoch loss ends below half the chance-level loss
MARGIN = 0.01  # "no loss in generalisation": test accuracy within 1 percentage point

# Which layers each network has; every one is 64 -> WIDTH -> WIDTH -> 10 with ReLU, He-initialised.
CONFIGS = {
    "plain": "Linear-ReLU-Linear-ReLU-Linear",
    "dropout": "Dropout(0.2)-Linear-ReLU-Dropout-Linear-ReLU-Dropout-Linear",
    "bn": "Linear-BN-ReLU-Linear-BN-ReLU-Linear",
    "dropout_bn": "Linear-BN-ReLU-Dropout-Linear-BN-ReLU-Dropout-Linear (dropout feeds a BN)",
    "bn_dropout": "Linear-BN-ReLU-Linear-BN-ReLU-Dropout-Linear (dropout after the last BN)",
}


def _linear(fan_in: int, fan_out: int, rng: np.random.Generator) -> nn.Linear:
    layer = nn.Linear(fan_in, fan_out, rng=rng)
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", rng=rng)
    nn.init.zeros_(layer.bias)
    return layer


def _net(kind: str, rng: np.random.Generator, width: int = WIDTH, depth: int = 2) -> nn.Sequential:
    """The networks of CONFIGS (depth 2), or a deeper plain / BN stack for the learning-rate sweep.

    The Linear layers are created in the same order in every variant, so one seed gives them the
    same initial weights whatever else the network holds: the comparisons are paired.
    """
    drop = 1 - KEEP
    bn = kind in ("bn", "dropout_bn", "bn_dropout")
    layers = [nn.Dropout(0.2)] if kind == "dropout" else []
    fan_in = 64
    for k in range(depth):
        layers.append(_linear(fan_in, width, rng))
        if bn:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.ReLU())
        if kind in ("dropout", "dropout_bn") or (kind == "bn_dropout" and k == depth - 1):
            layers.append(nn.Dropout(drop))
        fan_in = width
    layers.append(_linear(fan_in, 10, rng))
    return nn.Sequential(*layers)


def _cross_entropy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    z = predict(model, x).astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]))


def _layer_io(model: nn.Sequential, layer: nn.Module, x: np.ndarray, training: bool):
    """The input and output of ``layer`` when ``model`` runs on ``x`` in training or eval mode (no graph)."""
    seen = {}

    def hook(module, inputs, output):
        seen["in"], seen["out"] = inputs[0].numpy().copy(), output.numpy().copy()

    buffers = [b.data.copy() for b in model.buffers()]  # a training-mode pass would move BN's running statistics
    handle = layer.register_forward_hook(hook)
    was_training = model.training
    model.train(training)
    with no_grad():
        model(Tensor(x))
    model.train(was_training)
    handle.remove()
    for b, saved in zip(model.buffers(), buffers):
        b.data[...] = saved
    return seen["in"], seen["out"]


def _unit_stats(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return a.mean(axis=0), a.std(axis=0)


def _standardisation_error(a: np.ndarray) -> np.ndarray:
    """Per unit: how far its batch statistics are from mean 0, std 1 (the larger of the two gaps)."""
    mean, std = _unit_stats(a)
    return np.maximum(np.abs(mean), np.abs(std - 1))


# ---------------------------------------------------------------------------------------------- parts
def _train_configs(seeds: list[int], epochs: int) -> dict:
    """Train every CONFIGS network on the same small training set per seed; keep the scores and the models (with
    the test inputs) that the later measurements look into."""
    scores = {kind: {k: [] for k in ("train_acc", "test_acc", "train_loss", "test_loss")} for kind in CONFIGS}
    kept = {}
    for seed in seeds:
        x_train, x_test, y_train, y_test = digits_split(seed, n_train=N_TRAIN)
        for kind in CONFIGS:
            model = _net(kind, np.random.default_rng([seed, 11]))
            train(model, x_train, y_train, epochs, batch_size=BATCH, lr=1e-3, optimizer="adam", seed=seed)
            s = scores[kind]
            s["train_acc"].append(accuracy(model, x_train, y_train))
            s["test_acc"].append(accuracy(model, x_test, y_test))
            s["train_loss"].append(_cross_entropy(model, x_train, y_train))
            s["test_loss"].append(_cross_entropy(model, x_test, y_test))
            if kind in ("dropout", "bn", "dropout_bn"):
                kept.setdefault(kind, []).append((model, x_test))
    return {"scores": scores, "models": kept}


def _variance_shift(model: nn.Sequential, x_test: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Median over units of running_var / Var(BN input at test time), for the second BN of ``model``.

    The running variance is what BN divides by in eval mode; it was collected in training mode, with
    dropout active below the BN when there is one. At test time dropout is off, so the inputs the
    BN actually sees there have a smaller variance.
    """
    bn = [m for m in model if isinstance(m, nn.BatchNorm1d)][1]
    inputs, _ = _layer_io(model, bn, x_test, training=False)
    test_var = inputs.var(axis=0, ddof=1)
    running = bn.running_var.numpy().astype(np.float64)
    alive = test_var > 1e-8
    return float(np.median(running[alive] / test_var[alive])), running[alive], test_var[alive]


def _normalisation_checks(dropout_model, bn_model, x_batch: np.ndarray) -> dict:
    """Per-unit batch statistics of a dropout layer's output and of a BN layer's normalised output."""
    first_dropout = [m for m in dropout_model if isinstance(m, nn.Dropout)][1]  # the one after the first hidden layer
    drop_in, drop_out = _layer_io(dropout_model, first_dropout, x_batch, training=True)
    # Dropout is linear in its input for a fixed mask: scaling the input by 10 scales its output by 10.
    p = first_dropout.p
    once = F.dropout(Tensor(drop_in), p, True, np.random.default_rng(0)).numpy()
    scaled = F.dropout(Tensor(10 * drop_in), p, True, np.random.default_rng(0)).numpy()
    drop_gain = float(scaled.std() / once.std())

    bn = [m for m in bn_model if isinstance(m, nn.BatchNorm1d)][0]
    bn_in, bn_out = _layer_io(bn_model, bn, x_batch, training=True)
    weight, bias = bn.weight.numpy(), bn.bias.numpy()
    x_hat = (bn_out - bias) / weight  # undo the learned scale and shift: what BN standardised
    with no_grad():  # the functional form with no running statistics: nothing in the model moves
        once = F.batch_norm(Tensor(bn_in), None, None, bn.weight, bn.bias, training=True, eps=bn.eps).numpy()
        scaled = F.batch_norm(Tensor(10 * bn_in), None, None, bn.weight, bn.bias, training=True, eps=bn.eps).numpy()
    bn_gain = float(scaled.std() / once.std())
    # Eval mode: the same fixed map for every sample, built from the running statistics.
    eval_in, eval_out = _layer_io(bn_model, bn, x_batch, training=False)
    rm, rv = bn.running_mean.numpy(), bn.running_var.numpy()
    by_hand = (eval_in - rm) / np.sqrt(rv + bn.eps) * weight + bias
    # Training mode depends on the batch: the first sample's output changes when its batchmates change.
    _, alone = _layer_io(bn_model, bn, x_batch[: len(x_batch) // 2], training=True)
    _, mixed = _layer_io(bn_model, bn, np.concatenate([x_batch[:1], x_batch[len(x_batch) // 2 + 1 :]]), training=True)
    return {
        "drop_in": drop_in,
        "drop_out": drop_out,
        "bn_in": bn_in,
        "x_hat": x_hat,
        "dropout_error": float(np.median(_standardisation_error(drop_out))),
        "dropout_input_error": float(np.median(_standardisation_error(drop_in))),
        "bn_train_error": float(np.max(_standardisation_error(x_hat))),
        "bn_input_error": float(np.median(_standardisation_error(bn_in))),
        "bn_eval_error": float(np.max(np.abs(eval_out - by_hand))),
        "bn_eval_batch_error": float(np.median(_standardisation_error((eval_out - bias) / weight))),
        "bn_batch_dependence": float(np.max(np.abs(alone[0] - mixed[0]))),
        "dropout_scale_gain": drop_gain,
        "bn_scale_gain": bn_gain,
    }


def _lr_sweep(seeds: list[int], epochs: int, grid: tuple) -> dict:
    """Final training loss of a 6-hidden-layer ReLU MLP, plain and with BN, over a learning-rate grid (plain SGD)."""
    x_train, _, y_train, _ = digits_split(0)
    losses = {False: np.full((len(seeds), len(grid)), np.nan), True: np.full((len(seeds), len(grid)), np.nan)}
    with np.errstate(all="ignore"):  # the large rates overflow on purpose
        for i, seed in enumerate(seeds):
            for with_bn in (False, True):
                for j, lr in enumerate(grid):
                    model = _net("bn" if with_bn else "plain", np.random.default_rng([seed, 12]), width=64, depth=6)
                    history = fit(
                        model,
                        nn.CrossEntropyLoss(),
                        optim.SGD(model.parameters(), lr=lr),
                        (x_train, y_train),
                        epochs=epochs,
                        batch_size=64,
                        seed=seed,
                        verbose=0,
                        callbacks=[NanGuard()],
                    )
                    if history.stopped_reason is None:
                        losses[with_bn][i, j] = history.loss[-1]
    return losses


def _largest_trained_lr(losses: np.ndarray, grid: tuple) -> np.ndarray:
    """Per seed, the largest rate whose run ended finite and below TRAINED_LOSS (the smallest rate if none did)."""
    ok = np.isfinite(losses) & (losses < TRAINED_LOSS)
    rates = np.asarray(grid)
    return np.array([rates[row].max() if row.any() else rates[0] for row in ok])


# ---------------------------------------------------------------------------------------------- run
def run(ctx: Context) -> Result:
    seeds = ctx.seeds(full=5, quick=2)
    trained = _train_configs(seeds, epochs=ctx.pick(150, 40))
    grid = ctx.pick(LR_GRID, LR_GRID[2:6])
    sweep = _lr_sweep(seeds, epochs=ctx.pick(5, 2), grid=grid)
    scores, models = trained["scores"], trained["models"]
    est = {kind: {k: estimate(v, seeds) for k, v in s.items()} for kind, s in scores.items()}

    def gap(kind: str, what: str) -> Estimate:
        if what == "acc":
            return paired_difference(est[kind]["train_acc"], est[kind]["test_acc"])
        return paired_difference(est[kind]["test_loss"], est[kind]["train_loss"])

    dropout_model, x_test = models["dropout"][0]
    bn_model = models["bn"][0][0]
    checks = _normalisation_checks(dropout_model, bn_model, x_test[:BATCH])
    shift = [_variance_shift(m, xt) for m, xt in models["dropout_bn"]]
    shift_bn = [_variance_shift(m, xt) for m, xt in models["bn"]]

    lr_plain = _largest_trained_lr(sweep[False], grid)
    lr_bn = _largest_trained_lr(sweep[True], grid)

    metrics = {
        "dropout_standardisation_error": checks["dropout_error"],
        "dropout_scale_gain": checks["dropout_scale_gain"],
        "gap_reduction_by_dropout": paired_difference(gap("plain", "loss"), gap("dropout", "loss")),
        "test_loss_reduction_by_dropout": paired_difference(est["plain"]["test_loss"], est["dropout"]["test_loss"]),
        "test_acc_gain_by_dropout": paired_difference(est["dropout"]["test_acc"], est["plain"]["test_acc"]),
        "bn_train_standardisation_error": checks["bn_train_error"],
        "bn_eval_running_stats_error": checks["bn_eval_error"],
        "log10_lr_ratio_bn": estimate(np.log10(lr_bn / lr_plain), seeds),
        "acc_bn_minus_dropout_bn": paired_difference(est["bn"]["test_acc"], est["dropout_bn"]["test_acc"]),
        "acc_bn_minus_bn_dropout": paired_difference(est["bn"]["test_acc"], est["bn_dropout"]["test_acc"]),
        "variance_shift_dropout_bn": estimate([s[0] for s in shift], seeds),
        "variance_shift_bn_only": estimate([s[0] for s in shift_bn], seeds),
    }

    # ------------------------------------------------------------------ tables
    units = Table(
        "Per-unit batch statistics (first hidden layer, one batch of 50 test digits, training mode)",
        ["signal", "gap to mean 0, std 1: median over units (BN normalised: max)", "output std, input x10 / input"],
    )
    units.add("input to dropout (ReLU output)", checks["dropout_input_error"], "")
    units.add("output of dropout", checks["dropout_error"], checks["dropout_scale_gain"])
    units.add("input to BN (Linear output)", checks["bn_input_error"], "")
    units.add("BN, normalised (before its scale and shift)", checks["bn_train_error"], checks["bn_scale_gain"])
    units.add("BN in eval mode, same batch (running statistics)", checks["bn_eval_batch_error"], "")

    configs = Table(
        f"{N_TRAIN} training digits, 64-{WIDTH}-{WIDTH}-10 ReLU MLPs, Adam, mean over {len(seeds)} seeds",
        ["network", "layers", "train acc", "test acc", "test - train cross-entropy", "test cross-entropy"],
    )
    for kind, layers in CONFIGS.items():
        e = est[kind]
        configs.add(
            kind,
            layers,
            e["train_acc"].mean,
            e["test_acc"].mean,
            gap(kind, "loss").mean,
            e["test_loss"].mean,
        )

    diffs = Table("Paired differences (95% CI over seeds)", ["comparison", "estimate"])
    for name in (
        "gap_reduction_by_dropout",
        "test_loss_reduction_by_dropout",
        "test_acc_gain_by_dropout",
        "acc_bn_minus_dropout_bn",
        "acc_bn_minus_bn_dropout",
        "variance_shift_dropout_bn",
        "variance_shift_bn_only",
        "log10_lr_ratio_bn",
    ):
        diffs.add(name, str(metrics[name]))
    diffs.add("BN output change when a sample's batchmates change (train mode)", checks["bn_batch_dependence"])
    diffs.add("BN eval output vs (x - running_mean) / sqrt(running_var + eps) * w + b", checks["bn_eval_error"])

    sweep_table = Table(
        "Learning-rate sweep: 64-(64x6)-10 ReLU MLP, plain SGD, last-epoch training loss (mean over seeds; "
        "nan = diverged)",
        ["learning rate", "plain", "with BN", "plain runs that train", "BN runs that train"],
    )
    for j, lr in enumerate(grid):
        p, b = sweep[False][:, j], sweep[True][:, j]
        sweep_table.add(
            lr,
            float(np.mean(p)),
            float(np.mean(b)),
            f"{int(np.sum(p < TRAINED_LOSS))}/{len(seeds)}",
            f"{int(np.sum(b < TRAINED_LOSS))}/{len(seeds)}",
        )

    # ------------------------------------------------------------------ figures
    fig, (ax_units, ax_shift) = figure(1, 2, width=11, height=4.2)
    for name, a, style in (
        ("Linear output (BN input)", checks["bn_in"], dict(color="#8c8c8c", marker="o", s=10, alpha=0.6)),
        ("dropout output", checks["drop_out"], dict(color="#dd8452", marker="^", s=12, alpha=0.7)),
        ("BN normalised output (all units)", checks["x_hat"], dict(color="#4c72b0", marker="s", s=60, zorder=3)),
    ):
        mean, std = _unit_stats(a)
        ax_units.scatter(mean, std, label=name, **style)
    ax_units.axhline(1, color="k", lw=0.6, ls=":")
    ax_units.axvline(0, color="k", lw=0.6, ls=":")
    ax_units.set_xlabel("per-unit mean over a batch of 50")
    ax_units.set_ylabel("per-unit standard deviation")
    ax_units.set_title("only BN pins every unit to mean 0, std 1")
    ax_units.legend(fontsize=8)

    _, running, test_var = shift[0]
    _, running_bn, test_var_bn = shift_bn[0]
    ax_shift.loglog(test_var_bn, running_bn, "s", ms=3, color="#4c72b0", alpha=0.6, label="BN only")
    ax_shift.loglog(test_var, running, "^", ms=3, color="#dd8452", alpha=0.6, label="dropout feeding the BN")
    lo = min(test_var.min(), test_var_bn.min())
    hi = max(running.max(), running_bn.max(), test_var.max())
    line = np.array([lo, hi])
    ax_shift.plot(line, line, "k-", lw=0.8, label="running = test variance")
    ax_shift.plot(line, line / KEEP, "k--", lw=0.8, label=f"running = test variance / keep ({1 / KEEP:g}x)")
    ax_shift.set_xlabel("variance of the BN input at test time (dropout off)")
    ax_shift.set_ylabel("BN running variance (collected in training)")
    ax_shift.set_title("variance shift: second BN layer, one unit per point")
    for axis in (ax_shift.xaxis, ax_shift.yaxis):
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FormatStrFormatter("%g"))
        axis.set_minor_formatter(NullFormatter())
    ax_shift.legend(fontsize=8)

    fig2, (ax_lr, ax_acc, ax_gap) = figure(1, 3, width=15, height=4.2)
    for with_bn, color, label in ((False, "#c44e52", "plain"), (True, "#4c72b0", "with BN")):
        values = np.where(np.isfinite(sweep[with_bn]), sweep[with_bn], np.nan)
        shown = np.nanmean(np.where(np.isnan(values), 10.0, np.minimum(values, 10.0)), axis=0)
        ax_lr.plot(grid, shown, "o-", color=color, label=f"{label} (diverged runs drawn at 10)")
    ax_lr.axhline(CHANCE_LOSS, color="k", lw=0.8, ls=":", label="chance level ln 10")
    ax_lr.axhline(TRAINED_LOSS, color="k", lw=0.8, ls="--", label="'trains' threshold")
    ax_lr.set_xscale("log")
    ax_lr.set_yscale("log")
    ax_lr.set_xlabel("learning rate (plain SGD)")
    ax_lr.set_ylabel(f"training loss after {ctx.pick(5, 2)} epochs")
    ax_lr.set_title("6 hidden ReLU layers: BN tolerates larger steps")
    ax_lr.legend(fontsize=8)

    kinds = list(CONFIGS)
    xs = np.arange(len(kinds))
    labels = [k.replace("_", "\n") for k in kinds]
    for ax, key, color, ylabel, title in (
        (ax_acc, "test_acc", "#55a868", "test accuracy", "test accuracy (train accuracy is ~1 for all)"),
        (ax_gap, "gap", "#dd8452", "test - train cross-entropy", "overfitting: train-test loss gap"),
    ):
        values = [est[k][key] if key != "gap" else gap(k, "loss") for k in kinds]
        means = [v.mean for v in values]
        ax.bar(xs, means, width=0.6, yerr=[v.ci[1] - v.mean for v in values], color=color, capsize=3)
        ax.set_xticks(xs, labels)
        ax.set_ylabel(f"{ylabel} (95% CI over seeds)")
        ax.set_title(title)
    low = min(est[k]["test_acc"].ci[0] for k in kinds)
    ax_acc.set_ylim(max(0.0, low - 0.02), min(1.0, max(est[k]["test_acc"].ci[1] for k in kinds) + 0.01))

    notes = [
        f"Variance shift (Li et al. 2019): with keep probability q, a unit of mean c and variance v has variance "
        f"(c^2 + v) / q - c^2 while training and v at test time, a ratio of at least 1/q = {1 / KEEP:g}. The BN "
        f"here sees a Linear mix of such units, whose test variance also holds their covariances, so its ratio is "
        f"above 1 but can fall short of 1/q: median {metrics['variance_shift_dropout_bn'].mean:.2f} when dropout "
        f"feeds it vs {metrics['variance_shift_bn_only'].mean:.2f} without dropout. At test time that BN divides by "
        f"a variance too large, so its outputs shrink; on these digits the accuracy cost stayed within noise.",
        "The learning-rate sweep counts a run as training if its last-epoch loss is finite and below ln(10) / 2; the "
        "ratio compares the largest such rate with and without BN on the grid, so it moves in steps of sqrt(10).",
        f"Training accuracy is {est['plain']['train_acc'].mean:.3f} without dropout: the small training set is "
        f"memorised, and overfitting shows as a gap in cross-entropy more clearly than in accuracy. Dropout "
        f"(inputs keep 0.8, hidden units keep {KEEP:g}) narrows that gap, but its test-side gain is small at this "
        f"size: test accuracy {metrics['test_acc_gain_by_dropout']}.",
        "The last claim is judged on these digits only. BN-only matched both dropout placements here, but the "
        "literature has counter-examples: dropout between the convolutions of wide residual networks, which use BN, "
        "improved their test error (Zagoruyko & Komodakis 2016).",
    ]
    return Result(
        metrics=metrics,
        figures={"unit statistics and variance shift": fig, "learning rates and accuracy": fig2},
        tables=[units, configs, diffs, sweep_table],
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------- rules
def _dropout_normalises(m: dict) -> Verdict:
    """A normaliser gives standardised units whatever the input's scale."""
    standardised = m["dropout_standardisation_error"] <= 0.05
    scale_free = m["dropout_scale_gain"] <= 1.5
    if standardised and scale_free:
        return Verdict.SUPPORTED
    if standardised or scale_free:
        return Verdict.PARTLY
    if m["dropout_standardisation_error"] > 0.2 and m["dropout_scale_gain"] >= 5:
        return Verdict.REFUTED
    return Verdict.NOT_SUPPORTED


def _lower(e) -> float:
    return e.ci[0] if isinstance(e, Estimate) else float(e)


def _upper(e) -> float:
    return e.ci[1] if isinstance(e, Estimate) else float(e)


def _dropout_regularises(m: dict) -> Verdict:
    gap, test = m["gap_reduction_by_dropout"], m["test_loss_reduction_by_dropout"]
    if _lower(gap) > 0 and _lower(test) > 0:
        return Verdict.SUPPORTED
    if _lower(gap) > 0 and _upper(test) > 0:
        return Verdict.PARTLY
    if _upper(gap) < 0:
        return Verdict.REFUTED
    return Verdict.NOT_SUPPORTED


def _bn_normalises(m: dict) -> Verdict:
    train_ok = m["bn_train_standardisation_error"] <= 1e-3
    eval_ok = m["bn_eval_running_stats_error"] <= 1e-4
    if train_ok and eval_ok:
        return Verdict.SUPPORTED
    if train_ok:
        return Verdict.PARTLY
    return Verdict.REFUTED if m["bn_train_standardisation_error"] > 0.1 else Verdict.NOT_SUPPORTED


def _no_loss_without_dropout(m: dict) -> Verdict:
    """BN-only against each dropout placement: 'no loss' means the CI of the difference stays above -MARGIN."""
    before, after = m["acc_bn_minus_dropout_bn"], m["acc_bn_minus_bn_dropout"]
    no_loss = [_lower(before) > -MARGIN, _lower(after) > -MARGIN]
    if all(no_loss):
        return Verdict.SUPPORTED
    if any(no_loss):
        return Verdict.PARTLY
    return Verdict.REFUTED if _upper(before) < 0 and _upper(after) < 0 else Verdict.NOT_SUPPORTED


EXPERIMENT = Experiment(
    id="q11",
    question="What are dropout and batch normalisation?",
    answer=(
        "Dropout is a regulariser, not a normaliser: while training, it zeroes each hidden unit at random "
        "(probability 1 - q) and scales the survivors by 1/q, so no unit can rely on particular others; at test "
        "time it is switched off. That noise narrows the gap between training and test loss. Batch normalisation "
        "is the normaliser: in training it standardises every unit with the mean and variance of the current "
        "mini-batch, then applies a learned scale and shift; at test time it uses running averages of those "
        "statistics instead, so a sample's output no longer depends on its batch. Keeping every layer's inputs "
        "on a fixed scale lets a deep network train at learning rates that make the plain network diverge (why "
        "it helps is debated: Santurkar et al. tie it to a smoother loss surface rather than to the 'internal "
        "covariate shift' it was named after). "
        "With BN, dropout is often unnecessary, and placed in front of a BN layer it does harm in principle: "
        "BN learns the larger training-time variance that dropout creates and misjudges the test-time one."
    ),
    claims=(
        Claim(
            "dropout_is_normalisation",
            "Dropout is a normalisation technique.",
            Custom(
                _dropout_normalises,
                "supported if dropout's outputs are standardised (median per-unit |mean| or |std - 1| <= 0.05) and "
                "do not follow the input's scale (output std ratio <= 1.5 when the input is scaled x10); partly if "
                "only one holds; refuted if the median gap is > 0.2 and the output scales >= 5x with the input; "
                "otherwise not supported",
                ("dropout_standardisation_error", "dropout_scale_gain"),
                {
                    Verdict.SUPPORTED: {"dropout_standardisation_error": 0.01, "dropout_scale_gain": 1.0},
                    Verdict.PARTLY: {"dropout_standardisation_error": 0.01, "dropout_scale_gain": 10.0},
                    Verdict.NOT_SUPPORTED: {"dropout_standardisation_error": 0.1, "dropout_scale_gain": 3.0},
                    Verdict.REFUTED: {"dropout_standardisation_error": 0.6, "dropout_scale_gain": 10.0},
                },
            ),
        ),
        Claim(
            "dropout_reduces_overfitting",
            "Dropout reduces overfitting: the noise it injects in training makes the network generalise better.",
            Custom(
                _dropout_regularises,
                "paired over seeds, no dropout minus dropout: supported if the 95% CIs of both the reduction of the "
                "test - train cross-entropy gap and the reduction of the test cross-entropy lie above 0; partly if "
                "the gap shrinks but test loss does not clearly fall (its CI reaches above 0); refuted if the gap "
                "clearly widens; otherwise not supported",
                ("gap_reduction_by_dropout", "test_loss_reduction_by_dropout"),
                {
                    Verdict.SUPPORTED: {
                        "gap_reduction_by_dropout": estimate_of(0.1, 0.12, 0.09),
                        "test_loss_reduction_by_dropout": estimate_of(0.05, 0.06, 0.04),
                    },
                    Verdict.PARTLY: {
                        "gap_reduction_by_dropout": estimate_of(0.1, 0.12, 0.09),
                        "test_loss_reduction_by_dropout": estimate_of(0.05, -0.06, 0.02),
                    },
                    Verdict.NOT_SUPPORTED: {
                        "gap_reduction_by_dropout": estimate_of(0.1, -0.12, 0.02),
                        "test_loss_reduction_by_dropout": estimate_of(0.05, -0.06, 0.02),
                    },
                    Verdict.REFUTED: {
                        "gap_reduction_by_dropout": estimate_of(-0.1, -0.12, -0.09),
                        "test_loss_reduction_by_dropout": estimate_of(-0.05, -0.06, -0.04),
                    },
                },
            ),
        ),
        Claim(
            "bn_normalises_per_batch",
            "Batch normalisation standardises each hidden unit with the statistics of the current mini-batch "
            "(and uses running averages of them at test time).",
            Custom(
                _bn_normalises,
                "supported if, in training mode, every unit's normalised output has batch mean 0 and std 1 within "
                "1e-3 and the eval-mode output equals the running-statistics formula within 1e-4; partly if only "
                "the training-mode part holds; refuted if some unit is off by > 0.1; otherwise not supported",
                ("bn_train_standardisation_error", "bn_eval_running_stats_error"),
                {
                    Verdict.SUPPORTED: {"bn_train_standardisation_error": 1e-5, "bn_eval_running_stats_error": 1e-7},
                    Verdict.PARTLY: {"bn_train_standardisation_error": 1e-5, "bn_eval_running_stats_error": 0.3},
                    Verdict.NOT_SUPPORTED: {"bn_train_standardisation_error": 0.01, "bn_eval_running_stats_error": 0},
                    Verdict.REFUTED: {"bn_train_standardisation_error": 0.5, "bn_eval_running_stats_error": 0.3},
                },
            ),
        ),
        Claim(
            "bn_allows_higher_lr",
            "Batch normalisation lets a deep network train at much higher learning rates.",
            Effect("log10_lr_ratio_bn", sign=+1, min_effect=0.5, unit=" decades"),
        ),
        Claim(
            "bn_makes_dropout_unnecessary",
            "With batch normalisation, dropout can be removed without losing generalisation.",
            Custom(
                _no_loss_without_dropout,
                "test accuracy of the BN-only network minus each BN + dropout network (dropout feeding a BN; "
                "dropout only after the last BN), paired over seeds: supported if both 95% CIs stay above -1 "
                "percentage point (no loss); partly if only one does; refuted if BN-only is clearly worse than "
                "both; otherwise not supported",
                ("acc_bn_minus_dropout_bn", "acc_bn_minus_bn_dropout"),
                {
                    Verdict.SUPPORTED: {
                        "acc_bn_minus_dropout_bn": estimate_of(0.01, 0.012, 0.008),
                        "acc_bn_minus_bn_dropout": estimate_of(0.0, 0.002, -0.002),
                    },
                    Verdict.PARTLY: {
                        "acc_bn_minus_dropout_bn": estimate_of(0.01, 0.012, 0.008),
                        "acc_bn_minus_bn_dropout": estimate_of(-0.03, -0.02, -0.025),
                    },
                    Verdict.NOT_SUPPORTED: {
                        "acc_bn_minus_dropout_bn": estimate_of(0.01, -0.05, 0.0),
                        "acc_bn_minus_bn_dropout": estimate_of(-0.03, 0.02, -0.025),
                    },
                    Verdict.REFUTED: {
                        "acc_bn_minus_dropout_bn": estimate_of(-0.03, -0.02, -0.025),
                        "acc_bn_minus_bn_dropout": estimate_of(-0.03, -0.02, -0.025),
                    },
                },
            ),
        ),
    ),
    data=(
        f"scikit-learn digits (8x8, pixels / 16), the lab's stratified split: {N_TRAIN} training images (a "
        "stratified subset chosen by the seed) and the fixed 597 test images for the dropout / BN comparisons; "
        "the full 1,200 training images for the learning-rate sweep"
    ),
    references=(
        "Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov (2014). Dropout: a simple way to prevent neural "
        "networks from overfitting. JMLR 15:1929-1958.",
        "Ioffe & Szegedy (2015). Batch normalization: accelerating deep network training by reducing internal "
        "covariate shift. ICML.",
        "Li, Chen, Hu & Yang (2019). Understanding the disharmony between dropout and batch normalization by "
        "variance shift. CVPR.",
        "Santurkar, Tsipras, Ilyas & Madry (2018). How does batch normalization help optimization? NeurIPS.",
        "Wager, Wang & Liang (2013). Dropout training as adaptive regularization. NIPS.",
        "Zagoruyko & Komodakis (2016). Wide residual networks. BMVC.",
    ),
    run=run,
)
