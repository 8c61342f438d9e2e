"""L1 and L2 penalties on parameters: differentiable scalars to add to a loss.

``loss = criterion(model(x), y) + l2_penalty(model.parameters(), 1e-4)``

How this relates to the optimizers' ``weight_decay``: ``l2_penalty`` uses the 1/2 convention,
weight / 2 * sum(w**2), so its gradient is exactly weight * w. Every optimizer here adds
weight_decay * w to the gradient before its update rule, except AdamW (and ``Adam`` with
``decoupled_weight_decay=True``); so for SGD (with or without momentum), Adam, RMSprop and
Adagrad, ``weight_decay=lam`` gives the same steps as adding ``l2_penalty(params, lam)`` to the
loss. AdamW's decoupled decay, p <- p * (1 - lr * lam), is not the gradient of any penalty.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import check_hyperparameter
from ..tensor import Tensor


def _selected(parameters: Iterable[Tensor], skip_1d: bool) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if not (skip_1d and p.ndim < 2)]


def _total(terms: list[Tensor], weight: float) -> Tensor:
    if not terms:
        return Tensor(0.0)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return weight * total


def l1_penalty(parameters: Iterable[Tensor], weight: float, skip_1d: bool = False) -> Tensor:
    """weight * sum over parameters of sum(|w|): a scalar Tensor whose gradient is weight * sign(w).

    Pushes weights to exactly zero (sparse solutions), unlike the L2 penalty, which only shrinks them.
    The gradient at w = 0 is taken as 0.

    Args:
        parameters: a tensor or an iterable of tensors (e.g. ``model.parameters()``).
        weight: the coefficient, >= 0.
        skip_1d: leave out parameters with fewer than two dimensions: biases, and the scales and
            shifts of normalisation layers, which are usually not penalised.

    Returns:
        A 0-d Tensor in the parameters' dtype, part of the graph so ``backward()`` reaches them.

    Reference: Tibshirani, "Regression Shrinkage and Selection via the Lasso", JRSS B 58 (1996).
    """
    check_hyperparameter("weight", weight)
    return _total([p.abs().sum() for p in _selected(parameters, skip_1d)], weight)


def l2_penalty(parameters: Iterable[Tensor], weight: float, skip_1d: bool = False) -> Tensor:
    """weight / 2 * sum over parameters of sum(w**2): a scalar Tensor whose gradient is weight * w.

    The 1/2 makes the gradient weight * w, so adding this to the loss equals ``weight_decay=weight``
    in SGD, Adam, RMSprop and Adagrad (not AdamW: see the module docstring).

    Args:
        parameters: a tensor or an iterable of tensors (e.g. ``model.parameters()``).
        weight: the coefficient, >= 0 (lambda in weight / 2 * ||w||^2).
        skip_1d: leave out parameters with fewer than two dimensions: biases, and the scales and
            shifts of normalisation layers, which are usually not penalised.

    Returns:
        A 0-d Tensor in the parameters' dtype, part of the graph so ``backward()`` reaches them.

    Reference: Krogh & Hertz, "A Simple Weight Decay Can Improve Generalization", NIPS 1991.
    """
    check_hyperparameter("weight", weight)
    return _total([(p * p).sum() for p in _selected(parameters, skip_1d)], weight / 2)
