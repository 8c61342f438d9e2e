"""Convolution, pooling, BatchNorm2d and Dropout2d on their own: contracts, gradchecks, formulas, layouts.

Layer contracts (with PyTorch's layers where they exist), float64 gradchecks, the 'same' padding
formula, worked examples by hand, memory layouts and the scratch buffers, and error messages.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet as gn
from contract import check_layer_contract
from glassnet import functional as F
from glassnet import nn
from glassnet.gradcheck import gradcheck
from glassnet.nn import init
from glassnet.ops import buffers
from glassnet.ops.conv import conv_output_size, same_padding
from glassnet.ops.pool import pool_output_size


# ----------------------------------------------------------------------------- layer contracts
def _bn2d_with_random_scale(rng):
    layer = nn.BatchNorm2d(3)
    init.uniform_(layer.weight, 0.5, 2.0, rng)  # a different seed must give different parameters
    return layer


def contract(name, make, input_shape, output_shape, params=(), torch_layer=None, **extra):
    return pytest.param(make, input_shape, output_shape, list(params), torch_layer, extra, id=name)


BN_BUFFERS = ["running_mean", "running_var", "num_batches_tracked"]
CONTRACTS = [
    contract("conv2d", lambda rng: nn.Conv2d(3, 8, 3, rng=rng), (2, 3, 7, 6), (2, 8, 5, 4), ["weight", "bias"],
             lambda: torch.nn.Conv2d(3, 8, 3)),
    contract("conv2d_same_strided_no_bias",
             lambda rng: nn.Conv2d(3, 4, (3, 2), stride=2, padding="same", bias=False, rng=rng),
             (2, 3, 7, 6), (2, 4, 4, 3), ["weight"]),
    contract("conv2d_grouped_dilated", lambda rng: nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2, rng=rng),
             (2, 4, 6, 6), (2, 6, 6, 6), ["weight", "bias"],
             lambda: torch.nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2)),
    contract("conv1d", lambda rng: nn.Conv1d(3, 5, 3, padding="same", rng=rng), (2, 3, 9), (2, 5, 9),
             ["weight", "bias"], lambda: torch.nn.Conv1d(3, 5, 3, padding="same")),
    contract("conv_transpose2d", lambda rng: nn.ConvTranspose2d(3, 8, 4, 2, 1, rng=rng), (2, 3, 4, 3), (2, 8, 8, 6),
             ["weight", "bias"], lambda: torch.nn.ConvTranspose2d(3, 8, 4, 2, 1)),
    contract("conv_transpose2d_grouped_no_bias",
             lambda rng: nn.ConvTranspose2d(4, 6, 3, stride=2, output_padding=1, groups=2, bias=False, rng=rng),
             (2, 4, 3, 3), (2, 6, 8, 8), ["weight"],
             lambda: torch.nn.ConvTranspose2d(4, 6, 3, stride=2, output_padding=1, groups=2, bias=False)),
    contract("maxpool2d", lambda rng: nn.MaxPool2d(2), (2, 3, 6, 7), (2, 3, 3, 3), [], lambda: torch.nn.MaxPool2d(2)),
    contract("maxpool2d_padded", lambda rng: nn.MaxPool2d(3, 2, 1), (2, 3, 6, 7), (2, 3, 3, 4), [],
             lambda: torch.nn.MaxPool2d(3, 2, 1)),
    contract("minpool2d", lambda rng: nn.MinPool2d(2), (2, 3, 6, 7), (2, 3, 3, 3)),
    contract("avgpool2d", lambda rng: nn.AvgPool2d(3, 2, 1), (2, 3, 6, 7), (2, 3, 3, 4), [],
             lambda: torch.nn.AvgPool2d(3, 2, 1)),
    contract("adaptive_avgpool2d", lambda rng: nn.AdaptiveAvgPool2d(1), (2, 3, 5, 4), (2, 3, 1, 1), [],
             lambda: torch.nn.AdaptiveAvgPool2d(1)),
    contract("dropout2d", lambda rng: nn.Dropout2d(0.5, rng=rng), (4, 8, 3, 3), (4, 8, 3, 3), random_forward=True),
    contract("batchnorm2d", _bn2d_with_random_scale, (4, 3, 3, 2), (4, 3, 3, 2), ["weight", "bias"],
             lambda: torch.nn.BatchNorm2d(3), expected_buffer_names=BN_BUFFERS),
]  # fmt: skip


@pytest.mark.parametrize("make, input_shape, output_shape, params, torch_layer, extra", CONTRACTS)
def test_layer_contract(make, input_shape, output_shape, params, torch_layer, extra):
    check_layer_contract(make, input_shape, output_shape, params, torch_layer=torch_layer, **extra)


def test_reprs_read_like_torch():
    assert repr(nn.Conv2d(1, 6, 5, padding="same")) == "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding='same')"
    assert repr(nn.Conv1d(2, 4, 3, stride=2, groups=2, bias=False)) == (
        "Conv1d(2, 4, kernel_size=(3,), stride=(2,), groups=2, bias=False)"
    )
    assert repr(nn.ConvTranspose2d(16, 8, 4, 2, 1, output_padding=1, bias=False)) == (
        "ConvTranspose2d(16, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), bias=False)"
    )
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.BatchNorm2d(6)).startswith("BatchNorm2d(6, eps=1e-05, momentum=0.1")


# ----------------------------------------------------------------------------- gradchecks (float64)
def distinct(rng, shape, spacing: float = 0.05):
    """All-different values at least ``spacing`` apart: no max/min pooling window has a near-tie."""
    return (rng.permutation(math.prod(shape)).reshape(shape) - math.prod(shape) / 2) * spacing


GRADCHECKS = [
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b), [(2, 3, 5, 6), (4, 3, 3, 2), (4,)]),
    (
        "conv2d_stride_padding",
        lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=(1, 2)),
        [(2, 2, 6, 5), (3, 2, 3, 3), (3,)],
    ),
    ("conv2d_same_stride2", lambda x, w: F.conv2d(x, w, stride=2, padding="same"), [(2, 2, 6, 7), (3, 2, 4, 3)]),
    (
        "conv2d_dilation",
        lambda x, w, b: F.conv2d(x, w, b, padding=1, dilation=(2, 1)),
        [(1, 2, 7, 6), (2, 2, 3, 3), (2,)],
    ),
    ("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, padding="same", groups=2), [(2, 4, 5, 5), (6, 2, 3, 3), (6,)]),
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding="same", dilation=2), [(2, 3, 9), (4, 3, 3), (4,)]),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), [(2, 3, 6, 5)]),
    ("max_pool2d_overlap_padded", lambda x: F.max_pool2d(x, 3, 2, 1, dilation=(1, 2), ceil_mode=True), [(2, 2, 7, 8)]),
    ("min_pool2d", lambda x: F.min_pool2d(x, (2, 3), (1, 2), 1), [(2, 2, 6, 7)]),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2), [(2, 3, 6, 5)]),
    (
        "avg_pool2d_exclude_pad_ceil",
        lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        [(2, 2, 6, 7)],
    ),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
    ("global_avg_pool", lambda x: F.adaptive_avg_pool2d(x, 1), [(2, 3, 4, 5)]),
    ("batch_norm_4d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(3, 2, 3, 4), (2,), (2,)]),
    ("dropout2d", lambda x: F.dropout2d(x, 0.4, rng=np.random.default_rng(3)), [(3, 4, 2, 3)]),
    ("lenet_like", lambda x, w: F.max_pool2d(F.conv2d(x, w, padding="same").relu(), 2), [(2, 1, 6, 6), (3, 1, 3, 3)]),
]


@pytest.mark.parametrize("fn, shapes", [pytest.param(*case[1:], id=case[0]) for case in GRADCHECKS])
def test_gradcheck(fn, shapes, request):
    rng = np.random.default_rng(0)
    name = request.node.callspec.id
    inputs = [
        gn.tensor(distinct(rng, s) if i == 0 else rng.standard_normal(s), requires_grad=True)
        for i, s in enumerate(shapes)
    ]
    probe = rng.standard_normal(fn(*inputs).shape)  # sum(output * probe): not a plain sum (batch norm's is 0)
    assert gradcheck(lambda *xs: fn(*xs) * probe, inputs, name=name)


# ----------------------------------------------------------------------------- 'same' padding formula
@pytest.mark.parametrize(
    "size, kernel, stride, dilation, expected",
    [
        (28, 5, 1, 1, (2, 2)),
        (28, 4, 1, 1, (1, 2)),
        (9, 3, 2, 1, (1, 1)),
        (10, 4, 3, 1, (1, 2)),
        (6, 1, 5, 1, (0, 0)),
        (7, 3, 1, 2, (2, 2)),
        (8, 3, 2, 1, (0, 1)),
        (5, 2, 2, 1, (0, 1)),
    ],
)
def test_same_padding_worked_examples(size, kernel, stride, dilation, expected):
    """e.g. n=10, k=4, s=3: out = ceil(10/3) = 4, total = (4-1)*3 + 4 - 10 = 3 -> 1 before, 2 after (bottom/right)."""
    assert same_padding(size, kernel, stride, dilation) == expected


@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 6), st.integers(1, 3))
@settings(max_examples=200, deadline=None)
def test_same_padding_gives_ceil_n_over_s(size, kernel, stride, dilation):
    before, after = same_padding(size, kernel, stride, dilation)
    assert conv_output_size(size, kernel, stride, (before, after), dilation) == -(-size // stride)
    assert after - before in (0, 1) and before >= 0  # the odd one goes at the end
    if stride == 1:
        assert before + after == dilation * (kernel - 1)  # PyTorch's padding='same'


@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(4, 12),
    st.integers(4, 12),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(1, 2),
    st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_random_conv_and_pool_shapes_match_torch(n, c, h, w, k, s, d, p, o, ceil_mode):
    """Random geometry: conv2d and max/avg pooling give PyTorch's shape and values (float64)."""
    rng = np.random.default_rng(n * 1000 + h * 10 + w)
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((o, c, k, k))
    if (h + 2 * p - d * (k - 1) - 1) >= 0 and (w + 2 * p - d * (k - 1) - 1) >= 0:
        ours = F.conv2d(gn.tensor(x), gn.tensor(weight), stride=s, padding=p, dilation=d).numpy()
        theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(weight), stride=s, padding=p, dilation=d)
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)
    if p <= k // 2 and min(h, w) + 2 * p >= d * (k - 1) + 1:
        for ours_fn, theirs_fn, dil in [
            (F.max_pool2d, torch.nn.functional.max_pool2d, d),
            (F.avg_pool2d, torch.nn.functional.avg_pool2d, None),
        ]:
            extra = {} if dil is None else {"dilation": dil}
            if dil is None and min(h, w) + 2 * p < k:
                continue
            ours = ours_fn(gn.tensor(x), k, s, p, ceil_mode=ceil_mode, **extra).numpy()
            theirs = theirs_fn(torch.tensor(x), k, s, p, ceil_mode=ceil_mode, **extra)
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_pool_output_size_ceil_mode_worked_examples():
    # n=6, k=3, s=2, p=1: floor((6 + 2 - 3) / 2) + 1 = 3; ceil gives 4, the last window [5, 8) starts inside
    assert (pool_output_size(6, 3, 2, 1), pool_output_size(6, 3, 2, 1, ceil_mode=True)) == (3, 4)
    # n=5, k=2, s=2, p=1: ceil((5 + 2 - 2) / 2) + 1 = 4, but window 3 would start at 3*2 - 1 = 5 = n, in the
    # right padding (3*2 >= n + p): PyTorch drops it
    assert pool_output_size(5, 2, 2, 1, ceil_mode=True) == 3


