"""Q05. ReLU vs sigmoid: vanishing gradients, sparsity, and whether sparse is better.

Gradients are measured at initialisation, once per seed. The sparsity claims are judged on trained
networks scored per test image (so intervals include the test set's sampling error), and only once
every network has learned and the L1 penalty has made the ReLU code sparser. Whether sparser is more
useful is judged on the L1 sweep within ReLU alone, the one manipulation that changes sparsity and
nothing else; ReLU against dense activations also changes the activation itself, so it is context only.
"""

from __future__ import annotations

import numpy as np

from .. import Tensor, nn
from ..data import train_test_split
from ..diagnostics import GradientFlow
from ..train import Callback, fit
from . import framework as lab
from .common import ACTIVATIONS, accuracy, correct, digits_split, hidden_activations, make_optimizer, mlp, train
from .plots import figure, titled

_DEPTH, _WIDTH = 20, 64
# label -> (activation, initialisation); "tiny" is N(0, 0.01^2) for every weight, biases 0
_DEEP = {
    "sigmoid, Glorot": ("sigmoid", "glorot"),
    "tanh, Glorot": ("tanh", "glorot"),
    "ReLU, He": ("relu", "he"),
    "ReLU, N(0, 0.01²)": ("relu", "tiny"),
}
_DEEP_COLORS = ["#c44e52", "#dd8452", "#4c72b0", "#55a868"]
_L1 = (0.0, 0.1, 0.3, 1.0, 3.0)  # activation L1 strengths for the ReLU sweep
_L1_QUICK = (0.0, 0.3, 3.0)  # quick mode: the ends and the middle of the sweep
LEARNED = 0.8  # every two-hidden-layer network must reach this test accuracy before sparsity is compared
SPARSER = 0.2  # the L1 sweep must raise the share of exact zeros by this much (the manipulation worked)
_DENSE = ("tanh", "softplus", "elu")  # smooth activations that (almost) never output an exact 0
# ReLU against sigmoid training, each arm with its own learning rate tuned on a validation split: plain mini-batch
# SGD (as Glorot, Bordes & Bengio 2011), ReLU with He and sigmoid with Glorot initialisation, one hidden layer and
# four, all 64 wide. Each grid brackets its arm's best rate in pilot runs (deep ReLU diverges at 1, the one-layer
# sigmoid is fastest at 1 to 3, the deep sigmoid learns nothing in the budget at any rate from 0.03 to 10). A run
# "reaches" TARGET once its validation accuracy does.
RACE_LRS = {"relu": (0.03, 0.1, 0.3, 1.0), "sigmoid": (0.3, 1.0, 3.0, 10.0)}
RACE_INIT = {"relu": "he", "sigmoid": "glorot"}
RACE_DEPTHS = {"shallow": 1, "deep": 4}
RACE_EPOCHS, RACE_BATCH, RACE_VAL, TARGET = 20, 32, 300, 0.9
CHECK_EVERY = 7  # steps between validation checks: about a quarter of an epoch (29 steps of 32 images)
TWICE, POINT = 1.0, 0.01  # log2 speed-up that counts as faster (twice), and test-accuracy gain that counts as better


