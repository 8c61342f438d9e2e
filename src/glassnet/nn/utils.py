"""Training utilities where PyTorch keeps them (``torch.nn.utils``): gradient clipping, parameters as one vector.

The clipping functions live in :mod:`glassnet.optim.clip`; this module re-exports them.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..creation import cat
from ..optim.clip import clip_grad_norm_ as clip_grad_norm_
from ..optim.clip import clip_grad_value_ as clip_grad_value_
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


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
