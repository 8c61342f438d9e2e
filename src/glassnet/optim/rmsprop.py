"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

from ..backend import xp_of
from .optimizer import ABOVE_0, AT_LEAST_0, IN_0_1, Optimizer


class RMSprop(Optimizer):
    """Root-mean-square propagation, step for step as ``torch.optim.RMSprop``.

    g = grad + weight_decay * p
    v = alpha * v + (1 - alpha) * g**2                  (state ``square_avg``)
    a = alpha * a + (1 - alpha) * g                     (if centered; state ``grad_avg``)
    d = sqrt(v - a**2) + eps  if centered, else  sqrt(v) + eps
    b = momentum * b + g / d;  p = p - lr * b           (if momentum > 0; state ``momentum_buffer``)
    p = p - lr * g / d                                  (otherwise)

    The centered form divides by an estimate of the gradient's standard deviation rather than its
    root mean square (Graves, 2013). There is no bias correction: v starts at zero, so the first
    steps are larger than later ones by about 1 / sqrt(1 - alpha).

    Args:
        params: parameters, or a list of parameter-group dicts.
        lr: learning rate, >= 0.
        alpha: decay rate of the squared-gradient average, in [0, 1).
        eps: added to the denominator after the square root, > 0 (0 would make a zero gradient 0 / 0).
        weight_decay: L2 coefficient added to the gradient, >= 0.
        momentum: heavy-ball coefficient on the normalised step, >= 0.
        centered: subtract the squared mean gradient from v.
        maximize: ascend the objective instead of descending.

    References: Tieleman & Hinton, Coursera "Neural Networks for Machine Learning", lecture 6.5 (2012);
    Graves, "Generating Sequences With Recurrent Neural Networks", arXiv:1308.0850 (2013).
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ):
        settings = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, weight_decay=weight_decay)
        super().__init__(params, {**settings, "centered": centered, "maximize": maximize})

    bounds = {"lr": AT_LEAST_0, "alpha": IN_0_1, "eps": ABOVE_0, "weight_decay": AT_LEAST_0, "momentum": AT_LEAST_0}

    def _update(self, param, grad, state, group):
        xp = xp_of(param._data)
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param._data)
            if momentum > 0:
                state["momentum_buffer"] = xp.zeros_like(param._data)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param._data)
        state["step"] += 1

        grad = self._objective_gradient(param, grad, group)

        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * (grad * grad)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            denom = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denom = xp.sqrt(square_avg)
        denom += group["eps"]

        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / denom
            param._data -= group["lr"] * buf
        else:
            update = grad / denom
            update *= group["lr"]
            param._data -= update
