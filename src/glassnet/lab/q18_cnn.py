"""Q18. What is a convolutional neural network (CNN), and how does it work?"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .. import Tensor, nn, no_grad
from ..data import mnist_subset_split
from ..models import budget_mlp, small_cnn
from ..train import count_parameters
from . import framework as lab
from .common import correct, predict, train, train_cnn
from .plots import figure

_CHANNELS = (8, 16)
# label -> keyword arguments of small_cnn: the classic pipeline and the two variants that drop one of its steps
_CNNS = {
    "conv-ReLU-pool (the pipeline)": {},
    "no ReLU": {"activation": None},
    "no pooling (stride-2 convs)": {"pool": None, "stride": 2},
}
_PIPELINE, _NO_RELU, _STRIDED = _CNNS
_BIG_MLP = 256  # hidden units of the unconstrained reference MLP


def _cnn(rng: np.random.Generator, **variant) -> nn.Sequential:
    return small_cnn(channels=_CHANNELS, batch_norm=False, rng=rng, **variant)


def _stages(model: nn.Sequential, image: np.ndarray) -> list[tuple[str, np.ndarray, int]]:
    """(layer name, output for one image, parameters of the layer) after each layer of ``model``."""
    out = []
    with no_grad():
        h = Tensor(image[None])
        for layer in model:
            h = layer(h)
            out.append((type(layer).__name__, h.numpy()[0], count_parameters(layer)))
    return out


_MOVES = ((1, 0), (-1, 0), (0, 1), (0, -1))  # one pixel down, up, right, left


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / ||b||."""
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def _shift_responses(model: nn.Sequential, images: np.ndarray) -> dict:
    """How the trained network answers shifted copies of ``images``.

    Equivariance of the first convolution: conv(shift(x)) against shift(conv(x)) for shifts of 1 and 2
    pixels, compared on the interior, k + 1 pixels from every border, where neither the wrap-around of the
    (circular) shift nor the zero padding reaches; and, as the manipulation check, conv(shift(x)) against
    conv(x), which the shift must change. Invariance of the whole network: per image, the share of the four
    one-pixel moves (zero fill) that change its predicted class.
    """
    conv = model[0]
    maps = predict(conv, images)
    errors, changes = [], []
    for k in (1, 2):
        inner = (..., slice(k + 1, -k - 1), slice(k + 1, -k - 1))
        for dy, dx in _MOVES:
            moved = predict(conv, np.roll(images, (k * dy, k * dx), axis=(2, 3)))
            errors.append(_relative(moved[inner], np.roll(maps, (k * dy, k * dx), axis=(2, 3))[inner]))
            changes.append(_relative(moved[inner], maps[inner]))
    classes = predict(model, images).argmax(axis=1)
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    h, w = images.shape[-2:]
    flips = [
        predict(model, padded[..., 1 - dy : 1 - dy + h, 1 - dx : 1 - dx + w]).argmax(axis=1) != classes
        for dy, dx in _MOVES
    ]
    return {
        "conv_equivariance_error": max(errors),
        "conv_shift_change": min(changes),
        "class_change_rate_1px": np.mean(flips, axis=0),
    }


