"""Embedding lookup: rows of a weight matrix picked by integer indices; the gradient is scattered back."""

from __future__ import annotations

from ..autograd import Primitive
from ..backend import xp_of


class EmbeddingFn(Primitive):
    """y[..., :] = W[idx[...], :] for integer indices idx of any shape; W is (num_embeddings, dim).

    dW[j] = sum of dy over the positions where idx == j (a scatter-add: repeated indices accumulate).
    The row ``padding_idx`` gets no gradient, so it stays as it was (zeros by default), as in PyTorch.
    The indices themselves are not differentiable.
    """

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None):
        ctx.save_for_backward(indices)
        ctx.shape, ctx.padding_idx = weight.shape, padding_idx
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved
        xp = xp_of(grad)
        grad_w = xp.zeros(ctx.shape, dtype=grad.dtype)
        xp.add.at(grad_w, indices.reshape(-1), grad.reshape(indices.size, ctx.shape[1]))  # not -1: dim may be 0
        if ctx.padding_idx is not None:
            grad_w[ctx.padding_idx] = 0
        return grad_w, None
