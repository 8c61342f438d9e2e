"""Gradient flow: the norm of each layer's gradient, step after step.

In a deep stack the gradient reaching layer l is a product of one Jacobian per layer above it,
dL/dh_l = dL/dh_L * prod_k (dh_{k+1}/dh_k), so it shrinks or grows geometrically with depth when
those factors sit below or above 1 (a sigmoid's derivative is at most 1/4). Recording
||dL/dW_l|| for every layer makes that visible: a flat profile is healthy, a slope of several
orders of magnitude from the last layer down to the first is a vanishing (or exploding) gradient.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from ._text import table
from .hooks import register_output_grad_hook


def _leaf_modules(model: Module) -> list[tuple[str, Module]]:
    return [(name, m) for name, m in model.named_modules() if not any(True for _ in m.children())]


class GradientFlow:
    """Record per-layer gradient norms of ``model``, one value per training step.

    Hooks on the chosen parameters see each backward pass's gradient as it is computed (before it
    is added to ``.grad``, so results do not depend on ``zero_grad``). The contributions a
    parameter receives between two forwards of ``model`` are summed, and a step's record is the
    Frobenius norm of that sum: exactly the gradient an optimizer step after that backward uses,
    even for a parameter shared by several layers. A step ends at the model's next forward or when
    the records are read.

    Args:
        model: the module to watch.
        param_names: record parameters whose own name (the part after the last dot) is one of
            these; ``None`` records every parameter. The default records weights only.
        track_outputs: also record ||dL/dh|| for each output ``h`` of the leaf modules (modules
            without children; a model without sub-modules is its own leaf, named ""): ``True`` for
            all of them, or a module type or tuple of types (e.g. ``nn.Linear``). A module called
            several times in one step records the norm over all its outputs together:
            sqrt(sum of the squared norms).

    Attributes (read them after ``backward()``):
        norms: parameter name (as in ``named_parameters()``) -> list of ||dL/dW|| floats, one per
            step in which that parameter got a gradient.
        output_norms: module name (as in ``named_modules()``) -> list of ||dL/dh|| floats, one per step.

    Use as a context manager so the hooks are removed on exit::

        with GradientFlow(model) as flow:
            loss_fn(model(x), y).backward()
        print(flow.summary())
    """

    def __init__(
        self,
        model: Module,
        param_names: str | Iterable[str] | None = ("weight",),
        track_outputs: bool | type | tuple[type, ...] = False,
    ):
        self.model = model
        self._norms: dict[str, list[float]] = {}
        self._output_norms: dict[str, list[float]] = {}
        self._pending: dict[str, np.ndarray] = {}
        self._pending_outputs: dict[str, float] = {}
        self._handles = []
        self._module_names: dict[int, str] = {}
        wanted = None if param_names is None else {param_names} if isinstance(param_names, str) else set(param_names)
        for name, param in model.named_parameters():
            if param.requires_grad and (wanted is None or name.rsplit(".", 1)[-1] in wanted):
                self._norms[name] = []
                self._handles.append(param.register_hook(self._param_hook(name)))
        if track_outputs:
            types = Module if track_outputs is True else track_outputs
            types = types if isinstance(types, type) else tuple(types)
            for name, module in _leaf_modules(model):
                if isinstance(module, types):
                    self._output_norms[name] = []
                    self._module_names[id(module)] = name
                    self._handles.append(register_output_grad_hook(module, self._output_hook))
        self._handles.append(model.register_forward_hook(self._end_step))

    # ------------------------------------------------------------------ hooks
    def _param_hook(self, name: str):
        def hook(grad: Tensor) -> None:
            grad = grad.numpy()
            pending = self._pending.get(name)
            # a copy: the array passed here may become param.grad, which zero_grad or an optimizer may overwrite
            self._pending[name] = grad.astype(np.float64) if pending is None else pending + grad

        return hook

    def _output_hook(self, module: Module, grad: Tensor) -> None:
        name = self._module_names[id(module)]
        g = grad.numpy().astype(np.float64).ravel()  # square in float64: float32 under- or overflows
        self._pending_outputs[name] = self._pending_outputs.get(name, 0.0) + float(np.dot(g, g))

    def _end_step(self, module: Module, inputs: tuple, output) -> None:
        self._flush()

    def _flush(self) -> None:
        for name, grad in self._pending.items():
            self._norms[name].append(float(np.linalg.norm(grad)))
        for name, squared in self._pending_outputs.items():
            self._output_norms[name].append(float(np.sqrt(squared)))
        self._pending.clear()
        self._pending_outputs.clear()

    # ------------------------------------------------------------------ results
    @property
    def norms(self) -> dict[str, list[float]]:
        self._flush()
        return self._norms

    @property
    def output_norms(self) -> dict[str, list[float]]:
        self._flush()
        return self._output_norms

    def summary(self) -> str:
        """A text table: per parameter, then per module output, the steps recorded and the last, mean, min, max norm."""
        rows = [("gradient of", "steps", "last", "mean", "min", "max")]
        for records, suffix in ((self.norms, ""), (self.output_norms, " (output)")):
            for name, values in records.items():
                name = name + suffix
                if values:
                    stats = (values[-1], np.mean(values), min(values), max(values))
                    rows.append((name, str(len(values)), *(f"{v:.3e}" for v in stats)))
                else:
                    rows.append((name, "0", "-", "-", "-", "-"))
        return table(rows)

    def reset(self) -> None:
        """Forget every record (the hooks stay)."""
        self._pending.clear()
        self._pending_outputs.clear()
        for records in (self._norms, self._output_norms):
            for values in records.values():
                values.clear()

    # ------------------------------------------------------------------ lifetime
    def remove(self) -> None:
        """Take every hook off the model; the records stay readable."""
        self._flush()
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self) -> GradientFlow:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def __repr__(self) -> str:
        counts = f"parameters={len(self._norms)}, outputs={len(self._output_norms)}"
        return f"GradientFlow({counts}, attached={bool(self._handles)})"
