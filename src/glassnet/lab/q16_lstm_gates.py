"""Q16. What do the input, forget and output gates of an LSTM do?

One task needs all three jobs the gates are said to do: a stream of random values in which a *store*
marker says "remember this value" (replacing the one held) and a *query* marker says "output the value
held now"; everywhere else the output must be 0. Three experiments on it:

1. intervention: in a trained LSTM, replace one gate by its average value (per unit), so that it still
   passes the same amount on average but no longer varies with the input, and measure the damage;
2. ablation: train LSTMs with one gate fixed at 1 (removed, as in Greff et al. 2017) and compare;
3. an unsegmented stream 25 times longer than the test windows, never reset, with and without a
   forget gate: does the cell state grow (Gers et al. 2000)?

A gate is removed by a bias of 30 and zero weights: sigmoid(30) is exactly 1 in float32, its gradient
exactly 0, so Adam never moves those rows and the fused kernel runs unchanged. The gates are read by a
float64 NumPy replay of the trained weights (:func:`lstm_trace`), checked against the kernel.

No gate can show damage in an LSTM that never learned the task, so every verdict waits for the full
LSTM to have learned it (and for the replay and the removed gates to be what they claim to be). Quick
mode trains on 20-step windows at a higher rate, which still learns the task in 250 steps. Each seed
draws its own test windows, so the intervals over seeds include the test items' sampling error.
"""

from __future__ import annotations

import numpy as np

from .. import Tensor, nn, no_grad
from ..nn import functional as F
from . import framework as lab
from .plots import figure, titled
from .sequence_tasks import (
    LSTM_GATE_ROWS,
    STORE_RECALL_HIDDEN,
    STORE_RECALL_WINDOW,
    SequenceModel,
    held_value,
    query_nmse,
    store_recall_stream,
    test_windows,
    train_store_recall,
)

_SHORT = {"input": "i", "forget": "f", "output": "o"}
_VARIANTS = ("full", "no input gate", "no forget gate", "no output gate")
_COLORS = {"full": "#4c72b0", "no input gate": "#dd8452", "no forget gate": "#c44e52", "no output gate": "#8172b2"}


# ------------------------------------------------------------------------------ model


def lstm_trace(lstm: nn.LSTM, x: np.ndarray, clamp: dict | None = None) -> dict:
    """Run a one-layer LSTM step by step in float64 (``F.lstm_cell``) and keep every gate: {"i", "f", "g", "o",
    "c", "h"}, each (n, T, H). ``clamp`` maps a gate name ("i", "f", "o") to a fixed (H,) vector used at every
    step instead of the gate."""
    weights = [Tensor(p.numpy().astype(np.float64)) for p in (lstm.weight_ih_l0, lstm.weight_hh_l0)]
    biases = [Tensor(p.numpy().astype(np.float64)) for p in (lstm.bias_ih_l0, lstm.bias_hh_l0)]
    n, T, _ = x.shape
    h = c = Tensor(np.zeros((n, lstm.hidden_size)))
    out = {k: np.empty((n, T, lstm.hidden_size)) for k in "ifgoch"}
    with no_grad():
        for t in range(T):
            step = Tensor(x[:, t].astype(np.float64))
            (h, c), gates = F.lstm_cell(step, (h, c), *weights, *biases, return_gates=True, clamp=clamp)
            for k, gate in zip("ifgo", gates):
                out[k][:, t] = gate.numpy()
            out["c"][:, t], out["h"][:, t] = c.numpy(), h.numpy()
    return out


def _readout(model: SequenceModel, h: np.ndarray) -> np.ndarray:
    return h @ model.head.weight.numpy().astype(np.float64).T + model.head.bias.numpy().astype(np.float64)


def store_recall_recipe(ctx: lab.Context) -> dict:
    """The training budget on this task: 500 Adam steps at 1e-2 on 40-step windows; in quick mode 250 steps at
    3e-2 on 20-step windows, which still learns the task (answering 0 scores 1, trained LSTMs about 0.03)."""
    return {"steps": ctx.pick(500, 250), "lr": ctx.pick(1e-2, 3e-2), "window": ctx.pick(STORE_RECALL_WINDOW, 20)}


