"""Tensor constructors with PyTorch's names and keywords (``dtype``, ``device``, ``requires_grad``, ``generator``).

``device`` is accepted for PyTorch programs and must name the CPU; randomness comes from ``generator`` (a
:class:`~glassnet.backend.Generator`), or ``rng`` (a NumPy Generator), or the global seed.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .backend import default_float, random_generator
from .tensor import Tensor, _as_array, _size, binary_operands, device


def _new(array: np.ndarray, dtype, device_, requires_grad: bool) -> Tensor:
    """A tensor of ``array`` cast to ``dtype`` (if given), on the CPU (the only device)."""
    if device_ is not None:
        device(device_)  # raises for anything but the CPU
    if dtype is not None and array.dtype != np.dtype(dtype):
        array = array.astype(dtype)
    return Tensor(array, requires_grad)


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor holding a copy of ``data``; Python floats become the default dtype (float32)."""
    return _new(np.array(_as_array(data, dtype)), None, device, requires_grad)  # np.array copies


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with a NumPy array or tensor of the same dtype (as PyTorch)."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return _new(_as_array(data), dtype, device, False)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory: changes to one show in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


def _filled(size, value, dtype, device, requires_grad) -> Tensor:
    return _new(np.full(_size(size), value, dtype or default_float()), None, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 1, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros (NumPy has no cheaper uninitialised memory worth the surprise)."""
    return _filled(size, 0, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``size`` filled with ``fill_value``; its dtype is the value's (bool, int64 or the default float)."""
    if dtype is None:
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64 if isinstance(fill_value, int) else None
    return _filled((size,), fill_value, dtype, device, requires_grad)


def _like(t: Tensor, value, dtype, requires_grad) -> Tensor:
    return Tensor(np.full(t.shape, value, dtype or t.dtype), requires_grad)


def zeros_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(input, 0, dtype, requires_grad)


def ones_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(input, 1, dtype, requires_grad)


def empty_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(input, 0, dtype, requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(input, fill_value, dtype, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _new(np.eye(n, m, dtype=dtype or default_float()), None, device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """PyTorch's arange: int64 for integer arguments, the default float dtype when any is a float."""
    start, end = (0, start) if end is None else (start, end)
    if dtype is None:
        dtype = np.int64 if all(isinstance(v, (int, np.integer)) for v in (start, end, step)) else default_float()
    return _new(np.arange(start, end, step, dtype=dtype), None, device, requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _new(np.linspace(start, end, steps, dtype=dtype or default_float()), None, device, requires_grad)


def _sample(draw, size, dtype, device, requires_grad, generator, rng) -> Tensor:
    sample = draw(rng if rng is not None else random_generator(generator), _size(size))
    return _new(np.asarray(sample).astype(dtype or default_float(), copy=False), None, device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad: bool = False, generator=None, rng=None) -> Tensor:
    """Standard normal samples from ``generator`` or ``rng`` (default: the global generator set by ``manual_seed``)."""
    return _sample(lambda g, s: g.standard_normal(s), size, dtype, device, requires_grad, generator, rng)


def rand(*size, dtype=None, device=None, requires_grad: bool = False, generator=None, rng=None) -> Tensor:
    """Uniform samples on [0, 1) from ``generator`` or ``rng`` (default: the global generator)."""
    return _sample(lambda g, s: g.random(s), size, dtype, device, requires_grad, generator, rng)


def randn_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def rand_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def randint(low, high=None, size=None, dtype=None, device=None, generator=None) -> Tensor:
    """Integers in [low, high) (``randint(high, size)`` starts at 0), int64 as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    sample = random_generator(generator).integers(low, high, _size((size,)))
    return _new(sample, dtype or np.int64, device, False)


def randint_like(input: Tensor, low, high=None, dtype=None, generator=None) -> Tensor:
    return randint(low, high, input.shape, dtype=dtype or input.dtype, generator=generator)


def randperm(n: int, dtype=None, device=None, generator=None) -> Tensor:
    return _new(random_generator(generator).permutation(n), dtype or np.int64, device, False)


def cat(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Join tensors along an existing axis ``dim``."""
    return ops.CatFn.apply(*tensors, axis=dim if axis is None else axis)


concat = cat


def stack(tensors, dim: int = 0, *, axis=None) -> Tensor:
    """Join tensors along a new axis ``dim``."""
    return ops.StackFn.apply(*tensors, axis=dim if axis is None else axis)


def where(condition, input=None, other=None) -> Tensor:
    """Elementwise ``input if condition else other``; the gradient follows the branch taken.

    With the condition alone, the indices where it holds (``torch.where(cond)``, like ``nonzero``).
    """
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if input is None and other is None:
        return tuple(Tensor._wrap(i) for i in np.nonzero(cond))
    return ops.WhereFn.apply(cond.astype(bool, copy=False), *binary_operands(input, other))


def maximum(input, other) -> Tensor:
    return ops.MaximumFn.apply(*binary_operands(input, other))


def minimum(input, other) -> Tensor:
    return ops.MinimumFn.apply(*binary_operands(input, other))
