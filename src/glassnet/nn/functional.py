"""Composites built from ops, with ``torch.nn.functional``'s names and arguments. No backward code.

Where a fused op exists (``linear``, ``cross_entropy``, ``binary_cross_entropy``) the function
is a thin wrapper around it; the tests check it against the composite it replaces.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops
from ..backend import default_rng
from ..errors import DTypeError, ShapeError
from ..ops import pool as _pool
from ..ops.conv import conv1d as conv1d
from ..ops.conv import conv2d as conv2d
from ..ops.conv import conv_transpose2d as conv_transpose2d
from ..ops.norm import batch_norm as batch_norm
from ..ops.pool import adaptive_avg_pool2d as adaptive_avg_pool2d
from ..ops.pool import avg_pool2d as avg_pool2d
from ..ops.pool import min_pool2d as min_pool2d
from ..tensor import Tensor, axis_index
from .validation import check_option, check_probability

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
        # the mean of no values is nan, as in PyTorch; 0 * nan gets there without NumPy's empty-mean warning
        return loss.mean() if loss.numel() else loss.sum() * float("nan")
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    check_option("reduction", reduction, _REDUCTIONS)
    raise AssertionError("unreachable: every valid reduction returned above")


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's reading of the deprecated ``size_average``/``reduce`` flags (None counts as True), with its warning."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.", stacklevel=3
    )
    return reduction


def _weighted(name: str, loss: Tensor, weight, reduction: str, by_weight: bool = True) -> Tensor:
    """Elementwise ``weight`` of the input's shape; "mean" is sum(w l) / sum(w) (``by_weight``) or mean(w l).

    PyTorch's MSE and L1 losses divide by the weights' sum, its Huber loss by the number of elements.
    """
    if weight is None:
        return _reduce(loss, reduction)
    weight = _like(weight, loss)
    if tuple(weight.shape) != tuple(loss.shape):
        raise ValueError(
            f"{name}: Weights and input must have the same size, got {tuple(weight.shape)} and {tuple(loss.shape)}"
        )
    if reduction == "mean" and by_weight:
        return (loss * weight).sum() / weight.sum()
    return _reduce(loss * weight, reduction)


def _check_scores(name: str, input) -> None:
    """A loss's input must be float32 or float64: integers would be promoted to float64 or fail inside NumPy."""
    dtype = getattr(input, "dtype", None)
    if dtype not in (np.float32, np.float64):
        got = f"dtype {dtype.name}" if dtype is not None else type(input).__name__
        raise DTypeError(f"{name}: input must be a float32 or float64 tensor, got {got}")


def _check_same_shape(name: str, input: Tensor, target) -> None:
    """Float input and a target of exactly its shape: no broadcasting, (N, 1) against (N,) is a bug, not a wish."""
    _check_scores(name, input)
    target_shape = tuple(np.shape(target._data if isinstance(target, Tensor) else target))
    if tuple(input.shape) != target_shape:
        raise ShapeError(f"{name}: input has shape {tuple(input.shape)} but target has shape {target_shape}")


# ----------------------------------------------------------------------------- layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, W of shape (out_features, in_features): one GEMM (fused op)."""
    return ops.LinearFn.apply(input, weight, bias)


