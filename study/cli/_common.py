"""Pieces shared by subcommands: storage options and loading a stored study."""

from __future__ import annotations

import argparse

import optuna

from study.errors import InputError
from study.storage import STORAGE_ENV, mask_url, open_storage, resolve_url


def add_storage_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--storage URL``."""
    parser.add_argument(
        "--storage",
        metavar="URL",
        help=f"Optuna storage URL (default: ${STORAGE_ENV}, else sqlite:///studies.db); "
        "postgresql://... for many workers, journal:///file.log for several processes",
    )


def load_stored_study(name: str, url: str | None) -> tuple[optuna.Study, str]:
    """Open an existing study read-only; return it with the masked storage URL.

    Raises:
        InputError: No storage there, or no study of that name in it.
    """
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
