"""Side-by-side timing of one training step in glassnet and in PyTorch CPU.

One command times both libraries on the same workload, the same data and weights, with the same thread
count set through the usual environment variables before NumPy and PyTorch load. Each library runs in
its own process, alternating glassnet, PyTorch, glassnet, ... for a few rounds, so drift on a busy
machine reaches both alike. Not in one process: both keep worker threads spinning for a while after
each parallel region (PyTorch's OpenMP pool, OpenBLAS's own), so with the two interleaved on a 2-core
machine each library's threads steal the cores the other needs, and at 2 threads both ran slower than
at 1 (W1: glassnet 4.15 ms, PyTorch 3.89 ms, against 2.40 and 2.33 ms at one thread).
Each process reports its median step; over the rounds we report each library's best (fastest) round,
since on a shared machine interference only adds time, and the median round beside it. Below 1 means
glassnet is faster. ``python -m benchmarks`` runs every workload and prints one table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
LIBRARIES = ("glassnet", "pytorch")


def median_step_seconds(step, warmup: int = 10, repeats: int = 50) -> float:
    """Median seconds per call of ``step`` after ``warmup`` calls."""
    for _ in range(warmup):
        step()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_in_subprocess(module: str, library: str, threads: int, repeats: int, variant: str = "") -> float:
    """Median step seconds of one library, timed by ``python -m benchmarks.<module>`` with ``threads`` threads."""
    env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
    command = [sys.executable, "-m", f"benchmarks.{module}", "--child", library, "--repeats", str(repeats)]
    command += ["--variant", variant] if variant else []
    return float(subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout)


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


def report(name: str, seconds: dict, threads: int) -> str:
    """One table row: workload, threads, each library's best round (ms), their ratio, the ratio of median rounds."""
    best = {library: min(values) for library, values in seconds.items()}
    median = {library: statistics.median(values) for library, values in seconds.items()}
    ours, theirs = best["glassnet"], best["pytorch"]
    return (
        f"{name:<34} {threads:>7} {ours * 1e3:>12.3f} {theirs * 1e3:>12.3f} {ours / theirs:>7.2f} "
        f"{median['glassnet'] / median['pytorch']:>13.2f}"
    )


HEADER = f"{'workload':<34} {'threads':>7} {'glassnet ms':>12} {'pytorch ms':>12} {'ratio':>7} {'median ratio':>13}"


def time_workload(module: str, threads: list, rounds: int, repeats: int, variant: str = "") -> dict:
    """{thread count: {library: [seconds of each round]}}: alternating processes, ``rounds`` per library and count."""
    results = {}
    for count in threads:
        seconds = results[count] = {library: [] for library in LIBRARIES}
        for _ in range(rounds):
            for library in LIBRARIES:
                seconds[library].append(time_in_subprocess(module, library, count, repeats, variant))
    return results


def markdown_row(name: str, results: dict) -> str:
    """The README's row of a workload: best rounds in ms and their ratio, at each thread count."""
    cells = []
    for seconds in results.values():
        ours, theirs = min(seconds["glassnet"]), min(seconds["pytorch"])
        cells += [f"{ours * 1e3:.2f} / {theirs * 1e3:.2f} ms", f"{ours / theirs:.2f}"]
    return f"| {name} | " + " | ".join(cells) + " |"


def main(module: str, name: str, build, variants: dict | None = None) -> None:
    """Shared command line of every workload: children time one library each, the parent prints the table.

    ``variants`` names a workload's other settings ({variant: row name}); ``--variant V`` times ``build(V)``.
    """
    variants = {"": name, **(variants or {})}
    parser = argparse.ArgumentParser(description=name)
    parser.add_argument("--variant", default="", choices=variants)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=50, help="timed steps per process")
    parser.add_argument("--rounds", type=int, default=3, help="processes per library and thread count")
    parser.add_argument("--child", choices=LIBRARIES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        steps = build(args.variant) if args.variant else build()
        print(median_step_seconds(steps[args.child], repeats=args.repeats))
        return
    print(HEADER)
    for count, seconds in time_workload(module, args.threads, args.rounds, args.repeats, args.variant).items():
        print(report(variants[args.variant], seconds, count), flush=True)
