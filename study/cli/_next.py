"""``study next NAME``: write a follow-up search space that moves towards the good fits."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from study.cli._common import add_study_command, protected_files
from study.errors import InputError


def add_parser(subparsers: Any) -> None:
    """Register the ``next`` subcommand."""
    parser = add_study_command(
        subparsers,
        "next",
        summary="write a follow-up search space moved towards the study's good fits",
        description="Write a follow-up search space (TOML) of a stored study: ranges narrowed "
        "or shifted towards where its good fits lie, regularisation added where overfitting "
        "dominates, epochs extended where trials were still improving; each change is "
        "commented with its reason. Run it with `python -m study run --space FILE`. An "
        "existing file is replaced only with --force, and never the storage or the study's "
        "own search-space or data file.",
        out=("FILE", "the file to write (default: next_<NAME>.toml in the working folder)"),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the follow-up space, print each change and the file's path."""
    # Imported here, so that `--help` loads no heavy library.
    from study.api import load_record
    from study.atomic import check_output, write_text_atomic
    from study.followup import follow_up, render_space
    from study.reporting import safe_dirname
    from study.space import parse_space

    out = args.out if args.out is not None else Path(f"next_{safe_dirname(args.name)}.toml")
    check_output(out, flag="--out", force=args.force)
    record = load_record(args.name, args.storage)
    check_output(
        out, flag="--out", force=args.force, protected=protected_files(record, args.storage)
    )
    try:
        follow = follow_up(record)
    except ValueError as e:
        raise InputError(f"cannot write a follow-up: {e}") from None
    text = render_space(follow)
    # What `run --space` reads; raises before anything is written. The study names its model's
    # module, but a stored study never imports code: `run` checks it when it is given.
    parse_space(text, out)
    write_text_atomic(out, text)
    for change in follow.changes:
        print(f"{change.param}: {change.reason}")
    print(out)
    return 0
