"""nn.init: each initialiser's formula, checked exactly (same generator) and statistically against torch.nn.init."""

import math

import numpy as np
import pytest
import torch

import glassnet
from glassnet import nn
from glassnet.nn import init

DENSE = (300, 500)  # fan_in 500, fan_out 300
CONV = (64, 32, 3, 3)  # fan_in 32 * 9 = 288, fan_out 64 * 9 = 576


def _uniform(low, high):
    return "uniform", (low, high)


def _normal(mean, std):
    return "normal", (mean, std)


def _bound(limit):
    return _uniform(-limit, limit)


# (id, glassnet call, torch call, shape, expected distribution from the formula)
CASES = [
    ("uniform", lambda t, rng: init.uniform_(t, -2.0, 3.0, rng=rng),
     lambda t: torch.nn.init.uniform_(t, -2.0, 3.0), DENSE, _uniform(-2.0, 3.0)),
    ("uniform_default", lambda t, rng: init.uniform_(t, rng=rng), lambda t: torch.nn.init.uniform_(t), DENSE,
     _uniform(0.0, 1.0)),
    ("normal", lambda t, rng: init.normal_(t, 1.5, 0.3, rng=rng), lambda t: torch.nn.init.normal_(t, 1.5, 0.3), DENSE,
     _normal(1.5, 0.3)),
    ("normal_default", lambda t, rng: init.normal_(t, rng=rng), lambda t: torch.nn.init.normal_(t), DENSE,
     _normal(0.0, 1.0)),
    ("xavier_uniform", lambda t, rng: init.xavier_uniform_(t, rng=rng), lambda t: torch.nn.init.xavier_uniform_(t),
     DENSE, _bound(math.sqrt(6 / (500 + 300)))),
    ("xavier_uniform_gain_conv", lambda t, rng: init.xavier_uniform_(t, gain=5 / 3, rng=rng),
     lambda t: torch.nn.init.xavier_uniform_(t, gain=5 / 3), CONV, _bound(5 / 3 * math.sqrt(6 / (288 + 576)))),
    ("xavier_normal", lambda t, rng: init.xavier_normal_(t, rng=rng), lambda t: torch.nn.init.xavier_normal_(t),
     DENSE, _normal(0.0, math.sqrt(2 / (500 + 300)))),
    ("xavier_normal_gain_conv", lambda t, rng: init.xavier_normal_(t, gain=2.0, rng=rng),
     lambda t: torch.nn.init.xavier_normal_(t, gain=2.0), CONV, _normal(0.0, 2 * math.sqrt(2 / (288 + 576)))),
    ("glorot_uniform", lambda t, rng: init.glorot_uniform_(t, rng=rng), lambda t: torch.nn.init.xavier_uniform_(t),
     DENSE, _bound(math.sqrt(6 / (500 + 300)))),
    ("glorot_normal", lambda t, rng: init.glorot_normal_(t, rng=rng), lambda t: torch.nn.init.xavier_normal_(t),
     DENSE, _normal(0.0, math.sqrt(2 / (500 + 300)))),
    ("kaiming_uniform", lambda t, rng: init.kaiming_uniform_(t, rng=rng), lambda t: torch.nn.init.kaiming_uniform_(t),
     DENSE, _bound(math.sqrt(2) * math.sqrt(3 / 500))),
    ("kaiming_uniform_fan_out_relu",
     lambda t, rng: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", rng=rng),
     lambda t: torch.nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), DENSE,
     _bound(math.sqrt(2) * math.sqrt(3 / 300))),
    ("kaiming_uniform_leaky_conv", lambda t, rng: init.kaiming_uniform_(t, a=0.2, rng=rng),
     lambda t: torch.nn.init.kaiming_uniform_(t, a=0.2), CONV, _bound(math.sqrt(2 / 1.04) * math.sqrt(3 / 288))),
    ("kaiming_uniform_linear_default", lambda t, rng: init.kaiming_uniform_(t, a=math.sqrt(5), rng=rng),
     lambda t: torch.nn.init.kaiming_uniform_(t, a=math.sqrt(5)), DENSE, _bound(1 / math.sqrt(500))),
    ("kaiming_uniform_tanh_fan_out_conv",
     lambda t, rng: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="tanh", rng=rng),
     lambda t: torch.nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="tanh"), CONV,
     _bound(5 / 3 * math.sqrt(3 / 576))),
    ("kaiming_normal", lambda t, rng: init.kaiming_normal_(t, rng=rng), lambda t: torch.nn.init.kaiming_normal_(t),
     DENSE, _normal(0.0, math.sqrt(2 / 500))),
    ("kaiming_normal_fan_out_relu_conv",
     lambda t, rng: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu", rng=rng),
     lambda t: torch.nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), CONV,
     _normal(0.0, math.sqrt(2 / 576))),
    ("kaiming_normal_leaky", lambda t, rng: init.kaiming_normal_(t, a=0.1, nonlinearity="leaky_relu", rng=rng),
     lambda t: torch.nn.init.kaiming_normal_(t, a=0.1, nonlinearity="leaky_relu"), DENSE,
     _normal(0.0, math.sqrt(2 / 1.01) / math.sqrt(500))),
    ("kaiming_normal_linear", lambda t, rng: init.kaiming_normal_(t, nonlinearity="linear", rng=rng),
     lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="linear"), DENSE, _normal(0.0, 1 / math.sqrt(500))),
    ("he_uniform", lambda t, rng: init.he_uniform_(t, nonlinearity="relu", rng=rng),
     lambda t: torch.nn.init.kaiming_uniform_(t, nonlinearity="relu"), CONV, _bound(math.sqrt(2) * math.sqrt(3 / 288))),
    ("he_normal", lambda t, rng: init.he_normal_(t, mode="fan_out", rng=rng),
     lambda t: torch.nn.init.kaiming_normal_(t, mode="fan_out"), CONV, _normal(0.0, math.sqrt(2 / 576))),
]  # fmt: skip


