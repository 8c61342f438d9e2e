"""glassnet.utils.data against torch.utils.data: the same datasets give the same batches, lengths and dtypes."""

from collections import namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import glassnet
from glassnet import Tensor
from glassnet.utils.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

Pair = namedtuple("Pair", ["left", "right"])


def to_numpy(batch):
    """A batch of either library as nested Python containers of NumPy arrays, for comparison."""
    if isinstance(batch, (Tensor, torch.Tensor)):
        return batch.numpy()
    if isinstance(batch, dict):
        return {key: to_numpy(value) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return (
            type(batch)(to_numpy(value) for value in batch)
            if not hasattr(batch, "_fields")
            else tuple(to_numpy(value) for value in batch)
        )
    return batch


def assert_same_batch(ours, theirs, where="batch"):
    """Same container types, and arrays equal in shape, dtype and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, Tensor), f"{where}: expected a Tensor, got {type(ours).__name__}"
        expected = theirs.numpy()
        got = ours.numpy()
        assert got.shape == expected.shape, f"{where}: shape {got.shape}, torch {expected.shape}"
        assert got.dtype == expected.dtype, f"{where}: dtype {got.dtype}, torch {expected.dtype}"
        np.testing.assert_array_equal(got, expected, err_msg=where)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), (
            f"{where}: keys {list(ours)}, torch {list(theirs)}"
        )
        for key in theirs:
            assert_same_batch(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__, f"{where}: {type(ours).__name__}, torch {type(theirs)}"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} fields, torch {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_batch(a, b, f"{where}[{i}]")
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{where}: {ours!r}, torch {theirs!r}"


def both_loaders(make_dataset, **kwargs):
    """The same dataset, built once per library, behind each library's DataLoader."""
    return DataLoader(make_dataset(glassnet), **kwargs), tud.DataLoader(make_dataset(torch), **kwargs)


def assert_same_epoch(ours, theirs):
    assert len(ours) == len(theirs), f"len(loader) {len(ours)}, torch {len(theirs)}"
    ours_batches, theirs_batches = list(ours), list(theirs)
    assert len(ours_batches) == len(theirs_batches) == len(theirs)
    for i, (a, b) in enumerate(zip(ours_batches, theirs_batches)):
        assert_same_batch(a, b, f"batch {i}")


X = np.arange(30, dtype=np.float32).reshape(10, 3)
Y = np.arange(10, dtype=np.int64) % 3


def tensor_pair(lib):
    return lib.utils.data.TensorDataset(lib.from_numpy(X.copy()), lib.from_numpy(Y.copy()))


class Squares:
    """A user Dataset defining only __getitem__ and __len__; samples mix arrays, ints, floats and strings."""

    def __init__(self, base):
        self.base = base

    def make(self, lib):
        base = lib.utils.data.Dataset

        class SquaresDataset(base):
            def __len__(self):
                return 7

            def __getitem__(self, i):
                return np.full(2, i, dtype=np.float32), i * i, i / 2, f"item{i}"

        return SquaresDataset()


def dict_samples(lib):
    return [{"x": np.full((2, 2), i, dtype=np.float64), "y": i, "flag": i % 2 == 0} for i in range(5)]


def namedtuple_samples(lib):
    return [Pair(np.array([i, i + 1], dtype=np.int32), np.float32(i)) for i in range(6)]


def tensor_samples(lib):
    return [(lib.full((3,), float(i)), lib.tensor(i)) for i in range(5)]


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 12])
@pytest.mark.parametrize("drop_last", [False, True])
def test_tensor_dataset_batches_match_torch(batch_size, drop_last):
    assert_same_epoch(*both_loaders(tensor_pair, batch_size=batch_size, drop_last=drop_last))


@pytest.mark.parametrize(
    "make",
    [Squares(None).make, dict_samples, namedtuple_samples, tensor_samples, lambda lib: list(range(9))],
    ids=["user-dataset", "dicts", "namedtuples", "tensor-tuples", "range-list"],
)
@pytest.mark.parametrize("batch_size", [1, 2, 4])
def test_collated_batches_match_torch(make, batch_size):
    assert_same_epoch(*both_loaders(make, batch_size=batch_size))


@pytest.mark.parametrize(
    "make",
    [tensor_pair, Squares(None).make, dict_samples, lambda lib: [np.arange(3) + i for i in range(4)]],
    ids=["tensor-dataset", "user-dataset", "dicts", "arrays"],
)
def test_unbatched_loader_matches_torch(make):
    assert_same_epoch(*both_loaders(make, batch_size=None))


def test_loader_accepts_pytorch_only_arguments():
    theirs = tud.DataLoader(tensor_pair(torch), batch_size=4)  # torch warns about pin_memory without a GPU
    for kwargs in ({"num_workers": 0, "pin_memory": True}, {"num_workers": 2}, {"pin_memory_device": ""}):
        assert_same_epoch(DataLoader(tensor_pair(glassnet), batch_size=4, **kwargs), theirs)


