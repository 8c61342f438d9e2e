"""Find the experiments: every module ``qNN_<topic>.py`` in this package defines ``EXPERIMENT``."""

from __future__ import annotations

import importlib
import pkgutil
import re

from .framework import Experiment

_MODULE = re.compile(r"^q(\d\d)_\w+$")


def experiment_modules() -> dict[str, str]:
    """Question id ('q05') -> module name, in question order."""
    from glassnet import lab

    found = {}
    for info in pkgutil.iter_modules(lab.__path__):
        match = _MODULE.match(info.name)
        if match:
            found[f"q{match.group(1)}"] = f"{lab.__name__}.{info.name}"
    return dict(sorted(found.items()))


def load(exp_id: str) -> Experiment:
    """Import one experiment by id and check that its module declares the same id."""
    modules = experiment_modules()
    if exp_id not in modules:
        raise KeyError(f"no experiment {exp_id!r}; known: {', '.join(modules) or 'none'}")
    experiment = importlib.import_module(modules[exp_id]).EXPERIMENT
    if experiment.id != exp_id:
        raise ValueError(f"{modules[exp_id]} declares id {experiment.id!r}, expected {exp_id!r}")
    return experiment


def all_ids() -> list[str]:
    return list(experiment_modules())
