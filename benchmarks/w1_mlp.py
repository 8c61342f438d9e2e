"""W1: one SGD step of an MLP 784-256-256-10 (ReLU, softmax cross-entropy), batch 128, float32.

python -m benchmarks.w1_mlp            # 1 and 2 threads, glassnet vs PyTorch side by side
"""

from __future__ import annotations

import numpy as np

NAME = "W1 MLP 784-256-256-10, batch 128"


def glassnet_step(x: np.ndarray, y: np.ndarray, weights: list):
    import glassnet as gn

    model = gn.nn.Sequential(
        gn.nn.Linear(784, 256), gn.nn.ReLU(), gn.nn.Linear(256, 256), gn.nn.ReLU(), gn.nn.Linear(256, 10)
    )
    model.load_state_dict(dict(zip(model.state_dict(), weights)))
    optimizer = gn.optim.SGD(model.parameters(), lr=0.01)
    inputs = gn.tensor(x)

    def step():
        optimizer.zero_grad()
        gn.F.cross_entropy(model(inputs), y).backward()
        optimizer.step()

    return step


def pytorch_step(x: np.ndarray, y: np.ndarray, weights: list):
    import torch

    torch.set_num_threads(int(__import__("os").environ.get("OMP_NUM_THREADS", "1")))
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
    )
    model.load_state_dict({k: torch.from_numpy(w) for k, w in zip(model.state_dict(), weights)})
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(inputs), targets).backward()
        optimizer.step()

    return step


def workload():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    shapes = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
    weights = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in shapes]
    return {"glassnet": glassnet_step(x, y, weights), "pytorch": pytorch_step(x, y, weights)}


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w1_mlp", NAME, workload)
