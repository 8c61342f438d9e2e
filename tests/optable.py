"""The op table: one row per op case, run by the PyTorch oracle test and by the finite-difference gradcheck.

A row names a glassnet callable and the torch callable it must match (``torch_fn=None`` when the same
lambda works on both, through shared method and operator names), the shapes of its differentiable
inputs and where to draw them (``domain``), and optional non-differentiable ``extras`` (integer
targets, masks, class weights) handed to both callables after the inputs. Rows with ties or points
on a kink (``gradcheck=False``) are for the oracle only: finite differences are meaningless there.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as TF

import glassnet as gn
import glassnet.linalg as linalg
from glassnet import functional as F

Sampler = Callable[[np.random.Generator, tuple], np.ndarray]


# ----------------------------------------------------------------------------- samplers
def uniform(low: float, high: float) -> Sampler:
    return lambda rng, shape: rng.uniform(low, high, size=shape)


def away_from(*points: float, low: float = -2.0, high: float = 2.0, margin: float = 0.1) -> Sampler:
    """Uniform on [low, high] but at least ``margin`` from every point (kinks, clip bounds, poles)."""

    def sample(rng, shape):
        x = rng.uniform(low, high, size=shape)
        while (bad := np.any([np.abs(x - p) < margin for p in points], axis=0)).any():
            x[bad] = rng.uniform(low, high, size=int(bad.sum()))
        return x

    return sample


def zeros_at(*places: tuple) -> Sampler:
    """Uniform on [-2, 2] with exact zeros at ``places``: products with one zero and with several."""

    def sample(rng, shape):
        x = rng.uniform(-2.0, 2.0, size=shape)
        for place in places:
            x[place] = 0.0
        return x

    return sample


def well_conditioned(rng, shape) -> np.ndarray:
    """3 I + U(-1, 1) in the last two axes (I's leading block when not square): singular values far from 0."""
    return rng.uniform(-1.0, 1.0, size=shape) + 3.0 * np.eye(shape[-2], shape[-1])


def rank_deficient(rng) -> list:
    """One integer 3x3 matrix whose last row is the sum of the others: singular, exactly, in float32 too."""
    a = rng.integers(-3, 4, size=(3, 3)).astype(np.float64)
    a[2] = a[0] + a[1]
    return [a]


def integers(low: int, high: int) -> Sampler:
    """Integer-valued floats in [low, high]: many ties, and exact hits on kinks at integers."""
    return lambda rng, shape: rng.integers(low, high + 1, size=shape).astype(np.float64)


def tied_pair(shape: tuple) -> Callable[[np.random.Generator], list]:
    """Two arrays equal in about half their elements (ties for maximum/minimum)."""

    def draw(rng):
        a = rng.integers(-2, 3, size=shape).astype(np.float64)
        return [a, np.where(rng.random(shape) < 0.5, a, rng.integers(-2, 3, size=shape))]

    return draw


def labels(n: int, classes: int, ignore: int | None = None, extra_shape: tuple = ()) -> Callable:
    """Integer class targets of shape (n, *extra_shape); about a third set to ``ignore`` (never the first)."""

    def draw(rng):
        y = rng.integers(0, classes, size=(n, *extra_shape))
        if ignore is not None:
            y = np.where(rng.random(y.shape) < 0.35, ignore, y)
            y.reshape(-1)[0] = 0
        return y

    return draw


# ----------------------------------------------------------------------------- the row type
@dataclass(frozen=True)
class OpCase:
    """One op case. ``fn(*inputs, *extras)`` runs on glassnet tensors, ``torch_fn`` (or ``fn``) on torch tensors.

    ``shapes`` and ``domain`` (a (low, high) pair, a sampler, or a list with one per input) give the
    differentiable inputs, unless ``inputs(rng)`` draws them itself (ties); ``extras`` (a callable
    of ``rng`` or a list of them) give the non-differentiable arguments.
    """

    name: str
    fn: Callable
    torch_fn: Callable | None
    shapes: list
    domain: tuple | Callable | list = (-2.0, 2.0)
    extras: Callable | list | None = None
    inputs: Callable | None = None
    gradcheck: bool = True

    def __repr__(self) -> str:
        return self.name

    @property
    def reference(self) -> Callable:
        return self.fn if self.torch_fn is None else self.torch_fn

    def draw(self) -> tuple[list, list]:
        """Float64 inputs and the extras, the same every run (the generator is seeded by the row's name)."""
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        if self.inputs is not None:
            inputs = self.inputs(rng)
        else:
            domains = self.domain if isinstance(self.domain, list) else [self.domain] * len(self.shapes)
            inputs = [_sampler(d)(rng, tuple(s)) for d, s in zip(domains, self.shapes)]
        inputs = [np.asarray(a, dtype=np.float64) for a in inputs]
        extras = self.extras if isinstance(self.extras, list) else [self.extras]
        drawn = [np.asarray(e(rng) if callable(e) else e) for e in extras if e is not None]
        return inputs, drawn


def _sampler(domain) -> Sampler:
    return uniform(*domain) if isinstance(domain, tuple) else domain


def cast_extra(array: np.ndarray, dtype) -> np.ndarray:
    """Floating extras follow the case's dtype; integer and boolean ones keep theirs."""
    return array.astype(dtype) if array.dtype.kind == "f" else array


def as_tuple(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def functional_case(name: str, function: str, shapes: list, kwargs: dict | None = None, **options) -> OpCase:
    """A row for a function spelled the same in glassnet.functional and torch.nn.functional."""
    kwargs = kwargs or {}
    ours, theirs = getattr(F, function), getattr(TF, function)
    return OpCase(name, lambda *a: ours(*a, **kwargs), lambda *a: theirs(*a, **kwargs), shapes, **options)


def shape_label(shape: tuple) -> str:
    """A test-id spelling of a shape: (3, 4) -> 3x4, () -> 0d."""
    return "x".join(map(str, shape)) or "0d"


def reduction_cases(op: str, torch_op: Callable, shape: tuple, axes: list, tag: str = "", **options) -> list:
    """``x.op(dim, keepdim)`` against ``torch_op(x, dim, keepdim)`` for each axis, with and without keepdim."""
    rows = []
    for axis in axes:
        dims = tuple(range(len(shape))) if axis is None else axis
        axis_name = "all" if axis is None else "_".join(map(str, np.atleast_1d(axis)))
        for keepdims in (False, True):
            rows.append(
                OpCase(
                    f"{op}{tag}_{shape_label(shape)}_axis{axis_name}_keep{keepdims}",
                    lambda x, a=axis, k=keepdims: getattr(x, op)(dim=a, keepdim=k),
                    lambda x, d=dims, k=keepdims: torch_op(x, dim=d, keepdim=k),
                    [shape],
                    **options,
                )
            )
    return rows


# ----------------------------------------------------------------------------- constants used by the rows
ROW_MASK = np.array([True, False, True, True])
GRID_MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, True]])
INDEX_2D = np.array([[0, 2], [2, 2]])
SIGNED = away_from(0.0)  # kinks of abs, relu, leaky_relu, elu at 0
CLIP_SAFE = away_from(-0.5, 0.5)


