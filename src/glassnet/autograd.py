"""Reverse-mode automatic differentiation: Primitive, Context, the backward walk, no_grad, and PyTorch's Function.

A primitive op is a :class:`Primitive` subclass with ``forward(ctx, *arrays)`` and
``backward(ctx, grad)`` side by side. ``Primitive.apply`` runs the forward on raw arrays and,
when a gradient is wanted, records a :class:`Context` on the output. :func:`backward` walks
the recorded graph once, in reverse creation order (a reverse topological order), without recursion.

Broadcasting is undone in one place, :func:`unbroadcast`: a backward returns the gradient
in the broadcast shape and the walk sums it back to each input's shape.

Inside :class:`detect_anomaly` every forward output and backward gradient is checked for NaN and
inf, and the first op to make one is named with the line of user code that created it.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import os
import sys

import numpy as np

from .backend import xp_of
from .errors import AnomalyError, ShapeError

_grad_enabled = True
_anomaly_enabled = False
_PACKAGE_DIR = os.path.dirname(__file__) + os.sep  # spelled as the code objects' file names are
_creation_order = itertools.count()  # stamps each recorded op: inputs always carry smaller numbers


class _Freed:
    """Marks a context whose saved arrays were released by a backward pass."""


_FREED = _Freed()


class Context:
    """One node of the graph: what a forward leaves for its backward, and where the gradients go next.

    ``parents`` holds, per input, where its gradient goes: the node that made it, or the tensor itself for a
    leaf (and for an input that needs no gradient). Not the intermediate tensors: an activation that no
    backward saved is freed as soon as the forward moves on, as in PyTorch, whose nodes point to nodes too.
    ``output_shape`` is the output's shape. A tensor whose gradient someone asked to see (a hook, ``retain_grad``,
    ``autograd.grad``) is kept in ``__dict__["tensor"]`` (see :func:`keep_tensor`).
    """

    __slots__ = ("fn", "parents", "output_shape", "saved", "needs_input_grad", "seq", "__dict__")

    def save_for_backward(self, *arrays) -> None:
        self.saved = arrays


class Primitive:
    """A differentiable primitive. Subclasses write ``forward`` and ``backward`` only.

    ``forward(ctx, *arrays, **kwargs)`` receives raw arrays (and Python scalars) and returns
    an array. ``backward(ctx, grad)`` returns one gradient per array input (a tuple when there
    are several, ``None`` where ``ctx.needs_input_grad`` is False), in the broadcast shape.
    """

    __slots__ = ()

    @staticmethod
    def forward(ctx: Context, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def input_error(cls, error: ValueError, arrays: list) -> Exception:
        """The documented error for inputs the forward refused (NumPy raises ValueError on shapes and axes).

        A ShapeError naming the op and the input shapes; ops override it to say more. Called only after a
        forward has failed, so diagnosing costs nothing on the way that works.
        """
        return ShapeError(f"{op_name(cls)}: {error} (input shapes {describe_shapes(arrays)})")

    @classmethod
    def apply(cls, *inputs, **kwargs) -> Tensor:
        arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
        needs = tuple([isinstance(x, Tensor) and x.requires_grad for x in inputs])
        ctx = Context()
        ctx.saved = ()
        ctx.needs_input_grad = needs
        try:
            if _anomaly_enabled:
                out = _checked_forward(cls, ctx, arrays, kwargs)
            else:
                out = cls.forward(ctx, *arrays, **kwargs)
        except ShapeError:
            raise
        except ValueError as error:
            raise cls.input_error(error, arrays) from error
        if not (_grad_enabled and any(needs)):
            return Tensor._wrap(out)
        ctx.fn = cls
        ctx.parents = _parents(inputs, needs)
        ctx.seq = next(_creation_order)
        result = Tensor._wrap(out, ctx)
        ctx.output_shape = result._data.shape
        return result


def _parents(inputs, needs) -> tuple:
    """Where each input's gradient goes: the node that made it, or the input itself (a leaf, or no gradient)."""
    return tuple([x._ctx if need and x._ctx is not None else x for x, need in zip(inputs, needs)])


def keep_tensor(tensor: Tensor) -> None:
    """Keep a non-leaf ``tensor`` with its node, so that the backward pass finds its hooks and ``retain_grad``.

    Nodes do not hold their output tensors (see :class:`Context`); one with a hook would otherwise be freed,
    and its hook with it, as soon as the forward moved on.
    """
    if tensor._ctx is not None:
        tensor._ctx.__dict__["tensor"] = tensor


def mark_overwritten(old: Context | None, new: Context | None) -> None:
    """Record that an in-place op replaced the output of ``old`` by that of ``new`` (see ``Tensor._write``):
    a node that read the old value and comes before ``new`` can no longer get a correct gradient."""
    if old is not None:
        old.__dict__["overwritten"] = next(_creation_order) if new is None else new.seq


