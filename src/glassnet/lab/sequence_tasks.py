"""Sequence tasks and the recurrent models trained on them, shared by the experiments on recurrent nets.

Sunspot forecasting (q12, q14): the series standardised on its training years, and an Elman forecaster.
The adding problem (q15, q17): a one-layer RNN, LSTM or GRU with a linear read-out, trained on fresh batches,
and the CPU time of one training step. Digits read row by row (q15, q17). Store and recall (q16, q17): a
stream of values with *store* and *query* markers, and a recurrent net trained to answer every query with the
value stored last.
"""

from __future__ import annotations

import time

import numpy as np

from .. import Tensor, nn, no_grad, optim
from ..data import ADDING_BASELINE_MSE, adding_problem, load_sunspots
from ..nn import functional as F

SUNSPOT_TRAIN = 250  # sunspot years 1700-1949 train the models; 1950-2008 test them

_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
_STOP = 0.03  # adding problem: training stops once the validation MSE is below 3% of the baseline's
ADDING_LRS = (2e-2, 6e-3, 2e-3)  # Adam rates tried, in this order, when a model's rate is tuned on validation

STORE_RECALL_HIDDEN = 16
STORE_RECALL_WINDOW = 40  # training and test windows: 40 steps from a zero state (quick mode trains on 20)
_P_STORE, _P_QUERY = 0.1, 0.1
LSTM_GATE_ROWS = {"input": 0, "forget": 1, "output": 3}  # row blocks of PyTorch's i, f, g, o layout


# ------------------------------------------------------------------------------ sunspots (q12, q14)
def sunspot_series():
    """(years, sunspot numbers float64, the series standardised with the training years' mean and sd, mean, sd)."""
    years, spots = load_sunspots()
    spots = spots.astype(np.float64)
    mean, sd = float(spots[:SUNSPOT_TRAIN].mean()), float(spots[:SUNSPOT_TRAIN].std())
    return years, spots, (spots - mean) / sd, mean, sd


def rmse(forecast: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(forecast) - np.asarray(actual)) ** 2)))


class Forecaster(nn.Module):
    """An Elman RNN over one value per year and a linear read-out: h_t = tanh(W_ih x_t + W_hh h_(t-1) + b),
    forecast of x_(t+1) = w^T h_t + c. float64."""

    def __init__(self, hidden: int, rng: np.random.Generator, nonlinearity: str = "tanh"):
        super().__init__()
        self.rnn = nn.RNN(1, hidden, nonlinearity=nonlinearity, dtype=np.float64, rng=rng, batch_first=True)
        self.head = nn.Linear(hidden, 1, dtype=np.float64, rng=rng)

    def forward(self, x, state=None):
        """x (B, T, 1) -> (forecasts (B, T, 1), final state)."""
        out, state = self.rnn(x if isinstance(x, Tensor) else Tensor(x), state)
        return self.head(out), state


# ------------------------------------------------------------------ recurrent models and the adding problem (q15, q17)
def set_forget_bias(lstm: nn.LSTM, value: float = 1.0) -> None:
    """Start every forget gate at sigmoid(value): bias_ih's f block = value, bias_hh's = 0 (Jozefowicz et al., 2015)."""
    H = lstm.hidden_size
    for name, p in lstm.named_parameters():
        if name.startswith("bias_ih"):
            p.data[H : 2 * H] = value
        elif name.startswith("bias_hh"):
            p.data[H : 2 * H] = 0.0


def set_chrono_bias(lstm: nn.LSTM, T: int, rng: np.random.Generator) -> None:
    """Chrono init (Tallec & Ollivier, 2018): forget biases log U(1, T - 1), input biases their negatives,
    bias_hh's blocks 0, so that each unit starts with a memory time scale between 1 and T - 1 steps."""
    H = lstm.hidden_size
    b_f = np.log(rng.uniform(1, T - 1, H))
    lstm.bias_ih_l0.data[:H], lstm.bias_hh_l0.data[:H] = -b_f, 0.0
    lstm.bias_ih_l0.data[H : 2 * H], lstm.bias_hh_l0.data[H : 2 * H] = b_f, 0.0


