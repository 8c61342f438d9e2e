"""The array backend: which array module holds the data, the default dtype, the global seed, the thread count.

Ops never import numpy for tensor math directly; they ask :func:`xp_of` for the module that
owns an array, so a CuPy backend later is a change here and nowhere else.
"""

from __future__ import annotations

import numbers

import numpy as np


class dtype:
    """A tensor's element type under PyTorch's name: prints as ``glassnet.float32`` and is NumPy's inside.

    It compares equal to NumPy's dtype (``x.dtype == np.float32``), hashes like it, and NumPy accepts it
    wherever a dtype goes (NumPy reads its ``.dtype``); NumPy's attributes (``kind``, ``itemsize``) pass through.
    """

    __slots__ = ("dtype", "name")
    _known: dict = {}  # NumPy dtype -> its one glassnet dtype

    def __init__(self, name: str, numpy_dtype):
        self.name, self.dtype = name, np.dtype(numpy_dtype)

    @classmethod
    def of(cls, numpy_dtype) -> dtype:
        """The glassnet dtype of a NumPy dtype (or of anything ``np.dtype`` reads)."""
        try:
            return cls._known[numpy_dtype]
        except (KeyError, TypeError):
            numpy_dtype = np.dtype(numpy_dtype)
            if numpy_dtype not in cls._known:
                cls._known[numpy_dtype] = cls(numpy_dtype.name, numpy_dtype)
            return cls._known[numpy_dtype]

    @property
    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self.dtype.kind == "c"

    @property
    def is_signed(self) -> bool:
        return self.dtype.kind in "fic"

    def __getattr__(self, name: str):
        return getattr(self.dtype, name)

    def __eq__(self, other) -> bool:
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __repr__(self) -> str:
        return f"glassnet.{self.name}"

    def __reduce__(self):
        return (dtype.of, (self.dtype.str,))


# PyTorch's names, each the one glassnet dtype of its NumPy dtype (``float`` is float32, ``long`` int64, ...)
for _name, _numpy in [("float16", np.float16), ("float32", np.float32), ("float64", np.float64), ("int8", np.int8),
                      ("uint8", np.uint8), ("int16", np.int16), ("int32", np.int32), ("int64", np.int64),
                      ("bool", np.bool_), ("complex64", np.complex64), ("complex128", np.complex128)]:  # fmt: skip
    dtype._known[np.dtype(_numpy)] = dtype(_name, _numpy)

_default_dtype = np.dtype(np.float32)
_rng = np.random.default_rng(0)


def xp_of(array) -> object:
    """The array module (numpy, or cupy for GPU arrays) that owns ``array``."""
    module = type(array).__module__
    if module.startswith("cupy"):  # pragma: no cover - exercised only where CuPy exists
        import cupy

        return cupy
    return np


def get_default_dtype() -> dtype:
    """The floating dtype new tensors get when none is given (float32 unless changed)."""
    return dtype.of(_default_dtype)


def default_float() -> np.dtype:
    """:func:`get_default_dtype` as NumPy's dtype, for the library's own arrays (NumPy takes it fastest)."""
    return _default_dtype


def set_default_dtype(d) -> None:
    """Make ``d`` (float32 or float64) the default for new floating tensors."""
    global _default_dtype
    new = np.dtype(d)
    if new not in (np.float32, np.float64):
        raise TypeError(f"default dtype must be float32 or float64, got {new}")
    _default_dtype = new


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


_blas_libraries = None  # threadpoolctl's handles on NumPy's BLAS, found on first use (the scan takes milliseconds)


def _blas():
    global _blas_libraries
    if _blas_libraries is None:
        from threadpoolctl import ThreadpoolController

        _blas_libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    return _blas_libraries


def get_num_threads() -> int:
    """The threads one matrix product may use (``torch.get_num_threads``): NumPy's BLAS setting.

    Set by ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` before import, by :func:`set_num_threads`, or for a
    block by ``threadpoolctl.threadpool_limits``. Everything else glassnet does (elementwise work, copies,
    reductions) runs on the calling thread: handing it to a second thread cost more than it saved.
    """
    return max([library.num_threads for library in _blas()], default=1)


def set_num_threads(threads: int) -> None:
    """Let each matrix product use ``threads`` threads (``torch.set_num_threads``), with PyTorch's errors."""
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(threads).__name__}")
    if threads < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    for library in _blas():
        library.set_num_threads(int(threads))
