"""Convolutions, BatchNorm2d, Dropout2d and a whole LeNet-5 against PyTorch: the same numbers, both ways.

The conv grid runs every combination of stride, padding, dilation, groups and bias over a few kernel
shapes, in float32 and float64: outputs, input, weight and bias gradients (of sum(output * probe),
so the gradient is not trivially ones). 'same' padding at stride > 1, which PyTorch refuses, is
compared with PyTorch's conv2d after the explicit TensorFlow padding (extra row/column at the end).
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

TOLERANCES = {np.float32: {"rtol": 1e-4, "atol": 2e-5}, np.float64: {"rtol": 1e-10, "atol": 1e-11}}
DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def grid_in_dtypes(cases: list, float32_every: int = 3) -> list:
    """Every case in float64 (the strict check) and every ``float32_every``-th one in float32 too."""
    params = [pytest.param(*case, np.float64, id=f"{case}-float64") for case in cases]
    params += [pytest.param(*case, np.float32, id=f"{case}-float32") for case in cases[::float32_every]]
    return params


# PyTorch's note that it pads a copy for 'same' with an even kernel: about its speed, not its result
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")


def run_both(ours, theirs, arrays: list, dtype, grad_inputs=None) -> list:
    """Run ``ours`` on glassnet tensors and ``theirs`` on torch tensors, backward sum(out * probe) through both.

    Returns (name, ours, theirs) triples for the output and every input gradient; ``None`` entries of
    ``arrays`` (an absent bias) are passed through as None.
    """
    grad_inputs = range(len(arrays)) if grad_inputs is None else grad_inputs
    ours_in = [
        None if a is None else gn.tensor(a.astype(dtype), requires_grad=i in grad_inputs) for i, a in enumerate(arrays)
    ]
    theirs_in = [
        None if a is None else torch.tensor(a.astype(dtype), requires_grad=i in grad_inputs)
        for i, a in enumerate(arrays)
    ]
    out, expected = ours(*ours_in), theirs(*theirs_in)
    assert out.shape == tuple(expected.shape), f"output shape {out.shape}, torch {tuple(expected.shape)}"
    assert out.dtype == dtype, f"output dtype {out.dtype} for {np.dtype(dtype)} inputs"
    probe = np.random.default_rng(99).standard_normal(out.shape).astype(dtype)
    (out * gn.tensor(probe)).sum().backward()
    (expected * torch.from_numpy(probe)).sum().backward()
    pairs = [("output", out.numpy(), expected.detach().numpy())]
    for i in grad_inputs:
        if arrays[i] is not None:
            assert ours_in[i].grad is not None and ours_in[i].grad.dtype == dtype, f"gradient of input {i}"
            pairs.append((f"d/d(input {i})", ours_in[i].grad, theirs_in[i].grad.numpy()))
    return pairs


def assert_pairs_close(pairs: list, dtype, label: str = "") -> float:
    """assert_allclose on every (name, ours, theirs) pair; returns the largest absolute difference."""
    worst = 0.0
    for name, a, b in pairs:
        np.testing.assert_allclose(a, b, **TOLERANCES[dtype], err_msg=f"{label}: {name}")
        worst = max(worst, float(np.max(np.abs(a - b))) if np.size(a) else 0.0)
    return worst


# ----------------------------------------------------------------------------- conv2d grid
KERNELS = [(3, 3), (2, 3), (1, 1)]
STRIDES = [1, 2, (2, 1)]
PADDINGS = [0, 1, (1, 2), "valid", "same"]
DILATIONS = [1, 2, (1, 2)]


def conv2d_grid() -> list:
    cases = []
    for kernel, stride, padding, dilation in itertools.product(KERNELS, STRIDES, PADDINGS, DILATIONS):
        if padding == "same" and stride != 1:
            continue  # PyTorch refuses; compared separately against explicit padding below
        cases.append((kernel, stride, padding, dilation))
    return cases


def _conv_arrays(rng, x_shape, out_channels, groups, kernel, bias: bool) -> list:
    w_shape = (out_channels, x_shape[1] // groups, *kernel)
    return [
        rng.standard_normal(x_shape),
        rng.standard_normal(w_shape),
        rng.standard_normal(out_channels) if bias else None,
    ]


@pytest.mark.parametrize("kernel, stride, padding, dilation, dtype", grid_in_dtypes(conv2d_grid()))
def test_conv2d_grid_matches_torch(kernel, stride, padding, dilation, dtype):
    rng = np.random.default_rng(0)
    arrays = _conv_arrays(rng, (2, 4, 9, 8), 6, 1, kernel, bias=True)
    options = {"stride": stride, "padding": padding, "dilation": dilation}
    pairs = run_both(
        lambda x, w, b: F.conv2d(x, w, b, **options), lambda x, w, b: TF.conv2d(x, w, b, **options), arrays, dtype
    )
    assert_pairs_close(pairs, dtype, f"conv2d {options}")


@DTYPES
@pytest.mark.parametrize(
    "groups, in_channels, out_channels",
    [(1, 3, 5), (2, 4, 6), (3, 6, 3), (6, 6, 12)],
    ids=["g1", "g2", "g3", "depthwise"],
)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("stride, padding", [(1, "same"), (2, 1)], ids=["s1_same", "s2_p1"])
def test_conv2d_groups_and_bias_match_torch(groups, in_channels, out_channels, bias, stride, padding, dtype):
    rng = np.random.default_rng(1)
    arrays = _conv_arrays(rng, (3, in_channels, 7, 6), out_channels, groups, (3, 3), bias)
    options = {"stride": stride, "padding": padding, "groups": groups}
    pairs = run_both(
        lambda x, w, b: F.conv2d(x, w, b, **options), lambda x, w, b: TF.conv2d(x, w, b, **options), arrays, dtype
    )
    assert_pairs_close(pairs, dtype, f"conv2d {options}")


@DTYPES
@pytest.mark.parametrize(
    "x_shape, kernel",
    [((1, 1, 5, 5), (5, 5)), ((4, 2, 3, 12), (3, 1)), ((2, 1, 16, 16), (7, 7))],
    ids=["kernel_equals_input", "tall_kernel", "large_kernel"],
)
def test_conv2d_edge_shapes_match_torch(x_shape, kernel, dtype):
    arrays = _conv_arrays(np.random.default_rng(2), x_shape, 3, 1, kernel, bias=True)
    pairs = run_both(lambda x, w, b: F.conv2d(x, w, b), lambda x, w, b: TF.conv2d(x, w, b), arrays, dtype)
    assert_pairs_close(pairs, dtype, f"conv2d {x_shape} {kernel}")


def test_conv2d_unbatched_input_matches_torch():
    arrays = _conv_arrays(np.random.default_rng(3), (1, 3, 6, 6), 4, 1, (3, 3), bias=True)
    arrays[0] = arrays[0][0]  # (C, H, W)
    pairs = run_both(
        lambda x, w, b: F.conv2d(x, w, b, padding=1), lambda x, w, b: TF.conv2d(x, w, b, padding=1), arrays, np.float64
    )
    assert_pairs_close(pairs, np.float64)


def test_conv2d_first_layer_needs_no_input_gradient():
    """Only the weight and bias gradients are computed when the input does not require one."""
    rng = np.random.default_rng(4)
    arrays = _conv_arrays(rng, (2, 1, 8, 8), 3, 1, (3, 3), bias=True)
    pairs = run_both(
        lambda x, w, b: F.conv2d(x, w, b), lambda x, w, b: TF.conv2d(x, w, b), arrays, np.float64, grad_inputs=(1, 2)
    )
    assert [name for name, *_ in pairs] == ["output", "d/d(input 1)", "d/d(input 2)"]
    assert_pairs_close(pairs, np.float64)


# ----------------------------------------------------------------------------- 'same' at any stride
def tf_same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's rule, written out independently: out = ceil(n / s), total pad, extra at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


SAME_CASES = [
    ((9, 8), (3, 3), (2, 2), (1, 1)),
    ((10, 7), (4, 2), (3, 2), (1, 1)),
    ((8, 8), (3, 3), (2, 3), (2, 1)),
    ((5, 6), (2, 2), (1, 1), (1, 1)),
    ((7, 7), (5, 5), (4, 4), (1, 2)),
    ((6, 9), (1, 3), (5, 2), (1, 1)),
]


@DTYPES
@pytest.mark.parametrize("spatial, kernel, stride, dilation", SAME_CASES, ids=str)
def test_same_padding_at_any_stride_matches_explicit_tf_padding(spatial, kernel, stride, dilation, dtype):
    """'same': output ceil(n / s); equal to PyTorch's conv2d on the input padded by TensorFlow's rule."""
    rng = np.random.default_rng(5)
    arrays = _conv_arrays(rng, (2, 3, *spatial), 4, 1, kernel, bias=True)
    (top, bottom), (left, right) = (tf_same_padding(*a) for a in zip(spatial, kernel, stride, dilation))

    def theirs(x, w, b):
        return TF.conv2d(TF.pad(x, (left, right, top, bottom)), w, b, stride=stride, dilation=dilation)

    pairs = run_both(
        lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding="same", dilation=dilation), theirs, arrays, dtype
    )
    assert pairs[0][1].shape[2:] == tuple(-(-n // s) for n, s in zip(spatial, stride))
    assert_pairs_close(pairs, dtype, "same")


# ----------------------------------------------------------------------------- conv1d
@DTYPES
@pytest.mark.parametrize(
    "kernel, stride, padding, dilation, groups",
    [
        (3, 1, 0, 1, 1),
        (3, 2, 1, 1, 1),
        (4, 1, "same", 1, 1),
        (3, 1, "same", 2, 2),
        (5, 3, 2, 2, 1),
        (1, 1, 0, 1, 2),
        (2, 2, "valid", 1, 1),
        (3, (1,), (2,), (3,), 1),
    ],
    ids=str,
)
def test_conv1d_matches_torch(kernel, stride, padding, dilation, groups, dtype):
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal((3, 4, 11)), rng.standard_normal((6, 4 // groups, kernel)), rng.standard_normal(6)]
    options = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    pairs = run_both(
        lambda x, w, b: F.conv1d(x, w, b, **options), lambda x, w, b: TF.conv1d(x, w, b, **options), arrays, dtype
    )
    assert_pairs_close(pairs, dtype, f"conv1d {options}")


def test_conv1d_same_at_stride_matches_explicit_tf_padding():
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((2, 3, 10)), rng.standard_normal((5, 3, 4)), rng.standard_normal(5)]
    left, right = tf_same_padding(10, 4, 3, 1)
    pairs = run_both(
        lambda x, w, b: F.conv1d(x, w, b, stride=3, padding="same"),
        lambda x, w, b: TF.conv1d(TF.pad(x, (left, right)), w, b, stride=3),
        arrays,
        np.float64,
    )
    assert pairs[0][1].shape == (2, 5, 4)
    assert_pairs_close(pairs, np.float64)


@DTYPES
def test_conv1d_long_sequence_matches_torch(dtype):
    """Lo N = 6400 columns: the GEMMs run on column blocks (two of 3200) instead of output rows."""
    rng = np.random.default_rng(17)
    arrays = [rng.standard_normal((32, 3, 200)), rng.standard_normal((4, 3, 3)), rng.standard_normal(4)]
    pairs = run_both(
        lambda x, w, b: F.conv1d(x, w, b, padding="same"),
        lambda x, w, b: TF.conv1d(x, w, b, padding="same"),
        arrays,
        dtype,
    )
    assert_pairs_close(pairs, dtype)


def test_conv1d_unbatched_input_matches_torch():
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal((3, 9)), rng.standard_normal((2, 3, 3)), None]
    pairs = run_both(
        lambda x, w, b: F.conv1d(x, w, b, padding=1), lambda x, w, b: TF.conv1d(x, w, b, padding=1), arrays, np.float64
    )
    assert_pairs_close(pairs, np.float64)


# ----------------------------------------------------------------------------- layers with torch weights
def _load_from(ours: nn.Module, theirs: torch.nn.Module) -> None:
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state), f"keys {list(ours.state_dict())}, torch {list(state)}"
    ours.load_state_dict({k: v.detach().numpy() for k, v in state.items()})


@DTYPES
@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.Conv2d(3, 8, 3),
        lambda lib: lib.Conv2d(3, 8, (3, 2), stride=2, padding=1, bias=False),
        lambda lib: lib.Conv2d(4, 8, 3, padding="same", dilation=2, groups=2),
        lambda lib: lib.Conv1d(3, 5, 3, stride=2, padding=1),
        lambda lib: lib.Conv1d(4, 4, 2, padding="same", groups=4, bias=False),
    ],
    ids=["conv2d", "conv2d_strided_no_bias", "conv2d_same_dilated_grouped", "conv1d", "conv1d_depthwise_same"],
)
def test_conv_layers_load_torch_weights_and_match(make, dtype):
    torch.manual_seed(0)
    theirs = make(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = make(nn).to(dtype)
    _load_from(ours, theirs)
    x_shape = (3, theirs.in_channels, 8, 7) if isinstance(theirs, torch.nn.Conv2d) else (3, theirs.in_channels, 9)
    x = np.random.default_rng(9).standard_normal(x_shape)
    pairs = run_both(ours, theirs, [x], dtype)
    assert_pairs_close(pairs, dtype, type(ours).__name__)
    params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, params[name].grad.numpy(), **TOLERANCES[dtype], err_msg=name)


def test_conv_default_init_matches_torch_bounds():
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, fan_in = C/groups * kh * kw, as in PyTorch."""
    layer = nn.Conv2d(8, 64, (3, 5), groups=2, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(4 * 3 * 5)
    for p in (layer.weight.numpy(), layer.bias.numpy()):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.9 * bound
    assert abs(layer.weight.numpy().std() - bound / np.sqrt(3)) < 0.01 * bound / np.sqrt(3) * 10


# ----------------------------------------------------------------------------- transposed convolution
def conv_transpose2d_grid() -> list:
    """Kernel, stride, padding, dilation and the largest valid output_padding, where the output is not empty."""
    cases = []
    for kernel, stride, padding, dilation in itertools.product(
        [(3, 3), (2, 3), (4, 4), (1, 1)], [1, 2, (2, 3)], [0, 1, (1, 2)], [1, 2, (1, 2)]
    ):
        s, d = (
            (stride, stride) if isinstance(stride, int) else stride,
            (dilation,) * 2 if isinstance(dilation, int) else dilation,
        )
        output_padding = tuple(max(a, b) - 1 for a, b in zip(s, d))
        p = (padding, padding) if isinstance(padding, int) else padding
        # the smallest output is that of a 1 x 1 input
        if all((k - 1) * dd + op + 1 - 2 * pp >= 1 for k, dd, op, pp in zip(kernel, d, output_padding, p)):
            cases.append((kernel, stride, padding, dilation, output_padding))
    return cases


@pytest.mark.parametrize(
    "kernel, stride, padding, dilation, output_padding, dtype", grid_in_dtypes(conv_transpose2d_grid(), 4)
)
def test_conv_transpose2d_grid_matches_torch(kernel, stride, padding, dilation, output_padding, dtype):
    rng = np.random.default_rng(20)
    arrays = [rng.standard_normal((2, 4, 3, 4)), rng.standard_normal((4, 5, *kernel)), rng.standard_normal(5)]
    options = {"stride": stride, "padding": padding, "output_padding": output_padding, "dilation": dilation}
    pairs = run_both(
        lambda x, w, b: F.conv_transpose2d(x, w, b, **options),
        lambda x, w, b: TF.conv_transpose2d(x, w, b, **options),
        arrays,
        dtype,
    )
    assert_pairs_close(pairs, dtype, f"conv_transpose2d {options}")


@DTYPES
@pytest.mark.parametrize("groups, in_channels, out_channels", [(2, 4, 6), (3, 6, 3), (4, 4, 4)], ids=str)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
def test_conv_transpose2d_groups_and_bias_match_torch(groups, in_channels, out_channels, bias, dtype):
    rng = np.random.default_rng(21)
    arrays = [
        rng.standard_normal((3, in_channels, 4, 3)),
        rng.standard_normal((in_channels, out_channels // groups, 3, 3)),
        rng.standard_normal(out_channels) if bias else None,
    ]
    options = {"stride": 2, "padding": 1, "output_padding": 1, "groups": groups}
    pairs = run_both(
        lambda x, w, b: F.conv_transpose2d(x, w, b, **options),
        lambda x, w, b: TF.conv_transpose2d(x, w, b, **options),
        arrays,
        dtype,
    )
    assert_pairs_close(pairs, dtype, f"conv_transpose2d {options}")


def test_conv_transpose2d_is_the_input_gradient_of_conv2d():
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>: the two are adjoint, with the same weight."""
    rng = np.random.default_rng(22)
    x, w = rng.standard_normal((2, 3, 10, 8)), rng.standard_normal((4, 3, 3, 2))
    y = rng.standard_normal(F.conv2d(gn.tensor(x), gn.tensor(w), stride=2, padding=1).shape)
    left = (F.conv2d(gn.tensor(x), gn.tensor(w), stride=2, padding=1).numpy() * y).sum()
    back = F.conv_transpose2d(gn.tensor(y), gn.tensor(w), stride=2, padding=1, output_padding=(1, 0))
    assert back.shape == x.shape
    np.testing.assert_allclose(left, (x * back.numpy()).sum(), rtol=1e-12)


def test_conv_transpose2d_input_gradient_only_where_needed():
    """The weight alone, or the input alone, requires a gradient: the other is left alone."""
    rng = np.random.default_rng(23)
    arrays = [rng.standard_normal((2, 3, 3, 3)), rng.standard_normal((3, 2, 4, 4)), None]
    for grad_inputs in ((1,), (0,)):
        pairs = run_both(
            lambda x, w, b: F.conv_transpose2d(x, w, stride=2, padding=1),
            lambda x, w, b: TF.conv_transpose2d(x, w, stride=2, padding=1),
            arrays,
            np.float64,
            grad_inputs=grad_inputs,
        )
        assert [name for name, *_ in pairs] == ["output", f"d/d(input {grad_inputs[0]})"]
        assert_pairs_close(pairs, np.float64)


@DTYPES
@pytest.mark.parametrize(
    "make, x_shape",
    [
        (lambda lib: lib.ConvTranspose2d(8, 32, 4, 1, 0, bias=False), (4, 8, 1, 1)),
        (lambda lib: lib.ConvTranspose2d(32, 16, 4, 2, 1, bias=False), (4, 32, 4, 4)),
        (
            lambda lib: lib.ConvTranspose2d(3, 5, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2)),
            (2, 3, 5, 4),
        ),
        (
            lambda lib: lib.ConvTranspose2d(4, 6, 3, stride=2, padding=2, groups=2, dilation=2, output_padding=1),
            (3, 4, 4, 5),
        ),
        (lambda lib: lib.ConvTranspose2d(3, 2, 3, stride=2), (3, 6, 5)),
    ],
    ids=["dcgan_from_noise", "dcgan_upsample", "output_padding", "grouped_dilated", "unbatched"],
)
def test_conv_transpose2d_layers_load_torch_weights_and_match(make, x_shape, dtype):
    torch.manual_seed(0)
    theirs = make(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = make(nn).to(dtype)
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()
    ]
    _load_from(ours, theirs)
    x = np.random.default_rng(24).standard_normal(x_shape)
    pairs = run_both(ours, theirs, [x], dtype)
    assert_pairs_close(pairs, dtype, repr(ours))
    params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, params[name].grad.numpy(), **TOLERANCES[dtype], err_msg=name)


@pytest.mark.parametrize("output_size", [(7, 7), (8, 8), (8, 7), (1, 3, 7, 8)], ids=str)
def test_conv_transpose2d_output_size_picks_the_output_padding_as_torch(output_size):
    torch.manual_seed(0)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=np.float64)
    _load_from(ours, theirs)
    x = np.random.default_rng(25).standard_normal((1, 2, 4, 4))
    pairs = run_both(lambda x: ours(x, output_size=output_size), lambda x: theirs(x, output_size=output_size), [x],
                     np.float64)  # fmt: skip
    assert pairs[0][1].shape[2:] == output_size[-2:]
    assert_pairs_close(pairs, np.float64)
    with pytest.raises(ValueError, match=r"valid sizes range from \(7, 7\) to \(8, 8\)"):
        ours(gn.tensor(x), output_size=(9, 8))


def test_conv_transpose2d_default_init_matches_torch_bounds():
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with PyTorch's fan_in of the (C_in, C_out/groups, kh, kw) weight:
    C_out/groups * kh * kw, not C_in * kh * kw."""
    layer = nn.ConvTranspose2d(64, 8, (3, 5), groups=2, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(4 * 3 * 5)
    assert layer.weight.shape == (64, 4, 3, 5) and layer.bias.shape == (8,)
    for p in (layer.weight.numpy(), layer.bias.numpy()):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.8 * bound
    torch.manual_seed(0)
    theirs = torch.nn.ConvTranspose2d(64, 8, (3, 5), groups=2)
    assert np.abs(theirs.weight.detach().numpy()).max() <= bound


def _dcgan_generator(lib):
    return lib.Sequential(
        lib.ConvTranspose2d(8, 16, 4, 1, 0, bias=False),
        lib.BatchNorm2d(16),
        lib.ReLU(True),
        lib.ConvTranspose2d(16, 8, 4, 2, 1, bias=False),
        lib.BatchNorm2d(8),
        lib.ReLU(True),
        lib.ConvTranspose2d(8, 1, 4, 2, 1),
        lib.Tanh(),
    )


@DTYPES
def test_dcgan_generator_training_steps_match_torch(dtype):
    """A DCGAN generator (noise (N, 8, 1, 1) -> (N, 1, 16, 16)): outputs, gradients and weights after Adam steps."""
    torch.manual_seed(0)
    theirs = _dcgan_generator(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = _dcgan_generator(nn).to(dtype)
    _load_from(ours, theirs)
    opt_ours = gn.optim.Adam(ours.parameters(), lr=0.002, betas=(0.5, 0.999))
    opt_theirs = torch.optim.Adam(theirs.parameters(), lr=0.002, betas=(0.5, 0.999))
    rng = np.random.default_rng(26)
    tol = {np.float32: {"rtol": 2e-4, "atol": 2e-5}, np.float64: TOLERANCES[np.float64]}[dtype]
    for _ in range(3):
        z, target = rng.standard_normal((6, 8, 1, 1)).astype(dtype), rng.uniform(-1, 1, (6, 1, 16, 16)).astype(dtype)
        out, expected = ours(gn.tensor(z)), theirs(torch.from_numpy(z))
        assert out.shape == (6, 1, 16, 16)
        loss = ((out - gn.tensor(target)) ** 2).mean()
        expected_loss = ((expected - torch.from_numpy(target)) ** 2).mean()
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        loss.backward()
        expected_loss.backward()
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **tol)
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad, q.grad.numpy(), **tol, err_msg=f"gradient of {name}")
        opt_ours.step()
        opt_theirs.step()
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), **tol, err_msg=key)


# ----------------------------------------------------------------------------- BatchNorm2d
def _bn_pair(affine: bool, momentum, track: bool, dtype):
    theirs = torch.nn.BatchNorm2d(
        3,
        momentum=momentum,
        affine=affine,
        track_running_stats=track,
        dtype=torch.float64 if dtype == np.float64 else torch.float32,
    )
    if affine:
        gen = np.random.default_rng(10)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(gen.uniform(0.5, 2.0, 3)))
            theirs.bias.copy_(torch.from_numpy(gen.standard_normal(3)))
    ours = nn.BatchNorm2d(3, momentum=momentum, affine=affine, track_running_stats=track, dtype=dtype)
    _load_from(ours, theirs)
    return ours, theirs


