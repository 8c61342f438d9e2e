"""Activation modules: one-line forwards over :mod:`glassnet.functional`.

Any shape. Float32 or float64 input; ReLU, Sigmoid and Tanh also take integers, as in PyTorch.
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module
from .validation import check_axes, check_dtype


class ReLU(Module):
    """max(x, 0): gradient 1 for x > 0, else 0, so units can 'die' (see ``glassnet.diagnostics``).

    ``inplace=True`` writes the result into the input tensor, as PyTorch does.
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x, integers=True)
        return F.relu(x, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x: a small gradient keeps negative units alive."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x for x > 0, else alpha (e**x - 1): smooth, negative outputs push mean activations toward 0."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.elu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """log(1 + e**(beta x)) / beta: a smooth ReLU whose derivative is the sigmoid."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Sigmoid(Module):
    """1 / (1 + e**-x) in (0, 1); its derivative is at most 1/4, which is why deep stacks vanish."""

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x, integers=True)
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x) = 2 sigmoid(2x) - 1 in (-1, 1): zero-centred, derivative at most 1."""

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x, integers=True)
        return F.tanh(x)


class Softmax(Module):
    """Softmax along ``dim``: non-negative outputs that sum to 1."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        check_axes(self, x, dim=self.dim)
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably; pair with ``NLLLoss``."""

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        check_axes(self, x, dim=self.dim)
        return F.log_softmax(x, self.dim)