# ----------------------------------------------------------------------------- worked examples by hand
def test_conv2d_worked_example():
    # x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], w = [[1, 0], [0, -1]], b = 10: y[p, q] = x[p, q] - x[p+1, q+1] + 10 = 6
    x = gn.tensor(np.arange(1.0, 10.0).reshape(1, 1, 3, 3), requires_grad=True)
    w = gn.tensor([[[[1.0, 0.0], [0.0, -1.0]]]], requires_grad=True)
    b = gn.tensor([10.0], requires_grad=True)
    y = F.conv2d(x, w, b)
    np.testing.assert_array_equal(y.numpy(), np.full((1, 1, 2, 2), 6.0))
    y.sum().backward()
    # dx: +1 where x is a window's top-left (rows/cols 0-1), -1 where bottom-right (rows/cols 1-2)
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    # dw[i, j] = sum of the 2x2 block of x starting at (i, j): [[1+2+4+5, 2+3+5+6], [4+5+7+8, 5+6+8+9]]
    np.testing.assert_array_equal(w.grad[0, 0], [[12, 16], [24, 28]])
    np.testing.assert_array_equal(b.grad, [4.0])


def test_max_and_min_pool_ties_go_to_the_first_element():
    # window [[1, 3], [3, 0]]: max 3 at (0, 1) and (1, 0) -> the gradient goes to (0, 1), row-major first
    # min 0 once at (1, 1); window [[2, 2], [2, 2]]: everything ties -> (0, 0) for both directions
    x = np.array([[1.0, 3.0, 2.0, 2.0], [3.0, 0.0, 2.0, 2.0]]).reshape(1, 1, 2, 4)
    for pool, first in [(F.max_pool2d, (0, 1)), (F.min_pool2d, (1, 1))]:
        t = gn.tensor(x, requires_grad=True)
        pool(t, 2).sum().backward()
        expected = np.zeros((2, 4))
        expected[first] = expected[0, 2] = 1
        np.testing.assert_array_equal(t.grad[0, 0], expected, err_msg=pool.__name__)


