"""L1/L2 penalties: values, gradients, skipping biases, and the equivalence l2_penalty == weight_decay."""

import numpy as np
import pytest

from glassnet import Tensor, nn
from glassnet.optim import SGD
from glassnet.optim.adagrad import Adagrad
from glassnet.optim.adam import Adam, AdamW
from glassnet.optim.penalty import l1_penalty, l2_penalty
from glassnet.optim.rmsprop import RMSprop


def _model(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(4, 6, dtype=dtype, rng=rng), nn.Tanh(), nn.Linear(6, 2, dtype=dtype, rng=rng))


def test_values_and_gradients():
    model = _model()
    params = list(model.parameters())
    arrays = [p.numpy().copy() for p in params]
    l1, l2 = l1_penalty(params, 0.3), l2_penalty(params, 0.3)
    assert isinstance(l1, Tensor) and l1.shape == () and l2.shape == ()
    assert l1.item() == pytest.approx(0.3 * sum(np.abs(a).sum() for a in arrays), rel=1e-14)
    assert l2.item() == pytest.approx(0.3 / 2 * sum((a * a).sum() for a in arrays), rel=1e-14)

    (l1 + l2).backward()
    for p, a in zip(params, arrays):
        np.testing.assert_allclose(p.grad, 0.3 * np.sign(a) + 0.3 * a, rtol=1e-14)


def test_l1_gradient_at_zero_is_zero():
    w = nn.Parameter(np.array([0.0, 2.0, -1.0]))
    l1_penalty([w], 0.5).backward()
    np.testing.assert_array_equal(w.grad, [0.0, 0.5, -0.5])


def test_skip_1d_leaves_biases_out():
    model = _model()
    weights = [p for p in model.parameters() if p.ndim == 2]
    penalty = l2_penalty(model.parameters(), 0.1, skip_1d=True)
    assert penalty.item() == pytest.approx(0.05 * sum((w.numpy() ** 2).sum() for w in weights), rel=1e-14)
    penalty.backward()
    for name, p in model.named_parameters():
        assert (p.grad is None) == name.endswith("bias")
    assert l1_penalty([model[0].bias], 1.0, skip_1d=True).item() == 0.0


def test_dtype_follows_the_parameters_and_weight_is_validated():
    model = _model(dtype=np.float32)
    assert l2_penalty(model.parameters(), 1e-3).dtype == np.float32
    assert l1_penalty(model.parameters(), 1e-3).dtype == np.float32
    with pytest.raises(ValueError, match="Invalid weight"):
        l2_penalty(model.parameters(), -1.0)
    with pytest.raises(ValueError, match="Invalid weight"):
        l1_penalty(model.parameters(), -1.0)


def _train(optimizer_cls, kwargs, penalty_weight, steps=20):
    """Full-batch training on fixed data; the penalty (if any) is added to the loss."""
    rng = np.random.default_rng(5)
    x, y = Tensor(rng.standard_normal((32, 4))), Tensor(rng.standard_normal((32, 2)))
    model = _model()
    opt = optimizer_cls(model.parameters(), **kwargs)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        if penalty_weight:
            loss = loss + l2_penalty(model.parameters(), penalty_weight)
        loss.backward()
        opt.step()
    return [p.numpy() for p in model.parameters()]


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (SGD, dict(lr=0.1)),
        (SGD, dict(lr=0.05, momentum=0.9)),
        (Adam, dict(lr=0.01)),
        (RMSprop, dict(lr=0.01)),
        (Adagrad, dict(lr=0.1)),
    ],
    ids=["SGD", "SGD-momentum", "Adam", "RMSprop", "Adagrad"],
)
def test_weight_decay_equals_l2_penalty(cls, kwargs):
    """weight_decay=lam adds lam * w to the gradient, which is the gradient of lam / 2 * ||w||^2."""
    lam = 0.05
    with_decay = _train(cls, {**kwargs, "weight_decay": lam}, penalty_weight=0.0)
    with_penalty = _train(cls, {**kwargs, "weight_decay": 0.0}, penalty_weight=lam)
    without = _train(cls, {**kwargs, "weight_decay": 0.0}, penalty_weight=0.0)
    for a, b, c in zip(with_decay, with_penalty, without):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert max(np.abs(a - c).max() for a, c in zip(with_decay, without)) > 1e-4  # the decay did something


def test_decoupled_weight_decay_is_not_a_penalty():
    """AdamW shrinks weights outside the adaptive scaling, so it differs from Adam plus the L2 penalty."""
    lam = 0.05
    adamw = _train(AdamW, dict(lr=0.01, weight_decay=lam), penalty_weight=0.0)
    adam_penalty = _train(Adam, dict(lr=0.01), penalty_weight=lam)
    adam_plain = _train(Adam, dict(lr=0.01), penalty_weight=0.0)
    gap = max(np.abs(a - b).max() for a, b in zip(adamw, adam_penalty))
    effect = max(np.abs(a - b).max() for a, b in zip(adam_penalty, adam_plain))
    assert gap > 0.1 * effect > 0