def op_name(fn) -> str:
    """The name errors show for a kernel: ``MatMul`` for ``MatMulFn`` (the suffix only tells kernels from modules)."""
    return fn.__name__.removesuffix("Fn")


def describe_shapes(values) -> str:
    """The shapes of an op's inputs for an error message; a Python number or None by its type.

    ``values`` may hold graph nodes (a node's parents): a node stands for its output.
    """
    shapes = (x.output_shape if type(x) is Context else getattr(x, "shape", None) for x in values)
    return ", ".join(type(x).__name__ if s is None else str(tuple(s)) for x, s in zip(values, shapes))


def unbroadcast(grad, shape: tuple):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def backward(root: Tensor, grad=None, retain_graph: bool = False, captured: dict | None = None) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires a gradient.

    With ``captured`` (``{id(tensor): None}``), the gradients of those tensors are written there instead
    and no ``.grad`` changes: :func:`grad`'s way.
    """
    if isinstance(root, (tuple, list)):  # torch.autograd.backward(tensors, grad_tensors)
        for r, g in zip(root, grad if grad is not None else [None] * len(root)):
            backward(r, g, retain_graph, captured)
        return
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad and has no graph")
    xp = xp_of(root._data)
    if grad is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a scalar output; got shape {tuple(root.shape)}. "
                "Pass grad= with the output's shape, or reduce the output first (e.g. .sum())."
            )
        grad = xp.ones_like(root._data)
    else:
        # a copy: the caller's array must not become (or be aliased by) some leaf's .grad
        grad = xp.array(grad._data if isinstance(grad, Tensor) else grad, dtype=root._data.dtype)
        if grad.shape != root.shape:
            raise RuntimeError(f"backward(): grad has shape {tuple(grad.shape)}, output has shape {tuple(root.shape)}")

    owned = set()  # memory already stored in some leaf's .grad: never shared by two leaves
    if captured is None:
        deliver = lambda leaf, g: _accumulate_leaf(leaf, g, owned)  # noqa: E731
    else:
        deliver = lambda leaf, g: _capture(captured, leaf, g)  # noqa: E731
    if root._ctx is None:
        deliver(root, grad)
        return
    # Every op's inputs were created before it, so popping nodes latest-created first visits each
    # node after all the nodes that consume it: its gradient is complete when it is popped.
    check_anomaly = _anomaly_enabled
    grads = {root._ctx: grad}
    pending = [(-root._ctx.seq, root._ctx)]
    while pending:
        ctx = heapq.heappop(pending)[1]
        g = grads.pop(ctx)
        node = ctx.__dict__.get("tensor")  # the output tensor, kept only when someone watches its gradient
        if node is not None and node._ctx is ctx:
            if node._hooks:
                g = _run_hooks(node, g)
            if captured is not None:
                _capture(captured, node, g)
            elif node._retain_grad:
                node._grad = Tensor._wrap(g if node._grad is None else node._grad._data + g)
        if ctx.saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time: its saved arrays were freed "
                "by the first backward(). Call backward(retain_graph=True) the first time."
            )
        input_grads = _checked_backward(ctx, g) if check_anomaly else ctx.fn.backward(ctx, g)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        for parent, need, gi in zip(ctx.parents, ctx.needs_input_grad, input_grads):
            if not need or gi is None:
                continue
            if type(parent) is not Context:  # a leaf
                if gi.shape != parent._data.shape:
                    gi = unbroadcast(gi, parent._data.shape)
                deliver(parent, gi)
                continue
            if gi.shape != parent.output_shape:
                gi = unbroadcast(gi, parent.output_shape)
            if parent.__dict__.get("overwritten", -1) > ctx.seq:
                raise RuntimeError(
                    f"{op_name(ctx.fn)} read a tensor that an in-place op changed afterwards, so its gradient "
                    "would be wrong; make the in-place change out of place (x = x + y instead of x += y)"
                )
            if parent in grads:
                grads[parent] = grads[parent] + gi
            else:
                grads[parent] = gi
                heapq.heappush(pending, (-parent.seq, parent))
        if not retain_graph:
            # Drop everything the node holds, its parents too: a loss kept after backward() (in a list, in a
            # closure) must not keep the forward activations of the whole graph alive.
            ctx.saved = _FREED
            ctx.parents = ()
            ctx.__dict__.clear()


def _accumulate_leaf(leaf: Tensor, g, owned: set) -> None:
    """Add ``g`` to ``leaf.grad``, a Tensor whose array is writable and shared with no other leaf.

    Optimizers and clipping update ``.grad`` in place, so a first gradient that is a NumPy
    scalar, a read-only broadcast view, or memory already given to another leaf is copied.
    """
    if leaf._hooks:
        g = _run_hooks(leaf, g)
    data = leaf._data
    if leaf._grad is not None:
        leaf._grad = Tensor._wrap(leaf._grad._data + g)  # out of place: ``g`` may still be pending for another node
        return
    if type(g) is type(data) and g.dtype == data.dtype and g.flags.writeable:
        memory = id(g if g.base is None else g.base)
        if memory in owned:
            g = g.copy()
        owned.add(memory)
    else:
        g = xp_of(data).array(g, dtype=data.dtype)
    leaf._grad = Tensor._wrap(g)


def _capture(captured: dict, tensor: Tensor, g) -> None:
    """Add ``g`` to ``captured[id(tensor)]`` when the tensor is one asked for; other leaves are left alone."""
    key = id(tensor)
    if key in captured:
        captured[key] = g if captured[key] is None else captured[key] + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False, allow_unused=None):
    """d(outputs)/d(inputs) as a tuple of Tensors, without touching any ``.grad`` (``torch.autograd.grad``).

    An input the outputs do not depend on raises, unless ``allow_unused`` (then its gradient is None).
    """
    if create_graph:
        raise NotImplementedError(
            "autograd.grad(create_graph=True): glassnet's backward passes are not recorded, so there are no "
            "gradients of gradients"
        )
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs)
    captured = {id(x): None for x in inputs}
    for x in inputs:
        keep_tensor(x)  # so that the walk finds it at its node
    backward(list(outputs), list(grad_outputs), bool(retain_graph), captured)
    results = []
    for i, x in enumerate(inputs):
        g = captured[id(x)]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"autograd.grad: input {i} (shape {tuple(x.shape)}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        results.append(None if g is None else Tensor._wrap(np.array(g, dtype=x._data.dtype)))
    return tuple(results)


def _run_hooks(tensor: Tensor, g):
    """Pass the gradient ``g`` (an array) through ``tensor``'s hooks, which see and may return Tensors."""
    for hook in tensor._hooks.values():
        if (r := hook(Tensor._wrap(g))) is not None:
            g = r._data if isinstance(r, Tensor) else r
    return g


