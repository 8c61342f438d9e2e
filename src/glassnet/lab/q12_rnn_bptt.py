"""Q12. What is a recurrent neural network, and how is it trained?

Three measurements: the gradient of the fused whole-sequence kernels (BPTT written out) against the
gradient autograd takes through the network unrolled cell by cell, and against finite differences;
one-year-ahead sunspot forecasts by a small RNN against persistence, a linear AR model and the same RNN
without its memory; the time and memory of one gradient as the sequence grows, for full and truncated BPTT.
The forecasting claims are judged only if the RNNs fitted their training years (their gates), and every
measured number carries a 95% interval over seeds: the forecasters' training seeds, and for the costs one
timing round per seed.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from .. import Tensor, nn, no_grad, optim, release_buffers
from ..data import sliding_windows
from ..nn import functional as F
from ..train import tbptt_step
from . import framework as lab
from .common import backprop_errors
from .plots import figure, titled
from .sequence_tasks import SUNSPOT_TRAIN, Forecaster, rmse, sunspot_series

N_FIT = 220  # of the training years 1700-1949, 1700-1919 fit and 1920-1949 pick the epoch; 1950-2008 test
MAX_AR = 12
_HIDDEN = 16
_COLORS = {"actual": "k", "persistence": "#999999", "ar": "#dd8452", "rnn": "#4c72b0", "memoryless": "#c44e52"}


# ------------------------------------------------------------------------------ sunspots


def ar_forecasts(z: np.ndarray, p: int) -> tuple[np.ndarray, float]:
    """One-step AR(p) forecasts (with intercept) of z[p:] from the true past, least squares on the training
    years, and the AIC of the fit. Every order is fitted to the same targets (after the first MAX_AR years)."""
    X, y = sliding_windows(z[:SUNSPOT_TRAIN], p)
    X, y = X[MAX_AR - p :], y[MAX_AR - p :]
    design = np.c_[X, np.ones(len(X))]
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    aic = len(y) * np.log(np.mean((y - design @ coef) ** 2)) + 2 * (p + 1)
    X_all, _ = sliding_windows(z, p)
    return np.c_[X_all, np.ones(len(X_all))] @ coef, float(aic)


def _train_forecaster(z: np.ndarray, seed: int, epochs: int, memory: bool, check_every: int = 25) -> np.ndarray:
    """Adam 1e-2 on the fit years; keep the weights that forecast 1920-1949 best. Returns forecasts of z[1:].

    ``memory=True``: the training years are one sequence (full BPTT, the state runs through 1920-1949 too).
    ``memory=False``: every year is its own sequence of length 1, so the state starts at 0 each time and
    the forecast can use only the current value.
    """
    model = Forecaster(_HIDDEN, np.random.default_rng(seed))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)

    def forecasts(series: np.ndarray) -> Tensor:  # forecasts of series[1:] from series[:-1]
        if memory:
            return model(series[None, :-1, None])[0][0, :, 0]
        return model(series[:-1, None, None])[0][:, 0, 0]

    train = z[:SUNSPOT_TRAIN]
    best, best_state = np.inf, None
    for epoch in range(1, epochs + 1):
        optimizer.zero_grad()
        F.mse_loss(forecasts(train)[: N_FIT - 1], train[1:N_FIT]).backward()
        optimizer.step()
        if epoch % check_every == 0:
            with no_grad():
                error = rmse(forecasts(train).numpy()[N_FIT - 1 :], train[N_FIT:])
            if error < best:
                best, best_state = error, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    with no_grad():
        return forecasts(z).numpy()


def _fit_over_persistence(forecast: np.ndarray, z: np.ndarray) -> float:
    """RMSE of forecasts of z[1:] over the fit years, over persistence's there: did training fit the data?"""
    return rmse(forecast[: N_FIT - 1], z[1:N_FIT]) / rmse(z[: N_FIT - 1], z[1:N_FIT])


