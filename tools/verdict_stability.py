"""Verdict stability: quick mode at several seeds against the full lab on disjoint replicate blocks.

Prints, per claim, the full verdict (and each block's), each quick seed's verdict and how it agrees:
same, inconclusive, one step apart, full undecided (the full run was inconclusive or unstable), or
opposite, the one class quick mode must never produce. Not a test: it runs the lab many times.

    python tools/verdict_stability.py                          # quick at seeds 0-4, full --replicates 3
    python tools/verdict_stability.py q15 q16 --quick-seeds 0 1 2
    python tools/verdict_stability.py --full lab-full/         # reuse a full run's verdicts.json
    python tools/verdict_stability.py --save runs/stability    # keep every run's verdicts.json there

Each run's verdicts come from the lab itself (the same runner and rules as ``glassnet lab``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from glassnet.lab.registry import all_ids
from glassnet.lab.report import RunInfo, verdicts_payload
from glassnet.lab.runner import default_jobs, run_lab
from glassnet.lab.stability import CLASSES, OPPOSITE, agreement_table, load_verdicts


def _run(ids, seed: int, quick: bool, replicates: int, jobs: int, save: Path | None, label: str) -> dict:
    start = time.perf_counter()
    findings = run_lab(ids, seed=seed, quick=quick, replicates=replicates, jobs=jobs)
    seconds = time.perf_counter() - start
    command = f"glassnet lab {' '.join(ids)} {'--quick ' if quick else ''}--seed {seed} --replicates {replicates}"
    payload = verdicts_payload(findings, RunInfo(command=command, seed=seed, replicates=replicates, quick=quick))
    print(f"{label}: {seconds:.0f} s", file=sys.stderr, flush=True)
    if save:
        save.mkdir(parents=True, exist_ok=True)
        (save / f"{label}.json").write_text(json.dumps(payload, indent=2) + "\n")
    return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="question ids (default: all)")
    parser.add_argument("--quick-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], metavar="S")
    parser.add_argument("--full-seed", type=int, default=0, help="first seed block of the full run (default 0)")
    parser.add_argument("--full-replicates", type=int, default=3, metavar="K", help="full run's blocks (default 3)")
    parser.add_argument("--full", type=Path, help="a full run's verdicts.json (or its report folder) to reuse")
    parser.add_argument("--quick", type=Path, nargs="*", default=[], help="quick runs' verdicts.json to reuse")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--save", type=Path, help="folder to keep each run's verdicts.json in")
    args = parser.parse_args(argv)
    ids = args.ids or all_ids()

    if args.full:
        full = load_verdicts(args.full)
    else:
        full = _run(ids, args.full_seed, False, args.full_replicates, args.jobs, args.save, "full")
    quick_runs = {}
    for path in args.quick:
        payload = load_verdicts(path)
        quick_runs[payload["run"]["seed"]] = payload
    for seed in args.quick_seeds:
        if seed not in quick_runs:
            quick_runs[seed] = _run(ids, seed, True, 1, args.jobs, args.save, f"quick-{seed}")
    prefixes = tuple(f"{i}/" for i in ids)
    full = {**full, "claims": {k: v for k, v in full["claims"].items() if k.startswith(prefixes)}}

    rows, counts = agreement_table(quick_runs, full)
    header = ["claim", "full (blocks)"] + [f"quick seed {s}" for s in sorted(quick_runs)]
    print("\t".join(header))
    for row in rows:
        print("\t".join(row))
    total = sum(counts.values())
    print()
    for kind in CLASSES:
        print(f"{kind:>16}: {counts[kind]:4d} of {total} ({counts[kind] / max(total, 1):.0%})")
    per_claim_same = sum(all("[same]" in cell for cell in row[2:] if cell != "-") for row in rows)
    print(f"claims whose quick verdict equals the full one at every seed: {per_claim_same} of {len(rows)}")
    return 1 if counts[OPPOSITE] else 0


if __name__ == "__main__":
    sys.exit(main())