def run(ctx: lab.Context) -> lab.Result:
    x_train, x_test, y_train, y_test = mnist_subset_split()
    # Quick mode: a smaller task that a CNN still learns (500 images, more epochs at a gentler rate), with
    # five seeds so that the CNN-vs-MLP interval can decide; the pipeline's variants get one seed there,
    # since the pipeline claim is judged only after full training (its gate).
    n_train = ctx.pick(len(y_train), 500)
    x_train, y_train = x_train[:n_train], y_train[:n_train]
    seeds = ctx.seeds(full=5, quick=5)
    variant_seeds = seeds[: ctx.pick(len(seeds), 1)]
    cnn_epochs, cnn_lr, cnn_batch = ctx.pick(4, 8), ctx.pick(1e-2, 6e-3), ctx.pick(64, 32)
    mlp_epochs = ctx.pick(20, 15)
    n_shifted = ctx.pick(1000, 500)  # test images shifted for the equivariance and invariance claims

    budget = count_parameters(_cnn(None))
    scores = {}  # label -> per seed, 1.0 for each test image classified correctly
    shifts = []  # per seed of the pipeline: its responses to shifted inputs (see _shift_responses)
    for label, variant in _CNNS.items():
        scores[label] = []
        for s in seeds if label == _PIPELINE else variant_seeds:
            model = _cnn(np.random.default_rng(s), **variant)
            train_cnn(model, x_train, y_train, cnn_epochs, lr=cnn_lr, seed=s, batch_size=cnn_batch)
            scores[label].append(correct(model, x_test, y_test))
            if label == _PIPELINE:
                shifts.append(_shift_responses(model, x_test[:n_shifted]))
        if label == _PIPELINE:
            trained = model  # the last seed's pipeline network, for the stage-by-stage figure
    mlp_labels = []
    for layers in (1, 2):
        label = f"MLP, {layers} hidden layer{'s' if layers > 1 else ''}, same budget"
        scores[label] = []
        for s in seeds:
            model = budget_mlp(budget, 784, hidden_layers=layers, rng=np.random.default_rng(s))
            train(model, x_train, y_train, mlp_epochs, batch_size=64, lr=3e-3, optimizer="adam", seed=s)
            scores[label].append(correct(model, x_test, y_test))
        mlp_labels.append(label)
    big = f"MLP 784-{_BIG_MLP}-10 (no budget)"
    scores[big] = []
    for s in variant_seeds:
        model = nn.Sequential(nn.Flatten(), *_dense(784, _BIG_MLP, np.random.default_rng(s)))
        train(model, x_train, y_train, mlp_epochs, batch_size=64, lr=1e-3, optimizer="adam", seed=s)
        scores[big].append(correct(model, x_test, y_test))
    big_params = count_parameters(model)
    scores = {label: np.array(v) for label, v in scores.items()}
    acc = {label: lab.over_items(v, seeds[: len(v)]) for label, v in scores.items()}

    # The best same-budget MLP, chosen per seed on the test set: an optimistic choice, in the MLP's favour.
    mlps = np.stack([scores[k] for k in mlp_labels])  # (MLP, seed, item)
    best_mlp = mlps[mlps.mean(axis=2).argmax(axis=0), np.arange(len(seeds))]
    pipeline, k = scores[_PIPELINE], len(variant_seeds)
    metrics = {
        "cnn_accuracy": acc[_PIPELINE],
        "best_same_budget_mlp_accuracy": lab.over_items(best_mlp, seeds),
        "cnn_minus_best_mlp": lab.over_items(pipeline - best_mlp, seeds),
        "cnn_minus_big_mlp": lab.over_items(pipeline[:k] - scores[big], variant_seeds),
        "relu_removal_cost": lab.over_items(pipeline[:k] - scores[_NO_RELU], variant_seeds),
        "pooling_replacement_cost": lab.over_items(pipeline[:k] - scores[_STRIDED], variant_seeds),
        **lab.summarise(shifts, seeds),
    }

    # Weight sharing: the first convolution against a dense layer with the same input and output sizes.
    first = trained[0]
    conv_weights = count_parameters(first)
    out_units = first.out_channels * 28 * 28
    dense_weights = 784 * out_units + out_units
    metrics["dense_over_conv_parameters"] = dense_weights / conv_weights

    # the test digit among the first 50 that the network classifies with the largest margin: a clear example
    scores = predict(trained, x_test[:50])
    right = scores[np.arange(50), y_test[:50]]
    scores[np.arange(50), y_test[:50]] = -np.inf
    shown = int(np.argmax(right - scores.max(axis=1)))
    stages = _stages(trained, x_test[shown])
    shape_table = lab.Table(
        "The pipeline, stage by stage, on one 1 x 28 x 28 image (batch axis left out)",
        ["stage", "layer", "output shape", "parameters"],
    )
    shape_table.add(0, "input", "1 x 28 x 28", 0)
    for i, (name, value, params) in enumerate(stages, 1):
        shape_table.add(i, name, " x ".join(map(str, value.shape)), params)
    models_table = lab.Table(
        f"MNIST subset, {n_train:,} training / {len(y_test):,} test images, Adam: CNNs {cnn_epochs} epochs, batch "
        f"{cnn_batch}, lr {cnn_lr:g} with cosine decay; MLPs {mlp_epochs} epochs, batch 64, lr 0.003 (the wide one "
        "0.001)",
        ["model", "parameters", "test accuracy (mean)", "95% CI (seeds and test items)", "per seed"],
    )
    params = {label: budget for label in acc} | {big: big_params}
    for label, e in acc.items():
        ci = f"{lab.low(e):.3f} to {lab.high(e):.3f}" if e.bounded else "one seed: none"
        models_table.add(label, params[label], e.mean, ci, ", ".join(f"{v:.3f}" for v in e.values))
    sharing = lab.Table(
        "First layer: a 3x3 convolution vs a dense layer mapping the same 784 pixels to the same 8 x 28 x 28 outputs",
        ["layer", "weights and biases"],
    )
    sharing.add("Conv2d(1, 8, 3, padding='same')", conv_weights)
    sharing.add("Linear(784, 6272)", dense_weights)
    shifted = lab.Table(
        f"Shifts of the first {n_shifted:,} test digits, the trained pipeline CNN, per seed",
        [
            "seed",
            "first conv: |conv(shift x) - shift(conv x)| / |conv x| (interior, shifts of 1-2 px, largest)",
            "first conv: |conv(shift x) - conv x| / |conv x| (the shift's effect, smallest)",
            "share of one-pixel moves that change the predicted class",
        ],
    )
    names = ("conv_equivariance_error", "conv_shift_change", "class_change_rate_1px")
    for s, *row in zip(seeds, *(metrics[n].values for n in names)):
        shifted.add(s, *row)

    figures = {
        "accuracy at equal parameter budget": _accuracy_figure(acc, params, big),
        "one digit through the pipeline": _stage_figure(x_test[shown, 0], int(y_test[shown]), stages),
    }
    notes = [
        "Per seed, the better of the two same-budget MLPs is picked on the test set: that choice favours the MLP, "
        "so the measured gap is if anything too small.",
        "Without ReLU the network is not linear: max pooling is itself a nonlinearity (the largest of four values). "
        "The strided variant keeps every parameter count and replaces each 2x2 max pool by a stride of 2 in the "
        "convolution before it.",
        f"Shapes: {' -> '.join(' x '.join(map(str, v.shape)) for _, v, _ in stages)}; flatten has no parameters.",
        "Intervals are 95% t intervals over seeds that add the sampling error of the 1,000 test images; the "
        "differences between two models are paired image by image.",
        "Equivariance is checked on the interior of the maps, k + 1 pixels from every border for a k-pixel "
        "circular shift, where neither the wrap-around nor the zero padding reaches: there the shifted input's maps "
        "equal the shifted maps to the last bit. The class changes use one-pixel moves with zero fill (down, up, "
        "right, left): after two 2x2 pools the network sees the input at a stride of 4 pixels, so a move of 1 "
        "pixel cannot simply move its pooled features (Azulay & Weiss 2019; Zhang 2019).",
    ]
    if len(variant_seeds) < len(seeds):
        notes.append(
            "Quick mode trains the two variants and the wide MLP at one seed: the pipeline claim is judged only "
            "after full training (its gate), so they are shown, not judged."
        )
    return lab.Result(
        metrics=metrics, figures=figures, tables=[shape_table, models_table, sharing, shifted], notes=notes
    )


