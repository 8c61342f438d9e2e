"""Tensor: an array, its gradient, and the op that made it.

Every method here is one line that calls an op in :mod:`glassnet.ops`; derivatives live there.
Methods follow PyTorch's names and semantics (``dim``/``keepdim``, ``max(dim)`` -> values and indices,
in-place ``_`` methods that keep the storage); NumPy's ``axis``/``keepdims`` are accepted too.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .backend import default_float, dtype, random_generator
from .errors import ShapeError


def _as_array(data, dtype=None):
    """Convert user data to an array: Python floats become the default dtype, NumPy arrays keep theirs."""
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return np.array(data, dtype=dtype)
    if isinstance(data, np.ndarray):
        return data
    array = np.asarray(data)
    if array.dtype.kind == "f" and not isinstance(data, np.generic):
        array = array.astype(default_float(), copy=False)
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
    return np.dtype(np.int64) if isinstance(value, int) else default_float()


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
    return default_float() if divide and dtype.kind != "f" else dtype


def binary_operands(a, b, divide: bool = False) -> tuple:
    """``a`` and ``b`` for a binary op, cast where NumPy's type promotion differs from PyTorch's.

    NumPy widens int64 + float32 to float64 and reads a list of floats as float64; PyTorch keeps the float32
    (see :func:`result_dtype`). Lists read as ``tensor()`` reads them, NumPy scalars as Python scalars. The
    common cases (a Python number with a floating tensor, two tensors of one dtype) return at once: this runs
    for every arithmetic operator.
    """
    if type(b) in _SCALARS:
        if isinstance(a, Tensor) and a._data.dtype in _FLOATING:
            return a, b
    elif type(a) in _SCALARS:
        if isinstance(b, Tensor) and b._data.dtype in _FLOATING:
            return a, b
    elif isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype:
        if not divide or a._data.dtype in _FLOATING:
            return a, b
    a, b = (
        _as_array(x) if isinstance(x, (list, tuple)) else x.item() if isinstance(x, np.generic) else x for x in (a, b)
    )
    dtype = result_dtype([x._data if isinstance(x, Tensor) else x for x in (a, b)], divide)
    a, b = _cast(a, dtype), _cast(b, dtype)
    if not isinstance(a, (Tensor, np.ndarray)) and not isinstance(b, (Tensor, np.ndarray)):
        a = np.asarray(a, dtype)  # two Python numbers: one must carry the dtype
    return a, b


def _cast(x, dtype: np.dtype):
    """``x`` in ``dtype`` (a differentiable cast for tensors); Python numbers adapt to the array they meet."""
    if isinstance(x, Tensor):
        return x if x._data.dtype == dtype else x.to(dtype)
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


class MinMax(NamedTuple):
    """What ``max(dim)``/``min(dim)`` return, as PyTorch's ``torch.return_types.max``: values and their indices."""

    values: Tensor
    indices: Tensor


def reduce_args(dim, keepdim, axis, keepdims) -> tuple:
    """PyTorch's ``dim``/``keepdim`` or NumPy's ``axis``/``keepdims`` (PyTorch accepts both) as one pair."""
    if axis is not None:
        if dim is not None:
            raise TypeError("pass dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return (tuple(dim) if isinstance(dim, list) else dim), bool(keepdim)


def target_dtype(args: tuple, kwargs: dict):
    """The dtype named by PyTorch's ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` arguments
    (None for none); a device other than the CPU raises NotImplementedError."""
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    for arg in (*args, kwargs.pop("device", None)):
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, (str, device)):
            device(arg)  # raises for anything but the CPU
        elif arg is not None:
            dtype = arg
    if kwargs:
        raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
    return dtype


