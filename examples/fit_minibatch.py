"""Full-batch, stochastic and mini-batch gradient descent: one argument, counted exactly.

The same MLP learns the 8x8 digits three times. ``batch_size=None`` takes one step per epoch on all
1,200 training images (full-batch gradient descent), ``batch_size=1`` one step per image (stochastic
gradient descent) and ``batch_size=64`` ceil(1200 / 64) = 19 steps per epoch (mini-batch). The script
prints each run's steps per epoch, total iterations, samples seen and validation accuracy, and checks
the counts against the formula.

Run:  python examples/fit_minibatch.py
"""

from __future__ import annotations

import math

import numpy as np

import glassnet as gn
from glassnet import nn
from glassnet.data import load_digits, train_test_split
from glassnet.optim import SGD
from glassnet.train import fit


def digits():
    X, y = load_digits()
    X_train, X_val, y_train, y_val = train_test_split(X / 16, y, test_size=597, stratify=y, seed=0)
    return (X_train.astype(np.float32), y_train), (X_val.astype(np.float32), y_val)


def main() -> None:
    train, val = digits()
    n = len(train[0])
    runs = [("full batch", None, 0.5, 30), ("stochastic", 1, 0.01, 2), ("mini-batch", 64, 0.1, 5)]
    header = ("regime", "batch", "steps/epoch", "epochs", "iterations", "samples", "val acc")
    print("{:<12} {:>5} {:>11} {:>6} {:>10} {:>8} {:>7}".format(*header))
    for name, batch_size, lr, epochs in runs:
        gn.manual_seed(0)
        model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
        history = fit(
            model,
            nn.CrossEntropyLoss(),
            SGD(model.parameters(), lr=lr, momentum=0.9),
            train,
            epochs,
            batch_size,
            val_data=val,
            metrics=["accuracy"],
            seed=0,
            verbose=0,
        )
        per_epoch = history.hparams["iterations_per_epoch"]
        assert per_epoch == (1 if batch_size is None else math.ceil(n / batch_size))
        assert history.iterations == epochs * per_epoch and history.samples_seen == epochs * n
        print(
            f"{name:<12} {batch_size or n:>5} {per_epoch:>11} {epochs:>6} {history.iterations:>10} "
            f"{history.samples_seen:>8} {history['val_accuracy'][-1]:>7.3f}"
        )


if __name__ == "__main__":
    main()
