"""glassnet.linalg and the prod/cumprod ops against PyTorch: result fields, batched shapes, zeros, errors.

Values and gradients of single calls are in the op table (oracle and gradcheck); here are what the table
cannot hold: named-tuple fields per driver, shapes over many batch and vector forms, random zero patterns,
integer dtypes, and the errors.
"""

import math

import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.linalg as linalg
from glassnet import ops
from glassnet.errors import DTypeError, LinAlgError, ShapeError


def well_conditioned(rng, shape):
    return rng.uniform(-1.0, 1.0, size=shape) + 3.0 * np.eye(shape[-2], shape[-1])


def assert_close(ours, theirs, rtol=1e-10, atol=1e-12, what=""):
    theirs = theirs.detach().numpy()
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype}, torch {theirs.dtype}"
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, torch {theirs.shape}"
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=rtol, atol=atol, err_msg=what)


def values_and_grads(fn, torch_fn, arrays, seed=0):
    """Both outputs and both sets of input gradients of sum(output * probe)."""
    ours = [gn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = fn(*ours), torch_fn(*theirs)
    probe = np.random.default_rng(seed).standard_normal(tuple(expected.shape))
    (out * gn.tensor(probe)).sum().backward()
    (expected * torch.from_numpy(probe)).sum().backward()
    return out, expected, ours, theirs


# ----------------------------------------------------------------------------- lstsq: the named tuple
LSTSQ_SHAPES = {
    "tall": ((5, 3), (5, 2)),
    "tall_vector": ((5, 3), (5,)),
    "batched": ((2, 6, 3), (2, 6, 4)),
    "batched_vectors": ((2, 6, 3), (2, 6)),
    "broadcast": ((1, 5, 3), (2, 5, 2)),
    "square": ((3, 3), (3, 1)),
    "wide": ((3, 5), (3, 2)),
}


@pytest.mark.parametrize("driver", [None, "gelsy", "gels", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", LSTSQ_SHAPES.values(), ids=LSTSQ_SHAPES.keys())
def test_lstsq_fields_match_torch(shapes, driver):
    rng = np.random.default_rng(1)
    a, b = well_conditioned(rng, shapes[0]), rng.standard_normal(shapes[1])
    ours = linalg.lstsq(gn.tensor(a), gn.tensor(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.from_numpy(a), torch.from_numpy(b), driver=driver)
    assert isinstance(ours, linalg.LstsqResult) and isinstance(ours, tuple)
    assert ours._fields == ("solution", "residuals", "rank", "singular_values")
    for field in ours._fields:
        assert_close(getattr(ours, field), getattr(theirs, field), rtol=1e-9, atol=1e-10, what=field)


def test_lstsq_default_driver_returns_empty_residuals_and_singular_values():
    """PyTorch's CPU default 'gelsy': residuals and singular values empty, the rank an int64 tensor."""
    rng = np.random.default_rng(2)
    result = linalg.lstsq(gn.tensor(well_conditioned(rng, (6, 3)), dtype=gn.float32), gn.randn(6, 2))
    assert result.residuals.shape == (0,) and result.residuals.dtype == np.float32
    assert result.singular_values.shape == (0,) and result.singular_values.dtype == np.float32
    assert result.rank.shape == () and result.rank.dtype == np.int64 and result.rank.item() == 3
    assert result.solution.shape == (3, 2) and result.solution.dtype == np.float32


@pytest.mark.parametrize("driver", ["gelsy", "gelsd", "gelss"])
def test_lstsq_rank_deficient_gives_the_minimum_norm_solution(driver):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((6, 4))
    a[:, 3] = a[:, 0] - 2 * a[:, 1]  # rank 3
    b = rng.standard_normal((6, 2))
    ours = linalg.lstsq(gn.tensor(a), gn.tensor(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.from_numpy(a), torch.from_numpy(b), driver=driver)
    assert ours.rank.item() == theirs.rank.item() == 3
    assert ours.residuals.shape == (0,)  # not full rank: PyTorch leaves them empty
    assert_close(ours.solution, theirs.solution, rtol=1e-8, atol=1e-10, what="solution")
    np.testing.assert_allclose(ours.solution.numpy(), np.linalg.pinv(a) @ b, rtol=1e-10, atol=1e-12)


def test_lstsq_rcond_sets_the_rank():
    a = np.diag([4.0, 1.0, 1e-3])
    for rcond, rank in [(None, 3), (1e-2, 2), (0.5, 1)]:
        result = linalg.lstsq(gn.tensor(a), gn.tensor(np.ones((3, 1))), rcond, driver="gelsd")
        expected = torch.linalg.lstsq(torch.from_numpy(a), torch.ones(3, 1, dtype=torch.float64), rcond, driver="gelsd")
        assert result.rank.item() == expected.rank.item() == rank
        assert_close(result.solution, expected.solution, what=f"rcond {rcond}")


def test_lstsq_residuals_carry_a_gradient_and_the_rank_does_not():
    rng = np.random.default_rng(4)
    a = gn.tensor(well_conditioned(rng, (6, 3)), requires_grad=True)
    result = linalg.lstsq(a, gn.tensor(rng.standard_normal((6, 2))), driver="gelsd")
    assert result.solution.requires_grad and result.residuals.requires_grad
    assert not result.rank.requires_grad and not result.singular_values.requires_grad


def test_lstsq_full_column_rank_gradient_is_the_normal_equations_one():
    """With z = (A^T A)^-1 g and r = B - AX: dA = r z^T - A z X^T and dB = A z (the formulas for full column rank)."""
    rng = np.random.default_rng(5)
    a_, b_, g = well_conditioned(rng, (7, 3)), rng.standard_normal((7, 2)), rng.standard_normal((3, 2))
    a, b = gn.tensor(a_, requires_grad=True), gn.tensor(b_, requires_grad=True)
    x = linalg.lstsq(a, b).solution
    (x * gn.tensor(g)).sum().backward()
    z = np.linalg.solve(a_.T @ a_, g)
    r = b_ - a_ @ x.numpy()
    np.testing.assert_allclose(a.grad.numpy(), r @ z.T - a_ @ z @ x.numpy().T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), a_ @ z, rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------- batched shapes
SOLVE_SHAPES = [
    ((3, 3), (3,)),
    ((3, 3), (3, 4)),
    ((2, 3, 3), (3,)),  # one vector for every matrix
    ((2, 3, 3), (2, 3)),  # a vector per matrix: B has A's shape without the last axis
    ((2, 3, 3), (3, 3)),  # a matrix, broadcast over the batch
    ((2, 3, 3), (2, 3, 1)),
    ((2, 3, 3), (4, 2, 3, 5)),
    ((4, 1, 3, 3), (2, 3, 2)),
]


@pytest.mark.parametrize("shapes", SOLVE_SHAPES, ids=str)
def test_solve_batched_shapes_match_torch(shapes):
    rng = np.random.default_rng(6)
    a, b = well_conditioned(rng, shapes[0]), rng.standard_normal(shapes[1])
    out, expected, ours, theirs = values_and_grads(linalg.solve, torch.linalg.solve, [a, b])
    assert_close(out, expected, what="X")
    for name, x, t in zip("AB", ours, theirs):
        assert_close(x.grad, t.grad, rtol=1e-9, what=f"d/d{name}")


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 3, 3), (1, 1), (0, 2, 2)], ids=str)
@pytest.mark.parametrize("name", ["inv", "det"])
def test_square_ops_batched_shapes_match_torch(name, shape):
    rng = np.random.default_rng(7)
    out, expected, (x,), (t,) = values_and_grads(
        getattr(linalg, name), getattr(torch.linalg, name), [well_conditioned(rng, shape)]
    )
    assert_close(out, expected, rtol=1e-9, what=name)
    assert_close(x.grad, t.grad, rtol=1e-9, what=f"d{name}/dA")


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 5), (2, 1, 4, 2)], ids=str)
def test_svdvals_batched_shapes_match_torch(shape):
    rng = np.random.default_rng(8)
    out, expected, (x,), (t,) = values_and_grads(linalg.svdvals, torch.linalg.svdvals, [rng.standard_normal(shape)])
    assert_close(out, expected, rtol=1e-9, what="singular values")
    assert_close(x.grad, t.grad, rtol=1e-8, atol=1e-10, what="dA")


