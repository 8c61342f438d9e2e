"""The lab's machinery: intervals, verdict rules, gates, replicate blocks, registry, report files."""

import json
import math

import numpy as np
import pytest
import scipy.stats
from statsmodels.stats.proportion import proportion_confint

from glassnet.lab import (
    Above,
    AllOf,
    AtLeast,
    AtMost,
    Below,
    Claim,
    Context,
    Corroboration,
    Custom,
    Decide,
    Effect,
    Estimate,
    Gate,
    Judgement,
    Verdict,
    estimate,
    high,
    low,
    over_items,
    over_seeds,
    paired_difference,
    proportion,
    undecided,
)
from glassnet.lab.framework import SCALE, estimate_of
from glassnet.lab.registry import all_ids, load
from glassnet.lab.report import RunInfo, write_report
from glassnet.lab.runner import UNSTABLE, ClaimOutcome, Outcome, combine

ALL_CLAIMS = [(exp_id, claim) for exp_id in all_ids() for claim in load(exp_id).claims]
CLAIM_IDS = [f"{e}-{c.key}" for e, c in ALL_CLAIMS]
FIVE = set(Verdict)
POSITIVE, NEGATIVE = {Verdict.SUPPORTED, Verdict.PARTLY}, {Verdict.NOT_SUPPORTED, Verdict.REFUTED}


def _reads_estimates(metrics: dict) -> bool:
    return any(isinstance(v, Estimate) for v in metrics.values())


def _one_seed(metrics: dict) -> dict:
    """Every Estimate cut down to its first seed, everything else as it was."""
    return {
        k: type(v)(v.values[:1], v.seeds[:1], v.item_var) if isinstance(v, Estimate) else v for k, v in metrics.items()
    }


# ------------------------------------------------------------------------------ every claim of the lab
@pytest.mark.parametrize("exp_id,claim", ALL_CLAIMS, ids=CLAIM_IDS)
def test_every_claim_reaches_each_outcome_it_declares(exp_id, claim):
    examples = claim.examples()
    assert examples.keys() & POSITIVE and examples.keys() & NEGATIVE, "a rule must be able to confirm and to fail"
    if _reads_estimates(examples[Verdict.SUPPORTED]):
        assert Verdict.INCONCLUSIVE in examples, "a rule on measured estimates must be able to say it cannot tell"
    for expected, metrics in examples.items():
        judgement = claim.judge(metrics)
        assert judgement.verdict == expected, f"{expected.value} example judged {judgement}"
        if judgement.verdict is Verdict.INCONCLUSIVE:
            assert judgement.reason, "inconclusive must say why"
        assert claim.measured(metrics)  # the report can show what was looked at
    assert claim.describe()


@pytest.mark.parametrize("exp_id,claim", ALL_CLAIMS, ids=CLAIM_IDS)
def test_one_seed_never_supports_or_refutes_a_claim_on_estimates(exp_id, claim):
    for expected, metrics in claim.examples().items():
        if _reads_estimates(metrics) and expected in (Verdict.SUPPORTED, Verdict.REFUTED):
            assert claim.judge(_one_seed(metrics)).verdict not in (Verdict.SUPPORTED, Verdict.REFUTED)


GATED = [(e, c) for e, c in ALL_CLAIMS if c.gates]


@pytest.mark.parametrize("exp_id,claim", GATED, ids=[f"{e}-{c.key}" for e, c in GATED])
def test_a_failed_gate_makes_the_claim_inconclusive(exp_id, claim):
    for expected, metrics in claim.examples().items():
        for gate in claim.gates:
            judgement = claim.judge({**metrics, **gate.failing()})
            assert judgement.verdict is Verdict.INCONCLUSIVE and gate.what in judgement.reason, expected


# ------------------------------------------------------------------------------ rule kinds
def _custom_rule() -> Custom:
    def rule(m):
        if low(m["gain"]) > 0.1:
            return Verdict.SUPPORTED
        if low(m["gain"]) > 0:
            return Verdict.PARTLY
        if high(m["gain"]) < -0.1:
            return Verdict.REFUTED
        if high(m["gain"]) < 0.1:
            return Verdict.NOT_SUPPORTED
        return undecided(m, "gain")

    e = estimate_of
    return Custom(
        rule,
        "gain above 0.1",
        ("gain",),
        {
            Verdict.SUPPORTED: {"gain": e(0.5, 0.6, 0.55)},
            Verdict.PARTLY: {"gain": e(0.05, 0.06, 0.055)},
            Verdict.NOT_SUPPORTED: {"gain": e(0.0, 0.01, -0.01)},
            Verdict.REFUTED: {"gain": e(-0.5, -0.6, -0.55)},
            Verdict.INCONCLUSIVE: {"gain": e(0.5, -0.5, 0.1)},
        },
    )


