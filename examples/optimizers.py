"""Five optimizers, one problem: the same MLP on the 8x8 digits, each with its usual learning rate.

Every optimizer writes only its update rule (see ``glassnet/optim/``); the fit loop, the data and
the initial weights are identical, so the loss curves differ by the rule alone. The last run adds a
cosine learning-rate schedule through the ``LRSchedule`` callback.

Run:  python examples/optimizers.py
"""

from __future__ import annotations

import glassnet as gn
from glassnet import nn, optim
from glassnet.data import load_digits, train_test_split
from glassnet.metrics import accuracy
from glassnet.train import LRSchedule, fit


def main() -> None:
    x, y = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(x / 16, y, test_size=597, stratify=y, seed=0)
    epochs = 8
    runs = {
        "SGD": lambda p: optim.SGD(p, lr=0.1),
        "SGD + momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
        "Adagrad": lambda p: optim.Adagrad(p, lr=0.05),
        "RMSprop": lambda p: optim.RMSprop(p, lr=1e-3),
        "Adam + cosine": lambda p: optim.Adam(p, lr=3e-3),
    }
    print(f"{'optimizer':<16} {'loss ep1':>9} {'loss ep' + str(epochs):>9} {'test acc':>9}")
    for name, make in runs.items():
        gn.manual_seed(0)
        model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
        optimizer = make(model.parameters())
        callbacks = []
        if "cosine" in name:
            callbacks.append(LRSchedule(optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)))
        history = fit(
            model,
            nn.CrossEntropyLoss(),
            optimizer,
            (x_train, y_train),
            epochs=epochs,
            batch_size=32,
            val_data=(x_test, y_test),
            metrics={"acc": accuracy},
            callbacks=callbacks,
            seed=0,
            verbose=0,
        )
        print(f"{name:<16} {history.loss[0]:>9.4f} {history.loss[-1]:>9.4f} {history['val_acc'][-1]:>9.3f}")
        assert history.loss[-1] < history.loss[0]


if __name__ == "__main__":
    main()
