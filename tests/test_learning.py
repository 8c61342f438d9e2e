"""Learning smoke tests with fixed seeds and real thresholds: the engine trains real models."""

import numpy as np

import glassnet as gn
from glassnet import nn
from glassnet.data import Standardizer, load_digits, train_test_split, xor
from glassnet.metrics import accuracy
from glassnet.train import fit


def test_mlp_on_digits_reaches_97_percent_test_accuracy():
    x, y = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, stratify=y, seed=0)
    scaler = Standardizer().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    gn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = gn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        (x_train, y_train),
        epochs=20,
        batch_size=32,
        val_data=(x_test, y_test),
        metrics={"acc": accuracy},
        seed=0,
        verbose=0,
    )
    model.eval()
    with gn.no_grad():
        test_accuracy = float((model(gn.tensor(x_test)).numpy().argmax(axis=1) == y_test).mean())
    assert test_accuracy >= 0.97, f"digits MLP test accuracy {test_accuracy:.4f} < 0.97"
    assert history["val_acc"][-1] == test_accuracy


def test_two_layer_net_solves_xor_and_a_linear_model_cannot():
    x, y = xor()
    targets = y.astype(np.float32)[:, None]

    def train(hidden: bool) -> np.ndarray:
        gn.manual_seed(0)
        layers = [nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)] if hidden else [nn.Linear(2, 1)]
        model = nn.Sequential(*layers)
        optimizer = gn.optim.Adam(model.parameters(), lr=0.05)
        for _ in range(500):
            optimizer.zero_grad()
            gn.F.binary_cross_entropy_with_logits(model(gn.tensor(x)), targets).backward()
            optimizer.step()
        with gn.no_grad():
            return (model(gn.tensor(x)).numpy()[:, 0] > 0).astype(np.int64)

    assert np.array_equal(train(hidden=True), y)
    assert (train(hidden=False) == y).mean() <= 0.75  # no line separates XOR: at best 3 of 4
