"""Q15. What is an LSTM, and what does a bidirectional LSTM add?

Four measurements: the adding problem (a dependency 20 to 40 steps long) for a plain RNN and an LSTM,
with the gradient that reaches each input step; the cost of one training step; the time each needs to
reach 90% on digits read row by row (a short-range task); and a tagging task whose answer lies in the
future, for a one-way and a bidirectional LSTM.

The model and training pieces here (:class:`SequenceModel`, :func:`cpu_seconds_per_step`,
:func:`train_adding`) are shared with q16 and q17.
"""

from __future__ import annotations

import copy
import time

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..autograd import no_grad
from ..data.sequences import ADDING_BASELINE_MSE, adding_problem
from ..tensor import Tensor
from .common import digits_split
from .framework import Claim, Context, Custom, Experiment, Result, Table, Verdict, estimate, estimate_of
from .plots import figure

_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
_COLORS = {"rnn": "#c44e52", "lstm": "#4c72b0", "gru": "#55a868", "bilstm": "#8172b2"}
_HIDDEN = 32
_SOLVED = 0.1  # adding problem: test MSE below 10% of the constant baseline's counts as solved
_STOP = 0.03  # training stops once the validation MSE is below 3% of the baseline's
_DIGITS_TARGET = 0.9
_OFFSETS = (-3, -2, -1, 0, 1, 2, 3)  # tagging: the target at step t is the input bit at t + k


# ------------------------------------------------------------------------------ shared with q16 and q17
def set_forget_bias(lstm: nn.LSTM, value: float = 1.0) -> None:
    """Start every forget gate at sigmoid(value): bias_ih's f block = value, bias_hh's = 0 (Jozefowicz et al., 2015)."""
    H = lstm.hidden_size
    for name, p in lstm.named_parameters():
        if name.startswith("bias_ih"):
            p.data[H : 2 * H] = value
        elif name.startswith("bias_hh"):
            p.data[H : 2 * H] = 0.0


class SequenceModel(nn.Module):
    """A one-layer RNN, LSTM or GRU (batch first) and a linear read-out.

    ``per_step=False``: the read-out sees the last state, (B, T, I) -> (B, outputs) (one way only).
    ``per_step=True``: it sees the output at every step, (B, T, I) -> (B, T, outputs).
    An LSTM's forget gates start at sigmoid(1) unless ``forget_bias`` is None (PyTorch's uniform init).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        outputs: int,
        rng: np.random.Generator,
        bidirectional: bool = False,
        per_step: bool = False,
        forget_bias: float | None = 1.0,
    ):
        super().__init__()
        if bidirectional and not per_step:
            raise ValueError("a bidirectional SequenceModel reads out every step: pass per_step=True")
        self.cell, self.per_step = cell, per_step
        self.rnn = _CELLS[cell](input_size, hidden_size, bidirectional=bidirectional, rng=rng)
        if cell == "lstm" and forget_bias is not None:
            set_forget_bias(self.rnn, forget_bias)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), outputs, rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        output, state = self.rnn(x)
        if self.per_step:
            return self.head(output)
        h_n = state[0] if self.cell == "lstm" else state
        return self.head(h_n[-1])


def n_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def cpu_seconds_per_step(model: nn.Module, loss_fn, x: np.ndarray, y, repeats: int) -> float:
    """Median CPU time (this process, one BLAS thread) of one Adam step: forward, backward, update.

    CPU time rather than wall time: the machine is shared, and waiting for a core is not the model's cost.
    """
    opt = optim.Adam(model.parameters(), lr=1e-4)
    xt = Tensor(x)

    def step():
        opt.zero_grad()
        loss_fn(model(xt), y).backward()
        opt.step()

    step()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
    return float(np.median(times))


def _mse(pred: Tensor, y) -> Tensor:
    return F.mse_loss(pred, y)


def adding_batches(T: int, seed: int, batch: int = 32):
    """Fresh adding-problem batches, (x (B, T, 2), y (B, 1)), each from its own seed."""
    step = 0
    while True:
        x, y = adding_problem(batch, T, seed=seed * 1_000_003 + step)
        step += 1
        yield x, Tensor(y[:, None])


def train_adding(
    cell: str,
    T: int,
    seed: int,
    max_steps: int,
    hidden: int = _HIDDEN,
    lr: float = 2e-2,
    check_every: int = 25,
):
    """Adam (lr 2e-2, gradient norm clipped at 1) on fresh batches of 32 until the validation MSE is below
    3% of the baseline's, or ``max_steps``.

    Returns (model, curve [(step, validation MSE / baseline)], steps taken, stopped early: bool).
    """
    rng = np.random.default_rng(seed)
    model = SequenceModel(cell, 2, hidden, 1, rng)
    opt = optim.Adam(model.parameters(), lr=lr)
    x_val, y_val = adding_problem(500, T, seed=10_000 + seed)
    curve, solved, steps = [], False, 0
    for steps, (x, y) in enumerate(adding_batches(T, seed), start=1):
        opt.zero_grad()
        _mse(model(Tensor(x)), y).backward()
        optim.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if steps % check_every == 0:
            with no_grad():
                val = float(np.mean((model(Tensor(x_val)).numpy()[:, 0] - y_val) ** 2)) / ADDING_BASELINE_MSE
            curve.append((steps, val))
            solved = val < _STOP
        if solved or steps >= max_steps:
            break
    return model, curve, steps, solved


def adding_test_nmse(model: nn.Module, T: int, seed: int) -> float:
    """Test MSE on 1,000 fresh sequences, as a fraction of the constant baseline's (1/6)."""
    x, y = adding_problem(1000, T, seed=20_000 + seed)
    with no_grad():
        return float(np.mean((model(Tensor(x)).numpy()[:, 0] - y) ** 2)) / ADDING_BASELINE_MSE


