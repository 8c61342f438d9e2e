"""Datasets, samplers and the DataLoader with ``torch.utils.data``'s names and behaviour; splits and standardisation.

A PyTorch input pipeline runs unchanged: map-style and iterable datasets, ``TensorDataset``, ``Subset``,
``ConcatDataset``, ``random_split``, the samplers, and a ``DataLoader`` whose batches are what PyTorch's
``default_collate`` makes (a dataset of ``(x, y)`` tuples gives ``[x_batch, y_batch]``). Shuffling draws from
``generator=`` (a ``glassnet.Generator``, a NumPy Generator) or the global generator (``glassnet.manual_seed``),
so a seed gives the same order on every run; the numbers differ from PyTorch's, whose generator is another.

For arrays held in memory (:class:`ArrayDataset`, :class:`TensorDataset` and subsets of them) a batch is
one fancy-index per array, never a loop over samples: that is the path ``glassnet.train.fit`` runs on.
Everything runs in the calling process: ``num_workers`` and ``pin_memory`` are accepted and change nothing
but speed in PyTorch, so the batches are the same.
"""

from __future__ import annotations

import bisect
import collections.abc
import copy
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..backend import default_float, random_generator
from ..creation import stack
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


# ---------------------------------------------------------------------------------------------- datasets
class Dataset:
    """A map-style dataset (PyTorch's): ``dataset[i]`` is one sample, ``len(dataset)`` the number of samples.

    Subclasses define ``__getitem__`` and ``__len__``. ``a + b`` is ``ConcatDataset([a, b])``. A subclass
    may also define ``get_batch(indices) -> tuple of arrays`` (one array per field, samples stacked on
    axis 0) to give the DataLoader a vectorised path; the batches must equal what collating the samples gives.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream (PyTorch's): subclasses define ``__iter__``; the DataLoader batches what it yields."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other):
        raise NotImplementedError("ConcatDataset of an IterableDataset: chain the iterables instead")


class ArrayDataset(Dataset):
    """Samples are the rows of arrays that share their first dimension; items are tuples of NumPy arrays.

    Args:
        *arrays: NumPy arrays or glassnet Tensors, each of shape (N, ...), kept without a copy.

    ``dataset[index]`` accepts an int, a slice or an integer array: one index operation per array.
    :class:`TensorDataset` is the same with Tensors as items, as PyTorch's.
    """

    def __init__(self, *arrays):
        self.arrays = _as_arrays(arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index) -> tuple:
        return tuple(a[index] for a in self.arrays)

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        """The rows at ``indices`` of every array: one fancy-index each (a copy, safe to modify)."""
        return tuple(a[indices] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"{type(self).__name__}({shapes})"


class TensorDataset(ArrayDataset):
    """PyTorch's ``TensorDataset(*tensors)``: sample i is ``tuple(t[i] for t in tensors)``, Tensors sharing storage.

    Every tensor (NumPy arrays are accepted too) must have the same length along axis 0.
    """

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        return tuple(Tensor._wrap(a) for a in self.arrays)

    def __getitem__(self, index) -> tuple[Tensor, ...]:
        return tuple(Tensor._wrap(np.asarray(a[index])) for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``subset[i] = dataset[indices[i]]``."""

    def __init__(self, dataset, indices: Sequence[int]):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list) -> list:
        return _fetch(self.dataset, [self.indices[i] for i in indices])

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after another: index i falls in the dataset whose cumulative size first exceeds it."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def _locate(self, index: int) -> tuple[int, int]:
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        return which, index - (self.cumulative_sizes[which - 1] if which else 0)

    def __getitem__(self, index):
        which, local = self._locate(index)
        return self.datasets[which][local]