def _torch_index(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(array)


def _l1_inputs(rng) -> list:
    """An input and a target that differ by at least 0.1 everywhere (|x - y| has a kink at 0)."""
    x = rng.uniform(-2, 2, size=(3, 4))
    return [x, x + SIGNED(rng, (3, 4))]


def _det3_by_expansion(a: torch.Tensor) -> torch.Tensor:
    """det of a 3x3 matrix by expansion along its first row, in torch ops, so that its gradient is the adjugate.

    The reference for singular matrices: torch.linalg.det's backward returns zeros where the determinant is
    exactly 0 (pytorch/pytorch#104675), while finite differences give the adjugate.
    """
    minors = [a[1, j] * a[2, k] - a[1, k] * a[2, j] for j, k in ((1, 2), (0, 2), (0, 1))]
    return a[0, 0] * minors[0] - a[0, 1] * minors[1] + a[0, 2] * minors[2]


# ----------------------------------------------------------------------------- the table
BROADCAST_PAIRS = [[(3, 4), (3, 4)], [(3, 1), (1, 4)], [(2, 3, 4), (4,)], [(), (3, 4)], [(2, 1, 4), ()], [(), ()]]

OPS: list[OpCase] = [
    # ------------------------------------------------------------------ arithmetic
    *[OpCase(f"add_{shape_label(a)}_{shape_label(b)}", lambda x, y: x + y, None, [a, b]) for a, b in BROADCAST_PAIRS],
    *[OpCase(f"sub_{shape_label(a)}_{shape_label(b)}", lambda x, y: x - y, None, [a, b]) for a, b in BROADCAST_PAIRS],
    *[OpCase(f"mul_{shape_label(a)}_{shape_label(b)}", lambda x, y: x * y, None, [a, b]) for a, b in BROADCAST_PAIRS],
    *[
        OpCase(f"div_{shape_label(a)}_{shape_label(b)}", lambda x, y: x / y, None, [a, b], domain=[(-2, 2), SIGNED])
        for a, b in BROADCAST_PAIRS
    ],
    OpCase("add_python_scalar", lambda x: x + 1.5, None, [(3, 4)]),
    OpCase("radd_python_scalar", lambda x: 2 + x, None, [(3, 4)]),
    OpCase("rsub_python_scalar", lambda x: 1.5 - x, None, [(3, 4)]),
    OpCase("mul_python_scalar", lambda x: x * -3.0, None, [(3, 4)]),
    OpCase("div_python_scalar", lambda x: x / 4, None, [(3, 4)]),
    OpCase("rdiv_python_scalar", lambda x: 2.0 / x, None, [(3, 4)], domain=away_from(0.0, margin=0.3)),
    OpCase("neg", lambda x: -x, None, [(3, 4)]),
    OpCase("neg_0d", lambda x: -x, None, [()]),
    OpCase("pow_int_exponent", lambda x: x**3, None, [(3, 4)]),
    OpCase("pow_half", lambda x: x**0.5, None, [(3, 4)], domain=(0.2, 3)),
    OpCase("pow_negative_exponent", lambda x: x**-1.5, None, [(3, 4)], domain=(0.3, 3)),
    OpCase("pow_0d", lambda x: x**2, None, [()]),
    OpCase("pow_tensor_tensor", lambda x, y: x**y, None, [(3, 4), (3, 4)], domain=[(0.3, 2.5), (-2, 2)]),
    OpCase("pow_tensor_tensor_broadcast", lambda x, y: x**y, None, [(3, 1), (1, 4)], domain=[(0.3, 2.5), (-2, 2)]),
    OpCase("pow_scalar_base", lambda x: 2.0**x, None, [(3, 4)]),
    OpCase("pow_scalar_base_0d", lambda x: 0.5**x, None, [()]),
    # ------------------------------------------------------------------ elementwise functions
    OpCase("exp", lambda x: x.exp(), None, [(3, 4)]),
    OpCase("exp_0d", lambda x: x.exp(), None, [()]),
    OpCase("sin", lambda x: x.sin(), None, [(3, 4)], domain=(-4, 4)),
    OpCase("cos", lambda x: x.cos(), None, [(3, 4)], domain=(-4, 4)),
    OpCase("square", lambda x: x.square(), None, [(3, 4)]),
    OpCase("rsqrt", lambda x: x.rsqrt(), None, [(3, 4)], domain=(0.2, 3)),
    OpCase("clone", lambda x: x.clone() * 2, None, [(3, 4)]),
    OpCase("t", lambda x: x.t(), None, [(3, 4)]),
    OpCase("narrow", lambda x: x.narrow(1, 1, 2), None, [(3, 4)]),
    OpCase("repeat", lambda x: x.repeat(2, 1, 3), None, [(3, 4)]),
    OpCase("masked_fill", lambda x: x.masked_fill(x > 0.5, -1.0), None, [(3, 4)], domain=away_from(0.5)),
    OpCase("view_as", lambda x, y: x.view_as(y) * y, None, [(3, 4), (2, 6)]),
    OpCase("unbind", lambda x: x.unbind(1), None, [(3, 4)]),
    OpCase("add_alpha", lambda x, y: x.add(y, alpha=0.5), None, [(3, 4), (4,)]),
    # ------------------------------------------------------------------ views and selections built on indexing
    OpCase("flip", lambda x: x.flip(0, 2), None, [(2, 3, 4)]),
    OpCase("roll_dims", lambda x: x.roll((1, -2), (0, 1)), None, [(3, 4)]),
    OpCase("roll_flat", lambda x: x.roll(5), None, [(3, 4)]),
    OpCase(
        "index_select",
        lambda x: x.index_select(1, gn.tensor([3, 0, 3])),
        lambda x: x.index_select(1, torch.tensor([3, 0, 3])),
        [(3, 4)],
    ),
    OpCase("masked_select", lambda x: x.masked_select(x > 0.3), None, [(3, 4)], domain=away_from(0.3)),
    OpCase("diag_of_vector", lambda x: x.diag(), None, [(4,)]),
    OpCase("diag_of_vector_offset", lambda x: x.diag(-1), None, [(3,)]),
    OpCase("diag_of_matrix_offset", lambda x: x.diag(1), None, [(3, 4)]),
    OpCase("trace", lambda x: x.trace(), None, [(3, 4)]),
    OpCase("tril", lambda x: x.tril(), None, [(2, 3, 4)]),
    OpCase("triu_offset", lambda x: x.triu(1), None, [(3, 4)]),
    OpCase("outer", lambda x, y: x.outer(y), None, [(3,), (4,)]),
    OpCase("dot", lambda x, y: x.dot(y), None, [(4,), (4,)]),
    OpCase("where_method", lambda x, y: x.where(x > 0, y), None, [(3, 4), (4,)], domain=away_from(0.0)),
    OpCase("remainder", lambda x: x % 0.7, None, [(3, 4)], domain=away_from(-1.4, -0.7, 0.0, 0.7, 1.4)),
    OpCase("remainder_tensor_divisor", lambda x, y: x % y, None, [(3, 4), (4,)], domain=[(2.3, 3.0), (1.05, 1.1)]),
    OpCase("softmax_method", lambda x: x.softmax(0), None, [(3, 4)]),
    OpCase("log_softmax_method", lambda x: x.log_softmax(-1), None, [(3, 4)]),
    OpCase("logsumexp_method", lambda x: x.logsumexp(1, keepdim=True), None, [(3, 4)]),
    OpCase("einsum_trace", lambda x: gn.einsum("ii->", x), lambda x: torch.einsum("ii->", x), [(3, 3)]),
    OpCase(
        "einsum_diagonal_kept",
        lambda x, y: gn.einsum("iij,jk->ik", x, y),
        lambda x, y: torch.einsum("iij,jk->ik", x, y),
        [(3, 3, 4), (4, 2)],
    ),
    # ------------------------------------------------------------------ by index (gather is the primitive)
    OpCase(
        "gather_repeats", lambda x, i: x.gather(1, i), None, [(3, 4)], extras=lambda rng: rng.integers(0, 4, (3, 5))
    ),
    OpCase(
        "gather_dim0_smaller",
        lambda x, i: x.gather(0, i),
        None,
        [(3, 4)],
        extras=lambda rng: rng.integers(0, 3, (2, 3)),
    ),  # fmt: skip
    OpCase(
        "scatter",
        lambda x, s, i: x.scatter(1, i, s),
        None,
        [(3, 4), (3, 2)],
        extras=lambda rng: np.argsort(rng.random((3, 4)), 1)[:, :2],
    ),  # fmt: skip
    OpCase(
        "scatter_add",
        lambda x, s, i: x.scatter_add(0, i, s),
        None,
        [(3, 4), (5, 4)],
        extras=lambda rng: rng.integers(0, 3, (5, 4)),
    ),  # fmt: skip
    OpCase("cumsum_dim1", lambda x: x.cumsum(1), None, [(3, 4)]),
    OpCase("cumsum_dim0_3d", lambda x: x.cumsum(dim=0), None, [(3, 2, 4)]),
    OpCase("cumprod_dim1", lambda x: gn.ops.cumprod(x, 1), lambda x: x.cumprod(1), [(3, 4)]),
    OpCase("cumprod_dim0_3d", lambda x: gn.ops.cumprod(x, dim=0), lambda x: x.cumprod(dim=0), [(3, 2, 4)]),
    # lines with a zero first, in the middle, last, two together, two apart, and none
    OpCase(
        "cumprod_zeros",
        lambda x: gn.ops.cumprod(x, -1),
        lambda x: x.cumprod(-1),
        [(6, 4)],
        domain=zeros_at((0, 0), (1, 2), (2, 3), (3, 1), (3, 2), (4, 0), (4, 2)),
    ),
    OpCase(
        "cumprod_zeros_dim0",
        lambda x: gn.ops.cumprod(x, 0),
        lambda x: x.cumprod(0),
        [(4, 3)],
        domain=zeros_at((1, 0), (0, 1), (3, 1)),
    ),
    OpCase(
        "cumprod_dtype_float64",
        lambda x: gn.ops.cumprod(x, 1, dtype=gn.float64),
        lambda x: x.cumprod(1, dtype=torch.float64),
        [(3, 4)],
    ),
    OpCase("sort", lambda x: x.sort(1), None, [(3, 4)]),
    OpCase("sort_descending", lambda x: x.sort(dim=0, descending=True), None, [(3, 4)]),
    OpCase("topk", lambda x: x.topk(2), None, [(3, 5)]),
    OpCase("topk_smallest_dim0", lambda x: x.topk(2, dim=0, largest=False), None, [(4, 3)]),
    OpCase("argsort_times", lambda x: x * x.argsort(1), None, [(3, 4)]),
    OpCase(
        "einsum_matmul",
        lambda a, b: gn.einsum("ij,jk->ik", a, b),
        lambda a, b: torch.einsum("ij,jk->ik", a, b),
        [(3, 4), (4, 5)],
    ),  # fmt: skip
    OpCase(
        "einsum_batched",
        lambda a, b: gn.einsum("bij,bjk->bik", a, b),
        lambda a, b: torch.einsum("bij,bjk->bik", a, b),
        [(2, 3, 4), (2, 4, 5)],
    ),  # fmt: skip
    OpCase(
        "einsum_outer",
        lambda a, b: gn.einsum("i,j->ij", a, b),
        lambda a, b: torch.einsum("i,j->ij", a, b),
        [(3,), (4,)],
    ),  # fmt: skip
    OpCase("einsum_sum", lambda a: gn.einsum("ij->j", a), lambda a: torch.einsum("ij->j", a), [(3, 4)]),
    OpCase(
        "einsum_implicit",
        lambda a, b: gn.einsum("ij,jk", a, b),
        lambda a, b: torch.einsum("ij,jk", a, b),
        [(3, 4), (4, 2)],
    ),  # fmt: skip
    OpCase(
        "einsum_three",
        lambda a, b, c: gn.einsum("ij,jk,kl->il", a, b, c),
        lambda a, b, c: torch.einsum("ij,jk,kl->il", a, b, c),
        [(2, 3), (3, 4), (4, 2)],
    ),  # fmt: skip
    OpCase(
        "einsum_lonely_label",
        lambda a, b: gn.einsum("ij,k->i", a, b),
        lambda a, b: torch.einsum("ij,k->i", a, b),
        [(2, 3), (4,)],
    ),  # fmt: skip
    OpCase("norm_fro", lambda x: x.norm(), None, [(3, 4)]),
    OpCase("norm_l1_dim", lambda x: x.norm(1, 1, True), None, [(3, 4)], domain=SIGNED),
    OpCase("norm_l2_dim", lambda x: x.norm(2, dim=0), None, [(3, 4)]),
    OpCase("norm_l3", lambda x: x.norm(3), None, [(3, 4)], domain=SIGNED),
    OpCase("norm_inf", lambda x: x.norm(float("inf"), dim=1), None, [(3, 4)]),
    OpCase("log", lambda x: x.log(), None, [(3, 4)], domain=(0.1, 3)),
    OpCase("log_0d", lambda x: x.log(), None, [()], domain=(0.1, 3)),
    OpCase("sqrt", lambda x: x.sqrt(), None, [(3, 4)], domain=(0.1, 3)),
    OpCase("abs", lambda x: x.abs(), None, [(3, 4)], domain=SIGNED),
    OpCase("abs_dunder_0d", lambda x: abs(x), None, [()], domain=SIGNED),
    OpCase("abs_at_zero", lambda x: x.abs(), None, [(3, 4)], domain=integers(-1, 1), gradcheck=False),
    OpCase("maximum", lambda x, y: gn.maximum(x, y), torch.maximum, [(3, 4), (3, 4)]),
    OpCase("maximum_broadcast", lambda x, y: x.maximum(y), None, [(3, 1), (1, 4)]),
    OpCase("maximum_0d", lambda x, y: gn.maximum(x, y), torch.maximum, [(), (2, 3)]),
    OpCase("maximum_ties", lambda x, y: x.maximum(y), None, [], inputs=tied_pair((3, 4)), gradcheck=False),
    OpCase("minimum", lambda x, y: gn.minimum(x, y), torch.minimum, [(3, 4), (3, 4)]),
    OpCase("minimum_broadcast", lambda x, y: x.minimum(y), None, [(2, 3, 1), (4,)]),
    OpCase("minimum_ties", lambda x, y: gn.minimum(x, y), torch.minimum, [], inputs=tied_pair((3, 4)), gradcheck=False),
    OpCase(
        "where",
        lambda x, y, c: gn.where(c, x, y),
        lambda x, y, c: torch.where(c, x, y),
        [(3, 4), (3, 4)],
        extras=lambda rng: rng.random((3, 4)) < 0.5,
    ),
    OpCase(
        "where_broadcast",
        lambda x, y, c: gn.where(c, x, y),
        lambda x, y, c: torch.where(c, x, y),
        [(3, 1), (4,)],
        extras=lambda rng: rng.random((2, 1, 4)) < 0.5,
    ),
    OpCase(
        "where_0d_branch",
        lambda x, y, c: gn.where(c, x, y),
        lambda x, y, c: torch.where(c, x, y),
        [(), (3, 4)],
        extras=lambda rng: rng.random((3, 4)) < 0.5,
    ),
    OpCase("clip_both", lambda x: x.clip(-0.5, 0.5), None, [(4, 5)], domain=CLIP_SAFE),
    OpCase("clamp_min", lambda x: x.clamp(min=-0.5), None, [(4, 5)], domain=CLIP_SAFE),
    OpCase("clamp_max", lambda x: x.clamp(max=0.5), None, [(4, 5)], domain=CLIP_SAFE),
    OpCase("clip_0d", lambda x: x.clip(-0.5, 0.5), None, [()], domain=CLIP_SAFE),
    # values exactly on the bounds: both libraries pass the gradient there
    OpCase("clip_on_bounds", lambda x: x.clip(-1, 1), None, [(4, 5)], domain=integers(-2, 2), gradcheck=False),
    # ------------------------------------------------------------------ matmul
    OpCase("matmul_2d", lambda a, b: a @ b, None, [(3, 4), (4, 5)]),
    OpCase("matmul_batched", lambda a, b: a @ b, None, [(2, 3, 4), (2, 4, 5)]),
    OpCase("matmul_broadcast_batch", lambda a, b: a @ b, None, [(2, 1, 3, 4), (3, 4, 2)]),
    OpCase("matmul_batch_with_2d", lambda a, b: a @ b, None, [(2, 3, 4), (4, 5)]),
    OpCase("matmul_1d_2d", lambda a, b: a @ b, None, [(4,), (4, 5)]),
    OpCase("matmul_2d_1d", lambda a, b: a @ b, None, [(3, 4), (4,)]),
    OpCase("matmul_1d_1d", lambda a, b: a @ b, None, [(4,), (4,)]),
    OpCase("matmul_1d_3d", lambda a, b: a @ b, None, [(4,), (2, 4, 5)]),
    OpCase("matmul_3d_1d", lambda a, b: a @ b, None, [(2, 3, 4), (4,)]),
    # ------------------------------------------------------------------ linalg
    OpCase("linalg_inv", linalg.inv, torch.linalg.inv, [(3, 3)], domain=well_conditioned),
    OpCase("linalg_inv_batched", linalg.inv, torch.linalg.inv, [(2, 4, 4)], domain=well_conditioned),
    OpCase("linalg_solve", linalg.solve, torch.linalg.solve, [(3, 3), (3, 2)], domain=[well_conditioned, (-2, 2)]),
    OpCase("linalg_solve_vector", linalg.solve, torch.linalg.solve, [(3, 3), (3,)], domain=[well_conditioned, (-2, 2)]),
    OpCase(
        "linalg_solve_batched_vectors",
        linalg.solve,
        torch.linalg.solve,
        [(2, 3, 3), (2, 3)],
        domain=[well_conditioned, (-2, 2)],
    ),
    OpCase(
        "linalg_solve_broadcast",
        linalg.solve,
        torch.linalg.solve,
        [(2, 1, 3, 3), (4, 3, 2)],
        domain=[well_conditioned, (-2, 2)],
    ),
    OpCase(
        "linalg_solve_right",
        lambda a, b: linalg.solve(a, b, left=False),
        lambda a, b: torch.linalg.solve(a, b, left=False),
        [(3, 3), (2, 3)],
        domain=[well_conditioned, (-2, 2)],
    ),
    OpCase("linalg_det", linalg.det, torch.linalg.det, [(3, 3)], domain=well_conditioned),
    OpCase("linalg_det_batched", linalg.det, torch.linalg.det, [(2, 4, 4)], domain=well_conditioned),
    OpCase("linalg_det_2x2_any", linalg.det, torch.linalg.det, [(3, 2, 2)]),
    # det is a polynomial: smooth at a singular matrix, where its gradient is the (non-zero) adjugate
    OpCase("linalg_det_singular", linalg.det, _det3_by_expansion, [], inputs=rank_deficient),
    *[
        OpCase(
            f"linalg_lstsq_{label}",
            lambda a, b: linalg.lstsq(a, b).solution,
            lambda a, b: torch.linalg.lstsq(a, b).solution,
            shapes,
            domain=[well_conditioned, (-2, 2)],
        )
        for label, shapes in [
            ("tall", [(5, 3), (5, 2)]),
            ("square", [(3, 3), (3, 2)]),
            ("vector", [(5, 3), (5,)]),
            ("batched", [(2, 5, 3), (2, 5, 2)]),
            ("broadcast", [(1, 5, 3), (2, 5, 2)]),
            ("wide_minimum_norm", [(3, 5), (3, 2)]),
        ]
    ],
    OpCase(
        "linalg_lstsq_residuals_gelsd",
        lambda a, b: linalg.lstsq(a, b, driver="gelsd").residuals,
        lambda a, b: torch.linalg.lstsq(a, b, driver="gelsd").residuals,
        [(6, 3), (6, 2)],
        domain=[well_conditioned, (-2, 2)],
    ),
    OpCase("linalg_svdvals", linalg.svdvals, torch.linalg.svdvals, [(3, 4)]),
    OpCase("linalg_svdvals_batched_tall", linalg.svdvals, torch.linalg.svdvals, [(2, 4, 3)]),
    OpCase("linalg_vector_norm", linalg.vector_norm, torch.linalg.vector_norm, [(3, 4)]),
    *[
        OpCase(
            f"linalg_vector_norm_ord{label}",
            lambda x, o=o: linalg.vector_norm(x, o, dim=1, keepdim=True),
            lambda x, o=o: torch.linalg.vector_norm(x, o, dim=1, keepdim=True),
            [(3, 4)],
            domain=SIGNED,
        )
        for label, o in [("1", 1), ("3", 3), ("half", 0.5), ("inf", math.inf), ("neg_inf", -math.inf), ("neg1", -1)]
    ],
    OpCase(
        "linalg_vector_norm_dims_dtype",
        lambda x: linalg.vector_norm(x, dim=(0, 2), dtype=gn.float64),
        lambda x: torch.linalg.vector_norm(x, dim=(0, 2), dtype=torch.float64),
        [(2, 3, 4)],
    ),
    *[
        OpCase(
            f"linalg_matrix_norm_{label}",
            lambda x, o=o: linalg.matrix_norm(x, o),
            lambda x, o=o: torch.linalg.matrix_norm(x, o),
            [(2, 3, 4)],
            domain=SIGNED,
        )
        for label, o in [
            ("fro", "fro"),
            ("nuc", "nuc"),
            ("2", 2),
            ("neg2", -2),
            ("1", 1),
            ("neg1", -1),
            ("inf", math.inf),
            ("neg_inf", -math.inf),
        ]
    ],
    OpCase(
        "linalg_matrix_norm_nuc_dims_keepdim",
        lambda x: linalg.matrix_norm(x, "nuc", dim=(2, 0), keepdim=True),
        lambda x: torch.linalg.matrix_norm(x, "nuc", dim=(2, 0), keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase("linalg_norm_all", linalg.norm, torch.linalg.norm, [(2, 3, 4)]),
    OpCase("linalg_norm_dim", lambda x: linalg.norm(x, dim=-1), lambda x: torch.linalg.norm(x, dim=-1), [(2, 3, 4)]),
    OpCase(
        "linalg_norm_ord_dims",
        lambda x: linalg.norm(x, math.inf, dim=(0, 1)),
        lambda x: torch.linalg.norm(x, math.inf, dim=(0, 1)),
        [(2, 3, 4)],
        domain=SIGNED,
    ),
    OpCase("linalg_norm_nuc_2d", lambda x: linalg.norm(x, "nuc"), lambda x: torch.linalg.norm(x, "nuc"), [(3, 4)]),
    OpCase("linalg_norm_ord_1d", lambda x: linalg.norm(x, 1), lambda x: torch.linalg.norm(x, 1), [(5,)], domain=SIGNED),
    # ------------------------------------------------------------------ reductions
    *reduction_cases("sum", torch.sum, (2, 3, 4), [None, 1, -1, (0, 2)]),
    *reduction_cases("mean", torch.mean, (2, 3, 4), [None, 0, -2, (0, -1)]),
    *reduction_cases("var", torch.var, (2, 3, 4), [None, 1, -1, (0, 2)]),
    *reduction_cases("amax", torch.amax, (2, 3, 4), [None, 1, -1, (0, 2)]),
    *reduction_cases("amin", torch.amin, (2, 3, 4), [None, 0, -2, (1, 2)]),
    # ties: the tied extremes share the gradient equally, like torch.amax/amin
    *reduction_cases("amax", torch.amax, (3, 4), [None, 1, (0, 1)], "_ties", domain=integers(0, 2), gradcheck=False),
    *reduction_cases("amin", torch.amin, (3, 4), [None, 0, -1], "_ties", domain=integers(0, 2), gradcheck=False),
    # prod: d/dx_i = prod_{j != i} x_j, zeros included (prod is linear in each x_i, smooth through 0)
    OpCase("prod_all", lambda x: gn.ops.prod(x), lambda x: x.prod(), [(3, 4)]),
    OpCase("prod_dim1", lambda x: gn.ops.prod(x, 1), lambda x: x.prod(1), [(3, 4)]),
    OpCase(
        "prod_dim_neg_keepdim",
        lambda x: gn.ops.prod(x, -2, keepdim=True),
        lambda x: x.prod(-2, keepdim=True),
        [(2, 3, 4)],
    ),
    OpCase("prod_0d", lambda x: gn.ops.prod(x), lambda x: x.prod(), [()]),
    OpCase("prod_0d_dim", lambda x: gn.ops.prod(x, 0), lambda x: x.prod(0), [()]),
    OpCase(
        "prod_dtype_float64",
        lambda x: gn.ops.prod(x, 1, dtype=gn.float64),
        lambda x: x.prod(1, dtype=torch.float64),
        [(3, 4)],
    ),
    OpCase("prod_one_zero", lambda x: gn.ops.prod(x), lambda x: x.prod(), [(3, 4)], domain=zeros_at((1, 2))),
    OpCase("prod_two_zeros", lambda x: gn.ops.prod(x), lambda x: x.prod(), [(3, 4)], domain=zeros_at((0, 1), (2, 3))),
    # rows with one zero, two zeros and none
    OpCase(
        "prod_dim1_zeros",
        lambda x: gn.ops.prod(x, 1),
        lambda x: x.prod(1),
        [(3, 4)],
        domain=zeros_at((0, 1), (1, 0), (1, 3)),
    ),
    OpCase(
        "prod_dim0_3d_zeros",
        lambda x: gn.ops.prod(x, 0),
        lambda x: x.prod(0),
        [(3, 2, 2)],
        domain=zeros_at((1, 0, 0), (0, 1, 1), (2, 1, 1)),
    ),
    OpCase("sum_0d", lambda x: x.sum(), None, [()]),
    OpCase("mean_0d", lambda x: x.mean(), None, [()]),
    OpCase("max_0d", lambda x: x.max(), torch.amax, [()]),
    OpCase("max_all", lambda x: x.max(), None, [(3, 4)]),
    OpCase("min_all_ties", lambda x: x.min(), None, [(3, 4)], domain=integers(0, 2), gradcheck=False),
    # max/min along a dim: (values, indices); the gradient goes to the index picked (the first of ties)
    OpCase("max_dim", lambda x: x.max(1), None, [(3, 4)]),
    OpCase("max_dim_keepdim", lambda x: x.max(dim=-1, keepdim=True), None, [(2, 3, 4)]),
    OpCase("min_dim", lambda x: x.min(0), None, [(3, 4)]),
    OpCase("max_dim_ties", lambda x: x.max(1), None, [(3, 4)], domain=integers(0, 2), gradcheck=False),
    OpCase("min_dim_ties", lambda x: x.min(dim=0), None, [(3, 4)], domain=integers(0, 2), gradcheck=False),
    OpCase("max_0d_dim", lambda x: x.max(0), None, [()]),
    OpCase("std", lambda x: x.std(1), None, [(3, 5)]),
    OpCase("std_unbiased_false", lambda x: x.std(0, False, True), None, [(3, 5)]),
    OpCase("var_unbiased_false", lambda x: x.var(1, unbiased=False), None, [(3, 5)]),
    OpCase("var_correction0", lambda x: x.var(axis=1, correction=0), lambda x: torch.var(x, 1, correction=0), [(3, 5)]),
    OpCase("var_correction2", lambda x: x.var(correction=2), lambda x: torch.var(x, correction=2), [(3, 5)]),
    OpCase("var_default_all", lambda x: x.var(), lambda x: torch.var(x), [(4, 5)]),
    # ------------------------------------------------------------------ shape and movement
    OpCase("reshape", lambda x: x.reshape(4, -1), None, [(2, 3, 4)]),
    OpCase("reshape_tuple", lambda x: x.reshape((3, 2)), None, [(6,)]),
    OpCase("reshape_0d", lambda x: x.reshape(1, 1), None, [()]),
    OpCase("view", lambda x: x.view(3, 8), None, [(2, 3, 4)]),
    OpCase("transpose", lambda x: x.transpose(0, 2), None, [(2, 3, 4)]),
    OpCase("transpose_negative", lambda x: x.transpose(-1, 0), None, [(2, 3, 4)]),
    OpCase("transpose_default", lambda x: x.transpose(), lambda x: x.transpose(-2, -1), [(2, 3, 4)]),
    OpCase("permute", lambda x: x.permute(2, 0, 1), None, [(2, 3, 4)]),
    OpCase("permute_tuple", lambda x: x.permute((1, 2, 0)), lambda x: x.permute(1, 2, 0), [(2, 3, 4)]),
    OpCase("T_2d", lambda x: x.T, None, [(3, 4)]),
    # torch warns on .T for other ranks; the reversed permutation is the meaning
    OpCase("T_3d", lambda x: x.T, lambda x: x.permute(2, 1, 0), [(2, 3, 4)]),
    OpCase("getitem_slices", lambda x: x[1:, ::2], None, [(3, 5)]),
    OpCase("getitem_int", lambda x: x[1], None, [(3, 4)]),
    OpCase("getitem_negative_int", lambda x: x[-1, 1:3], None, [(3, 4)]),
    OpCase("getitem_to_0d", lambda x: x[2, 1], None, [(3, 4)]),
    OpCase("getitem_ellipsis", lambda x: x[..., 1], None, [(2, 3, 4)]),
    OpCase("getitem_none", lambda x: x[None, :, 1:3], None, [(3, 4)]),
    OpCase("getitem_ellipsis_none", lambda x: x[0, ..., None], None, [(2, 3, 4)]),
    OpCase("getitem_repeated_rows", lambda x: x[[0, 2, 0, 0]], None, [(3, 4)]),
    OpCase("getitem_index_array_2d", lambda x: x[INDEX_2D], lambda x: x[_torch_index(INDEX_2D)], [(3, 4)]),
    OpCase("getitem_repeated_pairs", lambda x: x[[0, 0, 1, 0], [1, 1, 2, 1]], None, [(3, 4)]),
    OpCase("getitem_repeated_columns", lambda x: x[:, :, [3, 3, 0]], None, [(2, 3, 4)]),
    OpCase("getitem_bool_rows", lambda x: x[ROW_MASK], lambda x: x[_torch_index(ROW_MASK)], [(4, 3)]),
    OpCase("getitem_bool_grid", lambda x: x[GRID_MASK], lambda x: x[_torch_index(GRID_MASK)], [(3, 4)]),
    OpCase("getitem_bool_after_slice", lambda x: x[1:, ROW_MASK], lambda x: x[1:, _torch_index(ROW_MASK)], [(3, 4)]),
    OpCase("cat_dim0", lambda a, b: gn.cat([a, b], 0), lambda a, b: torch.cat([a, b], 0), [(2, 3), (4, 3)]),
    OpCase("cat_dim_neg", lambda a, b: gn.cat([a, b], dim=-1), lambda a, b: torch.cat([a, b], -1), [(2, 3), (2, 1)]),
    OpCase(
        "cat_three",
        lambda a, b, c: gn.cat([a, b, c], dim=1),
        lambda a, b, c: torch.cat([a, b, c], 1),
        [(2, 1, 3), (2, 2, 3), (2, 3, 3)],
    ),
    OpCase("stack_dim0", lambda a, b: gn.stack([a, b]), lambda a, b: torch.stack([a, b]), [(3, 4), (3, 4)]),
    OpCase("stack_dim1", lambda a, b: gn.stack([a, b], 1), lambda a, b: torch.stack([a, b], 1), [(3, 4), (3, 4)]),
    OpCase(
        "stack_dim_neg",
        lambda a, b, c: gn.stack([a, b, c], dim=-1),
        lambda a, b, c: torch.stack([a, b, c], -1),
        [(2, 3), (2, 3), (2, 3)],
    ),
    OpCase("stack_0d", lambda a, b: gn.stack([a, b]), lambda a, b: torch.stack([a, b]), [(), ()]),
    OpCase("split_size", lambda x: x.split(2, 1), None, [(3, 5)]),
    OpCase("split_sections", lambda x: x.split([1, 3, 1], -1), None, [(2, 5)]),
    OpCase("chunk", lambda x: x.chunk(3, 0), None, [(7, 2)]),
    OpCase("chunk_even", lambda x: x.chunk(2, -1), None, [(2, 3, 4)]),
    functional_case("pad_last", "pad", [(2, 3)], {"pad": (1, 2)}),
    functional_case("pad_two_axes", "pad", [(2, 3, 4)], {"pad": (1, 0, 2, 1)}),
    functional_case("pad_three_axes_value", "pad", [(2, 3, 4)], {"pad": (0, 1, 1, 1, 2, 0), "value": 0.5}),
    OpCase("expand", lambda x: x.expand(3, 4), None, [(3, 1)]),
    OpCase("expand_new_axes", lambda x: x.expand(2, 3, 4), None, [(4,)]),
    OpCase("expand_keep", lambda x: x.expand((2, -1, 4)), lambda x: x.expand(2, -1, 4), [(1, 3, 1)]),
    OpCase("expand_0d", lambda x: x.expand(2, 3), None, [()]),
    OpCase("squeeze_axis", lambda x: x.squeeze(1), None, [(3, 1, 4)]),
    OpCase("squeeze_all", lambda x: x.squeeze(), None, [(1, 3, 1, 4)]),
    OpCase("unsqueeze_front", lambda x: x.unsqueeze(0), None, [(3, 4)]),
    OpCase("unsqueeze_back", lambda x: x.unsqueeze(-1), None, [(3, 4)]),
    OpCase("unsqueeze_0d", lambda x: x.unsqueeze(0), None, [()]),
    OpCase("flatten", lambda x: x.flatten(), None, [(2, 3, 4)]),
    OpCase("flatten_from_1", lambda x: x.flatten(1), None, [(2, 3, 4)]),
    OpCase("flatten_range", lambda x: x.flatten(0, 1), None, [(2, 3, 4)]),
    # ------------------------------------------------------------------ activations
    OpCase("sigmoid", lambda x: x.sigmoid(), None, [(3, 4)], domain=(-6, 6)),
    OpCase("sigmoid_functional_0d", F.sigmoid, torch.sigmoid, [()]),
    OpCase("tanh", lambda x: x.tanh(), torch.tanh, [(3, 4)]),
    OpCase("tanh_0d", F.tanh, torch.tanh, [()]),
    OpCase("relu", lambda x: x.relu(), None, [(3, 4)], domain=SIGNED),
    OpCase("relu_functional", F.relu, TF.relu, [(2, 3, 4)], domain=SIGNED),
    OpCase("relu_at_zero", F.relu, TF.relu, [(3, 4)], domain=integers(-1, 1), gradcheck=False),
    functional_case("leaky_relu", "leaky_relu", [(3, 4)], domain=SIGNED),
    functional_case("leaky_relu_slope", "leaky_relu", [(3, 4)], {"negative_slope": 0.2}, domain=SIGNED),
    functional_case("leaky_relu_at_zero", "leaky_relu", [(3, 4)], domain=integers(-1, 1), gradcheck=False),
    functional_case("elu", "elu", [(3, 4)], domain=SIGNED),
    functional_case("elu_alpha", "elu", [(3, 4)], {"alpha": 0.5}, domain=SIGNED),
    functional_case("elu_at_zero", "elu", [(3, 4)], {"alpha": 0.5}, domain=integers(-1, 1), gradcheck=False),
    functional_case("softplus", "softplus", [(3, 4)], domain=(-5, 5)),
    # beta * x crosses the threshold (3) at x = 1.5, where softplus switches to the identity
    functional_case(
        "softplus_beta_threshold",
        "softplus",
        [(4, 5)],
        {"beta": 2.0, "threshold": 3.0},
        domain=away_from(1.5, low=-3, high=3),
    ),
    functional_case("softplus_large", "softplus", [(3, 4)], domain=(15, 30)),
    *[functional_case(f"softmax_dim{d}", "softmax", [(2, 3, 4)], {"dim": d}) for d in (0, 1, -1)],
    functional_case("softmax_1d", "softmax", [(5,)], {"dim": 0}, domain=(-5, 5)),
    *[functional_case(f"log_softmax_dim{d}", "log_softmax", [(2, 3, 4)], {"dim": d}) for d in (0, 1, -1)],
    functional_case("log_softmax_wide_range", "log_softmax", [(3, 5)], {"dim": 1}, domain=(-30, 30)),
    *[
        OpCase(
            f"logsumexp_dim{d}_keep{k}",
            lambda x, d=d, k=k: F.logsumexp(x, d, keepdim=k),
            lambda x, d=d, k=k: torch.logsumexp(x, d, keepdim=k),
            [(2, 3, 4)],
            domain=(-5, 5),
        )
        for d in (1, -1)
        for k in (False, True)
    ],
    # ------------------------------------------------------------------ linear
    functional_case("linear", "linear", [(4, 3), (5, 3), (5,)]),
    functional_case("linear_no_bias", "linear", [(4, 3), (5, 3)]),
    functional_case("linear_3d_input", "linear", [(2, 4, 3), (5, 3), (5,)]),
    functional_case("linear_1d_input", "linear", [(3,), (5, 3), (5,)]),
    # ------------------------------------------------------------------ transposed convolution: input, weight, bias
    functional_case("conv_transpose2d", "conv_transpose2d", [(2, 3, 4, 5), (3, 2, 3, 3), (2,)]),
    functional_case(
        "conv_transpose2d_stride2_padding_no_bias",
        "conv_transpose2d",
        [(2, 4, 3, 3), (4, 3, 4, 4)],
        {"stride": 2, "padding": 1},
    ),
    functional_case("conv_transpose2d_from_1x1", "conv_transpose2d", [(3, 4, 1, 1), (4, 3, 4, 4)]),
    functional_case(
        "conv_transpose2d_output_padding",
        "conv_transpose2d",
        [(1, 4, 3, 4), (4, 2, 3, 2), (2,)],
        {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2)},
    ),
    functional_case(
        "conv_transpose2d_dilation",
        "conv_transpose2d",
        [(2, 3, 3, 4), (3, 2, 3, 3), (2,)],
        {"padding": 1, "output_padding": 1, "dilation": 2},
    ),
    functional_case(
        "conv_transpose2d_groups",
        "conv_transpose2d",
        [(3, 4, 3, 4), (4, 3, 3, 2), (6,)],
        {"stride": 2, "padding": (2, 1), "output_padding": (1, 0), "groups": 2, "dilation": (2, 1)},
    ),
    functional_case("conv_transpose2d_unbatched", "conv_transpose2d", [(3, 4, 4), (3, 2, 3, 3), (2,)], {"stride": 2}),
    # ------------------------------------------------------------------ regression losses
    *[
        functional_case(f"mse_loss_{r}", "mse_loss", [(3, 4), (3, 4)], {"reduction": r})
        for r in ("mean", "sum", "none")
    ],
    *[
        functional_case(f"l1_loss_{r}", "l1_loss", [], {"reduction": r}, inputs=_l1_inputs)
        for r in ("mean", "sum", "none")
    ],
    functional_case("huber_loss", "huber_loss", [(4, 5), (4, 5)]),
    functional_case("huber_loss_delta", "huber_loss", [(4, 5), (4, 5)], {"delta": 0.5, "reduction": "sum"}),
    functional_case("huber_loss_none", "huber_loss", [(4, 5), (4, 5)], {"delta": 2.0, "reduction": "none"}),
    # ------------------------------------------------------------------ binary cross-entropy
    *[
        functional_case(
            f"bce_{r}",
            "binary_cross_entropy",
            [(3, 4)],
            {"reduction": r},
            domain=(0.05, 0.95),
            extras=lambda rng: rng.random((3, 4)),
        )
        for r in ("mean", "sum", "none")
    ],
    OpCase(
        "bce_weight",
        lambda p, y, w: F.binary_cross_entropy(p, y, weight=w),
        lambda p, y, w: TF.binary_cross_entropy(p, y, weight=w),
        [(3, 4)],
        domain=(0.05, 0.95),
        extras=[lambda rng: (rng.random((3, 4)) < 0.5).astype(np.float64), lambda rng: rng.uniform(0.5, 2, (4,))],
    ),
    *[
        functional_case(
            f"bce_logits_{r}",
            "binary_cross_entropy_with_logits",
            [(3, 4)],
            {"reduction": r},
            domain=(-4, 4),
            extras=lambda rng: rng.random((3, 4)),
        )
        for r in ("mean", "sum", "none")
    ],
    OpCase(
        "bce_logits_pos_weight",
        lambda x, y, pw: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw),
        lambda x, y, pw: TF.binary_cross_entropy_with_logits(x, y, pos_weight=pw),
        [(3, 4)],
        domain=(-4, 4),
        extras=[lambda rng: (rng.random((3, 4)) < 0.5).astype(np.float64), lambda rng: rng.uniform(0.5, 3, (4,))],
    ),
    OpCase(
        "bce_logits_weight_pos_weight",
        lambda x, y, w, pw: F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw, reduction="sum"),
        lambda x, y, w, pw: TF.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw, reduction="sum"),
        [(3, 4)],
        domain=(-4, 4),
        extras=[
            lambda rng: rng.random((3, 4)),
            lambda rng: rng.uniform(0.5, 2, (3, 1)),
            lambda rng: rng.uniform(0.5, 3, (4,)),
        ],
    ),
    # ------------------------------------------------------------------ negative log-likelihood
    functional_case("nll_loss", "nll_loss", [(5, 4)], extras=labels(5, 4)),
    *[
        functional_case(f"nll_loss_{r}", "nll_loss", [(5, 4)], {"reduction": r}, extras=labels(5, 4))
        for r in ("sum", "none")
    ],
    OpCase(
        "nll_loss_weight",
        lambda x, y, w: F.nll_loss(x, y, weight=w),
        lambda x, y, w: TF.nll_loss(x, y, weight=w),
        [(6, 4)],
        extras=[labels(6, 4), lambda rng: rng.uniform(0.5, 2, (4,))],
    ),
    functional_case("nll_loss_ignore_default", "nll_loss", [(8, 4)], extras=labels(8, 4, ignore=-100)),
    OpCase(
        "nll_loss_weight_ignore_index",
        lambda x, y, w: F.nll_loss(x, y, weight=w, ignore_index=2),
        lambda x, y, w: TF.nll_loss(x, y, weight=w, ignore_index=2),
        [(8, 4)],
        extras=[labels(8, 4, ignore=2), lambda rng: rng.uniform(0.5, 2, (4,))],
    ),
    functional_case("nll_loss_nd", "nll_loss", [(3, 4, 2)], extras=labels(3, 4, extra_shape=(2,))),
    functional_case(
        "nll_loss_nd_none",
        "nll_loss",
        [(3, 4, 2)],
        {"reduction": "none"},
        extras=labels(3, 4, ignore=-100, extra_shape=(2,)),
    ),
    # ------------------------------------------------------------------ softmax cross-entropy
    *[
        functional_case(f"cross_entropy_{r}", "cross_entropy", [(5, 4)], {"reduction": r}, extras=labels(5, 4))
        for r in ("mean", "sum", "none")
    ],
    functional_case(
        "cross_entropy_label_smoothing", "cross_entropy", [(5, 4)], {"label_smoothing": 0.1}, extras=labels(5, 4)
    ),
    OpCase(
        "cross_entropy_weight",
        lambda x, y, w: F.cross_entropy(x, y, weight=w),
        lambda x, y, w: TF.cross_entropy(x, y, weight=w),
        [(6, 4)],
        extras=[labels(6, 4), lambda rng: rng.uniform(0.5, 2, (4,))],
    ),
    functional_case(
        "cross_entropy_ignore_index", "cross_entropy", [(8, 4)], {"ignore_index": 1}, extras=labels(8, 4, ignore=1)
    ),
    *[
        OpCase(
            f"cross_entropy_weight_ignore_smoothing_{r}",
            lambda x, y, w, r=r: F.cross_entropy(x, y, w, ignore_index=-100, reduction=r, label_smoothing=0.2),
            lambda x, y, w, r=r: TF.cross_entropy(x, y, w, ignore_index=-100, reduction=r, label_smoothing=0.2),
            [(8, 4)],
            extras=[labels(8, 4, ignore=-100), lambda rng: rng.uniform(0.5, 2, (4,))],
        )
        for r in ("mean", "sum", "none")
    ],
    *[
        functional_case(
            f"cross_entropy_probabilities_{r}",
            "cross_entropy",
            [(5, 4)],
            {"reduction": r},
            extras=lambda rng: rng.dirichlet(np.ones(4), size=5),
        )
        for r in ("mean", "none")
    ],
    OpCase(
        "cross_entropy_probabilities_weight_smoothing",
        lambda x, q, w: F.cross_entropy(x, q, weight=w, label_smoothing=0.1),
        lambda x, q, w: TF.cross_entropy(x, q, weight=w, label_smoothing=0.1),
        [(5, 4)],
        extras=[lambda rng: rng.dirichlet(np.ones(4), size=5), lambda rng: rng.uniform(0.5, 2, (4,))],
    ),
    functional_case("cross_entropy_nd", "cross_entropy", [(3, 4, 2)], extras=labels(3, 4, extra_shape=(2,))),
    *[
        functional_case(
            f"cross_entropy_nd_ignore_smoothing_{r}",
            "cross_entropy",
            [(2, 4, 3, 2)],
            {"reduction": r, "label_smoothing": 0.1},
            extras=labels(2, 4, ignore=-100, extra_shape=(3, 2)),
        )
        for r in ("mean", "none")
    ],
    functional_case(
        "cross_entropy_nd_probabilities",
        "cross_entropy",
        [(2, 4, 3)],
        extras=lambda rng: np.moveaxis(rng.dirichlet(np.ones(4), size=(2, 3)), -1, 1),
    ),
]