class _GlobalSwitch:
    """Context manager and decorator that sets the module flag named ``_flag`` to ``_value``, restored on exit.

    A module global rather than an attribute: ``Primitive.apply`` reads it once per op, the cheapest read there is.
    """

    _flag: str
    _value: bool

    def __enter__(self):
        self._previous = globals()[self._flag]
        globals()[self._flag] = self._value

    def __exit__(self, *exc):
        globals()[self._flag] = self._previous

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GlobalSwitch):
    """Context manager and decorator that stops recording the graph (inference, updates)."""

    _flag = "_grad_enabled"
    _value = False


class enable_grad(no_grad):
    """Context manager and decorator that records the graph even inside ``no_grad``."""

    _value = True


class set_grad_enabled:
    """Turn recording on or off: at once when called, and back to the previous state when used with ``with``.

    As ``torch.set_grad_enabled``: ``set_grad_enabled(False)`` alone switches it off for good.
    """

    def __init__(self, mode: bool):
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._previous


class inference_mode(no_grad):
    """``torch.inference_mode``: here the same as ``no_grad`` (``inference_mode(False)`` records)."""

    def __init__(self, mode: bool = True):
        self._value = not mode


def is_grad_enabled() -> bool:
    return _grad_enabled


# ----------------------------------------------------------------------------- anomaly mode
class detect_anomaly(_GlobalSwitch):
    """Context manager and decorator that names the first op whose forward or backward makes NaN or inf.

    Like ``torch.autograd.detect_anomaly``: inside it every op records where user code created it (the
    first stack frame outside glassnet), and a forward output or backward gradient holding NaN or inf
    raises :class:`~glassnet.errors.AnomalyError` with the op, the pass, that site and the input shapes.
    NumPy's floating-point warnings are silenced per op, as the error says more. Ops are slower inside
    (a stack walk and a scan of every result); outside, the mode costs one flag check per op.
    The backward pass is checked when ``backward()`` is called inside the mode.
    """

    _flag = "_anomaly_enabled"
    _value = True


def is_anomaly_enabled() -> bool:
    return _anomaly_enabled


def _creation_site() -> str:
    """Where user code created the op: the first frame outside glassnet (else the caller of ``apply``)."""
    frame = first = sys._getframe(3)  # the caller of Primitive.apply
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    frame = frame or first
    return f'"{frame.f_code.co_filename}", line {frame.f_lineno}, in {frame.f_code.co_name}'


def _checked_forward(cls, ctx: Context, arrays: list, kwargs: dict):
    """``cls.forward`` that records the op's creation site and raises if its output is not finite."""
    ctx.site = _creation_site()
    with np.errstate(all="ignore"):
        out = cls.forward(ctx, *arrays, **kwargs)
    _raise_if_not_finite(out, "forward", "its output", cls, ctx, arrays)
    return out


