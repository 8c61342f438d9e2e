"""Callbacks: code that runs at fixed points of :func:`~glassnet.train.fit` and may stop it.

Every hook receives the :class:`~glassnet.train.TrainState` of the run (model, optimizer, counters,
the last epoch's ``logs``, the ``history``). Hooks in call order:

- ``on_train_begin(state)`` once, before a resumed run's checkpoint is applied;
- ``on_epoch_begin(state)``;
- ``on_batch_loss(state, loss)`` after the forward pass, before backward: ``state.stop()`` here
  skips this batch's update (used by :class:`NanGuard`);
- ``on_batch_end(state)`` after each optimizer step;
- ``on_epoch_end(state)`` after validation, with ``state.logs`` filled;
- ``on_train_end(state)`` once.

The per-batch hooks are called only for callbacks that override them, so an epoch-level callback
adds nothing to the cost of an iteration. Callbacks run in ascending ``order`` (stable), which puts
:class:`Checkpoint` (order 100) after the ones whose state it saves. A callback that keeps state
across epochs returns it from ``state_dict()``; checkpoints then save it and a resumed run restores it.
"""

from __future__ import annotations

import inspect
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .loop import TrainState


class Callback:
    """Base class: every hook does nothing; override the ones you need."""

    order: int = 0

    def on_train_begin(self, state: TrainState) -> None:
        pass

    def on_epoch_begin(self, state: TrainState) -> None:
        pass

    def on_batch_loss(self, state: TrainState, loss: float) -> None:
        pass

    def on_batch_end(self, state: TrainState) -> None:
        pass

    def on_epoch_end(self, state: TrainState) -> None:
        pass

    def on_train_end(self, state: TrainState) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state_dict: dict) -> None:
        pass


def _overrides(callback: Callback, hook: str) -> bool:
    return getattr(type(callback), hook) is not getattr(Callback, hook)


def _monitored(state: TrainState, monitor: str, who: str) -> float:
    try:
        return state.logs[monitor]
    except KeyError:
        raise ValueError(
            f"{who} monitors {monitor!r}, but the run logs only {sorted(state.logs)}"
            + (" (val_* entries need val_data)" if monitor.startswith("val_") else "")
        ) from None


