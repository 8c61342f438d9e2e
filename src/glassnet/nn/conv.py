"""Convolution layers: Conv1d over sequences, Conv2d and ConvTranspose2d over images, with PyTorch's parameters."""

from __future__ import annotations

import math

import numpy as np

from ..backend import default_float
from ..ops.conv import _tuple, check_output_padding, transposed_output_size
from ..tensor import Tensor
from ..tensor import device as cpu_device
from . import functional as F
from . import init
from .module import Module, Parameter
from .validation import check_input


class _ConvNd(Module):
    """What the convolution layers share: parameters, initialisation, argument checks and repr.

    ``weight`` (out_channels, in_channels / groups, *kernel_size), or (in_channels, out_channels / groups,
    *kernel_size) for a transposed convolution, and ``bias`` (out_channels,), both drawn from
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.shape[1] * prod(kernel_size), PyTorch's
    default (its kaiming_uniform_ with a = sqrt(5) gives that bound, over the fan it reads off the weight).
    """

    _spatial: tuple  # names of the axes after the channels: ("H", "W") or ("L",)
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple,
        stride: int | tuple = 1,
        padding: str | int | tuple = 0,
        dilation: int | tuple = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
        rng: np.random.Generator | None = None,
    ):
        super().__init__()
        n = len(self._spatial)
        if device is not None:
            cpu_device(device)  # raises for anything but the CPU
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible by groups ({groups})"
            )
        if padding_mode != "zeros":
            raise ValueError(f"only padding_mode='zeros' is supported, got {padding_mode!r}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'valid', 'same', an int or a tuple, got {padding!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.stride, self.dilation = _tuple(stride, n, "stride"), _tuple(dilation, n, "dilation")
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n, "padding")
        self.output_padding = (0,) * n  # a transposed layer sets its own
        self.padding_mode = padding_mode
        dtype = np.dtype(dtype or default_float())
        channels = (in_channels, out_channels // groups) if self.transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(np.empty((*channels, *self.kernel_size), dtype))
        self.register_parameter("bias", Parameter(np.empty(out_channels, dtype)) if bias else None)
        self.reset_parameters(rng)

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
        bound = 1 / math.sqrt(fan_in) if fan_in else 0
        init.uniform_(self.weight, -bound, bound, rng)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, rng)

    def _check_input(self, x) -> None:
        """(N, C_in, *spatial) or unbatched (C_in, *spatial), of the weight's dtype.

        Empty spatial axes are refused, as PyTorch does; an empty batch (N = 0) runs, as in PyTorch. An
        input too small for the kernel is refused by the op, whose error the layer then names.
        """
        spatial, channels = self._spatial, self.in_channels
        check_input(self, x, ("N", channels, *spatial), (channels, *spatial), dtype=self.weight.dtype,
                    nonempty=spatial)  # fmt: skip

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * len(self._spatial):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * len(self._spatial):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self._spatial):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over images: y = w * x + b, PyTorch's layer.

    y[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] x_pad[n, c, p s_h + i d_h, q s_w + j d_w]
    (channels within o's group when ``groups`` > 1), computed as im2col and one GEMM (``F.conv2d``).

    ``padding``: 'valid', an int or (p_h, p_w) pair of zeros, or 'same' (output size ceil(H / s) at any
    stride, TensorFlow's padding, extra on the bottom/right; see ``glassnet.ops.conv.same_padding``).

    Shapes: input (N, C_in, H, W) or (C_in, H, W); output (N, C_out, Ho, Wo) with
    Ho = floor((H + p_top + p_bottom - d_h (kh - 1) - 1) / s_h) + 1. Parameters ``weight``
    (C_out, C_in / groups, kh, kw) and ``bias`` (C_out,), PyTorch's names and layout, so a PyTorch
    ``state_dict`` loads unchanged. Reference: LeCun et al., "Gradient-based learning applied to
    document recognition" (1998).
    """

    _spatial = ("H", "W")

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over sequences: y[n, o, t] = b[o] + sum_{c, i} w[o, c, i] x_pad[n, c, t s + i d].

    Shapes: input (N, C_in, L) or (C_in, L), channels before time as in PyTorch (a batch-first
    sequence (N, T, F) is ``x.transpose(1, 2)``); output (N, C_out, Lo) with
    Lo = floor((L + p_left + p_right - d (k - 1) - 1) / s) + 1 ('same': ceil(L / s)).
    Parameters ``weight`` (C_out, C_in / groups, k) and ``bias`` (C_out,), as in PyTorch.
    """

    _spatial = ("L",)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution over images (the adjoint of Conv2d in its input), PyTorch's layer.

    Each input pixel adds the kernel, scaled by its value, into the output at s times its position; the
    output is cropped by ``padding`` on every side (``F.conv_transpose2d``)::

        y_pad[n, o, p s_h + i d_h, q s_w + j d_w] += x[n, c, p, q] w[c, o, i, j];   y = crop(y_pad) + b[o]

    It upsamples (DCGAN's generator: stride 2, kernel 4, padding 1 doubles H and W). ``output_padding``
    adds rows and columns at the bottom and right, to reach a size that a stride > 1 makes ambiguous; or
    pass ``output_size`` to ``forward`` and it is worked out, as in PyTorch.

    Shapes: input (N, C_in, H, W) or (C_in, H, W); output (N, C_out, Ho, Wo) with
    Ho = (H - 1) s_h - 2 p_h + d_h (kh - 1) + op_h + 1. Parameters ``weight`` (C_in, C_out / groups, kh, kw)
    and ``bias`` (C_out,), PyTorch's names and layout. Reference: Zeiler et al., "Deconvolutional
    networks" (2010); Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (2016).
    """

    _spatial = ("H", "W")
    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple,
        stride: int | tuple = 1,
        padding: int | tuple = 0,
        output_padding: int | tuple = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple = 1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
        rng: np.random.Generator | None = None,
    ):
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a tuple of 2 ints, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, rng)  # fmt: skip
        self.output_padding = _tuple(output_padding, 2, "output_padding")
        check_output_padding("ConvTranspose2d", self.output_padding, self.stride, self.dilation)

    def forward(self, x: Tensor, output_size: tuple | None = None) -> Tensor:
        self._check_input(x)
        output_padding = self.output_padding if output_size is None else self._output_padding(x, output_size)
        return F.conv_transpose2d(
            x, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )

    def _output_padding(self, x: Tensor, output_size) -> tuple:
        """The output_padding that gives ``output_size`` ((Ho, Wo), or a whole output shape ending in them).

        Without output padding the output has the smallest size m; each of m .. m + s - 1 is reachable.
        """
        output_size = tuple(output_size)
        if len(output_size) not in (2, x.ndim):
            raise ValueError(f"{self!r}: output_size must have 2 or {x.ndim} entries, got {output_size}")
        output_size = output_size[-2:]
        geometry = zip(x.shape[-2:], self.kernel_size, self.stride, self.padding, (0, 0), self.dilation)
        smallest = tuple(transposed_output_size(*args) for args in geometry)
        largest = tuple(m + s - 1 for m, s in zip(smallest, self.stride))
        if not all(m <= size <= top for m, size, top in zip(smallest, output_size, largest)):
            raise ValueError(
                f"{self!r}: requested an output size of {output_size}, but valid sizes range from {smallest} to "
                f"{largest} (for an input of spatial size {tuple(x.shape[-2:])})"
            )
        return tuple(size - m for size, m in zip(output_size, smallest))
