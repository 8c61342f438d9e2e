"""Untrusted files: crafted checkpoints, pickles in .npz archives, malformed IDX and CSV files.

Every refusal is checked for three things: the right error (CheckpointError for checkpoints, ValueError or
ShapeError for data), a message that names the file and the problem, and nothing changed or run: the model,
the optimizer and the random state keep their values, no pickled code executes, and an absurd declared
size is never allocated (tracemalloc's peak stays small).

A checkpoint's SHA-256 catches accidental damage, not a forger, who can recompute it: the crafted files
below carry a correct digest so that the checks behind it are the ones tested.
"""

import gzip
import io
import json
import pickle
import re
import struct
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
import safetensors
import safetensors.numpy

import glassnet as gn
from glassnet import ShapeError, backend, nn
from glassnet.data import load_csv, load_mnist_idx, load_npz
from glassnet.optim import SGD
from glassnet.train import Checkpoint, CheckpointError, fit, load_checkpoint, load_weights, save_checkpoint
from glassnet.train import checkpoint as ckpt_module

MiB = 2**20


def mlp(seed):
    gn.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))


def trained(seed):
    """A model and an SGD-momentum optimizer after one step, so the optimizer has state to lose."""
    model = mlp(seed)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(8, 6)).astype(np.float32), rng.integers(0, 3, 8)
    nn.CrossEntropyLoss()(model(gn.tensor(x)), gn.tensor(y)).backward()
    optimizer.step()
    return model, optimizer


def snapshot(model, optimizer):
    arrays = {f"model.{k}": v.numpy().copy() for k, v in model.state_dict().items()}
    for index, state in optimizer.state_dict()["state"].items():
        arrays.update({f"optim.{index}.{k}": np.array(v) for k, v in state.items()})
    return arrays, backend.get_rng_state()


def refused(path: Path, model, optimizer) -> str:
    """Load ``path`` expecting a CheckpointError that names it and leaves model, optimizer and RNG unchanged."""
    (before, rng_before) = snapshot(model, optimizer)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path, model, optimizer)
    after, rng_after = snapshot(model, optimizer)
    assert after.keys() == before.keys() and all(np.array_equal(after[k], before[k]) for k in before)
    assert rng_after == rng_before
    message = str(info.value)
    assert str(path) in message
    return message


@pytest.fixture
def genuine(tmp_path):
    """A real checkpoint's tensors and metadata, and a different model and optimizer to load it into."""
    path = save_checkpoint(tmp_path / "genuine.safetensors", *trained(0), epoch=1, iteration=5)
    with safetensors.safe_open(path, "np") as f:
        metadata = f.metadata()
    return safetensors.numpy.load_file(path), metadata, trained(1)


def signed(tensors: dict, metadata: dict) -> bytes:
    """A checkpoint file whose digest matches its (altered) contents, as a forger would write it."""
    metadata = {**metadata, "sha256": ckpt_module._digest(tensors, metadata)}
    return safetensors.numpy.save(tensors, metadata=metadata)


def header_and_body(raw: bytes) -> tuple[dict, bytes]:
    (size,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + size]), raw[8 + size :]


