"""Pooling: max and min (one kernel, two directions), average, and adaptive average pooling.

Every window holds kh*kw elements. Element (i, j) of all windows at once is one strided slice of
the (padded) input, x_pad[:, :, i d_h :: s_h, j d_w :: s_w] cut to (Ho, Wo); for non-overlapping
windows (stride = kernel, the common case) these slices are the reshape (N, C, Ho, kh, Wo, kw)
indexed at [:, :, :, i, :, j]. So a pooling forward is kh*kw - 1 elementwise operations on the
output's size and a backward kh*kw slice writes, never a loop over pixels, windows or the batch.

Padding follows PyTorch: max pooling pads with -inf (min pooling with +inf), so padding never wins;
average pooling pads with zeros and by default counts them (``count_include_pad=True``); with
``ceil_mode`` the last window may run past the padded input, and is cut there.

Output size along one axis (PyTorch's formula), with effective kernel e = d (k - 1) + 1::

    out = floor((n + 2 p - e) / s) + 1                    (ceil_mode=False)
    out = ceil((n + 2 p - e) / s) + 1, minus 1 if the last window would start past n + p   (ceil_mode=True)
"""

from __future__ import annotations

import numpy as np

from ..autograd import Primitive, is_grad_enabled
from ..backend import xp_of
from ..errors import ShapeError
from ..tensor import Tensor
from .conv import _tuple, check_kernel_fits


# ----------------------------------------------------------------------------- geometry
def pool_output_size(size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode=False) -> int:
    """PyTorch's pooling output length along one axis (see the module docstring)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window would start in the right padding: PyTorch drops it
    return out


def _geometry(shape: tuple, kernel, stride, padding, dilation, ceil_mode) -> tuple:
    """Output size and the padding ((top, bottom), (left, right)) that makes every window fit."""
    out, pads = [], []
    for n, k, s, p, d in zip(shape[2:], kernel, stride, padding, dilation):
        o = pool_output_size(n, k, s, p, d, ceil_mode)
        overhang = max((o - 1) * s + d * (k - 1) + 1 - (n + 2 * p), 0)  # ceil_mode's last window
        out.append(o)
        pads.append((p, p + overhang))
    return tuple(out), tuple(pads)


def _pad(x, pads: tuple, value: float):
    """x with constant borders on its last two axes, in x's memory layout; x itself when there are none."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    padded = _padded_buffer(x.shape, x.dtype, pads, _memory_order(x), xp_of(x), fill=False)
    padded[...] = value
    padded[:, :, top : top + x.shape[2], left : left + x.shape[3]] = x
    return padded


def _memory_order(x) -> tuple:
    """x's axes from the slowest to the fastest varying in memory, e.g. (1, 2, 3, 0) for a batch-innermost array."""
    return tuple(sorted(range(x.ndim), key=lambda axis: -x.strides[axis]))


def _padded_buffer(x_shape: tuple, dtype, pads: tuple, order: tuple, xp, fill: bool = True):
    """An (N, C, H + pads, W + pads) array laid out in memory in ``order``: zeros, or uninitialised unless ``fill``."""
    (top, bottom), (left, right) = pads
    n, c, h, w = x_shape
    shape = (n, c, h + top + bottom, w + left + right)
    buffer = (xp.zeros if fill else xp.empty)(tuple(shape[axis] for axis in order), dtype=dtype)
    return buffer.transpose(tuple(np.argsort(order)))


def _in_order(array, order: tuple):
    """``array`` laid out in memory in ``order``: itself, or a copy when it is laid out otherwise.

    Elementwise work between operands of different layouts runs several times slower in NumPy than
    one copy to a common layout first.
    """
    if _memory_order(array) == order:
        return array
    copy = xp_of(array).empty(tuple(array.shape[axis] for axis in order), dtype=array.dtype)
    copy[...] = array.transpose(order)
    return copy.transpose(tuple(np.argsort(order)))


def _crop(dx_padded, x_shape: tuple, pads: tuple):
    (top, _), (left, _) = pads
    return dx_padded[:, :, top : top + x_shape[2], left : left + x_shape[3]]


