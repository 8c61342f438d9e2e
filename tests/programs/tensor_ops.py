"""In-place ops and the tensor methods a learner meets early: gather, scatter_, topk, sort, where, einsum, norm."""

import torch

TOLERANCE = 1e-5

t = torch.arange(1.0, 7.0).view(2, 3)
print("t:", t.tolist())

# In-place ops end in an underscore and return the tensor they changed
u = t.clone()
print("zero_:", u.zero_().tolist(), "same object:", u.zero_() is u)
print("fill_:", u.fill_(2.5).tolist())
u.add_(t, alpha=2)
print("add_(alpha=2):", u.tolist())
u.mul_(0.5)
print("mul_:", u.tolist())
u.sub_(1).div_(2)
print("sub_ div_:", u.tolist())
u.clamp_(min=1.0, max=2.0)
print("clamp_:", u.tolist())
u.copy_(torch.tensor([9.0, 8.0, 7.0]))
print("copy_ broadcasts:", u.tolist())
print("pow_ sqrt_ neg_ abs_:", u.pow_(2).sqrt_().neg_().abs_().tolist())
u.exp_().log_()
print("exp_ log_:", u.tolist())
print("clone is independent:", t.clone().add_(100).tolist() != t.tolist(), t[0, 0].item())
v = t.view(-1)
v[0] = -1.0
print("view shares storage:", t[0, 0].item())
t[0, 0] = 1.0

# Out-of-place counterparts and torch.* spellings
print("clamp:", t.clamp(2, 5).tolist(), torch.clamp(t, max=3).tolist())
print("add alpha:", torch.add(t, t, alpha=-1).tolist(), "sub:", torch.sub(t, 1).tolist())
print("mul/div:", torch.mul(t, 2).tolist(), torch.div(t, 4).tolist(), (t // 2).tolist(), (t % 4).tolist())
print(
    "exp/log/sqrt:", round(torch.exp(t).sum().item(), 3), round(torch.log(t).sum().item(), 5), torch.sqrt(t)[0].tolist()
)
print(
    "sin/cos/tanh/sigmoid:",
    round(t.sin().sum().item(), 5),
    round(t.cos().sum().item(), 5),
    round(torch.tanh(t).sum().item(), 5),
)
print("sigmoid:", round(torch.sigmoid(t).sum().item(), 5), round(t.sigmoid().mean().item(), 5))
print("round/floor/ceil:", (t / 4).round().tolist(), (t / 4).floor().tolist(), (t / 4).ceil().tolist())
print("sign:", torch.sign(t - 3).tolist(), "reciprocal:", t.reciprocal()[0].tolist())

# Masking and selection
mask = t > 3
print("mask:", mask.tolist(), mask.dtype == torch.bool, mask.sum().item())
print("masked_fill:", t.masked_fill(mask, 0.0).tolist())
print("masked_fill_:", t.clone().masked_fill_(~mask, -1).tolist())
print("where:", torch.where(mask, t, torch.zeros_like(t)).tolist(), torch.where(t > 2, t, 0.0).tolist())
print("nonzero:", torch.nonzero(mask).tolist(), "where(cond):", [i.tolist() for i in torch.where(mask)])
print("masked_select:", torch.masked_select(t, mask).tolist())
index = torch.tensor([[0, 2], [1, 0]])
print("gather(1):", torch.gather(t, 1, index).tolist(), t.gather(0, torch.tensor([[1, 0, 1]])).tolist())
target = torch.zeros(2, 4)
print("scatter_:", target.scatter_(1, torch.tensor([[1], [3]]), 1.0).tolist())
print(
    "scatter_ src:", torch.zeros(3, 3).scatter_(0, torch.tensor([[0, 1, 2]]), torch.tensor([[5.0, 6.0, 7.0]])).tolist()
)
print("scatter_add_:", torch.zeros(3).scatter_add_(0, torch.tensor([0, 1, 0, 2]), torch.ones(4)).tolist())
print("index_select:", t.index_select(1, torch.tensor([2, 0])).tolist())
print("one_hot:", torch.nn.functional.one_hot(torch.tensor([0, 2, 1]), num_classes=3).tolist())

# Cumulative ops, sorting, top-k
print("cumsum:", t.cumsum(dim=1).tolist(), torch.cumsum(t, 0).tolist())
print("cumprod:", torch.cumprod(torch.tensor([1.0, 2.0, 3.0, 4.0]), dim=0).tolist())
scores = torch.tensor([0.1, 0.7, 0.3, 0.9, 0.5])
values, indices = scores.topk(3)
print("topk:", values.tolist(), indices.tolist())
print("topk smallest:", torch.topk(scores, 2, largest=False).indices.tolist())
sorted_scores, order = torch.sort(scores, descending=True)
print("sort:", sorted_scores.tolist(), order.tolist(), "argsort:", scores.argsort().tolist())
print("unique:", torch.unique(torch.tensor([3, 1, 3, 2, 1])).tolist())
print("bincount:", torch.bincount(torch.tensor([0, 1, 1, 3])).tolist())

# Linear algebra and einsum
a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
b = torch.tensor([[0.5, -1.0], [2.0, 0.0]])
print("einsum ij,jk->ik:", torch.einsum("ij,jk->ik", a, b).tolist(), "mm:", torch.mm(a, b).tolist())
print(
    "einsum trace/diag/outer:",
    torch.einsum("ii", a).item(),
    torch.einsum("ii->i", a).tolist(),
    torch.einsum("i,j->ij", a[0], b[0]).tolist(),
)
batch = torch.arange(12.0).view(2, 2, 3)
print("bmm:", torch.bmm(batch, batch.transpose(1, 2)).tolist())
print("einsum batch:", torch.einsum("bij,bkj->bik", batch, batch).tolist())
print("norm:", round(a.norm().item(), 6), round(torch.norm(a, dim=1)[1].item(), 6), round(a.norm(p=1).item(), 6))
print("linalg.norm:", round(torch.linalg.norm(a).item(), 6), "dot:", torch.dot(a[0], b[0]).item())
print("outer:", torch.outer(a[0], b[1]).tolist(), "diag:", torch.diag(a).tolist(), "trace:", a.trace().item())
print("inverse:", [[round(v, 5) for v in row] for row in torch.linalg.inv(a).tolist()])

# Broadcasting and type rules
print("broadcast:", (torch.ones(3, 1) + torch.arange(4.0)).shape == (3, 4), (t - t.mean(dim=0)).sum().item())
print(
    "expand:", torch.tensor([[1.0], [2.0]]).expand(2, 3).tolist(), "repeat:", torch.tensor([1, 2]).repeat(2, 2).tolist()
)
print("int division:", (torch.tensor([5, 7]) / 2).tolist(), (torch.tensor([5, 7]) // 2).tolist())
print("int + bool:", (torch.tensor([1, 2]) + torch.tensor([True, False])).tolist())
print("max of two:", torch.max(a, b).tolist(), torch.maximum(a, b).tolist(), torch.minimum(a, b).tolist())
print("amax:", a.amax(dim=0).tolist(), "logsumexp:", round(torch.logsumexp(a, dim=1)[0].item(), 5))
print("tril/triu:", torch.tril(a).tolist(), torch.triu(torch.ones(3, 3), diagonal=1).tolist())
print("flip/roll:", torch.flip(a, dims=[0]).tolist(), torch.roll(torch.arange(4), 1).tolist())
