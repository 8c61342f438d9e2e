"""Fuzzing every layer and loss against PyTorch: random shapes, dtypes, memory layouts and extreme values.

Each Hypothesis example builds one layer in glassnet and in PyTorch with the same weights (PyTorch's
``state_dict`` loaded into ours), draws an input that is often valid and often not (a wrong rank or size,
size-0 and size-1 axes, an integer or boolean dtype, float64 into a float32 layer, a strided or transposed
view, values from 1e-30 to 1e15 and infinities), and runs both. Two outcomes pass:

- both return: outputs (and running statistics) agree, and so do the gradients of the input and of every
  parameter when the output is finite;
- glassnet raises ShapeError or DTypeError (Embedding: IndexError for an index outside the table, as
  PyTorch). Whenever PyTorch raises, glassnet must raise one of these.

Anything else, an IndexError or AttributeError from deep inside or a raw NumPy message, fails the example.
Counters record every example by layer and outcome; each layer's test asserts how many ran.
"""

from __future__ import annotations

import copy
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet import DTypeError, ShapeError, nn
from glassnet.tensor import Tensor

EXAMPLES = 100  # per layer
OUTCOMES: Counter = Counter()  # (layer, outcome) -> examples

TORCH_DTYPE = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}
TOLERANCE = {np.dtype(np.float32): 2e-4, np.dtype(np.float64): 1e-9}
# Hypothesis favours the first entries of a list (and shrinks towards them): valid sizes come first, 0 last
SIZES = [2, 3, 1, 4, 0]
SPATIAL = [8, 6, 4, 2, 1, 0]
MAGNITUDES = [1.0, 1.0, 1.0, 1e-3, 1e4, 1e15, 1e-30]


# ----------------------------------------------------------------------------- drawing inputs
def draw_shape(data, *templates) -> tuple:
    """One of ``templates`` (fixed sizes as ints, free axes as lists of sizes to draw from), often mutated."""
    template = data.draw(st.sampled_from(templates), label="template")
    shape = [size if isinstance(size, int) else data.draw(st.sampled_from(size)) for size in template]
    mutation = data.draw(st.sampled_from(["none"] * 8 + ["resize", "drop", "insert"]), label="mutation")
    if mutation == "insert":
        shape.insert(data.draw(st.integers(0, len(shape))), data.draw(st.sampled_from(SIZES)))
    elif shape and mutation != "none":
        axis = data.draw(st.integers(0, len(shape) - 1))
        if mutation == "drop":
            del shape[axis]
        else:
            shape[axis] = data.draw(st.sampled_from(SIZES))
    return tuple(shape)


def draw_dtype(data, layer_dtype) -> np.dtype:
    """Mostly the layer's own dtype; sometimes the other float, an integer or a boolean."""
    other = np.float64 if layer_dtype == np.float32 else np.float32
    return np.dtype(data.draw(st.sampled_from([layer_dtype] * 8 + [other, np.int64, np.bool_]), label="dtype"))


def laid_out(data, array: np.ndarray) -> np.ndarray:
    """The same values as a contiguous array, a strided view or a transposed (Fortran-like) view."""
    layout = data.draw(st.sampled_from(["contiguous", "strided", "transposed"]), label="layout")
    if layout == "strided" and array.ndim:
        wide = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), array.dtype)
        wide[..., ::2] = array
        return wide[..., ::2]
    if layout == "transposed" and array.ndim >= 2:
        return np.ascontiguousarray(array.swapaxes(-1, -2)).swapaxes(-1, -2)
    return array


