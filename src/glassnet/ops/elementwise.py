"""Elementwise primitives and activations. Each derivative sits under its forward.

Backwards return gradients in the broadcast shape; ``autograd.unbroadcast`` sums them back.
A backward never writes into the incoming ``grad``: it may be shared with another input.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Primitive, describe_shapes, op_name
from ..backend import default_float, xp_of
from ..errors import DTypeError, ShapeError
from ..tensor import Tensor
from .formulas import softplus, stable_sigmoid


def floating(x):
    """``x``, in the default dtype if integer or boolean: exp, log... of integers are floats, as in PyTorch."""
    return x if x.dtype.kind == "f" else x.astype(default_float())


def _broadcastable(arrays: list) -> bool:
    try:
        np.broadcast_shapes(*[a.shape for a in arrays if hasattr(a, "shape")])
    except ValueError:
        return False
    return True


class BroadcastingFn(Primitive):
    """An elementwise op whose inputs broadcast against each other, NumPy's (and PyTorch's) rule."""

    @classmethod
    def input_error(cls, error: ValueError, arrays: list) -> Exception:
        if _broadcastable(arrays):
            return super().input_error(error, arrays)
        return ShapeError(
            f"{op_name(cls)}: shapes {describe_shapes(arrays)} cannot be broadcast together "
            "(aligned from the last axis, sizes must be equal or 1)"
        )


class AddFn(BroadcastingFn):
    """y = a + b; dy/da = dy/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class SubFn(BroadcastingFn):
    """y = a - b; dy/da = 1, dy/db = -1."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class MulFn(BroadcastingFn):
    """y = a * b; dy/da = b, dy/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class DivFn(BroadcastingFn):
    """y = a / b; dy/da = 1/b, dy/db = -a/b**2 = -y/b."""

    @staticmethod
    def forward(ctx, a, b):
        y = a / b
        ctx.save_for_backward(b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        b, y = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad / b if need_a else None
        return grad_a, (-grad * y / b if need_b else None)


class NegFn(Primitive):
    """y = -x; dy/dx = -1."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class PowFn(BroadcastingFn):
    """y = a**b; dy/da = b a**(b-1), dy/db = y log(a).

    Where a**b is flat, PyTorch's zeros are kept: dy/da = 0 where b = 0 (not 0 * inf at a = 0) and
    dy/db = 0 where a = 0 and b >= 0 (not 0 * log 0).
    """

    @staticmethod
    def forward(ctx, a, b):
        y = a**b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        xp = xp_of(y)
        grad_a = grad_b = None
        if need_a and isinstance(b, xp.ndarray):
            with xp.errstate(divide="ignore", invalid="ignore"):
                grad_a = grad * xp.where(b == 0, 0, b * a ** (b - 1))
        elif need_a:
            grad_a = grad * b * a ** (b - 1) if b != 0 else xp.zeros_like(grad)
        if need_b:
            a = xp.asarray(a, dtype=y.dtype)  # a Python scalar base would give a float64 log(a)
            with xp.errstate(divide="ignore", invalid="ignore"):
                grad_b = grad * xp.where((a == 0) & (b >= 0), 0, y * xp.log(a))
        return grad_a, grad_b

    @classmethod
    def input_error(cls, error: ValueError, arrays: list) -> Exception:
        if _broadcastable(arrays):  # the shapes fit: NumPy refuses integers to negative integer powers, as PyTorch
            return DTypeError(f"Pow: {error} (input dtypes {[np.result_type(a) for a in arrays]}); use a float base")
        return super().input_error(error, arrays)


class ExpFn(Primitive):
    """y = e**x; dy/dx = y."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        y = xp_of(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * y


class LogFn(Primitive):
    """y = ln x; dy/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return xp_of(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / x


class SqrtFn(Primitive):
    """y = sqrt(x); dy/dx = 1 / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        y = xp_of(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad / (2 * y)


class SinFn(Primitive):
    """y = sin x; dy/dx = cos x."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return xp_of(x).sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * xp_of(x).cos(x)


class CosFn(Primitive):
    """y = cos x; dy/dx = -sin x."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return xp_of(x).cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return -grad * xp_of(x).sin(x)


class AbsFn(Primitive):
    """y = |x|; dy/dx = sign(x), 0 at 0 (PyTorch's choice)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * xp_of(x).sign(x)


class MaximumFn(BroadcastingFn):
    """y = max(a, b) elementwise; the larger input gets the gradient, ties split it in half."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp_of(a).maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        return _split_by_winner(grad, a > b, a == b)


class MinimumFn(BroadcastingFn):
    """y = min(a, b) elementwise; the smaller input gets the gradient, ties split it in half."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp_of(a).minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        return _split_by_winner(grad, a < b, a == b)


def _split_by_winner(grad, a_wins, tie):
    """Gradients of max/min(a, b): the winner takes ``grad``, a tie gives each half."""
    share_a = a_wins.astype(grad.dtype) + tie.astype(grad.dtype) * 0.5
    return grad * share_a, grad * (1 - share_a)


class WhereFn(BroadcastingFn):
    """y = a where cond else b; the gradient follows the branch taken."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return xp_of(cond).where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved
        zero = grad.dtype.type(0)
        _, need_a, need_b = ctx.needs_input_grad
        grad_a = xp_of(grad).where(cond, grad, zero) if need_a else None
        grad_b = xp_of(grad).where(cond, zero, grad) if need_b else None
        return None, grad_a, grad_b


class ClipFn(Primitive):
    """y = min(max(x, low), high); gradient 1 inside [low, high] (bounds included), else 0."""

    @staticmethod
    def forward(ctx, x, low=None, high=None):
        if isinstance(low, float) or isinstance(high, float):  # integers clipped to float bounds are floats
            x = floating(x)
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return xp_of(x).clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        inside = np.ones(x.shape, dtype=bool)
        if ctx.low is not None:
            inside &= x >= ctx.low
        if ctx.high is not None:
            inside &= x <= ctx.high
        return grad * inside


class CastFn(Primitive):
    """y = x in another dtype; the gradient is cast back."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)


_COMPARABLE = (Tensor, np.ndarray, np.generic, int, float, bool, list, tuple)


def compare(ufunc, a, b) -> Tensor:
    """Elementwise comparison: a boolean tensor outside the graph.

    NotImplemented for other kinds of object, so that theirs decides (``x == pytest.approx(1.0)``).
    """
    if not isinstance(b, _COMPARABLE):
        return NotImplemented
    a = a._data if isinstance(a, Tensor) else a
    b = b._data if isinstance(b, Tensor) else b
    return Tensor._wrap(ufunc(a, b))


# --------------------------------------------------------------------- activations


class SigmoidFn(Primitive):
    """y = 1 / (1 + e**-x), computed without overflow; dy/dx = y (1 - y)."""

    @staticmethod
    def forward(ctx, x):
        y = stable_sigmoid(floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * y * (1 - y)


class TanhFn(Primitive):
    """y = tanh(x); dy/dx = 1 - y**2 (computed from the output)."""

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        y = xp_of(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return grad * (1 - y * y)


class ReLUFn(Primitive):
    """y = max(x, 0); dy/dx = 1 where x > 0, else 0 (0 at x = 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        y = xp_of(x).maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        # the mask is written as 0s and 1s straight into the result, then scaled in place: no boolean
        # temporary (a quarter of y's size, at the moment of a CNN's peak memory), and 15% faster
        xp = xp_of(grad)
        dx = xp.greater(y, 0, out=xp.empty_like(grad))
        dx *= grad
        return dx


class LeakyReLUFn(Primitive):
    """y = x for x > 0, else slope * x; dy/dx = 1 or slope (slope at x = 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        x = floating(x)
        positive = x > 0
        ctx.save_for_backward(positive)
        ctx.slope = negative_slope
        return xp_of(x).where(positive, x, x * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved
        return xp_of(grad).where(positive, grad, grad * ctx.slope)


class ELUFn(Primitive):
    """y = x for x > 0, else alpha (e**x - 1); dy/dx = 1 or y + alpha."""

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        x = floating(x)
        xp = xp_of(x)
        positive = x > 0
        y = xp.where(positive, x, alpha * xp.expm1(xp.minimum(x, 0)))
        ctx.save_for_backward(positive, y)
        ctx.alpha = alpha
        return y

    @staticmethod
    def backward(ctx, grad):
        positive, y = ctx.saved
        return xp_of(grad).where(positive, grad, grad * (y + ctx.alpha))


class SoftplusFn(Primitive):
    """y = log(1 + e**(beta x)) / beta, linear above ``threshold``; dy/dx = sigmoid(beta x)."""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        x = floating(x)
        xp = xp_of(x)
        bx = beta * x
        y = xp.where(bx > threshold, x, softplus(bx) / beta)
        ctx.save_for_backward(bx)
        ctx.threshold = threshold
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (bx,) = ctx.saved
        return grad * xp_of(bx).where(bx > ctx.threshold, 1, stable_sigmoid(bx))
