"""Central finite differences in float64: check any function's gradients against its backward.

Usable on your own functions::

    from glassnet.gradcheck import gradcheck
    gradcheck(lambda x, w: (x @ w).tanh().sum(), [x, w])
"""

from __future__ import annotations

import numpy as np

from .tensor import Tensor


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the finite-difference estimate."""


def numerical_grad(fn, inputs: list, index: int, eps: float = 1e-6) -> np.ndarray:
    """d sum(fn(*inputs) * probe)/d inputs[index] by central differences, one element at a time."""
    x = inputs[index]._data
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):  # write through the array itself: a reshape of a non-contiguous one copies
        saved = x[k]
        x[k] = saved + eps
        plus = _scalar(fn(*inputs))
        x[k] = saved - eps
        minus = _scalar(fn(*inputs))
        x[k] = saved
        grad[k] = (plus - minus) / (2 * eps)
    return grad


def _scalar(out) -> float:
    return float(np.sum(out._data if isinstance(out, Tensor) else out))


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4, name: str | None = None) -> bool:
    """Compare ``backward()`` of ``sum(fn(*inputs))`` with central differences for every input needing a grad.

    Inputs must be float64 tensors (float32 differences are too coarse to mean anything).
    Raises :class:`GradcheckError` naming the function, argument, element, expected and got.
    """
    name = name or getattr(fn, "__name__", "function")
    inputs = list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck({name}): argument {i} is {inputs[i].dtype}; use float64")
        inputs[i].grad = None
    out = fn(*inputs)
    out.sum().backward() if out.ndim else out.backward()
    for i in checked:
        analytic = inputs[i].grad._data if inputs[i].grad is not None else np.zeros_like(inputs[i]._data)
        numeric = numerical_grad(fn, inputs, i, eps)
        bad = ~np.isclose(analytic, numeric, atol=atol, rtol=rtol)
        if bad.any():
            where = tuple(int(k) for k in np.argwhere(bad)[0])
            raise GradcheckError(
                f"gradcheck({name}): d/d(argument {i}) at element {where}: "
                f"expected {numeric[where]:.8g} (finite differences), got {analytic[where]:.8g} (backward); "
                f"{int(bad.sum())} of {bad.size} elements differ"
            )
    return True
