"""A GRU sequence classifier with batch_first=True: which of three frequencies is this noisy wave?"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-3


def make_waves(n, length, rng):
    """(n, length, 1) noisy sine waves and their class: the frequency index 0, 1 or 2."""
    labels = rng.integers(0, 3, size=n)
    frequencies = np.array([0.5, 1.0, 2.0])[labels]
    t = np.arange(length) * 0.4
    phases = rng.uniform(0, 2 * np.pi, size=n)
    waves = np.sin(frequencies[:, None] * t[None, :] + phases[:, None]) + 0.1 * rng.standard_normal((n, length))
    return waves[..., None].astype(np.float32), labels


class GRUClassifier(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        # x: (batch, seq_len, features); h_n: (num_layers, batch, hidden), never batch-first
        output, h_n = self.gru(x)
        return self.fc(h_n[-1]), output, h_n


rng = np.random.default_rng(0)
x_np, y_np = make_waves(240, 20, rng)
x_train, y_train = torch.from_numpy(x_np[:160]), torch.from_numpy(y_np[:160])
x_test, y_test = torch.from_numpy(x_np[160:]), torch.from_numpy(y_np[160:])
print("x_train:", list(x_train.shape), x_train.dtype == torch.float32, "labels:", torch.bincount(y_train).tolist())

model = GRUClassifier(1, 16, 3)
with torch.no_grad():
    for name, param in model.named_parameters():
        param.copy_(torch.from_numpy(rng.uniform(-0.25, 0.25, size=tuple(param.shape)).astype(np.float32)))
print("GRU weight shapes:", [list(p.shape) for p in model.gru.parameters()])

logits, output, h_n = model(x_train[:5])
print("logits:", list(logits.shape), "output:", list(output.shape), "h_n:", list(h_n.shape))
print("last output is h_n:", torch.allclose(output[:, -1], h_n[0]))

optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
batch_size = 32
for epoch in range(15):
    model.train()
    epoch_loss = 0.0
    for start in range(0, len(x_train), batch_size):
        xb, yb = x_train[start : start + batch_size], y_train[start : start + batch_size]
        logits, _, _ = model(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item() * len(xb)
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1}: train loss {epoch_loss / len(x_train):.4f}")

model.eval()
with torch.no_grad():
    logits, _, _ = model(x_test)
    predictions = logits.argmax(dim=1)
accuracy = (predictions == y_test).float().mean().item()
print(f"test accuracy: {accuracy:.4f}")
print("learned:", accuracy > 0.8)

# An explicit initial state and a sequence of a different length
h0 = torch.zeros(1, 3, 16)
output, h_n = model.gru(x_test[:3, :7], h0)
print("short sequence:", list(output.shape), list(h_n.shape))
