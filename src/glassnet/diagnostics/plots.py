"""Figures of the diagnostics: gradient flow, activation statistics, dead or saturated units.

Each function builds a ``matplotlib.figure.Figure`` directly (never pyplot's global state), returns
it, and writes it as a PNG when given ``path``. Each takes one model's records or, to compare
models on one figure, a mapping from a label to such records; layers are matched by position.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
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
