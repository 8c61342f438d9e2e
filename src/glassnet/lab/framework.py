"""What an experiment is: claims with gates and verdict rules, a context, measured results.

A verdict is never typed in. Each :class:`Claim` carries a rule, and may carry gates; the runner
applies them to the metrics an experiment measured. Gates come first: when a precondition of the claim
fails (a positive control did not learn, a manipulation changed nothing) the verdict is
``inconclusive``, whatever the rule would say. Rules judge 95% intervals, never means alone: a verdict
other than ``inconclusive`` needs the whole interval on one side of the rule's bar, so one seed (which
has no interval) can never support or refute a claim. Rules are small declarative objects, so the report
prints them and the tests drive each one to every outcome with synthetic metrics (:meth:`Rule.examples`).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np

from .stats import (
    Estimate,
    Proportion,
    estimate,
    estimate_of,
    fmt,
    interval,
    over_items,
    over_seeds,
    paired_difference,
    proportion,
    show,
    summarise,
    value_of,
)


class Verdict(str, Enum):
    """How the measurements bear on a claim; ``inconclusive`` when they cannot tell (with the reason)."""

    SUPPORTED = "supported"
    PARTLY = "partly supported"
    NOT_SUPPORTED = "not supported"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


# The decided verdicts in order, from the claim's worst case to its best: two verdicts two or more
# steps apart are opposite (supported vs not supported or refuted; partly vs refuted).
SCALE = (Verdict.REFUTED, Verdict.NOT_SUPPORTED, Verdict.PARTLY, Verdict.SUPPORTED)


@dataclass(frozen=True)
class Judgement:
    """A verdict and why: the reason is required for ``inconclusive`` and optional otherwise."""

    verdict: Verdict
    reason: str = ""


def inconclusive(reason: str) -> Judgement:
    """The measurements could not tell, for ``reason`` (printed in the report)."""
    return Judgement(Verdict.INCONCLUSIVE, reason)


def low(metric) -> float:
    """The lower end of a metric's 95% interval (-inf for one seed): what a rule may rely on from below."""
    return interval(metric)[0]


def high(metric) -> float:
    """The upper end of a metric's 95% interval (+inf for one seed)."""
    return interval(metric)[1]


def _span(name: str, metric) -> str:
    if isinstance(metric, Estimate) and not metric.bounded:
        return f"{name}: one seed, no interval"
    lo, hi = interval(metric)
    return f"{name}: 95% CI {fmt(lo)} to {fmt(hi)}"


def undecided(metrics: dict, *names: str, because: str = "") -> Judgement:
    """``inconclusive``, naming the intervals that did not decide (and ``because``, when given)."""
    spans = "; ".join(_span(n, metrics[n]) for n in names)
    return inconclusive(f"{because}: {spans}" if because else f"the intervals do not decide: {spans}")


# ------------------------------------------------------------------------------ rules
class Rule:
    """Turns metrics into a judgement, says how in words, and gives a synthetic case for each outcome."""

    def judge(self, metrics: dict) -> Judgement:  # pragma: no cover - abstract
        raise NotImplementedError

    def verdict(self, metrics: dict) -> Verdict:
        return self.judge(metrics).verdict

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def metric_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def measured(self, metrics: dict) -> str:
        """The numbers the rule looked at, for the report."""
        return "; ".join(f"{name} = {show(metrics[name])}" for name in self.metric_names())

    def examples(self) -> dict:
        """Synthetic metrics that drive this rule to each outcome (used by the tests)."""
        raise NotImplementedError  # pragma: no cover - abstract


def _one_seed(value: float) -> Estimate:
    return estimate([value], [0])


def _on_side(metric, bar: float, side: int, strict: bool = False) -> bool | None:
    """Whether the metric's whole 95% interval lies on ``side`` of ``bar`` (+1 at or above, -1 at or below;
    strictly with ``strict``): True, wholly on the other side: False, straddling it: None."""
    lo, hi = sorted(side * x for x in interval(metric))
    bar = side * bar  # on the -1 side, "at or below" is "at or above" of the negation
    if lo > bar or (lo == bar and not strict):
        return True
    if hi < bar or (hi == bar and strict):
        return False
    return None


