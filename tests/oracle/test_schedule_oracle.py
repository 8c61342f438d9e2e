"""Learning-rate schedules against torch.optim.lr_scheduler: 100 steps, two parameter groups, several settings."""

import copy

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tsched

from glassnet.nn import Parameter
from glassnet.optim import SGD
from glassnet.optim.lr_scheduler import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)

STEPS = 100
LRS = (0.1, 0.03)
# Ours writes each rate from its closed form, PyTorch multiplies the previous rate: equal to rounding.
RTOL = 1e-12


def _optimizers(lrs=LRS):
    ours = SGD([{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in lrs])
    theirs = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in lrs])
    return ours, theirs


SCHEDULES = [
    (StepLR, dict(step_size=7)),
    (StepLR, dict(step_size=10, gamma=0.5)),
    (StepLR, dict(step_size=1, gamma=0.95)),
    (MultiStepLR, dict(milestones=[10, 30, 75])),
    (MultiStepLR, dict(milestones=[50, 20, 20], gamma=0.5)),  # unsorted, repeated: gamma**2 at 20
    (ExponentialLR, dict(gamma=0.95)),
    (ExponentialLR, dict(gamma=0.99)),
    (CosineAnnealingLR, dict(T_max=100)),
    (CosineAnnealingLR, dict(T_max=30, eta_min=0.001)),  # past T_max the cosine rises again
    (CosineAnnealingLR, dict(T_max=1)),
    (LinearLR, dict()),
    (LinearLR, dict(start_factor=0.01, total_iters=20)),
    (LinearLR, dict(start_factor=1.0, end_factor=0.0, total_iters=100)),  # linear decay to zero
    (LinearLR, dict(start_factor=0.5, end_factor=0.8, total_iters=1)),
    (LambdaLR, dict(lr_lambda=lambda epoch: 0.97**epoch)),
    (LambdaLR, dict(lr_lambda=[lambda epoch: min(1.0, (epoch + 1) / 10), lambda epoch: 1 / (1 + epoch)])),
    (MultiplicativeLR, dict(lr_lambda=lambda epoch: 0.95)),
    (MultiplicativeLR, dict(lr_lambda=[lambda epoch: 0.9 if epoch % 10 == 0 else 1.0, lambda epoch: 0.99])),
    (ConstantLR, dict()),
    (ConstantLR, dict(factor=0.5, total_iters=30)),
    (PolynomialLR, dict()),
    (PolynomialLR, dict(total_iters=60, power=2.0)),
    (CosineAnnealingWarmRestarts, dict(T_0=10)),
    (CosineAnnealingWarmRestarts, dict(T_0=5, T_mult=2, eta_min=0.001)),
]
IDS = [f"{cls.__name__}-" + "-".join(f"{k}={v}" for k, v in kw.items()) for cls, kw in SCHEDULES]


def _run(opt, sched, steps, metrics=None):
    """Rates after construction and after each of ``steps`` (optimizer step, then scheduler step)."""
    lrs = [[g["lr"] for g in opt.param_groups]]
    for t in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[t])
        lrs.append([g["lr"] for g in opt.param_groups])
        assert sched.get_last_lr() == lrs[-1]
    return np.array(lrs)


@pytest.mark.parametrize("cls, kwargs", SCHEDULES, ids=IDS)
def test_schedule_matches_torch(cls, kwargs):
    ours, theirs = _optimizers()
    sched, tsch = cls(ours, **kwargs), getattr(tsched, cls.__name__)(theirs, **kwargs)
    assert sched.base_lrs == tsch.base_lrs == list(LRS)
    got, want = _run(ours, sched, STEPS), _run(theirs, tsch, STEPS)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-15)
    assert sched.last_epoch == tsch.last_epoch == STEPS


def _sequential(module, opt, sequence):
    parts = [getattr(module, name)(opt, **kw) for name, kw in sequence[0]]
    return module.SequentialLR(opt, parts, milestones=sequence[1])


SEQUENCES = [
    ([("LinearLR", dict(start_factor=0.1, total_iters=10)), ("CosineAnnealingLR", dict(T_max=90))], [10]),
    ([("LambdaLR", dict(lr_lambda=lambda epoch: (epoch + 1) / 8)), ("ExponentialLR", dict(gamma=0.97))], [8]),
    (
        [
            ("LinearLR", dict(start_factor=0.2, total_iters=5)),
            ("StepLR", dict(step_size=10, gamma=0.5)),
            ("ExponentialLR", dict(gamma=0.9)),
        ],
        [5, 60],
    ),
    ([("ExponentialLR", dict(gamma=0.9))], []),
]


@pytest.mark.parametrize("sequence", SEQUENCES, ids=["warmup-cosine", "lambda-warmup-exp", "warmup-step-exp", "one"])
def test_sequential_matches_torch(sequence):
    import glassnet.optim.lr_scheduler as ours_module

    ours, theirs = _optimizers()
    sched, tsch = _sequential(ours_module, ours, sequence), _sequential(tsched, theirs, sequence)
    np.testing.assert_allclose(_run(ours, sched, STEPS), _run(theirs, tsch, STEPS), rtol=RTOL, atol=1e-15)


def _metrics(mode):
    """A loss that falls, stalls, wobbles and falls again (or its negative, for mode "max")."""
    rng = np.random.default_rng(11)
    base = np.concatenate(
        [
            np.linspace(1.0, 0.5, 20),
            np.full(25, 0.5),
            0.5 + 0.01 * rng.standard_normal(25),
            np.linspace(0.5, 0.3, 15),
            np.full(15, 0.3),
        ]
    )
    return list(base if mode == "min" else -base)


