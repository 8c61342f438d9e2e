"""Autograd: requires_grad, backward, .grad, no_grad, detach, retain_grad and torch.autograd.grad."""

import torch

TOLERANCE = 1e-6

# A one-layer network y = x w + b with a binary cross-entropy loss, as in the autograd tutorial
x = torch.ones(5)
y = torch.zeros(3)
w = torch.tensor([[0.1, -0.2, 0.3], [0.0, 0.5, -0.5], [0.2, 0.2, 0.2], [-0.3, 0.1, 0.0], [0.4, -0.4, 0.1]])
w.requires_grad_(True)
b = torch.tensor([0.05, -0.05, 0.0], requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print("z requires_grad:", z.requires_grad, "is_leaf:", z.is_leaf, w.is_leaf)
print("grad_fn set:", z.grad_fn is not None, loss.grad_fn is not None, w.grad_fn is None)
print("loss:", round(loss.item(), 6))
loss.backward()
print("w.grad:", w.grad.tolist())
print("b.grad:", b.grad.tolist())
print("grad is a tensor:", isinstance(w.grad, torch.Tensor), w.grad.shape == w.shape)

# Gradients accumulate until zeroed
loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.matmul(x, w) + b, y)
loss.backward()
print("accumulated b.grad:", b.grad.tolist())
w.grad.zero_()
b.grad = None
print("after zero_:", w.grad.abs().sum().item(), "b.grad is None:", b.grad is None)

# no_grad and detach
with torch.no_grad():
    z = torch.matmul(x, w) + b
print("under no_grad:", z.requires_grad, torch.is_grad_enabled())
z_det = (torch.matmul(x, w) + b).detach()
print("detached:", z_det.requires_grad)


@torch.no_grad()
def predict(inputs):
    return torch.matmul(inputs, w) + b


print("decorated no_grad:", predict(x).requires_grad)
with torch.enable_grad():
    print("enable_grad:", torch.is_grad_enabled())

# Scalars and chains: y = a^2 * 3, dy/da = 6a
a = torch.tensor(2.0, requires_grad=True)
h = a * a
h.retain_grad()
out = 3 * h
out.backward()
print("da:", a.grad.item(), "dh (retained):", h.grad.item())

# A vector output needs the vector in the vector-Jacobian product
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
q = v**2
q.backward(torch.tensor([1.0, 0.1, 0.01]))
print("vjp:", v.grad.tolist())

# torch.autograd.grad returns the gradients instead of accumulating them
s = torch.tensor([0.5, -1.0], requires_grad=True)
f = (s.sin() * s.exp()).sum()
(g,) = torch.autograd.grad(f, s)
print("autograd.grad:", g.tolist(), "s.grad untouched:", s.grad is None)

# retain_graph lets the same graph be walked twice
k = torch.tensor(3.0, requires_grad=True)
e = k.exp()
e.backward(retain_graph=True)
e.backward()
print("twice:", round(k.grad.item() / k.exp().item(), 6))

# Freezing: a tensor that does not require grad gets no .grad
frozen = torch.tensor([1.0, 2.0])
trained = torch.tensor([3.0, 4.0], requires_grad=True)
(frozen * trained).sum().backward()
print("frozen.grad:", frozen.grad, "trained.grad:", trained.grad.tolist())
print("requires_grad of int tensor:", torch.tensor([1, 2]).requires_grad)
