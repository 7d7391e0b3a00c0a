"""Pieces shared by subcommands: storage options and loading a stored study."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from study.errors import InputError

if TYPE_CHECKING:
    import optuna

STORAGE_HELP = (
    "Optuna storage URL (default: $STUDY_STORAGE, else sqlite:///studies.db); "
    "postgresql://... for many workers, journal:///file.log for several processes"
)
"""Help of ``--storage``; written out, so that ``--help`` does not import the storage layer.

A test checks it against :data:`study.storage.STORAGE_ENV` and the default URL.
"""


def add_storage_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--storage URL``."""
    parser.add_argument("--storage", metavar="URL", help=STORAGE_HELP)


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
    return parser


def add_trial_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Add ``--trial N`` (repeatable)."""
    parser.add_argument("--trial", type=int, action="append", default=[], metavar="N",
                        help=help_text)


def load_stored_study(name: str, url: str | None) -> tuple[optuna.Study, str]:
    """Open an existing study read-only; return it with the masked storage URL.

    Raises:
        InputError: No storage there, or no study of that name in it.
    """
    import optuna

    from study.storage import mask_url, open_storage, resolve_url

    url = resolve_url(url)
    storage = open_storage(url, must_exist=True)
    try:
        return optuna.load_study(study_name=name, storage=storage), mask_url(url)
    except KeyError:
        names = sorted(s.study_name for s in optuna.get_all_study_summaries(storage))
        known = ", ".join(names) if names else "none"
        raise InputError(
            f"no study named {name!r} in {mask_url(url)}; studies there: {known}."
        ) from None