def pad(input: Tensor, pad: tuple, mode: str = "constant", value: float | None = None) -> Tensor:
    """Constant padding with PyTorch's ``pad`` order: (left, right) of the last axis first, then the one before."""
    if mode != "constant":
        raise NotImplementedError(f"pad(mode={mode!r}): glassnet pads with a constant only (mode='constant')")
    value = 0.0 if value is None else value
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad needs an even number of at most {2 * input.ndim} values, got {pad}")
    widths = [(0, 0)] * input.ndim
    for k in range(len(pad) // 2):
        widths[input.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    return ops.PadFn.apply(input, widths=tuple(widths), value=value)


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    rng: np.random.Generator | None = None,
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p); identity unless training.

    ``rng`` (glassnet's keyword) defaults to the global generator, looked up at call time. ``inplace=True``
    writes the result into ``input``, as PyTorch does.
    """
    check_probability("dropout", p)
    if not training or p == 0:  # the input itself, and no random number drawn
        return input
    if inplace:
        return in_place(input, "dropout(inplace=True)", lambda x: dropout(x, p, True, rng=rng))
    return ops.DropoutFn.apply(input, p=p, rng=default_rng() if rng is None else rng)


def dropout2d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    rng: np.random.Generator | None = None,
) -> Tensor:
    """Zero whole channels: y[n, c] = x[n, c] keep[n, c] / (1 - p), keep ~ Bernoulli(1 - p); identity unless training.

    One draw per (sample, channel) map, broadcast over H and W (the ``Dropout`` op with mask shape
    (N, C, 1, 1)): neighbouring pixels are strongly correlated, so dropping single pixels hardly
    regularises a convolution, dropping feature maps does (Tompson et al., 2015). Input (N, C, H, W), or
    (C, H, W) read as one unbatched image (PyTorch still reads a 3-D input as (N, C, L), with a warning).
    ``rng`` defaults to the global generator, looked up at call time.
    """
    check_probability("dropout", p)
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d expects input (N, C, H, W) or (C, H, W), got shape {tuple(input.shape)}")
    if not training or p == 0:
        return input
    if inplace:
        return in_place(input, "dropout2d(inplace=True)", lambda x: dropout2d(x, p, True, rng=rng))
    mask_shape = input.shape[:-2] + (1, 1)
    return ops.DropoutFn.apply(input, p=p, rng=default_rng() if rng is None else rng, mask_shape=mask_shape)


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """Maximum over each window (fused op); see :func:`glassnet.ops.pool.max_pool2d`."""
    if return_indices:
        raise NotImplementedError("max_pool2d(return_indices=True): glassnet's max pooling gives the values only")
    return _pool.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


# ----------------------------------------------------------------------------- normalisation
def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(var + eps) over the last ``len(normalized_shape)`` axes, then * weight + bias.

    A composite: the biased variance (as PyTorch's), per sample, so it behaves the same in training and eval.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.shape[input.ndim - len(shape) :] != shape:
        raise ShapeError(f"layer_norm: input shape {tuple(input.shape)} does not end in normalized_shape {shape}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mean = input.mean(dims, keepdim=True)
    out = (input - mean) / (input.var(dims, keepdim=True, correction=0) + eps).sqrt()
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


# ----------------------------------------------------------------------------- activations
def in_place(input: Tensor, name: str, result_of) -> Tensor:
    """``input`` changed to ``result_of(input)``, as PyTorch's ``inplace=True``: the same values, in the same tensor."""
    return input._write(name, result_of(input._operand()))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:
        return in_place(input, "relu(inplace=True)", ops.ReLUFn.apply)
    return ops.ReLUFn.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    if inplace:
        return in_place(input, "leaky_relu(inplace=True)", lambda x: leaky_relu(x, negative_slope))
    return ops.LeakyReLUFn.apply(input, negative_slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if inplace:
        return in_place(input, "elu(inplace=True)", lambda x: elu(x, alpha))
    return ops.ELUFn.apply(input, alpha=alpha)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return ops.SoftplusFn.apply(input, beta=beta, threshold=threshold)


def sigmoid(input: Tensor) -> Tensor:
    return ops.SigmoidFn.apply(input)


def tanh(input: Tensor) -> Tensor:
    return ops.TanhFn.apply(input)


def _softmax_input(name: str, input: Tensor, dim, dtype) -> tuple[Tensor, int]:
    """``input`` cast to ``dtype`` (if given) and the axis: PyTorch's implicit choice, with its warning, for None."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an "
            "argument.",
            stacklevel=3,
        )
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return input, dim


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """Softmax along ``dim``, shifted by the maximum so it never overflows."""
    input, dim = _softmax_input("softmax", input, dim, dtype)
    return ops.SoftmaxFn.apply(input, dim=dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(x)) computed as x - max - log-sum-exp: exact where softmax underflows."""
    input, dim = _softmax_input("log_softmax", input, dim, dtype)
    return ops.LogSoftmaxFn.apply(input, dim=dim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    input, dim = _softmax_input("softmin", input, dim, dtype)
    return ops.SoftmaxFn.apply(-input, dim=dim)


def logsumexp(input: Tensor, dim: int = -1, keepdim: bool = False) -> Tensor:
    """log sum e**x = m + log sum e**(x - m) with m the maximum (fused op): -inf over no values, as in PyTorch."""
    return ops.LogSumExpFn.apply(input, dim=dim, keepdim=keepdim)


def _maybe_in_place(input: Tensor, inplace: bool, name: str, compute) -> Tensor:
    """``compute(input)``, written into ``input`` when ``inplace`` (PyTorch's ``inplace=True``)."""
    return in_place(input, f"{name}(inplace=True)", compute) if inplace else compute(input)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; gradient 1 inside, 0 outside."""
    return _maybe_in_place(input, inplace, "hardtanh", lambda x: x.clamp(min_val, max_val))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017)."""
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return _maybe_in_place(input, inplace, "selu", lambda x: scale * ops.ELUFn.apply(x, alpha=alpha))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e**(x / alpha) - 1)): elu(x / alpha) * alpha."""
    return _maybe_in_place(input, inplace, "celu", lambda x: alpha * ops.ELUFn.apply(x / alpha, alpha=1.0))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (the swish of Ramachandran et al., 2017)."""
    return _maybe_in_place(input, inplace, "silu", lambda x: x * x.sigmoid())


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)) (Misra, 2019)."""
    return _maybe_in_place(input, inplace, "mish", lambda x: x * softplus(x).tanh())


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x); ``approximate="tanh"``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))) (Hendrycks & Gimpel, 2016).

    The exact form needs the error function, which glassnet has no op for yet: it raises NotImplementedError
    rather than answer with the approximation.
    """
    if approximate == "tanh":
        return 0.5 * input * (1 + (math.sqrt(2 / math.pi) * (input + 0.044715 * input * input * input)).tanh())
    if approximate == "none":
        raise NotImplementedError(
            "gelu(approximate='none') needs an erf op, which glassnet lacks: use approximate='tanh'"
        )
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (1 + input.abs())