def assembled(header: dict, body: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


# ---------------------------------------------------------------------------------------------- the file's frame
def absurd_header_size(raw):
    return struct.pack("<Q", 2**63) + raw[8:]


def header_size_past_the_end(raw):
    return struct.pack("<Q", len(raw)) + raw[8:]


def offsets_beyond_the_file(raw):
    header, body = header_and_body(raw)
    header["model.0.weight"]["data_offsets"][1] = 10**12
    return assembled(header, body)


def absurd_shape(raw):
    header, body = header_and_body(raw)
    header["model.0.weight"]["shape"] = [2**40, 2**40]
    return assembled(header, body)


def deeply_nested_header(raw):
    header, body = header_and_body(raw)
    text = json.dumps(header).encode()
    deep = b'{"deep": ' + b"[" * 100_000 + b"]" * 100_000 + b", " + text[1:]
    return struct.pack("<Q", len(deep)) + deep + body


def bfloat16_tensor(raw):
    header, body = header_and_body(raw)
    header["model.0.weight"].update(dtype="BF16", shape=[16, 12])  # same 384 bytes, a dtype NumPy lacks
    return assembled(header, body)


@pytest.mark.parametrize(
    "craft, problem",
    [
        (absurd_header_size, "header length 9223372036854775808 does not fit in the file"),
        (header_size_past_the_end, "does not fit in the file"),
        (offsets_beyond_the_file, "cannot read the tensors"),
        (absurd_shape, r"cannot read the tensors \(.*overflow"),
        (deeply_nested_header, "the header is not valid JSON .*recursion"),
        (bfloat16_tensor, "tensor 'model.0.weight' has dtype BF16, which NumPy cannot hold"),
    ],
)
def test_a_malformed_safetensors_frame_is_refused_and_changes_nothing(genuine, tmp_path, craft, problem):
    tensors, metadata, (model, optimizer) = genuine
    path = tmp_path / "crafted.safetensors"
    path.write_bytes(craft(signed(tensors, metadata)))
    message = refused(path, model, optimizer)
    assert re.search(problem, message), message


# ---------------------------------------------------------------------------------------------- tensors that do not fit
def retyped(dtype):
    def craft(tensors, metadata):
        tensors["model.0.weight"] = tensors["model.0.weight"].astype(dtype)

    return craft


def transposed(tensors, metadata):
    tensors["model.0.weight"] = np.ascontiguousarray(tensors["model.0.weight"].T)


def missing_bias(tensors, metadata):
    del tensors["model.2.bias"]


def extra_model_tensor(name):
    def craft(tensors, metadata):
        tensors[f"model.{name}"] = np.zeros(3, np.float32)

    return craft


def stray_tensor(name):
    def craft(tensors, metadata):
        tensors[name] = np.zeros(3, np.float32)

    return craft


def misshapen_momentum(tensors, metadata):
    tensors["optim.state.0.momentum_buffer"] = np.zeros((3, 3), np.float32)


def deep_metadata(depth):
    def craft(tensors, metadata):
        metadata["extra"] = '{"a": ' + "[" * depth + "]" * depth + "}"

    return craft


def progress_as_a_list(tensors, metadata):
    metadata["progress"] = "[1, 2]"


@pytest.mark.parametrize(
    "craft, problem",
    [
        (retyped(np.float64), "dtypes differ: 0.weight: file float64, model Sequential float32"),
        (retyped(np.int32), "dtypes differ: 0.weight: file int32"),
        (retyped(np.bool_), "dtypes differ: 0.weight: file bool"),
        (transposed, "shapes differ: 0.weight: file (6, 16), model Sequential (16, 6)"),
        (missing_bias, "missing from the file: ['2.bias']"),
        (extra_model_tensor("../x"), "not in the model Sequential: ['../x']"),
        (extra_model_tensor(""), "not in the model Sequential: ['']"),
        (extra_model_tensor("权重.ß"), "not in the model Sequential: ['权重.ß']"),
        (stray_tensor("../x"), "tensors ['../x'] are not referred to by any saved state"),
        (stray_tensor(""), "tensors [''] are not referred to by any saved state"),
        (misshapen_momentum, "optim.state.0.momentum_buffer has shape (3, 3), its parameter (16, 6)"),
        # deep enough for Python's recursion limit in the JSON parser or, where that allows more, in the decoder
        (deep_metadata(sys.getrecursionlimit() + 50), "recursion depth exceeded"),
        (deep_metadata(100_000), "metadata field 'extra' is not valid JSON"),
        (progress_as_a_list, "malformed metadata"),
    ],
)
def test_tensors_that_do_not_fit_the_model_are_refused_and_change_nothing(genuine, tmp_path, craft, problem):
    tensors, metadata, (model, optimizer) = genuine
    craft(tensors, metadata)
    path = tmp_path / "crafted.safetensors"
    path.write_bytes(signed(tensors, metadata))
    message = refused(path, model, optimizer)
    assert problem in message, message


def test_a_bare_weights_file_with_odd_names_is_refused(tmp_path):
    model = mlp(3)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    tensors = {k: v + 1 for k, v in before.items()}
    tensors["../../etc/x"] = np.zeros(1, np.float32)
    path = tmp_path / "weights.safetensors"
    safetensors.numpy.save_file(tensors, path)
    with pytest.raises(CheckpointError, match=r"weights.safetensors does not fit .* \['\.\./\.\./etc/x'\]"):
        load_weights(path, model)
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in before.items())


