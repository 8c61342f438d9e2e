"""Whole models against PyTorch: the same weights give the same outputs, input gradients and parameter gradients.

Weights travel as NumPy arrays both ways: ``{k: v.detach().numpy()}`` into glassnet, ``torch.from_numpy``
back into PyTorch, with the state_dict keys unchanged.
"""

import numpy as np
import pytest
import torch

import glassnet
from glassnet import nn

DTYPES = [pytest.param(np.float32, torch.float32, id="float32"), pytest.param(np.float64, torch.float64, id="float64")]
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}


def rel_error(ours, theirs) -> float:
    """max |ours - theirs| / max |theirs|: a normwise relative error, robust to entries near zero."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    return float(np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), np.finfo(np.float64).tiny))


def assert_close(name, ours, theirs, dtype):
    assert np.shape(ours) == tuple(theirs.shape), f"{name}: shape {np.shape(ours)}, PyTorch {tuple(theirs.shape)}"
    error = rel_error(ours, theirs)
    assert error < TOLERANCE[dtype], f"{name}: relative error {error:.3g} (dtype {np.dtype(dtype).name})"


def torch_to_numpy(module: torch.nn.Module) -> dict:
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


def glassnet_to_torch(module: nn.Module) -> dict:
    return {k: torch.from_numpy(v.numpy()) for k, v in module.state_dict().items()}


def compare_models(ours, theirs, x: np.ndarray, upstream: np.ndarray, dtype, loss=None, target=None):
    """Run both models on ``x``; compare outputs, then the gradients of sum(out * upstream) (or of the losses)."""
    x_ours = glassnet.Tensor(x.copy(), requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
    assert out_ours.dtype == dtype
    assert_close("output", out_ours.detach().numpy(), out_theirs.detach(), dtype)
    if loss is None:
        (out_ours * glassnet.Tensor(upstream)).sum().backward()
        (out_theirs * torch.from_numpy(upstream)).sum().backward()
    else:
        loss_ours, loss_theirs = loss(out_ours, target, glassnet), loss(out_theirs, target, torch)
        assert_close("loss", loss_ours.detach().numpy(), loss_theirs.detach(), dtype)
        loss_ours.backward()
        loss_theirs.backward()
    assert_close("input gradient", x_ours.grad, x_theirs.grad, dtype)
    torch_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(torch_params)
    for name, p in ours.named_parameters():
        assert p.grad.dtype == dtype
        assert_close(f"gradient of {name}", p.grad, torch_params[name].grad, dtype)


def mlp_pair(dtype, torch_dtype, sizes=(6, 16, 3)):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(), torch.nn.Linear(sizes[1], sizes[2])
    ).to(torch_dtype)
    ours = nn.Sequential(
        nn.Linear(sizes[0], sizes[1], dtype=dtype), nn.ReLU(), nn.Linear(sizes[1], sizes[2], dtype=dtype)
    )
    return ours, theirs


@pytest.mark.parametrize("dtype, torch_dtype", DTYPES)
def test_torch_sequential_state_dict_loads_and_matches(dtype, torch_dtype):
    """Acceptance: PyTorch Sequential(Linear, ReLU, Linear) weights give the same outputs and gradients."""
    ours, theirs = mlp_pair(dtype, torch_dtype)
    state = torch_to_numpy(theirs)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    result = ours.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(value, state[key], err_msg=key)
        assert value.dtype == dtype
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 6)).astype(dtype)
    upstream = rng.standard_normal((32, 3)).astype(dtype)
    compare_models(ours, theirs, x, upstream, dtype)


@pytest.mark.parametrize("dtype, torch_dtype", DTYPES)
def test_glassnet_state_dict_loads_into_torch_and_matches(dtype, torch_dtype):
    _, theirs = mlp_pair(dtype, torch_dtype)
    glassnet.manual_seed(1)
    ours = nn.Sequential(nn.Linear(6, 16, dtype=dtype), nn.ReLU(), nn.Linear(16, 3, dtype=dtype))
    theirs.load_state_dict(glassnet_to_torch(ours))  # strict by default in PyTorch too
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), ours.state_dict()[key], err_msg=key)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20, 6)).astype(dtype)
    upstream = rng.standard_normal((20, 3)).astype(dtype)
    compare_models(ours, theirs, x, upstream, dtype)


@pytest.mark.parametrize("dtype, torch_dtype", DTYPES)
def test_three_dimensional_input_matches(dtype, torch_dtype):
    ours, theirs = mlp_pair(dtype, torch_dtype)
    ours.load_state_dict(torch_to_numpy(theirs))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5, 6)).astype(dtype)
    upstream = rng.standard_normal((4, 5, 3)).astype(dtype)
    compare_models(ours, theirs, x, upstream, dtype)


def deep_mlp(lib, width=12, classes=5):
    """Every activation module once, between Linear layers; ends in logits."""
    m = lib.nn
    return m.Sequential(
        m.Linear(8, width), m.ReLU(),
        m.Linear(width, width), m.LeakyReLU(0.1),
        m.Linear(width, width), m.Sigmoid(),
        m.Linear(width, width), m.Tanh(),
        m.Linear(width, width), m.ELU(0.8),
        m.Linear(width, width), m.Softplus(beta=1.5, threshold=4.0),
        m.Linear(width, classes),
    )  # fmt: skip


def classification_losses(logits, target, lib):
    """Cross-entropy three ways: fused, LogSoftmax + NLLLoss, and a squared error on Softmax probabilities."""
    labels, onehot = target if lib is glassnet else (torch.from_numpy(a) for a in target)
    m = lib.nn
    return (
        m.CrossEntropyLoss(label_smoothing=0.05)(logits, labels)
        + m.NLLLoss()(m.LogSoftmax(dim=1)(logits), labels)
        + m.MSELoss()(m.Softmax(dim=1)(logits), onehot)
    )


@pytest.mark.parametrize("dtype, torch_dtype", DTYPES)
def test_deep_mlp_with_every_activation_and_cross_entropy(dtype, torch_dtype):
    torch.manual_seed(3)
    theirs = deep_mlp(torch).to(torch_dtype)
    ours = deep_mlp(glassnet).to(dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(torch_to_numpy(theirs))
    rng = np.random.default_rng(3)
    x = (2 * rng.standard_normal((64, 8))).astype(dtype)
    labels = rng.integers(0, 5, 64)
    onehot = np.eye(5, dtype=dtype)[labels]
    compare_models(ours, theirs, x, None, dtype, loss=classification_losses, target=(labels, onehot))


@pytest.mark.parametrize("dtype, torch_dtype", DTYPES)
def test_eval_mode_and_no_grad_inference_match(dtype, torch_dtype):
    torch.manual_seed(4)
    theirs = deep_mlp(torch).to(torch_dtype).eval()
    ours = deep_mlp(glassnet).to(dtype).eval()
    ours.load_state_dict(torch_to_numpy(theirs))
    x = np.random.default_rng(4).standard_normal((16, 8)).astype(dtype)
    with glassnet.no_grad():
        out = ours(glassnet.tensor(x))
    assert not out.requires_grad
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x))
    assert_close("eval output", out.numpy(), expected, dtype)
