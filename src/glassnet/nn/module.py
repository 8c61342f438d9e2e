"""Module, Parameter, Sequential, ModuleList: PyTorch's names and manners.

Assigning a :class:`Parameter` or a :class:`Module` to an attribute registers it, so no layer
writes ``parameters()`` by hand. ``state_dict`` keys and shapes equal PyTorch's, so a PyTorch
``state_dict`` (as NumPy arrays, or CPU tensors) loads unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from ..errors import ShapeError
from ..tensor import RemovableHandle, Tensor, target_dtype


class Parameter(Tensor):
    """A tensor a module learns: it requires a gradient and is listed by ``parameters()``."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data._data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list


class Module:
    """Base class of every layer and model: owns parameters, buffers and sub-modules."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.__init__ must call super().__init__() before assigning {name}")
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self.__dict__.pop(name, None)  # a stale plain attribute would shadow the registry
            self._parameters[name] = value
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            self._modules[name] = value
        elif name in self.__dict__.get("_buffer_names", ()):
            self._buffers[name] = value if isinstance(value, Tensor) or value is None else Tensor(value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        for registry in ("_parameters", "_buffers", "_modules"):
            items = self.__dict__.get(registry)
            if items is not None and name in items:
                return items[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (None keeps the name listed as absent, e.g. ``bias=False``)."""
        if param is None:
            self._parameters.pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, value, persistent: bool = True) -> None:
        """Register state that is not learned (e.g. running statistics); saved in ``state_dict`` if ``persistent``."""
        names = self.__dict__.setdefault("_buffer_names", set())
        names.add(name)
        transient = self.__dict__.setdefault("_non_persistent_buffers_set", set())
        if persistent:
            transient.discard(name)
        else:
            transient.add(name)
        self.__dict__.pop(name, None)
        self._buffers[name] = value if isinstance(value, Tensor) or value is None else Tensor(value)

    def add_module(self, name: str, module: Module | None) -> None:
        self._modules[name] = module

    # ------------------------------------------------------------------ calling
    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        try:
            out = self.forward(*args, **kwargs)
        except ShapeError as error:
            if error.layer is not None:  # already named by this layer's own check or by an inner layer
                raise
            raise ShapeError(f"{self!r}: {error}", self) from error  # an op refused it: say in which layer
        for hook in self._forward_hooks.values():
            replaced = hook(self, args, out)
            if replaced is not None:
                out = replaced
        return out

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward; returns a handle with ``remove()``."""
        return RemovableHandle(self._forward_hooks, hook)

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and its sub-modules by dotted name, parents first; one reachable twice is listed once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named(self, registry: str, prefix: str, recurse: bool):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is not None and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        yield from self._named("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every sub-module, children first, then on this one."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for param in self.parameters():
            if set_to_none or param._grad is None:
                param._grad = None
            else:
                param._grad._data[...] = 0

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def to(self, *args, **kwargs) -> Module:
        """PyTorch's ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``; returns the module.

        A floating ``dtype`` casts every floating parameter and buffer (and gradient) in place, e.g. float64
        for gradchecks; a device other than the CPU raises NotImplementedError (glassnet runs on NumPy).
        """
        dtype = target_dtype(args, kwargs)
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        for tensor in list(self.parameters()) + list(self.buffers()):
            if tensor._data.dtype.kind == "f":
                tensor._data = tensor._data.astype(dtype, copy=False)
                if tensor._grad is not None:
                    tensor._grad = Tensor._wrap(tensor._grad._data.astype(dtype, copy=False))
        return self

    def type(self, dst_type) -> Module:
        return self.to(dst_type)

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    def half(self) -> Module:
        return self.to(np.float16)

    def cpu(self) -> Module:
        return self

    def cuda(self, *args, **kwargs) -> Module:
        raise NotImplementedError("Module.cuda(): glassnet runs on the CPU only (NumPy)")

    # ------------------------------------------------------------------ state
    def _saved_items(self):
        """(dotted name, tensor) of every parameter and persistent buffer, in PyTorch's state_dict order."""
        for prefix, module in self.named_modules(remove_duplicate=False):  # a shared module under each name
            dot = f"{prefix}." if prefix else ""
            transient = module.__dict__.get("_non_persistent_buffers_set", ())
            buffers = [(n, b) for n, b in module._buffers.items() if n not in transient]
            for name, value in list(module._parameters.items()) + buffers:
                if value is not None:
                    yield dot + name, value

    def state_dict(self, *, destination=None, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """Parameters and persistent buffers by PyTorch's dotted names: detached Tensors sharing their storage.

        A snapshot that must not follow later training is ``{k: v.clone() for k, v in state_dict().items()}``.
        ``keep_vars=True`` gives the Parameters themselves; ``prefix`` goes before every name.
        """
        state = OrderedDict() if destination is None else destination
        for name, value in self._saved_items():
            state[prefix + name] = value if keep_vars else Tensor._wrap(value._data)
        return state

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False) -> IncompatibleKeys:
        """Copy arrays into the parameters and persistent buffers, all or nothing.

        Every key and shape is checked before anything is written, so a failed load leaves the
        module unchanged. Values may be Tensors, NumPy arrays or anything ``np.asarray`` accepts.
        Missing or unexpected keys (with ``strict``) and shape mismatches raise RuntimeError, as in PyTorch.
        """
        if assign:
            raise NotImplementedError("load_state_dict(assign=True): glassnet copies values into the parameters")
        own = OrderedDict(self._saved_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}: "
                f"missing keys {missing}, unexpected keys {unexpected}"
            )
        arrays = {}
        for key in own.keys() & state_dict.keys():
            value = state_dict[key]
            array = np.asarray(value._data if isinstance(value, Tensor) else value)
            if array.shape != own[key].shape:
                raise RuntimeError(
                    f"Error(s) in loading state_dict for {type(self).__name__}: '{key}' has shape {tuple(array.shape)} "
                    f"in the state_dict but {tuple(own[key].shape)} in the model"
                )
            arrays[key] = array
        for key, array in arrays.items():
            own[key]._data[...] = array
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        """One line for a leaf; a module with children lists its own settings first, then them, as PyTorch."""
        extra = self.extra_repr()
        children = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        if not children:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(([extra] if extra else []) + children) + "\n)"


class Sequential(Module):
    """Modules applied in order; ``Sequential(a, b)[0] is a``. Names are '0', '1', ... as in PyTorch."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, index):
        modules = list(self._modules.values())
        return Sequential(*modules[index]) if isinstance(index, slice) else modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain list would hide them)."""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        modules = list(self._modules.values())
        return ModuleList(modules[index]) if isinstance(index, slice) else modules[index]

    def __setitem__(self, index: int, module: Module) -> None:
        self._modules[str(index % len(self))] = module

    def __repr__(self) -> str:
        """As PyTorch's: a run of children that print the same prints once, as ``(0-2): 3 x Block(...)``."""
        names, reprs = list(self._modules), [repr(m) for m in self._modules.values()]
        lines, i = [], 0
        while i < len(reprs):
            j = i
            while j + 1 < len(reprs) and reprs[j + 1] == reprs[i]:
                j += 1
            label, body = (names[i], reprs[i]) if i == j else (f"{names[i]}-{names[j]}", f"{j - i + 1} x {reprs[i]}")
            lines.append(f"({label}): " + body.replace("\n", "\n  "))
            i = j + 1
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)" if lines else "ModuleList()"

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, in insertion order (PyTorch's ``nn.ModuleDict``)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules) -> None:
        for key, module in modules.items() if hasattr(modules, "items") else modules:
            self[key] = module
