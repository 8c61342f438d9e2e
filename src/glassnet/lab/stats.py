"""The lab's statistics: a quantity measured once per seed, its 95% interval, and how test items add to it.

Every interval here is honest about what it does not know. One seed gives no interval at all (it is
unbounded), so a single run can never be read as certain. A share of seeds (how many runs solved a task)
gets a Wilson score interval, not a t interval that would call 3 of 3 certain. An accuracy measured on a
fixed test set adds the error of having drawn those test items (:func:`over_items`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.stats

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def t95(df: int) -> float:
    """The two-sided 95% Student t quantile with ``df`` degrees of freedom."""
    return float(scipy.stats.t.ppf(0.975, df))


@dataclass
class Estimate:
    """A quantity measured once per seed: its values, mean, spread and 95% confidence interval.

    ``item_var`` is the variance of the mean that comes from the test items rather than the seeds (the
    same fixed test set scored for every seed): the interval adds it to the seed-to-seed variance.
    """

    values: list
    seeds: list
    item_var: float = 0.0

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
        """mean ± t(0.975, n-1) sqrt(sd²/n + item_var); unbounded for a single seed (nothing to say how far
        another seed would land)."""
        if self.n < 2:
            return -math.inf, math.inf
        half = t95(self.n - 1) * math.sqrt(self.sd**2 / self.n + self.item_var)
        return self.mean - half, self.mean + half

    @property
    def bounded(self) -> bool:
        return self.n >= 2

    def to_dict(self) -> dict:
        low, high = self.ci
        return {
            "mean": self.mean,
            "sd": self.sd,
            "ci95": [low, high] if self.bounded else None,
            "item_var": self.item_var,
            "values": list(self.values),
            "seeds": list(self.seeds),
        }

    def __str__(self) -> str:
        if not self.bounded:
            return f"{fmt(self.mean)} (one seed: no interval)"
        low, high = self.ci
        return f"{fmt(self.mean)} (95% CI {fmt(low)} to {fmt(high)}, n={self.n})"


@dataclass
class Proportion(Estimate):
    """The share of seeds on which something happened (values 0 or 1), with a Wilson score interval.

    A t interval would call 3 successes of 3 certain (sd 0); Wilson's gives 0.44 to 1 (Wilson 1927).
    """

    @property
    def ci(self) -> tuple[float, float]:
        if self.n < 2:
            return -math.inf, math.inf
        p, n, z2 = self.mean, self.n, Z95**2
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
        # exact ends at 0 and 1 hits, where the formula's rounding leaves 1e-17 instead of 0
        return (0.0 if p == 0 else centre - half), (1.0 if p == 1 else centre + half)

    def __str__(self) -> str:
        hits = int(round(sum(self.values)))
        if not self.bounded:
            return f"{hits} of {self.n} seeds (one seed: no interval)"
        low, high = self.ci
        return f"{hits} of {self.n} seeds = {fmt(self.mean)} (95% CI {fmt(low)} to {fmt(high)})"


def estimate(values, seeds, item_var: float = 0.0) -> Estimate:
    """Wrap per-seed values as an :class:`Estimate`."""
    values, seeds = [float(v) for v in values], [int(s) for s in seeds]
    if len(values) != len(seeds):
        raise ValueError(f"estimate: {len(values)} values for {len(seeds)} seeds")
    return Estimate(values, seeds, float(item_var))


def estimate_of(*values) -> Estimate:
    """An Estimate over seeds 0, 1, 2, ...: how rules' examples state made-up per-seed metrics."""
    return estimate(values, range(len(values)))


def proportion(outcomes, seeds) -> Proportion:
    """The share of seeds where ``outcomes`` is true (one bool per seed)."""
    flags = [float(bool(o)) for o in outcomes]
    if len(flags) != len(seeds):
        raise ValueError(f"proportion: {len(flags)} outcomes for {len(seeds)} seeds")
    return Proportion(flags, [int(s) for s in seeds])


def over_items(per_item, seeds) -> Estimate:
    """A mean over a fixed test set, once per seed, whose interval includes test-item sampling error.

    ``per_item`` is (seeds, items): a score per test item for each seed (1/0 for correct, a loss, or the
    difference of two models' scores on the same item, which pairs them item by item). The seed part of
    the variance comes from the per-seed means; the item part is the variance across items of the
    seed-averaged score, over the number of items (a test set is one draw of items from the population).
    """
    scores = np.asarray(per_item, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != len(seeds) or scores.shape[1] < 2:
        raise ValueError(f"over_items needs (seeds, items) scores with >= 2 items, got {tuple(scores.shape)}")
    item_var = float(scores.mean(axis=0).var(ddof=1) / scores.shape[1])
    return estimate(scores.mean(axis=1), seeds, item_var)


def summarise(runs: list, seeds) -> dict:
    """One metric per name from per-seed measurements ``runs`` (a dict per seed, same names in each).

    A bool per seed becomes a :class:`Proportion`, a 1-D array (a score per test item) an :func:`over_items`
    mean, a number an :func:`estimate`.
    """
    if len(runs) != len(seeds) or not runs:
        raise ValueError(f"summarise: {len(runs)} runs for {len(seeds)} seeds")
    metrics = {}
    for name in runs[0]:
        values = [run[name] for run in runs]
        if isinstance(values[0], (bool, np.bool_)):
            metrics[name] = proportion(values, seeds)
        elif np.ndim(values[0]) == 1:
            metrics[name] = over_items(values, seeds)
        else:
            metrics[name] = estimate(values, seeds)
    return metrics


def over_seeds(seeds, measure) -> dict:
    """``measure(seed) -> {name: value}`` run once per seed, summarised by :func:`summarise`: the seed loop
    an experiment would otherwise write itself."""
    return summarise([measure(seed) for seed in seeds], seeds)


def paired_difference(a: Estimate, b: Estimate) -> Estimate:
    """a - b seed by seed (the seeds must match): the paired design cancels seed-to-seed noise.

    Item variances add (a bound: it ignores that the same items help both); pass per-item differences
    to :func:`over_items` for the paired, tighter interval.
    """
    if a.seeds != b.seeds:
        raise ValueError(f"paired difference needs the same seeds, got {a.seeds} and {b.seeds}")
    return Estimate([x - y for x, y in zip(a.values, b.values)], list(a.seeds), a.item_var + b.item_var)


def interval(metric) -> tuple[float, float]:
    """The 95% interval of an Estimate, or the point interval of an exact value."""
    if isinstance(metric, Estimate):
        return metric.ci
    value = float(metric)
    return value, value


def value_of(metric) -> float:
    """An Estimate's mean, or the value itself."""
    return metric.mean if isinstance(metric, Estimate) else float(metric)


def fmt(x) -> str:
    """A number as the report prints it: four significant digits, thousands separators for integers."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    x = float(x)
    if math.isinf(x) or math.isnan(x):
        return str(x)
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4g}"
    return f"{x:.3g}"


def show(metric) -> str:
    return str(metric) if isinstance(metric, Estimate) else fmt(metric)


def seed_range(seeds) -> str:
    """'0-4' for consecutive seeds, else the list."""
    seeds = list(seeds)
    if seeds and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ", ".join(map(str, seeds))
