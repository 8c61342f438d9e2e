"""BatchNorm1d and Dropout on their own: the layer contract, worked examples, statistics and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet
from contract import check_layer_contract
from glassnet.autograd import no_grad
from glassnet.gradcheck import gradcheck
from glassnet.nn import init
from glassnet.nn.dropout import Dropout
from glassnet.nn.functional import dropout
from glassnet.nn.norm import BatchNorm1d
from glassnet.ops.dropout import DropoutFn
from glassnet.ops.norm import BatchNormFn, batch_norm
from glassnet.tensor import Tensor


# ----------------------------------------------------------------------------- contracts
def _batchnorm_with_random_scale(rng) -> BatchNorm1d:
    # BatchNorm starts from weight 1, bias 0 whatever the seed; the contract asks that a different seed
    # give different parameters, so draw the scale (this also makes the affine part non-trivial)
    layer = BatchNorm1d(3)
    init.uniform_(layer.weight, 0.5, 2.0, rng)
    return layer


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)], ids=["NC", "NCL"])
def test_batchnorm1d_contract(shape):
    check_layer_contract(
        _batchnorm_with_random_scale,
        shape,
        shape,
        ["weight", "bias"],
        expected_buffer_names=["running_mean", "running_var", "num_batches_tracked"],
        torch_layer=lambda: torch.nn.BatchNorm1d(3),
    )


def test_batchnorm1d_without_affine_or_running_stats_has_no_state():
    bn = BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(bn.parameters()) == [] and list(bn.buffers()) == [] and list(bn.state_dict()) == []
    assert bn.weight is None and bn.running_mean is None and bn.num_batches_tracked is None


def test_dropout_contract():
    check_layer_contract(lambda rng: Dropout(0.5, rng=rng), (6, 7), (6, 7), [], random_forward=True)


# ----------------------------------------------------------------------------- batch norm
def test_running_statistics_worked_example():
    # one channel, batch [1, 3]: mean 2, biased var 1, unbiased var (1 + 1) / (2 - 1) = 2
    bn = BatchNorm1d(1, eps=0.0)
    y = bn(Tensor(np.array([[1.0], [3.0]], np.float32)))
    np.testing.assert_allclose(y.numpy(), [[-1.0], [1.0]])  # (x - 2) / sqrt(1)
    np.testing.assert_allclose(bn.running_mean.numpy(), [0.2])  # 0.9 * 0 + 0.1 * 2
    np.testing.assert_allclose(bn.running_var.numpy(), [1.1])  # 0.9 * 1 + 0.1 * 2
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    # eval: (5 - 0.2) / sqrt(1.1) for x = 5
    np.testing.assert_allclose(bn(Tensor(np.array([[5.0]], np.float32))).numpy(), [[4.8 / np.sqrt(1.1)]], rtol=1e-6)


def test_momentum_none_is_the_cumulative_average():
    bn = BatchNorm1d(2, momentum=None, dtype=np.float64)
    rng = np.random.default_rng(0)
    batches = [rng.normal(loc, 1.0, (5, 2)) for loc in (1.0, -2.0, 4.0)]
    for x in batches:
        bn(Tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([x.mean(0) for x in batches], axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean([x.var(0, ddof=1) for x in batches], axis=0), rtol=1e-12)


def test_training_output_is_standardised_per_channel():
    x = np.random.default_rng(1).normal(5.0, 3.0, (64, 4, 7))
    y = BatchNorm1d(4, dtype=np.float64)(Tensor(x)).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2)), 1.0, rtol=1e-5)  # 1 / (1 + eps / var)


def test_kernel_reduces_over_any_axes_as_the_formula_says():
    # (N, C, H, W) over (0, 2, 3): the shape BatchNorm2d will use
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((3, 2, 4, 5)), rng.standard_normal(2), rng.standard_normal(2)
    y = BatchNormFn.apply(Tensor(x), Tensor(w), Tensor(b), axes=(0, 2, 3), eps=1e-5).numpy()
    mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * w[None, :, None, None] + b[None, :, None, None]
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_module_gradcheck_in_float64():
    rng = np.random.default_rng(3)
    bn = BatchNorm1d(3).double()
    bn.weight.data[...] = rng.uniform(0.5, 2.0, 3)
    bn.bias.data[...] = rng.standard_normal(3)
    x = Tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    probe = rng.standard_normal((4, 3, 2))
    assert gradcheck(lambda x, w, b: bn(x) * probe, [x, bn.weight, bn.bias], name="BatchNorm1d")


def test_backward_computes_only_the_gradients_asked_for():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 3))
    g = rng.standard_normal((5, 3))
    bn = BatchNorm1d(3, dtype=np.float64)
    y = bn(Tensor(x))  # the input needs no gradient
    y.backward(g)
    x_hat = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    np.testing.assert_allclose(bn.weight.grad, (g * x_hat).sum(0), rtol=1e-12)
    np.testing.assert_allclose(bn.bias.grad, g.sum(0), rtol=1e-12)

    bn.requires_grad_(False)
    xt = Tensor(x, requires_grad=True)
    bn(xt).backward(g)
    assert xt.grad is not None and bn.weight.grad is not None  # the earlier grads stay untouched
    np.testing.assert_allclose(xt.grad.numpy().sum(0), 0.0, atol=1e-12)  # normalised outputs: gradient sums to 0


def test_backward_leaves_the_incoming_gradient_alone():
    rng = np.random.default_rng(5)
    x = Tensor(rng.standard_normal((6, 2, 3)), requires_grad=True)
    w = Tensor(rng.standard_normal(2), requires_grad=True)
    g = rng.standard_normal((6, 2, 3))
    kept = g.copy()
    BatchNormFn.apply(x, w, None, axes=(0, 2), eps=1e-5).backward(g)
    np.testing.assert_array_equal(g, kept)


def test_eval_mode_uses_running_statistics_and_leaves_them_alone():
    rng = np.random.default_rng(6)
    bn = BatchNorm1d(3, dtype=np.float64)
    bn.running_mean.data[...] = [1.0, -1.0, 0.5]
    bn.running_var.data[...] = [4.0, 0.25, 1.0]
    bn.eval()
    x = rng.standard_normal((1, 3))  # a batch of one is fine in eval
    expected = (x - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(bn(Tensor(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean.numpy(), [1.0, -1.0, 0.5])
    assert bn.num_batches_tracked.item() == 0


def test_running_statistics_update_without_a_graph():
    bn = BatchNorm1d(2)
    with no_grad():
        y = bn(Tensor(np.random.default_rng(7).normal(3.0, 1.0, (10, 2)).astype(np.float32)))
    assert not y.requires_grad
    assert np.all(bn.running_mean.numpy() > 0.1) and bn.num_batches_tracked.item() == 1


def test_reset_running_stats():
    bn = BatchNorm1d(2)
    bn(Tensor(np.random.default_rng(8).normal(3.0, 2.0, (10, 2)).astype(np.float32)))
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0.0)
    np.testing.assert_array_equal(bn.running_var.numpy(), 1.0)
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.parametrize("shape", [(4,), (2, 3, 4, 5), (4, 2), (4, 2, 5)])
def test_batchnorm1d_rejects_wrong_input(shape):
    with pytest.raises(ValueError, match="BatchNorm1d"):
        BatchNorm1d(3)(Tensor(np.zeros(shape, np.float32)))


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm1d(3)(Tensor(np.zeros((1, 3), np.float32)))
    with pytest.raises(ValueError, match="needs running_mean and running_var"):
        batch_norm(Tensor(np.zeros((2, 3))), None, None, training=False)


def test_batchnorm1d_repr():
    assert repr(BatchNorm1d(5, momentum=None, affine=False)) == (
        "BatchNorm1d(5, eps=1e-05, momentum=None, affine=False, track_running_stats=True)"
    )


# ----------------------------------------------------------------------------- dropout
def test_dropout_keeps_the_mean_and_zeroes_a_fraction_p():
    p = 0.3
    y = dropout(Tensor(np.ones((400, 500), np.float32)), p, rng=np.random.default_rng(0)).numpy()
    # 200000 Bernoulli draws: the standard errors are about 0.001 (fraction) and 0.0015 (mean)
    assert abs((y == 0).mean() - p) < 0.01
    assert abs(y.mean() - 1.0) < 0.01
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / (1 - p)], rtol=1e-6)
    assert y.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_gradient_is_the_scaled_mask(dtype):
    p = 0.4
    x = Tensor(np.random.default_rng(1).uniform(1.0, 2.0, (50, 20)).astype(dtype), requires_grad=True)
    y = dropout(x, p, rng=np.random.default_rng(2))
    y.sum().backward()
    kept = y.numpy() != 0  # x > 0, so an output is zero exactly where the unit was dropped
    np.testing.assert_allclose(x.grad, kept / (1 - p), rtol=1e-6)
    np.testing.assert_allclose(y.numpy(), x.numpy() * x.grad, rtol=1e-6)
    assert x.grad.dtype == dtype and 0 < kept.mean() < 1


def test_dropout_is_reproducible_from_the_seed():
    x = Tensor(np.ones((20, 30), np.float32))
    layer = Dropout(0.5)  # built before seeding: the generator is looked up at call time
    glassnet.manual_seed(42)
    first, second = layer(x).numpy(), layer(x).numpy()
    glassnet.manual_seed(42)
    np.testing.assert_array_equal(layer(x).numpy(), first)
    np.testing.assert_array_equal(layer(x).numpy(), second)
    assert not np.array_equal(first, second)  # a fresh mask every call
    own = Dropout(0.5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(own(x).numpy(), Dropout(0.5, rng=np.random.default_rng(3))(x).numpy())


def test_dropout_identity_in_eval_and_at_p_zero():
    x = Tensor(np.random.default_rng(4).standard_normal((3, 4)), requires_grad=True)
    assert Dropout(0.5).eval()(x) is x
    assert dropout(x, 0.5, training=False) is x
    assert Dropout(0.0)(x) is x


def test_dropout_p_one_gives_zeros_and_zero_gradient():
    x = Tensor(np.random.default_rng(5).standard_normal((3, 4)), requires_grad=True)
    y = Dropout(1.0)(x)
    np.testing.assert_array_equal(y.numpy(), 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, 0.0)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(ValueError, match=r"dropout probability must be in \[0, 1\]"):
        Dropout(p)
    with pytest.raises(ValueError, match=r"dropout probability must be in \[0, 1\]"):
        dropout(Tensor(np.ones(3)), p)


def test_dropout_mask_shape_drops_whole_channels():
    # the hook for dropout2d: one draw per (n, c), broadcast over H and W
    p = 0.5
    x = Tensor(np.random.default_rng(6).uniform(1.0, 2.0, (8, 6, 3, 3)), requires_grad=True)
    y = DropoutFn.apply(x, p=p, rng=np.random.default_rng(7), mask_shape=(8, 6, 1, 1))
    y.backward(np.ones(x.shape))
    kept = (y.numpy() != 0).reshape(8, 6, 9)
    assert np.all(kept.all(axis=2) | ~kept.any(axis=2))  # each channel all kept or all dropped
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(x.grad, (y.numpy() != 0) / (1 - p))


def test_dropout_repr():
    assert repr(Dropout(0.25)) == "Dropout(p=0.25)"
