"""Empty batches, zero-width layers, infinities and documented errors in the ops, against PyTorch.

The layer fuzzing found these edges: an empty batch (N = 0) through the fused recurrent and convolution
kernels, a Linear layer with 0 input or output features, an inf in adaptive average pooling (which must
stay in its own windows), softmax of a row holding inf (NaN, silently), and the error types of direct
``F.*`` calls. Each case runs in glassnet and in PyTorch with the same weights and inputs: outputs, input
gradients and parameter gradients agree. pytest turns every warning into an error, so a NumPy warning
PyTorch does not give fails here too.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import functional as F
from glassnet import nn
from glassnet.errors import DTypeError, ShapeError

TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}
TOLERANCE = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-14}}


def shared_weights(ours: nn.Module, theirs: torch.nn.Module) -> None:
    ours.load_state_dict({key: value.detach().numpy() for key, value in theirs.state_dict().items()})


def assert_same_gradients(ours: nn.Module, theirs: torch.nn.Module, dtype) -> None:
    """Every parameter's gradient equals PyTorch's (all zeros after an empty batch, and present)."""
    expected = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert param.grad is not None, f"{name}: no gradient"
        np.testing.assert_allclose(param.grad, expected[name].grad.numpy(), **TOLERANCE[dtype], err_msg=name)


def as_tuple(state) -> tuple:
    return state if isinstance(state, tuple) else (state,)


# ----------------------------------------------------------------------------- empty batches
RECURRENT = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM), "GRU": (nn.GRU, torch.nn.GRU)}


@pytest.mark.parametrize(
    "kind, layers, bidirectional, batch_first, initial_state",
    [
        (kind, *options)
        for kind in RECURRENT
        for options in itertools.product([1, 2], [False, True], [True, False], [False, True])
    ],
)
def test_recurrent_layers_run_an_empty_batch_as_torch(kind, layers, bidirectional, batch_first, initial_state):
    ours_cls, theirs_cls = RECURRENT[kind]
    options = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    torch.manual_seed(0)
    theirs = theirs_cls(3, 4, **options).double()
    ours = ours_cls(3, 4, dtype=np.float64, **options)
    shared_weights(ours, theirs)
    shape = (0, 5, 3) if batch_first else (5, 0, 3)
    x, xt = gn.tensor(np.zeros(shape), requires_grad=True), torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    states = [np.zeros((layers * (1 + bidirectional), 0, 4)) for _ in range(2 if kind == "LSTM" else 1)]
    hx = tuple(gn.tensor(s, requires_grad=True) for s in states) if initial_state else None
    hxt = tuple(torch.tensor(s, requires_grad=True) for s in states) if initial_state else None
    if kind != "LSTM" and initial_state:
        hx, hxt = hx[0], hxt[0]
    (y, state), (yt, state_t) = ours(x, hx), theirs(xt, hxt)
    assert y.shape == tuple(yt.shape) == ((0, 5) if batch_first else (5, 0)) + (4 * (1 + bidirectional),)
    assert [s.shape for s in as_tuple(state)] == [tuple(s.shape) for s in as_tuple(state_t)]
    (y.sum() + sum(s.sum() for s in as_tuple(state))).backward()
    (yt.sum() + sum(s.sum() for s in as_tuple(state_t))).backward()
    assert x.grad.shape == shape and x.grad.dtype == np.float64
    for ours_state in as_tuple(hx) if initial_state else ():
        assert ours_state.grad.shape == ours_state.shape
    assert_same_gradients(ours, theirs, np.float64)


def test_recurrent_kernel_takes_empty_lengths_for_an_empty_batch():
    """lengths of shape (0,) is the right size for N = 0: nothing is masked, nothing fails on min() of nothing."""
    lstm = nn.LSTM(3, 4, rng=np.random.default_rng(0), batch_first=True)
    x = gn.tensor(np.zeros((0, 5, 3), np.float32), requires_grad=True)
    y, (h, c) = lstm(x, lengths=np.zeros(0, np.int64))
    assert y.shape == (0, 5, 4) and h.shape == c.shape == (1, 0, 4)
    y.sum().backward()
    assert x.grad.shape == (0, 5, 3)
    np.testing.assert_array_equal(lstm.weight_hh_l0.grad, 0)


CONVOLUTIONS = {1: (nn.Conv1d, torch.nn.Conv1d), 2: (nn.Conv2d, torch.nn.Conv2d)}


@pytest.mark.parametrize(
    "dims, groups, stride, padding, dilation, bias",
    [
        (1, 1, 1, 0, 1, True),
        (1, 2, 2, 1, 1, False),
        (1, 1, 1, "same", 2, True),
        (2, 1, 1, 0, 1, True),
        (2, 2, 2, 1, 1, True),
        (2, 1, 1, "same", 2, False),
        (2, 2, (2, 1), (1, 0), (1, 2), True),
    ],
)
def test_convolutions_run_an_empty_batch_as_torch(dims, groups, stride, padding, dilation, bias):
    ours_cls, theirs_cls = CONVOLUTIONS[dims]
    stride, padding, dilation = (v[:dims] if isinstance(v, tuple) else v for v in (stride, padding, dilation))
    torch.manual_seed(0)
    theirs = theirs_cls(4, 6, 3, stride, padding, dilation, groups, bias).double()
    ours = ours_cls(4, 6, 3, stride, padding, dilation, groups, bias, dtype=np.float64)
    shared_weights(ours, theirs)
    shape = (0, 4) + (7,) * dims
    x, xt = gn.tensor(np.zeros(shape), requires_grad=True), torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    assert y.shape == tuple(yt.shape) and y.shape[0] == 0
    y.sum().backward()
    yt.sum().backward()
    assert x.grad.shape == shape
    assert_same_gradients(ours, theirs, np.float64)


def test_functional_conv2d_of_an_empty_batch_then_a_full_one_matches_torch():
    """The empty batch leaves the kernel's scratch buffer usable: the next, full batch still matches."""
    rng = np.random.default_rng(1)
    weight, bias = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    for batch in (0, 3):
        x = rng.standard_normal((batch, 2, 6, 5))
        ours = F.conv2d(gn.tensor(x), gn.tensor(weight), gn.tensor(bias), padding=1)
        theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(weight), torch.tensor(bias), padding=1)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), **TOLERANCE[np.float64])


