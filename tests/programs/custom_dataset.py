"""Datasets and DataLoaders: a map-style Dataset subclass, batching and collation, random_split, shuffling."""

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset, random_split

TOLERANCE = 1e-6


class PolynomialDataset(Dataset):
    """Samples (x, y) with y = x^2 - x, a sample index, and a transform applied to x when given."""

    def __init__(self, n, transform=None):
        self.x = np.linspace(-1, 1, n, dtype=np.float32)
        self.transform = transform

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        x = torch.tensor([self.x[idx]])
        y = x**2 - x
        if self.transform:
            x = self.transform(x)
        return x, y


class DictDataset(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        return {"features": torch.full((3,), float(idx)), "label": idx % 2, "name": f"sample{idx}"}


dataset = PolynomialDataset(10, transform=lambda x: x * 2)
print("len:", len(dataset))
x, y = dataset[3]
print("item:", [round(v, 5) for v in x.tolist()], [round(v, 5) for v in y.tolist()], list(x.shape))

loader = DataLoader(dataset, batch_size=4)
print("batches:", len(loader))
for batch, (xb, yb) in enumerate(loader):
    print(f"  batch {batch}: x {list(xb.shape)} y {list(yb.shape)} first x {xb[0].item():.4f}")

loader = DataLoader(dataset, batch_size=4, drop_last=True)
print("drop_last batches:", len(loader), [list(xb.shape) for xb, _ in loader])

# The default collate stacks tensors, turns numbers into tensors and lists strings
batch = next(iter(DataLoader(DictDataset(5), batch_size=3)))
print("dict batch keys:", sorted(batch.keys()))
print(
    "features:", list(batch["features"].shape), "labels:", batch["label"].tolist(), batch["label"].dtype == torch.int64
)
print("names:", batch["name"])

# Shuffling: every sample once per epoch, in a different order each epoch
torch.manual_seed(0)
tensors = TensorDataset(torch.arange(12), torch.arange(12) * 10)
shuffled = DataLoader(tensors, batch_size=5, shuffle=True)
epoch1 = torch.cat([xb for xb, _ in shuffled]).tolist()
epoch2 = torch.cat([xb for xb, _ in shuffled]).tolist()
print("every sample once:", sorted(epoch1) == list(range(12)), sorted(epoch2) == list(range(12)))
pairs_kept = all(torch.equal(yb, xb * 10) for xb, yb in shuffled)
print("order changes between epochs:", epoch1 != epoch2, "pairs kept:", pairs_kept)
generator = torch.Generator().manual_seed(7)
first = [
    xb.tolist() for xb, _ in DataLoader(tensors, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(7))
]
second = [xb.tolist() for xb, _ in DataLoader(tensors, batch_size=4, shuffle=True, generator=generator)]
print("same generator seed, same order:", first == second)

# random_split and Subset
train_set, val_set = random_split(tensors, [9, 3], generator=torch.Generator().manual_seed(42))
print(
    "random_split sizes:", len(train_set), len(val_set), "disjoint:", not set(train_set.indices) & set(val_set.indices)
)
parts = random_split(tensors, [0.5, 0.5])
print("fractions:", [len(part) for part in parts])
subset = Subset(tensors, [0, 5, 7])
print("Subset:", len(subset), subset[1][0].item(), subset[2][1].item())
print("TensorDataset tensors:", len(tensors.tensors), tensors[4][0].item(), tensors[4][1].item())

# batch_size=None turns off batching; a list of tuples is a dataset too
print("batch_size=None:", [x.item() for x, _ in DataLoader(tensors, batch_size=None)][:4])
pairs = [(torch.tensor([float(i)]), i) for i in range(4)]
xb, yb = next(iter(DataLoader(pairs, batch_size=4)))
print("list dataset:", list(xb.shape), yb.tolist())
numpy_batch = next(iter(DataLoader([np.ones(2, dtype=np.float32) * i for i in range(3)], batch_size=3)))
print("numpy items become a tensor:", isinstance(numpy_batch, torch.Tensor), list(numpy_batch.shape))
