"""W1: one SGD step of an MLP 784-256-256-10 (ReLU, softmax cross-entropy), batch 128, float32.

python -m benchmarks.w1_mlp            # 1 and 2 threads, glassnet vs PyTorch side by side
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import classifier_step

NAME = "W1 MLP 784-256-256-10, batch 128"


def mlp(nn):
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def workload():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    shapes = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
    weights = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in shapes]
    return {library: classifier_step(library, mlp, x, y, weights) for library in ("glassnet", "pytorch")}


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w1_mlp", NAME, workload)
