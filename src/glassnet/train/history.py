"""History: what a run measured, epoch by epoch and iteration by iteration, plus its hyperparameters."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class History:
    """The record :func:`~glassnet.train.fit` returns. Only Python numbers: no tensors, no graphs.

    Attributes:
        loss: mean training loss of each completed epoch, weighted by batch size (so with a
            ``reduction="mean"`` loss it is the average over the samples seen in that epoch).
        val_loss: validation loss after each epoch (empty without validation data).
        metrics: ``name -> per-epoch values``; training metrics under their own name (averaged over
            the epoch's batches, weighted by batch size), validation metrics as ``val_<name>``.
        lr: the first parameter group's learning rate at the start of each epoch.
        iteration_loss: the loss of every optimizer step, in order.
        epochs: completed epochs.
        iterations: optimizer steps taken.
        samples_seen: samples that went into those steps (counted once per epoch they were used).
        hparams: the run's hyperparameters (JSON-serialisable).
        stopped_reason: why training ended before ``epochs`` (None when it ran to the end).
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    iteration_loss: list[float] = field(default_factory=list)
    epochs: int = 0
    iterations: int = 0
    samples_seen: int = 0
    hparams: dict = field(default_factory=dict)
    stopped_reason: str | None = None

    def __getitem__(self, key: str) -> list[float]:
        """``history["val_loss"]`` or ``history["val_accuracy"]``: any per-epoch series by name."""
        if key in ("loss", "val_loss", "lr"):
            return getattr(self, key)
        if key in self.metrics:
            return self.metrics[key]
        raise KeyError(f"no series {key!r}; recorded: {['loss', 'val_loss', 'lr', *self.metrics]}")

    def to_dict(self) -> dict:
        """A plain dict of lists, numbers and strings (``json.dumps`` accepts it)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> History:
        return cls(**{k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()})

    def __repr__(self) -> str:
        last = {k: v[-1] for k, v in [("loss", self.loss), ("val_loss", self.val_loss), *self.metrics.items()] if v}
        shown = ", ".join(f"{k}={v:.4g}" for k, v in last.items())
        stop = f", stopped_reason={self.stopped_reason!r}" if self.stopped_reason else ""
        return (
            f"History(epochs={self.epochs}, iterations={self.iterations}, samples_seen={self.samples_seen}"
            f"{', ' + shown if shown else ''}{stop})"
        )
