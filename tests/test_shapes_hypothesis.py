"""Property tests over random shapes: broadcasting binary ops, movement ops and reductions against NumPy and torch.

Shapes include size-1 axes (broadcast) and size-0 axes (empty tensors); values come from a seeded
generator so a failing example replays exactly.
"""

import numpy as np
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glassnet as gn

SETTINGS = settings(max_examples=60, deadline=None)
seeds = st.integers(0, 2**32 - 1)
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
nonempty_shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)


def pair(array, requires_grad=True):
    """The same float64 values as a glassnet tensor and a torch tensor."""
    return gn.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad)


def as_list(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def backward_both(ours, theirs, rng):
    """Backward of sum(out * probe) through both libraries, with the same probe for each output."""
    ours, theirs = as_list(ours), as_list(theirs)
    assert len(ours) == len(theirs)
    probes = [rng.standard_normal(o.shape) for o in ours]
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum((o * p).sum() for o, p in zip(ours, probes)).backward()
    sum((t * torch.from_numpy(p)).sum() for t, p in zip(theirs, probes)).backward()


def assert_grads_equal(ours, theirs):
    for i, (x, t) in enumerate(zip(ours, theirs)):
        assert x.grad is not None and x.grad.shape == x.shape, f"input {i}: grad shape differs from {x.shape}"
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"input {i}")


# ----------------------------------------------------------------------------- broadcasting
BINARY = {
    "add": (lambda a, b: a + b, np.add, torch.add),
    "sub": (lambda a, b: a - b, np.subtract, torch.sub),
    "mul": (lambda a, b: a * b, np.multiply, torch.mul),
    "div": (lambda a, b: a / b, np.divide, torch.div),
    "maximum": (gn.maximum, np.maximum, torch.maximum),
    "minimum": (gn.minimum, np.minimum, torch.minimum),
}


@SETTINGS
@given(
    op=st.sampled_from(sorted(BINARY)),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=4),
    seed=seeds,
)
def test_broadcasting_binary_ops(op, shapes, seed):
    ours_fn, numpy_fn, torch_fn = BINARY[op]
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a = rng.standard_normal(a_shape)
    b = rng.uniform(0.5, 2.0, b_shape) * rng.choice([-1.0, 1.0], b_shape)  # away from 0 for div
    (x, tx), (y, ty) = pair(a), pair(b)
    out = ours_fn(x, y)
    assert out.shape == shapes.result_shape
    np.testing.assert_array_equal(out.numpy(), numpy_fn(a, b))
    backward_both(out, torch_fn(tx, ty), rng)
    assert_grads_equal([x, y], [tx, ty])


@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, min_side=0, max_side=4),
    seed=seeds,
)
def test_broadcasting_where(shapes, seed):
    rng = np.random.default_rng(seed)
    c_shape, a_shape, b_shape = shapes.input_shapes
    cond, a, b = np.asarray(rng.random(c_shape) < 0.5), rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    (x, tx), (y, ty) = pair(a), pair(b)
    out = gn.where(cond, x, y)
    np.testing.assert_array_equal(out.numpy(), np.where(cond, a, b))
    backward_both(out, torch.where(torch.from_numpy(cond), tx, ty), rng)
    assert_grads_equal([x, y], [tx, ty])


# ----------------------------------------------------------------------------- movement
@SETTINGS
@given(shape=shapes, data=st.data(), seed=seeds)
def test_reshape_round_trip(shape, data, seed):
    rng = np.random.default_rng(seed)
    target = list(data.draw(st.permutations(shape))) if shape else [1]
    if target and np.prod(shape, dtype=int) > 0 and data.draw(st.booleans()):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    array = rng.standard_normal(shape)
    x, tx = pair(array)
    out = x.reshape(target)
    np.testing.assert_array_equal(out.reshape(shape).numpy(), array)
    backward_both(out, tx.reshape(target), rng)
    assert_grads_equal([x], [tx])


@SETTINGS
@given(shape=shapes, data=st.data(), seed=seeds)
def test_permute_and_transpose(shape, data, seed):
    rng = np.random.default_rng(seed)
    axes = data.draw(st.permutations(range(len(shape))))
    array = rng.standard_normal(shape)
    x, tx = pair(array)
    out = x.permute(*axes)
    np.testing.assert_array_equal(out.permute(*np.argsort(axes)).numpy(), array)
    if len(shape) >= 1:
        dims = st.integers(-len(shape), len(shape) - 1)
        d0, d1 = data.draw(dims), data.draw(dims)
        outs, theirs = (out, x.transpose(d0, d1)), (tx.permute(tuple(axes)), tx.transpose(d0, d1))
    else:
        outs, theirs = (out,), (tx.permute(tuple(axes)),)
    backward_both(outs, theirs, rng)
    assert_grads_equal([x], [tx])


