"""Shape and movement primitives: reshape, permute, expand, indexing, cat, stack, pad."""

from __future__ import annotations

import numpy as np

from ..autograd import Primitive
from ..backend import xp_of
from ..errors import ShapeError
from ..tensor import Tensor, axis_index


class ReshapeFn(Primitive):
    """y = x viewed with a new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class PermuteFn(Primitive):
    """y = x with its axes reordered; the gradient goes through the inverse order."""

    @staticmethod
    def forward(ctx, x, axes):
        axes = tuple(axis_index(a, x.ndim, "permute") for a in axes)  # the inverse needs them non-negative
        y = x.transpose(axes)  # NumPy checks that they are a permutation
        ctx.inverse = tuple(np.argsort(axes))
        return y

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.inverse)


class ExpandFn(Primitive):
    """y = x broadcast to ``shape`` (-1 keeps an axis); autograd sums the gradient back."""

    @staticmethod
    def forward(ctx, x, shape):
        lead = len(shape) - x.ndim
        if -1 in shape[: max(lead, 0)]:
            raise ShapeError(f"expand: -1 keeps an existing axis; a new leading axis needs a size, got {shape}")
        shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
        return xp_of(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad


def _is_basic(index: tuple) -> bool:
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in index)


def as_index(index, shape: tuple) -> tuple:
    """Normalise an index into an array of ``shape``: tensors and lists become arrays, boolean masks integer arrays.

    A mask must have the shape of the axes it covers; once it is integer arrays a wrong size would go unnoticed,
    so NumPy checks the index first, on a zero-strided stand-in (no copy of the data), and raises IndexError.
    """
    parts = [i._data if isinstance(i, Tensor) else np.asarray(i) if isinstance(i, list) else i for i in _entries(index)]
    if not any(isinstance(i, np.ndarray) and i.dtype == bool for i in parts):
        return tuple(parts)
    np.broadcast_to(np.int8(0), shape)[tuple(parts)]  # raises IndexError for a mask of the wrong shape
    return tuple(j for i in parts for j in (i.nonzero() if isinstance(i, np.ndarray) and i.dtype == bool else (i,)))


def _entries(index) -> tuple:
    return index if isinstance(index, tuple) else (index,)


class GetItemFn(Primitive):
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


class SetItemFn(Primitive):
    """y = x with y[index] = value: ``x[index] = value`` recorded out of place.

    The gradient reaches x where it was kept and value through the written places (summed back to value's
    shape by the backward walk). Repeated indices keep the last write, as NumPy and PyTorch on the CPU do.
    """

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index = index
        y = x.copy()
        y[index] = value
        return y

    @staticmethod
    def backward(ctx, grad):
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = grad.copy()
            grad_x[ctx.index] = 0
        return grad_x, grad[ctx.index] if ctx.needs_input_grad[1] else None


class CopyFn(Primitive):
    """y = a copy of x in its own contiguous storage (``clone``); the gradient passes unchanged."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class CatFn(Primitive):
    """y = the inputs joined along ``axis``; the gradient is cut at the same places."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        if not arrays or not arrays[0].ndim:
            raise ShapeError(
                f"cat: needs a non-empty list of tensors with at least one axis (use stack for 0-d), "
                f"got shapes [{', '.join(str(a.shape) for a in arrays)}]"
            )
        ctx.axis = axis = axis_index(axis, arrays[0].ndim, "cat")
        out = xp_of(arrays[0]).concatenate(arrays, axis=axis)  # NumPy checks the other shapes
        ctx.cuts = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return out

    @staticmethod
    def backward(ctx, grad):
        return tuple(xp_of(grad).split(grad, ctx.cuts, axis=ctx.axis))


class StackFn(Primitive):
    """y = the inputs stacked along a new ``axis``; each input gets its slice of the gradient."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        if not arrays:
            raise ShapeError("stack: needs a non-empty list of tensors")
        ctx.axis = axis = axis_index(axis, arrays[0].ndim + 1, "stack")
        return xp_of(arrays[0]).stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(xp_of(grad).moveaxis(grad, ctx.axis, 0))


class PadFn(Primitive):
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
    axis = axis_index(axis, x.ndim, "split")
    length = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and (size < 0 or length):
            raise ShapeError(f"split size must be positive, got {size}")
        # an empty axis splits into one empty piece, as in PyTorch
        sizes = [size] * (length // size) + ([length % size] if length % size else []) if length else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length or min(sizes, default=0) < 0:
            raise ShapeError(f"split sizes {sizes} must be non-negative and add up to the axis length {length}")
    lead = (slice(None),) * axis
    pieces, start = [], 0
    for n in sizes:
        pieces.append(x[lead + (slice(start, start + n),)])
        start += n
    return tuple(pieces)
