"""Q22. What are an epoch, a batch and an iteration?"""

from __future__ import annotations

import gc
import math
import time
import tracemalloc

import numpy as np

from .. import Tensor, nn, optim
from ..nn import functional as F
from ..train import Callback, evaluate, fit
from . import framework as lab
from .common import digits_split
from .plots import figure

# (samples N, batch size B, drop_last, epochs): the textbook case, a remainder, no batching, one sample per step
COUNT_CASES = (
    (1000, 200, False, 2),
    (1001, 200, False, 2),
    (1001, 200, True, 2),
    (1000, 32, False, 2),
    (1000, 32, True, 2),
    (1000, None, False, 3),
    (1000, 1, False, 1),
)
MEMORY_BATCHES = (32, 128, 512, 1024, 2048)
MEMORY_SIZES = (64, 512, 512, 10)
# float32 parameter gradients of that MLP: memory that any forward + backward must hold, whatever the batch
PARAMETER_MIB = 4 * sum(a * b + b for a, b in zip(MEMORY_SIZES[:-1], MEMORY_SIZES[1:])) / 2**20
TRADE_OFF_BATCHES = (1, 8, 32, 128, None)  # None: the whole training set in one batch


class _SampleLog(nn.Module):
    """First layer of the counting model: notes which samples (column 0 holds their index) reach a forward pass."""

    def __init__(self):
        super().__init__()
        self.batches: list[np.ndarray] = []

    def forward(self, x: Tensor) -> Tensor:
        self.batches.append(x.numpy()[:, 0].astype(np.int64))
        return x[:, 1:]


class _EpochLog(Callback):
    """Per epoch: the samples that went through a forward pass, and the wall time."""

    def __init__(self, log: _SampleLog | None = None):
        self.log, self.seen, self.seconds = log, [], []

    def on_epoch_begin(self, state) -> None:
        if self.log is not None:
            self.log.batches.clear()
        self._start = time.perf_counter()

    def on_epoch_end(self, state) -> None:
        self.seconds.append(time.perf_counter() - self._start)
        if self.log is not None:
            self.seen.append(np.concatenate(self.log.batches))


def _expected(n: int, batch: int | None, drop_last: bool) -> tuple[int, int]:
    """Iterations and samples per epoch: ceil(N / B) steps (floor with drop_last); None is one batch of N."""
    if batch is None:
        return 1, n
    steps = n // batch if drop_last else math.ceil(n / batch)
    return steps, (steps * batch if drop_last else n)


def _count(n: int, batch: int | None, drop_last: bool, epochs: int, rng: np.random.Generator) -> dict:
    """Train a tiny model and count forward passes, backward passes, optimizer steps and samples per epoch."""
    x = np.concatenate([np.arange(n, dtype=np.float32)[:, None], rng.standard_normal((n, 4), dtype=np.float32)], 1)
    y = rng.integers(0, 2, n)
    log = _SampleLog()
    model = nn.Sequential(log, nn.Linear(4, 2, rng=rng))
    counts = {"forward": 0, "backward": 0}
    model.register_forward_hook(lambda *_: counts.__setitem__("forward", counts["forward"] + 1))
    model[1].weight.register_hook(lambda _: counts.__setitem__("backward", counts["backward"] + 1))
    epoch_log = _EpochLog(log)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.01),
        (x, y),
        epochs=epochs,
        batch_size=batch,
        drop_last=drop_last,
        seed=int(rng.integers(2**31)),
        verbose=0,
        callbacks=[epoch_log],
    )
    per_sample = [np.bincount(seen, minlength=n) for seen in epoch_log.seen]
    return {
        "history": history,
        "forward": counts["forward"],
        "backward": counts["backward"],
        "once": [int(np.sum(c == 1)) for c in per_sample],
        "never": [int(np.sum(c == 0)) for c in per_sample],
        "twice": [int(np.sum(c > 1)) for c in per_sample],
    }