def _dense(fan_in: int, width: int, rng: np.random.Generator) -> list:
    return [nn.Linear(fan_in, width, rng=rng), nn.ReLU(), nn.Linear(width, 10, rng=rng)]


def _accuracy_figure(acc: dict, params: dict, big: str):
    fig, ax = figure(1, 1, width=9, height=4.2)
    labels = list(acc)
    colors = ["#4c72b0", "#8da0cb", "#8da0cb", "#dd8452", "#dd8452", "#c44e52"]
    ax.bar(range(len(labels)), [acc[k].mean for k in labels], color=colors[: len(labels)])
    for i, k in enumerate(labels):
        ax.plot([i] * acc[k].n, acc[k].values, "k.", ms=4)
        top = max(acc[k].values)
        ax.annotate(f"{acc[k].mean:.3f}", (i, top), textcoords="offset points", xytext=(0, 4), ha="center", fontsize=9)
    names = [f"{k}\n{params[k]:,} params" for k in labels]
    ax.set_xticks(range(len(labels)), names, rotation=25, ha="right", fontsize=8)
    bottom = min(min(acc[k].values) for k in labels)
    ax.set_ylim(max(0.0, bottom - 0.05), 1.0)
    ax.set_ylabel("test accuracy (bars: mean, dots: seeds)")
    ratio = params[big] / params[labels[0]]
    ax.set_title(f"CNNs (blue) vs MLPs (orange: same budget; red: {ratio:.0f}x the budget)")
    return fig


