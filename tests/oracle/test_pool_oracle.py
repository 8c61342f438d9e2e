"""Max, min, average and adaptive average pooling against PyTorch, forward and backward, float32 and float64.

Max and min pooling run on small-integer inputs, so most windows hold ties: the gradient must go to
the same element as PyTorch's (the first extremal one in row-major window order). Min pooling has
no PyTorch function; its reference is -max_pool2d(-x).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassnet as gn
from glassnet import functional as F
from glassnet import nn
from oracle.test_conv_oracle import DTYPES, assert_pairs_close, grid_in_dtypes, run_both

KERNELS = [2, 3, (2, 3)]
STRIDES = [None, 1, 2, (1, 2)]
PADDINGS = [0, 1]


def tied(rng, shape) -> np.ndarray:
    """Integers in [-2, 2]: about one element in five equals any given value, so windows hold ties."""
    return rng.integers(-2, 3, size=shape).astype(np.float64)


def fits(kernel, padding) -> bool:
    """PyTorch's rule: padding at most half the kernel."""
    kernel = (kernel, kernel) if isinstance(kernel, int) else kernel
    return all(padding <= k // 2 for k in kernel)


def extremum_grid() -> list:
    return [
        (k, s, p, d, c)
        for k, s, p, d, c in itertools.product(KERNELS, STRIDES, PADDINGS, [1, 2], [False, True])
        if fits(k, p)
    ]


@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil_mode, dtype", grid_in_dtypes(extremum_grid()))
def test_max_and_min_pool_grid_match_torch_with_ties(kernel, stride, padding, dilation, ceil_mode, dtype):
    options = {
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": ceil_mode,
    }
    x = tied(np.random.default_rng(0), (2, 3, 9, 10))
    pairs = run_both(lambda t: F.max_pool2d(t, **options), lambda t: TF.max_pool2d(t, **options), [x], dtype)
    assert_pairs_close(pairs, dtype, f"max_pool2d {options}")
    pairs = run_both(lambda t: F.min_pool2d(t, **options), lambda t: -TF.max_pool2d(-t, **options), [x], dtype)
    assert_pairs_close(pairs, dtype, f"min_pool2d {options}")


@DTYPES
@pytest.mark.parametrize(
    "x_shape, kernel",
    [
        ((4, 6, 28, 28), 2),
        ((3, 16, 10, 10), 2),
        ((2, 2, 7, 9), 2),
        ((2, 3, 6, 6), 3),
        ((1, 1, 4, 4), 4),
        ((2, 3, 5, 5), 1),
    ],
    ids=["lenet1", "lenet2", "odd_size_cropped", "k3", "global", "k1"],
)
def test_non_overlapping_pools_match_torch(x_shape, kernel, dtype):
    """stride = kernel (the fast path): windows tile the input; leftover rows and columns get no gradient."""
    x = tied(np.random.default_rng(1), x_shape)
    for ours, theirs in [(F.max_pool2d, TF.max_pool2d), (F.avg_pool2d, TF.avg_pool2d)]:
        pairs = run_both(lambda t: ours(t, kernel), lambda t: theirs(t, kernel), [x], dtype)
        assert_pairs_close(pairs, dtype, ours.__name__)
    pairs = run_both(lambda t: F.min_pool2d(t, kernel), lambda t: -TF.max_pool2d(-t, kernel), [x], dtype)
    assert_pairs_close(pairs, dtype, "min_pool2d")


def test_all_equal_windows_route_to_the_first_element_like_torch():
    """A constant input: every window is one big tie; PyTorch's gradient goes to its top-left element."""
    x = np.ones((1, 1, 4, 6))
    for options in [{"kernel_size": 2}, {"kernel_size": 3, "stride": 1}, {"kernel_size": 3, "stride": 2, "padding": 1}]:
        pairs = run_both(lambda t: F.max_pool2d(t, **options), lambda t: TF.max_pool2d(t, **options), [x], np.float64)
        assert_pairs_close(pairs, np.float64, str(options))
    xg = gn.tensor(x, requires_grad=True)
    F.max_pool2d(xg, 2).sum().backward()
    np.testing.assert_array_equal(xg.grad[0, 0], [[1, 0, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0]] * 2)


def test_nan_windows_route_like_torch():
    """A window holding NaN outputs NaN and sends its gradient to its last NaN, as PyTorch's scan does."""
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan  # two NaNs in the first window
    x[0, 1, 3, 3] = np.nan
    xg, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = F.max_pool2d(xg, 2), TF.max_pool2d(xt, 2)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())  # NaN where torch has NaN
    np.testing.assert_array_equal(xg.grad, xt.grad.numpy())


# ----------------------------------------------------------------------------- average
def avg_grid() -> list:
    grid = []
    for k, s, p, c, include in itertools.product(KERNELS, STRIDES, PADDINGS, [False, True], [True, False]):
        if fits(k, p):
            grid.append((k, s, p, c, include, None))
    return grid + [(2, None, 0, False, True, 3), (3, 2, 1, True, False, 5)]


