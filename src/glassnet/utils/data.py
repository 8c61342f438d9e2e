"""PyTorch's ``torch.utils.data``: datasets, samplers, the DataLoader, collation and random splits.

One implementation, :mod:`glassnet.data.loader`, re-exported under PyTorch's module path so that
``from torch.utils.data import DataLoader, TensorDataset`` becomes ``from glassnet.utils.data import ...``.
"""

from ..data.loader import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