def logsigmoid(input: Tensor) -> Tensor:
    """log sigmoid(x) = -softplus(-x), exact for any x."""
    return -ops.SoftplusFn.apply(-input, threshold=np.inf)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """clamp(x / 6 + 1/2, 0, 1) (PyTorch's float64 gradient uses 1/6 rounded to float32; this one does not)."""
    return _maybe_in_place(input, inplace, "hardsigmoid", lambda x: (x / 6 + 0.5).clamp(0.0, 1.0))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x) (Howard et al., 2019)."""
    return _maybe_in_place(input, inplace, "hardswish", lambda x: x * hardsigmoid(x))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``."""
    return _maybe_in_place(
        input,
        inplace,
        "threshold",
        lambda x: ops.WhereFn.apply(~(x._data <= threshold), x, Tensor(np.asarray(value, x.dtype))),  # nan stays
    )


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), with a and b the two halves of ``input`` along ``dim`` (Dauphin et al., 2017)."""
    dim = axis_index(dim, input.ndim, "glu")
    if input.shape[dim] % 2:
        raise ShapeError(f"glu: halving dimension must be even, but dimension {dim} is size {input.shape[dim]}")
    a, b = input.chunk(2, dim=dim)
    return a * b.sigmoid()


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """Class indices (any shape, int64) as one-hot rows: shape (*, num_classes), dtype int64, as PyTorch's.

    ``num_classes=-1`` takes max(index) + 1.
    """
    indices = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"one_hot is only applicable to index tensors, got dtype {indices.dtype.name}")
    if num_classes == -1:
        if not indices.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(indices.max()) + 1
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise RuntimeError(
            f"one_hot: class values must lie in [0, {num_classes}), got {indices.min()}..{indices.max()}"
        )
    return Tensor._wrap((indices[..., None] == np.arange(num_classes)).astype(np.int64))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``."""
    if out is not None:
        raise NotImplementedError("normalize(out=...): glassnet returns a new tensor")
    return input / input.norm(p, dim=dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 . x2 / max(||x1|| ||x2||, eps) along ``dim``, after broadcasting x1 and x2."""
    dot = (x1 * x2).sum(dim)
    norms = (x1 * x1).sum(dim) * (x2 * x2).sum(dim)
    return dot / norms.clamp(min=eps * eps).sqrt()


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last axis."""
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)


# ----------------------------------------------------------------------------- losses
def mse_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean squared error: reduce((x - y)**2); with ``weight``, sum(w (x - y)**2) / sum(w) for "mean"."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_same_shape("mse_loss", input, target)
    target = _like(target, input)
    diff = input - target
    return _weighted("mse_loss", diff * diff, weight, reduction)


