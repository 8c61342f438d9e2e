"""Crash safety: a run killed with SIGKILL resumes from its last checkpoint to the very same weights.

Training runs in child processes (the kill must be real), on the 8x8 digits, with shuffling, dropout,
SGD momentum and a per-iteration step schedule, so that a resume which lost any random or optimizer
state would drift. Checkpoints are written every few iterations, mid-epoch ones included. A failing
write (a real file-size limit, as on a full disk) and a death in the middle of a write leave the
previous checkpoint byte for byte.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import safetensors.numpy

import glassnet as gn
from glassnet import nn
from glassnet.data import Standardizer, load_digits
from glassnet.optim import SGD
from glassnet.train import load_checkpoint, read_checkpoint, save_checkpoint

SAMPLES, BATCH, EPOCHS, EVERY = 480, 32, 4, 4  # 15 steps per epoch, 60 in all; a checkpoint every 4 steps
TOTAL = EPOCHS * SAMPLES // BATCH

# One training run. argv: data.npz checkpoint weights-out history-out init-seed resume|fresh lockstep|free.
# With "lockstep" it prints each finished step and waits for a line on stdin before going on, so the parent
# knows where the child is when it kills it.
TRAIN = f"""
import json, sys
import glassnet as gn
from glassnet import nn
from glassnet.data import load_npz
from glassnet.optim import SGD
from glassnet.optim.lr_scheduler import StepLR
from glassnet.train import Callback, Checkpoint, LRSchedule, fit, save_weights

data, checkpoint, weights_out, history_out, init_seed, mode, pace = sys.argv[1:]


class Lockstep(Callback):
    order = 0  # before Checkpoint (100): the parent hears of step k before its checkpoint is written

    def on_batch_end(self, state):
        print(state.iteration, flush=True)
        sys.stdin.readline()


X, y = load_npz(data)
gn.manual_seed(int(init_seed))
model = nn.Sequential(nn.Linear(64, 48), nn.ReLU(), nn.Dropout(0.2), nn.Linear(48, 10))
optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
callbacks = [LRSchedule(StepLR(optimizer, step_size=25, gamma=0.5), interval="iteration"),
             Checkpoint(checkpoint, every_iterations={EVERY})]
if pace == "lockstep":
    callbacks.append(Lockstep())
history = fit(model, nn.CrossEntropyLoss(), optimizer, (X, y), epochs={EPOCHS}, batch_size={BATCH}, seed=3,
              verbose=0, callbacks=callbacks, resume_from=checkpoint if mode == "resume" else None)
save_weights(weights_out, model)
with open(history_out, "w") as f:
    json.dump(history.to_dict(), f)
