"""The indexing ops beyond the op table: their non-differentiable outputs, their errors, and sampling.

Sort, argsort and topk indices equal PyTorch's on distinct values (and argsort's on ties, both sorts being
stable); a few more differentiable cases are checked against PyTorch and by finite differences (attention-shaped
einsum, scatter with repeated indices, gather along the last of three axes...); multinomial and bernoulli
follow their probabilities; bad arguments raise the documented errors.
"""

import math

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.errors import DTypeError, ShapeError
from glassnet.gradcheck import gradcheck

FLOATS = [np.float32, np.float64]
TOLERANCES = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-9, "atol": 1e-12}}


def distinct(shape, seed=0, dtype=np.float64):
    """Values with no ties (a permutation of a spread-out grid), so every sort order is unique."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(math.prod(shape)).reshape(shape) * 0.37 - 3).astype(dtype)


# ----------------------------------------------------------------------------- sort, argsort, topk indices
SORTS = [((7,), -1), ((4, 6), 1), ((4, 6), 0), ((3, 4, 5), -2), ((3, 4, 5), 2)]


@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("shape, dim", SORTS)
def test_sort_and_argsort_match_torch(shape, dim, descending, dtype):
    a = distinct(shape, dtype=dtype)
    values, indices = gn.sort(gn.tensor(a), dim, descending)
    expected = torch.sort(torch.from_numpy(a), dim, descending)
    assert indices.dtype == np.int64 and values.dtype == dtype
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
    np.testing.assert_array_equal(values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(
        gn.argsort(gn.tensor(a), dim, descending).numpy(), torch.argsort(torch.from_numpy(a), dim, descending).numpy()
    )


@pytest.mark.parametrize("descending", [False, True])
def test_argsort_keeps_ties_in_order_like_torch_stable_sort(descending):
    a = np.random.default_rng(1).integers(0, 3, (4, 9)).astype(np.float64)
    ours = gn.argsort(gn.tensor(a), 1, descending, stable=True).numpy()
    np.testing.assert_array_equal(
        ours, torch.sort(torch.from_numpy(a), dim=1, descending=descending, stable=True).indices.numpy()
    )


def test_sort_puts_nan_where_torch_does():
    a = np.array([1.0, np.nan, -2.0, 3.0])
    for descending in (False, True):
        ours = gn.argsort(gn.tensor(a), descending=descending).numpy()
        np.testing.assert_array_equal(ours, torch.argsort(torch.from_numpy(a), descending=descending).numpy())


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("shape, dim, k", [((9,), 0, 3), ((4, 6), 1, 2), ((4, 6), 0, 4), ((3, 4, 5), -1, 5)])
def test_topk_matches_torch(shape, dim, k, largest):
    a = distinct(shape, seed=2)
    values, indices = gn.topk(gn.tensor(a), k, dim, largest)
    expected = torch.topk(torch.from_numpy(a), k, dim, largest)
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
    np.testing.assert_array_equal(values.numpy(), expected.values.numpy())


def test_sort_and_topk_return_named_pairs():
    x = gn.tensor(distinct((3, 4)))
    for result in (gn.sort(x), gn.topk(x, 2)):
        values, indices = result
        assert result.values is values and result.indices is indices


def test_sort_of_a_0d_tensor_is_its_value_at_index_0():
    values, indices = gn.sort(gn.tensor(2.5))
    assert values.shape == () and values.item() == 2.5 and indices.item() == 0


# ----------------------------------------------------------------------------- more differentiable cases
REPEATED = np.array([[0, 0], [1, 1], [2, 0]])
CASES = {
    "einsum_attention": (
        lambda q, k: gn.einsum("bhqd,bhkd->bhqk", q, k),
        lambda q, k: torch.einsum("bhqd,bhkd->bhqk", q, k),
        [(2, 3, 4, 5), (2, 3, 6, 5)],
        [],
    ),
    "einsum_sum_all": (lambda a: gn.einsum("ij->", a), lambda a: torch.einsum("ij->", a), [(2, 3)], []),
    "einsum_transpose": (lambda a: gn.einsum("ij->ji", a), lambda a: torch.einsum("ij->ji", a), [(2, 3)], []),
    "einsum_dot_implicit": (
        lambda a, b: gn.einsum("i,i", a, b),
        lambda a, b: torch.einsum("i,i", a, b),
        [(3,), (3,)],
        [],
    ),
    "einsum_operand_list": (
        lambda a, b: gn.einsum("ij,jk", [a, b]),
        lambda a, b: torch.einsum("ij,jk", [a, b]),
        [(2, 3), (3, 4)],
        [],
    ),
    "gather_last_of_three": (
        lambda x, i: x.gather(-1, i),
        lambda x, i: x.gather(-1, i),
        [(2, 3, 4)],
        [np.random.default_rng(3).integers(0, 4, (2, 3, 6))],
    ),
    "scatter_add_repeated": (
        lambda x, s, i: x.scatter_add(1, i, s),
        lambda x, s, i: x.scatter_add(1, i, s),
        [(3, 4), (3, 2)],
        [REPEATED],
    ),
    "scatter_value": (
        lambda x, i: x.scatter(1, i, value=2.0),
        lambda x, i: x.scatter(1, i, value=2.0),
        [(3, 4)],
        [np.array([[0], [3], [2]])],
    ),
    "cumsum_last_3d": (lambda x: x.cumsum(-1), lambda x: x.cumsum(-1), [(2, 3, 4)], []),
    "cumsum_0d": (lambda x: x.cumsum(0), lambda x: x.cumsum(0), [()], []),
    "sort_descending_dim0": (lambda x: x.sort(0, True).values, lambda x: x.sort(0, True).values, [(4, 3)], []),
    "topk_dim0": (lambda x: x.topk(3, 0).values, lambda x: x.topk(3, 0).values, [(5, 2)], []),
    "norm_2_two_dims_keepdim": (lambda x: x.norm(2, (0, 2), True), lambda x: x.norm(2, (0, 2), True), [(2, 3, 4)], []),
    "norm_fro_dim": (lambda x: x.norm("fro", 1), lambda x: x.norm("fro", 1), [(3, 4)], []),
    "masked_fill_broadcast_mask": (
        lambda x, m: x.masked_fill(m, 0.5),
        lambda x, m: x.masked_fill(m, 0.5),
        [(3, 4)],
        [np.array([True, False, False, True])],
    ),
}


def _draw(shapes, seed):
    rng = np.random.default_rng(seed)
    # spread out, so that sort and topk see no near-ties and norms stay away from zero
    return [np.sign(a) * (0.2 + np.abs(a)) for a in (rng.standard_normal(s) for s in shapes)]


@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name, dtype):
    ours_fn, torch_fn, shapes, extras = CASES[name]
    arrays = [a.astype(dtype) for a in _draw(shapes, 4)]
    ours = [gn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = ours_fn(*ours, *[gn.tensor(e) for e in extras])
    expected = torch_fn(*theirs, *[torch.from_numpy(e) for e in extras])
    probe = np.random.default_rng(5).standard_normal(tuple(expected.shape)).astype(dtype)
    (out * gn.tensor(probe)).sum().backward()
    (expected * torch.from_numpy(probe)).sum().backward()
    assert out.dtype == dtype and out.shape == tuple(expected.shape), name
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), **TOLERANCES[dtype], err_msg=name)
    for i, (x, t) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), **TOLERANCES[dtype], err_msg=f"{name} d/d{i}")


@pytest.mark.parametrize("name", CASES)
def test_gradcheck(name):
    ours_fn, _, shapes, extras = CASES[name]
    inputs = [gn.tensor(a, requires_grad=True) for a in _draw(shapes, 6)]
    extras = [gn.tensor(e) for e in extras]
    probe = np.random.default_rng(7).standard_normal(ours_fn(*inputs, *extras).shape)
    assert gradcheck(lambda *xs: (ours_fn(*xs, *extras) * probe).sum(), inputs, name=name)


def test_scatter_gives_every_repeated_src_element_the_gradient_like_torch():
    """With repeated indices one src value is written, but each gets the gradient gathered, as in PyTorch."""
    x, src = np.zeros((3, 4)), np.arange(6.0).reshape(3, 2)
    ours = gn.tensor(src, requires_grad=True)
    gn.tensor(x).scatter(1, gn.tensor(REPEATED), ours).sum().backward()
    theirs = torch.tensor(src, requires_grad=True)
    torch.from_numpy(x).scatter(1, torch.from_numpy(REPEATED), theirs).sum().backward()
    np.testing.assert_array_equal(np.asarray(ours.grad), theirs.grad.numpy())


# ----------------------------------------------------------------------------- errors
def test_gather_refuses_bad_indices_with_shape_errors():
    x = gn.tensor(np.zeros((3, 4)))
    with pytest.raises(ShapeError, match=r"gather.*out of range.*dimension 1 of size 4"):
        gn.gather(x, 1, gn.tensor(np.array([[4], [0], [0]])))
    with pytest.raises(ShapeError, match=r"gather.*dimensions"):
        gn.gather(x, 1, gn.tensor(np.array([1, 0])))
    with pytest.raises(ShapeError, match=r"gather.*index shape \(4, 1\) is larger than input shape \(3, 4\)"):
        gn.gather(x, 1, gn.tensor(np.zeros((4, 1), np.int64)))
    with pytest.raises((ShapeError, DTypeError), match="gather.*integers"):
        gn.gather(x, 1, np.zeros((3, 1)))


def test_topk_refuses_k_larger_than_the_axis():
    with pytest.raises(ShapeError, match=r"topk.*k = 5.*size 4"):
        gn.topk(gn.tensor(np.zeros((3, 4))), 5)


def test_einsum_names_the_unsupported_ellipsis():
    with pytest.raises(NotImplementedError, match="einsum.*ellipsis"):
        gn.einsum("...ij->...ji", gn.tensor(np.ones((2, 3))))


@pytest.mark.parametrize(
    "equation, shapes", [("ii->i", [(3, 3)]), ("ij,jj->i", [(2, 3), (3, 3)]), ("iji->j", [(3, 2, 3)])]
)
def test_einsum_with_a_label_repeated_in_one_operand_takes_its_diagonal_as_torch(equation, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=s) for s in shapes]
    ours = [gn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    (gn.einsum(equation, *ours) ** 2).sum().backward()
    (torch.einsum(equation, *theirs) ** 2).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    with pytest.raises(ShapeError, match="einsum.*'i' has sizes"):
        gn.einsum("ii->i", gn.tensor(np.ones((2, 3))))


def test_einsum_refuses_mismatched_operands_with_shape_errors():
    a = gn.tensor(np.ones((3, 4)))
    with pytest.raises(ShapeError, match="einsum"):
        gn.einsum("ij,jk->ik", a)
    with pytest.raises(ShapeError, match="einsum"):
        gn.einsum("ijk->i", a)
    with pytest.raises(ShapeError, match="Einsum"):
        gn.einsum("ij,jk->ik", a, a)


@pytest.mark.parametrize("p", ["nuc", 0, -1, 0.5, -math.inf])
def test_norm_of_every_order_matches_torch(p):
    x = distinct((3, 4))
    np.testing.assert_allclose(gn.tensor(x).norm(p).numpy(), torch.from_numpy(x).norm(p).numpy(), rtol=1e-12)


def test_norm_refuses_an_unknown_order():
    with pytest.raises(ValueError, match="norm"):
        gn.tensor(np.ones((3, 4))).norm("max")


def test_two_norm_of_a_zero_vector_has_zero_gradient_like_torch():
    x = gn.zeros(3, dtype=gn.float64, requires_grad=True)
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    x.norm().backward()
    t.norm().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


# ----------------------------------------------------------------------------- sampling
PROBS = np.array([0.1, 0.2, 0.0, 0.3, 0.4])


def test_multinomial_with_replacement_follows_the_probabilities():
    gn.manual_seed(0)
    draws = gn.multinomial(gn.tensor(PROBS * 7), 20000, replacement=True)  # weights need not sum to 1
    assert draws.shape == (20000,) and draws.dtype == np.int64
    frequencies = np.bincount(draws.numpy(), minlength=5) / 20000
    assert frequencies[2] == 0  # a category of probability 0 is never drawn
    np.testing.assert_allclose(frequencies, PROBS, atol=0.015)  # ~4 standard errors at 20000 draws


def test_multinomial_without_replacement_draws_distinct_categories_in_weighted_order():
    gn.manual_seed(1)
    rows = gn.tensor(np.tile(PROBS, (4000, 1)))
    draws = gn.multinomial(rows, 3).numpy()
    assert draws.shape == (4000, 3)
    assert (np.sort(draws, 1)[:, 1:] != np.sort(draws, 1)[:, :-1]).all(), "repeated category in a row"
    assert not (draws == 2).any()
    # the first draw of each row is an ordinary weighted draw
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=5) / 4000, PROBS, atol=0.03)


def test_multinomial_all_categories_without_replacement_is_a_permutation():
    draws = gn.multinomial(gn.tensor(np.ones((5, 6))), 6).numpy()
    np.testing.assert_array_equal(np.sort(draws, 1), np.tile(np.arange(6), (5, 1)))


def test_multinomial_is_repeatable_with_a_seed_or_a_generator():
    weights = gn.tensor(PROBS)
    gn.manual_seed(3)
    first = gn.multinomial(weights, 10, True).numpy()
    gn.manual_seed(3)
    np.testing.assert_array_equal(gn.multinomial(weights, 10, True).numpy(), first)
    a = gn.multinomial(weights, 10, True, generator=gn.Generator().manual_seed(9)).numpy()
    b = gn.multinomial(weights, 10, True, generator=gn.Generator().manual_seed(9)).numpy()
    np.testing.assert_array_equal(a, b)


def test_multinomial_refuses_impossible_requests():
    with pytest.raises(ValueError, match="without replacement"):
        gn.multinomial(gn.tensor(PROBS), 5)  # only four categories have non-zero probability
    with pytest.raises(ValueError, match="non-negative"):
        gn.multinomial(gn.tensor([0.5, -0.5]), 1)
    with pytest.raises(ValueError, match="multinomial"):
        gn.multinomial(gn.tensor([0.0, 0.0]), 1, replacement=True)


@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
def test_bernoulli_mean_follows_p_and_keeps_the_dtype(dtype):
    gn.manual_seed(2)
    p = np.tile(np.array([0.0, 0.25, 0.5, 0.9, 1.0], dtype), (20000, 1))
    sample = gn.bernoulli(gn.tensor(p))
    assert sample.dtype == dtype and sample.shape == p.shape
    assert set(np.unique(sample.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(sample.numpy().mean(0), p[0], atol=0.015)
    scalar_p = gn.bernoulli(gn.tensor(np.zeros((20000,), dtype)), 0.3).numpy()
    assert abs(scalar_p.mean() - 0.3) < 0.015


# ----------------------------------------------------------------------------- known gaps against PyTorch
def test_gather_refuses_negative_indices():
    with pytest.raises(ShapeError):
        gn.gather(gn.tensor(np.zeros((3, 4))), 1, gn.tensor(np.array([[-1], [0], [0]])))


def test_scatter_refuses_a_src_smaller_than_the_index():
    with pytest.raises(ShapeError):
        gn.tensor(np.zeros((3, 4))).scatter(1, gn.tensor(np.zeros((3, 2), np.int64)), gn.tensor(np.ones((3, 1))))


def test_scatter_refuses_an_index_larger_than_the_input_with_a_shape_error():
    with pytest.raises(ShapeError):
        gn.tensor(np.zeros((3, 4))).scatter(1, gn.tensor(np.zeros((4, 1), np.int64)), value=1.0)


def test_einsum_broadcasts_size_one_labels_like_torch():
    a, b = np.random.default_rng(8).standard_normal((2, 1)), np.random.default_rng(9).standard_normal((3, 4))
    ours = [gn.tensor(a, requires_grad=True), gn.tensor(b, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    gn.einsum("ij,jk->ik", *ours).sum().backward()
    torch.einsum("ij,jk->ik", *theirs).sum().backward()
    for x, t in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy())


def test_gather_of_a_0d_tensor():
    assert gn.gather(gn.tensor(5.0), 0, gn.tensor(np.array(0))).item() == 5.0


def test_bernoulli_refuses_probabilities_outside_0_1():
    with pytest.raises(ValueError):
        gn.bernoulli(gn.tensor([1.5]))


def test_multinomial_refuses_3d_weights():
    with pytest.raises(ShapeError):
        gn.multinomial(gn.tensor(np.ones((2, 2, 2))), 1)


def test_norm_minus_inf():
    x = distinct((3, 4))
    np.testing.assert_allclose(gn.tensor(x).norm(-math.inf, 1).numpy(), torch.from_numpy(x).norm(-math.inf, 1))