def _checked_backward(ctx: Context, grad) -> tuple:
    """``ctx.fn.backward`` that raises if a gradient it returns is not finite."""
    with np.errstate(all="ignore"):
        input_grads = ctx.fn.backward(ctx, grad)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    for i, gi in enumerate(input_grads):
        if gi is not None:
            _raise_if_not_finite(gi, "backward", f"the gradient of input {i}", ctx.fn, ctx, ctx.parents)
    return input_grads


def _raise_if_not_finite(array, phase: str, what: str, fn, ctx: Context, inputs) -> None:
    xp = xp_of(array)
    if xp.isfinite(array).all():
        return
    nan, inf = int(xp.isnan(array).sum()), int(xp.isinf(array).sum())
    site = getattr(ctx, "site", "an unknown site (the graph was built outside detect_anomaly())")
    raise AnomalyError(
        f"{op_name(fn)} {phase}: {what} holds {nan} NaN and {inf} inf of {xp.size(array)} values; "
        f"op created at {site}; input shapes: {describe_shapes(inputs)}"
    )


# ----------------------------------------------------------------------------- PyTorch's custom Function
class FunctionCtx:
    """The ``ctx`` a custom :class:`Function` sees: what its forward keeps for its backward."""

    def save_for_backward(self, *tensors) -> None:
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Accepted for PyTorch programs; glassnet's Functions have one output, whose gradient is used."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch programs: the gradient passed to backward is always a tensor here."""


class _FunctionNode:
    """The graph node of one custom Function call: the engine passes arrays, the user's backward sees Tensors."""

    __slots__ = ("__name__", "user")

    def __init__(self, user: type):
        self.user, self.__name__ = user, user.__name__ + "Backward"

    def backward(self, ctx: Context, grad):
        with no_grad():
            grads = self.user.backward(ctx.user_ctx, Tensor._wrap(grad))
        grads = grads if isinstance(grads, tuple) else (grads,)
        inputs = len(ctx.parents)
        if len(grads) > inputs and all(g is None for g in grads[inputs:]):
            grads = grads[:inputs]  # None for defaulted inputs that were not passed, as PyTorch allows
        if len(grads) != inputs:
            raise RuntimeError(
                f"{self.user.__name__}.backward returned {len(grads)} gradients for {inputs} forward inputs"
            )
        return tuple(g._data if isinstance(g, Tensor) else g for g in grads)


class Function:
    """PyTorch's ``torch.autograd.Function``: write ``forward(ctx, *inputs)`` and ``backward(ctx, grad_output)``
    as static methods on Tensors, then call ``YourFunction.apply(*inputs)``.

    ``forward`` runs without recording (as in PyTorch); ``backward`` returns one gradient (or None) per forward
    input. Several outputs are not supported: a forward returning a tuple raises NotImplementedError.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        user_ctx = FunctionCtx()
        user_ctx.saved_tensors = ()
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        user_ctx.needs_input_grad = needs
        with no_grad():
            out = cls.forward(user_ctx, *args)
        if not (_grad_enabled and any(needs)):
            return out
        if not isinstance(out, Tensor):
            raise NotImplementedError(
                f"{cls.__name__}.forward returned {type(out).__name__}: glassnet's custom Functions have one Tensor "
                "output; split a Function with several outputs into several"
            )
        ctx = Context()
        ctx.fn, ctx.parents, ctx.saved, ctx.needs_input_grad = _node_for(cls), _parents(args, needs), (), needs
        ctx.user_ctx, ctx.seq, ctx.output_shape = user_ctx, next(_creation_order), out._data.shape
        return Tensor._wrap(out._data, ctx)


@functools.cache
def _node_for(cls: type) -> _FunctionNode:
    """The node of ``cls``'s calls, of a class named ``<cls>Backward`` as PyTorch names ``grad_fn``'s type."""
    return type(cls.__name__ + "Backward", (_FunctionNode,), {"__slots__": ()})(cls)


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, fast_mode: bool = False) -> bool:  # fmt: skip
    """PyTorch's ``torch.autograd.gradcheck``: every entry of the Jacobian of ``func`` (one or several Tensor
    outputs) with respect to each float64 input that requires grad, backward against central differences.

    ``nondet_tol`` and ``fast_mode`` are accepted for PyTorch's sake; glassnet's backward is deterministic and
    the whole Jacobian is always checked.
    """
    return jacobian_check(func, inputs, eps, atol, rtol, raise_exception)


from .gradcheck import jacobian_check  # noqa: E402  (it needs Tensor)
from .tensor import Tensor  # noqa: E402  (last: tensor imports this module and ops, which need Primitive)

__all__ = [
    "Function",
    "FunctionCtx",
    "Primitive",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "inference_mode",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
