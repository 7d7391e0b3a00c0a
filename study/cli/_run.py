"""``study run``: create or resume a study and run it to its target number of trials."""

from __future__ import annotations

import argparse
from pathlib import Path

from study.errors import InputError
from study.runner import RunOptions, run

DEMO_SPACE = "demo.toml"
DEMO_STUDY = "demo"
DEFAULT_TRIALS = 20
BACKENDS = ("loky", "threading", "dask")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run``."""
    parser = subparsers.add_parser(
        "run",
        help="run (or resume) a study",
        description="Run a study until it has --trials finished trials. Running the same "
        "command again resumes it. With no arguments, runs a small demo study.",
    )
    parser.add_argument("--space", type=Path, metavar="FILE", help="search-space file (TOML)")
    parser.add_argument("--study", metavar="NAME", help="study name (default: the file's name)")
    parser.add_argument("--trials", type=int, metavar="N",
                        help=f"finished trials to reach (default {DEFAULT_TRIALS}; demo 12)")
    parser.add_argument("--seeds", type=int, metavar="K", help="seeds per trial (default: file)")
    parser.add_argument("--jobs", type=int, metavar="J",
                        help="seed workers per trial (default: cores available)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        dest="overrides", help="fix a parameter for this run (repeatable)")
    parser.add_argument("--backend", choices=BACKENDS, default="loky",
                        help="joblib backend for the seed workers (default loky)")
    parser.add_argument("--no-report", action="store_true", help="do not write the HTML report")
    from study.cli._common import add_storage_option

    add_storage_option(parser)
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    options = _options(args)
    result = run(options)
    if not args.no_report:
        from study.cli._report import write_report

        path = write_report(result.study, options.storage, None)
        print(f"report: {path}")
    return 0


def _options(args: argparse.Namespace) -> RunOptions:
    demo = args.space is None and args.study is None
    space = _demo_space() if demo else args.space
    name = args.study or (DEMO_STUDY if demo else Path(args.space).stem)
    trials = args.trials if args.trials is not None else (12 if demo else DEFAULT_TRIALS)
    if trials < 1:
        raise InputError(f"`--trials` must be a positive integer, but got --trials={trials}.")
    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"`--jobs` must be a positive integer, but got --jobs={args.jobs}.")
    return RunOptions(
        study=name, trials=trials, space=space, seeds=args.seeds,
        overrides=_overrides(args.overrides), storage=args.storage, jobs=args.jobs,
        backend=args.backend,
    )


def _overrides(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"`--set` takes NAME=VALUE, e.g. --set units=64, but got {pair!r}.")
        if name.strip() in out:
            raise InputError(f"`--set {name.strip()}` is given twice; give each parameter once.")
        out[name.strip()] = value.strip()
    return out


def _demo_space() -> Path:
    here = Path("search_spaces") / DEMO_SPACE
    if here.is_file():
        return here
    shipped = Path(__file__).resolve().parents[2] / "search_spaces" / DEMO_SPACE
    if shipped.is_file():
        return shipped
    raise InputError(
        f"demo search space {DEMO_SPACE} not found; run from the project folder or pass --space."
    )