# ------------------------------------------------------------------------------ parts of the experiment
def _gradient_profile(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """log10 of the mean over sequences of ||d y_hat / d x_t||, for every step t (float64 copy of the model)."""
    probe = copy.deepcopy(model).double()
    xt = Tensor(x.astype(np.float64), requires_grad=True)
    probe(xt).sum().backward()
    norms = np.linalg.norm(xt.grad, axis=-1).mean(axis=0)
    return np.log10(np.maximum(norms, 1e-300))


def _edge_ratio(profile: np.ndarray, k: int = 5) -> float:
    """log10 of the gradient reaching the first k steps over that reaching the last k (both averaged)."""
    return float(np.log10(np.mean(10 ** profile[:k])) - np.log10(np.mean(10 ** profile[-k:])))


def _digits_run(cell: str, seed: int, data, max_steps: int, every: int = 10):
    """Adam 1e-2, batch 32, on digits as 8 rows of 8 pixels; test accuracy every ``every`` steps."""
    x_train, x_test, y_train, y_test = data
    rng = np.random.default_rng(seed)
    model = SequenceModel(cell, 8, _HIDDEN, 10, rng)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    curve = []
    for step in range(1, max_steps + 1):
        pick = rng.integers(0, len(y_train), 32)
        opt.zero_grad()
        F.cross_entropy(model(Tensor(x_train[pick])), y_train[pick]).backward()
        opt.step()
        if step % every == 0:
            with no_grad():
                curve.append((step, float((model(Tensor(x_test)).numpy().argmax(axis=1) == y_test).mean())))
    return curve


def _steps_to(curve, target: float) -> int:
    """First step whose accuracy reaches ``target``; the last step + one interval if none does (censored)."""
    for step, acc in curve:
        if acc >= target:
            return step
    return curve[-1][0] + (curve[1][0] - curve[0][0])


def _tagging_batch(n: int, T: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2, (n, T, 1)).astype(np.float32)


def _tagging_loss(logits: Tensor, x: np.ndarray) -> Tensor:
    """Mean binary cross-entropy over offsets, each on the steps where x_{t+k} exists."""
    T = x.shape[1]
    total = None
    for j, k in enumerate(_OFFSETS):
        lo, hi = max(0, -k), min(T, T - k)
        target = Tensor(np.ascontiguousarray(x[:, lo + k : hi + k, 0]))
        term = F.binary_cross_entropy_with_logits(logits[:, lo:hi, j], target)
        total = term if total is None else total + term
    return total * (1.0 / len(_OFFSETS))


def _tagging_accuracy(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """Per offset k: the share of steps whose predicted bit equals x_{t+k}."""
    T = x.shape[1]
    with no_grad():
        logits = model(Tensor(x)).numpy()
    out = []
    for j, k in enumerate(_OFFSETS):
        lo, hi = max(0, -k), min(T, T - k)
        out.append(float(((logits[:, lo:hi, j] > 0) == (x[:, lo + k : hi + k, 0] > 0.5)).mean()))
    return np.array(out)


def _train_tagger(bidirectional: bool, seed: int, steps: int, T: int = 20, hidden: int = 16) -> np.ndarray:
    rng = np.random.default_rng(seed)
    model = SequenceModel("lstm", 1, hidden, len(_OFFSETS), rng, bidirectional=bidirectional, per_step=True)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        x = _tagging_batch(32, T, rng)
        opt.zero_grad()
        _tagging_loss(model(Tensor(x)), x).backward()
        opt.step()
    return _tagging_accuracy(model, _tagging_batch(500, T, np.random.default_rng(30_000 + seed)))


def _costs(repeats: int) -> dict:
    """Parameters and CPU ms per Adam step at input 16, hidden 64, T = 100, batch 32, a read-out at every step."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 100, 16)).astype(np.float32)
    y = Tensor(np.zeros((32, 100, 1), np.float32))
    out = {}
    for label, cell, bi in [
        ("rnn", "rnn", False),
        ("gru", "gru", False),
        ("lstm", "lstm", False),
        ("bilstm", "lstm", True),
    ]:
        model = SequenceModel(cell, 16, 64, 1, rng, bidirectional=bi, per_step=True)
        out[label] = (n_parameters(model.rnn), cpu_seconds_per_step(model, _mse, x, y, repeats) * 1e3)
    return out


# ------------------------------------------------------------------------------ run
def run(ctx: Context) -> Result:
    seeds = ctx.seeds(full=3, quick=1)
    T = ctx.pick(40, 20)

    # 1. The adding problem: a plain RNN and an LSTM, and the gradient that reaches each input step.
    probe_x, _ = adding_problem(256, T, seed=40_000)
    nmse, solved, curves, profiles = {}, {}, {}, {}
    for cell in ("rnn", "lstm"):
        values, wins = [], []
        for s in seeds:
            init_profile = _gradient_profile(SequenceModel(cell, 2, _HIDDEN, 1, np.random.default_rng(s)), probe_x)
            model, curve, steps, _ = train_adding(cell, T, s, max_steps=ctx.pick(900, 200))
            values.append(adding_test_nmse(model, T, s))
            wins.append(values[-1] < _SOLVED)
            curves[cell, s] = curve
            profiles[cell, s] = (init_profile, _gradient_profile(model, probe_x))
        nmse[cell], solved[cell] = estimate(values, seeds), float(np.mean(wins))
    ratio = {
        (cell, when): estimate([_edge_ratio(profiles[cell, s][i]) for s in seeds], seeds)
        for cell in ("rnn", "lstm")
        for i, when in enumerate(("init", "trained"))
    }

    # 2. Cost per step, and time to 90% on digits read row by row (a short-range task).
    costs = _costs(ctx.pick(15, 3))
    x_train, x_test, y_train, y_test = digits_split()
    digits = (x_train.reshape(-1, 8, 8), x_test.reshape(-1, 8, 8), y_train, y_test)
    step_cost = {
        cell: cpu_seconds_per_step(
            SequenceModel(cell, 8, _HIDDEN, 10, np.random.default_rng(0)),
            F.cross_entropy,
            digits[0][:32],
            y_train[:32],
            ctx.pick(30, 10),
        )
        for cell in ("rnn", "lstm")
    }
    digit_curves = {
        (cell, s): _digits_run(cell, s, digits, ctx.pick(400, 100)) for cell in ("rnn", "lstm") for s in seeds
    }
    to_target = {
        cell: estimate([_steps_to(digit_curves[cell, s], _DIGITS_TARGET) * step_cost[cell] for s in seeds], seeds)
        for cell in ("rnn", "lstm")
    }
    time_ratio = estimate([a / b for a, b in zip(to_target["lstm"].values, to_target["rnn"].values)], seeds)

    # 3. Tagging: output the input bit k steps away, k = -3..3, one-way vs bidirectional LSTM.
    tag = {bi: np.array([_train_tagger(bi, s, ctx.pick(300, 80)) for s in seeds]) for bi in (False, True)}
    future = [j for j, k in enumerate(_OFFSETS) if k > 0]
    past = [j for j, k in enumerate(_OFFSETS) if k < 0]

    def side(bi, cols):
        return estimate(tag[bi][:, cols].mean(axis=1), seeds)

    metrics = {
        "lstm_solved_fraction": solved["lstm"],
        "rnn_solved_fraction": solved["rnn"],
        "lstm_adding_test_nmse": nmse["lstm"],
        "rnn_adding_test_nmse": nmse["rnn"],
        "lstm_trained_log10_grad_ratio": ratio["lstm", "trained"],
        "rnn_trained_log10_grad_ratio": ratio["rnn", "trained"],
        "lstm_init_log10_grad_ratio": ratio["lstm", "init"],
        "rnn_init_log10_grad_ratio": ratio["rnn", "init"],
        "lstm_over_rnn_params": costs["lstm"][0] / costs["rnn"][0],
        "lstm_over_rnn_step_time": costs["lstm"][1] / costs["rnn"][1],
        "digits_lstm_over_rnn_time_to_90": time_ratio,
        "uni_future_accuracy": side(False, future),
        "bi_future_accuracy": side(True, future),
        "uni_past_accuracy": side(False, past),
        "bi_past_accuracy": side(True, past),
    }

    adding_table = Table(
        f"Adding problem, T = {T}, hidden {_HIDDEN}, Adam 2e-2, batch 32 ({len(seeds)} seeds; MSE / baseline 1/6)",
        ["model", "test MSE / baseline", "seeds solved (< 0.1)", "log10 grad ratio at init", "after training"],
    )
    for cell in ("rnn", "lstm"):
        adding_table.add(
            cell.upper(), nmse[cell].mean, f"{solved[cell]:.2f}", ratio[cell, "init"].mean, ratio[cell, "trained"].mean
        )
    cost_table = Table(
        "Cost of one Adam step (input 16, hidden 64, T = 100, batch 32; CPU time, one BLAS thread)",
        ["model", "parameters", "matrix products per step (RNN = 1)", "CPU ms per step", "relative to RNN"],
    )
    blocks = {"rnn": 1, "gru": 3, "lstm": 4, "bilstm": 8}
    for label, (params, ms) in costs.items():
        cost_table.add(
            label.upper() if label != "bilstm" else "BiLSTM", params, blocks[label], ms, ms / costs["rnn"][1]
        )
    speed_table = Table(
        f"Digits as 8 rows of 8 pixels, hidden {_HIDDEN}, Adam 1e-2, batch 32: time to {_DIGITS_TARGET:.0%} test "
        "accuracy (steps x CPU time per step)",
        ["model", "CPU ms per step", "steps to target (mean)", "CPU s to target (mean)"],
    )
    for cell in ("rnn", "lstm"):
        steps = [_steps_to(digit_curves[cell, s], _DIGITS_TARGET) for s in seeds]
        speed_table.add(cell.upper(), step_cost[cell] * 1e3, float(np.mean(steps)), to_target[cell].mean)
    tag_table = Table(
        "Tagging: predict the input bit k steps away (T = 20, hidden 16 per direction), test accuracy",
        ["model"] + [f"k = {k:+d}" for k in _OFFSETS],
    )
    for bi in (False, True):
        tag_table.add("BiLSTM" if bi else "LSTM", *tag[bi].mean(axis=0))

    figures = {
        "long-range memory: adding problem and gradients": _memory_figure(curves, profiles, seeds, T),
        "cost per step and time to target": _cost_figure(costs, digit_curves, step_cost, seeds),
        "one-way vs bidirectional": _tag_figure(tag),
    }
    notes = [
        "At initialisation the LSTM's gradient also shrinks with distance (forget gates start near sigmoid(1) = "
        "0.73), only far less than the RNN's. Training moves the forget gates towards 1 and the gradient profile "
        "becomes flat: the protection against vanishing gradients is something the LSTM learns, not something "
        "it starts with.",
        "The trained RNN's gradient ratio is what it is after failing: it never found the marked values.",
        "Times are CPU time (process time with one BLAS thread): the machine is shared, and wall time would add "
        "the time spent waiting for a core. Ratios depend on the implementation; the FLOP ratio is exact.",
    ]
    return Result(
        metrics=metrics, figures=figures, tables=[adding_table, cost_table, speed_table, tag_table], notes=notes
    )


# ------------------------------------------------------------------------------ figures
def _memory_figure(curves, profiles, seeds, T):
    fig, (left, right) = figure(1, 2, width=12, height=4.2)
    for cell in ("rnn", "lstm"):
        for i, s in enumerate(seeds):
            steps, vals = zip(*curves[cell, s])
            left.plot(steps, vals, color=_COLORS[cell], alpha=0.8, label=cell.upper() if i == 0 else None)
        init = np.mean([profiles[cell, s][0] for s in seeds], axis=0)
        trained = np.mean([profiles[cell, s][1] for s in seeds], axis=0)
        right.plot(range(1, T + 1), init, "--", color=_COLORS[cell], label=f"{cell.upper()} at init")
        right.plot(range(1, T + 1), trained, "-", color=_COLORS[cell], label=f"{cell.upper()} trained")
    left.axhline(1.0, color="k", ls=":", lw=1, label="constant answer")
    left.axhline(_SOLVED, color="k", ls="--", lw=1, label="solved")
    left.set_yscale("log")
    left.set_xlabel("training step")
    left.set_ylabel("validation MSE / baseline")
    left.set_title(f"adding problem, T = {T} (one line per seed)")
    left.legend(fontsize=8)
    right.set_xlabel("input step t")
    right.set_ylabel("log10 mean ‖d prediction / d x_t‖")
    right.set_title("gradient reaching each input step")
    right.legend(fontsize=8)
    return fig


def _cost_figure(costs, digit_curves, step_cost, seeds):
    fig, (left, right) = figure(1, 2, width=12, height=4.2)
    labels = list(costs)
    left.bar(range(len(labels)), [costs[k][1] for k in labels], color=[_COLORS[k] for k in labels])
    left.set_xticks(range(len(labels)), [k.upper() if k != "bilstm" else "BiLSTM" for k in labels])
    left.set_ylabel("CPU ms per Adam step")
    left.set_title("one training step: input 16, hidden 64, T = 100, batch 32")
    for cell in ("rnn", "lstm"):
        for i, s in enumerate(seeds):
            steps, acc = zip(*digit_curves[cell, s])
            right.plot(
                np.array(steps) * step_cost[cell], acc, color=_COLORS[cell], label=cell.upper() if i == 0 else None
            )
    right.axhline(_DIGITS_TARGET, color="k", ls="--", lw=1, label=f"{_DIGITS_TARGET:.0%}")
    right.set_ylim(0.3, 1.0)
    right.set_xlabel("CPU seconds of training")
    right.set_ylabel("test accuracy")
    right.set_title("digits read row by row (short dependencies)")
    right.legend(fontsize=8)
    return fig


def _tag_figure(tag):
    fig, ax = figure(width=7, height=4)
    for bi, marker in ((False, "o"), (True, "s")):
        acc = tag[bi]
        label = "BiLSTM" if bi else "LSTM (one way)"
        color = _COLORS["bilstm" if bi else "lstm"]
        ax.plot(_OFFSETS, acc.mean(axis=0), marker + "-", color=color, label=label)
        for row in acc:
            ax.plot(_OFFSETS, row, marker, color=color, alpha=0.3, ms=3)
    ax.axhline(0.5, color="k", ls=":", lw=1, label="chance")
    ax.axvline(0.5, color="grey", lw=0.8)
    ax.set_xlabel("offset k (target = input bit at t + k; k > 0 is the future)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0.4, 1.02)
    ax.set_title("which inputs can each model use?")
    ax.legend(fontsize=8)
    return fig


# ------------------------------------------------------------------------------ verdict rules
def _long_term(m: dict) -> Verdict:
    lstm, rnn = m["lstm_solved_fraction"], m["rnn_solved_fraction"]
    if lstm >= 0.66 and rnn <= 0.34:
        return Verdict.SUPPORTED
    if lstm >= 0.34:
        return Verdict.PARTLY
    return Verdict.REFUTED if lstm <= rnn else Verdict.NOT_SUPPORTED


def _vanishing(m: dict) -> Verdict:
    lstm, rnn = m["lstm_trained_log10_grad_ratio"].mean, m["rnn_trained_log10_grad_ratio"].mean
    if lstm >= -1 and lstm - rnn >= 2:
        return Verdict.SUPPORTED
    if lstm - rnn >= 2:
        return Verdict.PARTLY
    return Verdict.REFUTED if lstm <= rnn else Verdict.NOT_SUPPORTED


def _quick(m: dict) -> Verdict:
    long_win = m["lstm_solved_fraction"] > m["rnn_solved_fraction"]
    low, high = m["digits_lstm_over_rnn_time_to_90"].ci
    if long_win and high < 1:
        return Verdict.SUPPORTED
    if long_win or high < 1:
        return Verdict.PARTLY
    return Verdict.REFUTED if low > 1 else Verdict.NOT_SUPPORTED


def _bidirectional(m: dict) -> Verdict:
    bi_f, uni_f, bi_p = m["bi_future_accuracy"].mean, m["uni_future_accuracy"].mean, m["bi_past_accuracy"].mean
    if bi_f >= 0.95 and bi_p >= 0.95 and uni_f <= 0.6:
        return Verdict.SUPPORTED
    if bi_f - uni_f >= 0.1:
        return Verdict.PARTLY
    return Verdict.REFUTED if bi_f - uni_f <= 0.02 else Verdict.NOT_SUPPORTED


def _memory(lstm, rnn) -> dict:
    return {"lstm_solved_fraction": lstm, "rnn_solved_fraction": rnn}


def _grads(lstm, rnn) -> dict:
    return {"lstm_trained_log10_grad_ratio": estimate_of(*lstm), "rnn_trained_log10_grad_ratio": estimate_of(*rnn)}


def _speed(lstm, rnn, ratios) -> dict:
    return {
        "lstm_solved_fraction": lstm,
        "rnn_solved_fraction": rnn,
        "digits_lstm_over_rnn_time_to_90": estimate_of(*ratios),
    }


def _tags(bi_f, uni_f, bi_p) -> dict:
    return {
        "bi_future_accuracy": estimate_of(*bi_f),
        "uni_future_accuracy": estimate_of(*uni_f),
        "bi_past_accuracy": estimate_of(*bi_p),
        "uni_past_accuracy": estimate_of(1.0, 1.0, 1.0),
    }


EXPERIMENT = Experiment(
    id="q15",
    question="What is an LSTM, and what is a bidirectional LSTM?",
    answer=(
        "An LSTM is a recurrent network whose units carry a separate memory, the cell state, updated additively: "
        "c_t = f_t * c_(t-1) + i_t * g_t. Sigmoid gates decide how much of the old memory to keep (forget gate f), "
        "how much of the new candidate g to write (input gate i) and how much of the memory to show as the output "
        "h_t = o_t * tanh(c_t) (output gate o). When the forget gate stays near 1 the error signal travels back "
        "along the cell state without shrinking at every step, so an LSTM can learn links between inputs many steps "
        "apart where a plain RNN's gradient dies out. That does not make it quick to train in general: each step "
        "costs about four times a plain RNN's (four weight blocks instead of one), and on tasks with short "
        "dependencies a plain RNN gets there sooner. A bidirectional LSTM runs a second LSTM over the sequence in "
        "reverse and joins the two outputs at every step, so each output can depend on inputs before and after it. "
        "It needs the whole sequence first, so it cannot run online, and it costs twice as much."
    ),
    claims=(
        Claim(
            "long_term_dependencies",
            "An LSTM learns dependencies that span many time steps, which a plain RNN fails to learn.",
            Custom(
                _long_term,
                "adding problem (T = 40): share of seeds whose test MSE falls below 10% of the constant baseline's. "
                "Supported if the LSTM solves >= 2/3 of seeds and the RNN <= 1/3; partly if the LSTM solves >= 1/3; "
                "refuted if the LSTM solves no more than the RNN; otherwise not supported",
                ("lstm_solved_fraction", "rnn_solved_fraction"),
                {
                    Verdict.SUPPORTED: _memory(1.0, 0.0),
                    Verdict.PARTLY: _memory(0.5, 0.5),
                    Verdict.NOT_SUPPORTED: _memory(0.2, 0.0),
                    Verdict.REFUTED: _memory(0.0, 0.0),
                },
            ),
        ),
        Claim(
            "mitigates_vanishing_gradient",
            "An LSTM deals with the vanishing gradient: the error signal still reaches inputs far back in time.",
            Custom(
                _vanishing,
                "log10 of the gradient reaching the first 5 input steps over that reaching the last 5, after "
                "training on the adding problem, mean over seeds. Supported if the LSTM's is >= -1 (within a factor "
                "10) and at least 2 above the RNN's; partly if only the second holds; refuted if the LSTM's is no "
                "higher than the RNN's; otherwise not supported",
                ("lstm_trained_log10_grad_ratio", "rnn_trained_log10_grad_ratio"),
                {
                    Verdict.SUPPORTED: _grads([-0.3, -0.5, -0.2], [-8.0, -9.0, -7.0]),
                    Verdict.PARTLY: _grads([-3.0, -2.5, -3.5], [-8.0, -9.0, -7.0]),
                    Verdict.NOT_SUPPORTED: _grads([-3.0, -2.5, -3.5], [-4.0, -4.5, -3.5]),
                    Verdict.REFUTED: _grads([-8.0, -9.0, -7.0], [-3.0, -2.5, -3.5]),
                },
            ),
        ),
        Claim(
            "trains_quickly",
            "Because its gradient does not vanish, an LSTM trains quickly and reaches high accuracy.",
            Custom(
                _quick,
                "two tasks: the adding problem (long dependency; the LSTM wins if it solves more seeds than the RNN) "
                "and digits read row by row (short dependencies; CPU time to 90% test accuracy, LSTM / RNN, paired "
                "by seed, 95% CI). Supported if the LSTM wins on both (ratio CI below 1); partly if on one; refuted "
                "if it loses the adding problem and its ratio CI lies above 1; otherwise not supported",
                ("lstm_solved_fraction", "rnn_solved_fraction", "digits_lstm_over_rnn_time_to_90"),
                {
                    Verdict.SUPPORTED: _speed(1.0, 0.0, [0.5, 0.6, 0.55]),
                    Verdict.PARTLY: _speed(1.0, 0.0, [3.0, 4.0, 3.5]),
                    Verdict.NOT_SUPPORTED: _speed(0.0, 0.0, [0.8, 1.5, 1.1]),
                    Verdict.REFUTED: _speed(0.0, 0.0, [3.0, 4.0, 3.5]),
                },
            ),
        ),
        Claim(
            "bidirectional_context",
            "A bidirectional LSTM reads the sequence both ways, so each output can use past and future inputs.",
            Custom(
                _bidirectional,
                "tagging: predict the input bit k steps away; accuracy averaged over k = 1..3 (future) and k = -3..-1 "
                "(past). Supported if the BiLSTM scores >= 0.95 on both and the one-way LSTM <= 0.6 on the future "
                "(chance 0.5); partly if the BiLSTM beats the one-way LSTM on the future by >= 0.1; refuted if by "
                "<= 0.02; otherwise not supported",
                ("bi_future_accuracy", "uni_future_accuracy", "bi_past_accuracy", "uni_past_accuracy"),
                {
                    Verdict.SUPPORTED: _tags([0.99, 1.0, 0.98], [0.5, 0.51, 0.5], [1.0, 1.0, 1.0]),
                    Verdict.PARTLY: _tags([0.8, 0.85, 0.75], [0.5, 0.51, 0.5], [1.0, 1.0, 1.0]),
                    Verdict.NOT_SUPPORTED: _tags([0.56, 0.55, 0.57], [0.5, 0.51, 0.5], [1.0, 1.0, 1.0]),
                    Verdict.REFUTED: _tags([0.5, 0.51, 0.5], [0.5, 0.51, 0.5], [1.0, 1.0, 1.0]),
                },
            ),
        ),
    ),
    data=(
        "The adding problem (two-channel form of Le et al. 2015: values U(0, 1), two markers, one in each half; "
        "T = 40, fresh batches of 32); scikit-learn digits read as 8 rows of 8 pixels (the lab's split, 1,200 "
        "train / 597 test, pixels / 16); random bit streams of length 20 for the tagging task"
    ),
    references=(
        "Hochreiter & Schmidhuber (1997). Long short-term memory. Neural Computation 9(8).",
        "Gers, Schmidhuber & Cummins (2000). Learning to forget: continual prediction with LSTM. Neural "
        "Computation 12(10).",
        "Bengio, Simard & Frasconi (1994). Learning long-term dependencies with gradient descent is difficult. "
        "IEEE Transactions on Neural Networks 5(2).",
        "Schuster & Paliwal (1997). Bidirectional recurrent neural networks. IEEE Transactions on Signal "
        "Processing 45(11).",
        "Graves & Schmidhuber (2005). Framewise phoneme classification with bidirectional LSTM and other neural "
        "network architectures. Neural Networks 18(5-6).",
        "Le, Jaitly & Hinton (2015). A simple way to initialize recurrent networks of rectified linear units. "
        "arXiv 1504.00941.",
        "Jozefowicz, Zaremba & Sutskever (2015). An empirical exploration of recurrent network architectures. "
        "ICML (forget-gate bias 1).",
    ),
    run=run,
)
