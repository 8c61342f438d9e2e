"""A custom torch.autograd.Function with ctx.save_for_backward, used to fit a cubic to sin(x)."""

import math

import torch

TOLERANCE = 1e-4


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2, with the derivative written by hand."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class ScaledClamp(torch.autograd.Function):
    """Two inputs, one of them a plain Python number that gets no gradient."""

    @staticmethod
    def forward(ctx, input, scale):
        ctx.scale = scale
        ctx.save_for_backward(input)
        return input.clamp(min=0) * scale

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad = grad_output * ctx.scale
        grad = grad.clone()
        grad[input < 0] = 0
        return grad, None


# Check the hand-written gradient against autograd on the same formula
v = torch.tensor([-0.5, 0.2, 0.9], requires_grad=True)
LegendrePolynomial3.apply(v).sum().backward()
custom = v.grad.clone()
v.grad = None
(0.5 * (5 * v**3 - 3 * v)).sum().backward()
print("custom grad:", [round(g, 6) for g in custom.tolist()])
print("matches autograd:", torch.allclose(custom, v.grad))

u = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
out = ScaledClamp.apply(u, 3.0)
out.sum().backward()
print("scaled clamp:", out.tolist(), "grad:", u.grad.tolist())
print("output has grad_fn:", out.grad_fn is not None, out.requires_grad)

# Training: y = a + b * P3(c + d * x)
dtype = torch.float
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)
a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(2000):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 500 == 499:
        print(f"loss at {t}: {loss.item():.4f}")
    loss.backward()
    with torch.no_grad():
        for param in (a, b, c, d):
            param -= learning_rate * param.grad
            param.grad = None

print(f"result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)")
