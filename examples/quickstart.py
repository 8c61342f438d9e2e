"""The README's fifteen lines: an MLP on the 8x8 digits, trained with the fit loop."""

import glassnet as gn
from glassnet.data import load_digits, train_test_split
from glassnet.metrics import accuracy
from glassnet.train import fit

x, y = load_digits()  # 1,797 8x8 images, shipped with scikit-learn
x_train, x_test, y_train, y_test = train_test_split(x / 16, y, test_size=0.25, stratify=y, seed=0)

gn.manual_seed(0)
model = gn.nn.Sequential(gn.nn.Linear(64, 128), gn.nn.ReLU(), gn.nn.Linear(128, 10))
optimizer = gn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
history = fit(
    model,
    gn.nn.CrossEntropyLoss(),
    optimizer,
    (x_train, y_train),
    epochs=30,
    batch_size=32,
    val_data=(x_test, y_test),
    metrics={"acc": accuracy},
    verbose=0,
)

print(history.iterations, history["val_acc"][-1])
loss = gn.F.cross_entropy(model(gn.tensor(x_test[:4])), y_test[:4])
loss.backward()  # model[0].weight.grad is now a Tensor
assert history["val_acc"][-1] >= 0.97