class SequenceModel(nn.Module):
    """A one-layer RNN, LSTM or GRU (batch first) and a linear read-out.

    ``per_step=False``: the read-out sees the last state, (B, T, I) -> (B, outputs) (one way only).
    ``per_step=True``: it sees the output at every step, (B, T, I) -> (B, T, outputs).
    An LSTM's forget gates start at sigmoid(1) unless ``forget_bias`` is None (PyTorch's uniform init);
    ``orthogonal=True`` starts the recurrent matrix W_hh orthogonal (Saxe et al., 2014; semi-orthogonal, stacked,
    for the gated cells).
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
        orthogonal: bool = False,
    ):
        super().__init__()
        if bidirectional and not per_step:
            raise ValueError("a bidirectional SequenceModel reads out every step: pass per_step=True")
        self.cell, self.per_step = cell, per_step
        self.rnn = _CELLS[cell](input_size, hidden_size, bidirectional=bidirectional, rng=rng, batch_first=True)
        if cell == "lstm" and forget_bias is not None:
            set_forget_bias(self.rnn, forget_bias)
        if orthogonal:
            for name, p in self.rnn.named_parameters():
                if name.startswith("weight_hh"):
                    nn.init.orthogonal_(p, rng=rng)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), outputs, rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        output, state = self.rnn(x)
        if self.per_step:
            return self.head(output)
        h_n = state[0] if self.cell == "lstm" else state
        return self.head(h_n[-1])


def train_digit_rows(cell: str, hidden: int, x, y, steps: int, seed: int, evaluate, lr: float = 1e-2, every: int = 10,
                     stop_at: float | None = None) -> list:  # fmt: skip
    """Adam at ``lr``, batch 32, a :class:`SequenceModel` on digits read as 8 rows of 8 pixels (q15, q17).

    Every ``every`` steps ``evaluate(model)`` (an accuracy) joins the curve [(step, accuracy)], which is
    returned; training stops once it reaches ``stop_at``, when given (a time-to-target needs no more).
    """
    rng = np.random.default_rng(seed)
    model = SequenceModel(cell, 8, hidden, 10, rng)
    opt = optim.Adam(model.parameters(), lr=lr)
    curve = []
    for step in range(1, steps + 1):
        pick = rng.integers(0, len(y), 32)
        opt.zero_grad()
        F.cross_entropy(model(Tensor(x[pick])), y[pick]).backward()
        opt.step()
        if step % every == 0:
            curve.append((step, float(evaluate(model))))
            if stop_at is not None and curve[-1][1] >= stop_at:
                break
    return curve


def step_time_rounds(models: dict, loss_fn, x: np.ndarray, y, rounds: int, repeats: int) -> dict:
    """CPU seconds of one Adam step (forward, backward, update) of each model, once per timing round:
    {name: [median over ``repeats`` steps, one per round]}.

    CPU time (this process, one BLAS thread) rather than wall time: the machine may be shared, and waiting
    for a core is not the model's cost. The models take turns within each round, so a change of load
    between rounds hits them alike; the spread over rounds is what gives a time ratio its interval.
    """
    xt = Tensor(x)
    steps = {}
    for name, model in models.items():
        opt = optim.Adam(model.parameters(), lr=1e-4)

        def step(model=model, opt=opt):
            opt.zero_grad()
            loss_fn(model(xt), y).backward()
            opt.step()

        step()  # warm-up: the first step allocates the optimizer's state
        steps[name] = step
    out = {name: [] for name in models}
    for _ in range(rounds):
        for name, step in steps.items():
            times = []
            for _ in range(repeats):
                start = time.process_time()
                step()
                times.append(time.process_time() - start)
            out[name].append(float(np.median(times)))
    return out


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
    hidden: int = 32,
    lr: float = 2e-2,
    check_every: int = 25,
    forget_bias: float | None = 1.0,
    orthogonal: bool = False,
):
    """Adam (lr 2e-2, gradient norm clipped at 1) on fresh batches of 32 until the validation MSE is below
    3% of the baseline's, or ``max_steps``; ``forget_bias`` and ``orthogonal`` start the model as in
    :class:`SequenceModel`.

    Returns (model, curve [(step, validation MSE / baseline)], steps taken, stopped early: bool).
    """
    rng = np.random.default_rng(seed)
    model = SequenceModel(cell, 2, hidden, 1, rng, forget_bias=forget_bias, orthogonal=orthogonal)
    opt = optim.Adam(model.parameters(), lr=lr)
    x_val, y_val = adding_problem(500, T, seed=10_000 + seed)
    curve, solved, steps = [], False, 0
    for steps, (x, y) in enumerate(adding_batches(T, seed), start=1):
        opt.zero_grad()
        F.mse_loss(model(Tensor(x)), y).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if steps % check_every == 0:
            with no_grad():
                val = float(np.mean((model(Tensor(x_val)).numpy()[:, 0] - y_val) ** 2)) / ADDING_BASELINE_MSE
            curve.append((steps, val))
            solved = val < _STOP
        if solved or steps >= max_steps:
            break
    return model, curve, steps, solved


def tune_adding(cell: str, T: int, seed: int, max_steps: int, lrs: tuple = ADDING_LRS, **init):
    """:func:`train_adding` at each learning rate of ``lrs`` in turn, keeping the run with the lowest last
    validation MSE (the test set plays no part); the search ends at the first rate that solves the task.

    So that a model compared with another is not held back by a rate chosen for the other. ``init`` goes to
    :func:`train_adding` (``forget_bias``, ``orthogonal``). Returns (model, curve, steps, solved, lr).
    """
    best = None
    for lr in lrs:
        run = train_adding(cell, T, seed, max_steps, lr=lr, **init)
        if best is None or run[1][-1][1] < best[1][-1][1]:
            best = (*run, lr)
        if run[3]:
            break
    return best


# ------------------------------------------------------------------------------ store and recall (q16, q17)
def store_recall_stream(n: int, T: int, rng: np.random.Generator):
    """n streams of T steps of (value ~ U(-1, 1), store bit, query bit); store and query never coincide.

    Target y_t = query_t * (the value at the latest store before t), 0 before any store.
    Returns x float32 (n, T, 3), y float32 (n, T, 1), and the store and query masks (n, T) bool.
    """
    value = rng.uniform(-1, 1, (n, T))
    u = rng.random((n, T))
    store, query = u < _P_STORE, (u >= _P_STORE) & (u < _P_STORE + _P_QUERY)
    held = _held(value, store)  # after each step; the target reads it one step later
    before = np.concatenate([np.zeros((n, 1)), held[:, :-1]], axis=1)
    y = np.where(query, before, 0.0)
    x = np.stack([value, store, query], axis=-1).astype(np.float32)
    return x, y[..., None].astype(np.float32), store, query


def _held(value: np.ndarray, store: np.ndarray) -> np.ndarray:
    """The value at the latest store at or before each step, 0 before the first: (n, T)."""
    latest = np.maximum.accumulate(np.where(store, np.arange(store.shape[1]), -1), axis=1)
    return np.where(latest >= 0, np.take_along_axis(value, np.maximum(latest, 0), axis=1), 0.0)


def held_value(x: np.ndarray) -> np.ndarray:
    """The value the task asks to hold after each step (n, T)."""
    return _held(x[..., 0].astype(np.float64), x[..., 1] > 0)


def query_nmse(pred: np.ndarray, y: np.ndarray, query: np.ndarray) -> float:
    """MSE at the query steps over that of always answering 0."""
    y, pred = y[..., 0], pred[..., 0]
    return float(np.mean((pred - y)[query] ** 2) / np.mean(y[query] ** 2))


def remove_gate(lstm: nn.LSTM, gate: str) -> None:
    """Fix ``gate`` at 1: its weight rows 0, its input bias 30 (sigmoid(30) == 1 in float32, gradient 0)."""
    H = lstm.hidden_size
    rows = slice(LSTM_GATE_ROWS[gate] * H, (LSTM_GATE_ROWS[gate] + 1) * H)
    for name, p in lstm.named_parameters():
        p.data[rows] = 30.0 if name.startswith("bias_ih") else 0.0


def train_store_recall(
    cell: str, seed: int, steps: int, removed: str | None = None, lr: float = 1e-2, window: int = STORE_RECALL_WINDOW
) -> SequenceModel:
    """Adam (gradient norm clipped at 1), batches of 32 windows of ``window`` steps, MSE at every step."""
    rng = np.random.default_rng(seed)
    model = SequenceModel(cell, 3, STORE_RECALL_HIDDEN, 1, rng, per_step=True)
    if removed:
        remove_gate(model.rnn, removed)
    opt = optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        x, y, _, _ = store_recall_stream(32, window, rng)
        opt.zero_grad()
        F.mse_loss(model(Tensor(x)), Tensor(y)).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return model


def test_windows(seed: int, n: int = 300):
    """The test windows of one seed (a fresh draw per seed, so the seeds' spread includes the test items')."""
    return store_recall_stream(n, STORE_RECALL_WINDOW, np.random.default_rng([seed, 7]))
