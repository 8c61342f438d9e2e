"""The memory the fused kernels reuse between calls: the one place that decides which arrays are kept.

A large array comes from the operating system as untouched pages: the first write to each 4 KiB page
costs a page fault, and freeing the array hands the pages back. A small LSTM step allocates about 10 MB
per call, some 2,500 faults, which took a third of its time before its arrays were reused. So the
recurrent kernels take their large arrays from here, in two kinds (the convolutions need neither: they
copy their patch matrices in runs of about 1 MiB, which malloc's free lists hand back without faults):

- :func:`empty`: an array that may outlive the call (saved for the backward, or returned). It is handed
  out again only when nothing but this module refers to it: no tensor, view, saved context or gradient.
  CPython's reference count says so exactly; the count of a free array is measured once at import
  (:data:`_FREE_COUNT`), not assumed. At most 256 MiB are kept.
- :func:`scratch`: a temporary that lives within one forward or backward call and is never returned or
  saved: a view of one buffer per thread, grown on demand, valid until that thread's next ``scratch``.
  A request over 64 MiB gets a fresh array instead.

:func:`release_buffers` drops every array not in use (measure memory after it); :func:`buffer_bytes`
says how much is held. Both are exported as ``glassnet.release_buffers`` and ``glassnet.buffer_bytes``.
Another array module (CuPy) has a memory pool of its own: it gets fresh arrays from both.

Every other array comes from malloc. On glibc an array of 128 KiB or more is its own ``mmap``, returned to
the system when freed and page-faulted back on the next step, and the heap's free top is trimmed as soon
as it passes 128 KiB. :func:`keep_freed_memory` (run at import) raises both thresholds, so freed
activations stay in the process for the next step, as PyTorch's caching allocator keeps them (measured:
LeNet-5's step 7.4 -> 6.0 ms at 2 threads). It leaves a process alone where the user set glibc's
``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_TRIM_THRESHOLD_``, and ``GLASSNET_KEEP_FREED_MEMORY=0`` turns it off.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import threading
import weakref

import numpy as np

_MIN_BYTES = 1 << 16  # smaller arrays come from malloc's own free lists, without page faults
_BUDGET = 256 << 20  # bytes kept by empty(), in use or free
_SCRATCH_LIMIT = 64 << 20  # a larger scratch request gets a fresh array, not a buffer kept for good


def _references(bucket: list) -> list:
    """sys.getrefcount of each array in ``bucket``: the one place counts are taken, so they compare exactly."""
    return [sys.getrefcount(array) for array in bucket]


_FREE_COUNT = _references([np.empty(0)])[0]


class _Reusable:
    """The arrays :func:`empty` keeps, by (shape, dtype), and their total size in bytes."""

    def __init__(self, budget: int):
        self.budget, self.held, self.buckets = budget, 0, {}
        self.lock = threading.Lock()  # a free array is handed to one caller only, even from several threads

    def empty(self, shape: tuple, dtype: np.dtype, nbytes: int):
        with self.lock:
            bucket = self.buckets.setdefault((shape, dtype), [])
            for array, count in zip(bucket, _references(bucket)):
                if count == _FREE_COUNT:
                    return array
            if self.held + nbytes > self.budget:
                self._release()
            array = np.empty(shape, dtype)
            if self.held + nbytes <= self.budget:
                bucket.append(array)
                self.held += nbytes
            return array

    def release(self) -> None:
        with self.lock:
            self._release()

    def _release(self) -> None:
        for key, bucket in list(self.buckets.items()):
            free = [i for i, count in enumerate(_references(bucket)) if count == _FREE_COUNT]
            for i in reversed(free):
                self.held -= bucket.pop(i).nbytes
            if not bucket:
                del self.buckets[key]


class _Scratch:
    """One thread's scratch buffer, in a holder that :func:`release_buffers` can reach from any thread."""

    __slots__ = ("array", "__weakref__")

    def __init__(self):
        self.array = None


_REUSABLE = _Reusable(_BUDGET)
_thread = threading.local()
_scratches = weakref.WeakSet()  # every living thread's holder; a thread's goes when the thread ends
_scratches_lock = threading.Lock()


def empty(shape: tuple, dtype, xp=np):
    """An uninitialised array that may be kept by the caller (saved, returned), reused once nobody holds it."""
    dtype = np.dtype(dtype)
    shape = tuple(shape)
    nbytes = math.prod(shape) * dtype.itemsize
    if xp is not np or nbytes < _MIN_BYTES:
        return xp.empty(shape, dtype=dtype)
    return _REUSABLE.empty(shape, dtype, nbytes)


def scratch(shape: tuple, dtype, xp=np):
    """An uninitialised temporary in this thread's scratch buffer: never return or save it.

    Valid until this thread's next call: two scratch arrays alive at once would share memory.
    """
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if xp is not np or nbytes > _SCRATCH_LIMIT:
        return xp.empty(shape, dtype=dtype)
    holder = getattr(_thread, "scratch", None)
    if holder is None:
        holder = _thread.scratch = _Scratch()
        with _scratches_lock:
            _scratches.add(holder)
    buffer = holder.array
    if buffer is None or buffer.nbytes < nbytes:
        buffer = holder.array = np.empty(nbytes, dtype=np.uint8)
    return buffer[:nbytes].view(dtype).reshape(shape)


def release_buffers() -> None:
    """Free every kept array nobody else uses, and every thread's scratch buffer (one in use lives on until freed)."""
    _REUSABLE.release()
    with _scratches_lock:
        for holder in _scratches:
            holder.array = None


def buffer_bytes() -> int:
    """Bytes held for reuse: the kept arrays (in use or free) plus every thread's scratch buffer."""
    with _scratches_lock:
        scratch_total = sum(holder.array.nbytes for holder in _scratches if holder.array is not None)
    return _REUSABLE.held + scratch_total


# glibc's mallopt parameters and the largest mmap threshold it accepts on 64-bit systems (HEAP_MAX_SIZE / 2)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 << 20
_TRIM_THRESHOLD = 256 << 20


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse (see the module docstring); True if the settings took."""
    if os.environ.get("GLASSNET_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False  # the user chose
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to tune
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))


FREED_MEMORY_KEPT = keep_freed_memory()
