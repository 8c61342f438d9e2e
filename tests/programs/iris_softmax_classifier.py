"""A softmax classifier on the iris flowers: an nn.Module subclass, CrossEntropyLoss, SGD, eval mode and accuracy."""

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_iris

TOLERANCE = 1e-4

iris = load_iris()
features = iris.data.astype(np.float32)
features = (features - features.mean(axis=0)) / features.std(axis=0)
order = np.random.default_rng(0).permutation(len(features))
train_idx, test_idx = order[:120], order[120:]
x_train = torch.from_numpy(features[train_idx])
y_train = torch.from_numpy(iris.target[train_idx]).long()
x_test = torch.tensor(features[test_idx])
y_test = torch.tensor(iris.target[test_idx], dtype=torch.long)
print("train:", tuple(x_train.shape), x_train.dtype, y_train.dtype)


class SoftmaxClassifier(nn.Module):
    def __init__(self, n_in, n_hidden, n_classes):
        super().__init__()
        self.hidden = nn.Linear(n_in, n_hidden)
        self.act = nn.Tanh()
        self.out = nn.Linear(n_hidden, n_classes)

    def forward(self, x):
        return self.out(self.act(self.hidden(x)))


rng = np.random.default_rng(0)
model = SoftmaxClassifier(4, 10, 3)
with torch.no_grad():
    model.hidden.weight.copy_(torch.from_numpy(rng.normal(0, 0.5, (10, 4)).astype(np.float32)))
    model.hidden.bias.zero_()
    model.out.weight.copy_(torch.from_numpy(rng.normal(0, 0.5, (3, 10)).astype(np.float32)))
    model.out.bias.zero_()
print("parameters:", sum(p.numel() for p in model.parameters()))
print("named parameters:", [name for name, _ in model.named_parameters()])

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(100):
    model.train()
    logits = model(x_train)
    loss = criterion(logits, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 25 == 0 or epoch == 99:
        print(f"epoch {epoch} loss: {loss.item():.5f}")

model.eval()
with torch.no_grad():
    logits = model(x_test)
    probabilities = torch.softmax(logits, dim=1)
    _, predicted = torch.max(logits, 1)
    correct = (predicted == y_test).sum().item()
print("training flag after eval():", model.training)
print("probabilities sum to 1:", torch.allclose(probabilities.sum(dim=1), torch.ones(len(y_test))))
print("test accuracy:", correct / len(y_test))
print("accuracy above 0.85:", correct / len(y_test) > 0.85)
print("first probabilities:", [round(v, 4) for v in probabilities[0].tolist()])
print("logits require grad under no_grad:", logits.requires_grad)
print("loss of a perfect guess is small:", criterion(torch.tensor([[10.0, 0.0, 0.0]]), torch.tensor([0])).item() < 1e-3)
