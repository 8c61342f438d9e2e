"""The ``glassnet`` command: ``glassnet lab`` writes the lab report; ``glassnet demo`` trains one MLP."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def _check_writable(out_dir: Path) -> None:
    """Fail before any work if the report could not be written: create the folder and a file in it.

    A real write rather than ``os.access``: permission bits are not the whole story (network file systems,
    security modules).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=out_dir):
        pass


def _lab(args: argparse.Namespace) -> int:
    from .lab.registry import all_ids, load

    if args.list:
        for exp_id in all_ids():
            print(f"{exp_id}  {load(exp_id).question}")
        return 0
    out_dir = Path(args.out)
    try:
        _check_writable(out_dir)
    except OSError as error:
        print(f"glassnet lab: cannot write the report to {out_dir}: {error.strerror or error}", file=sys.stderr)
        return 2
    from .lab.report import RunInfo, write_report
    from .lab.runner import default_jobs, run_lab

    ids = args.ids or all_ids()
    start = time.perf_counter()
    findings = run_lab(
        ids,
        seed=args.seed,
        quick=args.quick,
        replicates=args.replicates,
        jobs=args.jobs or default_jobs(),
        scheduler=args.scheduler,
        on_done=_progress(len(ids) * args.replicates),
    )
    seconds = time.perf_counter() - start
    command = " ".join(["glassnet", "lab", *args.argv])
    info = RunInfo(command=command, seed=args.seed, replicates=args.replicates, quick=args.quick, seconds=seconds)
    paths = write_report(findings, out_dir, info=info)
    failed = [f.id for f in findings if f.error]
    print(f"{len(ids)} experiments x {args.replicates} seed block(s) in {seconds:.1f} s; report: {paths['html']}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _progress(total: int):
    """A callback that prints each finished task (experiment and seed block) and its verdicts, one line each."""
    done = []

    def on_done(outcome):
        from .lab.runner import summary_line

        done.append(outcome.id)
        print(f"[{len(done)}/{total}] {summary_line(outcome)}", flush=True)

    return on_done


def _demo(args: argparse.Namespace) -> int:
    """Train an MLP on scikit-learn's 8x8 digits with a progress bar; print the test accuracy."""
    import glassnet as gn
    from glassnet.data import Standardizer, load_digits, train_test_split
    from glassnet.metrics import accuracy
    from glassnet.train import fit

    gn.manual_seed(args.seed)
    x, y = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, stratify=y, seed=args.seed)
    scaler = Standardizer().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    model = gn.nn.Sequential(gn.nn.Linear(64, 128), gn.nn.ReLU(), gn.nn.Linear(128, 10))
    optimizer = gn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    fit(
        model,
        gn.nn.CrossEntropyLoss(),
        optimizer,
        (x_train, y_train),
        epochs=args.epochs,
        batch_size=32,
        val_data=(x_test, y_test),
        metrics={"acc": accuracy},
        seed=args.seed,
        verbose=args.verbose,
    )
    model.eval()
    with gn.no_grad():
        test_accuracy = float((model(gn.tensor(x_test)).argmax(axis=1).numpy() == y_test).mean())
    print(f"test accuracy: {test_accuracy:.4f} ({len(y_test)} held-out digits)")
    return 0


def _int_at_least(lowest: int):
    """An argparse type: an int >= ``lowest``; anything else is a usage error (exit status 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < lowest:
            raise argparse.ArgumentTypeError(f"must be at least {lowest}, got {value}")
        return value

    return parse


def _question_id(text: str) -> str:
    """An argparse type: the id of an experiment in the lab (q01, q02, ...)."""
    from .lab.registry import all_ids

    if text not in all_ids():
        raise argparse.ArgumentTypeError(f"unknown question id {text!r}; see glassnet lab --list")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glassnet", description="A glass-box deep-learning library and its lab.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = commands.add_parser(
        "lab",
        help="run the lab experiments and write the report",
        description="Run the lab's experiments and write an HTML, Markdown and JSON report.",
    )
    lab.add_argument(
        "ids", nargs="*", type=_question_id, metavar="QID", help="question ids to run (e.g. q05 q07); default: all"
    )
    lab.add_argument("--list", action="store_true", help="list the questions and exit")
    lab.add_argument("--quick", action="store_true", help="smaller runs (fewer seeds, epochs and data), for CI")
    lab.add_argument("--seed", type=_int_at_least(0), default=0, help="base seed (default 0)")
    lab.add_argument("--out", default="lab-report", help="output folder (default ./lab-report)")
    lab.add_argument(
        "--replicates",
        type=_int_at_least(1),
        default=1,
        metavar="K",
        help="run every experiment on K disjoint seed blocks (seed, seed+1, ...) and combine their verdicts: "
        "the common one, or 'unstable' (default 1)",
    )
    lab.add_argument(
        "--jobs",
        type=_int_at_least(1),
        default=None,
        help="experiments run side by side in local processes (default: the number of cores)",
    )
    lab.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="send the experiments to a running dask.distributed scheduler (e.g. tcp://10.0.0.5:8786) instead of "
        'local processes; needs pip install -e ".[cluster]"',
    )
    lab.set_defaults(run=_lab)

    demo = commands.add_parser(
        "demo",
        help="train an MLP on the 8x8 digits and report its test accuracy",
        description="Train an MLP on scikit-learn's 8x8 digits and print its test accuracy.",
    )
    demo.add_argument("--epochs", type=_int_at_least(1), default=30, help="passes over the training set (default 30)")
    demo.add_argument(
        "--seed", type=_int_at_least(0), default=0, help="seed for weights, shuffling and the split (default 0)"
    )
    demo.add_argument("--verbose", type=int, default=1, choices=[0, 1], help="0 silences the progress display")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; wrong arguments exit with status 2 and a usage line (argparse's convention)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv[1:]  # what followed the subcommand, for the report's header
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