def draw_values(data, shape: tuple, dtype, special: bool = True, low: float | None = None) -> np.ndarray:
    """Seeded values of ``dtype``: floats at a drawn magnitude (some inf and nan when ``special``)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        values = rng.random(shape) < 0.5
    elif dtype.kind in "iu":
        values = rng.integers(-2, 5, shape)
    elif low is not None:  # probabilities
        values = rng.uniform(low, 1.0, shape)
    else:
        values = rng.standard_normal(shape) * data.draw(st.sampled_from(MAGNITUDES), label="magnitude")
        if special and values.size and data.draw(st.integers(0, 5), label="special") == 0:
            values.flat[rng.integers(0, values.size, 2)] = rng.choice([np.inf, -np.inf, np.nan], 2)
    return laid_out(data, np.asarray(values).astype(dtype))


def draw_input(data, layer_dtype, *templates, special: bool = True) -> np.ndarray:
    return draw_values(data, draw_shape(data, *templates), draw_dtype(data, layer_dtype), special)


# ----------------------------------------------------------------------------- running both
@dataclass
class Example:
    """One layer built twice with the same weights, its inputs, and how to call it (the same in both)."""

    ours: nn.Module
    theirs: torch.nn.Module
    inputs: list
    call: Callable = lambda layer, *inputs: layer(*inputs)
    copy_weights: bool = True
    allowed: tuple = (ShapeError, DTypeError)
    constants: int = 0  # trailing inputs that are constants (a loss's target): no gradient
    # A fused recurrent kernel computes its gates' sigmoid as (1 + tanh(a / 2)) / 2, one tanh for all four:
    # exact to eps next to 1, but deep in saturation (|a| > 17 in float32) it gives 0 where PyTorch gives
    # 1e-11. Its errors are measured on the scale of the gates (1) and, for gradients, of the inputs.
    saturating: bool = False


def _ours(x, grad: bool):
    if isinstance(x, tuple):
        return tuple(_ours(v, grad) for v in x)
    return None if x is None else Tensor(x, requires_grad=grad and x.dtype.kind == "f")


def _theirs(x, grad: bool):
    if isinstance(x, tuple):
        return tuple(_theirs(v, grad) for v in x)
    return None if x is None else torch.tensor(x, requires_grad=grad and x.dtype.kind == "f")


def _float64(x):
    if isinstance(x, tuple):
        return tuple(_float64(v) for v in x)
    return x if x is None or x.dtype.kind != "f" else x.astype(np.float64)


def _flat(values) -> list:
    if isinstance(values, (tuple, list)):
        return [leaf for v in values for leaf in _flat(v)]
    return [] if values is None else [values]


def assert_close(what: str, ours, theirs, dtype, reference=None, floor: float = 0.0) -> None:
    """Same shape, the same non-finite entries, and finite entries within a normwise relative tolerance.

    ``reference``: PyTorch's result in float64 for a float32 run. Where float32 itself cannot do better
    (a gradient that cancels to almost 0 in a batch norm over two samples, a saturated gate) glassnet's
    distance from it may be 16 times PyTorch's own float32 error: as accurate as float32 allows, not
    bit-equal to PyTorch's rounding (a wrong formula is off by the value itself, a million times more).
    ``floor``: an absolute error that always passes.
    """
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, PyTorch {theirs.shape}"
    finite = np.isfinite(theirs)
    np.testing.assert_array_equal(ours[~finite], theirs[~finite], err_msg=f"{what}: non-finite entries differ")
    if not finite.any():
        return
    scale = np.abs(theirs[finite]).max()
    allowed = max(TOLERANCE[np.dtype(dtype)] * scale, floor)
    error = np.abs(ours[finite] - theirs[finite]).max()
    if reference is not None:
        reference = np.asarray(reference, np.float64)
        usable = finite & np.isfinite(reference)
        if usable.any():
            allowed = max(allowed, 16 * np.abs(theirs[usable] - reference[usable]).max())
            error = np.abs(ours[usable] - reference[usable]).max()
    assert error <= allowed, f"{what}: error {error:.3g} > {allowed:.3g} (scale {scale:.3g}, {np.dtype(dtype).name})"


def _probes(outputs: list) -> list:
    """A random weighting of each output: the gradient of sum(y) alone is 0 through a normalisation."""
    return [np.random.default_rng(1000 + i).standard_normal(tuple(t.shape)) for i, t in enumerate(outputs)]


def _torch_backward(outputs: list, probes: list) -> None:
    sum((t * torch.from_numpy(p).to(t.dtype)).sum() for t, p in zip(outputs, probes)).backward()


def _grads(inputs: list, module) -> dict:
    found = {f"input {i}": x.grad for i, x in enumerate(_flat(inputs))}
    found.update((key, p.grad) for key, p in module.named_parameters())
    return {key: np.asarray(g) for key, g in found.items() if g is not None}


def run(name: str, example: Example) -> None:
    if example.copy_weights:
        example.ours.load_state_dict({k: v.detach().numpy() for k, v in example.theirs.state_dict().items()})
    grads = [i < len(example.inputs) - example.constants for i in range(len(example.inputs))]
    reference = copy.deepcopy(example.theirs).double()  # PyTorch in float64, before any running statistics move
    ours_in = [_ours(x, grad) for x, grad in zip(example.inputs, grads)]
    theirs_in = [_theirs(x, grad) for x, grad in zip(example.inputs, grads)]
    torch_error = None
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="torch")  # it warns about some shapes it still accepts
            theirs_out = _flat(example.call(example.theirs, *theirs_in))
    except Exception as error:  # noqa: BLE001  (any PyTorch refusal counts)
        torch_error = error
    try:
        # inf - inf or 0 * inf in an op is a nan to compare, as in PyTorch, not a NumPy warning to fail on
        with np.errstate(all="ignore"):
            ours_out = _flat(example.call(example.ours, *ours_in))
    except example.allowed as error:
        OUTCOMES[name, "both raised" if torch_error else f"glassnet raised {type(error).__name__}"] += 1
        return
    assert torch_error is None, f"PyTorch raised {torch_error!r} but glassnet returned {[o.shape for o in ours_out]}"
    OUTCOMES[name, "matched"] += 1
    # PyTorch's output dtype sets the tolerance (integer outputs are compared as tightly as float64)
    dtype = next((t.detach().numpy().dtype for t in theirs_out if t.dtype.is_floating_point), np.dtype(np.float64))
    exact_in = [_theirs(_float64(x), grad) for x, grad in zip(example.inputs, grads)]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="torch")
        exact_out = _flat(example.call(reference, *exact_in))
    for i, (o, t, r) in enumerate(zip(ours_out, theirs_out, exact_out, strict=True)):
        floor = TOLERANCE[np.dtype(dtype)] if example.saturating else 0.0
        assert_close(f"output {i}", o.numpy(), t.detach().numpy(), dtype, r.detach().numpy(), floor)
    for key, value in example.theirs.state_dict().items():
        assert_close(key, example.ours.state_dict()[key], value.numpy(), dtype, reference.state_dict()[key].numpy())
    chosen = [i for i, t in enumerate(theirs_out) if t.requires_grad]
    if not chosen or not all(np.isfinite(theirs_out[i].detach().numpy()).all() for i in chosen):
        return
    probes = _probes([theirs_out[i] for i in chosen])
    with np.errstate(all="ignore"):
        sum((ours_out[i] * Tensor(p.astype(ours_out[i].dtype))).sum() for i, p in zip(chosen, probes)).backward()
    try:
        _torch_backward([theirs_out[i] for i in chosen], probes)
        _torch_backward([exact_out[i] for i in chosen], probes)
    except RuntimeError:  # PyTorch's own backward fails on some empty shapes (adaptive pooling of 0 channels)
        return
    ours_grads, exact_grads = _grads(ours_in, example.ours), _grads(exact_in, reference)
    theirs_grads = _grads(theirs_in, example.theirs)
    # errors are relative to the whole gradient (inputs and parameters): through a saturated gate one
    # library rounds a 1e-12 input gradient to 0, nothing next to the weight gradients, yet 100% of itself
    whole = max((np.abs(g[np.isfinite(g)]).max(initial=0) for g in theirs_grads.values()), default=0)
    if example.saturating:
        whole = max([whole, 1.0] + [np.abs(x).max(initial=0) for x in _flat(example.inputs) if x.dtype.kind == "f"])
    floor = TOLERANCE[np.dtype(dtype)] * whole
    if dtype == np.float64:
        # no more precise reference exists: a few ulps of the O(1) probe, left where a gradient cancels to
        # almost 0 (softmax at a confident logit), pass (float32 runs are held to their float64 reference)
        floor = max(floor, 64 * np.finfo(np.float64).eps)
    for key, expected in theirs_grads.items():
        assert_close(f"gradient of {key}", ours_grads.get(key), expected, dtype, exact_grads.get(key), floor)


# ----------------------------------------------------------------------------- layers
def layer_dtype(data):
    return np.dtype(data.draw(st.sampled_from([np.float32, np.float32, np.float64]), label="layer dtype"))


def built(ours: nn.Module, theirs: torch.nn.Module, dtype) -> tuple:
    """The pair with PyTorch's layer in ``dtype``; ``run`` copies its weights into ours."""
    return ours, theirs.to(TORCH_DTYPE[dtype])


def linear(data):
    dtype = layer_dtype(data)
    n_in, n_out = data.draw(st.sampled_from([1, 3, 0])), data.draw(st.sampled_from([1, 2]))
    bias = data.draw(st.booleans())
    ours, theirs = built(nn.Linear(n_in, n_out, bias, dtype=dtype), torch.nn.Linear(n_in, n_out, bias), dtype)
    x = draw_input(data, dtype, [n_in], [SIZES, n_in], [SIZES, SIZES, n_in], [SIZES, SIZES, SIZES, n_in])
    return Example(ours, theirs, [x])


def conv(dims: int):
    def draw(data):
        dtype = layer_dtype(data)
        groups = data.draw(st.sampled_from([1, 1, 2]))
        c_in, c_out = groups * data.draw(st.sampled_from([1, 2])), groups * data.draw(st.sampled_from([1, 2]))
        kernel, dilation = data.draw(st.sampled_from([1, 2, 3])), data.draw(st.sampled_from([1, 1, 2]))
        stride = data.draw(st.sampled_from([1, 1, 2]))
        padding = data.draw(st.sampled_from([0, 1, "valid"] + (["same"] if stride == 1 else [])))
        bias = data.draw(st.booleans())
        layers = (nn.Conv1d, torch.nn.Conv1d) if dims == 1 else (nn.Conv2d, torch.nn.Conv2d)
        args = (c_in, c_out, kernel, stride, padding, dilation, groups, bias)
        ours, theirs = built(layers[0](*args, dtype=dtype), layers[1](*args), dtype)
        spatial = [SPATIAL] * dims
        x = draw_input(data, dtype, [SIZES, c_in, *spatial], [c_in, *spatial])
        return Example(ours, theirs, [x])

    return draw


