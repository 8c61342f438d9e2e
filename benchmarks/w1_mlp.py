"""W1: one SGD step of an MLP 784-256-256-10 (ReLU, softmax cross-entropy), batch 128, float32.

python -m benchmarks.w1_mlp                    # 1 and 2 threads, glassnet vs PyTorch side by side
python -m benchmarks.w1_mlp --variant small    # W9: MLP 64-32-32-10, batch 32
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import classifier_step

NAME = "W1 MLP 784-256-256-10, batch 128"
# W9, ``--variant small``: the size most lab experiments train, where each op's fixed cost (Python, dispatch,
# allocation) outweighs its arithmetic
VARIANTS = {"small": "W9 MLP 64-32-32-10, batch 32"}
SIZES = {"": ((784, 256, 256, 10), 128), "small": ((64, 32, 32, 10), 32)}


def workload(variant: str = ""):
    """One SGD step of an MLP of the variant's layer widths (ReLU between) on its batch size."""
    widths, batch = SIZES[variant]

    def mlp(nn):
        layers = [nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])]
        return nn.Sequential(*[m for layer in layers for m in (layer, nn.ReLU())][:-1])

    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, widths[0])).astype(np.float32)
    y = rng.integers(0, widths[-1], batch)
    shapes = [s for a, b in zip(widths[:-1], widths[1:]) for s in ((b, a), (b,))]
    weights = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in shapes]
    return {library: classifier_step(library, mlp, x, y, weights) for library in ("glassnet", "pytorch")}


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w1_mlp", NAME, workload, VARIANTS)
