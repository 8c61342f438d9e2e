"""Two Adam steps worked out by hand (the arithmetic in the comments), and the one-array path against the other."""

import numpy as np
import pytest

from glassnet import tensor
from glassnet.nn import Parameter
from glassnet.optim import adam as adam_module
from glassnet.optim.adam import Adam
from glassnet.tensor import Tensor


def test_two_adam_steps_by_hand():
    p = Parameter(np.array([1.0, -2.0]))
    opt = Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8)

    # Step 1, g = (0.5, -0.1).
    # m = 0.1 * g = (0.05, -0.01);  v = 0.001 * g**2 = (0.00025, 0.00001)
    # bias corrections 1 - 0.9 = 0.1 and 1 - 0.999 = 0.001 give m_hat = g and v_hat = g**2,
    # so the first step is lr * g / (|g| + eps): lr in size, whatever the gradient's scale.
    # p0: 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 1 - 0.1 * (1 - 2e-8) = 0.900000002
    # p1: -2 + 0.1 * 0.1 / (0.1 + 1e-8) = -2 + 0.1 * (1 - 1e-7) = -1.90000001
    p.grad = tensor(np.array([0.5, -0.1]))
    opt.step()
    np.testing.assert_allclose(opt.state[p]["exp_avg"], [0.05, -0.01], rtol=1e-14)
    np.testing.assert_allclose(opt.state[p]["exp_avg_sq"], [0.00025, 0.00001], rtol=1e-14)
    np.testing.assert_allclose(p.numpy(), [0.900000002, -1.90000001], rtol=1e-14)

    # Step 2, g = (0.5, 0.3).
    # m = 0.9 * (0.05, -0.01) + 0.1 * (0.5, 0.3) = (0.095, 0.021)
    # v = 0.999 * (0.00025, 0.00001) + 0.001 * (0.25, 0.09) = (0.00049975, 0.00009999)
    # bias corrections 1 - 0.9**2 = 0.19 and 1 - 0.999**2 = 0.001999
    # p0: m_hat = 0.095 / 0.19 = 0.5, v_hat = 0.00049975 / 0.001999 = 0.25, sqrt = 0.5:
    #     again a step of 0.1 * (1 - 2e-8) = 0.099999998, so p0 = 0.900000002 - 0.099999998 = 0.800000004
    # p1: m_hat = 0.021 / 0.19 = 0.1105263158, v_hat = 0.00009999 / 0.001999 = 0.0500200100, sqrt = 0.2236515370
    #     step 0.1 * 0.1105263158 / (0.2236515370 + 1e-8) = 0.0494189811 (the gradient flipped sign, so the
    #     average is small against its RMS and the step shrinks), p1 = -1.90000001 - 0.0494189811 = -1.9494189911
    p.grad = tensor(np.array([0.5, 0.3]))
    opt.step()
    assert opt.state[p]["step"] == 2
    np.testing.assert_allclose(opt.state[p]["exp_avg"], [0.095, 0.021], rtol=1e-14)
    np.testing.assert_allclose(opt.state[p]["exp_avg_sq"], [0.00049975, 0.00009999], rtol=1e-13)
    np.testing.assert_allclose(p.numpy(), [0.800000004, -1.9494189911], rtol=0, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_small_groups_updated_as_one_array_match_parameter_by_parameter_to_the_bit(dtype, monkeypatch):
    """Adam runs a small group's rule over the concatenation of its parameters; every element must come out
    exactly as the per-parameter rule gives it, through 30 steps, with a parameter skipping a step at the end."""
    rng = np.random.default_rng(0)
    shapes = [(32, 64), (32,), (10, 32), (10,), ()]
    start = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(30)]

    def run(flat_limit):
        monkeypatch.setattr(adam_module, "_FLAT_LIMIT", flat_limit)
        params = [Tensor(x.copy(), requires_grad=True) for x in start]
        optimizer = Adam(params, lr=1e-2, betas=(0.8, 0.95))
        for k, step_grads in enumerate(grads):
            for p, g in zip(params, step_grads):
                p.grad = None if (k == 29 and p.ndim == 0) else Tensor(g)
            optimizer.step()
        shared = all(optimizer.state[p]["exp_avg"].base is not None for p in params)
        return [p.numpy() for p in params], [optimizer.state[p]["exp_avg_sq"] for p in params], shared

    flat_params, flat_moments, flat_shared = run(1 << 16)
    params, moments, shared = run(0)
    assert flat_shared and not shared  # the two paths were both taken
    for a, b in zip(flat_params + flat_moments, params + moments):
        assert a.dtype == b.dtype and np.array_equal(a, b)
