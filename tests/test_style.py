"""The code base stays lint-clean and formatted: ruff is part of the test suite, so CI enforces it."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["ruff-check", "ruff-format"])
def test_ruff_is_clean(command):
    # ruff as a module of this interpreter: a venv that is not activated has no ruff on PATH
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "src", "tests", "benchmarks", "examples", "tools"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