def lies_above(metric, bar: float) -> bool | None:
    """Whether the metric's whole 95% interval lies at or above ``bar`` (True), wholly below it (False), or
    straddles it (None)."""
    return _on_side(metric, bar, +1)


def lies_below(metric, bar: float) -> bool | None:
    """Whether the metric's whole 95% interval lies at or below ``bar`` (True), wholly above it (False), or
    straddles it (None)."""
    return _on_side(metric, bar, -1)


def _banded(name: str, metric, cuts: tuple, sign: int) -> Judgement:
    """The band that the whole interval of ``sign * metric`` lies in, of those above ``cuts`` (the supported,
    partly and not-supported cut-offs, best first; below the last is refuted); inconclusive when the
    interval crosses a cut-off.

    Strict at every cut-off, the supported one included, so that a wider interval (fewer seeds, quick mode)
    can only keep the verdict of a narrower one or become inconclusive, never move to a neighbouring band.
    """
    lo, hi = sorted(sign * x for x in interval(metric))
    edges = [sign * c for c in cuts]  # descending
    bands = zip([*edges, -math.inf], [math.inf, *edges], SCALE[::-1])
    for bottom, top, verdict in bands:
        if bottom <= lo and hi < top:
            return Judgement(verdict)
    crossed = [fmt(c) for c, edge in zip(cuts, edges) if lo < edge <= hi]
    return inconclusive(f"{_span(name, metric)} crosses {' and '.join(crossed)}" if crossed else _span(name, metric))


@dataclass(frozen=True)
class Bands(Rule):
    """A metric whose whole 95% interval must lie in one band for its verdict: written :func:`AtLeast` (higher
    supports the claim, ``side`` +1) and :func:`AtMost` (lower does, ``side`` -1).

    ``cuts`` are the supported, partly and refuted cut-offs, best first: on the claim's side of the first,
    supported; of the second, partly; of the third, not supported; beyond it, refuted.
    """

    metric: str
    cuts: tuple
    side: int
    unit: str = ""

    def __post_init__(self):
        ordered = [self.side * c for c in self.cuts]
        if ordered != sorted(ordered, reverse=True):
            names = ("supported", "partly", "refuted_below" if self.side > 0 else "refuted_above")
            op = " >= " if self.side > 0 else " <= "
            raise ValueError(f"{'AtLeast' if self.side > 0 else 'AtMost'}({self.metric}): need {op.join(names)}")

    def judge(self, metrics):
        return _banded(self.metric, metrics[self.metric], self.cuts, self.side)

    def describe(self):
        u, (supported, partly, refuted) = self.unit, (fmt(c) for c in self.cuts)
        at, beyond = (">=", "below") if self.side > 0 else ("<=", "above")
        return (
            f"{self.metric}, judged by its whole 95% interval: supported if it lies {at} {supported}{u}; "
            f"partly if {at} {partly}{u}; refuted if {beyond} {refuted}{u}; "
            "not supported if in between; inconclusive if it crosses one of these bars"
        )

    def metric_names(self):
        return [self.metric]

    def examples(self):
        supported, partly, refuted = self.cuts
        gap = self.side * max(abs(supported) + abs(refuted), 1.0)
        cases = {Verdict.SUPPORTED: supported + gap, Verdict.REFUTED: refuted - gap}
        if partly != supported:
            cases[Verdict.PARTLY] = (partly + supported) / 2
        if refuted != partly:
            cases[Verdict.NOT_SUPPORTED] = (refuted + partly) / 2
        cases = {v: {self.metric: x} for v, x in cases.items()}
        cases[Verdict.INCONCLUSIVE] = {self.metric: _one_seed(supported + gap)}
        return cases