def _peak_bytes(batch: int, rng: np.random.Generator) -> int:
    """Peak NumPy memory allocated by one forward + backward of the MLP on a batch (tracemalloc sees NumPy)."""
    layers = []
    for fan_in, fan_out in zip(MEMORY_SIZES[:-1], MEMORY_SIZES[1:]):
        layers += [nn.Linear(fan_in, fan_out, rng=rng), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    x = rng.standard_normal((batch, MEMORY_SIZES[0]), dtype=np.float32)
    y = rng.integers(0, MEMORY_SIZES[-1], batch)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss = F.cross_entropy(model(Tensor(x)), y)
        loss.backward()
        del loss
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return int(peak)


def _trade_off(seeds: list[int], epochs: int, n_train: int) -> dict:
    """Digits, a 64-64-10 ReLU MLP, plain SGD (lr 0.05) for a fixed number of epochs at each batch size."""
    x_train, x_test, y_train, y_test = digits_split(0, n_train=n_train)
    keys = ("seconds", "loss", "test_acc", "steps", "curve", "clock")
    out = {b: {k: [] for k in keys} for b in TRADE_OFF_BATCHES}
    for seed in seeds:
        for batch in TRADE_OFF_BATCHES:
            rng = np.random.default_rng([seed, 22])
            model = nn.Sequential(nn.Linear(64, 64, rng=rng), nn.ReLU(), nn.Linear(64, 10, rng=rng))
            epoch_log = _EpochLog()
            history = fit(
                model,
                nn.CrossEntropyLoss(),
                optim.SGD(model.parameters(), lr=0.05),
                (x_train, y_train),
                epochs=epochs,
                batch_size=batch,
                seed=seed,
                verbose=0,
                callbacks=[epoch_log],
            )
            o = out[batch]
            o["seconds"].append(float(np.median(epoch_log.seconds)))
            o["curve"].append(history.loss)
            o["clock"].append(np.cumsum(epoch_log.seconds))
            o["loss"].append(evaluate(model, nn.CrossEntropyLoss(), (x_train, y_train))["loss"])
            o["test_acc"].append(evaluate(model, nn.CrossEntropyLoss(), (x_test, y_test), ["accuracy"])["accuracy"])
            o["steps"].append(history.iterations)
    return out


def _steps_label(steps: int) -> str:
    return f"{steps} step" if steps == 1 else f"{steps} steps"


# ---------------------------------------------------------------------------------------------- run
def run(ctx: lab.Context) -> lab.Result:
    rng = ctx.rng()
    # quick mode shortens only the one-sample-per-step case
    cases = ctx.pick(COUNT_CASES, tuple((min(n, 300) if b == 1 else n, b, d, e) for n, b, d, e in COUNT_CASES))
    epochs = ctx.pick(8, 2)
    counted = [(case, _count(*case, rng=rng)) for case in cases]
    peaks = [_peak_bytes(b, np.random.default_rng(ctx.seed)) for b in MEMORY_BATCHES]
    seeds = ctx.seeds(full=5, quick=2)
    trade = _trade_off(seeds, epochs=epochs, n_train=ctx.pick(None, 300))

    # ------------------------------------------------------------------ counts
    counts = lab.Table(
        "What fit() did, counted: History against the formula ceil(N / B) (floor with drop_last)",
        [
            "N",
            "batch size",
            "drop_last",
            "epochs",
            "iterations (History)",
            "expected",
            "samples_seen (History)",
            "expected",
            "forward passes",
            "backward passes",
            "per epoch: samples used once / skipped / repeated",
        ],
    )
    mismatches = coverage_errors = silent = unpaired = 0
    passes_per_epoch = {}
    for (n, batch, drop_last, n_epochs), c in counted:
        h = c["history"]
        steps, samples = _expected(n, batch, drop_last)
        wrong = [h.iterations != n_epochs * steps, h.samples_seen != n_epochs * samples, h.epochs != n_epochs]
        wrong += [c["forward"] != h.iterations, c["backward"] != h.iterations]
        mismatches += sum(wrong)
        unpaired += abs(c["forward"] - c["backward"])
        silent += int(min(c["forward"], c["backward"], sum(c["once"]) + sum(c["twice"])) == 0)
        if not drop_last:
            coverage_errors += sum(n - once for once in c["once"])
        passes_per_epoch[(n, batch, drop_last)] = c["forward"] / n_epochs
        counts.add(
            n,
            "None (full batch)" if batch is None else batch,
            str(drop_last),
            n_epochs,
            h.iterations,
            n_epochs * steps,
            h.samples_seen,
            n_epochs * samples,
            c["forward"],
            c["backward"],
            f"{min(c['once'])} / {max(c['never'])} / {max(c['twice'])}",
        )
    textbook = next(c["history"] for (n, b, d, _), c in counted if (n, b, d) == (1000, 200, False))
    full_batch = [p for (n, b, d), p in passes_per_epoch.items() if b is None]
    mini_batch = [p for (n, b, d), p in passes_per_epoch.items() if b is not None]

    # ------------------------------------------------------------------ memory
    batches = np.array(MEMORY_BATCHES, dtype=float)
    mib = np.array(peaks, dtype=float) / 2**20
    slope, intercept = np.polyfit(batches, mib, 1)
    r2 = 1 - np.sum((mib - (slope * batches + intercept)) ** 2) / np.sum((mib - mib.mean()) ** 2)
    activations = 4 * (2 * sum(MEMORY_SIZES[1:-1]) + MEMORY_SIZES[-1])  # float32 pre- and post-ReLU, logits
    memory = lab.Table(
        f"Peak NumPy memory of one forward + backward pass, MLP {'-'.join(map(str, MEMORY_SIZES))} (tracemalloc)",
        ["batch size", "peak (MiB)", "linear fit (MiB)"],
    )
    for b, m in zip(MEMORY_BATCHES, mib):
        memory.add(int(b), float(m), float(slope * b + intercept))
    memory.add(
        "slope",
        f"{slope * 2**20 / 1024:.1f} KiB per sample",
        f"forward activations alone: {activations / 1024:.1f} KiB",
    )
    memory.add("intercept", f"{intercept:.2f} MiB", f"parameter gradients: {PARAMETER_MIB:.2f} MiB")

    # ------------------------------------------------------------------ trade-off
    n_trade = ctx.pick(1200, 300)
    trade_table = lab.Table(
        f"Digits ({n_trade} training images), 64-64-10 ReLU MLP, SGD lr 0.05, {epochs} epochs, {len(seeds)} seed(s)",
        [
            "batch size",
            "steps per epoch",
            "wall time per epoch (ms)",
            "training loss after the epochs",
            "test accuracy",
        ],
    )
    labels = []
    for b in TRADE_OFF_BATCHES:
        o = trade[b]
        label = f"{n_trade} (full)" if b is None else str(b)
        labels.append(label)
        trade_table.add(
            label,
            o["steps"][0] // epochs,
            1e3 * float(np.median(o["seconds"])),
            float(np.mean(o["loss"])),
            float(np.mean(o["test_acc"])),
        )

    fig, (ax_mem, ax_time, ax_loss, ax_clock) = figure(2, 2, width=11, height=8)
    ax_mem.plot(batches, mib, "o", color="#4c72b0", label="measured peak")
    ax_mem.plot(batches, slope * batches + intercept, "-", color="#4c72b0", lw=1, label=f"linear fit, R² = {r2:.4f}")
    ax_mem.set_xlabel("batch size")
    ax_mem.set_ylabel("peak memory of forward + backward (MiB)")
    ax_mem.set_title("memory grows linearly with the batch")
    ax_mem.legend(fontsize=8)

    xs = np.arange(len(TRADE_OFF_BATCHES))
    seconds = [1e3 * float(np.median(trade[b]["seconds"])) for b in TRADE_OFF_BATCHES]
    ax_time.bar(xs, seconds, color="#dd8452")
    ax_time.set_yscale("log")
    ax_time.set_xticks(xs, labels)
    ax_time.set_xlabel("batch size (1 = stochastic, full = whole training set)")
    ax_time.set_ylabel("wall time per epoch (ms, log scale)")
    ax_time.set_title("one epoch: fewer, larger steps are cheaper")
    for x, s, b in zip(xs, seconds, TRADE_OFF_BATCHES):
        ax_time.annotate(_steps_label(trade[b]["steps"][0] // epochs), (x, s), ha="center", va="bottom", fontsize=8)

    losses = [trade[b]["loss"] for b in TRADE_OFF_BATCHES]
    ax_loss.bar(xs, [np.mean(v) for v in losses], color="#55a868")
    for x, v in zip(xs, losses):
        ax_loss.plot([x] * len(v), v, "k.", ms=4)
    ax_loss.set_xticks(xs, labels)
    ax_loss.set_xlabel("batch size")
    ax_loss.set_ylabel(f"training cross-entropy after {epochs} epochs")
    ax_loss.set_title("same epochs, same learning rate: more steps learn more")

    colors = ("#c44e52", "#dd8452", "#55a868", "#4c72b0", "#8172b3")
    for b, label, color in zip(TRADE_OFF_BATCHES, labels, colors):
        clock = np.mean(trade[b]["clock"], axis=0)
        ax_clock.plot(clock, np.mean(trade[b]["curve"], axis=0), "o-", ms=3, color=color, label=f"batch {label}")
    ax_clock.set_xscale("log")
    ax_clock.set_xlabel("wall time since the start of training (s, log scale)")
    ax_clock.set_ylabel("training loss, mean over each epoch")
    ax_clock.set_title("the trade-off: loss against time, one point per epoch")
    ax_clock.legend(fontsize=8)

    metrics = {
        "iterations_per_epoch_1000_200": textbook.iterations / textbook.epochs,
        "count_mismatches": float(mismatches),
        "cases_the_hooks_missed": float(silent),
        "epoch_coverage_errors": float(coverage_errors),
        "forward_backward_mismatches": float(unpaired),
        "passes_per_epoch_full_batch": float(np.mean(full_batch)),
        "passes_per_epoch_mini_batch_min": float(np.min(mini_batch)),
        "memory_slope_kib_per_sample": float(slope * 1024),
        "memory_linear_r2": float(r2),
        "memory_ratio_2048_vs_32": float(peaks[-1] / peaks[0]),
        "memory_peak_mib_batch_32": float(mib[0]),
        "seconds_per_epoch_batch1_vs_full": lab.estimate(
            [a / b for a, b in zip(trade[1]["seconds"], trade[None]["seconds"])], seeds
        ),
    }
    notes = [
        "Iteration and forward/backward counts come from fit()'s History and from hooks on the model: a forward hook "
        "on the model and a gradient hook on one weight, so each number is what actually ran.",
        f"Memory: each extra sample adds its activations (and their gradients) to the graph; the intercept "
        f"({intercept:.2f} MiB) is what does not depend on the batch, mostly the parameter gradients. Peak memory "
        f"at batch 2048 is {peaks[-1] / peaks[0]:.0f}x that at batch 32.",
        "Wall times are medians over epochs on a shared machine: read the ratios, not the absolute numbers. "
        f"An epoch at batch 1 took {metrics['seconds_per_epoch_batch1_vs_full']} times as long as one full-batch "
        "epoch.",
        f"Forward and backward passes per epoch, counted on the whole network: "
        f"{metrics['passes_per_epoch_full_batch']:g} with full-batch training, at least "
        f"{metrics['passes_per_epoch_mini_batch_min']:g} with mini-batches; per sample, one of each in every run "
        f"({coverage_errors} samples used zero or several times in an epoch, {unpaired} forward passes without "
        "their backward one).",
        "Counts and memory are exact (the same on every run), so those claims are judged on the numbers "
        "themselves; they are judged only if the instruments worked: the hooks saw every counting run, and "
        "tracemalloc saw at least the parameter gradients at the smallest batch.",
        "The trade-off runs use one learning rate for every batch size, so that an epoch differs only in its number "
        "of steps; tuning the rate per batch size (larger for larger batches) narrows the loss gap after a fixed "
        "number of epochs but not the difference in steps.",
    ]
    return lab.Result(
        metrics=metrics,
        figures={"memory and the batch-size trade-off": fig},
        tables=[counts, memory, trade_table],
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------- rules
def _epoch_is_one_pass(m: dict) -> lab.Judgement:
    errors = m["epoch_coverage_errors"]
    if lab.high(errors) <= 0:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if lab.low(errors) > 0:
        return lab.Judgement(lab.Verdict.REFUTED)
    return lab.undecided(m, "epoch_coverage_errors")


def _iteration_counts(m: dict) -> lab.Judgement:
    steps, mismatches = m["iterations_per_epoch_1000_200"], m["count_mismatches"]
    if lab.low(steps) > 5 or lab.high(steps) < 5:
        return lab.Judgement(lab.Verdict.REFUTED)
    if not lab.low(steps) == lab.high(steps) == 5:
        return lab.undecided(m, "iterations_per_epoch_1000_200")
    if lab.high(mismatches) <= 0:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if lab.low(mismatches) > 0:
        return lab.Judgement(lab.Verdict.PARTLY, "the 1,000 / 200 case holds, but some other case does not")
    return lab.undecided(m, "count_mismatches")


def _one_pass_per_sample(m: dict) -> lab.Judgement:
    """Read per sample: in an epoch every sample goes forward once, and every forward pass is followed by one
    backward pass (a batch's backward pass carries the gradient of each of its samples)."""
    errors, unpaired = m["epoch_coverage_errors"], m["forward_backward_mismatches"]
    if lab.low(errors) > 0:
        return lab.Judgement(lab.Verdict.REFUTED)
    if not lab.high(errors) <= 0:
        return lab.undecided(m, "epoch_coverage_errors")
    if lab.high(unpaired) <= 0:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if lab.low(unpaired) > 0:
        return lab.Judgement(
            lab.Verdict.PARTLY,
            "every sample goes forward once per epoch, but not every forward pass has its backward one",
        )
    return lab.undecided(m, "forward_backward_mismatches")


def _memory_grows(m: dict) -> lab.Judgement:
    slope, ratio, r2 = m["memory_slope_kib_per_sample"], m["memory_ratio_2048_vs_32"], m["memory_linear_r2"]
    if lab.high(slope) <= 0 or lab.high(ratio) < 1.1:
        return lab.Judgement(lab.Verdict.REFUTED)
    if not (lab.low(slope) > 0 and lab.low(ratio) >= 1.1):
        return lab.undecided(m, "memory_slope_kib_per_sample", "memory_ratio_2048_vs_32")
    if lab.low(r2) >= 0.99:
        return lab.Judgement(lab.Verdict.SUPPORTED)
    if lab.high(r2) < 0.99:
        return lab.Judgement(lab.Verdict.PARTLY, "memory grows with the batch, but not linearly")
    return lab.undecided(m, "memory_linear_r2")


_HOOKS = lab.Gate(
    "cases_the_hooks_missed",
    "the hooks and the sample log recorded every counting run",
    at_most=0,
    kind="measurement check",
)
_EXACT = "; these numbers are exact (counts; tracemalloc's bytes), so only an interval across a bar is inconclusive"
_MEMORY = ("memory_slope_kib_per_sample", "memory_linear_r2", "memory_ratio_2048_vs_32")


def _one_seed(value: float):
    """A made-up single measurement: no interval, so a rule cannot decide on it (for the rules' examples)."""
    return lab.estimate_of(value)


EXPERIMENT = lab.Experiment(
    id="q22",
    question="What are an epoch, a batch and an iteration?",
    answer=(
        "An epoch is one full pass of the training set through training: every sample is used once. The batch size is "
        "how many samples go through one forward and one backward pass together, and an iteration is one such pass "
        "followed by one optimizer step. An epoch therefore holds ceil(N / B) iterations: 1,000 samples in batches of "
        "200 give 5, 1,001 give 6 (the last batch holds one sample), or 5 if the incomplete batch is dropped. 'One "
        "epoch is one forward and one backward pass' holds per sample: in an epoch every sample goes through the "
        "network forward once, inside its batch, and its batch's backward pass carries its gradient back once. Counted "
        "as passes of the whole network, only full-batch training makes one forward and one backward pass per epoch; "
        "stochastic training (B = 1) makes N. Memory grows linearly with the batch, because every sample's activations "
        "are kept for the backward pass; smaller batches take more, cheaper steps per epoch, so an epoch costs more "
        "time but makes more progress."
    ),
    claims=(
        lab.Claim(
            "epoch_is_one_pass",
            "An epoch is one pass over the whole training set.",
            lab.Custom(
                _epoch_is_one_pass,
                "supported if, without drop_last, every sample goes through exactly one forward pass in every "
                "epoch (count of samples used zero or several times = 0); refuted if that count is above 0" + _EXACT,
                ("epoch_coverage_errors",),
                {
                    lab.Verdict.SUPPORTED: {"epoch_coverage_errors": 0.0},
                    lab.Verdict.REFUTED: {"epoch_coverage_errors": 3.0},
                    lab.Verdict.INCONCLUSIVE: {"epoch_coverage_errors": _one_seed(0.0)},
                },
            ),
            gates=(_HOOKS,),
        ),
        lab.Claim(
            "iteration_is_one_batch_step",
            "An iteration is one optimizer step on one batch, so 1,000 samples in batches of 200 take 5 iterations "
            "per epoch.",
            lab.Custom(
                _iteration_counts,
                "supported if fit() takes 5 steps per epoch for N = 1,000, B = 200 and every case's iterations, "
                "samples seen, forward and backward passes equal the formula ceil(N / B) (floor with drop_last); "
                "partly if only the 1,000 / 200 case holds; refuted if it does not" + _EXACT,
                ("iterations_per_epoch_1000_200", "count_mismatches"),
                {
                    lab.Verdict.SUPPORTED: {"iterations_per_epoch_1000_200": 5.0, "count_mismatches": 0.0},
                    lab.Verdict.PARTLY: {"iterations_per_epoch_1000_200": 5.0, "count_mismatches": 2.0},
                    lab.Verdict.REFUTED: {"iterations_per_epoch_1000_200": 4.0, "count_mismatches": 2.0},
                    lab.Verdict.INCONCLUSIVE: {
                        "iterations_per_epoch_1000_200": 5.0,
                        "count_mismatches": _one_seed(0.0),
                    },
                },
            ),
            gates=(_HOOKS,),
        ),
        lab.Claim(
            "epoch_is_one_forward_backward",
            "One epoch is one forward pass and one backward pass of every sample: in an epoch each training sample "
            "goes through the network forward once and backward once.",
            lab.Custom(
                _one_pass_per_sample,
                "read per sample, as the claim means it: supported if, without drop_last, every sample goes through "
                "exactly one forward pass in every epoch (samples used zero or several times = 0) and every forward "
                "pass is followed by exactly one backward pass (forward minus backward passes = 0 in every run); "
                "partly if every sample goes forward once but some forward pass has no backward one (or several); "
                "refuted if some sample is used zero or several times in an epoch. Counted as passes of the whole "
                "network, only full-batch training makes one per epoch (mini-batch training makes ceil(N / B)): "
                "reported, not judged" + _EXACT,
                ("epoch_coverage_errors", "forward_backward_mismatches"),
                {
                    lab.Verdict.SUPPORTED: {"epoch_coverage_errors": 0.0, "forward_backward_mismatches": 0.0},
                    lab.Verdict.PARTLY: {"epoch_coverage_errors": 0.0, "forward_backward_mismatches": 2.0},
                    lab.Verdict.REFUTED: {"epoch_coverage_errors": 3.0, "forward_backward_mismatches": 0.0},
                    lab.Verdict.INCONCLUSIVE: {
                        "epoch_coverage_errors": 0.0,
                        "forward_backward_mismatches": _one_seed(0.0),
                    },
                },
            ),
            gates=(_HOOKS,),
        ),
        lab.Claim(
            "larger_batch_more_memory",
            "A larger batch needs more memory.",
            lab.Custom(
                _memory_grows,
                "peak memory of forward + backward against batch size: supported if it grows (positive slope, "
                "peak at 2,048 >= 1.1x the peak at 32) linearly (R² >= 0.99); partly if it grows but not "
                "linearly; refuted if it does not grow" + _EXACT,
                _MEMORY,
                {
                    lab.Verdict.SUPPORTED: dict(zip(_MEMORY, (20.0, 0.999, 30.0))),
                    lab.Verdict.PARTLY: dict(zip(_MEMORY, (20.0, 0.8, 30.0))),
                    lab.Verdict.REFUTED: dict(zip(_MEMORY, (0.0, 0.1, 1.0))),
                    lab.Verdict.INCONCLUSIVE: dict(zip(_MEMORY, (_one_seed(20.0), 0.999, 30.0))),
                },
            ),
            gates=(
                lab.Gate(
                    "memory_peak_mib_batch_32",
                    f"tracemalloc saw at least the parameter gradients ({PARAMETER_MIB:.2f} MiB) at batch 32",
                    at_least=round(PARAMETER_MIB, 2),
                    kind="measurement check",
                ),
            ),
        ),
    ),
    data=(
        "Counting: synthetic samples (4 Gaussian features, random binary labels, N = 1,000 or 1,001) with a "
        "linear model; memory: random Gaussian batches through a 64-512-512-10 MLP; trade-off: scikit-learn "
        "digits (8x8, pixels / 16), the lab's 1,200 / 597 split"
    ),
    references=(
        "Goodfellow, Bengio & Courville (2016). Deep Learning, MIT Press, section 8.1.3 (batch and minibatch "
        "algorithms).",
        "Bottou, Curtis & Nocedal (2018). Optimization methods for large-scale machine learning. SIAM Review 60(2).",
        "Masters & Luschi (2018). Revisiting small batch training for deep neural networks. arXiv:1804.07612.",
    ),
    run=run,
)
