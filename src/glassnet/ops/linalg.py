"""Matrix products (batched, broadcasting matmul and the fused linear layer) and the ``glassnet.linalg`` primitives.

The linear-algebra ops take matrices in the last two axes and any leading batch axes, which broadcast
as NumPy's ``linalg`` broadcasts them; their gradients come back in the broadcast shape and the backward
walk sums them to each input's. The user-facing checks and the vector forms of ``B`` live in
``glassnet.linalg``; these ops see matrices only.
"""

from __future__ import annotations

import math

from ..autograd import Primitive
from ..backend import xp_of
from ..errors import LinAlgError
from .reduce import products_of_others


class MatMulFn(Primitive):
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


class LinearFn(Primitive):
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


def _mT(a):
    """The matrices of ``a`` transposed (its last two axes swapped)."""
    return a.swapaxes(-1, -2)


def _singular(op: str, a, what: str) -> LinAlgError:
    """The error for a singular input, naming the first singular matrix of a batch (found only on failure)."""
    xp = xp_of(a)
    where = ""
    if a.ndim > 2:
        singular = xp.argwhere(xp.linalg.det(a) == 0)
        if len(singular):
            where = f" (batch element {tuple(int(i) for i in singular[0])})"
    return LinAlgError(f"linalg.{op}: {what}{where}; input shape {tuple(a.shape)}")


class InvFn(Primitive):
    """Y = A^-1 (batched); d(A^-1) = -A^-1 dA A^-1, so dA = -Y^T dY Y^T."""

    @staticmethod
    def forward(ctx, a):
        xp = xp_of(a)
        try:
            y = xp.linalg.inv(a)
        except xp.linalg.LinAlgError as error:
            message = "the matrix is singular (a zero pivot in its LU factorization): it has no inverse"
            raise _singular("inv", a, message) from error
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        yt = _mT(y)
        return -(yt @ grad @ yt)


class SolveFn(Primitive):
    """X = A^-1 B for square A (..., n, n) and B (..., n, k), batch axes broadcast.

    From A dX + dA X = dB: dB = A^-T dX (one more solve) and dA = -dB X^T.
    """

    @staticmethod
    def forward(ctx, a, b):
        xp = xp_of(a)
        try:
            x = xp.linalg.solve(a, b)
        except xp.linalg.LinAlgError as error:
            message = "A is singular (a zero pivot in its LU factorization), so AX = B has no unique solution"
            raise _singular("solve", a, message) from error
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved
        grad_b = xp_of(a).linalg.solve(_mT(a), grad)
        return (-(grad_b @ _mT(x)) if ctx.needs_input_grad[0] else None), grad_b


def cofactors(a):
    """C(A) with d det(A) = sum(C * dA): det(A) A^-T where A is invertible, and its limit where it is not.

    With A = U diag(s) V^T, C = det(U) det(V) U diag(prod_{j != i} s_j) V^T: no inverse and no division,
    so singular matrices (rank n - 1 keeps one non-zero term) get PyTorch's gradient too.
    """
    xp = xp_of(a)
    if not a.shape[-1]:
        return xp.zeros_like(a)
    u, s, vh = xp.linalg.svd(a)
    sign = xp.linalg.det(u) * xp.linalg.det(vh)  # +-1: U and V are orthogonal
    return (u * (products_of_others(s) * sign[..., None])[..., None, :]) @ vh


class DetFn(Primitive):
    """y = det(A) (batched); dy/dA = det(A) A^-T, computed as :func:`cofactors` so that it holds at singular A."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return xp_of(a).linalg.det(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved
        return cofactors(a) * grad[..., None, None]


def pseudo_inverse(a, rcond: float) -> tuple:
    """(A^+, s, rank): A^+ = V diag(1/s_i where s_i > rcond * max(s), else 0) U^T from the thin SVD A = U diag(s) V^T.

    ``a`` is (..., m, n); A^+ is (..., n, m), the singular values s (..., min(m, n)) in descending order and
    the rank (...) counts the ones kept.
    """
    xp = xp_of(a)
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    if not min(m, n):
        return xp.zeros(batch + (n, m), a.dtype), xp.zeros(batch + (0,), a.dtype), xp.zeros(batch, xp.int64)
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    keep = s > rcond * s[..., :1]
    inverse = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype)
    return (_mT(vh) * inverse[..., None, :]) @ _mT(u), s, keep.sum(axis=-1).astype(xp.int64)


class LstsqFn(Primitive):
    """X = A^+ B, the minimum-norm least-squares solution of AX = B, given ``pinv`` = A^+ (:func:`pseudo_inverse`).

    A (..., m, n), B (..., m, k), X (..., n, k). Where the rank of A does not change under small
    perturbations (full column or full row rank), Golub and Pereyra's derivative of A^+ gives, with
    W = A^+T dX, Z = A^+ W, the residual R = B - AX and the part of dX off the row space Q dX = dX - A^+ A dX:

        dB = W,    dA = -W X^T + R Z^T + A^+T X (Q dX)^T.

    For full column rank Q dX = 0 and Z = (A^T A)^-1 dX; for full row rank R = 0.
    Reference: G. H. Golub and V. Pereyra, SIAM J. Numer. Anal. 10(2), 1973.
    """

    @staticmethod
    def forward(ctx, a, b, pinv):
        x = pinv @ b
        ctx.save_for_backward(a, b, pinv, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, b, pinv, x = ctx.saved
        w = _mT(pinv) @ grad
        if not ctx.needs_input_grad[0]:
            return None, w
        residual = b - a @ x
        off_row_space = grad - pinv @ (a @ grad)
        grad_a = residual @ _mT(pinv @ w) - w @ _mT(x) + (_mT(pinv) @ x) @ _mT(off_row_space)
        return grad_a, w


class SingularValuesFn(Primitive):
    """s = the singular values of A (..., m, n), descending, (..., min(m, n)); dA = U diag(ds) V^T.

    Valid where the singular values are distinct and non-zero (the derivative of s_i is u_i v_i^T).
    """

    @staticmethod
    def forward(ctx, a):
        xp = xp_of(a)
        if not min(a.shape[-2:]):
            ctx.save_for_backward(None, None, a.shape)
            return xp.zeros(a.shape[:-2] + (0,), a.dtype)
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, vh, a.shape)
        return s

    @staticmethod
    def backward(ctx, grad):
        u, vh, shape = ctx.saved
        if u is None:
            return xp_of(grad).zeros(shape, grad.dtype)
        return (u * grad[..., None, :]) @ vh
