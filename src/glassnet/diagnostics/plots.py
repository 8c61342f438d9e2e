"""Figures: gradient flow, activation statistics, dead or saturated units; what models learned and generate.

Each function builds a ``matplotlib.figure.Figure`` directly (never pyplot's global state), returns
it, and writes it as a PNG when given ``path``. The diagnostics take one model's records or, to compare
models on one figure, a mapping from a label to such records; layers are matched by position. The
image figures draw filters and Gibbs chains of energy-based models, codes and reconstructions of
autoencoders, and samples and losses of GANs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from .activations import ActivationStats
from .gradients import GradientFlow


def _by_model(data, record_types: tuple) -> dict[str, object]:
    """{label: records}: one unlabelled model, or several when ``data`` maps labels to records."""
    if isinstance(data, Mapping) and data and all(isinstance(v, (Mapping, *record_types)) for v in data.values()):
        return dict(data)
    return {"": data}


def _layer_axis(ax, names: list[str]) -> None:
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=45 if len(names) > 6 else 0, ha="right" if len(names) > 6 else "center")
    ax.set_xlabel("layer (input side on the left)")
    ax.grid(True, alpha=0.3)


def _longest(series: dict[str, Mapping]) -> list[str]:
    return max((list(s) for s in series.values()), key=len, default=[])


def _save(fig: Figure, path: str | os.PathLike | None, dpi: int) -> Figure:
    if path is not None:
        fig.savefig(path, format="png", dpi=dpi)
    return fig


def plot_gradient_flow(
    norms,
    *,
    title: str = "Gradient flow",
    ylabel: str = "gradient norm",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
) -> Figure:
    """Per-layer gradient norms on a log scale: a line at each layer's mean over steps, a band from min to max.

    Args:
        norms: a :class:`GradientFlow` (its ``norms``), a mapping layer name -> float or list of floats
            (e.g. ``flow.output_norms``), or a mapping label -> either of those to compare models.
        path: where to write the PNG, if anywhere.

    Returns:
        The figure (one axes).
    """
    series = {}
    for label, records in _by_model(norms, (GradientFlow,)).items():
        records = records.norms if isinstance(records, GradientFlow) else records
        series[label] = {name: np.atleast_1d(np.asarray(v, dtype=np.float64)) for name, v in records.items()}
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for label, layers in series.items():
        x = np.arange(len(layers))
        filled = [v[v > 0] for v in layers.values()]  # a log axis cannot show 0
        centre = np.array([v.mean() if v.size else np.nan for v in filled])
        (line,) = ax.plot(x, centre, marker="o", label=label or None)
        if any(v.size > 1 for v in filled):
            low = np.array([v.min() if v.size else np.nan for v in filled])
            high = np.array([v.max() if v.size else np.nan for v in filled])
            ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_yscale("log")
    _layer_axis(ax, _longest(series))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if any(series):
        ax.legend()
    return _save(fig, path, dpi)


def plot_activation_stats(
    stats,
    *,
    title: str = "Activations per layer",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
) -> Figure:
    """Two panels per layer: the mean and the standard deviation of its outputs, averaged over forwards.

    Args:
        stats: an :class:`ActivationStats`, or a mapping label -> ``ActivationStats`` to compare models.
        path: where to write the PNG, if anywhere.

    Returns:
        The figure (two axes: mean, std).
    """
    models = _by_model(stats, (ActivationStats,))
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    ax_mean, ax_std = fig.subplots(1, 2)
    names = []
    for label, recorder in models.items():
        if not isinstance(recorder, ActivationStats):
            raise TypeError(f"expected ActivationStats, got {type(recorder).__name__}")
        # one model: name each layer's kind; several: their kinds may differ at the same position
        layers = [f"{name} ({kind})" if len(models) == 1 else name for name, kind in recorder.kinds.items()]
        names = layers if len(layers) > len(names) else names
        for ax, records in ((ax_mean, recorder.means), (ax_std, recorder.stds)):
            values = [np.mean(v) if v else np.nan for v in records.values()]
            ax.plot(np.arange(len(values)), values, marker="o", label=label or None)
    for ax, ylabel in ((ax_mean, "mean of outputs"), (ax_std, "std of outputs")):
        _layer_axis(ax, names)
        ax.set_ylabel(ylabel)
        if any(models):
            ax.legend()
    fig.suptitle(title)
    return _save(fig, path, dpi)


def plot_dead_units(
    fractions,
    *,
    title: str = "Dead ReLU units",
    ylabel: str = "fraction of units dead on every sample",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
) -> Figure:
    """Bars of a per-layer fraction in [0, 1]: dead ReLU units by default, or saturated units.

    Args:
        fractions: an :class:`ActivationStats` (its ``dead_fraction()``), a mapping layer name -> fraction
            (e.g. ``stats.saturation_fraction()``, with a matching ``title`` and ``ylabel``), or a
            mapping label -> either of those to compare models (grouped bars).
        path: where to write the PNG, if anywhere.

    Returns:
        The figure (one axes).
    """
    series = {}
    for label, records in _by_model(fractions, (ActivationStats,)).items():
        series[label] = records.dead_fraction() if isinstance(records, ActivationStats) else dict(records)
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / max(len(series), 1)
    for i, (label, layers) in enumerate(series.items()):
        x = np.arange(len(layers)) + (i - (len(series) - 1) / 2) * width
        ax.bar(x, [float(v) for v in layers.values()], width=width, label=label or None)
    _layer_axis(ax, _longest(series))
    ax.set_ylim(0, 1)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if any(series):
        ax.legend()
    return _save(fig, path, dpi)


# ----------------------------------------------------------------------- images: filters, chains, mosaics
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


def tile_images(images, image_shape: tuple | None = None, ncols: int | None = None, pad: int = 1) -> np.ndarray:
    """Lay images (N, H, W), (N, 1, H, W) or flat (N, H*W) with ``image_shape``=(H, W) out in one 2-D mosaic.

    ``ncols`` defaults to ceil(sqrt(N)); cells are separated by ``pad`` pixels of NaN (drawn blank).
    Each image keeps its own values: scale them beforehand if they should share a colour range.
    """
    images = np.asarray(images, dtype=np.float64)
    if image_shape is not None:
        images = images.reshape(len(images), *image_shape)
    images = images.reshape(len(images), images.shape[-2], images.shape[-1])
    n, h, w = images.shape
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    mosaic = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), np.nan)
    for k, image in enumerate(images):
        r, c = divmod(k, ncols)
        mosaic[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = image
    return mosaic


def plot_sample_grid(
    images,
    image_shape: tuple | None = None,
    ncols: int | None = None,
    *,
    title: str = "Samples",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """One mosaic of images (see :func:`tile_images`) in grey; returns the ``matplotlib.figure.Figure``."""
    mosaic = tile_images(images, image_shape, ncols)
    fig = Figure(figsize=(6, 6 * mosaic.shape[0] / mosaic.shape[1] + 0.5), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(mosaic, cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title)
    return _save(fig, path, dpi)


def plot_snapshots(
    history,
    image_shape: tuple | None = None,
    per_row: int = 10,
    *,
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """Samples from the same noise over training: one row per snapshot, labelled with its iteration.

    ``history``: a :class:`glassnet.train.GANHistory` recorded with ``snapshot_every``.
    """
    if not history.snapshots:
        raise ValueError("the history holds no snapshots: train with snapshot_every=...")
    rows = [tile_images(samples[:per_row], image_shape, per_row) for _, samples in history.snapshots]
    low, high = min(np.nanmin(r) for r in rows), max(np.nanmax(r) for r in rows)  # one grey scale for all rows
    fig = Figure(figsize=(per_row * 0.6 + 1.2, len(rows) * 0.65 + 0.5), layout="constrained")
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, row, (iteration, _) in zip(axes, rows, history.snapshots):
        ax.imshow(row, cmap="gray", interpolation="nearest", vmin=low, vmax=high)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(str(iteration), rotation=0, ha="right", va="center")
    fig.suptitle("Samples from fixed noise, by iteration")
    return _save(fig, path, dpi)


def plot_ring_samples(
    real,
    fake,
    centres=None,
    *,
    title: str = "Ring of Gaussians: real and generated",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """Scatter of real and generated 2-D points, with the mode centres if given."""
    real, fake = np.asarray(real), np.asarray(fake)
    fig = Figure(figsize=(5, 5), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(real[:, 0], real[:, 1], s=4, alpha=0.4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, alpha=0.4, label="generated")
    if centres is not None:
        centres = np.asarray(centres)
        ax.scatter(centres[:, 0], centres[:, 1], marker="x", color="black", label="mode centres")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small")
    ax.set_title(title)
    return _save(fig, path, dpi)


def plot_gan_losses(history, *, path: str | os.PathLike | None = None, dpi: int = 100):
    """Losses of both networks (left) and D's mean probabilities on real and fake batches (right), from a GANHistory."""
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    steps = np.arange(1, history.iterations + 1)
    left.plot(steps, history.d_loss, label="discriminator")
    left.plot(steps, history.g_loss, label="generator")
    left.set_xlabel("iteration")
    left.set_ylabel("loss")
    left.legend()
    right.plot(steps, history.d_real, label="D(x), real")
    right.plot(steps, history.d_fake, label="D(G(z)), fake")
    right.axhline(0.5, color="grey", linestyle=":", linewidth=1)
    right.set_xlabel("iteration")
    right.set_ylabel("mean probability 'real'")
    right.set_ylim(0, 1)
    right.legend()
    return _save(fig, path, dpi)


