"""Inverted dropout: zero units at random in training and rescale the rest, so eval needs no change."""

from __future__ import annotations

import numpy as np

from ..autograd import Primitive
from ..backend import default_rng, xp_of
from ..tensor import Tensor


class Dropout(Primitive):
    """y = x * mask with mask = keep / (1 - p), keep ~ Bernoulli(1 - p); dy/dx = mask.

    Scaling the kept units by 1 / (1 - p) keeps E[y] = x, so the network needs no rescaling in
    eval mode (inverted dropout). ``p = 1`` drops everything and gives zeros.

    The keep-mask is drawn from ``rng`` (a ``numpy.random.Generator``) with shape ``mask_shape``
    (default: x's shape) and broadcast over x: (N, C, 1, 1) drops whole channels (dropout2d).
    """

    @staticmethod
    def forward(ctx, x, p, rng, mask_shape=None):
        keep = rng.random(x.shape if mask_shape is None else mask_shape) >= p  # P(u >= p) = 1 - p
        mask = xp_of(x).asarray(keep, dtype=x.dtype)
        if p < 1:  # for p = 1 nothing is kept (u < 1 always) and the mask is already zero
            mask /= 1 - p
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        return grad * mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True, rng: np.random.Generator | None = None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p); identity unless training.

    ``rng`` defaults to the global generator (``glassnet.manual_seed``), looked up at call time.
    With ``p = 0`` (or ``training=False``) the input itself is returned and no random number is drawn.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return input
    return Dropout.apply(input, p=p, rng=default_rng() if rng is None else rng)
