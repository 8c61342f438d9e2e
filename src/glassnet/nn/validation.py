"""The input check every layer runs first: rank, the sizes it fixes, and dtype, with errors that name the layer.

A layer states the shapes it accepts as patterns: tuples of fixed sizes (ints) and axis names (strings,
any size), where a leading ``"*"`` stands for any number of axes. ``Conv2d(3, 16, 3)`` accepts
``("N", 3, "H", "W")`` or ``(3, "H", "W")``; ``Linear(4, 2)`` accepts ``("*", 4)``. On a mismatch the
error reads ``Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1)) expected input of shape (N, 3, H, W) or
(3, H, W), got (32, 28, 28)``. The check reads only ``shape`` and ``dtype``, never the data, so it
costs the same for a batch of one and a batch of ten thousand.
"""

from __future__ import annotations

import numpy as np

from ..errors import DTypeError, ShapeError

FLOATING = (np.dtype(np.float32), np.dtype(np.float64))


def _numpy_dtype(x):
    """``x``'s dtype as NumPy's (a Tensor's array's, read directly: this runs on every layer call), or None."""
    array = getattr(x, "_data", x)
    got = getattr(array, "dtype", None)
    return None if got is None else np.dtype(got)


def check_probability(what: str, p: float) -> None:
    """The one check of a probability argument (dropout's p): a real number in [0, 1]; NaN fails too."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{what} probability must be in [0, 1], got {p}")


def check_option(name: str, value, options: tuple) -> None:
    """The one check of a string option (``reduction``, ``nonlinearity``): one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")


IMAGES = (("N", "C", "H", "W"), ("C", "H", "W"))  # a batch of images, or one image, any number of channels


def _fits(shape: tuple, pattern: tuple, nonempty: tuple) -> bool:
    if pattern[0] == "*":
        if len(shape) < len(pattern) - 1:
            return False
        # zip from the last axis: "*" takes whatever leading axes are left over
        pairs = zip(reversed(shape), reversed(pattern[1:]))
    elif len(shape) != len(pattern):
        return False
    else:
        pairs = zip(shape, pattern)
    for size, expected in pairs:
        if type(expected) is int:
            if size != expected:
                return False
        elif not size and expected in nonempty:
            return False
    return True


def _describe(patterns: tuple, nonempty: tuple) -> str:
    """The patterns as tuples are written, without quotes: ``(N, 3, H, W) or (3, H, W) with H, W > 0``."""
    text = " or ".join(str(pattern).replace("'", "") for pattern in patterns)
    return text + (f" with {', '.join(nonempty)} > 0" if nonempty else "")


def check_dtype(layer, x, dtype=None, integers: bool = False, name: str = "input") -> None:
    """Raise DTypeError unless ``x`` has ``dtype`` (a layer's parameter dtype), else float32/float64 (or integers).

    A float64 input to a float32 layer would silently run, and return gradients, in float64, so a layer
    with parameters asks for their dtype, as PyTorch does. ``integers`` admits integer inputs to the layers
    PyTorch runs on them (ReLU, Sigmoid, Tanh).
    """
    got = _numpy_dtype(x)
    if got is None:
        raise DTypeError(f"{layer!r} expected {name} as a Tensor or array, got {type(x).__name__}")
    if dtype is not None:
        dtype = np.dtype(dtype)
        if got != dtype:
            fix = f"convert the input with .to({dtype})" + (f" or the layer with .to({got})" if got in FLOATING else "")
            raise DTypeError(
                f"{layer!r} expected {name} of dtype {dtype} (the dtype of its parameters), got dtype {got}; {fix}"
            )
    elif got not in FLOATING and not (integers and got.kind in "iu"):
        allowed = "float32, float64 or an integer dtype" if integers else "float32 or float64"
        raise DTypeError(f"{layer!r} expected {name} of dtype {allowed}, got dtype {got}")


def check_indices(layer, x, name: str = "input") -> None:
    """Raise DTypeError unless ``x`` holds integers (row indices, class labels)."""
    got = _numpy_dtype(x)
    if got is None or got.kind not in "iu":
        received = f"dtype {got}" if got is not None else type(x).__name__
        raise DTypeError(f"{layer!r} expected {name} of integer indices, got {received}")


def check_axes(layer, x, **axes: int) -> None:
    """Raise ShapeError unless each named axis (``dim=1``) exists in ``x``; a 0-d input counts as 1-d, as in PyTorch."""
    ndim = max(x.ndim, 1)
    for name, axis in axes.items():
        if not -ndim <= axis < ndim:
            rank = axis + 1 if axis >= 0 else -axis
            raise ShapeError(
                f"{layer!r} expected input of shape (*) with at least {rank} axes for {name}={axis}, "
                f"got {tuple(x.shape)}",
                layer,
            )


def check_shape(layer, x, *patterns: tuple, nonempty: tuple = (), name: str = "input") -> None:
    """Raise ShapeError unless ``x.shape`` fits one of ``patterns``; axes named in ``nonempty`` must not be 0."""
    shape = x.shape
    for pattern in patterns:
        if _fits(shape, pattern, nonempty):
            return
    raise ShapeError(f"{layer!r} expected {name} of shape {_describe(patterns, nonempty)}, got {tuple(shape)}", layer)


def check_input(layer, x, *patterns: tuple, dtype=None, nonempty: tuple = (), name: str = "input") -> None:
    """Both checks, dtype first (a list or a wrong dtype would make the shape message misleading).

    The common case costs a dtype identity test and one pass over the axes (NumPy's built-in dtypes
    are singletons); anything else goes through the full checks, which raise with the message.
    """
    array = getattr(x, "_data", x)  # a Tensor's array: its NumPy dtype and plain shape are the cheapest to test
    got, dtype = getattr(array, "dtype", None), getattr(dtype, "dtype", dtype)
    if got is None or not (got is dtype if dtype is not None else got in FLOATING):  # (np.dtype(None) is float64)
        check_dtype(layer, x, dtype, name=name)
    shape = array.shape
    for pattern in patterns:
        if _fits(shape, pattern, nonempty):
            return
    check_shape(layer, x, *patterns, nonempty=nonempty, name=name)
