"""The Optimizer base: parameter groups, per-parameter state, zero_grad, step, state_dict.

A subclass declares its defaults, the ``bounds`` of its hyperparameters (checked on the defaults and on
every parameter group) and ``_update``: the rule that turns one parameter's gradient into an in-place
change of ``param._data``.
"""

from __future__ import annotations

import copy

import numpy as np

from ..autograd import enable_grad, no_grad
from ..errors import check_hyperparameter
from ..tensor import Tensor

# bounds of a hyperparameter: (low, high, open_low), as check_hyperparameter takes them
AT_LEAST_0 = (0.0, None, False)
ABOVE_0 = (0.0, None, True)
IN_0_1 = (0.0, 1.0, False)  # [0, 1): decay rates of running averages
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}  # PyTorch's words in its messages


class Optimizer:
    """Base class: holds ``param_groups`` (dicts of params and hyperparameters) and ``state``.

    ``params`` is an iterable of tensors, or of dicts with a ``"params"`` entry and settings that
    override the defaults for that group. Every group's settings are checked as the defaults are;
    a parameter listed twice (it would be updated twice per step) is an error.
    """

    def __init__(self, params, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or of parameter-group dicts, got one Tensor")
        self._check_settings(defaults)
        self.defaults = defaults
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        seen = set()
        for i, group in enumerate(groups):
            if not isinstance(group, dict) or "params" not in group:
                raise ValueError(f"parameter group {i} must be a dict with a 'params' entry, got {group!r}")
            group = {**defaults, **group}
            group["params"] = [group["params"]] if isinstance(group["params"], Tensor) else list(group["params"])
            for p in group["params"]:
                if not isinstance(p, Tensor):
                    raise TypeError(f"optimizer can only update Tensors, but group {i} holds a {type(p).__name__}")
                if id(p) in seen:
                    raise ValueError(
                        f"a parameter of shape {tuple(p.shape)} appears twice (group {i}): it would step twice"
                    )
                seen.add(id(p))
            self._check_settings(group)
            self.param_groups.append(group)
        self.state = {}

    bounds: dict = {}  # hyperparameter -> (low, high, open_low)

    def _check_settings(self, settings: dict) -> None:
        """Raise ValueError naming the first hyperparameter in ``settings`` outside its ``bounds``."""
        for name, (low, high, open_low) in self.bounds.items():
            check_hyperparameter(_LABELS.get(name, f"{name} value"), settings[name], low, high, open_low)

    @staticmethod
    def _objective_gradient(param, grad, group: dict):
        """The gradient every rule follows: negated to ``maximize``, plus ``weight_decay`` * p, the gradient of
        the L2 penalty (weight_decay / 2) ||p||^2 added to the loss."""
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param._data
        return grad

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p._grad is None:
                    p._grad = None
                else:
                    p._grad._data[...] = 0

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` re-evaluates the loss if given."""
        loss = None
        if closure is not None:
            with enable_grad():  # the closure runs forward and backward: it needs the graph
                loss = closure()
        for group in self.param_groups:
            self._update_group([p for p in group["params"] if p._grad is not None], group)
        return loss

    def _update_group(self, params: list, group: dict) -> None:
        """Update the parameters of one group that have a gradient; a rule may do all of them at once."""
        for p in params:
            self._update(p, p._grad._data, self.state.setdefault(p, {}), group)

    def _update(self, param, grad, state: dict, group: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """PyTorch's layout: ``state`` keyed by parameter index, ``param_groups`` listing indices."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and per-parameter state saved by :meth:`state_dict`."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
            len(g["params"]) != len(own["params"]) for g, own in zip(groups, self.param_groups)
        ):
            raise ValueError("loaded optimizer state has a different number of parameter groups or parameters")
        for saved, own in zip(groups, self.param_groups):  # all groups checked before any is changed
            self._check_settings({**own, **saved})
        params = {}
        for saved, own in zip(groups, self.param_groups):
            own.update({k: v for k, v in saved.items() if k != "params"})
            params.update(zip(saved["params"], own["params"]))
        self.state = {}
        for key, value in state_dict["state"].items():
            p = params[int(key)]
            self.state[p] = {
                k: np.array(v, dtype=p._data.dtype) if isinstance(v, np.ndarray) and v.ndim else copy.deepcopy(v)
                for k, v in value.items()
            }

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines + [")"])