# ------------------------------------------------------------------------------ run
def _variant(variant: str, seed: int, recipe: dict, stream_len: int) -> tuple[dict, dict]:
    """Train one LSTM variant on the seed's task: (numbers per seed, what the figures need).

    Every variant: the query error on the test windows and on a long stream never reset, and how its largest
    cell state grows along the stream. A removed gate: how far it strayed from 1. The full LSTM: the damage when
    each gate is frozen at its per-unit mean, the replay's gap to the fused kernel, and its gates' selectivity.
    """
    x_test, y_test, store_test, query_test = test_windows(seed)
    x_long, y_long, _, query_long = store_recall_stream(16, stream_len, np.random.default_rng([seed, 8]))
    removed = variant.split()[1] if variant != "full" else None
    model = train_store_recall("lstm", seed, removed=removed, **recipe)
    trace = lstm_trace(model.rnn, x_test)
    window = query_nmse(_readout(model, trace["h"]), y_test, query_test)
    long = lstm_trace(model.rnn, x_long)
    pred = _readout(model, long["h"])
    half = stream_len // 2
    # largest |c| (over units, mean over streams) late in the stream vs within a test window's length
    size = np.abs(long["c"]).max(axis=2).mean(axis=0)
    numbers = {
        "window": window,
        "stream": query_nmse(pred, y_long, query_long),
        "first_half": query_nmse(pred[:, :half], y_long[:, :half], query_long[:, :half]),
        "second_half": query_nmse(pred[:, half:], y_long[:, half:], query_long[:, half:]),
        "growth": float(size[-100:].max() / size[:STORE_RECALL_WINDOW].max()),
        "late_c": float(size[-100:].max()),
    }
    extras = {"size": size}
    if removed:
        numbers["removed_dev"] = float(np.abs(trace[_SHORT[removed]] - 1.0).max())
        return numbers, extras
    with no_grad():
        numbers["kernel_gap"] = float(np.abs(model.rnn(Tensor(x_test))[0].numpy() - trace["h"]).max())
    for gate, k in _SHORT.items():
        mean = trace[k].reshape(-1, STORE_RECALL_HIDDEN).mean(axis=0)
        clamped = lstm_trace(model.rnn, x_test, {k: mean})
        numbers[f"{gate}_clamp"] = query_nmse(_readout(model, clamped["h"]), y_test, query_test) - window
    extras.update(
        model=model,
        trace=trace,
        test=(x_test, y_test),
        select=_selectivity(trace, held_value(x_test), store_test, query_test),
    )
    return numbers, extras