def AtLeast(metric: str, supported: float, partly: float, refuted_below: float, unit: str = "") -> Bands:  # noqa: N802
    """Higher supports the claim: bands >= ``supported``, >= ``partly``, >= ``refuted_below``, below it."""
    return Bands(metric, (supported, partly, refuted_below), +1, unit)


def AtMost(metric: str, supported: float, partly: float, refuted_above: float, unit: str = "") -> Bands:  # noqa: N802
    """Lower supports the claim: bands <= ``supported``, <= ``partly``, <= ``refuted_above``, above it."""
    return Bands(metric, (supported, partly, refuted_above), -1, unit)


@dataclass(frozen=True)
class Effect(Rule):
    """A difference predicted to have sign ``sign`` (+1 or -1) and size at least ``min_effect``.

    With x = sign * metric and its 95% interval [lo, hi]: supported if lo >= min_effect (the whole interval
    clears the bar); partly if 0 < lo and hi < min_effect (real, but smaller than the claim needs); refuted
    if hi < 0 (the effect goes the other way); not supported if the interval spans 0 within ±min_effect (no
    effect worth the name); otherwise inconclusive: the interval crosses min_effect, or spans 0 and reaches
    beyond ±min_effect.
    """

    metric: str
    sign: int
    min_effect: float
    unit: str = ""

    def __post_init__(self):
        if self.sign not in (1, -1) or not self.min_effect > 0:
            raise ValueError(
                f"Effect({self.metric}): sign must be +1 or -1 and min_effect > 0 (the smallest effect that matters)"
            )

    def judge(self, metrics):
        metric, m = metrics[self.metric], self.min_effect
        lo, hi = (self.sign * x for x in interval(metric))
        lo, hi = min(lo, hi), max(lo, hi)
        if lo >= m:
            return Judgement(Verdict.SUPPORTED)
        if hi < 0:
            return Judgement(Verdict.REFUTED)
        if lo > 0 and hi < m:
            return Judgement(Verdict.PARTLY, f"{_span(self.metric, metric)}: real, but below {fmt(m)}{self.unit}")
        if lo > -m and hi < m:
            return Judgement(Verdict.NOT_SUPPORTED, f"{_span(self.metric, metric)} lies within ±{fmt(m)}{self.unit}")
        if not math.isfinite(lo):
            return inconclusive(_span(self.metric, metric))
        if lo > 0:
            return inconclusive(
                f"{_span(self.metric, metric)}: real, but crosses the minimum effect {fmt(m)}{self.unit}"
            )
        return inconclusive(f"{_span(self.metric, metric)} spans 0 and reaches beyond ±{fmt(m)}{self.unit}")

    def describe(self):
        side = "> 0" if self.sign > 0 else "< 0"
        u, m = self.unit, fmt(self.min_effect)
        bar = f"{'>=' if self.sign > 0 else '<='} {'' if self.sign > 0 else '-'}{m}{u}"
        return (
            f"{self.metric}, predicted {side} by at least {m}{u}, judged by its whole 95% interval: supported if it "
            f"lies {bar}; partly if it lies between 0 and {'' if self.sign > 0 else '-'}{m}{u} (real but small); "
            f"refuted if it lies on the other side of 0; not supported if it spans 0 within ±{m}{u}; otherwise "
            "inconclusive"
        )

    def metric_names(self):
        return [self.metric]

    def examples(self):
        s, m = self.sign, self.min_effect

        def case(*values):
            return {self.metric: estimate_of(*(s * m * v for v in values))}

        return {
            Verdict.SUPPORTED: case(2.0, 2.2, 1.8),
            Verdict.PARTLY: case(0.5, 0.52, 0.48),
            Verdict.NOT_SUPPORTED: case(0.01, -0.01, 0.0),
            Verdict.REFUTED: case(-2.0, -2.2, -1.8),
            Verdict.INCONCLUSIVE: case(2.0, -1.0, 0.8),
        }


