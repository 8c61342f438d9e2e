"""Figures of energy-based models: learned filters and sampling chains as image grids.

Each function builds a ``matplotlib.figure.Figure`` directly (never pyplot's global state), returns
it, and writes it as a PNG when given ``path``.
"""

from __future__ import annotations

import math
import os

import numpy as np
from matplotlib.figure import Figure


def _image_grid(images: np.ndarray, n_rows: int, n_cols: int, *, symmetric: bool, title: str) -> Figure:
    """A grid of grey images (n_rows * n_cols, h, w), one axes each, ticks off."""
    fig = Figure(figsize=(max(2.0, 0.9 * n_cols), max(1.5, 0.9 * n_rows + 0.4)), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < len(images):
            image = images[index]
            if symmetric:  # weights: 0 is mid-grey, each filter on its own scale
                limit = float(np.abs(image).max()) or 1.0
                ax.imshow(image, cmap="gray", vmin=-limit, vmax=limit, interpolation="nearest")
            else:  # samples and probabilities live in [0, 1]
                ax.imshow(image, cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
    fig.suptitle(title)
    return fig


def _save(fig: Figure, path: str | os.PathLike | None, dpi: int) -> Figure:
    if path is not None:
        fig.savefig(path, format="png", dpi=dpi)
    return fig


def plot_filters(
    W,
    shape: tuple[int, int],
    *,
    n_filters: int | None = None,
    n_cols: int | None = None,
    title: str = "Learned filters",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
) -> Figure:
    """Each hidden unit's incoming weights drawn as an image (grey = 0, each filter scaled on its own).

    Args:
        W: (n_hidden, n_visible) weights (``components_``), n_visible = shape[0] * shape[1].
        shape: (height, width) of one image.
        n_filters: how many filters to draw (default all).
        n_cols: grid width (default about sqrt(n_filters)).
        path: where to write the PNG, if anywhere.

    Returns:
        The figure.
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[1] != shape[0] * shape[1]:
        raise ValueError(f"expected W of shape (n_hidden, {shape[0] * shape[1]}) for images {shape}, got {W.shape}")
    W = W[: n_filters or len(W)]
    n_cols = n_cols or math.ceil(math.sqrt(len(W)))
    fig = _image_grid(W.reshape(-1, *shape), math.ceil(len(W) / n_cols), n_cols, symmetric=True, title=title)
    return _save(fig, path, dpi)


def plot_chain(
    samples,
    shape: tuple[int, int],
    *,
    title: str = "Gibbs chains",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
) -> Figure:
    """States of sampling chains over time: one row per chain, one column per recorded step.

    Args:
        samples: (n_steps, n_chains, n_visible) or, for one chain, (n_steps, n_visible) visible states
            or probabilities in [0, 1].
        shape: (height, width) of one image.
        path: where to write the PNG, if anywhere.

    Returns:
        The figure.
    """
    samples = np.asarray(samples)
    if samples.ndim == 2:
        samples = samples[:, None, :]
    if samples.ndim != 3 or samples.shape[2] != shape[0] * shape[1]:
        raise ValueError(
            f"expected samples (n_steps, n_chains, {shape[0] * shape[1]}) for images {shape}, got {samples.shape}"
        )
    n_steps, n_chains = samples.shape[:2]
    images = samples.transpose(1, 0, 2).reshape(-1, *shape)  # row-major: chain by chain
    fig = _image_grid(images, n_chains, n_steps, symmetric=False, title=title)
    return _save(fig, path, dpi)
