"""Stop a run, resume it from its checkpoint, and get the very same weights, bit for bit.

A run of 6 epochs (shuffled mini-batches, dropout, SGD with momentum, a step learning-rate schedule)
is trained straight through. Then the same run is trained for 3 epochs with a :class:`Checkpoint`,
and a new model and optimizer, built from a different seed as a fresh process would, resume from the
file to epoch 6. The checkpoint holds the weights, the momentum buffers, the schedule, the loader's
shuffling generator, the global generator (dropout masks) and the counters, so the two final models
are equal to the last bit. The script prints what the checkpoint holds and the comparison.

Run:  python examples/checkpoint_resume.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet import nn
from glassnet.data import load_digits
from glassnet.optim import SGD
from glassnet.optim.lr_scheduler import StepLR
from glassnet.train import Checkpoint, LRSchedule, fit, read_checkpoint


def run(epochs: int, init_seed: int, callbacks=(), resume_from=None):
    X, y = load_digits()
    X = (X / 16).astype(np.float32)
    gn.manual_seed(init_seed)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    schedule = LRSchedule(StepLR(optimizer, step_size=2, gamma=0.5))
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        (X[:1200], y[:1200]),
        epochs,
        32,
        val_data=(X[1200:], y[1200:]),
        metrics=["accuracy"],
        callbacks=[schedule, *callbacks],
        seed=42,
        verbose=0,
        resume_from=resume_from,
    )
    return model, history


def main() -> None:
    straight, history = run(epochs=6, init_seed=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.safetensors"
        run(epochs=3, init_seed=0, callbacks=[Checkpoint(path, every_epochs=1)])
        info = read_checkpoint(path)
        print(f"checkpoint after epoch {info['epoch']}, iteration {info['iteration']}, {path.stat().st_size:,} bytes")
        print(f"  model tensors: {sorted(info['model'])}")
        print(f"  optimizer: {info['optimizer_class']}, state for {len(info['optimizer']['state'])} parameters")
        print(
            f"  hyperparameters: batch_size={info['hparams']['batch_size']}, seed={info['hparams']['seed']}, "
            f"optimizer lr={info['hparams']['optimizer']['lr']}"
        )
        resumed, resumed_history = run(epochs=6, init_seed=123, resume_from=path)

    same = all(np.array_equal(a, b) for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()))
    print(f"straight run: {history.iterations} iterations, val accuracy {history['val_accuracy'][-1]:.4f}")
    print(
        f"resumed run:  {resumed_history.iterations} iterations, val accuracy {resumed_history['val_accuracy'][-1]:.4f}"
    )
    print(f"weights bit-identical: {same}")
    assert same and resumed_history.iteration_loss == history.iteration_loss


if __name__ == "__main__":
    main()