def test_custom_collate_fn_gets_the_list_of_samples():
    def count(samples):
        return len(samples), samples[0]

    assert_same_epoch(*both_loaders(lambda lib: list(range(7)), batch_size=3, collate_fn=count))


@pytest.mark.parametrize(
    "batch",
    [
        [1.5, 2.0],
        [1, 2, 3],
        [True, False],
        [np.float32(1), np.float32(2)],
        [np.int32(4), np.int32(5)],
        ["a", "b"],
        [(1, "a", 2.0), (2, "b", 3.0)],
        [[1, 2], [3, 4]],
        [{"k": np.ones(2)}, {"k": np.zeros(2)}],
    ],
)
def test_default_collate_matches_torch(batch):
    assert_same_batch(default_collate(batch), tud.default_collate(batch))


def test_default_collate_rejects_what_torch_rejects():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])


def test_seeded_generator_gives_the_same_order_twice_and_each_item_once():
    def epoch(generator):
        loader = DataLoader(list(range(23)), batch_size=5, shuffle=True, generator=generator)
        return np.concatenate([batch.numpy() for batch in loader])

    first = epoch(glassnet.Generator().manual_seed(5))
    np.testing.assert_array_equal(epoch(glassnet.Generator().manual_seed(5)), first)
    np.testing.assert_array_equal(np.sort(first), np.arange(23))
    assert not np.array_equal(first, np.arange(23))

    generator = glassnet.Generator().manual_seed(5)
    loader = DataLoader(tensor_pair(glassnet), batch_size=3, shuffle=True, generator=generator)
    orders = [np.concatenate([y.numpy() for _, y in loader]) for _ in range(2)]
    for order in orders:
        np.testing.assert_array_equal(np.sort(order), np.sort(Y))
    xs = np.concatenate([x.numpy() for x, _ in loader])
    np.testing.assert_array_equal(np.sort(xs[:, 0]), X[:, 0])  # rows stay whole
    np.testing.assert_array_equal(xs[:, 1], xs[:, 0] + 1)


def test_global_seed_decides_the_shuffle_without_a_generator():
    loader = DataLoader(list(range(15)), batch_size=4, shuffle=True)

    def epoch():
        return np.concatenate([batch.numpy() for batch in loader])

    glassnet.manual_seed(3)
    first = epoch()
    glassnet.manual_seed(3)
    np.testing.assert_array_equal(epoch(), first)


def test_sampler_arguments_follow_torch_or_say_what_is_missing():
    dataset = list(range(6))
    for kwargs in ({"sampler": range(6), "shuffle": True}, {"batch_sampler": [[0, 1]], "batch_size": 2}):
        with pytest.raises(ValueError):
            tud.DataLoader(dataset, **kwargs)
        with pytest.raises((ValueError, NotImplementedError)):
            DataLoader(dataset, **kwargs)
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(dataset, batch_size=None, drop_last=True)


def test_subset_concat_and_random_split():
    ours, theirs = tensor_pair(glassnet), tensor_pair(torch)
    assert_same_batch(list(Subset(ours, [4, 1, 7])[1]), list(tud.Subset(theirs, [4, 1, 7])[1]))
    assert len(Subset(ours, [4, 1, 7])) == 3

    concat, torch_concat = (
        ConcatDataset([ours, Subset(ours, [0, 1])]),
        tud.ConcatDataset([theirs, tud.Subset(theirs, [0, 1])]),
    )
    assert len(concat) == len(torch_concat) == 12
    for i in (0, 9, 10, 11, -1):
        assert_same_batch(list(concat[i]), list(torch_concat[i]), f"concat[{i}]")
    assert_same_epoch(DataLoader(concat, batch_size=5), tud.DataLoader(torch_concat, batch_size=5))
    assert len(ours + ours) == 20

    for lengths in ([3, 7], [0.33, 0.33, 0.34], [0.5, 0.5], [10, 0]):
        parts = random_split(range(10), lengths, generator=glassnet.Generator().manual_seed(0))
        torch_parts = tud.random_split(range(10), lengths, generator=torch.Generator().manual_seed(0))
        assert [len(p) for p in parts] == [len(p) for p in torch_parts], lengths
        items = sorted(i for p in parts for i in p)
        assert items == list(range(10)), lengths
    again = random_split(range(10), [3, 7], generator=glassnet.Generator().manual_seed(0))
    assert [list(p) for p in again] == [
        list(p) for p in random_split(range(10), [3, 7], generator=glassnet.Generator().manual_seed(0))
    ]
    with pytest.raises(ValueError):
        random_split(range(10), [3, 8])


def test_user_dataset_class_works_in_both_directions():
    class Doubles(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return glassnet.tensor([float(i)]), 2 * i

    x, y = next(iter(DataLoader(Doubles(), batch_size=5)))
    assert x.shape == (5, 1) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), 2 * np.arange(5))
    assert isinstance(TensorDataset(glassnet.zeros(3, 2))[0][0], Tensor)
