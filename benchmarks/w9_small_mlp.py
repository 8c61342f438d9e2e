"""W9: the lab's usual model, an MLP 64-32-32-10 (ReLU, softmax cross-entropy), batch 32, one SGD step, float32.

Most lab experiments train models this small for thousands of steps, where the time goes to each op's fixed
cost (Python, dispatch, allocation), not to arithmetic: this workload measures that cost against PyTorch's.

python -m benchmarks.w9_small_mlp      # 1 and 2 threads, glassnet vs PyTorch side by side
"""

from __future__ import annotations

from benchmarks import w1_mlp

NAME = "W9 MLP 64-32-32-10, batch 32"


def workload():
    return w1_mlp.workload((64, 32, 32, 10), batch=32)


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w9_small_mlp", NAME, workload)
