"""A small CNN on scikit-learn's 8x8 digits, next to an MLP with as many parameters.

Data: the 1,797 digits (8x8, pixel values 0-16) split into 1,200 training and 597 test images
(stratified, seed 0: the lab's standard split), scaled to [0, 1] and reshaped to (N, 1, 8, 8).
Model: ``glassnet.models.cnn.small_cnn(image_size=8)``: two blocks of conv 3x3 'same' -> BatchNorm2d
-> ReLU -> 2x2 max pool (8x8 -> 4x4 -> 2x2), then flatten -> FC 10; 6,138 parameters. No
augmentation: a 1-pixel shift moves an 8x8 digit by an eighth of its width and costs accuracy here.

Run:
    python examples/cnn_digits.py           # smoke run: 2 epochs, about a second of training
    python examples/cnn_digits.py --full    # the real run: 10 epochs, about 98.5-99% test accuracy
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from glassnet import nn
from glassnet.autograd import no_grad
from glassnet.data import load_digits, train_test_split
from glassnet.models import budget_mlp, small_cnn
from glassnet.optim import Adam
from glassnet.optim.lr_scheduler import CosineAnnealingLR
from glassnet.tensor import Tensor
from glassnet.train import LRSchedule, count_parameters, fit


def digits_images():
    """(x_train, x_test, y_train, y_test): 1,200 / 597 stratified (seed 0), images (N, 1, 8, 8) in [0, 1]."""
    x, y = load_digits()
    x = (x / np.float32(16)).reshape(-1, 1, 8, 8)
    return train_test_split(x, y, test_size=597, stratify=y, seed=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="train for the real number of epochs")
    args = parser.parse_args()

    x_train, x_test, y_train, y_test = digits_images()
    rng = np.random.default_rng(0)
    cnn = small_cnn(image_size=8, rng=rng)
    mlp = budget_mlp(count_parameters(cnn), 64, rng=rng)
    epochs = 10 if args.full else 2
    print(f"{len(x_train):,} training / {len(x_test):,} test images, {epochs} epochs")
    print(f"{'model':<28} {'params':>6} {'test acc':>8} {'seconds':>7}")
    for name, model, lr in [("small CNN", cnn, 3e-3), ("MLP, same parameter budget", mlp, 3e-3)]:
        optimizer = Adam(model.parameters(), lr=lr)
        schedule = LRSchedule(CosineAnnealingLR(optimizer, T_max=epochs))
        start = time.perf_counter()
        fit(
            model,
            nn.CrossEntropyLoss(),
            optimizer,
            (x_train, y_train),
            epochs,
            32,
            callbacks=[schedule],
            seed=0,
            verbose=0,
        )
        seconds = time.perf_counter() - start
        model.eval()
        with no_grad():
            acc = float((model(Tensor(x_test)).numpy().argmax(axis=1) == y_test).mean())
        print(f"{name:<28} {count_parameters(model):>6,} {acc:>8.4f} {seconds:>7.1f}")


if __name__ == "__main__":
    main()