PLATEAUS = [
    dict(),
    dict(patience=3),
    dict(patience=0, factor=0.5),
    dict(patience=2, cooldown=4, factor=0.5),
    dict(mode="max", patience=2),
    dict(mode="max", threshold_mode="abs", threshold=0.005, patience=1, factor=0.3),
    dict(threshold_mode="abs", threshold=0.01, patience=1),
    dict(patience=1, factor=0.5, min_lr=0.01),
    dict(patience=1, factor=0.5, min_lr=[0.02, 0.001]),
    dict(patience=1, factor=0.9, eps=1e-3),  # reductions smaller than eps are skipped
]


@pytest.mark.parametrize("kwargs", PLATEAUS, ids=[str(k) for k in PLATEAUS])
def test_reduce_on_plateau_matches_torch(kwargs):
    ours, theirs = _optimizers()
    sched, tsch = ReduceLROnPlateau(ours, **kwargs), tsched.ReduceLROnPlateau(theirs, **kwargs)
    metrics = _metrics(kwargs.get("mode", "min"))
    got, want = _run(ours, sched, STEPS, metrics), _run(theirs, tsch, STEPS, metrics)
    np.testing.assert_array_equal(got, want)
    assert len(np.unique(got[:, 0])) > 1  # every setting reduces at least once on this metric
    assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter) == (
        tsch.best,
        tsch.num_bad_epochs,
        tsch.cooldown_counter,
    )


def test_reduce_on_plateau_accepts_a_tensor_metric():
    from glassnet import tensor

    ours, _ = _optimizers()
    sched = ReduceLROnPlateau(ours, patience=0)
    sched.step(tensor(1.0))
    sched.step(tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.003])


ALL = SCHEDULES + [(ReduceLROnPlateau, dict(patience=2, cooldown=3, factor=0.5))]


@pytest.mark.parametrize("cls, kwargs", ALL, ids=IDS + ["ReduceLROnPlateau"])
def test_state_dict_round_trip_mid_run(cls, kwargs):
    """Save optimizer and schedule after 40 steps, rebuild both from scratch, load: the last 60 rates are identical."""
    metrics = _metrics("min") if cls is ReduceLROnPlateau else None
    opt, _ = _optimizers()
    sched = cls(opt, **kwargs)
    _run(opt, sched, 40, metrics)
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    rest = metrics[40:] if metrics else None
    expected = _run(opt, sched, 60, rest)

    opt2, _ = _optimizers(lrs=(1.0, 1.0))  # wrong rates on purpose: loading must restore them
    sched2 = cls(opt2, **kwargs)  # build the schedule first: building it rewrites the rates
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    np.testing.assert_array_equal(_run(opt2, sched2, 60, rest), expected)


def test_sequential_state_dict_round_trip():
    import glassnet.optim.lr_scheduler as ours_module

    opt, _ = _optimizers()
    sched = _sequential(ours_module, opt, SEQUENCES[2])
    _run(opt, sched, 30)
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    expected = _run(opt, sched, 70)

    opt2, _ = _optimizers(lrs=(1.0, 1.0))
    sched2 = _sequential(ours_module, opt2, SEQUENCES[2])
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert sched2.schedulers[1].last_epoch == 30 - 5
    np.testing.assert_array_equal(_run(opt2, sched2, 70), expected)


INVALID = [
    (StepLR, dict(step_size=0), "step_size"),
    (StepLR, dict(step_size=5, gamma=-0.1), "gamma"),
    (MultiStepLR, dict(milestones=[5, -1]), "milestone"),
    (ExponentialLR, dict(gamma=-1.0), "gamma"),
    (CosineAnnealingLR, dict(T_max=0), "T_max"),
    (CosineAnnealingLR, dict(T_max=10, eta_min=-1.0), "eta_min"),
    (LinearLR, dict(start_factor=0.0), "start_factor"),
    (LinearLR, dict(end_factor=1.5), "end_factor"),
    (LinearLR, dict(total_iters=0), "total_iters"),
    (ReduceLROnPlateau, dict(mode="lowest"), "mode"),
    (ReduceLROnPlateau, dict(threshold_mode="pct"), "threshold_mode"),
    (ReduceLROnPlateau, dict(factor=1.0), "factor"),
    (ReduceLROnPlateau, dict(patience=-1), "patience"),
    (ReduceLROnPlateau, dict(cooldown=-2), "cooldown"),
    (ReduceLROnPlateau, dict(min_lr=[0.1]), "min_lr"),
    (ReduceLROnPlateau, dict(min_lr=-0.1), "min_lr"),
]


@pytest.mark.parametrize("cls, kwargs, name", INVALID, ids=[f"{c.__name__}-{n}" for c, _, n in INVALID])
def test_invalid_settings_raise_naming_them(cls, kwargs, name):
    ours, _ = _optimizers()
    before = [g["lr"] for g in ours.param_groups]
    with pytest.raises(ValueError, match=name):
        cls(ours, **kwargs)
    assert [g["lr"] for g in ours.param_groups] == before  # validated before touching the optimizer


def test_sequential_rejects_bad_compositions():
    opt, other = _optimizers()[0], _optimizers()[0]
    warmup = LinearLR(opt, total_iters=3)
    with pytest.raises(ValueError, match="milestones"):
        SequentialLR(opt, [warmup, ExponentialLR(opt, gamma=0.9)], milestones=[])
    with pytest.raises(ValueError, match="another optimizer"):
        SequentialLR(opt, [warmup, ExponentialLR(other, gamma=0.9)], milestones=[3])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        SequentialLR(opt, [warmup, ReduceLROnPlateau(opt)], milestones=[3])


def test_needs_an_optimizer():
    with pytest.raises(TypeError, match="Optimizer"):
        StepLR([Parameter(np.zeros(1))], step_size=2)
    assert issubclass(ReduceLROnPlateau, LRScheduler)