def _window_slices(kernel, stride, dilation, out) -> list:
    """The (rows, cols) slice of the padded input that holds element (i, j) of every window, row by row."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out
    return [
        (slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))
        for i in range(kh)
        for j in range(kw)
    ]


def _backward_layout(x, windows, kernel, stride, dilation, pads, out) -> tuple:
    """What a pool's backward needs of the forward's layout: x's shape and memory order, the windows, the
    padding, and whether the windows tile x without overlap (see :func:`_disjoint`)."""
    return (x.shape, _memory_order(x), windows, pads, *_disjoint(x.shape, kernel, stride, dilation, pads, out))


def _disjoint(x_shape: tuple, kernel, stride, dilation, pads, out) -> tuple[bool, bool]:
    """Whether the windows are disjoint and unpadded, and whether they also cover every input element.

    Disjoint (stride = kernel, no padding): a backward may write each window's share instead of adding it.
    Covering too (no row or column left over by the floor): the gradient buffer needs no zeroing.
    """
    disjoint = tuple(stride) == tuple(kernel) and tuple(dilation) == (1, 1) and not any(sum(pads, ()))
    covers = disjoint and x_shape[2] == kernel[0] * out[0] and x_shape[3] == kernel[1] * out[1]
    return disjoint, covers


# ----------------------------------------------------------------------------- max and min
class MaxPool2dFn(Primitive):
    """y = max (``largest=True``) or min (``largest=False``) of each window; dy goes to one element per window.

    Min pooling is max pooling in the other direction, min(x) = -max(-x), so both share this kernel.
    The forward takes the running extremum over the kh*kw window slices; the backward routes each
    window's gradient to the *first* extremal element in row-major window order, exactly as PyTorch
    does for ties (its scan replaces the candidate only on a strictly better value), or, when the
    window holds NaN, to its last NaN (PyTorch's scan also takes every NaN it meets). The winner's
    index within the window is kept as a small integer array (uint8 for up to 256 elements).

    Shapes: x (N, C, H, W); y (N, C, Ho, Wo) (module docstring). ``padding`` is (p_h, p_w), filled
    with -inf (+inf for min).
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation=(1, 1), ceil_mode=False, largest=True):
        xp = xp_of(x)
        out, pads = _geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
        padded = _pad(x, pads, -np.inf if largest else np.inf)
        windows = _window_slices(kernel, stride, dilation, out)
        views = [padded[:, :, rows, cols] for rows, cols in windows]
        better = xp.maximum if largest else xp.minimum  # both propagate NaN, as PyTorch's output does
        y = better(views[0], views[1]) if len(views) > 1 else views[0].copy(order="K")
        for view in views[2:]:
            better(y, view, out=y)
        if not (ctx.needs_input_grad[0] and is_grad_enabled()):
            return y  # inference: no winner indices needed
        # the first element equal to the extremum: scan backwards so the earliest hit is written last
        arg = xp.full_like(y, len(views) - 1, dtype=np.min_scalar_type(len(views) - 1))
        for k in range(len(views) - 2, -1, -1):
            arg -= (views[k] == y) * (arg - k)  # arg = k where views[k] == y (arg > k here: no wrap-around)
        if xp.isnan(y).any():  # rare: the last NaN of each window, as PyTorch
            for k, view in enumerate(views):
                arg[xp.isnan(view)] = k
        ctx.save_for_backward(arg)
        ctx.layout = _backward_layout(x, windows, kernel, stride, dilation, pads, out)
        return y

    @staticmethod
    def backward(ctx, grad):
        (arg,) = ctx.saved
        x_shape, order, windows, pads, disjoint, covers = ctx.layout
        xp = xp_of(grad)
        grad = _in_order(grad, order)
        dx = _padded_buffer(x_shape, grad.dtype, pads, order, xp, fill=not covers)
        for k, (rows, cols) in enumerate(windows):
            if disjoint:  # each input element is in one window at most: write straight into dx
                xp.multiply(grad, arg == k, out=dx[:, :, rows, cols])
            else:
                dx[:, :, rows, cols] += grad * (arg == k)
        return _crop(dx, x_shape, pads)


# ----------------------------------------------------------------------------- average
def _divisors(size: int, kernel: int, stride: int, padding: int, out: int, count_include_pad: bool):
    """Per output position along one axis, how many elements PyTorch divides that window's sum by.

    A window starts at o s - p and ends at min(o s - p + k, n + p): only ceil_mode's overhang is cut.
    With ``count_include_pad=False`` it is further cut to the input, [max(start, 0), min(end, n)).
    """
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2dFn(Primitive):
    """y = (sum of each window) / divisor; dx gets dy / divisor at every element of each window.

    The divisor is kh*kw (padding counted, ``count_include_pad=True``), the number of real input
    elements in the window (``count_include_pad=False``), or ``divisor_override``; windows cut by
    ``ceil_mode`` count only what they cover, as in PyTorch. ``scale`` is 1 / divisor, a number or
    an (Ho, Wo) array. Shapes: x (N, C, H, W); y (N, C, Ho, Wo); zero padding (p_h, p_w).
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode=False, count_include_pad=True, divisor_override=None):
        xp = xp_of(x)
        dilation = (1, 1)
        out, pads = _geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
        padded = _pad(x, pads, 0.0)
        windows = _window_slices(kernel, stride, dilation, out)
        views = [padded[:, :, rows, cols] for rows, cols in windows]
        y = views[0] + views[1] if len(views) > 1 else views[0].copy(order="K")
        for view in views[2:]:
            y += view
        overhang = any(after > before for before, after in pads)
        if divisor_override is not None:
            scale = 1.0 / divisor_override
        elif count_include_pad and not overhang:
            scale = 1.0 / (kernel[0] * kernel[1])
        else:
            axes = zip(x.shape[2:], kernel, stride, padding, out)
            rows, cols = (_divisors(*args, count_include_pad) for args in axes)
            scale = xp.asarray(1.0 / np.outer(rows, cols), dtype=x.dtype)
        y *= scale
        ctx.scale = scale
        ctx.layout = _backward_layout(x, windows, kernel, stride, dilation, pads, out)
        return y

    @staticmethod
    def backward(ctx, grad):
        x_shape, order, windows, pads, disjoint, covers = ctx.layout
        xp = xp_of(grad)
        share = _in_order(grad, order) * ctx.scale
        dx = _padded_buffer(x_shape, grad.dtype, pads, order, xp, fill=not covers)
        for rows, cols in windows:
            if disjoint:
                dx[:, :, rows, cols] = share
            else:
                dx[:, :, rows, cols] += share
        return _crop(dx, x_shape, pads)


def _adaptive_windows(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows along one axis: output i averages [floor(i n / o), ceil((i + 1) n / o))."""
    i = np.arange(out)
    return (i * size) // out, -(-((i + 1) * size) // out)


