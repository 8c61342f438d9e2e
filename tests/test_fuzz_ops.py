"""Fuzzing the ops against PyTorch: random shapes (size-0 and size-1 axes), dtypes, extreme values, bad arguments.

Each example either matches PyTorch (shape, dtype, values, gradients of sum(output * probe)) or, where PyTorch
refuses it, raises one of glassnet's documented errors: ShapeError or DTypeError (a ValueError and a TypeError).
Indexing out of range raises IndexError, as in Python, NumPy and PyTorch (iteration relies on it). The ops and
their PyTorch counterparts and value domains come from the op table; Hypothesis draws the rest. Every fuzz test
counts the examples it ran and asserts a floor, so a filter that starves a test cannot pass unnoticed.
"""

import dataclasses
import warnings
from collections import Counter

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glassnet as gn
from glassnet import functional as F
from glassnet.errors import DTypeError, ShapeError
from optable import OPS

EXAMPLES = Counter()
DOCUMENTED = (ShapeError, DTypeError)
ROWS = {case.name: case for case in OPS}
FLOATS = [np.float32, np.float64]
TOLERANCES = {np.float32: {"rtol": 2e-5, "atol": 1e-5}, np.float64: {"rtol": 1e-10, "atol": 1e-12}}

# op-table rows whose callables work on any shape: binary rows with the op class an error must name
BINARY = {
    "add_3x4_3x4": "Add",
    "sub_3x4_3x4": "Sub",
    "mul_3x4_3x4": "Mul",
    "div_3x4_3x4": "Div",
    "pow_tensor_tensor": "Pow",
    "maximum": "Maximum",
    "minimum": "Minimum",
}
UNARY = [
    "exp",
    "log",
    "sqrt",
    "abs",
    "neg",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
    "clip_both",
    "pow_int_exponent",
    "pow_half",
    "rdiv_python_scalar",
    "add_python_scalar",
    "mul_python_scalar",
]

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
broadcastable_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=4)
seeds = st.integers(0, 2**32 - 1)


def fuzz(max_examples: int):
    """Hypothesis settings for one fuzz target: no deadline (the first examples import and warm up torch)."""
    return settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def record(target: str, outcome: str) -> None:
    """Count one example of ``target`` that ran to its end, and how it ended ("matched" or "refused")."""
    EXAMPLES[target] += 1
    EXAMPLES[target, outcome] += 1


def run_counted(target, floor: int, required: tuple = ("matched", "refused"), allowed: tuple = ()) -> None:
    """Run a Hypothesis target: ``floor`` examples or more, each ``required`` outcome seen, others only if allowed."""
    name = target.__name__
    before = EXAMPLES.copy()
    target()
    ran = EXAMPLES[name] - before[name]
    seen = {o for o in ("matched", "refused") if EXAMPLES[name, o] > before[name, o]}
    assert ran >= floor, f"{name}: only {ran} examples ran (floor {floor})"
    assert set(required) <= seen <= set(required) | set(allowed), f"{name}: outcomes {seen}, expected {required}"


def extreme(dtype) -> list:
    """Values at the edges of ``dtype``: huge, subnormal, zero, infinities (not -0.0: libraries differ on its sign)."""
    tiny = float(np.finfo(dtype).smallest_subnormal)
    return [1e30, -1e30, tiny, -tiny, 0.0, np.inf, -np.inf]


def draw_inputs(name: str, shapes_: list) -> list:
    """The row's inputs redrawn for ``shapes_``, from the row's own value domain (float64)."""
    inputs, _ = dataclasses.replace(ROWS[name], shapes=list(shapes_)).draw()
    return inputs


def draw_extreme_inputs(name: str, shapes_: list, dtype, data) -> list:
    """The row's inputs in ``dtype`` with extreme values sprinkled in: non-negative ones where its domain is."""
    case = ROWS[name]
    domains = case.domain if isinstance(case.domain, list) else [case.domain] * len(shapes_)
    arrays = []
    for array, domain in zip(draw_inputs(name, shapes_), domains):
        values = [v for v in extreme(dtype) if v >= 0 or not (isinstance(domain, tuple) and domain[0] >= 0)]
        arrays.append(sprinkle(array, data, values).astype(dtype))
    return arrays


def sprinkle(array: np.ndarray, data, values: list) -> np.ndarray:
    """``array`` with a few elements replaced by some of ``values``, chosen by Hypothesis."""
    array = array.copy()
    for _ in range(data.draw(st.integers(0, min(array.size, 4)))):
        array.flat[data.draw(st.integers(0, array.size - 1))] = data.draw(st.sampled_from(values))
    return array


