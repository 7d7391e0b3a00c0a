"""``study next NAME``: write a follow-up search space that moves towards the good fits."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from study.cli._common import add_study_command, load_stored_study
from study.errors import InputError


def add_parser(subparsers: Any) -> None:
    """Register the ``next`` subcommand."""
    parser = add_study_command(
        subparsers, "next",
        summary="write a follow-up search space moved towards the study's good fits",
        description="Write a follow-up search space (TOML) of a stored study: ranges narrowed "
        "or shifted towards where its good fits lie, regularisation added where overfitting "
        "dominates, epochs extended where trials were still improving; each change is "
        "commented with its reason. Run it with `python -m study run --space FILE`.",
        out=("FILE", "the file to write (default: next_<NAME>.toml in the working folder)"),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the follow-up space, print each change and the file's path."""
    # Imported here, so that `--help` loads no heavy library.
    from study.followup import follow_up, render_space
    from study.report import safe_dirname
    from study.space import parse_space
    from study.storage import study_record
    from study.verdicts import judged_against_study

    out = args.out if args.out is not None else Path(f"next_{safe_dirname(args.name)}.toml")
    _check_writable(out)
    optuna_study, shown = load_stored_study(args.name, args.storage)
    record = judged_against_study(study_record(optuna_study, shown))
    try:
        follow = follow_up(record)
    except ValueError as e:
        raise InputError(f"cannot write a follow-up: {e}") from None
    text = render_space(follow)
    parse_space(text, out)  # what `run --space` reads; raises before anything is written
    out.write_text(text, encoding="utf-8")
    for change in follow.changes:
        print(f"{change.param}: {change.reason}")
    print(out)
    return 0


def _check_writable(out: Path) -> None:
    """Refuse an ``--out`` that cannot be written, before anything is opened."""
    if out.is_dir():
        raise InputError(f"--out must be a file, but got --out={out}, which is a folder.")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"--out={out}: the folder {folder} does not exist; create it first.")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise InputError(f"--out={out} is not writable; pass a path you can write to.")
