"""Q11. What are dropout and batch normalisation?"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from .. import Tensor, nn, no_grad, optim
from ..nn import functional as F
from ..train import NanGuard, fit
from . import framework as lab
from .common import accuracy, correct, digits_split, predict, train
from .plots import figure

WIDTH = 256  # wide enough, for 150 images, that dropout has something to regularise
N_TRAIN = 150
BATCH = 50
KEEP = 0.5  # hidden units kept by dropout (Srivastava et al.'s default); inputs keep 0.8 in the dropout-only net
LR_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
CHANCE_LOSS = math.log(10)
TRAINED_LOSS = CHANCE_LOSS / 2  # a run "trains" if its last-epoch loss ends below half the chance-level loss
MARGIN = 0.01  # "no loss in generalisation": test accuracy within 1 percentage point
FIT_LOSS = 0.1  # a network "fit its training set" when its training cross-entropy (eval mode) is at most this

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


def _item_losses(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cross-entropy of each sample (float64, eval mode)."""
    z = predict(model, x).astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    return np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]


def _cross_entropy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    return float(_item_losses(model, x, y).mean())


def _layer_io(model: nn.Sequential, layer: nn.Module, x: np.ndarray, training: bool):
    """The input and output of ``layer`` when ``model`` runs on ``x`` in training or eval mode (no graph)."""
    seen = {}

    def hook(module, inputs, output):
        seen["in"], seen["out"] = inputs[0].numpy().copy(), output.numpy().copy()

    buffers = [b.numpy().copy() for b in model.buffers()]  # a training-mode pass would move BN's running statistics
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
    keys = ("train_acc", "test_acc", "train_loss", "test_loss", "test_item_loss", "test_correct")
    scores = {kind: {k: [] for k in keys} for kind in CONFIGS}
    kept = {}
    for seed in seeds:
        x_train, x_test, y_train, y_test = digits_split(seed, n_train=N_TRAIN)
        for kind in CONFIGS:
            model = _net(kind, np.random.default_rng([seed, 11]))
            train(model, x_train, y_train, epochs, batch_size=BATCH, lr=1e-3, optimizer="adam", seed=seed)
            s = scores[kind]
            s["train_acc"].append(accuracy(model, x_train, y_train))
            s["test_correct"].append(correct(model, x_test, y_test))
            s["test_acc"].append(float(s["test_correct"][-1].mean()))
            s["train_loss"].append(_cross_entropy(model, x_train, y_train))
            s["test_item_loss"].append(_item_losses(model, x_test, y_test))
            s["test_loss"].append(float(s["test_item_loss"][-1].mean()))
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
    once = F.dropout(Tensor(drop_in), p, True, rng=np.random.default_rng(0)).numpy()
    scaled = F.dropout(Tensor(10 * drop_in), p, True, rng=np.random.default_rng(0)).numpy()
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
def run(ctx: lab.Context) -> lab.Result:
    seeds = ctx.seeds(full=8, quick=3)
    trained = _train_configs(seeds, epochs=ctx.pick(150, 40))
    grid = ctx.pick(LR_GRID, (0.1, 1.0))  # quick: a rate where the plain net trains, and one where only BN does
    sweep_epochs = 5
    sweep_seeds = seeds[:5]  # the sweep's outcome hardly varies between seeds: five are enough
    sweep = _lr_sweep(sweep_seeds, epochs=sweep_epochs, grid=grid)
    scores, models = trained["scores"], trained["models"]
    est = {
        kind: {k: lab.estimate(s[k], seeds) for k in ("train_acc", "test_acc", "train_loss", "test_loss")}
        for kind, s in scores.items()
    }

    def gap(kind: str, what: str) -> lab.Estimate:
        if what == "acc":
            return lab.paired_difference(est[kind]["train_acc"], est[kind]["test_acc"])
        return lab.paired_difference(est[kind]["test_loss"], est[kind]["train_loss"])

    def per_item(kind: str, what: str) -> np.ndarray:
        return np.array(scores[kind][what])  # (seeds, test images)

    def test_accuracy(kind: str) -> lab.Estimate:
        return lab.over_items(per_item(kind, "test_correct"), seeds)

    def accuracy_difference(a: str, b: str) -> lab.Estimate:
        """Test accuracy of ``a`` minus ``b``, paired over seeds and test images."""
        return lab.over_items(per_item(a, "test_correct") - per_item(b, "test_correct"), seeds)

    # Test loss of the plain net minus the dropout net on each test image; the gap reduction subtracts the
    # same difference on the training set, which varies with the seed only (each seed has its own subset).
    test_saving = per_item("plain", "test_item_loss") - per_item("dropout", "test_item_loss")
    train_saving = np.array(scores["plain"]["train_loss"]) - np.array(scores["dropout"]["train_loss"])

    checks = [
        _normalisation_checks(dropout_model, bn_model, x_test[:BATCH])
        for (dropout_model, x_test), (bn_model, _) in zip(models["dropout"], models["bn"])
    ]
    shift = [_variance_shift(m, xt) for m, xt in models["dropout_bn"]]
    shift_bn = [_variance_shift(m, xt) for m, xt in models["bn"]]

    lr_plain = _largest_trained_lr(sweep[False], grid)
    lr_bn = _largest_trained_lr(sweep[True], grid)

    def trains_somewhere(losses: np.ndarray) -> list[bool]:
        return list((np.isfinite(losses) & (losses < TRAINED_LOSS)).any(axis=1))

    metrics = {
        "dropout_standardisation_error": lab.estimate([c["dropout_error"] for c in checks], seeds),
        "dropout_input_standardisation_error": lab.estimate([c["dropout_input_error"] for c in checks], seeds),
        "dropout_scale_gain": min(c["dropout_scale_gain"] for c in checks),
        "gap_reduction_by_dropout": lab.over_items(test_saving - train_saving[:, None], seeds),
        "test_loss_reduction_by_dropout": lab.over_items(test_saving, seeds),
        "test_acc_gain_by_dropout": accuracy_difference("dropout", "plain"),
        "plain_test_accuracy": test_accuracy("plain"),
        "plain_test_minus_train_loss": gap("plain", "loss"),
        "dropout_train_loss": est["dropout"]["train_loss"],
        "bn_train_standardisation_error": max(c["bn_train_error"] for c in checks),
        "bn_eval_running_stats_error": max(c["bn_eval_error"] for c in checks),
        "log10_lr_ratio_bn": lab.estimate(np.log10(lr_bn / lr_plain), sweep_seeds),
        "plain_trains_at_some_rate": lab.proportion(trains_somewhere(sweep[False]), sweep_seeds),
        "bn_trains_at_some_rate": lab.proportion(trains_somewhere(sweep[True]), sweep_seeds),
        "acc_bn_minus_dropout_bn": accuracy_difference("bn", "dropout_bn"),
        "acc_bn_minus_bn_dropout": accuracy_difference("bn", "bn_dropout"),
        "bn_test_accuracy": test_accuracy("bn"),
        "dropout_bn_train_loss": est["dropout_bn"]["train_loss"],
        "bn_dropout_train_loss": est["bn_dropout"]["train_loss"],
        "variance_shift_dropout_bn": lab.estimate([s[0] for s in shift], seeds),
        "variance_shift_bn_only": lab.estimate([s[0] for s in shift_bn], seeds),
    }
    checks = checks[0]  # the tables and figures show the first seed's layers

    # ------------------------------------------------------------------ tables
    units = lab.Table(
        "Per-unit batch statistics (first hidden layer, one batch of 50 test digits, training mode)",
        ["signal", "gap to mean 0, std 1: median over units (BN normalised: max)", "output std, input x10 / input"],
    )
    units.add("input to dropout (ReLU output)", checks["dropout_input_error"], "")
    units.add("output of dropout", checks["dropout_error"], checks["dropout_scale_gain"])
    units.add("input to BN (Linear output)", checks["bn_input_error"], "")
    units.add("BN, normalised (before its scale and shift)", checks["bn_train_error"], checks["bn_scale_gain"])
    units.add("BN in eval mode, same batch (running statistics)", checks["bn_eval_batch_error"], "")

    configs = lab.Table(
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

    diffs = lab.Table(
        "Paired differences (95% CIs; those on the test images include their sampling error)",
        ["comparison", "estimate"],
    )
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

    sweep_table = lab.Table(
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
            f"{int(np.sum(p < TRAINED_LOSS))}/{len(sweep_seeds)}",
            f"{int(np.sum(b < TRAINED_LOSS))}/{len(sweep_seeds)}",
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
    ax_lr.set_ylabel(f"training loss after {sweep_epochs} epochs")
    ax_lr.set_title("6 hidden ReLU layers: BN tolerates larger steps")
    ax_lr.legend(fontsize=8)

    kinds = list(CONFIGS)
    xs = np.arange(len(kinds))
    labels = [k.replace("_", "\n") for k in kinds]
    for ax, key, color, ylabel, title in (
        (ax_acc, "test_acc", "#55a868", "test accuracy", "test accuracy (train accuracy is ~1 for all)"),
        (ax_gap, "gap", "#dd8452", "test - train cross-entropy", "overfitting: train-test loss gap"),
    ):
        values = [test_accuracy(k) if key != "gap" else gap(k, "loss") for k in kinds]
        means = [v.mean for v in values]
        ax.bar(xs, means, width=0.6, yerr=[v.ci[1] - v.mean for v in values], color=color, capsize=3)
        ax.set_xticks(xs, labels)
        ax.set_ylabel(f"{ylabel} (95% CI)")
        ax.set_title(title)
    bottom = min(test_accuracy(k).ci[0] for k in kinds)
    ax_acc.set_ylim(max(0.0, bottom - 0.02), min(1.0, max(test_accuracy(k).ci[1] for k in kinds) + 0.01))

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
        f"Dropout narrows the train-test cross-entropy gap ({metrics['gap_reduction_by_dropout']}); its effect on "
        f"the test loss itself ({metrics['test_loss_reduction_by_dropout']}) is about as large as what "
        f"{len(seeds)} seeds and 597 test images can resolve, so unless that interval clears 0 or lies within "
        f"±{MIN_LOSS} nats, the second half of the claim (generalises better) stays undecided.",
        "Each claim is judged only if its controls worked: the networks learned, the one without dropout overfits, "
        f"the dropout networks fit their training sets (cross-entropy <= {FIT_LOSS}; quick mode's 40 epochs are "
        "too few for the dropout-only net), and in the sweep both deep nets train at some rate.",
        "'No loss without dropout' means something only where dropout matters (assay sensitivity): if dropout "
        "does not help even without BN, removing it cannot cost anything, with BN or without. So the last claim "
        f"can be supported only if, without BN, dropout's test accuracy gain lies above {MARGIN:.0%}; here it is "
        f"{metrics['test_acc_gain_by_dropout']}. BN-only against the two dropout placements: "
        f"{metrics['acc_bn_minus_dropout_bn']} (dropout feeding a BN) and {metrics['acc_bn_minus_bn_dropout']} "
        "(dropout after the last BN).",
        "The last claim is judged on these digits only; the literature has counter-examples: dropout between the "
        "convolutions of wide residual networks, which use BN, improved their test error (Zagoruyko & Komodakis "
        "2016).",
    ]
    return lab.Result(
        metrics=metrics,
        figures={"unit statistics and variance shift": fig, "learning rates and accuracy": fig2},
        tables=[units, configs, diffs, sweep_table],
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------- rules
MIN_LOSS = 0.02  # nats of test cross-entropy: a smaller change does not matter


def _dropout_normalises(m: dict) -> lab.Judgement:
    """A normaliser gives standardised units whatever the input's scale."""
    error = m["dropout_standardisation_error"]
    standardised = True if lab.high(error) <= 0.05 else False if lab.low(error) > 0.05 else None
    scale_free = m["dropout_scale_gain"] <= 1.5
    if standardised is None:
        return lab.undecided(m, "dropout_standardisation_error")
    if standardised and scale_free:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if standardised or scale_free:
        return lab.Judgement(lab.Verdict.PARTLY)
    if lab.low(error) > 0.2 and m["dropout_scale_gain"] >= 5:
        return lab.Judgement(lab.Verdict.REFUTED)
    return lab.Judgement(lab.Verdict.NOT_SUPPORTED)


def _dropout_regularises(m: dict) -> lab.Judgement:
    """Reducing overfitting (the train-test gap) is the first half of the claim, better generalisation (the
    test loss) the second: both must be shown. A narrower gap with a test loss that clearly does not change is
    the qualified case (partly); a test loss that the intervals cannot place leaves the claim undecided."""
    gap, test = m["gap_reduction_by_dropout"], m["test_loss_reduction_by_dropout"]
    if lab.high(gap) < 0:
        return lab.Judgement(lab.Verdict.REFUTED)
    if -MIN_LOSS < lab.low(gap) and lab.high(gap) < MIN_LOSS:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED, f"the gap changes by less than {MIN_LOSS} nats")
    if lab.low(gap) <= 0:
        return lab.undecided(m, "gap_reduction_by_dropout")
    if lab.low(test) > 0:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if -MIN_LOSS < lab.low(test) and lab.high(test) < MIN_LOSS:
        return lab.Judgement(lab.Verdict.PARTLY, "the gap narrows, but the test loss does not change")
    if lab.high(test) < -MIN_LOSS:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED, "the gap narrows, but the test loss rises")
    return lab.undecided(
        m,
        "gap_reduction_by_dropout",
        "test_loss_reduction_by_dropout",
        because="the gap narrows; whether the test loss falls",
    )


