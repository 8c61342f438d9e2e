"""Tensor: an array, its gradient, and the op that made it.

Every method here is one line that calls an op in :mod:`glassnet.ops`; derivatives live there.
Reductions and shape methods take NumPy's ``axis``/``keepdims``; :mod:`glassnet.functional`
keeps ``torch.nn.functional``'s names and ``dim`` where PyTorch users expect them.
"""

from __future__ import annotations

import math

import numpy as np

from .backend import get_default_dtype
from .errors import ShapeError


def _as_array(data, dtype=None):
    """Convert user data to an array: Python floats become the default dtype, NumPy arrays keep theirs."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.array(data, dtype=dtype)
    if isinstance(data, np.ndarray):
        return data
    array = np.asarray(data)
    if array.dtype.kind == "f" and not isinstance(data, np.generic):
        array = array.astype(get_default_dtype(), copy=False)
    return array


def axis_index(axis: int, ndim: int, op: str) -> int:
    """``axis`` (negative counts from the end) as an index in [0, ndim), or a ShapeError naming ``op``.

    Checked because code computing ``axis % ndim`` would silently pick another axis. Ops that accept a
    0-d tensor with axis 0 or -1, as PyTorch's reductions do, pass ``max(ndim, 1)``.
    """
    if not -ndim <= axis < ndim:
        expected = f"{-ndim} to {ndim - 1}" if ndim else "none: the tensor is 0-d"
        raise ShapeError(f"{op}: axis {axis} is out of range for {ndim} dimensions (expected {expected})")
    return axis % ndim


# ----------------------------------------------------------------------------- type promotion
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}  # PyTorch's order of kinds: bool < integer < floating
_SCALARS = frozenset((int, float, bool))
_FLOATING = (np.dtype(np.float32), np.dtype(np.float64))


def _category(dtype: np.dtype) -> int:
    return _CATEGORY.get(dtype.kind, 3)


def _promote(a, b):
    """PyTorch's promotion of two dtypes (None: absent): a higher kind wins whole (int64 + float32 is float32)."""
    if a is None or b is None:
        return b if a is None else a
    if _category(a) != _category(b):
        return a if _category(a) > _category(b) else b
    return np.promote_types(a, b)


def _scalar_dtype(value) -> np.dtype:
    """A Python number's dtype when it decides a result: floats take the default dtype, as in PyTorch."""
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    return np.dtype(np.int64) if isinstance(value, int) else get_default_dtype()


def result_dtype(operands, divide: bool = False) -> np.dtype:
    """The dtype PyTorch gives a binary op on ``operands`` (arrays and Python scalars).

    Arrays with axes decide within their kind; a 0-d array, then a Python scalar, counts only when of a
    higher kind (an integer tensor times 0.5 is float32, not NumPy's float64). True division of integers
    gives the default float dtype.
    """
    dimensioned = zero_dimensional = scalar = None
    for x in operands:
        if isinstance(x, np.ndarray):
            if x.ndim:
                dimensioned = _promote(dimensioned, x.dtype)
            else:
                zero_dimensional = _promote(zero_dimensional, x.dtype)
        else:
            scalar = _promote(scalar, _scalar_dtype(x))
    dtype = dimensioned
    for lower in (zero_dimensional, scalar):
        if dtype is None or (lower is not None and _category(lower) > _category(dtype)):
            dtype = lower
    return get_default_dtype() if divide and dtype.kind != "f" else dtype


def binary_operands(a, b, divide: bool = False) -> tuple:
    """``a`` and ``b`` for a binary op, cast where NumPy's type promotion differs from PyTorch's.

    NumPy widens int64 + float32 to float64 and reads a list of floats as float64; PyTorch keeps the float32
    (see :func:`result_dtype`). Lists read as ``tensor()`` reads them, NumPy scalars as Python scalars. The
    common cases (a Python number with a floating tensor, two tensors of one dtype) return at once: this runs
    for every arithmetic operator.
    """
    if type(b) in _SCALARS:
        if isinstance(a, Tensor) and a.data.dtype in _FLOATING:
            return a, b
    elif type(a) in _SCALARS:
        if isinstance(b, Tensor) and b.data.dtype in _FLOATING:
            return a, b
    elif isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype:
        if not divide or a.data.dtype in _FLOATING:
            return a, b
    a, b = (
        _as_array(x) if isinstance(x, (list, tuple)) else x.item() if isinstance(x, np.generic) else x for x in (a, b)
    )
    dtype = result_dtype([x.data if isinstance(x, Tensor) else x for x in (a, b)], divide)
    a, b = _cast(a, dtype), _cast(b, dtype)
    if not isinstance(a, (Tensor, np.ndarray)) and not isinstance(b, (Tensor, np.ndarray)):
        a = np.asarray(a, dtype)  # two Python numbers: one must carry the dtype
    return a, b


