"""Truncated backpropagation through time: long sequences trained in chunks of k steps.

The recurrent state is carried from one chunk to the next but *detached*, so gradients never cross a
chunk boundary: memory and work per update grow with k, not with the sequence length. With k >= T there
is a single chunk, which is exactly full BPTT.

The model is called as ``model(x_chunk, state) -> (y_chunk, state)``, the manner of ``nn.RNN``,
``nn.LSTM`` and ``nn.GRU`` (whose state is h, or (h, c) for the LSTM); ``state=None`` starts from zeros.

Reference: Williams & Peng, "An efficient gradient-based algorithm for on-line training of recurrent
network trajectories", Neural Computation, 1990 (TBPTT(k, k): update every k steps, backpropagate k steps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import backend
from ..tensor import Tensor
from .history import History


@dataclass
class TBPTTResult:
    """What :func:`tbptt_step` did to one batch of sequences.

    Attributes:
        loss: the loss over the whole sequence: the chunk losses weighted by their share of the steps.
        chunk_losses: each chunk's own loss, in order.
        state: the state after the last step, detached: pass it back in to continue the same streams.
        steps: optimizer steps taken.
    """

    loss: float
    chunk_losses: list[float] = field(default_factory=list)
    state: object = None
    steps: int = 0


def detach_state(state):
    """The state with every tensor detached (tuples and lists kept): the cut between two chunks."""
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    return state


def _time_slice(data, start: int, stop: int, time_axis: int):
    index = (slice(None),) * time_axis + (slice(start, stop),)
    return data[index]


def tbptt_step(
    model: Callable,
    loss_fn: Callable,
    optimizer,
    inputs,
    targets,
    k: int,
    state=None,
    *,
    time_axis: int = 1,
    update_every_chunk: bool = True,
) -> TBPTTResult:
    """Train on one batch of long sequences by truncated BPTT with chunks of ``k`` steps.

    For each chunk c = [s, s + k) of the time axis:  y, state = model(x_c, state);  loss_c = loss_fn(y, t_c);
    backward from loss_c;  state = detach(state). Then, depending on ``update_every_chunk``:

    - True (TBPTT(k, k)): ``zero_grad`` before and ``step`` after every chunk: T / k updates per sequence.
    - False: the gradients of all chunks accumulate, each chunk's loss weighted by len(c) / T so that they
      add up to the gradient of the sequence's mean loss with the paths across chunk boundaries cut; one
      ``step`` at the end. With k >= T this is exactly the full-BPTT gradient.

    ``optimizer=None`` takes no step and zeroes nothing: the chunks' gradients accumulate as with
    ``update_every_chunk=False`` and the truncated gradient is left in each parameter's ``.grad`` (added to
    what was there), for inspection.

    Args:
        model: ``model(x_chunk, state) -> (output, state)``.
        loss_fn: ``loss_fn(output, target_chunk) -> scalar Tensor``, a mean over the chunk's steps.
        optimizer: an optimizer over the model's parameters, or None.
        inputs: (B, T, ...) with ``time_axis=1`` (batch first, the default), (T, B, ...) with ``time_axis=0``.
        targets: sliced along the same time axis as ``inputs``.
        k: chunk length (steps per truncated backward pass), k >= 1.
        state: the initial state (None for zeros), e.g. the ``state`` of a previous result to continue a stream.

    Returns a :class:`TBPTTResult` with the sequence loss, the chunk losses and the final (detached) state.
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k (steps per chunk) must be a positive integer, got {k!r}")
    steps = inputs.shape[time_axis]
    if targets.shape[time_axis] != steps:
        raise ValueError(f"inputs have {steps} steps but targets {targets.shape[time_axis]} along axis {time_axis}")
    starts = range(0, steps, k)
    accumulate = optimizer is None or not update_every_chunk
    if accumulate and optimizer is not None:
        optimizer.zero_grad()
    state = detach_state(state)
    result = TBPTTResult(loss=0.0)
    for start in starts:
        stop = min(start + k, steps)
        if not accumulate:
            optimizer.zero_grad()
        output, state = model(_time_slice(inputs, start, stop, time_axis), state)
        loss = loss_fn(output, _time_slice(targets, start, stop, time_axis))
        share = (stop - start) / steps
        (loss * share if accumulate and len(starts) > 1 else loss).backward()
        state = detach_state(state)  # the truncation: no gradient flows into earlier chunks
        value = loss.item()
        result.chunk_losses.append(value)
        result.loss += value * share
        if not accumulate:
            optimizer.step()
            result.steps += 1
    if accumulate and optimizer is not None:
        optimizer.step()
        result.steps += 1
    result.state = state
    return result


def fit_tbptt(
    model,
    loss_fn: Callable,
    optimizer,
    inputs,
    targets,
    k: int,
    epochs: int = 1,
    batch_size: int | None = None,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    time_axis: int = 1,
    update_every_chunk: bool = True,
) -> History:
    """Train on a set of long sequences by truncated BPTT, ``epochs`` passes, mini-batches of sequences.

    Every batch starts from a zero state and is trained by :func:`tbptt_step` with chunks of ``k`` steps.
    ``inputs`` and ``targets`` are arrays or tensors with the sequences along axis 0 (batch first) and time
    along ``time_axis``; ``batch_size=None`` uses all sequences at once. ``seed`` fixes the shuffling.

    Returns a :class:`~glassnet.train.History`: ``loss`` per epoch (sequence losses averaged over the
    sequences), ``iteration_loss`` per optimizer step (chunk losses, or sequence losses when the update
    comes once per sequence), and the counters.
    """
    if time_axis != 1 and batch_size is not None:
        raise ValueError("mini-batches need the sequences along axis 0 and time along axis 1 (time_axis=1)")
    data_x = inputs._data if isinstance(inputs, Tensor) else np.asarray(inputs)
    data_y = targets._data if isinstance(targets, Tensor) else np.asarray(targets)
    count = data_x.shape[0 if time_axis == 1 else 1]
    size = count if batch_size is None else batch_size
    rng = np.random.default_rng(seed) if seed is not None else backend.default_rng()
    history = History(hparams={"k": int(k), "batch_size": batch_size, "epochs": epochs})
    model.train()
    for _ in range(epochs):
        order = rng.permutation(count) if shuffle and size < count else np.arange(count)
        total = 0.0
        for first in range(0, count, size):
            rows = order[first : first + size]
            x = Tensor(data_x[rows] if time_axis == 1 else data_x)
            y = data_y[rows] if time_axis == 1 else data_y
            result = tbptt_step(model, loss_fn, optimizer, x, y, k, time_axis=time_axis,
                                update_every_chunk=update_every_chunk)  # fmt: skip
            total += result.loss * len(rows)
            history.iteration_loss.extend(result.chunk_losses if update_every_chunk else [result.loss])
            history.iterations += result.steps
            history.samples_seen += len(rows)
        history.loss.append(total / count)
        history.epochs += 1
    return history