# How conjunctions combine: the claim fails if any part fails, cannot tell if any part cannot.
_WEAKEST = (Verdict.REFUTED, Verdict.NOT_SUPPORTED, Verdict.INCONCLUSIVE, Verdict.PARTLY, Verdict.SUPPORTED)


def weakest(*judgements: Judgement) -> Judgement:
    """The verdict of a claim that needs all of its parts: its weakest part (refuted before not supported
    before inconclusive before partly), with that part's reason."""
    return min(judgements, key=lambda j: _WEAKEST.index(j.verdict))


@dataclass(frozen=True)
class AllOf(Rule):
    """A claim that needs every part to hold: the weakest of its parts' verdicts (see :func:`weakest`)."""

    parts: tuple

    def judge(self, metrics):
        return weakest(*(part.judge(metrics) for part in self.parts))

    def describe(self):
        return "all of: " + "; ".join(f"({k}) {p.describe()}" for k, p in enumerate(self.parts, 1))

    def metric_names(self):
        return list(dict.fromkeys(n for p in self.parts for n in p.metric_names()))

    def examples(self):
        base = {}
        for part in self.parts:
            base.update(part.examples()[Verdict.SUPPORTED])
        cases = {}
        for part in self.parts:
            for verdict, metrics in part.examples().items():
                cases.setdefault(verdict, {**base, **metrics})
        return cases


_AHEAD = (Verdict.SUPPORTED, Verdict.PARTLY)


@dataclass(frozen=True)
class Corroboration(Rule):
    """A claim tested several ways, each part a rule: supported if every part is ahead (supported or partly);
    partly if some are ahead and every other part has decided against; refuted if every part is refuted;
    not supported if none is ahead and all have decided; otherwise (a part cannot tell) inconclusive.

    Unlike :class:`AllOf`, one test that fails leaves the claim partly true rather than false.
    """

    parts: tuple

    def judge(self, metrics):
        judged = [part.judge(metrics) for part in self.parts]
        verdicts = [j.verdict for j in judged]
        if all(v in _AHEAD for v in verdicts):
            return Judgement(Verdict.SUPPORTED)
        if all(v is Verdict.REFUTED for v in verdicts):
            return Judgement(Verdict.REFUTED)
        undecided_parts = [j for j in judged if j.verdict is Verdict.INCONCLUSIVE]
        if undecided_parts:
            return inconclusive("; ".join(j.reason for j in undecided_parts))
        if any(v in _AHEAD for v in verdicts):
            behind = [p.metric_names()[0] for p, v in zip(self.parts, verdicts) if v not in _AHEAD]
            return Judgement(Verdict.PARTLY, f"not ahead on {', '.join(behind)}")
        return Judgement(Verdict.NOT_SUPPORTED)

    def describe(self):
        tests = "; ".join(f"({k}) {p.describe()}" for k, p in enumerate(self.parts, 1))
        return (
            f"tested {len(self.parts)} ways: {tests}. Supported if every test is ahead (supported or partly); partly "
            "if some are and the others decide against; refuted if all are refuted; not supported if none is "
            "ahead; inconclusive while a test cannot tell"
        )

    def metric_names(self):
        return list(dict.fromkeys(n for p in self.parts for n in p.metric_names()))

    def examples(self):
        cases = [p.examples() for p in self.parts]

        def merged(*per_part):
            return {k: v for case in per_part for k, v in case.items()}

        against = [c.get(Verdict.NOT_SUPPORTED, c[Verdict.REFUTED]) for c in cases]
        return {
            Verdict.SUPPORTED: merged(*(c[Verdict.SUPPORTED] for c in cases)),
            Verdict.PARTLY: merged(cases[0][Verdict.SUPPORTED], *against[1:]),
            Verdict.NOT_SUPPORTED: merged(*against),
            Verdict.REFUTED: merged(*(c[Verdict.REFUTED] for c in cases)),
            Verdict.INCONCLUSIVE: merged(cases[0][Verdict.INCONCLUSIVE], *(c[Verdict.SUPPORTED] for c in cases[1:])),
        }


