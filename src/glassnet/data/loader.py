"""Datasets, the DataLoader that batches them, a stratified train/test split, and standardisation.

The loader covers the three regimes of gradient descent with one argument: ``batch_size=None``
is full-batch descent (one batch per epoch), ``1`` is stochastic descent, ``k`` is mini-batch.
For arrays held in memory a batch is one fancy-index per array, never a loop over samples.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator

import numpy as np

from ..backend import default_rng, get_default_dtype
from ..tensor import Tensor


def _as_arrays(arrays: tuple) -> tuple[np.ndarray, ...]:
    """NumPy views of ``arrays`` (Tensors unwrapped, lists converted), checked to share their first dimension."""
    if not arrays:
        raise ValueError("expected at least one array")
    converted = tuple(Tensor(a)._data for a in arrays)
    if any(a.ndim == 0 for a in converted):
        raise ValueError("expected arrays with a sample axis, got a 0-d array")
    lengths = [len(a) for a in converted]
    if len(set(lengths)) > 1:
        raise ValueError(f"arrays must have the same first dimension, got lengths {lengths}")
    return converted


class Dataset(ABC):
    """A sized collection of samples; ``dataset[i]`` is one sample as a tuple of arrays (inputs, targets, ...)."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def __getitem__(self, index) -> tuple: ...

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        """The samples at ``indices`` stacked along a new first axis, one array per field.

        This generic version fetches samples one by one; datasets held in memory override it
        with a single vectorised index (see :class:`ArrayDataset`).
        """
        items = [self[int(i)] for i in indices]
        items = [item if isinstance(item, tuple) else (item,) for item in items]
        return tuple(np.stack([np.asarray(field) for field in fields]) for fields in zip(*items))


