"""The ``glassnet`` command: ``glassnet lab`` writes the lab report; ``glassnet demo`` trains one MLP."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _check_writable(out_dir: Path) -> None:
    """Fail before any work if the report could not be written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write the report: {out_dir} is not writable")


def _lab(args: argparse.Namespace) -> int:
    from .lab.registry import all_ids, load
    from .lab.report import write_report
    from .lab.runner import run_lab

    known = all_ids()
    if args.list:
        for exp_id in known:
            print(f"{exp_id}  {load(exp_id).question}")
        return 0
    unknown = [i for i in args.ids if i not in known]
    if unknown:
        print(f"glassnet lab: unknown question id(s) {', '.join(unknown)}; see --list", file=sys.stderr)
        return 2
    ids = args.ids or known
    out_dir = Path(args.out)
    try:
        _check_writable(out_dir)
    except OSError as error:
        print(f"glassnet lab: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    outcomes = run_lab(ids, seed=args.seed, quick=args.quick, jobs=args.jobs, on_done=_progress(len(ids)))
    paths = write_report(outcomes, out_dir)
    failed = [o.id for o in outcomes if o.error]
    print(f"{len(ids)} experiments in {time.perf_counter() - start:.1f} s; report: {paths['html']}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _progress(total: int):
    """A callback that prints which experiment starts and how long each took, one line each."""
    done = []

    def on_done(outcome, exp_id):
        if outcome is None:
            print(f"[{len(done) + 1}/{total}] {exp_id} running...", flush=True)
            return
        done.append(exp_id)
        from .lab.runner import summary_line

        print(f"[{len(done)}/{total}] {summary_line(outcome)}", flush=True)

    return on_done


def _demo(args: argparse.Namespace) -> int:
    """Train an MLP on scikit-learn's 8x8 digits with a progress bar; print the test accuracy."""
    import glassnet as gn
    from glassnet.data import Standardizer, load_digits, train_test_split
    from glassnet.train import accuracy, fit

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glassnet", description="A glass-box deep-learning library and its lab.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = commands.add_parser(
        "lab",
        help="run the lab experiments and write the report",
        description="Run the lab's experiments and write an HTML, Markdown and JSON report.",
    )
    lab.add_argument("ids", nargs="*", metavar="QID", help="question ids to run (e.g. q05 q07); default: all")
    lab.add_argument("--list", action="store_true", help="list the questions and exit")
    lab.add_argument("--quick", action="store_true", help="smaller runs (fewer seeds, epochs and data), for CI")
    lab.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    lab.add_argument("--out", default="lab-report", help="output folder (default ./lab-report)")
    lab.add_argument("--jobs", type=int, default=1, help="experiments run in parallel processes (default 1)")
    lab.set_defaults(run=_lab)

    demo = commands.add_parser(
        "demo",
        help="train an MLP on the 8x8 digits and report its test accuracy",
        description="Train an MLP on scikit-learn's 8x8 digits and print its test accuracy.",
    )
    demo.add_argument("--epochs", type=int, default=30, help="passes over the training set (default 30)")
    demo.add_argument("--seed", type=int, default=0, help="seed for weights, shuffling and the split (default 0)")
    demo.add_argument("--verbose", type=int, default=1, choices=[0, 1], help="0 silences the progress display")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        build_parser().error("--jobs must be at least 1")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
