"""Tensors: creation, dtypes, indexing, shape ops, reductions and the NumPy bridge."""

import numpy as np
import torch

TOLERANCE = 1e-6

# Creating tensors
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print("x_data:", x_data.tolist())
print("x_data dtype:", x_data.dtype)
print("x_data is long:", x_data.dtype == torch.long, x_data.dtype == torch.int64)
print("shape object:", x_data.shape)
print("size():", x_data.size(), x_data.size(0), x_data.size(-1))

x_ones = torch.ones_like(x_data)
x_zeros = torch.zeros_like(x_data, dtype=torch.float)
print("ones_like:", x_ones.tolist(), x_ones.dtype == torch.int64)
print("zeros_like float:", x_zeros.tolist(), x_zeros.dtype == torch.float32)
print("full:", torch.full((2, 3), 7.0).tolist())
print("full_like:", torch.full_like(x_data, 5).tolist())
print("arange:", torch.arange(5).tolist(), torch.arange(1, 2.5, 0.5).tolist())
print("linspace:", torch.linspace(0, 1, steps=5).tolist())
print("eye:", torch.eye(3).tolist())
print("zeros(2, 3) shape:", list(torch.zeros(2, 3).shape), list(torch.zeros((2, 3)).shape))
print("empty shape:", list(torch.empty(3, 2).shape))

torch.manual_seed(0)
r = torch.rand(4, 5)
n = torch.randn(1000)
print("rand in [0, 1):", bool(((r >= 0) & (r < 1)).all()))
print("randn mean near 0:", abs(n.mean().item()) < 0.2, "std near 1:", abs(n.std().item() - 1) < 0.2)
print("randint in range:", bool(((torch.randint(0, 10, (50,)) >= 0) & (torch.randint(0, 10, (50,)) < 10)).all()))
print("rand_like shape:", list(torch.rand_like(r).shape), "randn_like dtype:", torch.randn_like(r).dtype == r.dtype)
print("randperm sorted:", sorted(torch.randperm(6).tolist()))

# dtypes and conversion
f = torch.tensor([1.7, -2.2, 3.5])
print("default float dtype:", f.dtype == torch.float32, torch.get_default_dtype() == torch.float32)
print(".long():", f.long().tolist(), f.long().dtype == torch.long)
print(".int():", f.int().tolist(), f.int().dtype == torch.int32)
print(".double():", f.double().dtype == torch.float64)
print(".to(float64):", f.to(torch.float64).dtype == torch.double)
print(".bool():", torch.tensor([0, 2, 0]).bool().tolist(), torch.tensor([0, 1]).bool().dtype == torch.bool)
print(".float():", x_data.float().dtype == torch.float, x_data.float().tolist())
print("type promotion int*float:", (x_data * 0.5).dtype == torch.float32)
print("is_floating_point:", f.is_floating_point(), x_data.is_floating_point())
print("torch.is_tensor:", torch.is_tensor(f), torch.is_tensor([1.0]))

# Indexing and slicing
t = torch.arange(12).reshape(3, 4)
print("first row:", t[0].tolist(), "first column:", t[:, 0].tolist(), "last column:", t[..., -1].tolist())
print("t[1, 2]:", t[1, 2].item(), "t[1][2]:", t[1][2].item())
print("boolean mask:", t[t > 6].tolist())
print("fancy index:", t[[0, 2]].tolist(), t[torch.tensor([2, 0]), torch.tensor([1, 3])].tolist())
u = torch.zeros(3, 4)
u[:, 1] = 1
u[2] = torch.tensor([5.0, 6.0, 7.0, 8.0])
u[u > 6] = -1
print("setitem:", u.tolist())

# Shapes
v = torch.arange(24)
print("view(2, 3, 4):", list(v.view(2, 3, 4).shape), "view(-1, 6):", list(v.view(-1, 6).shape))
print("reshape(4, -1):", list(v.reshape(4, -1).shape))
print("view_as:", list(v.view_as(torch.zeros(6, 4)).shape))
p = v.view(2, 3, 4)
print("permute(2, 0, 1):", list(p.permute(2, 0, 1).shape))
print("transpose(0, 2):", list(p.transpose(0, 2).shape), "is_contiguous:", p.transpose(0, 2).is_contiguous())
print("contiguous().view:", list(p.transpose(0, 2).contiguous().view(-1).shape))
m = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print("t():", m.t().tolist(), "m.T:", m.T.tolist())
print("cat dim=0:", torch.cat([m, m], dim=0).shape[0], "cat dim=1:", torch.cat((m, m), 1).tolist())
print("stack:", list(torch.stack([m, m, m]).shape), list(torch.stack([m, m], dim=2).shape))
s = torch.zeros(2, 1, 3, 1)
print("squeeze:", list(s.squeeze().shape), list(s.squeeze(1).shape), list(s.squeeze(0).shape))
print("unsqueeze:", list(m.unsqueeze(0).shape), list(m.unsqueeze(-1).shape), list(m[None, :, None].shape))
print("flatten:", list(p.flatten().shape), list(torch.flatten(p, start_dim=1).shape))
print("numel:", p.numel(), "dim:", p.dim(), "ndim:", p.ndim)
a, b = m.chunk(2, dim=1)
print("chunk:", a.tolist(), b.tolist())
print("split:", [list(part.shape) for part in torch.arange(10).split(4)])

# Reductions
print("sum:", m.sum().item(), "sum(dim=0):", m.sum(dim=0).tolist(), "sum(1, keepdim):", m.sum(1, keepdim=True).tolist())
print("mean:", m.mean().item(), "mean(dim=1):", m.mean(dim=1).tolist())
values, indices = m.max(dim=1)
print("max(dim=1):", values.tolist(), indices.tolist())
result = torch.max(m, 0)
print("torch.max(m, 0):", result.values.tolist(), result.indices.tolist())
print("min(dim=0):", m.min(dim=0)[0].tolist(), "max():", m.max().item())
print("argmax:", m.argmax().item(), m.argmax(dim=1).tolist(), torch.argmax(m, dim=0).tolist())
print("std:", m.std().item(), "var(dim=1):", m.var(dim=1).tolist(), "var unbiased=False:", m.var(unbiased=False).item())
print("prod:", m.prod().item(), "abs().sum():", (-m).abs().sum().item())
print("allclose:", torch.allclose(m, m + 1e-9), torch.allclose(m, m + 1))
print("equal:", torch.equal(m, m.clone()), torch.equal(m, m * 2))
print("eq elementwise:", (m == m.clone()).all().item(), (m == 2.0).tolist())
print("any/all:", (m > 5).any().item(), (m > 0).all().item())
print("matmul:", (m @ m.T).tolist(), torch.matmul(m, torch.ones(3)).tolist(), m.mm(m.t()).shape[0])
print("item type:", type(m.sum().item()).__name__, type(x_data.sum().item()).__name__)

# The NumPy bridge: from_numpy and .numpy() share memory
arr = np.ones(5)
ft = torch.from_numpy(arr)
np.add(arr, 1, out=arr)
print("from_numpy shares memory:", ft.tolist(), ft.dtype == torch.float64)
ct = torch.ones(3)
cn = ct.numpy()
ct.add_(1)
print(".numpy() shares memory:", cn.tolist())
print("torch.tensor copies:", torch.tensor(arr).add_(10).tolist(), arr.tolist())
print("as_tensor:", torch.as_tensor([1, 2, 3]).tolist())
print("numpy type:", type(ct.numpy()).__name__)
