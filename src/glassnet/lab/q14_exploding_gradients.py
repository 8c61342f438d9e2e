"""Q14. What is the exploding gradient problem, and what fixes it?

Three measurements: the gradient of a tanh RNN at initialisation against the length of the sequence it is
trained on, for recurrent matrices rho * Q (Q orthogonal) of growing scale rho; sunspot forecasters trained
by plain SGD from those starting points, with no remedy, gradient-norm clipping, truncated BPTT and an L2
penalty on the recurrent weights; and what truncation costs on a dependency longer than its window (an
LSTM that must recall a marked value from the first half of a sequence, with full and with truncated BPTT).
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..autograd import no_grad
from ..data.sequences import adding_problem
from ..tensor import Tensor
from ..train.tbptt import tbptt_step
from .framework import (
    Claim,
    Context,
    Custom,
    Effect,
    Experiment,
    Result,
    Table,
    Verdict,
    estimate,
    estimate_of,
    paired_difference,
)
from .plots import figure
from .q12_rnn_bptt import N_TRAIN, Forecaster, rmse, sunspot_series

_HIDDEN = 16
_LR = 0.05  # plain SGD: the step is proportional to the gradient, which is what exploding gradients break
_K = 10  # truncated BPTT: backpropagate at most 10 steps
_CLIP = 10.0  # about 10 times the gradient norm of a healthy run at the start
_TIGHT_CLIP = 1.0
_L2 = 0.1  # weight of the penalty 0.1 / 2 * ||W_hh||^2
_LENGTHS = (10, 25, 50, 100, 249)
_VANISHED = -7.0  # as in q13: below 1e-7 of the last step's gradient, float32 rounding loses it
_RECALL_BASELINE = 1 / 12  # recall task: MSE of the constant answer 1/2 (the variance of U(0, 1))
_RECALLED = _RECALL_BASELINE / 4
_REMEDIES = {
    "none": "no remedy",
    "clip": f"clip the gradient norm at {_CLIP:g}",
    "tight_clip": f"clip the gradient norm at {_TIGHT_CLIP:g}",
    "truncate": f"truncated BPTT, k = {_K}",
    "l2": f"L2 penalty {_L2:g} on W_hh",
}
_COLORS = {"none": "#c44e52", "clip": "#4c72b0", "tight_clip": "#64b5cd", "truncate": "#55a868", "l2": "#dd8452"}


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _forecaster(rho: float, seed: int) -> Forecaster:
    """The q12 sunspot RNN (16 tanh units, float64) with W_hh = rho * Q, Q a random orthogonal matrix."""
    rng = np.random.default_rng(seed)
    model = Forecaster(_HIDDEN, rng)
    model.rnn.weight_hh_l0.data[...] = rho * _orthogonal(rng, _HIDDEN)
    return model


def _truncated_backward(model: Forecaster, x: np.ndarray, y: np.ndarray, k: int) -> float:
    """The gradient of truncated BPTT with chunks of k steps, all chunks in one batch; returns the loss.

    The states at the chunk boundaries come from one forward pass without a graph (they are detached in
    truncated BPTT anyway); then every chunk runs from its boundary state as one row of a batch, padded
    rows ended by ``lengths``. The loss is the whole sequence's mean squared error, so the gradient equals
    ``tbptt_step(..., update_every_chunk=False)``'s (checked in the table), in one kernel call instead of T/k.
    """
    T = x.shape[1]
    starts = np.arange(0, T, k)
    lengths = np.minimum(k, T - starts)
    with no_grad():
        states, _ = model.rnn(Tensor(x))
    h0 = np.zeros((1, len(starts), _HIDDEN))
    h0[0, 1:] = states.data[0, starts[1:] - 1]
    chunks, targets, mask = (np.zeros((len(starts), k, 1)) for _ in range(3))
    for row, (start, n) in enumerate(zip(starts, lengths)):
        chunks[row, :n], targets[row, :n], mask[row, :n] = x[0, start : start + n], y[0, start : start + n], 1.0
    out, _ = model.rnn(Tensor(chunks), Tensor(h0), lengths=lengths)
    error = (model.head(out) - Tensor(targets)) * Tensor(mask)
    loss = (error * error).sum() / T
    loss.backward()
    return loss.item()


def _train(rho: float, remedy: str, seed: int, epochs: int, z: np.ndarray) -> dict:
    """Plain SGD (lr 0.05), full batch (the 249 training steps as one sequence), ``epochs`` updates."""
    model = _forecaster(rho, seed)
    optimizer = optim.SGD(model.parameters(), lr=_LR)
    x, y = z[None, : N_TRAIN - 1, None], z[None, 1:N_TRAIN, None]
    losses, norms = [], []
    for _ in range(epochs):
        optimizer.zero_grad()
        if remedy == "truncate":
            loss = _truncated_backward(model, x, y, _K)
        else:
            data_loss = F.mse_loss(model(x)[0], y)
            loss = data_loss.item()
            total = data_loss + optim.l2_penalty([model.rnn.weight_hh_l0], _L2) if remedy == "l2" else data_loss
            total.backward()
        limit = {"clip": _CLIP, "tight_clip": _TIGHT_CLIP}.get(remedy, np.inf)
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), limit))
        losses.append(loss)
        if not (np.isfinite(loss) and np.isfinite(norms[-1])):
            break
        optimizer.step()
    with no_grad():
        forecast = model(z[None, :-1, None])[0].numpy()[0, :, 0]
    radius = float(np.abs(np.linalg.eigvals(model.rnn.weight_hh_l0.data)).max())
    return {"losses": losses, "norms": norms, "forecast": forecast, "radius": radius}


def _gradient_by_length(rho: float, seed: int, z: np.ndarray) -> np.ndarray:
    """log10 ||dL/dW_hh|| at initialisation when the loss covers the first T years, for each T in _LENGTHS."""
    model = _forecaster(rho, seed)
    out = []
    for T in _LENGTHS:
        model.zero_grad()
        F.mse_loss(model(z[None, :T, None])[0], z[None, 1 : T + 1, None]).backward()
        out.append(np.log10(np.linalg.norm(model.rnn.weight_hh_l0.grad)))
    return np.array(out)


def _input_gradient_at_lag(rho: float, seed: int, z: np.ndarray, lag: int) -> float:
    """log10 of |d forecast_T / d x_(T-lag)| over |d forecast_T / d x_T|, at initialisation."""
    model = _forecaster(rho, seed)
    x = Tensor(z[None, : N_TRAIN - 1, None].copy(), requires_grad=True)
    model(x)[0][0, -1, 0].backward()
    g = np.abs(x.grad[0, ::-1, 0])
    return float(np.log10(max(g[lag], 1e-300)) - np.log10(g[0]))


# ------------------------------------------------------------------------------ the cost of truncation
def _recall_problem(n: int, T: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem's sequences with only the first-half marker kept; the target is that marked value.

    The marker lies at least T/2 steps before the end and nothing later resembles it, so a model trained by
    BPTT truncated to k < T/2 steps never gets a gradient at the step it must store.
    """
    X, _ = adding_problem(n, T, seed)
    X[:, T // 2 :, 1] = 0.0
    marked = X[:, :, 1].argmax(axis=1)
    return X, X[np.arange(n), marked, 0].copy()


class _Recaller(nn.Module):
    """LSTM (32 units, chrono init) over (value, marker) pairs, a linear read-out of the last state."""

    def __init__(self, T: int, rng: np.random.Generator):
        super().__init__()
        H = 32
        self.lstm = nn.LSTM(2, H, rng=rng)
        b_f = np.log(rng.uniform(1, T - 1, H))  # Tallec & Ollivier (2018)
        self.lstm.bias_ih_l0.data[:H], self.lstm.bias_hh_l0.data[:H] = -b_f, 0.0
        self.lstm.bias_ih_l0.data[H : 2 * H], self.lstm.bias_hh_l0.data[H : 2 * H] = b_f, 0.0
        self.head = nn.Linear(H, 1, rng=rng)

    def forward(self, x: np.ndarray, k: int | None = None) -> Tensor:
        """With ``k``: the first T - k steps run without a graph and the state is detached (truncated BPTT)."""
        state = None
        if k is not None and k < x.shape[1]:
            with no_grad():
                _, state = self.lstm(Tensor(x[:, :-k]))
            x = x[:, -k:]
        out, _ = self.lstm(Tensor(x), state)
        return self.head(out[:, -1]).reshape(-1)


def _recall_mse(T: int, k: int | None, steps: int, seed: int) -> float:
    """Adam (lr 1e-2, clipping at 1) on fresh batches of 32, with BPTT truncated to k steps (None: full); test MSE."""
    rng = np.random.default_rng(seed)
    model = _Recaller(T, rng)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    for step in range(steps):
        x, y = _recall_problem(32, T, seed=seed * 1_000_003 + step)
        optimizer.zero_grad()
        F.mse_loss(model(x, k), y).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    x, y = _recall_problem(1000, T, seed=80_000 + seed)
    with no_grad():
        return float(np.mean((model(x).numpy() - y) ** 2))


# ------------------------------------------------------------------------------ the experiment
def run(ctx: Context) -> Result:
    years, spots, z, mean, sd = sunspot_series()
    test = np.arange(N_TRAIN, len(spots))
    seeds = ctx.seeds(full=3, quick=1)
    epochs = ctx.pick(200, 100)
    scales = ctx.pick((0.5, 1.0, 1.5, 2.0, 3.0), (0.5, 1.0, 3.0))
    large = ctx.pick((2.0, 3.0), (3.0,))
    remedy_scales = (1.0, *large)

    # 1. At initialisation: gradient against the length of the training sequence, and against the time lag.
    by_length = {rho: np.array([_gradient_by_length(rho, s, z) for s in seeds]) for rho in scales}
    growth = {rho: estimate(v[:, -1] - v[:, 0], seeds) for rho, v in by_length.items()}
    small_lag = estimate([_input_gradient_at_lag(min(scales), s, z, 50) for s in seeds], seeds)

    # 2. Training from each scale, with each remedy at the healthy scale 1 and the large ones.
    runs = {}
    for rho in scales:
        for remedy in _REMEDIES:
            if remedy != "none" and rho not in remedy_scales:
                continue
            for s in seeds:
                runs[rho, remedy, s] = _train(rho, remedy, s, epochs, z)

    def final(rho, remedy):
        return estimate([runs[rho, remedy, s]["losses"][-1] for s in seeds], seeds)

    def pooled(remedy):  # every (large scale, seed) pair, loss without remedy minus loss with it
        pairs = [(rho, s) for rho in large for s in seeds]
        none = [runs[rho, "none", s]["losses"][-1] for rho, s in pairs]
        treated = [runs[rho, remedy, s]["losses"][-1] for rho, s in pairs]
        return estimate(np.subtract(none, treated), range(len(pairs)))

    # 3. What truncation costs: an LSTM recalling a marked value from more than k steps back.
    T_rec, k_rec, steps = ctx.pick(40, 20), ctx.pick(_K, 5), ctx.pick(400, 300)
    rec_seeds = ctx.seeds(full=2, quick=1)
    recall = {k: estimate([_recall_mse(T_rec, k, steps, s) for s in rec_seeds], rec_seeds) for k in (None, k_rec)}

    # The batched truncation equals the library's tbptt_step (one check, scale 2, seed of the run).
    model = _forecaster(2.0, ctx.seed)
    x, y = z[None, : N_TRAIN - 1, None], z[None, 1:N_TRAIN, None]
    _truncated_backward(model, x, y, _K)
    batched = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    tbptt_step(model, F.mse_loss, None, x, y, _K, update_every_chunk=False)
    tbptt_error = max(
        float(np.linalg.norm(a - p.grad) / np.linalg.norm(p.grad)) for a, p in zip(batched, model.parameters())
    )

    healthy = final(1.0, "none")
    biggest = max(scales)
    metrics = {
        "small_scale_log10_grad_lag50": small_lag,
        "large_scale_log10_grad_growth": growth[biggest],
        "large_minus_healthy_loss": paired_difference(final(biggest, "none"), healthy),
        "none_minus_clipped_loss": pooled("clip"),
        "none_minus_truncated_loss": pooled("truncate"),
        "none_minus_l2_loss": pooled("l2"),
        "truncated_recall_mse": recall[k_rec],
        "full_bptt_recall_mse": recall[None],
    }

    init_table = Table(
        f"At initialisation: log10 ||dL/dW_hh|| when the loss covers the first T years (tanh RNN, W_hh = rho Q, "
        f"mean of {len(seeds)} seed(s))",
        ["rho"] + [f"T = {T}" for T in _LENGTHS] + ["growth T=10 to 249 (orders)"],
    )
    for rho in scales:
        init_table.add(rho, *by_length[rho].mean(axis=0), growth[rho].mean)
    train_table = Table(
        f"Sunspot forecaster trained by SGD (lr {_LR:g}, {epochs} full-batch updates, {len(seeds)} seed(s)): final "
        "training MSE (standardised units), largest gradient norm met (before clipping) and test RMSE",
        ["rho", "remedy", "final training MSE", "per seed", "max log10 ||g||", "test RMSE"],
    )
    for rho in scales:
        for remedy in _REMEDIES:
            if (rho, remedy, seeds[0]) not in runs:
                continue
            r = [runs[rho, remedy, s] for s in seeds]
            losses = [v["losses"][-1] for v in r]
            tests = [rmse(v["forecast"][test - 1] * sd + mean, spots[test]) for v in r]
            train_table.add(rho, _REMEDIES[remedy], float(np.mean(losses)), " / ".join(f"{v:.3f}" for v in losses),
                            float(np.log10(max(max(v["norms"]) for v in r))), float(np.mean(tests)))  # fmt: skip
    recall_table = Table(
        f"What truncation costs: an LSTM (32 units, chrono init) recalls the value marked in the first half of a "
        f"{T_rec}-step sequence, at least {T_rec // 2} steps back; {steps} Adam steps, {len(rec_seeds)} seed(s)",
        ["backpropagation", "test MSE", "per seed"],
    )
    for k, e in recall.items():
        label = "full BPTT" if k is None else f"truncated to the last {k} steps"
        recall_table.add(label, e.mean, " / ".join(f"{v:.4f}" for v in e.values))
    recall_table.add("(constant answer 1/2)", _RECALL_BASELINE, "-")

    figures = {
        "exploding gradients and remedies": _figure(by_length, scales, runs, seeds, large, epochs),
    }
    top = max(large)
    blown = [runs[top, "none", s]["radius"] for s in seeds]
    kept = [runs[top, "clip", s]["radius"] for s in seeds]
    tight = np.median([np.median(runs[rho, "tight_clip", s]["norms"]) for rho in large for s in seeds])
    first = np.median([runs[top, "none", s]["norms"][0] for s in seeds])

    def test_rmse(rho, remedy):
        return np.mean([rmse(runs[rho, remedy, s]["forecast"][test - 1] * sd + mean, spots[test]) for s in seeds])

    best = min((r for r in _REMEDIES if r != "none"), key=lambda r: test_rmse(top, r))
    notes = [
        f"The table's batched truncated BPTT agrees with glassnet.train.tbptt_step to a relative error of "
        f"{tbptt_error:.1e} (scale 2).",
        f"Without a remedy, the first updates from rho = {top:g} throw W_hh far out (final spectral radius "
        f"{_span(blown, '.1e')}; with clipping at {_CLIP:g} it ends at {_span(kept, '.2f')}): every tanh unit "
        f"saturates and the net is left with a fixed random code of its input. A threshold far below the run's "
        f"gradients (clipping at {_TIGHT_CLIP:g} while their median norm is {tight:.0e}) shrinks the whole gradient "
        "by that factor, so the read-out weights, whose own gradient is small, hardly move and training stalls.",
        f"An L2 penalty acts through the gradient step: with lr {_LR:g} and weight {_L2:g} it shrinks W_hh by "
        f"{_LR * _L2:.1%} per update, which cannot stop a first step driven by a gradient of norm {first:.0e} "
        f"(median at rho = {top:g}), and it pulls a healthy net toward the vanishing regime (rho = 1 in the table).",
        f"The remedies are judged on training loss, the quantity the optimiser works on. On the test years, the best "
        f"of them from rho = {top:g} ({_REMEDIES[best]}) scores an RMSE of {test_rmse(top, best):.1f}, against "
        f"{test_rmse(1.0, 'none'):.1f} for a net started at rho = 1 and trained as long.",
    ]
    if ctx.quick:
        notes.append(
            "Quick mode trains one seed at one large scale: each paired difference is a single number with no "
            "confidence interval, so a remedy with no real effect can read 'refuted' or 'supported' by chance."
        )
    return Result(metrics=metrics, figures=figures, tables=[init_table, train_table, recall_table], notes=notes)


def _span(values, spec: str) -> str:
    low, high = min(values), max(values)
    return f"{low:{spec}}" if f"{low:{spec}}" == f"{high:{spec}}" else f"{low:{spec}} to {high:{spec}}"


def _figure(by_length, scales, runs, seeds, large, epochs):
    fig, (left, middle, right) = figure(1, 3, width=16, height=4.4)
    cmap = ["#4c72b0", "#55a868", "#8c8c8c", "#dd8452", "#c44e52"]
    for rho, color in zip(scales, cmap[-len(scales) :] if len(scales) < 5 else cmap):
        left.plot(_LENGTHS, by_length[rho].mean(axis=0), "o-", color=color, label=f"rho = {rho:g}")
    left.set_xlabel("sequence length T (years in the loss)")
    left.set_ylabel("log10 ||dL/dW_hh|| at initialisation")
    left.set_title("gradient against sequence length")
    left.legend(fontsize=8)
    s = seeds[0]
    for remedy in ("none", "clip", "tight_clip", "truncate", "l2"):
        losses = runs[max(large), remedy, s]["losses"]
        middle.semilogy(np.arange(1, len(losses) + 1), losses, color=_COLORS[remedy], label=_REMEDIES[remedy])
    healthy = runs[1.0, "none", s]["losses"]
    middle.semilogy(np.arange(1, len(healthy) + 1), healthy, "k:", label="rho = 1, no remedy")
    middle.set_xlabel("SGD update")
    middle.set_ylabel("training MSE")
    middle.set_title(f"training from rho = {max(large):g} (first seed)")
    middle.legend(fontsize=7)
    remedies = list(_REMEDIES)
    width = 0.8 / len(remedies)
    shown = [rho for rho in scales if rho >= 1.0]
    for j, remedy in enumerate(remedies):
        xs, ys, dots = [], [], []
        for i, rho in enumerate(shown):
            if (rho, remedy, s) in runs:
                values = [runs[rho, remedy, q]["losses"][-1] for q in seeds]
                xs.append(i + (j - (len(remedies) - 1) / 2) * width)
                ys.append(np.mean(values))
                dots.append(values)
        right.bar(xs, ys, width=width, color=_COLORS[remedy], label=_REMEDIES[remedy])
        for xv, values in zip(xs, dots):
            right.plot([xv] * len(values), values, "k.", ms=3)
    right.set_yscale("log")
    right.set_xticks(range(len(shown)), [f"rho = {rho:g}" for rho in shown])
    right.set_ylabel(f"final training MSE after {epochs} updates")
    right.set_title("final loss by recurrent scale and remedy")
    right.legend(fontsize=7)
    return fig


# ------------------------------------------------------------------------------ verdict rules
def _opposite(m: dict) -> Verdict:
    vanishes = m["small_scale_log10_grad_lag50"].mean <= _VANISHED
    explodes = m["large_scale_log10_grad_growth"].mean >= 3.0
    if vanishes and explodes:
        return Verdict.SUPPORTED
    return Verdict.PARTLY if vanishes or explodes else Verdict.REFUTED


def _truncation(m: dict) -> Verdict:
    low, high = m["none_minus_truncated_loss"].ci
    helps = m["none_minus_truncated_loss"].mean > 0
    if high < 0:
        return Verdict.REFUTED
    if not helps:
        return Verdict.NOT_SUPPORTED
    keeps_long_range = m["truncated_recall_mse"].mean <= max(_RECALLED, 2 * m["full_bptt_recall_mse"].mean)
    return Verdict.SUPPORTED if low > 0 and keeps_long_range else Verdict.PARTLY


def _reliable_help(metric: str, min_effect: float = 0.05) -> Custom:
    """A remedy judged by the paired loss difference (no remedy minus remedy) over the large scales and seeds.

    Unlike :class:`Effect`, a mean above 0 whose CI reaches below 0 is "not supported", not "partly":
    with six pairs that spread widely, the sign of the mean alone is a coin flip when the remedy does nothing.
    """

    def verdict(m: dict) -> Verdict:
        low, high = m[metric].ci
        if low > 0:
            return Verdict.SUPPORTED if m[metric].mean >= min_effect else Verdict.PARTLY
        return Verdict.REFUTED if high < 0 else Verdict.NOT_SUPPORTED

    return Custom(
        verdict,
        f"{metric} (final training MSE without the remedy minus with it, paired over the large scales and seeds): "
        f"supported if its 95% CI lies above 0 and the mean is >= {min_effect:g}; partly if the CI lies above 0 "
        "with a smaller mean; refuted if the CI lies below 0; otherwise (no reliable effect) not supported",
        (metric,),
        {
            Verdict.SUPPORTED: {metric: estimate_of(0.3, 0.25, 0.35, 0.28)},
            Verdict.PARTLY: {metric: estimate_of(0.02, 0.025, 0.03, 0.022)},
            Verdict.NOT_SUPPORTED: {metric: estimate_of(0.15, -0.1, 0.05, -0.03)},
            Verdict.REFUTED: {metric: estimate_of(-0.3, -0.25, -0.35, -0.28)},
        },
    )


def _opposite_case(lag, growth) -> dict:
    return {"small_scale_log10_grad_lag50": estimate_of(*lag), "large_scale_log10_grad_growth": estimate_of(*growth)}


def _truncation_case(diff, truncated, full) -> dict:
    return {
        "none_minus_truncated_loss": estimate_of(*diff),
        "truncated_recall_mse": estimate_of(*truncated),
        "full_bptt_recall_mse": estimate_of(*full),
    }


EXPERIMENT = Experiment(
    id="q14",
    question="What is the exploding gradient problem, and how is it fixed?",
    answer=(
        "It is the mirror image of the vanishing gradient. The gradient that backpropagation through time carries "
        "back k steps is a product of k Jacobians W_hh^T diag(f'(a)); when they stretch vectors (recurrent "
        "weights large enough), the product grows exponentially with k, and the gradient of a loss over a long "
        "sequence becomes astronomically large. This does not make training powerful: one SGD step along such a "
        "gradient throws the weights far away (in a tanh net every unit saturates and the net is stuck) or, "
        "without a bounded activation, overflows to NaN. The standard fix is gradient-norm clipping: rescale the "
        "gradient when its norm exceeds a threshold, which keeps its direction and bounds the step; the threshold "
        "must sit above the typical norm, or the whole gradient is shrunk and learning stalls. Truncated BPTT "
        "bounds the product to k factors, which also tames the explosion, but it stops the gradient from reaching "
        "anything more than k steps back, so long dependencies cannot be learned. An L2 penalty on the recurrent "
        "weights pulls them toward the stable range only gradually, and at the cost of capacity."
    ),
    claims=(
        Claim(
            "opposite_of_vanishing",
            "Exploding gradients are the opposite of vanishing ones: the same product of per-step factors grows "
            "instead of shrinking.",
            Custom(
                _opposite,
                f"at initialisation: supported if, with the smallest scale, the gradient reaching the input 50 "
                f"steps back is <= {_VANISHED:g} in log10 relative to the last step (vanishes) and, with the "
                f"largest scale, ||dL/dW_hh|| grows by >= 3 orders of magnitude from a 10-year to a 249-year loss "
                f"(explodes); partly if only one happens; refuted if neither does",
                ("small_scale_log10_grad_lag50", "large_scale_log10_grad_growth"),
                {
                    Verdict.SUPPORTED: _opposite_case([-15, -16, -15.5], [13, 12, 14]),
                    Verdict.PARTLY: _opposite_case([-15, -16, -15.5], [0.2, 0.1, 0.3]),
                    Verdict.REFUTED: _opposite_case([-1, -1.5, -1.2], [0.2, 0.1, 0.3]),
                },
            ),
        ),
        Claim(
            "powerful_training",
            "Too large gradient values in an RNN cause powerful training.",
            Effect("large_minus_healthy_loss", -1, min_effect=0.02, unit=" (training MSE)"),
        ),
        Claim(
            "clipping_fixes",
            "Gradient clipping fixes exploding gradients.",
            _reliable_help("none_minus_clipped_loss"),
        ),
        Claim(
            "truncation_fixes",
            "Truncated backpropagation through time fixes exploding gradients.",
            Custom(
                _truncation,
                "(a) final training MSE without remedy minus with truncated BPTT, paired over the large scales and "
                "seeds; (b) test MSE of an LSTM recalling a value from beyond the truncation window, trained with "
                "truncated vs full BPTT. Supported if (a)'s 95% CI lies above 0 and truncation still learns the long "
                f"dependency (b: at most max({_RECALLED:.3f}, twice the full-BPTT MSE), a quarter of the constant "
                "answer's); partly if (a) is positive on average but (b) fails or (a)'s CI touches 0; refuted if "
                "(a)'s CI lies below 0; otherwise not supported",
                ("none_minus_truncated_loss", "truncated_recall_mse", "full_bptt_recall_mse"),
                {
                    Verdict.SUPPORTED: _truncation_case([0.2, 0.25, 0.3], [0.003, 0.004], [0.003, 0.002]),
                    Verdict.PARTLY: _truncation_case([0.2, 0.25, 0.3], [0.09, 0.1], [0.003, 0.002]),
                    Verdict.NOT_SUPPORTED: _truncation_case([-0.2, 0.1, 0.05], [0.09, 0.1], [0.003, 0.002]),
                    Verdict.REFUTED: _truncation_case([-0.2, -0.25, -0.3], [0.09, 0.1], [0.003, 0.002]),
                },
            ),
        ),
        Claim(
            "penalty_fixes",
            "A penalty on the weights (L2 on the recurrent matrix) fixes exploding gradients.",
            _reliable_help("none_minus_l2_loss"),
        ),
    ),
    data=(
        "Yearly sunspot numbers (statsmodels), training years 1700-1949 as one 249-step sequence, standardised; "
        "test 1950-2008. A tanh RNN with 16 units and W_hh = rho * Q (Q random orthogonal), float64, trained by "
        "full-batch SGD. For the cost of truncation, sequences of (U(0,1) value, marker) pairs, 40 steps (20 in "
        "quick mode), one marker in the first half; target: the marked value"
    ),
    references=(
        "Bengio, Simard & Frasconi (1994). Learning long-term dependencies with gradient descent is difficult. "
        "IEEE Transactions on Neural Networks 5(2).",
        "Pascanu, Mikolov & Bengio (2013). On the difficulty of training recurrent neural networks. ICML "
        "(arXiv:1211.5063): exploding gradients, cliffs, and gradient-norm clipping.",
        "Williams & Peng (1990). An efficient gradient-based algorithm for on-line training of recurrent network "
        "trajectories. Neural Computation 2.",
        "Goodfellow, Bengio & Courville (2016). Deep Learning, MIT Press, sections 10.7 and 10.11.1.",
        "Tallec & Ollivier (2018). Can recurrent neural networks warp time? ICLR.",
    ),
    run=run,
)
