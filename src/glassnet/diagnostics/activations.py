"""Activation statistics: mean and spread per layer, dead ReLU units, saturated sigmoid and tanh units.

Definitions used throughout (``eps`` defaults to 0.01):

* A ReLU unit is **dead** on a set of inputs when its output is 0 for every one of them: it then
  passes no gradient to its weights, and plain gradient descent cannot revive it. Units are indexed
  along ``unit_axis`` (1: the features of (N, F), the channels of (N, C, H, W); use -1 for (N, T, F)
  sequences); a channel counts as active if it is positive anywhere.
* A sigmoid output y is **saturated** when it is within ``eps`` of an asymptote: y < eps or
  y > 1 - eps. There dy/dx = y (1 - y) < eps, under 4% of its peak 1/4 for eps = 0.01.
* A tanh output y is **saturated** when |y| > 1 - eps. There dy/dx = 1 - y**2 < 2 eps, under 2% of its
  peak 1 for eps = 0.01.

The saturated fraction counts entries (sample x unit), not units: it is the share of the paths
through the layer along which the gradient is all but cut.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..nn.activation import ELU, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from ..nn.module import Module
from ..tensor import Tensor
from ._text import table
from .hooks import output_tensors

DEFAULT_LAYER_TYPES = (ReLU, LeakyReLU, ELU, Softplus, Sigmoid, Tanh)


def _array(x) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _check_eps(eps: float) -> None:
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must be in (0, 0.5), got {eps}")


def _active_units(y: np.ndarray, unit_axis: int) -> np.ndarray:
    """A boolean per unit: positive for at least one sample (and position) of ``y``."""
    if y.ndim < 2:
        raise ValueError(f"expected activations with a batch axis and a unit axis, got shape {tuple(y.shape)}")
    axis = unit_axis % y.ndim
    if axis == 0:
        raise ValueError("unit_axis cannot be the batch axis 0")
    return (y > 0).any(axis=tuple(a for a in range(y.ndim) if a != axis))


def _saturated_mask(y: np.ndarray, kind: str, eps: float) -> np.ndarray:
    if kind == "sigmoid":
        return (y < eps) | (y > 1 - eps)
    if kind == "tanh":
        return np.abs(y) > 1 - eps
    raise ValueError(f"kind must be 'sigmoid' or 'tanh', got {kind!r}")


def dead_relu_fraction(activations, unit_axis: int = 1) -> float:
    """The fraction of units whose output is 0 for every sample in ``activations``.

    Args:
        activations: ReLU outputs (Tensor or array), batch first: (N, F), (N, C, H, W), ...
        unit_axis: the axis that indexes units (1 by default; -1 for (N, T, F) sequences).
    """
    return float(1.0 - _active_units(_array(activations), unit_axis).mean())


def saturated_fraction(activations, kind: str, eps: float = 0.01) -> float:
    """The fraction of entries of ``activations`` within ``eps`` of an asymptote of ``kind``.

    ``kind='sigmoid'``: y < eps or y > 1 - eps.  ``kind='tanh'``: |y| > 1 - eps.
    """
    _check_eps(eps)
    return float(_saturated_mask(_array(activations), kind, eps).mean())


def _kind(module: Module) -> str:
    if isinstance(module, ReLU):
        return "relu"
    if isinstance(module, Sigmoid):
        return "sigmoid"
    if isinstance(module, Tanh):
        return "tanh"
    return "other"


class ActivationStats:
    """Record, by forward hooks, the statistics of the outputs of ``model``'s activation layers.

    Every forward of a watched layer adds one mean and one standard deviation (over all entries
    of its output, ddof=0, computed in float64). Across all forwards since :meth:`reset`, ReLU
    layers accumulate an "ever active" mask per unit and sigmoid/tanh layers count saturated entries;
    the module docstring gives the exact definitions. Only floats and boolean arrays are kept.

    Args:
        model: the module to watch; every sub-module that is an instance of ``layer_types`` is recorded.
        layer_types: module classes to record. Other types (e.g. ``nn.Linear`` for pre-activations)
            get mean and std only.
        unit_axis: the axis of an output that indexes units, for dead-unit counting.
        eps: the distance from an asymptote under which a sigmoid or tanh output counts as saturated.

    Attributes:
        means, stds: layer name -> list of floats, one per forward.
        kinds: layer name -> 'relu', 'sigmoid', 'tanh' or 'other'.
    """

    def __init__(
        self,
        model: Module,
        layer_types: Iterable[type] = DEFAULT_LAYER_TYPES,
        unit_axis: int = 1,
        eps: float = 0.01,
    ):
        _check_eps(eps)
        self.model, self.unit_axis, self.eps = model, unit_axis, eps
        layer_types = tuple(layer_types)
        self.kinds: dict[str, str] = {}
        self.means: dict[str, list[float]] = {}
        self.stds: dict[str, list[float]] = {}
        self._ever_active: dict[str, np.ndarray | None] = {}
        self._saturated: dict[str, list[int]] = {}  # name -> [saturated entries, entries]
        self._handles = []
        for name, module in model.named_modules():
            if isinstance(module, layer_types):
                self.kinds[name] = _kind(module)
                self._handles.append(module.register_forward_hook(self._hook(name)))
        self.reset()

    def _hook(self, name: str):
        kind = self.kinds[name]

        def hook(module: Module, inputs: tuple, output) -> None:
            for tensor in output_tensors(output):
                self._record(name, kind, tensor._data)

        return hook

    def _record(self, name: str, kind: str, y: np.ndarray) -> None:
        self.means[name].append(float(y.mean(dtype=np.float64)))
        self.stds[name].append(float(y.std(dtype=np.float64)))
        if kind == "relu":
            active = _active_units(y, self.unit_axis)
            seen = self._ever_active[name]
            if seen is not None and seen.shape != active.shape:
                raise ValueError(f"layer {name!r}: {active.size} units in this batch, {seen.size} before")
            self._ever_active[name] = active if seen is None else seen | active
        elif kind in ("sigmoid", "tanh"):
            counts = self._saturated[name]
            counts[0] += int(np.count_nonzero(_saturated_mask(y, kind, self.eps)))
            counts[1] += y.size

    def reset(self) -> None:
        """Forget every record and mask (the hooks stay): e.g. at the start of each epoch."""
        for name, kind in self.kinds.items():
            self.means[name], self.stds[name] = [], []
            if kind == "relu":
                self._ever_active[name] = None
            elif kind in ("sigmoid", "tanh"):
                self._saturated[name] = [0, 0]

    def dead_fraction(self) -> dict[str, float]:
        """ReLU layer name -> fraction of its units that were 0 for every sample seen since ``reset()``.

        A layer that has seen no forward yet is left out.
        """
        return {name: float(1.0 - seen.mean()) for name, seen in self._ever_active.items() if seen is not None}

    def saturation_fraction(self) -> dict[str, float]:
        """Sigmoid/tanh layer name -> fraction of output entries saturated since ``reset()`` (see ``eps``)."""
        return {name: saturated / total for name, (saturated, total) in self._saturated.items() if total}

    def summary(self) -> str:
        """A text table: per layer, its kind, forwards seen, last mean and std, and dead or saturated fraction."""
        dead, saturated = self.dead_fraction(), self.saturation_fraction()
        rows = [("layer", "kind", "forwards", "mean", "std", "dead", "saturated")]
        for name, kind in self.kinds.items():
            means, stds = self.means[name], self.stds[name]
            last = (f"{means[-1]:.4f}", f"{stds[-1]:.4f}") if means else ("-", "-")
            d = f"{dead[name]:.3f}" if name in dead else "-"
            s = f"{saturated[name]:.3f}" if name in saturated else "-"
            rows.append((name, kind, str(len(means)), *last, d, s))
        return table(rows)

    def remove(self) -> None:
        """Take every hook off the model; the records stay readable."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self) -> ActivationStats:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"ActivationStats(layers={len(self.kinds)}, attached={bool(self._handles)})"
