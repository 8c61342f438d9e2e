"""Optimizers against torch.optim: the same parameters, the same gradients, 50 steps, every parameter every step.

Gradients come from a fixed function of each side's own current parameters, so any difference in an
update rule shows up and compounds along the trajectory. The error measure is normwise per parameter:
max|ours - torch| / max|torch|.
"""

import copy

import numpy as np
import pytest
import torch

from glassnet import Tensor, nn
from glassnet.nn import Parameter
from glassnet.optim.adadelta import Adadelta
from glassnet.optim.adagrad import Adagrad
from glassnet.optim.adam import Adam, AdamW
from glassnet.optim.rmsprop import RMSprop

TORCH = {
    Adadelta: torch.optim.Adadelta,
    Adam: torch.optim.Adam,
    AdamW: torch.optim.AdamW,
    RMSprop: torch.optim.RMSprop,
    Adagrad: torch.optim.Adagrad,
}

CASES = [
    (Adam, dict(lr=0.01)),
    (Adam, dict(lr=0.01, weight_decay=0.1)),
    (Adam, dict(lr=0.01, amsgrad=True)),
    (Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.05, maximize=True)),
    (Adam, dict(lr=0.02, betas=(0.8, 0.95), eps=1e-4)),
    (AdamW, dict(lr=0.01)),
    (AdamW, dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    (AdamW, dict(lr=0.01, betas=(0.5, 0.9), maximize=True)),
    (RMSprop, dict(lr=0.01)),
    (Adadelta, dict(lr=1.0)),
    (Adadelta, dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1)),
    (Adadelta, dict(lr=1.0, maximize=True)),
    (RMSprop, dict(lr=0.01, momentum=0.9)),
    (RMSprop, dict(lr=0.01, centered=True)),
    (RMSprop, dict(lr=0.005, centered=True, momentum=0.5, weight_decay=0.1, alpha=0.9, eps=1e-5)),
    (RMSprop, dict(lr=0.01, maximize=True)),
    (Adagrad, dict(lr=0.1)),
    (Adagrad, dict(lr=0.1, lr_decay=0.05)),
    (Adagrad, dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    (Adagrad, dict(lr=0.1, eps=1e-3, maximize=True)),
]
IDS = [f"{cls.__name__}-" + "-".join(f"{k}={v}" for k, v in kw.items()) for cls, kw in CASES]

SHAPES = [(3, 4), (4,), (2, 3, 2), ()]
STEPS = 50


def _initial(dtype):
    rng = np.random.default_rng(7)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


def _grad(p: np.ndarray, t: int) -> np.ndarray:
    """A smooth, non-convex gradient field that changes with the step, so no state settles.

    For a 0-d parameter this is a NumPy scalar, not an array, as autograd leaves it too.
    """
    return np.cos(3 * p) + 0.5 * p + 0.2 * np.sin(t + p)


def _rel_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-30))


def _pair(cls, kwargs, dtype, groups=False):
    init = _initial(dtype)
    ours = [Parameter(a.copy()) for a in init]
    theirs = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    if groups:  # two groups; the second overrides lr and adds weight decay
        split = lambda ps: [{"params": ps[:2]}, {"params": ps[2:], "lr": kwargs["lr"] / 2, "weight_decay": 0.2}]
        return ours, theirs, cls(split(ours), **kwargs), TORCH[cls](split(theirs), foreach=False, **kwargs)
    return ours, theirs, cls(ours, **kwargs), TORCH[cls](theirs, foreach=False, **kwargs)


def _run(ours, theirs, opt, topt, steps, start=0):
    """Step both for ``steps`` steps; the worst error over all parameters and steps."""
    worst = 0.0
    for t in range(start, start + steps):
        for p, q in zip(ours, theirs):
            p.grad = Tensor(_grad(p.numpy(), t))
            q.grad = torch.from_numpy(np.asarray(_grad(q.detach().numpy(), t)))
        opt.step()
        topt.step()
        for p, q in zip(ours, theirs):
            assert p.detach().numpy().dtype == q.detach().numpy().dtype
            worst = max(worst, _rel_error(p.detach().numpy(), q.detach().numpy()))
    return worst


