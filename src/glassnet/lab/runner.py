"""Run experiments (in parallel processes if asked), apply the verdict rules, time everything."""

from __future__ import annotations

import io
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field

from threadpoolctl import threadpool_limits

from ..backend import manual_seed
from .framework import Context, Estimate
from .registry import load


@dataclass
class ClaimOutcome:
    key: str
    text: str
    verdict: str
    rule: str
    measured: str


@dataclass
class Outcome:
    """Everything the report needs about one experiment run; plain data, so it crosses processes."""

    id: str
    question: str
    answer: str
    data: str
    references: list
    seed: int
    quick: bool
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


def run_experiment(exp_id: str, seed: int = 0, quick: bool = False) -> Outcome:
    """Run one experiment with the global seed set, judge each claim, and package the result."""
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
            outcome.claims.append(
                ClaimOutcome(
                    claim.key,
                    claim.text,
                    claim.rule.verdict(result.metrics).value,
                    claim.rule.describe(),
                    claim.rule.measured(result.metrics),
                )
            )
        outcome.metrics = {k: _metric_json(v) for k, v in result.metrics.items()}
        outcome.tables = [{"title": t.title, "columns": list(t.columns), "rows": t.rows} for t in result.tables]
        outcome.figures = {name: _png(fig) for name, fig in result.figures.items()}
        outcome.notes = list(result.notes)
    except Exception:  # an experiment that breaks is reported, not hidden, and the others still run
        outcome.error = traceback.format_exc()
    outcome.seconds = time.perf_counter() - start
    return outcome


def run_lab(ids: list[str], seed: int = 0, quick: bool = False, jobs: int = 1, on_done=None) -> list[Outcome]:
    """Run ``ids`` (``jobs`` at a time in separate processes); ``on_done(outcome)`` reports progress."""
    outcomes = {}
    if jobs <= 1:
        for exp_id in ids:
            if on_done:
                on_done(None, exp_id)
            outcomes[exp_id] = run_experiment(exp_id, seed, quick)
            if on_done:
                on_done(outcomes[exp_id], exp_id)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(run_experiment, exp_id, seed, quick): exp_id for exp_id in ids}
            for future in as_completed(futures):
                outcome = future.result()
                outcomes[outcome.id] = outcome
                if on_done:
                    on_done(outcome, outcome.id)
    return [outcomes[i] for i in ids]


def summary_line(outcome: Outcome) -> str:
    """One line per experiment for logs: id, time, verdicts or the error."""
    if outcome.error:
        return f"{outcome.id}  {outcome.seconds:6.1f}s  FAILED: {outcome.error.strip().splitlines()[-1]}"
    verdicts = ", ".join(c.verdict for c in outcome.claims)
    return f"{outcome.id}  {outcome.seconds:6.1f}s  {verdicts}"


__all__ = ["ClaimOutcome", "Outcome", "run_experiment", "run_lab", "summary_line"]