def _moments(kind, params):
    """Mean and standard deviation of U(low, high) or N(mean, std**2)."""
    if kind == "uniform":
        low, high = params
        return (low + high) / 2, (high - low) / math.sqrt(12)
    return params


def _check_sample(sample: np.ndarray, kind: str, params, who: str) -> None:
    mean, std = _moments(kind, params)
    tol = 6 / math.sqrt(sample.size)  # about 4 standard errors of the sample std, relative
    assert abs(sample.mean() - mean) < tol * std, f"{who}: mean {sample.mean()}, expected {mean}"
    assert abs(sample.std() / std - 1) < tol, f"{who}: std {sample.std()}, expected {std}"
    if kind == "uniform":
        low, high = params
        assert sample.min() >= low and sample.max() <= high, f"{who}: outside [{low}, {high}]"
        span = 1e-3 * (high - low)  # with >10^4 draws the extremes come this close to the bounds
        assert sample.min() < low + span and sample.max() > high - span, f"{who}: does not reach [{low}, {high}]"
    else:
        kurtosis = np.mean(((sample - mean) / std) ** 4)  # 3 for a Gaussian, 1.8 for a uniform
        assert abs(kurtosis - 3) < 0.25, f"{who}: kurtosis {kurtosis} is not Gaussian"


@pytest.mark.parametrize("ours, theirs, shape, expected", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_initialiser_matches_formula_and_torch(ours, theirs, shape, expected):
    kind, params = expected
    t = glassnet.zeros(*shape)
    assert ours(t, np.random.default_rng(0)) is t, "initialisers work in place and return their argument"
    assert t.dtype == np.float32 and t.shape == shape
    sample = t.numpy().astype(np.float64)
    _check_sample(sample, kind, params, "glassnet")

    torch.manual_seed(0)
    reference = theirs(torch.empty(shape, dtype=torch.float64)).numpy()
    _check_sample(reference, kind, params, "torch")
    tol = 6 / math.sqrt(sample.size)
    assert abs(sample.std() / reference.std() - 1) < 2 * tol, "glassnet and torch spread differently"

    # Exactly the formula: the same generator drawing U(low, high) or N(mean, std) gives the same numbers.
    direct = glassnet.zeros(*shape)
    draw = init.uniform_ if kind == "uniform" else init.normal_
    draw(direct, *params, rng=np.random.default_rng(0))
    np.testing.assert_allclose(t.numpy(), direct.numpy(), rtol=1e-6, atol=1e-7)


def test_aliases_are_the_same_functions():
    assert init.glorot_uniform_ is init.xavier_uniform_
    assert init.glorot_normal_ is init.xavier_normal_
    assert init.he_uniform_ is init.kaiming_uniform_
    assert init.he_normal_ is init.kaiming_normal_


@pytest.mark.parametrize("fill, value", [(lambda t: init.constant_(t, 0.25), 0.25), (init.zeros_, 0.0),
                                         (init.ones_, 1.0)])  # fmt: skip
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constant_fills(fill, value, dtype):
    t = glassnet.randn(4, 5, dtype=dtype, requires_grad=True)
    assert fill(t) is t
    assert t.dtype == dtype and t.requires_grad
    np.testing.assert_array_equal(t.numpy(), np.full((4, 5), value, dtype))
    reference = torch.empty(4, 5)
    torch.nn.init.constant_(reference, value)
    np.testing.assert_array_equal(t.numpy(), reference.numpy())


GAINS = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
         ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None),
         ("tanh", None), ("relu", None), ("relu", 0.3), ("leaky_relu", None), ("leaky_relu", 0.2),
         ("leaky_relu", 0), ("leaky_relu", math.sqrt(5)), ("selu", None)]  # fmt: skip


@pytest.mark.parametrize("nonlinearity, param", GAINS)
def test_calculate_gain_equals_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15
    )


@pytest.mark.parametrize("nonlinearity", ["gelu", "conv4d", "softmax"])
def test_calculate_gain_rejects_what_torch_rejects(nonlinearity):
    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain(nonlinearity)
    with pytest.raises(ValueError, match=nonlinearity):
        init.calculate_gain(nonlinearity)