def _run_sums(x, starts: np.ndarray, stops: np.ndarray, axis: int):
    """sum of x[start_j:stop_j] along ``axis`` for every run j (none empty), in a new array.

    The loop runs over offsets within a run, max(stop - start) of them: offset k of every run at once is
    one strided slice of x when the runs start evenly spaced, else one gather. Each run is summed on its
    own, so an inf or NaN stays in the runs that hold it, where a product with a 0/1 matrix would spread
    0 * inf = NaN to all of them. Past the end of the shortest run, only the runs still going are added to.
    """
    xp = xp_of(x)
    lead = (slice(None),) * axis
    lengths = stops - starts
    spacing = np.diff(starts)
    step = int(spacing[0]) if spacing.size else 1
    evenly = step > 0 and (spacing == step).all()
    sums = None
    with xp.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN and a huge sum inf, silently as in PyTorch
        for k in range(int(lengths.max())):
            if k >= lengths.min():  # some runs have ended
                ongoing = np.flatnonzero(k < lengths)
                sums[lead + (xp.asarray(ongoing),)] += xp.take(x, xp.asarray(starts[ongoing] + k), axis=axis)
            elif evenly:  # a view
                offset = x[lead + (slice(starts[0] + k, starts[-1] + k + 1, step),)]
                sums = offset.copy() if sums is None else xp.add(sums, offset, out=sums)
            else:  # a new array
                offset = xp.take(x, xp.asarray(starts + k), axis=axis)
                sums = offset if sums is None else xp.add(sums, offset, out=sums)
    return sums


