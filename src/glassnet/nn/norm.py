"""Batch normalisation layers with PyTorch's parameters, buffers and running-statistics rule."""

from __future__ import annotations

import math

import numpy as np

from ..backend import default_float
from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from .module import Module, Parameter
from .validation import check_dtype, check_input


class _BatchNorm(Module):
    """What every BatchNorm{1,2}d shares; a subclass only names the input shapes it accepts (``_input_shapes``).

    Parameters ``weight`` (ones) and ``bias`` (zeros) of shape (C,) when ``affine``; buffers
    ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked`` (int64 0) when
    ``track_running_stats``, so a PyTorch ``state_dict`` loads unchanged.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype=None,
    ):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = np.dtype(dtype or default_float())
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype))
            self.bias = Parameter(np.zeros(num_features, dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            self.weight._data[...] = 1
            self.bias._data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        reference = self.weight if self.weight is not None else self.running_mean
        check_input(self, x, *self._input_shapes(), dtype=None if reference is None else reference.dtype)
        # without running statistics the batch statistics serve in eval mode too
        use_batch_stats = self.training or self.running_mean is None
        if use_batch_stats and math.prod(x.shape) <= x.shape[1]:
            raise ShapeError(
                f"{self!r} expected more than 1 value per channel to take batch statistics, got {tuple(x.shape)}", self
            )
        # PyTorch's rule: momentum=None means a cumulative average, factor 1/t at the t-th batch
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        update = not self.training or self.track_running_stats
        return F.batch_norm(
            x,
            self.running_mean if update else None,
            self.running_var if update else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Normalise each feature (channel) by its batch statistics, then scale and shift it.

    For input (N, C) or (N, C, L), channel c is normalised over the N (and L) values it takes in
    the batch, y = weight_c (x - mean_c) / sqrt(var_c + eps) + bias_c, which keeps every layer's
    input centred and scaled however the weights below it drift (Ioffe & Szegedy, 2015).

    Training uses the batch's own mean and biased variance, and the gradient flows through them;
    each step also folds them into ``running_mean`` and ``running_var`` (the unbiased variance):
    r <- (1 - momentum) r + momentum s, or a plain cumulative average when ``momentum`` is None.
    Eval uses those running estimates instead: a sample's output must not depend on which other
    samples share its batch (a batch of one has no variance at all), and the same input must give
    the same output every time. With ``track_running_stats=False`` there are no running estimates
    and batch statistics are used in both modes.

    Shapes: input (N, C) or (N, C, L), output the same. Parameters ``weight``, ``bias`` (C,);
    buffers ``running_mean``, ``running_var`` (C,) and ``num_batches_tracked`` (), as in PyTorch.
    """

    def _input_shapes(self) -> tuple:
        return ("N", self.num_features), ("N", self.num_features, "L")


class BatchNorm2d(_BatchNorm):
    """Batch norm over images: each channel normalised over its N*H*W values in the batch.

    y[n, c, h, w] = weight_c (x[n, c, h, w] - mean_c) / sqrt(var_c + eps) + bias_c, the statistics taken
    over (N, H, W): a convolution's channel shares one scale at every position, so its statistics
    pool all positions too (Ioffe & Szegedy, 2015, section 3.2). The same kernel as BatchNorm1d
    (``glassnet.ops.BatchNormFn`` over axes (0, 2, 3)); training, eval and running statistics exactly as there.

    Shapes: input (N, C, H, W), output the same. Parameters ``weight``, ``bias`` (C,); buffers
    ``running_mean``, ``running_var`` (C,) and ``num_batches_tracked`` (), as in PyTorch.
    """

    def _input_shapes(self) -> tuple:
        return (("N", self.num_features, "H", "W"),)


class LayerNorm(Module):
    """Normalise each sample over its last axes (``normalized_shape``), then scale and shift: PyTorch's LayerNorm.

    Parameters ``weight`` (ones) and ``bias`` (zeros) of ``normalized_shape`` when ``elementwise_affine``.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 dtype=None):  # fmt: skip
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        dtype = dtype or default_float()
        self.weight = Parameter(np.ones(shape, dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, dtype)) if elementwise_affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x, None if self.weight is None else self.weight.dtype)
        if tuple(x.shape[x.ndim - len(self.normalized_shape) :]) != self.normalized_shape:
            raise ShapeError(
                f"{self!r} expected input (..., {', '.join(map(str, self.normalized_shape))}), got {tuple(x.shape)}"
            )
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
