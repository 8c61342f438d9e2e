"""Q03. What is a cost function?

Every quantity comes from trained networks, measured once per seed; whatever is scored on the fixed
597 test images (test costs, accuracies and their differences) is scored per image, so that its 95%
interval includes the test set's own sampling error. Each claim is judged only once the networks it
compares have learned the digits.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..metrics import accuracy
from ..train import Callback, fit
from . import framework as lab
from .common import correct, digits_split, make_optimizer, mlp, predict, train
from .plots import figure, titled

OVERFIT_SIZES = (64, 256, 256, 10)  # about 83,000 weights for 200 training images
OVERFIT_TRAIN = 200
SELECTION_TRAIN = 300  # training images for each candidate model in the selection study
SPLIT_DRAWS = 500  # random three-way splits of the 597 test images per seed
CANDIDATES = 40  # random configurations the selection study picks from
LOSS_SIZES = (64, 64, 10)
EARLY_EPOCH = 3  # "early" in the cross-entropy vs squared-error comparison
LEARNED = 0.8  # test accuracy that shows a network learned the digits (chance: 0.1)
CE_LEARNED = 0.9  # the cross-entropy network, the cost comparison's positive control


# ------------------------------------------------------------------------------ scoring during training
class _Snapshot(Callback):
    """Scores the model on the test images at the end of the given epochs (counted from 1)."""

    def __init__(self, epochs, score):
        self.epochs, self.score, self.taken = set(epochs), score, {}

    def on_epoch_end(self, state) -> None:
        if state.epoch in self.epochs:
            self.taken[state.epoch] = self.score(state.model)


def _item_losses(model: nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per test item, the cross-entropy -log softmax(f(x))_y (float64)."""
    z = predict(model, x).astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    return np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]


def _fit(model, x, y, epochs: int, seed: int, val, loss, snapshot: _Snapshot, batch_size: int = 32):
    """Adam 1e-3 on ``loss``, as :func:`~glassnet.lab.common.train` does, with a snapshot callback."""
    return fit(
        model, loss, make_optimizer(model, "adam", 1e-3), (x, y), epochs=epochs, batch_size=batch_size,
        val_data=val, metrics={"accuracy": accuracy}, callbacks=[snapshot], seed=seed, verbose=0,
    )  # fmt: skip


# ------------------------------------------------------------------------------ 1. train vs test cost
def _overfit_run(seed: int, epochs: int) -> tuple[dict, dict]:
    """The per-seed metrics of the over-parameterised network (per test image where scored on the test set), and
    its cost and accuracy curves."""
    x_train, x_test, y_train, y_test = digits_split(seed, n_train=OVERFIT_TRAIN)
    model = mlp(OVERFIT_SIZES, rng=np.random.default_rng([seed, 1]))
    half = epochs // 2
    snapshot = _Snapshot((half, epochs), lambda m: (_item_losses(m, x_test, y_test), correct(m, x_test, y_test)))
    history = _fit(model, x_train, y_train, epochs, seed, (x_test, y_test), nn.CrossEntropyLoss(), snapshot, 50)
    (loss_half, _), (loss_end, right_end) = snapshot.taken[half], snapshot.taken[epochs]
    train_loss, test_loss = np.array(history.loss), np.array(history.val_loss)
    measured = {
        "train_loss_ratio": train_loss[-1] / train_loss[0],
        "test_loss_change_second_half": loss_end - loss_half,  # per test image
        "final_test_minus_train_loss": test_loss[-1] - train_loss[-1],
        "overfit_test_acc": right_end,  # per test image
    }
    return measured, {"train": train_loss, "test": test_loss, "test_acc": np.array(history["val_accuracy"])}


# ------------------------------------------------------------------------------ 2. selecting on the test set
def _configs(rng: np.random.Generator, count: int) -> list[dict]:
    """Random hyperparameters from a sensible range: many candidates end up close to the best one."""
    return [
        dict(
            width=int(rng.choice([32, 64, 128])),
            depth=int(rng.integers(1, 3)),
            activation=str(rng.choice(["relu", "tanh"])),
            lr=float(10 ** rng.uniform(-1.5, -0.5)),
            epochs=int(rng.integers(10, 31)),
        )
        for _ in range(count)
    ]


