"""``glassnet.save`` and ``glassnet.load``: PyTorch's ``torch.save``/``torch.load`` for tensors and state dicts,
in safetensors, never pickle.

A saved object (a Tensor, or nested dicts, lists and tuples of Tensors, NumPy arrays, numbers, strings and
None: a ``state_dict``, or ``{"model": sd, "optimizer": opt.state_dict(), "epoch": 3}``) becomes one
safetensors file: every array in the tensor body under the dotted path where it was found (a state_dict's
tensors keep their own names, so ``safetensors.torch.load_file`` reads the file as the same dict), and the
rest of the structure as JSON in the header metadata, with a SHA-256 digest over both. The file is
written to a temporary file and renamed over the target, so a crash never leaves half of one.

``load`` reads such a file, or any plain ``.safetensors`` file (e.g. written by
``safetensors.torch.save_file``) as a dict of Tensors. It refuses pickle files, PyTorch's own ``.pt``/``.pth``
archives among them, without unpickling them: unpickling runs code chosen by whoever wrote the file.

The JSON codec (:func:`encode`, :func:`decode`), the digest and the safetensors parser are shared with
:mod:`glassnet.train.checkpoint`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import safetensors.numpy

from .fileio import atomic_write
from .tensor import Tensor

FORMAT = "glassnet.save"
FORMAT_VERSION = 1

_MAX_HEADER = 100_000_000  # safetensors' own limit on the JSON header
# safetensors dtypes that have a NumPy counterpart (BF16 and the F8 kinds have none)
_NUMPY_DTYPES = {"BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "F32", "F64"}
_CONVERT_HINT = (
    "convert the weights once, in PyTorch: `from safetensors.torch import save_file; "
    "save_file(model.state_dict(), 'model.safetensors')`, then load that file"
)


class SerializationError(ValueError):
    """A file that glassnet cannot or will not read, or an object it cannot write."""


def _contiguous(value) -> np.ndarray:
    """A C-contiguous array of ``value``'s shape (``np.ascontiguousarray`` would turn 0-d into 1-d)."""
    array = np.asarray(value)
    return array if array.flags.c_contiguous else array.copy(order="C")


# ---------------------------------------------------------------------------------------------- JSON codec
# JSON keeps None, bools, numbers, strings, lists and string-keyed dicts. Tuples and dicts with other keys
# are tagged so they come back as they were; arrays and Tensors (and NumPy scalars, as 0-d arrays) move to
# the tensor body under the dotted path where they were found, and a tag records what to rebuild.


def encode(value, path: tuple, tensors: dict, error: type[Exception] = SerializationError):
    """``value`` as JSON-able data, its arrays moved into ``tensors`` (name -> array) by dotted ``path``."""
    if isinstance(value, Tensor):
        ref = encode(value._data, path, tensors, error)
        ref["kind"] = "parameter" if type(value).__name__ == "Parameter" else "tensor"
        if value.requires_grad:
            ref["requires_grad"] = True
        return ref
    if isinstance(value, (np.ndarray, np.number, np.bool_)):
        if isinstance(value, np.ndarray) and value.dtype.kind in "OSUaV":
            raise error(f"cannot store an array of dtype {value.dtype.name} at {'.'.join(path)!r}: only numeric arrays")
        name = ".".join(path) or "tensor"
        if name in tensors:
            raise error(f"two arrays would be stored under the same name {name!r}")
        tensors[name] = _contiguous(value)
        return {"__tensor__": name, "scalar": True} if isinstance(value, np.generic) else {"__tensor__": name}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, (*path, str(i)), tensors, error) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [encode(v, (*path, str(i)), tensors, error) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode(v, (*path, k), tensors, error) for k, v in value.items()}
        return {
            "__items__": [
                [encode(k, (*path, "key"), tensors, error), encode(v, (*path, str(k)), tensors, error)]
                for k, v in value.items()
            ]
        }
    where = ".".join(path) or "the top level"
    raise error(f"cannot store a {type(value).__name__} at {where!r} (glassnet never pickles)")


