"""The fit loop: forward, loss, backward, step, counted exactly, with callbacks, validation and resume.

``batch_size=None`` is full-batch gradient descent (one step per epoch), ``1`` is stochastic gradient
descent (one step per sample), ``k`` is mini-batch descent: ceil(N / k) steps per epoch, or
floor(N / k) with ``drop_last``, as PyTorch's DataLoader counts them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..data.loader import ArrayDataset, DataLoader, Dataset
from ..metrics import METRICS
from ..nn.inference import eval_mode
from ..nn.module import Module
from ..optim.optimizer import Optimizer
from ..tensor import Tensor
from . import checkpoint as ckpt
from .callbacks import Callback, _overrides
from .history import History
from .progress import make_display
from .summary import count_parameters

# hyperparameters that fix which samples make up each step: a resumed run must agree on them
_RESUME_MUST_MATCH = ("batch_size", "shuffle", "drop_last", "num_samples", "iterations_per_epoch")
# counters a fit checkpoint keeps besides epoch and iteration (with the epoch's running sums)
_PROGRESS_COUNTERS = ("samples_seen", "batch_in_epoch", "epoch_count")


class _FrozenState:
    """An object whose ``state_dict()`` returns a state captured earlier (the loader at the epoch's start)."""

    def __init__(self, state: dict):
        self._state = state

    def state_dict(self) -> dict:
        return self._state


class TrainState:
    """The live state of a run, handed to every callback hook.

    Attributes:
        model, loss_fn, optimizer: what is trained.
        loader, val_loader: the training DataLoader and the validation one (or None).
        history: the :class:`History` being filled.
        epochs: the epoch count asked for.
        epoch: completed epochs (during epoch e, counted from 1, it is e - 1).
        iteration: optimizer steps taken.
        samples_seen: samples used by those steps.
        batch_in_epoch: steps taken in the current epoch.
        batch_loss: the loss of the latest step.
        logs: the latest epoch's results: "loss", metrics, "val_loss", "val_<metric>", "lr".
        stop_training: set by :meth:`stop`; the loop ends at the next check.
    """

    def __init__(self, model, loss_fn, optimizer, loader, val_loader, metrics, callbacks, history, epochs):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.loader, self.val_loader = loader, val_loader
        self.metrics: dict[str, Callable] = metrics
        self.callbacks: list[Callback] = callbacks
        self.history: History = history
        self.epochs = epochs
        self.epoch = 0
        self.iteration = 0
        self.samples_seen = 0
        self.batch_in_epoch = 0
        self.batch_loss = math.nan
        self.logs: dict[str, float] = {}
        self.stop_training = False
        self.epoch_loss_sum = 0.0
        self.epoch_count = 0
        self.epoch_metric_sums = dict.fromkeys(metrics, 0.0)
        self.epoch_loader_state: dict | None = None
        self.epoch_lr = math.nan

    @property
    def hparams(self) -> dict:
        return self.history.hparams

    def stop(self, reason: str) -> None:
        """End training at the next check; the first reason given is kept in ``history.stopped_reason``."""
        self.stop_training = True
        if self.history.stopped_reason is None:
            self.history.stopped_reason = reason

    def _sync_history(self) -> None:
        h = self.history
        h.epochs, h.iterations, h.samples_seen = self.epoch, self.iteration, self.samples_seen

    def stateful_callbacks(self) -> dict:
        """Callbacks that keep state across epochs, by the names checkpoints store them under."""
        stateful = [cb for cb in self.callbacks if _overrides(cb, "state_dict")]
        return {f"callback.{i}.{type(cb).__name__}": cb for i, cb in enumerate(stateful)}

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self, path: str | os.PathLike):
        """Write a checkpoint from which ``fit(..., resume_from=path)`` continues this run bit for bit.

        Mid-epoch, the loader's state is the one from the start of the epoch: a resumed run draws the
        same permutation and skips the ``batch_in_epoch`` batches already used.
        """
        self._sync_history()
        loader = None
        if hasattr(self.loader, "state_dict"):
            loader = _FrozenState(self.epoch_loader_state) if self.batch_in_epoch else self.loader
        history = self.history.to_dict()
        del history["hparams"]  # stored once, as the checkpoint's own hparams
        progress = {
            "samples_seen": self.samples_seen,
            "batch_in_epoch": self.batch_in_epoch,
            "epoch_loss_sum": self.epoch_loss_sum,
            "epoch_count": self.epoch_count,
            "epoch_metric_sums": self.epoch_metric_sums,
            "epoch_lr": self.epoch_lr,
            "history": history,
        }
        return ckpt.save_checkpoint(
            path,
            self.model,
            self.optimizer,
            loader=loader,
            epoch=self.epoch,
            iteration=self.iteration,
            hparams=self.history.hparams,
            extra={"fit": progress},
            objects=self.stateful_callbacks(),
        )

    def resume(self, path: str | os.PathLike) -> None:
        """Load a checkpoint written by :meth:`save_checkpoint` and continue from its counters.

        The whole file is read and checked before anything changes: a refused one leaves the run as it was.
        """
        info = ckpt.read_checkpoint(path)
        progress = _fit_progress(path, info)
        saved, own = info["hparams"], self.history.hparams
        differ = [
            f"{k}: checkpoint {saved.get(k)!r}, now {own.get(k)!r}"
            for k in _RESUME_MUST_MATCH
            if saved.get(k) != own.get(k)
        ]
        if differ:
            raise ValueError(f"cannot resume from {path}: the run differs in " + "; ".join(differ))
        if set(progress["epoch_metric_sums"]) != set(self.metrics):
            raise ValueError(
                f"cannot resume from {path}: it tracked metrics {sorted(progress['epoch_metric_sums'])}, "
                f"this run {sorted(self.metrics)}"
            )
        loader = self.loader if hasattr(self.loader, "state_dict") else None
        ckpt.load_checkpoint(path, self.model, self.optimizer, loader=loader, objects=self.stateful_callbacks())
        self.epoch, self.iteration = progress["epoch"], progress["iteration"]
        self.samples_seen, self.batch_in_epoch = progress["samples_seen"], progress["batch_in_epoch"]
        self.epoch_loss_sum, self.epoch_count = progress["epoch_loss_sum"], progress["epoch_count"]
        self.epoch_metric_sums = progress["epoch_metric_sums"]
        self.epoch_lr = progress["epoch_lr"]
        history = progress["history"]
        history.hparams, history.stopped_reason = self.history.hparams, None
        self.history.__dict__.update(history.__dict__)
        self._sync_history()


