"""PyTorch's ``torch.utils``: the ``data`` package (datasets, DataLoader, collation, random splits)."""

from . import data as data

__all__ = ["data"]
