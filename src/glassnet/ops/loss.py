"""Fused losses, where the composite would be slower or unstable."""

from __future__ import annotations

from ..autograd import Primitive
from ..backend import xp_of


class SoftmaxCrossEntropyFn(Primitive):
    """Per-sample loss_i = -sum_c q_ic log softmax(x)_ic, with dloss_i/dx_i = softmax(x_i) sum_c q_ic - q_i.

    ``q`` is the target distribution times the class weights: for class indices it is
    w_c ((1 - eps) [c = y_i] + eps / C) (label smoothing eps), zero on ignored rows; for
    probability targets it is w_c ((1 - eps) t_ic + eps / C). Logits are (N, C).
    Returns the per-sample losses, or ``scale * sum_i loss_i`` when ``scale`` is given (the mean
    or sum reduction folded in, so a training step records one node instead of three).
    """

    @staticmethod
    def forward(ctx, logits, q, scale=None):
        xp = xp_of(logits)
        with xp.errstate(invalid="ignore"):  # an inf logit gives nan, as in PyTorch, without a warning
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_p = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
            losses = -(q * log_p).sum(axis=1)
            if xp.isnan(losses).any():  # one pass over N values; rare: 0 * -inf from a class with a -inf logit
                rows = xp.isnan(losses) & ~xp.isnan(log_p).any(axis=1)
                losses[rows] = -xp.where(q[rows] == 0, 0, q[rows] * log_p[rows]).sum(axis=1)
        ctx.save_for_backward(log_p, q)
        ctx.scale = scale
        return losses if scale is None else losses.sum() * losses.dtype.type(scale)

    @staticmethod
    def backward(ctx, grad):
        log_p, q = ctx.saved
        p = xp_of(log_p).exp(log_p)
        per_sample = grad[:, None] if ctx.scale is None else grad * grad.dtype.type(ctx.scale)
        return (p * q.sum(axis=1, keepdims=True) - q) * per_sample, None


class BinaryCrossEntropyFn(Primitive):
    """loss = -(y log p + (1 - y) log(1 - p)) with logs clamped at -100, as PyTorch does.

    dloss/dp = (p - y) / max(p (1 - p), 1e-12): finite even at p = 0 or 1.
    """

    @staticmethod
    def forward(ctx, p, y):
        xp = xp_of(p)
        with xp.errstate(divide="ignore"):
            log_p = xp.maximum(xp.log(p), -100)
            log_1mp = xp.maximum(xp.log1p(-p), -100)
        ctx.save_for_backward(p, y)
        return -(y * log_p + (1 - y) * log_1mp)

    @staticmethod
    def backward(ctx, grad):
        p, y = ctx.saved
        xp = xp_of(p)
        return grad * (p - y) / xp.maximum(p * (1 - p), 1e-12), None