def test_det_of_an_empty_matrix_is_one():
    assert linalg.det(gn.zeros(0, 0)).item() == 1.0
    assert linalg.det(gn.zeros(3, 0, 0)).shape == (3,)


@pytest.mark.parametrize(
    "matrix",
    [[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]], [[0.0]]],
    ids=["rank2_of_3", "rank1_of_2", "zero_1x1"],
)
def test_det_gradient_at_a_singular_matrix_is_the_adjugate(matrix):
    """Rank n - 1: det is smooth there and its gradient, the cofactor matrix, is not zero (finite differences agree)."""
    a = np.array(matrix)
    x = gn.tensor(a, requires_grad=True)
    linalg.det(x).backward()
    h, numeric = 1e-6, np.zeros_like(a)
    for index in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[index] = h
        numeric[index] = (np.linalg.det(a + step) - np.linalg.det(a - step)) / (2 * h)
    np.testing.assert_allclose(x.grad.numpy(), numeric, atol=1e-8)
    assert np.abs(x.grad.numpy()).max() > 0.5


# ----------------------------------------------------------------------------- norms
@pytest.mark.parametrize(
    "ord, dim",
    [(None, None), (None, 0), (2, (1, 2)), ("fro", (0, 1)), ("nuc", (-1, -2)), (-2, (0, 2)), (1, -1), (math.inf, 1)],
    ids=str,
)
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm_dispatch_matches_torch(ord, dim, keepdim):
    x = np.random.default_rng(9).uniform(0.2, 2, (2, 3, 4))
    ours = linalg.norm(gn.tensor(x), ord, dim, keepdim)
    assert_close(ours, torch.linalg.norm(torch.from_numpy(x), ord, dim, keepdim), what=f"norm({ord}, {dim})")


