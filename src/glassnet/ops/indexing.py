"""Index-driven primitives and the ops built on them: gather, scatter, cumsum, cumprod, sort and topk, einsum.

``gather`` is the one primitive that picks values by index; ``sort``, ``topk`` and ``max(dim)`` gather
their values through it, so their gradients need no code of their own.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..autograd import Primitive
from ..backend import random_generator, xp_of
from ..errors import ShapeError
from ..tensor import Tensor, axis_index


class SortResult(NamedTuple):
    """What ``sort`` and ``topk`` return, as PyTorch's named tuples: the values and where they came from."""

    values: Tensor
    indices: Tensor


def _index_array(index, x_ndim: int, op: str) -> np.ndarray:
    """``index`` as an int64 array with ``x_ndim`` dimensions (PyTorch's gather and scatter need as many;
    a 0-d input takes a 0-d or 1-d index)."""
    index = index.numpy() if isinstance(index, Tensor) else np.asarray(index)
    if index.dtype.kind not in "iu":
        raise ShapeError(f"{op}: index must hold integers, got dtype {index.dtype.name}")
    if index.ndim != x_ndim and not (x_ndim == 0 and index.ndim == 1):
        raise ShapeError(f"{op}: index has {index.ndim} dimensions, the input {x_ndim}; they must match")
    return index.astype(np.int64, copy=False)


def _check_range(index: np.ndarray, size: int, op: str, shape: tuple, dim: int) -> None:
    """Indices in [0, size): gather and scatter, as PyTorch's, do not count negative indices from the end."""
    if index.size and (index.min() < 0 or index.max() >= size):
        raise ShapeError(
            f"{op}: index out of range for dimension {dim} of size {size} (input shape {shape}); "
            f"got values {index.min()}..{index.max()}"
        )


def _check_fits(index: np.ndarray, shape: tuple, dim, op: str, what: str) -> None:
    """PyTorch's rule: index.size(d) <= shape[d] for every d (but ``dim``, where ``dim`` is given)."""
    for k, (n, m) in enumerate(zip(index.shape, shape)):
        if k != dim and n > m:
            raise ShapeError(
                f"{op}: index shape {tuple(index.shape)} is larger than {what} shape {tuple(shape)} at dim {k}"
            )


def _places(index: np.ndarray, dim: int) -> tuple:
    """The full index tuple that ``index`` along ``dim`` means: arange on every other axis (broadcast)."""
    places = [np.arange(n).reshape((-1,) + (1,) * (index.ndim - k - 1)) for k, n in enumerate(index.shape)]
    places[dim] = index
    return tuple(places)


class GatherFn(Primitive):
    """y[i][j] = x[i][index[i][j]] along ``dim`` (``torch.gather``); the gradient is added back where it came from."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.shape, ctx.index, ctx.dim = x.shape, index, dim
        return np.take_along_axis(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        out = xp_of(grad).zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, _places(ctx.index, ctx.dim), grad)  # add.at: an index picked twice gets both gradients
        return out


def gather(input: Tensor, dim: int, index) -> Tensor:
    """Values of ``input`` picked along ``dim`` by ``index`` (same number of dimensions), as ``torch.gather``."""
    dim = axis_index(dim, max(input.ndim, 1), "gather")
    index = _index_array(index, input.ndim, "gather")
    if not input.ndim:
        return input.reshape(1)[Tensor._wrap(index)].reshape(index.shape)
    _check_fits(index, input.shape, dim, "gather", "input")
    _check_range(index, input.shape[dim], "gather", input.shape, dim)
    if index.shape[:dim] + index.shape[dim + 1 :] != input.shape[:dim] + input.shape[dim + 1 :]:
        slicer = tuple(slice(0, n) if k != dim else slice(None) for k, n in enumerate(index.shape))
        input = input[slicer]
    return GatherFn.apply(input, index=index, dim=dim)


class ScatterFn(Primitive):
    """y = x with y[i][index[i][j]] = src[i][j] along ``dim`` (``torch.scatter``, or ``scatter_add`` when ``add``).

    Without ``add`` the written places get no gradient from y; src's gradient is y's at the places it went to.
    """

    @staticmethod
    def forward(ctx, x, src, index, dim, add):
        ctx.index, ctx.dim, ctx.add = index, dim, add
        y = x.copy()
        src = np.broadcast_to(src, index.shape)
        ctx.places = _places(index, dim)
        if add:
            np.add.at(y, ctx.places, src)
        else:
            y[ctx.places] = src
        return y

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad_src = None
        if ctx.needs_input_grad[0]:
            grad_x = grad if ctx.add else grad.copy()
            if not ctx.add:
                grad_x[ctx.places] = 0
        if ctx.needs_input_grad[1]:
            grad_src = grad[ctx.places]
        return grad_x, grad_src


def _scatter(input: Tensor, dim: int, index, src, add: bool, op: str) -> Tensor:
    dim = axis_index(dim, max(input.ndim, 1), op)
    index = _index_array(index, input.ndim, op)
    _check_range(index, input.shape[dim] if input.ndim else 1, op, input.shape, dim)
    _check_fits(index, input.shape, dim, op, "input")
    if isinstance(src, Tensor):
        _check_fits(index, src.shape, None, op, "src")
        src = src if src.shape == index.shape else src[tuple(slice(0, n) for n in index.shape)]
        src = src if src.dtype == input.dtype else src.to(input.dtype)
    else:
        src = np.asarray(src, input.dtype)
    return ScatterFn.apply(input, src, index=index, dim=dim, add=add)


def scatter(input: Tensor, dim: int, index, src=None, value=None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor or a number) written at ``index`` along ``dim``."""
    return _scatter(input, dim, index, value if src is None else src, False, "scatter")


