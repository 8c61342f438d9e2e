"""Inverted dropout: zero units at random in training and rescale the rest, so eval needs no change."""

from __future__ import annotations

from ..autograd import Primitive
from ..backend import xp_of


class DropoutFn(Primitive):
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
