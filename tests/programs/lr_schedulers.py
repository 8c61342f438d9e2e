"""Learning-rate schedulers: StepLR, ExponentialLR, MultiStepLR, CosineAnnealingLR and ReduceLROnPlateau."""

import numpy as np
import torch
from torch import nn, optim
from torch.optim import lr_scheduler

TOLERANCE = 1e-6

rng = np.random.default_rng(0)
x = torch.from_numpy(rng.standard_normal((32, 3)).astype(np.float32))
y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1


def make_model():
    model = nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    return model


def train_one_epoch(model, optimizer):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


model = make_model()
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
print("StepLR")
for epoch in range(8):
    loss = train_one_epoch(model, optimizer)
    print(f"  epoch {epoch} lr {optimizer.param_groups[0]['lr']:.5f} loss {loss:.5f}")
    scheduler.step()
print("  get_last_lr:", [round(lr, 6) for lr in scheduler.get_last_lr()], "last_epoch:", scheduler.last_epoch)

model = make_model()
optimizer = optim.Adam(model.parameters(), lr=0.05)
scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
print("ExponentialLR")
for epoch in range(5):
    loss = train_one_epoch(model, optimizer)
    scheduler.step()
    print(f"  epoch {epoch} get_last_lr {scheduler.get_last_lr()[0]:.6f} loss {loss:.5f}")

optimizer = optim.SGD(make_model().parameters(), lr=1.0)
scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=[2, 5], gamma=0.1)
lrs = []
for epoch in range(7):
    lrs.append(round(optimizer.param_groups[0]["lr"], 6))
    optimizer.step()
    scheduler.step()
print("MultiStepLR:", lrs)

optimizer = optim.SGD(make_model().parameters(), lr=0.1)
scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=4, eta_min=0.01)
lrs = []
for epoch in range(6):
    optimizer.step()
    scheduler.step()
    lrs.append(round(scheduler.get_last_lr()[0], 6))
print("CosineAnnealingLR:", lrs)

optimizer = optim.SGD(make_model().parameters(), lr=0.1)
scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
validation_losses = [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8]
lrs = []
for val_loss in validation_losses:
    optimizer.step()
    scheduler.step(val_loss)
    lrs.append(round(optimizer.param_groups[0]["lr"], 6))
print("ReduceLROnPlateau:", lrs)

# Two parameter groups with their own learning rates, scheduled together
model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
optimizer = optim.SGD([{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.01}], lr=0.1)
scheduler = lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1)
optimizer.step()
scheduler.step()
print("two groups:", [round(lr, 8) for lr in scheduler.get_last_lr()], len(optimizer.param_groups))
print("initial_lr kept:", [group["initial_lr"] for group in optimizer.param_groups])
state = scheduler.state_dict()
print("scheduler state_dict:", state["last_epoch"], state["step_size"], state["gamma"])

# Changing the learning rate by hand
for group in optimizer.param_groups:
    group["lr"] = 0.3
print("set by hand:", [group["lr"] for group in optimizer.param_groups])
