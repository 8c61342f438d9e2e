"""Linear regression with nn.Linear, MSELoss and SGD: the first model of most courses."""

import numpy as np
import torch
import torch.nn as nn

TOLERANCE = 1e-4

# y = 2x + 1 with noise, made with NumPy so that both runs see the same data
rng = np.random.default_rng(42)
x_train = rng.uniform(0, 10, size=(50, 1)).astype(np.float32)
y_train = (2 * x_train + 1 + rng.normal(0, 0.5, size=(50, 1))).astype(np.float32)
inputs = torch.from_numpy(x_train)
targets = torch.from_numpy(y_train)


class LinearRegression(nn.Module):
    def __init__(self, input_dim, output_dim):
        super().__init__()
        self.linear = nn.Linear(input_dim, output_dim)

    def forward(self, x):
        return self.linear(x)


model = LinearRegression(1, 1)
with torch.no_grad():
    model.linear.weight.fill_(0.5)
    model.linear.bias.fill_(0.0)
print("model:", model)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

num_epochs = 300
for epoch in range(num_epochs):
    outputs = model(inputs)
    loss = criterion(outputs, targets)

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

    if (epoch + 1) % 60 == 0:
        print(f"Epoch [{epoch + 1}/{num_epochs}], Loss: {loss.item():.4f}")

w = model.linear.weight.item()
b = model.linear.bias.item()
print(f"learned: weight {w:.4f} bias {b:.4f}")
print("close to the truth:", abs(w - 2) < 0.1, abs(b - 1) < 0.6)

# The closed form for comparison: least squares on [x, 1]
design = torch.cat([inputs, torch.ones_like(inputs)], dim=1)
solution = torch.linalg.lstsq(design, targets).solution
print(f"least squares: weight {solution[0].item():.4f} bias {solution[1].item():.4f}")

model.eval()
with torch.no_grad():
    predicted = model(torch.tensor([[0.0], [5.0], [10.0]]))
print("predictions:", [round(v, 4) for v in predicted.squeeze(1).tolist()])
print("predicted numpy shape:", model(inputs).detach().numpy().shape)
