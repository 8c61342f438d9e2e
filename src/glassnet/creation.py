"""Tensor constructors with PyTorch's names: tensor, zeros, ones, randn, rand, arange, full, cat, stack."""

from __future__ import annotations

import numpy as np

from . import ops
from .backend import default_rng, get_default_dtype
from .tensor import Tensor, binary_operands


def _shape(size) -> tuple:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor holding a copy of ``data``; Python floats become the default dtype (float32)."""
    return Tensor(np.array(Tensor(data, dtype=dtype).data), requires_grad)  # np.array copies


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(size), dtype or get_default_dtype()), requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(size), dtype or get_default_dtype()), requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.full(_shape((size,)), fill_value, dtype or get_default_dtype()), requires_grad)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data), requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data), requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False, rng: np.random.Generator | None = None) -> Tensor:
    """Standard normal samples from ``rng`` (default: the global generator set by ``manual_seed``)."""
    sample = (rng or default_rng()).standard_normal(_shape(size))
    return Tensor(sample.astype(dtype or get_default_dtype()), requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False, rng: np.random.Generator | None = None) -> Tensor:
    """Uniform samples on [0, 1) from ``rng`` (default: the global generator)."""
    sample = (rng or default_rng()).random(_shape(size))
    return Tensor(sample.astype(dtype or get_default_dtype()), requires_grad)


def arange(start, end=None, step=1, dtype=None) -> Tensor:
    return Tensor(np.arange(start, end, step, dtype=dtype) if end is not None else np.arange(start, dtype=dtype))


def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing axis ``dim``."""
    return ops.Cat.apply(*tensors, axis=dim)


def stack(tensors, dim: int = 0) -> Tensor:
    """Join tensors along a new axis ``dim``."""
    return ops.Stack.apply(*tensors, axis=dim)


def where(condition, input, other) -> Tensor:
    """Elementwise ``input if condition else other``; the gradient follows the branch taken."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    return ops.Where.apply(cond.astype(bool, copy=False), *binary_operands(input, other))


def maximum(input, other) -> Tensor:
    return ops.Maximum.apply(*binary_operands(input, other))


def minimum(input, other) -> Tensor:
    return ops.Minimum.apply(*binary_operands(input, other))
