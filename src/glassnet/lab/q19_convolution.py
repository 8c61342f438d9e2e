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
    sobel_x, sobel_y, labels = out["Sobel x (vertical edges)"], out["Sobel y (horizontal edges)"], y_test[: len(images)]
    gradient = np.hypot(sobel_x, sobel_y)
    boundary = _boundary(images)
    energy_share = float(np.sum(gradient[boundary] ** 2) / np.sum(gradient**2))
    area_share = float(boundary.mean())
    orientation = {  # |Sobel x| over |Sobel y| energy for digits made of vertical (1) vs horizontal-ish strokes
        d: float(np.sum(sobel_x[labels == d] ** 2) / np.sum(sobel_y[labels == d] ** 2)) for d in (1, 7)
    }

    # 4. Learned first-layer filters: how close to oriented edge/bar templates, before and after training.
    # Quick mode: 600 images, smaller batches, three seeds; the network still learns (its gate) and its
    # filters still drift, by less than in full training.
    seeds = ctx.seeds(full=3, quick=3)
    n_train = ctx.pick(len(y_train), 600)
    epochs, batch, lr = ctx.pick(3, 3), ctx.pick(64, 32), ctx.pick(3e-3, 4e-3)
    bank = _edge_bank(_FILTER_SIZE)
    filters = {}  # seed -> (initial, learned) first-layer filters, for the figure

    def measure(seed: int) -> dict:
        model = _first_layer_net(np.random.default_rng(seed))
        initial = model[0].weight.numpy()[:, 0].copy()
        train(model, x_train[:n_train], y_train[:n_train], epochs, batch_size=batch, lr=lr, optimizer="adam", seed=seed)
        filters[seed] = initial, model[0].weight.numpy()[:, 0].copy()
        before, after = (float(np.mean(_edge_match(f, bank))) for f in filters[seed])
        return {
            "initial_edge_match": before,
            "learned_edge_match": after,
            "learned_minus_initial_edge_match": after - before,
            "filter_net_accuracy": correct(model, x_test, y_test),
        }

    learned_filters = lab.over_seeds(seeds, measure)
    random_filters = rng.uniform(-1, 1, (2000, _FILTER_SIZE, _FILTER_SIZE))
    chance = float(np.mean(_edge_match(random_filters, bank)))

    metrics = {
        "patch_sum_max_error": patch_error,
        "flipped_kernel_min_error": flipped_error,
        "same_stride1_area_ratio": area["same", 1],
        "valid_stride1_area_ratio": area["valid", 1],
        "blur_high_frequency_ratio": hf_ratio["box blur"],
        "sharpen_high_frequency_ratio": hf_ratio["sharpen"],
        "edge_energy_enrichment": energy_share / area_share,
        **learned_filters,
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
    columns = ("initial_edge_match", "learned_edge_match", "filter_net_accuracy")
    for s, *row in zip(seeds, *(learned_filters[c].values for c in columns)):
        learned.add(s, *row)
    learned.add("random U(-1, 1) filters", chance, "-", "-")

    figures = {
        "hand-made kernels": _kernel_figure(images, out, gradient, boundary),
        "learned first-layer filters": _filter_figure(*filters[seeds[0]], bank),
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
_DRIFT = 0.05  # the smallest rise of the template match that counts as moving toward edge detectors
_CLEAN_MATCH = 0.7  # best |cosine| of a filter that is close to an edge/bar template
_BLURS = lab.Below("blur_high_frequency_ratio", 0.5)
_SHARPENS = lab.Above("sharpen_high_frequency_ratio", 1.5)
_FINDS_EDGES = lab.Above("edge_energy_enrichment", 2.0)
_DRIFTS = lab.Above("learned_minus_initial_edge_match", 0.0, strict=True)


EXPERIMENT = lab.described(
    "q19",
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
            lab.Decide(
                (
                    lab.Verdict.SUPPORTED,
                    lab.Below("same_stride1_area_ratio", 1.0, strict=True)
                    & lab.Below("valid_stride1_area_ratio", 1.0, strict=True),
                ),
                (
                    lab.Verdict.REFUTED,
                    lab.Above("same_stride1_area_ratio", 1.0) & lab.Above("valid_stride1_area_ratio", 1.0),
                ),
                (
                    lab.Verdict.PARTLY,
                    lab.Below("same_stride1_area_ratio", 1.0, strict=True)
                    | lab.Below("valid_stride1_area_ratio", 1.0, strict=True),
                ),
                note="Output area over input area of a 3x3 convolution at stride 1, with 'same' and 'valid' padding "
                "(exact): partly when the maps shrink with one padding only",
            ),
        ),
        lab.Claim(
            "classic_kernels",
            "Convolution with suitable filters blurs, sharpens or detects edges.",
            lab.Decide(
                (lab.Verdict.SUPPORTED, _BLURS & _SHARPENS & _FINDS_EDGES),
                (lab.Verdict.PARTLY, (_BLURS & _SHARPENS) | (_BLURS & _FINDS_EDGES) | (_SHARPENS & _FINDS_EDGES)),
                (
                    lab.Verdict.REFUTED,
                    lab.Above("blur_high_frequency_ratio", 1.0) & lab.Below("sharpen_high_frequency_ratio", 1.0),
                ),
                otherwise=lab.Verdict.NOT_SUPPORTED,
                note="On test digits (exact computations): fine-detail (Laplacian) energy kept by a 3x3 box blur "
                "and by sharpening, and how much more Sobel gradient energy lies on stroke boundaries than their "
                "share of pixels; partly when two of the three effects hold",
            ),
        ),
        lab.Claim(
            "learned_edges",
            "The filters a network learns in its first layer become edge detectors.",
            lab.Decide(
                (lab.Verdict.SUPPORTED, _DRIFTS & lab.Above("learned_edge_match", _CLEAN_MATCH)),
                (lab.Verdict.PARTLY, _DRIFTS),
                (lab.Verdict.REFUTED, lab.Below("learned_minus_initial_edge_match", 0.0, strict=True)),
                (lab.Verdict.NOT_SUPPORTED, lab.Below("learned_minus_initial_edge_match", _DRIFT, strict=True)),
                note="Mean over first-layer filters of the best |cosine| with 16 oriented edge/bar templates, "
                "trained minus initial (paired over seeds), and after training: partly when the filters drift "
                f"toward edges without all reaching a clean match (>= {_CLEAN_MATCH})",
            ),
            gates=(lab.Gate("filter_net_accuracy", "the network learned the digits", at_least=0.8),),
        ),
    ),
    run=run,
)
