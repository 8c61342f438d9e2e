"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s names, arguments and call order.

Call ``scheduler.step()`` once per epoch (or per iteration), after ``optimizer.step()``. Building
a scheduler records each group's starting rate as ``group["initial_lr"]`` (the ``base_lrs``) and
sets the rate for epoch 0.

Each schedule writes its closed form: ``group["lr"] = f(base_lr, epoch)``. PyTorch updates the
rate multiplicatively from the previous one; the numbers agree to rounding (the tests compare the
two over 100 steps), but two closed-form schedules attached to one optimizer at once overwrite
each other rather than multiply. To run schedules one after another (warm-up, then decay), use
:class:`SequentialLR`. :class:`ReduceLROnPlateau` (which reacts to a metric) and :class:`MultiplicativeLR`
have no closed form; they scale the current rate.
"""

from __future__ import annotations

import math
import numbers
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from ..errors import check_hyperparameter
from .optimizer import Optimizer


class LRScheduler:
    """Base class: holds the optimizer, ``last_epoch`` and ``base_lrs``; subclasses write ``lr_at``.

    Attributes:
        optimizer: the optimizer whose ``param_groups[i]["lr"]`` this schedule sets.
        last_epoch: number of ``step()`` calls so far (0 right after construction).
        base_lrs: each group's ``initial_lr``, the rate the schedule scales.
    """

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:  # pragma: no cover - abstract
        """The learning rate of a group starting at ``base_lr`` after ``epoch`` steps."""
        raise NotImplementedError

    def rates(self, epoch: int) -> list[float]:
        """Every group's rate after ``epoch`` steps (``lr_at`` per group unless a schedule needs more)."""
        return [self.lr_at(base_lr, epoch) for base_lr in self.base_lrs]

    def step(self) -> None:
        """Advance one epoch and write the new rate into every parameter group."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.rates(self.last_epoch)):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rate of each parameter group as set by the latest ``step()``."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Every attribute except the optimizer (PyTorch's layout)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore attributes saved by :meth:`state_dict`; load the optimizer's own state separately."""
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


def _check_count(name: str, value: int, low: int) -> None:
    """Raise ``ValueError("Invalid <name>: ...")`` unless value is an integer (NumPy's too, not a bool) >= low."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"Invalid {name}: {value!r} (expected an integer >= {low})")


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): multiply by gamma every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        _check_count("step_size", step_size, 1)
        check_hyperparameter("gamma", gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (number of milestones <= epoch); a milestone listed twice counts twice."""

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1):
        self.milestones = sorted(milestones)
        for milestone in self.milestones:
            _check_count("milestone", milestone, 0)
        check_hyperparameter("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** bisect_right(self.milestones, epoch)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float):
        check_hyperparameter("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Falls from base_lr to eta_min over ``T_max`` epochs along half a cosine. Past T_max the cosine
    carries on (it rises again over the next T_max epochs), as PyTorch's does; there are no warm
    restarts.

    Reference: Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):  # noqa: N803  (PyTorch's name)
        _check_count("T_max", T_max, 1)
        check_hyperparameter("eta_min", eta_min)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LinearLR(LRScheduler):
    """lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters).

    The linear warm-up: with start_factor < 1 = end_factor the rate climbs from a fraction of
    base_lr to base_lr over ``total_iters`` epochs, then stays there. Bounds as in PyTorch:
    start_factor in (0, 1], end_factor in [0, 1].

    Reference: Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", arXiv:1706.02677 (2017).
    """

    def __init__(
        self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
    ):
        if not 0 < start_factor <= 1:
            raise ValueError(f"Invalid start_factor: {start_factor} (expected a value in (0, 1])")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"Invalid end_factor: {end_factor} (expected a value in [0, 1])")
        _check_count("total_iters", total_iters, 1)
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        progress = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


