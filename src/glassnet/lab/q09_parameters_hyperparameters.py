"""Q09. What is the difference between parameters and hyperparameters?"""

from __future__ import annotations

import math

import numpy as np

from .. import Tensor, nn, no_grad, optim
from ..nn import Parameter
from ..nn import functional as F
from ..train import fit
from . import framework as lab
from .common import digits_split, make_optimizer, mlp
from .plots import figure, titled

# L2 strengths: the loss is mean cross-entropy + lam / 2 * ||W||^2 (weights only), as weight_decay=lam in SGD.
GRID = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
# Fixed choices made without looking at the data: no penalty (PyTorch's weight_decay default), and Keras'
# kernel_regularizer="l2", whose l2=0.01 * sum(w**2) is lam = 0.02 in the convention above.
DEFAULTS = {"no penalty (λ = 0)": 0.0, "Keras 'l2' default (λ = 0.02)": 0.02}
FOLDS = 3
STEPS = 300
LR = 0.05
MIN_GAIN = 0.01  # nats of test log-loss: a smaller difference between two choices of λ does not matter


class SoftmaxBank(nn.Module):
    """G softmax-regression models side by side, one GEMM for all: logits[n, g] = x[n] @ W_g + b_g.

    ``weight`` is (64, G * 10) and ``bias`` (G * 10,). The training loss is a sum of one loss per model,
    each reading only its own columns, so every model gets exactly the gradient it would get alone and
    Adam (elementwise) updates each as if trained by itself.
    """

    def __init__(self, groups: int, rng: np.random.Generator, features: int = 64, classes: int = 10):
        super().__init__()
        self.groups, self.classes = groups, classes
        self.weight = Parameter((0.01 * rng.standard_normal((features, groups * classes))).astype(np.float32))
        self.bias = Parameter(np.zeros(groups * classes, np.float32))

    def forward(self, x: Tensor) -> Tensor:
        return (x @ self.weight + self.bias).reshape(len(x), self.groups, self.classes)


def _train_bank(x, y, masks: np.ndarray, lams: np.ndarray, seed: int, steps: int) -> SoftmaxBank:
    """Full-batch Adam on sum_g [mean CE over the samples in masks[g]] + lams[g] / 2 ||W_g||^2."""
    groups = len(lams)
    bank = SoftmaxBank(groups, np.random.default_rng([seed, 9]))
    optimizer = optim.Adam(bank.parameters(), lr=LR)
    share = (masks / masks.sum(axis=1, keepdims=True)).T.astype(np.float32)  # (n, G): 1 / n_g on g's samples
    # Weighted one-hot targets: the fused softmax cross-entropy sums q * -log p, so each model's term is its mean.
    targets = (share[:, :, None] * np.eye(10, dtype=np.float32)[y][:, None, :]).reshape(-1, 10)
    half_lam = Tensor(np.repeat(np.asarray(lams, np.float32) / 2, 10)[None, :])
    xt = Tensor(x)
    for _ in range(steps):
        logits = bank(xt).reshape(-1, 10)
        loss = F.cross_entropy(logits, targets, reduction="sum") + (half_lam * bank.weight * bank.weight).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return bank


def _per_model_loss(bank: SoftmaxBank, x, y) -> tuple[np.ndarray, np.ndarray]:
    """Per sample and model: cross-entropy (n, G) and correctness (n, G)."""
    with no_grad():
        logp = F.log_softmax(bank(Tensor(x)), -1).numpy()
    return -logp[np.arange(len(y)), :, y], logp.argmax(-1) == y[:, None]


