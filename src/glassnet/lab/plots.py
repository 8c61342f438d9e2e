"""Figures for the lab, drawn with Matplotlib's object API (no global pyplot state, safe in processes)."""

from __future__ import annotations

from matplotlib.figure import Figure


def figure(rows: int = 1, cols: int = 1, width: float = 6.0, height: float = 3.8):
    """A Figure and its axes (a single Axes, or a flat tuple of them) sized for the report."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(rows, cols)
    return fig, (tuple(axes.flat) if rows * cols > 1 else axes)


def titled(ax, title: str, x: str | None = None, y: str | None = None, legend: bool = False) -> None:
    """A panel's title and axis labels, and its legend in the report's small type when ``legend``."""
    ax.set_title(title)
    if x is not None:
        ax.set_xlabel(x)
    if y is not None:
        ax.set_ylabel(y)
    if legend:
        ax.legend(fontsize=8)