def test_resuming_from_a_checkpoint_with_damaged_progress_changes_nothing(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 6)).astype(np.float32), rng.integers(0, 3, 40)

    def run(model, resume_from=None, callbacks=()):
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
        fit(
            model,
            nn.CrossEntropyLoss(),
            optimizer,
            (X, y),
            2,
            8,
            seed=0,
            verbose=0,
            callbacks=callbacks,
            resume_from=resume_from,
        )
        return optimizer

    run(mlp(0), callbacks=[Checkpoint(tmp_path / "run.safetensors", every_iterations=3)])
    tensors = safetensors.numpy.load_file(tmp_path / "run.safetensors")
    with safetensors.safe_open(tmp_path / "run.safetensors", "np") as f:
        metadata = f.metadata()
    extra = json.loads(metadata["extra"])
    for damage in ("samples_seen", "history"):
        crafted = json.loads(json.dumps(extra))
        if damage == "samples_seen":
            del crafted["fit"]["samples_seen"]
        else:
            crafted["fit"]["history"]["weights"] = [1.0]  # a field History does not have
        path = tmp_path / f"no_{damage}.safetensors"
        path.write_bytes(signed(tensors, {**metadata, "extra": json.dumps(crafted)}))
        model = mlp(5)
        before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
        with pytest.raises(CheckpointError, match=f"{path.name}: malformed training progress"):
            run(model, resume_from=path)
        assert all(np.array_equal(model.state_dict()[k], v) for k, v in before.items()), damage


