"""Reductions over axes (sum, mean, prod, max, min, var) and the softmax family."""

from __future__ import annotations

import math

from ..autograd import Primitive, op_name
from ..backend import xp_of
from ..errors import ShapeError
from ..tensor import axis_index
from .elementwise import floating
from .formulas import logsumexp_terms


def _axes(axis, ndim: int, op: str) -> tuple:
    """``axis`` (None, an int or a tuple, negatives allowed) as a tuple of distinct non-negative ints.

    A 0-d tensor has no axes to reduce: axis 0 or -1 is accepted and reduces nothing, as in PyTorch.
    """
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis_index(a, max(ndim, 1), op) for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    if len(set(axes)) != len(axes):
        raise ShapeError(f"{op}: axis {axis} names an axis twice for {ndim} dimensions")
    return axes if ndim else ()


def _count(shape: tuple, axes: tuple) -> int:
    count = 1
    for a in axes:
        count *= shape[a]
    return count


def _expand_reduced(grad, ctx):
    """Put the reduced axes back into ``grad`` so it broadcasts against the input."""
    return grad if ctx.keepdims else xp_of(grad).expand_dims(grad, ctx.axes)


class SumFn(Primitive):
    """y = sum of x over axes; dy/dx = 1 (the gradient is copied to every summed element)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim, "sum"), keepdims
        return x.sum(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return xp_of(grad).broadcast_to(_expand_reduced(grad, ctx), ctx.shape)


class MeanFn(Primitive):
    """y = sum of x over axes / n; dy/dx = 1/n. The mean of no values is NaN, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        x = floating(x)
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim, "mean"), keepdims
        ctx.count = _count(x.shape, ctx.axes)
        if not ctx.count:  # NumPy would warn "Mean of empty slice"
            return x.sum(axis=ctx.axes, keepdims=keepdims) + xp_of(x).nan
        return x.mean(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        xp = xp_of(grad)
        if not ctx.count:  # the input is empty, and so is its gradient
            return xp.zeros(ctx.shape, grad.dtype)
        return xp.broadcast_to(_expand_reduced(grad, ctx) / ctx.count, ctx.shape)


def products_of_others(x):
    """p_i = prod_{j != i} x_j along the last axis, from exclusive prefix and suffix products.

    No division, so it is exact where some x_j are zero: one zero leaves only its own p_i non-zero,
    two or more make every p_i zero.
    """
    xp = xp_of(x)
    if not x.shape[-1]:
        return x.copy()
    ones = xp.ones(x.shape[:-1] + (1,), x.dtype)
    before = xp.cumprod(xp.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)  # prod_{j < i} x_j
    after = xp.cumprod(xp.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]  # prod_{j > i} x_j
    return before * after


class ProdFn(Primitive):
    """y = prod of x over axes; dy/dx_i = prod_{j != i} x_j, zeros included (no division by x_i).

    Integer and boolean inputs multiply in int64, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim, "prod"), keepdims
        ctx.save_for_backward(x)
        return x.prod(axis=ctx.axes, keepdims=keepdims, dtype=x.dtype if x.dtype.kind == "f" else "int64")

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        xp = xp_of(x)
        kept = [a for a in range(x.ndim) if a not in ctx.axes]
        order = kept + list(ctx.axes)  # the reduced axes last, flattened into one
        moved = xp.transpose(x, order)
        rows = moved.shape[: len(kept)]
        others = products_of_others(moved.reshape(rows + (_count(x.shape, ctx.axes),))).reshape(moved.shape)
        return xp.transpose(others, xp.argsort(order)) * _expand_reduced(grad, ctx)


def prod(input, dim=None, keepdim: bool = False, dtype=None):
    """The product of ``input``'s values over ``dim`` (all by default), as ``torch.prod``.

    ``dim`` may be an int or, beyond PyTorch, a tuple; ``dtype`` casts the input first (differentiably
    between floating dtypes). Returns a tensor of the input's shape without (or, with ``keepdim``, with
    size-1) reduced axes.
    """
    if dtype is not None:
        input = input.to(dtype)
    return ProdFn.apply(input, axis=dim, keepdims=keepdim)


class MaxFn(Primitive):
    """y = max of x over axes; the gradient is shared equally by the tied maxima (torch.amax)."""

    extreme = "max"  # the array method that picks the winners

    @classmethod
    def forward(cls, ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim, cls.extreme), keepdims
        y = getattr(x, cls.extreme)(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x == y)
        return y if keepdims else y.reshape([n for i, n in enumerate(x.shape) if i not in ctx.axes])

    @staticmethod
    def backward(ctx, grad):
        (winners,) = ctx.saved
        ties = winners.sum(axis=ctx.axes, keepdims=True).astype(grad.dtype)
        return winners * (_expand_reduced(grad, ctx) / ties)

    @classmethod
    def input_error(cls, error: ValueError, arrays: list) -> Exception:
        return ShapeError(
            f"{op_name(cls)}: an axis reduced has size 0 in input shape {arrays[0].shape}, "
            "and the extreme of no values is undefined (reduce only over non-empty axes)"
        )


class MinFn(MaxFn):
    """y = min of x over axes; the gradient is shared equally by the tied minima (torch.amin)."""

    extreme = "min"


class VarFn(Primitive):
    """y = sum (x - mean)**2 / (n - correction); dy/dx = 2 (x - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, correction=1):
        x = floating(x)
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim, "var"), keepdims
        ctx.dof = max(_count(x.shape, ctx.axes) - correction, 0)
        centred = x - x.mean(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(centred)
        return (centred * centred).sum(axis=ctx.axes, keepdims=keepdims) / ctx.dof

    @staticmethod
    def backward(ctx, grad):
        (centred,) = ctx.saved
        scale = 2 / ctx.dof if ctx.dof else math.inf  # no degrees of freedom: inf and NaN, as in PyTorch
        return centred * (_expand_reduced(grad, ctx) * scale)


def _softmax_axis(x, dim: int, op: str):
    """``dim`` checked; None for a 0-d ``x`` (a softmax over its single value)."""
    dim = axis_index(dim, max(x.ndim, 1), op)
    return dim if x.ndim else None


def _shifted(x, dim):
    """x minus its maximum along ``dim``, so that no e**x overflows; an empty x has no maximum and needs none.

    Where the maximum is infinite, inf - inf makes the row NaN, as in PyTorch, and as silently.
    """
    if not x.size:
        return x
    with xp_of(x).errstate(invalid="ignore"):
        return x - x.max(axis=dim, keepdims=True)


class SoftmaxFn(Primitive):
    """y = e**(x - max x) / sum e**(x - max x); dx = y * (dy - sum(dy * y))."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        x = floating(x)
        ctx.dim = dim = _softmax_axis(x, dim, "softmax")
        e = xp_of(x).exp(_shifted(x, dim))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return y * (grad - (grad * y).sum(axis=ctx.dim, keepdims=True))


class LogSoftmaxFn(Primitive):
    """y = x - max x - log sum e**(x - max x); dx = dy - softmax(x) * sum(dy)."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        x = floating(x)
        xp = xp_of(x)
        ctx.dim = dim = _softmax_axis(x, dim, "log_softmax")
        y = _shifted(x, dim)
        if y.size:  # an empty y needs no normalising (and the log of a sum of no values would warn)
            y = y - xp.log(xp.exp(y).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad - xp_of(y).exp(y) * grad.sum(axis=ctx.dim, keepdims=True)


class LogSumExpFn(Primitive):
    """y = m + log s, s = sum e**(x - m), m the maximum (0 where infinite); dy/dx = e**(x - m) / s = softmax(x).

    Defined where PyTorch defines it: -inf over no values or only -inf, inf when some value is inf (the
    gradient is NaN there, as in PyTorch). A fused op rather than a composite: the composite's log 0 and
    inf - inf would warn there. The gradient uses the shifted exponentials, not e**(x - y): y ~ 1e4 in
    float32 carries an absolute rounding of ~5e-4, which e**(x - y) would turn into a relative error.
    """

    @staticmethod
    def forward(ctx, x, dim=-1, keepdim=False):
        x = floating(x)
        xp = xp_of(x)
        ctx.dim = dim = _softmax_axis(x, dim, "logsumexp")
        ctx.keepdim = keepdim
        y, e, s = logsumexp_terms(x, dim)
        with xp.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 = NaN over no values or only -inf
            ctx.save_for_backward(e / s)
        return y if keepdim or dim is None else y.squeeze(dim)

    @staticmethod
    def backward(ctx, grad):
        (softmax,) = ctx.saved
        if not (ctx.keepdim or ctx.dim is None):
            grad = xp_of(grad).expand_dims(grad, ctx.dim)
        return grad * softmax