def scatter_add(input: Tensor, dim: int, index, src) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate)."""
    return _scatter(input, dim, index, src, True, "scatter_add")


class CumSumFn(Primitive):
    """y_k = sum_{i <= k} x_i along ``dim``; the gradient is the reversed cumulative sum of the output's."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim, dtype=x.dtype if x.dtype.kind == "f" else np.int64)

    @staticmethod
    def backward(ctx, grad):
        flipped = np.flip(grad, ctx.dim)
        return np.flip(np.cumsum(flipped, axis=ctx.dim), ctx.dim)


def cumsum(input: Tensor, dim: int) -> Tensor:
    if not input.ndim:
        return input.clone()
    return CumSumFn.apply(input, dim=axis_index(dim, input.ndim, "cumsum"))


class CumProdFn(Primitive):
    """y_k = prod_{i <= k} x_i along ``dim``; dx_j = sum_{k >= j} dy_k prod_{i <= k, i != j} x_i.

    Before the first zero of a line that sum is (reversed cumsum of dy * y)_j / x_j. At the first zero z
    it is the reversed cumsum of dy * cumprod(x with x_z set to 1), read at z; after it every term holds
    x_z = 0, so the gradient is zero. Vectorised over the lines; exact with any number of zeros.
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = np.cumprod(x, axis=dim, dtype=x.dtype if x.dtype.kind == "f" else np.int64)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved
        if not x.shape[ctx.dim]:  # empty lines: nothing to differentiate
            return grad
        x, y, grad = (np.moveaxis(a, ctx.dim, -1) for a in (x, y, grad))  # lines along the last axis
        zero = x == 0
        first = zero.argmax(axis=-1)[..., None]  # the first zero of each line (0 where there is none)
        has_zero = np.take_along_axis(zero, first, axis=-1)
        position = np.arange(x.shape[-1])
        before = ~has_zero | (position < first)
        out = np.where(before, _reversed_cumsum(grad * y) / np.where(before, x, 1), 0)  # x != 0 where divided
        at_first = has_zero & (position == first)
        if at_first.any():
            skipped = np.cumprod(np.where(at_first, 1, x), axis=-1)  # the products without x_z
            out = np.where(at_first, np.take_along_axis(_reversed_cumsum(grad * skipped), first, axis=-1), out)
        return np.moveaxis(out, -1, ctx.dim)


def _reversed_cumsum(a):
    """s_j = sum_{k >= j} a_k along the last axis."""
    return np.cumsum(a[..., ::-1], axis=-1)[..., ::-1]


def cumprod(input: Tensor, dim: int, dtype=None) -> Tensor:
    """Cumulative products along ``dim``, as ``torch.cumprod``; ``dtype`` casts the input first."""
    if dtype is not None:
        input = input.to(dtype)
    if not input.ndim:
        return input.clone()
    return CumProdFn.apply(input, dim=axis_index(dim, input.ndim, "cumprod"))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim``; ties keep their order (a stable sort, so always as PyTorch's)."""
    if not input.ndim:
        return Tensor._wrap(np.zeros((), np.int64))
    dim = axis_index(dim, input.ndim, "argsort")
    data = input.numpy()
    if descending:  # a stable descending order: sort the negated keys (NaN, largest in PyTorch, first)
        keys = -data if data.dtype.kind in "fi" else ~data
        order = np.argsort(np.where(np.isnan(data), -np.inf, keys) if data.dtype.kind == "f" else keys, dim, "stable")
    else:
        order = np.argsort(data, axis=dim, kind="stable")
    return Tensor._wrap(order.astype(np.int64))


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
    """``input`` sorted along ``dim`` and the indices it came from; the values' gradient flows back through them."""
    indices = argsort(input, dim, descending)
    return SortResult(gather(input, dim, indices) if input.ndim else input, indices)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> SortResult:
    """The ``k`` largest (or smallest) values along ``dim``, in order, and their indices."""
    dim = axis_index(dim, max(input.ndim, 1), "topk")
    size = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise ShapeError(f"topk: k = {k} is out of range for dimension {dim} of size {size}")
    indices = argsort(input, dim, descending=largest).narrow(dim, 0, k) if input.ndim else argsort(input)
    return SortResult(gather(input, dim, indices) if input.ndim else input, indices)