def conv_transpose(data):
    dtype = layer_dtype(data)
    groups = data.draw(st.sampled_from([1, 1, 2]))
    c_in, c_out = groups * data.draw(st.sampled_from([1, 2])), groups * data.draw(st.sampled_from([1, 2]))
    kernel, dilation = data.draw(st.sampled_from([1, 2, 3, 4])), data.draw(st.sampled_from([1, 1, 2]))
    stride, padding = data.draw(st.sampled_from([1, 2, 2])), data.draw(st.sampled_from([0, 1, 2]))
    output_padding = data.draw(st.integers(0, max(stride, dilation) - 1))
    bias = data.draw(st.booleans())
    args = (c_in, c_out, kernel, stride, padding, output_padding, groups, bias, dilation)
    ours, theirs = built(nn.ConvTranspose2d(*args, dtype=dtype), torch.nn.ConvTranspose2d(*args), dtype)
    x = draw_input(data, dtype, [SIZES, c_in, SPATIAL, SPATIAL], [c_in, SPATIAL, SPATIAL])
    return Example(ours, theirs, [x])


class Negated(torch.nn.Module):
    """-f(-x): PyTorch's spelling of min pooling."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return -self.inner(-x)


def pool(kind: str):
    def draw(data):
        dtype = layer_dtype(data)
        kernel = data.draw(st.sampled_from([1, 2, 3]))
        stride = data.draw(st.sampled_from([None, 1, 2]))
        padding = data.draw(st.integers(0, kernel // 2))
        ceil_mode = data.draw(st.booleans())
        if kind == "avg":
            count_include_pad = data.draw(st.booleans())
            divisor = data.draw(st.sampled_from([None, None, 3]))
            args = (kernel, stride, padding, ceil_mode, count_include_pad, divisor)
            ours, theirs = nn.AvgPool2d(*args), torch.nn.AvgPool2d(*args)
        else:
            dilation = data.draw(st.sampled_from([1, 1, 2]))
            args = (kernel, stride, padding, dilation)
            ours = (nn.MaxPool2d if kind == "max" else nn.MinPool2d)(*args, ceil_mode=ceil_mode)
            theirs = torch.nn.MaxPool2d(*args, ceil_mode=ceil_mode)
            theirs = theirs if kind == "max" else Negated(theirs)
        x = draw_input(data, dtype, [SIZES, SIZES, SPATIAL, SPATIAL], [SIZES, SPATIAL, SPATIAL])
        return Example(ours, theirs, [x])

    return draw


def adaptive_pool(data):
    size = data.draw(st.sampled_from([1, 2, 3, (2, 1), (None, 2), (3, None)]))
    x = draw_input(data, layer_dtype(data), [SIZES, SIZES, SPATIAL, SPATIAL], [SIZES, SPATIAL, SPATIAL])
    return Example(nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), [x])


def flatten(data):
    start, end = data.draw(st.sampled_from([(1, -1), (0, -1), (0, 1), (1, 2), (-2, -1), (2, 1)]))
    x = draw_input(data, layer_dtype(data), [SIZES] * 3, [SIZES] * 4, [SIZES], [])
    return Example(nn.Flatten(start, end), torch.nn.Flatten(start, end), [x])


def layer_norm(data):
    shape = data.draw(st.sampled_from([(4,), (3, 4)]), label="normalized_shape")
    dtype = layer_dtype(data)
    ours, theirs = built(nn.LayerNorm(shape, dtype=dtype), torch.nn.LayerNorm(shape), dtype)
    x = draw_input(data, dtype, [SIZES, *shape], [*shape], [SIZES, SIZES, *shape])
    return Example(ours, theirs, [x])


def noise(kind: str):
    """Deterministic settings only (eval, or std 0 / p in {0, 1}): then the layer is the identity or a zero mask."""

    def draw(data):
        amount = data.draw(st.sampled_from([0.0, 0.5] if kind == "GaussianNoise" else [0.0, 0.5, 1.0]))
        train = amount in (0.0, 1.0) and data.draw(st.booleans())
        ours = getattr(nn, kind)(amount).train(train)
        theirs = torch.nn.Identity() if kind == "GaussianNoise" else torch.nn.Dropout(amount).train(train)
        return Example(ours, theirs, [draw_input(data, layer_dtype(data), [SIZES, SIZES], [SIZES], [])])

    return draw


def upsample(data):
    factor = data.draw(st.sampled_from([2, 1, 3, (2, 3)]))
    x = draw_input(data, layer_dtype(data), [SIZES, SIZES, SPATIAL, SPATIAL], [SIZES, SIZES, SPATIAL], [SIZES, SPATIAL])
    return Example(nn.Upsample(scale_factor=factor), torch.nn.Upsample(scale_factor=factor), [x])


def unflatten(data):
    dim, sizes = data.draw(st.sampled_from([(1, (2, 3)), (-1, (3, 2)), (0, (2, 3))]))
    x = draw_input(data, layer_dtype(data), [SIZES, 6], [6, SIZES], [SIZES, 6, SIZES])
    return Example(nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes), [x])


def dropout(two_d: bool):
    """Deterministic settings only (eval, or p in {0, 1}): the masks of two libraries cannot agree."""

    def draw(data):
        p = data.draw(st.sampled_from([0.0, 0.5, 1.0]))
        train = p in (0.0, 1.0) and data.draw(st.booleans())
        ours = (nn.Dropout2d if two_d else nn.Dropout)(p).train(train)
        theirs = (torch.nn.Dropout2d if two_d else torch.nn.Dropout)(p).train(train)
        templates = ([SIZES, SIZES, SPATIAL, SPATIAL], [SIZES, SPATIAL, SPATIAL]) if two_d else ([SIZES] * 2, [])
        return Example(ours, theirs, [draw_input(data, layer_dtype(data), *templates)])

    return draw


def batch_norm(dims: int):
    def draw(data):
        dtype = layer_dtype(data)
        c = data.draw(st.sampled_from([1, 3]))
        affine, track = data.draw(st.booleans()), data.draw(st.booleans())
        momentum = data.draw(st.sampled_from([0.1, None]))
        layers = (nn.BatchNorm1d, torch.nn.BatchNorm1d) if dims == 1 else (nn.BatchNorm2d, torch.nn.BatchNorm2d)
        args = dict(momentum=momentum, affine=affine, track_running_stats=track)
        ours, theirs = built(layers[0](c, dtype=dtype, **args), layers[1](c, **args), dtype)
        train = data.draw(st.booleans())
        ours.train(train), theirs.train(train)
        templates = ([SIZES, c], [SIZES, c, SPATIAL]) if dims == 1 else ([SIZES, c, SPATIAL, SPATIAL],)
        return Example(ours, theirs, [draw_input(data, dtype, *templates, special=False)])

    return draw


RECURRENT = {
    "RNN": (nn.RNN, torch.nn.RNN),
    "LSTM": (nn.LSTM, torch.nn.LSTM),
    "GRU": (nn.GRU, torch.nn.GRU),
}


def recurrent(kind: str):
    def draw(data):
        dtype = layer_dtype(data)
        features, hidden = data.draw(st.sampled_from([1, 3])), data.draw(st.sampled_from([1, 2]))
        layers, bidirectional = data.draw(st.sampled_from([1, 2])), data.draw(st.booleans())
        batch_first, bias = data.draw(st.booleans()), data.draw(st.booleans())
        kwargs = dict(num_layers=layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
        ours_cls, theirs_cls = RECURRENT[kind]
        ours, theirs = built(ours_cls(features, hidden, dtype=dtype, **kwargs), theirs_cls(features, hidden, **kwargs),
                             dtype)  # fmt: skip
        batched = [SIZES, [1, 2, 3], features] if batch_first else [[1, 2, 3], SIZES, features]
        x = draw_input(data, dtype, batched, [[1, 2, 3], features], special=False)
        rows = layers * (2 if bidirectional else 1)
        inputs = [x]
        if data.draw(st.booleans(), label="initial state"):
            batch = x.shape[0 if batch_first else 1] if x.ndim == 3 else None
            state = [rows, hidden] if batch is None else [rows, batch, hidden]
            states = tuple(draw_input(data, dtype, state, special=False) for _ in range(2 if kind == "LSTM" else 1))
            inputs.append(states if kind == "LSTM" else states[0])
        return Example(ours, theirs, inputs, saturating=True)

    return draw


class TorchMerge(torch.nn.Module):
    """PyTorch's bidirectional layer with the two directions merged as ``glassnet.nn.Bidirectional`` does."""

    def __init__(self, module, mode):
        super().__init__()
        self.module, self.mode = module, mode

    def forward(self, x, hx=None):
        output, state = self.module(x, hx)
        forward, backward = output.chunk(2, dim=-1)
        merged = {"concat": output, "sum": forward + backward, "mean": (forward + backward) / 2}
        return merged.get(self.mode, forward * backward), state