# ---------------------------------------------------------------------------------------------- pickles in .npz
class CreatesAFile:
    """Unpickling this creates ``marker``: the proof that code in a pickle ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickled_object_array_in_an_npz_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "the payload ran"
    payload = np.array([CreatesAFile(marker)], dtype=object)
    np.savez(tmp_path / "evil.npz", X=payload, y=np.zeros(1))
    with pytest.raises(ValueError, match=r"evil.npz: cannot read 'X': it holds Python objects.*refused"):
        load_npz(tmp_path / "evil.npz")
    np.save(tmp_path / "evil.npy", payload, allow_pickle=True)
    with pytest.raises(ValueError, match=r"evil.npy: not a readable .npz archive"):
        load_npz(tmp_path / "evil.npy")
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(CreatesAFile(marker)))
    with pytest.raises(ValueError, match=r"evil.pkl: not a readable .npz archive.*pickled"):
        load_npz(tmp_path / "evil.pkl")
    assert not marker.exists()

    with np.load(tmp_path / "evil.npz", allow_pickle=True) as archive:  # the payload is live: unpickling runs it
        archive["X"]
    assert marker.exists()


def stored_npz(path: Path, **members: bytes) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(f"{name}.npy", data)


def npy(shape, data: bytes, descr="<f8") -> bytes:
    header = np.lib.format.header_data_from_array_1_0(np.zeros(0))
    header.update(shape=tuple(shape), descr=descr)
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + data


def test_absurd_sizes_in_an_npz_are_refused_before_any_allocation(tmp_path):
    y = npy((2,), bytes(16))
    cases = {
        "terabytes.npz": (npy((10**12,), bytes(16)), r"declares shape \(1000000000000,\) of float64 .* but 16"),
        "overflow.npz": (npy((2**40, 2**40), bytes(16)), r"declares shape \(1099511627776, 1099511627776\)"),
        "short.npz": (npy((100,), bytes(16)), r"declares shape \(100,\) of float64 \(800 bytes\) but 16"),
    }
    for name, (member, problem) in cases.items():
        stored_npz(tmp_path / name, X=member, y=y)
        tracemalloc.start()
        with pytest.raises(ValueError, match=f"{name}: cannot read 'X': its header {problem}"):
            load_npz(tmp_path / name)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < MiB, (name, peak)

    # a zip entry that claims more bytes than the whole archive holds
    stored_npz(tmp_path / "liar.npz", X=npy((4,), bytes(32)), y=y)
    raw = bytearray((tmp_path / "liar.npz").read_bytes())
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        start = raw.index(signature)  # X.npy is the first entry in both
        raw[start + size_at : start + size_at + 4] = struct.pack("<I", 2**32 - 1)
    (tmp_path / "liar.npz").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"liar.npz: cannot read 'X': its zip entry declares 4294967295 bytes"):
        load_npz(tmp_path / "liar.npz")


def test_damaged_or_odd_npz_contents_name_the_file(tmp_path):
    np.savez(tmp_path / "good.npz", X=np.arange(200.0).reshape(100, 2), y=np.arange(100))
    raw = (tmp_path / "good.npz").read_bytes()
    flipped = bytearray(raw)
    flipped[raw.index(b"PK\x03\x04") + 30 + len("X.npy") + 200] ^= 0x01  # a byte of X's data
    (tmp_path / "flipped.npz").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"flipped.npz: cannot read 'X': Bad CRC-32"):
        load_npz(tmp_path / "flipped.npz")
    (tmp_path / "truncated.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"truncated.npz: not a readable .npz archive"):
        load_npz(tmp_path / "truncated.npz")
    np.savez(tmp_path / "text.npz", X=np.array(["a", "b"]), y=np.zeros(2))
    with pytest.raises(ValueError, match=r"text.npz: cannot read 'X': it holds <U1 values, expected numbers"):
        load_npz(tmp_path / "text.npz")
    np.savez(tmp_path / "scalar.npz", X=np.float64(3.0), y=np.zeros(2))
    with pytest.raises(ShapeError, match=r"scalar.npz: 'X' is a scalar"):
        load_npz(tmp_path / "scalar.npz")
    np.savez(tmp_path / "lengths.npz", X=np.zeros((3, 2)), y=np.zeros(4))
    with pytest.raises(ShapeError, match=r"lengths.npz: 'X' has 3 samples but 'y' has 4"):
        load_npz(tmp_path / "lengths.npz")


# ---------------------------------------------------------------------------------------------- MNIST IDX
def idx(shape, data: bytes, code=0x08, ndim=None) -> bytes:
    """An IDX file: zero, zero, type code, number of dimensions; big-endian uint32 sizes; the values."""
    ndim = len(shape) if ndim is None else ndim
    return bytes([0, 0, code, ndim]) + np.array(shape, dtype=">u4").tobytes() + data


GOOD_IMAGES = idx((2, 3, 4), bytes(range(24)))
MALFORMED_IDX = {
    "wrong magic": (b"\x1a\x2b" + GOOD_IMAGES[2:], r"bad magic number 0x1A2B0803, not an IDX file"),
    "wrong dtype code": (GOOD_IMAGES[:2] + b"\x0a" + GOOD_IMAGES[3:], r"unknown IDX data type code 0x0A"),
    "wrong number of dimensions": (idx((6, 4), bytes(24)), r"declares 2-D data, expected 3-D images"),
    "too little data": (idx((2, 3, 5), bytes(24)), r"declares 2x3x5 values of uint8 \(30 bytes\).* holds 24 bytes"),
    "too much data": (idx((2, 3, 3), bytes(24)), r"declares 2x3x3 values of uint8 \(18 bytes\).* more than 18"),
    "wrong value size": (idx((2, 3, 4), bytes(24), code=0x0E), r"values of float64 \(192 bytes\).* holds 24 bytes"),
    "truncated data": (GOOD_IMAGES[:-5], r"declares 2x3x4 values of uint8 \(24 bytes\).* holds 19 bytes"),
    "truncated header": (GOOD_IMAGES[:9], r"truncated IDX header \(9 bytes, expected 16\)"),
    "empty": (b"", r"0 bytes is too short for an IDX magic number"),
    "absurd sizes": (idx((2**32 - 1,) * 3, bytes(10)), r"declares 4294967295x4294967295x4294967295 values"),
    "sizes whose product wraps int64": (idx((2**31, 2**31, 4), b""), r"\(18446744073709551616 bytes\).* holds 0"),
}


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("case", MALFORMED_IDX)
def test_malformed_idx_files_are_refused_naming_the_file_without_allocating(tmp_path, case, compress):
    content, problem = MALFORMED_IDX[case]
    path = tmp_path / ("images.idx.gz" if compress else "images.idx")
    path.write_bytes(gzip.compress(content) if compress else content)
    tracemalloc.start()
    with pytest.raises(ValueError, match=problem) as info:
        load_mnist_idx(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert str(info.value).startswith(f"{path}: ")
    assert peak < 2 * MiB  # one read chunk (1 MiB) at most, whatever size the header declares


def test_idx_compression_is_recognised_by_content_and_damage_is_named(tmp_path):
    (tmp_path / "gzipped-without-suffix").write_bytes(gzip.compress(GOOD_IMAGES))
    (tmp_path / "plain.gz").write_bytes(GOOD_IMAGES)
    for name in ("gzipped-without-suffix", "plain.gz"):
        images, _ = load_mnist_idx(tmp_path / name)
        np.testing.assert_array_equal(images.ravel(), np.arange(24))

    noise = np.random.default_rng(0).integers(0, 256, 10 * 28 * 28, dtype=np.uint8).tobytes()  # incompressible
    compressed = gzip.compress(idx((10, 28, 28), noise))
    (tmp_path / "cut.gz").write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match=r"cut.gz: cannot decompress: .*ended before the end-of-stream"):
        load_mnist_idx(tmp_path / "cut.gz")
    corrupt = bytearray(gzip.compress(bytes(range(256)) * 64))
    corrupt[20:40] = bytes(20)  # the deflate stream, past the 10-byte gzip header
    (tmp_path / "corrupt.gz").write_bytes(bytes(corrupt))
    with pytest.raises(ValueError, match=r"corrupt.gz: cannot decompress"):
        load_mnist_idx(tmp_path / "corrupt.gz")


def test_a_decompression_bomb_is_refused_after_reading_one_byte_past_the_declared_size(tmp_path):
    bomb = gzip.compress(idx((2, 28, 28), bytes(64 * MiB)))  # 64 MiB of zeros in about 64 KiB
    (tmp_path / "bomb.gz").write_bytes(bomb)
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"bomb.gz: header declares 2x28x28 .*\(1568 bytes\).* more than 1568"):
        load_mnist_idx(tmp_path / "bomb.gz")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(bomb) < MiB and peak < 4 * MiB


def test_idx_labels_must_match_the_images(tmp_path):
    (tmp_path / "images").write_bytes(GOOD_IMAGES)
    (tmp_path / "three").write_bytes(idx((3,), bytes(3)))
    with pytest.raises(ShapeError, match=r"images holds 2 images but .*three holds 3 labels"):
        load_mnist_idx(tmp_path / "images", tmp_path / "three")
    (tmp_path / "floats").write_bytes(idx((2,), bytes(16), code=0x0E))
    with pytest.raises(ValueError, match=r"floats: labels must be integers, got IDX values of float64"):
        load_mnist_idx(tmp_path / "images", tmp_path / "floats")


# ---------------------------------------------------------------------------------------------- CSV
MALFORMED_CSV = {
    "ragged.csv": (b"a,b,c\n1,2,0\n3,4\n", ShapeError, r"ragged.csv, line 3: 2 cells, expected 3 as on line 2"),
    "text.csv": (b"1,2,0\n3,x4,1\n", ValueError, r"text.csv, line 2, column 2: 'x4' is not a number"),
    "empty.csv": (b"", ValueError, r"empty.csv: no data rows \(the file is empty\)"),
    "blank.csv": (b"\n \n\n", ValueError, r"blank.csv: no data rows \(the file is empty\)"),
    "header.csv": (b"a,b,label\n", ValueError, r"header.csv: no data rows after the header"),
    "missing.csv": (b"1,2,0\n3,,1\n", ValueError, r"missing.csv, line 2, column 2: '' is not a number"),
    "nan.csv": (b"1,2,0\n3,nan,1\n", ValueError, r"nan.csv, line 2, column 2: 'nan' is not a finite float32"),
    "inf.csv": (b"1,-inf,0\n", ValueError, r"inf.csv, line 1, column 2: '-inf' is not a finite float32"),
    "huge.csv": (b"1,2,0\n1e39,2,1\n", ValueError, r"huge.csv, line 2, column 1: '1e39' is not a finite float32"),
    "binary.csv": (b"1,2,0\n\xff\xfe\x00,1,1\n", ValueError, r"binary.csv: not UTF-8 text"),
    "long_field.csv": (b"1,2," + b"9" * 200_000 + b"\n", ValueError, r"long_field.csv, line 1: field larger than"),
}


@pytest.mark.parametrize("name", MALFORMED_CSV)
def test_malformed_csv_files_are_refused_naming_the_file_and_line(tmp_path, name):
    content, error, problem = MALFORMED_CSV[name]
    (tmp_path / name).write_bytes(content)
    with pytest.raises(error, match=problem):
        load_csv(tmp_path / name)


def test_a_target_column_outside_the_table_is_refused(tmp_path):
    (tmp_path / "table.csv").write_text("1,2,0\n3,4,1\n")
    for column in (3, -4):
        with pytest.raises(ValueError, match=rf"table.csv: target_column={column} is out of range for 3 columns"):
            load_csv(tmp_path / "table.csv", target_column=column)


def test_a_byte_order_mark_and_huge_whole_numbers_are_read_correctly(tmp_path):
    (tmp_path / "excel.csv").write_bytes(b"\xef\xbb\xbf1,2,0\n3,4,1\n")  # UTF-8 with BOM, no header
    X, y = load_csv(tmp_path / "excel.csv")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(y, [0, 1])
    (tmp_path / "big.csv").write_text("1,0\n2,1e20\n")  # whole, but past what int64 labels hold exactly
    _, y = load_csv(tmp_path / "big.csv")
    assert y.dtype == np.float32 and y[1] == np.float32(1e20)
