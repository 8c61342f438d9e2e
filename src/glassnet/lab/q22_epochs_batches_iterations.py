"""Q22. What are an epoch, a batch and an iteration?"""

from __future__ import annotations

import gc
import math
import time
import tracemalloc

import numpy as np

from .. import Tensor, nn, optim
from ..data import train_test_split
from ..nn import functional as F
from ..train import Callback, evaluate, fit
from . import framework as lab
from .common import correct, digits_split, mlp, train
from .plots import figure, titled

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
# The generalisation gap: a small and a large batch (about 28 and 4 steps per epoch on 900 images), the same
# epochs, and a learning-rate grid from which each batch size takes its best on a validation split
GAP_BATCHES = (32, 256)
GAP_RATES = (0.1, 0.3, 1.0, 2.0)
GAP_EPOCHS = 30
GAP_VALIDATION = 300
GAP_MIN = 0.02  # two points of test accuracy: a gap worth the name, about the resolution of 597 test digits


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


def _sgd_fit(model, data, lr, epochs, batch, seed, epoch_log: _EpochLog, drop_last: bool = False):
    """fit() with plain SGD on cross-entropy, silently, logging each epoch."""
    optimizer = optim.SGD(model.parameters(), lr=lr)
    return fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        data,
        epochs=epochs,
        batch_size=batch,
        drop_last=drop_last,
        seed=seed,
        verbose=0,
        callbacks=[epoch_log],
    )


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
    history = _sgd_fit(model, (x, y), 0.01, epochs, batch, int(rng.integers(2**31)), epoch_log, drop_last)
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
    model = mlp(MEMORY_SIZES, rng=rng)
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


def _trade_off_run(seed: int, epochs: int, n_train: int | None) -> dict:
    """One seed of the trade-off: digits, a 64-64-10 ReLU MLP, plain SGD (lr 0.05), the same epochs at every batch
    size."""
    x_train, x_test, y_train, y_test = digits_split(0, n_train=n_train)
    out = {}
    for batch in TRADE_OFF_BATCHES:
        rng = np.random.default_rng([seed, 22])
        model = mlp([64, 64, 10], rng=rng)
        epoch_log = _EpochLog()
        history = _sgd_fit(model, (x_train, y_train), 0.05, epochs, batch, seed, epoch_log)
        out[batch] = {
            "seconds": float(np.median(epoch_log.seconds)),
            "curve": history.loss,
            "clock": np.cumsum(epoch_log.seconds),
            "loss": evaluate(model, nn.CrossEntropyLoss(), (x_train, y_train))["loss"],
            "test_acc": evaluate(model, nn.CrossEntropyLoss(), (x_test, y_test), ["accuracy"])["accuracy"],
            "steps": history.iterations,
        }
    return out