def _choose_and_test(seed: int, n_train: int, steps: int) -> dict:
    """K-fold CV on the training subset picks lam; every lam (grid and defaults) is also fit on all of it."""
    x, x_test, y, y_test = digits_split(seed=seed, n_train=n_train)
    n, grid = len(y), np.array(GRID)
    fold = np.random.default_rng([seed, n, 5]).permutation(n) % FOLDS
    cv_masks = np.stack([fold != k for k in range(FOLDS) for _ in grid])
    every = np.concatenate([grid, list(DEFAULTS.values())])
    masks = np.vstack([cv_masks, np.ones((len(every), n))])
    lams = np.concatenate([np.tile(grid, FOLDS), every])
    bank = _train_bank(x, y, masks, lams, seed, steps)
    losses, _ = _per_model_loss(bank, x, y)
    held_out = ~cv_masks.T  # (n, FOLDS * len(grid))
    cv = ((losses[:, : len(cv_masks)] * held_out).sum(0) / held_out.sum(0)).reshape(FOLDS, len(grid)).mean(0)
    full = slice(len(cv_masks), None)
    train_loss = losses[:, full].mean(0)
    test_losses, test_correct = _per_model_loss(bank, x_test, y_test)
    test_loss, test_acc = test_losses[:, full].mean(0), test_correct[:, full].mean(0)
    chosen = int(np.argmin(cv))
    return {
        "n": n,
        "cv": cv,
        "chosen": float(grid[chosen]),
        "chosen_index": chosen,
        "item_loss": test_losses[:, full],  # (test images, lam in ``every``)
        "test_loss": test_loss,  # per lam in ``every``
        "test_acc": test_acc,
        "train_loss": train_loss,
        "cv_test_loss": float(test_loss[chosen]),
        "cv_test_acc": float(test_acc[chosen]),
        "best_test_lam": float(every[int(np.argmin(test_loss))]),
        "train_choice": float(every[int(np.argmin(train_loss))]),
    }


