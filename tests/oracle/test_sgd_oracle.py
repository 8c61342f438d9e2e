"""SGD against torch.optim.SGD: the same weights and data give the same parameters after each of 20 steps."""

import copy

import numpy as np
import pytest
import torch

import glassnet
from glassnet import nn, optim

STEPS = 20
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
DTYPES = [pytest.param(np.float32, torch.float32, id="float32"), pytest.param(np.float64, torch.float64, id="float64")]

SETTINGS = {
    "plain": dict(lr=0.1),
    "default_lr": dict(),
    "momentum": dict(lr=0.05, momentum=0.9),
    "momentum_dampening": dict(lr=0.05, momentum=0.9, dampening=0.5),
    "nesterov": dict(lr=0.05, momentum=0.9, nesterov=True),
    "weight_decay": dict(lr=0.1, weight_decay=0.05),
    "weight_decay_momentum": dict(lr=0.05, momentum=0.8, weight_decay=0.01),
    "maximize": dict(lr=0.01, maximize=True),
    "maximize_nesterov_decay": dict(lr=0.01, momentum=0.7, nesterov=True, weight_decay=0.02, maximize=True),
}


def rel_error(ours, theirs) -> float:
    """max |ours - theirs| / max |theirs|."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


def make_models(dtype, torch_dtype):
    """A small MLP in PyTorch and the same weights in glassnet."""
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).to(torch_dtype)
    ours = nn.Sequential(nn.Linear(5, 8, dtype=dtype), nn.Tanh(), nn.Linear(8, 3, dtype=dtype))
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def batches(dtype, steps=STEPS, size=16):
    """A different mini-batch each step, the same in both libraries."""
    rng = np.random.default_rng(0)
    for _ in range(steps):
        yield rng.standard_normal((size, 5)).astype(dtype), rng.standard_normal((size, 3)).astype(dtype)


def step_ours(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = nn.MSELoss()(model(glassnet.tensor(x)), y)
    loss.backward()
    optimizer.step()


def step_theirs(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = torch.nn.MSELoss()(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    optimizer.step()


def assert_same_parameters(ours, theirs, dtype, step):
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert p.dtype == dtype, f"step {step}: {name} changed dtype to {p.dtype}"
        error = rel_error(p.detach().numpy(), torch_params[name].detach())
        assert error < TOLERANCE[dtype], f"step {step}: {name} relative error {error:.3g}"


@pytest.mark.parametrize("dtype, torch_dtype", DTYPES)
@pytest.mark.parametrize("settings", list(SETTINGS.values()), ids=list(SETTINGS))
def test_sgd_matches_torch_for_20_steps(settings, dtype, torch_dtype):
    ours, theirs = make_models(dtype, torch_dtype)
    optimizer = optim.SGD(ours.parameters(), **settings)
    reference = torch.optim.SGD(theirs.parameters(), **settings)
    start = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    for step, (x, y) in enumerate(batches(dtype), start=1):
        step_ours(ours, optimizer, x, y)
        step_theirs(theirs, reference, x, y)
        assert_same_parameters(ours, theirs, dtype, step)
    moved = [np.max(np.abs(ours.state_dict()[k] - v)) for k, v in start.items()]
    assert min(moved) > 1e-4, "every parameter should have moved"


@pytest.mark.parametrize("dtype, torch_dtype", DTYPES)
def test_two_param_groups_with_their_own_settings(dtype, torch_dtype):
    ours, theirs = make_models(dtype, torch_dtype)

    def groups(model):
        return [
            {"params": model[0].parameters()},
            {"params": model[2].parameters(), "lr": 0.01, "momentum": 0.5},
        ]

    optimizer = optim.SGD(groups(ours), lr=0.2, momentum=0.9, nesterov=True)
    reference = torch.optim.SGD(groups(theirs), lr=0.2, momentum=0.9, nesterov=True)
    assert [g["lr"] for g in optimizer.param_groups] == [0.2, 0.01]
    assert [g["momentum"] for g in optimizer.param_groups] == [0.9, 0.5]
    assert all(g["nesterov"] for g in optimizer.param_groups)
    for step, (x, y) in enumerate(batches(dtype), start=1):
        step_ours(ours, optimizer, x, y)
        step_theirs(theirs, reference, x, y)
        assert_same_parameters(ours, theirs, dtype, step)


def test_one_step_by_hand():
    # p = 1, grads 0.5 then 0.25, lr 0.1, momentum 0.9, dampening 0.5, weight decay 0.1:
    # step 1: g = 0.5 + 0.1 * 1 = 0.6; b = g = 0.6 (no dampening on the first step); p = 1 - 0.06 = 0.94
    # step 2: g = 0.25 + 0.1 * 0.94 = 0.344; b = 0.9 * 0.6 + 0.5 * 0.344 = 0.712; p = 0.94 - 0.0712 = 0.8688
    p = nn.Parameter(np.array([1.0]))
    optimizer = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1)
    p.grad = glassnet.tensor(np.array([0.5]))
    optimizer.step()
    np.testing.assert_allclose(p.numpy(), [0.94], rtol=1e-15)
    p.grad = glassnet.tensor(np.array([0.25]))
    optimizer.step()
    np.testing.assert_allclose(optimizer.state[p]["momentum_buffer"], [0.712], rtol=1e-15)
    np.testing.assert_allclose(p.numpy(), [0.8688], rtol=1e-15)


@pytest.mark.parametrize("dtype, torch_dtype", DTYPES)
def test_state_dict_round_trip_continues_identically(dtype, torch_dtype):
    settings = dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)
    ours, theirs = make_models(dtype, torch_dtype)
    optimizer = optim.SGD(ours.parameters(), **settings)
    reference = torch.optim.SGD(theirs.parameters(), **settings)
    data = list(batches(dtype))
    for x, y in data[:10]:
        step_ours(ours, optimizer, x, y)
        step_theirs(theirs, reference, x, y)

    saved_model, saved_optimizer = ours.state_dict(), optimizer.state_dict()
    assert set(saved_optimizer) == {"state", "param_groups"}
    torch_saved = reference.state_dict()
    assert sorted(saved_optimizer["state"]) == sorted(torch_saved["state"]) == [0, 1, 2, 3]
    assert [g["params"] for g in saved_optimizer["param_groups"]] == [[0, 1, 2, 3]]
    for key, group in saved_optimizer["param_groups"][0].items():
        assert torch_saved["param_groups"][0][key] == group, key
    for index, state in saved_optimizer["state"].items():
        buffer, torch_buffer = state["momentum_buffer"], torch_saved["state"][index]["momentum_buffer"]
        assert buffer.dtype == dtype and rel_error(buffer, torch_buffer) < TOLERANCE[dtype]

    # The saved state is a snapshot: further steps do not change it.
    frozen = copy.deepcopy(saved_optimizer)
    restored_model = nn.Sequential(nn.Linear(5, 8, dtype=dtype), nn.Tanh(), nn.Linear(8, 3, dtype=dtype))
    restored_model.load_state_dict(saved_model)
    restored = optim.SGD(restored_model.parameters(), lr=1.0)  # hyperparameters come from the state_dict
    restored.load_state_dict(saved_optimizer)
    assert restored.param_groups[0]["lr"] == 0.05 and restored.param_groups[0]["momentum"] == 0.9

    for step, (x, y) in enumerate(data[10:], start=11):
        step_ours(ours, optimizer, x, y)
        step_ours(restored_model, restored, x, y)
        step_theirs(theirs, reference, x, y)
        for (name, a), (_, b) in zip(ours.named_parameters(), restored_model.named_parameters()):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=f"step {step}: {name}")
        assert_same_parameters(restored_model, theirs, dtype, step)
    for index, state in frozen["state"].items():
        np.testing.assert_array_equal(saved_optimizer["state"][index]["momentum_buffer"], state["momentum_buffer"])


def test_torch_optimizer_state_loads_and_continues():
    dtype, torch_dtype = np.float64, torch.float64
    settings = dict(lr=0.05, momentum=0.9, nesterov=True)
    ours, theirs = make_models(dtype, torch_dtype)
    reference = torch.optim.SGD(theirs.parameters(), **settings)
    data = list(batches(dtype))
    for x, y in data[:5]:
        step_theirs(theirs, reference, x, y)
    torch_state = reference.state_dict()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    optimizer = optim.SGD(ours.parameters())
    optimizer.load_state_dict(
        {
            "state": {i: {k: v.numpy().copy() for k, v in s.items()} for i, s in torch_state["state"].items()},
            "param_groups": torch_state["param_groups"],
        }
    )
    for step, (x, y) in enumerate(data[5:], start=6):
        step_ours(ours, optimizer, x, y)
        step_theirs(theirs, reference, x, y)
        assert_same_parameters(ours, theirs, dtype, step)


def test_load_state_dict_rejects_a_different_layout():
    ours, _ = make_models(np.float32, torch.float32)
    optimizer = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    other = optim.SGD(list(ours.parameters())[:2], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="parameter"):
        optimizer.load_state_dict(other.state_dict())


def test_parameters_without_gradient_are_left_alone():
    ours, _ = make_models(np.float64, torch.float64)
    ours[0].requires_grad_(False)
    frozen = ours[0].weight.numpy().copy()
    optimizer = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    x, y = next(batches(np.float64))
    step_ours(ours, optimizer, x, y)
    np.testing.assert_array_equal(ours[0].weight.numpy(), frozen)
    assert ours[0].weight not in optimizer.state and ours[2].weight in optimizer.state


def test_step_updates_in_place_and_returns_the_closure_loss():
    ours, _ = make_models(np.float64, torch.float64)
    weight = ours[0].weight
    array = weight.numpy()
    optimizer = optim.SGD(ours.parameters(), lr=0.1)
    x, y = next(batches(np.float64))

    def closure():
        optimizer.zero_grad()
        loss = nn.MSELoss()(ours(glassnet.tensor(x)), y)
        loss.backward()
        return loss

    before = array.copy()
    loss = optimizer.step(closure)
    assert isinstance(loss, glassnet.Tensor) and loss.item() > 0
    assert ours[0].weight is weight and weight.numpy() is array, "the update is in place"
    assert not np.array_equal(array, before)
    optimizer.zero_grad()
    assert all(p.grad is None for p in ours.parameters())


@pytest.mark.parametrize(
    "kwargs, name, shown",
    [
        (dict(lr=-0.1), "learning rate", "-0.1"),
        (dict(lr=0.1, momentum=-0.5), "momentum", "-0.5"),
        (dict(lr=0.1, weight_decay=-1e-4), "weight_decay", "-0.0001"),
        (dict(lr=0.1, nesterov=True), "Nesterov", "momentum"),
        (dict(lr=0.1, momentum=0.9, dampening=0.5, nesterov=True), "Nesterov", "dampening"),
    ],
)
def test_invalid_hyperparameters_raise_like_torch(kwargs, name, shown):
    with pytest.raises(ValueError, match=name):
        torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), **kwargs)
    with pytest.raises(ValueError, match=name) as error:
        optim.SGD(nn.Linear(2, 2).parameters(), **kwargs)
    assert shown in str(error.value), f"the message should show {shown}: {error.value}"


def test_empty_parameter_list_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)


def test_repr_lists_groups_and_settings():
    ours, _ = make_models(np.float32, torch.float32)
    text = repr(optim.SGD(ours.parameters(), lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text
