"""Pieces shared by subcommands: storage options, the ``--out`` checks, and the files an
output never replaces."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from study.errors import InputError

if TYPE_CHECKING:
    from study.storage import StudyRecord

STORAGE_HELP = (
    "Optuna storage URL (default: $STUDY_STORAGE, else sqlite:///studies.db); "
    "postgresql://... for many workers, journal:///file.log for several processes. A password "
    "here is visible to every user of this machine (ps): give such a URL with --storage-file "
    "or $STUDY_STORAGE_FILE (a file holding it), or $STUDY_STORAGE"
)
"""Help of ``--storage``; written out, so that ``--help`` does not import the storage layer.

A test checks it against :data:`study.storage.STORAGE_ENV` and the default URL.
"""


STORAGE_FILE_HELP = (
    "read the storage URL from the first line of FILE (keeps a password out of the process "
    "list); instead of --storage"
)
FORCE_HELP = "replace output files that exist already"


def add_storage_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--storage URL`` and ``--storage-file FILE``."""
    parser.add_argument("--storage", metavar="URL", help=STORAGE_HELP)
    parser.add_argument("--storage-file", type=Path, metavar="FILE", help=STORAGE_FILE_HELP)


def settle_storage(args: argparse.Namespace) -> None:
    """Set ``args.storage`` to the URL the command line gives, if any, from either option.

    Warns on standard error (one line) when ``--storage`` itself holds a password: the
    command line of a process is visible to every user of the machine.

    Raises:
        InputError: Both options are given, or the ``--storage-file`` holds no URL.
    """
    storage_file = getattr(args, "storage_file", None)
    if storage_file is not None:
        if args.storage is not None:
            raise InputError("--storage and --storage-file both name the storage; give one.")
        from study.storage import url_from_file

        args.storage = url_from_file(storage_file, "--storage-file")
    elif getattr(args, "storage", None):
        from study.storage.runs import secrets_of

        if secrets_of(args.storage):
            print(
                "warning: --storage holds a password, which every user of this machine can "
                "read in the process list; give the URL with --storage-file FILE or "
                "$STUDY_STORAGE instead.",
                file=sys.stderr,
            )


def add_study_command(
    subparsers: Any, command: str, *, summary: str, description: str, out: tuple[str, str]
) -> argparse.ArgumentParser:
    """Register a subcommand that reads stored study NAME and writes to ``--out``.

    Args:
        subparsers: The parser's subcommands.
        command: The subcommand's name.
        summary: Its one-line help in ``python -m study --help``.
        description: Its ``--help`` description.
        out: The metavar and the help of ``--out``.

    Returns:
        The subcommand's parser, for its own options.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        command, help=summary, description=description
    )
    parser.add_argument("name", help="the study's name")
    add_storage_option(parser)
    parser.add_argument("--out", type=Path, metavar=out[0], help=out[1])
    parser.add_argument("--force", action="store_true", help=FORCE_HELP)
    return parser


def check_out_folder(folder: Path) -> None:
    """Refuse an ``--out`` folder that is a file, lies under a file, or is too long a path.

    Raises:
        InputError: Any of these, before anything is opened.
    """
    try:
        is_file = folder.exists() and not folder.is_dir()
        under_file = next((p for p in folder.parents if p.exists() and not p.is_dir()), None)
    except OSError as e:
        raise InputError(
            f"--out cannot be used: {e.strerror}; pass a shorter or valid path."
        ) from None
    if is_file:
        raise InputError(f"--out must be a folder, but got --out={folder}, which is a file.")
    if under_file is not None:
        raise InputError(
            f"--out={folder} lies under {under_file}, which is a file; pass a folder path."
        )


def add_trial_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Add ``--trial N`` (repeatable)."""
    parser.add_argument(
        "--trial", type=int, action="append", default=[], metavar="N", help=help_text
    )


def protected_files(record: StudyRecord, url: str | None) -> list[tuple[Path, str]]:
    """The files an output must never replace: the storage and the study's own inputs.

    Args:
        record: The stored study being read.
        url: Its storage URL; ``None`` for ``$STUDY_STORAGE`` or the default.

    Returns:
        Each file with what it is, for the message.
    """
    from study.storage import resolve_url
    from study.storage.runs import journal_path, sqlite_path

    url = resolve_url(url)
    files: list[tuple[Path, str]] = []
    storage = sqlite_path(url) or journal_path(url)
    if storage is not None:
        files.append((storage, "the storage this command reads"))
    if record.space_path:
        files.append((Path(record.space_path), "the study's search-space file"))
    if record.data_path:
        files.append((Path(record.data_path), "the study's data file"))
    return files
