"""Early stopping: stop when the validation loss stops improving, and keep the best weights.

A wide MLP trained on only 150 digits fits them ever better while its loss on 600 held-out digits
turns upward: it overfits. :class:`EarlyStopping` watches ``val_loss``, stops after ``patience``
epochs without improvement and restores the weights of the best epoch; :class:`NanGuard` stands by
to stop at the first non-finite loss. The script prints the validation curve, where it stopped and
why, and checks that the model holds the best epoch's weights.

Run:  python examples/early_stopping.py
"""

from __future__ import annotations

import numpy as np

import glassnet as gn
from glassnet import nn
from glassnet.data import load_digits
from glassnet.optim import SGD
from glassnet.train import EarlyStopping, NanGuard, evaluate, fit


def main() -> None:
    X, y = load_digits()
    X = (X / 16).astype(np.float32)
    train, val = (X[:150], y[:150]), (X[1000:1600], y[1000:1600])
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    stopper = EarlyStopping("val_loss", patience=5)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        SGD(model.parameters(), lr=0.1, momentum=0.9),
        train,
        200,
        16,
        val_data=val,
        metrics=["accuracy"],
        callbacks=[stopper, NanGuard()],
        seed=0,
        verbose=0,
    )

    for epoch, (loss, val_loss) in enumerate(zip(history.loss, history.val_loss), 1):
        mark = "  <- best" if epoch == stopper.best_epoch else ""
        print(f"epoch {epoch:3d}  train loss {loss:.4f}  val loss {val_loss:.4f}{mark}")
    print(history.stopped_reason)
    final = evaluate(model, nn.CrossEntropyLoss(), val)
    print(f"restored weights: val loss {final['loss']:.4f} (best epoch {stopper.best_epoch}: {stopper.best:.4f})")
    assert history.epochs < 200 and history.epochs == stopper.best_epoch + stopper.patience
    assert abs(final["loss"] - stopper.best) < 1e-6


if __name__ == "__main__":
    main()