# ----------------------------------------------------------------------------- zero-width Linear
@pytest.mark.parametrize("in_features, out_features", [(0, 3), (3, 0), (0, 0)])
@pytest.mark.parametrize("lead", [(), (2,), (0,), (2, 3), (0, 4)], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_with_zero_features_matches_torch(in_features, out_features, lead, dtype):
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match="zero-element"):  # PyTorch's note that it cannot initialise nothing
        theirs = torch.nn.Linear(in_features, out_features).to(TORCH_DTYPE[dtype])
    ours = nn.Linear(in_features, out_features, dtype=dtype)
    shared_weights(ours, theirs)
    x = np.random.default_rng(2).standard_normal(lead + (in_features,)).astype(dtype)
    xo, xt = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **TOLERANCE[dtype])
    probe = np.random.default_rng(3).standard_normal(y.shape).astype(dtype)
    y.backward(probe)
    yt.backward(torch.from_numpy(probe))
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), **TOLERANCE[dtype])
    assert_same_gradients(ours, theirs, dtype)


def test_embedding_of_width_zero_matches_torch():
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(5, 0)
    ours = nn.Embedding(5, 0)
    indices = np.array([[1, 2], [3, 1]])
    y, yt = ours(gn.tensor(indices)), theirs(torch.tensor(indices))
    assert y.shape == tuple(yt.shape) == (2, 2, 0)
    y.sum().backward()
    yt.sum().backward()
    assert ours.weight.grad.shape == tuple(theirs.weight.grad.shape) == (5, 0)


# ----------------------------------------------------------------------------- adaptive average pooling
def adaptive_pair(x: np.ndarray, output_size, upstream: np.ndarray | None = None) -> tuple:
    """(ours, PyTorch's) output and input gradient for ``x``; the gradient flowing in is ``upstream``."""
    ours_x, theirs_x = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = F.adaptive_avg_pool2d(ours_x, output_size)
    theirs = torch.nn.functional.adaptive_avg_pool2d(theirs_x, output_size)
    upstream = np.random.default_rng(4).standard_normal(ours.shape).astype(x.dtype) if upstream is None else upstream
    ours.backward(upstream)
    theirs.backward(torch.from_numpy(upstream))
    return (ours.detach().numpy(), theirs.detach().numpy()), (ours_x.grad, theirs_x.grad.numpy())


