"""Q20. What is padding, and what do 'valid' and 'same' (zero) padding do?"""

from __future__ import annotations

import itertools

import numpy as np

from .. import Tensor, nn
from ..nn import functional as F
from ..train import count_parameters
from . import framework as lab
from .common import correct, digits_split, train_cnn
from .plots import figure, titled

_SIZES, _KERNELS, _STRIDES = range(5, 33), range(2, 6), range(1, 4)


def _coverage(n: int, k: int, stride: int, padding) -> np.ndarray:
    """How many output windows read each pixel of an n x n image: the input gradient of sum(conv(x, ones)).

    Measured through the library (forward and backward of conv2d), not computed from index arithmetic.
    """
    x = Tensor(np.zeros((1, 1, n, n)), requires_grad=True)
    F.conv2d(x, Tensor(np.ones((1, 1, k, k))), stride=stride, padding=padding).sum().backward()
    return x.grad.numpy()[0, 0]


def _out_size(n: int, k: int, stride: int, padding) -> int:
    return F.conv2d(
        Tensor(np.zeros((1, 1, n, n))), Tensor(np.zeros((1, 1, k, k))), stride=stride, padding=padding
    ).shape[-1]


def _same_padding(n: int, k: int, stride: int) -> tuple[int, int]:
    """The zeros that conv2d's 'same' padding puts before and after a row of n pixels, measured: a window of
    ones over ones first sums the k - before pixels it reads, and the windows span before + n + after.
    """
    sums = F.conv2d(Tensor(np.ones((1, 1, 1, n))), Tensor(np.ones((1, 1, 1, k))), stride=stride, padding="same")
    before = k - int(sums[0, 0, 0, 0].item())
    return before, max((sums.shape[-1] - 1) * stride + k - n - before, 0)


def _geometry() -> dict:
    """Sweep n x n images, k x k kernels and strides: fit, coverage and output sizes for each."""
    return [
        {
            "n": n,
            "k": k,
            "s": s,
            "fits": (n - k) % s == 0,
            "dropped": int(np.sum(_coverage(n, k, s, "valid") == 0)),
            "predicted_drop": (n - k) % s != 0 or s > k,
            "valid": _out_size(n, k, s, "valid"),
            "same": _out_size(n, k, s, "same"),
        }
        for n, k, s in itertools.product(_SIZES, _KERNELS, _STRIDES)
    ]


def _typical_cnn(padding: str, rng: np.random.Generator) -> nn.Sequential:
    """conv 3x3 (16) -> ReLU -> max pool 2 -> conv 3x3 (32) -> ReLU -> flatten -> FC 10.

    8x8 -> 8x8 -> 4x4 -> 4x4 with 'same' padding (512 features); 8x8 -> 6x6 -> 3x3 -> 1x1 with 'valid' (32).
    """
    side = 4 if padding == "same" else 1
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=padding, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=padding, rng=rng), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * side * side, 10, rng=rng),
    )  # fmt: skip


def _equal_cnn(padding: str, rng: np.random.Generator) -> nn.Sequential:
    """conv 3x3 (16) -> ReLU -> conv 3x3 (32) -> ReLU -> adaptive average pool to 2x2 -> FC 10.

    The adaptive pool gives both paddings the same head, so the same parameters (6,090).
    """
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=padding, rng=rng), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=padding, rng=rng), nn.ReLU(),
        nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(128, 10, rng=rng),
    )  # fmt: skip


_DESIGNS = {"typical (pool, flatten)": _typical_cnn, "equal parameters (adaptive pool)": _equal_cnn}