def _parameters_vs_hyperparameters(seed: int, epochs: int) -> dict:
    """Train an MLP with fit: what moves (parameters) and what does not (the recorded hyperparameters)."""
    x, _, y, _ = digits_split()
    half = len(y) // 2

    def trained(xs, ys):
        model = mlp((64, 32, 10), "relu", "he", rng=np.random.default_rng([seed, 4]))
        optimizer = make_optimizer(model, "sgd", lr=0.1, momentum=0.9, weight_decay=1e-4)
        before = {k: v.clone() for k, v in model.state_dict().items()}
        settings = [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
        history = fit(
            model,
            nn.CrossEntropyLoss(),
            optimizer,
            (xs, ys),
            epochs=epochs,
            batch_size=32,
            seed=seed,
            verbose=0,
            hparams={"hidden_units": 32, "activation": "relu"},
        )
        after_settings = [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
        return model, before, history, settings, after_settings

    model, before, history, settings, after_settings = trained(x, y)
    after = model.state_dict()
    again, *_ = trained(x, y)
    other, *_ = trained(x[half:], y[half:])
    recorded = history.hparams["optimizer"]
    changed_settings = sum(s[k] != a[k] for s, a in zip(settings, after_settings) for k in s)
    changed_settings += sum(recorded[k] != after_settings[0][k] for k in after_settings[0] if k in recorded)

    def distance(a, b):
        return max(float(np.linalg.norm(a[k] - b[k]) / np.linalg.norm(b[k])) for k in b)

    return {
        "before": before,
        "after": after,
        "hparams": history.hparams,
        "settings": settings[0],
        "after_settings": after_settings[0],
        "changed_settings": int(changed_settings),
        "share_changed": float(np.mean([np.any(before[k] != after[k]) for k in after])),
        "loss": (history.loss[0], history.loss[-1]),
        "same_data_distance": distance(again.state_dict(), after),
        "other_data_distance": distance(other.state_dict(), after),
    }


def run(ctx: lab.Context) -> lab.Result:
    seeds = ctx.seeds(full=5, quick=3)
    sizes = ctx.pick([50, 100, 200, 400], [50, 400])
    steps = ctx.pick(STEPS, 150)
    mlp_seeds = seeds[:3]
    fits = [_parameters_vs_hyperparameters(s, ctx.pick(10, 2)) for s in mlp_seeds]
    learned = fits[0]  # the tables show the first seed's network
    runs = {(s, n): _choose_and_test(s, n, steps) for s in seeds for n in sizes}
    names = list(DEFAULTS)
    n_grid = len(GRID)

    def gain(default_index):
        """Per seed and test image, mean over sizes of test loss(default) - test loss(CV choice): a paired
        difference on the same images, so its interval adds their sampling error."""
        per_item = [
            np.mean(
                [
                    r["item_loss"][:, n_grid + default_index] - r["item_loss"][:, r["chosen_index"]]
                    for r in (runs[(s, n)] for n in sizes)
                ],
                axis=0,
            )
            for s in seeds
        ]
        return lab.over_items(per_item, seeds)

    per_seed = lab.summarise(
        [
            {
                "cv_choice_test_accuracy": np.mean([runs[(s, n)]["cv_test_acc"] for n in sizes]),
                "chosen_lambda_shift_decades": math.log10(
                    runs[(s, sizes[0])]["chosen"] / runs[(s, sizes[-1])]["chosen"]
                ),
            }
            for s in seeds
        ],
        seeds,
    )
    shift = per_seed["chosen_lambda_shift_decades"]
    cases = [(s, n) for s in seeds for n in sizes]
    per_mlp = lab.summarise(
        [
            {
                "training_loss_drop": f["loss"][0] - f["loss"][-1],
                "log10_parameter_change_other_data": math.log10(f["other_data_distance"]),
                "other_data_distance": f["other_data_distance"],
            }
            for f in fits
        ],
        mlp_seeds,
    )
    metrics = {
        "share_of_parameters_changed": min(f["share_changed"] for f in fits),
        "training_loss_drop": per_mlp["training_loss_drop"],
        "log10_parameter_change_other_data": per_mlp["log10_parameter_change_other_data"],
        "parameter_change_same_data": max(f["same_data_distance"] for f in fits),
        "hyperparameters_changed_by_fit": float(sum(f["changed_settings"] for f in fits)),
        "training_loss_picks_weakest_penalty": lab.proportion(
            [runs[c]["train_choice"] == 0.0 for c in cases], [s for s, _ in cases]
        ),
        "cv_choice_test_accuracy": per_seed["cv_choice_test_accuracy"],
        "cv_gain_vs_no_penalty": gain(0),
        "cv_gain_vs_keras_default": gain(1),
        "chosen_lambda_shift_decades": shift,
    }

    # ------------------------------------------------------------------ tables
    params = lab.Table(
        f"Parameters of a 64-32-10 ReLU MLP before and after {ctx.pick(10, 2)} epochs of fit (SGD, batch 32; "
        f"first of {len(mlp_seeds)} seeds)",
        ["parameter", "shape", "values", "relative change", "changed"],
    )
    for k, b in learned["before"].items():
        a = learned["after"][k]
        rel = f"{np.linalg.norm(a - b) / np.linalg.norm(b):.3g}" if np.any(b) else "(started at 0)"
        params.add(k, "x".join(map(str, b.shape)), b.size, rel, bool(np.any(a != b)))
    params.add(
        "same data, same seed, trained again (largest over seeds)", "", "", metrics["parameter_change_same_data"], ""
    )
    params.add("other half of the data, same seed", "", "", str(per_mlp["other_data_distance"]), "")
    hyper = lab.Table(
        "Hyperparameters: recorded by fit in History.hparams, and the optimizer's settings after training",
        ["hyperparameter", "recorded at the start", "after training"],
    )
    h = learned["hparams"]
    for key in ("lr", "momentum", "weight_decay"):
        hyper.add(f"optimizer {key}", h["optimizer"][key], learned["after_settings"][key])
    for key in ("batch_size", "epochs", "seed", "iterations_per_epoch"):
        hyper.add(key, h[key], h[key])
    hyper.add("hidden_units (user entry)", h["hidden_units"], h["hidden_units"])
    choice = lab.Table(
        f"Softmax regression with L2 penalty λ, {FOLDS}-fold CV on the training subset; test log-loss on the "
        f"597 test images (mean over {len(seeds)} seeds)",
        [
            "training images",
            "CV choice of λ (per seed)",
            "λ best on test (per seed)",
            "test loss, CV choice",
            *(f"test loss, {name}" for name in names),
            "training loss picks λ =",
        ],
    )
    for n in sizes:
        rs = [runs[(s, n)] for s in seeds]
        choice.add(
            rs[0]["n"],
            ", ".join(f"{r['chosen']:g}" for r in rs),
            ", ".join(f"{r['best_test_lam']:g}" for r in rs),
            float(np.mean([r["cv_test_loss"] for r in rs])),
            *(float(np.mean([r["test_loss"][n_grid + i] for r in rs])) for i in range(len(names))),
            ", ".join(sorted({f"{r['train_choice']:g}" for r in rs})),
        )
    accuracy_table = lab.Table(
        "The same, as test accuracy (mean over seeds)",
        ["training images", "CV choice", *names],
    )
    for n in sizes:
        rs = [runs[(s, n)] for s in seeds]
        accuracy_table.add(
            rs[0]["n"],
            float(np.mean([r["cv_test_acc"] for r in rs])),
            *(float(np.mean([r["test_acc"][n_grid + i] for r in rs])) for i in range(len(names))),
        )

    # ------------------------------------------------------------------ figures
    fig, (left, right) = figure(1, 2, width=11, height=4)
    colors = ["#c44e52", "#dd8452", "#55a868", "#4c72b0", "#8172b3"]
    for color, n in zip(colors, sizes):
        cv = np.mean([runs[(s, n)]["cv"] for s in seeds], axis=0)
        test = np.mean([runs[(s, n)]["test_loss"][:n_grid] for s in seeds], axis=0)
        left.plot(GRID, cv, "o--", color=color, ms=3)
        left.plot(GRID, test, "-", color=color, label=f"{runs[(seeds[0], n)]['n']} training images")
        chosen = 10 ** np.mean([math.log10(runs[(s, n)]["chosen"]) for s in seeds])
        left.axvline(chosen, color=color, lw=0.8, ls=":")
    left.plot([], [], "k--", label="CV estimate (training data only)")
    left.plot([], [], "k-", label="test loss")
    left.plot([], [], "k:", label="CV choice (geometric mean)")
    left.set_xscale("log")
    left.set_yscale("log")
    titled(left, "validation on training data tracks the test curve", x="L2 strength λ", y="log-loss")
    left.legend(fontsize=7)
    xs = np.arange(len(sizes))
    width = 0.8 / (1 + len(names))
    right.bar(
        xs - width * len(names) / 2,
        [np.mean([runs[(s, n)]["cv_test_loss"] for s in seeds]) for n in sizes],
        width,
        label="λ chosen by CV",
        color="#4c72b0",
    )
    for i, name in enumerate(names):
        right.bar(
            xs - width * len(names) / 2 + (i + 1) * width,
            [np.mean([runs[(s, n)]["test_loss"][n_grid + i] for s in seeds]) for n in sizes],
            width,
            label=name,
            color=colors[i],
        )
    right.set_xticks(xs, [str(runs[(seeds[0], n)]["n"]) for n in sizes])
    titled(right, "estimated from data vs fixed in advance", x="training images", y="test log-loss", legend=True)

    notes = [
        "All the models of one training subset (every fold and every λ) are trained together as one bank: their "
        "losses add and share no weights, so each follows the path it would follow alone (SoftmaxBank).",
        f"Every model gets {steps} steps of full-batch Adam (learning rate {LR}); a vertical dotted line marks the "
        "geometric mean of the CV choices for that size.",
        f"The gains are paired differences on the same 597 test images, so their intervals include the sampling "
        f"error of those images. From {sizes[0]} to {sizes[-1]} training images the CV choice of λ falls by "
        f"{shift} decades: it follows the data, but varies from subset to subset, so the verdict does not rest "
        "on it.",
    ]
    return lab.Result(
        metrics=metrics,
        figures={"choosing the L2 strength from data": fig},
        tables=[params, hyper, choice, accuracy_table],
        notes=notes,
    )


# ------------------------------------------------------------------ rules
# Learned: every tensor moves (the gate has checked that the loss fell). Fitted to the data: retraining on the same
# data gives the same parameters, other data give other ones (more than 1% apart).
_MOVES = lab.Above("share_of_parameters_changed", 0.99)
_FOLLOWS_DATA = lab.Below("parameter_change_same_data", 0.0) & lab.Above(
    "log10_parameter_change_other_data", -2.0, strict=True
)
_LEARNED = lab.Decide(
    (lab.Verdict.SUPPORTED, _MOVES & _FOLLOWS_DATA),
    (lab.Verdict.PARTLY, _MOVES | _FOLLOWS_DATA),
    otherwise=lab.Verdict.NOT_SUPPORTED,
    note="Over the MLP's seeds: the share of parameter tensors that training changed, the largest change when "
    "retrained on the same data with the same seed, and log10 of the relative distance to a net trained on the "
    "other half of the data",
)
_OUTSIDE = lab.Decide(
    (lab.Verdict.REFUTED, lab.Above("hyperparameters_changed_by_fit", 0.0, strict=True)),
    (lab.Verdict.SUPPORTED, lab.Above("training_loss_picks_weakest_penalty", 0.5)),
    otherwise=lab.Verdict.PARTLY,
    note="Whether fit changed any optimizer setting recorded in History.hparams, and the share of (size, seed) "
    "cases in which the training loss itself picks no penalty (λ = 0), so it cannot choose λ; partly means the "
    "settings stay but the training loss often picks a penalty",
)
# gain = test log-loss of a fixed λ minus that of the λ chosen by cross-validation on the training subset
_CANNOT_ESTIMATE = lab.Decide(
    (
        lab.Verdict.SUPPORTED,
        lab.Below("cv_gain_vs_no_penalty", -MIN_GAIN) | lab.Below("cv_gain_vs_keras_default", -MIN_GAIN),
    ),
    (
        lab.Verdict.REFUTED,
        lab.Above("cv_gain_vs_no_penalty", 0.0, strict=True)
        & lab.Above("cv_gain_vs_keras_default", -MIN_GAIN, strict=True),
    ),
    (
        lab.Verdict.NOT_SUPPORTED,
        lab.Above("cv_gain_vs_no_penalty", -MIN_GAIN, strict=True)
        & lab.Below("cv_gain_vs_no_penalty", MIN_GAIN, strict=True)
        & lab.Above("cv_gain_vs_keras_default", -MIN_GAIN, strict=True),
    ),
    note="Gain = test log-loss (nats) of a fixed λ minus that of the λ chosen by cross-validation on the training "
    "subset, per seed and test image, averaged over training sizes (its interval adds test-image sampling error); "
    "the fixed choices are the untuned λ = 0 and Keras' default λ = 0.02",
)
_MLP_LEARNED = lab.Gate("training_loss_drop", "the MLP learned (its training loss fell by at least 0.5)", at_least=0.5)
_BANK_LEARNED = lab.Gate(
    "cv_choice_test_accuracy",
    "the softmax regressions learned (test accuracy of the cross-validated λ >= 0.8 on average)",
    at_least=0.8,
)


EXPERIMENT = lab.described(
    "q09",
    claims=(
        lab.Claim(
            "parameters_learned",
            "Parameters are internal to the model and learned from the data by training.",
            _LEARNED,
            gates=(_MLP_LEARNED,),
        ),
        lab.Claim(
            "hyperparameters_set_outside",
            "Hyperparameters are set from outside; training does not set them.",
            _OUTSIDE,
            gates=(_BANK_LEARNED,),
        ),
        lab.Claim(
            "cannot_be_estimated_from_data",
            "Hyperparameters cannot be estimated from the data.",
            _CANNOT_ESTIMATE,
            gates=(_BANK_LEARNED,),
        ),
    ),
    run=run,
)