# ----------------------------------------------------------------------------- the oracle comparison
def refused_by_torch(torch_fn, theirs: list) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch_fn(*theirs)
    except Exception:  # any refusal: RuntimeError, IndexError, ValueError, TypeError
        return True
    return False


def as_list(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def matches_torch(ours_fn, torch_fn, arrays: list, quiet: bool = False, index_error: bool = False) -> str:
    """Run both libraries on ``arrays``; return "refused" (both raised) or "matched" (outputs and gradients agree).

    Floating arrays require a gradient in both. ``quiet`` silences NumPy's overflow and invalid-value
    warnings, which PyTorch does not give, for extreme values; ``index_error`` admits IndexError.
    """
    ours = [gn.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    if refused_by_torch(torch_fn, theirs):
        with pytest.raises(DOCUMENTED + (IndexError,) * index_error):
            ours_fn(*ours)
        return "refused"
    with warnings.catch_warnings(), np.errstate(all="ignore" if quiet else "warn"):
        if quiet:
            warnings.simplefilter("ignore")
        our_out, their_out = as_list(ours_fn(*ours)), as_list(torch_fn(*theirs))
        assert len(our_out) == len(their_out)
        # float32 anywhere (an input, or an output computed in it) limits the precision of everything after it
        single = any(x.dtype == np.float32 for x in arrays + [o.numpy() for o in our_out])
        tolerance = TOLERANCES[np.float32 if single else np.float64]
        for k, (o, t) in enumerate(zip(our_out, their_out)):
            expected = t.detach().numpy()
            assert o.shape == expected.shape, f"output {k}: shape {o.shape}, torch {expected.shape}"
            assert o.dtype == expected.dtype, f"output {k}: dtype {o.dtype}, torch {expected.dtype}"
            np.testing.assert_allclose(o.numpy(), expected, **tolerance, equal_nan=True, err_msg=f"output {k}")
        differentiable = [(o, t) for o, t in zip(our_out, their_out) if t.requires_grad]
        if not differentiable:
            return "matched"
        rng = np.random.default_rng(0)
        probes = [rng.standard_normal(o.shape).astype(o.dtype) for o, _ in differentiable]
        sum((o * gn.tensor(p)).sum() for (o, _), p in zip(differentiable, probes)).backward()
        sum((t * torch.from_numpy(p)).sum() for (_, t), p in zip(differentiable, probes)).backward()
    for i, (x, t) in enumerate(zip(ours, theirs)):
        if t.grad is not None or x.grad is not None:
            expected = np.zeros(x.shape, x.dtype) if t.grad is None else t.grad.numpy()
            assert x.grad is not None and x.grad.dtype == x.dtype, f"input {i}: gradient {x.grad}"
            np.testing.assert_allclose(x.grad, expected, **tolerance, equal_nan=True, err_msg=f"d/d(input {i})")
    return "matched"


# ----------------------------------------------------------------------------- elementwise
@fuzz(400)
@given(name=st.sampled_from(sorted(BINARY)), pair=broadcastable_pairs, dtype=st.sampled_from(FLOATS), data=st.data())
def binary_ops_broadcast(name, pair, dtype, data):
    case = ROWS[name]
    arrays = draw_extreme_inputs(name, pair.input_shapes, dtype, data)
    record("binary_ops_broadcast", matches_torch(case.fn, case.reference, arrays, quiet=True))


def test_binary_ops_on_broadcast_shapes_and_extreme_values_match_torch():
    run_counted(binary_ops_broadcast, 350, ("matched",))


def incompatible(shape: tuple, data) -> tuple:
    """A shape that does not broadcast with ``shape``: one aligned axis gets a size that is neither its size nor 1."""
    assert any(n != 1 for n in shape)
    axis = data.draw(st.sampled_from([i for i, n in enumerate(shape) if n != 1]))
    size = data.draw(st.integers(0, 5).filter(lambda n: n not in (1, shape[axis])))
    other = list(shape[axis:])
    other[0] = size
    return tuple(other)


@fuzz(200)
@given(
    name=st.sampled_from(sorted(BINARY)),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4).filter(lambda s: any(n != 1 for n in s)),
    swap=st.booleans(),
    data=st.data(),
)
def binary_ops_refuse_incompatible_shapes(name, shape, swap, data):
    case = ROWS[name]
    pair = [shape, incompatible(shape, data)][:: -1 if swap else 1]
    arrays = draw_inputs(name, pair)
    outcome = matches_torch(case.fn, case.reference, arrays)
    with pytest.raises(ShapeError) as caught:
        case.fn(*[gn.tensor(a) for a in arrays])
    message = str(caught.value)
    assert message.startswith(f"{BINARY[name]}: shapes {pair[0]}, {pair[1]} cannot be broadcast"), message
    record("binary_ops_refuse_incompatible_shapes", outcome)


def test_binary_ops_refuse_incompatible_shapes_with_a_shape_error_naming_both():
    run_counted(binary_ops_refuse_incompatible_shapes, 150, ("refused",))


@fuzz(400)
@given(name=st.sampled_from(UNARY), shape=shapes, dtype=st.sampled_from(FLOATS), data=st.data())
def unary_ops(name, shape, dtype, data):
    case = ROWS[name]
    record(
        "unary_ops", matches_torch(case.fn, case.reference, draw_extreme_inputs(name, [shape], dtype, data), quiet=True)
    )


def test_unary_ops_on_random_shapes_and_extreme_values_match_torch():
    run_counted(unary_ops, 350, ("matched",))


DTYPES = [np.float32, np.float64, np.int64]
SCALARS = [2, -3, 0.5, 1.5]  # not bool: PyTorch refuses x - True and fails an internal assert on x ** True


@fuzz(300)
@given(
    name=st.sampled_from(sorted(BINARY)),
    pair=broadcastable_pairs,
    dtypes=st.tuples(st.sampled_from(DTYPES), st.sampled_from(DTYPES)),
    data=st.data(),
)
def mixed_dtypes(name, pair, dtypes, data):
    """float32 with float64 or int64 tensors: PyTorch's result dtype (NumPy would widen int64 + float32)."""
    case = ROWS[name]
    arrays = [np.round(a).astype(d) for a, d in zip(draw_inputs(name, pair.input_shapes), dtypes)]
    if name == "pow_tensor_tensor" and arrays[1].dtype.kind == "i":
        # NumPy refuses integers to negative integer powers (DTypeError); PyTorch rounds them to integers
        arrays[1] = np.abs(arrays[1])
    record("mixed_dtypes", matches_torch(case.fn, case.reference, arrays, quiet=True))


@fuzz(150)
@given(
    op=st.sampled_from(["add", "sub", "mul", "truediv", "pow"]),
    dtype=st.sampled_from(DTYPES),
    other=st.one_of(st.sampled_from(SCALARS), st.lists(st.sampled_from([1.0, 2.5, -1.0]), min_size=3, max_size=3)),
    reflected=st.booleans(),
)
def python_operands(op, dtype, other, reflected):
    """A tensor with a Python number or list: the tensor's kind decides, a float is the default dtype.

    PyTorch refuses lists (a TypeError); we read them as ``tensor()`` does, so the oracle gets ``torch.tensor``.
    """
    array = np.arange(1, 4).astype(dtype)
    method = f"__r{op}__" if reflected else f"__{op}__"
    theirs_other = torch.tensor(other) if isinstance(other, list) else other
    outcome = matches_torch(
        lambda x: getattr(x, method)(other), lambda x: getattr(x, method)(theirs_other), [array], quiet=True
    )
    record("python_operands", outcome)


def test_mixed_dtypes_promote_like_torch():
    run_counted(mixed_dtypes, 250, ("matched",))
    run_counted(python_operands, 100, ("matched",), allowed=("refused",))  # int ** -3


def test_known_promotion_cases():
    """Worked cases: NumPy gives float64 for each of these, PyTorch (and glassnet) keep float32."""
    x = gn.ones(2)
    assert (x + [1.0, 2.0]).dtype == np.float32
    assert (x * gn.tensor([1, 2])).dtype == np.float32
    assert (gn.tensor([1, 2]) / 2).dtype == np.float32
    assert (gn.tensor([1, 2]) * 0.5).dtype == np.float32
    assert gn.tensor([1, 2]).exp().dtype == np.float32
    assert gn.maximum(x, gn.tensor(3.0, dtype=np.float64)).dtype == np.float32  # a 0-d operand does not widen
    assert (x + gn.ones(2, dtype=np.float64)).dtype == np.float64


@fuzz(150)
@given(
    name=st.sampled_from(["exp", "log", "sqrt", "sigmoid", "tanh", "abs", "neg", "relu"]),
    shape=shapes,
    data=st.data(),
)
def integer_inputs(name, shape, data):
    """Integer tensors: floating ops read them in the default dtype, as PyTorch does; abs, neg, relu keep them."""
    array = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-5, 5)))
    record("integer_inputs", matches_torch(ROWS[name].fn, ROWS[name].reference, [array], quiet=True))


