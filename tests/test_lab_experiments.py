"""Every lab experiment runs in quick mode and judges each of its claims."""

import pytest

from glassnet.lab.framework import Verdict
from glassnet.lab.registry import all_ids
from glassnet.lab.runner import run_experiment

VERDICTS = {v.value for v in Verdict}


@pytest.mark.slow
@pytest.mark.parametrize("exp_id", all_ids())
def test_experiment_runs_quick_and_gives_a_verdict_per_claim(exp_id):
    outcome = run_experiment(exp_id, seed=0, quick=True)
    assert outcome.error is None, outcome.error
    assert outcome.figures, "every question shows at least one figure"
    assert all(png.startswith(b"\x89PNG") for png in outcome.figures.values())
    assert outcome.claims and all(c.verdict in VERDICTS for c in outcome.claims)
    assert all(c.measured for c in outcome.claims)


def test_quick_runs_are_deterministic_for_a_seed():
    first, second = run_experiment("q10", seed=3, quick=True), run_experiment("q10", seed=3, quick=True)
    assert first.metrics["max_rel_error"] == second.metrics["max_rel_error"]
    assert [c.verdict for c in first.claims] == [c.verdict for c in second.claims]
