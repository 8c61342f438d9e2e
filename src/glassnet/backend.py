"""The array backend: which array module holds the data, the default dtype, and the global seed.

Ops never import numpy for tensor math directly; they ask :func:`xp_of` for the module that
owns an array, so a CuPy backend later is a change here and nowhere else.
"""

from __future__ import annotations

import numpy as np

_default_dtype = np.dtype(np.float32)
_rng = np.random.default_rng(0)


def xp_of(array) -> object:
    """The array module (numpy, or cupy for GPU arrays) that owns ``array``."""
    module = type(array).__module__
    if module.startswith("cupy"):  # pragma: no cover - exercised only where CuPy exists
        import cupy

        return cupy
    return np


def get_default_dtype() -> np.dtype:
    """The floating dtype new tensors get when none is given (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Make ``dtype`` (float32 or float64) the default for new floating tensors."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"default dtype must be float32 or float64, got {dtype}")
    _default_dtype = dtype


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator used by random constructors, initialisers and dropout."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def default_rng() -> np.random.Generator:
    """The global generator (seeded by :func:`manual_seed`)."""
    return _rng


def get_rng_state() -> dict:
    """The global generator's state, JSON-serialisable, for checkpoints."""
    return _rng.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore the global generator's state saved by :func:`get_rng_state`."""
    _rng.bit_generator.state = state


class Generator:
    """PyTorch's ``Generator``: a seedable source of random numbers (a NumPy Generator inside).

    ``Generator().manual_seed(s)`` gives the same stream on every run, independent of the global seed.
    """

    def __init__(self, device: str = "cpu"):
        if str(device).split(":")[0] != "cpu":
            raise NotImplementedError(f"Generator(device={device!r}): glassnet runs on the CPU only")
        self._seed = 0
        self.rng = np.random.default_rng(0)

    def manual_seed(self, seed: int) -> Generator:
        self._seed, self.rng = int(seed), np.random.default_rng(int(seed))
        return self

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        self.rng.bit_generator.state = state
        return self


def random_generator(generator=None) -> np.random.Generator:
    """The NumPy generator behind ``generator=``: a glassnet Generator, a NumPy one, or None for the global one."""
    if generator is None:
        return _rng
    return generator.rng if isinstance(generator, Generator) else generator