# The custom rule above as a decision list: the same ladder, its text and examples written by the rule.
DECISION_LIST = Decide(
    (Verdict.SUPPORTED, Above("m", 0.1, strict=True)),
    (Verdict.PARTLY, Above("m", 0.0, strict=True)),
    (Verdict.REFUTED, Below("m", -0.1, strict=True)),
    (Verdict.NOT_SUPPORTED, Below("m", 0.1, strict=True)),
)

RULE_KINDS = [
    AtLeast("m", 10, 5, 1),
    AtMost("m", 1, 5, 10),
    Effect("m", +1, 0.2),
    Effect("m", -1, 0.5),
    DECISION_LIST,
    AllOf((AtLeast("a", 10, 5, 1), Effect("b", +1, 0.2))),
    Corroboration((Effect("a", +1, 0.2), Effect("b", -1, 0.1))),
    _custom_rule(),
]


@pytest.mark.parametrize("rule", RULE_KINDS, ids=lambda r: type(r).__name__)
def test_every_rule_kind_reaches_all_five_verdicts(rule):
    examples = rule.examples()
    assert set(examples) == FIVE
    for expected, metrics in examples.items():
        assert rule.verdict(metrics) is expected


@pytest.mark.parametrize("rule", RULE_KINDS[:5], ids=lambda r: type(r).__name__)
def test_one_seed_is_inconclusive_whatever_its_value(rule):
    for value in np.linspace(-100, 100, 41):
        judgement = rule.judge({"m": estimate([value], [7])})
        assert judgement.verdict is Verdict.INCONCLUSIVE and "one seed" in judgement.reason


def test_at_least_judges_the_whole_interval_not_the_mean():
    rule = AtLeast("acc", supported=0.9, partly=0.8, refuted_below=0.5)
    e = estimate_of
    assert rule.verdict({"acc": e(0.95, 0.96, 0.94)}) is Verdict.SUPPORTED
    assert rule.verdict({"acc": e(0.85, 0.86, 0.84)}) is Verdict.PARTLY
    # mean above 0.9, interval across it: a wider interval never moves to the next band, it cannot tell
    judgement = rule.judge({"acc": e(0.95, 0.93, 0.88)})
    assert judgement.verdict is Verdict.INCONCLUSIVE and "crosses 0.9" in judgement.reason
    judgement = rule.judge({"acc": e(0.95, 0.70, 0.85)})
    assert judgement.verdict is Verdict.INCONCLUSIVE and "crosses 0.9 and 0.8" in judgement.reason
    assert rule.verdict({"acc": e(0.6, 0.7, 0.65)}) is Verdict.NOT_SUPPORTED
    assert rule.verdict({"acc": e(0.3, 0.31, 0.29)}) is Verdict.REFUTED
    assert rule.verdict({"acc": 0.85}) is Verdict.PARTLY  # an exact value is its own interval
    with pytest.raises(ValueError):
        AtLeast("acc", supported=0.5, partly=0.8, refuted_below=0.1)


def test_a_wider_interval_keeps_the_verdict_or_cannot_tell():
    """Quick mode's contract at the level of one rule: widening an interval never changes a decided verdict
    into another decided one."""
    rules = [AtLeast("m", 1.0, 0.5, 0.0), AtMost("m", 0.0, 0.5, 1.0)]
    for centre in np.linspace(-0.5, 1.5, 41):
        for rule in rules:
            narrow = rule.verdict({"m": estimate_of(centre - 0.01, centre, centre + 0.01)})
            for spread in (0.05, 0.2, 1.0):
                wide = rule.verdict({"m": estimate_of(centre - spread, centre, centre + spread)})
                assert wide in (narrow, Verdict.INCONCLUSIVE), (rule, centre, spread)


