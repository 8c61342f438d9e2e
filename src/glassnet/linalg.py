"""``torch.linalg`` for glassnet: solve, inv, det, lstsq, svdvals and the vector and matrix norms.

Matrices sit in the last two axes; leading axes are a batch and broadcast between ``A`` and ``B``. Every
function is differentiable: ``inv``, ``solve``, ``det``, ``lstsq`` and ``svdvals`` are primitives with
analytic gradients (``glassnet.ops.linalg``), the norms are composites of them and of elementwise ops.

A singular matrix given to ``inv`` or ``solve`` raises :class:`LinAlgError` (a RuntimeError, as PyTorch's);
a matrix of the wrong shape raises ``ShapeError`` and an integer one ``DTypeError``, naming the shapes and dtypes.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import ops
from .errors import DTypeError, LinAlgError, ShapeError
from .tensor import Tensor, axis_index

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class LstsqResult(NamedTuple):
    """What :func:`lstsq` returns, with the fields of PyTorch's ``torch.return_types.linalg_lstsq``.

    solution: X (*, n, k), or (*, n) for a vector B.
    residuals: ||AX - B||^2 per column (*, k) (k = 1 for a vector B) when the driver computes them, m > n
        and A has full rank; else empty. The default driver 'gelsy' never computes them, as in PyTorch.
    rank: the effective rank of A, int64 of shape (*), for every driver but 'gels' (empty there).
    singular_values: A's singular values (*, min(m, n)) for 'gelsd' and 'gelss'; else empty.
    """

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _floating(op: str, *tensors: Tensor) -> None:
    """Refuse integer inputs and inputs of two dtypes, as PyTorch's linalg functions do."""
    for t in tensors:
        if t.dtype.kind != "f":
            raise DTypeError(f"linalg.{op}: expected a floating-point tensor, got dtype {t.dtype.name}")
    if len({t.dtype for t in tensors}) > 1:
        dtypes = " and ".join(str(t.dtype) for t in tensors)
        raise DTypeError(f"linalg.{op}: expected A and B of one dtype, got {dtypes}")


def _square(op: str, A: Tensor) -> None:
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ShapeError(
            f"linalg.{op}: A must be a square matrix or a batch of them, (*, n, n); got shape {tuple(A.shape)}"
        )


def _batch(op: str, A: Tensor, B: Tensor) -> None:
    """The leading (batch) axes of A and B must broadcast."""
    try:
        np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"linalg.{op}: the batch axes of A {tuple(A.shape)} and B {tuple(B.shape)} do not broadcast "
            f"({tuple(A.shape[:-2])} and {tuple(B.shape[:-2])})"
        ) from None


def inv(A) -> Tensor:
    """A^-1 for a square matrix or a batch of them, (*, n, n) -> (*, n, n); dA = -A^-T dY A^-T."""
    A = _tensor(A)
    _square("inv", A)
    _floating("inv", A)
    return ops.InvFn.apply(A)


def det(A) -> Tensor:
    """The determinant, (*, n, n) -> (*); dA = det(A) A^-T (the cofactor matrix, also where A is singular)."""
    A = _tensor(A)
    _square("det", A)
    _floating("det", A)
    return ops.DetFn.apply(A)


def solve(A, B, *, left: bool = True) -> Tensor:
    """X with AX = B (or XA = B when ``left`` is False) for square, invertible A.

    A is (*, n, n); B is (*, n, k), or a vector (*, n) when it has one axis or has A's shape without its
    last axis (PyTorch's rule), giving X of B's form. Batch axes broadcast.
    Gradients: dB = solve(A^T, dX), dA = -dB X^T.
    """
    A, B = _tensor(A), _tensor(B)
    _square("solve", A)
    _floating("solve", A, B)
    if not left:
        if B.ndim < 2:
            raise ShapeError(f"linalg.solve(left=False): B must be a matrix (*, k, n), got shape {tuple(B.shape)}")
        return solve(A.transpose(-2, -1), B.transpose(-2, -1)).transpose(-2, -1)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    matrix = B.unsqueeze(-1) if vector else B
    if matrix.ndim < 2 or matrix.shape[-2] != A.shape[-1]:
        raise ShapeError(
            f"linalg.solve: incompatible shapes for AX = B: A {tuple(A.shape)} is (*, n, n), so B must be (*, n, k) "
            f"or (*, n) with n = {A.shape[-1]}; got B {tuple(B.shape)}"
        )
    _batch("solve", A, matrix)
    X = ops.SolveFn.apply(A, matrix)
    return X.squeeze(-1) if vector else X


