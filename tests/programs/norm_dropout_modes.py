"""BatchNorm1d/2d, Dropout and LayerNorm in training and evaluation mode."""

import numpy as np
import torch
import torch.nn as nn

TOLERANCE = 1e-5

rng = np.random.default_rng(0)
x = torch.from_numpy(rng.normal(3.0, 2.0, size=(8, 4)).astype(np.float32))

# BatchNorm1d: batch statistics in training, running statistics in evaluation
bn = nn.BatchNorm1d(4)
print(
    "bn parameters:", [name for name, _ in bn.named_parameters()], "buffers:", [name for name, _ in bn.named_buffers()]
)
print("defaults:", bn.eps, bn.momentum, bn.affine, bn.track_running_stats)
y = bn(x)
print("train output mean ~0:", y.mean(dim=0).abs().max().item() < 1e-5)
print("train output biased var ~1:", [round(v, 4) for v in y.var(dim=0, unbiased=False).tolist()])
print("running_mean after one step:", bn.running_mean.tolist())
print("running_var after one step:", bn.running_var.tolist())
print("num_batches_tracked:", bn.num_batches_tracked.item())
for _ in range(20):
    bn(x)
bn.eval()
y_eval = bn(x)
print("eval output:", [round(v, 4) for v in y_eval[0].tolist()])
print("eval is per-sample:", torch.allclose(bn(x[:1]), y_eval[:1], atol=1e-6))
print("eval leaves running stats:", bn.num_batches_tracked.item())

# BatchNorm1d also takes (N, C, L)
seq = torch.from_numpy(rng.standard_normal((4, 3, 5)).astype(np.float32))
bn_seq = nn.BatchNorm1d(3)
print("BatchNorm1d on (N, C, L):", list(bn_seq(seq).shape), round(bn_seq.running_mean.sum().item(), 6))

# BatchNorm2d normalises each channel over N, H and W
images = torch.from_numpy(rng.normal(1.0, 3.0, size=(4, 2, 3, 3)).astype(np.float32))
bn2 = nn.BatchNorm2d(2, momentum=0.5)
with torch.no_grad():
    bn2.weight.copy_(torch.tensor([2.0, 0.5]))
    bn2.bias.copy_(torch.tensor([1.0, -1.0]))
out = bn2(images)
print("BatchNorm2d channel means:", [round(v, 4) for v in out.mean(dim=(0, 2, 3)).tolist()])
print("BatchNorm2d running_var:", [round(v, 4) for v in bn2.running_var.tolist()])
bn2.eval()
print("BatchNorm2d eval sample:", [round(v, 4) for v in bn2(images)[0, :, 0, 0].tolist()])
no_stats = nn.BatchNorm2d(2, affine=False, track_running_stats=False)
no_stats.eval()
print(
    "no running stats uses batch stats in eval:",
    round(no_stats(images).mean().item(), 6),
    no_stats.running_mean is None,
)

# Dropout: zeroes a fraction p in training and scales the rest by 1 / (1 - p); identity in evaluation
drop = nn.Dropout(p=0.25)
ones = torch.ones(1000, 20)
dropped = drop(ones)
kept = dropped[dropped != 0]
print("train: kept values are 1/(1-p):", torch.allclose(kept, torch.full_like(kept, 4 / 3)))
print("train: about a quarter dropped:", abs((dropped == 0).float().mean().item() - 0.25) < 0.02)
drop.eval()
print("eval: identity:", torch.equal(drop(ones), ones))
print("functional dropout training=False:", torch.equal(torch.nn.functional.dropout(ones, 0.5, training=False), ones))
print("p=0 keeps everything:", torch.equal(nn.Dropout(0.0)(ones), ones))

model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2))
model.eval()
with torch.no_grad():
    first, second = model(x), model(x)
print("eval model is deterministic:", torch.equal(first, second))
model.train()
print("train mode reaches children:", model[3].training, model[1].training)

# LayerNorm normalises over the last dimensions of each sample, the same in both modes
ln = nn.LayerNorm(4)
print("LayerNorm parameters:", [(name, list(p.shape)) for name, p in ln.named_parameters()])
z = ln(x)
print("LayerNorm row means ~0:", z.mean(dim=1).abs().max().item() < 1e-5)
print("LayerNorm first row:", [round(v, 4) for v in z[0].tolist()])
ln.eval()
print("LayerNorm same in eval:", torch.allclose(ln(x), z))
ln2 = nn.LayerNorm([3, 3], elementwise_affine=False)
print(
    "LayerNorm over (3, 3):",
    round(ln2(images).var(dim=(2, 3), unbiased=False).mean().item(), 4),
    len(list(ln2.parameters())),
)
print("functional layer_norm:", torch.allclose(torch.nn.functional.layer_norm(x, (4,)), z))
