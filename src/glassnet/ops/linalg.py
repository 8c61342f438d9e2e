"""Matrix products: batched, broadcasting matmul and the fused linear layer."""

from __future__ import annotations

import math

from ..autograd import Primitive


class MatMul(Primitive):
    """y = a @ b (batched, broadcasting); da = dy @ b^T, db = a^T @ dy.

    1-D operands are promoted to matrices as NumPy does and the promotion is undone on the way back.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.vector_a, ctx.vector_b = a.ndim == 1, b.ndim == 1
        a = a[None, :] if ctx.vector_a else a
        b = b[:, None] if ctx.vector_b else b
        ctx.save_for_backward(a, b)
        y = a @ b
        if ctx.vector_a:
            y = y[..., 0, :]
        return y[..., 0] if ctx.vector_b else y

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        if ctx.vector_b:  # undo the forward's squeezes in reverse order
            grad = grad[..., None]
        if ctx.vector_a:
            grad = grad[..., None, :]
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad @ b.swapaxes(-1, -2) if need_a else None
        grad_b = a.swapaxes(-1, -2) @ grad if need_b else None
        if ctx.vector_a and need_a:
            grad_a = grad_a[..., 0, :]
        if ctx.vector_b and need_b:
            grad_b = grad_b[..., 0]
        return grad_a, grad_b


class Linear(Primitive):
    """y = x W^T + b with W of shape (out, in), PyTorch's layout; one GEMM each way.

    dx = dy W, dW = dy^T x (leading axes of x folded into the batch), db = sum of dy over the batch.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias  # y is a fresh array: add in place
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        needs = ctx.needs_input_grad
        rows = math.prod(x.shape[:-1])  # not -1: in or out features may be 0
        flat = grad.reshape(rows, grad.shape[-1])
        grad_x = grad @ weight if needs[0] else None
        grad_w = flat.T @ x.reshape(rows, x.shape[-1]) if needs[1] else None
        grad_b = flat.sum(axis=0) if needs[2] else None
        return grad_x, grad_w, grad_b
