"""Q03. What is a cost function?"""

from __future__ import annotations

import numpy as np

from .. import nn
from .common import digits_split, mlp, predict, train
from .framework import (
    AtLeast,
    AtMost,
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
    paired_difference,
)
from .plots import figure

OVERFIT_SIZES = (64, 256, 256, 10)  # about 83,000 weights for 200 training images
OVERFIT_TRAIN = 200
SELECTION_TRAIN = 300  # training images for each candidate model in the selection study
SPLIT_DRAWS = 500  # random three-way splits of the 597 test images per seed
LOSS_SIZES = (64, 64, 10)
EARLY_EPOCH = 3  # "early" in the cross-entropy vs squared-error comparison


# ------------------------------------------------------------------------------ 1. train vs test cost
def _overfit_run(seed: int, epochs: int) -> dict:
    x_train, x_test, y_train, y_test = digits_split(seed, n_train=OVERFIT_TRAIN)
    model = mlp(OVERFIT_SIZES, rng=np.random.default_rng([seed, 1]))
    history = train(
        model, x_train, y_train, epochs=epochs, batch_size=50, lr=1e-3, optimizer="adam", seed=seed,
        val=(x_test, y_test),
    )  # fmt: skip
    return {
        "train": np.array(history.loss),
        "test": np.array(history.val_loss),
        "test_acc": np.array(history["val_accuracy"]),
    }


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
    correct = []
    for c in _configs(rng, count):
        model = mlp([64] + [c["width"]] * c["depth"] + [10], activation=c["activation"], rng=rng)
        with np.errstate(over="ignore", invalid="ignore"):  # a bad configuration may diverge: it then loses
            train(model, x_train, y_train, epochs=c["epochs"], batch_size=32, lr=c["lr"], seed=seed)
        correct.append(predict(model, x_test).argmax(axis=1) == y_test)
    correct = np.array(correct, dtype=np.float64)  # model x test image
    order = np.argsort(rng.random((SPLIT_DRAWS, len(y_test))), axis=1)  # one permutation per draw
    third = len(y_test) // 3
    parts = [order[:, :third], order[:, third : 2 * third], order[:, 2 * third : 3 * third]]
    acc_s, acc_h, acc_f = (correct[:, p].mean(axis=2) for p in parts)  # model x draw
    best = acc_s.argmax(axis=0)
    draws = np.arange(SPLIT_DRAWS)
    return {
        "optimism": acc_s[best, draws] - acc_f[best, draws],
        "honest": acc_h[best, draws] - acc_f[best, draws],
        "accuracies": correct.mean(axis=1),
    }


# ------------------------------------------------------------------------------ 3. squared error vs cross-entropy
def _loss_run(seed: int, epochs: int) -> dict:
    x_train, x_test, y_train, y_test = digits_split()
    onehot = np.eye(10, dtype=np.float32)
    out = {}
    setups = {
        "cross-entropy": (y_train, y_test, nn.CrossEntropyLoss()),
        "squared error": (onehot[y_train], onehot[y_test], nn.MSELoss()),  # 10 raw outputs vs one-hot targets
    }
    for name, (target_train, target_test, loss) in setups.items():
        model = mlp(LOSS_SIZES, init="he", rng=np.random.default_rng([seed, 3]))  # same start for both
        history = train(
            model, x_train, target_train, epochs=epochs, lr=1e-3, optimizer="adam", seed=seed,
            val=(x_test, target_test), loss=loss,
        )  # fmt: skip
        out[name] = np.array(history["val_accuracy"])
    return out


