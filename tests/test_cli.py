"""The ``glassnet`` command: --help everywhere, wrong arguments exit 2 with a usage line, and an output
folder that cannot be written stops ``glassnet lab`` at once, before any experiment runs.

Most calls go through ``main(argv)`` in this process (fast); two run the installed console script.
"""

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import glassnet.lab.runner
from glassnet.cli import build_parser, main

SCRIPT = Path(sys.executable).with_name("glassnet")
NOBODY = 65534


def subcommands() -> list[str]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(action.choices)


def test_every_subcommand_is_covered():
    assert subcommands() == ["demo", "lab"]  # a new subcommand joins the --help test by itself


@pytest.mark.parametrize("command", [[], *([name] for name in subcommands())])
def test_help_exits_0_and_prints_usage(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert out.startswith(f"usage: {' '.join(['glassnet', *command])} [-h]")
    if not command:
        assert all(name in out for name in subcommands())


@pytest.mark.parametrize(
    "argv, usage, problem",
    [
        ([], "glassnet", "the following arguments are required: COMMAND"),
        (["train"], "glassnet", "argument COMMAND: invalid choice: 'train'"),
        (["lab", "--fast"], "glassnet", "unrecognized arguments: --fast"),
        (["lab", "--seed", "abc"], "glassnet lab", "argument --seed: invalid int value: 'abc'"),
        (["lab", "--seed", "-1"], "glassnet lab", "argument --seed: must be at least 0, got -1"),
        (["lab", "--jobs", "0"], "glassnet lab", "argument --jobs: must be at least 1, got 0"),
        (["lab", "--jobs", "2.5"], "glassnet lab", "argument --jobs: invalid int value: '2.5'"),
        (["lab", "--out"], "glassnet lab", "argument --out: expected one argument"),
        (["lab", "--replicates", "0"], "glassnet lab", "argument --replicates: must be at least 1, got 0"),
        (["lab", "--scheduler"], "glassnet lab", "argument --scheduler: expected one argument"),
        (["lab", "q01", "q99"], "glassnet lab", "argument QID: unknown question id 'q99'; see glassnet lab --list"),
        (["demo", "--epochs", "0"], "glassnet demo", "argument --epochs: must be at least 1, got 0"),
        (["demo", "--seed", "1e3"], "glassnet demo", "argument --seed: invalid int value: '1e3'"),
        (["demo", "--verbose", "2"], "glassnet demo", "argument --verbose: invalid choice: 2"),
    ],
)
def test_wrong_arguments_exit_2_with_a_usage_line(capsys, argv, usage, problem):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    assert exit_info.value.code == 2
    assert captured.out == ""
    assert captured.err.startswith(f"usage: {usage} [-h]")
    assert f"{usage}: error: {problem}" in captured.err


def test_the_lab_uses_every_core_unless_told(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(glassnet.lab.runner, "run_lab", lambda ids, **kwargs: calls.append(kwargs) or [])
    main(["lab", "q10", "--out", str(tmp_path / "a")])
    main(["lab", "q10", "--jobs", "1", "--replicates", "3", "--out", str(tmp_path / "b")])
    assert calls[0]["jobs"] == glassnet.lab.runner.default_jobs() and calls[0]["replicates"] == 1
    assert calls[1]["jobs"] == 1 and calls[1]["replicates"] == 3 and calls[1]["scheduler"] is None


def test_the_console_script_exits_2_with_a_usage_line():
    result = subprocess.run([SCRIPT, "lab", "--jobs", "0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("usage: glassnet lab [-h]")
    assert "argument --jobs: must be at least 1, got 0" in result.stderr


# ---------------------------------------------------------------------------------------------- output folder
@pytest.fixture
def nothing_runs(monkeypatch):
    """``run_lab`` replaced by a recorder: any call means the lab started."""
    calls = []
    monkeypatch.setattr(glassnet.lab.runner, "run_lab", lambda *args, **kwargs: calls.append(args))
    return calls


def refused_at_once(out: Path, capsys, nothing_runs, reason: str) -> None:
    start = time.perf_counter()
    status = main(["lab", "q01", "--quick", "--out", str(out)])
    seconds = time.perf_counter() - start
    captured = capsys.readouterr()
    assert status == 2 and seconds < 1.0
    assert captured.err == f"glassnet lab: cannot write the report to {out}: {reason}\n"
    assert captured.out == "" and nothing_runs == []


def test_an_output_path_inside_a_regular_file_is_refused_before_anything_runs(tmp_path, capsys, nothing_runs):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    refused_at_once(tmp_path / "notes.txt" / "report", capsys, nothing_runs, "Not a directory")
    refused_at_once(tmp_path / "notes.txt", capsys, nothing_runs, "File exists")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@contextlib.contextmanager
def unprivileged():
    """Act as an ordinary user: root writes into read-only folders, so as root become 'nobody' meanwhile."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)


def test_a_read_only_output_folder_is_refused_before_anything_runs(capsys, nothing_runs):
    # a folder of its own in the system's temporary directory, which any user may enter
    read_only = Path(tempfile.mkdtemp(prefix="glassnet-read-only-"))
    try:
        read_only.chmod(0o555)
        with unprivileged():
            refused_at_once(read_only, capsys, nothing_runs, "Permission denied")
            refused_at_once(read_only / "report", capsys, nothing_runs, "Permission denied")
        assert list(read_only.iterdir()) == []
    finally:
        read_only.chmod(0o755)
        read_only.rmdir()


def test_the_console_script_refuses_an_unwritable_output_folder_at_once(tmp_path):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    out = tmp_path / "notes.txt" / "report"
    start = time.perf_counter()
    result = subprocess.run([SCRIPT, "lab", "--out", str(out)], capture_output=True, text=True, timeout=60)
    seconds = time.perf_counter() - start
    assert result.returncode == 2 and result.stdout == ""  # not one "[1/25] ... running" line
    assert result.stderr == f"glassnet lab: cannot write the report to {out}: Not a directory\n"
    assert seconds < 30  # interpreter start-up only; the 25 experiments take minutes
