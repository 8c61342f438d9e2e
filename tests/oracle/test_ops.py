"""Every row of the op table against PyTorch, in float32 and float64: outputs, input gradients, dtypes.

The gradient compared is that of sum(output * fixed random weights), so it is not trivially ones.
Then the fused kernels against the composites they replace, and their stability at huge logits.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassnet as gn
from glassnet import functional as F
from optable import OPS, as_tuple, cast_extra

# float64 agrees to rounding; float32 to a few ulps of its 1e-7 resolution (summation order differs)
TOLERANCES = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-9, "atol": 1e-12}}


def test_op_names_are_unique():
    names = [case.name for case in OPS]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def run_both(case, dtype):
    """Our outputs, leaves and their non-leaf copies, torch's outputs and leaves, after both backward passes."""
    inputs, extras = case.draw()
    ours = [gn.tensor(a.astype(dtype), requires_grad=True) for a in inputs]
    # non-leaf copies: a leaf casts its gradient to its dtype, a retained non-leaf gradient shows what backward made
    inner = [x * 1.0 for x in ours]
    for t in inner:
        t.retain_grad()
    theirs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in inputs]
    our_extras = [gn.tensor(cast_extra(e, dtype)) for e in extras]
    their_extras = [torch.from_numpy(cast_extra(e, dtype)) for e in extras]

    our_out = as_tuple(case.fn(*inner, *our_extras))
    their_out = as_tuple(case.reference(*theirs, *their_extras))
    rng = np.random.default_rng(1)
    probes = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in their_out]
    if ours:
        sum((o * gn.tensor(p)).sum() for o, p in zip(our_out, probes)).backward()
        sum((t * torch.from_numpy(p)).sum() for t, p in zip(their_out, probes)).backward()
    return our_out, ours, inner, their_out, theirs


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", OPS, ids=repr)
def test_matches_torch(case, dtype):
    our_out, ours, inner, their_out, theirs = run_both(case, dtype)
    tol = TOLERANCES[dtype]
    assert len(our_out) == len(their_out), f"{case.name}: {len(our_out)} outputs, torch gives {len(their_out)}"
    for k, (o, t) in enumerate(zip(our_out, their_out)):
        assert o.dtype == t.detach().numpy().dtype, f"{case.name}: output {k} is {o.dtype}, torch {t.dtype}"
        assert o.shape == tuple(t.shape), f"{case.name}: output {k} has shape {o.shape}, torch {tuple(t.shape)}"
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), **tol, err_msg=f"{case.name}: output {k}")
    for i, (x, tx) in enumerate(zip(ours, theirs)):
        assert tx.grad is not None, f"{case.name}: torch gives no gradient for input {i}"
        assert x.grad is not None, f"{case.name}: no gradient for input {i}"
        assert inner[i].grad.dtype == dtype, f"{case.name}: grad of input {i} is {inner[i].grad.dtype}"
        assert x.grad.shape == x.shape, f"{case.name}: grad of input {i} has shape {x.grad.shape}, input {x.shape}"
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), **tol, err_msg=f"{case.name}: d/d(input {i})")


# ----------------------------------------------------------------------------- fused kernels vs composites
def _value_and_grads(fn, arrays):
    tensors = [gn.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward()
    return out.item(), [t.grad for t in tensors]


def assert_same_value_and_grads(fused, composite, arrays, rtol=1e-10, atol=1e-12):
    value, grads = _value_and_grads(fused, arrays)
    expected, expected_grads = _value_and_grads(composite, arrays)
    np.testing.assert_allclose(value, expected, rtol=rtol, atol=atol)
    for i, (g, e) in enumerate(zip(grads, expected_grads)):
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"d/d(input {i})")


def composite_cross_entropy(x, y, weight=None, ignore_index=-100, label_smoothing=0.0):
    """Mean of -sum_c w_c q_ic log softmax(x)_ic over kept rows, divided by sum of w[y_i], from primitives."""
    classes = x.shape[1]
    keep = y != ignore_index
    onehot = np.eye(classes)[np.where(keep, y, 0)]
    q = ((1 - label_smoothing) * onehot + label_smoothing / classes) * keep[:, None]
    w = np.ones(classes) if weight is None else weight
    log_p = x - x.exp().sum(axis=1, keepdims=True).log()
    return -(log_p * (q * w)).sum() / w[y[keep]].sum()


