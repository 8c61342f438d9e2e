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


def jacobian_check(func, inputs, eps: float, atol: float, rtol: float, raise_exception: bool = True) -> bool:
    """Every Jacobian entry of ``func``'s outputs by backward (one row per output element) against central
    differences (one column per input element); the engine of ``glassnet.autograd.gradcheck``."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    name = getattr(func, "__name__", "function")

    def outputs() -> list[Tensor]:
        out = func(*inputs)
        return [o for o in (out if isinstance(out, (tuple, list)) else (out,)) if isinstance(o, Tensor)]

    for i in checked:
        if inputs[i]._data.dtype != np.float64:
            raise TypeError(f"gradcheck({name}): input {i} is {inputs[i]._data.dtype}; use float64")
    for k, out in enumerate(outputs()):
        for i in checked:
            x = inputs[i]._data
            numeric = np.zeros((out._data.size, x.size))
            for j, where in enumerate(np.ndindex(x.shape)):  # write through the array: a view may not reshape
                saved = x[where]
                x[where] = saved + eps
                plus = outputs()[k]._data.ravel().copy()
                x[where] = saved - eps
                minus = outputs()[k]._data.ravel()
                x[where] = saved
                numeric[:, j] = (plus - minus) / (2 * eps)
            analytic = np.zeros_like(numeric)
            for row in range(out._data.size):
                inputs[i].grad = None
                seed = np.zeros(out._data.size)
                seed[row] = 1.0
                outputs()[k].backward(Tensor(seed.reshape(out._data.shape).astype(out._data.dtype)))
                if inputs[i].grad is not None:
                    analytic[row] = inputs[i].grad._data.ravel()
            inputs[i].grad = None
            bad = ~np.isclose(analytic, numeric, atol=atol, rtol=rtol)
            if bad.any():
                if not raise_exception:
                    return False
                row, column = (int(v) for v in np.argwhere(bad)[0])
                raise GradcheckError(
                    f"gradcheck({name}): Jacobian mismatch for output {k} with respect to input {i} at "
                    f"(output element {row}, input element {column}): numerical {numeric[row, column]:.8g}, "
                    f"analytical {analytic[row, column]:.8g}; {int(bad.sum())} of {bad.size} entries differ"
                )
    return True


__all__ = ["GradcheckError", "gradcheck", "jacobian_check", "numerical_grad"]
