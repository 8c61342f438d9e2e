"""Adam (with AMSGrad and L2 weight decay) and AdamW (decoupled weight decay): one update rule, two names."""

from __future__ import annotations

import math

from ..backend import xp_of
from ..errors import check_hyperparameter
from .optimizer import ABOVE_0, AT_LEAST_0, IN_0_1, Optimizer

_FLAT_LIMIT = 1 << 16  # parameters of a group updated as one array (see Adam._update_group); larger ones gain nothing


class Adam(Optimizer):
    """Adaptive moment estimation, step for step as ``torch.optim.Adam``.

    t = t + 1
    g = grad + weight_decay * p                        (L2 decay, folded into the gradient)
    p = p * (1 - lr * weight_decay)                     (instead, if decoupled_weight_decay: AdamW)
    m = beta1 * m + (1 - beta1) * g                     (state ``exp_avg``)
    v = beta2 * v + (1 - beta2) * g**2                  (state ``exp_avg_sq``)
    v_max = max(v_max, v)                               (if amsgrad; state ``max_exp_avg_sq``)
    p = p - lr / (1 - beta1**t) * m / (sqrt(v / (1 - beta2**t)) + eps)     (v_max in place of v if amsgrad)

    The bias corrections undo the pull of the zero-initialised moments towards zero in early steps.
    eps is added after the square root and after the second bias correction, as in PyTorch
    (the paper's Algorithm 1 adds it to sqrt(v_hat) too).

    Args:
        params: parameters, or a list of parameter-group dicts.
        lr: learning rate, >= 0.
        betas: decay rates (beta1, beta2) of the first and second moment averages, each in [0, 1).
        eps: added to the denominator for stability, > 0 (PyTorch allows 0, which turns a gradient
            that is zero from the start into 0 / 0 = nan).
        weight_decay: L2 coefficient, >= 0. Coupled (added to the gradient, so it is rescaled
            by the adaptive denominator) unless ``decoupled_weight_decay``.
        amsgrad: normalise by the running maximum of v (Reddi et al., 2018).
        maximize: ascend the objective instead of descending.
        decoupled_weight_decay: shrink p directly by lr * weight_decay (AdamW).

    References: Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015;
    Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ):
        settings = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, {**settings, "decoupled_weight_decay": decoupled_weight_decay})

    bounds = {"lr": AT_LEAST_0, "eps": ABOVE_0, "weight_decay": AT_LEAST_0}

    def _check_settings(self, settings: dict) -> None:
        betas = settings["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
        super()._check_settings(settings)
        for k, beta in enumerate(betas):
            check_hyperparameter(f"beta parameter at index {k}", beta, *IN_0_1)

    def _update_group(self, params: list, group: dict) -> None:
        """Small parameters all at once: one pass of the rule over their concatenation, then one subtraction each.

        On a small model Adam's dozen elementwise calls per parameter cost more than their arithmetic (64 us
        for a 64-32-32-10 MLP's six parameters, against 9 us for SGD's step). The moments then live in one
        array per group whose pieces are the parameters' ``exp_avg`` and ``exp_avg_sq``, and every element goes
        through the same two functions as in :meth:`_update`, so the result is the same to the last bit. Used when
        the group has no decay, maximize or amsgrad, one dtype, under ``_FLAT_LIMIT`` elements, and every
        parameter has a gradient at the same step; otherwise parameter by parameter.
        """
        flat = self._flat_moments(params, group)
        if flat is None:
            super()._update_group(params, group)
            return
        (m, v), xp = flat, xp_of(flat[0])
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        grad = xp.concatenate([p._grad._data.reshape(-1) for p in params])
        t = self.state[params[0]]["step"] + 1
        for p in params:
            self.state[p]["step"] = t
        _average_moments(m, v, grad, beta1, beta2)
        update = _step(m, v, t, lr, beta1, beta2, eps)
        start = 0
        for p in params:
            p._data -= update[start : start + p._data.size].reshape(p._data.shape)
            start += p._data.size

    def _flat_moments(self, params: list, group: dict):
        """The group's moments as two flat arrays, made on its first step, or None where the flat path does not apply.

        The flat path stays only while the same parameters step together and their moments are still the pieces
        made for them (a loaded ``state_dict`` brings arrays of its own: parameter by parameter from then on).
        """
        if not params or group["amsgrad"] or group["maximize"] or group["weight_decay"]:
            return None
        states = [self.state.setdefault(p, {}) for p in params]
        cache = self.__dict__.setdefault("_flat", {})
        if id(group) in cache:
            members, moments, pieces = cache[id(group)]
            same = len(members) == len(params) and all(a is b for a, b in zip(members, params))
            intact = same and all(
                state.get("exp_avg") is m and state.get("exp_avg_sq") is v and state["step"] == states[0]["step"]
                for state, (m, v) in zip(states, pieces)
            )
            return moments if intact else None
        dtype, size = params[0]._data.dtype, sum(p._data.size for p in params)
        if any(states) or size > _FLAT_LIMIT or any(p._data.dtype != dtype or p._grad.dtype != dtype for p in params):
            return None
        xp = xp_of(params[0]._data)
        moments, pieces, start = (xp.zeros(size, dtype), xp.zeros(size, dtype)), [], 0
        for p, state in zip(params, states):
            m, v = (flat[start : start + p._data.size].reshape(p._data.shape) for flat in moments)
            state.update(step=0, exp_avg=m, exp_avg_sq=v)
            pieces.append((m, v))
            start += p._data.size
        cache[id(group)] = (list(params), moments, pieces)
        return moments

    def _update(self, param, grad, state, group):
        xp = xp_of(param._data)
        lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param._data)
            state["exp_avg_sq"] = xp.zeros_like(param._data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param._data)
        state["step"] += 1
        t = state["step"]

        if decay and group["decoupled_weight_decay"]:
            param._data *= 1 - lr * decay
            grad = -grad if group["maximize"] else grad
        else:
            grad = self._objective_gradient(param, grad, group)

        m, v = state["exp_avg"], state["exp_avg_sq"]
        _average_moments(m, v, grad, beta1, beta2)
        if group["amsgrad"]:
            v = xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        param._data -= _step(m, v, t, lr, beta1, beta2, eps)


def _average_moments(m, v, grad, beta1: float, beta2: float) -> None:
    """m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g**2, in place."""
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * (grad * grad)


def _step(m, v, t: int, lr: float, beta1: float, beta2: float, eps: float):
    """lr / (1 - beta1**t) * m / (sqrt(v / (1 - beta2**t)) + eps): the amount to subtract, bias-corrected."""
    denom = xp_of(v).sqrt(v)
    denom /= math.sqrt(1 - beta2**t)
    denom += eps
    update = m / denom
    update *= lr / (1 - beta1**t)
    return update


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``: p = p * (1 - lr * weight_decay) before the step.

    With plain (coupled) L2 decay the adaptive denominator also divides the decay term, so
    parameters with large gradient history are decayed less; decoupling shrinks every weight by
    the same factor. Unlike ``Adam(weight_decay=...)`` this is not the gradient of any penalty
    added to the loss. Everything else, including the state, is :class:`Adam`'s.

    Reference: Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)