def _strip(maps: np.ndarray, n: int = 8) -> np.ndarray:
    """Up to ``n`` maps (C, H, W) side by side, each scaled to [0, 1] on its own, one blank column between."""
    tiles = []
    for m in maps[:n]:
        span = m.max() - m.min()
        tiles += [(m - m.min()) / span if span > 0 else np.zeros_like(m), np.full((m.shape[0], 1), np.nan)]
    return np.concatenate(tiles[:-1], axis=1)


def _stage_figure(image: np.ndarray, label: int, stages: list):
    """The input, then up to 8 maps after each conv/ReLU/pool stage, then the flattened vector and the scores.

    Each stage's maps are drawn as one strip (one image per row, not one axes per map: far cheaper to draw).
    """
    shown = [(i, name, value) for i, (name, value, _) in enumerate(stages, 1) if value.ndim == 3]
    rows = len(shown) + 1
    fig = Figure(figsize=(11, 1.1 * rows + 0.5), layout="constrained")
    grid = fig.add_gridspec(rows, 8)
    top = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1:4]), fig.add_subplot(grid[0, 5:7])]
    top[0].imshow(image, cmap="gray_r")
    top[0].set_title(f"input (label {label})", fontsize=8)
    flat = stages[-2][1]
    top[1].imshow(flat[None], aspect="auto", cmap="viridis")
    top[1].set_title(f"flatten ({flat.size})", fontsize=8)
    scores = stages[-1][1]
    top[2].bar(range(10), scores, color="#4c72b0")
    top[2].set_title(f"FC scores: '{int(scores.argmax())}'", fontsize=8)
    for ax in top[:2]:
        ax.set_xticks([])
        ax.set_yticks([])
    top[2].set_xticks(range(10))
    top[2].tick_params(labelsize=7)
    for r, (i, name, value) in enumerate(shown, 1):
        ax = fig.add_subplot(grid[r, :])
        ax.imshow(_strip(value), cmap="viridis")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_frame_on(False)
        shape = " x ".join(map(str, value.shape))
        ax.set_ylabel(f"{i}. {name}\n{shape}", fontsize=8, rotation=0, ha="right", va="center")
    return fig


# ------------------------------------------------------------------------------ verdict rules
_NEEDED_BY = 0.01  # a step is needed if removing it costs at least one point of accuracy


