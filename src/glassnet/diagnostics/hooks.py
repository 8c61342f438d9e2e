"""Backward hooks on a module's outputs, with a handle.

``Tensor.register_hook`` gives backward hooks on one tensor (a parameter, say); ``Module`` offers
forward hooks only. :func:`register_output_grad_hook` combines the two so that a hook sees
dL/d(output) of a module, and its handle's ``remove()`` leaves the module as it found it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..nn.module import Module
from ..tensor import Tensor


def output_tensors(output) -> Iterator[Tensor]:
    """The tensors in a module's output: the output itself, or those nested in tuples and lists."""
    if isinstance(output, Tensor):
        yield output
    elif isinstance(output, (tuple, list)):
        for item in output:
            yield from output_tensors(item)


class OutputGradHookHandle:
    """Undoes one :func:`register_output_grad_hook`.

    ``remove()`` takes the forward hook off the module and silences the gradient hooks already
    placed on outputs of earlier forwards whose backward has not run yet.
    """

    def __init__(self, module: Module, hook: Callable):
        self.hook = hook
        self.active = True
        self._forward_handle = module.register_forward_hook(self._on_forward)

    def _on_forward(self, module: Module, inputs: tuple, output) -> None:
        for tensor in output_tensors(output):
            if tensor.requires_grad:
                # A closure over the module and this handle, never over the tensor: the graph owns
                # the hook, so the hook must not own the graph.
                tensor.register_hook(lambda grad, module=module: self._on_backward(module, grad))

    def _on_backward(self, module: Module, grad: Tensor):
        return self.hook(module, grad) if self.active else None

    def remove(self) -> None:
        self.active = False
        self._forward_handle.remove()


def register_output_grad_hook(module: Module, hook: Callable[[Module, Tensor], Tensor | None]) -> OutputGradHookHandle:
    """Call ``hook(module, grad)`` with dL/d(output) for each output tensor of ``module`` during ``backward()``.

    Installed as a forward hook that registers a gradient hook on every output tensor that
    requires a gradient (outputs computed under ``no_grad`` have no backward, so no call).
    ``grad`` has the output's shape; a returned array replaces it. Undo with ``remove()``.
    """
    return OutputGradHookHandle(module, hook)
