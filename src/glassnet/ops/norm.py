"""Batch normalisation: one fused kernel over any set of reduction axes, channel axis 1.

The same kernel serves (N, C) with axes (0,), (N, C, L) with axes (0, 2) and (N, C, H, W)
with axes (0, 2, 3): every statistic is kept with ``keepdims`` so it broadcasts back over x.
"""

from __future__ import annotations

from ..autograd import Primitive
from ..backend import xp_of
from ..errors import ShapeError
from ..tensor import Tensor


class BatchNormFn(Primitive):
    """Training-mode batch norm: y = w x_hat + b with x_hat = (x - mean) / sqrt(var + eps).

    mean and the biased var are taken over ``axes`` (m elements per channel). With
    g_hat = dy * w, the backward is the closed form

        dx = (inv_std / m) (m g_hat - sum(g_hat) - x_hat sum(g_hat x_hat)),
        dw = sum(dy x_hat),  db = sum(dy),

    the sums running over ``axes``. ``weight`` and ``bias`` are (C,) arrays or None.

    Like ``torch.batch_norm``, the forward folds the batch statistics into ``running_mean`` and
    ``running_var`` in place when they are given (arrays of shape (C,)):
    r <- (1 - momentum) r + momentum s, with s the mean and the unbiased variance var m / (m - 1).
    They are computed once, here, for both uses.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, axes, eps, running_mean=None, running_var=None, momentum=0.1):
        xp = xp_of(x)
        mean = x.mean(axis=axes, keepdims=True)
        count = x.size // mean.size
        x_hat = x - mean
        var = (x_hat * x_hat).mean(axis=axes, keepdims=True)
        inv_std = 1 / xp.sqrt(var + eps)
        x_hat *= inv_std
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean.reshape(running_mean.shape)
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += (momentum * count / (count - 1)) * var.reshape(running_var.shape)
        ctx.axes, ctx.channels = axes, mean.shape
        ctx.save_for_backward(x_hat, inv_std, weight)
        if weight is None and bias is None:
            return x_hat
        y = x_hat * weight.reshape(mean.shape) if weight is not None else x_hat.copy()
        if bias is not None:
            y += bias.reshape(mean.shape)  # y is a fresh array: add in place
        return y

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std, weight = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad
        axes = ctx.axes
        # sum(g_hat) = w sum(dy) and sum(g_hat x_hat) = w sum(dy x_hat): two reductions serve all three grads
        sum_dy = grad.sum(axis=axes, keepdims=True) if need_x or need_b else None
        sum_dy_xhat = (grad * x_hat).sum(axis=axes, keepdims=True) if need_x or need_w else None
        grad_x = grad_w = grad_b = None
        if need_x:
            m = x_hat.size // inv_std.size
            scale = inv_std if weight is None else inv_std * weight.reshape(inv_std.shape)
            grad_x = grad - sum_dy / m
            grad_x -= x_hat * (sum_dy_xhat / m)
            grad_x *= scale
        if need_w:
            grad_w = sum_dy_xhat.reshape(-1)
        if need_b:
            grad_b = sum_dy.reshape(-1)
        return grad_x, grad_w, grad_b


def _array(t):
    return t._data if isinstance(t, Tensor) else t


def batch_norm(
    input: Tensor,
    running_mean,
    running_var,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch norm over every axis but the channel axis 1, with ``torch.nn.functional.batch_norm``'s arguments.

    ``input`` is (N, C, *); ``weight``, ``bias``, ``running_mean`` and ``running_var`` are (C,).
    Training: normalise by the batch mean and biased variance (fused op :class:`BatchNormFn`) and,
    when running statistics are given, update them in place with ``momentum``.
    Evaluation: normalise by the running statistics, a fixed per-channel affine map
    y = x s + (b - running_mean s) with s = w / sqrt(running_var + eps), built from primitives.
    """
    if input.ndim < 2:
        raise ShapeError(f"batch_norm expects input of shape (N, C, *), got shape {tuple(input.shape)}")
    axes = (0,) + tuple(range(2, input.ndim))
    if training:
        if input.numel() // input.shape[1] == 1:
            raise ShapeError(
                f"batch_norm expects more than 1 value per channel when training, got input of shape "
                f"{tuple(input.shape)}"
            )
        return BatchNormFn.apply(
            input,
            weight,
            bias,
            axes=axes,
            eps=eps,
            running_mean=_array(running_mean),
            running_var=_array(running_var),
            momentum=momentum,
        )
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm with training=False needs running_mean and running_var")
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    inv_std = 1 / xp_of(input._data).sqrt(_array(running_var) + eps)
    mean = _array(running_mean)
    scale = inv_std if weight is None else weight * inv_std
    shift = -mean * scale if bias is None else bias - mean * scale
    return input * scale.reshape(shape) + shift.reshape(shape)
