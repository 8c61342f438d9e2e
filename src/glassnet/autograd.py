"""Reverse-mode automatic differentiation: Function, Context, the backward walk, no_grad.

A primitive op is a :class:`Function` subclass with ``forward(ctx, *arrays)`` and
``backward(ctx, grad)`` side by side. ``Function.apply`` runs the forward on raw arrays and,
when a gradient is wanted, records a :class:`Context` on the output. :func:`backward` walks
the recorded graph once, in reverse creation order (a reverse topological order), without recursion.

Broadcasting is undone in one place, :func:`unbroadcast`: a backward returns the gradient
in the broadcast shape and the walk sums it back to each input's shape.
"""

from __future__ import annotations

import functools
import heapq
import itertools

from .backend import xp_of
from .tensor import Tensor

_grad_enabled = True
_creation_order = itertools.count()  # stamps each recorded op: inputs always carry smaller numbers


class _Freed:
    """Marks a context whose saved arrays were released by a backward pass."""


_FREED = _Freed()


class Context:
    """What a forward leaves for its backward: saved arrays, inputs and which need a gradient."""

    __slots__ = ("fn", "inputs", "saved", "needs_input_grad", "seq", "__dict__")

    def save_for_backward(self, *arrays) -> None:
        self.saved = arrays


class Function:
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
    def apply(cls, *inputs, **kwargs) -> Tensor:
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        needs = tuple([isinstance(x, Tensor) and x.requires_grad for x in inputs])
        ctx = Context()
        ctx.saved = ()
        ctx.needs_input_grad = needs
        out = cls.forward(ctx, *arrays, **kwargs)
        if not (_grad_enabled and any(needs)):
            return Tensor._wrap(out)
        ctx.fn = cls
        ctx.inputs = inputs
        ctx.seq = next(_creation_order)
        return Tensor._wrap(out, ctx)


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


def backward(root: Tensor, grad=None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires a gradient."""
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad and has no graph")
    xp = xp_of(root.data)
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a scalar output; got shape {root.shape}. "
                "Pass grad= with the output's shape, or reduce the output first (e.g. .sum())."
            )
        grad = xp.ones_like(root.data)
    else:
        # a copy: the caller's array must not become (or be aliased by) some leaf's .grad
        grad = xp.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.data.dtype)
        if grad.shape != root.shape:
            raise RuntimeError(f"backward(): grad has shape {grad.shape}, output has shape {root.shape}")

    if root._ctx is None:
        _accumulate_leaf(root, grad, set())
        return
    # Every op's inputs were created before it, so popping nodes latest-created first visits each
    # node after all the nodes that consume it: its gradient is complete when it is popped.
    grads = {id(root): grad}
    pending = [(-root._ctx.seq, root)]
    owned = set()  # memory already stored in some leaf's .grad: never shared by two leaves
    while pending:
        node = heapq.heappop(pending)[1]
        g = grads.pop(id(node))
        for hook in (node._hooks or {}).values():
            if (r := hook(g)) is not None:
                g = r
        if node._retain_grad:
            node.grad = g if node.grad is None else node.grad + g
        ctx = node._ctx
        if ctx.saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time: its saved arrays were freed "
                "by the first backward(). Call backward(retain_graph=True) the first time."
            )
        input_grads = ctx.fn.backward(ctx, g)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        for parent, need, gi in zip(ctx.inputs, ctx.needs_input_grad, input_grads):
            if not need or gi is None:
                continue
            if gi.shape != parent.data.shape:
                gi = unbroadcast(gi, parent.data.shape)
            if parent._ctx is None:
                _accumulate_leaf(parent, gi, owned)
                continue
            key = id(parent)
            if key in grads:
                grads[key] = grads[key] + gi
            else:
                grads[key] = gi
                heapq.heappush(pending, (-parent._ctx.seq, parent))
        if not retain_graph:
            ctx.saved = _FREED
            ctx.__dict__.clear()


def _accumulate_leaf(leaf: Tensor, g, owned: set) -> None:
    """Add ``g`` to ``leaf.grad``, which is always a writable array that no other leaf shares.

    Optimizers and clipping update ``.grad`` in place, so a first gradient that is a NumPy
    scalar, a read-only broadcast view, or memory already given to another leaf is copied.
    """
    for hook in (leaf._hooks or {}).values():
        if (r := hook(g)) is not None:
            g = r
    data = leaf.data
    if leaf.grad is not None:
        g = leaf.grad + g  # out of place: ``g`` may still be pending for another node
    elif type(g) is type(data) and g.dtype == data.dtype and g.flags.writeable:
        memory = id(g if g.base is None else g.base)
        if memory in owned:
            g = g.copy()
        owned.add(memory)
        leaf.grad = g
        return
    leaf.grad = xp_of(data).array(g, dtype=data.dtype)


class no_grad:
    """Context manager and decorator that stops recording the graph (inference, updates)."""

    _enabled = False

    def __enter__(self):
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = self._enabled

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class enable_grad(no_grad):
    """Context manager and decorator that records the graph even inside ``no_grad``."""

    _enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled
