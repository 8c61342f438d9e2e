"""Linear, Identity and Flatten."""

from __future__ import annotations

import math

import numpy as np

from ..backend import default_float
from ..errors import ShapeError
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter
from .validation import check_axes, check_input


class Linear(Module):
    """y = x W^T + b, W of shape (out_features, in_features) as in PyTorch.

    Input (*, in_features), output (*, out_features). Weight and bias start from
    U(-1/sqrt(in), 1/sqrt(in)), PyTorch's default, drawn from ``rng`` or the global generator.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None, rng=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        dtype = dtype or default_float()
        self.weight = Parameter(np.empty((out_features, in_features), dtype))
        self.register_parameter("bias", Parameter(np.empty(out_features, dtype)) if bias else None)
        self.reset_parameters(rng)

    def reset_parameters(self, rng=None) -> None:
        bound = 1 / math.sqrt(self.in_features) if self.in_features else 0
        init.uniform_(self.weight, -bound, bound, rng)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, rng)

    def forward(self, x: Tensor) -> Tensor:
        weight = self.weight  # a registered parameter: each attribute read goes through Module.__getattr__
        check_input(self, x, ("*", self.in_features), dtype=weight.dtype)
        return F.linear(x, weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """y = x: a placeholder that keeps a model's structure (and state_dict names) intact."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """Merge axes ``start_dim``..``end_dim`` into one: (N, C, H, W) -> (N, C*H*W) by default.

    Any dtype, as in PyTorch. Both axes must exist in the input (a 0-d input counts as 1-d), in order.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        check_axes(self, x, start_dim=self.start_dim, end_dim=self.end_dim)
        ndim = max(x.ndim, 1)
        if self.start_dim % ndim > self.end_dim % ndim:
            raise ShapeError(
                f"{self!r} expected start_dim to come before end_dim in the input, got {tuple(x.shape)}", self
            )
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: (N, 784) -> (N, 1, 28, 28), the inverse of Flatten."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        check_axes(self, x, dim=self.dim)
        dim = self.dim % max(x.ndim, 1)
        if math.prod(self.unflattened_size) != x.shape[dim]:
            raise ShapeError(
                f"{self!r}: sizes {self.unflattened_size} do not multiply to {x.shape[dim]} (input {tuple(x.shape)})"
            )
        return x.reshape(x.shape[:dim] + self.unflattened_size + x.shape[dim + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
