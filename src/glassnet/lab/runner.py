"""Run experiments as tasks (in-process, a local process pool, or a Dask cluster), judge each claim, and
combine replicate seed blocks into one verdict per claim.

A task is one experiment on one seed block: :func:`run_experiment` returns plain data (an
:class:`Outcome`), so it crosses processes and machines. :func:`combine` turns an experiment's blocks
into a :class:`Finding`: the common verdict of each claim when every block agrees, otherwise
``unstable``.
"""

from __future__ import annotations

import io
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field

from threadpoolctl import threadpool_limits

from .. import manual_seed
from .framework import Context, Estimate, Verdict
from .registry import load
from .stats import seed_range

UNSTABLE = "unstable"  # replicate blocks gave different verdicts


@dataclass
class ClaimOutcome:
    """One claim judged on one seed block."""

    key: str
    text: str
    verdict: str
    rule: str
    measured: str
    reason: str = ""


@dataclass
class Outcome:
    """One experiment run on one seed block: everything the report needs, as plain data."""

    id: str
    question: str
    answer: str
    data: str
    references: list
    seed: int
    quick: bool
    seeds_used: str = ""  # the seeds the block covers, as the report prints them
    claims: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    tables: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)  # name -> PNG bytes
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("figures")
        return data


@dataclass
class ClaimFinding:
    """One claim over all replicate blocks: the combined verdict and each block's judgement."""

    key: str
    text: str
    verdict: str
    reason: str
    rule: str
    blocks: list  # ClaimOutcome per block, in block order


@dataclass
class Finding:
    """One experiment over its replicate seed blocks (one block when not replicated)."""

    id: str
    question: str
    answer: str
    data: str
    references: list
    quick: bool
    blocks: list  # Outcome per block
    claims: list = field(default_factory=list)

    @property
    def error(self) -> str | None:
        return next((b.error for b in self.blocks if b.error), None)

    @property
    def seconds(self) -> float:
        return sum(b.seconds for b in self.blocks)

    @property
    def first(self) -> Outcome:
        """The first block: its figures, tables and notes stand for the experiment in the report."""
        return self.blocks[0]


def _metric_json(value):
    if isinstance(value, Estimate):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_metric_json(v) for v in value]
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _seeds_of(metrics: dict) -> str:
    seeds = sorted({s for m in metrics.values() if isinstance(m, Estimate) for s in m.seeds})
    return seed_range(seeds)


def run_experiment(exp_id: str, seed: int = 0, quick: bool = False) -> Outcome:
    """Run one experiment on seed block ``seed`` with the global seed set, judge each claim, package it."""
    experiment = load(exp_id)
    outcome = Outcome(
        id=experiment.id,
        question=experiment.question,
        answer=experiment.answer,
        data=experiment.data,
        references=list(experiment.references),
        seed=seed,
        quick=quick,
    )
    start = time.perf_counter()
    try:
        manual_seed(seed)
        # The lab's matrices are small: BLAS threads cost more in hand-offs than they gain, and on a
        # busy machine far more. One thread per experiment; --jobs runs experiments side by side.
        with threadpool_limits(limits=1, user_api="blas"):
            result = experiment.run(Context(seed=seed, quick=quick))
        for claim in experiment.claims:
            judgement = claim.judge(result.metrics)
            outcome.claims.append(
                ClaimOutcome(
                    claim.key,
                    claim.text,
                    judgement.verdict.value,
                    claim.describe(),
                    claim.measured(result.metrics),
                    judgement.reason,
                )
            )
        outcome.seeds_used = _seeds_of(result.metrics)
        outcome.metrics = {k: _metric_json(v) for k, v in result.metrics.items()}
        outcome.tables = [{"title": t.title, "columns": list(t.columns), "rows": t.rows} for t in result.tables]
        outcome.figures = {name: _png(fig) for name, fig in result.figures.items()}
        outcome.notes = list(result.notes)
    except Exception:  # an experiment that breaks is reported, not hidden, and the others still run
        outcome.error = traceback.format_exc()
    outcome.seconds = time.perf_counter() - start
    return outcome


