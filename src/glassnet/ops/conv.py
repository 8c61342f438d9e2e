"""Convolution as im2col and GEMM, with a hand-written backward that never scatters per pixel.

Layout. Inside the kernel an image batch lives *batch-innermost*, as a (C, H, W, N) array, and a
convolution hands its output out as the (N, C, H, W) transpose of such an array: a view, not a
copy. Shapes seen by users are always PyTorch's (N, C, H, W); only the memory order differs. The
batch axis innermost makes every copy and addition below run over contiguous stretches of W*N (or
N) numbers instead of rows of W: the patch copy, the col2im additions and the pooling slices all
become long vector operations, while NumPy's elementwise ops keep the layout of their operands,
so the next convolution finds its input already in place.

Forward, for input x (N, C, H, W), weight w (O, C/g, kh, kw), g groups, stride s, dilation d::

    cols[c, i, j, p, q, n] = x_pad[n, c, p s_h + i d_h, q s_w + j d_w]               (one strided copy)
    y[n, o, p, q]          = sum_{c,i,j} w[o, c, i, j] cols[c, i, j, p, q, n] + b[o]   (GEMM)

Backward, with dy the output gradient viewed as (O, Ho Wo N)::

    dw = dy cols^T                   (GEMM, on cols copied again)
    db = sum of dy over p, q, n
    dcols = w^T dy                   (GEMM)
    dx_pad[:, i d_h + s_h p, j d_w + s_w q, :] += dcols[:, i, j]   for each kernel offset (i, j)

The last line is col2im written as kh*kw strided slice additions (one per kernel offset, each over
the whole batch), instead of a scatter over pixels; the padding is then cropped away.

GEMMs. Each product is one ``matmul`` call, batched over the Ho output rows: the columns (p, q, n)
of the (K, Ho Wo N) matrices split into Ho blocks of Wo N (a single row, as in conv1d, into blocks
of about 2048 columns), and dw sums its partial products.
The arithmetic is that of one GEMM, but every block fits in cache: for LeNet's first layer (K = 25)
this runs three times faster than the single (6 x 25) x (25 x 50176) product, and it avoids
OpenBLAS's multi-threaded path for dw's long inner dimension, which stalls for milliseconds on
a busy machine.

Memory. The whole ``cols`` is kh*kw times the size of the input (4.8 MiB for LeNet's first layer at
batch 64, four times its output). It is never built whole: forward and backward walk the column blocks
in runs of about 1 MiB of patches (:func:`_runs`), each copied into one buffer that the call allocates
and frees, and the backward's ``dcols`` and col2im go run by run in the same buffer. Nothing is held
between a forward and its backward or between steps, and a run's patches are still in cache when its
GEMM reads them. The price is a few more NumPy calls per layer (LeNet: 11 runs instead of 2 copies).

Transposed convolution (:class:`ConvTranspose2dFn`) runs the same pieces the other way round: its
forward is conv2d's input gradient (GEMM, then col2im), its backward a conv2d (im2col, then GEMMs).

Reference: Chellapilla, Puri & Simard, "High Performance Convolutional Neural Networks for
Document Processing" (2006), which introduced the unrolling (im2col) of convolutions into a GEMM.
"""

from __future__ import annotations

from numpy.lib.stride_tricks import as_strided

from ..autograd import Primitive
from ..backend import xp_of
from ..errors import ShapeError
from ..tensor import Tensor


