"""Every workload, W1-W9, in one table: ``python -m benchmarks [--rounds 5] [--threads 1 2] [--markdown]``.

``--markdown`` prints, after the table, one row per workload as the README shows it (best rounds). An entry
``module:variant`` times a module's variant (``python -m benchmarks.w7_gan --variant sgd``).
"""

from __future__ import annotations

import argparse
import importlib

from benchmarks.harness import HEADER, markdown_row, report, time_workload

WORKLOADS = (
    "w1_mlp",
    "w2_lenet",
    "w3_lstm",
    "w4_gru",
    "w5_bilstm",
    "w6_rbm",
    "w7_gan",
    "w7_gan:sgd",
    "w8_autoencoder",
    "w8_autoencoder:sgd",
    "w1_mlp:small",
)

parser = argparse.ArgumentParser(description="glassnet vs PyTorch CPU, one training step per workload")
parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
parser.add_argument("--repeats", type=int, default=50, help="timed steps per process")
parser.add_argument("--rounds", type=int, default=5, help="processes per library, workload and thread count")
parser.add_argument("--markdown", action="store_true", help="also print the README's table")
args = parser.parse_args()
print(HEADER)
rows = []
for entry in WORKLOADS:
    module, _, variant = entry.partition(":")
    workload = importlib.import_module(f"benchmarks.{module}")
    name = workload.VARIANTS[variant] if variant else workload.NAME
    results = time_workload(module, args.threads, args.rounds, args.repeats, variant)
    for count, seconds in results.items():
        print(report(name, seconds, count), flush=True)
    rows.append(markdown_row(name, results))
if args.markdown:
    counts = " | ".join(f"{n} thread{'s' * (n > 1)}: glassnet / PyTorch | ratio" for n in args.threads)
    print(f"\n| workload | {counts} |\n|---|" + "---|" * 2 * len(args.threads))
    print("\n".join(rows))
