"""W8: one Adam step of a dense autoencoder 784-128-32-128-784 (ReLU, sigmoid output, MSE), batch 128, float32.

glassnet runs :func:`glassnet.models.autoencoder.dense_autoencoder` (the same layers and parameter
names as the PyTorch ``Sequential`` pair beside it); both minimise mean((sigmoid(...) - x)**2) with
Adam (lr 1e-3) on a batch of pixel-like inputs in [0, 1).

python -m benchmarks.w8_autoencoder    # 1 and 2 threads, glassnet vs PyTorch side by side
"""

from __future__ import annotations

import os

import numpy as np

NAME = "W8 AE 784-128-32-128-784, b 128"
VARIANTS = {"sgd": "W8 AE as W8, SGD"}
SHAPES = [(128, 784), (128,), (32, 128), (32,), (128, 32), (128,), (784, 128), (784,)]
BATCH = 128
# the same call in both libraries; W8 runs Adam, ``--variant sgd`` plain SGD
OPTIMIZERS = {
    "adam": lambda optim, params: optim.Adam(params, lr=1e-3),
    "sgd": lambda optim, params: optim.SGD(params, lr=0.1),
}


def glassnet_step(x: np.ndarray, weights: list, optimizer: str):
    import glassnet as gn
    from glassnet.models import dense_autoencoder

    model = dense_autoencoder(784, 32, hidden=(128,), activation="relu", output_activation="sigmoid")
    model.load_state_dict(dict(zip(model.state_dict(), weights)))
    update = OPTIMIZERS[optimizer](gn.optim, model.parameters())
    inputs = gn.tensor(x)

    def step():
        update.zero_grad()
        gn.F.mse_loss(model(inputs), inputs).backward()
        update.step()

    return step


def pytorch_step(x: np.ndarray, weights: list, optimizer: str):
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    nn = torch.nn
    encoder = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32))
    decoder = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid())
    model = nn.Sequential(encoder, decoder)
    model.load_state_dict({k: torch.from_numpy(w) for k, w in zip(model.state_dict(), weights)})
    update = OPTIMIZERS[optimizer](torch.optim, model.parameters())
    inputs = torch.from_numpy(x)

    def step():
        update.zero_grad()
        torch.nn.functional.mse_loss(model(inputs), inputs).backward()
        update.step()

    return step


def workload(optimizer: str = "adam"):
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, 784), dtype=np.float32)
    weights = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in SHAPES]
    return {"glassnet": glassnet_step(x, weights, optimizer), "pytorch": pytorch_step(x, weights, optimizer)}


if __name__ == "__main__":
    from benchmarks.harness import main

    main("w8_autoencoder", NAME, workload, VARIANTS)
