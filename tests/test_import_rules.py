"""The package map in CONTRIBUTING, enforced: each package imports only from its own layer or below.

Read from the source with ``ast`` (imports inside functions count too), so an upward import fails here
before it becomes an import cycle or a layer that knows about its users. The lab, being the library's
first user, may import only public names: a name in the ``__all__`` of a public module.
"""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "glassnet"

# Lower layers never import higher ones. Within the core, the Tensor, its ops and autograd need each other
# (a Tensor method calls an op, an op returns a Tensor): that cycle is the engine, and it stays inside it.
LAYERS = {
    "base": {"backend", "errors", "fileio"},
    "core": {"autograd", "tensor", "ops", "creation", "functions", "linalg", "gradcheck"},
    "parts": {"nn", "optim", "data", "utils"},
    "tools": {"models", "train", "diagnostics", "metrics", "serialization"},
    "apps": {"lab", "cli"},
}
ORDER = list(LAYERS)
# Packages of one layer that must not know each other (PyTorch keeps the same lines).
FORBIDDEN = {
    ("nn", "optim"),  # clipping is nn.utils, as in PyTorch; an optimizer sees parameters, not layers
    ("optim", "nn"),
    ("data", "nn"),
    ("data", "optim"),
    # a model does not know how it is trained or inspected; metrics serve all three and know none of them
    *{(a, b) for a in ("models", "train", "diagnostics", "metrics") for b in ("models", "train", "diagnostics")},
}
TORCH_MIRRORS = {"accelerator", "backends", "cuda"}  # torch.cuda and friends: import nothing of ours
# the public modules the lab may import from, each through its __all__
LAB_MAY_IMPORT = {
    "glassnet",
    "glassnet.autograd",
    "glassnet.data",
    "glassnet.diagnostics",
    "glassnet.fileio",
    "glassnet.gradcheck",
    "glassnet.linalg",
    "glassnet.metrics",
    "glassnet.models",
    "glassnet.nn",
    "glassnet.nn.functional",
    "glassnet.nn.init",
    "glassnet.nn.utils",
    "glassnet.optim",
    "glassnet.optim.lr_scheduler",
    "glassnet.train",
    "glassnet.utils.data",
}


def _layer(unit: str) -> int:
    for k, name in enumerate(ORDER):
        if unit in LAYERS[name]:
            return k
    raise AssertionError(f"glassnet/{unit} is in no layer of the map: add it to LAYERS and to CONTRIBUTING")


def _imports(path: pathlib.Path):
    """(absolute module, names) for every glassnet import in ``path``: relative ones resolved."""
    package = ["glassnet", *path.relative_to(SRC).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
            yield module, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("glassnet"):
            yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("glassnet"):
                    yield alias.name, []


def _targets(module: str, names: list[str]) -> list[str]:
    """The top-level units an import reaches: ``from .. import nn, optim`` reaches both."""
    parts = module.split(".")
    if len(parts) > 1:
        return [parts[1]]
    return [name for name in names if (SRC / name).exists() or (SRC / f"{name}.py").exists()]


SOURCES = sorted(p for p in SRC.rglob("*.py") if p.name != "__init__.py" or p.parent != SRC)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_upward_or_sideways_import(path):
    unit = path.relative_to(SRC).parts[0].removesuffix(".py")
    bad = []
    for module, names in _imports(path):
        for target in _targets(module, names):
            if target == unit:
                continue
            if unit in TORCH_MIRRORS or (unit, target) in FORBIDDEN or _layer(target) > _layer(unit):
                bad.append(f"{module} ({target})")
    assert not bad, f"glassnet/{unit} may not import {bad}: see the package map in CONTRIBUTING"


LAB_SOURCES = sorted((SRC / "lab").glob("*.py"))


@pytest.mark.parametrize("path", LAB_SOURCES, ids=lambda p: p.name)
def test_the_lab_imports_only_public_names(path):
    bad = []
    for module, names in _imports(path):
        if module.startswith("glassnet.lab") or (module, names) == ("glassnet", ["lab"]):
            continue  # the lab's own modules
        if module not in LAB_MAY_IMPORT:
            bad.append(f"{module} (not a public module)")
            continue
        public = set(getattr(importlib.import_module(module), "__all__", ()))
        bad += [
            f"{module}.{name}"
            for name in names
            if not (name in public or name.startswith("__") or f"{module}.{name}" in LAB_MAY_IMPORT)
        ]
    assert not bad, f"lab/{path.name} imports non-public names: {bad}"


def test_every_public_module_the_lab_may_use_declares_its_names():
    for module in LAB_MAY_IMPORT:
        try:
            loaded = importlib.import_module(module)
        except ModuleNotFoundError:
            continue  # a home the map allows, not created (yet)
        assert getattr(loaded, "__all__", None), f"{module} has no __all__, so nothing in it is public"


@pytest.mark.parametrize("path", sorted((SRC / "lab").glob("q[0-9][0-9]_*.py")), ids=lambda p: p.name)
def test_no_experiment_imports_another(path):
    """Shared tasks and helpers live in the lab's common modules, so each experiment reads on its own."""
    others = [module for module, _ in _imports(path) if module.split(".")[-1][:1] == "q" and "lab" in module]
    others += [
        f"{module}.{name}"
        for module, names in _imports(path)
        if module == "glassnet.lab"
        for name in names
        if name[:1] == "q" and name[1:3].isdigit()
    ]
    assert not others, f"lab/{path.name} imports other experiments: {others}"
