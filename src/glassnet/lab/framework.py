"""What an experiment is: claims with verdict rules, a context, measured results, statistics.

A verdict is never typed in. Each :class:`Claim` carries a rule; the runner applies the rule to
the metrics an experiment measured. Rules are small declarative objects, so the report can
print them and the tests can drive each one to every outcome with synthetic metrics
(:meth:`Rule.examples`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np


class Verdict(str, Enum):
    """How the measurements bear on a claim."""

    SUPPORTED = "supported"
    PARTLY = "partly supported"
    NOT_SUPPORTED = "not supported"
    REFUTED = "refuted"


# ------------------------------------------------------------------------------ statistics
# Two-sided 95% Student t quantiles for small samples (df = n - 1), beyond which 1.96 is close.
_T95 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    19: 2.093,
    24: 2.064,
    29: 2.045,
}


def _t95(df: int) -> float:
    if df in _T95:
        return _T95[df]
    below = [d for d in _T95 if d < df]
    return _T95[max(below)] if df < 30 else 1.96


@dataclass
class Estimate:
    """A quantity measured once per seed: its values, their mean, spread and a 95% confidence interval."""

    values: list
    seeds: list

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def sd(self) -> float:
        return float(np.std(self.values, ddof=1)) if self.n > 1 else 0.0

    @property
    def ci(self) -> tuple[float, float]:
        """Mean ± t(0.975, n-1) sd / sqrt(n); a single value gives a zero-width interval."""
        if self.n < 2:
            return self.mean, self.mean
        half = _t95(self.n - 1) * self.sd / math.sqrt(self.n)
        return self.mean - half, self.mean + half

    def to_dict(self) -> dict:
        low, high = self.ci
        return {
            "mean": self.mean,
            "sd": self.sd,
            "ci95": [low, high],
            "values": list(self.values),
            "seeds": list(self.seeds),
        }

    def __str__(self) -> str:
        low, high = self.ci
        return f"{_fmt(self.mean)} (95% CI {_fmt(low)} to {_fmt(high)}, n={self.n})"


def estimate(values, seeds) -> Estimate:
    """Wrap per-seed values as an :class:`Estimate`."""
    return Estimate([float(v) for v in values], [int(s) for s in seeds])


def estimate_of(*values) -> Estimate:
    """An Estimate over seeds 0, 1, 2, ...: how rules' examples state made-up per-seed metrics."""
    return estimate(values, range(len(values)))


def paired_difference(a: Estimate, b: Estimate) -> Estimate:
    """a - b seed by seed (the seeds must match): the paired design cancels seed-to-seed noise."""
    if a.seeds != b.seeds:
        raise ValueError(f"paired difference needs the same seeds, got {a.seeds} and {b.seeds}")
    return Estimate([x - y for x, y in zip(a.values, b.values)], list(a.seeds))


def _fmt(x) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    x = float(x)
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4g}"
    return f"{x:.3g}"


def value_of(metric):
    """The number a rule compares: an Estimate's mean, or the value itself."""
    return metric.mean if isinstance(metric, Estimate) else float(metric)


# ------------------------------------------------------------------------------ rules
class Rule:
    """Turns metrics into a verdict, says how in words, and gives a synthetic case for each outcome."""

    def verdict(self, metrics: dict) -> Verdict:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def measured(self, metrics: dict) -> str:
        """The numbers the rule looked at, for the report."""
        return "; ".join(f"{name} = {_show(metrics[name])}" for name in self.metric_names())

    def metric_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def examples(self) -> dict:
        """Synthetic metrics that drive this rule to each outcome (used by the tests)."""
        raise NotImplementedError  # pragma: no cover - abstract


def _show(metric) -> str:
    return str(metric) if isinstance(metric, Estimate) else _fmt(metric)


@dataclass(frozen=True)
class AtLeast(Rule):
    """Higher supports the claim: >= supported, >= partly, < refuted_below is refuted, else not supported."""

    metric: str
    supported: float
    partly: float
    refuted_below: float
    unit: str = ""

    def __post_init__(self):
        if not self.supported >= self.partly >= self.refuted_below:
            raise ValueError(f"AtLeast({self.metric}): need supported >= partly >= refuted_below")

    def verdict(self, metrics):
        v = value_of(metrics[self.metric])
        if v >= self.supported:
            return Verdict.SUPPORTED
        if v >= self.partly:
            return Verdict.PARTLY
        return Verdict.REFUTED if v < self.refuted_below else Verdict.NOT_SUPPORTED

    def describe(self):
        u = self.unit
        return (
            f"{self.metric}: supported if >= {_fmt(self.supported)}{u}, partly if >= {_fmt(self.partly)}{u}, "
            f"refuted if < {_fmt(self.refuted_below)}{u}, otherwise not supported"
        )

    def metric_names(self):
        return [self.metric]

    def examples(self):
        gap = max(abs(self.supported) + abs(self.refuted_below), 1.0)
        cases = {Verdict.SUPPORTED: self.supported + gap, Verdict.REFUTED: self.refuted_below - gap}
        if self.partly < self.supported:
            cases[Verdict.PARTLY] = (self.partly + self.supported) / 2
        if self.refuted_below < self.partly:
            cases[Verdict.NOT_SUPPORTED] = (self.refuted_below + self.partly) / 2
        return {v: {self.metric: x} for v, x in cases.items()}