class EarlyStopping(Callback):
    """Stop when a monitored value has not improved for ``patience`` epochs; restore the best weights.

    An epoch improves on the best value so far when ``value < best - min_delta`` (mode "min") or
    ``value > best + min_delta`` (mode "max"). After ``patience`` epochs in a row without
    improvement, training stops. With ``restore_best_weights``, the model gets back the weights of
    the best epoch when training ends, whether it stopped early or ran out of epochs.

    Args:
        monitor: a key of the epoch logs: "val_loss", "loss", "val_accuracy", ...
        patience: epochs without improvement tolerated, >= 1.
        min_delta: how much a change must beat the best by to count, >= 0.
        mode: "min", "max", or "auto" ("min" when the name contains "loss", "max" when it contains "acc").
        restore_best_weights: copy the model's weights at each new best, and load them at the end.

    After the run, ``best``, ``best_epoch`` (1-based), ``stopped_epoch`` and ``restored`` describe it.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = True,
    ):
        if patience < 1:
            raise ValueError(f"Invalid patience: {patience} (expected an int >= 1)")
        if min_delta < 0:
            raise ValueError(f"Invalid min_delta: {min_delta} (expected a value >= 0)")
        if mode == "auto":
            mode = "min" if "loss" in monitor else "max" if "acc" in monitor else None
            if mode is None:
                raise ValueError(f"cannot tell whether {monitor!r} should fall or rise: pass mode='min' or 'max'")
        if mode not in ("min", "max"):
            raise ValueError(f"Invalid mode: {mode!r} (expected 'min', 'max' or 'auto')")
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode
        self.restore_best_weights = restore_best_weights
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.restored = False

    def on_train_begin(self, state: TrainState) -> None:
        self._reset()

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, state: TrainState) -> None:
        value = _monitored(state, self.monitor, "EarlyStopping")
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights:
                self.best_weights = {k: v.numpy().copy() for k, v in state.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = state.epoch
            state.stop(
                f"early stopping after epoch {state.epoch}: {self.monitor} did not improve by more than "
                f"{self.min_delta} for {self.patience} epochs (best {self.best:.6g} at epoch {self.best_epoch})"
            )

    def on_train_end(self, state: TrainState) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            state.model.load_state_dict(self.best_weights)
            self.restored = True

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait, "best_weights": self.best_weights}

    def load_state_dict(self, state_dict: dict) -> None:
        self.best, self.best_epoch = float(state_dict["best"]), int(state_dict["best_epoch"])
        self.wait = int(state_dict["wait"])
        weights = state_dict["best_weights"]
        self.best_weights = None if weights is None else {k: np.array(v) for k, v in weights.items()}


class LRSchedule(Callback):
    """Step a learning-rate scheduler once per epoch (after validation) or once per iteration.

    Args:
        scheduler: e.g. ``glassnet.optim.lr_scheduler.StepLR(optimizer, step_size=10)``.
        interval: "epoch" or "iteration".
        monitor: for a scheduler that steps on a metric (``ReduceLROnPlateau``), the log key to
            pass it, e.g. "val_loss"; None for schedules that depend on the step count only.
    """

    def __init__(self, scheduler, interval: str = "epoch", monitor: str | None = None):
        if interval not in ("epoch", "iteration"):
            raise ValueError(f"Invalid interval: {interval!r} (expected 'epoch' or 'iteration')")
        if monitor is not None and interval != "epoch":
            raise ValueError("a monitored schedule steps once per epoch, after validation: use interval='epoch'")
        needs_metric = any(
            p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            for p in inspect.signature(scheduler.step).parameters.values()
        )
        if needs_metric and monitor is None:
            raise ValueError(f"{type(scheduler).__name__}.step() takes a metric: pass monitor= (e.g. 'val_loss')")
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor

    def on_batch_end(self, state: TrainState) -> None:
        if self.interval == "iteration":
            self.scheduler.step()

    def on_epoch_end(self, state: TrainState) -> None:
        if self.interval == "epoch":
            if self.monitor is None:
                self.scheduler.step()
            else:
                self.scheduler.step(_monitored(state, self.monitor, "LRSchedule"))

    def state_dict(self) -> dict:
        return {"scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state_dict: dict) -> None:
        self.scheduler.load_state_dict(state_dict["scheduler"])


class Checkpoint(Callback):
    """Save a resumable checkpoint every ``every_epochs`` epochs and/or every ``every_iterations`` steps.

    The file (see :mod:`glassnet.train.checkpoint`) holds the model, the optimizer, the states of the
    stateful callbacks (schedules, early stopping), the data loader's generator, glassnet's global
    generator, the counters, the history so far and the hyperparameters; ``fit(..., resume_from=path)``
    continues the run bit for bit. ``path`` may contain ``{epoch}`` and ``{iteration}`` to keep one file
    per save; otherwise each save atomically replaces the last. Paths written are listed in ``saved``.
    With neither interval given, it saves after every epoch.
    """

    order = 100

    def __init__(self, path: str | os.PathLike, every_epochs: int | None = None, every_iterations: int | None = None):
        for name, value in (("every_epochs", every_epochs), ("every_iterations", every_iterations)):
            if value is not None and value < 1:
                raise ValueError(f"Invalid {name}: {value} (expected an int >= 1 or None)")
        if every_epochs is None and every_iterations is None:
            every_epochs = 1
        self.path, self.every_epochs, self.every_iterations = str(path), every_epochs, every_iterations
        self.saved: list[Path] = []

    def save(self, state: TrainState) -> Path:
        path = Path(self.path.format(epoch=state.epoch, iteration=state.iteration))
        state.save_checkpoint(path)
        self.saved.append(path)
        return path

    def on_batch_end(self, state: TrainState) -> None:
        if self.every_iterations and state.iteration % self.every_iterations == 0:
            self.save(state)

    def on_epoch_end(self, state: TrainState) -> None:
        if self.every_epochs and state.epoch % self.every_epochs == 0:
            self.save(state)


class NonFiniteLossError(FloatingPointError):
    """Raised by ``NanGuard(raise_error=True)``; ``history`` holds the run up to the bad iteration."""

    def __init__(self, message: str, history=None):
        super().__init__(message)
        self.history = history


class NanGuard(Callback):
    """Stop at the first non-finite loss (nan or inf), keeping the last good weights.

    The loss is checked after the forward pass, before backward, so the step that would spread the
    nan into the weights is never taken: the model keeps the weights of the last step. If those
    weights are already non-finite (a finite loss with an overflowing gradient), they are replaced by
    a copy taken at the start of the epoch. ``history.stopped_reason`` names the iteration (1-based,
    counting optimizer steps), the epoch and the batch; the step is not counted in ``iterations``.

    Args:
        raise_error: raise :class:`NonFiniteLossError` after restoring, instead of returning the
            History normally.
    """

    def __init__(self, raise_error: bool = False):
        self.raise_error = raise_error
        self._snapshot = None
        self.triggered_at: int | None = None

    def on_epoch_begin(self, state: TrainState) -> None:
        self._snapshot = {k: v.numpy().copy() for k, v in state.model.state_dict().items()}

    def on_batch_loss(self, state: TrainState, loss: float) -> None:
        if math.isfinite(loss):
            return
        model = state.model
        if all(np.isfinite(p._data).all() for p in model.parameters()):
            kept = f"the weights after iteration {state.iteration}"
        else:
            model.load_state_dict(self._snapshot)
            kept = f"the weights from the start of epoch {state.epoch + 1} (later ones were not finite)"
        self.triggered_at = state.iteration + 1
        message = (
            f"non-finite loss ({loss}) at iteration {state.iteration + 1} "
            f"(epoch {state.epoch + 1}, batch {state.batch_in_epoch + 1}); stopped and kept {kept}"
        )
        state.stop(message)
        if self.raise_error:
            raise NonFiniteLossError(message, state.history)