def test_integer_inputs_match_torch():
    run_counted(integer_inputs, 120, ("matched",))


# ----------------------------------------------------------------------------- matmul
@fuzz(250)
@given(
    ranks=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    sizes=st.lists(st.integers(0, 3), min_size=6, max_size=6),
    mismatch=st.booleans(),
    dtype=st.sampled_from(FLOATS),
)
def matmul_shapes(ranks, sizes, mismatch, dtype):
    n, k, m, batch = sizes[0], sizes[1], sizes[2], sizes[3:5]
    inner = k + 1 if mismatch else k
    a_shape = {0: (), 1: (k,), 2: (n, k), 3: (batch[0], n, k)}[ranks[0]]
    b_shape = {0: (), 1: (inner,), 2: (inner, m), 3: (batch[1], inner, m)}[ranks[1]]
    rng = np.random.default_rng(sizes[5])
    arrays = [rng.standard_normal(a_shape).astype(dtype), rng.standard_normal(b_shape).astype(dtype)]
    record("matmul_shapes", matches_torch(lambda a, b: a @ b, lambda a, b: a @ b, arrays))


def test_matmul_matches_torch_or_raises_shape_error():
    run_counted(matmul_shapes, 200)


# ----------------------------------------------------------------------------- reductions
REDUCTIONS = {
    "sum": (lambda x, a, k: x.sum(axis=a, keepdims=k), lambda x, a, k: torch.sum(x, dim=a, keepdim=k)),
    "mean": (lambda x, a, k: x.mean(axis=a, keepdims=k), lambda x, a, k: torch.mean(x, dim=a, keepdim=k)),
    "amax": (lambda x, a, k: x.amax(axis=a, keepdims=k), lambda x, a, k: torch.amax(x, dim=a, keepdim=k)),
    "amin": (lambda x, a, k: x.amin(axis=a, keepdims=k), lambda x, a, k: torch.amin(x, dim=a, keepdim=k)),
    "var": (lambda x, a, k: x.var(axis=a, keepdims=k), lambda x, a, k: torch.var(x, dim=a, keepdim=k)),
}
SOFTMAX_FAMILY = {
    "softmax": (F.softmax, torch.softmax),
    "log_softmax": (F.log_softmax, torch.log_softmax),
    "logsumexp": (F.logsumexp, torch.logsumexp),
}


