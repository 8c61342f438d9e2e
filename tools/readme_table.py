"""Print the README's verdict table from a lab run's report.json (written by ``glassnet lab``).

    python tools/readme_table.py lab-full/report.json > table.md

One row per claim: the combined verdict, each replicate block's verdict, and what the rule measured on
the first block (or why it could not tell), cut to a readable length.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

WIDTH = 150


def _cell(text: str) -> str:
    text = str(text).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= WIDTH else text[: WIDTH - 3] + "..."


def table(report: dict) -> str:
    run = report["run"]
    lines = [
        f"Verdicts of `{run['command']}` (glassnet {run['version']}, {run['date']}); blocks are seed blocks "
        f"{run['seed']}-{run['seed'] + run['replicates'] - 1}.",
        "",
        "| # | Claim | Verdict | Blocks | Measured (first block), or why not decided |",
        "|---|---|---|---|---|",
    ]
    for experiment in report["experiments"]:
        for claim in experiment["claims"]:
            first = claim["blocks"][0]
            evidence = claim["reason"] if claim["verdict"] in ("inconclusive", "unstable") else first["measured"]
            blocks = " / ".join(b["verdict"] for b in claim["blocks"])
            lines.append(
                f"| {experiment['id']} | {_cell(claim['text'])} | **{claim['verdict']}** | {blocks} | "
                f"{_cell(evidence)} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "lab-report/report.json")
    sys.stdout.write(table(json.loads(path.read_text())))