def _selection_run(seed: int, count: int) -> dict:
    """Train ``count`` random configurations, then split the test images three ways many times.

    In each split, the model with the best accuracy on part S is picked. Its accuracy on S is what one
    reports after selecting on the test set; its accuracy on part H (not used to pick) is an honest
    report; part F plays the role of new data. Returns the mean differences S - F and H - F.
    """
    x_train, x_test, y_train, y_test = digits_split(seed, n_train=SELECTION_TRAIN)
    rng = np.random.default_rng([seed, 2])
    hits = []
    for c in _configs(rng, count):
        model = mlp([64] + [c["width"]] * c["depth"] + [10], activation=c["activation"], rng=rng)
        with np.errstate(over="ignore", invalid="ignore"):  # a bad configuration may diverge: it then loses
            train(model, x_train, y_train, epochs=c["epochs"], batch_size=32, lr=c["lr"], seed=seed)
        hits.append(correct(model, x_test, y_test))
    hits = np.array(hits)  # model x test image
    order = np.argsort(rng.random((SPLIT_DRAWS, len(y_test))), axis=1)  # one permutation per draw
    third = len(y_test) // 3
    parts = [order[:, :third], order[:, third : 2 * third], order[:, 2 * third : 3 * third]]
    acc_s, acc_h, acc_f = (hits[:, p].mean(axis=2) for p in parts)  # model x draw
    best = acc_s.argmax(axis=0)
    draws = np.arange(SPLIT_DRAWS)
    return {
        "optimism": acc_s[best, draws] - acc_f[best, draws],
        "honest": acc_h[best, draws] - acc_f[best, draws],
        "accuracies": hits.mean(axis=1),
    }


def _selection_metrics(run: dict) -> dict:
    """One seed's selection study as numbers: the mean over its random splits, and its best model's accuracy."""
    return {
        "selection_optimism": run["optimism"].mean(),
        "honest_report_bias": run["honest"].mean(),
        "selection_best_acc": run["accuracies"].max(),
    }


# ------------------------------------------------------------------------------ 3. squared error vs cross-entropy
def _loss_run(seed: int, epochs: int) -> dict:
    """Both costs from the same start; test accuracy per epoch, and per test image after EARLY_EPOCH and at the end."""
    x_train, x_test, y_train, y_test = digits_split()
    onehot = np.eye(10, dtype=np.float32)
    out = {}
    setups = {
        "cross-entropy": (y_train, y_test, nn.CrossEntropyLoss()),
        "squared error": (onehot[y_train], onehot[y_test], nn.MSELoss()),  # 10 raw outputs vs one-hot targets
    }
    for name, (target_train, target_test, loss) in setups.items():
        model = mlp(LOSS_SIZES, init="he", rng=np.random.default_rng([seed, 3]))  # same start for both
        snapshot = _Snapshot({EARLY_EPOCH, epochs}, lambda m: correct(m, x_test, y_test))
        history = _fit(model, x_train, target_train, epochs, seed, (x_test, target_test), loss, snapshot)
        out[name] = np.array(history["val_accuracy"])
        out[name, "early"], out[name, "final"] = snapshot.taken[EARLY_EPOCH], snapshot.taken[epochs]
    return out


def _loss_metrics(run: dict) -> dict:
    """One seed's cost comparison, per test image: each network's final correctness and their paired differences."""
    ce, mse = "cross-entropy", "squared error"
    return {
        "mse_test_acc": run[mse, "final"],
        "ce_test_acc": run[ce, "final"],
        "ce_minus_mse_acc_early": run[ce, "early"] - run[mse, "early"],
        "ce_minus_mse_acc_final": run[ce, "final"] - run[mse, "final"],
    }


