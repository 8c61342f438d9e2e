"""Adam (with AMSGrad and L2 weight decay) and AdamW (decoupled weight decay): one update rule, two names."""

from __future__ import annotations

import math

from ..backend import xp_of
from ..errors import check_hyperparameter
from .optimizer import ABOVE_0, AT_LEAST_0, IN_0_1, Optimizer


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
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * (grad * grad)
        if group["amsgrad"]:
            v = xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])

        bias_correction1 = 1 - beta1**t
        bias_correction2 = 1 - beta2**t
        denom = xp.sqrt(v)
        denom /= math.sqrt(bias_correction2)
        denom += eps
        update = m / denom
        update *= lr / bias_correction1
        param._data -= update


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