def _batch_gap_run(seed: int, epochs: int, rates: tuple, split: tuple) -> dict:
    """Small against large batch at equal epochs, each with its own learning rate tuned on a validation split.

    Every (batch size, rate) of the grid trains on the same 900 images from the same initial weights; each batch
    size keeps the rate with the best validation accuracy. The 'shared' arm runs the large batch at the small
    batch's tuned rate: the rate tuned once and the batch grown without retuning, as in the comparisons that
    found the gap (Keskar et al. 2017). Accuracy differences are per test digit, so the interval carries the
    test set's sampling error and the arms are paired digit by digit.
    """
    x_train, x_test, y_train, y_test = split
    x_fit, x_val, y_fit, y_val = train_test_split(
        x_train, y_train, test_size=GAP_VALIDATION, stratify=y_train, seed=seed
    )
    runs = {}
    for batch in GAP_BATCHES:
        for lr in rates:
            model = mlp([64, 64, 10], rng=np.random.default_rng([seed, 22]))
            train(model, x_fit, y_fit, epochs, batch, lr, seed=seed)
            runs[batch, lr] = {
                "val": correct(model, x_val, y_val).mean(),
                "train": correct(model, x_fit, y_fit).mean(),
                "test": correct(model, x_test, y_test),
            }
    tuned = {b: max(rates, key=lambda lr, b=b: runs[b, lr]["val"]) for b in GAP_BATCHES}
    small, large = (runs[b, tuned[b]] for b in GAP_BATCHES)
    shared = runs[GAP_BATCHES[1], tuned[GAP_BATCHES[0]]]
    return {
        "large_batch_gap_tuned": small["test"] - large["test"],
        "large_batch_gap_shared_lr": small["test"] - shared["test"],
        "small_batch_test_accuracy": small["test"],
        "large_batch_test_accuracy": large["test"],
        "large_batch_shared_lr_test_accuracy": shared["test"],
        "small_batch_train_accuracy": small["train"],
        "large_batch_train_accuracy": large["train"],
        "small_batch_tuned_lr": tuned[GAP_BATCHES[0]],
        "large_batch_tuned_lr": tuned[GAP_BATCHES[1]],
    }


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
    runs = [_trade_off_run(seed, epochs, ctx.pick(None, 300)) for seed in seeds]
    trade = {b: {key: [r[b][key] for r in runs] for key in runs[0][b]} for b in TRADE_OFF_BATCHES}
    split = digits_split()
    # quick mode: two seeds (too few to decide the gap, whose seed-to-seed spread is large) and half the rate grid
    rates = ctx.pick(GAP_RATES, GAP_RATES[1:3])
    gap_runs = [_batch_gap_run(seed, GAP_EPOCHS, rates, split) for seed in seeds]
    gap = lab.summarise(gap_runs, seeds)

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

    small, large = GAP_BATCHES
    n_fit = 1200 - GAP_VALIDATION
    gap_table = lab.Table(
        f"Generalisation gap: batch {small} against batch {large}, {GAP_EPOCHS} epochs each on "
        f"{n_fit} training images, SGD at rates {', '.join(map(str, rates))}, each batch size at "
        f"the rate best on {GAP_VALIDATION} validation images; {len(seeds)} seed(s), test accuracy on 597 digits",
        ["arm", "learning rate per seed", "training accuracy", "test accuracy"],
    )
    for arm, rate_key, train_acc, test_acc in (
        (f"batch {small}, its tuned rate", "small_batch_tuned_lr", "small_batch_train_accuracy", "small_batch"),
        (f"batch {large}, its tuned rate", "large_batch_tuned_lr", "large_batch_train_accuracy", "large_batch"),
        (f"batch {large} at batch {small}'s rate (shared)", "small_batch_tuned_lr", None, "large_batch_shared_lr"),
    ):
        gap_table.add(
            arm,
            ", ".join(f"{r[rate_key]:g}" for r in gap_runs),
            "-" if train_acc is None else gap[train_acc].mean,
            str(gap[f"{test_acc}_test_accuracy"]),
        )
    for name in ("large_batch_gap_tuned", "large_batch_gap_shared_lr"):
        gap_table.add(name.replace("_", " "), "-", "-", str(gap[name]))

    fig, (ax_mem, ax_time, ax_loss, ax_clock) = figure(2, 2, width=11, height=8)
    ax_mem.plot(batches, mib, "o", color="#4c72b0", label="measured peak")
    ax_mem.plot(batches, slope * batches + intercept, "-", color="#4c72b0", lw=1, label=f"linear fit, R² = {r2:.4f}")
    titled(
        ax_mem,
        "memory grows linearly with the batch",
        x="batch size",
        y="peak memory of forward + backward (MiB)",
        legend=True,
    )

    xs = np.arange(len(TRADE_OFF_BATCHES))
    seconds = [1e3 * float(np.median(trade[b]["seconds"])) for b in TRADE_OFF_BATCHES]
    ax_time.bar(xs, seconds, color="#dd8452")
    ax_time.set_yscale("log")
    ax_time.set_xticks(xs, labels)
    titled(
        ax_time,
        "one epoch: fewer, larger steps are cheaper",
        x="batch size (1 = stochastic, full = whole training set)",
        y="wall time per epoch (ms, log scale)",
    )
    for x, s, b in zip(xs, seconds, TRADE_OFF_BATCHES):
        ax_time.annotate(_steps_label(trade[b]["steps"][0] // epochs), (x, s), ha="center", va="bottom", fontsize=8)

    losses = [trade[b]["loss"] for b in TRADE_OFF_BATCHES]
    ax_loss.bar(xs, [np.mean(v) for v in losses], color="#55a868")
    for x, v in zip(xs, losses):
        ax_loss.plot([x] * len(v), v, "k.", ms=4)
    ax_loss.set_xticks(xs, labels)
    titled(
        ax_loss,
        "same epochs, same learning rate: more steps learn more",
        x="batch size",
        y=f"training cross-entropy after {epochs} epochs",
    )

    colors = ("#c44e52", "#dd8452", "#55a868", "#4c72b0", "#8172b3")
    for b, label, color in zip(TRADE_OFF_BATCHES, labels, colors):
        clock = np.mean(trade[b]["clock"], axis=0)
        ax_clock.plot(clock, np.mean(trade[b]["curve"], axis=0), "o-", ms=3, color=color, label=f"batch {label}")
    ax_clock.set_xscale("log")
    titled(
        ax_clock,
        "the trade-off: loss against time, one point per epoch",
        x="wall time since the start of training (s, log scale)",
        y="training loss, mean over each epoch",
        legend=True,
    )

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
        **lab.summarise(
            [{"seconds_per_epoch_batch1_vs_full": r[1]["seconds"] / r[None]["seconds"]} for r in runs], seeds
        ),
        **gap,
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
        f"Generalisation gap (Keskar et al. 2017): with each batch size at its own tuned rate, batch {small} beats "
        f"batch {large} on test accuracy by {gap['large_batch_gap_tuned']}; with the large batch at the small "
        f"batch's tuned rate (the rate not retuned when the batch grew) by {gap['large_batch_gap_shared_lr']}. "
        "Goyal et al. (2017) and Shallue et al. (2019) found that most of the gap closes when the rate (and the "
        "budget of epochs) is tuned per batch size; the epochs here are equal, so the large batch also takes "
        f"{math.ceil(n_fit / large)} steps per epoch against {math.ceil(n_fit / small)}.",
    ]
    return lab.Result(
        metrics=metrics,
        figures={"memory and the batch-size trade-off": fig},
        tables=[counts, memory, trade_table, gap_table],
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------- rules
_HOOKS = lab.Gate(
    "cases_the_hooks_missed",
    "the hooks and the sample log recorded every counting run",
    at_most=0,
    kind="measurement check",
)
_EXACT = "counts and tracemalloc's bytes are exact, so only an interval across a bar leaves it inconclusive"
_COVERAGE, _UNPAIRED = "epoch_coverage_errors", "forward_backward_mismatches"
_STEPS, _MISMATCHES = "iterations_per_epoch_1000_200", "count_mismatches"
_SLOPE, _R2, _RATIO = "memory_slope_kib_per_sample", "memory_linear_r2", "memory_ratio_2048_vs_32"
_GAP = "large_batch_gap_tuned"

EXPERIMENT = lab.described(
    "q22",
    claims=(
        lab.Claim(
            "epoch_is_one_pass",
            "An epoch is one pass over the whole training set.",
            lab.Decide(
                (lab.Verdict.SUPPORTED, lab.Below(_COVERAGE, 0)),
                (lab.Verdict.REFUTED, lab.Above(_COVERAGE, 0, strict=True)),
                note="samples used zero or several times in an epoch, without drop_last; " + _EXACT,
            ),
            gates=(_HOOKS,),
        ),
        lab.Claim(
            "iteration_is_one_batch_step",
            "An iteration is one optimizer step on one batch, so 1,000 samples in batches of 200 take 5 iterations "
            "per epoch.",
            lab.Decide(
                (lab.Verdict.REFUTED, lab.Above(_STEPS, 5, strict=True) | lab.Below(_STEPS, 5, strict=True)),
                (lab.Verdict.SUPPORTED, lab.Below(_MISMATCHES, 0)),
                (lab.Verdict.PARTLY, lab.Above(_MISMATCHES, 0, strict=True)),
                note="fit()'s steps per epoch for N = 1,000, B = 200, and the count of cases whose iterations, "
                "samples seen, forward or backward passes differ from ceil(N / B) (floor with drop_last); " + _EXACT,
            ),
            gates=(_HOOKS,),
        ),
        lab.Claim(
            "epoch_is_one_forward_backward",
            "One epoch is one forward pass and one backward pass of every sample: in an epoch each training sample "
            "goes through the network forward once and backward once.",
            lab.Decide(
                (lab.Verdict.REFUTED, lab.Above(_COVERAGE, 0, strict=True)),
                (lab.Verdict.SUPPORTED, lab.Below(_UNPAIRED, 0)),
                (lab.Verdict.PARTLY, lab.Above(_UNPAIRED, 0, strict=True)),
                note="read per sample, as the claim means it: samples used zero or several times in an epoch, and "
                "forward passes without exactly one backward pass (counted as passes of the whole network, only "
                "full-batch training makes one per epoch: reported, not judged); " + _EXACT,
            ),
            gates=(_HOOKS,),
        ),
        lab.Claim(
            "larger_batch_more_memory",
            "A larger batch needs more memory.",
            lab.Decide(
                (lab.Verdict.REFUTED, lab.Below(_SLOPE, 0) | lab.Below(_RATIO, 1.1, strict=True)),
                (lab.Verdict.SUPPORTED, lab.Above(_R2, 0.99)),
                (lab.Verdict.PARTLY, lab.Below(_R2, 0.99, strict=True)),
                note="peak memory of forward + backward against batch size: it grows if the slope is positive and "
                "the peak at 2,048 is >= 1.1x that at 32, linearly if R² >= 0.99 as well; " + _EXACT,
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
        lab.Claim(
            "large_batches_generalise_worse",
            "Training with large batches generalises worse than with small ones.",
            lab.Decide(
                (lab.Verdict.SUPPORTED, lab.Above(_GAP, GAP_MIN)),
                (lab.Verdict.REFUTED, lab.Below(_GAP, -GAP_MIN)),
                (
                    lab.Verdict.NOT_SUPPORTED,
                    lab.Above(_GAP, -GAP_MIN, strict=True) & lab.Below(_GAP, GAP_MIN, strict=True),
                ),
                note=f"test accuracy of batch {GAP_BATCHES[0]} minus batch {GAP_BATCHES[1]} after the same "
                f"{GAP_EPOCHS} epochs, each batch size at its own learning rate tuned on a validation split, paired "
                "by seed and test digit (the gap at one shared rate is reported beside it: it is what tuning removes)",
            ),
            gates=(
                lab.Gate(
                    "small_batch_test_accuracy",
                    "the small-batch MLP learned the digits (test accuracy >= 0.9)",
                    at_least=0.9,
                ),
            ),
        ),
    ),
    run=run,
)
