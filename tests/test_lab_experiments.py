"""Every lab experiment runs in quick mode, judges each of its claims, and never contradicts the full lab.

Quick mode's contract: it may be less sure than the full lab, never wrong. The reference is the full
lab's own verdicts file (``glassnet lab --replicates 3``), committed with the command, version and date
that wrote it; quick mode at two seed blocks must never give a verdict opposite to it.
"""

import json
from pathlib import Path

import pytest

from glassnet.lab.framework import Verdict
from glassnet.lab.registry import all_ids, load
from glassnet.lab.runner import default_jobs, run_experiment, run_lab
from glassnet.lab.stability import OPPOSITE, agreement

VERDICTS = {v.value for v in Verdict}
REFERENCE_FILE = Path(__file__).parent / "data" / "lab-full-verdicts.json"
QUICK_BLOCKS = 2  # quick mode at seed blocks 0 and 1


@pytest.fixture(scope="module")
def quick(request):
    """Quick runs of the experiments this session selected, at blocks 0 and 1, all cores side by side."""
    wanted = sorted(
        {
            item.callspec.params["exp_id"]
            for item in request.session.items
            if item.module is request.module and hasattr(item, "callspec") and "exp_id" in item.callspec.params
        }
    )
    findings = run_lab(wanted, seed=0, quick=True, replicates=QUICK_BLOCKS, jobs=default_jobs())
    return {f.id: f for f in findings}


@pytest.fixture(scope="module")
def reference():
    """The committed verdicts of the full lab (``glassnet lab --replicates 3``, its verdicts.json)."""
    return json.loads(REFERENCE_FILE.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("exp_id", all_ids())
def test_experiment_runs_quick_and_gives_a_verdict_per_claim(quick, exp_id):
    for block in quick[exp_id].blocks:
        assert block.error is None, block.error
        assert block.figures, "every question shows at least one figure"
        assert all(png.startswith(b"\x89PNG") for png in block.figures.values())
        assert block.claims and all(c.verdict in VERDICTS for c in block.claims)
        assert all(c.measured for c in block.claims)
        assert all(c.reason for c in block.claims if c.verdict == Verdict.INCONCLUSIVE.value), "say why"


@pytest.mark.slow
@pytest.mark.parametrize("exp_id", all_ids())
def test_quick_mode_never_contradicts_the_full_lab(quick, reference, exp_id):
    contradictions = []
    for block in quick[exp_id].blocks:
        for claim in block.claims:
            full = reference["claims"].get(f"{exp_id}/{claim.key}")
            assert full, f"{exp_id}/{claim.key} has no full-lab verdict: rerun the full lab and update the reference"
            if agreement(claim.verdict, full["verdict"], full["blocks"]) == OPPOSITE:
                contradictions.append(
                    f"{claim.key}: quick block {block.seed} says {claim.verdict} ({claim.measured}); "
                    f"full says {full['verdict']} (blocks {full['blocks']})"
                )
    assert not contradictions, "\n".join(contradictions)


def test_the_reference_is_a_full_replicated_run_of_every_current_claim(reference):
    run = reference["run"]
    assert not run["quick"] and run["replicates"] >= 3 and "--replicates" in run["command"]
    assert run["version"] and run["date"] and not reference["failed"]
    current = {f"{exp_id}/{claim.key}" for exp_id in all_ids() for claim in load(exp_id).claims}
    assert set(reference["claims"]) == current, "rerun the full lab and update the reference (see README)"
    assert all(len(c["blocks"]) == run["replicates"] for c in reference["claims"].values())


def test_quick_runs_are_deterministic_for_a_seed():
    first, second = run_experiment("q10", seed=3, quick=True), run_experiment("q10", seed=3, quick=True)
    assert first.metrics["max_rel_error"] == second.metrics["max_rel_error"]
    assert [c.verdict for c in first.claims] == [c.verdict for c in second.claims]