def _per_group(name: str, functions, optimizer: Optimizer) -> list:
    """One function per parameter group: a single one is shared, a list must have one per group (PyTorch's rule)."""
    groups = len(optimizer.param_groups)
    if not isinstance(functions, (list, tuple)):
        return [functions] * groups
    if len(functions) != groups:
        raise ValueError(f"Expected {groups} {name}s (one per parameter group), but got {len(functions)}")
    return list(functions)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch), with one ``lr_lambda`` for all groups or a list with one per group.

    ``state_dict`` leaves the functions out (they cannot be saved as data); a rebuilt schedule brings its own.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda):
        self.lr_lambdas = _per_group("lr_lambda", lr_lambda, optimizer)
        super().__init__(optimizer)

    def rates(self, epoch: int) -> list[float]:
        return [base_lr * f(epoch) for f, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict:
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


class MultiplicativeLR(LambdaLR):
    """lr_t = lr_(t-1) * lr_lambda(t) for t >= 1: each step scales the current rate (no closed form)."""

    def rates(self, epoch: int) -> list[float]:
        current = [group["lr"] for group in self.optimizer.param_groups]
        if epoch == 0:
            return current
        return [lr * f(epoch) for f, lr in zip(self.lr_lambdas, current)]


class ConstantLR(LRScheduler):
    """lr = base_lr * factor for the first ``total_iters`` epochs, then base_lr."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5):
        check_hyperparameter("factor", factor, 0.0)
        if factor > 1:
            raise ValueError(f"Invalid factor: {factor!r} (expected a value in [0, 1])")
        _check_count("total_iters", total_iters, 0)
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * (self.factor if epoch < self.total_iters else 1.0)


class PolynomialLR(LRScheduler):
    """lr = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power: decays to 0 at ``total_iters``."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0):
        _check_count("total_iters", total_iters, 1)
        check_hyperparameter("power", power)
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * (1.0 - min(epoch, self.total_iters) / self.total_iters) ** self.power


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every cycle: lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2.

    The first cycle lasts T_0 epochs, each next one T_mult times longer; T_cur counts epochs since the
    last restart. Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0):  # noqa: N803
        _check_count("T_0", T_0, 1)
        _check_count("T_mult", T_mult, 1)
        check_hyperparameter("eta_min", eta_min)
        self.T_0, self.T_mult, self.eta_min = T_0, T_mult, eta_min
        super().__init__(optimizer)

    def _cycle(self, epoch: int) -> tuple[int, int]:
        """(T_cur, T_i): epochs into the current cycle and that cycle's length, counted in integers."""
        if self.T_mult == 1:
            return epoch % self.T_0, self.T_0
        length, start = self.T_0, 0
        while epoch >= start + length:  # cycles grow geometrically: a few dozen at most
            start, length = start + length, length * self.T_mult
        return epoch - start, length

    def lr_at(self, base_lr: float, epoch: int) -> float:
        t_cur, t_i = self._cycle(epoch)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` from ``milestones[i - 1]`` on, each restarted at its own epoch 0.

    ``SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), CosineAnnealingLR(opt, T_max=95)], [5])``
    warms up for 5 epochs, then anneals. ``len(milestones) == len(schedulers) - 1``.
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int]):
        if not schedulers:
            raise ValueError("SequentialLR needs at least one scheduler")
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, (ReduceLROnPlateau, SequentialLR)) or not isinstance(scheduler, LRScheduler):
                raise ValueError(f"SequentialLR cannot run {type(scheduler).__name__} (scheduler {i})")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"scheduler {i} ({type(scheduler).__name__}) belongs to another optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"expected {len(schedulers) - 1} milestones for {len(schedulers)} schedulers, got {len(milestones)}"
            )
        for milestone in milestones:
            _check_count("milestone", milestone, 0)
        if list(milestones) != sorted(milestones):
            raise ValueError(f"milestones must be increasing, got {list(milestones)}")
        self.schedulers, self.milestones = list(schedulers), list(milestones)
        super().__init__(optimizer)

    def _active(self, epoch: int) -> tuple[LRScheduler, int]:
        """The scheduler that owns ``epoch``, and that epoch counted from the scheduler's start."""
        index = bisect_right(self.milestones, epoch)
        return self.schedulers[index], epoch - (self.milestones[index - 1] if index else 0)

    def rates(self, epoch: int) -> list[float]:
        scheduler, local_epoch = self._active(epoch)
        return scheduler.rates(local_epoch)

    def step(self) -> None:
        super().step()
        scheduler, local_epoch = self._active(self.last_epoch)
        scheduler.last_epoch, scheduler._last_lr = local_epoch, list(self._last_lr)

    def state_dict(self) -> dict:
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "schedulers")}
        state["schedulers"] = [scheduler.state_dict() for scheduler in self.schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        for scheduler, saved in zip(self.schedulers, state_dict.pop("schedulers")):
            scheduler.load_state_dict(saved)
        self.__dict__.update(state_dict)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a metric has not improved for more than ``patience`` steps.

    ``step(metric)`` after each evaluation. The metric improves when it beats the best so far by
    the threshold: ``metric < best * (1 - threshold)`` (mode "min", threshold_mode "rel"),
    ``metric < best - threshold`` ("min", "abs"), ``metric > best * (1 + threshold)`` ("max", "rel"),
    ``metric > best + threshold`` ("max", "abs"). After ``patience + 1`` steps in a row without
    improvement, each group's rate becomes ``max(lr * factor, min_lr)`` (skipped when that changes
    it by ``eps`` or less), then ``cooldown`` steps pass in which bad steps are not counted.

    Args:
        optimizer: the optimizer to adjust.
        mode: "min" (the metric should fall, e.g. a loss) or "max" (it should rise, e.g. accuracy).
        factor: multiplier on reduction, in [0, 1).
        patience: bad steps tolerated before reducing, >= 0.
        threshold: how much better counts as better, >= 0.
        threshold_mode: "rel" or "abs".
        cooldown: steps to wait after a reduction before counting bad steps again, >= 0.
        min_lr: lower bound on the rate, one for all groups or a list with one per group.
        eps: smallest change of rate worth applying.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"expected an Optimizer, got {type(optimizer).__name__}")
        if mode not in ("min", "max"):
            raise ValueError(f"Invalid mode: {mode!r} (expected 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"Invalid threshold_mode: {threshold_mode!r} (expected 'rel' or 'abs')")
        check_hyperparameter("factor", factor, 0.0, 1.0)
        check_hyperparameter("threshold", threshold)
        check_hyperparameter("eps", eps)
        _check_count("patience", patience, 0)
        _check_count("cooldown", cooldown, 0)
        groups = optimizer.param_groups
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(groups):
                raise ValueError(f"expected {len(groups)} min_lr values (one per group), got {len(min_lr)}")
            self.min_lrs = list(min_lr)
        else:
            self.min_lrs = [min_lr] * len(groups)
        for value in self.min_lrs:
            check_hyperparameter("min_lr", value)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown, self.eps = threshold, threshold_mode, cooldown, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in groups]

    def _is_better(self, metric: float, best: float) -> bool:
        """Whether ``metric`` beats ``best`` by more than the threshold."""
        if self.mode == "min":
            return metric < (best * (1 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return metric > (best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metric: float) -> None:  # type: ignore[override]
        """Record ``metric`` (a float or a one-element tensor) and reduce the rate if it has plateaued."""
        metric = float(metric)
        self.last_epoch += 1
        if self._is_better(metric, self.best):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad steps during cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


__all__ = [
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