def _bn_normalises(m: dict) -> lab.Judgement:
    train, evaluation = m["bn_train_standardisation_error"], m["bn_eval_running_stats_error"]
    if lab.low(train) > 0.1:
        return lab.Judgement(lab.Verdict.REFUTED)
    if lab.high(train) <= 1e-3:
        if lab.high(evaluation) <= 1e-4:
            return lab.Judgement(lab.Verdict.SUPPORTED)
        if lab.low(evaluation) > 1e-4:
            return lab.Judgement(
                lab.Verdict.PARTLY, "training mode standardises; eval mode is not the running-statistics map"
            )
    elif lab.low(train) > 1e-3:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED)
    return lab.undecided(m, *_BN)


def _no_loss_without_dropout(m: dict) -> lab.Judgement:
    """BN-only against each dropout placement: 'no loss' means the CI of the difference stays above -MARGIN,
    'a loss' that it lies below -MARGIN.

    'No loss' is a non-inferiority finding, and it needs assay sensitivity: it shows that BN makes dropout
    unnecessary only where dropout is needed at all, that is where it demonstrably helps without BN (by more than
    the margin: the CI of its gain over the plain network lies above MARGIN). Where it does not, removing it
    could not have cost anything, with BN or without, and the test cannot tell. A loss needs no such condition.
    """
    parts = [m["acc_bn_minus_dropout_bn"], m["acc_bn_minus_bn_dropout"]]
    no_loss = [True if lab.low(d) > -MARGIN else False if lab.high(d) < -MARGIN else None for d in parts]
    if None in no_loss:
        return lab.undecided(m, *_NO_LOSS, because=f"whether removing dropout costs more than {MARGIN:.0%} accuracy")
    if not any(no_loss):
        return lab.Judgement(lab.Verdict.REFUTED)
    if not all(no_loss):
        return lab.Judgement(lab.Verdict.PARTLY, "removing dropout costs accuracy for one placement only")
    if lab.low(m["test_acc_gain_by_dropout"]) > MARGIN:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    return lab.undecided(
        m,
        "test_acc_gain_by_dropout",
        because=f"no accuracy is lost, but the test cannot tell: dropout is not shown to help by more than "
        f"{MARGIN:.0%} even without BN, so removing it could not have cost accuracy",
    )


