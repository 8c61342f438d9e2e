"""Fit a cubic to sin(x) with nn.Sequential, MSELoss(reduction='sum') and a hand-written parameter update."""

import math

import numpy as np
import torch

TOLERANCE = 1e-4

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# The inputs x, x^2, x^3 as the columns of a (2000, 3) tensor
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print("features:", list(xx.shape))

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1),
)
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[-0.2, 0.3, -0.1]]))
    model[0].bias.fill_(0.1)

loss_fn = torch.nn.MSELoss(reduction="sum")

learning_rate = 1e-6
for t in range(2000):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 500 == 499:
        print(f"loss at {t}: {loss.item():.4f}")

    model.zero_grad()
    loss.backward()

    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]
print(
    f"result: y = {linear_layer.bias.item():.4f} + {linear_layer.weight[:, 0].item():.4f} x"
    f" + {linear_layer.weight[:, 1].item():.4f} x^2 + {linear_layer.weight[:, 2].item():.4f} x^3"
)
print("output shape:", list(model(xx).shape), "len(model):", len(model))
print("weight as numpy:", np.round(linear_layer.weight.detach().numpy(), 3).tolist())
