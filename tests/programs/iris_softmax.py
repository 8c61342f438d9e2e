"""A softmax classifier on iris with CrossEntropyLoss, standardised features, and a held-out test set."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_iris

TOLERANCE = 1e-4

iris = load_iris()
rng = np.random.default_rng(0)
order = rng.permutation(len(iris.target))
features = iris.data[order].astype(np.float32)
labels = iris.target[order]
x_train, x_test = torch.from_numpy(features[:120]), torch.from_numpy(features[120:])
y_train, y_test = torch.from_numpy(labels[:120]).long(), torch.from_numpy(labels[120:]).long()

mean = x_train.mean(dim=0, keepdim=True)
std = x_train.std(dim=0, keepdim=True)
x_train = (x_train - mean) / std
x_test = (x_test - mean) / std
print("standardised:", list(x_train.shape), [round(v, 4) for v in x_train.mean(dim=0).tolist()])
print("classes:", torch.unique(y_train).tolist(), "counts:", torch.bincount(y_train, minlength=3).tolist())

model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
with torch.no_grad():
    for param in model.parameters():
        param.copy_(torch.from_numpy(rng.normal(0, 0.3, size=tuple(param.shape)).astype(np.float32)))

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
for epoch in range(100):
    model.train()
    logits = model(x_train)
    loss = loss_fn(logits, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 25 == 24:
        with torch.no_grad():
            train_acc = (logits.argmax(dim=1) == y_train).float().mean().item()
        print(f"epoch {epoch + 1:3d} loss {loss.item():.5f} train acc {train_acc:.4f}")

model.eval()
with torch.no_grad():
    logits = model(x_test)
    probabilities = F.softmax(logits, dim=1)
    predicted = torch.argmax(probabilities, dim=1)
print("test loss:", f"{loss_fn(logits, y_test).item():.5f}")
print("test accuracy:", (predicted == y_test).sum().item(), "/", len(y_test))
print("probabilities sum to one:", torch.allclose(probabilities.sum(dim=1), torch.ones(len(y_test))))
print("first probabilities:", [round(p, 4) for p in probabilities[0].tolist()])
print("label smoothing loss:", f"{nn.CrossEntropyLoss(label_smoothing=0.1)(logits, y_test).item():.5f}")
print("class weights loss:", f"{F.cross_entropy(logits, y_test, weight=torch.tensor([1.0, 2.0, 0.5])).item():.5f}")
print("per-sample loss:", list(F.cross_entropy(logits, y_test, reduction="none").shape))
print("probability targets:", f"{F.cross_entropy(logits, F.one_hot(y_test, 3).float()).item():.5f}")