@dataclass(frozen=True)
class AtMost(Rule):
    """Lower supports the claim: <= supported, <= partly, > refuted_above is refuted, else not supported."""

    metric: str
    supported: float
    partly: float
    refuted_above: float
    unit: str = ""

    def __post_init__(self):
        if not self.supported <= self.partly <= self.refuted_above:
            raise ValueError(f"AtMost({self.metric}): need supported <= partly <= refuted_above")

    def verdict(self, metrics):
        v = value_of(metrics[self.metric])
        if v <= self.supported:
            return Verdict.SUPPORTED
        if v <= self.partly:
            return Verdict.PARTLY
        return Verdict.REFUTED if v > self.refuted_above else Verdict.NOT_SUPPORTED

    def describe(self):
        u = self.unit
        return (
            f"{self.metric}: supported if <= {_fmt(self.supported)}{u}, partly if <= {_fmt(self.partly)}{u}, "
            f"refuted if > {_fmt(self.refuted_above)}{u}, otherwise not supported"
        )

    def metric_names(self):
        return [self.metric]

    def examples(self):
        gap = max(abs(self.supported) + abs(self.refuted_above), 1.0)
        cases = {Verdict.SUPPORTED: self.supported - gap, Verdict.REFUTED: self.refuted_above + gap}
        if self.partly > self.supported:
            cases[Verdict.PARTLY] = (self.partly + self.supported) / 2
        if self.refuted_above > self.partly:
            cases[Verdict.NOT_SUPPORTED] = (self.refuted_above + self.partly) / 2
        return {v: {self.metric: x} for v, x in cases.items()}


@dataclass(frozen=True)
class Effect(Rule):
    """A paired difference predicted to have sign ``sign`` (+1 or -1), judged by its 95% CI.

    supported: the CI excludes 0 on the predicted side and |mean| >= min_effect;
    partly: the mean is on the predicted side, but the CI touches 0 or the effect is small;
    refuted: the CI excludes 0 on the other side; not supported: otherwise.
    """

    metric: str
    sign: int = 1
    min_effect: float = 0.0
    unit: str = ""

    def verdict(self, metrics):
        e = metrics[self.metric]
        low, high = e.ci if isinstance(e, Estimate) else (float(e), float(e))
        mean = value_of(e)
        s = self.sign
        low, high, mean = (low, high, mean) if s > 0 else (-high, -low, -mean)
        if low > 0 and mean >= self.min_effect:
            return Verdict.SUPPORTED
        if mean > 0:
            return Verdict.PARTLY
        return Verdict.REFUTED if high < 0 else Verdict.NOT_SUPPORTED

    def describe(self):
        side = "> 0" if self.sign > 0 else "< 0"
        small = f" and |mean| >= {_fmt(self.min_effect)}{self.unit}" if self.min_effect else ""
        return (
            f"{self.metric} (paired difference): supported if its 95% CI lies {side}{small}; partly if only "
            f"the mean does; refuted if the CI lies on the other side; otherwise not supported"
        )

    def metric_names(self):
        return [self.metric]

    def examples(self):
        s, big = self.sign, max(2 * self.min_effect, 1.0)
        seeds = [0, 1, 2]
        return {
            Verdict.SUPPORTED: {self.metric: estimate([s * big, s * big * 1.1, s * big * 0.9], seeds)},
            Verdict.PARTLY: {self.metric: estimate([s * big, -s * big * 0.5, s * big * 0.4], seeds)},
            Verdict.NOT_SUPPORTED: {self.metric: estimate([-s * big, s * big * 0.5, -s * big * 0.4], seeds)},
            Verdict.REFUTED: {self.metric: estimate([-s * big, -s * big * 1.1, -s * big * 0.9], seeds)},
        }


@dataclass(frozen=True)
class Custom(Rule):
    """A rule written as a function, with its description and one synthetic case per outcome it can give."""

    fn: Callable[[dict], Verdict]
    text: str
    metrics_used: tuple
    cases: dict = field(default_factory=dict)

    def verdict(self, metrics):
        return self.fn(metrics)

    def describe(self):
        return self.text

    def metric_names(self):
        return list(self.metrics_used)

    def examples(self):
        return dict(self.cases)


# ------------------------------------------------------------------------------ experiments
@dataclass(frozen=True)
class Claim:
    """One statement a textbook answer makes, in our words, and the rule that judges it."""

    key: str
    text: str
    rule: Rule


@dataclass
class Table:
    """An evidence table: column names and rows of values."""

    title: str
    columns: list
    rows: list = field(default_factory=list)

    def add(self, *row) -> None:
        self.rows.append([_fmt(v) if isinstance(v, (int, float, np.number)) else str(v) for v in row])


@dataclass
class Result:
    """What ``run(ctx)`` returns: metrics (floats or Estimates), figures, evidence tables, notes."""

    metrics: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    tables: list = field(default_factory=list)
    notes: list = field(default_factory=list)


@dataclass
class Context:
    """How an experiment should run: the base seed, quick mode (for CI), where to write files."""

    seed: int = 0
    quick: bool = False
    out_dir: Path | None = None

    def seeds(self, full: int = 5, quick: int = 2) -> list[int]:
        """Consecutive seeds starting at the base seed: ``quick`` of them in quick mode, else ``full``."""
        return list(range(self.seed, self.seed + (quick if self.quick else full)))

    def pick(self, full, quick):
        """``quick`` in quick mode, else ``full`` (sizes, epochs, grids)."""
        return quick if self.quick else full

    def rng(self, offset: int = 0) -> np.random.Generator:
        return np.random.default_rng(self.seed * 1_000_003 + offset)


@dataclass(frozen=True)
class Experiment:
    """A lab question: the question, our answer, the claims it tests, its data, references, and ``run``."""

    id: str
    question: str
    answer: str
    claims: tuple
    data: str
    references: tuple
    run: Callable[[Context], Result]
