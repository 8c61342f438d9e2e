"""Adadelta: per-parameter step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from ..backend import xp_of
from .optimizer import Optimizer, check_hyperparameter


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

    def _check_settings(self, settings: dict) -> None:
        check_hyperparameter("learning rate", settings["lr"])
        check_hyperparameter("rho value", settings["rho"], 0.0, 1.0)
        check_hyperparameter("epsilon value", settings["eps"], open_low=True)
        check_hyperparameter("weight_decay value", settings["weight_decay"])

    def _update(self, param, grad, state, group):
        xp = xp_of(param._data)
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param._data)
            state["acc_delta"] = xp.zeros_like(param._data)
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param._data
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * (grad * grad)
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * (delta * delta)
        param._data -= group["lr"] * delta
