"""The MNIST example's CNN on the 8x8 digits: Conv2d, max_pool2d, Dropout, log_softmax, Adadelta and StepLR."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from sklearn.datasets import load_digits
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = 1e-4


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1)
        self.conv2 = nn.Conv2d(16, 32, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(128, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(model, device, train_loader, optimizer, epoch, log_interval=20):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % log_interval == 0:
            seen = batch_idx * len(data)
            total = len(train_loader.dataset)
            # The loss depends on the dropout masks, so only its sanity is printed
            print(f"Train Epoch: {epoch} [{seen}/{total} ({100.0 * batch_idx / len(train_loader):.0f}%)]", end="")
            print(f"\tLoss finite: {bool(torch.isfinite(loss))}")


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    return test_loss, correct


use_cuda = torch.cuda.is_available()
device = torch.device("cuda" if use_cuda else "cpu")
torch.manual_seed(1)

digits = load_digits()
images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
labels = torch.tensor(digits.target)
mean, std = images[:600].mean().item(), images[:600].std().item()
images = (images - mean) / std
print("images:", list(images.shape), f"mean {mean:.4f} std {std:.4f}")

train_loader = DataLoader(TensorDataset(images[:600], labels[:600]), batch_size=16, shuffle=True)
test_loader = DataLoader(TensorDataset(images[600:800], labels[600:800]), batch_size=100)

model = Net().to(device)
# Deterministic starting weights from NumPy, in the order the parameters are registered
rng = np.random.default_rng(0)
with torch.no_grad():
    for name, param in model.named_parameters():
        fan_in = param[0].numel() if param.dim() > 1 else 10
        values = rng.uniform(-1, 1, size=tuple(param.shape)) / np.sqrt(fan_in)
        param.copy_(torch.from_numpy(values.astype(np.float32)))

test_loss, correct = test(model, device, test_loader)
print(f"Initial test set: Average loss: {test_loss:.4f}, Accuracy: {correct}/{len(test_loader.dataset)}")

optimizer = optim.Adadelta(model.parameters(), lr=1.0)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
for epoch in range(1, 5):
    train(model, device, train_loader, optimizer, epoch)
    test_loss, correct = test(model, device, test_loader)
    print(f"Epoch {epoch} lr: {scheduler.get_last_lr()[0]:.4f}")
    scheduler.step()
print("Learned: test loss below 0.8:", test_loss < 0.8, "accuracy above 75%:", correct / 200 > 0.75)
print("lr after four epochs:", round(optimizer.param_groups[0]["lr"], 6))
print("output shape:", list(model(images[:3]).shape), "parameters:", sum(p.numel() for p in model.parameters()))