def test_avg_pool_divisors_worked_example():
    # n=3, k=2, s=2, p=1, ceil_mode: windows [-1, 1) and [1, 3); count_include_pad counts the pad: 2 and 2,
    # without it: 1 and 2. With x = 1 everywhere the outputs are 1*real/divisor.
    x = gn.ones(1, 1, 3, 3)
    include = F.avg_pool2d(x, 2, 2, 1, ceil_mode=True).numpy()[0, 0]
    exclude = F.avg_pool2d(x, 2, 2, 1, ceil_mode=True, count_include_pad=False).numpy()[0, 0]
    np.testing.assert_allclose(include, [[1 / 4, 2 / 4], [2 / 4, 4 / 4]])
    np.testing.assert_allclose(exclude, np.ones((2, 2)))


def test_adaptive_windows_worked_example():
    # n=5 onto 3 cells: [floor(0*5/3), ceil(5/3)) = [0, 2), [1, 4), [3, 5): overlapping by one
    x = gn.tensor(np.array([0.0, 3.0, 6.0, 9.0, 12.0]).reshape(1, 1, 1, 5), requires_grad=True)
    y = F.adaptive_avg_pool2d(x, (1, 3))
    np.testing.assert_allclose(y.numpy().ravel(), [1.5, 6.0, 10.5])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy().ravel(), [1 / 2, 1 / 2 + 1 / 3, 1 / 3, 1 / 3 + 1 / 2, 1 / 2])


