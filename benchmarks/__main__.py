"""Every workload, W1-W8, in one table: ``python -m benchmarks [--rounds 5] [--threads 1 2]``."""

from __future__ import annotations

import argparse
import importlib

from benchmarks.harness import HEADER, time_workload

WORKLOADS = (
    "w1_mlp",
    "w2_lenet",
    "w3_lstm",
    "w4_gru",
    "w5_bilstm",
    "w6_rbm",
    "w7_gan",
    "w7_gan_sgd",
    "w8_autoencoder",
    "w8_autoencoder_sgd",
)

parser = argparse.ArgumentParser(description="glassnet vs PyTorch CPU, one training step per workload")
parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
parser.add_argument("--repeats", type=int, default=50, help="timed steps per process")
parser.add_argument("--rounds", type=int, default=5, help="processes per library, workload and thread count")
args = parser.parse_args()
print(HEADER)
for module in WORKLOADS:
    name = importlib.import_module(f"benchmarks.{module}").NAME
    for row in time_workload(module, name, args.threads, args.rounds, args.repeats):
        print(row, flush=True)