def test_vector_norm_order_zero_counts_non_zeros_with_zero_gradient():
    x = gn.tensor([[0.0, 2.0, -1.0], [0.0, 0.0, 3.0]], requires_grad=True)
    count = linalg.vector_norm(x, 0, dim=1)
    np.testing.assert_array_equal(count.numpy(), [2.0, 1.0])
    count.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))


def test_norm_errors():
    with pytest.raises(ShapeError, match=r"1-D or 2-D.*\(2, 3, 4\)"):
        linalg.norm(gn.ones(2, 3, 4), 2)
    with pytest.raises(ValueError, match="ord"):
        linalg.matrix_norm(gn.ones(2, 3), 3)
    with pytest.raises(ValueError, match="matrix norm"):
        linalg.norm(gn.ones(2, 3), "nuc", dim=1)
    with pytest.raises(ShapeError, match="names one axis twice"):
        linalg.matrix_norm(gn.ones(2, 3), dim=(1, -1))
    with pytest.raises(ValueError, match="ord must be a number"):
        linalg.vector_norm(gn.ones(3), "fro")


# ----------------------------------------------------------------------------- errors
def test_singular_matrices_raise_linalg_error_naming_the_batch_element():
    a = np.stack([np.eye(3), np.ones((3, 3))])
    with pytest.raises(LinAlgError, match=r"linalg.inv: the matrix is singular.*batch element \(1,\).*\(2, 3, 3\)"):
        linalg.inv(gn.tensor(a))
    with pytest.raises(RuntimeError, match=r"linalg.solve: A is singular.*batch element \(1,\)"):
        linalg.solve(gn.tensor(a), gn.ones(2, 3, dtype=gn.float64))
    assert linalg.LinAlgError is LinAlgError and issubclass(LinAlgError, RuntimeError)


@pytest.mark.parametrize("name", ["inv", "det", "solve"])
def test_non_square_matrices_raise_shape_errors(name):
    args = (gn.ones(3, 4),) + ((gn.ones(3),) if name == "solve" else ())
    with pytest.raises(ShapeError, match=rf"linalg.{name}: A must be a square matrix.*\(3, 4\)"):
        getattr(linalg, name)(*args)
    with pytest.raises(ShapeError, match=r"\(4,\)"):
        getattr(linalg, name)(gn.ones(4), *args[1:])


@pytest.mark.parametrize(
    "a, b, match",
    [
        ((3, 3), (2, 3), r"incompatible shapes for AX = B: A \(3, 3\).*B \(2, 3\)"),
        ((2, 3, 3), (1, 3), r"B \(1, 3\)"),
        ((2, 3, 3), (4, 3, 1), r"batch axes .* do not broadcast"),
    ],
)
def test_solve_shape_errors(a, b, match):
    with pytest.raises(ShapeError, match=match):
        linalg.solve(gn.ones(*a), gn.ones(*b))
    with pytest.raises(RuntimeError):  # torch refuses them too
        torch.linalg.solve(torch.ones(*a), torch.ones(*b))