class EinsumFn(Primitive):
    """``np.einsum(equation, *operands)``; each operand's gradient is an einsum of the output's and the others.

    For output labels ``out`` and operand ``k`` with labels ``in_k``: d/d x_k = einsum(out, others -> in_k),
    which covers products, contractions, outer products and sums over labels that appear in one operand
    only (broadcast back through a ones array). Repeated labels within one operand (diagonals) and
    ellipses are refused by :func:`einsum` before they get here.
    """

    @staticmethod
    def forward(ctx, *operands, inputs, output):
        ctx.labels, ctx.out_labels = inputs, output
        ctx.save_for_backward(*operands)
        return np.asarray(np.einsum(",".join(inputs) + "->" + output, *operands, optimize=len(operands) > 2))

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved
        grads = []
        for k, (labels, x) in enumerate(zip(ctx.labels, operands)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [(lab, op) for j, (lab, op) in enumerate(zip(ctx.labels, operands)) if j != k]
            # labels of x that neither the output nor another operand carries were summed away: ones bring them back
            known = set(ctx.out_labels).union(*[set(lab) for lab, _ in others])
            lonely = "".join(c for c in labels if c not in known)
            sizes = dict(zip(labels, x.shape))
            terms = [ctx.out_labels] + [lab for lab, _ in others] + ([lonely] if lonely else [])
            arrays = [grad] + [op for _, op in others]
            if lonely:
                arrays.append(np.ones([sizes[c] for c in lonely], grad.dtype))
            g = np.einsum(",".join(terms) + "->" + labels, *arrays, optimize=len(arrays) > 2)
            # a size-1 label broadcast against a longer one (PyTorch allows it): sum back x's size-1 axes,
            # spread the gradient over the axes that met a size-1 axis in another operand
            spread = tuple(a for a, (n, m) in enumerate(zip(x.shape, g.shape)) if n == 1 != m)
            g = g.sum(axis=spread, keepdims=True) if spread else g
            grads.append(g if g.shape == x.shape else np.broadcast_to(g, x.shape).copy())
        return tuple(grads)


def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over labelled axes (``torch.einsum``): ``einsum("bij,bjk->bik", a, b)`` is a batched matmul."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    if "." in equation:
        raise NotImplementedError(f"einsum({equation!r}): ellipsis ('...') is not supported; name every axis")
    inputs, arrow, output = equation.partition("->")
    inputs = inputs.split(",")
    if not arrow:  # implicit output: the labels that appear once, in alphabetical order
        joined = "".join(inputs)
        output = "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    if len(inputs) != len(operands):
        raise ShapeError(f"einsum({equation!r}): {len(inputs)} operand labels for {len(operands)} operands")
    for labels, x in zip(inputs, operands):
        if len(labels) != x.ndim:
            raise ShapeError(f"einsum({equation!r}): labels {labels!r} for an operand of shape {tuple(x.shape)}")
    inputs, operands = zip(*(_diagonal(x, labels, equation) for labels, x in zip(inputs, operands)))
    dtype = np.result_type(*[x.dtype for x in operands])
    operands = [x if x.dtype == dtype else x.to(dtype) for x in operands]
    return EinsumFn.apply(*operands, inputs=tuple(inputs), output=output)


def _diagonal(x: Tensor, labels: str, equation: str) -> tuple[str, Tensor]:
    """An operand whose label repeats (``"ii"``) replaced by its diagonal over those axes, by differentiable
    indexing, so that :class:`EinsumFn` sees each label once."""
    while repeated := next((c for c in labels if labels.count(c) > 1), None):
        axes = [k for k, c in enumerate(labels) if c == repeated]
        rest = [k for k, c in enumerate(labels) if c != repeated]
        sizes = {x.shape[k] for k in axes}
        if len(sizes) > 1:
            raise ShapeError(f"einsum({equation!r}): label {repeated!r} has sizes {sorted(sizes)} in one operand")
        steps = np.arange(sizes.pop())
        x = x.permute(*axes, *rest)[(steps,) * len(axes)]
        labels = repeated + "".join(labels[k] for k in rest)
    return labels, x


class EuclideanNormFn(Primitive):
    """sqrt(sum x^2) over ``dim``; the gradient x / norm, taken as 0 where the norm is 0 (PyTorch's choice,
    where sqrt's own derivative would give 0 * inf = NaN)."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        norm = np.sqrt(np.sum(x * x, axis=dim, keepdims=True))
        ctx.save_for_backward(x, norm)
        return norm if keepdim else np.squeeze(norm, axis=dim) if dim is not None else norm.reshape(())

    @staticmethod
    def backward(ctx, grad):
        x, norm = ctx.saved
        scale = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm != 0)
        return x * (scale * grad.reshape(norm.shape))


def vector_norm(input: Tensor, p="fro", dim=None, keepdim: bool = False) -> Tensor:
    """(sum |x_i|^p)^(1/p) over ``dim`` (all values by default) for any number p, and 'fro' as 2.

    inf is max |x_i|, -inf min |x_i|, 0 the count of non-zero values (joined to x with a zero gradient,
    so that backward reaches x as in PyTorch).
    """
    if isinstance(dim, list):
        dim = tuple(dim)
    if p == "fro" or p == 2:
        return EuclideanNormFn.apply(input, dim=None if dim is None else _axes(dim, input.ndim), keepdim=keepdim)
    if isinstance(p, str) or not isinstance(p, (int, float)):
        raise ValueError(f"norm: p must be a number (inf and -inf included) or 'fro'; got {p!r}")
    if p == 1:
        return input.abs().sum(dim, keepdim)
    if p == math.inf:
        return input.abs().amax(dim, keepdim)
    if p == -math.inf:
        return input.abs().amin(dim, keepdim)
    if p == 0:
        count = Tensor._wrap((input.numpy() != 0).sum(axis=dim, keepdims=keepdim).astype(input.dtype))
        return input.masked_fill(np.ones(input.shape, bool), 0.0).sum(dim, keepdim) + count
    return (input.abs() ** p).sum(dim, keepdim) ** (1.0 / p)


def _axes(dim, ndim: int) -> tuple:
    return tuple(axis_index(d, ndim, "norm") for d in (dim if isinstance(dim, tuple) else (dim,)))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, generator=None) -> Tensor:
    """Indices drawn with probability proportional to each row of ``input`` (weights need not sum to 1)."""
    weights = np.asarray(input.numpy(), np.float64)
    if weights.ndim not in (1, 2):
        raise ShapeError(f"multinomial: weights must be 1-D or 2-D, got shape {tuple(weights.shape)}")
    rows = weights.reshape(-1, weights.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(1) <= 0).any():
        raise ValueError("multinomial: weights must be finite, non-negative and not all zero in a row")
    if not replacement and num_samples > (rows > 0).sum(1).min():
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from fewer categories")
    rng = random_generator(generator)
    drawn = np.stack([rng.choice(len(r), num_samples, replace=replacement, p=r / r.sum()) for r in rows])
    return Tensor._wrap(drawn.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64))


def bernoulli(input: Tensor, p=None, generator=None) -> Tensor:
    """1 with probability ``input`` (or ``p``), else 0, in ``input``'s dtype."""
    prob = input.numpy() if p is None else np.full(input.shape, p)
    if np.any(prob < 0) or np.any(prob > 1) or np.isnan(prob).any():
        raise ValueError("bernoulli: probabilities must lie in [0, 1]")
    sample = random_generator(generator).random(input.shape) < prob
    return Tensor._wrap(sample.astype(input.dtype))