# ----------------------------------------------------------------------------- geometry
def _tuple(value, n: int, name: str) -> tuple:
    """An int repeated ``n`` times, or a sequence of ``n`` ints, as a tuple of ints."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value}")
    return value


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int | tuple = 0, dilation: int = 1) -> int:
    """Output length of a convolution along one axis: floor((n + p_before + p_after - d (k - 1) - 1) / s) + 1.

    ``padding`` is one int (both sides) or a (before, after) pair.
    """
    before, after = (padding, padding) if isinstance(padding, int) else padding
    return (size + before + after - dilation * (kernel - 1) - 1) // stride + 1


def transposed_output_size(
    size: int, kernel: int, stride: int = 1, padding: int | tuple = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a transposed convolution along one axis: (n - 1) s - p_before - p_after + d (k - 1) + op + 1.

    The smallest input length that a convolution of the same geometry maps to ``size``, plus
    ``output_padding``, which picks among the s such lengths. ``padding`` as in :func:`conv_output_size`.
    """
    before, after = (padding, padding) if isinstance(padding, int) else padding
    return (size - 1) * stride - before - after + dilation * (kernel - 1) + output_padding + 1


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' padding along one axis, at any stride: the output length is ceil(n / s).

    The total padding is the least that lets ceil(n / s) windows of span d (k - 1) + 1 fit::

        total = max((ceil(n / s) - 1) s + d (k - 1) + 1 - n, 0),   before = total // 2,   after = total - before

    so an odd total puts the extra row or column at the bottom or right, as TensorFlow does. At
    stride 1 the total is d (k - 1) and this is exactly PyTorch's ``padding='same'``.
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def resolve_padding(padding, spatial: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """((before, after), ...) per spatial axis from 'valid', 'same', an int or a tuple of ints."""
    n = len(spatial)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            return tuple(same_padding(*args) for args in zip(spatial, kernel, stride, dilation))
        raise ValueError(f"padding must be 'valid', 'same', an int or a tuple of {n} ints, got {padding!r}")
    padding = _tuple(padding, n, "padding")
    if any(p < 0 for p in padding):
        raise ValueError(f"padding must be non-negative, got {padding}")
    return tuple((p, p) for p in padding)


def batch_innermost(x, padding: tuple = ((0, 0), (0, 0))):
    """x (N, C, H, W) as a (C, H + pads, W + pads, N) array with zero borders: a view if already laid out so."""
    (top, bottom), (left, right) = padding
    chwn = x.transpose(1, 2, 3, 0)
    if not (top or bottom or left or right) and chwn.flags.c_contiguous:
        return chwn
    n, c, h, w = x.shape
    xp = xp_of(x)
    padded = xp.empty((c, h + top + bottom, w + left + right, n), dtype=x.dtype)
    if top or bottom or left or right:
        padded[...] = 0
    padded[:, top : top + h, left : left + w, :] = chwn
    return padded


_RUN_BYTES = 1 << 20  # patches copied per run: about what a core's L2 cache holds


class _Run:
    """A run of consecutive column blocks: ``blocks`` of the GEMMs (``count`` of them), the output ``rows`` and
    ``cols`` they cover, and their ``size`` in columns."""

    __slots__ = ("blocks", "count", "rows", "cols", "size")

    def __init__(self, blocks: slice, rows: slice, cols: slice, columns: int):
        self.blocks, self.count = blocks, blocks.stop - blocks.start
        self.rows, self.cols, self.size = rows, cols, columns


def _runs(k: int, out_size: tuple, n: int, dtype, xp) -> tuple[int, list[_Run], object]:
    """The GEMMs' column blocks (:func:`_column_blocks`) in runs of at most ``_RUN_BYTES`` of patches (at least
    one block each), for a patch matrix of ``k`` rows: the block count, the runs, and a flat buffer that holds
    the largest run's patches (allocated here, freed with the caller's frame)."""
    ho, wo = out_size
    blocks = _column_blocks(ho, wo, n)
    columns = ho * wo * n // blocks  # per block
    step = max(1, _RUN_BYTES // max(k * columns * dtype.itemsize, 1))
    runs = []
    for first in range(0, blocks, step):
        last = min(first + step, blocks)
        if ho == 1:  # a single output row (conv1d): its blocks split its columns
            width = wo // blocks
            rows, cols = slice(0, 1), slice(first * width, last * width)
        else:  # a block per output row
            rows, cols = slice(first, last), slice(0, wo)
        runs.append(_Run(slice(first, last), rows, cols, (last - first) * columns))
    return blocks, runs, xp.empty(k * max(run.size for run in runs), dtype=dtype)


def _windows(source, kernel, stride, dilation, out_size):
    """Every patch of a (C, Hp, Wp, N) source as a read-only (C, kh, kw, Ho, Wo, N) view: no copy."""
    c, _, _, n = source.shape
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_size
    cs, hs, ws, ns = source.strides
    return as_strided(source, (c, kh, kw, ho, wo, n), (cs, hs * dh, ws * dw, hs * sh, ws * sw, ns), writeable=False)


def _im2col(windows, groups: int, run: _Run, buffer):
    """The patches of ``run`` from :func:`_windows`, copied into the front of ``buffer`` (a flat array), as
    (groups, C/groups kh kw, the run's Ho Wo N columns)."""
    c, kh, kw = windows.shape[:3]
    patches = windows[:, :, :, run.rows, run.cols]
    cols = buffer[: patches.size].reshape(patches.shape)
    cols[...] = patches
    return cols.reshape(groups, (c // groups) * kh * kw, run.size)  # sizes spelled out: n may be 0


# ----------------------------------------------------------------------------- the fused op
class Conv2dFn(Primitive):
    """y = conv2d(x, w) + b as im2col and a (grouped, row-batched) GEMM; dw, db, dx by GEMMs and kh*kw slice adds.

    Shapes: x (N, C, H, W), weight (O, C / groups, kh, kw), bias (O,) or None; y (N, O, Ho, Wo) with
    Ho = floor((H + p_top + p_bottom - d_h (kh - 1) - 1) / s_h) + 1 (and Wo likewise), batch-innermost
    in memory. ``padding`` is ((top, bottom), (left, right)); ``stride`` and ``dilation`` are pairs.
    See the module docstring for the equations.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
        xp = xp_of(x)
        n, _, h, width = x.shape
        out_channels, _, kh, kw = weight.shape
        ho, wo = (conv_output_size(*args) for args in zip((h, width), (kh, kw), stride, padding, dilation))
        source = batch_innermost(x, padding)
        w = weight.reshape(groups, out_channels // groups, -1)
        y = xp.empty((groups, out_channels // groups, ho * wo * n), dtype=x.dtype)
        blocks, runs, buffer = _runs(groups * w.shape[2], (ho, wo), n, x.dtype, xp)
        y_blocks = _rows(y, blocks)
        windows = _windows(source, (kh, kw), stride, dilation, (ho, wo))
        for run in runs:
            cols = _im2col(windows, groups, run, buffer)
            xp.matmul(_per_row(w), _rows(cols, run.count), out=y_blocks[:, run.blocks])
        if bias is not None:
            y += bias.reshape(groups, -1, 1)  # y is a fresh array: add in place
        ctx.save_for_backward(source, weight)
        ctx.geometry = (x.shape, (kh, kw), stride, padding, dilation, (ho, wo), groups)
        return y.reshape(out_channels, ho, wo, n).transpose(3, 0, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        source, weight = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad
        x_shape, kernel, stride, padding, dilation, (ho, wo), groups = ctx.geometry
        xp = xp_of(grad)
        out_channels = weight.shape[0]
        w = weight.reshape(groups, out_channels // groups, -1)
        # (O, Ho, Wo N) per group: free when grad is batch-innermost (the layout these ops produce), else one copy
        dy = grad.transpose(1, 2, 3, 0).reshape(groups, out_channels // groups, ho * wo * x_shape[0])
        blocks, runs, buffer = _runs(groups * w.shape[2], (ho, wo), x_shape[0], grad.dtype, xp)
        dy_blocks = _rows(dy, blocks)
        grad_x = grad_w = grad_b = None
        if need_w:  # dw = sum over column blocks of cols_block dy_block^T
            partial = xp.empty((groups, blocks, w.shape[2], w.shape[1]), dtype=grad.dtype)
            windows = _windows(source, kernel, stride, dilation, (ho, wo))
            for run in runs:
                cols = _im2col(windows, groups, run, buffer)
                xp.matmul(_rows(cols, run.count), dy_blocks[:, run.blocks].swapaxes(2, 3), out=partial[:, run.blocks])
            grad_w = partial.sum(axis=1).swapaxes(1, 2).reshape(weight.shape)
        if need_b:
            grad_b = dy.sum(axis=2).reshape(out_channels)
        if need_x:  # dcols = w^T dy, run by run, each added into dx by col2im
            dx = xp.zeros(source.shape, dtype=grad.dtype)
            _add_col2im(dx, w, dy_blocks, runs, buffer, kernel, stride, dilation)
            grad_x = _crop(dx, x_shape, padding)
        return grad_x, grad_w, grad_b


def _column_blocks(ho: int, wo: int, n: int) -> int:
    """How many blocks the Ho Wo N columns of the GEMMs split into (see the module docstring).

    The Ho output rows; for a single row (conv1d), the largest divisor of Wo giving blocks of at least
    about 2048 columns.
    """
    if ho > 1:
        return ho
    target = max(1, wo * n // 2048)
    return max(d for d in range(1, min(wo, target) + 1) if wo % d == 0)


def _rows(matrix, blocks: int):
    """(groups, k, Ho Wo N) as a (groups, blocks, k, Ho Wo N / blocks) view: one GEMM operand per column block."""
    groups, k, columns = matrix.shape
    return matrix.reshape(groups, k, blocks, columns // blocks).swapaxes(1, 2)


def _per_row(weight):
    """(groups, O, K) as (groups, 1, O, K): the same weight for every output row of a batched GEMM."""
    return weight[:, None]


def _add_col2im(dx, w, blocks, runs: list[_Run], buffer, kernel, stride, dilation) -> None:
    """dx += col2im(w^T m), run by run: conv2d's input gradient (m = dy) and conv_transpose2d's forward (m = x).

    ``w`` is the (groups, O, K) weight, ``blocks`` the column blocks (:func:`_rows`) of m (groups, O, Ho Wo N),
    and each run's dcols = w^T m goes through ``buffer`` on its way into dx (C, Hp, Wp, N).
    """
    groups, _, k = w.shape
    for run in runs:
        dcols = buffer[: groups * k * run.size].reshape(groups, k, run.size)
        xp_of(dx).matmul(_per_row(w).swapaxes(2, 3), blocks[:, run.blocks], out=_rows(dcols, run.count))
        _col2im_add(dx, dcols, kernel, stride, dilation, run)


def _col2im_add(dx, dcols, kernel, stride, dilation, run: _Run) -> None:
    """Add a run's dcols (groups, C/groups kh kw, its columns) into dx (C, Hp, Wp, N): one strided slice
    addition per kernel offset, each over the whole batch."""
    c, _, _, n = dx.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    (p0, p1), (q0, q1) = (run.rows.start, run.rows.stop), (run.cols.start, run.cols.stop)
    dcols = dcols.reshape(c, kh, kw, p1 - p0, q1 - q0, n)
    for i in range(kh):
        rows = slice(i * dh + sh * p0, i * dh + sh * (p1 - 1) + 1, sh)
        for j in range(kw):
            dx[:, rows, j * dw + sw * q0 : j * dw + sw * (q1 - 1) + 1 : sw] += dcols[:, i, j]


def _crop(padded, x_shape, padding):
    """The (N, C, H, W) view of a padded (C, Hp, Wp, N) array without its padding."""
    _, _, h, w = x_shape
    (top, _), (left, _) = padding
    return padded[:, top : top + h, left : left + w].transpose(3, 0, 1, 2)


class ConvTranspose2dFn(Primitive):
    """y = conv_transpose2d(x, w) + b: the input gradient of conv2d, as a GEMM and col2im; its backward is a conv2d.

    Shapes: x (N, C, H, W), weight (C, O / groups, kh, kw), bias (O,) or None; y (N, O, Ho, Wo) with
    Ho = (H - 1) s_h - p_top - p_bottom + d_h (kh - 1) + op_h + 1 (and Wo likewise), batch-innermost in
    memory. ``padding`` is ((top, bottom), (left, right)); ``stride``, ``dilation`` and ``output_padding``
    are pairs. Read as a conv2d from y to x with the same weight (O / groups inputs, C outputs per group)::

        dcols = w^T x                                        (GEMM, x viewed as (C, H W N) per group)
        y_pad[:, i d_h + s_h p, j d_w + s_w q, :] += dcols[:, i, j]   for each kernel offset (i, j)

    then y is y_pad cropped by the padding: its output_padding extra rows and columns at the bottom and
    right receive no term. Backward, with dy padded back to y_pad's size and unfolded by im2col::

        dx = w cols                  (conv2d of dy: GEMM)
        dw = x cols^T                (GEMM)
        db = sum of dy over n, p, q
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=((0, 0), (0, 0)), output_padding=(0, 0),
                dilation=(1, 1), groups=1):  # fmt: skip
        xp = xp_of(x)
        n, channels, h, width = x.shape
        _, group_out, kh, kw = weight.shape
        out_size = tuple(
            transposed_output_size(*args)
            for args in zip((h, width), (kh, kw), stride, padding, output_padding, dilation)
        )
        (top, bottom), (left, right) = padding
        padded_shape = (group_out * groups, out_size[0] + top + bottom, out_size[1] + left + right, n)
        source = batch_innermost(x)  # (C, H, W, N): kept for dw
        columns = source.reshape(groups, channels // groups, h * width * n)
        w = weight.reshape(groups, channels // groups, -1)
        blocks, runs, buffer = _runs(groups * w.shape[2], (h, width), n, x.dtype, xp)
        y_pad = xp.zeros(padded_shape, dtype=x.dtype)
        _add_col2im(y_pad, w, _rows(columns, blocks), runs, buffer, (kh, kw), stride, dilation)
        y = _crop(y_pad, (n, padded_shape[0], *out_size), padding)
        if bias is not None:
            y += bias.reshape(-1, 1, 1)  # y is a view of a fresh array: add in place
        ctx.save_for_backward(columns, weight)
        ctx.geometry = (x.shape, (kh, kw), stride, padding, dilation, groups)
        return y

    @staticmethod
    def backward(ctx, grad):
        columns, weight = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad
        x_shape, kernel, stride, padding, dilation, groups = ctx.geometry
        xp = xp_of(grad)
        n, channels, h, width = x_shape
        grad_x = grad_w = grad_b = None
        if need_x or need_w:
            # cols (groups, O/groups kh kw, H W N), run by run: the patches of dy that each input pixel wrote into
            w = weight.reshape(groups, channels // groups, -1)
            blocks, runs, buffer = _runs(groups * w.shape[2], (h, width), n, grad.dtype, xp)
            x_blocks = _rows(columns, blocks)
            dx = xp.empty((groups, channels // groups, h * width * n), dtype=grad.dtype) if need_x else None
            dx_blocks = _rows(dx, blocks) if need_x else None
            partial = xp.empty((groups, blocks, channels // groups, w.shape[2]), grad.dtype) if need_w else None
            windows = _windows(batch_innermost(grad, padding), kernel, stride, dilation, (h, width))
            for run in runs:
                cols = _rows(_im2col(windows, groups, run, buffer), run.count)
                if need_x:  # dx = w cols, a conv2d of dy
                    xp.matmul(_per_row(w), cols, out=dx_blocks[:, run.blocks])
                if need_w:  # dw = sum over column blocks of x_block cols_block^T
                    xp.matmul(x_blocks[:, run.blocks], cols.swapaxes(2, 3), out=partial[:, run.blocks])
            if need_x:
                grad_x = dx.reshape(channels, h, width, n).transpose(3, 0, 1, 2)
            if need_w:
                grad_w = partial.sum(axis=1).reshape(weight.shape)
        if need_b:
            grad_b = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b


# ----------------------------------------------------------------------------- functional forms
def _check_conv_args(
    name: str, x_shape: tuple, weight_shape: tuple, bias, groups: int, stride, dilation, transposed: bool = False
) -> None:
    """Groups, channels, bias, stride and dilation of a convolution; ``transposed``: weight (C, O / groups, ...)."""
    channels = x_shape[1]
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups}")
    if transposed:
        out_channels = weight_shape[1] * groups
        fits = channels == weight_shape[0] and channels % groups == 0
        expected = f"expected input channels = weight.shape[0] = {weight_shape[0]}, divisible by groups"
    else:
        out_channels = weight_shape[0]
        fits = channels == weight_shape[1] * groups and out_channels % groups == 0
        expected = (
            f"expected input channels = weight.shape[1] * groups = {weight_shape[1] * groups}, "
            f"and out channels {out_channels} divisible by groups"
        )
    if not fits:
        raise ShapeError(
            f"{name}: input with {channels} channels and weight of shape {tuple(weight_shape)} do not fit "
            f"groups={groups} ({expected})"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ShapeError(f"{name}: bias must have shape ({out_channels},), got {tuple(bias.shape)}")
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{name}: stride and dilation must be positive, got stride={stride}, dilation={dilation}")


def check_output_padding(name: str, output_padding: tuple, stride: tuple, dilation: tuple) -> None:
    """Raise ValueError unless each output_padding is in [0, max(stride, dilation)), PyTorch's bound."""
    if any(not 0 <= op < max(s, d) for op, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(
            f"{name}: output_padding must be non-negative and smaller than either the stride or the dilation, "
            f"got output_padding={output_padding}, stride={stride}, dilation={dilation}"
        )


def check_kernel_fits(name: str, shape: tuple, kernel: tuple, padding, dilation, output: tuple) -> None:
    """Raise ShapeError when an input (..., *spatial) is too small for the kernel: an output axis would be empty."""
    if min(output) < 1:
        raise ShapeError(
            f"{name}: input {tuple(shape)} is too small for kernel {kernel}: with dilation {dilation} the kernel is "
            f"larger than the padded input (padding {padding}), which must be at least as large as its kernel; it "
            f"would give an output of spatial size {output}"
        )


def _check_output_size(name: str, shape: tuple, kernel: tuple, stride, padding, dilation) -> None:
    spatial = shape[len(shape) - len(kernel) :]  # batched or not: the shape the caller gave
    output = tuple(conv_output_size(*args) for args in zip(spatial, kernel, stride, padding, dilation))
    check_kernel_fits(name, shape, kernel, padding, dilation, output)


def _as_image_batch(name: str, input: Tensor, weight: Tensor, weight_layout: str) -> tuple:
    """The input's shape, the input as a batch (an unbatched (C, H, W) image gets N = 1), and whether it was one."""
    shape, unbatched = tuple(input.shape), input.ndim == 3
    if input.ndim not in (3, 4) or weight.ndim != 4:
        raise ShapeError(
            f"{name} expects input (N, C, H, W) or (C, H, W) and weight {weight_layout}, "
            f"got input {shape} and weight {tuple(weight.shape)}"
        )
    return shape, input.reshape(1, *shape) if unbatched else input, unbatched


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple = 1,
    padding: str | int | tuple = 0,
    dilation: int | tuple = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation with ``torch.nn.functional.conv2d``'s arguments (fused op :class:`Conv2dFn`).

    y[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] x_pad[n, g(o) C/groups + c, p s_h + i d_h, q s_w + j d_w]

    Shapes: input (N, C, H, W) or unbatched (C, H, W); weight (O, C / groups, kh, kw); bias (O,);
    output (N, O, Ho, Wo) with Ho = floor((H + p_top + p_bottom - d_h (kh - 1) - 1) / s_h) + 1.

    ``padding``: 'valid' (none), an int or (p_h, p_w) pair (zeros on both sides), or 'same', which pads
    so that Ho = ceil(H / s_h) at any stride, computed as TensorFlow does (see :func:`same_padding`:
    an odd total puts the extra row/column at the bottom/right). PyTorch accepts 'same' only at
    stride 1, where the two agree.
    """
    shape, input, unbatched = _as_image_batch("conv2d", input, weight, "(O, C/groups, kh, kw)")
    stride, dilation = _tuple(stride, 2, "stride"), _tuple(dilation, 2, "dilation")
    _check_conv_args("conv2d", input.shape, weight.shape, bias, groups, stride, dilation)
    kernel = tuple(weight.shape[2:])
    padding = resolve_padding(padding, input.shape[2:], kernel, stride, dilation)
    _check_output_size("conv2d", shape, kernel, stride, padding, dilation)
    y = Conv2dFn.apply(input, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return y.reshape(y.shape[1:]) if unbatched else y


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple = 1,
    padding: str | int | tuple = 0,
    dilation: int | tuple = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation over sequences, with ``torch.nn.functional.conv1d``'s arguments.

    y[n, o, t] = b[o] + sum_{c, i} w[o, c, i] x_pad[n, g(o) C/groups + c, t s + i d]

    Shapes: input (N, C, L) or unbatched (C, L), channels before time as in PyTorch (a batch-first
    sequence (N, T, F) is ``x.transpose(1, 2)``); weight (O, C / groups, k); bias (O,); output
    (N, O, Lo) with Lo = floor((L + p_left + p_right - d (k - 1) - 1) / s) + 1. ``padding`` as in
    :func:`conv2d` ('same' gives Lo = ceil(L / s)). Runs the 2-D kernel on (N, C, 1, L): views, no copy.
    """
    shape, unbatched = tuple(input.shape), input.ndim == 2
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise ShapeError(
            f"conv1d expects input (N, C, L) or (C, L) and weight (O, C/groups, k), "
            f"got input {tuple(input.shape)} and weight {tuple(weight.shape)}"
        )
    if unbatched:
        input = input.reshape(1, *input.shape)
    stride, dilation = _tuple(stride, 1, "stride"), _tuple(dilation, 1, "dilation")
    _check_conv_args("conv1d", input.shape, weight.shape, bias, groups, stride, dilation)
    kernel = tuple(weight.shape[2:])
    (pad,) = resolve_padding(padding, input.shape[2:], kernel, stride, dilation)
    _check_output_size("conv1d", shape, kernel, stride, (pad,), dilation)
    n, c, length = input.shape
    y = Conv2dFn.apply(
        input.reshape(n, c, 1, length),
        weight.reshape(weight.shape[0], weight.shape[1], 1, kernel[0]),
        bias,
        stride=(1, stride[0]),
        padding=((0, 0), pad),
        dilation=(1, dilation[0]),
        groups=groups,
    )
    y = y.reshape(n, y.shape[1], y.shape[3])
    return y.reshape(y.shape[1:]) if unbatched else y


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple = 1,
    padding: int | tuple = 0,
    output_padding: int | tuple = 0,
    groups: int = 1,
    dilation: int | tuple = 1,
) -> Tensor:
    """2-D transposed convolution, ``torch.nn.functional.conv_transpose2d``'s arguments (:class:`ConvTranspose2dFn`).

    The adjoint of :func:`conv2d` in its input: every input pixel adds the kernel, scaled by its value,
    into the output at s times its position, and the padding is then cropped from the borders::

        y_pad[n, g(c) O/groups + o, p s_h + i d_h, q s_w + j d_w] += x[n, c, p, q] w[c, o, i, j]
        y = y_pad[:, :, p_h : p_h + Ho, p_w : p_w + Wo] + b

    Shapes: input (N, C, H, W) or unbatched (C, H, W); weight (C, O / groups, kh, kw), PyTorch's layout;
    bias (O,); output (N, O, Ho, Wo) with Ho = (H - 1) s_h - 2 p_h + d_h (kh - 1) + op_h + 1.
    ``padding`` is an int or (p_h, p_w) pair (no 'same'); ``output_padding`` (each smaller than the
    stride or the dilation along its axis) adds rows and columns at the bottom and right, to reach an
    output size that a stride > 1 makes ambiguous. Reference: Dumoulin & Visin, "A guide to convolution
    arithmetic for deep learning" (2016).
    """
    shape, input, unbatched = _as_image_batch("conv_transpose2d", input, weight, "(C, O/groups, kh, kw)")
    stride, dilation = _tuple(stride, 2, "stride"), _tuple(dilation, 2, "dilation")
    output_padding = _tuple(output_padding, 2, "output_padding")
    _check_conv_args("conv_transpose2d", input.shape, weight.shape, bias, groups, stride, dilation, transposed=True)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        raise ValueError(f"conv_transpose2d: padding must be an int or a tuple of 2 ints, got {padding!r}")
    padding = resolve_padding(padding, input.shape[2:], kernel, stride, dilation)
    check_output_padding("conv_transpose2d", output_padding, stride, dilation)
    if min(input.shape[2:]) < 1:
        raise ShapeError(f"conv_transpose2d: input {shape} has an empty spatial axis; H, W must be > 0")
    output = tuple(transposed_output_size(*args) for args in zip(input.shape[2:], kernel, stride, padding,
                                                                    output_padding, dilation))  # fmt: skip
    if min(output) < 1:
        raise ShapeError(
            f"conv_transpose2d: input {shape} with kernel {kernel}, stride {stride}, dilation {dilation} and "
            f"output_padding {output_padding} would give an output of spatial size {output}: padding "
            f"{tuple(p for p, _ in padding)} crops more than the whole output"
        )
    y = ConvTranspose2dFn.apply(input, weight, bias, stride=stride, padding=padding, output_padding=output_padding,
                                dilation=dilation, groups=groups)  # fmt: skip
    return y.reshape(y.shape[1:]) if unbatched else y