def _fit_progress(path, info: dict) -> dict:
    """The counters, running sums and History a fit checkpoint holds, all read before anything is restored."""
    extra = info["extra"]
    if not isinstance(extra, dict) or "fit" not in extra:
        raise ckpt.CheckpointError(f"{path} was not written by fit (no training progress): use load_checkpoint")
    progress = extra["fit"]
    try:
        fields = {
            "epoch": info["epoch"],
            "iteration": info["iteration"],
            **{key: progress[key] for key in (*_PROGRESS_COUNTERS, "epoch_loss_sum", "epoch_lr")},
            "epoch_metric_sums": dict(progress["epoch_metric_sums"]),
            "history": History.from_dict(progress["history"]),
        }
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ckpt.CheckpointError(f"{path}: malformed training progress ({type(err).__name__}: {err})") from err
    counters = ("epoch", "iteration", *_PROGRESS_COUNTERS)
    wrong = [f"{k}={fields[k]!r}" for k in counters if type(fields[k]) is not int or fields[k] < 0]
    if wrong:
        raise ckpt.CheckpointError(f"{path}: malformed training progress: {', '.join(wrong)} (expected ints >= 0)")
    return fields


# ---------------------------------------------------------------------------------------------- internals
def _as_loader(data, batch_size, shuffle: bool, drop_last: bool, rng) -> DataLoader:
    """A DataLoader as given, or one over a Dataset or a tuple of arrays (X, y); ``batch_size=None`` is full batch."""
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (np.ndarray, Tensor)):
        data = (data,)
    if isinstance(data, (tuple, list)):
        data = ArrayDataset(*data)
    if not isinstance(data, Dataset):
        raise TypeError(f"expected a tuple of arrays (X, y), a Dataset or a DataLoader, got {type(data).__name__}")
    if batch_size is None:  # full batch; PyTorch's DataLoader reads None as "no batching"
        batch_size = max(len(data), 1)
    loader = DataLoader(data, batch_size=batch_size, shuffle=False, drop_last=drop_last)
    # One batch holding every sample is full-batch descent: shuffling it only reorders a sum.
    if shuffle and len(loader) > 1:
        loader = DataLoader(data, batch_size=batch_size, shuffle=True, drop_last=drop_last, rng=rng())
    return loader