def bidirectional(data):
    dtype = layer_dtype(data)
    mode = data.draw(st.sampled_from(["concat", "sum", "mean", "mul"]))
    kind = data.draw(st.sampled_from(["RNN", "LSTM", "GRU"]))
    ours_cls, theirs_cls = RECURRENT[kind]
    ours = nn.Bidirectional(ours_cls(3, 2, bidirectional=True, dtype=dtype, batch_first=True), mode)
    ours, theirs = built(ours, TorchMerge(theirs_cls(3, 2, bidirectional=True, batch_first=True), mode), dtype)
    x = draw_input(data, dtype, [SIZES, [1, 2], 3], [[1, 2], 3], special=False)
    return Example(ours, theirs, [x], saturating=True)


CELLS = {"RNNCell": (nn.RNNCell, torch.nn.RNNCell), "LSTMCell": (nn.LSTMCell, torch.nn.LSTMCell),
         "GRUCell": (nn.GRUCell, torch.nn.GRUCell)}  # fmt: skip


def cell(kind: str):
    def draw(data):
        dtype = layer_dtype(data)
        features, hidden, bias = data.draw(st.sampled_from([1, 3])), 2, data.draw(st.booleans())
        ours_cls, theirs_cls = CELLS[kind]
        ours, theirs = built(ours_cls(features, hidden, bias, dtype=dtype), theirs_cls(features, hidden, bias), dtype)
        x = draw_input(data, dtype, [SIZES, features], [features], special=False)
        inputs = [x]
        if data.draw(st.booleans(), label="initial state"):
            state = [hidden] if x.ndim == 1 else [x.shape[0] if x.ndim else 1, hidden]
            states = tuple(draw_input(data, dtype, state, special=False) for _ in range(2 if kind == "LSTMCell" else 1))
            inputs.append(states if kind == "LSTMCell" else states[0])
        return Example(ours, theirs, inputs)

    return draw


