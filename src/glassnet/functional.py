"""Composites built from ops, with ``torch.nn.functional``'s names and arguments. No backward code.

Where a fused op exists (``linear``, ``cross_entropy``, ``binary_cross_entropy``) the function
is a thin wrapper around it; the tests check it against the composite it replaces.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .backend import default_rng
from .ops.conv import conv1d as conv1d
from .ops.conv import conv2d as conv2d
from .ops.dropout import dropout as dropout
from .ops.norm import batch_norm as batch_norm
from .ops.pool import adaptive_avg_pool2d as adaptive_avg_pool2d
from .ops.pool import avg_pool2d as avg_pool2d
from .ops.pool import max_pool2d as max_pool2d
from .ops.pool import min_pool2d as min_pool2d
from .tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _like(value, input: Tensor):
    """A target or weight given as an array or list, as a constant of ``input``'s dtype (no silent float64)."""
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(np.asarray(value, dtype=input.dtype))


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _check_same_shape(name: str, input: Tensor, target) -> None:
    if tuple(input.shape) != tuple(np.shape(target.data if isinstance(target, Tensor) else target)):
        raise ValueError(f"{name}: input has shape {input.shape} but target has shape {np.shape(target)}")


# ----------------------------------------------------------------------------- layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, W of shape (out_features, in_features): one GEMM (fused op)."""
    return ops.Linear.apply(input, weight, bias)


