"""``study export NAME``: a stored study's trials and learning curves as two CSV files.

``trials.csv`` has one row per trial (number, state, value, ``params_<name>``, the diagnosis,
prune epoch, epochs, error, duration); ``curves.csv`` has the curves in long form (``trial,
seed, epoch, series, value``), the layout ``python -m study diagnose`` reads back for one
trial (export it with ``--trial N``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from study.cli._common import add_study_command, add_trial_option
from study.errors import InputError

__all__ = ["add_parser"]

DEFAULT_OUT = Path("exports")
"""The folder under which each study's export gets its own folder by default."""


def add_parser(subparsers: Any) -> None:
    """Register the ``export`` subcommand."""
    parser = add_study_command(
        subparsers, "export",
        summary="write a study's trials and learning curves as CSV files",
        description="Write trials.csv (one row per trial: parameters, state, value, "
        "diagnosis) and curves.csv (trial, seed, epoch, series, value) of a stored study.",
        out=("DIR", "folder to write the two files to (default: exports/<NAME>/)"),
    )
    add_trial_option(parser, "export only trial N (repeatable); one trial's curves.csv is "
                     "what `python -m study diagnose` reads")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the two files and print their paths."""
    for path in export(args.name, args.storage, args.out, trials=args.trial):
        print(path)
    return 0


def export(
    name: str, storage: str | None, out: Path | None, *, trials: list[int]
) -> list[Path]:
    """Write ``trials.csv`` and ``curves.csv`` of stored study ``name``; return their paths.

    Raises:
        InputError: No such storage, study or trial, or ``out`` is a file.
    """
    from study.api import frames_of, load_record

    record = load_record(name, storage)
    known = [t.number for t in record.trials]
    missing = [n for n in trials if n not in known]
    if missing:
        span = f"trials {min(known)}..{max(known)}" if known else "no trials"
        raise InputError(
            f"--trial must name a trial of study {name!r}, but got --trial={missing[0]}; "
            f"the study has {span}."
        )
    from study.report import safe_dirname  # the report's stack: only when exporting

    folder = out if out is not None else DEFAULT_OUT / safe_dirname(name)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--out must be a folder, but got --out={folder}, which is a file.")
    frames = frames_of(record)
    table, curves = frames.trials, frames.curves
    if trials:
        table = table[table["number"].isin(trials)]
        curves = curves[curves["trial"].isin(trials)]
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "trials.csv", folder / "curves.csv"]
    table.to_csv(paths[0], index=False)
    curves.to_csv(paths[1], index=False)
    return paths