@DTYPES
@pytest.mark.parametrize("momentum", [0.1, None], ids=["m0.1", "cumulative"])
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
def test_batchnorm2d_train_then_eval_matches_torch(affine, momentum, dtype):
    rng = np.random.default_rng(11)
    ours, theirs = _bn_pair(affine, momentum, True, dtype)
    for step in range(4):
        x = 2.0 + 3.0 * rng.standard_normal((4, 3, 5, 6))
        assert_pairs_close(run_both(ours, theirs, [x], dtype), dtype, f"train step {step}")
        for name, p in theirs.named_parameters():
            np.testing.assert_allclose(getattr(ours, name).grad, p.grad.numpy(), **TOLERANCES[dtype], err_msg=name)
        ours.zero_grad()
        theirs.zero_grad()
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(
            getattr(ours, name).detach().numpy(), getattr(theirs, name).numpy(), **TOLERANCES[dtype]
        )
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3, 4, 4))
    assert_pairs_close(run_both(ours, theirs, [x], dtype), dtype, "eval")


def test_batchnorm2d_without_running_stats_and_on_conv_output_match_torch():
    """track_running_stats=False uses batch statistics in eval too; a conv's (batch-innermost) output works as input."""
    ours, theirs = _bn_pair(True, 0.1, False, np.float64)
    ours.eval()
    theirs.eval()
    rng = np.random.default_rng(12)
    x, w = rng.standard_normal((4, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    pairs = run_both(
        lambda x, w: ours(F.conv2d(x, w, padding=1)),
        lambda x, w: theirs(TF.conv2d(x, w, padding=1)),
        [x, w],
        np.float64,
    )
    assert_pairs_close(pairs, np.float64)


def test_batchnorm2d_rejects_other_ranks():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3, .*\) expected input of shape \(N, 3, H, W\), got \(4, 3\)"):
        nn.BatchNorm2d(3)(gn.zeros(4, 3))


# ----------------------------------------------------------------------------- Dropout2d
@pytest.mark.parametrize("p", [0.25, 0.5])
def test_dropout2d_equals_torch_with_the_same_channel_mask(p):
    rng = np.random.default_rng(13)
    x, g = rng.standard_normal((6, 5, 4, 3)), rng.standard_normal((6, 5, 4, 3))
    keep = np.random.default_rng(21).random((6, 5, 1, 1)) >= p  # the mask glassnet draws from the same seed
    xg = gn.tensor(x, requires_grad=True)
    y = F.dropout2d(xg, p, training=True, rng=np.random.default_rng(21))
    y.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    yt = xt * torch.from_numpy(keep) / (1 - p)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(xg.grad, xt.grad.numpy(), rtol=1e-12)


def test_dropout2d_eval_is_identity_as_in_torch():
    x = np.random.default_rng(14).standard_normal((3, 4, 5, 5)).astype(np.float32)
    ours, theirs = nn.Dropout2d(0.3).eval(), torch.nn.Dropout2d(0.3).eval()
    np.testing.assert_array_equal(ours(gn.tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).numpy())


def test_dropout2d_statistics_match_torch():
    """Whole channels dropped at rate p, survivors scaled by 1/(1-p), in both libraries."""
    p, shape = 0.3, (200, 50, 2, 2)
    ours = F.dropout2d(gn.ones(*shape), p, rng=np.random.default_rng(15)).numpy()
    torch.manual_seed(0)
    theirs = TF.dropout2d(torch.ones(shape), p).numpy()
    for y in (ours, theirs):
        per_channel = y.reshape(200, 50, -1)
        assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))  # one value per channel
        values = np.unique(y)
        assert len(values) == 2 and values[0] == 0 and np.isclose(values[1], 1 / (1 - p), rtol=1e-6)
        assert abs((per_channel[:, :, 0] == 0).mean() - p) < 0.02


