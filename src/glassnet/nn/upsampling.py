"""Upsampling with PyTorch's ``nn.Upsample``: nearest neighbour by whole factors."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module
from .validation import check_input

_BATCHES = (("N", "C", "L"), ("N", "C", "H", "W"), ("N", "C", "D", "H", "W"))


class Upsample(Module):
    """Repeat each pixel s times along each spatial axis: y[n, c, i, j] = x[n, c, i // s_h, j // s_w].

    As PyTorch's ``nn.Upsample(size=None, scale_factor=None, mode="nearest")``, for whole scale factors
    (or a ``size`` that is a whole multiple of the input); see :func:`glassnet.nn.functional.interpolate`.
    Shapes: (N, C, L), (N, C, H, W) or (N, C, D, H, W) -> the same with each spatial size times its factor.
    """

    def __init__(
        self,
        size=None,
        scale_factor=None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ):
        super().__init__()
        self.size = size
        if scale_factor is not None:
            scale_factor = tuple(map(float, scale_factor)) if isinstance(scale_factor, tuple) else float(scale_factor)
        self.scale_factor, self.mode = scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        check_input(self, x, *_BATCHES, nonempty=("C", "L", "D", "H", "W"))
        return F.interpolate(
            x, self.size, self.scale_factor, self.mode, self.align_corners, self.recompute_scale_factor
        )

    def extra_repr(self) -> str:
        setting = f"scale_factor={self.scale_factor!r}" if self.scale_factor else f"size={self.size!r}"
        return f"{setting}, mode={self.mode!r}"
