"""TensorDataset and DataLoader: batching, len(loader), iterating, and a minibatch regression training loop."""

import numpy as np
import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

TOLERANCE = 1e-4

rng = np.random.default_rng(0)
x_np = rng.normal(size=(100, 3)).astype(np.float32)
true_w = np.array([[2.0], [-1.0], [0.5]], dtype=np.float32)
y_np = (x_np @ true_w + 0.3 + 0.01 * rng.normal(size=(100, 1))).astype(np.float32)

dataset = TensorDataset(torch.from_numpy(x_np), torch.from_numpy(y_np))
print("len(dataset):", len(dataset))
first_x, first_y = dataset[0]
print("dataset[0] shapes:", tuple(first_x.shape), tuple(first_y.shape))
print("dataset[0] values:", [round(v, 5) for v in first_x.tolist()], round(first_y.item(), 5))

loader = DataLoader(dataset, batch_size=16, shuffle=False)
print("len(loader):", len(loader))
print("batch shapes:", [tuple(xb.shape) for xb, _ in loader][-2:])
dropping = DataLoader(dataset, batch_size=16, shuffle=False, drop_last=True)
print("len with drop_last:", len(dropping), "last batch:", tuple(list(dropping)[-1][0].shape))
xb, yb = next(iter(loader))
print("first batch equals slice:", torch.equal(xb, dataset.tensors[0][:16]))

model = nn.Linear(3, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, 0.1, 0.1]]))
    model.bias.fill_(0.0)
loss_fn = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.05)

for epoch in range(20):
    total = 0.0
    for xb, yb in loader:
        pred = model(xb)
        loss = loss_fn(pred, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1} mean loss: {total / len(dataset):.6f}")

print("weight:", [round(v, 4) for v in model.weight.detach().flatten().tolist()])
print("bias:", round(model.bias.item(), 4))
print("converged:", total / len(dataset) < 0.01)

# A shuffled loader visits every sample exactly once per epoch
shuffled = DataLoader(TensorDataset(torch.arange(10)), batch_size=4, shuffle=True)
seen = sorted(int(v) for (batch,) in shuffled for v in batch)
print("shuffled covers all:", seen == list(range(10)), "batches:", len(shuffled))