def _resolve_metrics(metrics) -> dict[str, Callable]:
    if metrics is None:
        return {}
    if isinstance(metrics, Mapping):
        resolved = dict(metrics)
    else:
        resolved = {}
        for m in metrics:
            if isinstance(m, str):
                if m not in METRICS:
                    raise ValueError(f"unknown metric {m!r}; named metrics: {sorted(METRICS)} (or pass a callable)")
                resolved[m] = METRICS[m]
            else:
                resolved[getattr(m, "__name__", type(m).__name__)] = m
    for name in resolved:
        if name in ("loss", "lr") or name.startswith("val_"):
            raise ValueError(f"metric name {name!r} is taken by the logs ('loss', 'lr', 'val_*'): choose another")
    return resolved


def _jsonable(value):
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _split(batch: tuple) -> tuple[tuple, Tensor]:
    """(x, y) -> model(x) vs y; (x1, ..., xk, y) -> model(x1, ..., xk) vs y; (x,) -> model(x) vs x."""
    return (batch, batch[0]) if len(batch) == 1 else (batch[:-1], batch[-1])


def _numpy(x):
    return x._data if isinstance(x, Tensor) else x


def collect_hparams(
    model: Module,
    optimizer: Optimizer,
    loss_fn,
    loader: DataLoader,
    epochs: int,
    seed: int | None,
    extra: Mapping | None = None,
) -> dict:
    """The run's hyperparameters as a JSON-serialisable dict: what is chosen, not what is learned.

    Keys: ``model`` (class, repr, parameter counts), ``optimizer`` (class and the hyperparameters
    of its parameter groups), ``loss``, ``batch_size`` (the loader's: N for full batch), ``epochs``, ``seed``,
    ``shuffle``, ``drop_last``, ``num_samples``, ``iterations_per_epoch``, plus ``extra``.
    """
    groups = [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
    opt = {"class": type(optimizer).__name__, **groups[0]}
    if len(groups) > 1:
        opt["param_groups"] = groups
    record = {
        "model": {
            "class": type(model).__name__,
            "repr": repr(model),
            "parameters": count_parameters(model),
            "trainable_parameters": count_parameters(model, trainable=True),
        },
        "optimizer": opt,
        "loss": repr(loss_fn) if isinstance(loss_fn, Module) else getattr(loss_fn, "__name__", repr(loss_fn)),
        "batch_size": loader.batch_size,
        "epochs": epochs,
        "seed": seed,
        "shuffle": loader.shuffle,
        "drop_last": loader.drop_last,
        "num_samples": loader.num_samples,
        "iterations_per_epoch": len(loader),
    }
    clash = sorted(set(record) & set(extra or {}))
    if clash:
        raise ValueError(f"hparams {clash} are recorded by fit itself; give your own entries other names")
    return _jsonable({**record, **(extra or {})})


@no_grad()
def evaluate(model: Module, loss_fn, data, metrics=None, batch_size: int | None = 1024) -> dict[str, float]:
    """Mean loss and metrics over ``data`` in eval mode without recording a graph.

    ``data``: a tuple of arrays, a Dataset or a DataLoader. Batch results are weighted by batch size,
    so the result does not depend on ``batch_size`` beyond rounding. Restores each module's mode.
    Returns ``{"loss": ..., <metric name>: ...}``.
    """
    loader = _as_loader(data, batch_size, False, False, None)
    metrics = _resolve_metrics(metrics)
    loss_sum, count, sums = 0.0, 0, dict.fromkeys(metrics, 0.0)
    with eval_mode(model):
        for batch in loader:
            inputs, target = _split(batch)
            output = model(*inputs)
            n = len(inputs[0])
            loss_sum += loss_fn(output, target).item() * n
            count += n
            for name, fn in metrics.items():
                sums[name] += fn(_numpy(output), _numpy(target)) * n
    if count == 0:
        raise ValueError("evaluate got no samples")
    return {"loss": loss_sum / count, **{name: total / count for name, total in sums.items()}}


def _train_epoch(state: TrainState, loss_hooks: list, batch_hooks: list, display) -> bool:
    """One pass over the loader; False if a callback stopped it part-way."""
    model, loss_fn, optimizer, metrics = state.model, state.loss_fn, state.optimizer, state.metrics
    iteration_loss = state.history.iteration_loss
    show = display.batch if display is not None else None
    model.train()
    batches = iter(state.loader)
    for _ in range(state.batch_in_epoch):  # resuming part-way: the same permutation, minus the batches used
        next(batches)
    for batch in batches:
        inputs, target = _split(batch)
        output = model(*inputs)
        loss = loss_fn(output, target)
        value = loss.item()
        n = len(inputs[0])
        for hook in loss_hooks:
            hook(state, value)
        if state.stop_training:
            return False
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state.iteration += 1
        state.samples_seen += n
        state.batch_in_epoch += 1
        state.batch_loss = value
        iteration_loss.append(value)
        state.epoch_loss_sum += value * n
        state.epoch_count += n
        if metrics:
            sums, out, tgt = state.epoch_metric_sums, _numpy(output), _numpy(target)
            for name, fn in metrics.items():
                sums[name] += fn(out, tgt) * n
        for hook in batch_hooks:
            hook(state)
        if show is not None:
            show(state, value)
        if state.stop_training:
            return False
    return True


def _end_epoch(state: TrainState, val_batch_size) -> None:
    count = state.epoch_count
    logs = {"loss": state.epoch_loss_sum / count}
    logs.update({name: total / count for name, total in state.epoch_metric_sums.items()})
    if state.val_loader is not None:
        val = evaluate(state.model, state.loss_fn, state.val_loader, state.metrics, val_batch_size)
        logs.update({f"val_{k}": v for k, v in val.items()})
    logs["lr"] = state.epoch_lr
    h = state.history
    h.loss.append(logs["loss"])
    if "val_loss" in logs:
        h.val_loss.append(logs["val_loss"])
    for key, value in logs.items():
        if key not in ("loss", "val_loss", "lr"):
            h.metrics.setdefault(key, []).append(value)
    h.lr.append(logs["lr"])
    state.epoch += 1
    state.batch_in_epoch = 0
    state.epoch_loss_sum, state.epoch_count = 0.0, 0
    state.epoch_metric_sums = dict.fromkeys(state.metrics, 0.0)
    state.logs = logs
    state._sync_history()


# ---------------------------------------------------------------------------------------------- fit
def fit(
    model: Module,
    loss_fn: Callable,
    optimizer: Optimizer,
    train_data,
    epochs: int = 1,
    batch_size: int | None = 32,
    *,
    val_data=None,
    metrics: Mapping[str, Callable] | Sequence | None = None,
    callbacks: Sequence[Callback] = (),
    shuffle: bool = True,
    drop_last: bool = False,
    seed: int | None = None,
    verbose: int = 1,
    hparams: Mapping | None = None,
    resume_from: str | os.PathLike | None = None,
    val_batch_size: int | None = 1024,
) -> History:
    """Train ``model`` by minimising ``loss_fn(model(x), y)`` with ``optimizer``; return a :class:`History`.

    Each step: forward, loss, ``optimizer.zero_grad()``, backward, ``optimizer.step()``. The model is
    in ``train()`` mode for training and in ``eval()`` mode, without a graph, for validation.

    Args:
        model: the module to train.
        loss_fn: ``loss_fn(output, target) -> scalar Tensor`` (e.g. ``nn.CrossEntropyLoss()``).
        optimizer: an optimizer over the model's parameters.
        train_data: ``(X, y)`` arrays, ``(X1, ..., Xk, y)`` for a model with k inputs, ``X`` alone
            (the target is then the input, as for an autoencoder), a Dataset or a DataLoader.
            A DataLoader is used as given: its own batch size, shuffling and drop_last apply.
        epochs: passes over the training data (in total: a resumed run continues up to it).
        batch_size: None (full batch: one step per epoch), 1 (stochastic), or k (mini-batch).
        val_data: evaluated after every epoch (same forms as ``train_data``), giving ``val_loss``
            and ``val_<metric>``.
        metrics: ``{"name": fn(output, target) -> float}`` on NumPy arrays, or a list of callables
            and names ("accuracy"). Training values are averaged over each epoch's batches.
        callbacks: :class:`Callback` objects (EarlyStopping, LRSchedule, Checkpoint, NanGuard, ...).
        shuffle: draw a new sample order every epoch (ignored for one full batch).
        drop_last: drop an incomplete last batch, as PyTorch's DataLoader.
        seed: reseeds glassnet's global generator (dropout, ...) with ``manual_seed(seed)`` and the
            shuffling generator from the same seed. None: shuffling is seeded from the global generator.
        verbose: 0 silent, 1 a progress bar on a terminal and one line per epoch otherwise, 2 lines.
        hparams: your own hyperparameters to record (architecture choices, ...), JSON-serialisable.
        resume_from: a checkpoint written by :class:`Checkpoint`; model, optimizer, callbacks, data
            order, random state, counters and history continue from it, bit for bit. (A DataLoader
            passed as ``train_data`` needs its own ``rng`` for that, if it shuffles: one that shares
            the global generator cannot be rewound to the start of an interrupted epoch.)
        val_batch_size: batch size for validation (memory only; results are batch-weighted means).

    Returns the :class:`History` (counters, per-epoch and per-iteration losses, metrics, hparams).
    """
    if seed is not None:
        backend.manual_seed(seed)

        def shuffle_rng():
            return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    else:

        def shuffle_rng():
            return np.random.default_rng(int(backend.default_rng().integers(2**63)))

    loader = _as_loader(train_data, batch_size, shuffle, drop_last, shuffle_rng)
    if len(loader) == 0:
        raise ValueError(
            f"no batches per epoch: {loader.num_samples} samples, batch_size={loader.batch_size}, "
            f"drop_last={loader.drop_last}"
        )
    val_loader = None if val_data is None else _as_loader(val_data, val_batch_size, False, False, None)
    metric_fns = _resolve_metrics(metrics)
    callbacks = sorted(callbacks, key=lambda cb: cb.order)
    history = History(hparams=collect_hparams(model, optimizer, loss_fn, loader, epochs, seed, hparams))
    state = TrainState(model, loss_fn, optimizer, loader, val_loader, metric_fns, callbacks, history, epochs)
    loss_hooks = [cb.on_batch_loss for cb in callbacks if _overrides(cb, "on_batch_loss")]
    batch_hooks = [cb.on_batch_end for cb in callbacks if _overrides(cb, "on_batch_end")]

    for cb in callbacks:
        cb.on_train_begin(state)
    if resume_from is not None:
        state.resume(resume_from)
    display = make_display(verbose)
    try:
        if display is not None:
            display.train_begin(state)
        while state.epoch < epochs and not state.stop_training:
            state.epoch_loader_state = loader.state_dict() if hasattr(loader, "state_dict") else None
            if state.batch_in_epoch == 0:  # not resuming part-way through
                state.epoch_lr = optimizer.param_groups[0]["lr"]
            for cb in callbacks:
                cb.on_epoch_begin(state)
            if display is not None:
                display.epoch_begin(state)
            if not _train_epoch(state, loss_hooks, batch_hooks, display):
                break
            _end_epoch(state, val_batch_size)
            for cb in callbacks:
                cb.on_epoch_end(state)
            if display is not None:
                display.epoch_end(state)
    finally:
        state._sync_history()
        if display is not None:
            display.close(state)
    for cb in callbacks:
        cb.on_train_end(state)
    return history
