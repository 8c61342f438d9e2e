"""A tiny autoencoder on the 8x8 digits: encoder and decoder modules, one optimizer over both, and a bottleneck."""

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = 1e-3

images = (load_digits().data[:256] / 16.0).astype(np.float32)
data = torch.from_numpy(images)
loader = DataLoader(TensorDataset(data), batch_size=32, shuffle=False)


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 8))
        self.decoder = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 64), nn.Sigmoid())

    def forward(self, x):
        code = self.encoder(x)
        return self.decoder(code), code


model = AutoEncoder()
rng = np.random.default_rng(0)
with torch.no_grad():
    for param in model.parameters():
        scale = 1.0 / np.sqrt(param.shape[-1]) if param.dim() == 2 else 0.0
        param.copy_(torch.from_numpy(rng.normal(0, scale, param.shape).astype(np.float32)))

print("modules:", [name for name, _ in model.named_children()])
print("encoder parameters:", sum(p.numel() for p in model.encoder.parameters()))
criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=3e-3)

for epoch in range(5):
    running = 0.0
    for (batch,) in loader:
        reconstruction, code = model(batch)
        loss = criterion(reconstruction, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
    print(f"epoch {epoch} mean loss: {running / len(loader):.5f}")

model.eval()
with torch.no_grad():
    reconstruction, code = model(data)
print("code shape:", tuple(code.shape), "reconstruction shape:", tuple(reconstruction.shape))
print("reconstruction in (0, 1):", bool(((reconstruction > 0) & (reconstruction < 1)).all()))
print("learned something:", criterion(reconstruction, data).item() < criterion(torch.full_like(data, 0.5), data).item())

# Freeze the encoder: only the decoder's parameters change
for param in model.encoder.parameters():
    param.requires_grad_(False)
before = [p.clone() for p in model.encoder.parameters()]
optimizer = optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
model.train()
loss = criterion(model(data)[0], data)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print("encoder frozen:", all(torch.equal(a, b) for a, b in zip(before, model.encoder.parameters())))
print("encoder grads are None:", all(p.grad is None for p in model.encoder.parameters()))
