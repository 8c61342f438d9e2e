"""Fit a cubic to sin(x) with optim: SGD with momentum, then RMSprop, each from the same starting weights."""

import math

import torch

TOLERANCE = 1e-3

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))


def make_model():
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[-0.2, 0.3, -0.1]]))
        model[0].bias.fill_(0.1)
    return model


def train(model, optimizer, steps):
    loss_fn = torch.nn.MSELoss(reduction="sum")
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 250 == 249:
            print(f"  loss at {t}: {loss.item():.4f}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    weight, bias = model[0].weight, model[0].bias
    coefficients = [bias.item()] + weight.squeeze().tolist()
    print("  coefficients:", [round(value, 4) for value in coefficients])


print("SGD with momentum")
model = make_model()
train(model, torch.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9), 1000)

print("RMSprop")
model = make_model()
train(model, torch.optim.RMSprop(model.parameters(), lr=1e-3), 1000)

print("Adam")
model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
train(model, optimizer, 500)
print("param_groups keys:", sorted(key for key in optimizer.param_groups[0] if key in ("lr", "betas", "eps")))
print("state has step:", all("step" in optimizer.state[p] for p in model.parameters()))