def plot_codes_2d(
    codes,
    labels=None,
    *,
    title: str = "2-D codes",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """Scatter of 2-D codes (N, 2), coloured by class label when given (one legend entry per class).

    Returns the ``matplotlib.figure.Figure`` (object API, no pyplot state); writes a PNG to ``path`` if given.
    """
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"expected codes of shape (N, 2), got {tuple(codes.shape)}")
    fig = Figure(figsize=(5.5, 5), layout="constrained")
    ax = fig.add_subplot()
    if labels is None:
        ax.scatter(codes[:, 0], codes[:, 1], s=5, alpha=0.6)
    else:
        labels = np.asarray(labels)
        colours = colormaps["tab10"]
        for i, label in enumerate(np.unique(labels)):
            chosen = labels == label
            ax.scatter(codes[chosen, 0], codes[chosen, 1], s=5, alpha=0.6, color=colours(i % 10), label=str(label))
        ax.legend(markerscale=3, fontsize="small", loc="best", ncols=2)
    ax.set_xlabel("code unit 1")
    ax.set_ylabel("code unit 2")
    ax.set_title(title)
    return _save(fig, path, dpi)


def plot_reconstructions(
    originals,
    reconstructions,
    image_shape: tuple | None = None,
    n: int = 10,
    *,
    title: str = "Inputs (top) and reconstructions (bottom)",
    path: str | os.PathLike | None = None,
    dpi: int = 100,
):
    """The first ``n`` inputs above their reconstructions, as one grey mosaic (see :func:`tile_images`)."""
    originals, reconstructions = np.asarray(originals)[:n], np.asarray(reconstructions)[:n]
    shape = image_shape or originals.shape[-2:]
    stacked = np.concatenate(
        [originals.reshape(len(originals), *shape), reconstructions.reshape(len(originals), *shape)]
    )
    return plot_sample_grid(stacked, ncols=len(originals), title=title, path=path, dpi=dpi)
