"""BatchNorm1d and Dropout in train mode versus eval mode, and what model.train()/model.eval() switch."""

import numpy as np
import torch
import torch.nn as nn

TOLERANCE = 1e-4

rng = np.random.default_rng(0)
x = torch.from_numpy(rng.normal(2.0, 3.0, size=(16, 4)).astype(np.float32))

bn = nn.BatchNorm1d(4)
print("bn parameters:", [name for name, _ in bn.named_parameters()])
print("bn buffers:", sorted(name for name, _ in bn.named_buffers()))
print("initial running_mean:", bn.running_mean.tolist(), "running_var:", bn.running_var.tolist())
print("momentum, eps:", bn.momentum, bn.eps)

bn.train()
y = bn(x)
print("train output mean ~ 0:", y.mean(dim=0).abs().max().item() < 1e-5)
print("train output biased std ~ 1:", torch.allclose(y.var(dim=0, unbiased=False), torch.ones(4), atol=1e-3))
print("running_mean after one batch:", [round(v, 5) for v in bn.running_mean.tolist()])
print("running_var after one batch:", [round(v, 5) for v in bn.running_var.tolist()])
print("num_batches_tracked:", bn.num_batches_tracked.item())

for _ in range(4):
    bn(x)
bn.eval()
z = bn(x[:3])
expected = (x[:3] - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
print("eval uses running statistics:", torch.allclose(z, expected, atol=1e-5))
print("eval output row 0:", [round(v, 5) for v in z[0].tolist()])
print("eval is per-sample:", torch.allclose(bn(x[:1]), z[:1], atol=1e-6))

# Gradients through batch norm in train mode
bn.train()
bn.weight.data.fill_(1.5)
out = bn(x)
(out[:, 0] * torch.arange(16, dtype=torch.float32)).sum().backward()
print("bn weight grad:", [round(v, 4) for v in bn.weight.grad.tolist()])
print("bn bias grad:", [round(v, 4) for v in bn.bias.grad.tolist()])

# BatchNorm2d on images keeps the shape and normalises per channel
bn2 = nn.BatchNorm2d(3, affine=False)
images = torch.from_numpy(rng.normal(size=(4, 3, 5, 5)).astype(np.float32))
normalised = bn2(images)
print(
    "bn2d shape:",
    tuple(normalised.shape),
    "channel means ~ 0:",
    normalised.mean(dim=(0, 2, 3)).abs().max().item() < 1e-5,
)

# Dropout: only facts that hold whatever the random draw
drop = nn.Dropout(p=0.5)
ones = torch.ones(1000)
drop.train()
dropped = drop(ones)
kept = dropped[dropped != 0]
print("train kept values are scaled by 2:", torch.allclose(kept, torch.full_like(kept, 2.0)))
print("train drops some and keeps some:", 300 < int((dropped == 0).sum()) < 700)
drop.eval()
print("eval_equal_input:", torch.equal(drop(ones), ones))
print("p=0 is identity:", torch.equal(nn.Dropout(0.0)(ones), ones))

model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 2))
model.eval()
print("eval sets every child:", all(not m.training for m in model.modules()))
model.train()
print("train sets every child:", all(m.training for m in model.modules()))
model.eval()
with torch.no_grad():
    print("eval is deterministic:", torch.equal(model(x), model(x)))
print("functional dropout eval:", torch.equal(nn.functional.dropout(ones, 0.5, training=False), ones))