@fuzz(500)
@given(op=st.sampled_from(sorted(REDUCTIONS)), shape=shapes, keepdims=st.booleans(), data=st.data(), seed=seeds)
def reductions(op, shape, keepdims, data, seed):
    """Random axes, in and out of range, repeated or not, over shapes with empty axes; None reduces all."""
    ndim = max(len(shape), 1)
    axis_strategy = st.integers(-ndim - 1, ndim)
    axis = data.draw(st.one_of(st.none(), axis_strategy, st.tuples(axis_strategy, axis_strategy)))
    ours_fn, torch_fn = REDUCTIONS[op]
    array = np.random.default_rng(seed).standard_normal(shape)
    # torch reads an empty tuple of dims as "all"; NumPy as "none": not fuzzed here
    dims = tuple(range(len(shape))) if axis is None else axis
    # quiet: var over fewer values than its correction warns (PyTorch too) and gives NaN or inf
    outcome = matches_torch(
        lambda x: ours_fn(x, axis, keepdims), lambda x: torch_fn(x, dims, keepdims), [array], quiet=True
    )
    record("reductions", outcome)


@fuzz(300)
@given(op=st.sampled_from(sorted(SOFTMAX_FAMILY)), shape=shapes, data=st.data(), dtype=st.sampled_from(FLOATS))
def softmax_family(op, shape, data, dtype):
    """Random dims (out of range included) over shapes with empty axes, values with infinities mixed in."""
    ndim = max(len(shape), 1)
    dim = data.draw(st.integers(-ndim - 1, ndim))
    array = np.random.default_rng(len(shape)).standard_normal(shape)
    if op == "logsumexp":  # defined at +-inf (the others give NaN rows)
        # not +-1e30: there PyTorch's gradient e**(x - y) rounds y to x and gives 1 where the softmax is 1/n
        array = sprinkle(array, data, [v for v in extreme(dtype) if abs(v) != 1e30])
    ours_fn, torch_fn = SOFTMAX_FAMILY[op]
    outcome = matches_torch(lambda x: ours_fn(x, dim), lambda x: torch_fn(x, dim), [array.astype(dtype)], quiet=True)
    record("softmax_family", outcome)