def decode(value, tensors: dict, used: set):
    """The inverse of :func:`encode`; records in ``used`` the tensor names it read."""
    if isinstance(value, list):
        return [decode(v, tensors, used) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value:
        name = value["__tensor__"]
        if name not in tensors:
            raise KeyError(f"metadata refers to tensor {name!r}, which is not in the file")
        used.add(name)
        array = tensors[name]
        kind = value.get("kind")
        if kind == "parameter":
            from .nn.module import Parameter  # nn sits above this module; only a saved Parameter needs it

            return Parameter(array, requires_grad=bool(value.get("requires_grad", False)))
        if kind == "tensor":
            tensor = Tensor._wrap(array)
            return tensor.requires_grad_(True) if value.get("requires_grad") else tensor
        return array[()] if value.get("scalar") else array
    if "__tuple__" in value:
        return tuple(decode(v, tensors, used) for v in value["__tuple__"])
    if "__items__" in value:
        return {decode(k, tensors, used): decode(v, tensors, used) for k, v in value["__items__"]}
    return {k: decode(v, tensors, used) for k, v in value.items()}


def digest(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> str:
    """SHA-256 over the metadata (but the digest itself) and every tensor's name, dtype, shape and bytes."""
    h = hashlib.sha256()
    h.update(json.dumps(sorted((k, v) for k, v in metadata.items() if k != "sha256")).encode())
    for name in sorted(tensors):
        array = _contiguous(tensors[name])
        h.update(f"\0{name}\0{array.dtype.str}\0{tuple(array.shape)}\0".encode())
        h.update(array.data if array.size else b"")
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------- reading
def _safetensors_header(raw: bytes) -> dict | None:
    """The JSON header if ``raw`` is laid out as a safetensors file, else None (nothing else is parsed)."""
    if len(raw) < 10:
        return None
    (header_len,) = struct.unpack("<Q", raw[:8])
    if header_len > min(_MAX_HEADER, len(raw) - 8) or raw[8:9] != b"{":
        return None
    try:
        header = json.loads(raw[8 : 8 + header_len])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return header if isinstance(header, dict) else None


def _pickle_kind(raw: bytes) -> str | None:
    """What kind of pickle ``raw`` is, told from its first bytes and zip directory only (never unpickled)."""
    if raw[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
        except zipfile.BadZipFile:
            names = []
        if any(name.endswith("data.pkl") for name in names):
            return "a PyTorch torch.save archive (a zip holding a pickle, data.pkl)"
        if any(name.endswith(".npy") for name in names):
            return None  # an .npz: not a pickle, said apart below
        return "a zip archive"
    if raw[:1] == b"\x80" and raw[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a pickle (protocol " + str(raw[1]) + ", e.g. an old torch.save file)"
    return None


def parse_safetensors(raw: bytes, name: str, error: type[Exception] = SerializationError) -> tuple[dict, dict]:
    """Parse safetensors bytes: (header metadata, tensors by name); any damage raises ``error`` naming the file."""
    if len(raw) < 8:
        raise error(f"{name}: truncated ({len(raw)} bytes), not a safetensors file")
    (header_len,) = struct.unpack("<Q", raw[:8])
    if header_len > min(_MAX_HEADER, len(raw) - 8):
        raise error(
            f"{name}: header length {header_len} does not fit in the file ({len(raw)} bytes); "
            "the file is truncated or not a safetensors file"
        )
    try:
        header = json.loads(raw[8 : 8 + header_len])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise error(f"{name}: the header is not valid JSON ({err}); the file is corrupted") from err
    if not isinstance(header, dict):
        raise error(f"{name}: the header is not a JSON object; the file is corrupted")
    for key, entry in header.items():
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if key != "__metadata__" and isinstance(dtype, str) and dtype not in _NUMPY_DTYPES:
            raise error(
                f"{name}: tensor {key!r} has dtype {dtype}, which NumPy cannot hold (expected one of "
                f"{', '.join(sorted(_NUMPY_DTYPES))})"
            )
    try:
        tensors = safetensors.numpy.load(raw)
    except Exception as err:  # safetensors raises its own SafetensorError (and others for odd dtypes)
        raise error(f"{name}: cannot read the tensors ({err}); the file is truncated or corrupted") from err
    metadata = header.get("__metadata__") or {}
    return metadata, tensors


def _read_bytes(f) -> tuple[bytes, str]:
    if isinstance(f, (str, os.PathLike)):
        path = Path(f)
        if not path.is_file():
            raise FileNotFoundError(f"glassnet.load: no such file {str(path)!r}")
        return path.read_bytes(), str(path)
    if hasattr(f, "read"):
        return f.read(), str(getattr(f, "name", "the file object"))
    raise TypeError(f"glassnet.load expects a path or a binary file object, got {type(f).__name__}")


def _check_cpu(map_location) -> None:
    """Everything glassnet holds is on the CPU: a CPU map_location (or a function, or None) is the only kind."""
    if map_location is None or callable(map_location):
        return
    targets = map_location.values() if isinstance(map_location, Mapping) else [map_location]
    for target in targets:
        if str(target).split(":")[0] != "cpu":
            raise NotImplementedError(f"load(map_location={map_location!r}): glassnet runs on the CPU only")


# ---------------------------------------------------------------------------------------------- public API
def save(obj, f, pickle_module=None, pickle_protocol: int = 2, **kwargs) -> None:
    """Write ``obj`` (a Tensor, or nested dicts/lists/tuples of Tensors, arrays, numbers, strings) to ``f``.

    ``f`` is a path (any file name: ``model.pth`` is as good as ``model.safetensors``), written atomically, or
    a binary file object. The file is safetensors: ``safetensors.torch.load_file`` reads a saved state_dict.
    ``pickle_module``/``pickle_protocol`` and PyTorch's other keywords are accepted and unused: nothing is
    pickled. Differences from ``torch.save``: a whole ``nn.Module`` or any other object cannot be stored
    (save its ``state_dict()``), and tensors that shared storage come back as separate tensors.
    """
    from .nn.module import Module  # nn sits above this module

    if isinstance(obj, Module):
        raise NotImplementedError(
            f"save({type(obj).__name__} module): storing a whole module needs pickle, which glassnet never uses; "
            "save model.state_dict() and restore it with model.load_state_dict(glassnet.load(f))"
        )
    tensors: dict[str, np.ndarray] = {}
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "object": json.dumps(encode(obj, (), tensors)),
    }
    metadata["sha256"] = digest(tensors, metadata)
    data = safetensors.numpy.save(tensors, metadata=metadata)
    if isinstance(f, (str, os.PathLike)):
        atomic_write(Path(f), data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"glassnet.save expects a path or a binary file object, got {type(f).__name__}")


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap=None, **kwargs):
    """Read what :func:`save` wrote, or a plain safetensors file as a ``{name: Tensor}`` dict.

    ``f`` is a path or a binary file object. ``map_location`` may name the CPU (or be a function, or a dict
    onto the CPU): glassnet holds everything there; another device raises NotImplementedError.
    ``weights_only`` is accepted: glassnet only ever loads data. A pickle file (PyTorch's ``.pt``/``.pth``
    zip archives, raw pickles) raises :class:`SerializationError` without being unpickled; convert such
    weights with ``safetensors.torch.save_file(model.state_dict(), path)`` in PyTorch.
    """
    if pickle_module is not None or kwargs:
        given = ["pickle_module"] if pickle_module is not None else []
        raise NotImplementedError(f"load({', '.join(given + sorted(kwargs))}=...): glassnet never unpickles")
    _check_cpu(map_location)
    raw, name = _read_bytes(f)
    if _safetensors_header(raw) is None:
        kind = _pickle_kind(raw)
        if kind is not None:
            raise SerializationError(
                f"{name} is {kind}: a pickle file. glassnet never unpickles (unpickling runs code chosen by "
                f"whoever wrote the file); {_CONVERT_HINT}"
            )
        if raw[:4] == b"PK\x03\x04":
            raise SerializationError(
                f"{name} is a NumPy .npz archive, not a safetensors file: read it with "
                "numpy.load(path, allow_pickle=False) or glassnet.data.load_npz"
            )
        raise SerializationError(
            f"{name} is not a safetensors file (glassnet.save writes safetensors); {_CONVERT_HINT}"
        )
    metadata, tensors = parse_safetensors(raw, name)
    if metadata.get("format") != FORMAT:  # any other safetensors file: its tensors by name
        return {key: Tensor._wrap(array) for key, array in tensors.items()}
    version = metadata.get("format_version")
    if version != str(FORMAT_VERSION):
        raise SerializationError(
            f"{name}: glassnet.save format version {version}, this glassnet reads {FORMAT_VERSION}"
        )
    if metadata.get("sha256") != digest(tensors, metadata):
        raise SerializationError(f"{name}: the contents do not match their recorded SHA-256; the file is corrupted")
    used: set = set()
    try:
        obj = decode(json.loads(metadata["object"]), tensors, used)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as err:
        raise SerializationError(f"{name}: malformed metadata ({type(err).__name__}: {err})") from err
    unused = sorted(set(tensors) - used)
    if unused:
        raise SerializationError(f"{name}: tensors {unused} are not referred to by the saved object")
    return obj