def run(ctx: Context) -> Result:
    seeds = ctx.seeds(full=5, quick=2)
    epochs = ctx.pick(300, 60)
    overfit = [_overfit_run(s, epochs) for s in seeds]
    selection = [_selection_run(s, ctx.pick(40, 8)) for s in seeds]
    loss_epochs = ctx.pick(30, 5)
    losses = [_loss_run(s, loss_epochs) for s in seeds]

    half = epochs // 2
    train_ratio = estimate([r["train"][-1] / r["train"][0] for r in overfit], seeds)
    late_change = estimate([r["test"][-1] - r["test"][half - 1] for r in overfit], seeds)
    optimism = estimate([r["optimism"].mean() for r in selection], seeds)
    honest = estimate([r["honest"].mean() for r in selection], seeds)
    ce_final = estimate([r["cross-entropy"][-1] for r in losses], seeds)
    mse_final = estimate([r["squared error"][-1] for r in losses], seeds)
    early = min(EARLY_EPOCH, loss_epochs) - 1
    ce_early = estimate([r["cross-entropy"][early] for r in losses], seeds)
    mse_early = estimate([r["squared error"][early] for r in losses], seeds)
    metrics = {
        "train_loss_ratio": train_ratio,
        "test_loss_change_second_half": late_change,
        "final_test_minus_train_loss": estimate([r["test"][-1] - r["train"][-1] for r in overfit], seeds),
        "selection_optimism": optimism,
        "honest_report_bias": honest,
        "mse_test_acc": mse_final,
        "ce_minus_mse_acc_early": paired_difference(ce_early, mse_early),
        "ce_minus_mse_acc_final": paired_difference(ce_final, mse_final),
    }

    curve = Table(
        f"MLP {'-'.join(map(str, OVERFIT_SIZES))} on {OVERFIT_TRAIN} training digits, Adam 1e-3 (mean over seeds)",
        ["epoch", "training cost", "test cost", "test accuracy"],
    )
    train_mean = np.mean([r["train"] for r in overfit], axis=0)
    test_mean = np.mean([r["test"] for r in overfit], axis=0)
    acc_mean = np.mean([r["test_acc"] for r in overfit], axis=0)
    for e in sorted({1, 10, epochs // 6, half, epochs}):
        curve.add(e, train_mean[e - 1], test_mean[e - 1], acc_mean[e - 1])
    curve.add("lowest test cost", "", test_mean.min(), f"at epoch {int(test_mean.argmin()) + 1}")
    pick = Table(
        f"Best of {ctx.pick(40, 8)} models chosen on a third of the test set ({SPLIT_DRAWS} random splits per seed)",
        ["seed", "models' accuracy", "choosing third - new data", "unused third - new data"],
    )
    for s, r in zip(seeds, selection):
        acc = r["accuracies"]
        pick.add(s, f"{acc.min():.3f} to {acc.max():.3f}", r["optimism"].mean(), r["honest"].mean())
    compare = Table(
        f"Cross-entropy vs squared error, MLP {'-'.join(map(str, LOSS_SIZES))}, same start, Adam 1e-3, batches of 32",
        ["cost", f"test accuracy after {early + 1} epochs", f"after {loss_epochs} epochs"],
    )
    compare.add("cross-entropy", ce_early.mean, ce_final.mean)
    compare.add("squared error (one-hot targets)", mse_early.mean, mse_final.mean)

    figures = {
        "training cost vs test cost": _curve_figure(overfit, epochs),
        "choosing a model on the test set": _selection_figure(selection),
        "cross-entropy vs squared error": _loss_figure(losses, loss_epochs),
    }
    lowest = int(test_mean.argmin())
    notes = [
        f"The training cost keeps falling (to {train_mean[-1]:.1e}) while the test cost turns up after its minimum "
        f"at epoch {lowest + 1} ({test_mean[lowest]:.3f}, then {test_mean[-1]:.3f} at the end): the model grows "
        f"more confident on the test images it gets wrong. Test accuracy hardly moves ({acc_mean[lowest]:.1%} at "
        f"the lowest test cost, {acc_mean[-1]:.1%} at the end), so a rising test cost and a flat test accuracy "
        "can coexist.",
        "Selection study: each seed trains its own random configurations once; the 597 test images are then "
        "split into three thirds many times. Picking by the score on one third and reporting that score is "
        "optimistic; reporting the picked model's score on an unused third is not.",
        "Squared error is computed on the 10 raw outputs against one-hot targets. With Adam the scale of the cost "
        "does not set the step size, so the comparison is about the shape of the cost, not about its gradient's size.",
    ]
    return Result(metrics=metrics, figures=figures, tables=[curve, pick, compare], notes=notes)


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
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy")
    left.set_title(f"{OVERFIT_TRAIN} training digits, about 83,000 weights")
    left.legend(fontsize=8)
    acc = np.array([r["test_acc"] for r in overfit])
    for v in acc:
        right.plot(e, v, color="#55a868", alpha=0.3, lw=0.8)
    right.plot(e, acc.mean(axis=0), color="#55a868", lw=2.2, label="test accuracy (mean)")
    right.set_ylim(max(0.0, acc[:, epochs // 10 :].min() - 0.05), 1.0)
    right.set_xlabel("epoch")
    right.set_ylabel("test accuracy")
    right.set_title("test accuracy over the same runs")
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
    ax.set_xlabel("reported accuracy - accuracy on new data (percentage points)")
    ax.set_ylabel("random splits (all seeds)")
    ax.set_title("reporting the score a model was chosen on is optimistic")
    ax.legend(fontsize=8)
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
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy")
    ax.set_title("digits classifier trained on two costs")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def _ce_better(m: dict) -> Verdict:
    """Ahead early and at the end: supported; ahead at one of the two: partly; behind at both: refuted."""
    early, final = m["ce_minus_mse_acc_early"], m["ce_minus_mse_acc_final"]
    lows = [e.ci[0] if isinstance(e, Estimate) else float(e) for e in (early, final)]
    highs = [e.ci[1] if isinstance(e, Estimate) else float(e) for e in (early, final)]
    ahead = [low > 0 for low in lows]
    if all(ahead):
        return Verdict.SUPPORTED
    if any(ahead):
        return Verdict.PARTLY
    return Verdict.REFUTED if all(high < 0 for high in highs) else Verdict.NOT_SUPPORTED


_SEEDS = [0, 1, 2]


def _e(*values) -> Estimate:
    return estimate(values, _SEEDS)


EXPERIMENT = Experiment(
    id="q03",
    question="What is a cost function?",
    answer=(
        "A cost (loss) function turns the model's errors on a set of examples into one number; training searches "
        "for the weights and biases that make it small. It is computed and minimised on the training data, not "
        "on the test set: the test set is kept aside and used once, at the end, to estimate how the model does on "
        "data it has never seen. The two can disagree: a large network on a few hundred digits drives its training "
        "cost to almost zero while its test cost turns up. And a test set that was used to make choices stops "
        "being an honest estimate: picking the best of many models by their test scores and reporting that score "
        "overstates accuracy on new data. Mean squared error is one cost; for classification the usual one is "
        "cross-entropy, the negative log-likelihood of a softmax output. On digits cross-entropy learns faster at "
        "first, while squared error on one-hot targets ends up about as accurate."
    ),
    claims=(
        Claim(
            "minimise_cost",
            "Training looks for the weights and biases that minimise the cost.",
            AtMost("train_loss_ratio", supported=0.01, partly=0.1, refuted_above=1.0),
        ),
        Claim(
            "cost_on_test_set",
            "The cost function measures how well the model performs on the test set.",
            Effect("test_loss_change_second_half", sign=-1),
        ),
        Claim(
            "test_set_selection",
            "Using the test set to choose among models makes its score an over-estimate of accuracy on new data.",
            Effect("selection_optimism", sign=+1, min_effect=0.005),
        ),
        Claim(
            "mse_is_a_cost",
            "Mean squared error is one example of a cost function (it can train a digit classifier).",
            AtLeast("mse_test_acc", supported=0.9, partly=0.8, refuted_below=0.5),
        ),
        Claim(
            "cross_entropy_for_classes",
            "For classification, cross-entropy is the better cost than squared error.",
            Custom(
                _ce_better,
                f"test accuracy, cross-entropy minus squared error, after {EARLY_EPOCH} epochs and at the end: "
                "supported if both 95% CIs lie above 0; partly if one does; refuted if both lie below 0; "
                "otherwise not supported",
                ("ce_minus_mse_acc_early", "ce_minus_mse_acc_final"),
                {
                    Verdict.SUPPORTED: {
                        "ce_minus_mse_acc_early": _e(0.1, 0.12, 0.09),
                        "ce_minus_mse_acc_final": _e(0.02, 0.03, 0.025),
                    },
                    Verdict.PARTLY: {
                        "ce_minus_mse_acc_early": _e(0.1, 0.12, 0.09),
                        "ce_minus_mse_acc_final": _e(0.01, -0.01, 0.0),
                    },
                    Verdict.NOT_SUPPORTED: {
                        "ce_minus_mse_acc_early": _e(0.01, -0.01, 0.0),
                        "ce_minus_mse_acc_final": _e(0.01, -0.01, 0.0),
                    },
                    Verdict.REFUTED: {
                        "ce_minus_mse_acc_early": _e(-0.1, -0.12, -0.09),
                        "ce_minus_mse_acc_final": _e(-0.02, -0.03, -0.025),
                    },
                },
            ),
        ),
    ),
    data=(
        "scikit-learn digits, standard split (597 test images, pixels / 16); 200 training images for the "
        "over-parameterised MLP, 300 for each model of the selection study, all 1,200 for the cost comparison"
    ),
    references=(
        "Goodfellow, Bengio & Courville (2016). Deep Learning, MIT Press, sections 5.2-5.3 and 6.2.",
        "Hastie, Tibshirani & Friedman (2009). The Elements of Statistical Learning, 2nd ed., Springer, chapter 7.",
        "Cawley & Talbot (2010). On over-fitting in model selection and subsequent selection bias in performance "
        "evaluation. JMLR 11.",
        "Golik, Doetsch & Ney (2013). Cross-entropy vs. squared error training: a theoretical and experimental "
        "comparison. Interspeech.",
        "Hui & Belkin (2021). Evaluation of neural architectures trained with square loss vs cross-entropy in "
        "classification tasks. ICLR.",
    ),
    run=run,
)
