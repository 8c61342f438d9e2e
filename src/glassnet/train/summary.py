"""A model summary: each layer's output shape and parameter count, and the totals (as Keras and torchinfo).

:func:`count_parameters` is the one parameter count: the summary's rows and totals, ``fit``'s hparams
and the lab's parameter budgets all read it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..autograd import no_grad
from ..backend import default_float
from ..nn.inference import eval_mode
from ..nn.module import Module
from ..tensor import Tensor


def _shape_text(value) -> str:
    if isinstance(value, Tensor | np.ndarray):
        return str(tuple(value.shape))
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_shape_text(v) for v in value) + ")"
    return type(value).__name__


def count_parameters(module: Module, *, trainable: bool = False, recurse: bool = True) -> int:
    """The number of values in ``module``'s parameters, each shared parameter once.

    Buffers (BatchNorm's running statistics) are not parameters and do not count. ``trainable=True``
    counts only those with ``requires_grad``; ``recurse=False`` only those the module owns itself.
    """
    return sum(p.numel() for p in module.parameters(recurse=recurse) if p.requires_grad or not trainable)


def _bytes_text(n: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n:.1f} GiB"


def summary(
    model: Module,
    input_size: Sequence[int] | Sequence[Sequence[int]],
    dtype=None,
    print_fn: Callable[[str], None] | None = print,
) -> str:
    """Run one forward pass on zeros and tabulate the layers: name (type), output shape, parameters.

    Args:
        model: the model; its modes (train/eval) are restored afterwards.
        input_size: the input shape including the batch axis, e.g. ``(1, 64)``, or a list of shapes
            for a model that takes several inputs.
        dtype: dtype of the zeros fed in (default: the default float dtype; int64 for index inputs).
        print_fn: called with the table (None to only return it).

    A row is a module without children, or a container that owns parameters itself; a module called
    twice gets two rows and its parameters are counted once. Totals count every parameter of the
    model: trainable (``requires_grad``) and not, their memory, and the non-learned buffers.
    Returns the table as a string.
    """
    sizes = [tuple(input_size)] if all(isinstance(d, int | np.integer) for d in input_size) else list(input_size)
    dtype = np.dtype(dtype or default_float())
    inputs = [Tensor(np.zeros(size, dtype)) for size in sizes]

    named = list(model.named_modules())
    rows_for, seen = [], set()
    for name, m in named:
        if id(m) not in seen and (not m._modules or any(p is not None for p in m._parameters.values())):
            seen.add(id(m))
            rows_for.append((name, m))
    calls: list[tuple[str, Module, str]] = []
    handles = [
        m.register_forward_hook(lambda mod, args, out, name=name: calls.append((name, mod, _shape_text(out))))
        for name, m in rows_for
    ]
    try:
        with eval_mode(model), no_grad():
            output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()

    rows, counted = [], set()
    for name, module, shape in calls:
        params = 0 if id(module) in counted else count_parameters(module, recurse=False)
        counted.add(id(module))
        rows.append((f"{name or '(model)'} ({type(module).__name__})", shape, f"{params:,}"))
    for name, module in rows_for:
        if id(module) not in counted:
            own = count_parameters(module, recurse=False)
            rows.append((f"{name or '(model)'} ({type(module).__name__})", "(not called)", f"{own:,}"))

    params = list(model.parameters())
    total, trainable = count_parameters(model), count_parameters(model, trainable=True)
    buffers = [b for b in model.buffers() if b is not None]
    header = ("Layer (type)", "Output shape", "Param #")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    rule = "-" * (sum(widths) + 4)

    def line(cells) -> str:
        return f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  {cells[2]:>{widths[2]}}"

    text = [f"Model: {type(model).__name__}", rule, line(header), rule, *map(line, rows), rule]
    text += [
        f"Input shape: {', '.join(str(s) for s in sizes)}   Output shape: {_shape_text(output)}",
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
        f"Parameter memory: {_bytes_text(sum(p._data.nbytes for p in params))}",
        f"Buffers (not learned): {sum(b._data.size for b in buffers):,} values in {len(buffers)} tensors",
    ]
    table = "\n".join(text)
    if print_fn is not None:
        print_fn(table)
    return table