# ------------------------------------------------------------------------------ 1. BPTT = backprop, unrolled
def _unrolled(kind: str, params: list, x: Tensor, weights: np.ndarray) -> Tensor:
    """sum_t <h_t, R_t> computed by stepping the cell composite T times: autograd sees the unrolled graph."""
    w_ih, w_hh, b_ih, b_hh = params
    B, T, _ = x.shape
    H = w_hh.shape[1]
    h = Tensor(np.zeros((B, H)))
    c = Tensor(np.zeros((B, H)))
    total = None
    for t in range(T):
        if kind == "lstm":
            h, c = F.lstm_cell(x[:, t], (h, c), w_ih, w_hh, b_ih, b_hh)
        elif kind == "gru":
            h = F.gru_cell(x[:, t], h, w_ih, w_hh, b_ih, b_hh)
        else:
            h = F.rnn_cell(x[:, t], h, w_ih, w_hh, b_ih, b_hh)
        term = (h * Tensor(weights[:, t])).sum()
        total = term if total is None else total + term
    return total


def _gradient_check(rng: np.random.Generator) -> tuple[dict, dict]:
    """Relative errors ||g_fused - g_ref|| / ||g_ref|| per parameter (and the input), float64.

    Loss L = sum_t <h_t, R_t> with R fixed random weights: a linear read-out of every state, so every path
    through the recurrence is checked. Reference 1: autograd through the unrolled cells (RNN, LSTM, GRU).
    Reference 2: central differences (RNN, a smaller net).
    """
    layers = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
    unrolled_errors = {}
    batch, steps, features, hidden = 3, 25, 2, 6
    for kind, layer in layers.items():
        module = layer(features, hidden, dtype=np.float64, rng=rng, batch_first=True)
        x_data, weights = rng.standard_normal((batch, steps, features)), rng.standard_normal((batch, steps, hidden))
        x = Tensor(x_data, requires_grad=True)
        (module(x)[0] * Tensor(weights)).sum().backward()
        fused = [p.grad.numpy().copy() for p in module.parameters()] + [x.grad.numpy().copy()]
        module.zero_grad()
        x_ref = Tensor(x_data, requires_grad=True)
        _unrolled(kind, list(module.parameters()), x_ref, weights).backward()
        reference = [p.grad.numpy() for p in module.parameters()] + [x_ref.grad.numpy()]
        names = [n for n, _ in module.named_parameters()] + ["input x"]
        for name, got, want in zip(names, fused, reference):
            unrolled_errors[f"{kind}.{name}"] = float(np.linalg.norm(got - want) / np.linalg.norm(want))

    module = nn.RNN(1, 4, dtype=np.float64, rng=rng, batch_first=True)
    x_data, weights = rng.standard_normal((2, 12, 1)), rng.standard_normal((2, 12, 4))
    errors = backprop_errors(module, lambda: (module(Tensor(x_data))[0] * Tensor(weights)).sum())
    return unrolled_errors, {f"rnn.{name}": error for name, error in errors.items()}


# ------------------------------------------------------------------------------ 3. what a gradient costs
def _gradient_cost(lengths: list, k: int, repeats: int, seed: int) -> dict:
    """CPU seconds (best of ``repeats``) and peak bytes allocated for one gradient of an RNN(1, 64) over
    32 random sequences of each length (weights and data drawn from ``seed``), by full BPTT and by truncated
    BPTT in chunks of ``k`` steps.

    CPU time of this process, not wall time, and the lengths timed in turn within each repeat: other work on
    a shared machine then slows every length alike instead of bending the growth curve. Each seed is one
    timing round (a fresh model and fresh data), so the rounds' growth exponents give an interval.
    """
    rng = np.random.default_rng(seed)
    model = Forecaster(64, rng)
    loss_fn = F.mse_loss

    def full(x, y):
        loss_fn(model(x)[0], y).backward()

    def truncated(x, y):
        tbptt_step(model, loss_fn, None, x, y, k, update_every_chunk=False)

    data = {T: (Tensor(rng.standard_normal((32, T, 1))), rng.standard_normal((32, T, 1))) for T in lengths}
    cases = [(name, fn, T) for T in lengths for name, fn in (("full", full), ("truncated", truncated))]
    seconds = {(name, T): [] for name, _, T in cases}
    for repeat in range(repeats + 1):  # the first pass warms up
        for name, fn, T in cases:
            model.zero_grad()
            start = time.process_time()
            fn(*data[T])
            if repeat:
                seconds[name, T].append(time.process_time() - start)
    out = {}
    for name, fn, T in cases:
        model.zero_grad()
        release_buffers()  # the kernels keep arrays between calls; measure what one gradient needs
        tracemalloc.start()
        fn(*data[T])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out[name, T] = (min(seconds[name, T]), peak)
    return out


def _exponent(lengths, values) -> float:
    """Slope of log(value) against log(T): 1 is linear growth, 0 is flat."""
    return float(np.polyfit(np.log(lengths), np.log(values), 1)[0])


