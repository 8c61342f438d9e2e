"""W2: one SGD step of LeNet-5 on 1x28x28 images, batch 64, float32.

conv 5x5x6 'same', ReLU, max-pool 2, conv 5x5x16 'valid', ReLU, max-pool 2, FC 120, ReLU, FC 84, ReLU,
FC 10, softmax cross-entropy.

python -m benchmarks.w2_lenet            # 1 and 2 threads, glassnet vs PyTorch side by side, then memory

Memory of one step, after a warm-up step, measured in the parent process:
  glassnet: the peak of NumPy allocations during the step, by ``tracemalloc`` (NumPy reports its
            array buffers to it): activations, saved arrays, gradients and temporaries; plus any
            buffers the kernels keep for reuse between steps (``glassnet.buffer_bytes()``, printed
            separately; none in this model);
  pytorch:  the peak of CPU allocations during the step, by ``torch.profiler`` with
            ``profile_memory=True``: the running sum of its raw allocation and free records in time
            order, so its convolution scratch counts while it is alive. (Summing the per-operator
            totals instead, in operator start order, counts each free at the start of the operator
            that frees it, before the allocations that operator makes: that sum read 3.02 MiB for
            this step, whose allocations peak at 4.45 MiB by the raw records.)
Neither counts the weights or the input batch, nor frees of memory allocated before the step. As a
cross-check independent of either tool, each library also runs alone in a fresh process: the peak
resident set over its first ten steps minus the resident set before them (Linux ``VmHWM``, reset
first). That counts caches built on the first steps and allocator slack too.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import numpy as np

from benchmarks.harness import classifier_step

NAME = "W2 LeNet-5 1x28x28, batch 64"
SHAPES = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,), (10, 84), (10,)]


def lenet5(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def workload():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    weights = [(rng.standard_normal(s) * 0.1).astype(np.float32) for s in SHAPES]
    return {library: classifier_step(library, lenet5, x, y, weights) for library in ("glassnet", "pytorch")}


def glassnet_peak_bytes(step) -> tuple[int, int]:
    """Peak bytes NumPy allocates during one step (tracemalloc) after a warm-up step, and the kept buffers'."""
    from glassnet import buffer_bytes

    step()
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, buffer_bytes()


def pytorch_peak_bytes(step) -> int:
    """Peak bytes of CPU memory allocated during one step (torch.profiler's allocation records), after a warm-up."""
    from torch.profiler import ProfilerActivity, profile

    step()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    # one record per allocation (bytes > 0) and per free (bytes < 0) of memory allocated in the step
    records = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    current = peak = 0
    for record in sorted(records, key=lambda e: e.start_ns()):
        current += record.nbytes()
        peak = max(peak, current)
    return peak


def memory_report() -> str:
    steps = workload()
    (step_peak, kept), theirs = glassnet_peak_bytes(steps["glassnet"]), pytorch_peak_bytes(steps["pytorch"])
    ours = step_peak + kept
    return (
        f"peak memory of one step: glassnet {ours / 2**20:.2f} MiB ({step_peak / 2**20:.2f} MiB tracemalloc "
        f"+ {kept / 2**20:.2f} MiB kept buffers), pytorch {theirs / 2**20:.2f} MiB (torch.profiler), "
        f"ratio {ours / theirs:.2f}"
    )


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def rss_growth_bytes(library: str) -> int:
    """Peak resident set during ten steps of ``library`` alone, minus the resident set before them (Linux).

    The high-water mark is reset first (``/proc/self/clear_refs``), so imports and set-up do not count.
    """
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 64)
    weights = [(rng.standard_normal(s) * 0.1).astype(np.float32) for s in SHAPES]
    step = classifier_step(library, lenet5, x, y, weights)
    before = _status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset VmHWM to the current resident set
    for _ in range(10):
        step()
    return (_status_kib("VmHWM") - before) * 1024


def rss_report() -> str:
    growth = {}
    for library in ("glassnet", "pytorch"):
        command = [sys.executable, "-m", "benchmarks.w2_lenet", "--rss", library]
        growth[library] = int(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return (
        f"peak RSS over the first 10 steps minus RSS before, each library alone: "
        f"glassnet {growth['glassnet'] / 2**20:.2f} MiB, pytorch {growth['pytorch'] / 2**20:.2f} MiB"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rss"]:
        print(rss_growth_bytes(sys.argv[2]))
        sys.exit()
    from benchmarks.harness import main

    main("w2_lenet", NAME, workload)
    if "--child" not in sys.argv:
        print(memory_report())
        print(rss_report())