def test_reductions_over_random_axes_match_torch_or_raise_shape_error():
    run_counted(reductions, 400)
    run_counted(softmax_family, 250)


# ----------------------------------------------------------------------------- movement with bad arguments
def axis_in(ndim: int):
    """An axis in range or just out of it (by one on either side)."""
    return st.integers(-max(ndim, 1) - 1, max(ndim, 1))


@fuzz(600)
@given(
    op=st.sampled_from(["reshape", "transpose", "permute", "squeeze", "unsqueeze", "flatten", "expand", "split"]),
    shape=shapes,
    data=st.data(),
    seed=seeds,
)
def movement(op, shape, data, seed):
    """Shape ops with random, often invalid, arguments: both libraries accept them alike or both refuse."""
    ndim = len(shape)
    if op == "reshape":
        target = tuple(data.draw(st.lists(st.integers(-1, 4), max_size=4)))
        ours_fn, torch_fn = (lambda x: x.reshape(target)), (lambda x: x.reshape(target))
    elif op == "transpose":
        d0, d1 = data.draw(axis_in(ndim)), data.draw(axis_in(ndim))
        ours_fn = torch_fn = lambda x: x.transpose(d0, d1)
    elif op == "permute":
        axes = tuple(data.draw(st.lists(axis_in(ndim), min_size=max(ndim - 1, 0), max_size=ndim + 1)))
        ours_fn = torch_fn = lambda x: x.permute(axes)
    elif op == "squeeze":
        axis = data.draw(st.one_of(st.none(), axis_in(ndim)))
        ours_fn = torch_fn = lambda x: x.squeeze() if axis is None else x.squeeze(axis)
    elif op == "unsqueeze":
        axis = data.draw(axis_in(ndim + 1))
        ours_fn = torch_fn = lambda x: x.unsqueeze(axis)
    elif op == "flatten":
        start, end = data.draw(axis_in(ndim)), data.draw(axis_in(ndim))
        ours_fn = torch_fn = lambda x: x.flatten(start, end)
    elif op == "expand":
        target = tuple(data.draw(st.lists(st.integers(-1, 3), max_size=ndim + 2)))
        assume(ndim or -1 not in target)  # PyTorch expands a 0-d tensor to shapes such as (0, -1)
        ours_fn = torch_fn = lambda x: x.expand(target)
    else:
        axis = data.draw(axis_in(ndim))
        size = data.draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=3)))
        ours_fn, torch_fn = (lambda x: x.split(size, axis)), (lambda x: torch.split(x, size, axis))
    array = np.random.default_rng(seed).standard_normal(shape)
    record("movement", matches_torch(ours_fn, torch_fn, [array]))


def test_movement_ops_with_random_arguments_match_torch_or_raise_shape_error():
    run_counted(movement, 500)


@fuzz(300)
@given(
    shapes_=st.lists(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), min_size=0, max_size=3),
    stack=st.booleans(),
    data=st.data(),
)
def joining(shapes_, stack, data):
    """cat and stack of tensors with random, often unequal, shapes and random axes (empty lists included)."""
    assume(stack or (0,) not in shapes_)  # torch.cat skips 1-d empty tensors whatever their shape (a legacy rule)
    if data.draw(st.booleans()) and shapes_:  # equal shapes half of the time, so most examples are valid
        shapes_ = [shapes_[0]] * len(shapes_)
    ndim = len(shapes_[0]) if shapes_ else 1
    axis = data.draw(axis_in(ndim + stack))
    arrays = [np.full(s, float(k)) for k, s in enumerate(shapes_)]
    ours_join, their_join = (gn.stack, torch.stack) if stack else (gn.cat, torch.cat)
    record(
        "joining", matches_torch(lambda *xs: ours_join(list(xs), axis), lambda *xs: their_join(list(xs), axis), arrays)
    )