def run(ctx: lab.Context) -> lab.Result:
    # The output gate is the one whose removal costs least and varies most from seed to seed (on about one
    # seed in five it costs nothing): the full LSTM and its no-output-gate ablation get 12 seeds, the input and
    # forget ablations 5. Quick mode trains the input and output ablations once (a picture, no verdict on
    # claim 5) and the forget ablation on 3 seeds (claim 4).
    seeds = ctx.seeds(full=12, quick=3)
    recipe = store_recall_recipe(ctx)
    stream_len = 1000
    variant_seeds = {
        "full": seeds,
        "no input gate": seeds[: ctx.pick(5, 1)],
        "no forget gate": seeds[: ctx.pick(5, 3)],
        "no output gate": seeds[: ctx.pick(12, 1)],
    }
    runs = {v: [_variant(v, s, recipe, stream_len) for s in on] for v, on in variant_seeds.items()}
    est = {v: lab.summarise([numbers for numbers, _ in runs[v]], variant_seeds[v]) for v in _VARIANTS}
    extras = {v: dict(zip(variant_seeds[v], (x for _, x in runs[v]))) for v in _VARIANTS}

    def paired(variant: str, name: str, of) -> lab.Estimate:
        """``of(variant's value, the full LSTM's value)`` seed by seed, on the variant's seeds."""
        on, full = variant_seeds[variant], dict(zip(seeds, est["full"][name].values))
        return lab.estimate([of(x, full[s]) for x, s in zip(est[variant][name].values, on)], on)

    def log_ratio(variant: str) -> lab.Estimate:
        return paired(variant, "window", lambda x, full: np.log10(x / full))

    removed = [max(est[v]["removed_dev"].values) for v in _VARIANTS[1:]]
    kernel_gap = max(est["full"]["kernel_gap"].values)
    metrics = {
        "input_clamp_damage": est["full"]["input_clamp"],
        "forget_clamp_damage": est["full"]["forget_clamp"],
        "output_clamp_damage": est["full"]["output_clamp"],
        "no_forget_cell_growth": est["no forget gate"]["growth"],
        "full_cell_growth": est["full"]["growth"],
        "no_forget_over_full_cell_growth": paired("no forget gate", "growth", lambda x, full: x / full),
        "no_forget_stream_nmse": est["no forget gate"]["stream"],
        "full_stream_nmse": est["full"]["stream"],
        "no_input_log10_error_ratio": log_ratio("no input gate"),
        "no_forget_log10_error_ratio": log_ratio("no forget gate"),
        "no_output_log10_error_ratio": log_ratio("no output gate"),
        "full_window_nmse": est["full"]["window"],
        "no_forget_window_nmse": est["no forget gate"]["window"],
        "kernel_vs_replay_max_error": kernel_gap,
        "removed_gate_max_deviation_from_1": max(removed),
    }

    how = f"Adam {recipe['lr']:g}, {recipe['steps']} steps on {recipe['window']}-step windows"
    variant_table = lab.Table(
        f"LSTMs (hidden {STORE_RECALL_HIDDEN}; {how}; seeds: "
        + ", ".join(f"{v} {len(on)}" for v, on in variant_seeds.items())
        + f"): error at the query steps of {STORE_RECALL_WINDOW}-step test windows (MSE over that of answering 0), and "
        f"the cell state on a {stream_len:,}-step stream",
        [
            "variant",
            f"error, {STORE_RECALL_WINDOW}-step windows",
            f"error, {stream_len:,}-step stream",
            "largest cell state, late in stream",
            "growth of the largest cell state",
        ],
    )
    for variant in _VARIANTS:
        e = est[variant]
        variant_table.add(variant, e["window"].mean, e["stream"].mean, e["late_c"].mean, e["growth"].mean)
    gate_table = lab.Table(
        "Trained full LSTM: each gate's timing removed (replaced by its per-unit mean), and how each gate moves at "
        "the events (mean gate value at the event minus elsewhere; memory cells = the 3 units whose cell state "
        "follows the held value most closely)",
        ["gate", "error with timing removed", "increase", "event", "change, all units", "change, memory cells"],
    )
    events = {"input": "store", "forget": "store", "output": "query"}
    select = [x["select"] for x in extras["full"].values()]
    for gate in LSTM_GATE_ROWS:
        damage = metrics[f"{gate}_clamp_damage"].mean
        all_units, memory = (np.mean([sel[gate][k] for sel in select]) for k in (0, 1))
        gate_table.add(gate, damage + est["full"]["window"].mean, damage, events[gate], all_units, memory)

    first = extras["full"][seeds[0]]
    x_first, y_first = first["test"]
    clamp = {g: np.add(est["full"][f"{g}_clamp"].values, est["full"]["window"].values) for g in LSTM_GATE_ROWS}
    figures = {
        "gates at work on one sequence": _gates_figure(
            first["model"], first["trace"], x_first, held_value(x_first), y_first
        ),
        "interventions, ablations and cell-state growth": _ablation_figure(clamp, est, extras),
    }
    no_forget = est["no forget gate"]
    notes = [
        f"The float64 NumPy replay of the gates matches the fused kernel to {kernel_gap:.1e}; a removed gate "
        f"stays within {max(removed):.1e} of 1 after training.",
        "How a gate moves differs from unit to unit. Averaged over all units, the change at its event (second "
        "table) is "
        + ", ".join(f"{g} {np.mean([sel[g][0] for sel in select]):+.2f}" for g in LSTM_GATE_ROWS)
        + "; the intervention test asks the causal question instead: does the network still work when the gate stops "
        "reacting to the input?",
        "The retrained ablations are compared at the same budget of Adam steps: an ablated LSTM that learns more "
        "slowly counts as worse.",
        f"Without a forget gate the stream error was {_listed(no_forget['stream'])} "
        f"(seeds {', '.join(map(str, no_forget['stream'].seeds))}), against {_listed(no_forget['window'])} on "
        f"{STORE_RECALL_WINDOW}-step windows: how badly the network breaks down varies from seed to seed (an "
        "error near 1 or above is no better than answering 0), the growth of the cell state does not. First half "
        "of the stream vs second half: "
        + ", ".join(
            f"{a:.2f} / {b:.2f}" for a, b in zip(no_forget["first_half"].values, no_forget["second_half"].values)
        )
        + ".",
        _output_note(metrics["no_output_log10_error_ratio"]),
    ]
    return lab.Result(metrics=metrics, figures=figures, tables=[variant_table, gate_table], notes=notes)