def random_split(dataset, lengths: Sequence[int | float], generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset`s of the given lengths, as PyTorch's.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1: each split gets
    floor(n * fraction) and the samples left over go one each to the splits in turn from the first.
    The permutation comes from ``generator`` (a ``glassnet.Generator``, a NumPy Generator, or None for
    the global one), so a seeded generator gives the same split every run.
    """
    lengths = list(lengths)
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(math.floor(n * fraction))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2
                )
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length of the input dataset ({n})")
    order = random_generator(generator).permutation(n).tolist()
    ends = np.cumsum(lengths).tolist()
    return [Subset(dataset, order[end - length : end]) for end, length in zip(ends, lengths)]


def _fetch(dataset, indices: list) -> list:
    """The samples at ``indices``, through ``__getitems__`` where the dataset has it (PyTorch's protocol)."""
    getitems = getattr(dataset, "__getitems__", None)
    return getitems(indices) if callable(getitems) else [dataset[i] for i in indices]


def _batch_getter(dataset) -> Callable[[np.ndarray], tuple] | None:
    """The vectorised ``indices -> tuple of arrays`` of a dataset held in memory, or None for per-sample fetching."""
    if isinstance(dataset, Subset):
        inner = _batch_getter(dataset.dataset)
        if inner is None:
            return None
        positions = np.asarray(dataset.indices, dtype=np.int64)
        return lambda indices: inner(positions[indices])
    if isinstance(dataset, ConcatDataset):
        getters = [_batch_getter(d) for d in dataset.datasets]
        if any(g is None for g in getters):
            return None
        return lambda indices: _concat_batch(dataset, getters, indices)
    getter = getattr(dataset, "get_batch", None)
    return getter if callable(getter) else None


def _concat_batch(dataset: ConcatDataset, getters: list, indices: np.ndarray) -> tuple:
    """One get_batch per part for the indices that fall in it, reassembled in the order asked for."""
    ends = np.asarray(dataset.cumulative_sizes)
    which = np.searchsorted(ends, indices, side="right")
    positions, parts = [], []
    for k in np.unique(which):
        mine = np.flatnonzero(which == k)
        positions.append(mine)
        parts.append(getters[k](indices[mine] - (ends[k - 1] if k else 0)))
    order = np.argsort(np.concatenate(positions), kind="stable")
    return tuple(np.concatenate(fields)[order] for fields in zip(*parts))


# ---------------------------------------------------------------------------------------------- samplers
class Sampler:
    """An iterable of dataset indices (PyTorch's base class): subclasses define ``__iter__`` and usually ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def order(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices, or ``num_samples`` indices drawn with ``replacement``.

    Without replacement and with ``num_samples`` > n, whole permutations follow each other and the last
    one is cut, as PyTorch does. The order is drawn when iteration starts, from ``generator`` (or the
    global generator at that moment).
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        self.data_source, self.replacement, self._num_samples, self.generator = (
            data_source, replacement, num_samples, generator,
        )  # fmt: skip
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def order(self) -> np.ndarray:
        """This epoch's indices, drawn now."""
        rng, n, k = random_generator(self.generator), len(self.data_source), self.num_samples
        if self.replacement:
            return rng.integers(0, n, size=k)
        if k == n:
            return rng.permutation(n)
        return np.concatenate([rng.permutation(n) for _ in range(-(-k // n))])[:k]

    def __iter__(self) -> Iterator[int]:
        return iter(self.order().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, redrawn every epoch."""

    def __init__(self, indices: Sequence[int], generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self) -> Iterator[int]:
        order = random_generator(self.generator).permutation(len(self.indices))
        return iter([self.indices[i] for i in order])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights`` (with or without replacement)."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        self.weights = np.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if self.weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {self.weights.shape}")
        if not replacement and num_samples > len(self.weights):
            raise RuntimeError("cannot draw more samples than there are weights without replacement")
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        drawn = random_generator(self.generator).choice(len(p), self.num_samples, replace=self.replacement, p=p)
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``; the last one shorter unless ``drop_last``."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for index in self.sampler:
            batch.append(int(index))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ---------------------------------------------------------------------------------------------- collation
_COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_text_array(array: np.ndarray) -> bool:
    return array.dtype.kind in "SaUO"


def default_collate(batch: Sequence):
    """Stack a list of samples into a batch, field by field, as PyTorch's ``default_collate``.

    Tensors and NumPy arrays are stacked on a new axis 0 (a Tensor); Python floats become a float64
    Tensor, ints an int64 one (bools a bool one), NumPy scalars a Tensor of their dtype; strings stay a
    list; dicts are collated per key, named tuples per field; tuples and lists give a list with one
    batch per position (PyTorch's rule: ``(x, y)`` samples give ``[x_batch, y_batch]``).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        _check_equal_shapes(batch)
        if any(t.requires_grad for t in batch):
            return stack(batch, 0)  # keeps the graph, as torch.stack does
        return Tensor._wrap(np.stack([t._data for t in batch]))
    if isinstance(elem, np.ndarray):
        if _is_text_array(elem):
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        _check_equal_shapes(batch)
        return Tensor._wrap(np.stack(batch))
    if isinstance(elem, (np.bool_, np.number)):
        return Tensor._wrap(np.asarray(batch))
    if isinstance(elem, float):
        return Tensor._wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):
        return Tensor._wrap(np.asarray(batch, dtype=np.bool_ if isinstance(elem, bool) else np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _rebuild_mapping(elem, collated)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple keeps its type
        return type(elem)(*(default_collate(fields) for fields in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        collated = [default_collate(fields) for fields in zip(*batch)]  # tuples, so strings stay a tuple
        return collated if isinstance(elem, (tuple, list)) else _rebuild_sequence(elem, collated)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def _check_equal_shapes(batch: list) -> None:
    """PyTorch's RuntimeError for samples of different shapes, with the usual cause named."""
    first = tuple(batch[0].shape)
    for i, sample in enumerate(batch):
        if tuple(sample.shape) != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and "
                f"{list(sample.shape)} at entry {i} (a DataLoader over a tuple (X, y) reads X and y as two "
                "samples, as PyTorch does: TensorDataset(X, y) batches their rows)"
            )


def default_convert(data):
    """One sample with NumPy arrays and scalars as Tensors (no stacking): the loader's ``batch_size=None`` path."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_text_array(data) else Tensor._wrap(data)
    if isinstance(data, (np.bool_, np.number)):
        return Tensor._wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(like, values: dict):
    """``values`` in the mapping type of ``like`` where it can be built that way, else a dict."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(values)
            return clone
        return type(like)(values)
    except TypeError:
        return values


def _rebuild_sequence(like, values: list):
    try:
        return type(like)(values)
    except TypeError:
        return values


def get_worker_info():
    """None: glassnet's DataLoader has no worker processes (PyTorch returns None in the main process too)."""
    return None


# ---------------------------------------------------------------------------------------------- DataLoader
class DataLoader:
    """Iterate over a dataset in batches, optionally reshuffled every epoch: PyTorch's ``DataLoader``.

    Args:
        dataset: a map-style dataset (anything with ``__getitem__`` and ``__len__``: a :class:`Dataset`,
            a list of samples, an array) or an :class:`IterableDataset`. A tuple is a sequence of samples too,
            as in PyTorch: to batch the rows of arrays ``X, y`` pass ``TensorDataset(X, y)``.
        batch_size: samples per batch; ``None`` turns batching off, as in PyTorch: every item is one
            sample with its arrays made Tensors (``default_convert``). (``glassnet.train.fit`` reads
            its own ``batch_size=None`` as full-batch descent.)
        shuffle: draw a new permutation at the start of every epoch.
        sampler, batch_sampler: PyTorch's alternatives to ``shuffle`` and ``batch_size`` (mutually exclusive
            with them, as there).
        num_workers, pin_memory, timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
            persistent_workers, pin_memory_device, in_order: accepted; everything runs in this process,
            which gives the same batches in the same order (``worker_init_fn(0)`` is called at the start of
            every epoch when ``num_workers > 0``, as for one worker).
        collate_fn: ``list of samples -> batch``; default :func:`default_collate`.
        drop_last: drop the final batch when it holds fewer than ``batch_size`` samples.
        generator: a ``glassnet.Generator`` or NumPy Generator for shuffling; None uses the global generator
            (``glassnet.manual_seed``) at each epoch.
        rng: glassnet's older spelling of ``generator`` (an int seeds a new NumPy Generator).
        transform: glassnet extension, ``transform(x_batch, rng) -> x_batch`` applied to the first field's
            array of every batch (data augmentation), with the loader's generator.

    ``len(loader)`` is the number of batches per epoch: ceil(N / batch_size), or floor with ``drop_last``.
    """

    def __init__(
        self,
        dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler | Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable | None = None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        rng: np.random.Generator | int | None = None,
        transform: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    ):
        if not (hasattr(dataset, "__getitem__") or hasattr(dataset, "__iter__")):
            raise TypeError(
                f"DataLoader expects a dataset (with __getitem__ or __iter__), got {type(dataset).__name__}"
            )
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if rng is not None and generator is not None:
            raise TypeError("give the shuffling generator once: generator= (PyTorch's name) or rng=, not both")
        if rng is not None:
            generator = np.random.default_rng(rng) if isinstance(rng, (int, np.integer)) else rng
        shuffle = bool(shuffle)
        iterable = isinstance(dataset, IterableDataset)
        if iterable and (shuffle or sampler is not None or batch_sampler is not None):
            what = "shuffle" if shuffle else "sampler" if sampler is not None else "batch_sampler"
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified {what} option, but got {what}=...")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None and iterable:
            BatchSampler([], batch_size, drop_last)  # the same checks of batch_size and drop_last
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        batching = batch_size is not None or batch_sampler is not None  # PyTorch's auto-collation
        self.collate_fn = collate_fn if collate_fn is not None else default_collate if batching else default_convert
        self.transform = transform

    @property
    def num_samples(self) -> int:
        """Samples in the dataset (every one is seen once per epoch, unless ``drop_last`` drops a few)."""
        return len(self.dataset)

    def _rng(self) -> np.random.Generator:
        return random_generator(self.generator)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)

    def __iter__(self) -> Iterator:
        # Orders are drawn here, not at the first batch, so state_dict() taken after iter() has this epoch's draw.
        if self.num_workers > 0 and self.worker_init_fn is not None:
            self.worker_init_fn(0)
        if isinstance(self.dataset, IterableDataset):
            return self._stream()
        getter = _batch_getter(self.dataset) if self.collate_fn is default_collate else None
        sampler = self.sampler
        if (
            getter is not None
            and type(self.batch_sampler) is BatchSampler
            and self.batch_sampler.sampler is sampler
            and isinstance(sampler, (SequentialSampler, RandomSampler))
        ):
            return self._sliced(getter, sampler.order())
        if self.batch_sampler is not None:
            return self._batched(getter, iter(self.batch_sampler))
        return (self._finish(self.collate_fn(self.dataset[i])) for i in iter(sampler))

    def _sliced(self, getter, order: np.ndarray) -> Iterator:
        """The vectorised path: consecutive slices of this epoch's order, one fancy-index per field."""
        k = self.batch_size
        stop = len(order) // k * k if self.drop_last else len(order)
        for start in range(0, stop, k):
            yield self._finish([Tensor._wrap(field) for field in getter(order[start : start + k])])

    def _batched(self, getter, index_batches: Iterator) -> Iterator:
        for indices in index_batches:
            if getter is not None:
                yield self._finish([Tensor._wrap(f) for f in getter(np.asarray(indices, dtype=np.int64))])
            else:
                yield self._finish(self.collate_fn(_fetch(self.dataset, list(indices))))

    def _stream(self) -> Iterator:
        if self.batch_size is None:
            for sample in self.dataset:
                yield self._finish(self.collate_fn(sample))
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self._finish(self.collate_fn(batch))
                batch = []
        if batch and not self.drop_last:
            yield self._finish(self.collate_fn(batch))

    def _finish(self, batch):
        """Apply glassnet's ``transform`` to the first field of the batch."""
        if self.transform is None:
            return batch
        first = batch[0] if isinstance(batch, list) else batch
        changed = Tensor(self.transform(first.numpy() if isinstance(first, Tensor) else first, self._rng()))
        return [changed, *batch[1:]] if isinstance(batch, list) else changed

    def state_dict(self) -> dict:
        """The generator's ``bit_generator`` state: restoring it replays the same shuffles and augmentations."""
        return {"rng_state": self._rng().bit_generator.state}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the generator state saved by :meth:`state_dict`."""
        self._rng().bit_generator.state = state_dict["rng_state"]

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
        return X, X.dtype if X.dtype.kind == "f" else default_float()

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
