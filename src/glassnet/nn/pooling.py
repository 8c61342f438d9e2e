"""Pooling layers: max, min, average and adaptive average pooling over images, PyTorch's arguments."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module
from .validation import IMAGES, check_input


def _check_images(layer: Module, x) -> None:
    """A float (N, C, H, W) or unbatched (C, H, W) input; PyTorch's pools refuse empty axes other than N.

    An input too small for one window is refused by the op itself, whose error the layer then names.
    """
    check_input(layer, x, *IMAGES, nonempty=("C", "H", "W"))


class _Pool2d(Module):
    """Kernel, stride (default: the kernel), padding, dilation and ceil_mode, stored as given (PyTorch's repr)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.padding, self.dilation, self.ceil_mode = kernel_size, padding, dilation, ceil_mode
        self.stride = kernel_size if stride is None else stride

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool2d(_Pool2d):
    """Largest value of each window: y[n, c, p, q] = max_{i, j} x_pad[n, c, p s_h + i d_h, q s_w + j d_w].

    Padding is -inf (never chosen). The gradient of each window goes to its first maximal element in
    row-major order, as in PyTorch. Shapes: (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo) with
    Ho = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1 (ceil with ``ceil_mode``). No parameters.
    Reference: Scherer, Mueller & Behnke, "Evaluation of pooling operations in convolutional
    architectures for object recognition" (2010).
    """

    def forward(self, x: Tensor) -> Tensor:
        _check_images(self, x)
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)


class MinPool2d(_Pool2d):
    """Smallest value of each window, min(x) = -max(-x): :class:`MaxPool2d` in the other direction.

    Padding is +inf; ties send the gradient to the first minimal element, as ``-max_pool2d(-x)`` does.
    Shapes as :class:`MaxPool2d`. No parameters.
    """

    def forward(self, x: Tensor) -> Tensor:
        _check_images(self, x)
        return F.min_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)


class AvgPool2d(Module):
    """Mean of each window: y[n, c, p, q] = (1 / divisor) sum_{i, j} x_pad[n, c, p s_h + i, q s_w + j].

    Zero padding, counted in the divisor (kh*kw) unless ``count_include_pad=False``; ``divisor_override``
    replaces the divisor. Shapes: (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo),
    Ho = floor((H + 2 p_h - kh) / s_h) + 1 (ceil with ``ceil_mode``). No parameters. Reference: the
    subsampling layers of LeCun et al., "Gradient-based learning applied to document recognition" (1998).
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ):
        super().__init__()
        self.kernel_size, self.padding, self.ceil_mode = kernel_size, padding, ceil_mode
        self.stride = kernel_size if stride is None else stride
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        _check_images(self, x)
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)  # fmt: skip

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling onto a fixed output grid, whatever the input size; ``AdaptiveAvgPool2d(1)`` is global.

    Output cell i along an axis of length n averages input [floor(i n / o), ceil((i + 1) n / o)), as in
    PyTorch. ``output_size``: an int, a pair, or a pair with None (keep that axis). Shapes:
    (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo). No parameters. Reference for global average pooling:
    Lin, Chen & Yan, "Network in network" (2014).
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        check_input(self, x, *IMAGES, nonempty=("H", "W"))  # PyTorch pools zero channels here, onto zero outputs
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
