"""The lab's tasks run the same on a dask.distributed cluster as in local processes, and replicate blocks
combine into one verdict per claim."""

import json

import pytest
from distributed import LocalCluster

from glassnet.cli import main
from glassnet.lab.report import RunInfo, write_report
from glassnet.lab.runner import run_lab

TWO_QUICK = ["q04", "q06"]  # quick, and every metric deterministic (no timings)


def _payload(findings, tmp_path, name):
    paths = write_report(findings, tmp_path / name, info=RunInfo(quick=True, date="fixed", command="same"))
    payload = json.loads(paths["json"].read_text())
    for experiment in payload["experiments"]:
        for block in experiment["blocks"]:
            block.pop("seconds")  # wall time is the only thing allowed to differ
    payload["run"].pop("seconds")
    return payload


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_same_report_as_the_local_runner(tmp_path):
    local = run_lab(TWO_QUICK, seed=3, quick=True, jobs=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        distributed = run_lab(TWO_QUICK, seed=3, quick=True, scheduler=cluster.scheduler_address)
    assert _payload(distributed, tmp_path, "dask") == _payload(local, tmp_path, "local")


@pytest.mark.slow
def test_replicates_run_disjoint_seed_blocks_and_the_report_shows_each(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["lab", "q10", "--quick", "--replicates", "2", "--jobs", "2", "--seed", "5", "--out", str(out)]) == 0
    verdicts = json.loads((out / "verdicts.json").read_text())
    assert verdicts["run"]["command"] == "glassnet lab q10 --quick --replicates 2 --jobs 2 --seed 5 --out " + str(out)
    assert verdicts["run"]["replicates"] == 2 and verdicts["run"]["seed"] == 5 and verdicts["run"]["quick"]
    claim = verdicts["claims"]["q10/exact_gradients"]
    assert claim["blocks"] == [claim["verdict"]] * 2
    report = json.loads((out / "report.json").read_text())
    assert [b["seed"] for b in report["experiments"][0]["blocks"]] == [5, 6]
    assert "q10 block 5" in capsys.readouterr().out