def _output_note(ratio) -> str:
    values = np.array(ratio.values)
    return (
        "Removing the output gate costs least and varies most from seed to seed: log10 of the error ratio ran "
        f"from {values.min():.2f} to {values.max():.2f} over {len(values)} seeds (mean {values.mean():.2f}, a factor "
        f"{10 ** values.mean():.1f}), and on {int((values < 0.1).sum())} of them it cost less than 25%. "
        "'All three gates needed' therefore rests on the average: the output gate's cost is real but not shown to "
        "reach a doubling, and a block of seeds can fall short of showing it at all."
    )


def _listed(metric: lab.Estimate) -> str:
    return ", ".join(f"{v:.2f}" for v in metric.values)


def _selectivity(trace: dict, held: np.ndarray, store: np.ndarray, query: np.ndarray) -> dict:
    """Per gate: (mean change at its event over all units, the same over the 3 memory cells), in the textbook's
    direction: input opens at a store, forget closes at a store, output opens at a query."""
    c = trace["c"][:, 5:].reshape(-1, STORE_RECALL_HIDDEN)
    corr = np.nan_to_num([abs(np.corrcoef(c[:, k], held[:, 5:].ravel())[0, 1]) for k in range(STORE_RECALL_HIDDEN)])
    memory = np.argsort(-corr)[:3]

    def change(k, event, sign):
        g = trace[k]
        return sign * (g[event].mean() - g[~event].mean()), sign * (
            g[event][:, memory].mean() - g[~event][:, memory].mean()
        )

    return {"input": change("i", store, 1), "forget": change("f", store, -1), "output": change("o", query, 1)}


# ------------------------------------------------------------------------------ figures
def _gates_figure(model, trace, x, held, y):
    """One test window: inputs and events, the gates of the strongest memory cell, its cell state and the output."""
    row = int(np.argmax((x[:, :, 1].sum(axis=1) >= 2) & (x[:, :, 2].sum(axis=1) >= 2)))
    c = trace["c"][:, 5:].reshape(-1, STORE_RECALL_HIDDEN)
    corr = np.nan_to_num([abs(np.corrcoef(c[:, k], held[:, 5:].ravel())[0, 1]) for k in range(STORE_RECALL_HIDDEN)])
    unit = int(np.argmax(corr))
    t = np.arange(x.shape[1])
    stores, queries = t[x[row, :, 1] > 0], t[x[row, :, 2] > 0]
    fig, (top, middle, bottom) = figure(3, 1, width=11, height=8)
    top.bar(t, x[row, :, 0], color="#bbbbbb", label="value")
    titled(top, "one test window: stores (green) and queries (red)", y="input value")
    for k, color in (("i", "#55a868"), ("f", "#c44e52"), ("o", "#4c72b0")):
        middle.plot(
            t,
            trace[k][row, :, unit],
            "o-",
            ms=3,
            color=color,
            label={"i": "input", "f": "forget", "o": "output"}[k] + " gate",
        )
    middle.set_ylim(-0.05, 1.05)
    titled(
        middle,
        f"gates of the unit whose cell state tracks the held value best (|corr| = {corr[unit]:.2f})",
        y="gate value",
    )
    pred = _readout(model, trace["h"])[row, :, 0]
    bottom.plot(t, held[row], color="k", ls=":", label="value to hold")
    bottom.plot(t, trace["c"][row, :, unit], color="#8172b2", label="cell state c_t")
    bottom.plot(t, pred, color="#dd8452", label="output")
    bottom.plot(queries, y[row, queries, 0], "r*", ms=9, label="target at queries")
    titled(bottom, "cell state and output", x="step")
    for ax in (top, middle, bottom):
        for s in stores:
            ax.axvline(s, color="#55a868", lw=1, alpha=0.6)
        for q in queries:
            ax.axvline(q, color="#c44e52", lw=1, alpha=0.6, ls="--")
        ax.legend(fontsize=7, loc="upper right", ncol=4)
    return fig