class ArrayDataset(Dataset):
    """Samples are the rows of arrays that share their first dimension (PyTorch's ``TensorDataset``).

    Args:
        *arrays: NumPy arrays or glassnet Tensors, each of shape (N, ...).

    ``dataset[index]`` accepts an int, a slice or an integer array and returns a tuple of NumPy
    arrays, one index operation per array.
    """

    def __init__(self, *arrays):
        self.arrays = _as_arrays(arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        """The rows at ``indices`` of every array: one fancy-index each (a copy, safe to modify)."""
        return self[indices]

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"ArrayDataset({shapes})"


TensorDataset = ArrayDataset


class DataLoader:
    """Iterate over a dataset in batches of glassnet Tensors, optionally reshuffled every epoch.

    Args:
        dataset: a :class:`Dataset`, or a tuple/list of arrays (wrapped in :class:`ArrayDataset`).
        batch_size: samples per batch; ``None`` puts every sample in one batch (full-batch gradient
            descent), ``1`` gives stochastic descent, ``k`` mini-batches of ``k``.
        shuffle: draw a new permutation of the samples from the loader's generator at the start of
            every epoch (reproducible for a seed, different from one epoch to the next).
        drop_last: drop the final batch when it holds fewer than ``batch_size`` samples.
        rng: a ``numpy.random.Generator``, an int seed, or None for the global generator
            (``glassnet.manual_seed``), used for shuffling and passed to ``transform``.
        transform: optional ``transform(x_batch, rng) -> x_batch`` applied to the first array of
            every batch (data augmentation).

    Each batch is a tuple of Tensors, one per dataset field, of shape (B, ...); dtypes are kept as
    stored (float32 inputs stay float32, int64 labels stay int64). ``len(loader)`` is the number of
    batches per epoch, as in PyTorch: ceil(N / batch_size), or floor(N / batch_size) with ``drop_last``.
    """

    def __init__(
        self,
        dataset: Dataset | tuple | list,
        batch_size: int | None = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        rng: np.random.Generator | int | None = None,
        transform: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    ):
        if isinstance(dataset, (tuple, list)):
            dataset = ArrayDataset(*dataset)
        if not isinstance(dataset, Dataset):
            raise TypeError(f"DataLoader expects a Dataset or a tuple of arrays, got {type(dataset).__name__}")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)):
            raise TypeError(f"batch_size must be a positive int or None, got {batch_size!r}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be a positive int or None, got {batch_size}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.transform = transform
        # None resolves to the global generator at each epoch, so a later manual_seed still applies.
        self._rng = np.random.default_rng(rng) if isinstance(rng, (int, np.integer)) else rng

    @property
    def generator(self) -> np.random.Generator:
        """The generator that shuffles and feeds ``transform`` (the global one unless ``rng`` was given)."""
        return self._rng if self._rng is not None else default_rng()

    @property
    def num_samples(self) -> int:
        """Samples in the dataset (every one is seen once per epoch, unless ``drop_last`` drops a few)."""
        return len(self.dataset)

    def _step(self) -> int:
        return self.batch_size if self.batch_size is not None else max(self.num_samples, 1)

    def __len__(self) -> int:
        n, k = self.num_samples, self._step()
        return n // k if self.drop_last else math.ceil(n / k)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        # The permutation is drawn here, not lazily at the first batch, so state_dict() taken after
        # iter() already reflects this epoch's draw.
        n = self.num_samples
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        return self._batches(order)

    def _batches(self, order: np.ndarray) -> Iterator[tuple[Tensor, ...]]:
        k = self._step()
        for start in range(0, len(self) * k, k):
            batch = self.dataset.get_batch(order[start : start + k])
            if self.transform is not None:
                batch = (self.transform(batch[0], self.generator), *batch[1:])
            yield tuple(Tensor(field) for field in batch)

    def state_dict(self) -> dict:
        """The generator's ``bit_generator`` state: restoring it replays the same shuffles and augmentations."""
        return {"rng_state": self.generator.bit_generator.state}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the generator state saved by :meth:`state_dict`."""
        self.generator.bit_generator.state = state_dict["rng_state"]

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last})"
        )


def _test_count(test_size: float | int, n: int) -> int:
    """Number of test samples: ``ceil(test_size * n)`` for a fraction, the value itself for an int."""
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        count = int(test_size)
        if not 0 < count < n:
            raise ValueError(f"test_size={count} must leave both splits non-empty for {n} samples")
        return count
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size as a fraction must lie in (0, 1), got {test_size}")
    count = math.ceil(test_size * n)
    if count >= n:
        raise ValueError(f"test_size={test_size} leaves no training samples out of {n}")
    return count


def _stratified_test_mask(labels: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask choosing ``n_test`` samples at random, each class's share rounded to within one.

    Class c of size m_c gets q_c = n_test * m_c / N test samples ideally; every class takes floor(q_c)
    and the remaining seats go to the largest fractional parts (the largest-remainder method), so the
    total is exactly ``n_test`` and every |count_c - q_c| < 1.
    """
    classes, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes, minlength=len(classes))
    quota = n_test * counts / len(labels)
    per_class = np.floor(quota).astype(np.int64)
    remaining = n_test - int(per_class.sum())
    per_class[np.argsort(-(quota - per_class), kind="stable")[:remaining]] += 1

    # Group a random permutation by class (a stable sort keeps the random order inside each class),
    # then each sample's rank inside its class decides whether it is among that class's test picks.
    grouped = rng.permutation(len(labels))
    grouped = grouped[np.argsort(codes[grouped], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    grouped_codes = codes[grouped]
    rank = np.arange(len(labels)) - starts[grouped_codes]
    mask = np.zeros(len(labels), dtype=bool)
    mask[grouped] = rank < per_class[grouped_codes]
    return mask


def train_test_split(*arrays, test_size: float | int = 0.25, stratify=None, seed: int = 0) -> list[np.ndarray]:
    """Split arrays into random train and test parts: ``[a_train, a_test, b_train, b_test, ...]``.

    Args:
        *arrays: arrays (or Tensors) of the same length N.
        test_size: a fraction in (0, 1) (the test part gets ``ceil(test_size * N)`` samples) or a count.
        stratify: labels of length N; when given, every class keeps its proportion in both parts
            (per-class counts within one sample of exact, the total test size exact).
        seed: seed of the generator that draws the split.

    Returns NumPy arrays, in scikit-learn's order; both parts come in random order.
    """
    arrays = _as_arrays(arrays)
    n = len(arrays[0])
    n_test = _test_count(test_size, n)
    rng = np.random.default_rng(seed)
    if stratify is None:
        order = rng.permutation(n)
        test_idx, train_idx = order[:n_test], order[n_test:]
    else:
        labels = Tensor(stratify)._data
        if labels.shape != (n,):
            raise ValueError(f"stratify must hold one label per sample, shape ({n},), got {labels.shape}")
        is_test = _stratified_test_mask(labels, n_test, rng)
        order = rng.permutation(n)  # so neither part comes out sorted by class
        test_idx, train_idx = order[is_test[order]], order[~is_test[order]]
    return [part for a in arrays for part in (a[train_idx], a[test_idx])]


class Standardizer:
    """Per-feature standardisation z = (x - mean) / scale, fitted on the training data.

    ``mean_`` and ``scale_`` (the population standard deviation, ddof=0, as scikit-learn's
    ``StandardScaler``) have the shape of one sample, X.shape[1:]. A constant feature gets scale 1,
    so it maps to 0 instead of dividing by zero. Statistics are computed in float64; outputs keep a
    floating input's dtype and give other inputs the default dtype.
    """

    def __init__(self):
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, X) -> Standardizer:
        """Compute the mean and scale of every feature over the samples (axis 0) of X."""
        X = Tensor(X)._data
        if len(X) == 0:
            raise ValueError("cannot fit a Standardizer on 0 samples")
        X64 = X.astype(np.float64)
        self.mean_ = X64.mean(axis=0)
        std = X64.std(axis=0)
        # A feature is constant exactly when its range is zero; its computed std may be a rounding residue.
        self.scale_ = np.where(np.ptp(X64, axis=0) == 0, 1.0, std)
        return self

    def _checked(self, X) -> tuple[np.ndarray, np.dtype]:
        if self.mean_ is None:
            raise RuntimeError("this Standardizer is not fitted yet: call fit(X) first")
        X = Tensor(X)._data
        if X.shape[1:] != self.mean_.shape:
            raise ValueError(f"expected samples of shape {self.mean_.shape}, got {X.shape[1:]}")
        return X, X.dtype if X.dtype.kind == "f" else get_default_dtype()

    def transform(self, X) -> np.ndarray:
        """(X - mean_) / scale_, in X's floating dtype."""
        X, dtype = self._checked(X)
        return ((X - self.mean_) / self.scale_).astype(dtype)

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Z * scale_ + mean_: back to the original units."""
        Z, dtype = self._checked(Z)
        return (Z * self.scale_ + self.mean_).astype(dtype)