def pad(input: Tensor, pad: tuple, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding with PyTorch's ``pad`` order: (left, right) of the last axis first, then the one before."""
    if mode != "constant":
        raise ValueError(f"only mode='constant' is supported, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad needs an even number of at most {2 * input.ndim} values, got {pad}")
    widths = [(0, 0)] * input.ndim
    for k in range(len(pad) // 2):
        widths[input.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    return ops.Pad.apply(input, widths=tuple(widths), value=value)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, rng: np.random.Generator | None = None) -> Tensor:
    """Zero whole channels: y[n, c] = x[n, c] keep[n, c] / (1 - p), keep ~ Bernoulli(1 - p); identity unless training.

    One draw per (sample, channel) map, broadcast over H and W (the ``Dropout`` op with mask shape
    (N, C, 1, 1)): neighbouring pixels are strongly correlated, so dropping single pixels hardly
    regularises a convolution, dropping feature maps does (Tompson et al., 2015). Input (N, C, H, W), or
    (C, H, W) read as one unbatched image (PyTorch still reads a 3-D input as (N, C, L), with a warning).
    ``rng`` defaults to the global generator, looked up at call time.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d expects input (N, C, H, W) or (C, H, W), got shape {tuple(input.shape)}")
    if not training or p == 0:
        return input
    mask_shape = input.shape[:-2] + (1, 1)
    return ops.Dropout.apply(input, p=p, rng=default_rng() if rng is None else rng, mask_shape=mask_shape)


# ----------------------------------------------------------------------------- activations
def relu(input: Tensor) -> Tensor:
    return ops.Relu.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return ops.LeakyRelu.apply(input, negative_slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    return ops.Elu.apply(input, alpha=alpha)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return ops.Softplus.apply(input, beta=beta, threshold=threshold)


def sigmoid(input: Tensor) -> Tensor:
    return ops.Sigmoid.apply(input)


def tanh(input: Tensor) -> Tensor:
    return ops.Tanh.apply(input)


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    """Softmax along ``dim``, shifted by the maximum so it never overflows."""
    return ops.Softmax.apply(input, dim=dim)


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) computed as x - max - log-sum-exp: exact where softmax underflows."""
    return ops.LogSoftmax.apply(input, dim=dim)


def logsumexp(input: Tensor, dim: int = -1, keepdim: bool = False) -> Tensor:
    """log sum e**x = m + log sum e**(x - m) with m the (constant) maximum."""
    m = input.detach().max(axis=dim, keepdims=True)
    out = (input - m).exp().sum(axis=dim, keepdims=True).log() + m
    return out if keepdim else out.squeeze(dim)


# ----------------------------------------------------------------------------- losses
def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error: reduce((x - y)**2)."""
    _check_same_shape("mse_loss", input, target)
    target = _like(target, input)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error: reduce(|x - y|)."""
    _check_same_shape("l1_loss", input, target)
    target = _like(target, input)
    return _reduce((input - target).abs(), reduction)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d**2 for |d| <= delta, else delta (|d| - delta/2), with d = x - y: quadratic near 0, linear far."""
    _check_same_shape("huber_loss", input, target)
    target = _like(target, input)
    size = (input - target).abs()
    quadratic = size.clip(max=delta)
    return _reduce(0.5 * quadratic * quadratic + delta * (size - quadratic), reduction)


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) on probabilities p, logs clamped at -100 (fused op)."""
    _check_same_shape("binary_cross_entropy", input, target)
    loss = ops.BinaryCrossEntropy.apply(input, _tensor(target).data.astype(input.dtype, copy=False))
    return _reduce(loss if weight is None else loss * _like(weight, input), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target, weight=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """BCE on logits x: (1 - y) x + (1 + (pw - 1) y) softplus(-x), exact for any |x|."""
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    target, weight, pos_weight = _like(target, input), _like(weight, input), _like(pos_weight, input)
    softplus_neg = ops.Softplus.apply(-input, threshold=np.inf)
    scale = 1.0 if pos_weight is None else 1 + (pos_weight - 1) * target
    loss = (1 - target) * input + scale * softplus_neg
    return _reduce(loss if weight is None else loss * weight, reduction)


def _class_targets(name: str, input: Tensor, target, ignore_index: int):
    """(N, C) logits and (N,) integer targets, moving a class axis at 1 to the end; checked."""
    target = target.data if isinstance(target, Tensor) else np.asarray(target)
    if input.ndim < 2:
        raise ValueError(f"{name}: input must be (N, C) or (N, C, d1, ...), got shape {input.shape}")
    expected = (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        raise ValueError(f"{name}: input {input.shape} needs target of shape {expected}, got {target.shape}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: class-index targets must be integers, got dtype {target.dtype}")
    classes = input.shape[1]
    bad = (target != ignore_index) & ((target < 0) | (target >= classes))
    if bad.any():
        raise ValueError(f"{name}: target {int(target[bad][0])} is outside [0, {classes}) for input {input.shape}")
    if input.ndim > 2:
        input = input.permute(0, *range(2, input.ndim), 1).reshape(-1, classes)
    return input, target.reshape(-1), expected


def nll_loss(input: Tensor, target, weight=None, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities: -w[y_i] input[i, y_i], mean weighted by w[y_i]."""
    log_p, labels, shape = _class_targets("nll_loss", input, target, ignore_index)
    keep = labels != ignore_index
    safe = np.where(keep, labels, 0)
    w = np.ones(log_p.shape[1], log_p.dtype) if weight is None else np.asarray(weight, log_p.dtype)
    row_weight = np.where(keep, w[safe], 0).astype(log_p.dtype)
    loss = -log_p[np.arange(len(labels)), safe] * row_weight
    if reduction == "mean":
        return loss.sum() / row_weight.sum()
    return _reduce(loss.reshape(shape), reduction)


def cross_entropy(
    input: Tensor,
    target,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy on logits, fused: equals ``nll_loss(log_softmax(x), y)``.

    ``target`` holds class indices (N,) or class probabilities (N, C); label smoothing mixes
    the target with the uniform distribution: (1 - eps) y + eps / C. Mean over class indices is
    weighted by ``weight[y_i]``, as in PyTorch.
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    dtype = input.dtype
    w = None if weight is None else np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype)
    raw = target.data if isinstance(target, Tensor) else np.asarray(target)
    if raw.dtype.kind == "f":  # probabilities
        _check_same_shape("cross_entropy", input, raw)
        classes = input.shape[1]
        logits = input.permute(0, *range(2, input.ndim), 1).reshape(-1, classes) if input.ndim > 2 else input
        q = raw if input.ndim == 2 else np.moveaxis(raw, 1, -1).reshape(-1, classes)
        q = ((1 - label_smoothing) * q + label_smoothing / classes).astype(dtype)
        if w is not None:
            q = q * w
        shape, denominator = (input.shape[0],) + input.shape[2:], None
    else:
        logits, labels, shape = _class_targets("cross_entropy", input, raw, ignore_index)
        classes = logits.shape[1]
        keep = labels != ignore_index
        q = np.full(logits.shape, label_smoothing / classes, dtype=dtype)
        q[np.arange(len(labels)), np.where(keep, labels, 0)] += 1 - label_smoothing
        q[~keep] = 0
        if w is not None:
            q *= w
        denominator = float(keep.sum() if w is None else w[labels[keep]].sum())
    if reduction == "none":
        return ops.SoftmaxCrossEntropy.apply(logits, q).reshape(shape)
    if reduction == "mean":
        scale = 1.0 / (len(q) if denominator is None else denominator)
    else:
        scale = 1.0
    return ops.SoftmaxCrossEntropy.apply(logits, q, scale=scale)


# ----------------------------------------------------------------------------- embeddings and recurrent cells
def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``input`` of any shape: (*, dim) (fused op).

    The row ``padding_idx`` gets no gradient. Indices outside [0, num_embeddings) raise an IndexError.
    """
    indices = input.data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    count = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        raise IndexError(f"embedding: indices must lie in [0, {count}), got {indices.min()}..{indices.max()}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += count
    return ops.Embedding.apply(weight, indices, padding_idx=padding_idx)


def rnn_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One Elman RNN step: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.

    x (B, I), h (B, H), W_ih (H, I), W_hh (H, H), biases (H,) -> h' (B, H). Elman (1990).
    """
    a = linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh)
    return a.tanh() if nonlinearity == "tanh" else a.relu()


def lstm_cell(input: Tensor, hx: tuple, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> tuple:
    """One LSTM step, gates in PyTorch's order i, f, g, o:

        i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h' = sigmoid(o) * tanh(c')

    x (B, I), hx = (h, c) each (B, H), W_ih (4H, I), W_hh (4H, H), biases (4H,) -> (h', c').
    Hochreiter & Schmidhuber (1997), with the forget gate of Gers et al. (2000).
    """
    h, c = hx
    i, f, g, o = (linear(input, w_ih, b_ih) + linear(h, w_hh, b_hh)).chunk(4, axis=-1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> Tensor:
    """One GRU step in PyTorch's formulation (the reset gate acts after the hidden product):

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
        h' = (1 - z) * n + z * h

    x (B, I), h (B, H), W_ih (3H, I), W_hh (3H, H), biases (3H,) -> h' (B, H). Cho et al. (2014).
    """
    x_r, x_z, x_n = linear(input, w_ih, b_ih).chunk(3, axis=-1)
    h_r, h_z, h_n = linear(hx, w_hh, b_hh).chunk(3, axis=-1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * hx