@pytest.mark.parametrize("groups", [False, True], ids=["one-group", "two-groups"])
@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_matches_torch_float64(cls, kwargs, groups):
    worst = _run(*_pair(cls, kwargs, np.float64, groups), STEPS)
    assert worst < 1e-6, f"{cls.__name__}{kwargs}: max rel. error {worst:.3g}"


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_matches_torch_float32(cls, kwargs):
    worst = _run(*_pair(cls, kwargs, np.float32), STEPS)
    assert worst < 3e-5, f"{cls.__name__}{kwargs}: max rel. error {worst:.3g} in float32"


@pytest.mark.parametrize("cls", [Adadelta, Adam, AdamW, RMSprop, Adagrad])
def test_mlp_matches_torch(cls):
    """A 2-layer MLP trained 50 full-batch steps, gradients from each library's own autograd."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((16, 5)), rng.standard_normal((16, 2))
    ours = nn.Sequential(
        nn.Linear(5, 8, dtype=np.float64, rng=rng), nn.Tanh(), nn.Linear(8, 2, dtype=np.float64, rng=rng)
    )
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    with torch.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy()))
    kwargs = dict(lr=0.01, weight_decay=0.01)
    opt, topt = cls(ours.parameters(), **kwargs), TORCH[cls](theirs.parameters(), foreach=False, **kwargs)
    loss_fn, tloss_fn = nn.MSELoss(), torch.nn.MSELoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    worst, first_loss = 0.0, None
    for _ in range(STEPS):
        opt.zero_grad()
        topt.zero_grad()
        loss = loss_fn(ours(Tensor(x)), Tensor(y))
        loss.backward()
        tloss_fn(theirs(xt), yt).backward()
        opt.step()
        topt.step()
        first_loss = first_loss if first_loss is not None else loss.item()
        for p, q in zip(ours.parameters(), theirs.parameters()):
            worst = max(worst, _rel_error(p.detach().numpy(), q.detach().numpy()))
    assert worst < 1e-6
    assert loss.item() < first_loss  # and it learns


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_state_dict_round_trip_mid_run(cls, kwargs):
    """Save after 20 steps, load into a fresh optimizer on copied parameters: the next 30 steps are identical."""
    ours, theirs, opt, topt = _pair(cls, kwargs, np.float64, groups=True)
    _run(ours, theirs, opt, topt, 20)
    saved = copy.deepcopy(opt.state_dict())

    clones = [Parameter(p.numpy().copy()) for p in ours]
    fresh = cls([{"params": clones[:2]}, {"params": clones[2:]}], **kwargs)
    fresh.load_state_dict(saved)
    assert [{k: v for k, v in g.items() if k != "params"} for g in fresh.param_groups] == [
        {k: v for k, v in g.items() if k != "params"} for g in opt.param_groups
    ]
    for t in range(20, 50):
        for a, b in zip(ours, clones):
            a.grad, b.grad = Tensor(_grad(a.numpy(), t)), Tensor(_grad(b.numpy(), t))
        opt.step()
        fresh.step()
        for a, b in zip(ours, clones):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    # the saved copy is not aliased to the state that kept running
    assert saved["state"][0]["step"] == 20 and opt.state[ours[0]]["step"] == 50


@pytest.mark.parametrize("cls, kwargs", CASES, ids=IDS)
def test_state_dict_looks_like_torch(cls, kwargs):
    ours, theirs, opt, topt = _pair(cls, kwargs, np.float64)
    _run(ours, theirs, opt, topt, 3)
    mine, reference = opt.state_dict(), topt.state_dict()
    assert mine["state"].keys() == reference["state"].keys()
    for index, state in reference["state"].items():
        assert mine["state"][index].keys() == state.keys()
        assert mine["state"][index]["step"] == int(state["step"].item())
        for key, value in state.items():
            if key != "step":
                np.testing.assert_allclose(mine["state"][index][key], value.numpy(), rtol=1e-10, atol=1e-14)
    for group, ref in zip(mine["param_groups"], reference["param_groups"]):
        assert group["params"] == ref["params"]
        assert group.keys() <= ref.keys()
        assert all(group[k] == ref[k] for k in group if k != "params")


def test_adagrad_state_exists_before_the_first_step():
    """As in PyTorch, every parameter has its accumulator from construction on."""
    ours, theirs, opt, topt = _pair(Adagrad, dict(lr=0.1, initial_accumulator_value=0.25), np.float64)
    assert opt.state_dict()["state"].keys() == topt.state_dict()["state"].keys() == set(range(len(SHAPES)))
    np.testing.assert_array_equal(opt.state[ours[0]]["sum"], np.full(SHAPES[0], 0.25))


def test_parameters_without_grad_are_left_alone():
    p, q = Parameter(np.ones(3)), Parameter(np.ones(3))
    for cls in (Adadelta, Adam, AdamW, RMSprop, Adagrad):
        opt = cls([p, q], lr=0.1)
        p.grad, q.grad = Tensor(np.ones(3)), None
        opt.step()
        np.testing.assert_array_equal(q.detach().numpy(), np.ones(3))
        assert not np.array_equal(p.numpy(), np.ones(3))


INVALID = [
    (Adam, dict(lr=-1e-3), "learning rate"),
    (Adam, dict(eps=-1.0), "epsilon"),
    (Adam, dict(betas=(1.0, 0.999)), "beta parameter at index 0"),
    (Adam, dict(betas=(0.9, -0.1)), "beta parameter at index 1"),
    (Adam, dict(weight_decay=-0.1), "weight_decay"),
    (AdamW, dict(lr=-1.0), "learning rate"),
    (AdamW, dict(betas=(0.9, 1.5)), "beta parameter at index 1"),
    (AdamW, dict(weight_decay=-1e-2), "weight_decay"),
    (RMSprop, dict(lr=-0.01), "learning rate"),
    (RMSprop, dict(alpha=1.0), "alpha"),
    (RMSprop, dict(alpha=-0.5), "alpha"),
    (RMSprop, dict(eps=-1e-8), "epsilon"),
    (RMSprop, dict(momentum=-0.9), "momentum"),
    (RMSprop, dict(weight_decay=-0.1), "weight_decay"),
    (Adagrad, dict(lr=-0.01), "learning rate"),
    (Adagrad, dict(lr_decay=-0.1), "lr_decay"),
    (Adagrad, dict(weight_decay=-0.1), "weight_decay"),
    (Adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (Adagrad, dict(eps=-1e-10), "epsilon"),
]


@pytest.mark.parametrize("cls, kwargs, name", INVALID, ids=[f"{c.__name__}-{n}" for c, _, n in INVALID])
def test_invalid_hyperparameter_raises_naming_it(cls, kwargs, name):
    with pytest.raises(ValueError, match=f"Invalid {name}"):
        cls([Parameter(np.zeros(2))], **kwargs)
    if (cls, kwargs) != (RMSprop, {"alpha": 1.0}):  # PyTorch allows alpha = 1 (an average that never moves)
        with pytest.raises(ValueError, match=f"Invalid {name}"):
            TORCH[cls]([torch.nn.Parameter(torch.zeros(2))], **kwargs)


def test_defaults_equal_torch():
    for cls, tcls in TORCH.items():
        ours = cls([Parameter(np.zeros(2))]).param_groups[0]
        theirs = tcls([torch.nn.Parameter(torch.zeros(2))]).param_groups[0]
        assert {k: ours[k] for k in ours if k != "params"} == {k: theirs[k] for k in ours if k != "params"}