# ------------------------------------------------------------------------------ the experiment
def run(ctx: lab.Context) -> lab.Result:
    rng = ctx.rng()
    unrolled_errors, finite_errors = _gradient_check(rng)

    # 2. Sunspots, one year ahead.
    years, spots, z, mean, sd = sunspot_series()
    test = np.arange(SUNSPOT_TRAIN, len(spots))
    actual = spots[test]
    persistence = rmse(spots[test - 1], actual)
    fits = {p: ar_forecasts(z, p) for p in range(1, MAX_AR + 1)}
    p_best = min(fits, key=lambda p: fits[p][1])
    ar_forecast = fits[p_best][0][test - p_best] * sd + mean
    ar = rmse(ar_forecast, actual)
    seeds = ctx.seeds(full=5, quick=3)
    epochs = ctx.pick(400, 150)
    rnn_curves = []

    def forecasters(seed: int) -> dict:
        """The RNN and its memoryless twin trained from one seed: test RMSE, and fit on the training years."""
        forecast = _train_forecaster(z, seed, epochs, memory=True)
        memoryless = _train_forecaster(z, seed, epochs, memory=False)
        rnn_curves.append(forecast[test - 1] * sd + mean)
        rnn, without = rmse(rnn_curves[-1], actual), rmse(memoryless[test - 1] * sd + mean, actual)
        return {
            "rnn_rmse": rnn,
            "memoryless_minus_rnn_rmse": without - rnn,
            "rnn_over_persistence_rmse": rnn / persistence,
            "rnn_over_ar_rmse": rnn / ar,
            "rnn_fit_over_persistence": _fit_over_persistence(forecast, z),
            "memoryless_fit_over_persistence": _fit_over_persistence(memoryless, z),
            "memoryless_rmse": without,
        }

    forecast_metrics = lab.over_seeds(seeds, forecasters)
    rnn_rmse, memoryless_rmse = forecast_metrics["rnn_rmse"], forecast_metrics.pop("memoryless_rmse")

    # 3. Cost of one gradient against the sequence length: a timing round (fresh model and data) per seed.
    lengths = [50, 100, 200, 400]
    k = 25
    rounds = [_gradient_cost(lengths, k, repeats=ctx.pick(3, 2), seed=s) for s in seeds]
    cost = {key: tuple(np.median([r[key][i] for r in rounds]) for i in range(2)) for key in rounds[0]}
    exps = lab.summarise(
        [
            {
                f"{name}_{what}": _exponent(lengths, [r[name, T][i] for T in lengths])
                for name in ("full", "truncated")
                for i, what in enumerate(("time", "memory"))
            }
            for r in rounds
        ],
        seeds,
    )

    metrics = {
        "max_rel_error": max(max(unrolled_errors.values()), max(finite_errors.values())),
        **forecast_metrics,
        "full_bptt_time_exponent": exps["full_time"],
        "full_bptt_memory_exponent": exps["full_memory"],
        "truncated_memory_exponent": exps["truncated_memory"],
        "persistence_rmse": persistence,
        "ar_rmse": ar,
    }

    check = lab.Table(
        "Fused BPTT kernels against autograd through the unrolled cells, and against central differences "
        "(float64; relative error of each gradient)",
        ["gradient", "vs unrolled cells", "vs finite differences"],
    )
    for name, err in unrolled_errors.items():
        check.add(name, err, finite_errors.get(name, "-"))
    forecast_table = lab.Table(
        f"One-year-ahead sunspot forecasts, test years {years[SUNSPOT_TRAIN]}-{years[-1]} (RMSE in sunspot numbers; "
        f"RNNs: {len(seeds)} seeds, up to {epochs} epochs of Adam, epoch picked on 1920-1949)",
        ["model", "sees", "test RMSE", "over persistence"],
    )
    forecast_table.add("persistence", "this year", persistence, 1.0)
    ar2 = rmse(fits[2][0][test - 2] * sd + mean, actual)
    forecast_table.add("AR(2), least squares", "last 2 years", ar2, ar2 / persistence)
    forecast_table.add(f"AR({p_best}), lowest AIC", f"last {p_best} years", ar, ar / persistence)
    forecast_table.add("RNN without memory", "this year (state reset)", memoryless_rmse.mean,
                       memoryless_rmse.mean / persistence)  # fmt: skip
    forecast_table.add(
        f"RNN, {_HIDDEN} tanh units", "this year + its state", rnn_rmse.mean, rnn_rmse.mean / persistence
    )
    cost_table = lab.Table(
        f"One gradient of an RNN (64 units) over 32 sequences: full BPTT vs truncated BPTT (chunks of {k}); "
        f"median of {len(rounds)} timing rounds, growth exponents as mean (95% CI) over the rounds",
        ["steps T", "full: CPU ms", "full: peak MiB", "truncated: CPU ms", "truncated: peak MiB"],
    )
    for T in lengths:
        cost_table.add(T, cost["full", T][0] * 1e3, cost["full", T][1] / 2**20,
                       cost["truncated", T][0] * 1e3, cost["truncated", T][1] / 2**20)  # fmt: skip
    columns = ("full_time", "full_memory", "truncated_time", "truncated_memory")
    cost_table.add("growth exponent", *(str(exps[key]) for key in columns))

    figures = {
        "sunspot forecasts": _forecast_figure(years, spots, test, ar_forecast, p_best, rnn_curves, rnn_rmse.values),
        "gradient check and cost of BPTT": _cost_figure(unrolled_errors, finite_errors, lengths, cost, k),
    }
    notes = [
        f"Every forecast is one step ahead from the true past. The RNN reads a single number per year; "
        f"without its state (reset every year) it scores {memoryless_rmse.mean:.1f}, about persistence "
        f"({persistence:.1f}): what it gains comes from the history it carries.",
        "The RNN's epoch is picked on 1920-1949 inside the training years, because with 250 points it "
        "overfits within a few hundred epochs; AR models are fitted to all 250 training years.",
        "Memory is the peak of what NumPy allocates during one gradient (tracemalloc), with the kernels' "
        "reusable buffers released first. Times are CPU time of this process, best of three runs per length "
        "(two in quick mode) in each round, the lengths timed in turn; each round (a fresh model and fresh data) "
        "gives its own growth exponent, so the exponents carry a 95% interval. Truncation does not save time: it "
        "does the same steps forward and backward, in chunks.",
    ]
    return lab.Result(metrics=metrics, figures=figures, tables=[check, forecast_table, cost_table], notes=notes)