"""

# Children run single-threaded BLAS (the same sums in every process) and write no bytecode.
CHILD_ENV = {
    **os.environ,
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}


@pytest.fixture(scope="module")
def digits_file(tmp_path_factory):
    """The first 480 digits, standardised, as an .npz the children read quickly (no scikit-learn import)."""
    X, y = load_digits()
    path = tmp_path_factory.mktemp("digits") / "digits.npz"
    np.savez(path, X=Standardizer().fit_transform(X[:SAMPLES]), y=y[:SAMPLES])
    return path


def train_args(data, folder, name, init_seed, mode, pace):
    folder.mkdir(exist_ok=True)
    return [
        sys.executable,
        "-c",
        TRAIN,
        str(data),
        str(folder / "checkpoint.safetensors"),
        str(folder / f"{name}.safetensors"),
        str(folder / f"{name}.json"),
        str(init_seed),
        mode,
        pace,
    ]


def train_to_the_end(data, folder, name, init_seed, mode):
    subprocess.run(train_args(data, folder, name, init_seed, mode, "free"), env=CHILD_ENV, check=True, timeout=120)
    weights = safetensors.numpy.load_file(folder / f"{name}.safetensors")
    history = json.loads((folder / f"{name}.json").read_text())
    return weights, history


def train_and_kill(data, folder, kill_at: int) -> None:
    """Run in lockstep, let step ``kill_at`` go on into its checkpoint write and the next step, then SIGKILL."""
    child = subprocess.Popen(
        train_args(data, folder, "killed", 0, "fresh", "lockstep"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=CHILD_ENV,
        text=True,
    )
    try:
        for line in child.stdout:
            child.stdin.write("\n")
            child.stdin.flush()
            if int(line) == kill_at:
                break
        time.sleep(0.002)  # mid-write, mid-step or waiting at step kill_at + 1: wherever the kill lands
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdin.close()
        child.stdout.close()
    assert not (folder / "killed.json").exists(), "the child finished before it was killed"


def test_a_run_killed_at_random_steps_resumes_to_bit_identical_weights(digits_file, tmp_path):
    reference_weights, reference_history = train_to_the_end(digits_file, tmp_path / "reference", "final", 0, "fresh")
    assert reference_history["iterations"] == TOTAL

    rng = np.random.default_rng(2024)
    checkpoint_steps = range(EVERY, TOTAL, EVERY)
    kill_points = [
        int(rng.integers(EVERY + 1, TOTAL)),  # anywhere after the first checkpoint
        int(rng.integers(EVERY + 1, TOTAL)),
        int(rng.choice(checkpoint_steps[1:])),  # at a checkpoint step: the kill may land inside its write
    ]
    for kill_at in kill_points:
        folder = tmp_path / f"killed_at_{kill_at}"
        train_and_kill(digits_file, folder, kill_at)
        saved = read_checkpoint(folder / "checkpoint.safetensors")  # complete and verified, never half a file
        assert saved["iteration"] in checkpoint_steps and kill_at - EVERY <= saved["iteration"] <= kill_at

        # another initial seed: everything that matters must come from the checkpoint
        weights, history = train_to_the_end(digits_file, folder, "resumed", 7, "resume")
        assert weights.keys() == reference_weights.keys()
        for name in weights:
            assert np.array_equal(weights[name], reference_weights[name]), (kill_at, name)
        assert history["iteration_loss"] == reference_history["iteration_loss"], kill_at
        assert history["loss"] == reference_history["loss"] and history["lr"] == reference_history["lr"]


# ---------------------------------------------------------------------------------------------- failed writes
# Overwrite a checkpoint under a real limit on file size (RLIMIT_FSIZE), so that write() fails part-way as on
# a full disk. argv: checkpoint limit-in-bytes outcome. With "raise" the write raises OSError (EFBIG), as Python
# ignores SIGXFSZ; with "die" the signal's default action kills the process in the middle of the write.
OVERWRITE = """
import resource, signal, sys
import glassnet as gn
from glassnet import nn
from glassnet.optim import SGD
from glassnet.train import save_checkpoint

path, limit, outcome = sys.argv[1], int(sys.argv[2]), sys.argv[3]
gn.manual_seed(1)
model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
if outcome == "die":
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    save_checkpoint(path, model, optimizer)
except OSError as err:
    print(err.errno)
"""


def big_checkpoint(path):
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    save_checkpoint(path, model, optimizer)
    return model, optimizer


def assert_still_loads(path, model, optimizer):
    gn.manual_seed(5)
    fresh = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    load_checkpoint(path, fresh, SGD(fresh.parameters(), lr=0.1, momentum=0.9))
    for name, array in model.state_dict().items():
        assert np.array_equal(fresh.state_dict()[name], array), name


@pytest.mark.parametrize("outcome", ["raise", "die"])
def test_a_write_that_fails_part_way_keeps_the_previous_checkpoint(tmp_path, outcome):
    path = tmp_path / "checkpoint.safetensors"
    model, optimizer = big_checkpoint(path)
    before = path.read_bytes()
    limit = len(before) // 2  # the new file (as large as the old) stops half-way
    child = subprocess.run(
        [sys.executable, "-c", OVERWRITE, str(path), str(limit), outcome],
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert path.read_bytes() == before
    assert_still_loads(path, model, optimizer)
    leftovers = [p for p in tmp_path.iterdir() if p != path]
    if outcome == "raise":  # the error reached save_checkpoint, which removed its temporary file
        assert child.returncode == 0 and child.stdout.split() == [str(errno.EFBIG)], child.stderr
        assert leftovers == []
    else:  # killed inside write(): its half-written temporary stays, under a name no reader looks for
        assert child.returncode == -signal.SIGXFSZ, child.stderr
        (partial,) = leftovers
        assert partial.name.startswith(f".{path.name}.") and partial.name.endswith(".tmp")
        assert partial.stat().st_size == limit
