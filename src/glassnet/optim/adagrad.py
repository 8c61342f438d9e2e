"""Adagrad: per-coordinate step sizes from the sum of all past squared gradients."""

from __future__ import annotations

from ..backend import xp_of
from .optimizer import ABOVE_0, AT_LEAST_0, Optimizer


class Adagrad(Optimizer):
    """Adaptive gradient, step for step as ``torch.optim.Adagrad``.

    t = t + 1
    g = grad + weight_decay * p
    lr_t = lr / (1 + (t - 1) * lr_decay)
    s = s + g**2                                        (state ``sum``, starts at initial_accumulator_value)
    p = p - lr_t * g / (sqrt(s) + eps)

    Coordinates with a large gradient history take small steps and rarely-updated ones take large
    steps; since s only grows, the effective learning rate of every coordinate only shrinks.

    Args:
        params: parameters, or a list of parameter-group dicts.
        lr: learning rate, >= 0.
        lr_decay: the 1 / (1 + (t - 1) * lr_decay) decay of lr over steps, >= 0.
        weight_decay: L2 coefficient added to the gradient, >= 0.
        initial_accumulator_value: starting value of s, >= 0.
        eps: added to the denominator after the square root, > 0 (0 would make a zero gradient 0 / 0).
        maximize: ascend the objective instead of descending.

    Reference: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", JMLR 12 (2011).
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ):
        settings = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay)
        super().__init__(
            params, {**settings, "initial_accumulator_value": initial_accumulator_value, "maximize": maximize}
        )
        # Like PyTorch, the accumulators exist from the start, so state_dict() lists every parameter.
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = self._fresh_state(p, group)

    bounds = {
        "lr": AT_LEAST_0,
        "lr_decay": AT_LEAST_0,
        "weight_decay": AT_LEAST_0,
        "initial_accumulator_value": AT_LEAST_0,
        "eps": ABOVE_0,
    }

    @staticmethod
    def _fresh_state(param, group) -> dict:
        return {"step": 0, "sum": xp_of(param._data).full_like(param._data, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group):
        xp = xp_of(param._data)
        if not state:  # a parameter missing from a loaded state_dict starts afresh
            state.update(self._fresh_state(param, group))
        state["step"] += 1
        grad = self._objective_gradient(param, grad, group)
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])

        state_sum = state["sum"]
        state_sum += grad * grad
        denom = xp.sqrt(state_sum)
        denom += group["eps"]
        update = grad / denom
        update *= lr_t
        param._data -= update