def _deep_mlp(act: str, init: str, rng: np.random.Generator, dtype=np.float32) -> nn.Sequential:
    """64 -> 20 hidden layers of 64 -> 10; biases 0; weights Glorot, He or N(0, 0.01^2)."""
    sizes = (64,) + (_WIDTH,) * _DEPTH + (10,)
    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out, dtype=dtype, rng=rng)
        if init == "glorot":
            nn.init.xavier_normal_(linear.weight, rng=rng)
        elif init == "he":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=rng)
        else:
            nn.init.normal_(linear.weight, 0.0, 0.01, rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if k < len(sizes) - 2:
            layers.append(ACTIVATIONS[act]())
    return nn.Sequential(*layers)


def _gradient_profile(model: nn.Module, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per linear layer, bottom to top: ||dL/dz|| (z its output, the pre-activation) and ||dL/dW||.

    Run in float64: GradientFlow squares output gradients in their own dtype, and a float32 square
    of a gradient below ~1e-19 is 0.
    """
    with GradientFlow(model, track_outputs=nn.Linear) as flow:
        nn.CrossEntropyLoss()(model(Tensor(x)), y).backward()
    signal = np.array([v[0] for v in flow.output_norms.values()])
    weight = np.array([v[0] for v in flow.norms.values()])
    return signal, weight


def _fit_sparse(model: nn.Sequential, x, y, l1: float, seed: int, epochs: int) -> None:
    """Adam on cross-entropy + l1 * sum over hidden layers of mean |h| (an activation sparsity penalty)."""
    outputs = []
    hooked = [m for m in model if not isinstance(m, nn.Linear)]  # the activations
    handles = [m.register_forward_hook(lambda _module, _inputs, o: outputs.append(o)) for m in hooked]
    ce = nn.CrossEntropyLoss()

    def loss(logits, target):
        value = ce(logits, target)
        if l1:
            for h in outputs:
                value = value + l1 * h.abs().mean()
        outputs.clear()
        return value

    train(model, x, y, epochs=epochs, batch_size=64, lr=1e-3, optimizer="adam", seed=seed, loss=loss)
    for handle in handles:
        handle.remove()


def _slopes(sparsity: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Least-squares slope of each column of ``scores`` (models, items) against ``sparsity`` (models,)."""
    centred = sparsity - sparsity.mean()
    return centred @ (scores - scores.mean(axis=0)) / (centred @ centred)


class _Reach(Callback):
    """Validation accuracy every CHECK_EVERY steps until it first reaches TARGET: when it did, in epochs."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.x, self.y, self.epochs = x, y, None

    def on_batch_end(self, state) -> None:
        if (
            self.epochs is None
            and state.iteration % CHECK_EVERY == 0
            and accuracy(state.model, self.x, self.y) >= TARGET
        ):
            self.epochs = state.iteration / len(state.loader)


def _race_arm(act: str, depth: int, seed: int, data) -> dict:
    """One arm at one depth, trained at every rate of its grid: epochs to TARGET validation accuracy at the rate that
    gets there first (ties: the better final validation accuracy), and per-item test correctness at the rate with
    the best final validation accuracy (each choice made on the validation split alone)."""
    (x_fit, y_fit), (x_val, y_val), (x_test, y_test) = data
    runs = []
    for lr in RACE_LRS[act]:
        model = mlp((64,) + (64,) * depth + (10,), act, init=RACE_INIT[act], rng=np.random.default_rng([seed, depth]))
        reach = _Reach(x_val, y_val)
        optimizer = make_optimizer(model, "sgd", lr)
        with np.errstate(over="ignore", invalid="ignore"):  # a rate too large may diverge: it then loses the pick
            fit(model, nn.CrossEntropyLoss(), optimizer, (x_fit, y_fit), RACE_EPOCHS, RACE_BATCH, callbacks=[reach],
                seed=seed, verbose=0)  # fmt: skip
        # never reached: counted as one epoch past the budget, so a difference in speed is a lower bound
        epochs = RACE_EPOCHS + 1.0 if reach.epochs is None else reach.epochs
        val = accuracy(model, x_val, y_val)
        runs.append({"lr": lr, "epochs": epochs, "val": val, "correct": correct(model, x_test, y_test)})
    fastest = min(runs, key=lambda r: (r["epochs"], -r["val"]))
    best = max(runs, key=lambda r: r["val"])
    return {"epochs": fastest["epochs"], "fast_lr": fastest["lr"], "correct": best["correct"], "best_lr": best["lr"]}


def _race(seed: int, name: str, data) -> tuple[dict, dict]:
    """ReLU against sigmoid at one depth, paired on the seed (same data, same shuffles): log2 of the sigmoid's epochs
    to TARGET over ReLU's, and per test item ReLU's correctness minus the sigmoid's; and each arm's picks."""
    relu, sigmoid = (_race_arm(act, RACE_DEPTHS[name], seed, data) for act in ("relu", "sigmoid"))
    measured = {
        f"{name}_relu_speedup_log2": float(np.log2(sigmoid["epochs"] / relu["epochs"])),
        f"{name}_relu_minus_sigmoid_test_acc": relu["correct"] - sigmoid["correct"],
        f"{name}_relu_epochs_to_target": relu["epochs"],
    }
    return measured, {"relu": relu, "sigmoid": sigmoid}


def run(ctx: lab.Context) -> lab.Result:
    x_train, x_test, y_train, y_test = digits_split()

    # 1. Gradient flow at initialisation in a 20-hidden-layer MLP, float64, one batch of 256.
    probe_seeds = ctx.seeds(full=10, quick=3)
    signal, weight = {}, {}
    for label, (act, init) in _DEEP.items():
        s_rows, w_rows = [], []
        for s in probe_seeds:
            rng = np.random.default_rng(s)
            model = _deep_mlp(act, init, rng, np.float64)
            pick = rng.choice(len(x_train), 256, replace=False)
            sig, w = _gradient_profile(model, x_train[pick].astype(np.float64), y_train[pick])
            s_rows.append(sig)
            w_rows.append(w)
        signal[label], weight[label] = np.log10(s_rows), np.log10(w_rows)
    ratio = {label: lab.estimate(v[:, 0] - v[:, -1], probe_seeds) for label, v in signal.items()}
    w_ratio = {label: lab.estimate(v[:, 0] - v[:, -1], probe_seeds) for label, v in weight.items()}

    # The consequence: the same deep nets trained briefly (float32, Adam 1e-3, batch 64). Shown in a table only;
    # quick mode trains them for fewer epochs.
    deep_seeds = ctx.seeds(full=2, quick=1)
    deep_epochs = ctx.pick(10, 3)
    deep_acc = {}
    for label, (act, init) in _DEEP.items():
        values = []
        for s in deep_seeds:
            model = _deep_mlp(act, init, np.random.default_rng(s))
            train(model, x_train, y_train, epochs=deep_epochs, batch_size=64, lr=1e-3, optimizer="adam", seed=s)
            values.append(accuracy(model, x_test, y_test))
        deep_acc[label] = lab.estimate(values, deep_seeds)

    # 2. and 3. Two hidden layers of 128: ReLU with an activation L1 sweep, and sigmoid / tanh / softplus / ELU.
    # Every quantity is scored per test image, so that its interval includes the test set's sampling error.
    # Twelve seeds: the sweep's slope is decided only when its interval lies within ±_MIN_SLOPE, and with five
    # (eight) seeds its test-item noise left the interval at about ±0.017 (±0.012) around a null slope.
    seeds = ctx.seeds(full=12, quick=3)
    epochs = ctx.pick(30, 15)
    sweep = [("relu", l1) for l1 in ctx.pick(_L1, _L1_QUICK)]
    runs = sweep + [(act, 0.0) for act in ("sigmoid", *_DENSE)]
    acc, zeros, near, layer_zeros, untrained = {}, {}, {}, {}, []
    right, item_zeros = {}, {}  # per key: (seeds, test images) correct / share of exact zeros
    for act, l1 in runs:
        c, z, n, lz = [], [], [], []
        for s in seeds:
            init = "he" if act in ("relu", "elu") else "glorot"
            model = mlp((64, 128, 128, 10), act, init=init, rng=np.random.default_rng(s))
            if (act, l1) == ("relu", 0.0):
                untrained.append(np.mean(np.concatenate(hidden_activations(model, x_test), axis=1) == 0))
            _fit_sparse(model, x_train, y_train, l1, s, epochs)
            hidden = hidden_activations(model, x_test)
            both = np.concatenate(hidden, axis=1)
            c.append(correct(model, x_test, y_test))
            z.append(np.mean(both == 0, axis=1))
            n.append(np.mean(np.abs(both) < 0.01))
            lz.append([np.mean(h == 0) for h in hidden])
        key = (act, l1)
        right[key], item_zeros[key] = np.array(c), np.array(z)
        acc[key], zeros[key] = lab.over_items(right[key], seeds), lab.over_items(item_zeros[key], seeds)
        near[key] = lab.estimate(n, seeds)
        layer_zeros[key] = np.mean(lz, axis=0)

    # 4. ReLU against sigmoid training at two depths, each arm's rate tuned on a validation split of the training set.
    # The one-layer nets get more seeds: they are cheap, and their speed-up is small and noisy.
    race_seeds = {"shallow": ctx.seeds(full=10, quick=5), "deep": ctx.seeds(full=5, quick=3)}
    x_fit, x_val, y_fit, y_val = train_test_split(x_train, y_train, test_size=RACE_VAL, stratify=y_train, seed=0)
    race_data = ((x_fit, y_fit), (x_val, y_val), (x_test, y_test))
    race, picks = {}, {}
    for name, depth_seeds in race_seeds.items():
        races = [_race(s, name, race_data) for s in depth_seeds]
        race.update(lab.summarise([measured for measured, _ in races], depth_seeds))
        picks[name] = [arms for _, arms in races]

    relu = ("relu", 0.0)
    # Context, not evidence on usefulness: ReLU against the dense activations changes the activation as well.
    dense_right = np.mean([right[d, 0.0] for d in _DENSE], axis=0)
    # Per seed and test image, the slope of "correct" against the sweep's sparsity: their mean over images is
    # the slope of accuracy against sparsity (a least-squares slope is linear in the responses).
    sparsity = np.array([item_zeros[k].mean(axis=1) for k in sweep])  # (sweep, seeds)
    item_slopes = np.array([_slopes(sparsity[:, i], np.array([right[k][i] for k in sweep])) for i in range(len(seeds))])
    lowest = np.min([a.values for a in acc.values()], axis=0)
    metrics = {
        "sigmoid_log10_signal_ratio": ratio["sigmoid, Glorot"],
        "tanh_log10_signal_ratio": ratio["tanh, Glorot"],
        "relu_he_log10_signal_ratio": ratio["ReLU, He"],
        "relu_tiny_log10_signal_ratio": ratio["ReLU, N(0, 0.01²)"],
        "relu_zero_fraction": zeros[relu],
        "sigmoid_zero_fraction": zeros["sigmoid", 0.0],
        "relu_minus_sigmoid_zero_fraction": lab.over_items(item_zeros[relu] - item_zeros["sigmoid", 0.0], seeds),
        "sigmoid_near_zero_fraction": near["sigmoid", 0.0],
        "relu_minus_dense_accuracy": lab.over_items(right[relu] - dense_right, seeds),
        "accuracy_slope_vs_sparsity": lab.over_items(item_slopes, seeds),
        "l1_sparsity_increase": lab.estimate(sparsity[-1] - sparsity[0], seeds),
        "lowest_test_accuracy": lab.estimate(lowest, seeds),
        **race,
    }

    deep_table = lab.Table(
        f"Gradients at initialisation ({len(probe_seeds)} seeds, batch 256) and test accuracy after "
        f"{deep_epochs} epochs ({len(deep_seeds)} seeds), 64-(64 x {_DEPTH})-10 MLP",
        [
            "activation, init",
            "log10 ‖dL/dz_1‖ / ‖dL/dz_21‖",
            "log10 ‖dL/dW_1‖ / ‖dL/dW_21‖",
            "‖dL/dW_1‖ (median)",
            "test accuracy",
        ],
    )
    for label in _DEEP:
        deep_table.add(
            label,
            ratio[label].mean,
            w_ratio[label].mean,
            float(10 ** np.median(weight[label][:, 0])),
            deep_acc[label].mean,
        )
    sparse_table = lab.Table(
        f"64-128-128-10 MLPs, Adam 1e-3, {epochs} epochs, {len(seeds)} seeds: hidden activations on the 597 test "
        "images",
        [
            "activation",
            "L1 on activations",
            "exact zeros",
            "layer 1 / layer 2",
            "share with abs(h) < 0.01",
            "test accuracy",
        ],
    )
    sparse_table.add("relu, untrained", "-", float(np.mean(untrained)), "-", "-", "-")
    for key in runs:
        lz = layer_zeros[key]
        sparse_table.add(key[0], key[1], zeros[key].mean, f"{lz[0]:.3f} / {lz[1]:.3f}", near[key].mean, acc[key].mean)

    race_table = lab.Table(
        f"ReLU (He) against sigmoid (Glorot), 64-wide MLPs, plain SGD, batches of {RACE_BATCH}, {RACE_EPOCHS} epochs, "
        f"each arm's rate tuned on {RACE_VAL} validation images (epochs to {TARGET:.0%} validation accuracy, checked "
        f"every {CHECK_EVERY} steps; {RACE_EPOCHS + 1} = not reached)",
        ["hidden layers", "activation", "seeds", "rates tried", "epochs to target (per seed)", "rate picked for speed",
         "rate picked for accuracy", "test accuracy (mean)"],
    )  # fmt: skip
    for name, depth in RACE_DEPTHS.items():
        for act in ("relu", "sigmoid"):
            arm = [arms[act] for arms in picks[name]]
            race_table.add(
                depth, act, len(arm), " ".join(f"{lr:g}" for lr in RACE_LRS[act]),
                " ".join(f"{a['epochs']:.2g}" for a in arm),
                " ".join(f"{a['fast_lr']:g}" for a in arm), " ".join(f"{a['best_lr']:g}" for a in arm),
                float(np.mean([a["correct"].mean() for a in arm])),
            )  # fmt: skip

    figures = {
        "gradient flow in a deep MLP": _flow_figure(signal, weight, deep_acc, deep_epochs),
        "sparsity and accuracy": _sparsity_figure(runs, zeros, acc),
    }
    notes = [
        "The gradient ratio is measured on the backpropagated signal dL/dz (z: each linear layer's output). "
        "The weight-gradient ratio hides the tiny-init failure: there dL/dW_l = dL/dz_l h_(l-1)^T is the product of "
        "a signal that shrinks going down and an activation that shrinks going up, so every layer's weight gradient "
        "is about equally, and vanishingly, small.",
        "Adam rescales each weight's step by the size of its gradient, yet the sigmoid and tiny-init networks stay "
        "at chance: their lowest layers' gradients (about 1e-13 and 1e-25) are far below Adam's epsilon of 1e-8, "
        "so those layers hardly move.",
        f"ReLU's share of exact zeros on the test set drops from {np.mean(untrained):.2f} at initialisation to "
        f"{zeros[relu].mean:.2f} after training.",
        "Whether sparse is more useful is judged on the L1 sweep alone: it changes ReLU's sparsity and nothing "
        "else. ReLU against tanh / softplus / ELU (relu_minus_dense_accuracy = "
        f"{metrics['relu_minus_dense_accuracy']}) also swaps the activation function, its slope, "
        "smoothness and range, so a gap there cannot be put down to sparsity; it is shown as context only.",
        f"Training speed: a run that never reaches {TARGET:.0%} validation accuracy counts as {RACE_EPOCHS + 1} "
        "epochs, so a speed-up against it is a lower bound. Each arm's rate is picked on the validation images "
        "alone, once for speed (fewest epochs to the target) and once for accuracy (best final validation "
        "accuracy); the test images only score the picks. The comparison uses plain SGD, the setting of Glorot, "
        "Bordes & Bengio (2011); adaptive optimisers such as Adam narrow the gap, and were not tested here.",
    ]
    return lab.Result(metrics=metrics, figures=figures, tables=[deep_table, sparse_table, race_table], notes=notes)


def _flow_figure(signal: dict, weight: dict, deep_acc: dict, epochs: int):
    fig, (left, middle, right) = figure(1, 3, width=15, height=4.2)
    layers = np.arange(1, _DEPTH + 2)
    for (label, sig), color in zip(signal.items(), _DEEP_COLORS):
        left.plot(layers, sig.mean(axis=0), "o-", ms=3, color=color, label=label)
        middle.plot(layers, weight[label].mean(axis=0), "o-", ms=3, color=color, label=label)
    left.set_title("backpropagated signal ‖dL/dz_l‖")
    middle.set_title("weight gradient ‖dL/dW_l‖")
    for ax in (left, middle):
        ax.set_xlabel("linear layer l (1 = input side, 21 = logits)")
        ax.set_ylabel("log10 norm (mean over seeds)")
    left.legend(fontsize=8)
    labels = list(deep_acc)
    right.bar(range(len(labels)), [deep_acc[k].mean for k in labels], color=_DEEP_COLORS)
    right.axhline(0.1, color="k", ls="--", lw=1, label="chance")
    right.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
    right.set_ylim(0, 1)
    titled(right, f"after {epochs} epochs of Adam", y="test accuracy", legend=True)
    return fig


def _sparsity_figure(runs: list, zeros: dict, acc: dict):
    fig, (left, right) = figure(1, 2, width=12, height=4.2)
    names = [f"{a}" if a != "relu" else f"relu, L1 {l1:g}" for a, l1 in runs]
    left.bar(range(len(runs)), [zeros[k].mean for k in runs], color="#4c72b0")
    for i, key in enumerate(runs):
        left.plot([i] * len(zeros[key].values), zeros[key].values, "k.", ms=3)
    left.set_xticks(range(len(runs)), names, rotation=30, ha="right")
    titled(left, "sparsity on the test set (bars: mean, dots: seeds)", y="fraction of hidden activations exactly 0")
    sweep = [k for k in runs if k[0] == "relu"]
    right.errorbar(
        [zeros[k].mean for k in sweep],
        [acc[k].mean for k in sweep],
        yerr=[acc[k].sd for k in sweep],
        fmt="o-",
        color="#4c72b0",
        capsize=3,
        label="ReLU + L1",
    )
    dense = [k for k in runs if k[0] != "relu"]
    colors = ["#c44e52", "#dd8452", "#55a868", "#8172b2"]
    for i, (key, marker, color) in enumerate(zip(dense, "sv^D", colors)):
        shift = 0.012 * (i - (len(dense) - 1) / 2)  # all at sparsity 0: spread sideways to keep them visible
        right.errorbar(
            zeros[key].mean + shift, acc[key].mean, yerr=acc[key].sd, fmt=marker, color=color, label=key[0], capsize=3
        )
    for k in sweep:
        right.annotate(f"{k[1]:g}", (zeros[k].mean, acc[k].mean), textcoords="offset points", xytext=(4, 4), fontsize=8)
    titled(
        right,
        "accuracy vs sparsity (labels: L1 strength; bars: sd)",
        x="fraction of hidden activations exactly 0",
        y="test accuracy (mean over seeds)",
        legend=True,
    )
    return fig


# ------------------------------------------------------------------------------ verdict rules
_HE, _TINY = "relu_he_log10_signal_ratio", "relu_tiny_log10_signal_ratio"
RELU_AVOIDS = lab.Decide(
    (lab.Verdict.REFUTED, lab.Below(_HE, -3)),
    (lab.Verdict.SUPPORTED, lab.Above(_HE, -1) & lab.Above(_TINY, -1)),
    (lab.Verdict.PARTLY, lab.Above(_HE, -1) & lab.Below(_TINY, -3)),
    (
        lab.Verdict.NOT_SUPPORTED,
        (lab.Above(_HE, -3, strict=True) & lab.Below(_HE, -1, strict=True))
        | (lab.Above(_HE, -1) & lab.Above(_TINY, -3, strict=True) & lab.Below(_TINY, -1, strict=True)),
    ),
    note="log10 of the backpropagated signal ‖dL/dz‖ at the first layer over the logits, with He init and with "
    "N(0, 0.01^2) weights; partly when it survives with He weights but vanishes with tiny ones (the weights decide)",
)

_RELU_ZEROS, _SIGMOID_ZEROS = "relu_zero_fraction", "sigmoid_zero_fraction"
SPARSE_DENSE = lab.Decide(
    (lab.Verdict.REFUTED, lab.Below("relu_minus_sigmoid_zero_fraction", 0.0)),
    (lab.Verdict.SUPPORTED, lab.Below(_SIGMOID_ZEROS, 0.01) & lab.Above(_RELU_ZEROS, 0.2)),
    (lab.Verdict.PARTLY, lab.Below(_SIGMOID_ZEROS, 0.01) & lab.Above(_RELU_ZEROS, 0.05)),
    (
        lab.Verdict.NOT_SUPPORTED,
        lab.Below(_RELU_ZEROS, 0.05, strict=True) | lab.Above(_SIGMOID_ZEROS, 0.01, strict=True),
    ),
    note="share of hidden activations exactly 0 on the test images after training (over seeds and test images), and "
    "ReLU's share minus the sigmoid's, paired by seed and image",
)

TRAINS_FASTER = lab.Decide(
    (
        lab.Verdict.SUPPORTED,
        lab.Above("deep_relu_speedup_log2", TWICE)
        & lab.Above("deep_relu_minus_sigmoid_test_acc", POINT)
        & lab.Above("shallow_relu_speedup_log2", TWICE)
        & lab.Above("shallow_relu_minus_sigmoid_test_acc", -POINT),
    ),
    (
        lab.Verdict.PARTLY,
        lab.Above("deep_relu_speedup_log2", TWICE) | lab.Above("deep_relu_minus_sigmoid_test_acc", POINT),
    ),
    (
        lab.Verdict.REFUTED,
        lab.Below("deep_relu_speedup_log2", -TWICE) & lab.Below("deep_relu_minus_sigmoid_test_acc", -POINT),
    ),
    otherwise=lab.Verdict.NOT_SUPPORTED,
    note=f"speed-up: log2 of the sigmoid's epochs to {TARGET:.0%} validation accuracy over ReLU's ({TWICE:g}: twice "
    f"as fast); gain: ReLU's test accuracy minus the sigmoid's ({POINT:g}: one point); each arm at its own tuned rate, "
    f"paired by seed, with {RACE_DEPTHS['deep']} hidden layers (deep) and one (shallow); partly when ReLU wins "
    "only in the deep net or on one measure",
)


# The smallest slope of test accuracy against the share of exact zeros that matters: 2 points of accuracy per
# unit of sparsity, about 1 point over the sweep's range of about half the units.
_MIN_SLOPE = 0.02


_LEARNED_GATE = lab.Gate("lowest_test_accuracy", "every 64-128-128-10 network learned the digits", at_least=LEARNED)


EXPERIMENT = lab.described(
    "q05",
    claims=(
        lab.Claim(
            "sigmoid_vanishes",
            "With sigmoid activations, the gradient vanishes as it goes back through the layers.",
            lab.AtMost("sigmoid_log10_signal_ratio", supported=-3.0, partly=-1.0, refuted_above=0.0),
        ),
        lab.Claim(
            "relu_avoids_vanishing",
            "ReLU avoids the vanishing gradient problem.",
            RELU_AVOIDS,
        ),
        lab.Claim(
            "relu_sparse_sigmoid_dense",
            "ReLU gives sparse activations (many exact zeros); sigmoid gives dense ones.",
            SPARSE_DENSE,
            gates=(_LEARNED_GATE,),
        ),
        lab.Claim(
            "sparse_more_useful",
            "Sparse representations are more useful than dense ones.",
            lab.Effect("accuracy_slope_vs_sparsity", +1, _MIN_SLOPE),
            gates=(
                _LEARNED_GATE,
                lab.Gate(
                    "l1_sparsity_increase",
                    f"the L1 penalty made the ReLU code sparser (share of exact zeros up by >= {SPARSER})",
                    at_least=SPARSER,
                    kind="manipulation check",
                ),
            ),
        ),
        lab.Claim(
            "relu_trains_faster",
            "ReLU networks train faster and reach better accuracy than sigmoid networks (each with its own learning "
            f"rate tuned on validation data; plain SGD, one hidden layer and {RACE_DEPTHS['deep']}).",
            TRAINS_FASTER,
            gates=(
                lab.Gate(
                    "deep_relu_epochs_to_target",
                    f"the deep ReLU network reached {TARGET:.0%} validation accuracy within {RACE_EPOCHS} epochs on "
                    "every seed, so its speed is measured, not censored",
                    at_most=RACE_EPOCHS,
                    every_seed=True,
                ),
                lab.Gate(
                    "shallow_relu_epochs_to_target",
                    f"the one-layer ReLU network reached {TARGET:.0%} validation accuracy within {RACE_EPOCHS} epochs "
                    "on every seed",
                    at_most=RACE_EPOCHS,
                    every_seed=True,
                ),
            ),
        ),
    ),
    run=run,
    RACE_FIT=1200 - RACE_VAL,
    RACE_VAL=RACE_VAL,
)
