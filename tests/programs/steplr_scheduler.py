"""Learning-rate schedulers: StepLR, MultiStepLR, ExponentialLR and LambdaLR, printing the lr each epoch."""

import torch
from torch import nn, optim

TOLERANCE = 1e-6

model = nn.Linear(2, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.5, -0.5]]))
    model.bias.zero_()
x = torch.tensor([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])
y = torch.tensor([[1.0], [2.0], [0.0]])
loss_fn = nn.MSELoss()

optimizer = optim.SGD(model.parameters(), lr=0.1)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
for epoch in range(8):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch} lr: {optimizer.param_groups[0]['lr']:.6f} loss: {loss.item():.6f}")
    scheduler.step()
print("get_last_lr:", [round(v, 8) for v in scheduler.get_last_lr()])
print("initial_lr kept:", optimizer.param_groups[0]["initial_lr"])


def run(make_scheduler, epochs=6):
    opt = optim.SGD(model.parameters(), lr=1.0)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(epochs):
        opt.step()
        lrs.append(round(opt.param_groups[0]["lr"], 6))
        sched.step()
    return lrs


print("MultiStepLR:", run(lambda o: optim.lr_scheduler.MultiStepLR(o, milestones=[2, 4], gamma=0.1)))
print("ExponentialLR:", run(lambda o: optim.lr_scheduler.ExponentialLR(o, gamma=0.9)))
print("LambdaLR:", run(lambda o: optim.lr_scheduler.LambdaLR(o, lr_lambda=lambda epoch: 1.0 / (epoch + 1))))
print("CosineAnnealingLR:", run(lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=4)))

# The learning rate can also be set by hand through param_groups
opt = optim.Adam(model.parameters(), lr=0.01)
for group in opt.param_groups:
    group["lr"] = 0.001
print("set by hand:", opt.param_groups[0]["lr"], "betas:", opt.param_groups[0]["betas"])