# ------------------------------------------------------------------------------ decision lists
class Test:
    """A three-valued statement about metrics' 95% intervals: True, False, or None (the interval straddles
    the bar). Combine with ``&`` (both) and ``|`` (either), Kleene's way: False and anything is False,
    True or anything is True, otherwise None."""

    def holds(self, metrics: dict) -> bool | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def leaves(self) -> list:  # pragma: no cover - abstract
        raise NotImplementedError

    def undecided(self, metrics: dict) -> list:
        """The leaf tests that cannot tell, for an inconclusive verdict's reason."""
        return [t for t in self.leaves() if t.holds(metrics) is None]

    def __and__(self, other: Test) -> Test:
        return every((self, other))

    def __or__(self, other: Test) -> Test:
        return some((self, other))


@dataclass(frozen=True)
class Bound(Test):
    """The metric's whole 95% interval lies on ``side`` of ``bar`` (+1 at or above it, -1 at or below it;
    strictly with ``strict``). Written :func:`Above` and :func:`Below`."""

    metric: str
    bar: float
    side: int
    strict: bool = False

    def holds(self, metrics):
        return _on_side(metrics[self.metric], self.bar, self.side, self.strict)

    def describe(self):
        op = (">" if self.side > 0 else "<") + ("" if self.strict else "=")
        return f"{self.metric} {op} {fmt(self.bar)}"

    def leaves(self):
        return [self]


def Above(metric: str, bar: float, strict: bool = False) -> Bound:  # noqa: N802 - reads as a test's name
    """The metric's whole 95% interval lies at or above ``bar`` (strictly above with ``strict``)."""
    return Bound(metric, bar, +1, strict)


def Below(metric: str, bar: float, strict: bool = False) -> Bound:  # noqa: N802 - reads as a test's name
    """The metric's whole 95% interval lies at or below ``bar`` (strictly below with ``strict``)."""
    return Bound(metric, bar, -1, strict)


@dataclass(frozen=True)
class Join(Test):
    """All of ``parts`` hold (Kleene's and), or with ``either`` at least one (Kleene's or). Written ``a & b``,
    ``a | b``, :func:`every` and :func:`some`; nested joins of one kind are flattened into one."""

    parts: tuple
    either: bool = False

    def holds(self, metrics):
        values = [part.holds(metrics) for part in self.parts]
        decisive = self.either  # the value that settles the join alone: True for or, False for and
        if any(v is decisive for v in values):
            return decisive
        return None if any(v is None for v in values) else not decisive

    def describe(self):
        texts = [part.describe() for part in self.parts]
        return f"({' or '.join(texts)})" if self.either else " and ".join(texts)

    def leaves(self):
        return [leaf for part in self.parts for leaf in part.leaves()]


def _join(tests, either: bool) -> Test:
    parts = []
    for test in tests:
        same_kind = isinstance(test, Join) and test.either == either
        parts.extend(test.parts if same_kind else (test,))
    if not parts:
        raise ValueError("a join needs at least one test")
    return parts[0] if len(parts) == 1 else Join(tuple(parts), either)


def every(tests) -> Test:
    """All of ``tests`` (an iterable) hold."""
    return _join(tests, either=False)


def some(tests) -> Test:
    """At least one of ``tests`` (an iterable) holds."""
    return _join(tests, either=True)