def test_at_most_mirrors_at_least():
    rule = AtMost("error", supported=0.01, partly=0.1, refuted_above=1.0)
    e = estimate_of
    assert rule.verdict({"error": e(0.001, 0.002, 0.0015)}) is Verdict.SUPPORTED
    assert rule.verdict({"error": e(0.05, 0.06, 0.055)}) is Verdict.PARTLY
    assert rule.verdict({"error": e(0.01, 0.3, 0.15)}) is Verdict.INCONCLUSIVE
    assert rule.verdict({"error": e(3.0, 3.1, 2.9)}) is Verdict.REFUTED


def test_effect_needs_the_interval_beyond_the_minimum_effect():
    rule = Effect("gain", sign=+1, min_effect=0.1)
    e = estimate_of
    assert rule.verdict({"gain": e(0.3, 0.32, 0.28)}) is Verdict.SUPPORTED
    judgement = rule.judge({"gain": e(0.05, 0.06, 0.055)})  # surely > 0, surely < 0.1: real but small
    assert judgement.verdict is Verdict.PARTLY and "below 0.1" in judgement.reason
    judgement = rule.judge({"gain": e(0.12, 0.08, 0.1)})  # surely > 0, maybe above 0.1, maybe below
    assert judgement.verdict is Verdict.INCONCLUSIVE and "crosses the minimum effect" in judgement.reason
    assert rule.verdict({"gain": e(0.01, -0.01, 0.0)}) is Verdict.NOT_SUPPORTED  # negligible: within ±0.1
    assert rule.verdict({"gain": e(-0.3, -0.32, -0.28)}) is Verdict.REFUTED
    # the q07 case of the issue: mean on the predicted side, interval -2.2 to 2.8
    judgement = rule.judge({"gain": e(2.0, -1.5, 1.4)})
    assert judgement.verdict is Verdict.INCONCLUSIVE and "spans 0" in judgement.reason
    assert "0.1" in rule.describe()  # the minimum effect is printed in the rule
    with pytest.raises(ValueError, match="min_effect"):
        Effect("gain", +1, 0.0)


def test_all_of_takes_the_weakest_part():
    rule = AllOf((AtLeast("a", 1, 1, 0), Effect("b", +1, 0.1)))
    strong, unsure = estimate_of(2.0, 2.1, 1.9), estimate_of(1.0, -1.0, 0.5)
    assert rule.verdict({"a": 2.0, "b": strong}) is Verdict.SUPPORTED
    assert rule.verdict({"a": 2.0, "b": unsure}) is Verdict.INCONCLUSIVE
    assert rule.verdict({"a": -1.0, "b": unsure}) is Verdict.REFUTED  # one part fails: the claim fails
    assert rule.metric_names() == ["a", "b"]


def test_corroboration_is_partly_when_one_test_fails_and_waits_for_every_test():
    rule = Corroboration((Effect("early", +1, 0.01), Effect("final", +1, 0.01)))
    ahead, level, unsure = estimate_of(0.1, 0.12, 0.11), estimate_of(0.001, -0.001, 0.0), estimate_of(0.1, -0.1, 0.0)
    assert rule.verdict({"early": ahead, "final": ahead}) is Verdict.SUPPORTED
    judgement = rule.judge({"early": ahead, "final": level})
    assert judgement.verdict is Verdict.PARTLY and "final" in judgement.reason
    assert rule.verdict({"early": ahead, "final": unsure}) is Verdict.INCONCLUSIVE  # never 'at least partly'
    assert rule.verdict({"early": level, "final": level}) is Verdict.NOT_SUPPORTED


def test_lies_above_and_below_are_three_valued():
    from glassnet.lab import lies_above, lies_below

    tight, wide = estimate_of(1.0, 1.1, 0.9), estimate_of(1.0, -1.0, 0.5)
    assert lies_above(tight, 0.5) is True and lies_above(tight, 2.0) is False and lies_above(wide, 0.0) is None
    assert lies_below(tight, 2.0) is True and lies_below(tight, 0.5) is False and lies_below(wide, 0.0) is None
    assert lies_above(estimate([5.0], [0]), 0.0) is None  # one seed decides nothing


def test_custom_rule_returning_bare_inconclusive_gets_a_reason():
    rule = Custom(lambda m: Verdict.INCONCLUSIVE, "never sure", ("x",), {})
    judgement = rule.judge({"x": estimate_of(1.0, 2.0)})
    assert judgement.verdict is Verdict.INCONCLUSIVE and "x: 95% CI" in judgement.reason