def _size(shape: tuple) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` as one shape tuple."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


class Tensor:
    """An n-dimensional array that records the ops applied to it when it requires a gradient.

    Attributes, as in PyTorch:
        data: the same storage as a Tensor without history (changes through it bypass autograd).
        grad: a Tensor of this tensor's shape after ``backward()``, else None.
        requires_grad: whether ops on this tensor are recorded.
    ``numpy()`` is the NumPy array itself (no copy); ops read it as ``_data``.
    """

    __slots__ = ("_data", "_grad", "requires_grad", "_ctx", "_hooks", "_retain_grad", "__weakref__")
    __array_priority__ = 1000  # make ndarray + Tensor call Tensor.__radd__

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self._data = _as_array(data, dtype)
        self._grad = None
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
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t._grad = None
        t._ctx = ctx
        t._hooks = None
        t._retain_grad = False
        t.requires_grad = ctx is not None
        return t

    # ----------------------------------------------------------------- properties
    @property
    def data(self) -> Tensor:
        """This tensor's storage as a tensor with no history, as PyTorch's ``.data``."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else _as_array(value)

    @property
    def grad(self) -> Tensor | None:
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad must be a Tensor or None, got {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has shape {value._data.shape}, the tensor has shape {self._data.shape}"
                )
        self._grad = value

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def dtype(self) -> dtype:
        return dtype.of(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def device(self) -> device:
        return device("cpu")

    is_cuda = False

    def size(self, dim: int | None = None):
        """The shape (``dim=None``) or one axis's length, as in PyTorch."""
        return Size(self._data.shape) if dim is None else self._data.shape[axis_index(dim, self.ndim, "size")]

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def dim(self) -> int:
        return self._data.ndim

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return self._data.flags.c_contiguous

    def __len__(self) -> int:
        if not self._data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    # ----------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate the gradient of this tensor into every leaf that requires one."""
        autograd.backward(self, gradient, retain_graph)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"only floating tensors can require gradients, got dtype {self._data.dtype}")
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_(False) on a tensor inside the graph: use detach()")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """The same storage, cut from the graph."""
        return Tensor._wrap(self._data)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after ``backward()``."""
        self._retain_grad = True
        autograd.keep_tensor(self)

    def register_hook(self, hook) -> RemovableHandle:
        """Call ``hook(grad)`` with the gradient (a Tensor) when it is computed; a returned tensor replaces it.

        For a leaf, ``grad`` is one backward contribution before it is added to ``.grad``.
        Returns a handle whose ``remove()`` takes the hook off again.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = {}
        autograd.keep_tensor(self)
        return RemovableHandle(self._hooks, hook)

    @property
    def grad_fn(self):
        return None if self._ctx is None else self._ctx.fn

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        return self._data

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self._data.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def to(self, *args, **kwargs) -> Tensor:
        """PyTorch's ``to(dtype)``, ``to(device)``, ``to(device, dtype)`` and ``to(other)``: devices other than
        the CPU raise; a dtype change copies (differentiably between floating dtypes), the same dtype returns self."""
        kwargs.pop("copy", None)
        dtype = target_dtype(args, kwargs)
        if dtype is None or np.dtype(dtype) == self._data.dtype:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            return Tensor._wrap(self._data.astype(dtype))
        return ops.CastFn.apply(self, dtype=dtype)

    def type(self, dtype=None):
        return str(self._data.dtype) if dtype is None else self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def half(self) -> Tensor:
        return self.to(np.float16)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args, **kwargs):
        raise NotImplementedError("cuda(): glassnet runs on the CPU only (NumPy)")

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", precision=4, prefix="tensor(")
        extras = ""
        if self._data.dtype not in (np.float32, np.int64, np.bool_):
            extras += f", dtype={dtype.of(self._data.dtype)}"
        if self._ctx is not None:
            name = self._ctx.fn.__name__  # PyTorch's names: MulBackward0 for a kernel, MyFnBackward for a Function
            name = name if name.endswith("Backward") else autograd.op_name(self._ctx.fn) + "Backward0"
            extras += f", grad_fn=<{name}>"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"tensor({body}{extras})"

    def __format__(self, spec: str) -> str:
        """A one-element tensor formats as its number (``f"{loss:.4f}"``), as in PyTorch."""
        if spec and self._data.size == 1 and not self._data.ndim:
            return format(self._data.item(), spec)
        return format(repr(self), spec)

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __bool__(self) -> bool:
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._data)

    def __int__(self) -> int:
        return int(self._data)

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data)

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other):
        return ops.AddFn.apply(*binary_operands(self, other))

    def __radd__(self, other):
        return ops.AddFn.apply(*binary_operands(other, self))

    def __sub__(self, other):
        return ops.SubFn.apply(*binary_operands(self, other))

    def __rsub__(self, other):
        return ops.SubFn.apply(*binary_operands(other, self))

    def __mul__(self, other):
        return ops.MulFn.apply(*binary_operands(self, other))

    def __rmul__(self, other):
        return ops.MulFn.apply(*binary_operands(other, self))

    def __truediv__(self, other):
        return ops.DivFn.apply(*binary_operands(self, other, divide=True))

    def __rtruediv__(self, other):
        return ops.DivFn.apply(*binary_operands(other, self, divide=True))

    def __floordiv__(self, other):
        return self.floor_divide(other)

    def __rfloordiv__(self, other):
        return Tensor(other).floor_divide(self) if not isinstance(other, Tensor) else other.floor_divide(self)

    def floor_divide(self, other):
        """Rounded-down quotient; not differentiable (as in PyTorch)."""
        a, b = (x._data if isinstance(x, Tensor) else x for x in binary_operands(self, other))
        return Tensor._wrap(np.asarray(np.floor_divide(a, b)))

    def remainder(self, other):
        """``self - (self // other) * other``: the sign of ``other``, as Python's ``%`` and PyTorch's; its
        gradient is 1 for ``self`` and ``-(self // other)`` for ``other``."""
        return self - self.floor_divide(other) * other

    def __mod__(self, other):
        return self.remainder(other)

    def __rmod__(self, other):
        return Tensor(other).remainder(self)

    def __neg__(self):
        return ops.NegFn.apply(self)

    def __pow__(self, exponent):
        return ops.PowFn.apply(*binary_operands(self, exponent))

    def __rpow__(self, base):
        return ops.PowFn.apply(*binary_operands(base, self))

    def __matmul__(self, other):
        return ops.MatMulFn.apply(self, other)

    def __rmatmul__(self, other):
        return ops.MatMulFn.apply(other, self)

    def __abs__(self):
        return ops.AbsFn.apply(self)

    def __getitem__(self, index):
        return ops.GetItemFn.apply(self, index=ops.as_index(index, self._data.shape))

    def add(self, other, alpha=1):
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

    def multiply(self, other):
        return self.mul(other)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self**exponent

    def neg(self):
        return -self

    def matmul(self, other):
        return self @ other

    mm = matmul
    bmm = matmul

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

    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__

    # logical and bitwise: no gradient
    def __and__(self, other):
        return ops.compare(np.bitwise_and, self, other)

    def __or__(self, other):
        return ops.compare(np.bitwise_or, self, other)

    def __xor__(self, other):
        return ops.compare(np.bitwise_xor, self, other)

    def __invert__(self):
        return Tensor._wrap(~self._data)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def logical_not(self):
        return Tensor._wrap(np.logical_not(self._data))

    def any(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None, out=None):
        dim, keepdim = reduce_args(dim, keepdim, axis, keepdims)
        return Tensor._wrap(np.any(self._data, axis=dim, keepdims=keepdim))

    def all(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None, out=None):
        dim, keepdim = reduce_args(dim, keepdim, axis, keepdims)
        return Tensor._wrap(np.all(self._data, axis=dim, keepdims=keepdim))

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
        """The distinct values in ascending order (PyTorch's CPU order whatever ``sorted`` says), optionally with
        each element's index into them and their counts; ``dim`` picks distinct slices along that axis."""
        if dim is not None:
            dim = axis_index(dim, self.ndim, "unique")
        values, inverse, counts = np.unique(self._data, return_inverse=True, return_counts=True, axis=dim)
        if dim is None:
            inverse = inverse.reshape(self._data.shape)
        found = [Tensor._wrap(values)]
        found += [Tensor._wrap(inverse.astype(np.int64))] if return_inverse else []
        found += [Tensor._wrap(counts.astype(np.int64))] if return_counts else []
        return found[0] if len(found) == 1 else tuple(found)

    def bincount(self, weights=None, minlength: int = 0):
        """How often each value 0, 1, ... occurs in this 1-d non-negative integer tensor (weighted sums if given)."""
        if self.ndim != 1 or self._data.dtype.kind not in "iub":
            raise RuntimeError(
                f"bincount needs a 1-d integer tensor, got shape {self._data.shape} of {self._data.dtype}"
            )
        if weights is not None:
            weights = weights._data if isinstance(weights, Tensor) else np.asarray(weights)
        counts = np.bincount(self._data, weights, minlength)
        return Tensor._wrap(counts if weights is not None else counts.astype(np.int64))

    def data_ptr(self) -> int:
        """The address of the first element: equal for tensors that share storage from the same start."""
        return self._data.__array_interface__["data"][0]

    def equal(self, other) -> bool:
        """True when both have the same shape and values (``torch.equal``)."""
        other = other._data if isinstance(other, Tensor) else np.asarray(other)
        return self._data.shape == other.shape and bool((self._data == other).all())

    def allclose(self, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        other = other._data if isinstance(other, Tensor) else other
        return bool(np.allclose(self._data, other, rtol=rtol, atol=atol, equal_nan=equal_nan))

    # ----------------------------------------------------------------- in place
    def _write(self, name: str, result) -> Tensor:
        """Make ``result`` (this tensor changed by ``name``) this tensor's value, as PyTorch's in-place ops do.

        Outside the graph the values go into this tensor's storage, so views and ``.data`` see them. Inside it,
        this tensor becomes the op's output (new storage); autograd refuses to backward through an op that
        read the old value (see ``autograd.backward``). A leaf that requires grad may change only under
        ``no_grad()``: its old value is an input of the graph.
        """
        result = result if isinstance(result, Tensor) else Tensor(result)
        recorded = autograd.is_grad_enabled() and (self.requires_grad or result.requires_grad)
        if recorded and self.requires_grad and self._ctx is None:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad cannot be changed in place outside no_grad(); "
                "wrap the update in `with glassnet.no_grad():`"
            )
        if result._data.shape != self._data.shape:
            raise ShapeError(
                f"{name}: the result's shape {result._data.shape} does not match the tensor's shape {self._data.shape}"
            )
        if _category(result._data.dtype) > _category(self._data.dtype):
            raise RuntimeError(f"{name}: result type {result._data.dtype} can't be cast to {self._data.dtype} in place")
        if recorded:
            if result._data.dtype != self._data.dtype:
                result = result.to(self._data.dtype)
            autograd.mark_overwritten(self._ctx, result._ctx)
            self._data, self._ctx, self.requires_grad = result._data, result._ctx, True
            if self._hooks or self._retain_grad:
                autograd.keep_tensor(self)
        else:
            self._data[...] = result._data
        return self

    def _operand(self):
        """This tensor as an op input for an in-place update: its old value when it is inside the graph."""
        if self.requires_grad and self._ctx is not None and autograd.is_grad_enabled():
            return Tensor._wrap(self._data, self._ctx)
        return self.detach() if not autograd.is_grad_enabled() else self

    def copy_(self, src) -> Tensor:
        src = src if isinstance(src, Tensor) else Tensor(src)
        return self._write("copy_", src.to(self._data.dtype).expand(self._data.shape))

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value) -> Tensor:
        return self._write("fill_", Tensor._wrap(np.full(self._data.shape, value, self._data.dtype)))

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
        sample = random_generator(generator).normal(mean, std, self._data.shape)
        return self._write("normal_", Tensor._wrap(sample.astype(self._data.dtype)))

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
        sample = random_generator(generator).uniform(a, b, self._data.shape)
        return self._write("uniform_", Tensor._wrap(sample.astype(self._data.dtype)))

    def bernoulli_(self, p: float = 0.5, generator=None) -> Tensor:
        sample = random_generator(generator).random(self._data.shape) < p
        return self._write("bernoulli_", Tensor._wrap(sample.astype(self._data.dtype)))

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __setitem__(self, index, value) -> None:
        """``x[index] = value`` in place: into the storage outside the graph, as a recorded op inside it."""
        index = ops.as_index(index, self._data.shape)
        if isinstance(value, Tensor) and value._data.dtype != self._data.dtype:
            value = value.to(self._data.dtype)
        elif not isinstance(value, Tensor):
            value = np.asarray(value, self._data.dtype)
        self._write("__setitem__", ops.SetItemFn.apply(self._operand(), value, index=index))

    # ----------------------------------------------------------------- elementwise
    def exp(self):
        return ops.ExpFn.apply(self)

    def log(self):
        return ops.LogFn.apply(self)

    def sqrt(self):
        return ops.SqrtFn.apply(self)

    def abs(self):
        return ops.AbsFn.apply(self)

    def sin(self):
        return ops.SinFn.apply(self)

    def cos(self):
        return ops.CosFn.apply(self)

    def square(self):
        return self * self

    def rsqrt(self):
        return 1 / self.sqrt()

    def sign(self):
        return Tensor._wrap(np.sign(self._data))

    def nonzero(self, *, as_tuple: bool = False):
        """Indices of the non-zero elements: one row per element (n, ndim), or one tensor per axis."""
        found = np.nonzero(self._data)
        if as_tuple:
            return tuple(Tensor._wrap(i.astype(np.int64)) for i in found)
        return Tensor._wrap(np.stack(found, axis=1).astype(np.int64))

    def prod(self, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None):
        dim, keepdim = reduce_args(dim, keepdim, axis, keepdims)
        return ops.prod(self, dim, keepdim, dtype=dtype)

    def cumprod(self, dim: int, *, dtype=None):
        return ops.cumprod(self, dim, dtype=dtype)

    def isfinite(self):
        return Tensor._wrap(np.isfinite(self._data))

    def isnan(self):
        return Tensor._wrap(np.isnan(self._data))

    def isinf(self):
        return Tensor._wrap(np.isinf(self._data))

    def floor(self):
        return Tensor._wrap(np.floor(self._data))

    def ceil(self):
        return Tensor._wrap(np.ceil(self._data))

    def trunc(self):
        return Tensor._wrap(np.trunc(self._data))

    def softmax(self, dim: int):
        return ops.SoftmaxFn.apply(self, dim=dim)

    def log_softmax(self, dim: int):
        return ops.LogSoftmaxFn.apply(self, dim=dim)

    def logsumexp(self, dim, keepdim: bool = False):
        return ops.LogSumExpFn.apply(self, dim=dim, keepdim=keepdim)

    def round(self, decimals: int = 0):
        return Tensor._wrap(np.round(self._data, decimals))

    def clamp(self, min=None, max=None):
        return ops.ClipFn.apply(self, low=min, high=max)

    clip = clamp

    def clamp_min(self, min):
        return self.clamp(min, None)

    def clamp_max(self, max):
        return self.clamp(None, max)

    def reciprocal(self):
        return 1 / self

    def maximum(self, other):
        return ops.MaximumFn.apply(*binary_operands(self, other))

    def minimum(self, other):
        return ops.MinimumFn.apply(*binary_operands(self, other))

    def sigmoid(self):
        return ops.SigmoidFn.apply(self)

    def tanh(self):
        return ops.TanhFn.apply(self)

    def relu(self):
        return ops.ReLUFn.apply(self)

    def masked_fill(self, mask, value) -> Tensor:
        """``value`` where ``mask`` is True, this tensor elsewhere; the gradient flows only where kept."""
        mask = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        return ops.WhereFn.apply(mask.astype(bool, copy=False), *binary_operands(value, self))

    def where(self, condition, other) -> Tensor:
        """This tensor where ``condition`` holds, ``other`` elsewhere (``torch.where(condition, self, other)``)."""
        condition = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
        return ops.WhereFn.apply(condition.astype(bool, copy=False), *binary_operands(self, other))

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle (on and below ``diagonal``) of the last two axes; zeros above."""
        return self.masked_fill(~np.tri(*self._data.shape[-2:], diagonal, dtype=bool), 0)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle (on and above ``diagonal``) of the last two axes; zeros below."""
        return self.masked_fill(np.tri(*self._data.shape[-2:], diagonal - 1, dtype=bool), 0)

    # ----------------------------------------------------------------- by index
    def index_select(self, dim: int, index) -> Tensor:
        """The slices at ``index`` (a 1-d integer tensor) along ``dim``."""
        index = index._data if isinstance(index, Tensor) else np.asarray(index)
        if index.ndim > 1:
            raise ShapeError(f"index_select: index must be 1-d, got shape {tuple(index.shape)}")
        dim = axis_index(dim, max(self.ndim, 1), "index_select")
        return self[(slice(None),) * dim + (index.reshape(-1),)]

    def masked_select(self, mask) -> Tensor:
        """The elements where ``mask`` (broadcast with this tensor) holds, as a 1-d tensor."""
        mask = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        shape = np.broadcast_shapes(self._data.shape, mask.shape)
        return self.expand(shape)[np.broadcast_to(mask, shape)]

    def flip(self, *dims, **kwargs) -> Tensor:
        """The order of elements reversed along each of ``dims`` (``flip(0, 1)``, ``flip([0, 1])``, ``dims=``)."""
        dims = kwargs.pop("dims", dims)
        if kwargs:
            raise TypeError(f"flip() got unexpected keyword arguments {sorted(kwargs)}")
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (list, tuple)) else dims
        dims = (dims,) if isinstance(dims, int) else dims
        index = [slice(None)] * self.ndim
        for d in dims:
            index[axis_index(d, self.ndim, "flip")] = slice(None, None, -1)
        return self[tuple(index)]

    def roll(self, shifts, dims=None) -> Tensor:
        """Elements shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor when None)."""
        if dims is None:
            return self.flatten().roll(shifts, 0).view(self._data.shape)
        shifts, dims = ((shifts,), (dims,)) if isinstance(dims, int) else (tuple(shifts), tuple(dims))
        out = self
        for shift, d in zip(shifts, dims):
            d = axis_index(d, self.ndim, "roll")
            out = out.index_select(d, (np.arange(self._data.shape[d]) - shift) % self._data.shape[d])
        return out

    def diag(self, diagonal: int = 0) -> Tensor:
        """A 1-d tensor's square matrix with it on ``diagonal``, or a matrix's ``diagonal`` as a 1-d tensor."""
        if self.ndim == 1:
            n = self._data.shape[0] + abs(diagonal)
            matrix = Tensor._wrap(np.zeros((n, n), self._data.dtype))
            matrix[np.nonzero(np.eye(n, n, diagonal, dtype=bool))] = self
            return matrix
        if self.ndim != 2:
            raise ShapeError(f"diag: expected a 1-d or 2-d tensor, got shape {self._data.shape}")
        rows, columns = np.nonzero(np.eye(*self._data.shape, diagonal, dtype=bool))
        return self[rows, columns]

    def trace(self) -> Tensor:
        return self.diag().sum()

    def dot(self, other) -> Tensor:
        if self.ndim != 1 or other.ndim != 1:
            raise ShapeError(f"dot: expected two 1-d tensors, got shapes {self._data.shape} and {other._data.shape}")
        return (self * other).sum()

    def outer(self, other) -> Tensor:
        return self.unsqueeze(1) * other.unsqueeze(0)

    def gather(self, dim: int, index) -> Tensor:
        return ops.gather(self, dim, index)

    def scatter(self, dim: int, index, src=None, value=None) -> Tensor:
        return ops.scatter(self, dim, index, src, value)

    def scatter_add(self, dim: int, index, src) -> Tensor:
        return ops.scatter_add(self, dim, index, src)

    def scatter_(self, dim: int, index, src=None, value=None) -> Tensor:
        return self._write("scatter_", ops.scatter(self._operand(), dim, index, src, value))

    def scatter_add_(self, dim: int, index, src) -> Tensor:
        return self._write("scatter_add_", ops.scatter_add(self._operand(), dim, index, src))

    def cumsum(self, dim: int) -> Tensor:
        return ops.cumsum(self, dim)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        return ops.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        return ops.argsort(self, dim, descending, stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
        return ops.topk(self, k, dim, largest, sorted)

    def norm(self, p="fro", dim=None, keepdim: bool = False) -> Tensor:
        if p == "nuc":  # a matrix norm: torch.norm hands it to linalg too
            from . import linalg

            return linalg.matrix_norm(self, "nuc", (-2, -1) if dim is None else dim, keepdim)
        return ops.vector_norm(self, p, dim, keepdim)

    def multinomial(self, num_samples: int, replacement: bool = False, generator=None) -> Tensor:
        return ops.multinomial(self, num_samples, replacement, generator)

    def bernoulli(self, p=None, generator=None) -> Tensor:
        return ops.bernoulli(self, p, generator)

    # ----------------------------------------------------------------- reductions
    def sum(self, dim=None, keepdim: bool = False, dtype=None, *, axis=None, keepdims=None):
        dim, keepdim = reduce_args(dim, keepdim, axis, keepdims)
        return ops.SumFn.apply(self if dtype is None else self.to(dtype), axis=dim, keepdims=keepdim)

    def mean(self, dim=None, keepdim: bool = False, dtype=None, *, axis=None, keepdims=None):
        dim, keepdim = reduce_args(dim, keepdim, axis, keepdims)
        return ops.MeanFn.apply(self if dtype is None else self.to(dtype), axis=dim, keepdims=keepdim)

    def amax(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
        """Largest value over ``dim``; ties share the gradient equally (``torch.amax``)."""
        dim, keepdim = reduce_args(dim, keepdim, axis, keepdims)
        return ops.MaxFn.apply(self, axis=dim, keepdims=keepdim)

    def amin(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
        """Smallest value over ``dim``; ties share the gradient equally (``torch.amin``)."""
        dim, keepdim = reduce_args(dim, keepdim, axis, keepdims)
        return ops.MinFn.apply(self, axis=dim, keepdims=keepdim)

    def max(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
        """PyTorch's three ``max``: of all values; ``(values, indices)`` along ``dim``; elementwise with a tensor."""
        return self._extreme("max", dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
        """PyTorch's three ``min``: of all values; ``(values, indices)`` along ``dim``; elementwise with a tensor."""
        return self._extreme("min", dim, keepdim, axis, keepdims)

    def _extreme(self, name: str, dim, keepdim, axis, keepdims):
        if isinstance(dim, Tensor):
            return self.maximum(dim) if name == "max" else self.minimum(dim)
        dim, keepdim = reduce_args(dim, keepdim, axis, keepdims)
        if dim is None:  # all values; ties share the gradient, as PyTorch's max() without dim
            return self.amax(None, keepdim) if name == "max" else self.amin(None, keepdim)
        if isinstance(dim, tuple):
            raise TypeError(f"{name}(dim) takes one dim; use amax/amin for several")
        indices = self._arg_extreme("arg" + name, dim, keepdim=True)
        values = ops.gather(self, dim, indices) if self.ndim else self
        if not keepdim and self.ndim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return MinMax(values, indices)

    def var(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, axis=None, keepdims=None):
        """Variance over ``dim``: ``correction`` 1 (``unbiased=True``, PyTorch's default) or 0."""
        dim, keepdim = reduce_args(dim, keepdim, axis, keepdims)
        if isinstance(unbiased, bool):
            correction = int(unbiased) if correction is None else correction
        return ops.VarFn.apply(self, axis=dim, keepdims=keepdim, correction=1 if correction is None else correction)

    def std(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, axis=None, keepdims=None):
        return self.var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims).sqrt()

    def argmax(self, dim=None, keepdim: bool = False, *, axis=None):
        return self._arg_extreme("argmax", dim if axis is None else axis, keepdim)

    def argmin(self, dim=None, keepdim: bool = False, *, axis=None):
        return self._arg_extreme("argmin", dim if axis is None else axis, keepdim)

    def _arg_extreme(self, name: str, axis, keepdim: bool = False) -> Tensor:
        """Index of the largest or smallest value; over no values it is undefined (PyTorch raises too)."""
        if axis is not None:
            axis = axis_index(axis, max(self.ndim, 1), name)
            axis = axis if self.ndim else None  # a 0-d tensor takes axis 0 or -1, as in PyTorch
        try:
            found = getattr(self._data, name)(axis=axis, keepdims=keepdim and axis is not None)
        except ValueError as error:
            raise ShapeError(f"{name}: {error} (input shape {self._data.shape}, axis {axis})") from error
        return Tensor._wrap(np.asarray(found, np.int64))

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape):
        return ops.ReshapeFn.apply(self, shape=_size(shape))

    def view(self, *shape):
        """A view with another shape; like PyTorch, refuses a layout that only a copy could give (use reshape)."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
            raise NotImplementedError("view(dtype): reinterpreting the bytes of a tensor is not supported")
        shape = _size(shape)
        probe = self._data.view()
        try:
            probe.shape = shape
        except AttributeError as error:
            raise RuntimeError(
                f"view({shape}): the tensor of shape {self._data.shape} is not contiguous in a way this view needs; "
                "use .reshape(...) or .contiguous().view(...)"
            ) from error
        except ValueError as error:
            raise ShapeError(
                f"view: shape {shape} is invalid for a tensor of shape {self._data.shape}: {error}"
            ) from error
        return ops.ReshapeFn.apply(self, shape=shape)

    def view_as(self, other: Tensor) -> Tensor:
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def contiguous(self) -> Tensor:
        return self if self._data.flags.c_contiguous else self.clone()

    def clone(self) -> Tensor:
        """A copy with its own storage; the gradient flows back to this tensor."""
        return ops.CopyFn.apply(self)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        shape = self._data.shape
        ndim = max(self.ndim, 1)  # a 0-d tensor flattens to shape (1,), as in PyTorch
        start, end = axis_index(start_dim, ndim, "flatten"), axis_index(end_dim, ndim, "flatten")
        if start > end:
            raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}")
        return self.reshape(shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :])

    def squeeze(self, dim=None, *, axis=None):
        """Drop the axes of size 1: all, or those among ``dim`` (an int or a tuple); others stay, as in PyTorch."""
        dim = dim if axis is None else axis
        shape = self._data.shape
        if dim is None:
            chosen = range(len(shape))
        else:
            axes = dim if isinstance(dim, (tuple, list)) else (dim,)
            chosen = {axis_index(a, max(self.ndim, 1), "squeeze") for a in axes}
        return self.reshape(tuple(n for i, n in enumerate(shape) if n != 1 or i not in chosen))

    def unsqueeze(self, dim: int):
        shape = self._data.shape
        dim = axis_index(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(shape[:dim] + (1,) + shape[dim:])

    def permute(self, *dims):
        return ops.PermuteFn.apply(self, axes=_size(dims))

    def transpose(self, dim0: int = -2, dim1: int = -1):
        """Swap two axes (PyTorch's ``transpose(dim0, dim1)``)."""
        axes = list(range(self.ndim))
        ndim = max(self.ndim, 1)
        dim0, dim1 = axis_index(dim0, ndim, "transpose"), axis_index(dim1, ndim, "transpose")
        if axes:
            axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)

    def t(self) -> Tensor:
        """The transpose of a matrix (a tensor of at most 2 dimensions, as ``torch.t``)."""
        if self.ndim > 2:
            raise ShapeError(
                f"t() expects a tensor of at most 2 dimensions, got shape {self._data.shape}; use transpose"
            )
        return self.transpose(0, -1) if self.ndim == 2 else self

    def expand(self, *shape):
        return ops.ExpandFn.apply(self, shape=_size(shape))

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def repeat(self, *sizes) -> Tensor:
        """Tile the tensor ``sizes`` times along each axis (``torch.Tensor.repeat``)."""
        sizes = _size(sizes)
        if len(sizes) < self.ndim:
            raise ShapeError(f"repeat: {len(sizes)} sizes for a tensor of {self.ndim} dimensions")
        shape = (1,) * (len(sizes) - self.ndim) + self._data.shape
        tiled = self.reshape(tuple(x for n in shape for x in (1, n)))
        tiled = tiled.expand(tuple(x for r, n in zip(sizes, shape) for x in (r, n)))
        return tiled.reshape(tuple(r * n for r, n in zip(sizes, shape)))

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        dim = axis_index(dim, self.ndim, "narrow")
        return self[(slice(None),) * dim + (slice(start, start + length),)]

    def split(self, split_size_or_sections, dim: int = 0, *, axis=None):
        """Pieces of ``split_size`` along ``dim`` (an int), or of the given sizes (a list)."""
        return ops.split(self, split_size_or_sections, dim if axis is None else axis)

    def chunk(self, chunks: int, dim: int = 0, *, axis=None):
        """``chunks`` near-equal pieces along ``dim`` (fewer when the axis is shorter, as in PyTorch)."""
        dim = dim if axis is None else axis
        if chunks <= 0:
            raise ShapeError(f"chunk: chunks must be positive, got {chunks}")
        length = self._data.shape[axis_index(dim, self.ndim, "chunk")]
        return ops.split(self, -(-length // chunks) if length else [0] * chunks, dim)

    def unbind(self, dim: int = 0) -> tuple:
        return tuple(piece.squeeze(dim) for piece in self.split(1, dim))

    # ----------------------------------------------------------------- new tensors like this one
    def new_tensor(self, data, dtype=None, requires_grad: bool = False) -> Tensor:
        return Tensor(np.array(_as_array(data), dtype=dtype or self._data.dtype), requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
        return Tensor(np.full(_size((size,)), fill_value, dtype or self._data.dtype), requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad: bool = False) -> Tensor:
        return self.new_full(_size(size), 0, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad: bool = False) -> Tensor:
        return self.new_full(_size(size), 1, dtype, requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad: bool = False) -> Tensor:
        return self.new_full(_size(size), 0, dtype, requires_grad)


class Size(tuple):
    """A shape, as PyTorch's ``Size``: a tuple that prints as ``glassnet.Size([2, 3])`` and slices to a Size."""

    __slots__ = ()

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other) -> Size:
        return Size(tuple.__add__(self, tuple(other)))

    def numel(self) -> int:
        return math.prod(self)

    def __repr__(self) -> str:
        return f"glassnet.Size({list(self)})"


class device:
    """PyTorch's ``device``: glassnet computes on the CPU, so any other device type raises."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index: int | None = None):
        name = type.type if isinstance(type, device) else str(type)
        if name.split(":")[0] != "cpu":
            raise NotImplementedError(f"device {name!r}: glassnet runs on the CPU only (NumPy); use 'cpu'")
        self.type, self.index = "cpu", index

    def __eq__(self, other) -> bool:
        return isinstance(other, (device, str)) and str(other).split(":")[0] == "cpu"

    __hash__ = object.__hash__

    def __str__(self) -> str:
        return "cpu"

    def __repr__(self) -> str:
        return "device(type='cpu')"


from . import autograd, ops  # noqa: E402  (ops need Tensor defined first)


def _in_place(name: str):
    """``x.<name>_(...)``: ``x.<name>(...)`` written into ``x`` (see ``Tensor._write``)."""

    def method(self, *args, **kwargs) -> Tensor:
        return self._write(name + "_", getattr(self._operand(), name)(*args, **kwargs))

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"``{name}`` in place, as PyTorch's ``{name}_``."
    return method


for _name in ("abs add clamp clamp_min clamp_max clip cos div exp floor log masked_fill mul neg pow reciprocal relu "
              "round rsqrt sigmoid sign sin sqrt square sub tanh").split():  # fmt: skip
    setattr(Tensor, _name + "_", _in_place(_name))
