"""Training utilities where PyTorch keeps them (``torch.nn.utils``): gradient clipping, parameters as one vector.

The clipping functions change ``.grad`` in place and skip parameters whose ``.grad`` is None. Call them
between ``loss.backward()`` and ``optimizer.step()``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..backend import xp_of
from ..creation import cat
from ..errors import check_hyperparameter
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """The gradients (Tensors) of the parameters that have one (one tensor is taken as a list of one)."""
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in parameters if p.grad is not None]


def _scale_grad_(grad: Tensor, factor: float) -> None:
    """grad *= factor, in place unless the array is a read-only view (then it is replaced)."""
    if getattr(grad._data.flags, "writeable", True):
        grad._data *= factor
    else:
        grad._data = grad._data * factor


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Scale all gradients together so that their joint p-norm is at most ``max_norm``; return that norm.

    total = || (||g_1||_p, ..., ||g_k||_p) ||_p = the p-norm of all gradients joined into one vector
    g_i = g_i * min(1, max_norm / (total + 1e-6))

    The 1e-6 (PyTorch's) keeps the division finite when every gradient is zero. Scaling the whole
    set by one factor keeps the update's direction; only its length changes.

    Args:
        parameters: a tensor or an iterable of tensors (e.g. ``model.parameters()``).
        max_norm: the largest allowed total norm, >= 0 (a negative one would flip the gradients).
        norm_type: p of the p-norm: any positive float, or ``float("inf")`` for the largest
            absolute entry.
        error_if_nonfinite: raise RuntimeError if the total norm is nan or inf, instead of
            scaling the gradients by a non-finite factor.

    Returns:
        The total norm before clipping, a 0-d tensor as in PyTorch (0.0 when no parameter has a gradient).

    Reference: Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013.
    """
    check_hyperparameter("max_norm", max_norm)
    check_hyperparameter("norm_type", norm_type, open_low=True)
    params = _grads(parameters)
    norm_type = float(norm_type)
    grads = [g._data.ravel() for g in params if g._data.size]
    if not grads:
        return Tensor(0.0)
    xp = xp_of(grads[0])
    norms = xp.asarray([xp.linalg.norm(g, ord=norm_type) for g in grads])
    total = float(xp.linalg.norm(norms, ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} of the gradients is {total}, so they cannot be clipped; "
            "pass error_if_nonfinite=False to scale them by this non-finite norm anyway"
        )
    factor = float(max_norm) / (total + 1e-6)
    if not factor >= 1.0:  # also true for nan, which then spreads to the gradients as in PyTorch
        for g in params:
            _scale_grad_(g, factor)
    return Tensor(np.asarray(total, grads[0].dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value], in place.

    Unlike norm clipping this changes the direction of the gradient, entry by entry. ``clip_value`` >= 0.
    """
    check_hyperparameter("clip_value", clip_value)
    clip_value = float(clip_value)
    for g in _grads(parameters):
        grad = g._data
        if getattr(grad.flags, "writeable", True):
            xp_of(grad).clip(grad, -clip_value, clip_value, out=grad)
        else:
            g._data = xp_of(grad).clip(grad, -clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Every parameter flattened and joined, in iteration order, into one 1-D tensor (a copy, in the graph)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter's data the next slice of ``vec``, reshaped: the inverse of :func:`parameters_to_vector`.

    As in PyTorch, the parameters then share storage with ``vec`` (where the slice is a view).
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected a Tensor, but got: {type(vec).__name__}")
    start = 0
    for param in parameters:
        count = param.numel()
        param._data = vec._data[start : start + count].reshape(param.shape)
        start += count
