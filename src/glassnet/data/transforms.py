"""Augmentations for ``DataLoader(..., transform=...)``: functions ``transform(x_batch, rng) -> x_batch`` on NumPy."""

from __future__ import annotations

import numpy as np


def random_shift(x_batch: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Move each image by its own offset (dy, dx), drawn uniformly from [-max_shift, max_shift]^2, zero fill.

    ``x_batch`` is (N, ..., H, W): the last two axes are rows and columns. Pixels pushed past the
    border are lost; the uncovered side is 0 (the background of MNIST-like digits). Returns a new
    array of the same shape and dtype; ``x_batch`` is not changed. Use as a DataLoader transform
    (``transform=random_shift``, or ``functools.partial(random_shift, max_shift=1)``).
    """
    if max_shift < 0:
        raise ValueError(f"max_shift must be >= 0, got {max_shift}")
    n, h, w = x_batch.shape[0], x_batch.shape[-2], x_batch.shape[-1]
    offsets = rng.integers(-max_shift, max_shift + 1, size=(n, 2))
    out = np.zeros_like(x_batch)
    # one slice copy per distinct offset, over all the images that drew it
    for dy, dx in np.unique(offsets, axis=0):
        rows = np.flatnonzero((offsets[:, 0] == dy) & (offsets[:, 1] == dx))
        out[rows, ..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x_batch[
            rows, ..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
        ]
    return out
