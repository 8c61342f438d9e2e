"""Classify handwritten digits by reading each 8x8 image one row at a time with an LSTM.

The image becomes a sequence of 8 steps (rows, top to bottom) of 8 pixels; a bidirectional LSTM reads
it in both directions and a linear layer classifies the two final states. This is the small cousin of
sequential MNIST, where the 28x28 images are read row by row, or pixel by pixel as in Le, Jaitly & Hinton
(2015). Data: scikit-learn's digits, the lab's stratified split (1,200 train / 597 test), pixels / 16.

Run:  python examples/digits_rows.py          (3 epochs, about a second)
      python examples/digits_rows.py --full   (20 epochs, a few seconds)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from glassnet import functional as F
from glassnet import nn, optim
from glassnet.autograd import no_grad
from glassnet.data import train_test_split
from glassnet.data.sequences import digits_as_sequences
from glassnet.optim.lr_scheduler import CosineAnnealingLR
from glassnet.tensor import Tensor


class RowReader(nn.Module):
    """(B, 8 rows, 8 pixels) -> bidirectional LSTM -> [forward final state, backward final state] -> 10 logits."""

    def __init__(self, hidden: int, rng: np.random.Generator):
        super().__init__()
        self.lstm = nn.LSTM(8, hidden, bidirectional=True, rng=rng, batch_first=True)
        self.head = nn.Linear(2 * hidden, 10, rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        _, (h_n, _) = self.lstm(x)  # h_n (2, B, H): each direction's state after reading all 8 rows
        return self.head(h_n.permute(1, 0, 2).reshape(x.shape[0], -1))


def train_and_score(epochs: int, seed: int = 0, hidden: int = 64, batch: int = 32) -> float:
    """Adam (lr 1e-2, cosine decay to 0 over the epochs) on the training images; returns test accuracy."""
    X, y = digits_as_sequences()
    X = X / np.float32(16)
    x_train, x_test, y_train, y_test = train_test_split(X, y, test_size=597, stratify=y, seed=0)
    rng = np.random.default_rng(seed)
    model = RowReader(hidden, rng)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    schedule = CosineAnnealingLR(optimizer, epochs)
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for first in range(0, len(order), batch):
            rows = order[first : first + batch]
            optimizer.zero_grad()
            F.cross_entropy(model(Tensor(x_train[rows])), y_train[rows]).backward()
            optimizer.step()
        schedule.step()
    with no_grad():
        return float((model(Tensor(x_test)).numpy().argmax(axis=1) == y_test).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="20 epochs (the real run)")
    args = parser.parse_args()
    epochs = 20 if args.full else 3
    start = time.perf_counter()
    accuracy = train_and_score(epochs)
    print(f"digits read row by row, bidirectional LSTM (64 units per direction), {epochs} epochs")
    print(f"test accuracy {accuracy:.2%} on 597 images  ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