def run(ctx: lab.Context) -> lab.Result:
    rows = _geometry()
    stride1 = [r for r in rows if r["s"] == 1]
    strided = [r for r in rows if r["s"] > 1]
    mismatches = sum((r["dropped"] > 0) != r["predicted_drop"] for r in rows)
    formula_errors = sum(
        r["valid"] != (r["n"] - r["k"]) // r["s"] + 1 or r["same"] != -(-r["n"] // r["s"]) for r in rows
    )
    cover = _coverage(8, 3, 1, "valid")
    corner, center = cover[0, 0], cover[4, 4]

    sizes = lab.Table(
        "Output side of a k x k convolution on a 28 x 28 image, measured with conv2d (formula: "
        "floor((n + p_before + p_after - k) / s) + 1)",
        ["k", "stride", "valid (p = 0)", "same", "full (p = k - 1)", "'same' padding (before, after)"],
    )
    for k in (3, 4, 5):
        for s in _STRIDES:
            sizes.add(
                k,
                s,
                _out_size(28, k, s, "valid"),
                _out_size(28, k, s, "same"),
                _out_size(28, k, s, k - 1),
                str(_same_padding(28, k, s)),
            )
    sweep = lab.Table(
        f"All {len(rows)} cases n = 5..32, k = 2..5, stride 1..3 with 'valid' padding",
        ["stride", "cases", "filter does not fit", "cases with unread pixels", "largest number of unread pixels"],
    )
    for s in _STRIDES:
        group = [r for r in rows if r["s"] == s]
        sweep.add(
            s,
            len(group),
            sum(not r["fits"] for r in group),
            sum(r["dropped"] > 0 for r in group),
            max(r["dropped"] for r in group),
        )

    # Accuracy: the same network with 'same' and 'valid' padding on 8x8 digits, where ink reaches the border.
    x_train, x_test, y_train, y_test = digits_split()
    x_train, x_test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)
    ink_border = float(
        np.mean(np.concatenate([x_test[:, 0, [0, -1], :].ravel(), x_test[:, 0, :, [0, -1]].ravel()]) > 0)
    )
    # The gains are one to two points on 597 test digits and the intervals add the test digits' sampling
    # error: six seeds, and a learning rate decayed to 0 (cosine), which makes the final networks, and so the
    # paired differences, less noisy. Quick mode: fewer epochs at a higher rate, four seeds.
    seeds = ctx.seeds(full=6, quick=4)
    epochs, lr = ctx.pick(15, 5), ctx.pick(4e-3, 6e-3)
    scores, params = {}, {}  # (design, padding) -> (seed, test digit) 1.0 where right
    for design, build in _DESIGNS.items():
        for padding in ("same", "valid"):
            scores[design, padding] = []
            for s in seeds:
                model = build(padding, np.random.default_rng(s))
                train_cnn(model, x_train, y_train, epochs, lr=lr, seed=s, batch_size=32)
                scores[design, padding].append(correct(model, x_test, y_test))
            scores[design, padding] = np.array(scores[design, padding])
            params[design, padding] = count_parameters(model)
    acc = {key: lab.over_items(v, seeds) for key, v in scores.items()}
    accuracy_table = lab.Table(
        f"8x8 digits (1,200 train / 597 test), Adam (batch 32, lr {lr:g} with cosine decay), {epochs} epochs, "
        f"{len(seeds)} seeds",
        ["network", "padding", "parameters", "test accuracy (mean)", "95% CI (seeds and test digits)", "per seed"],
    )
    for (design, padding), e in acc.items():
        accuracy_table.add(
            design,
            padding,
            params[design, padding],
            e.mean,
            f"{lab.low(e):.3f} to {lab.high(e):.3f}",
            ", ".join(f"{v:.3f}" for v in e.values),
        )
    typical, equal = _DESIGNS
    weakest = min(acc, key=lambda key: acc[key].mean)

    metrics = {
        "misfit_share_stride1": float(np.mean([not r["fits"] for r in stride1])),
        "misfit_share_strided": float(np.mean([not r["fits"] for r in strided])),
        "same_keeps_size_share_stride1": float(np.mean([r["same"] == r["n"] for r in stride1])),
        "dropped_share_stride1": float(np.mean([r["dropped"] > 0 for r in stride1])),
        "dropped_share_strided": float(np.mean([r["dropped"] > 0 for r in strided])),
        "drop_rule_mismatches": mismatches,
        "size_formula_mismatches": formula_errors,
        "same_minus_valid_typical": lab.over_items(scores[typical, "same"] - scores[typical, "valid"], seeds),
        "same_minus_valid_equal_params": lab.over_items(scores[equal, "same"] - scores[equal, "valid"], seeds),
        "least_accurate_network_accuracy": acc[weakest],
    }
    notes = [
        f"A pixel is 'unread' when the gradient of the summed output with respect to it is exactly 0. Over all "
        f"{len(rows)} cases, pixels go unread exactly when (n - k) is not a multiple of the stride or the stride "
        f"exceeds the kernel ({mismatches} exceptions); the output sizes match the formula in every case "
        f"({formula_errors} exceptions).",
        f"At stride 1 'valid' padding reads every pixel, but not equally often: with a 3x3 kernel a corner pixel "
        f"feeds {corner:.0f} output, a central one {center:.0f}.",
        f"On the 8x8 digits {ink_border:.0%} of the border pixels of test images carry ink.",
        "In the equal-parameter design the adaptive pool averages 4 x 4 blocks of the 8 x 8 'same' maps but 2 x 2 "
        "blocks of the 4 x 4 'valid' maps, so the 'same' network also summarises more coarsely: padding is never "
        "the only difference between two real networks.",
        "'same' padding here follows TensorFlow at any stride (output ceil(n / s), the extra zero row or column at "
        "the bottom or right); PyTorch accepts 'same' only at stride 1, where the two agree.",
    ]
    figures = {
        "coverage of the input": _coverage_figure(),
        "output sizes and accuracy": _size_accuracy_figure(acc),
    }
    return lab.Result(metrics=metrics, figures=figures, tables=[sizes, sweep, accuracy_table], notes=notes)