# ----------------------------------------------------------------------------- a whole network
def _lenet(lib):
    return lib.Sequential(
        lib.Conv2d(1, 6, 5, padding="same"),
        lib.ReLU(),
        lib.MaxPool2d(2),
        lib.Conv2d(6, 16, 5),
        lib.BatchNorm2d(16),
        lib.ReLU(),
        lib.MaxPool2d(2),
        lib.Flatten(),
        lib.Linear(400, 120),
        lib.ReLU(),
        lib.Linear(120, 84),
        lib.ReLU(),
        lib.Linear(84, 10),
    )


@DTYPES
def test_lenet_training_steps_match_torch(dtype):
    """LeNet-5 (with a BatchNorm2d): loss, every parameter gradient and the weights after three SGD steps."""
    torch.manual_seed(0)
    theirs = _lenet(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = _lenet(nn).to(dtype)
    _load_from(ours, theirs)
    opt_ours = gn.optim.SGD(ours.parameters(), lr=0.05, momentum=0.9)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(16)
    tol = {np.float32: {"rtol": 2e-4, "atol": 2e-5}, np.float64: TOLERANCES[np.float64]}[dtype]
    for _ in range(3):
        x, y = rng.standard_normal((8, 1, 28, 28)).astype(dtype), rng.integers(0, 10, 8)
        loss = F.cross_entropy(ours(gn.tensor(x)), y)
        expected = TF.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y))
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        loss.backward()
        expected.backward()
        np.testing.assert_allclose(loss.item(), expected.item(), **tol)
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad, q.grad.numpy(), **tol, err_msg=f"gradient of {name}")
        opt_ours.step()
        opt_theirs.step()
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), **tol, err_msg=key)