def test_lstsq_errors():
    with pytest.raises(ShapeError, match=r"A \(5, 3\) has m = 5 rows, B \(4, 2\) has 4"):
        linalg.lstsq(gn.ones(5, 3), gn.ones(4, 2))
    with pytest.raises(ShapeError, match="one fewer"):
        linalg.lstsq(gn.ones(5, 3), gn.ones(2, 2, 5, 1))
    with pytest.raises(ShapeError, match="matrix"):
        linalg.lstsq(gn.ones(5), gn.ones(5))
    with pytest.raises(ValueError, match="driver must be one of"):
        linalg.lstsq(gn.ones(5, 3), gn.ones(5, 2), driver="gesvd")


def test_integer_and_mixed_dtypes_raise_dtype_errors():
    with pytest.raises(DTypeError, match="floating-point.*int64"):
        linalg.inv(gn.tensor([[1, 2], [3, 4]]))
    with pytest.raises(DTypeError, match="one dtype.*float64 and .*float32"):
        linalg.solve(gn.eye(2, dtype=gn.float64), gn.ones(2, dtype=gn.float32))
    with pytest.raises(DTypeError, match="one dtype"):
        linalg.lstsq(gn.ones(3, 2, dtype=gn.float32), gn.ones(3, dtype=gn.float64))


# ----------------------------------------------------------------------------- prod and cumprod
def zero_patterns(seed: int, shape: tuple) -> np.ndarray:
    """Values in [-2, 2] with about a third exact zeros: lines with none, one and several."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, shape)
    return np.where(rng.random(shape) < 0.3, 0.0, x)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_prod_with_random_zeros_matches_torch(seed, dim):
    x = zero_patterns(seed, (4, 5, 3))
    fn = (lambda t: ops.prod(t)) if dim is None else (lambda t: ops.prod(t, dim))
    torch_fn = (lambda t: t.prod()) if dim is None else (lambda t: t.prod(dim))
    out, expected, (ours,), (theirs,) = values_and_grads(fn, torch_fn, [x], seed)
    assert_close(out, expected, what="prod")
    assert_close(ours.grad, theirs.grad, what="d prod/dx")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_with_random_zeros_matches_torch(seed, dim):
    x = zero_patterns(seed, (4, 6, 3))
    out, expected, (ours,), (theirs,) = values_and_grads(
        lambda t: ops.cumprod(t, dim), lambda t: t.cumprod(dim), [x], seed
    )
    assert_close(out, expected, what="cumprod")
    assert_close(ours.grad, theirs.grad, what="d cumprod/dx")


def test_prod_over_several_axes_equals_nested_prods():
    x = gn.tensor(zero_patterns(11, (3, 4, 5)), requires_grad=True)
    y = gn.tensor(x.numpy(), requires_grad=True)
    probe = gn.tensor(np.random.default_rng(0).standard_normal(4))
    (ops.prod(x, (0, 2)) * probe).sum().backward()
    (ops.prod(ops.prod(y, 2), 0) * probe).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_prod_and_cumprod_of_integers_are_int64(dtype):
    x = np.array([[1, 2, 3], [0, 1, 1]]).astype(dtype)
    assert_close(ops.prod(gn.tensor(x)), torch.from_numpy(x).prod(), what="prod")
    assert_close(ops.prod(gn.tensor(x), 1), torch.from_numpy(x).prod(1), what="prod(1)")
    assert_close(ops.cumprod(gn.tensor(x), 1), torch.from_numpy(x).cumprod(1), what="cumprod")


def test_prod_and_cumprod_edge_shapes():
    assert_close(ops.prod(gn.ones(2, 0), 1), torch.ones(2, 0).prod(1), what="empty prod")
    assert_close(ops.prod(gn.ones(0, 3), 1), torch.ones(0, 3).prod(1), what="prod of no lines")
    assert_close(ops.cumprod(gn.ones(2, 0), 1), torch.ones(2, 0).cumprod(1), what="empty cumprod")
    assert_close(ops.cumprod(gn.tensor(2.5), 0), torch.tensor(2.5).cumprod(0), what="0-d cumprod")
    x = gn.ones(2, 0, requires_grad=True)
    ops.cumprod(x, 1).sum().backward()
    assert x.grad.shape == (2, 0)
    with pytest.raises(ShapeError, match="cumprod: axis 2 is out of range"):
        ops.cumprod(gn.ones(2, 3), 2)
    with pytest.raises(ShapeError, match="prod: axis -3 is out of range"):
        ops.prod(gn.ones(2, 3), -3)