def l1_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean absolute error: reduce(|x - y|); with ``weight``, sum(w |x - y|) / sum(w) for "mean"."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_same_shape("l1_loss", input, target)
    target = _like(target, input)
    return _weighted("l1_loss", (input - target).abs(), weight, reduction)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """0.5 d**2 for |d| <= delta, else delta (|d| - delta/2), with d = x - y: quadratic near 0, linear far.

    Each element takes one branch (``Where``), so its gradient is d or delta sign(d) exactly; a single
    formula such as 0.5 q**2 + delta (|d| - q) with q = min(|d|, delta) adds and subtracts delta in the
    gradient, which loses float32 digits of a small d.
    """
    _check_same_shape("huber_loss", input, target)
    diff = input - _like(target, input)
    size = diff.abs()
    loss = ops.WhereFn.apply(size._data <= delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    return _weighted("huber_loss", loss, weight, reduction, by_weight=False)


def smooth_l1_loss(
    input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """0.5 d**2 / beta for |d| < beta, else |d| - beta/2: the Huber loss divided by beta (L1 when beta = 0)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_same_shape("smooth_l1_loss", input, target)
    if beta == 0:
        return _reduce((input - _like(target, input)).abs(), reduction)
    return huber_loss(input, target, reduction=reduction, delta=beta) / beta


def kl_div(
    input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """Pointwise KL divergence y (log y - x) of log-probabilities x from the target y (0 where y = 0).

    ``log_target=True`` takes log y instead: e**t (t - x). "batchmean" divides the sum by the batch size
    (the true KL divergence per sample); "mean", PyTorch's default, divides by the number of elements.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' "
            "divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to "
            "behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    _check_same_shape("kl_div", input, target)
    target = _like(target, input)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        nonzero = target._data != 0  # y log y is 0 at y = 0: log 1 stands in there, and that branch is not taken
        safe = ops.WhereFn.apply(nonzero, target, Tensor(np.ones((), target.dtype)))
        with np.errstate(invalid="ignore"):  # a negative target gives nan, as in PyTorch, without a warning
            log_y = safe.log()
        loss = ops.WhereFn.apply(nonzero, target * (log_y - input), input * 0)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


def binary_cross_entropy(
    input: Tensor, target, weight=None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) on probabilities p, logs clamped at -100 (fused op).

    Both p and y must lie in [0, 1] (a ValueError otherwise, as in PyTorch): a probability outside it, or
    nan, means a missing sigmoid or a target on another scale, and the clamped logs would hide it.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_same_shape("binary_cross_entropy", input, target)
    target = _tensor(target)._data.astype(input.dtype, copy=False)
    for role, values in (("input", input._data if isinstance(input, Tensor) else input), ("target", target)):
        if not ((values >= 0).all() and (values <= 1).all()):
            raise ValueError(f"binary_cross_entropy: {role} values must lie in [0, 1], got values from "
                             f"{values.min()} to {values.max()}")  # fmt: skip
    loss = ops.BinaryCrossEntropyFn.apply(input, target)
    return _reduce(loss if weight is None else loss * _like(weight, input), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target, weight=None, size_average=None, reduce=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """BCE on logits x: (1 - y) x + (1 + (pw - 1) y) softplus(-x), exact for any |x|."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    target, weight, pos_weight = _like(target, input), _like(weight, input), _like(pos_weight, input)
    softplus_neg = ops.SoftplusFn.apply(-input, threshold=np.inf)
    scale = 1.0 if pos_weight is None else 1 + (pos_weight - 1) * target
    loss = (1 - target) * input + scale * softplus_neg
    return _reduce(loss if weight is None else loss * weight, reduction)


def _num_classes(name: str, input) -> int:
    """C of float class scores (N, C, d1, ...) or unbatched (C,), checked to be at least 1."""
    _check_scores(name, input)
    classes = input.shape[1] if input.ndim > 1 else input.shape[0] if input.ndim else 0
    if not classes:
        raise ShapeError(f"{name}: input must be (N, C), (N, C, d1, ...) or (C,) with C > 0, got {tuple(input.shape)}")
    return classes


def _rows(scores: Tensor) -> Tensor:
    """Class scores (N, C, d1, ...) as (N d1 ..., C), one row per prediction; unbatched (C,) as (1, C)."""
    if scores.ndim == 1:
        return scores.reshape(1, scores.shape[0])
    if scores.ndim > 2:
        return scores.permute(0, *range(2, scores.ndim), 1).reshape(-1, scores.shape[1])
    return scores


def _class_weight(name: str, weight, classes: int, dtype):
    """Per-class weights as a (C,) array of the scores' dtype, or None."""
    if weight is None:
        return None
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype)
    if w.shape != (classes,):
        raise ShapeError(f"{name}: weight must have shape ({classes},), one per class, got {tuple(w.shape)}")
    return w


def _class_targets(name: str, input: Tensor, target, ignore_index: int):
    """(rows, C) scores, (rows,) integer targets, the per-prediction loss shape, and which rows count; checked.

    Targets must be integers (DTypeError) in [0, C) or ``ignore_index``; one outside is a ShapeError,
    since it does not fit the C classes of the input. The rows that count are None when all do (the
    common case, found by two reductions), else a boolean mask: False where the target is ``ignore_index``.
    """
    classes = _num_classes(name, input)
    target = target._data if isinstance(target, Tensor) else np.asarray(target)
    expected = () if input.ndim == 1 else (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        raise ShapeError(
            f"{name}: input {tuple(input.shape)} needs target of shape {expected}, got {tuple(target.shape)}"
        )
    if target.dtype.kind not in "iu":
        raise DTypeError(f"{name}: class-index targets must be integers, got dtype {target.dtype.name}")
    labels = target.reshape(-1)
    keep = None
    if 0 <= ignore_index < classes or (labels.size and not 0 <= labels.min() <= labels.max() < classes):
        keep = labels != ignore_index
        bad = keep & ((labels < 0) | (labels >= classes))
        if bad.any():
            raise ShapeError(
                f"{name}: target {int(labels[bad][0])} is outside [0, {classes}) for input {tuple(input.shape)}"
            )
    return _rows(input), labels, expected, keep


def nll_loss(
    input: Tensor,
    target,
    weight=None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities: -w[y_i] input[i, y_i], mean weighted by w[y_i]."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    log_p, labels, shape, keep = _class_targets("nll_loss", input, target, ignore_index)
    w = _class_weight("nll_loss", weight, log_p.shape[1], log_p.dtype)
    w = np.ones(log_p.shape[1], log_p.dtype) if w is None else w
    if keep is None:  # every row counts
        safe, row_weight = labels, w[labels]
    else:
        safe = np.where(keep, labels, 0)
        row_weight = np.where(keep, w[safe], 0).astype(log_p.dtype)
    loss = -log_p[np.arange(len(labels)), safe] * row_weight
    if reduction == "mean":
        total = row_weight.sum()
        # nothing counted (an empty batch, every target ignored): nan as in PyTorch, without NumPy's 0/0 warning
        return loss.sum() / total if total else loss.sum() * float("nan")
    return _reduce(loss.reshape(shape), reduction)


def cross_entropy(
    input: Tensor,
    target,
    weight=None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy on logits, fused: equals ``nll_loss(log_softmax(x), y)``.

    ``target`` holds class indices (N,) or class probabilities (N, C) (unbatched: input (C,), target () or
    (C,); with extra axes: input (N, C, d1, ...), target (N, d1, ...) or the input's shape); label smoothing mixes
    the target with the uniform distribution: (1 - eps) y + eps / C. Mean over class indices is
    weighted by ``weight[y_i]``, as in PyTorch.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    check_option("reduction", reduction, _REDUCTIONS)
    classes = _num_classes("cross_entropy", input)
    dtype = input.dtype
    w = _class_weight("cross_entropy", weight, classes, dtype)
    raw = target._data if isinstance(target, Tensor) else np.asarray(target)
    if raw.dtype.kind == "f":  # probabilities
        _check_same_shape("cross_entropy", input, raw)
        logits, q = _rows(input), _rows(Tensor(raw))._data
        q = ((1 - label_smoothing) * q + label_smoothing / classes).astype(dtype)
        if w is not None:
            q = q * w
        shape, denominator = (() if input.ndim == 1 else (input.shape[0],) + input.shape[2:]), None
    else:
        logits, labels, shape, keep = _class_targets("cross_entropy", input, raw, ignore_index)
        classes = logits.shape[1]
        if keep is None and not label_smoothing:  # the usual case: q is one-hot, every row counts
            q = np.eye(classes, dtype=dtype)[labels]
            counted = labels
        else:
            keep = labels != ignore_index if keep is None else keep
            q = np.full(logits.shape, label_smoothing / classes, dtype=dtype)
            q[np.arange(len(labels)), np.where(keep, labels, 0)] += 1 - label_smoothing
            q[~keep] = 0
            counted = labels[keep]
        if w is not None:
            q *= w
        denominator = float(len(counted) if w is None else w[counted].sum())
    if reduction == "none":
        return ops.SoftmaxCrossEntropyFn.apply(logits, q).reshape(shape)
    if reduction == "mean":
        count = len(q) if denominator is None else denominator
        scale = 1.0 / count if count else float("nan")  # nothing counted: nan, as in PyTorch
    else:
        scale = 1.0
    return ops.SoftmaxCrossEntropyFn.apply(logits, q, scale=scale)


# ----------------------------------------------------------------------------- embeddings and recurrent cells
def embedding(
    input,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``input`` of any shape: (*, dim) (fused op).

    The row ``padding_idx`` gets no gradient. Non-integer indices raise a DTypeError (a TypeError), indices
    outside [0, num_embeddings) an IndexError. ``max_norm``, ``scale_grad_by_freq`` and ``sparse`` are not
    supported (NotImplementedError).
    """
    for flag, value in (("max_norm", max_norm is not None), ("scale_grad_by_freq", scale_grad_by_freq),
                        ("sparse", sparse)):  # fmt: skip
        if value:
            raise NotImplementedError(f"embedding({flag}=...): not supported by glassnet")
    indices = input._data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"embedding: indices must be integers, got dtype {indices.dtype.name}")
    count = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        raise IndexError(f"embedding: indices must lie in [0, {count}), got {indices.min()}..{indices.max()}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += count
    return ops.EmbeddingFn.apply(weight, indices, padding_idx=padding_idx)


def rnn_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None, nonlinearity="tanh",
             return_gates: bool = False):  # fmt: skip
    """One Elman RNN step: h' = act(a), a = x W_ih^T + b_ih + h W_hh^T + b_hh, act = tanh or relu.

    x (B, I), h (B, H), W_ih (H, I), W_hh (H, H), biases (H,) -> h' (B, H); with ``return_gates``,
    (h', (a,)). Elman (1990).
    """
    a = linear(input, w_ih, b_ih) + linear(hx, w_hh, b_hh)
    h = a.tanh() if nonlinearity == "tanh" else a.relu()
    return (h, (a,)) if return_gates else h


def lstm_cell(input: Tensor, hx: tuple, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None,
              return_gates: bool = False, clamp: dict | None = None) -> tuple:  # fmt: skip
    """One LSTM step, gates in PyTorch's order i, f, g, o:

        i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh)
        i, f, o = sigmoid(i, f, o);  g = tanh(g)
        c' = f * c + i * g
        h' = o * tanh(c')

    x (B, I), hx = (h, c) each (B, H), W_ih (4H, I), W_hh (4H, H), biases (4H,) -> (h', c'); with
    ``return_gates``, ((h', c'), (i, f, g, o)) after their nonlinearities, each (B, H). ``clamp`` maps
    gate names ("i", "f", "g", "o") to values used instead of those gates (an ablation: the cell without
    that gate's choices). Hochreiter & Schmidhuber (1997), with the forget gate of Gers et al. (2000).
    """
    h, c = hx
    i, f, g, o = (linear(input, w_ih, b_ih) + linear(h, w_hh, b_hh)).chunk(4, axis=-1)
    i, f, g, o = _clamped(clamp, "ifgo", (i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()))
    c = f * c + i * g
    h = o * c.tanh()
    return ((h, c), (i, f, g, o)) if return_gates else (h, c)


def _clamped(clamp: dict | None, names: str, gates: tuple) -> tuple:
    """The gates, each replaced by ``clamp[name]`` where given (broadcast to the gate's shape)."""
    if not clamp:
        return gates
    return tuple(
        gate if name not in clamp else _tensor(clamp[name]).expand(*gate.shape) for name, gate in zip(names, gates)
    )


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None,
             return_gates: bool = False, clamp: dict | None = None):  # fmt: skip
    """One GRU step in PyTorch's formulation (the reset gate acts after the hidden product):

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
        h' = (1 - z) * n + z * h

    x (B, I), h (B, H), W_ih (3H, I), W_hh (3H, H), biases (3H,) -> h' (B, H); with ``return_gates``,
    (h', (r, z, n)), each (B, H); ``clamp`` replaces gates by given values, as in :func:`lstm_cell`.
    Cho et al. (2014).
    """
    x_r, x_z, x_n = linear(input, w_ih, b_ih).chunk(3, axis=-1)
    h_r, h_z, h_n = linear(hx, w_hh, b_hh).chunk(3, axis=-1)
    r, z = _clamped(clamp, "rz", ((x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()))
    (n,) = _clamped(clamp, "n", ((x_n + r * h_n).tanh(),))
    h = (1 - z) * n + z * hx
    return (h, (r, z, n)) if return_gates else h


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Nearest-neighbour upsampling by whole factors: y[n, c, i, j] = x[n, c, i // s_h, j // s_w], 1 to 3 spatial axes.

    Written as reshape (N, C, H, 1, W, 1), expand to (N, C, H, s_h, W, s_w), reshape (N, C, s_h H, s_w W):
    the expand's backward sums each s_h x s_w block of the gradient. Input (N, C, L), (N, C, H, W) or
    (N, C, D, H, W). ``size`` must be a whole multiple of the input's spatial size; other modes,
    fractional factors and antialiasing raise NotImplementedError (``recompute_scale_factor`` changes
    nothing for whole factors).
    """
    if mode != "nearest":
        raise NotImplementedError(f"interpolate: mode={mode!r} is not supported (only 'nearest')")
    if align_corners is not None:
        raise ValueError("align_corners can only be set with the interpolating modes: linear | bilinear | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    input = _tensor(input)
    if not 3 <= input.ndim <= 5:
        raise ShapeError(
            f"interpolate expected input of shape (N, C, L), (N, C, H, W) or (N, C, D, H, W), got {tuple(input.shape)}"
        )
    spatial = input.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate needs exactly one of size and scale_factor")
    target = size if size is not None else scale_factor
    target = tuple(target) if isinstance(target, (tuple, list)) else (target,) * len(spatial)
    if len(target) != len(spatial):
        raise ShapeError(
            f"interpolate: {len(target)} sizes or factors for input {tuple(input.shape)} ({len(spatial)} spatial axes)"
        )
    if size is not None:
        if any(d == 0 or s % d for s, d in zip(target, spatial)):
            raise NotImplementedError(f"interpolate: size {target} is not a whole multiple of the input's {spatial}")
        factors = tuple(s // d for s, d in zip(target, spatial))
    else:
        if not all(float(s).is_integer() and s >= 1 for s in target):
            raise NotImplementedError(f"interpolate: scale_factor {scale_factor} is not supported (only whole factors)")
        factors = tuple(int(s) for s in target)
    lead = input.shape[:2]
    ones = [x for d in spatial for x in (d, 1)]
    blocks = [x for d, s in zip(spatial, factors) for x in (d, s)]
    return input.reshape(*lead, *ones).expand(*lead, *blocks).reshape(*lead, *(d * s for d, s in zip(spatial, factors)))


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """A GAN discriminator's loss, BCE with logits (real 1, fake 0): mean softplus(-l_real) + mean softplus(l_fake).

    -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l), so this equals
    ``binary_cross_entropy_with_logits(l_real, 1) + binary_cross_entropy_with_logits(l_fake, 0)``
    in three ops fewer. Logits of any shape, usually (N, 1); returns a scalar. Goodfellow et al. (2014).
    """
    return softplus(-real_logits).mean() + softplus(fake_logits).mean()


def generator_loss(fake_logits: Tensor, non_saturating: bool = True) -> Tensor:
    """A GAN generator's loss on D's logits for its samples: mean softplus(-l) (non-saturating), or -mean softplus(l).

    Non-saturating: -E log sigmoid(l), BCE with logits against the label 'real'. Minimax (the
    paper's value function): E log(1 - sigmoid(l)) = -E softplus(l), whose gradient in l,
    -sigmoid(l), vanishes when D confidently rejects the samples.
    """
    return softplus(-fake_logits).mean() if non_saturating else -softplus(fake_logits).mean()


# the functions of torch.nn.functional that glassnet has (in_place and the checks are helpers of nn)
__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cosine_similarity",
    "cross_entropy",
    "discriminator_loss",
    "dropout",
    "dropout2d",
    "elu",
    "embedding",
    "gelu",
    "generator_loss",
    "glu",
    "gru_cell",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "huber_loss",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "logsumexp",
    "lstm_cell",
    "max_pool2d",
    "min_pool2d",
    "mish",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "relu",
    "relu6",
    "rnn_cell",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "tanh",
    "threshold",
]
