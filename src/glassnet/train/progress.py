"""What fit prints: a rich progress bar on a terminal, one plain line per epoch elsewhere, nothing at verbose=0."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .loop import TrainState


def epoch_line(state: TrainState, seconds: float) -> str:
    """``epoch 3/10  iter 15  samples 3000  loss 0.1234  accuracy 0.9500  val_loss ...  lr 0.1  0.4s``."""
    parts = [
        f"epoch {state.epoch}/{state.epochs}",
        f"iter {state.iteration}",
        f"samples {state.samples_seen}",
    ]
    parts += [f"{k} {v:.4g}" if k == "lr" else f"{k} {v:.4f}" for k, v in state.logs.items()]
    parts.append(f"{seconds:.1f}s")
    return "  ".join(parts)


def _running(state: TrainState) -> str:
    """The epoch's running mean loss and metrics so far."""
    count = state.epoch_count or 1
    text = f"loss {state.epoch_loss_sum / count:.4f}"
    for name, total in state.epoch_metric_sums.items():
        text += f"  {name} {total / count:.4f}"
    return text


class LineDisplay:
    """One line per epoch, for logs and pipes (output that is not a terminal)."""

    def __init__(self, stream=None):
        self.stream = stream
        self._start = time.perf_counter()

    def train_begin(self, state: TrainState) -> None:
        pass

    def epoch_begin(self, state: TrainState) -> None:
        self._start = time.perf_counter()

    batch = None  # nothing per iteration

    def epoch_end(self, state: TrainState) -> None:
        print(epoch_line(state, time.perf_counter() - self._start), file=self.stream or sys.stdout, flush=True)

    def close(self, state: TrainState) -> None:
        if state.history.stopped_reason:
            print(f"stopped: {state.history.stopped_reason}", file=self.stream or sys.stdout, flush=True)


class RichDisplay:
    """A live bar for the current epoch (epoch, batch M/N, iteration, running loss and metrics, time),
    leaving one summary line per finished epoch above it. Field updates are throttled to ~10 per second,
    so an iteration costs a clock read."""

    def __init__(self, console=None, refresh_s: float = 0.1):
        from rich.console import Console

        self.console = console or Console()
        self.refresh_s = refresh_s
        self.progress = None
        self._task = None
        self._last = 0.0
        self._start = time.perf_counter()

    def train_begin(self, state: TrainState) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("epoch {task.fields[epoch]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("iter {task.fields[iteration]}"),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.progress.start()
        self._task = self.progress.add_task("train", total=None, epoch="", iteration=state.iteration, status="")

    def epoch_begin(self, state: TrainState) -> None:
        self._start = time.perf_counter()
        self.progress.reset(
            self._task,
            total=len(state.loader),
            completed=state.batch_in_epoch,
            epoch=f"{state.epoch + 1}/{state.epochs}",
            iteration=state.iteration,
            status="",
        )

    def batch(self, state: TrainState, loss: float) -> None:
        now = time.perf_counter()
        if now - self._last >= self.refresh_s:
            self._last = now
            self.progress.update(
                self._task, completed=state.batch_in_epoch, iteration=state.iteration, status=_running(state)
            )

    def epoch_end(self, state: TrainState) -> None:
        self.progress.update(self._task, completed=len(state.loader), iteration=state.iteration, status="")
        self.progress.console.print(epoch_line(state, time.perf_counter() - self._start), highlight=False, markup=False)

    def close(self, state: TrainState) -> None:
        if self.progress is not None:
            self.progress.stop()
        if state.history.stopped_reason:
            self.console.print(f"stopped: {state.history.stopped_reason}", highlight=False, markup=False)


def make_display(verbose: int):
    """verbose=0: None; 1: a rich bar on a terminal, else lines; 2: lines always."""
    if verbose not in (0, 1, 2):
        raise ValueError(f"Invalid verbose: {verbose!r} (expected 0, 1 or 2)")
    if verbose == 0:
        return None
    if verbose == 1 and _stdout_is_terminal():
        return RichDisplay()
    return LineDisplay()


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stdout
        return False