@pytest.mark.parametrize("shape", [(40, 10), (10, 40), (25, 25), (8, 4, 3, 3), (6, 2, 5)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, gain):
    t = glassnet.zeros(*shape, dtype=np.float64)
    init.orthogonal_(t, gain=gain, rng=np.random.default_rng(3))
    w = t.numpy().reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w.T @ w if rows >= cols else w @ w.T  # tall: Q^T Q; wide: Q Q^T
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-12)
    reference = torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain=gain).reshape(rows, -1)
    ref_gram = reference.T @ reference if rows >= cols else reference @ reference.T
    np.testing.assert_allclose(ref_gram.numpy(), gram, atol=1e-12)


def test_orthogonal_is_not_biased_to_one_sign():
    # sign(diag(R)) correction: without it QR returns matrices from a skewed distribution
    firsts = []
    for seed in range(200):
        t = glassnet.zeros(4, 4, dtype=np.float64)
        init.orthogonal_(t, rng=np.random.default_rng(seed))
        firsts.append(t.numpy()[0, 0])
    assert 0.3 < np.mean(np.array(firsts) > 0) < 0.7


@pytest.mark.parametrize("shape", [(16, 8, 3, 5), (7, 3), (4, 6, 2), (5, 2, 1, 1, 3)])
def test_fans_follow_torch(shape):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    # fan_in and fan_out are observed through the exact formulas of kaiming_normal_ (same generator)
    for mode, fan in (("fan_in", fan_in), ("fan_out", fan_out)):
        t = glassnet.zeros(*shape, dtype=np.float64)
        init.kaiming_normal_(t, mode=mode, nonlinearity="linear", rng=np.random.default_rng(1))
        expected = np.random.default_rng(1).normal(0.0, 1 / math.sqrt(fan), shape)
        np.testing.assert_allclose(t.numpy(), expected, rtol=1e-14, err_msg=mode)
    t = glassnet.zeros(*shape, dtype=np.float64)
    init.xavier_normal_(t, rng=np.random.default_rng(2))
    expected = np.random.default_rng(2).normal(0.0, math.sqrt(2 / (fan_in + fan_out)), shape)
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-14)


@pytest.mark.parametrize("fn", [init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
                                init.kaiming_normal_, init.orthogonal_])  # fmt: skip
def test_fewer_than_two_dimensions_is_an_error(fn):
    with pytest.raises(ValueError, match=r"\(5,\)"):
        fn(glassnet.zeros(5))


def test_kaiming_rejects_unknown_mode():
    with pytest.raises(ValueError, match="fan_avg"):
        init.kaiming_uniform_(glassnet.zeros(3, 4), mode="fan_avg")


@pytest.mark.parametrize("fn", [init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
                                init.kaiming_uniform_, init.kaiming_normal_, init.orthogonal_])  # fmt: skip
def test_seeding_is_reproducible(fn):
    def draw(rng=None):
        t = glassnet.zeros(6, 5)
        fn(t, rng=rng)
        return t.numpy().copy()

    np.testing.assert_array_equal(draw(np.random.default_rng(4)), draw(np.random.default_rng(4)))
    assert not np.array_equal(draw(np.random.default_rng(4)), draw(np.random.default_rng(5)))
    glassnet.manual_seed(4)
    first = draw()
    glassnet.manual_seed(4)
    np.testing.assert_array_equal(draw(), first)
    assert not np.array_equal(draw(), first), "the global generator advances between calls"
    glassnet.manual_seed(99)
    rng_draw = draw(np.random.default_rng(7))
    glassnet.manual_seed(0)
    np.testing.assert_array_equal(draw(np.random.default_rng(7)), rng_draw)  # rng= ignores the global seed


def test_linear_default_init_bounds():
    layer = nn.Linear(400, 300, rng=np.random.default_rng(0))
    bound = 1 / math.sqrt(400)
    for name, p in layer.named_parameters():
        values = p.numpy().astype(np.float64)
        assert np.abs(values).max() <= bound, name
        assert np.abs(values).max() > 0.99 * bound, name
    _check_sample(layer.weight.numpy().astype(np.float64), "uniform", (-bound, bound), "Linear.weight")
    # PyTorch's Linear: kaiming_uniform_(a=sqrt(5)) for the weight, U(+-1/sqrt(fan_in)) for the bias: the same bound
    torch.manual_seed(0)
    reference = torch.nn.Linear(400, 300)
    for name, p in reference.named_parameters():
        assert bound * 0.99 < p.detach().abs().max().item() <= bound, name
    assert abs(layer.weight.numpy().std() / reference.weight.detach().std().item() - 1) < 0.02


def test_linear_reset_parameters_redraws():
    layer = nn.Linear(20, 10, rng=np.random.default_rng(0))
    before = {k: v.clone() for k, v in layer.state_dict().items()}
    layer.reset_parameters(np.random.default_rng(1))
    assert not np.array_equal(layer.weight.numpy(), before["weight"])
    layer.reset_parameters(np.random.default_rng(0))
    for key, value in before.items():
        np.testing.assert_array_equal(layer.state_dict()[key], value)
