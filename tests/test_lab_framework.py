"""The lab's machinery: verdict rules, statistics, registry, report files."""

import json

import numpy as np
import pytest
import scipy.stats

from glassnet.lab import AtLeast, AtMost, Effect, Verdict, estimate, paired_difference
from glassnet.lab.registry import all_ids, load
from glassnet.lab.report import write_report
from glassnet.lab.runner import ClaimOutcome, Outcome

ALL_CLAIMS = [(exp_id, claim) for exp_id in all_ids() for claim in load(exp_id).claims]


@pytest.mark.parametrize("exp_id,claim", ALL_CLAIMS, ids=[f"{e}-{c.key}" for e, c in ALL_CLAIMS])
def test_every_rule_reaches_each_outcome_it_declares(exp_id, claim):
    examples = claim.rule.examples()
    assert Verdict.SUPPORTED in examples and len(examples) >= 2, "a rule must be able to support and to fail"
    for expected, metrics in examples.items():
        assert claim.rule.verdict(metrics) == expected
        assert claim.rule.measured(metrics)  # the report can show what was looked at
    assert claim.rule.describe()


@pytest.mark.parametrize("rule", [AtLeast("m", 10, 5, 1), AtMost("m", 1, 5, 10), Effect("m", +1), Effect("m", -1, 0.5)])
def test_declarative_rules_reach_all_four_outcomes(rule):
    assert {rule.verdict(m) for m in rule.examples().values()} == set(Verdict)


def test_threshold_rule_bands():
    rule = AtLeast("ratio", supported=100, partly=10, refuted_below=1)
    assert rule.verdict({"ratio": 100}) is Verdict.SUPPORTED
    assert rule.verdict({"ratio": 99.9}) is Verdict.PARTLY
    assert rule.verdict({"ratio": 5}) is Verdict.NOT_SUPPORTED
    assert rule.verdict({"ratio": 0.5}) is Verdict.REFUTED
    with pytest.raises(ValueError):
        AtLeast("ratio", supported=1, partly=10, refuted_below=0)


def test_estimate_confidence_interval_matches_student_t():
    values = [0.91, 0.94, 0.9, 0.95, 0.93]
    e = estimate(values, range(5))
    low, high = scipy.stats.t.interval(0.95, df=4, loc=np.mean(values), scale=scipy.stats.sem(values))
    assert e.ci == pytest.approx((low, high), rel=1e-3)
    assert e.sd == pytest.approx(np.std(values, ddof=1))


def test_paired_difference_needs_matching_seeds():
    a, b = estimate([1.0, 2.0, 3.0], [0, 1, 2]), estimate([0.5, 1.0, 2.0], [0, 1, 2])
    assert paired_difference(a, b).values == [0.5, 1.0, 1.0]
    with pytest.raises(ValueError, match="same seeds"):
        paired_difference(a, estimate([1.0, 2.0, 3.0], [3, 4, 5]))


def test_experiment_modules_declare_their_own_ids():
    for exp_id in all_ids():
        experiment = load(exp_id)
        assert experiment.id == exp_id
        assert experiment.claims and experiment.references and experiment.answer and experiment.data
        assert len({c.key for c in experiment.claims}) == len(experiment.claims)


def _png() -> bytes:
    from glassnet.lab.plots import figure
    from glassnet.lab.runner import _png

    fig, ax = figure()
    ax.plot([0, 1], [1, 0])
    return _png(fig)


def test_report_files_hold_the_same_content(tmp_path):
    outcome = Outcome(
        id="q99",
        question="Is this a test?",
        answer="Yes.",
        data="none",
        references=["A reference."],
        seed=0,
        quick=True,
        claims=[ClaimOutcome("k", "A claim.", "refuted", "a rule", "m = 1")],
        metrics={"m": 1.0},
        tables=[{"title": "T", "columns": ["a"], "rows": [["1"]]}],
        figures={"a plot": _png()},
    )
    paths = write_report([outcome], tmp_path)
    page = paths["html"].read_text()
    assert "data:image/png;base64," in page and "refuted" in page and "A claim." in page
    assert "http://" not in page and "https://" not in page  # readable offline
    markdown = paths["markdown"].read_text()
    assert "| q99 | Is this a test? | A claim. | **refuted** |" in markdown
    figure_file = tmp_path / "figures" / "q99-a-plot.png"
    assert figure_file.read_bytes().startswith(b"\x89PNG") and "figures/q99-a-plot.png" in markdown
    payload = json.loads(paths["json"].read_text())
    assert payload["experiments"][0]["claims"][0]["verdict"] == "refuted"
    assert payload["experiments"][0]["figures"] == ["figures/q99-a-plot.png"]