# ------------------------------------------------------------------------------ gates
def test_gates_run_before_the_rule_and_name_what_failed():
    claim = Claim(
        "learns_long",
        "An LSTM learns long dependencies.",
        Effect("rnn_minus_lstm_error", +1, 0.1),
        gates=(Gate("lstm_error", "the LSTM solved the adding problem", at_most=0.1),),
    )
    clear_win = {"rnn_minus_lstm_error": estimate_of(0.9, 0.8, 0.85)}
    assert claim.judge({**clear_win, "lstm_error": estimate_of(0.02, 0.03)}).verdict is Verdict.SUPPORTED
    judgement = claim.judge({**clear_win, "lstm_error": estimate_of(0.93, 0.9)})
    assert judgement == Judgement(
        Verdict.INCONCLUSIVE,
        "positive control failed (the LSTM solved the adding problem): lstm_error = 0.915, needs <= 0.1",
    )
    refuting = {"rnn_minus_lstm_error": estimate_of(-0.9, -0.8, -0.85), "lstm_error": 0.9}
    assert claim.judge(refuting).verdict is Verdict.INCONCLUSIVE  # two untrained models prove nothing
    assert "Judged only if" in claim.describe() and "lstm_error" in claim.measured({**clear_win, "lstm_error": 0.0})


def test_a_gate_on_every_seed_reads_the_worst_one():
    gate = Gate("acc", "every run learned", at_least=0.9, every_seed=True)
    assert gate.failure({"acc": estimate_of(0.95, 0.99)}) is None
    assert "worst seed = 0.5" in gate.failure({"acc": estimate_of(0.5, 0.99, 0.99)})
    assert Gate("acc", "learned on average", at_least=0.9).failure({"acc": estimate_of(0.85, 0.99, 0.99)}) is None
    with pytest.raises(ValueError):
        Gate("acc", "nothing to check")


# ------------------------------------------------------------------------------ statistics
def test_estimate_interval_matches_student_t_and_is_unbounded_for_one_seed():
    values = [0.91, 0.94, 0.9, 0.95, 0.93]
    e = estimate(values, range(5))
    lo, hi = scipy.stats.t.interval(0.95, df=4, loc=np.mean(values), scale=scipy.stats.sem(values))
    assert e.ci == pytest.approx((lo, hi), rel=1e-9)
    assert e.sd == pytest.approx(np.std(values, ddof=1))
    one = estimate([0.93], [0])
    assert one.ci == (-math.inf, math.inf) and "one seed" in str(one)


@pytest.mark.parametrize("hits,n", [(3, 3), (0, 5), (4, 5), (7, 20)])
def test_a_share_of_seeds_gets_the_wilson_interval(hits, n):
    p = proportion([True] * hits + [False] * (n - hits), range(n))
    assert p.mean == pytest.approx(hits / n)
    assert p.ci == pytest.approx(proportion_confint(hits, n, alpha=0.05, method="wilson"), abs=1e-12)
    assert f"{hits} of {n} seeds" in str(p)


def test_over_items_adds_the_test_item_sampling_error():
    rng = np.random.default_rng(0)
    # five seeds that score the same 600 items identically: no seed noise, only the items' own
    correct = np.tile(rng.random(600) < 0.9, (5, 1)).astype(float)
    e = over_items(correct, range(5))
    p = correct[0].mean()
    assert e.sd == pytest.approx(0, abs=1e-12) and e.item_var == pytest.approx(p * (1 - p) / 599, rel=1e-9)
    assert high(e) - low(e) > 0.04  # +-2.6 binomial standard errors, not the zero width of the seeds alone
    # a paired difference of two models on the same items: the items' shared difficulty cancels
    other = np.clip(correct + (rng.random((5, 600)) < 0.02), 0, 1)
    paired = over_items(other - correct, range(5))
    unpaired = paired_difference(over_items(other, range(5)), e)
    assert high(paired) - low(paired) < high(unpaired) - low(unpaired)


def test_paired_difference_needs_matching_seeds():
    a, b = estimate([1.0, 2.0, 3.0], [0, 1, 2]), estimate([0.5, 1.0, 2.0], [0, 1, 2])
    assert paired_difference(a, b).values == [0.5, 1.0, 1.0]
    with pytest.raises(ValueError, match="same seeds"):
        paired_difference(a, estimate([1.0, 2.0, 3.0], [3, 4, 5]))