def _ablation_figure(clamp: dict, est: dict, extras: dict):
    """Left: query errors with a gate frozen at its mean (grey) and retrained without it (colour); right: the
    largest cell state along the long stream."""
    fig, (left, right) = figure(1, 2, width=13, height=4.5)
    labels = [
        "full",
        "input\nfrozen",
        "forget\nfrozen",
        "output\nfrozen",
        "no input\ngate",
        "no forget\ngate",
        "no output\ngate",
    ]
    values = [est["full"]["window"].values, *clamp.values(), *(est[v]["window"].values for v in _VARIANTS[1:])]
    colors = ["#4c72b0"] + ["#999999"] * 3 + [_COLORS[v] for v in _VARIANTS[1:]]
    left.bar(range(len(labels)), [np.mean(v) for v in values], color=colors)
    for i, v in enumerate(values):
        left.plot([i] * len(v), v, "k.", ms=4)
    left.set_xticks(range(len(labels)), labels, fontsize=8)
    left.set_yscale("log")
    titled(
        left,
        "grey: one gate frozen at its mean after training\ncolour: one gate fixed at 1, then trained",
        y="error at queries (MSE / answering 0)",
    )
    for variant in _VARIANTS:
        size = np.mean([x["size"] for x in extras[variant].values()], axis=0)
        right.plot(np.arange(1, len(size) + 1), size, color=_COLORS[variant], label=variant)
    right.axvline(STORE_RECALL_WINDOW, color="k", ls=":", lw=1, label="training length")
    right.set_xscale("log")
    right.set_yscale("log")
    titled(
        right,
        "cell state on a long stream",
        x="step of an unsegmented stream (never reset)",
        y="largest |c_t| over units (mean over streams)",
        legend=True,
    )
    return fig


# ------------------------------------------------------------------------------ verdict rules
_ABLATIONS = ("no_input_log10_error_ratio", "no_forget_log10_error_ratio", "no_output_log10_error_ratio")
_DOUBLED = float(np.log10(2.0))  # a gate matters if removing it at least doubles the error

_LEARNED = lab.Gate(
    "full_window_nmse",
    "the full LSTM learned the store-and-recall task (query error at most 0.1 of answering 0)",
    at_most=0.1,
)
_REPLAYED = lab.Gate(
    "kernel_vs_replay_max_error",
    "the float64 replay in which the gates are read and frozen reproduces the trained LSTM (to 1e-4)",
    at_most=1e-4,
    kind="manipulation check",
)
_REMOVED = lab.Gate(
    "removed_gate_max_deviation_from_1",
    "every removed gate stayed fixed at 1 through training (to 1e-6)",
    at_most=1e-6,
    kind="manipulation check",
)


def _clamp_claim(key: str, text: str, metric: str) -> lab.Claim:
    """A gate judged by the damage (increase of the query error, over that of answering 0) when it is replaced
    by its per-unit mean: the whole interval must lie in one band."""
    rule = lab.AtLeast(metric, supported=0.1, partly=0.03, refuted_below=0.01)
    return lab.Claim(key, text, rule, gates=(_LEARNED, _REPLAYED))


EXPERIMENT = lab.described(
    "q16",
    claims=(
        _clamp_claim(
            "input_gate_writes",
            "The input gate decides what new information is written into the cell state.",
            "input_clamp_damage",
        ),
        _clamp_claim(
            "forget_gate_erases", "The forget gate decides what the cell state discards.", "forget_clamp_damage"
        ),
        _clamp_claim(
            "output_gate_reads",
            "The output gate decides what part of the cell state is passed on as the output (hidden state).",
            "output_clamp_damage",
        ),
        lab.Claim(
            "state_grows_without_forget_gate",
            "Without a forget gate, the cell state of an LSTM that reads a stream that is never reset keeps growing.",
            lab.Decide(
                (lab.Verdict.SUPPORTED, lab.Above("no_forget_cell_growth", 10) & lab.Below("full_cell_growth", 2)),
                (
                    lab.Verdict.PARTLY,
                    lab.Above("no_forget_cell_growth", 3) & lab.Above("no_forget_over_full_cell_growth", 2),
                ),
                (lab.Verdict.REFUTED, lab.Below("no_forget_cell_growth", 2)),
                (
                    lab.Verdict.NOT_SUPPORTED,
                    lab.Below("no_forget_cell_growth", 3, strict=True)
                    | lab.Below("no_forget_over_full_cell_growth", 2, strict=True),
                ),
                note="growth = largest |c| in the last 100 steps of a 1,000-step stream over that within the first 40 "
                "(a test window's length); the ratio to the full LSTM's growth is paired by seed",
            ),
            gates=(
                _LEARNED,
                lab.Gate(
                    "no_forget_window_nmse",
                    "the LSTM without a forget gate learned the task on test windows (query error at most 0.5 of "
                    "answering 0)",
                    at_most=0.5,
                ),
                _REMOVED,
            ),
        ),
        lab.Claim(
            "all_three_gates_needed",
            "An LSTM needs all three gates: without any one of them it does the job worse.",
            lab.AllOf(tuple(lab.Effect(k, sign=+1, min_effect=_DOUBLED) for k in _ABLATIONS)),
            gates=(_LEARNED, _REMOVED),
        ),
    ),
    run=run,
)
