"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from .optimizer import AT_LEAST_0, Optimizer


class SGD(Optimizer):
    """Gradient descent, step for step as ``torch.optim.SGD``.

    g = grad + weight_decay * p
    b = g on the first step, else momentum * b + (1 - dampening) * g   (if momentum)
    g = g + momentum * b if nesterov else b
    p = p - lr * g

    Momentum: Polyak (1964); the Nesterov form as in Sutskever et al. (2013). Whether the
    batches are the full set, one sample or a mini-batch is the data loader's choice.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ):
        settings = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
        super().__init__(params, {**settings, "nesterov": nesterov, "maximize": maximize})

    bounds = {"lr": AT_LEAST_0, "momentum": AT_LEAST_0, "weight_decay": AT_LEAST_0}

    def _check_settings(self, settings: dict) -> None:
        super()._check_settings(settings)
        if settings["nesterov"] and (settings["momentum"] <= 0 or settings["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, param, grad, state, group):
        grad = self._objective_gradient(param, grad, group)
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param._data -= group["lr"] * grad
