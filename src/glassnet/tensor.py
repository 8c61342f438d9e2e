"""Tensor: an array, its gradient, and the op that made it.

Every method here is one line that calls an op in :mod:`glassnet.ops`; derivatives live there.
Reductions and shape methods take NumPy's ``axis``/``keepdims``; :mod:`glassnet.functional`
keeps ``torch.nn.functional``'s names and ``dim`` where PyTorch users expect them.
"""

from __future__ import annotations

import numpy as np

from .backend import get_default_dtype


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


def _operand(x):
    """NumPy scalars act as Python scalars, as in PyTorch: ``x * np.sqrt(2.0)`` keeps ``x``'s dtype."""
    return x.item() if isinstance(x, np.generic) else x


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
        return self.data.shape if dim is None else self.data.shape[dim]

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
        """A copy in ``dtype`` (differentiable between floating dtypes)."""
        return ops.Cast.apply(self, dtype=np.dtype(dtype))

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return Tensor._wrap(self.data.astype(np.int64))

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
        return ops.Add.apply(self, _operand(other))

    def __radd__(self, other):
        return ops.Add.apply(_operand(other), self)

    def __sub__(self, other):
        return ops.Sub.apply(self, _operand(other))

    def __rsub__(self, other):
        return ops.Sub.apply(_operand(other), self)

    def __mul__(self, other):
        return ops.Mul.apply(self, _operand(other))

    def __rmul__(self, other):
        return ops.Mul.apply(_operand(other), self)

    def __truediv__(self, other):
        return ops.Div.apply(self, _operand(other))

    def __rtruediv__(self, other):
        return ops.Div.apply(_operand(other), self)

    def __neg__(self):
        return ops.Neg.apply(self)

    def __pow__(self, exponent):
        return ops.Pow.apply(self, _operand(exponent))

    def __rpow__(self, base):
        return ops.Pow.apply(_operand(base), self)

    def __matmul__(self, other):
        return ops.MatMul.apply(self, other)

    def __rmatmul__(self, other):
        return ops.MatMul.apply(other, self)

    def __abs__(self):
        return ops.Abs.apply(self)

    def __getitem__(self, index):
        return ops.GetItem.apply(self, index=ops.as_index(index))

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
        return ops.Maximum.apply(self, _operand(other))

    def minimum(self, other):
        return ops.Minimum.apply(self, _operand(other))

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
        return Tensor._wrap(self.data.argmax(axis=axis))

    def argmin(self, axis=None):
        return Tensor._wrap(self.data.argmin(axis=axis))

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return ops.Reshape.apply(self, shape=tuple(shape))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        shape = self.shape
        start, end = start_dim % max(len(shape), 1), end_dim % max(len(shape), 1)
        return self.reshape(shape[:start] + (-1,) + shape[end + 1 :])

    def squeeze(self, axis=None):
        return self.reshape(np.squeeze(self.data, axis=axis).shape)

    def unsqueeze(self, axis: int):
        return self.reshape(np.expand_dims(self.data, axis).shape)

    def permute(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return ops.Permute.apply(self, axes=tuple(axes))

    def transpose(self, dim0: int = -2, dim1: int = -1):
        """Swap two axes (PyTorch's ``transpose(dim0, dim1)``)."""
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)

    def expand(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return ops.Expand.apply(self, shape=tuple(shape))

    def split(self, split_size_or_sections, axis: int = 0):
        """Pieces of ``split_size`` along ``axis`` (an int), or of the given sizes (a list)."""
        return ops.split(self, split_size_or_sections, axis)

    def chunk(self, chunks: int, axis: int = 0):
        """``chunks`` near-equal pieces along ``axis``."""
        return ops.split(self, -(-self.shape[axis] // chunks), axis)


from . import autograd, ops  # noqa: E402  (ops need Tensor defined first)
