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
    """Softmax along ``dim``: non-negative outputs that sum to 1 (``dim=None``: PyTorch's implicit choice, warned)."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        if self.dim is not None:
            check_axes(self, x, dim=self.dim)
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably; pair with ``NLLLoss``."""

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        if self.dim is not None:
            check_axes(self, x, dim=self.dim)
        return F.log_softmax(x, self.dim)


class Softmin(Softmax):
    """softmax(-x) along ``dim``."""

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.softmin(x, self.dim)


class _Pointwise(Module):
    """An activation with no settings but ``inplace``: forward is one call of ``function``."""

    function = staticmethod(F.relu)

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return type(self).function(x, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU6(_Pointwise):
    """min(max(x, 0), 6)."""

    function = staticmethod(F.relu6)


class SELU(_Pointwise):
    """scale * elu(x, alpha) with the self-normalising constants (Klambauer et al., 2017)."""

    function = staticmethod(F.selu)


class SiLU(_Pointwise):
    """x * sigmoid(x), the swish."""

    function = staticmethod(F.silu)


class Mish(_Pointwise):
    """x * tanh(softplus(x))."""

    function = staticmethod(F.mish)


class CELU(Module):
    """max(0, x) + min(0, alpha (e**(x / alpha) - 1))."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.celu(x, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """x clamped to [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class Threshold(Module):
    """x where x > threshold, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.threshold(x, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x Phi(x); only ``approximate="tanh"`` is available (see :func:`glassnet.nn.functional.gelu`)."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.softsign(x)


class LogSigmoid(Module):
    """log sigmoid(x), exact for any x."""

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.logsigmoid(x)


class GLU(Module):
    """a * sigmoid(b) for the two halves a, b of the input along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