def _coverage_figure():
    cases = [  # n, k, stride, padding, title
        (8, 3, 1, "valid", "valid, stride 1: all read,\nborders less often"),
        (8, 3, 1, "same", "same, stride 1"),
        (9, 3, 2, "valid", "valid, stride 2, n = 9:\nfits, all read"),
        (8, 3, 2, "valid", "valid, stride 2, n = 8:\nlast row/column unread"),
        (8, 2, 3, "valid", "valid, k = 2, stride 3:\ngaps (stride > kernel)"),
    ]
    fig, axes = figure(1, len(cases), width=15, height=3.6)
    for ax, (n, k, s, padding, title) in zip(axes, cases):
        cover = _coverage(n, k, s, padding)
        ax.imshow(cover, cmap="Blues", vmin=0, vmax=k * k)
        for i in range(n):
            for j in range(n):
                value = int(cover[i, j])
                ax.text(
                    j,
                    i,
                    str(value),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="#c44e52" if value == 0 else ("white" if value > k * k / 2 else "black"),
                )
        ax.set_title(f"{title}\n{n}x{n}, {k}x{k} kernel", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("how many output windows read each input pixel (red 0: never read)")
    return fig


def _size_accuracy_figure(acc: dict):
    fig, (left, right) = figure(1, 2, width=11, height=4)
    n = np.arange(5, 33)
    for s, style in zip(_STRIDES, ("-", "--", ":")):
        for name, padding, color in (
            ("valid", "valid", "#c44e52"),
            ("same", "same", "#4c72b0"),
            ("full", 2, "#55a868"),
        ):
            sizes = [_out_size(int(v), 3, s, padding) for v in n]
            left.plot(n, sizes, style, color=color, label=f"{name}, stride {s}")
    titled(left, "output side of a 3x3 convolution", x="input side n", y="output side")
    left.legend(fontsize=7, ncol=3)
    labels = list(acc)
    right.bar(range(len(labels)), [acc[k].mean for k in labels], color=["#4c72b0", "#c44e52"] * 2)
    for i, k in enumerate(labels):
        right.plot([i] * acc[k].n, acc[k].values, "k.", ms=5)
    short = {"typical (pool, flatten)": "typical", "equal parameters (adaptive pool)": "equal params"}
    right.set_xticks(range(len(labels)), [f"{short[d]}\n{p}" for d, p in labels])
    low = min(min(e.values) for e in acc.values())
    right.set_ylim(max(0.0, low - 0.03), 1.0)
    titled(right, "8x8 digits: same vs valid padding", y="test accuracy (bars: mean, dots: seeds)")
    return fig


# ------------------------------------------------------------------------------ verdict rules
_GAIN = 0.01  # the smallest accuracy gain (one point) that counts as padding helping


EXPERIMENT = lab.described(
    "q20",
    claims=(
        lab.Claim(
            "filter_may_not_fit",
            "Sometimes the filter does not fit the image exactly.",
            lab.Decide(
                (lab.Verdict.SUPPORTED, lab.Above("misfit_share_stride1", 0.0, strict=True)),
                (
                    lab.Verdict.PARTLY,
                    lab.Below("misfit_share_stride1", 0.0) & lab.Above("misfit_share_strided", 0.0, strict=True),
                ),
                (lab.Verdict.REFUTED, lab.Below("misfit_share_stride1", 0.0) & lab.Below("misfit_share_strided", 0.0)),
                note="Share of cases (n = 5..32, k = 2..5) where (n - k) is not a multiple of the stride, at stride 1 "
                "and at strides 2-3 (exact counts): partly when only strides above 1 leave a misfit",
            ),
        ),
        lab.Claim(
            "same_keeps_size",
            "Zero padding adds zeros around the image so that the filter fits and the output keeps the input's size.",
            lab.AtLeast("same_keeps_size_share_stride1", supported=1.0, partly=0.9, refuted_below=0.5),
        ),
        lab.Claim(
            "valid_drops_pixels",
            "Valid padding drops the part of the image where the filter does not fit.",
            lab.Decide(
                (lab.Verdict.SUPPORTED, lab.Above("dropped_share_stride1", 0.5)),
                (
                    lab.Verdict.PARTLY,
                    lab.Below("dropped_share_stride1", 0.5, strict=True)
                    & lab.Above("dropped_share_strided", 0.0, strict=True),
                ),
                (
                    lab.Verdict.REFUTED,
                    lab.Below("dropped_share_stride1", 0.5, strict=True) & lab.Below("dropped_share_strided", 0.0),
                ),
                note="Share of cases with pixels that no output reads (their input gradient is exactly 0; exact "
                "counts), at stride 1 and at strides 2-3: partly when pixels are dropped only at strides above 1",
            ),
        ),
        lab.Claim(
            "padding_helps_accuracy",
            "Zero padding keeps the information at the borders, so a network with it is more accurate than one "
            "with valid padding.",
            lab.Decide(
                (
                    lab.Verdict.SUPPORTED,
                    lab.Above("same_minus_valid_typical", 0.0, strict=True)
                    & lab.Above("same_minus_valid_equal_params", 0.0, strict=True),
                ),
                (lab.Verdict.PARTLY, lab.Above("same_minus_valid_typical", 0.0, strict=True)),
                (
                    lab.Verdict.REFUTED,
                    lab.Below("same_minus_valid_typical", 0.0, strict=True)
                    & lab.Below("same_minus_valid_equal_params", 0.0, strict=True),
                ),
                (
                    lab.Verdict.NOT_SUPPORTED,
                    lab.Below("same_minus_valid_typical", _GAIN, strict=True)
                    & lab.Below("same_minus_valid_equal_params", _GAIN, strict=True),
                ),
                note="Test accuracy with 'same' minus 'valid' padding, paired over seeds and test digits, in a "
                "typical network (pool, flatten, FC: 'same' then also has more parameters) and in one whose head "
                "makes the parameters equal: partly when only the typical network gains",
            ),
            gates=(lab.Gate("least_accurate_network_accuracy", "every network learned the digits", at_least=0.85),),
        ),
    ),
    run=run,
)
