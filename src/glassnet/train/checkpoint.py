"""Checkpoints and weight files in safetensors: tensors in the body, everything else as JSON in the header.

A checkpoint is one ``.safetensors`` file that any safetensors reader opens:

- tensors ``model.<name>`` (the model's ``state_dict`` by PyTorch's names), ``optim.state.<index>.<key>``
  (the optimizer's per-parameter arrays), and arrays found in any other saved state under its path;
- header metadata (string -> string, values are JSON): ``format``, ``format_version``, ``progress``
  (epoch, iteration), ``hparams``, ``optimizer`` (class, param_groups, scalar state), ``scheduler``,
  ``loader``, ``rng`` (glassnet's global generator), ``objects``, ``extra`` and ``sha256``, a digest of
  the other metadata and of every tensor's name, dtype, shape and bytes, so a flipped bit anywhere is
  caught, not only one that breaks the format.

Nothing is ever pickled. A save writes a temporary file in the target directory, flushes and fsyncs
it, renames it over the target (``os.replace`` is atomic) and fsyncs the directory: a crash leaves
either the old file or the new one, never half of one. A load reads and checks the whole file
(format, digest, tensor names, shapes and dtypes, optimizer layout) before it changes anything, and
restores every object it was given or none: if applying one fails, the ones already applied are
rolled back. Problems raise :class:`CheckpointError`, naming the file and what is wrong.

:func:`save_weights` / :func:`load_weights` read and write a bare ``state_dict`` with no prefix, the
layout of ``safetensors.torch.save_file(torch_model.state_dict(), path)``, so weights move between
PyTorch and glassnet models with the same architecture in both directions.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import safetensors.numpy

from .. import backend
from ..fileio import atomic_write
from ..nn.module import Module
from ..optim.optimizer import Optimizer

FORMAT = "glassnet.checkpoint"
FORMAT_VERSION = 1

_MODEL = "model."
_OPTIM = "optim"
_MAX_HEADER = 100_000_000  # safetensors' own limit on the JSON header
# safetensors dtypes that have a NumPy counterpart (BF16 and the F8 kinds have none)
_NUMPY_DTYPES = {"BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "F32", "F64"}


class CheckpointError(ValueError):
    """A checkpoint or weight file that cannot be read, or does not fit the objects it is loaded into."""


def _contiguous(value) -> np.ndarray:
    """A C-contiguous array of ``value``'s shape (``np.ascontiguousarray`` would turn 0-d into 1-d)."""
    array = np.asarray(value)
    return array if array.flags.c_contiguous else array.copy(order="C")


# ---------------------------------------------------------------------------------------------- JSON codec
# State dicts hold numbers, strings, lists, tuples, dicts and arrays. JSON keeps the first ones; tuples and
# dicts with non-string keys are tagged so they come back as they were; arrays (and NumPy scalars, as 0-d
# arrays) move to the tensor body under the dotted path where they were found.


def _encode(value, path: tuple, tensors: dict):
    if isinstance(value, (np.ndarray, np.number, np.bool_)):
        name = ".".join(path)
        if name in tensors:
            raise CheckpointError(f"two arrays would be stored under the same name {name!r}")
        tensors[name] = _contiguous(value)
        return {"__tensor__": name, "scalar": True} if isinstance(value, np.generic) else {"__tensor__": name}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, (*path, str(i)), tensors) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, (*path, str(i)), tensors) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _encode(v, (*path, k), tensors) for k, v in value.items()}
        return {
            "__items__": [
                [_encode(k, (*path, "key"), tensors), _encode(v, (*path, str(k)), tensors)] for k, v in value.items()
            ]
        }
    raise CheckpointError(f"cannot store a {type(value).__name__} at {'.'.join(path)!r} (checkpoints never pickle)")


