"""Eval mode for a block of code, for running a module for its outputs alone: each sub-module's mode restored after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .module import Module


@contextmanager
def eval_mode(module: Module) -> Iterator[Module]:
    """``module.eval()`` inside the block; afterwards every sub-module gets back the mode it had before.

    Restoring each one (not ``module.train(previous)``) keeps a mix such as a frozen BatchNorm in eval
    inside a model in training.
    """
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield module
    finally:
        for sub, mode in modes:
            object.__setattr__(sub, "training", mode)