def _forecast_figure(years, spots, test, ar_forecast, p_best, rnn_curves, rnn_values):
    fig, (left, right) = figure(1, 2, width=13, height=4.2)
    shown = np.arange(SUNSPOT_TRAIN - 60, len(spots))
    left.plot(years[shown], spots[shown], color=_COLORS["actual"], lw=1.5, label="observed")
    left.plot(years[test], spots[test - 1], color=_COLORS["persistence"], ls=":", label="persistence")
    left.plot(years[test], ar_forecast, color=_COLORS["ar"], ls="--", label=f"AR({p_best})")
    left.plot(years[test], rnn_curves[0], color=_COLORS["rnn"], label="RNN (first seed)")
    left.axvline(years[SUNSPOT_TRAIN] - 0.5, color="k", lw=0.8)
    left.text(years[SUNSPOT_TRAIN], left.get_ylim()[1] * 0.95, " test", va="top", fontsize=8)
    titled(left, "one-year-ahead forecasts", x="year", y="sunspot number")
    left.legend(fontsize=8, loc="upper left")
    actual = spots[test]
    labels = ["persistence", f"AR({p_best})", "RNN"]
    values = [rmse(spots[test - 1], actual), rmse(ar_forecast, actual), float(np.mean(rnn_values))]
    right.bar(labels, values, color=[_COLORS["persistence"], _COLORS["ar"], _COLORS["rnn"]])
    right.plot([2] * len(rnn_values), rnn_values, "k.", ms=4)
    titled(right, "test RMSE (bar: mean; dots: RNN seeds)", y="test RMSE (sunspot number)")
    return fig


