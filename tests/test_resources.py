"""Resource bounds: memory stays flat across training iterations.

tracemalloc sees every Python object and, through NumPy's allocator hooks, every array buffer. Each run
takes 200 iterations and compares the traced memory after iteration 200 with that after iteration 20 (by
then caches and free lists have warmed up). One iteration's graph is about 1 MiB here, so a graph kept
alive per step (by History, a metric, a hook or a schedule) would add some 180 MiB; what does grow is
one float per step and layer in the records (about 0.1 MiB), hence the bound of 1 MiB.
"""

import os
import platform
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet import nn
from glassnet.diagnostics import ActivationStats, GradientFlow
from glassnet.optim import SGD
from glassnet.optim.adam import Adam
from glassnet.optim.lr_scheduler import CosineAnnealingLR
from glassnet.train import Callback, LRSchedule, NanGuard, fit, tbptt_step

MiB = 2**20
ITERATIONS, WARM = 200, 20
BOUND = 1 * MiB


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small matrices on a shared machine: one BLAS thread is faster, and memory does not depend on it."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def traced_growth(train) -> int:
    """Bytes traced after iteration 200 minus after iteration 20; ``train(sample)`` calls ``sample(i)`` per step."""
    memory = {}

    def sample(iteration: int) -> None:
        if iteration in (WARM, ITERATIONS):
            memory[iteration] = tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        train(sample)
    finally:
        tracemalloc.stop()
    return memory[ITERATIONS] - memory[WARM]


def graph_bytes(forward) -> int:
    """Bytes a graph holds while alive: what one leaked iteration would cost."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss = forward()
        held = tracemalloc.get_traced_memory()[0] - base
        del loss
    finally:
        tracemalloc.stop()
    return held


def classification(n=2560, features=64, classes=10):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, features)).astype(np.float32), rng.integers(0, classes, n)


def mlp():
    gn.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


class Sampler(Callback):
    def __init__(self, sample):
        self.sample = sample

    def on_batch_end(self, state):
        self.sample(state.iteration)


def test_fit_with_history_metric_hooks_and_schedule_keeps_memory_flat():
    X, y = classification()  # batch 256: 10 steps per epoch, 20 epochs
    model, loss_fn = mlp(), nn.CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
    assert graph_bytes(lambda: loss_fn(model(gn.tensor(X[:256])), gn.tensor(y[:256]))) > BOUND
    runs = []

    def train(sample):
        with GradientFlow(model, track_outputs=True) as flow, ActivationStats(model) as stats:
            schedule = LRSchedule(CosineAnnealingLR(optimizer, T_max=ITERATIONS), interval="iteration")
            callbacks = [schedule, NanGuard(), Sampler(sample)]
            history = fit(
                model, loss_fn, optimizer, (X, y), 20, 256, metrics=["accuracy"], callbacks=callbacks, verbose=0, seed=0
            )
        runs.append((history, flow, stats))

    grown = traced_growth(train)
    ((history, flow, stats),) = runs
    assert history.iterations == ITERATIONS and len(flow.norms["0.weight"]) == ITERATIONS
    assert len(stats.means["1"]) == ITERATIONS and len(history.metrics["accuracy"]) == 20
    assert grown < BOUND, f"{grown / MiB:.2f} MiB more after iteration {ITERATIONS} than after {WARM}"


class SequenceRegressor(nn.Module):
    """An LSTM and a linear read-out at every step: ``(x, state) -> (y, state)``, as tbptt_step calls it."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 64, batch_first=True)
        self.head = nn.Linear(64, 1)

    def forward(self, x, state=None):
        output, state = self.lstm(x, state)
        return self.head(output), state


def test_a_recurrent_model_carrying_its_state_across_steps_keeps_memory_flat():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 20, 4)).astype(np.float32)
    y = x.sum(axis=2, keepdims=True).cumsum(axis=1) / 10  # running sums: the state matters
    gn.manual_seed(0)
    model, loss_fn = SequenceRegressor(), nn.MSELoss()
    optimizer = Adam(model.parameters(), lr=1e-3)
    assert graph_bytes(lambda: loss_fn(model(gn.tensor(x[:, :10]))[0], gn.tensor(y[:, :10]))) > MiB / 4
    losses = []

    def train(sample):
        state = None  # one stream of sequences: each step continues from the last (detached) state
        for step in range(1, ITERATIONS + 1):
            result = tbptt_step(model, loss_fn, optimizer, gn.tensor(x), gn.tensor(y), k=10, state=state)
            state = result.state
            losses.append(result.loss)
            sample(step)

    grown = traced_growth(train)
    assert losses[-1] < losses[0]
    assert grown < BOUND, f"{grown / MiB:.2f} MiB more after step {ITERATIONS} than after {WARM}"


def manual_loop(keep):
    """Plain forward, backward, step on one batch; ``keep(loss)`` is what the loop holds on to."""
    X, y = classification(n=256)
    x, target = gn.tensor(X), gn.tensor(y)
    model, loss_fn = mlp(), nn.CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.05)

    def train(sample):
        for step in range(1, ITERATIONS + 1):
            loss = loss_fn(model(x), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            keep(loss)
            sample(step)

    return train


def test_a_manual_loop_that_keeps_loss_item_keeps_memory_flat():
    values = []
    grown = traced_growth(manual_loop(lambda loss: values.append(loss.item())))
    assert len(values) == ITERATIONS and values[-1] < values[0]
    assert grown < BOUND, f"{grown / MiB:.2f} MiB more after step {ITERATIONS} than after {WARM}"


def test_a_manual_loop_that_keeps_the_loss_tensor_after_backward_keeps_memory_flat():
    """backward() frees each node's inputs as well as its saved arrays, so a kept loss holds no activations."""
    kept = []
    grown = traced_growth(manual_loop(kept.append))
    assert len(kept) == ITERATIONS
    assert grown < BOUND, f"{grown / MiB:.2f} MiB more after step {ITERATIONS} than after {WARM}"


def test_the_measurement_sees_graphs_kept_alive():
    """The control: a loop keeping every tenth step's graph (forward only: nothing frees it) is far above the bound."""
    X, y = classification(n=256)
    x, target = gn.tensor(X), gn.tensor(y)
    model, loss_fn = mlp(), nn.CrossEntropyLoss()
    kept = []

    def train(sample):
        for step in range(1, ITERATIONS + 1):
            loss = loss_fn(model(x), target)
            if step % 10 == 0:
                kept.append(loss)
            sample(step)

    grown = traced_growth(train)
    assert grown > 10 * BOUND, f"only {grown / MiB:.2f} MiB for 18 more graphs kept alive"


def _kept_in_a_fresh_process(**env) -> str:
    """FREED_MEMORY_KEPT as a plain ``import glassnet`` leaves it, in a new process with ``env`` added."""
    code = "import glassnet; from glassnet.ops import buffers; print(buffers.FREED_MEMORY_KEPT)"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLASSNET_KEEP_FREED_MEMORY"}
    run = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True)
    return run.stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the allocator settings are glibc's")
def test_import_keeps_freed_memory_unless_the_user_chose():
    assert _kept_in_a_fresh_process() == "True"
    assert _kept_in_a_fresh_process(GLASSNET_KEEP_FREED_MEMORY="0") == "False"
    assert _kept_in_a_fresh_process(MALLOC_TRIM_THRESHOLD_="1000000") == "False"
