"""In-place operations and everyday tensor methods: zero_, fill_, add_, clamp_, masked_fill, where, gather, topk..."""

import torch

TOLERANCE = 1e-6

x = torch.tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])

# In-place methods end in an underscore, change the tensor and return it
y = x.clone()
print("clone is a copy:", y.data_ptr() != x.data_ptr(), torch.equal(x, y))
returned = y.add_(1.0)
print("add_ returns self:", returned is y, y.tolist())
y.add_(torch.ones(2, 3), alpha=2)
print("add_ alpha:", y.tolist())
y.sub_(1).mul_(0.5)
print("sub_ then mul_:", y.tolist())
y.div_(2)
print("div_:", y.tolist())
y.clamp_(min=-1.0, max=1.0)
print("clamp_:", y.tolist())
y.fill_(7)
print("fill_:", y.tolist())
y.zero_()
print("zero_:", y.tolist())
y.copy_(x)
print("copy_:", y.tolist())
y.abs_()
print("abs_:", y.tolist())
y.pow_(2).sqrt_()
print("pow_ sqrt_:", y.tolist())
y.neg_()
print("neg_:", y.tolist())
y.exp_()
print("exp_ row 0:", [round(v, 6) for v in y[0].tolist()])
x2 = x.clone()
x2 += 1
x2 *= 2
x2 -= torch.tensor([1.0, 2.0, 3.0])
x2 /= 4
print("augmented assignment:", x2.tolist())
print("x unchanged:", x.tolist())

# Out-of-place versions
print("clamp:", x.clamp(-3, 3).tolist(), torch.clamp(x, min=0).tolist())
print("masked_fill:", x.masked_fill(x < 0, 0.0).tolist())
z = x.clone()
z.masked_fill_(z > 2, -1.0)
print("masked_fill_:", z.tolist())
print("where:", torch.where(x > 0, x, torch.zeros_like(x)).tolist())
print("where scalar:", torch.where(x > 0, x, 0.0).tolist())
print("nonzero:", (x > 0).nonzero().tolist())

# gather picks along a dimension, as when reading out the log-probability of each target
logits = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.0, 0.0, 1.0]])
targets = torch.tensor([1, 0, 2])
print("gather:", logits.gather(1, targets.unsqueeze(1)).squeeze(1).tolist())
print("torch.gather dim 0:", torch.gather(logits, 0, torch.tensor([[2, 1, 0]])).tolist())
print("index_select:", logits.index_select(0, torch.tensor([2, 0])).tolist())
scattered = torch.zeros(3, 3).scatter_(1, targets.unsqueeze(1), 1.0)
print("scatter_ one-hot:", scattered.tolist())
print("one_hot:", torch.nn.functional.one_hot(targets, num_classes=3).tolist())

# Cumulative sums, sorting, topk
r = torch.tensor([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0])
print("cumsum:", r.cumsum(dim=0).tolist(), torch.cumsum(x, dim=1).tolist())
values, indices = r.topk(3)
print("topk:", values.tolist(), indices.tolist())
print("topk smallest:", torch.topk(r, 2, largest=False).values.tolist())
sorted_values, order = torch.sort(r, descending=True)
print("sort descending:", sorted_values.tolist(), order.tolist())
print("sort method:", r.sort().values.tolist(), "argsort:", r.argsort().tolist())
print("unique:", torch.tensor([3, 1, 3, 2, 1]).unique().tolist())

# einsum
a = torch.arange(6.0).reshape(2, 3)
b = torch.arange(12.0).reshape(3, 4)
print("einsum matmul:", torch.einsum("ij,jk->ik", a, b).tolist())
print("einsum trace:", torch.einsum("ii->", torch.arange(9.0).reshape(3, 3)).item())
print("einsum outer:", torch.einsum("i,j->ij", torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0])).tolist())
batch = torch.arange(24.0).reshape(2, 3, 4)
print("einsum batched:", torch.einsum("bij,bjk->bik", batch, batch.transpose(1, 2)).shape == (2, 3, 3))
print(
    "bmm agrees:",
    torch.equal(torch.einsum("bij,bjk->bik", batch, batch.transpose(1, 2)), torch.bmm(batch, batch.transpose(1, 2))),
)

# Elementwise maths
print("exp/log:", torch.log(torch.exp(torch.tensor([0.5, 1.0]))).tolist())
print(
    "sigmoid/tanh:",
    [round(v, 6) for v in torch.sigmoid(torch.tensor([0.0, 2.0])).tolist()],
    torch.tanh(torch.tensor(0.0)).item(),
)
print("max of two:", torch.maximum(x, torch.zeros(3)).tolist(), torch.minimum(x, torch.zeros(3)).tolist())
print(
    "sign/round/floor:",
    x.sign().tolist(),
    torch.tensor([1.4, -2.6]).round().tolist(),
    torch.tensor([1.4, -2.6]).floor().tolist(),
)
print("norm:", round(x.norm().item(), 6), round(torch.linalg.norm(x, dim=1)[0].item(), 6))
print("repeat/expand:", torch.tensor([1, 2]).repeat(2, 2).tolist(), torch.tensor([[1], [2]]).expand(2, 3).tolist())
print("flip/roll:", torch.tensor([1, 2, 3]).flip(0).tolist(), torch.roll(torch.tensor([1, 2, 3]), 1).tolist())
print("tril/triu:", torch.tril(torch.ones(3, 3)).tolist(), torch.triu(torch.ones(2, 2), diagonal=1).tolist())
