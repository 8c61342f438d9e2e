"""Custom autograd Functions (ctx.save_for_backward, ctx.saved_tensors, Function.apply) in a training loop."""

import math

import numpy as np
import torch

TOLERANCE = 1e-4


class MyReLU(torch.autograd.Function):
    """relu(x) = max(x, 0); d relu / dx = 1 where x > 0, else 0."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class ScaledExp(torch.autograd.Function):
    """y = exp(s x) for a Python number s; dy/dx = s y, saved from the output. s gets no gradient."""

    @staticmethod
    def forward(ctx, input, scale):
        result = torch.exp(scale * input)
        ctx.save_for_backward(result)
        ctx.scale = scale
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * ctx.scale * result, None


class LinearFunction(torch.autograd.Function):
    """y = x W^T + b; dx = dy W, dW = dy^T x, db = sum of dy over the batch."""

    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


x = torch.tensor([-2.0, -0.5, 0.5, 3.0], requires_grad=True)
relu = MyReLU.apply
y = relu(x)
y.sum().backward()
print("MyReLU forward:", y.tolist(), "backward:", x.grad.tolist())
print("grad_fn name has MyReLU:", "MyReLU" in type(y.grad_fn).__name__)

x.grad = None
z = ScaledExp.apply(x, 0.5)
z.sum().backward()
print("ScaledExp:", [round(v, 5) for v in z.tolist()], [round(v, 5) for v in x.grad.tolist()])

# gradcheck compares the hand-written backward with finite differences, in float64
inputs = (
    torch.randn(5, 3, dtype=torch.double, requires_grad=True),
    torch.randn(4, 3, dtype=torch.double, requires_grad=True),
)
print("gradcheck LinearFunction:", torch.autograd.gradcheck(LinearFunction.apply, inputs, eps=1e-6, atol=1e-4))
print("gradcheck ScaledExp:", torch.autograd.gradcheck(lambda t: ScaledExp.apply(t, 1.5), (inputs[0],)))

# A two-layer network that uses the custom Functions, trained by hand on a fixed regression problem
rng = np.random.default_rng(0)
x_data = torch.from_numpy(rng.uniform(-1, 1, size=(64, 2)).astype(np.float32))
y_data = torch.sin(math.pi * x_data[:, :1]) * x_data[:, 1:]
w1 = torch.from_numpy(rng.normal(0, 0.5, size=(16, 2)).astype(np.float32)).requires_grad_()
b1 = torch.zeros(16, requires_grad=True)
w2 = torch.from_numpy(rng.normal(0, 0.5, size=(1, 16)).astype(np.float32)).requires_grad_()
b2 = torch.zeros(1, requires_grad=True)

learning_rate = 0.05
for t in range(300):
    hidden = relu(LinearFunction.apply(x_data, w1, b1))
    y_pred = LinearFunction.apply(hidden, w2, b2)
    loss = (y_pred - y_data).pow(2).mean()
    if t % 100 == 99:
        print(f"loss at {t}: {loss.item():.6f}")
    loss.backward()
    with torch.no_grad():
        for param in (w1, b1, w2, b2):
            param -= learning_rate * param.grad
            param.grad = None

# Custom Functions and built-in ops give the same gradients
w = torch.tensor([[0.3, -0.2], [0.1, 0.4]], requires_grad=True)
LinearFunction.apply(x_data[:4], w).sum().backward()
custom = w.grad.clone()
w.grad.zero_()
torch.nn.functional.linear(x_data[:4], w).sum().backward()
print("same as built-in linear:", torch.allclose(custom, w.grad))