@pytest.mark.parametrize(
    "kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, dtype", grid_in_dtypes(avg_grid())
)
def test_avg_pool_grid_matches_torch(kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, dtype):
    options = {
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "ceil_mode": ceil_mode,
        "count_include_pad": count_include_pad,
        "divisor_override": divisor_override,
    }
    x = np.random.default_rng(2).standard_normal((2, 3, 9, 10))
    pairs = run_both(lambda t: F.avg_pool2d(t, **options), lambda t: TF.avg_pool2d(t, **options), [x], dtype)
    assert_pairs_close(pairs, dtype, f"avg_pool2d {options}")


@DTYPES
@pytest.mark.parametrize(
    "x_shape, output_size",
    [
        ((2, 3, 8, 8), 1),
        ((2, 3, 7, 5), 1),
        ((2, 3, 8, 6), (4, 3)),
        ((2, 3, 7, 9), (3, 4)),
        ((2, 3, 5, 5), (7, 6)),
        ((2, 3, 6, 7), (None, 2)),
        ((3, 4, 5), (2, 2)),
    ],
    ids=["global", "global_odd", "divisible", "uneven", "upsampling", "keep_height", "unbatched"],
)
def test_adaptive_avg_pool_matches_torch(x_shape, output_size, dtype):
    x = np.random.default_rng(3).standard_normal(x_shape)
    pairs = run_both(
        lambda t: F.adaptive_avg_pool2d(t, output_size), lambda t: TF.adaptive_avg_pool2d(t, output_size), [x], dtype
    )
    assert_pairs_close(pairs, dtype, f"adaptive_avg_pool2d {output_size}")


def test_unbatched_pools_match_torch():
    x = tied(np.random.default_rng(4), (3, 6, 7))
    for ours, theirs in [(F.max_pool2d, TF.max_pool2d), (F.avg_pool2d, TF.avg_pool2d)]:
        pairs = run_both(lambda t: ours(t, 3, 2, 1), lambda t: theirs(t, 3, 2, 1), [x], np.float64)
        assert_pairs_close(pairs, np.float64, ours.__name__)


@DTYPES
def test_pools_on_conv_output_match_torch(dtype):
    """A convolution's output (batch-innermost in memory) through every pool, then a layout-changing reshape."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((4, 2, 12, 12)), rng.standard_normal((3, 2, 3, 3))

    def ours(x, w):
        h = F.conv2d(x, w, padding=1)
        pooled = [F.max_pool2d(h, 2), F.min_pool2d(h, 3, 2, 1), F.avg_pool2d(h, 3, 1, 1), F.adaptive_avg_pool2d(h, 3)]
        return gn.cat([p.reshape(4, -1) for p in pooled], dim=1)

    def theirs(x, w):
        h = TF.conv2d(x, w, padding=1)
        pooled = [
            TF.max_pool2d(h, 2),
            -TF.max_pool2d(-h, 3, 2, 1),
            TF.avg_pool2d(h, 3, 1, 1),
            TF.adaptive_avg_pool2d(h, 3),
        ]
        return torch.cat([p.reshape(4, -1) for p in pooled], dim=1)

    assert_pairs_close(run_both(ours, theirs, [x, w], dtype), dtype)


# ----------------------------------------------------------------------------- layers
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda: nn.MaxPool2d(2), lambda: torch.nn.MaxPool2d(2)),
        (lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True), lambda: torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (lambda: nn.MaxPool2d((2, 3), dilation=2), lambda: torch.nn.MaxPool2d((2, 3), dilation=2)),
        (lambda: nn.AvgPool2d(2), lambda: torch.nn.AvgPool2d(2)),
        (
            lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
            lambda: torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False),
        ),
        (lambda: nn.AdaptiveAvgPool2d(1), lambda: torch.nn.AdaptiveAvgPool2d(1)),
        (lambda: nn.AdaptiveAvgPool2d((3, None)), lambda: torch.nn.AdaptiveAvgPool2d((3, None))),
    ],
    ids=["max", "max_ceil_padded", "max_dilated", "avg", "avg_exclude_pad", "adaptive_global", "adaptive_rows"],
)
@DTYPES
def test_pooling_layers_match_torch(ours, theirs, dtype):
    x = tied(np.random.default_rng(6), (2, 3, 9, 8))
    assert_pairs_close(run_both(ours(), theirs(), [x], dtype), dtype)


def test_min_pool_layer_is_negated_max_pool_of_negation():
    x = tied(np.random.default_rng(7), (2, 3, 8, 8))
    layer, reference = nn.MinPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)
    assert_pairs_close(run_both(layer, lambda t: -reference(-t), [x], np.float64), np.float64)


def test_float32_pooling_is_exact():
    """Without ties, float32 max and 2x2 average pooling equal PyTorch's bit for bit: they only select or add."""
    x = np.random.default_rng(8).standard_normal((4, 6, 28, 28))
    for ours, theirs in [(F.max_pool2d, TF.max_pool2d), (F.avg_pool2d, TF.avg_pool2d)]:
        pairs = run_both(lambda t: ours(t, 2), lambda t: theirs(t, 2), [x], np.float32)
        for name, a, b in pairs:
            np.testing.assert_array_equal(a, b, err_msg=f"{ours.__name__}: {name}")
