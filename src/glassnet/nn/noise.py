"""Corruption layers for denoising autoencoders: additive Gaussian noise and masking, in training only.

Like dropout they are random in training and the identity in eval; unlike dropout they do not rescale,
since the decoder must restore the clean input, not its expectation (Vincent et al., 2008 and 2010).
"""

from __future__ import annotations

import numpy as np

from ..backend import default_rng
from ..tensor import Tensor
from .module import Module
from .validation import check_input, check_probability


class GaussianNoise(Module):
    """Additive Gaussian corruption x~ = x + std * eps, eps ~ N(0, I), in training; the identity in eval.

    Shapes: any input; output of the same shape. ``rng`` or, when None, the global generator at call
    time. Vincent et al. (2010) use it for real-valued inputs.
    """

    def __init__(self, std: float = 0.1, rng: np.random.Generator | None = None):
        super().__init__()
        if std < 0:
            raise ValueError(f"noise std must be >= 0, got {std}")
        self.std, self.rng = std, rng

    def forward(self, x: Tensor) -> Tensor:
        check_input(self, x, ("*",))
        if not self.training or self.std == 0:
            return x
        noise = (self.rng or default_rng()).standard_normal(x.shape, dtype=x.dtype)
        return x + noise * x.dtype.type(self.std)

    def extra_repr(self) -> str:
        return f"std={self.std}"


class MaskingNoise(Module):
    """Masking corruption: each element set to 0 with probability ``p`` in training; the identity in eval.

    x~ = x * m, m ~ Bernoulli(1 - p) elementwise, not rescaled. Vincent et al. (2008) force a fixed
    fraction of each input to zero; drawing each element independently gives that fraction on average.
    Shapes: any input; output of the same shape.
    """

    def __init__(self, p: float = 0.25, rng: np.random.Generator | None = None):
        super().__init__()
        check_probability("masking", p)
        self.p, self.rng = p, rng

    def forward(self, x: Tensor) -> Tensor:
        check_input(self, x, ("*",))
        if not self.training or self.p == 0:
            return x
        keep = (self.rng or default_rng()).random(x.shape) >= self.p  # P(u >= p) = 1 - p
        return x * keep.astype(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}"
