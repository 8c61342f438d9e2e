"""Fit a cubic to sin(x) with autograd: requires_grad weights, backward, and a manual update under no_grad."""

import math

import torch

TOLERANCE = 1e-4

dtype = torch.float
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)

a = torch.tensor(0.1, dtype=dtype, requires_grad=True)
b = torch.tensor(-0.2, dtype=dtype, requires_grad=True)
c = torch.tensor(0.3, dtype=dtype, requires_grad=True)
d = torch.tensor(-0.1, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x**2 + d * x**3
    loss = (y_pred - y).pow(2).sum()
    if t % 500 == 499:
        print(f"loss at {t}: {loss.item():.4f}")

    loss.backward()

    # The update must not be recorded by autograd
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        # Two ways to clear the gradients: zero them in place, or drop them
        a.grad.zero_()
        b.grad.zero_()
        c.grad = None
        d.grad = None

print(f"result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")
print("still leaves:", a.is_leaf, a.requires_grad, "grad after zero_:", a.grad.item(), "grad dropped:", c.grad is None)