def _cost_figure(unrolled_errors, finite_errors, lengths, cost, k):
    fig, (left, middle, right) = figure(1, 3, width=15, height=4.2)
    names = list(unrolled_errors)
    floor = 1e-17  # an exact match (error 0) is drawn at the floor of the log axis
    left.bar(range(len(names)), [max(unrolled_errors[n], floor) for n in names], color="#4c72b0", label="vs unrolled")
    fd = [i for i, n in enumerate(names) if n in finite_errors]
    left.plot(fd, [max(finite_errors[names[i]], floor) for i in fd], "o", color="#c44e52", label="vs finite diff.")
    left.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    left.set_yscale("log")
    titled(left, "fused BPTT gradient vs references", y="relative error", legend=True)
    for ax, index, label, unit in ((middle, 0, "CPU ms per gradient", 1e3), (right, 1, "peak memory (MiB)", 2**-20)):
        for name, style, color in (("full", "o-", "#4c72b0"), ("truncated", "s-", "#55a868")):
            ax.loglog(lengths, [cost[name, T][index] * unit for T in lengths], style, color=color,
                      label="full BPTT" if name == "full" else f"truncated BPTT, k = {k}")  # fmt: skip
        ax.set_xlabel("sequence length T")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    middle.set_title("time of one gradient")
    right.set_title("memory of one gradient")
    return fig


# ------------------------------------------------------------------------------ verdict rules
def _within(metric: str, low: float = 0.75, high: float = 1.25) -> lab.Test:
    """A growth exponent whose whole interval lies in [low, high]: about linear in T."""
    return lab.Above(metric, low) & lab.Below(metric, high)


_LINEAR = _within("full_bptt_time_exponent") & _within("full_bptt_memory_exponent")
_FLAT = lab.Below("truncated_memory_exponent", 0.25)


_RNN_FITTED = lab.Gate(
    "rnn_fit_over_persistence",
    "the RNN fitted its training years (RMSE there at most 0.9 of persistence's)",
    at_most=0.9,
)
_MEMORYLESS_FITTED = lab.Gate(
    "memoryless_fit_over_persistence",
    "the memoryless RNN learned what the current year tells (training-years RMSE at most 1.05 of persistence's)",
    at_most=1.05,
)


EXPERIMENT = lab.described(
    "q12",
    claims=(
        lab.Claim(
            "sequential_state",
            "An RNN models sequential data: its hidden state carries what it has read, so its output depends "
            "on the history and not only on the current input.",
            lab.Effect("memoryless_minus_rnn_rmse", +1, min_effect=2.0, unit=" sunspots"),
            gates=(_RNN_FITTED, _MEMORYLESS_FITTED),
        ),
        lab.Claim(
            "good_accuracy",
            "RNNs model sequential data with a good amount of accuracy.",
            lab.Decide(
                (lab.Verdict.REFUTED, lab.Above("rnn_over_persistence_rmse", 1.0, strict=True)),
                (lab.Verdict.NOT_SUPPORTED, lab.Above("rnn_over_persistence_rmse", 0.8, strict=True)),
                (
                    lab.Verdict.SUPPORTED,
                    lab.Below("rnn_over_persistence_rmse", 0.8) & lab.Below("rnn_over_ar_rmse", 0.95),
                ),
                (
                    lab.Verdict.PARTLY,
                    lab.Below("rnn_over_persistence_rmse", 0.8) & lab.Above("rnn_over_ar_rmse", 0.95, strict=True),
                ),
                note="test RMSE of the RNN over persistence's (0.8: clearly better than the naive forecast) and over "
                "the best AR model's (0.95: clearly better than a linear model too)",
            ),
            gates=(_RNN_FITTED,),
        ),
        lab.Claim(
            "bptt_is_backprop",
            "RNNs are trained by backpropagation through time: ordinary backpropagation through the network "
            "unrolled over the time steps.",
            lab.AtMost("max_rel_error", 1e-6, 1e-4, 1e-2),
        ),
        lab.Claim(
            "bptt_cost",
            "Full BPTT costs time and memory in proportion to the sequence length; truncating the backward "
            "pass to k steps makes the memory independent of the length.",
            lab.Decide(
                (
                    lab.Verdict.REFUTED,
                    lab.Below("full_bptt_time_exponent", 0.5, strict=True)
                    & lab.Below("full_bptt_memory_exponent", 0.5, strict=True),
                ),
                (lab.Verdict.SUPPORTED, _LINEAR & _FLAT),
                (lab.Verdict.PARTLY, _LINEAR | _within("full_bptt_memory_exponent") & _FLAT),
                otherwise=lab.Verdict.NOT_SUPPORTED,
                note="exponents b of cost ~ T^b fitted over the sequence lengths, one per timing round; linear is b "
                "in [0.75, 1.25], flat is b <= 0.25; partly if full BPTT is linear or its memory is linear and "
                "truncated BPTT's memory flat",
            ),
        ),
    ),
    run=run,
)