def lstsq(A, B, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares solution X minimising ||AX - B|| (the one of least norm where several do).

    A is (*, m, n); B is (*, m, k), or (*, m) (a vector per batch element) when it has one axis fewer than A.
    Singular values of A below ``rcond`` times the largest count as zero (default: the dtype's machine
    epsilon times max(m, n), as PyTorch). ``driver`` names PyTorch's LAPACK driver, whose choice decides which
    fields are filled (see :class:`LstsqResult`); the solution is computed the same way for all, from the SVD.
    It is differentiable in A and B where the rank of A is locally constant (full column or full row rank);
    the residuals are too, when computed. The rank and singular values carry no gradient.
    """
    A, B = _tensor(A), _tensor(B)
    if A.ndim < 2:
        raise ShapeError(f"linalg.lstsq: A must be a matrix or a batch of them, (*, m, n); got {tuple(A.shape)}")
    _floating("lstsq", A, B)
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise ValueError(f"linalg.lstsq: driver must be one of {', '.join(_DRIVERS)} (or None); got {driver!r}")
    if B.ndim not in (A.ndim, A.ndim - 1):
        raise ShapeError(
            f"linalg.lstsq: B needs as many axes as A {tuple(A.shape)} or one fewer (a vector), got {tuple(B.shape)}"
        )
    vector = B.ndim == A.ndim - 1
    matrix = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2:]
    if matrix.shape[-2] != m:
        raise ShapeError(
            f"linalg.lstsq: A {tuple(A.shape)} has m = {m} rows, B {tuple(B.shape)} has {matrix.shape[-2]}"
        )
    _batch("lstsq", A, matrix)
    if rcond is None:
        rcond = float(np.finfo(A.dtype).eps) * max(m, n)
    pinv, singular_values, rank = ops.pseudo_inverse(A.numpy(), rcond)
    X = ops.LstsqFn.apply(A, matrix, pinv=pinv)

    empty = Tensor._wrap(np.zeros(0, A.dtype))
    residuals = empty
    if driver != "gelsy" and m > n and (driver == "gels" or bool((rank == n).all())):
        r = A @ X - matrix
        residuals = (r * r).sum(-2)
    return LstsqResult(
        X.squeeze(-1) if vector else X,
        residuals,
        Tensor._wrap(np.zeros(0, np.int64) if driver == "gels" else rank),
        Tensor._wrap(singular_values) if driver in ("gelsd", "gelss") else empty,
    )


def svdvals(A) -> Tensor:
    """The singular values of A (*, m, n), in descending order, (*, min(m, n)); dA = U diag(ds) V^T."""
    A = _tensor(A)
    if A.ndim < 2:
        raise ShapeError(
            f"linalg.svdvals: A must be a matrix or a batch of them, (*, m, n); got shape {tuple(A.shape)}"
        )
    _floating("svdvals", A)
    return ops.SingularValuesFn.apply(A)


def vector_norm(x, ord: float = 2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """(sum |x_i|^ord)^(1/ord) over ``dim`` (all values by default), as ``torch.linalg.vector_norm``.

    ord: any number; inf is max |x_i|, -inf min |x_i|, 0 the count of non-zero values (gradient zero).
    ``dtype`` casts x first.
    """
    x = _tensor(x)
    if dtype is not None:
        x = x.to(dtype)
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise ValueError(f"linalg.vector_norm: ord must be a number (inf and -inf included); got {ord!r}")
    return ops.vector_norm(x, ord, dim, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """A matrix norm over the two axes ``dim``, as ``torch.linalg.matrix_norm``.

    ord: 'fro' (sqrt of the sum of squares), 'nuc' (sum of singular values), 2 and -2 (largest and
    smallest singular value), 1 and -1 (largest and smallest column sum of |a_ij|), inf and -inf
    (largest and smallest row sum). A is (*, m, n); the result drops the two axes unless ``keepdim``.
    """
    A = _tensor(A)
    if dtype is not None:
        A = A.to(dtype)
    if A.ndim < 2:
        raise ShapeError(
            f"linalg.matrix_norm: A must be a matrix or a batch of them, (*, m, n); got shape {tuple(A.shape)}"
        )
    if not (isinstance(dim, (tuple, list)) and len(dim) == 2):
        raise ShapeError(f"linalg.matrix_norm: dim must be a pair of axes, got {dim!r}")
    rows, cols = (axis_index(d, A.ndim, "matrix_norm") for d in dim)
    if rows == cols:
        raise ShapeError(f"linalg.matrix_norm: dim {tuple(dim)} names one axis twice for shape {tuple(A.shape)}")
    if ord == "fro":
        return ops.vector_norm(A, 2, (rows, cols), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        summed, across = (rows, cols) if ord in (1, -1) else (cols, rows)  # column sums for 1, row sums for inf
        sums = A.abs().sum(summed, keepdim=True)
        return (sums.amax if ord > 0 else sums.amin)((rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        others = [d for d in range(A.ndim) if d not in (rows, cols)]
        s = svdvals(A.permute(others + [rows, cols]))
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((rows, cols)):
                out = out.unsqueeze(d)
        return out
    raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', 2, -2, 1, -1, inf or -inf; got {ord!r}")


def norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector or a matrix norm, chosen as ``torch.linalg.norm`` chooses.

    ``dim`` an int (or one axis in a tuple): :func:`vector_norm` (ord 2 by default). ``dim`` a pair:
    :func:`matrix_norm` ('fro' by default). No ``dim``: with no ``ord``, the 2-norm of all values;
    with an ``ord``, A must be 1-D (a vector norm) or 2-D (a matrix norm).
    """
    A = _tensor(A)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        if ord is None:
            return vector_norm(A, 2, None, keepdim, dtype=dtype)
        if A.ndim not in (1, 2):
            raise ShapeError(
                f"linalg.norm: with ord and no dim the input must be 1-D or 2-D, got shape {tuple(A.shape)}; pass dim"
            )
        dim = tuple(range(A.ndim))
    if len(dim) == 1:
        if isinstance(ord, str):
            raise ValueError(f"linalg.norm: ord {ord!r} is a matrix norm, but dim {dim} names one axis")
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    raise ShapeError(f"linalg.norm: dim must name one axis or two, got {dim!r}")


__all__ = [
    "LinAlgError",
    "LstsqResult",
    "det",
    "inv",
    "lstsq",
    "matrix_norm",
    "norm",
    "solve",
    "svdvals",
    "vector_norm",
]