def test_adaptive_avg_pool_keeps_an_inf_in_its_own_windows():
    """An inf at (1, 1) of a 5 x 5 input is in output windows (0..1, 0..1) of a 3 x 3 grid: the rest stay finite."""
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 1, 1] = np.inf
    (ours, theirs), _ = adaptive_pair(x, 3)
    expected = np.zeros((3, 3))
    expected[:2, :2] = np.inf  # rows [0, 2) and [1, 4) hold row 1; the same for the columns
    np.testing.assert_array_equal(ours[0, 0], expected)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "spatial, output_size",
    [
        ((5, 5), 3),
        ((7, 5), (3, 2)),
        ((6, 9), (3, 3)),
        ((7, 7), 1),
        ((3, 2), (4, 5)),
        ((1, 4), (3, 2)),
        ((28, 28), (5, 3)),
    ],
    ids=str,
)
def test_adaptive_avg_pool_with_inf_and_nan_matches_torch(spatial, output_size, dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, *spatial)).astype(dtype)
    x[0, 0, 0, -1], x[1, 2, -1, 0], x[1, 0, spatial[0] // 2, spatial[1] // 2] = np.inf, -np.inf, np.nan
    (ours, theirs), (ours_grad, theirs_grad) = adaptive_pair(x, output_size)
    assert ours.dtype == ours_grad.dtype == dtype
    np.testing.assert_allclose(ours, theirs, **TOLERANCE[dtype])  # the same inf, -inf and NaN entries too
    assert np.isfinite(ours[0, 1:]).all() and np.isfinite(ours[1, 1]).all()  # channels without a special value
    np.testing.assert_allclose(ours_grad, theirs_grad, **TOLERANCE[dtype])


def test_adaptive_avg_pool_keeps_an_inf_gradient_in_its_windows():
    """The backward hands each output's gradient to its own window only: an inf there stays local too."""
    x = np.random.default_rng(6).standard_normal((1, 2, 7, 5))
    upstream = np.ones((1, 2, 3, 2))
    upstream[0, 1, 2, 1] = np.inf
    _, (ours, theirs) = adaptive_pair(x, (3, 2), upstream)
    np.testing.assert_allclose(ours, theirs, **TOLERANCE[np.float64])
    assert np.isinf(ours[0, 1]).sum() == 9  # the window of output (2, 1): rows [4, 7) by columns [2, 5)
    assert np.isfinite(ours[0, 0]).all()


def test_adaptive_avg_pool_overflows_to_inf_silently_as_torch():
    x = np.full((1, 1, 2, 2), 3e38, np.float32)
    (ours, theirs), _ = adaptive_pair(x, 1)
    np.testing.assert_array_equal(ours, theirs)
    assert np.isinf(ours).all()


# ----------------------------------------------------------------------------- softmax of infinities
ROWS_WITH_INFINITIES = [[np.inf, 1.0], [-np.inf, 1.0], [np.inf, np.inf], [-np.inf, -np.inf], [np.inf, -np.inf],
                        [-np.inf, 2.0, 3.0], [1.0, np.nan, 2.0]]  # fmt: skip


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("row", ROWS_WITH_INFINITIES, ids=str)
def test_softmax_of_infinities_matches_torch_silently(name, row):
    """softmax([inf, 1]) is [nan, nan] in PyTorch (inf - inf); a -inf alone is a 0 probability, with gradients."""
    x = np.array([row, [0.5] * len(row)])  # the second row is ordinary: it must not be touched by the first
    ours_x, theirs_x = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours, theirs = getattr(F, name)(ours_x, dim=1), getattr(torch, name)(theirs_x, dim=1)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **TOLERANCE[np.float64])
    upstream = np.array([[0.3, -0.7, 0.2][: len(row)]] * 2)
    ours.backward(upstream)
    theirs.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(ours_x.grad, theirs_x.grad.numpy(), **TOLERANCE[np.float64])


