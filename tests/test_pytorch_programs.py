"""PyTorch programs run unchanged on glassnet: each program in tests/programs/ is run with PyTorch as written and
with its import lines pointed at glassnet, and the two printed outputs must agree (protocol: programs/README.md).
"""

from __future__ import annotations

import ast
import concurrent.futures
import functools
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch  # noqa: F401  (the oracle: without torch this module fails instead of skipping)

PROGRAMS = sorted((Path(__file__).resolve().parent / "programs").glob("*.py"))
TIMEOUT_S = 120
# One thread each: results do not depend on how BLAS splits a sum, and the two runs do not fight for cores.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

IMPORT_LINE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<keyword>import|from)[ \t]+torch\b(?P<rest>[^#\n]*?)(?P<comment>[ \t]*#.*)?$", re.MULTILINE
)
# A number not glued to a name (fc1, float32, weight_ih_l0) or to a dot before it.
NUMBER = re.compile(r"(?<![\w.])(?:-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|-?inf|nan)(?![\w])")


def to_glassnet(source: str) -> str:
    """``source`` with ``torch`` replaced by ``glassnet`` on import lines only; the body still says ``torch``.

    ``import torch`` -> ``import glassnet as torch``; ``import torch.nn as nn`` -> ``import glassnet.nn as nn``;
    ``import torch.nn`` -> ``import glassnet.nn, glassnet as torch``; ``from torch.x import y`` ->
    ``from glassnet.x import y``.
    """

    def rewrite(match: re.Match) -> str:
        indent, rest, comment = match["indent"], match["rest"], match["comment"] or ""
        if match["keyword"] == "from":
            return f"{indent}from glassnet{rest}{comment}"
        if " as " in rest:
            return f"{indent}import glassnet{rest}{comment}"
        # `import torch.nn` binds the name torch: bind it to glassnet as well
        return f"{indent}import glassnet{rest}{', glassnet' if rest else ''} as torch{comment}"

    return IMPORT_LINE.sub(rewrite, source)


def tolerance_of(source: str, name: str) -> float:
    """The program's module-level ``TOLERANCE = <number>``."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["TOLERANCE"]:
            return float(ast.literal_eval(node.value))
    raise AssertionError(f"{name} sets no module-level TOLERANCE = <number>")


def _run(source: str, name: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / name
        script.write_text(source)
        return subprocess.run(
            [sys.executable, str(script)], cwd=tmp, capture_output=True, text=True, timeout=TIMEOUT_S, env=ENV
        )


@functools.cache
def outputs(program: Path) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    """The PyTorch run and the glassnet run of ``program``, side by side on two processes."""
    source = program.read_text()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        theirs = pool.submit(_run, source, program.name)
        ours = pool.submit(_run, to_glassnet(source), program.name)
        return theirs.result(), ours.result()


def _is_float(token: str) -> bool:
    return any(c in token for c in ".eEni")


def _tokens(line: str) -> tuple[list[str], list[str]]:
    """The text between numbers, and the numbers."""
    return NUMBER.split(line), NUMBER.findall(line)


def line_mismatch(expected: str, got: str, tolerance: float) -> str | None:
    """Why ``got`` differs from ``expected`` under the protocol, or None when they agree."""
    texts, numbers = _tokens(expected)
    got_texts, got_numbers = _tokens(got)
    if texts != got_texts or len(numbers) != len(got_numbers):
        return "the text differs"
    for want, have in zip(numbers, got_numbers):
        if _is_float(want) != _is_float(have):
            return f"{have} and {want} are not both floats or both integers"
        if not _is_float(want):
            if want != have:
                return f"integer {have}, expected {want}"
            continue
        a, b = float(have), float(want)
        if math.isnan(a) and math.isnan(b):
            continue
        if not abs(a - b) <= tolerance * max(1.0, abs(b)):
            return f"{have} differs from {want} by more than {tolerance:g} (relative)"
    return None


# glassnet's reprs name their module as PyTorch's name theirs: glassnet.float32 for torch.float32, glassnet.Size
OWN_NAME = re.compile(r"\bglassnet\.")


def compare(expected: str, got: str, tolerance: float) -> list[str]:
    """Every disagreement between two outputs, one line each (``glassnet.`` in ``got`` read as ``torch.``)."""
    want, have = expected.splitlines(), OWN_NAME.sub("torch.", got).splitlines()
    problems = []
    for number, (w, h) in enumerate(zip(want, have), 1):
        reason = line_mismatch(w, h, tolerance)
        if reason is not None:
            problems.append(f"line {number}: {reason}\n  pytorch:  {w}\n  glassnet: {h}")
    if len(want) != len(have):
        problems.append(f"glassnet printed {len(have)} lines, PyTorch {len(want)}")
    return problems


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_runs_under_pytorch(program):
    theirs, _ = outputs(program)
    tolerance_of(program.read_text(), program.name)
    assert theirs.returncode == 0, f"{program.name} fails under PyTorch itself:\n{_tail(theirs.stderr)}"
    assert theirs.stdout.strip(), f"{program.name} printed nothing under PyTorch"


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_program_agrees_under_glassnet(program):
    theirs, ours = outputs(program)
    assert theirs.returncode == 0, f"{program.name} fails under PyTorch itself: see test_program_runs_under_pytorch"
    problems = compare(theirs.stdout, ours.stdout, tolerance_of(program.read_text(), program.name))
    if ours.returncode != 0:
        problems.insert(0, f"glassnet run exited with {ours.returncode}:\n{_tail(ours.stderr)}")
    assert not problems, (
        f"{program.name}: glassnet disagrees with PyTorch\n"
        + "\n".join(problems)
        + f"\n--- PyTorch output ---\n{theirs.stdout}--- glassnet output ---\n{ours.stdout}"
    )


def test_import_rewrite():
    source = "\n".join(
        [
            "import torch",
            "import torch.nn as nn",
            "import torch.nn.functional as F",
            "from torch import nn, optim",
            "from torch.utils.data import DataLoader, TensorDataset",
            "import torch.nn",
            "    import torch  # indented",
            "import torchvision",
            "x = torch.zeros(3)  # import torch in a comment stays",
        ]
    )
    assert to_glassnet(source).splitlines() == [
        "import glassnet as torch",
        "import glassnet.nn as nn",
        "import glassnet.nn.functional as F",
        "from glassnet import nn, optim",
        "from glassnet.utils.data import DataLoader, TensorDataset",
        "import glassnet.nn, glassnet as torch",
        "    import glassnet as torch  # indented",
        "import torchvision",
        "x = torch.zeros(3)  # import torch in a comment stays",
    ]


def test_comparison_protocol():
    assert line_mismatch("loss: 0.5000 shape [2, 3]", "loss: 0.50001 shape [2, 3]", 1e-4) is None
    assert line_mismatch("loss: 0.5000", "loss: 0.5100", 1e-4) is not None
    assert line_mismatch("shape [2, 3]", "shape [2, 4]", 0.5) is not None  # integers are exact
    assert line_mismatch("sum: 3.0", "sum: 3", 1e-4) is not None  # a float is not an integer
    assert line_mismatch("fc1.weight True", "fc1.weight False", 1e-4) is not None
    assert line_mismatch("torch.float32", "float32", 1e-4) is not None
    assert compare("torch.float32 torch.Size([2, 3])", "glassnet.float32 glassnet.Size([2, 3])", 1e-6) == []
    assert compare("torch.float32", "myglassnet.float32", 1e-6) != []
    assert line_mismatch("value nan", "value nan", 1e-6) is None
    assert compare("a: 1\nb: 2\n", "a: 1\n", 1e-6) == ["glassnet printed 1 lines, PyTorch 2"]