def test_seed_blocks_are_disjoint():
    blocks = [set(Context(seed=b).seeds(full=10)) for b in (0, 1, 2, 97)]
    assert all(not (x & y) for i, x in enumerate(blocks) for y in blocks[i + 1 :])
    assert Context(seed=1, quick=True).seeds(full=5, quick=2) == [1000, 1001]
    assert Context(seed=0).seeds(full=5) == [0, 1, 2, 3, 4]


# ------------------------------------------------------------------------------ registry
def test_experiment_modules_declare_their_own_ids():
    for exp_id in all_ids():
        experiment = load(exp_id)
        assert experiment.id == exp_id
        assert experiment.claims and experiment.references and experiment.answer and experiment.data
        assert len({c.key for c in experiment.claims}) == len(experiment.claims)


# ------------------------------------------------------------------------------ replicates and the report
def _outcome(seed: int, verdicts, figures=None) -> Outcome:
    claims = [
        ClaimOutcome(f"k{i}", f"Claim {i}.", v, "a rule", f"m{i} = {seed}", "why not" if v == "inconclusive" else "")
        for i, v in enumerate(verdicts)
    ]
    return Outcome(
        id="q99",
        question="Is this a test?",
        answer="Yes.",
        data="none",
        references=["A reference."],
        seed=seed,
        quick=False,
        seeds_used=f"{seed * 1000}-{seed * 1000 + 4}",
        claims=claims,
        metrics={"m": estimate_of(1.0, 2.0).to_dict(), "one": estimate([1.0], [0]).to_dict()},
        tables=[{"title": "T", "columns": ["a"], "rows": [["1"]]}],
        figures=figures or {},
    )


def test_blocks_that_agree_give_their_verdict_and_blocks_that_differ_are_unstable():
    finding = combine([_outcome(0, ["supported", "refuted"]), _outcome(1, ["supported", "inconclusive"])])
    first, second = finding.claims
    assert first.verdict == "supported" and [b.verdict for b in first.blocks] == ["supported", "supported"]
    assert second.verdict == UNSTABLE
    assert second.reason == "blocks disagree: block 0 (seeds 0-4): refuted; block 1 (seeds 1000-1004): inconclusive"


def _png() -> bytes:
    from glassnet.lab.plots import figure
    from glassnet.lab.runner import _png

    fig, ax = figure()
    ax.plot([0, 1], [1, 0])
    return _png(fig)


def test_report_files_hold_the_same_content(tmp_path):
    blocks = [
        _outcome(0, ["refuted", "inconclusive"], {"a plot": _png()}),
        _outcome(1, ["refuted", "supported"], {"a plot": _png()}),
    ]
    info = RunInfo(command="glassnet lab --replicates 2", replicates=2)
    paths = write_report([combine(blocks)], tmp_path, info=info)
    page = paths["html"].read_text()
    assert "data:image/png;base64," in page and "A reference." in page
    assert "http://" not in page and "https://" not in page  # readable offline
    assert "1 refuted, 1 unstable" in page  # the summary counts every verdict
    assert "block 1 (seeds 1000-1004)" in page and "why not" in page  # each block's verdict and reason
    assert "glassnet lab --replicates 2" in page and info.version in page
    assert "#8250df" in page  # inconclusive has its own colour
    markdown = paths["markdown"].read_text()
    assert "| q99 | Is this a test? | Claim 0. | **refuted** (refuted / refuted) |" in markdown
    assert "**unstable** (inconclusive / supported)" in markdown
    assert (tmp_path / "figures" / "q99-a-plot.png").read_bytes().startswith(b"\x89PNG")
    payload = json.loads(paths["json"].read_text())
    assert payload["summary"]["unstable"] == 1 and payload["run"]["replicates"] == 2
    assert payload["experiments"][0]["claims"][1]["blocks"][0]["reason"] == "why not"
    assert payload["experiments"][0]["figures"] == ["figures/q99-a-plot.png"]
    verdicts = json.loads(paths["verdicts"].read_text())
    assert verdicts["claims"]["q99/k1"] == {
        "verdict": UNSTABLE,
        "blocks": ["inconclusive", "supported"],
        "reason": "blocks disagree: block 0 (seeds 0-4): inconclusive; block 1 (seeds 1000-1004): supported",
    }
    assert verdicts["run"]["command"] == "glassnet lab --replicates 2" and verdicts["run"]["date"]


