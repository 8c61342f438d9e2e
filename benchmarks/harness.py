"""Side-by-side timing of one training step in glassnet and in PyTorch CPU.

Both steps run interleaved in one process (so a busy machine slows both alike), with the
same thread count set through the usual environment variables before NumPy and PyTorch load.
The ratio glassnet/PyTorch of the medians is what we report; below 1 means glassnet is faster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def time_interleaved(steps: dict, warmup: int = 10, repeats: int = 50) -> dict:
    """Median seconds per call of each callable in ``steps``, calling them in turn ``repeats`` times."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def run_in_subprocess(module: str, threads: int, repeats: int) -> str:
    """Run ``python -m benchmarks.<module>`` with every thread variable set to ``threads``."""
    env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
    command = [sys.executable, "-m", f"benchmarks.{module}", "--child", "--repeats", str(repeats)]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def classifier_step(library: str, build, x, y, weights: list, lr: float = 0.01):
    """One SGD step of softmax cross-entropy on (x, y), in "glassnet" or "pytorch", for the model ``build(nn)``.

    ``build`` receives ``glassnet.nn`` or ``torch.nn`` (the layer names are the same) and ``weights`` are
    loaded in ``state_dict`` order, so both libraries run the same program from the same parameters.
    """
    if library == "glassnet":
        import glassnet as gn

        model = build(gn.nn)
        model.load_state_dict(dict(zip(model.state_dict(), weights)))
        optimizer, inputs, targets, loss = gn.optim.SGD(model.parameters(), lr=lr), gn.tensor(x), y, gn.F.cross_entropy
    else:
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
        model = build(torch.nn)
        model.load_state_dict({k: torch.from_numpy(w) for k, w in zip(model.state_dict(), weights)})
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        inputs, targets, loss = torch.from_numpy(x), torch.from_numpy(y), torch.nn.functional.cross_entropy

    def step():
        optimizer.zero_grad()
        loss(model(inputs), targets).backward()
        optimizer.step()

    return step


def report(name: str, medians: dict, threads: int) -> str:
    """One table row: workload, threads, glassnet ms, PyTorch ms, ratio."""
    ours, theirs = medians["glassnet"], medians["pytorch"]
    return f"{name:<34} {threads:>7} {ours * 1e3:>12.3f} {theirs * 1e3:>12.3f} {ours / theirs:>7.2f}"


HEADER = f"{'workload':<34} {'threads':>7} {'glassnet ms':>12} {'pytorch ms':>12} {'ratio':>7}"


def main(module: str, name: str, build) -> None:
    """Shared command line of every workload: a child times one thread count, the parent prints the table."""
    parser = argparse.ArgumentParser(description=name)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        medians = time_interleaved(build(), repeats=args.repeats)
        print(report(name, medians, int(os.environ["OMP_NUM_THREADS"])))
        return
    print(HEADER)
    for threads in args.threads:
        print(run_in_subprocess(module, threads, args.repeats), end="", flush=True)
