"""A small CNN on the 8x8 digits: Conv2d, ReLU, MaxPool2d, F.max_pool2d, Flatten and Linear, NumPy-initialised."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

TOLERANCE = 1e-3

digits = load_digits()
images = (digits.images[:64] / 16.0).astype(np.float32)
x = torch.from_numpy(images).unsqueeze(1)
y = torch.from_numpy(digits.target[:64]).long()
print("input:", tuple(x.shape))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(4, 8, 3, padding=1)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.flatten(x)
        x = nn.ReLU()(self.fc1(x))
        return self.fc2(x)


net = Net()
rng = np.random.default_rng(0)
with torch.no_grad():
    for name, param in net.named_parameters():
        fan_in = int(np.prod(param.shape[1:])) if param.dim() > 1 else 1
        scale = 1.0 / np.sqrt(fan_in) if param.dim() > 1 else 0.05
        param.copy_(torch.from_numpy(rng.normal(0, scale, param.shape).astype(np.float32)))
print("parameter shapes:", [(name, tuple(p.shape)) for name, p in net.named_parameters()])
print("conv1 weight shape:", list(net.conv1.weight.shape), "bias:", list(net.conv1.bias.shape))

out = net(x)
print("output:", tuple(out.shape))
print("feature map after conv1+pool:", tuple(net.pool(F.relu(net.conv1(x))).shape))

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
for step in range(3):
    optimizer.zero_grad()
    outputs = net(x)
    loss = criterion(outputs, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss: {loss.item():.5f}")
print("conv1 grad norm:", round(net.conv1.weight.grad.norm().item(), 5))
print("fc2 bias grad:", [round(v, 5) for v in net.fc2.bias.grad.tolist()])

with torch.no_grad():
    final = criterion(net(x), y).item()
print(f"loss after 3 steps: {final:.5f}")

# A functional convolution with an explicit kernel: the 3x3 box sum
box = torch.ones(1, 1, 3, 3)
summed = F.conv2d(x[:1], box, padding=1)
print("box sum centre:", round(summed[0, 0, 4, 4].item(), 5), "numpy:", round(float(images[0, 3:6, 3:6].sum()), 5))
print("stride 2 shape:", tuple(F.conv2d(x[:2], box, stride=2).shape))
print("avg pool:", tuple(F.avg_pool2d(x[:2], 2).shape), tuple(nn.AdaptiveAvgPool2d((1, 1))(x[:2]).shape))