def test_quick_report_says_what_quick_mode_is_for(tmp_path):
    blocks = [_outcome(0, ["supported"])]
    blocks[0].quick = True
    page = write_report([combine(blocks)], tmp_path, info=RunInfo(quick=True))["html"].read_text()
    assert "Quick mode" in page and "never wrong" in page


def test_the_scale_orders_decided_verdicts_from_worst_to_best():
    assert SCALE == (Verdict.REFUTED, Verdict.NOT_SUPPORTED, Verdict.PARTLY, Verdict.SUPPORTED)


# ------------------------------------------------------------------------------ decision lists
def test_a_decision_list_decides_as_the_hand_written_ladder_it_replaces():
    """Where the list decides, it agrees with the ladder; it is stricter only where the ladder reads a
    straddled bar as falling short of it (an interval across -0.1 is refuted or not supported: unknown)."""
    custom = _custom_rule()
    for centre in np.linspace(-0.3, 0.3, 61):
        for spread in (0.0, 0.01, 0.05, 0.2):
            metrics = {"m": estimate_of(centre - spread, centre, centre + spread)}
            verdict = DECISION_LIST.verdict(metrics)
            if spread == 0 or verdict is not Verdict.INCONCLUSIVE:
                assert verdict is custom.verdict({"gain": metrics["m"]}), (centre, spread)


def test_a_decision_list_is_inconclusive_where_an_earlier_case_cannot_tell():
    rule = Decide(
        (Verdict.SUPPORTED, Above("a", 1) & Above("b", 1)),
        (Verdict.PARTLY, Above("a", 1) | Above("b", 1)),
        otherwise=Verdict.NOT_SUPPORTED,
    )
    tight, straddling = estimate_of(2, 2, 2), estimate_of(0.5, 1.5, 1.0)
    assert rule.verdict({"a": tight, "b": tight}) is Verdict.SUPPORTED
    assert rule.verdict({"a": tight, "b": estimate_of(0, 0, 0)}) is Verdict.PARTLY
    judgement = rule.judge({"a": tight, "b": straddling})  # supported or partly: cannot tell which
    assert judgement.verdict is Verdict.INCONCLUSIVE and "b: 95% CI" in judgement.reason
    # False and anything is False: a case ruled out by one test is passed over whatever the other says
    assert rule.verdict({"a": estimate_of(0, 0, 0), "b": estimate_of(0, 0, 0)}) is Verdict.NOT_SUPPORTED
    assert "supported if a >= 1 and b >= 1" in rule.describe()


def test_a_wider_interval_never_moves_a_decision_list_to_another_verdict():
    rng = np.random.default_rng(0)
    for _ in range(300):
        centre, spread = rng.uniform(-0.3, 0.3), rng.uniform(0, 0.2)
        narrow = DECISION_LIST.verdict({"m": estimate_of(centre - spread, centre, centre + spread)})
        wide = DECISION_LIST.verdict({"m": estimate_of(centre - 2 * spread, centre, centre + 2 * spread)})
        assert wide in (narrow, Verdict.INCONCLUSIVE)


def test_over_seeds_summarises_numbers_flags_and_per_item_scores():
    metrics = over_seeds([3, 4, 5], lambda s: {"loss": float(s), "won": s > 3, "correct": np.array([1.0, 0.0, s % 2])})
    assert metrics["loss"].values == [3.0, 4.0, 5.0] and metrics["loss"].seeds == [3, 4, 5]
    assert metrics["won"].mean == pytest.approx(2 / 3) and type(metrics["won"]).__name__ == "Proportion"
    assert metrics["correct"].item_var > 0


def test_the_question_bank_describes_every_experiment_and_nothing_else():
    from glassnet.lab.framework import question_bank

    assert sorted(question_bank()) == sorted(all_ids())
    for exp_id in all_ids():
        experiment = load(exp_id)
        texts = (experiment.question, experiment.answer, experiment.data, *experiment.references)
        assert all(texts) and experiment.references, exp_id
        assert not any("{" in t or "**" in t or "\n" in t for t in texts), f"{exp_id}: a field unfilled or unparsed"