# ----------------------------------------------------------------------------- memory layouts and buffers
def test_conv_output_is_a_batch_innermost_view_of_nchw_shape():
    rng = np.random.default_rng(1)
    x, w = gn.tensor(rng.standard_normal((4, 2, 6, 6))), gn.tensor(rng.standard_normal((3, 2, 3, 3)))
    y = F.conv2d(x, w)
    assert y.shape == (4, 3, 4, 4)
    assert y.numpy().transpose(1, 2, 3, 0).flags.c_contiguous  # (C, H, W, N) in memory
    np.testing.assert_allclose(y.numpy(), F.conv2d(x, w).numpy())


@pytest.mark.parametrize("view", ["transposed", "flipped", "sliced"])
def test_ops_accept_any_strided_input(view):
    """Non-contiguous inputs (another layout, negative strides, steps) give the same numbers and gradients."""
    rng = np.random.default_rng(2)
    base = rng.standard_normal((8, 6, 10, 12))
    strided = {
        "transposed": base.transpose(1, 0, 2, 3)[:3, :2],
        "flipped": base[::-1, :, ::-1][:2, :3],
        "sliced": base[::3, ::2, 1::2, ::2],
    }[view]
    dense = np.ascontiguousarray(strided)
    w = rng.standard_normal((4, strided.shape[1], 3, 3))

    def run(array):
        x = gn.tensor(array, requires_grad=True)
        h = F.conv2d(x, gn.tensor(w), padding=1)
        out = F.max_pool2d(h, 2).sum() + F.avg_pool2d(x, 2, 1).sum() + F.min_pool2d(x, 3, 2, 1).sum()
        out.backward()
        return out.item(), x.grad

    (value, grad), (expected, expected_grad) = run(strided), run(dense)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-12)


