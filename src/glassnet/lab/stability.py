"""How two runs of the lab agree, claim by claim: the yardstick of quick mode's contract.

Quick mode may be less sure than the full lab, never wrong: a quick verdict must be the full one or
``inconclusive``. :func:`agreement` classes a quick verdict against the full run's, and
:func:`agreement_table` does it for every claim and seed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from .framework import SCALE, Verdict
from .runner import UNSTABLE

SAME, ONE_STEP, INCONCLUSIVE, OPPOSITE, FULL_UNDECIDED = (
    "same",
    "one step apart",
    "inconclusive",
    "opposite",
    "full undecided",
)
CLASSES = (SAME, INCONCLUSIVE, ONE_STEP, FULL_UNDECIDED, OPPOSITE)


def _steps(a: str, b: str) -> int:
    order = [v.value for v in SCALE]
    return abs(order.index(a) - order.index(b))


def opposite(a: str, b: str) -> bool:
    """Two decided verdicts two or more steps apart: supported vs not supported or refuted, partly vs refuted."""
    decided = {v.value for v in SCALE}
    return a in decided and b in decided and _steps(a, b) >= 2


def agreement(quick: str, full: str, full_blocks: list[str]) -> str:
    """Class a quick verdict against the full run's combined verdict and its blocks' verdicts.

    ``opposite`` if the quick verdict is opposite to the full verdict or to any full block's; ``same`` if
    equal; ``inconclusive`` if quick could not tell; ``full undecided`` if the full run was inconclusive or
    unstable (and quick is not opposite to any of its blocks); otherwise ``one step apart``.
    """
    if any(opposite(quick, f) for f in [full, *full_blocks]):
        return OPPOSITE
    if quick == full:
        return SAME
    if quick == Verdict.INCONCLUSIVE.value:
        return INCONCLUSIVE
    if full in (Verdict.INCONCLUSIVE.value, UNSTABLE):
        return FULL_UNDECIDED
    return ONE_STEP


def load_verdicts(path: Path) -> dict:
    """A ``verdicts.json`` written by the lab (or the report folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "verdicts.json"
    return json.loads(path.read_text())


def agreement_table(quick_runs: dict[int, dict], full: dict) -> tuple[list[list[str]], Counter]:
    """Rows (claim, full verdict and blocks, each quick seed's verdict and class) and the count of classes.

    ``quick_runs`` maps a quick run's seed to its verdicts payload; ``full`` is the full run's payload.
    Claims missing from the full run are left out.
    """
    rows, counts = [], Counter()
    for claim, reference in full["claims"].items():
        row = [claim, f"{reference['verdict']} ({' / '.join(reference['blocks'])})"]
        for _, run in sorted(quick_runs.items()):
            quick = run["claims"].get(claim)
            if quick is None:
                row.append("-")
                continue
            kind = agreement(quick["verdict"], reference["verdict"], reference["blocks"])
            counts[kind] += 1
            row.append(f"{quick['verdict']} [{kind}]")
        rows.append(row)
    return rows, counts