class Decide(Rule):
    """A decision list: the verdict of the first case whose test holds, else ``otherwise``.

    Cases are read in order. A case whose test cannot tell (an interval straddles its bar) makes the claim
    inconclusive, naming that interval, since a narrower interval could make it hold: so a wider interval
    (fewer seeds, quick mode) can only keep a verdict or turn it inconclusive, never change it. With no
    ``otherwise``, a run where no case holds is inconclusive too. The rule writes its own description
    and finds its own synthetic example of every verdict it can give.

        Decide((Verdict.SUPPORTED, Above("gain", 0.1)),
               (Verdict.PARTLY, Above("gain", 0.0, strict=True)),
               (Verdict.REFUTED, Below("gain", 0.0, strict=True)),
               otherwise=Verdict.NOT_SUPPORTED, note="gain in accuracy points")
    """

    def __init__(self, *cases: tuple, otherwise: Verdict | None = None, note: str = ""):
        if not cases or any(len(c) != 2 or not isinstance(c[1], Test) for c in cases):
            raise ValueError("Decide takes (verdict, test) pairs, at least one")
        self.cases = tuple((Verdict(v), test) for v, test in cases)
        self.otherwise = None if otherwise is None else Verdict(otherwise)
        self.note = note

    def __repr__(self) -> str:
        return f"Decide({self.describe()!r})"

    def judge(self, metrics):
        for verdict, test in self.cases:
            holds = test.holds(metrics)
            if holds:
                return Judgement(verdict, test.describe())
            if holds is None:
                spans = "; ".join(_span(t.metric, metrics[t.metric]) for t in test.undecided(metrics))
                return inconclusive(f"cannot tell whether {test.describe()} ({verdict.value}): {spans}")
        if self.otherwise is None:
            return inconclusive("none of the cases holds: " + self.measured(metrics))
        return Judgement(self.otherwise)

    def describe(self):
        cases = "; ".join(f"{verdict.value} if {test.describe()}" for verdict, test in self.cases)
        tail = f"; otherwise {self.otherwise.value}" if self.otherwise else "; otherwise inconclusive"
        note = f"{self.note}. " if self.note else ""
        return (
            f"{note}Each test judged by the whole 95% interval, first case that holds: {cases}{tail}; "
            "inconclusive where an interval straddles the bar of a case not yet ruled out"
        )

    def metric_names(self):
        return list(dict.fromkeys(t.metric for _, test in self.cases for t in test.leaves()))

    def examples(self):
        """One tight synthetic case per verdict the list can give, found by trying values around its bars."""
        grid = {}
        for _, test in self.cases:
            for leaf in test.leaves():
                grid.setdefault(leaf.metric, set()).add(float(leaf.bar))
        candidates = {name: _around(sorted(bars)) for name, bars in grid.items()}
        names = list(candidates)
        cases = {}
        for values in itertools.product(*(candidates[n] for n in names)):
            metrics = {n: estimate_of(v, v, v) for n, v in zip(names, values)}
            cases.setdefault(self.judge(metrics).verdict, metrics)
            if Verdict.INCONCLUSIVE not in cases:  # one metric cut to one seed, whose interval is unbounded
                loosened = ({**metrics, n: _one_seed(v)} for n, v in zip(names, values))
                found = next((m for m in loosened if self.judge(m).verdict is Verdict.INCONCLUSIVE), None)
                if found:
                    cases[Verdict.INCONCLUSIVE] = found
        return cases


def _around(bars: list) -> list:
    """Values on, between and beyond the sorted ``bars``: enough to reach every side of every test."""
    span = max(1.0, bars[-1] - bars[0])
    between = [(a + b) / 2 for a, b in zip(bars, bars[1:])]
    return sorted({bars[0] - span, *bars, *between, bars[-1] + span})


@dataclass(frozen=True)
class Custom(Rule):
    """A rule written as a function, with its description and one synthetic case per outcome it can give.

    ``fn`` returns a :class:`Judgement` (or a bare :class:`Verdict` when no reason is needed). Write it with
    :func:`low` and :func:`high` of the metrics' intervals, never their means, so that one seed or a wide
    interval falls through to :func:`undecided`.
    """

    fn: Callable[[dict], Judgement | Verdict]
    text: str
    metrics_used: tuple
    cases: dict = field(default_factory=dict)

    def judge(self, metrics):
        result = self.fn(metrics)
        if isinstance(result, Judgement):
            return result
        if result is Verdict.INCONCLUSIVE:
            return undecided(metrics, *self.metrics_used)
        return Judgement(Verdict(result))

    def describe(self):
        return self.text

    def metric_names(self):
        return list(self.metrics_used)

    def examples(self):
        return dict(self.cases)