def test_outputs_never_share_memory():
    """Convolutions of both dtypes, one after another: earlier outputs and gradients stay intact."""
    rng = np.random.default_rng(3)
    results = []
    for dtype in (np.float64, np.float32, np.float64):
        x = gn.tensor(rng.standard_normal((3, 2, 9, 9)).astype(dtype), requires_grad=True)
        w = gn.tensor(rng.standard_normal((4, 2, 3, 3)).astype(dtype), requires_grad=True)
        y = F.conv2d(x, w, padding="same")
        y.backward(np.ones(y.shape, dtype))
        results.append((y, x, w, y.numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy()))
    for y, x, w, y_data, x_grad, w_grad in results:
        np.testing.assert_array_equal(y.numpy(), y_data)
        np.testing.assert_array_equal(x.grad, x_grad)
        np.testing.assert_array_equal(w.grad, w_grad)
        assert y.dtype == x.grad.dtype == w.grad.dtype == x.dtype


CONVOLUTIONS = {  # (input shape, weight shape, call): every path through the runs of column blocks
    "conv2d": ((3, 4, 9, 8), (6, 2, 3, 2), lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2),
                                                                    dilation=(1, 2), groups=2)),
    "conv1d": ((4, 3, 2048), (4, 3, 5), lambda x, w, b: F.conv1d(x, w, b, padding="same")),
    "conv_transpose2d": ((2, 4, 5, 6), (4, 3, 3, 3), lambda x, w, b: F.conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1, groups=2)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CONVOLUTIONS))
def test_runs_of_one_block_give_the_results_of_one_run(name, monkeypatch):
    """The patch matrix copied a block at a time (the smallest runs) gives the one-run outputs exactly and the
    same gradients up to the order of col2im's additions; conv1d (a single output row) splits along time."""
    from glassnet.ops import conv

    x_shape, w_shape, call = CONVOLUTIONS[name]
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    bias = rng.standard_normal(w_shape[1] * 2 if name == "conv_transpose2d" else w_shape[0])

    def run():
        inputs = [gn.tensor(a, requires_grad=True) for a in (x, w, bias)]
        y = call(*inputs)
        (y * gn.tensor(np.cos(np.arange(y.numel())).reshape(y.shape))).sum().backward()
        return y.numpy().copy(), [t.grad.numpy() for t in inputs]

    y_whole, grads_whole = run()
    monkeypatch.setattr(conv, "_RUN_BYTES", 1)
    assert len(conv._runs(15, (1, 2048), 4, np.dtype(np.float64), np)[1]) == 4  # conv1d's single output row splits too
    y_runs, grads_runs = run()
    if name == "conv_transpose2d":  # its forward is a col2im: the same additions in another order
        np.testing.assert_allclose(y_runs, y_whole, rtol=1e-13, atol=1e-13)
    else:
        np.testing.assert_array_equal(y_runs, y_whole)
    for got, expected in zip(grads_runs, grads_whole):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_convolutions_keep_no_memory_between_calls():
    """The patches live in a buffer of about 1 MiB per call, freed on return: nothing is held for the next step."""
    x = gn.tensor(np.random.default_rng(5).standard_normal((64, 6, 14, 14)).astype(np.float32), requires_grad=True)
    layer = nn.Conv2d(6, 16, 5)
    gn.release_buffers()
    layer(x).sum().backward()
    assert gn.buffer_bytes() == 0


