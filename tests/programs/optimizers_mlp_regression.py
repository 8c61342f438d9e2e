"""A small MLP regression trained with SGD (momentum, nesterov, weight_decay), Adam and AdamW from equal weights."""

import numpy as np
import torch
from torch import nn, optim

TOLERANCE = 1e-3

rng = np.random.default_rng(0)
x_np = rng.uniform(-2, 2, size=(64, 2)).astype(np.float32)
y_np = (np.sin(x_np[:, :1]) + 0.5 * x_np[:, 1:] ** 2).astype(np.float32)
x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
initial = [rng.normal(0, 0.5, shape).astype(np.float32) for shape in [(16, 2), (16,), (1, 16), (1,)]]


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x):
        return self.layers(x)


def train(name, make_optimizer, steps=150):
    model = MLP()
    with torch.no_grad():
        for param, value in zip(model.parameters(), initial):
            param.copy_(torch.from_numpy(value))
    optimizer = make_optimizer(model.parameters())
    loss_fn = nn.MSELoss()
    first = None
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        first = loss.item() if first is None else first
    with torch.no_grad():
        final = loss_fn(model(x), y).item()
    print(f"{name} first loss: {first:.5f} final loss: {final:.5f} improved: {final < first / 2}")


train("sgd", lambda p: optim.SGD(p, lr=0.05))
train("sgd momentum", lambda p: optim.SGD(p, lr=0.05, momentum=0.9))
train("sgd nesterov", lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True))
train("sgd weight_decay", lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-2))
train("adam", lambda p: optim.Adam(p, lr=0.01))
train("adamw", lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1))
train("rmsprop", lambda p: optim.RMSprop(p, lr=0.005))
train("adagrad", lambda p: optim.Adagrad(p, lr=0.1))

# Parameter groups with their own learning rates
model = MLP()
optimizer = optim.SGD(
    [{"params": model.layers[0].parameters()}, {"params": model.layers[2].parameters(), "lr": 1e-3}],
    lr=1e-2,
    momentum=0.9,
)
print("groups:", len(optimizer.param_groups), [group["lr"] for group in optimizer.param_groups])
print("momentum in every group:", [group["momentum"] for group in optimizer.param_groups])

# Gradient clipping before the step
model.zero_grad()
(model(x) * 100).sum().backward()
total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
clipped = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters()))
print("norm before clipping is large:", total.item() > 1.0, "after:", round(clipped.item(), 4))
