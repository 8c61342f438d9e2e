"""Numerical stability at inputs of +-1e4 and +-1e3 mixed with ordinary values, in float32 and float64.

Every function must give finite values and gradients equal to PyTorch's, with no overflow on the way
(pytest turns NumPy's overflow and invalid-value warnings into errors). The reference is PyTorch in
float64 on the same input values: PyTorch's own float32 ``logsumexp`` gradient, exp(x - lse), inherits
the rounding of lse ~ 1e4 (an ulp of 1e-3) and is off by ~2e-4 relative, where the shifted form is exact.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassnet as gn
from glassnet import functional as F

TOLERANCES = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-12}}
DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])

# rows: huge of both signs beside ordinary values, +-1e3 beside 1e4, a tie at the top, all hugely negative
EXTREME = np.array(
    [
        [1e4, -1e4, 3.0, 0.5],
        [-1e3, 1e3, -2.0, 1e4],
        [1e4, 1e4, -1e4, 0.0],
        [-1e4, -1e4, -1e4, -1e4],
        [-1e3, -1e3, 1e3, 1e3],
    ]
)
CLASSES = np.array([0, 1, 2, 3, 0])  # a target at the largest, the smallest and an ordinary logit
PROBABILITIES = np.array(
    [[1.0, 1.0, 0.0, 0.3], [0.0, 1.0, 0.5, 0.0], [1.0, 0.0, 1.0, 1.0], [0.2, 1.0, 0.0, 0.7]] + [[0.5] * 4]
)


def extreme_values(shape: tuple, seed: int) -> np.ndarray:
    """Standard normal values with about half replaced by +-1e3 or +-1e4."""
    rng = np.random.default_rng(seed)
    huge = rng.choice([-1e4, -1e3, 1e3, 1e4], size=shape)
    return np.where(rng.random(shape) < 0.5, huge, rng.standard_normal(shape))


CASES = {
    "softmax_last": (lambda x: F.softmax(x, -1), lambda x: TF.softmax(x, -1)),
    "softmax_first": (lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0)),
    "log_softmax_last": (lambda x: F.log_softmax(x, -1), lambda x: TF.log_softmax(x, -1)),
    "log_softmax_first": (lambda x: F.log_softmax(x, 0), lambda x: TF.log_softmax(x, 0)),
    "logsumexp_last": (lambda x: F.logsumexp(x, -1), lambda x: torch.logsumexp(x, -1)),
    "logsumexp_first_keepdim": (lambda x: F.logsumexp(x, 0, keepdim=True), lambda x: torch.logsumexp(x, 0, True)),
    "sigmoid": (F.sigmoid, torch.sigmoid),
    "tanh": (F.tanh, torch.tanh),
    "softplus": (F.softplus, TF.softplus),
    "softplus_beta_threshold": (
        lambda x: F.softplus(x, beta=0.5, threshold=5.0),
        lambda x: TF.softplus(x, beta=0.5, threshold=5.0),
    ),
    "cross_entropy": (
        lambda x: F.cross_entropy(x, CLASSES, reduction="none"),
        lambda x: TF.cross_entropy(x, torch.from_numpy(CLASSES), reduction="none"),
    ),
    "cross_entropy_smoothing_mean": (
        lambda x: F.cross_entropy(x, CLASSES, label_smoothing=0.1),
        lambda x: TF.cross_entropy(x, torch.from_numpy(CLASSES), label_smoothing=0.1),
    ),
    "cross_entropy_probabilities": (
        lambda x: F.cross_entropy(x, PROBABILITIES.astype(x.dtype), reduction="sum"),
        lambda x: TF.cross_entropy(x, torch.from_numpy(PROBABILITIES), reduction="sum"),
    ),
    "bce_with_logits": (
        lambda x: F.binary_cross_entropy_with_logits(x, PROBABILITIES, reduction="none"),
        lambda x: TF.binary_cross_entropy_with_logits(x, torch.from_numpy(PROBABILITIES), reduction="none"),
    ),
    "bce_with_logits_pos_weight": (
        lambda x: F.binary_cross_entropy_with_logits(x, PROBABILITIES, pos_weight=[3.0, 0.5, 1.0, 2.0]),
        lambda x: TF.binary_cross_entropy_with_logits(
            x, torch.from_numpy(PROBABILITIES), pos_weight=torch.tensor([3.0, 0.5, 1.0, 2.0], dtype=x.dtype)
        ),
    ),
}


def assert_finite_and_equal(name, ours: list, theirs: list, dtype) -> None:
    for k, (o, t) in enumerate(zip(ours, theirs)):
        t = t.detach().numpy() if isinstance(t, torch.Tensor) else t
        assert o.dtype == dtype, f"{name} [{k}]: dtype {o.dtype}, expected {np.dtype(dtype)}"
        assert np.isfinite(o).all(), f"{name} [{k}]: not finite: {o}"
        np.testing.assert_allclose(o, t, **TOLERANCES[dtype], err_msg=f"{name} [{k}]")


def probe_for(shape: tuple, dtype) -> np.ndarray:
    return np.random.default_rng(7).standard_normal(shape).astype(dtype)


def backward_with_probes(outs: list, torch_outs: list, dtype) -> None:
    """Backward of sum(output * probe) over all outputs, with the same probes in both libraries."""
    probes = [probe_for(o.shape, dtype) for o in outs]
    sum((o * gn.tensor(p)).sum() for o, p in zip(outs, probes)).backward()
    sum((t * torch.from_numpy(p.astype(np.float64))).sum() for t, p in zip(torch_outs, probes)).backward()


@DTYPES
@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_gradient_are_finite_and_equal_to_torch(name, dtype):
    ours_fn, torch_fn = CASES[name]
    values = EXTREME.astype(dtype)
    x, tx = gn.tensor(values, requires_grad=True), torch.tensor(values.astype(np.float64), requires_grad=True)
    out, theirs = ours_fn(x), torch_fn(tx)
    backward_with_probes([out], [theirs], dtype)
    assert out.shape == tuple(theirs.shape)
    assert_finite_and_equal(name, [out.detach().numpy(), x.grad], [theirs, tx.grad], dtype)


def test_softmax_of_huge_logits_is_exactly_one_hot_and_ties_share():
    """Worked values: a gap of 1e4 makes e**-1e4 = 0 exactly; a tie at the top splits 1/2, 1/2."""
    out = F.softmax(gn.tensor(EXTREME[[0, 2]]), -1).numpy()
    np.testing.assert_array_equal(out, [[1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]])
    lse = F.logsumexp(gn.tensor(EXTREME[[2, 3]].astype(np.float64)), -1).numpy()
    np.testing.assert_allclose(lse, [1e4 + np.log(2), -1e4 + np.log(4)], rtol=1e-15)


# ----------------------------------------------------------------------------- recurrent gates
BATCH, STEPS, INPUTS, HIDDEN = 2, 3, 4, 3
LAYERS = {"LSTM": (gn.nn.LSTM, torch.nn.LSTM), "GRU": (gn.nn.GRU, torch.nn.GRU)}
CELLS = {"lstm_cell": (F.lstm_cell, torch.nn.LSTMCell, 2), "gru_cell": (F.gru_cell, torch.nn.GRUCell, 1)}


@DTYPES
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_fused_recurrent_gates_saturate_without_overflow(kind, dtype):
    """Inputs of +-1e3 and +-1e4 push the gate pre-activations to hundreds and thousands: the gates saturate."""
    ours_class, torch_class = LAYERS[kind]
    torch.manual_seed(0)
    theirs = torch_class(INPUTS, HIDDEN, batch_first=True).double()
    ours = ours_class(INPUTS, HIDDEN, dtype=dtype, batch_first=True)
    ours.load_state_dict({k: v.detach().numpy().astype(dtype) for k, v in theirs.state_dict().items()})
    values = extreme_values((BATCH, STEPS, INPUTS), seed=1).astype(dtype)
    x, tx = gn.tensor(values, requires_grad=True), torch.tensor(values.astype(np.float64), requires_grad=True)
    (out, _), (their_out, _) = ours(x), theirs(tx)
    backward_with_probes([out], [their_out], dtype)
    names = [name for name, _ in ours.named_parameters()]
    their_params = dict(theirs.named_parameters())
    assert_finite_and_equal(
        kind,
        [out.numpy(), x.grad] + [p.grad for p in ours.parameters()],
        [their_out, tx.grad] + [their_params[name].grad for name in names],
        dtype,
    )


@DTYPES
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_composite_cells_saturate_without_overflow(kind, dtype):
    """The cells written from primitives (sigmoid, tanh, linear): same values and gradients at huge inputs."""
    ours_fn, torch_class, state_count = CELLS[kind]
    torch.manual_seed(0)
    cell = torch_class(INPUTS, HIDDEN).double()
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    states = [extreme_values((BATCH, HIDDEN), seed=3 + k) / 10 for k in range(state_count)]
    arrays = [extreme_values((BATCH, INPUTS), seed=2), *states] + [getattr(cell, n).detach().numpy() for n in names]
    arrays = [a.astype(dtype) for a in arrays]
    ours = [gn.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]

    def split(leaves):  # input, state ((h, c) or h), weights
        state = leaves[1 : 1 + state_count]
        return leaves[0], tuple(state) if state_count == 2 else state[0], leaves[1 + state_count :]

    x, state, weights = split(ours)
    tx, their_state, their_weights = split(theirs)
    outs = as_list(ours_fn(x, state, *weights))
    their_outs = as_list(torch.func.functional_call(cell, dict(zip(names, their_weights)), (tx, their_state)))
    backward_with_probes(outs, their_outs, dtype)
    assert_finite_and_equal(
        kind, [o.detach().numpy() for o in outs] + [t.grad for t in ours], their_outs + [t.grad for t in theirs], dtype
    )


def as_list(out) -> list:
    return list(out) if isinstance(out, tuple) else [out]


@DTYPES
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_with_infinite_logits_matches_torch_without_warnings(dtype, smoothing):
    """A -inf logit on another class adds nothing (0 * -inf is not taken as nan); one on the target is inf;
    a +inf logit makes the row nan. With smoothing every class is a target, so a -inf anywhere gives inf."""
    logits = np.array([[-np.inf, 1.0, 2.0], [0.5, 0.1, -np.inf], [np.inf, 1.0, 2.0], [-np.inf, 1.0, 2.0]], dtype)
    targets = np.array([1, 0, 1, 0])
    x = gn.tensor(logits, requires_grad=True)
    ours = F.cross_entropy(x, targets, label_smoothing=smoothing, reduction="none")
    ours.sum().backward()
    t = torch.tensor(logits, requires_grad=True)
    theirs = TF.cross_entropy(t, torch.from_numpy(targets), label_smoothing=smoothing, reduction="none")
    theirs.sum().backward()
    np.testing.assert_array_equal(np.isnan(ours.numpy()), np.isnan(theirs.detach().numpy()))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOLERANCES[dtype])
    np.testing.assert_allclose(x.grad, t.grad.numpy(), **TOLERANCES[dtype])
    if not smoothing:
        assert np.isfinite(ours.numpy()[:2]).all()
