"""``study export NAME``: a stored study's trials and learning curves as two CSV files.

``trials.csv`` is the trials table that ``show --json`` and :func:`study.load` give too (see
:func:`study.api.trials_table`): one row per trial (number, state, value and what the seeds say
of it, ``params_<name>``, the diagnosis, prune epoch, epochs, error, duration); ``curves.csv``
has the curves in long form (``trial, seed, epoch, series, value``), the layout
``python -m study diagnose`` reads back for one trial (export it with ``--trial N``). Each file
is written whole or not at all; existing files are replaced only with ``--force``, and never
the storage or the study's own files.

With ``--models`` it also writes each kept seed of the recommended trial (else the best trial
that kept its weights; or of each ``--trial``) as ``trial-N-seed-S.keras``, a Keras model with
the trained weights: those of the seed's best validation epoch where the run kept them (a
pruned or overfit trial), else its final ones; ``--weights final`` writes the final ones.
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
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

__all__ = ["add_parser"]

DEFAULT_OUT = Path("exports")
"""The folder under which each study's export gets its own folder by default."""


def add_parser(subparsers: Any) -> None:
    """Register the ``export`` subcommand."""
    parser = add_study_command(
        subparsers,
        "export",
        summary="write a study's trials and learning curves as CSV files",
        description="Write trials.csv (one row per trial: parameters, state, value, "
        "diagnosis) and curves.csv (trial, seed, epoch, series, value) of a stored study.",
        out=("DIR", "folder to write the two files to (default: exports/<NAME>/)"),
    )
    add_trial_option(
        parser,
        "export only trial N (repeatable); one trial's curves.csv is "
        "what `python -m study diagnose` reads",
    )
    parser.add_argument(
        "--models",
        action="store_true",
        help="also write the kept trained models as trial-N-seed-S.keras (the recommended "
        "trial, else the best trial that kept its weights; or each --trial)",
    )
    parser.add_argument(
        "--artifacts",
        metavar="DIR",
        help="the folder of kept weights (default: $STUDY_ARTIFACTS, or beside the SQLite "
        "or journal file)",
    )
    parser.add_argument(
        "--weights",
        choices=("best", "final"),
        default="best",
        help="with --models: the weights of each seed's best validation epoch where the run "
        "kept them (pruned or overfit trials), else the final ones (best, the default); or "
        "the weights when training ended (final)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the two files and print their paths."""
    models = _kept_models(args) if args.models else []
    paths = export(
        args.name, args.storage, args.out, trials=args.trial, force=args.force, models=models
    )
    for path in paths:
        print(path)
    return 0


def export(
    name: str,
    storage: str | None,
    out: Path | None,
    *,
    trials: list[int],
    force: bool = False,
    models: Sequence[tuple[str, Any]] = (),
) -> list[Path]:
    """Write ``trials.csv`` and ``curves.csv`` of stored study ``name``; return their paths.

    Args:
        name: The study's name.
        storage: The storage URL; ``None`` for ``$STUDY_STORAGE`` or the default.
        out: The folder to write to; ``None`` for ``exports/<safe NAME>/``.
        trials: Export only these trials (all when empty).
        force: Replace the two files when they exist already under ``out`` (those of the
            default folder are replaced without it).
        models: Keras models to write as well, each with its file name.

    Raises:
        InputError: No such storage, study or trial; ``out`` is a file, or holds one of the
            two files without ``force``; or a file cannot be written (the previous one is
            then left as it was).
    """
    from study.api import frames_of, load_record
    from study.atomic import check_output, write_atomic

    record = load_record(name, storage)
    known = [t.number for t in record.trials]
    missing = [n for n in trials if n not in known]
    if missing:
        span = f"trials {min(known)}..{max(known)}" if known else "no trials"
        raise InputError(
            f"--trial must name a trial of study {name!r}, but got --trial={missing[0]}; "
            f"the study has {span}."
        )
    from study.reporting import safe_dirname  # the report's stack: only when exporting

    folder = out if out is not None else DEFAULT_OUT / safe_dirname(name)
    check_out_folder(folder)
    paths = [folder / "trials.csv", folder / "curves.csv", *(folder / n for n, _ in models)]
    protected = protected_files(record, storage)
    if folder.is_dir():
        for path in paths:
            # The default folder is this command's own: its files are replaced.
            check_output(path, flag="--out", force=force or out is None, protected=protected)
    frames = frames_of(record)
    table, curves = frames.trials, frames.curves
    if trials:
        table = table[table["number"].isin(trials)]
        curves = curves[curves["trial"].isin(trials)]
    _make_folder(folder)
    write_atomic(paths[0], lambda temp: table.to_csv(temp, index=False))
    write_atomic(paths[1], lambda temp: curves.to_csv(temp, index=False))
    for path, (_, model) in zip(paths[2:], models, strict=True):
        write_atomic(path, functools.partial(_save_model, model))
    return paths


def _kept_models(args: argparse.Namespace) -> list[tuple[str, Any]]:
    """Load the kept models to export, each with its file name (nothing is written yet)."""
    from study.runner import load_models

    loaded = []
    for trial in args.trial or [None]:
        loaded += load_models(
            args.name, trial, args.storage, artifacts=args.artifacts, weights=args.weights
        )
    return [(f"trial-{kept.trial}-seed-{kept.seed}.keras", model) for model, kept in loaded]


def _save_model(model: Any, temp: Path) -> None:
    """Save ``model`` in the ``.keras`` format at ``temp`` (Keras wants the suffix)."""
    with tempfile.TemporaryDirectory(dir=temp.parent) as folder:
        saved = Path(folder) / "model.keras"
        model.save(saved)
        os.replace(saved, temp)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(
            f"cannot create the folder --out={folder}: {e.strerror}; choose another folder."
        ) from None
