"""BatchNorm1d and dropout against PyTorch: the same weights and batches give the same numbers.

BatchNorm1d runs five training steps on different batches (outputs, input and parameter gradients
at every step, then the running statistics), then eval mode, for (N, C) and (N, C, L) input, with
and without affine parameters, momentum 0.1 and None (cumulative average), float32 and float64.
Dropout is random, so it is compared where it is deterministic: eval mode, and a known mask.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glassnet.gradcheck import gradcheck
from glassnet.nn.dropout import Dropout
from glassnet.nn.functional import dropout
from glassnet.nn.norm import BatchNorm1d
from glassnet.ops.dropout import DropoutFn
from glassnet.ops.norm import BatchNormFn, batch_norm
from glassnet.tensor import Tensor

TOLERANCE = {np.float32: {"rtol": 1e-4, "atol": 2e-5}, np.float64: {"rtol": 1e-10, "atol": 1e-11}}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}
SHAPES = {"NC": (16, 4), "NCL": (6, 4, 5)}


def _pair(affine: bool, momentum, track: bool, dtype, seed: int = 0):
    """A torch BatchNorm1d with non-trivial weights and ours loaded from its state_dict."""
    theirs = torch.nn.BatchNorm1d(4, momentum=momentum, affine=affine, track_running_stats=track,
                                  dtype=TORCH_DTYPE[dtype])  # fmt: skip
    if affine:
        gen = np.random.default_rng(seed)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(gen.uniform(0.5, 2.0, 4)))
            theirs.bias.copy_(torch.from_numpy(gen.standard_normal(4)))
    ours = BatchNorm1d(4, momentum=momentum, affine=affine, track_running_stats=track, dtype=dtype)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _batch(shape, dtype, rng):
    # a shifted, scaled batch so the running statistics move away from (0, 1)
    x = (3.0 + 2.0 * rng.standard_normal(shape)).astype(dtype)
    return x, rng.standard_normal(shape).astype(dtype)


def _step(ours, theirs, x, g, tol):
    """One forward and backward in both libraries; compare output, input grad and parameter grads."""
    ours.zero_grad()
    theirs.zero_grad()
    xg = Tensor(x.copy(), requires_grad=True)
    y = ours(xg)
    y.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **tol, err_msg="output")
    np.testing.assert_allclose(xg.grad, xt.grad.numpy(), **tol, err_msg="input gradient")
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad, p.grad.numpy(), **tol, err_msg=f"{name} gradient")
    assert y.dtype == x.dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("momentum", [0.1, None], ids=["m0.1", "cumulative"])
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("layout", SHAPES)
def test_batchnorm1d_train_then_eval_matches_torch(layout, affine, momentum, dtype):
    rng = np.random.default_rng(1)
    tol = TOLERANCE[dtype]
    ours, theirs = _pair(affine, momentum, True, dtype)
    for _ in range(5):
        _step(ours, theirs, *_batch(SHAPES[layout], dtype, rng), tol)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(
            getattr(ours, name).detach().numpy(), getattr(theirs, name).numpy(), **tol, err_msg=name
        )
        assert getattr(ours, name).dtype == dtype
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 5
    assert ours.num_batches_tracked.dtype == np.int64

    ours.eval()
    theirs.eval()
    running = ours.running_mean.numpy().copy()
    _step(ours, theirs, *_batch(SHAPES[layout], dtype, rng), tol)
    np.testing.assert_array_equal(ours.running_mean.numpy(), running)  # eval never updates
    assert ours.num_batches_tracked.item() == 5


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("layout", SHAPES)
def test_batchnorm1d_without_running_stats_matches_torch(layout, affine):
    rng = np.random.default_rng(2)
    ours, theirs = _pair(affine, 0.1, False, np.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _step(ours, theirs, *_batch(SHAPES[layout], np.float64, rng), TOLERANCE[np.float64])
    ours.eval()
    theirs.eval()  # both keep using batch statistics
    _step(ours, theirs, *_batch(SHAPES[layout], np.float64, rng), TOLERANCE[np.float64])


def test_torch_state_dict_loads_and_round_trips():
    rng = np.random.default_rng(3)
    theirs = torch.nn.BatchNorm1d(4, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 2.0)
        theirs.bias.normal_()
        for _ in range(3):
            theirs(torch.from_numpy(_batch((8, 4), np.float64, rng)[0]))
    state = theirs.state_dict()
    ours = BatchNorm1d(4, dtype=np.float64)
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state)  # torch tensors, unchanged
    for key, value in state.items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy(), err_msg=key)
    assert ours.num_batches_tracked.item() == 3

    ours.eval()
    theirs.eval()
    x = _batch((8, 4), np.float64, rng)[0]
    np.testing.assert_allclose(
        ours(Tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-12
    )

    back = torch.nn.BatchNorm1d(4, dtype=torch.float64)
    back.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    for key, value in back.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[key].numpy(), err_msg=key)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_functional_batch_norm_matches_torch(training):
    rng = np.random.default_rng(4)
    x, g = _batch((5, 3, 4), np.float64, rng)
    w, b = rng.uniform(0.5, 2.0, 3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    xg, wg, bg = (Tensor(a.copy(), requires_grad=True) for a in (x, w, b))
    ours_mean, ours_var = mean.copy(), var.copy()
    y = batch_norm(xg, ours_mean, ours_var, wg, bg, training=training, momentum=0.2, eps=1e-3)
    y.backward(g)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    torch_mean, torch_var = torch.tensor(mean), torch.tensor(var)
    yt = torch.nn.functional.batch_norm(xt, torch_mean, torch_var, wt, bt, training=training, momentum=0.2, eps=1e-3)
    yt.backward(torch.from_numpy(g))
    for ours, theirs in [(y.detach().numpy(), yt), (xg.grad, xt.grad), (wg.grad, wt.grad), (bg.grad, bt.grad),
                         (ours_mean, torch_mean), (ours_var, torch_var)]:  # fmt: skip
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- gradchecks (float64)
@pytest.mark.parametrize(
    "shape, axes", [((6, 3), (0,)), ((4, 3, 5), (0, 2)), ((3, 2, 3, 3), (0, 2, 3))], ids=["NC", "NCL", "NCHW"]
)
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
def test_batchnorm_op_gradcheck(shape, axes, affine):
    rng = np.random.default_rng(5)
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    probe = rng.standard_normal(shape)  # sum(y) alone has zero gradient in x: weight the outputs
    if affine:
        w = Tensor(rng.uniform(0.5, 2.0, shape[1]), requires_grad=True)
        b = Tensor(rng.standard_normal(shape[1]), requires_grad=True)
        fn = lambda x, w, b: BatchNormFn.apply(x, w, b, axes=axes, eps=1e-5) * probe
        assert gradcheck(fn, [x, w, b], name="BatchNorm")
    else:
        fn = lambda x: BatchNormFn.apply(x, None, None, axes=axes, eps=1e-5) * probe
        assert gradcheck(fn, [x], name="BatchNorm")


def test_eval_batch_norm_gradcheck():
    rng = np.random.default_rng(6)
    x = Tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    w = Tensor(rng.uniform(0.5, 2.0, 3), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    fn = lambda x, w, b: batch_norm(x, mean, var, w, b, training=False) * x
    assert gradcheck(fn, [x, w, b], name="batch_norm(eval)")


# ----------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_equals_torch_with_the_same_mask(p):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((32, 16)).astype(np.float32)
    g = rng.standard_normal((32, 16)).astype(np.float32)
    keep = np.random.default_rng(11).random(x.shape) >= p  # the mask glassnet draws from the same seed
    xg = Tensor(x.copy(), requires_grad=True)
    y = dropout(xg, p, training=True, rng=np.random.default_rng(11))
    y.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    yt = xt * torch.from_numpy(keep) / (1 - p)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-6, atol=0)
    np.testing.assert_allclose(xg.grad, xt.grad.numpy(), rtol=1e-6, atol=0)


def test_dropout_eval_is_identity_as_in_torch():
    x = np.random.default_rng(8).standard_normal((10, 7)).astype(np.float32)
    ours, theirs = Dropout(0.3).eval(), torch.nn.Dropout(0.3).eval()
    np.testing.assert_array_equal(ours(Tensor(x)).detach().numpy(), theirs(torch.from_numpy(x)).numpy())
    np.testing.assert_array_equal(
        dropout(Tensor(x), 0.3, training=False).detach().numpy(),
        torch.nn.functional.dropout(torch.from_numpy(x), 0.3, False),
    )


def test_dropout_edge_probabilities_as_in_torch():
    x = np.random.default_rng(9).standard_normal((6, 5))
    theirs_zero = torch.nn.functional.dropout(torch.from_numpy(x), 1.0, training=True).numpy()
    theirs_same = torch.nn.functional.dropout(torch.from_numpy(x), 0.0, training=True).numpy()
    np.testing.assert_array_equal(dropout(Tensor(x), 1.0).detach().numpy(), theirs_zero)
    np.testing.assert_array_equal(dropout(Tensor(x), 0.0).detach().numpy(), theirs_same)


def test_dropout_op_gradcheck():
    x = Tensor(np.random.default_rng(10).standard_normal((5, 4)), requires_grad=True)
    fn = lambda x: DropoutFn.apply(x, p=0.4, rng=np.random.default_rng(3)) * x  # the same mask every call
    assert gradcheck(fn, [x], name="Dropout")