# ----------------------------------------------------------------------------- documented errors
SHAPE_ERRORS = [
    (
        lambda: F.max_pool2d(gn.zeros(5, 5), 2),
        r"max_pool2d expects input \(N, C, H, W\) or \(C, H, W\), got shape \(5, 5\)",
    ),
    (lambda: F.avg_pool2d(gn.zeros(1, 1, 5, 5), 0), r"avg_pool2d: kernel_size, stride and dilation must be positive"),
    (lambda: F.min_pool2d(gn.zeros(1, 1, 5, 5), 2, padding=2), r"min_pool2d: padding must be between 0 and half"),
    (lambda: F.max_pool2d(gn.zeros(1, 1, 2, 5), 3), r"max_pool2d: input \(1, 1, 2, 5\) is too small for kernel"),
    (lambda: F.adaptive_avg_pool2d(gn.zeros(4, 4), 2), r"adaptive_avg_pool2d expects input .* got \(4, 4\)"),
    (lambda: F.adaptive_avg_pool2d(gn.zeros(1, 2, 0, 3), 2), r"with H, W > 0, got \(1, 2, 0, 3\)"),
    (
        lambda: F.conv2d(gn.zeros(1, 3, 5, 5), gn.zeros(4, 2, 3, 3)),
        r"conv2d: input with 3 channels and weight of shape",
    ),
    (lambda: F.conv2d(gn.zeros(1, 1, 5, 5), gn.zeros(2, 1, 3, 3), gn.zeros(3)), r"conv2d: bias must have shape \(2,\)"),
    (
        lambda: F.conv2d(gn.zeros(1, 1, 2, 5), gn.zeros(2, 1, 3, 3)),
        r"conv2d: input \(1, 1, 2, 5\) is too small for kernel \(3, 3\).* larger than",
    ),
    (lambda: F.conv2d(gn.zeros(5, 5), gn.zeros(2, 1, 3, 3)), r"conv2d expects input .* got input \(5, 5\)"),
    (lambda: F.conv1d(gn.zeros(1, 1, 5, 5), gn.zeros(2, 1, 3)), r"conv1d expects input .* got input \(1, 1, 5, 5\)"),
    (
        lambda: F.conv1d(gn.zeros(1, 1, 2), gn.zeros(2, 1, 3)),
        r"conv1d: input \(1, 1, 2\) is too small for kernel \(3,\).* larger than",
    ),
    (lambda: F.batch_norm(gn.zeros(3), None, None, training=True), r"batch_norm expects input of shape \(N, C, \*\)"),
    (lambda: F.batch_norm(gn.zeros(1, 3), None, None, training=True), r"batch_norm expects more than 1 value per"),
    (
        lambda: nn.LSTM(3, 4, batch_first=True)(gn.zeros(2, 5, 3), lengths=np.array([5])),
        r"LSTM\(3, 4, batch_first=True\): lengths must be 2 integers",
    ),
    (
        lambda: nn.GRU(3, 4, batch_first=True)(gn.zeros(2, 5, 3), lengths=np.array([5.0, 4.0])),
        r"GRU\(3, 4, batch_first=True\): lengths must be 2 integ",
    ),
    (
        lambda: nn.RNN(3, 4, batch_first=True)(gn.zeros(2, 5, 3), lengths=np.array([6, 4])),
        r"RNN\(3, 4, batch_first=True\): lengths must lie in 1..5",
    ),
]


@pytest.mark.parametrize("call, message", SHAPE_ERRORS, ids=[message for _, message in SHAPE_ERRORS])
def test_ops_raise_shape_error_naming_the_op_and_shapes(call, message):
    with pytest.raises(ShapeError, match=message):
        call()


def test_embedding_refuses_float_indices_with_a_dtype_error():
    weight = gn.zeros(5, 2, requires_grad=True)
    with pytest.raises(DTypeError, match=r"embedding: indices must be integers, got dtype float32"):
        F.embedding(gn.tensor([1.0, 2.0]), weight)  # the default dtype
    with pytest.raises(TypeError):  # DTypeError is a TypeError: callers catching that keep working
        F.embedding(np.array([True, False]), weight)