def combine(blocks: list[Outcome]) -> Finding:
    """One experiment's replicate blocks as a :class:`Finding`: per claim, the blocks' common verdict, or
    ``unstable`` (with each block's verdict in the reason) when they differ."""
    first = blocks[0]
    finding = Finding(first.id, first.question, first.answer, first.data, first.references, first.quick, blocks)
    if any(b.error for b in blocks):
        return finding
    for k, claim in enumerate(first.claims):
        per_block = [b.claims[k] for b in blocks]
        verdicts = [c.verdict for c in per_block]
        if len(set(verdicts)) == 1:
            verdict = verdicts[0]
            reason = per_block[0].reason if len(blocks) == 1 else _common_reason(per_block)
        else:
            verdict = UNSTABLE
            reason = "blocks disagree: " + "; ".join(
                f"block {b.seed} (seeds {b.seeds_used or '?'}): {c.verdict}" for b, c in zip(blocks, per_block)
            )
        finding.claims.append(ClaimFinding(claim.key, claim.text, verdict, reason, claim.rule, per_block))
    return finding


def _common_reason(per_block: list[ClaimOutcome]) -> str:
    reasons = [c.reason for c in per_block if c.reason]
    return reasons[0] if len(set(reasons)) == 1 and len(reasons) == len(per_block) else ""


def default_jobs() -> int:
    """The cores this process may use: the default number of experiments run side by side."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _tasks(ids: list[str], seed: int, replicates: int) -> list[tuple[str, int]]:
    return [(exp_id, seed + r) for exp_id in ids for r in range(replicates)]


def _run_local(tasks, quick: bool, jobs: int, on_done):
    if jobs <= 1:
        for exp_id, block in tasks:
            outcome = run_experiment(exp_id, block, quick)
            if on_done:
                on_done(outcome)
            yield outcome
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_experiment, exp_id, block, quick) for exp_id, block in tasks]
        for future in as_completed(futures):
            outcome = future.result()
            if on_done:
                on_done(outcome)
            yield outcome


def _run_dask(tasks, quick: bool, scheduler: str, on_done):
    """The same tasks on a running ``dask.distributed`` scheduler (``pip install -e ".[cluster]"``)."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as error:
        raise ImportError('running the lab on a cluster needs dask.distributed: pip install -e ".[cluster]"') from error
    with Client(scheduler) as client:
        futures = [client.submit(run_experiment, exp_id, block, quick, pure=False) for exp_id, block in tasks]
        for future in dask_completed(futures):
            outcome = future.result()
            if on_done:
                on_done(outcome)
            yield outcome


def run_lab(
    ids: list[str],
    seed: int = 0,
    quick: bool = False,
    replicates: int = 1,
    jobs: int = 1,
    scheduler: str | None = None,
    on_done=None,
) -> list[Finding]:
    """Run ``ids`` on ``replicates`` disjoint seed blocks (``seed``, ``seed + 1``, ...) and combine them.

    Tasks run in this process (``jobs=1``), in ``jobs`` local processes, or on the Dask scheduler at
    ``scheduler``; ``on_done(outcome)`` is called as each task finishes.
    """
    tasks = _tasks(ids, seed, replicates)
    if scheduler:
        done = _run_dask(tasks, quick, scheduler, on_done)
    else:
        done = _run_local(tasks, quick, jobs, on_done)
    outcomes = {(o.id, o.seed): o for o in done}
    return [combine([outcomes[exp_id, seed + r] for r in range(replicates)]) for exp_id in ids]


def verdict_counts(findings: list[Finding]) -> dict[str, int]:
    """How many claims got each verdict (unstable included), in the order the report lists them."""
    order = [v.value for v in Verdict] + [UNSTABLE]
    counts = dict.fromkeys(order, 0)
    for finding in findings:
        for claim in finding.claims:
            counts[claim.verdict] += 1
    return counts


def summary_line(outcome: Outcome) -> str:
    """One line per task for logs: id, block, time, verdicts or the error."""
    head = f"{outcome.id} block {outcome.seed}  {outcome.seconds:6.1f}s"
    if outcome.error:
        return f"{head}  FAILED: {outcome.error.strip().splitlines()[-1]}"
    return f"{head}  " + ", ".join(c.verdict for c in outcome.claims)


__all__ = [
    "UNSTABLE",
    "ClaimFinding",
    "ClaimOutcome",
    "Finding",
    "Outcome",
    "combine",
    "default_jobs",
    "run_experiment",
    "run_lab",
    "summary_line",
    "verdict_counts",
]