def _covering(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per input position h along an axis, the run of windows holding it: [a_h, b_h).

    a_h is the first window ending after h, b_h the first starting after it (the windows are sorted by both).
    """
    positions = np.arange(ends[-1])
    return np.searchsorted(ends, positions, side="right"), np.searchsorted(starts, positions, side="right")


class AdaptiveAvgPool2dFn(Primitive):
    """y = sum of each window / its size: average pooling onto a fixed (Ho, Wo) grid, PyTorch's windows.

    Output cell i along an axis of length n averages [floor(i n / o), ceil((i + 1) n / o)), so the
    windows tile the input (overlapping where o does not divide n). The forward sums the windows along
    H, then along W, each window on its own (:func:`_run_sums`), so an inf stays in its windows as in
    PyTorch. The backward is the same operation transposed: input element h gets dy / size from the
    windows holding it, a run of outputs [a_h, b_h) (:func:`_covering`), so dx is again run sums, of dy.
    Output (1, 1) is global average pooling. Shapes: x (N, C, H, W); y (N, C, Ho, Wo).
    """

    @staticmethod
    def forward(ctx, x, output_size):
        xp = xp_of(x)
        rows, cols = (_adaptive_windows(n, o) for n, o in zip(x.shape[2:], output_size))
        area = xp.asarray(np.outer(rows[1] - rows[0], cols[1] - cols[0]), dtype=x.dtype)
        ctx.windows, ctx.area = (rows, cols), area
        y = _run_sums(_run_sums(x, *rows, axis=2), *cols, axis=3)  # rows first: whole rows of W at a time
        y /= area
        return y

    @staticmethod
    def backward(ctx, grad):
        (row_starts, row_ends), (col_starts, col_ends) = ctx.windows
        share = grad / ctx.area
        across = _run_sums(share, *_covering(col_starts, col_ends), axis=3)
        return _run_sums(across, *_covering(row_starts, row_ends), axis=2)


# ----------------------------------------------------------------------------- functional forms
def _pool_args(name: str, input: Tensor, kernel_size, stride, padding, dilation=1) -> tuple:
    if input.ndim not in (3, 4):
        raise ShapeError(f"{name} expects input (N, C, H, W) or (C, H, W), got shape {tuple(input.shape)}")
    kernel = _tuple(kernel_size, 2, "kernel_size")
    stride = kernel if stride is None or stride == () else _tuple(stride, 2, "stride")
    padding, dilation = _tuple(padding, 2, "padding"), _tuple(dilation, 2, "dilation")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise ShapeError(
            f"{name}: kernel_size, stride and dilation must be positive, got {kernel}, {stride}, {dilation}"
        )
    if any(p < 0 or p > k // 2 for p, k in zip(padding, kernel)):
        raise ShapeError(f"{name}: padding must be between 0 and half the kernel size {kernel}, got {padding}")
    return kernel, stride, padding, dilation


def _batched(input: Tensor, run) -> Tensor:
    """Run a 4-D op on (C, H, W) input too, as PyTorch does for unbatched images."""
    if input.ndim == 4:
        return run(input)
    y = run(input.reshape(1, *input.shape))
    return y.reshape(y.shape[1:])


def _check_pool_output(name: str, input: Tensor, kernel, stride, padding, dilation, ceil_mode) -> None:
    out = tuple(pool_output_size(*args, ceil_mode) for args in zip(input.shape[-2:], kernel, stride, padding, dilation))
    check_kernel_fits(name, input.shape, kernel, padding, dilation, out)


def max_pool2d(
    input: Tensor,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    dilation: int | tuple = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Largest value of each kh x kw window, with ``torch.nn.functional.max_pool2d``'s arguments (fused op).

    y[n, c, p, q] = max_{i, j} x_pad[n, c, p s_h + i d_h, q s_w + j d_w], x_pad padded with -inf.
    ``stride`` defaults to the kernel size. Ties send the gradient to the first maximal element of
    the window in row-major order, as PyTorch does. Shapes: (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo)
    with Ho = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1 (ceil with ``ceil_mode``).
    """
    return _extreme_pool2d("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, largest=True)


def min_pool2d(
    input: Tensor,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    dilation: int | tuple = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Smallest value of each window: ``-max_pool2d(-x)`` in one pass (padding with +inf), same arguments.

    Ties send the gradient to the first minimal element of the window in row-major order, which is
    what ``-max_pool2d(-x)`` does in PyTorch.
    """
    return _extreme_pool2d("min_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, largest=False)


def _extreme_pool2d(name: str, input: Tensor, kernel_size, stride, padding, dilation, ceil_mode, largest: bool):
    """Max (``largest``) or min pooling: one kernel, checked arguments, batched or not."""
    kernel, stride, padding, dilation = _pool_args(name, input, kernel_size, stride, padding, dilation)
    _check_pool_output(name, input, kernel, stride, padding, dilation, ceil_mode)
    options = dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    return _batched(input, lambda x: MaxPool2dFn.apply(x, **options, largest=largest))


def avg_pool2d(
    input: Tensor,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean of each kh x kw window, with ``torch.nn.functional.avg_pool2d``'s arguments (fused op).

    y[n, c, p, q] = (1 / divisor) sum_{i, j} x_pad[n, c, p s_h + i, q s_w + j], zero padding; the divisor
    is kh*kw by default (padding counted), see :class:`AvgPool2dFn`. ``stride`` defaults to the kernel size.
    """
    kernel, stride, padding, dilation = _pool_args("avg_pool2d", input, kernel_size, stride, padding)
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override < 1):
        raise ValueError(f"avg_pool2d: divisor_override must be a positive int, got {divisor_override}")
    _check_pool_output("avg_pool2d", input, kernel, stride, padding, dilation, ceil_mode)
    return _batched(
        input,
        lambda x: AvgPool2dFn.apply(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override),
    )


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Average pooling onto a fixed (Ho, Wo) grid, ``torch.nn.functional.adaptive_avg_pool2d``'s windows.

    ``output_size`` is an int, a pair, or a pair with None (keep that input size); ``1`` is global
    average pooling, y[n, c] = mean over H, W. Shapes: (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo).
    """
    if input.ndim not in (3, 4) or 0 in input.shape[-2:]:
        raise ShapeError(
            f"adaptive_avg_pool2d expects input (N, C, H, W) or (C, H, W) with H, W > 0, got {tuple(input.shape)}"
        )
    sizes = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got {output_size}")
    sizes = tuple(n if o is None else o for o, n in zip(sizes, input.shape[-2:]))
    if min(sizes) < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size}")
    return _batched(input, lambda x: AdaptiveAvgPool2dFn.apply(x, output_size=sizes))
