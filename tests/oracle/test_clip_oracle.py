"""Gradient clipping against torch.nn.utils: the returned total norm and the clipped gradients."""

import numpy as np
import pytest
import torch

import glassnet
import glassnet.nn.utils
from glassnet.nn import Parameter
from glassnet.nn.utils import clip_grad_norm_, clip_grad_value_

SHAPES = [(4, 3), (3,), (2, 2, 2), ()]
INF = float("inf")


def _pair(dtype=np.float64, scale=1.0, seed=0):
    """The same parameters and gradients in both libraries; the third parameter has no gradient."""
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for i, shape in enumerate(SHAPES):
        data, grad = rng.standard_normal(shape).astype(dtype), (scale * rng.standard_normal(shape)).astype(dtype)
        p, q = Parameter(data), torch.nn.Parameter(torch.from_numpy(data.copy()))
        if i != 2:
            p.grad, q.grad = glassnet.tensor(np.array(grad)), torch.from_numpy(np.array(grad))
        ours.append(p)
        theirs.append(q)
    return ours, theirs


def _assert_grads_equal(ours, theirs, rtol):
    for p, q in zip(ours, theirs):
        if q.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=rtol, atol=0)


@pytest.mark.parametrize("norm_type", [1, 2, 3.5, INF], ids=["l1", "l2", "l3.5", "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 2.0, 100.0], ids=["clips-hard", "clips", "no-clip"])
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-6)], ids=["float64", "float32"])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype, rtol):
    ours, theirs = _pair(dtype)
    before = [None if p.grad is None else p.grad.numpy().copy() for p in ours]
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, glassnet.Tensor) and total.shape == () and total.dtype == dtype  # as PyTorch's
    total = total.item()
    assert total == pytest.approx(expected.item(), rel=rtol)
    _assert_grads_equal(ours, theirs, rtol)
    # the total is the norm of every gradient joined into one vector (the parameter without grad left out)
    joined = np.concatenate([g.ravel() for g in before if g is not None]).astype(np.float64)
    assert total == pytest.approx(np.linalg.norm(joined, ord=norm_type), rel=rtol)
    clipped = np.concatenate([p.grad.numpy().ravel() for p in ours if p.grad is not None]).astype(np.float64)
    assert np.linalg.norm(clipped, ord=norm_type) == pytest.approx(min(total, max_norm), rel=max(rtol, 1e-5))


def test_clip_grad_norm_is_in_place():
    ours, _ = _pair()
    arrays = [p.grad for p in ours]
    clip_grad_norm_(ours, 0.1)
    assert all(p.grad is a for p, a in zip(ours, arrays))


def test_clip_grad_norm_of_a_single_tensor_and_of_no_gradients():
    p, q = Parameter(np.array([3.0, 4.0])), torch.nn.Parameter(torch.tensor([3.0, 4.0], dtype=torch.float64))
    p.grad, q.grad = glassnet.tensor(np.array([3.0, 4.0])), torch.tensor([3.0, 4.0], dtype=torch.float64)
    assert clip_grad_norm_(p, 1.0) == torch.nn.utils.clip_grad_norm_(q, 1.0).item() == 5.0
    np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-15)
    np.testing.assert_allclose(p.grad, [0.6, 0.8], rtol=1e-6)  # 5 * 1 / (5 + 1e-6)
    assert clip_grad_norm_([Parameter(np.ones(2))], 1.0) == 0.0
    assert torch.nn.utils.clip_grad_norm_([torch.nn.Parameter(torch.ones(2))], 1.0).item() == 0.0


def test_clip_grad_norm_with_zero_gradients_leaves_them_zero():
    ours, theirs = _pair(scale=0.0)
    assert clip_grad_norm_(ours, 1.0) == torch.nn.utils.clip_grad_norm_(theirs, 1.0).item() == 0.0
    _assert_grads_equal(ours, theirs, 0)


def test_clip_grad_norm_nonfinite():
    ours, theirs = _pair()
    ours[0].grad[0, 0], theirs[0].grad[0, 0] = np.nan, np.nan
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    # without the check, PyTorch scales by the nan factor; so do we
    total = clip_grad_norm_(ours, 1.0)
    assert np.isnan(total.item()) and np.isnan(torch.nn.utils.clip_grad_norm_(theirs, 1.0).item())
    _assert_grads_equal(ours, theirs, 0)


def test_clip_grad_norm_on_grads_left_by_backward():
    """After w.sum().backward() the gradient is a read-only broadcast view; clipping still works."""
    w = Parameter(np.ones((2, 3)))
    w.sum().backward()
    assert clip_grad_norm_([w], 1.0).item() == pytest.approx(np.sqrt(6))
    np.testing.assert_allclose(w.grad, np.full((2, 3), 1 / (np.sqrt(6) + 1e-6)))


@pytest.mark.parametrize("clip_value", [0.1, 0.5, 3.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_value_matches_torch(clip_value, dtype):
    ours, theirs = _pair(dtype)
    arrays = [p.grad for p in ours]
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    _assert_grads_equal(ours, theirs, 0)
    assert all(p.grad is a for p, a in zip(ours, arrays))  # in place
    assert max(np.abs(p.grad).max() for p in ours if p.grad is not None) <= clip_value


def test_clip_grad_value_on_a_single_tensor_and_a_read_only_grad():
    w = Parameter(np.array([[1.0, -2.0], [0.5, 3.0]]))
    (w * np.array([[1.0, -2.0], [0.5, 3.0]])).sum().backward()
    clip_grad_value_(w, 1.0)
    np.testing.assert_array_equal(w.grad, [[1.0, -1.0], [0.5, 1.0]])
    v = Parameter(np.ones(3))
    v.grad = glassnet.Tensor(np.broadcast_to(np.array(2.0), (3,)))  # a read-only view, as some backward passes leave
    clip_grad_value_([v], 1.5)
    np.testing.assert_array_equal(v.grad, [1.5, 1.5, 1.5])