def test_release_buffers_frees_every_threads_scratch_buffer():
    """Each thread has its own scratch buffer; release_buffers drops them all, and a view in use stays valid."""
    gn.release_buffers()
    mine = buffers.scratch((1000,), np.float64)
    assert gn.buffer_bytes() == 8000
    taken, release = threading.Event(), threading.Event()
    theirs = []

    def other_thread():
        theirs.append(buffers.scratch((500,), np.float64))
        taken.set()
        release.wait()

    thread = threading.Thread(target=other_thread)
    thread.start()
    taken.wait()
    assert gn.buffer_bytes() == 8000 + 4000 and not np.shares_memory(mine, theirs[0])
    mine[:] = 7.0
    gn.release_buffers()
    release.set()
    thread.join()
    assert gn.buffer_bytes() == 0 and (mine == 7.0).all()


def test_retained_graph_backward_twice_doubles_the_gradients():
    rng = np.random.default_rng(4)
    x = gn.tensor(rng.standard_normal((2, 2, 6, 6)), requires_grad=True)
    w = gn.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    loss = F.max_pool2d(F.conv2d(x, w, padding=1), 2).sum()
    loss.backward(retain_graph=True)
    once = x.grad.numpy().copy(), w.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * once[0])
    np.testing.assert_allclose(w.grad, 2 * once[1])