@pytest.mark.parametrize(
    "options",
    [{}, {"weight": True}, {"ignore_index": 2}, {"weight": True, "ignore_index": 0}],
    ids=["plain", "weight", "ignore_index", "weight_ignore_index"],
)
def test_cross_entropy_equals_nll_of_log_softmax(options):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((9, 4)), rng.integers(0, 4, 9)
    y[0] = 1  # never all ignored
    weight = gn.tensor(rng.uniform(0.5, 2, 4)) if options.get("weight") else None
    ignore = options.get("ignore_index", -100)
    assert_same_value_and_grads(
        lambda x: F.cross_entropy(x, y, weight=weight, ignore_index=ignore),
        lambda x: F.nll_loss(F.log_softmax(x, 1), y, weight=weight, ignore_index=ignore),
        [x],
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("with_weight", [False, True])
def test_cross_entropy_equals_composite_with_label_smoothing(smoothing, with_weight):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((10, 5)), rng.integers(0, 5, 10)
    y[[2, 7]] = -100
    weight = rng.uniform(0.5, 2, 5) if with_weight else None
    assert_same_value_and_grads(
        lambda x: F.cross_entropy(x, y, weight=weight, label_smoothing=smoothing),
        lambda x: composite_cross_entropy(x, y, weight=weight, label_smoothing=smoothing),
        [x],
    )


@pytest.mark.parametrize("x_shape", [(4, 3), (2, 5, 3), (3,)])
@pytest.mark.parametrize("with_bias", [False, True])
def test_linear_equals_matmul_plus_bias(x_shape, with_bias):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal((6, 3))] + [rng.standard_normal(6)] * with_bias
    probe = rng.standard_normal(x_shape[:-1] + (6,))
    assert_same_value_and_grads(
        lambda x, w, *b: (F.linear(x, w, *b) * probe).sum(),
        lambda x, w, *b: ((x @ w.T + (b[0] if b else 0.0)) * probe).sum(),
        arrays,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("with_weight", [False, True])
def test_bce_with_logits_equals_bce_of_sigmoid(reduction, with_weight):
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-3, 3, (4, 5)), rng.random((4, 5))
    weight = gn.tensor(rng.uniform(0.5, 2, 5)) if with_weight else None
    assert_same_value_and_grads(
        lambda x: F.binary_cross_entropy_with_logits(x, gn.tensor(y), weight=weight, reduction=reduction),
        lambda x: F.binary_cross_entropy(F.sigmoid(x), gn.tensor(y), weight=weight, reduction=reduction),
        [x],
        rtol=1e-9,  # log(sigmoid) loses a few ulps against the softplus form
    )


EXTREME_LOGITS = np.array([[1e4, -1e4, 3.0], [-1e4, 1e4, -2.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(
    "name, ours, theirs, target",
    [
        (
            "bce_with_logits",
            lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=gn.tensor([2.0, 0.5, 1.0], x.dtype)),
            lambda x, y: TF.binary_cross_entropy_with_logits(
                x, y, pos_weight=torch.tensor([2.0, 0.5, 1.0], dtype=x.dtype)
            ),
            np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]]),
        ),
        ("cross_entropy", F.cross_entropy, TF.cross_entropy, np.array([1, 1])),
        (
            "cross_entropy_smoothing",
            lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1),
            lambda x, y: TF.cross_entropy(x, y, label_smoothing=0.1),
            np.array([0, 2]),
        ),
        ("log_softmax", lambda x, y: F.log_softmax(x, 1), lambda x, y: TF.log_softmax(x, 1), np.zeros(0)),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_stable_at_huge_logits(name, ours, theirs, target, dtype):
    """Logits of +-1e4: finite loss and gradient, equal to PyTorch's (no overflow in exp)."""
    target = cast_extra(target, dtype)
    x = gn.tensor(EXTREME_LOGITS.astype(dtype), requires_grad=True)
    tx = torch.tensor(EXTREME_LOGITS.astype(dtype), requires_grad=True)
    out, expected = ours(x, gn.tensor(target)), theirs(tx, torch.from_numpy(target))
    probe = np.random.default_rng(4).standard_normal(out.shape).astype(dtype)
    (out * gn.tensor(probe)).sum().backward()
    (expected * torch.from_numpy(probe)).sum().backward()
    assert np.isfinite(out.numpy()).all() and np.isfinite(x.grad).all(), name
    assert out.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), **TOLERANCES[dtype])
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), **TOLERANCES[dtype])
