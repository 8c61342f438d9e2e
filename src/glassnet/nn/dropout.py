"""Dropout: random zeroing in training, identity in eval."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import functional as F
from .module import Module
from .validation import IMAGES, check_dtype, check_input, check_probability


class Dropout(Module):
    """Zero each element with probability ``p`` in training and scale the kept ones by 1 / (1 - p).

    The scaling (inverted dropout) keeps each unit's expected value, so ``eval()`` simply turns the
    layer into the identity. The mask comes from ``rng`` or, when it is None, from the global
    generator at call time, so ``glassnet.manual_seed`` makes runs repeatable (Srivastava et al., 2014).

    Shapes: any input; output of the same shape.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, rng: np.random.Generator | None = None):
        super().__init__()
        check_probability("dropout", p)
        self.p, self.inplace, self.rng = p, inplace, rng

    def forward(self, x: Tensor) -> Tensor:
        check_dtype(self, x)
        if self.inplace and self.training:
            return F.in_place(x, "Dropout(inplace=True)", lambda v: F.dropout(v, self.p, True, rng=self.rng))
        return F.dropout(x, self.p, self.training, rng=self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Zero whole channels with probability ``p`` in training and scale the kept ones by 1 / (1 - p).

    One Bernoulli draw per (sample, channel) feature map: adjacent pixels of a map are strongly
    correlated, so element-wise dropout hardly regularises a convolution while dropping maps does
    (Tompson et al., 2015). ``eval()`` makes it the identity. ``rng`` or the global generator as
    :class:`Dropout`.

    Shapes: input (N, C, H, W) or (C, H, W); output of the same shape.
    """

    def forward(self, x: Tensor) -> Tensor:
        check_input(self, x, *IMAGES)
        return F.dropout2d(x, self.p, self.training, self.inplace, rng=self.rng)
