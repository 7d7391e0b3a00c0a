"""``study report NAME``: write a study's HTML report."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from study.cli._common import (
    add_study_command,
    add_trial_option,
    check_out_folder,
    protected_files,
)
from study.errors import InputError

MAX_CURVES_HELP = 12
"""The report's default number of overview curves, as ``--help`` shows it (checked by a test
against :data:`study.reporting.MAX_CURVES`, which is what applies)."""

DEFAULT_OUT = Path("reports")
"""The folder under which each study's report gets its own folder by default."""


def add_parser(subparsers: Any) -> None:
    """Register the ``report`` subcommand."""
    parser = add_study_command(
        subparsers,
        "report",
        summary="write a study's report as one self-contained HTML page",
        description="Write the report of a stored study (fit of every trial, fit map, "
        "importance, learning curves, advice) as one HTML page that opens offline.",
        out=("DIR", "folder to write index.html to (default: reports/<NAME>/)"),
    )
    add_trial_option(parser, "also show trial N's learning curves on their own (repeatable)")
    parser.add_argument(
        "--max-curves",
        type=int,
        metavar="K",
        help=f"trials in the learning-curve overview (default: {MAX_CURVES_HELP})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the report and print the path of its ``index.html``."""
    if args.max_curves is not None and args.max_curves < 0:
        raise InputError(f"--max-curves must be >= 0, but got --max-curves={args.max_curves}.")
    path = write_report(
        args.name,
        args.storage,
        args.out,
        trials=args.trial,
        max_curves=args.max_curves,
        force=args.force,
    )
    print(path)
    return 0


def write_report(
    name: str,
    storage: str | None,
    out: Path | None,
    *,
    trials: Sequence[int] = (),
    max_curves: int | None = None,
    force: bool = False,
) -> Path:
    """Write the report of stored study ``name`` and return the path of its ``index.html``.

    Args:
        name: The study's name.
        storage: The storage URL; ``None`` for ``$STUDY_STORAGE`` or the default.
        out: The folder to write to; ``None`` for ``reports/<safe NAME>/``.
        trials: Trials whose learning curves the page also shows on their own.
        max_curves: Trials in the learning-curve overview; ``None`` for the report's default.
        force: Replace an existing ``index.html`` under ``out`` (the default folder's is
            replaced without it).

    Raises:
        InputError: No such storage, study or trial; ``out`` is a file or lies under one; or
            ``out`` holds an ``index.html`` already without ``force``.
    """
    from study.api import load_record
    from study.atomic import check_output
    from study.reporting import MAX_CURVES, build_report, safe_dirname

    record = load_record(name, storage)
    known = {t.number for t in record.trials}
    missing = [n for n in trials if n not in known]
    if missing:
        span = f"trials 0..{max(known)}" if known else "no trials"
        raise InputError(
            f"--trial must name a trial of study {name!r}, but got --trial={missing[0]}; "
            f"the study has {span}."
        )
    folder = out if out is not None else DEFAULT_OUT / safe_dirname(name)
    check_out_folder(folder)
    if folder.is_dir():
        # The default folder is this command's own: its page is replaced.
        protected = protected_files(record, storage)
        check_output(
            folder / "index.html", flag="--out", force=force or out is None, protected=protected
        )
    overview = MAX_CURVES if max_curves is None else max_curves
    return Path(build_report(record, folder, max_curves=overview, trials=trials))