_NORMALISES = ("dropout_standardisation_error", "dropout_scale_gain")
_REGULARISES = ("gap_reduction_by_dropout", "test_loss_reduction_by_dropout")
_BN = ("bn_train_standardisation_error", "bn_eval_running_stats_error")
_NO_LOSS = ("acc_bn_minus_dropout_bn", "acc_bn_minus_bn_dropout")
_NO_LOSS_SENSITIVE = (*_NO_LOSS, "test_acc_gain_by_dropout")
_e = lab.estimate_of
_no_loss_case = lab.synthetic(*_NO_LOSS_SENSITIVE)
_HELPS = (0.04, 0.05, 0.045)  # dropout's gain without BN, well above the margin


EXPERIMENT = lab.Experiment(
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
        "BN learns the larger training-time variance that dropout creates and misjudges the test-time one. "
        "Whether BN makes dropout unnecessary can only be tested where dropout helps without BN; on these 150 "
        "digits it does not (its gain lies within about one point of zero), so removing it costs nothing, with BN "
        "or without, and the lab cannot tell."
    ),
    claims=(
        lab.Claim(
            "dropout_is_normalisation",
            "Dropout is a normalisation technique.",
            lab.Custom(
                _dropout_normalises,
                "supported if dropout's outputs are standardised (median per-unit |mean| or |std - 1| on a batch, "
                "95% CI over seeds <= 0.05) and do not follow the input's scale (output std ratio <= 1.5 when the "
                "input is scaled x10, exact); partly if only one holds; refuted if the median gap's CI lies above 0.2 "
                "and the output scales >= 5x with the input; not supported otherwise; inconclusive if the gap's CI "
                "straddles 0.05",
                _NORMALISES,
                {
                    lab.Verdict.SUPPORTED: dict(zip(_NORMALISES, (_e(0.01, 0.02, 0.015), 1.0))),
                    lab.Verdict.PARTLY: dict(zip(_NORMALISES, (_e(0.01, 0.02, 0.015), 10.0))),
                    lab.Verdict.NOT_SUPPORTED: dict(zip(_NORMALISES, (_e(0.1, 0.12, 0.11), 3.0))),
                    lab.Verdict.REFUTED: dict(zip(_NORMALISES, (_e(0.6, 0.5, 0.55), 10.0))),
                    lab.Verdict.INCONCLUSIVE: dict(zip(_NORMALISES, (_e(0.01, 0.3, 0.1), 10.0))),
                },
            ),
            gates=(
                lab.Gate(
                    "dropout_input_standardisation_error",
                    "the input to dropout is not standardised already (median per-unit gap > 0.2)",
                    at_least=0.2,
                    kind="manipulation check",
                ),
            ),
        ),
        lab.Claim(
            "dropout_reduces_overfitting",
            "Dropout reduces overfitting: the noise it injects in training makes the network generalise better.",
            lab.Custom(
                _dropout_regularises,
                "no dropout minus dropout, paired over seeds and test images (95% CIs): supported if both the "
                "reduction of the test - train cross-entropy gap and the reduction of the test cross-entropy lie "
                f"above 0; partly if the gap shrinks and the test loss does not change (CI within ±{MIN_LOSS}); not "
                f"supported if the gap changes by less than {MIN_LOSS} (CI within ±{MIN_LOSS}) or shrinks while the "
                "test loss clearly rises; refuted if the gap clearly widens; otherwise inconclusive",
                _REGULARISES,
                {
                    lab.Verdict.SUPPORTED: dict(zip(_REGULARISES, (_e(0.1, 0.12, 0.09), _e(0.05, 0.06, 0.04)))),
                    lab.Verdict.PARTLY: dict(zip(_REGULARISES, (_e(0.1, 0.12, 0.09), _e(0.001, -0.001, 0.0)))),
                    lab.Verdict.NOT_SUPPORTED: dict(zip(_REGULARISES, (_e(0.001, -0.001, 0.0), _e(0.05, -0.06, 0.02)))),
                    lab.Verdict.REFUTED: dict(zip(_REGULARISES, (_e(-0.1, -0.12, -0.09), _e(-0.05, -0.06, -0.04)))),
                    lab.Verdict.INCONCLUSIVE: dict(zip(_REGULARISES, (_e(0.1, -0.12, 0.02), _e(0.05, -0.06, 0.02)))),
                },
            ),
            gates=(
                lab.Gate(
                    "plain_test_accuracy", "the network without dropout learned (test accuracy >= 0.8)", at_least=0.8
                ),
                lab.Gate(
                    "plain_test_minus_train_loss",
                    "the network without dropout overfits (test - train cross-entropy >= 0.1)",
                    at_least=0.1,
                ),
                lab.Gate(
                    "dropout_train_loss",
                    f"the dropout network fit its training set (training cross-entropy <= {FIT_LOSS})",
                    at_most=FIT_LOSS,
                ),
            ),
        ),
        lab.Claim(
            "bn_normalises_per_batch",
            "Batch normalisation standardises each hidden unit with the statistics of the current mini-batch "
            "(and uses running averages of them at test time).",
            lab.Custom(
                _bn_normalises,
                "largest error over seeds (exact float32 checks): supported if, in training mode, every unit's "
                "normalised output has batch mean 0 and std 1 within 1e-3 and the eval-mode output equals the "
                "running-statistics formula within 1e-4; partly if only the training-mode part holds; refuted if "
                "some unit is off by > 0.1; not supported in between; an interval across a bar (never here) is "
                "inconclusive",
                _BN,
                {
                    lab.Verdict.SUPPORTED: dict(zip(_BN, (1e-5, 1e-7))),
                    lab.Verdict.PARTLY: dict(zip(_BN, (1e-5, 0.3))),
                    lab.Verdict.NOT_SUPPORTED: dict(zip(_BN, (0.01, 0.0))),
                    lab.Verdict.REFUTED: dict(zip(_BN, (0.5, 0.3))),
                    lab.Verdict.INCONCLUSIVE: dict(zip(_BN, (1e-5, _e(1e-7)))),
                },
            ),
        ),
        lab.Claim(
            "bn_allows_higher_lr",
            "Batch normalisation lets a deep network train at much higher learning rates.",
            lab.Effect("log10_lr_ratio_bn", sign=+1, min_effect=0.5, unit=" decades"),
            gates=(
                lab.Gate(
                    "plain_trains_at_some_rate",
                    "the plain deep network trained at some rate of the grid, on every seed",
                    at_least=1.0,
                ),
                lab.Gate(
                    "bn_trains_at_some_rate",
                    "the network with BN trained at some rate of the grid, on every seed",
                    at_least=1.0,
                ),
            ),
        ),
        lab.Claim(
            "bn_makes_dropout_unnecessary",
            "With batch normalisation, dropout can be removed without losing generalisation.",
            lab.Custom(
                _no_loss_without_dropout,
                "test accuracy of the BN-only network minus each BN + dropout network (dropout feeding a BN; "
                "dropout only after the last BN), paired over seeds and test images: no loss if the 95% CI stays "
                f"above -{MARGIN:.0%}, a loss if it lies below; refuted if both placements lose; partly if one "
                "does; supported if neither does and dropout demonstrably matters here (assay sensitivity: without "
                f"BN, the dropout network's test accuracy gain over the plain one lies above {MARGIN:.0%}); "
                "otherwise inconclusive, also when neither loses but dropout does not help even without BN (then "
                "removing it could not cost anything)",
                _NO_LOSS_SENSITIVE,
                {
                    lab.Verdict.SUPPORTED: _no_loss_case((0.01, 0.012, 0.008), (0.0, 0.002, -0.002), _HELPS),
                    lab.Verdict.PARTLY: _no_loss_case((0.01, 0.012, 0.008), (-0.03, -0.032, -0.035), _HELPS),
                    lab.Verdict.REFUTED: _no_loss_case((-0.03, -0.032, -0.035), (-0.03, -0.032, -0.035), _HELPS),
                    lab.Verdict.INCONCLUSIVE: _no_loss_case(
                        (0.01, 0.012, 0.008), (0.0, 0.002, -0.002), (0.002, -0.004, 0.001)
                    ),
                },
            ),
            gates=(
                lab.Gate("bn_test_accuracy", "the BN-only network learned (test accuracy >= 0.85)", at_least=0.85),
                *(
                    lab.Gate(
                        f"{kind}_train_loss",
                        f"the {kind.replace('_', ' + ')} network fit its training set (training cross-entropy <= "
                        f"{FIT_LOSS})",
                        at_most=FIT_LOSS,
                    )
                    for kind in ("dropout_bn", "bn_dropout")
                ),
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