def _cast(x, dtype: np.dtype):
    """``x`` in ``dtype`` (a differentiable cast for tensors); Python numbers adapt to the array they meet."""
    if isinstance(x, Tensor):
        return x if x.data.dtype == dtype else x.to(dtype)
    if isinstance(x, np.ndarray):
        return x if x.dtype == dtype else x.astype(dtype)
    return x


class RemovableHandle:
    """Returned by ``register_*hook``: ``remove()`` takes the hook out of the dict it was added to."""

    _next_id = 0

    def __init__(self, hooks: dict, hook):
        self.hooks, self.id = hooks, RemovableHandle._next_id
        RemovableHandle._next_id += 1
        hooks[self.id] = hook

    def remove(self) -> None:
        self.hooks.pop(self.id, None)


class Tensor:
    """An n-dimensional array that records the ops applied to it when it requires a gradient.

    Attributes:
        data: the NumPy array.
        grad: an array of ``data``'s shape after ``backward()``, else None.
        requires_grad: whether ops on this tensor are recorded.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_hooks", "_retain_grad", "__weakref__")
    __array_priority__ = 1000  # make ndarray + Tensor call Tensor.__radd__

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.data = _as_array(data, dtype)
        self.grad = None
        self._ctx = None
        self._hooks = None
        self._retain_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, data, ctx=None) -> Tensor:
        """Fast path for op outputs: no conversion, no checks."""
        t = cls.__new__(cls)
        t.data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad = None
        t._ctx = ctx
        t._hooks = None
        t._retain_grad = False
        t.requires_grad = ctx is not None
        return t

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def size(self, dim: int | None = None):
        """The shape (``dim=None``) or one axis's length, as in PyTorch."""
        return self.data.shape if dim is None else self.data.shape[axis_index(dim, self.ndim, "size")]

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        return len(self.data)

    # ----------------------------------------------------------------- autograd
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate the gradient of this tensor into every leaf that requires one."""
        autograd.backward(self, grad, retain_graph)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind != "f":
            raise RuntimeError(f"only floating tensors can require gradients, got dtype {self.data.dtype}")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return Tensor._wrap(self.data)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after ``backward()``."""
        self._retain_grad = True

    def register_hook(self, hook) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned array replaces it.

        For a leaf, ``grad`` is one backward contribution before it is added to ``.grad``.
        Returns a handle whose ``remove()`` takes the hook off again.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = {}
        return RemovableHandle(self._hooks, hook)

    @property
    def grad_fn(self):
        return None if self._ctx is None else self._ctx.fn

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def to(self, dtype) -> Tensor:
        """A copy in ``dtype``: differentiable between floating dtypes, cut from the graph otherwise (as in PyTorch)."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            return Tensor._wrap(self.data.astype(dtype))
        return ops.Cast.apply(self, dtype=dtype)

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, prefix="tensor(")
        extras = ""
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extras += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extras += f", grad_fn=<{self._ctx.fn.__name__}>"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"tensor({body}{extras})"

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other):
        return ops.Add.apply(*binary_operands(self, other))

    def __radd__(self, other):
        return ops.Add.apply(*binary_operands(other, self))

    def __sub__(self, other):
        return ops.Sub.apply(*binary_operands(self, other))

    def __rsub__(self, other):
        return ops.Sub.apply(*binary_operands(other, self))

    def __mul__(self, other):
        return ops.Mul.apply(*binary_operands(self, other))

    def __rmul__(self, other):
        return ops.Mul.apply(*binary_operands(other, self))

    def __truediv__(self, other):
        return ops.Div.apply(*binary_operands(self, other, divide=True))

    def __rtruediv__(self, other):
        return ops.Div.apply(*binary_operands(other, self, divide=True))

    def __neg__(self):
        return ops.Neg.apply(self)

    def __pow__(self, exponent):
        return ops.Pow.apply(*binary_operands(self, exponent))

    def __rpow__(self, base):
        return ops.Pow.apply(*binary_operands(base, self))

    def __matmul__(self, other):
        return ops.MatMul.apply(self, other)

    def __rmatmul__(self, other):
        return ops.MatMul.apply(other, self)

    def __abs__(self):
        return ops.Abs.apply(self)

    def __getitem__(self, index):
        return ops.GetItem.apply(self, index=ops.as_index(index, self.data.shape))

    # comparisons: no gradient, boolean result
    def __lt__(self, other):
        return ops.compare(np.less, self, other)

    def __le__(self, other):
        return ops.compare(np.less_equal, self, other)

    def __gt__(self, other):
        return ops.compare(np.greater, self, other)

    def __ge__(self, other):
        return ops.compare(np.greater_equal, self, other)

    def __eq__(self, other):
        return ops.compare(np.equal, self, other)

    def __ne__(self, other):
        return ops.compare(np.not_equal, self, other)

    # ----------------------------------------------------------------- elementwise
    def exp(self):
        return ops.Exp.apply(self)

    def log(self):
        return ops.Log.apply(self)

    def sqrt(self):
        return ops.Sqrt.apply(self)

    def abs(self):
        return ops.Abs.apply(self)

    def clip(self, min=None, max=None):
        return ops.Clip.apply(self, low=min, high=max)

    clamp = clip

    def maximum(self, other):
        return ops.Maximum.apply(*binary_operands(self, other))

    def minimum(self, other):
        return ops.Minimum.apply(*binary_operands(self, other))

    def sigmoid(self):
        return ops.Sigmoid.apply(self)

    def tanh(self):
        return ops.Tanh.apply(self)

    def relu(self):
        return ops.Relu.apply(self)

    # ----------------------------------------------------------------- reductions
    def sum(self, axis=None, keepdims: bool = False):
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        return ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False):
        """Largest value over ``axis``; ties share the gradient equally (like ``torch.amax``)."""
        return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims: bool = False):
        """Smallest value over ``axis``; ties share the gradient equally (like ``torch.amin``)."""
        return ops.Min.apply(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, keepdims: bool = False, correction: int = 1):
        """Variance over ``axis`` with ``correction`` (1 = unbiased, PyTorch's default)."""
        return ops.Var.apply(self, axis=axis, keepdims=keepdims, correction=correction)

    def argmax(self, axis=None):
        return self._arg_extreme("argmax", axis)

    def argmin(self, axis=None):
        return self._arg_extreme("argmin", axis)

    def _arg_extreme(self, name: str, axis) -> Tensor:
        """Index of the largest or smallest value; over no values it is undefined (PyTorch raises too)."""
        if axis is not None:
            axis = axis_index(axis, max(self.ndim, 1), name)
            axis = axis if self.ndim else None  # a 0-d tensor takes axis 0 or -1, as in PyTorch
        try:
            return Tensor._wrap(getattr(self.data, name)(axis=axis))
        except ValueError as error:
            raise ShapeError(f"{name}: {error} (input shape {self.shape}, axis {axis})") from error

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return ops.Reshape.apply(self, shape=tuple(shape))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        shape = self.shape
        ndim = max(self.ndim, 1)  # a 0-d tensor flattens to shape (1,), as in PyTorch
        start, end = axis_index(start_dim, ndim, "flatten"), axis_index(end_dim, ndim, "flatten")
        if start > end:
            raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}")
        return self.reshape(shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :])

    def squeeze(self, axis=None):
        """Drop the axes of size 1: all, or those among ``axis`` (an int or a tuple); others stay, as in PyTorch."""
        shape = self.shape
        if axis is None:
            chosen = range(len(shape))
        else:
            axes = axis if isinstance(axis, tuple) else (axis,)
            chosen = {axis_index(a, max(self.ndim, 1), "squeeze") for a in axes}
        return self.reshape(tuple(n for i, n in enumerate(shape) if n != 1 or i not in chosen))

    def unsqueeze(self, axis: int):
        shape = self.shape
        axis = axis_index(axis, self.ndim + 1, "unsqueeze")
        return self.reshape(shape[:axis] + (1,) + shape[axis:])

    def permute(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return ops.Permute.apply(self, axes=tuple(axes))

    def transpose(self, dim0: int = -2, dim1: int = -1):
        """Swap two axes (PyTorch's ``transpose(dim0, dim1)``)."""
        axes = list(range(self.ndim))
        ndim = max(self.ndim, 1)
        dim0, dim1 = axis_index(dim0, ndim, "transpose"), axis_index(dim1, ndim, "transpose")
        if axes:
            axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)

    def expand(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return ops.Expand.apply(self, shape=tuple(shape))

    def split(self, split_size_or_sections, axis: int = 0):
        """Pieces of ``split_size`` along ``axis`` (an int), or of the given sizes (a list)."""
        return ops.split(self, split_size_or_sections, axis)

    def chunk(self, chunks: int, axis: int = 0):
        """``chunks`` near-equal pieces along ``axis`` (fewer when the axis is shorter, as in PyTorch)."""
        if chunks <= 0:
            raise ShapeError(f"chunk: chunks must be positive, got {chunks}")
        length = self.shape[axis_index(axis, self.ndim, "chunk")]
        return ops.split(self, -(-length // chunks) if length else [0] * chunks, axis)


from . import autograd, ops  # noqa: E402  (ops need Tensor defined first)
