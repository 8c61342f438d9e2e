"""Forecast yearly sunspot numbers one year ahead with a small RNN, against two baselines.

The series (1700-2008, statsmodels) rises and falls in cycles of about 11 years. Years 1700-1949 train
the models, 1950-2008 test them; the series is standardised with the training years' mean and spread.

- persistence: next year = this year.
- AR(p): next year = a linear function of the last p years, fitted by least squares; p picked by AIC.
- RNN: an Elman RNN (16 tanh units) reads one value per year and carries its state across the years,
  so its forecast can use the whole history although it sees a single number at a time. It is trained
  by full backpropagation through time over the training years with Adam; 1920-1949 are held out
  inside them to pick the number of epochs (early stopping).

Every forecast is one step ahead from the true past values. RMSE is in sunspot numbers.

Run:  python examples/sunspots.py          (one seed, 150 epochs, about a second)
      python examples/sunspots.py --full   (five seeds, up to 400 epochs)
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from glassnet import functional as F
from glassnet import nn, optim
from glassnet.autograd import no_grad
from glassnet.data.sequences import load_sunspots, sliding_windows
from glassnet.tensor import Tensor

N_TRAIN, N_FIT = 250, 220  # 1700-1949 train (1700-1919 fit, 1920-1949 pick the epoch); 1950-2008 test


def rmse(forecast: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(np.mean((forecast - actual) ** 2)))


def ar_forecasts(z: np.ndarray, p: int, max_p: int = 12) -> tuple[np.ndarray, float]:
    """One-step AR(p) forecasts of z[p:], fitted by least squares on the training years; and the fit's AIC.

    Every order is fitted to the same targets (those after the first ``max_p`` years), so the AICs compare.
    """
    X, y = sliding_windows(z[:N_TRAIN], p)
    X, y = X[max_p - p :], y[max_p - p :]
    design = np.c_[X, np.ones(len(X))]
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    aic = len(y) * np.log(np.mean(residual**2)) + 2 * (p + 1)
    X_all, _ = sliding_windows(z, p)
    return np.c_[X_all, np.ones(len(X_all))] @ coef, float(aic)


class Forecaster(nn.Module):
    """x_t -> h_t = tanh(W_ih x_t + W_hh h_(t-1) + b) -> forecast of x_(t+1) = w^T h_t + c."""

    def __init__(self, hidden: int, rng: np.random.Generator):
        super().__init__()
        self.rnn = nn.RNN(1, hidden, dtype=np.float64, rng=rng, batch_first=True)
        self.head = nn.Linear(hidden, 1, dtype=np.float64, rng=rng)

    def forward(self, series: np.ndarray) -> Tensor:
        """Forecasts (T,) of series[1:] from a (T,) series, reading it as one sequence."""
        out, _ = self.rnn(Tensor(series[None, :, None]))
        return self.head(out)[0, :, 0]


def rnn_forecasts(z: np.ndarray, epochs: int, seed: int, hidden: int = 16, check_every: int = 25) -> np.ndarray:
    """Train on the fit years, keep the weights that forecast 1920-1949 best; return forecasts of z[1:]."""
    rng = np.random.default_rng(seed)
    model = Forecaster(hidden, rng)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    inputs, targets = z[: N_TRAIN - 1], z[1:N_FIT]
    best, best_state = np.inf, None
    for epoch in range(1, epochs + 1):
        optimizer.zero_grad()
        F.mse_loss(model(inputs)[: N_FIT - 1], targets).backward()  # the state runs on; the loss stops at 1919
        optimizer.step()
        if epoch % check_every == 0:
            with no_grad():
                held_out = model(inputs).numpy()[N_FIT - 1 :]
            error = rmse(held_out, z[N_FIT:N_TRAIN])
            if error < best:
                best, best_state = error, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    with no_grad():
        return model(z[:-1]).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="five seeds and up to 400 epochs (the real run)")
    args = parser.parse_args()
    seeds, epochs = (range(5), 400) if args.full else (range(1), 150)

    years, spots = load_sunspots()
    spots = spots.astype(np.float64)
    mean, sd = spots[:N_TRAIN].mean(), spots[:N_TRAIN].std()
    z = (spots - mean) / sd
    test = np.arange(N_TRAIN, len(spots))
    actual = spots[test]
    print(f"sunspots: train {years[0]}-{years[N_TRAIN - 1]}, test {years[N_TRAIN]}-{years[-1]} ({len(test)} years)")

    print(f"{'persistence':<22} test RMSE {rmse(spots[test - 1], actual):6.2f}")
    fits = {p: ar_forecasts(z, p) for p in range(1, 13)}
    best_p = min(fits, key=lambda p: fits[p][1])
    notes = {2: "the order Yule fitted in 1927", best_p: "lowest AIC of orders 1-12"}
    for p, note in sorted(notes.items()):
        forecast = fits[p][0][test - p] * sd + mean
        print(f"{f'AR({p})':<22} test RMSE {rmse(forecast, actual):6.2f}  ({note})")

    scores, start = [], time.perf_counter()
    for seed in seeds:
        forecast = rnn_forecasts(z, epochs, seed)[test - 1] * sd + mean
        scores.append(rmse(forecast, actual))
    spread = f" +- {np.std(scores, ddof=1):.2f} over {len(scores)} seeds" if len(scores) > 1 else ""
    print(
        f"{'RNN (16 tanh units)':<22} test RMSE {np.mean(scores):6.2f}{spread}  ({time.perf_counter() - start:.1f} s)"
    )


if __name__ == "__main__":
    main()
