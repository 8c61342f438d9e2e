"""Shape and movement primitives: reshape, permute, expand, indexing, cat, stack, pad."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import xp_of
from ..tensor import Tensor


class Reshape(Function):
    """y = x viewed with a new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Function):
    """y = x with its axes reordered; the gradient goes through the inverse order."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.inverse = tuple(np.argsort(axes))
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.inverse)


class Expand(Function):
    """y = x broadcast to ``shape`` (-1 keeps an axis); autograd sums the gradient back."""

    @staticmethod
    def forward(ctx, x, shape):
        lead = len(shape) - x.ndim
        shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
        return xp_of(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad


def _is_basic(index: tuple) -> bool:
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in index)


def as_index(index) -> tuple:
    """Normalise an index: tensors and lists become arrays, boolean masks become integer arrays."""
    parts = []
    for i in index if isinstance(index, tuple) else (index,):
        if isinstance(i, Tensor):
            i = i.data
        elif isinstance(i, list):
            i = np.asarray(i)
        if isinstance(i, np.ndarray) and i.dtype == bool:
            parts.extend(i.nonzero())
        else:
            parts.append(i)
    return tuple(parts)


class GetItem(Function):
    """y = x[index]; the gradient is scattered back with add (repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        out = xp_of(grad).zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad  # basic indexing never repeats an element
        else:
            xp_of(grad).add.at(out, ctx.index, grad)
        return out


class Cat(Function):
    """y = the inputs joined along ``axis``; the gradient is cut at the same places."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.cuts = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return xp_of(arrays[0]).concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(xp_of(grad).split(grad, ctx.cuts, axis=ctx.axis))


class Stack(Function):
    """y = the inputs stacked along a new ``axis``; each input gets its slice of the gradient."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        return xp_of(arrays[0]).stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(xp_of(grad).moveaxis(grad, ctx.axis, 0))


class Pad(Function):
    """y = x with constant borders, ``widths`` as NumPy's ((before, after), ...) per axis."""

    @staticmethod
    def forward(ctx, x, widths, value=0.0):
        ctx.inner = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return xp_of(x).pad(x, widths, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inner]


def split(x: Tensor, split_size_or_sections, axis: int = 0) -> tuple:
    """Cut ``x`` along ``axis`` into pieces of one size (an int) or of the given sizes (a list)."""
    length = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split size must be positive, got {size}")
        sizes = [size] * (length // size) + ([length % size] if length % size else [])
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length:
            raise ValueError(f"split sizes {sizes} do not add up to the axis length {length}")
    lead = (slice(None),) * (axis % x.ndim)
    pieces, start = [], 0
    for n in sizes:
        pieces.append(x[lead + (slice(start, start + n),)])
        start += n
    return tuple(pieces)
