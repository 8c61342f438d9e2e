"""Parameters versus hyperparameters: what a model learns, and what a run chose.

``summary`` runs one forward pass and lists every layer with its output shape and parameter count,
then the totals, trainable and not (here the first layer is frozen). The parameters are what
training changes (``model.state_dict()``); the hyperparameters are fixed before training starts,
and ``fit`` records them in ``History.hparams`` (and in every checkpoint). The script prints both.

Run:  python examples/model_summary.py
"""

from __future__ import annotations

import json

import numpy as np

import glassnet as gn
from glassnet import nn
from glassnet.data import load_digits
from glassnet.optim import SGD
from glassnet.train import fit, summary


def main() -> None:
    gn.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.Tanh(), nn.Linear(64, 10)
    )
    model[0].requires_grad_(False)  # a frozen layer: counted, but not trainable
    summary(model, (32, 64))

    print("\nparameters (learned):")
    for name, tensor in model.state_dict().items():
        print(f"  {name:<10} {str(tuple(tensor.shape)):<10} {tensor.numel():>6,} values")

    X, y = load_digits()
    X = (X / 16).astype(np.float32)
    params = [p for p in model.parameters() if p.requires_grad]
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        SGD(params, lr=0.05, momentum=0.9),
        (X, y),
        2,
        64,
        seed=0,
        verbose=0,
        hparams={"hidden": [128, 64], "activations": ["relu", "tanh"], "dropout": 0.1},
    )
    hp = dict(history.hparams)
    hp["model"] = {k: v for k, v in hp["model"].items() if k != "repr"}  # the repr is long; it is recorded too
    print("\nhyperparameters (chosen):")
    print(json.dumps(hp, indent=2))


if __name__ == "__main__":
    main()
