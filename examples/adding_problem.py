"""The adding problem: an LSTM keeps two marked numbers across a long sequence; a vanilla RNN does not.

Each sequence holds T (value, marker) pairs; the target is the sum of the two marked values, the first
of them at least T/2 steps before the end. Predicting the constant 1 scores an MSE of 1/6 ~ 0.167, so a
model must find and hold the marked values to go below that. Both models read the sequence, a linear
layer reads their last state, and Adam trains them on fresh sequences at every step.

The LSTM starts from the "chrono" initialisation (Tallec & Ollivier, "Can recurrent neural networks warp
time?", ICLR 2018): forget-gate biases log(U(1, T - 1)) and input-gate biases their negatives, so its
cells start out holding their content for about 1 to T steps. With a forget bias of 1 it also gets
there, but after a longer plateau at the baseline.

Run:  python examples/adding_problem.py          (T = 20, a few seconds)
      python examples/adding_problem.py --full   (T = 100, about a minute)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from glassnet import functional as F
from glassnet import nn, optim
from glassnet.autograd import no_grad
from glassnet.data.sequences import ADDING_BASELINE_MSE, adding_problem
from glassnet.tensor import Tensor


def chrono_init_(lstm: nn.LSTM, max_lag: int, rng: np.random.Generator) -> None:
    """Forget-gate bias b_f = log(U(1, max_lag - 1)), input-gate bias -b_f (gates in PyTorch's order i, f, g, o)."""
    H = lstm.hidden_size
    b_f = np.log(rng.uniform(1, max_lag - 1, H))
    lstm.bias_ih_l0.data[:H], lstm.bias_hh_l0.data[:H] = -b_f, 0.0
    lstm.bias_ih_l0.data[H : 2 * H], lstm.bias_hh_l0.data[H : 2 * H] = b_f, 0.0


class Adder(nn.Module):
    """A recurrent layer over the (value, marker) pairs and a linear read-out of its last state."""

    def __init__(self, kind: str, hidden: int, T: int, rng: np.random.Generator):
        super().__init__()
        self.rnn = (
            nn.LSTM(2, hidden, rng=rng, batch_first=True)
            if kind == "lstm"
            else nn.RNN(2, hidden, rng=rng, batch_first=True)
        )
        if kind == "lstm":
            chrono_init_(self.rnn, T, rng)
        self.head = nn.Linear(hidden, 1, rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1]).reshape(-1)


def train(kind: str, T: int, steps: int, hidden: int = 32, batch: int = 32, seed: int = 0) -> tuple[float, float]:
    """Adam (lr 1e-2, gradient norm clipped at 1) on fresh batches; returns (test MSE, seconds)."""
    rng = np.random.default_rng(seed)
    model = Adder(kind, hidden, T, rng)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    start = time.perf_counter()
    for step in range(steps):
        x, y = adding_problem(batch, T, seed=seed * 1_000_003 + step)
        optimizer.zero_grad()
        F.mse_loss(model(Tensor(x)), y).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    seconds = time.perf_counter() - start
    x_test, y_test = adding_problem(2000, T, seed=10_000 + seed)
    with no_grad():
        mse = float(np.mean((model(Tensor(x_test)).numpy() - y_test) ** 2))
    return mse, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="T = 100 and 700 steps (the real run)")
    args = parser.parse_args()
    T, steps = (100, 700) if args.full else (20, 300)
    print(
        f"adding problem, T = {T}, {steps} Adam steps of 32 sequences; constant baseline MSE {ADDING_BASELINE_MSE:.3f}"
    )
    for kind in ("rnn", "lstm"):
        mse, seconds = train(kind, T, steps)
        name = "vanilla tanh RNN" if kind == "rnn" else "LSTM (chrono init)"
        print(f"{name:<20} test MSE {mse:.4f}  ({mse / ADDING_BASELINE_MSE:.1%} of the baseline)  {seconds:.1f} s")


if __name__ == "__main__":
    main()