def _decode(value, tensors: dict, used: set):
    if isinstance(value, list):
        return [_decode(v, tensors, used) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value:
        name = value["__tensor__"]
        if name not in tensors:
            raise KeyError(f"metadata refers to tensor {name!r}, which is not in the file")
        used.add(name)
        return tensors[name][()] if value.get("scalar") else tensors[name]
    if "__tuple__" in value:
        return tuple(_decode(v, tensors, used) for v in value["__tuple__"])
    if "__items__" in value:
        return {_decode(k, tensors, used): _decode(v, tensors, used) for k, v in value["__items__"]}
    return {k: _decode(v, tensors, used) for k, v in value.items()}


def _digest(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> str:
    """SHA-256 over the metadata (but the digest itself) and every tensor's name, dtype, shape and bytes."""
    h = hashlib.sha256()
    h.update(json.dumps(sorted((k, v) for k, v in metadata.items() if k != "sha256")).encode())
    for name in sorted(tensors):
        array = _contiguous(tensors[name])
        h.update(f"\0{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        h.update(array.data if array.size else b"")
    return h.hexdigest()


def _read(path: Path) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """Parse a safetensors file: (header metadata, tensors); any damage raises CheckpointError."""
    return _parse(path.read_bytes(), path)


def _parse(raw: bytes, path) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """Parse the bytes of a safetensors file named ``path`` in errors: (header metadata, tensors)."""
    if len(raw) < 8:
        raise CheckpointError(f"{path}: truncated ({len(raw)} bytes), not a safetensors file")
    (header_len,) = struct.unpack("<Q", raw[:8])
    if header_len > min(_MAX_HEADER, len(raw) - 8):
        raise CheckpointError(
            f"{path}: header length {header_len} does not fit in the file ({len(raw)} bytes); "
            "the file is truncated or not a safetensors file"
        )
    try:
        header = json.loads(raw[8 : 8 + header_len])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f"{path}: the header is not valid JSON ({err}); the file is corrupted") from err
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the header is not a JSON object; the file is corrupted")
    for name, entry in header.items():
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if name != "__metadata__" and isinstance(dtype, str) and dtype not in _NUMPY_DTYPES:
            raise CheckpointError(
                f"{path}: tensor {name!r} has dtype {dtype}, which NumPy cannot hold (expected one of "
                f"{', '.join(sorted(_NUMPY_DTYPES))})"
            )
    try:
        tensors = safetensors.numpy.load(raw)
    except Exception as err:  # safetensors raises its own SafetensorError (and others for odd dtypes)
        raise CheckpointError(f"{path}: cannot read the tensors ({err}); the file is truncated or corrupted") from err
    metadata = header.get("__metadata__") or {}
    return metadata, tensors


def _json_field(path: Path, metadata: dict, key: str, default=None):
    if key not in metadata:
        return default
    try:
        return json.loads(metadata[key])
    except (TypeError, json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f"{path}: metadata field {key!r} is not valid JSON ({err})") from err


# ---------------------------------------------------------------------------------------------- checks
def _compare(path: Path, what: str, file_arrays: Mapping[str, np.ndarray], own: Mapping[str, np.ndarray]) -> None:
    """Raise CheckpointError listing every missing, unexpected, mis-shaped or mis-typed entry."""
    missing = [k for k in own if k not in file_arrays]
    unexpected = [k for k in file_arrays if k not in own]
    shapes = [
        f"{k}: file {tuple(file_arrays[k].shape)}, {what} {tuple(own[k].shape)}"
        for k in own
        if k in file_arrays and file_arrays[k].shape != own[k].shape
    ]
    dtypes = [
        f"{k}: file {file_arrays[k].dtype}, {what} {own[k].dtype}"
        for k in own
        if k in file_arrays and file_arrays[k].shape == own[k].shape and file_arrays[k].dtype != own[k].dtype
    ]
    problems = []
    if missing:
        problems.append(f"missing from the file: {missing}")
    if unexpected:
        problems.append(f"not in the {what}: {unexpected}")
    if shapes:
        problems.append("shapes differ: " + "; ".join(shapes))
    if dtypes:
        problems.append("dtypes differ: " + "; ".join(dtypes))
    if problems:
        raise CheckpointError(f"{path} does not fit the {what}: " + " | ".join(problems))


def _check_optimizer(path: Path, optimizer: Optimizer, saved: dict, state: dict) -> None:
    if saved.get("class") != type(optimizer).__name__:
        raise CheckpointError(f"{path} holds {saved.get('class')} state, the optimizer is {type(optimizer).__name__}")
    groups = state["param_groups"]
    own_sizes = [len(g["params"]) for g in optimizer.param_groups]
    sizes = [len(g["params"]) for g in groups]
    if sizes != own_sizes:
        raise CheckpointError(
            f"{path}: the optimizer state has parameter groups of sizes {sizes}, the optimizer {own_sizes}"
        )
    params = [p for g in optimizer.param_groups for p in g["params"]]
    for index, entry in state["state"].items():
        if not 0 <= int(index) < len(params):
            raise CheckpointError(f"{path}: optimizer state for parameter {index}, but there are {len(params)}")
        p = params[int(index)]
        for key, value in entry.items():
            if isinstance(value, np.ndarray) and value.ndim and value.shape != p.shape:
                raise CheckpointError(
                    f"{path}: optimizer state optim.state.{index}.{key} has shape {value.shape}, "
                    f"its parameter {p.shape}"
                )


def _as_list(schedulers) -> list:
    if schedulers is None:
        return []
    return list(schedulers) if isinstance(schedulers, (list, tuple)) else [schedulers]


# ---------------------------------------------------------------------------------------------- public API
def save_checkpoint(
    path: str | os.PathLike,
    model: Module,
    optimizer: Optimizer | None = None,
    scheduler=None,
    loader=None,
    *,
    epoch: int = 0,
    iteration: int = 0,
    hparams: Mapping | None = None,
    extra: Mapping | None = None,
    objects: Mapping[str, object] | None = None,
) -> Path:
    """Write everything a run needs to continue bit for bit into one safetensors file, atomically.

    Args:
        path: the file to write (replaced atomically if it exists).
        model: its ``state_dict()`` goes under ``model.<name>``.
        optimizer: its ``state_dict()``: arrays under ``optim.state.<index>.<key>``, the rest as JSON.
        scheduler: a learning-rate scheduler, or a list of them (their ``state_dict()``).
        loader: anything with ``state_dict()``, e.g. a DataLoader (the state of its shuffling generator).
        epoch, iteration: progress counters, returned by :func:`load_checkpoint`.
        hparams: the run's hyperparameters (JSON-serialisable).
        extra: any other JSON-like data (arrays inside are stored as tensors).
        objects: more named objects with ``state_dict()``/``load_state_dict()`` (e.g. callbacks).

    Glassnet's global random generator state is always saved. Returns the path written.
    """
    path = Path(path)
    tensors = {_MODEL + name: _contiguous(value.numpy()) for name, value in model.state_dict().items()}
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "model_class": type(model).__name__,
        "progress": json.dumps({"epoch": int(epoch), "iteration": int(iteration)}),
        "rng": json.dumps(_encode(backend.get_rng_state(), ("rng",), tensors)),
    }
    if hparams is not None:
        metadata["hparams"] = json.dumps(_encode(dict(hparams), ("hparams",), tensors))
    if optimizer is not None:
        state = optimizer.state_dict()
        # Optimizer state dicts are keyed by parameter index: store the index as the path component.
        encoded_state = {str(i): _encode(s, (_OPTIM, "state", str(i)), tensors) for i, s in state["state"].items()}
        groups = _encode(state["param_groups"], (_OPTIM, "param_groups"), tensors)
        saved = {"class": type(optimizer).__name__, "param_groups": groups, "state": encoded_state}
        metadata["optimizer"] = json.dumps(saved)
    schedulers = _as_list(scheduler)
    if schedulers:
        metadata["scheduler"] = json.dumps(
            [
                {"class": type(s).__name__, "state": _encode(s.state_dict(), ("scheduler", str(i)), tensors)}
                for i, s in enumerate(schedulers)
            ]
        )
    if loader is not None:
        metadata["loader"] = json.dumps(_encode(loader.state_dict(), ("loader",), tensors))
    if objects:
        metadata["objects"] = json.dumps(
            {name: _encode(obj.state_dict(), ("objects", name), tensors) for name, obj in objects.items()}
        )
    if extra is not None:
        metadata["extra"] = json.dumps(_encode(dict(extra), ("extra",), tensors))
    metadata["sha256"] = _digest(tensors, metadata)
    atomic_write(path, safetensors.numpy.save(tensors, metadata=metadata))
    return path


def read_checkpoint(path: str | os.PathLike) -> dict:
    """Read and verify a checkpoint without loading it into anything.

    Returns a dict with ``epoch``, ``iteration``, ``hparams``, ``extra``, ``model`` (the model's
    ``state_dict`` as arrays), ``optimizer`` (a ``state_dict`` in PyTorch's layout, or None),
    ``scheduler`` (a list of state dicts), ``loader``, ``rng``, ``objects``, ``model_class`` and
    ``path``. Raises :class:`CheckpointError` on any damage.
    """
    path = Path(path)
    metadata, tensors = _read(path)
    if metadata.get("format") != FORMAT:
        raise CheckpointError(
            f"{path} is not a glassnet checkpoint (format {metadata.get('format')!r}); "
            "for a bare state_dict use load_weights()"
        )
    version = metadata.get("format_version")
    if version != str(FORMAT_VERSION):
        raise CheckpointError(f"{path}: checkpoint format version {version}, this glassnet reads {FORMAT_VERSION}")
    if metadata.get("sha256") != _digest(tensors, metadata):
        raise CheckpointError(f"{path}: the contents do not match their recorded SHA-256; the file is corrupted")
    used = {name for name in tensors if name.startswith(_MODEL)}
    try:
        info = {"path": str(path), "model_class": metadata.get("model_class")}
        info.update(_json_field(path, metadata, "progress", {}))
        info["model"] = {name[len(_MODEL) :]: tensors[name] for name in used}
        for key, default in (("hparams", {}), ("extra", {}), ("rng", None), ("loader", None), ("objects", {})):
            info[key] = _decode(_json_field(path, metadata, key, default), tensors, used)
        info["scheduler"] = _decode(_json_field(path, metadata, "scheduler", []), tensors, used)
        saved = _json_field(path, metadata, "optimizer")
        info["optimizer"] = None
        if saved is not None:
            info["optimizer_class"] = saved["class"]
            info["optimizer"] = {
                "state": {int(i): _decode(s, tensors, used) for i, s in saved["state"].items()},
                "param_groups": _decode(saved["param_groups"], tensors, used),
            }
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as err:
        if isinstance(err, CheckpointError):
            raise
        raise CheckpointError(f"{path}: malformed metadata ({type(err).__name__}: {err})") from err
    unused = sorted(set(tensors) - used)
    if unused:
        raise CheckpointError(f"{path}: tensors {unused} are not referred to by any saved state")
    return info


def load_checkpoint(
    path: str | os.PathLike,
    model: Module,
    optimizer: Optimizer | None = None,
    scheduler=None,
    loader=None,
    *,
    objects: Mapping[str, object] | None = None,
    restore_rng: bool = True,
) -> dict:
    """Restore a checkpoint written by :func:`save_checkpoint` into the given objects: all of them or none.

    The whole file is verified first (format, SHA-256 digest, model tensor names, shapes and dtypes,
    optimizer class and layout, presence of every requested part). Then the model, optimizer,
    scheduler(s), loader, named ``objects`` and (with ``restore_rng``) glassnet's global generator
    are restored in that order; if one of them refuses its state, those already restored are put
    back as they were before the error is raised. ``objects=None`` ignores any saved objects; a
    mapping must name exactly the ones saved. ``restore_rng=False`` leaves the global generator alone
    (loading weights for inference, say).

    Returns the metadata of :func:`read_checkpoint` (epoch, iteration, hparams, extra, ...).
    Raises :class:`CheckpointError` naming the file and the problem.
    """
    info = read_checkpoint(path)
    path = Path(path)
    own = {name: value.numpy().copy() for name, value in model.state_dict().items()}  # the way back
    _compare(path, f"model {type(model).__name__}", info["model"], own)
    if optimizer is not None:
        if info["optimizer"] is None:
            raise CheckpointError(f"{path} holds no optimizer state")
        _check_optimizer(path, optimizer, {"class": info.get("optimizer_class")}, info["optimizer"])
    schedulers = _as_list(scheduler)
    if schedulers:
        saved = info["scheduler"]
        classes = [s["class"] for s in saved]
        own_classes = [type(s).__name__ for s in schedulers]
        if classes != own_classes:
            raise CheckpointError(f"{path} holds scheduler state for {classes}, given {own_classes}")
    if loader is not None and info["loader"] is None:
        raise CheckpointError(f"{path} holds no loader state")
    if objects is not None and set(objects) != set(info["objects"]):
        raise CheckpointError(f"{path} holds state for objects {sorted(info['objects'])}, given {sorted(objects)}")
    objects = dict(objects or {})
    if restore_rng and info["rng"] is None:
        raise CheckpointError(f"{path} holds no random generator state")

    # Everything checked: apply, keeping a way back for each step.
    undo = []
    try:
        model.load_state_dict(info["model"])
        undo.append(lambda: model.load_state_dict(own))
        if optimizer is not None:
            before = optimizer.state_dict()
            optimizer.load_state_dict(info["optimizer"])
            undo.append(lambda: optimizer.load_state_dict(before))
        for sched, saved in zip(schedulers, info["scheduler"]):
            before_s = sched.state_dict()
            sched.load_state_dict(saved["state"])
            undo.append(lambda s=sched, b=before_s: s.load_state_dict(b))
        if loader is not None:
            before_l = loader.state_dict()
            loader.load_state_dict(info["loader"])
            undo.append(lambda: loader.load_state_dict(before_l))
        for name, obj in objects.items():
            before_o = obj.state_dict()
            obj.load_state_dict(info["objects"][name])
            undo.append(lambda o=obj, b=before_o: o.load_state_dict(b))
        if restore_rng:
            before_rng = backend.get_rng_state()
            backend.set_rng_state(info["rng"])
            undo.append(lambda: backend.set_rng_state(before_rng))
    except Exception as err:
        for step in reversed(undo):
            step()
        raise CheckpointError(f"{path}: restoring failed ({type(err).__name__}: {err}); nothing was changed") from err
    return info


def save_weights(path: str | os.PathLike, model: Module, metadata: Mapping[str, str] | None = None) -> Path:
    """Write ``model.state_dict()`` as a bare safetensors file (PyTorch's names, no prefix), atomically.

    The file loads into the matching PyTorch model with
    ``model.load_state_dict(safetensors.torch.load_file(path))``.
    """
    path = Path(path)
    tensors = {name: _contiguous(value.numpy()) for name, value in model.state_dict().items()}
    atomic_write(path, safetensors.numpy.save(tensors, metadata=dict(metadata) if metadata else None))
    return path


def load_weights(path: str | os.PathLike, model: Module) -> Module:
    """Load a safetensors ``state_dict`` into ``model``, all or nothing; returns the model.

    Reads files written by :func:`save_weights`, by ``safetensors.torch.save_file(m.state_dict(), path)``
    and the model part of a glassnet checkpoint. Names, shapes and dtypes must match exactly; the
    error lists every difference (a float64 model needs float64 weights: ``model.to(dtype)`` first).
    """
    path = Path(path)
    metadata, tensors = _read(path)
    if metadata.get("format") == FORMAT:
        tensors = read_checkpoint(path)["model"]
    own = model.state_dict()
    _compare(path, f"model {type(model).__name__}", tensors, own)
    model.load_state_dict(tensors)
    return model