_RELU, _POOL = "relu_removal_cost", "pooling_replacement_cost"
_FULLY_TRAINED = lab.Gate(
    "cnn_accuracy",
    "the pipeline CNN was trained to the full-data regime (>= 94% test accuracy) in which it is judged",
    at_least=0.94,
)
_MOST = 0.1  # approximately invariant: a one-pixel shift changes the class of at most 10% of the images


EXPERIMENT = lab.described(
    "q18",
    claims=(
        lab.Claim(
            "cnn_beats_mlp",
            "On images a CNN beats a fully connected network: with the same number of parameters it classifies "
            "them more accurately.",
            lab.Effect("cnn_minus_best_mlp", sign=+1, min_effect=0.02),
            gates=(
                lab.Gate("cnn_accuracy", "the CNN learned the digits", at_least=0.85),
                lab.Gate("best_same_budget_mlp_accuracy", "the same-budget MLP learned the digits", at_least=0.75),
            ),
        ),
        lab.Claim(
            "weight_sharing",
            "A convolution layer, with small filters shared across positions, needs far fewer parameters than a "
            "fully connected layer with the same inputs and outputs.",
            lab.AtLeast("dense_over_conv_parameters", supported=100.0, partly=10.0, refuted_below=1.0, unit="x"),
        ),
        lab.Claim(
            "pipeline",
            "A CNN works in the steps convolution -> ReLU -> pooling -> flatten -> fully connected, each of which "
            "is needed.",
            lab.Decide(
                (lab.Verdict.SUPPORTED, lab.Above(_RELU, _NEEDED_BY) & lab.Above(_POOL, _NEEDED_BY)),
                (lab.Verdict.PARTLY, lab.Above(_RELU, 0.0, strict=True) | lab.Above(_POOL, 0.0, strict=True)),
                (lab.Verdict.REFUTED, lab.Below(_RELU, 0.0, strict=True) & lab.Below(_POOL, 0.0, strict=True)),
                (
                    lab.Verdict.NOT_SUPPORTED,
                    lab.Below(_RELU, _NEEDED_BY, strict=True) & lab.Below(_POOL, _NEEDED_BY, strict=True),
                ),
                note="Test-accuracy cost of removing ReLU, and of replacing each 2x2 max pool by a stride-2 "
                "convolution (same parameters), paired over seeds and test images: a step is needed if removing "
                "it costs at least a point; partly when one step's removal surely costs accuracy but not both cost "
                "a point",
            ),
            gates=(_FULLY_TRAINED,),
        ),
        lab.Claim(
            "conv_equivariance",
            "A convolution layer is translation equivariant: shift the input by k pixels and its feature maps shift "
            "by k pixels, exactly, away from the borders.",
            lab.AtMost("conv_equivariance_error", supported=1e-5, partly=1e-3, refuted_above=0.1),
            gates=(
                lab.Gate(
                    "conv_shift_change",
                    "a shift of the input changes the maps at a fixed position, so that matching them is a test",
                    at_least=0.1,
                    kind="manipulation check",
                ),
            ),
        ),
        lab.Claim(
            "approximate_shift_invariance",
            "A CNN with pooling is only approximately shift invariant: a one-pixel shift of the input leaves most "
            "predicted classes unchanged, but not all.",
            lab.Decide(
                (
                    lab.Verdict.SUPPORTED,
                    lab.Above("class_change_rate_1px", 0.0, strict=True) & lab.Below("class_change_rate_1px", _MOST),
                ),
                (lab.Verdict.PARTLY, lab.Above("class_change_rate_1px", _MOST, strict=True)),
                (lab.Verdict.REFUTED, lab.Below("class_change_rate_1px", 0.0)),
                note="Share of the four one-pixel moves (zero fill) of a test image that change the trained "
                f"pipeline CNN's predicted class, over seeds and test images; 'most unchanged' means at most "
                f"{_MOST:.0%} change; partly when more change (not even approximately invariant), refuted when none "
                "does (exactly invariant)",
            ),
            gates=(_FULLY_TRAINED,),
        ),
    ),
    run=run,
)