# ------------------------------------------------------------------------------ gates
@dataclass(frozen=True)
class Gate:
    """A precondition of a claim's verdict: a positive control worked, a model learned, a manipulation
    changed what it was meant to change. If it fails, the claim is inconclusive, never refuted.

    The gate reads the metric's mean (``every_seed=True``: its worst seed) against ``at_least`` and/or
    ``at_most``. ``what`` says in words what passing means ("the LSTM solved the adding problem").
    """

    metric: str
    what: str
    at_least: float | None = None
    at_most: float | None = None
    kind: str = "positive control"
    every_seed: bool = False

    def __post_init__(self):
        if self.at_least is None and self.at_most is None:
            raise ValueError(f"Gate({self.metric}): give at_least, at_most or both")

    def failure(self, metrics: dict) -> str | None:
        """None if the gate passes, else the reason the claim cannot be judged."""
        metric = metrics[self.metric]
        values = metric.values if isinstance(metric, Estimate) else [float(metric)]
        lowest = min(values) if self.every_seed else value_of(metric)
        highest = max(values) if self.every_seed else value_of(metric)
        name = f"{self.metric} worst seed" if self.every_seed and len(values) > 1 else self.metric
        if self.at_least is not None and not lowest >= self.at_least:
            return f"{self.kind} failed ({self.what}): {name} = {fmt(lowest)}, needs >= {fmt(self.at_least)}"
        if self.at_most is not None and not highest <= self.at_most:
            return f"{self.kind} failed ({self.what}): {name} = {fmt(highest)}, needs <= {fmt(self.at_most)}"
        return None

    def describe(self) -> str:
        bounds = " and ".join(
            f"{op} {fmt(x)}" for op, x in ((">=", self.at_least), ("<=", self.at_most)) if x is not None
        )
        per = "on every seed" if self.every_seed else "on average"
        return f"{self.kind}: {self.what} ({self.metric} {bounds} {per})"

    def passing(self) -> dict:
        """Synthetic metrics that pass this gate (for the rule tests)."""
        if self.at_least is not None:
            return {self.metric: self.at_least + (abs(self.at_least) + 1.0 if self.at_most is None else 0.0)}
        return {self.metric: self.at_most - abs(self.at_most) - 1.0}

    def failing(self) -> dict:
        """Synthetic metrics that fail this gate."""
        if self.at_least is not None:
            return {self.metric: self.at_least - abs(self.at_least) - 1.0}
        return {self.metric: self.at_most + abs(self.at_most) + 1.0}


# ------------------------------------------------------------------------------ experiments
@dataclass(frozen=True)
class Claim:
    """One statement a textbook answer makes, in our words, the rule that judges it and the gates that must
    pass before the rule may speak."""

    key: str
    text: str
    rule: Rule
    gates: tuple = ()

    def judge(self, metrics: dict) -> Judgement:
        for gate in self.gates:
            reason = gate.failure(metrics)
            if reason:
                return inconclusive(reason)
        return self.rule.judge(metrics)

    def describe(self) -> str:
        if not self.gates:
            return self.rule.describe()
        return self.rule.describe() + ". Judged only if: " + "; ".join(g.describe() for g in self.gates)

    def metric_names(self) -> list[str]:
        return list(dict.fromkeys([*self.rule.metric_names(), *(g.metric for g in self.gates)]))

    def measured(self, metrics: dict) -> str:
        return "; ".join(f"{name} = {show(metrics[name])}" for name in self.metric_names())

    def examples(self) -> dict:
        """The rule's examples, with every gate passing (unless the example sets the gate's metric itself)."""
        passing = {}
        for gate in self.gates:
            passing.update(gate.passing())
        return {verdict: {**passing, **metrics} for verdict, metrics in self.rule.examples().items()}