def embedding(data):
    dtype = layer_dtype(data)
    count, dim = data.draw(st.sampled_from([1, 4])), 3
    padding_idx = data.draw(st.sampled_from([None, 0, -1]))
    ours = nn.Embedding(count, dim, padding_idx, dtype=dtype)
    ours, theirs = built(ours, torch.nn.Embedding(count, dim, padding_idx), dtype)
    shape = draw_shape(data, [SIZES, SIZES], [SIZES], [])
    index_dtype = data.draw(st.sampled_from([np.int64, np.int64, np.int32, np.float32]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    reach = data.draw(st.sampled_from([count, count, count + 2]))  # sometimes past the table
    indices = laid_out(data, rng.integers(-1 if reach > count else 0, reach, shape).astype(index_dtype))
    return Example(ours, theirs, [indices], allowed=(ShapeError, DTypeError, IndexError))


ACTIVATIONS = {  # name -> the argument values to draw from (no argument: [()])
    "ReLU": [()],
    "LeakyReLU": [(0.01,), (0.2,)],
    "ELU": [(1.0,), (0.5,)],
    "Softplus": [(1.0,), (2.0, 5.0)],
    "Sigmoid": [()],
    "Tanh": [()],
    "Softmax": [(-1,), (0,), (1,)],
    "LogSoftmax": [(-1,), (1,)],
    "Identity": [()],
    "ReLU6": [()],
    "SELU": [()],
    "CELU": [(1.0,), (0.5,)],
    "SiLU": [()],
    "Mish": [()],
    "GELU": [("tanh",)],
    "Hardtanh": [(), (-2.0, 0.5)],
    "GLU": [(-1,), (0,)],
    "Softsign": [()],
    "LogSigmoid": [()],
    "Softmin": [(-1,), (0,)],
    "Threshold": [(0.1, 20.0)],
}


def activation(kind: str):
    def draw(data):
        args = data.draw(st.sampled_from(ACTIVATIONS[kind]), label="arguments")
        ours, theirs = getattr(nn, kind)(*args), getattr(torch.nn, kind)(*args)
        x = draw_input(data, layer_dtype(data), [SIZES, SIZES], [SIZES], [], [SIZES, SIZES, SIZES])
        return Example(ours, theirs, [x])

    return draw


# ----------------------------------------------------------------------------- losses
def elementwise_loss(kind: str):
    def draw(data):
        dtype = layer_dtype(data)
        # KLDivLoss's "mean" warns (both libraries) that it is not the divergence per sample: fuzz "batchmean"
        means = "batchmean" if kind == "KLDivLoss" else "mean"
        reduction = data.draw(st.sampled_from([means, "sum", "none"]))
        shape = draw_shape(data, [SIZES, [1, 2, 3]], [SIZES], [SIZES, 2, 2])
        target_shape = data.draw(st.sampled_from([shape, shape, shape, draw_shape(data, [SIZES, 2])]))
        low = 0.0 if kind == "BCELoss" else None
        x = draw_values(data, shape, draw_dtype(data, dtype), special=False, low=low)
        # a target in the input's float dtype: PyTorch's BCE refuses a mixed pair, which glassnet converts
        y_dtype = x.dtype if x.dtype.kind == "f" else dtype
        y = draw_values(data, target_shape, y_dtype, special=False, low=0.0 if "BCE" in kind else None)
        ours_cls, theirs_cls = getattr(nn, kind), getattr(torch.nn, kind)
        return Example(
            ours_cls(reduction=reduction), theirs_cls(reduction=reduction), [x, y], copy_weights=False, constants=1
        )

    return draw


def class_loss(kind: str):
    def draw(data):
        dtype = layer_dtype(data)
        reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
        classes = data.draw(st.sampled_from([1, 3]))
        shape = draw_shape(data, [SIZES, classes], [SIZES, classes, [1, 2]], [classes])
        x = draw_values(data, shape, draw_dtype(data, dtype), special=False)
        batch = (shape[0],) + shape[2:] if len(shape) > 1 else ()
        target_shape = data.draw(st.sampled_from([batch, batch, batch, draw_shape(data, [SIZES])]))
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        reach = data.draw(st.sampled_from([classes, classes, classes + 1]))
        target = rng.integers(0, reach, target_shape)
        if target.size and data.draw(st.booleans(), label="ignore some"):
            target.flat[::2] = -100
        weight = data.draw(st.sampled_from([None, None, classes, classes + 1]), label="weight size")
        # weights in the input's float dtype: PyTorch refuses a mixed pair, which glassnet converts
        weight_dtype = x.dtype if x.dtype.kind == "f" else dtype
        weight = None if weight is None else np.linspace(0.5, 1.5, weight).astype(weight_dtype)
        ours = getattr(nn, kind)(weight=weight, reduction=reduction)
        theirs = getattr(torch.nn, kind)(weight=None if weight is None else torch.tensor(weight), reduction=reduction)
        return Example(ours, theirs, [x, target], copy_weights=False, constants=1)

    return draw


LAYERS = {
    "Linear": linear,
    "Conv1d": conv(1),
    "Conv2d": conv(2),
    "ConvTranspose2d": conv_transpose,
    "MaxPool2d": pool("max"),
    "MinPool2d": pool("min"),
    "AvgPool2d": pool("avg"),
    "AdaptiveAvgPool2d": adaptive_pool,
    "Flatten": flatten,
    "LayerNorm": layer_norm,
    "Unflatten": unflatten,
    "Upsample": upsample,
    "GaussianNoise": noise("GaussianNoise"),
    "MaskingNoise": noise("MaskingNoise"),
    "Dropout": dropout(two_d=False),
    "Dropout2d": dropout(two_d=True),
    "BatchNorm1d": batch_norm(1),
    "BatchNorm2d": batch_norm(2),
    **{kind: recurrent(kind) for kind in RECURRENT},
    "Bidirectional": bidirectional,
    **{kind: cell(kind) for kind in CELLS},
    "Embedding": embedding,
    **{kind: activation(kind) for kind in ACTIVATIONS},
    **{
        kind: elementwise_loss(kind)
        for kind in ("MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "KLDivLoss", "BCELoss", "BCEWithLogitsLoss")
    },
    **{kind: class_loss(kind) for kind in ("NLLLoss", "CrossEntropyLoss")},
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_matches_pytorch_or_raises_a_documented_error(name):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(data=st.data())
    def fuzz(data):
        torch.manual_seed(0)  # PyTorch's initial weights, which both layers share, replay with the example
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="torch")  # e.g. "Initializing zero-element tensors"
            example = LAYERS[name](data)
        run(name, example)

    fuzz()
    outcomes = {outcome: n for (layer, outcome), n in OUTCOMES.items() if layer == name}
    ran = sum(outcomes.values())
    print(f"\n{name}: {ran} examples, {outcomes}")
    assert ran >= EXAMPLES and outcomes.get("matched", 0) >= EXAMPLES // 5, outcomes


def test_every_public_layer_is_fuzzed():
    public = {name for name in nn.__all__ if isinstance(getattr(nn, name), type)}
    assert public - set(LAYERS) == {"Module", "Sequential", "ModuleList", "ModuleDict", "Parameter", "RNNBase"}