def test_no_grad_forward_matches():
    """Inference (no graph recorded, so max/min pooling skips its winner indices) gives the same outputs."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3))

    def net(x, w):
        h = F.conv2d(x, w, padding=1)
        return F.max_pool2d(h, 3, 2) + F.min_pool2d(h, 3, 2, 1)[:, :, :3, :3]

    with gn.no_grad():
        y = net(gn.tensor(x, requires_grad=True), gn.tensor(w, requires_grad=True))
    assert not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), net(gn.tensor(x, requires_grad=True), gn.tensor(w)).numpy())


# ----------------------------------------------------------------------------- Dropout2d
def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    x = gn.tensor(np.random.default_rng(6).uniform(1, 2, (50, 20, 3, 3)), requires_grad=True)
    y = F.dropout2d(x, 0.25, rng=np.random.default_rng(7))
    ratio = y.numpy() / x.numpy()
    per_channel = ratio.reshape(50, 20, 9)
    np.testing.assert_allclose(per_channel, per_channel[:, :, :1].repeat(9, axis=2))  # one factor per map
    assert set(np.unique(np.round(ratio, 12))) == {0.0, round(1 / 0.75, 12)}
    assert abs((per_channel[:, :, 0] == 0).mean() - 0.25) < 0.03
    y.sum().backward()
    np.testing.assert_allclose(x.grad, ratio)  # dy/dx is the mask


def test_dropout2d_edge_probabilities_and_unbatched_input():
    x = gn.tensor(np.ones((2, 3, 2, 2)))
    assert F.dropout2d(x, 0.0) is x and F.dropout2d(x, 0.7, training=False) is x
    np.testing.assert_array_equal(F.dropout2d(x, 1.0).numpy(), 0.0)
    y = F.dropout2d(gn.ones(5, 4, 4), 0.5, rng=np.random.default_rng(0))  # (C, H, W): one draw per channel
    assert y.shape == (5, 4, 4) and all(len(np.unique(y.numpy()[c])) == 1 for c in range(5))


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: F.conv2d(gn.zeros(1, 3, 5, 5), gn.zeros(4, 2, 3, 3)), r"3 channels .* groups=1"),
        (lambda: F.conv2d(gn.zeros(1, 4, 5, 5), gn.zeros(3, 2, 3, 3), groups=2), r"out channels 3 divisible"),
        (lambda: F.conv2d(gn.zeros(1, 1, 5, 5), gn.zeros(2, 1, 3)), r"conv2d expects input \(N, C, H, W\)"),
        (lambda: F.conv2d(gn.zeros(1, 1, 5, 5), gn.zeros(2, 1, 3, 3), padding="full"), r"'valid', 'same'"),
        (lambda: F.conv2d(gn.zeros(1, 1, 5, 5), gn.zeros(2, 1, 3, 3), padding=-1), r"non-negative"),
        (lambda: F.conv2d(gn.zeros(1, 1, 2, 5), gn.zeros(2, 1, 3, 3)), r"larger than the padded input"),
        (lambda: F.conv2d(gn.zeros(1, 1, 5, 5), gn.zeros(2, 1, 3, 3), gn.zeros(3)), r"bias must have shape \(2,\)"),
        (lambda: F.conv2d(gn.zeros(1, 1, 5, 5), gn.zeros(2, 1, 3, 3), stride=0), r"must be positive"),
        (lambda: F.conv1d(gn.zeros(1, 1, 5, 5), gn.zeros(2, 1, 3)), r"conv1d expects input \(N, C, L\)"),
        (
            lambda: F.conv_transpose2d(gn.zeros(1, 3, 5, 5), gn.zeros(2, 4, 3, 3)),
            r"3 channels .* weight.shape\[0\] = 2",
        ),
        (lambda: F.conv_transpose2d(gn.zeros(1, 3, 5, 5), gn.zeros(3, 4, 3, 3), groups=2), r"divisible by groups"),
        (lambda: F.conv_transpose2d(gn.zeros(1, 2, 5, 5), gn.zeros(2, 4, 3)), r"expects input \(N, C, H, W\)"),
        (
            lambda: F.conv_transpose2d(gn.zeros(1, 2, 5, 5), gn.zeros(2, 4, 3, 3), gn.zeros(2)),
            r"bias must have shape \(4,\)",
        ),
        (lambda: F.conv_transpose2d(gn.zeros(1, 2, 5, 5), gn.zeros(2, 4, 3, 3), padding="same"), r"int or a tuple"),
        (lambda: F.conv_transpose2d(gn.zeros(1, 2, 5, 5), gn.zeros(2, 4, 3, 3), padding=-1), r"non-negative"),
        (lambda: F.conv_transpose2d(gn.zeros(1, 2, 5, 5), gn.zeros(2, 4, 3, 3), output_padding=1), r"smaller than"),
        (
            lambda: F.conv_transpose2d(gn.zeros(1, 2, 1, 1), gn.zeros(2, 4, 2, 2), padding=1),
            r"output of spatial size \(0, 0\)",
        ),
        (lambda: F.conv_transpose2d(gn.zeros(1, 2, 0, 3), gn.zeros(2, 4, 2, 2)), r"empty spatial axis"),
        (lambda: F.max_pool2d(gn.zeros(1, 1, 5, 5), 2, padding=2), r"half the kernel size"),
        (lambda: F.max_pool2d(gn.zeros(1, 1, 2, 5), 3), r"too small for kernel"),
        (lambda: F.avg_pool2d(gn.zeros(5, 5), 2), r"expects input \(N, C, H, W\) or \(C, H, W\)"),
        (lambda: F.adaptive_avg_pool2d(gn.zeros(1, 1, 4, 4), 0), r"output_size must be positive"),
        (lambda: F.dropout2d(gn.zeros(2, 3), 0.5), r"dropout2d expects input"),
        (lambda: F.dropout2d(gn.zeros(1, 2, 3, 3), 1.5), r"dropout probability"),
        (lambda: nn.Conv2d(3, 4, 3, groups=2), r"divisible by groups"),
        (lambda: nn.Conv2d(3, 4, 3, padding_mode="reflect"), r"padding_mode='zeros'"),
        (lambda: nn.ConvTranspose2d(3, 4, 3, groups=2), r"divisible by groups"),
        (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2), r"output_padding=\(2, 2\), stride=\(2, 2\)"),
        (lambda: nn.ConvTranspose2d(3, 4, 3, padding="same"), r"int or a tuple of 2 ints, got 'same'"),
    ],
    ids=lambda v: None if callable(v) else v,
)
def test_errors_say_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