@dataclass
class Table:
    """An evidence table: column names and rows of values."""

    title: str
    columns: list
    rows: list = field(default_factory=list)

    def add(self, *row) -> None:
        self.rows.append([fmt(v) if isinstance(v, (int, float, np.number)) else str(v) for v in row])


@dataclass
class Result:
    """What ``run(ctx)`` returns: metrics (floats or Estimates), figures, evidence tables, notes."""

    metrics: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    tables: list = field(default_factory=list)
    notes: list = field(default_factory=list)


SEED_BLOCK = 1000  # seed block b runs seeds b*1000, b*1000 + 1, ...: blocks never share a seed


@dataclass
class Context:
    """How an experiment should run: its seed block, quick mode, where to write files.

    ``seed`` names a block of seeds, so that replicates (blocks seed, seed + 1, ...) and runs at different
    ``--seed`` values are disjoint: block 0 is seeds 0-999, block 1 is 1000-1999, ...
    """

    seed: int = 0
    quick: bool = False
    out_dir: Path | None = None

    def seeds(self, full: int = 5, quick: int = 2) -> list[int]:
        """The block's first ``full`` seeds (``quick`` of them in quick mode)."""
        n = quick if self.quick else full
        if not 0 < n <= SEED_BLOCK:
            raise ValueError(f"seeds: need 1 to {SEED_BLOCK} seeds per block, got {n}")
        first = self.seed * SEED_BLOCK
        return list(range(first, first + n))

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


QUESTIONS = Path(__file__).with_name("questions.md")
_LABELS = {"**Question.** ": "question", "**Answer.** ": "answer", "**Data.** ": "data"}


@functools.cache
def question_bank() -> dict:
    """``questions.md`` read into ``{id: {question, answer, data, references}}``.

    The lab's prose lives in that one file, written for people (a section per experiment, paragraphs
    wrapped freely), and its code in the experiments' modules: :func:`described` joins the two.
    """
    bank = {}
    for section in QUESTIONS.read_text(encoding="utf-8").split("\n## ")[1:]:
        exp_id, _, body = section.partition("\n")
        entry = {"references": []}
        for block in body.strip().split("\n\n"):
            label = next((k for k in _LABELS if block.startswith(k)), None)
            if label:
                entry[_LABELS[label]] = " ".join(block.removeprefix(label).split("\n"))
            elif block.startswith("- "):
                entry["references"] = [" ".join(r.split("\n  ")) for r in block.removeprefix("- ").split("\n- ")]
        bank[exp_id.strip()] = entry
    return bank


def described(exp_id: str, claims: tuple, run: Callable[[Context], Result], **values) -> Experiment:
    """The experiment ``exp_id``: its claims and ``run`` from the caller, its texts from ``questions.md``.

    ``values`` fill the ``{NAME}`` fields of its data text (format syntax), so that a size the code uses is
    stated from the code's own constant.
    """
    text = question_bank().get(exp_id)
    if text is None or set(text) != {"question", "answer", "data", "references"}:
        raise ValueError(f"{QUESTIONS.name} has no complete section '## {exp_id}' (question, answer, data, references)")
    data = text["data"].format(**values) if values else text["data"]
    return Experiment(exp_id, text["question"], text["answer"], tuple(claims), data, tuple(text["references"]), run)


__all__ = [
    "SCALE",
    "SEED_BLOCK",
    "Above",
    "AllOf",
    "AtLeast",
    "AtMost",
    "Bands",
    "Below",
    "Bound",
    "Claim",
    "Context",
    "Corroboration",
    "Custom",
    "Decide",
    "Effect",
    "Estimate",
    "Join",
    "Experiment",
    "Gate",
    "Judgement",
    "Proportion",
    "Result",
    "Rule",
    "Table",
    "Test",
    "Verdict",
    "described",
    "estimate",
    "estimate_of",
    "every",
    "high",
    "inconclusive",
    "lies_above",
    "lies_below",
    "low",
    "over_items",
    "over_seeds",
    "paired_difference",
    "proportion",
    "some",
    "summarise",
    "undecided",
    "value_of",
    "weakest",
]
