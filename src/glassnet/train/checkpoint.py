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

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import safetensors.numpy

from .. import backend, serialization
from ..fileio import atomic_write
from ..nn.module import Module
from ..optim.optimizer import Optimizer
from ..serialization import _contiguous
from ..serialization import decode as _decode
from ..serialization import digest as _digest

FORMAT = "glassnet.checkpoint"
FORMAT_VERSION = 1

_MODEL = "model."
_OPTIM = "optim"


class CheckpointError(ValueError):
    """A checkpoint or weight file that cannot be read, or does not fit the objects it is loaded into."""


# The JSON codec (numbers, strings, lists, tuples, dicts, arrays and Tensors, arrays moved into the tensor
# body under their dotted path), the digest and the safetensors parser are glassnet.save's, in serialization.
def _encode(value, path: tuple, tensors: dict):
    return serialization.encode(value, path, tensors, CheckpointError)


def _read(path: Path) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """Parse a safetensors file: (header metadata, tensors); any damage raises CheckpointError."""
    return serialization.parse_safetensors(path.read_bytes(), str(path), CheckpointError)


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
                    f"{path}: optimizer state optim.state.{index}.{key} has shape {tuple(value.shape)}, "
                    f"its parameter {tuple(p.shape)}"
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