@fuzz(400)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4), data=st.data(), seed=seeds)
def indexing(shape, data, seed):
    """Integers out of range, too many indices, masks of the wrong length: IndexError in both libraries."""
    entries, kinds = [], ["int", "slice", "mask", "ints"]
    for n in shape + (3,):  # one entry too many, sometimes
        kind = data.draw(st.sampled_from(kinds))
        if kind in ("mask", "ints"):
            kinds = ["int", "slice"]  # one array per index: several broadcast together, another story
        if kind == "int":
            entries.append(data.draw(st.integers(-n - 1, n)))
        elif kind == "slice":
            entries.append(slice(data.draw(st.integers(-n - 1, n + 1)), None, data.draw(st.integers(1, 2))))
        elif kind == "mask":
            entries.append(np.asarray(data.draw(st.lists(st.booleans(), min_size=max(n - 1, 0), max_size=n + 1))))
        else:
            entries.append(np.asarray(data.draw(st.lists(st.integers(-n - 1, n), max_size=3)), dtype=np.int64))
    index = tuple(entries[: data.draw(st.integers(1, len(entries)))])
    their_index = tuple(torch.from_numpy(e) if isinstance(e, np.ndarray) else e for e in index)
    array = np.random.default_rng(seed).standard_normal(shape)
    # PyTorch skips the bounds check of an integer array when the result is empty; NumPy checks
    integers = any(isinstance(e, np.ndarray) and e.dtype.kind == "i" for e in index)
    assume(not (integers and torch_result_is_empty(torch.from_numpy(array), their_index)))
    record("indexing", matches_torch(lambda x: x[index], lambda x: x[their_index], [array], index_error=True))


def torch_result_is_empty(tensor: torch.Tensor, index: tuple) -> bool:
    try:
        return tensor[index].numel() == 0
    except IndexError:
        return False


def test_joining_and_indexing_match_torch_or_raise_documented_errors():
    run_counted(joining, 250)
    run_counted(indexing, 300)


def test_permute_with_negative_axes_sends_the_gradient_back_through_the_inverse():
    """permute(0, -1, 1) is (0, 2, 1); its inverse was once taken of the raw axes, a wrong order on a cube."""
    rng = np.random.default_rng(0)
    array, probe = rng.standard_normal((3, 3, 3)), rng.standard_normal((3, 3, 3))
    x = gn.tensor(array, requires_grad=True)
    (x.permute(0, -1, 1) * gn.tensor(probe)).sum().backward()
    np.testing.assert_array_equal(x.grad, probe.transpose(0, 2, 1))


def test_squeeze_keeps_axes_larger_than_one_like_torch():
    x = gn.ones(2, 1, 3)
    assert x.squeeze(0).shape == (2, 1, 3) and x.squeeze(1).shape == (2, 3) and x.squeeze((0, 1)).shape == (2, 3)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: gn.ones(2, 3) + gn.ones(4), ShapeError, "Add: shapes (2, 3), (4,) cannot be broadcast together"),
        (lambda: gn.where([True] * 4, gn.ones(2, 3), 0.0), ShapeError, "Where: shapes (4,), (2, 3), float cannot"),
        (lambda: gn.ones(2, 3) @ gn.ones(2, 3), ShapeError, "MatMul: matmul: Input operand 1 has a mismatch"),
        (
            lambda: gn.ones(2, 3).sum(axis=2),
            ShapeError,
            "sum: axis 2 is out of range for 2 dimensions",
        ),
        (lambda: gn.ones(2, 3).mean(axis=(0, -2)), ShapeError, "mean: axis (0, -2) names an axis twice"),
        (lambda: gn.zeros(0, 3).amax(axis=0), ShapeError, "Max: an axis reduced has size 0 in input shape (0, 3)"),
        (lambda: gn.ones(2, 3).reshape(4, 2), ShapeError, "Reshape: cannot reshape array of size 6 into shape (4,2)"),
        (lambda: gn.cat([]), ShapeError, "cat: needs a non-empty list of tensors"),
        (lambda: gn.ones(3).expand(-1, 3), ShapeError, "expand: -1 keeps an existing axis"),
        (lambda: gn.ones(2).transpose(0, 1), ShapeError, "transpose: axis 1 is out of range for 1 dimensions"),
        (lambda: gn.ones(2, 3).chunk(0), ShapeError, "chunk: chunks must be positive, got 0"),
        (lambda: gn.tensor([2, 3]) ** -1, DTypeError, "Pow: Integers to negative integer powers are not allowed"),
        (
            lambda: gn.ones(2, 3)[[True, False, True]],
            IndexError,
            "boolean index did not match indexed array",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_documented_errors_name_the_op_and_the_shapes(call, error, message):
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value).startswith(message), str(caught.value)
