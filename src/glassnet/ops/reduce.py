"""Reductions over axes (sum, mean, max, min, var) and the softmax family."""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp_of


def _axes(axis, ndim: int) -> tuple:
    """``axis`` (None, an int or a tuple, negatives allowed) as a tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim if ndim else a for a in axis)


def _expand_reduced(grad, ctx):
    """Put the reduced axes back into ``grad`` so it broadcasts against the input."""
    return grad if ctx.keepdims else xp_of(grad).expand_dims(grad, ctx.axes)


class Sum(Function):
    """y = sum of x over axes; dy/dx = 1 (the gradient is copied to every summed element)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim), keepdims
        return x.sum(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return xp_of(grad).broadcast_to(_expand_reduced(grad, ctx), ctx.shape)


class Mean(Function):
    """y = sum of x over axes / n; dy/dx = 1/n."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim), keepdims
        return x.mean(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        count = 1
        for a in ctx.axes:
            count *= ctx.shape[a]
        return xp_of(grad).broadcast_to(_expand_reduced(grad, ctx) / count, ctx.shape)


class Max(Function):
    """y = max of x over axes; the gradient is shared equally by the tied maxima (torch.amax)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim), keepdims
        y = x.max(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x == y)
        return y if keepdims else y.reshape([n for i, n in enumerate(x.shape) if i not in ctx.axes])

    @staticmethod
    def backward(ctx, grad):
        (winners,) = ctx.saved
        ties = winners.sum(axis=ctx.axes, keepdims=True).astype(grad.dtype)
        return winners * (_expand_reduced(grad, ctx) / ties)


class Min(Max):
    """y = min of x over axes; the gradient is shared equally by the tied minima (torch.amin)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim), keepdims
        y = x.min(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x == y)
        return y if keepdims else y.reshape([n for i, n in enumerate(x.shape) if i not in ctx.axes])


class Var(Function):
    """y = sum (x - mean)**2 / (n - correction); dy/dx = 2 (x - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, correction=1):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim), keepdims
        count = 1
        for a in ctx.axes:
            count *= x.shape[a]
        ctx.dof = max(count - correction, 0)
        centred = x - x.mean(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(centred)
        return (centred * centred).sum(axis=ctx.axes, keepdims=keepdims) / ctx.dof

    @staticmethod
    def backward(ctx, grad):
        (centred,) = ctx.saved
        return centred * (_expand_reduced(grad, ctx) * (2 / ctx.dof))


class Softmax(Function):
    """y = e**(x - max x) / sum e**(x - max x); dx = y * (dy - sum(dy * y))."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = xp_of(x)
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return y * (grad - (grad * y).sum(axis=ctx.dim, keepdims=True))


class LogSoftmax(Function):
    """y = x - max x - log sum e**(x - max x); dx = dy - softmax(x) * sum(dy)."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = xp_of(x)
        shifted = x - x.max(axis=dim, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad - xp_of(y).exp(y) * grad.sum(axis=ctx.dim, keepdims=True)