@SETTINGS
@given(shape=shapes, data=st.data(), seed=seeds)
def test_expand(shape, data, seed):
    rng = np.random.default_rng(seed)
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    sizes = [data.draw(st.integers(0, 3)) if n == 1 else data.draw(st.sampled_from([n, -1])) for n in shape]
    target = tuple(lead + sizes)
    x, tx = pair(rng.standard_normal(shape))
    out = x.expand(*target)
    np.testing.assert_array_equal(out.numpy(), np.broadcast_to(x.numpy(), out.shape))
    backward_both(out, tx.expand(target), rng)
    assert_grads_equal([x], [tx])


def basic_index(data, shape):
    """A random basic index: per axis an int, a slice with a positive step, or a new axis before it."""
    index = []
    for n in shape:
        if data.draw(st.booleans()):
            index.append(None)
        kind = data.draw(st.sampled_from(["slice", "int"] if n else ["slice"]))
        if kind == "int":
            index.append(data.draw(st.integers(-n, n - 1)))
        else:
            bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
            index.append(slice(data.draw(bound), data.draw(bound), data.draw(st.integers(1, 3))))
    return tuple(index[: data.draw(st.integers(0, len(index)))])


@SETTINGS
@given(shape=shapes, data=st.data(), seed=seeds)
def test_basic_indexing(shape, data, seed):
    rng = np.random.default_rng(seed)
    index = basic_index(data, shape)
    x, tx = pair(rng.standard_normal(shape))
    backward_both(x[index], tx[index], rng)
    assert_grads_equal([x], [tx])


@SETTINGS
@given(shape=nonempty_shapes, data=st.data(), seed=seeds)
def test_integer_array_indexing_scatters_repeats(shape, data, seed):
    """One integer-array index (repeats likely) on a random axis, slices elsewhere; or a boolean mask."""
    rng = np.random.default_rng(seed)
    axis = data.draw(st.integers(0, len(shape) - 1))
    if data.draw(st.booleans()):
        chosen = rng.integers(-shape[axis], shape[axis], size=data.draw(st.integers(0, 6)))
    else:
        chosen = rng.random(shape[axis]) < 0.5
    index = (slice(None),) * axis + (chosen,)
    x, tx = pair(rng.standard_normal(shape))
    theirs_index = (slice(None),) * axis + (torch.from_numpy(chosen),)
    backward_both(x[index], tx[theirs_index], rng)
    assert_grads_equal([x], [tx])


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5), data=st.data(), seed=seeds)
def test_split_then_cat_round_trip(shape, data, seed):
    rng = np.random.default_rng(seed)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    length = shape[axis]
    cuts = sorted(data.draw(st.lists(st.integers(0, length), max_size=3)))
    sizes = np.diff([0, *cuts, length]).tolist()
    array = rng.standard_normal(shape)
    x, tx = pair(array)
    pieces = x.split(sizes, axis)
    np.testing.assert_array_equal(gn.cat(pieces, axis).numpy(), array)
    their_pieces = torch.split(tx, sizes, axis)
    # weight the pieces differently through cat so each piece's gradient is distinct
    ours = gn.cat([p * (k + 1.0) for k, p in enumerate(pieces)], dim=axis)
    theirs = torch.cat([p * (k + 1.0) for k, p in enumerate(their_pieces)], dim=axis)
    backward_both([*pieces, ours], [*their_pieces, theirs], rng)
    assert_grads_equal([x], [tx])


@SETTINGS
@given(shape=shapes, count=st.integers(1, 3), data=st.data(), seed=seeds)
def test_stack(shape, count, data, seed):
    rng = np.random.default_rng(seed)
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    pairs = [pair(rng.standard_normal(shape)) for _ in range(count)]
    ours, theirs = [p[0] for p in pairs], [p[1] for p in pairs]
    backward_both(gn.stack(ours, axis), torch.stack(theirs, axis), rng)
    assert_grads_equal(ours, theirs)


# ----------------------------------------------------------------------------- reductions
REDUCTIONS = {
    "sum": torch.sum,
    "mean": torch.mean,
    "amax": torch.amax,
    "amin": torch.amin,
    "var": torch.var,
}


@SETTINGS
@given(
    op=st.sampled_from(sorted(REDUCTIONS)), shape=nonempty_shapes, data=st.data(), keepdims=st.booleans(), seed=seeds
)
def test_reductions_over_random_axes(op, shape, data, keepdims, seed):
    rng = np.random.default_rng(seed)
    ndim = len(shape)
    axes = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    axes = tuple(a - ndim if data.draw(st.booleans()) else a for a in axes)  # some negative
    if op == "var":
        assume(np.prod([shape[a] for a in axes]) > 1)  # at least two values: the unbiased variance exists
    axis = axes[0] if len(axes) == 1 and data.draw(st.booleans()) else axes
    x, tx = pair(rng.standard_normal(shape))
    out = getattr(x, op)(axis=axis, keepdims=keepdims)
    backward_both(out, REDUCTIONS[op](tx, dim=axis, keepdim=keepdims), rng)
    assert_grads_equal([x], [tx])