def run(ctx: lab.Context) -> lab.Result:
    # Quick mode: half the epochs for the over-parameterised network (its test cost has turned up by then), the
    # same cost comparison, and too few candidate models for the selection study to be judged (its gate says so).
    # The selection study gets more seeds in the full lab: its effect is about a point.
    seeds = ctx.seeds(full=5, quick=5)
    selection_seeds = ctx.seeds(full=8, quick=2)
    epochs = ctx.pick(300, 150)
    overfit_measured, overfit = zip(*(_overfit_run(s, epochs) for s in seeds))
    candidates = ctx.pick(CANDIDATES, 8)
    selection = [_selection_run(s, candidates) for s in selection_seeds]
    loss_epochs = 30
    losses = [_loss_run(s, loss_epochs) for s in seeds]

    half = epochs // 2
    early = EARLY_EPOCH - 1

    def scored(name: str, when: str) -> np.ndarray:  # (seeds, test images): 1 where the network was right
        return np.array([r[name, when] for r in losses])

    ce, mse = "cross-entropy", "squared error"
    # Everything scored on the fixed test images is a per-image array, which summarise turns into an over_items
    # mean: its interval adds the test images' sampling error.
    metrics = {
        **lab.summarise(list(overfit_measured), seeds),
        **lab.summarise([_selection_metrics(r) for r in selection], selection_seeds),
        "selection_candidates": float(candidates),
        **lab.summarise([_loss_metrics(r) for r in losses], seeds),
    }

    curve = lab.Table(
        f"MLP {'-'.join(map(str, OVERFIT_SIZES))} on {OVERFIT_TRAIN} training digits, Adam 1e-3 (mean over seeds)",
        ["epoch", "training cost", "test cost", "test accuracy"],
    )
    train_mean = np.mean([r["train"] for r in overfit], axis=0)
    test_mean = np.mean([r["test"] for r in overfit], axis=0)
    acc_mean = np.mean([r["test_acc"] for r in overfit], axis=0)
    for e in sorted({1, 10, epochs // 6, half, epochs}):
        curve.add(e, train_mean[e - 1], test_mean[e - 1], acc_mean[e - 1])
    curve.add("lowest test cost", "", test_mean.min(), f"at epoch {int(test_mean.argmin()) + 1}")
    pick = lab.Table(
        f"Best of {candidates} models chosen on a third of the test set ({SPLIT_DRAWS} random splits per seed)",
        ["seed", "models' accuracy", "choosing third - new data", "unused third - new data"],
    )
    for s, r in zip(selection_seeds, selection):
        acc = r["accuracies"]
        pick.add(s, f"{acc.min():.3f} to {acc.max():.3f}", r["optimism"].mean(), r["honest"].mean())
    compare = lab.Table(
        f"Cross-entropy vs squared error, MLP {'-'.join(map(str, LOSS_SIZES))}, same start, Adam 1e-3, batches of 32",
        ["cost", f"test accuracy after {early + 1} epochs", f"after {loss_epochs} epochs"],
    )
    for name, label in ((ce, "cross-entropy"), (mse, "squared error (one-hot targets)")):
        compare.add(label, scored(name, "early").mean(), scored(name, "final").mean())

    figures = {
        "training cost vs test cost": _curve_figure(overfit, epochs),
        "choosing a model on the test set": _selection_figure(selection),
        "cross-entropy vs squared error": _loss_figure(losses, loss_epochs),
    }
    lowest = int(test_mean.argmin())
    notes = [
        f"The training cost keeps falling (to {train_mean[-1]:.1e}) while the test cost turns up after its minimum "
        f"at epoch {lowest + 1} ({test_mean[lowest]:.3f}, then {test_mean[-1]:.3f} at the end): the model grows "
        f"more confident on the test images it gets wrong. Test accuracy does not follow it: "
        f"{acc_mean[lowest]:.1%} at the lowest test cost, {acc_mean[half - 1]:.1%} at epoch {half} and "
        f"{acc_mean[-1]:.1%} at the end. The claim that the cost measures test performance is judged in that "
        f"regime, over the second half of training (epochs {half + 1}-{epochs}): test cross-entropy rising per "
        "image while the training cost falls and test accuracy holds or edges up.",
        "Selection study: each seed trains its own random configurations once; the 597 test images are then "
        "split into three thirds many times. Picking by the score on one third and reporting that score is "
        "optimistic; reporting the picked model's score on an unused third is not.",
        "Squared error is computed on the 10 raw outputs against one-hot targets. With Adam the scale of the cost "
        "does not set the step size, so the comparison is about the shape of the cost, not about its gradient's size.",
    ]
    return lab.Result(metrics=metrics, figures=figures, tables=[curve, pick, compare], notes=notes)


def _curve_figure(overfit: list, epochs: int):
    fig, (left, right) = figure(1, 2, width=11, height=4)
    e = np.arange(1, epochs + 1)
    for key, label, color in (("train", "training cost", "#4c72b0"), ("test", "test cost", "#c44e52")):
        values = np.array([r[key] for r in overfit])
        for v in values:
            left.semilogy(e, v, color=color, alpha=0.25, lw=0.8)
        left.semilogy(e, values.mean(axis=0), color=color, lw=2.2, label=f"{label} (mean)")
    test_mean = np.mean([r["test"] for r in overfit], axis=0)
    best = int(test_mean.argmin())
    left.scatter([best + 1], [test_mean[best]], color="black", zorder=4, label="lowest test cost")
    titled(left, f"{OVERFIT_TRAIN} training digits, about 83,000 weights", x="epoch", y="cross-entropy", legend=True)
    acc = np.array([r["test_acc"] for r in overfit])
    for v in acc:
        right.plot(e, v, color="#55a868", alpha=0.3, lw=0.8)
    right.plot(e, acc.mean(axis=0), color="#55a868", lw=2.2, label="test accuracy (mean)")
    right.set_ylim(max(0.0, acc[:, epochs // 10 :].min() - 0.05), 1.0)
    titled(right, "test accuracy over the same runs", x="epoch", y="test accuracy")
    right.legend(fontsize=8, loc="lower right")
    return fig


def _selection_figure(selection: list):
    fig, ax = figure(1, 1, width=7, height=4)
    optimism = 100 * np.concatenate([r["optimism"] for r in selection])
    honest = 100 * np.concatenate([r["honest"] for r in selection])
    bins = np.linspace(min(optimism.min(), honest.min()), max(optimism.max(), honest.max()), 40)
    for values, label, color in (
        (honest, "score on an unused third", "#4c72b0"),
        (optimism, "score on the choosing third", "#c44e52"),
    ):
        ax.hist(values, bins=bins, color=color, alpha=0.55, label=f"{label} (mean {values.mean():+.2f})")
    ax.axvline(0, color="black", lw=1)
    titled(
        ax,
        "reporting the score a model was chosen on is optimistic",
        x="reported accuracy - accuracy on new data (percentage points)",
        y="random splits (all seeds)",
        legend=True,
    )
    return fig


def _loss_figure(losses: list, epochs: int):
    fig, ax = figure(1, 1, width=7, height=4)
    e = np.arange(1, epochs + 1)
    for name, color in (("cross-entropy", "#4c72b0"), ("squared error", "#dd8452")):
        values = np.array([r[name] for r in losses])
        for v in values:
            ax.plot(e, v, color=color, alpha=0.25, lw=0.8)
        ax.plot(e, values.mean(axis=0), color=color, lw=2.2, label=f"{name} (mean)")
    ax.axvline(EARLY_EPOCH, color="grey", ls=":", lw=1, label=f"early comparison (epoch {EARLY_EPOCH})")
    titled(ax, "digits classifier trained on two costs", x="epoch", y="test accuracy")
    ax.legend(fontsize=8, loc="lower right")
    return fig


# Cross-entropy ahead of squared error after EARLY_EPOCH epochs and at the end, each with the smallest effect that
# matters: one point of test accuracy.
_CE_AHEAD = (lab.Effect("ce_minus_mse_acc_early", +1, 0.01), lab.Effect("ce_minus_mse_acc_final", +1, 0.01))


_LEARNED = lab.Gate("overfit_test_acc", "the over-parameterised network learned the digits", at_least=LEARNED)
_CE_LEARNED = lab.Gate("ce_test_acc", "the cross-entropy network learned the digits", at_least=CE_LEARNED)


EXPERIMENT = lab.described(
    "q03",
    claims=(
        lab.Claim(
            "minimise_cost",
            "Training looks for the weights and biases that minimise the cost.",
            lab.AtMost("train_loss_ratio", supported=0.01, partly=0.1, refuted_above=1.0),
            gates=(_LEARNED,),
        ),
        lab.Claim(
            "cost_on_test_set",
            "The cost function measures how well the model performs on the test set.",
            lab.Effect("test_loss_change_second_half", sign=-1, min_effect=0.005),
            gates=(
                _LEARNED,
                lab.Gate(
                    "train_loss_ratio",
                    "training drove the training cost down (to <= 1% of its first epoch's)",
                    at_most=0.01,
                    kind="manipulation check",
                ),
            ),
        ),
        lab.Claim(
            "test_set_selection",
            "Using the test set to choose among models makes its score an over-estimate of accuracy on new data.",
            lab.Effect("selection_optimism", sign=+1, min_effect=0.005),
            gates=(
                lab.Gate(
                    "selection_best_acc",
                    f"the candidate models learned the digits (best test accuracy >= {LEARNED:.0%})",
                    at_least=LEARNED,
                ),
                lab.Gate(
                    "selection_candidates",
                    f"the selection study chose among enough models (>= {CANDIDATES // 2}; fewer show an optimism "
                    "about the size of the smallest effect that matters)",
                    at_least=CANDIDATES // 2,
                    kind="design check",
                ),
                lab.Gate(
                    "honest_report_bias",
                    "the picked model's score on an unused third is unbiased (mean within ±0.005 of new data)",
                    at_least=-0.005,
                    at_most=0.005,
                    kind="negative control",
                ),
            ),
        ),
        lab.Claim(
            "mse_is_a_cost",
            "Mean squared error is one example of a cost function (it can train a digit classifier).",
            lab.AtLeast("mse_test_acc", supported=0.9, partly=0.8, refuted_below=0.5),
            gates=(_CE_LEARNED,),
        ),
        lab.Claim(
            "cross_entropy_for_classes",
            "For classification, cross-entropy is the better cost than squared error.",
            lab.Corroboration(_CE_AHEAD),
            gates=(
                _CE_LEARNED,
                lab.Gate(
                    "mse_test_acc",
                    f"the squared-error network learned the digits too (test accuracy >= {LEARNED:.0%})",
                    at_least=LEARNED,
                ),
            ),
        ),
    ),
    run=run,
)
