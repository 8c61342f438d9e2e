"""Adadelta: per-parameter step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from ..backend import xp_of
from .optimizer import ABOVE_0, AT_LEAST_0, IN_0_1, Optimizer


class Adadelta(Optimizer):
    """Adadelta, step for step as ``torch.optim.Adadelta``.

    g = grad + weight_decay * p
    v = rho * v + (1 - rho) * g**2
    d = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho * u + (1 - rho) * d**2
    p = p - lr * d

    The ratio of the two running averages gives the update the parameter's units, so no learning rate is
    needed in the paper (lr = 1). Zeiler, "ADADELTA: an adaptive learning rate method", arXiv:1212.5701, 2012.
    """

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    bounds = {"lr": AT_LEAST_0, "rho": IN_0_1, "eps": ABOVE_0, "weight_decay": AT_LEAST_0}

    def _update(self, param, grad, state, group):
        xp = xp_of(param._data)
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param._data)
            state["acc_delta"] = xp.zeros_like(param._data)
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        grad = self._objective_gradient(param, grad, group)
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * (grad * grad)
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * (delta * delta)
        param._data -= group["lr"] * delta
