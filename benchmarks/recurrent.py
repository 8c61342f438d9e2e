"""The recurrent workloads W3, W4, W5: one SGD step of a sequence classifier, glassnet beside PyTorch.

Model: an LSTM or GRU (input 32, hidden 128, one layer, uni- or bidirectional) over a batch of 32
sequences of T = 50 steps (batch first); the final hidden state (both directions side by side when
bidirectional) -> Linear(D*128, 10) -> softmax cross-entropy -> one SGD step. float32, the same
weights and data on both sides. Each workload module (w3_lstm, w4_gru, w5_bilstm) names one variant.
"""

from __future__ import annotations

import os

import numpy as np

BATCH, STEPS, INPUTS, HIDDEN, CLASSES = 32, 50, 32, 128, 10


def _features(h_n, batch: int):
    """(D, B, H) final states -> (B, D*H), the directions side by side: the same code in both libraries."""
    return h_n.transpose(0, 1).reshape(batch, -1)


def glassnet_step(kind: str, bidirectional: bool, x: np.ndarray, y: np.ndarray, weights: dict):
    import glassnet as gn

    layer = {"lstm": gn.nn.LSTM, "gru": gn.nn.GRU}[kind]
    rnn = layer(INPUTS, HIDDEN, batch_first=True, bidirectional=bidirectional)
    head = gn.nn.Linear(HIDDEN * (2 if bidirectional else 1), CLASSES)
    model = gn.nn.ModuleList([rnn, head])
    model.load_state_dict(weights)
    optimizer = gn.optim.SGD(model.parameters(), lr=0.01)
    inputs = gn.tensor(x)

    def step():
        optimizer.zero_grad()
        _, state = rnn(inputs)
        h_n = state[0] if kind == "lstm" else state
        gn.F.cross_entropy(head(_features(h_n, BATCH)), y).backward()
        optimizer.step()

    return step


def pytorch_step(kind: str, bidirectional: bool, x: np.ndarray, y: np.ndarray, weights: dict):
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    rnn = layer(INPUTS, HIDDEN, batch_first=True, bidirectional=bidirectional)
    head = torch.nn.Linear(HIDDEN * (2 if bidirectional else 1), CLASSES)
    model = torch.nn.ModuleList([rnn, head])
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        optimizer.zero_grad()
        _, state = rnn(inputs)
        h_n = state[0] if kind == "lstm" else state
        torch.nn.functional.cross_entropy(head(_features(h_n, BATCH)), targets).backward()
        optimizer.step()

    return step


def workload(kind: str, bidirectional: bool) -> dict:
    """Both steps on the same data and weights (PyTorch's default initialisation, drawn once)."""
    import torch

    torch.manual_seed(0)
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    reference = torch.nn.ModuleList(
        [
            layer(INPUTS, HIDDEN, batch_first=True, bidirectional=bidirectional),
            torch.nn.Linear(HIDDEN * (2 if bidirectional else 1), CLASSES),
        ]
    )
    weights = {k: v.detach().numpy().copy() for k, v in reference.state_dict().items()}
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, STEPS, INPUTS)).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    return {
        "glassnet": glassnet_step(kind, bidirectional, x, y, weights),
        "pytorch": pytorch_step(kind, bidirectional, x, y, weights),
    }
